//! User create, read, replace and PATCH: the shape of a user resource and
//! the required attributes.

mod common;

use common::{
    assert_scim_error, group_ids, is_lower_hex, is_microsecond_utc, is_uuid, null_paths, start, user_body, CUSTOM_URN,
    ENTERPRISE_URN, EXTERNAL_URN, USER_URN,
};
use serde_json::{json, Value};

/// Returns a user body that sets every writable attribute the API documents.
fn full_user_body() -> Value {
    json!({
        "schemas": [USER_URN, ENTERPRISE_URN, CUSTOM_URN],
        "externalId": "00uAdaExternal",
        "userName": "ada@example.com",
        "name": {
            "formatted": "Dr Ada King Lovelace",
            "familyName": "Lovelace",
            "givenName": "Ada",
            "middleName": "King",
            "honorificPrefix": "Dr",
            "honorificSuffix": "FRS"
        },
        "displayName": "Ada Lovelace",
        "nickName": "Ada",
        "title": "Analyst",
        "preferredLanguage": "en-GB",
        "department": "Research",
        "organization": "Analytical Engines",
        "timezone": "Europe/London",
        "active": true,
        "emails": [
            {"value": "ada@example.com", "type": "work", "primary": true},
            {"value": "ada.home@example.com", "type": "home", "primary": false}
        ],
        "phoneNumbers": [{"value": "+44 20 7946 0001", "type": "work", "primary": true}],
        ENTERPRISE_URN: {"organization": "Acme", "department": "R&D"},
        CUSTOM_URN: {"basedIn": "London"}
    })
}

#[tokio::test]
async fn create_returns_201_and_location() {
    let (server, scim) = start().await;

    let reply = scim.post("/Users", &user_body("ada")).await;

    assert_eq!(reply.status, 201, "{}", reply.text);
    let id = reply.id();
    let expected = format!("{}/Users/{id}", server.base_url());
    assert_eq!(reply.header("location"), Some(expected.as_str()));
    assert_eq!(reply.body["meta"]["location"], json!(expected));
}

#[tokio::test]
async fn create_assigns_uuid() {
    let (_server, scim) = start().await;

    let user = scim.post_user("ada").await;

    let id = user["id"].as_str().unwrap_or_default();
    assert!(is_uuid(id), "id {id:?}");
}

#[tokio::test]
async fn create_ignores_request_id() {
    let (_server, scim) = start().await;
    let mut body = user_body("ada");
    body["id"] = json!("11111111-1111-4111-8111-111111111111");

    let user = scim.post_user_body(&body).await;

    assert_ne!(user["id"], "11111111-1111-4111-8111-111111111111");
}

#[tokio::test]
async fn create_shape_schemas() {
    let (_server, scim) = start().await;

    let user = scim.post_user("ada").await;

    let schemas = user["schemas"].as_array().expect("schemas is an array");
    assert!(schemas.contains(&json!(USER_URN)), "{schemas:?}");
    assert!(schemas.contains(&json!(EXTERNAL_URN)), "{schemas:?}");
}

#[tokio::test]
async fn create_shape_enterprise_schema() {
    let (_server, scim) = start().await;

    let user = scim.post_user_body(&full_user_body()).await;

    let schemas = user["schemas"].as_array().expect("schemas is an array");
    assert!(schemas.contains(&json!(ENTERPRISE_URN)), "{schemas:?}");
    assert_eq!(user[ENTERPRISE_URN], json!({"organization": "Acme", "department": "R&D"}));
}

#[tokio::test]
async fn create_shape_groups_empty() {
    let (_server, scim) = start().await;

    let user = scim.post_user("ada").await;

    assert_eq!(user["groups"], json!([]));
}

#[tokio::test]
async fn create_shape_active_default() {
    let (_server, scim) = start().await;

    let user = scim.post_user("ada").await;

    assert_eq!(user["active"], true);
}

#[tokio::test]
async fn create_shape_meta() {
    let (server, scim) = start().await;

    let user = scim.post_user("ada").await;

    let meta = &user["meta"];
    assert_eq!(meta["resourceType"], "User");
    let created = meta["created"].as_str().unwrap_or_default();
    let last_modified = meta["lastModified"].as_str().unwrap_or_default();
    assert!(is_microsecond_utc(created), "created {created:?}");
    assert!(is_microsecond_utc(last_modified), "lastModified {last_modified:?}");
    let location = meta["location"].as_str().unwrap_or_default();
    assert!(location.starts_with(&format!("{}/Users/", server.base_url())), "location {location:?}");
}

