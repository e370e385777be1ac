//! Running one scenario: steps in order, then cleanup, then the snapshot.
//!
//! A step that fails stops the scenario's remaining steps, because later
//! steps build on it. Cleanup always runs: first the scenario's own cleanup
//! steps (a step whose variables were never captured is skipped), then a
//! DELETE of every resource a step created with POST and nothing deleted.

use std::time::Instant;

use serde_json::Value;

use super::{duration_ms, Cancel, RunConfig};
use crate::client::{Body, ScimClient, ScimRequest, ScimResponse};
use crate::normalize::{self, Redactions};
use crate::result::{CheckFailure, Outcome, ResponseSummary, ScenarioResult, StepResult};
use crate::scenario::{BodyTemplate, Expectations, RequestTemplate, Scenario, Step, REPEAT_VAR};
use crate::snapshot::{SnapshotEntry, SnapshotOutcome};
use crate::vars::{VarError, Vars};

/// Bytes of a non-JSON response body kept in reports.
const TEXT_BODY_LIMIT: usize = 4096;

pub(crate) struct Context<'a> {
    pub client: &'a ScimClient,
    pub config: &'a RunConfig,
    pub cancel: &'a Cancel,
}

/// State of one scenario while it runs.
struct Execution<'a> {
    context: &'a Context<'a>,
    scenario: &'a Scenario,
    vars: Vars,
    /// Paths of resources created by POST and not yet deleted, oldest first.
    created: Vec<String>,
    snapshot_text: String,
}

pub(crate) async fn run_scenario(context: &Context<'_>, index: usize, scenario: &Scenario) -> ScenarioResult {
    let started = Instant::now();
    let config = context.config;
    let mut vars = Vars::new();
    let run = format!("{}-{:03}", config.run_prefix, index + 1);
    vars.set("run", run.clone());
    vars.set("domain", config.domain.clone());
    vars.set("email", format!("{run}@{}", config.domain));
    vars.set("uuid", uuid::Uuid::new_v4().to_string());
    vars.set("base_url", context.client.base_url().to_owned());

    let mut execution = Execution {
        context,
        scenario,
        vars,
        created: Vec::new(),
        snapshot_text: String::new(),
    };

    let mut steps = Vec::new();
    let mut interrupted = false;
    'steps: for (position, step) in scenario.steps.iter().enumerate() {
        for repetition in 1..=step.repeat {
            if context.cancel.is_cancelled() {
                interrupted = true;
                break 'steps;
            }
            let result = execution.run_step(position, step, repetition).await;
            let stop = !result.passed;
            interrupted |= result.error.as_deref() == Some(INTERRUPTED);
            steps.push(result);
            if stop {
                break 'steps;
            }
        }
    }

    let cleanup_problems = execution.clean_up().await;

    let passed = steps.iter().all(|step| step.passed) && !interrupted;
    let snapshot = match (&config.snapshots, passed) {
        (Some(store), true) => {
            let source = scenario
                .source
                .file_name()
                .map_or_else(String::new, |name| name.to_string_lossy().into_owned());
            Some(store.check(&SnapshotEntry {
                scenario: &scenario.name,
                rule: &scenario.rule,
                source: &source,
                profile: config.profile.as_str(),
                contents: &execution.snapshot_text,
            }))
        }
        _ => None,
    };
    let snapshot_failed = snapshot.as_ref().is_some_and(SnapshotOutcome::is_failure);

    let outcome = if interrupted {
        Outcome::Interrupted
    } else if passed && !snapshot_failed {
        Outcome::Passed
    } else {
        Outcome::Failed
    };
    ScenarioResult {
        name: scenario.name.clone(),
        rule: scenario.rule.clone(),
        tags: scenario.all_tags(),
        source: scenario.source.display().to_string(),
        outcome,
        steps,
        cleanup_problems,
        snapshot,
        duration_ms: duration_ms(started.elapsed()),
    }
}

const INTERRUPTED: &str = "interrupted by Ctrl-C before a response arrived";

