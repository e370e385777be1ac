//! The control API under `/_mock/`, a prefix Atlassian's API does not use:
//! fault rules, the request journal, the audit log, directories and keys,
//! domains and group names, reset, and state export, import and save.
//!
//! It takes its own bearer token (`--control-token`), responds in plain
//! JSON with `{"error", "status"}` errors, and is never subject to fault
//! rules or recorded in the journal. [`crate::MockServer`] offers the same
//! operations as Rust methods.

mod faults;
mod handle;
mod ops;
mod organisation;
mod reply;
mod requests;
mod state;

use http::{Method, Response, StatusCode};

pub use ops::{CreatedDirectory, DirectoryInfo, NewDirectory, SavedState};
pub use reply::ControlError;

pub(crate) use ops::{audit_events, save_state};

use crate::app::App;
use crate::http::response::Body;
use crate::http::ScimRequest;
use reply::ControlResult;

/// The first path segment of every control route.
pub const PREFIX: &str = "_mock";

/// Every route, for the 404 and 405 messages: method and path pattern.
const ROUTES: &[(&str, &str)] = &[
    ("GET, POST, PUT, DELETE", "faults"),
    ("GET, DELETE", "faults/{id}"),
    ("GET, PUT, DELETE", "rate-limit"),
    ("GET, DELETE", "requests"),
    ("GET", "audit"),
    ("GET, POST", "directories"),
    ("POST", "directories/{id}/regenerate-key"),
    ("GET, POST", "domains"),
    ("DELETE", "domains/{domain}"),
    ("GET, POST", "org-groups"),
    ("DELETE", "org-groups/{name}"),
    ("GET, POST", "site-groups"),
    ("DELETE", "site-groups/{name}"),
    ("POST", "reset"),
    ("GET, PUT", "state"),
    ("POST", "state/save"),
];

/// Returns whether a request addresses the control API.
/// Largest body of a control request. A state export of 20,000 users is
/// about 20 MB, far over the SCIM limit, and `PUT /_mock/state` must be
/// able to take it back.
pub(crate) const MAX_BODY_BYTES: usize = 512 * 1024 * 1024;

/// Returns whether a raw, percent-encoded path is under [`PREFIX`], so the
/// body limit can be chosen before the request is decoded.
pub(crate) fn is_control_path(path: &str) -> bool {
    path.split('/')
        .find(|segment| !segment.is_empty())
        .is_some_and(|segment| {
            segment == PREFIX
                || (segment.contains('%') && percent_encoding::percent_decode_str(segment).decode_utf8_lossy() == PREFIX)
        })
}

pub(crate) fn is_control_request(request: &ScimRequest) -> bool {
    request.segments.first().is_some_and(|segment| segment == PREFIX)
}

/// Authenticates and serves a control request; `token` is the control
/// API's bearer token.
pub(crate) async fn route(app: &App, request: &ScimRequest, token: &str) -> Response<Body> {
    let result = match authorise(request, token) {
        Ok(()) => dispatch(app, request).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(response) => response,
        Err(error) => {
            if error.status() >= 500 {
                tracing::error!(status = error.status(), error = %error, "control request failed");
            } else {
                tracing::debug!(status = error.status(), error = %error, "control request rejected");
            }
            error.into_response()
        }
    }
}

fn authorise(request: &ScimRequest, token: &str) -> Result<(), ControlError> {
    let sent = crate::http::bearer_token(&request.headers)
        .map_err(|error| ControlError::new(StatusCode::UNAUTHORIZED, format!("{} The control API takes the control token printed at start.", error.message)))?;
    if sent != token {
        return Err(ControlError::new(
            StatusCode::FORBIDDEN,
            "The bearer token is not the control token: use the control_token printed at start or set with --control-token, not a directory or org key.",
        ));
    }
    Ok(())
}

async fn dispatch(app: &App, request: &ScimRequest) -> ControlResult {
    let segments: Vec<&str> = request.segments.iter().skip(1).map(String::as_str).collect();
    let method = &request.method;
    match (method, segments.as_slice()) {
        (&Method::GET, ["faults"]) => faults::list(app),
        (&Method::POST, ["faults"]) => faults::add(app, request),
        (&Method::PUT, ["faults"]) => faults::replace(app, request),
        (&Method::DELETE, ["faults"]) => faults::clear(app),
        (&Method::GET, ["faults", id]) => faults::get(app, id),
        (&Method::DELETE, ["faults", id]) => faults::remove(app, id),
        (&Method::GET, ["rate-limit"]) => faults::rate_limit(app),
        (&Method::PUT, ["rate-limit"]) => faults::set_rate_limit(app, request),
        (&Method::DELETE, ["rate-limit"]) => faults::remove_rate_limit(app),
        (&Method::GET, ["requests"]) => requests::list(app, request),
        (&Method::DELETE, ["requests"]) => requests::clear(app),
        (&Method::GET, ["audit"]) => organisation::audit(app, request),
        (&Method::GET, ["directories"]) => organisation::list_directories(app, request),
        (&Method::POST, ["directories"]) => organisation::create_directory(app, request),
        (&Method::POST, ["directories", id, "regenerate-key"]) => organisation::regenerate_key(app, id),
        (&Method::GET, ["domains"]) => organisation::domains(app, request),
        (&Method::POST, ["domains"]) => organisation::add_domain(app, request),
        (&Method::DELETE, ["domains", domain]) => organisation::remove_domain(app, request, domain),
        (&Method::GET, ["org-groups"]) => organisation::org_groups(app, request),
        (&Method::POST, ["org-groups"]) => organisation::add_org_group(app, request),
        (&Method::DELETE, ["org-groups", name]) => organisation::remove_org_group(app, request, name),
        (&Method::GET, ["site-groups"]) => organisation::site_groups(app, request),
        (&Method::POST, ["site-groups"]) => organisation::add_site_group(app, request),
        (&Method::DELETE, ["site-groups", name]) => organisation::remove_site_group(app, request, name),
        (&Method::POST, ["reset"]) => state::reset(app),
        (&Method::GET, ["state"]) => state::export(app),
        (&Method::PUT, ["state"]) => state::import(app, request),
        (&Method::POST, ["state", "save"]) => state::save(app).await,
        (_, path) => Err(unknown_route(method, path)),
    }
}

/// Builds a 405 for a known path with another method, else a 404 that
/// lists the routes.
fn unknown_route(method: &Method, path: &[&str]) -> ControlError {
    let shape_matches = |pattern: &str| {
        let parts: Vec<&str> = pattern.split('/').collect();
        parts.len() == path.len()
            && parts
                .iter()
                .zip(path)
                .all(|(part, segment)| part.starts_with('{') || part == segment)
    };
    let shown = format!("/{PREFIX}/{}", path.join("/"));
    if let Some((allowed, _)) = ROUTES.iter().find(|(_, pattern)| shape_matches(pattern)) {
        return ControlError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("Method {method} is not supported on {shown}: use {allowed}."),
        );
    }
    let routes: Vec<String> = ROUTES
        .iter()
        .map(|(methods, pattern)| format!("{methods} /{PREFIX}/{pattern}"))
        .collect();
    ControlError::not_found(format!("No control route at {shown}. Routes: {}.", routes.join("; ")))
}
