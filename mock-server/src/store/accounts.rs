//! Atlassian accounts and how SCIM users link to them.
//!
//! An account is keyed by email within the organisation. Creating a SCIM
//! user whose email already has an account links to that account instead of
//! creating a second one, which is why a user deleted and provisioned again
//! keeps the same `atlassianAccountId`.

use std::sync::Arc;

use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::fold;
use super::organisation::Organisation;

/// An Atlassian account of the organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// 24 lowercase hex characters, as Atlassian account ids are.
    pub id: String,
    pub email: String,
    pub active: bool,
    /// False for an account on an unverified domain, which the
    /// organisation can see but not manage.
    pub managed: bool,
}

/// Makes a fresh account id of 24 lowercase hex characters.
pub(crate) fn new_account_id() -> String {
    let mut rng = rand::thread_rng();
    (0..24)
        .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
        .collect()
}

impl Organisation {
    /// Links a new SCIM user to the account of `email`, creating the account
    /// if there is none, and sets it to `active`. Returns the account id.
    pub(crate) fn link_account(&mut self, email: &str, active: bool, directory_id: Uuid) -> String {
        let email_key = fold(email);
        let domain = email_key.rsplit('@').next().unwrap_or_default().to_owned();
        let managed = self.verified_domains.contains(&domain);

        if let Some(account_id) = self.account_by_email.get(&email_key).cloned() {
            if let Some(account) = self.accounts.get_mut(&account_id) {
                // Copying a shared account only when it changes keeps it
                // shared with the reset snapshot.
                if account.active != active {
                    Arc::make_mut(account).active = active;
                    if active {
                        self.audit.record("account_reactivated", Some(directory_id), json!({"accountId": account_id}));
                    }
                }
                return account_id;
            }
        }

        let account_id = new_account_id();
        self.accounts.insert(
            account_id.clone(),
            Arc::new(Account {
                id: account_id.clone(),
                email: email.to_owned(),
                active,
                managed,
            }),
        );
        self.account_by_email.insert(email_key, account_id.clone());
        self.audit.record(
            "account_created",
            Some(directory_id),
            json!({"accountId": account_id, "email": email, "managed": managed}),
        );
        account_id
    }

    /// Sets an account's active flag, recording a change in the audit log.
    pub(crate) fn set_account_active(&mut self, account_id: &str, active: bool, directory_id: Uuid) {
        let Some(account) = self.accounts.get_mut(account_id) else {
            return;
        };
        if account.active == active {
            return;
        }
        Arc::make_mut(account).active = active;
        let action = if active { "account_reactivated" } else { "account_deactivated" };
        self.audit.record(action, Some(directory_id), json!({"accountId": account_id}));
    }

    /// Moves an account to a new primary email, unless another account
    /// already owns that email.
    pub(crate) fn change_account_email(&mut self, account_id: &str, new_email: &str) {
        let new_key = fold(new_email);
        if self.account_by_email.get(&new_key).is_some_and(|owner| owner != account_id) {
            return;
        }
        let Some(account) = self.accounts.get_mut(account_id).map(Arc::make_mut) else {
            return;
        };
        self.account_by_email.remove(&fold(&account.email));
        account.email = new_email.to_owned();
        self.account_by_email.insert(new_key, account_id.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_id_is_24_hex() {
        let id = new_account_id();
        assert_eq!(id.len(), 24);
        assert!(id.chars().all(|character| matches!(character, '0'..='9' | 'a'..='f')));
    }
}
