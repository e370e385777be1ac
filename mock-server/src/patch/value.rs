//! Type checks of PATCH values against attribute definitions.
//!
//! Each check returns the value to store, or a sentence that names the
//! attribute, the value found and the fix. Booleans also accept the strings
//! "True" and "False" in any case, which Microsoft Entra ID sends.

use serde_json::{Map, Value};

use super::json::describe;
use super::target::sub_attribute_names;
use crate::schema::{Attribute, AttributeType, Mutability};

/// Checks a value for a single-valued, non-complex attribute named `label`.
pub(super) fn coerce_scalar(attribute: &Attribute, label: &str, value: &Value) -> Result<Value, String> {
    match (attribute.kind, value) {
        (AttributeType::String | AttributeType::Reference | AttributeType::DateTime, Value::String(_)) => {
            Ok(value.clone())
        }
        (AttributeType::String | AttributeType::Reference | AttributeType::DateTime, _) => Err(format!(
            "\"{label}\" expects a string, found {}; send the value as a JSON string",
            describe(value)
        )),
        (AttributeType::Boolean, Value::Bool(_)) => Ok(value.clone()),
        (AttributeType::Boolean, Value::String(text)) if text.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
        (AttributeType::Boolean, Value::String(text)) if text.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
        (AttributeType::Boolean, _) => Err(format!(
            "\"{label}\" is a boolean, so the value must be true or false (the strings \"True\" and \"False\" \
             are also accepted), found {}",
            describe(value)
        )),
        (AttributeType::Integer, Value::Number(number)) if number.is_i64() || number.is_u64() => Ok(value.clone()),
        (AttributeType::Integer, _) => Err(format!(
            "\"{label}\" expects an integer, found {}; send a JSON number without a fraction",
            describe(value)
        )),
        (AttributeType::Decimal, Value::Number(_)) => Ok(value.clone()),
        (AttributeType::Decimal, _) => Err(format!(
            "\"{label}\" expects a number, found {}; send a JSON number",
            describe(value)
        )),
        (AttributeType::Complex, _) => Err(format!(
            "\"{label}\" is complex, so the value must be an object of its sub-attributes ({}), found {}",
            sub_attribute_names(attribute),
            describe(value)
        )),
    }
}

/// Checks an object of sub-attributes for the complex attribute `label`.
///
/// Keys map to canonical sub-attribute names. Unknown and read-only
/// sub-attributes are dropped, as in a PUT body. A `null` sub-attribute stays
/// `null`, which a merge reads as "clear it".
pub(super) fn coerce_complex(attribute: &Attribute, label: &str, value: &Value) -> Result<Map<String, Value>, String> {
    // Microsoft Entra sends the enterprise `manager` as the manager's id
    // alone. For a single-valued complex attribute with a `value`
    // sub-attribute, a bare string can only mean that sub-attribute.
    if let Value::String(text) = value {
        if !attribute.multi_valued && attribute.sub_attribute("value").is_some() {
            let mut fields = Map::new();
            fields.insert("value".to_owned(), Value::String(text.clone()));
            return Ok(fields);
        }
    }

    let Value::Object(fields) = value else {
        return Err(format!(
            "\"{label}\" is complex, so the value must be an object of its sub-attributes ({}), found {}",
            sub_attribute_names(attribute),
            describe(value)
        ));
    };

    let mut cleaned = Map::new();
    for (key, field) in fields {
        let Some(sub_attribute) = attribute.sub_attribute(key) else {
            continue;
        };
        if sub_attribute.mutability == Mutability::ReadOnly {
            continue;
        }

        let checked = if field.is_null() {
            Value::Null
        } else {
            coerce_scalar(sub_attribute, &format!("{label}.{}", sub_attribute.name), field)?
        };
        cleaned.insert(sub_attribute.name.to_string(), checked);
    }
    Ok(cleaned)
}

/// Checks one new element of the multi-valued complex attribute `label`:
/// `null` sub-attributes are dropped, and the element must keep at least one
/// sub-attribute. A group member also needs its `value`, the user id.
pub(super) fn coerce_element(attribute: &Attribute, label: &str, value: &Value) -> Result<Map<String, Value>, String> {
    let mut element = coerce_complex(attribute, label, value)?;
    element.retain(|_, field| !field.is_null());

    if is_member_list(attribute) && !element.contains_key("value") {
        return Err(format!(
            "\"{label}\" has no \"value\"; send each member as {{\"value\": \"<user id>\"}}"
        ));
    }
    if element.is_empty() {
        return Err(format!(
            "\"{label}\" has none of the writable sub-attributes {}",
            sub_attribute_names(attribute)
        ));
    }
    Ok(element)
}

/// Checks the elements for the multi-valued attribute `label`. A single
/// element where an array belongs is read as a one-element array.
pub(super) fn coerce_elements(attribute: &Attribute, label: &str, value: &Value) -> Result<Vec<Value>, String> {
    let is_complex = attribute.kind == AttributeType::Complex;
    let single_allowed = if is_complex {
        value.is_object()
    } else {
        !value.is_null() && !value.is_object()
    };

    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        _ if single_allowed => vec![value],
        _ => {
            return Err(format!(
                "\"{label}\" is multi-valued, so the value must be an array of its elements, found {}",
                describe(value)
            ))
        }
    };

    let mut elements = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let item_label = format!("{label}[{index}]");
        if item.is_null() {
            return Err(format!("\"{item_label}\" is null; leave it out of the array"));
        }

        let element = if is_complex {
            Value::Object(coerce_element(attribute, &item_label, item)?)
        } else {
            coerce_scalar(attribute, &item_label, item)?
        };
        elements.push(element);
    }
    Ok(elements)
}

