//! Malformed requests get a 4xx with a SCIM error body, never a 5xx, and
//! leave the server serving.

mod common;

use common::{assert_scim_error, encode, patch_body, start, user_body, Reply, Scim, SCIM_JSON};
use reqwest::Method;
use serde_json::json;

/// Checks that a malformed request was rejected as a client error with a
/// SCIM error body.
#[track_caller]
fn assert_client_error(reply: &Reply, request: &str) {
    assert!((400..500).contains(&reply.status), "{request}: got {} {}", reply.status, reply.text);
    assert_eq!(reply.media_type(), SCIM_JSON, "{request}: {}", reply.text);
    assert_eq!(reply.body["status"], json!(reply.status.to_string()), "{request}: {}", reply.text);
}

/// Creates a user and a group to aim malformed writes at, and returns their paths.
async fn targets(scim: &Scim) -> (String, String) {
    let user = scim.post_user("ada").await;
    let group = scim.post_group("Engineering").await;
    (
        format!("/Users/{}", user["id"].as_str().expect("id")),
        format!("/Groups/{}", group["id"].as_str().expect("id")),
    )
}

/// Returns JSON nested `depth` arrays deep.
fn nested_arrays(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

#[tokio::test]
async fn invalid_json_is_400() {
    let (_server, scim) = start().await;
    let (user_path, group_path) = targets(&scim).await;
    let bodies = ["{", "{\"userName\": }", "{'userName': 'ada'}", "nope", "{\"a\":1,}", "\u{feff}{}"];

    for body in bodies {
        for (method, path) in [
            (Method::POST, "/Users"),
            (Method::PUT, user_path.as_str()),
            (Method::PATCH, user_path.as_str()),
            (Method::POST, "/Groups"),
            (Method::PUT, group_path.as_str()),
            (Method::PATCH, group_path.as_str()),
        ] {
            let reply = scim.send_raw(method.clone(), path, SCIM_JSON, body).await;
            assert_scim_error(&reply, 400, Some("invalidSyntax"));
        }
    }
}

#[tokio::test]
async fn empty_body_is_400() {
    let (_server, scim) = start().await;
    let (user_path, _group_path) = targets(&scim).await;

    let create = scim.send_raw(Method::POST, "/Users", SCIM_JSON, "").await;
    let patch = scim.send_raw(Method::PATCH, &user_path, SCIM_JSON, "  ").await;

    assert_scim_error(&create, 400, Some("invalidSyntax"));
    assert_scim_error(&patch, 400, Some("invalidSyntax"));
}

#[tokio::test]
async fn array_body_is_400() {
    let (_server, scim) = start().await;
    let (user_path, group_path) = targets(&scim).await;
    let array = json!([user_body("grace")]);

    let create = scim.post("/Users", &array).await;
    let replace = scim.put(&user_path, &array).await;
    let patch = scim.patch(&user_path, &json!([{"op": "replace", "path": "title", "value": "x"}])).await;
    let group = scim.post("/Groups", &json!([{"displayName": "x"}])).await;
    let group_patch = scim.patch(&group_path, &json!([])).await;

    assert_scim_error(&create, 400, Some("invalidSyntax"));
    assert_scim_error(&replace, 400, Some("invalidSyntax"));
    assert_scim_error(&patch, 400, Some("invalidSyntax"));
    assert_scim_error(&group, 400, Some("invalidSyntax"));
    assert_scim_error(&group_patch, 400, Some("invalidSyntax"));
}

#[tokio::test]
async fn scalar_bodies_are_400() {
    let (_server, scim) = start().await;

    for body in ["null", "true", "42", "\"user\""] {
        let reply = scim.send_raw(Method::POST, "/Users", SCIM_JSON, body).await;
        assert_scim_error(&reply, 400, Some("invalidSyntax"));
    }
}

#[tokio::test]
async fn wrong_user_types_are_400() {
    let (_server, scim) = start().await;
    let cases = [
        ("userName", json!(42)),
        ("userName", json!(["ada@example.com"])),
        ("userName", json!({"value": "ada@example.com"})),
        ("emails", json!("ada@example.com")),
        ("emails", json!([{"value": 7, "primary": true}])),
        ("emails", json!([{"value": "ada@example.com", "primary": "maybe"}])),
        ("emails", json!(["ada@example.com"])),
        ("active", json!("yes")),
        ("active", json!(1)),
        ("name", json!("Ada Lovelace")),
        ("name", json!({"givenName": 5})),
        ("phoneNumbers", json!(5)),
        ("title", json!(true)),
        ("externalId", json!(12)),
        (common::ENTERPRISE_URN, json!("Research")),
    ];

    for (attribute, value) in cases {
        let mut body = user_body("ada");
        body[attribute] = value.clone();
        let reply = scim.post("/Users", &body).await;
        assert_scim_error(&reply, 400, Some("invalidValue"));
    }
    assert_eq!(scim.get("/Users").await.body["totalResults"], 0);
}

#[tokio::test]
async fn wrong_group_types_are_400() {
    let (_server, scim) = start().await;
    let cases = [
        json!({"displayName": 5}),
        json!({"displayName": ["Engineering"]}),
        json!({"displayName": "Engineering", "members": "everyone"}),
        json!({"displayName": "Engineering", "members": [{"value": 5}]}),
        json!({"displayName": "Engineering", "members": [5]}),
    ];

    for body in cases {
        let reply = scim.post("/Groups", &body).await;
        assert_client_error(&reply, &format!("POST /Groups {body}"));
        assert_eq!(reply.status, 400, "{body}: {}", reply.text);
    }
    assert_eq!(scim.get("/Groups").await.body["totalResults"], 0);
}

#[tokio::test]
async fn wrong_patch_shapes_are_400() {
    let (_server, scim) = start().await;
    let (user_path, group_path) = targets(&scim).await;
    let bodies = [
        json!({"schemas": [common::PATCH_OP_URN], "Operations": {"op": "add"}}),
        json!({"schemas": [common::PATCH_OP_URN], "Operations": "add"}),
        json!({"schemas": [common::PATCH_OP_URN], "Operations": [42]}),
        json!({"schemas": [common::PATCH_OP_URN], "Operations": [null]}),
        json!({"schemas": [common::PATCH_OP_URN], "Operations": [{"op": 1, "path": "title", "value": "x"}]}),
        json!({"schemas": [common::PATCH_OP_URN], "Operations": [{"op": "replace", "path": 7, "value": "x"}]}),
        json!({"schemas": [common::PATCH_OP_URN], "Operations": [{"op": "replace", "path": "title"}]}),
        json!({"schemas": [common::PATCH_OP_URN], "Operations": [{"op": "add", "path": "title"}]}),
        json!({"schemas": [common::PATCH_OP_URN], "Operations": [{"op": "replace", "value": "not an object"}]}),
        json!({"schemas": [common::PATCH_OP_URN], "Operations": [{"op": "remove"}]}),
        json!({"schemas": "urn:ietf:params:scim:api:messages:2.0:PatchOp", "Operations": []}),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Wrong"], "Operations": [{"op": "replace", "path": "title", "value": "x"}]}),
    ];

    for body in &bodies {
        let user_reply = scim.patch(&user_path, body).await;
        let group_reply = scim.patch(&group_path, body).await;
        assert_client_error(&user_reply, &format!("PATCH user {body}"));
        assert_eq!(user_reply.status, 400, "PATCH user {body}: {}", user_reply.text);
        assert_client_error(&group_reply, &format!("PATCH group {body}"));
        assert_eq!(group_reply.status, 400, "PATCH group {body}: {}", group_reply.text);
    }
}

#[tokio::test]
async fn bad_patch_paths_are_400() {
    let (_server, scim) = start().await;
    let (user_path, _group_path) = targets(&scim).await;
    let paths = [
        "",
        "emails[",
        "emails[type eq \"work\"",
        "emails[type eq]",
        "emails]",
        "name..givenName",
        "emails[type eq \"work\"].value.extra",
        "urn:ietf:params:scim:schemas:core:2.0:User:",
        "members[value eq \"x\"",
        "\u{0}",
    ];

    for path in paths {
        let reply = scim.patch_ops(&user_path, json!([{"op": "replace", "path": path, "value": "x"}])).await;
        assert_client_error(&reply, &format!("PATCH path {path:?}"));
        assert_eq!(reply.status, 400, "path {path:?}: {}", reply.text);
    }
}

#[tokio::test]
async fn unknown_patch_attribute_rejected_or_ignored() {
    let (_server, scim) = start().await;
    let (user_path, _group_path) = targets(&scim).await;
    let before = scim.get(&user_path).await.body;

    let reply = scim.patch_ops(&user_path, json!([{"op": "replace", "path": "shoeSize", "value": 9}])).await;

    assert!(reply.status == 200 || reply.status == 400, "{} {}", reply.status, reply.text);
    let after = scim.get(&user_path).await.body;
    assert!(after.get("shoeSize").is_none(), "{after}");
    assert_eq!(after["userName"], before["userName"]);
}

#[tokio::test]
async fn unknown_op_is_400() {
    let (_server, scim) = start().await;
    let (user_path, group_path) = targets(&scim).await;

    for path in [&user_path, &group_path] {
        let reply = scim.patch_ops(path, json!([{"op": "upsert", "path": "title", "value": "x"}])).await;
        assert_scim_error(&reply, 400, Some("invalidSyntax"));
    }
}

#[tokio::test]
async fn unparsable_filters_are_400() {
    let (_server, scim) = start().await;
    let filters = ["((((", "userName eq \"a", "\"\"\"", "userName eq \"\\u12\"", "[", "userName eq \"a\" and and", "\u{0}"];

    for filter in filters {
        let users = scim.get(&format!("/Users?filter={}", encode(filter))).await;
        let groups = scim.get(&format!("/Groups?filter={}", encode(filter))).await;
        assert_scim_error(&users, 400, Some("invalidFilter"));
        assert_scim_error(&groups, 400, Some("invalidFilter"));
    }
}

#[tokio::test]
async fn deeply_nested_filter_is_400() {
    let (_server, scim) = start().await;
    let filter = format!("{}userName eq \"a\"{}", "(".repeat(5000), ")".repeat(5000));

    let reply = scim.get(&format!("/Users?filter={}", encode(&filter))).await;

    assert_scim_error(&reply, 400, Some("invalidFilter"));
}

#[tokio::test]
async fn long_filter_chain_is_400() {
    let (_server, scim) = start().await;
    let filter = vec!["userName eq \"a\""; 1500].join(" or ");

    let reply = scim.get(&format!("/Users?filter={}", encode(&filter))).await;

    assert_scim_error(&reply, 400, Some("invalidFilter"));
}

#[tokio::test]
async fn non_integer_paging_is_400() {
    let (_server, scim) = start().await;

    for query in ["count=abc", "startIndex=1.0", "count=%00", "startIndex=%E2%82%AC", "count=18446744073709551616x"] {
        let reply = scim.get(&format!("/Users?{query}")).await;
        assert_scim_error(&reply, 400, Some("invalidValue"));
    }
}

#[tokio::test]
async fn non_uuid_ids_are_404() {
    let (_server, scim) = start().await;
    let ids = ["not-a-uuid", "123", "00000000-0000-4000-8000-00000000000", "%00", "..", "%2F", "ada%40example.com"];

    for id in ids {
        for resource in ["Users", "Groups"] {
            let path = format!("/{resource}/{id}");
            let get = scim.get(&path).await;
            let delete = scim.delete(&path).await;
            let patch = scim.patch_ops(&path, json!([{"op": "replace", "path": "title", "value": "x"}])).await;
            let put = scim.put(&path, &user_body("ada")).await;
            assert_client_error(&get, &format!("GET {path}"));
            assert_client_error(&delete, &format!("DELETE {path}"));
            assert_client_error(&patch, &format!("PATCH {path}"));
            assert_client_error(&put, &format!("PUT {path}"));
        }
    }
}

#[tokio::test]
async fn non_uuid_id_get_is_404() {
    let (_server, scim) = start().await;

    let user = scim.get("/Users/not-a-uuid").await;
    let group = scim.get("/Groups/not-a-uuid").await;

    assert_scim_error(&user, 404, None);
    assert_scim_error(&group, 404, None);
}

#[tokio::test]
async fn control_characters_in_user_name_are_400() {
    let (_server, scim) = start().await;

    for user_name in ["ada\u{0}@example.com", "ada\n@example.com", "ada\u{7}", "\u{1b}[31mada", "ada\u{7f}", "ada\r\nX-Injected: 1"] {
        let mut body = user_body("ada");
        body["userName"] = json!(user_name);
        let reply = scim.post("/Users", &body).await;
        assert_scim_error(&reply, 400, Some("invalidValue"));
    }
    assert_eq!(scim.get("/Users").await.body["totalResults"], 0);
}

#[tokio::test]
async fn control_characters_by_patch_are_400() {
    let (_server, scim) = start().await;
    let (user_path, _group_path) = targets(&scim).await;
    let before = scim.get(&user_path).await.body;

    let reply = scim.patch_ops(&user_path, json!([{"op": "replace", "path": "userName", "value": "ada\u{0}"}])).await;

    assert_scim_error(&reply, 400, Some("invalidValue"));
    assert_eq!(scim.get(&user_path).await.body, before);
}

#[tokio::test]
async fn control_characters_in_email_are_400() {
    let (_server, scim) = start().await;
    let mut body = user_body("ada");
    body["emails"] = json!([{"value": "ada\u{0}@example.com", "primary": true}]);

    let reply = scim.post("/Users", &body).await;

    assert_scim_error(&reply, 400, Some("invalidValue"));
}

#[tokio::test]
async fn control_characters_in_group_name_are_400() {
    let (_server, scim) = start().await;

    let reply = scim.post("/Groups", &json!({"displayName": "Eng\u{0}ineering"})).await;

    assert_scim_error(&reply, 400, Some("invalidValue"));
}

#[tokio::test]
async fn malformed_email_is_400() {
    let (_server, scim) = start().await;

    for address in ["ada", "ada@", "@example.com", "ada @example.com", "ada@.example.com"] {
        let mut body = user_body("ada");
        body["emails"] = json!([{"value": address, "primary": true}]);
        let reply = scim.post("/Users", &body).await;
        assert_scim_error(&reply, 400, Some("invalidValue"));
    }
}

#[tokio::test]
async fn deeply_nested_json_is_400() {
    let (_server, scim) = start().await;
    let (user_path, _group_path) = targets(&scim).await;

    let create = scim.send_raw(Method::POST, "/Users", SCIM_JSON, nested_arrays(100_000)).await;
    let patch = scim.send_raw(Method::PATCH, &user_path, SCIM_JSON, nested_arrays(10_000)).await;
    let in_attribute = format!("{{\"userName\": {}, \"emails\": []}}", nested_arrays(50_000));
    let nested_attribute = scim.send_raw(Method::POST, "/Users", SCIM_JSON, in_attribute).await;

    assert_scim_error(&create, 400, Some("invalidSyntax"));
    assert_scim_error(&patch, 400, Some("invalidSyntax"));
    assert_scim_error(&nested_attribute, 400, Some("invalidSyntax"));
}

#[tokio::test]
async fn moderately_nested_json_handled() {
    let (_server, scim) = start().await;
    let (user_path, _group_path) = targets(&scim).await;
    let mut deep = json!("leaf");
    for _ in 0..100 {
        deep = json!({"inner": deep});
    }

    let mut body = user_body("grace");
    body["unknownExtension"] = deep.clone();
    let create = scim.post("/Users", &body).await;
    let mut typed = user_body("alan");
    typed["name"] = json!({"givenName": deep.clone()});
    let wrong_type = scim.post("/Users", &typed).await;
    let patch = scim.patch_ops(&user_path, json!([{"op": "add", "path": "title", "value": deep.clone()}])).await;
    let pathless = scim.patch_ops(&user_path, json!([{"op": "add", "value": {"name": {"givenName": deep}}}])).await;

    assert_eq!(create.status, 201, "{}", create.text);
    assert_scim_error(&wrong_type, 400, Some("invalidValue"));
    assert_client_error(&patch, "PATCH title with a nested object");
    assert_client_error(&pathless, "PATCH name.givenName with a nested object");
}

#[tokio::test]
async fn huge_strings_handled() {
    let (_server, scim) = start().await;
    let huge = "a".repeat(600_000);

    let mut body = user_body("ada");
    body["userName"] = json!(format!("{huge}@example.com"));
    let create = scim.post("/Users", &body).await;
    let mut group = json!({"displayName": huge.clone()});
    group["externalId"] = json!("x");
    let group_reply = scim.post("/Groups", &group).await;

    assert!(create.status == 201 || create.status == 400, "{} {}", create.status, &create.text[..create.text.len().min(300)]);
    assert!(group_reply.status == 201 || group_reply.status == 400, "{}", group_reply.status);
    assert_eq!(scim.get("/Users?count=0").await.status, 200);
}

#[tokio::test]
async fn huge_filter_value_handled() {
    let (_server, scim) = start().await;
    let filter = format!("userName eq \"{}\"", "a".repeat(30_000));

    let reply = scim.get(&format!("/Users?filter={}", encode(&filter))).await;

    assert_eq!(reply.status, 200, "{}", &reply.text[..reply.text.len().min(300)]);
    assert_eq!(reply.body["totalResults"], 0);
}

#[tokio::test]
async fn huge_header_rejected_cleanly() {
    let (_server, scim) = start().await;
    let request = scim.request(Method::GET, "/Users").header("x-padding", "p".repeat(200_000));

    let result = request.send().await;

    // A client error status or a closed connection are both acceptable, as
    // long as the server keeps responding afterwards.
    if let Ok(response) = result {
        let status = response.status().as_u16();
        assert!((400..500).contains(&status) || status == 200, "status {status}");
    }
    assert_eq!(scim.get("/Users").await.status, 200);
}

#[tokio::test]
async fn invalid_utf8_body_is_400() {
    let (_server, scim) = start().await;
    let mut bytes = br#"{"userName": "ada"#.to_vec();
    bytes.extend([0xff, 0xfe]);
    bytes.extend(br#"@example.com", "emails": [{"value": "ada@example.com", "primary": true}]}"#);

    let reply = scim.send_raw(Method::POST, "/Users", SCIM_JSON, bytes).await;

    assert_scim_error(&reply, 400, Some("invalidSyntax"));
}

#[tokio::test]
async fn duplicate_keys_handled() {
    let (_server, scim) = start().await;
    let body = r#"{"userName": "ada@example.com", "userName": "grace@example.com", "emails": [{"value": "ada@example.com", "primary": true}]}"#;

    let reply = scim.send_raw(Method::POST, "/Users", SCIM_JSON, body).await;

    assert!(reply.status == 201 || reply.status == 400, "{} {}", reply.status, reply.text);
}

#[tokio::test]
async fn malformed_requests_never_5xx() {
    let (_server, scim) = start().await;
    let (user_path, group_path) = targets(&scim).await;
    let valid_user = user_body("zed").to_string();
    let valid_patch = patch_body(json!([{"op": "replace", "path": "title", "value": "x"}])).to_string();

    let mut bodies: Vec<String> = vec![
        "".into(),
        "{".into(),
        "}".into(),
        "[]".into(),
        "[{}]".into(),
        "null".into(),
        "0".into(),
        "{}".into(),
        "{\"userName\": null}".into(),
        "{\"Operations\": null}".into(),
        "{\"Operations\": [{}]}".into(),
        "{\"Operations\": [{\"op\": \"add\", \"value\": 1}]}".into(),
        "{\"Operations\": [{\"op\": \"remove\", \"path\": \"members[\"}]}".into(),
        "{\"displayName\": {}}".into(),
        "{\"members\": [{\"value\": null}]}".into(),
        "{\"emails\": [{}], \"userName\": \"\"}".into(),
        nested_arrays(2000),
        "\u{0}\u{1}\u{2}".into(),
        "{\"userName\": \"\\ud800\"}".into(),
    ];
    // Every strict prefix of a valid body is invalid JSON.
    for cut in (1..valid_user.len()).step_by(4) {
        bodies.push(valid_user[..cut].to_owned());
    }
    for cut in (1..valid_patch.len()).step_by(3) {
        bodies.push(valid_patch[..cut].to_owned());
    }

    let endpoints = [
        (Method::POST, "/Users".to_owned()),
        (Method::PUT, user_path.clone()),
        (Method::PATCH, user_path.clone()),
        (Method::POST, "/Groups".to_owned()),
        (Method::PUT, group_path.clone()),
        (Method::PATCH, group_path.clone()),
    ];

    let mut sent = 0;
    for (index, body) in bodies.iter().enumerate() {
        // Each body goes to two endpoints, chosen round-robin, to keep the
        // loop near 200 requests.
        for (method, path) in [&endpoints[index % endpoints.len()], &endpoints[(index + 3) % endpoints.len()]] {
            let reply = scim.send_raw(method.clone(), path, SCIM_JSON, body.clone()).await;
            assert_client_error(&reply, &format!("{method} {path} {body:?}"));
            sent += 1;
        }
    }
    let queries = [
        "filter=",
        "filter=%",
        "filter=%ZZ",
        "filter=userName%20eq",
        "startIndex=x",
        "count=%FF",
        "attributes=a&excludedAttributes=b",
        "filter=userName%20eq%20%22a%22%20and%20title%20pr",
    ];
    for query in queries {
        let reply = scim.get(&format!("/Users?{query}")).await;
        assert_client_error(&reply, &format!("GET /Users?{query}"));
        sent += 1;
    }
    assert!(sent >= 150, "only {sent} malformed requests were sent");

    let users = scim.get("/Users").await;
    assert_eq!(users.status, 200, "{}", users.text);
    assert_eq!(users.body["totalResults"], 1, "malformed requests must not create users: {}", users.text);
    let groups = scim.get("/Groups").await;
    assert_eq!(groups.body["totalResults"], 1, "{}", groups.text);
    let fresh = scim.post("/Users", &user_body("after")).await;
    assert_eq!(fresh.status, 201, "{}", fresh.text);
}

#[tokio::test]
async fn wrong_method_never_5xx() {
    let (_server, scim) = start().await;
    let (user_path, group_path) = targets(&scim).await;
    let methods = [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::OPTIONS, Method::HEAD];
    let paths = ["/Users", user_path.as_str(), "/Groups", group_path.as_str(), "/ServiceProviderConfig", "/Schemas", "/ResourceTypes/User"];

    for path in paths {
        for method in &methods {
            let request = scim.request(method.clone(), path).header("content-type", SCIM_JSON).body("{}");
            let reply = scim.send(request).await;
            assert!(reply.status < 500, "{method} {path}: {} {}", reply.status, reply.text);
        }
    }
    assert_eq!(scim.get("/Users").await.status, 200);
}

#[tokio::test]
async fn odd_query_strings_handled() {
    let (_server, scim) = start().await;
    scim.post_user("ada").await;

    for query in ["?", "?&&&", "?=x", "?count", "?filter", "?attributes=,,,", "?excludedAttributes=%00", "?attributes=a.b.c.d"] {
        let reply = scim.get(&format!("/Users{query}")).await;
        assert!(reply.status < 500, "{query}: {} {}", reply.status, reply.text);
    }
}
