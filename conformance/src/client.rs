//! An HTTP client for one SCIM 2.0 service provider.
//!
//! [`ScimClient`] stores the base URL (for Atlassian
//! `https://api.atlassian.com/scim/directory/{directoryId}`) and the bearer
//! key, and sends [`ScimRequest`]s whose paths are relative to that base URL.
//! It is shared by the scripted scenarios and by any other check that needs
//! to talk to a server, so it knows nothing about scenarios or profiles.
//!
//! ```no_run
//! # async fn demo() -> Result<(), scim_conformance::client::ClientError> {
//! use std::time::Duration;
//! use scim_conformance::client::{ScimClient, ScimRequest};
//!
//! let client = ScimClient::new("http://127.0.0.1:8080/scim/v2", "secret", Duration::from_secs(10))?;
//! let response = client.send(&ScimRequest::get("/Users").query("count", "1")).await?;
//! assert_eq!(response.status, 200);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::time::Duration;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;

/// The media type SCIM bodies are sent with unless a request sets another.
pub const SCIM_JSON: &str = "application/scim+json";

/// Characters that stay literal in a query component: RFC 3986 unreserved.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A failure to build the client or to get any HTTP response at all.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The base URL does not parse or is not http(s).
    #[error("invalid base URL `{url}`: {reason}")]
    InvalidBaseUrl { url: String, reason: String },
    /// The request could not be built (for example a header value with a newline).
    #[error("invalid request {method} {url}: {reason}")]
    InvalidRequest {
        method: String,
        url: String,
        reason: String,
    },
    /// No response arrived within the configured timeout.
    #[error("{method} {url} timed out after {timeout:?}")]
    Timeout {
        method: String,
        url: String,
        timeout: Duration,
    },
    /// Connecting, sending or reading failed.
    #[error("{method} {url} failed: {reason}")]
    Transport {
        method: String,
        url: String,
        reason: String,
    },
}

/// The `Authorization` header a request carries.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    /// `Authorization: Bearer <the client's key>`.
    #[default]
    Bearer,
    /// No `Authorization` header.
    None,
    /// `Authorization: Bearer <a key the server cannot know>`.
    WrongKey,
    /// The client's key without the `Bearer` scheme, a common misconfiguration.
    Malformed,
}

impl Auth {
    /// Reports whether this is the default: the client's own key.
    pub fn is_bearer(&self) -> bool {
        *self == Auth::Bearer
    }

    /// Describes the credentials in words, for reports.
    pub fn describe(&self) -> &'static str {
        match self {
            Auth::Bearer => "the run's key",
            Auth::None => "no Authorization header",
            Auth::WrongKey => "a wrong key",
            Auth::Malformed => "the key without the Bearer scheme",
        }
    }
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// Serialised JSON, sent as `application/scim+json` unless a header says otherwise.
    Json(Value),
    /// Bytes sent as they are, with an optional `Content-Type`.
    Raw {
        bytes: Vec<u8>,
        content_type: Option<String>,
    },
}

/// One request, with its path relative to the client's base URL.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimRequest {
    pub method: String,
    /// Path relative to the base URL, starting with `/` (for example `/Users/123`).
    /// It may carry its own query string, sent as written.
    pub path: String,
    /// Query parameters, percent-encoded by the client.
    pub query: Vec<(String, String)>,
    /// Extra headers; a `Content-Type` here wins over the body's default.
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
    pub auth: Auth,
}

impl ScimRequest {
    /// Creates a request with no body, no query and the client's key.
    pub fn new(method: impl Into<String>, path: impl Into<String>) -> Self {
        ScimRequest {
            method: method.into(),
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            auth: Auth::Bearer,
        }
    }

    /// Creates a GET request.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new("GET", path)
    }

    /// Creates a DELETE request.
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new("DELETE", path)
    }

    /// Creates a request of `method` with a JSON body.
    pub fn with_json(method: impl Into<String>, path: impl Into<String>, body: Value) -> Self {
        let mut request = Self::new(method, path);
        request.body = Some(Body::Json(body));
        request
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Replaces the `Authorization` behaviour.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// Reports whether the method changes server state (POST, PUT, PATCH or DELETE).
    pub fn is_write(&self) -> bool {
        is_write_method(&self.method)
    }
}

