//! When a matching request makes a rule fire: always, on the n-th match,
//! on the first n, on every k-th, or with a probability drawn from a seeded
//! generator, optionally only inside a time window.

use std::fmt;
use std::time::Duration;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::clock::{self, Timestamp};

/// How often a rule fires among the requests it matches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Schedule {
    Always,
    /// Only the n-th match (1-based).
    Nth(u64),
    /// The first n matches.
    First(u64),
    /// Matches k, 2k, 3k, and so on.
    Every(u64),
    /// Each match independently, with this probability.
    Probability(f64),
}

/// One end of a time window: a wall-clock time, or a delay counted from
/// when the rule was installed, which suits rules in a file loaded at start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimePoint {
    At(OffsetDateTime),
    AfterInstall(Duration),
}

impl From<OffsetDateTime> for TimePoint {
    fn from(time: OffsetDateTime) -> Self {
        TimePoint::At(time)
    }
}

impl From<Duration> for TimePoint {
    fn from(delay: Duration) -> Self {
        TimePoint::AfterInstall(delay)
    }
}

impl TimePoint {
    fn resolve(self, installed_at: Timestamp) -> Timestamp {
        match self {
            TimePoint::At(time) => time,
            TimePoint::AfterInstall(delay) => installed_at.saturating_add(time::Duration::try_from(delay).unwrap_or(time::Duration::MAX)),
        }
    }

    /// Parses an RFC 3339 time or a delay such as `500ms`, `30s`, `5m` or `2h`.
    fn parse(text: &str) -> Result<TimePoint, String> {
        if let Some(time) = clock::parse(text) {
            return Ok(TimePoint::At(time));
        }
        parse_delay(text).map(TimePoint::AfterInstall).ok_or_else(|| {
            format!(
                "invalid time {text:?} in a fault window: write an RFC 3339 time such as \"2026-01-31T12:00:00Z\" or a delay after the rule is installed such as \"30s\", \"500ms\", \"5m\" or \"2h\""
            )
        })
    }
}

impl fmt::Display for TimePoint {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimePoint::At(time) => formatter.write_str(&clock::format(*time)),
            TimePoint::AfterInstall(delay) => write!(formatter, "{}ms", delay.as_millis()),
        }
    }
}

fn parse_delay(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|character: char| !character.is_ascii_digit())?;
    let (digits, unit) = text.split_at(split);
    let amount: u64 = digits.parse().ok()?;
    let millis = match unit {
        "ms" => amount,
        "s" => amount.checked_mul(1_000)?,
        "m" => amount.checked_mul(60_000)?,
        "h" => amount.checked_mul(3_600_000)?,
        _ => return None,
    };
    Some(Duration::from_millis(millis))
}

/// When a matching request makes a rule fire. The default fires on every
/// match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "WhenSpec", into = "WhenSpec")]
pub(crate) struct When {
    pub schedule: Schedule,
    /// Outside `[from, until)` the rule is inactive: requests there do not
    /// count as matches, so `nth` and `every` count only inside the window.
    pub from: Option<TimePoint>,
    pub until: Option<TimePoint>,
}

impl Default for When {
    fn default() -> Self {
        When {
            schedule: Schedule::Always,
            from: None,
            until: None,
        }
    }
}

impl When {
    /// Returns whether the rule is active at `now`.
    pub fn is_active(&self, now: Timestamp, installed_at: Timestamp) -> bool {
        let started = match self.from {
            Some(from) => now >= from.resolve(installed_at),
            None => true,
        };
        let ended = self.until.is_some_and(|until| now >= until.resolve(installed_at));
        started && !ended
    }

    /// Decides whether the `count`-th match (1-based) fires. A probability
    /// draws from `rng` on every match, fired or not, so the draws depend
    /// only on the seed and the number of matches.
    pub fn fires(&self, count: u64, rng: &mut ChaCha8Rng) -> bool {
        match self.schedule {
            Schedule::Always => true,
            Schedule::Nth(n) => count == n,
            Schedule::First(n) => count <= n,
            Schedule::Every(k) => count % k == 0,
            Schedule::Probability(p) => rng.gen_bool(p),
        }
    }

    pub fn set_schedule(&mut self, schedule: Schedule) -> Result<(), String> {
        match schedule {
            Schedule::Nth(0) => Err("\"nth\" must be at least 1: matches are counted from 1".to_owned()),
            Schedule::First(0) => Err("\"first\" must be at least 1: a rule that never fires can be removed".to_owned()),
            Schedule::Every(0) => Err("\"every\" must be at least 1: use 1 to fire on every match".to_owned()),
            Schedule::Probability(p) if !(0.0..=1.0).contains(&p) => Err(format!(
                "\"probability\" must be between 0 and 1, got {p}: use 0.25 for one match in four"
            )),
            _ => {
                self.schedule = schedule;
                Ok(())
            }
        }
    }
}

