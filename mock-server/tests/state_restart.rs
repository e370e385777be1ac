//! The real binary with `--state-file`: users and groups created before a
//! SIGTERM or SIGINT are served with the same ids after a restart, a
//! `POST /_mock/state/save` survives a hard kill, and a corrupt file stops
//! the start.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use common::{member_ids, resource_ids, Scim};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Guard against a hung binary hanging the test run; never a timing check.
const GUARD: Duration = Duration::from_secs(60);

/// A running `scim-mock` and the fields of its ready line.
struct Running {
    child: Child,
    ready: HashMap<String, String>,
}

impl Running {
    fn field(&self, name: &str) -> &str {
        self.ready
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("the ready line has no {name}: {:?}", self.ready))
    }

    fn scim(&self) -> Scim {
        Scim::new(self.field("base_url"), self.field("token"))
    }

    /// Sends a signal with the `kill` command, since std and tokio can
    /// only send SIGKILL and this crate forbids `unsafe` for libc::kill.
    async fn signal(&self, name: &str) {
        let pid = self.child.id().expect("the child is running").to_string();
        let status = Command::new("kill")
            .args(["-s", name, &pid])
            .status()
            .await
            .expect("the kill command (procps) is installed");
        assert!(status.success(), "kill -s {name} {pid} failed: {status}");
    }

    /// Sends `signal` and waits for the exit.
    async fn stop(mut self, signal: &str) -> ExitStatus {
        self.signal(signal).await;
        tokio::time::timeout(GUARD, self.child.wait())
            .await
            .expect("the binary exits after the signal")
            .expect("the exit status is readable")
    }
}

/// Starts the binary on a free port with `state_file` and reads its ready line.
async fn start(state_file: &Path) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scim-mock"))
        .args(["--port", "0", "--log", "warn", "--state-file"])
        .arg(state_file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut line = String::new();
    tokio::time::timeout(GUARD, BufReader::new(stdout).read_line(&mut line))
        .await
        .expect("the binary prints its ready line")
        .expect("stdout is readable");

    let fields = line
        .trim()
        .strip_prefix("scim-mock ready ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"));
    let ready = fields
        .split(' ')
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect();
    Running { child, ready }
}

/// Returns every user's and group's id, name and creation time, and each
/// group's members, as the API lists them.
async fn snapshot(scim: &Scim) -> Value {
    let users = scim.get("/Users").await.body;
    let groups = scim.get("/Groups").await.body;
    let user_view: Vec<Value> = users["Resources"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|user| json!({"id": user["id"], "userName": user["userName"], "active": user["active"], "created": user["meta"]["created"]}))
        .collect();
    let group_view: Vec<Value> = groups["Resources"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|group| json!({"id": group["id"], "displayName": group["displayName"], "members": member_ids(&group), "created": group["meta"]["created"]}))
        .collect();
    json!({"users": user_view, "groups": group_view})
}

#[tokio::test]
async fn sigterm_restart_keeps_users_and_groups() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let state_file = folder.path().join("state.json");

    let first = start(&state_file).await;
    assert!(first.field("control_url").ends_with("/_mock"));
    assert!(!first.field("control_token").is_empty());
    let scim = first.scim();
    let ada = scim.post_user("ada").await;
    let grace = scim.post_user("grace").await;
    let linus = scim.post_user("linus").await;
    let engineering = scim.post_group("Engineering").await;
    let research = scim.post_group("Research").await;
    let id = |value: &Value| value["id"].as_str().expect("an id").to_owned();
    scim.add_members(&id(&engineering), &[&id(&ada), &id(&linus)]).await;
    scim.add_members(&id(&research), &[&id(&grace)]).await;
    let before = snapshot(&scim).await;
    let directory_id = first.field("directory_id").to_owned();
    let token = first.field("token").to_owned();

    let status = first.stop("TERM").await;
    assert!(status.success(), "a graceful stop exits 0, got {status}");
    assert!(state_file.exists(), "SIGTERM saved the state");

    let second = start(&state_file).await;
    assert_eq!(second.field("directory_id"), directory_id);
    assert_eq!(second.field("token"), token, "the directory key survives");
    let scim = second.scim();
    let after = snapshot(&scim).await;
    assert_eq!(after, before, "same ids, names, members and creation times");
    assert_eq!(resource_ids(&scim.get("/Users").await.body), [id(&ada), id(&grace), id(&linus)]);
    assert_eq!(scim.post("/Users", &common::user_body("ada")).await.status, 409, "the restored user still holds its name");
    assert_eq!(scim.post("/Users", &common::user_body("margaret")).await.status, 201);

    assert!(second.stop("TERM").await.success());
}

#[tokio::test]
async fn sigint_also_saves() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let state_file = folder.path().join("state.json");
    let first = start(&state_file).await;
    let ada = first.scim().post_user("ada").await;

    assert!(first.stop("INT").await.success());

    let second = start(&state_file).await;
    assert_eq!(second.scim().get_user(ada["id"].as_str().expect("an id")).await["userName"], "ada@example.com");
    assert!(second.stop("TERM").await.success());
}

#[tokio::test]
async fn control_save_survives_hard_kill() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let state_file = folder.path().join("state.json");
    let first = start(&state_file).await;
    let scim = first.scim();
    let ada = scim.post_user("ada").await;
    let saved = reqwest::Client::new()
        .post(format!("{}/state/save", first.field("control_url")))
        .bearer_auth(first.field("control_token"))
        .send()
        .await
        .expect("the control API answers");
    assert_eq!(saved.status(), 200);
    let saved: Value = saved.json().await.expect("a JSON body");
    assert_eq!(saved["path"], state_file.display().to_string());
    scim.post_user("grace").await;

    // SIGKILL skips the save on shutdown, so only the explicit save counts.
    assert!(!first.stop("KILL").await.success());

    let second = start(&state_file).await;
    let users = second.scim().get("/Users").await.body;
    assert_eq!(resource_ids(&users), [ada["id"].as_str().unwrap_or_default()], "the state as of the save");
    assert!(second.stop("TERM").await.success());
}

#[tokio::test]
async fn corrupt_state_file_stops_binary() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let state_file = folder.path().join("state.json");
    std::fs::write(&state_file, b"{\"format\": \"scim-mock-state\",").expect("the file is written");

    let child = Command::new(env!("CARGO_BIN_EXE_scim-mock"))
        .args(["--port", "0", "--state-file"])
        .arg(&state_file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let output = tokio::time::timeout(GUARD, child.wait_with_output())
        .await
        .expect("the binary exits")
        .expect("its output is readable");

    assert!(!output.status.success(), "exit status {}", output.status);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&state_file.display().to_string()), "{stderr}");
    assert!(stderr.contains("EOF"), "the JSON error is shown: {stderr}");
    assert!(output.stdout.is_empty(), "no ready line");
    assert_eq!(std::fs::read(&state_file).expect("the file is still there"), b"{\"format\": \"scim-mock-state\",");
}

#[tokio::test]
async fn ready_line_without_control_api() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scim-mock"))
        .args(["--port", "0", "--log", "warn", "--no-control-api"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut line = String::new();
    tokio::time::timeout(GUARD, BufReader::new(stdout).read_line(&mut line))
        .await
        .expect("the binary prints its ready line")
        .expect("stdout is readable");

    assert!(line.starts_with("scim-mock ready base_url="), "{line}");
    assert!(!line.contains("control_"), "{line}");
    let running = Running { child, ready: HashMap::new() };
    assert!(running.stop("TERM").await.success());
}
