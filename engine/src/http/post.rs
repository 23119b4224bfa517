//! imhttp's log input: messages POSTed to an `endpoint`, into its
//! ruleset.
//!
//! In: one request whose path is an input's endpoint: its head (already
//! read) and body (`Content-Length` bytes, read here). Out: the body's
//! messages — LF-delimited, octet-counted frames too with
//! `supportOctetCountedFraming` (RFC 6587, as imtcp reads them), or the
//! whole body as one with `disableLFDelimiter` — each cut at
//! `maxMessageSize`, parsed by the ruleset's parser chain, enqueued; then
//! the reply:
//! - 200 once every message is in the queue (on a disk queue: durable),
//!   so a client that got 200 may forget what it sent;
//! - 503 when some found no room (`flowControl="off"` and the queue stayed
//!   full past `queue.timeoutEnqueue`, or corelogd is stopping): the
//!   client should send again (what was taken is said in the body);
//! - 405 for another method, 401 without the credentials the input asks
//!   for, 411 without a `Content-Length` (a chunked body is not read),
//!   415 for a compressed body, 408 when the body stops coming for
//!   [`BODY_IDLE`].
//!
//! Guarantees: memory is bounded whatever the body's size (it is read in
//! [`READ_BYTES`] pieces and framed as it comes; a partial frame is at
//! most `maxMessageSize`); empty frames are skipped, as in rsyslog. A
//! request is an input shutdown waits for: once corelogd stops, it takes
//! nothing more and replies 503 with what it took. A body over
//! [`BODY_BYTES_MAX`] is 413; one slower than [`BODY_RATE_MIN`] on
//! average, or silent for [`BODY_IDLE`], is 408; at most [`POSTS_MAX`]
//! requests are read at once (503 past it).

use std::cell::RefCell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_lite::AsyncReadExt;
use glommio::net::TcpStream;

use crate::config::modules::imhttp::HttpInput;
use crate::corectx::CoreCtx;
use crate::frame::{Framer, FramerOptions};
use crate::input::ratelimit::RateLimit;
use crate::msg::Origin;

/// How long a body may stop coming before the request is given up.
pub const BODY_IDLE: Duration = Duration::from_secs(30);
/// The slowest a body may come on average (after [`BODY_IDLE`]): a
/// trickling client cannot hold a connection for long.
pub const BODY_RATE_MIN: usize = 64 << 10;
/// The largest body taken (413 above).
pub const BODY_BYTES_MAX: usize = 1 << 30;
/// Requests to the log inputs served at once (of
/// [`super::CONNECTIONS_MAX`]): the rest of the connections stay free for
/// metrics and health, and a request past it gets 503 at once.
pub const POSTS_MAX: usize = 48;
const _: () = assert!(POSTS_MAX < super::CONNECTIONS_MAX);
/// Bytes read at once.
const READ_BYTES: usize = 64 << 10;
/// The largest octet count accepted (imtcp's `maxFrameSize` default).
const FRAME_BYTES_MAX: usize = 200_000;

/// imhttp's counters, all inputs together (rsyslog's `imhttp` statistics
/// object): messages taken, requests not answered 200, messages not
/// taken.
#[derive(Debug, Default)]
pub struct Counters {
    pub submitted: std::sync::atomic::AtomicU64,
    pub failed: std::sync::atomic::AtomicU64,
    pub discarded: std::sync::atomic::AtomicU64,
}

impl Counters {
    /// Counts one request's outcome.
    fn count(&self, status: u16, taken: u64, not_taken: u64) {
        use std::sync::atomic::Ordering::Relaxed;
        self.submitted.fetch_add(taken, Relaxed);
        self.discarded.fetch_add(not_taken, Relaxed);
        if status != 200 {
            self.failed.fetch_add(1, Relaxed);
        }
    }
}

/// One log input as core 0 serves it.
pub struct Input {
    pub config: HttpInput,
    /// Its ruleset's parser chain (`None`: rsyslog's default).
    pub parsers: Option<Arc<crate::parse::chain::Chain>>,
    pub limit: RefCell<RateLimit>,
    /// `maxMessageSize`.
    pub max_message: usize,
}

impl Input {
    pub fn new(
        config: HttpInput,
        parsers: Option<Arc<crate::parse::chain::Chain>>,
        max_message: usize,
    ) -> Input {
        let limit = RateLimit::new(config.ratelimit_interval_s, config.ratelimit_burst);
        Input {
            config,
            parsers,
            limit: RefCell::new(limit),
            max_message: max_message.max(1),
        }
    }
}

/// What the head says of the body.
pub struct Body {
    pub length: usize,
}

