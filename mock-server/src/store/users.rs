//! The user rules: creation, replacement, PATCH and deletion.
//!
//! Every function here runs under the store's write lock and either makes
//! its whole change or returns an error having changed nothing, because it
//! builds the new record first and stores it only after every check.

use http::StatusCode;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::{fold, Directory, Organisation, World};
use crate::clock;
use crate::error::ScimError;
use crate::model::{normalize, UserAttributes, UserRecord};
use crate::patch::{self, PatchOperation};
use crate::schema::USER_RESOURCE;

/// Returns the 404 for a user id that this directory does not have.
pub(crate) fn user_not_found(id: &str) -> ScimError {
    ScimError::not_found(format!(
        "Resource [USER] with id [{id}] was not found in this directory: it never existed or was deleted. List users to find the current id."
    ))
}

/// Returns the 409 Atlassian sends for a `userName` that another user has.
pub(crate) fn duplicate_user_name(user_name: &str) -> ScimError {
    ScimError::uniqueness(format!("Resource [USER]: with userName[{user_name}] already exists."))
}

/// Creates a user with the given id from a POST body, as the POST handler
/// does in two steps around the store's lock.
#[cfg(test)]
pub(crate) fn create_user(world: &mut World, directory_id: Uuid, id: Uuid, body: &Map<String, Value>) -> Result<Uuid, ScimError> {
    insert_user(world, directory_id, id, prepare_user(body)?)
}

/// Runs the checks of a new user that need only its body, which is the
/// part of a create that does not need the store's lock.
pub(crate) fn prepare_user(body: &Map<String, Value>) -> Result<UserAttributes, ScimError> {
    UserAttributes::new(normalize(body, &USER_RESOURCE)?)
}

/// Creates a user from attributes checked by [`prepare_user`], after the
/// checks that depend on the directory and the organisation.
pub(crate) fn insert_user(
    world: &mut World,
    directory_id: Uuid,
    id: Uuid,
    attributes: UserAttributes,
) -> Result<Uuid, ScimError> {
    let (directory, organisation) = world
        .directory_and_organisation_mut(directory_id)
        .ok_or_else(|| ScimError::not_found(format!("Directory {directory_id} does not exist.")))?;

    if directory.user(&id).is_some() {
        return Err(ScimError::uniqueness(format!("Resource [USER]: with id[{id}] already exists.")));
    }
    let now = clock::now();
    let candidate = UserRecord {
        id,
        seq: 0,
        attributes,
        account_id: None,
        groups: Default::default(),
        created: now,
        last_modified: now,
    };
    check_email_domain(organisation, &candidate)?;
    check_unique(directory, &candidate)?;

    let limit = organisation.behaviour.user_limit;
    if directory.user_count() >= limit {
        return Err(ScimError::new(
            StatusCode::FORBIDDEN,
            None,
            format!(
                "Resource [USER]: the directory has reached its limit of {limit} users. Delete users you no longer provision, or split them across directories."
            ),
        ));
    }

    let mut user = candidate;
    user.seq = directory.next_seq();
    let email = user.primary_email().to_owned();
    user.account_id = Some(organisation.link_account(&email, user.active(), directory_id));

    organisation.audit.record(
        "user_created",
        Some(directory_id),
        json!({"userId": user.id, "userName": user.user_name(), "accountId": user.account_id}),
    );
    let id = user.id;
    directory.put_user(user);
    Ok(id)
}

/// Replaces a user's writable attributes with a PUT body.
///
/// Attributes left out are cleared, except `active`, which keeps its value
/// so that a PUT without it neither deactivates nor reactivates anyone.
pub(crate) fn replace_user(world: &mut World, directory_id: Uuid, id: Uuid, body: &Map<String, Value>) -> Result<(), ScimError> {
    let mut attributes = normalize(body, &USER_RESOURCE)?;
    let (directory, organisation) = directory_pair(world, directory_id)?;
    let existing = directory.user(&id).ok_or_else(|| user_not_found(&id.to_string()))?;

    if !attributes.contains_key("active") {
        attributes.insert("active".to_owned(), Value::Bool(existing.active()));
    }
    commit_change(directory, organisation, id, attributes)
}

