//! The admin endpoints, which take the org API key: SCIM links of an
//! account or an email, unlinking a user, and removing an account's SCIM
//! records from every directory.

mod common;

use common::{assert_auth_error, assert_scim_error, start, start_seeded, user_body, Reply, Scim, ACME_ORG, ENTRA_DIRECTORY, EXTERNAL_URN, OKTA_DIRECTORY};
use reqwest::Method;
use scim_mock::MockServer;
use serde_json::{json, Value};

/// A client for the admin endpoints of one organisation.
struct Admin {
    scim: Scim,
    org_id: String,
}

impl Admin {
    /// Creates a client for the server's default organisation.
    fn for_default(server: &MockServer) -> Admin {
        Admin::new(server, &server.org_id().to_string(), &server.org_token())
    }

    fn new(server: &MockServer, org_id: &str, token: &str) -> Admin {
        let base = format!("{}/admin/user-provisioning/v1/org/{org_id}", server.url());
        Admin {
            scim: Scim::new(base, token),
            org_id: org_id.to_owned(),
        }
    }

    async fn links(&self, account_id: &str) -> Reply {
        self.scim.get(&format!("/user/{account_id}/get-scim-links")).await
    }

    async fn links_for_email(&self, email: &str) -> Reply {
        self.scim.post("/get-scim-links-for-email", &json!({"email": email})).await
    }

    async fn unlink(&self, directory_id: &str, user_id: &str) -> Reply {
        let path = format!("/scimDirectoryId/{directory_id}/scimUserId/{user_id}/unlink");
        self.scim.send(self.scim.request(Method::PATCH, &path)).await
    }

    async fn delete_records(&self, account_id: &str) -> Reply {
        self.scim.delete(&format!("/user/{account_id}/onlyDeleteUserInDB")).await
    }
}

/// Returns the account id a user is linked to.
fn account_id(user: &Value) -> String {
    user[EXTERNAL_URN]["atlassianAccountId"].as_str().expect("a linked account id").to_owned()
}

/// Returns the SCIM user ids of a `scimLinks` body, sorted.
fn linked_users(body: &Value) -> Vec<String> {
    let mut ids: Vec<String> = body["scimLinks"]
        .as_array()
        .map(|links| links.iter().filter_map(|link| link["scimUserId"].as_str()).map(str::to_owned).collect())
        .unwrap_or_default();
    ids.sort();
    ids
}

#[tokio::test]
async fn scim_links_shape() {
    let (server, scim) = start().await;
    let admin = Admin::for_default(&server);
    let user = scim.post_user("ada").await;
    let account = account_id(&user);

    let reply = admin.links(&account).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    let expected = json!({"scimLinks": [{
        "scimUserId": user["id"],
        "atlassianAccountId": account,
        "orgId": admin.org_id,
        "directoryId": server.directory_id().to_string(),
    }]});
    assert_eq!(reply.body, expected);
}

#[tokio::test]
async fn scim_links_unknown_account_empty() {
    let (server, scim) = start().await;
    let admin = Admin::for_default(&server);
    scim.post_user("ada").await;

    let reply = admin.links("ffffffffffffffffffffffff").await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body, json!({"scimLinks": []}));
}

#[tokio::test]
async fn scim_links_for_email() {
    let (server, scim) = start().await;
    let admin = Admin::for_default(&server);
    let user = scim.post_user("ada").await;
    scim.post_user("grace").await;

    let reply = admin.links_for_email("ada@example.com").await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(linked_users(&reply.body), [user["id"].as_str().expect("id")]);
    assert_eq!(reply.body["scimLinks"][0]["atlassianAccountId"], json!(account_id(&user)));
}

#[tokio::test]
async fn scim_links_for_email_any_case() {
    let (server, scim) = start().await;
    let admin = Admin::for_default(&server);
    let user = scim.post_user("ada").await;

    let reply = admin.links_for_email("ADA@Example.com").await;

    assert_eq!(linked_users(&reply.body), [user["id"].as_str().expect("id")]);
}

#[tokio::test]
async fn scim_links_for_unknown_email() {
    let (server, _scim) = start().await;
    let admin = Admin::for_default(&server);

    let reply = admin.links_for_email("nobody@example.com").await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body, json!({"scimLinks": []}));
}

#[tokio::test]
async fn scim_links_for_email_requires_email() {
    let (server, _scim) = start().await;
    let admin = Admin::for_default(&server);

    let missing = admin.scim.post("/get-scim-links-for-email", &json!({})).await;
    let blank = admin.links_for_email(" ").await;

    assert_scim_error(&missing, 400, Some("invalidValue"));
    assert_scim_error(&blank, 400, Some("invalidValue"));
}

