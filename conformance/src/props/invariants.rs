//! Invariants checked after every step of a sequence.
//!
//! They hold in every state of a correct server, whatever the transition
//! was. So they catch bugs that the response to the transition does not
//! show, such as a stale index, a membership kept after a delete, or a page
//! that repeats a resource. The invariants are:
//! - every user in the model is returned by GET and by a `userName` filter
//!   (sent in upper case, so the filter's case-insensitivity is exercised);
//! - every deleted user and group is 404;
//! - `totalResults` matches the model, and walking all pages returns each
//!   resource exactly once, with this run's resources in creation order;
//! - a user's `groups` and its groups' `members` agree;
//! - no request is answered with 5xx.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::check::{
    body_excerpt, check_no_server_error, diff_views, group_view_expected, group_view_of, user_view_expected,
    user_view_of, CheckContext, Failure, IdMap, View,
};
use super::execute::{get, list_all, Target};
use super::model::Model;
use super::names::filter_literal;
use super::rules::Rule;

/// Page size of the page walk when the directory is small: small enough
/// that a handful of resources spans several pages.
const SMALL_PAGE: usize = 3;

/// Directories with more resources than this are walked with full pages.
const SMALL_DIRECTORY: usize = 30;

/// Checks every invariant against the server.
pub async fn check_invariants(target: &Target, model: &Model, ids: &IdMap) -> Result<(), Failure> {
    let user_groups = check_users(target, model, ids).await?;
    let group_members = check_groups(target, model, ids).await?;
    check_membership_agrees(&user_groups, &group_members)?;
    check_deleted(target, model, ids).await?;
    check_page_walk(target, model, ids, "/Users").await?;
    check_page_walk(target, model, ids, "/Groups").await?;
    Ok(())
}

fn ensure_status(
    context: &CheckContext<'_>,
    rule: Rule,
    want: u16,
    response: &crate::client::ScimResponse,
) -> Result<(), Failure> {
    check_no_server_error(context, response)?;
    if response.status != want {
        return Err(Failure::new(
            rule,
            context.request,
            format!("status {want}"),
            format!("{} {}", response.status, body_excerpt(response)),
        ));
    }
    Ok(())
}

/// Reads each user by id and by filter, and returns the `groups[].value`
/// of each user response, keyed by user id.
async fn check_users(
    target: &Target,
    model: &Model,
    ids: &IdMap,
) -> Result<BTreeMap<String, BTreeSet<String>>, Failure> {
    let mut user_groups = BTreeMap::new();
    for key in model.users.keys() {
        let id = ids.user(*key);
        let (response, line) = get(target, &format!("/Users/{id}"), &[]).await?;
        let context = CheckContext {
            model,
            ids,
            naming: &target.naming,
            request: &line,
        };
        ensure_status(&context, Rule::UserFindable, 200, &response)?;
        let body = response.json.clone().unwrap_or(Value::Null);
        let want = user_view_expected(model, ids, &target.naming, *key);
        ensure_same_view(&want, &user_view_of(&body), line, "the user as the model stores it")?;
        user_groups.insert(id.clone(), reference_values(&body, "groups"));

        let Some(record) = model.users.get(key) else { continue };
        let shouted = target.naming.user_name(record.fields.user_name).to_uppercase();
        let filter = format!("userName eq {}", filter_literal(&shouted));
        let (response, line) = get(target, "/Users", &[("filter", filter)]).await?;
        let context = CheckContext {
            model,
            ids,
            naming: &target.naming,
            request: &line,
        };
        ensure_status(&context, Rule::UserFindable, 200, &response)?;
        let body = response.json.unwrap_or(Value::Null);
        let found: Vec<&str> = body
            .get("Resources")
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(|r| r.get("id")?.as_str()).collect())
            .unwrap_or_default();
        let total = body.get("totalResults").and_then(Value::as_u64);
        if found != [id.as_str()] || total != Some(1) {
            return Err(Failure::new(
                Rule::UserFindable,
                line,
                format!("totalResults 1 and exactly the user {id}"),
                format!(
                    "totalResults {} and ids {found:?}",
                    body.get("totalResults").unwrap_or(&Value::Null)
                ),
            ));
        }
    }
    Ok(user_groups)
}

/// Fails with the differences when a resource read back differs from the
/// model's view of it.
fn ensure_same_view(want: &View, got: &View, line: String, expected: &str) -> Result<(), Failure> {
    let differences = diff_views(want, got);
    if differences.is_empty() {
        return Ok(());
    }
    Err(Failure::new(Rule::ReadReturnsStored, line, expected, differences.join("; ")))
}

