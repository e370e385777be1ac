//! Rendering of transitions into HTTP requests.
//!
//! Server-assigned ids are unknown when a request is rendered, so a request
//! names them by placeholder (`${u3}` for user key 3, `${g5}` for group key
//! 5). The executor substitutes the placeholders just before sending, and
//! the scenario writer keeps them, so a recorded failure can be replayed
//! against a fresh directory.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Map, Value};

use super::model::{GroupKey, UserKey};
use super::names::{filter_literal, Naming, PROBE_STEM};
use super::transitions::{GroupPatch, GroupRef, InvalidUser, ListFilter, Op, Resource, UserFields, UserPatch, UserRef};

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Characters kept as they are in an id path segment; everything else is
/// percent-encoded, so a non-UUID id can never reach another endpoint.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.');

/// HTTP method of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    /// Returns the method name as sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// A request whose path, query and body may contain id placeholders.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestTemplate {
    pub method: Method,
    /// Path under the SCIM base URL, starting with `/`, percent-encoded.
    pub path: String,
    /// Query parameters, not yet encoded.
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    /// Placeholder name (such as `u3`) that the response's `id` binds when
    /// the request succeeds.
    pub binds: Option<String>,
}

impl RequestTemplate {
    fn new(method: Method, path: impl Into<String>) -> Self {
        RequestTemplate {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            binds: None,
        }
    }

    fn with_body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    fn with_query(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.push((name.to_owned(), value.into()));
        self
    }

    /// Returns `METHOD /path?query` for messages, with the query unencoded.
    pub fn summary(&self) -> String {
        let mut line = format!("{} {}", self.method.as_str(), self.path);
        for (index, (name, value)) in self.query.iter().enumerate() {
            line.push(if index == 0 { '?' } else { '&' });
            line.push_str(name);
            line.push('=');
            line.push_str(value);
        }
        line
    }
}

/// Returns the placeholder of a user key.
pub fn user_placeholder(key: UserKey) -> String {
    format!("u{}", key.0)
}

/// Returns the placeholder of a group key.
pub fn group_placeholder(key: GroupKey) -> String {
    format!("g{}", key.0)
}

fn placeholder_ref(name: &str) -> String {
    format!("${{{name}}}")
}

/// Renders an unknown id as a version-4 UUID built from the generated bits.
fn unknown_uuid(bits: u128) -> String {
    uuid::Builder::from_random_bytes(bits.to_be_bytes())
        .into_uuid()
        .to_string()
}

/// Renders a user reference as an id or id placeholder, unencoded.
pub fn user_id_text(user: &UserRef) -> String {
    match user {
        UserRef::Live(key) | UserRef::Deleted(key) => placeholder_ref(&user_placeholder(*key)),
        UserRef::Unknown(bits) => unknown_uuid(*bits),
        UserRef::NotUuid(text) => (*text).to_owned(),
    }
}

fn group_id_text(group: &GroupRef) -> String {
    match group {
        GroupRef::Live(key) | GroupRef::Deleted(key) => placeholder_ref(&group_placeholder(*key)),
        GroupRef::Unknown(bits) => unknown_uuid(*bits),
        GroupRef::NotUuid(text) => (*text).to_owned(),
    }
}

fn user_path(user: &UserRef) -> String {
    match user {
        UserRef::NotUuid(text) => format!("/Users/{}", utf8_percent_encode(text, PATH_SEGMENT)),
        _ => format!("/Users/{}", user_id_text(user)),
    }
}

fn group_path(group: &GroupRef) -> String {
    match group {
        GroupRef::NotUuid(text) => format!("/Groups/{}", utf8_percent_encode(text, PATH_SEGMENT)),
        _ => format!("/Groups/{}", group_id_text(group)),
    }
}

/// Renders the body of a user create or replace.
pub fn user_body(naming: &Naming, fields: &UserFields) -> Value {
    let mut body = Map::new();
    body.insert("schemas".into(), json!([USER_SCHEMA, ENTERPRISE_SCHEMA]));
    body.insert("userName".into(), json!(naming.user_name(fields.user_name)));
    body.insert(
        "emails".into(),
        json!([{ "value": naming.email(fields.email), "type": "work", "primary": true }]),
    );
    body.insert("active".into(), json!(fields.active));
    if let Some(external_id) = fields.external_id {
        body.insert("externalId".into(), json!(naming.external_id(external_id)));
    }
    if let Some(given_name) = fields.given_name {
        body.insert("name".into(), json!({ "givenName": given_name }));
    }
    if let Some(display_name) = fields.display_name {
        body.insert("displayName".into(), json!(display_name));
    }
    if let Some(department) = fields.department {
        body.insert(ENTERPRISE_SCHEMA.into(), json!({ "department": department }));
    }
    Value::Object(body)
}

fn member_values(users: &[UserRef]) -> Value {
    Value::Array(
        users
            .iter()
            .map(|user| json!({ "value": user_id_text(user) }))
            .collect(),
    )
}

