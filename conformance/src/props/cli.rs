//! The `props` subcommand: its arguments and its entry point.
//!
//! `crate::cli` wires it in as the `Props` variant of its subcommand enum.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::builder::RangedU64ValueParser;

use super::model::DEFAULT_USER_LIMIT;
use super::runner::{run, PropsConfig, PropsError};
use crate::cli::{stop_on_ctrl_c, EXIT_INTERRUPTED, TIMEOUT_RANGE};
use crate::client::parse_base_url;
use crate::guard::is_loopback_url;

const PROPS_AFTER_HELP: &str = "\
Every name the run creates starts with a prefix such as `pt-3f9a1c-`. Each case starts and ends by
deleting everything with that prefix, and the run ends with a sweep that reports any leftovers.
On Ctrl-C no new case starts, the running case stops, everything with the prefix is deleted, the
report so far is printed, and the exit code is 130. A second Ctrl-C quits at once.

Before the first case, one GET /Users checks that the server responds and accepts the key.

A failure of the state-machine property is shrunk and written as a scenario file that
`scim-conformance run --scenarios DIR --scenario NAME` replays; the report prints that command.
Failures of the concurrency property, and failures that pass when rerun, have no scenario file.

Exit codes: 0 when every property held, 1 when one failed, 2 for usage errors and for a server
that does not respond or rejects the key, 130 after Ctrl-C.

Examples:
  # 256 cases with a fixed seed against a local mock:
  scim-conformance props --base-url http://127.0.0.1:8080/scim/directory/1 --token KEY \\
      --cases 256 --seed 7

  # A directory with a user limit of 5, failures written to a folder of your choice:
  scim-conformance props --base-url URL --token KEY --user-limit 5 --scenarios target/my-failures

  # Replay a written failure with the scripted runner:
  scim-conformance run --scenarios target/props-failures --scenario props.seed-7.user-uniqueness \\
      --base-url URL --token KEY";

/// Arguments of `scim-conformance props`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = PROPS_AFTER_HELP)]
pub struct PropsArgs {
    /// SCIM base URL, such as http://127.0.0.1:8080/scim/directory/<directoryId>.
    #[arg(long, env = "SCIM_BASE_URL", value_name = "URL")]
    pub base_url: String,

    /// Directory API key, sent as `Authorization: Bearer <KEY>`.
    #[arg(long, env = "SCIM_TOKEN", value_name = "KEY", hide_env_values = true)]
    pub token: String,

    /// Number of generated operation sequences.
    #[arg(long, default_value_t = 32, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub cases: u32,

    /// Seed of the generator; a random one is chosen and printed when omitted.
    #[arg(long, value_name = "SEED")]
    pub seed: Option<u64>,

    /// Maximum number of operations in one sequence.
    #[arg(long, default_value_t = 30, value_name = "N", value_parser = RangedU64ValueParser::<usize>::new().range(1..=1_000))]
    pub max_steps: usize,

    /// Verified email domain of the directory.
    #[arg(long, default_value = "example.com", value_name = "DOMAIN")]
    pub domain: String,

    /// Prefix of every name the run creates (lowercase letters, digits, '-')
    /// [default: a random pt-xxxxxx-]
    #[arg(long, value_name = "PREFIX")]
    pub prefix: Option<String>,

    /// Allows the run to write to a host that is not loopback.
    #[arg(long)]
    pub allow_writes: bool,

    /// User limit of the directory as the server is configured, counting users the run did not create.
    #[arg(long, default_value_t = DEFAULT_USER_LIMIT, value_name = "N", value_parser = RangedU64ValueParser::<usize>::new().range(1..))]
    pub user_limit: usize,

    /// Number of generated races for the concurrency property (0 skips it).
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub race_cases: u32,

    /// Maximum number of concurrent clients in one race.
    #[arg(long, default_value_t = 4, value_name = "N", value_parser = RangedU64ValueParser::<usize>::new().range(2..=64))]
    pub clients: usize,

    /// Maximum reruns while shrinking one failure.
    #[arg(long, default_value_t = 1_000, value_name = "N")]
    pub max_shrink_iters: u32,

