//! The control operations as Rust methods of `MockServer`: the same
//! rules as the control routes, for in-process tests.

mod common;

use common::{start_with, user_body, Scim};
use scim_mock::faults::{Effect, Fault, FaultConfig, Match, Resource};
use scim_mock::store::SiteGroup;
use scim_mock::MockServer;
use serde_json::json;

#[tokio::test]
async fn regenerate_key_changes_token() {
    let (server, scim) = start_with(MockServer::builder().token("start-key")).await;

    let new_key = server.regenerate_key(server.directory_id()).expect("the default directory exists");

    assert_ne!(new_key, "start-key");
    assert_eq!(server.token(), new_key);
    assert_eq!(scim.get("/Users").await.status, 403, "the old key fails at once");
    assert_eq!(Scim::new(server.base_url(), new_key).get("/Users").await.status, 200);
    let audit = server.audit_events();
    assert!(audit.iter().any(|event| event.action == "directory_api_key_regenerated"));
}

#[tokio::test]
async fn regenerate_unknown_directory_fails() {
    let (server, _scim) = start_with(MockServer::builder()).await;

    let error = server.regenerate_key(uuid::Uuid::new_v4()).expect_err("no such directory");

    assert_eq!(error.status(), 404);
    assert!(error.message().contains("does not exist"), "{error}");
}

#[tokio::test]
async fn created_directory_serves_scim() {
    let (server, _scim) = start_with(MockServer::builder()).await;

    let created = server.create_directory("Microsoft Entra ID");
    let entra = Scim::new(created.base_url.clone(), created.api_key.clone());

    assert_eq!(created.org_id, server.org_id());
    assert_eq!(entra.post("/Users", &user_body("ada")).await.status, 201);
    assert_eq!(server.directories().len(), 2);
}

#[tokio::test]
async fn domains_verified_and_unverified() {
    let (server, scim) = start_with(MockServer::builder()).await;

    assert_eq!(server.verify_domain("example.org"), Ok(true));
    assert_eq!(server.verify_domain("example.org"), Ok(false));
    assert_eq!(scim.post("/Users", &user_body("ada@example.org")).await.status, 201);
    assert!(server.unverify_domain("EXAMPLE.org"));
    assert!(!server.unverify_domain("example.org"));
    assert_eq!(scim.post("/Users", &user_body("grace@example.org")).await.status, 400);
    assert_eq!(server.verify_domain("not a domain").map_err(|error| error.status()), Err(400));
}

#[tokio::test]
async fn group_names_added_and_removed() {
    let (server, scim) = start_with(MockServer::builder()).await;

    assert_eq!(server.add_org_group("Finance"), Ok(true));
    assert_eq!(scim.post("/Groups", &json!({"displayName": "Finance"})).await.status, 409);
    assert!(server.remove_org_group("finance"));

    let site_group = SiteGroup {
        name: "Design".to_owned(),
        site: "acme.atlassian.net".to_owned(),
    };
    assert_eq!(server.add_site_group(site_group), Ok(true));
    assert_eq!(scim.post("/Groups", &json!({"displayName": "Design"})).await.status, 201);
    assert!(server.audit_events().iter().any(|event| event.action == "group_propagation_failed"));
    assert_eq!(server.remove_site_group("design"), 1);
}

#[tokio::test]
async fn faults_listed_and_replaced() {
    let (server, scim) = start_with(MockServer::builder().fault_seed(11)).await;
    let id = server.inject(Fault::when(Match::create(Resource::Users)).named("once").first(1).respond_with(Effect::status(503)));

    assert_eq!(scim.post("/Users", &user_body("ada")).await.status, 503);
    let listing = server.faults();
    assert_eq!(listing.seed, 11);
    assert_eq!(listing.faults[0].id, id);
    assert_eq!(listing.faults[0].fault.name(), Some("once"));
    assert_eq!(listing.faults[0].fired, 1);

    let config: FaultConfig = serde_json::from_value(json!({"faults": [{"effect": {"type": "status", "status": 502}}]})).expect("a config");
    server.replace_faults(&config);
    assert_eq!(scim.get("/Users").await.status, 502);
    server.clear_faults();
    assert_eq!(scim.get("/Users").await.status, 200);
    assert_eq!(server.faults().seed, 11);
}

#[tokio::test]
async fn journal_cleared() {
    let (server, scim) = start_with(MockServer::builder()).await;
    scim.get("/Users").await;
    assert_eq!(server.received_requests().len(), 1);

    server.clear_received_requests();

    assert!(server.received_requests().is_empty());
}

#[tokio::test]
async fn reset_restores_seed_state() {
    let seed = common::SMALL_SEED;
    let (server, scim) = start_with(MockServer::builder().seed_file(seed)).await;
    let before = server.export_state();
    scim.post_user("ada").await;
    server.verify_domain("example.org").expect("a valid domain");

    server.reset();

    let mut after = server.export_state();
    after.saved_at = before.saved_at;
    assert_eq!(after, before);
}

#[tokio::test]
async fn import_state_rejects_unknown_member() {
    let (server, scim) = start_with(MockServer::builder()).await;
    scim.post_user("ada").await;
    let group = scim.post_group("Engineering").await;
    let mut state = server.export_state();
    let directory = &mut state.organisations[0].directories[0];
    directory.groups[0].members.push(uuid::Uuid::new_v4());

    let error = server.import_state(&state).expect_err("the member does not exist");

    assert!(error.to_string().contains("groups[0]"), "{error}");
    assert!(error.to_string().contains("is not a user of this directory"), "{error}");
    assert_eq!(scim.get_group(group["id"].as_str().expect("an id")).await["displayName"], "Engineering");
}

#[tokio::test]
async fn import_state_rejects_wrong_format() {
    let (server, _scim) = start_with(MockServer::builder()).await;
    let mut state = server.export_state();
    state.format = "seed".to_owned();

    let error = server.import_state(&state).expect_err("not a state");

    assert!(error.to_string().contains("not a scim-mock state"), "{error}");
}

#[tokio::test]
async fn import_state_rejects_missing_default_directory() {
    let (server, _scim) = start_with(MockServer::builder()).await;
    let mut state = server.export_state();
    state.default_directory_id = uuid::Uuid::new_v4();

    let error = server.import_state(&state).expect_err("no such directory");

    assert!(error.to_string().contains("defaultDirectoryId"), "{error}");
}

#[tokio::test]
async fn import_state_rejects_duplicate_group_names_across_directories() {
    let (server, scim) = start_with(MockServer::builder()).await;
    let other = server.create_directory("Okta");
    scim.post_group("Engineering").await;
    Scim::new(other.base_url, other.api_key).post_group("Sales").await;
    let mut state = server.export_state();
    state.organisations[0].directories[1].groups[0].display_name = "ENGINEERING".to_owned();

    let error = server.import_state(&state).expect_err("group names are unique in an organisation");

    assert!(error.to_string().contains("directories[1].groups[0]"), "{error}");
}
