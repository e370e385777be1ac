//! Comparison of server responses with the model's predictions.
//!
//! A resource is compared field by field through a flat "view" (a map from
//! field name to JSON value) built the same way from the response and from
//! the model, so a mismatch lists exactly the fields that differ.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde_json::{json, Value};

use super::model::{Expected, ExpectedBody, ExpectedList, GroupKey, ListItem, Model, ScimTypeExpectation, UserKey};
use super::names::Naming;
use super::requests::{group_placeholder, user_placeholder, ENTERPRISE_SCHEMA, UNBOUND_ID};
use super::rules::Rule;
use crate::client::ScimResponse;

/// URN of the SCIM error message schema.
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// URN of the list response message schema.
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// A broken rule: what was expected, what came back, and where to look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub rule: Rule,
    /// 1-based index of the transition in the sequence; `None` when the
    /// failure came from setup or cleanup.
    pub step: Option<usize>,
    /// The request that exposed the failure, as `METHOD /path?query`.
    pub request: String,
    pub expected: String,
    pub got: String,
}

impl Failure {
    /// Creates a failure with no step number yet.
    pub fn new(rule: Rule, request: impl Into<String>, expected: impl Into<String>, got: impl Into<String>) -> Self {
        Failure {
            rule,
            step: None,
            request: request.into(),
            expected: expected.into(),
            got: got.into(),
        }
    }

    /// Sets the step number if none is set yet.
    pub fn at_step(mut self, step: usize) -> Self {
        self.step.get_or_insert(step);
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = match self.step {
            Some(step) => format!(" after step {step}"),
            None => String::new(),
        };
        writeln!(f, "rule `{}` broken{place}: {}", self.rule.id(), self.rule.statement())?;
        writeln!(f, "  request:    {}", self.request)?;
        writeln!(f, "  expected:   {}", self.expected)?;
        writeln!(f, "  got:        {}", self.got)?;
        write!(f, "  likely fix: {}", self.rule.fix_hint())
    }
}

/// Ids that the server assigned, by placeholder name (`u3`, `g5`).
#[derive(Debug, Clone, Default)]
pub struct IdMap {
    ids: HashMap<String, String>,
}

impl IdMap {
    /// Records the id of a created resource.
    pub fn bind(&mut self, placeholder: &str, id: &str) {
        self.ids.insert(placeholder.to_owned(), id.to_owned());
    }

    /// Returns the id bound to a placeholder.
    pub fn get(&self, placeholder: &str) -> Option<String> {
        self.ids.get(placeholder).cloned()
    }

    /// Returns the id of a user key, or a UUID no resource has when the key
    /// was never bound.
    pub fn user(&self, key: UserKey) -> String {
        self.get(&user_placeholder(key))
            .unwrap_or_else(|| UNBOUND_ID.to_owned())
    }

    /// Returns the id of a group key, like [`IdMap::user`].
    pub fn group(&self, key: GroupKey) -> String {
        self.get(&group_placeholder(key))
            .unwrap_or_else(|| UNBOUND_ID.to_owned())
    }
}

/// A flat view of a resource: field name to value (`null` when absent).
pub type View = BTreeMap<&'static str, Value>;

fn field<'a>(resource: &'a Value, path: &[&str]) -> &'a Value {
    let mut current = resource;
    for segment in path {
        current = current.get(segment).unwrap_or(&Value::Null);
    }
    current
}

fn sorted_values(items: &Value, key: &str) -> Value {
    match items {
        Value::Array(items) => {
            let mut values: Vec<String> = items
                .iter()
                .map(|item| match item.get(key) {
                    Some(Value::String(text)) => text.clone(),
                    Some(other) => other.to_string(),
                    None => "<missing>".to_owned(),
                })
                .collect();
            values.sort();
            json!(values)
        }
        Value::Null => Value::Null,
        other => json!(format!("<not an array: {other}>")),
    }
}

fn primary_email(resource: &Value) -> Value {
    let Some(emails) = resource.get("emails").and_then(Value::as_array) else {
        return Value::Null;
    };
    let primaries: Vec<&Value> = emails
        .iter()
        .filter(|email| email.get("primary") == Some(&Value::Bool(true)))
        .collect();
    match primaries.as_slice() {
        [only] => field(only, &["value"]).clone(),
        _ => json!(format!("<{} emails marked primary>", primaries.len())),
    }
}

