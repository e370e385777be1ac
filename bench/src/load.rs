//! The load generator: closed-loop clients over keep-alive HTTP/1.1
//! connections, one tokio task per connection, with exact latency
//! percentiles from every recorded request.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use http::{HeaderValue, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// A server under test: its socket address, the path of its SCIM base and
/// the headers every request carries.
#[derive(Debug, Clone)]
pub struct Target {
    pub address: SocketAddr,
    /// The path part of the SCIM base URL, such as `/scim/directory/<id>`.
    pub base_path: String,
    host: HeaderValue,
    authorization: HeaderValue,
}

impl Target {
    /// Creates a target for a server on `address` whose SCIM base path is
    /// `base_path`.
    ///
    /// Fails unless `address` is a loopback address, because the bench only
    /// sends load to servers it started on this machine.
    pub fn new(address: SocketAddr, base_path: &str, token: &str) -> anyhow::Result<Target> {
        if !address.ip().is_loopback() {
            bail!("refusing to send load to {address}: the bench only targets servers on a loopback address");
        }
        Ok(Target {
            address,
            base_path: base_path.trim_end_matches('/').to_owned(),
            host: HeaderValue::from_str(&address.to_string())?,
            authorization: HeaderValue::from_str(&format!("Bearer {token}"))
                .context("the token is not a valid header value")?,
        })
    }

    /// Parses a base URL such as `http://127.0.0.1:8080/scim/directory/<id>`.
    ///
    /// Only `http` URLs with a literal loopback IP address are accepted.
    pub fn from_base_url(url: &str, token: &str) -> anyhow::Result<Target> {
        let rest = url
            .strip_prefix("http://")
            .with_context(|| format!("base URL {url:?} must start with http://"))?;
        let (authority, path) = match rest.find('/') {
            Some(slash) => rest.split_at(slash),
            None => (rest, ""),
        };
        let address: SocketAddr = authority.parse().with_context(|| {
            format!("base URL {url:?} must name an IP address and port, such as 127.0.0.1:8080")
        })?;
        Target::new(address, path, token)
    }

    /// Builds a request for `path` below the SCIM base; a body is sent as
    /// `application/scim+json`.
    pub fn request(&self, method: Method, path: &str, body: Option<String>) -> Request<Full<Bytes>> {
        let uri = format!("{}{path}", self.base_path);
        let mut builder = Request::builder()
            .method(method)
            .uri(uri)
            .header(HOST, self.host.clone())
            .header(AUTHORIZATION, self.authorization.clone());
        if body.is_some() {
            builder = builder.header(CONTENT_TYPE, HeaderValue::from_static("application/scim+json"));
        }
        let body = body.map(Bytes::from).unwrap_or_default();
        match builder.body(Full::new(body)) {
            Ok(request) => request,
            // The bench builds every path itself, so an invalid one is a bug here.
            Err(error) => panic!("the bench built an invalid request for {path:?}: {error}"),
        }
    }
}

/// One keep-alive HTTP/1.1 connection.
pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
}

impl Connection {
    /// Connects to the target and completes the HTTP/1.1 handshake.
    pub async fn open(target: &Target) -> anyhow::Result<Connection> {
        let stream = TcpStream::connect(target.address)
            .await
            .with_context(|| format!("failed to connect to {}", target.address))?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            // The connection ends when the sender is dropped or the server
            // closes it; the next send reports the latter.
            let _ = connection.await;
        });
        Ok(Connection { sender })
    }

    /// Sends a request and reads the whole response body.
    pub async fn send(&mut self, request: Request<Full<Bytes>>) -> anyhow::Result<(StatusCode, Bytes)> {
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }
}

/// Builds the `n`-th request of connection `connection`.
pub type RequestFactory = dyn Fn(&Target, usize, u64) -> Request<Full<Bytes>> + Send + Sync;

/// The requests of one benchmark cell, and the status every response must have.
#[derive(Clone)]
pub struct Workload {
    pub name: String,
    pub expected: StatusCode,
    pub next_request: Arc<RequestFactory>,
}

impl std::fmt::Debug for Workload {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Workload")
            .field("name", &self.name)
            .field("expected", &self.expected)
            .finish_non_exhaustive()
    }
}

/// How long and how hard one cell runs.
#[derive(Debug, Clone, Copy)]
pub struct CellSettings {
    pub connections: usize,
    /// Time at the start whose requests are sent but not recorded.
    pub warmup: Duration,
    /// Time whose requests are recorded.
    pub duration: Duration,
    /// Recorded requests after which every connection stops, even before
    /// `duration` is over.
    pub max_requests: u64,
}

/// Latency percentiles over the recorded requests.
#[derive(Debug, Clone, Copy, Default)]
pub struct Percentiles {
    pub p50: Duration,
    pub p90: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Percentiles {
    /// Computes nearest-rank percentiles of latencies in nanoseconds.
    fn from_nanos(mut samples: Vec<u64>) -> Percentiles {
        if samples.is_empty() {
            return Percentiles::default();
        }
        samples.sort_unstable();
        let rank = |fraction: f64| {
            let index = (fraction * samples.len() as f64).ceil() as usize;
            Duration::from_nanos(samples[index.clamp(1, samples.len()) - 1])
        };
        Percentiles {
            p50: rank(0.50),
            p90: rank(0.90),
            p99: rank(0.99),
            max: rank(1.0),
        }
    }
}

/// The outcome of one cell, or of several rounds of one cell merged.
#[derive(Debug, Clone, Default)]
pub struct CellResult {
    /// Recorded requests whose response had the expected status.
    pub requests: u64,
    /// Recorded requests with another status or no response.
    pub failures: u64,
    /// From the end of the warm-up to the last recorded response, summed
    /// over merged rounds.
    pub elapsed: Duration,
    /// Latency of every successful recorded request, in nanoseconds.
    pub samples: Vec<u64>,
    /// The first failure, for the report.
    pub first_failure: Option<String>,
}

impl CellResult {
    /// Returns successful requests per second.
    pub fn throughput(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.requests as f64 / seconds
        } else {
            0.0
        }
    }

