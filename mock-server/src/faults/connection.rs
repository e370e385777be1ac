//! Connection-level faults: a TCP stream that can end with a reset, and a
//! response body that stops short of its `Content-Length`.
//!
//! hyper owns the socket while it serves a connection, so a handler cannot
//! close it directly. Instead, a handler that wants the connection gone
//! returns [`ConnectionDropped`] from the service, and hyper drops the
//! connection without writing anything. When a reset was requested, the
//! [`FaultableStream`] sets `SO_LINGER` to zero as it is dropped, which
//! makes the kernel send RST instead of FIN.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::effect::Disconnect;

/// The error a service returns to make hyper drop the connection.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by an injected fault ({0:?})")]
pub(crate) struct ConnectionDropped(pub Disconnect);

/// Set by a request handler to make its connection end with a reset.
#[derive(Debug, Default)]
pub(crate) struct ResetOnDrop(AtomicBool);

impl ResetOnDrop {
    pub fn request(&self) {
        self.0.store(true, Ordering::Release);
    }
}

/// A TCP stream that sends RST instead of FIN when it is dropped after
/// [`ResetOnDrop::request`].
#[derive(Debug)]
pub(crate) struct FaultableStream {
    stream: TcpStream,
    reset: Arc<ResetOnDrop>,
}

impl FaultableStream {
    /// Wraps `stream`, returning the flag its requests can set.
    pub fn new(stream: TcpStream) -> (FaultableStream, Arc<ResetOnDrop>) {
        let reset = Arc::new(ResetOnDrop::default());
        (
            FaultableStream {
                stream,
                reset: Arc::clone(&reset),
            },
            reset,
        )
    }
}

impl Drop for FaultableStream {
    fn drop(&mut self) {
        if self.reset.0.load(Ordering::Acquire) {
            // A zero linger makes close() abort with RST without blocking,
            // unlike a non-zero linger (tokio's set_zero_linger docs).
            if let Err(error) = self.stream.set_zero_linger() {
                tracing::warn!(%error, "failed to set SO_LINGER for an injected reset; the connection closes normally");
            }
        }
    }
}

impl AsyncRead for FaultableStream {
    fn poll_read(mut self: Pin<&mut Self>, context: &mut Context<'_>, buffer: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(context, buffer)
    }
}

impl AsyncWrite for FaultableStream {
    fn poll_write(mut self: Pin<&mut Self>, context: &mut Context<'_>, buffer: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(context, buffer)
    }

    fn poll_write_vectored(mut self: Pin<&mut Self>, context: &mut Context<'_>, buffers: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(context, buffers)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(context)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(context)
    }
}

/// The error a [`TruncatedBody`] ends with, which makes hyper abort the
/// connection instead of waiting for the bytes it was promised.
#[derive(Debug, thiserror::Error)]
#[error("response body truncated by an injected fault")]
pub(crate) struct BodyTruncated;

/// A body that announces `full_length` bytes, sends only `kept`, then fails.
#[derive(Debug)]
pub(crate) struct TruncatedBody {
    kept: Option<Bytes>,
    full_length: u64,
    yielded: bool,
}

impl TruncatedBody {
    /// Keeps the first `keep_bytes` bytes of `body`, or half when `None`.
    pub fn new(body: Bytes, keep_bytes: Option<usize>) -> TruncatedBody {
        let keep = keep_bytes.unwrap_or(body.len() / 2).min(body.len().saturating_sub(1));
        TruncatedBody {
            full_length: body.len() as u64,
            kept: Some(body.slice(..keep)),
            yielded: false,
        }
    }
}

impl Body for TruncatedBody {
    type Data = Bytes;
    type Error = BodyTruncated;

    fn poll_frame(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BodyTruncated>>> {
        if let Some(kept) = self.kept.take() {
            return Poll::Ready(Some(Ok(Frame::data(kept))));
        }
        if !self.yielded {
            // hyper flushes its buffer while the body is pending. Failing at
            // once would drop the headers and kept bytes with the
            // connection, so the client would see no response at all.
            self.yielded = true;
            context.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(Some(Err(BodyTruncated)))
    }

    fn is_end_stream(&self) -> bool {
        false
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.full_length)
    }
}

/// The body of every response: whole, or truncated by a fault.
pub(crate) type ServedBody = http_body_util::Either<crate::http::response::Body, TruncatedBody>;

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    #[tokio::test]
    async fn truncated_body_keeps_prefix_then_fails() {
        let mut body = TruncatedBody::new(Bytes::from_static(b"0123456789"), Some(4));
        assert_eq!(body.size_hint().exact(), Some(10));
        let first = body.frame().await.expect("a frame").expect("data");
        assert_eq!(first.into_data().expect("data frame"), Bytes::from_static(b"0123"));
        assert!(body.frame().await.expect("an error frame").is_err());
    }

    #[test]
    fn default_keeps_half() {
        let body = TruncatedBody::new(Bytes::from_static(b"0123456789"), None);
        assert_eq!(body.kept.as_deref(), Some(&b"01234"[..]));
    }

    #[test]
    fn keep_never_reaches_full_length() {
        let body = TruncatedBody::new(Bytes::from_static(b"0123"), Some(100));
        assert_eq!(body.kept.as_deref(), Some(&b"012"[..]));
    }
}
