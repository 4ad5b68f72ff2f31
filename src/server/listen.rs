//! Accepting connections and stopping well: the loop `serve` runs after
//! it has bound its port (called by [`super::serve`] only). It holds the
//! limits that belong to a connection rather than a request: how many at
//! once, how long a client may take to send its headers or to read its
//! answer, what to do when the process runs out of file descriptors, and
//! how requests in flight end when SIGTERM or Ctrl-C arrives.

use axum::Router;
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::time::{sleep, Sleep};
use tower::ServiceExt;

/// After SIGTERM or Ctrl-C, how long requests in flight may take to end
/// beyond the query timeout, before the process stops without them.
pub const STOP_GRACE: Duration = Duration::from_secs(10);
/// The first and the longest pause after a failed `accept` that is not
/// one connection's own fault (no file descriptor left, no memory): the
/// loop would otherwise retry at once and spin. Go's `net/http` server
/// backs off the same way (5 ms, doubling, at most 1 s).
const ACCEPT_PAUSE: (Duration, Duration) = (Duration::from_millis(5), Duration::from_secs(1));
/// File descriptors the process needs besides its connections (the store,
/// the listener, logs, the runtime's own).
const SPARE_FDS: u64 = 64;

/// What one connection's service needs.
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    /// How long a client may leave a started answer unread (no byte taken
    /// from the socket) before its connection is dropped, as nginx's
    /// `send_timeout` does (60 s there): an unread answer holds its bytes
    /// and its connection slot until then, and no longer.
    pub send_timeout: Duration,
    pub max_head_bytes: usize,
    /// The query timeout, which the grace period after a stop extends.
    pub query_timeout: Duration,
}

/// Serves `app` on `listener` until SIGTERM or Ctrl-C; then stops
/// accepting, lets requests in flight end (at most the query timeout plus
/// [`STOP_GRACE`]; a second signal ends them at once) and returns.
pub async fn serve(listener: TcpListener, app: Router, limits: Limits) {
    ensure_descriptors(limits.max_connections);
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let stop = signal();
    tokio::pin!(stop);
    let mut pause = ACCEPT_PAUSE.0;
    loop {
        let permit = tokio::select! {
            () = &mut stop => break,
            permit = connections.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    pause = ACCEPT_PAUSE.0;
                    (stream, peer)
                }
                // That one connection's trouble (reset before accept): the
                // next one may be fine.
                Err(error) if per_connection(&error) => continue,
                Err(error) => {
                    // Once per spell of failures, not once per pause.
                    if pause == ACCEPT_PAUSE.0 {
                        eprintln!(
                            "warning: cannot accept a connection ({}); pausing up to {} s between tries until one succeeds",
                            crate::guard::error::io_reason(&error),
                            ACCEPT_PAUSE.1.as_secs()
                        );
                    }
                    tokio::select! {
                        () = &mut stop => break,
                        () = sleep(pause) => {},
                    }
                    pause = (pause * 2).min(ACCEPT_PAUSE.1);
                    continue;
                }
            },
        };
        // Each request carries its client's address (`client.rs`).
        let peer = super::client::Peer(peer.ip());
        let service = hyper_util::service::TowerToHyperService::new(app.clone().map_request(
            move |mut request: axum::extract::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(peer);
                request
            },
        ));
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .max_buf_size(limits.max_head_bytes)
            .serve_connection(
                hyper_util::rt::TokioIo::new(SendTimeout::new(stream, limits.send_timeout)),
                service,
            );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop(permit);
        });
    }
    // No new connection from here: the port is closed, so clients see a
    // refusal (and a load balancer tries another server) instead of a
    // connection that is never answered.
    drop(listener);
    let grace = limits.query_timeout + STOP_GRACE;
    let in_flight = graceful.count();
    if in_flight > 0 {
        println!(
            "Stopping: {in_flight} connection(s) open, requests in flight get {} s to end (a second Ctrl-C ends them now)",
            grace.as_secs()
        );
    }
    tokio::select! {
        () = graceful.shutdown() => {},
        () = sleep(grace) => eprintln!("warning: requests still running after {} s were dropped", grace.as_secs()),
        () = signal() => eprintln!("warning: stopped again: requests in flight were dropped"),
    }
}

/// Whether a failed `accept` concerns only the connection it was taking
/// (retry at once), not the process (pause first).
fn per_connection(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
    )
}

/// Makes room for `max_connections` file descriptors: raises the soft
/// limit toward the hard one when it is lower (as Go's runtime and
/// nginx's `worker_rlimit_nofile` do), and warns when even the hard limit
/// cannot hold them, since connections past it would fail to be accepted.
fn ensure_descriptors(max_connections: usize) {
    let needed = max_connections as u64 + SPARE_FDS;
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return;
    }
    if limit.rlim_cur >= needed {
        return;
    }
    let raised = libc::rlimit {
        rlim_cur: needed.min(limit.rlim_max),
        rlim_max: limit.rlim_max,
    };
    // SAFETY: setrlimit only reads the struct it is given.
    let soft = if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
        raised.rlim_cur
    } else {
        limit.rlim_cur
    };
    if soft < needed {
        eprintln!(
            "warning: --max-connections {max_connections} needs about {needed} file descriptors, but this process may open only {soft} (ulimit -n): connections it cannot take wait in the system's queue until others close"
        );
    }
}

/// Resolves on the first Ctrl-C or SIGTERM.
pub async fn signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {},
            _ = terminate.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

/// A socket whose writes fail once the client has taken no byte for
/// its send timeout: hyper then drops the connection, and the answer's
/// buffered bytes with it. Reads are left to hyper's own timeouts.
struct SendTimeout<S> {
    inner: S,
    timeout: Duration,
    /// Started when a write first finds the socket full; reset whenever
    /// the client takes bytes again.
    stalled: Option<Pin<Box<Sleep>>>,
}

impl<S> SendTimeout<S> {
    fn new(inner: S, timeout: Duration) -> Self {
        Self {
            inner,
            timeout,
            stalled: None,
        }
    }

    /// After a write that could not proceed: ready with an error once the
    /// client has read nothing for the send timeout.
    fn check_stall(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        let timeout = self.timeout;
        let timer = self.stalled.get_or_insert_with(|| Box::pin(sleep(timeout)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client read nothing of its answer in time",
            )),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for SendTimeout<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for SendTimeout<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Pending => self.check_stall(cx).map(Err),
            done => {
                self.stalled = None;
                done
            }
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write_vectored(cx, bufs) {
            Poll::Pending => self.check_stall(cx).map(Err),
            done => {
                self.stalled = None;
                done
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.inner).poll_flush(cx) {
            Poll::Pending => self.check_stall(cx).map(Err),
            done => done,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
