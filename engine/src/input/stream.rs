//! Stream inputs: imtcp/imptcp on TCP ports and imptcp on unix stream
//! sockets, one listener per core (SO_REUSEPORT for TCP).
//!
//! In: connections; from each, bytes in reads of up to 256 KiB. Out:
//! frames (RFC 6587, decided per frame, with the input's limits) parsed
//! into messages that share the receive buffer, enqueued a read's worth at
//! a time into this core's shard.
//!
//! Flow control: a session enqueues everything it read before it reads
//! again, and enqueueing waits while the shard is full — so a full queue
//! stops the reads and the sender's TCP window closes. Nothing is held
//! beyond one read per session. `maxSessions` counts sessions of the input
//! over all cores; a connection beyond it is closed at once and counted.

use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::io::RawFd;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::sessions::{Admitted, Refusal, Sessions, Ticket};
use std::sync::Arc;
use std::time::Instant;

use bytes::BytesMut;
use futures_lite::future::or;
use futures_lite::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use glommio::channels::shared_channel::ConnectedSender;
use glommio::net::{AcceptedTcpStream, TcpListener, UnixListener};

use crate::corectx::CoreCtx;
use crate::frame::Framer;
use crate::queue::shard::Chunk;
use crate::sock::{recv_now, recv_now_into};
use crate::tls::Stream;
use crate::Origin;

use super::coalesce::Coalesce;
use super::ratelimit::RateLimit;
use super::InputSpec;

/// Size of the receive buffers a busy session reads into.
const RECV_BUF: usize = 256 << 10;
/// A session's first buffer, and an idle or slow one's: many idle
/// sessions then cost little memory.
const RECV_SMALL: usize = 4 << 10;
/// A buffer with less room than this left (or than half its size) is
/// replaced.
const RECV_MIN: usize = 16 << 10;
/// How long a session with a large buffer waits holding it; then it gives
/// it back (and its lease) and waits holding none.
const LARGE_IDLE: std::time::Duration = std::time::Duration::from_millis(200);
/// A read this many times smaller than its buffer is copied out before it
/// is framed: what it queues then pins its own bytes, not the buffer (a
/// stalled output with many connections of one small message each would
/// otherwise hold a whole buffer per message).
const COPY_FACTOR: usize = 4;
const _: () = assert!(RECV_SMALL < RECV_MIN && RECV_MIN < RECV_BUF);
/// The longest pause between two reads of a busy session (see
/// [`Coalesce`]).
const COALESCE_MAX: std::time::Duration = std::time::Duration::from_micros(200);

/// The bytes of a read of `n` into a buffer of `size`, copied out when
/// they would pin a buffer many times larger.
pub(super) fn compact(chunk: bytes::Bytes, size: usize) -> bytes::Bytes {
    match chunk.len() * COPY_FACTOR < size {
        true => bytes::Bytes::copy_from_slice(&chunk),
        false => chunk,
    }
}

/// Either kind of stream listener.
pub enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener),
}

/// A TCP connection accepted on one core, to be read on another.
pub struct Handoff {
    pub input: usize,
    pub stream: AcceptedTcpStream,
}

/// Spreads TCP connections over the cores in turn, whichever core's
/// listener the kernel gave them to: SO_REUSEPORT hashes connections, so
/// four connections on two cores often land three on one core.
pub struct Balancer {
    pub input: usize,
    /// Connections accepted for this input, over all cores.
    pub next: Arc<AtomicUsize>,
    /// A channel to every other core (`None` for this one).
    pub handoffs: Rc<Vec<Option<ConnectedSender<Handoff>>>>,
}

/// Connections a listener still accepts once the core stops, at most.
const STOP_ACCEPTS_MAX: usize = 4096;

