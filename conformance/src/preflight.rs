//! The check before the first scenario or case: does the server respond, and
//! does it accept the key?
//!
//! Without it, a server that is down or a wrong `--token` turns into one
//! failure per scenario, each with its own hint. One `GET /Users` with the
//! run's key distinguishes these cases from real rule violations.

use crate::client::{ClientError, ScimClient, ScimRequest, ScimResponse};

/// Characters of a response body shown in a preflight error.
const EXCERPT_CHARS: usize = 300;

/// A reason the run cannot start against this server.
#[derive(Debug, thiserror::Error)]
pub enum PreflightError {
    /// No HTTP response arrived: connection refused, DNS failure, timeout.
    #[error("the server did not respond: {0}. Check --base-url and that the server is running")]
    Unreachable(ClientError),
    /// The server returned 401 or 403 to a plain read with the run's key.
    #[error(
        "the server rejected the key ({status}) on GET {url}: check --token (or SCIM_TOKEN) and that the key \
         belongs to this directory. Response: {excerpt}"
    )]
    KeyRejected { status: u16, url: String, excerpt: String },
    /// A gateway returned 502, 503 or 504, so the server behind it is not available.
    #[error(
        "the server is not available: GET {url} returned {status}. Start it, or wait until it is up, then run again. \
         Response: {excerpt}"
    )]
    Unavailable { status: u16, url: String, excerpt: String },
}

/// Sends `GET /Users?startIndex=1&count=1` with the run's key and returns an
/// error when the response shows that no check could pass.
///
/// Other statuses, such as 404 or 500, let the run go on: the scenarios then
/// report them with the request and the rule.
pub async fn check_server(client: &ScimClient) -> Result<(), PreflightError> {
    let request = ScimRequest::get("/Users").query("startIndex", "1").query("count", "1");
    let url = client.url_for(&request);
    let response = client.send(&request).await.map_err(PreflightError::Unreachable)?;
    match response.status {
        401 | 403 => Err(PreflightError::KeyRejected {
            status: response.status,
            url,
            excerpt: excerpt(&response),
        }),
        502..=504 => Err(PreflightError::Unavailable {
            status: response.status,
            url,
            excerpt: excerpt(&response),
        }),
        _ => Ok(()),
    }
}

fn excerpt(response: &ScimResponse) -> String {
    let text = response.text();
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return "an empty body".to_owned();
    }
    let cut: String = trimmed.chars().take(EXCERPT_CHARS).collect();
    if cut.len() < trimmed.len() {
        format!("{cut}…")
    } else {
        cut
    }
}
