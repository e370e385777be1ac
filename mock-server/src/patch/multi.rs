//! PATCH semantics for multi-valued attributes such as `emails`,
//! `phoneNumbers` and group `members` (RFC 7644 §3.5.2).
//!
//! Without a filter or sub-attribute, `add` appends new elements, `replace`
//! sets the whole list, and `remove` drops the listed elements or, without a
//! value, the whole attribute. A value filter or sub-attribute selects
//! elements (all of them when there is no filter). Writing through a filter
//! that matches nothing creates one element from the filter's `eq`
//! comparisons, as Microsoft Entra ID expects.
//!
//! When an operation sets `primary: true` on one element, the others lose
//! it, because RFC 7643 §2.4 allows at most one primary value.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::apply::{container, existing_container};
use super::context::OpContext;
use super::json;
use super::request::PatchOpKind;
use super::target::AttributeTarget;
use super::value::{coerce_complex, coerce_element, coerce_elements, coerce_scalar, is_member_list};
use crate::error::ScimError;
use crate::filter::{CompValue, CompareOp, Filter};
use crate::schema::{Attribute, Mutability};

/// Applies one operation to a multi-valued attribute.
pub(super) fn apply(
    resource: &mut Map<String, Value>,
    op: PatchOpKind,
    target: &AttributeTarget<'_>,
    value: Option<&Value>,
    context: &OpContext<'_>,
) -> Result<(), ScimError> {
    let value = value.unwrap_or(&Value::Null);
    let selects_elements = target.filter.is_some() || target.sub_attribute.is_some();

    match (op, selects_elements, value.is_null()) {
        (PatchOpKind::Add, _, true) => {}
        (PatchOpKind::Add, false, false) => append(resource, target, value, context)?,
        (PatchOpKind::Replace, false, _) => replace_all(resource, target, value, context)?,
        (PatchOpKind::Remove, false, _) => remove_listed(resource, target, value, context)?,
        (PatchOpKind::Remove, true, _) | (PatchOpKind::Replace, true, true) => remove_selected(resource, target),
        (_, true, false) => write_selected(resource, op, target, value, context)?,
    }

    // An empty list is the same as an unset attribute, which the server omits.
    if let Some(holder) = existing_container(resource, target) {
        let is_empty =
            matches!(json::get(holder, target.attribute.name), Some(Value::Array(items)) if items.is_empty());
        if is_empty {
            json::remove(holder, target.attribute.name);
        }
    }
    Ok(())
}

/// Appends the elements of `value`, skipping those already present. A group
/// member counts as present when its `value` is.
fn append(
    resource: &mut Map<String, Value>,
    target: &AttributeTarget<'_>,
    value: &Value,
    context: &OpContext<'_>,
) -> Result<(), ScimError> {
    let label = target.attribute_label();
    let elements = coerce_elements(target.attribute, &label, value).map_err(|detail| context.invalid_value(&detail))?;

    let list = json::array_entry(container(resource, target), target.attribute.name);
    let mut written = Vec::with_capacity(elements.len());
    for element in elements {
        let index = match position_of_same(list, target.attribute, &element) {
            Some(index) => index,
            None => {
                list.push(element);
                list.len() - 1
            }
        };
        written.push(index);
    }

    keep_single_primary(list, &written, &label, context)
}

/// Sets the whole list, without duplicates. `null` clears the attribute.
fn replace_all(
    resource: &mut Map<String, Value>,
    target: &AttributeTarget<'_>,
    value: &Value,
    context: &OpContext<'_>,
) -> Result<(), ScimError> {
    if value.is_null() {
        if let Some(holder) = existing_container(resource, target) {
            json::remove(holder, target.attribute.name);
        }
        return Ok(());
    }

    let label = target.attribute_label();
    let elements = coerce_elements(target.attribute, &label, value).map_err(|detail| context.invalid_value(&detail))?;

    let mut list = Vec::with_capacity(elements.len());
    for element in elements {
        if position_of_same(&list, target.attribute, &element).is_none() {
            list.push(element);
        }
    }
    let written: Vec<usize> = (0..list.len()).collect();
    keep_single_primary(&mut list, &written, &label, context)?;

    json::insert(container(resource, target), target.attribute.name, Value::Array(list));
    Ok(())
}

