//! The operations behind the control routes, shared with the Rust methods
//! of [`crate::MockServer`], so both check and do exactly the same.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::reply::ControlError;
use crate::app::App;
use crate::model::AuditEvent;
use crate::seed::{generate_key, DEFAULT_SITE};
use crate::state::{self, State, StateError, StateFileError};
use crate::store::{fold, Directory, Organisation, SiteGroup, World};

/// A directory created through the control API. Its key is shown only
/// here, as Atlassian shows a new directory's key once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedDirectory {
    pub id: Uuid,
    pub org_id: Uuid,
    pub name: String,
    pub api_key: String,
    pub base_url: String,
}

/// A directory as listed, without its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryInfo {
    pub id: Uuid,
    pub org_id: Uuid,
    pub name: String,
    pub base_url: String,
    pub users: usize,
    pub groups: usize,
}

/// The request to create a directory; the id and key are generated unless
/// given, which lets a test fix them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewDirectory {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub id: Option<Uuid>,
    #[serde(default)]
    pub api_key: Option<String>,
}

/// Path and size of a saved state file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedState {
    pub path: PathBuf,
    pub bytes: u64,
}

fn organisation_mut(world: &mut World, org_id: Uuid) -> Result<&mut Organisation, ControlError> {
    world
        .organisations
        .get_mut(&org_id)
        .ok_or_else(|| ControlError::not_found(format!("Organisation {org_id} does not exist: check the orgId parameter.")))
}

/// Returns the organisation `orgId` names, or the default one.
pub(crate) fn resolve_organisation(app: &App, org_id: Option<&str>) -> Result<Uuid, ControlError> {
    let Some(text) = org_id else {
        return Ok(app.defaults().org_id);
    };
    let id = Uuid::parse_str(text)
        .map_err(|_| ControlError::bad_request(format!("Parameter orgId {text:?} is not a UUID: send an organisation id.")))?;
    if !app.store.read().organisations.contains_key(&id) {
        return Err(ControlError::not_found(format!("Organisation {id} does not exist: check the orgId parameter.")));
    }
    Ok(id)
}

pub(crate) fn list_directories(app: &App, org_id: Uuid) -> Vec<DirectoryInfo> {
    let world = app.store.read();
    let Some(organisation) = world.organisations.get(&org_id) else {
        return Vec::new();
    };
    organisation
        .directory_ids
        .iter()
        .filter_map(|id| world.directories.get(id))
        .map(|directory| DirectoryInfo {
            id: directory.id,
            org_id,
            name: directory.name.clone(),
            base_url: app.directory_base(directory.id),
            users: directory.user_count(),
            groups: directory.group_count(),
        })
        .collect()
}

pub(crate) fn create_directory(app: &App, org_id: Uuid, request: NewDirectory) -> Result<CreatedDirectory, ControlError> {
    if request.api_key.as_deref().is_some_and(|key| key.trim().is_empty() || key.contains(char::is_whitespace)) {
        return Err(ControlError::bad_request("apiKey must be non-empty and without spaces: send a key such as \"okta-key\", or leave it out to generate one."));
    }
    let mut world = app.store.write();
    let id = request.id.unwrap_or_else(Uuid::new_v4);
    if world.directories.contains_key(&id) {
        return Err(ControlError::conflict(format!("Directory {id} already exists: leave out \"id\" to generate one.")));
    }
    let count = organisation_mut(&mut world, org_id)?.directory_ids.len();
    let name = request
        .name
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| format!("Directory {}", count + 1));
    let api_key = request.api_key.unwrap_or_else(generate_key);

    world.add_directory(Directory::new(id, org_id, name.clone(), api_key.clone()));
    organisation_mut(&mut world, org_id)?
        .audit
        .record("directory_created", Some(id), json!({"directoryId": id, "name": name}));
    tracing::info!(directory_id = %id, %org_id, "directory created through the control API");
    Ok(CreatedDirectory {
        id,
        org_id,
        name,
        api_key,
        base_url: app.directory_base(id),
    })
}

/// Replaces a directory's key; the old key fails from the next request on.
pub(crate) fn regenerate_key(app: &App, directory_id: Uuid) -> Result<String, ControlError> {
    let mut world = app.store.write();
    let (directory, organisation) = world
        .directory_and_organisation_mut(directory_id)
        .ok_or_else(|| ControlError::not_found(format!("Directory {directory_id} does not exist: list directories to find its id.")))?;
    directory.api_key = generate_key();
    organisation
        .audit
        .record("directory_api_key_regenerated", Some(directory_id), json!({"directoryId": directory_id}));
    tracing::info!(%directory_id, "directory API key regenerated");
    Ok(directory.api_key.clone())
}

fn check_domain(domain: &str) -> Result<String, ControlError> {
    let domain = domain.trim();
    let valid = !domain.is_empty()
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains(|character: char| character.is_whitespace() || matches!(character, '@' | '/'));
    if !valid {
        return Err(ControlError::bad_request(format!(
            "Invalid domain {domain:?}: send a domain name such as \"example.org\", without '@' or spaces."
        )));
    }
    Ok(fold(domain))
}

pub(crate) fn verified_domains(app: &App, org_id: Uuid) -> Vec<String> {
    let world = app.store.read();
    world
        .organisations
        .get(&org_id)
        .map(|organisation| organisation.verified_domains.iter().cloned().collect())
        .unwrap_or_default()
}

/// Verifies a domain; returns whether it was new.
pub(crate) fn verify_domain(app: &App, org_id: Uuid, domain: &str) -> Result<bool, ControlError> {
    let domain = check_domain(domain)?;
    let mut world = app.store.write();
    Ok(organisation_mut(&mut world, org_id)?.verified_domains.insert(domain))
}

