//! When rules fire (always, n-th, first n, every k-th, seeded probability,
//! time windows), which requests they match, and their counters.

mod common;

use std::time::Duration;

use common::{start_with, user_body, Scim};
use scim_mock::faults::{Effect, Fault, FaultId, Match, Resource};
use scim_mock::MockServer;
use serde_json::json;
use time::OffsetDateTime;

/// Sends `count` GET /Users and returns the statuses.
async fn list_statuses(scim: &Scim, count: usize) -> Vec<u16> {
    let mut statuses = Vec::with_capacity(count);
    for _ in 0..count {
        statuses.push(scim.get("/Users").await.status);
    }
    statuses
}

async fn start_with_fault(fault: Fault) -> (MockServer, Scim) {
    start_with(MockServer::builder().fault(fault)).await
}

fn fail_lists() -> Match {
    Match::any().method("GET").path("/Users$")
}

#[tokio::test]
async fn always_fires_on_every_match() {
    let (server, scim) = start_with_fault(Fault::when(fail_lists()).always().respond_with(Effect::status(503))).await;

    assert_eq!(list_statuses(&scim, 3).await, [503, 503, 503]);

    let report = server.fault(FaultId(1)).expect("rule 1 is installed");
    assert_eq!((report.matched, report.fired), (3, 3));
}

#[tokio::test]
async fn nth_fires_once() {
    let (server, scim) = start_with_fault(Fault::when(fail_lists()).nth(2).respond_with(Effect::status(503))).await;

    assert_eq!(list_statuses(&scim, 4).await, [200, 503, 200, 200]);

    let report = server.fault(FaultId(1)).expect("rule 1 is installed");
    assert_eq!((report.matched, report.fired), (4, 1));
}

#[tokio::test]
async fn first_n_then_passes() {
    let (_server, scim) = start_with_fault(Fault::when(fail_lists()).first(2).respond_with(Effect::status(503))).await;

    assert_eq!(list_statuses(&scim, 4).await, [503, 503, 200, 200]);
}

#[tokio::test]
async fn every_kth_fires() {
    let (_server, scim) = start_with_fault(Fault::when(fail_lists()).every(3).respond_with(Effect::status(503))).await;

    assert_eq!(list_statuses(&scim, 7).await, [200, 200, 503, 200, 200, 503, 200]);
}

/// Runs 40 lists against a fresh server with a probability-0.5 rule and
/// this seed, returning the statuses.
async fn probability_run(seed: u64) -> Vec<u16> {
    let builder = MockServer::builder()
        .fault_seed(seed)
        .fault(Fault::when(fail_lists()).with_probability(0.5).respond_with(Effect::status(503)));
    let (_server, scim) = start_with(builder).await;
    list_statuses(&scim, 40).await
}

#[tokio::test]
async fn probability_replays_with_same_seed() {
    let first = probability_run(42).await;
    let second = probability_run(42).await;
    let other_seed = probability_run(7).await;

    assert_eq!(first, second, "the same seed gives the same faults");
    assert!(first.contains(&503), "p = 0.5 fires sometimes: {first:?}");
    assert!(first.contains(&200), "p = 0.5 passes sometimes: {first:?}");
    // Two seeds agree on 40 fair draws with probability 2^-40.
    assert_ne!(first, other_seed, "another seed gives other faults");
}

#[tokio::test]
async fn probability_replays_after_reset() {
    let builder = MockServer::builder()
        .fault_seed(3)
        .fault(Fault::when(fail_lists()).with_probability(0.5).respond_with(Effect::status(503)));
    let (server, scim) = start_with(builder).await;

    let before = list_statuses(&scim, 20).await;
    server.reset();
    let after = list_statuses(&scim, 20).await;

    assert_eq!(before, after);
    assert_eq!(server.faults().seed, 3);
}

#[tokio::test]
async fn random_seed_reported_for_replay() {
    let rule = Fault::when(fail_lists()).with_probability(0.5).respond_with(Effect::status(503));
    let (server, scim) = start_with(MockServer::builder().fault(rule.clone())).await;
    let original = list_statuses(&scim, 30).await;
    let seed = server.faults().seed;

    let replay = probability_run_with(seed, rule).await;

    assert_eq!(original, replay);
}

