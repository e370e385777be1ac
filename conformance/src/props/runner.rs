//! Running the properties with proptest: seeding, case counting,
//! shrinking, and turning a shrunk failure into a report and a scenario file.
//!
//! proptest's test closure is synchronous, so the properties run on a
//! thread of their own with a current-thread tokio runtime that drives the
//! HTTP client. [`run`] moves that work off the caller's runtime, which lets
//! a test serve an in-process server on its own runtime meanwhile.
//!
//! proptest has no way to stop a run from inside the test closure. After
//! Ctrl-C ([`PropsConfig::cancel`]) the closure therefore fails at once,
//! without sending anything, with [`INTERRUPTED`] as the reason. Shrinking
//! that failure costs no requests, and it ends the run sooner than passing
//! every remaining case would, because generating a case takes time too.
//! The runner keeps the last real failure aside, so Ctrl-C while shrinking
//! still reports it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use proptest_state_machine::ReferenceStateMachine;

use super::concurrency::{race_strategy, run_race, RaceCase, RaceOutcome};
use super::describe::{describe_op, describe_race};
use super::execute::{run_case, Target};
use super::model::DEFAULT_USER_LIMIT;
use super::names::Naming;
use super::report::{FailureReport, PropertyReport, PropsReport, TransitionStats};
use super::scenario::{scenario_name, write_scenario, ScenarioWriteError};
use super::transitions::{DirectoryMachine, Op};
use crate::client::ScimClient;
use crate::guard::is_loopback_url;
use crate::preflight::{check_server, PreflightError};
use crate::runner::Cancel;
use crate::sweep::sweep;

/// Everything a `props` run needs.
#[derive(Debug, Clone)]
pub struct PropsConfig {
    /// SCIM base URL, such as `http://127.0.0.1:8080/scim/directory/<id>`.
    pub base_url: String,
    /// Directory API key, sent as a bearer token.
    pub token: String,
    /// Generated sequences for the state-machine property.
    pub cases: u32,
    /// Seed of the generator; the same seed against the same server
    /// behaviour generates the same sequences.
    pub seed: u64,
    /// Maximum transitions per sequence.
    pub max_steps: usize,
    /// Verified email domain of the directory.
    pub domain: String,
    /// Prefix of every created name; a random `pt-xxxxxx-` when `None`.
    pub prefix: Option<String>,
    /// Allows writing to a host that is not loopback.
    pub allow_writes: bool,
    /// The directory's user limit, as the server is configured.
    pub user_limit: usize,
    /// Generated cases for the concurrency property; 0 skips it.
    pub race_cases: u32,
    /// Maximum racing clients per race.
    pub max_clients: usize,
    /// Maximum reruns while shrinking one failure.
    pub max_shrink_iters: u32,
    /// Folder for scenario files of shrunk failures; `None` writes none.
    pub scenario_dir: Option<PathBuf>,
    /// Timeout of each HTTP request.
    pub request_timeout: Duration,
    /// Stops the run: set by Ctrl-C in the CLI.
    pub cancel: Cancel,
}

impl PropsConfig {
    /// Creates a configuration with the CLI's defaults.
    pub fn new(base_url: impl Into<String>, token: impl Into<String>) -> Self {
        PropsConfig {
            base_url: base_url.into(),
            token: token.into(),
            cases: 32,
            seed: rand::random(),
            max_steps: 30,
            domain: "example.com".to_owned(),
            prefix: None,
            allow_writes: false,
            user_limit: DEFAULT_USER_LIMIT,
            race_cases: 8,
            max_clients: 4,
            max_shrink_iters: 1_000,
            scenario_dir: None,
            request_timeout: Duration::from_secs(30),
            cancel: Cancel::new(),
        }
    }
}

