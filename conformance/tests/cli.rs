//! The `scim-conformance` binary: exit codes, usage errors, reports, and
//! Ctrl-C (SIGINT) running cleanup, against a small fake server on loopback.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;

const BINARY: &str = env!("CARGO_BIN_EXE_scim-conformance");

const SCENARIOS: &str = r#"
[[scenario]]
name = "create-and-read"
rule = "a rule"
tags = ["users"]
profiles = ["atlassian"]

[[scenario.step]]
name = "create"
request.method = "POST"
request.path = "/Users"
request.json = '{"userName": "${run}"}'
expect.status = 201
capture.user_id = "$.id"

[[scenario.step]]
name = "read"
request.method = "GET"
request.path = "/Users/${user_id}"
expect.status = 200

[[scenario.cleanup]]
name = "delete"
request.method = "DELETE"
request.path = "/Users/${user_id}"

[[scenario]]
name = "discovery"
rule = "a rule"
tags = ["discovery"]
profiles = ["atlassian"]

[[scenario.step]]
name = "read the configuration"
request.method = "GET"
request.path = "/ServiceProviderConfig"
expect.status = 200
"#;

/// A fake server's response to one request line: a status and a body, or
/// `None` to hold the request open without responding.
type Handler = Arc<dyn Fn(&str) -> Option<(u16, String)> + Send + Sync>;

/// Starts a one-request-per-connection HTTP server that sends each request
/// line on a channel. GET /Users/... responds with `get_status`, or never
/// responds when it is `None`.
fn start_server(get_status: Option<u16>) -> (String, mpsc::Receiver<String>) {
    start_server_with(move |request_line| {
        if request_line.starts_with("POST") {
            Some((201, r#"{"id":"u-1"}"#.to_owned()))
        } else if request_line.starts_with("GET /scim/Users/") {
            get_status.map(|status| (status, r#"{"id":"u-1"}"#.to_owned()))
        } else if request_line.starts_with("DELETE") {
            Some((204, String::new()))
        } else {
            Some((200, "{}".to_owned()))
        }
    })
}

/// Starts a one-request-per-connection HTTP server that responds through
/// `handler` and sends each request line on a channel.
fn start_server_with(
    handler: impl Fn(&str) -> Option<(u16, String)> + Send + Sync + 'static,
) -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port is free");
    let address = listener.local_addr().expect("the listener has an address");
    let (sender, receiver) = mpsc::channel();
    let handler: Handler = Arc::new(handler);
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let sender = sender.clone();
            let handler = handler.clone();
            thread::spawn(move || handle(stream, &handler, &sender));
        }
    });
    (format!("http://{address}/scim"), receiver)
}

fn handle(mut stream: TcpStream, handler: &Handler, sender: &mpsc::Sender<String>) {
    let mut reader = BufReader::new(stream.try_clone().expect("the stream clones"));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() || line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let request_line = request_line.trim().to_owned();
    let _ = sender.send(request_line.clone());

    let Some((status, body)) = handler(&request_line) else {
        let mut rest = Vec::new();
        let _ = reader.read_to_end(&mut rest);
        return;
    };
    let response = format!(
        "HTTP/1.1 {status} Fake\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
}

fn scenario_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("suite.toml"), SCENARIOS).expect("the scenario file is written");
    dir
}

