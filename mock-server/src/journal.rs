//! The request journal: every SCIM and admin request the server received,
//! with its response status, duration and the faults applied, newest last
//! and bounded in memory.
//!
//! Control API requests are not recorded, so reading the journal does not
//! change it.

use std::collections::VecDeque;
use std::time::Duration;

use bytes::Bytes;
use http::header::{AUTHORIZATION, PROXY_AUTHORIZATION};
use http::HeaderMap;
use indexmap::IndexMap;
use parking_lot::Mutex;
use serde::Serialize;
use serde_json::Value;

use crate::clock::{self, Timestamp};
use crate::faults::AppliedFault;

/// Request body bytes kept per entry. Longer bodies are cut, so the bodies
/// of the default 1,000 entries take at most 64 MiB even when clients send
/// 1 MiB bodies.
pub const MAX_RECORDED_BODY_BYTES: usize = 64 * 1024;

/// The way a request ended, seen from the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Ending {
    /// A whole response was sent.
    Responded,
    /// The response was cut short by a `truncate` fault.
    Truncated,
    /// The connection was reset without a response.
    Reset,
    /// The connection was closed without a response.
    Closed,
}

/// One received request and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// Position in the order of arrival, from 1; it keeps counting when old
    /// entries are dropped or the journal is cleared.
    pub sequence: u64,
    #[serde(serialize_with = "serialize_timestamp")]
    pub received_at: Timestamp,
    pub method: String,
    /// The path as received, before percent-decoding.
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Headers by lowercase name; repeated headers are joined with ", ".
    /// The credentials of `Authorization` and `Proxy-Authorization` are
    /// replaced by `[redacted]`, keeping the scheme.
    pub headers: IndexMap<String, String>,
    /// The body as UTF-8 (invalid bytes replaced), cut after
    /// [`MAX_RECORDED_BODY_BYTES`].
    pub body: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub body_truncated: bool,
    /// The status sent, or `None` when the connection ended without one.
    pub status: Option<u16>,
    pub ending: Ending,
    /// Time from receiving the headers to the response, in microseconds.
    pub duration_us: u64,
    /// The fault rules that fired, in rule order.
    pub faults: Vec<AppliedFault>,
}

impl JournalEntry {
    /// Parses the body as JSON, if it is JSON.
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }
}

fn serialize_timestamp<S: serde::Serializer>(time: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&clock::format(*time))
}

/// The request side of an entry, captured before the request is handled.
///
/// It copies the request in few allocations and leaves the header map and
/// UTF-8 conversion to [`Journal::entries`], because building the entry here
/// cost about a tenth of a GET's instructions. It copies rather than
/// shares hyper's buffers: a shared header value or body keeps the whole
/// read buffer it came from alive for as long as the entry.
#[derive(Debug)]
pub(crate) struct Received {
    received_at: Timestamp,
    method: http::Method,
    path: String,
    query: Option<String>,
    /// One `name: value` line per header, in order, as UTF-8 (invalid
    /// bytes replaced). Header values cannot contain line breaks.
    header_lines: String,
    /// The body, cut after [`MAX_RECORDED_BODY_BYTES`].
    body: Bytes,
    body_truncated: bool,
}

