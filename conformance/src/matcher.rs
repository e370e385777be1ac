//! Matchers: what a scenario expects of one JSON value or header.
//!
//! In a scenario file a matcher is either a plain value, which the actual
//! value must equal, or a table of checks that must all hold:
//!
//! | key | holds when the actual value … |
//! |---|---|
//! | `equals = V` | equals `V` (use this to compare whole objects) |
//! | `not_equals = V` | is absent or differs from `V` |
//! | `equals_ignore_case = "s"` | is a string equal to `s` ignoring case |
//! | `present = true` | exists and is not `null` (`false` means `absent`) |
//! | `absent = true` | does not exist (`null` does not count as absent) |
//! | `empty = true` | is absent, `null`, `""`, `[]` or `{}` (`false`: none of these) |
//! | `type = "string"` | has that JSON type (`string`, `number`, `integer`, `boolean`, `array`, `object`, `null`) |
//! | `len`, `min_len`, `max_len` | is an array, object or string of that many elements, members or characters |
//! | `min`, `max` | is a number within the bound (inclusive) |
//! | `regex = "…"` | is a string matching the regular expression; `${var}` values inside it match literally |
//! | `contains = V` | is a string containing `V`, or an array with an element that includes `V` (all of `V`'s members, for objects) |
//! | `not_contains = V` | is absent, or a string or array for which `contains` fails |
//! | `one_of = [A, B]` | equals one of the listed values |
//!
//! Strings inside expected values may use `${var}` references.

use std::fmt;

use regex::Regex;
use serde_json::Value;

use crate::diff;
use crate::vars::{self, Vars};

/// The JSON types a `type` check can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    String,
    Number,
    Integer,
    Boolean,
    Array,
    Object,
    Null,
}

impl JsonType {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "string" => JsonType::String,
            "number" => JsonType::Number,
            "integer" => JsonType::Integer,
            "boolean" => JsonType::Boolean,
            "array" => JsonType::Array,
            "object" => JsonType::Object,
            "null" => JsonType::Null,
            _ => return None,
        })
    }

    fn of(value: &Value) -> &'static str {
        match value {
            Value::String(_) => "string",
            Value::Number(number) if number.is_i64() || number.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::Bool(_) => "boolean",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
            Value::Null => "null",
        }
    }

    fn matches(self, value: &Value) -> bool {
        match self {
            JsonType::String => value.is_string(),
            JsonType::Number => value.is_number(),
            JsonType::Integer => value.is_i64() || value.is_u64(),
            JsonType::Boolean => value.is_boolean(),
            JsonType::Array => value.is_array(),
            JsonType::Object => value.is_object(),
            JsonType::Null => value.is_null(),
        }
    }
}

/// One check inside a matcher.
#[derive(Debug, Clone)]
pub enum Check {
    Equals(Value),
    NotEquals(Value),
    EqualsIgnoreCase(String),
    Present(bool),
    Absent,
    Empty(bool),
    Type(JsonType),
    Len(usize),
    MinLen(usize),
    MaxLen(usize),
    Min(f64),
    Max(f64),
    /// The pattern as written; compiled after `${var}` substitution.
    Regex(String),
    Contains(Value),
    NotContains(Value),
    OneOf(Vec<Value>),
}

/// All checks that must hold for one value.
#[derive(Debug, Clone)]
pub struct Matcher {
    pub checks: Vec<Check>,
}

/// A value that did not match, with both sides rendered for a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub expected: String,
    pub actual: String,
    /// A structural diff, for `equals` on objects and arrays.
    pub diff: Option<String>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {}, got {}", self.expected, self.actual)
    }
}

const KEYS: &[&str] = &[
    "equals",
    "not_equals",
    "equals_ignore_case",
    "present",
    "absent",
    "empty",
    "type",
    "len",
    "min_len",
    "max_len",
    "min",
    "max",
    "regex",
    "contains",
    "not_contains",
    "one_of",
];

