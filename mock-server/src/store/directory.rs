//! A SCIM directory: its users and groups with the indexes that keep every
//! lookup O(1) and every list page O(page size).
//!
//! Creation order lives in `user_order` and `group_order`, vectors sorted by
//! sequence number. A page is a slice of them, so its cost does not grow
//! with the directory, and removing a record is a binary search plus a
//! memmove of at most a few hundred kilobytes.

use std::collections::HashMap;

use uuid::Uuid;

use super::fold;
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
    users: HashMap<Uuid, UserRecord>,
    user_order: Vec<(u64, Uuid)>,
    by_user_name: HashMap<String, Uuid>,
    by_email: HashMap<String, Uuid>,
    by_external_id: HashMap<String, Vec<(u64, Uuid)>>,
    groups: HashMap<Uuid, GroupRecord>,
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
            by_user_name: HashMap::new(),
            by_email: HashMap::new(),
            by_external_id: HashMap::new(),
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
        self.users.get(id)
    }

    pub fn group(&self, id: &Uuid) -> Option<&GroupRecord> {
        self.groups.get(id)
    }

    /// Finds a user by `userName`, ignoring case.
    pub fn user_id_by_name(&self, name_key: &str) -> Option<Uuid> {
        self.by_user_name.get(name_key).copied()
    }

    /// Finds a user by primary email, ignoring case.
    pub fn user_id_by_email(&self, email_key: &str) -> Option<Uuid> {
        self.by_email.get(email_key).copied()
    }

    /// Finds the users with this exact `externalId`, in creation order.
    pub fn user_ids_by_external_id(&self, external_id: &str) -> impl Iterator<Item = Uuid> + '_ {
        self.by_external_id
            .get(external_id)
            .into_iter()
            .flatten()
            .map(|(_, id)| *id)
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
        self.user_order.iter().filter_map(|(_, id)| self.users.get(id))
    }

    /// Returns every group, in creation order.
    pub fn groups(&self) -> impl Iterator<Item = &GroupRecord> {
        self.group_order.iter().filter_map(|(_, id)| self.groups.get(id))
    }

    /// Stores a new user, or replaces the one with the same id, and updates
    /// every index. The caller has checked uniqueness.
    pub(crate) fn put_user(&mut self, user: UserRecord) {
        if let Some(old) = self.users.get(&user.id).cloned() {
            self.unindex_user(&old);
        } else {
            self.user_order.push((user.seq, user.id));
        }
        self.by_user_name.insert(fold(user.user_name()), user.id);
        if let Some(email) = user.primary_email() {
            self.by_email.insert(fold(email), user.id);
        }
        if let Some(external_id) = user.external_id() {
            let ids = self.by_external_id.entry(external_id.to_owned()).or_default();
            let entry = (user.seq, user.id);
            if let Err(position) = ids.binary_search(&entry) {
                ids.insert(position, entry);
            }
        }
        self.users.insert(user.id, user);
    }

    /// Removes a user from the directory, its indexes and its groups.
    pub(crate) fn remove_user(&mut self, id: &Uuid) -> Option<UserRecord> {
        let user = self.users.remove(id)?;
        self.unindex_user(&user);
        if let Ok(position) = self.user_order.binary_search(&(user.seq, user.id)) {
            self.user_order.remove(position);
        }
        for group_id in &user.groups {
            if let Some(group) = self.groups.get_mut(group_id) {
                group.members.shift_remove(id);
            }
        }
        Some(user)
    }

    fn unindex_user(&mut self, user: &UserRecord) {
        let name_key = fold(user.user_name());
        if self.by_user_name.get(&name_key) == Some(&user.id) {
            self.by_user_name.remove(&name_key);
        }
        if let Some(email) = user.primary_email() {
            let email_key = fold(email);
            if self.by_email.get(&email_key) == Some(&user.id) {
                self.by_email.remove(&email_key);
            }
        }
        if let Some(external_id) = user.external_id() {
            if let Some(ids) = self.by_external_id.get_mut(external_id) {
                ids.retain(|(_, id)| *id != user.id);
                if ids.is_empty() {
                    self.by_external_id.remove(external_id);
                }
            }
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
                user.groups.shift_remove(&group.id);
            }
        }
        for member in &group.members {
            if let Some(user) = self.users.get_mut(member) {
                user.groups.insert(group.id);
            }
        }

        self.by_group_name.insert(fold(&group.display_name), group.id);
        self.groups.insert(group.id, group);
    }

    /// Removes a group; its members lose the membership.
    pub(crate) fn remove_group(&mut self, id: &Uuid) -> Option<GroupRecord> {
        let group = self.groups.remove(id)?;
        self.by_group_name.remove(&fold(&group.display_name));
        if let Ok(position) = self.group_order.binary_search(&(group.seq, group.id)) {
            self.group_order.remove(position);
        }
        for member in &group.members {
            if let Some(user) = self.users.get_mut(member) {
                user.groups.shift_remove(id);
            }
        }
        Some(group)
    }

    /// Changes a user's linked account without touching anything else.
    pub(crate) fn set_account(&mut self, user_id: &Uuid, account_id: Option<String>) -> bool {
        match self.users.get_mut(user_id) {
            Some(user) => {
                user.account_id = account_id;
                true
            }
            None => false,
        }
    }
}
