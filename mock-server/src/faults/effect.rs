//! Fault effects: respond in place of the API, slow a request down, drop
//! the connection, cut the response, lose the response of an applied
//! write, or bend an Atlassian rule.

use std::time::Duration;

use http::{HeaderName, HeaderValue, StatusCode};
use indexmap::IndexMap;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::matcher::{RequestFacts, Resource};
use crate::error::ScimType;

/// Maximum latency a rule may add. A longer one is almost surely a unit
/// mistake (seconds written as milliseconds) and would stall a test
/// run rather than exercise a client timeout.
pub(crate) const MAX_LATENCY: Duration = Duration::from_secs(600);

/// Ways a connection can end without a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Disconnect {
    /// TCP reset (RST): the client sees "connection reset by peer".
    Reset,
    /// Orderly close (FIN): the client sees the connection end before a
    /// response, an "incomplete message" or "empty reply".
    Close,
}

/// Error body format of a status effect without an explicit body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum ErrorBody {
    /// RFC 7644 §3.12 error: `{"schemas", "status", "detail", "scimType"}`.
    Scim,
    /// Atlassian's authentication failure body: `{"error", "traceId"}`.
    Atlassian,
}

/// The JSON form of an effect, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub(crate) enum EffectKind {
    /// Respond with this status instead of calling the API.
    Status {
        status: u16,
        /// The SCIM `detail` or Atlassian `error` text.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scim_type: Option<String>,
        /// Defaults to Atlassian's body for 401 and 403, SCIM otherwise.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error_body: Option<ErrorBody>,
        /// A JSON value is sent as JSON; a string is sent as is, with
        /// `content_type`, which is how a proxy's HTML page looks.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content_type: Option<String>,
        #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
        headers: IndexMap<String, String>,
    },
    /// Respond with 429 and `Retry-After` instead of calling the API.
    TooManyRequests {
        retry_after_seconds: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
        headers: IndexMap<String, String>,
    },
    /// Wait before handling the request: `ms`, or uniformly within
    /// `[minMs, maxMs]`.
    Latency {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ms: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_ms: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_ms: Option<u64>,
    },
    /// End the connection with a TCP reset, without calling the API.
    // Variants without fields are written `{}` so that `deny_unknown_fields`
    // rejects stray fields; serde ignores them on unit variants.
    Reset {},
    /// Close the connection, without calling the API or responding.
    Close {},
    /// Call the API, send the status, headers and a `Content-Length` for
    /// the whole body, then close after `keepBytes` bytes (default half).
    Truncate {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        keep_bytes: Option<usize>,
    },
    /// Call the API, so the change takes effect, then replace the response
    /// with a 5xx (default 504) or drop the connection.
    ResponseLost {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        drop: Option<Disconnect>,
    },
    /// Respond to a create with the 409 `uniqueness` error Atlassian sends
    /// for a duplicate, without creating anything.
    Duplicate {},
    /// Create the group normally (201), then record in the audit log that
    /// it failed to propagate to `site`, as a site group name does.
    PropagationFailure {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        site: Option<String>,
    },
    /// Set the organisation's user limit to `limit`, then handle the
    /// request. The limit stays until reset or a state import.
    UserLimit { limit: usize },
    /// Remove `domain` from the organisation's verified domains, then
    /// handle the request. The domain stays unverified until it is added
    /// back through the control API or the state is reset.
    UnverifyDomain { domain: String },
}

/// The action a fault rule takes when it fires.
///
/// Latency and the Atlassian rule changes (`user_limit`, `unverify_domain`,
/// `propagation_failure`) add to whatever else happens. Every other effect
/// decides the outcome of the request, so when several rules fire on one
/// request, the first of them in rule order wins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "EffectKind", into = "EffectKind")]
pub struct Effect {
    pub(crate) kind: EffectKind,
}

impl TryFrom<EffectKind> for Effect {
    type Error = String;

    fn try_from(kind: EffectKind) -> Result<Self, Self::Error> {
        validate(&kind)?;
        Ok(Effect { kind })
    }
}

impl From<Effect> for EffectKind {
    fn from(effect: Effect) -> EffectKind {
        effect.kind
    }
}

