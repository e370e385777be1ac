//! Seed files: organisations, directories, users and groups to load at start.
//!
//! Two shapes are accepted. The full shape lists organisations with their
//! directories; the short shape has only `users` and `groups`, loaded into
//! the server's default directory. Users and groups go through the same
//! checks as POST requests, so a seed cannot hold a state the API could not
//! reach. `fixtures/seeds/README.md` documents the format with examples.

use std::path::Path;

use indexmap::IndexSet;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::settings::Behaviour;
use crate::store::groups::insert_group;
use crate::model::UserAttributes;
use crate::store::users::{insert_user, prepare_user};
use crate::store::{Directory, Organisation, SiteGroup, World};

/// A parsed seed file.
///
/// `U` is how a user entry is held until it is loaded: parsed into a map by
/// default, or as JSON text borrowed from the file when the server reads a
/// seed file itself. The text form keeps only the users being checked in
/// parsed form at any one time.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Seed<U = Map<String, Value>> {
    #[serde(default = "Vec::new")]
    pub organizations: Vec<SeedOrganisation<U>>,
    /// Users for the default directory (short shape).
    #[serde(default = "Vec::new")]
    pub users: Vec<U>,
    /// Groups for the default directory (short shape).
    #[serde(default)]
    pub groups: Vec<SeedGroup>,
}

/// An organisation of the full shape.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedOrganisation<U = Map<String, Value>> {
    pub id: Option<Uuid>,
    pub api_key: Option<String>,
    #[serde(default)]
    pub verified_domains: Vec<String>,
    #[serde(default)]
    pub org_groups: Vec<String>,
    pub site_groups: Option<Vec<SiteGroup>>,
    pub allow_external_users: Option<bool>,
    pub user_limit: Option<usize>,
    #[serde(default = "Vec::new")]
    pub directories: Vec<SeedDirectory<U>>,
}

/// A directory of the full shape.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedDirectory<U = Map<String, Value>> {
    pub id: Option<Uuid>,
    pub name: Option<String>,
    pub api_key: Option<String>,
    #[serde(default = "Vec::new")]
    pub users: Vec<U>,
    #[serde(default)]
    pub groups: Vec<SeedGroup>,
}

/// A group; `members` are user ids or `userName`s of the same directory.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedGroup {
    pub id: Option<Uuid>,
    pub display_name: String,
    pub external_id: Option<String>,
    #[serde(default)]
    pub members: Vec<String>,
}

/// A seed that could not be loaded, with a message naming the file and entry.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("failed to read seed file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("seed file {path} is not valid: {source}")]
    Parse { path: String, source: serde_json::Error },
    #[error("seed entry {entry} was rejected: {detail}")]
    Entry { entry: String, detail: String },
}

impl Seed {
    /// Reads and parses a seed file.
    pub fn from_file(path: &Path) -> Result<Seed, SeedError> {
        let shown = path.display().to_string();
        let text = std::fs::read(path).map_err(|source| SeedError::Read { path: shown.clone(), source })?;
        serde_json::from_slice(&text).map_err(|source| SeedError::Parse { path: shown, source })
    }
}

/// Token length of generated API keys: long enough that guessing one is
/// hopeless, in the URL-safe alphabet Atlassian keys use.
const KEY_LENGTH: usize = 48;

/// Makes a fresh random API key.
pub fn generate_key() -> String {
    use rand::distributions::Alphanumeric;
    use rand::Rng;
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(KEY_LENGTH)
        .map(char::from)
        .collect()
}

/// A user entry of a seed, turned into attributes when it is loaded.
pub(crate) trait SeedUser {
    fn into_fields(self) -> Result<Map<String, Value>, String>;
}

impl SeedUser for Map<String, Value> {
    fn into_fields(self) -> Result<Map<String, Value>, String> {
        Ok(self)
    }
}

impl SeedUser for &RawValue {
    fn into_fields(self) -> Result<Map<String, Value>, String> {
        // The file parsed as JSON, so the only possible error is an entry
        // that is not an object. serde_json's message would give a line
        // and column within the entry, not within the file.
        serde_json::from_str(self.get()).map_err(|_| {
            let text = self.get();
            let preview: String = text.chars().take(40).collect();
            let ellipsis = if preview.len() < text.len() { "..." } else { "" };
            format!("a user must be a JSON object of attributes, got {preview}{ellipsis}")
        })
    }
}

/// Reads a seed file and adds its contents to `world`, as [`load_owned`]
/// does.
///
/// Users stay JSON text borrowed from the file until each is stored.
/// Parsing all 20,000 users of a large seed into maps first took about
/// 100 MB at the peak, which the allocator kept after the load.
pub(crate) fn load_file(world: &mut World, path: &Path, default_directory: Uuid, defaults: &Behaviour) -> Result<(), SeedError> {
    let shown = path.display().to_string();
    let text = std::fs::read(path).map_err(|source| SeedError::Read { path: shown.clone(), source })?;
    let seed: Seed<&RawValue> = serde_json::from_slice(&text).map_err(|source| SeedError::Parse { path: shown, source })?;
    load_owned(world, seed, default_directory, defaults)
}

