//! omrelp: rendered batches sent as RELP `syslog` frames.
//!
//! In: [`Rendered`] batches, one record per message (the template, by
//! default RSYSLOG_ForwardFormat), on the core that owns the action. Out:
//! each record as one frame on a RELP session; [`OmRelp::write`] returns
//! Ok only once the server has acknowledged every record of the batch.
//!
//! That is where it differs from rsyslog's omrelp, which reports a message
//! done once librelp has written it, so the up-to-`windowSize` frames
//! awaiting acknowledgement are lost when rsyslog exits (rsyslog issue
//! #3820). Here a batch is done only when acknowledged; behind an action
//! queue with a disk, an unacknowledged batch stays queued across an exit
//! or a crash and is sent again: at least once.
//!
//! The session (../shared/design/RSYSLOG_SEMANTICS.md A.5–A.8):
//! - opened on first use (`conn.timeout` for TCP connect, `timeout` for the
//!   `open` reply, which must offer `commands=syslog`);
//! - at most `windowSize` frames unacknowledged (0: 128; 1 means 1, not
//!   librelp's silent 128); a window that stays full for `timeout` breaks
//!   the session;
//! - a `500`, an unknown txnr, `serverclose`, EOF or a framing error break
//!   it: the socket is closed abortively and the error goes to the
//!   runner, which retries or suspends (action.resumeRetryCount). A retry
//!   of the same batch opens a new session and resends only the records
//!   not yet acknowledged, in order, under new txnrs (as librelp's
//!   reconnect does);
//! - closed gracefully (`close`, its reply awaited) every `rebindInterval`
//!   messages, and before txnr 999 999 999, so txnrs never wrap.

use std::collections::VecDeque;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::unix::io::AsRawFd;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use futures_lite::future::or;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use glommio::net::TcpStream;

use crate::config::modules::omrelp::OmrelpConfig;
use crate::relp::frame::{encode, Decoder, Frame, Oversize, NUMBER_MAX};
use crate::relp::offers;
use crate::tls::{Endpoint, Stream};

use super::Rendered;

pub use crate::config::modules::omrelp::WINDOW_DEFAULT;
/// Frames from a server are at most this large (librelp's client limit).
const SERVER_DATA_MAX: usize = 128 << 10;
/// Frames are written once this much is buffered.
const WRITE_CHUNK: usize = 256 << 10;

pub struct OmRelp {
    target: String,
    port: u16,
    window: usize,
    timeout: Duration,
    conn_timeout: Duration,
    /// Messages per session before a graceful reconnect (0: never).
    rebind: u64,
    /// The last txnr a session uses before it is closed and reopened.
    txnr_limit: u32,
    session: Option<Session>,
    /// The batch a failure interrupted, and which of its records were
    /// acknowledged, so its retry resends only the others.
    carry: Option<Carry>,
    /// Sessions opened (for tests and the log).
    pub sessions: u64,
    /// TLS (`None`: plain TCP).
    tls: Option<Arc<Endpoint>>,
}

struct Session {
    s: Stream,
    next: u32,
    decoder: Decoder,
    /// Frames awaiting their rsp: (txnr, record index in the batch).
    unacked: VecDeque<(u32, usize)>,
    /// Messages sent on this session.
    sent: u64,
    buf: BytesMut,
    out: Vec<u8>,
    frames: Vec<Frame>,
}

struct Carry {
    key: (usize, u32, u64),
    acked: Vec<bool>,
}

impl OmRelp {
    /// The client of `c`; its TLS files are read here (an error says which
    /// and why).
    pub fn new(c: &OmrelpConfig) -> Result<OmRelp, String> {
        debug_assert!(c.window >= 1);
        let tls = match &c.tls {
            Some(t) => Some(Arc::new(Endpoint::client(t, &c.target)?)),
            None => None,
        };
        Ok(OmRelp {
            target: c.target.clone(),
            port: c.port,
            window: c.window,
            timeout: c.timeout,
            conn_timeout: c.conn_timeout,
            rebind: c.rebind_interval,
            txnr_limit: NUMBER_MAX,
            session: None,
            carry: None,
            sessions: 0,
            tls,
        })
    }

    /// Its TLS endpoint, to reload on SIGHUP.
    pub fn tls(&self) -> Option<&Arc<Endpoint>> {
        self.tls.as_ref()
    }

