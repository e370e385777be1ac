//! List queries: the `eq` filters Atlassian supports, the 400 for every
//! other filter, exact matching of escaped values, and paging.

mod common;

use common::{
    assert_scim_error, groups_filter, resource_ids, start, start_with, user_body, users_filter, Reply, Scim, LIST_URN,
};
use scim_mock::seed::{generate, Seed};
use scim_mock::{Behaviour, MockServer};
use serde_json::{json, Value};

/// Checks a 400 `invalidFilter` whose detail starts with Atlassian's text
/// for the resource, `USER` or `GROUP`.
#[track_caller]
fn assert_invalid_filter(reply: &Reply, resource: &str) {
    assert_scim_error(reply, 400, Some("invalidFilter"));
    let prefix = format!("Resource [{resource}] invalid filter");
    assert!(reply.detail().starts_with(&prefix), "detail {:?} must start with {prefix:?}", reply.detail());
}

/// Creates a user with this `userName` and a generated primary email.
async fn post_named(scim: &Scim, user_name: &str, index: usize) -> Value {
    scim.post_user_body(&json!({
        "userName": user_name,
        "emails": [{"value": format!("user{index}@example.com"), "primary": true}]
    }))
    .await
}

/// Starts a mock holding `count` generated users on `example.com`.
async fn start_with_users(count: usize) -> (MockServer, Scim) {
    let seed: Seed = serde_json::from_value(generate(count, 0, "example.com")).expect("generated seeds parse");
    start_with(MockServer::builder().seed(seed)).await
}

/// Returns the `userName` of each resource of a ListResponse, in order.
fn user_names(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .map(|resources| resources.iter().filter_map(|user| user["userName"].as_str()).map(str::to_owned).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn user_name_eq_matches() {
    let (_server, scim) = start().await;
    let ada = scim.post_user("ada").await;
    scim.post_user("grace").await;

    let reply = scim.get(&users_filter("userName eq \"ada@example.com\"")).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["schemas"], json!([LIST_URN]));
    assert_eq!(reply.body["totalResults"], 1);
    assert_eq!(reply.body["itemsPerPage"], 1);
    assert_eq!(reply.body["startIndex"], 1);
    assert_eq!(reply.body["Resources"], json!([ada]));
}

#[tokio::test]
async fn user_name_eq_ignores_case() {
    let (_server, scim) = start().await;
    let ada = scim.post_user("ada").await;

    let reply = scim.get(&users_filter("userName eq \"ADA@Example.COM\"")).await;

    assert_eq!(resource_ids(&reply.body), [ada["id"].as_str().expect("id")]);
}

#[tokio::test]
async fn filter_keywords_any_case() {
    let (_server, scim) = start().await;
    let ada = scim.post_user("ada").await;

    for filter in ["USERNAME EQ \"ada@example.com\"", "username Eq \"ada@example.com\""] {
        let reply = scim.get(&users_filter(filter)).await;
        assert_eq!(resource_ids(&reply.body), [ada["id"].as_str().expect("id")], "{filter}: {}", reply.text);
    }
}

#[tokio::test]
async fn urn_qualified_user_name() {
    let (_server, scim) = start().await;
    let ada = scim.post_user("ada").await;

    let reply = scim.get(&users_filter(&format!("{}:userName eq \"ada@example.com\"", common::USER_URN))).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(resource_ids(&reply.body), [ada["id"].as_str().expect("id")]);
}

#[tokio::test]
async fn user_name_no_match_is_empty() {
    let (_server, scim) = start().await;
    scim.post_user("ada").await;

    let reply = scim.get(&users_filter("userName eq \"nobody@example.com\"")).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["totalResults"], 0);
    assert_eq!(reply.body["itemsPerPage"], 0);
    assert_eq!(reply.body["Resources"], json!([]));
}

#[tokio::test]
async fn external_id_eq_case_exact() {
    let (_server, scim) = start().await;
    let mut body = user_body("ada");
    body["externalId"] = json!("00uAbC");
    let ada = scim.post_user_body(&body).await;

    let exact = scim.get(&users_filter("externalId eq \"00uAbC\"")).await;
    let other_case = scim.get(&users_filter("externalId eq \"00UABC\"")).await;

    assert_eq!(resource_ids(&exact.body), [ada["id"].as_str().expect("id")]);
    assert_eq!(other_case.body["totalResults"], 0, "{}", other_case.text);
}

