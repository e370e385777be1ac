//! The `props` subcommand: its arguments and its entry point.
//!
//! `crate::cli` wires it in as the `Props` variant of its subcommand enum.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use super::model::DEFAULT_USER_LIMIT;
use super::runner::{run, PropsConfig, PropsError};
use crate::guard::is_loopback_url;

/// Arguments of `scim-conformance props`.
#[derive(Debug, Clone, clap::Args)]
pub struct PropsArgs {
    /// SCIM base URL, such as http://127.0.0.1:8080/scim/directory/<directoryId>.
    #[arg(long, env = "SCIM_BASE_URL")]
    pub base_url: String,

    /// Directory API key, sent as `Authorization: Bearer <KEY>`.
    #[arg(long, env = "SCIM_TOKEN", hide_env_values = true)]
    pub token: String,

    /// Number of generated operation sequences.
    #[arg(long, default_value_t = 32)]
    pub cases: u32,

    /// Seed of the generator; a random one is chosen and printed when omitted.
    #[arg(long)]
    pub seed: Option<u64>,

    /// Maximum number of operations in one sequence.
    #[arg(long, default_value_t = 30)]
    pub max_steps: usize,

    /// Verified email domain of the directory.
    #[arg(long, default_value = "example.com")]
    pub domain: String,

    /// Prefix of every name the run creates (lowercase letters, digits, '-');
    /// random when omitted.
    #[arg(long)]
    pub prefix: Option<String>,

    /// Allows the run to write to a host that is not loopback.
    #[arg(long)]
    pub allow_writes: bool,

    /// User limit of the directory as the server is configured.
    #[arg(long, default_value_t = DEFAULT_USER_LIMIT)]
    pub user_limit: usize,

    /// Number of generated races for the concurrency property (0 skips it).
    #[arg(long, default_value_t = 8)]
    pub race_cases: u32,

    /// Maximum number of concurrent clients in one race.
    #[arg(long, default_value_t = 4)]
    pub clients: usize,

    /// Maximum reruns while shrinking one failure.
    #[arg(long, default_value_t = 1_000)]
    pub max_shrink_iters: u32,

    /// Folder that receives a scenario file for each shrunk failure.
    #[arg(long, default_value = "target/props-failures")]
    pub scenario_dir: PathBuf,

    /// Timeout of each HTTP request, in seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout_secs: u64,

    /// Writes the report as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,

    /// Writes the report as JUnit XML to this file.
    #[arg(long)]
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
        config.request_timeout = Duration::from_secs(self.timeout_secs.max(1));
        config
    }
}

/// Runs the properties, prints the summary, writes the requested reports,
/// and returns exit code 0 when every property held and 1 otherwise. An
/// `Err` is a usage error, such as a non-loopback host without
/// `--allow-writes`.
pub async fn run_command(args: PropsArgs) -> anyhow::Result<ExitCode> {
    let config = args.to_config();
    if !config.allow_writes && !is_loopback_url(&config.base_url) {
        return Err(PropsError::NotLoopback(config.base_url).into());
    }
    eprintln!(
        "running properties against {} with seed {} ({} cases, up to {} steps each)",
        config.base_url, config.seed, config.cases, config.max_steps
    );
    let report = run(config).await?;
    print!("{}", report.to_text());
    if let Some(path) = &args.json {
        std::fs::write(path, report.to_json())
            .map_err(|error| anyhow::anyhow!("failed to write the JSON report to {}: {error}", path.display()))?;
    }
    if let Some(path) = &args.junit {
        std::fs::write(path, report.to_junit())
            .map_err(|error| anyhow::anyhow!("failed to write the JUnit report to {}: {error}", path.display()))?;
    }
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