/// A run that could not start.
#[derive(Debug, thiserror::Error)]
pub enum PropsError {
    #[error(
        "refusing to run the properties against {0}, which is not a loopback address: \
         they create, change and delete users and groups. If it is a directory kept for testing, pass --allow-writes"
    )]
    NotLoopback(String),
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    #[error("failed to start the properties: {0}")]
    Start(String),
    /// The server did not respond, or rejected the key, before the first case.
    #[error(transparent)]
    Preflight(#[from] PreflightError),
}

/// Runs both properties on a blocking thread and returns the report.
pub async fn run(config: PropsConfig) -> Result<PropsReport, PropsError> {
    tokio::task::spawn_blocking(move || run_blocking(&config))
        .await
        .map_err(|error| PropsError::Start(format!("the property thread failed: {error}")))?
}

/// Runs both properties on the current thread, which must not be inside a
/// tokio runtime.
pub fn run_blocking(config: &PropsConfig) -> Result<PropsReport, PropsError> {
    let client = ScimClient::new(&config.base_url, &config.token, config.request_timeout)
        .map_err(|error| PropsError::InvalidConfig(error.to_string()))?;
    if !config.allow_writes && !is_loopback_url(&config.base_url) {
        return Err(PropsError::NotLoopback(config.base_url.clone()));
    }
    if config.max_steps == 0 {
        return Err(PropsError::InvalidConfig("--max-steps must be at least 1".to_owned()));
    }
    let naming = match &config.prefix {
        Some(prefix) => Naming::new(prefix.clone(), config.domain.clone()),
        None => Naming::random(config.domain.clone()),
    }
    .map_err(PropsError::InvalidConfig)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| PropsError::Start(format!("failed to build the tokio runtime: {error}")))?;
    let target = Target {
        client,
        naming,
        user_limit: config.user_limit,
        cancel: config.cancel.clone(),
    };
    let stats = TransitionStats::default();
    let started = Instant::now();
    let mut report = PropsReport {
        seed: config.seed,
        prefix: target.naming.prefix().to_owned(),
        base_url: config.base_url.clone(),
        properties: Vec::new(),
        transition_counts: Default::default(),
        outcome_counts: Default::default(),
        interrupted: false,
        sweep: None,
        elapsed_seconds: 0.0,
    };

    let checked = runtime.block_on(async {
        tokio::select! {
            biased;
            () = config.cancel.cancelled() => None,
            checked = check_server(&target.client) => Some(checked),
        }
    });
    match checked {
        Some(checked) => checked?,
        None => {
            report.interrupted = true;
            return Ok(report);
        }
    }

    report
        .properties
        .push(run_sequential(&runtime, &target, config, &stats));
    if config.race_cases > 0 {
        report.properties.push(run_races(&runtime, &target, config, &stats));
    }

    // Every case cleans up after itself. This sweep catches what a lost
    // response or a request abandoned at Ctrl-C left behind.
    report.sweep = Some(runtime.block_on(sweep(&target.client, target.naming.prefix())));
    report.interrupted = config.cancel.is_cancelled();
    report.transition_counts = stats.snapshot();
    report.outcome_counts = stats.outcome_snapshot();
    report.elapsed_seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Builds the `scim-conformance run` command that replays a written
/// scenario, with `KEY` in place of the key so that no secret is printed.
pub fn replay_command(config: &PropsConfig, scenario_dir: &std::path::Path, name: &str) -> String {
    let mut command = format!(
        "scim-conformance run --scenarios {} --scenario {} --base-url {} --token KEY",
        shell_word(&scenario_dir.display().to_string()),
        shell_word(name),
        shell_word(&config.base_url)
    );
    if config.domain != "example.com" {
        command.push_str(&format!(" --domain {}", shell_word(&config.domain)));
    }
    if !is_loopback_url(&config.base_url) {
        command.push_str(" --allow-writes");
    }
    command
}