/// Accepts connections until the core stops; then takes the connections
/// the kernel had already accepted for it (its backlog: their senders
/// have written, and saw it as sent), until none has come for
/// [`STOP_QUIET`] or [`STOP_ACCEPTS_MAX`] were taken — their sessions
/// drain like the others.
pub async fn serve(
    ctx: Rc<CoreCtx>,
    spec: Rc<InputSpec>,
    listener: Listener,
    sessions: Arc<Sessions>,
    balancer: Option<Balancer>,
) {
    let _guard = ctx.tasks.enter();
    let mut after_stop = 0;
    while after_stop < STOP_ACCEPTS_MAX {
        let stopped = ctx.stop.is_stopped();
        let stop_or_quiet = async {
            match stopped {
                false => ctx.stop.wait().await,
                true => glommio::timer::sleep(STOP_QUIET).await,
            }
            None
        };
        let accepted = match &listener {
            Listener::Tcp(l) => {
                or(
                    async { Some(l.shared_accept().await.map(Accepted::Tcp)) },
                    stop_or_quiet,
                )
                .await
            }
            Listener::Unix(l) => {
                or(
                    async { Some(l.accept().await.map(|s| Accepted::Conn(Conn::Unix(s)))) },
                    stop_or_quiet,
                )
                .await
            }
        };
        let Some(accepted) = accepted else {
            match stopped {
                // Stopped now: take what the backlog holds.
                false => continue,
                true => break,
            }
        };
        after_stop += stopped as usize;
        let accepted = match accepted {
            Ok(c) => c,
            Err(e) => {
                crate::notice!("corelogd: {}: accept failed: {e}.", spec.describe());
                ctx.count(spec.index, |s| s.receive_errors += 1);
                glommio::timer::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        if let (Some(list), Accepted::Tcp(s)) = (&spec.allowed, &accepted) {
            // `$AllowedSender`: closed before a byte is read. A peer whose
            // address is unknown is not known to be allowed.
            let allowed = s
                .peer_addr()
                .is_ok_and(|a| crate::acl::allows(Some(list), a.ip()));
            if !allowed {
                ctx.count(spec.index, |s| s.denied += 1);
                if let Accepted::Tcp(s) = accepted {
                    close(s);
                }
                continue;
            }
        }
        let conn = match accepted {
            Accepted::Conn(c) => c,
            Accepted::Tcp(stream) => {
                let Some(b) = &balancer else {
                    start(&ctx, &spec, Conn::Tcp(stream.bind_to_executor()), &sessions);
                    continue;
                };
                // Admitted (or refused) on the core that reads it, where
                // its descriptor is at hand.
                let target = b.next.fetch_add(1, Ordering::Relaxed) % b.handoffs.len();
                match &b.handoffs[target] {
                    Some(tx) => {
                        let handoff = Handoff {
                            input: b.input,
                            stream,
                        };
                        if let Err(glommio::GlommioError::Closed(glommio::ResourceType::Channel(
                            h,
                        ))) = tx.send(handoff).await
                        {
                            // The other core has stopped (shutdown): the
                            // connection is closed unread.
                            close(h.stream);
                        }
                        continue;
                    }
                    None => Conn::Tcp(stream.bind_to_executor()),
                }
            }
        };
        start(&ctx, &spec, conn, &sessions);
    }
}

enum Accepted {
    Tcp(AcceptedTcpStream),
    Conn(Conn),
}

/// Closes a connection accepted and not taken: glommio's accepted stream
/// has no destructor of its own, so dropping it would leak its descriptor.
fn close(s: AcceptedTcpStream) {
    drop(s.bind_to_executor());
}

/// Starts reading a connection on this core, if its input's session
/// limits admit it.
pub fn start(ctx: &Rc<CoreCtx>, spec: &Rc<InputSpec>, conn: Conn, sessions: &Arc<Sessions>) {
    let (fd, peer) = match &conn {
        Conn::Tcp(s) => (
            Some(std::os::unix::io::AsRawFd::as_raw_fd(s)),
            s.peer_addr().ok(),
        ),
        Conn::Unix(_) => (None, None),
    };
    let table_fd = match spec.tls {
        Some(_) => {
            let d = fd.and_then(dup_for_table);
            if d.is_none() {
                crate::notice!(
                    "corelogd: {}: no descriptor left to track a TLS session ({}); it counts against maxSessions but cannot be closed to make room. A TLS input needs twice maxSessions descriptors (raise $MaxOpenFiles).",
                    spec.describe(),
                    std::io::Error::last_os_error()
                );
            }
            d
        }
        None => None,
    };
    let fd = match (&spec.tls, &table_fd) {
        (None, _) => fd,
        (Some(_), d) => d.as_ref().map(|d| d.as_raw_fd()),
    };
    let ticket = match sessions.admit(fd, peer.map(|p| p.ip())) {
        Ok((ticket, how)) => {
            if how == Admitted::Evicted {
                ctx.count(spec.index, |s| s.sessions_evicted += 1);
            }
            ticket
        }
        Err(why) => {
            refused(ctx, spec, sessions, why);
            return;
        }
    };
    ctx.count(spec.index, |s| s.sessions_opened += 1);
    if let (Conn::Tcp(s), Some(k)) = (&conn, spec.config.keepalive) {
        set_keepalive(s, k);
    }
    let origin = Arc::new(match peer {
        Some(p) => {
            let ip = p.ip().to_string();
            Origin::new(&ip, &ip, &spec.config.input_name)
        }
        None => Origin::new(&ctx.myhostname, "127.0.0.1", &spec.config.input_name),
    });
    let (ctx2, spec2) = (ctx.clone(), spec.clone());
    // One value, ticket first: a task dropped before it ran drops the
    // ticket before the connection.
    let owned = Owned {
        ticket,
        table_fd,
        conn,
    };
    glommio::spawn_local(async move {
        let _guard = ctx2.tasks.enter();
        // Dropped in the reverse order: the ticket before the descriptor
        // it names, whatever ends the task.
        let Owned {
            table_fd,
            ticket,
            conn,
        } = owned;
        let s = match conn {
            Conn::Unix(s) => return session(&ctx2, &spec2, s, None, &origin, ticket).await,
            Conn::Tcp(s) => match &spec2.tls {
                None => Stream::Plain(s),
                // Boxed: a handshake's state (rustls's connection) would
                // otherwise be part of every plain session's task too.
                Some(tls) => {
                    match Box::pin(handshake(&ctx2, &spec2, tls, s, &origin, &ticket)).await {
                        Some(s) => s,
                        None => {
                            // The ticket before the descriptor it names.
                            drop(ticket);
                            drop(table_fd);
                            return;
                        }
                    }
                }
            },
        };
        match spec2.config.relp {
            Some(_) => super::relp::session(&ctx2, &spec2, s, &origin, ticket).await,
            None => {
                let fd = s.plain_fd();
                session(&ctx2, &spec2, s, fd, &origin, ticket).await
            }
        }
        // The sessions dropped their tickets.
        drop(table_fd);
    })
    .detach();
}

/// Runs a TLS handshake on an admitted connection; `None` when it fails,
/// takes too long or the core stops (a failure is counted and said, with
/// the peer and why; notices are rate-limited). The ticket is held
/// throughout: a handshake counts against the session limits, and a
/// stalled one is the first to be closed to make room.
async fn handshake(
    ctx: &CoreCtx,
    spec: &InputSpec,
    tls: &crate::tls::Endpoint,
    s: glommio::net::TcpStream,
    origin: &Origin,
    ticket: &Ticket,
) -> Option<Stream> {
    ticket.handshaking(true);
    // Stopping mid-handshake: a client may have finished it with its first
    // messages behind (what it saw as sent); a short grace lets such a
    // handshake end, and the session then drains as any other.
    let stop = async {
        ctx.stop.wait().await;
        glommio::timer::sleep(STOP_QUIET).await;
        None
    };
    let r = or(async { Some(tls.accept(s).await) }, stop).await;
    ticket.handshaking(false);
    let Some(r) = r else {
        // Stopping: nothing of this session was taken in yet.
        return None;
    };
    match r {
        Ok(s) => {
            ctx.count(spec.index, |s| s.tls_handshakes += 1);
            Some(s)
        }
        Err(crate::tls::Failed(why)) => {
            ctx.count(spec.index, |s| s.tls_handshakes_failed += 1);
            crate::notice!(
                "corelogd: {}: TLS handshake with {} failed: {why}.",
                spec.describe(),
                String::from_utf8_lossy(&origin.fromhost_ip)
            );
            None
        }
    }
}

/// What ended a wait with a large buffer.
enum Waited {
    Read(std::io::Result<usize>),
    Stop,
    Idle,
}

/// A session's ticket and connection, in the order they must be dropped.
struct Owned {
    ticket: Ticket,
    /// TLS: a duplicate of the connection's descriptor, which the ticket
    /// names (see [`start`]); closed after the ticket is dropped.
    table_fd: Option<OwnedFd>,
    conn: Conn,
}

/// Counts a connection closed at once, and says so for the first of a run.
fn refused(ctx: &CoreCtx, spec: &InputSpec, sessions: &Sessions, why: Refusal) {
    let limits = sessions.limits();
    let said = match why {
        Refusal::Full => {
            ctx.count(spec.index, |s| s.sessions_refused += 1);
            format!(
                "maxSessions ({}) reached and no session idle for sessionEvictIdle ({} s)",
                limits.max,
                limits.evict_idle.map_or(0, |d| d.as_secs())
            )
        }
        Refusal::PerSource => {
            ctx.count(spec.index, |s| s.sessions_refused_source += 1);
            format!(
                "a sender has maxSessionsPerSource ({}) sessions",
                limits.per_source
            )
        }
    };
    if sessions.first_refusal() {
        crate::notice!(
            "corelogd: {}: {said}; new connections are closed at once (and counted) until there is room.",
            spec.describe()
        );
    }
}

/// The descriptor a TLS session's ticket names: a duplicate of its
/// connection's, so that the handshake can close the connection (rustls
/// drops the stream on a failed handshake, a timeout drops the future)
/// while the ticket still names an open descriptor — never one the kernel
/// has given to a new connection, which eviction would then shut down.
/// `None` when the descriptor table is full (the session then counts but
/// cannot be evicted).
fn dup_for_table(fd: RawFd) -> Option<OwnedFd> {
    // SAFETY: `fd` is open (its stream is alive in the caller); F_DUPFD_CLOEXEC
    // makes a new descriptor this function takes ownership of on success.
    let d = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
    // SAFETY: a non-negative result is a new descriptor nobody else owns.
    (d >= 0).then(|| unsafe { OwnedFd::from_raw_fd(d) })
}

/// A connection read on this core.
pub enum Conn {
    Tcp(glommio::net::TcpStream),
    Unix(glommio::net::UnixStream),
}

fn set_keepalive(s: &glommio::net::TcpStream, k: super::KeepAlive) {
    // SAFETY: the descriptor stays open while `s` lives, past this call.
    let fd =
        unsafe { std::os::fd::BorrowedFd::borrow_raw(std::os::unix::io::AsRawFd::as_raw_fd(s)) };
    if let Err(e) = crate::sock::set_keepalive(fd, k) {
        crate::notice!(
            "corelogd: cannot turn keep-alive on for a connection: {e}; it is read without."
        );
    }
}

/// Reads one connection to its end (or until the core stops).
///
/// With the descriptor at hand (TCP), a read is first tried directly,
/// without waiting: glommio, after a read that did not fill the buffer,
/// waits for an io_uring readiness poll before it reads again, and that
/// round trip left the cores idle a quarter of the time under load.
async fn session<S: AsyncRead + AsyncWrite + Unpin>(
    ctx: &CoreCtx,
    spec: &InputSpec,
    mut s: S,
    fd: Option<RawFd>,
    origin: &Arc<Origin>,
    ticket: Ticket,
) {
    let mut framer = Framer::with_options(spec.config.framing);
    let mut size = RECV_SMALL;
    // No buffer until there is something to read. Between reads `buf` is
    // empty: its spare capacity, never zeroed, is the room to read into.
    let mut buf = BytesMut::new();
    // The size `buf` was allocated with.
    let mut alloc = 0;
    // The budget's bytes for a large buffer, while `size` is large.
    let mut lease = None;
    let mut frames = Vec::new();
    let mut items: Chunk = Vec::new();
    let mut limit = RateLimit::new(spec.config.rate_interval_s, spec.config.rate_burst);
    let mut coalesce = Coalesce::new(COALESCE_MAX);
    loop {
        debug_assert!(buf.is_empty(), "what was read was framed");
        // Whether this read found its bytes without waiting.
        let mut direct_read = false;
        // A small sender's session (TCP) waits holding no buffer: ten
        // thousand idle sessions then hold none.
        let small = fd.is_some() && size == RECV_SMALL;
        if buf.capacity() < RECV_MIN.min(size / 2) && !small {
            buf = BytesMut::with_capacity(size);
            alloc = size;
        }
        // The room a direct read has: what a full read would be.
        let room = buf.capacity();
        // A read that is always ready would win every race with the stop
        // signal below: look at the flag first.
        let read = if ctx.stop.is_stopped() {
            None
        } else {
            let direct = match fd {
                Some(fd) if buf.capacity() > 0 => recv_now_into(fd, &mut buf),
                _ => None,
            };
            match direct {
                Some(r) => {
                    direct_read = true;
                    Some(r)
                }
                // Nothing to read: wait for a first byte without a buffer,
                // then read the rest behind it.
                None if small => {
                    buf = BytesMut::new();
                    let mut one = [0u8; 1];
                    let first = or(async { Some(s.read(&mut one).await) }, async {
                        ctx.stop.wait().await;
                        None
                    })
                    .await;
                    match first {
                        Some(Ok(1)) => {
                            buf = BytesMut::with_capacity(size);
                            alloc = size;
                            buf.extend_from_slice(&one);
                            let rest = fd.and_then(|fd| recv_now_into(fd, &mut buf));
                            Some(Ok(1 + rest.and_then(Result::ok).unwrap_or(0)))
                        }
                        r => r,
                    }
                }
                // A large buffer is held through a short wait only: a busy
                // sender is back within it, an idle one gives the buffer and
                // its lease back and waits as a small one.
                None if size > RECV_SMALL => {
                    let waited = or(
                        async { Waited::Read(read_zeroed(&mut s, &mut buf).await) },
                        async {
                            or(
                                async {
                                    ctx.stop.wait().await;
                                    Waited::Stop
                                },
                                async {
                                    glommio::timer::sleep(LARGE_IDLE).await;
                                    Waited::Idle
                                },
                            )
                            .await
                        },
                    )
                    .await;
                    match waited {
                        Waited::Read(r) => Some(r),
                        Waited::Stop => None,
                        Waited::Idle => {
                            size = RECV_SMALL;
                            lease = None;
                            buf = BytesMut::new();
                            continue;
                        }
                    }
                }
                None => {
                    or(async { Some(read_zeroed(&mut s, &mut buf).await) }, async {
                        ctx.stop.wait().await;
                        None
                    })
                    .await
                }
            }
        };
        let n = match read {
            None => {
                Box::pin(drain_on_stop(
                    ctx,
                    spec,
                    &mut s,
                    fd,
                    &mut framer,
                    origin,
                    &mut limit,
                ))
                .await;
                break;
            }
            Some(Ok(0)) => break,
            Some(Ok(n)) => n,
            Some(Err(e)) => {
                match e.kind() {
                    // A TLS peer that closed without close_notify (as many
                    // senders do): the end of the stream.
                    std::io::ErrorKind::UnexpectedEof => {}
                    std::io::ErrorKind::ConnectionReset => {
                        ctx.count(spec.index, |s| s.receive_errors += 1)
                    }
                    _ => {
                        crate::notice!("corelogd: {}: read failed: {e}.", spec.describe());
                        ctx.count(spec.index, |s| s.receive_errors += 1);
                    }
                }
                break;
            }
        };
        ctx.count(spec.index, |s| s.bytes += n as u64);
        debug_assert_eq!(buf.len(), n, "a read appends what it read");
        // Of the buffer the read went into: the small path replaces `buf`.
        let filled = buf.len() == buf.capacity();
        framer.decode(compact(buf.split_to(n).freeze(), alloc), &mut frames);
        // Waiting on a full queue is not idleness: such a session is not
        // closed to make room (its sender's data would be lost).
        ticket.busy();
        submit(ctx, spec, origin, &mut frames, &mut items, &mut limit).await;
        ticket.touch();
        // Large while reads fill the buffer (and the core's budget has
        // room); small again once one would fit a small one.
        if filled && size == RECV_SMALL {
            lease = ctx.recv_budget.lease(RECV_BUF);
            if lease.is_some() {
                size = RECV_BUF;
            }
        } else if !filled && n < RECV_SMALL && size > RECV_SMALL {
            size = RECV_SMALL;
            lease = None;
            buf = BytesMut::new();
        }
        // A sender that keeps the socket never quite empty: let a batch
        // gather before the next read (see `Coalesce`). A read that had to
        // wait is not followed by a pause, so a quiet sender's message
        // goes through at once.
        if direct_read && !ctx.stop.is_stopped() {
            if let Some(pause) = coalesce.after(n, room.max(1)) {
                or(glommio::timer::sleep(pause), ctx.stop.wait()).await;
            }
        }
    }
    framer.finish(&mut frames);
    submit(ctx, spec, origin, &mut frames, &mut items, &mut limit).await;
    drop(lease);
    // Out of the table before the descriptor can be closed and reused.
    drop(ticket);
    // Over TLS, close_notify goes first; bounded, as a peer that does not
    // read could hold it.
    or(async { s.close().await.is_ok() }, async {
        glommio::timer::sleep(STOP_QUIET).await;
        false
    })
    .await;
}

/// The most of a buffer a waiting read zeroes: a TLS read gives one or a
/// few records (16 KiB each), and zeroing a 256 KiB buffer for each cost
/// more than the read.
const ZEROED_MAX: usize = 64 << 10;

/// Waits for a read into `buf`'s room (at most [`ZEROED_MAX`]), zeroed first (an `AsyncRead` takes
/// initialised bytes only); appends what was read. Only a read that had
/// to wait pays for the zeroing: a busy session reads with
/// [`recv_now_into`].
async fn read_zeroed<S: AsyncRead + Unpin>(
    s: &mut S,
    buf: &mut BytesMut,
) -> std::io::Result<usize> {
    debug_assert!(buf.is_empty());
    buf.resize(buf.capacity().min(ZEROED_MAX), 0);
    let r = s.read(&mut buf[..]).await;
    buf.truncate(*r.as_ref().unwrap_or(&0));
    r
}

/// Takes at most this much at shutdown, in case the sender keeps sending
/// as fast as we read.
const STOP_BYTES_MAX: usize = 16 << 20;
/// At shutdown, a connection that has had nothing to read for this long
/// has given us what its sender sent.
const STOP_QUIET: std::time::Duration = std::time::Duration::from_millis(20);

/// At shutdown: takes in what the kernel has accepted on this connection
/// (what the sender saw as sent) — also what is still on its way through
/// the kernel once we make room — until the sender's end, until the
/// connection has been quiet for [`STOP_QUIET`], or [`STOP_BYTES_MAX`]
/// (over TLS a read is a record or a few: the limit is in bytes). (A bare "is anything ready" poll is not enough: after a read
/// that did not fill the buffer, glommio answers "not yet" until an
/// io_uring readiness poll comes back, and what was in the kernel was
/// lost.)
async fn drain_on_stop<S: AsyncRead + Unpin>(
    ctx: &CoreCtx,
    spec: &InputSpec,
    s: &mut S,
    fd: Option<RawFd>,
    framer: &mut Framer,
    origin: &Arc<Origin>,
    limit: &mut RateLimit,
) {
    let mut frames = Vec::new();
    let mut items = Vec::new();
    let mut taken = 0;
    // Zeroed once; what a read fills is split off (copied out when small).
    let mut buf = BytesMut::new();
    while taken < STOP_BYTES_MAX {
        if buf.len() < RECV_MIN {
            buf = BytesMut::zeroed(RECV_BUF);
        }
        let read = match fd.and_then(|fd| recv_now(fd, &mut buf[..])) {
            Some(r) => Some(r),
            None => {
                or(async { Some(s.read(&mut buf[..]).await) }, async {
                    glommio::timer::sleep(STOP_QUIET).await;
                    None
                })
                .await
            }
        };
        match read {
            Some(Ok(n)) if n > 0 => {
                taken += n;
                ctx.count(spec.index, |s| s.bytes += n as u64);
                framer.decode(compact(buf.split_to(n).freeze(), RECV_BUF), &mut frames);
                submit(ctx, spec, origin, &mut frames, &mut items, limit).await;
            }
            _ => return,
        }
    }
}

/// Parses `frames` and enqueues them, waiting for room.
async fn submit(
    ctx: &CoreCtx,
    spec: &InputSpec,
    origin: &Arc<Origin>,
    frames: &mut Vec<bytes::Bytes>,
    items: &mut Chunk,
    limit: &mut RateLimit,
) {
    if frames.is_empty() {
        return;
    }
    let now = ctx.clock.now();
    let opts = spec.parse_options(&ctx.parse);
    let instant = limit.is_on().then(Instant::now);
    let before = limit.dropped;
    let mut received = 0u64;
    let mut no_parser = 0u64;
    for f in frames.drain(..) {
        if f.is_empty() {
            continue;
        }
        if let Some(t) = instant {
            if !limit.admit(t, spec.module()) {
                continue;
            }
        }
        received += 1;
        if !spec.parse_into(f, origin, now, &opts, items) {
            no_parser += 1;
        }
    }
    let limited = limit.dropped - before;
    ctx.count(spec.index, |s| {
        s.received += received;
        s.dropped_ratelimit += limited;
        s.unparsed += no_parser;
    });
    let shard = ctx.shard_for(spec.ruleset);
    shard.enqueue(items).await;
    // A sender that keeps the socket full would have this session read
    // until the shard is full (70 000 messages by default) before the
    // worker runs: that wait was the latency (p99 125 ms at 1 M msgs/s
    // forwarded). Once a batch is waiting, the worker goes first.
    if shard.len() >= shard.batch_size() {
        futures_lite::future::yield_now().await;
    }
}

/// Binds this core's listener for `addr`.
pub fn bind_tcp(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).map_err(std::io::Error::from)
}