    /// A client for tests: `txnr_limit` stands for 999 999 999.
    pub fn for_test(target: SocketAddr, window: usize, rebind: u64, txnr_limit: u32) -> OmRelp {
        OmRelp {
            target: target.ip().to_string(),
            port: target.port(),
            window,
            timeout: Duration::from_secs(5),
            conn_timeout: Duration::from_secs(5),
            rebind,
            txnr_limit,
            session: None,
            carry: None,
            sessions: 0,
            tls: None,
        }
    }

    pub fn describe(&self) -> String {
        let tls = if self.tls.is_some() { " (TLS)" } else { "" };
        format!("relp://{}:{}{tls}", self.target, self.port)
    }

    /// Sends the batch's records and waits for every acknowledgement. On
    /// error the session is dropped; a retry of the same batch sends what
    /// was not acknowledged.
    pub async fn write(&mut self, r: &Rendered) -> io::Result<()> {
        let mut acked = match self.carry.take() {
            Some(c) if c.key == r.fingerprint() => c.acked,
            _ => vec![false; r.recs.len()],
        };
        let reused = self.session.is_some();
        let mut res = self.send(r, &mut acked).await;
        if res.is_err() && reused {
            // A session kept from an earlier batch may have been closed by
            // the server meanwhile (an idle close racing our check): one
            // new session at once, rather than a retry interval or a
            // suspension for nothing.
            self.abort();
            res = self.send(r, &mut acked).await;
        }
        if let Err(e) = res {
            self.abort();
            let key = r.fingerprint();
            self.carry = Some(Carry { key, acked });
            return Err(io::Error::new(
                e.kind(),
                format!("{}: {e}", self.describe()),
            ));
        }
        Ok(())
    }

    async fn send(&mut self, r: &Rendered, acked: &mut [bool]) -> io::Result<()> {
        self.check_idle_session();
        for (i, (_, data)) in r.records().enumerate() {
            if acked[i] {
                continue;
            }
            // The limit's txnr is kept for `close`.
            let due = self
                .session
                .as_ref()
                .map(|s| (self.rebind > 0 && s.sent >= self.rebind) || s.next >= self.txnr_limit);
            if due == Some(true) {
                self.close(acked).await?;
            }
            if self.session.is_none() {
                self.open().await?;
            }
            let window = self.window;
            let timeout = self.timeout;
            let s = self.session.as_mut().expect("opened above");
            while s.unacked.len() >= window {
                s.flush().await?;
                s.read_acks(timeout, acked).await?;
            }
            encode(&mut s.out, s.next, "syslog", data);
            s.unacked.push_back((s.next, i));
            s.next += 1;
            s.sent += 1;
            if s.out.len() >= WRITE_CHUNK {
                s.flush().await?;
            }
        }
        if let Some(s) = self.session.as_mut() {
            s.flush().await?;
            while !s.unacked.is_empty() {
                s.read_acks(self.timeout, acked).await?;
            }
        }
        debug_assert!(acked.iter().all(|a| *a));
        Ok(())
    }