impl Effect {
    #[track_caller]
    fn checked(kind: EffectKind) -> Effect {
        match Effect::try_from(kind) {
            Ok(effect) => effect,
            Err(error) => panic!("invalid fault effect: {error}"),
        }
    }

    /// Responds with `status` and an error body: Atlassian's `{"error",
    /// "traceId"}` for 401 and 403, a SCIM error otherwise.
    ///
    /// # Panics
    /// When `status` is not between 200 and 599.
    #[track_caller]
    pub fn status(status: u16) -> Effect {
        Effect::checked(EffectKind::Status {
            status,
            message: None,
            scim_type: None,
            error_body: None,
            body: None,
            content_type: None,
            headers: IndexMap::new(),
        })
    }

    /// Responds with `status` and a body that is not JSON, such as the HTML
    /// page a proxy sends.
    #[track_caller]
    pub fn non_json(status: u16, content_type: &str, body: &str) -> Effect {
        Effect::checked(EffectKind::Status {
            status,
            message: None,
            scim_type: None,
            error_body: None,
            body: Some(Value::String(body.to_owned())),
            content_type: Some(content_type.to_owned()),
            headers: IndexMap::new(),
        })
    }

    /// Responds with 429 and `Retry-After` in whole seconds, rounded up.
    pub fn too_many_requests(retry_after: Duration) -> Effect {
        let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        Effect::checked(EffectKind::TooManyRequests {
            retry_after_seconds: seconds,
            message: None,
            headers: IndexMap::new(),
        })
    }

    /// Waits `delay` before handling the request.
    ///
    /// # Panics
    /// When `delay` is over 10 minutes.
    #[track_caller]
    pub fn latency(delay: Duration) -> Effect {
        Effect::checked(EffectKind::Latency {
            ms: Some(millis(delay)),
            min_ms: None,
            max_ms: None,
        })
    }

    /// Waits a delay drawn uniformly from `[min, max]` by the seeded
    /// generator, so a run with the same seed waits the same delays.
    ///
    /// # Panics
    /// When `min` is above `max` or `max` is over 10 minutes.
    #[track_caller]
    pub fn latency_between(min: Duration, max: Duration) -> Effect {
        Effect::checked(EffectKind::Latency {
            ms: None,
            min_ms: Some(millis(min)),
            max_ms: Some(millis(max)),
        })
    }

    /// Ends the connection without a response.
    pub fn disconnect(how: Disconnect) -> Effect {
        match how {
            Disconnect::Reset => Effect { kind: EffectKind::Reset {} },
            Disconnect::Close => Effect { kind: EffectKind::Close {} },
        }
    }

    /// Sends the real response cut after half its body, then closes.
    pub fn truncate() -> Effect {
        Effect {
            kind: EffectKind::Truncate { keep_bytes: None },
        }
    }

    /// Sends the real response cut after `keep_bytes` bytes of its body.
    pub fn truncate_after(keep_bytes: usize) -> Effect {
        Effect {
            kind: EffectKind::Truncate {
                keep_bytes: Some(keep_bytes),
            },
        }
    }

    /// Applies the request, then responds with `status` (a 5xx) in place of the
    /// real response, as when a gateway times out after the backend wrote.
    ///
    /// # Panics
    /// When `status` is not between 500 and 599.
    #[track_caller]
    pub fn response_lost(status: u16) -> Effect {
        Effect::checked(EffectKind::ResponseLost {
            status: Some(status),
            drop: None,
        })
    }

    /// Applies the request, then ends the connection without a response.
    pub fn response_lost_by(how: Disconnect) -> Effect {
        Effect {
            kind: EffectKind::ResponseLost {
                status: None,
                drop: Some(how),
            },
        }
    }

    /// Responds to a `POST /Users` or `POST /Groups` with Atlassian's 409
    /// duplicate error, creating nothing. Other requests do not match.
    pub fn duplicate() -> Effect {
        Effect {
            kind: EffectKind::Duplicate {},
        }
    }