/// Quotes a word for a POSIX shell when it contains anything but safe characters.
fn shell_word(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    if safe {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Returns a deterministic generator for one property of a seeded run.
fn rng_for(seed: u64, property: u64) -> TestRng {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..16].copy_from_slice(&property.to_le_bytes());
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

fn proptest_config(cases: u32, max_shrink_iters: u32) -> Config {
    Config {
        cases,
        max_shrink_iters,
        failure_persistence: None,
        // Preconditions reject some generated transitions; a long sequence
        // may hit many before it is complete.
        max_local_rejects: 1_000_000,
        max_global_rejects: 100_000,
        ..Config::default()
    }
}

/// Failure reason that stands for Ctrl-C inside the test closure.
const INTERRUPTED: &str = "interrupted by Ctrl-C";

/// Counts generated cases that passed, and reruns made while shrinking.
#[derive(Debug, Default)]
struct CaseCounter {
    passed: AtomicU32,
    shrink_runs: AtomicU32,
    failed_once: AtomicBool,
}

impl CaseCounter {
    fn record(&self, passed: bool) {
        if self.failed_once.load(Ordering::SeqCst) {
            self.shrink_runs.fetch_add(1, Ordering::SeqCst);
        } else if passed {
            self.passed.fetch_add(1, Ordering::SeqCst);
        }
        if !passed {
            self.failed_once.store(true, Ordering::SeqCst);
        }
    }
}

fn run_sequential(
    runtime: &tokio::runtime::Runtime,
    target: &Target,
    config: &PropsConfig,
    stats: &TransitionStats,
) -> PropertyReport {
    let started = Instant::now();
    let mut runner = TestRunner::new_with_rng(
        proptest_config(config.cases, config.max_shrink_iters),
        rng_for(config.seed, 0),
    );
    let strategy = DirectoryMachine::sequential_strategy(1..=config.max_steps);
    let counter = CaseCounter::default();
    // The smallest sequence that really failed so far. proptest only keeps
    // a shrink candidate that fails, so the last one recorded is the smallest.
    let last_failure: Mutex<Option<(Vec<Op>, String)>> = Mutex::new(None);

    let result = runner.run(&strategy, |(_, ops, seen)| {
        if target.cancel.is_cancelled() {
            return Err(TestCaseError::fail(INTERRUPTED));
        }
        let outcome = runtime.block_on(run_case(target, &ops, seen.as_deref(), stats));
        if outcome.interrupted {
            return Err(TestCaseError::fail(INTERRUPTED));
        }
        counter.record(outcome.failure.is_none());
        match outcome.failure {
            None => Ok(()),
            Some(failure) => {
                let message = failure.to_string();
                *last_failure.lock().unwrap_or_else(PoisonError::into_inner) = Some((ops.clone(), message.clone()));
                Err(TestCaseError::fail(message))
            }
        }
    });
    let last_failure = last_failure.into_inner().unwrap_or_else(PoisonError::into_inner);

    let mut report = PropertyReport {
        name: "directory state machine".to_owned(),
        cases_requested: config.cases,
        cases_passed: counter.passed.load(Ordering::SeqCst),
        shrink_runs: counter.shrink_runs.load(Ordering::SeqCst),
        elapsed_seconds: 0.0,
        failure: None,
        aborted: None,
        interrupted: target.cancel.is_cancelled(),
    };
    let describe = |ops: &[Op]| -> Vec<String> {
        ops.iter()
            .enumerate()
            .map(|(index, op)| format!("{}. {}", index + 1, describe_op(&target.naming, op)))
            .collect()
    };
    match result {
        Ok(()) => {}
        Err(TestError::Abort(reason)) => report.aborted = Some(reason.to_string()),
        Err(TestError::Fail(reason, _)) if reason.message() == INTERRUPTED => {
            report.failure = last_failure.map(|(ops, message)| FailureReport {
                rule: message.split('`').nth(1).unwrap_or("unknown").to_owned(),
                message,
                minimal_sequence: describe(&ops),
                scenario_file: None,
                replay_command: None,
                no_scenario_reason: Some(
                    "Ctrl-C stopped the shrinking, so the sequence may not be the shortest, and no rerun recorded its requests"
                        .to_owned(),
                ),
            });
        }
        Err(TestError::Fail(reason, (_, ops, _))) => {
            report.failure = Some(sequential_failure(
                runtime,
                target,
                config,
                stats,
                reason.message(),
                &ops,
                describe(&ops),
            ));
        }
    }
    report.elapsed_seconds = started.elapsed().as_secs_f64();
    report
}

/// Reruns a shrunk failing sequence once, to record its requests and get
/// the structured failure, and writes its scenario file when it has one.
fn sequential_failure(
    runtime: &tokio::runtime::Runtime,
    target: &Target,
    config: &PropsConfig,
    stats: &TransitionStats,
    proptest_message: &str,
    ops: &[Op],
    minimal_sequence: Vec<String>,
) -> FailureReport {
    let mut report = FailureReport {
        rule: "unknown".to_owned(),
        message: proptest_message.to_owned(),
        minimal_sequence,
        scenario_file: None,
        replay_command: None,
        no_scenario_reason: None,
    };
    if target.cancel.is_cancelled() {
        report.no_scenario_reason = Some(
            "Ctrl-C came before the rerun that records the requests for a scenario file, so the sequence may not be fully shrunk"
                .to_owned(),
        );
        return report;
    }
    let outcome = runtime.block_on(run_case(target, ops, None, stats));
    let Some(failure) = &outcome.failure else {
        report.rule = "intermittent".to_owned();
        report.no_scenario_reason = Some(if outcome.interrupted {
            "Ctrl-C stopped the rerun that records the requests for a scenario file".to_owned()
        } else {
            "the shrunk sequence passed when rerun, so the failure is intermittent (it depends on timing or on \
             other clients) and a scenario that replays it would most likely pass. Rerun with the same --seed"
                .to_owned()
        });
        return report;
    };
    report.rule = failure.rule.id().to_owned();
    report.message = failure.to_string();
    let Some(dir) = &config.scenario_dir else {
        report.no_scenario_reason = Some("no scenario folder was configured".to_owned());
        return report;
    };
    match write_scenario(dir, failure, &outcome, &target.naming, config.seed) {
        Ok(path) => {
            report.scenario_file = Some(path.display().to_string());
            report.replay_command = Some(replay_command(config, dir, &scenario_name(failure, config.seed)));
        }
        Err(ScenarioWriteError::Unavailable(reason)) => report.no_scenario_reason = Some(reason),
        Err(error @ ScenarioWriteError::Io { .. }) => report.no_scenario_reason = Some(error.to_string()),
    }
    report
}

fn run_races(
    runtime: &tokio::runtime::Runtime,
    target: &Target,
    config: &PropsConfig,
    stats: &TransitionStats,
) -> PropertyReport {
    let started = Instant::now();
    let mut runner = TestRunner::new_with_rng(
        proptest_config(config.race_cases, config.max_shrink_iters),
        rng_for(config.seed, 1),
    );
    let strategy = race_strategy(config.max_clients);
    let counter = CaseCounter::default();

    let last_failure: Mutex<Option<(RaceCase, String)>> = Mutex::new(None);

    let result = runner.run(&strategy, |case| {
        if target.cancel.is_cancelled() {
            return Err(TestCaseError::fail(INTERRUPTED));
        }
        match runtime.block_on(run_race(target, &case, stats)) {
            RaceOutcome::Interrupted => Err(TestCaseError::fail(INTERRUPTED)),
            RaceOutcome::Passed => {
                counter.record(true);
                Ok(())
            }
            RaceOutcome::Failed(failure) => {
                counter.record(false);
                let message = failure.to_string();
                *last_failure.lock().unwrap_or_else(PoisonError::into_inner) = Some((case.clone(), message.clone()));
                Err(TestCaseError::fail(message))
            }
        }
    });
    let last_failure = last_failure.into_inner().unwrap_or_else(PoisonError::into_inner);

    let mut report = PropertyReport {
        name: "concurrent clients".to_owned(),
        cases_requested: config.race_cases,
        cases_passed: counter.passed.load(Ordering::SeqCst),
        shrink_runs: counter.shrink_runs.load(Ordering::SeqCst),
        elapsed_seconds: 0.0,
        failure: None,
        aborted: None,
        interrupted: target.cancel.is_cancelled(),
    };
    match result {
        Ok(()) => {}
        Err(TestError::Abort(reason)) => report.aborted = Some(reason.to_string()),
        Err(TestError::Fail(reason, case)) => {
            let (case, message) = if reason.message() == INTERRUPTED {
                match last_failure {
                    Some(failure) => failure,
                    None => {
                        report.elapsed_seconds = started.elapsed().as_secs_f64();
                        return report;
                    }
                }
            } else {
                (case, reason.message().to_owned())
            };
            let rule = message.split('`').nth(1).unwrap_or("unknown").to_owned();
            report.failure = Some(FailureReport {
                rule,
                message,
                minimal_sequence: vec![describe_race(&target.naming, &case)],
                scenario_file: None,
                replay_command: None,
                no_scenario_reason: Some(
                    "a race sends its requests at the same time, and the steps of a scenario run one after another, \
                     so it cannot replay a race. Rerun props with the same --seed to reproduce it"
                        .to_owned(),
                ),
            });
        }
    }
    report.elapsed_seconds = started.elapsed().as_secs_f64();
    report
}

/// Checks that a strategy is usable, for tests of this module.
#[cfg(test)]
fn sample<S: proptest::strategy::Strategy>(strategy: &S, seed: u64) -> S::Value {
    use proptest::strategy::ValueTree;
    let mut runner = TestRunner::new_with_rng(Config::default(), rng_for(seed, 0));
    strategy
        .new_tree(&mut runner)
        .map(|tree| tree.current())
        .expect("the strategy generates a value")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_generates_same_sequence() {
        let strategy = DirectoryMachine::sequential_strategy(1..=20);
        let (_, first, _) = sample(&strategy, 7);
        let (_, second, _) = sample(&strategy, 7);
        assert_eq!(first, second);
    }

    #[test]
    fn replay_command_quotes_and_adds_flags() {
        let mut config = PropsConfig::new("http://127.0.0.1:8080/scim/directory/1", "secret");
        let command = replay_command(
            &config,
            std::path::Path::new("target/props-failures"),
            "props.seed-7.paging",
        );
        assert_eq!(
            command,
            "scim-conformance run --scenarios target/props-failures --scenario props.seed-7.paging \
             --base-url http://127.0.0.1:8080/scim/directory/1 --token KEY"
        );
        config.base_url = "https://scim.example.org/x".to_owned();
        config.domain = "corp.example".to_owned();
        let command = replay_command(&config, std::path::Path::new("my dir"), "n");
        assert!(command.contains("--scenarios 'my dir' "), "{command}");
        assert!(
            command.ends_with("--token KEY --domain corp.example --allow-writes"),
            "{command}"
        );
        assert!(!command.contains("secret"), "{command}");
    }

    #[test]
    fn base_url_without_scheme_is_invalid_not_remote() {
        let config = PropsConfig::new("localhost:8080/scim", "key");
        let error = run_blocking(&config).expect_err("a scheme is required");
        assert!(matches!(error, PropsError::InvalidConfig(_)), "{error}");
        assert!(error.to_string().contains("http://localhost:8080/scim"), "{error}");
    }

    #[test]
    fn non_loopback_host_is_rejected() {
        let config = PropsConfig::new("https://scim.example.org/scim/directory/x", "key");
        let error = run_blocking(&config).expect_err("writes to a remote host need --allow-writes");
        assert!(matches!(error, PropsError::NotLoopback(_)), "{error}");
    }
}
