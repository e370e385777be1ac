//! Run reports: per-transition counts, the outcome of each property, and
//! their JSON, JUnit XML and text renderings.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use std::sync::Mutex;

use serde::Serialize;

use super::transitions::Op;
use crate::sweep::SweepReport;

/// How many times each transition (and each PATCH operation kind) ran.
///
/// Counts include reruns while shrinking a failure.
#[derive(Debug, Default)]
pub struct TransitionStats {
    counts: Mutex<BTreeMap<&'static str, u64>>,
    outcomes: Mutex<BTreeMap<String, u64>>,
}

impl TransitionStats {
    /// Counts one transition and the PATCH operations inside it.
    pub fn record(&self, op: &Op) {
        let mut counts = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *counts.entry(op.label()).or_default() += 1;
        for label in op.sub_labels() {
            *counts.entry(label).or_default() += 1;
        }
    }

    /// Counts the status the model predicted for one transition, under
    /// `<label> -> <status>`, so a report shows which outcomes ran.
    pub fn record_outcome(&self, op: &Op, status: u16) {
        let mut outcomes = self.outcomes.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *outcomes.entry(format!("{} -> {status}", op.label())).or_default() += 1;
    }

    /// Returns a copy of the outcome counts, sorted by label and status.
    pub fn outcome_snapshot(&self) -> BTreeMap<String, u64> {
        self.outcomes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Counts one labelled event, such as a concurrency race.
    pub fn record_label(&self, label: &'static str) {
        let mut counts = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *counts.entry(label).or_default() += 1;
    }

    /// Returns a copy of the counts, sorted by label.
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        let counts = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        counts
            .iter()
            .map(|(label, count)| ((*label).to_owned(), *count))
            .collect()
    }
}

/// A property failure after shrinking.
#[derive(Debug, Clone, Serialize)]
pub struct FailureReport {
    /// Identifier of the broken rule.
    pub rule: String,
    /// The full failure message: rule, request, expected, got, likely fix.
    pub message: String,
    /// The shrunk sequence, one request per line in HTTP terms.
    pub minimal_sequence: Vec<String>,
    /// Scenario file written for the shrunk sequence, if any.
    pub scenario_file: Option<String>,
    /// The `scim-conformance run` command that replays `scenario_file`, with
    /// `KEY` in place of the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay_command: Option<String>,
    /// The reason no scenario file was written, when none was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_scenario_reason: Option<String>,
}

/// Outcome of one property.
#[derive(Debug, Clone, Serialize)]
pub struct PropertyReport {
    pub name: String,
    pub cases_requested: u32,
    /// Generated cases that passed before the first failure (or all of them).
    pub cases_passed: u32,
    /// Reruns of smaller sequences while shrinking a failure.
    pub shrink_runs: u32,
    pub elapsed_seconds: f64,
    pub failure: Option<FailureReport>,
    /// Set when proptest gave up without a verdict (for example, too many
    /// generated cases were rejected).
    pub aborted: Option<String>,
    /// Ctrl-C stopped the property before all its cases ran.
    pub interrupted: bool,
}

impl PropertyReport {
    /// Tells whether the property held in every requested case.
    pub fn passed(&self) -> bool {
        self.failure.is_none() && self.aborted.is_none() && !self.interrupted
    }
}

/// Outcome of a whole `props` run.
#[derive(Debug, Clone, Serialize)]
pub struct PropsReport {
    /// Seed that reproduces the run with `--seed`.
    pub seed: u64,
    /// Prefix of every name the run created.
    pub prefix: String,
    pub base_url: String,
    pub properties: Vec<PropertyReport>,
    /// Executions per transition label, including shrinking reruns.
    pub transition_counts: BTreeMap<String, u64>,
    /// Executions per transition label and predicted status, such as
    /// `create_user -> 409`.
    pub outcome_counts: BTreeMap<String, u64>,
    /// Ctrl-C stopped the run, so the properties list only what ran before it.
    pub interrupted: bool,
    /// The final deletion of everything named with the prefix.
    pub sweep: Option<SweepReport>,
    pub elapsed_seconds: f64,
}

impl PropsReport {
    /// Tells whether every property held.
    pub fn passed(&self) -> bool {
        self.properties.iter().all(PropertyReport::passed)
    }

    /// Returns generated cases per second over the whole run, shrinking included.
    pub fn cases_per_second(&self) -> f64 {
        let cases: u32 = self
            .properties
            .iter()
            .map(|p| p.cases_passed + p.shrink_runs + u32::from(p.failure.is_some()))
            .sum();
        if self.elapsed_seconds > 0.0 {
            f64::from(cases) / self.elapsed_seconds
        } else {
            0.0
        }
    }