fn patch_body(operations: Vec<Value>, lowercase_key: bool) -> Value {
    let key = if lowercase_key { "operations" } else { "Operations" };
    json!({ "schemas": [PATCH_SCHEMA], key: operations })
}

fn user_patch_operation(naming: &Naming, op: &UserPatch) -> Value {
    match op {
        UserPatch::ActiveRfc { active } => json!({ "op": "replace", "path": "active", "value": active }),
        UserPatch::ActiveOkta { active } => json!({ "op": "replace", "value": { "active": active } }),
        UserPatch::ActiveEntra { spelled } => json!({ "op": "Replace", "path": "active", "value": spelled }),
        UserPatch::GivenName { value, pathless: false } => {
            json!({ "op": "replace", "path": "name.givenName", "value": value })
        }
        UserPatch::GivenName { value, pathless: true } => {
            json!({ "op": "replace", "value": { "name.givenName": value } })
        }
        UserPatch::UserName { stem } => {
            json!({ "op": "replace", "path": "userName", "value": naming.user_name(stem) })
        }
        UserPatch::WorkEmailEntra { stem } => json!({
            "op": "Replace",
            "path": "emails[type eq \"work\"].value",
            "value": naming.email(stem),
        }),
        UserPatch::EmailsRfc { stem } => json!({
            "op": "replace",
            "path": "emails",
            "value": [{ "value": naming.email(stem), "type": "work", "primary": true }],
        }),
        UserPatch::ExternalId { value, op_name } => {
            json!({ "op": op_name, "path": "externalId", "value": naming.external_id(value) })
        }
        UserPatch::RemoveExternalId => json!({ "op": "remove", "path": "externalId" }),
        UserPatch::DepartmentUrn { value } => json!({
            "op": "replace",
            "path": format!("{ENTERPRISE_SCHEMA}:department"),
            "value": value,
        }),
        UserPatch::DisplayNameEntra { value } => json!({ "op": "Add", "path": "displayName", "value": value }),
        UserPatch::BadBoolean { spelled } => json!({ "op": "replace", "path": "active", "value": spelled }),
        UserPatch::UnknownOp => json!({ "op": "frobnicate", "path": "displayName", "value": "x" }),
    }
}

fn group_patch_operation(naming: &Naming, op: &GroupPatch) -> Value {
    match op {
        GroupPatch::AddMembers { users, entra } => json!({
            "op": if *entra { "Add" } else { "add" },
            "path": "members",
            "value": member_values(users),
        }),
        GroupPatch::RemoveMemberByFilter { user } => json!({
            "op": "remove",
            "path": format!("members[value eq {}]", filter_literal(&user_id_text(user))),
        }),
        GroupPatch::RemoveMembersByValue { users } => {
            json!({ "op": "remove", "path": "members", "value": member_values(users) })
        }
        GroupPatch::ReplaceMembers { users } => {
            json!({ "op": "replace", "path": "members", "value": member_values(users) })
        }
        GroupPatch::RemoveAllMembers => json!({ "op": "remove", "path": "members" }),
        GroupPatch::Rename { name } => {
            json!({ "op": "replace", "path": "displayName", "value": naming.group_name(name) })
        }
        GroupPatch::UnknownOp => json!({ "op": "frobnicate", "path": "members", "value": [] }),
    }
}

fn group_body(naming: &Naming, name: &str, members: &[UserRef]) -> Value {
    json!({
        "schemas": [GROUP_SCHEMA],
        "displayName": naming.group_name(name),
        "members": member_values(members),
    })
}

fn filter_text(naming: &Naming, filter: &ListFilter) -> String {
    match filter {
        ListFilter::UserName(stem) => format!("userName eq {}", filter_literal(&naming.user_name(stem))),
        ListFilter::ExternalId(stem) => {
            format!("externalId eq {}", filter_literal(&naming.external_id(stem)))
        }
        ListFilter::DisplayName(stem) => {
            format!("displayName eq {}", filter_literal(&naming.group_name(stem)))
        }
    }
}

fn collection_path(resource: Resource) -> &'static str {
    match resource {
        Resource::Users => "/Users",
        Resource::Groups => "/Groups",
    }
}

fn invalid_user_body(naming: &Naming, kind: InvalidUser) -> Value {
    let email = json!([{ "value": naming.email(PROBE_STEM), "type": "work", "primary": true }]);
    match kind {
        InvalidUser::MissingUserName => json!({ "schemas": [USER_SCHEMA], "emails": email }),
        InvalidUser::BlankUserName => json!({ "schemas": [USER_SCHEMA], "userName": "   ", "emails": email }),
        InvalidUser::MissingEmails => {
            json!({ "schemas": [USER_SCHEMA], "userName": naming.user_name(PROBE_STEM) })
        }
        InvalidUser::UnverifiedDomain => json!({
            "schemas": [USER_SCHEMA],
            "userName": naming.user_name(PROBE_STEM),
            "emails": [{ "value": naming.unverified_email(PROBE_STEM), "type": "work", "primary": true }],
        }),
    }
}

