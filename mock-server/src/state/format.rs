//! The JSON shape of an exported state, as `GET /_mock/state` returns it
//! and `--state-file` stores it.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::clock::Timestamp;
use crate::store::{Account, SiteGroup};

/// The value of [`State::format`], which distinguishes a state file from a
/// seed or fault file given by mistake.
pub const STATE_FORMAT: &str = "scim-mock-state";

/// The only [`State::version`] this build reads.
pub const STATE_VERSION: u32 = 1;

/// Everything the mock holds: organisations with their accounts, audit
/// logs and directories, and directories with their users and groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct State {
    pub format: String,
    pub version: u32,
    #[serde(with = "timestamp")]
    pub saved_at: Timestamp,
    /// The organisation [`crate::MockServer::org_id`] returns.
    pub default_organisation_id: Uuid,
    /// The directory [`crate::MockServer::base_url`] points at.
    pub default_directory_id: Uuid,
    pub organisations: Vec<OrganisationState>,
}

/// One organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrganisationState {
    pub id: Uuid,
    pub api_key: String,
    pub settings: SettingsState,
    pub verified_domains: Vec<String>,
    /// Group names that exist outside SCIM, as first written.
    pub org_groups: Vec<String>,
    pub site_groups: Vec<SiteGroup>,
    pub accounts: Vec<Account>,
    /// The audit log, oldest first.
    pub audit: Vec<AuditEventState>,
    /// Directories in creation order.
    pub directories: Vec<DirectoryState>,
}

/// The organisation's behaviour switches (see [`crate::Behaviour`]), saved
/// because faults and tests change some of them at run time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsState {
    pub allow_external_users: bool,
    pub user_limit: usize,
    pub max_page_size: usize,
    pub max_body_bytes: usize,
    pub strict_content_type: bool,
    pub max_audit_events: usize,
}

/// One audit log event, with its original id and time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuditEventState {
    pub id: Uuid,
    #[serde(with = "timestamp")]
    pub time: Timestamp,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory_id: Option<Uuid>,
    pub details: Value,
}

/// One directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DirectoryState {
    pub id: Uuid,
    pub name: String,
    pub api_key: String,
    /// Users in creation order.
    pub users: Vec<UserState>,
    /// Groups in creation order.
    pub groups: Vec<GroupState>,
}

/// One SCIM user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserState {
    pub id: Uuid,
    /// Creation sequence number within the directory, shared with groups;
    /// list responses are ordered by it.
    pub sequence: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The user's groups in the order they were joined, which is the order
    /// of the user's `groups` attribute. Each group must list the user.
    #[serde(default)]
    pub groups: Vec<Uuid>,
    #[serde(with = "timestamp")]
    pub created: Timestamp,
    #[serde(with = "timestamp")]
    pub last_modified: Timestamp,
    /// The writable attributes, in canonical SCIM form.
    pub attributes: AttributesJson,
}

/// A JSON object of attributes, kept as text.
///
/// A state of 20,000 users is read and written whole. As maps, the users'
/// attributes took about 3.6 KB each while a state was exported or loaded.
/// As text they take their serialised size, and each user is parsed only
/// when it is loaded.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AttributesJson(Box<RawValue>);

impl AttributesJson {
    /// Wraps JSON text that the caller guarantees is a valid object.
    pub(crate) fn from_trusted(json: &str) -> Self {
        AttributesJson(RawValue::from_string(json.to_owned()).expect("attributes are JSON written by serde_json"))
    }

    /// Parses the attributes into a map.
    pub fn to_map(&self) -> Result<Map<String, Value>, serde_json::Error> {
        serde_json::from_str(self.0.get())
    }
}

impl From<Map<String, Value>> for AttributesJson {
    fn from(attributes: Map<String, Value>) -> Self {
        AttributesJson::from_trusted(&Value::Object(attributes).to_string())
    }
}

/// Equal when the attributes are equal, whatever their order or spacing.
impl PartialEq for AttributesJson {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get() || self.to_map().ok() == other.to_map().ok()
    }
}

/// One SCIM group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GroupState {
    pub id: Uuid,
    pub sequence: u64,
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Member user ids in the order they were added.
    pub members: Vec<Uuid>,
    #[serde(with = "timestamp")]
    pub created: Timestamp,
    #[serde(with = "timestamp")]
    pub last_modified: Timestamp,
}

/// RFC 3339 timestamps with every digit of precision the clock gave, so a
/// saved and loaded state compares equal to the original.
mod timestamp {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::format_description::well_known::Rfc3339;

    use crate::clock::{self, Timestamp};

    pub fn serialize<S: Serializer>(time: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
        let text = time.format(&Rfc3339).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(deserializer)?;
        clock::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("invalid timestamp {text:?}: write RFC 3339, such as \"2026-01-31T12:00:00.123456Z\""))
        })
    }
}
