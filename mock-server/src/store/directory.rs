//! A SCIM directory: its users and groups with the indexes that keep every
//! lookup O(1) and every list page O(page size).
//!
//! Creation order lives in `user_order` and `group_order`, vectors sorted by
//! sequence number. A page is a slice of them, so its cost does not grow
//! with the directory, and removing a record is a binary search plus a
//! memmove of at most a few hundred kilobytes.

use std::collections::HashMap;
use std::sync::Arc;

use uuid::Uuid;

use super::fold;
use super::text_index::{Case, TextIndex};
use crate::model::{GroupRecord, UserRecord};

/// One directory of an organisation.
#[derive(Debug, Clone)]
pub struct Directory {
    pub id: Uuid,
    pub org_id: Uuid,
    /// A label for people, such as `Okta`.
    pub name: String,
    /// The bearer key of the SCIM endpoints. Regenerating it replaces it, so
    /// the old key fails at once.
    pub api_key: String,
    /// Records sit behind `Arc` so that the copy of the start state kept
    /// for reset shares them with the live state, and a change copies only
    /// the record it touches (`Arc::make_mut`).
    users: HashMap<Uuid, Arc<UserRecord>>,
    user_order: Vec<(u64, Uuid)>,
    by_user_name: TextIndex,
    /// By primary email.
    by_email: TextIndex,
    by_external_id: TextIndex,
    groups: HashMap<Uuid, Arc<GroupRecord>>,
    group_order: Vec<(u64, Uuid)>,
    by_group_name: HashMap<String, Uuid>,
    next_seq: u64,
}

impl Directory {
    /// Creates an empty directory.
    pub fn new(id: Uuid, org_id: Uuid, name: String, api_key: String) -> Self {
        Directory {
            id,
            org_id,
            name,
            api_key,
            users: HashMap::new(),
            user_order: Vec::new(),
            by_user_name: TextIndex::new(Case::Insensitive),
            by_email: TextIndex::new(Case::Insensitive),
            by_external_id: TextIndex::new(Case::Exact),
            groups: HashMap::new(),
            group_order: Vec::new(),
            by_group_name: HashMap::new(),
            next_seq: 0,
        }
    }

    /// Returns the next creation sequence number.
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// Makes later creations number after `last`, when a saved state puts
    /// back records that already have sequence numbers.
    pub(crate) fn restore_sequence(&mut self, last: u64) {
        self.next_seq = self.next_seq.max(last);
    }

    pub fn user_count(&self) -> usize {
        self.users.len()
    }

    pub fn group_count(&self) -> usize {
        self.groups.len()
    }

    pub fn user(&self, id: &Uuid) -> Option<&UserRecord> {
        self.users.get(id).map(Arc::as_ref)
    }

    pub fn group(&self, id: &Uuid) -> Option<&GroupRecord> {
        self.groups.get(id).map(Arc::as_ref)
    }

    /// Finds a user by `userName`, ignoring case.
    pub fn user_id_by_name(&self, user_name: &str) -> Option<Uuid> {
        self.by_user_name.get(user_name, |id| self.user_key(id, UserRecord::user_name))
    }

    /// Finds a user by primary email, ignoring case.
    pub fn user_id_by_email(&self, email: &str) -> Option<Uuid> {
        self.by_email.get(email, |id| self.user_key(id, UserRecord::primary_email))
    }

