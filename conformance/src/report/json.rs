//! The JSON report: counts, causes and every scenario's result, for tools.
//!
//! A failed check's `expected` and `actual` are the display strings the
//! console prints, such as `true (boolean)`, not JSON values, because a
//! matcher such as `min_len` has no single expected value.

use serde::Serialize;

use super::diagnose::{group_causes, CauseGroup};
use crate::result::{Outcome, RunReport};

/// Version of the report's shape; bumped when a field changes meaning or goes away.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
struct Summary {
    passed: usize,
    failed: usize,
    interrupted: usize,
    not_applicable: usize,
    success: bool,
}

#[derive(Debug, Serialize)]
struct JsonReport<'a> {
    format_version: u32,
    tool: &'static str,
    summary: Summary,
    causes: Vec<CauseGroup>,
    #[serde(flatten)]
    run: &'a RunReport,
}

/// Renders a run as pretty-printed JSON.
pub fn render(report: &RunReport) -> String {
    let document = JsonReport {
        format_version: FORMAT_VERSION,
        tool: concat!("scim-conformance ", env!("CARGO_PKG_VERSION")),
        summary: Summary {
            passed: report.count(Outcome::Passed),
            failed: report.count(Outcome::Failed),
            interrupted: report.count(Outcome::Interrupted),
            not_applicable: report.not_applicable.len(),
            success: report.success(),
        },
        causes: group_causes(&report.scenarios),
        run: report,
    };
    serde_json::to_string_pretty(&document).unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Profile;

    #[test]
    fn empty_run_renders_counts() {
        let report = RunReport {
            profile: Profile::Atlassian,
            base_url: "http://127.0.0.1:1".to_owned(),
            run_prefix: "scimconf-1".to_owned(),
            scenarios: Vec::new(),
            not_applicable: vec!["a".to_owned()],
            interrupted: false,
            sweep: None,
            duration_ms: 0,
        };
        let value: serde_json::Value = serde_json::from_str(&render(&report)).expect("valid JSON");
        assert_eq!(value["format_version"], 1);
        assert_eq!(value["summary"]["not_applicable"], 1);
        assert_eq!(value["summary"]["success"], true);
        assert_eq!(value["profile"], "atlassian");
        assert_eq!(value["not_applicable"][0], "a");
    }
}
