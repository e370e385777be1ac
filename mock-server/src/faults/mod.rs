//! Fault injection: rules that make chosen SCIM and admin requests fail,
//! slow down, lose their response or meet a changed Atlassian rule, and a
//! token-bucket rate limiter per API key.
//!
//! A rule is a [`Match`] (which requests), a trigger (when: always, the
//! n-th match, the first n, every k-th, with a seeded probability, inside
//! a time window) and an [`Effect`] (what happens). Rules come from a JSON
//! file at start, from the control API under `/_mock/faults`, or from Rust:
//!
//! ```
//! use std::time::Duration;
//! use scim_mock::faults::{Effect, Fault, Match, Resource};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let server = scim_mock::MockServer::start().await;
//! let id = server.inject(
//!     Fault::when(Match::create(Resource::Users))
//!         .first(1)
//!         .respond_with(Effect::too_many_requests(Duration::from_secs(1))),
//! );
//! assert_eq!(server.fault(id).map(|report| report.fired), Some(0));
//! # }
//! ```
//!
//! Rules never apply to the control API, so a test can always inspect and
//! remove them.

mod connection;
mod effect;
mod engine;
mod execute;
mod file;
mod matcher;
mod rate_limit;
mod rule;
mod trigger;

pub use effect::{Disconnect, Effect};
pub use engine::{AppliedFault, FaultListing};
pub use file::{FaultConfig, FaultFileError};
pub use matcher::{Match, Resource};
pub use rate_limit::RateLimit;
pub use rule::{Fault, FaultBuilder, FaultId, FaultReport};
pub use trigger::TimePoint;

pub(crate) use connection::{ConnectionDropped, FaultableStream, ResetOnDrop, ServedBody, TruncatedBody};
pub(crate) use engine::FaultEngine;
pub(crate) use execute::{carry_out, rate_limited, Outcome};
pub(crate) use matcher::RequestFacts;
