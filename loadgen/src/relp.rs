//! `loadgen send --proto relp`: a RELP client per connection, window
//! limited, measuring each message's latency to its acknowledgement.
//!
//! Each connection opens a session (`open` with librelp's offers), then a
//! writer thread sends `syslog` frames — never more than `--window`
//! unacknowledged — and a reader thread takes the `rsp`s. A message's
//! latency runs from its intended send time (with a rate: the schedule,
//! so a sender held back by a full window still counts the wait, as wrk2
//! does) to the moment its `200 OK` is read. At the end each session is
//! closed with `close`. Any `rsp` other than 200, `serverclose` or a lost
//! connection is an error: the run reports it and fails.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use corelog::relp::frame::{encode, Decoder, Frame, Oversize, NUMBER_MAX};
use corelog::relp::offers;
use hdrhistogram::Histogram;
use serde_json::{json, Value};

use crate::msg::{Block, Framing, Rng};
use crate::now_ns;
use crate::send::{Schedule, SendOpts, BLOCK};

/// librelp's offers, so a server sees what rsyslog's omrelp sends.
const OFFERS: &str =
    "relp_version=0\nrelp_software=librelp,1.13.0,http://librelp.adiscon.com\ncommands=syslog";

/// What one connection shares between its writer and reader.
struct Shared {
    /// Messages acknowledged.
    acked: AtomicU64,
    /// Intended send time of each unacknowledged txnr, by txnr % len.
    times: Vec<AtomicU64>,
    /// The txnr of `close`, once sent (0 before).
    close: AtomicU64,
}

/// Runs the RELP senders; returns the summary.
pub fn run(opts: &SendOpts) -> Result<Value, String> {
    let window = opts.window.max(1);
    let mut sessions = Vec::new();
    for id in 0..opts.conns {
        sessions.push(open(opts).map_err(|e| format!("connection {id}: {e}"))?);
    }
    let sent = Arc::new(AtomicU64::new(0));
    let acked_all = Arc::new(AtomicU64::new(0));
    let start_ns = now_ns();
    let started = Instant::now();
    let mut handles = Vec::new();
    for (id, s) in sessions.into_iter().enumerate() {
        let opts = opts.clone();
        let (sent, acked_all) = (sent.clone(), acked_all.clone());
        let quota = opts.count.map(|total| {
            let base = total / opts.conns as u64;
            base + u64::from((id as u64) < total % opts.conns as u64)
        });
        handles.push(std::thread::spawn(move || {
            let r = connection(
                id, s, &opts, window, quota, start_ns, started, &sent, &acked_all,
            );
            (r, Instant::now())
        }));
    }
    let progress = crate::Progress::new();
    while !handles.iter().all(|h| h.is_finished()) {
        progress.show(|| {
            let a = acked_all.load(Ordering::Relaxed);
            format!(
                "acknowledged {a} ({:.0} msgs/s)",
                a as f64 / started.elapsed().as_secs_f64()
            )
        });
        std::thread::sleep(Duration::from_millis(50));
    }
    progress.clear();
    let mut hist = Histogram::<u64>::new(3).expect("3 significant figures is valid");
    let mut errors = Vec::new();
    // Until the last session had its acknowledgements, not until the poll
    // above saw it (which rounded the time up by as much as 50 ms).
    let mut last = started;
    for h in handles {
        match h.join() {
            Ok((r, end)) => {
                last = last.max(end);
                match r {
                    Ok(h) => hist.add(h).map_err(|e| e.to_string())?,
                    Err(e) => errors.push(e),
                }
            }
            Err(_) => errors.push("a sender thread panicked".into()),
        }
    }
    let elapsed = last.duration_since(started).as_secs_f64();
    if !errors.is_empty() {
        return Err(errors.join("; "));
    }
    let n = acked_all.load(Ordering::Relaxed);
    let q = |p: f64| hist.value_at_quantile(p);
    Ok(json!({
        "sent": sent.load(Ordering::Relaxed),
        "acked": n,
        "connections": opts.conns,
        "window": window,
        "elapsed_s": elapsed,
        "msgs_per_s": n as f64 / elapsed,
        "rate_target": opts.rate,
        "start_ns": start_ns,
        "latency_ns": {
            "p50": q(0.5), "p90": q(0.9), "p99": q(0.99), "p999": q(0.999),
            "max": hist.max(), "count": hist.len(),
        },
    }))
}

