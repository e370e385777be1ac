//! Reference model of one SCIM directory, as Atlassian's provisioning API
//! behaves.
//!
//! The model stores only what the properties compare: users, groups and
//! memberships, keyed by the abstract keys that transitions carry. Applying
//! a transition updates the model and returns the [`Expected`] outcome: the
//! status, the `scimType`, and which resource (or list page) the server must
//! return. The executor renders keys and stems into concrete values, so this
//! file has no HTTP and no prefixes in it.
//!
//! Rules that the model encodes, with the behaviour reference's wording:
//! - `userName` and primary email are unique per directory,
//!   case-insensitively; a clash is 409 `uniqueness`, on create, PUT and PATCH.
//! - `active:false` keeps the record and its memberships; DELETE removes the
//!   record (404 afterwards) and its memberships, and frees its names.
//! - Group `displayName` is unique case-insensitively and immutable: a PUT
//!   or PATCH that changes it is 400 `mutability`.
//! - PATCH is atomic, and adding an unknown member id is 404.
//! - Filters: a single `eq` on `userName` (case-insensitive) or
//!   `externalId` (case-exact) for users, on `displayName` for groups.
//! - Paging: `startIndex` is 1-based and values below 1 act as 1, `count`
//!   defaults to 100 and is capped at 100, order is creation order.
//! - Creating a user beyond the user limit is 403.

use std::collections::{BTreeMap, BTreeSet};

use super::names::fold;
use super::rules::Rule;
use super::transitions::{GroupPatch, GroupRef, ListFilter, Op, Resource, UserFields, UserPatch, UserRef};

/// Maximum page size that the server applies to `count`.
pub const PAGE_CAP: usize = 100;

/// Default number of SCIM users a directory may hold.
pub const DEFAULT_USER_LIMIT: usize = 20_000;

/// Abstract identity of a user, fixed by the transition that creates it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserKey(pub u32);

/// Abstract identity of a group, fixed by the transition that creates it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupKey(pub u32);

impl std::fmt::Debug for UserKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "u{}", self.0)
    }
}

impl std::fmt::Debug for GroupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "g{}", self.0)
    }
}

/// A user as the model stores it: the writable attributes the properties
/// compare. Group memberships are stored on the groups only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub fields: UserFields,
}

/// A group as the model stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRecord {
    /// `displayName` stem. It never changes after creation.
    pub name: &'static str,
    pub members: BTreeSet<UserKey>,
}

/// Settings of the directory under test that change predictions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryLimits {
    /// Maximum number of SCIM users, counting users that this run did not create.
    pub user_limit: usize,
    /// Users in the directory that this run did not create. They come before
    /// the run's users in unfiltered lists.
    pub foreign_users: usize,
    /// Groups in the directory that this run did not create.
    pub foreign_groups: usize,
}

impl Default for DirectoryLimits {
    fn default() -> Self {
        DirectoryLimits {
            user_limit: DEFAULT_USER_LIMIT,
            foreign_users: 0,
            foreign_groups: 0,
        }
    }
}

/// The reference state of one directory.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Model {
    /// Live users (active or not), in creation order because keys increase.
    pub users: BTreeMap<UserKey, UserRecord>,
    /// Users that were deleted: their ids must return 404.
    pub deleted_users: BTreeSet<UserKey>,
    /// Live groups, in creation order.
    pub groups: BTreeMap<GroupKey, GroupRecord>,
    /// Groups that were deleted.
    pub deleted_groups: BTreeSet<GroupKey>,
    /// Next key that a create transition will take.
    pub next_key: u32,
    pub limits: DirectoryLimits,
}

/// Expected `scimType` of an error response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScimTypeExpectation {
    /// RFC 7644 §3.12 defines no keyword for this status, so none may be sent.
    Absent,
    /// This exact keyword.
    Exactly(&'static str),
    /// The reference names no keyword for this failure; any is accepted.
    Any,
}

/// One item of an expected list page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListItem {
    User(UserKey),
    Group(GroupKey),
    /// A resource that this run did not create.
    Foreign,
}

