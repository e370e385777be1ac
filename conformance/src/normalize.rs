//! The snapshot normaliser: turns a response into text that is the same on
//! every run against a server that behaves the same.
//!
//! Redactions, applied to every string in the body and to the `Location`
//! header:
//! - captured variables (for example a user id captured as `user_id`) become
//!   `[user_id]`; the run prefix becomes `[run]`, the `--domain` value
//!   `[domain]` and the base URL `[base-url]`;
//! - any other UUID becomes `[uuid]`, and an RFC 3339 timestamp `[timestamp]`;
//! - the values of `meta.location`, `atlassianAccountId` and `traceId`
//!   become `[location]`, `[account-id]` and `[trace-id]`;
//! - paths listed in a step's `redact` become `[redacted]`.
//!
//! Object members are sorted by name and every array is sorted by the text of
//! its normalised elements, so multi-valued attributes compare in a canonical
//! order whatever order the server returns them in.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use crate::client::ScimResponse;
use crate::jsonpath::JsonPath;

/// Values replaced by placeholders; built per scenario run.
#[derive(Debug, Clone, Default)]
pub struct Redactions {
    /// Literal value and its placeholder name, longest value first.
    literals: Vec<(String, String)>,
}

/// Captured values shorter than this are replaced only where they are a whole
/// string, so a count such as `3` does not rewrite unrelated text.
const MIN_SUBSTRING_LEN: usize = 6;

impl Redactions {
    /// Creates an empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces `value` by `[name]` wherever it appears (ASCII case-insensitively).
    pub fn add(&mut self, name: &str, value: &str) {
        if value.is_empty() {
            return;
        }
        self.literals.retain(|(existing, _)| existing != value);
        self.literals.push((value.to_owned(), format!("[{name}]")));
        self.literals.sort_by_key(|(literal, _)| std::cmp::Reverse(literal.len()));
    }

    /// Applies the literal redactions and the UUID and timestamp patterns to a string.
    pub fn apply(&self, text: &str) -> String {
        if timestamp_pattern().is_match(text) {
            return "[timestamp]".to_owned();
        }
        let mut output = text.to_owned();
        for (literal, placeholder) in &self.literals {
            if literal.len() >= MIN_SUBSTRING_LEN {
                output = replace_ignore_ascii_case(&output, literal, placeholder);
            } else if output.eq_ignore_ascii_case(literal) {
                output = placeholder.clone();
            }
        }
        uuid_pattern().replace_all(&output, "[uuid]").into_owned()
    }
}

fn uuid_pattern() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        Regex::new(r"(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").expect("the UUID pattern is valid")
    })
}

fn timestamp_pattern() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        Regex::new(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?$")
            .expect("the timestamp pattern is valid")
    })
}

fn replace_ignore_ascii_case(text: &str, literal: &str, placeholder: &str) -> String {
    let lower_text = text.to_ascii_lowercase();
    let lower_literal = literal.to_ascii_lowercase();
    let mut output = String::with_capacity(text.len());
    let mut position = 0;
    while let Some(found) = lower_text[position..].find(&lower_literal) {
        let start = position + found;
        output.push_str(&text[position..start]);
        output.push_str(placeholder);
        position = start + literal.len();
    }
    output.push_str(&text[position..]);
    output
}

/// Normalises a JSON body: redaction, then canonical member and element order.
pub fn normalize_json(value: &Value, redactions: &Redactions, redact_paths: &[JsonPath]) -> Value {
    let mut copy = value.clone();
    for path in redact_paths {
        if let Some(target) = path.select_mut(&mut copy) {
            *target = Value::String("[redacted]".to_owned());
        }
    }
    canonical(&copy, None, redactions)
}

fn canonical(value: &Value, key: Option<&str>, redactions: &Redactions) -> Value {
    match value {
        Value::String(text) => Value::String(match key {
            Some("atlassianAccountId") => "[account-id]".to_owned(),
            Some("traceId") => "[trace-id]".to_owned(),
            Some("location") if text.contains("://") => "[location]".to_owned(),
            _ => redactions.apply(text),
        }),
        Value::Array(items) => {
            let mut normalised: Vec<Value> = items.iter().map(|item| canonical(item, None, redactions)).collect();
            normalised.sort_by_cached_key(Value::to_string);
            Value::Array(normalised)
        }
        Value::Object(map) => {
            let mut names: Vec<&String> = map.keys().collect();
            names.sort();
            let mut output = serde_json::Map::with_capacity(map.len());
            for name in names {
                output.insert(name.clone(), canonical(&map[name], Some(name), redactions));
            }
            Value::Object(output)
        }
        other => other.clone(),
    }
}

/// Headers kept in snapshots; the others (dates, lengths, server names) vary.
const SNAPSHOT_HEADERS: &[&str] = &["content-type", "location"];

