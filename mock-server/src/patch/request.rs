//! The PATCH request body: its operations and the checks that need no
//! resource.

use std::fmt;

use serde_json::Value;

use super::json::{self, describe};
use crate::error::{ScimError, ScimType};
use crate::filter::{self, PatchPath};
use crate::schema::PATCH_OP_URN;

/// The `op` of a PATCH operation (RFC 7644 §3.5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchOpKind {
    Add,
    Remove,
    Replace,
}

impl PatchOpKind {
    /// Returns the operation name in lower case.
    pub fn as_str(self) -> &'static str {
        match self {
            PatchOpKind::Add => "add",
            PatchOpKind::Remove => "remove",
            PatchOpKind::Replace => "replace",
        }
    }

    /// Looks up an operation name, ignoring case as identity providers send
    /// `Add` and `REPLACE`.
    pub fn from_name(name: &str) -> Option<PatchOpKind> {
        [PatchOpKind::Add, PatchOpKind::Remove, PatchOpKind::Replace]
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for PatchOpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One checked operation of a PATCH request.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    pub op: PatchOpKind,
    /// The target; `None` means the resource itself, and then `value` is an
    /// object of attributes.
    pub path: Option<PatchPath>,
    /// The `value` member as sent. `parse_request` guarantees it for `add`
    /// and `replace`, where `null` means "clear the attribute".
    pub value: Option<Value>,
}

/// Parses and checks a PATCH body (RFC 7644 §3.5.2).
///
/// Accepts the array under `Operations` in any case, because SCIM attribute
/// names are case-insensitive and some clients send `operations`. A missing
/// `schemas` is accepted because some identity providers omit it. A `path`
/// of `null` counts as no path.
///
/// # Errors
///
/// Returns 400 with a detail that names the operation index:
/// `invalidSyntax` for a body that is not an object, a `schemas` without the
/// PatchOp URN, missing or empty operations, an operation that is not an
/// object and a missing or unknown `op`; `invalidPath` for a `path` that is
/// not a string or does not parse; `invalidValue` for an `add` or `replace`
/// without `value`; and `noTarget` for a `remove` without `path`.
pub fn parse_request(body: &Value) -> Result<Vec<PatchOperation>, ScimError> {
    let Value::Object(fields) = body else {
        return Err(ScimError::invalid_syntax(format!(
            "The PATCH body must be a JSON object with \"schemas\" and \"Operations\", found {}.",
            describe(body)
        )));
    };

    check_schemas(fields)?;

    let operation_keys: Vec<&String> = fields
        .keys()
        .filter(|key| key.eq_ignore_ascii_case("Operations"))
        .collect();
    let key = match operation_keys.as_slice() {
        [key] => key.as_str(),
        [] => {
            return Err(ScimError::invalid_syntax(
                r#"The PATCH body has no "Operations" array. Send {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "active", "value": false}]}."#,
            ))
        }
        _ => {
            return Err(ScimError::invalid_syntax(
                r#"The PATCH body has more than one "Operations" key differing only in case. Send the operations under one "Operations" key."#,
            ))
        }
    };

    let Some(Value::Array(items)) = fields.get(key) else {
        let found = fields.get(key).map_or_else(|| "nothing".to_string(), describe);
        return Err(ScimError::invalid_syntax(format!(
            "\"{key}\" must be an array of operations, found {found}."
        )));
    };
    if items.is_empty() {
        return Err(ScimError::invalid_syntax(format!(
            "\"{key}\" is empty. Send at least one operation."
        )));
    }

    items
        .iter()
        .enumerate()
        .map(|(index, item)| parse_operation(&format!("{key}[{index}]"), item))
        .collect()
}

/// Accepts a body without `schemas`, and otherwise requires the PatchOp URN.
fn check_schemas(fields: &serde_json::Map<String, Value>) -> Result<(), ScimError> {
    let Some(schemas) = json::get(fields, "schemas") else {
        return Ok(());
    };

    let lists_patch_op = schemas.as_array().is_some_and(|items| {
        items
            .iter()
            .any(|item| item.as_str().is_some_and(|urn| urn.eq_ignore_ascii_case(PATCH_OP_URN)))
    });
    if lists_patch_op {
        return Ok(());
    }

    Err(ScimError::invalid_syntax(format!(
        "\"schemas\" must be an array containing \"{PATCH_OP_URN}\", found {}.",
        excerpt(schemas)
    )))
}

/// Parses the operation at `location`, such as `Operations[2]`.
fn parse_operation(location: &str, item: &Value) -> Result<PatchOperation, ScimError> {
    let Value::Object(fields) = item else {
        return Err(ScimError::invalid_syntax(format!(
            r#"{location} must be an object such as {{"op": "add", "path": "members", "value": [{{"value": "<user id>"}}]}}, found {}."#,
            describe(item)
        )));
    };

    let op = match json::get(fields, "op") {
        Some(Value::String(name)) => PatchOpKind::from_name(name).ok_or_else(|| {
            ScimError::invalid_syntax(format!(
                "{location}.op \"{name}\" is not a PATCH operation. Use \"add\", \"remove\" or \"replace\"."
            ))
        })?,
        Some(other) => {
            return Err(ScimError::invalid_syntax(format!(
                "{location}.op must be the string \"add\", \"remove\" or \"replace\", found {}.",
                describe(other)
            )))
        }
        None => {
            return Err(ScimError::invalid_syntax(format!(
                "{location} has no \"op\". Set it to \"add\", \"remove\" or \"replace\"."
            )))
        }
    };

    let path = match json::get(fields, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(filter::parse_patch_path(text).map_err(|error| {
            ScimError::invalid_path(format!(
                "{location}.path {text:?} is not a valid path: {error}. Write an attribute path such as \
                 \"name.givenName\" or \"emails[type eq \\\"work\\\"].value\"."
            ))
        })?),
        Some(other) => {
            return Err(ScimError::invalid_path(format!(
                "{location}.path must be a string such as \"displayName\" or \"members[value eq \\\"<id>\\\"]\", found {}.",
                describe(other)
            )))
        }
    };

    let value = json::get(fields, "value").cloned();

    if op != PatchOpKind::Remove && value.is_none() {
        return Err(ScimError::invalid_value(format!(
            "{location} ({op}) has no \"value\". Send the value to {op}."
        )));
    }
    if op == PatchOpKind::Remove && path.is_none() {
        return Err(ScimError::bad_request(
            ScimType::NoTarget,
            format!(
                "{location} (remove) has no \"path\". Name what to remove, such as \"title\" or \
                 \"members[value eq \\\"<user id>\\\"]\"."
            ),
        ));
    }

    Ok(PatchOperation { op, path, value })
}

/// The JSON text of `value`, shortened for an error message.
fn excerpt(value: &Value) -> String {
    const MAX_CHARS: usize = 120;

    let text = value.to_string();
    if text.chars().count() <= MAX_CHARS {
        return text;
    }
    let start: String = text.chars().take(MAX_CHARS).collect();
    format!("{start}...")
}