#[tokio::test]
async fn external_id_shared_by_two() {
    let (_server, scim) = start().await;
    let mut first = user_body("ada");
    first["externalId"] = json!("shared");
    let mut second = user_body("grace");
    second["externalId"] = json!("shared");
    let ada = scim.post_user_body(&first).await;
    let grace = scim.post_user_body(&second).await;

    let reply = scim.get(&users_filter("externalId eq \"shared\"")).await;

    assert_eq!(reply.body["totalResults"], 2, "{}", reply.text);
    assert_eq!(resource_ids(&reply.body), [ada["id"].as_str().expect("id"), grace["id"].as_str().expect("id")]);
}

#[tokio::test]
async fn external_id_follows_updates() {
    let (_server, scim) = start().await;
    let mut body = user_body("ada");
    body["externalId"] = json!("old");
    let ada = scim.post_user_body(&body).await;
    let path = format!("/Users/{}", ada["id"].as_str().expect("id"));
    let patched = scim.patch_ops(&path, json!([{"op": "replace", "path": "externalId", "value": "new"}])).await;
    assert_eq!(patched.status, 200, "{}", patched.text);

    let old = scim.get(&users_filter("externalId eq \"old\"")).await;
    let new = scim.get(&users_filter("externalId eq \"new\"")).await;

    assert_eq!(old.body["totalResults"], 0, "{}", old.text);
    assert_eq!(new.body["totalResults"], 1, "{}", new.text);
}

#[tokio::test]
async fn user_name_follows_updates() {
    let (_server, scim) = start().await;
    let ada = scim.post_user("ada").await;
    let path = format!("/Users/{}", ada["id"].as_str().expect("id"));
    let patched = scim.patch_ops(&path, json!([{"op": "replace", "path": "userName", "value": "countess@example.com"}])).await;
    assert_eq!(patched.status, 200, "{}", patched.text);

    let old = scim.get(&users_filter("userName eq \"ada@example.com\"")).await;
    let new = scim.get(&users_filter("userName eq \"countess@example.com\"")).await;

    assert_eq!(old.body["totalResults"], 0, "{}", old.text);
    assert_eq!(new.body["totalResults"], 1, "{}", new.text);
}

#[tokio::test]
async fn unsupported_user_filters_rejected() {
    let (_server, scim) = start().await;
    scim.post_user("ada").await;
    let filters = [
        "userName eq \"ada@example.com\" and active eq true",
        "userName eq \"a\" or userName eq \"b\"",
        "userName co \"ada\"",
        "userName sw \"ada\"",
        "userName ne \"ada@example.com\"",
        "userName pr",
        "title eq \"Analyst\"",
        "displayName eq \"Ada\"",
        "emails[type eq \"work\"].value eq \"ada@example.com\"",
        "emails[type eq \"work\"]",
        "emails.value eq \"ada@example.com\"",
        "name.givenName eq \"Ada\"",
        "active eq true",
        "id eq \"00000000-0000-4000-8000-000000000000\"",
        "not (userName eq \"ada@example.com\")",
        "userName eq 42",
        "userName eq null",
        "meta.created gt \"2020-01-01T00:00:00Z\"",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq \"R&D\"",
    ];

    for filter in filters {
        let reply = scim.get(&users_filter(filter)).await;
        assert_invalid_filter(&reply, "USER");
    }
}

#[tokio::test]
async fn malformed_user_filters_rejected() {
    let (_server, scim) = start().await;
    let filters = [
        "",
        "userName",
        "userName eq",
        "userName eq \"unterminated",
        "userName equals \"ada\"",
        "userName eq \"a\" and",
        "(userName eq \"a\"",
        "userName eq \"a\")",
        "emails[type eq \"work\"",
        "eq \"ada\"",
        "userName eq 'ada'",
        "\"ada\"",
        "userName eq \"bad escape \\q\"",
    ];

    for filter in filters {
        let reply = scim.get(&users_filter(filter)).await;
        assert_invalid_filter(&reply, "USER");
    }
}

#[tokio::test]
async fn malformed_and_unsupported_told_apart() {
    let (_server, scim) = start().await;

    let malformed = scim.get(&users_filter("userName eq")).await;
    let unsupported = scim.get(&users_filter("title eq \"Analyst\"")).await;

    assert_invalid_filter(&malformed, "USER");
    assert_invalid_filter(&unsupported, "USER");
    assert!(malformed.detail().contains("malformed"), "{}", malformed.detail());
    assert!(unsupported.detail().contains("not supported"), "{}", unsupported.detail());
    assert!(!unsupported.detail().contains("malformed"), "{}", unsupported.detail());
}

