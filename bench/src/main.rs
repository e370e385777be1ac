//! `scim-bench`: throughput, latency, startup and memory of `scim-mock`,
//! measured against a bare hyper server on the same machine, printed as
//! Markdown. BENCHMARKS.md at the workspace root records a run.
//!
//! Every server it sends load to is one it started itself on 127.0.0.1;
//! `drive` accepts only a loopback base URL.

mod baseline;
mod external;
mod inprocess;
mod load;
mod process;
mod report;
mod workload;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand, ValueEnum};
use tokio::runtime::Runtime;

use crate::load::{CellSettings, Target};
use crate::report::Report;
use crate::workload::WorkloadKind;

/// Benchmarks of scim-mock against a bare hyper server, printed as Markdown.
#[derive(Debug, Parser)]
#[command(
    name = "scim-bench",
    after_help = "\
EXAMPLES:
    Build, then run every section (about 4 minutes on 2 cores):
        cargo build --release -p scim-bench -p scim-mock -p scim-conformance
        target/release/scim-bench --output target/scim-bench/report.md

    Only the in-process sections, shorter cells:
        target/release/scim-bench --sections throughput,list --duration-ms 1000

    Drive one operation against a mock you started on loopback, for profiling:
        target/release/scim-bench drive --base-url http://127.0.0.1:8080/scim/directory/ID \\
            --token KEY --workload get-by-id --requests 20000"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Send one workload to a mock already running on a loopback address.
    Drive(DriveArgs),
}

/// A part of the full run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Section {
    /// Throughput and latency per operation and connection count (in-process).
    Throughput,
    /// One list page at a small and a large directory size (in-process).
    List,
    /// Release binary: spawn to first response, with and without a seed.
    Startup,
    /// Release binary: resident memory per seed shape.
    Memory,
    /// Release binary: GET by id with logging at warn and at info.
    Logging,
    /// Release binaries: time of `scim-conformance run` and `props`.
    Conformance,
}

/// Options of the full run.
#[derive(Debug, Clone, Args)]
struct RunArgs {
    /// Sections to run, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [
        Section::Throughput, Section::List, Section::Startup, Section::Memory, Section::Logging, Section::Conformance,
    ])]
    sections: Vec<Section>,

    /// Users in the large directory.
    #[arg(long, default_value_t = 20_000)]
    users: usize,

    /// Users in the small directory of the list page comparison.
    #[arg(long, default_value_t = 1_000)]
    small_users: usize,

    /// Concurrent connections of each throughput cell, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 16, 64])]
    connections: Vec<usize>,

    /// Rounds of each cell; req/s and percentiles are over all rounds.
    #[arg(long, default_value_t = 3)]
    rounds: usize,

    /// Recorded time of each round of a cell, in milliseconds.
    #[arg(long, default_value_t = 1_000)]
    duration_ms: u64,

    /// Unrecorded warm-up at the start of each round, in milliseconds.
    #[arg(long, default_value_t = 300)]
    warmup_ms: u64,

    /// Recorded requests after which a cell stops early.
    #[arg(long, default_value_t = 1_000_000)]
    max_requests: u64,

    /// Spawns of the release binary per startup measurement.
    #[arg(long, default_value_t = 5)]
    startup_runs: usize,

    /// Generated cases of `scim-conformance props`.
    #[arg(long, default_value_t = 256)]
    props_cases: u32,

    /// Log filter of in-process mocks, in tracing's syntax.
    #[arg(long, default_value = "warn")]
    log: String,

    /// The `scim-mock` release binary [default: next to this binary].
    #[arg(long)]
    mock_bin: Option<PathBuf>,

    /// The `scim-conformance` release binary [default: next to this binary].
    #[arg(long)]
    conformance_bin: Option<PathBuf>,

    /// Folder for seed files and logs.
    #[arg(long, default_value = "target/scim-bench")]
    work_dir: PathBuf,

    /// Also write the Markdown report to this file.
    #[arg(long)]
    output: Option<PathBuf>,
}

