//! The discovery endpoints: ServiceProviderConfig, ResourceTypes and Schemas.

mod common;

use common::{assert_scim_error, encode, null_paths, start, Scim, ENTERPRISE_URN, EXTERNAL_URN, GROUP_URN, LIST_URN, USER_URN};
use serde_json::{json, Value};

const SERVICE_PROVIDER_CONFIG_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RESOURCE_TYPE_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// Reads a discovery document, failing the test unless the mock responds with 200.
async fn document(scim: &Scim, path: &str) -> Value {
    let reply = scim.get(path).await;
    assert_eq!(reply.status, 200, "GET {path}: {}", reply.text);
    assert_eq!(reply.media_type(), common::SCIM_JSON, "GET {path}");
    reply.body
}

/// Returns the attribute definition called `name` in a schema document.
fn attribute<'a>(schema: &'a Value, name: &str) -> &'a Value {
    schema["attributes"]
        .as_array()
        .and_then(|attributes| attributes.iter().find(|attribute| attribute["name"] == name))
        .unwrap_or_else(|| panic!("schema {} has no attribute {name}", schema["id"]))
}

/// Returns the sub-attribute definition `sub` of `parent`.
fn sub_attribute<'a>(parent: &'a Value, sub: &str) -> &'a Value {
    parent["subAttributes"]
        .as_array()
        .and_then(|attributes| attributes.iter().find(|attribute| attribute["name"] == sub))
        .unwrap_or_else(|| panic!("attribute {} has no sub-attribute {sub}", parent["name"]))
}

/// Returns the characteristics RFC 7643 §7 gives every attribute, as
/// `(type, multiValued, required, caseExact, mutability, returned, uniqueness)`.
fn characteristics(attribute: &Value) -> (Value, Value, Value, Value, Value, Value, Value) {
    (
        attribute["type"].clone(),
        attribute["multiValued"].clone(),
        attribute["required"].clone(),
        attribute["caseExact"].clone(),
        attribute["mutability"].clone(),
        attribute["returned"].clone(),
        attribute["uniqueness"].clone(),
    )
}

#[tokio::test]
async fn config_schema() {
    let (_server, scim) = start().await;

    let config = document(&scim, "/ServiceProviderConfig").await;

    assert_eq!(config["schemas"], json!([SERVICE_PROVIDER_CONFIG_URN]));
}

#[tokio::test]
async fn config_features() {
    let (_server, scim) = start().await;

    let config = document(&scim, "/ServiceProviderConfig").await;

    assert_eq!(config["patch"]["supported"], true);
    assert_eq!(config["bulk"]["supported"], false);
    assert_eq!(config["sort"]["supported"], false);
    assert_eq!(config["etag"]["supported"], false);
    assert_eq!(config["changePassword"]["supported"], false);
    assert_eq!(config["filter"]["supported"], true);
    assert_eq!(config["filter"]["maxResults"], 100);
}

#[tokio::test]
async fn config_bearer_scheme() {
    let (_server, scim) = start().await;

    let config = document(&scim, "/ServiceProviderConfig").await;

    let schemes = config["authenticationSchemes"].as_array().cloned().unwrap_or_default();
    assert_eq!(schemes.len(), 1, "{schemes:?}");
    assert_eq!(schemes[0]["type"], "oauthbearertoken");
    assert!(schemes[0]["name"].is_string(), "{}", schemes[0]);
    assert!(schemes[0]["description"].is_string(), "{}", schemes[0]);
}

#[tokio::test]
async fn config_meta_and_nulls() {
    let (server, scim) = start().await;

    let config = document(&scim, "/ServiceProviderConfig").await;

    assert_eq!(config["meta"]["resourceType"], "ServiceProviderConfig");
    assert_eq!(config["meta"]["location"], json!(format!("{}/ServiceProviderConfig", server.base_url())));
    assert_eq!(null_paths(&config), Vec::<String>::new());
}

#[tokio::test]
async fn resource_types_list() {
    let (_server, scim) = start().await;

    let list = document(&scim, "/ResourceTypes").await;

    assert_eq!(list["schemas"], json!([LIST_URN]));
    assert_eq!(list["totalResults"], 2);
    let ids: Vec<&Value> = list["Resources"].as_array().map(|items| items.iter().map(|item| &item["id"]).collect()).unwrap_or_default();
    assert!(ids.contains(&&json!("User")), "{ids:?}");
    assert!(ids.contains(&&json!("Group")), "{ids:?}");
}

#[tokio::test]
async fn user_resource_type() {
    let (_server, scim) = start().await;

    let user = document(&scim, "/ResourceTypes/User").await;

    assert_eq!(user["schemas"], json!([RESOURCE_TYPE_URN]));
    assert_eq!(user["name"], "User");
    assert_eq!(user["endpoint"], "/Users");
    assert_eq!(user["schema"], USER_URN);
}

