//! Uniqueness of `userName` and primary email within a directory, ignoring
//! case, on create, PUT and PATCH.

mod common;

use common::{assert_scim_error, start, start_seeded, user_body, Reply, Scim, ENTRA_DIRECTORY, OKTA_DIRECTORY};
use serde_json::{json, Value};

/// Checks the 409 and its detail `Resource [USER]: with <field>[...] already exists.`.
#[track_caller]
fn assert_conflict(reply: &Reply, field: &str) {
    assert_scim_error(reply, 409, Some("uniqueness"));
    let detail = reply.detail();
    let prefix = format!("Resource [USER]: with {field}[");
    assert!(detail.starts_with(&prefix), "detail {detail:?} must start with {prefix:?}");
    assert!(detail.ends_with("] already exists."), "detail {detail:?}");
}

/// Returns a body with this `userName` and primary email.
fn body(user_name: &str, email: &str) -> Value {
    json!({
        "userName": user_name,
        "emails": [{"value": email, "type": "work", "primary": true}]
    })
}

async fn user_count(scim: &Scim) -> u64 {
    scim.get("/Users").await.body["totalResults"].as_u64().unwrap_or(u64::MAX)
}

#[tokio::test]
async fn create_same_user_name_is_409() {
    let (_server, scim) = start().await;
    scim.post_user_body(&body("ada", "ada@example.com")).await;

    let reply = scim.post("/Users", &body("ada", "other@example.com")).await;

    assert_conflict(&reply, "userName");
}

#[tokio::test]
async fn create_user_name_other_case_is_409() {
    let (_server, scim) = start().await;
    scim.post_user_body(&body("ada@example.com", "ada@example.com")).await;

    let reply = scim.post("/Users", &body("ADA@Example.COM", "other@example.com")).await;

    assert_conflict(&reply, "userName");
    assert!(reply.detail().contains("ADA@Example.COM"), "{}", reply.detail());
    assert_eq!(user_count(&scim).await, 1);
}

#[tokio::test]
async fn create_same_email_is_409() {
    let (_server, scim) = start().await;
    scim.post_user_body(&body("ada", "ada@example.com")).await;

    let reply = scim.post("/Users", &body("lovelace", "ada@example.com")).await;

    assert_conflict(&reply, "email");
}

#[tokio::test]
async fn create_email_other_case_is_409() {
    let (_server, scim) = start().await;
    scim.post_user_body(&body("ada", "ada@example.com")).await;

    let reply = scim.post("/Users", &body("lovelace", "Ada@EXAMPLE.com")).await;

    assert_conflict(&reply, "email");
    assert_eq!(user_count(&scim).await, 1);
}

#[tokio::test]
async fn secondary_email_not_unique() {
    let (_server, scim) = start().await;
    scim.post_user_body(&body("ada", "ada@example.com")).await;

    let reply = scim
        .post(
            "/Users",
            &json!({
                "userName": "lovelace",
                "emails": [
                    {"value": "lovelace@example.com", "type": "work", "primary": true},
                    {"value": "ada@example.com", "type": "home", "primary": false}
                ]
            }),
        )
        .await;

    assert_eq!(reply.status, 201, "{}", reply.text);
}

#[tokio::test]
async fn user_name_unique_per_directory() {
    let server = start_seeded().await;
    let entra = Scim::for_directory(&server, ENTRA_DIRECTORY);

    // Okta already has ada.lovelace@acme.example.
    let reply = entra.post("/Users", &user_body("ada.lovelace@acme.example")).await;

    assert_eq!(reply.status, 201, "{}", reply.text);
}

#[tokio::test]
async fn seeded_user_name_conflicts() {
    let server = start_seeded().await;
    let okta = Scim::for_directory(&server, OKTA_DIRECTORY);

    let reply = okta.post("/Users", &body("Ada.Lovelace@ACME.example", "someone@acme.example")).await;

    assert_conflict(&reply, "userName");
}

