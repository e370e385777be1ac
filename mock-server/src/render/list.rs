//! The ListResponse message of RFC 7644 §3.4.2.

use serde::Serialize;

use crate::schema::LIST_RESPONSE_URN;

/// One page of a list, with `Resources` capitalised as RFC 7644 spells it.
#[derive(Debug, Serialize)]
pub struct ListResponse<T> {
    pub schemas: [&'static str; 1],
    #[serde(rename = "totalResults")]
    pub total_results: usize,
    #[serde(rename = "startIndex")]
    pub start_index: usize,
    /// The number of resources in this page, not the requested `count`.
    #[serde(rename = "itemsPerPage")]
    pub items_per_page: usize,
    #[serde(rename = "Resources")]
    pub resources: Vec<T>,
}

impl<T> ListResponse<T> {
    /// Wraps one page of resources.
    pub fn new(total_results: usize, start_index: usize, resources: Vec<T>) -> Self {
        ListResponse {
            schemas: [LIST_RESPONSE_URN],
            total_results,
            start_index,
            items_per_page: resources.len(),
            resources,
        }
    }
}