    /// Between batches nothing is awaited: whatever the server sent since
    /// (`serverclose`, EOF of a restarted receiver) means the session is
    /// gone; drop it now rather than lose a batch to it. Over TLS the bytes
    /// read here are records rustls never sees: any of them ends the
    /// session all the same (TLS 1.3 session tickets come before the
    /// `open` reply, and rustls takes them with it).
    fn check_idle_session(&mut self) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        let mut b = [0u8; 64];
        // SAFETY: recv writes at most b.len() bytes into `b`, which we own.
        let n = unsafe {
            libc::recv(
                s.s.tcp().as_raw_fd(),
                b.as_mut_ptr().cast(),
                b.len(),
                libc::MSG_DONTWAIT,
            )
        };
        let quiet = n < 0
            && matches!(
                io::Error::last_os_error().raw_os_error(),
                Some(libc::EAGAIN) | Some(libc::EINTR)
            );
        if !quiet {
            self.abort();
        }
    }

    fn resolve(&self) -> io::Result<SocketAddr> {
        (self.target.as_str(), self.port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address"))
    }

    /// Connects and opens a session: `open` with our offers, whose rsp
    /// must be 200 and offer `commands=syslog`.
    async fn open(&mut self) -> io::Result<()> {
        let addr = self.resolve()?;
        let s = TcpStream::connect_timeout(addr, self.conn_timeout)
            .await
            .map_err(io::Error::from)?;
        s.set_nodelay(true).ok();
        let s = match &self.tls {
            None => Stream::Plain(s),
            Some(tls) => tls.connect_io(s).await?,
        };
        let mut sess = Session {
            s,
            next: 1,
            decoder: Decoder::new(SERVER_DATA_MAX, Oversize::Abort),
            unacked: VecDeque::new(),
            sent: 0,
            buf: BytesMut::new(),
            out: Vec::new(),
            frames: Vec::new(),
        };
        encode(&mut sess.out, 1, "open", offers::ours().as_bytes());
        sess.flush().await?;
        let f = sess.next_frame(self.timeout).await?;
        let rsp = match (&f.command[..], f.txnr) {
            (b"rsp", 1) => offers::parse_rsp(&f.data).map_err(protocol)?,
            _ => return Err(protocol("the server did not answer open")),
        };
        let Some(rsp) = rsp.filter(|r| r.is_ok()) else {
            return Err(protocol(format!(
                "the server refused the session: {}",
                String::from_utf8_lossy(&f.data)
            )));
        };
        let theirs = offers::parse(&rsp.data).map_err(protocol)?;
        let syslog = theirs
            .iter()
            .any(|o| o.name == "commands" && o.values.iter().any(|c| c == "syslog"));
        if !syslog {
            return Err(protocol("the server does not offer commands=syslog"));
        }
        sess.next = 2;
        self.session = Some(sess);
        self.sessions += 1;
        Ok(())
    }

    /// Ends the session gracefully: every frame acknowledged, then `close`
    /// and its rsp (empty from librelp, `200 OK` from corelog).
    async fn close(&mut self, acked: &mut [bool]) -> io::Result<()> {
        let Some(mut s) = self.session.take() else {
            return Ok(());
        };
        s.flush().await?;
        while !s.unacked.is_empty() {
            s.read_acks(self.timeout, acked).await?;
        }
        let txnr = s.next;
        encode(&mut s.out, txnr, "close", b"");
        s.flush().await?;
        let f = s.next_frame(self.timeout).await?;
        let answered = match &f.command[..] {
            b"rsp" => f.txnr == txnr,
            cmd => cmd == b"serverclose",
        };
        if !answered {
            return Err(protocol("unexpected frame after close"));
        }
        let _ = s.s.close().await;
        Ok(())
    }

    /// The runner gave the last failed batch up (suspension): a later
    /// batch with the same bytes is a new one.
    pub fn forget(&mut self) {
        self.carry = None;
    }

    /// At exit: the session, if any, closed gracefully (no frame is
    /// unacknowledged between batches).
    pub async fn finish(&mut self) {
        if self.session.is_some() && self.close(&mut []).await.is_err() {
            self.abort();
        }
    }

    /// Drops the session with an abortive close (SO_LINGER 0), as librelp.
    fn abort(&mut self) {
        if let Some(s) = self.session.take() {
            // SAFETY: the descriptor stays open while `s` lives, past this call.
            let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(s.s.tcp().as_raw_fd()) };
            let sock = socket2::SockRef::from(&fd);
            let _ = sock.set_linger(Some(Duration::ZERO));
            // A receive left in flight in io_uring (a timed-out wait)
            // would keep the socket alive past the drop; shutting the
            // read side ends it.
            let _ = sock.shutdown(std::net::Shutdown::Read);
        }
    }
}

impl Session {
    async fn flush(&mut self) -> io::Result<()> {
        self.s.send(&mut self.out).await
    }

    /// The next frame from the server, waiting at most `timeout`.
    async fn next_frame(&mut self, timeout: Duration) -> io::Result<Frame> {
        loop {
            if !self.frames.is_empty() {
                return Ok(self.frames.remove(0));
            }
            self.fill(timeout).await?;
        }
    }

