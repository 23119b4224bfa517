//! Datagram inputs: imudp (one SO_REUSEPORT socket per core) and imuxsock
//! (a unix datagram socket at a path, owned by one core).
//!
//! In: datagrams, up to [`BATCH`] per `recvmmsg` call, on either kind of
//! socket; the socket's readiness is awaited through io_uring (a one-byte
//! MSG_PEEK) only when a batch call finds nothing. On UDP, a call that
//! found fewer than [`BATCH`] is followed by a short pause ([`Coalesce`],
//! at most [`COALESCE_MAX`]) before the next. Out: one message per non-empty datagram,
//! copied into a shared arena (so a 256-byte datagram does not pin a
//! receive buffer of `maxMessageSize`) and enqueued per batch.
//!
//! A datagram longer than `maxMessageSize` is truncated there, as rsyslog
//! does. UDP cannot push back: when the shard stays full for
//! `queue.timeoutEnqueue`, the batch is dropped and counted, and what the
//! kernel drops while we wait shows in the socket's drop counter, which
//! the daemon reports at exit.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::os::unix::io::{AsRawFd, RawFd};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use futures_lite::future::or;

use crate::corectx::CoreCtx;
use crate::queue::shard::Chunk;
use crate::Origin;

use super::coalesce::Coalesce;
use super::ratelimit::RateLimit;
use super::InputSpec;

/// Datagrams per `recvmmsg`.
pub const BATCH: usize = 64;
/// The longest pause between two `recvmmsg` calls of a UDP input (see
/// [`Coalesce`]): at the longest, a socket gathers less than a batch (the
/// pause grows only while calls get less than half of one), well inside
/// even the kernel's default receive buffer.
pub const COALESCE_MAX: Duration = Duration::from_micros(500);
/// Arena chunk the datagrams are copied into.
const ARENA: usize = 256 << 10;
/// Senders remembered (their `Origin` is reused, not rebuilt).
const ORIGINS_MAX: usize = 4096;

/// A datagram socket, UDP or unix, read a batch at a time with
/// `recvmmsg`, waiting through io_uring (a one-byte `MSG_PEEK`) only when
/// none is ready.
pub struct Socket {
    fd: RawFd,
    wait: Wait,
}

/// What the socket's readiness is awaited through.
enum Wait {
    /// glommio's socket, which owns the descriptor.
    Udp(glommio::net::UdpSocket),
    /// glommio's unix datagram type neither gives out its descriptor nor
    /// peeks on an unconnected socket, so corelog binds the socket (and
    /// owns it) and peeks through glommio's unix stream type on a
    /// duplicate of the descriptor: the same `recv(MSG_PEEK)` on either
    /// kind of socket. That type takes a peek of 0 bytes for the end of a
    /// stream and answers every later peek at once with 0 — on a datagram
    /// socket it is an empty datagram — so after one the peeker is replaced
    /// by a fresh one on a new duplicate (or the core would spin on the
    /// socket, never yielding, until the next datagram).
    Unix {
        socket: std::os::fd::OwnedFd,
        /// Taken while a peek is in flight; a peek cancelled by the stop
        /// signal takes it with it, and a fresh one is made.
        peeker: std::cell::Cell<Option<glommio::net::UnixStream>>,
    },
}

impl Socket {
    pub fn udp(s: glommio::net::UdpSocket) -> Socket {
        Socket {
            fd: s.as_raw_fd(),
            wait: Wait::Udp(s),
        }
    }

    /// Takes over a bound unix datagram socket.
    pub fn unix(s: std::os::unix::net::UnixDatagram) -> io::Result<Socket> {
        s.set_nonblocking(true)?;
        let socket = std::os::fd::OwnedFd::from(s);
        let peeker = std::cell::Cell::new(Some(unix_peeker(&socket)?));
        Ok(Socket {
            fd: socket.as_raw_fd(),
            wait: Wait::Unix { socket, peeker },
        })
    }

    /// Receives at least one datagram into `batch`; returns how many, and
    /// whether it had to wait for them.
    async fn receive(&self, batch: &mut Batch) -> io::Result<(usize, bool)> {
        let mut waited = false;
        loop {
            match batch.recv(self.fd) {
                Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => {
                    self.wait_readable().await?;
                    waited = true;
                }
                Err(e) if e.raw_os_error() == Some(libc::EINTR) => {}
                r => return r.map(|n| (n, waited)),
            }
        }
    }

