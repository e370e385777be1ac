//! The group rules: unique names across the organisation, no renames,
//! members from this directory only, and site-group propagation failures.
//!
//! As with users, each function checks everything before it stores
//! anything, so a rejected request changes nothing.

use http::StatusCode;
use indexmap::IndexSet;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::{fold, Directory, World};
use crate::clock;
use crate::error::ScimError;
use crate::model::{normalize, GroupRecord};
use crate::filter::{CompValue, CompareOp, Filter};
use crate::patch::{self, PatchOpKind, PatchOperation};
use crate::schema::GROUP_RESOURCE;

/// The text Atlassian returns when a PATCH names a member it cannot find.
pub(crate) const MISSING_RESOURCE: &str = "The directory, group, or user does not exist";

/// Returns the 409 Atlassian sends for a group name taken in the
/// directory or the organisation. Atlassian's text does not name the value.
pub(crate) fn duplicate_group_name() -> ScimError {
    ScimError::uniqueness("Resource [GROUP]: with displayName already exists.")
}

/// Returns the 404 for a group id that this directory does not have.
pub(crate) fn group_not_found(id: &str) -> ScimError {
    ScimError::not_found(format!(
        "Resource [GROUP] with id [{id}] was not found in this directory: it never existed or was deleted. List groups to find the current id."
    ))
}

/// Creates a group with the given id from a POST body.
pub(crate) fn create_group(world: &mut World, directory_id: Uuid, id: Uuid, body: &Map<String, Value>) -> Result<Uuid, ScimError> {
    let attributes = normalize(body, &GROUP_RESOURCE)?;
    let display_name = required_display_name(&attributes)?;
    let external_id = attributes.get("externalId").and_then(Value::as_str).map(str::to_owned);
    let members = |directory: &Directory| {
        member_ids(directory, &attributes, |value| {
            ScimError::invalid_value(format!(
                "Member \"{value}\" is not a user of this directory: send the id of a user created through this directory's /Users endpoint."
            ))
        })
    };
    insert_group(world, directory_id, id, display_name, external_id, members)
}

/// Creates a group after the checks that depend on the directory and the
/// organisation. `members` resolves the members once the name is known to
/// be free, so a taken name is reported before an unknown member.
pub(crate) fn insert_group(
    world: &mut World,
    directory_id: Uuid,
    id: Uuid,
    display_name: String,
    external_id: Option<String>,
    members: impl FnOnce(&Directory) -> Result<IndexSet<Uuid>, ScimError>,
) -> Result<Uuid, ScimError> {
    check_display_name(&display_name)?;
    let name_key = fold(&display_name);

    let org_id = world
        .directories
        .get(&directory_id)
        .map(|directory| directory.org_id)
        .ok_or_else(|| ScimError::not_found(format!("Directory {directory_id} does not exist.")))?;
    let taken_elsewhere = world.other_directory_has_group(org_id, directory_id, &name_key);

    let (directory, organisation) = world
        .directory_and_organisation_mut(directory_id)
        .ok_or_else(|| ScimError::not_found(format!("Directory {directory_id} does not exist.")))?;

    if directory.group(&id).is_some() {
        return Err(ScimError::uniqueness(format!("Resource [GROUP]: with id[{id}] already exists.")));
    }
    let taken_in_directory = directory.group_id_by_name(&name_key).is_some();
    let taken_in_organisation = organisation.org_groups.contains_key(&name_key) || taken_elsewhere;
    if taken_in_directory || taken_in_organisation {
        return Err(duplicate_group_name());
    }

    let members = members(directory)?;

    let now = clock::now();
    let group = GroupRecord {
        id,
        seq: directory.next_seq(),
        display_name: display_name.clone(),
        external_id,
        members,
        created: now,
        last_modified: now,
    };

    organisation.audit.record(
        "group_created",
        Some(directory_id),
        json!({"groupId": id, "displayName": display_name}),
    );
    let failed_sites: Vec<String> = organisation
        .sites_with_group(&name_key)
        .into_iter()
        .map(|site_group| site_group.site.clone())
        .collect();
    for site in failed_sites {
        tracing::info!(group = %display_name, %site, "group not propagated: the site already has a group of this name");
        organisation.audit.record(
            "group_propagation_failed",
            Some(directory_id),
            json!({
                "groupId": id,
                "displayName": display_name,
                "site": site,
                "reason": format!("The site {site} already has a group named {display_name}, so the SCIM group was not propagated to it."),
            }),
        );
    }

    directory.put_group(group);
    Ok(id)
}