impl Matcher {
    /// Builds a matcher from its scenario-file form; the error names the bad key.
    pub fn from_toml(value: &toml::Value) -> Result<Self, String> {
        let table = match value {
            toml::Value::Table(table) => table,
            other => {
                return Ok(Matcher {
                    checks: vec![Check::Equals(toml_to_json(other))],
                })
            }
        };
        if table.is_empty() {
            return Err(format!("an empty table checks nothing: use one of {}", KEYS.join(", ")));
        }
        let mut checks = Vec::new();
        for (key, item) in table {
            checks.push(parse_check(key, item)?);
        }
        Ok(Matcher { checks })
    }

    /// Lists the `${var}` references inside expected values and patterns.
    pub fn references(&self) -> Result<Vec<vars::VarRef>, vars::VarError> {
        let mut found = Vec::new();
        for check in &self.checks {
            match check {
                Check::Equals(value) | Check::NotEquals(value) | Check::Contains(value) | Check::NotContains(value) => {
                    found.extend(vars::json_references(value)?);
                }
                Check::OneOf(values) => {
                    for value in values {
                        found.extend(vars::json_references(value)?);
                    }
                }
                Check::EqualsIgnoreCase(text) | Check::Regex(text) => found.extend(vars::references(text)?),
                _ => {}
            }
        }
        Ok(found)
    }

    /// Checks `actual` (`None` when the path or header is absent).
    pub fn check(&self, actual: Option<&Value>, vars: &Vars) -> Result<(), Mismatch> {
        for check in &self.checks {
            run_check(check, actual, vars)?;
        }
        Ok(())
    }
}

fn parse_check(key: &str, item: &toml::Value) -> Result<Check, String> {
    let boolean = || {
        item.as_bool()
            .ok_or_else(|| format!("`{key}` takes true or false, not {item}"))
    };
    let count = || {
        item.as_integer()
            .and_then(|number| usize::try_from(number).ok())
            .ok_or_else(|| format!("`{key}` takes a non-negative integer, not {item}"))
    };
    let number = || match item {
        toml::Value::Integer(number) => Ok(*number as f64),
        toml::Value::Float(number) => Ok(*number),
        _ => Err(format!("`{key}` takes a number, not {item}")),
    };
    let string = || {
        item.as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("`{key}` takes a string, not {item}"))
    };
    Ok(match key {
        "equals" => Check::Equals(toml_to_json(item)),
        "not_equals" => Check::NotEquals(toml_to_json(item)),
        "equals_ignore_case" => Check::EqualsIgnoreCase(string()?),
        "present" => Check::Present(boolean()?),
        "absent" => {
            if boolean()? {
                Check::Absent
            } else {
                Check::Present(true)
            }
        }
        "empty" => Check::Empty(boolean()?),
        "type" => {
            let name = string()?;
            Check::Type(JsonType::parse(&name).ok_or_else(|| {
                format!("unknown type `{name}`: use string, number, integer, boolean, array, object or null")
            })?)
        }
        "len" => Check::Len(count()?),
        "min_len" => Check::MinLen(count()?),
        "max_len" => Check::MaxLen(count()?),
        "min" => Check::Min(number()?),
        "max" => Check::Max(number()?),
        "regex" => {
            let pattern = string()?;
            let probe = pattern.replace("${", "x{");
            if !pattern.contains("${") {
                Regex::new(&probe).map_err(|error| format!("invalid `regex`: {error}"))?;
            }
            Check::Regex(pattern)
        }
        "contains" => Check::Contains(toml_to_json(item)),
        "not_contains" => Check::NotContains(toml_to_json(item)),
        "one_of" => match toml_to_json(item) {
            Value::Array(values) if !values.is_empty() => Check::OneOf(values),
            _ => return Err("`one_of` takes a non-empty array".to_owned()),
        },
        other => {
            return Err(format!(
                "unknown check `{other}`: use one of {} (or write a plain value to compare for equality)",
                KEYS.join(", ")
            ))
        }
    })
}