impl Execution<'_> {
    async fn run_step(&mut self, position: usize, step: &Step, repetition: u32) -> StepResult {
        self.vars.set(REPEAT_VAR, repetition.to_string());
        let mut result = StepResult {
            name: step.name.clone(),
            repetition: (step.repeat > 1).then_some(repetition),
            passed: false,
            error: None,
            failures: Vec::new(),
            not_checked: Vec::new(),
            request: None,
            endpoint: None,
            auth: step.request.auth.clone(),
            response: None,
            fix: step
                .fix
                .as_ref()
                .or(self.scenario.fix.as_ref())
                .and_then(|fix| fix.for_profile(self.context.config.profile))
                .map(str::to_owned),
        };

        let request = match build_request(&step.request, &self.vars) {
            Ok(request) => request,
            Err(error) => {
                result.error = Some(format!("cannot build the request: {error}"));
                return result;
            }
        };
        let sent = self.context.client.describe(&request);
        let endpoint = endpoint_kind(&request.method, &request.path);
        let response = tokio::select! {
            biased;
            () = self.context.cancel.cancelled() => {
                result.error = Some(INTERRUPTED.to_owned());
                result.request = Some(sent);
                result.endpoint = Some(endpoint);
                return result;
            }
            response = self.context.client.send(&request) => response,
        };
        let response = match response {
            Ok(response) => response,
            Err(error) => {
                result.error = Some(error.to_string());
                result.request = Some(sent);
                result.endpoint = Some(endpoint);
                return result;
            }
        };
        self.track(&request, &response);

        let expectations = step.expect.for_profile(self.context.config.profile);
        let checked = check_response(&expectations, &response, &self.vars);
        result.failures = checked.failures;
        result.not_checked = checked.not_checked;
        if checked.status_differs {
            // Captures read the body that the status check already rejected.
            result
                .not_checked
                .extend(step.captures.iter().map(|(name, _)| format!("capture {name}")));
            result
                .not_checked
                .extend(step.header_captures.iter().map(|(name, _)| format!("capture {name}")));
        } else {
            self.capture(step, &response, &mut result);
        }

        if step.snapshot && repetition == 1 {
            self.record_snapshot(position, step, &request, &response);
        }
        result.passed = result.failures.is_empty();
        if !result.passed {
            result.request = Some(sent);
            result.endpoint = Some(endpoint);
            result.response = Some(summarise(&response));
        }
        result
    }

    /// Stores the step's captures in the variables; a missing value is a failure.
    fn capture(&mut self, step: &Step, response: &ScimResponse, result: &mut StepResult) {
        for (name, path) in &step.captures {
            match response.json.as_ref().and_then(|json| path.select(json)) {
                Some(Value::String(text)) => self.vars.set(name, text.clone()),
                Some(value) if !value.is_null() => self.vars.set(name, value.to_string()),
                _ => result.failures.push(CheckFailure {
                    check: format!("capture {name}"),
                    expected: format!("a value at {path} to capture as `{name}`"),
                    actual: "nothing there".to_owned(),
                    diff: None,
                }),
            }
        }
        for (name, header) in &step.header_captures {
            match response.header(header) {
                Some(value) => self.vars.set(name, value.to_owned()),
                None => result.failures.push(CheckFailure {
                    check: format!("capture {name}"),
                    expected: format!("a `{header}` header to capture as `{name}`"),
                    actual: "no such header".to_owned(),
                    diff: None,
                }),
            }
        }
    }

    /// Tracks resources created by POST, and stops tracking those a DELETE removed.
    fn track(&mut self, request: &ScimRequest, response: &ScimResponse) {
        let path = request.path.split('?').next().unwrap_or_default().trim_end_matches('/');
        match request.method.as_str() {
            "POST" if (200..300).contains(&response.status) => {
                let id = response.json.as_ref().and_then(|json| json.get("id")).and_then(Value::as_str);
                if let Some(id) = id {
                    self.created.push(format!("{path}/{id}"));
                }
            }
            "DELETE" if (200..300).contains(&response.status) || response.status == 404 => {
                self.created.retain(|created| created != path);
            }
            _ => {}
        }
    }

    fn record_snapshot(&mut self, position: usize, step: &Step, request: &ScimRequest, response: &ScimResponse) {
        let mut redactions = Redactions::new();
        for (name, value) in self.vars.iter() {
            let placeholder = match name {
                "base_url" => "base-url",
                "email" | REPEAT_VAR => continue,
                other => other,
            };
            redactions.add(placeholder, value);
        }
        let mut target = redactions.apply(&request.path);
        for (index, (name, value)) in request.query.iter().enumerate() {
            let separator = if index == 0 && !target.contains('?') { '?' } else { '&' };
            target.push_str(&format!("{separator}{name}={}", redactions.apply(value)));
        }
        let repeated = if step.repeat > 1 {
            format!(" (first of {} repetitions)", step.repeat)
        } else {
            String::new()
        };
        self.snapshot_text.push_str(&format!(
            "== step {}: {}{repeated}\n{} {target}\n",
            position + 1,
            step.name,
            request.method
        ));
        self.snapshot_text
            .push_str(&normalize::render_response(response, &redactions, &step.redact));
        self.snapshot_text.push('\n');
    }

    /// Runs cleanup steps and deletes leftovers; returns the problems met.
    async fn clean_up(&mut self) -> Vec<String> {
        let mut problems = Vec::new();
        for step in &self.scenario.cleanup {
            let request = match build_request(&step.request, &self.vars) {
                Ok(request) => request,
                Err(VarError::Undefined { .. }) => continue,
                Err(error) => {
                    problems.push(format!("cleanup step {:?}: {error}", step.name));
                    continue;
                }
            };
            match self.context.client.send(&request).await {
                Ok(response) => {
                    self.track(&request, &response);
                    let expectations = step.expect.for_profile(self.context.config.profile);
                    let failures = if expectations.status.is_none() {
                        cleanup_status_failures(&response)
                    } else {
                        check_response(&expectations, &response, &self.vars).failures
                    };
                    for failure in failures {
                        problems.push(format!(
                            "cleanup step {:?} ({} {}): {} expected {}, got {}",
                            step.name, request.method, request.path, failure.check, failure.expected, failure.actual
                        ));
                    }
                }
                Err(error) => problems.push(format!("cleanup step {:?}: {error}", step.name)),
            }
        }
        while let Some(path) = self.created.pop() {
            let request = ScimRequest::delete(path.clone());
            match self.context.client.send(&request).await {
                Ok(response) if (200..300).contains(&response.status) || response.status == 404 => {}
                Ok(response) => problems.push(format!(
                    "DELETE {path} (left over by the scenario) returned {}: the resource may still exist",
                    response.status
                )),
                Err(error) => problems.push(format!("DELETE {path} (left over by the scenario): {error}")),
            }
        }
        problems
    }
}

