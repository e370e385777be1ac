//! The accept loop and the per-request wrapper: body limits, tracing,
//! panic containment and graceful shutdown.

use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::CONTENT_LENGTH;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::Instrument;

use super::response::{self, Body};
use super::{router, ScimRequest};
use crate::app::App;
use crate::error::ScimError;

/// How long shutdown waits for requests in flight before dropping them.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Serves connections from `listener` until `shutdown` turns true, then
/// stops accepting and waits up to [`DRAIN_TIMEOUT`] for open requests.
pub(crate) async fn serve(listener: TcpListener, app: Arc<App>, mut shutdown: watch::Receiver<bool>) {
    let graceful = GracefulShutdown::new();
    let builder = auto::Builder::new(TokioExecutor::new());

    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _peer)) => stream,
                    Err(error) => {
                        // Running out of file descriptors is the usual cause;
                        // pausing lets open connections finish and free some.
                        tracing::warn!(%error, "failed to accept a connection");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let app = Arc::clone(&app);
                let service = service_fn(move |request| {
                    let app = Arc::clone(&app);
                    async move { Ok::<_, Infallible>(handle(app, request).await) }
                });
                let connection = builder.serve_connection(TokioIo::new(stream), service).into_owned();
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    if let Err(error) = connection.await {
                        tracing::debug!(%error, "connection closed with an error");
                    }
                });
            }
            _ = shutdown.changed() => break,
        }
    }

    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => tracing::debug!("all connections drained"),
        () = tokio::time::sleep(DRAIN_TIMEOUT) => tracing::warn!("shutdown drain timed out; dropping open connections"),
    }
}

/// Serves one request, logging its method, path, status and duration.
pub(crate) async fn handle(app: Arc<App>, request: Request<Incoming>) -> Response<Body> {
    let started = Instant::now();
    let span = tracing::info_span!("request", method = %request.method(), path = %request.uri().path());

    async move {
        let response = respond(&app, request).await;
        tracing::info!(
            status = response.status().as_u16(),
            duration_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            "request served"
        );
        response
    }
    .instrument(span)
    .await
}

async fn respond(app: &App, request: Request<Incoming>) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let body = match read_body(body, &parts.headers, app.transport.max_body_bytes).await {
        Ok(body) => body,
        Err(error) => return response::scim_error(&error),
    };
    let request = ScimRequest::new(
        parts.method,
        parts.uri.path(),
        parts.uri.query(),
        parts.headers,
        body,
        app.transport.strict_content_type,
    );

    // A bug in a handler must cost one request, not the server: the store's
    // locks do not poison, and every write stores its record last, so state
    // stays consistent after an unwind.
    match std::panic::catch_unwind(AssertUnwindSafe(|| router::route(app, &request))) {
        Ok(response) => response,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            tracing::error!(panic = %message, "handler panicked; the server keeps serving");
            response::scim_error(&ScimError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                None,
                format!("The mock failed while handling this request ({message}). This is a bug in the mock; please report it with the request."),
            ))
        }
    }
}

/// Reads the whole body, or returns the 413 for one over `limit` bytes.
async fn read_body(body: Incoming, headers: &http::HeaderMap, limit: usize) -> Result<Bytes, ScimError> {
    let too_large = || {
        ScimError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
            format!("The request body is larger than the limit of {limit} bytes: send a smaller body, for example fewer PATCH operations per request."),
        )
    };

    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large());
    }

    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.downcast_ref::<http_body_util::LengthLimitError>().is_some() => Err(too_large()),
        Err(error) => Err(ScimError::invalid_syntax(format!(
            "The request body could not be read: {error}. Resend the request."
        ))),
    }
}