async fn probability_run_with(seed: u64, rule: Fault) -> Vec<u16> {
    let (_server, scim) = start_with(MockServer::builder().fault_seed(seed).fault(rule)).await;
    list_statuses(&scim, 30).await
}

#[tokio::test]
async fn probability_bounds() {
    let builder = MockServer::builder()
        .fault(Fault::when(fail_lists()).with_probability(0.0).respond_with(Effect::status(500)))
        .fault(Fault::when(fail_lists()).with_probability(1.0).respond_with(Effect::status(503)));
    let (server, scim) = start_with(builder).await;

    assert_eq!(list_statuses(&scim, 5).await, [503; 5]);

    let listing = server.faults();
    assert_eq!(listing.faults[0].fired, 0);
    assert_eq!(listing.faults[1].fired, 5);
}

#[tokio::test]
async fn window_in_past_never_fires() {
    let past = OffsetDateTime::now_utc() - time::Duration::hours(1);
    let fault = Fault::when(fail_lists()).active_until(past).respond_with(Effect::status(503));
    let (server, scim) = start_with_fault(fault).await;

    assert_eq!(list_statuses(&scim, 2).await, [200, 200]);

    assert_eq!(server.fault(FaultId(1)).map(|report| report.matched), Some(0), "inactive rules count nothing");
}

#[tokio::test]
async fn window_not_yet_open() {
    let fault = Fault::when(fail_lists()).active_from(Duration::from_secs(3600)).respond_with(Effect::status(503));
    let (_server, scim) = start_with_fault(fault).await;

    assert_eq!(list_statuses(&scim, 2).await, [200, 200]);
}

#[tokio::test]
async fn window_containing_now_fires() {
    let now = OffsetDateTime::now_utc();
    let fault = Fault::when(fail_lists())
        .active_from(now - time::Duration::minutes(1))
        .active_until(now + time::Duration::hours(1))
        .respond_with(Effect::status(503));
    let (_server, scim) = start_with_fault(fault).await;

    assert_eq!(list_statuses(&scim, 2).await, [503, 503]);
}

#[tokio::test]
async fn relative_window_from_file_fires_now() {
    let fault: Fault = serde_json::from_value(json!({
        "match": {"method": "GET"},
        "when": {"from": "0s", "until": "1h"},
        "effect": {"type": "status", "status": 503}
    }))
    .expect("the rule parses");
    let (_server, scim) = start_with_fault(fault).await;

    assert_eq!(list_statuses(&scim, 1).await, [503]);
}

#[tokio::test]
async fn body_field_matches_one_user() {
    let fault = Fault::when(Match::create(Resource::Users).body_field("userName", "ADA@example.com")).respond_with(Effect::status(503));
    let (_server, scim) = start_with_fault(fault).await;

    assert_eq!(scim.post("/Users", &user_body("ada")).await.status, 503, "userName compares ignoring case");
    assert_eq!(scim.post("/Users", &user_body("grace")).await.status, 201);
}

#[tokio::test]
async fn group_display_name_matches() {
    let fault = Fault::when(Match::any().body_field("displayName", "Engineering")).respond_with(Effect::status(503));
    let (_server, scim) = start_with_fault(fault).await;

    assert_eq!(scim.post("/Groups", &json!({"displayName": "engineering"})).await.status, 503);
    assert_eq!(scim.post("/Groups", &json!({"displayName": "Sales"})).await.status, 201);
}

#[tokio::test]
async fn path_pattern_matches_single_user() {
    let (server, scim) = start_with(MockServer::builder()).await;
    let ada = scim.post_user("ada").await;
    let grace = scim.post_user("grace").await;
    let ada_id = ada["id"].as_str().expect("an id");
    let grace_id = grace["id"].as_str().expect("an id");
    server.inject(Fault::when(Match::any().method("get").path(&format!("/Users/{ada_id}$"))).respond_with(Effect::status(503)));

    assert_eq!(scim.get(&format!("/Users/{ada_id}")).await.status, 503);
    assert_eq!(scim.get(&format!("/Users/{grace_id}")).await.status, 200);
    assert_eq!(scim.get("/Users").await.status, 200);
}

