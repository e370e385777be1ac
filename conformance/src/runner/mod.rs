//! Running selected scenarios against one server.
//!
//! Scenarios run `jobs` at a time; those marked `exclusive` run afterwards,
//! one at a time, because they read whole lists that parallel scenarios
//! would change. Each scenario's `${run}` is the run prefix plus the
//! scenario's position, so parallel scenarios and repeated runs never create
//! the same names. A [`Cancel`] stops new scenarios from starting and cuts
//! running ones short; their cleanup still runs.
//!
//! Before the first scenario, [`preflight::check_server`] makes sure the
//! server responds and accepts the key. After the last one, when any selected
//! scenario writes, [`sweep::sweep`] deletes users and groups whose names
//! still start with this run's prefix, such as those whose create response
//! was lost.

mod execute;

use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};
use tokio::sync::watch;

use crate::client::{ClientError, ScimClient};
use crate::guard;
use crate::preflight::{self, PreflightError};
use crate::result::{Outcome, RunReport, ScenarioResult};
use crate::scenario::{Profile, Scenario};
use crate::snapshot::SnapshotStore;
use crate::sweep;

/// Settings of one run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub base_url: String,
    pub token: String,
    pub profile: Profile,
    /// Verified domain for `${email}` and `${domain}`.
    pub domain: String,
    /// Scenarios run at the same time (at least 1).
    pub jobs: usize,
    /// Per-request timeout.
    pub timeout: Duration,
    pub snapshots: Option<SnapshotStore>,
    /// Allow scenarios that write against a host that is not loopback.
    pub allow_writes: bool,
    /// Prefix of every created name; [`new_run_prefix`] makes a fresh one.
    /// A scenario's `${run}` is this prefix, `-` and a three-digit number.
    pub run_prefix: String,
}

/// Makes a run prefix such as `scimconf-3fa9c1`, unique enough to keep runs apart.
pub fn new_run_prefix() -> String {
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("scimconf-{}", &random[..6])
}

/// A reason the run did not start.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    WritesRefused(String),
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The server did not respond, or rejected the key, before the first scenario.
    #[error(transparent)]
    Preflight(#[from] PreflightError),
}

/// A shared stop signal, set once by Ctrl-C or by a caller.
#[derive(Debug, Clone)]
pub struct Cancel {
    sender: std::sync::Arc<watch::Sender<bool>>,
    receiver: watch::Receiver<bool>,
}

impl Default for Cancel {
    fn default() -> Self {
        Self::new()
    }
}

impl Cancel {
    /// Creates a signal that is not set.
    pub fn new() -> Self {
        let (sender, receiver) = watch::channel(false);
        Cancel {
            sender: std::sync::Arc::new(sender),
            receiver,
        }
    }

    /// Sets the signal for this value and every clone of it.
    pub fn cancel(&self) {
        self.sender.send_replace(true);
    }

    /// Reports whether the signal is set.
    pub fn is_cancelled(&self) -> bool {
        *self.receiver.borrow()
    }

    /// Waits until the signal is set.
    pub async fn cancelled(&self) {
        let mut receiver = self.receiver.clone();
        let _ = receiver.wait_for(|set| *set).await;
    }
}

/// Receives progress events, for the live progress line.
pub trait Observer: Sync {
    /// Called once before the first scenario starts.
    fn started(&self, total: usize);
    /// Called when a scenario finishes.
    fn finished(&self, result: &ScenarioResult);
}

/// An observer that ignores every event.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Observer for Silent {
    fn started(&self, _total: usize) {}
    fn finished(&self, _result: &ScenarioResult) {}
}