fn cleanup_status_failures(response: &ScimResponse) -> Vec<CheckFailure> {
    if (200..300).contains(&response.status) || response.status == 404 {
        return Vec::new();
    }
    vec![CheckFailure {
        check: "status".to_owned(),
        expected: "2xx, or 404 when already gone".to_owned(),
        actual: response.status.to_string(),
        diff: None,
    }]
}

/// Substitutes variables into a request template.
pub(crate) fn build_request(template: &RequestTemplate, vars: &Vars) -> Result<ScimRequest, VarError> {
    let mut request = ScimRequest::new(template.method.clone(), vars.substitute(&template.path)?);
    for (name, value) in &template.query {
        request.query.push((name.clone(), vars.substitute(value)?));
    }
    for (name, value) in &template.headers {
        request.headers.push((name.clone(), vars.substitute(value)?));
    }
    request.auth = template.auth.clone();
    request.body = match &template.body {
        None => None,
        Some(BodyTemplate::Json(value)) => {
            let json = vars.substitute_json(value)?;
            match template.pad_to_bytes {
                Some(size) => {
                    let mut text = json.to_string();
                    if text.len() < size {
                        text.push_str(&" ".repeat(size - text.len()));
                    }
                    let content_type = Some(crate::client::SCIM_JSON.to_owned());
                    Some(Body::Raw {
                        bytes: text.into_bytes(),
                        content_type,
                    })
                }
                None => Some(Body::Json(json)),
            }
        }
        Some(BodyTemplate::Raw(text)) => Some(Body::Raw {
            bytes: vars.substitute(text)?.into_bytes(),
            content_type: None,
        }),
    };
    Ok(request)
}

/// Returns the method and the shape of a path relative to the base URL, with
/// the query dropped and ids replaced by `{id}`: `PATCH /Users/{id}`.
///
/// Failures that share a status and an endpoint kind likely share a cause,
/// so the console groups them by this text.
pub(crate) fn endpoint_kind(method: &str, path: &str) -> String {
    const FIXED_SEGMENTS: &[&str] = &[
        "Users",
        "Groups",
        "Schemas",
        "ResourceTypes",
        "ServiceProviderConfig",
        "Bulk",
        "Me",
        ".search",
        "..",
    ];
    let path = path.split('?').next().unwrap_or_default();
    let mut shape = String::new();
    for segment in path.split('/').filter(|segment| !segment.is_empty()) {
        shape.push('/');
        match FIXED_SEGMENTS.iter().find(|fixed| fixed.eq_ignore_ascii_case(segment)) {
            Some(fixed) => shape.push_str(fixed),
            None => shape.push_str("{id}"),
        }
    }
    if shape.is_empty() {
        shape.push('/');
    }
    format!("{} {shape}", method.to_ascii_uppercase())
}