    /// Finds the users with this exact `externalId`, in creation order.
    pub fn user_ids_by_external_id(&self, external_id: &str) -> impl Iterator<Item = Uuid> + '_ {
        let mut ids = self.by_external_id.get_all(external_id, |id| self.user_key(id, external_id_or_empty));
        ids.sort_by_key(|id| self.users.get(id).map(|user| user.seq));
        ids.into_iter()
    }

    /// Returns one attribute of a user, or "" for an id without a user.
    fn user_key(&self, id: &Uuid, attribute: fn(&UserRecord) -> &str) -> &str {
        user_key(&self.users, id, attribute)
    }

    /// Finds a group by `displayName`, ignoring case.
    pub fn group_id_by_name(&self, name_key: &str) -> Option<Uuid> {
        self.by_group_name.get(name_key).copied()
    }

    /// Returns user ids in creation order, from `offset`, at most `limit`.
    pub fn user_page(&self, offset: usize, limit: usize) -> impl Iterator<Item = Uuid> + '_ {
        self.user_order.iter().skip(offset).take(limit).map(|(_, id)| *id)
    }

    /// Returns group ids in creation order, from `offset`, at most `limit`.
    pub fn group_page(&self, offset: usize, limit: usize) -> impl Iterator<Item = Uuid> + '_ {
        self.group_order.iter().skip(offset).take(limit).map(|(_, id)| *id)
    }

    /// Returns every user, in creation order.
    pub fn users(&self) -> impl Iterator<Item = &UserRecord> {
        self.user_order.iter().filter_map(|(_, id)| self.user(id))
    }

    /// Returns every group, in creation order.
    pub fn groups(&self) -> impl Iterator<Item = &GroupRecord> {
        self.group_order.iter().filter_map(|(_, id)| self.group(id))
    }

    /// Makes room for `additional` more users, so that loading a large seed
    /// does not regrow the map and the indexes again and again.
    pub(crate) fn reserve_users(&mut self, additional: usize) {
        self.users.reserve(additional);
        self.user_order.reserve(additional);
        let users = &self.users;
        let key_of = |attribute: fn(&UserRecord) -> &str| move |id: &Uuid| user_key(users, id, attribute);
        self.by_user_name.reserve(additional, key_of(UserRecord::user_name));
        self.by_email.reserve(additional, key_of(UserRecord::primary_email));
        self.by_external_id.reserve(additional, key_of(external_id_or_empty));
    }

    /// Stores a new user, or replaces the one with the same id, and updates
    /// every index. The caller has checked uniqueness.
    pub(crate) fn put_user(&mut self, user: UserRecord) {
        let (id, seq) = (user.id, user.seq);
        // The record goes in first, because the indexes read each key from
        // its record when they grow.
        match self.users.insert(id, Arc::new(user)) {
            Some(old) => self.unindex_user(&old),
            None => self.user_order.push((seq, id)),
        }
        self.index_user(id);
    }

    fn index_user(&mut self, id: Uuid) {
        let users = &self.users;
        let Some(user) = users.get(&id) else {
            return;
        };
        let key_of = |attribute: fn(&UserRecord) -> &str| move |id: &Uuid| user_key(users, id, attribute);
        self.by_user_name.insert(id, user.user_name(), key_of(UserRecord::user_name));
        self.by_email.insert(id, user.primary_email(), key_of(UserRecord::primary_email));
        if let Some(external_id) = user.external_id() {
            self.by_external_id.insert(id, external_id, key_of(external_id_or_empty));
        }
    }

    /// Removes a user from the directory, its indexes and its groups.
    pub(crate) fn remove_user(&mut self, id: &Uuid) -> Option<Arc<UserRecord>> {
        let user = self.users.remove(id)?;
        self.unindex_user(&user);
        if let Ok(position) = self.user_order.binary_search(&(user.seq, user.id)) {
            self.user_order.remove(position);
        }
        for group_id in &user.groups {
            if let Some(group) = self.groups.get_mut(group_id) {
                Arc::make_mut(group).members.shift_remove(id);
            }
        }
        Some(user)
    }

    fn unindex_user(&mut self, user: &UserRecord) {
        self.by_user_name.remove(user.id, user.user_name());
        self.by_email.remove(user.id, user.primary_email());
        if let Some(external_id) = user.external_id() {
            self.by_external_id.remove(user.id, external_id);
        }
    }

    /// Stores a new group, or replaces the one with the same id, keeping each
    /// member's `groups` in step. The caller has checked the name and members.
    pub(crate) fn put_group(&mut self, group: GroupRecord) {
        let old_members = match self.groups.get(&group.id) {
            Some(old) => {
                let key = fold(&old.display_name);
                self.by_group_name.remove(&key);
                old.members.clone()
            }
            None => {
                self.group_order.push((group.seq, group.id));
                Default::default()
            }
        };

        for removed in old_members.difference(&group.members) {
            if let Some(user) = self.users.get_mut(removed) {
                Arc::make_mut(user).groups.retain(|joined| *joined != group.id);
            }
        }
        for member in &group.members {
            if let Some(user) = self.users.get_mut(member) {
                if !user.groups.contains(&group.id) {
                    Arc::make_mut(user).groups.push(group.id);
                }
            }
        }

        self.by_group_name.insert(fold(&group.display_name), group.id);
        self.groups.insert(group.id, Arc::new(group));
    }

    /// Removes a group; its members lose the membership.
    pub(crate) fn remove_group(&mut self, id: &Uuid) -> Option<Arc<GroupRecord>> {
        let group = self.groups.remove(id)?;
        self.by_group_name.remove(&fold(&group.display_name));
        if let Ok(position) = self.group_order.binary_search(&(group.seq, group.id)) {
            self.group_order.remove(position);
        }
        for member in &group.members {
            if let Some(user) = self.users.get_mut(member) {
                Arc::make_mut(user).groups.retain(|joined| joined != id);
            }
        }
        Some(group)
    }

    /// Changes a user's linked account without touching anything else.
    pub(crate) fn set_account(&mut self, user_id: &Uuid, account_id: Option<String>) -> bool {
        match self.users.get_mut(user_id) {
            Some(user) => {
                Arc::make_mut(user).account_id = account_id;
                true
            }
            None => false,
        }
    }

    /// Copies the directory for a later [`DirectorySnapshot::restore`]. The
    /// copy shares every record and leaves out the indexes.
    pub(crate) fn snapshot(&self) -> DirectorySnapshot {
        DirectorySnapshot {
            id: self.id,
            org_id: self.org_id,
            name: self.name.clone(),
            api_key: self.api_key.clone(),
            users: self.user_order.iter().filter_map(|(_, id)| self.users.get(id)).cloned().collect(),
            groups: self.group_order.iter().filter_map(|(_, id)| self.groups.get(id)).cloned().collect(),
            next_seq: self.next_seq,
        }
    }
}

