//! A small JSONPath subset for pointing into SCIM responses.
//!
//! Grammar, always starting at the root `$`:
//! - `.name`: an object member; the name ends at the next `.` or `[`.
//! - `["name"]`: an object member whose name has dots, such as
//!   `$["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].department`.
//! - `[N]`: an array element; negative `N` counts from the end (`[-1]` is the last).
//! - `[?field==LITERAL]`: the first array element that is an object whose
//!   `field` equals the JSON literal, for example `$.members[?value=="42"]` or
//!   `$.emails[?primary==true].value`.
//!
//! A path selects at most one value; selecting through a missing member or
//! element yields nothing rather than an error.

use std::fmt;

use serde_json::Value;

/// A path that failed to parse, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid JSON path `{path}`: {reason}")]
pub struct PathError {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Member(String),
    Index(i64),
    Filter { field: String, literal: Value },
}

/// A parsed path.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    text: String,
    segments: Vec<Segment>,
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl JsonPath {
    /// Parses a path such as `$.emails[?primary==true].value`.
    pub fn parse(text: &str) -> Result<Self, PathError> {
        let error = |reason: &str| PathError {
            path: text.to_owned(),
            reason: reason.to_owned(),
        };
        let mut rest = text
            .strip_prefix('$')
            .ok_or_else(|| error("a path starts with `$`"))?;
        let mut segments = Vec::new();
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('.') {
                let end = after.find(['.', '[']).unwrap_or(after.len());
                if end == 0 {
                    return Err(error("empty member name after `.`"));
                }
                segments.push(Segment::Member(after[..end].to_owned()));
                rest = &after[end..];
            } else if let Some(after) = rest.strip_prefix('[') {
                let (segment, remaining) = parse_bracket(after).map_err(|reason| error(&reason))?;
                segments.push(segment);
                rest = remaining;
            } else {
                return Err(error("expected `.` or `[` after a segment"));
            }
        }
        Ok(JsonPath {
            text: text.to_owned(),
            segments,
        })
    }

    /// Returns the path as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Selects the value the path points to, if there is one.
    pub fn select<'a>(&self, root: &'a Value) -> Option<&'a Value> {
        let mut current = root;
        for segment in &self.segments {
            current = match segment {
                Segment::Member(name) => current.as_object()?.get(name)?,
                Segment::Index(index) => {
                    let items = current.as_array()?;
                    let position = if *index < 0 {
                        items.len().checked_sub(usize::try_from(index.unsigned_abs()).ok()?)?
                    } else {
                        usize::try_from(*index).ok()?
                    };
                    items.get(position)?
                }
                Segment::Filter { field, literal } => current
                    .as_array()?
                    .iter()
                    .find(|item| item.get(field) == Some(literal))?,
            };
        }
        Some(current)
    }

    /// Returns a mutable reference to the value the path points to.
    pub fn select_mut<'a>(&self, root: &'a mut Value) -> Option<&'a mut Value> {
        let mut current = root;
        for segment in &self.segments {
            current = match segment {
                Segment::Member(name) => current.as_object_mut()?.get_mut(name)?,
                Segment::Index(index) => {
                    let items = current.as_array_mut()?;
                    let position = if *index < 0 {
                        items.len().checked_sub(usize::try_from(index.unsigned_abs()).ok()?)?
                    } else {
                        usize::try_from(*index).ok()?
                    };
                    items.get_mut(position)?
                }
                Segment::Filter { field, literal } => current
                    .as_array_mut()?
                    .iter_mut()
                    .find(|item| item.get(field.as_str()) == Some(&*literal))?,
            };
        }
        Some(current)
    }
}

/// Parses the inside of `[...]` and returns the segment and the text after `]`.
fn parse_bracket(text: &str) -> Result<(Segment, &str), String> {
    if text.starts_with('"') {
        let (name, used) = parse_json_string(text)?;
        let rest = text[used..]
            .strip_prefix(']')
            .ok_or("expected `]` after the quoted member name")?;
        return Ok((Segment::Member(name), rest));
    }
    if let Some(filter) = text.strip_prefix('?') {
        let (field, after_field) = if filter.starts_with('"') {
            let (name, used) = parse_json_string(filter)?;
            (name, &filter[used..])
        } else {
            let end = filter.find("==").ok_or("a filter is `[?field==LITERAL]`")?;
            (filter[..end].trim().to_owned(), &filter[end..])
        };
        if field.is_empty() {
            return Err("a filter needs a field name before `==`".to_owned());
        }
        let literal_text = after_field
            .trim_start()
            .strip_prefix("==")
            .ok_or("a filter is `[?field==LITERAL]`")?
            .trim_start();
        let mut stream = serde_json::Deserializer::from_str(literal_text).into_iter::<Value>();
        let literal = match stream.next() {
            Some(Ok(value)) => value,
            _ => return Err("the filter value must be a JSON literal such as \"text\", 3 or true".to_owned()),
        };
        let used = stream.byte_offset();
        let rest = literal_text[used..]
            .trim_start()
            .strip_prefix(']')
            .ok_or("expected `]` after the filter value")?;
        return Ok((Segment::Filter { field, literal }, rest));
    }
    let end = text.find(']').ok_or("unclosed `[`")?;
    let index: i64 = text[..end]
        .trim()
        .parse()
        .map_err(|_| format!("`[{}]` is not an index, a quoted name or a `?` filter", &text[..end]))?;
    Ok((Segment::Index(index), &text[end + 1..]))
}

/// Parses a JSON string literal at the start of `text`; returns it and the bytes used.
fn parse_json_string(text: &str) -> Result<(String, usize), String> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<String>();
    match stream.next() {
        Some(Ok(value)) => Ok((value, stream.byte_offset())),
        _ => Err("invalid quoted name: use a JSON string such as \"name\"".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({
            "id": "u1",
            "emails": [{"value": "a@x", "type": "work", "primary": true}, {"value": "b@x", "primary": false}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"},
            "members": [{"value": "m1"}, {"value": "m2"}]
        })
    }

    fn select(path: &str) -> Option<Value> {
        JsonPath::parse(path).expect("valid path").select(&user()).cloned()
    }

    #[test]
    fn selects_members_and_indexes() {
        assert_eq!(select("$.id"), Some(json!("u1")));
        assert_eq!(select("$.emails[1].value"), Some(json!("b@x")));
        assert_eq!(select("$.members[-1].value"), Some(json!("m2")));
        assert_eq!(select("$"), Some(user()));
    }

    #[test]
    fn selects_quoted_urn_member() {
        assert_eq!(
            select(r#"$["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].department"#),
            Some(json!("R&D"))
        );
    }

    #[test]
    fn filter_finds_first_match() {
        assert_eq!(select("$.emails[?primary==true].value"), Some(json!("a@x")));
        assert_eq!(select(r#"$.members[?value=="m2"]"#), Some(json!({"value": "m2"})));
        assert_eq!(select(r#"$.members[?value == "zz"]"#), None);
    }

    #[test]
    fn missing_parts_select_nothing() {
        assert_eq!(select("$.nope.deeper"), None);
        assert_eq!(select("$.emails[5]"), None);
        assert_eq!(select("$.members[-3]"), None);
        assert_eq!(select("$.id[0]"), None);
    }

    #[test]
    fn invalid_paths_rejected() {
        for path in ["id", "$.", "$..a", "$[", "$[x]", "$[?a]", "$[?a==nope]", "$x"] {
            assert!(JsonPath::parse(path).is_err(), "{path} should not parse");
        }
    }
}
