//! `${name}` variables in scenario text.
//!
//! A reference is `${name}`, or `${name+N}` / `${name-N}` for an integer
//! variable shifted by `N` (used to address the last pages of a list). Names
//! are ASCII letters, digits and `_`, not starting with a digit. `$${` writes
//! a literal `${`; a `$` followed by anything else is literal, so `$ref` and
//! JSON paths such as `$.id` need no escaping.

use indexmap::IndexMap;

/// A failure to parse or resolve a variable reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VarError {
    #[error("unterminated `${{` at byte {offset}: close it with `}}`, or write `$${{` for a literal `${{`")]
    Unterminated { offset: usize },
    #[error("invalid variable reference `${{{text}}}`: expected `${{name}}`, `${{name+N}}` or `${{name-N}}`")]
    InvalidReference { text: String },
    #[error("undefined variable `{name}`")]
    Undefined { name: String },
    #[error("variable `{name}` is `{value}`, not an integer, so `${{{name}{offset:+}}}` cannot shift it")]
    NotInteger {
        name: String,
        value: String,
        offset: i64,
    },
}

/// One parsed `${...}` reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarRef {
    pub name: String,
    /// Integer added to the value; 0 for a plain `${name}`.
    pub offset: i64,
}

/// A piece of a template: literal text or a reference.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Var(VarRef),
}

/// Variable values of one scenario run.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    values: IndexMap<String, String>,
}

impl Vars {
    /// Creates an empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a variable, replacing an earlier value.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.values.insert(name.into(), value.into());
    }

    /// Returns a variable's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Iterates over the variables in the order they were first set.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// Replaces every reference in `text` with its value.
    pub fn substitute(&self, text: &str) -> Result<String, VarError> {
        let mut output = String::with_capacity(text.len());
        for piece in parse(text)? {
            match piece {
                Piece::Text(literal) => output.push_str(literal),
                Piece::Var(reference) => output.push_str(&self.resolve(&reference)?),
            }
        }
        Ok(output)
    }

    /// Replaces references in every string and object key of a JSON value.
    pub fn substitute_json(&self, value: &serde_json::Value) -> Result<serde_json::Value, VarError> {
        use serde_json::Value;
        Ok(match value {
            Value::String(text) => Value::String(self.substitute(text)?),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| self.substitute_json(item))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => {
                let mut output = serde_json::Map::with_capacity(map.len());
                for (key, item) in map {
                    output.insert(self.substitute(key)?, self.substitute_json(item)?);
                }
                Value::Object(output)
            }
            other => other.clone(),
        })
    }

    fn resolve(&self, reference: &VarRef) -> Result<String, VarError> {
        let value = self.get(&reference.name).ok_or_else(|| VarError::Undefined {
            name: reference.name.clone(),
        })?;
        if reference.offset == 0 {
            return Ok(value.to_owned());
        }
        let number: i64 = value.trim().parse().map_err(|_| VarError::NotInteger {
            name: reference.name.clone(),
            value: value.to_owned(),
            offset: reference.offset,
        })?;
        Ok((number + reference.offset).to_string())
    }
}

/// Lists the references in `text`, for checking them before a run.
pub fn references(text: &str) -> Result<Vec<VarRef>, VarError> {
    Ok(parse(text)?
        .into_iter()
        .filter_map(|piece| match piece {
            Piece::Var(reference) => Some(reference),
            Piece::Text(_) => None,
        })
        .collect())
}

/// Lists the references in every string and key of a JSON value.
pub fn json_references(value: &serde_json::Value) -> Result<Vec<VarRef>, VarError> {
    use serde_json::Value;
    let mut found = Vec::new();
    match value {
        Value::String(text) => found.extend(references(text)?),
        Value::Array(items) => {
            for item in items {
                found.extend(json_references(item)?);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                found.extend(references(key)?);
                found.extend(json_references(item)?);
            }
        }
        _ => {}
    }
    Ok(found)
}