#[tokio::test]
async fn create_shape_account_id() {
    let (_server, scim) = start().await;

    let user = scim.post_user("ada").await;

    let account_id = user[EXTERNAL_URN]["atlassianAccountId"].as_str().unwrap_or_default();
    assert!(is_lower_hex(account_id, 24), "atlassianAccountId {account_id:?}");
}

#[tokio::test]
async fn create_shape_every_attribute() {
    let (_server, scim) = start().await;
    let body = full_user_body();

    let user = scim.post_user_body(&body).await;

    for key in [
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
        "emails",
        "phoneNumbers",
        ENTERPRISE_URN,
    ] {
        assert_eq!(user[key], body[key], "attribute {key}");
    }
}

#[tokio::test]
async fn create_stores_custom_extension() {
    let (_server, scim) = start().await;

    let user = scim.post_user_body(&full_user_body()).await;

    assert_eq!(user[CUSTOM_URN]["basedIn"], "London");
    let stored = scim.get_user(user["id"].as_str().expect("id")).await;
    assert_eq!(stored[CUSTOM_URN]["basedIn"], "London");
}

#[tokio::test]
async fn create_has_no_nulls() {
    let (_server, scim) = start().await;
    let mut body = full_user_body();
    body["nickName"] = Value::Null;
    body["name"]["middleName"] = Value::Null;

    let user = scim.post_user_body(&body).await;

    assert_eq!(null_paths(&user), Vec::<String>::new());
    assert!(user.get("nickName").is_none(), "{user}");
    assert!(user["name"].get("middleName").is_none(), "{user}");
}

#[tokio::test]
async fn create_minimal_has_no_nulls() {
    let (_server, scim) = start().await;

    let user = scim.post_user("ada").await;

    assert_eq!(null_paths(&user), Vec::<String>::new());
    assert!(user.get("title").is_none(), "{user}");
    assert!(user.get("name").is_none(), "{user}");
}

#[tokio::test]
async fn create_omits_empty_lists() {
    let (_server, scim) = start().await;
    let mut body = user_body("ada");
    body["phoneNumbers"] = json!([]);

    let user = scim.post_user_body(&body).await;

    assert!(user.get("phoneNumbers").is_none(), "an empty list is an unset attribute: {user}");
}

#[tokio::test]
async fn put_omits_empty_lists() {
    let (_server, scim) = start().await;
    let user = scim.post_user_body(&full_user_body()).await;
    let mut body = user_body("ada");
    body["phoneNumbers"] = json!([]);

    let reply = scim.put(&format!("/Users/{}", user["id"].as_str().expect("id")), &body).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.body.get("phoneNumbers").is_none(), "{}", reply.text);
}

#[tokio::test]
async fn create_timestamps_equal() {
    let (_server, scim) = start().await;

    // RFC 7643 §3.1: lastModified equals created until the first change.
    for index in 0..20 {
        let user = scim.post_user(&format!("user{index}")).await;
        assert_eq!(user["meta"]["lastModified"], user["meta"]["created"], "{user}");
    }
}

#[tokio::test]
async fn create_without_schemas_accepted() {
    let (_server, scim) = start().await;

    let reply = scim
        .post("/Users", &json!({"userName": "ada@example.com", "emails": [{"value": "ada@example.com", "primary": true}]}))
        .await;

    assert_eq!(reply.status, 201, "{}", reply.text);
}

#[tokio::test]
async fn create_missing_user_name_is_400() {
    let (_server, scim) = start().await;
    let mut body = user_body("ada");
    body.as_object_mut().expect("object").remove("userName");

    let reply = scim.post("/Users", &body).await;

    assert_scim_error(&reply, 400, Some("invalidValue"));
}

#[tokio::test]
async fn create_blank_user_name_is_400() {
    let (_server, scim) = start().await;

    for blank in ["", "   ", "\t"] {
        let mut body = user_body("ada");
        body["userName"] = json!(blank);

        let reply = scim.post("/Users", &body).await;

        assert_scim_error(&reply, 400, Some("invalidValue"));
    }
}

#[tokio::test]
async fn create_missing_emails_is_400() {
    let (_server, scim) = start().await;

    let reply = scim.post("/Users", &json!({"schemas": [USER_URN], "userName": "ada@example.com"})).await;

    assert_scim_error(&reply, 400, Some("invalidValue"));
}

#[tokio::test]
async fn create_empty_email_is_400() {
    let (_server, scim) = start().await;
    let mut body = user_body("ada");
    body["emails"] = json!([{"value": "  ", "primary": true}]);

    let reply = scim.post("/Users", &body).await;

    assert_scim_error(&reply, 400, Some("invalidValue"));
}

#[tokio::test]
async fn create_without_primary_is_400() {
    let (_server, scim) = start().await;
    let mut body = user_body("ada");
    body["emails"] = json!([{"value": "ada@example.com", "type": "work"}]);

    let reply = scim.post("/Users", &body).await;

    assert_scim_error(&reply, 400, Some("invalidValue"));
}

