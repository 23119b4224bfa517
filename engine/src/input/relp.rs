//! imrelp: RELP sessions, read on the core the stream listener gave them.
//!
//! In: one accepted TCP connection speaking RELP. Out: its `syslog`
//! messages, parsed in place in the receive buffer and enqueued a read's
//! worth at a time; then the replies to that read's frames, in one write.
//!
//! Guarantees, beyond librelp's:
//! - `rsp 200` is written only after the message is enqueued, and, when
//!   the queue has a disk, only once it is durable there: an
//!   acknowledged message survives kill -9 of corelogd.
//! - A full queue withholds acknowledgements: the session stops reading
//!   until the queue takes what it read, so the sender's window fills.
//!   Nothing is acknowledged and then dropped for want of room; what a
//!   disk queue refuses is not acknowledged and ends the session. Dropped
//!   on purpose, and acknowledged as in rsyslog: messages over the
//!   input's `ratelimit`, those `queue.discardMark` discards, and empty
//!   `syslog` frames.
//! - At shutdown the session sends `serverclose` and closes; frames read
//!   but not enqueued are not acknowledged, so the sender resends them.
//! - One descriptor per live session: every way out of [`session`] drops
//!   the stream. A peer that stops reading cannot hold a session (or
//!   shutdown) for ever: a write that takes longer than
//!   [`WRITE_TIMEOUT`] ends the session.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use futures_lite::future::or;
use futures_lite::{AsyncReadExt, AsyncWriteExt};

use crate::corectx::CoreCtx;
use crate::queue::shard::Chunk;
use crate::relp::frame::Decoder;
use crate::relp::server::{Server, Step, SERVERCLOSE};
use crate::Origin;

use super::ratelimit::RateLimit;
use super::sessions::Ticket;
use super::InputSpec;
use crate::sock::recv_now;
use crate::tls::Stream;

pub use crate::relp::RelpOptions;

/// A session's first receive buffer: small, so that ten thousand idle
/// sessions cost little; a read that fills it makes the next one large.
const BUF_SMALL: usize = 16 << 10;
const BUF_LARGE: usize = 256 << 10;
/// A buffer with less room than this left is replaced.
const BUF_MIN: usize = 4 << 10;
/// How long a session with a large buffer waits holding it.
const LARGE_IDLE: Duration = Duration::from_millis(200);

/// The longest a write of replies may take before the session is closed.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// At shutdown, the longest the `serverclose` hint may take.
const BYE_TIMEOUT: Duration = Duration::from_secs(1);

/// Writes `b`, at most `limit` long; false on error or timeout.
async fn write_within(s: &mut Stream, b: &[u8], limit: Duration) -> bool {
    // Flushed: over TLS, what is written waits in rustls's buffer until
    // then.
    let write = async { s.write_all(b).await.is_ok() && s.flush().await.is_ok() };
    let late = async {
        glommio::timer::sleep(limit).await;
        false
    };
    or(write, late).await
}

/// What ended a read.
enum Read {
    Data(usize),
    Eof,
    Failed(std::io::Error),
    Stop,
    Idle,
}

