//! Execution of one generated sequence against a server.
//!
//! [`run_case`] starts from a clean directory (everything with the run
//! prefix deleted), applies each transition to the model and to the server,
//! compares the response with the prediction, checks the invariants, and
//! deletes what the case created. It records every request it sent, with id
//! placeholders, so a failing sequence can be written as a scenario file.
//! Ctrl-C ([`Target::cancel`]) abandons the sequence, even mid-request, and
//! the clean-up still runs.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

use super::check::{body_excerpt, check_no_server_error, check_response, CheckContext, Failure, IdMap};
use super::invariants::check_invariants;
use super::model::{DirectoryLimits, Expected, ExpectedBody, GroupKey, Model, UserKey};
use super::names::Naming;
use super::report::TransitionStats;
use super::requests::{render, substitute_json, substitute_text, Method, RequestTemplate};
use super::rules::Rule;
use super::transitions::Op;
use crate::client::{Body, ScimClient, ScimRequest, ScimResponse};
use crate::runner::Cancel;

/// Page size used when listing a whole collection for cleanup.
const CLEANUP_PAGE: usize = 100;

/// Upper bound on pages read while listing one collection, so a server
/// whose paging never ends cannot hang a run.
const MAX_PAGES: usize = 1_000;

/// The server under test and the names this run owns.
#[derive(Debug, Clone)]
pub struct Target {
    pub client: ScimClient,
    pub naming: Naming,
    /// User limit of the directory, as configured on the server.
    pub user_limit: usize,
    /// Set by Ctrl-C: the running sequence stops and no new one starts.
    pub cancel: Cancel,
}

/// One request of a sequence, as recorded for a scenario file.
#[derive(Debug, Clone)]
pub struct StepRecord {
    /// Transition label, such as `patch_group`.
    pub label: &'static str,
    pub request: RequestTemplate,
    pub expected: Expected,
    /// The returned resource as the model predicts it, for a success.
    pub resource: Option<ResourceSummary>,
}

/// The parts of a predicted resource that a scenario file checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceSummary {
    User {
        user_name: String,
        active: bool,
        groups: usize,
    },
    Group {
        display_name: String,
        members: usize,
    },
}

impl ResourceSummary {
    /// Summarises a user of the model, if it is live.
    pub fn user(model: &Model, naming: &Naming, key: UserKey) -> Option<Self> {
        let record = model.users.get(&key)?;
        Some(ResourceSummary::User {
            user_name: naming.user_name(record.fields.user_name),
            active: record.fields.active,
            groups: model.groups_of(key).len(),
        })
    }

    /// Summarises a group of the model, if it is live.
    pub fn group(model: &Model, naming: &Naming, key: GroupKey) -> Option<Self> {
        let record = model.groups.get(&key)?;
        Some(ResourceSummary::Group {
            display_name: naming.group_name(record.name),
            members: record.members.len(),
        })
    }

    fn of_expected(model: &Model, naming: &Naming, expected: &Expected) -> Option<Self> {
        match expected.body {
            ExpectedBody::User(key) => Self::user(model, naming, key),
            ExpectedBody::Group(key) => Self::group(model, naming, key),
            _ => None,
        }
    }
}

/// The requests one sequence sent and its failure, if any.
#[derive(Debug, Clone, Default)]
pub struct CaseOutcome {
    pub steps: Vec<StepRecord>,
    /// The model after the last step that ran, for the invariant probes of
    /// a scenario file.
    pub final_model: Model,
    pub failure: Option<Failure>,
    /// Ctrl-C stopped the sequence before its end; `failure` is then `None`.
    pub interrupted: bool,
}

/// Sends a template after replacing its placeholders with bound ids, and
/// returns the response with the request line that was sent.
pub async fn send(target: &Target, ids: &IdMap, template: &RequestTemplate) -> Result<(ScimResponse, String), Failure> {
    let lookup = |name: &str| ids.get(name);
    let path = substitute_text(&template.path, &lookup);
    let mut request = ScimRequest::new(template.method.as_str(), path);
    for (name, value) in &template.query {
        request = request.query(name.clone(), substitute_text(value, &lookup));
    }
    if let Some(body) = &template.body {
        request.body = Some(Body::Json(substitute_json(body, &lookup)));
    }
    let mut line = format!("{} {}", request.method, request.path);
    for (index, (name, value)) in request.query.iter().enumerate() {
        line.push(if index == 0 { '?' } else { '&' });
        line.push_str(&format!("{name}={value}"));
    }
    match target.client.send(&request).await {
        Ok(response) => Ok((response, line)),
        Err(error) => Err(Failure::new(
            Rule::Reachable,
            line,
            "an HTTP response",
            error.to_string(),
        )),
    }
}

