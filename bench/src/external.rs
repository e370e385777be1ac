//! The sections that run the release binaries as child processes: startup
//! time, resident memory, the cost of request logging, and the time of the
//! conformance suite and of the property cases.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context;
use serde_json::{json, Value};

use crate::inprocess::DOMAIN;
use crate::load::CellResult;
use crate::process::{self, Memory, MockProcess, TOKEN};
use crate::report::{self, Report};
use crate::workload;
use crate::Bench;

/// Maximum time one conformance command may run before it is killed.
const SUITE_TIMEOUT: Duration = Duration::from_secs(900);

impl Bench {
    /// Writes (once) and returns the seed of `users` users in `groups`
    /// groups, made by the mock's own `generate-seed`.
    fn generated_seed(&self, users: usize, groups: usize) -> anyhow::Result<PathBuf> {
        let path = self.args.work_dir.join(format!("seed-{users}-users-{groups}-groups.json"));
        self.client_runtime
            .block_on(process::generate_seed(&self.mock_binary, users, groups, path))
    }

    fn spawn_mock(&self, extra: &[OsString], stderr: Stdio) -> anyhow::Result<MockProcess> {
        let mut arguments = extra.to_vec();
        if !arguments.iter().any(|argument| argument == "--log") {
            arguments.extend(["--log".into(), "warn".into()]);
        }
        self.client_runtime
            .block_on(MockProcess::spawn(&self.mock_binary, &arguments, stderr))
    }

    /// Times the release binary from spawn to its ready line and to its
    /// first `200` response, without and with the 20,000-user seed.
    pub(crate) fn startup_section(&self, report: &mut Report) -> anyhow::Result<()> {
        let users = self.args.users;
        let seed = self.generated_seed(users, 20)?;
        eprintln!("startup: {} runs each", self.args.startup_runs);

        let mut rows = Vec::new();
        for (label, extra) in [
            ("no seed".to_owned(), Vec::new()),
            (
                format!("{} users, 20 groups", report::thousands(users as u64)),
                vec![OsString::from("--seed"), seed.clone().into_os_string()],
            ),
        ] {
            let mut ready = Vec::new();
            let mut first_response_times = Vec::new();
            for _ in 0..self.args.startup_runs {
                let mock = self.spawn_mock(&extra, Stdio::null())?;
                first_response_times.push(self.client_runtime.block_on(mock.wait_first_response())?);
                ready.push(mock.ready_after);
                self.client_runtime.block_on(mock.stop())?;
            }
            eprintln!("  {label}: first response after {} ms (median)", report::millis(report::median(&first_response_times)));
            rows.push(vec![
                label,
                report::millis(report::median(&ready)),
                report::millis(report::median(&first_response_times)),
                report::millis(first_response_times.iter().copied().min().unwrap_or_default()),
                report::millis(first_response_times.iter().copied().max().unwrap_or_default()),
            ]);
        }

        report.heading("Startup");
        report.paragraph(&format!(
            "`{} --port 0 --seed FILE --log warn`, seed written by `scim-mock generate-seed --users {users} --groups 20` \
             ({} bytes). Time from spawn to the ready line on standard output, and to the first `200` \
             response to `GET /Users?count=1` (polled every 0.2 ms); {} runs each.",
            self.mock_binary.display(),
            report::thousands(std::fs::metadata(&seed).map(|metadata| metadata.len()).unwrap_or(0)),
            self.args.startup_runs,
        ));
        report.table(
            &["Seed", "Ready line, median ms", "First response, median ms", "min ms", "max ms"],
            &rows,
        );
        Ok(())
    }

