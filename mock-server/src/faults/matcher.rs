//! Request matchers of fault rules: method, path pattern, resource kind,
//! directory and body fields, all optional.

use std::fmt;

use http::Method;
use indexmap::IndexMap;
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::http::ScimRequest;
use crate::store::fold;

/// The kind of endpoint a request addresses, read from its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Resource {
    /// `/scim/directory/{id}/Users` and `/Users/{id}`.
    Users,
    /// `/scim/directory/{id}/Groups` and `/Groups/{id}`.
    Groups,
    /// `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas` of a directory.
    Discovery,
    /// `/admin/user-provisioning/v1/org/{orgId}/...`.
    Admin,
}

impl Resource {
    /// Returns the camelCase name used in fault files.
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Users => "users",
            Resource::Groups => "groups",
            Resource::Discovery => "discovery",
            Resource::Admin => "admin",
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The facts of one request that fault rules match on, computed once
/// before any rule is evaluated.
#[derive(Debug)]
pub(crate) struct RequestFacts {
    pub method: Method,
    /// The path as received, before percent-decoding, which is what a path
    /// pattern is written against.
    pub path: String,
    pub resource: Option<Resource>,
    /// The directory of a SCIM path, if its id is a UUID.
    pub directory_id: Option<Uuid>,
    /// The organisation of an admin path, if its id is a UUID.
    pub org_id: Option<Uuid>,
    /// The body, when it is a JSON object; body matchers see nothing else.
    pub body: Option<Map<String, Value>>,
    /// The bearer token, which keys the rate limiter.
    pub bearer: Option<String>,
    /// Whether faults may apply: only SCIM and admin paths qualify, so a
    /// rule can never break the control API or stray paths.
    pub faultable: bool,
}

impl RequestFacts {
    /// Reads the facts of a request whose raw path is `path`.
    pub fn of(request: &ScimRequest, path: &str) -> RequestFacts {
        let segments: Vec<&str> = request.segments.iter().map(String::as_str).collect();
        let (resource, directory_id, org_id) = match segments.as_slice() {
            ["scim", "directory", id, rest @ ..] => {
                let resource = match rest.first().copied() {
                    Some("Users") => Some(Resource::Users),
                    Some("Groups") => Some(Resource::Groups),
                    Some("ServiceProviderConfig" | "ResourceTypes" | "Schemas") => Some(Resource::Discovery),
                    _ => None,
                };
                (resource, Uuid::parse_str(id).ok(), None)
            }
            ["admin", "user-provisioning", "v1", "org", id, ..] => (Some(Resource::Admin), None, Uuid::parse_str(id).ok()),
            _ => (None, None, None),
        };
        let faultable = matches!(segments.first(), Some(&"scim" | &"admin"));
        let body = match serde_json::from_slice::<Value>(&request.body) {
            Ok(Value::Object(fields)) => Some(fields),
            _ => None,
        };
        RequestFacts {
            method: request.method.clone(),
            path: path.to_owned(),
            resource,
            directory_id,
            org_id,
            body,
            bearer: crate::http::bearer_token(&request.headers).ok().map(str::to_owned),
            faultable,
        }
    }

    /// Returns whether this is a `POST /Users` or `POST /Groups` of a
    /// directory, the only requests that create resources.
    pub fn is_create_of(&self, resource: Resource) -> bool {
        self.method == Method::POST
            && self.resource == Some(resource)
            && self.path.trim_end_matches('/').ends_with(match resource {
                Resource::Users => "/Users",
                Resource::Groups => "/Groups",
                _ => return false,
            })
    }

