//! Evaluation of a parsed filter against a resource or a multi-valued
//! attribute's element, following RFC 7644 §3.4.2.2.
//!
//! - Attribute names match JSON keys ignoring case.
//! - Strings compare ignoring case unless the attribute is `caseExact`.
//!   Attributes missing from the definitions compare ignoring case.
//! - A multi-valued attribute matches when any of its values matches.
//! - A complex value compared without a sub-attribute (`emails co "@x"`)
//!   compares through its `value` sub-attribute.
//! - `pr` is false for a missing attribute, `null`, `""`, `[]` and `{}`.
//! - `eq null` matches a missing attribute and `ne null` a present one.
//!   Other `ne` comparisons match when the attribute is missing or some value
//!   differs.
//! - `gt`, `ge`, `lt` and `le` order numbers by value and strings by code
//!   point, which orders RFC 3339 UTC timestamps of equal precision by time.
//! - A value of another JSON type than the literal never matches, except
//!   under `ne`.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::ast::{AttrPath, CompValue, CompareOp, Filter};
use crate::schema::{Attribute, GROUP_RESOURCE, USER_RESOURCE};

impl Filter {
    /// Evaluates the filter against `element`, a JSON object whose attribute
    /// definitions are `attributes`.
    ///
    /// Pass a whole resource with its core schema's attributes, or one element
    /// of a multi-valued attribute with that attribute's sub-attributes. A path
    /// qualified with the core User or Group URN reads the top level, and one
    /// qualified with an extension URN reads the object under that URN key,
    /// using the extension's definitions from the schema tables.
    pub fn matches(&self, element: &Value, attributes: &[Attribute]) -> bool {
        match self {
            Filter::Present(path) => resolve(element, attributes, path)
                .iter()
                .any(|found| is_present(found.value)),
            Filter::Compare { path, op, value } => compare(&resolve(element, attributes, path), *op, value),
            Filter::And(left, right) => left.matches(element, attributes) && right.matches(element, attributes),
            Filter::Or(left, right) => left.matches(element, attributes) || right.matches(element, attributes),
            Filter::Not(inner) => !inner.matches(element, attributes),
            Filter::ValuePath { path, filter } => resolve(element, attributes, path).iter().any(|found| {
                let sub_attributes = found.attribute.map_or(&[][..], |attribute| attribute.sub_attributes);
                found.value.is_object() && filter.matches(found.value, sub_attributes)
            }),
        }
    }
}

/// One value an attribute path reaches, with its definition when known.
#[derive(Debug, Clone, Copy)]
struct Found<'v, 'a> {
    value: &'v Value,
    attribute: Option<&'a Attribute>,
}

/// Collects every non-null value `path` reaches in `element`, with the
/// elements of arrays listed one by one.
fn resolve<'v, 'a>(element: &'v Value, attributes: &'a [Attribute], path: &AttrPath) -> Vec<Found<'v, 'a>> {
    let (container, definitions): (Option<&Map<String, Value>>, &'a [Attribute]) = match &path.urn {
        Some(urn) if !is_core_urn(urn) => {
            let extension = element
                .as_object()
                .and_then(|object| get_ignore_case(object, urn))
                .and_then(Value::as_object);
            (extension, extension_attributes(urn))
        }
        _ => (element.as_object(), attributes),
    };

    let attribute = definitions
        .iter()
        .find(|attribute| attribute.name.eq_ignore_ascii_case(&path.name));
    let Some(value) = container.and_then(|object| get_ignore_case(object, &path.name)) else {
        return Vec::new();
    };

    let mut found = Vec::new();
    match &path.sub_attr {
        None => push_values(value, attribute, &mut found),
        Some(sub_attr) => {
            let sub_attribute = attribute.and_then(|attribute| attribute.sub_attribute(sub_attr));
            for item in values_of(value) {
                let sub_value = item.as_object().and_then(|object| get_ignore_case(object, sub_attr));
                if let Some(sub_value) = sub_value {
                    push_values(sub_value, sub_attribute, &mut found);
                }
            }
        }
    }
    found
}

