//! Applies checked PATCH operations to a resource's JSON: dispatch by path,
//! path-less operations and whole extension objects.
//!
//! The JSON has the shape the server emits: core attributes at the top level
//! and extension attributes in an object under their schema URN.

use serde_json::{Map, Value};

use super::context::OpContext;
use super::json::{self, describe};
use super::request::{PatchOpKind, PatchOperation};
use super::target::{self, AttributeTarget, Target, Unresolved};
use super::{multi, single};
use crate::error::ScimError;
use crate::filter;
use crate::schema::{ResourceType, Schema};

/// Applies `operations` in order to `resource`, whose attributes are defined
/// by `resource_type`.
///
/// Stops at the first failing operation and returns its error. Earlier
/// operations stay applied, so callers that need all-or-nothing semantics
/// patch a copy and keep it only on success. Immutable attributes, such as a
/// group's `displayName`, are written like any other; rejecting a real change
/// is the caller's job.
///
/// # Errors
///
/// Returns 400 with a detail that starts with the operation index, such as
/// `Operations[2] (replace of path 'active'): ...`. The `scimType` is
/// `invalidPath` for a path naming an unknown attribute or with a shape that
/// does not fit it, and `mutability` for a read-only attribute. It is
/// `invalidValue` for a value of the wrong type. It is `noTarget` for a
/// `remove` without a path, and for a value filter that matches nothing and
/// cannot describe an element to create.
pub fn apply(
    resource: &mut Map<String, Value>,
    operations: &[PatchOperation],
    resource_type: &ResourceType,
) -> Result<(), ScimError> {
    for (index, operation) in operations.iter().enumerate() {
        let context = OpContext {
            index,
            op: operation.op,
            path: operation.path.as_ref(),
        };
        apply_operation(resource, operation, resource_type, &context)?;
    }
    Ok(())
}

fn apply_operation(
    resource: &mut Map<String, Value>,
    operation: &PatchOperation,
    resource_type: &ResourceType,
    context: &OpContext<'_>,
) -> Result<(), ScimError> {
    let value = operation.value.as_ref();
    if operation.op != PatchOpKind::Remove && value.is_none() {
        return Err(context.invalid_value(&format!(
            "\"{}\" needs a \"value\"; send the value to set",
            operation.op
        )));
    }

    let Some(path) = &operation.path else {
        return apply_without_path(resource, operation.op, value, resource_type, context);
    };

    let target = target::resolve(path, resource_type).map_err(|unresolved| match unresolved {
        Unresolved::Unknown(detail) | Unresolved::Invalid(detail) => context.invalid_path(&detail),
        Unresolved::ReadOnly(detail) => context.mutability(&detail),
    })?;
    apply_to_target(resource, operation.op, target, value, resource_type, context)
}

fn apply_to_target(
    resource: &mut Map<String, Value>,
    op: PatchOpKind,
    target: Target<'_>,
    value: Option<&Value>,
    resource_type: &ResourceType,
    context: &OpContext<'_>,
) -> Result<(), ScimError> {
    match target {
        Target::Extension(schema) => apply_to_extension(resource, op, schema, value, resource_type, context),
        Target::Attribute(target) => apply_to_attribute(resource, op, &target, value, context),
    }
}

/// Applies `add` or `replace` whose value is an object of attributes.
fn apply_without_path(
    resource: &mut Map<String, Value>,
    op: PatchOpKind,
    value: Option<&Value>,
    resource_type: &ResourceType,
    context: &OpContext<'_>,
) -> Result<(), ScimError> {
    let value = match (op, value) {
        (PatchOpKind::Remove, _) | (_, None) => {
            return Err(context.no_target(
                "remove needs a \"path\" that names what to remove, such as \"title\" or \
                 \"members[value eq \\\"<user id>\\\"]\"",
            ))
        }
        (_, Some(value)) => value,
    };

    let Value::Object(fields) = value else {
        return Err(context.invalid_value(&format!(
            "without a path, \"value\" must be an object of attributes such as {{\"active\": false}}, found {}",
            describe(value)
        )));
    };
    apply_fields(resource, op, fields, None, resource_type, context)
}

