//! Console output: a live progress line on a terminal (plain `PASS`/`FAIL`
//! lines otherwise), then the details of each failure, the failures grouped
//! by likely cause, and a one-line summary.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use super::diagnose::{diagnose, group_causes};
use crate::result::{Outcome, RunReport, ScenarioResult, StepResult};
use crate::runner::Observer;
use crate::snapshot::SnapshotOutcome;

/// Lines of a response body shown per failure.
const BODY_LINES: usize = 40;

/// Names of skipped checks listed per failure.
const NOT_CHECKED_SHOWN: usize = 6;

/// Prints progress as scenarios finish.
#[derive(Debug)]
pub struct Progress {
    live: bool,
    state: Mutex<ProgressState>,
}

#[derive(Debug, Default)]
struct ProgressState {
    total: usize,
    done: usize,
    failed: usize,
}

impl Progress {
    /// Creates a reporter; the live line is used when stderr is a terminal.
    pub fn new() -> Self {
        Progress {
            live: std::io::stderr().is_terminal(),
            state: Mutex::new(ProgressState::default()),
        }
    }

    /// Clears the live line, before the final report is printed.
    pub fn finish(&self) {
        if self.live {
            eprint!("\r\x1b[2K");
        }
    }
}

impl Default for Progress {
    fn default() -> Self {
        Self::new()
    }
}

impl Observer for Progress {
    fn started(&self, total: usize) {
        if let Ok(mut state) = self.state.lock() {
            state.total = total;
        }
    }

    fn finished(&self, result: &ScenarioResult) {
        let Ok(mut state) = self.state.lock() else { return };
        state.done += 1;
        if result.outcome == Outcome::Failed {
            state.failed += 1;
        }
        let label = match result.outcome {
            Outcome::Passed => "PASS",
            Outcome::Failed => "FAIL",
            Outcome::Interrupted => "STOP",
        };
        if self.live {
            let mut stderr = std::io::stderr().lock();
            if result.outcome != Outcome::Passed {
                let _ = writeln!(stderr, "\r\x1b[2K{label} {}", result.name);
            }
            let _ = write!(
                stderr,
                "\r\x1b[2K[{:>3}/{}] {} failed · {}",
                state.done, state.total, state.failed, result.name
            );
            let _ = stderr.flush();
        } else {
            println!("{label} {} ({} ms)", result.name, result.duration_ms);
        }
    }
}

/// Renders the details of one failed scenario.
pub fn render_failure(result: &ScenarioResult) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "FAIL {}  ({})", result.name, result.source);
    let _ = writeln!(text, "  rule: {}", result.rule);
    if let Some(step) = result.failed_step() {
        render_step(&mut text, result, step);
    } else if let Some(snapshot) = &result.snapshot {
        render_snapshot(&mut text, snapshot);
    }
    if let Some(diagnosis) = diagnose(result) {
        let _ = writeln!(text, "  likely fix: {}", diagnosis.fix);
    }
    for problem in &result.cleanup_problems {
        let _ = writeln!(text, "  cleanup: {problem}");
    }
    text
}

fn render_step(text: &mut String, result: &ScenarioResult, step: &StepResult) {
    let position = result.steps.iter().position(|candidate| std::ptr::eq(candidate, step)).unwrap_or(0);
    let repetition = step.repetition.map_or(String::new(), |n| format!(", repetition {n}"));
    let _ = writeln!(text, "  step {} {:?}{repetition} failed", position + 1, step.name);
    if let Some(request) = &step.request {
        let _ = writeln!(text, "  request:");
        let _ = writeln!(text, "    {} {}", request.method, request.url);
        for (name, value) in &request.headers {
            let _ = writeln!(text, "    {name}: {value}");
        }
        if let Some(body) = &request.body {
            let _ = writeln!(text, "    {body}");
        }
    }
    if let Some(error) = &step.error {
        let _ = writeln!(text, "  error: {error}");
    }
    if !step.failures.is_empty() {
        let _ = writeln!(text, "  expected vs got:");
        for failure in &step.failures {
            let _ = writeln!(text, "    {}: expected {}, got {}", failure.check, failure.expected, failure.actual);
            if let Some(diff) = &failure.diff {
                for line in diff.lines() {
                    let _ = writeln!(text, "      {line}");
                }
            }
        }
    }
    if !step.not_checked.is_empty() {
        let shown: Vec<&str> = step.not_checked.iter().take(NOT_CHECKED_SHOWN).map(String::as_str).collect();
        let more = step.not_checked.len() - shown.len();
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        let _ = writeln!(
            text,
            "    not checked, because the status differed: {}{more}",
            shown.join(", ")
        );
    }
    if let Some(response) = &step.response {
        let content_type = response
            .headers
            .iter()
            .find(|(name, _)| name == "content-type")
            .map_or("no content type", |(_, value)| value.as_str());
        let _ = writeln!(text, "  response: {} ({content_type})", response.status);
        if let Some(body) = &response.body {
            let pretty = match body {
                serde_json::Value::String(raw) => raw.clone(),
                other => serde_json::to_string_pretty(other).unwrap_or_else(|_| other.to_string()),
            };
            let lines: Vec<&str> = pretty.lines().collect();
            for line in lines.iter().take(BODY_LINES) {
                let _ = writeln!(text, "    {line}");
            }
            if lines.len() > BODY_LINES {
                let _ = writeln!(text, "    … {} more lines", lines.len() - BODY_LINES);
            }
        }
    }
}