fn run_check(check: &Check, actual: Option<&Value>, vars: &Vars) -> Result<(), Mismatch> {
    let actual_text = actual.map_or_else(|| "nothing (absent)".to_owned(), diff::short);
    let fail = |expected: String| {
        Err(Mismatch {
            expected,
            actual: actual_text.clone(),
            diff: None,
        })
    };
    let resolve = |value: &Value| {
        vars.substitute_json(value).map_err(|error| Mismatch {
            expected: format!("a value whose variables resolve ({error})"),
            actual: actual_text.clone(),
            diff: None,
        })
    };

    match check {
        Check::Equals(template) => {
            let expected = resolve(template)?;
            match actual {
                Some(value) if *value == expected => Ok(()),
                Some(value) if value.is_object() || value.is_array() => Err(Mismatch {
                    expected: diff::short(&expected),
                    actual: actual_text.clone(),
                    diff: Some(diff::render(&expected, value)),
                }),
                Some(Value::Number(got)) if expected.as_f64().is_some() && got.as_f64() == expected.as_f64() => Ok(()),
                Some(value) if JsonType::of(value) != JsonType::of(&expected) => fail(format!(
                    "{} ({}), got a value of type {}",
                    diff::short(&expected),
                    JsonType::of(&expected),
                    JsonType::of(value)
                )),
                _ => fail(diff::short(&expected)),
            }
        }
        Check::NotEquals(template) => {
            let unexpected = resolve(template)?;
            if actual == Some(&unexpected) {
                fail(format!("anything but {}", diff::short(&unexpected)))
            } else {
                Ok(())
            }
        }
        Check::EqualsIgnoreCase(template) => {
            let expected = resolve(&Value::String(template.clone()))?;
            let expected = expected.as_str().unwrap_or_default().to_owned();
            match actual.and_then(Value::as_str) {
                Some(text) if text.to_lowercase() == expected.to_lowercase() => Ok(()),
                _ => fail(format!("{expected:?} in any letter case")),
            }
        }
        Check::Present(true) => match actual {
            Some(value) if !value.is_null() => Ok(()),
            _ => fail("a value (present and not null)".to_owned()),
        },
        Check::Present(false) | Check::Absent => match actual {
            None => Ok(()),
            Some(_) => fail("no such attribute (absent)".to_owned()),
        },
        Check::Empty(want_empty) => {
            let is_empty = match actual {
                None | Some(Value::Null) => true,
                Some(Value::String(text)) => text.is_empty(),
                Some(Value::Array(items)) => items.is_empty(),
                Some(Value::Object(map)) => map.is_empty(),
                Some(_) => false,
            };
            match (is_empty, want_empty) {
                (true, true) | (false, false) => Ok(()),
                (false, true) => fail("nothing (absent, null, \"\", [] or {})".to_owned()),
                (true, false) => fail("a non-empty value".to_owned()),
            }
        }
        Check::Type(kind) => match actual {
            Some(value) if kind.matches(value) => Ok(()),
            _ => fail(format!("a value of type {kind:?}").to_lowercase()),
        },
        Check::Len(want) | Check::MinLen(want) | Check::MaxLen(want) => {
            let length = match actual {
                Some(Value::Array(items)) => Some(items.len()),
                Some(Value::Object(map)) => Some(map.len()),
                Some(Value::String(text)) => Some(text.chars().count()),
                _ => None,
            };
            let (holds, wording) = match (check, length) {
                (_, None) => (false, "length"),
                (Check::Len(_), Some(length)) => (length == *want, "length"),
                (Check::MinLen(_), Some(length)) => (length >= *want, "length at least"),
                (_, Some(length)) => (length <= *want, "length at most"),
            };
            if holds {
                Ok(())
            } else {
                let got = length.map_or(String::new(), |n| format!(" (length {n})"));
                Err(Mismatch {
                    expected: format!("{wording} {want}"),
                    actual: format!("{actual_text}{got}"),
                    diff: None,
                })
            }
        }
        Check::Min(bound) | Check::Max(bound) => {
            let number = actual.and_then(Value::as_f64);
            let holds = match (check, number) {
                (Check::Min(_), Some(number)) => number >= *bound,
                (_, Some(number)) => number <= *bound,
                _ => false,
            };
            let wording = if matches!(check, Check::Min(_)) { ">=" } else { "<=" };
            if holds {
                Ok(())
            } else {
                fail(format!("a number {wording} {bound}"))
            }
        }
        Check::Regex(pattern) => {
            let mut escaped = Vars::new();
            for (name, value) in vars.iter() {
                escaped.set(name, regex::escape(value));
            }
            let pattern = escaped.substitute(pattern).map_err(|error| Mismatch {
                expected: format!("a pattern whose variables resolve ({error})"),
                actual: actual_text.clone(),
                diff: None,
            })?;
            let regex = Regex::new(&pattern).map_err(|error| Mismatch {
                expected: format!("a valid pattern ({error})"),
                actual: actual_text.clone(),
                diff: None,
            })?;
            match actual.and_then(Value::as_str) {
                Some(text) if regex.is_match(text) => Ok(()),
                _ => fail(format!("a string matching /{pattern}/")),
            }
        }
        Check::Contains(template) => {
            let needle = resolve(template)?;
            if contains(actual, &needle) {
                Ok(())
            } else {
                fail(format!("a string or array containing {}", diff::short(&needle)))
            }
        }
        Check::NotContains(template) => {
            let needle = resolve(template)?;
            if contains(actual, &needle) {
                fail(format!("no element or substring matching {}", diff::short(&needle)))
            } else {
                Ok(())
            }
        }
        Check::OneOf(templates) => {
            let options = templates.iter().map(&resolve).collect::<Result<Vec<_>, _>>()?;
            if actual.is_some_and(|value| options.contains(value)) {
                Ok(())
            } else {
                fail(format!("one of {}", diff::short(&Value::Array(options))))
            }
        }
    }
}

