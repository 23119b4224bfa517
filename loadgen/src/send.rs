//! `loadgen send`: open-loop load over TCP (LF or octet-counted), UDP and
//! unix sockets (datagram or stream); RELP is in [`crate::relp`].
//!
//! Each connection replays a pre-generated block, patching in each
//! message's sequence number and *intended* send time (a thread per
//! connection as fast as possible, one thread for all paced): with a rate,
//! message i of a connection is due at `start + i / rate_per_connection`,
//! and is stamped with that time even when the sender falls behind, so the
//! latency a receiver measures includes queueing in the sender
//! (coordinated-omission correction, as wrk2 does). Rate 0 sends as fast as
//! the socket takes it and stamps the actual time.

use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::msg::{Block, Format, Framing, Rng};
use crate::now_ns;

/// Transport and framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    Tcp,
    TcpOctet,
    Udp,
    UnixDgram,
    UnixStream,
    Relp,
    /// RFC 5425: LF-framed syslog over TLS.
    Tls,
    RelpTls,
}

impl Proto {
    pub fn parse(s: &str) -> Result<Proto, String> {
        Ok(match s {
            "tcp" => Proto::Tcp,
            "tcp-octet" => Proto::TcpOctet,
            "udp" => Proto::Udp,
            "unix-dgram" => Proto::UnixDgram,
            "unix-stream" => Proto::UnixStream,
            "relp" => Proto::Relp,
            "tls" => Proto::Tls,
            "relp-tls" => Proto::RelpTls,
            other => {
                return Err(format!(
                "unknown protocol '{other}': tcp, tcp-octet, udp, unix-dgram, unix-stream, relp, tls or relp-tls"
            ))
            }
        })
    }

    fn framing(self) -> Framing {
        match self {
            Proto::Tcp | Proto::UnixStream | Proto::Tls => Framing::Lf,
            Proto::TcpOctet => Framing::OctetCounted,
            _ => Framing::None,
        }
    }
}

/// What to send.
#[derive(Debug, Clone)]
pub struct SendOpts {
    pub target: String,
    pub proto: Proto,
    pub conns: usize,
    /// Messages per second over all connections; 0 = as fast as possible.
    pub rate: u64,
    /// Messages in all, split evenly over the connections.
    pub count: Option<u64>,
    pub duration: Option<Duration>,
    pub size: (usize, usize),
    pub format: Format,
    pub seed: u64,
    /// RELP: frames unacknowledged at most, per connection.
    pub window: usize,
    /// `tls` and `relp-tls`: the client side.
    pub tls: Option<crate::tls::Client>,
}

/// Messages per replayed block (and the most sent in one write).
pub const BLOCK: usize = 1024;

/// When one connection's messages are due: message i at
/// `start + i / rate_per_connection`, or all at once with rate 0; at most
/// `quota` of them.
///
/// A paced sender sleeps until its next message is due, to an absolute
/// deadline on the monotonic clock (`clock_nanosleep` with
/// `TIMER_ABSTIME`), and never spins or yields: on a machine whose cores
/// the receiver shares, a spinning sender takes the very CPU the receiver
/// needs, and what it measures is its own scheduling. [`pace_thread`]
/// takes the kernel's default 50 µs timer slack off the sleeps.
pub struct Schedule {
    interval_ns: f64,
    start_ns: u64,
    quota: Option<u64>,
}

/// Sets this thread's timer slack to 1 ns: the kernel otherwise lets a
/// sleep end up to 50 µs late, to group wake-ups, and that lateness is
/// latency every paced message would carry. (A real-time priority was
/// tried as well: the kernel's real-time throttling then held the sender
/// back 50 ms at a time.)
pub fn pace_thread() {
    // SAFETY: PR_SET_TIMERSLACK takes one integer and changes only this
    // thread's timer slack.
    unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong) };
}

