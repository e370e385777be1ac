//! The state a running server shares between its connections.

use std::path::PathBuf;

use parking_lot::RwLock;
use uuid::Uuid;

use crate::faults::{FaultConfig, FaultEngine};
use crate::journal::Journal;
use crate::store::{Store, WorldSnapshot};

/// Limits applied before a request reaches a handler, so they hold for
/// every route alike.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Transport {
    pub max_body_bytes: usize,
    pub strict_content_type: bool,
}

/// The organisation and directory that [`crate::MockServer`] methods and
/// control routes without an `orgId` act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Defaults {
    pub org_id: Uuid,
    pub directory_id: Uuid,
}

/// The state, defaults and fault rules at start, which a reset restores.
#[derive(Debug)]
pub(crate) struct Initial {
    /// Filled by a background thread right after start, so that the start
    /// does not wait for it. Writes wait for the snapshot, as the thread
    /// holds a read lock from before the first request until it is taken.
    pub world: std::sync::OnceLock<WorldSnapshot>,
    pub defaults: Defaults,
    pub faults: FaultConfig,
}

/// The `--state-file` and the lock that orders writes to it.
#[derive(Debug)]
pub(crate) struct StateFile {
    pub path: PathBuf,
    /// Held from snapshot to rename, so two concurrent saves cannot rename
    /// an older snapshot over a newer one.
    pub save_lock: tokio::sync::Mutex<()>,
}

/// Everything a request handler may touch.
#[derive(Debug)]
pub(crate) struct App {
    pub store: Store,
    /// The scheme, host and port clients use to reach the mock, with no
    /// trailing slash; `meta.location` and `Location` are built from it.
    pub public_url: String,
    pub transport: Transport,
    /// Fault rules and the rate limiter, consulted before SCIM and admin
    /// requests are routed.
    pub faults: FaultEngine,
    pub journal: Journal,
    /// The control API's bearer token; `None` when the control API is off.
    pub control_token: Option<String>,
    /// Changes only when an imported state has other defaults.
    pub defaults: RwLock<Defaults>,
    pub initial: Initial,
    pub state_file: Option<StateFile>,
}

impl App {
    /// Returns the SCIM base URL of a directory.
    pub fn directory_base(&self, directory_id: Uuid) -> String {
        // Built by hand, not with `format!`, because every SCIM request
        // needs it and the formatting machinery cost 3% of a filter request.
        const PATH: &str = "/scim/directory/";
        let mut base = String::with_capacity(self.public_url.len() + PATH.len() + uuid::fmt::Hyphenated::LENGTH);
        base.push_str(&self.public_url);
        base.push_str(PATH);
        base.push_str(directory_id.hyphenated().encode_lower(&mut Uuid::encode_buffer()));
        base
    }

    /// Returns the current default organisation and directory.
    pub fn defaults(&self) -> Defaults {
        *self.defaults.read()
    }
}