/// Serves one RELP session to its end.
pub async fn session(
    ctx: &CoreCtx,
    spec: &InputSpec,
    mut s: Stream,
    origin: &Arc<Origin>,
    ticket: Ticket,
) {
    let Some(opts) = spec.config.relp else { return };
    // Plain TCP only: TLS bytes are read through the decryption.
    let fd = s.plain_fd();
    // Replies go out as soon as a read's messages are safe: a sender
    // waiting for them must not wait on Nagle as well.
    let _ = s.tcp().set_nodelay(true);
    let mut decoder = Decoder::new(opts.max_data, opts.oversize);
    let mut server = Server::new();
    let mut size = BUF_SMALL;
    // No buffer until there is something to read.
    let mut buf = BytesMut::new();
    // The size `buf` was allocated with.
    let mut alloc = 0;
    // The core's budget's bytes for a large buffer, while `size` is large.
    let mut lease = None;
    let mut frames = Vec::new();
    let mut items: Chunk = Vec::new();
    let mut replies = Vec::new();
    let mut limit = RateLimit::new(spec.config.rate_interval_s, spec.config.rate_burst);
    let popts = spec.parse_options(&ctx.parse);
    loop {
        // A small sender's session waits holding no buffer: ten thousand
        // idle sessions then hold none.
        // (Over TLS, a one-byte read would decrypt a record for one byte.)
        let small = size == BUF_SMALL && fd.is_some();
        if buf.len() < BUF_MIN && !small {
            buf = BytesMut::zeroed(size);
            alloc = size;
        }
        let read = if ctx.stop.is_stopped() {
            Read::Stop
        } else {
            let direct = match buf.is_empty() {
                true => None,
                false => fd.and_then(|fd| recv_now(fd, &mut buf[..])),
            };
            match direct {
                Some(r) => result(r),
                // Nothing to read: wait for a first byte without a
                // buffer, then read the rest behind it.
                None if small => {
                    buf = BytesMut::new();
                    let mut one = [0u8; 1];
                    match wait_read(ctx, &mut s, &mut one, opts.idle).await {
                        Read::Data(_) => {
                            buf = BytesMut::zeroed(size);
                            alloc = size;
                            buf[0] = one[0];
                            let rest = fd.and_then(|fd| recv_now(fd, &mut buf[1..]));
                            Read::Data(1 + rest.and_then(Result::ok).unwrap_or(0))
                        }
                        other => other,
                    }
                }
                // TLS with a small buffer: waited on whole (a one-byte
                // read would decrypt a record for one byte).
                None if size == BUF_SMALL => wait_read(ctx, &mut s, &mut buf[..], opts.idle).await,
                // A large buffer is held through a short wait only (see
                // `stream`): then given back, with its lease.
                None => {
                    let idle = Some(opts.idle.map_or(LARGE_IDLE, |d| d.min(LARGE_IDLE)));
                    match wait_read(ctx, &mut s, &mut buf[..], idle).await {
                        Read::Idle if opts.idle.map_or(true, |d| d > LARGE_IDLE) => {
                            size = BUF_SMALL;
                            lease = None;
                            buf = BytesMut::new();
                            continue;
                        }
                        other => other,
                    }
                }
            }
        };
        let n = match read {
            Read::Data(n) => n,
            // The peer left: nothing to say to it.
            Read::Eof => break,
            Read::Failed(e) => {
                match e.kind() {
                    // A TLS peer that closed without close_notify: the end.
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
            Read::Stop | Read::Idle => {
                write_within(&mut s, SERVERCLOSE, BYE_TIMEOUT).await;
                break;
            }
        };
        let filled = n == buf.len();
        ctx.count(spec.index, |s| s.bytes += n as u64);
        let chunk = super::stream::compact(buf.split_to(n).freeze(), alloc);
        // Large while reads fill the buffer (and the core's budget has
        // room); small again once one would fit a small one.
        if filled && size == BUF_SMALL {
            lease = ctx.recv_budget.lease(BUF_LARGE);
            if lease.is_some() {
                size = BUF_LARGE;
            }
        } else if !filled && n < BUF_SMALL && size == BUF_LARGE {
            size = BUF_SMALL;
            lease = None;
            buf = BytesMut::new();
        }
        let decoded = decoder.decode(chunk, &mut frames);
        let now = ctx.clock.now();
        let instant = limit.is_on().then(Instant::now);
        let before = limit.dropped;
        let mut received = 0u64;
        let mut no_parser = 0u64;
        let mut end = false;
        for f in frames.drain(..) {
            match server.frame(f, &mut replies) {
                Step::Message(data) => {
                    if data.is_empty() || instant.is_some_and(|t| !limit.admit(t, spec.module())) {
                        continue;
                    }
                    received += 1;
                    if !spec.parse_into(data, origin, now, &popts, &mut items) {
                        no_parser += 1;
                    }
                }
                Step::Go => {}
                Step::End => {
                    end = true;
                    break;
                }
            }
        }
        frames.clear();
        let limited = limit.dropped - before;
        ctx.count(spec.index, |s| {
            s.received += received;
            s.dropped_ratelimit += limited;
            s.unparsed += no_parser;
        });
        if let Err(e) = &decoded {
            if !end {
                crate::notice!(
                    "corelogd: {}: {}: not RELP ({e}); session closed.",
                    spec.describe(),
                    origin_ip(origin)
                );
                ctx.count(spec.index, |s| s.receive_errors += 1);
            }
            end = true;
        }
        // Safe first, then acknowledged. Waiting on a full queue is not
        // idleness: such a session is not closed to make room.
        ticket.busy();
        let safe = items.is_empty() || ctx.shard_for(spec.ruleset).enqueue(&mut items).await;
        ticket.touch();
        if !safe {
            // Shutdown took the queue first: no acknowledgement, so the
            // sender resends.
            replies.clear();
            end = true;
        }
        if end {
            replies.extend_from_slice(SERVERCLOSE);
        }
        if !replies.is_empty() {
            let limit = if ctx.stop.is_stopped() {
                BYE_TIMEOUT
            } else {
                WRITE_TIMEOUT
            };
            let written = write_within(&mut s, &replies, limit).await;
            replies.clear();
            if !written {
                break;
            }
        }
        if end {
            break;
        }
    }
    drop(lease);
    // Out of the table before the descriptor can be closed and reused.
    drop(ticket);
    // glommio closes the descriptor in `close` (a dropped stream kept it
    // open here); bounded, as it could wait on a peer that does not read.
    or(async { s.close().await.is_ok() }, async {
        glommio::timer::sleep(BYE_TIMEOUT).await;
        false
    })
    .await;
}

fn result(r: std::io::Result<usize>) -> Read {
    match r {
        Ok(0) => Read::Eof,
        Ok(n) => Read::Data(n),
        Err(e) => Read::Failed(e),
    }
}

/// Waits for data, the stop signal or, with an idle timeout, silence.
async fn wait_read(ctx: &CoreCtx, s: &mut Stream, buf: &mut [u8], idle: Option<Duration>) -> Read {
    let read = async { result(s.read(buf).await) };
    let stop = async {
        ctx.stop.wait().await;
        Read::Stop
    };
    match idle {
        None => or(read, stop).await,
        Some(d) => {
            let timer = async {
                glommio::timer::sleep(d).await;
                Read::Idle
            };
            or(read, or(stop, timer)).await
        }
    }
}

fn origin_ip(o: &Origin) -> String {
    String::from_utf8_lossy(&o.fromhost_ip).into_owned()
}