#[tokio::test]
async fn create_two_primaries_is_400() {
    let (_server, scim) = start().await;
    let mut body = user_body("ada");
    body["emails"] = json!([
        {"value": "ada@example.com", "primary": true},
        {"value": "lovelace@example.com", "primary": true}
    ]);

    let reply = scim.post("/Users", &body).await;

    assert_scim_error(&reply, 400, Some("invalidValue"));
}

#[tokio::test]
async fn rejected_create_stores_nothing() {
    let (_server, scim) = start().await;

    let reply = scim.post("/Users", &json!({"userName": "ada@example.com"})).await;
    assert_eq!(reply.status, 400, "{}", reply.text);

    let list = scim.get("/Users").await;
    assert_eq!(list.body["totalResults"], 0, "{}", list.text);
}

#[tokio::test]
async fn get_matches_create() {
    let (_server, scim) = start().await;
    let created = scim.post_user_body(&full_user_body()).await;

    let reply = scim.get(&format!("/Users/{}", created["id"].as_str().expect("id"))).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body, created);
}

#[tokio::test]
async fn get_unknown_is_404() {
    let (_server, scim) = start().await;

    let reply = scim.get("/Users/00000000-0000-4000-8000-000000000000").await;

    assert_scim_error(&reply, 404, None);
}

#[tokio::test]
async fn other_directory_user_is_404() {
    let server = common::start_seeded().await;
    let okta = common::Scim::for_directory(&server, common::OKTA_DIRECTORY);
    let entra = common::Scim::for_directory(&server, common::ENTRA_DIRECTORY);
    let found = okta.get(&common::users_filter("userName eq \"ada.lovelace@acme.example\"")).await;
    let path = format!("/Users/{}", found.body["Resources"][0]["id"].as_str().expect("seeded user id"));

    let get = entra.get(&path).await;
    let put = entra.put(&path, &user_body("ada.lovelace@acme.example")).await;
    let patch = entra.patch_ops(&path, json!([{"op": "replace", "path": "active", "value": false}])).await;
    let delete = entra.delete(&path).await;

    assert_scim_error(&get, 404, None);
    assert_scim_error(&put, 404, None);
    assert_scim_error(&patch, 404, None);
    assert_scim_error(&delete, 404, None);
    assert_eq!(okta.get(&path).await.body["active"], true);
}

#[tokio::test]
async fn list_contains_created() {
    let (_server, scim) = start().await;
    let user = scim.post_user("ada").await;

    let reply = scim.get("/Users").await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["schemas"], json!([common::LIST_URN]));
    assert_eq!(reply.body["totalResults"], 1);
    assert_eq!(reply.body["Resources"][0], user);
}

#[tokio::test]
async fn put_clears_omitted_attributes() {
    let (_server, scim) = start().await;
    let user = scim.post_user_body(&full_user_body()).await;
    let path = format!("/Users/{}", user["id"].as_str().expect("id"));

    let reply = scim.put(&path, &user_body("ada")).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    for key in [
        "externalId",
        "name",
        "displayName",
        "nickName",
        "title",
        "preferredLanguage",
        "department",
        "organization",
        "timezone",
        "phoneNumbers",
        ENTERPRISE_URN,
        CUSTOM_URN,
    ] {
        assert!(reply.body.get(key).is_none(), "{key} survived PUT: {}", reply.text);
    }
    assert_eq!(reply.body["emails"], json!([{"value": "ada@example.com", "type": "work", "primary": true}]));
    assert_eq!(scim.get(&path).await.body, reply.body);
}

#[tokio::test]
async fn put_drops_enterprise_schema() {
    let (_server, scim) = start().await;
    let user = scim.post_user_body(&full_user_body()).await;
    let path = format!("/Users/{}", user["id"].as_str().expect("id"));

    let reply = scim.put(&path, &user_body("ada")).await;

    let schemas = reply.body["schemas"].as_array().cloned().unwrap_or_default();
    assert!(!schemas.contains(&json!(ENTERPRISE_URN)), "{schemas:?}");
}