/// Reports whether an HTTP method changes server state (POST, PUT, PATCH or DELETE).
pub fn is_write_method(method: &str) -> bool {
    matches!(
        method.to_ascii_uppercase().as_str(),
        "POST" | "PUT" | "PATCH" | "DELETE"
    )
}

/// A request as it went on the wire, with the key redacted, for reports.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SentRequest {
    pub method: String,
    pub url: String,
    /// Headers in sending order; `Authorization` shows the scheme and `[redacted]`.
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8), cut after [`SentRequest::BODY_LIMIT`] bytes.
    pub body: Option<String>,
}

impl SentRequest {
    /// Bytes of a request body kept for reports.
    pub const BODY_LIMIT: usize = 4096;
}

/// A response with its body read in full.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimResponse {
    pub status: u16,
    /// Headers with lower-case names, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body parsed as JSON when it is non-empty JSON.
    pub json: Option<Value>,
}

impl ScimResponse {
    /// Returns the first value of a header, matching the name case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Returns the body as lossy UTF-8 text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A SCIM client bound to one base URL and one bearer key.
#[derive(Clone)]
pub struct ScimClient {
    http: reqwest::Client,
    base_url: String,
    token: String,
    wrong_key: String,
    timeout: Duration,
}

impl fmt::Debug for ScimClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScimClient")
            .field("base_url", &self.base_url)
            .field("token", &"[redacted]")
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl ScimClient {
    /// Creates a client; `timeout` bounds each request from connect to the last body byte.
    pub fn new(base_url: &str, token: &str, timeout: Duration) -> Result<Self, ClientError> {
        parse_base_url(base_url)?;
        let trimmed = base_url.trim_end_matches('/').to_owned();
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("scim-conformance/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| ClientError::InvalidBaseUrl {
                url: base_url.to_owned(),
                reason: format!("failed to build the HTTP client: {error}"),
            })?;
        Ok(ScimClient {
            http,
            base_url: trimmed,
            token: token.to_owned(),
            wrong_key: format!("scim-conformance-wrong-key-{}", uuid::Uuid::new_v4().simple()),
            timeout,
        })
    }

    /// Returns the base URL without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Builds the absolute URL of a request, with its query percent-encoded.
    pub fn url_for(&self, request: &ScimRequest) -> String {
        let mut url = format!("{}{}", self.base_url, request.path);
        for (index, (name, value)) in request.query.iter().enumerate() {
            let separator = if index == 0 && !request.path.contains('?') {
                '?'
            } else {
                '&'
            };
            url.push(separator);
            url.extend(utf8_percent_encode(name, QUERY_VALUE));
            url.push('=');
            url.extend(utf8_percent_encode(value, QUERY_VALUE));
        }
        url
    }

    /// Describes a request as it will be sent, with the key redacted.
    pub fn describe(&self, request: &ScimRequest) -> SentRequest {
        let (headers, body) = self.wire_parts(request);
        let mut shown: Vec<(String, String)> = headers
            .into_iter()
            .map(|(name, value)| {
                if name.eq_ignore_ascii_case("authorization") {
                    (name, redact_authorization(&request.auth))
                } else {
                    (name, value)
                }
            })
            .collect();
        shown.sort_by_key(|(name, _)| !name.eq_ignore_ascii_case("authorization"));
        SentRequest {
            method: request.method.clone(),
            url: self.url_for(request),
            headers: shown,
            body: body.map(|bytes| {
                let cut = bytes.len().min(SentRequest::BODY_LIMIT);
                let mut text = String::from_utf8_lossy(&bytes[..cut]).into_owned();
                if bytes.len() > cut {
                    text.push_str(&format!("… ({} bytes in all)", bytes.len()));
                }
                text
            }),
        }
    }

    /// Sends a request and reads the whole response.
    pub async fn send(&self, request: &ScimRequest) -> Result<ScimResponse, ClientError> {
        let url = self.url_for(request);
        let method_error = |reason: String| ClientError::InvalidRequest {
            method: request.method.clone(),
            url: url.clone(),
            reason,
        };
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|error| method_error(error.to_string()))?;
        let (headers, body) = self.wire_parts(request);

