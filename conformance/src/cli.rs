//! The `scim-conformance` command line: `run`, `list` and `props`.
//!
//! Each subcommand is a variant of [`Command`] with its own argument struct
//! and a `match` arm in [`execute`]; add a subcommand the same way.
//!
//! Exit codes: 0 when every selected scenario passed, 1 when one failed,
//! 2 for usage errors (bad options, unreadable scenario files, a selection
//! with nothing to run, writes refused) and for a server that does not
//! respond or rejects the key before the first scenario, 130 after Ctrl-C.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context as _};
use clap::{Args, Parser, Subcommand};

use crate::client::parse_base_url;
use crate::report::{console, json, junit};
use crate::runner::{self, Cancel, RunConfig, RunError};
use crate::scenario::{self, Profile, Scenario};
use crate::snapshot::SnapshotStore;

/// Exit code for usage errors and inputs that cannot be used.
pub const EXIT_USAGE: u8 = 2;
/// Exit code after Ctrl-C (128 + SIGINT), as shells report it.
pub const EXIT_INTERRUPTED: u8 = 130;

const AFTER_HELP: &str = "\
Examples:
  # Run the whole suite against a local mock, Atlassian rules:
  scim-conformance run --base-url http://127.0.0.1:8080/scim/directory/1 --token KEY

  # Check a server against RFC 7644 only, writing reports for CI:
  SCIM_BASE_URL=http://127.0.0.1:5000 SCIM_TOKEN=KEY \\
    scim-conformance run --profile rfc7644 --junit target/scim.xml --json target/scim.json

  # Only the group rules, without the slow paging scenarios:
  scim-conformance run --tag groups --skip-tag paging --base-url ... --token ...

  # List the scenarios and their tags:
  scim-conformance list --profile atlassian";

/// Conformance checks for SCIM 2.0 servers, with Atlassian Cloud's user provisioning API as a profile.
#[derive(Debug, Parser)]
#[command(name = "scim-conformance", version, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scenarios against a SCIM server and report what fails.
    #[command(after_help = RUN_AFTER_HELP)]
    Run(RunArgs),
    /// List the scenarios, their profiles and tags, without contacting a server.
    List(ListArgs),
    /// Run generated operation sequences against a server and compare it with a reference model.
    Props(crate::props::cli::PropsArgs),
}

const RUN_AFTER_HELP: &str = "\
Every name the run creates starts with a run prefix such as `scimconf-3fa9c1`, so runs never
collide and leftovers are easy to find. Cleanup runs after each scenario, also after a failure.
At the end, the run lists /Users and /Groups and deletes what still carries its prefix, such as a
user whose create response was lost. On Ctrl-C no new scenario starts, running ones stop, their
cleanup and that sweep run, and the exit code is 130. A second Ctrl-C quits at once.

Before the first scenario, one GET /Users checks that the server responds and accepts the key.

Against a host that is not loopback (127.0.0.0/8, ::1, or exactly `localhost`), scenarios that
write (POST, PUT, PATCH, DELETE) are rejected unless --allow-writes is given. `--skip-tag writes`
keeps only the scenarios that read.

Examples:
  scim-conformance run --base-url http://127.0.0.1:8080/scim/directory/1 --token KEY
  scim-conformance run --profile rfc7644 --scenario users.create.minimal --base-url URL --token KEY
  scim-conformance run --snapshots --update-snapshots --base-url URL --token KEY
  scim-conformance run --base-url https://api.atlassian.com/scim/directory/ID --token KEY \\
      --skip-tag writes";

/// Filters that select scenarios.
#[derive(Debug, Clone, Args)]
pub struct Selection {
    /// Rules to check: `atlassian` (the behaviour reference) or `rfc7644` (the SCIM standard).
    #[arg(long, value_enum, default_value_t = Profile::Atlassian)]
    pub profile: Profile,

