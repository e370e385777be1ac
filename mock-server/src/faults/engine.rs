//! The installed rules with their counters and generators, the rate
//! limiter, and the decision of what happens to one request.

use std::time::{Duration, Instant};

use parking_lot::Mutex;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::effect::EffectKind;
use super::file::FaultConfig;
use super::matcher::RequestFacts;
use super::rate_limit::{RateLimit, RateLimiter};
use super::rule::{Fault, FaultId, FaultReport};
use crate::clock::{self, Timestamp};

/// A rule as installed: the rule, its counters and its own generator.
#[derive(Debug)]
struct InstalledRule {
    id: FaultId,
    fault: Fault,
    matched: u64,
    fired: u64,
    /// Seeded from the server's fault seed on stream `id`, so each rule's
    /// draws depend only on the seed and on its own matches, not on how
    /// requests to other rules interleave.
    rng: ChaCha8Rng,
    installed_at: Timestamp,
}

impl InstalledRule {
    fn report(&self) -> FaultReport {
        FaultReport {
            id: self.id,
            fault: self.fault.clone(),
            matched: self.matched,
            fired: self.fired,
        }
    }
}

#[derive(Debug)]
struct FaultSet {
    seed: u64,
    next_id: u64,
    rules: Vec<InstalledRule>,
    limiter: Option<RateLimiter>,
}

impl FaultSet {
    fn install(&mut self, fault: Fault) -> FaultId {
        self.next_id += 1;
        let id = FaultId(self.next_id);
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(id.0);
        self.rules.push(InstalledRule {
            id,
            fault,
            matched: 0,
            fired: 0,
            rng,
            installed_at: clock::now(),
        });
        id
    }
}

/// Every rule with its counters, the seed and the rate limit: what
/// `GET /_mock/faults` returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultListing {
    pub seed: u64,
    pub rate_limit: Option<RateLimit>,
    pub faults: Vec<FaultReport>,
}

/// A rule that fired on a request, as the journal records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppliedFault {
    pub id: FaultId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The effect's `type`, or `rateLimit` for the built-in limiter.
    pub effect: String,
}

impl AppliedFault {
    /// Returns the entry of the built-in rate limiter, whose id is 0
    /// because it is not a rule.
    pub(crate) fn rate_limit() -> AppliedFault {
        AppliedFault {
            id: FaultId(0),
            name: None,
            effect: "rateLimit".to_owned(),
        }
    }
}

/// A request the rate limiter turned away.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Throttled {
    /// Time until the key's bucket has a token again.
    pub wait: Duration,
    pub requests_per_second: f64,
}

/// The decision of the fault rules for one request.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// The sum of the delays of every latency rule that fired.
    pub delay: Duration,
    pub applied: Vec<AppliedFault>,
    /// Rule changes to make before the request is handled, in rule order.
    pub before: Vec<EffectKind>,
    /// Effects on a handled request's outcome, such as a propagation failure.
    pub after: Vec<EffectKind>,
    /// The first rule that fired with an effect deciding the outcome.
    pub decisive: Option<(AppliedFault, EffectKind)>,
}

/// The fault rules and rate limiter of one server.
#[derive(Debug)]
pub(crate) struct FaultEngine {
    set: Mutex<FaultSet>,
}

impl FaultEngine {
    /// Installs the rules of `config`, with its seed or else `default_seed`.
    pub fn new(config: &FaultConfig, default_seed: u64) -> FaultEngine {
        let engine = FaultEngine {
            set: Mutex::new(FaultSet {
                seed: config.seed.unwrap_or(default_seed),
                next_id: 0,
                rules: Vec::new(),
                limiter: None,
            }),
        };
        engine.replace(config);
        engine
    }

    /// Replaces every rule and the rate limit. Ids restart at 1, and the
    /// seed changes only if `config` sets one, so replaying a file gives
    /// the same rule ids and draws.
    pub fn replace(&self, config: &FaultConfig) {
        let mut set = self.set.lock();
        if let Some(seed) = config.seed {
            set.seed = seed;
        }
        set.next_id = 0;
        set.rules.clear();
        for fault in &config.faults {
            set.install(fault.clone());
        }
        set.limiter = config.rate_limit.map(RateLimiter::new);
    }