/// Sends a plain GET of a path under the base URL.
pub async fn get(target: &Target, path: &str, query: &[(&str, String)]) -> Result<(ScimResponse, String), Failure> {
    let mut template = RequestTemplate {
        method: Method::Get,
        path: path.to_owned(),
        query: Vec::new(),
        body: None,
        binds: None,
    };
    for (name, value) in query {
        template.query.push(((*name).to_owned(), value.clone()));
    }
    send(target, &IdMap::default(), &template).await
}

/// Reads every page of `/Users` or `/Groups` and returns all resources.
pub async fn list_all(target: &Target, path: &str, page_size: usize, rule: Rule) -> Result<ListWalk, Failure> {
    let mut walk = ListWalk::default();
    let mut start_index = 1usize;
    for _ in 0..MAX_PAGES {
        let query = [
            ("startIndex", start_index.to_string()),
            ("count", page_size.to_string()),
        ];
        let (response, line) = get(target, path, &query).await?;
        let context_line = line.clone();
        if matches!(response.status, 401 | 403) {
            return Err(Failure::new(
                Rule::KeyAccepted,
                context_line,
                "200 with a ListResponse",
                format!("{} {}", response.status, body_excerpt(&response)),
            ));
        }
        if response.status != 200 {
            return Err(Failure::new(
                rule,
                context_line,
                "200 with a ListResponse",
                format!("{} {}", response.status, body_excerpt(&response)),
            ));
        }
        let body = response.json.unwrap_or(Value::Null);
        let total = body.get("totalResults").and_then(Value::as_u64);
        let Some(total) = total.and_then(|n| usize::try_from(n).ok()) else {
            return Err(Failure::new(rule, line, "a numeric totalResults", format!("{body}")));
        };
        walk.totals.push(total);
        let resources = body
            .get("Resources")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let received = resources.len();
        walk.resources.extend(resources);
        walk.pages += 1;
        if received == 0 || start_index + received > total {
            return Ok(walk);
        }
        start_index += received;
    }
    Err(Failure::new(
        rule,
        format!("GET {path}"),
        format!("paging that ends within {MAX_PAGES} pages"),
        format!("{} resources and still more pages", walk.resources.len()),
    ))
}

/// The result of reading all pages of a collection.
#[derive(Debug, Clone, Default)]
pub struct ListWalk {
    pub resources: Vec<Value>,
    /// `totalResults` of each page, in order.
    pub totals: Vec<usize>,
    pub pages: usize,
}

fn name_of<'a>(resource: &'a Value, attribute: &str) -> &'a str {
    resource.get(attribute).and_then(Value::as_str).unwrap_or_default()
}

fn id_of(resource: &Value) -> &str {
    name_of(resource, "id")
}

/// Deletes every user and group whose name carries the run prefix, and
/// returns the directory settings with the counts of remaining (foreign)
/// resources.
///
/// Groups go first, so no membership points at a user being deleted.
pub async fn clean_directory(target: &Target) -> Result<DirectoryLimits, Failure> {
    let groups = list_all(target, "/Groups", CLEANUP_PAGE, Rule::Paging).await?;
    let mut foreign_groups = 0;
    for group in &groups.resources {
        if target.naming.owns(name_of(group, "displayName")) {
            delete_for_cleanup(target, "/Groups", id_of(group)).await?;
        } else {
            foreign_groups += 1;
        }
    }
    let users = list_all(target, "/Users", CLEANUP_PAGE, Rule::Paging).await?;
    let mut foreign_users = 0;
    for user in &users.resources {
        if target.naming.owns(name_of(user, "userName")) {
            delete_for_cleanup(target, "/Users", id_of(user)).await?;
        } else {
            foreign_users += 1;
        }
    }
    Ok(DirectoryLimits {
        user_limit: target.user_limit,
        foreign_users,
        foreign_groups,
    })
}

