//! Export and import of the whole state, and the `--state-file` that keeps
//! it across restarts.
//!
//! A [`State`] contains every organisation, account, audit event, directory,
//! user and group with their ids, keys, sequence numbers and timestamps,
//! so a loaded state serves exactly what the saved one did. Fault rules,
//! the rate limit and the request journal are not part of it.

mod export;
mod file;
mod format;
mod import;

pub use format::{
    AttributesJson, AuditEventState, DirectoryState, GroupState, OrganisationState, SettingsState, State, UserState, STATE_FORMAT, STATE_VERSION,
};

pub(crate) use export::export;
pub(crate) use file::{load, save};
pub(crate) use import::import;

/// Failure to import a state. The entry is a path into the state document,
/// such as `organisations[0].directories[1].users[3]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error("state entry {entry} is invalid: {detail}")]
    Invalid { entry: String, detail: String },
}

/// Failure to read or write a state file.
#[derive(Debug, thiserror::Error)]
pub enum StateFileError {
    #[error("failed to read state file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("state file {path} is not valid JSON of a scim-mock state, at {location}: {message}. The file was left unchanged: repair it, or move it away to start from the seed")]
    Parse { path: String, location: String, message: String },
    #[error("state file {path} was rejected: {source}. The file was left unchanged: repair it, or move it away to start from the seed")]
    Invalid { path: String, source: StateError },
    #[error("failed to write state file {path}: {source}. Check that its folder exists and is writable")]
    Write { path: String, source: std::io::Error },
    #[error("no state file is configured: start the server with --state-file FILE (or MockServerBuilder::state_file)")]
    NotConfigured,
}
