//! Each fault effect, seen from a client: error bodies and headers, 429s
//! and the rate limiter, latency, dropped and truncated connections, lost
//! responses of applied writes, and the Atlassian rule faults.

mod common;

use std::time::{Duration, Instant};

use common::{assert_auth_error, assert_scim_error, start_with, user_body, users_filter, Scim};
use reqwest::Method;
use scim_mock::faults::{Disconnect, Effect, Fault, Match, RateLimit, Resource};
use scim_mock::journal::Ending;
use scim_mock::MockServer;
use serde_json::{json, Value};

/// Starts a mock with one fault rule installed at start.
async fn start_with_fault(fault: Fault) -> (MockServer, Scim) {
    start_with(MockServer::builder().fault(fault)).await
}

/// Builds a client that opens a new connection per request, so a
/// connection dropped by a fault cannot affect the next request.
fn fresh_connection_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(60))
        .build()
        .expect("the HTTP client builds")
}

/// Sends a POST of the user body for `name` and returns the raw result.
async fn post_user_raw(scim: &Scim, name: &str) -> Result<reqwest::Response, reqwest::Error> {
    fresh_connection_client()
        .post(scim.url("/Users"))
        .bearer_auth(&scim.token)
        .header("content-type", "application/scim+json")
        .body(user_body(name).to_string())
        .send()
        .await
}

/// Returns how many users have this userName.
async fn users_named(scim: &Scim, name: &str) -> u64 {
    let reply = scim.get(&users_filter(&format!("userName eq \"{name}\""))).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body["totalResults"].as_u64().expect("totalResults is a number")
}

/// Returns the full error chain of a client error as one string.
fn error_chain(error: &reqwest::Error) -> String {
    let mut text = format!("{error:?}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(" / {cause:?}"));
        source = cause.source();
    }
    text
}

#[tokio::test]
async fn status_effect_sends_scim_error_and_headers() {
    let fault = Fault::when(Match::create(Resource::Users))
        .respond_with(Effect::status(503).with_message("Down for maintenance.").with_header("Retry-After", "30"));
    let (_server, scim) = start_with_fault(fault).await;

    let reply = scim.post("/Users", &user_body("ada")).await;

    assert_scim_error(&reply, 503, None);
    assert_eq!(reply.detail(), "Down for maintenance.");
    assert_eq!(reply.header("retry-after"), Some("30"));
    assert_eq!(users_named(&scim, "ada@example.com").await, 0, "the API was not called");
}

#[tokio::test]
async fn status_effect_default_detail_names_rule() {
    let fault = Fault::when(Match::any()).named("outage").respond_with(Effect::status(500));
    let (_server, scim) = start_with_fault(fault).await;

    let reply = scim.get("/Users").await;

    assert_scim_error(&reply, 500, None);
    assert!(reply.detail().contains("#1 (outage)"), "{}", reply.detail());
}

#[tokio::test]
async fn status_effect_scim_type() {
    let fault = Fault::when(Match::any()).respond_with(Effect::status(400).with_scim_type("invalidValue"));
    let (_server, scim) = start_with_fault(fault).await;

    let reply = scim.get("/Users").await;

    assert_scim_error(&reply, 400, Some("invalidValue"));
}

#[tokio::test]
async fn status_401_sends_atlassian_body() {
    let (_server, scim) = start_with_fault(Fault::when(Match::any()).respond_with(Effect::status(401))).await;

    let reply = scim.get("/Users").await;

    assert_auth_error(&reply, 401);
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
}

#[tokio::test]
async fn status_403_sends_atlassian_body() {
    let fault = Fault::when(Match::any()).respond_with(Effect::status(403).with_message("Key revoked."));
    let (_server, scim) = start_with_fault(fault).await;

    let reply = scim.get("/Users").await;

    assert_auth_error(&reply, 403);
    assert_eq!(reply.body["error"], "Key revoked.");
}

#[tokio::test]
async fn atlassian_body_chosen_for_other_status() {
    let fault = Fault::when(Match::any()).respond_with(Effect::status(500).with_atlassian_body(true));
    let (_server, scim) = start_with_fault(fault).await;

    let reply = scim.get("/Users").await;

    assert_auth_error(&reply, 500);
}

