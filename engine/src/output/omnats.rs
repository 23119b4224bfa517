//! omnats: rendered batches published to NATS JetStream, each batch done
//! only when the stream acknowledged every message of it.
//!
//! In: [`Rendered`] batches, one record per message with its subject in
//! `paths` (`dynaSubject`) and, from an action queue with a disk, each
//! message's sequence number in that queue (`seqs`). Out: one `HPUB` per
//! message with a reply subject of our own; [`OmNats::write`] returns Ok
//! only once JetStream's PubAck for every record has been read.
//!
//! The message id (`Nats-Msg-Id`) is what makes a resend harmless:
//! - a message read from the action queue's disk is
//!   `<host>:q:<queue.filename>:<its sequence number>`; the number is
//!   written with the record, so after a crash or a restart the same
//!   message gets the same id, and the stream drops the copy (within its
//!   duplicate window, two minutes by default);
//! - any other message gets `<host>:p:<start time in ns>:<counter>`,
//!   unique to this process and kept for the retries of its batch.
//!
//! The session: TCP (TLS when the server asks for it and `tls="on"`),
//! the server's `INFO`, `CONNECT`, one subscription to our inbox, and a
//! `PING` whose `PONG` says the server took us. At most `windowSize`
//! publishes await their acknowledgement; a full window that does not
//! move for `timeout`, a `-ERR`, EOF or a refusal break the session and
//! fail the batch, which the runner retries (`action.resumeRetryCount`).
//! A retry of the same batch opens a new session on the next server and
//! publishes only the records not yet acknowledged, with their ids.
//!
//! Records that can never be published — a dynamic subject that is not a
//! subject, or one larger than the server's `max_payload` — are passed
//! over, counted in `failed` and said once per batch; the rest flows.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use futures_lite::future::or;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use glommio::net::TcpStream;

use crate::config::modules::omkafka::Named;
use crate::config::modules::omnats::{OmnatsConfig, Server};
use crate::nats::proto::{self, Op, PubAck};
use crate::tls::{Endpoint, Stream};

use super::Rendered;

/// Publishes are written once this much is buffered.
const WRITE_CHUNK: usize = 256 << 10;
/// The inbox subscription's id.
const SID: u32 = 1;
/// The read buffer's size.
const READ_CHUNK: usize = 64 << 10;
/// The largest message taken from the server: what reaches a publisher is
/// PubAcks, errors and pings, all far smaller (a server that sends more
/// is not a JetStream server).
const REPLY_MAX: usize = 64 << 10;
/// The smallest `max_payload` a server may announce: below it, every
/// record would be passed over as too large.
const MAX_PAYLOAD_MIN: usize = 1024;

pub struct OmNats {
    servers: Vec<Server>,
    /// The server the next session tries first.
    next_server: usize,
    subject: Option<Vec<u8>>,
    stream: Option<String>,
    user: Option<String>,
    password: Option<String>,
    token: Option<String>,
    window: usize,
    timeout: Duration,
    /// One TLS endpoint per server (its name is checked), when TLS.
    tls: Vec<Arc<Endpoint>>,
    session: Option<Session>,
    carry: Option<Carry>,
    /// `_INBOX.<random>`: the prefix of every reply subject.
    inbox: String,
    /// Which try a reply belongs to: `<inbox>.<try>.<record>`.
    try_no: u64,
    /// `<host>:q:<queue>:`, for messages with a queue position: set by
    /// [`OmNats::name_queue`] once the queue's files are known.
    queue_prefix: Option<String>,
    /// `<host>:p:<start ns><random>:`, for the others.
    process_prefix: String,
    host: String,
    next_process_id: u64,
    /// Records passed over (never publishable); the runner counts them.
    pub failed: u64,
    /// Publishes the stream recognised as resends (not stored again).
    pub duplicates: u64,
    /// Sessions opened.
    pub sessions: u64,
    action: String,
}

struct Session {
    s: Stream,
    /// Bytes read and not yet parsed: `buf[start..end]`.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    out: Vec<u8>,
    max_payload: usize,
    /// Publishes of this try awaiting their acknowledgement.
    pending: usize,
}

struct Carry {
    key: (usize, u32, u64),
    acked: Vec<bool>,
    /// The first process-unique id the batch was given.
    base: u64,
}

fn protocol(why: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.into())
}

