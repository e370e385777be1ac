//! Results of a run, per scenario, per step and per check, which the reports render.

use serde::Serialize;

use crate::client::{Auth, SentRequest};
use crate::scenario::Profile;
use crate::snapshot::SnapshotOutcome;
use crate::sweep::SweepReport;

/// Final state of a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Failed,
    /// Ctrl-C arrived before or while the scenario ran.
    Interrupted,
}

/// One expectation that did not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckFailure {
    /// Name of the check: `status`, a JSON path, `header Location`, `body` or `capture user_id`.
    pub check: String,
    pub expected: String,
    pub actual: String,
    /// A structural diff when whole objects were compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

/// A response as kept in reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseSummary {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body as JSON when it parses, else as text (cut to a few kilobytes).
    pub body: Option<serde_json::Value>,
}

/// One step (or one repetition of a repeated step).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepResult {
    pub name: String,
    /// 1-based repetition for steps with `repeat`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repetition: Option<u32>,
    pub passed: bool,
    /// Set when the step did not run to completion: a transport error, an
    /// undefined variable, or an interruption.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<CheckFailure>,
    /// Checks skipped because the status differed: JSON paths, `header NAME`,
    /// `body` and `capture NAME`. Their failures would only repeat the status.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_checked: Vec<String>,
    /// Kept for failed steps only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<SentRequest>,
    /// The method and the path's shape with ids replaced, such as
    /// `PATCH /Users/{id}`. Kept for failed steps only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The credentials the step sent, when not the run's key.
    #[serde(skip_serializing_if = "Auth::is_bearer")]
    pub auth: Auth,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseSummary>,
    /// The step's or scenario's likely fix, when the author gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// One scenario's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioResult {
    pub name: String,
    pub rule: String,
    pub tags: Vec<String>,
    pub source: String,
    pub outcome: Outcome,
    /// Steps that ran, up to and including the first failing one.
    pub steps: Vec<StepResult>,
    /// Problems while cleaning up; they do not fail the scenario but may leave data behind.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cleanup_problems: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<SnapshotOutcome>,
    pub duration_ms: u64,
}

impl ScenarioResult {
    /// Returns the first failed step, if any.
    pub fn failed_step(&self) -> Option<&StepResult> {
        self.steps.iter().find(|step| !step.passed)
    }
}

/// Everything a run found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunReport {
    pub profile: Profile,
    pub base_url: String,
    /// Prefix of every name this run created; leftovers on the server start with it.
    pub run_prefix: String,
    pub scenarios: Vec<ScenarioResult>,
    /// Selected scenarios that do not apply to the profile.
    pub not_applicable: Vec<String>,
    pub interrupted: bool,
    /// The deletion of leftovers by name prefix after the scenarios; `None`
    /// when no selected scenario writes, or when Ctrl-C came before any did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepReport>,
    pub duration_ms: u64,
}

impl RunReport {
    /// Counts scenarios with an outcome.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.scenarios.iter().filter(|result| result.outcome == outcome).count()
    }

    /// Reports whether every selected scenario passed and the run was not interrupted.
    pub fn success(&self) -> bool {
        !self.interrupted && self.scenarios.iter().all(|result| result.outcome == Outcome::Passed)
    }
}