    /// Installs one rule after the others.
    pub fn add(&self, fault: Fault) -> FaultReport {
        let mut set = self.set.lock();
        let id = set.install(fault);
        let report = set.rules.last().map(InstalledRule::report);
        drop(set);
        tracing::info!(fault = %id, "fault rule installed");
        report.unwrap_or_else(|| unreachable!("a rule was just installed"))
    }

    /// Removes a rule; returns whether it existed.
    pub fn remove(&self, id: FaultId) -> bool {
        let mut set = self.set.lock();
        let before = set.rules.len();
        set.rules.retain(|rule| rule.id != id);
        let removed = set.rules.len() != before;
        drop(set);
        if removed {
            tracing::info!(fault = %id, "fault rule removed");
        }
        removed
    }

    /// Removes every rule; the seed, rate limit and id counter stay.
    pub fn clear(&self) {
        self.set.lock().rules.clear();
        tracing::info!("every fault rule removed");
    }

    pub fn get(&self, id: FaultId) -> Option<FaultReport> {
        self.set.lock().rules.iter().find(|rule| rule.id == id).map(InstalledRule::report)
    }

    pub fn list(&self) -> FaultListing {
        let set = self.set.lock();
        FaultListing {
            seed: set.seed,
            rate_limit: set.limiter.as_ref().map(|limiter| limiter.limit),
            faults: set.rules.iter().map(InstalledRule::report).collect(),
        }
    }

    /// Returns whether no rule and no rate limit is installed, so that no
    /// request can be affected.
    pub fn is_idle(&self) -> bool {
        let set = self.set.lock();
        set.rules.is_empty() && set.limiter.is_none()
    }

