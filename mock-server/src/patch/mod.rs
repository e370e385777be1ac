//! PATCH requests (RFC 7644 §3.5.2) as identity providers send them.
//!
//! [`parse_request`] checks the body and parses each operation's path, and
//! [`apply`] runs the operations against a resource's JSON, resolving every
//! attribute name through the schema tables. The engine accepts the dialects
//! of Okta and Microsoft Entra ID: `op` in any case, path-less values with
//! dotted or URN-qualified keys, booleans sent as "True" or "False", and
//! writes through value filters that create the element they name.

mod apply;
mod context;
mod json;
mod multi;
mod request;
mod single;
mod target;
mod value;

#[cfg(test)]
mod tests;

pub use apply::apply;
pub use request::{parse_request, PatchOpKind, PatchOperation};
