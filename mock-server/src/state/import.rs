//! Turns a [`State`] back into a store, checking every invariant the API
//! maintains, so a hand-edited or damaged state is rejected with the entry
//! at fault instead of serving inconsistent data.

use std::collections::{HashMap, HashSet};

use indexmap::IndexSet;
use uuid::Uuid;

use super::format::{DirectoryState, OrganisationState, State, STATE_FORMAT, STATE_VERSION};
use super::StateError;
use crate::app::Defaults;
use crate::model::{AuditEvent, GroupRecord, UserAttributes, UserRecord};
use crate::settings::Behaviour;
use crate::store::{fold, Directory, Organisation, World};

fn invalid(entry: impl Into<String>, detail: impl Into<String>) -> StateError {
    StateError::Invalid {
        entry: entry.into(),
        detail: detail.into(),
    }
}

/// Rebuilds the store of `state` and the default organisation and directory.
pub(crate) fn import(state: &State) -> Result<(World, Defaults), StateError> {
    if state.format != STATE_FORMAT {
        return Err(invalid(
            "format",
            format!("expected \"{STATE_FORMAT}\", got {:?}: this is not a scim-mock state", state.format),
        ));
    }
    if state.version != STATE_VERSION {
        return Err(invalid(
            "version",
            format!("this build reads version {STATE_VERSION}, got {}: use the scim-mock that wrote it", state.version),
        ));
    }

    let mut world = World::default();
    for (index, organisation) in state.organisations.iter().enumerate() {
        import_organisation(&mut world, organisation, &format!("organisations[{index}]"))?;
    }

    let defaults = Defaults {
        org_id: state.default_organisation_id,
        directory_id: state.default_directory_id,
    };
    if !world.organisations.contains_key(&defaults.org_id) {
        return Err(invalid(
            "defaultOrganisationId",
            format!("organisation {} is not in the state", defaults.org_id),
        ));
    }
    match world.directories.get(&defaults.directory_id) {
        Some(directory) if directory.org_id == defaults.org_id => {}
        Some(_) => {
            return Err(invalid(
                "defaultDirectoryId",
                format!("directory {} belongs to another organisation than the default one", defaults.directory_id),
            ))
        }
        None => {
            return Err(invalid(
                "defaultDirectoryId",
                format!("directory {} is not in the state", defaults.directory_id),
            ))
        }
    }
    Ok((world, defaults))
}

fn import_organisation(world: &mut World, state: &OrganisationState, label: &str) -> Result<(), StateError> {
    if world.organisations.contains_key(&state.id) {
        return Err(invalid(format!("{label}.id"), format!("organisation id {} is used twice", state.id)));
    }
    if state.api_key.trim().is_empty() {
        return Err(invalid(format!("{label}.apiKey"), "the org API key is empty"));
    }

    let settings = &state.settings;
    let behaviour = Behaviour {
        allow_external_users: settings.allow_external_users,
        user_limit: settings.user_limit,
        max_page_size: settings.max_page_size.max(1),
        max_body_bytes: settings.max_body_bytes,
        strict_content_type: settings.strict_content_type,
        max_audit_events: settings.max_audit_events,
    };
    let mut organisation = Organisation::new(state.id, state.api_key.clone(), behaviour);
    for domain in &state.verified_domains {
        organisation.verify_domain(domain);
    }
    for name in &state.org_groups {
        organisation.add_org_group(name);
    }
    organisation.site_groups = state.site_groups.clone();

    for (index, account) in state.accounts.iter().enumerate() {
        let entry = format!("{label}.accounts[{index}]");
        if account.id.is_empty() || organisation.accounts.contains_key(&account.id) {
            return Err(invalid(entry, format!("account id {:?} is empty or used twice", account.id)));
        }
        let email_key = fold(&account.email);
        if organisation.account_by_email.contains_key(&email_key) {
            return Err(invalid(entry, format!("email {:?} belongs to two accounts", account.email)));
        }
        organisation.account_by_email.insert(email_key, account.id.clone());
        organisation.accounts.insert(account.id.clone(), std::sync::Arc::new(account.clone()));
    }

    for event in &state.audit {
        organisation.audit.restore(AuditEvent {
            id: event.id,
            time: event.time,
            action: event.action.clone(),
            directory_id: event.directory_id,
            details: crate::model::raw_json(&event.details),
        });
    }
    world.add_organisation(organisation);

    // Group names are unique across the organisation's directories.
    let mut group_names: HashMap<String, Uuid> = HashMap::new();
    for (index, directory) in state.directories.iter().enumerate() {
        let entry = format!("{label}.directories[{index}]");
        if world.directories.contains_key(&directory.id) {
            return Err(invalid(format!("{entry}.id"), format!("directory id {} is used twice", directory.id)));
        }
        let imported = import_directory(world, state.id, directory, &entry, &mut group_names)?;
        world.add_directory(imported);
    }
    Ok(())
}