impl Received {
    pub fn new(method: &http::Method, path: &str, query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Received {
        Received {
            received_at: clock::now(),
            method: method.clone(),
            path: path.to_owned(),
            query: query.map(str::to_owned),
            header_lines: header_lines(headers),
            body: Bytes::copy_from_slice(&body[..body.len().min(MAX_RECORDED_BODY_BYTES)]),
            body_truncated: body.len() > MAX_RECORDED_BODY_BYTES,
        }
    }
}

/// An entry as stored, turned into a [`JournalEntry`] when read.
#[derive(Debug)]
struct Recorded {
    sequence: u64,
    received: Received,
    status: Option<u16>,
    ending: Ending,
    duration_us: u64,
    faults: Vec<AppliedFault>,
}

impl Recorded {
    fn to_entry(&self) -> JournalEntry {
        let received = &self.received;
        JournalEntry {
            sequence: self.sequence,
            received_at: received.received_at,
            method: received.method.as_str().to_owned(),
            path: received.path.clone(),
            query: received.query.clone(),
            headers: header_map(&received.header_lines),
            body: String::from_utf8_lossy(&received.body).into_owned(),
            body_truncated: received.body_truncated,
            status: self.status,
            ending: self.ending,
            duration_us: self.duration_us,
            faults: self.faults.clone(),
        }
    }
}

/// Writes one `name: value` line per header. The credentials of
/// `Authorization` and `Proxy-Authorization` are replaced by `[redacted]`
/// here, keeping the scheme, so that no secret stays in memory or shows in
/// `Debug` output.
fn header_lines(headers: &HeaderMap) -> String {
    let mut lines = String::with_capacity(headers.len() * 48);
    for (name, value) in headers {
        lines.push_str(name.as_str());
        lines.push_str(": ");
        let text = String::from_utf8_lossy(value.as_bytes());
        if name == AUTHORIZATION || name == PROXY_AUTHORIZATION {
            match text.trim().split_once(' ') {
                Some((scheme, _)) => {
                    lines.push_str(scheme);
                    lines.push_str(" [redacted]");
                }
                None => lines.push_str("[redacted]"),
            }
        } else {
            lines.push_str(&text);
        }
        lines.push('\n');
    }
    lines
}

/// Builds the recorded header map from [`header_lines`], joining repeated
/// headers with ", ".
fn header_map(header_lines: &str) -> IndexMap<String, String> {
    let mut recorded: IndexMap<String, String> = IndexMap::new();
    for line in header_lines.lines() {
        let (name, value) = line.split_once(": ").unwrap_or((line, ""));
        recorded
            .entry(name.to_owned())
            .and_modify(|existing| {
                existing.push_str(", ");
                existing.push_str(value);
            })
            .or_insert_with(|| value.to_owned());
    }
    recorded
}

/// Conditions on journal entries; every condition that is set must hold.
#[derive(Debug, Clone, Default)]
pub struct JournalFilter {
    /// HTTP method, in any case.
    pub method: Option<String>,
    /// Text the path must contain, case-sensitively.
    pub path_contains: Option<String>,
    pub status: Option<u16>,
}

impl JournalFilter {
    fn accepts(&self, entry: &Recorded) -> bool {
        if let Some(method) = &self.method {
            if !method.eq_ignore_ascii_case(entry.received.method.as_str()) {
                return false;
            }
        }
        if let Some(text) = &self.path_contains {
            if !entry.received.path.contains(text.as_str()) {
                return false;
            }
        }
        self.status.is_none() || entry.status == self.status
    }
}

/// The bounded journal of one server.
#[derive(Debug)]
pub(crate) struct Journal {
    capacity: usize,
    state: Mutex<JournalState>,
}

#[derive(Debug, Default)]
struct JournalState {
    entries: VecDeque<Recorded>,
    next_sequence: u64,
}

impl Journal {
    /// Creates a journal keeping the last `capacity` requests; 0 keeps none.
    pub fn new(capacity: usize) -> Journal {
        Journal {
            capacity,
            state: Mutex::new(JournalState::default()),
        }
    }

    /// Appends an entry, dropping the oldest when full.
    pub fn record(&self, received: Received, status: Option<u16>, ending: Ending, duration: Duration, faults: Vec<AppliedFault>) {
        if self.capacity == 0 {
            return;
        }
        let mut state = self.state.lock();
        state.next_sequence += 1;
        let entry = Recorded {
            sequence: state.next_sequence,
            received,
            status,
            ending,
            duration_us: u64::try_from(duration.as_micros()).unwrap_or(u64::MAX),
            faults,
        };
        if state.entries.len() == self.capacity {
            state.entries.pop_front();
        }
        state.entries.push_back(entry);
    }