/// Replaces a group's externalId and members with a PUT body.
pub(crate) fn replace_group(world: &mut World, directory_id: Uuid, id: Uuid, body: &Map<String, Value>) -> Result<(), ScimError> {
    let attributes = normalize(body, &GROUP_RESOURCE)?;
    let directory = directory_mut(world, directory_id)?;
    let existing = directory.group(&id).ok_or_else(|| group_not_found(&id.to_string()))?;

    let display_name = required_display_name(&attributes)?;
    check_not_renamed(&existing.display_name, &display_name)?;

    let members = member_ids(directory, &attributes, |value| {
        ScimError::invalid_value(format!(
            "Member \"{value}\" is not a user of this directory: send the id of a user created through this directory's /Users endpoint."
        ))
    })?;

    let external_id = attributes.get("externalId").and_then(Value::as_str).map(str::to_owned);
    store_group_change(directory, id, external_id, members);
    Ok(())
}

/// Applies PATCH operations to a group, all or nothing.
pub(crate) fn patch_group(world: &mut World, directory_id: Uuid, id: Uuid, operations: &[PatchOperation]) -> Result<(), ScimError> {
    let directory = directory_mut(world, directory_id)?;
    let existing = directory.group(&id).ok_or_else(|| group_not_found(&id.to_string()))?;

    check_added_members(directory, operations)?;
    check_no_rename_operation(&existing.display_name, operations)?;

    if let Some(members) = members_only_patch(&existing.members, operations) {
        let external_id = existing.external_id.clone();
        store_group_change(directory, id, external_id, members);
        return Ok(());
    }

    let mut view = group_view(existing);
    patch::apply(&mut view, operations, &GROUP_RESOURCE)?;
    let attributes = normalize(&view, &GROUP_RESOURCE)?;

    let display_name = required_display_name(&attributes)?;
    check_not_renamed(&existing.display_name, &display_name)?;

    let members = member_ids(directory, &attributes, |value| {
        ScimError::not_found(format!(
            "{MISSING_RESOURCE}: no user with id \"{value}\" in this directory."
        ))
    })?;

    let external_id = attributes.get("externalId").and_then(Value::as_str).map(str::to_owned);
    store_group_change(directory, id, external_id, members);
    Ok(())
}

/// Rejects a PATCH whose `add` or `replace` names a member that is not a
/// user of this directory, even when a later operation would remove it
/// again, because Atlassian rejects the whole PATCH with 404 then.
fn check_added_members(directory: &Directory, operations: &[PatchOperation]) -> Result<(), ScimError> {
    for operation in operations {
        if operation.op == PatchOpKind::Remove {
            continue;
        }
        let Some(value) = &operation.value else { continue };
        let members = match &operation.path {
            Some(path) if path.attr.name.eq_ignore_ascii_case("members") && path.filter.is_none() => Some(value),
            Some(_) => None,
            None => value
                .as_object()
                .and_then(|fields| fields.iter().find(|(key, _)| key.eq_ignore_ascii_case("members")))
                .map(|(_, members)| members),
        };
        let Some(members) = members else { continue };

        let elements = match members {
            Value::Array(elements) => elements.as_slice(),
            single => std::slice::from_ref(single),
        };
        for element in elements {
            let Some(member) = element.get("value").and_then(Value::as_str) else { continue };
            let known = Uuid::parse_str(member).is_ok_and(|user_id| directory.user(&user_id).is_some());
            if !known {
                return Err(ScimError::not_found(format!(
                    "{MISSING_RESOURCE}: no user with id \"{member}\" in this directory."
                )));
            }
        }
    }
    Ok(())
}