fn import_directory(
    world: &World,
    org_id: Uuid,
    state: &DirectoryState,
    label: &str,
    group_names: &mut HashMap<String, Uuid>,
) -> Result<Directory, StateError> {
    if state.api_key.trim().is_empty() {
        return Err(invalid(format!("{label}.apiKey"), "the directory API key is empty"));
    }
    let organisation = world
        .organisations
        .get(&org_id)
        .ok_or_else(|| invalid(label, "the organisation is missing"))?;
    let mut directory = Directory::new(state.id, org_id, state.name.clone(), state.api_key.clone());
    let mut sequences = HashSet::new();

    let mut users: Vec<_> = state.users.iter().enumerate().collect();
    users.sort_by_key(|(_, user)| user.sequence);
    for (index, user) in users {
        let entry = format!("{label}.users[{index}]");
        if !sequences.insert(user.sequence) {
            return Err(invalid(entry, format!("sequence {} is used twice in this directory", user.sequence)));
        }
        if directory.user(&user.id).is_some() {
            return Err(invalid(entry, format!("user id {} is used twice", user.id)));
        }
        let fields = user
            .attributes
            .to_map()
            .map_err(|error| invalid(&entry, format!("attributes must be a JSON object: {error}")))?;
        let attributes = UserAttributes::new(fields).map_err(|error| invalid(&entry, error.detail))?;
        let record = UserRecord {
            id: user.id,
            seq: user.sequence,
            attributes,
            account_id: user.account_id.clone(),
            // Through a set, so that a group listed twice is kept once.
            groups: user.groups.iter().copied().collect::<IndexSet<_>>().into_iter().collect(),
            created: user.created,
            last_modified: user.last_modified,
        };
        if let Some(account_id) = &record.account_id {
            if !organisation.accounts.contains_key(account_id) {
                return Err(invalid(entry, format!("account {account_id} is not among the organisation's accounts")));
            }
        }
        if directory.user_id_by_name(record.user_name()).is_some() {
            return Err(invalid(entry, format!("userName {:?} is used by two users", record.user_name())));
        }
        let email = record.primary_email();
        if directory.user_id_by_email(email).is_some() {
            return Err(invalid(entry, format!("primary email {email:?} is used by two users")));
        }
        directory.put_user(record);
    }

    let mut groups: Vec<_> = state.groups.iter().enumerate().collect();
    groups.sort_by_key(|(_, group)| group.sequence);
    for (index, group) in groups {
        let entry = format!("{label}.groups[{index}]");
        if !sequences.insert(group.sequence) {
            return Err(invalid(entry, format!("sequence {} is used twice in this directory", group.sequence)));
        }
        if directory.group(&group.id).is_some() {
            return Err(invalid(entry, format!("group id {} is used twice", group.id)));
        }
        if group.display_name.trim().is_empty() {
            return Err(invalid(entry, "displayName is empty"));
        }
        if group_names.insert(fold(&group.display_name), group.id).is_some() {
            return Err(invalid(
                entry,
                format!("displayName {:?} is used by two groups of the organisation", group.display_name),
            ));
        }
        let mut members = IndexSet::new();
        for member in &group.members {
            let lists_group = directory.user(member).map(|user| user.groups.contains(&group.id));
            match lists_group {
                None => return Err(invalid(&entry, format!("member {member} is not a user of this directory"))),
                Some(false) => {
                    return Err(invalid(&entry, format!("member {member} does not list the group in its \"groups\"")))
                }
                Some(true) => members.insert(*member),
            };
        }
        directory.put_group(GroupRecord {
            id: group.id,
            seq: group.sequence,
            display_name: group.display_name.clone(),
            external_id: group.external_id.clone(),
            members,
            created: group.created,
            last_modified: group.last_modified,
        });
    }

    for (index, user) in state.users.iter().enumerate() {
        for group_id in &user.groups {
            let member = directory.group(group_id).is_some_and(|group| group.members.contains(&user.id));
            if !member {
                return Err(invalid(
                    format!("{label}.users[{index}].groups"),
                    format!("group {group_id} does not exist or does not list the user as a member"),
                ));
            }
        }
    }

    directory.restore_sequence(sequences.into_iter().max().unwrap_or(0));
    Ok(directory)
}
