//! Seed files loaded at start: users go through the checks of POST, a bad
//! entry stops the start with a message naming it, and large seeds (checked
//! on several threads) keep the file's order and report the first bad entry.

mod common;

use common::{resource_ids, Scim};
use scim_mock::seed::{generate, SeedError};
use scim_mock::{MockServer, StartError};
use serde_json::{json, Value};

/// Users in the large seeds, above the size from which users are checked on
/// several threads.
const LARGE: usize = 1_500;

/// Writes `seed` to a file and tries to start a mock with it.
async fn start_seeded(seed: &Value) -> (tempfile::TempDir, Result<MockServer, StartError>) {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("seed.json");
    std::fs::write(&path, seed.to_string()).expect("the seed is written");
    let result = MockServer::builder().seed_file(&path).start().await;
    (folder, result)
}

/// Returns the entry and detail of a seed rejected at start.
async fn rejection(seed: &Value) -> (String, String) {
    let (_folder, result) = start_seeded(seed).await;
    match result {
        Err(StartError::Seed(SeedError::Entry { entry, detail })) => (entry, detail),
        Err(other) => panic!("expected a rejected seed entry, got {other:?}"),
        Ok(_) => panic!("expected the seed to be rejected"),
    }
}

#[tokio::test]
async fn non_object_user_named() {
    let seed = json!({"users": [
        {"userName": "ada@example.com", "emails": [{"value": "ada@example.com", "primary": true}]},
        ["not", "a", "user"]
    ]});

    let (entry, detail) = rejection(&seed).await;

    assert_eq!(entry, "default directory: users[1]");
    assert!(detail.contains("must be a JSON object"), "{detail}");
    assert!(detail.contains("[\"not\",\"a\",\"user\"]"), "{detail}");
}

#[tokio::test]
async fn large_seed_reports_first_invalid_user() {
    let mut seed = generate(LARGE, 0, "example.com");
    seed["users"][1_234].as_object_mut().unwrap().remove("emails");
    seed["users"][1_400]["userName"] = json!("");

    let (entry, detail) = rejection(&seed).await;

    assert_eq!(entry, "default directory: users[1234]");
    assert!(detail.contains("emails"), "{detail}");
}

#[tokio::test]
async fn large_seed_reports_duplicate_name() {
    let mut seed = generate(LARGE, 0, "example.com");
    let first = seed["users"][3]["userName"].as_str().unwrap().to_uppercase();
    seed["users"][1_300]["userName"] = json!(first);

    let (entry, detail) = rejection(&seed).await;

    assert_eq!(entry, "default directory: users[1300]");
    assert!(detail.contains("already exists"), "{detail}");
}

#[tokio::test]
async fn unknown_group_member_named() {
    let mut seed = generate(10, 1, "example.com");
    seed["groups"][0]["members"] = json!(["nobody@example.com"]);

    let (entry, detail) = rejection(&seed).await;

    assert!(entry.contains("groups[0]"), "{entry}");
    assert!(detail.contains("nobody@example.com"), "{detail}");
}

#[tokio::test]
async fn large_seed_keeps_file_order() {
    let mut seed = generate(LARGE, 1, "example.com");
    let user_names: Vec<String> = seed["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["userName"].as_str().unwrap().to_owned())
        .collect();
    seed["groups"][0]["members"] = json!([user_names[7].to_uppercase(), user_names[1_499]]);
    let (_folder, result) = start_seeded(&seed).await;
    let server = result.expect("the seed loads");
    let scim = Scim::new(server.base_url(), server.token());

    let page = scim.get("/Users?startIndex=1&count=3").await;
    assert_eq!(page.status, 200, "{:?}", page.body);
    assert_eq!(page.body["totalResults"], LARGE);
    let names: Vec<&str> = page.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["userName"].as_str().unwrap())
        .collect();
    assert_eq!(names, [&user_names[0], &user_names[1], &user_names[2]]);

    let last = scim.get(&format!("/Users?startIndex={LARGE}&count=1")).await;
    assert_eq!(last.body["Resources"][0]["userName"], user_names[1_499]);

    let groups = scim.get("/Groups").await;
    let members: Vec<&str> = groups.body["Resources"][0]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|member| member["display"].as_str().unwrap())
        .collect();
    assert_eq!(members, [&user_names[7], &user_names[1_499]]);
    assert_eq!(resource_ids(&groups.body).len(), 1);
}

#[tokio::test]
async fn seeded_user_found_ignoring_case() {
    let seed = json!({"users": [
        {"userName": "ÅSA@example.com", "emails": [{"value": "asa@example.com", "primary": true}]},
        {"userName": "ΣΊΣΥΦΟΣ@example.com", "emails": [{"value": "sisyphus@example.com", "primary": true}]}
    ]});
    let (_folder, result) = start_seeded(&seed).await;
    let server = result.expect("the seed loads");
    let scim = Scim::new(server.base_url(), server.token());

    for (filter, expected) in [
        ("userName eq \"åsa@example.com\"", "ÅSA@example.com"),
        ("userName eq \"σίσυφος@example.com\"", "ΣΊΣΥΦΟΣ@example.com"),
    ] {
        let query: String = form_urlencoded::byte_serialize(filter.as_bytes()).collect();
        let found = scim.get(&format!("/Users?filter={query}")).await;
        assert_eq!(found.body["totalResults"], 1, "{filter}: {:?}", found.body);
        assert_eq!(found.body["Resources"][0]["userName"], expected, "{filter}");
    }
}
