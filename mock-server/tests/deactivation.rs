//! Deactivation through PUT and PATCH, reactivation, and DELETE, which
//! removes the SCIM record and deactivates the linked account.

mod common;

use common::{assert_scim_error, group_ids, member_ids, resource_ids, start, user_body, users_filter, Scim, EXTERNAL_URN};
use scim_mock::MockServer;
use serde_json::{json, Value};

/// A user in a group: returns the user's path, the user and the group id.
async fn member_of_group(scim: &Scim) -> (String, Value, String) {
    let user = scim.post_user("ada").await;
    let user_id = user["id"].as_str().expect("id").to_owned();
    let group = scim.post_group("Engineering").await;
    let group_id = group["id"].as_str().expect("id").to_owned();
    let added = scim.add_members(&group_id, &[&user_id]).await;
    assert_eq!(added.status, 200, "{}", added.text);
    (format!("/Users/{user_id}"), user, group_id)
}

/// Returns the account id a user is linked to.
fn account_id(user: &Value) -> Value {
    user[EXTERNAL_URN]["atlassianAccountId"].clone()
}

/// Returns the account actions (`account_created`, `account_deactivated`,
/// ...) the audit log recorded for one account, oldest first.
fn account_actions(server: &MockServer, account: &Value) -> Vec<String> {
    server
        .audit_events()
        .into_iter()
        .filter(|event| event.action.starts_with("account_") && event.details()["accountId"] == *account)
        .map(|event| event.action)
        .collect()
}

#[tokio::test]
async fn put_active_false_deactivates() {
    let (_server, scim) = start().await;
    let (path, _user, _group_id) = member_of_group(&scim).await;
    let mut body = user_body("ada");
    body["active"] = json!(false);

    let reply = scim.put(&path, &body).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["active"], false);
    assert_eq!(scim.get(&path).await.body["active"], false);
}

#[tokio::test]
async fn patch_path_deactivates() {
    let (_server, scim) = start().await;
    let (path, _user, _group_id) = member_of_group(&scim).await;

    let reply = scim.patch_ops(&path, json!([{"op": "replace", "path": "active", "value": false}])).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["active"], false);
}

#[tokio::test]
async fn patch_pathless_deactivates() {
    let (_server, scim) = start().await;
    let (path, _user, _group_id) = member_of_group(&scim).await;

    let reply = scim.patch_ops(&path, json!([{"op": "replace", "value": {"active": false}}])).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["active"], false);
}

#[tokio::test]
async fn patch_string_false_deactivates() {
    let (_server, scim) = start().await;
    let (path, _user, _group_id) = member_of_group(&scim).await;

    let reply = scim.patch_ops(&path, json!([{"op": "Replace", "path": "active", "value": "False"}])).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["active"], false, "active must be a JSON boolean");
}

#[tokio::test]
async fn put_string_false_deactivates() {
    let (_server, scim) = start().await;
    let (path, _user, _group_id) = member_of_group(&scim).await;
    let mut body = user_body("ada");
    body["active"] = json!("false");

    let reply = scim.put(&path, &body).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["active"], false);
}

#[tokio::test]
async fn deactivated_keeps_memberships() {
    let (_server, scim) = start().await;
    let (path, user, group_id) = member_of_group(&scim).await;

    let reply = scim.patch_ops(&path, json!([{"op": "replace", "path": "active", "value": false}])).await;

    assert_eq!(group_ids(&reply.body), [group_id.as_str()]);
    let group = scim.get_group(&group_id).await;
    assert_eq!(member_ids(&group), [user["id"].as_str().expect("id")]);
}

#[tokio::test]
async fn deactivated_stays_listed() {
    let (_server, scim) = start().await;
    let (path, user, _group_id) = member_of_group(&scim).await;
    scim.patch_ops(&path, json!([{"op": "replace", "path": "active", "value": false}])).await;

    let list = scim.get("/Users").await;
    let found = scim.get(&users_filter("userName eq \"ada@example.com\"")).await;

    assert_eq!(resource_ids(&list.body), [user["id"].as_str().expect("id")]);
    assert_eq!(found.body["totalResults"], 1, "{}", found.text);
    assert_eq!(found.body["Resources"][0]["active"], false);
}

#[tokio::test]
async fn deactivation_deactivates_account() {
    let (server, scim) = start().await;
    let (path, user, _group_id) = member_of_group(&scim).await;

    scim.patch_ops(&path, json!([{"op": "replace", "path": "active", "value": false}])).await;

    let actions = account_actions(&server, &account_id(&user));
    assert_eq!(actions.last().map(String::as_str), Some("account_deactivated"), "{actions:?}");
}

#[tokio::test]
async fn deactivation_keeps_account_link() {
    let (_server, scim) = start().await;
    let (path, user, _group_id) = member_of_group(&scim).await;

    let reply = scim.patch_ops(&path, json!([{"op": "replace", "path": "active", "value": false}])).await;

    assert_eq!(account_id(&reply.body), account_id(&user));
}

