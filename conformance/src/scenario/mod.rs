//! Scenarios: the declarative checks in `fixtures/scenarios/*.toml`.
//!
//! A scenario file holds one or more `[[scenario]]` tables; each has steps
//! (`[[scenario.step]]`) that run in order and cleanup steps
//! (`[[scenario.cleanup]]`) that always run afterwards. The format is
//! documented for scenario authors in `fixtures/scenarios/README.md`; this
//! module holds the validated model and [`load`] builds it.

mod load;

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::client::Auth;
use crate::jsonpath::JsonPath;
use crate::matcher::Matcher;

pub use load::{load_dir, load_file, LoadError};

/// Whose rules a run checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Atlassian Cloud's user provisioning API as the behaviour reference describes it.
    Atlassian,
    /// The SCIM 2.0 standard: RFC 7644 (protocol) and RFC 7643 (schema).
    Rfc7644,
}

impl Profile {
    /// Returns the name used in scenario files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Atlassian => "atlassian",
            Profile::Rfc7644 => "rfc7644",
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Variables every scenario can use without capturing them first.
pub const BUILTIN_VARS: &[&str] = &["run", "domain", "email", "uuid", "base_url"];

/// The variable that counts repetitions of a step with `repeat`.
pub const REPEAT_VAR: &str = "i";

/// One validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    /// The rule checked: an RFC section or the Atlassian behaviour in plain words.
    pub rule: String,
    pub tags: Vec<String>,
    pub profiles: Vec<Profile>,
    /// Likely fix shown when the scenario fails, unless a step has its own.
    pub fix: Option<Fix>,
    /// Runs alone, after the parallel scenarios, because it reads whole lists.
    pub exclusive: bool,
    pub steps: Vec<Step>,
    pub cleanup: Vec<Step>,
    /// File the scenario was read from.
    pub source: PathBuf,
}

impl Scenario {
    /// Reports whether any step or cleanup step changes server state.
    pub fn writes(&self) -> bool {
        self.steps
            .iter()
            .chain(&self.cleanup)
            .any(|step| crate::client::is_write_method(&step.request.method))
    }

    /// Returns the authored tags plus `writes` or `read-only`, which selection also matches.
    pub fn all_tags(&self) -> Vec<String> {
        let mut tags = self.tags.clone();
        tags.push(if self.writes() { "writes" } else { "read-only" }.to_owned());
        tags
    }

    /// Reports whether the scenario applies to a profile.
    pub fn applies_to(&self, profile: Profile) -> bool {
        self.profiles.contains(&profile)
    }
}

/// One request and what to expect of its response.
#[derive(Debug, Clone)]
pub struct Step {
    pub name: String,
    pub request: RequestTemplate,
    pub expect: Expect,
    /// Variables set from the response body: name and JSON path.
    pub captures: Vec<(String, JsonPath)>,
    /// Variables set from response headers: name and header name.
    pub header_captures: Vec<(String, String)>,
    /// How many times the step runs, with `${i}` counting from 1.
    pub repeat: u32,
    /// Whether the response goes into the scenario's snapshot.
    pub snapshot: bool,
    /// Paths replaced by `[redacted]` in the snapshot, for values that vary between runs.
    pub redact: Vec<JsonPath>,
    pub fix: Option<Fix>,
}

/// A likely fix, for every profile or per profile: in a file either
/// `fix = "text"` or `fix = { atlassian = "text", rfc7644 = "text" }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Fix {
    Always(String),
    PerProfile {
        atlassian: Option<String>,
        rfc7644: Option<String>,
    },
}

impl Fix {
    /// Returns the text for a profile, if there is one.
    pub fn for_profile(&self, profile: Profile) -> Option<&str> {
        match (self, profile) {
            (Fix::Always(text), _) => Some(text),
            (Fix::PerProfile { atlassian, .. }, Profile::Atlassian) => atlassian.as_deref(),
            (Fix::PerProfile { rfc7644, .. }, Profile::Rfc7644) => rfc7644.as_deref(),
        }
    }
}

/// A request whose strings may hold `${var}` references.
#[derive(Debug, Clone)]
pub struct RequestTemplate {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Option<BodyTemplate>,
    pub auth: Auth,
    /// Pads the JSON text with trailing spaces to this many bytes (still valid JSON).
    pub pad_to_bytes: Option<usize>,
}

/// A request body before substitution.
#[derive(Debug, Clone)]
pub enum BodyTemplate {
    Json(serde_json::Value),
    Raw(String),
}

/// Expectations of a response, with optional per-profile changes.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    pub base: Expectations,
    /// Changes to the base under one profile.
    pub overrides: Vec<(Profile, ExpectOverride)>,
}

impl Expect {
    /// Returns the expectations in force under `profile`.
    pub fn for_profile(&self, profile: Profile) -> Expectations {
        let mut merged = self.base.clone();
        for (_, fields) in self.overrides.iter().filter(|(which, _)| *which == profile) {
            if let Some(status) = &fields.status {
                merged.status = Some(status.clone());
            }
            if fields.replace_json {
                merged.json.clear();
            }
            for (path, matcher) in &fields.json {
                merged.json.retain(|(existing, _)| existing.as_str() != path.as_str());
                merged.json.push((path.clone(), matcher.clone()));
            }
            for (name, matcher) in &fields.headers {
                merged.headers.retain(|(existing, _)| !existing.eq_ignore_ascii_case(name));
                merged.headers.push((name.clone(), matcher.clone()));
            }
            if let Some(empty_body) = fields.empty_body {
                merged.empty_body = Some(empty_body);
            }
        }
        merged
    }
}

/// The checks applied to one response.
#[derive(Debug, Clone, Default)]
pub struct Expectations {
    /// Acceptable status codes; `None` accepts any.
    pub status: Option<Vec<u16>>,
    pub json: Vec<(JsonPath, Matcher)>,
    /// Header names (any case) and their matchers.
    pub headers: Vec<(String, Matcher)>,
    pub empty_body: Option<bool>,
}

/// Changes one profile makes to the base expectations. `status` and
/// `empty_body` replace the base ones when set. `json` and `headers` checks are
/// added, and each replaces a base check of the same path or header.
#[derive(Debug, Clone, Default)]
pub struct ExpectOverride {
    pub status: Option<Vec<u16>>,
    /// Drop every base JSON check before adding this profile's.
    pub replace_json: bool,
    pub json: Vec<(JsonPath, Matcher)>,
    pub headers: Vec<(String, Matcher)>,
    pub empty_body: Option<bool>,
}
