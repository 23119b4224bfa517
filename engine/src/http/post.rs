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
//!   415 for a `Content-Encoding` other than gzip, 400 for a gzip body
//!   that is not one or ends early, 408 when the body stops coming for
//!   [`BODY_IDLE`].
//!
//! A gzip body (`Content-Encoding: gzip`, as rsyslog's imhttp takes it)
//! is inflated as it comes, [`INFLATE_STEP`] compressed bytes at a time,
//! each step framed and enqueued before the next: however well it
//! compresses, what one request holds stays bounded (deflate inflates at
//! most about 1032 times). Inflated, it is held to [`BODY_BYTES_MAX`] too
//! (413 past it). With `addMetadata`, each message carries the request's
//! headers (names in lower case) in `$!metadata!httpheaders` and its
//! query parameters in `$!metadata!queryparams`, as rsyslog's imhttp
//! adds them (split at `&` and `;`, then `=`; not decoded).
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
use crate::msg::json::{Json, Object, Path as VarPath};
use crate::msg::vars::VarScope;
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
/// Compressed bytes inflated at once (at most about 1 MiB inflated).
pub const INFLATE_STEP: usize = 1024;
/// Request headers kept by addMetadata at most (rsyslog's limit).
const METADATA_HEADERS_MAX: usize = 64;

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
    /// Its bytes on the wire (compressed, when gzip).
    pub length: usize,
    pub gzip: bool,
    /// addMetadata's values, when the input asks for them.
    pub metadata: Option<Metadata>,
}

/// What addMetadata adds to each message of a request.
#[derive(Debug, Clone)]
pub struct Metadata {
    /// `$!metadata!httpheaders`.
    pub headers: Json,
    /// `$!metadata!queryparams` (only where there is a query).
    pub query: Option<Json>,
}

/// addMetadata's values of a request: its headers by lower-case name
/// (the last of a name wins), and its query `a=1&b=2;c` as rsyslog splits
/// it.
pub fn metadata(headers: &[httparse::Header], target: &str) -> Metadata {
    let mut h = Object::new();
    for header in headers.iter().take(METADATA_HEADERS_MAX) {
        let value = String::from_utf8_lossy(header.value);
        h.insert(
            &header.name.to_ascii_lowercase(),
            Json::str(value.as_bytes()),
        );
    }
    let query = target.split_once('?').map(|(_, q)| {
        let mut o = Object::new();
        for pair in q.split(['&', ';']).filter(|p| !p.is_empty()) {
            let mut words = pair.split('=').filter(|w| !w.is_empty());
            if let Some(key) = words.next() {
                let value = words.next().unwrap_or("");
                o.insert(key, Json::str(value.as_bytes()));
            }
        }
        Json::Object(o)
    });
    Metadata {
        headers: Json::Object(h),
        query,
    }
}

/// The body's framing, or the reply refusing it: 411 without a
/// `Content-Length` or with `Transfer-Encoding`, 415 for a
/// `Content-Encoding` other than gzip or identity, 400 for a length that
/// does not parse.
pub fn body(header: &dyn Fn(&str) -> Option<String>) -> Result<Body, (u16, &'static str)> {
    if header("Transfer-Encoding").is_some() {
        return Err((
            411,
            "send the body with a Content-Length (chunked bodies are not read)\n",
        ));
    }
    let mut gzip = false;
    if let Some(e) = header("Content-Encoding") {
        let e = e.trim();
        if e.eq_ignore_ascii_case("gzip") {
            gzip = true;
        } else if !e.eq_ignore_ascii_case("identity") {
            return Err((
                415,
                "only gzip bodies are inflated: send it plain or gzip\n",
            ));
        }
    }
    let Some(len) = header("Content-Length") else {
        return Err((411, "a Content-Length is required\n"));
    };
    match len.trim().parse::<usize>() {
        Ok(length) if length > BODY_BYTES_MAX => Err((413, "the body is larger than 1 GiB\n")),
        Ok(length) => Ok(Body {
            length,
            gzip,
            metadata: None,
        }),
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
    let mut pipe = Pipe {
        origin: Arc::new(Origin::new(&peer, &peer, &input.config.name)),
        frames: Frames::new(&input.config, input.max_message),
        gunzip: body.gzip.then(Gunzip::new),
        md: body.metadata.as_ref(),
    };
    let first = already.len().min(body.length);
    if let Err(e) = pipe.take(ctx, input, &already[..first], sent).await {
        return e;
    }
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
                if let Err(e) = pipe.take(ctx, input, &buf[..n], sent).await {
                    return e;
                }
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
    if let Some(g) = pipe.gunzip.take() {
        if let Err(e) = g.finish(&mut pipe.frames) {
            let text = format!("{e}; {} messages taken\n", sent.taken);
            return (400, text);
        }
    }
    pipe.frames.finish();
    submit(ctx, input, &pipe.origin, &mut pipe.frames, pipe.md, sent).await;
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

/// What one request's body goes through on its way to the queue.
struct Pipe<'a> {
    origin: Arc<Origin>,
    frames: Frames,
    /// Inflating a gzip body.
    gunzip: Option<Gunzip>,
    /// addMetadata's values.
    md: Option<&'a Metadata>,
}

impl Pipe<'_> {
    /// Frames `bytes` of the body (inflated first, a step at a time, when
    /// gzip) and enqueues what they complete; the reply that ends the
    /// request when they cannot be read.
    async fn take(
        &mut self,
        ctx: &CoreCtx,
        input: &Input,
        bytes: &[u8],
        sent: &mut Sent,
    ) -> Result<(), (u16, String)> {
        let (origin, frames, md) = (&self.origin, &mut self.frames, self.md);
        let Some(g) = &mut self.gunzip else {
            frames.push(bytes);
            submit(ctx, input, origin, frames, md, sent).await;
            return Ok(());
        };
        for step in bytes.chunks(INFLATE_STEP) {
            if let Err((status, why)) = g.push(step, frames) {
                return Err((status, format!("{why}; {} messages taken\n", sent.taken)));
            }
            submit(ctx, input, origin, frames, md, sent).await;
        }
        Ok(())
    }
}

