//! `attributes` and `excludedAttributes` on the Users endpoints: dotted
//! sub-attributes, URN-qualified names, the attributes that always return,
//! and the 400 when both are sent.

mod common;

use common::{assert_scim_error, encode, start, user_body, Scim, CUSTOM_URN, ENTERPRISE_URN, EXTERNAL_URN, USER_URN};
use serde_json::{json, Value};

/// Creates a user with a name, two emails and the enterprise extension, and
/// returns its path and body.
async fn rich_user(scim: &Scim) -> (String, Value) {
    let user = scim
        .post_user_body(&json!({
            "schemas": [USER_URN, ENTERPRISE_URN],
            "userName": "ada@example.com",
            "externalId": "00uAda",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "title": "Analyst",
            "emails": [
                {"value": "ada@example.com", "type": "work", "primary": true},
                {"value": "ada.home@example.com", "type": "home"}
            ],
            ENTERPRISE_URN: {"department": "Research", "organization": "Acme"}
        }))
        .await;
    let path = format!("/Users/{}", user["id"].as_str().expect("id"));
    (path, user)
}

/// Returns the top-level keys of a resource, sorted.
fn keys(resource: &Value) -> Vec<String> {
    let mut keys: Vec<String> = resource.as_object().map(|object| object.keys().cloned().collect()).unwrap_or_default();
    keys.sort();
    keys
}

/// Reads `path` with a query parameter and returns the body, failing the
/// test unless the mock responds with 200.
async fn get_with(scim: &Scim, path: &str, parameter: &str, value: &str) -> Value {
    let reply = scim.get(&format!("{path}?{parameter}={}", encode(value))).await;
    assert_eq!(reply.status, 200, "{parameter}={value}: {}", reply.text);
    reply.body
}

#[tokio::test]
async fn attributes_keeps_always_returned() {
    let (_server, scim) = start().await;
    let (path, user) = rich_user(&scim).await;

    let projected = get_with(&scim, &path, "attributes", "userName").await;

    assert_eq!(keys(&projected), ["id", "meta", "schemas", "userName"]);
    assert_eq!(projected["id"], user["id"]);
    assert_eq!(projected["schemas"], user["schemas"]);
    assert_eq!(projected["meta"]["resourceType"], "User");
    assert_eq!(projected["userName"], "ada@example.com");
}

#[tokio::test]
async fn attributes_several() {
    let (_server, scim) = start().await;
    let (path, user) = rich_user(&scim).await;

    let projected = get_with(&scim, &path, "attributes", "userName,title, externalId").await;

    assert_eq!(keys(&projected), ["externalId", "id", "meta", "schemas", "title", "userName"]);
    assert_eq!(projected["title"], user["title"]);
}

#[tokio::test]
async fn attributes_names_ignore_case() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let projected = get_with(&scim, &path, "attributes", "USERNAME,Name.GivenName").await;

    assert_eq!(projected["userName"], "ada@example.com");
    assert_eq!(projected["name"], json!({"givenName": "Ada"}));
}

#[tokio::test]
async fn attributes_sub_attribute() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let projected = get_with(&scim, &path, "attributes", "name.familyName").await;

    assert_eq!(projected["name"], json!({"familyName": "Lovelace"}));
    assert!(projected.get("userName").is_none(), "{projected}");
}

#[tokio::test]
async fn attributes_multi_valued_sub_attribute() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let projected = get_with(&scim, &path, "attributes", "emails.value").await;

    assert_eq!(projected["emails"], json!([{"value": "ada@example.com"}, {"value": "ada.home@example.com"}]));
}

#[tokio::test]
async fn attributes_absent_sub_attribute() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let projected = get_with(&scim, &path, "attributes", "name.middleName").await;

    assert_eq!(common::null_paths(&projected), Vec::<String>::new(), "{projected}");
    assert!(projected.get("name").is_none(), "{projected}");
}

#[tokio::test]
async fn attributes_absent_multi_valued_sub_attribute() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let projected = get_with(&scim, &path, "attributes", "emails.display").await;

    assert!(projected.get("emails").is_none(), "{projected}");
}

