//! Writing a shrunk failing sequence as a scenario file of the scripted
//! suite (`[[scenario]]` TOML, as `crate::scenario` loads it).
//!
//! The file replays the sequence with the outcomes the model predicts. So it
//! fails against the broken server and passes once the bug is fixed, and can
//! then be committed under `fixtures/scenarios/` as a regression case.
//! Names are rewritten to the scripted suite's built-in variables: the run
//! prefix becomes `${run}-` and the verified domain becomes `${domain}`, so a
//! replay never collides with earlier data. Server ids are captured from the
//! creates (`capture.u3 = "$.id"`) and referenced as `${u3}`.
//!
//! After the sequence, probe steps check the invariants against the model
//! state after the last step. They read each live user by id and by an
//! upper-case `userName` filter, and each live group by id, with member and
//! group counts. Each deleted resource must be 404. Page walks and totals
//! have no probe, because they depend on what else the directory holds.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;
use toml::{Table, Value as TomlValue};

use super::check::Failure;
use super::execute::{CaseOutcome, ResourceSummary, StepRecord};
use super::model::{ExpectedBody, Model, ScimTypeExpectation};
use super::names::{filter_literal, Naming};
use super::requests::{group_placeholder, user_placeholder};
use super::requests::{substitute_json, substitute_text, Method};
use super::rules::Rule;

/// Statuses a cleanup delete accepts: the resource may already be gone.
const CLEANUP_STATUSES: [i64; 2] = [204, 404];

/// Rewrites concrete names of this run into scenario variables.
struct Rewriter<'a> {
    naming: &'a Naming,
}

impl Rewriter<'_> {
    fn text(&self, text: &str) -> String {
        text.replace(&format!("@{}", self.naming.domain()), "@${domain}")
            .replace(self.naming.prefix(), "${run}-")
    }

    fn json(&self, value: &Value) -> Value {
        match value {
            Value::String(text) => Value::String(self.text(text)),
            Value::Array(items) => Value::Array(items.iter().map(|item| self.json(item)).collect()),
            Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), self.json(v))).collect()),
            other => other.clone(),
        }
    }
}

fn toml_string(text: impl Into<String>) -> TomlValue {
    TomlValue::String(text.into())
}