/// Builds the view of a user response.
pub fn user_view_of(resource: &Value) -> View {
    let groups = match resource.get("groups") {
        None => Value::Null,
        Some(groups) => sorted_values(groups, "value"),
    };
    View::from([
        ("id", field(resource, &["id"]).clone()),
        ("userName", field(resource, &["userName"]).clone()),
        ("emails[primary].value", primary_email(resource)),
        ("active", field(resource, &["active"]).clone()),
        ("externalId", field(resource, &["externalId"]).clone()),
        ("name.givenName", field(resource, &["name", "givenName"]).clone()),
        ("displayName", field(resource, &["displayName"]).clone()),
        (
            "enterprise.department",
            field(resource, &[ENTERPRISE_SCHEMA, "department"]).clone(),
        ),
        ("groups[].value", groups),
        ("meta.resourceType", field(resource, &["meta", "resourceType"]).clone()),
    ])
}

fn optional(value: Option<String>) -> Value {
    value.map_or(Value::Null, Value::String)
}

/// Builds the view that the model predicts for a user.
pub fn user_view_expected(model: &Model, ids: &IdMap, naming: &Naming, key: UserKey) -> View {
    let Some(record) = model.users.get(&key) else {
        return View::from([("id", json!("<user not in the model>"))]);
    };
    let fields = &record.fields;
    let mut groups: Vec<String> = model.groups_of(key).into_iter().map(|group| ids.group(group)).collect();
    groups.sort();
    View::from([
        ("id", json!(ids.user(key))),
        ("userName", json!(naming.user_name(fields.user_name))),
        ("emails[primary].value", json!(naming.email(fields.email))),
        ("active", json!(fields.active)),
        (
            "externalId",
            optional(fields.external_id.map(|stem| naming.external_id(stem))),
        ),
        ("name.givenName", optional(fields.given_name.map(str::to_owned))),
        ("displayName", optional(fields.display_name.map(str::to_owned))),
        ("enterprise.department", optional(fields.department.map(str::to_owned))),
        ("groups[].value", json!(groups)),
        ("meta.resourceType", json!("User")),
    ])
}

/// Builds the view of a group response. An absent `members` counts as
/// empty, because RFC 7643 lets a server omit an empty multi-valued attribute.
pub fn group_view_of(resource: &Value) -> View {
    let members = resource.get("members").cloned().unwrap_or_else(|| json!([]));
    let mut pairs: Vec<(String, String)> = members
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| {
                    (
                        field(item, &["value"]).as_str().unwrap_or("<missing>").to_owned(),
                        field(item, &["display"]).as_str().unwrap_or("<missing>").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    pairs.sort();
    let (values, displays): (Vec<String>, Vec<String>) = pairs.into_iter().unzip();
    View::from([
        ("id", field(resource, &["id"]).clone()),
        ("displayName", field(resource, &["displayName"]).clone()),
        ("members[].value", json!(values)),
        ("members[].display", json!(displays)),
        ("meta.resourceType", field(resource, &["meta", "resourceType"]).clone()),
    ])
}

/// Builds the view that the model predicts for a group.
pub fn group_view_expected(model: &Model, ids: &IdMap, naming: &Naming, key: GroupKey) -> View {
    let Some(record) = model.groups.get(&key) else {
        return View::from([("id", json!("<group not in the model>"))]);
    };
    let mut pairs: Vec<(String, String)> = record
        .members
        .iter()
        .map(|member| {
            let user_name = model
                .users
                .get(member)
                .map(|user| naming.user_name(user.fields.user_name))
                .unwrap_or_default();
            (ids.user(*member), user_name)
        })
        .collect();
    pairs.sort();
    let (values, displays): (Vec<String>, Vec<String>) = pairs.into_iter().unzip();
    View::from([
        ("id", json!(ids.group(key))),
        ("displayName", json!(naming.group_name(record.name))),
        ("members[].value", json!(values)),
        ("members[].display", json!(displays)),
        ("meta.resourceType", json!("Group")),
    ])
}

/// Lists the fields that differ between two views, as `field: expected X, got Y`.
pub fn diff_views(expected: &View, actual: &View) -> Vec<String> {
    expected
        .iter()
        .filter_map(|(name, want)| {
            let got = actual.get(name).unwrap_or(&Value::Null);
            (got != want).then(|| format!("{name}: expected {want}, got {got}"))
        })
        .collect()
}

/// Returns the response body shortened for a message.
pub fn body_excerpt(response: &ScimResponse) -> String {
    let text = response.text();
    const LIMIT: usize = 600;
    if text.len() <= LIMIT {
        return text;
    }
    let mut cut = LIMIT;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}… ({} bytes in all)", &text[..cut], text.len())
}

fn describe_expected_status(expected: &Expected) -> String {
    match expected.scim_type {
        ScimTypeExpectation::Exactly(scim_type) => format!("{} with scimType {scim_type}", expected.status),
        ScimTypeExpectation::Absent if expected.status >= 400 => format!("{} without scimType", expected.status),
        _ => expected.status.to_string(),
    }
}

/// Everything a response check needs besides the response itself.
#[derive(Debug, Clone, Copy)]
pub struct CheckContext<'a> {
    pub model: &'a Model,
    pub ids: &'a IdMap,
    pub naming: &'a Naming,
    /// The request, as `METHOD /path?query` with real ids.
    pub request: &'a str,
}

