//! JUnit XML: one `<testsuite>` per run, one `<testcase>` per selected
//! scenario. Failed scenarios carry a `<failure>` with the console details.
//! Interrupted ones carry an `<error>`, because they were meant to run and
//! did not finish, and not-applicable ones are `<skipped>`.

use std::fmt::Write as _;

use super::console::render_failure;
use super::diagnose::diagnose;
use crate::result::{Outcome, RunReport};

/// Renders a run as JUnit XML.
pub fn render(report: &RunReport) -> String {
    let failures = report.count(Outcome::Failed);
    let errors = report.count(Outcome::Interrupted);
    let skipped = report.not_applicable.len();
    let tests = report.scenarios.len() + report.not_applicable.len();
    let seconds = |ms: u64| format!("{:.3}", ms as f64 / 1000.0);
    let suite = format!("scim-conformance.{}", report.profile);

    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"scim-conformance\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{}\">",
        seconds(report.duration_ms)
    );
    let _ = writeln!(
        xml,
        "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{}\">",
        escape(&suite),
        seconds(report.duration_ms)
    );
    let _ = writeln!(xml, "    <properties>");
    for (name, value) in [
        ("profile", report.profile.as_str()),
        ("base_url", report.base_url.as_str()),
        ("run_prefix", report.run_prefix.as_str()),
    ] {
        let _ = writeln!(xml, "      <property name=\"{name}\" value=\"{}\"/>", escape(value));
    }
    let _ = writeln!(xml, "    </properties>");

    for result in &report.scenarios {
        let classname = format!("{}.{}", report.profile, result.tags.first().map_or("untagged", String::as_str));
        let _ = write!(
            xml,
            "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" time=\"{}\"",
            escape(&result.name),
            escape(&classname),
            escape(&result.source),
            seconds(result.duration_ms)
        );
        match result.outcome {
            Outcome::Passed => xml.push_str("/>\n"),
            Outcome::Interrupted => {
                xml.push_str(
                    ">\n      <error message=\"interrupted by Ctrl-C before the scenario finished\" type=\"interrupted\"/>\n    </testcase>\n",
                );
            }
            Outcome::Failed => {
                let kind = diagnose(result).map_or_else(|| "failure".to_owned(), |diagnosis| diagnosis.key);
                let _ = write!(
                    xml,
                    ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
                    escape(&first_line(result)),
                    escape(&kind),
                    escape(&render_failure(result))
                );
            }
        }
    }
    for name in &report.not_applicable {
        let _ = writeln!(
            xml,
            "    <testcase name=\"{}\" classname=\"{}.not-applicable\">\n      <skipped message=\"does not apply to profile {}\"/>\n    </testcase>",
            escape(name),
            report.profile,
            report.profile
        );
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

fn first_line(result: &crate::result::ScenarioResult) -> String {
    match result.failed_step() {
        Some(step) => {
            let detail = step.error.clone().or_else(|| {
                step.failures
                    .first()
                    .map(|failure| format!("{}: expected {}, got {}", failure.check, failure.expected, failure.actual))
            });
            format!("step {:?}: {}", step.name, detail.unwrap_or_default())
        }
        None => "snapshot check failed".to_owned(),
    }
}

/// Escapes text for XML attributes and content, dropping characters XML 1.0 forbids.
fn escape(text: &str) -> String {
    let mut output = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => output.push_str("&amp;"),
            '<' => output.push_str("&lt;"),
            '>' => output.push_str("&gt;"),
            '"' => output.push_str("&quot;"),
            '\'' => output.push_str("&apos;"),
            '\t' | '\n' | '\r' => output.push(character),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => output.push('\u{FFFD}'),
            c => output.push(c),
        }
    }
    output
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::{CheckFailure, ScenarioResult, StepResult};
    use crate::scenario::Profile;

    fn report() -> RunReport {
        let failed = ScenarioResult {
            name: "filters.<co>".to_owned(),
            rule: "r".to_owned(),
            tags: vec!["filters".to_owned()],
            source: "filters.toml".to_owned(),
            outcome: Outcome::Failed,
            steps: vec![StepResult {
                name: "s".to_owned(),
                repetition: None,
                passed: false,
                error: None,
                failures: vec![CheckFailure {
                    check: "$.detail".to_owned(),
                    expected: "\"a & b\"".to_owned(),
                    actual: "\u{1}".to_owned(),
                    diff: None,
                }],
                not_checked: Vec::new(),
                request: None,
                endpoint: None,
                auth: crate::client::Auth::Bearer,
                response: None,
                fix: None,
            }],
            cleanup_problems: Vec::new(),
            snapshot: None,
            duration_ms: 12,
        };
        let mut passed = failed.clone();
        passed.name = "users.ok".to_owned();
        passed.outcome = Outcome::Passed;
        RunReport {
            profile: Profile::Rfc7644,
            base_url: "http://127.0.0.1:1".to_owned(),
            run_prefix: "scimconf-1".to_owned(),
            scenarios: vec![failed, passed],
            not_applicable: vec!["groups.site".to_owned()],
            interrupted: false,
            sweep: None,
            duration_ms: 40,
        }
    }

    #[test]
    fn interrupted_scenarios_are_errors() {
        let mut report = report();
        let mut stopped = report.scenarios[1].clone();
        stopped.name = "users.stopped".to_owned();
        stopped.outcome = Outcome::Interrupted;
        report.scenarios.push(stopped);
        report.interrupted = true;

        let xml = render(&report);

        assert!(xml.contains("tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"1\""), "{xml}");
        assert!(
            xml.contains("<error message=\"interrupted by Ctrl-C before the scenario finished\" type=\"interrupted\"/>"),
            "{xml}"
        );
        assert_eq!(xml.matches("<skipped ").count(), 1, "only the not-applicable scenario is skipped");
    }

    #[test]
    fn counts_and_escapes() {
        let xml = render(&report());
        assert!(xml.contains("tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""), "{xml}");
        assert!(xml.contains("name=\"filters.&lt;co&gt;\""), "{xml}");
        assert!(xml.contains("expected &quot;a &amp; b&quot;"), "{xml}");
        assert!(!xml.contains('\u{1}'), "control characters are dropped");
        assert!(xml.contains("<testcase name=\"users.ok\" classname=\"rfc7644.filters\""), "{xml}");
        assert!(xml.contains("<skipped message=\"does not apply to profile rfc7644\"/>"), "{xml}");
    }

    #[test]
    fn elements_are_balanced() {
        let xml = render(&report());
        assert_eq!(xml.matches("<testcase ").count(), 3);
        assert_eq!(xml.matches("</testcase>").count(), 2, "the failed and the not-applicable cases have children");
        assert_eq!(xml.matches("<testsuite ").count(), 1);
        assert_eq!(xml.matches("</testsuite>").count(), 1);
        assert!(xml.trim_end().ends_with("</testsuites>"));
    }
}