#[tokio::test]
async fn user_resource_type_extensions() {
    let (_server, scim) = start().await;

    let user = document(&scim, "/ResourceTypes/User").await;

    let extensions: Vec<Value> = user["schemaExtensions"]
        .as_array()
        .map(|items| items.iter().map(|item| item["schema"].clone()).collect())
        .unwrap_or_default();
    assert!(extensions.contains(&json!(ENTERPRISE_URN)), "{extensions:?}");
    assert!(extensions.contains(&json!(EXTERNAL_URN)), "{extensions:?}");
    for extension in user["schemaExtensions"].as_array().into_iter().flatten() {
        assert_eq!(extension["required"], false, "{extension}");
    }
}

#[tokio::test]
async fn group_resource_type() {
    let (_server, scim) = start().await;

    let group = document(&scim, "/ResourceTypes/Group").await;

    assert_eq!(group["name"], "Group");
    assert_eq!(group["endpoint"], "/Groups");
    assert_eq!(group["schema"], GROUP_URN);
}

#[tokio::test]
async fn list_entries_match_lookups() {
    let (_server, scim) = start().await;

    let list = document(&scim, "/ResourceTypes").await;
    let user = document(&scim, "/ResourceTypes/User").await;

    let listed = list["Resources"]
        .as_array()
        .and_then(|items| items.iter().find(|item| item["id"] == "User"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(listed, user);
}

#[tokio::test]
async fn unknown_resource_type_is_404() {
    let (_server, scim) = start().await;

    for name in ["Widget", "Users", "user"] {
        let reply = scim.get(&format!("/ResourceTypes/{name}")).await;
        assert_scim_error(&reply, 404, None);
    }
}

#[tokio::test]
async fn schemas_list() {
    let (_server, scim) = start().await;

    let list = document(&scim, "/Schemas").await;

    assert_eq!(list["schemas"], json!([LIST_URN]));
    let ids: Vec<Value> = list["Resources"]
        .as_array()
        .map(|items| items.iter().map(|item| item["id"].clone()).collect())
        .unwrap_or_default();
    for urn in [USER_URN, GROUP_URN, ENTERPRISE_URN, EXTERNAL_URN] {
        assert!(ids.contains(&json!(urn)), "{urn} missing from {ids:?}");
    }
    assert_eq!(list["totalResults"], json!(ids.len()));
}

#[tokio::test]
async fn schema_by_urn() {
    let (_server, scim) = start().await;

    for urn in [USER_URN, GROUP_URN, ENTERPRISE_URN, EXTERNAL_URN] {
        let schema = document(&scim, &format!("/Schemas/{urn}")).await;
        assert_eq!(schema["id"], urn);
        assert_eq!(schema["schemas"], json!([SCHEMA_URN]), "{urn}");
        assert!(schema["attributes"].as_array().is_some_and(|items| !items.is_empty()), "{urn}");
    }
}

#[tokio::test]
async fn schema_by_encoded_urn() {
    let (_server, scim) = start().await;

    let schema = document(&scim, &format!("/Schemas/{}", encode(USER_URN))).await;

    assert_eq!(schema["id"], USER_URN);
}

#[tokio::test]
async fn unknown_schema_is_404() {
    let (_server, scim) = start().await;

    for urn in ["urn:ietf:params:scim:schemas:core:2.0:Widget", "nothing", "urn:scim:schemas:extension:atlassian-external:2.0"] {
        let reply = scim.get(&format!("/Schemas/{urn}")).await;
        assert_scim_error(&reply, 404, None);
    }
}

#[tokio::test]
async fn user_schema_user_name() {
    let (_server, scim) = start().await;
    let schema = document(&scim, &format!("/Schemas/{USER_URN}")).await;

    let user_name = attribute(&schema, "userName");

    let expected = (
        json!("string"),
        json!(false),
        json!(true),
        json!(false),
        json!("readWrite"),
        json!("default"),
        json!("server"),
    );
    assert_eq!(characteristics(user_name), expected);
}

#[tokio::test]
async fn user_schema_id() {
    let (_server, scim) = start().await;
    let schema = document(&scim, &format!("/Schemas/{USER_URN}")).await;

    let id = attribute(&schema, "id");

    assert_eq!(id["mutability"], "readOnly");
    assert_eq!(id["returned"], "always");
    assert_eq!(id["caseExact"], true);
}

#[tokio::test]
async fn user_schema_external_id() {
    let (_server, scim) = start().await;
    let schema = document(&scim, &format!("/Schemas/{USER_URN}")).await;

    let external_id = attribute(&schema, "externalId");

    assert_eq!(external_id["caseExact"], true);
    assert_eq!(external_id["mutability"], "readWrite");
}

#[tokio::test]
async fn user_schema_emails() {
    let (_server, scim) = start().await;
    let schema = document(&scim, &format!("/Schemas/{USER_URN}")).await;

    let emails = attribute(&schema, "emails");

    assert_eq!(emails["type"], "complex");
    assert_eq!(emails["multiValued"], true);
    assert_eq!(emails["required"], true);
    assert_eq!(sub_attribute(emails, "value")["type"], "string");
    assert_eq!(sub_attribute(emails, "primary")["type"], "boolean");
    assert_eq!(sub_attribute(emails, "type")["type"], "string");
}

#[tokio::test]
async fn user_schema_active() {
    let (_server, scim) = start().await;
    let schema = document(&scim, &format!("/Schemas/{USER_URN}")).await;

    let active = attribute(&schema, "active");

    assert_eq!(active["type"], "boolean");
    assert_eq!(active["multiValued"], false);
    assert_eq!(active["mutability"], "readWrite");
}

#[tokio::test]
async fn user_schema_groups_read_only() {
    let (_server, scim) = start().await;
    let schema = document(&scim, &format!("/Schemas/{USER_URN}")).await;

    let groups = attribute(&schema, "groups");

    assert_eq!(groups["multiValued"], true);
    assert_eq!(groups["mutability"], "readOnly");
    for sub in ["value", "display", "type", "$ref"] {
        assert!(sub_attribute(groups, sub).is_object(), "groups.{sub}");
    }
}

#[tokio::test]
async fn user_schema_name() {
    let (_server, scim) = start().await;
    let schema = document(&scim, &format!("/Schemas/{USER_URN}")).await;

    let name = attribute(&schema, "name");

    assert_eq!(name["type"], "complex");
    assert_eq!(name["multiValued"], false);
    for sub in ["formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"] {
        assert_eq!(sub_attribute(name, sub)["type"], "string", "name.{sub}");
    }
}

#[tokio::test]
async fn user_schema_lists_documented_attributes() {
    let (_server, scim) = start().await;
    let schema = document(&scim, &format!("/Schemas/{USER_URN}")).await;

    for name in [
        "id",
        "externalId",
        "userName",
        "name",
        "displayName",
        "nickName",
        "title",
        "preferredLanguage",
        "department",
        "organization",
        "timezone",
        "active",
        "emails",
        "phoneNumbers",
        "groups",
    ] {
        assert_eq!(attribute(&schema, name)["name"], name);
    }
}

#[tokio::test]
async fn account_id_read_only() {
    let (_server, scim) = start().await;
    let schema = document(&scim, &format!("/Schemas/{EXTERNAL_URN}")).await;

    let account_id = attribute(&schema, "atlassianAccountId");

    assert_eq!(account_id["type"], "string");
    assert_eq!(account_id["mutability"], "readOnly");
}

#[tokio::test]
async fn enterprise_schema_attributes() {
    let (_server, scim) = start().await;
    let schema = document(&scim, &format!("/Schemas/{ENTERPRISE_URN}")).await;

    assert_eq!(attribute(&schema, "organization")["type"], "string");
    assert_eq!(attribute(&schema, "department")["type"], "string");
}

#[tokio::test]
async fn group_schema_display_name() {
    let (_server, scim) = start().await;
    let schema = document(&scim, &format!("/Schemas/{GROUP_URN}")).await;

    let display_name = attribute(&schema, "displayName");

    assert_eq!(display_name["type"], "string");
    assert_eq!(display_name["required"], true);
    assert_eq!(display_name["caseExact"], false);
    assert_eq!(display_name["uniqueness"], "server");
    assert_ne!(display_name["mutability"], "readWrite", "group names cannot change");
}

#[tokio::test]
async fn group_schema_members() {
    let (_server, scim) = start().await;
    let schema = document(&scim, &format!("/Schemas/{GROUP_URN}")).await;

    let members = attribute(&schema, "members");

    assert_eq!(members["type"], "complex");
    assert_eq!(members["multiValued"], true);
    for sub in ["value", "display", "type", "$ref"] {
        assert!(sub_attribute(members, sub).is_object(), "members.{sub}");
    }
}

#[tokio::test]
async fn schemas_have_no_nulls() {
    let (_server, scim) = start().await;

    let schemas = document(&scim, "/Schemas").await;
    let resource_types = document(&scim, "/ResourceTypes").await;

    assert_eq!(null_paths(&schemas), Vec::<String>::new());
    assert_eq!(null_paths(&resource_types), Vec::<String>::new());
}

#[tokio::test]
async fn filter_on_discovery_is_403() {
    let (_server, scim) = start().await;

    for path in ["/Schemas", "/ResourceTypes"] {
        let reply = scim.get(&format!("{path}?filter={}", encode("id eq \"User\""))).await;
        assert_scim_error(&reply, 403, None);
    }
}

#[tokio::test]
async fn discovery_is_read_only() {
    let (_server, scim) = start().await;

    for path in ["/ServiceProviderConfig", "/ResourceTypes", "/Schemas"] {
        let reply = scim.post(path, &json!({})).await;
        assert_scim_error(&reply, 405, None);
    }
}
