//! The suite under the `rfc7644` profile against a third-party SCIM server,
//! `scim2-server` from PyPI, started on a loopback port.
//!
//! The test installs the server with pip into a virtual environment under
//! cargo's target folder when it is missing. When Python or pip cannot
//! install it (no network, no `venv` module), the test prints why and passes
//! without checking anything.
//!
//! The assertions are about the harness: the run completes, every scenario
//! gets a result, every failure carries a reason, and the reports parse.
//! Which scenarios fail depends on scim2-server, and the report printed by
//! this test lists them.

mod conformance_support;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use scim_conformance::report::{console, json, junit};
use scim_conformance::result::Outcome;
use scim_conformance::runner::{self, Cancel, Silent};
use scim_conformance::scenario::{self, Profile};

use conformance_support::{config, scenarios_dir};

/// The pinned version, whose results the harness's documentation describes.
const SCIM2_SERVER: &str = "scim2-server==0.8.3";
const TOKEN: &str = "scim2-server-test-token";

/// Kills the server when the test ends, also on a panic.
struct ServerProcess(Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Returns the server executable, installing it first if needed, or the reason it cannot be had.
fn install() -> Result<PathBuf, String> {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scim2-server-venv");
    let executable = venv.join("bin/scim2-server");
    if executable.exists() {
        return Ok(executable);
    }
    let created = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .map_err(|error| format!("python3 is not available: {error}"))?;
    if !created.status.success() {
        return Err(format!(
            "python3 -m venv failed: {}",
            String::from_utf8_lossy(&created.stderr).trim()
        ));
    }
    let installed = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check", SCIM2_SERVER])
        .output()
        .map_err(|error| format!("pip did not start: {error}"))?;
    if !installed.status.success() || !executable.exists() {
        return Err(format!(
            "pip could not install {SCIM2_SERVER}: {}",
            String::from_utf8_lossy(&installed.stderr).trim()
        ));
    }
    Ok(executable)
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port is free");
    listener.local_addr().expect("the listener has an address").port()
}

async fn wait_until_ready(base_url: &str) -> bool {
    let client = reqwest::Client::new();
    // Bounded at 200 attempts 50 ms apart. The server usually responds within a second.
    for _ in 0..200 {
        let probe = client
            .get(format!("{base_url}/ServiceProviderConfig"))
            .bearer_auth(TOKEN)
            .timeout(Duration::from_secs(2))
            .send()
            .await;
        if probe.is_ok_and(|response| response.status().is_success()) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc7644_run_completes_against_scim2_server() {
    let executable = match install() {
        Ok(executable) => executable,
        Err(reason) => {
            println!("skipped: scim2-server is not available: {reason}");
            return;
        }
    };
    let port = free_port();
    let child = Command::new(&executable)
        .args(["--hostname", "127.0.0.1", "--port", &port.to_string(), "--bearer-token", TOKEN])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("scim2-server starts");
    let _server = ServerProcess(child);
    let base_url = format!("http://127.0.0.1:{port}/v2");
    assert!(wait_until_ready(&base_url).await, "scim2-server did not answer on {base_url}");

    let scenarios = scenario::load_dir(&scenarios_dir()).expect("the scenario files load");
    let config = config(base_url, TOKEN.to_owned(), Profile::Rfc7644);
    let report = runner::run(&scenarios, &config, &Cancel::new(), &Silent)
        .await
        .expect("the run starts");
    println!("{}", console::render_report(&report));

    assert!(!report.interrupted);
    assert_eq!(report.scenarios.len() + report.not_applicable.len(), scenarios.len());
    assert_eq!(report.count(Outcome::Interrupted), 0);
    assert!(report.count(Outcome::Passed) > 0, "nothing passed: the harness cannot talk to the server");
    for result in &report.scenarios {
        if result.outcome == Outcome::Failed {
            let explained = result
                .failed_step()
                .is_some_and(|step| step.error.is_some() || !step.failures.is_empty());
            assert!(explained, "{} failed without a reason", result.name);
        }
    }
    let document: serde_json::Value = serde_json::from_str(&json::render(&report)).expect("the JSON report parses");
    assert_eq!(document["summary"]["failed"], report.count(Outcome::Failed));
    let xml = junit::render(&report);
    assert_eq!(xml.matches("<testcase ").count(), scenarios.len());
    assert_eq!(xml.matches("<failure ").count(), report.count(Outcome::Failed));
}
