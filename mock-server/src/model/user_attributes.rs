//! A user's writable attributes in the compact form the store keeps.
//!
//! A directory holds up to 20,000 users, so the per-user cost matters. As a
//! `serde_json::Map`, a user of the shape identity providers send took
//! about 3.6 KB of heap (valgrind's massif, users from `scim-mock
//! generate-seed`) because every key and string is its own allocation. The
//! same attributes as JSON text take about 500 bytes, and a response copies
//! the text instead of serialising a tree. Requests that edit a user (PUT,
//! PATCH) parse the text back into a map, which costs a few microseconds.

use serde_json::{Map, Value};

use super::user::{primary_email, validate_user};
use crate::error::ScimError;
use crate::schema::{ATLASSIAN_CUSTOM_URN, ENTERPRISE_URN};

/// The canonical writable attributes of a user, as checked by
/// [`validate_user`], with the attributes the store indexes beside them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAttributes {
    /// A JSON object written by serde_json in [`UserAttributes::new`], the
    /// only place that sets it, so it starts with `{` and ends with `}`, and
    /// parsing it back cannot fail.
    json: Box<str>,
    /// Kept apart from `json` because uniqueness checks and filters read
    /// these on every request that touches the user.
    user_name: Box<str>,
    primary_email: Box<str>,
    external_id: Option<Box<str>>,
    active: bool,
    /// Whether the user has attributes of these extensions, which decides
    /// the `schemas` of a response.
    has_enterprise: bool,
    has_atlassian_custom: bool,
}

impl UserAttributes {
    /// Checks `fields` with [`validate_user`], which also sets `active`
    /// when it is absent, and stores them.
    pub fn new(mut fields: Map<String, Value>) -> Result<Self, ScimError> {
        validate_user(&mut fields)?;

        let user_name = fields
            .get("userName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .into();
        let primary_email = primary_email(&fields).unwrap_or_default().into();
        let external_id = fields.get("externalId").and_then(Value::as_str).map(Box::from);
        let active = fields.get("active").and_then(Value::as_bool).unwrap_or(true);
        let has_enterprise = fields.contains_key(ENTERPRISE_URN);
        let has_atlassian_custom = fields.contains_key(ATLASSIAN_CUSTOM_URN);

        // `Display` of a `Value` writes compact JSON and cannot fail, as
        // object keys are always strings.
        let json = Value::Object(fields).to_string().into_boxed_str();
        Ok(UserAttributes {
            json,
            user_name,
            primary_email,
            external_id,
            active,
            has_enterprise,
            has_atlassian_custom,
        })
    }

    /// Parses the attributes back into a map, for PATCH, projections and
    /// state files.
    pub fn to_map(&self) -> Map<String, Value> {
        serde_json::from_str(&self.json).expect("user attributes are a JSON object written by serde_json")
    }

    /// Returns the attributes as a JSON object.
    pub(crate) fn json(&self) -> &str {
        &self.json
    }

    /// Returns the entries of the JSON object without its braces, ready to
    /// be copied into a response object. Empty when there are none.
    pub(crate) fn json_entries(&self) -> &str {
        &self.json[1..self.json.len() - 1]
    }

    pub fn user_name(&self) -> &str {
        &self.user_name
    }

    /// Returns the value of the email marked primary, which
    /// [`validate_user`] requires.
    pub fn primary_email(&self) -> &str {
        &self.primary_email
    }

    pub fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }

    pub fn active(&self) -> bool {
        self.active
    }

    pub(crate) fn has_enterprise(&self) -> bool {
        self.has_enterprise
    }

    pub(crate) fn has_atlassian_custom(&self) -> bool {
        self.has_atlassian_custom
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fields(body: Value) -> Map<String, Value> {
        match body {
            Value::Object(fields) => fields,
            _ => unreachable!("test bodies are objects"),
        }
    }

    #[test]
    fn indexed_attributes_extracted() {
        let attributes = UserAttributes::new(fields(json!({
            "userName": "Ada@Example.com",
            "externalId": "ext-1",
            "emails": [
                {"value": "other@example.com"},
                {"value": "ada@example.com", "primary": true}
            ],
            ENTERPRISE_URN: {"department": "R&D"}
        })))
        .unwrap();

        assert_eq!(attributes.user_name(), "Ada@Example.com");
        assert_eq!(attributes.primary_email(), "ada@example.com");
        assert_eq!(attributes.external_id(), Some("ext-1"));
        assert!(attributes.active());
        assert!(attributes.has_enterprise());
        assert!(!attributes.has_atlassian_custom());
    }

    #[test]
    fn map_round_trip_keeps_order() {
        let body = fields(json!({
            "userName": "a",
            "name": {"givenName": "A\"quoted\"", "familyName": "Ünïcode"},
            "emails": [{"value": "a@example.com", "primary": true}],
            "active": false
        }));
        let attributes = UserAttributes::new(body.clone()).unwrap();

        assert_eq!(attributes.to_map(), body);
        let keys: Vec<String> = attributes.to_map().keys().cloned().collect();
        assert_eq!(keys, ["userName", "name", "emails", "active"]);
        assert!(!attributes.active());
    }

    #[test]
    fn json_entries_strip_braces() {
        let attributes = UserAttributes::new(fields(
            json!({"userName": "a", "emails": [{"value": "a@example.com", "primary": true}]}),
        ))
        .unwrap();

        let entries = attributes.json_entries();
        assert!(entries.starts_with("\"userName\":\"a\""), "{entries}");
        assert!(entries.ends_with("\"active\":true"), "{entries}");
    }

    #[test]
    fn invalid_user_rejected() {
        let error = UserAttributes::new(fields(json!({"userName": "a"}))).unwrap_err();
        assert!(error.detail.contains("emails"), "{}", error.detail);
    }
}
