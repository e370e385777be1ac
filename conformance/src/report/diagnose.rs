//! Likely root causes: a failed scenario's first failure, reduced to a key
//! that groups scenarios failing for the same reason, with a generic fix
//! when the scenario's author gave none.

use serde::Serialize;

use crate::result::{Outcome, ScenarioResult};
use crate::snapshot::SnapshotOutcome;

/// The likely cause of one failed scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// Groups scenarios that failed the same way, for example `status 404 where 201 expected`.
    pub key: String,
    /// The likely fix: the scenario author's, else [`Diagnosis::generic`].
    pub fix: String,
    /// The fix that follows from the kind of failure alone, shared by a group.
    pub generic: String,
}

/// Scenarios that share a likely cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CauseGroup {
    pub key: String,
    pub hint: String,
    pub scenarios: Vec<String>,
}

/// Diagnoses a failed scenario; `None` for passed and interrupted ones.
pub fn diagnose(result: &ScenarioResult) -> Option<Diagnosis> {
    if result.outcome != Outcome::Failed {
        return None;
    }
    let Some(step) = result.failed_step() else {
        return diagnose_snapshot(result);
    };
    let authored = step.fix.clone();

    if let Some(error) = &step.error {
        let (key, generic) = if error.contains("timed out") {
            (
                "requests time out",
                "the server did not respond in time: check that it is up, or raise --timeout",
            )
        } else if error.starts_with("cannot build the request") {
            (
                "scenario variable missing",
                "a variable the step needs was not set: fix the scenario file or the capture before it",
            )
        } else {
            (
                "server unreachable",
                "the request did not get a response: check --base-url and that the server is running",
            )
        };
        return Some(Diagnosis {
            key: key.to_owned(),
            fix: authored.unwrap_or_else(|| generic.to_owned()),
            generic: generic.to_owned(),
        });
    }

    let failure = step.failures.first()?;
    if failure.check == "status" {
        let got: u16 = failure.actual.parse().unwrap_or(0);
        let expected_success = failure.expected.contains('2');
        let generic = status_hint(got, expected_success);
        return Some(Diagnosis {
            key: format!("status {} where {} expected", failure.actual, failure.expected),
            fix: authored.unwrap_or_else(|| generic.to_owned()),
            generic: generic.to_owned(),
        });
    }
    let generic = if failure.check.starts_with("header") {
        "a response header differs from the rule: see the expected value above"
    } else if failure.check.starts_with("capture") {
        "the response lacks a value later steps need: the server may omit an attribute it must return"
    } else {
        "the response body differs from the rule at this path: see the expected and actual values above"
    };
    Some(Diagnosis {
        key: format!("{} differs", failure.check),
        fix: authored.unwrap_or_else(|| generic.to_owned()),
        generic: generic.to_owned(),
    })
}

fn diagnose_snapshot(result: &ScenarioResult) -> Option<Diagnosis> {
    let (key, fix) = match result.snapshot.as_ref()? {
        SnapshotOutcome::Drifted { .. } => (
            "snapshot drift",
            "a response changed since the snapshot was recorded: review it with `cargo insta review`, or rerun with --update-snapshots if the change is intended",
        ),
        SnapshotOutcome::Missing { .. } => (
            "snapshot missing",
            "no snapshot was recorded for this scenario: rerun with --update-snapshots and commit the new file",
        ),
        SnapshotOutcome::Error { .. } => (
            "snapshot file unreadable",
            "the snapshot file could not be read or written: check the path given to --snapshots",
        ),
        SnapshotOutcome::Matched { .. } | SnapshotOutcome::Written { .. } => return None,
    };
    Some(Diagnosis {
        key: key.to_owned(),
        fix: fix.to_owned(),
        generic: fix.to_owned(),
    })
}

fn status_hint(got: u16, expected_success: bool) -> &'static str {
    match got {
        401 | 403 => "the server rejected the credentials: check --token, and that the server reads `Authorization: Bearer <key>`",
        404 if expected_success => "the server does not serve this path or resource: check that --base-url ends at the SCIM root and that the endpoint is implemented",
        405 | 501 => "the server does not implement this method on this path",
        500..=599 => "the server failed on this request: its log should show the error",
        200..=299 => "the server accepted a request the rule says to reject: add that validation",
        400..=499 if expected_success => "the server rejected a request the rule says to accept: read the error detail in the response",
        400..=499 => "the server rejects the request, but for another reason than the rule: compare status and scimType",
        _ => "the status differs from the rule",
    }
}

/// Groups failed scenarios by likely cause, largest group first.
pub fn group_causes(results: &[ScenarioResult]) -> Vec<CauseGroup> {
    let mut groups: Vec<CauseGroup> = Vec::new();
    for result in results {
        let Some(diagnosis) = diagnose(result) else { continue };
        match groups.iter_mut().find(|group| group.key == diagnosis.key) {
            Some(group) => group.scenarios.push(result.name.clone()),
            None => groups.push(CauseGroup {
                key: diagnosis.key,
                hint: diagnosis.generic,
                scenarios: vec![result.name.clone()],
            }),
        }
    }
    groups.sort_by(|left, right| right.scenarios.len().cmp(&left.scenarios.len()).then(left.key.cmp(&right.key)));
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::{CheckFailure, StepResult};

    fn failed(name: &str, failure: CheckFailure, fix: Option<&str>) -> ScenarioResult {
        ScenarioResult {
            name: name.to_owned(),
            rule: "rule".to_owned(),
            tags: Vec::new(),
            source: "x.toml".to_owned(),
            outcome: Outcome::Failed,
            steps: vec![StepResult {
                name: "step".to_owned(),
                repetition: None,
                passed: false,
                error: None,
                failures: vec![failure],
                request: None,
                response: None,
                fix: fix.map(str::to_owned),
            }],
            cleanup_problems: Vec::new(),
            snapshot: None,
            duration_ms: 0,
        }
    }

    fn status(expected: &str, actual: &str) -> CheckFailure {
        CheckFailure {
            check: "status".to_owned(),
            expected: expected.to_owned(),
            actual: actual.to_owned(),
            diff: None,
        }
    }

    #[test]
    fn same_status_mismatch_groups_together() {
        let results = vec![
            failed("a", status("409", "201"), None),
            failed("b", status("409", "201"), None),
            failed("c", status("201", "500"), None),
        ];
        let groups = group_causes(&results);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].key, "status 201 where 409 expected");
        assert_eq!(groups[0].scenarios, vec!["a", "b"]);
        assert!(groups[0].hint.contains("accepted a request the rule says to reject"));
        assert!(groups[1].hint.contains("log"));
    }

    #[test]
    fn authored_fix_wins() {
        let result = failed("a", status("403", "401"), Some("return 403 for a wrong key"));
        assert_eq!(
            diagnose(&result).map(|diagnosis| diagnosis.fix),
            Some("return 403 for a wrong key".to_owned())
        );
    }

    #[test]
    fn passed_scenarios_have_no_cause() {
        let mut result = failed("a", status("200", "500"), None);
        result.outcome = Outcome::Passed;
        assert_eq!(diagnose(&result), None);
    }
}