    /// Returns the entries `filter` accepts, oldest first.
    pub fn entries(&self, filter: &JournalFilter) -> Vec<JournalEntry> {
        let state = self.state.lock();
        state
            .entries
            .iter()
            .filter(|entry| filter.accepts(entry))
            .map(Recorded::to_entry)
            .collect()
    }

    /// Removes every entry.
    pub fn clear(&self) {
        self.state.lock().entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use http::{HeaderValue, Method};

    use super::*;

    fn received(method: Method, path: &str) -> Received {
        Received::new(&method, path, None, &HeaderMap::new(), b"")
    }

    #[test]
    fn full_journal_drops_oldest() {
        let journal = Journal::new(2);
        for path in ["/a", "/b", "/c"] {
            journal.record(received(Method::GET, path), Some(200), Ending::Responded, Duration::ZERO, Vec::new());
        }
        let entries = journal.entries(&JournalFilter::default());
        let paths: Vec<&str> = entries.iter().map(|entry| entry.path.as_str()).collect();
        assert_eq!(paths, ["/b", "/c"]);
        assert_eq!(entries[1].sequence, 3);
    }

    #[test]
    fn zero_capacity_keeps_nothing() {
        let journal = Journal::new(0);
        journal.record(received(Method::GET, "/a"), Some(200), Ending::Responded, Duration::ZERO, Vec::new());
        assert!(journal.entries(&JournalFilter::default()).is_empty());
    }

    #[test]
    fn filter_conditions_combine() {
        let journal = Journal::new(10);
        journal.record(received(Method::POST, "/scim/Users"), Some(201), Ending::Responded, Duration::ZERO, Vec::new());
        journal.record(received(Method::POST, "/scim/Users"), Some(409), Ending::Responded, Duration::ZERO, Vec::new());
        journal.record(received(Method::GET, "/scim/Users"), Some(200), Ending::Responded, Duration::ZERO, Vec::new());
        journal.record(received(Method::POST, "/scim/Groups"), None, Ending::Reset, Duration::ZERO, Vec::new());

        let count = |filter: JournalFilter| journal.entries(&filter).len();
        assert_eq!(count(JournalFilter::default()), 4);
        assert_eq!(count(JournalFilter { method: Some("post".into()), ..Default::default() }), 3);
        assert_eq!(count(JournalFilter { path_contains: Some("Users".into()), ..Default::default() }), 3);
        assert_eq!(
            count(JournalFilter { method: Some("POST".into()), path_contains: Some("Users".into()), status: Some(409) }),
            1
        );
    }

    #[test]
    fn authorization_redacted_keeping_scheme() {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer secret-key"));
        headers.append("x-tag", HeaderValue::from_static("one"));
        headers.append("x-tag", HeaderValue::from_static("two"));
        let journal = Journal::new(1);
        let received = Received::new(&Method::GET, "/", None, &headers, b"");
        journal.record(received, Some(200), Ending::Responded, Duration::ZERO, Vec::new());
        assert!(!format!("{journal:?}").contains("secret-key"), "the stored request keeps no credential");

        let entry = &journal.entries(&JournalFilter::default())[0];
        assert_eq!(entry.headers["authorization"], "Bearer [redacted]");
        assert_eq!(entry.headers["x-tag"], "one, two");
    }

    #[test]
    fn long_body_cut() {
        let journal = Journal::new(1);
        let body = vec![b'a'; MAX_RECORDED_BODY_BYTES + 10];
        let received = Received::new(&Method::POST, "/", None, &HeaderMap::new(), &body);
        journal.record(received, Some(201), Ending::Responded, Duration::ZERO, Vec::new());

        let entry = &journal.entries(&JournalFilter::default())[0];
        assert_eq!(entry.body.len(), MAX_RECORDED_BODY_BYTES);
        assert!(entry.body_truncated);
    }
}
