//! Discovery documents: ServiceProviderConfig, ResourceTypes and Schemas.
//!
//! RFC 7644 §4 defines three read-only endpoints through which a client learns
//! what a SCIM service supports. This module renders their bodies as JSON from
//! the attribute tables in [`crate::schema`] rather than from hand-written
//! JSON. The functions are pure: handlers pass in a [`DiscoveryContext`] and
//! send the returned value as it is.

mod list_response;
mod resource_types;
mod schemas;
mod service_provider_config;

pub use list_response::list_response;
pub use resource_types::{resource_type, resource_types, RESOURCE_TYPE_URN};
pub use schemas::{schema, schemas, SCHEMA_URN};
pub use service_provider_config::{
    service_provider_config, ATLASSIAN_DOCUMENTATION_URI, SERVICE_PROVIDER_CONFIG_URN,
};

use serde_json::{json, Value};

/// The per-directory settings that the discovery documents publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveryContext {
    /// Public base URL of the directory, such as
    /// `http://127.0.0.1:8080/scim/directory/<id>`. A trailing `/` is ignored.
    pub base_url: String,
    /// Maximum number of resources in one page of a list response, published
    /// as `filter.maxResults`.
    pub max_results: usize,
    /// Maximum request body size in bytes.
    ///
    /// NOTE: the documents do not publish this value, because RFC 7643 §5
    /// only has `bulk.maxPayloadSize`, and bulk is not supported, so that
    /// field is 0.
    pub max_payload_bytes: usize,
}

/// Builds the absolute URL of `path` (which starts with `/`) under the base URL.
fn location(context: &DiscoveryContext, path: &str) -> String {
    let base = context.base_url.trim_end_matches('/');
    format!("{base}{path}")
}

/// Builds a `meta` object for a discovery document.
fn meta(resource_type: &str, location: String) -> Value {
    json!({
        "resourceType": resource_type,
        "location": location,
    })
}

#[cfg(test)]
mod test_support {
    use super::DiscoveryContext;
    use serde_json::Value;

    pub(super) const BASE_URL: &str = "http://127.0.0.1:8080/scim/directory/d1";

    /// Builds a context whose page cap, 37, differs from the usual 100, so
    /// tests can tell the configured value from a hard-coded one.
    pub(super) fn context() -> DiscoveryContext {
        DiscoveryContext {
            base_url: BASE_URL.to_owned(),
            max_results: 37,
            max_payload_bytes: 1 << 20,
        }
    }

    /// Collects the JSON pointer of every `null` in `value`.
    pub(super) fn null_paths(value: &Value) -> Vec<String> {
        let mut paths = Vec::new();
        collect_nulls(value, String::new(), &mut paths);
        paths
    }

    fn collect_nulls(value: &Value, path: String, paths: &mut Vec<String>) {
        match value {
            Value::Null => paths.push(path),
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    collect_nulls(item, format!("{path}/{index}"), paths);
                }
            }
            Value::Object(fields) => {
                for (key, item) in fields {
                    collect_nulls(item, format!("{path}/{key}"), paths);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{context, null_paths};
    use super::*;
    use serde_json::json;

    #[test]
    fn location_appends_path() {
        let url = location(&context(), "/Schemas");
        assert_eq!(url, "http://127.0.0.1:8080/scim/directory/d1/Schemas");
    }

    #[test]
    fn location_ignores_trailing_slashes() {
        let mut context = context();
        context.base_url.push_str("//");

        let url = location(&context, "/Schemas");

        assert_eq!(url, "http://127.0.0.1:8080/scim/directory/d1/Schemas");
    }

    #[test]
    fn null_paths_finds_nested_nulls() {
        let value = json!({"a": [1, null], "b": {"c": null}, "d": "x"});
        assert_eq!(null_paths(&value), vec!["/a/1", "/b/c"]);
    }
}