    /// Returns a string field of the body, such as `userName`.
    pub fn body_text(&self, field: &str) -> Option<&str> {
        self.body.as_ref()?.get(field)?.as_str()
    }
}

/// The requests a fault rule applies to. Every condition that is set must
/// hold; a matcher with none matches every SCIM and admin request.
///
/// ```
/// use scim_mock::faults::{Match, Resource};
///
/// let creates_of_ada = Match::create(Resource::Users).body_field("userName", "ada@example.com");
/// let any_group_request = Match::any().resource(Resource::Groups);
/// let by_path = Match::any().method("DELETE").path(r"/Users/[0-9a-f-]+$");
/// # let _ = (creates_of_ada, any_group_request, by_path);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Match {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    method: Option<MethodName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path: Option<PathPattern>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    resource: Option<Resource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    directory: Option<Uuid>,
    /// Top-level or dotted body fields and the values they must have.
    /// Strings compare ignoring case, as Atlassian compares `userName` and
    /// `displayName`; other values must be equal.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    body: IndexMap<String, Value>,
}

impl Match {
    /// Matches every SCIM and admin request.
    pub fn any() -> Match {
        Match::default()
    }

    /// Matches `POST` on `/Users` or `/Groups` of any directory.
    pub fn create(resource: Resource) -> Match {
        Match::any().method("POST").resource(resource)
    }

    /// Requires this HTTP method, in any case.
    ///
    /// # Panics
    /// When `method` is not a valid HTTP method token.
    #[track_caller]
    pub fn method(mut self, method: &str) -> Match {
        match MethodName::try_from(method.to_owned()) {
            Ok(name) => self.method = Some(name),
            Err(error) => panic!("{error}"),
        }
        self
    }

    /// Requires the raw request path to match this regular expression
    /// (unanchored, as [`Regex::is_match`] does).
    ///
    /// # Panics
    /// When `pattern` is not a valid regular expression.
    #[track_caller]
    pub fn path(mut self, pattern: &str) -> Match {
        match PathPattern::try_from(pattern.to_owned()) {
            Ok(pattern) => self.path = Some(pattern),
            Err(error) => panic!("{error}"),
        }
        self
    }

    /// Requires this kind of endpoint.
    pub fn resource(mut self, resource: Resource) -> Match {
        self.resource = Some(resource);
        self
    }

    /// Requires a SCIM path of this directory.
    pub fn directory(mut self, directory_id: Uuid) -> Match {
        self.directory = Some(directory_id);
        self
    }

    /// Requires a JSON body whose field has this value; `field` may be
    /// dotted (`name.givenName`).
    pub fn body_field(mut self, field: &str, value: impl Into<Value>) -> Match {
        self.body.insert(field.to_owned(), value.into());
        self
    }

    /// Returns whether the request meets every condition.
    pub(crate) fn matches(&self, facts: &RequestFacts) -> bool {
        if let Some(method) = &self.method {
            if method.0 != facts.method.as_str() {
                return false;
            }
        }
        if let Some(pattern) = &self.path {
            if !pattern.0.is_match(&facts.path) {
                return false;
            }
        }
        if self.resource.is_some() && self.resource != facts.resource {
            return false;
        }
        if self.directory.is_some() && self.directory != facts.directory_id {
            return false;
        }
        self.body.iter().all(|(field, expected)| {
            let actual = facts.body.as_ref().and_then(|body| body_field(body, field));
            actual.is_some_and(|actual| values_match(actual, expected))
        })
    }
}

/// Finds a field by a dotted path through nested objects.
fn body_field<'a>(body: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut current = body.get(parts.next()?)?;
    for part in parts {
        current = current.as_object()?.get(part)?;
    }
    Some(current)
}

fn values_match(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::String(actual), Value::String(expected)) => fold(actual) == fold(expected),
        _ => actual == expected,
    }
}

/// An HTTP method, uppercased, checked to be a valid token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
struct MethodName(String);

impl TryFrom<String> for MethodName {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let upper = text.trim().to_ascii_uppercase();
        match Method::from_bytes(upper.as_bytes()) {
            Ok(_) if !upper.is_empty() => Ok(MethodName(upper)),
            _ => Err(format!(
                "invalid HTTP method {text:?} in a fault matcher: use a method name such as \"POST\""
            )),
        }
    }
}

impl From<MethodName> for String {
    fn from(name: MethodName) -> String {
        name.0
    }
}

/// A compiled path regular expression that serialises as its source text.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
struct PathPattern(Regex);