/// An expected `ListResponse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedList {
    pub total_results: usize,
    pub start_index: usize,
    pub items: Vec<ListItem>,
}

/// The body an operation must return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpectedBody {
    /// No body (204).
    Empty,
    /// The user as the model stores it after the operation.
    User(UserKey),
    /// The group as the model stores it after the operation.
    Group(GroupKey),
    List(ExpectedList),
    /// A SCIM error body.
    Error,
}

/// The outcome the model predicts for one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// The rule this prediction comes from, named in a failure.
    pub rule: Rule,
    pub status: u16,
    pub scim_type: ScimTypeExpectation,
    pub body: ExpectedBody,
    /// Text the error `detail` must contain, where the reference fixes one.
    pub detail_contains: Option<String>,
}

impl Expected {
    fn ok(rule: Rule, status: u16, body: ExpectedBody) -> Self {
        Expected {
            rule,
            status,
            scim_type: ScimTypeExpectation::Absent,
            body,
            detail_contains: None,
        }
    }

    fn error(rule: Rule, status: u16, scim_type: ScimTypeExpectation) -> Self {
        Expected {
            rule,
            status,
            scim_type,
            body: ExpectedBody::Error,
            detail_contains: None,
        }
    }

    fn not_found(rule: Rule) -> Self {
        Self::error(rule, 404, ScimTypeExpectation::Absent)
    }

    fn bad_request(rule: Rule, scim_type: &'static str) -> Self {
        Self::error(rule, 400, ScimTypeExpectation::Exactly(scim_type))
    }

    fn conflict(rule: Rule) -> Self {
        Self::error(rule, 409, ScimTypeExpectation::Exactly("uniqueness"))
    }

    /// Tells whether the operation is predicted to succeed.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl Model {
    /// Creates an empty model of a directory with the given settings.
    pub fn new(limits: DirectoryLimits) -> Self {
        Model {
            limits,
            ..Model::default()
        }
    }

    /// Tells whether a user key is live.
    pub fn has_user(&self, key: UserKey) -> bool {
        self.users.contains_key(&key)
    }

    /// Returns the keys of the groups that list the user as a member.
    pub fn groups_of(&self, user: UserKey) -> BTreeSet<GroupKey> {
        self.groups
            .iter()
            .filter(|(_, group)| group.members.contains(&user))
            .map(|(key, _)| *key)
            .collect()
    }

    /// Returns the live user other than `except` whose `userName` or primary
    /// email clashes with `fields`, if any.
    fn clash(&self, fields: &UserFields, except: Option<UserKey>) -> Option<UserKey> {
        let user_name = fold(fields.user_name);
        let email = fold(fields.email);
        self.users
            .iter()
            .filter(|(key, _)| Some(**key) != except)
            .find(|(_, record)| fold(record.fields.user_name) == user_name || fold(record.fields.email) == email)
            .map(|(key, _)| *key)
    }

    fn group_name_taken(&self, name: &str) -> bool {
        let folded = fold(name);
        self.groups.values().any(|group| fold(group.name) == folded)
    }

    fn live_user(&self, user: &UserRef) -> Option<UserKey> {
        match user {
            UserRef::Live(key) if self.has_user(*key) => Some(*key),
            _ => None,
        }
    }

    fn live_group(&self, group: &GroupRef) -> Option<GroupKey> {
        match group {
            GroupRef::Live(key) if self.groups.contains_key(key) => Some(*key),
            _ => None,
        }
    }

    fn reserve_key(&mut self, key: u32) {
        self.next_key = self.next_key.max(key + 1);
    }