#[tokio::test]
async fn attributes_absent_extension_sub_attribute() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;
    let manager = scim
        .patch_ops(&path, json!([{"op": "add", "path": format!("{ENTERPRISE_URN}:manager.value"), "value": "m-1"}]))
        .await;
    assert_eq!(manager.status, 200, "{}", manager.text);

    let projected = get_with(&scim, &path, "attributes", &format!("{ENTERPRISE_URN}:manager.displayName")).await;

    assert_eq!(common::null_paths(&projected), Vec::<String>::new(), "{projected}");
    assert!(projected.get(ENTERPRISE_URN).is_none(), "{projected}");
}

#[tokio::test]
async fn attributes_urn_qualified() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let projected = get_with(&scim, &path, "attributes", &format!("{ENTERPRISE_URN}:department")).await;

    assert_eq!(projected[ENTERPRISE_URN], json!({"department": "Research"}));
    assert!(projected.get("userName").is_none(), "{projected}");
}

#[tokio::test]
async fn attributes_core_urn_qualified() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let projected = get_with(&scim, &path, "attributes", &format!("{USER_URN}:name.givenName")).await;

    assert_eq!(projected["name"], json!({"givenName": "Ada"}));
}

#[tokio::test]
async fn attributes_whole_extension() {
    let (_server, scim) = start().await;
    let (path, user) = rich_user(&scim).await;

    let projected = get_with(&scim, &path, "attributes", ENTERPRISE_URN).await;

    assert_eq!(projected[ENTERPRISE_URN], user[ENTERPRISE_URN]);
}

#[tokio::test]
async fn attributes_account_id() {
    let (_server, scim) = start().await;
    let (path, user) = rich_user(&scim).await;

    let projected = get_with(&scim, &path, "attributes", &format!("{EXTERNAL_URN}:atlassianAccountId")).await;

    assert_eq!(projected[EXTERNAL_URN], user[EXTERNAL_URN]);
}

#[tokio::test]
async fn attributes_meta_sub_attribute() {
    let (_server, scim) = start().await;
    let (path, user) = rich_user(&scim).await;

    let projected = get_with(&scim, &path, "attributes", "meta.created").await;

    assert_eq!(projected["meta"], json!({"resourceType": "User", "created": user["meta"]["created"]}));
}

#[tokio::test]
async fn attributes_unknown_name_ignored() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let projected = get_with(&scim, &path, "attributes", "shoeSize,userName").await;

    assert_eq!(keys(&projected), ["id", "meta", "schemas", "userName"]);
}

#[tokio::test]
async fn excluded_attribute_removed() {
    let (_server, scim) = start().await;
    let (path, user) = rich_user(&scim).await;

    let projected = get_with(&scim, &path, "excludedAttributes", "emails,title").await;

    assert!(projected.get("emails").is_none(), "{projected}");
    assert!(projected.get("title").is_none(), "{projected}");
    assert_eq!(projected["userName"], user["userName"]);
    assert_eq!(projected["name"], user["name"]);
}

#[tokio::test]
async fn excluded_sub_attribute_removed() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let projected = get_with(&scim, &path, "excludedAttributes", "name.familyName,emails.type").await;

    assert_eq!(projected["name"], json!({"givenName": "Ada"}));
    assert_eq!(
        projected["emails"],
        json!([{"value": "ada@example.com", "primary": true}, {"value": "ada.home@example.com"}])
    );
}

#[tokio::test]
async fn excluded_every_sub_attribute() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let projected = get_with(&scim, &path, "excludedAttributes", "emails.value,emails.type,emails.primary").await;

    assert!(projected.get("emails").is_none(), "{projected}");
}

#[tokio::test]
async fn excluded_urn_qualified() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let projected = get_with(&scim, &path, "excludedAttributes", &format!("{ENTERPRISE_URN}:department")).await;

    assert_eq!(projected[ENTERPRISE_URN], json!({"organization": "Acme"}));
}

#[tokio::test]
async fn excluded_whole_extension() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let projected = get_with(&scim, &path, "excludedAttributes", ENTERPRISE_URN).await;

    assert!(projected.get(ENTERPRISE_URN).is_none(), "{projected}");
    assert_eq!(projected["userName"], "ada@example.com");
}