/// Sleeps until `at` (nanoseconds on the monotonic clock).
pub fn sleep_until(at: u64) {
    let t = libc::timespec {
        tv_sec: (at / 1_000_000_000) as libc::time_t,
        tv_nsec: (at % 1_000_000_000) as libc::c_long,
    };
    // SAFETY: clock_nanosleep reads one timespec, which we own; with
    // TIMER_ABSTIME it writes nothing back. An early return (a signal)
    // only means the caller looks at the clock again.
    unsafe {
        libc::clock_nanosleep(
            libc::CLOCK_MONOTONIC,
            libc::TIMER_ABSTIME,
            &t,
            std::ptr::null_mut(),
        )
    };
}

impl Schedule {
    pub fn new(opts: &SendOpts, start_ns: u64, quota: Option<u64>) -> Schedule {
        Schedule {
            interval_ns: if opts.rate > 0 {
                1e9 * opts.conns as f64 / opts.rate as f64
            } else {
                0.0
            },
            start_ns,
            quota,
        }
    }

    fn paced(&self) -> bool {
        self.interval_ns > 0.0
    }

    /// How many messages are due by now (a block past `seq` at rate 0).
    pub fn due(&self, seq: u64) -> u64 {
        let due = if self.paced() {
            // A connection whose start is still ahead (paced connections are
            // offset) has nothing due yet.
            match now_ns().checked_sub(self.start_ns) {
                Some(since) => (since as f64 / self.interval_ns) as u64 + 1,
                None => 0,
            }
        } else {
            seq + BLOCK as u64
        };
        self.quota.map_or(due, |q| due.min(q))
    }

    /// Sleeps until message `seq` is due.
    pub fn wait_for(&self, seq: u64) {
        sleep_until(self.time(seq, 0));
    }

    /// Message `seq`'s intended send time (`now` at rate 0).
    pub fn time(&self, seq: u64, now: u64) -> u64 {
        if self.paced() {
            self.start_ns + (seq as f64 * self.interval_ns) as u64
        } else {
            now
        }
    }

    /// Stamps the block's messages `0..n` as messages `seq..`, sent `now`.
    pub fn stamp(&self, block: &mut Block, n: usize, seq: u64, now: u64) {
        if self.paced() {
            for i in 0..n {
                let s = seq + i as u64;
                block.stamp(i, s, self.time(s, now));
            }
        } else {
            block.stamp_run(n, seq, now);
        }
    }

    /// How far behind schedule message `seq` goes out at `now`.
    pub fn behind(&self, seq: u64, now: u64) -> u64 {
        if self.paced() {
            now.saturating_sub(self.time(seq, now))
        } else {
            0
        }
    }
}

enum Conn {
    Stream(Box<dyn Write + Send>),
    Tls(Box<crate::tls::Stream>),
    Udp(UdpSocket),
    Unix(UnixDatagram),
}

fn connect(opts: &SendOpts) -> Result<Conn, String> {
    let t = &opts.target;
    let err = |e: std::io::Error| format!("cannot connect to {t}: {e}");
    Ok(match opts.proto {
        Proto::Tcp | Proto::TcpOctet => {
            let s = TcpStream::connect(t).map_err(err)?;
            // Latency runs need every batch on the wire at once.
            s.set_nodelay(true).map_err(err)?;
            Conn::Stream(Box::new(s))
        }
        Proto::UnixStream => Conn::Stream(Box::new(UnixStream::connect(t).map_err(err)?)),
        Proto::Tls => {
            let client = opts.tls.as_ref().expect("--proto tls has its client");
            Conn::Tls(Box::new(client.connect(t)?))
        }
        Proto::Udp => {
            let s = UdpSocket::bind("127.0.0.1:0").map_err(err)?;
            s.connect(t).map_err(err)?;
            Conn::Udp(s)
        }
        Proto::UnixDgram => {
            let s = UnixDatagram::unbound().map_err(err)?;
            s.connect(t).map_err(err)?;
            Conn::Unix(s)
        }
        Proto::Relp | Proto::RelpTls => unreachable!("RELP connections are made by relp::run"),
    })
}

