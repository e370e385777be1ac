//! A conformance harness for SCIM 2.0 servers, with Atlassian Cloud's user
//! provisioning API as a profile.
//!
//! Scenarios are TOML files (see `fixtures/scenarios/README.md`); the
//! [`runner`] sends their requests through the reusable [`client`], checks
//! each response with [`matcher`]s, captures values into [`vars`], compares
//! [`normalize`]d responses with [`snapshot`]s and hands the [`result`] to the
//! [`report`] renderers. The [`cli`] module is the `scim-conformance` binary.
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
pub mod report;
pub mod result;
pub mod runner;
pub mod scenario;
pub mod snapshot;
pub mod vars;