/// The body's framing, or the reply refusing it: 411 without a
/// `Content-Length` or with `Transfer-Encoding`, 415 for a
/// `Content-Encoding` other than identity, 400 for a length that does
/// not parse.
pub fn body(header: &dyn Fn(&str) -> Option<String>) -> Result<Body, (u16, &'static str)> {
    if header("Transfer-Encoding").is_some() {
        return Err((
            411,
            "send the body with a Content-Length (chunked bodies are not read)\n",
        ));
    }
    if let Some(e) = header("Content-Encoding") {
        if !e.trim().eq_ignore_ascii_case("identity") {
            return Err((415, "compressed bodies are not read: send it plain\n"));
        }
    }
    let Some(len) = header("Content-Length") else {
        return Err((411, "a Content-Length is required\n"));
    };
    match len.trim().parse::<usize>() {
        Ok(length) if length > BODY_BYTES_MAX => Err((413, "the body is larger than 1 GiB\n")),
        Ok(length) => Ok(Body { length }),
        Err(_) => Err((400, "Content-Length is not a number\n")),
    }
}

/// Frames the body into messages and enqueues them: the reply's status
/// and text.
pub async fn receive(
    s: &mut TcpStream,
    ctx: &CoreCtx,
    input: &Input,
    body: Body,
    already: &[u8],
    counters: &Counters,
) -> (u16, String) {
    let mut sent = Sent::default();
    let (status, text) = read_body(s, ctx, input, body, already, &mut sent).await;
    counters.count(status, sent.taken, sent.dropped + sent.refused);
    (status, text)
}

async fn read_body(
    s: &mut TcpStream,
    ctx: &CoreCtx,
    input: &Input,
    body: Body,
    already: &[u8],
    sent: &mut Sent,
) -> (u16, String) {
    let peer = s
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let origin = Arc::new(Origin::new(&peer, &peer, &input.config.name));
    let mut frames = Frames::new(&input.config, input.max_message);
    let first = already.len().min(body.length);
    frames.push(&already[..first]);
    submit(ctx, input, &origin, &mut frames, sent).await;
    let mut remaining = body.length - first;
    let mut buf = vec![0u8; READ_BYTES];
    let deadline =
        Instant::now() + BODY_IDLE + Duration::from_secs((body.length / BODY_RATE_MIN) as u64);
    while remaining > 0 {
        let want = remaining.min(buf.len());
        let wait = BODY_IDLE.min(deadline.saturating_duration_since(Instant::now()));
        let read = futures_lite::future::or(
            async {
                glommio::timer::timeout(wait, async {
                    s.read(&mut buf[..want]).await.map_err(Into::into)
                })
                .await
                .map_err(|_| false)
            },
            async {
                ctx.stop.wait().await;
                Err(true)
            },
        )
        .await;
        let taken = sent.taken;
        match read {
            Ok(0) => {
                let text =
                    format!("the body ended before its Content-Length; {taken} messages taken\n");
                return (400, text);
            }
            Ok(n) => {
                remaining -= n;
                frames.push(&buf[..n]);
                submit(ctx, input, &origin, &mut frames, sent).await;
            }
            Err(true) => {
                let text =
                    format!("corelogd is stopping; {taken} messages taken, send the rest again\n");
                return (503, text);
            }
            Err(false) => {
                let text = format!("the body came too slowly; {taken} messages taken\n");
                return (408, text);
            }
        }
    }
    frames.finish();
    submit(ctx, input, &origin, &mut frames, sent).await;
    if sent.dropped == 0 && sent.refused == 0 {
        (200, format!("{} messages\n", sent.taken))
    } else {
        let why = if sent.dropped > 0 {
            "the queue stayed full"
        } else {
            "corelogd is stopping, or the disk refused them"
        };
        (
            503,
            format!(
                "{} of {} messages taken: {why}; send again\n",
                sent.taken,
                sent.taken + sent.dropped + sent.refused
            ),
        )
    }
}

/// Counts over one request.
#[derive(Default)]
struct Sent {
    taken: u64,
    /// Found no room in time (`flowControl="off"`).
    dropped: u64,
    /// Not made durable (the disk refused, or corelogd stopped).
    refused: u64,
}

/// The body's frames as they come.
struct Frames {
    framer: Option<Framer>,
    /// `disableLFDelimiter`: the body so far, one message.
    whole: Vec<u8>,
    max: usize,
    out: Vec<Bytes>,
}

impl Frames {
    fn new(c: &HttpInput, max: usize) -> Frames {
        let framer = (!c.disable_lf).then(|| {
            Framer::with_options(FramerOptions {
                frame_bytes_max: FRAME_BYTES_MAX,
                message_bytes_max: max,
                octet_counting: c.octet_counted,
                addtl_delimiter: None,
                discard_truncated: false,
            })
        });
        Frames {
            framer,
            whole: Vec::new(),
            max,
            out: Vec::new(),
        }
    }

