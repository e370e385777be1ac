//! The ListResponse message of RFC 7644 §3.4.2.

use serde::Serialize;

use super::json::{write_count, write_unescaped, ArrayWriter, ObjectWriter};
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

/// Appends the JSON of a [`ListResponse`] of `resources`, each written by
/// `write_resource`. The bytes equal those of serialising the
/// `ListResponse`.
pub(crate) fn write_list<T>(
    output: &mut Vec<u8>,
    total_results: usize,
    start_index: usize,
    resources: &[T],
    write_resource: impl Fn(&T, &mut Vec<u8>),
) {
    let mut object = ObjectWriter::begin(output);
    let mut schemas = ArrayWriter::begin(object.known_key("schemas"));
    write_unescaped(schemas.element(), LIST_RESPONSE_URN);
    schemas.end();
    write_count(object.known_key("totalResults"), total_results);
    write_count(object.known_key("startIndex"), start_index);
    write_count(object.known_key("itemsPerPage"), resources.len());
    let mut array = ArrayWriter::begin(object.known_key("Resources"));
    for resource in resources {
        write_resource(resource, array.element());
    }
    array.end();
    object.end();
}