fn unix_nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// `s` with what may not be in a header value or an id replaced.
fn id_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != ':' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl OmNats {
    /// The client of `c`. TLS files are read here (an error says which
    /// and why).
    pub fn new(c: &OmnatsConfig, action: &str) -> Result<OmNats, String> {
        debug_assert!(c.window >= 1 && !c.servers.is_empty());
        let tls = match &c.tls {
            Some(t) => c
                .servers
                .iter()
                .map(|s| Endpoint::client(t, &s.host).map(Arc::new))
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        let host = id_safe(&crate::runtime::kernel_hostname());
        let started = unix_nanos();
        let random = {
            use std::hash::{BuildHasher, Hasher};
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(started);
            h.write_u32(std::process::id());
            h.finish()
        };
        Ok(OmNats {
            servers: c.servers.clone(),
            next_server: 0,
            subject: match &c.subject {
                Named::Fixed(s) => Some(s.as_bytes().to_vec()),
                Named::Template(_) => None,
            },
            stream: c.stream.clone(),
            user: c.user.clone(),
            password: c.password.clone(),
            token: c.token.clone(),
            window: c.window,
            timeout: c.timeout,
            tls,
            session: None,
            carry: None,
            inbox: format!("_INBOX.{random:016x}"),
            try_no: 0,
            queue_prefix: None,
            // Two actions made in the same clock tick differ by `random`.
            process_prefix: format!("{host}:p:{started}{random:016x}:"),
            host,
            next_process_id: 0,
            failed: 0,
            duplicates: 0,
            sessions: 0,
            action: action.to_string(),
        })
    }

    /// The action queue's files (their directory and name): messages read
    /// from them are named by their number there. The directory is part
    /// of the name, hashed, so that two queues of one name in two
    /// directories never name two messages alike.
    pub fn name_queue(&mut self, dir: &std::path::Path, name: &str) {
        use std::hash::{Hash, Hasher};
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        let mut h = std::collections::hash_map::DefaultHasher::new();
        dir.hash(&mut h);
        self.queue_prefix = Some(format!(
            "{}:q:{:08x}/{}:",
            self.host,
            h.finish() as u32,
            id_safe(name)
        ));
    }

    pub fn describe(&self) -> String {
        let s = &self.servers[self.next_server % self.servers.len()];
        let scheme = if self.tls.is_empty() { "nats" } else { "tls" };
        format!("{scheme}://{}:{}", s.host, s.port)
    }

    /// Its TLS endpoints, to reload on SIGHUP.
    pub fn tls(&self) -> &[Arc<Endpoint>] {
        &self.tls
    }

    /// Publishes the batch's records and waits for every acknowledgement.
    /// On error the session is dropped; a retry of the same batch
    /// publishes what was not acknowledged, with the same ids.
    pub async fn write(&mut self, r: &Rendered) -> io::Result<()> {
        debug_assert_eq!(r.recs.len(), r.count as usize);
        debug_assert!(r.seqs.is_empty() || r.seqs.len() == r.recs.len());
        let key = r.fingerprint();
        let (mut acked, base) = match self.carry.take() {
            Some(c) if c.key == key => (c.acked, c.base),
            _ => {
                let base = self.next_process_id;
                self.next_process_id += u64::from(r.count);
                (vec![false; r.recs.len()], base)
            }
        };
        let reused = self.session.is_some();
        let mut res = self.send(r, &mut acked, base).await;
        if res.is_err() && reused {
            // A session kept from an earlier batch may have been closed
            // by the server meanwhile: one new session at once.
            self.abort();
            res = self.send(r, &mut acked, base).await;
        }
        if let Err(e) = res {
            self.abort();
            let at = self.describe();
            self.next_server += 1;
            self.carry = Some(Carry { key, acked, base });
            return Err(io::Error::new(e.kind(), format!("{at}: {e}")));
        }
        debug_assert!(acked.iter().all(|a| *a));
        Ok(())
    }

    /// The id of record `i`.
    fn msg_id(&self, r: &Rendered, i: usize, base: u64, out: &mut Vec<u8>) {
        let mut num = itoa::Buffer::new();
        out.clear();
        match (&self.queue_prefix, r.seqs.get(i).copied()) {
            (Some(p), Some(seq)) if seq != 0 => {
                out.extend_from_slice(p.as_bytes());
                out.extend_from_slice(num.format(seq).as_bytes());
            }
            _ => {
                out.extend_from_slice(self.process_prefix.as_bytes());
                out.extend_from_slice(num.format(base + i as u64).as_bytes());
            }
        }
    }

    async fn send(&mut self, r: &Rendered, acked: &mut [bool], base: u64) -> io::Result<()> {
        if self.session.is_none() {
            self.open().await?;
        }
        self.try_no += 1;
        let (window, timeout, try_no) = (self.window, self.timeout, self.try_no);
        let mut id = Vec::with_capacity(64);
        let mut reply = Vec::with_capacity(64);
        let mut passed = (0u64, String::new());
        // The try each record was published in: an acknowledgement counts
        // only for a record published in this try.
        let mut sent = vec![0u64; r.recs.len()];
        for (i, (path, _, data)) in r.fields().enumerate() {
            if acked[i] {
                continue;
            }
            self.msg_id(r, i, base, &mut id);
            let subject = self.subject.as_deref().unwrap_or(path);
            let s = self.session.as_mut().expect("opened above");
            let why = if !proto::valid_subject(subject) {
                Some(format!(
                    "'{}' is not a subject",
                    String::from_utf8_lossy(&subject[..subject.len().min(80)])
                ))
            } else if proto::hpub_size(&id, self.stream.as_deref().map(str::as_bytes), data)
                > s.max_payload
            {
                Some(format!(
                    "{} bytes, over the server's max_payload of {}",
                    data.len(),
                    s.max_payload
                ))
            } else {
                None
            };
            if let Some(why) = why {
                acked[i] = true;
                passed.0 += 1;
                if passed.1.is_empty() {
                    passed.1 = why;
                }
                continue;
            }
            while s.pending >= window {
                s.flush().await?;
                let mut a = Acks {
                    inbox: &self.inbox,
                    try_no,
                    sent: &sent,
                    acked,
                    duplicates: &mut self.duplicates,
                };
                s.read_acks(timeout, &mut a).await?;
            }
            reply.clear();
            reply.extend_from_slice(self.inbox.as_bytes());
            reply.push(b'.');
            reply.extend_from_slice(itoa::Buffer::new().format(try_no).as_bytes());
            reply.push(b'.');
            reply.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
            proto::hpub(
                &mut s.out,
                subject,
                &reply,
                &id,
                self.stream.as_deref().map(str::as_bytes),
                data,
            );
            s.pending += 1;
            sent[i] = try_no;
            if s.out.len() >= WRITE_CHUNK {
                s.flush().await?;
            }
        }
        if passed.0 > 0 {
            self.failed += passed.0;
            crate::notice!(
                "corelogd: action '{}': {} message(s) can never be published and are passed over (the first: {}).",
                self.action,
                passed.0,
                passed.1
            );
        }
        let s = self.session.as_mut().expect("opened above");
        s.flush().await?;
        while s.pending > 0 {
            let mut a = Acks {
                inbox: &self.inbox,
                try_no,
                sent: &sent,
                acked,
                duplicates: &mut self.duplicates,
            };
            s.read_acks(timeout, &mut a).await?;
        }
        Ok(())
    }

    /// Connects to the first of the server's addresses that answers
    /// (`localhost` may be ::1 first, a server on 0.0.0.0 only).
    async fn connect(&self, s: &Server) -> io::Result<TcpStream> {
        let addrs: Vec<SocketAddr> = (s.host.as_str(), s.port).to_socket_addrs()?.collect();
        let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
        for addr in addrs {
            match TcpStream::connect_timeout(addr, self.timeout).await {
                Ok(t) => return Ok(t),
                Err(e) => last = io::Error::from(e),
            }
        }
        Err(last)
    }

    /// Opens a session on the next server that takes one.
    async fn open(&mut self) -> io::Result<()> {
        let mut last = None;
        for _ in 0..self.servers.len() {
            let at = self.next_server % self.servers.len();
            match self.open_at(at).await {
                Ok(s) => {
                    self.session = Some(s);
                    self.sessions += 1;
                    return Ok(());
                }
                Err(e) => {
                    let s = &self.servers[at];
                    last = Some(io::Error::new(
                        e.kind(),
                        format!("{}:{}: {e}", s.host, s.port),
                    ));
                    self.next_server += 1;
                }
            }
        }
        Err(last.expect("at least one server"))
    }

    async fn open_at(&mut self, at: usize) -> io::Result<Session> {
        let tcp = self.connect(&self.servers[at]).await?;
        tcp.set_nodelay(true).ok();
        let mut s = Session {
            s: Stream::Plain(tcp),
            buf: vec![0; READ_CHUNK],
            start: 0,
            end: 0,
            out: Vec::new(),
            max_payload: proto::MAX_PAYLOAD_DEFAULT,
            pending: 0,
        };
        // INFO first, in the clear.
        let json = loop {
            if let Some((op, n)) = s.parse()? {
                match op {
                    Op::Info(j) => {
                        let j = j.to_vec();
                        s.start += n;
                        break j;
                    }
                    _ => return Err(protocol("the server did not begin with INFO")),
                }
            }
            s.fill(self.timeout).await?;
        };
        let info = proto::info(&json).map_err(|e| protocol(e.to_string()))?;
        if !info.headers {
            return Err(protocol(
                "the server takes no headers (NATS 2.2 or later is needed for message ids)",
            ));
        }
        if !info.jetstream {
            return Err(protocol(
                "the server runs without JetStream (nats-server -js, or jetstream {} in its configuration)",
            ));
        }
        if info.max_payload < MAX_PAYLOAD_MIN {
            return Err(protocol(format!(
                "the server takes messages of at most {} bytes",
                info.max_payload
            )));
        }
        s.max_payload = info.max_payload;
        match (info.tls_required, self.tls.get(at)) {
            (true, None) => {
                return Err(protocol(
                    "the server requires TLS: set tls=\"on\" (with tls.caCert) on the action",
                ))
            }
            (false, Some(_)) => {
                return Err(protocol(
                    "tls=\"on\", but the server offers no TLS; nothing is sent in the clear",
                ))
            }
            (true, Some(ep)) => {
                let Stream::Plain(tcp) = s.s else {
                    unreachable!("plain until here")
                };
                s.s = ep.connect_io(tcp).await?;
            }
            (false, None) => {}
        }
        proto::connect(
            &mut s.out,
            &proto::Connect {
                name: "corelogd",
                tls_required: !self.tls.is_empty(),
                user: self.user.as_deref(),
                pass: self.password.as_deref(),
                token: self.token.as_deref(),
            },
        );
        proto::sub(&mut s.out, &format!("{}.>", self.inbox), SID);
        proto::ping(&mut s.out);
        s.flush().await?;
        // The PONG to our PING says CONNECT and SUB were taken.
        loop {
            while let Some((op, n)) = s.parse()? {
                let done = match op {
                    Op::Pong => true,
                    Op::Err(e) => {
                        return Err(protocol(format!(
                            "the server refused the session: {}",
                            String::from_utf8_lossy(e)
                        )))
                    }
                    Op::Ping => {
                        proto::pong(&mut s.out);
                        false
                    }
                    _ => false,
                };
                s.start += n;
                if done {
                    s.flush().await?;
                    return Ok(s);
                }
            }
            s.flush().await?;
            s.fill(self.timeout).await?;
        }
    }

    /// The runner gave the last failed batch up (suspension): a later
    /// batch with the same bytes is a new one.
    pub fn forget(&mut self) {
        self.carry = None;
    }

    /// At exit: the session closed (nothing awaits acknowledgement
    /// between batches).
    pub async fn finish(&mut self) {
        if let Some(mut s) = self.session.take() {
            let _ = s.s.close().await;
        }
        if self.duplicates > 0 {
            crate::notice!(
                "corelogd: action '{}': the stream recognised {} message(s) as resent (their Nats-Msg-Id within its duplicate window) and did not store them again.",
                self.action,
                self.duplicates
            );
        }
    }

    /// Drops the session at once.
    fn abort(&mut self) {
        if let Some(s) = self.session.take() {
            use std::os::unix::io::AsRawFd;
            // SAFETY: the descriptor stays open while `s` lives, past this call.
            let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(s.s.tcp().as_raw_fd()) };
            let sock = socket2::SockRef::from(&fd);
            // A receive left in flight in io_uring (a timed-out wait)
            // would keep the socket alive past the drop.
            let _ = sock.shutdown(std::net::Shutdown::Both);
        }
    }
}

