//! The control API over HTTP: its token, fault rules, rate limit, journal,
//! audit log, directories and keys, domains, group names, reset, and
//! state export and import.

mod common;

use common::{assert_scim_error, start_seeded, start_with, user_body, Scim, ACME_ORG};
use reqwest::Method;
use scim_mock::MockServer;
use serde_json::{json, Value};

/// A client of one server's control API.
struct Control {
    http: reqwest::Client,
    url: String,
    token: String,
}

/// A control API response, read in full.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: Value,
}

impl Control {
    fn of(server: &MockServer) -> Control {
        Control {
            http: reqwest::Client::new(),
            url: server.control_url().expect("the control API is on"),
            token: server.control_token().expect("a control token").to_owned(),
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Answer {
        let mut request = self.http.request(method, format!("{}{path}", self.url)).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("the request reaches the mock");
        let status = response.status().as_u16();
        let text = response.text().await.expect("the body is readable");
        Answer {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send(Method::POST, path, Some(body)).await
    }

    async fn put(&self, path: &str, body: &Value) -> Answer {
        self.send(Method::PUT, path, Some(body)).await
    }

    async fn delete(&self, path: &str) -> Answer {
        self.send(Method::DELETE, path, None).await
    }
}

async fn start() -> (MockServer, Scim, Control) {
    let (server, scim) = start_with(MockServer::builder().control_token("control-secret")).await;
    let control = Control::of(&server);
    (server, scim, control)
}

#[tokio::test]
async fn token_required() {
    let (server, _scim, control) = start().await;
    let url = format!("{}/faults", control.url);

    let missing = control.http.get(&url).send().await.expect("a response");
    let wrong = control.http.get(&url).bearer_auth("nope").send().await.expect("a response");
    let directory_key = control.http.get(&url).bearer_auth(server.token()).send().await.expect("a response");

    assert_eq!(missing.status(), 401);
    assert_eq!(missing.headers()["www-authenticate"], "Bearer");
    assert_eq!(wrong.status(), 403);
    assert_eq!(directory_key.status(), 403);
    let body: Value = wrong.json().await.expect("a JSON error");
    assert!(body["error"].as_str().is_some_and(|message| message.contains("control token")), "{body}");
}

#[tokio::test]
async fn fixed_token_used() {
    let (server, _scim, control) = start().await;

    assert_eq!(server.control_token(), Some("control-secret"));
    assert_eq!(control.get("/faults").await.status, 200);
}

#[tokio::test]
async fn disabled_control_api_is_unknown_path() {
    let (server, scim) = start_with(MockServer::builder().control_api(false)).await;

    let reply = scim.send(scim.request(Method::GET, &format!("{}/_mock/faults", server.url()))).await;

    assert!(server.control_url().is_none());
    assert!(server.control_token().is_none());
    assert_scim_error(&reply, 404, None);
}

#[tokio::test]
async fn fault_rules_lifecycle() {
    let (_server, scim, control) = start().await;
    let rule = json!({"name": "lists fail", "match": {"method": "GET", "path": "/Users$"}, "when": {"nth": 1}, "effect": {"type": "status", "status": 503}});

    let added = control.post("/faults", &rule).await;
    assert_eq!(added.status, 201, "{:?}", added.body);
    assert_eq!(added.body["id"], 1);
    assert_eq!(added.body["name"], "lists fail");
    assert_eq!(added.body["matched"], 0);

    assert_eq!(scim.get("/Users").await.status, 503);
    assert_eq!(scim.get("/Users").await.status, 200);

    let one = control.get("/faults/1").await;
    assert_eq!(one.status, 200);
    assert_eq!((one.body["matched"].clone(), one.body["fired"].clone()), (json!(2), json!(1)));
    let listing = control.get("/faults").await;
    assert_eq!(listing.body["faults"].as_array().map(Vec::len), Some(1));
    assert!(listing.body["seed"].is_u64(), "{:?}", listing.body);

    assert_eq!(control.delete("/faults/1").await.status, 204);
    assert_eq!(control.delete("/faults/1").await.status, 404);
    assert_eq!(control.get("/faults/1").await.status, 404);
    assert_eq!(control.get("/faults/abc").await.status, 400);
}

#[tokio::test]
async fn invalid_rule_rejected_with_location() {
    let (_server, _scim, control) = start().await;

    let answer = control.post("/faults", &json!({"effect": {"type": "status", "status": 42}})).await;

    assert_eq!(answer.status, 400);
    let message = answer.body["error"].as_str().unwrap_or_default();
    assert!(message.contains("effect"), "{message}");
    assert!(message.contains("status 42"), "{message}");
    assert_eq!(answer.body["status"], 400);
}

#[tokio::test]
async fn empty_rule_body_rejected() {
    let (_server, _scim, control) = start().await;

    let answer = control.send(Method::POST, "/faults", None).await;

    assert_eq!(answer.status, 400);
    assert!(answer.body["error"].as_str().unwrap_or_default().contains("empty"), "{:?}", answer.body);
}

#[tokio::test]
async fn fault_rules_replaced_and_cleared() {
    let (_server, scim, control) = start().await;
    control.post("/faults", &json!({"effect": {"type": "status", "status": 500}})).await;

    let replaced = control
        .put("/faults", &json!({"seed": 9, "faults": [{"match": {"resource": "groups"}, "effect": {"type": "status", "status": 502}}]}))
        .await;

    assert_eq!(replaced.status, 200, "{:?}", replaced.body);
    assert_eq!(replaced.body["seed"], 9);
    assert_eq!(replaced.body["faults"][0]["id"], 1, "ids restart");
    assert_eq!(scim.get("/Users").await.status, 200);
    assert_eq!(scim.get("/Groups").await.status, 502);

    assert_eq!(control.delete("/faults").await.status, 204);
    assert_eq!(scim.get("/Groups").await.status, 200);
    assert_eq!(control.get("/faults").await.body["seed"], 9, "clearing keeps the seed");
}

#[tokio::test]
async fn rate_limit_routes() {
    let (_server, scim, control) = start().await;
    assert_eq!(control.get("/rate-limit").await.body, Value::Null);

    let set = control.put("/rate-limit", &json!({"requestsPerSecond": 0.001, "burst": 1})).await;
    assert_eq!(set.status, 200);
    assert_eq!(scim.get("/Users").await.status, 200);
    assert_eq!(scim.get("/Users").await.status, 429);
    assert_eq!(control.get("/faults").await.status, 200, "the control API is never limited");

    assert_eq!(control.put("/rate-limit", &json!({"requestsPerSecond": -1})).await.status, 400);
    assert_eq!(control.delete("/rate-limit").await.status, 204);
    assert_eq!(scim.get("/Users").await.status, 200);
}

#[tokio::test]
async fn journal_lists_filters_and_clears() {
    let (_server, scim, control) = start().await;
    scim.post("/Users", &user_body("ada")).await;
    scim.post("/Users", &user_body("ada")).await;
    scim.get("/Groups").await;

    let all = control.get("/requests").await;
    let conflicts = control.get("/requests?method=post&path=/Users&status=409").await;
    let groups = control.get("/requests?path=Groups").await;

    let entries = all.body["requests"].as_array().expect("a list of requests");
    assert_eq!(entries.len(), 3, "control requests are not recorded");
    assert_eq!(entries[0]["method"], "POST");
    assert_eq!(entries[0]["status"], 201);
    assert_eq!(entries[0]["headers"]["authorization"], "Bearer [redacted]");
    assert_eq!(serde_json::from_str::<Value>(entries[0]["body"].as_str().unwrap_or_default()).ok(), Some(user_body("ada")));
    assert!(entries[0]["durationUs"].is_u64());
    assert_eq!(entries[0]["ending"], "responded");
    assert_eq!(conflicts.body["requests"].as_array().map(Vec::len), Some(1));
    assert_eq!(groups.body["requests"].as_array().map(Vec::len), Some(1));
    assert_eq!(control.get("/requests?status=abc").await.status, 400);

    assert_eq!(control.delete("/requests").await.status, 204);
    assert_eq!(control.get("/requests").await.body["requests"], json!([]));
}

#[tokio::test]
async fn journal_records_query_and_fault() {
    let (_server, scim, control) = start().await;
    control
        .post("/faults", &json!({"name": "slow", "effect": {"type": "latency", "ms": 1}}))
        .await;

    scim.get("/Users?count=1").await;

    let entry = &control.get("/requests").await.body["requests"][0];
    assert_eq!(entry["query"], "count=1");
    assert_eq!(entry["faults"], json!([{"id": 1, "name": "slow", "effect": "latency"}]));
}

#[tokio::test]
async fn journal_is_bounded() {
    let (server, scim) = start_with(MockServer::builder().journal_size(3)).await;
    for _ in 0..5 {
        scim.get("/Users").await;
    }

    let sequences: Vec<u64> = server.received_requests().iter().map(|entry| entry.sequence).collect();

    assert_eq!(sequences, [3, 4, 5], "the oldest entries are dropped");
}

#[tokio::test]
async fn journal_size_zero_records_nothing() {
    let (server, scim) = start_with(MockServer::builder().journal_size(0)).await;
    scim.get("/Users").await;

    assert!(server.received_requests().is_empty());
}

#[tokio::test]
async fn audit_route_filters_by_action() {
    let (_server, scim, control) = start().await;
    scim.post_group("confluence-users").await;
    scim.post_group("Engineering").await;

    let all = control.get("/audit").await;
    let failures = control.get("/audit?action=group_propagation_failed").await;

    assert_eq!(all.status, 200);
    assert!(all.body["events"].as_array().map_or(0, Vec::len) >= 3, "{:?}", all.body);
    let failures = failures.body["events"].as_array().cloned().unwrap_or_default();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0]["details"]["displayName"], "confluence-users");
}

#[tokio::test]
async fn directories_created_and_keys_regenerated() {
    let (server, _scim, control) = start().await;

    let created = control.post("/directories", &json!({"name": "Okta"})).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["id"].as_str().expect("an id").to_owned();
    let key = created.body["apiKey"].as_str().expect("a key").to_owned();
    let okta = Scim::new(created.body["baseUrl"].as_str().expect("a base URL"), key.clone());
    assert_eq!(okta.post("/Users", &user_body("ada")).await.status, 201);

    let listed = control.get("/directories").await;
    let directories = listed.body["directories"].as_array().cloned().unwrap_or_default();
    assert_eq!(directories.len(), 2);
    assert_eq!(directories[1]["name"], "Okta");
    assert_eq!(directories[1]["users"], 1);
    assert!(directories[1].get("apiKey").is_none(), "keys are shown once, at creation");

    let regenerated = control.post(&format!("/directories/{id}/regenerate-key"), &json!({})).await;
    assert_eq!(regenerated.status, 200);
    let new_key = regenerated.body["apiKey"].as_str().expect("a new key").to_owned();
    assert_ne!(new_key, key);
    assert_eq!(okta.get("/Users").await.status, 403, "the old key fails at once");
    assert_eq!(Scim::new(okta.base.clone(), new_key).get("/Users").await.status, 200);

    let default_id = server.directory_id();
    let old_default_key = server.token();
    control.post(&format!("/directories/{default_id}/regenerate-key"), &json!({})).await;
    assert_ne!(server.token(), old_default_key, "MockServer::token follows the regenerated key");
}

#[tokio::test]
async fn directory_requests_checked() {
    let (server, _scim, control) = start().await;
    let fixed = "6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5";

    let first = control.post("/directories", &json!({"id": fixed, "apiKey": "fixed-key"})).await;
    let again = control.post("/directories", &json!({"id": fixed})).await;
    let blank_key = control.post("/directories", &json!({"apiKey": " "})).await;
    let unknown_field = control.post("/directories", &json!({"title": "x"})).await;
    let unknown_directory = control.post("/directories/6f1c2d3e-0000-4c6d-8e7f-8091a2b3c4d5/regenerate-key", &json!({})).await;
    let not_uuid = control.post("/directories/abc/regenerate-key", &json!({})).await;

    assert_eq!(first.status, 201);
    assert_eq!(first.body["apiKey"], "fixed-key");
    assert_eq!(first.body["name"], "Directory 2");
    assert_eq!(again.status, 409);
    assert_eq!(blank_key.status, 400);
    assert_eq!(unknown_field.status, 400);
    assert_eq!(unknown_directory.status, 404);
    assert_eq!(not_uuid.status, 404);
    assert_eq!(server.directories().len(), 2);
}

#[tokio::test]
async fn domains_added_and_removed() {
    let (_server, scim, control) = start().await;
    let body = user_body("ada@example.org");
    assert_eq!(scim.post("/Users", &body).await.status, 400, "example.org starts unverified");

    let added = control.post("/domains", &json!({"domain": "Example.ORG"})).await;
    assert_eq!(added.status, 201);
    assert_eq!(added.body["domains"], json!(["example.com", "example.org"]));
    assert_eq!(control.post("/domains", &json!({"domain": "example.org"})).await.status, 200, "adding twice is a no-op");
    assert_eq!(scim.post("/Users", &body).await.status, 201);

    assert_eq!(control.delete("/domains/example.org").await.status, 204);
    assert_eq!(control.delete("/domains/example.org").await.status, 404);
    assert_eq!(scim.post("/Users", &user_body("grace@example.org")).await.status, 400);

    for invalid in ["", "a b.com", "user@example.org", ".example.org"] {
        let answer = control.post("/domains", &json!({"domain": invalid})).await;
        assert_eq!(answer.status, 400, "{invalid:?}");
    }
}

#[tokio::test]
async fn org_groups_block_scim_groups() {
    let (_server, scim, control) = start().await;

    let added = control.post("/org-groups", &json!({"name": "Finance"})).await;
    assert_eq!(added.status, 201);
    assert_eq!(added.body["orgGroups"], json!(["Finance"]));
    assert_eq!(scim.post("/Groups", &json!({"displayName": "finance"})).await.status, 409);

    assert_eq!(control.delete("/org-groups/FINANCE").await.status, 204);
    assert_eq!(control.delete("/org-groups/FINANCE").await.status, 404);
    assert_eq!(scim.post("/Groups", &json!({"displayName": "finance"})).await.status, 201);
    assert_eq!(control.post("/org-groups", &json!({"name": " "})).await.status, 400);
    assert_eq!(control.post("/org-groups", &json!({"name": "x", "site": "y"})).await.status, 400);
}

#[tokio::test]
async fn site_groups_cause_propagation_failure() {
    let (server, scim, control) = start().await;

    let added = control.post("/site-groups", &json!({"name": "Design", "site": "acme.atlassian.net"})).await;
    assert_eq!(added.status, 201);
    assert!(control.get("/site-groups").await.body["siteGroups"]
        .as_array()
        .is_some_and(|groups| groups.contains(&json!({"name": "Design", "site": "acme.atlassian.net"}))));
    assert_eq!(scim.post("/Groups", &json!({"displayName": "design"})).await.status, 201);
    let failure = server
        .audit_events()
        .into_iter()
        .find(|event| event.action == "group_propagation_failed")
        .expect("a propagation failure");
    assert_eq!(failure.details()["site"], "acme.atlassian.net");

    assert_eq!(control.delete("/site-groups/design?site=other.atlassian.net").await.status, 404);
    assert_eq!(control.delete("/site-groups/design").await.status, 204);
}

#[tokio::test]
async fn org_id_parameter_selects_organisation() {
    let server = start_seeded().await;
    let control = Control::of(&server);
    let (acme_id, _) = ACME_ORG;

    let acme = control.get(&format!("/domains?orgId={acme_id}")).await;
    let default = control.get("/domains").await;
    let invalid = control.get("/domains?orgId=abc").await;
    let unknown = control.get("/domains?orgId=00000000-0000-4000-8000-000000000000").await;

    assert_eq!(acme.status, 200);
    assert_ne!(acme.body, default.body);
    assert_eq!(invalid.status, 400);
    assert_eq!(unknown.status, 404);
    let acme_directories = control.get(&format!("/directories?orgId={acme_id}")).await;
    assert_eq!(acme_directories.body["directories"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn reset_restores_start() {
    let rule = scim_mock::Fault::when(scim_mock::Match::any().method("DELETE")).respond_with(scim_mock::Effect::status(503));
    let (server, scim) = start_with(MockServer::builder().fault(rule)).await;
    let control = Control::of(&server);
    let start_token = server.token();
    scim.post_user("ada").await;
    control.post("/faults", &json!({"effect": {"type": "status", "status": 500}})).await;
    control.post(&format!("/directories/{}/regenerate-key", server.directory_id()), &json!({})).await;
    control.post("/directories", &json!({"name": "Extra"})).await;

    assert_eq!(control.post("/reset", &json!({})).await.status, 204);

    assert_eq!(server.token(), start_token, "the start key is back");
    assert_eq!(server.directories().len(), 1);
    let listing = control.get("/faults").await;
    let faults = listing.body["faults"].as_array().cloned().unwrap_or_default();
    assert_eq!(faults.len(), 1, "the start rules are back: {faults:?}");
    assert_eq!(faults[0]["effect"]["status"], 503);
    assert_eq!(faults[0]["matched"], 0);
    assert_eq!(scim.get("/Users").await.body["totalResults"], 0);
    assert_eq!(control.get("/requests").await.body["requests"].as_array().map(Vec::len), Some(1), "only the GET after the reset");
}

#[tokio::test]
async fn state_exported_and_imported() {
    let (_server, scim, control) = start().await;
    let ada = scim.post_user("ada").await;
    let ada_id = ada["id"].as_str().expect("an id");
    let group = scim.post_group("Engineering").await;
    scim.add_members(group["id"].as_str().expect("an id"), &[ada_id]).await;
    let exported = control.get("/state").await;
    assert_eq!(exported.status, 200);
    assert_eq!(exported.body["format"], "scim-mock-state");

    let (other, _other_scim, other_control) = start().await;
    assert_eq!(other_control.put("/state", &exported.body).await.status, 204);

    assert_eq!(other.directory_id().to_string(), exported.body["defaultDirectoryId"].as_str().unwrap_or_default());
    let mut reexported = other_control.get("/state").await.body;
    reexported["savedAt"] = exported.body["savedAt"].clone();
    assert_eq!(reexported, exported.body, "the imported state exports unchanged");

    let moved = Scim::new(other.base_url(), other.token()).get_user(ada_id).await;
    let original = scim.get_user(ada_id).await;
    for pointer in ["/id", "/userName", "/meta/created", "/meta/lastModified", "/groups/0/value"] {
        assert_eq!(moved.pointer(pointer), original.pointer(pointer), "{pointer}");
    }
    assert_eq!(
        moved[common::EXTERNAL_URN]["atlassianAccountId"],
        original[common::EXTERNAL_URN]["atlassianAccountId"]
    );
}

#[tokio::test]
async fn state_over_scim_body_limit_imported() {
    let seed = scim_mock::seed::generate(3_000, 2, "example.com");
    let builder = MockServer::builder()
        .control_token("control-secret")
        .seed(serde_json::from_value(seed).expect("generated seeds parse"));
    let (server, scim) = start_with(builder).await;
    let control = Control::of(&server);
    let exported = control.get("/state").await;
    let size = exported.body.to_string().len();
    assert!(size > 1024 * 1024, "the state ({size} bytes) exceeds the SCIM body limit");

    let imported = control.put("/state", &exported.body).await;
    assert_eq!(imported.status, 204, "{:?}", imported.body);

    let too_large = scim.post("/Users", &json!({"userName": "x".repeat(1024 * 1024)})).await;
    assert_eq!(too_large.status, 413, "SCIM requests keep their limit");
}

#[tokio::test]
async fn invalid_state_import_changes_nothing() {
    let (_server, scim, control) = start().await;
    scim.post_user("ada").await;
    let mut state = control.get("/state").await.body;
    let user = state["organisations"][0]["directories"][0]["users"][0].clone();
    let mut twin = user.clone();
    twin["id"] = json!("0b5d9c1e-2f3a-4b4c-9d5e-6f708192a3b4");
    twin["sequence"] = json!(99);
    state["organisations"][0]["directories"][0]["users"] = json!([user, twin]);

    let answer = control.put("/state", &state).await;

    assert_eq!(answer.status, 400);
    let message = answer.body["error"].as_str().unwrap_or_default();
    assert!(message.contains("organisations[0].directories[0].users[1]"), "{message}");
    assert!(message.contains("userName"), "{message}");
    assert_eq!(scim.get("/Users").await.body["totalResults"], 1, "nothing changed");
}

#[tokio::test]
async fn save_without_state_file_is_conflict() {
    let (_server, _scim, control) = start().await;

    let answer = control.post("/state/save", &json!({})).await;

    assert_eq!(answer.status, 409);
    assert!(answer.body["error"].as_str().unwrap_or_default().contains("--state-file"), "{:?}", answer.body);
}

#[tokio::test]
async fn unknown_route_lists_routes() {
    let (_server, _scim, control) = start().await;

    let unknown = control.get("/nothing").await;
    let wrong_method = control.send(Method::PATCH, "/faults", None).await;
    let wrong_method_with_id = control.post("/faults/1", &json!({})).await;

    assert_eq!(unknown.status, 404);
    assert!(unknown.body["error"].as_str().unwrap_or_default().contains("POST /_mock/state/save"), "{:?}", unknown.body);
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method_with_id.status, 405);
}
