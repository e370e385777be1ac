//! PATCH as identity providers send it: Okta and Microsoft Entra request
//! shapes, every path form, member operations on groups, boolean strings
//! and atomicity.

mod common;

use common::{assert_scim_error, member_ids, start, Scim, ENTERPRISE_URN, PATCH_OP_URN, USER_URN};
use serde_json::{json, Value};

/// Creates a user with a name, a work email and a work phone, and returns
/// its path and body.
async fn rich_user(scim: &Scim) -> (String, Value) {
    let user = scim
        .post_user_body(&json!({
            "schemas": [USER_URN],
            "userName": "ada@example.com",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "title": "Analyst",
            "emails": [{"value": "ada@example.com", "type": "work", "primary": true}],
            "phoneNumbers": [{"value": "+44 20 7946 0001", "type": "work"}],
            ENTERPRISE_URN: {"department": "Research"}
        }))
        .await;
    let path = format!("/Users/{}", user["id"].as_str().expect("id"));
    (path, user)
}

/// Creates a group holding `count` new users; returns its path and the user ids.
async fn group_with_members(scim: &Scim, count: usize) -> (String, Vec<String>) {
    let mut ids = Vec::new();
    for index in 0..count {
        let user = scim.post_user(&format!("member{index}")).await;
        ids.push(user["id"].as_str().expect("id").to_owned());
    }
    let group = scim.post_group("Engineering").await;
    let group_id = group["id"].as_str().expect("id").to_owned();
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    if !id_refs.is_empty() {
        let added = scim.add_members(&group_id, &id_refs).await;
        assert_eq!(added.status, 200, "{}", added.text);
    }
    (format!("/Groups/{group_id}"), ids)
}

/// Sends a PATCH and returns the body, failing the test unless it is 200.
async fn patch_ok(scim: &Scim, path: &str, body: Value) -> Value {
    let reply = scim.patch(path, &body).await;
    assert_eq!(reply.status, 200, "PATCH {body}: {}", reply.text);
    reply.body
}

#[tokio::test]
async fn okta_pathless_deactivate() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let body = json!({
        "schemas": [PATCH_OP_URN],
        "Operations": [{"op": "replace", "value": {"active": false}}]
    });
    let user = patch_ok(&scim, &path, body).await;

    assert_eq!(user["active"], false);
}

#[tokio::test]
async fn okta_group_member_add() {
    let (_server, scim) = start().await;
    let (path, _ids) = group_with_members(&scim, 0).await;
    let ada = scim.post_user("ada").await;

    let body = json!({
        "schemas": [PATCH_OP_URN],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": ada["id"], "display": "ada@example.com"}]}]
    });
    let group = patch_ok(&scim, &path, body).await;

    assert_eq!(member_ids(&group), [ada["id"].as_str().expect("id")]);
}

#[tokio::test]
async fn okta_group_member_remove_filter() {
    let (_server, scim) = start().await;
    let (path, ids) = group_with_members(&scim, 2).await;

    let body = json!({
        "schemas": [PATCH_OP_URN],
        "Operations": [{"op": "remove", "path": format!("members[value eq \"{}\"]", ids[0])}]
    });
    let group = patch_ok(&scim, &path, body).await;

    assert_eq!(member_ids(&group), [ids[1].clone()]);
    assert_eq!(scim.get_user(&ids[0]).await["groups"], json!([]));
}

#[tokio::test]
async fn okta_group_pathless_same_name() {
    let (_server, scim) = start().await;
    let (path, ids) = group_with_members(&scim, 1).await;
    let group_id = path.trim_start_matches("/Groups/");

    let body = json!({
        "schemas": [PATCH_OP_URN],
        "Operations": [{"op": "replace", "value": {"id": group_id, "displayName": "Engineering"}}]
    });
    let group = patch_ok(&scim, &path, body).await;

    assert_eq!(group["displayName"], "Engineering");
    assert_eq!(member_ids(&group), ids);
}

