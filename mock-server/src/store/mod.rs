//! The mock's whole state: organisations, their directories and accounts.
//!
//! One [`parking_lot::RwLock`] guards everything. Reads (GET, list) share
//! it, and every write takes it exclusively for the few microseconds a
//! change needs. That makes each request atomic with respect to every
//! other, which is what lets 50 concurrent creates of one `userName` yield
//! exactly one winner, and 50 concurrent member adds all land.

mod accounts;
mod directory;
pub(crate) mod groups;
mod organisation;
mod snapshot;
mod text_index;
pub(crate) mod users;

use std::collections::HashMap;

use parking_lot::RwLock;
use uuid::Uuid;

pub use accounts::Account;
pub use directory::Directory;
pub use organisation::{Organisation, SiteGroup};
pub(crate) use snapshot::WorldSnapshot;

/// The whole state of the mock, behind one lock.
#[derive(Debug, Default)]
pub struct Store {
    /// In an `Arc` so that a read guard can move to another thread, which
    /// the start-state snapshot needs.
    world: std::sync::Arc<RwLock<World>>,
}

impl Store {
    /// Wraps a world in a lock.
    pub fn new(world: World) -> Self {
        Store {
            world: std::sync::Arc::new(RwLock::new(world)),
        }
    }

    /// Takes the shared lock, for requests that only read.
    pub fn read(&self) -> parking_lot::RwLockReadGuard<'_, World> {
        self.world.read()
    }

    /// Takes the shared lock with a guard that may move to another thread.
    pub(crate) fn read_arc(&self) -> parking_lot::ArcRwLockReadGuard<parking_lot::RawRwLock, World> {
        self.world.read_arc()
    }

    /// Takes the exclusive lock, for requests that change state.
    pub fn write(&self) -> parking_lot::RwLockWriteGuard<'_, World> {
        self.world.write()
    }
}

/// The organisations and directories, with lookups by id and API key.
#[derive(Debug, Default)]
pub struct World {
    pub organisations: HashMap<Uuid, Organisation>,
    pub directories: HashMap<Uuid, Directory>,
}

impl World {
    /// Adds an organisation. Its directories are added with [`World::add_directory`].
    pub fn add_organisation(&mut self, organisation: Organisation) {
        self.organisations.insert(organisation.id, organisation);
    }

    /// Adds a directory to an existing organisation.
    ///
    /// Returns `false` when the organisation does not exist.
    pub fn add_directory(&mut self, directory: Directory) -> bool {
        let Some(organisation) = self.organisations.get_mut(&directory.org_id) else {
            return false;
        };
        organisation.directory_ids.push(directory.id);
        self.directories.insert(directory.id, directory);
        true
    }

    /// Finds the directory whose API key is `key`.
    pub fn directory_by_key(&self, key: &str) -> Option<&Directory> {
        self.directories.values().find(|directory| directory.api_key == key)
    }

    /// Borrows a directory and its organisation mutably at once, as most
    /// writes touch both (accounts and the audit log live on the organisation).
    pub fn directory_and_organisation_mut(&mut self, directory_id: Uuid) -> Option<(&mut Directory, &mut Organisation)> {
        let directory = self.directories.get_mut(&directory_id)?;
        let organisation = self.organisations.get_mut(&directory.org_id)?;
        Some((directory, organisation))
    }

    /// Returns whether any directory of `org_id` other than `except` has a
    /// group with this name, ignoring case.
    pub fn other_directory_has_group(&self, org_id: Uuid, except: Uuid, name_key: &str) -> bool {
        self.directories
            .values()
            .filter(|directory| directory.org_id == org_id && directory.id != except)
            .any(|directory| directory.group_id_by_name(name_key).is_some())
    }
}

/// Folds a name for case-insensitive comparison.
///
/// Each character is lowercased on its own, and the final sigma `ς` becomes
/// `σ`, as Unicode case folding does, so `Σ`, `σ` and `ς` are all equal.
/// `str::to_lowercase` would instead pick the sigma from the context.
/// `TextIndex` compares the same way.
pub(crate) fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    text.chars().flat_map(char::to_lowercase).map(fold_final_sigma).collect()
}

/// Maps the final sigma to the ordinary small sigma.
pub(crate) fn fold_final_sigma(character: char) -> char {
    match character {
        'ς' => 'σ',
        other => other,
    }
}
