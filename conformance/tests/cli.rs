//! The `scim-conformance` binary: exit codes, usage errors, reports, and
//! Ctrl-C (SIGINT) running cleanup, against a small fake server on loopback.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
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

/// Starts a one-request-per-connection HTTP server that sends each request
/// line on a channel. GET /Users/... responds with `get_status`, or never
/// responds when it is `None`.
fn start_server(get_status: Option<u16>) -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port is free");
    let address = listener.local_addr().expect("the listener has an address");
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let sender = sender.clone();
            thread::spawn(move || handle(stream, get_status, &sender));
        }
    });
    (format!("http://{address}/scim"), receiver)
}

fn handle(mut stream: TcpStream, get_status: Option<u16>, sender: &mpsc::Sender<String>) {
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

    let (status, body) = if request_line.starts_with("POST") {
        (201, r#"{"id":"u-1"}"#)
    } else if request_line.starts_with("GET /scim/Users/") {
        match get_status {
            Some(status) => (status, r#"{"id":"u-1"}"#),
            None => {
                let mut rest = Vec::new();
                let _ = reader.read_to_end(&mut rest);
                return;
            }
        }
    } else if request_line.starts_with("DELETE") {
        (204, "")
    } else {
        (200, "{}")
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
    let child = Command::new(BINARY)
        .args(["run", "--base-url", &base_url, "--token", "k", "--jobs", "1", "--scenarios", &scenarios])
        .args(["--scenario", "create-and-read"])
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
}