/// Builds the scenario text for a failing sequence whose `steps` ran, with
/// `final_model` the model after the last of them.
///
/// `name` must use letters, digits, `.`, `-` and `_` only, because the
/// scripted suite names snapshot files after it.
pub fn scenario_toml(
    name: &str,
    failure: &Failure,
    steps: &[StepRecord],
    final_model: &Model,
    naming: &Naming,
    seed: u64,
) -> String {
    let rewriter = Rewriter { naming };
    let mut captured: BTreeSet<String> = BTreeSet::new();
    let mut step_tables = Vec::new();

    for (index, record) in steps.iter().enumerate() {
        // A placeholder of a create that the model expects to succeed stays
        // a variable. A placeholder of a create expected to fail becomes the
        // fixed unknown id, as it was in the run.
        let lookup = |placeholder: &str| captured.contains(placeholder).then(|| format!("${{{placeholder}}}"));
        let path = rewriter.text(&substitute_text(&record.request.path, &lookup));

        let mut request = Table::new();
        request.insert("method".into(), toml_string(record.request.method.as_str()));
        request.insert("path".into(), toml_string(path));
        if !record.request.query.is_empty() {
            let mut query = Table::new();
            for (key, value) in &record.request.query {
                query.insert(
                    key.clone(),
                    toml_string(rewriter.text(&substitute_text(value, &lookup))),
                );
            }
            request.insert("query".into(), TomlValue::Table(query));
        }
        if let Some(body) = &record.request.body {
            let body = rewriter.json(&substitute_json(body, &lookup));
            request.insert("json".into(), toml_string(body.to_string()));
        }

        let mut step = Table::new();
        step.insert(
            "name".into(),
            toml_string(format!("step-{}-{}", index + 1, record.label)),
        );
        step.insert("request".into(), TomlValue::Table(request));
        step.insert(
            "expect".into(),
            TomlValue::Table(expect_table(record, &rewriter, &captured)),
        );
        if let (Some(placeholder), true) = (&record.request.binds, record.expected.is_success()) {
            let mut capture = Table::new();
            capture.insert(placeholder.clone(), toml_string("$.id"));
            step.insert("capture".into(), TomlValue::Table(capture));
            captured.insert(placeholder.clone());
        }
        step_tables.push(TomlValue::Table(step));
    }
    step_tables.extend(probe_steps(final_model, naming, &rewriter, &captured));

    let cleanup = cleanup_steps(steps, &captured);

    let mut scenario = Table::new();
    scenario.insert("name".into(), toml_string(name));
    scenario.insert("rule".into(), toml_string(failure.rule.statement()));
    scenario.insert(
        "tags".into(),
        TomlValue::Array(vec![
            toml_string("props"),
            toml_string("regression"),
            toml_string(failure.rule.id()),
        ]),
    );
    scenario.insert("profiles".into(), TomlValue::Array(vec![toml_string("atlassian")]));
    scenario.insert("fix".into(), toml_string(failure.rule.fix_hint()));
    // The steps rely on names being unique across the whole directory.
    scenario.insert("exclusive".into(), TomlValue::Boolean(true));
    scenario.insert("step".into(), TomlValue::Array(step_tables));
    if !cleanup.is_empty() {
        scenario.insert("cleanup".into(), TomlValue::Array(cleanup));
    }

    let mut root = Table::new();
    root.insert("scenario".into(), TomlValue::Array(vec![TomlValue::Table(scenario)]));

    let mut header = String::new();
    header.push_str(&format!(
        "# Written by `scim-conformance props` (seed {seed}) from a shrunk failing sequence.\n"
    ));
    for line in failure.to_string().lines() {
        header.push_str("# ");
        header.push_str(line);
        header.push('\n');
    }
    header.push_str(&assumptions(final_model, naming));
    header.push('\n');
    header + &toml::to_string(&root).unwrap_or_else(|error| format!("# failed to render TOML: {error}\n"))
}

/// Lists, as comments, what the expectations assume about the directory,
/// so that a replay against another directory can be judged.
fn assumptions(model: &Model, naming: &Naming) -> String {
    let limits = &model.limits;
    let mut text = String::from("#\n# The expected outcomes assume what the props run was told or found:\n");
    text.push_str(&format!(
        "# - the directory's user limit is {} users (props --user-limit), counting users that this scenario\n\
         #   did not create, and creates beyond it get 403;\n",
        limits.user_limit
    ));
    text.push_str(&format!(
        "# - before the first step the directory held {} user(s) and {} group(s) that the run did not create;\n",
        limits.foreign_users, limits.foreign_groups
    ));
    text.push_str(&format!(
        "# - emails use the verified domain {} (pass `--domain {}` to `scim-conformance run`);\n",
        naming.domain(),
        naming.domain()
    ));
    text.push_str("# - no other client changes the users and groups named with this scenario's ${run} meanwhile.\n");
    text
}

/// Returns why a failure has no scenario form, or `None` when `steps` can
/// be written as a scenario that fails the same way.
pub fn unavailable_reason(failure: &Failure, steps: &[StepRecord]) -> Option<String> {
    match failure.rule {
        Rule::Reachable => {
            return Some(format!(
                "the server did not respond ({}), and a scenario can only check responses. Check that the server is up and answers within --timeout",
                failure.got
            ))
        }
        Rule::KeyAccepted => {
            return Some(
                "the server rejected the key (401/403), which is a problem with --token, not with a rule a scenario can check"
                    .to_owned(),
            )
        }
        _ => {}
    }
    if failure.step.is_none() || steps.is_empty() {
        return Some(format!(
            "the failure came from listing or deleting this run's resources between cases ({}), and a scenario does not replay that",
            failure.request
        ));
    }
    None
}

