//! JSON renderings of stored records, as the API returns them.
//!
//! Users and groups are rendered straight from the records through borrowed
//! views, so a GET costs one pass over the record and no intermediate
//! `serde_json::Value`. Responses without projection are written by the
//! views' `write_json` (see [`json`]), and attribute projection, which is
//! rarer, works on a `Value` serialised from the same views. Tests check
//! that both paths give the same bytes.

mod group;
mod json;
mod list;
mod projection;
mod user;

pub use group::GroupView;
pub use list::ListResponse;
pub(crate) use list::write_list;
pub use projection::Projection;
pub use user::UserView;

use std::fmt;

use serde::{Serialize, Serializer};
use uuid::Uuid;

/// Builds resource URLs under a directory's public base URL.
#[derive(Debug, Clone, Copy)]
pub struct Urls<'a> {
    /// The SCIM base of the directory, such as
    /// `http://127.0.0.1:8080/scim/directory/<id>`, with no trailing slash.
    pub base: &'a str,
}

impl<'a> Urls<'a> {
    /// Returns the URL of a user.
    pub fn user(&self, id: &Uuid) -> String {
        self.user_url(id).to_url_string()
    }

    /// Returns the URL of a group.
    pub fn group(&self, id: &Uuid) -> String {
        self.group_url(id).to_url_string()
    }

    /// Returns the URL of a user as a value that the JSON writer appends
    /// without building a `String`.
    pub(crate) fn user_url(&self, id: &'a Uuid) -> ResourceUrl<'a> {
        ResourceUrl {
            base: self.base,
            collection: "Users",
            id,
        }
    }

    /// Returns the URL of a group, like [`Urls::user_url`].
    pub(crate) fn group_url(&self, id: &'a Uuid) -> ResourceUrl<'a> {
        ResourceUrl {
            base: self.base,
            collection: "Groups",
            id,
        }
    }
}

/// The URL of one resource: `{base}/{collection}/{id}`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ResourceUrl<'a> {
    base: &'a str,
    collection: &'static str,
    id: &'a Uuid,
}

impl ResourceUrl<'_> {
    /// Builds the URL with plain string pushes, which cost less than the
    /// formatting machinery on this per-resource path.
    fn to_url_string(self) -> String {
        let mut id_buffer = Uuid::encode_buffer();
        let id = self.id.hyphenated().encode_lower(&mut id_buffer);
        let mut url = String::with_capacity(self.base.len() + self.collection.len() + id.len() + 2);
        url.push_str(self.base);
        url.push('/');
        url.push_str(self.collection);
        url.push('/');
        url.push_str(id);
        url
    }
}

impl fmt::Display for ResourceUrl<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.to_url_string())
    }
}

impl Serialize for ResourceUrl<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_url_string())
    }
}

impl ResourceUrl<'_> {
    /// Appends the URL as a JSON string, as the `Serialize` impl writes it.
    fn write_json(self, output: &mut Vec<u8>) {
        json::write_resource_url(output, self.base, self.collection, self.id);
    }
}

/// The `meta` attribute of a resource.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Meta<'a> {
    pub resource_type: &'static str,
    pub location: ResourceUrl<'a>,
    pub created: crate::clock::Rfc3339Micros,
    pub last_modified: crate::clock::Rfc3339Micros,
}

impl Meta<'_> {
    /// Appends the JSON that the `Serialize` impl writes.
    fn write_json(&self, output: &mut Vec<u8>) {
        let mut object = json::ObjectWriter::begin(output);
        json::write_unescaped(object.known_key("resourceType"), self.resource_type);
        self.location.write_json(object.known_key("location"));
        self.created.write_json(object.known_key("created"));
        self.last_modified.write_json(object.known_key("lastModified"));
        object.end();
    }
}