/// Adds the seed's organisations to `world`, and its short-shape users and
/// groups to `default_directory`. It works on a copy of the seed, as
/// [`load_owned`] consumes it.
pub(crate) fn load(world: &mut World, seed: &Seed, default_directory: Uuid, defaults: &Behaviour) -> Result<(), SeedError> {
    load_owned(world, seed.clone(), default_directory, defaults)
}

/// Adds the seed's organisations to `world`, and its short-shape users and
/// groups to `default_directory`.
///
/// Each user's parsed JSON is dropped as soon as the user is stored, so the
/// store's allocations reuse that memory. Dropping the whole seed only at
/// the end left the allocator holding both: about 230 instead of 135 MiB
/// resident after loading 20,000 generated users (measured with `scim-bench`).
pub(crate) fn load_owned<U: SeedUser + Send>(
    world: &mut World,
    seed: Seed<U>,
    default_directory: Uuid,
    defaults: &Behaviour,
) -> Result<(), SeedError> {
    load_resources(world, default_directory, seed.users, seed.groups, "default directory")?;

    for (org_index, entry) in seed.organizations.into_iter().enumerate() {
        let mut behaviour = defaults.clone();
        if let Some(allow) = entry.allow_external_users {
            behaviour.allow_external_users = allow;
        }
        if let Some(limit) = entry.user_limit {
            behaviour.user_limit = limit;
        }
        let mut organisation = Organisation::new(
            entry.id.unwrap_or_else(Uuid::new_v4),
            entry.api_key.clone().unwrap_or_else(generate_key),
            behaviour,
        );
        if world.organisations.contains_key(&organisation.id) {
            return Err(SeedError::Entry {
                entry: format!("organizations[{org_index}]"),
                detail: format!("organisation id {} is used twice", organisation.id),
            });
        }
        for domain in &entry.verified_domains {
            organisation.verify_domain(domain);
        }
        for name in &entry.org_groups {
            organisation.add_org_group(name);
        }
        organisation.site_groups = entry.site_groups.clone().unwrap_or_else(default_site_groups);
        let org_id = organisation.id;
        world.add_organisation(organisation);

        for (directory_index, directory_entry) in entry.directories.into_iter().enumerate() {
            let label = format!("organizations[{org_index}].directories[{directory_index}]");
            let directory = Directory::new(
                directory_entry.id.unwrap_or_else(Uuid::new_v4),
                org_id,
                directory_entry.name.clone().unwrap_or_else(|| format!("Directory {}", directory_index + 1)),
                directory_entry.api_key.clone().unwrap_or_else(generate_key),
            );
            let directory_id = directory.id;
            if world.directories.contains_key(&directory_id) {
                return Err(SeedError::Entry {
                    entry: label,
                    detail: format!("directory id {directory_id} is used twice"),
                });
            }
            world.add_directory(directory);
            load_resources(world, directory_id, directory_entry.users, directory_entry.groups, &label)?;
        }
    }
    Ok(())
}

fn load_resources<U: SeedUser + Send>(
    world: &mut World,
    directory_id: Uuid,
    users: Vec<U>,
    groups: Vec<SeedGroup>,
    label: &str,
) -> Result<(), SeedError> {
    if let Some(directory) = world.directories.get_mut(&directory_id) {
        directory.reserve_users(users.len());
    }
    // Stops at the first entry that fails, checked or inserted, in order.
    for (index, prepared) in prepare_users(users).into_iter().enumerate() {
        let entry_error = |detail| SeedError::Entry {
            entry: format!("{label}: users[{index}]"),
            detail,
        };
        let (id, attributes) = prepared.map_err(entry_error)?;
        insert_user(world, directory_id, id, attributes).map_err(|error| entry_error(error.detail))?;
    }

    for (index, group) in groups.into_iter().enumerate() {
        let entry = || format!("{label}: groups[{index}] ({:?})", group.display_name);
        let directory = world.directories.get(&directory_id).ok_or_else(|| SeedError::Entry {
            entry: entry(),
            detail: "the directory does not exist".to_owned(),
        })?;
        let mut members = IndexSet::with_capacity(group.members.len());
        for member in &group.members {
            let user_id = Uuid::parse_str(member)
                .ok()
                .filter(|id| directory.user(id).is_some())
                .or_else(|| directory.user_id_by_name(member))
                .ok_or_else(|| SeedError::Entry {
                    entry: entry(),
                    detail: format!("member {member:?} is neither a user id nor a userName of this directory"),
                })?;
            members.insert(user_id);
        }

        // Members are passed as ids, not as a JSON body: for a group of
        // 20,000 the JSON took more memory than the whole group.
        let id = group.id.unwrap_or_else(Uuid::new_v4);
        let display_name = group.display_name.clone();
        let external_id = group.external_id.clone();
        insert_group(world, directory_id, id, display_name, external_id, |_| Ok(members)).map_err(|error| {
            SeedError::Entry {
                entry: entry(),
                detail: error.detail,
            }
        })?;
    }
    Ok(())
}

