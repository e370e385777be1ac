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

mod app;
pub mod cli;
mod clock;
pub mod discovery;
pub mod error;
pub mod filter;
mod handlers;
mod http;
pub mod model;
pub mod patch;
mod render;
pub mod schema;
pub mod seed;
mod server;
pub mod settings;
pub mod store;

pub use server::{MockServer, MockServerBuilder, StartError};
pub use settings::Behaviour;
