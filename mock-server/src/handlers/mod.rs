//! Request handlers, one module per resource and one file per operation.
//!
//! A handler parses its request, takes the store lock for as short a time
//! as it can, and renders the response while still holding a read lock so
//! the body shows one consistent state.

pub(crate) mod admin;
pub(crate) mod discovery;
mod filter_subset;
pub(crate) mod groups;
pub(crate) mod users;

use http::Response;
use uuid::Uuid;

use crate::error::ScimError;
use crate::http::response::Body;
use crate::render::Urls;
use crate::settings::Behaviour;
use crate::store::World;

/// The result type of SCIM handlers.
pub(crate) type HandlerResult = Result<Response<Body>, ScimError>;

/// The authorised directory a SCIM request addresses.
#[derive(Debug, Clone)]
pub(crate) struct DirectoryContext {
    pub directory_id: Uuid,
    /// The directory's public SCIM base URL.
    pub base: String,
}

impl DirectoryContext {
    pub fn urls(&self) -> Urls<'_> {
        Urls { base: &self.base }
    }
}

/// Parses a resource id from the path. An id that is not a UUID can never
/// name a resource, so it gets the same 404 as an unknown one.
pub(crate) fn parse_id(text: &str, not_found: fn(&str) -> ScimError) -> Result<Uuid, ScimError> {
    Uuid::parse_str(text).map_err(|_| not_found(text))
}

/// Returns the behaviour of the organisation that owns a directory.
pub(crate) fn behaviour(world: &World, directory_id: Uuid) -> Behaviour {
    world
        .directories
        .get(&directory_id)
        .and_then(|directory| world.organisations.get(&directory.org_id))
        .map(|organisation| organisation.behaviour.clone())
        .unwrap_or_default()
}
