//! The state file in-process: saved atomically, loaded at start with every
//! id, key, account, membership, order and timestamp, and a corrupt or
//! partial file rejected with a message naming it, never replaced.

mod common;

use std::path::{Path, PathBuf};

use common::{resource_ids, start_with, user_body, Scim};
use scim_mock::faults::{Effect, Fault, Match, Resource};
use scim_mock::state::StateFileError;
use scim_mock::{MockServer, StartError};
use serde_json::{json, Value};

fn state_path(folder: &tempfile::TempDir) -> PathBuf {
    folder.path().join("state.json")
}

async fn start_with_state(path: &Path) -> (MockServer, Scim) {
    start_with(MockServer::builder().state_file(path)).await
}

/// Creates two users, a deactivated third, two groups with members, a
/// second directory with a user, and a propagation failure in the audit log.
async fn populate(server: &MockServer, scim: &Scim) -> Vec<String> {
    let ada = scim.post_user("ada").await;
    let grace = scim.post_user("grace").await;
    let linus = scim.post_user("linus").await;
    let ids: Vec<&str> = [&ada, &grace, &linus].iter().map(|user| user["id"].as_str().expect("an id")).collect();
    scim.patch_ops(&format!("/Users/{}", ids[2]), json!([{"op": "replace", "path": "active", "value": false}]))
        .await;
    let engineering = scim.post_group("Engineering").await;
    let confluence = scim.post_group("confluence-users").await;
    scim.add_members(engineering["id"].as_str().expect("an id"), &[ids[1], ids[0]]).await;
    scim.add_members(confluence["id"].as_str().expect("an id"), &[ids[0]]).await;
    let okta = server.create_directory("Okta");
    Scim::new(okta.base_url, okta.api_key).post_user("margaret").await;
    ids.into_iter().map(str::to_owned).collect()
}

#[tokio::test]
async fn saved_state_loads_identically() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = state_path(&folder);
    let (first, scim) = start_with_state(&path).await;
    let ids = populate(&first, &scim).await;
    let users_before = scim.get("/Users").await.body;
    let groups_before = scim.get("/Groups").await.body;
    let state_before = first.export_state();
    let saved = first.save_state().await.expect("the state is saved");
    assert_eq!(saved.path, path);
    assert!(saved.bytes > 0);
    first.shutdown().await;

    let (second, _) = start_with_state(&path).await;
    let scim = Scim::new(second.base_url(), second.token());

    assert_eq!(second.directory_id(), state_before.default_directory_id);
    assert_eq!(second.token(), state_before.organisations[0].directories[0].api_key, "the key survives");
    let mut state_after = second.export_state();
    state_after.saved_at = state_before.saved_at;
    assert_eq!(state_after, state_before, "accounts, audit, memberships, sequences and timestamps survive");
    let users_after = scim.get("/Users").await.body;
    assert_eq!(resource_ids(&users_after), ids, "creation order survives");
    assert_eq!(strip_locations(users_after), strip_locations(users_before));
    assert_eq!(strip_locations(scim.get("/Groups").await.body), strip_locations(groups_before));
}