#[tokio::test]
async fn entra_replace_active_string() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let body = json!({
        "schemas": [PATCH_OP_URN],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}]
    });
    let user = patch_ok(&scim, &path, body).await;

    assert_eq!(user["active"], false);
}

#[tokio::test]
async fn entra_multiple_operations() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let body = json!({
        "schemas": [PATCH_OP_URN],
        "Operations": [
            {"op": "Replace", "path": "displayName", "value": "Ada Lovelace"},
            {"op": "Replace", "path": "name.givenName", "value": "Augusta"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "augusta@example.com"},
            {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+44 7700 900001"},
            {"op": "Replace", "path": format!("{ENTERPRISE_URN}:department"), "value": "Mathematics"}
        ]
    });
    let user = patch_ok(&scim, &path, body).await;

    assert_eq!(user["displayName"], "Ada Lovelace");
    assert_eq!(user["name"], json!({"givenName": "Augusta", "familyName": "Lovelace"}));
    assert_eq!(user["emails"], json!([{"value": "augusta@example.com", "type": "work", "primary": true}]));
    assert_eq!(user[ENTERPRISE_URN]["department"], "Mathematics");
    let mobile: Vec<&Value> = user["phoneNumbers"]
        .as_array()
        .map(|phones| phones.iter().filter(|phone| phone["type"] == "mobile").collect())
        .unwrap_or_default();
    assert_eq!(mobile, [&json!({"type": "mobile", "value": "+44 7700 900001"})]);
}

#[tokio::test]
async fn entra_group_member_add() {
    let (_server, scim) = start().await;
    let (path, _ids) = group_with_members(&scim, 0).await;
    let ada = scim.post_user("ada").await;

    let body = json!({
        "schemas": [PATCH_OP_URN],
        "Operations": [{"op": "Add", "path": "members", "value": [{"value": ada["id"]}]}]
    });
    let group = patch_ok(&scim, &path, body).await;

    assert_eq!(member_ids(&group), [ada["id"].as_str().expect("id")]);
}

#[tokio::test]
async fn entra_group_member_remove_value() {
    let (_server, scim) = start().await;
    let (path, ids) = group_with_members(&scim, 3).await;

    let body = json!({
        "schemas": [PATCH_OP_URN],
        "Operations": [{"op": "Remove", "path": "members", "value": [{"value": ids[1]}]}]
    });
    let group = patch_ok(&scim, &path, body).await;

    assert_eq!(member_ids(&group), [ids[0].clone(), ids[2].clone()]);
}

#[tokio::test]
async fn lowercase_operations_key() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let body = json!({
        "schemas": [PATCH_OP_URN],
        "operations": [{"op": "replace", "path": "title", "value": "Countess"}]
    });
    let user = patch_ok(&scim, &path, body).await;

    assert_eq!(user["title"], "Countess");
}

#[tokio::test]
async fn missing_schemas_accepted() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let user = patch_ok(&scim, &path, json!({"Operations": [{"op": "replace", "path": "title", "value": "Countess"}]})).await;

    assert_eq!(user["title"], "Countess");
}

#[tokio::test]
async fn op_names_any_case() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    for (op, title) in [("Add", "a"), ("REPLACE", "b"), ("rEpLaCe", "c"), ("ADD", "d")] {
        let user = patch_ok(&scim, &path, common::patch_body(json!([{"op": op, "path": "title", "value": title}]))).await;
        assert_eq!(user["title"], title, "op {op}");
    }
    let user = patch_ok(&scim, &path, common::patch_body(json!([{"op": "REMOVE", "path": "title"}]))).await;
    assert!(user.get("title").is_none(), "{user}");
}

#[tokio::test]
async fn pathless_dotted_keys() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let user = patch_ok(
        &scim,
        &path,
        common::patch_body(json!([{"op": "replace", "value": {"name.givenName": "Augusta", "title": "Countess"}}])),
    )
    .await;

    assert_eq!(user["name"], json!({"givenName": "Augusta", "familyName": "Lovelace"}));
    assert_eq!(user["title"], "Countess");
}

