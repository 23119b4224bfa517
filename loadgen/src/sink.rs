//! `loadgen sink`: receives what a syslog server forwards (TCP with LF
//! framing, or UDP), reads each message's stamp, and reports msgs/s, loss,
//! duplicates, reordering and end-to-end latency. `loadgen check` does the
//! same for an output file.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::msg::read_stamp;
use crate::now_ns;
use crate::stats::Stats;

/// When the sink stops.
#[derive(Debug, Clone)]
pub struct SinkOpts {
    pub listen: String,
    pub udp: bool,
    /// Stop once this many messages arrived.
    pub count: Option<u64>,
    /// Expected (connections, messages per connection), for `missing`.
    pub expect: Option<(u32, u64)>,
    /// Stop after this long without data (once data came).
    pub idle: Duration,
    pub duration: Option<Duration>,
    /// Print the bound address on stdout first (for port 0).
    pub announce: bool,
    /// Only count LF-terminated lines (a receiver that costs nothing, to
    /// measure senders).
    pub discard: bool,
}

pub fn run(opts: &SinkOpts) -> Result<Value, String> {
    let stats = Arc::new(Mutex::new(Stats::new()));
    let received = Arc::new(AtomicU64::new(0));
    let last_ns = Arc::new(AtomicU64::new(0));
    let first_ns = Arc::new(AtomicU64::new(0));
    // Messages whose sequence numbers the readers have handed in: a reader
    // hands in counts as it goes and its sequence bitmap when its
    // connection is quiet or ends (see `Stats::take_counts`).
    let handed = Arc::new(AtomicU64::new(0));
    // Set when the sink stops counting: readers then hand in everything
    // they hold at their next line or read timeout.
    let ending = Arc::new(AtomicBool::new(false));
    if opts.udp {
        let sock = UdpSocket::bind(&opts.listen)
            .map_err(|e| format!("cannot bind {}: {e}", opts.listen))?;
        set_rcvbuf(&sock, UDP_RCVBUF);
        announce(
            opts,
            sock.local_addr().map_err(|e| e.to_string())?.to_string(),
        );
        sock.set_read_timeout(Some(Duration::from_millis(100)))
            .map_err(|e| e.to_string())?;
        let (stats, received, last_ns, first_ns, handed, ending) = (
            Arc::clone(&stats),
            Arc::clone(&received),
            Arc::clone(&last_ns),
            Arc::clone(&first_ns),
            Arc::clone(&handed),
            Arc::clone(&ending),
        );
        if opts.discard {
            std::thread::spawn(move || count_datagrams(sock, &received, &first_ns, &last_ns));
        } else {
            std::thread::spawn(move || {
                let mut local = Stats::new();
                let mut held = 0u64;
                let mut buf = vec![0u8; 65536];
                loop {
                    match sock.recv(&mut buf) {
                        Ok(n) => {
                            let now = now_ns();
                            // The first datagram's time starts the clock, once.
                            let _ = first_ns.compare_exchange(
                                0,
                                now,
                                Ordering::Relaxed,
                                Ordering::Relaxed,
                            );
                            local.record(read_stamp(&buf[..n]), Some(now));
                            held += 1;
                            last_ns.store(now, Ordering::Relaxed);
                            received.fetch_add(1, Ordering::Relaxed);
                            if local.received % 4096 == 0 {
                                lock(&stats).merge(local.take_counts());
                            }
                            if ending.load(Ordering::Relaxed) {
                                hand_in(&stats, &mut local, &mut held, &handed);
                            }
                        }
                        Err(_) => hand_in(&stats, &mut local, &mut held, &handed),
                    }
                }
            });
        }
    } else {
        let listener = TcpListener::bind(&opts.listen)
            .map_err(|e| format!("cannot bind {}: {e}", opts.listen))?;
        announce(
            opts,
            listener
                .local_addr()
                .map_err(|e| e.to_string())?
                .to_string(),
        );
        let (stats, received, last_ns, first_ns, handed, ending) = (
            Arc::clone(&stats),
            Arc::clone(&received),
            Arc::clone(&last_ns),
            Arc::clone(&first_ns),
            Arc::clone(&handed),
            Arc::clone(&ending),
        );
        let discard = opts.discard;
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (stats, received, last_ns, first_ns, handed, ending) = (
                    Arc::clone(&stats),
                    Arc::clone(&received),
                    Arc::clone(&last_ns),
                    Arc::clone(&first_ns),
                    Arc::clone(&handed),
                    Arc::clone(&ending),
                );
                if discard {
                    std::thread::spawn(move || count_lines(conn, &received, &first_ns, &last_ns));
                    continue;
                }
                std::thread::spawn(move || {
                    // Counts and latencies are handed in every MERGE_EVERY
                    // lines (a merge costs a histogram's worth of work, too
                    // much to pay per read at a low rate); the sequence
                    // bitmap too when the connection is quiet for a read
                    // timeout, and at its end.
                    let _ = conn.set_read_timeout(Some(Duration::from_millis(50)));
                    let mut local = Stats::new();
                    let mut held = 0u64;
                    let mut reader = BufReader::with_capacity(1 << 20, conn);
                    let mut line = Vec::with_capacity(1024);
                    loop {
                        // A timeout can come mid-line: what was read of it
                        // stays in `line`, and the next read goes on.
                        match reader.read_until(b'\n', &mut line) {
                            Ok(0) => break,
                            Ok(_) => {
                                let now = now_ns();
                                let _ = first_ns.compare_exchange(
                                    0,
                                    now,
                                    Ordering::Relaxed,
                                    Ordering::Relaxed,
                                );
                                local.record(read_stamp(&line), Some(now));
                                held += 1;
                                line.clear();
                                last_ns.store(now, Ordering::Relaxed);
                                received.fetch_add(1, Ordering::Relaxed);
                                if local.received % MERGE_EVERY == 0 {
                                    lock(&stats).merge(local.take_counts());
                                }
                                if ending.load(Ordering::Relaxed) {
                                    hand_in(&stats, &mut local, &mut held, &handed);
                                }
                            }
                            Err(e)
                                if matches!(
                                    e.kind(),
                                    std::io::ErrorKind::WouldBlock
                                        | std::io::ErrorKind::TimedOut
                                        | std::io::ErrorKind::Interrupted
                                ) =>
                            {
                                hand_in(&stats, &mut local, &mut held, &handed)
                            }
                            Err(_) => break,
                        }
                    }
                    hand_in(&stats, &mut local, &mut held, &handed);
                });
            }
        });
    }
    let started = Instant::now();
    let progress = crate::Progress::new();
    loop {
        std::thread::sleep(Duration::from_millis(20));
        let n = received.load(Ordering::Relaxed);
        progress.show(|| {
            let rate = n as f64 / started.elapsed().as_secs_f64().max(1e-9);
            let h = &lock(&stats).latency_ns;
            let p99 = if h.is_empty() {
                0.0
            } else {
                h.value_at_quantile(0.99) as f64 / 1e6
            };
            format!("received {n} ({rate:.0} msgs/s) p99 {p99:.2} ms")
        });
        if opts.count.is_some_and(|c| n >= c) {
            break;
        }
        if opts.duration.is_some_and(|d| started.elapsed() >= d) {
            break;
        }
        let last = last_ns.load(Ordering::Relaxed);
        if last > 0 && now_ns().saturating_sub(last) > opts.idle.as_nanos() as u64 {
            break;
        }
    }
    progress.clear();
    // Let readers hand in what they hold: at their next line or read
    // timeout (50 ms TCP, 100 ms UDP).
    ending.store(true, Ordering::Relaxed);
    let settle = Instant::now() + Duration::from_millis(500);
    let all_in = || {
        let n = received.load(Ordering::Relaxed);
        lock(&stats).received >= n && handed.load(Ordering::Relaxed) >= n
    };
    while !opts.discard && !all_in() && Instant::now() < settle {
        std::thread::sleep(Duration::from_millis(10));
    }
    let complete = opts.discard || all_in();
    let mut stats = lock(&stats);
    let (first, last) = (
        first_ns.load(Ordering::Relaxed),
        last_ns.load(Ordering::Relaxed),
    );
    let elapsed = if last > first {
        (last - first) as f64 / 1e9
    } else {
        0.0
    };
    if opts.discard {
        stats.received = received.load(Ordering::Relaxed);
    }
    let mut v = stats.summary(elapsed, if opts.discard { None } else { opts.expect });
    // Absolute times, so a harness can measure from the sender's start.
    v["first_ns"] = first.into();
    v["last_ns"] = last.into();
    if !complete {
        // Messages still came while the readers handed in (a sender still
        // running at the end of `--duration`): the counts are of fewer.
        v["incomplete"] = true.into();
    }
    Ok(v)
}