fn run(arguments: &[&str]) -> Output {
    Command::new(BINARY)
        .args(arguments)
        .env_remove("SCIM_BASE_URL")
        .env_remove("SCIM_TOKEN")
        .env_remove("SCIM_SCENARIOS")
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn passing_run_exits_zero_and_writes_reports() {
    let (base_url, _requests) = start_server(Some(200));
    let dir = scenario_dir();
    let junit = dir.path().join("out/report.xml");
    let json = dir.path().join("out/report.json");
    let scenarios = dir.path().to_string_lossy().into_owned();

    let output = run(&[
        "run",
        "--base-url",
        &base_url,
        "--token",
        "k",
        "--scenarios",
        &scenarios,
        "--junit",
        &junit.to_string_lossy(),
        "--json",
        &json.to_string_lossy(),
    ]);

    assert_eq!(output.status.code(), Some(0), "{}{}", text(&output.stdout), text(&output.stderr));
    assert!(text(&output.stdout).contains("2 passed, 0 failed"), "{}", text(&output.stdout));
    let xml = std::fs::read_to_string(&junit).expect("the JUnit report exists");
    assert!(xml.contains("tests=\"2\" failures=\"0\""), "{xml}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("the JSON report exists")).expect("valid JSON");
    assert_eq!(report["summary"]["passed"], 2);
}

#[test]
fn failing_run_exits_one_with_details() {
    let (base_url, _requests) = start_server(Some(500));
    let dir = scenario_dir();
    let scenarios = dir.path().to_string_lossy().into_owned();

    let output = run(&["run", "--base-url", &base_url, "--token", "k", "--scenarios", &scenarios]);

    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("FAIL create-and-read"), "{stdout}");
    assert!(stdout.contains("status: expected 200, got 500"), "{stdout}");
    assert!(stdout.contains("1 passed, 1 failed"), "{stdout}");
}

#[test]
fn tag_selection_runs_only_matching() {
    let (base_url, _requests) = start_server(Some(200));
    let dir = scenario_dir();
    let scenarios = dir.path().to_string_lossy().into_owned();

    let output = run(&[
        "run", "--base-url", &base_url, "--token", "k", "--scenarios", &scenarios, "--skip-tag", "writes",
    ]);

    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("1 passed, 0 failed"), "{}", text(&output.stdout));
}

#[test]
fn missing_token_is_usage_error() {
    let output = run(&["run", "--base-url", "http://127.0.0.1:1/scim"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("--token"), "{}", text(&output.stderr));
}

#[test]
fn unknown_scenario_name_is_usage_error() {
    let dir = scenario_dir();
    let scenarios = dir.path().to_string_lossy().into_owned();
    let output = run(&[
        "run", "--base-url", "http://127.0.0.1:1/scim", "--token", "k", "--scenarios", &scenarios, "--scenario", "nope",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("no scenario named `nope`"), "{}", text(&output.stderr));
}

#[test]
fn invalid_scenario_file_names_file_and_field() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("bad.toml"), SCENARIOS.replace("expect.status = 201", "expect.stauts = 201"))
        .expect("the scenario file is written");
    let scenarios = dir.path().to_string_lossy().into_owned();

    let output = run(&["list", "--scenarios", &scenarios]);

    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("bad.toml"), "{stderr}");
    assert!(stderr.contains("scenario `create-and-read`"), "{stderr}");
    assert!(stderr.contains("step 1.expect.stauts"), "{stderr}");
}

#[test]
fn writes_refused_off_loopback_is_usage_error() {
    let dir = scenario_dir();
    let scenarios = dir.path().to_string_lossy().into_owned();
    // 0.0.0.0 is not loopback; were the guard broken, the request would still stay on this machine.
    let output = run(&["run", "--base-url", "http://0.0.0.0:9/scim", "--token", "k", "--scenarios", &scenarios]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("refusing to run 1 scenario(s) that write"), "{stderr}");
    assert!(stderr.contains("--allow-writes"), "{stderr}");
}

#[test]
fn list_shows_counts_by_tag() {
    let dir = scenario_dir();
    let scenarios = dir.path().to_string_lossy().into_owned();
    let output = run(&["list", "--scenarios", &scenarios]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("2 of 2 scenario(s) apply to profile atlassian"), "{stdout}");
    assert!(stdout.contains("by tag: discovery 1, read-only 1, users 1, writes 1"), "{stdout}");
}

#[test]
fn help_has_examples() {
    let output = run(&["run", "--help"]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("Examples:"), "{stdout}");
    assert!(stdout.contains("--allow-writes"), "{stdout}");
    assert!(stdout.contains("[env: SCIM_BASE_URL=]"), "{stdout}");
}

