//! The NATS JetStream pipeline (`tcp-jetstream`): a `nats-server -js` per
//! run, reached directly (no test gate), with one file-backed stream; the
//! run is done when the stream holds what was sent, and then every
//! message is read back with nats-py and checked with `loadgen check`.
//!
//! rsyslog has no NATS output, so corelogd runs alone here; its figures
//! stand beside the Kafka scenario's and the file scenarios'.

use std::path::Path;
use std::time::{Duration, Instant};

use corelog_tests::nats::Server;

/// The stream every run publishes to, and its subjects.
pub const STREAM: &str = "LOGS";

/// A server for one run, its stream created.
pub fn server(dir: &Path) -> Server {
    let s = Server::start_with(&dir.join("nats"), false, &[]);
    s.create_stream(STREAM, "logs.>");
    s
}

/// corelogd's action: `%msg%` (no LF), a LinkedList action queue large
/// enough for the run, batches of 4096, the default window (1024).
pub fn action(port: u16) -> String {
    format!(
        "module(load=\"omnats\")\ntemplate(name=\"k\" type=\"string\" string=\"%msg%\")\n\
         action(type=\"omnats\" server=\"nats://127.0.0.1:{port}\" subject=\"logs.syslog\" stream=\"{STREAM}\" template=\"k\"\n\
         action.resumeRetryCount=\"-1\" queue.type=\"LinkedList\" queue.size=\"20000000\" queue.dequeueBatchSize=\"4096\")\n"
    )
}

/// Waits until the stream holds `n` messages (or nothing moved for 30 s);
/// returns what it holds.
pub fn wait_stored(s: &Server, n: u64) -> u64 {
    let (mut held, mut moved) = (0, Instant::now());
    while held < n && moved.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(200));
        let now = s.stream_messages(STREAM);
        if now != held {
            (held, moved) = (now, Instant::now());
        }
    }
    held
}

/// Reads the stream back into `out`; returns the text.
pub fn read_back(s: &Server, out: &Path, n: u64) -> String {
    s.read(STREAM, out, n, Duration::from_secs(20), false)
}

/// The server's own ceiling here: `n` 256-byte messages published by a
/// bare client (this harness, one connection, at most 8192 awaiting their
/// PubAck, each with a message id as corelogd sends it) into a fresh
/// stream; messages acknowledged per second.
pub fn ceiling(dir: &Path, n: u64) -> Result<f64, String> {
    use std::io::{BufRead, BufReader, Write};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    const WINDOW: u64 = 8192;
    let _ = std::fs::remove_dir_all(dir);
    let s = server(dir);
    let conn = std::net::TcpStream::connect(("127.0.0.1", s.port)).map_err(|e| e.to_string())?;
    conn.set_nodelay(true).ok();
    let mut reader = BufReader::new(conn.try_clone().map_err(|e| e.to_string())?);
    let mut line = String::new();
    reader.read_line(&mut line).map_err(|e| e.to_string())?;
    let mut w = conn;
    w.write_all(
        b"CONNECT {\"verbose\":false,\"headers\":true,\"echo\":false,\"no_responders\":true}\r\nSUB _INBOX.c.> 1\r\nPING\r\n",
    )
    .map_err(|e| e.to_string())?;
    let acked = Arc::new(AtomicU64::new(0));
    let counter = acked.clone();
    let read = std::thread::spawn(move || -> Result<(), String> {
        let mut line = String::new();
        while counter.load(Ordering::Relaxed) < n {
            line.clear();
            if reader.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
                return Err("the server closed the connection".into());
            }
            if line.starts_with("MSG ") {
                line.clear();
                reader.read_line(&mut line).map_err(|e| e.to_string())?;
                if !line.contains("\"seq\"") {
                    return Err(format!("a refusal: {line}"));
                }
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(())
    });
    let payload = [b'x'; 256];
    let mut out = Vec::with_capacity(1 << 20);
    let started = Instant::now();
    for i in 0..n {
        while i >= acked.load(Ordering::Relaxed) + WINDOW {
            w.write_all(&out).map_err(|e| e.to_string())?;
            out.clear();
            std::thread::yield_now();
        }
        let id = format!("ceiling:{i}");
        let hdr = format!("NATS/1.0\r\nNats-Msg-Id: {id}\r\n\r\n");
        out.extend_from_slice(
            format!(
                "HPUB logs.syslog _INBOX.c.{i} {} {}\r\n{hdr}",
                hdr.len(),
                hdr.len() + payload.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(&payload);
        out.extend_from_slice(b"\r\n");
        if out.len() >= 256 << 10 {
            w.write_all(&out).map_err(|e| e.to_string())?;
            out.clear();
        }
    }
    w.write_all(&out).map_err(|e| e.to_string())?;
    read.join()
        .map_err(|_| "the reader panicked".to_string())??;
    Ok(n as f64 / started.elapsed().as_secs_f64().max(1e-9))
}