        let mut builder = self.http.request(method, &url);
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        if let Some(bytes) = body {
            builder = builder.body(bytes);
        }
        let built = builder.build().map_err(|error| method_error(error.to_string()))?;

        let transport = |error: reqwest::Error| {
            if error.is_timeout() {
                ClientError::Timeout {
                    method: request.method.clone(),
                    url: url.clone(),
                    timeout: self.timeout,
                }
            } else {
                ClientError::Transport {
                    method: request.method.clone(),
                    url: url.clone(),
                    reason: error_chain(&error),
                }
            }
        };
        let response = self.http.execute(built).await.map_err(transport)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response.bytes().await.map_err(transport)?.to_vec();
        let json = if body.iter().all(u8::is_ascii_whitespace) {
            None
        } else {
            serde_json::from_slice(&body).ok()
        };
        Ok(ScimResponse {
            status,
            headers,
            body,
            json,
        })
    }

    /// Sends a GET request.
    pub async fn get(&self, path: &str) -> Result<ScimResponse, ClientError> {
        self.send(&ScimRequest::get(path)).await
    }

    /// Sends a POST request with a JSON body.
    pub async fn post_json(&self, path: &str, body: Value) -> Result<ScimResponse, ClientError> {
        self.send(&ScimRequest::with_json("POST", path, body)).await
    }

    /// Sends a PUT request with a JSON body.
    pub async fn put_json(&self, path: &str, body: Value) -> Result<ScimResponse, ClientError> {
        self.send(&ScimRequest::with_json("PUT", path, body)).await
    }

    /// Sends a PATCH request with a JSON body.
    pub async fn patch_json(&self, path: &str, body: Value) -> Result<ScimResponse, ClientError> {
        self.send(&ScimRequest::with_json("PATCH", path, body)).await
    }

    /// Sends a DELETE request.
    pub async fn delete(&self, path: &str) -> Result<ScimResponse, ClientError> {
        self.send(&ScimRequest::delete(path)).await
    }

    /// Computes the headers and body bytes that go on the wire.
    fn wire_parts(&self, request: &ScimRequest) -> (Vec<(String, String)>, Option<Vec<u8>>) {
        let mut headers = Vec::new();
        match request.auth {
            Auth::Bearer => headers.push(("Authorization".to_owned(), format!("Bearer {}", self.token))),
            Auth::WrongKey => {
                headers.push(("Authorization".to_owned(), format!("Bearer {}", self.wrong_key)));
            }
            Auth::Malformed => headers.push(("Authorization".to_owned(), self.token.clone())),
            Auth::None => {}
        }
        headers.push(("Accept".to_owned(), format!("{SCIM_JSON}, application/json")));

        let has_content_type = request
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
        let body = match &request.body {
            None => None,
            Some(Body::Json(value)) => {
                if !has_content_type {
                    headers.push(("Content-Type".to_owned(), SCIM_JSON.to_owned()));
                }
                Some(value.to_string().into_bytes())
            }
            Some(Body::Raw {
                bytes,
                content_type,
            }) => {
                if let (false, Some(content_type)) = (has_content_type, content_type) {
                    headers.push(("Content-Type".to_owned(), content_type.clone()));
                }
                Some(bytes.clone())
            }
        };
        for (name, value) in &request.headers {
            headers.retain(|(existing, _)| !existing.eq_ignore_ascii_case(name));
            headers.push((name.clone(), value.clone()));
        }
        (headers, body)
    }
}

