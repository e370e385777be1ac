//! An Atlassian organisation: verified domains, accounts, the group names
//! that exist outside SCIM, and the audit log.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::accounts::Account;
use super::fold;
use crate::model::AuditLog;
use crate::settings::Behaviour;

/// A group that exists on a product site, such as `confluence-users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteGroup {
    pub name: String,
    /// The product site, such as `acme.atlassian.net`.
    pub site: String,
}

/// An organisation and everything it owns besides its directories.
#[derive(Debug, Clone)]
pub struct Organisation {
    pub id: Uuid,
    /// The org API key, which opens the admin endpoints.
    pub api_key: String,
    /// Verified domains, lowercase.
    pub verified_domains: BTreeSet<String>,
    /// Group names that exist in the organisation outside any SCIM
    /// directory, keyed by folded name. A SCIM group may not take one.
    pub org_groups: BTreeMap<String, String>,
    /// Groups of the organisation's product sites. A SCIM group may take
    /// one of these names, but then fails to propagate to that site.
    pub site_groups: Vec<SiteGroup>,
    /// Accounts by account id, shared with the copy of the start state
    /// kept for reset.
    pub accounts: HashMap<String, Arc<Account>>,
    /// Account ids by folded email, because an email identifies an account.
    pub account_by_email: HashMap<String, String>,
    pub audit: AuditLog,
    pub behaviour: Behaviour,
    /// Directories in creation order.
    pub directory_ids: Vec<Uuid>,
}

impl Organisation {
    /// Creates an organisation with no domains, groups or accounts.
    pub fn new(id: Uuid, api_key: String, behaviour: Behaviour) -> Self {
        Organisation {
            id,
            api_key,
            verified_domains: BTreeSet::new(),
            org_groups: BTreeMap::new(),
            site_groups: Vec::new(),
            accounts: HashMap::new(),
            account_by_email: HashMap::new(),
            audit: AuditLog::new(behaviour.max_audit_events),
            behaviour,
            directory_ids: Vec::new(),
        }
    }

    /// Marks a domain as verified.
    pub fn verify_domain(&mut self, domain: &str) {
        self.verified_domains.insert(fold(domain.trim()));
    }

    /// Returns whether users may have a primary email on `domain`.
    pub fn accepts_domain(&self, domain: &str) -> bool {
        self.behaviour.allow_external_users || self.verified_domains.contains(&fold(domain))
    }

    /// Adds an organisation group name.
    pub fn add_org_group(&mut self, name: &str) {
        self.org_groups.insert(fold(name), name.to_owned());
    }

    /// Returns the sites whose group of this name a SCIM group cannot reach.
    pub fn sites_with_group(&self, name_key: &str) -> Vec<&SiteGroup> {
        self.site_groups
            .iter()
            .filter(|group| fold(&group.name) == name_key)
            .collect()
    }
}