#[tokio::test]
async fn non_json_body_sent_as_is() {
    let page = "<html><body>502 Bad Gateway</body></html>";
    let fault = Fault::when(Match::any().resource(Resource::Discovery)).respond_with(Effect::non_json(502, "text/html", page));
    let (_server, scim) = start_with_fault(fault).await;

    let reply = scim.get("/ServiceProviderConfig").await;

    assert_eq!(reply.status, 502);
    assert_eq!(reply.media_type(), "text/html");
    assert_eq!(reply.text, page);
    assert_eq!(reply.body, Value::Null, "the body is not JSON");
}

#[tokio::test]
async fn json_body_from_rule_file() {
    let fault: Fault = serde_json::from_value(json!({
        "effect": {"type": "status", "status": 200, "body": {"Resources": [], "totalResults": 0}}
    }))
    .expect("the rule parses");
    let (_server, scim) = start_with_fault(fault).await;

    let reply = scim.get("/Users").await;

    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, json!({"Resources": [], "totalResults": 0}));
}

#[tokio::test]
async fn too_many_requests_sets_retry_after() {
    let fault = Fault::when(Match::any()).respond_with(Effect::too_many_requests(Duration::from_secs(2)));
    let (_server, scim) = start_with_fault(fault).await;

    let reply = scim.get("/Users").await;

    assert_scim_error(&reply, 429, None);
    assert_eq!(reply.header("retry-after"), Some("2"));
}

#[tokio::test]
async fn rate_limiter_answers_429_after_burst() {
    // A rate this low refills nothing during the test, so exactly the
    // burst passes.
    let builder = MockServer::builder().rate_limit(RateLimit::per_second(0.001).burst(2));
    let (server, scim) = start_with(builder).await;

    assert_eq!(scim.get("/Users").await.status, 200);
    assert_eq!(scim.get("/Users").await.status, 200);
    let limited = scim.get("/Users").await;

    assert_scim_error(&limited, 429, None);
    let retry_after: u64 = limited.header("retry-after").expect("Retry-After is set").parse().expect("whole seconds");
    assert!(retry_after >= 1, "Retry-After {retry_after}");
    let journal = server.received_requests();
    let last = journal.last().expect("the journal has entries");
    assert_eq!(last.status, Some(429));
    assert_eq!(last.faults[0].effect, "rateLimit");
}

#[tokio::test]
async fn rate_limiter_keys_are_separate() {
    let builder = MockServer::builder().rate_limit(RateLimit::per_second(0.001).burst(1));
    let (server, scim) = start_with(builder).await;
    let other = server.create_directory("Okta");
    let other_scim = Scim::new(other.base_url, other.api_key);

    assert_eq!(scim.get("/Users").await.status, 200);
    assert_eq!(scim.get("/Users").await.status, 429);

    assert_eq!(other_scim.get("/Users").await.status, 200, "another key has its own bucket");
}

#[tokio::test]
async fn rate_limit_removed_at_run_time() {
    let builder = MockServer::builder().rate_limit(RateLimit::per_second(0.001).burst(1));
    let (server, scim) = start_with(builder).await;
    assert_eq!(scim.get("/Users").await.status, 200);
    assert_eq!(scim.get("/Users").await.status, 429);

    server.set_rate_limit(None);

    assert_eq!(scim.get("/Users").await.status, 200);
}

