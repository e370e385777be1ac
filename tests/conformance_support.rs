//! Helpers shared by the `conformance_*` tests: paths into the workspace and
//! a run configuration with test defaults.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use scim_conformance::runner::{self, RunConfig};
use scim_conformance::scenario::Profile;

/// Returns the scenario folder of the workspace.
pub fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/scenarios")
}

/// Returns the committed snapshot folder of a profile.
pub fn snapshots_dir(profile: Profile) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/snapshots")
        .join(profile.as_str())
}

/// Returns a configuration for a loopback server, without snapshots.
pub fn config(base_url: String, token: String, profile: Profile) -> RunConfig {
    RunConfig {
        base_url,
        token,
        profile,
        domain: "example.com".to_owned(),
        jobs: 4,
        timeout: Duration::from_secs(20),
        snapshots: None,
        allow_writes: false,
        run_prefix: runner::new_run_prefix(),
    }
}

/// One request as the fake server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query exactly as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Recorded {
    /// Returns the path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// Returns a header value, matching the name case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// The fake server's response to a request: a status with a JSON or empty
/// body, or no response at all while the connection stays open.
#[derive(Debug, Clone)]
pub enum Reply {
    Json(u16, serde_json::Value),
    Empty(u16),
    Hold,
}

type Handler = std::sync::Arc<dyn Fn(&Recorded) -> Reply + Send + Sync>;

/// A tiny HTTP/1.1 server on 127.0.0.1 that records every request and
/// responds through a handler, for testing the runner without the mock.
pub struct FakeServer {
    pub base_url: String,
    requests: std::sync::Arc<std::sync::Mutex<Vec<Recorded>>>,
    arrived: std::sync::Arc<tokio::sync::Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for FakeServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeServer").field("base_url", &self.base_url).finish()
    }
}

impl FakeServer {
    /// Starts the server on a free loopback port.
    pub async fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> FakeServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port is free");
        let address = listener.local_addr().expect("the listener has an address");
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let arrived = std::sync::Arc::new(tokio::sync::Notify::new());
        let handler: Handler = std::sync::Arc::new(handler);
        let task = {
            let requests = requests.clone();
            let arrived = arrived.clone();
            tokio::spawn(async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else { return };
                    let handler = handler.clone();
                    let requests = requests.clone();
                    let arrived = arrived.clone();
                    tokio::spawn(serve_connection(stream, handler, requests, arrived));
                }
            })
        };
        FakeServer {
            base_url: format!("http://{address}/scim"),
            requests,
            arrived,
            task,
        }
    }

    /// Returns the requests received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("the request log is not poisoned").clone()
    }

    /// Waits until the next request arrives.
    pub async fn next_request(&self) {
        self.arrived.notified().await;
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve_connection(
    mut stream: tokio::net::TcpStream,
    handler: Handler,
    requests: std::sync::Arc<std::sync::Mutex<Vec<Recorded>>>,
    arrived: std::sync::Arc<tokio::sync::Notify>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut buffer = Vec::new();
    let mut chunk = [0_u8; 8192];
    loop {
        let header_end = buffer.windows(4).position(|window| window == b"\r\n\r\n");
        if let Some(end) = header_end {
            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
            let mut lines = head.split("\r\n");
            let request_line = lines.next().unwrap_or_default().to_owned();
            let headers: Vec<(String, String)> = lines
                .filter_map(|line| line.split_once(':'))
                .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
                .collect();
            let length: usize = headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, value)| value.parse().ok())
                .unwrap_or(0);
            while buffer.len() < end + 4 + length {
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(read) => buffer.extend_from_slice(&chunk[..read]),
                }
            }
            let body = String::from_utf8_lossy(&buffer[end + 4..end + 4 + length]).into_owned();
            buffer.drain(..end + 4 + length);
            let mut parts = request_line.split(' ');
            let recorded = Recorded {
                method: parts.next().unwrap_or_default().to_owned(),
                target: parts.next().unwrap_or_default().to_owned(),
                headers,
                body,
            };
            requests.lock().expect("the request log is not poisoned").push(recorded.clone());
            arrived.notify_one();
            let (status, text) = match handler(&recorded) {
                Reply::Json(status, value) => (status, value.to_string()),
                Reply::Empty(status) => (status, String::new()),
                Reply::Hold => {
                    let _ = stream.read(&mut chunk).await;
                    return;
                }
            };
            let content_type = if text.is_empty() { "" } else { "Content-Type: application/scim+json\r\n" };
            let response = format!(
                "HTTP/1.1 {status} Fake\r\n{content_type}Content-Length: {}\r\n\r\n{text}",
                text.len()
            );
            if stream.write_all(response.as_bytes()).await.is_err() {
                return;
            }
            continue;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(read) => buffer.extend_from_slice(&chunk[..read]),
        }
    }
}

/// Writes scenario text to a fresh folder and loads it.
pub fn load_scenarios(text: &str) -> (tempfile::TempDir, Vec<scim_conformance::scenario::Scenario>) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("scenarios.toml"), text).expect("the scenario file is written");
    let scenarios = scim_conformance::scenario::load_dir(dir.path()).expect("the scenarios load");
    (dir, scenarios)
}
