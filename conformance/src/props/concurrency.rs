//! The concurrency property: several clients race on the same names and
//! on one group's members, and the final state must be one the model allows.
//!
//! Three races run in each case, each released at once by a barrier:
//! 1. K clients create users whose `userName`s differ only in letter case
//!    (and whose emails differ): exactly one gets 201, the others 409
//!    `uniqueness`, and a `userName` filter then finds exactly the winner.
//! 2. K clients create groups whose `displayName`s differ only in case:
//!    exactly one winner, as above.
//! 3. M clients each PATCH-add a different user to the winning group: all
//!    get 200, and the group then lists all M members (no lost update).

use std::sync::Arc;

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Value};
use tokio::sync::Barrier;

use super::check::{body_excerpt, Failure};
use super::execute::{clean_directory, get, Target};
use super::names::{filter_literal, GROUP_STEMS, USER_STEMS};
use super::report::TransitionStats;
use super::requests::{GROUP_SCHEMA, PATCH_SCHEMA, USER_SCHEMA};
use super::rules::Rule;
use crate::client::{ScimRequest, ScimResponse};

/// One generated race.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaceCase {
    /// Clients racing on one `userName` and on one group `displayName`.
    pub clients: usize,
    pub user_stem: &'static str,
    pub group_stem: &'static str,
    /// For each member-adding client, whether it sends Entra's capitalised `Add`.
    pub member_dialects: Vec<bool>,
}

/// Generates races with 2 to `max_clients` clients.
pub fn race_strategy(max_clients: usize) -> impl Strategy<Value = RaceCase> {
    let max_clients = max_clients.max(2);
    (
        2..=max_clients,
        select(USER_STEMS),
        select(GROUP_STEMS),
        proptest::collection::vec(any::<bool>(), 2..=max_clients),
    )
        .prop_map(|(clients, user_stem, group_stem, member_dialects)| RaceCase {
            clients,
            user_stem,
            group_stem,
            member_dialects,
        })
}

/// Spells a stem in the letter case that client `index` uses.
fn spelling(stem: &str, index: usize) -> String {
    match index % 3 {
        0 => stem.to_owned(),
        1 => stem.to_uppercase(),
        _ => stem.to_lowercase(),
    }
}

/// Runs `requests` concurrently, released together by a barrier, and
/// returns the responses in request order.
async fn race(target: &Target, requests: Vec<ScimRequest>) -> Result<Vec<ScimResponse>, Failure> {
    let barrier = Arc::new(Barrier::new(requests.len()));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, request) in requests.into_iter().enumerate() {
        let client = target.client.clone();
        let barrier = Arc::clone(&barrier);
        tasks.spawn(async move {
            barrier.wait().await;
            let line = format!("{} {}", request.method, request.path);
            (index, line, client.send(&request).await)
        });
    }
    let mut responses: Vec<Option<ScimResponse>> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (index, line, result) = joined.map_err(|error| {
            Failure::new(
                Rule::Reachable,
                "a racing request",
                "the task to finish",
                error.to_string(),
            )
        })?;
        let response =
            result.map_err(|error| Failure::new(Rule::Reachable, line, "an HTTP response", error.to_string()))?;
        if responses.len() <= index {
            responses.resize(index + 1, None);
        }
        responses[index] = Some(response);
    }
    Ok(responses.into_iter().flatten().collect())
}

fn statuses(responses: &[ScimResponse]) -> Vec<u16> {
    responses.iter().map(|response| response.status).collect()
}

/// Checks "exactly one 201, all others 409 uniqueness" and returns the
/// winner's id.
fn one_winner(request: &str, responses: &[ScimResponse]) -> Result<String, Failure> {
    if let Some(error) = responses.iter().find(|response| response.status >= 500) {
        return Err(Failure::new(
            Rule::NoServerError,
            request,
            "a status below 500",
            format!("{} {}", error.status, body_excerpt(error)),
        ));
    }
    let winners: Vec<&ScimResponse> = responses.iter().filter(|r| r.status == 201).collect();
    let losers_ok = responses.iter().filter(|r| r.status != 201).all(|r| {
        r.status == 409 && r.json.as_ref().and_then(|b| b.get("scimType")).and_then(Value::as_str) == Some("uniqueness")
    });
    let [winner] = winners.as_slice() else {
        return Err(Failure::new(
            Rule::RaceOneWinner,
            request,
            format!("exactly one 201 among {} racing creates", responses.len()),
            format!("statuses {:?}", statuses(responses)),
        ));
    };
    if !losers_ok {
        return Err(Failure::new(
            Rule::RaceOneWinner,
            request,
            "409 with scimType uniqueness for every create but the winner",
            format!("statuses {:?}", statuses(responses)),
        ));
    }
    winner
        .json
        .as_ref()
        .and_then(|body| body.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| {
            Failure::new(
                Rule::CreateReturnsResource,
                request,
                "an id in the 201 body",
                body_excerpt(winner),
            )
        })
}

/// Checks that a filter finds exactly one resource, with the given id.
async fn found_once(target: &Target, path: &str, filter: String, id: &str) -> Result<(), Failure> {
    let (response, line) = get(target, path, &[("filter", filter)]).await?;
    let body = response.json.clone().unwrap_or(Value::Null);
    let ids: Vec<&str> = body
        .get("Resources")
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(|r| r.get("id")?.as_str()).collect())
        .unwrap_or_default();
    if response.status != 200 || ids != [id] {
        return Err(Failure::new(
            Rule::RaceOneWinner,
            line,
            format!("200 listing only the winner {id}"),
            format!("{} with ids {ids:?}", response.status),
        ));
    }
    Ok(())
}