/// Removes the host and port from every URL, since the second server
/// listens on another port.
fn strip_locations(mut value: Value) -> Value {
    fn walk(value: &mut Value) {
        match value {
            Value::String(text) if text.starts_with("http://") => {
                if let Some(index) = text.find("/scim/") {
                    *text = text[index..].to_owned();
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            Value::Object(fields) => fields.values_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut value);
    value
}

#[tokio::test]
async fn creations_after_load_sort_last() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = state_path(&folder);
    let (first, scim) = start_with_state(&path).await;
    let ada = scim.post_user("ada").await;
    let group = scim.post_group("Engineering").await;
    first.shutdown().await;

    let (_second, scim) = start_with_state(&path).await;
    let grace = scim.post_user("grace").await;
    let sales = scim.post_group("Sales").await;

    assert_eq!(resource_ids(&scim.get("/Users").await.body), [ada["id"].clone(), grace["id"].clone()].map(|id| id.as_str().unwrap_or_default().to_owned()));
    assert_eq!(resource_ids(&scim.get("/Groups").await.body), [group["id"].clone(), sales["id"].clone()].map(|id| id.as_str().unwrap_or_default().to_owned()));
    assert_eq!(scim.post("/Users", &user_body("ada")).await.status, 409, "uniqueness indexes are rebuilt");
    assert_eq!(scim.post("/Groups", &json!({"displayName": "engineering"})).await.status, 409);
}

#[tokio::test]
async fn recreated_user_keeps_account_after_load() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = state_path(&folder);
    let (first, scim) = start_with_state(&path).await;
    let ada = scim.post_user("ada").await;
    scim.delete(&format!("/Users/{}", ada["id"].as_str().expect("an id"))).await;
    first.shutdown().await;

    let (_second, scim) = start_with_state(&path).await;
    let again = scim.post_user("ada").await;

    assert_eq!(again[common::EXTERNAL_URN]["atlassianAccountId"], ada[common::EXTERNAL_URN]["atlassianAccountId"]);
}

#[tokio::test]
async fn shutdown_saves_state() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = state_path(&folder);
    let (server, scim) = start_with_state(&path).await;
    scim.post_user("ada").await;

    server.shutdown_and_save().await.expect("the state is saved");

    let text = std::fs::read_to_string(&path).expect("the state file exists");
    assert!(text.contains("ada@example.com"));
    let names: Vec<String> = std::fs::read_dir(folder.path())
        .expect("the folder is readable")
        .map(|entry| entry.expect("an entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["state.json"], "no temporary file is left behind");
}

#[tokio::test]
async fn missing_state_file_starts_from_seed() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = state_path(&folder);

    let (server, _scim) = start_with(MockServer::builder().state_file(&path).seed_file(common::SMALL_SEED)).await;

    assert!(!path.exists(), "nothing is written before a save");
    let okta = Scim::for_directory(&server, common::OKTA_DIRECTORY);
    assert!(okta.get("/Users").await.body["totalResults"].as_u64() > Some(0), "the seed was loaded");
}

#[tokio::test]
async fn state_file_overrides_seed_settings() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = state_path(&folder);
    let (first, _scim) = start_with(MockServer::builder().state_file(&path).token("first-key")).await;
    let directory_id = first.directory_id();
    first.shutdown().await;

    let (second, _scim) = start_with(MockServer::builder().state_file(&path).token("second-key")).await;

    assert_eq!(second.directory_id(), directory_id);
    assert_eq!(second.token(), "first-key", "the saved key wins over the builder's");
}

#[tokio::test]
async fn reset_returns_to_loaded_state() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = state_path(&folder);
    let (first, scim) = start_with_state(&path).await;
    scim.post_user("ada").await;
    first.shutdown().await;

    let (second, scim) = start_with_state(&path).await;
    scim.post_user("grace").await;
    second.reset();

    assert_eq!(scim.get("/Users").await.body["totalResults"], 1, "the reset keeps what was loaded at start");
}

#[tokio::test]
async fn runtime_rule_changes_survive() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = state_path(&folder);
    let (first, scim) = start_with_state(&path).await;
    first.inject(Fault::when(Match::create(Resource::Users)).first(1).respond_with(Effect::user_limit(1)));
    scim.post_user("ada").await;
    first.shutdown().await;

    let (second, scim) = start_with_state(&path).await;

    assert_eq!(scim.post("/Users", &user_body("grace")).await.status, 403, "the lowered limit was saved");
    assert!(second.faults().faults.is_empty(), "fault rules are not part of the state");
}

/// Writes `content` as the state file and returns the start error.
async fn start_error_for(content: &[u8]) -> (tempfile::TempDir, PathBuf, StartError) {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = state_path(&folder);
    std::fs::write(&path, content).expect("the file is written");
    let error = match MockServer::builder().state_file(&path).start().await {
        Ok(_) => panic!("the server started with the broken state file"),
        Err(error) => error,
    };
    (folder, path, error)
}

