//! The organisation's audit log: what the mock did that an Atlassian admin
//! would see in the admin console, such as a group that failed to reach a
//! product site.

use std::collections::VecDeque;
use std::sync::Arc;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;
use uuid::Uuid;

use crate::clock::{self, Timestamp};

/// One audit log entry.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    pub id: Uuid,
    #[serde(serialize_with = "serialize_timestamp")]
    pub time: Timestamp,
    /// A stable machine-readable name, such as `group_propagation_failed`.
    pub action: String,
    /// The directory the event happened in, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub directory_id: Option<Uuid>,
    /// Event-specific fields, such as the group and site names, as JSON
    /// text. A log of 10,000 events as `Value` trees took about 5 MB,
    /// estimated from the sizes of the types.
    pub(crate) details: Box<RawValue>,
}

impl AuditEvent {
    /// Returns the event-specific fields, such as the group and site names.
    pub fn details(&self) -> Value {
        serde_json::from_str(self.details.get()).expect("audit details are JSON written by serde_json")
    }
}

fn serialize_timestamp<S: serde::Serializer>(time: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&clock::format(*time))
}

/// A bounded, append-only log: once full, the oldest events are dropped.
#[derive(Debug, Clone)]
pub struct AuditLog {
    /// Shared, so that the copy of the start state kept for reset costs a
    /// pointer per event.
    events: VecDeque<Arc<AuditEvent>>,
    capacity: usize,
}

impl AuditLog {
    /// Creates an empty log that keeps at most `capacity` events.
    pub fn new(capacity: usize) -> Self {
        AuditLog {
            events: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// Appends an event, dropping the oldest one if the log is full.
    pub fn record(&mut self, action: &str, directory_id: Option<Uuid>, details: Value) {
        if self.events.len() == self.capacity {
            self.events.pop_front();
        }
        self.events.push_back(Arc::new(AuditEvent {
            id: Uuid::new_v4(),
            time: clock::now(),
            action: action.to_owned(),
            directory_id,
            details: raw_json(&details),
        }));
        tracing::debug!(action, ?directory_id, "audit event recorded");
    }

    /// Appends an event recorded earlier, keeping its id and time, when a
    /// saved state is loaded.
    pub(crate) fn restore(&mut self, event: AuditEvent) {
        if self.events.len() == self.capacity {
            self.events.pop_front();
        }
        self.events.push_back(Arc::new(event));
    }

    /// Returns the events, oldest first.
    pub fn events(&self) -> impl Iterator<Item = &AuditEvent> {
        self.events.iter().map(Arc::as_ref)
    }

    /// Removes every event.
    pub fn clear(&mut self) {
        self.events.clear();
    }
}

/// Writes a value as JSON text.
pub(crate) fn raw_json(value: &Value) -> Box<RawValue> {
    serde_json::value::to_raw_value(value).expect("a serde_json::Value always serialises")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn full_log_drops_oldest() {
        let mut log = AuditLog::new(2);
        log.record("first", None, json!({}));
        log.record("second", None, json!({}));
        log.record("third", None, json!({}));
        let actions: Vec<&str> = log.events().map(|event| event.action.as_str()).collect();
        assert_eq!(actions, ["second", "third"]);
    }

    #[test]
    fn details_kept_as_json() {
        let mut log = AuditLog::new(1);
        log.record("user_created", None, json!({"userName": "a\"b", "n": 1}));
        let event = log.events().next().unwrap();
        assert_eq!(event.details.get(), r#"{"userName":"a\"b","n":1}"#);
    }
}