    /// Renders the report as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|error| format!("{{\"error\":\"{error}\"}}"))
    }

    /// Renders the report as a JUnit XML test suite, one test case per property.
    pub fn to_junit(&self) -> String {
        let failures = self.properties.iter().filter(|p| p.failure.is_some()).count();
        let errors = self
            .properties
            .iter()
            .filter(|p| p.failure.is_none() && (p.aborted.is_some() || p.interrupted))
            .count();
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            xml,
            "<testsuite name=\"scim-conformance props (seed {})\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3}\">",
            self.seed,
            self.properties.len(),
            failures,
            errors,
            self.elapsed_seconds
        );
        for property in &self.properties {
            let _ = write!(
                xml,
                "  <testcase classname=\"props\" name=\"{}\" time=\"{:.3}\"",
                escape_xml(&property.name),
                property.elapsed_seconds
            );
            match (&property.failure, &property.aborted) {
                (None, None) if property.interrupted => {
                    let _ = writeln!(xml, ">");
                    let _ = writeln!(
                        xml,
                        "    <error message=\"interrupted by Ctrl-C after {} of {} cases\" type=\"interrupted\"/>",
                        property.cases_passed, property.cases_requested
                    );
                    let _ = writeln!(xml, "  </testcase>");
                }
                (Some(failure), _) => {
                    let _ = writeln!(xml, ">");
                    let mut text = failure.message.clone();
                    text.push_str("\nminimal sequence:\n");
                    for line in &failure.minimal_sequence {
                        text.push_str(line);
                        text.push('\n');
                    }
                    let _ = writeln!(
                        xml,
                        "    <failure message=\"rule {} broken (seed {})\">{}</failure>",
                        escape_xml(&failure.rule),
                        self.seed,
                        escape_xml(&text)
                    );
                    let _ = writeln!(xml, "  </testcase>");
                }
                (None, Some(reason)) => {
                    let _ = writeln!(xml, ">");
                    let _ = writeln!(xml, "    <error message=\"aborted\">{}</error>", escape_xml(reason));
                    let _ = writeln!(xml, "  </testcase>");
                }
                (None, None) => {
                    let _ = writeln!(xml, "/>");
                }
            }
        }
        let _ = writeln!(xml, "  <system-out>{}</system-out>", escape_xml(&self.counts_text()));
        xml.push_str("</testsuite>\n");
        xml
    }

    fn counts_text(&self) -> String {
        let mut text = String::new();
        for (label, count) in &self.transition_counts {
            let _ = writeln!(text, "  {label:<40} {count:>7}");
        }
        text
    }

    fn outcomes_text(&self) -> String {
        let mut text = String::new();
        for (label, count) in &self.outcome_counts {
            let _ = writeln!(text, "  {label:<40} {count:>7}");
        }
        text
    }

    /// Renders a summary for a terminal.
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        let _ = writeln!(
            text,
            "props run against {} (seed {}, prefix {})",
            self.base_url, self.seed, self.prefix
        );
        let _ = writeln!(text, "transitions executed (shrinking reruns included):");
        text.push_str(&self.counts_text());
        let _ = writeln!(text, "predicted outcomes (transition -> status):");
        text.push_str(&self.outcomes_text());
        for property in &self.properties {
            property_text(&mut text, property, self.seed);
        }
        if let Some(sweep) = &self.sweep {
            let _ = writeln!(
                text,
                "sweep: deleted {} leftover user(s) and group(s) named {}… that the cases had not deleted",
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
        if self.interrupted {
            let _ = writeln!(
                text,
                "interrupted by Ctrl-C: no new case started, and the running case's resources were deleted with everything named {}…",
                self.prefix
            );
        }
        let _ = writeln!(
            text,
            "{:.2} cases per second over {:.1} s",
            self.cases_per_second(),
            self.elapsed_seconds
        );
        text
    }
}