impl CheckContext<'_> {
    fn fail(&self, rule: Rule, expected: impl Into<String>, got: impl Into<String>) -> Failure {
        Failure::new(rule, self.request, expected, got)
    }
}

/// Fails when the response status is 5xx.
pub fn check_no_server_error(context: &CheckContext<'_>, response: &ScimResponse) -> Result<(), Failure> {
    if response.status >= 500 {
        return Err(context.fail(
            Rule::NoServerError,
            "a status below 500",
            format!("{} {}", response.status, body_excerpt(response)),
        ));
    }
    Ok(())
}

/// Compares one response with the model's prediction for it.
pub fn check_response(context: &CheckContext<'_>, expected: &Expected, response: &ScimResponse) -> Result<(), Failure> {
    check_no_server_error(context, response)?;
    if response.status != expected.status {
        return Err(context.fail(
            expected.rule,
            describe_expected_status(expected),
            format!("{} {}", response.status, body_excerpt(response)),
        ));
    }
    match &expected.body {
        ExpectedBody::Empty => Ok(()),
        ExpectedBody::Error => check_error_body(context, expected, response),
        ExpectedBody::User(key) => {
            let body = json_body(context, expected.rule, response)?;
            let want = user_view_expected(context.model, context.ids, context.naming, *key);
            compare_views(context, expected.rule, &want, &user_view_of(body))
        }
        ExpectedBody::Group(key) => {
            let body = json_body(context, expected.rule, response)?;
            let want = group_view_expected(context.model, context.ids, context.naming, *key);
            compare_views(context, expected.rule, &want, &group_view_of(body))
        }
        ExpectedBody::List(list) => {
            let body = json_body(context, expected.rule, response)?;
            check_list(context, expected.rule, list, body)
        }
    }
}

fn json_body<'r>(context: &CheckContext<'_>, rule: Rule, response: &'r ScimResponse) -> Result<&'r Value, Failure> {
    response
        .json
        .as_ref()
        .ok_or_else(|| context.fail(rule, "a JSON body", format!("{:?}", body_excerpt(response))))
}

fn compare_views(context: &CheckContext<'_>, rule: Rule, want: &View, got: &View) -> Result<(), Failure> {
    let differences = diff_views(want, got);
    if differences.is_empty() {
        return Ok(());
    }
    Err(context.fail(
        rule,
        "the resource as the model stores it",
        format!("a resource that differs in {}", differences.join("; ")),
    ))
}

fn check_error_body(context: &CheckContext<'_>, expected: &Expected, response: &ScimResponse) -> Result<(), Failure> {
    let body = json_body(context, Rule::ErrorBody, response)?;
    let schemas = field(body, &["schemas"]);
    let has_schema = schemas
        .as_array()
        .is_some_and(|items| items.iter().any(|item| item == ERROR_SCHEMA));
    if !has_schema {
        return Err(context.fail(
            Rule::ErrorBody,
            format!("schemas containing {ERROR_SCHEMA}"),
            format!("schemas {schemas}"),
        ));
    }
    let status = field(body, &["status"]);
    if status != &json!(expected.status.to_string()) {
        return Err(context.fail(
            Rule::ErrorBody,
            format!("\"status\": \"{}\" (a string)", expected.status),
            format!("\"status\": {status}"),
        ));
    }
    let scim_type = field(body, &["scimType"]);
    let scim_type_ok = match expected.scim_type {
        ScimTypeExpectation::Absent => scim_type.is_null(),
        ScimTypeExpectation::Exactly(want) => scim_type == want,
        ScimTypeExpectation::Any => true,
    };
    if !scim_type_ok {
        return Err(context.fail(
            expected.rule,
            describe_expected_status(expected),
            format!(
                "{} with scimType {scim_type}: {}",
                response.status,
                body_excerpt(response)
            ),
        ));
    }
    if let Some(fragment) = &expected.detail_contains {
        let detail = field(body, &["detail"]).as_str().unwrap_or_default();
        if !detail.contains(fragment.as_str()) {
            return Err(context.fail(
                expected.rule,
                format!("a detail containing {fragment:?}"),
                format!("detail {detail:?}"),
            ));
        }
    }
    Ok(())
}

