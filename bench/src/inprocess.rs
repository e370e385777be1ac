//! The sections that run the mock in this process: throughput and latency
//! per operation against the baseline, and list page cost by directory size.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use scim_mock::seed::Seed;
use scim_mock::MockServer;

use crate::load::{CellResult, Target, Workload};
use crate::process::TOKEN;
use crate::report::{self, cell_columns, Report};
use crate::workload::{self, UserRef};
use crate::Bench;

/// The email domain of generated users, verified on every mock the bench starts.
pub const DOMAIN: &str = "example.com";

/// Members of the group that the PATCH cells add to.
const PATCH_GROUP_SIZE: usize = 5_000;

/// User limit of in-process mocks, high enough that the create cells never
/// reach it.
const BENCH_USER_LIMIT: usize = 10_000_000;

/// A mock started in this process with a generated seed.
struct SeededMock {
    server: MockServer,
    target: Target,
    users: Vec<UserRef>,
    /// From the start of seed loading to the listening socket.
    start_time: Duration,
}

impl Bench {
    /// Starts an in-process mock with `users` generated users in 20 groups,
    /// and reads their ids back through the API.
    fn start_seeded_mock(&self, users: usize) -> anyhow::Result<SeededMock> {
        let seed: Seed = serde_json::from_value(scim_mock::seed::generate(users, 20, DOMAIN))
            .context("the generated seed does not parse as a seed")?;
        let started = Instant::now();
        let server = self.server_runtime.block_on(
            MockServer::builder()
                .token(TOKEN)
                .user_limit(BENCH_USER_LIMIT)
                .seed(seed)
                .start(),
        )?;
        let start_time = started.elapsed();
        let target = Target::from_base_url(&server.base_url(), TOKEN)?;
        let discovered = self.client_runtime.block_on(workload::discover_users(&target, users))?;
        if discovered.len() != users {
            bail!("the mock lists {} users, but {users} were seeded", discovered.len());
        }
        Ok(SeededMock {
            server,
            target,
            users: discovered,
            start_time,
        })
    }

    /// Runs one cell and prints a progress line on standard error.
    pub(crate) fn cell(&self, label: &str, target: &Target, workload: &Workload, connections: usize) -> anyhow::Result<CellResult> {
        let settings = self.cell_settings(connections);
        let result = self
            .client_runtime
            .block_on(crate::load::run_cell(target, workload, settings))
            .with_context(|| format!("cell {label} / {} / {connections} connections failed", workload.name))?;
        let latency = result.latency();
        eprintln!(
            "  {label:<10} {:<40} {connections:>3} conn: {:>9} req/s  p50 {} ms  p99 {} ms  failures {}",
            workload.name,
            report::rate(result.throughput()),
            report::millis(latency.p50),
            report::millis(latency.p99),
            result.failures,
        );
        if let Some(failure) = &result.first_failure {
            eprintln!("    first failure: {failure}");
        }
        Ok(result)
    }

    /// Runs `--rounds` rounds of one cell and merges them.
    pub(crate) fn rounds(&self, label: &str, target: &Target, workload: &Workload, connections: usize) -> anyhow::Result<CellResult> {
        let mut merged = CellResult::default();
        for _ in 0..self.args.rounds {
            merged.merge(self.cell(label, target, workload, connections)?);
        }
        Ok(merged)
    }