impl Session {
    async fn flush(&mut self) -> io::Result<()> {
        self.s.send(&mut self.out).await
    }

    /// The next whole operation read, if any.
    fn parse(&self) -> io::Result<Option<(Op<'_>, usize)>> {
        proto::parse(&self.buf[self.start..self.end], REPLY_MAX)
            .map_err(|e| protocol(format!("not NATS: {e}")))
    }

    /// Reads once, at most `timeout`.
    async fn fill(&mut self, timeout: Duration) -> io::Result<()> {
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        }
        if self.end == self.buf.len() {
            // Room for the rest of an operation: move it to the front,
            // and grow when it is larger than the buffer.
            self.buf.copy_within(self.start..self.end, 0);
            (self.start, self.end) = (0, self.end - self.start);
            if self.end == self.buf.len() {
                self.buf.resize(self.buf.len() * 2, 0);
            }
        }
        let end = self.end;
        let (s, buf) = (&mut self.s, &mut self.buf);
        let read = or(async { Some(s.read(&mut buf[end..]).await) }, async {
            glommio::timer::sleep(timeout).await;
            None
        })
        .await;
        match read {
            None => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no acknowledgement within {} s", timeout.as_secs()),
            )),
            Some(Err(e)) => Err(e),
            Some(Ok(0)) => Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "the server closed the connection",
            )),
            Some(Ok(n)) => {
                self.end += n;
                Ok(())
            }
        }
    }

    /// Waits for at least one read and takes every acknowledgement in it.
    async fn read_acks(&mut self, timeout: Duration, a: &mut Acks<'_>) -> io::Result<()> {
        self.fill(timeout).await?;
        while let Some((op, n)) = self.parse()? {
            let mut pong = false;
            match op {
                Op::Msg {
                    subject,
                    headers,
                    payload,
                    ..
                } => {
                    // An earlier try's, not ours, or for a record not
                    // published in this try (forged): passed over.
                    let Some(i) = reply_index(subject, a.inbox, a.try_no)
                        .filter(|&i| a.sent.get(i) == Some(&a.try_no) && !a.acked[i])
                    else {
                        self.start += n;
                        continue;
                    };
                    match proto::pub_ack(headers, payload) {
                        PubAck::Stored { duplicate, .. } => {
                            a.acked[i] = true;
                            self.pending = self
                                .pending
                                .checked_sub(1)
                                .ok_or_else(|| protocol("more acknowledgements than publishes"))?;
                            *a.duplicates += u64::from(duplicate);
                        }
                        PubAck::NoResponders => {
                            return Err(protocol(
                                "no stream takes the subject (create the stream, or check its subjects)",
                            ))
                        }
                        PubAck::Refused { code, text } => {
                            return Err(protocol(format!("JetStream refused a message: {text} ({code})")))
                        }
                        PubAck::Garbled(why) => {
                            return Err(protocol(format!("an acknowledgement that is {why}")))
                        }
                    }
                }
                Op::Err(e) => {
                    return Err(protocol(format!(
                        "the server said: {}",
                        String::from_utf8_lossy(e)
                    )))
                }
                Op::Ping => pong = true,
                Op::Pong | Op::Ok | Op::Info(_) => {}
            }
            self.start += n;
            if pong {
                proto::pong(&mut self.out);
            }
        }
        // A PONG owed goes out with the next publishes, or now.
        self.flush().await
    }
}