#[tokio::test]
async fn latency_delays_response() {
    let fault = Fault::when(Match::any()).respond_with(Effect::latency(Duration::from_millis(150)));
    let (_server, scim) = start_with_fault(fault).await;

    let started = Instant::now();
    let reply = scim.get("/Users").await;

    assert_eq!(reply.status, 200, "latency alone changes nothing else");
    assert!(started.elapsed() >= Duration::from_millis(150), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn latency_range_waits_at_least_minimum() {
    let fault = Fault::when(Match::any()).respond_with(Effect::latency_between(Duration::from_millis(100), Duration::from_millis(200)));
    let (_server, scim) = start_with_fault(fault).await;

    let started = Instant::now();
    let reply = scim.get("/Users").await;

    assert_eq!(reply.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(100), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn latency_adds_to_status_effect() {
    let (server, scim) = start_with(
        MockServer::builder()
            .fault(Fault::when(Match::any()).respond_with(Effect::latency(Duration::from_millis(100))))
            .fault(Fault::when(Match::any()).respond_with(Effect::status(503))),
    )
    .await;

    let started = Instant::now();
    let reply = scim.get("/Users").await;

    assert_eq!(reply.status, 503);
    assert!(started.elapsed() >= Duration::from_millis(100), "took {:?}", started.elapsed());
    let effects: Vec<String> = server.received_requests()[0].faults.iter().map(|fault| fault.effect.clone()).collect();
    assert_eq!(effects, ["latency", "status"]);
}

#[tokio::test]
async fn reset_drops_connection_without_calling_api() {
    let fault = Fault::when(Match::create(Resource::Users)).first(1).respond_with(Effect::disconnect(Disconnect::Reset));
    let (server, scim) = start_with_fault(fault).await;

    let error = post_user_raw(&scim, "ada").await.expect_err("the connection is reset");

    let chain = error_chain(&error).to_lowercase();
    assert!(chain.contains("reset"), "{chain}");
    assert_eq!(users_named(&scim, "ada@example.com").await, 0, "the API was not called");
    let entry = &server.received_requests()[0];
    assert_eq!(entry.status, None);
    assert_eq!(entry.ending, Ending::Reset);
}

#[tokio::test]
async fn close_ends_connection_without_response() {
    let fault = Fault::when(Match::create(Resource::Users)).first(1).respond_with(Effect::disconnect(Disconnect::Close));
    let (server, scim) = start_with_fault(fault).await;

    let error = post_user_raw(&scim, "ada").await.expect_err("the connection is closed");

    let chain = error_chain(&error);
    assert!(chain.contains("IncompleteMessage") || chain.contains("closed"), "{chain}");
    assert_eq!(users_named(&scim, "ada@example.com").await, 0);
    assert_eq!(server.received_requests()[0].ending, Ending::Closed);
}

#[tokio::test]
async fn truncate_cuts_body_after_headers() {
    let fault = Fault::when(Match::create(Resource::Users)).respond_with(Effect::truncate_after(10));
    let (server, scim) = start_with_fault(fault).await;

    let response = post_user_raw(&scim, "ada").await.expect("the status line and headers arrive");

    assert_eq!(response.status(), 201);
    let declared = response.content_length().expect("Content-Length announces the whole body");
    assert!(declared > 10, "Content-Length {declared}");
    assert!(response.bytes().await.is_err(), "the body ends before Content-Length");
    assert_eq!(users_named(&scim, "ada@example.com").await, 1, "the API was called");
    let entry = &server.received_requests()[0];
    assert_eq!(entry.status, Some(201));
    assert_eq!(entry.ending, Ending::Truncated);
}

#[tokio::test]
async fn response_lost_as_504_after_write() {
    let fault = Fault::when(Match::create(Resource::Users)).first(1).respond_with(Effect::response_lost(504));
    let (_server, scim) = start_with_fault(fault).await;

    let reply = scim.post("/Users", &user_body("ada")).await;

    assert_scim_error(&reply, 504, None);
    assert_eq!(users_named(&scim, "ada@example.com").await, 1, "the write took effect");
}

#[tokio::test]
async fn response_lost_by_reset_after_write() {
    let fault = Fault::when(Match::create(Resource::Users)).first(1).respond_with(Effect::response_lost_by(Disconnect::Reset));
    let (server, scim) = start_with_fault(fault).await;

    let error = post_user_raw(&scim, "ada").await.expect_err("the connection is reset");

    assert!(error_chain(&error).to_lowercase().contains("reset"), "{}", error_chain(&error));
    assert_eq!(users_named(&scim, "ada@example.com").await, 1, "the write took effect");
    assert_eq!(server.received_requests()[0].ending, Ending::Reset);
}

#[tokio::test]
async fn duplicate_forces_409_on_next_user_create() {
    let fault = Fault::when(Match::create(Resource::Users)).first(1).respond_with(Effect::duplicate());
    let (_server, scim) = start_with_fault(fault).await;

    let first = scim.post("/Users", &user_body("ada")).await;
    let second = scim.post("/Users", &user_body("ada")).await;

    assert_scim_error(&first, 409, Some("uniqueness"));
    assert_eq!(first.detail(), "Resource [USER]: with userName[ada@example.com] already exists.");
    assert_eq!(second.status, 201, "only the next create fails: {}", second.text);
}

#[tokio::test]
async fn duplicate_forces_409_on_group_create() {
    let fault = Fault::when(Match::create(Resource::Groups)).first(1).respond_with(Effect::duplicate());
    let (_server, scim) = start_with_fault(fault).await;

    let reply = scim.post("/Groups", &json!({"displayName": "Engineering"})).await;

    assert_scim_error(&reply, 409, Some("uniqueness"));
    assert_eq!(reply.detail(), "Resource [GROUP]: with displayName already exists.");
    assert_eq!(scim.get("/Groups").await.body["totalResults"], 0);
}

#[tokio::test]
async fn duplicate_leaves_other_requests_alone() {
    let fault = Fault::when(Match::any()).first(1).respond_with(Effect::duplicate());
    let (server, scim) = start_with_fault(fault.clone()).await;

    assert_eq!(scim.get("/Users").await.status, 200);
    assert_eq!(scim.post("/Users", &user_body("ada")).await.status, 409);

    let report = &server.faults().faults[0];
    assert_eq!((report.matched, report.fired), (1, 1), "the GET did not count as a match");
}

#[tokio::test]
async fn propagation_failure_recorded_in_audit() {
    let fault = Fault::when(Match::create(Resource::Groups).body_field("displayName", "engineering"))
        .respond_with(Effect::propagation_failure_on("acme.atlassian.net"));
    let (server, scim) = start_with_fault(fault).await;

    let engineering = scim.post_group("Engineering").await;
    scim.post_group("Sales").await;

    let failures: Vec<Value> = server
        .audit_events()
        .into_iter()
        .filter(|event| event.action == "group_propagation_failed")
        .map(|event| event.details())
        .collect();
    assert_eq!(failures.len(), 1, "only the matching group: {failures:?}");
    assert_eq!(failures[0]["groupId"], engineering["id"]);
    assert_eq!(failures[0]["displayName"], "Engineering");
    assert_eq!(failures[0]["site"], "acme.atlassian.net");
}

#[tokio::test]
async fn user_limit_lowered_at_run_time() {
    let (server, scim) = start_with(MockServer::builder()).await;
    scim.post_user("ada").await;

    server.inject(Fault::when(Match::create(Resource::Users)).first(1).respond_with(Effect::user_limit(1)));
    let reply = scim.post("/Users", &user_body("grace")).await;

    assert_scim_error(&reply, 403, None);
    assert!(reply.detail().contains("limit of 1 users"), "{}", reply.detail());
    let again = scim.post("/Users", &user_body("grace")).await;
    assert_eq!(again.status, 403, "the lowered limit stays after the rule stops firing");
}

#[tokio::test]
async fn unverify_domain_rejects_later_creates() {
    let fault = Fault::when(Match::create(Resource::Users)).first(1).respond_with(Effect::unverify_domain("Example.com"));
    let (server, scim) = start_with_fault(fault).await;

    let reply = scim.post("/Users", &user_body("ada")).await;

    assert_scim_error(&reply, 400, Some("invalidValue"));
    assert!(reply.detail().contains("[example.com]"), "{}", reply.detail());
    server.verify_domain("example.com").expect("the domain is valid");
    assert_eq!(scim.post("/Users", &user_body("ada")).await.status, 201);
}

#[tokio::test]
async fn faults_apply_to_admin_routes() {
    let (server, _scim) = start_with_fault(Fault::when(Match::any().resource(Resource::Admin)).respond_with(Effect::status(503))).await;
    let url = format!(
        "{}/admin/user-provisioning/v1/org/{}/get-scim-links-for-email",
        server.url(),
        server.org_id()
    );

    let response = reqwest::Client::new()
        .request(Method::POST, url)
        .bearer_auth(server.org_token())
        .json(&json!({"email": "ada@example.com"}))
        .send()
        .await
        .expect("the request reaches the mock");

    assert_eq!(response.status(), 503);
}
