//! The sweep: deletes every user and group whose name starts with a run's
//! prefix, at the end of a run and after Ctrl-C.
//!
//! Cleanup steps delete what a scenario recorded as created. A create whose
//! response was lost (a 5xx after the write applied, a reset connection, a
//! request in flight at Ctrl-C) leaves a resource that only its name
//! identifies. Atlassian's API filters support `eq` only, so the sweep reads
//! every page of `GET /Groups` and `GET /Users` and compares the prefix of
//! `displayName` and `userName` itself.
//!
//! NOTE: names that a rule fixes, such as the `confluence-users` group, cannot
//! carry the prefix, so only their scenario's cleanup deletes them.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;
use serde_json::Value;

use crate::client::{ScimClient, ScimRequest};

/// Page size of the listing requests, because Atlassian caps `count` at 100.
const PAGE_SIZE: usize = 100;

/// Pages read per collection at most, so a server whose paging never ends
/// cannot hold the run: 1,000 pages of 100 is 100,000 resources.
const MAX_PAGES: usize = 1_000;

/// Characters kept as they are in an id path segment.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.');

/// Outcome of a sweep: the count of deletions and the failed requests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// The name prefix that was matched.
    pub prefix: String,
    /// Users and groups deleted (2xx). A 404 counts as already gone, not as deleted.
    pub deleted: usize,
    /// Requests that failed, so resources with the prefix may remain.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

impl SweepReport {
    /// Reports whether the sweep saw every page and deleted every match.
    pub fn complete(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Deletes every group whose `displayName` and every user whose `userName`
/// starts with `prefix` (ASCII letter case ignored), groups first.
///
/// Each collection is listed in full before any delete, because deleting
/// while paging would shift the pages. A failed listing or delete is
/// recorded in the report and the sweep goes on with the rest.
pub async fn sweep(client: &ScimClient, prefix: &str) -> SweepReport {
    let mut report = SweepReport {
        prefix: prefix.to_owned(),
        ..SweepReport::default()
    };
    for (collection, attribute) in [("/Groups", "displayName"), ("/Users", "userName")] {
        let ids = match matching_ids(client, collection, attribute, prefix).await {
            Ok(ids) => ids,
            Err(problem) => {
                report.problems.push(problem);
                continue;
            }
        };
        for id in ids {
            let path = format!("{collection}/{}", utf8_percent_encode(&id, PATH_SEGMENT));
            match client.send(&ScimRequest::delete(path.clone())).await {
                Ok(response) if (200..300).contains(&response.status) => report.deleted += 1,
                Ok(response) if response.status == 404 => {}
                Ok(response) => report.problems.push(format!(
                    "DELETE {path} returned {}: the resource may still exist",
                    response.status
                )),
                Err(error) => report.problems.push(format!("DELETE {path}: {error}")),
            }
        }
    }
    report
}

/// Pages through a collection and returns the ids of resources whose
/// `attribute` starts with `prefix`.
async fn matching_ids(
    client: &ScimClient,
    collection: &str,
    attribute: &str,
    prefix: &str,
) -> Result<Vec<String>, String> {
    let mut ids = Vec::new();
    let mut start_index = 1_usize;
    for _ in 0..MAX_PAGES {
        let request = ScimRequest::get(collection)
            .query("startIndex", start_index.to_string())
            .query("count", PAGE_SIZE.to_string());
        let line = format!("GET {collection}?startIndex={start_index}&count={PAGE_SIZE}");
        let response = client
            .send(&request)
            .await
            .map_err(|error| format!("{line}: {error}"))?;
        if response.status != 200 {
            return Err(format!(
                "{line} returned {}, so leftovers could not be listed",
                response.status
            ));
        }
        let body = response.json.unwrap_or(Value::Null);
        let resources = body
            .get("Resources")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for resource in &resources {
            let name = resource.get(attribute).and_then(Value::as_str).unwrap_or_default();
            let id = resource.get("id").and_then(Value::as_str);
            if let (true, Some(id)) = (has_prefix(name, prefix), id) {
                ids.push(id.to_owned());
            }
        }
        let total = body.get("totalResults").and_then(Value::as_u64);
        start_index += resources.len();
        let past_end = total.is_some_and(|total| start_index as u64 > total);
        if resources.is_empty() || past_end {
            return Ok(ids);
        }
    }
    Err(format!(
        "GET {collection} still had more pages after {MAX_PAGES} pages of {PAGE_SIZE}: the sweep stopped listing"
    ))
}

fn has_prefix(name: &str, prefix: &str) -> bool {
    name.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_match_ignores_ascii_case() {
        assert!(has_prefix("scimconf-abc123-001-alice", "scimconf-abc123-"));
        assert!(has_prefix("SCIMCONF-ABC123-001", "scimconf-abc123-"));
        assert!(!has_prefix("scimconf-abc1234-001", "scimconf-abc123-"));
        assert!(!has_prefix("scim", "scimconf-abc123-"));
        assert!(!has_prefix("é-long-name", "scimconf-abc123-"));
    }
}
