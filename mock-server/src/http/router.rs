//! Maps a request to its handler after authentication.
//!
//! SCIM routes live under `/scim/directory/{directoryId}` and take the
//! directory's API key; admin routes live under
//! `/admin/user-provisioning/v1/org/{orgId}` and take the org API key.
//! Everything else is a 404 SCIM error.

use http::{Method, Response, StatusCode};
use uuid::Uuid;

use super::auth::bearer_token;
use super::response::{self, Body};
use super::ScimRequest;
use crate::app::App;
use crate::error::{ApiError, AuthError, ScimError};
use crate::handlers::{self, DirectoryContext};

/// Routes a request and renders any failure as the matching error body.
pub(crate) fn route(app: &App, request: &ScimRequest) -> Response<Body> {
    let segments: Vec<&str> = request.segments.iter().map(String::as_str).collect();
    let result = match segments.as_slice() {
        ["scim", "directory", directory_id, rest @ ..] => route_directory(app, request, directory_id, rest),
        ["admin", "user-provisioning", "v1", "org", org_id, rest @ ..] => {
            handlers::admin::route(app, request, org_id, rest)
        }
        _ => Err(unknown_path(request).into()),
    };
    match result {
        Ok(response) => response,
        Err(error) => {
            log_failure(&error);
            response::api_error(&error)
        }
    }
}

fn log_failure(error: &ApiError) {
    match error {
        ApiError::Scim(error) if error.status.is_server_error() => tracing::error!(status = %error.status, detail = %error.detail, "request failed"),
        ApiError::Scim(error) => tracing::debug!(status = %error.status, detail = %error.detail, "request rejected"),
        ApiError::Auth(error) => tracing::debug!(status = %error.status, message = %error.message, "request not authorised"),
    }
}

fn route_directory(app: &App, request: &ScimRequest, directory_id: &str, rest: &[&str]) -> Result<Response<Body>, ApiError> {
    let token = bearer_token(&request.headers)?;
    let directory_id = authorise_directory(app, directory_id, token)?;
    let context = DirectoryContext {
        directory_id,
        base: app.directory_base(directory_id),
    };

    let method = &request.method;
    let result = match rest {
        ["Users"] => match *method {
            Method::GET => handlers::users::list(app, &context, request),
            Method::POST => handlers::users::create(app, &context, request),
            _ => Err(method_not_allowed(method, "/Users", "GET, POST")),
        },
        // `/.search` (RFC 7644 §3.4.3) is not provided, so it is an unknown
        // path rather than a user id with an unsupported method.
        ["Users" | "Groups", ".search"] => Err(unknown_path(request)),
        ["Users", id] => match *method {
            Method::GET => handlers::users::get(app, &context, request, id),
            Method::PUT => handlers::users::replace(app, &context, request, id),
            Method::PATCH => handlers::users::patch(app, &context, request, id),
            Method::DELETE => handlers::users::delete(app, &context, id),
            _ => Err(method_not_allowed(method, "/Users/{id}", "GET, PUT, PATCH, DELETE")),
        },
        ["Groups"] => match *method {
            Method::GET => handlers::groups::list(app, &context, request),
            Method::POST => handlers::groups::create(app, &context, request),
            _ => Err(method_not_allowed(method, "/Groups", "GET, POST")),
        },
        ["Groups", id] => match *method {
            Method::GET => handlers::groups::get(app, &context, id),
            Method::PUT => handlers::groups::replace(app, &context, request, id),
            Method::PATCH => handlers::groups::patch(app, &context, request, id),
            Method::DELETE => handlers::groups::delete(app, &context, id),
            _ => Err(method_not_allowed(method, "/Groups/{id}", "GET, PUT, PATCH, DELETE")),
        },
        ["ServiceProviderConfig"] => only_get(method, "/ServiceProviderConfig")
            .and_then(|()| handlers::discovery::service_provider_config(app, &context)),
        ["ResourceTypes"] => only_get(method, "/ResourceTypes").and_then(|()| handlers::discovery::resource_types(app, &context, request)),
        ["ResourceTypes", name] => {
            only_get(method, "/ResourceTypes/{name}").and_then(|()| handlers::discovery::resource_type(app, &context, name))
        }
        ["Schemas"] => only_get(method, "/Schemas").and_then(|()| handlers::discovery::schemas(app, &context, request)),
        ["Schemas", urn] => only_get(method, "/Schemas/{urn}").and_then(|()| handlers::discovery::schema(app, &context, urn)),
        _ => Err(unknown_path(request)),
    };
    result.map_err(ApiError::from)
}

/// Checks that `token` is the key of `directory_id`.
///
/// An unknown directory is a 404 and a key of another directory a 403, so
/// a client can tell a wrong URL from a wrong key.
fn authorise_directory(app: &App, directory_id: &str, token: &str) -> Result<Uuid, ApiError> {
    let not_found = || {
        ScimError::not_found(format!(
            "Directory [{directory_id}] does not exist. Check the directory id in the base URL, which Atlassian shows with the API key."
        ))
    };
    let id = Uuid::parse_str(directory_id).map_err(|_| not_found())?;
    let world = app.store.read();
    let directory = world.directories.get(&id).ok_or_else(not_found)?;
    if directory.api_key != token {
        return Err(AuthError::forbidden(
            "The API key does not grant access to this directory: use the key shown when this directory was created or its key was last regenerated.",
        )
        .into());
    }
    Ok(id)
}

fn only_get(method: &Method, path: &str) -> Result<(), ScimError> {
    if *method == Method::GET {
        Ok(())
    } else {
        Err(method_not_allowed(method, path, "GET"))
    }
}

/// Builds the 405 for a known path and an unsupported method.
pub(crate) fn method_not_allowed(method: &Method, path: &str, allowed: &str) -> ScimError {
    ScimError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        None,
        format!("Method {method} is not supported on {path}: use {allowed}."),
    )
}

fn unknown_path(request: &ScimRequest) -> ScimError {
    let path = format!("/{}", request.segments.join("/"));
    ScimError::not_found(format!(
        "No endpoint at {path}. SCIM endpoints are /scim/directory/{{directoryId}}/Users, /Groups, /ServiceProviderConfig, /ResourceTypes and /Schemas; /Bulk, /Me and /.search are not provided."
    ))
}
