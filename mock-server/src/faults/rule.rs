//! A fault rule: which requests, when, and what happens.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::effect::Effect;
use super::matcher::Match;
use super::trigger::{Schedule, TimePoint, When};

/// A fault rule, built in Rust or read from JSON:
///
/// ```
/// use scim_mock::faults::{Effect, Fault, Match, Resource};
///
/// let rule = Fault::when(Match::create(Resource::Users)).nth(2).respond_with(Effect::status(503));
/// let same: Fault = serde_json::from_str(r#"{
///     "match": {"method": "POST", "resource": "users"},
///     "when": {"nth": 2},
///     "effect": {"type": "status", "status": 503}
/// }"#).unwrap();
/// assert_eq!(rule, same);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fault {
    /// A label for people; the journal and reports show it beside the id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    #[serde(rename = "match", default)]
    pub(crate) matcher: Match,
    #[serde(default)]
    pub(crate) when: When,
    pub(crate) effect: Effect,
}

impl Fault {
    /// Starts a rule for the requests `matcher` accepts. It fires on every
    /// match unless a trigger method sets another schedule.
    pub fn when(matcher: Match) -> FaultBuilder {
        FaultBuilder {
            name: None,
            matcher,
            when: When::default(),
        }
    }

    /// Returns the rule's label, if it has one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Returns the rule's effect.
    pub fn effect(&self) -> &Effect {
        &self.effect
    }
}

/// A fault rule without its effect yet; [`FaultBuilder::respond_with`]
/// completes it.
#[derive(Debug, Clone)]
#[must_use = "a fault rule does nothing until respond_with completes it and it is injected"]
pub struct FaultBuilder {
    name: Option<String>,
    matcher: Match,
    when: When,
}

impl FaultBuilder {
    /// Labels the rule for reports and the journal.
    pub fn named(mut self, name: &str) -> Self {
        self.name = Some(name.to_owned());
        self
    }

    /// Fires on every matching request (the default).
    pub fn always(self) -> Self {
        self.schedule(Schedule::Always)
    }

    /// Fires only on the `n`-th matching request, counting from 1.
    ///
    /// # Panics
    /// When `n` is 0.
    #[track_caller]
    pub fn nth(self, n: u64) -> Self {
        self.schedule(Schedule::Nth(n))
    }

    /// Fires on the first `n` matching requests; `first(1)` is "the next
    /// matching request".
    pub fn first(self, n: u64) -> Self {
        self.schedule(Schedule::First(n))
    }

    /// Fires on every `k`-th matching request: k, 2k, 3k, and so on.
    ///
    /// # Panics
    /// When `k` is 0.
    #[track_caller]
    pub fn every(self, k: u64) -> Self {
        self.schedule(Schedule::Every(k))
    }

    /// Fires on each matching request with probability `p`, drawn from a
    /// generator seeded by the server's fault seed and the rule's id, so
    /// the same seed and the same requests give the same decisions.
    ///
    /// # Panics
    /// When `p` is not between 0 and 1.
    #[track_caller]
    pub fn with_probability(self, p: f64) -> Self {
        self.schedule(Schedule::Probability(p))
    }

    /// Makes the rule inactive before `from`: a time, or a delay after the
    /// rule is installed.
    pub fn active_from(mut self, from: impl Into<TimePoint>) -> Self {
        self.when.from = Some(from.into());
        self
    }

    /// Makes the rule inactive from `until` on: a time, or a delay after
    /// the rule is installed.
    pub fn active_until(mut self, until: impl Into<TimePoint>) -> Self {
        self.when.until = Some(until.into());
        self
    }

    /// Completes the rule with its effect.
    pub fn respond_with(self, effect: Effect) -> Fault {
        Fault {
            name: self.name,
            matcher: self.matcher,
            when: self.when,
            effect,
        }
    }

    #[track_caller]
    fn schedule(mut self, schedule: Schedule) -> Self {
        if let Err(error) = self.when.set_schedule(schedule) {
            panic!("invalid fault trigger: {error}");
        }
        self
    }
}

/// The id the server gives an installed rule, unique for the server's
/// lifetime until the rules are replaced or reset, when ids restart at 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FaultId(pub u64);

impl fmt::Display for FaultId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "#{}", self.0)
    }
}

/// An installed rule with its counters.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultReport {
    pub id: FaultId,
    #[serde(flatten)]
    pub fault: Fault,
    /// Requests that matched while the rule was active.
    pub matched: u64,
    /// Requests the rule's effect was applied to. A rule can match and
    /// trigger without firing when an earlier rule already decided the
    /// outcome of that request.
    pub fired: u64,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::faults::Resource;

    #[test]
    fn match_and_when_default() {
        let fault: Fault = serde_json::from_value(json!({"effect": {"type": "reset"}})).expect("the JSON is valid");
        assert_eq!(fault, Fault::when(Match::any()).respond_with(Effect::disconnect(super::super::Disconnect::Reset)));
    }

    #[test]
    fn effect_required() {
        let error = serde_json::from_value::<Fault>(json!({"match": {}})).expect_err("the JSON is invalid");
        assert!(error.to_string().contains("missing field `effect`"), "{error}");
    }

    #[test]
    fn serialises_as_file_format() {
        let fault = Fault::when(Match::create(Resource::Groups))
            .named("dup")
            .first(1)
            .respond_with(Effect::duplicate());
        assert_eq!(
            serde_json::to_value(&fault).expect("the value serialises"),
            json!({
                "name": "dup",
                "match": {"method": "POST", "resource": "groups"},
                "when": {"first": 1},
                "effect": {"type": "duplicate"}
            })
        );
    }

    #[test]
    #[should_panic(expected = "between 0 and 1")]
    fn probability_above_one_panics() {
        let _ = Fault::when(Match::any()).with_probability(2.0);
    }
}