/// Options of `drive`.
#[derive(Debug, Clone, Args)]
struct DriveArgs {
    /// SCIM base URL of a mock on a loopback IP address, such as
    /// http://127.0.0.1:8080/scim/directory/<id>.
    #[arg(long)]
    base_url: String,

    /// The directory's API key.
    #[arg(long)]
    token: String,

    /// Operation to send.
    #[arg(long, value_enum)]
    workload: WorkloadKind,

    /// Concurrent connections.
    #[arg(long, default_value_t = 4)]
    connections: usize,

    /// Requests to send after the warm-up.
    #[arg(long, default_value_t = 10_000)]
    requests: u64,

    /// Maximum time to send them, in milliseconds.
    #[arg(long, default_value_t = 60_000)]
    duration_ms: u64,

    /// Users to read from the directory for ids and names; the patch
    /// workload needs more than 5,000.
    #[arg(long, default_value_t = 6_000)]
    users: usize,
}

/// The options, runtimes and binaries that every section shares.
pub(crate) struct Bench {
    args: RunArgs,
    /// Runtime of the in-process servers.
    server_runtime: Runtime,
    /// Runtime of the load generator, apart from the servers' worker threads.
    client_runtime: Runtime,
    mock_binary: PathBuf,
    conformance_binary: Option<PathBuf>,
}

impl Bench {
    fn cell_settings(&self, connections: usize) -> CellSettings {
        CellSettings {
            connections,
            warmup: Duration::from_millis(self.args.warmup_ms),
            duration: Duration::from_millis(self.args.duration_ms),
            max_requests: self.args.max_requests,
        }
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Drive(args)) => drive(&args),
        None => {
            init_logging(&cli.run.log)?;
            let markdown = run(cli.run.clone())?;
            print!("{markdown}");
            if let Some(path) = &cli.run.output {
                std::fs::write(path, &markdown).with_context(|| format!("failed to write {}", path.display()))?;
            }
            Ok(())
        }
    }
}

fn init_logging(filter: &str) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).with_context(|| format!("invalid --log filter {filter:?}"))?;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    Ok(())
}

/// Builds a multi-threaded runtime with one worker per core.
fn runtime(name: &str) -> anyhow::Result<Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .thread_name(name)
        .enable_all()
        .build()
        .with_context(|| format!("failed to start the {name} runtime"))
}

/// Runs the selected sections and returns the Markdown report.
fn run(args: RunArgs) -> anyhow::Result<String> {
    if args.connections.is_empty() || args.connections.contains(&0) {
        bail!("invalid --connections: give one or more connection counts above 0");
    }
    if args.rounds == 0 {
        bail!("invalid --rounds 0: give 1 or more rounds");
    }
    std::fs::create_dir_all(&args.work_dir).with_context(|| format!("failed to create {}", args.work_dir.display()))?;
    let beside_this_binary = |name: &str| -> Option<PathBuf> {
        let path = std::env::current_exe().ok()?.parent()?.join(name);
        path.is_file().then_some(path)
    };
    let mock_binary = args.mock_bin.clone().or_else(|| beside_this_binary("scim-mock"));
    let conformance_binary = args.conformance_bin.clone().or_else(|| beside_this_binary("scim-conformance"));

    let bench = Bench {
        server_runtime: runtime("server")?,
        client_runtime: runtime("load")?,
        mock_binary: mock_binary.clone().unwrap_or_default(),
        conformance_binary,
        args,
    };

    let mut report = Report::default();
    report.heading("Machine");
    report.paragraph(&machine_summary());

    let needs_binary = |section: &Section| !matches!(section, Section::Throughput | Section::List);
    for section in &bench.args.sections {
        if needs_binary(section) && mock_binary.is_none() {
            report.heading(&format!("{section:?}"));
            report.paragraph("Not run: no `scim-mock` binary was found; build it with `cargo build --release -p scim-mock` or pass --mock-bin.");
            continue;
        }
        match section {
            Section::Throughput => bench.throughput_section(&mut report)?,
            Section::List => bench.list_scaling_section(&mut report)?,
            Section::Startup => bench.startup_section(&mut report)?,
            Section::Memory => bench.memory_section(&mut report)?,
            Section::Logging => bench.logging_section(&mut report)?,
            Section::Conformance => bench.conformance_section(&mut report)?,
        }
    }

    report.paragraph(&format!("Load average at the end: {}.", load_average()));
    Ok(report.into_markdown())
}

