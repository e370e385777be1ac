//! The records the mock stores, and the checks that turn a request body
//! into one.
//!
//! Records keep a resource's writable attributes as canonical JSON (names
//! spelled as in the schema, extensions under their URN), which is what the
//! PATCH engine edits and what responses render. The fields that the store
//! indexes or computes sit beside that JSON as typed values.

mod audit;
mod group;
mod normalize;
mod user;

pub use audit::{AuditEvent, AuditLog};
pub use group::GroupRecord;
pub use normalize::normalize;
pub(crate) use user::email_domain;
pub use user::{validate_user, UserRecord};