/// A reader hands in all it holds: counts, latencies and its sequences.
fn hand_in(stats: &Mutex<Stats>, local: &mut Stats, held: &mut u64, handed: &AtomicU64) {
    if *held > 0 {
        lock(stats).merge(std::mem::take(local));
        handed.fetch_add(std::mem::take(held), Ordering::Relaxed);
    }
}

/// The discarding receiver: counts lines, reads nothing else.
fn count_lines(
    mut conn: std::net::TcpStream,
    received: &AtomicU64,
    first_ns: &AtomicU64,
    last_ns: &AtomicU64,
) {
    use std::io::Read;
    let mut buf = vec![0u8; 1 << 20];
    while let Ok(n) = conn.read(&mut buf) {
        if n == 0 {
            break;
        }
        let now = now_ns();
        let _ = first_ns.compare_exchange(0, now, Ordering::Relaxed, Ordering::Relaxed);
        received.fetch_add(
            memchr::memchr_iter(b'\n', &buf[..n]).count() as u64,
            Ordering::Relaxed,
        );
        last_ns.store(now, Ordering::Relaxed);
    }
}

/// The UDP sink's receive buffer: what the harness gives the daemons
/// (`rcvbufSize="8m"`), so the count-only ceiling is measured alike.
const UDP_RCVBUF: usize = 8 << 20;

