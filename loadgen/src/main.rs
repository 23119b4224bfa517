//! loadgen: corelog's load generator and end-to-end sink.
//!
//! - `loadgen send`: messages at a rate (or as fast as possible) over TCP,
//!   octet-counted TCP, UDP, unix sockets or RELP (latency measured to the
//!   acknowledgement), each stamped with connection, sequence number and
//!   intended send time.
//! - `loadgen sink`: receives forwarded messages and reports msgs/s, loss,
//!   duplicates, reordering and latency percentiles.
//! - `loadgen check FILE`: verifies an output file the same way.
//!
//! Every command prints a live progress line on a terminal and, with
//! `--json`, one machine-readable summary on stdout at the end.

mod msg;
mod relp;
mod send;
mod sink;
mod stats;
mod tls;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use serde_json::Value;

#[derive(Parser)]
#[command(name = "loadgen", version, about = "syslog load generator and sink")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Send stamped messages.
    Send {
        /// HOST:PORT, or a socket path for unix-*.
        #[arg(long)]
        target: String,
        /// tcp | tcp-octet | udp | unix-dgram | unix-stream | relp | tls |
        /// relp-tls
        #[arg(long, default_value = "tcp")]
        proto: String,
        #[command(flatten)]
        tls: TlsArgs,
        #[arg(long, default_value_t = 1)]
        conns: usize,
        /// Messages per second over all connections; 0 = as fast as possible.
        #[arg(long, default_value_t = 0)]
        rate: u64,
        /// Messages in all.
        #[arg(long)]
        count: Option<u64>,
        /// Seconds to send for.
        #[arg(long)]
        duration: Option<f64>,
        /// Message size in bytes, or MIN-MAX.
        #[arg(long, default_value = "256")]
        size: String,
        /// rfc3164 | rfc5424 | json (RFC 3164 with an `@cee:` JSON object, for mmjsonparse)
        #[arg(long, default_value = "rfc3164")]
        format: String,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// RELP: unacknowledged messages per connection at most (omrelp's
        /// windowSize).
        #[arg(long, default_value_t = 128)]
        window: usize,
        #[arg(long)]
        json: bool,
    },
    /// Receive forwarded messages and measure them.
    Sink {
        /// HOST:PORT to listen on (port 0: any; the address is printed).
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: String,
        /// tcp | udp
        #[arg(long, default_value = "tcp")]
        proto: String,
        /// Stop after this many messages.
        #[arg(long)]
        count: Option<u64>,
        /// Expected connections (with --count: messages split evenly).
        #[arg(long)]
        conns: Option<u32>,
        /// Stop after this many seconds without data.
        #[arg(long, default_value_t = 5.0)]
        idle: f64,
        #[arg(long)]
        duration: Option<f64>,
        /// Count lines (TCP) or datagrams (UDP) only: a receiver that costs
        /// nothing, to measure senders and the kernel.
        #[arg(long)]
        discard: bool,
        #[arg(long)]
        json: bool,
    },
    /// TLS handshakes per second: each a new connection that sends one
    /// message and closes.
    Handshakes {
        /// HOST:PORT of a TLS syslog listener.
        #[arg(long)]
        target: String,
        #[command(flatten)]
        tls: TlsArgs,
        /// Handshakes in all.
        #[arg(long, default_value_t = 1000)]
        count: u64,
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Full handshakes every time (no session resumption).
        #[arg(long)]
        no_resume: bool,
        #[arg(long)]
        json: bool,
    },
    /// Verify an output file: loss, duplicates, reordering.
    Check {
        file: String,
        #[arg(long)]
        conns: Option<u32>,
        /// Messages in all that should be there.
        #[arg(long)]
        count: Option<u64>,
        #[arg(long)]
        json: bool,
    },
}

/// The client side of TLS (`--proto tls`, `relp-tls`, `handshakes`).
#[derive(clap::Args, Debug, Clone)]
struct TlsArgs {
    /// CA file (PEM) to check the server against; without it the server
    /// is not checked.
    #[arg(long)]
    tls_ca: Option<std::path::PathBuf>,
    /// Certificate (PEM) to present, with --tls-key.
    #[arg(long)]
    tls_cert: Option<std::path::PathBuf>,
    #[arg(long)]
    tls_key: Option<std::path::PathBuf>,
    /// The server's name to send and check (default: the target's host).
    #[arg(long)]
    tls_name: Option<String>,
}

impl TlsArgs {
    fn opts(&self, resume: bool) -> tls::TlsOpts {
        tls::TlsOpts {
            ca: self.tls_ca.clone(),
            cert: self.tls_cert.clone(),
            key: self.tls_key.clone(),
            name: self.tls_name.clone(),
            resume,
        }
    }
}

/// Nanoseconds on the machine's monotonic clock (`CLOCK_MONOTONIC`): one
/// clock for every process on the machine, so a sender's stamp and a
/// receiver's reading compare, and never stepped by NTP or an operator
/// setting the time (the wall clock is, and a step shows as latency).
pub fn now_ns() -> u64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec, which we own.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut t) };
    assert_eq!(rc, 0, "CLOCK_MONOTONIC is always there on Linux");
    t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
}