#[tokio::test]
async fn pathless_urn_keys() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let user = patch_ok(
        &scim,
        &path,
        common::patch_body(json!([{
            "op": "replace",
            "value": {
                format!("{ENTERPRISE_URN}:department"): "Mathematics",
                format!("{ENTERPRISE_URN}:organization"): "Acme",
                format!("{USER_URN}:title"): "Countess"
            }
        }])),
    )
    .await;

    assert_eq!(user[ENTERPRISE_URN], json!({"department": "Mathematics", "organization": "Acme"}));
    assert_eq!(user["title"], "Countess");
}

#[tokio::test]
async fn pathless_extension_object() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let user = patch_ok(
        &scim,
        &path,
        common::patch_body(json!([{"op": "add", "value": {ENTERPRISE_URN: {"organization": "Acme"}}}])),
    )
    .await;

    assert_eq!(user[ENTERPRISE_URN]["organization"], "Acme");
    assert_eq!(user[ENTERPRISE_URN]["department"], "Research", "add must merge into the extension");
}

#[tokio::test]
async fn pathless_add_keeps_other_attributes() {
    let (_server, scim) = start().await;
    let (path, before) = rich_user(&scim).await;

    let user = patch_ok(&scim, &path, common::patch_body(json!([{"op": "add", "value": {"nickName": "Ada"}}]))).await;

    assert_eq!(user["nickName"], "Ada");
    assert_eq!(user["title"], before["title"]);
    assert_eq!(user["name"], before["name"]);
    assert_eq!(user["emails"], before["emails"]);
}

#[tokio::test]
async fn sub_attribute_path() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let user = patch_ok(
        &scim,
        &path,
        common::patch_body(json!([{"op": "replace", "path": "name.familyName", "value": "King"}])),
    )
    .await;

    assert_eq!(user["name"], json!({"givenName": "Ada", "familyName": "King"}));
}

#[tokio::test]
async fn urn_path() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let user = patch_ok(
        &scim,
        &path,
        common::patch_body(json!([{"op": "add", "path": format!("{ENTERPRISE_URN}:organization"), "value": "Acme"}])),
    )
    .await;

    assert_eq!(user[ENTERPRISE_URN], json!({"department": "Research", "organization": "Acme"}));
}

#[tokio::test]
async fn value_filter_updates_match() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let user = patch_ok(
        &scim,
        &path,
        common::patch_body(json!([{"op": "replace", "path": "phoneNumbers[type eq \"work\"].value", "value": "+44 20 7946 0002"}])),
    )
    .await;

    assert_eq!(user["phoneNumbers"], json!([{"value": "+44 20 7946 0002", "type": "work"}]));
}

#[tokio::test]
async fn value_filter_creates_element() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let user = patch_ok(
        &scim,
        &path,
        common::patch_body(json!([{"op": "replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+44 7700 900001"}])),
    )
    .await;

    let phones = user["phoneNumbers"].as_array().cloned().unwrap_or_default();
    assert_eq!(phones.len(), 2, "{phones:?}");
    assert!(phones.contains(&json!({"value": "+44 20 7946 0001", "type": "work"})), "{phones:?}");
    assert!(phones.contains(&json!({"value": "+44 7700 900001", "type": "mobile"})), "{phones:?}");
}

#[tokio::test]
async fn value_filter_creates_first_element() {
    let (_server, scim) = start().await;
    let user = scim.post_user("ada").await;
    let path = format!("/Users/{}", user["id"].as_str().expect("id"));

    let user = patch_ok(
        &scim,
        &path,
        common::patch_body(json!([{"op": "add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+44 7700 900001"}])),
    )
    .await;

    assert_eq!(user["phoneNumbers"], json!([{"type": "mobile", "value": "+44 7700 900001"}]));
}

#[tokio::test]
async fn value_filter_remove_no_match() {
    let (_server, scim) = start().await;
    let (path, before) = rich_user(&scim).await;

    let user = patch_ok(
        &scim,
        &path,
        common::patch_body(json!([{"op": "remove", "path": "phoneNumbers[type eq \"fax\"]"}])),
    )
    .await;

    assert_eq!(user["phoneNumbers"], before["phoneNumbers"]);
}