fn push_values<'v, 'a>(value: &'v Value, attribute: Option<&'a Attribute>, found: &mut Vec<Found<'v, 'a>>) {
    for item in values_of(value) {
        if !item.is_null() {
            found.push(Found { value: item, attribute });
        }
    }
}

/// Returns the elements of an array, or the value itself.
fn values_of(value: &Value) -> &[Value] {
    match value {
        Value::Array(items) => items,
        _ => std::slice::from_ref(value),
    }
}

fn compare(found: &[Found<'_, '_>], op: CompareOp, expected: &CompValue) -> bool {
    let scalars: Vec<Found<'_, '_>> = found.iter().filter_map(scalar_of).collect();

    match (op, expected) {
        (CompareOp::Eq, CompValue::Null) => scalars.is_empty(),
        (CompareOp::Ne, CompValue::Null) => !scalars.is_empty(),
        (_, CompValue::Null) => false,
        (CompareOp::Ne, _) => {
            scalars.is_empty()
                || scalars
                    .iter()
                    .any(|scalar| !compare_one(scalar, CompareOp::Eq, expected))
        }
        _ => scalars.iter().any(|scalar| compare_one(scalar, op, expected)),
    }
}

/// Replaces a complex value by its `value` sub-attribute, and drops it when
/// it has none.
fn scalar_of<'v, 'a>(found: &Found<'v, 'a>) -> Option<Found<'v, 'a>> {
    let Some(object) = found.value.as_object() else {
        return Some(*found);
    };

    let value = get_ignore_case(object, "value").filter(|value| !value.is_null())?;
    let attribute = found.attribute.and_then(|attribute| attribute.sub_attribute("value"));
    Some(Found { value, attribute })
}

fn compare_one(found: &Found<'_, '_>, op: CompareOp, expected: &CompValue) -> bool {
    match (found.value, expected) {
        (Value::String(actual), CompValue::String(literal)) => {
            let case_exact = found.attribute.is_some_and(|attribute| attribute.case_exact);
            if case_exact {
                compare_strings(actual, literal, op)
            } else {
                compare_strings(&actual.to_lowercase(), &literal.to_lowercase(), op)
            }
        }
        (Value::Number(actual), CompValue::Number(literal)) => {
            compare_numbers(actual, literal).is_some_and(|ordering| ordering_matches(op, ordering))
        }
        (Value::Bool(actual), CompValue::Bool(literal)) => op == CompareOp::Eq && actual == literal,
        _ => false,
    }
}

fn compare_strings(actual: &str, literal: &str, op: CompareOp) -> bool {
    match op {
        CompareOp::Co => actual.contains(literal),
        CompareOp::Sw => actual.starts_with(literal),
        CompareOp::Ew => actual.ends_with(literal),
        _ => ordering_matches(op, actual.cmp(literal)),
    }
}

/// Compares integers exactly and other numbers as 64-bit floats.
fn compare_numbers(actual: &serde_json::Number, literal: &serde_json::Number) -> Option<Ordering> {
    fn as_integer(number: &serde_json::Number) -> Option<i128> {
        number
            .as_i64()
            .map(i128::from)
            .or_else(|| number.as_u64().map(i128::from))
    }

    match (as_integer(actual), as_integer(literal)) {
        (Some(actual), Some(literal)) => Some(actual.cmp(&literal)),
        _ => actual.as_f64()?.partial_cmp(&literal.as_f64()?),
    }
}