/// Sends; returns the summary (sent, elapsed, msgs/s, how far behind
/// schedule the senders fell).
///
/// As fast as possible, each connection has a thread of its own. Paced,
/// one thread sends on every connection (more only where the rate needs
/// them, see [`paced_threads`]), each connection's messages due a
/// fraction of an interval after the previous one's: on a machine whose
/// few cores the receiver shares, one thread waking when the next message
/// is due costs far less than one per connection (four sleeping threads
/// at 100 k msgs/s made p99 three times the wake-up latency of one).
pub fn run(opts: &SendOpts) -> Result<Value, String> {
    if opts.conns == 0 {
        return Err("--conns must be at least 1".into());
    }
    if opts.count.is_none() && opts.duration.is_none() {
        return Err("give --count or --duration".into());
    }
    if matches!(opts.proto, Proto::Relp | Proto::RelpTls) {
        return crate::relp::run(opts);
    }
    let conns: Vec<Conn> = (0..opts.conns)
        .map(|_| connect(opts))
        .collect::<Result<_, _>>()?;
    let sent = Arc::new(AtomicU64::new(0));
    let start_ns = now_ns();
    let started = Instant::now();
    let lanes: Vec<Lane> = conns
        .into_iter()
        .enumerate()
        .map(|(id, conn)| Lane::new(id, conn, opts, start_ns))
        .collect();
    let mut handles = Vec::new();
    if opts.rate > 0 {
        // Connections dealt out over as few pacing threads as the rate
        // needs.
        let threads = paced_threads(opts);
        let mut groups: Vec<Vec<Lane>> = (0..threads).map(|_| Vec::new()).collect();
        for (i, lane) in lanes.into_iter().enumerate() {
            groups[i % threads].push(lane);
        }
        for group in groups {
            let (opts, sent) = (opts.clone(), Arc::clone(&sent));
            handles.push(std::thread::spawn(move || {
                (paced(group, &opts, started, &sent), Instant::now())
            }));
        }
    } else {
        for lane in lanes {
            let (opts, sent) = (opts.clone(), Arc::clone(&sent));
            handles.push(std::thread::spawn(move || {
                (flat_out(lane, &opts, started, &sent), Instant::now())
            }));
        }
    }
    let progress = crate::Progress::new();
    let mut behind_ns_max = 0u64;
    let mut errors = Vec::new();
    loop {
        if handles.iter().all(|h| h.is_finished()) {
            break;
        }
        progress.show(|| {
            format!(
                "sent {} ({:.0} msgs/s)",
                sent.load(Ordering::Relaxed),
                sent.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
            )
        });
        std::thread::sleep(Duration::from_millis(50));
    }
    // Until the last sender finished, not until the poll above saw it
    // (which rounded the time up by as much as 50 ms).
    let mut last = started;
    for h in handles {
        match h.join() {
            Ok((r, end)) => {
                last = last.max(end);
                match r {
                    Ok(b) => behind_ns_max = behind_ns_max.max(b),
                    Err(e) => errors.push(e),
                }
            }
            Err(_) => errors.push("a sender thread panicked".into()),
        }
    }
    progress.clear();
    if !errors.is_empty() {
        return Err(errors.join("; "));
    }
    let elapsed = last.duration_since(started).as_secs_f64();
    let n = sent.load(Ordering::Relaxed);
    Ok(json!({
        "sent": n,
        "connections": opts.conns,
        "elapsed_s": elapsed,
        "msgs_per_s": n as f64 / elapsed,
        "rate_target": opts.rate,
        "behind_schedule_max_ms": behind_ns_max as f64 / 1e6,
        "start_ns": start_ns,
    }))
}