/// A live progress line on stderr, only when it is a terminal.
pub struct Progress {
    tty: bool,
    last: std::cell::Cell<Instant>,
}

impl Progress {
    pub fn new() -> Progress {
        Progress {
            tty: std::io::stderr().is_terminal(),
            last: std::cell::Cell::new(Instant::now()),
        }
    }

    pub fn show(&self, line: impl FnOnce() -> String) {
        if self.tty && self.last.get().elapsed() >= Duration::from_millis(500) {
            self.last.set(Instant::now());
            eprint!("\r\x1b[K{}", line());
        }
    }

    pub fn clear(&self) {
        if self.tty {
            eprint!("\r\x1b[K");
        }
    }
}

impl Default for Progress {
    fn default() -> Self {
        Progress::new()
    }
}

fn expect(conns: Option<u32>, count: Option<u64>) -> Option<(u32, u64)> {
    match (conns, count) {
        (Some(c), Some(n)) if c > 0 => Some((c, n / u64::from(c))),
        (None, Some(n)) => Some((1, n)),
        _ => None,
    }
}

fn report(v: &Value, json: bool) {
    if json {
        println!("{v}");
        return;
    }
    let get = |k: &str| v.get(k).cloned().unwrap_or(Value::Null);
    let mut line = String::new();
    for k in [
        "sent",
        "received",
        "unique",
        "missing",
        "duplicates",
        "reordered",
        "unparsed",
    ] {
        if let Some(n) = v.get(k) {
            line += &format!("{k}={n} ");
        }
    }
    line += &format!(
        "msgs/s={:.0} elapsed={:.3}s",
        get("msgs_per_s").as_f64().unwrap_or(0.0),
        get("elapsed_s").as_f64().unwrap_or(0.0)
    );
    if let Some(l) = v.get("latency_ns").filter(|l| !l.is_null()) {
        let us = |k: &str| l[k].as_f64().unwrap_or(0.0) / 1000.0;
        line += &format!(
            " latency_us p50={:.0} p99={:.0} p99.9={:.0} max={:.0}",
            us("p50"),
            us("p99"),
            us("p999"),
            us("max")
        );
    }
    println!("{line}");
}

fn parse_size(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("--size: expected BYTES or MIN-MAX, not '{s}'");
    let (lo, hi) = match s.split_once('-') {
        Some((a, b)) => (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?),
        None => {
            let n = s.parse().map_err(|_| bad())?;
            (n, n)
        }
    };
    if lo == 0 || hi < lo {
        return Err(bad());
    }
    Ok((lo, hi))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.cmd {
        Cmd::Send {
            target,
            proto,
            tls,
            conns,
            rate,
            count,
            duration,
            size,
            format,
            seed,
            window,
            json,
        } => (|| {
            let proto = send::Proto::parse(&proto)?;
            let tls = match proto {
                send::Proto::Tls | send::Proto::RelpTls => {
                    // No resumption: each connection a full handshake, as
                    // rsyslog's senders do (librelp's OpenSSL server fails
                    // a resumption: "session id context uninitialized").
                    Some(tls::Client::new(&tls.opts(false), &target)?)
                }
                _ => None,
            };
            let opts = send::SendOpts {
                tls,
                target,
                proto,
                conns,
                rate,
                count,
                duration: duration.map(Duration::from_secs_f64),
                size: parse_size(&size)?,
                format: match format.as_str() {
                    "rfc3164" => msg::Format::Rfc3164,
                    "rfc5424" => msg::Format::Rfc5424,
                    "json" => msg::Format::Json,
                    other => {
                        return Err(format!("--format: rfc3164, rfc5424 or json, not '{other}'"))
                    }
                },
                seed,
                window,
            };
            send::run(&opts).map(|v| (v, json, true))
        })(),
        Cmd::Sink {
            listen,
            proto,
            count,
            conns,
            idle,
            duration,
            discard,
            json,
        } => (|| {
            let opts = sink::SinkOpts {
                listen,
                udp: match proto.as_str() {
                    "tcp" => false,
                    "udp" => true,
                    other => return Err(format!("--proto: tcp or udp, not '{other}'")),
                },
                count,
                expect: expect(conns, count),
                idle: Duration::from_secs_f64(idle),
                duration: duration.map(Duration::from_secs_f64),
                announce: true,
                discard,
            };
            sink::run(&opts).map(|v| (v, json, true))
        })(),
        Cmd::Handshakes {
            target,
            tls,
            count,
            threads,
            no_resume,
            json,
        } => {
            tls::handshakes(&tls.opts(!no_resume), &target, count, threads).map(|v| (v, json, true))
        }
        Cmd::Check {
            file,
            conns,
            count,
            json,
        } => sink::check(&file, expect(conns, count)).map(|v| {
            let clean = v["missing"] == 0 && v["duplicates"] == 0;
            (v, json, clean || count.is_none())
        }),
    };
    match result {
        Ok((v, json, ok)) => {
            report(&v, json);
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("loadgen: {e}");
            ExitCode::from(2)
        }
    }
}