/// Sets the socket's receive buffer, past `net.core.rmem_max` where we
/// may (root: SO_RCVBUFFORCE), else as far as it allows.
fn set_rcvbuf(sock: &UdpSocket, bytes: usize) {
    use std::os::unix::io::AsRawFd;
    let v = bytes as libc::c_int;
    for opt in [libc::SO_RCVBUFFORCE, libc::SO_RCVBUF] {
        // SAFETY: setsockopt reads one c_int, which we own, on a socket
        // that stays open through the call.
        let rc = unsafe {
            libc::setsockopt(
                sock.as_raw_fd(),
                libc::SOL_SOCKET,
                opt,
                (&v as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc == 0 {
            return;
        }
    }
}

/// Lines a TCP reader records before it hands them in.
const MERGE_EVERY: u64 = 1 << 16;

/// Datagrams per `recvmmsg` call of the discarding UDP receiver.
const DISCARD_BATCH: usize = 64;

/// The discarding UDP receiver: counts datagrams, `recvmmsg` at a time,
/// and reads nothing in them; what it reaches is the kernel's own ceiling
/// for loopback UDP on this machine, which a daemon's figure is a share of.
fn count_datagrams(
    sock: UdpSocket,
    received: &AtomicU64,
    first_ns: &AtomicU64,
    last_ns: &AtomicU64,
) {
    use std::os::unix::io::AsRawFd;
    const SLOT: usize = 2048;
    let mut bufs = vec![0u8; SLOT * DISCARD_BATCH];
    let mut iovs: Vec<libc::iovec> = bufs
        .chunks_mut(SLOT)
        .map(|c| libc::iovec {
            iov_base: c.as_mut_ptr().cast(),
            iov_len: SLOT,
        })
        .collect();
    // SAFETY: mmsghdr is plain old data; all-zero is a valid value.
    let mut hdrs: Vec<libc::mmsghdr> = vec![unsafe { std::mem::zeroed() }; DISCARD_BATCH];
    for (h, iov) in hdrs.iter_mut().zip(iovs.iter_mut()) {
        h.msg_hdr.msg_iov = iov;
        h.msg_hdr.msg_iovlen = 1;
    }
    loop {
        // SAFETY: every header points at an iovec into `bufs`; all outlive
        // the call, and the kernel writes at most SLOT bytes into each.
        let n = unsafe {
            libc::recvmmsg(
                sock.as_raw_fd(),
                hdrs.as_mut_ptr(),
                DISCARD_BATCH as u32,
                libc::MSG_WAITFORONE,
                std::ptr::null_mut(),
            )
        };
        if n <= 0 {
            // The receive timeout (100 ms) or a signal: look again.
            continue;
        }
        let now = now_ns();
        let _ = first_ns.compare_exchange(0, now, Ordering::Relaxed, Ordering::Relaxed);
        received.fetch_add(n as u64, Ordering::Relaxed);
        last_ns.store(now, Ordering::Relaxed);
    }
}

fn lock(m: &Mutex<Stats>) -> std::sync::MutexGuard<'_, Stats> {
    // A poisoned lock means a reader thread panicked; its partial counts
    // are still the best information there is.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn announce(opts: &SinkOpts, addr: String) {
    if opts.announce {
        println!("listening {addr}");
    }
}

/// `loadgen check FILE`: reads every line of an output file.
pub fn check(path: &str, expect: Option<(u32, u64)>) -> Result<Value, String> {
    let f = std::fs::File::open(path).map_err(|e| format!("cannot open {path}: {e}"))?;
    let mut reader = BufReader::with_capacity(1 << 20, f);
    let mut stats = Stats::new();
    let mut line = Vec::with_capacity(1024);
    let started = Instant::now();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => stats.record(read_stamp(&line), None),
            Err(e) => return Err(format!("reading {path}: {e}")),
        }
    }
    Ok(stats.summary(started.elapsed().as_secs_f64(), expect))
}