/// Messages per second one pacing thread is given at most: a stream
/// write carries many messages, a datagram costs the sender a system
/// call's worth of kernel work each (loopback UDP here: about 2 µs).
const PACED_STREAM_PER_THREAD: u64 = 2_000_000;
const PACED_DATAGRAMS_PER_THREAD: u64 = 200_000;

/// How many threads pace `opts.rate`: one, unless the rate needs more
/// (never more than there are connections).
fn paced_threads(opts: &SendOpts) -> usize {
    let per_thread = match opts.proto {
        Proto::Udp | Proto::UnixDgram => PACED_DATAGRAMS_PER_THREAD,
        _ => PACED_STREAM_PER_THREAD,
    };
    (opts.rate.div_ceil(per_thread) as usize).clamp(1, opts.conns)
}

/// One connection's sending: its block, its schedule, how far it got.
struct Lane {
    id: usize,
    conn: Conn,
    block: Block,
    schedule: Schedule,
    quota: Option<u64>,
    seq: u64,
    behind_max: u64,
}

impl Lane {
    fn new(id: usize, conn: Conn, opts: &SendOpts, start_ns: u64) -> Lane {
        let mut rng = Rng::new(opts.seed ^ (id as u64).wrapping_mul(0x9E37_79B9));
        let block = Block::new(
            id,
            BLOCK,
            opts.size,
            opts.format,
            opts.proto.framing(),
            &mut rng,
        );
        // The count split evenly; the first connections send the remainder.
        let quota = opts.count.map(|total| {
            let base = total / opts.conns as u64;
            base + u64::from((id as u64) < total % opts.conns as u64)
        });
        // Paced, connection `id` is due `id / conns` of an interval after
        // connection 0: the messages of all of them come evenly spaced.
        let offset_ns = match opts.rate {
            0 => 0,
            r => id as u64 * 1_000_000_000 / r,
        };
        Lane {
            id,
            conn,
            block,
            schedule: Schedule::new(opts, start_ns + offset_ns, quota),
            quota,
            seq: 0,
            behind_max: 0,
        }
    }

    /// Whether this connection has sent all it should.
    fn done(&self, opts: &SendOpts, started: Instant) -> bool {
        self.quota.is_some_and(|q| self.seq >= q)
            || opts.duration.is_some_and(|d| started.elapsed() >= d)
    }