#[tokio::test]
async fn value_filter_remove_match() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let user = patch_ok(
        &scim,
        &path,
        common::patch_body(json!([{"op": "remove", "path": "phoneNumbers[type eq \"work\"]"}])),
    )
    .await;

    assert!(user.get("phoneNumbers").is_none(), "{user}");
}

#[tokio::test]
async fn remove_simple_attribute() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let user = patch_ok(&scim, &path, common::patch_body(json!([{"op": "remove", "path": "title"}]))).await;

    assert!(user.get("title").is_none(), "{user}");
    assert_eq!(common::null_paths(&user), Vec::<String>::new());
}

#[tokio::test]
async fn replace_with_null_clears() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let user = patch_ok(&scim, &path, common::patch_body(json!([{"op": "replace", "path": "title", "value": null}]))).await;

    assert!(user.get("title").is_none(), "{user}");
}

#[tokio::test]
async fn boolean_strings_any_case() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    for (text, expected) in [("false", false), ("TRUE", true), ("False", false), ("true", true), ("fAlSe", false)] {
        let user = patch_ok(&scim, &path, common::patch_body(json!([{"op": "replace", "path": "active", "value": text}]))).await;
        assert_eq!(user["active"], expected, "value {text:?}");
    }
}

#[tokio::test]
async fn other_boolean_string_is_400() {
    let (_server, scim) = start().await;
    let (path, before) = rich_user(&scim).await;

    for text in ["yes", "0", "", "Falsey"] {
        let reply = scim
            .patch_ops(&path, json!([{"op": "replace", "path": "active", "value": text}]))
            .await;
        assert_scim_error(&reply, 400, Some("invalidValue"));
    }
    assert_eq!(scim.get(&path).await.body, before);
}

#[tokio::test]
async fn pathless_boolean_string() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let user = patch_ok(&scim, &path, common::patch_body(json!([{"op": "replace", "value": {"active": "False"}}]))).await;

    assert_eq!(user["active"], false);
}

#[tokio::test]
async fn primary_email_string_boolean() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let user = patch_ok(
        &scim,
        &path,
        common::patch_body(json!([{
            "op": "replace",
            "path": "emails",
            "value": [{"value": "ada@example.com", "type": "work", "primary": "True"}]
        }])),
    )
    .await;

    assert_eq!(user["emails"][0]["primary"], true);
}

#[tokio::test]
async fn missing_operations_is_400() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let reply = scim.patch(&path, &json!({"schemas": [PATCH_OP_URN]})).await;

    assert_scim_error(&reply, 400, Some("invalidSyntax"));
}

#[tokio::test]
async fn empty_operations_is_400() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let reply = scim.patch_ops(&path, json!([])).await;

    assert_scim_error(&reply, 400, Some("invalidSyntax"));
}

#[tokio::test]
async fn unknown_op_is_400() {
    let (_server, scim) = start().await;
    let (path, before) = rich_user(&scim).await;

    for op in ["frobnicate", "move", "copy", "test", ""] {
        let reply = scim.patch_ops(&path, json!([{"op": op, "path": "title", "value": "x"}])).await;
        assert_scim_error(&reply, 400, Some("invalidSyntax"));
    }
    assert_eq!(scim.get(&path).await.body, before);
}

#[tokio::test]
async fn missing_op_is_400() {
    let (_server, scim) = start().await;
    let (path, _user) = rich_user(&scim).await;

    let reply = scim.patch_ops(&path, json!([{"path": "title", "value": "x"}])).await;

    assert_scim_error(&reply, 400, Some("invalidSyntax"));
}

#[tokio::test]
async fn unknown_op_on_group_is_400() {
    let (_server, scim) = start().await;
    let (path, _ids) = group_with_members(&scim, 1).await;

    let reply = scim.patch_ops(&path, json!([{"op": "merge", "path": "members", "value": []}])).await;

    assert_scim_error(&reply, 400, Some("invalidSyntax"));
}