fn render_snapshot(text: &mut String, snapshot: &SnapshotOutcome) {
    match snapshot {
        SnapshotOutcome::Drifted { path, diff, pending } => {
            let _ = writeln!(text, "  snapshot drift in {}:", path.display());
            for line in diff.lines() {
                let _ = writeln!(text, "    {line}");
            }
            if let Some(pending) = pending {
                let _ = writeln!(text, "  new snapshot written to {} for `cargo insta review`", pending.display());
            }
        }
        SnapshotOutcome::Missing { path, pending } => {
            let _ = writeln!(text, "  no snapshot at {}", path.display());
            if let Some(pending) = pending {
                let _ = writeln!(text, "  new snapshot written to {} for `cargo insta review`", pending.display());
            }
        }
        SnapshotOutcome::Error { message, .. } => {
            let _ = writeln!(text, "  snapshot error: {message}");
        }
        SnapshotOutcome::Matched { .. } | SnapshotOutcome::Written { .. } => {}
    }
}

/// Renders the full end-of-run report: failures, causes and the summary line.
pub fn render_report(report: &RunReport) -> String {
    render(report, false)
}

/// Renders the report like [`render_report`], and also names the scenarios
/// that do not apply to the profile.
pub fn render_verbose_report(report: &RunReport) -> String {
    render(report, true)
}

fn render(report: &RunReport, verbose: bool) -> String {
    let mut text = String::new();
    let failed: Vec<&ScenarioResult> = report
        .scenarios
        .iter()
        .filter(|result| result.outcome == Outcome::Failed)
        .collect();
    if !failed.is_empty() {
        let _ = writeln!(text, "\nFailures:\n");
        for result in &failed {
            text.push_str(&render_failure(result));
            text.push('\n');
        }
        let _ = writeln!(text, "Failures by likely cause:");
        for group in group_causes(&report.scenarios) {
            let _ = writeln!(text, "  {} ({} scenario(s)): {}", group.key, group.scenarios.len(), group.hint);
            for name in &group.scenarios {
                let _ = writeln!(text, "    - {name}");
            }
        }
        text.push('\n');
    }
    let leftovers: usize = report.scenarios.iter().map(|result| result.cleanup_problems.len()).sum();
    if leftovers > 0 {
        let _ = writeln!(
            text,
            "warning: {leftovers} cleanup problem(s). Leftover users and groups have names starting with {}",
            report.run_prefix
        );
    }
    render_sweep(&mut text, report);
    if report.interrupted {
        let _ = writeln!(text, "interrupted: no new scenarios were started after Ctrl-C, and cleanup ran");
    }
    if verbose && !report.not_applicable.is_empty() {
        let _ = writeln!(
            text,
            "not applicable to profile {}: {}",
            report.profile,
            report.not_applicable.join(", ")
        );
    }
    text.push_str(&summary_line(report));
    text.push('\n');
    text
}

fn render_sweep(text: &mut String, report: &RunReport) {
    let Some(sweep) = &report.sweep else { return };
    let _ = writeln!(
        text,
        "sweep: deleted {} leftover user(s) and group(s) named {}… that cleanup steps had not deleted",
        sweep.deleted, sweep.prefix
    );
    if !sweep.complete() {
        let _ = writeln!(
            text,
            "warning: the sweep for leftovers failed, so users and groups named {}… may remain:",
            sweep.prefix
        );
        for problem in &sweep.problems {
            let _ = writeln!(text, "  {problem}");
        }
    }
}