/// Removes the elements listed in `value`, or the whole attribute when
/// `value` is `null` or missing. A listed element matches a stored one when
/// every sub-attribute it gives is equal, so `{"value": "<id>"}` picks a
/// group member by id.
fn remove_listed(
    resource: &mut Map<String, Value>,
    target: &AttributeTarget<'_>,
    value: &Value,
    context: &OpContext<'_>,
) -> Result<(), ScimError> {
    let attribute = target.attribute;
    let Some(holder) = existing_container(resource, target) else {
        return Ok(());
    };

    if value.is_null() {
        json::remove(holder, attribute.name);
        return Ok(());
    }

    let label = target.attribute_label();
    let listed = coerce_elements(attribute, &label, value).map_err(|detail| context.invalid_value(&detail))?;

    if let Some(Value::Array(list)) = json::get_mut(holder, attribute.name) {
        list.retain(|element| !listed.iter().any(|entry| is_listed(attribute, entry, element)));
    }
    Ok(())
}

/// Removes the selected elements, or only their sub-attribute.
fn remove_selected(resource: &mut Map<String, Value>, target: &AttributeTarget<'_>) {
    let Some(holder) = existing_container(resource, target) else {
        return;
    };
    let Some(Value::Array(list)) = json::get_mut(holder, target.attribute.name) else {
        return;
    };

    match target.sub_attribute {
        None => list.retain(|element| !is_selected(target, element)),
        Some(sub_attribute) => {
            for element in list.iter_mut() {
                if is_selected(target, element) {
                    if let Value::Object(object) = element {
                        json::remove(object, sub_attribute.name);
                    }
                }
            }
            list.retain(|element| !is_empty_object(element));
        }
    }
}

/// The change `write_selected` makes to each selected element.
#[derive(Debug)]
enum Change {
    /// Set one sub-attribute.
    SetSub(&'static Attribute, Value),
    /// Set the given sub-attributes and keep the others (`add`).
    Merge(Map<String, Value>),
    /// Make the element exactly this (`replace` without a sub-attribute).
    Replace(Map<String, Value>),
}

/// Writes `value` into every selected element, or into one new element when
/// none is selected.
fn write_selected(
    resource: &mut Map<String, Value>,
    op: PatchOpKind,
    target: &AttributeTarget<'_>,
    value: &Value,
    context: &OpContext<'_>,
) -> Result<(), ScimError> {
    let attribute = target.attribute;
    let label = target.label();
    let invalid_value = |detail: String| context.invalid_value(&detail);

    let change = match (target.sub_attribute, op) {
        (Some(sub_attribute), _) => Change::SetSub(
            sub_attribute,
            coerce_scalar(sub_attribute, &label, value).map_err(invalid_value)?,
        ),
        (None, PatchOpKind::Add) => Change::Merge(coerce_complex(attribute, &label, value).map_err(invalid_value)?),
        (None, _) => Change::Replace(coerce_element(attribute, &label, value).map_err(invalid_value)?),
    };

    let list = json::array_entry(container(resource, target), attribute.name);
    let mut written: Vec<usize> = (0..list.len())
        .filter(|&index| is_selected(target, &list[index]))
        .collect();

    if written.is_empty() {
        let element = new_element(target, change, context)?;
        list.push(Value::Object(element));
        written.push(list.len() - 1);
    } else {
        for &index in &written {
            change_element(&mut list[index], &change);
        }
    }

    keep_single_primary(list, &written, &target.attribute_label(), context)?;
    list.retain(|element| !is_empty_object(element));
    Ok(())
}

fn change_element(element: &mut Value, change: &Change) {
    if !element.is_object() {
        *element = Value::Object(Map::new());
    }
    let Value::Object(object) = element else {
        return;
    };

    match change {
        Change::SetSub(sub_attribute, checked) => json::insert(object, sub_attribute.name, checked.clone()),
        Change::Merge(fields) => json::merge(object, fields.clone()),
        Change::Replace(fields) => *object = fields.clone(),
    }
}

/// Builds the element that a write through a filter matching nothing
/// creates: the filter's `eq` values with the written value on top, so that
/// `phoneNumbers[type eq "mobile"].value` creates
/// `{"type": "mobile", "value": ...}`.
fn new_element(
    target: &AttributeTarget<'_>,
    change: Change,
    context: &OpContext<'_>,
) -> Result<Map<String, Value>, ScimError> {
    let attribute = target.attribute;
    let mut element = Map::new();

    if let Some(filter) = target.filter {
        let mut equalities = Vec::new();
        if !collect_equalities(filter, &mut equalities) {
            return Err(context.no_target(&format!(
                "the value filter matches no element of \"{}\", and only eq comparisons joined by \"and\" \
                 (such as type eq \"work\") describe an element to create; add the element with the path \"{}\" instead",
                target.attribute_label(),
                attribute.name
            )));
        }

        for (name, literal) in equalities {
            let Some(sub_attribute) = attribute.sub_attribute(name) else {
                continue;
            };
            if sub_attribute.mutability == Mutability::ReadOnly || *literal == CompValue::Null {
                continue;
            }
            let sub_label = format!("{}.{}", target.attribute_label(), sub_attribute.name);
            let checked = coerce_scalar(sub_attribute, &sub_label, &literal.to_json()).map_err(|detail| {
                context.invalid_value(&format!("the value filter cannot create an element: {detail}"))
            })?;
            json::insert(&mut element, sub_attribute.name, checked);
        }
    }

    // The new element takes the written sub-attributes on top of the
    // filter's values, for `replace` as for `add`.
    let fields = match change {
        Change::SetSub(sub_attribute, checked) => {
            json::insert(&mut element, sub_attribute.name, checked);
            Map::new()
        }
        Change::Merge(fields) | Change::Replace(fields) => fields,
    };
    json::merge(&mut element, fields);

    if is_member_list(attribute) && !element.contains_key("value") {
        return Err(context.invalid_value(
            "a new member needs a \"value\" with the user id; add it with the path \"members\" and the value [{\"value\": \"<user id>\"}]",
        ));
    }
    Ok(element)
}

/// Collects the `name eq literal` comparisons of a filter made only of such
/// comparisons joined by `and`, and returns whether it is one.
fn collect_equalities<'f>(filter: &'f Filter, equalities: &mut Vec<(&'f str, &'f CompValue)>) -> bool {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } if path.urn.is_none() && path.sub_attr.is_none() => {
            equalities.push((path.name.as_str(), value));
            true
        }
        Filter::And(left, right) => collect_equalities(left, equalities) && collect_equalities(right, equalities),
        _ => false,
    }
}