fn expect_table(record: &StepRecord, rewriter: &Rewriter<'_>, captured: &BTreeSet<String>) -> Table {
    let expected = &record.expected;
    let mut expect = Table::new();
    expect.insert("status".into(), TomlValue::Integer(i64::from(expected.status)));
    let mut json = Table::new();
    match &expected.body {
        ExpectedBody::Error => match expected.scim_type {
            ScimTypeExpectation::Exactly(scim_type) => {
                json.insert("$.scimType".into(), toml_string(scim_type));
            }
            ScimTypeExpectation::Absent => {
                let mut absent = Table::new();
                absent.insert("absent".into(), TomlValue::Boolean(true));
                json.insert("$.scimType".into(), TomlValue::Table(absent));
            }
            ScimTypeExpectation::Any => {}
        },
        ExpectedBody::User(_) | ExpectedBody::Group(_) => {
            // Creates are captured; every other success must return the
            // resource the request addressed.
            if record.request.method != Method::Post {
                let id = rewriter.text(&substitute_text(&record.request.path, &|p: &str| {
                    captured.contains(p).then(|| format!("${{{p}}}"))
                }));
                if let Some(last) = id.rsplit('/').next() {
                    json.insert("$.id".into(), toml_string(last));
                }
            }
            if let Some(resource) = &record.resource {
                insert_resource_checks(&mut json, resource, rewriter);
            }
        }
        ExpectedBody::List(list) => {
            let filtered = record.request.query.iter().any(|(name, _)| name == "filter");
            if filtered {
                json.insert("$.totalResults".into(), TomlValue::Integer(list.total_results as i64));
                json.insert("$.itemsPerPage".into(), TomlValue::Integer(list.items.len() as i64));
            }
            json.insert("$.startIndex".into(), TomlValue::Integer(list.start_index as i64));
        }
        ExpectedBody::Empty => {}
    }
    if !json.is_empty() {
        expect.insert("json".into(), TomlValue::Table(json));
    }
    expect
}

/// Returns a matcher for an array of `count` elements; an empty one may
/// also be absent.
fn length_matcher(count: usize) -> TomlValue {
    let mut matcher = Table::new();
    if count == 0 {
        matcher.insert("empty".into(), TomlValue::Boolean(true));
    } else {
        matcher.insert("len".into(), TomlValue::Integer(count as i64));
    }
    TomlValue::Table(matcher)
}

fn insert_resource_checks(json: &mut Table, resource: &ResourceSummary, rewriter: &Rewriter<'_>) {
    match resource {
        ResourceSummary::User {
            user_name,
            active,
            groups,
        } => {
            json.insert("$.userName".into(), toml_string(rewriter.text(user_name)));
            json.insert("$.active".into(), TomlValue::Boolean(*active));
            json.insert("$.groups".into(), length_matcher(*groups));
        }
        ResourceSummary::Group { display_name, members } => {
            json.insert("$.displayName".into(), toml_string(rewriter.text(display_name)));
            json.insert("$.members".into(), length_matcher(*members));
        }
    }
}

fn probe_step(name: String, path: String, query: Option<(&str, String)>, status: i64, json: Table) -> TomlValue {
    let mut request = Table::new();
    request.insert("method".into(), toml_string("GET"));
    request.insert("path".into(), toml_string(path));
    if let Some((key, value)) = query {
        let mut table = Table::new();
        table.insert(key.into(), toml_string(value));
        request.insert("query".into(), TomlValue::Table(table));
    }
    let mut expect = Table::new();
    expect.insert("status".into(), TomlValue::Integer(status));
    if !json.is_empty() {
        expect.insert("json".into(), TomlValue::Table(json));
    }
    let mut step = Table::new();
    step.insert("name".into(), toml_string(name));
    step.insert("request".into(), TomlValue::Table(request));
    step.insert("expect".into(), TomlValue::Table(expect));
    TomlValue::Table(step)
}