/// The outcome of checking one response.
#[derive(Debug, Default)]
pub(crate) struct Checked {
    pub failures: Vec<CheckFailure>,
    /// Checks skipped because the status was not an expected one.
    pub not_checked: Vec<String>,
    pub status_differs: bool,
}

/// Checks a response against expectations and returns every check that failed.
///
/// When the status is not one of the expected ones, the body and header
/// checks are skipped and listed in `not_checked`. A response with another
/// status, such as the error body of a 503, would fail each of them for the
/// same reason.
pub(crate) fn check_response(expectations: &Expectations, response: &ScimResponse, vars: &Vars) -> Checked {
    let mut checked = Checked::default();
    if let Some(failure) = status_failure(expectations, response) {
        checked.failures.push(failure);
        checked.status_differs = true;
        if expectations.empty_body.is_some() {
            checked.not_checked.push("body".to_owned());
        }
        checked
            .not_checked
            .extend(expectations.json.iter().map(|(path, _)| path.to_string()));
        checked
            .not_checked
            .extend(expectations.headers.iter().map(|(name, _)| format!("header {name}")));
        return checked;
    }
    checked.failures = check_body_and_headers(expectations, response, vars);
    checked
}

fn status_failure(expectations: &Expectations, response: &ScimResponse) -> Option<CheckFailure> {
    let statuses = expectations.status.as_ref()?;
    if statuses.contains(&response.status) {
        return None;
    }
    let expected = match statuses.as_slice() {
        [single] => single.to_string(),
        several => format!(
            "one of {}",
            several.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        ),
    };
    Some(CheckFailure {
        check: "status".to_owned(),
        expected,
        actual: response.status.to_string(),
        diff: None,
    })
}

fn check_body_and_headers(expectations: &Expectations, response: &ScimResponse, vars: &Vars) -> Vec<CheckFailure> {
    let mut failures = Vec::new();
    if let Some(want_empty) = expectations.empty_body {
        let is_empty = response.body.iter().all(u8::is_ascii_whitespace);
        if is_empty != want_empty {
            failures.push(CheckFailure {
                check: "body".to_owned(),
                expected: if want_empty { "an empty body" } else { "a body" }.to_owned(),
                actual: if is_empty {
                    "an empty body".to_owned()
                } else {
                    format!("{} bytes", response.body.len())
                },
                diff: None,
            });
        }
    }
    if !expectations.json.is_empty() {
        match &response.json {
            None => failures.push(CheckFailure {
                check: "body".to_owned(),
                expected: format!("a JSON body to check {} path(s) in", expectations.json.len()),
                actual: describe_non_json(response),
                diff: None,
            }),
            Some(json) => {
                for (path, matcher) in &expectations.json {
                    if let Err(mismatch) = matcher.check(path.select(json), vars) {
                        failures.push(CheckFailure {
                            check: path.to_string(),
                            expected: mismatch.expected,
                            actual: mismatch.actual,
                            diff: mismatch.diff,
                        });
                    }
                }
            }
        }
    }
    for (name, matcher) in &expectations.headers {
        let value = response.header(name).map(|text| Value::String(text.to_owned()));
        if let Err(mismatch) = matcher.check(value.as_ref(), vars) {
            failures.push(CheckFailure {
                check: format!("header {name}"),
                expected: mismatch.expected,
                actual: mismatch.actual,
                diff: None,
            });
        }
    }
    failures
}

fn describe_non_json(response: &ScimResponse) -> String {
    if response.body.iter().all(u8::is_ascii_whitespace) {
        return "an empty body".to_owned();
    }
    let text: String = response.text().chars().take(200).collect();
    format!("a body that is not JSON: {text:?}")
}

