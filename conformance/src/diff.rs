//! A readable structural diff of two JSON values, for failure reports.
//!
//! Objects are compared member by member and arrays element by element, so a
//! difference is reported at the deepest path where the two values part, in
//! the same `$.a.b[0]` notation the scenario files use.

use std::fmt;

use serde_json::Value;

/// Maximum length of one value inside a diff line, in characters.
const VALUE_WIDTH: usize = 160;

/// One difference between the expected and the actual value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// Both sides have a value at `path`, and they differ.
    Changed {
        path: String,
        expected: String,
        actual: String,
    },
    /// The expected value has `path`; the actual one does not.
    Missing { path: String, expected: String },
    /// The actual value has `path`; the expected one does not.
    Unexpected { path: String, actual: String },
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::Changed {
                path,
                expected,
                actual,
            } => write!(f, "~ {path}: expected {expected}, got {actual}"),
            Difference::Missing { path, expected } => write!(f, "- {path}: missing, expected {expected}"),
            Difference::Unexpected { path, actual } => write!(f, "+ {path}: not expected, got {actual}"),
        }
    }
}

/// Lists the differences between `expected` and `actual`, deepest first per branch.
pub fn diff(expected: &Value, actual: &Value) -> Vec<Difference> {
    let mut found = Vec::new();
    walk("$", expected, actual, &mut found);
    found
}

/// Renders the differences one per line; empty when the values are equal.
pub fn render(expected: &Value, actual: &Value) -> String {
    diff(expected, actual)
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Renders a value as compact JSON, cut to a readable width.
pub fn short(value: &Value) -> String {
    let mut text = value.to_string();
    if text.chars().count() > VALUE_WIDTH {
        text = text.chars().take(VALUE_WIDTH).collect();
        text.push('…');
    }
    text
}

fn walk(path: &str, expected: &Value, actual: &Value, found: &mut Vec<Difference>) {
    match (expected, actual) {
        (Value::Object(want), Value::Object(got)) => {
            for (key, want_item) in want {
                let child = member_path(path, key);
                match got.get(key) {
                    Some(got_item) => walk(&child, want_item, got_item, found),
                    None => found.push(Difference::Missing {
                        path: child,
                        expected: short(want_item),
                    }),
                }
            }
            for (key, got_item) in got {
                if !want.contains_key(key) {
                    found.push(Difference::Unexpected {
                        path: member_path(path, key),
                        actual: short(got_item),
                    });
                }
            }
        }
        (Value::Array(want), Value::Array(got)) => {
            for (index, want_item) in want.iter().enumerate() {
                let child = format!("{path}[{index}]");
                match got.get(index) {
                    Some(got_item) => walk(&child, want_item, got_item, found),
                    None => found.push(Difference::Missing {
                        path: child,
                        expected: short(want_item),
                    }),
                }
            }
            for (index, got_item) in got.iter().enumerate().skip(want.len()) {
                found.push(Difference::Unexpected {
                    path: format!("{path}[{index}]"),
                    actual: short(got_item),
                });
            }
        }
        _ if expected == actual => {}
        _ => found.push(Difference::Changed {
            path: path.to_owned(),
            expected: describe(expected),
            actual: describe(actual),
        }),
    }
}

/// Renders a value and, where a type mix-up is the likely cause, its type.
fn describe(value: &Value) -> String {
    match value {
        Value::String(_) => format!("{} (string)", short(value)),
        Value::Number(_) => format!("{} (number)", short(value)),
        Value::Bool(_) => format!("{} (boolean)", short(value)),
        _ => short(value),
    }
}

/// Appends an object member to a path, quoting names that `.name` cannot carry.
fn member_path(path: &str, key: &str) -> String {
    let plain = !key.is_empty() && !key.contains(['.', '[', ']', '"', ' ']);
    if plain {
        format!("{path}.{key}")
    } else {
        format!("{path}[{}]", Value::String(key.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equal_values_have_no_diff() {
        let value = json!({"a": [1, {"b": null}]});
        assert!(diff(&value, &value).is_empty());
        assert_eq!(render(&value, &value), "");
    }

    #[test]
    fn reports_deepest_changed_path() {
        let lines = render(
            &json!({"emails": [{"type": "work", "value": "a"}]}),
            &json!({"emails": [{"type": "home", "value": "a"}]}),
        );
        assert_eq!(lines, r#"~ $.emails[0].type: expected "work" (string), got "home" (string)"#);
    }

    #[test]
    fn shows_type_mixups() {
        let lines = render(&json!({"status": "404"}), &json!({"status": 404}));
        assert_eq!(lines, r#"~ $.status: expected "404" (string), got 404 (number)"#);
    }

    #[test]
    fn reports_missing_and_unexpected_members() {
        let found = diff(&json!({"a": 1, "b": 2}), &json!({"b": 2, "c": 3}));
        assert_eq!(
            found,
            vec![
                Difference::Missing {
                    path: "$.a".into(),
                    expected: "1".into()
                },
                Difference::Unexpected {
                    path: "$.c".into(),
                    actual: "3".into()
                },
            ]
        );
    }

    #[test]
    fn reports_array_length_differences() {
        let lines = render(&json!([1, 2, 3]), &json!([1]));
        assert_eq!(lines, "- $[1]: missing, expected 2\n- $[2]: missing, expected 3");
        let lines = render(&json!([]), &json!(["x"]));
        assert_eq!(lines, r#"+ $[0]: not expected, got "x""#);
    }

    #[test]
    fn quotes_urn_member_names() {
        let lines = render(
            &json!({"urn:a:2.0:User": {"d": 1}}),
            &json!({"urn:a:2.0:User": {"d": 2}}),
        );
        assert_eq!(lines, r#"~ $["urn:a:2.0:User"].d: expected 1 (number), got 2 (number)"#);
    }

    #[test]
    fn long_values_are_cut() {
        let long = "x".repeat(500);
        let rendered = short(&json!(long));
        assert!(rendered.ends_with('…'));
        assert_eq!(rendered.chars().count(), VALUE_WIDTH + 1);
    }
}