/// The JSON form of [`When`]: at most one of `always`, `nth`, `first`,
/// `every` and `probability`, plus an optional window.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WhenSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    always: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nth: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    first: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    every: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    probability: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    until: Option<String>,
}

impl TryFrom<WhenSpec> for When {
    type Error = String;

    fn try_from(spec: WhenSpec) -> Result<Self, Self::Error> {
        let mut schedules = Vec::new();
        match spec.always {
            Some(true) => schedules.push(Schedule::Always),
            Some(false) => return Err("\"always\": false never fires: remove the rule or choose another trigger".to_owned()),
            None => {}
        }
        schedules.extend(spec.nth.map(Schedule::Nth));
        schedules.extend(spec.first.map(Schedule::First));
        schedules.extend(spec.every.map(Schedule::Every));
        schedules.extend(spec.probability.map(Schedule::Probability));
        if schedules.len() > 1 {
            return Err(
                "a trigger sets more than one of \"always\", \"nth\", \"first\", \"every\" and \"probability\": keep one".to_owned(),
            );
        }

        let mut when = When::default();
        if let Some(schedule) = schedules.pop() {
            when.set_schedule(schedule)?;
        }
        when.from = spec.from.as_deref().map(TimePoint::parse).transpose()?;
        when.until = spec.until.as_deref().map(TimePoint::parse).transpose()?;
        Ok(when)
    }
}

impl From<When> for WhenSpec {
    fn from(when: When) -> WhenSpec {
        let mut spec = WhenSpec {
            from: when.from.map(|point| point.to_string()),
            until: when.until.map(|point| point.to_string()),
            ..WhenSpec::default()
        };
        match when.schedule {
            Schedule::Always => {}
            Schedule::Nth(n) => spec.nth = Some(n),
            Schedule::First(n) => spec.first = Some(n),
            Schedule::Every(k) => spec.every = Some(k),
            Schedule::Probability(p) => spec.probability = Some(p),
        }
        spec
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use serde_json::json;

    use super::*;

    fn when(value: serde_json::Value) -> Result<When, String> {
        serde_json::from_value(value).map_err(|error| error.to_string())
    }

    fn fired(when: &When, matches: u64) -> Vec<u64> {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        (1..=matches).filter(|count| when.fires(*count, &mut rng)).collect()
    }

    #[test]
    fn schedules_fire_on_expected_matches() {
        assert_eq!(fired(&when(json!({})).expect("the trigger is valid"), 4), [1, 2, 3, 4]);
        assert_eq!(fired(&when(json!({"nth": 3})).expect("the trigger is valid"), 6), [3]);
        assert_eq!(fired(&when(json!({"first": 2})).expect("the trigger is valid"), 6), [1, 2]);
        assert_eq!(fired(&when(json!({"every": 3})).expect("the trigger is valid"), 7), [3, 6]);
        assert_eq!(fired(&when(json!({"probability": 0.0})).expect("the trigger is valid"), 20), Vec::<u64>::new());
        assert_eq!(fired(&when(json!({"probability": 1.0})).expect("the trigger is valid"), 3), [1, 2, 3]);
    }

    #[test]
    fn same_seed_same_draws() {
        let rule = when(json!({"probability": 0.5})).expect("the trigger is valid");
        assert_eq!(fired(&rule, 64), fired(&rule, 64));
    }

    #[test]
    fn invalid_triggers_rejected() {
        for (spec, expected) in [
            (json!({"nth": 0}), "at least 1"),
            (json!({"every": 0}), "at least 1"),
            (json!({"first": 0}), "at least 1"),
            (json!({"probability": 1.5}), "between 0 and 1"),
            (json!({"first": 1, "every": 2}), "more than one"),
            (json!({"always": false}), "never fires"),
            (json!({"from": "tomorrow"}), "invalid time"),
            (json!({"times": 2}), "unknown field"),
        ] {
            let error = when(spec.clone()).expect_err("the trigger is invalid");
            assert!(error.contains(expected), "{spec}: {error}");
        }
    }

    #[test]
    fn window_bounds() {
        let installed = time::macros::datetime!(2026-01-01 00:00:00 UTC);
        let rule = when(json!({"from": "10s", "until": "2026-01-01T00:01:00Z"})).expect("the trigger is valid");
        assert!(!rule.is_active(installed, installed));
        assert!(rule.is_active(installed + time::Duration::seconds(10), installed));
        assert!(!rule.is_active(installed + time::Duration::minutes(1), installed));
    }

    #[test]
    fn delay_units() {
        assert_eq!(parse_delay("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_delay("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_delay("5"), None);
        assert_eq!(parse_delay("5d"), None);
    }

    #[test]
    fn round_trips_through_json() {
        let rule = when(json!({"every": 2, "from": "30s"})).expect("the trigger is valid");
        let text = serde_json::to_value(&rule).expect("the value serialises");
        assert_eq!(text, json!({"every": 2, "from": "30000ms"}));
        assert_eq!(when(text).expect("the serialised trigger parses"), rule);
    }
}