fn parse(text: &str) -> Result<Vec<Piece<'_>>, VarError> {
    let mut pieces = Vec::new();
    let mut rest = text;
    let mut consumed = 0;
    while let Some(start) = rest.find('$') {
        let after = &rest[start + 1..];
        if let Some(escaped) = after.strip_prefix("${") {
            pieces.push(Piece::Text(&rest[..start]));
            pieces.push(Piece::Text("${"));
            rest = escaped;
            consumed += start + 3;
            continue;
        }
        if !after.starts_with('{') {
            pieces.push(Piece::Text(&rest[..=start]));
            rest = after;
            consumed += start + 1;
            continue;
        }
        let close = after.find('}').ok_or(VarError::Unterminated {
            offset: consumed + start,
        })?;
        pieces.push(Piece::Text(&rest[..start]));
        pieces.push(Piece::Var(parse_reference(&after[1..close])?));
        rest = &after[close + 1..];
        consumed += start + close + 2;
    }
    pieces.push(Piece::Text(rest));
    pieces.retain(|piece| !matches!(piece, Piece::Text("")));
    Ok(pieces)
}

fn parse_reference(inner: &str) -> Result<VarRef, VarError> {
    let invalid = || VarError::InvalidReference {
        text: inner.to_owned(),
    };
    let (name, offset) = match inner.find(['+', '-']) {
        Some(at) => {
            let digits = &inner[at + 1..];
            if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
                return Err(invalid());
            }
            let magnitude: i64 = digits.parse().map_err(|_| invalid())?;
            let sign = if inner.as_bytes()[at] == b'-' { -1 } else { 1 };
            (&inner[..at], sign * magnitude)
        }
        None => (inner, 0),
    };
    let valid_name = name
        .chars()
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid_name {
        return Err(invalid());
    }
    Ok(VarRef {
        name: name.to_owned(),
        offset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars() -> Vars {
        let mut vars = Vars::new();
        vars.set("run", "sc-1a2b-007");
        vars.set("total", "12");
        vars
    }

    #[test]
    fn substitutes_plain_reference() {
        assert_eq!(vars().substitute("${run}-alice").as_deref(), Ok("sc-1a2b-007-alice"));
    }

    #[test]
    fn shifts_integer_reference() {
        assert_eq!(vars().substitute("${total-2},${total+1}").as_deref(), Ok("10,13"));
    }

    #[test]
    fn keeps_dollar_not_followed_by_brace() {
        assert_eq!(vars().substitute("$ref $.id $").as_deref(), Ok("$ref $.id $"));
    }

    #[test]
    fn escapes_double_dollar_brace() {
        assert_eq!(vars().substitute("$${run} ${run}").as_deref(), Ok("${run} sc-1a2b-007"));
    }

    #[test]
    fn undefined_variable_is_named() {
        assert_eq!(
            vars().substitute("/Users/${user_id}"),
            Err(VarError::Undefined {
                name: "user_id".into()
            })
        );
    }

    #[test]
    fn unterminated_reference_reports_offset() {
        assert_eq!(vars().substitute("ab${run"), Err(VarError::Unterminated { offset: 2 }));
    }

    #[test]
    fn invalid_names_rejected() {
        for text in ["${}", "${1x}", "${a b}", "${run-}", "${run-x}", "${a.b}"] {
            assert!(
                matches!(vars().substitute(text), Err(VarError::InvalidReference { .. })),
                "{text}"
            );
        }
    }

    #[test]
    fn shift_of_non_integer_rejected() {
        assert!(matches!(
            vars().substitute("${run+1}"),
            Err(VarError::NotInteger { .. })
        ));
    }

    #[test]
    fn substitutes_json_strings_and_keys() {
        let template = json!({"userName": "${run}", "${run}": [1, "x${total}"], "n": 3});
        assert_eq!(
            vars().substitute_json(&template),
            Ok(json!({"userName": "sc-1a2b-007", "sc-1a2b-007": [1, "x12"], "n": 3}))
        );
    }

    #[test]
    fn substituted_value_is_not_reparsed() {
        let mut vars = Vars::new();
        vars.set("quote", "a\"b ${run}");
        let output = vars.substitute_json(&json!({"v": "${quote}"}));
        assert_eq!(output, Ok(json!({"v": "a\"b ${run}"})));
    }

    #[test]
    fn references_lists_names_in_order() {
        let found = references("${a}/x/${b-1}").expect("valid references");
        let names: Vec<_> = found.iter().map(|r| (r.name.as_str(), r.offset)).collect();
        assert_eq!(names, vec![("a", 0), ("b", -1)]);
    }
}
