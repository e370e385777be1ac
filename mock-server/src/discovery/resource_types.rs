//! The ResourceType documents (RFC 7643 §6) of `User` and `Group`.

use serde_json::{json, Value};

use super::{location, meta, DiscoveryContext};
use crate::schema::{ResourceType, GROUP_RESOURCE, USER_RESOURCE};

/// URN of the ResourceType schema.
pub const RESOURCE_TYPE_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

/// Every resource type the server serves, in the order `/ResourceTypes` lists them.
static RESOURCE_TYPES: [&ResourceType; 2] = [&USER_RESOURCE, &GROUP_RESOURCE];

/// Renders the ResourceType document of every resource type, `User` first.
pub fn resource_types(context: &DiscoveryContext) -> Vec<Value> {
    RESOURCE_TYPES
        .iter()
        .map(|resource_type| render(context, resource_type))
        .collect()
}

/// Renders the ResourceType document whose id is `name`, or `None` if there is none.
///
/// Only the exact ids `User` and `Group` match. RFC 7643 §6 makes the id part
/// of the document's URL, and URL paths are case-sensitive, so `user` or
/// `Users` return `None` and the handler responds with 404.
pub fn resource_type(context: &DiscoveryContext, name: &str) -> Option<Value> {
    RESOURCE_TYPES
        .iter()
        .find(|resource_type| resource_type.name == name)
        .map(|resource_type| render(context, resource_type))
}

fn render(context: &DiscoveryContext, resource_type: &ResourceType) -> Value {
    let mut document = json!({
        "schemas": [RESOURCE_TYPE_URN],
        "id": resource_type.name,
        "name": resource_type.name,
        "endpoint": resource_type.endpoint,
        "description": resource_type.description,
        "schema": resource_type.schema.id,
    });

    // `schemaExtensions` is optional, and unset attributes are omitted rather
    // than sent empty, so `Group` has none.
    if !resource_type.extensions.is_empty() {
        let extensions: Vec<Value> = resource_type
            .extensions
            .iter()
            .map(|(schema, required)| json!({ "schema": schema.id, "required": required }))
            .collect();
        document["schemaExtensions"] = Value::Array(extensions);
    }

    let path = format!("/ResourceTypes/{}", resource_type.name);
    document["meta"] = meta("ResourceType", location(context, &path));

    document
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{context, null_paths};
    use super::*;
    use crate::schema::{
        ATLASSIAN_CUSTOM_URN, ATLASSIAN_EXTERNAL_URN, ENTERPRISE_URN, GROUP_URN, USER_URN,
    };

    fn user() -> Value {
        resource_type(&context(), "User").expect("User is a resource type")
    }

    fn group() -> Value {
        resource_type(&context(), "Group").expect("Group is a resource type")
    }

    #[test]
    fn resource_types_order() {
        let documents = resource_types(&context());
        let ids: Vec<&Value> = documents.iter().map(|document| &document["id"]).collect();

        assert_eq!(ids, vec!["User", "Group"]);
    }

    #[test]
    fn resource_types_match_lookups() {
        let documents = resource_types(&context());
        assert_eq!(documents, vec![user(), group()]);
    }

    #[test]
    fn user_document() {
        let user = user();

        assert_eq!(user["schemas"], json!([RESOURCE_TYPE_URN]));
        assert_eq!(user["id"], "User");
        assert_eq!(user["name"], "User");
        assert_eq!(user["endpoint"], "/Users");
        assert_eq!(user["description"], "User Account");
        assert_eq!(user["schema"], USER_URN);
    }

    #[test]
    fn user_lists_extensions() {
        let expected = json!([
            {"schema": ENTERPRISE_URN, "required": false},
            {"schema": ATLASSIAN_EXTERNAL_URN, "required": false},
            {"schema": ATLASSIAN_CUSTOM_URN, "required": false},
        ]);
        assert_eq!(user()["schemaExtensions"], expected);
    }

    #[test]
    fn user_extensions_follow_table() {
        let user = user();
        let rendered = user["schemaExtensions"]
            .as_array()
            .expect("schemaExtensions is an array");

        assert_eq!(rendered.len(), USER_RESOURCE.extensions.len());
        for (rendered, (schema, required)) in rendered.iter().zip(USER_RESOURCE.extensions) {
            assert_eq!(rendered["schema"], schema.id);
            assert_eq!(rendered["required"], *required);
        }
    }

    #[test]
    fn user_meta() {
        let user = user();

        assert_eq!(user["meta"]["resourceType"], "ResourceType");
        assert_eq!(
            user["meta"]["location"],
            "http://127.0.0.1:8080/scim/directory/d1/ResourceTypes/User"
        );
    }

    #[test]
    fn group_document() {
        let group = group();

        assert_eq!(group["schemas"], json!([RESOURCE_TYPE_URN]));
        assert_eq!(group["id"], "Group");
        assert_eq!(group["name"], "Group");
        assert_eq!(group["endpoint"], "/Groups");
        assert_eq!(group["description"], "Group");
        assert_eq!(group["schema"], GROUP_URN);
    }

    #[test]
    fn group_omits_empty_extensions() {
        assert!(group().get("schemaExtensions").is_none());
    }

    #[test]
    fn group_meta() {
        let group = group();

        assert_eq!(group["meta"]["resourceType"], "ResourceType");
        assert_eq!(
            group["meta"]["location"],
            "http://127.0.0.1:8080/scim/directory/d1/ResourceTypes/Group"
        );
    }

    #[test]
    fn lookup_rejects_other_names() {
        let rejected = [
            "",
            "user",
            "USER",
            "group",
            "Users",
            "Groups",
            " User",
            "User ",
            "User/",
            "/User",
            "ServiceProviderConfig",
            USER_URN,
        ];

        for name in rejected {
            assert!(
                resource_type(&context(), name).is_none(),
                "{name:?} matched"
            );
        }
    }

    #[test]
    fn resource_types_have_no_nulls() {
        for document in resource_types(&context()) {
            assert_eq!(
                null_paths(&document),
                Vec::<String>::new(),
                "in {}",
                document["id"]
            );
        }
    }
}