#[tokio::test]
async fn excluded_cannot_remove_always_returned() {
    let (_server, scim) = start().await;
    let (path, user) = rich_user(&scim).await;

    let projected = get_with(&scim, &path, "excludedAttributes", "id,schemas,meta,meta.resourceType").await;

    assert_eq!(projected["id"], user["id"]);
    assert_eq!(projected["schemas"], user["schemas"]);
    assert_eq!(projected["meta"]["resourceType"], "User");
}

#[tokio::test]
async fn both_parameters_is_400() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let single = scim.get(&format!("{path}?attributes=userName&excludedAttributes=emails")).await;
    let list = scim.get("/Users?attributes=userName&excludedAttributes=emails").await;

    assert_scim_error(&single, 400, Some("invalidSyntax"));
    assert_scim_error(&list, 400, Some("invalidSyntax"));
}

#[tokio::test]
async fn both_parameters_on_write_is_400() {
    let (_server, scim) = start().await;

    let reply = scim.post("/Users?attributes=userName&excludedAttributes=emails", &user_body("ada")).await;

    assert_scim_error(&reply, 400, Some("invalidSyntax"));
    assert_eq!(scim.get("/Users").await.body["totalResults"], 0);
}

#[tokio::test]
async fn empty_parameters_ignored() {
    let (_server, scim) = start().await;
    let (path, user) = rich_user(&scim).await;

    let reply = scim.get(&format!("{path}?attributes=&excludedAttributes=")).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body, user);
}

#[tokio::test]
async fn list_applies_projection() {
    let (_server, scim) = start().await;
    rich_user(&scim).await;
    scim.post_user("grace").await;

    let list = get_with(&scim, "/Users", "attributes", "userName").await;

    let resources = list["Resources"].as_array().cloned().unwrap_or_default();
    assert_eq!(resources.len(), 2);
    for resource in &resources {
        assert_eq!(keys(resource), ["id", "meta", "schemas", "userName"]);
    }
    assert_eq!(list["totalResults"], 2);
}

#[tokio::test]
async fn list_with_filter_and_exclusion() {
    let (_server, scim) = start().await;
    rich_user(&scim).await;

    let reply = scim
        .get(&format!("{}&excludedAttributes=emails,groups", common::users_filter("userName eq \"ada@example.com\"")))
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    let resource = &reply.body["Resources"][0];
    assert!(resource.get("emails").is_none(), "{resource}");
    assert!(resource.get("groups").is_none(), "{resource}");
    assert_eq!(resource["userName"], "ada@example.com");
}

#[tokio::test]
async fn create_applies_projection() {
    let (_server, scim) = start().await;

    let reply = scim.post("/Users?attributes=userName", &user_body("ada")).await;

    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(keys(&reply.body), ["id", "meta", "schemas", "userName"]);
    assert!(reply.header("location").is_some());
}

#[tokio::test]
async fn patch_applies_projection() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let reply = scim
        .patch_ops(&format!("{path}?excludedAttributes=emails"), json!([{"op": "replace", "path": "title", "value": "x"}]))
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.body.get("emails").is_none(), "{}", reply.text);
    assert_eq!(reply.body["title"], "x");
}

#[tokio::test]
async fn put_applies_projection() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let reply = scim.put(&format!("{path}?attributes=active"), &user_body("ada")).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(keys(&reply.body), ["active", "id", "meta", "schemas"]);
}

#[tokio::test]
async fn custom_extension_projected() {
    let (_server, scim) = start().await;
    let mut body = user_body("ada");
    body[CUSTOM_URN] = json!({"basedIn": "London"});
    let user = scim.post_user_body(&body).await;
    let path = format!("/Users/{}", user["id"].as_str().expect("id"));

    let projected = get_with(&scim, &path, "attributes", &format!("{CUSTOM_URN}:basedIn")).await;

    assert_eq!(projected[CUSTOM_URN], json!({"basedIn": "London"}));
}

#[tokio::test]
async fn groups_ignore_projection() {
    let (_server, scim) = start().await;
    let ada = scim.post_user("ada").await;
    let group = scim.post_group("Engineering").await;
    let group_id = group["id"].as_str().expect("id");
    assert_eq!(scim.add_members(group_id, &[ada["id"].as_str().expect("id")]).await.status, 200);
    let full = scim.get_group(group_id).await;

    let reply = scim.get(&format!("/Groups/{group_id}?excludedAttributes=members")).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body, full);
}