    /// Folder that receives a scenario file for each shrunk failure.
    #[arg(
        long = "scenarios",
        alias = "scenario-dir",
        value_name = "DIR",
        default_value = "target/props-failures"
    )]
    pub scenario_dir: PathBuf,

    /// Timeout of each request, in seconds (1 to 3600).
    #[arg(
        long = "timeout",
        alias = "timeout-secs",
        default_value_t = 30,
        value_name = "SECS",
        value_parser = clap::value_parser!(u64).range(TIMEOUT_RANGE)
    )]
    pub timeout_secs: u64,

    /// Write the report as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Write the report as JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
}

impl PropsArgs {
    /// Builds the run configuration.
    pub fn to_config(&self) -> PropsConfig {
        let mut config = PropsConfig::new(self.base_url.clone(), self.token.clone());
        config.cases = self.cases;
        if let Some(seed) = self.seed {
            config.seed = seed;
        }
        config.max_steps = self.max_steps;
        config.domain = self.domain.clone();
        config.prefix = self.prefix.clone();
        config.allow_writes = self.allow_writes;
        config.user_limit = self.user_limit;
        config.race_cases = self.race_cases;
        config.max_clients = self.clients;
        config.max_shrink_iters = self.max_shrink_iters;
        config.scenario_dir = Some(self.scenario_dir.clone());
        config.request_timeout = Duration::from_secs(self.timeout_secs);
        config
    }
}

/// Runs the properties, prints the report, writes the requested reports,
/// and returns exit code 0 when every property held, 1 when one failed and
/// 130 after Ctrl-C. An `Err` is a usage error, such as a non-loopback host
/// without `--allow-writes`, or a server that does not respond or rejects
/// the key.
pub async fn run_command(args: PropsArgs) -> anyhow::Result<ExitCode> {
    parse_base_url(&args.base_url)?;
    let config = args.to_config();
    if !config.allow_writes && !is_loopback_url(&config.base_url) {
        return Err(PropsError::NotLoopback(config.base_url).into());
    }
    eprintln!(
        "running properties against {} with seed {} ({} cases, up to {} steps each)",
        config.base_url, config.seed, config.cases, config.max_steps
    );
    let interrupt = stop_on_ctrl_c(config.cancel.clone(), "starting no new cases");
    let outcome = run(config).await;
    interrupt.abort();
    let report = outcome?;
    print!("{}", report.to_text());
    if let Some(path) = &args.json {
        std::fs::write(path, report.to_json())
            .map_err(|error| anyhow::anyhow!("failed to write the JSON report to {}: {error}", path.display()))?;
    }
    if let Some(path) = &args.junit {
        std::fs::write(path, report.to_junit())
            .map_err(|error| anyhow::anyhow!("failed to write the JUnit report to {}: {error}", path.display()))?;
    }
    Ok(if report.interrupted {
        ExitCode::from(EXIT_INTERRUPTED)
    } else if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use crate::cli::{Cli, Command};

    fn parse(extra: &[&str]) -> Result<super::PropsArgs, clap::Error> {
        let mut arguments = vec![
            "scim-conformance",
            "props",
            "--base-url",
            "http://127.0.0.1:1/scim",
            "--token",
            "k",
        ];
        arguments.extend_from_slice(extra);
        match Cli::try_parse_from(arguments)?.command {
            Command::Props(args) => Ok(args),
            other => panic!("parsed as another subcommand: {other:?}"),
        }
    }

    #[test]
    fn timeout_and_scenarios_match_run() {
        let args = parse(&["--timeout", "5", "--scenarios", "failures"]).expect("the options parse");
        assert_eq!(args.timeout_secs, 5);
        assert_eq!(args.scenario_dir, std::path::PathBuf::from("failures"));
    }

    #[test]
    fn old_option_names_still_work() {
        let args = parse(&["--timeout-secs", "7", "--scenario-dir", "old"]).expect("the aliases parse");
        assert_eq!(args.timeout_secs, 7);
        assert_eq!(args.scenario_dir, std::path::PathBuf::from("old"));
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        for extra in [
            ["--timeout", "0"],
            ["--timeout", "3601"],
            ["--clients", "1"],
            ["--cases", "0"],
            ["--max-steps", "0"],
            ["--user-limit", "0"],
        ] {
            let error = parse(&extra).expect_err("the value is out of range");
            assert_eq!(
                error.kind(),
                clap::error::ErrorKind::ValueValidation,
                "{extra:?}: {error}"
            );
        }
    }
}