/// Applies PATCH operations to a user, all or nothing.
pub(crate) fn patch_user(world: &mut World, directory_id: Uuid, id: Uuid, operations: &[PatchOperation]) -> Result<(), ScimError> {
    let (directory, organisation) = directory_pair(world, directory_id)?;
    let existing = directory.user(&id).ok_or_else(|| user_not_found(&id.to_string()))?;

    // The engine edits a copy, so a failing operation leaves the stored
    // record untouched even when earlier operations succeeded.
    let mut view = existing.attributes.to_map();
    patch::apply(&mut view, operations, &USER_RESOURCE)?;

    let mut attributes = normalize(&view, &USER_RESOURCE)?;
    if !attributes.contains_key("active") {
        attributes.insert("active".to_owned(), Value::Bool(existing.active()));
    }
    commit_change(directory, organisation, id, attributes)
}

/// Deletes a user: the record goes and the linked account is deactivated.
pub(crate) fn delete_user(world: &mut World, directory_id: Uuid, id: Uuid) -> Result<(), ScimError> {
    let (directory, organisation) = directory_pair(world, directory_id)?;
    let user = directory.remove_user(&id).ok_or_else(|| user_not_found(&id.to_string()))?;

    if let Some(account_id) = &user.account_id {
        organisation.set_account_active(account_id, false, directory_id);
    }
    organisation.audit.record(
        "user_deleted",
        Some(directory_id),
        json!({"userId": id, "userName": user.user_name(), "accountId": user.account_id}),
    );
    Ok(())
}

fn directory_pair(world: &mut World, directory_id: Uuid) -> Result<(&mut Directory, &mut Organisation), ScimError> {
    world
        .directory_and_organisation_mut(directory_id)
        .ok_or_else(|| ScimError::not_found(format!("Directory {directory_id} does not exist.")))
}

/// Checks and stores new attributes for an existing user after the checks
/// that depend on the rest of the directory, and carries the change to the
/// account.
fn commit_change(
    directory: &mut Directory,
    organisation: &mut Organisation,
    id: Uuid,
    attributes: Map<String, Value>,
) -> Result<(), ScimError> {
    let Some(existing) = directory.user(&id) else {
        return Err(user_not_found(&id.to_string()));
    };
    // A request that changes nothing keeps `meta.lastModified`, as RFC 7644
    // §3.5.2 requires of a PATCH that changes nothing. Maps are compared,
    // because the order of attributes in a request is not a change, and an
    // unchanged user is valid already.
    if existing.attributes.to_map() == attributes {
        return Ok(());
    }
    let attributes = UserAttributes::new(attributes)?;
    let mut updated = existing.clone();
    updated.attributes = attributes;
    updated.last_modified = clock::now();

    let old_email = fold(existing.primary_email());
    let new_email = fold(updated.primary_email());
    if old_email != new_email {
        check_email_domain(organisation, &updated)?;
    }
    check_unique(directory, &updated)?;

    if let Some(account_id) = updated.account_id.clone() {
        if old_email != new_email {
            organisation.change_account_email(&account_id, updated.primary_email());
        }
        if existing.active() != updated.active() {
            organisation.set_account_active(&account_id, updated.active(), directory.id);
        }
    }
    if existing.active() != updated.active() {
        let action = if updated.active() { "user_reactivated" } else { "user_deactivated" };
        organisation.audit.record(action, Some(directory.id), json!({"userId": id, "userName": updated.user_name()}));
    }

    directory.put_user(updated);
    Ok(())
}

/// Rejects a primary email on a domain the organisation has not verified,
/// unless the organisation allows external users.
fn check_email_domain(organisation: &Organisation, user: &UserRecord) -> Result<(), ScimError> {
    let email = user.primary_email();
    let domain = crate::model::email_domain(email).unwrap_or_default();
    if organisation.accepts_domain(domain) {
        return Ok(());
    }
    Err(ScimError::invalid_value(format!(
        "The email domain [{domain}] of \"{email}\" is not verified for this organisation. Verify the domain in Atlassian Administration, use an address on a verified domain, or allow external users."
    )))
}

/// Rejects a `userName` or primary email that another user of the directory
/// has, ignoring case.
fn check_unique(directory: &Directory, user: &UserRecord) -> Result<(), ScimError> {
    let user_name = user.user_name();
    if directory
        .user_id_by_name(user_name)
        .is_some_and(|owner| owner != user.id)
    {
        return Err(duplicate_user_name(user_name));
    }

    let email = user.primary_email();
    if directory
        .user_id_by_email(email)
        .is_some_and(|owner| owner != user.id)
    {
        return Err(ScimError::uniqueness(format!(
            "Resource [USER]: with email[{email}] already exists."
        )));
    }
    Ok(())
}
