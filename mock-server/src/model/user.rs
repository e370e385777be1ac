//! A SCIM user as stored in a directory, and the checks every user passes.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::UserAttributes;
use crate::clock::Timestamp;
use crate::error::ScimError;

/// A user resource of one directory.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: Uuid,
    /// Creation sequence number, which gives list responses a stable order.
    pub seq: u64,
    /// Canonical writable attributes, including `userName`, `emails` and
    /// `active`.
    pub attributes: UserAttributes,
    /// The linked Atlassian account; `None` after an admin unlinks it.
    pub account_id: Option<String>,
    /// Groups this user belongs to, in the order they were joined, kept in
    /// step with each group's members so that rendering `groups` needs no
    /// scan. A vector, not a set: users are in a handful of groups, and a
    /// set costs about 150 more bytes per user.
    pub groups: Vec<Uuid>,
    pub created: Timestamp,
    pub last_modified: Timestamp,
}

impl UserRecord {
    pub fn user_name(&self) -> &str {
        self.attributes.user_name()
    }

    /// Returns the value of the email marked primary.
    pub fn primary_email(&self) -> &str {
        self.attributes.primary_email()
    }

    /// Returns the `externalId`, if the client set one.
    pub fn external_id(&self) -> Option<&str> {
        self.attributes.external_id()
    }

    /// Returns whether the user is active; users are active unless set otherwise.
    pub fn active(&self) -> bool {
        self.attributes.active()
    }
}

/// Returns the `value` of the email marked `primary: true`.
pub(crate) fn primary_email(attributes: &Map<String, Value>) -> Option<&str> {
    attributes
        .get("emails")?
        .as_array()?
        .iter()
        .find(|email| email.get("primary").and_then(Value::as_bool) == Some(true))?
        .get("value")?
        .as_str()
}

/// Checks the rules every stored user meets, and sets `active` when absent.
///
/// `userName` must be a non-blank string without control characters, and
/// exactly one email must be primary, with an address of the form
/// `local@domain`.
pub fn validate_user(attributes: &mut Map<String, Value>) -> Result<(), ScimError> {
    let user_name = attributes.get("userName").and_then(Value::as_str).unwrap_or_default();
    if user_name.trim().is_empty() {
        return Err(ScimError::invalid_value(
            "Attribute 'userName' is required and must not be empty: send a non-blank userName, usually the user's email address.",
        ));
    }
    check_printable("userName", user_name)?;

    let emails = attributes.get("emails").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    if emails.is_empty() {
        return Err(ScimError::invalid_value(
            "Attribute 'emails' is required: send one email with \"primary\": true.",
        ));
    }

    let mut primaries = 0;
    for (index, email) in emails.iter().enumerate() {
        let value = email.get("value").and_then(Value::as_str).unwrap_or_default();
        if value.trim().is_empty() {
            return Err(ScimError::invalid_value(format!(
                "Attribute 'emails[{index}].value' is required and must not be empty."
            )));
        }
        check_printable(&format!("emails[{index}].value"), value)?;
        if email_domain(value).is_none() {
            return Err(ScimError::invalid_value(format!(
                "Attribute 'emails[{index}].value' is not an email address: \"{value}\". Send an address of the form name@domain."
            )));
        }
        if email.get("primary").and_then(Value::as_bool) == Some(true) {
            primaries += 1;
        }
    }
    if primaries != 1 {
        return Err(ScimError::invalid_value(format!(
            "Exactly one email must have \"primary\": true, but {primaries} do: mark the user's main address as primary."
        )));
    }

    if !attributes.contains_key("active") {
        attributes.insert("active".to_owned(), Value::Bool(true));
    }
    Ok(())
}

/// Returns the domain of `local@domain`, or `None` if the address is malformed.
pub(crate) fn email_domain(address: &str) -> Option<&str> {
    let (local, domain) = address.rsplit_once('@')?;
    let well_formed = !local.is_empty()
        && !domain.is_empty()
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !address.chars().any(char::is_whitespace);
    well_formed.then_some(domain)
}

fn check_printable(path: &str, value: &str) -> Result<(), ScimError> {
    match value.chars().find(|character| character.is_control()) {
        Some(character) => Err(ScimError::invalid_value(format!(
            "Attribute '{path}' contains the control character U+{:04X}: remove it from {value:?}.",
            u32::from(character)
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn attributes(body: Value) -> Map<String, Value> {
        match body {
            Value::Object(fields) => fields,
            _ => unreachable!("test bodies are objects"),
        }
    }

    #[test]
    fn valid_user_gets_active() {
        let mut fields = attributes(json!({"userName": "a", "emails": [{"value": "a@example.com", "primary": true}]}));
        validate_user(&mut fields).unwrap();
        assert_eq!(fields["active"], true);
    }

    #[test]
    fn blank_user_name_rejected() {
        let mut fields = attributes(json!({"userName": "  ", "emails": [{"value": "a@example.com", "primary": true}]}));
        assert!(validate_user(&mut fields).unwrap_err().detail.contains("userName"));
    }

    #[test]
    fn control_character_rejected() {
        let mut fields = attributes(json!({"userName": "a\u{7}b", "emails": [{"value": "a@example.com", "primary": true}]}));
        assert!(validate_user(&mut fields).unwrap_err().detail.contains("U+0007"));
    }

    #[test]
    fn two_primaries_rejected() {
        let mut fields = attributes(json!({"userName": "a", "emails": [
            {"value": "a@example.com", "primary": true},
            {"value": "b@example.com", "primary": true}
        ]}));
        assert!(validate_user(&mut fields).unwrap_err().detail.contains("2 do"));
    }

    #[test]
    fn no_primary_rejected() {
        let mut fields = attributes(json!({"userName": "a", "emails": [{"value": "a@example.com"}]}));
        assert!(validate_user(&mut fields).is_err());
    }

    #[test]
    fn malformed_address_rejected() {
        let mut fields = attributes(json!({"userName": "a", "emails": [{"value": "not-an-address", "primary": true}]}));
        assert!(validate_user(&mut fields).unwrap_err().detail.contains("not-an-address"));
    }

    #[test]
    fn email_domain_cases() {
        assert_eq!(email_domain("a@example.com"), Some("example.com"));
        assert_eq!(email_domain("a@b@example.com"), Some("example.com"));
        assert_eq!(email_domain("@example.com"), None);
        assert_eq!(email_domain("a@"), None);
        assert_eq!(email_domain("a b@example.com"), None);
    }
}