#[tokio::test]
async fn patch_active_true_reactivates() {
    let (server, scim) = start().await;
    let (path, user, group_id) = member_of_group(&scim).await;
    scim.patch_ops(&path, json!([{"op": "replace", "path": "active", "value": false}])).await;

    let reply = scim.patch_ops(&path, json!([{"op": "replace", "path": "active", "value": "True"}])).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["active"], true);
    assert_eq!(group_ids(&reply.body), [group_id]);
    let actions = account_actions(&server, &account_id(&user));
    assert_eq!(actions.last().map(String::as_str), Some("account_reactivated"), "{actions:?}");
}

#[tokio::test]
async fn put_active_true_reactivates() {
    let (_server, scim) = start().await;
    let (path, _user, _group_id) = member_of_group(&scim).await;
    scim.patch_ops(&path, json!([{"op": "replace", "path": "active", "value": false}])).await;
    let mut body = user_body("ada");
    body["active"] = json!(true);

    let reply = scim.put(&path, &body).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["active"], true);
}

#[tokio::test]
async fn put_without_active_keeps_it() {
    let (_server, scim) = start().await;
    let (path, _user, _group_id) = member_of_group(&scim).await;
    scim.patch_ops(&path, json!([{"op": "replace", "path": "active", "value": false}])).await;

    let reply = scim.put(&path, &user_body("ada")).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["active"], false);
}

#[tokio::test]
async fn create_inactive_user() {
    let (_server, scim) = start().await;
    let mut body = user_body("ada");
    body["active"] = json!(false);

    let user = scim.post_user_body(&body).await;

    assert_eq!(user["active"], false);
}

#[tokio::test]
async fn delete_is_204_empty() {
    let (_server, scim) = start().await;
    let (path, _user, _group_id) = member_of_group(&scim).await;

    let reply = scim.delete(&path).await;

    assert_eq!(reply.status, 204);
    assert_eq!(reply.text, "");
}

#[tokio::test]
async fn deleted_user_is_404() {
    let (_server, scim) = start().await;
    let (path, _user, _group_id) = member_of_group(&scim).await;
    assert_eq!(scim.delete(&path).await.status, 204);

    let get = scim.get(&path).await;
    let put = scim.put(&path, &user_body("ada")).await;
    let patch = scim.patch_ops(&path, json!([{"op": "replace", "path": "active", "value": true}])).await;
    let delete = scim.delete(&path).await;

    assert_scim_error(&get, 404, None);
    assert_scim_error(&put, 404, None);
    assert_scim_error(&patch, 404, None);
    assert_scim_error(&delete, 404, None);
}

#[tokio::test]
async fn deleted_user_leaves_lists() {
    let (_server, scim) = start().await;
    let (path, _user, _group_id) = member_of_group(&scim).await;
    assert_eq!(scim.delete(&path).await.status, 204);

    let list = scim.get("/Users").await;
    let found = scim.get(&users_filter("userName eq \"ada@example.com\"")).await;

    assert_eq!(list.body["totalResults"], 0, "{}", list.text);
    assert_eq!(found.body["totalResults"], 0, "{}", found.text);
}

#[tokio::test]
async fn deleted_user_leaves_group() {
    let (_server, scim) = start().await;
    let (path, _user, group_id) = member_of_group(&scim).await;
    assert_eq!(scim.delete(&path).await.status, 204);

    let group = scim.get_group(&group_id).await;

    assert_eq!(group["members"], json!([]));
}

#[tokio::test]
async fn delete_deactivates_account() {
    let (server, scim) = start().await;
    let (path, user, _group_id) = member_of_group(&scim).await;

    assert_eq!(scim.delete(&path).await.status, 204);

    let actions = account_actions(&server, &account_id(&user));
    assert!(actions.iter().any(|action| action == "account_deactivated"), "{actions:?}");
}

#[tokio::test]
async fn recreate_gets_new_id() {
    let (_server, scim) = start().await;
    let (path, user, _group_id) = member_of_group(&scim).await;
    assert_eq!(scim.delete(&path).await.status, 204);

    let again = scim.post_user("ada").await;

    assert_ne!(again["id"], user["id"]);
    assert_eq!(again["groups"], json!([]));
    assert_eq!(again["active"], true);
}

#[tokio::test]
async fn recreate_keeps_account_id() {
    let (server, scim) = start().await;
    let (path, user, _group_id) = member_of_group(&scim).await;
    assert_eq!(scim.delete(&path).await.status, 204);

    let again = scim.post_user("ada").await;

    assert_eq!(account_id(&again), account_id(&user));
    let actions = account_actions(&server, &account_id(&user));
    assert_eq!(actions.last().map(String::as_str), Some("account_reactivated"), "{actions:?}");
}

#[tokio::test]
async fn recreate_other_case_keeps_account_id() {
    let (_server, scim) = start().await;
    let (path, user, _group_id) = member_of_group(&scim).await;
    assert_eq!(scim.delete(&path).await.status, 204);

    let again = scim.post_user("ADA@Example.com").await;

    assert_eq!(account_id(&again), account_id(&user));
}

#[tokio::test]
async fn deleted_id_stays_gone_after_recreate() {
    let (_server, scim) = start().await;
    let (path, _user, _group_id) = member_of_group(&scim).await;
    assert_eq!(scim.delete(&path).await.status, 204);
    scim.post_user("ada").await;

    let reply = scim.get(&path).await;

    assert_scim_error(&reply, 404, None);
}