/// Applies each key of an object of attributes as the path of its own
/// operation. `schema` is set when the object belongs to one schema, such as
/// the value under an extension URN key.
///
/// Keys may be plain (`displayName`), dotted (`name.givenName`) or
/// URN-qualified, or at the top level a schema URN whose value is an object
/// of that schema's attributes. The key `schemas`, keys that name nothing in
/// the schemas and read-only attributes are skipped, as in a PUT body.
fn apply_fields(
    resource: &mut Map<String, Value>,
    op: PatchOpKind,
    fields: &Map<String, Value>,
    schema: Option<&'static Schema>,
    resource_type: &ResourceType,
    context: &OpContext<'_>,
) -> Result<(), ScimError> {
    for (key, field) in fields {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }

        if schema.is_none() {
            if let Some(named) = resource_type.schema_by_urn(key) {
                apply_schema_object(resource, op, named, field, resource_type, context)?;
                continue;
            }
        }

        let Ok(mut path) = filter::parse_patch_path(key) else {
            continue;
        };
        if let Some(schema) = schema {
            if path.attr.urn.is_some() {
                continue;
            }
            path.attr.urn = Some(schema.id.to_string());
        }

        match target::resolve(&path, resource_type) {
            Ok(target) => apply_to_target(resource, op, target, Some(field), resource_type, context)?,
            Err(Unresolved::Unknown(_) | Unresolved::ReadOnly(_)) => {}
            Err(Unresolved::Invalid(detail)) => {
                return Err(context.invalid_path(&format!("the key \"{key}\" is not usable: {detail}")))
            }
        }
    }
    Ok(())
}

/// Applies the value of a schema URN key in a path-less operation.
fn apply_schema_object(
    resource: &mut Map<String, Value>,
    op: PatchOpKind,
    schema: &'static Schema,
    field: &Value,
    resource_type: &ResourceType,
    context: &OpContext<'_>,
) -> Result<(), ScimError> {
    if schema.id != resource_type.schema.id {
        return apply_to_extension(resource, op, schema, Some(field), resource_type, context);
    }

    // The value of the core schema URN key contains core attributes.
    match field {
        Value::Object(fields) => apply_fields(resource, op, fields, Some(schema), resource_type, context),
        Value::Null => Ok(()),
        other => Err(context.invalid_value(&format!(
            "the value of \"{}\" must be an object of its attributes, found {}",
            schema.id,
            describe(other)
        ))),
    }
}

/// Applies an operation to a whole extension object. `add` and `replace`
/// set each attribute given; `remove` and a `replace` with `null` drop the
/// extension.
fn apply_to_extension(
    resource: &mut Map<String, Value>,
    op: PatchOpKind,
    schema: &'static Schema,
    value: Option<&Value>,
    resource_type: &ResourceType,
    context: &OpContext<'_>,
) -> Result<(), ScimError> {
    match (op, value.unwrap_or(&Value::Null)) {
        (PatchOpKind::Remove, _) | (PatchOpKind::Replace, Value::Null) => {
            json::remove(resource, schema.id);
            Ok(())
        }
        (PatchOpKind::Add, Value::Null) => Ok(()),
        (_, Value::Object(fields)) => apply_fields(resource, op, fields, Some(schema), resource_type, context),
        (_, other) => {
            let names: Vec<&str> = schema.attributes.iter().map(|attribute| attribute.name).collect();
            Err(context.invalid_value(&format!(
                "\"{}\" is an extension, so the value must be an object of its attributes ({}), found {}",
                schema.id,
                names.join(", "),
                describe(other)
            )))
        }
    }
}

fn apply_to_attribute(
    resource: &mut Map<String, Value>,
    op: PatchOpKind,
    target: &AttributeTarget<'_>,
    value: Option<&Value>,
    context: &OpContext<'_>,
) -> Result<(), ScimError> {
    if target.attribute.multi_valued {
        multi::apply(resource, op, target, value, context)?;
    } else {
        single::apply(resource, op, target, value, context)?;
    }

    // The server omits an extension that has no values left.
    if let Some(extension) = target.extension {
        let is_empty = json::get(resource, extension.id)
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty);
        if is_empty {
            json::remove(resource, extension.id);
        }
    }
    Ok(())
}

/// Returns the object that contains the target attribute: the resource for
/// a core attribute, or the extension object under its URN, created if
/// missing.
pub(super) fn container<'r>(
    resource: &'r mut Map<String, Value>,
    target: &AttributeTarget<'_>,
) -> &'r mut Map<String, Value> {
    match target.extension {
        None => resource,
        Some(schema) => json::object_entry(resource, schema.id),
    }
}

/// Returns the object that contains the target attribute, if it exists.
pub(super) fn existing_container<'r>(
    resource: &'r mut Map<String, Value>,
    target: &AttributeTarget<'_>,
) -> Option<&'r mut Map<String, Value>> {
    match target.extension {
        None => Some(resource),
        Some(schema) => json::get_mut(resource, schema.id).and_then(Value::as_object_mut),
    }
}