/// Renders one transition as an HTTP request template.
pub fn render(naming: &Naming, op: &Op) -> RequestTemplate {
    match op {
        Op::CreateUser { key, fields } => {
            let mut request = RequestTemplate::new(Method::Post, "/Users").with_body(user_body(naming, fields));
            request.binds = Some(user_placeholder(*key));
            request
        }
        Op::GetUser { user } => RequestTemplate::new(Method::Get, user_path(user)),
        Op::ReplaceUser { user, fields } => {
            RequestTemplate::new(Method::Put, user_path(user)).with_body(user_body(naming, fields))
        }
        Op::PatchUser {
            user,
            ops,
            lowercase_key,
        } => {
            let operations = ops.iter().map(|op| user_patch_operation(naming, op)).collect();
            RequestTemplate::new(Method::Patch, user_path(user)).with_body(patch_body(operations, *lowercase_key))
        }
        Op::DeleteUser { user } => RequestTemplate::new(Method::Delete, user_path(user)),
        Op::CreateGroup { key, name, members } => {
            let mut request =
                RequestTemplate::new(Method::Post, "/Groups").with_body(group_body(naming, name, members));
            request.binds = Some(group_placeholder(*key));
            request
        }
        Op::GetGroup { group } => RequestTemplate::new(Method::Get, group_path(group)),
        Op::ReplaceGroup { group, name, members } => {
            RequestTemplate::new(Method::Put, group_path(group)).with_body(group_body(naming, name, members))
        }
        Op::PatchGroup {
            group,
            ops,
            lowercase_key,
        } => {
            let operations = ops.iter().map(|op| group_patch_operation(naming, op)).collect();
            RequestTemplate::new(Method::Patch, group_path(group)).with_body(patch_body(operations, *lowercase_key))
        }
        Op::DeleteGroup { group } => RequestTemplate::new(Method::Delete, group_path(group)),
        Op::List {
            resource,
            filter,
            start_index,
            count,
        } => {
            let mut request = RequestTemplate::new(Method::Get, collection_path(*resource));
            if let Some(filter) = filter {
                request = request.with_query("filter", filter_text(naming, filter));
            }
            request = request.with_query("startIndex", start_index.to_string());
            if let Some(count) = count {
                request = request.with_query("count", count.to_string());
            }
            request
        }
        Op::RejectedFilter { resource, filter } => {
            RequestTemplate::new(Method::Get, collection_path(*resource)).with_query("filter", *filter)
        }
        Op::InvalidCreateUser { kind } => {
            RequestTemplate::new(Method::Post, "/Users").with_body(invalid_user_body(naming, *kind))
        }
        Op::InvalidCreateGroup => {
            RequestTemplate::new(Method::Post, "/Groups").with_body(json!({ "schemas": [GROUP_SCHEMA], "members": [] }))
        }
        Op::EmptyPatch { user } => {
            RequestTemplate::new(Method::Patch, user_path(user)).with_body(patch_body(Vec::new(), false))
        }
    }
}

/// Replaces every `${name}` in `text` with its bound id. A placeholder with
/// no binding (a create that the server rejected) becomes a fixed UUID that
/// no resource has.
pub fn substitute_text(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut output = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        output.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                let id = lookup(name).unwrap_or_else(|| UNBOUND_ID.to_owned());
                output.push_str(&id);
                rest = &after[end + 1..];
            }
            None => {
                output.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    output.push_str(rest);
    output
}

/// Id sent for a placeholder that was never bound.
pub const UNBOUND_ID: &str = "00000000-0000-4000-8000-000000000000";

/// Applies [`substitute_text`] to every string in a JSON value.
pub fn substitute_json(value: &Value, lookup: &dyn Fn(&str) -> Option<String>) -> Value {
    match value {
        Value::String(text) => Value::String(substitute_text(text, lookup)),
        Value::Array(items) => Value::Array(items.iter().map(|item| substitute_json(item, lookup)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, item)| (key.clone(), substitute_json(item, lookup)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitute_replaces_bound_and_unbound() {
        let lookup = |name: &str| (name == "u1").then(|| "id-1".to_owned());
        assert_eq!(substitute_text("/Users/${u1}", &lookup), "/Users/id-1");
        assert_eq!(substitute_text("${u2}", &lookup), UNBOUND_ID);
        assert_eq!(substitute_text("no placeholder", &lookup), "no placeholder");
    }

    #[test]
    fn non_uuid_ids_are_percent_encoded() {
        assert_eq!(user_path(&UserRef::NotUuid("é")), "/Users/%C3%A9");
        assert_eq!(user_path(&UserRef::NotUuid("not-a-uuid")), "/Users/not-a-uuid");
    }

    #[test]
    fn member_filter_path_quotes_the_id() {
        let naming = Naming::new("pt-", "example.com").expect("valid naming");
        let op = GroupPatch::RemoveMemberByFilter {
            user: UserRef::Live(UserKey(3)),
        };
        let rendered = group_patch_operation(&naming, &op);
        assert_eq!(rendered["path"], "members[value eq \"${u3}\"]");
    }
}
