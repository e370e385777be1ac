//! The behaviour rules that the properties check.
//!
//! Every prediction of the model and every invariant carries one [`Rule`],
//! so a failure names the rule the server broke, states it, and suggests
//! where the fix most likely is.

use std::fmt;

/// One rule of Atlassian's provisioning API, as the properties check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// A valid create returns 201 and the resource as stored.
    CreateReturnsResource,
    /// `userName` and primary email are unique, case-insensitively.
    UserUniqueness,
    /// Creating a user beyond the directory's user limit is 403.
    UserLimit,
    /// A create without `userName` or primary email, or with an email on an
    /// unverified domain, is 400 `invalidValue`.
    UserValidation,
    /// GET of a live resource returns it as stored.
    ReadReturnsStored,
    /// GET, PUT, PATCH or DELETE of an id that is not in the directory is 404.
    UnknownIdNotFound,
    /// PUT replaces all writable attributes and clears the omitted ones.
    ReplaceUser,
    /// PATCH applies each identity provider's dialect of operations.
    PatchDialects,
    /// A malformed PATCH is 400 and changes nothing.
    PatchValidation,
    /// DELETE of a user is 204, then 404, and removes its memberships.
    DeleteUser,
    /// Group `displayName` is unique, case-insensitively.
    GroupUniqueness,
    /// A group create without `displayName` is 400.
    GroupValidation,
    /// Changing a group's `displayName` is 400 `mutability`.
    GroupRenameRejected,
    /// PATCH of members adds, removes and replaces as RFC 7644 §3.5.2 defines.
    GroupMembers,
    /// Adding a member id that is not a user of the directory is 404 and
    /// changes nothing.
    UnknownMemberNotFound,
    /// PUT of a group with a member id that is not a user of the directory is 400.
    ReplaceGroupUnknownMember,
    /// DELETE of a group is 204, then 404.
    DeleteGroup,
    /// Only a single `eq` on `userName`/`externalId` (users) or
    /// `displayName` (groups) is supported; anything else is 400 `invalidFilter`.
    FilterSubset,
    /// `userName` and `displayName` filters match case-insensitively,
    /// `externalId` case-exactly, and escaped or non-ASCII values exactly.
    FilterMatches,
    /// `startIndex` is 1-based (below 1 acts as 1), `count` is capped at 100,
    /// and order is creation order.
    Paging,
    /// Every model user is found by GET and by a `userName` filter.
    UserFindable,
    /// `totalResults` equals the number of resources in the directory.
    TotalsMatch,
    /// Walking all pages returns each resource exactly once, in creation
    /// order (checked for this run's resources).
    PagesCoverOnce,
    /// A user's `groups` and its groups' `members` agree.
    MembershipAgrees,
    /// No response has a 5xx status.
    NoServerError,
    /// Error responses carry the SCIM error body of RFC 7644 §3.12.
    ErrorBody,
    /// Racing creates of one name have exactly one winner.
    RaceOneWinner,
    /// Concurrent member adds all land.
    RaceAllMembersLand,
    /// Every request gets an HTTP response.
    Reachable,
    /// The server accepts the run's key: no request with it gets 401.
    KeyAccepted,
}

