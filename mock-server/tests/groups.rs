//! Group rules: unique names across the organisation, org and site group
//! names, no renames, members from this directory only, and deletion.

mod common;

use common::{
    assert_scim_error, group_ids, groups_filter, is_microsecond_utc, is_uuid, member_ids, null_paths, start, start_seeded,
    start_with, Reply, Scim, ENTRA_DIRECTORY, GROUP_URN, OKTA_DIRECTORY,
};
use scim_mock::MockServer;
use serde_json::json;

/// The detail Atlassian returns for a PATCH naming a member it cannot find.
const MISSING_RESOURCE: &str = "The directory, group, or user does not exist";

/// Checks the 409 of a taken group name.
#[track_caller]
fn assert_name_taken(reply: &Reply) {
    assert_scim_error(reply, 409, Some("uniqueness"));
    assert_eq!(reply.detail(), "Resource [GROUP]: with displayName already exists.");
}

async fn group_count(scim: &Scim) -> u64 {
    scim.get("/Groups").await.body["totalResults"].as_u64().unwrap_or(u64::MAX)
}

#[tokio::test]
async fn create_returns_201_and_location() {
    let (server, scim) = start().await;

    let reply = scim.post("/Groups", &json!({"schemas": [GROUP_URN], "displayName": "Engineering"})).await;

    assert_eq!(reply.status, 201, "{}", reply.text);
    let expected = format!("{}/Groups/{}", server.base_url(), reply.id());
    assert_eq!(reply.header("location"), Some(expected.as_str()));
    assert_eq!(reply.body["meta"]["location"], json!(expected));
}

#[tokio::test]
async fn create_shape() {
    let (_server, scim) = start().await;

    let group = scim.post_group("Engineering").await;

    assert_eq!(group["schemas"], json!([GROUP_URN]));
    assert!(is_uuid(group["id"].as_str().unwrap_or_default()), "{group}");
    assert_eq!(group["displayName"], "Engineering");
    assert_eq!(group["members"], json!([]));
    assert_eq!(group["meta"]["resourceType"], "Group");
    assert!(is_microsecond_utc(group["meta"]["created"].as_str().unwrap_or_default()), "{group}");
    assert!(is_microsecond_utc(group["meta"]["lastModified"].as_str().unwrap_or_default()), "{group}");
    assert_eq!(null_paths(&group), Vec::<String>::new());
}

#[tokio::test]
async fn create_keeps_external_id() {
    let (_server, scim) = start().await;

    let reply = scim.post("/Groups", &json!({"displayName": "Engineering", "externalId": "00gEng"})).await;

    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.body["externalId"], "00gEng");
}

#[tokio::test]
async fn create_with_members() {
    let (server, scim) = start().await;
    let ada = scim.post_user("ada").await;
    let ada_id = ada["id"].as_str().expect("id");

    let reply = scim
        .post("/Groups", &json!({"displayName": "Engineering", "members": [{"value": ada_id, "display": "ignored"}]}))
        .await;

    assert_eq!(reply.status, 201, "{}", reply.text);
    let member = json!({
        "type": "User",
        "value": ada_id,
        "display": "ada@example.com",
        "$ref": format!("{}/Users/{ada_id}", server.base_url()),
    });
    assert_eq!(reply.body["members"], json!([member]));
}

#[tokio::test]
async fn member_sees_group() {
    let (server, scim) = start().await;
    let ada = scim.post_user("ada").await;
    let ada_id = ada["id"].as_str().expect("id");
    let group = scim.post_group("Engineering").await;
    let group_id = group["id"].as_str().expect("id");
    assert_eq!(scim.add_members(group_id, &[ada_id]).await.status, 200);

    let user = scim.get_user(ada_id).await;

    let entry = &user["groups"][0];
    assert_eq!(entry["value"], group_id);
    assert_eq!(entry["display"], "Engineering");
    assert_eq!(entry["$ref"], json!(format!("{}/Groups/{group_id}", server.base_url())));
    assert!(entry["type"].is_string(), "{entry}");
}

