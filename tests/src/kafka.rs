//! A real Kafka-protocol broker for a test, and an independent consumer.
//!
//! - [`Broker`]: the `tansu` broker (crates.io; `scripts/test` installs it
//!   with `cargo install tansu --features libsql`), on a free port, its
//!   log in SQLite in the test's directory, so that it keeps what it
//!   acknowledged across a SIGKILL and restart. Clients reach it through a
//!   [`Gate`] (the address it advertises), which a test can close to cut
//!   the network to the broker without closing a connection.
//! - [`consume`]: every message of a topic read with kafka-python (PyPI;
//!   `scripts/test` installs it), a client that shares no code with
//!   librdkafka.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub use crate::gate::Gate;
use crate::rsyslogd::free_port;
use crate::wait_for;

/// The broker's program: on PATH, or where `cargo install` puts it.
pub fn tansu() -> PathBuf {
    let home = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo")
        });
    let candidates = [
        home.join("bin/tansu"),
        PathBuf::from("/opt/tansu/bin/tansu"),
    ];
    if let Some(p) = candidates.iter().find(|p| p.exists()) {
        return p.clone();
    }
    if let Ok(out) = Command::new("sh").args(["-c", "command -v tansu"]).output() {
        let p = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !p.is_empty() {
            return PathBuf::from(p);
        }
    }
    panic!("the tansu Kafka broker is not installed: scripts/test installs it (cargo install tansu --version 0.6.0 --features libsql --locked)");
}

/// A tansu broker, killed when dropped.
pub struct Broker {
    child: Option<Child>,
    dir: PathBuf,
    /// Where tansu listens.
    pub port: u16,
    /// Where clients connect (the gate, which tansu advertises).
    pub client_port: u16,
    /// `None`: clients reach the broker directly (benchmarks).
    pub gate: Option<Gate>,
}

impl Broker {
    /// Starts a broker whose files are in `dir`, behind a gate.
    pub fn start(dir: &Path) -> Broker {
        Broker::start_with(dir, true)
    }

    /// Starts a broker that clients reach directly (no gate to copy every
    /// byte: what a benchmark measures).
    pub fn start_ungated(dir: &Path) -> Broker {
        Broker::start_with(dir, false)
    }

    fn start_with(dir: &Path, gated: bool) -> Broker {
        // An empty broker: nothing of an earlier run's.
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).expect("the broker's directory");
        let port = free_port();
        let (client_port, gate) = match gated {
            true => {
                let p = free_port();
                (p, Some(Gate::start(p, port)))
            }
            false => (port, None),
        };
        let mut b = Broker {
            child: None,
            dir: dir.to_path_buf(),
            port,
            client_port,
            gate,
        };
        b.launch();
        b
    }

    /// Starts a broker that clients reach over TLS only: a relay that ends
    /// TLS (`cert`, `key`) is the address it advertises.
    pub fn start_tls(dir: &Path, cert: &Path, key: &Path) -> Broker {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).expect("the broker's directory");
        let (port, client_port) = (free_port(), free_port());
        crate::gate::start_tls(client_port, port, cert, key);
        let mut b = Broker {
            child: None,
            dir: dir.to_path_buf(),
            port,
            client_port,
            gate: None,
        };
        b.launch();
        b
    }

    /// The gate in front of it (a broker started with [`Broker::start`]).
    pub fn gate(&self) -> &Gate {
        self.gate.as_ref().expect("a gated broker")
    }

    /// Its directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `host:port` for clients.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.client_port)
    }

    fn launch(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("tansu.log"))
            .expect("the broker's log");
        let child = Command::new(tansu())
            .arg("broker")
            .arg("--listener-url")
            .arg(format!("tcp://127.0.0.1:{}", self.port))
            .arg("--advertised-listener-url")
            .arg(format!("tcp://127.0.0.1:{}", self.client_port))
            .arg("--storage-engine")
            // A path relative to its working directory.
            .arg("sqlite://tansu.db")
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("starting tansu");
        self.child = Some(child);
        let port = self.port;
        let dir = self.dir.clone();
        let child = self.child.as_mut().expect("just started");
        wait_for("tansu to listen", Duration::from_secs(30), || {
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(dir.join("tansu.log")).unwrap_or_default();
                panic!("tansu exited ({status}) before listening:\n{log}");
            }
            TcpStream::connect(("127.0.0.1", port)).ok()
        });
    }

    /// Creates `topic` with `partitions` partitions (retried for a while:
    /// a broker that just began to listen may not take it yet).
    pub fn create_topic(&self, topic: &str, partitions: u32) {
        let mut last = String::new();
        let done = (0..50).any(|attempt| {
            let out = Command::new(tansu())
                .args(["topic", "create", topic, "--broker"])
                .arg(format!("tcp://127.0.0.1:{}", self.port))
                .arg("--partitions")
                .arg(partitions.to_string())
                .output()
                .expect("running tansu topic create");
            if out.status.success() {
                return true;
            }
            last = format!(
                "{} {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            // An earlier attempt that failed to say it succeeded.
            if attempt > 0 && last.contains("already exists") {
                return true;
            }
            std::thread::sleep(Duration::from_millis(200));
            false
        });
        let log = std::fs::read_to_string(self.dir.join("tansu.log")).unwrap_or_default();
        assert!(done, "tansu topic create {topic}: {last}\n{log}");
    }

    /// SIGKILL: what it had not written to its database is gone.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port and files.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "restart of a running broker");
        self.launch();
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// What [`consume`] read.
#[derive(Debug)]
pub struct Consumed {
    pub messages: u64,
    /// Messages per partition.
    pub partitions: Vec<(u32, u64)>,
}

/// Reads every message of `topic` into `out` (one value per line; with
/// `keys`, `partition TAB key TAB value`), stopping at `expect` messages
/// or after `idle` without a new one.
pub fn consume(
    broker: &str,
    topic: &str,
    out: &Path,
    expect: u64,
    idle: Duration,
    keys: bool,
) -> Consumed {
    consume_with(broker, topic, out, expect, idle, keys, None)
}

/// [`consume`], over TLS with `ca` when given.
pub fn consume_with(
    broker: &str,
    topic: &str,
    out: &Path,
    expect: u64,
    idle: Duration,
    keys: bool,
    ca: Option<&Path>,
) -> Consumed {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/kafka_consume.py");
    let mut cmd = Command::new("python3");
    cmd.arg(&script)
        .args([broker, topic])
        .arg(out)
        .arg("--expect")
        .arg(expect.to_string())
        .arg("--idle")
        .arg(idle.as_secs_f64().to_string());
    if keys {
        cmd.arg("--keys");
    }
    if let Some(ca) = ca {
        cmd.arg("--ca").arg(ca);
    }
    let o = cmd.output().expect("running python3");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        !stderr.contains("No module named 'kafka'"),
        "kafka-python is not installed: scripts/test installs it (pip install kafka-python)"
    );
    assert!(o.status.success(), "the consumer failed: {stderr}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("the consumer's summary: {e}: {stderr}"));
    let mut partitions: Vec<(u32, u64)> = v["partitions"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, n)| (k.parse().unwrap_or(0), n.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    partitions.sort();
    Consumed {
        messages: v["messages"].as_u64().unwrap_or(0),
        partitions,
    }
}
