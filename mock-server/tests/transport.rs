//! Transport rules: unknown paths, request `Content-Type`, the body size
//! limit and the response media type.

mod common;

use common::{assert_scim_error, start, start_with, user_body, Scim, SCIM_JSON};
use reqwest::Method;
use scim_mock::{Behaviour, MockServer};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The default body size limit: 1 MiB.
const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

#[tokio::test]
async fn unknown_path_is_404() {
    let (server, scim) = start().await;

    for path in ["/nope", "/scim", "/scim/directory", "/Users"] {
        let reply = scim.get(&format!("{}{path}", server.url())).await;
        assert_scim_error(&reply, 404, None);
    }
}

#[tokio::test]
async fn unknown_directory_path_is_404() {
    let (_server, scim) = start().await;

    for path in ["/Bulk", "/Me", "/.search", "/Widgets", "/Users/x/y", "/Schemas/a/b"] {
        let reply = scim.get(path).await;
        assert_scim_error(&reply, 404, None);
    }
}

#[tokio::test]
async fn bulk_post_is_404() {
    let (_server, scim) = start().await;

    let reply = scim.post("/Bulk", &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": []})).await;

    assert_scim_error(&reply, 404, None);
}

#[tokio::test]
async fn root_search_is_404() {
    let (_server, scim) = start().await;

    let reply = scim.post("/.search", &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]})).await;

    assert_scim_error(&reply, 404, None);
}

#[tokio::test]
async fn resource_search_is_404() {
    let (_server, scim) = start().await;

    for path in ["/Users/.search", "/Groups/.search"] {
        let reply = scim.post(path, &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]})).await;
        assert_scim_error(&reply, 404, None);
    }
}

#[tokio::test]
async fn text_plain_body_is_415() {
    let (_server, scim) = start().await;

    let reply = scim.send_raw(Method::POST, "/Users", "text/plain", user_body("ada").to_string()).await;

    assert_scim_error(&reply, 415, None);
    let list = scim.get("/Users").await;
    assert_eq!(list.body["totalResults"], 0, "{}", list.text);
}

#[tokio::test]
async fn other_media_types_are_415() {
    let (_server, scim) = start().await;
    let user = scim.post_user("ada").await;
    let user_path = format!("/Users/{}", user["id"].as_str().expect("id"));
    let patch = common::patch_body(json!([{"op": "replace", "path": "title", "value": "x"}])).to_string();

    for content_type in ["text/plain", "application/xml", "application/x-www-form-urlencoded", "text/json"] {
        let reply = scim.send_raw(Method::PATCH, &user_path, content_type, patch.clone()).await;
        assert_scim_error(&reply, 415, None);
    }
}

#[tokio::test]
async fn missing_content_type_is_415() {
    let (_server, scim) = start().await;

    let request = scim.request(Method::POST, "/Users").body(user_body("ada").to_string());
    let reply = scim.send(request).await;

    assert_scim_error(&reply, 415, None);
}

#[tokio::test]
async fn json_media_types_accepted() {
    let (_server, scim) = start().await;
    let content_types = [
        "application/json",
        "application/scim+json",
        "application/json; charset=utf-8",
        "application/scim+json; charset=UTF-8",
        "Application/JSON",
        "application/json;charset=utf-8",
    ];

    for (index, content_type) in content_types.iter().enumerate() {
        let body = user_body(&format!("user{index}")).to_string();
        let reply = scim.send_raw(Method::POST, "/Users", content_type, body).await;
        assert_eq!(reply.status, 201, "{content_type}: {}", reply.text);
    }
}

#[tokio::test]
async fn lenient_content_type_accepts_text() {
    let behaviour = Behaviour {
        strict_content_type: false,
        ..Behaviour::default()
    };
    let (_server, scim) = start_with(MockServer::builder().behaviour(behaviour)).await;

    let reply = scim.send_raw(Method::POST, "/Users", "text/plain", user_body("ada").to_string()).await;

    assert_eq!(reply.status, 201, "{}", reply.text);
}

#[tokio::test]
async fn declared_oversized_body_is_413() {
    let (server, scim) = start().await;
    let path = format!("/scim/directory/{}/Users", server.directory_id());

    // Only the headers are sent: the mock must reject the declared length
    // without waiting for the body.
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\n\r\n",
        server.address(),
        scim.token,
        DEFAULT_BODY_LIMIT + 1
    );
    let (status, body) = raw_exchange(&server, head.as_bytes()).await;

    assert_eq!(status, 413, "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).expect("the 413 body is JSON");
    assert_eq!(body["status"], "413");
    assert_eq!(body["schemas"], json!([common::ERROR_URN]));
}

#[tokio::test]
async fn chunked_oversized_body_is_413() {
    let (server, scim) = start().await;
    let path = format!("/scim/directory/{}/Users", server.directory_id());

    // One chunk one byte over the limit and no terminating chunk, so the
    // mock has read every byte sent when it rejects the body.
    let size = DEFAULT_BODY_LIMIT + 1;
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: application/scim+json\r\nTransfer-Encoding: chunked\r\n\r\n{size:x}\r\n",
        server.address(),
        scim.token,
    )
    .into_bytes();
    request.extend(std::iter::repeat_n(b' ', size));
    let (status, body) = raw_exchange(&server, &request).await;

    assert_eq!(status, 413, "{body}");
}

#[tokio::test]
async fn body_under_limit_accepted() {
    let (_server, scim) = start().await;
    let mut body = user_body("ada");
    // An unknown attribute is ignored, so only the size matters here.
    body["padding"] = json!("x".repeat(DEFAULT_BODY_LIMIT - 1000));

    let reply = scim.post("/Users", &body).await;

    assert_eq!(reply.status, 201, "{}", &reply.text[..reply.text.len().min(300)]);
}