    /// Creates the group (201), then records that it failed to propagate
    /// to the default site. Only `POST /Groups` matches.
    pub fn propagation_failure() -> Effect {
        Effect {
            kind: EffectKind::PropagationFailure { site: None },
        }
    }

    /// Like [`Effect::propagation_failure`], naming the site.
    pub fn propagation_failure_on(site: &str) -> Effect {
        Effect {
            kind: EffectKind::PropagationFailure {
                site: Some(site.to_owned()),
            },
        }
    }

    /// Sets the organisation's user limit, then handles the request.
    pub fn user_limit(limit: usize) -> Effect {
        Effect {
            kind: EffectKind::UserLimit { limit },
        }
    }

    /// Removes a verified domain, then handles the request.
    ///
    /// # Panics
    /// When `domain` is blank.
    #[track_caller]
    pub fn unverify_domain(domain: &str) -> Effect {
        Effect::checked(EffectKind::UnverifyDomain {
            domain: domain.to_owned(),
        })
    }

    /// Sets the message of a status or 429 effect: the SCIM `detail`, or
    /// the Atlassian `error` text.
    ///
    /// # Panics
    /// On other effects.
    #[track_caller]
    pub fn with_message(mut self, text: &str) -> Effect {
        match &mut self.kind {
            EffectKind::Status { message, .. } | EffectKind::TooManyRequests { message, .. } => *message = Some(text.to_owned()),
            other => panic!("with_message applies to status and tooManyRequests effects, not {}", other.name()),
        }
        self
    }

    /// Sets the `scimType` of a status effect's SCIM error body.
    ///
    /// # Panics
    /// On other effects, or for a keyword RFC 7644 §3.12 does not define.
    #[track_caller]
    pub fn with_scim_type(mut self, keyword: &str) -> Effect {
        match &mut self.kind {
            EffectKind::Status { scim_type, .. } => *scim_type = Some(keyword.to_owned()),
            other => panic!("with_scim_type applies to status effects, not {}", other.name()),
        }
        Effect::checked(self.kind)
    }

    /// Sends Atlassian's `{"error", "traceId"}` body instead of a SCIM
    /// error, or the reverse, whatever the status.
    ///
    /// # Panics
    /// On effects other than status.
    #[track_caller]
    pub fn with_atlassian_body(mut self, atlassian: bool) -> Effect {
        match &mut self.kind {
            EffectKind::Status { error_body, .. } => {
                *error_body = Some(if atlassian { ErrorBody::Atlassian } else { ErrorBody::Scim });
            }
            other => panic!("with_atlassian_body applies to status effects, not {}", other.name()),
        }
        Effect::checked(self.kind)
    }

    /// Adds a response header to a status or 429 effect.
    ///
    /// # Panics
    /// On other effects, or when the name or value is not valid in HTTP.
    #[track_caller]
    pub fn with_header(mut self, name: &str, value: &str) -> Effect {
        match &mut self.kind {
            EffectKind::Status { headers, .. } | EffectKind::TooManyRequests { headers, .. } => {
                headers.insert(name.to_owned(), value.to_owned());
            }
            other => panic!("with_header applies to status and tooManyRequests effects, not {}", other.name()),
        }
        Effect::checked(self.kind)
    }

    /// Returns the `type` name used in fault files, such as `responseLost`.
    pub fn name(&self) -> &'static str {
        self.kind.name()
    }

    /// Returns whether this effect adds to the outcome instead of deciding it.
    pub(crate) fn is_additive(&self) -> bool {
        matches!(
            self.kind,
            EffectKind::Latency { .. }
                | EffectKind::UserLimit { .. }
                | EffectKind::UnverifyDomain { .. }
                | EffectKind::PropagationFailure { .. }
        )
    }

    /// Returns whether the effect can apply to this request at all. A rule
    /// whose effect cannot apply does not match, so its counters do not move.
    pub(crate) fn applies_to(&self, facts: &RequestFacts) -> bool {
        match self.kind {
            EffectKind::Duplicate {} => facts.is_create_of(Resource::Users) || facts.is_create_of(Resource::Groups),
            EffectKind::PropagationFailure { .. } => facts.is_create_of(Resource::Groups),
            _ => true,
        }
    }

    /// Draws the delay of a latency effect; zero for other effects.
    pub(crate) fn delay(&self, rng: &mut ChaCha8Rng) -> Duration {
        match self.kind {
            EffectKind::Latency { ms: Some(ms), .. } => Duration::from_millis(ms),
            EffectKind::Latency {
                min_ms: Some(min),
                max_ms: Some(max),
                ..
            } => Duration::from_millis(rng.gen_range(min..=max)),
            _ => Duration::ZERO,
        }
    }
}

