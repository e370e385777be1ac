//! The accept loop and the per-request wrapper: body limits, the control
//! API, the rate limiter and fault rules, the journal, tracing, panic
//! containment and graceful shutdown.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::CONTENT_LENGTH;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Either};
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
use crate::clock;
use crate::error::ScimError;
use crate::faults::{
    self, AppliedFault, ConnectionDropped, Disconnect, FaultableStream, Outcome, RequestFacts, ResetOnDrop, ServedBody, TruncatedBody,
};
use crate::journal::{Ending, Received};

/// How long shutdown waits for requests in flight before dropping them.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Bytes of an oversized body read and discarded before the 413 is sent.
const MAX_DRAIN_BYTES: u64 = 16 * 1024 * 1024;

/// How long draining an oversized body waits for the next chunk.
const DRAIN_IDLE_TIMEOUT: Duration = Duration::from_millis(500);

/// How long a client may take to send a body once its headers arrived. A
/// client that announces more bytes than it sends would otherwise hold a
/// connection and a task until it gives up itself.
const BODY_READ_TIMEOUT: Duration = Duration::from_secs(15);

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
                let (stream, reset) = FaultableStream::new(stream);
                let app = Arc::clone(&app);
                let service = service_fn(move |request| {
                    let app = Arc::clone(&app);
                    let reset = Arc::clone(&reset);
                    async move { handle(app, request, &reset).await }
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

/// One request's outcome, with what the journal records of it.
struct Exchange {
    outcome: Outcome,
    /// `None` for control API requests, which the journal leaves out.
    received: Option<Received>,
    faults: Vec<AppliedFault>,
}

/// Serves one request, logging its method, path, status and duration and
/// recording it in the journal. Returns an error when a fault drops the
/// connection, which makes hyper close it without a response.
pub(crate) async fn handle(app: Arc<App>, request: Request<Incoming>, reset: &ResetOnDrop) -> Result<Response<ServedBody>, ConnectionDropped> {
    let started = Instant::now();
    let span = tracing::info_span!("request", method = %request.method(), path = %request.uri().path());

    async move {
        let exchange = respond(&app, request).await;
        let (status, ending) = match &exchange.outcome {
            Outcome::Respond(response) => (Some(response.status().as_u16()), Ending::Responded),
            Outcome::Truncate { response, .. } => (Some(response.status().as_u16()), Ending::Truncated),
            Outcome::Disconnect(Disconnect::Reset) => (None, Ending::Reset),
            Outcome::Disconnect(Disconnect::Close) => (None, Ending::Closed),
        };
        let elapsed = started.elapsed();
        tracing::info!(
            status,
            ending = ?ending,
            duration_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            "request served"
        );
        if let Some(received) = exchange.received {
            app.journal.record(received, status, ending, elapsed, exchange.faults);
        }

        match exchange.outcome {
            Outcome::Respond(response) => Ok(response.map(Either::Left)),
            Outcome::Truncate { response, keep_bytes } => {
                let (parts, body) = response.into_parts();
                let bytes = match body.collect().await {
                    Ok(collected) => collected.to_bytes(),
                    Err(never) => match never {},
                };
                Ok(Response::from_parts(parts, Either::Right(TruncatedBody::new(bytes, keep_bytes))))
            }
            Outcome::Disconnect(how) => {
                if how == Disconnect::Reset {
                    reset.request();
                }
                Err(ConnectionDropped(how))
            }
        }
    }
    .instrument(span)
    .await
}

async fn respond(app: &App, request: Request<Incoming>) -> Exchange {
    let (parts, body) = request.into_parts();
    let limit = if app.control_token.is_some() && crate::control::is_control_path(parts.uri.path()) {
        BodyLimit {
            bytes: crate::control::MAX_BODY_BYTES,
            advice: "split the state, or load it with --state-file at start",
        }
    } else {
        BodyLimit {
            bytes: app.transport.max_body_bytes,
            advice: "send a smaller body, for example fewer PATCH operations per request",
        }
    };
    let read = tokio::time::timeout(BODY_READ_TIMEOUT, read_body(body, &parts.headers, limit)).await;
    let read = read.unwrap_or_else(|_| {
        tracing::warn!(timeout_s = BODY_READ_TIMEOUT.as_secs(), "timed out reading a request body");
        Err(ScimError::new(
            StatusCode::REQUEST_TIMEOUT,
            None,
            format!(
                "Timed out after {} s reading the request body: send as many bytes as Content-Length announces.",
                BODY_READ_TIMEOUT.as_secs()
            ),
        ))
    });
    let body = match read {
        Ok(body) => body,
        Err(error) => {
            let received = Received::new(&parts.method, parts.uri.path(), parts.uri.query(), &parts.headers, b"");
            return Exchange {
                outcome: Outcome::Respond(response::scim_error(&error)),
                received: Some(received),
                faults: Vec::new(),
            };
        }
    };
    let path = parts.uri.path().to_owned();
    let request = ScimRequest::new(
        parts.method,
        &path,
        parts.uri.query(),
        parts.headers,
        body,
        app.transport.strict_content_type,
    );

    if let Some(token) = app.control_token.as_deref().filter(|_| crate::control::is_control_request(&request)) {
        return Exchange {
            outcome: Outcome::Respond(crate::control::route(app, &request, token).await),
            received: None,
            faults: Vec::new(),
        };
    }

    let received = Received::new(&request.method, &path, parts.uri.query(), &request.headers, &request.body);
    if app.faults.is_idle() {
        // Without rules the facts that matching reads are not built: they
        // parse the JSON body a second time, and cost 5% of a GET.
        return Exchange {
            outcome: Outcome::Respond(route_contained(app, &request)),
            received: Some(received),
            faults: Vec::new(),
        };
    }
    let facts = RequestFacts::of(&request, &path);
    if let Err(throttled) = app.faults.acquire(&facts, Instant::now()) {
        tracing::info!(retry_after_ms = throttled.wait.as_millis() as u64, "rate limit exceeded");
        return Exchange {
            outcome: Outcome::Respond(faults::rate_limited(throttled.requests_per_second, throttled.wait)),
            received: Some(received),
            faults: vec![AppliedFault::rate_limit()],
        };
    }

    let plan = app.faults.plan(&facts, clock::now());
    let applied = plan.applied.clone();
    let outcome = faults::carry_out(app, &facts, plan, || route_contained(app, &request)).await;
    Exchange {
        outcome,
        received: Some(received),
        faults: applied,
    }
}

/// Routes a request, turning a handler panic into a 500.
fn route_contained(app: &App, request: &ScimRequest) -> Response<Body> {
    // A bug in a handler must cost one request, not the server: the store's
    // locks do not poison, and every write stores its record last, so state
    // stays consistent after an unwind.
    match std::panic::catch_unwind(AssertUnwindSafe(|| router::route(app, request))) {
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

/// The largest body a request may send, and what to do about a larger one.
struct BodyLimit {
    bytes: usize,
    advice: &'static str,
}

/// Reads the whole body, or returns the 413 for one over the limit.
async fn read_body(mut body: Incoming, headers: &http::HeaderMap, limit: BodyLimit) -> Result<Bytes, ScimError> {
    let BodyLimit { bytes: limit, advice } = limit;
    let too_large = || {
        ScimError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
            format!("The request body is larger than the limit of {limit} bytes: {advice}."),
        )
    };

    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.parse::<u64>().ok());
    if let Some(length) = declared.filter(|length| *length > limit as u64) {
        if length <= MAX_DRAIN_BYTES {
            drain(body, MAX_DRAIN_BYTES).await;
        }
        return Err(too_large());
    }

    let mut collected = bytes::BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| {
            ScimError::invalid_syntax(format!("The request body could not be read: {error}. Resend the request."))
        })?;
        let Ok(data) = frame.into_data() else { continue };
        if collected.len() + data.len() > limit {
            drain(body, MAX_DRAIN_BYTES).await;
            return Err(too_large());
        }
        collected.extend_from_slice(&data);
    }
    Ok(collected.freeze())
}

/// Reads and discards the rest of a body, up to `budget` bytes.
///
/// Sending 413 while the client is still writing makes many clients fail
/// with a broken pipe before they read the response, so a body of moderate
/// size is consumed first. A larger one is cut off, as reading it all would
/// let any client make the mock read without bound, and a client that
/// stops sending gets its 413 after [`DRAIN_IDLE_TIMEOUT`].
async fn drain(mut body: Incoming, budget: u64) {
    let mut read: u64 = 0;
    while let Ok(Some(Ok(frame))) = tokio::time::timeout(DRAIN_IDLE_TIMEOUT, body.frame()).await {
        if let Ok(data) = frame.into_data() {
            read += data.len() as u64;
            if read > budget {
                break;
            }
        }
    }
}