    fn push(&mut self, b: &[u8]) {
        match &mut self.framer {
            Some(f) => f.decode(Bytes::copy_from_slice(b), &mut self.out),
            None => {
                // One message, cut at maxMessageSize as rsyslog does.
                for piece in b.chunks(self.max) {
                    let room = self.max - self.whole.len();
                    let (now, later) = piece.split_at(room.min(piece.len()));
                    self.whole.extend_from_slice(now);
                    if self.whole.len() == self.max {
                        self.out.push(Bytes::from(std::mem::take(&mut self.whole)));
                    }
                    self.whole.extend_from_slice(later);
                    debug_assert!(self.whole.len() < self.max);
                }
            }
        }
    }

    fn finish(&mut self) {
        match &mut self.framer {
            Some(f) => f.finish(&mut self.out),
            None if !self.whole.is_empty() => {
                self.out.push(Bytes::from(std::mem::take(&mut self.whole)))
            }
            None => {}
        }
    }
}

/// Parses and enqueues what was framed.
async fn submit(
    ctx: &CoreCtx,
    input: &Input,
    origin: &Arc<Origin>,
    frames: &mut Frames,
    sent: &mut Sent,
) {
    if frames.out.is_empty() {
        return;
    }
    let ruleset = input.config.ruleset as u32;
    let shard = ctx.shard_for(ruleset);
    if shard.is_closed() || ctx.stop.is_stopped() {
        // Stopping: nothing more is taken (the client is told).
        sent.refused += frames.out.iter().filter(|f| !f.is_empty()).count() as u64;
        frames.out.clear();
        return;
    }
    let mut items = shard.chunk();
    let now = ctx.clock.now();
    {
        // Released before the awaits below: requests to one input run
        // side by side.
        let mut limit = input.limit.borrow_mut();
        let instant = limit.is_on().then(Instant::now);
        for f in frames.out.drain(..).filter(|f| !f.is_empty()) {
            if let Some(t) = instant {
                if !limit.admit(t, &input.config.name) {
                    continue;
                }
            }
            let (mut m, _) =
                crate::parse::parse_chain(f, origin, now, &ctx.parse, input.parsers.as_deref());
            m.set_ruleset(ruleset);
            items.push(m);
        }
    }
    let n = items.len() as u64;
    if input.config.flow_control {
        if shard.enqueue(&mut items).await {
            sent.taken += n;
        } else {
            sent.refused += n;
        }
    } else {
        let dropped = shard.enqueue_timeout(&mut items).await;
        sent.taken += n - dropped;
        sent.dropped += dropped;
    }
    shard.recycle(items);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::modules::imhttp::Access;

    fn input(disable_lf: bool, octet_counted: bool) -> HttpInput {
        HttpInput {
            endpoint: "/logs".into(),
            name: "imhttp".into(),
            ruleset: 0,
            access: Access::default(),
            flow_control: true,
            disable_lf,
            octet_counted,
            ratelimit_interval_s: 0,
            ratelimit_burst: 0,
        }
    }

    fn frames(c: HttpInput, max: usize, pieces: &[&[u8]]) -> Vec<Bytes> {
        let mut f = Frames::new(&c, max);
        for p in pieces {
            f.push(p);
        }
        f.finish();
        f.out
    }

    #[test]
    fn lines_octet_counts_and_whole_bodies() {
        assert_eq!(
            frames(input(false, false), 100, &[b"a\nb", b"c\n\nd"]),
            [&b"a"[..], b"bc", b"", b"d"]
        );
        assert_eq!(
            frames(input(false, true), 100, &[b"3 abc5 de", b"\nfgline\n"]),
            [&b"abc"[..], b"de\nfg", b"line"]
        );
        assert_eq!(
            frames(input(true, false), 4, &[b"ab\ncd", b"efghi"]),
            [&b"ab\nc"[..], b"defg", b"hi"]
        );
    }

    #[test]
    fn what_the_head_says_of_the_body() {
        let head = |pairs: &'static [(&'static str, &'static str)]| {
            move |n: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(n))
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            body(&head(&[("Content-Length", "12")])).map(|b| b.length),
            Ok(12)
        );
        assert_eq!(body(&head(&[])).err().map(|e| e.0), Some(411));
        assert_eq!(
            body(&head(&[("Transfer-Encoding", "chunked")]))
                .err()
                .map(|e| e.0),
            Some(411)
        );
        assert_eq!(
            body(&head(&[
                ("Content-Length", "3"),
                ("Content-Encoding", "gzip")
            ]))
            .err()
            .map(|e| e.0),
            Some(415)
        );
        assert_eq!(
            body(&head(&[("Content-Length", "x")])).err().map(|e| e.0),
            Some(400)
        );
    }
}
