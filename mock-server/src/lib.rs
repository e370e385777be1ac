//! An in-memory fake of Atlassian Cloud's user provisioning API (SCIM 2.0).

pub mod discovery;
pub mod error;
pub mod filter;
pub mod patch;
pub mod schema;
