//! Transitions of the directory state machine and the strategies that
//! generate them.
//!
//! A transition names users and groups by abstract key ([`UserRef`],
//! [`GroupRef`]), never by server id, so a sequence stays meaningful while
//! proptest shrinks it. [`DirectoryMachine::preconditions`] drops a
//! transition whose referenced key changed kind after shrinking (a `Live`
//! reference to a user whose create was removed, for example).

use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::Union;
use proptest_state_machine::ReferenceStateMachine;

use super::model::{GroupKey, Model, UserKey};
use super::names::{EMAIL_STEMS, EXTERNAL_ID_STEMS, GROUP_STEMS, NON_UUID_IDS, TEXT_VALUES, USER_STEMS};

/// The resource type of a list or filter request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Users,
    Groups,
}

/// Reference to a user by its model key, or an id that must not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserRef {
    /// A user the model holds.
    Live(UserKey),
    /// A user the model deleted: its old id must return 404.
    Deleted(UserKey),
    /// A random UUID that no resource has.
    Unknown(u128),
    /// An id that is not a UUID at all.
    NotUuid(&'static str),
}

/// Reference to a group by its model key, or an id that must not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupRef {
    Live(GroupKey),
    Deleted(GroupKey),
    Unknown(u128),
    NotUuid(&'static str),
}

/// The writable user attributes that the model tracks, as stems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFields {
    pub user_name: &'static str,
    /// Local part of the primary `work` email.
    pub email: &'static str,
    pub external_id: Option<&'static str>,
    pub given_name: Option<&'static str>,
    pub display_name: Option<&'static str>,
    /// `department` of the enterprise extension.
    pub department: Option<&'static str>,
    pub active: bool,
}