#[tokio::test]
async fn create_missing_name_is_400() {
    let (_server, scim) = start().await;

    for body in [json!({"schemas": [GROUP_URN]}), json!({"displayName": ""}), json!({"displayName": "  "})] {
        let reply = scim.post("/Groups", &body).await;
        assert_scim_error(&reply, 400, Some("invalidValue"));
    }
}

#[tokio::test]
async fn duplicate_name_is_409() {
    let (_server, scim) = start().await;
    scim.post_group("Engineering").await;

    let reply = scim.post("/Groups", &json!({"displayName": "Engineering"})).await;

    assert_name_taken(&reply);
}

#[tokio::test]
async fn duplicate_name_other_case_is_409() {
    let (_server, scim) = start().await;
    scim.post_group("Engineering").await;

    let reply = scim.post("/Groups", &json!({"displayName": "eNGINEERING"})).await;

    assert_name_taken(&reply);
    assert_eq!(group_count(&scim).await, 1);
}

#[tokio::test]
async fn duplicate_non_ascii_name_is_409() {
    let (_server, scim) = start().await;
    scim.post_group("Équipe Zürich").await;

    let reply = scim.post("/Groups", &json!({"displayName": "équipe zürich"})).await;

    assert_name_taken(&reply);
}

#[tokio::test]
async fn org_group_name_is_409() {
    let (_server, scim) = start_with(MockServer::builder().org_group("Finance")).await;

    let exact = scim.post("/Groups", &json!({"displayName": "Finance"})).await;
    let other_case = scim.post("/Groups", &json!({"displayName": "FINANCE"})).await;

    assert_name_taken(&exact);
    assert_name_taken(&other_case);
    assert_eq!(group_count(&scim).await, 0);
}

#[tokio::test]
async fn seeded_org_group_is_409() {
    let server = start_seeded().await;
    let okta = Scim::for_directory(&server, OKTA_DIRECTORY);

    let reply = okta.post("/Groups", &json!({"displayName": "acme-admins"})).await;

    assert_name_taken(&reply);
}

#[tokio::test]
async fn other_directory_group_is_409() {
    let server = start_seeded().await;
    let okta = Scim::for_directory(&server, OKTA_DIRECTORY);
    let entra = Scim::for_directory(&server, ENTRA_DIRECTORY);

    // Entra has a group "Platform" and Okta has "Engineering".
    let into_okta = okta.post("/Groups", &json!({"displayName": "platform"})).await;
    let into_entra = entra.post("/Groups", &json!({"displayName": "Engineering"})).await;

    assert_name_taken(&into_okta);
    assert_name_taken(&into_entra);
}

#[tokio::test]
async fn other_organisation_name_allowed() {
    let server = start_seeded().await;
    let scim = Scim::new(server.base_url(), server.token());

    // "Engineering" exists in the seeded organisation, not the default one.
    let reply = scim.post("/Groups", &json!({"displayName": "Engineering"})).await;

    assert_eq!(reply.status, 201, "{}", reply.text);
}

#[tokio::test]
async fn site_group_name_is_201() {
    let (_server, scim) = start().await;

    let reply = scim.post("/Groups", &json!({"displayName": "confluence-users"})).await;

    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.body["displayName"], "confluence-users");
}

#[tokio::test]
async fn site_group_name_audited() {
    let (server, scim) = start().await;

    let group = scim.post_group("confluence-users").await;

    let failures: Vec<_> = server
        .audit_events()
        .into_iter()
        .filter(|event| event.action == "group_propagation_failed")
        .collect();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].details()["displayName"], "confluence-users");
    assert_eq!(failures[0].details()["groupId"], group["id"]);
    assert_eq!(failures[0].details()["site"], scim_mock::seed::DEFAULT_SITE);
    assert_eq!(failures[0].directory_id, Some(server.directory_id()));
}

#[tokio::test]
async fn site_group_other_case_audited() {
    let (server, scim) = start().await;

    scim.post_group("Jira-Software-Users").await;

    let failed = server.audit_events().iter().any(|event| event.action == "group_propagation_failed");
    assert!(failed, "a site group name in another case must still fail to propagate");
}