    /// Applies one operation and returns the outcome the server must produce.
    pub fn apply(&mut self, op: &Op) -> Expected {
        match op {
            Op::CreateUser { key, fields } => self.create_user(*key, fields),
            Op::GetUser { user } => match self.live_user(user) {
                Some(key) => Expected::ok(Rule::ReadReturnsStored, 200, ExpectedBody::User(key)),
                None => Expected::not_found(Rule::UnknownIdNotFound),
            },
            Op::ReplaceUser { user, fields } => self.replace_user(user, fields),
            Op::PatchUser { user, ops, .. } => self.patch_user(user, ops),
            Op::DeleteUser { user } => self.delete_user(user),
            Op::CreateGroup { key, name, members } => self.create_group(*key, name, members),
            Op::GetGroup { group } => match self.live_group(group) {
                Some(key) => Expected::ok(Rule::ReadReturnsStored, 200, ExpectedBody::Group(key)),
                None => Expected::not_found(Rule::UnknownIdNotFound),
            },
            Op::ReplaceGroup { group, name, members } => self.replace_group(group, name, members),
            Op::PatchGroup { group, ops, .. } => self.patch_group(group, ops),
            Op::DeleteGroup { group } => self.delete_group(group),
            Op::List {
                resource,
                filter,
                start_index,
                count,
            } => Expected::ok(
                list_rule(filter.as_ref()),
                200,
                ExpectedBody::List(self.list(*resource, filter.as_ref(), *start_index, *count)),
            ),
            Op::RejectedFilter { resource, .. } => {
                let mut expected = Expected::bad_request(Rule::FilterSubset, "invalidFilter");
                let tag = match resource {
                    Resource::Users => "[USER]",
                    Resource::Groups => "[GROUP]",
                };
                expected.detail_contains = Some(tag.to_owned());
                expected
            }
            Op::InvalidCreateUser { .. } => Expected::bad_request(Rule::UserValidation, "invalidValue"),
            Op::InvalidCreateGroup => Expected::error(Rule::GroupValidation, 400, ScimTypeExpectation::Any),
            Op::EmptyPatch { user } => match self.live_user(user) {
                Some(_) => Expected::bad_request(Rule::PatchValidation, "invalidSyntax"),
                None => Expected::not_found(Rule::UnknownIdNotFound),
            },
        }
    }

    fn create_user(&mut self, key: UserKey, fields: &UserFields) -> Expected {
        self.reserve_key(key.0);
        if self.clash(fields, None).is_some() {
            return Expected::conflict(Rule::UserUniqueness);
        }
        // NOTE: a create that both clashes and exceeds the limit is predicted
        // as 409; the reference does not order the two checks.
        if self.users.len() + self.limits.foreign_users >= self.limits.user_limit {
            let mut expected = Expected::error(Rule::UserLimit, 403, ScimTypeExpectation::Absent);
            expected.detail_contains = Some(self.limits.user_limit.to_string());
            return expected;
        }
        self.users.insert(key, UserRecord { fields: fields.clone() });
        Expected::ok(Rule::CreateReturnsResource, 201, ExpectedBody::User(key))
    }

    fn replace_user(&mut self, user: &UserRef, fields: &UserFields) -> Expected {
        let Some(key) = self.live_user(user) else {
            return Expected::not_found(Rule::UnknownIdNotFound);
        };
        if self.clash(fields, Some(key)).is_some() {
            return Expected::conflict(Rule::UserUniqueness);
        }
        if let Some(record) = self.users.get_mut(&key) {
            record.fields = fields.clone();
        }
        Expected::ok(Rule::ReplaceUser, 200, ExpectedBody::User(key))
    }

    fn patch_user(&mut self, user: &UserRef, ops: &[UserPatch]) -> Expected {
        let Some(key) = self.live_user(user) else {
            return Expected::not_found(Rule::UnknownIdNotFound);
        };
        // Every operation is validated before any is applied, so a malformed
        // one makes the whole request fail without changes.
        if let Some(invalid) = ops.iter().find_map(UserPatch::syntax_error) {
            return Expected::bad_request(Rule::PatchValidation, invalid);
        }
        let Some(record) = self.users.get(&key) else {
            return Expected::not_found(Rule::UnknownIdNotFound);
        };
        let mut fields = record.fields.clone();
        for op in ops {
            op.apply_to(&mut fields);
        }
        if self.clash(&fields, Some(key)).is_some() {
            return Expected::conflict(Rule::UserUniqueness);
        }
        if let Some(record) = self.users.get_mut(&key) {
            record.fields = fields;
        }
        Expected::ok(Rule::PatchDialects, 200, ExpectedBody::User(key))
    }