    /// Computes the latency percentiles.
    pub fn latency(&self) -> Percentiles {
        Percentiles::from_nanos(self.samples.clone())
    }

    /// Adds another round of the same cell.
    pub fn merge(&mut self, round: CellResult) {
        self.requests += round.requests;
        self.failures += round.failures;
        self.elapsed += round.elapsed;
        self.samples.extend(round.samples);
        if self.first_failure.is_none() {
            self.first_failure = round.first_failure;
        }
    }
}

/// The measurements of one connection task.
struct ConnectionOutcome {
    latencies: Vec<u64>,
    failures: u64,
    last_response: Option<Instant>,
    first_failure: Option<String>,
}

/// Runs one cell: opens the connections, then sends requests on each in a
/// closed loop (the next request leaves when the previous response is read)
/// until the duration or the request budget is spent.
pub async fn run_cell(target: &Target, workload: &Workload, settings: CellSettings) -> anyhow::Result<CellResult> {
    let mut connections = Vec::with_capacity(settings.connections);
    for _ in 0..settings.connections {
        connections.push(Connection::open(target).await?);
    }

    let started = Instant::now();
    let measure_from = started + settings.warmup;
    let stop_at = measure_from + settings.duration;
    let budget = Arc::new(AtomicU64::new(0));

    let mut tasks = Vec::with_capacity(settings.connections);
    for (index, connection) in connections.into_iter().enumerate() {
        let target = target.clone();
        let workload = workload.clone();
        let budget = Arc::clone(&budget);
        let max_requests = settings.max_requests;
        tasks.push(tokio::spawn(async move {
            drive_connection(&target, &workload, connection, index, measure_from, stop_at, &budget, max_requests).await
        }));
    }

    let mut latencies = Vec::new();
    let mut failures = 0;
    let mut last_response = measure_from;
    let mut first_failure = None;
    for task in tasks {
        let outcome = task.await.context("a load task panicked")?;
        latencies.extend(outcome.latencies);
        failures += outcome.failures;
        if let Some(received) = outcome.last_response {
            last_response = last_response.max(received);
        }
        if first_failure.is_none() {
            first_failure = outcome.first_failure;
        }
    }

    Ok(CellResult {
        requests: latencies.len() as u64,
        failures,
        elapsed: last_response.saturating_duration_since(measure_from),
        samples: latencies,
        first_failure,
    })
}

#[allow(clippy::too_many_arguments)]
async fn drive_connection(
    target: &Target,
    workload: &Workload,
    mut connection: Connection,
    index: usize,
    measure_from: Instant,
    stop_at: Instant,
    budget: &AtomicU64,
    max_requests: u64,
) -> ConnectionOutcome {
    let mut outcome = ConnectionOutcome {
        latencies: Vec::new(),
        failures: 0,
        last_response: None,
        first_failure: None,
    };

    for sequence in 0.. {
        let sent = Instant::now();
        if sent >= stop_at {
            break;
        }
        let recorded = sent >= measure_from;
        if recorded && budget.fetch_add(1, Ordering::Relaxed) >= max_requests {
            break;
        }

        let request = (workload.next_request)(target, index, sequence);
        let response = connection.send(request).await;
        let received = Instant::now();
        let failure = match response {
            Ok((status, _)) if status == workload.expected => None,
            Ok((status, body)) => Some(format!(
                "expected {} but got {status}: {}",
                workload.expected,
                String::from_utf8_lossy(&body[..body.len().min(300)])
            )),
            Err(error) => {
                let message = format!("request failed: {error:#}");
                // The server may have closed the connection; open a new
                // one, or stop this task when that fails too.
                match Connection::open(target).await {
                    Ok(reopened) => connection = reopened,
                    Err(_) => {
                        outcome.failures += u64::from(recorded);
                        outcome.first_failure.get_or_insert(message);
                        break;
                    }
                }
                Some(message)
            }
        };

        if !recorded {
            continue;
        }
        match failure {
            None => {
                let nanos = u64::try_from(received.duration_since(sent).as_nanos()).unwrap_or(u64::MAX);
                outcome.latencies.push(nanos);
                outcome.last_response = Some(received);
            }
            Some(message) => {
                outcome.failures += 1;
                outcome.first_failure.get_or_insert(message);
            }
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_nearest_rank() {
        let samples: Vec<u64> = (1..=100).collect();
        let percentiles = Percentiles::from_nanos(samples);
        assert_eq!(percentiles.p50, Duration::from_nanos(50));
        assert_eq!(percentiles.p90, Duration::from_nanos(90));
        assert_eq!(percentiles.p99, Duration::from_nanos(99));
        assert_eq!(percentiles.max, Duration::from_nanos(100));
    }

    #[test]
    fn percentiles_of_one_sample() {
        let percentiles = Percentiles::from_nanos(vec![7]);
        assert_eq!(percentiles.p50, Duration::from_nanos(7));
        assert_eq!(percentiles.p99, Duration::from_nanos(7));
    }

    #[test]
    fn base_url_parsed() {
        let target = Target::from_base_url("http://127.0.0.1:8080/scim/directory/abc/", "key").unwrap();
        assert_eq!(target.address, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(target.base_path, "/scim/directory/abc");
    }

    #[test]
    fn non_loopback_rejected() {
        assert!(Target::from_base_url("http://10.0.0.1:8080/scim", "key").is_err());
        assert!(Target::from_base_url("http://example.com/scim", "key").is_err());
    }
}
