//! Error responses: the SCIM error body of RFC 7644 §3.12 and Atlassian's
//! non-SCIM body for authentication failures.
//!
//! Every failure a handler can meet becomes one of these two types, so a
//! client always gets a body it can parse and a status it can act on.

use http::StatusCode;
use serde::Serialize;

/// The `scimType` keywords that RFC 7644 §3.12 defines for 400 and 409.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ScimType {
    InvalidFilter,
    TooMany,
    Uniqueness,
    Mutability,
    InvalidSyntax,
    InvalidPath,
    NoTarget,
    InvalidValue,
    InvalidVers,
    Sensitive,
}

impl ScimType {
    /// Returns the keyword as it appears in a response body.
    pub fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
            ScimType::InvalidVers => "invalidVers",
            ScimType::Sensitive => "sensitive",
        }
    }
}

/// A failed SCIM request, rendered as
/// `{"schemas":[...Error],"status":"400","scimType":"...","detail":"..."}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {detail}")]
pub struct ScimError {
    /// HTTP status, sent both as the response status and, as a string, in the body.
    pub status: StatusCode,
    /// Present only where RFC 7644 §3.12 defines a keyword for the failure.
    pub scim_type: Option<ScimType>,
    /// Human-readable text that names the offending value and the fix.
    pub detail: String,
}

/// The URN of the SCIM error message schema.
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

impl ScimError {
    /// Builds an error with any status and an optional `scimType`.
    pub fn new(status: StatusCode, scim_type: Option<ScimType>, detail: impl Into<String>) -> Self {
        ScimError {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    /// 400 with a `scimType`.
    pub fn bad_request(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some(scim_type), detail)
    }

    /// 400 `invalidSyntax`: the body or a parameter cannot be parsed.
    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidSyntax, detail)
    }

    /// 400 `invalidValue`: a value is missing, of the wrong type or not allowed.
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidValue, detail)
    }

    /// 400 `invalidPath`: a PATCH path or attribute name is not understood.
    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidPath, detail)
    }

    /// 400 `mutability`: the request changes an attribute that cannot change.
    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::Mutability, detail)
    }

    /// 409 `uniqueness`.
    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, Some(ScimType::Uniqueness), detail)
    }

    /// 404 without a `scimType`, as RFC 7644 defines none for it.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, None, detail)
    }

    /// Renders the body of RFC 7644 §3.12, with `status` as a string.
    pub fn to_body(&self) -> serde_json::Value {
        let mut body = serde_json::json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.as_str(),
            "detail": self.detail,
        });
        if let Some(scim_type) = self.scim_type {
            body["scimType"] = scim_type.as_str().into();
        }
        body
    }
}

/// An authentication failure, which Atlassian reports with its own
/// `{"error": "...", "traceId": "..."}` body instead of a SCIM error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {message}")]
pub struct AuthError {
    /// 401 for a missing or malformed `Authorization` header, 403 for a key
    /// that does not open this directory or organisation.
    pub status: StatusCode,
    /// The `error` text of the body.
    pub message: String,
}

impl AuthError {
    /// 401: no usable bearer token was sent.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        AuthError {
            status: StatusCode::UNAUTHORIZED,
            message: message.into(),
        }
    }

    /// 403: a bearer token was sent but it does not open this resource.
    pub fn forbidden(message: impl Into<String>) -> Self {
        AuthError {
            status: StatusCode::FORBIDDEN,
            message: message.into(),
        }
    }
}

/// Any failure a request handler returns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Scim(#[from] ScimError),
    #[error(transparent)]
    Auth(#[from] AuthError),
}

/// The result type of request handlers and store operations.
pub type ApiResult<T> = Result<T, ApiError>;
