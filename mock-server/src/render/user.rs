//! The JSON of a user resource.

use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;

use super::json::{self, ArrayWriter, ObjectWriter};
use super::{Meta, ResourceUrl, Urls};
use crate::clock::Rfc3339Micros;
use crate::model::UserRecord;
use crate::schema::{ATLASSIAN_CUSTOM_URN, ATLASSIAN_EXTERNAL_URN, ENTERPRISE_URN, USER_URN};
use crate::store::Directory;

/// A user rendered with its computed attributes: `schemas`, `id`, `groups`,
/// the linked account and `meta`.
#[derive(Debug, Clone, Copy)]
pub struct UserView<'a> {
    pub user: &'a UserRecord,
    /// The directory that resolves the user's groups to their names.
    pub directory: &'a Directory,
    pub urls: Urls<'a>,
}

/// The Atlassian account extension of a user.
#[derive(Serialize)]
struct AccountLink<'a> {
    #[serde(rename = "atlassianAccountId")]
    atlassian_account_id: &'a str,
}

/// The `groups` array, serialised straight from the directory.
struct Groups<'a>(&'a UserView<'a>);

/// One element of `groups`.
#[derive(Serialize)]
struct GroupReference<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    value: &'a uuid::Uuid,
    display: &'a str,
    #[serde(rename = "$ref")]
    reference: ResourceUrl<'a>,
}

impl Serialize for Groups<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let view = self.0;
        let mut sequence = serializer.serialize_seq(None)?;
        let groups = view
            .user
            .groups
            .iter()
            .filter_map(|group_id| view.directory.group(group_id));
        for group in groups {
            sequence.serialize_element(&GroupReference {
                kind: "direct",
                value: &group.id,
                display: &group.display_name,
                reference: view.urls.group_url(&group.id),
            })?;
        }
        sequence.end()
    }
}

/// Returns the schema URNs of a user: the core schema, then each extension
/// it has, in a fixed order. Only the first `count` entries are used.
fn schemas(user: &UserRecord) -> ([&'static str; 4], usize) {
    let mut schemas = [USER_URN; 4];
    let mut count = 1;
    for (present, urn) in [
        (user.attributes.has_enterprise(), ENTERPRISE_URN),
        (user.account_id.is_some(), ATLASSIAN_EXTERNAL_URN),
        (user.attributes.has_atlassian_custom(), ATLASSIAN_CUSTOM_URN),
    ] {
        if present {
            schemas[count] = urn;
            count += 1;
        }
    }
    (schemas, count)
}

impl UserView<'_> {
    /// Appends the user's JSON, the same bytes as serialising the view with
    /// serde_json (the `Serialize` impl), written faster; see [`super::json`].
    pub(crate) fn write_json(&self, output: &mut Vec<u8>) {
        let user = self.user;
        let mut object = ObjectWriter::begin(output);

        let (schemas, count) = schemas(user);
        let mut array = ArrayWriter::begin(object.known_key("schemas"));
        for urn in &schemas[..count] {
            json::write_unescaped(array.element(), urn);
        }
        array.end();
        json::write_uuid(object.known_key("id"), &user.id);

        object.raw_entries(user.attributes.json_entries());

        if let Some(account_id) = &user.account_id {
            let mut account = ObjectWriter::begin(object.known_key(ATLASSIAN_EXTERNAL_URN));
            account.string("atlassianAccountId", account_id);
            account.end();
        }

        let mut groups = ArrayWriter::begin(object.known_key("groups"));
        for group in user.groups.iter().filter_map(|group_id| self.directory.group(group_id)) {
            let url = self.urls.group_url(&group.id);
            super::write_reference(groups.element(), "direct", &group.id, &group.display_name, url);
        }
        groups.end();

        let meta = Meta {
            resource_type: "User",
            location: self.urls.user_url(&user.id),
            created: Rfc3339Micros(user.created),
            last_modified: Rfc3339Micros(user.last_modified),
        };
        meta.write_json(object.known_key("meta"));
        object.end();
    }
}

impl Serialize for UserView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let user = self.user;
        let mut map = serializer.serialize_map(None)?;

        let (schemas, count) = schemas(user);
        map.serialize_entry("schemas", &schemas[..count])?;
        map.serialize_entry("id", &user.id)?;

        for (key, value) in &user.attributes.to_map() {
            map.serialize_entry(key, value)?;
        }

        if let Some(account_id) = &user.account_id {
            map.serialize_entry(ATLASSIAN_EXTERNAL_URN, &AccountLink { atlassian_account_id: account_id })?;
        }

        map.serialize_entry("groups", &Groups(self))?;

        map.serialize_entry(
            "meta",
            &Meta {
                resource_type: "User",
                location: self.urls.user_url(&user.id),
                created: Rfc3339Micros(user.created),
                last_modified: Rfc3339Micros(user.last_modified),
            },
        )?;
        map.end()
    }
}
