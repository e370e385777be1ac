//! A conformance harness for SCIM 2.0 servers, with Atlassian Cloud's user
//! provisioning API as a profile.
//!
//! Scenarios are TOML files, described in `fixtures/scenarios/README.md`. The
//! [`runner`] sends their requests through the reusable [`client`] and checks
//! each response with [`matcher`]s. It captures values into [`vars`] and
//! compares [`normalize`]d responses with [`snapshot`]s. The [`report`]
//! renderers turn the [`result`] into console, JUnit and JSON output, and
//! [`cli`] is the `scim-conformance` binary. Before the first request the
//! [`preflight`] check makes sure the server responds and accepts the key,
//! and after the last one the [`sweep`] deletes leftovers by name prefix.
//!
//! This crate shares no code with the mock server on purpose, so that a bug
//! in one is caught by the other.

pub mod cli;
pub mod client;
pub mod diff;
pub mod guard;
pub mod jsonpath;
pub mod matcher;
pub mod normalize;
pub mod preflight;
pub mod props;
pub mod report;
pub mod result;
pub mod runner;
pub mod scenario;
pub mod snapshot;
pub mod sweep;
pub mod vars;