impl PartialEq for PathPattern {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

impl TryFrom<String> for PathPattern {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Regex::new(&text).map(PathPattern).map_err(|error| {
            format!("invalid path pattern {text:?} in a fault matcher: {error}. Write a regular expression such as \"/Users$\"")
        })
    }
}

impl From<PathPattern> for String {
    fn from(pattern: PathPattern) -> String {
        pattern.0.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use http::HeaderMap;
    use serde_json::json;

    use super::*;

    fn facts(method: Method, path: &str, body: &str) -> RequestFacts {
        let request = ScimRequest::new(method, path, None, HeaderMap::new(), Bytes::from(body.to_owned()), true);
        RequestFacts::of(&request, path)
    }

    const DIRECTORY: &str = "/scim/directory/11111111-2222-4333-8444-555555555555";

    #[test]
    fn resource_read_from_path() {
        let cases = [
            ("/Users", Some(Resource::Users)),
            ("/Users/abc", Some(Resource::Users)),
            ("/Groups", Some(Resource::Groups)),
            ("/Schemas/urn", Some(Resource::Discovery)),
            ("/ServiceProviderConfig", Some(Resource::Discovery)),
            ("/Bulk", None),
        ];
        for (suffix, expected) in cases {
            let facts = facts(Method::GET, &format!("{DIRECTORY}{suffix}"), "");
            assert_eq!(facts.resource, expected, "{suffix}");
        }
        let admin = facts(Method::GET, "/admin/user-provisioning/v1/org/x/user/y/get-scim-links", "");
        assert_eq!(admin.resource, Some(Resource::Admin));
    }

    #[test]
    fn control_paths_not_faultable() {
        assert!(!facts(Method::GET, "/_mock/faults", "").faultable);
        assert!(facts(Method::GET, &format!("{DIRECTORY}/Users"), "").faultable);
    }

    #[test]
    fn empty_matcher_matches_everything() {
        assert!(Match::any().matches(&facts(Method::DELETE, &format!("{DIRECTORY}/Groups/x"), "")));
    }

    #[test]
    fn method_compared_uppercase() {
        let matcher = Match::any().method("post");
        assert!(matcher.matches(&facts(Method::POST, &format!("{DIRECTORY}/Users"), "")));
        assert!(!matcher.matches(&facts(Method::GET, &format!("{DIRECTORY}/Users"), "")));
    }

    #[test]
    fn body_string_ignores_case() {
        let matcher = Match::create(Resource::Users).body_field("userName", "ada@example.com");
        assert!(matcher.matches(&facts(Method::POST, &format!("{DIRECTORY}/Users"), r#"{"userName":"ADA@example.com"}"#)));
        assert!(!matcher.matches(&facts(Method::POST, &format!("{DIRECTORY}/Users"), r#"{"userName":"bob@example.com"}"#)));
        assert!(!matcher.matches(&facts(Method::POST, &format!("{DIRECTORY}/Users"), "not json")));
    }

    #[test]
    fn dotted_body_field() {
        let matcher = Match::any().body_field("name.givenName", "Ada");
        assert!(matcher.matches(&facts(Method::PUT, &format!("{DIRECTORY}/Users/x"), r#"{"name":{"givenName":"ada"}}"#)));
    }

    #[test]
    fn invalid_pattern_rejected() {
        let error = serde_json::from_value::<Match>(json!({"path": "(unclosed"})).expect_err("the JSON is invalid");
        assert!(error.to_string().contains("invalid path pattern"), "{error}");
    }

    #[test]
    fn unknown_matcher_field_rejected() {
        assert!(serde_json::from_value::<Match>(json!({"verb": "GET"})).is_err());
    }

    #[test]
    fn create_detection() {
        let post_users = facts(Method::POST, &format!("{DIRECTORY}/Users"), "");
        assert!(post_users.is_create_of(Resource::Users));
        assert!(!post_users.is_create_of(Resource::Groups));
        assert!(!facts(Method::POST, &format!("{DIRECTORY}/Users/x"), "").is_create_of(Resource::Users));
    }
}
