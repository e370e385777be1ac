//! An in-memory fake of Atlassian Cloud's user provisioning API (SCIM 2.0).
//!
//! Start a server, point your SCIM client at [`MockServer::base_url`] with
//! [`MockServer::token`] as the bearer key, and it behaves like an Atlassian
//! directory: users and groups, filters, PATCH in every dialect identity
//! providers send, verified domains, DELETE as deactivation, the user limit,
//! 409 on duplicate group names and no group renames.
//!
//! ```
//! use scim_mock::MockServer;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = MockServer::builder().user_limit(100).start().await?;
//!
//! let client = reqwest::Client::new();
//! let created = client
//!     .post(format!("{}/Users", server.base_url()))
//!     .bearer_auth(server.token())
//!     .header("content-type", "application/scim+json")
//!     .body(r#"{"userName": "ada@example.com",
//!               "emails": [{"value": "ada@example.com", "primary": true}]}"#)
//!     .send()
//!     .await?;
//! assert_eq!(created.status(), 201);
//!
//! // A second user with the same userName, in another case, is a conflict.
//! let duplicate = client
//!     .post(format!("{}/Users", server.base_url()))
//!     .bearer_auth(server.token())
//!     .header("content-type", "application/scim+json")
//!     .body(r#"{"userName": "ADA@example.com",
//!               "emails": [{"value": "ada2@example.com", "primary": true}]}"#)
//!     .send()
//!     .await?;
//! assert_eq!(duplicate.status(), 409);
//! # Ok(())
//! # }
//! ```
//!
//! Each [`MockServer`] owns its state and port, so tests can run many in
//! parallel. Dropping the handle stops the server.
//!
//! # Faults, the journal and state
//!
//! [`MockServer::inject`] installs a fault rule: which requests ([`Match`]),
//! when (every match, the n-th, the first n, every k-th, a seeded
//! probability, a time window) and what happens ([`Effect`]). The journal
//! ([`MockServer::received_requests`]) then shows what the client sent.
//! This test checks that a client waits for `Retry-After` and retries:
//!
//! ```
//! use std::time::Duration;
//!
//! use scim_mock::{Effect, Fault, Match, MockServer, Resource};
//!
//! /// Creates a user; after a 429 it waits the seconds of `Retry-After`.
//! async fn create_user(client: &reqwest::Client, server: &MockServer, body: &str) -> reqwest::Result<reqwest::Response> {
//!     loop {
//!         let response = client
//!             .post(format!("{}/Users", server.base_url()))
//!             .bearer_auth(server.token())
//!             .header("content-type", "application/scim+json")
//!             .body(body.to_owned())
//!             .send()
//!             .await?;
//!         if response.status() != 429 {
//!             return Ok(response);
//!         }
//!         let seconds = response
//!             .headers()
//!             .get("retry-after")
//!             .and_then(|value| value.to_str().ok())
//!             .and_then(|text| text.parse().ok())
//!             .unwrap_or(1);
//!         tokio::time::sleep(Duration::from_secs(seconds)).await;
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = MockServer::start().await;
//! let throttle = server.inject(
//!     Fault::when(Match::create(Resource::Users))
//!         .first(1)
//!         .respond_with(Effect::too_many_requests(Duration::from_secs(1))),
//! );
//!
//! let body = r#"{"userName": "ada@example.com",
//!                "emails": [{"value": "ada@example.com", "primary": true}]}"#;
//! let created = create_user(&reqwest::Client::new(), &server, body).await?;
//!
//! assert_eq!(created.status(), 201);
//! let statuses: Vec<Option<u16>> = server.received_requests().iter().map(|entry| entry.status).collect();
//! assert_eq!(statuses, [Some(429), Some(201)]);
//! assert_eq!(server.fault(throttle).map(|report| report.fired), Some(1));
//! # Ok(())
//! # }
//! ```
//!
//! The same rules come from a JSON file (`--faults`, see
//! `fixtures/faults/README.md`) or the control API under `/_mock/`, which
//! also resets the server, manages directories, keys, domains and group
//! names, and exports or imports the whole state ([`state::State`]).

mod app;
pub mod cli;
mod clock;
pub mod control;
pub mod discovery;
pub mod error;
pub mod faults;
pub mod filter;
mod handlers;
mod http;
pub mod journal;
pub mod model;
pub mod patch;
mod render;
pub mod schema;
pub mod seed;
mod server;
pub mod settings;
pub mod state;
pub mod store;

pub use faults::{Effect, Fault, Match, Resource};
pub use server::{MockServer, MockServerBuilder, StartError, DEFAULT_JOURNAL_SIZE};
pub use settings::Behaviour;