/// What a try awaits: its replies' inbox and try number, the try each
/// record was published in, which are acknowledged, and the count of
/// resends the stream recognised.
struct Acks<'a> {
    inbox: &'a str,
    try_no: u64,
    sent: &'a [u64],
    acked: &'a mut [bool],
    duplicates: &'a mut u64,
}

/// Record `i` of `<inbox>.<try_no>.<i>`.
fn reply_index(subject: &[u8], inbox: &str, try_no: u64) -> Option<usize> {
    let rest = subject.strip_prefix(inbox.as_bytes())?.strip_prefix(b".")?;
    let (t, i) = std::str::from_utf8(rest).ok()?.split_once('.')?;
    (t.parse::<u64>().ok()? == try_no).then_some(())?;
    i.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_name_their_try_and_record() {
        assert_eq!(reply_index(b"_INBOX.ab.3.17", "_INBOX.ab", 3), Some(17));
        assert_eq!(reply_index(b"_INBOX.ab.2.17", "_INBOX.ab", 3), None);
        assert_eq!(reply_index(b"_INBOX.abc.3.17", "_INBOX.ab", 3), None);
        assert_eq!(reply_index(b"_INBOX.ab.3", "_INBOX.ab", 3), None);
    }

    #[test]
    fn ids_are_safe_header_values() {
        assert_eq!(id_safe("a b:c\r\n"), "a_b_c__");
    }
}