    /// Sets or removes the rate limit; every key starts with a full bucket.
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        self.set.lock().limiter = limit.map(RateLimiter::new);
    }

    /// Takes a rate-limit token for the request's API key, or returns how
    /// long the client should wait. Requests without a key, and paths that
    /// faults do not apply to, are never limited.
    pub fn acquire(&self, facts: &RequestFacts, now: Instant) -> Result<(), Throttled> {
        let Some(key) = facts.bearer.as_deref().filter(|_| facts.faultable) else {
            return Ok(());
        };
        let mut set = self.set.lock();
        let Some(limiter) = set.limiter.as_mut() else {
            return Ok(());
        };
        limiter.acquire(key, now).map_err(|wait| Throttled {
            wait,
            requests_per_second: limiter.limit.requests_per_second(),
        })
    }

    /// Runs every active rule against the request, counting matches and
    /// firings, and returns what should happen.
    ///
    /// Every matching rule counts the request and evaluates its trigger,
    /// even after another rule has decided the outcome, so "the n-th
    /// match" means the n-th matching request whatever other rules do.
    pub fn plan(&self, facts: &RequestFacts, now: Timestamp) -> Plan {
        let mut plan = Plan::default();
        if !facts.faultable {
            return plan;
        }
        let mut set = self.set.lock();
        for rule in &mut set.rules {
            let fault = &rule.fault;
            if !fault.when.is_active(now, rule.installed_at) || !fault.matcher.matches(facts) || !fault.effect.applies_to(facts) {
                continue;
            }
            rule.matched += 1;
            if !fault.when.fires(rule.matched, &mut rule.rng) {
                continue;
            }

            let effect = &fault.effect;
            if !effect.is_additive() && plan.decisive.is_some() {
                continue;
            }
            rule.fired += 1;
            let applied = AppliedFault {
                id: rule.id,
                name: fault.name.clone(),
                effect: effect.name().to_owned(),
            };
            plan.applied.push(applied.clone());
            match &effect.kind {
                EffectKind::Latency { .. } => plan.delay += effect.delay(&mut rule.rng),
                EffectKind::UserLimit { .. } | EffectKind::UnverifyDomain { .. } => plan.before.push(effect.kind.clone()),
                EffectKind::PropagationFailure { .. } => plan.after.push(effect.kind.clone()),
                decisive => plan.decisive = Some((applied, decisive.clone())),
            }
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use http::{HeaderMap, Method};

    use super::*;
    use crate::faults::{Effect, Match, Resource};
    use crate::http::ScimRequest;

    const USERS: &str = "/scim/directory/11111111-2222-4333-8444-555555555555/Users";

    fn facts(method: Method, path: &str) -> RequestFacts {
        let request = ScimRequest::new(method, path, None, HeaderMap::new(), Bytes::new(), true);
        RequestFacts::of(&request, path)
    }

    fn engine(faults: Vec<Fault>, seed: u64) -> FaultEngine {
        FaultEngine::new(
            &FaultConfig {
                seed: Some(seed),
                rate_limit: None,
                faults,
            },
            0,
        )
    }

    #[test]
    fn first_decisive_rule_wins() {
        let engine = engine(
            vec![
                Fault::when(Match::any()).respond_with(Effect::status(503)),
                Fault::when(Match::any()).respond_with(Effect::status(500)),
            ],
            1,
        );
        let plan = engine.plan(&facts(Method::GET, USERS), clock::now());
        let (applied, _) = plan.decisive.expect("a rule decides");
        assert_eq!(applied.id, FaultId(1));

        let listing = engine.list();
        assert_eq!((listing.faults[0].matched, listing.faults[0].fired), (1, 1));
        assert_eq!((listing.faults[1].matched, listing.faults[1].fired), (1, 0));
    }

    #[test]
    fn latency_adds_to_decisive() {
        let engine = engine(
            vec![
                Fault::when(Match::any()).respond_with(Effect::latency(Duration::from_millis(5))),
                Fault::when(Match::any()).respond_with(Effect::latency(Duration::from_millis(7))),
                Fault::when(Match::any()).respond_with(Effect::status(503)),
            ],
            1,
        );
        let plan = engine.plan(&facts(Method::GET, USERS), clock::now());
        assert_eq!(plan.delay, Duration::from_millis(12));
        assert!(plan.decisive.is_some());
        assert_eq!(plan.applied.len(), 3);
    }

    #[test]
    fn control_paths_never_planned() {
        let engine = engine(vec![Fault::when(Match::any()).respond_with(Effect::status(503))], 1);
        let plan = engine.plan(&facts(Method::GET, "/_mock/faults"), clock::now());
        assert!(plan.decisive.is_none());
        assert_eq!(engine.list().faults[0].matched, 0);
    }

    #[test]
    fn duplicate_ignores_non_creates() {
        let engine = engine(vec![Fault::when(Match::any()).first(1).respond_with(Effect::duplicate())], 1);
        assert!(engine.plan(&facts(Method::GET, USERS), clock::now()).decisive.is_none());
        assert!(engine.plan(&facts(Method::POST, USERS), clock::now()).decisive.is_some());
    }

    #[test]
    fn seeded_probability_replays() {
        let decisions = |seed: u64| -> Vec<bool> {
            let engine = engine(
                vec![Fault::when(Match::create(Resource::Users)).with_probability(0.5).respond_with(Effect::status(503))],
                seed,
            );
            (0..64)
                .map(|_| engine.plan(&facts(Method::POST, USERS), clock::now()).decisive.is_some())
                .collect()
        };
        assert_eq!(decisions(42), decisions(42));
        assert_ne!(decisions(42), decisions(43));
    }

    #[test]
    fn replace_restarts_ids() {
        let engine = engine(vec![Fault::when(Match::any()).respond_with(Effect::status(503))], 1);
        engine.add(Fault::when(Match::any()).respond_with(Effect::status(500)));
        assert_eq!(engine.list().faults[1].id, FaultId(2));
        engine.replace(&FaultConfig {
            seed: None,
            rate_limit: None,
            faults: vec![Fault::when(Match::any()).respond_with(Effect::status(502))],
        });
        let listing = engine.list();
        assert_eq!(listing.seed, 1, "the seed stays when the new config has none");
        assert_eq!(listing.faults.len(), 1);
        assert_eq!(listing.faults[0].id, FaultId(1));
    }
}