#[tokio::test]
async fn remove_all_members() {
    let (_server, scim) = start().await;
    let (path, ids) = group_with_members(&scim, 3).await;

    let group = patch_ok(&scim, &path, common::patch_body(json!([{"op": "remove", "path": "members"}]))).await;

    assert_eq!(group["members"], json!([]));
    for id in &ids {
        assert_eq!(scim.get_user(id).await["groups"], json!([]), "user {id}");
    }
}

#[tokio::test]
async fn remove_members_by_value_array() {
    let (_server, scim) = start().await;
    let (path, ids) = group_with_members(&scim, 4).await;

    let group = patch_ok(
        &scim,
        &path,
        common::patch_body(json!([{"op": "remove", "path": "members", "value": [{"value": ids[0]}, {"value": ids[2]}]}])),
    )
    .await;

    assert_eq!(member_ids(&group), [ids[1].clone(), ids[3].clone()]);
}

#[tokio::test]
async fn remove_member_by_filter() {
    let (_server, scim) = start().await;
    let (path, ids) = group_with_members(&scim, 3).await;

    let group = patch_ok(
        &scim,
        &path,
        common::patch_body(json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", ids[2])}])),
    )
    .await;

    assert_eq!(member_ids(&group), [ids[0].clone(), ids[1].clone()]);
}

#[tokio::test]
async fn remove_absent_member_is_noop() {
    let (_server, scim) = start().await;
    let (path, ids) = group_with_members(&scim, 2).await;
    let outsider = scim.post_user("outsider").await;

    let group = patch_ok(
        &scim,
        &path,
        common::patch_body(json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", outsider["id"].as_str().expect("id"))}])),
    )
    .await;

    assert_eq!(member_ids(&group), ids);
}

#[tokio::test]
async fn replace_members_sets_list() {
    let (_server, scim) = start().await;
    let (path, ids) = group_with_members(&scim, 3).await;
    let newcomer = scim.post_user("newcomer").await;
    let newcomer_id = newcomer["id"].as_str().expect("id").to_owned();

    let group = patch_ok(
        &scim,
        &path,
        common::patch_body(json!([{"op": "replace", "path": "members", "value": [{"value": ids[1]}, {"value": newcomer_id}]}])),
    )
    .await;

    assert_eq!(member_ids(&group), [ids[1].clone(), newcomer_id.clone()]);
    assert_eq!(scim.get_user(&ids[0]).await["groups"], json!([]));
    assert_eq!(common::group_ids(&scim.get_user(&newcomer_id).await).len(), 1);
}

#[tokio::test]
async fn replace_members_empty() {
    let (_server, scim) = start().await;
    let (path, _ids) = group_with_members(&scim, 2).await;

    let group = patch_ok(&scim, &path, common::patch_body(json!([{"op": "replace", "path": "members", "value": []}]))).await;

    assert_eq!(group["members"], json!([]));
}

#[tokio::test]
async fn add_then_remove_in_one_request() {
    let (_server, scim) = start().await;
    let (path, ids) = group_with_members(&scim, 2).await;
    let newcomer = scim.post_user("newcomer").await;

    let group = patch_ok(
        &scim,
        &path,
        common::patch_body(json!([
            {"op": "add", "path": "members", "value": [{"value": newcomer["id"]}]},
            {"op": "remove", "path": format!("members[value eq \"{}\"]", ids[0])}
        ])),
    )
    .await;

    assert_eq!(member_ids(&group), [ids[1].clone(), newcomer["id"].as_str().expect("id").to_owned()]);
}

#[tokio::test]
async fn second_op_fails_nothing_applied() {
    let (_server, scim) = start().await;
    let (path, before) = rich_user(&scim).await;

    let reply = scim
        .patch_ops(
            &path,
            json!([
                {"op": "replace", "path": "title", "value": "Countess"},
                {"op": "replace", "path": "active", "value": "maybe"}
            ]),
        )
        .await;

    assert_scim_error(&reply, 400, Some("invalidValue"));
    assert_eq!(scim.get(&path).await.body, before);
}

#[tokio::test]
async fn conflict_after_change_nothing_applied() {
    let (_server, scim) = start().await;
    scim.post_user("grace").await;
    let (path, before) = rich_user(&scim).await;

    let reply = scim
        .patch_ops(
            &path,
            json!([
                {"op": "replace", "path": "title", "value": "Countess"},
                {"op": "replace", "path": "userName", "value": "grace@example.com"}
            ]),
        )
        .await;

    assert_scim_error(&reply, 409, Some("uniqueness"));
    assert_eq!(scim.get(&path).await.body, before);
}

#[tokio::test]
async fn bad_path_after_change_nothing_applied() {
    let (_server, scim) = start().await;
    let (path, before) = rich_user(&scim).await;

    let reply = scim
        .patch_ops(
            &path,
            json!([
                {"op": "replace", "path": "title", "value": "Countess"},
                {"op": "replace", "path": "emails[type eq", "value": "x"}
            ]),
        )
        .await;

    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(scim.get(&path).await.body, before);
}

#[tokio::test]
async fn group_member_failure_nothing_applied() {
    let (_server, scim) = start().await;
    let (path, ids) = group_with_members(&scim, 2).await;

    let reply = scim
        .patch_ops(
            &path,
            json!([
                {"op": "remove", "path": format!("members[value eq \"{}\"]", ids[0])},
                {"op": "add", "path": "members", "value": [{"value": "00000000-0000-4000-8000-000000000000"}]}
            ]),
        )
        .await;

    assert_scim_error(&reply, 404, None);
    assert_eq!(member_ids(&scim.get(&path).await.body), ids);
    assert_eq!(common::group_ids(&scim.get_user(&ids[0]).await).len(), 1);
}

#[tokio::test]
async fn remove_required_user_name_is_400() {
    let (_server, scim) = start().await;
    let (path, before) = rich_user(&scim).await;

    let reply = scim.patch_ops(&path, json!([{"op": "remove", "path": "userName"}])).await;

    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(scim.get(&path).await.body, before);
}

#[tokio::test]
async fn patch_updates_last_modified() {
    let (_server, scim) = start().await;
    let (path, before) = rich_user(&scim).await;

    let user = patch_ok(&scim, &path, common::patch_body(json!([{"op": "replace", "path": "title", "value": "Countess"}]))).await;

    let before_modified = before["meta"]["lastModified"].as_str().unwrap_or_default();
    let after_modified = user["meta"]["lastModified"].as_str().unwrap_or_default();
    assert!(after_modified >= before_modified, "{after_modified} < {before_modified}");
    assert_eq!(user["meta"]["created"], before["meta"]["created"]);
}

#[tokio::test]
async fn entra_manager_as_bare_id() {
    let (_server, scim) = start().await;
    let (path, _) = rich_user(&scim).await;
    let manager = scim.post_user("boss").await;
    let manager_id = manager["id"].as_str().expect("id");

    let patched = patch_ok(
        &scim,
        &path,
        common::patch_body(json!([{"op": "Add", "path": format!("{ENTERPRISE_URN}:manager"), "value": manager_id}])),
    )
    .await;

    assert_eq!(patched[ENTERPRISE_URN]["manager"]["value"], manager_id);
}

#[tokio::test]
async fn noop_patch_keeps_last_modified() {
    let (_server, scim) = start().await;
    let (path, user) = rich_user(&scim).await;

    let patched = patch_ok(&scim, &path, common::patch_body(json!([{"op": "add", "path": "title", "value": "Analyst"}]))).await;

    assert_eq!(patched["meta"]["lastModified"], user["meta"]["lastModified"]);
}

#[tokio::test]
async fn existing_member_add_keeps_last_modified() {
    let (_server, scim) = start().await;
    let (path, ids) = group_with_members(&scim, 1).await;
    let before = scim.get(&path).await.body;

    let patched = patch_ok(&scim, &path, common::patch_body(json!([{"op": "add", "path": "members", "value": [{"value": ids[0]}]}]))).await;

    assert_eq!(patched["meta"]["lastModified"], before["meta"]["lastModified"]);
    assert_eq!(member_ids(&patched), ids);
}
