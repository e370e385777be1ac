//! JSON renderings of stored records, as the API returns them.
//!
//! Users and groups serialise straight from the records through borrowed
//! views, so a GET costs one pass over the record and no intermediate
//! `serde_json::Value`. Attribute projection, which is rarer, works on a
//! `Value` rendered from the same view.

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

    /// Returns the URL of a user as a value that serialises without
    /// building a `String`, for rendering.
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
        json::write_str(output, &self.to_url_string());
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
        object.string("resourceType", self.resource_type);
        self.location.write_json(object.key("location"));
        self.created.write_json(object.key("created"));
        self.last_modified.write_json(object.key("lastModified"));
        object.end();
    }
}
