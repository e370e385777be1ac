//! The ServiceProviderConfig document (RFC 7643 §5).
//!
//! Atlassian does not publish the body of its own document, so this one
//! describes what the mock does. PATCH and filtering are supported. Bulk,
//! sorting, ETags and password changes are not. The only authentication
//! scheme is a bearer token.

use serde_json::{json, Value};

use super::{location, meta, DiscoveryContext};

/// URN of the ServiceProviderConfig schema.
pub const SERVICE_PROVIDER_CONFIG_URN: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";

/// Atlassian's reference page for the user provisioning REST API, published as
/// `documentationUri`. The server never fetches it.
pub const ATLASSIAN_DOCUMENTATION_URI: &str =
    "https://developer.atlassian.com/cloud/admin/user-provisioning/rest/intro/";

/// The bearer token specification (RFC 6750), published as `specUri`.
const BEARER_TOKEN_SPEC_URI: &str = "https://www.rfc-editor.org/rfc/rfc6750";

/// Renders the ServiceProviderConfig document of one directory.
pub fn service_provider_config(context: &DiscoveryContext) -> Value {
    let authentication_scheme = json!({
        "type": "oauthbearertoken",
        "name": "OAuth Bearer Token",
        "description": "Authentication with the directory API key, sent as 'Authorization: Bearer <key>'.",
        "specUri": BEARER_TOKEN_SPEC_URI,
        "documentationUri": ATLASSIAN_DOCUMENTATION_URI,
        "primary": true,
    });

    json!({
        "schemas": [SERVICE_PROVIDER_CONFIG_URN],
        "documentationUri": ATLASSIAN_DOCUMENTATION_URI,
        "patch": { "supported": true },
        "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
        "filter": { "supported": true, "maxResults": context.max_results },
        "changePassword": { "supported": false },
        "sort": { "supported": false },
        "etag": { "supported": false },
        "authenticationSchemes": [authentication_scheme],
        "meta": meta(
            "ServiceProviderConfig",
            location(context, "/ServiceProviderConfig"),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{context, null_paths};
    use super::*;

    #[test]
    fn config_schemas() {
        let config = service_provider_config(&context());
        assert_eq!(config["schemas"], json!([SERVICE_PROVIDER_CONFIG_URN]));
    }

    #[test]
    fn config_documentation_uri() {
        let config = service_provider_config(&context());
        assert_eq!(config["documentationUri"], ATLASSIAN_DOCUMENTATION_URI);
    }

    #[test]
    fn config_patch_supported() {
        let config = service_provider_config(&context());
        assert_eq!(config["patch"], json!({"supported": true}));
    }

    #[test]
    fn config_bulk_unsupported() {
        let config = service_provider_config(&context());

        assert_eq!(config["bulk"]["supported"], false);
        assert_eq!(config["bulk"]["maxOperations"], 0);
        assert_eq!(config["bulk"]["maxPayloadSize"], 0);
    }

    #[test]
    fn config_filter_uses_page_cap() {
        let config = service_provider_config(&context());

        assert_eq!(config["filter"]["supported"], true);
        assert_eq!(config["filter"]["maxResults"], 37);
    }

    #[test]
    fn config_filter_zero_page_cap() {
        let mut context = context();
        context.max_results = 0;

        let config = service_provider_config(&context);

        assert_eq!(config["filter"]["maxResults"], 0);
    }

    #[test]
    fn config_bulk_ignores_payload_limit() {
        let mut context = context();
        context.max_payload_bytes = 5;

        let config = service_provider_config(&context);

        assert_eq!(config["bulk"]["maxPayloadSize"], 0);
    }

    #[test]
    fn config_other_features_unsupported() {
        let config = service_provider_config(&context());

        assert_eq!(config["changePassword"], json!({"supported": false}));
        assert_eq!(config["sort"], json!({"supported": false}));
        assert_eq!(config["etag"], json!({"supported": false}));
    }

    #[test]
    fn config_one_bearer_scheme() {
        let config = service_provider_config(&context());
        let schemes = config["authenticationSchemes"]
            .as_array()
            .expect("authenticationSchemes is an array");

        assert_eq!(schemes.len(), 1);
        assert_eq!(schemes[0]["type"], "oauthbearertoken");
        assert_eq!(schemes[0]["primary"], true);
        assert!(schemes[0]["name"].is_string());
        assert!(schemes[0]["description"].is_string());
    }

    #[test]
    fn config_meta() {
        let config = service_provider_config(&context());

        assert_eq!(config["meta"]["resourceType"], "ServiceProviderConfig");
        assert_eq!(
            config["meta"]["location"],
            "http://127.0.0.1:8080/scim/directory/d1/ServiceProviderConfig"
        );
    }

    #[test]
    fn config_location_trailing_slash() {
        let mut context = context();
        context.base_url.push('/');

        let config = service_provider_config(&context);

        assert_eq!(
            config["meta"]["location"],
            "http://127.0.0.1:8080/scim/directory/d1/ServiceProviderConfig"
        );
    }

    #[test]
    fn config_has_no_nulls() {
        let config = service_provider_config(&context());
        assert_eq!(null_paths(&config), Vec::<String>::new());
    }

    #[test]
    fn config_has_no_unknown_keys() {
        let config = service_provider_config(&context());
        let mut keys: Vec<&str> = config
            .as_object()
            .expect("config is an object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();

        assert_eq!(
            keys,
            vec![
                "authenticationSchemes",
                "bulk",
                "changePassword",
                "documentationUri",
                "etag",
                "filter",
                "meta",
                "patch",
                "schemas",
                "sort",
            ]
        );
    }
}