    /// Sends what is due (a block at rate 0); returns how many.
    fn send_due(&mut self, sent: &AtomicU64) -> Result<usize, String> {
        let due = self.schedule.due(self.seq);
        if due <= self.seq {
            return Ok(0);
        }
        let n = ((due - self.seq) as usize).min(BLOCK);
        let now = now_ns();
        self.schedule.stamp(&mut self.block, n, self.seq, now);
        self.behind_max = self.behind_max.max(self.schedule.behind(self.seq, now));
        let id = self.id;
        let err = |e: std::io::Error| format!("connection {id}: {e}");
        let block = &self.block;
        match &mut self.conn {
            Conn::Stream(w) => {
                let end = block.frames[n - 1].1;
                w.write_all(&block.bytes[..end]).map_err(err)?;
            }
            Conn::Tls(w) => {
                let end = block.frames[n - 1].1;
                w.write_all(&block.bytes[..end]).map_err(err)?;
            }
            Conn::Udp(s) => send_datagrams(s, &block.bytes, &block.frames[..n]).map_err(err)?,
            Conn::Unix(s) => {
                for &(a, b) in &block.frames[..n] {
                    s.send(&block.bytes[a..b]).map_err(err)?;
                }
            }
        }
        self.seq += n as u64;
        sent.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    /// Flushes what the connection buffers; returns how far behind
    /// schedule it fell at most.
    fn finish(mut self) -> Result<u64, String> {
        let err = |e: std::io::Error| format!("connection {}: {e}", self.id);
        match &mut self.conn {
            Conn::Stream(w) => w.flush().map_err(err)?,
            Conn::Tls(s) => crate::tls::close(s).map_err(err)?,
            Conn::Udp(_) | Conn::Unix(_) => {}
        }
        Ok(self.behind_max)
    }
}

/// One connection as fast as it goes.
fn flat_out(
    mut lane: Lane,
    opts: &SendOpts,
    started: Instant,
    sent: &AtomicU64,
) -> Result<u64, String> {
    while !lane.done(opts, started) {
        lane.send_due(sent)?;
    }
    lane.finish()
}

/// The shortest sleep between two rounds of a paced thread. Without it a
/// thread pacing 1 M msgs/s wakes for every message, and the write and
/// wake-up per message make it the busiest thread on the machine: on 2
/// shared cores its own p99 (`scripts/loadgen-selftest`) was 1.8–2.8 ms at
/// 1 M msgs/s and 0.4–1.7 ms at 500 k. With 20 µs it is 41–49 µs at 100 k
/// and 500 k and 55–164 µs at 1 M, and the sender takes 30 % of a core at
/// 1 M msgs/s rather than 45 % (5 µs: the same p99, the larger share).
const WAKE_MIN_NS: u64 = 20_000;

/// Every connection from this one thread, each message when it is due
/// (those due within [`WAKE_MIN_NS`] of each other go out in one write).
fn paced(
    mut lanes: Vec<Lane>,
    opts: &SendOpts,
    started: Instant,
    sent: &AtomicU64,
) -> Result<u64, String> {
    pace_thread();
    loop {
        let mut live = 0;
        for lane in lanes.iter_mut().filter(|l| !l.done(opts, started)) {
            live += 1;
            lane.send_due(sent)?;
        }
        if live == 0 {
            break;
        }
        // The connection due first decides how long to sleep.
        let next = lanes
            .iter()
            .filter(|l| !l.done(opts, started))
            .map(|l| l.schedule.time(l.seq, 0))
            .min();
        if let Some(at) = next {
            sleep_until(at.max(now_ns() + WAKE_MIN_NS));
        }
    }
    lanes.into_iter().try_fold(0, |m, l| Ok(l.finish()?.max(m)))
}

/// Datagrams per `sendmmsg` call.
const DATAGRAMS_PER_CALL: usize = 64;

/// Sends `frames` of `bytes` on a connected UDP socket, up to 64 per
/// `sendmmsg` call: one datagram per system call would make the sender,
/// not the receiver, the limit of a UDP benchmark.
fn send_datagrams(s: &UdpSocket, bytes: &[u8], frames: &[(usize, usize)]) -> std::io::Result<()> {
    use std::os::unix::io::AsRawFd;
    let mut iovs: Vec<libc::iovec> = Vec::with_capacity(DATAGRAMS_PER_CALL);
    // SAFETY: mmsghdr is plain old data; all-zero is a valid value.
    let mut hdrs: Vec<libc::mmsghdr> = vec![unsafe { std::mem::zeroed() }; DATAGRAMS_PER_CALL];
    for batch in frames.chunks(DATAGRAMS_PER_CALL) {
        iovs.clear();
        iovs.extend(batch.iter().map(|&(a, b)| libc::iovec {
            iov_base: bytes[a..b].as_ptr() as *mut libc::c_void,
            iov_len: b - a,
        }));
        for (h, iov) in hdrs.iter_mut().zip(iovs.iter_mut()) {
            h.msg_hdr.msg_iov = iov;
            h.msg_hdr.msg_iovlen = 1;
        }
        let mut done = 0;
        while done < batch.len() {
            // SAFETY: the headers point at iovecs that point into `bytes`;
            // all outlive the call, and the kernel only reads them.
            let n = unsafe {
                libc::sendmmsg(
                    s.as_raw_fd(),
                    hdrs[done..].as_mut_ptr(),
                    (batch.len() - done) as u32,
                    0,
                )
            };
            if n < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            done += n as usize;
        }
    }
    Ok(())
}
