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
/// Returns 400 with a detail that names the operation index. The
/// `scimType` is `invalidSyntax` for a body that is not an object, a
/// `schemas` without the PatchOp URN, missing or empty operations, an
/// operation that is not an object, and a missing or unknown `op`. It is
/// `invalidPath` for a `path` that is not a string or does not parse,
/// `invalidValue` for an `add` or `replace` without `value`, and `noTarget`
/// for a `remove` without `path`.
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
        Some(other) => return Err(ScimError::invalid_path(format!(
            "{location}.path must be a string such as \"displayName\" or \"members[value eq \\\"<id>\\\"]\", found {}.",
            describe(other)
        ))),
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

/// Returns the JSON text of `value`, shortened for an error message.
fn excerpt(value: &Value) -> String {
    const MAX_CHARS: usize = 120;

    let text = value.to_string();
    if text.chars().count() <= MAX_CHARS {
        return text;
    }
    let start: String = text.chars().take(MAX_CHARS).collect();
    format!("{start}...")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse_ok(body: Value) -> Vec<PatchOperation> {
        match parse_request(&body) {
            Ok(operations) => operations,
            Err(error) => panic!("{body} should parse: {}", error.detail),
        }
    }

    fn parse_err(body: Value) -> ScimError {
        match parse_request(&body) {
            Ok(operations) => panic!("{body} should fail, parsed {operations:?}"),
            Err(error) => error,
        }
    }

    fn patch_body(operations: Value) -> Value {
        json!({"schemas": [PATCH_OP_URN], "Operations": operations})
    }

    #[test]
    fn op_names_any_case() {
        for (name, kind) in [
            ("Add", PatchOpKind::Add),
            ("REPLACE", PatchOpKind::Replace),
            ("remove", PatchOpKind::Remove),
        ] {
            let operations = parse_ok(patch_body(json!([{"op": name, "path": "title", "value": "x"}])));
            assert_eq!(operations[0].op, kind, "{name}");
        }
    }

    #[test]
    fn lower_case_operations_key() {
        let operations =
            parse_ok(json!({"schemas": [PATCH_OP_URN], "operations": [{"op": "add", "path": "title", "value": "x"}]}));
        assert_eq!(operations.len(), 1);
    }

    #[test]
    fn schemas_may_be_missing() {
        let operations = parse_ok(json!({"Operations": [{"op": "replace", "value": {"active": false}}]}));
        assert_eq!(operations[0].path, None);
        assert_eq!(operations[0].value, Some(json!({"active": false})));
    }

    #[test]
    fn path_is_parsed() {
        let operations = parse_ok(patch_body(
            json!([{"op": "remove", "path": "members[value eq \"u1\"]"}]),
        ));
        let Some(path) = &operations[0].path else {
            panic!("path expected");
        };
        assert_eq!(path.attr.name, "members");
        assert!(path.filter.is_some());
    }

    #[test]
    fn null_path_counts_as_none() {
        let operations = parse_ok(patch_body(
            json!([{"op": "add", "path": null, "value": {"title": "x"}}]),
        ));
        assert_eq!(operations[0].path, None);
    }

    #[test]
    fn member_keys_ignore_case() {
        let operations = parse_ok(patch_body(json!([{"OP": "add", "Path": "title", "VALUE": "x"}])));
        assert_eq!(operations[0].value, Some(json!("x")));
    }

    #[test]
    fn replace_with_null_value() {
        let operations = parse_ok(patch_body(json!([{"op": "replace", "path": "title", "value": null}])));
        assert_eq!(operations[0].value, Some(Value::Null));
    }

    #[test]
    fn remove_with_value() {
        let operations = parse_ok(patch_body(
            json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}]}]),
        ));
        assert_eq!(operations[0].value, Some(json!([{"value": "u1"}])));
    }

    #[test]
    fn body_not_object() {
        let error = parse_err(json!([1]));
        assert_eq!(error.scim_type, Some(ScimType::InvalidSyntax));
        assert!(error.detail.contains("found an array"), "{}", error.detail);
    }

    #[test]
    fn schemas_without_patch_op() {
        let error = parse_err(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "Operations": []}));
        assert_eq!(error.scim_type, Some(ScimType::InvalidSyntax));
        assert!(error.detail.contains(PATCH_OP_URN), "{}", error.detail);
    }

    #[test]
    fn schemas_not_array() {
        let error = parse_err(json!({"schemas": PATCH_OP_URN, "Operations": [{"op": "add", "path": "a", "value": 1}]}));
        assert_eq!(error.scim_type, Some(ScimType::InvalidSyntax));
    }

    #[test]
    fn missing_operations() {
        let error = parse_err(json!({"schemas": [PATCH_OP_URN]}));
        assert_eq!(error.scim_type, Some(ScimType::InvalidSyntax));
        assert!(error.detail.contains("no \"Operations\""), "{}", error.detail);
    }

    #[test]
    fn operations_not_array() {
        let error = parse_err(json!({"Operations": {"op": "add"}}));
        assert_eq!(error.scim_type, Some(ScimType::InvalidSyntax));
        assert!(error.detail.contains("found an object"), "{}", error.detail);
    }

    #[test]
    fn empty_operations() {
        let error = parse_err(patch_body(json!([])));
        assert_eq!(error.scim_type, Some(ScimType::InvalidSyntax));
        assert!(error.detail.contains("empty"), "{}", error.detail);
    }

    #[test]
    fn two_operations_keys() {
        let error = parse_err(json!({"Operations": [], "operations": []}));
        assert!(error.detail.contains("more than one"), "{}", error.detail);
    }

    #[test]
    fn operation_not_object() {
        let error = parse_err(patch_body(json!([{"op": "add", "path": "a", "value": 1}, "add"])));
        assert_eq!(error.scim_type, Some(ScimType::InvalidSyntax));
        assert!(
            error.detail.starts_with("Operations[1] must be an object"),
            "{}",
            error.detail
        );
    }

    #[test]
    fn unknown_op() {
        let error = parse_err(patch_body(json!([{"op": "move", "path": "title", "value": "x"}])));
        assert_eq!(error.scim_type, Some(ScimType::InvalidSyntax));
        assert_eq!(
            error.detail,
            "Operations[0].op \"move\" is not a PATCH operation. Use \"add\", \"remove\" or \"replace\"."
        );
    }

    #[test]
    fn missing_op() {
        let error = parse_err(patch_body(json!([{"path": "title", "value": "x"}])));
        assert!(error.detail.contains("has no \"op\""), "{}", error.detail);
    }

    #[test]
    fn op_not_string() {
        let error = parse_err(patch_body(json!([{"op": 1, "path": "title", "value": "x"}])));
        assert_eq!(error.scim_type, Some(ScimType::InvalidSyntax));
        assert!(error.detail.contains("found the number 1"), "{}", error.detail);
    }

    #[test]
    fn path_does_not_parse() {
        let error = parse_err(patch_body(json!([{"op": "remove", "path": "emails[type eq \"work\""}])));
        assert_eq!(error.scim_type, Some(ScimType::InvalidPath));
        assert!(error.detail.contains("Operations[0].path"), "{}", error.detail);
        assert!(error.detail.contains("is not closed"), "{}", error.detail);
    }

    #[test]
    fn path_not_string() {
        let error = parse_err(patch_body(json!([{"op": "remove", "path": ["title"]}])));
        assert_eq!(error.scim_type, Some(ScimType::InvalidPath));
    }

    #[test]
    fn empty_path() {
        let error = parse_err(patch_body(json!([{"op": "remove", "path": ""}])));
        assert_eq!(error.scim_type, Some(ScimType::InvalidPath));
    }

    #[test]
    fn add_without_value() {
        let error = parse_err(patch_body(json!([{"op": "add", "path": "title"}])));
        assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
        assert!(
            error.detail.contains("Operations[0] (add) has no \"value\""),
            "{}",
            error.detail
        );
    }

    #[test]
    fn remove_without_path() {
        let error = parse_err(patch_body(json!([{"op": "remove", "value": {"title": "x"}}])));
        assert_eq!(error.scim_type, Some(ScimType::NoTarget));
    }

    #[test]
    fn error_names_later_index() {
        let error = parse_err(patch_body(json!([
            {"op": "add", "path": "title", "value": "x"},
            {"op": "add", "path": "title", "value": "x"},
            {"op": "jump"}
        ])));
        assert!(error.detail.starts_with("Operations[2]"), "{}", error.detail);
    }
}