#[tokio::test]
async fn ordinary_name_not_audited_as_failure() {
    let (server, scim) = start().await;

    scim.post_group("Engineering").await;

    let failed = server.audit_events().iter().any(|event| event.action == "group_propagation_failed");
    assert!(!failed);
}

#[tokio::test]
async fn rename_by_put_is_400() {
    let (_server, scim) = start().await;
    let group = scim.post_group("Engineering").await;
    let path = format!("/Groups/{}", group["id"].as_str().expect("id"));

    let reply = scim.put(&path, &json!({"schemas": [GROUP_URN], "displayName": "Research"})).await;

    assert_scim_error(&reply, 400, Some("mutability"));
    assert_eq!(scim.get(&path).await.body, group);
}

#[tokio::test]
async fn rename_by_patch_is_400() {
    let (_server, scim) = start().await;
    let group = scim.post_group("Engineering").await;
    let path = format!("/Groups/{}", group["id"].as_str().expect("id"));

    let reply = scim.patch_ops(&path, json!([{"op": "replace", "path": "displayName", "value": "Research"}])).await;

    assert_scim_error(&reply, 400, Some("mutability"));
    assert_eq!(scim.get(&path).await.body, group);
}

#[tokio::test]
async fn rename_by_pathless_patch_is_400() {
    let (_server, scim) = start().await;
    let group = scim.post_group("Engineering").await;
    let group_id = group["id"].as_str().expect("id");
    let path = format!("/Groups/{group_id}");

    let reply = scim
        .patch_ops(&path, json!([{"op": "replace", "value": {"id": group_id, "displayName": "Research"}}]))
        .await;

    assert_scim_error(&reply, 400, Some("mutability"));
    assert_eq!(scim.get(&path).await.body, group);
}

#[tokio::test]
async fn rename_with_member_add_changes_nothing() {
    let (_server, scim) = start().await;
    let ada = scim.post_user("ada").await;
    let group = scim.post_group("Engineering").await;
    let path = format!("/Groups/{}", group["id"].as_str().expect("id"));

    let reply = scim
        .patch_ops(
            &path,
            json!([
                {"op": "add", "path": "members", "value": [{"value": ada["id"]}]},
                {"op": "replace", "path": "displayName", "value": "Research"}
            ]),
        )
        .await;

    assert_scim_error(&reply, 400, Some("mutability"));
    assert_eq!(scim.get(&path).await.body["members"], json!([]));
}

#[tokio::test]
async fn rename_and_back_is_400() {
    let (_server, scim) = start().await;
    let group = scim.post_group("Engineering").await;
    let path = format!("/Groups/{}", group["id"].as_str().expect("id"));

    let reply = scim
        .patch_ops(
            &path,
            json!([
                {"op": "replace", "path": "displayName", "value": "Research"},
                {"op": "replace", "path": "displayName", "value": "Engineering"}
            ]),
        )
        .await;

    assert_scim_error(&reply, 400, Some("mutability"));
    assert_eq!(scim.get(&path).await.body, group);
}

#[tokio::test]
async fn same_name_patch_accepted() {
    let (_server, scim) = start().await;
    let group = scim.post_group("Engineering").await;
    let path = format!("/Groups/{}", group["id"].as_str().expect("id"));

    let reply = scim.patch_ops(&path, json!([{"op": "Replace", "path": "displayName", "value": "Engineering"}])).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["displayName"], "Engineering");
}

#[tokio::test]
async fn put_replaces_members() {
    let (_server, scim) = start().await;
    let ada = scim.post_user("ada").await;
    let grace = scim.post_user("grace").await;
    let group = scim.post_group("Engineering").await;
    let group_id = group["id"].as_str().expect("id");
    assert_eq!(scim.add_members(group_id, &[ada["id"].as_str().expect("id")]).await.status, 200);

    let reply = scim
        .put(
            &format!("/Groups/{group_id}"),
            &json!({"displayName": "Engineering", "externalId": "00gEng", "members": [{"value": grace["id"]}]}),
        )
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(member_ids(&reply.body), [grace["id"].as_str().expect("id")]);
    assert_eq!(reply.body["externalId"], "00gEng");
    assert_eq!(scim.get_user(ada["id"].as_str().expect("id")).await["groups"], json!([]));
    assert_eq!(group_ids(&scim.get_user(grace["id"].as_str().expect("id")).await), [group_id]);
}

