//! A request as the handlers see it: decoded path segments, query
//! parameters, headers and the whole body.

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, Method};
use serde_json::{Map, Value};

use crate::error::ScimError;

/// An HTTP request whose body has been read in full.
#[derive(Debug)]
pub(crate) struct ScimRequest {
    pub method: Method,
    /// The path, percent-decoded segment by segment, without empty segments,
    /// so `/Users/` and `/Users` route alike.
    pub segments: Vec<String>,
    /// Query parameters, decoded as `application/x-www-form-urlencoded`
    /// (so `+` is a space, as identity providers encode filters).
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Whether a body of a type other than JSON gets a 415.
    pub strict_content_type: bool,
}

impl ScimRequest {
    /// Splits a raw path and query into decoded parts.
    pub fn new(method: Method, path: &str, query: Option<&str>, headers: HeaderMap, body: Bytes, strict_content_type: bool) -> Self {
        let segments = path
            .split('/')
            .filter(|segment| !segment.is_empty())
            .map(|segment| {
                // A segment without `%` decodes to itself, so skipping the
                // decoder saves a UTF-8 validation pass per segment.
                if segment.contains('%') {
                    percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned()
                } else {
                    segment.to_owned()
                }
            })
            .collect();
        let query = query
            .map(|text| form_urlencoded::parse(text.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        ScimRequest {
            method,
            segments,
            query,
            headers,
            body,
            strict_content_type,
        }
    }

    /// Returns the first value of a query parameter, matching its name
    /// case-insensitively.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Parses the body as a JSON object, after checking its content type.
    pub fn json_object(&self) -> Result<Map<String, Value>, ScimError> {
        match self.json_value()? {
            Value::Object(fields) => Ok(fields),
            other => Err(ScimError::invalid_syntax(format!(
                "The request body must be a JSON object, got {}. Send the resource as {{...}}.",
                json_kind(&other)
            ))),
        }
    }

    /// Parses the body as any JSON value, after checking its content type.
    pub fn json_value(&self) -> Result<Value, ScimError> {
        self.check_content_type()?;
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(ScimError::invalid_syntax(
                "The request body is empty: send a JSON object with Content-Type: application/scim+json.",
            ));
        }
        serde_json::from_slice(&self.body).map_err(|error| {
            ScimError::invalid_syntax(format!(
                "The request body is not valid JSON: {error}. Check quoting and commas at that position."
            ))
        })
    }

    fn check_content_type(&self) -> Result<(), ScimError> {
        if !self.strict_content_type {
            return Ok(());
        }
        let content_type = self
            .headers
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        let accepted = media_type.eq_ignore_ascii_case("application/json")
            || media_type.eq_ignore_ascii_case("application/scim+json");
        if accepted {
            return Ok(());
        }
        let shown = if content_type.is_empty() { "none" } else { content_type };
        Err(ScimError::new(
            http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            None,
            format!(
                "Unsupported Content-Type '{shown}': send the body as application/scim+json or application/json."
            ),
        ))
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