/// Renders one response as snapshot text.
pub fn render_response(response: &ScimResponse, redactions: &Redactions, redact_paths: &[JsonPath]) -> String {
    let mut text = format!("status: {}\n", response.status);
    for name in SNAPSHOT_HEADERS {
        if let Some(value) = response.header(name) {
            text.push_str(&format!("{name}: {}\n", redactions.apply(value)));
        }
    }
    match &response.json {
        Some(json) => {
            let normalised = normalize_json(json, redactions, redact_paths);
            let pretty = serde_json::to_string_pretty(&normalised).unwrap_or_else(|_| normalised.to_string());
            text.push_str(&pretty);
            text.push('\n');
        }
        None if response.body.iter().all(u8::is_ascii_whitespace) => text.push_str("(empty body)\n"),
        None => {
            let body = response.text();
            let cut: String = body.chars().take(2000).collect();
            text.push_str(&redactions.apply(&cut));
            text.push('\n');
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn redactions() -> Redactions {
        let mut redactions = Redactions::new();
        redactions.add("run", "scimconf-ab12cd-007");
        redactions.add("domain", "example.com");
        redactions.add("base-url", "http://127.0.0.1:4000/scim/directory/1");
        redactions.add("user_id", "2f1e6c4a-0000-4000-8000-000000000001");
        redactions.add("total", "3");
        redactions
    }

    #[test]
    fn captured_values_named_before_generic_uuid() {
        let value = json!({
            "id": "2f1e6c4a-0000-4000-8000-000000000001",
            "other": "9a9a9a9a-1111-4111-8111-111111111111",
        });
        assert_eq!(
            normalize_json(&value, &redactions(), &[]),
            json!({"id": "[user_id]", "other": "[uuid]"})
        );
    }

    #[test]
    fn run_prefix_domain_and_base_url_redacted() {
        let value = json!({
            "userName": "SCIMCONF-AB12CD-007-Alice",
            "emails": [{"value": "scimconf-ab12cd-007@example.com"}],
            "$ref": "http://127.0.0.1:4000/scim/directory/1/Users/2f1e6c4a-0000-4000-8000-000000000001"
        });
        assert_eq!(
            normalize_json(&value, &redactions(), &[]),
            json!({
                "$ref": "[base-url]/Users/[user_id]",
                "emails": [{"value": "[run]@[domain]"}],
                "userName": "[run]-Alice",
            })
        );
    }

    #[test]
    fn short_captures_replace_whole_strings_only() {
        let value = json!({"a": "3", "b": "a 3 b", "c": 3});
        assert_eq!(
            normalize_json(&value, &redactions(), &[]),
            json!({"a": "[total]", "b": "a 3 b", "c": 3})
        );
    }

    #[test]
    fn volatile_fields_redacted_by_name() {
        let value = json!({
            "meta": {"created": "2024-05-01T10:00:00.123456Z", "location": "https://x/Users/1", "resourceType": "User"},
            "urn:scim:schemas:extension:atlassian-external:1.0": {"atlassianAccountId": "0123456789abcdef01234567"},
            "traceId": "00ff00ff00ff00ff",
        });
        assert_eq!(
            normalize_json(&value, &redactions(), &[]),
            json!({
                "meta": {"created": "[timestamp]", "location": "[location]", "resourceType": "User"},
                "traceId": "[trace-id]",
                "urn:scim:schemas:extension:atlassian-external:1.0": {"atlassianAccountId": "[account-id]"},
            })
        );
    }

    #[test]
    fn arrays_get_canonical_order() {
        let first = json!({"members": [{"value": "b"}, {"value": "a"}], "schemas": ["y", "x"]});
        let second = json!({"schemas": ["x", "y"], "members": [{"value": "a"}, {"value": "b"}]});
        let left = normalize_json(&first, &redactions(), &[]);
        let right = normalize_json(&second, &redactions(), &[]);
        assert_eq!(left.to_string(), right.to_string());
    }

    #[test]
    fn redact_paths_replace_values() {
        let path = JsonPath::parse("$.totalResults").expect("valid path");
        let value = json!({"totalResults": 17, "itemsPerPage": 0});
        assert_eq!(
            normalize_json(&value, &redactions(), &[path]),
            json!({"itemsPerPage": 0, "totalResults": "[redacted]"})
        );
    }

    #[test]
    fn response_rendering_keeps_stable_headers_only() {
        let response = ScimResponse {
            status: 201,
            headers: vec![
                ("date".into(), "Mon, 01 Jan 2024 00:00:00 GMT".into()),
                ("content-type".into(), "application/scim+json".into()),
                (
                    "location".into(),
                    "http://127.0.0.1:4000/scim/directory/1/Users/2f1e6c4a-0000-4000-8000-000000000001".into(),
                ),
            ],
            body: Vec::new(),
            json: None,
        };
        assert_eq!(
            render_response(&response, &redactions(), &[]),
            "status: 201\ncontent-type: application/scim+json\nlocation: [base-url]/Users/[user_id]\n(empty body)\n"
        );
    }
}
