//! `/_mock/faults` and `/_mock/rate-limit`: list, add, replace and remove
//! fault rules, and set the rate limit.

use http::StatusCode;
use serde::Deserialize;

use super::reply::{self, ControlError, ControlResult};
use crate::app::App;
use crate::faults::{Fault, FaultConfig, FaultId, RateLimit};
use crate::http::ScimRequest;

const RULE_EXAMPLE: &str = r#"{"match": {"method": "POST", "resource": "users"}, "when": {"nth": 2}, "effect": {"type": "status", "status": 503}}"#;

/// `GET /_mock/faults`: the seed, the rate limit and every rule with its
/// `matched` and `fired` counters.
pub(crate) fn list(app: &App) -> ControlResult {
    reply::json(StatusCode::OK, &app.faults.list())
}

/// `POST /_mock/faults`: installs one rule after the others; 201 with the
/// rule and its id.
pub(crate) fn add(app: &App, request: &ScimRequest) -> ControlResult {
    let fault: Fault = reply::body(request, RULE_EXAMPLE)?;
    reply::json(StatusCode::CREATED, &app.faults.add(fault))
}

/// `PUT /_mock/faults`: replaces every rule, the rate limit and (if given)
/// the seed with a fault file's content; ids restart at 1.
pub(crate) fn replace(app: &App, request: &ScimRequest) -> ControlResult {
    let config: FaultConfig = reply::body(request, &format!(r#"{{"seed": 42, "faults": [{RULE_EXAMPLE}]}}"#))?;
    app.faults.replace(&config);
    tracing::info!(rules = config.faults.len(), "fault rules replaced");
    list(app)
}

/// `DELETE /_mock/faults`: removes every rule; the seed and rate limit stay.
pub(crate) fn clear(app: &App) -> ControlResult {
    app.faults.clear();
    reply::no_content()
}

fn parse_id(text: &str) -> Result<FaultId, ControlError> {
    text.trim_start_matches('#')
        .parse()
        .map(FaultId)
        .map_err(|_| ControlError::bad_request(format!("Fault id {text:?} is not a number: use the id GET /_mock/faults lists.")))
}

fn unknown(id: FaultId) -> ControlError {
    ControlError::not_found(format!("Fault rule {id} does not exist: it was removed, or the rules were replaced or reset."))
}

/// `GET /_mock/faults/{id}`.
pub(crate) fn get(app: &App, id: &str) -> ControlResult {
    let id = parse_id(id)?;
    let report = app.faults.get(id).ok_or_else(|| unknown(id))?;
    reply::json(StatusCode::OK, &report)
}

/// `DELETE /_mock/faults/{id}`.
pub(crate) fn remove(app: &App, id: &str) -> ControlResult {
    let id = parse_id(id)?;
    if !app.faults.remove(id) {
        return Err(unknown(id));
    }
    reply::no_content()
}

/// The body of `PUT /_mock/rate-limit`.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
struct RateLimitBody(RateLimit);

/// `GET /_mock/rate-limit`: the limit, or `null` when there is none.
pub(crate) fn rate_limit(app: &App) -> ControlResult {
    reply::json(StatusCode::OK, &app.faults.list().rate_limit)
}

/// `PUT /_mock/rate-limit`: sets the limit; every key starts with a full bucket.
pub(crate) fn set_rate_limit(app: &App, request: &ScimRequest) -> ControlResult {
    let RateLimitBody(limit) = reply::body(request, r#"{"requestsPerSecond": 5, "burst": 10}"#)?;
    app.faults.set_rate_limit(Some(limit));
    reply::json(StatusCode::OK, &limit)
}

/// `DELETE /_mock/rate-limit`.
pub(crate) fn remove_rate_limit(app: &App) -> ControlResult {
    app.faults.set_rate_limit(None);
    reply::no_content()
}