    /// Reads the resident memory of the release binary after loading seeds
    /// of several shapes.
    pub(crate) fn memory_section(&self, report: &mut Report) -> anyhow::Result<()> {
        let users = self.args.users;
        let dense_groups = 10;
        let cases = [
            ("no seed".to_owned(), None, 0, 0),
            (
                format!("{} users, 20 groups of {}", report::thousands(users as u64), report::thousands((users / 20) as u64)),
                Some(self.generated_seed(users, 20)?),
                users,
                users,
            ),
            (
                format!("{} users, 1 group of {}", report::thousands(users as u64), report::thousands(users as u64)),
                Some(self.generated_seed(users, 1)?),
                users,
                users,
            ),
            (
                format!("{} users, {dense_groups} groups of {} each", report::thousands(users as u64), report::thousands(users as u64)),
                Some(self.dense_group_seed(users, dense_groups)?),
                users,
                users * dense_groups,
            ),
        ];

        eprintln!("memory: {} seeds", cases.len());
        let mut measured: Vec<(String, usize, usize, Memory)> = Vec::new();
        for (label, seed, user_count, memberships) in cases {
            let extra = match &seed {
                Some(path) => vec![OsString::from("--seed"), path.clone().into_os_string()],
                None => Vec::new(),
            };
            let mock = self.spawn_mock(&extra, Stdio::null())?;
            self.client_runtime.block_on(mock.wait_first_response())?;

            // The mock copies its start state for reset on a background
            // thread after it starts serving, so the reading waits until
            // the resident size stops growing (by under 1% in 200 ms).
            let mut memory = mock.memory()?;
            for _ in 0..25 {
                std::thread::sleep(std::time::Duration::from_millis(200));
                let next = mock.memory()?;
                let settled = next.resident_bytes <= memory.resident_bytes + memory.resident_bytes / 100;
                memory = next;
                if settled {
                    break;
                }
            }
            self.client_runtime.block_on(mock.stop())?;
            eprintln!("  {label}: VmRSS {} MiB", report::mebibytes(memory.resident_bytes));
            measured.push((label, user_count, memberships, memory));
        }

        let empty = measured[0].3.resident_bytes;
        let typical = measured[1].3.resident_bytes;
        let typical_memberships = measured[1].2;
        let rows: Vec<Vec<String>> = measured
            .iter()
            .map(|(label, user_count, memberships, memory)| {
                let per_user = match *user_count {
                    0 => "-".to_owned(),
                    count => report::thousands(memory.resident_bytes.saturating_sub(empty) / count as u64),
                };
                let per_extra_membership = if *memberships > typical_memberships {
                    let extra = (*memberships - typical_memberships) as u64;
                    report::thousands(memory.resident_bytes.saturating_sub(typical) / extra)
                } else {
                    "-".to_owned()
                };
                vec![
                    label.clone(),
                    report::thousands(*memberships as u64),
                    report::mebibytes(memory.resident_bytes),
                    report::mebibytes(memory.peak_bytes),
                    per_user,
                    per_extra_membership,
                ]
            })
            .collect();

        report.heading("Resident memory");
        report.paragraph(
            "`VmRSS` and `VmHWM` (peak) of the release binary from `/proc/PID/status`, read once it \
             stops growing after the first `200` response (the copy of the start state for reset is made \
             in the background). Bytes per user: (VmRSS − VmRSS without a seed) / users, which includes \
             the user's account, indexes, group memberships and its share of the audit log. Generated users \
             have the typical shape of an identity provider's user: userName, externalId, name, displayName, \
             title, one email, one phone number and the enterprise extension. The seed of dense groups \
             is written by the bench (members given by userName).",
        );
        report.table(
            &["Seed", "Memberships", "VmRSS MiB", "VmHWM MiB", "Bytes per user", "Bytes per membership beyond the 20-group seed"],
            &rows,
        );
        Ok(())
    }

    /// Writes a seed of `users` generated users and `groups` groups that each
    /// have every user as a member.
    fn dense_group_seed(&self, users: usize, groups: usize) -> anyhow::Result<PathBuf> {
        let mut seed = scim_mock::seed::generate(users, 0, DOMAIN);
        let user_names: Vec<Value> = seed["users"]
            .as_array()
            .map(|list| list.iter().map(|user| user["userName"].clone()).collect())
            .unwrap_or_default();
        seed["groups"] = (0..groups)
            .map(|index| json!({"displayName": format!("dense-group-{index:02}"), "members": user_names}))
            .collect();
        let path = self.args.work_dir.join(format!("seed-{users}-users-{groups}-dense-groups.json"));
        std::fs::write(&path, serde_json::to_vec(&seed)?).with_context(|| format!("failed to write {}", path.display()))?;
        Ok(path)
    }

    /// Measures GET by id against the release binary with request logging
    /// at `warn` and at the default `info`, alternating rounds between two
    /// running processes.
    pub(crate) fn logging_section(&self, report: &mut Report) -> anyhow::Result<()> {
        let users = self.args.users;
        let seed = self.generated_seed(users, 20)?;
        let connections = 16;
        let levels = ["warn", "info"];
        eprintln!("logging cost: GET by id at {connections} connections");

        let mut mocks = Vec::new();
        for level in levels {
            let log_path = self.args.work_dir.join(format!("mock-log-{level}.log"));
            let log_file = std::fs::File::create(&log_path).with_context(|| format!("failed to create {}", log_path.display()))?;
            let extra = vec![
                OsString::from("--seed"),
                seed.clone().into_os_string(),
                OsString::from("--log"),
                OsString::from(level),
            ];
            let mock = self.spawn_mock(&extra, Stdio::from(log_file))?;
            self.client_runtime.block_on(mock.wait_first_response())?;
            let target = mock.target()?;
            let discovered = self.client_runtime.block_on(workload::discover_users(&target, users))?;
            let get = workload::get_by_id(&discovered);
            mocks.push((level, log_path, mock, target, get));
        }

        let mut totals = vec![CellResult::default(); mocks.len()];
        let mut ratios = Vec::new();
        for _ in 0..self.args.rounds {
            let mut rates = Vec::new();
            for (index, (level, _, _, target, get)) in mocks.iter().enumerate() {
                let result = self.cell(&format!("log={level}"), target, get, connections)?;
                rates.push(result.throughput());
                totals[index].merge(result);
            }
            if rates[0] > 0.0 {
                ratios.push(rates[1] / rates[0]);
            }
        }

        let mut rows = Vec::new();
        for (index, (level, log_path, mock, _, _)) in mocks.into_iter().enumerate() {
            self.client_runtime.block_on(mock.stop())?;
            let latency = totals[index].latency();
            let relative = if index == 0 { Some(1.0) } else { report::median_of(&ratios) };
            let log_bytes = std::fs::metadata(&log_path).map(|metadata| metadata.len()).unwrap_or(0);
            rows.push(vec![
                format!("`--log {level}`"),
                report::rate(totals[index].throughput()),
                report::ratio(relative),
                report::millis(latency.p50),
                report::millis(latency.p99),
                report::mebibytes(log_bytes),
            ]);
        }

        report.heading("Cost of request logging");
        report.paragraph(&format!(
            "GET user by id at {connections} connections against two release binaries with {} users each, \
             standard error written to a file; rounds alternate between them and the ratio is the median \
             over rounds. `info` is the binary's default and logs every request.",
            report::thousands(users as u64)
        ));
        report.table(&["Log level", "req/s", "Ratio to warn", "p50 ms", "p99 ms", "Log written, MiB"], &rows);
        Ok(())
    }

