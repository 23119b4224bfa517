//! A small blocking RELP client for tests: opens a session as librelp
//! does, sends frames (well-formed or not), and reads the server's frames
//! with corelog's own decoder.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bytes::Bytes;
use corelog::relp::frame::{encode, Decoder, Frame, Oversize};

/// librelp 1.13.0's `open`.
pub const OPEN: &[u8] = b"1 open 86 relp_version=0\nrelp_software=librelp,1.13.0,http://librelp.adiscon.com\ncommands=syslog\n";

pub struct Client {
    pub s: TcpStream,
    decoder: Decoder,
    frames: std::collections::VecDeque<Frame>,
    /// The next txnr `syslog` uses.
    pub next: u32,
}

impl Client {
    /// Connects without opening.
    pub fn connect(port: u16) -> std::io::Result<Client> {
        Client::with(TcpStream::connect(("127.0.0.1", port))?)
    }

    /// Connects from source address `from` (see [`crate::connect_from`])
    /// and opens a session.
    pub fn open_from(from: &str, port: u16) -> Client {
        let mut c = Client::with(crate::connect_from(from, port)).expect("a RELP connection");
        c.open_session();
        c
    }

    fn with(s: TcpStream) -> std::io::Result<Client> {
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Client {
            s,
            decoder: Decoder::new(1 << 20, Oversize::Abort),
            frames: Default::default(),
            next: 1,
        })
    }

    /// Connects and opens a session; panics unless the server says 200.
    pub fn open(port: u16) -> Client {
        let mut c = Client::connect(port).expect("connecting to the RELP port");
        c.open_session();
        c
    }

    /// Sends `open`; panics unless the server says 200.
    fn open_session(&mut self) {
        self.s.write_all(OPEN).expect("sending open");
        let f = self.frame().expect("an rsp to open");
        assert!(
            f.data.starts_with(b"200 OK\n"),
            "open refused: {:?}",
            String::from_utf8_lossy(&f.data)
        );
        self.next = 2;
    }

    /// Sends `syslog` frames for `msgs` in one write; returns their txnrs.
    pub fn send(&mut self, msgs: &[&[u8]]) -> std::io::Result<std::ops::Range<u32>> {
        let first = self.next;
        let mut out = Vec::new();
        for m in msgs {
            encode(&mut out, self.next, "syslog", m);
            self.next += 1;
        }
        self.s.write_all(&out)?;
        Ok(first..self.next)
    }

    /// Sends raw bytes.
    pub fn raw(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.s.write_all(b)
    }

    /// The next frame from the server; `None` at EOF or on an error.
    pub fn frame(&mut self) -> Option<Frame> {
        loop {
            if let Some(f) = self.frames.pop_front() {
                return Some(f);
            }
            let mut buf = vec![0u8; 64 << 10];
            let n = self.s.read(&mut buf).ok().filter(|n| *n > 0)?;
            let mut out = Vec::new();
            self.decoder
                .decode(Bytes::copy_from_slice(&buf[..n]), &mut out)
                .ok()?;
            self.frames.extend(out);
        }
    }

    /// Reads frames until EOF; returns them as text, one per line.
    pub fn rest(&mut self) -> Vec<String> {
        std::iter::from_fn(|| self.frame())
            .map(|f| show(&f))
            .collect()
    }
}

/// `txnr command data` of a frame, as text.
pub fn show(f: &Frame) -> String {
    format!(
        "{} {} {}",
        f.txnr,
        String::from_utf8_lossy(&f.command),
        String::from_utf8_lossy(&f.data)
    )
}

/// The descriptors of process `pid` that are sockets.
pub fn sockets_of(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| {
            d.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
                .filter(|l| l.to_string_lossy().starts_with("socket:"))
                .count()
        })
        .unwrap_or(0)
}

/// A TCP proxy that records both directions of every RELP session through
/// it, to tell afterwards which messages a server acknowledged. When one
/// side of a connection goes away, the other is closed too.
pub struct Recorder {
    pub port: u16,
    sessions: std::sync::Arc<std::sync::Mutex<Vec<Recorded>>>,
}

type Recorded = std::sync::Arc<std::sync::Mutex<(Vec<u8>, Vec<u8>)>>;