fn property_text(text: &mut String, property: &PropertyReport, seed: u64) {
    let verdict = if property.passed() {
        "passed"
    } else if property.failure.is_none() && property.aborted.is_none() {
        "INTERRUPTED"
    } else {
        "FAILED"
    };
    let _ = writeln!(
        text,
        "property {}: {verdict} ({} of {} cases passed, {} shrink runs, {:.1} s)",
        property.name, property.cases_passed, property.cases_requested, property.shrink_runs, property.elapsed_seconds
    );
    if let Some(failure) = &property.failure {
        let _ = writeln!(text, "{}", failure.message);
        let _ = writeln!(
            text,
            "shrunk to {} step(s), which --seed {seed} generates again:",
            failure.minimal_sequence.len()
        );
        for line in &failure.minimal_sequence {
            let _ = writeln!(text, "  {line}");
        }
        if let Some(file) = &failure.scenario_file {
            let _ = writeln!(text, "scenario written to {file}");
        }
        if let Some(command) = &failure.replay_command {
            let _ = writeln!(text, "replay it with your key in place of KEY:\n  {command}");
        }
        if let Some(reason) = &failure.no_scenario_reason {
            let _ = writeln!(text, "no scenario file written: {reason}");
        }
    }
    if let Some(reason) = &property.aborted {
        let _ = writeln!(text, "aborted: {reason}");
    }
}

/// Escapes text for an XML attribute or element.
fn escape_xml(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' && c != '\r' => {}
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(failure: Option<FailureReport>, interrupted: bool) -> PropsReport {
        PropsReport {
            seed: 7,
            prefix: "pt-abc123-".to_owned(),
            base_url: "http://127.0.0.1:1/scim".to_owned(),
            properties: vec![PropertyReport {
                name: "concurrent clients".to_owned(),
                cases_requested: 8,
                cases_passed: 3,
                shrink_runs: 0,
                elapsed_seconds: 0.5,
                failure,
                aborted: None,
                interrupted,
            }],
            transition_counts: BTreeMap::new(),
            outcome_counts: BTreeMap::new(),
            interrupted,
            sweep: Some(SweepReport {
                prefix: "pt-abc123-".to_owned(),
                deleted: 1,
                problems: Vec::new(),
            }),
            elapsed_seconds: 1.0,
        }
    }

    #[test]
    fn text_says_why_no_scenario_was_written() {
        let failure = FailureReport {
            rule: "race-one-winner".to_owned(),
            message: "rule `race-one-winner` broken".to_owned(),
            minimal_sequence: vec!["2 concurrent clients: …".to_owned()],
            scenario_file: None,
            replay_command: None,
            no_scenario_reason: Some("a race sends its requests at the same time".to_owned()),
        };
        let text = report(Some(failure), false).to_text();
        assert!(text.contains("property concurrent clients: FAILED"), "{text}");
        assert!(
            text.contains("shrunk to 1 step(s), which --seed 7 generates again:\n  2 concurrent clients"),
            "{text}"
        );
        assert!(
            text.contains("no scenario file written: a race sends its requests at the same time"),
            "{text}"
        );
        assert!(
            text.contains("sweep: deleted 1 leftover user(s) and group(s) named pt-abc123-…"),
            "{text}"
        );
    }

    #[test]
    fn text_shows_replay_command() {
        let failure = FailureReport {
            rule: "paging".to_owned(),
            message: "rule `paging` broken".to_owned(),
            minimal_sequence: vec!["1. GET /Users?startIndex=0".to_owned()],
            scenario_file: Some("target/props-failures/props.seed-7.paging.toml".to_owned()),
            replay_command: Some("scim-conformance run --scenarios target/props-failures --scenario props.seed-7.paging --base-url URL --token KEY".to_owned()),
            no_scenario_reason: None,
        };
        let text = report(Some(failure), false).to_text();
        assert!(
            text.contains("scenario written to target/props-failures/props.seed-7.paging.toml"),
            "{text}"
        );
        assert!(
            text.contains(
                "replay it with your key in place of KEY:\n  scim-conformance run --scenarios target/props-failures"
            ),
            "{text}"
        );
        assert!(!text.contains("no scenario file written"), "{text}");
    }

    #[test]
    fn interrupted_run_is_not_passed() {
        let report = report(None, true);
        assert!(!report.passed());
        let text = report.to_text();
        assert!(
            text.contains("property concurrent clients: INTERRUPTED (3 of 8 cases passed"),
            "{text}"
        );
        assert!(text.contains("interrupted by Ctrl-C: no new case started"), "{text}");
        let xml = report.to_junit();
        assert!(xml.contains("failures=\"0\" errors=\"1\""), "{xml}");
        assert!(
            xml.contains("<error message=\"interrupted by Ctrl-C after 3 of 8 cases\" type=\"interrupted\"/>"),
            "{xml}"
        );
    }

    #[test]
    fn escape_xml_handles_markup_and_controls() {
        assert_eq!(escape_xml("a<b>&\"'\u{1}"), "a&lt;b&gt;&amp;&quot;&apos;");
    }
}