    /// Reads once (at most `timeout`) and decodes.
    async fn fill(&mut self, timeout: Duration) -> io::Result<()> {
        if self.buf.capacity() - self.buf.len() < 4096 {
            self.buf = BytesMut::with_capacity(64 << 10);
        }
        let start = self.buf.len();
        self.buf.resize(self.buf.capacity(), 0);
        let read = or(
            async { Some(self.s.read(&mut self.buf[start..]).await) },
            async {
                glommio::timer::sleep(timeout).await;
                None
            },
        )
        .await;
        let n = match read {
            None => {
                self.buf.truncate(start);
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no reply within {} s", timeout.as_secs()),
                ));
            }
            Some(Err(e)) => return Err(e),
            Some(Ok(0)) => {
                return Err(io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    "the server closed the session",
                ))
            }
            Some(Ok(n)) => n,
        };
        self.buf.truncate(start + n);
        quick_ack(self.s.tcp().as_raw_fd());
        let chunk = self.buf.split_to(start + n).freeze();
        self.decoder
            .decode(chunk, &mut self.frames)
            .map_err(|e| protocol(format!("not RELP: {e}")))
    }

    /// Waits for at least one acknowledgement and takes every one read.
    async fn read_acks(&mut self, timeout: Duration, acked: &mut [bool]) -> io::Result<()> {
        if self.frames.is_empty() {
            self.fill(timeout).await?;
        }
        for f in std::mem::take(&mut self.frames) {
            if &f.command[..] != b"rsp" {
                let what = String::from_utf8_lossy(&f.command).into_owned();
                return Err(protocol(format!("the server sent {what}")));
            }
            let Some(at) = self.unacked.iter().position(|(t, _)| *t == f.txnr) else {
                return Err(protocol(format!("an rsp for unknown txnr {}", f.txnr)));
            };
            match offers::parse_rsp(&f.data).map_err(protocol)? {
                Some(r) if r.is_ok() => {}
                _ => {
                    // librelp drops a refused message; it stays unacked
                    // here, to be resent after the retry interval.
                    return Err(protocol(format!(
                        "the server refused a message: {}",
                        String::from_utf8_lossy(&f.data)
                    )));
                }
            }
            if let Some(a) = self.unacked.remove(at).and_then(|(_, i)| acked.get_mut(i)) {
                *a = true;
            }
        }
        Ok(())
    }
}