    fn delete_user(&mut self, user: &UserRef) -> Expected {
        let Some(key) = self.live_user(user) else {
            return Expected::not_found(Rule::UnknownIdNotFound);
        };
        self.users.remove(&key);
        self.deleted_users.insert(key);
        for group in self.groups.values_mut() {
            group.members.remove(&key);
        }
        Expected::ok(Rule::DeleteUser, 204, ExpectedBody::Empty)
    }

    fn create_group(&mut self, key: GroupKey, name: &'static str, members: &[UserRef]) -> Expected {
        self.reserve_key(key.0);
        if self.group_name_taken(name) {
            return Expected::conflict(Rule::GroupUniqueness);
        }
        let members = members.iter().filter_map(|user| self.live_user(user)).collect();
        self.groups.insert(key, GroupRecord { name, members });
        Expected::ok(Rule::CreateReturnsResource, 201, ExpectedBody::Group(key))
    }

    fn replace_group(&mut self, group: &GroupRef, name: &str, members: &[UserRef]) -> Expected {
        let Some(key) = self.live_group(group) else {
            return Expected::not_found(Rule::UnknownIdNotFound);
        };
        let Some(record) = self.groups.get(&key) else {
            return Expected::not_found(Rule::UnknownIdNotFound);
        };
        if record.name != name {
            return Expected::bad_request(Rule::GroupRenameRejected, "mutability");
        }
        let mut new_members = BTreeSet::new();
        for member in members {
            match self.live_user(member) {
                Some(user) => {
                    new_members.insert(user);
                }
                // A PUT naming a user that is not in the directory is 400,
                // with no `scimType` fixed by the reference.
                None => return Expected::error(Rule::ReplaceGroupUnknownMember, 400, ScimTypeExpectation::Any),
            }
        }
        if let Some(record) = self.groups.get_mut(&key) {
            record.members = new_members;
        }
        Expected::ok(Rule::ReadReturnsStored, 200, ExpectedBody::Group(key))
    }

    fn patch_group(&mut self, group: &GroupRef, ops: &[GroupPatch]) -> Expected {
        let Some(key) = self.live_group(group) else {
            return Expected::not_found(Rule::UnknownIdNotFound);
        };
        let Some(record) = self.groups.get(&key) else {
            return Expected::not_found(Rule::UnknownIdNotFound);
        };
        if ops.iter().any(|op| matches!(op, GroupPatch::UnknownOp)) {
            return Expected::bad_request(Rule::PatchValidation, "invalidSyntax");
        }
        let mut members = record.members.clone();
        for op in ops {
            match op {
                GroupPatch::AddMembers { users, .. } => {
                    for user in users {
                        match self.live_user(user) {
                            Some(user) => {
                                members.insert(user);
                            }
                            None => return Expected::not_found(Rule::UnknownMemberNotFound),
                        }
                    }
                }
                GroupPatch::RemoveMemberByFilter { user } => {
                    if let Some(user) = self.live_user(user) {
                        members.remove(&user);
                    }
                }
                GroupPatch::RemoveMembersByValue { users } => {
                    for user in users.iter().filter_map(|user| self.live_user(user)) {
                        members.remove(&user);
                    }
                }
                GroupPatch::ReplaceMembers { users } => {
                    members = users.iter().filter_map(|user| self.live_user(user)).collect();
                }
                GroupPatch::RemoveAllMembers => members.clear(),
                GroupPatch::Rename { name } => {
                    if *name != record.name {
                        return Expected::bad_request(Rule::GroupRenameRejected, "mutability");
                    }
                }
                GroupPatch::UnknownOp => {}
            }
        }
        if let Some(record) = self.groups.get_mut(&key) {
            record.members = members;
        }
        Expected::ok(Rule::GroupMembers, 200, ExpectedBody::Group(key))
    }

