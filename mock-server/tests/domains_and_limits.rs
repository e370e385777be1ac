//! Verified email domains, the external-users setting and the per-directory
//! user limit.

mod common;

use common::{assert_scim_error, start, start_with, user_body, Scim};
use scim_mock::MockServer;
use serde_json::json;

async fn user_count(scim: &Scim) -> u64 {
    scim.get("/Users").await.body["totalResults"].as_u64().unwrap_or(u64::MAX)
}

#[tokio::test]
async fn unverified_domain_is_400() {
    let (_server, scim) = start().await;

    let reply = scim.post("/Users", &user_body("ada@example.org")).await;

    assert_scim_error(&reply, 400, Some("invalidValue"));
    assert!(reply.detail().contains("example.org"), "detail must name the domain: {}", reply.detail());
    assert_eq!(user_count(&scim).await, 0);
}

#[tokio::test]
async fn verified_domain_any_case() {
    let (_server, scim) = start().await;

    let reply = scim.post("/Users", &user_body("ADA@EXAMPLE.COM")).await;

    assert_eq!(reply.status, 201, "{}", reply.text);
}

#[tokio::test]
async fn secondary_email_domain_not_checked() {
    let (_server, scim) = start().await;
    let body = json!({
        "userName": "ada@example.com",
        "emails": [
            {"value": "ada@example.com", "type": "work", "primary": true},
            {"value": "ada@gmail.test", "type": "home"}
        ]
    });

    let reply = scim.post("/Users", &body).await;

    assert_eq!(reply.status, 201, "{}", reply.text);
}

#[tokio::test]
async fn user_name_domain_not_checked() {
    let (_server, scim) = start().await;
    let body = json!({
        "userName": "ada@unverified.test",
        "emails": [{"value": "ada@example.com", "primary": true}]
    });

    let reply = scim.post("/Users", &body).await;

    assert_eq!(reply.status, 201, "{}", reply.text);
}

#[tokio::test]
async fn custom_verified_domains() {
    let (_server, scim) = start_with(MockServer::builder().verified_domains(["acme.test"])).await;

    let accepted = scim.post("/Users", &user_body("ada@acme.test")).await;
    let rejected = scim.post("/Users", &user_body("grace@example.com")).await;

    assert_eq!(accepted.status, 201, "{}", accepted.text);
    assert_scim_error(&rejected, 400, Some("invalidValue"));
    assert!(rejected.detail().contains("example.com"), "{}", rejected.detail());
}

#[tokio::test]
async fn external_users_allowed() {
    let (server, scim) = start_with(MockServer::builder().allow_external_users(true)).await;

    let reply = scim.post("/Users", &user_body("ada@example.org")).await;

    assert_eq!(reply.status, 201, "{}", reply.text);
    let account_id = reply.body[common::EXTERNAL_URN]["atlassianAccountId"].clone();
    let created = server
        .audit_events()
        .into_iter()
        .find(|event| event.action == "account_created" && event.details()["accountId"] == account_id)
        .expect("an account_created audit event for the new account");
    assert_eq!(created.details()["managed"], false, "an external user's account is not managed");
}

#[tokio::test]
async fn verified_user_account_managed() {
    let (server, scim) = start().await;

    let user = scim.post_user("ada").await;

    let account_id = user[common::EXTERNAL_URN]["atlassianAccountId"].clone();
    let created = server
        .audit_events()
        .into_iter()
        .find(|event| event.action == "account_created" && event.details()["accountId"] == account_id)
        .expect("an account_created audit event for the new account");
    assert_eq!(created.details()["managed"], true);
}

#[tokio::test]
async fn put_to_unverified_domain_is_400() {
    let (_server, scim) = start().await;
    let user = scim.post_user("ada").await;
    let path = format!("/Users/{}", user["id"].as_str().expect("id"));

    let reply = scim.put(&path, &user_body("ada@example.org")).await;

    assert_scim_error(&reply, 400, Some("invalidValue"));
    assert!(reply.detail().contains("example.org"), "{}", reply.detail());
    assert_eq!(scim.get(&path).await.body, user);
}