/// One operation of a user PATCH, in the dialect that a given identity
/// provider sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserPatch {
    /// RFC 7644: `{"op":"replace","path":"active","value":false}`.
    ActiveRfc { active: bool },
    /// Okta: `{"op":"replace","value":{"active":false}}`, without a path.
    ActiveOkta { active: bool },
    /// Entra ID: `{"op":"Replace","path":"active","value":"False"}`, with a
    /// boolean sent as a string in any letter case.
    ActiveEntra { spelled: &'static str },
    /// `name.givenName`, by path or as a dotted key of a path-less value.
    GivenName { value: &'static str, pathless: bool },
    /// `{"op":"replace","path":"userName",...}`, which may clash.
    UserName { stem: &'static str },
    /// Entra ID: `{"op":"Replace","path":"emails[type eq \"work\"].value",...}`.
    WorkEmailEntra { stem: &'static str },
    /// RFC 7644: `{"op":"replace","path":"emails","value":[{...}]}`.
    EmailsRfc { stem: &'static str },
    /// `externalId` through `add`, `replace` or Entra's `Add`.
    ExternalId { value: &'static str, op_name: &'static str },
    /// `{"op":"remove","path":"externalId"}`.
    RemoveExternalId,
    /// URN-qualified path to the enterprise `department`.
    DepartmentUrn { value: &'static str },
    /// Entra ID: `{"op":"Add","path":"displayName",...}`.
    DisplayNameEntra { value: &'static str },
    /// A string that is not a boolean for `active`: 400 `invalidValue`.
    BadBoolean { spelled: &'static str },
    /// An `op` that RFC 7644 does not define: 400 `invalidSyntax`.
    UnknownOp,
}

/// One operation of a group PATCH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupPatch {
    /// `add` of `members` with a value array; Entra ID capitalises the op.
    AddMembers { users: Vec<UserRef>, entra: bool },
    /// `{"op":"remove","path":"members[value eq \"<id>\"]"}`.
    RemoveMemberByFilter { user: UserRef },
    /// `{"op":"remove","path":"members","value":[{"value":"<id>"}]}`.
    RemoveMembersByValue { users: Vec<UserRef> },
    /// `{"op":"replace","path":"members","value":[...]}`.
    ReplaceMembers { users: Vec<UserRef> },
    /// `{"op":"remove","path":"members"}` with no value.
    RemoveAllMembers,
    /// `{"op":"replace","path":"displayName",...}`: 400 `mutability` unless
    /// the name is unchanged.
    Rename { name: &'static str },
    /// An `op` that RFC 7644 does not define.
    UnknownOp,
}

/// A supported filter: a single `eq` on one attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListFilter {
    /// `userName eq "<prefix><stem>"`, case-insensitive.
    UserName(&'static str),
    /// `externalId eq "<prefix><stem>"`, case-exact.
    ExternalId(&'static str),
    /// `displayName eq "<prefix><stem>"` on groups, case-insensitive.
    DisplayName(&'static str),
}

/// A user create that the server must reject with 400 `invalidValue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidUser {
    MissingUserName,
    BlankUserName,
    MissingEmails,
    UnverifiedDomain,
}

/// One step of a sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    CreateUser {
        key: UserKey,
        fields: UserFields,
    },
    GetUser {
        user: UserRef,
    },
    ReplaceUser {
        user: UserRef,
        fields: UserFields,
    },
    PatchUser {
        user: UserRef,
        ops: Vec<UserPatch>,
        /// Sends the array under `operations` instead of `Operations`.
        lowercase_key: bool,
    },
    DeleteUser {
        user: UserRef,
    },
    CreateGroup {
        key: GroupKey,
        name: &'static str,
        members: Vec<UserRef>,
    },
    GetGroup {
        group: GroupRef,
    },
    ReplaceGroup {
        group: GroupRef,
        name: &'static str,
        members: Vec<UserRef>,
    },
    PatchGroup {
        group: GroupRef,
        ops: Vec<GroupPatch>,
        lowercase_key: bool,
    },
    DeleteGroup {
        group: GroupRef,
    },
    /// `GET /Users` or `/Groups` with optional filter and paging parameters.
    List {
        resource: Resource,
        filter: Option<ListFilter>,
        start_index: i64,
        /// `None` sends no `count` parameter.
        count: Option<i64>,
    },
    /// A filter outside the supported subset, valid RFC syntax or not.
    RejectedFilter {
        resource: Resource,
        filter: &'static str,
    },
    InvalidCreateUser {
        kind: InvalidUser,
    },
    /// `POST /Groups` without `displayName`.
    InvalidCreateGroup,
    /// A PATCH whose `Operations` array is empty: 400 `invalidSyntax`.
    EmptyPatch {
        user: UserRef,
    },
}

/// User filters that the server must reject with 400 `invalidFilter`: valid
/// RFC 7644 filters outside Atlassian's subset, then malformed ones.
pub const REJECTED_USER_FILTERS: &[&str] = &[
    r#"userName co "ann""#,
    r#"userName sw "a""#,
    r#"userName ne "ann""#,
    r#"userName eq "ann" and externalId eq "e1""#,
    r#"userName eq "ann" or userName eq "bob""#,
    r#"not (userName eq "ann")"#,
    r#"emails[type eq "work"].value eq "ann@example.com""#,
    r#"title eq "x""#,
    r#"displayName eq "ann""#,
    "userName pr",
    "userName eq",
    r#"userName eq "unterminated"#,
    "userName eq ann",
    r#"(userName eq "ann""#,
];

/// Group filters that the server must reject with 400 `invalidFilter`.
pub const REJECTED_GROUP_FILTERS: &[&str] = &[
    r#"displayName co "eng""#,
    r#"displayName eq "eng" or displayName eq "ops""#,
    r#"externalId eq "e1""#,
    r#"userName eq "ann""#,
    r#"members[value eq "00000000-0000-4000-8000-000000000000"]"#,
    r#"displayName eq "eng"#,
    "displayName eq",
];

/// Values of `startIndex` that list transitions send, including values
/// below 1 (which act as 1) and values past the end.
const START_INDEXES: &[i64] = &[1, 2, 3, 0, -1, 5, 50];

/// Values of `count`, including 0 (total only) and values over the cap.
const COUNTS: &[Option<i64>] = &[
    None,
    Some(1),
    Some(2),
    Some(3),
    Some(0),
    Some(100),
    Some(101),
    Some(1000),
];

/// Spellings of booleans that Entra ID sends as strings.
const BOOLEAN_SPELLINGS: &[&str] = &["False", "True", "false", "TRUE"];

/// The state machine that drives generation and shrinking.
#[derive(Debug, Clone, Copy)]
pub struct DirectoryMachine;

fn user_fields() -> impl Strategy<Value = UserFields> {
    (
        select(USER_STEMS),
        select(EMAIL_STEMS),
        proptest::option::of(select(EXTERNAL_ID_STEMS)),
        proptest::option::of(select(TEXT_VALUES)),
        proptest::option::of(select(TEXT_VALUES)),
        proptest::option::of(select(TEXT_VALUES)),
        prop::bool::weighted(0.85),
    )
        .prop_map(
            |(user_name, email, external_id, given_name, display_name, department, active)| UserFields {
                user_name,
                email,
                external_id,
                given_name,
                display_name,
                department,
                active,
            },
        )
}

fn user_ref(state: &Model) -> BoxedStrategy<UserRef> {
    let live: Vec<UserKey> = state.users.keys().copied().collect();
    let deleted: Vec<UserKey> = state.deleted_users.iter().copied().collect();
    let mut choices: Vec<(u32, BoxedStrategy<UserRef>)> = Vec::new();
    if !live.is_empty() {
        choices.push((12, select(live).prop_map(UserRef::Live).boxed()));
    }
    if !deleted.is_empty() {
        choices.push((2, select(deleted).prop_map(UserRef::Deleted).boxed()));
    }
    choices.push((1, any::<u128>().prop_map(UserRef::Unknown).boxed()));
    choices.push((1, select(NON_UUID_IDS).prop_map(UserRef::NotUuid).boxed()));
    Union::new_weighted(choices).boxed()
}

fn live_user_refs(state: &Model, max: usize) -> BoxedStrategy<Vec<UserRef>> {
    let live: Vec<UserKey> = state.users.keys().copied().collect();
    if live.is_empty() {
        return Just(Vec::new()).boxed();
    }
    proptest::sample::subsequence(live.clone(), 0..=max.min(live.len()))
        .prop_map(|keys| keys.into_iter().map(UserRef::Live).collect())
        .boxed()
}

fn group_ref(state: &Model) -> BoxedStrategy<GroupRef> {
    let live: Vec<GroupKey> = state.groups.keys().copied().collect();
    let deleted: Vec<GroupKey> = state.deleted_groups.iter().copied().collect();
    let mut choices: Vec<(u32, BoxedStrategy<GroupRef>)> = Vec::new();
    if !live.is_empty() {
        choices.push((12, select(live).prop_map(GroupRef::Live).boxed()));
    }
    if !deleted.is_empty() {
        choices.push((2, select(deleted).prop_map(GroupRef::Deleted).boxed()));
    }
    choices.push((1, any::<u128>().prop_map(GroupRef::Unknown).boxed()));
    choices.push((1, select(NON_UUID_IDS).prop_map(GroupRef::NotUuid).boxed()));
    Union::new_weighted(choices).boxed()
}

fn user_patch(state: &Model) -> BoxedStrategy<UserPatch> {
    let _ = state;
    prop_oneof![
        3 => any::<bool>().prop_map(|active| UserPatch::ActiveRfc { active }),
        3 => any::<bool>().prop_map(|active| UserPatch::ActiveOkta { active }),
        3 => select(BOOLEAN_SPELLINGS).prop_map(|spelled| UserPatch::ActiveEntra { spelled }),
        2 => (select(TEXT_VALUES), any::<bool>())
            .prop_map(|(value, pathless)| UserPatch::GivenName { value, pathless }),
        3 => select(USER_STEMS).prop_map(|stem| UserPatch::UserName { stem }),
        2 => select(EMAIL_STEMS).prop_map(|stem| UserPatch::WorkEmailEntra { stem }),
        2 => select(EMAIL_STEMS).prop_map(|stem| UserPatch::EmailsRfc { stem }),
        2 => (select(EXTERNAL_ID_STEMS), select(&["add", "replace", "Add"][..]))
            .prop_map(|(value, op_name)| UserPatch::ExternalId { value, op_name }),
        1 => Just(UserPatch::RemoveExternalId),
        1 => select(TEXT_VALUES).prop_map(|value| UserPatch::DepartmentUrn { value }),
        1 => select(TEXT_VALUES).prop_map(|value| UserPatch::DisplayNameEntra { value }),
        1 => select(&["yes", "0", "Falsch"][..]).prop_map(|spelled| UserPatch::BadBoolean { spelled }),
        1 => Just(UserPatch::UnknownOp),
    ]
    .boxed()
}

fn member_ref(state: &Model) -> BoxedStrategy<UserRef> {
    // Mostly live users, so adds succeed; sometimes an id that is not a user
    // of the directory, which makes the whole PATCH 404.
    let live: Vec<UserKey> = state.users.keys().copied().collect();
    if live.is_empty() {
        return user_ref(state);
    }
    prop_oneof![
        10 => select(live).prop_map(UserRef::Live),
        1 => user_ref(state),
    ]
    .boxed()
}

fn group_patch(state: &Model) -> BoxedStrategy<GroupPatch> {
    prop_oneof![
        5 => (proptest::collection::vec(member_ref(state), 1..=3), any::<bool>())
            .prop_map(|(users, entra)| GroupPatch::AddMembers { users, entra }),
        2 => member_ref(state).prop_map(|user| GroupPatch::RemoveMemberByFilter { user }),
        2 => proptest::collection::vec(member_ref(state), 1..=2)
            .prop_map(|users| GroupPatch::RemoveMembersByValue { users }),
        2 => live_user_refs(state, 3).prop_map(|users| GroupPatch::ReplaceMembers { users }),
        1 => Just(GroupPatch::RemoveAllMembers),
        1 => select(GROUP_STEMS).prop_map(|name| GroupPatch::Rename { name }),
        1 => Just(GroupPatch::UnknownOp),
    ]
    .boxed()
}

fn list_op(state: &Model) -> BoxedStrategy<Op> {
    let _ = state;
    let user_filter = proptest::option::weighted(
        0.6,
        prop_oneof![
            3 => select(USER_STEMS).prop_map(ListFilter::UserName),
            1 => select(EXTERNAL_ID_STEMS).prop_map(ListFilter::ExternalId),
        ],
    );
    let group_filter = proptest::option::weighted(0.5, select(GROUP_STEMS).prop_map(ListFilter::DisplayName));
    prop_oneof![
        (user_filter, select(START_INDEXES), select(COUNTS)).prop_map(|(filter, start_index, count)| Op::List {
            resource: Resource::Users,
            filter,
            start_index,
            count,
        }),
        (group_filter, select(START_INDEXES), select(COUNTS)).prop_map(|(filter, start_index, count)| Op::List {
            resource: Resource::Groups,
            filter,
            start_index,
            count,
        }),
    ]
    .boxed()
}

impl ReferenceStateMachine for DirectoryMachine {
    type State = Model;
    type Transition = Op;

    fn init_state() -> BoxedStrategy<Model> {
        Just(Model::default()).boxed()
    }

    fn transitions(state: &Model) -> BoxedStrategy<Op> {
        let next_user = UserKey(state.next_key);
        let next_group = GroupKey(state.next_key);
        let has_users = !state.users.is_empty();
        let has_groups = !state.groups.is_empty();
        // Creates dominate until a few users exist, so that clashes and
        // memberships become likely. While no user exists, operations on
        // users are rare because they could only be 404s.
        let create_user_weight = match state.users.len() {
            0..=1 => 20,
            2..=4 => 6,
            _ => 2,
        };
        let user_op_weight = if has_users { 1 } else { 0 };

        let mut choices: Vec<(u32, BoxedStrategy<Op>)> = vec![
            (
                create_user_weight,
                user_fields()
                    .prop_map(move |fields| Op::CreateUser { key: next_user, fields })
                    .boxed(),
            ),
            (
                1 + user_op_weight,
                user_ref(state).prop_map(|user| Op::GetUser { user }).boxed(),
            ),
            (
                1 + 2 * user_op_weight,
                (user_ref(state), user_fields())
                    .prop_map(|(user, fields)| Op::ReplaceUser { user, fields })
                    .boxed(),
            ),
            (
                1 + 6 * user_op_weight,
                (
                    user_ref(state),
                    proptest::collection::vec(user_patch(state), 1..=3),
                    prop::bool::weighted(0.2),
                )
                    .prop_map(|(user, ops, lowercase_key)| Op::PatchUser {
                        user,
                        ops,
                        lowercase_key,
                    })
                    .boxed(),
            ),
            (
                1 + user_op_weight,
                user_ref(state).prop_map(|user| Op::DeleteUser { user }).boxed(),
            ),
            (
                match state.groups.len() {
                    0 => 6,
                    1..=2 => 3,
                    _ => 1,
                },
                (select(GROUP_STEMS), live_user_refs(state, 2))
                    .prop_map(move |(name, members)| Op::CreateGroup {
                        key: next_group,
                        name,
                        members,
                    })
                    .boxed(),
            ),
            (1, group_ref(state).prop_map(|group| Op::GetGroup { group }).boxed()),
            (3, list_op(state)),
            (
                2,
                prop_oneof![
                    select(REJECTED_USER_FILTERS).prop_map(|filter| Op::RejectedFilter {
                        resource: Resource::Users,
                        filter,
                    }),
                    select(REJECTED_GROUP_FILTERS).prop_map(|filter| Op::RejectedFilter {
                        resource: Resource::Groups,
                        filter,
                    }),
                ]
                .boxed(),
            ),
            (
                1,
                select(
                    &[
                        InvalidUser::MissingUserName,
                        InvalidUser::BlankUserName,
                        InvalidUser::MissingEmails,
                        InvalidUser::UnverifiedDomain,
                    ][..],
                )
                .prop_map(|kind| Op::InvalidCreateUser { kind })
                .boxed(),
            ),
            (1, Just(Op::InvalidCreateGroup).boxed()),
        ];
        if has_users {
            let live: Vec<UserKey> = state.users.keys().copied().collect();
            choices.push((
                1,
                select(live)
                    .prop_map(|key| Op::EmptyPatch {
                        user: UserRef::Live(key),
                    })
                    .boxed(),
            ));
        }
        if has_groups {
            let group_names: Vec<&'static str> = state.groups.values().map(|g| g.name).collect();
            choices.push((
                6,
                (
                    group_ref(state),
                    proptest::collection::vec(group_patch(state), 1..=2),
                    prop::bool::weighted(0.2),
                )
                    .prop_map(|(group, ops, lowercase_key)| Op::PatchGroup {
                        group,
                        ops,
                        lowercase_key,
                    })
                    .boxed(),
            ));
            choices.push((
                2,
                (
                    group_ref(state),
                    // Mostly an existing group's own name, so the PUT can
                    // succeed; otherwise a rename, which must fail.
                    prop_oneof![3 => select(group_names), 1 => select(GROUP_STEMS)],
                    // Sometimes one member that is not a user of the
                    // directory, which makes the PUT 400.
                    prop_oneof![
                        4 => live_user_refs(state, 3),
                        1 => (live_user_refs(state, 2), user_ref(state)).prop_map(|(mut users, extra)| {
                            users.push(extra);
                            users
                        }),
                    ],
                )
                    .prop_map(|(group, name, members)| Op::ReplaceGroup { group, name, members })
                    .boxed(),
            ));
            choices.push((1, group_ref(state).prop_map(|group| Op::DeleteGroup { group }).boxed()));
        }
        Union::new_weighted(choices).boxed()
    }

    fn apply(mut state: Model, transition: &Op) -> Model {
        state.apply(transition);
        state
    }

    fn preconditions(state: &Model, transition: &Op) -> bool {
        transition_is_valid(state, transition)
    }
}

fn user_ref_is_valid(state: &Model, user: &UserRef) -> bool {
    match user {
        UserRef::Live(key) => state.users.contains_key(key),
        UserRef::Deleted(key) => state.deleted_users.contains(key),
        UserRef::Unknown(_) | UserRef::NotUuid(_) => true,
    }
}

fn group_ref_is_valid(state: &Model, group: &GroupRef) -> bool {
    match group {
        GroupRef::Live(key) => state.groups.contains_key(key),
        GroupRef::Deleted(key) => state.deleted_groups.contains(key),
        GroupRef::Unknown(_) | GroupRef::NotUuid(_) => true,
    }
}

/// Tells whether a transition may run in `state`.
///
/// Besides checking references, this keeps out requests whose outcome the
/// behaviour reference leaves open. One is a request with two different
/// failures, because the order in which a server reports them is not
/// specified. The other is a malformed PATCH aimed at a missing resource,
/// where 400 and 404 are both reasonable.
pub fn transition_is_valid(state: &Model, transition: &Op) -> bool {
    match transition {
        Op::CreateUser { key, .. } => key.0 >= state.next_key,
        Op::CreateGroup { key, members, .. } => {
            key.0 >= state.next_key
                && members
                    .iter()
                    .all(|m| matches!(m, UserRef::Live(k) if state.users.contains_key(k)))
        }
        Op::GetUser { user } | Op::DeleteUser { user } | Op::ReplaceUser { user, .. } => user_ref_is_valid(state, user),
        // Aimed at a missing user, an empty PATCH could be 400 or 404.
        Op::EmptyPatch { user } => matches!(user, UserRef::Live(key) if state.users.contains_key(key)),
        Op::PatchUser { user, ops, .. } => {
            user_ref_is_valid(state, user) && user_patch_is_unambiguous(state, user, ops)
        }
        Op::GetGroup { group } | Op::DeleteGroup { group } => group_ref_is_valid(state, group),
        Op::ReplaceGroup { group, name, members } => {
            if !group_ref_is_valid(state, group) || !members.iter().all(|m| user_ref_is_valid(state, m)) {
                return false;
            }
            let renames = match group {
                GroupRef::Live(key) => state.groups.get(key).is_some_and(|g| g.name != *name),
                _ => false,
            };
            let unknown_member = members.iter().any(|m| !matches!(m, UserRef::Live(_)));
            !(renames && unknown_member)
        }
        Op::PatchGroup { group, ops, .. } => {
            group_ref_is_valid(state, group) && group_patch_is_unambiguous(state, group, ops)
        }
        Op::List { resource, filter, .. } => matches!(
            (resource, filter),
            (_, None)
                | (
                    Resource::Users,
                    Some(ListFilter::UserName(_) | ListFilter::ExternalId(_))
                )
                | (Resource::Groups, Some(ListFilter::DisplayName(_)))
        ),
        Op::RejectedFilter { .. } | Op::InvalidCreateUser { .. } | Op::InvalidCreateGroup => true,
    }
}

fn user_patch_is_unambiguous(state: &Model, user: &UserRef, ops: &[UserPatch]) -> bool {
    let invalid = ops.iter().filter(|op| op.syntax_error().is_some()).count();
    let renames = ops.iter().filter(|op| matches!(op, UserPatch::UserName { .. })).count();
    let email_changes = ops
        .iter()
        .filter(|op| matches!(op, UserPatch::WorkEmailEntra { .. } | UserPatch::EmailsRfc { .. }))
        .count();
    if renames > 1 || email_changes > 1 || invalid > 1 {
        return false;
    }
    if invalid == 1 {
        // A malformed operation next to a possible uniqueness clash, or aimed
        // at a missing user, has two reasonable outcomes.
        let target_is_live = matches!(user, UserRef::Live(key) if state.users.contains_key(key));
        return target_is_live && renames == 0 && email_changes == 0;
    }
    true
}

fn group_patch_is_unambiguous(state: &Model, group: &GroupRef, ops: &[GroupPatch]) -> bool {
    let Some(record) = (match group {
        GroupRef::Live(key) => state.groups.get(key),
        _ => None,
    }) else {
        // A missing group is 404 whatever the operations are, unless one is
        // malformed.
        return !ops.iter().any(|op| matches!(op, GroupPatch::UnknownOp));
    };
    let refs_valid = ops.iter().all(|op| match op {
        GroupPatch::AddMembers { users, .. }
        | GroupPatch::RemoveMembersByValue { users }
        | GroupPatch::ReplaceMembers { users } => users.iter().all(|u| user_ref_is_valid(state, u)),
        GroupPatch::RemoveMemberByFilter { user } => user_ref_is_valid(state, user),
        GroupPatch::RemoveAllMembers | GroupPatch::Rename { .. } | GroupPatch::UnknownOp => true,
    });
    let replace_is_live = ops.iter().all(|op| match op {
        GroupPatch::ReplaceMembers { users } => users.iter().all(|u| matches!(u, UserRef::Live(_))),
        _ => true,
    });
    let failing = ops
        .iter()
        .filter(|op| match op {
            GroupPatch::AddMembers { users, .. } => users.iter().any(|u| !matches!(u, UserRef::Live(_))),
            GroupPatch::Rename { name } => *name != record.name,
            GroupPatch::UnknownOp => true,
            _ => false,
        })
        .count();
    refs_valid && replace_is_live && failing <= 1
}

impl UserPatch {
    /// Returns the `scimType` of the 400 that this operation causes on its
    /// own, whatever the user's state.
    pub fn syntax_error(&self) -> Option<&'static str> {
        match self {
            UserPatch::BadBoolean { .. } => Some("invalidValue"),
            UserPatch::UnknownOp => Some("invalidSyntax"),
            _ => None,
        }
    }

    /// Applies a valid operation to the stored attributes.
    pub fn apply_to(&self, fields: &mut UserFields) {
        match self {
            UserPatch::ActiveRfc { active } | UserPatch::ActiveOkta { active } => fields.active = *active,
            UserPatch::ActiveEntra { spelled } => fields.active = spelled.eq_ignore_ascii_case("true"),
            UserPatch::GivenName { value, .. } => fields.given_name = Some(value),
            UserPatch::UserName { stem } => fields.user_name = stem,
            UserPatch::WorkEmailEntra { stem } | UserPatch::EmailsRfc { stem } => fields.email = stem,
            UserPatch::ExternalId { value, .. } => fields.external_id = Some(value),
            UserPatch::RemoveExternalId => fields.external_id = None,
            UserPatch::DepartmentUrn { value } => fields.department = Some(value),
            UserPatch::DisplayNameEntra { value } => fields.display_name = Some(value),
            UserPatch::BadBoolean { .. } | UserPatch::UnknownOp => {}
        }
    }

    /// Returns the name under which the report counts this operation.
    pub fn label(&self) -> &'static str {
        match self {
            UserPatch::ActiveRfc { .. } => "patch_user.active_rfc",
            UserPatch::ActiveOkta { .. } => "patch_user.active_okta_pathless",
            UserPatch::ActiveEntra { .. } => "patch_user.active_entra_string",
            UserPatch::GivenName { pathless: false, .. } => "patch_user.given_name_path",
            UserPatch::GivenName { pathless: true, .. } => "patch_user.given_name_pathless",
            UserPatch::UserName { .. } => "patch_user.user_name",
            UserPatch::WorkEmailEntra { .. } => "patch_user.email_entra_filter_path",
            UserPatch::EmailsRfc { .. } => "patch_user.emails_rfc",
            UserPatch::ExternalId { .. } => "patch_user.external_id",
            UserPatch::RemoveExternalId => "patch_user.remove_external_id",
            UserPatch::DepartmentUrn { .. } => "patch_user.department_urn_path",
            UserPatch::DisplayNameEntra { .. } => "patch_user.display_name_entra",
            UserPatch::BadBoolean { .. } => "patch_user.invalid_boolean",
            UserPatch::UnknownOp => "patch_user.unknown_op",
        }
    }
}

impl GroupPatch {
    /// Returns the name under which the report counts this operation.
    pub fn label(&self) -> &'static str {
        match self {
            GroupPatch::AddMembers { entra: false, .. } => "patch_group.add_members",
            GroupPatch::AddMembers { entra: true, .. } => "patch_group.add_members_entra",
            GroupPatch::RemoveMemberByFilter { .. } => "patch_group.remove_member_by_filter",
            GroupPatch::RemoveMembersByValue { .. } => "patch_group.remove_members_by_value",
            GroupPatch::ReplaceMembers { .. } => "patch_group.replace_members",
            GroupPatch::RemoveAllMembers => "patch_group.remove_all_members",
            GroupPatch::Rename { .. } => "patch_group.rename",
            GroupPatch::UnknownOp => "patch_group.unknown_op",
        }
    }
}

impl Op {
    /// Returns the name under which the report counts this transition.
    pub fn label(&self) -> &'static str {
        match self {
            Op::CreateUser { .. } => "create_user",
            Op::GetUser { .. } => "get_user",
            Op::ReplaceUser { .. } => "replace_user",
            Op::PatchUser { .. } => "patch_user",
            Op::DeleteUser { .. } => "delete_user",
            Op::CreateGroup { .. } => "create_group",
            Op::GetGroup { .. } => "get_group",
            Op::ReplaceGroup { .. } => "replace_group",
            Op::PatchGroup { .. } => "patch_group",
            Op::DeleteGroup { .. } => "delete_group",
            Op::List { filter: None, .. } => "list_page",
            Op::List {
                filter: Some(ListFilter::UserName(_)),
                ..
            } => "filter_user_name",
            Op::List {
                filter: Some(ListFilter::ExternalId(_)),
                ..
            } => "filter_external_id",
            Op::List {
                filter: Some(ListFilter::DisplayName(_)),
                ..
            } => "filter_display_name",
            Op::RejectedFilter { .. } => "rejected_filter",
            Op::InvalidCreateUser { .. } => "invalid_create_user",
            Op::InvalidCreateGroup => "invalid_create_group",
            Op::EmptyPatch { .. } => "empty_patch",
        }
    }

    /// Returns the labels of the PATCH operations inside this transition.
    pub fn sub_labels(&self) -> Vec<&'static str> {
        match self {
            Op::PatchUser { ops, .. } => ops.iter().map(UserPatch::label).collect(),
            Op::PatchGroup { ops, .. } => ops.iter().map(GroupPatch::label).collect(),
            _ => Vec::new(),
        }
    }
}