impl Rule {
    /// Returns the short identifier used in reports and scenario files.
    pub fn id(self) -> &'static str {
        match self {
            Rule::CreateReturnsResource => "create-returns-resource",
            Rule::UserUniqueness => "user-uniqueness",
            Rule::UserLimit => "user-limit",
            Rule::UserValidation => "user-validation",
            Rule::ReadReturnsStored => "read-returns-stored",
            Rule::UnknownIdNotFound => "unknown-id-not-found",
            Rule::ReplaceUser => "replace-user",
            Rule::PatchDialects => "patch-dialects",
            Rule::PatchValidation => "patch-validation",
            Rule::DeleteUser => "delete-user",
            Rule::GroupUniqueness => "group-uniqueness",
            Rule::GroupValidation => "group-validation",
            Rule::GroupRenameRejected => "group-rename-rejected",
            Rule::GroupMembers => "group-members",
            Rule::UnknownMemberNotFound => "unknown-member-not-found",
            Rule::ReplaceGroupUnknownMember => "replace-group-unknown-member",
            Rule::DeleteGroup => "delete-group",
            Rule::FilterSubset => "filter-subset",
            Rule::FilterMatches => "filter-matches",
            Rule::Paging => "paging",
            Rule::UserFindable => "user-findable",
            Rule::TotalsMatch => "totals-match",
            Rule::PagesCoverOnce => "pages-cover-once",
            Rule::MembershipAgrees => "membership-agrees",
            Rule::NoServerError => "no-server-error",
            Rule::ErrorBody => "error-body",
            Rule::RaceOneWinner => "race-one-winner",
            Rule::RaceAllMembersLand => "race-all-members-land",
            Rule::Reachable => "reachable",
            Rule::KeyAccepted => "key-accepted",
        }
    }

    /// Returns the rule as one sentence.
    pub fn statement(self) -> &'static str {
        match self {
            Rule::CreateReturnsResource => "a valid create returns 201 and the resource as stored",
            Rule::UserUniqueness => {
                "userName and primary email are unique per directory, case-insensitively: a clash is 409 uniqueness"
            }
            Rule::UserLimit => "creating a user beyond the directory's user limit is 403, with the limit in the detail",
            Rule::UserValidation => {
                "a user without userName or primary email, or with an email on an unverified domain, is 400 invalidValue"
            }
            Rule::ReadReturnsStored => "GET of a live resource returns it as stored",
            Rule::UnknownIdNotFound => "a request on an id that is not in the directory is 404 without scimType",
            Rule::ReplaceUser => "PUT replaces all writable attributes and clears the omitted ones",
            Rule::PatchDialects => {
                "PATCH accepts RFC, Okta (path-less) and Entra (capitalised ops, string booleans, filter paths) operations"
            }
            Rule::PatchValidation => {
                "a PATCH with no operations or an unknown op is 400 invalidSyntax, a non-boolean string for active is 400 invalidValue, and nothing changes"
            }
            Rule::DeleteUser => "DELETE of a user is 204, later requests on its id are 404, and it leaves its groups",
            Rule::GroupUniqueness => "group displayName is unique per directory, case-insensitively: a clash is 409 uniqueness",
            Rule::GroupValidation => "a group create without displayName is 400",
            Rule::GroupRenameRejected => "PUT or PATCH that changes a group's displayName is 400 mutability and changes nothing",
            Rule::GroupMembers => "PATCH of members adds, removes by filter or value array, and replaces the list",
            Rule::UnknownMemberNotFound => "PATCH add of a member that is not a user of the directory is 404 and changes nothing",
            Rule::ReplaceGroupUnknownMember => "PUT of a group with a member that is not a user of the directory is 400",
            Rule::DeleteGroup => "DELETE of a group is 204 and later requests on its id are 404",
            Rule::FilterSubset => {
                "only a single eq on userName or externalId (users) or displayName (groups) is supported; anything else is 400 invalidFilter"
            }
            Rule::FilterMatches => {
                "userName and displayName filters match case-insensitively, externalId case-exactly, escaped and non-ASCII values exactly"
            }
            Rule::Paging => {
                "startIndex is 1-based and values below 1 act as 1, count defaults to and is capped at 100, order is creation order"
            }
            Rule::UserFindable => "every user in the directory is returned by GET and by a userName filter",
            Rule::TotalsMatch => "totalResults equals the number of resources in the directory",
            Rule::PagesCoverOnce => "walking all pages returns each resource exactly once, in creation order",
            Rule::MembershipAgrees => "a user's groups and its groups' members agree",
            Rule::NoServerError => "no response has a 5xx status",
            Rule::ErrorBody => "an error response has the SCIM error body: schemas, status as a string, scimType where RFC 7644 defines one",
            Rule::RaceOneWinner => "of several concurrent creates of one name (in any letter case), exactly one succeeds and the rest are 409",
            Rule::RaceAllMembersLand => "concurrent PATCH adds of different members to one group all land",
            Rule::Reachable => "every request gets an HTTP response",
            Rule::KeyAccepted => "the server accepts the run's key on every request (no 401, and no 403 while listing)",
        }
    }

    /// Returns where a fix for a broken rule most likely belongs.
    pub fn fix_hint(self) -> &'static str {
        match self {
            Rule::UserUniqueness | Rule::GroupUniqueness => {
                "compare names case-insensitively (Unicode lowercase) against every live resource except the one being changed"
            }
            Rule::FilterMatches => {
                "decode the filter value as a JSON string and compare userName/displayName case-insensitively, externalId exactly"
            }
            Rule::FilterSubset => "parse the whole filter and reject anything but one eq on a supported attribute",
            Rule::Paging | Rule::PagesCoverOnce | Rule::TotalsMatch => {
                "slice the matches in creation order from max(startIndex,1)-1, take min(count,100), count all matches in totalResults"
            }
            Rule::MembershipAgrees | Rule::GroupMembers | Rule::DeleteUser => {
                "derive user.groups from group membership, and remove a deleted user from every group"
            }
            Rule::UnknownMemberNotFound | Rule::PatchValidation | Rule::GroupRenameRejected => {
                "validate every operation before applying any, and apply the PATCH to a copy that is kept only on success"
            }
            Rule::RaceOneWinner | Rule::RaceAllMembersLand => {
                "check and write under one lock (or one transaction) instead of read-then-write"
            }
            Rule::NoServerError => "find the panic or unhandled error in the server log for this request",
            Rule::Reachable => "check that the server is running at the base URL and answers within --timeout",
            Rule::KeyAccepted => "check --token: the server rejected the key it accepted before the first case",
            _ => "compare the handler for this request with the rule; if the server is right, the reference model is wrong",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.id(), self.statement())
    }
}
