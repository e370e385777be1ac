//! A token-bucket rate limiter per API key: each key may send `burst`
//! requests at once, refilled at `requestsPerSecond`, and a request that
//! finds its bucket empty gets 429 with `Retry-After`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// Buckets kept before idle ones are dropped. Keys come from clients, so
/// without a bound a client sending random keys could grow memory forever.
const MAX_BUCKETS: usize = 4096;

/// A rate limit per API key (the bearer token of the request).
///
/// ```
/// use scim_mock::faults::RateLimit;
///
/// let limit = RateLimit::per_second(5.0).burst(10);
/// assert_eq!(serde_json::to_string(&limit).unwrap(), r#"{"requestsPerSecond":5.0,"burst":10}"#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RateLimitSpec", into = "RateLimitSpec")]
pub struct RateLimit {
    requests_per_second: f64,
    burst: u32,
}

impl RateLimit {
    /// Allows `rate` requests per second per key, with a burst of the rate
    /// rounded up (at least 1).
    ///
    /// # Panics
    /// When `rate` is not a positive finite number.
    #[track_caller]
    pub fn per_second(rate: f64) -> RateLimit {
        match RateLimit::try_from(RateLimitSpec {
            requests_per_second: rate,
            burst: None,
        }) {
            Ok(limit) => limit,
            Err(error) => panic!("{error}"),
        }
    }

    /// Sets how many requests a key may send at once.
    ///
    /// # Panics
    /// When `burst` is 0.
    #[track_caller]
    pub fn burst(mut self, burst: u32) -> RateLimit {
        assert!(burst >= 1, "a rate limit burst must be at least 1 request");
        self.burst = burst;
        self
    }

    /// Returns the refill rate in requests per second.
    pub fn requests_per_second(&self) -> f64 {
        self.requests_per_second
    }
}

/// The JSON form of [`RateLimit`]; `burst` is optional.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RateLimitSpec {
    requests_per_second: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    burst: Option<u32>,
}

impl TryFrom<RateLimitSpec> for RateLimit {
    type Error = String;

    fn try_from(spec: RateLimitSpec) -> Result<Self, Self::Error> {
        let rate = spec.requests_per_second;
        if !rate.is_finite() || rate <= 0.0 {
            return Err(format!(
                "invalid rate limit of {rate} requests per second: use a positive number such as 10, or remove the limit"
            ));
        }
        let burst = match spec.burst {
            Some(0) => return Err("a rate limit burst must be at least 1 request".to_owned()),
            Some(burst) => burst,
            // The float-to-integer cast saturates, so a huge rate gives u32::MAX.
            None => (rate.ceil() as u32).max(1),
        };
        Ok(RateLimit {
            requests_per_second: rate,
            burst,
        })
    }
}

impl From<RateLimit> for RateLimitSpec {
    fn from(limit: RateLimit) -> RateLimitSpec {
        RateLimitSpec {
            requests_per_second: limit.requests_per_second,
            burst: Some(limit.burst),
        }
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    refilled: Instant,
}

/// The buckets of every key seen under one [`RateLimit`].
#[derive(Debug)]
pub(crate) struct RateLimiter {
    pub limit: RateLimit,
    buckets: HashMap<String, Bucket>,
}

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        RateLimiter {
            limit,
            buckets: HashMap::new(),
        }
    }

    /// Takes a token for `key`, or returns how long until one is available.
    pub fn acquire(&mut self, key: &str, now: Instant) -> Result<(), Duration> {
        if self.buckets.len() >= MAX_BUCKETS && !self.buckets.contains_key(key) {
            self.drop_idle(now);
        }
        let burst = f64::from(self.limit.burst);
        let rate = self.limit.requests_per_second;
        let bucket = self.buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: burst,
            refilled: now,
        });

        let elapsed = now.saturating_duration_since(bucket.refilled).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.refilled = now;

        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
        }
    }

    /// Drops buckets that have refilled completely, because they behave
    /// exactly like new ones. If every bucket is busy, drops all of them,
    /// which lets each busy key send one extra burst.
    fn drop_idle(&mut self, now: Instant) {
        let burst = f64::from(self.limit.burst);
        let rate = self.limit.requests_per_second;
        self.buckets.retain(|_, bucket| {
            let elapsed = now.saturating_duration_since(bucket.refilled).as_secs_f64();
            bucket.tokens + elapsed * rate < burst
        });
        if self.buckets.len() >= MAX_BUCKETS {
            tracing::warn!(keys = self.buckets.len(), "rate limiter tracks too many API keys; resetting every bucket");
            self.buckets.clear();
        }
    }
}

/// Returns `Retry-After` in whole seconds for a wait, rounded up and at
/// least 1, because 0 would invite an immediate retry that fails again.
pub(crate) fn retry_after_seconds(wait: Duration) -> u64 {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    seconds.max(1)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn burst_then_limited() {
        let mut limiter = RateLimiter::new(RateLimit::per_second(1.0).burst(2));
        let start = Instant::now();
        assert!(limiter.acquire("key", start).is_ok());
        assert!(limiter.acquire("key", start).is_ok());
        let wait = limiter.acquire("key", start).expect_err("the bucket is empty");
        assert_eq!(retry_after_seconds(wait), 1);
        assert!(limiter.acquire("other", start).is_ok(), "keys have separate buckets");
        assert!(limiter.acquire("key", start + Duration::from_secs(1)).is_ok(), "one token refilled");
    }

    #[test]
    fn slow_rate_gives_long_retry_after() {
        let mut limiter = RateLimiter::new(RateLimit::per_second(0.1).burst(1));
        let start = Instant::now();
        assert!(limiter.acquire("key", start).is_ok());
        assert_eq!(retry_after_seconds(limiter.acquire("key", start).expect_err("the bucket is empty")), 10);
    }

    #[test]
    fn default_burst_is_rate_rounded_up() {
        let limit: RateLimit = serde_json::from_value(json!({"requestsPerSecond": 2.5})).expect("the JSON is valid");
        assert_eq!(limit.burst, 3);
        let small: RateLimit = serde_json::from_value(json!({"requestsPerSecond": 0.2})).expect("the JSON is valid");
        assert_eq!(small.burst, 1);
    }

    #[test]
    fn invalid_limits_rejected() {
        for value in [
            json!({"requestsPerSecond": 0}),
            json!({"requestsPerSecond": -1}),
            json!({"requestsPerSecond": 1, "burst": 0}),
            json!({"rps": 1}),
        ] {
            assert!(serde_json::from_value::<RateLimit>(value.clone()).is_err(), "{value}");
        }
    }

    #[test]
    fn idle_buckets_dropped_at_capacity() {
        let mut limiter = RateLimiter::new(RateLimit::per_second(1000.0).burst(1));
        let start = Instant::now();
        for index in 0..MAX_BUCKETS {
            limiter.acquire(&index.to_string(), start).expect("a token is available");
        }
        limiter.acquire("new", start + Duration::from_secs(1)).expect("a token is available");
        assert_eq!(limiter.buckets.len(), 1);
    }
}
