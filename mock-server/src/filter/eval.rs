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

/// The elements of an array, or the value itself.
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
            scalars.is_empty() || scalars.iter().any(|scalar| !compare_one(scalar, CompareOp::Eq, expected))
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
        (Value::String(actual), CompValue::String(wanted)) => {
            let case_exact = found.attribute.is_some_and(|attribute| attribute.case_exact);
            if case_exact {
                compare_strings(actual, wanted, op)
            } else {
                compare_strings(&actual.to_lowercase(), &wanted.to_lowercase(), op)
            }
        }
        (Value::Number(actual), CompValue::Number(wanted)) => {
            compare_numbers(actual, wanted).is_some_and(|ordering| ordering_matches(op, ordering))
        }
        (Value::Bool(actual), CompValue::Bool(wanted)) => op == CompareOp::Eq && actual == wanted,
        _ => false,
    }
}

fn compare_strings(actual: &str, wanted: &str, op: CompareOp) -> bool {
    match op {
        CompareOp::Co => actual.contains(wanted),
        CompareOp::Sw => actual.starts_with(wanted),
        CompareOp::Ew => actual.ends_with(wanted),
        _ => ordering_matches(op, actual.cmp(wanted)),
    }
}

/// Compares integers exactly and other numbers as 64-bit floats.
fn compare_numbers(actual: &serde_json::Number, wanted: &serde_json::Number) -> Option<Ordering> {
    fn as_integer(number: &serde_json::Number) -> Option<i128> {
        number
            .as_i64()
            .map(i128::from)
            .or_else(|| number.as_u64().map(i128::from))
    }

    match (as_integer(actual), as_integer(wanted)) {
        (Some(actual), Some(wanted)) => Some(actual.cmp(&wanted)),
        _ => actual.as_f64()?.partial_cmp(&wanted.as_f64()?),
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

/// The attribute definitions of the extension schema `urn`, or none when the
/// schema tables do not list it.
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