fn usize_field(body: &Value, name: &str) -> Option<usize> {
    body.get(name)
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
}

fn check_list(context: &CheckContext<'_>, rule: Rule, list: &ExpectedList, body: &Value) -> Result<(), Failure> {
    let schemas = field(body, &["schemas"]);
    if !schemas
        .as_array()
        .is_some_and(|items| items.iter().any(|item| item == LIST_SCHEMA))
    {
        return Err(context.fail(
            rule,
            format!("schemas containing {LIST_SCHEMA}"),
            format!("schemas {schemas}"),
        ));
    }

    let total = usize_field(body, "totalResults");
    if total != Some(list.total_results) {
        return Err(context.fail(
            rule,
            format!("totalResults {}", list.total_results),
            format!("totalResults {}", field(body, &["totalResults"])),
        ));
    }

    let start_index = usize_field(body, "startIndex");
    if start_index != Some(list.start_index) {
        return Err(context.fail(
            rule,
            format!("startIndex {}", list.start_index),
            format!("startIndex {}", field(body, &["startIndex"])),
        ));
    }

    let empty = Vec::new();
    let resources = match body.get("Resources") {
        Some(Value::Array(items)) => items,
        None if list.items.is_empty() => &empty,
        other => {
            return Err(context.fail(
                rule,
                format!("a Resources array of {} items", list.items.len()),
                format!("Resources {}", other.unwrap_or(&Value::Null)),
            ))
        }
    };

    let items_per_page = usize_field(body, "itemsPerPage");
    if items_per_page != Some(resources.len()) {
        return Err(context.fail(
            rule,
            format!("itemsPerPage equal to the number of Resources ({})", resources.len()),
            format!("itemsPerPage {}", field(body, &["itemsPerPage"])),
        ));
    }

    let want_ids: Vec<String> = list.items.iter().map(|item| item_id(context.ids, *item)).collect();
    let got_ids: Vec<String> = resources
        .iter()
        .map(|resource| field(resource, &["id"]).as_str().unwrap_or("<no id>").to_owned())
        .collect();
    let ours: Vec<&String> = want_ids.iter().filter(|id| *id != FOREIGN).collect();
    let ids_match = want_ids.len() == got_ids.len()
        && want_ids.iter().zip(&got_ids).all(|(want, got)| {
            if want == FOREIGN {
                !ours.contains(&got)
            } else {
                want == got
            }
        });
    if !ids_match {
        return Err(context.fail(
            rule,
            format!("Resources with ids {want_ids:?} in this order"),
            format!("ids {got_ids:?}"),
        ));
    }

    for (item, resource) in list.items.iter().zip(resources) {
        let (want, got) = match item {
            ListItem::User(key) => (
                user_view_expected(context.model, context.ids, context.naming, *key),
                user_view_of(resource),
            ),
            ListItem::Group(key) => (
                group_view_expected(context.model, context.ids, context.naming, *key),
                group_view_of(resource),
            ),
            ListItem::Foreign => continue,
        };
        compare_views(context, rule, &want, &got)?;
    }

    Ok(())
}

/// Returns the id expected at one list position. A resource that this run
/// did not create is shown as `<foreign>`, which [`check_list`] matches with
/// any id that is not one of this run's.
fn item_id(ids: &IdMap, item: ListItem) -> String {
    match item {
        ListItem::User(key) => ids.user(key),
        ListItem::Group(key) => ids.group(key),
        ListItem::Foreign => FOREIGN.to_owned(),
    }
}

const FOREIGN: &str = "<foreign>";