    /// Measures each operation at each connection count against the mock,
    /// and GET by id against the baseline, interleaved so that both see the
    /// same background load.
    pub(crate) fn throughput_section(&self, report: &mut Report) -> anyhow::Result<()> {
        eprintln!("throughput: starting an in-process mock with {} users", self.args.users);
        let mock = self.start_seeded_mock(self.args.users)?;
        // Smaller directories, such as the smoke test's, get a group of half their users.
        let group_size = PATCH_GROUP_SIZE.min(mock.users.len() / 2);
        if group_size == 0 {
            bail!("the PATCH cells need at least 2 users; pass a larger --users");
        }

        // The baseline returns the mock's own rendering of a user, so both
        // servers send the same bytes for GET by id.
        let sample_path = format!("/Users/{}", mock.users[0].id);
        let body = self.client_runtime.block_on(workload::get_body(&mock.target, &sample_path))?;
        let baseline = self.server_runtime.block_on(crate::baseline::start(body.clone()))?;
        let baseline_target = Target::new(baseline.address, &mock.target.base_path, TOKEN)?;

        let get = workload::get_by_id(&mock.users);
        let filter = workload::filter_by_user_name(&mock.users);
        let deep_page = workload::list_page(15_000.min(mock.users.len()), 100);
        let reads = [&get, &filter, &deep_page];

        // Each round measures the baseline and then every read, so that a
        // ratio compares cells that ran seconds apart under the same load.
        let mut rows = Vec::new();
        for &connections in &self.args.connections {
            let mut baseline_total = CellResult::default();
            let mut totals = vec![CellResult::default(); reads.len()];
            let mut ratios = vec![Vec::new(); reads.len()];
            for _ in 0..self.args.rounds {
                let base = self.cell("baseline", &baseline_target, &get, connections)?;
                let base_rate = base.throughput();
                baseline_total.merge(base);
                for (index, workload) in reads.iter().enumerate() {
                    let result = self.cell("mock", &mock.target, workload, connections)?;
                    if base_rate > 0.0 {
                        ratios[index].push(result.throughput() / base_rate);
                    }
                    totals[index].merge(result);
                }
            }
            rows.push(throughput_row("GET user by id", "baseline", connections, &baseline_total, Some(1.0)));
            for (index, workload) in reads.iter().enumerate() {
                let ratio = report::median_of(&ratios[index]);
                rows.push(throughput_row(&workload.name, "mock", connections, &totals[index], ratio));
            }
        }
        drop(baseline);

        for (cell_index, &connections) in self.args.connections.iter().enumerate() {
            let mut merged = CellResult::default();
            let mut name = String::new();
            for round in 0..self.args.rounds {
                let create = workload::create_user(&format!("c{cell_index}r{round}"), DOMAIN);
                merged.merge(self.cell("mock", &mock.target, &create, connections)?);
                name = create.name;
            }
            rows.push(throughput_row(&name, "mock", connections, &merged, None));
        }

        let group_id = self.client_runtime.block_on(workload::create_group(
            &mock.target,
            "bench-patch-group",
            &mock.users[..group_size],
        ))?;
        let patch = workload::patch_add_member(&group_id, &mock.users[group_size..]);
        for &connections in &self.args.connections {
            let result = self.rounds("mock", &mock.target, &patch, connections)?;
            rows.push(throughput_row(&patch.name, "mock", connections, &result, None));
        }
        let final_size = self.client_runtime.block_on(workload::group_size(&mock.target, &group_id))?;
        self.server_runtime.block_on(mock.server.shutdown());

        report.heading("Throughput and latency");
        report.paragraph(&format!(
            "In-process mock with {users} generated users (20 groups of {per_group}), logging at `{log}`; \
             baseline: a bare hyper HTTP/1.1 server returning the mock's JSON of one user for every request. \
             Closed loop over keep-alive connections; each cell is {rounds} rounds of {warmup} ms warm-up \
             then {duration} ms recorded, and req/s and percentiles are over all rounds. \
             Ratio: the median over rounds of the mock's req/s over the baseline's, where each round runs \
             the baseline and then each read at the same connection count \
             (for list pages the baseline body is one user, so the ratio shows the cost of a 100-user page). \
             The PATCH group started with {group_size} members and ended with {final_size}; \
             every PATCH returns the whole group.",
            users = report::thousands(self.args.users as u64),
            per_group = report::thousands((self.args.users / 20) as u64),
            log = self.args.log,
            rounds = self.args.rounds,
            warmup = self.args.warmup_ms,
            duration = self.args.duration_ms,
        ));
        report.table(
            &["Operation", "Server", "Connections", "req/s", "Ratio to baseline", "p50 ms", "p90 ms", "p99 ms", "max ms", "Failures"],
            &rows,
        );
        report.paragraph(&format!(
            "In-process start with {} users (seed already parsed, loaded through the same checks as POST): {} ms.",
            report::thousands(self.args.users as u64),
            report::millis(mock.start_time),
        ));
        Ok(())
    }

    /// Compares one list page at a small and a large directory size.
    pub(crate) fn list_scaling_section(&self, report: &mut Report) -> anyhow::Result<()> {
        let small_users = self.args.small_users;
        let large_users = self.args.users;
        let shallow = small_users.saturating_sub(99).max(1);
        let deep = 15_000.min(large_users);

        eprintln!("list page scaling: {small_users} vs {large_users} users");
        let mut rows = Vec::new();
        let small = self.start_seeded_mock(small_users)?;
        rows.push(self.list_row(&small, small_users, shallow)?);
        self.server_runtime.block_on(small.server.shutdown());

        let large = self.start_seeded_mock(large_users)?;
        rows.push(self.list_row(&large, large_users, shallow)?);
        rows.push(self.list_row(&large, large_users, deep)?);
        self.server_runtime.block_on(large.server.shutdown());

        report.heading("List page cost by directory size");
        report.paragraph(
            "One page of 100 users (`count=100`) from in-process mocks of two sizes, \
             at 1 connection (latency is the cost of one page) and at 16.",
        );
        report.table(
            &["Users", "startIndex", "p50 ms (1 conn)", "p99 ms (1 conn)", "req/s (1 conn)", "req/s (16 conn)", "p99 ms (16 conn)"],
            &rows,
        );
        Ok(())
    }

    fn list_row(&self, mock: &SeededMock, users: usize, start_index: usize) -> anyhow::Result<Vec<String>> {
        let page = workload::list_page(start_index, 100);
        let single = self.rounds("mock", &mock.target, &page, 1)?;
        let many = self.rounds("mock", &mock.target, &page, 16)?;
        let single_latency = single.latency();
        Ok(vec![
            report::thousands(users as u64),
            report::thousands(start_index as u64),
            report::millis(single_latency.p50),
            report::millis(single_latency.p99),
            report::rate(single.throughput()),
            report::rate(many.throughput()),
            report::millis(many.latency().p99),
        ])
    }
}

fn throughput_row(operation: &str, server: &str, connections: usize, result: &CellResult, ratio: Option<f64>) -> Vec<String> {
    let columns = cell_columns(result);
    let mut row = vec![
        operation.to_owned(),
        server.to_owned(),
        connections.to_string(),
        columns[0].clone(),
        report::ratio(ratio),
    ];
    row.extend(columns[1..].iter().cloned());
    row
}