#[test]
fn sigint_runs_cleanup_and_exits_130() {
    let (base_url, requests) = start_server(None);
    let dir = scenario_dir();
    let scenarios = dir.path().to_string_lossy().into_owned();
    let junit = dir.path().join("report.xml");
    let child = Command::new(BINARY)
        .args(["run", "--base-url", &base_url, "--token", "k", "--jobs", "1", "--scenarios", &scenarios])
        .args(["--scenario", "create-and-read", "--junit", &junit.to_string_lossy()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");

    // The GET is held open by the server, so the run is mid-scenario now.
    for line in requests.iter() {
        if line.starts_with("GET /scim/Users/u-1") {
            break;
        }
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());

    let cleanup = requests.iter().find(|line| line.starts_with("DELETE"));
    assert_eq!(cleanup.as_deref(), Some("DELETE /scim/Users/u-1 HTTP/1.1"));
    let output = child.wait_with_output().expect("the binary exits");
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("interrupted"), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("1 interrupted"), "{}", text(&output.stdout));
    assert!(Path::new(&scenarios).exists());
    let xml = std::fs::read_to_string(&junit).expect("the JUnit report exists");
    assert!(xml.contains("tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\""), "{xml}");
}

#[test]
fn selection_with_nothing_applicable_is_usage_error() {
    let (base_url, requests) = start_server(Some(200));
    let dir = scenario_dir();
    let scenarios = dir.path().to_string_lossy().into_owned();

    let output = run(&[
        "run", "--base-url", &base_url, "--token", "k", "--scenarios", &scenarios, "--profile", "rfc7644",
    ]);

    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stdout));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("none of the 2 selected scenario(s) apply to profile rfc7644"), "{stderr}");
    assert!(stderr.contains("create-and-read, discovery"), "{stderr}");
    assert!(requests.try_recv().is_err(), "nothing was sent");
}

#[test]
fn list_names_scenarios_of_other_profiles() {
    let dir = scenario_dir();
    let scenarios = dir.path().to_string_lossy().into_owned();
    let output = run(&["list", "--scenarios", &scenarios, "--profile", "rfc7644"]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("- create-and-read"), "{stdout}");
    assert!(stdout.contains("0 of 2 scenario(s) apply to profile rfc7644\n"), "{stdout}");
    assert!(stdout.contains("2 do not, and are marked '-' above: create-and-read, discovery"), "{stdout}");
}

#[test]
fn base_url_without_scheme_is_usage_error() {
    for arguments in [&["run"][..], &["props"][..]] {
        let output = run(&[arguments, &["--base-url", "127.0.0.1:8080/scim", "--token", "k"]].concat());
        assert_eq!(output.status.code(), Some(2));
        let stderr = text(&output.stderr);
        assert!(stderr.contains("invalid base URL `127.0.0.1:8080/scim`"), "{stderr}");
        assert!(stderr.contains("Pass http://127.0.0.1:8080/scim"), "{stderr}");
        assert!(!stderr.contains("refusing"), "the guard does not mistake it for a remote host: {stderr}");
    }
}

#[test]
fn missing_snapshot_folder_is_usage_error() {
    let (base_url, requests) = start_server(Some(200));
    let dir = scenario_dir();
    let scenarios = dir.path().to_string_lossy().into_owned();
    let snapshots = dir.path().join("no-such-folder");

    let output = run(&[
        "run", "--base-url", &base_url, "--token", "k", "--scenarios", &scenarios, "--snapshots",
        &snapshots.to_string_lossy(),
    ]);

    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stdout));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("no-such-folder does not exist"), "{stderr}");
    assert!(stderr.contains("--update-snapshots"), "{stderr}");
    assert!(!snapshots.exists(), "the folder is not created");
    assert!(requests.try_recv().is_err(), "nothing was sent");
}

#[test]
fn update_snapshots_creates_the_folder() {
    let (base_url, _requests) = start_server(Some(200));
    let dir = scenario_dir();
    let scenarios = dir.path().to_string_lossy().into_owned();
    let snapshots = dir.path().join("new-folder");

    let output = run(&[
        "run", "--base-url", &base_url, "--token", "k", "--scenarios", &scenarios, "--snapshots",
        &snapshots.to_string_lossy(), "--update-snapshots",
    ]);

    assert_eq!(output.status.code(), Some(0), "{}{}", text(&output.stdout), text(&output.stderr));
    assert!(snapshots.join("discovery.snap").exists());
}

#[test]
fn unreachable_server_is_one_error() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port is free");
    let address = listener.local_addr().expect("the listener has an address");
    drop(listener);
    let dir = scenario_dir();
    let scenarios = dir.path().to_string_lossy().into_owned();
    let base_url = format!("http://{address}/scim");

    for arguments in [&["run", "--scenarios", &scenarios][..], &["props"][..]] {
        let output = run(&[arguments, &["--base-url", &base_url, "--token", "k"]].concat());

        assert_eq!(output.status.code(), Some(2), "{}", text(&output.stdout));
        let stderr = text(&output.stderr);
        assert!(stderr.contains("error: the server did not respond"), "{stderr}");
        assert!(stderr.contains("Check --base-url"), "{stderr}");
        let errors = stderr.lines().filter(|line| line.starts_with("error:")).count();
        assert_eq!(errors, 1, "{stderr}");
    }
}