#[tokio::test]
async fn put_unknown_member_is_400() {
    let (_server, scim) = start().await;
    let group = scim.post_group("Engineering").await;
    let path = format!("/Groups/{}", group["id"].as_str().expect("id"));

    let reply = scim
        .put(&path, &json!({"displayName": "Engineering", "members": [{"value": "00000000-0000-4000-8000-000000000000"}]}))
        .await;

    assert_scim_error(&reply, 400, Some("invalidValue"));
    assert_eq!(scim.get(&path).await.body, group);
}

#[tokio::test]
async fn patch_add_unknown_member_is_404() {
    let (_server, scim) = start().await;
    let group = scim.post_group("Engineering").await;
    let group_id = group["id"].as_str().expect("id");

    let reply = scim.add_members(group_id, &["00000000-0000-4000-8000-000000000000"]).await;

    assert_scim_error(&reply, 404, None);
    assert!(reply.detail().contains(MISSING_RESOURCE), "{}", reply.detail());
    assert_eq!(scim.get_group(group_id).await, group);
}

#[tokio::test]
async fn patch_add_non_uuid_member_is_404() {
    let (_server, scim) = start().await;
    let group = scim.post_group("Engineering").await;
    let group_id = group["id"].as_str().expect("id");

    let reply = scim.add_members(group_id, &["ada@example.com"]).await;

    assert_scim_error(&reply, 404, None);
    assert!(reply.detail().contains(MISSING_RESOURCE), "{}", reply.detail());
}

#[tokio::test]
async fn patch_add_known_and_unknown_adds_none() {
    let (_server, scim) = start().await;
    let ada = scim.post_user("ada").await;
    let group = scim.post_group("Engineering").await;
    let group_id = group["id"].as_str().expect("id");

    let reply = scim
        .add_members(group_id, &[ada["id"].as_str().expect("id"), "00000000-0000-4000-8000-000000000000"])
        .await;

    assert_scim_error(&reply, 404, None);
    assert_eq!(scim.get_group(group_id).await["members"], json!([]));
}

#[tokio::test]
async fn member_from_other_directory_is_404() {
    let server = start_seeded().await;
    let okta = Scim::for_directory(&server, OKTA_DIRECTORY);
    let entra = Scim::for_directory(&server, ENTRA_DIRECTORY);
    let barbara = entra.get(&common::users_filter("userName eq \"barbara.liskov@acme.example\"")).await;
    let barbara_id = barbara.body["Resources"][0]["id"].as_str().expect("seeded user id").to_owned();
    let group = okta.post_group("Okta Only").await;

    let reply = okta.add_members(group["id"].as_str().expect("id"), &[&barbara_id]).await;

    assert_scim_error(&reply, 404, None);
    assert!(reply.detail().contains(MISSING_RESOURCE), "{}", reply.detail());
}

#[tokio::test]
async fn add_existing_member_is_noop() {
    let (_server, scim) = start().await;
    let ada = scim.post_user("ada").await;
    let ada_id = ada["id"].as_str().expect("id");
    let group = scim.post_group("Engineering").await;
    let group_id = group["id"].as_str().expect("id");
    assert_eq!(scim.add_members(group_id, &[ada_id]).await.status, 200);

    let reply = scim.add_members(group_id, &[ada_id]).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(member_ids(&reply.body), [ada_id]);
    assert_eq!(group_ids(&scim.get_user(ada_id).await), [group_id]);
}