fn ordering_matches(op: CompareOp, ordering: Ordering) -> bool {
    match op {
        CompareOp::Eq => ordering == Ordering::Equal,
        CompareOp::Ne => ordering != Ordering::Equal,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn is_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => items.iter().any(is_present),
        Value::Object(object) => object.values().any(is_present),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

fn is_core_urn(urn: &str) -> bool {
    [USER_RESOURCE.schema.id, GROUP_RESOURCE.schema.id]
        .iter()
        .any(|core| core.eq_ignore_ascii_case(urn))
}

/// Returns the attribute definitions of the extension schema `urn`, or none
/// when the schema tables do not list it.
fn extension_attributes(urn: &str) -> &'static [Attribute] {
    USER_RESOURCE
        .schemas()
        .chain(GROUP_RESOURCE.schemas())
        .find(|schema| schema.id.eq_ignore_ascii_case(urn))
        .map_or(&[], |schema| schema.attributes)
}

/// Looks up a JSON key, preferring an exact match over one that differs in case.
fn get_ignore_case<'v>(object: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::parse;
    use super::*;
    use crate::schema::{GROUP_SCHEMA, USER_SCHEMA};

    fn user() -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "externalId": "Ext-42",
            "userName": "Barbara.Jensen@example.com",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "title": "",
            "active": true,
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            "groups": [],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Tour Operations"},
            "meta": {"lastModified": "2024-05-01T10:00:00.000000Z", "version": 3}
        })
    }

    fn user_matches(filter: &str) -> bool {
        let parsed = parse(filter).unwrap_or_else(|error| panic!("{filter:?}: {error}"));
        parsed.matches(&user(), USER_SCHEMA.attributes)
    }

    #[test]
    fn eq_ignores_case_of_user_name() {
        assert!(user_matches(r#"userName eq "barbara.jensen@EXAMPLE.com""#));
    }

    #[test]
    fn eq_on_case_exact_external_id() {
        assert!(user_matches(r#"externalId eq "Ext-42""#));
        assert!(!user_matches(r#"externalId eq "ext-42""#));
    }

    #[test]
    fn attribute_names_ignore_case() {
        assert!(user_matches(r#"USERNAME sw "barbara""#));
        assert!(user_matches(r#"Name.GIVENNAME eq "barbara""#));
    }

    #[test]
    fn json_keys_ignore_case() {
        let element = json!({"UserName": "a"});
        let filter = parse(r#"userName eq "a""#).expect("valid filter");
        assert!(filter.matches(&element, USER_SCHEMA.attributes));
    }

    #[test]
    fn substring_operators() {
        assert!(user_matches(r#"userName co "JENSEN""#));
        assert!(user_matches(r#"userName sw "barbara.""#));
        assert!(user_matches(r#"userName ew ".COM""#));
        assert!(!user_matches(r#"userName ew "example""#));
    }

    #[test]
    fn multi_valued_compares_value_sub_attribute() {
        assert!(user_matches(r#"emails co "jensen.org""#));
        assert!(user_matches(r#"emails.value eq "BABS@jensen.org""#));
        assert!(!user_matches(r#"emails co "nowhere""#));
    }

    #[test]
    fn value_path_needs_one_element() {
        assert!(user_matches(r#"emails[type eq "work" and value co "@example.com"]"#));
        assert!(!user_matches(r#"emails[type eq "home" and value co "@example.com"]"#));
    }

    #[test]
    fn value_path_with_sub_attribute_comparison() {
        assert!(user_matches(r#"emails[type eq "home"].value ew "jensen.org""#));
        assert!(!user_matches(r#"emails[type eq "work"].value ew "jensen.org""#));
    }

    #[test]
    fn boolean_comparisons() {
        assert!(user_matches("active eq true"));
        assert!(!user_matches("active eq false"));
        assert!(user_matches("active ne false"));
        assert!(user_matches("emails[primary eq true]"));
    }

    #[test]
    fn boolean_does_not_equal_string() {
        assert!(!user_matches(r#"active eq "true""#));
    }

    #[test]
    fn present_rules() {
        assert!(user_matches("userName pr"));
        assert!(user_matches("name pr"));
        assert!(!user_matches("title pr"));
        assert!(!user_matches("nickName pr"));
        assert!(!user_matches("groups pr"));
        assert!(user_matches("emails.type pr"));
    }

    #[test]
    fn null_comparisons() {
        assert!(user_matches("nickName eq null"));
        assert!(!user_matches("userName eq null"));
        assert!(user_matches("userName ne null"));
        assert!(!user_matches("nickName ne null"));
    }

    #[test]
    fn ne_matches_missing_attribute() {
        assert!(user_matches(r#"nickName ne "x""#));
        assert!(!user_matches(r#"userName ne "barbara.jensen@example.com""#));
    }

    #[test]
    fn ne_on_multi_valued() {
        assert!(user_matches(r#"emails.type ne "work""#));
        assert!(!user_matches(r#"emails[type eq "work"].type ne "work""#));
    }

    #[test]
    fn ordering_on_timestamps() {
        assert!(user_matches(r#"meta.lastModified gt "2024-01-01T00:00:00Z""#));
        assert!(!user_matches(r#"meta.lastModified lt "2024-01-01T00:00:00Z""#));
        assert!(user_matches(r#"meta.lastModified ge "2024-05-01T10:00:00.000000Z""#));
        assert!(user_matches(r#"meta.lastModified le "2024-05-01T10:00:00.000000Z""#));
    }

    #[test]
    fn ordering_on_numbers() {
        assert!(user_matches("meta.version gt 2"));
        assert!(user_matches("meta.version ge 3.0"));
        assert!(!user_matches("meta.version lt 3"));
        assert!(user_matches("meta.version eq 3"));
        assert!(!user_matches(r#"meta.version eq "3""#));
    }

    #[test]
    fn huge_integers_compare_exactly() {
        let element = json!({"n": u64::MAX});
        let filter = parse("n gt 9223372036854775807").expect("valid filter");
        assert!(filter.matches(&element, &[]));
    }

    #[test]
    fn logic_operators() {
        assert!(user_matches(r#"userName sw "b" and active eq true"#));
        assert!(user_matches(r#"userName sw "x" or active eq true"#));
        assert!(!user_matches("not (active eq true)"));
        assert!(user_matches(
            r#"not (userName sw "x") and (title pr or name.givenName pr)"#
        ));
    }

    #[test]
    fn core_urn_reads_top_level() {
        assert!(user_matches(
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "barbara""#
        ));
    }

    #[test]
    fn extension_urn_reads_extension_object() {
        assert!(user_matches(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "tour operations""#
        ));
        assert!(!user_matches(r#"urn:example:unknown:1.0:department pr"#));
    }

    #[test]
    fn missing_extension_does_not_read_core() {
        let element = json!({"department": "Sales"});
        let filter =
            parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department pr").expect("valid filter");
        assert!(!filter.matches(&element, USER_SCHEMA.attributes));
    }

    #[test]
    fn element_with_sub_attribute_definitions() {
        let emails = USER_SCHEMA.attribute("emails").expect("emails");
        let filter = parse(r#"type eq "WORK""#).expect("valid filter");
        assert!(filter.matches(&json!({"type": "work"}), emails.sub_attributes));
    }

    #[test]
    fn member_value_is_case_exact() {
        let members = GROUP_SCHEMA.attribute("members").expect("members");
        let filter = parse(r#"value eq "ABC""#).expect("valid filter");
        assert!(!filter.matches(&json!({"value": "abc"}), members.sub_attributes));
        assert!(filter.matches(&json!({"value": "ABC"}), members.sub_attributes));
    }

    #[test]
    fn unknown_attribute_ignores_case() {
        let filter = parse(r#"color eq "RED""#).expect("valid filter");
        assert!(filter.matches(&json!({"color": "red"}), &[]));
    }

    #[test]
    fn non_object_element_never_matches() {
        let filter = parse("a pr").expect("valid filter");
        for element in [json!(null), json!("a"), json!([{"a": 1}]), json!(1)] {
            assert!(!filter.matches(&element, &[]), "{element}");
        }
    }

    #[test]
    fn non_ascii_and_escapes_match_exactly() {
        let element = json!({"displayName": "Zoë \"Z\" (東京) \\ 😀"});
        let filter = parse(r#"displayName eq "Zo\u00eb \"Z\" (東京) \\ \ud83d\ude00""#).expect("valid filter");
        assert!(filter.matches(&element, USER_SCHEMA.attributes));
    }

    #[test]
    fn case_insensitive_non_ascii() {
        let element = json!({"displayName": "ÉCOLE"});
        let filter = parse(r#"displayName eq "école""#).expect("valid filter");
        assert!(filter.matches(&element, USER_SCHEMA.attributes));
    }
}