/// Writes one `{"type", "value", "display", "$ref"}` element, the shape
/// shared by a user's `groups` and a group's `members`.
pub(super) fn write_reference(output: &mut Vec<u8>, kind: &str, id: &Uuid, display: &str, url: ResourceUrl<'_>) {
    let mut reference = json::ObjectWriter::begin(output);
    json::write_unescaped(reference.known_key("type"), kind);
    json::write_uuid(reference.known_key("value"), id);
    reference.string("display", display);
    url.write_json(reference.known_key("$ref"));
    reference.end();
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Map, Value};

    use super::*;
    use crate::model::{GroupRecord, UserAttributes, UserRecord};
    use crate::schema::{ATLASSIAN_CUSTOM_URN, ENTERPRISE_URN};
    use crate::store::Directory;

    const BASE: &str = "http://127.0.0.1:8080/scim/directory/11111111-2222-4333-8444-555555555555";

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(fields) => fields,
            _ => unreachable!("test attributes are objects"),
        }
    }

    fn user(id: u128, attributes: Value, account_id: Option<&str>) -> UserRecord {
        let created = time::macros::datetime!(2026-01-31 12:00:00.1234567 UTC);
        UserRecord {
            id: Uuid::from_u128(id),
            seq: id as u64,
            attributes: UserAttributes::new(object(attributes)).unwrap(),
            account_id: account_id.map(str::to_owned),
            groups: Vec::new(),
            created,
            last_modified: created + time::Duration::seconds(90),
        }
    }

    /// Builds a directory with a full user in two groups, a minimal user in
    /// none, and a group whose names need JSON escapes.
    fn directory() -> Directory {
        let mut directory = Directory::new(Uuid::from_u128(1), Uuid::from_u128(2), "Test".to_owned(), "key".to_owned());
        directory.put_user(user(
            10,
            json!({
                "userName": "ada@example.com",
                "name": {"givenName": "Ada", "familyName": "Lovelace \"Byron\""},
                "emails": [{"value": "ada@example.com", "type": "work", "primary": true}],
                "active": true,
                ENTERPRISE_URN: {"department": "R&D\\Labs", "employeeNumber": "7"},
                ATLASSIAN_CUSTOM_URN: {"shoeSize": 42, "ratio": 0.5},
            }),
            Some("0123456789abcdef01234567"),
        ));
        directory.put_user(user(
            11,
            json!({
                "userName": "grace@example.com",
                "displayName": "Grace\u{1} \"Hopper\"",
                "emails": [{"value": "grace@example.com", "primary": true}],
                "active": false,
            }),
            None,
        ));
        for (id, name) in [(20, "Engineering"), (21, "Tab\there \"quoted\"")] {
            let created = time::macros::datetime!(2025-12-01 00:00:00 UTC);
            directory.put_group(GroupRecord {
                id: Uuid::from_u128(id),
                seq: id as u64,
                display_name: name.to_owned(),
                external_id: (id == 21).then(|| "ext-21".to_owned()),
                members: [Uuid::from_u128(10), Uuid::from_u128(99)].into_iter().collect(),
                created,
                last_modified: created,
            });
        }
        directory
    }

    #[test]
    fn user_writer_matches_serde() {
        let directory = directory();
        for id in [10, 11] {
            let view = UserView {
                user: directory.user(&Uuid::from_u128(id)).unwrap(),
                directory: &directory,
                urls: Urls { base: BASE },
            };
            let mut written = Vec::new();
            view.write_json(&mut written);
            assert_eq!(String::from_utf8(written).unwrap(), serde_json::to_string(&view).unwrap());
        }
    }

    #[test]
    fn group_writer_matches_serde() {
        let directory = directory();
        for id in [20, 21] {
            let view = GroupView {
                group: directory.group(&Uuid::from_u128(id)).unwrap(),
                directory: &directory,
                urls: Urls { base: BASE },
            };
            let mut written = Vec::new();
            view.write_json(&mut written);
            assert_eq!(String::from_utf8(written).unwrap(), serde_json::to_string(&view).unwrap());
        }
    }

    #[test]
    fn list_writer_matches_serde() {
        let directory = directory();
        let urls = Urls { base: "http://host/with \"quote\"" };
        let views: Vec<UserView<'_>> = directory
            .users()
            .map(|user| UserView { user, directory: &directory, urls })
            .collect();
        let mut written = Vec::new();
        write_list(&mut written, 57, 3, &views, UserView::write_json);
        let expected = serde_json::to_string(&ListResponse::new(57, 3, views)).unwrap();
        assert_eq!(String::from_utf8(written).unwrap(), expected);
    }

    #[test]
    fn empty_list_writer_matches_serde() {
        let mut written = Vec::new();
        write_list(&mut written, 0, 1, &[] as &[UserView<'_>], UserView::write_json);
        let expected = serde_json::to_string(&ListResponse::<UserView<'_>>::new(0, 1, Vec::new())).unwrap();
        assert_eq!(String::from_utf8(written).unwrap(), expected);
    }
}