/// A session's two directions, each for its own thread.
struct Session {
    r: Box<dyn Read + Send>,
    w: Box<dyn Write + Send>,
    d: Decoder,
}

/// Connects (over TLS with `relp-tls`) and opens a session.
fn open(opts: &SendOpts) -> Result<Session, String> {
    let target = &opts.target;
    let tcp = TcpStream::connect(target).map_err(|e| format!("cannot connect to {target}: {e}"))?;
    tcp.set_nodelay(true).map_err(|e| e.to_string())?;
    tcp.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    match &opts.tls {
        None => {
            let mut s = tcp.try_clone().map_err(|e| e.to_string())?;
            let d = open_on(&mut s)?;
            tcp.set_read_timeout(None).map_err(|e| e.to_string())?;
            Ok(Session {
                r: Box::new(s),
                w: Box::new(tcp),
                d,
            })
        }
        Some(client) => {
            let mut s = client.handshake(tcp)?;
            let d = open_on(&mut s)?;
            s.sock.set_read_timeout(None).map_err(|e| e.to_string())?;
            let (r, w) = crate::tls::split(s).map_err(|e| e.to_string())?;
            Ok(Session {
                r: Box::new(r),
                w: Box::new(w),
                d,
            })
        }
    }
}

/// Sends `open` on `s` and takes its `rsp`.
fn open_on<S: Read + Write>(s: &mut S) -> Result<Decoder, String> {
    let mut out = Vec::new();
    encode(&mut out, 1, "open", OFFERS.as_bytes());
    s.write_all(&out).map_err(|e| e.to_string())?;
    let mut d = Decoder::new(128 << 10, Oversize::Abort);
    let mut frames = Vec::new();
    let mut buf = vec![0u8; 4096];
    while frames.is_empty() {
        let n = s.read(&mut buf).map_err(|e| format!("open: {e}"))?;
        if n == 0 {
            return Err("the server closed the session at open".into());
        }
        d.decode(Bytes::copy_from_slice(&buf[..n]), &mut frames)
            .map_err(|e| format!("open: not RELP: {e}"))?;
    }
    let f = &frames[0];
    let ok = &f.command[..] == b"rsp"
        && f.txnr == 1
        && offers::parse_rsp(&f.data)
            .ok()
            .flatten()
            .is_some_and(|r| r.is_ok());
    if !ok {
        return Err(format!(
            "the server refused open: {}",
            String::from_utf8_lossy(&f.data)
        ));
    }
    Ok(d)
}

