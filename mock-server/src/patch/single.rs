//! PATCH semantics for single-valued attributes (RFC 7644 §3.5.2).
//!
//! `add` and `replace` set a simple attribute, and merge the given
//! sub-attributes into a complex one. `replace` with `null` and `remove`
//! clear the attribute, and removing an absent attribute changes nothing.

use serde_json::Value;

use super::apply::{container, existing_container};
use super::context::OpContext;
use super::json;
use super::request::PatchOpKind;
use super::target::AttributeTarget;
use super::value::{coerce_complex, coerce_scalar};
use crate::error::ScimError;
use crate::schema::{Attribute, AttributeType};

/// Applies one operation to a single-valued attribute.
pub(super) fn apply(
    resource: &mut serde_json::Map<String, Value>,
    op: PatchOpKind,
    target: &AttributeTarget<'_>,
    value: Option<&Value>,
    context: &OpContext<'_>,
) -> Result<(), ScimError> {
    let attribute = target.attribute;
    let label = target.label();
    let value = value.unwrap_or(&Value::Null);

    let clears = op == PatchOpKind::Remove || (op == PatchOpKind::Replace && value.is_null());
    if clears {
        clear(resource, target);
        return Ok(());
    }
    if value.is_null() {
        // Adding null adds nothing.
        return Ok(());
    }

    if let Some(sub_attribute) = target.sub_attribute {
        let checked = coerce_scalar(sub_attribute, &label, value).map_err(|detail| context.invalid_value(&detail))?;
        let object = json::object_entry(container(resource, target), attribute.name);
        json::insert(object, sub_attribute.name, checked);
        return Ok(());
    }

    if attribute.kind == AttributeType::Complex {
        let fields = coerce_complex(attribute, &label, value).map_err(|detail| context.invalid_value(&detail))?;
        let holder = container(resource, target);
        let object = json::object_entry(holder, attribute.name);
        json::merge(object, fields);
        if object.is_empty() {
            json::remove(holder, attribute.name);
        }
        return Ok(());
    }

    let checked = coerce_scalar(attribute, &label, value).map_err(|detail| context.invalid_value(&detail))?;
    json::insert(container(resource, target), attribute.name, checked);
    Ok(())
}

/// Removes the target attribute, or only its sub-attribute, and drops a
/// complex attribute left without sub-attributes.
fn clear(resource: &mut serde_json::Map<String, Value>, target: &AttributeTarget<'_>) {
    let Some(holder) = existing_container(resource, target) else {
        return;
    };
    let attribute: &Attribute = target.attribute;

    let Some(sub_attribute) = target.sub_attribute else {
        json::remove(holder, attribute.name);
        return;
    };

    let Some(Value::Object(object)) = json::get_mut(holder, attribute.name) else {
        return;
    };
    json::remove(object, sub_attribute.name);
    if object.is_empty() {
        json::remove(holder, attribute.name);
    }
}