/// A directory's records in creation order, without its indexes.
#[derive(Debug)]
pub(crate) struct DirectorySnapshot {
    id: Uuid,
    org_id: Uuid,
    name: String,
    api_key: String,
    users: Vec<Arc<UserRecord>>,
    groups: Vec<Arc<GroupRecord>>,
    next_seq: u64,
}

impl DirectorySnapshot {
    /// Rebuilds the directory with its indexes. The records were consistent
    /// when the snapshot was taken, so memberships are kept as they are.
    pub(crate) fn restore(&self) -> Directory {
        let mut directory = Directory::new(self.id, self.org_id, self.name.clone(), self.api_key.clone());
        directory.next_seq = self.next_seq;

        directory.reserve_users(self.users.len());
        for user in &self.users {
            directory.user_order.push((user.seq, user.id));
            directory.users.insert(user.id, Arc::clone(user));
            directory.index_user(user.id);
        }

        for group in &self.groups {
            directory.group_order.push((group.seq, group.id));
            directory.by_group_name.insert(fold(&group.display_name), group.id);
            directory.groups.insert(group.id, Arc::clone(group));
        }
        directory
    }
}

/// Returns one attribute of the user `id`, or "" when there is no such user.
fn user_key<'u>(users: &'u HashMap<Uuid, Arc<UserRecord>>, id: &Uuid, attribute: fn(&UserRecord) -> &str) -> &'u str {
    users.get(id).map_or("", |user| attribute(user))
}

fn external_id_or_empty(user: &UserRecord) -> &str {
    user.external_id().unwrap_or_default()
}
