//! Helpers shared by the HTTP integration tests: a client bound to one
//! directory of a running mock, request body builders, and assertions for
//! the two error body shapes and the value formats the API promises.

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

use std::time::Duration;

use reqwest::header::{HeaderMap, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use scim_mock::{MockServer, MockServerBuilder};
use serde_json::{json, Value};

pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const EXTERNAL_URN: &str = "urn:scim:schemas:extension:atlassian-external:1.0";
pub const CUSTOM_URN: &str = "urn:scim:schemas:extension:atlassian-custom:1.0:Attributes";
pub const PATCH_OP_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const LIST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// The media type of request bodies the helpers send.
pub const SCIM_JSON: &str = "application/scim+json";

/// The seed with one extra organisation (`org-key-acme`) and its two
/// directories, `Okta` and `Microsoft Entra ID`.
pub const SMALL_SEED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/seeds/small.json");

/// The `Okta` directory of [`SMALL_SEED`]: id and API key.
pub const OKTA_DIRECTORY: (&str, &str) = ("3b9f1c2a-8d4e-4f6a-b1c2-d3e4f5a6b7c8", "okta-directory-key");

/// The `Microsoft Entra ID` directory of [`SMALL_SEED`]: id and API key.
pub const ENTRA_DIRECTORY: (&str, &str) = ("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "entra-directory-key");

/// The organisation of [`SMALL_SEED`]: id and org API key.
pub const ACME_ORG: (&str, &str) = ("7d0b3f64-5a0e-4c1b-9d7e-2f3a4b5c6d70", "org-key-acme");

/// Starts a mock with every default and returns it with a client for its
/// default directory.
pub async fn start() -> (MockServer, Scim) {
    start_with(MockServer::builder()).await
}

/// Starts a configured mock and returns it with a client for its default
/// directory.
pub async fn start_with(builder: MockServerBuilder) -> (MockServer, Scim) {
    let server = builder.start().await.expect("the mock server starts");
    let scim = Scim::new(server.base_url(), server.token());
    (server, scim)
}

/// Starts a mock loaded with [`SMALL_SEED`].
pub async fn start_seeded() -> MockServer {
    MockServer::builder()
        .seed_file(SMALL_SEED)
        .start()
        .await
        .expect("the mock server starts with the small seed")
}

/// A response, read in full.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    /// The body parsed as JSON, or `Value::Null` when it is empty or not JSON.
    pub body: Value,
}

impl Reply {
    /// Returns a header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// Returns the media type of `Content-Type`, lowercase, without parameters.
    pub fn media_type(&self) -> String {
        self.header("content-type")
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    }

    /// Returns the `id` of the resource in the body.
    #[track_caller]
    pub fn id(&self) -> String {
        match self.body["id"].as_str() {
            Some(id) => id.to_owned(),
            None => panic!("response has no string id: {} {}", self.status, self.text),
        }
    }

    /// Returns the `detail` of a SCIM error body.
    pub fn detail(&self) -> &str {
        self.body["detail"].as_str().unwrap_or_default()
    }
}

/// A client for the SCIM endpoints of one directory.
#[derive(Debug, Clone)]
pub struct Scim {
    /// The directory's SCIM base URL, with no trailing slash.
    pub base: String,
    pub token: String,
    pub http: reqwest::Client,
}

impl Scim {
    /// Creates a client for `base` that sends `token` as the bearer key.
    pub fn new(base: impl Into<String>, token: impl Into<String>) -> Scim {
        // The timeout only keeps a hung server from hanging the test run.
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("the HTTP client builds");
        Scim {
            base: base.into(),
            token: token.into(),
            http,
        }
    }

    /// Creates a client for another directory of the same server.
    pub fn for_directory(server: &MockServer, directory: (&str, &str)) -> Scim {
        let (id, token) = directory;
        Scim::new(format!("{}/scim/directory/{id}", server.url()), token)
    }

    /// Returns the absolute URL of `path`, which is either relative to the
    /// directory base (`/Users`) or already absolute.
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    /// Builds a request with the bearer key and nothing else.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header(AUTHORIZATION, format!("Bearer {}", self.token))
    }

    /// Sends a request and reads the whole response.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("the request reaches the mock");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("the response body is readable");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            text,
            body,
        }
    }

    /// Sends `body` as is, with the given `Content-Type`.
    pub async fn send_raw(&self, method: Method, path: &str, content_type: &str, body: impl Into<reqwest::Body>) -> Reply {
        self.send(self.request(method, path).header(CONTENT_TYPE, content_type).body(body))
            .await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.request(Method::GET, path)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(self.request(Method::DELETE, path)).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send_json(Method::POST, path, body).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.send_json(Method::PUT, path, body).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Reply {
        self.send_json(Method::PATCH, path, body).await
    }

    /// Sends a PatchOp message with these operations.
    pub async fn patch_ops(&self, path: &str, operations: Value) -> Reply {
        self.patch(path, &patch_body(operations)).await
    }

    async fn send_json(&self, method: Method, path: &str, body: &Value) -> Reply {
        let bytes = serde_json::to_vec(body).expect("a JSON value serialises");
        self.send_raw(method, path, SCIM_JSON, bytes).await
    }

    /// Creates the user of [`user_body`] and returns it, failing the test
    /// unless the mock responds with 201.
    pub async fn post_user(&self, name: &str) -> Value {
        self.post_user_body(&user_body(name)).await
    }

    /// Creates a user from a full body and returns it, failing the test
    /// unless the mock responds with 201.
    pub async fn post_user_body(&self, body: &Value) -> Value {
        let reply = self.post("/Users", body).await;
        assert_eq!(reply.status, 201, "creating user {body}: {}", reply.text);
        reply.body
    }

    /// Creates a group with no members and returns it, failing the test
    /// unless the mock responds with 201.
    pub async fn post_group(&self, display_name: &str) -> Value {
        let reply = self.post("/Groups", &json!({"schemas": [GROUP_URN], "displayName": display_name})).await;
        assert_eq!(reply.status, 201, "creating group {display_name:?}: {}", reply.text);
        reply.body
    }

    /// Adds users to a group with the PATCH Okta and Entra send.
    pub async fn add_members(&self, group_id: &str, user_ids: &[&str]) -> Reply {
        let members: Vec<Value> = user_ids.iter().map(|id| json!({"value": id})).collect();
        self.patch_ops(
            &format!("/Groups/{group_id}"),
            json!([{"op": "add", "path": "members", "value": members}]),
        )
        .await
    }

    /// Returns the user with this id, failing the test unless it exists.
    pub async fn get_user(&self, id: &str) -> Value {
        let reply = self.get(&format!("/Users/{id}")).await;
        assert_eq!(reply.status, 200, "reading user {id}: {}", reply.text);
        reply.body
    }

    /// Returns the group with this id, failing the test unless it exists.
    pub async fn get_group(&self, id: &str) -> Value {
        let reply = self.get(&format!("/Groups/{id}")).await;
        assert_eq!(reply.status, 200, "reading group {id}: {}", reply.text);
        reply.body
    }
}