#[allow(clippy::too_many_arguments)]
fn connection(
    id: usize,
    Session { r, w: mut s, d }: Session,
    opts: &SendOpts,
    window: usize,
    quota: Option<u64>,
    start_ns: u64,
    started: Instant,
    sent_all: &AtomicU64,
    acked_all: &Arc<AtomicU64>,
) -> Result<Histogram<u64>, String> {
    let shared = Arc::new(Shared {
        acked: AtomicU64::new(0),
        times: (0..window).map(|_| AtomicU64::new(0)).collect(),
        close: AtomicU64::new(0),
    });
    let reader = {
        let (shared, acked_all) = (shared.clone(), acked_all.clone());
        let writer = std::thread::current();
        std::thread::spawn(move || read_acks(r, d, &shared, &acked_all, writer))
    };
    let err = |e: std::io::Error| format!("connection {id}: {e}");
    let mut rng = Rng::new(opts.seed ^ (id as u64).wrapping_mul(0x9E37_79B9));
    let mut block = Block::new(id, BLOCK, opts.size, opts.format, Framing::None, &mut rng);
    let schedule = Schedule::new(opts, start_ns, quota);
    crate::send::pace_thread();
    let mut out = Vec::with_capacity(BLOCK * (opts.size.1 + 32));
    let mut seq: u64 = 0;
    let mut txnr: u32 = 2;
    loop {
        let elapsed = started.elapsed();
        if quota.is_some_and(|q| seq >= q) || opts.duration.is_some_and(|d| elapsed >= d) {
            break;
        }
        if reader.is_finished() {
            break;
        }
        if txnr > NUMBER_MAX - BLOCK as u32 {
            // librelp's servers cannot take txnrs past 999 999 999 (A.2).
            return Err(format!(
                "connection {id}: the session used every txnr (999 999 999 messages); this sender does not renew sessions: use more connections or a shorter run"
            ));
        }
        // A server acknowledging more than was sent is not ours to panic on.
        let unacked = seq.saturating_sub(shared.acked.load(Ordering::Acquire));
        let room = (window as u64).saturating_sub(unacked);
        if room == 0 {
            // The window is full: the reader wakes us.
            std::thread::park_timeout(Duration::from_millis(1));
            continue;
        }
        let due = schedule.due(seq);
        if due <= seq {
            schedule.wait_for(seq);
            continue;
        }
        let n = (due - seq).min(room).min(BLOCK as u64) as usize;
        let now = now_ns();
        schedule.stamp(&mut block, n, seq, now);
        out.clear();
        for i in 0..n {
            let (a, b) = block.frames[i];
            let t = schedule.time(seq + i as u64, now);
            shared.times[txnr as usize % window].store(t, Ordering::Relaxed);
            encode(&mut out, txnr, "syslog", &block.bytes[a..b]);
            txnr += 1;
        }
        s.write_all(&out).map_err(err)?;
        seq += n as u64;
        sent_all.fetch_add(n as u64, Ordering::Relaxed);
    }
    // Every message acknowledged, then close.
    while shared.acked.load(Ordering::Acquire) < seq && !reader.is_finished() {
        std::thread::park_timeout(Duration::from_millis(1));
    }
    out.clear();
    shared.close.store(u64::from(txnr), Ordering::Release);
    encode(&mut out, txnr, "close", b"");
    let _ = s.write_all(&out);
    let hist = reader
        .join()
        .map_err(|_| format!("connection {id}: the reader panicked"))??;
    let acked = shared.acked.load(Ordering::Acquire);
    if acked < seq {
        return Err(format!(
            "connection {id}: {acked} of {seq} messages acknowledged"
        ));
    }
    Ok(hist)
}

/// Takes `rsp`s until the session ends; returns the latencies.
fn read_acks(
    mut s: Box<dyn Read + Send>,
    mut d: Decoder,
    shared: &Shared,
    acked_all: &AtomicU64,
    writer: std::thread::Thread,
) -> Result<Histogram<u64>, String> {
    let mut hist = Histogram::<u64>::new(3).expect("3 significant figures is valid");
    let mut buf = BytesMut::new();
    let mut frames: Vec<Frame> = Vec::new();
    let window = shared.times.len();
    loop {
        if buf.capacity() < 4096 {
            buf = BytesMut::with_capacity(64 << 10);
        }
        buf.resize(buf.capacity(), 0);
        let n = s.read(&mut buf[..]).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the server closed the session".into());
        }
        let chunk = buf.split_to(n).freeze();
        d.decode(chunk, &mut frames)
            .map_err(|e| format!("not RELP: {e}"))?;
        let now = now_ns();
        let mut n_ok = 0u64;
        for f in frames.drain(..) {
            match &f.command[..] {
                b"rsp" if u64::from(f.txnr) == shared.close.load(Ordering::Acquire) => {
                    shared.acked.fetch_add(n_ok, Ordering::Release);
                    acked_all.fetch_add(n_ok, Ordering::Relaxed);
                    return Ok(hist);
                }
                b"rsp" => {
                    let ok = offers::parse_rsp(&f.data).ok().flatten();
                    match ok {
                        Some(r) if r.is_ok() => {}
                        _ => {
                            return Err(format!(
                                "txnr {}: {}",
                                f.txnr,
                                String::from_utf8_lossy(&f.data)
                            ))
                        }
                    }
                    let t = shared.times[f.txnr as usize % window].load(Ordering::Relaxed);
                    let _ = hist.record(now.saturating_sub(t).max(1));
                    n_ok += 1;
                }
                b"serverclose" => {
                    shared.acked.fetch_add(n_ok, Ordering::Release);
                    acked_all.fetch_add(n_ok, Ordering::Relaxed);
                    return Ok(hist);
                }
                other => {
                    return Err(format!(
                        "the server sent {}",
                        String::from_utf8_lossy(other)
                    ))
                }
            }
        }
        shared.acked.fetch_add(n_ok, Ordering::Release);
        acked_all.fetch_add(n_ok, Ordering::Relaxed);
        writer.unpark();
    }
}
