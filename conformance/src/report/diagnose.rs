//! Likely root causes: a failed scenario's first failure, reduced to a key
//! that groups scenarios failing for the same reason, with a generic fix
//! when the scenario's author gave none.

use serde::Serialize;

use crate::client::Auth;
use crate::result::{Outcome, ScenarioResult};
use crate::snapshot::SnapshotOutcome;

/// The likely cause of one failed scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// Groups scenarios that failed the same way, for example `status 404 from POST /Users`.
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
        let got: Option<u16> = failure.actual.parse().ok();
        let expected = parse_statuses(&failure.expected);
        let endpoint = step.endpoint.as_deref().unwrap_or("this endpoint");
        let generic = status_hint(got, &expected, &failure.expected, &step.auth);
        let key = status_key(&failure.actual, got, &expected, endpoint, &step.auth);
        return Some(Diagnosis {
            key,
            fix: authored.unwrap_or_else(|| generic.clone()),
            generic,
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

/// Reads the status codes out of a status check's `expected` text, such as
/// `201` or `one of 200, 204`.
fn parse_statuses(expected: &str) -> Vec<u16> {
    expected
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|token| token.parse().ok())
        .filter(|status| (100..=599).contains(status))
        .collect()
}

fn is_auth_status(status: u16) -> bool {
    status == 401 || status == 403
}

/// Builds the grouping key of a status failure.
///
/// A 401 to the run's own key has one cause for the whole run, so it groups
/// across endpoints. Other statuses group by status and endpoint kind,
/// whatever each scenario expected, and a step that sends other credentials
/// on purpose names them, because its cause differs.
fn status_key(actual: &str, got: Option<u16>, expected: &[u16], endpoint: &str, auth: &Auth) -> String {
    let key_rejected = got == Some(401) && auth.is_bearer() && !expected.iter().copied().any(is_auth_status);
    if key_rejected {
        return "status 401 to requests with the run's key".to_owned();
    }
    if auth.is_bearer() {
        format!("status {actual} from {endpoint}")
    } else {
        format!("status {actual} from {endpoint} with {}", auth.describe())
    }
}

/// Suggests a fix from the status classes of what came back and what the
/// rule expects, and from the credentials the step sent.
fn status_hint(got: Option<u16>, expected: &[u16], expected_text: &str, auth: &Auth) -> String {
    let Some(got) = got else {
        return "the status differs from the rule".to_owned();
    };
    let success_expected = expected.iter().any(|status| (200..300).contains(status));
    let auth_expected = expected.iter().copied().any(is_auth_status);
    let hint = match got {
        401 | 403 if !auth.is_bearer() => {
            return format!(
                "this step sends {} on purpose, and the server rejected it with {got} where the rule expects {expected_text}: \
                 check which of 401 and 403 the rule names for these credentials",
                auth.describe()
            );
        }
        200..=299 if !auth.is_bearer() => {
            return format!(
                "the server accepted a request sent with {}: it must check the key on every request",
                auth.describe()
            );
        }
        401 if !auth_expected => {
            "the server rejected the run's key: check --token, and that the server reads `Authorization: Bearer <key>`"
        }
        403 if success_expected => {
            "the server refused the operation although it accepted the key for the check before the run: \
             the directory may be at its user limit, or the key may lack a permission. Read the error detail in the response"
        }
        404 if success_expected => {
            "the server does not serve this path or resource: check that --base-url ends at the SCIM root and that the endpoint is implemented"
        }
        405 | 501 => "the server does not implement this method on this path",
        300..=399 => {
            "the server redirected the request, which the harness does not follow: pass the final SCIM root as --base-url"
        }
        500..=599 => "the server failed on this request: its log should show the error",
        200..=299 if success_expected => {
            "the request succeeded, but with another success status than the rule names, such as 200 in place of 201 or 204"
        }
        200..=299 => "the server accepted a request the rule says to reject: add that validation",
        400..=499 if success_expected => {
            "the server rejected a request the rule says to accept: read the error detail in the response"
        }
        400..=499 => {
            "the server rejects the request, but with another status than the rule names: compare the status and scimType with the rule"
        }
        _ => "the status differs from the rule",
    };
    hint.to_owned()
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

/// Groups failed scenarios by likely cause, largest group first.
///
/// Scenarios in one group may expect different statuses, and so have
/// different hints. The group's hint then lists each different one.
pub fn group_causes(results: &[ScenarioResult]) -> Vec<CauseGroup> {
    let mut groups: Vec<(CauseGroup, Vec<String>)> = Vec::new();
    for result in results {
        let Some(diagnosis) = diagnose(result) else { continue };
        match groups.iter_mut().find(|(group, _)| group.key == diagnosis.key) {
            Some((group, hints)) => {
                group.scenarios.push(result.name.clone());
                if !hints.contains(&diagnosis.generic) {
                    hints.push(diagnosis.generic);
                }
            }
            None => groups.push((
                CauseGroup {
                    key: diagnosis.key,
                    hint: String::new(),
                    scenarios: vec![result.name.clone()],
                },
                vec![diagnosis.generic],
            )),
        }
    }
    let mut groups: Vec<CauseGroup> = groups
        .into_iter()
        .map(|(mut group, hints)| {
            group.hint = match hints.as_slice() {
                [only] => only.clone(),
                several => format!(
                    "these scenarios expect different statuses here, so read each failure above. The hints are: {}",
                    several
                        .iter()
                        .enumerate()
                        .map(|(index, hint)| format!("({}) {hint}.", index + 1))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            };
            group
        })
        .collect();
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
                not_checked: Vec::new(),
                request: None,
                endpoint: Some("POST /Users".to_owned()),
                auth: Auth::Bearer,
                response: None,
                fix: fix.map(str::to_owned),
            }],
            cleanup_problems: Vec::new(),
            snapshot: None,
            duration_ms: 0,
        }
    }

    fn at(mut result: ScenarioResult, endpoint: &str, auth: Auth) -> ScenarioResult {
        result.steps[0].endpoint = Some(endpoint.to_owned());
        result.steps[0].auth = auth;
        result
    }

    fn status(expected: &str, actual: &str) -> CheckFailure {
        CheckFailure {
            check: "status".to_owned(),
            expected: expected.to_owned(),
            actual: actual.to_owned(),
            diff: None,
        }
    }

    fn hint(expected: &str, actual: &str, auth: Auth) -> String {
        let result = at(failed("a", status(expected, actual), None), "POST /Users", auth);
        diagnose(&result).expect("a failed scenario has a cause").generic
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
        assert_eq!(groups[0].key, "status 201 from POST /Users");
        assert_eq!(groups[0].scenarios, vec!["a", "b"]);
        assert!(groups[0].hint.contains("accepted a request the rule says to reject"));
        assert!(groups[1].hint.contains("log"));
    }

    #[test]
    fn one_status_on_one_endpoint_is_one_group() {
        let results = vec![
            failed("a", status("201", "503"), None),
            failed("b", status("409", "503"), None),
            failed("c", status("one of 200, 204", "503"), None),
            at(failed("d", status("200", "503"), None), "GET /Groups/{id}", Auth::Bearer),
        ];
        let groups = group_causes(&results);
        assert_eq!(groups.len(), 2, "{groups:#?}");
        assert_eq!(groups[0].key, "status 503 from POST /Users");
        assert_eq!(groups[0].scenarios, vec!["a", "b", "c"]);
        assert_eq!(groups[1].key, "status 503 from GET /Groups/{id}");
    }

    #[test]
    fn group_with_different_hints_lists_each() {
        let results = vec![
            failed("a", status("201", "400"), None),
            failed("b", status("409", "400"), None),
        ];
        let groups = group_causes(&results);
        assert_eq!(groups.len(), 1);
        assert!(groups[0].hint.contains("(1) the server rejected a request the rule says to accept"), "{}", groups[0].hint);
        assert!(groups[0].hint.contains("(2) the server rejects the request, but with another status"), "{}", groups[0].hint);
    }

    #[test]
    fn expected_client_error_is_not_success() {
        // 412 and 422 contain the digit 2 but are client errors.
        assert!(hint("412", "404", Auth::Bearer).contains("another status than the rule names"));
        assert!(hint("422", "400", Auth::Bearer).contains("another status than the rule names"));
        assert!(hint("201", "404", Auth::Bearer).contains("does not serve this path"));
        assert!(hint("201", "400", Auth::Bearer).contains("rejected a request the rule says to accept"));
    }

    #[test]
    fn success_with_other_success_status() {
        assert!(hint("201", "200", Auth::Bearer).contains("another success status"));
        assert!(hint("one of 200, 204", "201", Auth::Bearer).contains("another success status"));
    }

    #[test]
    fn run_key_401_hint_names_token() {
        assert!(hint("201", "401", Auth::Bearer).contains("check --token"));
        assert!(!hint("403", "401", Auth::Bearer).contains("--token"));
        let limit = hint("201", "403", Auth::Bearer);
        assert!(!limit.contains("--token"), "{limit}");
        assert!(limit.contains("user limit"), "{limit}");
    }

    #[test]
    fn deliberate_credentials_are_not_a_token_problem() {
        let wrong_key = hint("403", "401", Auth::WrongKey);
        assert!(!wrong_key.contains("--token"), "{wrong_key}");
        assert!(wrong_key.contains("sends a wrong key on purpose"), "{wrong_key}");
        let accepted = hint("401", "200", Auth::None);
        assert!(accepted.contains("accepted a request sent with no Authorization header"), "{accepted}");
    }

    #[test]
    fn run_key_401_groups_across_endpoints() {
        let results = vec![
            failed("a", status("201", "401"), None),
            at(failed("b", status("200", "401"), None), "GET /Groups", Auth::Bearer),
            at(failed("c", status("403", "401"), None), "GET /Users", Auth::WrongKey),
        ];
        let groups = group_causes(&results);
        assert_eq!(groups.len(), 2, "{groups:#?}");
        assert_eq!(groups[0].key, "status 401 to requests with the run's key");
        assert_eq!(groups[0].scenarios, vec!["a", "b"]);
        assert_eq!(groups[1].key, "status 401 from GET /Users with a wrong key");
    }

    #[test]
    fn parse_statuses_reads_lists() {
        assert_eq!(parse_statuses("201"), vec![201]);
        assert_eq!(parse_statuses("one of 200, 204"), vec![200, 204]);
        assert_eq!(parse_statuses("no status"), Vec::<u16>::new());
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