/// Returns whether `attribute` is a group's `members`, whose elements are identified
/// by their `value` alone: adding a member that is present changes nothing.
pub(super) fn is_member_list(attribute: &Attribute) -> bool {
    attribute.name == "members"
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::schema::{GROUP_SCHEMA, USER_SCHEMA};

    fn user_attribute(name: &str) -> &'static Attribute {
        USER_SCHEMA.attribute(name).expect("attribute in the User schema")
    }

    #[test]
    fn boolean_strings_any_case() {
        let active = user_attribute("active");
        assert_eq!(coerce_scalar(active, "active", &json!("True")), Ok(json!(true)));
        assert_eq!(coerce_scalar(active, "active", &json!("FALSE")), Ok(json!(false)));
        assert_eq!(coerce_scalar(active, "active", &json!(false)), Ok(json!(false)));
    }

    #[test]
    fn boolean_rejects_other_strings() {
        let active = user_attribute("active");
        for bad in [
            json!("yes"),
            json!("1"),
            json!(""),
            json!(1),
            json!([true]),
            json!({"x": 1}),
        ] {
            let detail = coerce_scalar(active, "active", &bad).expect_err("not a boolean");
            assert!(detail.contains("\"active\" is a boolean"), "{detail}");
        }
    }

    #[test]
    fn boolean_error_names_value() {
        let active = user_attribute("active");
        let detail = coerce_scalar(active, "active", &json!("yes")).expect_err("not a boolean");
        assert!(detail.contains(r#"found the string "yes""#), "{detail}");
    }

    #[test]
    fn string_rejects_number() {
        let title = user_attribute("title");
        let detail = coerce_scalar(title, "title", &json!(5)).expect_err("not a string");
        assert_eq!(
            detail,
            "\"title\" expects a string, found the number 5; send the value as a JSON string"
        );
    }

    #[test]
    fn complex_drops_unknown_and_read_only() {
        let members = GROUP_SCHEMA.attribute("members").expect("members");
        let cleaned = coerce_complex(
            members,
            "members[0]",
            &json!({"VALUE": "u1", "display": "x", "bogus": 1}),
        );
        assert_eq!(cleaned.map(Value::Object), Ok(json!({"value": "u1"})));
    }

    #[test]
    fn complex_keeps_null_for_clearing() {
        let name = user_attribute("name");
        let cleaned = coerce_complex(name, "name", &json!({"middleName": null}));
        assert_eq!(cleaned.map(Value::Object), Ok(json!({"middleName": null})));
    }

    #[test]
    fn complex_checks_sub_attribute_types() {
        let emails = user_attribute("emails");
        let detail = coerce_complex(emails, "emails[0]", &json!({"primary": "maybe"})).expect_err("bad primary");
        assert!(detail.contains("\"emails[0].primary\" is a boolean"), "{detail}");
    }

    #[test]
    fn complex_rejects_string() {
        let name = user_attribute("name");
        let detail = coerce_complex(name, "name", &json!("Barbara")).expect_err("not an object");
        assert!(detail.contains("givenName"), "{detail}");
    }

    #[test]
    fn manager_string_becomes_value() {
        let manager = crate::schema::ENTERPRISE_USER_SCHEMA
            .attribute("manager")
            .expect("the enterprise schema has manager");
        let fields = coerce_complex(manager, "manager", &json!("26118915-6090-4610-87e4-49d8ca9f808d")).expect("id string");
        assert_eq!(fields["value"], "26118915-6090-4610-87e4-49d8ca9f808d");
    }

    #[test]
    fn single_object_is_one_element() {
        let emails = user_attribute("emails");
        let elements = coerce_elements(emails, "emails", &json!({"value": "a@example.com"}));
        assert_eq!(elements, Ok(vec![json!({"value": "a@example.com"})]));
    }

    #[test]
    fn elements_reject_string() {
        let emails = user_attribute("emails");
        let detail = coerce_elements(emails, "emails", &json!("a@example.com")).expect_err("not an array");
        assert!(detail.contains("multi-valued"), "{detail}");
    }

    #[test]
    fn elements_reject_null_item() {
        let emails = user_attribute("emails");
        let detail = coerce_elements(emails, "emails", &json!([null])).expect_err("null item");
        assert!(detail.contains("\"emails[0]\" is null"), "{detail}");
    }

    #[test]
    fn elements_reject_empty_element() {
        let emails = user_attribute("emails");
        let detail = coerce_elements(emails, "emails", &json!([{"bogus": 1}])).expect_err("empty element");
        assert!(detail.contains("none of the writable sub-attributes"), "{detail}");
    }

    #[test]
    fn member_needs_value() {
        let members = GROUP_SCHEMA.attribute("members").expect("members");
        let detail = coerce_elements(members, "members", &json!([{"display": "x"}])).expect_err("no value");
        assert!(detail.contains("\"members[0]\" has no \"value\""), "{detail}");
    }

    #[test]
    fn empty_array_is_allowed() {
        let emails = user_attribute("emails");
        assert_eq!(coerce_elements(emails, "emails", &json!([])), Ok(Vec::new()));
    }
}
