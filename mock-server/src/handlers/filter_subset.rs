//! The filters Atlassian supports: a single `eq` on `userName` or
//! `externalId` for users, and on `displayName` for groups.
//!
//! The full RFC 7644 grammar is parsed first, so the detail of a 400
//! distinguishes a malformed filter from a valid one this API does not support.

use crate::error::{ScimError, ScimType};
use crate::filter::{self, CompValue, CompareOp, Filter};

/// The resource a list request addresses, as Atlassian names it in errors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FilterTarget {
    /// `USER` or `GROUP`.
    pub label: &'static str,
    /// The core schema URN, which may qualify attribute names.
    pub core_urn: &'static str,
    /// The attributes a filter may name, canonically spelled.
    pub attributes: &'static [&'static str],
}

/// Returns the attribute and the value of a supported filter, or the 400
/// `invalidFilter` that explains what is wrong with it.
pub(crate) fn supported_eq(text: &str, target: FilterTarget) -> Result<(&'static str, String), ScimError> {
    match simple_eq(text, target) {
        Some(found) => Ok(found),
        None => parsed_eq(text, target),
    }
}

/// Reads the form identity providers send, `attribute eq "value"` with
/// single spaces and a value without escapes or control characters. It
/// skips the full parser, which costs as much as the rest of a lookup.
/// Returns `None` for anything else, which [`parsed_eq`] then handles.
fn simple_eq(text: &str, target: FilterTarget) -> Option<(&'static str, String)> {
    let (name, rest) = text.split_once(' ')?;
    let value = rest.strip_prefix("eq \"")?.strip_suffix('"')?;
    let plain = value
        .chars()
        .all(|character| character != '"' && character != '\\' && !character.is_control());
    if !plain {
        return None;
    }
    let attribute = target.attributes.iter().find(|attribute| attribute.eq_ignore_ascii_case(name))?;
    Some((attribute, value.to_owned()))
}

/// Parses the filter with the full RFC 7644 grammar and checks that it is
/// a single supported `eq`.
fn parsed_eq(text: &str, target: FilterTarget) -> Result<(&'static str, String), ScimError> {
    // Built only for an error message, because most filters are valid.
    let supported = || {
        target
            .attributes
            .iter()
            .map(|name| format!("{name} eq \"...\""))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let label = target.label;

    let parsed = filter::parse(text).map_err(|error| {
        ScimError::bad_request(
            ScimType::InvalidFilter,
            format!(
                "Resource [{label}] invalid filter: the filter {text:?} is malformed: {error}. Supported filters are {}.",
                supported()
            ),
        )
    })?;

    let unsupported = || {
        ScimError::bad_request(
            ScimType::InvalidFilter,
            format!(
                "Resource [{label}] invalid filter: the filter {text:?} is valid SCIM but not supported by this API. Use a single {}.",
                supported()
            ),
        )
    };

    let Filter::Compare { path, op: CompareOp::Eq, value: CompValue::String(value) } = parsed else {
        return Err(unsupported());
    };
    let urn_allowed = path.urn.as_deref().is_none_or(|urn| urn.eq_ignore_ascii_case(target.core_urn));
    if !urn_allowed || path.sub_attr.is_some() {
        return Err(unsupported());
    }
    let attribute = target
        .attributes
        .iter()
        .find(|name| name.eq_ignore_ascii_case(&path.name))
        .ok_or_else(unsupported)?;
    Ok((attribute, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    const USERS: FilterTarget = FilterTarget {
        label: "USER",
        core_urn: crate::schema::USER_URN,
        attributes: &["userName", "externalId"],
    };

    #[test]
    fn simple_form_agrees_with_parser() {
        let cases = [
            r#"userName eq "ada@example.com""#,
            r#"USERNAME eq "Ada@Example.com""#,
            r#"externalId eq "ext-00042""#,
            r#"userName eq """#,
            r#"userName eq "name with spaces and ünïcödé""#,
        ];
        for text in cases {
            let simple = simple_eq(text, USERS).unwrap_or_else(|| panic!("{text} should take the simple form"));
            assert_eq!(Ok(simple), parsed_eq(text, USERS).map_err(|error| error.detail), "{text}");
        }
    }

    #[test]
    fn other_forms_go_to_parser() {
        let cases = [
            r#"userName  eq "a""#,
            r#"userName EQ "a""#,
            r#"userName eq "a\"b""#,
            r#"userName eq "a\u0041""#,
            r#"userName eq "a" and externalId eq "b""#,
            r#"emails.value eq "a@example.com""#,
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a""#,
            r#"displayName eq "a""#,
            "userName eq \"tab\there\"",
            r#"userName eq a"#,
        ];
        for text in cases {
            assert_eq!(simple_eq(text, USERS), None, "{text}");
        }
    }
}