fn contains(actual: Option<&Value>, needle: &Value) -> bool {
    match (actual, needle) {
        (Some(Value::String(text)), Value::String(part)) => text.contains(part.as_str()),
        (Some(Value::Array(items)), _) => items.iter().any(|item| includes(item, needle)),
        _ => false,
    }
}

/// Reports whether `item` equals `needle`, or for objects has all of its members.
fn includes(item: &Value, needle: &Value) -> bool {
    match (item, needle) {
        (Value::Object(have), Value::Object(want)) => want
            .iter()
            .all(|(key, value)| have.get(key).is_some_and(|got| includes(got, value))),
        _ => item == needle,
    }
}

/// Converts a TOML value to JSON; datetimes become their RFC 3339 text.
pub fn toml_to_json(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(text) => Value::String(text.clone()),
        toml::Value::Integer(number) => Value::from(*number),
        toml::Value::Float(number) => Value::from(*number),
        toml::Value::Boolean(flag) => Value::Bool(*flag),
        toml::Value::Datetime(datetime) => Value::String(datetime.to_string()),
        toml::Value::Array(items) => Value::Array(items.iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => Value::Object(
            table
                .iter()
                .map(|(key, item)| (key.clone(), toml_to_json(item)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn matcher(source: &str) -> Matcher {
        let table: toml::Table = toml::from_str(&format!("m = {source}")).expect("valid TOML");
        Matcher::from_toml(&table["m"]).expect("valid matcher")
    }

    fn vars() -> Vars {
        let mut vars = Vars::new();
        vars.set("run", "sc.1");
        vars
    }

    fn matches(source: &str, actual: Option<Value>) -> bool {
        matcher(source).check(actual.as_ref(), &vars()).is_ok()
    }

    #[test]
    fn plain_value_means_equality() {
        assert!(matches("true", Some(json!(true))));
        assert!(!matches("true", Some(json!("true"))));
        assert!(matches(r#""${run}-a""#, Some(json!("sc.1-a"))));
    }

    #[test]
    fn integer_and_float_forms_compare_equal() {
        assert!(matches("100", Some(json!(100.0))));
        assert!(matches("1.5", Some(json!(1.5))));
        assert!(!matches("100", Some(json!(101))));
    }

    #[test]
    fn presence_and_absence() {
        assert!(matches("{ absent = true }", None));
        assert!(!matches("{ absent = true }", Some(json!(null))));
        assert!(!matches("{ present = true }", Some(json!(null))));
        assert!(matches("{ present = false }", None));
        assert!(matches("{ empty = true }", Some(json!([]))));
        assert!(matches("{ empty = true }", None));
        assert!(!matches("{ empty = false }", Some(json!(""))));
    }

    #[test]
    fn lengths_and_bounds() {
        assert!(matches("{ len = 2 }", Some(json!([1, 2]))));
        assert!(!matches("{ len = 2 }", None));
        assert!(matches("{ min_len = 1, max_len = 3 }", Some(json!("ab"))));
        assert!(matches("{ min = 101 }", Some(json!(150))));
        assert!(!matches("{ max = 100 }", Some(json!(101))));
    }

    #[test]
    fn regex_escapes_variable_values() {
        assert!(matches(r#"{ regex = "^${run}-\\d$" }"#, Some(json!("sc.1-7"))));
        assert!(!matches(r#"{ regex = "^${run}-\\d$" }"#, Some(json!("scX1-7"))));
    }

    #[test]
    fn contains_matches_object_subsets() {
        let members = Some(json!([{"value": "a", "display": "x"}, {"value": "b"}]));
        assert!(matches(r#"{ contains = { value = "a" } }"#, members.clone()));
        assert!(matches(r#"{ not_contains = { value = "c" } }"#, members.clone()));
        assert!(!matches(r#"{ not_contains = { value = "b" } }"#, members));
        assert!(matches(r#"{ not_contains = "x" }"#, None));
        assert!(matches(r#"{ contains = "invalid filter" }"#, Some(json!("Resource [USER] invalid filter"))));
    }

    #[test]
    fn one_of_and_ignore_case() {
        assert!(matches(r#"{ one_of = ["a", "b"] }"#, Some(json!("b"))));
        assert!(matches(r#"{ equals_ignore_case = "${run}-A" }"#, Some(json!("SC.1-a"))));
    }

    #[test]
    fn equals_on_object_gives_diff() {
        let mismatch = matcher(r#"{ equals = { type = "work" } }"#)
            .check(Some(&json!({"type": "home"})), &vars())
            .expect_err("values differ");
        assert_eq!(
            mismatch.diff.as_deref(),
            Some(r#"~ $.type: expected "work" (string), got "home" (string)"#)
        );
    }

    #[test]
    fn type_mixup_is_named() {
        let mismatch = matcher(r#""404""#)
            .check(Some(&json!(404)), &vars())
            .expect_err("string and number differ");
        assert!(
            mismatch.expected.contains("(string), got a value of type integer"),
            "{}",
            mismatch.expected
        );
    }

    #[test]
    fn unknown_key_is_rejected_with_choices() {
        let table: toml::Table = toml::from_str("m = { regx = \"a\" }").expect("valid TOML");
        let error = Matcher::from_toml(&table["m"]).expect_err("unknown key");
        assert!(error.contains("unknown check `regx`"), "{error}");
        assert!(error.contains("regex"), "{error}");
    }

    #[test]
    fn bad_regex_is_rejected_at_load() {
        let table: toml::Table = toml::from_str("m = { regex = \"(\" }").expect("valid TOML");
        assert!(Matcher::from_toml(&table["m"]).is_err());
    }
}