impl EffectKind {
    fn name(&self) -> &'static str {
        match self {
            EffectKind::Status { .. } => "status",
            EffectKind::TooManyRequests { .. } => "tooManyRequests",
            EffectKind::Latency { .. } => "latency",
            EffectKind::Reset {} => "reset",
            EffectKind::Close {} => "close",
            EffectKind::Truncate { .. } => "truncate",
            EffectKind::ResponseLost { .. } => "responseLost",
            EffectKind::Duplicate {} => "duplicate",
            EffectKind::PropagationFailure { .. } => "propagationFailure",
            EffectKind::UserLimit { .. } => "userLimit",
            EffectKind::UnverifyDomain { .. } => "unverifyDomain",
        }
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Parses a `scimType` keyword that RFC 7644 §3.12 defines.
pub(crate) fn scim_type(keyword: &str) -> Option<ScimType> {
    const KNOWN: [ScimType; 10] = [
        ScimType::InvalidFilter,
        ScimType::TooMany,
        ScimType::Uniqueness,
        ScimType::Mutability,
        ScimType::InvalidSyntax,
        ScimType::InvalidPath,
        ScimType::NoTarget,
        ScimType::InvalidValue,
        ScimType::InvalidVers,
        ScimType::Sensitive,
    ];
    KNOWN.into_iter().find(|known| known.as_str() == keyword)
}

fn validate_headers(headers: &IndexMap<String, String>) -> Result<(), String> {
    for (name, value) in headers {
        HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("invalid header name {name:?}: use letters, digits and '-'"))?;
        HeaderValue::from_str(value)
            .map_err(|_| format!("invalid value {value:?} of header {name}: use visible ASCII without line breaks"))?;
    }
    Ok(())
}