/// Returns the `value` of each element of a multi-valued reference
/// attribute, such as a user's `groups` or a group's `members`.
fn reference_values(resource: &Value, attribute: &str) -> BTreeSet<String> {
    resource
        .get(attribute)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.get("value")?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Reads each group by id, and returns the `members[].value` of each
/// group response, keyed by group id.
async fn check_groups(
    target: &Target,
    model: &Model,
    ids: &IdMap,
) -> Result<BTreeMap<String, BTreeSet<String>>, Failure> {
    let mut group_members = BTreeMap::new();
    for key in model.groups.keys() {
        let id = ids.group(*key);
        let (response, line) = get(target, &format!("/Groups/{id}"), &[]).await?;
        let context = CheckContext {
            model,
            ids,
            naming: &target.naming,
            request: &line,
        };
        ensure_status(&context, Rule::ReadReturnsStored, 200, &response)?;
        let body = response.json.unwrap_or(Value::Null);
        let want = group_view_expected(model, ids, &target.naming, *key);
        ensure_same_view(&want, &group_view_of(&body), line, "the group as the model stores it")?;
        group_members.insert(id, reference_values(&body, "members"));
    }
    Ok(group_members)
}

/// Cross-checks the two sides of membership as the server reported them.
fn check_membership_agrees(
    user_groups: &BTreeMap<String, BTreeSet<String>>,
    group_members: &BTreeMap<String, BTreeSet<String>>,
) -> Result<(), Failure> {
    for (user, groups) in user_groups {
        for (group, members) in group_members {
            let user_lists_group = groups.contains(group);
            let group_lists_user = members.contains(user);
            if user_lists_group != group_lists_user {
                return Err(Failure::new(
                    Rule::MembershipAgrees,
                    format!("GET /Users/{user} and GET /Groups/{group}"),
                    "the user's groups and the group's members to agree",
                    format!(
                        "the user {} the group, but the group {} the user",
                        if user_lists_group { "lists" } else { "does not list" },
                        if group_lists_user { "lists" } else { "does not list" },
                    ),
                ));
            }
        }
    }
    Ok(())
}

async fn check_deleted(target: &Target, model: &Model, ids: &IdMap) -> Result<(), Failure> {
    for key in &model.deleted_users {
        let (response, line) = get(target, &format!("/Users/{}", ids.user(*key)), &[]).await?;
        let context = CheckContext {
            model,
            ids,
            naming: &target.naming,
            request: &line,
        };
        ensure_status(&context, Rule::DeleteUser, 404, &response)?;
    }
    for key in &model.deleted_groups {
        let (response, line) = get(target, &format!("/Groups/{}", ids.group(*key)), &[]).await?;
        let context = CheckContext {
            model,
            ids,
            naming: &target.naming,
            request: &line,
        };
        ensure_status(&context, Rule::DeleteGroup, 404, &response)?;
    }
    Ok(())
}

/// Walks every page of a collection and checks totals, coverage and order.
async fn check_page_walk(target: &Target, model: &Model, ids: &IdMap, path: &str) -> Result<(), Failure> {
    let (ours, foreign, name_attribute): (Vec<String>, usize, &str) = if path == "/Users" {
        (
            model.users.keys().map(|k| ids.user(*k)).collect(),
            model.limits.foreign_users,
            "userName",
        )
    } else {
        (
            model.groups.keys().map(|k| ids.group(*k)).collect(),
            model.limits.foreign_groups,
            "displayName",
        )
    };
    let expected_total = ours.len() + foreign;
    let page_size = if expected_total <= SMALL_DIRECTORY {
        SMALL_PAGE
    } else {
        100
    };
    let walk = list_all(target, path, page_size, Rule::PagesCoverOnce).await?;
    let request = format!("GET {path}?startIndex=1,{},...&count={page_size}", 1 + page_size);

    if let Some(total) = walk.totals.iter().find(|total| **total != expected_total) {
        return Err(Failure::new(
            Rule::TotalsMatch,
            request,
            format!(
                "totalResults {expected_total} on every page ({} of this run, {foreign} others)",
                ours.len()
            ),
            format!("totalResults {total} (per page: {:?})", walk.totals),
        ));
    }
    let returned: Vec<(String, String)> = walk
        .resources
        .iter()
        .map(|r| {
            (
                r.get("id").and_then(Value::as_str).unwrap_or("<no id>").to_owned(),
                r.get(name_attribute)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    let mut seen = BTreeSet::new();
    if let Some((duplicate, _)) = returned.iter().find(|(id, _)| !seen.insert(id.clone())) {
        return Err(Failure::new(
            Rule::PagesCoverOnce,
            request,
            "each resource exactly once across pages",
            format!("{duplicate} more than once; ids in page order: {:?}", ids_of(&returned)),
        ));
    }
    let ours_returned: Vec<String> = returned
        .iter()
        .filter(|(id, name)| ours.contains(id) || target.naming.owns(name))
        .map(|(id, _)| id.clone())
        .collect();
    if ours_returned != ours {
        return Err(Failure::new(
            Rule::PagesCoverOnce,
            request,
            format!("this run's resources exactly once, in creation order: {ours:?}"),
            format!("{ours_returned:?}"),
        ));
    }
    if returned.len() != expected_total {
        return Err(Failure::new(
            Rule::PagesCoverOnce,
            request,
            format!("{expected_total} resources across all pages"),
            format!("{} resources in {} pages", returned.len(), walk.pages),
        ));
    }
    Ok(())
}

fn ids_of(pairs: &[(String, String)]) -> Vec<&str> {
    pairs.iter().map(|(id, _)| id.as_str()).collect()
}