fn summarise(response: &ScimResponse) -> ResponseSummary {
    let body = match &response.json {
        Some(json) => Some(json.clone()),
        None if response.body.is_empty() => None,
        None => {
            let text = response.text();
            let cut: String = text.chars().take(TEXT_BODY_LIMIT).collect();
            Some(Value::String(cut))
        }
    };
    ResponseSummary {
        status: response.status,
        headers: response
            .headers
            .iter()
            .filter(|(name, _)| matches!(name.as_str(), "content-type" | "location" | "www-authenticate"))
            .cloned()
            .collect(),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Auth;
    use serde_json::json;

    fn vars() -> Vars {
        let mut vars = Vars::new();
        vars.set("run", "r1");
        vars
    }

    #[test]
    fn padding_keeps_valid_json() {
        let template = RequestTemplate {
            method: "POST".into(),
            path: "/Users".into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: Some(BodyTemplate::Json(json!({"userName": "${run}"}))),
            auth: Auth::Bearer,
            pad_to_bytes: Some(1000),
        };
        let request = build_request(&template, &vars()).expect("variables resolve");
        let Some(Body::Raw { bytes, .. }) = request.body else {
            panic!("padding sends raw bytes");
        };
        assert_eq!(bytes.len(), 1000);
        let parsed: Value = serde_json::from_slice(&bytes).expect("padded body is JSON");
        assert_eq!(parsed, json!({"userName": "r1"}));
    }

    #[test]
    fn server_error_skips_json_checks() {
        let expectations = Expectations {
            status: Some(vec![200]),
            json: vec![(
                crate::jsonpath::JsonPath::parse("$.id").expect("valid path"),
                crate::matcher::Matcher { checks: vec![crate::matcher::Check::Absent] },
            )],
            headers: Vec::new(),
            empty_body: None,
        };
        let response = ScimResponse {
            status: 500,
            headers: Vec::new(),
            body: b"<html>oops</html>".to_vec(),
            json: None,
        };
        let checked = check_response(&expectations, &response, &vars());
        assert_eq!(checked.failures.len(), 1);
        assert_eq!(checked.failures[0].check, "status");
        assert_eq!(checked.not_checked, vec!["$.id"]);
    }

    #[test]
    fn non_json_body_fails_json_checks_once() {
        let expectations = Expectations {
            status: Some(vec![200]),
            json: vec![
                (
                    crate::jsonpath::JsonPath::parse("$.id").expect("valid path"),
                    crate::matcher::Matcher { checks: vec![crate::matcher::Check::Absent] },
                ),
                (
                    crate::jsonpath::JsonPath::parse("$.userName").expect("valid path"),
                    crate::matcher::Matcher { checks: vec![crate::matcher::Check::Absent] },
                ),
            ],
            headers: Vec::new(),
            empty_body: None,
        };
        let response = ScimResponse {
            status: 200,
            headers: Vec::new(),
            body: b"<html>oops</html>".to_vec(),
            json: None,
        };
        let checked = check_response(&expectations, &response, &vars());
        assert_eq!(checked.failures.len(), 1);
        assert!(checked.failures[0].actual.contains("not JSON"), "{:?}", checked.failures[0]);
        assert!(checked.not_checked.is_empty());
    }

    #[test]
    fn wrong_status_skips_body_and_header_checks() {
        let matcher = || crate::matcher::Matcher { checks: vec![crate::matcher::Check::Absent] };
        let expectations = Expectations {
            status: Some(vec![201]),
            json: vec![
                (crate::jsonpath::JsonPath::parse("$.id").expect("valid path"), matcher()),
                (crate::jsonpath::JsonPath::parse("$.active").expect("valid path"), matcher()),
            ],
            headers: vec![("Location".to_owned(), matcher())],
            empty_body: Some(false),
        };
        let response = ScimResponse {
            status: 503,
            headers: vec![("location".to_owned(), "/x".to_owned())],
            body: br#"{"id": "1", "active": true}"#.to_vec(),
            json: Some(json!({"id": "1", "active": true})),
        };
        let checked = check_response(&expectations, &response, &vars());
        assert!(checked.status_differs);
        assert_eq!(checked.failures.len(), 1, "{:?}", checked.failures);
        assert_eq!(checked.failures[0].expected, "201");
        assert_eq!(checked.failures[0].actual, "503");
        assert_eq!(checked.not_checked, vec!["body", "$.id", "$.active", "header Location"]);
    }

    #[test]
    fn endpoint_kind_replaces_ids() {
        assert_eq!(endpoint_kind("post", "/Users"), "POST /Users");
        assert_eq!(endpoint_kind("PATCH", "/Users/2819c223-7f76?x=1"), "PATCH /Users/{id}");
        assert_eq!(endpoint_kind("GET", "/Groups?filter=a"), "GET /Groups");
        assert_eq!(
            endpoint_kind("GET", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"),
            "GET /Schemas/{id}"
        );
        assert_eq!(endpoint_kind("GET", "/../0a1b/Users"), "GET /../{id}/Users");
        assert_eq!(endpoint_kind("GET", ""), "GET /");
    }
}