fn validate(kind: &EffectKind) -> Result<(), String> {
    match kind {
        EffectKind::Status {
            status,
            scim_type: keyword,
            error_body,
            body,
            content_type,
            headers,
            ..
        } => {
            if !(200..=599).contains(status) || StatusCode::from_u16(*status).is_err() {
                return Err(format!(
                    "status {status} cannot end a request: use a final status between 200 and 599"
                ));
            }
            if let Some(keyword) = keyword {
                if scim_type(keyword).is_none() {
                    return Err(format!(
                        "unknown scimType {keyword:?}: use one RFC 7644 §3.12 defines, such as \"uniqueness\" or \"invalidValue\""
                    ));
                }
            }
            if body.is_some() && (error_body.is_some() || keyword.is_some()) {
                return Err("\"body\" replaces the error body, so \"errorBody\" and \"scimType\" have no effect with it: remove one".to_owned());
            }
            if let Some(content_type) = content_type {
                if !matches!(body, Some(Value::String(_))) {
                    return Err("\"contentType\" applies only to a string \"body\": set \"body\" to the text to send".to_owned());
                }
                HeaderValue::from_str(content_type)
                    .map_err(|_| format!("invalid contentType {content_type:?}: use a media type such as \"text/html\""))?;
            }
            validate_headers(headers)
        }
        EffectKind::TooManyRequests { headers, .. } => validate_headers(headers),
        EffectKind::Latency { ms, min_ms, max_ms } => {
            let limit = millis(MAX_LATENCY);
            match (ms, min_ms, max_ms) {
                (Some(ms), None, None) if *ms <= limit => Ok(()),
                (None, Some(min), Some(max)) if min <= max && *max <= limit => Ok(()),
                (None, Some(min), Some(max)) if min > max => {
                    Err(format!("latency minMs {min} is above maxMs {max}: swap them"))
                }
                (Some(_), None, None) | (None, Some(_), Some(_)) => {
                    Err(format!("latency is above the maximum of {limit} ms: lower it, or use a connection fault"))
                }
                _ => Err("latency needs either \"ms\" or both \"minMs\" and \"maxMs\"".to_owned()),
            }
        }
        EffectKind::ResponseLost { status, drop } => match (status, drop) {
            (Some(_), Some(_)) => Err("responseLost takes \"status\" or \"drop\", not both".to_owned()),
            (Some(status), None) if !(500..=599).contains(status) => Err(format!(
                "responseLost status {status} is not a server error: use a status between 500 and 599"
            )),
            _ => Ok(()),
        },
        EffectKind::UnverifyDomain { domain } if domain.trim().is_empty() => {
            Err("unverifyDomain needs a \"domain\", such as \"example.com\"".to_owned())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(value: Value) -> Result<Effect, String> {
        serde_json::from_value(value).map_err(|error| error.to_string())
    }

    #[test]
    fn every_type_parses() {
        for value in [
            json!({"type": "status", "status": 503}),
            json!({"type": "status", "status": 403, "message": "no", "headers": {"x-trace": "1"}}),
            json!({"type": "status", "status": 502, "body": "<html>bad gateway</html>", "contentType": "text/html"}),
            json!({"type": "tooManyRequests", "retryAfterSeconds": 2}),
            json!({"type": "latency", "ms": 100}),
            json!({"type": "latency", "minMs": 10, "maxMs": 20}),
            json!({"type": "reset"}),
            json!({"type": "close"}),
            json!({"type": "truncate", "keepBytes": 5}),
            json!({"type": "responseLost"}),
            json!({"type": "responseLost", "drop": "reset"}),
            json!({"type": "duplicate"}),
            json!({"type": "propagationFailure", "site": "acme.atlassian.net"}),
            json!({"type": "userLimit", "limit": 0}),
            json!({"type": "unverifyDomain", "domain": "example.com"}),
        ] {
            let effect = parse(value.clone()).unwrap_or_else(|error| panic!("{value}: {error}"));
            assert_eq!(serde_json::to_value(&effect).expect("the value serialises"), value);
        }
    }

    #[test]
    fn invalid_effects_rejected() {
        for (value, expected) in [
            (json!({"type": "status", "status": 100}), "between 200 and 599"),
            (json!({"type": "status", "status": 400, "scimType": "oops"}), "unknown scimType"),
            (json!({"type": "status", "status": 400, "contentType": "text/html"}), "string \"body\""),
            (json!({"type": "status", "status": 400, "headers": {"bad header": "x"}}), "invalid header name"),
            (json!({"type": "latency"}), "either"),
            (json!({"type": "latency", "minMs": 20, "maxMs": 10}), "swap"),
            (json!({"type": "latency", "ms": 700_000}), "maximum"),
            (json!({"type": "responseLost", "status": 404}), "server error"),
            (json!({"type": "responseLost", "status": 500, "drop": "close"}), "not both"),
            (json!({"type": "unverifyDomain", "domain": " "}), "needs a"),
            (json!({"type": "explode"}), "unknown variant"),
            (json!({"type": "reset", "status": 500}), "unknown field"),
        ] {
            let error = parse(value.clone()).expect_err("the effect is invalid");
            assert!(error.contains(expected), "{value}: {error}");
        }
    }

    #[test]
    fn builder_matches_json() {
        let built = Effect::status(503).with_message("down").with_header("Retry-After", "5");
        let parsed = parse(json!({"type": "status", "status": 503, "message": "down", "headers": {"Retry-After": "5"}})).expect("the effect is valid");
        assert_eq!(built, parsed);
    }

    #[test]
    #[should_panic(expected = "applies to status")]
    fn header_on_latency_panics() {
        let _ = Effect::latency(Duration::from_millis(1)).with_header("x", "y");
    }

    #[test]
    fn retry_after_rounds_up() {
        let effect = Effect::too_many_requests(Duration::from_millis(1500));
        assert_eq!(serde_json::to_value(effect).expect("the value serialises")["retryAfterSeconds"], 2);
    }
}