#[tokio::test]
async fn corrupt_state_file_rejected() {
    let (_folder, path, error) = start_error_for(b"{\"format\": \"scim-mock-state\", oops}").await;

    assert!(matches!(error, StartError::State(StateFileError::Parse { .. })), "{error:?}");
    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("key must be a string"), "the JSON error is shown: {message}");
    assert!(message.contains("left unchanged"), "{message}");
    assert_eq!(std::fs::read(&path).expect("the file is still there"), b"{\"format\": \"scim-mock-state\", oops}");
}

#[tokio::test]
async fn partial_state_file_rejected() {
    let (server, scim) = start_with(MockServer::builder()).await;
    scim.post_user("ada").await;
    let text = serde_json::to_string(&server.export_state()).expect("a state serialises");
    let partial = &text.as_bytes()[..text.len() * 2 / 3];

    let (_folder, path, error) = start_error_for(partial).await;

    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("EOF"), "{message}");
    assert_eq!(std::fs::read(&path).expect("the file is still there"), partial, "the file is never replaced");
}

#[tokio::test]
async fn empty_state_file_rejected() {
    let (_folder, _path, error) = start_error_for(b"").await;

    assert!(matches!(error, StartError::State(StateFileError::Parse { .. })), "{error:?}");
}

#[tokio::test]
async fn inconsistent_state_file_names_entry() {
    let (server, scim) = start_with(MockServer::builder()).await;
    scim.post_user("ada").await;
    let mut state = serde_json::to_value(server.export_state()).expect("a state serialises");
    state["organisations"][0]["directories"][0]["users"][0]["accountId"] = json!("ffffffffffffffffffffffff");

    let (_folder, _path, error) = start_error_for(state.to_string().as_bytes()).await;

    assert!(matches!(error, StartError::State(StateFileError::Invalid { .. })), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("organisations[0].directories[0].users[0]"), "{message}");
    assert!(message.contains("ffffffffffffffffffffffff"), "{message}");
}

#[tokio::test]
async fn unknown_field_in_state_file_named() {
    let (server, _scim) = start_with(MockServer::builder()).await;
    let mut state = serde_json::to_value(server.export_state()).expect("a state serialises");
    state["organisations"][0]["colour"] = json!("blue");

    let (_folder, _path, error) = start_error_for(state.to_string().as_bytes()).await;

    let message = error.to_string();
    assert!(message.contains("organisations[0]"), "{message}");
    assert!(message.contains("colour"), "{message}");
}

#[tokio::test]
async fn save_into_missing_folder_fails() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let subfolder = folder.path().join("missing");
    std::fs::create_dir(&subfolder).expect("creates the folder");
    let path = subfolder.join("state.json");
    let (server, _scim) = start_with_state(&path).await;
    std::fs::remove_dir(&subfolder).expect("removes the folder after the start");

    let error = server.save_state().await.expect_err("the folder no longer exists");

    assert!(matches!(error, StateFileError::Write { .. }), "{error:?}");
    assert!(error.to_string().contains("missing"), "{error}");
}

#[tokio::test]
async fn save_without_state_file_fails() {
    let (server, _scim) = start_with(MockServer::builder()).await;

    let error = server.save_state().await.expect_err("no state file");

    assert!(matches!(error, StateFileError::NotConfigured), "{error:?}");
}

#[tokio::test]
async fn save_replaces_previous_file() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = state_path(&folder);
    let (server, scim) = start_with_state(&path).await;
    server.save_state().await.expect("the first save");
    scim.post_user("ada").await;

    server.save_state().await.expect("the second save");

    let saved: Value = serde_json::from_slice(&std::fs::read(&path).expect("the file exists")).expect("valid JSON");
    assert_eq!(saved["organisations"][0]["directories"][0]["users"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn missing_state_folder_rejected_at_start() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("no-such-folder").join("state.json");

    let error = MockServer::builder().state_file(&path).start().await.expect_err("the folder does not exist");

    assert!(matches!(error, StartError::StateFolder { .. }), "{error}");
    assert!(error.to_string().contains("no-such-folder"), "{error}");
}
