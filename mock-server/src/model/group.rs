//! A SCIM group as stored in a directory.

use indexmap::IndexSet;
use uuid::Uuid;

use crate::clock::Timestamp;

/// A group resource of one directory.
#[derive(Debug, Clone)]
pub struct GroupRecord {
    pub id: Uuid,
    /// Creation sequence number, which gives list responses a stable order.
    pub seq: u64,
    /// The name, fixed at creation because Atlassian products key on it.
    pub display_name: String,
    pub external_id: Option<String>,
    /// Member user ids in the order they were added; a set, so that adding
    /// a member twice is a no-op and a membership test costs O(1) even in a
    /// group of thousands.
    pub members: IndexSet<Uuid>,
    pub created: Timestamp,
    pub last_modified: Timestamp,
}
