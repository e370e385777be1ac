//! JSON responses and errors of the control API, and reading its request
//! bodies.

use http::{Response, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::http::response::{self, Body};
use crate::http::ScimRequest;

/// A failed control API call or Rust control operation: an HTTP status
/// and a message that names the value at fault and the fix. The control
/// API sends it as `{"error": message, "status": code}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ControlError {
    status: StatusCode,
    message: String,
}

impl ControlError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ControlError {
            status,
            message: message.into(),
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }

    /// Returns the HTTP status of the control API's error response.
    pub fn status(&self) -> u16 {
        self.status.as_u16()
    }

    /// Returns the message.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn into_response(self) -> Response<Body> {
        let body = serde_json::json!({"error": self.message, "status": self.status.as_u16()});
        let mut reply = response::with_body(self.status, "application/json", serde_json::to_vec(&body).unwrap_or_default());
        if self.status == StatusCode::UNAUTHORIZED {
            reply
                .headers_mut()
                .insert(http::header::WWW_AUTHENTICATE, http::HeaderValue::from_static("Bearer"));
        }
        reply
    }
}

/// The result of a control route.
pub(crate) type ControlResult = Result<Response<Body>, ControlError>;

/// Serialises `body` as `application/json`.
pub(crate) fn json<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> ControlResult {
    let bytes = serde_json::to_vec(body)
        .map_err(|error| ControlError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("failed to serialise the response: {error}")))?;
    Ok(response::with_body(status, "application/json", bytes))
}

pub(crate) fn no_content() -> ControlResult {
    Ok(response::no_content())
}

/// Parses the request body as `T`, naming the location of any error, such
/// as `faults[0].effect.status`. `example` shows a valid body in the
/// message for an empty one.
pub(crate) fn body<T: DeserializeOwned>(request: &ScimRequest, example: &str) -> Result<T, ControlError> {
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Err(ControlError::bad_request(format!("The request body is empty: send JSON such as {example}.")));
    }
    let deserializer = &mut serde_json::Deserializer::from_slice(&request.body);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let location = match error.path().to_string().as_str() {
            "." => String::new(),
            path => format!(" at {path}"),
        };
        ControlError::bad_request(format!("Invalid request body{location}: {}.", error.into_inner()))
    })
}
