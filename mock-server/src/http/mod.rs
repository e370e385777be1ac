//! The HTTP side of the mock: accepting connections, reading requests,
//! routing them and writing responses.

mod auth;
mod query;
mod request;
pub(crate) mod response;
mod router;
mod serve;

pub(crate) use request::ScimRequest;
pub(crate) use serve::serve;
pub(crate) use auth::bearer_token;
pub(crate) use query::ListQuery;