#[tokio::test]
async fn add_same_member_twice_in_one_request() {
    let (_server, scim) = start().await;
    let ada = scim.post_user("ada").await;
    let ada_id = ada["id"].as_str().expect("id");
    let group = scim.post_group("Engineering").await;

    let reply = scim.add_members(group["id"].as_str().expect("id"), &[ada_id, ada_id]).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(member_ids(&reply.body), [ada_id]);
}

#[tokio::test]
async fn delete_is_204() {
    let (_server, scim) = start().await;
    let group = scim.post_group("Engineering").await;
    let path = format!("/Groups/{}", group["id"].as_str().expect("id"));

    let reply = scim.delete(&path).await;

    assert_eq!(reply.status, 204);
    assert_eq!(reply.text, "");
    assert_scim_error(&scim.get(&path).await, 404, None);
    assert_scim_error(&scim.delete(&path).await, 404, None);
}

#[tokio::test]
async fn delete_removes_membership() {
    let (_server, scim) = start().await;
    let ada = scim.post_user("ada").await;
    let ada_id = ada["id"].as_str().expect("id");
    let engineering = scim.post_group("Engineering").await;
    let research = scim.post_group("Research").await;
    let engineering_id = engineering["id"].as_str().expect("id");
    let research_id = research["id"].as_str().expect("id");
    assert_eq!(scim.add_members(engineering_id, &[ada_id]).await.status, 200);
    assert_eq!(scim.add_members(research_id, &[ada_id]).await.status, 200);

    assert_eq!(scim.delete(&format!("/Groups/{engineering_id}")).await.status, 204);

    assert_eq!(group_ids(&scim.get_user(ada_id).await), [research_id]);
}

#[tokio::test]
async fn deleted_name_reusable() {
    let (_server, scim) = start().await;
    let group = scim.post_group("Engineering").await;
    assert_eq!(scim.delete(&format!("/Groups/{}", group["id"].as_str().expect("id"))).await.status, 204);

    let again = scim.post("/Groups", &json!({"displayName": "Engineering"})).await;

    assert_eq!(again.status, 201, "{}", again.text);
    assert_ne!(again.body["id"], group["id"]);
}

#[tokio::test]
async fn other_directory_group_is_404() {
    let server = start_seeded().await;
    let okta = Scim::for_directory(&server, OKTA_DIRECTORY);
    let entra = Scim::for_directory(&server, ENTRA_DIRECTORY);
    let found = okta.get(&groups_filter("displayName eq \"Engineering\"")).await;
    let group = found.body["Resources"][0].clone();
    let path = format!("/Groups/{}", group["id"].as_str().expect("seeded group id"));

    let get = entra.get(&path).await;
    let patch = entra.patch_ops(&path, json!([{"op": "remove", "path": "members"}])).await;
    let delete = entra.delete(&path).await;

    assert_scim_error(&get, 404, None);
    assert_scim_error(&patch, 404, None);
    assert_scim_error(&delete, 404, None);
    assert_eq!(okta.get(&path).await.body, group);
}

#[tokio::test]
async fn get_unknown_is_404() {
    let (_server, scim) = start().await;

    let reply = scim.get("/Groups/00000000-0000-4000-8000-000000000000").await;

    assert_scim_error(&reply, 404, None);
}

#[tokio::test]
async fn filter_by_display_name() {
    let (_server, scim) = start().await;
    let group = scim.post_group("Engineering").await;
    scim.post_group("Research").await;

    let reply = scim.get(&groups_filter("displayName eq \"engineering\"")).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["totalResults"], 1);
    assert_eq!(reply.body["Resources"][0], group);
}

#[tokio::test]
async fn patch_returns_full_group() {
    let (_server, scim) = start().await;
    let ada = scim.post_user("ada").await;
    let group = scim.post_group("Engineering").await;

    let reply = scim.add_members(group["id"].as_str().expect("id"), &[ada["id"].as_str().expect("id")]).await;

    assert_eq!(reply.status, 200, "PATCH must not respond with 204: {}", reply.text);
    assert_eq!(reply.body["displayName"], "Engineering");
    assert_eq!(reply.body["schemas"], json!([GROUP_URN]));
}
