//! Running the properties with proptest: seeding, case counting,
//! shrinking, and turning a shrunk failure into a report and a scenario file.
//!
//! proptest's test closure is synchronous, so the properties run on a
//! thread of their own with a current-thread tokio runtime that drives the
//! HTTP client. [`run`] moves that work off the caller's runtime, which lets
//! a test serve an in-process server on its own runtime meanwhile.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use proptest_state_machine::ReferenceStateMachine;

use super::concurrency::{race_strategy, run_race};
use super::execute::{run_case, Target};
use super::model::DEFAULT_USER_LIMIT;
use super::names::Naming;
use super::report::{FailureReport, PropertyReport, PropsReport, TransitionStats};
use super::scenario::write_scenario;
use super::transitions::DirectoryMachine;
use crate::client::ScimClient;
use crate::guard::is_loopback_url;

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
    let client = ScimClient::new(&config.base_url, &config.token, config.request_timeout)
        .map_err(|error| PropsError::InvalidConfig(error.to_string()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| PropsError::Start(format!("failed to build the tokio runtime: {error}")))?;
    let target = Target {
        client,
        naming,
        user_limit: config.user_limit,
    };
    let stats = TransitionStats::default();
    let started = Instant::now();

    let mut properties = vec![run_sequential(&runtime, &target, config, &stats)];
    if config.race_cases > 0 {
        properties.push(run_races(&runtime, &target, config, &stats));
    }

    Ok(PropsReport {
        seed: config.seed,
        prefix: target.naming.prefix().to_owned(),
        base_url: config.base_url.clone(),
        properties,
        transition_counts: stats.snapshot(),
        outcome_counts: stats.outcome_snapshot(),
        elapsed_seconds: started.elapsed().as_secs_f64(),
    })
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

    let result = runner.run(&strategy, |(_, ops, seen)| {
        let outcome = runtime.block_on(run_case(target, &ops, seen.as_deref(), stats));
        counter.record(outcome.failure.is_none());
        match outcome.failure {
            None => Ok(()),
            Some(failure) => Err(TestCaseError::fail(failure.to_string())),
        }
    });

    let mut report = PropertyReport {
        name: "directory state machine".to_owned(),
        cases_requested: config.cases,
        cases_passed: counter.passed.load(Ordering::SeqCst),
        shrink_runs: counter.shrink_runs.load(Ordering::SeqCst),
        elapsed_seconds: 0.0,
        failure: None,
        aborted: None,
    };
    match result {
        Ok(()) => {}
        Err(TestError::Abort(reason)) => report.aborted = Some(reason.to_string()),
        Err(TestError::Fail(reason, (_, ops, _))) => {
            // Rerun the shrunk sequence once to record its requests for the
            // scenario file and to get the structured failure.
            let outcome = runtime.block_on(run_case(target, &ops, None, stats));
            let minimal_sequence: Vec<String> = ops
                .iter()
                .enumerate()
                .map(|(index, op)| format!("{}. {op:?}", index + 1))
                .collect();
            let (message, rule, scenario_file) = match &outcome.failure {
                Some(failure) => {
                    let file = config.scenario_dir.as_ref().map(|dir| {
                        match write_scenario(dir, failure, &outcome, &target.naming, config.seed) {
                            Ok(path) => path.display().to_string(),
                            Err(error) => format!("<failed to write the scenario into {}: {error}>", dir.display()),
                        }
                    });
                    (failure.to_string(), failure.rule.id().to_owned(), file)
                }
                // The shrunk sequence passed on the rerun: the failure is
                // intermittent, so report proptest's message as it was.
                None => (
                    format!("{reason}\n(the shrunk sequence passed when rerun: the failure is intermittent)"),
                    "intermittent".to_owned(),
                    None,
                ),
            };
            report.failure = Some(FailureReport {
                rule,
                message,
                minimal_sequence,
                scenario_file,
            });
        }
    }
    report.elapsed_seconds = started.elapsed().as_secs_f64();
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

    let result = runner.run(&strategy, |case| {
        let outcome = runtime.block_on(run_race(target, &case, stats));
        counter.record(outcome.is_ok());
        outcome.map_err(|failure| TestCaseError::fail(failure.to_string()))
    });

    let mut report = PropertyReport {
        name: "concurrent clients".to_owned(),
        cases_requested: config.race_cases,
        cases_passed: counter.passed.load(Ordering::SeqCst),
        shrink_runs: counter.shrink_runs.load(Ordering::SeqCst),
        elapsed_seconds: 0.0,
        failure: None,
        aborted: None,
    };
    match result {
        Ok(()) => {}
        Err(TestError::Abort(reason)) => report.aborted = Some(reason.to_string()),
        Err(TestError::Fail(reason, case)) => {
            let rule = reason.message().split('`').nth(1).unwrap_or("unknown").to_owned();
            report.failure = Some(FailureReport {
                rule,
                message: reason.message().to_owned(),
                minimal_sequence: vec![format!("{case:?}")],
                // Races are not sequential, so they have no scenario form.
                scenario_file: None,
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
    fn non_loopback_host_is_rejected() {
        let config = PropsConfig::new("https://scim.example.org/scim/directory/x", "key");
        let error = run_blocking(&config).expect_err("writes to a remote host need --allow-writes");
        assert!(matches!(error, PropsError::NotLoopback(_)), "{error}");
    }
}