    /// Run only scenarios with this tag (repeatable; any listed tag selects).
    /// Every scenario also has the tag `writes` or `read-only`.
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,

    /// Leave out scenarios with this tag (repeatable).
    #[arg(long = "skip-tag", value_name = "TAG")]
    pub skip_tags: Vec<String>,

    /// Run only the scenario with this exact name (repeatable).
    #[arg(long = "scenario", value_name = "NAME")]
    pub names: Vec<String>,

    /// Folder of scenario files [default: fixtures/scenarios]
    #[arg(long = "scenarios", value_name = "DIR", env = "SCIM_SCENARIOS")]
    pub scenarios_dir: Option<PathBuf>,
}

/// Options of `run`.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// SCIM base URL; request paths such as /Users are appended to it.
    #[arg(long, env = "SCIM_BASE_URL", value_name = "URL")]
    pub base_url: String,

    /// Bearer key (for Atlassian, the directory's API key).
    #[arg(long, env = "SCIM_TOKEN", value_name = "KEY", hide_env_values = true)]
    pub token: String,

    #[command(flatten)]
    pub selection: Selection,

    /// Scenarios run at the same time. Scenarios marked exclusive always run alone.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,

    /// Write a JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Write a JSON report to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Compare each scenario's normalised responses with insta `.snap` files in DIR
    /// [default when given without DIR: fixtures/snapshots/<profile>]
    #[arg(long, value_name = "DIR", num_args = 0..=1)]
    pub snapshots: Option<Option<PathBuf>>,

    /// Write the snapshots instead of comparing (implies --snapshots).
    #[arg(long)]
    pub update_snapshots: bool,

    /// Allow scenarios that write against a host that is not loopback.
    #[arg(long)]
    pub allow_writes: bool,

    /// Verified email domain of the directory, used for `${email}` and `${domain}`.
    #[arg(long, default_value = "example.com", value_name = "DOMAIN")]
    pub domain: String,

    /// Timeout of each request, in seconds (1 to 3600).
    #[arg(long, default_value_t = 30, value_name = "SECS", value_parser = clap::value_parser!(u64).range(TIMEOUT_RANGE))]
    pub timeout: u64,

    /// Also name the selected scenarios that do not apply to the profile.
    #[arg(long, short)]
    pub verbose: bool,
}

/// Accepted values of `--timeout`, in seconds, for `run` and `props`.
pub const TIMEOUT_RANGE: std::ops::RangeInclusive<u64> = 1..=3600;

/// Options of `list`.
#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub selection: Selection,
}

/// Parses the command line, runs the subcommand and maps errors to exit codes.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: failed to start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(execute(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// Runs one parsed command; an `Err` is a usage or input error (exit code 2).
pub async fn execute(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => run_command(args).await,
        Command::List(args) => list_command(&args),
        Command::Props(args) => crate::props::cli::run_command(args).await,
    }
}

/// Finds the scenario folder: the option, else `fixtures/scenarios` under the
/// current folder, else the one in this crate's workspace.
pub fn scenarios_dir(selection: &Selection) -> PathBuf {
    if let Some(dir) = &selection.scenarios_dir {
        return dir.clone();
    }
    let local = PathBuf::from("fixtures/scenarios");
    if local.is_dir() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/scenarios")
}

/// Loads the scenario folder and applies the name and tag filters (not the profile).
pub fn select(selection: &Selection) -> anyhow::Result<Vec<Scenario>> {
    let dir = scenarios_dir(selection);
    let all = scenario::load_dir(&dir)?;
    for name in &selection.names {
        if !all.iter().any(|scenario| &scenario.name == name) {
            bail!(
                "no scenario named `{name}` in {}: run `scim-conformance list` to see the names",
                dir.display()
            );
        }
    }
    let selected: Vec<Scenario> = all
        .into_iter()
        .filter(|scenario| selection.names.is_empty() || selection.names.contains(&scenario.name))
        .filter(|scenario| {
            let tags = scenario.all_tags();
            let included = selection.tags.is_empty() || selection.tags.iter().any(|tag| tags.contains(tag));
            let excluded = selection.skip_tags.iter().any(|tag| tags.contains(tag));
            included && !excluded
        })
        .collect();
    if selected.is_empty() {
        bail!(
            "the filters selected no scenario in {}: check --tag, --skip-tag and --scenario",
            dir.display()
        );
    }
    Ok(selected)
}

