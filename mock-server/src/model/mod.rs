//! The records the mock stores, and the checks that turn a request body
//! into one.
//!
//! Records keep a resource's writable attributes in canonical form (names
//! spelled as in the schema, extensions under their URN): users as compact
//! JSON text, groups as typed fields. The fields that the store indexes or
//! computes sit beside that as typed values.

mod audit;
mod group;
mod normalize;
mod user;
mod user_attributes;

pub(crate) use audit::raw_json;
pub use audit::{AuditEvent, AuditLog};
pub use group::GroupRecord;
pub use normalize::normalize;
pub(crate) use user::email_domain;
pub use user::{validate_user, UserRecord};
pub use user_attributes::UserAttributes;
