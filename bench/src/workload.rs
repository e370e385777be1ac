//! The measured operations, and the setup they need: user ids read from
//! the server's list pages, and a group of a given size.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context};
use http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::load::{Connection, Target, Workload};

/// A user of the directory under test.
#[derive(Debug, Clone)]
pub struct UserRef {
    pub id: String,
    pub user_name: String,
}

/// Reads up to `limit` users in creation order, 100 per list page.
pub async fn discover_users(target: &Target, limit: usize) -> anyhow::Result<Vec<UserRef>> {
    let mut connection = Connection::open(target).await?;
    let mut users = Vec::with_capacity(limit);
    while users.len() < limit {
        let path = format!("/Users?startIndex={}&count=100", users.len() + 1);
        let page = get_json(&mut connection, target, &path).await?;
        let resources = page["Resources"].as_array().map(Vec::as_slice).unwrap_or_default();
        if resources.is_empty() {
            break;
        }
        for resource in resources {
            let (Some(id), Some(user_name)) = (resource["id"].as_str(), resource["userName"].as_str()) else {
                bail!("a listed user has no id or userName: {resource}");
            };
            users.push(UserRef {
                id: id.to_owned(),
                user_name: user_name.to_owned(),
            });
        }
    }
    users.truncate(limit);
    Ok(users)
}

/// Sends a GET and parses the JSON of a 200 response.
pub async fn get_json(connection: &mut Connection, target: &Target, path: &str) -> anyhow::Result<Value> {
    let (status, body) = connection.send(target.request(Method::GET, path, None)).await?;
    if status != StatusCode::OK {
        bail!("GET {path} returned {status}: {}", String::from_utf8_lossy(&body));
    }
    serde_json::from_slice(&body).with_context(|| format!("GET {path} returned invalid JSON"))
}

/// Sends a GET and returns the raw body of its 200 response.
pub async fn get_body(target: &Target, path: &str) -> anyhow::Result<bytes::Bytes> {
    let mut connection = Connection::open(target).await?;
    let (status, body) = connection.send(target.request(Method::GET, path, None)).await?;
    if status != StatusCode::OK {
        bail!("GET {path} returned {status}: {}", String::from_utf8_lossy(&body));
    }
    Ok(body)
}

/// Creates a group whose members are `members`, and returns its id.
pub async fn create_group(target: &Target, display_name: &str, members: &[UserRef]) -> anyhow::Result<String> {
    let members: Vec<Value> = members.iter().map(|user| json!({"value": user.id})).collect();
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": display_name,
        "members": members,
    });
    let mut connection = Connection::open(target).await?;
    let (status, response_body) = connection
        .send(target.request(Method::POST, "/Groups", Some(body.to_string())))
        .await?;
    if status != StatusCode::CREATED {
        bail!("POST /Groups returned {status}: {}", String::from_utf8_lossy(&response_body));
    }
    let group: Value = serde_json::from_slice(&response_body).context("POST /Groups returned invalid JSON")?;
    group["id"]
        .as_str()
        .map(str::to_owned)
        .context("POST /Groups returned no id")
}

/// Builds a workload that sends the paths of `paths` in turn, shared by
/// every connection, so consecutive requests address different resources.
fn rotating_get(name: &str, paths: Vec<String>) -> Workload {
    let cursor = AtomicUsize::new(0);
    Workload {
        name: name.to_owned(),
        expected: StatusCode::OK,
        next_request: Arc::new(move |target: &Target, _connection, _sequence| {
            let index = cursor.fetch_add(1, Ordering::Relaxed) % paths.len();
            target.request(Method::GET, &paths[index], None)
        }),
    }
}

/// `GET /Users/{id}` over every user in turn.
pub fn get_by_id(users: &[UserRef]) -> Workload {
    let paths = users.iter().map(|user| format!("/Users/{}", user.id)).collect();
    rotating_get("GET user by id", paths)
}

/// `GET /Users?filter=userName eq "..."` over every user in turn.
pub fn filter_by_user_name(users: &[UserRef]) -> Workload {
    let paths = users
        .iter()
        .map(|user| {
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair("filter", &format!("userName eq \"{}\"", user.user_name))
                .finish();
            format!("/Users?{query}")
        })
        .collect();
    rotating_get("filter by userName", paths)
}

/// Builds a workload that requests one list page, the same on every request.
pub fn list_page(start_index: usize, count: usize) -> Workload {
    rotating_get(
        &format!("list page startIndex={start_index}&count={count}"),
        vec![format!("/Users?startIndex={start_index}&count={count}")],
    )
}

/// `POST /Users` with a userName no other request uses; `tag` must differ
/// between the cells that run against one server.
pub fn create_user(tag: &str, domain: &str) -> Workload {
    let tag = tag.to_owned();
    let domain = domain.to_owned();
    Workload {
        name: "POST create user".to_owned(),
        expected: StatusCode::CREATED,
        next_request: Arc::new(move |target: &Target, connection, sequence| {
            let user_name = format!("bench-{tag}-{connection}-{sequence}@{domain}");
            let body = json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": user_name,
                "externalId": format!("bench-{tag}-{connection}-{sequence}"),
                "name": {"givenName": "Bench", "familyName": "User", "formatted": "Bench User"},
                "displayName": "Bench User",
                "emails": [{"value": user_name, "type": "work", "primary": true}],
                "active": true,
            });
            target.request(Method::POST, "/Users", Some(body.to_string()))
        }),
    }
}

/// `PATCH /Groups/{id}` adding one member per request, in the Okta and
/// RFC 7644 form `{"op": "add", "path": "members", ...}`.
///
/// Each request adds the next user of `candidates`; once all are added the
/// adds repeat and change nothing, but still run the whole PATCH path.
pub fn patch_add_member(group_id: &str, candidates: &[UserRef]) -> Workload {
    let path = format!("/Groups/{group_id}");
    let ids: Vec<String> = candidates.iter().map(|user| user.id.clone()).collect();
    let cursor = AtomicUsize::new(0);
    Workload {
        name: "PATCH add group member".to_owned(),
        expected: StatusCode::OK,
        next_request: Arc::new(move |target: &Target, _connection, _sequence| {
            let id = &ids[cursor.fetch_add(1, Ordering::Relaxed) % ids.len()];
            let body = json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": id}]}],
            });
            target.request(Method::PATCH, &path, Some(body.to_string()))
        }),
    }
}

/// Returns the member count of a group.
pub async fn group_size(target: &Target, group_id: &str) -> anyhow::Result<usize> {
    let mut connection = Connection::open(target).await?;
    let group = get_json(&mut connection, target, &format!("/Groups/{group_id}")).await?;
    Ok(group["members"].as_array().map_or(0, Vec::len))
}

/// Workload names that `scim-bench drive` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WorkloadKind {
    GetById,
    Filter,
    ListPage,
    Create,
    PatchAdd,
}