/// Seeds with fewer users are checked on the calling thread, because
/// starting threads would cost more than it saves.
const PARALLEL_FROM_USERS: usize = 1_000;

/// Parses and checks seed users, in order, on every available core.
///
/// Parsing and normalising each user is independent of the others and was
/// about half of the start with a 20,000-user seed, so it is spread over
/// threads. Inserting stays sequential, since it needs the whole store.
fn prepare_users<U: SeedUser + Send>(users: Vec<U>) -> Vec<Result<(Uuid, UserAttributes), String>> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    if threads == 1 || users.len() < PARALLEL_FROM_USERS {
        return users.into_iter().map(prepare_seed_user).collect();
    }

    let chunk_size = users.len().div_ceil(threads);
    let mut chunks: Vec<Vec<U>> = Vec::with_capacity(threads);
    let mut remaining = users.into_iter();
    loop {
        let chunk: Vec<U> = remaining.by_ref().take(chunk_size).collect();
        if chunk.is_empty() {
            break;
        }
        chunks.push(chunk);
    }

    std::thread::scope(|scope| {
        let workers: Vec<_> = chunks
            .into_iter()
            .map(|chunk| scope.spawn(move || chunk.into_iter().map(prepare_seed_user).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}

/// Parses one seed user and checks its attributes. The `id` comes from the
/// entry when it is a UUID, and is new otherwise.
fn prepare_seed_user<U: SeedUser>(user: U) -> Result<(Uuid, UserAttributes), String> {
    let fields = user.into_fields()?;
    let id = fields
        .get("id")
        .and_then(Value::as_str)
        .and_then(|text| Uuid::parse_str(text).ok())
        .unwrap_or_else(Uuid::new_v4);
    let attributes = prepare_user(&fields).map_err(|error| error.detail)?;
    Ok((id, attributes))
}

/// The site the default site groups belong to.
pub const DEFAULT_SITE: &str = "mock-site.atlassian.net";

/// Group names every Atlassian product site starts with.
pub const DEFAULT_SITE_GROUP_NAMES: &[&str] = &[
    "site-admins",
    "administrators",
    "confluence-users",
    "confluence-administrators",
    "jira-users",
    "jira-administrators",
    "jira-software-users",
    "jira-servicemanagement-users",
    "jira-servicemanagement-customers",
    "trusted-users",
];

/// Returns [`DEFAULT_SITE_GROUP_NAMES`] on [`DEFAULT_SITE`].
pub fn default_site_groups() -> Vec<SiteGroup> {
    DEFAULT_SITE_GROUP_NAMES
        .iter()
        .map(|name| SiteGroup {
            name: (*name).to_owned(),
            site: DEFAULT_SITE.to_owned(),
        })
        .collect()
}

/// Generates a short-shape seed of `users` users on `domain`, spread
/// round-robin over `groups` groups. The output is deterministic, so two
/// runs give the same file.
pub fn generate(users: usize, groups: usize, domain: &str) -> Value {
    const GIVEN: &[&str] = &["Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Linus", "Radia", "Donald"];
    const FAMILY: &[&str] = &["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Hamilton", "Torvalds", "Perlman", "Knuth"];
    const DEPARTMENTS: &[&str] = &["Engineering", "Sales", "Support", "Finance", "Legal"];

    let mut members: Vec<Vec<Value>> = vec![Vec::new(); groups];
    let user_values: Vec<Value> = (0..users)
        .map(|index| {
            let given = GIVEN[index % GIVEN.len()];
            let family = FAMILY[(index / GIVEN.len()) % FAMILY.len()];
            let user_name = format!("{}.{}.{index:05}@{domain}", given.to_lowercase(), family.to_lowercase());
            if groups > 0 {
                members[index % groups].push(Value::String(user_name.clone()));
            }
            serde_json::json!({
                "userName": user_name,
                "externalId": format!("ext-{index:05}"),
                "name": {"givenName": given, "familyName": family, "formatted": format!("{given} {family}")},
                "displayName": format!("{given} {family}"),
                "title": "Engineer",
                "emails": [{"value": user_name, "type": "work", "primary": true}],
                "phoneNumbers": [{"value": format!("+1 555 {index:07}"), "type": "work", "primary": true}],
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                    "department": DEPARTMENTS[index % DEPARTMENTS.len()],
                    "organization": "Example Corp"
                },
                "active": true
            })
        })
        .collect();

    let group_values: Vec<Value> = members
        .into_iter()
        .enumerate()
        .map(|(index, members)| {
            serde_json::json!({
                "displayName": format!("generated-group-{index:03}"),
                "externalId": format!("ext-group-{index:03}"),
                "members": members
            })
        })
        .collect();

    serde_json::json!({"users": user_values, "groups": group_values})
}