#[tokio::test]
async fn links_span_directories() {
    let server = start_seeded().await;
    let admin = Admin::new(&server, ACME_ORG.0, ACME_ORG.1);
    let okta = Scim::for_directory(&server, OKTA_DIRECTORY);
    let entra = Scim::for_directory(&server, ENTRA_DIRECTORY);
    let in_okta = okta.post_user("kay@acme.example").await;
    let in_entra = entra.post_user("kay@acme.example").await;

    let reply = admin.links(&account_id(&in_okta)).await;

    assert_eq!(account_id(&in_okta), account_id(&in_entra), "one email is one account");
    let mut expected = vec![
        in_okta["id"].as_str().expect("id").to_owned(),
        in_entra["id"].as_str().expect("id").to_owned(),
    ];
    expected.sort();
    assert_eq!(linked_users(&reply.body), expected);
}

#[tokio::test]
async fn unlink_is_204() {
    let (server, scim) = start().await;
    let admin = Admin::for_default(&server);
    let user = scim.post_user("ada").await;

    let reply = admin.unlink(&server.directory_id().to_string(), user["id"].as_str().expect("id")).await;

    assert_eq!(reply.status, 204, "{}", reply.text);
    assert_eq!(reply.text, "");
}

#[tokio::test]
async fn unlinked_user_has_no_account() {
    let (server, scim) = start().await;
    let admin = Admin::for_default(&server);
    let user = scim.post_user("ada").await;
    let user_id = user["id"].as_str().expect("id");
    assert_eq!(admin.unlink(&server.directory_id().to_string(), user_id).await.status, 204);

    let after = scim.get_user(user_id).await;

    assert!(after.get(EXTERNAL_URN).is_none(), "{after}");
    let schemas = after["schemas"].as_array().cloned().unwrap_or_default();
    assert!(!schemas.contains(&json!(EXTERNAL_URN)), "{schemas:?}");
    assert_eq!(after["userName"], "ada@example.com");
    assert_eq!(common::null_paths(&after), Vec::<String>::new());
}

#[tokio::test]
async fn unlinked_user_leaves_links() {
    let (server, scim) = start().await;
    let admin = Admin::for_default(&server);
    let user = scim.post_user("ada").await;
    let account = account_id(&user);
    assert_eq!(admin.unlink(&server.directory_id().to_string(), user["id"].as_str().expect("id")).await.status, 204);

    let reply = admin.links(&account).await;

    assert_eq!(reply.body, json!({"scimLinks": []}));
}

#[tokio::test]
async fn unlinked_user_still_editable() {
    let (server, scim) = start().await;
    let admin = Admin::for_default(&server);
    let user = scim.post_user("ada").await;
    let user_id = user["id"].as_str().expect("id");
    assert_eq!(admin.unlink(&server.directory_id().to_string(), user_id).await.status, 204);

    let patched = scim
        .patch_ops(&format!("/Users/{user_id}"), json!([{"op": "replace", "path": "active", "value": false}]))
        .await;
    let put = scim.put(&format!("/Users/{user_id}"), &user_body("ada")).await;

    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(put.status, 200, "{}", put.text);
    assert!(put.body.get(EXTERNAL_URN).is_none(), "PUT must not relink: {}", put.text);
}

#[tokio::test]
async fn unlink_unknown_user_is_404() {
    let (server, _scim) = start().await;
    let admin = Admin::for_default(&server);

    let unknown = admin.unlink(&server.directory_id().to_string(), "00000000-0000-4000-8000-000000000000").await;
    let malformed = admin.unlink(&server.directory_id().to_string(), "not-a-user").await;

    assert_scim_error(&unknown, 404, None);
    assert_scim_error(&malformed, 404, None);
}

#[tokio::test]
async fn unlink_other_org_directory_is_404() {
    let server = start_seeded().await;
    let admin = Admin::for_default(&server);
    let okta = Scim::for_directory(&server, OKTA_DIRECTORY);
    let ada = okta.get(&common::users_filter("userName eq \"ada.lovelace@acme.example\"")).await;
    let ada_id = ada.body["Resources"][0]["id"].as_str().expect("seeded user").to_owned();

    let reply = admin.unlink(OKTA_DIRECTORY.0, &ada_id).await;

    assert_scim_error(&reply, 404, None);
    assert!(okta.get_user(&ada_id).await.get(EXTERNAL_URN).is_some());
}

#[tokio::test]
async fn delete_records_is_204() {
    let (server, scim) = start().await;
    let admin = Admin::for_default(&server);
    let user = scim.post_user("ada").await;

    let reply = admin.delete_records(&account_id(&user)).await;

    assert_eq!(reply.status, 204, "{}", reply.text);
    assert_eq!(reply.text, "");
}