/// Asks for the next ACKs at once. librelp's server writes each rsp on
/// its own, and with Nagle on its side every rsp after the first waits for
/// our ACK, which Linux delays up to 40 ms while we send nothing: without
/// this, rsyslog's imrelp took 5 700 msgs/s from us whatever the window.
/// The kernel leaves quick-ACK mode by itself, so it is set after every
/// read.
fn quick_ack(fd: i32) {
    let on: libc::c_int = 1;
    // SAFETY: setsockopt reads `on` (an int, as TCP_QUICKACK takes) for
    // the duration of the call; fd is the session's open socket.
    unsafe {
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

fn protocol(e: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.into())
}

/// What tells a retried batch from a new one: its size, count and a hash
/// of its data and record ends.
#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::mpsc;

    use bytes::Bytes;

    use super::*;
    use crate::output::Rec;
    use crate::queue::store::tests::on_executor;

    /// A batch of records "m0".."m{n-1}".
    fn batch(n: usize) -> Rendered {
        let mut r = Rendered::default();
        for i in 0..n {
            r.data.extend_from_slice(format!("m{i}").as_bytes());
            r.recs.push(Rec {
                path_end: 0,
                key_end: 0,
                data_end: r.data.len(),
            });
            r.count += 1;
        }
        r
    }

    /// What a scripted server saw of one session: (txnr, command, data).
    type Seen = Vec<(u32, String, String)>;

    /// A RELP server for one test: each session acknowledges up to
    /// `ack_limit[k]` syslog frames (then drops the connection), and
    /// reports every frame it read.
    fn server(ack_limits: Vec<usize>) -> (SocketAddr, mpsc::Receiver<Seen>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for limit in ack_limits {
                let (s, _) = l.accept().unwrap();
                tx.send(session(s, limit)).unwrap();
            }
        });
        (addr, rx)
    }

    fn session(mut s: TcpStream, limit: usize) -> Seen {
        let mut d = Decoder::new(1 << 20, Oversize::Abort);
        let mut seen = Vec::new();
        let mut acked = 0;
        let mut buf = vec![0u8; 65536];
        loop {
            let n = match s.read(&mut buf) {
                Ok(0) | Err(_) => return seen,
                Ok(n) => n,
            };
            let mut frames = Vec::new();
            if d.decode(Bytes::copy_from_slice(&buf[..n]), &mut frames)
                .is_err()
            {
                return seen;
            }
            let mut out = Vec::new();
            for f in frames {
                let cmd = String::from_utf8_lossy(&f.command).into_owned();
                seen.push((f.txnr, cmd.clone(), String::from_utf8_lossy(&f.data).into()));
                match cmd.as_str() {
                    "open" => {
                        let data = format!("200 OK\n{}", offers::ours());
                        encode(&mut out, f.txnr, "rsp", data.as_bytes());
                    }
                    "syslog" if acked < limit => {
                        acked += 1;
                        encode(&mut out, f.txnr, "rsp", b"200 OK");
                    }
                    "syslog" => {
                        // Drop the session with frames unacknowledged.
                        let _ = s.write_all(&out);
                        return seen;
                    }
                    "close" => {
                        encode(&mut out, f.txnr, "rsp", b"");
                        out.extend_from_slice(b"0 serverclose 0\n");
                        let _ = s.write_all(&out);
                        return seen;
                    }
                    _ => return seen,
                }
            }
            if s.write_all(&out).is_err() {
                return seen;
            }
        }
    }

    fn syslogs(s: &Seen) -> Vec<(u32, String)> {
        s.iter()
            .filter(|(_, c, _)| c == "syslog")
            .map(|(t, _, d)| (*t, d.clone()))
            .collect()
    }

    #[test]
    fn a_retry_resends_only_the_unacknowledged_in_order_under_new_txnrs() {
        let (addr, seen) = server(vec![3, 100]);
        let results = on_executor(async move {
            let mut c = OmRelp::for_test(addr, 8, 0, NUMBER_MAX);
            let r = batch(6);
            let first = c.write(&r).await.is_ok();
            let second = c.write(&r).await.is_ok();
            (first, second, c.sessions)
        });
        assert_eq!(results, (false, true, 2));
        let s1 = seen.recv().unwrap();
        let s2 = seen.recv().unwrap();
        assert_eq!(s1[0].1, "open");
        // m0..m2 acknowledged in the first session; m3.. resent, from txnr 2.
        assert_eq!(
            syslogs(&s2),
            vec![(2, "m3".into()), (3, "m4".into()), (4, "m5".into())]
        );
        assert_eq!((s2[0].0, s2[0].1.as_str()), (1, "open"));
    }

    #[test]
    fn sessions_are_renewed_before_the_txnr_limit_and_every_rebind_interval() {
        let (addr, seen) = server(vec![100; 5]);
        let sessions = on_executor(async move {
            // txnrs 2..=4 carry messages, 5 is close's: three per session.
            let mut c = OmRelp::for_test(addr, 2, 0, 5);
            c.write(&batch(10)).await.unwrap();
            c.finish().await;
            c.sessions
        });
        assert_eq!(sessions, 4);
        let mut all = Vec::new();
        for _ in 0..4 {
            let s = seen.recv().unwrap();
            assert!(s.iter().all(|(t, _, _)| *t <= 5), "{s:?}");
            assert_eq!(s.last().map(|f| f.1.as_str()), Some("close"));
            all.extend(syslogs(&s).into_iter().map(|(_, d)| d));
        }
        let want: Vec<String> = (0..10).map(|i| format!("m{i}")).collect();
        assert_eq!(all, want);

        let (addr, seen) = server(vec![100; 4]);
        let sessions = on_executor(async move {
            let mut c = OmRelp::for_test(addr, 128, 3, NUMBER_MAX);
            c.write(&batch(7)).await.unwrap();
            c.sessions
        });
        assert_eq!(sessions, 3);
        let sizes: Vec<usize> = (0..3)
            .map(|_| syslogs(&seen.recv().unwrap()).len())
            .collect();
        assert_eq!(sizes, [3, 3, 1]);
    }

    #[test]
    fn a_full_window_waits_for_acknowledgements() {
        let (addr, seen) = server(vec![100]);
        on_executor(async move {
            let mut c = OmRelp::for_test(addr, 1, 0, NUMBER_MAX);
            c.write(&batch(5)).await.unwrap();
        });
        assert_eq!(syslogs(&seen.recv().unwrap()).len(), 5);
    }
}