/// Parses a base URL and checks that it can be used: an absolute `http` or
/// `https` URL with a host and without a query string or fragment.
pub fn parse_base_url(base_url: &str) -> Result<reqwest::Url, ClientError> {
    let invalid = |reason: String| ClientError::InvalidBaseUrl {
        url: base_url.to_owned(),
        reason,
    };
    let trimmed = base_url.trim().trim_end_matches('/');
    let lower = trimmed.to_ascii_lowercase();
    let has_web_scheme = lower.starts_with("http:") || lower.starts_with("https:");
    if !has_web_scheme && !trimmed.contains("://") {
        // Without this check `localhost:8080/scim` parses as the scheme
        // `localhost`, and `127.0.0.1:8080` fails with "relative URL".
        return Err(invalid(format!(
            "the scheme is missing. Pass http://{trimmed}, or https:// for a server with TLS"
        )));
    }
    let parsed = reqwest::Url::parse(trimmed).map_err(|error| invalid(format!("{error}: pass a URL such as http://127.0.0.1:8080/scim/v2")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid(format!("scheme `{}` is not http or https", parsed.scheme())));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid("the host is missing: pass a URL such as http://127.0.0.1:8080/scim/v2".to_owned()));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid(
            "request paths are appended to the base URL, so it cannot have a query string or fragment: pass the SCIM root only"
                .to_owned(),
        ));
    }
    Ok(parsed)
}

/// Shows which kind of credentials went out without showing the key.
fn redact_authorization(auth: &Auth) -> String {
    match auth {
        Auth::Bearer => "Bearer [redacted]".to_owned(),
        Auth::WrongKey => "Bearer [a wrong key]".to_owned(),
        Auth::Malformed => "[the key without the Bearer scheme]".to_owned(),
        Auth::None => String::new(),
    }
}

/// Joins an error with its sources, because reqwest's top-level message alone
/// ("error sending request") hides the cause such as "connection refused".
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> ScimClient {
        ScimClient::new("http://127.0.0.1:1/scim/", "secret", Duration::from_secs(1))
            .expect("the base URL is valid")
    }

    #[test]
    fn url_encodes_query_values() {
        let request = ScimRequest::get("/Users").query("filter", "userName eq \"a+b&c\"");
        assert_eq!(
            client().url_for(&request),
            "http://127.0.0.1:1/scim/Users?filter=userName%20eq%20%22a%2Bb%26c%22"
        );
    }

    #[test]
    fn url_appends_query_to_existing_query() {
        let request = ScimRequest::get("/Users?count=1").query("startIndex", "2");
        assert_eq!(
            client().url_for(&request),
            "http://127.0.0.1:1/scim/Users?count=1&startIndex=2"
        );
    }

    #[test]
    fn describe_redacts_the_key() {
        let sent = client().describe(&ScimRequest::get("/Users"));
        let rendered = format!("{:?}", sent.headers);
        assert!(!rendered.contains("secret"), "{rendered}");
        assert!(rendered.contains("Bearer [redacted]"), "{rendered}");
    }

    #[test]
    fn header_override_replaces_default_content_type() {
        let request = ScimRequest::with_json("POST", "/Users", serde_json::json!({}))
            .header("Content-Type", "text/plain");
        let sent = client().describe(&request);
        let content_types: Vec<_> = sent
            .headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("content-type"))
            .collect();
        assert_eq!(content_types.len(), 1);
        assert_eq!(content_types[0].1, "text/plain");
    }

    #[test]
    fn base_url_without_scheme_names_the_fix() {
        for url in ["localhost:8080/scim", "127.0.0.1:8080/scim", "example.org"] {
            let error = ScimClient::new(url, "k", Duration::from_secs(1)).expect_err("a scheme is required");
            let message = error.to_string();
            assert!(message.contains(&format!("`{url}`")), "{message}");
            assert!(message.contains("the scheme is missing"), "{message}");
            assert!(message.contains(&format!("http://{url}")), "{message}");
        }
    }

    #[test]
    fn base_url_with_query_is_rejected() {
        let error = parse_base_url("http://127.0.0.1:1/scim?x=1").expect_err("a query is not allowed");
        assert!(error.to_string().contains("query string"), "{error}");
    }

    #[test]
    fn base_url_with_scheme_is_accepted() {
        assert!(parse_base_url("http://127.0.0.1:1/scim/").is_ok());
        assert!(parse_base_url("HTTPS://[::1]/scim").is_ok());
    }

    #[test]
    fn rejects_non_http_scheme() {
        let error = ScimClient::new("ftp://127.0.0.1/", "k", Duration::from_secs(1))
            .expect_err("ftp is not allowed");
        assert!(error.to_string().contains("not http or https"), "{error}");
    }
}
