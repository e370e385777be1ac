//! The JSON of a group resource.

use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;

use super::json::{self, ArrayWriter, ObjectWriter};
use super::{Meta, ResourceUrl, Urls};
use crate::clock::Rfc3339Micros;
use crate::model::GroupRecord;
use crate::schema::GROUP_URN;
use crate::store::Directory;

/// A group rendered with `schemas`, `members` and `meta`.
#[derive(Debug, Clone, Copy)]
pub struct GroupView<'a> {
    pub group: &'a GroupRecord,
    /// The directory that resolves members to their `userName`.
    pub directory: &'a Directory,
    pub urls: Urls<'a>,
}

/// The `members` array, serialised lazily so a group of thousands of
/// members is written without building a `Vec` of JSON values first.
struct Members<'a>(&'a GroupView<'a>);

/// One element of `members`.
#[derive(Serialize)]
struct MemberReference<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    value: &'a uuid::Uuid,
    display: &'a str,
    #[serde(rename = "$ref")]
    reference: ResourceUrl<'a>,
}

impl Serialize for Members<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let view = self.0;
        let mut sequence = serializer.serialize_seq(Some(view.group.members.len()))?;
        for member_id in &view.group.members {
            let Some(user) = view.directory.user(member_id) else {
                continue;
            };
            sequence.serialize_element(&MemberReference {
                kind: "User",
                value: member_id,
                display: user.user_name(),
                reference: view.urls.user_url(member_id),
            })?;
        }
        sequence.end()
    }
}

impl GroupView<'_> {
    /// Appends the group's JSON, the same bytes as serialising the view with
    /// serde_json (the `Serialize` impl), written faster; see [`super::json`].
    pub(crate) fn write_json(&self, output: &mut Vec<u8>) {
        let group = self.group;
        let mut object = ObjectWriter::begin(output);
        let mut schemas = ArrayWriter::begin(object.known_key("schemas"));
        json::write_unescaped(schemas.element(), GROUP_URN);
        schemas.end();
        json::write_uuid(object.known_key("id"), &group.id);
        object.string("displayName", &group.display_name);
        if let Some(external_id) = &group.external_id {
            object.string("externalId", external_id);
        }

        let mut members = ArrayWriter::begin(object.known_key("members"));
        for member_id in &group.members {
            let Some(user) = self.directory.user(member_id) else {
                continue;
            };
            let url = self.urls.user_url(member_id);
            super::write_reference(members.element(), "User", member_id, user.user_name(), url);
        }
        members.end();

        let meta = Meta {
            resource_type: "Group",
            location: self.urls.group_url(&group.id),
            created: Rfc3339Micros(group.created),
            last_modified: Rfc3339Micros(group.last_modified),
        };
        meta.write_json(object.known_key("meta"));
        object.end();
    }
}

impl Serialize for GroupView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let group = self.group;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("schemas", &[GROUP_URN])?;
        map.serialize_entry("id", &group.id)?;
        map.serialize_entry("displayName", &group.display_name)?;
        if let Some(external_id) = &group.external_id {
            map.serialize_entry("externalId", external_id)?;
        }
        map.serialize_entry("members", &Members(self))?;
        map.serialize_entry(
            "meta",
            &Meta {
                resource_type: "Group",
                location: self.urls.group_url(&group.id),
                created: Rfc3339Micros(group.created),
                last_modified: Rfc3339Micros(group.last_modified),
            },
        )?;
        map.end()
    }
}