#[tokio::test]
async fn oversized_json_body_is_413() {
    let behaviour = Behaviour {
        max_body_bytes: 64 * 1024,
        ..Behaviour::default()
    };
    let (server, scim) = start_with(MockServer::builder().behaviour(behaviour)).await;
    let path = format!("/scim/directory/{}/Users", server.directory_id());

    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\n\r\n",
        server.address(),
        scim.token,
        64 * 1024 + 1
    );
    let (status, _body) = raw_exchange(&server, head.as_bytes()).await;

    assert_eq!(status, 413);
    let small = scim.post("/Users", &user_body("ada")).await;
    assert_eq!(small.status, 201, "{}", small.text);
}

#[tokio::test]
async fn responses_are_scim_json() {
    let (_server, scim) = start().await;
    let user = scim.post_user("ada").await;
    let user_path = format!("/Users/{}", user["id"].as_str().expect("id"));
    let group = scim.post_group("Engineering").await;
    let group_path = format!("/Groups/{}", group["id"].as_str().expect("id"));

    let replies = [
        scim.get("/Users").await,
        scim.get(&user_path).await,
        scim.put(&user_path, &user_body("ada")).await,
        scim.patch_ops(&user_path, json!([{"op": "replace", "path": "title", "value": "x"}])).await,
        scim.get("/Groups").await,
        scim.get(&group_path).await,
        scim.get("/ServiceProviderConfig").await,
        scim.get("/ResourceTypes").await,
        scim.get("/Schemas").await,
        scim.get("/Users/00000000-0000-4000-8000-000000000000").await,
        scim.post("/Users", &json!({})).await,
    ];

    for reply in replies {
        assert_eq!(reply.media_type(), SCIM_JSON, "{} {}", reply.status, reply.text);
    }
}

#[tokio::test]
async fn created_user_sets_scim_json() {
    let (_server, scim) = start().await;

    let reply = scim.post("/Users", &user_body("ada")).await;

    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.media_type(), SCIM_JSON);
}

#[tokio::test]
async fn delete_is_empty_204() {
    let (_server, scim) = start().await;
    let user = scim.post_user("ada").await;

    let reply = scim.delete(&format!("/Users/{}", user["id"].as_str().expect("id"))).await;

    assert_eq!(reply.status, 204);
    assert_eq!(reply.text, "");
}

#[tokio::test]
async fn trailing_slash_routes_alike() {
    let (_server, scim) = start().await;

    let reply = scim.get("/Users/").await;

    assert_eq!(reply.status, 200, "{}", reply.text);
}

#[tokio::test]
async fn unsupported_method_is_405() {
    let (_server, scim) = start().await;

    let reply = scim.send(scim.request(Method::DELETE, "/Users")).await;

    assert_scim_error(&reply, 405, None);
}

#[tokio::test]
async fn if_match_ignored() {
    let (_server, scim) = start().await;
    let user = scim.post_user("ada").await;
    let path = format!("/Users/{}", user["id"].as_str().expect("id"));

    let request = scim
        .request(Method::PUT, &path)
        .header("content-type", SCIM_JSON)
        .header("if-match", "W/\"stale\"")
        .body(user_body("ada").to_string());
    let reply = scim.send(request).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
}

#[tokio::test]
async fn public_url_used_in_locations() {
    let (server, scim) = start_with(MockServer::builder().public_url("https://scim.example.test/")).await;
    let local = Scim::new(format!("{}/scim/directory/{}", local_url(&server), server.directory_id()), scim.token.clone());

    let reply = local.post("/Users", &user_body("ada")).await;

    assert_eq!(reply.status, 201, "{}", reply.text);
    let location = reply.header("location").unwrap_or_default().to_owned();
    let expected_prefix = format!("https://scim.example.test/scim/directory/{}/Users/", server.directory_id());
    assert!(location.starts_with(&expected_prefix), "Location {location}");
    assert_eq!(reply.body["meta"]["location"], json!(location));
}

/// Returns the loopback URL a server listens on, whatever its public URL.
fn local_url(server: &MockServer) -> String {
    format!("http://{}", server.address())
}

/// Writes `request` on a fresh connection and returns the response status
/// and body. The response must carry a `Content-Length`.
async fn raw_exchange(server: &MockServer, request: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(server.address()).await.expect("connects to the mock");
    stream.write_all(request).await.expect("writes the request");
    stream.flush().await.expect("flushes the request");

    let mut received = Vec::new();
    let mut buffer = [0_u8; 8192];
    loop {
        if let Some((status, body)) = parse_response(&received) {
            return (status, body);
        }
        let read = stream.read(&mut buffer).await.expect("reads the response");
        assert!(read > 0, "connection closed before a full response: {:?}", String::from_utf8_lossy(&received));
        received.extend_from_slice(&buffer[..read]);
    }
}

/// Parses a complete HTTP/1.1 response with a `Content-Length`, or returns
/// `None` while bytes are missing.
fn parse_response(bytes: &[u8]) -> Option<(u16, String)> {
    let text = String::from_utf8_lossy(bytes);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length").then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    (body.len() >= length).then(|| (status, body[..length].to_owned()))
}

#[tokio::test]
async fn stalled_body_times_out_with_408() {
    let (server, _scim) = start().await;
    let request = format!(
        "POST /scim/directory/{}/Users HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\nContent-Type: application/scim+json\r\nContent-Length: 100\r\n\r\n{{}}",
        server.directory_id(),
        server.token()
    );

    let (status, body) = raw_exchange(&server, request.as_bytes()).await;

    assert_eq!(status, 408, "{body}");
    assert!(body.contains("Content-Length"), "{body}");
}