/// Runs `scenarios` (already selected) under the configured profile.
///
/// Scenarios that do not apply to the profile are listed as not applicable.
/// Fails before sending anything when the base URL is invalid or writes are
/// not allowed against the host, and after one request when the server does
/// not respond or rejects the key.
pub async fn run(
    scenarios: &[Scenario],
    config: &RunConfig,
    cancel: &Cancel,
    observer: &dyn Observer,
) -> Result<RunReport, RunError> {
    let started = Instant::now();
    let (applicable, not_applicable): (Vec<&Scenario>, Vec<&Scenario>) =
        scenarios.iter().partition(|scenario| scenario.applies_to(config.profile));

    let client = ScimClient::new(&config.base_url, &config.token, config.timeout)?;
    if !config.allow_writes && !guard::is_loopback_url(&config.base_url) {
        let writing: Vec<&str> = applicable
            .iter()
            .filter(|scenario| scenario.writes())
            .map(|scenario| scenario.name.as_str())
            .collect();
        if !writing.is_empty() {
            return Err(RunError::WritesRefused(guard::refusal_message(&config.base_url, &writing)));
        }
    }

    let mut report = RunReport {
        profile: config.profile,
        base_url: config.base_url.clone(),
        run_prefix: config.run_prefix.clone(),
        scenarios: Vec::new(),
        not_applicable: not_applicable.iter().map(|scenario| scenario.name.clone()).collect(),
        interrupted: false,
        sweep: None,
        duration_ms: 0,
    };
    if !applicable.is_empty() {
        let checked = tokio::select! {
            biased;
            () = cancel.cancelled() => None,
            checked = preflight::check_server(&client) => Some(checked),
        };
        match checked {
            Some(checked) => checked?,
            None => {
                report.scenarios = applicable.iter().map(|scenario| not_started(scenario)).collect();
                report.interrupted = true;
                report.duration_ms = duration_ms(started.elapsed());
                return Ok(report);
            }
        }
    }

    let context = execute::Context {
        client: &client,
        config,
        cancel,
    };
    observer.started(applicable.len());

    let indexed: Vec<(usize, &Scenario)> = applicable.iter().copied().enumerate().collect();
    let (exclusive, parallel): (Vec<_>, Vec<_>) = indexed.into_iter().partition(|(_, scenario)| scenario.exclusive);

    let mut results: Vec<(usize, ScenarioResult)> = stream::iter(parallel)
        .map(|(index, scenario)| {
            let context = &context;
            async move { (index, run_one(context, index, scenario, observer).await) }
        })
        .buffer_unordered(config.jobs.max(1))
        .collect()
        .await;
    for (index, scenario) in exclusive {
        results.push((index, run_one(&context, index, scenario, observer).await));
    }
    results.sort_by_key(|(index, _)| *index);
    report.scenarios = results.into_iter().map(|(_, result)| result).collect();
    report.interrupted = cancel.is_cancelled();

    let wrote = report
        .scenarios
        .iter()
        .any(|result| !result.steps.is_empty() && result.tags.iter().any(|tag| tag == "writes"));
    if wrote {
        // Every `${run}` is the run prefix, `-` and a number, so the dash
        // keeps the sweep off names of a run whose prefix merely starts alike.
        report.sweep = Some(sweep::sweep(&client, &format!("{}-", config.run_prefix)).await);
    }
    report.duration_ms = duration_ms(started.elapsed());
    Ok(report)
}

async fn run_one(
    context: &execute::Context<'_>,
    index: usize,
    scenario: &Scenario,
    observer: &dyn Observer,
) -> ScenarioResult {
    let result = if context.cancel.is_cancelled() {
        not_started(scenario)
    } else {
        execute::run_scenario(context, index, scenario).await
    };
    observer.finished(&result);
    result
}

fn not_started(scenario: &Scenario) -> ScenarioResult {
    ScenarioResult {
        name: scenario.name.clone(),
        rule: scenario.rule.clone(),
        tags: scenario.all_tags(),
        source: scenario.source.display().to_string(),
        outcome: Outcome::Interrupted,
        steps: Vec::new(),
        cleanup_problems: Vec::new(),
        snapshot: None,
        duration_ms: 0,
    }
}

pub(crate) fn duration_ms(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