    /// Waits until a datagram is there (it may be an empty one).
    async fn wait_readable(&self) -> io::Result<()> {
        let mut b = [0u8; 1];
        match &self.wait {
            Wait::Udp(s) => s
                .peek_from(&mut b)
                .await
                .map(|_| ())
                .map_err(io::Error::from),
            Wait::Unix { socket, peeker } => {
                let p = match peeker.take() {
                    Some(p) => p,
                    None => unix_peeker(socket)?,
                };
                let n = p.peek(&mut b).await.map_err(io::Error::from)?;
                if n == 0 {
                    // An empty datagram: this peeker now takes the socket
                    // for ended. Drop it (closing its duplicate), and let
                    // the other tasks run before the next look.
                    drop(p);
                    peeker.set(Some(unix_peeker(socket)?));
                    futures_lite::future::yield_now().await;
                } else {
                    peeker.set(Some(p));
                }
                Ok(())
            }
        }
    }
}

/// glommio's unix stream type on a duplicate of `socket`, used only to
/// peek (see [`Wait::Unix`]).
fn unix_peeker(socket: &std::os::fd::OwnedFd) -> io::Result<glommio::net::UnixStream> {
    use std::os::unix::io::{FromRawFd, IntoRawFd};
    let dup = socket.try_clone()?;
    // SAFETY: `dup` is an open datagram socket descriptor, given up here
    // and owned from now on by the glommio value, which closes it when
    // dropped. Only `peek` is ever called on it (a recv with MSG_PEEK),
    // which a datagram socket takes as a stream socket does.
    Ok(unsafe { glommio::net::UnixStream::from_raw_fd(dup.into_raw_fd()) })
}

/// The receive buffers and headers of one `recvmmsg` call.
struct Batch {
    bufs: Vec<u8>,
    slot: usize,
    iovs: Vec<libc::iovec>,
    names: Vec<libc::sockaddr_storage>,
    hdrs: Vec<libc::mmsghdr>,
}

impl Batch {
    fn new(slot: usize) -> Box<Batch> {
        let mut b = Box::new(Batch {
            bufs: vec![0u8; slot * BATCH],
            slot,
            iovs: Vec::with_capacity(BATCH),
            // SAFETY: sockaddr_storage is plain old data; all-zero is valid.
            names: vec![unsafe { std::mem::zeroed() }; BATCH],
            hdrs: Vec::with_capacity(BATCH),
        });
        for i in 0..BATCH {
            let base = b.bufs[i * slot..].as_mut_ptr();
            b.iovs.push(libc::iovec {
                iov_base: base.cast(),
                iov_len: slot,
            });
        }
        for i in 0..BATCH {
            // SAFETY: mmsghdr is plain old data; all-zero is valid.
            let mut h: libc::mmsghdr = unsafe { std::mem::zeroed() };
            h.msg_hdr.msg_iov = &mut b.iovs[i];
            h.msg_hdr.msg_iovlen = 1;
            h.msg_hdr.msg_name = (&mut b.names[i] as *mut libc::sockaddr_storage).cast();
            b.hdrs.push(h);
        }
        b
    }

    /// Receives up to BATCH datagrams without waiting.
    fn recv(&mut self, fd: RawFd) -> io::Result<usize> {
        for h in &mut self.hdrs {
            h.msg_hdr.msg_namelen = std::mem::size_of::<libc::sockaddr_storage>() as u32;
            h.msg_hdr.msg_flags = 0;
            h.msg_len = 0;
        }
        // SAFETY: every header points at an iovec and a sockaddr_storage
        // inside this boxed struct, which is not moved or resized while
        // the call runs; the kernel writes at most `iov_len` bytes into
        // each buffer and `msg_namelen` bytes into each name.
        let n = unsafe {
            libc::recvmmsg(
                fd,
                self.hdrs.as_mut_ptr(),
                BATCH as u32,
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            )
        };
        if n < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(n as usize)
        }
    }

    fn datagram(&self, i: usize) -> &[u8] {
        let len = (self.hdrs[i].msg_len as usize).min(self.slot);
        &self.bufs[i * self.slot..i * self.slot + len]
    }

    fn sender(&self, i: usize) -> Option<SocketAddr> {
        let len = self.hdrs[i].msg_hdr.msg_namelen;
        if len == 0 {
            return None;
        }
        // SAFETY: the kernel filled `names[i]` with `len` bytes of a
        // socket address; SockAddr copies them.
        let a = unsafe { socket2::SockAddr::new(self.names[i], len) };
        a.as_socket()
    }
}