/// Builds the invariant probes for the model state after the last step.
/// Resources whose id was never captured have no probe.
fn probe_steps(model: &Model, naming: &Naming, rewriter: &Rewriter<'_>, captured: &BTreeSet<String>) -> Vec<TomlValue> {
    let mut probes = Vec::new();
    for (key, record) in &model.users {
        let placeholder = user_placeholder(*key);
        if !captured.contains(&placeholder) {
            continue;
        }
        let mut json = Table::new();
        json.insert("$.id".into(), toml_string(format!("${{{placeholder}}}")));
        if let Some(resource) = ResourceSummary::user(model, naming, *key) {
            insert_resource_checks(&mut json, &resource, rewriter);
        }
        probes.push(probe_step(
            format!("probe-get-{placeholder}"),
            format!("/Users/${{{placeholder}}}"),
            None,
            200,
            json,
        ));

        // The stem in upper case checks that the filter ignores case.
        let shouted = naming.user_name(&record.fields.user_name.to_uppercase());
        let filter = rewriter.text(&format!("userName eq {}", filter_literal(&shouted)));
        let mut json = Table::new();
        json.insert("$.totalResults".into(), TomlValue::Integer(1));
        json.insert("$.Resources[0].id".into(), toml_string(format!("${{{placeholder}}}")));
        probes.push(probe_step(
            format!("probe-filter-{placeholder}"),
            "/Users".to_owned(),
            Some(("filter", filter)),
            200,
            json,
        ));
    }
    for key in model.groups.keys() {
        let placeholder = group_placeholder(*key);
        if !captured.contains(&placeholder) {
            continue;
        }
        let mut json = Table::new();
        json.insert("$.id".into(), toml_string(format!("${{{placeholder}}}")));
        if let Some(resource) = ResourceSummary::group(model, naming, *key) {
            insert_resource_checks(&mut json, &resource, rewriter);
        }
        probes.push(probe_step(
            format!("probe-get-{placeholder}"),
            format!("/Groups/${{{placeholder}}}"),
            None,
            200,
            json,
        ));
    }
    let deleted = model
        .deleted_users
        .iter()
        .map(|key| ("Users", user_placeholder(*key)))
        .chain(
            model
                .deleted_groups
                .iter()
                .map(|key| ("Groups", group_placeholder(*key))),
        );
    for (collection, placeholder) in deleted {
        if captured.contains(&placeholder) {
            probes.push(probe_step(
                format!("probe-deleted-{placeholder}"),
                format!("/{collection}/${{{placeholder}}}"),
                None,
                404,
                Table::new(),
            ));
        }
    }
    probes
}

/// Deletes every resource the scenario captured, groups first.
fn cleanup_steps(steps: &[StepRecord], captured: &BTreeSet<String>) -> Vec<TomlValue> {
    let mut groups = Vec::new();
    let mut users = Vec::new();
    for record in steps {
        let Some(placeholder) = &record.request.binds else {
            continue;
        };
        if !captured.contains(placeholder) {
            continue;
        }
        if placeholder.starts_with('g') {
            groups.push(placeholder.clone());
        } else {
            users.push(placeholder.clone());
        }
    }
    groups
        .iter()
        .map(|p| ("Groups", p))
        .chain(users.iter().map(|p| ("Users", p)))
        .map(|(collection, placeholder)| {
            let mut request = Table::new();
            request.insert("method".into(), toml_string("DELETE"));
            request.insert("path".into(), toml_string(format!("/{collection}/${{{placeholder}}}")));
            let mut expect = Table::new();
            expect.insert(
                "status".into(),
                TomlValue::Array(CLEANUP_STATUSES.iter().map(|s| TomlValue::Integer(*s)).collect()),
            );
            let mut step = Table::new();
            step.insert("name".into(), toml_string(format!("delete-{placeholder}")));
            step.insert("request".into(), TomlValue::Table(request));
            step.insert("expect".into(), TomlValue::Table(expect));
            TomlValue::Table(step)
        })
        .collect()
}

/// Returns the scenario name of a failure: the seed and the broken rule.
pub fn scenario_name(failure: &Failure, seed: u64) -> String {
    format!("props.seed-{seed}.{}", failure.rule.id())
}

/// Writes the scenario for a failure into `dir` and returns the file path,
/// or returns why the failure has no scenario form (see [`unavailable_reason`]).
///
/// The file is named after the seed and the broken rule, so reruns with the
/// same seed overwrite their own file only.
pub fn write_scenario(
    dir: &Path,
    failure: &Failure,
    outcome: &CaseOutcome,
    naming: &Naming,
    seed: u64,
) -> Result<PathBuf, ScenarioWriteError> {
    let steps = match failure.step {
        Some(step) if step <= outcome.steps.len() => &outcome.steps[..step],
        _ => &outcome.steps[..],
    };
    if let Some(reason) = unavailable_reason(failure, steps) {
        return Err(ScenarioWriteError::Unavailable(reason));
    }
    let name = scenario_name(failure, seed);
    let path = dir.join(format!("{name}.toml"));
    let text = scenario_toml(&name, failure, steps, &outcome.final_model, naming, seed);
    let written = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, text));
    written.map_err(|error| ScenarioWriteError::Io {
        path: path.clone(),
        error,
    })?;
    Ok(path)
}