/// Removes a verified domain; returns whether it was verified. Existing
/// users keep their emails; only later creates and email changes fail.
pub(crate) fn unverify_domain(app: &App, org_id: Uuid, domain: &str) -> Result<bool, ControlError> {
    let mut world = app.store.write();
    Ok(organisation_mut(&mut world, org_id)?.verified_domains.remove(&fold(domain.trim())))
}

pub(crate) fn org_groups(app: &App, org_id: Uuid) -> Vec<String> {
    let world = app.store.read();
    world
        .organisations
        .get(&org_id)
        .map(|organisation| organisation.org_groups.values().cloned().collect())
        .unwrap_or_default()
}

fn check_group_name(name: &str) -> Result<(), ControlError> {
    if name.trim().is_empty() || name.chars().any(char::is_control) {
        return Err(ControlError::bad_request(format!(
            "Invalid group name {name:?}: send a non-blank name without control characters."
        )));
    }
    Ok(())
}

/// Adds an organisation group name; returns whether it was new.
pub(crate) fn add_org_group(app: &App, org_id: Uuid, name: &str) -> Result<bool, ControlError> {
    check_group_name(name)?;
    let mut world = app.store.write();
    let organisation = organisation_mut(&mut world, org_id)?;
    Ok(organisation.org_groups.insert(fold(name), name.to_owned()).is_none())
}

/// Removes an organisation group name, ignoring case; returns whether it existed.
pub(crate) fn remove_org_group(app: &App, org_id: Uuid, name: &str) -> Result<bool, ControlError> {
    let mut world = app.store.write();
    Ok(organisation_mut(&mut world, org_id)?.org_groups.remove(&fold(name)).is_some())
}

pub(crate) fn site_groups(app: &App, org_id: Uuid) -> Vec<SiteGroup> {
    let world = app.store.read();
    world
        .organisations
        .get(&org_id)
        .map(|organisation| organisation.site_groups.clone())
        .unwrap_or_default()
}

/// Adds a site group (on the default site when `site` is `None`); returns
/// whether it was new.
pub(crate) fn add_site_group(app: &App, org_id: Uuid, name: &str, site: Option<&str>) -> Result<bool, ControlError> {
    check_group_name(name)?;
    let site = site.map(str::trim).filter(|site| !site.is_empty()).unwrap_or(DEFAULT_SITE);
    let mut world = app.store.write();
    let organisation = organisation_mut(&mut world, org_id)?;
    let exists = organisation
        .site_groups
        .iter()
        .any(|group| fold(&group.name) == fold(name) && group.site.eq_ignore_ascii_case(site));
    if !exists {
        organisation.site_groups.push(SiteGroup {
            name: name.trim().to_owned(),
            site: site.to_owned(),
        });
    }
    Ok(!exists)
}

/// Removes the site groups of this name, ignoring case, on `site` or on
/// every site; returns how many were removed.
pub(crate) fn remove_site_group(app: &App, org_id: Uuid, name: &str, site: Option<&str>) -> Result<usize, ControlError> {
    let mut world = app.store.write();
    let organisation = organisation_mut(&mut world, org_id)?;
    let before = organisation.site_groups.len();
    organisation.site_groups.retain(|group| {
        let same_name = fold(&group.name) == fold(name);
        let same_site = match site {
            Some(site) => group.site.eq_ignore_ascii_case(site),
            None => true,
        };
        !(same_name && same_site)
    });
    Ok(before - organisation.site_groups.len())
}

pub(crate) fn audit_events(app: &App, org_id: Uuid) -> Vec<AuditEvent> {
    let world = app.store.read();
    world
        .organisations
        .get(&org_id)
        .map(|organisation| organisation.audit.events().cloned().collect())
        .unwrap_or_default()
}

/// Restores the state, defaults and fault rules the server started with,
/// with fault counters at zero, and empties the journal.
pub(crate) fn reset(app: &App) {
    let world = app.initial.world.wait().restore();
    *app.store.write() = world;
    *app.defaults.write() = app.initial.defaults;
    app.faults.replace(&app.initial.faults);
    app.journal.clear();
    tracing::info!("state, fault rules and journal reset to their start values");
}

pub(crate) fn export_state(app: &App) -> State {
    let world = app.store.read();
    state::export(&world, app.defaults())
}

/// Replaces the whole state; nothing changes when the state is invalid.
pub(crate) fn import_state(app: &App, imported: &State) -> Result<(), StateError> {
    let (world, defaults) = state::import(imported)?;
    let mut store = app.store.write();
    *store = world;
    *app.defaults.write() = defaults;
    drop(store);
    tracing::info!(organisations = imported.organisations.len(), "state imported");
    Ok(())
}

/// Writes the state to the `--state-file`, atomically.
pub(crate) async fn save_state(app: &App) -> Result<SavedState, StateFileError> {
    let Some(file) = &app.state_file else {
        return Err(StateFileError::NotConfigured);
    };
    let _guard = file.save_lock.lock().await;
    let snapshot = export_state(app);
    let path = file.path.clone();
    let target = path.clone();
    let bytes = tokio::task::spawn_blocking(move || state::save(&target, &snapshot))
        .await
        .map_err(|error| StateFileError::Write {
            path: path.display().to_string(),
            source: std::io::Error::other(error.to_string()),
        })??;
    tracing::info!(path = %path.display(), bytes, "state saved");
    Ok(SavedState { path, bytes })
}
