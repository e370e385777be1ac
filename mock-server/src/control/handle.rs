//! The control operations as methods of [`MockServer`], for tests that
//! run the mock in-process. Each does what its control route does.

use uuid::Uuid;

use super::ops::{self, CreatedDirectory, NewDirectory, SavedState};
use super::reply::ControlError;
use crate::faults::{Fault, FaultConfig, FaultId, FaultListing, FaultReport, RateLimit};
use crate::journal::{JournalEntry, JournalFilter};
use crate::state::{State, StateError, StateFileError};
use crate::store::SiteGroup;
use crate::MockServer;

impl MockServer {
    /// Installs a fault rule after the existing ones and returns its id.
    pub fn inject(&self, fault: Fault) -> FaultId {
        self.app().faults.add(fault).id
    }

    /// Removes a fault rule; returns whether it existed.
    pub fn remove_fault(&self, id: FaultId) -> bool {
        self.app().faults.remove(id)
    }

    /// Removes every fault rule; the seed and rate limit stay.
    pub fn clear_faults(&self) {
        self.app().faults.clear();
    }

    /// Returns one rule with its `matched` and `fired` counters.
    pub fn fault(&self, id: FaultId) -> Option<FaultReport> {
        self.app().faults.get(id)
    }

    /// Returns every rule with its counters, the seed and the rate limit.
    pub fn faults(&self) -> FaultListing {
        self.app().faults.list()
    }

    /// Replaces every rule and the rate limit, and the seed if `config`
    /// has one; rule ids restart at 1.
    pub fn replace_faults(&self, config: &FaultConfig) {
        self.app().faults.replace(config);
    }

    /// Sets or removes the rate limit per API key.
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        self.app().faults.set_rate_limit(limit);
    }

    /// Returns the journal: every SCIM and admin request received (up to
    /// the journal size), oldest first.
    pub fn received_requests(&self) -> Vec<JournalEntry> {
        self.app().journal.entries(&JournalFilter::default())
    }

    /// Returns the journal entries `filter` accepts, oldest first.
    pub fn received_requests_matching(&self, filter: &JournalFilter) -> Vec<JournalEntry> {
        self.app().journal.entries(filter)
    }

    /// Empties the journal.
    pub fn clear_received_requests(&self) {
        self.app().journal.clear();
    }

    /// Restores the state, default ids and fault rules the server started
    /// with (counters at zero) and empties the journal.
    pub fn reset(&self) {
        ops::reset(self.app());
    }

    /// Returns the whole state, as `GET /_mock/state` does.
    pub fn export_state(&self) -> State {
        ops::export_state(self.app())
    }

    /// Replaces the whole state; on error nothing changes.
    pub fn import_state(&self, state: &State) -> Result<(), StateError> {
        ops::import_state(self.app(), state)
    }

    /// Writes the state to the configured state file, atomically.
    pub async fn save_state(&self) -> Result<SavedState, StateFileError> {
        ops::save_state(self.app()).await
    }

    /// Creates a directory in the default organisation and returns its id
    /// and key.
    pub fn create_directory(&self, name: &str) -> CreatedDirectory {
        let request = NewDirectory {
            name: Some(name.to_owned()),
            ..NewDirectory::default()
        };
        match ops::create_directory(self.app(), self.app().defaults().org_id, request) {
            Ok(created) => created,
            Err(error) => unreachable!("a generated directory id is unique and the default organisation exists: {error}"),
        }
    }

    /// Replaces a directory's API key and returns the new one; the old key
    /// gets 403 from the next request on.
    pub fn regenerate_key(&self, directory_id: Uuid) -> Result<String, ControlError> {
        ops::regenerate_key(self.app(), directory_id)
    }

    /// Verifies a domain of the default organisation; returns whether it
    /// was new.
    pub fn verify_domain(&self, domain: &str) -> Result<bool, ControlError> {
        ops::verify_domain(self.app(), self.app().defaults().org_id, domain)
    }

    /// Removes a verified domain of the default organisation; returns
    /// whether it was verified.
    pub fn unverify_domain(&self, domain: &str) -> bool {
        ops::unverify_domain(self.app(), self.app().defaults().org_id, domain).unwrap_or(false)
    }

    /// Adds an org group name, which SCIM groups then cannot take.
    pub fn add_org_group(&self, name: &str) -> Result<bool, ControlError> {
        ops::add_org_group(self.app(), self.app().defaults().org_id, name)
    }

    /// Removes an org group name, ignoring case.
    pub fn remove_org_group(&self, name: &str) -> bool {
        ops::remove_org_group(self.app(), self.app().defaults().org_id, name).unwrap_or(false)
    }

    /// Adds a site group, which SCIM groups of that name fail to reach.
    pub fn add_site_group(&self, group: SiteGroup) -> Result<bool, ControlError> {
        ops::add_site_group(self.app(), self.app().defaults().org_id, &group.name, Some(&group.site))
    }

    /// Removes the site groups of this name on every site; returns how
    /// many were removed.
    pub fn remove_site_group(&self, name: &str) -> usize {
        ops::remove_site_group(self.app(), self.app().defaults().org_id, name, None).unwrap_or(0)
    }

    /// Returns the control API's base URL, such as
    /// `http://127.0.0.1:PORT/_mock`, or `None` when it is disabled.
    pub fn control_url(&self) -> Option<String> {
        self.app().control_token.as_ref().map(|_| format!("{}/{}", self.url(), super::PREFIX))
    }

    /// Returns the control API's bearer token, or `None` when it is disabled.
    pub fn control_token(&self) -> Option<&str> {
        self.app().control_token.as_deref()
    }
}