/// A reason [`write_scenario`] wrote no file.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioWriteError {
    /// The failure cannot be replayed as scenario steps.
    #[error("{0}")]
    Unavailable(String),
    #[error("failed to write {}: {error}", path.display())]
    Io { path: PathBuf, error: std::io::Error },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::props::model::{Expected, ExpectedBody};
    use crate::props::requests::RequestTemplate;

    fn failure(rule: Rule, step: Option<usize>) -> Failure {
        let failure = Failure::new(rule, "GET /Users?startIndex=1&count=100", "200", "connection refused");
        match step {
            Some(step) => failure.at_step(step),
            None => failure,
        }
    }

    fn record() -> StepRecord {
        StepRecord {
            label: "get_user",
            request: RequestTemplate {
                method: Method::Get,
                path: "/Users/${u0}".to_owned(),
                query: Vec::new(),
                body: None,
                binds: None,
            },
            expected: Expected {
                rule: Rule::ReadReturnsStored,
                status: 200,
                scim_type: ScimTypeExpectation::Absent,
                body: ExpectedBody::Empty,
                detail_contains: None,
            },
            resource: None,
        }
    }

    #[test]
    fn unreachable_server_has_no_scenario() {
        let reason = unavailable_reason(&failure(Rule::Reachable, Some(1)), &[record()]).expect("no scenario");
        assert!(reason.contains("did not respond (connection refused)"), "{reason}");
    }

    #[test]
    fn rejected_key_has_no_scenario() {
        let reason = unavailable_reason(&failure(Rule::KeyAccepted, Some(1)), &[record()]).expect("no scenario");
        assert!(reason.contains("rejected the key (401/403)"), "{reason}");
    }

    #[test]
    fn cleanup_failure_has_no_scenario() {
        let reason = unavailable_reason(&failure(Rule::Paging, None), &[]).expect("no scenario");
        assert!(
            reason.contains("between cases (GET /Users?startIndex=1&count=100)"),
            "{reason}"
        );
    }

    #[test]
    fn step_failure_has_a_scenario() {
        assert_eq!(
            unavailable_reason(&failure(Rule::ReadReturnsStored, Some(1)), &[record()]),
            None
        );
    }

    #[test]
    fn write_scenario_writes_no_file_without_steps() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let naming = Naming::new("pt-abc123-", "example.com").expect("valid naming");
        let outcome = CaseOutcome::default();

        let error = write_scenario(dir.path(), &failure(Rule::Paging, None), &outcome, &naming, 7)
            .expect_err("no steps, no file");

        assert!(matches!(error, ScenarioWriteError::Unavailable(_)), "{error}");
        let files = std::fs::read_dir(dir.path()).expect("the folder exists").count();
        assert_eq!(files, 0);
    }

    #[test]
    fn written_file_records_assumptions() {
        let naming = Naming::new("pt-abc123-", "corp.example").expect("valid naming");
        let mut model = Model::default();
        model.limits.user_limit = 5;
        model.limits.foreign_users = 2;
        model.limits.foreign_groups = 1;

        let text = scenario_toml(
            "props.seed-7.read-returns-stored",
            &failure(Rule::ReadReturnsStored, Some(1)),
            &[record()],
            &model,
            &naming,
            7,
        );

        assert!(
            text.contains("# - the directory's user limit is 5 users (props --user-limit)"),
            "{text}"
        );
        assert!(
            text.contains("held 2 user(s) and 1 group(s) that the run did not create"),
            "{text}"
        );
        assert!(
            text.contains("pass `--domain corp.example` to `scim-conformance run`"),
            "{text}"
        );
    }
}