#[test]
fn rejected_key_is_one_error() {
    let (base_url, _requests) = start_server_with(|_| Some((401, r#"{"error":"Unauthorized"}"#.to_owned())));
    let dir = scenario_dir();
    let scenarios = dir.path().to_string_lossy().into_owned();
    let failures = dir.path().join("props-failures");

    let output = run(&["run", "--base-url", &base_url, "--token", "wrong", "--scenarios", &scenarios]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stdout));
    assert!(text(&output.stderr).contains("the server rejected the key (401)"), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("check --token"), "{}", text(&output.stderr));

    let output = run(&[
        "props", "--base-url", &base_url, "--token", "wrong", "--scenarios", &failures.to_string_lossy(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stdout));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("the server rejected the key (401)"), "{stderr}");
    assert!(!stderr.contains("paging"), "{stderr}");
    assert!(!failures.exists(), "no scenario file is written");
}

/// Responds to the listings a `props` run sends before its first operation
/// with an empty directory, and holds every other request open. With
/// `hold_after_first` set, every request after the first held one is held
/// too, so the clean-up after Ctrl-C hangs as well.
fn start_props_server(hold_after_first: bool) -> (String, mpsc::Receiver<String>) {
    let holding = AtomicBool::new(false);
    start_server_with(move |request_line| {
        let listing = request_line.starts_with("GET /scim/Users?startIndex=")
            || request_line.starts_with("GET /scim/Groups?startIndex=");
        if !listing || (hold_after_first && holding.load(Ordering::SeqCst)) {
            holding.store(true, Ordering::SeqCst);
            return None;
        }
        let start_index = request_line
            .split(['?', '&', ' '])
            .find_map(|part| part.strip_prefix("startIndex="))
            .unwrap_or("1");
        let body = format!(
            r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":{start_index},"itemsPerPage":0,"Resources":[]}}"#
        );
        Some((200, body))
    })
}

fn is_listing(line: &str) -> bool {
    line.starts_with("GET /scim/Users?startIndex=") || line.starts_with("GET /scim/Groups?startIndex=")
}

fn interrupt(child: &std::process::Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[test]
fn props_sigint_cleans_up_and_exits_130() {
    let (base_url, requests) = start_props_server(false);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let junit = dir.path().join("props.xml");
    let child = Command::new(BINARY)
        .args(["props", "--base-url", &base_url, "--token", "k", "--cases", "100000", "--seed", "1"])
        .args(["--prefix", "pt-sigint-", "--junit", &junit.to_string_lossy()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");

    // The first request that is not a listing is held, so a case is running now.
    let held = requests.iter().find(|line| !is_listing(line));
    assert!(held.is_some(), "the run sent an operation");
    interrupt(&child);

    let cleanup = requests.iter().find(|line| line.starts_with("GET /scim/Groups?startIndex=1&count=100"));
    assert!(cleanup.is_some(), "the clean-up lists the groups after Ctrl-C");
    let output = child.wait_with_output().expect("the binary exits");
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("property directory state machine: INTERRUPTED"), "{stdout}");
    assert!(stdout.contains("interrupted by Ctrl-C: no new case started"), "{stdout}");
    assert!(stdout.contains("sweep: deleted 0 leftover user(s) and group(s) named pt-sigint-…"), "{stdout}");
    assert!(text(&output.stderr).contains("interrupted: starting no new cases"), "{}", text(&output.stderr));
    let xml = std::fs::read_to_string(&junit).expect("the JUnit report exists");
    assert!(xml.contains("type=\"interrupted\""), "{xml}");
}

#[test]
fn props_second_sigint_quits_at_once() {
    let (base_url, requests) = start_props_server(true);
    let child = Command::new(BINARY)
        .args(["props", "--base-url", &base_url, "--token", "k", "--cases", "100000", "--seed", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");

    let held = requests.iter().find(|line| !is_listing(line));
    assert!(held.is_some(), "the run sent an operation");
    interrupt(&child);
    // The clean-up's listing is held too, so only a second Ctrl-C ends the run.
    let cleanup = requests.iter().find(|line| is_listing(line));
    assert!(cleanup.is_some(), "the clean-up started");
    interrupt(&child);

    let output = child.wait_with_output().expect("the binary exits");
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("interrupted again: quitting without cleanup"), "{}", text(&output.stderr));
}