/// Receives until the core stops.
pub async fn serve(ctx: Rc<CoreCtx>, spec: Rc<InputSpec>, sock: Socket) {
    let _guard = ctx.tasks.enter();
    let mut batch = Batch::new(spec.config.max_message);
    let mut arena = BytesMut::with_capacity(ARENA);
    let mut origins: HashMap<SocketAddr, Arc<Origin>> = HashMap::new();
    let local = Arc::new(Origin::new(
        &ctx.myhostname,
        "127.0.0.1",
        &spec.config.input_name,
    ));
    let mut items: Chunk = Vec::with_capacity(BATCH);
    let mut limit = RateLimit::new(spec.config.rate_interval_s, spec.config.rate_burst);
    let opts = spec.parse_options(&ctx.parse);
    let mut coalesce = Coalesce::new(COALESCE_MAX);
    while !ctx.stop.is_stopped() {
        let got = or(async { Some(sock.receive(&mut batch).await) }, async {
            ctx.stop.wait().await;
            None
        })
        .await;
        let (n, _waited) = match got {
            None => break,
            Some(Ok(got)) => got,
            Some(Err(e)) => {
                ctx.count(spec.index, |s| s.receive_errors += 1);
                crate::notice!("corelogd: {}: receive failed: {e}.", spec.describe());
                glommio::timer::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let now = ctx.clock.now();
        let instant = limit.is_on().then(Instant::now);
        let before = limit.dropped;
        let mut bytes = 0u64;
        let mut denied = 0u64;
        let mut no_parser = 0u64;
        for i in 0..n {
            let d = batch.datagram(i);
            bytes += d.len() as u64;
            if d.is_empty() {
                continue;
            }
            let sender = batch.sender(i);
            if let (Some(list), Some(addr)) = (&spec.allowed, sender) {
                if !crate::acl::allows(Some(list), addr.ip()) {
                    denied += 1;
                    continue;
                }
            }
            if let Some(t) = instant {
                if !limit.admit(t, spec.module()) {
                    continue;
                }
            }
            let origin = match sender {
                Some(addr) => {
                    if origins.len() >= ORIGINS_MAX && !origins.contains_key(&addr) {
                        origins.clear();
                    }
                    origins
                        .entry(addr)
                        .or_insert_with(|| {
                            let ip = addr.ip().to_string();
                            Arc::new(Origin::new(&ip, &ip, &spec.config.input_name))
                        })
                        .clone()
                }
                None => local.clone(),
            };
            if arena.capacity() - arena.len() < d.len() {
                arena = BytesMut::with_capacity(ARENA.max(d.len()));
            }
            arena.extend_from_slice(d);
            let frame = arena.split().freeze();
            if !spec.parse_into(frame, &origin, now, &opts, &mut items) {
                no_parser += 1;
            }
        }
        let received = items.len() as u64;
        let limited = limit.dropped - before;
        let dropped = ctx
            .shard_for(spec.ruleset)
            .enqueue_timeout(&mut items)
            .await;
        ctx.count(spec.index, |s| {
            s.received += received;
            s.bytes += bytes;
            s.dropped_ratelimit += limited;
            s.dropped_full += dropped;
            s.denied += denied;
            s.unparsed += no_parser;
        });
        // Not on a unix socket, whose queue holds only
        // `net.unix.max_dgram_qlen` datagrams (10 by default) and then
        // blocks the sender: a pause would only stop it. On UDP also after
        // a call that waited: otherwise a steady sender is met by a wait,
        // a wake-up and a call per datagram, the cost this is for (a
        // quiet sender's datagram waits the pause, at most COALESCE_MAX).
        if let Some(pause) = matches!(sock.wait, Wait::Udp(_))
            .then(|| coalesce.after(n, BATCH))
            .flatten()
        {
            glommio::timer::sleep(pause).await;
        }
    }
}