#[tokio::test]
async fn patch_to_unverified_domain_is_400() {
    let (_server, scim) = start().await;
    let user = scim.post_user("ada").await;
    let path = format!("/Users/{}", user["id"].as_str().expect("id"));

    let reply = scim
        .patch_ops(
            &path,
            json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "ada@example.org"}]),
        )
        .await;

    assert_scim_error(&reply, 400, Some("invalidValue"));
    assert!(reply.detail().contains("example.org"), "{}", reply.detail());
    assert_eq!(scim.get(&path).await.body, user);
}

#[tokio::test]
async fn limit_reached_is_403() {
    let (_server, scim) = start_with(MockServer::builder().user_limit(2)).await;
    scim.post_user("ada").await;
    scim.post_user("grace").await;

    let reply = scim.post("/Users", &user_body("alan")).await;

    assert_scim_error(&reply, 403, None);
    assert!(reply.detail().contains('2'), "detail must name the limit: {}", reply.detail());
    assert_eq!(user_count(&scim).await, 2);
}

#[tokio::test]
async fn limit_names_configured_value() {
    let (_server, scim) = start_with(MockServer::builder().user_limit(3)).await;
    for name in ["a", "b", "c"] {
        scim.post_user(name).await;
    }

    let reply = scim.post("/Users", &user_body("d")).await;

    assert_scim_error(&reply, 403, None);
    assert!(reply.detail().contains("limit of 3"), "{}", reply.detail());
}

#[tokio::test]
async fn limit_counts_deactivated_users() {
    let (_server, scim) = start_with(MockServer::builder().user_limit(1)).await;
    let ada = scim.post_user("ada").await;
    let path = format!("/Users/{}", ada["id"].as_str().expect("id"));
    let deactivated = scim.patch_ops(&path, json!([{"op": "replace", "path": "active", "value": false}])).await;
    assert_eq!(deactivated.status, 200, "{}", deactivated.text);

    let reply = scim.post("/Users", &user_body("grace")).await;

    assert_scim_error(&reply, 403, None);
}

#[tokio::test]
async fn limit_freed_by_delete() {
    let (_server, scim) = start_with(MockServer::builder().user_limit(1)).await;
    let ada = scim.post_user("ada").await;
    let deleted = scim.delete(&format!("/Users/{}", ada["id"].as_str().expect("id"))).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);

    let reply = scim.post("/Users", &user_body("grace")).await;

    assert_eq!(reply.status, 201, "{}", reply.text);
}

#[tokio::test]
async fn limit_allows_updates() {
    let (_server, scim) = start_with(MockServer::builder().user_limit(1)).await;
    let ada = scim.post_user("ada").await;
    let path = format!("/Users/{}", ada["id"].as_str().expect("id"));

    let put = scim.put(&path, &user_body("ada")).await;
    let patch = scim.patch_ops(&path, json!([{"op": "replace", "path": "title", "value": "x"}])).await;

    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(patch.status, 200, "{}", patch.text);
}

#[tokio::test]
async fn limit_applies_per_directory() {
    // The seeded organisation takes the builder's limit too. Its Okta
    // directory contains three users and its Entra directory two.
    let builder = MockServer::builder().user_limit(3).seed_file(common::SMALL_SEED);
    let (server, scim) = start_with(builder).await;
    let okta = Scim::for_directory(&server, common::OKTA_DIRECTORY);
    let entra = Scim::for_directory(&server, common::ENTRA_DIRECTORY);

    let okta_reply = okta.post("/Users", &user_body("new@acme.example")).await;
    let entra_reply = entra.post("/Users", &user_body("new@acme.example")).await;
    let default_reply = scim.post("/Users", &user_body("new")).await;

    assert_scim_error(&okta_reply, 403, None);
    assert_eq!(entra_reply.status, 201, "{}", entra_reply.text);
    assert_eq!(default_reply.status, 201, "{}", default_reply.text);
}