/// Returns whether the target's filter selects `element`. Without a filter,
/// every element is selected.
fn is_selected(target: &AttributeTarget<'_>, element: &Value) -> bool {
    target
        .filter
        .is_none_or(|filter| filter.matches(element, target.attribute.sub_attributes))
}

/// Finds an element that `element` duplicates: a member with the same
/// `value`, or an equal element of any other attribute.
fn position_of_same(list: &[Value], attribute: &Attribute, element: &Value) -> Option<usize> {
    if !is_member_list(attribute) {
        return list.iter().position(|existing| existing == element);
    }

    let member_id = |member: &Value| {
        member
            .as_object()
            .and_then(|object| json::get(object, "value"))
            .cloned()
    };
    let new_id = member_id(element)?;
    list.iter()
        .position(|existing| member_id(existing).as_ref() == Some(&new_id))
}

/// Returns whether the stored `element` has every sub-attribute that
/// `listed` gives, with equal values. Strings compare ignoring case unless
/// the sub-attribute is `caseExact`.
fn is_listed(attribute: &Attribute, listed: &Value, element: &Value) -> bool {
    let (Some(listed), Some(element)) = (listed.as_object(), element.as_object()) else {
        return listed == element;
    };

    listed.iter().all(|(name, listed_value)| {
        let case_exact = attribute
            .sub_attribute(name)
            .is_some_and(|sub_attribute| sub_attribute.case_exact);
        match (json::get(element, name), listed_value) {
            (Some(Value::String(actual)), Value::String(listed)) if !case_exact => {
                actual.to_lowercase() == listed.to_lowercase()
            }
            (Some(actual), listed) => actual == listed,
            (None, _) => false,
        }
    })
}

/// Clears `primary` on every element outside `written` when one written
/// element is primary.
///
/// Fails when more than one written element is primary, because the request
/// itself then breaks the at-most-one rule.
fn keep_single_primary(
    list: &mut [Value],
    written: &[usize],
    label: &str,
    context: &OpContext<'_>,
) -> Result<(), ScimError> {
    let primaries: BTreeSet<usize> = written
        .iter()
        .copied()
        .filter(|&index| list.get(index).is_some_and(json::is_primary))
        .collect();

    if primaries.len() > 1 {
        return Err(context.invalid_value(&format!(
            "{} elements of \"{label}\" would have \"primary\": true, but at most one may; mark only one element as primary",
            primaries.len()
        )));
    }
    if primaries.is_empty() {
        return Ok(());
    }

    for (index, element) in list.iter_mut().enumerate() {
        if primaries.contains(&index) || !json::is_primary(element) {
            continue;
        }
        if let Value::Object(object) = element {
            json::insert(object, "primary", Value::Bool(false));
        }
    }
    Ok(())
}

fn is_empty_object(value: &Value) -> bool {
    value.as_object().is_some_and(Map::is_empty)
}