impl Recorder {
    /// Listens on a free port and forwards each connection to `target`.
    pub fn start(target: u16) -> Recorder {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("binding the recorder");
        let port = l.local_addr().unwrap().port();
        let sessions: std::sync::Arc<std::sync::Mutex<Vec<Recorded>>> = Default::default();
        let all = sessions.clone();
        std::thread::spawn(move || {
            for down in l.incoming().flatten() {
                let Ok(up) = TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                let rec: Recorded = Default::default();
                all.lock().unwrap().push(rec.clone());
                pipe(
                    down.try_clone().unwrap(),
                    up.try_clone().unwrap(),
                    rec.clone(),
                    true,
                );
                pipe(up, down, rec, false);
            }
        });
        Recorder { port, sessions }
    }

    /// Messages (frame data) sent in `syslog` frames, and those of them
    /// that got a `200` rsp.
    pub fn messages(&self) -> (Vec<Bytes>, Vec<Bytes>) {
        let (mut sent, mut acked) = (Vec::new(), Vec::new());
        for s in self.sessions.lock().unwrap().iter() {
            let (c2s, s2c) = s.lock().unwrap().clone();
            let frames = |b: Vec<u8>| {
                let mut d = Decoder::new(1 << 30, Oversize::Accept);
                let mut out = Vec::new();
                // A connection cut mid-frame ends in an incomplete frame.
                let _ = d.decode(Bytes::from(b), &mut out);
                out
            };
            let ok: std::collections::HashSet<u32> = frames(s2c)
                .into_iter()
                .filter(|f| &f.command[..] == b"rsp" && f.data.starts_with(b"200"))
                .map(|f| f.txnr)
                .collect();
            for f in frames(c2s) {
                if &f.command[..] == b"syslog" {
                    if ok.contains(&f.txnr) {
                        acked.push(f.data.clone());
                    }
                    sent.push(f.data);
                }
            }
        }
        (sent, acked)
    }
}

/// Copies `from` to `to`, recording into `rec` (.0 when `c2s`, else .1);
/// at EOF or an error both sockets are shut down.
fn pipe(mut from: TcpStream, mut to: TcpStream, rec: Recorded, c2s: bool) {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 256 << 10];
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            {
                let mut r = rec.lock().unwrap();
                let side = if c2s { &mut r.0 } else { &mut r.1 };
                side.extend_from_slice(&buf[..n]);
            }
            if to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = from.shutdown(std::net::Shutdown::Both);
        let _ = to.shutdown(std::net::Shutdown::Both);
    });
}

/// The descriptors of `pid` that are sockets, once the server holds no
/// connection on `port` (the readiness probe of `Corelogd::start` closes
/// shortly after it, and corelogd closes its side once it reads the EOF).
pub fn settled_sockets_of(pid: u32, port: u16) -> usize {
    crate::wait_for(
        "corelogd to close every connection on the port",
        Duration::from_secs(10),
        || (held_on(port) == 0).then_some(()),
    );
    sockets_of(pid)
}

/// Waits until `pid` has exactly `want` socket descriptors; on timeout,
/// panics saying how many it had and in which states the port's
/// connections were.
pub fn wait_sockets(pid: u32, port: u16, want: usize, within: Duration, what: &str) {
    let deadline = std::time::Instant::now() + within;
    loop {
        let seen = sockets_of(pid);
        if seen == want {
            return;
        }
        if std::time::Instant::now() > deadline {
            let mut states = std::collections::BTreeMap::<u8, usize>::new();
            for r in crate::tcp_sockets().iter().filter(|r| r.local_port == port) {
                *states.entry(r.state).or_default() += 1;
            }
            panic!(
                "{what}: corelogd has {seen} sockets after {within:?}, not {want}; \
                 server-side rows on the port by state: {states:?}"
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Server-side connections on `port` whose descriptor corelogd has yet to
/// accept or close: established, half-open, or closed by the peer.
fn held_on(port: u16) -> usize {
    const ESTABLISHED: u8 = 1;
    const SYN_RECV: u8 = 3;
    const CLOSE_WAIT: u8 = 8;
    crate::tcp_sockets()
        .iter()
        .filter(|r| r.local_port == port && matches!(r.state, ESTABLISHED | SYN_RECV | CLOSE_WAIT))
        .count()
}