/// Applies a PATCH made only of the member operations identity providers
/// send most (add or replace a list of `{"value": id}`, remove by list, by
/// `members[value eq "id"]` or all) straight to the member set.
///
/// Going through the general engine renders every member as JSON and
/// parses it back, which costs milliseconds on a group of thousands. Any
/// other shape returns `None` and takes the general path, which also
/// produces the errors for malformed operations. The caller has already
/// rejected added members that are not users of the directory.
fn members_only_patch(current: &IndexSet<Uuid>, operations: &[PatchOperation]) -> Option<IndexSet<Uuid>> {
    let mut members = current.clone();
    for operation in operations {
        let path = operation.path.as_ref()?;
        let plain_members = path.attr.urn.is_none() && path.attr.sub_attr.is_none() && path.sub_attr.is_none();
        if !plain_members || !path.attr.name.eq_ignore_ascii_case("members") {
            return None;
        }

        match (&operation.op, &path.filter, &operation.value) {
            (PatchOpKind::Add, None, Some(value)) => members.extend(member_values(value)?),
            (PatchOpKind::Replace, None, Some(value)) => members = member_values(value)?.into_iter().collect(),
            (PatchOpKind::Remove, None, None) => members.clear(),
            (PatchOpKind::Remove, None, Some(value)) => {
                for member in member_values(value)? {
                    members.shift_remove(&member);
                }
            }
            (PatchOpKind::Remove, Some(filter), None) => {
                let Filter::Compare { path: filter_path, op: CompareOp::Eq, value: CompValue::String(text) } = filter
                else {
                    return None;
                };
                let on_value = filter_path.urn.is_none()
                    && filter_path.sub_attr.is_none()
                    && filter_path.name.eq_ignore_ascii_case("value");
                if !on_value {
                    return None;
                }
                if let Ok(member) = Uuid::parse_str(text) {
                    members.shift_remove(&member);
                }
            }
            _ => return None,
        }
    }
    Some(members)
}

/// Reads `[{"value": id}, ...]` (or one such object) as user ids, or `None`
/// for any other shape. Ids that are not UUIDs can name no member, so they
/// are skipped.
fn member_values(value: &Value) -> Option<Vec<Uuid>> {
    let elements = match value {
        Value::Array(elements) => elements.as_slice(),
        Value::Object(_) => std::slice::from_ref(value),
        _ => return None,
    };
    let mut ids = Vec::with_capacity(elements.len());
    for element in elements {
        let text = element.as_object()?.get("value")?.as_str()?;
        if let Ok(id) = Uuid::parse_str(text) {
            ids.push(id);
        }
    }
    Some(ids)
}

/// Rejects a PATCH with any operation that sets `displayName` to another
/// value, even when a later operation sets it back, because each operation
/// is a rename attempt that Atlassian refuses.
fn check_no_rename_operation(current: &str, operations: &[PatchOperation]) -> Result<(), ScimError> {
    let names_display_name = |name: &str| {
        let name = name.rsplit(':').next().unwrap_or(name);
        name.eq_ignore_ascii_case("displayName")
    };
    for operation in operations {
        let Some(value) = &operation.value else { continue };
        let requested = match &operation.path {
            Some(path) if path.filter.is_none() && path.attr.sub_attr.is_none() && names_display_name(&path.attr.name) => {
                value.as_str()
            }
            Some(_) => None,
            None => value
                .as_object()
                .and_then(|fields| fields.iter().find(|(key, _)| names_display_name(key)))
                .and_then(|(_, name)| name.as_str()),
        };
        if let Some(requested) = requested {
            check_not_renamed(current, requested)?;
        }
    }
    Ok(())
}

