//! The ListResponse message (RFC 7644 §3.4.2) for the discovery endpoints.

use serde_json::{json, Value};

use crate::schema::LIST_RESPONSE_URN;

/// Wraps `resources` in a ListResponse that contains all of them in one page.
///
/// The discovery endpoints do not page, so `startIndex` is 1 and both
/// `totalResults` and `itemsPerPage` are the number of resources.
pub fn list_response(resources: Vec<Value>) -> Value {
    let count = resources.len();

    json!({
        "schemas": [LIST_RESPONSE_URN],
        "totalResults": count,
        "startIndex": 1,
        "itemsPerPage": count,
        "Resources": resources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_response_schemas() {
        let body = list_response(vec![json!({"id": "a"})]);
        assert_eq!(body["schemas"], json!([LIST_RESPONSE_URN]));
    }

    #[test]
    fn list_response_counts() {
        let body = list_response(vec![json!({"id": "a"}), json!({"id": "b"})]);

        assert_eq!(body["totalResults"], 2);
        assert_eq!(body["itemsPerPage"], 2);
        assert_eq!(body["startIndex"], 1);
    }

    #[test]
    fn list_response_keeps_order() {
        let body = list_response(vec![json!({"id": "a"}), json!({"id": "b"})]);
        assert_eq!(body["Resources"], json!([{"id": "a"}, {"id": "b"}]));
    }

    #[test]
    fn list_response_empty() {
        let body = list_response(Vec::new());

        assert_eq!(body["totalResults"], 0);
        assert_eq!(body["itemsPerPage"], 0);
        assert_eq!(body["startIndex"], 1);
        assert_eq!(body["Resources"], json!([]));
    }

    #[test]
    fn list_response_has_no_lowercase_resources() {
        let body = list_response(Vec::new());
        assert!(body.get("resources").is_none());
    }
}