#[tokio::test]
async fn put_user_name_collision_is_409() {
    let (_server, scim) = start().await;
    scim.post_user("ada").await;
    let grace = scim.post_user("grace").await;
    let path = format!("/Users/{}", grace["id"].as_str().expect("id"));

    let reply = scim.put(&path, &body("ADA@example.com", "grace@example.com")).await;

    assert_conflict(&reply, "userName");
    assert_eq!(scim.get(&path).await.body, grace);
}

#[tokio::test]
async fn put_email_collision_is_409() {
    let (_server, scim) = start().await;
    scim.post_user("ada").await;
    let grace = scim.post_user("grace").await;
    let path = format!("/Users/{}", grace["id"].as_str().expect("id"));

    let reply = scim.put(&path, &body("grace@example.com", "ADA@example.com")).await;

    assert_conflict(&reply, "email");
    assert_eq!(scim.get(&path).await.body, grace);
}

#[tokio::test]
async fn put_own_values_other_case() {
    let (_server, scim) = start().await;
    let ada = scim.post_user("ada").await;
    let path = format!("/Users/{}", ada["id"].as_str().expect("id"));

    let reply = scim.put(&path, &body("ADA@example.com", "Ada@Example.com")).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["userName"], "ADA@example.com");
}

#[tokio::test]
async fn patch_user_name_collision_is_409() {
    let (_server, scim) = start().await;
    scim.post_user("ada").await;
    let grace = scim.post_user("grace").await;
    let path = format!("/Users/{}", grace["id"].as_str().expect("id"));

    let reply = scim
        .patch_ops(&path, json!([{"op": "replace", "path": "userName", "value": "Ada@Example.com"}]))
        .await;

    assert_conflict(&reply, "userName");
    assert_eq!(scim.get(&path).await.body, grace);
}

#[tokio::test]
async fn patch_pathless_user_name_collision_is_409() {
    let (_server, scim) = start().await;
    scim.post_user("ada").await;
    let grace = scim.post_user("grace").await;
    let path = format!("/Users/{}", grace["id"].as_str().expect("id"));

    let reply = scim
        .patch_ops(&path, json!([{"op": "replace", "value": {"userName": "ada@example.com"}}]))
        .await;

    assert_conflict(&reply, "userName");
}

#[tokio::test]
async fn patch_email_collision_is_409() {
    let (_server, scim) = start().await;
    scim.post_user("ada").await;
    let grace = scim.post_user("grace").await;
    let path = format!("/Users/{}", grace["id"].as_str().expect("id"));

    let reply = scim
        .patch_ops(
            &path,
            json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "ADA@example.com"}]),
        )
        .await;

    assert_conflict(&reply, "email");
    assert_eq!(scim.get(&path).await.body, grace);
}

#[tokio::test]
async fn patch_emails_array_collision_is_409() {
    let (_server, scim) = start().await;
    scim.post_user("ada").await;
    let grace = scim.post_user("grace").await;
    let path = format!("/Users/{}", grace["id"].as_str().expect("id"));

    let reply = scim
        .patch_ops(
            &path,
            json!([{"op": "replace", "path": "emails", "value": [{"value": "ada@EXAMPLE.com", "type": "work", "primary": true}]}]),
        )
        .await;

    assert_conflict(&reply, "email");
}

#[tokio::test]
async fn freed_user_name_reusable() {
    let (_server, scim) = start().await;
    let ada = scim.post_user("ada").await;
    let path = format!("/Users/{}", ada["id"].as_str().expect("id"));

    let renamed = scim
        .patch_ops(&path, json!([{"op": "replace", "path": "userName", "value": "countess@example.com"}]))
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);

    let reply = scim.post("/Users", &body("ada@example.com", "someone@example.com")).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
}

#[tokio::test]
async fn freed_email_reusable() {
    let (_server, scim) = start().await;
    let ada = scim.post_user("ada").await;
    let path = format!("/Users/{}", ada["id"].as_str().expect("id"));

    let changed = scim.put(&path, &body("ada@example.com", "lovelace@example.com")).await;
    assert_eq!(changed.status, 200, "{}", changed.text);

    let reply = scim.post("/Users", &body("someone", "ada@example.com")).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
}
