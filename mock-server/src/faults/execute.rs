//! Carries out a [`Plan`] around the API call: waits, changes the
//! organisation, responds in place of the API, or lets the API respond and
//! then alters the response the client gets.

use std::time::Duration;

use bytes::Bytes;
use http::header::RETRY_AFTER;
use http::{HeaderName, HeaderValue, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use indexmap::IndexMap;
use serde_json::{json, Value};
use uuid::Uuid;

use super::effect::{scim_type, Disconnect, EffectKind, ErrorBody};
use super::engine::{AppliedFault, Plan};
use super::matcher::{RequestFacts, Resource};
use super::rate_limit::retry_after_seconds;
use crate::app::App;
use crate::error::{AuthError, ScimError};
use crate::http::response::{self, Body};
use crate::seed::DEFAULT_SITE;
use crate::store::{fold, World};

/// The client's side of a request: a response, a cut response, or none.
#[derive(Debug)]
pub(crate) enum Outcome {
    Respond(Response<Body>),
    /// The response, with its body cut after `keep_bytes` (default half).
    Truncate {
        response: Response<Body>,
        keep_bytes: Option<usize>,
    },
    /// No response: the connection ends.
    Disconnect(Disconnect),
}

/// Carries out `plan`. `route` calls the API; being `FnOnce`, it runs at
/// most once.
pub(crate) async fn carry_out(app: &App, facts: &RequestFacts, plan: Plan, route: impl FnOnce() -> Response<Body>) -> Outcome {
    if !plan.delay.is_zero() {
        tracing::debug!(delay_ms = plan.delay.as_millis() as u64, "injected latency");
        tokio::time::sleep(plan.delay).await;
    }
    for change in &plan.before {
        change_organisation(app, facts, change);
    }

    let Some((applied, effect)) = plan.decisive else {
        let response = route();
        return Outcome::Respond(after_effects(app, facts, &plan.after, response).await);
    };
    tracing::info!(fault = %applied.id, effect = %applied.effect, "fault applied");

    match effect {
        EffectKind::Status {
            status,
            message,
            scim_type: keyword,
            error_body,
            body,
            content_type,
            headers,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let message = message.unwrap_or_else(|| format!("Injected fault {}: the mock responded with {status} in place of the API.", label(&applied)));
            let mut response = match body {
                Some(Value::String(text)) => raw_response(status, content_type.as_deref().unwrap_or("text/plain; charset=utf-8"), text.into_bytes()),
                Some(value) => response::json(status, &value),
                None => {
                    let atlassian = error_body.unwrap_or(if matches!(status.as_u16(), 401 | 403) { ErrorBody::Atlassian } else { ErrorBody::Scim });
                    match atlassian {
                        ErrorBody::Atlassian => response::auth_error(&AuthError { status, message }),
                        ErrorBody::Scim => {
                            let keyword = keyword.as_deref().and_then(scim_type);
                            response::scim_error(&ScimError::new(status, keyword, message))
                        }
                    }
                }
            };
            add_headers(&mut response, &headers);
            Outcome::Respond(response)
        }
        EffectKind::TooManyRequests {
            retry_after_seconds,
            message,
            headers,
        } => {
            let message = message.unwrap_or_else(|| {
                format!("Too many requests (injected fault {}): retry after {retry_after_seconds} seconds.", label(&applied))
            });
            let mut response = too_many_requests(retry_after_seconds, message);
            add_headers(&mut response, &headers);
            Outcome::Respond(response)
        }
        EffectKind::Reset {} => Outcome::Disconnect(Disconnect::Reset),
        EffectKind::Close {} => Outcome::Disconnect(Disconnect::Close),
        EffectKind::Duplicate {} => Outcome::Respond(duplicate(facts)),
        EffectKind::Truncate { keep_bytes } => {
            let response = after_effects(app, facts, &plan.after, route()).await;
            Outcome::Truncate { response, keep_bytes }
        }
        EffectKind::ResponseLost { status, drop } => {
            let applied_response = after_effects(app, facts, &plan.after, route()).await;
            tracing::info!(fault = %applied.id, lost_status = applied_response.status().as_u16(), "request applied; its response is replaced");
            match drop {
                Some(how) => Outcome::Disconnect(how),
                None => {
                    let status = StatusCode::from_u16(status.unwrap_or(504)).unwrap_or(StatusCode::GATEWAY_TIMEOUT);
                    Outcome::Respond(response::scim_error(&ScimError::new(
                        status,
                        None,
                        format!(
                            "Injected fault {}: the request was applied, then its response was replaced by this {status}.",
                            label(&applied)
                        ),
                    )))
                }
            }
        }
        EffectKind::Latency { .. }
        | EffectKind::UserLimit { .. }
        | EffectKind::UnverifyDomain { .. }
        | EffectKind::PropagationFailure { .. } => unreachable!("additive effects never decide the outcome"),
    }
}

/// Builds the 429 of the built-in rate limiter.
pub(crate) fn rate_limited(requests_per_second: f64, wait: Duration) -> Response<Body> {
    let seconds = retry_after_seconds(wait);
    too_many_requests(
        seconds,
        format!("Too many requests: this API key may send {requests_per_second} requests per second. Retry after {seconds} seconds."),
    )
}

fn too_many_requests(retry_after_seconds: u64, message: String) -> Response<Body> {
    let mut response = response::scim_error(&ScimError::new(StatusCode::TOO_MANY_REQUESTS, None, message));
    response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(retry_after_seconds));
    response
}

