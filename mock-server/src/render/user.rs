//! The JSON of a user resource.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::json;

use super::Urls;
use crate::clock;
use crate::model::UserRecord;
use crate::schema::{ATLASSIAN_CUSTOM_URN, ATLASSIAN_EXTERNAL_URN, ENTERPRISE_URN, USER_URN};
use crate::store::Directory;

/// A user rendered with its computed attributes: `schemas`, `id`, `groups`,
/// the linked account and `meta`.
#[derive(Debug, Clone, Copy)]
pub struct UserView<'a> {
    pub user: &'a UserRecord,
    /// Where the user's groups are looked up for their names.
    pub directory: &'a Directory,
    pub urls: Urls<'a>,
}

impl Serialize for UserView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let user = self.user;
        let mut map = serializer.serialize_map(None)?;

        let mut schemas = vec![USER_URN];
        if user.attributes.contains_key(ENTERPRISE_URN) {
            schemas.push(ENTERPRISE_URN);
        }
        if user.account_id.is_some() {
            schemas.push(ATLASSIAN_EXTERNAL_URN);
        }
        if user.attributes.contains_key(ATLASSIAN_CUSTOM_URN) {
            schemas.push(ATLASSIAN_CUSTOM_URN);
        }
        map.serialize_entry("schemas", &schemas)?;
        map.serialize_entry("id", &user.id)?;

        for (key, value) in &user.attributes {
            map.serialize_entry(key, value)?;
        }

        if let Some(account_id) = &user.account_id {
            map.serialize_entry(ATLASSIAN_EXTERNAL_URN, &json!({"atlassianAccountId": account_id}))?;
        }

        let groups: Vec<_> = user
            .groups
            .iter()
            .filter_map(|group_id| self.directory.group(group_id))
            .map(|group| {
                json!({
                    "type": "direct",
                    "value": group.id,
                    "display": group.display_name,
                    "$ref": self.urls.group(&group.id),
                })
            })
            .collect();
        map.serialize_entry("groups", &groups)?;

        map.serialize_entry(
            "meta",
            &json!({
                "resourceType": "User",
                "location": self.urls.user(&user.id),
                "created": clock::format(user.created),
                "lastModified": clock::format(user.last_modified),
            }),
        )?;
        map.end()
    }
}
