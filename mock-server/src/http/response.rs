//! Response builders: SCIM JSON, SCIM errors, Atlassian's auth error body
//! and empty 204s.

use bytes::Bytes;
use http::header::{CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE};
use http::{HeaderValue, Response, StatusCode};
use http_body_util::Full;
use rand::Rng;
use serde::Serialize;

use crate::error::{ApiError, AuthError, ScimError};

/// The body type of every response the mock writes.
pub(crate) type Body = Full<Bytes>;

/// The media type of SCIM responses (RFC 7644 §3.1).
pub(crate) const SCIM_JSON: &str = "application/scim+json";

/// Initial size of a response buffer: one rendered user fits, so most
/// responses are written without growing it.
const INITIAL_BODY_CAPACITY: usize = 4096;

/// Serialises `body` as a SCIM JSON response.
pub(crate) fn json<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response<Body> {
    let mut bytes = Vec::with_capacity(INITIAL_BODY_CAPACITY);
    match serde_json::to_writer(&mut bytes, body) {
        Ok(()) => with_body(status, SCIM_JSON, bytes),
        Err(error) => {
            tracing::error!(%error, "failed to serialise a response body");
            scim_error(&ScimError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                None,
                format!("The mock failed to serialise its response: {error}. This is a bug in the mock."),
            ))
        }
    }
}

/// Builds a 201 with the resource and its `Location` header.
pub(crate) fn created<T: Serialize + ?Sized>(location: &str, body: &T) -> Response<Body> {
    with_location(json(StatusCode::CREATED, body), location)
}

/// Returns a response buffer sized for `resources` rendered resources.
pub(crate) fn body_buffer(resources: usize) -> Vec<u8> {
    Vec::with_capacity(INITIAL_BODY_CAPACITY.max(resources.saturating_mul(1536)))
}

/// Builds a SCIM JSON response from an already rendered body.
pub(crate) fn rendered(status: StatusCode, bytes: Vec<u8>) -> Response<Body> {
    with_body(status, SCIM_JSON, bytes)
}

/// Adds a `Location` header, unless `location` is not a valid header value.
pub(crate) fn with_location(mut response: Response<Body>, location: &str) -> Response<Body> {
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

/// Builds an empty 204.
pub(crate) fn no_content() -> Response<Body> {
    let mut response = Response::new(Body::default());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

/// Renders a SCIM error (RFC 7644 §3.12).
pub(crate) fn scim_error(error: &ScimError) -> Response<Body> {
    let bytes = serde_json::to_vec(&error.to_body()).unwrap_or_default();
    with_body(error.status, SCIM_JSON, bytes)
}

/// Renders Atlassian's `{"error": ..., "traceId": ...}` body for 401 and 403.
pub(crate) fn auth_error(error: &AuthError) -> Response<Body> {
    let body = serde_json::json!({"error": error.message, "traceId": trace_id()});
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let mut response = with_body(error.status, "application/json", bytes);
    if error.status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

/// Renders any handler failure.
pub(crate) fn api_error(error: &ApiError) -> Response<Body> {
    match error {
        ApiError::Scim(error) => scim_error(error),
        ApiError::Auth(error) => auth_error(error),
    }
}

/// Builds a response with a body and content type.
pub(crate) fn with_body(status: StatusCode, content_type: &'static str, bytes: Vec<u8>) -> Response<Body> {
    let mut response = Response::new(Body::new(Bytes::from(bytes)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// Makes a 16-hex-character trace id like the ones Atlassian returns.
fn trace_id() -> String {
    format!("{:016x}", rand::thread_rng().gen::<u64>())
}