/// A gzip body inflated as it comes.
struct Gunzip {
    decoder: flate2::write::GzDecoder<Vec<u8>>,
    inflated: usize,
}

impl Gunzip {
    fn new() -> Gunzip {
        Gunzip {
            decoder: flate2::write::GzDecoder::new(Vec::new()),
            inflated: 0,
        }
    }

    /// Inflates `step` (at most [`INFLATE_STEP`] bytes) into `frames`.
    fn push(&mut self, step: &[u8], frames: &mut Frames) -> Result<(), (u16, &'static str)> {
        use std::io::Write;
        debug_assert!(step.len() <= INFLATE_STEP);
        self.decoder
            .write_all(step)
            .map_err(|_| (400, "the body is not gzip, or is damaged"))?;
        self.drain(frames)
    }

    /// The inflated bytes so far into `frames`; 413 past [`BODY_BYTES_MAX`].
    fn drain(&mut self, frames: &mut Frames) -> Result<(), (u16, &'static str)> {
        let out = self.decoder.get_mut();
        self.inflated += out.len();
        if self.inflated > BODY_BYTES_MAX {
            return Err((413, "the inflated body is larger than 1 GiB"));
        }
        frames.push(out);
        out.clear();
        Ok(())
    }

    /// The end of the body: the gzip stream must be complete.
    fn finish(mut self, frames: &mut Frames) -> Result<(), &'static str> {
        self.decoder
            .try_finish()
            .map_err(|_| "the gzip body ended before its stream did")?;
        self.drain(frames).map_err(|(_, why)| why)?;
        // try_finish accepts a stream cut short at a block boundary; the
        // trailer (CRC and length) must have been read.
        match self.decoder.finish() {
            Ok(rest) if rest.is_empty() => Ok(()),
            _ => Err("the gzip body ended before its stream did"),
        }
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
    md: Option<&Metadata>,
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
            if let Some(md) = md {
                let vars = m.vars_mut();
                // A request's headers are bounded (the head is): within
                // the variables' weight limit, or not added.
                let _ = vars.set(
                    VarScope::Message,
                    &VarPath::parse("metadata!httpheaders"),
                    md.headers.clone(),
                    false,
                );
                if let Some(q) = &md.query {
                    let _ = vars.set(
                        VarScope::Message,
                        &VarPath::parse("metadata!queryparams"),
                        q.clone(),
                        false,
                    );
                }
            }
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
            add_metadata: false,
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
        assert!(body(&head(&[
            ("Content-Length", "3"),
            ("Content-Encoding", "gzip")
        ]))
        .is_ok_and(|b| b.gzip));
        assert_eq!(
            body(&head(&[
                ("Content-Length", "3"),
                ("Content-Encoding", "br")
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

    fn gz(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn inflate(body: &[u8]) -> Result<Vec<Bytes>, String> {
        let mut f = Frames::new(&input(false, false), 100);
        let mut g = Gunzip::new();
        for step in body.chunks(7) {
            g.push(step, &mut f).map_err(|e| e.1.to_string())?;
        }
        g.finish(&mut f)?;
        f.finish();
        Ok(f.out)
    }

    #[test]
    fn gzip_bodies_are_inflated_and_damaged_ones_refused() {
        let body = gz(b"one\ntwo\nthree\n");
        assert_eq!(inflate(&body).unwrap(), ["one", "two", "three"]);
        assert!(inflate(&body[..body.len() - 4]).is_err(), "no trailer");
        assert!(
            inflate(&body[..body.len() / 2]).is_err(),
            "cut in the middle"
        );
        assert!(inflate(b"plain text, not gzip\n").is_err());
    }

    #[test]
    fn metadata_as_rsyslog_adds_it() {
        let headers = [
            httparse::Header {
                name: "X-Trace",
                value: b"abc",
            },
            httparse::Header {
                name: "Content-Type",
                value: b"text/plain",
            },
        ];
        let m = metadata(&headers, "/logs?a=1&b=2=3;c&&=d");
        let text = |j: &Json| {
            let mut out = Vec::new();
            j.render(&mut out, crate::msg::json::Style::Plain);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            text(&m.headers),
            r#"{"x-trace":"abc","content-type":"text\/plain"}"#
        );
        assert_eq!(
            text(m.query.as_ref().unwrap()),
            r#"{"a":"1","b":"2","c":"","d":""}"#
        );
        assert!(metadata(&headers, "/logs").query.is_none());
    }
}