    fn delete_group(&mut self, group: &GroupRef) -> Expected {
        let Some(key) = self.live_group(group) else {
            return Expected::not_found(Rule::UnknownIdNotFound);
        };
        self.groups.remove(&key);
        self.deleted_groups.insert(key);
        Expected::ok(Rule::DeleteGroup, 204, ExpectedBody::Empty)
    }

    /// Returns the items that a list request matches, in creation order.
    pub fn list_matches(&self, resource: Resource, filter: Option<&ListFilter>) -> Vec<ListItem> {
        match (resource, filter) {
            (Resource::Users, None) => vec![ListItem::Foreign; self.limits.foreign_users]
                .into_iter()
                .chain(self.users.keys().map(|key| ListItem::User(*key)))
                .collect(),
            (Resource::Groups, None) => vec![ListItem::Foreign; self.limits.foreign_groups]
                .into_iter()
                .chain(self.groups.keys().map(|key| ListItem::Group(*key)))
                .collect(),
            (Resource::Users, Some(ListFilter::UserName(stem))) => {
                let folded = fold(stem);
                self.users
                    .iter()
                    .filter(|(_, record)| fold(record.fields.user_name) == folded)
                    .map(|(key, _)| ListItem::User(*key))
                    .collect()
            }
            (Resource::Users, Some(ListFilter::ExternalId(stem))) => self
                .users
                .iter()
                .filter(|(_, record)| record.fields.external_id == Some(*stem))
                .map(|(key, _)| ListItem::User(*key))
                .collect(),
            (Resource::Groups, Some(ListFilter::DisplayName(stem))) => {
                let folded = fold(stem);
                self.groups
                    .iter()
                    .filter(|(_, record)| fold(record.name) == folded)
                    .map(|(key, _)| ListItem::Group(*key))
                    .collect()
            }
            // Generation never pairs a filter with the other resource type.
            (Resource::Users, Some(ListFilter::DisplayName(_))) | (Resource::Groups, Some(_)) => Vec::new(),
        }
    }

    fn list(
        &self,
        resource: Resource,
        filter: Option<&ListFilter>,
        start_index: i64,
        count: Option<i64>,
    ) -> ExpectedList {
        let matches = self.list_matches(resource, filter);
        let start_index = usize::try_from(start_index.max(1)).unwrap_or(1);
        let page_size = match count {
            None => PAGE_CAP,
            Some(count) => usize::try_from(count.max(0)).unwrap_or(0).min(PAGE_CAP),
        };
        let items = matches.iter().skip(start_index - 1).take(page_size).copied().collect();
        ExpectedList {
            total_results: matches.len(),
            start_index,
            items,
        }
    }
}