#[tokio::test]
async fn unsupported_group_filters_rejected() {
    let (_server, scim) = start().await;
    scim.post_group("Engineering").await;
    let filters = [
        "displayName co \"Eng\"",
        "displayName eq \"a\" or displayName eq \"b\"",
        "externalId eq \"00g\"",
        "members[value eq \"00000000-0000-4000-8000-000000000000\"]",
        "members.value eq \"00000000-0000-4000-8000-000000000000\"",
        "userName eq \"ada@example.com\"",
        "id eq \"00000000-0000-4000-8000-000000000000\"",
    ];

    for filter in filters {
        let reply = scim.get(&groups_filter(filter)).await;
        assert_invalid_filter(&reply, "GROUP");
    }
}

#[tokio::test]
async fn malformed_group_filter_rejected() {
    let (_server, scim) = start().await;

    let reply = scim.get(&groups_filter("displayName eq")).await;

    assert_invalid_filter(&reply, "GROUP");
    assert!(reply.detail().contains("malformed"), "{}", reply.detail());
}

#[tokio::test]
async fn escaped_quote_matches_exactly() {
    let (_server, scim) = start().await;
    let quoted = post_named(&scim, "o\"brien@example.com", 1).await;
    post_named(&scim, "o\\\"brien@example.com", 2).await;
    post_named(&scim, "obrien@example.com", 3).await;

    let reply = scim.get(&users_filter(r#"userName eq "o\"brien@example.com""#)).await;

    assert_eq!(resource_ids(&reply.body), [quoted["id"].as_str().expect("id")], "{}", reply.text);
}

#[tokio::test]
async fn escaped_backslash_matches_exactly() {
    let (_server, scim) = start().await;
    let backslash = post_named(&scim, "domain\\ada", 1).await;
    post_named(&scim, "domain\\\\ada", 2).await;
    post_named(&scim, "domainada", 3).await;

    let reply = scim.get(&users_filter(r#"userName eq "domain\\ada""#)).await;

    assert_eq!(resource_ids(&reply.body), [backslash["id"].as_str().expect("id")], "{}", reply.text);
}

#[tokio::test]
async fn spaces_and_parentheses_match() {
    let (_server, scim) = start().await;
    let odd = post_named(&scim, "Ada (Countess) Lovelace", 1).await;
    post_named(&scim, "Ada Lovelace", 2).await;

    let reply = scim.get(&users_filter(r#"userName eq "Ada (Countess) Lovelace""#)).await;

    assert_eq!(resource_ids(&reply.body), [odd["id"].as_str().expect("id")], "{}", reply.text);
}

#[tokio::test]
async fn non_ascii_matches_exactly() {
    let (_server, scim) = start().await;
    let zoe = post_named(&scim, "zoë@example.com", 1).await;
    post_named(&scim, "zoe@example.com", 2).await;

    let reply = scim.get(&users_filter("userName eq \"zoë@example.com\"")).await;

    assert_eq!(resource_ids(&reply.body), [zoe["id"].as_str().expect("id")], "{}", reply.text);
}

#[tokio::test]
async fn unicode_escape_matches() {
    let (_server, scim) = start().await;
    let zoe = post_named(&scim, "zoë@example.com", 1).await;
    post_named(&scim, "zoe@example.com", 2).await;

    let reply = scim.get(&users_filter(r#"userName eq "zo\u00eb@example.com""#)).await;

    assert_eq!(resource_ids(&reply.body), [zoe["id"].as_str().expect("id")], "{}", reply.text);
}

#[tokio::test]
async fn plus_encoded_spaces() {
    let (_server, scim) = start().await;
    let ada = scim.post_user("ada").await;

    let reply = scim.get("/Users?filter=userName+eq+%22ada%40example.com%22").await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(resource_ids(&reply.body), [ada["id"].as_str().expect("id")]);
}

#[tokio::test]
async fn percent_encoded_spaces() {
    let (_server, scim) = start().await;
    let ada = scim.post_user("ada").await;

    let reply = scim.get("/Users?filter=userName%20eq%20%22ada%40example.com%22").await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(resource_ids(&reply.body), [ada["id"].as_str().expect("id")]);
}

#[tokio::test]
async fn encoded_plus_is_literal() {
    let (_server, scim) = start().await;
    let tagged = post_named(&scim, "ada+scim@example.com", 1).await;
    post_named(&scim, "ada scim@example.com", 2).await;

    let reply = scim.get("/Users?filter=userName+eq+%22ada%2Bscim%40example.com%22").await;

    assert_eq!(resource_ids(&reply.body), [tagged["id"].as_str().expect("id")], "{}", reply.text);
}

#[tokio::test]
async fn value_with_space_in_plus_form() {
    let (_server, scim) = start().await;
    let spaced = post_named(&scim, "ada scim@example.com", 1).await;
    post_named(&scim, "ada+scim@example.com", 2).await;

    let reply = scim.get("/Users?filter=userName+eq+%22ada+scim%40example.com%22").await;

    assert_eq!(resource_ids(&reply.body), [spaced["id"].as_str().expect("id")], "{}", reply.text);
}

#[tokio::test]
async fn group_name_escapes_match() {
    let (_server, scim) = start().await;
    let quoted = scim.post_group("R&D \"Core\" (EU)").await;
    scim.post_group("R&D Core (EU)").await;

    let reply = scim.get(&groups_filter(r#"displayName eq "r&d \"core\" (eu)""#)).await;

    assert_eq!(resource_ids(&reply.body), [quoted["id"].as_str().expect("id")], "{}", reply.text);
}

#[tokio::test]
async fn default_page_is_100() {
    let (_server, scim) = start_with_users(120).await;

    let reply = scim.get("/Users").await;

    assert_eq!(reply.body["totalResults"], 120, "{}", reply.body["totalResults"]);
    assert_eq!(reply.body["itemsPerPage"], 100);
    assert_eq!(reply.body["Resources"].as_array().map(Vec::len), Some(100));
    assert_eq!(reply.body["startIndex"], 1);
}

#[tokio::test]
async fn count_capped_at_100() {
    let (_server, scim) = start_with_users(120).await;

    let reply = scim.get("/Users?count=500").await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["itemsPerPage"], 100);
    assert_eq!(reply.body["totalResults"], 120);
}

#[tokio::test]
async fn count_zero_totals_only() {
    let (_server, scim) = start_with_users(7).await;

    let reply = scim.get("/Users?count=0").await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["totalResults"], 7);
    assert_eq!(reply.body["itemsPerPage"], 0);
    assert!(reply.body["Resources"].as_array().is_none_or(Vec::is_empty), "{}", reply.text);
}

#[tokio::test]
async fn count_zero_with_filter() {
    let (_server, scim) = start_with_users(3).await;

    let reply = scim.get(&format!("{}&count=0", users_filter("userName eq \"ada.lovelace.00000@example.com\""))).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["totalResults"], 1);
    assert_eq!(reply.body["itemsPerPage"], 0);
}

#[tokio::test]
async fn negative_count_acts_as_zero() {
    let (_server, scim) = start_with_users(3).await;

    let reply = scim.get("/Users?count=-5").await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["itemsPerPage"], 0);
    assert_eq!(reply.body["totalResults"], 3);
}

#[tokio::test]
async fn start_index_zero_acts_as_one() {
    let (_server, scim) = start_with_users(5).await;
    let first_page = scim.get("/Users?count=2").await;

    let reply = scim.get("/Users?startIndex=0&count=2").await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["startIndex"], 1);
    assert_eq!(resource_ids(&reply.body), resource_ids(&first_page.body));
}

#[tokio::test]
async fn negative_start_index_acts_as_one() {
    let (_server, scim) = start_with_users(5).await;
    let first_page = scim.get("/Users?count=2").await;

    let reply = scim.get("/Users?startIndex=-10&count=2").await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["startIndex"], 1);
    assert_eq!(resource_ids(&reply.body), resource_ids(&first_page.body));
}

#[tokio::test]
async fn huge_start_index_is_empty() {
    let (_server, scim) = start_with_users(5).await;

    for start_index in ["6", "1000000", "9223372036854775807", "99999999999999999999999"] {
        let reply = scim.get(&format!("/Users?startIndex={start_index}")).await;

        assert_eq!(reply.status, 200, "{start_index}: {}", reply.text);
        assert_eq!(reply.body["totalResults"], 5, "{start_index}");
        assert_eq!(reply.body["itemsPerPage"], 0, "{start_index}");
        assert_eq!(resource_ids(&reply.body), Vec::<String>::new(), "{start_index}");
    }
}

#[tokio::test]
async fn start_index_past_filter_match() {
    let (_server, scim) = start_with_users(3).await;

    let reply = scim.get(&format!("{}&startIndex=2", users_filter("userName eq \"ada.lovelace.00000@example.com\""))).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["totalResults"], 1);
    assert_eq!(reply.body["itemsPerPage"], 0);
}

#[tokio::test]
async fn pages_walk_in_creation_order() {
    let (_server, scim) = start().await;
    let mut created = Vec::new();
    for index in 0..23 {
        let user = scim.post_user(&format!("user{index:02}")).await;
        created.push(user["id"].as_str().expect("id").to_owned());
    }

    let mut seen = Vec::new();
    let mut start_index = 1;
    loop {
        let reply = scim.get(&format!("/Users?startIndex={start_index}&count=5")).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(reply.body["totalResults"], 23);
        assert_eq!(reply.body["startIndex"], start_index);
        let page = resource_ids(&reply.body);
        assert_eq!(reply.body["itemsPerPage"], page.len());
        if page.is_empty() {
            break;
        }
        start_index += page.len();
        seen.extend(page);
    }

    assert_eq!(seen, created);
}

#[tokio::test]
async fn pages_skip_deleted_users() {
    let (_server, scim) = start().await;
    let mut created = Vec::new();
    for index in 0..6 {
        let user = scim.post_user(&format!("user{index}")).await;
        created.push(user["id"].as_str().expect("id").to_owned());
    }
    assert_eq!(scim.delete(&format!("/Users/{}", created[1])).await.status, 204);
    created.remove(1);

    let first = scim.get("/Users?startIndex=1&count=3").await;
    let second = scim.get("/Users?startIndex=4&count=3").await;

    assert_eq!(resource_ids(&first.body), created[..3]);
    assert_eq!(resource_ids(&second.body), created[3..]);
    assert_eq!(second.body["totalResults"], 5);
}

#[tokio::test]
async fn updates_keep_order() {
    let (_server, scim) = start().await;
    let mut created = Vec::new();
    for index in 0..4 {
        let user = scim.post_user(&format!("user{index}")).await;
        created.push(user["id"].as_str().expect("id").to_owned());
    }
    let patched = scim
        .patch_ops(&format!("/Users/{}", created[0]), json!([{"op": "replace", "path": "title", "value": "x"}]))
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(scim.put(&format!("/Users/{}", created[1]), &user_body("user1")).await.status, 200);

    let reply = scim.get("/Users").await;

    assert_eq!(resource_ids(&reply.body), created);
}

#[tokio::test]
async fn seeded_users_in_seed_order() {
    let (_server, scim) = start_with_users(150).await;

    let first = scim.get("/Users?count=100").await;
    let second = scim.get("/Users?startIndex=101&count=100").await;

    let mut names = user_names(&first.body);
    names.extend(user_names(&second.body));
    let expected: Vec<String> = generate(150, 0, "example.com")["users"]
        .as_array()
        .expect("generated users")
        .iter()
        .filter_map(|user| user["userName"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(names, expected);
}

#[tokio::test]
async fn non_integer_paging_is_400() {
    let (_server, scim) = start().await;

    for query in ["startIndex=abc", "count=1.5", "count=ten", "startIndex=", "count=1e2", "startIndex=0x10"] {
        let reply = scim.get(&format!("/Users?{query}")).await;
        assert_scim_error(&reply, 400, Some("invalidValue"));
    }
}

#[tokio::test]
async fn non_integer_group_paging_is_400() {
    let (_server, scim) = start().await;

    let reply = scim.get("/Groups?count=many").await;

    assert_scim_error(&reply, 400, Some("invalidValue"));
}

#[tokio::test]
async fn group_paging() {
    let (_server, scim) = start().await;
    let mut created = Vec::new();
    for index in 0..5 {
        let group = scim.post_group(&format!("group{index}")).await;
        created.push(group["id"].as_str().expect("id").to_owned());
    }

    let first = scim.get("/Groups?count=2").await;
    let last = scim.get("/Groups?startIndex=5&count=2").await;
    let none = scim.get("/Groups?count=0").await;

    assert_eq!(resource_ids(&first.body), created[..2]);
    assert_eq!(resource_ids(&last.body), created[4..]);
    assert_eq!(none.body["totalResults"], 5);
    assert_eq!(none.body["itemsPerPage"], 0);
}

#[tokio::test]
async fn configured_page_size() {
    let behaviour = Behaviour {
        max_page_size: 10,
        ..Behaviour::default()
    };
    let seed: Seed = serde_json::from_value(generate(25, 0, "example.com")).expect("generated seeds parse");
    let (_server, scim) = start_with(MockServer::builder().behaviour(behaviour).seed(seed)).await;

    let default = scim.get("/Users").await;
    let capped = scim.get("/Users?count=50").await;
    let config = scim.get("/ServiceProviderConfig").await;

    assert_eq!(default.body["itemsPerPage"], 10);
    assert_eq!(capped.body["itemsPerPage"], 10);
    assert_eq!(config.body["filter"]["maxResults"], 10);
}