/// Returns the address `name@example.com`, or `name` when it already has a domain.
pub fn address(name: &str) -> String {
    if name.contains('@') {
        name.to_owned()
    } else {
        format!("{name}@example.com")
    }
}

/// Returns a minimal user body whose `userName` and primary email are both
/// [`address`]`(name)`.
pub fn user_body(name: &str) -> Value {
    let address = address(name);
    json!({
        "schemas": [USER_URN],
        "userName": address,
        "emails": [{"value": address, "type": "work", "primary": true}],
    })
}

/// Wraps operations in a PatchOp message.
pub fn patch_body(operations: Value) -> Value {
    json!({"schemas": [PATCH_OP_URN], "Operations": operations})
}

/// Returns the `value` of every member of a group, in order.
pub fn member_ids(group: &Value) -> Vec<String> {
    group["members"]
        .as_array()
        .map(|members| members.iter().filter_map(|member| member["value"].as_str()).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Returns the `value` of every entry of a user's `groups`, in order.
pub fn group_ids(user: &Value) -> Vec<String> {
    user["groups"]
        .as_array()
        .map(|groups| groups.iter().filter_map(|group| group["value"].as_str()).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Returns the `id` of each resource of a ListResponse, in order.
pub fn resource_ids(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .map(|resources| resources.iter().filter_map(|resource| resource["id"].as_str()).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Checks a SCIM error response: status, media type, error schema,
/// `status` as a string, and `scimType` present with this value or absent.
#[track_caller]
pub fn assert_scim_error(reply: &Reply, status: u16, scim_type: Option<&str>) {
    assert_eq!(reply.status, status, "HTTP status; body: {}", reply.text);
    assert_eq!(reply.media_type(), SCIM_JSON, "Content-Type of the error; body: {}", reply.text);
    assert_eq!(reply.body["schemas"], json!([ERROR_URN]), "error schemas; body: {}", reply.text);
    assert_eq!(reply.body["status"], json!(status.to_string()), "status in the body must be a string; body: {}", reply.text);
    assert_eq!(reply.body.get("scimType").and_then(Value::as_str), scim_type, "scimType; body: {}", reply.text);
    assert!(!reply.detail().is_empty(), "error detail is empty; body: {}", reply.text);
}

/// Checks Atlassian's non-SCIM failure body `{"error", "traceId"}` of 401 and 403.
#[track_caller]
pub fn assert_auth_error(reply: &Reply, status: u16) {
    assert_eq!(reply.status, status, "HTTP status; body: {}", reply.text);
    let media_type = reply.media_type();
    assert!(
        media_type == "application/json" || media_type == SCIM_JSON,
        "Content-Type of the auth error is {media_type:?}"
    );
    let fields: Vec<&String> = reply.body.as_object().map(|object| object.keys().collect()).unwrap_or_default();
    assert_eq!(fields, ["error", "traceId"], "auth error fields; body: {}", reply.text);
    assert!(
        reply.body["error"].as_str().is_some_and(|message| !message.is_empty()),
        "error message; body: {}",
        reply.text
    );
    let trace_id = reply.body["traceId"].as_str().unwrap_or_default();
    assert!(is_lower_hex(trace_id, 16), "traceId {trace_id:?} is not 16 hex characters");
}

/// Returns whether `text` is exactly `length` lowercase hex characters.
pub fn is_lower_hex(text: &str, length: usize) -> bool {
    text.len() == length && text.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
}

/// Returns whether `text` is a hyphenated UUID.
pub fn is_uuid(text: &str) -> bool {
    text.len() == 36 && uuid::Uuid::parse_str(text).is_ok()
}

/// Returns whether `text` is an RFC 3339 UTC timestamp with exactly six
/// fractional digits, such as `2026-01-31T12:00:00.123456Z`.
pub fn is_microsecond_utc(text: &str) -> bool {
    let pattern = "dddd-dd-ddTdd:dd:dd.ddddddZ";
    let shaped = text.len() == pattern.len()
        && text.bytes().zip(pattern.bytes()).all(|(byte, expected)| match expected {
            b'd' => byte.is_ascii_digit(),
            _ => byte == expected,
        });
    shaped && time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).is_ok()
}

/// Returns the JSON pointer of every `null` in `value`.
pub fn null_paths(value: &Value) -> Vec<String> {
    fn walk(value: &Value, path: &str, found: &mut Vec<String>) {
        match value {
            Value::Null => found.push(path.to_owned()),
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    walk(item, &format!("{path}/{index}"), found);
                }
            }
            Value::Object(fields) => {
                for (key, item) in fields {
                    walk(item, &format!("{path}/{key}"), found);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(value, "", &mut found);
    found
}

/// Percent-encodes every byte outside the unreserved set of RFC 3986, so a
/// query value reaches the server exactly as written (spaces as `%20`).
pub fn encode(text: &str) -> String {
    let mut output = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            output.push(char::from(byte));
        } else {
            output.push_str(&format!("%{byte:02X}"));
        }
    }
    output
}

/// Returns `/Users?filter=...` with the filter percent-encoded.
pub fn users_filter(filter: &str) -> String {
    format!("/Users?filter={}", encode(filter))
}

/// Returns `/Groups?filter=...` with the filter percent-encoded.
pub fn groups_filter(filter: &str) -> String {
    format!("/Groups?filter={}", encode(filter))
}
