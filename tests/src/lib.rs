//! Support for corelog's integration tests: real peers started on loopback.
//!
//! - [`rsyslogd::Rsyslogd`]: a private `rsyslogd` (Debian package `rsyslog`)
//!   with a config of the test's own, on a free port, stopped on drop.
//! - [`daemon::Corelogd`]: the real corelogd with a config of the test's
//!   own, on free ports, stopped with SIGTERM.
//! - [`receiver::Receiver`]: a TCP forward target that can stall and go
//!   down.
//! - [`relp::Client`]: a blocking RELP client that can also misbehave.
//! - [`kafka::Broker`]: a real Kafka-protocol broker (tansu) behind a
//!   gate that can cut the network to it, and an independent consumer.
//! - [`nats::Server`]: a real NATS server with JetStream (`nats-server
//!   -js`), behind the same kind of [`gate::Gate`], and an independent
//!   JetStream client (nats-py).
//! - [`corpus`]: the differential corpus of syslog messages.
//! - [`pki`]: certificates for the TLS tests (the `openssl` command).
//! - [`sink`]: executes omfile actions into memory, for comparisons.
//!
//! A test that needs a peer fails with a message naming the package to
//! install; `scripts/test` installs them.

pub mod corpus;
pub mod daemon;
pub mod gate;
pub mod kafka;
pub mod nats;
pub mod pki;
pub mod receiver;
pub mod relp;
pub mod rsyslogd;
pub mod sink;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A test's directory, `corelog-<kind>-<pid>-<name>` in the system's
/// temporary directory: empty at the start, and removed when the test
/// ends well (kept, to look at, when it panics). The bus tests' brokers
/// write hundreds of megabytes each.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(kind: &str, name: &str) -> Scratch {
        let p = std::env::temp_dir().join(format!("corelog-{kind}-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("the test's directory");
        Scratch(p)
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Polls `f` until it returns `Some`, or panics with `what` after `timeout`.
pub fn wait_for<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One row of `/proc/net/tcp` (IPv4 sockets of this machine).
#[derive(Debug, Clone, Copy)]
pub struct TcpRow {
    pub local_port: u16,
    /// The kernel's state number (1: established, 10: listening).
    pub state: u8,
    /// Bytes waiting to be read.
    pub rx_queue: u64,
}

/// The rows of `/proc/net/tcp`.
pub fn tcp_sockets() -> Vec<TcpRow> {
    let text = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            Some(TcpRow {
                local_port: u16::from_str_radix(cols.get(1)?.rsplit(':').next()?, 16).ok()?,
                state: u8::from_str_radix(cols.get(3)?, 16).ok()?,
                rx_queue: u64::from_str_radix(cols.get(4)?.split(':').nth(1)?, 16).ok()?,
            })
        })
        .collect()
}

/// Checks a corelog.service text with `systemd-analyze verify` (a copy in
/// `dir`, its ExecStart pointed at `corelogd`): fails the test on any
/// word from it.
pub fn verify_unit(unit: &str, corelogd: &std::path::Path, dir: &std::path::Path) {
    let copy = dir.join("corelog.service");
    std::fs::write(
        &copy,
        unit.replace("/usr/sbin/corelogd", &corelogd.display().to_string()),
    )
    .expect("writing the unit's copy");
    let out = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .output()
        .expect("systemd-analyze (Debian's systemd package)");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "systemd-analyze verify: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs util-linux `logger` with `args`; fails the test if it fails.
pub fn logger(args: &[&str]) {
    let out = std::process::Command::new("logger")
        .args(args)
        .output()
        .expect("running logger: install util-linux's logger (Debian package bsdutils)");
    assert!(
        out.status.success(),
        "logger {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A TCP connection to 127.0.0.1:`port` from the source address `from`
/// (another 127.0.0.0/8 address): tests that hold thousands of
/// connections use their own, so that the ports they hold are not the
/// 127.0.0.1 ports the tests beside them listen on.
pub fn connect_from(from: &str, port: u16) -> std::net::TcpStream {
    let s =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("a socket");
    let src: std::net::SocketAddr = format!("{from}:0").parse().expect("a source address");
    s.bind(&src.into())
        .unwrap_or_else(|e| panic!("binding {from}: {e}"));
    let dst: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    s.connect(&dst.into())
        .unwrap_or_else(|e| panic!("connecting from {from} to port {port}: {e}"));
    s.into()
}

/// Raises this test process's open-files limit to its hard limit, which
/// it returns.
pub fn raise_nofile() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit read and write the struct we own.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        lim.rlim_cur = lim.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
    }
    lim.rlim_max
}

/// A `kB` figure of `/proc/PID/status` (`VmRSS`, `VmHWM`, …).
pub fn proc_status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc/PID/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/{pid}/status"))
}