/// Returns the one-line summary, for example
/// `atlassian: 80 passed, 2 failed, 0 interrupted, 3 not applicable`.
pub fn summary_line(report: &RunReport) -> String {
    let seconds = report.duration_ms as f64 / 1000.0;
    format!(
        "{}: {} passed, {} failed, {} interrupted, {} not applicable ({} scenarios run against {}, run prefix {}, {seconds:.1} s)",
        report.profile,
        report.count(Outcome::Passed),
        report.count(Outcome::Failed),
        report.count(Outcome::Interrupted),
        report.not_applicable.len(),
        report.scenarios.len(),
        report.base_url,
        report.run_prefix,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::SentRequest;
    use crate::result::{CheckFailure, ResponseSummary};
    use crate::scenario::Profile;
    use serde_json::json;

    fn failed_result() -> ScenarioResult {
        ScenarioResult {
            name: "auth.wrong-key".to_owned(),
            rule: "a wrong key gets 403".to_owned(),
            tags: vec!["auth".to_owned()],
            source: "auth.toml".to_owned(),
            outcome: Outcome::Failed,
            steps: vec![StepResult {
                name: "list with a wrong key".to_owned(),
                repetition: None,
                passed: false,
                error: None,
                failures: vec![CheckFailure {
                    check: "status".to_owned(),
                    expected: "403".to_owned(),
                    actual: "401".to_owned(),
                    diff: None,
                }],
                not_checked: vec!["$.error".to_owned(), "$.traceId".to_owned()],
                endpoint: Some("GET /Users".to_owned()),
                auth: crate::client::Auth::WrongKey,
                request: Some(SentRequest {
                    method: "GET".to_owned(),
                    url: "http://127.0.0.1:1/Users".to_owned(),
                    headers: vec![("Authorization".to_owned(), "Bearer [a wrong key]".to_owned())],
                    body: None,
                }),
                response: Some(ResponseSummary {
                    status: 401,
                    headers: vec![("content-type".to_owned(), "application/json".to_owned())],
                    body: Some(json!({"error": "Unauthorized"})),
                }),
                fix: Some("answer 403 when the key is not this directory's".to_owned()),
            }],
            cleanup_problems: Vec::new(),
            snapshot: None,
            duration_ms: 3,
        }
    }

    #[test]
    fn failure_shows_request_expectation_response_and_fix() {
        let text = render_failure(&failed_result());
        assert!(text.contains("FAIL auth.wrong-key  (auth.toml)"), "{text}");
        assert!(text.contains("rule: a wrong key gets 403"), "{text}");
        assert!(text.contains("step 1 \"list with a wrong key\" failed"), "{text}");
        assert!(text.contains("GET http://127.0.0.1:1/Users"), "{text}");
        assert!(text.contains("Authorization: Bearer [a wrong key]"), "{text}");
        assert!(text.contains("status: expected 403, got 401"), "{text}");
        assert!(text.contains("response: 401 (application/json)"), "{text}");
        assert!(text.contains("\"error\": \"Unauthorized\""), "{text}");
        assert!(text.contains("likely fix: answer 403"), "{text}");
        assert!(
            text.contains("not checked, because the status differed: $.error, $.traceId\n"),
            "{text}"
        );
    }

    fn sweep(deleted: usize, problems: &[&str]) -> Option<crate::sweep::SweepReport> {
        Some(crate::sweep::SweepReport {
            prefix: "scimconf-abcdef-".to_owned(),
            deleted,
            problems: problems.iter().map(|problem| (*problem).to_owned()).collect(),
        })
    }

    fn report(sweep: Option<crate::sweep::SweepReport>) -> RunReport {
        RunReport {
            profile: Profile::Atlassian,
            base_url: "http://127.0.0.1:1".to_owned(),
            run_prefix: "scimconf-abcdef".to_owned(),
            scenarios: vec![failed_result()],
            not_applicable: vec!["x".to_owned(), "y".to_owned()],
            interrupted: false,
            sweep,
            duration_ms: 1500,
        }
    }

    #[test]
    fn sweep_counts_and_problems_are_shown() {
        let text = render_report(&report(sweep(2, &[])));
        assert!(text.contains("sweep: deleted 2 leftover user(s) and group(s) named scimconf-abcdef-…"), "{text}");
        assert!(!text.contains("warning: the sweep"), "{text}");

        let text = render_report(&report(sweep(0, &["GET /Users?startIndex=1&count=100 returned 500"])));
        assert!(text.contains("sweep: deleted 0 leftover"), "{text}");
        assert!(text.contains("warning: the sweep for leftovers failed"), "{text}");
        assert!(text.contains("  GET /Users?startIndex=1&count=100 returned 500"), "{text}");
    }

    #[test]
    fn verbose_report_names_not_applicable() {
        let quiet = render_report(&report(None));
        assert!(!quiet.contains("not applicable to profile"), "{quiet}");
        let verbose = render_verbose_report(&report(None));
        assert!(verbose.contains("not applicable to profile atlassian: x, y\n"), "{verbose}");
    }

    #[test]
    fn report_groups_and_summarises() {
        let text = render_report(&report(None));
        assert!(text.contains("Failures by likely cause:"), "{text}");
        assert!(
            text.contains("status 401 from GET /Users with a wrong key (1 scenario(s))"),
            "{text}"
        );
        assert!(
            text.trim_end().ends_with(
                "atlassian: 0 passed, 1 failed, 0 interrupted, 2 not applicable (1 scenarios run against http://127.0.0.1:1, run prefix scimconf-abcdef, 1.5 s)"
            ),
            "{text}"
        );
    }
}
