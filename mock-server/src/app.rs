//! The state a running server shares between its connections.

use uuid::Uuid;

use crate::store::Store;

/// Limits applied before a request reaches a handler, so they hold for
/// every route alike.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Transport {
    pub max_body_bytes: usize,
    pub strict_content_type: bool,
}

/// Everything a request handler may touch.
#[derive(Debug)]
pub(crate) struct App {
    pub store: Store,
    /// The scheme, host and port clients use to reach the mock, with no
    /// trailing slash; `meta.location` and `Location` are built from it.
    pub public_url: String,
    pub transport: Transport,
}

impl App {
    /// Returns the SCIM base URL of a directory.
    pub fn directory_base(&self, directory_id: Uuid) -> String {
        format!("{}/scim/directory/{directory_id}", self.public_url)
    }
}
