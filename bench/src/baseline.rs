//! The baseline: a bare hyper HTTP/1.1 server that returns one fixed SCIM
//! user body for every request, so the ratio to it shows what the mock's
//! own work costs on top of HTTP on this machine.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderValue, Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A running baseline server; dropping it stops the accept loop.
#[derive(Debug)]
pub struct Baseline {
    pub address: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for Baseline {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the baseline on a free loopback port. Every response is `200`
/// with `body` as `application/scim+json`.
pub async fn start(body: Bytes) -> anyhow::Result<Baseline> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let task = tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let body = body.clone();
            let service = service_fn(move |_request: Request<Incoming>| {
                let mut response = Response::new(Full::new(body.clone()));
                response
                    .headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/scim+json"));
                async move { Ok::<_, Infallible>(response) }
            });
            tokio::spawn(async move {
                let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    Ok(Baseline { address, task })
}
