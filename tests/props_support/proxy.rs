//! A loopback HTTP proxy that forwards to the mock server but breaks one
//! rule on purpose, to prove that the properties catch real bugs.
//!
//! The proxy keeps the mock's base path, so `http://127.0.0.1:<proxy port>`
//! plus the mock's `/scim/directory/<id>` is a working SCIM base URL.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The one behaviour a proxy breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `userName eq` filters match case-sensitively: the proxy drops every
    /// listed user whose `userName` differs from the filter value in case.
    CaseSensitiveUserNameFilter,
    /// A duplicate user create is accepted: the mock's 409 on `POST /Users`
    /// becomes 201 with the request body and a made-up id.
    DuplicateUserAccepted,
    /// Every second `add` of `members` to a group is lost: the proxy returns
    /// 200 with the unchanged group and never forwards the PATCH.
    DropSecondMemberAdd,
}

/// A running proxy; dropping it stops accepting connections.
#[derive(Debug)]
pub struct FaultyProxy {
    base_url: String,
    task: JoinHandle<()>,
}

impl Drop for FaultyProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Debug)]
struct ProxyState {
    client: reqwest::Client,
    /// `http://127.0.0.1:<mock port>`.
    upstream_origin: String,
    fault: Fault,
    /// Member adds seen per group path, for [`Fault::DropSecondMemberAdd`].
    member_adds: Mutex<HashMap<String, u32>>,
    /// Counter for made-up ids, for [`Fault::DuplicateUserAccepted`].
    fake_ids: Mutex<u64>,
}

impl FaultyProxy {
    /// Starts a proxy on 127.0.0.1 in front of the SCIM base URL `upstream`.
    pub async fn start(upstream: &str, fault: Fault) -> FaultyProxy {
        let upstream_url = reqwest::Url::parse(upstream).expect("the mock base URL parses");
        let upstream_origin = format!(
            "{}://{}:{}",
            upstream_url.scheme(),
            upstream_url.host_str().expect("the mock URL has a host"),
            upstream_url.port().expect("the mock URL has a port")
        );
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("a loopback port is free");
        let address = listener.local_addr().expect("the listener has an address");
        let base_url = format!("http://{address}{}", upstream_url.path());
        let state = Arc::new(ProxyState {
            client: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("the client builds"),
            upstream_origin,
            fault,
            member_adds: Mutex::new(HashMap::new()),
            fake_ids: Mutex::new(0),
        });
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let state = Arc::clone(&state);
                tokio::spawn(async move {
                    let service = service_fn(move |request| handle(Arc::clone(&state), request));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        FaultyProxy { base_url, task }
    }

    /// Returns the SCIM base URL of the proxy.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }
}

/// A response as the proxy got it from the mock, or as it makes it up.
struct Forwarded {
    status: u16,
    content_type: Option<String>,
    body: Bytes,
}

impl Forwarded {
    fn json(status: u16, body: &Value) -> Self {
        Forwarded {
            status,
            content_type: Some("application/scim+json".to_owned()),
            body: Bytes::from(body.to_string()),
        }
    }
}

async fn forward(
    state: &ProxyState,
    method: &hyper::Method,
    path_and_query: &str,
    headers: &hyper::HeaderMap,
    body: Bytes,
) -> Forwarded {
    let method = reqwest::Method::from_bytes(method.as_str().as_bytes()).expect("the method is valid");
    let mut request = state
        .client
        .request(method, format!("{}{path_and_query}", state.upstream_origin));
    for name in ["authorization", "content-type", "accept"] {
        if let Some(value) = headers.get(name) {
            request = request.header(name, value.as_bytes());
        }
    }
    let response = request.body(body).send().await.expect("the mock answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let body = response.bytes().await.expect("the mock sends a body");
    Forwarded {
        status,
        content_type,
        body,
    }
}

async fn handle(state: Arc<ProxyState>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .unwrap_or_default();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_default();
    let path = parts.uri.path().to_owned();

    let forwarded = match state.fault {
        Fault::DuplicateUserAccepted if parts.method == hyper::Method::POST && path.ends_with("/Users") => {
            let forwarded = forward(&state, &parts.method, &path_and_query, &parts.headers, body.clone()).await;
            if forwarded.status == 409 {
                let mut resource: Value = serde_json::from_slice(&body).unwrap_or_else(|_| json!({}));
                let mut counter = state.fake_ids.lock().expect("the counter lock is not poisoned");
                *counter += 1;
                resource["id"] = json!(format!("00000000-0000-4000-8000-{:012x}", *counter));
                Forwarded::json(201, &resource)
            } else {
                forwarded
            }
        }
        Fault::CaseSensitiveUserNameFilter if parts.method == hyper::Method::GET && path.ends_with("/Users") => {
            let forwarded = forward(&state, &parts.method, &path_and_query, &parts.headers, body).await;
            match (
                user_name_filter(&path_and_query),
                serde_json::from_slice::<Value>(&forwarded.body),
            ) {
                (Some(wanted), Ok(mut list)) if forwarded.status == 200 => {
                    let exact_matches: Vec<Value> = list["Resources"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|user| user["userName"] == wanted.as_str())
                        .collect();
                    list["totalResults"] = json!(exact_matches.len());
                    list["itemsPerPage"] = json!(exact_matches.len());
                    list["Resources"] = Value::Array(exact_matches);
                    Forwarded::json(200, &list)
                }
                _ => forwarded,
            }
        }
        Fault::DropSecondMemberAdd
            if parts.method == hyper::Method::PATCH && path.contains("/Groups/") && adds_members(&body) =>
        {
            let count = {
                let mut adds = state.member_adds.lock().expect("the member-add lock is not poisoned");
                let count = adds.entry(path.clone()).or_default();
                *count += 1;
                *count
            };
            if count % 2 == 0 {
                forward(&state, &hyper::Method::GET, &path, &parts.headers, Bytes::new()).await
            } else {
                forward(&state, &parts.method, &path_and_query, &parts.headers, body).await
            }
        }
        _ => forward(&state, &parts.method, &path_and_query, &parts.headers, body).await,
    };

    let mut response = Response::builder().status(forwarded.status);
    if let Some(content_type) = forwarded.content_type {
        response = response.header("content-type", content_type);
    }
    Ok(response.body(Full::new(forwarded.body)).expect("the response builds"))
}

/// Returns the value of a `userName eq "..."` filter in a query, decoded.
fn user_name_filter(path_and_query: &str) -> Option<String> {
    let url = reqwest::Url::parse(&format!("http://proxy{path_and_query}")).ok()?;
    let filter = url.query_pairs().find(|(name, _)| name == "filter")?.1.into_owned();
    let literal = filter.strip_prefix("userName eq ")?;
    serde_json::from_str::<String>(literal).ok()
}

/// Tells whether a PATCH body adds to `members`.
fn adds_members(body: &[u8]) -> bool {
    let Ok(patch) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    let operations = patch.get("Operations").or_else(|| patch.get("operations"));
    operations.and_then(Value::as_array).is_some_and(|operations| {
        operations.iter().any(|operation| {
            operation["op"]
                .as_str()
                .is_some_and(|op| op.eq_ignore_ascii_case("add"))
                && operation["path"] == "members"
        })
    })
}