fn user_request(target: &Target, user_name: &str, email_stem: &str) -> ScimRequest {
    ScimRequest::with_json(
        "POST",
        "/Users",
        json!({
            "schemas": [USER_SCHEMA],
            "userName": user_name,
            "emails": [{ "value": target.naming.email(email_stem), "type": "work", "primary": true }],
        }),
    )
}

/// The end of one race case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RaceOutcome {
    Passed,
    Failed(Failure),
    /// Ctrl-C stopped the case; the clean-up ran.
    Interrupted,
}

/// Runs one race case, cleaning the directory before and after.
pub async fn run_race(target: &Target, case: &RaceCase, stats: &TransitionStats) -> RaceOutcome {
    let result = tokio::select! {
        biased;
        () = target.cancel.cancelled() => None,
        result = run_race_steps(target, case, stats) => Some(result),
    };
    let cleanup = clean_directory(target).await;
    match (result, cleanup) {
        (None, _) => RaceOutcome::Interrupted,
        (Some(Err(failure)), _) | (Some(Ok(())), Err(failure)) => RaceOutcome::Failed(failure),
        (Some(Ok(())), Ok(_)) => RaceOutcome::Passed,
    }
}

async fn run_race_steps(target: &Target, case: &RaceCase, stats: &TransitionStats) -> Result<(), Failure> {
    clean_directory(target).await?;
    let naming = &target.naming;

    // 1. Racing user creates on one userName in different letter cases.
    stats.record_label("race.create_user");
    let requests = (0..case.clients)
        .map(|i| {
            user_request(
                target,
                &naming.user_name(&spelling(case.user_stem, i)),
                &format!("race{i}"),
            )
        })
        .collect();
    let responses = race(target, requests).await?;
    let line = format!(
        "{} concurrent POST /Users with userName {:?} in several cases",
        case.clients,
        naming.user_name(case.user_stem)
    );
    let winner = one_winner(&line, &responses)?;
    let filter = format!("userName eq {}", filter_literal(&naming.user_name(case.user_stem)));
    found_once(target, "/Users", filter, &winner).await?;

    // 2. Racing group creates on one displayName in different letter cases.
    stats.record_label("race.create_group");
    let requests = (0..case.clients)
        .map(|i| {
            ScimRequest::with_json(
                "POST",
                "/Groups",
                json!({ "schemas": [GROUP_SCHEMA], "displayName": naming.group_name(&spelling(case.group_stem, i)) }),
            )
        })
        .collect();
    let responses = race(target, requests).await?;
    let line = format!(
        "{} concurrent POST /Groups with displayName {:?} in several cases",
        case.clients,
        naming.group_name(case.group_stem)
    );
    let group_id = one_winner(&line, &responses)?;
    let filter = format!("displayName eq {}", filter_literal(&naming.group_name(case.group_stem)));
    found_once(target, "/Groups", filter, &group_id).await?;

    // 3. Racing member adds of different users to that group.
    stats.record_label("race.add_member");
    let mut member_ids = Vec::new();
    for i in 0..case.member_dialects.len() {
        let request = user_request(target, &naming.user_name(&format!("member{i}")), &format!("member{i}"));
        let response = target
            .client
            .send(&request)
            .await
            .map_err(|error| Failure::new(Rule::Reachable, "POST /Users", "an HTTP response", error.to_string()))?;
        let id = response
            .json
            .as_ref()
            .and_then(|b| b.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        match (response.status, id) {
            (201, Some(id)) => member_ids.push(id),
            _ => {
                return Err(Failure::new(
                    Rule::CreateReturnsResource,
                    "POST /Users (member for the race)",
                    "201 with an id",
                    format!("{} {}", response.status, body_excerpt(&response)),
                ))
            }
        }
    }
    let requests = member_ids
        .iter()
        .zip(&case.member_dialects)
        .map(|(id, entra)| {
            ScimRequest::with_json(
                "PATCH",
                format!("/Groups/{group_id}"),
                json!({
                    "schemas": [PATCH_SCHEMA],
                    "Operations": [{ "op": if *entra { "Add" } else { "add" }, "path": "members", "value": [{ "value": id }] }],
                }),
            )
        })
        .collect();
    let responses = race(target, requests).await?;
    let line = format!(
        "{} concurrent PATCH /Groups/{group_id} adding one member each",
        member_ids.len()
    );
    if responses.iter().any(|r| r.status != 200) {
        return Err(Failure::new(
            Rule::RaceAllMembersLand,
            line,
            "200 for every member add",
            format!("statuses {:?}", statuses(&responses)),
        ));
    }
    let (response, get_line) = get(target, &format!("/Groups/{group_id}"), &[]).await?;
    let mut members: Vec<String> = response
        .json
        .as_ref()
        .and_then(|b| b.get("members"))
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|m| m.get("value")?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    members.sort();
    let mut expected = member_ids.clone();
    expected.sort();
    if members != expected {
        return Err(Failure::new(
            Rule::RaceAllMembersLand,
            format!("{line}, then {get_line}"),
            format!("members {expected:?}"),
            format!("members {members:?}"),
        ));
    }
    Ok(())
}