    /// Times `scim-conformance run` and `scim-conformance props --cases N`
    /// against fresh release mocks, where the binary has those subcommands.
    pub(crate) fn conformance_section(&self, report: &mut Report) -> anyhow::Result<()> {
        report.heading("Conformance suite and property cases");
        let Some(binary) = self.conformance_binary.as_deref() else {
            report.paragraph("Not run: no `scim-conformance` binary was found; build it with `cargo build --release -p scim-conformance`.");
            return Ok(());
        };

        let mut rows = Vec::new();
        let has_run = self.client_runtime.block_on(process::command_succeeds(binary, &["run", "--help"]));
        if has_run {
            rows.push(self.time_conformance(binary, "run", &[])?);
        } else {
            rows.push(not_available("scripted suite (`run`)", binary, "run"));
        }

        let has_props = self.client_runtime.block_on(process::command_succeeds(binary, &["props", "--help"]));
        if has_props {
            let cases = self.args.props_cases.to_string();
            let scenario_dir = self.args.work_dir.join("props-failures").into_os_string();
            let extra = [
                OsString::from("--cases"),
                OsString::from(cases),
                OsString::from("--seed"),
                OsString::from("1"),
                OsString::from("--scenario-dir"),
                scenario_dir,
            ];
            rows.push(self.time_conformance(binary, "props", &extra)?);
        } else {
            rows.push(not_available(&format!("{} property cases (`props`)", self.args.props_cases), binary, "props"));
        }

        report.paragraph(
            "Each command runs against a fresh release mock without a seed, logging at `warn`, \
             with the command's default options unless shown; output is in the log file named.",
        );
        report.table(&["Command", "Seconds", "Exit code", "Log"], &rows);
        Ok(())
    }

    fn time_conformance(&self, binary: &Path, subcommand: &str, extra: &[OsString]) -> anyhow::Result<Vec<String>> {
        let mock = self.spawn_mock(&[], Stdio::null())?;
        self.client_runtime.block_on(mock.wait_first_response())?;
        let mut arguments = vec![
            OsString::from(subcommand),
            OsString::from("--base-url"),
            OsString::from(&mock.base_url),
            OsString::from("--token"),
            OsString::from(TOKEN),
        ];
        arguments.extend(extra.iter().cloned());
        let log = self.args.work_dir.join(format!("conformance-{subcommand}.log"));
        eprintln!("conformance: {subcommand}, output in {}", log.display());
        let run = self
            .client_runtime
            .block_on(process::run_logged(binary, &arguments, log, SUITE_TIMEOUT))?;
        self.client_runtime.block_on(mock.stop())?;

        let mut command_line = vec!["scim-conformance".to_owned(), subcommand.to_owned()];
        command_line.extend(extra.iter().map(|argument| argument.to_string_lossy().into_owned()));
        Ok(vec![
            format!("`{}`", command_line.join(" ")),
            format!("{:.1}", run.elapsed.as_secs_f64()),
            run.exit_code
                .map_or_else(|| format!("killed after {} s", SUITE_TIMEOUT.as_secs()), |code| code.to_string()),
            format!("`{}`", run.log.display()),
        ])
    }
}

fn not_available(command: &str, binary: &Path, subcommand: &str) -> Vec<String> {
    vec![
        command.to_owned(),
        "-".to_owned(),
        "-".to_owned(),
        format!("not run: `{} {subcommand} --help` failed, so this build has no `{subcommand}` subcommand", binary.display()),
    ]
}