fn label(applied: &AppliedFault) -> String {
    match &applied.name {
        Some(name) => format!("{} ({name})", applied.id),
        None => applied.id.to_string(),
    }
}

fn raw_response(status: StatusCode, content_type: &str, bytes: Vec<u8>) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(bytes)));
    *response.status_mut() = status;
    if let Ok(value) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert(http::header::CONTENT_TYPE, value);
    }
    response
}

/// Adds the effect's headers, replacing any of the same name. The effect
/// validated them, so none is skipped in practice.
fn add_headers(response: &mut Response<Body>, headers: &IndexMap<String, String>) {
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
            response.headers_mut().insert(name, value);
        }
    }
}

/// Builds the 409 Atlassian sends for a duplicate user or group, with the
/// same detail text as a real conflict.
fn duplicate(facts: &RequestFacts) -> Response<Body> {
    let error = if facts.resource == Some(Resource::Users) {
        let user_name = facts.body_text("userName").unwrap_or_default();
        crate::store::users::duplicate_user_name(user_name)
    } else {
        crate::store::groups::duplicate_group_name()
    };
    response::scim_error(&error)
}

/// Returns the organisation a request acts on: its directory's, or the one
/// an admin path names.
fn organisation_of(world: &World, facts: &RequestFacts) -> Option<Uuid> {
    match facts.directory_id {
        Some(directory_id) => world.directories.get(&directory_id).map(|directory| directory.org_id),
        None => facts.org_id.filter(|org_id| world.organisations.contains_key(org_id)),
    }
}

fn change_organisation(app: &App, facts: &RequestFacts, change: &EffectKind) {
    let mut world = app.store.write();
    let Some(organisation) = organisation_of(&world, facts).and_then(|org_id| world.organisations.get_mut(&org_id)) else {
        tracing::debug!(path = %facts.path, "fault changes no organisation: the request names none that exists");
        return;
    };
    match change {
        EffectKind::UserLimit { limit } => {
            organisation.behaviour.user_limit = *limit;
            tracing::info!(org_id = %organisation.id, limit, "user limit lowered by a fault");
        }
        EffectKind::UnverifyDomain { domain } if organisation.verified_domains.remove(&fold(domain.trim())) => {
            tracing::info!(org_id = %organisation.id, %domain, "domain unverified by a fault");
        }
        _ => {}
    }
}

/// Applies the effects that follow a handled request. A propagation
/// failure is recorded only for a group that was created (201), with the
/// same audit event a site group name produces.
async fn after_effects(app: &App, facts: &RequestFacts, after: &[EffectKind], response: Response<Body>) -> Response<Body> {
    if after.is_empty() || response.status() != StatusCode::CREATED {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(never) => match never {},
    };

    let created: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let group_id = created.get("id").and_then(Value::as_str).unwrap_or_default();
    let display_name = created.get("displayName").and_then(Value::as_str).unwrap_or_default();
    let mut world = app.store.write();
    let organisation = organisation_of(&world, facts).and_then(|org_id| world.organisations.get_mut(&org_id));
    if let Some(organisation) = organisation {
        for effect in after {
            if let EffectKind::PropagationFailure { site } = effect {
                let site = site.as_deref().unwrap_or(DEFAULT_SITE);
                tracing::info!(group = %display_name, %site, "group not propagated: injected fault");
                organisation.audit.record(
                    "group_propagation_failed",
                    facts.directory_id,
                    json!({
                        "groupId": group_id,
                        "displayName": display_name,
                        "site": site,
                        "reason": format!("The site {site} already has a group named {display_name}, so the SCIM group was not propagated to it."),
                    }),
                );
            }
        }
    }
    drop(world);
    Response::from_parts(parts, Full::new(bytes))
}
