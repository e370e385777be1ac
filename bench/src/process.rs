//! The release binaries as child processes: starting `scim-mock`, timing
//! its startup, reading its memory from `/proc`, and stopping it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use http::{Method, StatusCode};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};

use crate::load::{Connection, Target};

/// The bearer key every mock the bench starts uses.
pub const TOKEN: &str = "bench-token";

/// Maximum time a child may take to print its ready line or to respond.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running `scim-mock` child process.
#[derive(Debug)]
pub struct MockProcess {
    child: Child,
    /// Kept open so that the child never writes to a closed pipe.
    _stdout: BufReader<ChildStdout>,
    pub pid: u32,
    pub base_url: String,
    /// From spawning to the ready line on standard output.
    pub ready_after: Duration,
    spawned: Instant,
}

impl MockProcess {
    /// Starts `binary` on a free loopback port with the bench's token and
    /// `extra` arguments, and waits for its ready line.
    pub async fn spawn(binary: &Path, extra: &[OsString], stderr: Stdio) -> anyhow::Result<MockProcess> {
        let spawned = Instant::now();
        let mut child = Command::new(binary)
            .args(["--host", "127.0.0.1", "--port", "0", "--token", TOKEN])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("failed to start {}", binary.display()))?;
        let pid = child.id().context("the mock exited at once")?;
        let stdout = child.stdout.take().context("the mock's standard output is not piped")?;
        let mut stdout = BufReader::new(stdout);

        let base_url = tokio::time::timeout(START_TIMEOUT, read_base_url(&mut stdout))
            .await
            .with_context(|| format!("{} printed no ready line within {START_TIMEOUT:?}", binary.display()))??;
        Ok(MockProcess {
            child,
            _stdout: stdout,
            pid,
            base_url,
            ready_after: spawned.elapsed(),
            spawned,
        })
    }

    /// Returns a load target for the child's default directory.
    pub fn target(&self) -> anyhow::Result<Target> {
        Target::from_base_url(&self.base_url, TOKEN)
    }

    /// Retries `GET /Users?count=1` until it returns 200, and returns the
    /// time from spawning to that response.
    pub async fn wait_first_response(&self) -> anyhow::Result<Duration> {
        let target = self.target()?;
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(mut connection) = Connection::open(&target).await {
                let request = target.request(Method::GET, "/Users?count=1", None);
                if let Ok((StatusCode::OK, _)) = connection.send(request).await {
                    return Ok(self.spawned.elapsed());
                }
            }
            if Instant::now() > deadline {
                bail!("the mock at {} returned no 200 response within {START_TIMEOUT:?}", self.base_url);
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    }

    /// Reads the child's current and peak resident memory.
    pub fn memory(&self) -> anyhow::Result<Memory> {
        Memory::of_process(self.pid)
    }

    /// Sends SIGTERM, waits up to 10 s for a graceful exit, then kills.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status();
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await.is_err() {
            self.child.kill().await?;
        }
        Ok(())
    }
}

/// Reads lines until `scim-mock ready base_url=...` and returns the URL.
async fn read_base_url(stdout: &mut BufReader<ChildStdout>) -> anyhow::Result<String> {
    let mut line = String::new();
    loop {
        line.clear();
        if stdout.read_line(&mut line).await? == 0 {
            bail!("the mock exited before printing its ready line");
        }
        if !line.starts_with("scim-mock ready") {
            continue;
        }
        return line
            .split_whitespace()
            .find_map(|field| field.strip_prefix("base_url="))
            .map(str::to_owned)
            .with_context(|| format!("the ready line has no base_url: {line:?}"));
    }
}

/// Resident memory of a process, from `/proc/PID/status`.
#[derive(Debug, Clone, Copy)]
pub struct Memory {
    /// `VmRSS`: resident now.
    pub resident_bytes: u64,
    /// `VmHWM`: the peak resident size so far.
    pub peak_bytes: u64,
}

impl Memory {
    /// Reads the memory of process `pid`.
    pub fn of_process(pid: u32) -> anyhow::Result<Memory> {
        let path = format!("/proc/{pid}/status");
        let status = std::fs::read_to_string(&path).with_context(|| format!("failed to read {path}"))?;
        let field = |name: &str| -> anyhow::Result<u64> {
            let line = status
                .lines()
                .find(|line| line.starts_with(name))
                .with_context(|| format!("{path} has no {name} line"))?;
            let kibibytes: u64 = line
                .split_whitespace()
                .nth(1)
                .and_then(|value| value.parse().ok())
                .with_context(|| format!("unreadable {name} line in {path}: {line:?}"))?;
            Ok(kibibytes * 1024)
        };
        Ok(Memory {
            resident_bytes: field("VmRSS:")?,
            peak_bytes: field("VmHWM:")?,
        })
    }
}

/// Runs `scim-mock generate-seed` and returns the written file.
pub async fn generate_seed(binary: &Path, users: usize, groups: usize, output: PathBuf) -> anyhow::Result<PathBuf> {
    let status = Command::new(binary)
        .args(["generate-seed", "--users", &users.to_string(), "--groups", &groups.to_string(), "--output"])
        .arg(&output)
        .stdin(Stdio::null())
        .status()
        .await
        .with_context(|| format!("failed to run {} generate-seed", binary.display()))?;
    if !status.success() {
        bail!("{} generate-seed failed with {status}", binary.display());
    }
    Ok(output)
}

/// The outcome of a command run to completion or to its timeout.
#[derive(Debug, Clone)]
pub struct CommandRun {
    pub elapsed: Duration,
    /// `None` when the command timed out and was killed.
    pub exit_code: Option<i32>,
    pub log: PathBuf,
}

/// Runs `program` with `args`, sending both output streams to `log`, and
/// kills it after `timeout`.
pub async fn run_logged(program: &Path, args: &[OsString], log: PathBuf, timeout: Duration) -> anyhow::Result<CommandRun> {
    let file = std::fs::File::create(&log).with_context(|| format!("failed to create {}", log.display()))?;
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("failed to start {}", program.display()))?;
    let exit_code = match tokio::time::timeout(timeout, child.wait()).await {
        Ok(status) => Some(status?.code().unwrap_or(-1)),
        Err(_) => {
            child.kill().await?;
            None
        }
    };
    Ok(CommandRun {
        elapsed: started.elapsed(),
        exit_code,
        log,
    })
}

/// Returns whether `binary --help`-style probing with `args` exits with 0.
pub async fn command_succeeds(binary: &Path, args: &[&str]) -> bool {
    Command::new(binary)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await
        .is_ok_and(|status| status.success())
}