/// Fails when no selected scenario applies to the profile, because such a
/// run would check nothing and still exit 0.
fn require_applicable(scenarios: &[Scenario], profile: Profile) -> anyhow::Result<()> {
    if scenarios.iter().any(|scenario| scenario.applies_to(profile)) {
        return Ok(());
    }
    let names: Vec<&str> = scenarios.iter().take(5).map(|scenario| scenario.name.as_str()).collect();
    let more = if scenarios.len() > names.len() {
        format!(" and {} more", scenarios.len() - names.len())
    } else {
        String::new()
    };
    bail!(
        "none of the {} selected scenario(s) apply to profile {profile} ({}{more}), so the run would check nothing. \
         Choose another --profile, or change --tag, --skip-tag or --scenario; \
         `scim-conformance list --profile {profile}` marks the scenarios that apply",
        scenarios.len(),
        names.join(", "),
    )
}

/// Builds the snapshot settings; a folder that does not exist is an error
/// unless the run records snapshots.
fn snapshot_store(args: &RunArgs) -> anyhow::Result<Option<SnapshotStore>> {
    let dir = match (&args.snapshots, args.update_snapshots) {
        (None, false) => return Ok(None),
        (Some(Some(dir)), _) => dir.clone(),
        (_, _) => default_snapshot_dir(&scenarios_dir(&args.selection), args.selection.profile),
    };
    if !args.update_snapshots && !dir.is_dir() {
        bail!(
            "snapshot folder {} does not exist: pass the folder that holds the .snap files to --snapshots, \
             or add --update-snapshots to record new snapshots there",
            dir.display()
        );
    }
    Ok(Some(SnapshotStore {
        dir,
        update: args.update_snapshots,
        write_pending: std::env::var_os("CI").is_none(),
    }))
}