async fn delete_for_cleanup(target: &Target, collection: &str, id: &str) -> Result<(), Failure> {
    let template = RequestTemplate {
        method: Method::Delete,
        path: format!("{collection}/{id}"),
        query: Vec::new(),
        body: None,
        binds: None,
    };
    let (response, line) = send(target, &IdMap::default(), &template).await?;
    // 404 is fine: a parallel cleanup or the server's own cascade got there first.
    if response.status != 204 && response.status != 404 {
        return Err(Failure::new(
            Rule::DeleteUser,
            line,
            "204 (or 404) while cleaning up",
            format!("{} {}", response.status, body_excerpt(&response)),
        ));
    }
    Ok(())
}

/// Runs one sequence: clean up, apply and check every transition, clean up.
///
/// `seen` counts the transitions applied, which proptest-state-machine uses
/// to drop never-reached transitions before shrinking.
pub async fn run_case(target: &Target, ops: &[Op], seen: Option<&AtomicUsize>, stats: &TransitionStats) -> CaseOutcome {
    let mut outcome = CaseOutcome::default();
    let mut interrupted = false;
    let result = tokio::select! {
        biased;
        () = target.cancel.cancelled() => {
            interrupted = true;
            Ok(())
        }
        result = run_steps(target, ops, seen, stats, &mut outcome) => result,
    };
    // A request abandoned by Ctrl-C may still have been applied, so the
    // clean-up deletes by name prefix rather than by the ids seen.
    let cleanup = clean_directory(target).await;
    outcome.interrupted = interrupted;
    outcome.failure = match (interrupted, result, cleanup) {
        (true, _, _) => None,
        (false, Err(failure), _) => Some(failure),
        (false, Ok(()), Err(failure)) => Some(failure),
        (false, Ok(()), Ok(_)) => None,
    };
    outcome
}

async fn run_steps(
    target: &Target,
    ops: &[Op],
    seen: Option<&AtomicUsize>,
    stats: &TransitionStats,
    outcome: &mut CaseOutcome,
) -> Result<(), Failure> {
    let limits = clean_directory(target).await?;
    let mut model = Model::new(limits);
    let mut ids = IdMap::default();
    check_invariants(target, &model, &ids).await?;

    for (index, op) in ops.iter().enumerate() {
        let step = index + 1;
        if let Some(seen) = seen {
            seen.fetch_add(1, Ordering::SeqCst);
        }
        stats.record(op);
        let expected = model.apply(op);
        stats.record_outcome(op, expected.status);
        outcome.final_model = model.clone();
        let template = render(&target.naming, op);
        outcome.steps.push(StepRecord {
            label: op.label(),
            request: template.clone(),
            resource: ResourceSummary::of_expected(&model, &target.naming, &expected),
            expected: expected.clone(),
        });

        let (response, line) = send(target, &ids, &template).await.map_err(|f| f.at_step(step))?;
        if let (Some(placeholder), Some(id)) = (&template.binds, response_id(&response)) {
            if (200..300).contains(&response.status) {
                ids.bind(placeholder, id);
            }
        }
        let context = CheckContext {
            model: &model,
            ids: &ids,
            naming: &target.naming,
            request: &line,
        };
        check_no_server_error(&context, &response).map_err(|f| f.at_step(step))?;
        check_key_accepted(&context, &expected, &response).map_err(|f| f.at_step(step))?;
        check_response(&context, &expected, &response).map_err(|f| f.at_step(step))?;
        check_invariants(target, &model, &ids)
            .await
            .map_err(|f| f.at_step(step))?;
    }
    Ok(())
}

/// Fails with [`Rule::KeyAccepted`] on a 401 that the model did not predict,
/// which means the key, not the operation, was rejected. A 403 stays with
/// the operation's rule, because the user limit returns 403 too.
fn check_key_accepted(context: &CheckContext<'_>, expected: &Expected, response: &ScimResponse) -> Result<(), Failure> {
    if response.status == 401 && expected.status != 401 {
        return Err(Failure::new(
            Rule::KeyAccepted,
            context.request,
            expected.status.to_string(),
            format!("401 {}", body_excerpt(response)),
        ));
    }
    Ok(())
}

fn response_id(response: &ScimResponse) -> Option<&str> {
    response.json.as_ref()?.get("id")?.as_str()
}
