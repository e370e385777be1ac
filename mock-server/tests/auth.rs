//! Bearer-key checks: 401 for a missing or malformed `Authorization`
//! header, 403 for a key that does not open the directory, both with
//! Atlassian's `{"error", "traceId"}` body, and 404 for an unknown directory.

mod common;

use common::{assert_auth_error, assert_scim_error, start, start_seeded, Scim, ENTRA_DIRECTORY, OKTA_DIRECTORY};
use reqwest::header::AUTHORIZATION;
use reqwest::Method;

#[tokio::test]
async fn missing_header_is_401() {
    let (_server, scim) = start().await;

    let reply = scim.send(scim.http.get(scim.url("/Users"))).await;

    assert_auth_error(&reply, 401);
}

#[tokio::test]
async fn basic_scheme_is_401() {
    let (_server, scim) = start().await;

    let request = scim.http.get(scim.url("/Users")).header(AUTHORIZATION, "Basic dXNlcjpwYXNz");
    let reply = scim.send(request).await;

    assert_auth_error(&reply, 401);
}

#[tokio::test]
async fn basic_scheme_with_real_key_is_401() {
    let (_server, scim) = start().await;

    let request = scim.http.get(scim.url("/Users")).header(AUTHORIZATION, format!("Basic {}", scim.token));
    let reply = scim.send(request).await;

    assert_auth_error(&reply, 401);
}

#[tokio::test]
async fn empty_bearer_is_401() {
    let (_server, scim) = start().await;

    for value in ["Bearer", "Bearer ", "Bearer    "] {
        let request = scim.http.get(scim.url("/Users")).header(AUTHORIZATION, value);
        let reply = scim.send(request).await;

        assert_auth_error(&reply, 401);
    }
}

#[tokio::test]
async fn non_ascii_header_is_401() {
    let (_server, scim) = start().await;
    let value = reqwest::header::HeaderValue::from_bytes(b"Bearer \xe9t\xe9").expect("obs-text is a valid header value");

    let request = scim.http.get(scim.url("/Users")).header(AUTHORIZATION, value);
    let reply = scim.send(request).await;

    assert_auth_error(&reply, 401);
}

#[tokio::test]
async fn missing_header_on_write_is_401() {
    let (_server, scim) = start().await;

    let request = scim
        .http
        .post(scim.url("/Users"))
        .header("content-type", "application/scim+json")
        .body(common::user_body("ada").to_string());
    let reply = scim.send(request).await;

    assert_auth_error(&reply, 401);
    let list = scim.get("/Users").await;
    assert_eq!(list.body["totalResults"], 0, "a rejected create must not store a user");
}

#[tokio::test]
async fn bearer_scheme_any_case_accepted() {
    let (_server, scim) = start().await;

    let request = scim
        .http
        .get(scim.url("/Users"))
        .header(AUTHORIZATION, format!("bearer {}", scim.token));
    let reply = scim.send(request).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
}

#[tokio::test]
async fn wrong_key_is_403() {
    let (server, scim) = start().await;
    let wrong = Scim::new(server.base_url(), "not-the-directory-key");

    let reply = wrong.get("/Users").await;

    assert_auth_error(&reply, 403);
    let allowed = scim.get("/Users").await;
    assert_eq!(allowed.status, 200, "{}", allowed.text);
}

#[tokio::test]
async fn other_directory_key_is_403() {
    let server = start_seeded().await;
    let okta_url_with_entra_key = Scim::new(
        format!("{}/scim/directory/{}", server.url(), OKTA_DIRECTORY.0),
        ENTRA_DIRECTORY.1,
    );
    let default_url_with_okta_key = Scim::new(server.base_url(), OKTA_DIRECTORY.1);

    let reply = okta_url_with_entra_key.get("/Users").await;
    assert_auth_error(&reply, 403);

    let reply = default_url_with_okta_key.get("/Users").await;
    assert_auth_error(&reply, 403);
}

#[tokio::test]
async fn org_key_on_directory_is_403() {
    let (server, _scim) = start().await;
    let with_org_key = Scim::new(server.base_url(), server.org_token());

    let reply = with_org_key.get("/Users").await;

    assert_auth_error(&reply, 403);
}

#[tokio::test]
async fn other_directory_key_cannot_write() {
    let server = start_seeded().await;
    let okta = Scim::for_directory(&server, OKTA_DIRECTORY);
    let intruder = Scim::new(okta.base.clone(), ENTRA_DIRECTORY.1);

    let reply = intruder.post("/Users", &common::user_body("intruder@acme.example")).await;

    assert_auth_error(&reply, 403);
    let list = okta.get(&common::users_filter("userName eq \"intruder@acme.example\"")).await;
    assert_eq!(list.body["totalResults"], 0, "{}", list.text);
}

#[tokio::test]
async fn trace_ids_differ() {
    let (_server, scim) = start().await;

    let first = scim.send(scim.http.get(scim.url("/Users"))).await;
    let second = scim.send(scim.http.get(scim.url("/Users"))).await;

    assert_ne!(first.body["traceId"], second.body["traceId"]);
}

#[tokio::test]
async fn unknown_directory_is_404() {
    let (server, scim) = start().await;
    let unknown = Scim::new(
        format!("{}/scim/directory/00000000-0000-4000-8000-000000000000", server.url()),
        scim.token.clone(),
    );

    let reply = unknown.get("/Users").await;

    assert_scim_error(&reply, 404, None);
}

#[tokio::test]
async fn non_uuid_directory_is_404() {
    let (server, scim) = start().await;
    let unknown = Scim::new(format!("{}/scim/directory/not-a-directory", server.url()), scim.token.clone());

    let reply = unknown.get("/Users").await;

    assert_scim_error(&reply, 404, None);
}

#[tokio::test]
async fn every_endpoint_requires_key() {
    let (_server, scim) = start().await;
    let user_path = "/Users/00000000-0000-4000-8000-000000000000";
    let group_path = "/Groups/00000000-0000-4000-8000-000000000000";
    let cases = [
        (Method::GET, "/Users"),
        (Method::POST, "/Users"),
        (Method::GET, user_path),
        (Method::PUT, user_path),
        (Method::PATCH, user_path),
        (Method::DELETE, user_path),
        (Method::GET, "/Groups"),
        (Method::POST, "/Groups"),
        (Method::GET, group_path),
        (Method::PUT, group_path),
        (Method::PATCH, group_path),
        (Method::DELETE, group_path),
        (Method::GET, "/ServiceProviderConfig"),
        (Method::GET, "/ResourceTypes"),
        (Method::GET, "/Schemas"),
    ];

    for (method, path) in cases {
        let request = scim
            .http
            .request(method.clone(), scim.url(path))
            .header("content-type", "application/scim+json")
            .body("{}");
        let reply = scim.send(request).await;

        assert_eq!(reply.status, 401, "{method} {path}: {}", reply.text);
        assert!(reply.body["traceId"].is_string(), "{method} {path}: {}", reply.text);
    }
}