#[tokio::test]
async fn deleted_records_are_gone() {
    let (server, scim) = start().await;
    let admin = Admin::for_default(&server);
    let user = scim.post_user("ada").await;
    let user_id = user["id"].as_str().expect("id");
    let other = scim.post_user("grace").await;
    let group = scim.post_group("Engineering").await;
    let group_id = group["id"].as_str().expect("id");
    assert_eq!(scim.add_members(group_id, &[user_id, other["id"].as_str().expect("id")]).await.status, 200);

    assert_eq!(admin.delete_records(&account_id(&user)).await.status, 204);

    assert_scim_error(&scim.get(&format!("/Users/{user_id}")).await, 404, None);
    assert_eq!(common::resource_ids(&scim.get("/Users").await.body), [other["id"].as_str().expect("id")]);
    assert_eq!(common::member_ids(&scim.get_group(group_id).await), [other["id"].as_str().expect("id")]);
    assert_eq!(admin.links(&account_id(&user)).await.body, json!({"scimLinks": []}));
}

#[tokio::test]
async fn delete_records_every_directory() {
    let server = start_seeded().await;
    let admin = Admin::new(&server, ACME_ORG.0, ACME_ORG.1);
    let okta = Scim::for_directory(&server, OKTA_DIRECTORY);
    let entra = Scim::for_directory(&server, ENTRA_DIRECTORY);
    let in_okta = okta.post_user("kay@acme.example").await;
    let in_entra = entra.post_user("kay@acme.example").await;

    let reply = admin.delete_records(&account_id(&in_okta)).await;

    assert_eq!(reply.status, 204, "{}", reply.text);
    assert_scim_error(&okta.get(&format!("/Users/{}", in_okta["id"].as_str().expect("id"))).await, 404, None);
    assert_scim_error(&entra.get(&format!("/Users/{}", in_entra["id"].as_str().expect("id"))).await, 404, None);
}

#[tokio::test]
async fn deleted_records_can_return() {
    let (server, scim) = start().await;
    let admin = Admin::for_default(&server);
    let user = scim.post_user("ada").await;
    assert_eq!(admin.delete_records(&account_id(&user)).await.status, 204);

    let again = scim.post("/Users", &user_body("ada")).await;

    assert_eq!(again.status, 201, "{}", again.text);
    assert_ne!(again.body["id"], user["id"]);
}

#[tokio::test]
async fn delete_records_unknown_account_is_404() {
    let (server, _scim) = start().await;
    let admin = Admin::for_default(&server);

    let reply = admin.delete_records("ffffffffffffffffffffffff").await;

    assert_scim_error(&reply, 404, None);
}

#[tokio::test]
async fn directory_key_is_403() {
    let (server, scim) = start().await;
    let admin = Admin::new(&server, &server.org_id().to_string(), &scim.token);
    let user = scim.post_user("ada").await;

    let links = admin.links(&account_id(&user)).await;
    let deleted = admin.delete_records(&account_id(&user)).await;

    assert_auth_error(&links, 403);
    assert_auth_error(&deleted, 403);
    assert_eq!(scim.get_user(user["id"].as_str().expect("id")).await["id"], user["id"]);
}

#[tokio::test]
async fn other_org_key_is_403() {
    let server = start_seeded().await;
    let admin = Admin::new(&server, &server.org_id().to_string(), ACME_ORG.1);

    let reply = admin.links_for_email("ada@example.com").await;

    assert_auth_error(&reply, 403);
}

#[tokio::test]
async fn wrong_key_is_403() {
    let (server, scim) = start().await;
    let admin = Admin::new(&server, &server.org_id().to_string(), "wrong-key");
    let user = scim.post_user("ada").await;

    let reply = admin.unlink(&server.directory_id().to_string(), user["id"].as_str().expect("id")).await;

    assert_auth_error(&reply, 403);
    assert!(scim.get_user(user["id"].as_str().expect("id")).await.get(EXTERNAL_URN).is_some());
}

#[tokio::test]
async fn missing_key_is_401() {
    let (server, _scim) = start().await;
    let admin = Admin::for_default(&server);

    let reply = admin.scim.send(admin.scim.http.get(admin.scim.url("/user/ffffffffffffffffffffffff/get-scim-links"))).await;

    assert_auth_error(&reply, 401);
}

#[tokio::test]
async fn unknown_org_is_404() {
    let (server, _scim) = start().await;
    let admin = Admin::new(&server, "00000000-0000-4000-8000-000000000000", &server.org_token());

    let reply = admin.links("ffffffffffffffffffffffff").await;

    assert_scim_error(&reply, 404, None);
}

#[tokio::test]
async fn unknown_admin_path_is_404() {
    let (server, _scim) = start().await;
    let admin = Admin::for_default(&server);

    let reply = admin.scim.get("/users").await;

    assert_scim_error(&reply, 404, None);
}
