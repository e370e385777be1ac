//! Fault files: every fixture loads and behaves as its README describes,
//! and a broken file stops the start with a message naming the file and
//! entry.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use common::{start_with, user_body, Scim};
use scim_mock::faults::{FaultConfig, FaultFileError};
use scim_mock::{MockServer, StartError};
use serde_json::json;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/faults").join(name)
}

async fn start_with_file(name: &str) -> (MockServer, Scim) {
    start_with(MockServer::builder().faults_file(fixture(name))).await
}

#[tokio::test]
async fn every_fixture_loads() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/faults");
    let mut loaded = 0;
    for entry in std::fs::read_dir(&folder).expect("the fixtures folder exists") {
        let path = entry.expect("a folder entry").path();
        if path.extension().and_then(|extension| extension.to_str()) != Some("json") {
            continue;
        }
        let config = FaultConfig::from_file(&path).unwrap_or_else(|error| panic!("{error}"));
        let server = MockServer::builder()
            .faults_file(&path)
            .start()
            .await
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));

        assert_eq!(server.faults().faults.len(), config.faults.len(), "{}", path.display());
        loaded += 1;
    }
    assert!(loaded >= 6, "expected the six documented fixtures, found {loaded}");
}

#[tokio::test]
async fn flaky_creates_uses_file_seed() {
    let (server, _scim) = start_with_file("flaky-creates.json").await;

    assert_eq!(server.faults().seed, 42);
}

#[tokio::test]
async fn seed_set_in_rust_overrides_file() {
    let builder = MockServer::builder().faults_file(fixture("flaky-creates.json")).fault_seed(5);
    let (server, _scim) = start_with(builder).await;

    assert_eq!(server.faults().seed, 5);
}

#[tokio::test]
async fn rate_limited_fixture_sets_limit() {
    let (server, _scim) = start_with_file("rate-limited.json").await;

    // Whether a burst gets 429 depends on how fast the client sends, so
    // only the configuration is checked here. faults_effects tests the
    // limiter with a rate too low to refill during a test.
    let limit = server.faults().rate_limit.expect("the file sets a rate limit");
    assert_eq!(serde_json::to_value(limit).expect("a limit serialises"), json!({"requestsPerSecond": 5.0, "burst": 10}));
}

#[tokio::test]
async fn lost_responses_fixture_applies_first_create() {
    let (_server, scim) = start_with_file("lost-responses.json").await;

    assert_eq!(scim.post("/Users", &user_body("ada")).await.status, 504);
    assert_eq!(scim.post("/Users", &user_body("ada")).await.status, 409);
}

#[tokio::test]
async fn atlassian_rules_fixture_forces_duplicate() {
    let (server, scim) = start_with_file("atlassian-rules.json").await;

    assert_eq!(scim.post("/Users", &user_body("ada")).await.status, 409);
    assert_eq!(scim.post("/Users", &user_body("ada")).await.status, 201);
    scim.post_group("Engineering").await;
    let failed = server.audit_events().iter().any(|event| event.action == "group_propagation_failed");
    assert!(failed, "Engineering failed to propagate");
}

#[tokio::test]
async fn connection_faults_fixture_sends_html_on_discovery() {
    let (_server, scim) = start_with_file("connection-faults.json").await;

    let reply = scim.get("/ServiceProviderConfig").await;

    assert_eq!(reply.status, 502);
    assert_eq!(reply.media_type(), "text/html");
}

#[tokio::test]
async fn auth_failures_fixture_rejects_first_read() {
    let (_server, scim) = start_with_file("auth-failures.json").await;

    let first = scim.get("/Users").await;

    assert_eq!(first.status, 401);
    assert_eq!(first.body["error"], "Unauthorized: the API key expired.");
    assert_eq!(scim.get("/Users").await.status, 200);
}

/// Writes `content` to a file in a new temporary folder.
fn write_temporary(content: &str) -> (tempfile::TempDir, PathBuf) {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("faults.json");
    std::fs::write(&path, content).expect("the file is written");
    (folder, path)
}

async fn start_error(path: &Path) -> String {
    match MockServer::builder().faults_file(path).start().await {
        Ok(_) => panic!("the server started with the broken file {}", path.display()),
        Err(error) => error.to_string(),
    }
}

#[tokio::test]
async fn invalid_rule_names_file_and_entry() {
    let (_folder, path) = write_temporary(
        &json!({"faults": [
            {"effect": {"type": "reset"}},
            {"when": {"probability": 1.5}, "effect": {"type": "reset"}}
        ]})
        .to_string(),
    );

    let message = start_error(&path).await;

    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("faults[1].when"), "{message}");
    assert!(message.contains("between 0 and 1"), "{message}");
}

#[tokio::test]
async fn invalid_path_pattern_rejected() {
    let (_folder, path) = write_temporary(r#"{"faults": [{"match": {"path": "(["}, "effect": {"type": "close"}}]}"#);

    let message = start_error(&path).await;

    assert!(message.contains("faults[0].match.path"), "{message}");
    assert!(message.contains("invalid path pattern"), "{message}");
}

#[tokio::test]
async fn unknown_effect_type_rejected() {
    let (_folder, path) = write_temporary(r#"{"faults": [{"effect": {"type": "explode"}}]}"#);

    let message = start_error(&path).await;

    assert!(message.contains("faults[0].effect"), "{message}");
    assert!(message.contains("explode"), "{message}");
}

#[tokio::test]
async fn malformed_json_rejected() {
    let (_folder, path) = write_temporary(r#"{"faults": [}"#);

    let message = start_error(&path).await;

    assert!(message.contains("is not valid"), "{message}");
}

#[tokio::test]
async fn missing_file_rejected() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("absent.json");

    let error = MockServer::builder().faults_file(&path).start().await.expect_err("no file, no start");

    assert!(matches!(error, StartError::Faults(FaultFileError::Read { .. })), "{error:?}");
    assert!(error.to_string().contains("absent.json"), "{error}");
}

#[tokio::test]
async fn binary_rejects_broken_fault_file() {
    let (_folder, path) = write_temporary(r#"{"faults": [{"when": {"nth": 0}, "effect": {"type": "close"}}]}"#);

    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_scim-mock"))
        .args(["--port", "0", "--faults"])
        .arg(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    // The guard only keeps a hung binary from hanging the test run.
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the binary exits")
        .expect("its output is readable");

    assert!(!output.status.success(), "the binary exited with {}", output.status);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(stderr.contains("faults[0].when"), "{stderr}");
    assert!(output.stdout.is_empty(), "no ready line: {}", String::from_utf8_lossy(&output.stdout));
}