#[tokio::test]
async fn put_keeps_read_only() {
    let (_server, scim) = start().await;
    let user = scim.post_user("ada").await;
    let id = user["id"].as_str().expect("id").to_owned();
    let group = scim.post_group("Engineering").await;
    let group_id = group["id"].as_str().expect("id");
    assert_eq!(scim.add_members(group_id, &[&id]).await.status, 200);

    let mut body = user_body("ada");
    body["id"] = json!("11111111-1111-4111-8111-111111111111");
    body["meta"] = json!({"created": "2000-01-01T00:00:00.000000Z", "resourceType": "Group"});
    body[EXTERNAL_URN] = json!({"atlassianAccountId": "ffffffffffffffffffffffff"});
    body["groups"] = json!([]);
    let reply = scim.put(&format!("/Users/{id}"), &body).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["id"], json!(id));
    assert_eq!(reply.body["meta"]["created"], user["meta"]["created"]);
    assert_eq!(reply.body["meta"]["resourceType"], "User");
    assert_eq!(reply.body[EXTERNAL_URN], user[EXTERNAL_URN]);
    assert_eq!(group_ids(&reply.body), [group_id]);
}

#[tokio::test]
async fn put_sets_new_values() {
    let (_server, scim) = start().await;
    let user = scim.post_user("ada").await;
    let path = format!("/Users/{}", user["id"].as_str().expect("id"));
    let body = full_user_body();

    let reply = scim.put(&path, &body).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["title"], "Analyst");
    assert_eq!(reply.body["name"], body["name"]);
    assert_eq!(reply.body[ENTERPRISE_URN], body[ENTERPRISE_URN]);
}

#[tokio::test]
async fn put_updates_last_modified() {
    let (_server, scim) = start().await;
    let user = scim.post_user("ada").await;
    let path = format!("/Users/{}", user["id"].as_str().expect("id"));

    let reply = scim.put(&path, &user_body("ada")).await;

    let created = reply.body["meta"]["created"].as_str().unwrap_or_default();
    let last_modified = reply.body["meta"]["lastModified"].as_str().unwrap_or_default();
    assert!(is_microsecond_utc(last_modified), "{last_modified:?}");
    // Same-width UTC timestamps order as text.
    assert!(last_modified >= created, "lastModified {last_modified} before created {created}");
}

#[tokio::test]
async fn put_requires_user_name() {
    let (_server, scim) = start().await;
    let user = scim.post_user("ada").await;
    let path = format!("/Users/{}", user["id"].as_str().expect("id"));

    let reply = scim.put(&path, &json!({"emails": [{"value": "ada@example.com", "primary": true}]})).await;

    assert_scim_error(&reply, 400, Some("invalidValue"));
    assert_eq!(scim.get(&path).await.body, user);
}

#[tokio::test]
async fn put_unknown_is_404() {
    let (_server, scim) = start().await;

    let reply = scim.put("/Users/00000000-0000-4000-8000-000000000000", &user_body("ada")).await;

    assert_scim_error(&reply, 404, None);
}

#[tokio::test]
async fn patch_returns_full_resource() {
    let (_server, scim) = start().await;
    let user = scim.post_user_body(&full_user_body()).await;
    let path = format!("/Users/{}", user["id"].as_str().expect("id"));

    let reply = scim.patch_ops(&path, json!([{"op": "replace", "path": "title", "value": "Countess"}])).await;

    assert_eq!(reply.status, 200, "PATCH must not respond with 204: {}", reply.text);
    assert_eq!(reply.body["title"], "Countess");
    assert_eq!(reply.body["userName"], "ada@example.com");
    assert_eq!(reply.body["name"], user["name"]);
    assert_eq!(reply.body["meta"]["resourceType"], "User");
    assert_eq!(scim.get(&path).await.body, reply.body);
}

#[tokio::test]
async fn patch_empty_change_returns_resource() {
    let (_server, scim) = start().await;
    let user = scim.post_user("ada").await;
    let path = format!("/Users/{}", user["id"].as_str().expect("id"));

    let reply = scim.patch_ops(&path, json!([{"op": "replace", "path": "userName", "value": "ada@example.com"}])).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["id"], user["id"]);
}

#[tokio::test]
async fn patch_unknown_is_404() {
    let (_server, scim) = start().await;

    let reply = scim
        .patch_ops(
            "/Users/00000000-0000-4000-8000-000000000000",
            json!([{"op": "replace", "path": "title", "value": "x"}]),
        )
        .await;

    assert_scim_error(&reply, 404, None);
}

#[tokio::test]
async fn patch_cannot_set_read_only() {
    let (_server, scim) = start().await;
    let user = scim.post_user("ada").await;
    let path = format!("/Users/{}", user["id"].as_str().expect("id"));

    let reply = scim
        .patch_ops(
            &path,
            json!([{"op": "replace", "path": format!("{EXTERNAL_URN}:atlassianAccountId"), "value": "ffffffffffffffffffffffff"}]),
        )
        .await;

    assert!(reply.status == 200 || reply.status == 400, "{} {}", reply.status, reply.text);
    assert_eq!(scim.get(&path).await.body[EXTERNAL_URN], user[EXTERNAL_URN]);
}