/// Describes the cores, memory, kernel, build and load of this machine.
fn machine_summary() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, name)| name.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("MemTotal:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kibibytes| kibibytes.parse::<u64>().ok())
        })
        .map_or_else(|| "unknown".to_owned(), |kibibytes| format!("{:.1} GiB", kibibytes as f64 / 1048576.0));
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let build = if cfg!(debug_assertions) {
        "debug build: these numbers are not representative"
    } else {
        "release build"
    };
    format!(
        "{cores} cores available (`nproc`), {cpu}, {memory} memory, Linux {}, {build}. \
         Load average at the start: {}.",
        kernel.trim(),
        load_average()
    )
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// Sends one workload to a running mock and prints the result.
fn drive(args: &DriveArgs) -> anyhow::Result<()> {
    let runtime = runtime("load")?;
    let target = Target::from_base_url(&args.base_url, &args.token)?;
    let users = runtime.block_on(workload::discover_users(&target, args.users))?;
    if users.is_empty() {
        bail!("the directory at {} has no users to read or add", args.base_url);
    }
    let workload = match args.workload {
        WorkloadKind::GetById => workload::get_by_id(&users),
        WorkloadKind::Filter => workload::filter_by_user_name(&users),
        WorkloadKind::ListPage => workload::list_page(users.len().saturating_sub(99).max(1), 100),
        WorkloadKind::Create => workload::create_user(&format!("drive{}", std::process::id()), inprocess::DOMAIN),
        WorkloadKind::PatchAdd => {
            let size = 5_000.min(users.len().saturating_sub(1));
            if size == 0 {
                bail!("the patch workload needs at least 2 users");
            }
            let name = format!("bench-drive-{}", std::process::id());
            let group_id = runtime.block_on(workload::create_group(&target, &name, &users[..size]))?;
            workload::patch_add_member(&group_id, &users[size..])
        }
    };
    let settings = CellSettings {
        connections: args.connections.max(1),
        warmup: Duration::ZERO,
        duration: Duration::from_millis(args.duration_ms),
        max_requests: args.requests,
    };
    let result = runtime.block_on(load::run_cell(&target, &workload, settings))?;
    let latency = result.latency();
    println!(
        "{}: {} requests, {} failures, {} req/s, p50 {} ms, p90 {} ms, p99 {} ms",
        workload.name,
        result.requests,
        result.failures,
        report::rate(result.throughput()),
        report::millis(latency.p50),
        report::millis(latency.p90),
        report::millis(latency.p99),
    );
    if let Some(failure) = &result.first_failure {
        println!("first failure: {failure}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the in-process sections once with tiny sizes. It checks that
    /// the bench completes, not how fast anything is.
    #[test]
    fn short_run_completes() {
        let cli = Cli::try_parse_from([
            "scim-bench",
            "--sections",
            "throughput,list",
            "--users",
            "300",
            "--small-users",
            "200",
            "--connections",
            "1,2",
            "--rounds",
            "1",
            "--duration-ms",
            "20",
            "--warmup-ms",
            "0",
            "--max-requests",
            "5",
            "--work-dir",
            std::env::temp_dir().join("scim-bench-smoke").to_str().unwrap(),
        ])
        .unwrap();
        let markdown = run(cli.run).unwrap();
        assert!(markdown.contains("## Throughput and latency"), "{markdown}");
        assert!(markdown.contains("## List page cost by directory size"), "{markdown}");
    }

    #[test]
    fn cli_definition_is_valid() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
