//! JSON renderings of stored records, as the API returns them.
//!
//! Users and groups serialise straight from the records through borrowed
//! views, so a GET costs one pass over the record and no intermediate
//! `serde_json::Value`. Attribute projection, which is rarer, works on a
//! `Value` rendered from the same view.

mod group;
mod list;
mod projection;
mod user;

pub use group::GroupView;
pub use list::ListResponse;
pub use projection::Projection;
pub use user::UserView;

use uuid::Uuid;

/// Builds resource URLs under a directory's public base URL.
#[derive(Debug, Clone, Copy)]
pub struct Urls<'a> {
    /// The SCIM base of the directory, such as
    /// `http://127.0.0.1:8080/scim/directory/<id>`, with no trailing slash.
    pub base: &'a str,
}

impl Urls<'_> {
    /// Returns the URL of a user.
    pub fn user(&self, id: &Uuid) -> String {
        format!("{}/Users/{id}", self.base)
    }

    /// Returns the URL of a group.
    pub fn group(&self, id: &Uuid) -> String {
        format!("{}/Groups/{id}", self.base)
    }
}