fn list_rule(filter: Option<&ListFilter>) -> Rule {
    match filter {
        Some(_) => Rule::FilterMatches,
        None => Rule::Paging,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(user_name: &'static str, email: &'static str) -> UserFields {
        UserFields {
            user_name,
            email,
            external_id: None,
            given_name: None,
            display_name: None,
            department: None,
            active: true,
        }
    }

    fn create(model: &mut Model, key: u32, user_name: &'static str, email: &'static str) -> Expected {
        model.apply(&Op::CreateUser {
            key: UserKey(key),
            fields: fields(user_name, email),
        })
    }

    #[test]
    fn user_name_clash_ignores_case() {
        let mut model = Model::default();
        assert_eq!(create(&mut model, 0, "é", "a").status, 201);

        let clash = create(&mut model, 1, "É", "b");

        assert_eq!(clash.status, 409);
        assert_eq!(clash.scim_type, ScimTypeExpectation::Exactly("uniqueness"));
        assert!(!model.has_user(UserKey(1)));
    }

    #[test]
    fn email_clash_ignores_case() {
        let mut model = Model::default();
        create(&mut model, 0, "ann", "bob");

        assert_eq!(create(&mut model, 1, "cy", "BOB").status, 409);
    }

    #[test]
    fn delete_frees_name_and_membership() {
        let mut model = Model::default();
        create(&mut model, 0, "ann", "ann");
        model.apply(&Op::CreateGroup {
            key: GroupKey(1),
            name: "eng",
            members: vec![UserRef::Live(UserKey(0))],
        });

        let deleted = model.apply(&Op::DeleteUser {
            user: UserRef::Live(UserKey(0)),
        });

        assert_eq!(deleted.status, 204);
        assert!(model.groups[&GroupKey(1)].members.is_empty());
        assert_eq!(
            model
                .apply(&Op::GetUser {
                    user: UserRef::Deleted(UserKey(0))
                })
                .status,
            404
        );
        assert_eq!(create(&mut model, 2, "ANN", "ann").status, 201);
    }

    #[test]
    fn deactivation_keeps_membership() {
        let mut model = Model::default();
        create(&mut model, 0, "ann", "ann");
        model.apply(&Op::CreateGroup {
            key: GroupKey(1),
            name: "eng",
            members: vec![UserRef::Live(UserKey(0))],
        });

        let patched = model.apply(&Op::PatchUser {
            user: UserRef::Live(UserKey(0)),
            ops: vec![UserPatch::ActiveEntra { spelled: "False" }],
            lowercase_key: false,
        });

        assert_eq!(patched.status, 200);
        assert!(!model.users[&UserKey(0)].fields.active);
        assert!(model.groups[&GroupKey(1)].members.contains(&UserKey(0)));
    }

    #[test]
    fn group_patch_with_unknown_member_changes_nothing() {
        let mut model = Model::default();
        create(&mut model, 0, "ann", "ann");
        model.apply(&Op::CreateGroup {
            key: GroupKey(1),
            name: "eng",
            members: Vec::new(),
        });

        let patched = model.apply(&Op::PatchGroup {
            group: GroupRef::Live(GroupKey(1)),
            ops: vec![
                GroupPatch::AddMembers {
                    users: vec![UserRef::Live(UserKey(0))],
                    entra: false,
                },
                GroupPatch::AddMembers {
                    users: vec![UserRef::Unknown(7)],
                    entra: true,
                },
            ],
            lowercase_key: false,
        });

        assert_eq!(patched.status, 404);
        assert!(model.groups[&GroupKey(1)].members.is_empty());
    }

    #[test]
    fn group_rename_is_mutability_error() {
        let mut model = Model::default();
        model.apply(&Op::CreateGroup {
            key: GroupKey(0),
            name: "eng",
            members: Vec::new(),
        });

        let renamed = model.apply(&Op::PatchGroup {
            group: GroupRef::Live(GroupKey(0)),
            ops: vec![GroupPatch::Rename { name: "Eng" }],
            lowercase_key: false,
        });

        assert_eq!(renamed.status, 400);
        assert_eq!(renamed.scim_type, ScimTypeExpectation::Exactly("mutability"));
    }

    #[test]
    fn paging_clamps_start_and_count() {
        let mut model = Model::new(DirectoryLimits {
            foreign_users: 1,
            ..DirectoryLimits::default()
        });
        create(&mut model, 0, "ann", "ann");
        create(&mut model, 1, "bob", "bob");

        let page = model.list(Resource::Users, None, -1, Some(2));
        let past_end = model.list(Resource::Users, None, 5, Some(1000));

        assert_eq!(page.total_results, 3);
        assert_eq!(page.start_index, 1);
        assert_eq!(page.items, vec![ListItem::Foreign, ListItem::User(UserKey(0))]);
        assert_eq!(past_end.start_index, 5);
        assert!(past_end.items.is_empty());
    }

    #[test]
    fn user_limit_counts_foreign_users() {
        let mut model = Model::new(DirectoryLimits {
            user_limit: 2,
            foreign_users: 1,
            foreign_groups: 0,
        });
        assert_eq!(create(&mut model, 0, "ann", "ann").status, 201);

        let over = create(&mut model, 1, "bob", "bob");

        assert_eq!(over.status, 403);
        assert_eq!(over.detail_contains.as_deref(), Some("2"));
    }
}