#[tokio::test]
async fn resource_kinds_match_their_paths() {
    let builder = MockServer::builder()
        .fault(Fault::when(Match::any().resource(Resource::Discovery)).respond_with(Effect::status(502)))
        .fault(Fault::when(Match::any().resource(Resource::Groups)).respond_with(Effect::status(503)));
    let (_server, scim) = start_with(builder).await;

    assert_eq!(scim.get("/ServiceProviderConfig").await.status, 502);
    assert_eq!(scim.get("/Schemas").await.status, 502);
    assert_eq!(scim.get("/ResourceTypes/User").await.status, 502);
    assert_eq!(scim.get("/Groups").await.status, 503);
    assert_eq!(scim.get("/Users").await.status, 200);
}

#[tokio::test]
async fn directory_match_spares_other_directories() {
    let (server, scim) = start_with(MockServer::builder()).await;
    let other = server.create_directory("Okta");
    let other_scim = Scim::new(other.base_url.clone(), other.api_key.clone());
    server.inject(Fault::when(Match::any().directory(other.id)).respond_with(Effect::status(503)));

    assert_eq!(other_scim.get("/Users").await.status, 503);
    assert_eq!(scim.get("/Users").await.status, 200);
}

#[tokio::test]
async fn method_match_spares_other_methods() {
    let (_server, scim) = start_with_fault(Fault::when(Match::any().method("DELETE")).respond_with(Effect::status(503))).await;
    let ada = scim.post_user("ada").await;
    let path = format!("/Users/{}", ada["id"].as_str().expect("an id"));

    assert_eq!(scim.get(&path).await.status, 200);
    assert_eq!(scim.delete(&path).await.status, 503);
}

#[tokio::test]
async fn earlier_rule_decides_and_later_still_counts() {
    let builder = MockServer::builder()
        .fault(Fault::when(fail_lists()).first(1).respond_with(Effect::status(503)))
        .fault(Fault::when(fail_lists()).nth(1).respond_with(Effect::status(500)));
    let (server, scim) = start_with(builder).await;

    assert_eq!(list_statuses(&scim, 2).await, [503, 200], "rule 2's n-th match was the first request");

    let listing = server.faults();
    assert_eq!((listing.faults[0].matched, listing.faults[0].fired), (2, 1));
    assert_eq!((listing.faults[1].matched, listing.faults[1].fired), (2, 0));
}

#[tokio::test]
async fn removed_rule_stops_firing() {
    let (server, scim) = start_with(MockServer::builder()).await;
    let id = server.inject(Fault::when(fail_lists()).respond_with(Effect::status(503)));
    assert_eq!(list_statuses(&scim, 1).await, [503]);

    assert!(server.remove_fault(id));
    assert!(!server.remove_fault(id), "a rule is removed once");

    assert_eq!(list_statuses(&scim, 1).await, [200]);
    assert!(server.fault(id).is_none());
}

#[tokio::test]
async fn control_api_exempt_from_faults() {
    let (server, _scim) = start_with_fault(Fault::when(Match::any()).respond_with(Effect::status(503))).await;
    let control_url = server.control_url().expect("the control API is on by default");

    let response = reqwest::Client::new()
        .get(format!("{control_url}/faults"))
        .bearer_auth(server.control_token().expect("a control token"))
        .send()
        .await
        .expect("the request reaches the mock");

    assert_eq!(response.status(), 200);
    assert_eq!(server.faults().faults[0].matched, 0, "control requests do not count as matches");
    assert!(server.received_requests().is_empty(), "control requests are not journaled");
}

#[tokio::test]
async fn unknown_paths_exempt_from_faults() {
    let (server, scim) = start_with_fault(Fault::when(Match::any()).respond_with(Effect::status(503))).await;

    let reply = scim.send(scim.http.get(format!("{}/health", server.url()))).await;

    assert_eq!(reply.status, 404, "faults apply only to SCIM and admin paths");
}