/// Deletes a group; its members lose the membership.
pub(crate) fn delete_group(world: &mut World, directory_id: Uuid, id: Uuid) -> Result<(), ScimError> {
    let (directory, organisation) = world
        .directory_and_organisation_mut(directory_id)
        .ok_or_else(|| ScimError::not_found(format!("Directory {directory_id} does not exist.")))?;
    let group = directory.remove_group(&id).ok_or_else(|| group_not_found(&id.to_string()))?;
    organisation.audit.record(
        "group_deleted",
        Some(directory_id),
        json!({"groupId": id, "displayName": group.display_name}),
    );
    Ok(())
}

/// Stores a group's new `externalId` and members. `meta.lastModified` moves
/// only when something changed, because RFC 7644 §3.5.2 forbids a PATCH that
/// changes nothing to touch the modify timestamp.
fn store_group_change(directory: &mut Directory, id: Uuid, external_id: Option<String>, members: IndexSet<Uuid>) {
    let Some(existing) = directory.group(&id) else { return };
    let changed = existing.external_id != external_id || !existing.members.iter().eq(members.iter());
    if !changed {
        return;
    }

    let mut updated = existing.clone();
    updated.external_id = external_id;
    updated.members = members;
    updated.last_modified = clock::now();
    directory.put_group(updated);
}

/// Returns the writable attributes of a group, as the PATCH engine edits them.
fn group_view(group: &GroupRecord) -> Map<String, Value> {
    let mut view = Map::new();
    view.insert("displayName".to_owned(), Value::String(group.display_name.clone()));
    if let Some(external_id) = &group.external_id {
        view.insert("externalId".to_owned(), Value::String(external_id.clone()));
    }
    let members = group
        .members
        .iter()
        .map(|member| json!({"value": member.to_string()}))
        .collect();
    view.insert("members".to_owned(), Value::Array(members));
    view
}

fn directory_mut(world: &mut World, directory_id: Uuid) -> Result<&mut Directory, ScimError> {
    world
        .directories
        .get_mut(&directory_id)
        .ok_or_else(|| ScimError::not_found(format!("Directory {directory_id} does not exist.")))
}

fn required_display_name(attributes: &Map<String, Value>) -> Result<String, ScimError> {
    let name = attributes.get("displayName").and_then(Value::as_str).unwrap_or_default();
    check_display_name(name)?;
    Ok(name.to_owned())
}

fn check_display_name(name: &str) -> Result<(), ScimError> {
    if name.trim().is_empty() {
        return Err(ScimError::invalid_value(
            "Attribute 'displayName' is required and must not be empty: send the group's name.",
        ));
    }
    if let Some(character) = name.chars().find(|character| character.is_control()) {
        return Err(ScimError::invalid_value(format!(
            "Attribute 'displayName' contains the control character U+{:04X}: remove it from {name:?}.",
            u32::from(character)
        )));
    }
    Ok(())
}

/// Rejects a change of `displayName`, which Atlassian does not support
/// because its products key permissions on group names.
fn check_not_renamed(current: &str, requested: &str) -> Result<(), ScimError> {
    if current == requested {
        return Ok(());
    }
    Err(ScimError::new(
        StatusCode::BAD_REQUEST,
        Some(crate::error::ScimType::Mutability),
        format!(
            "Renaming groups is not supported: displayName is \"{current}\" and cannot become \"{requested}\". Create a group with the new name, move the members, then delete the old group."
        ),
    ))
}

/// Resolves the `members` of a cleaned group body to user ids of this
/// directory; `unknown` builds the error for a value that is not one.
fn member_ids(
    directory: &Directory,
    attributes: &Map<String, Value>,
    unknown: impl Fn(&str) -> ScimError,
) -> Result<IndexSet<Uuid>, ScimError> {
    let mut members = IndexSet::new();
    let elements = attributes.get("members").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    for element in elements {
        let value = element.get("value").and_then(Value::as_str).unwrap_or_default();
        let user_id = Uuid::parse_str(value)
            .ok()
            .filter(|user_id| directory.user(user_id).is_some())
            .ok_or_else(|| unknown(value))?;
        members.insert(user_id);
    }
    Ok(members)
}
