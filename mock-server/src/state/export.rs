//! Turns the live store into a [`State`].

use uuid::Uuid;

use super::format::{
    AttributesJson, AuditEventState, DirectoryState, GroupState, OrganisationState, SettingsState, State, UserState, STATE_FORMAT, STATE_VERSION,
};
use crate::app::Defaults;
use crate::clock;
use crate::store::{Directory, Organisation, World};

/// Exports `world`; the default organisation comes first, the others by id.
pub(crate) fn export(world: &World, defaults: Defaults) -> State {
    let mut organisations: Vec<&Organisation> = world.organisations.values().collect();
    organisations.sort_by_key(|organisation| (organisation.id != defaults.org_id, organisation.id));
    State {
        format: STATE_FORMAT.to_owned(),
        version: STATE_VERSION,
        saved_at: clock::now(),
        default_organisation_id: defaults.org_id,
        default_directory_id: defaults.directory_id,
        organisations: organisations
            .into_iter()
            .map(|organisation| export_organisation(world, organisation))
            .collect(),
    }
}

fn export_organisation(world: &World, organisation: &Organisation) -> OrganisationState {
    let behaviour = &organisation.behaviour;
    let mut accounts: Vec<_> = organisation.accounts.values().map(|account| crate::store::Account::clone(account)).collect();
    accounts.sort_by(|left, right| left.id.cmp(&right.id));

    OrganisationState {
        id: organisation.id,
        api_key: organisation.api_key.clone(),
        settings: SettingsState {
            allow_external_users: behaviour.allow_external_users,
            user_limit: behaviour.user_limit,
            max_page_size: behaviour.max_page_size,
            max_body_bytes: behaviour.max_body_bytes,
            strict_content_type: behaviour.strict_content_type,
            max_audit_events: behaviour.max_audit_events,
        },
        verified_domains: organisation.verified_domains.iter().cloned().collect(),
        org_groups: organisation.org_groups.values().cloned().collect(),
        site_groups: organisation.site_groups.clone(),
        accounts,
        audit: organisation
            .audit
            .events()
            .map(|event| AuditEventState {
                id: event.id,
                time: event.time,
                action: event.action.clone(),
                directory_id: event.directory_id,
                details: event.details(),
            })
            .collect(),
        directories: organisation
            .directory_ids
            .iter()
            .filter_map(|id: &Uuid| world.directories.get(id))
            .map(export_directory)
            .collect(),
    }
}

fn export_directory(directory: &Directory) -> DirectoryState {
    DirectoryState {
        id: directory.id,
        name: directory.name.clone(),
        api_key: directory.api_key.clone(),
        users: directory
            .users()
            .map(|user| UserState {
                id: user.id,
                sequence: user.seq,
                account_id: user.account_id.clone(),
                groups: user.groups.clone(),
                created: user.created,
                last_modified: user.last_modified,
                attributes: AttributesJson::from_trusted(user.attributes.json()),
            })
            .collect(),
        groups: directory
            .groups()
            .map(|group| GroupState {
                id: group.id,
                sequence: group.seq,
                display_name: group.display_name.clone(),
                external_id: group.external_id.clone(),
                members: group.members.iter().copied().collect(),
                created: group.created,
                last_modified: group.last_modified,
            })
            .collect(),
    }
}