async fn run_command(args: RunArgs) -> anyhow::Result<ExitCode> {
    parse_base_url(&args.base_url)?;
    let scenarios = select(&args.selection)?;
    let profile = args.selection.profile;
    require_applicable(&scenarios, profile)?;
    let snapshots = snapshot_store(&args)?;
    let config = RunConfig {
        base_url: args.base_url.clone(),
        token: args.token.clone(),
        profile,
        domain: args.domain.clone(),
        jobs: usize::from(args.jobs),
        timeout: Duration::from_secs(args.timeout),
        snapshots,
        allow_writes: args.allow_writes,
        run_prefix: runner::new_run_prefix(),
    };

    let cancel = Cancel::new();
    let interrupt = stop_on_ctrl_c(cancel.clone(), "starting no new scenarios");
    let progress = console::Progress::new();
    let outcome = runner::run(&scenarios, &config, &cancel, &progress).await;
    interrupt.abort();
    progress.finish();
    let report = match outcome {
        Ok(report) => report,
        Err(RunError::WritesRefused(message)) => bail!(message),
        Err(RunError::Client(error)) => bail!(error),
        Err(RunError::Preflight(error)) => bail!(error),
    };

    if args.verbose {
        print!("{}", console::render_verbose_report(&report));
    } else {
        print!("{}", console::render_report(&report));
    }
    if let Some(path) = &args.junit {
        write_report(path, &junit::render(&report)).context("failed to write the JUnit report")?;
    }
    if let Some(path) = &args.json {
        write_report(path, &json::render(&report)).context("failed to write the JSON report")?;
    }
    Ok(if report.interrupted {
        ExitCode::from(EXIT_INTERRUPTED)
    } else if report.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Returns `fixtures/snapshots/<profile>` beside the scenario folder.
pub fn default_snapshot_dir(scenarios: &Path, profile: Profile) -> PathBuf {
    let root = scenarios.parent().unwrap_or_else(|| Path::new("."));
    root.join("snapshots").join(profile.as_str())
}

/// Sets `cancel` on the first Ctrl-C, and exits at once on the second.
/// `stopping` describes what the first one stops, such as "starting no new scenarios".
///
/// On Unix the SIGINT handler is installed before this returns, so even a
/// Ctrl-C before the first request is handled. Elsewhere the handler is
/// installed when the returned task first runs.
pub(crate) fn stop_on_ctrl_c(cancel: Cancel, stopping: &'static str) -> tokio::task::JoinHandle<()> {
    let mut interrupts = Interrupts::install();
    tokio::spawn(async move {
        if !interrupts.next().await {
            return;
        }
        eprintln!("\ninterrupted: {stopping}, running cleanup (press Ctrl-C again to quit without it)");
        cancel.cancel();
        if interrupts.next().await {
            eprintln!("interrupted again: quitting without cleanup; leftovers keep this run's name prefix");
            std::process::exit(i32::from(EXIT_INTERRUPTED));
        }
    })
}

/// A stream of Ctrl-C events.
struct Interrupts {
    #[cfg(unix)]
    stream: Option<tokio::signal::unix::Signal>,
}

impl Interrupts {
    fn install() -> Self {
        #[cfg(unix)]
        {
            let stream = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()) {
                Ok(stream) => Some(stream),
                Err(error) => {
                    tracing::warn!(%error, "failed to install the SIGINT handler; Ctrl-C will stop the run without cleanup");
                    None
                }
            };
            Interrupts { stream }
        }
        #[cfg(not(unix))]
        Interrupts {}
    }

    /// Waits for the next Ctrl-C; returns false when no more can arrive.
    async fn next(&mut self) -> bool {
        #[cfg(unix)]
        match self.stream.as_mut() {
            Some(stream) => stream.recv().await.is_some(),
            None => std::future::pending().await,
        }
        #[cfg(not(unix))]
        tokio::signal::ctrl_c().await.is_ok()
    }
}

fn write_report(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(folder) = path.parent().filter(|folder| !folder.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).with_context(|| format!("failed to create {}", folder.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("failed to write {}", path.display()))
}

fn list_command(args: &ListArgs) -> anyhow::Result<ExitCode> {
    let scenarios = select(&args.selection)?;
    let profile = args.selection.profile;
    let mut by_tag: BTreeMap<String, usize> = BTreeMap::new();
    let mut applicable = 0;
    for scenario in &scenarios {
        let marker = if scenario.applies_to(profile) {
            applicable += 1;
            for tag in scenario.all_tags() {
                *by_tag.entry(tag).or_default() += 1;
            }
            ' '
        } else {
            '-'
        };
        let profiles: Vec<&str> = scenario.profiles.iter().map(|p| p.as_str()).collect();
        println!(
            "{marker} {:<48} {:<18} {}",
            scenario.name,
            profiles.join(","),
            scenario.all_tags().join(",")
        );
        println!("      {}", scenario.rule);
    }
    let others: Vec<&str> = scenarios
        .iter()
        .filter(|scenario| !scenario.applies_to(profile))
        .map(|scenario| scenario.name.as_str())
        .collect();
    println!("\n{applicable} of {} scenario(s) apply to profile {profile}", scenarios.len());
    if !others.is_empty() {
        println!(
            "{} do not, and are marked '-' above: {}",
            others.len(),
            others.join(", ")
        );
    }
    let counts: Vec<String> = by_tag.iter().map(|(tag, count)| format!("{tag} {count}")).collect();
    println!("by tag: {}", counts.join(", "));
    Ok(ExitCode::SUCCESS)
}
