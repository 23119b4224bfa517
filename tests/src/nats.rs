//! A real NATS server with JetStream for a test, and an independent
//! JetStream client.
//!
//! - [`Server`]: Debian's `nats-server` (`scripts/test` installs it) with
//!   `-js`, on a free port, its store in the test's directory (so it keeps
//!   what it acknowledged across a SIGKILL and restart). Clients reach it
//!   through a [`Gate`], which a test can close to cut the network.
//! - [`Server::create_stream`], [`Server::stream_messages`],
//!   [`Server::read`]: `tests/data/nats_stream.py`, on nats-py (PyPI;
//!   `scripts/test` installs it), a client that shares no code with
//!   corelog's publisher.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::gate::Gate;
use crate::rsyslogd::free_port;
use crate::wait_for;

/// The server's program.
pub fn nats_server() -> PathBuf {
    for p in ["/usr/sbin/nats-server", "/usr/bin/nats-server"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    panic!("nats-server is not installed: scripts/test installs it (apt-get install nats-server)");
}

/// A nats-server with JetStream, killed when dropped.
pub struct Server {
    child: Option<Child>,
    dir: PathBuf,
    /// Where it listens.
    pub port: u16,
    /// Where clients connect (the gate; the port itself when ungated).
    pub client_port: u16,
    pub gate: Option<Gate>,
    /// Further arguments (TLS, credentials).
    args: Vec<String>,
    /// `user:password@` for the test's client, when the server asks.
    pub auth: String,
    /// The CA of the server's certificate (for `server.test`), when it
    /// requires TLS.
    pub tls_ca: Option<PathBuf>,
}

impl Server {
    /// Starts a server whose store is in `dir`, behind a gate.
    pub fn start(dir: &Path) -> Server {
        Server::start_with(dir, true, &[])
    }

    /// Starts one that clients reach directly (benchmarks), or with
    /// further arguments.
    pub fn start_with(dir: &Path, gated: bool, args: &[&str]) -> Server {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).expect("the server's directory");
        let port = free_port();
        let (client_port, gate) = match gated {
            true => {
                let p = free_port();
                (p, Some(Gate::start(p, port)))
            }
            false => (port, None),
        };
        let mut s = Server {
            child: None,
            dir: dir.to_path_buf(),
            port,
            client_port,
            gate,
            args: args.iter().map(|a| a.to_string()).collect(),
            auth: String::new(),
            tls_ca: None,
        };
        s.launch();
        s
    }

    pub fn gate(&self) -> &Gate {
        self.gate.as_ref().expect("a gated server")
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `nats://127.0.0.1:port` for clients.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.client_port)
    }

    /// The server's own port, past the gate (the test's client).
    fn direct_url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn launch(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("nats.log"))
            .expect("the server's log");
        let child = Command::new(nats_server())
            .args(["-js", "-a", "127.0.0.1", "-p", &self.port.to_string()])
            .arg("-sd")
            .arg(self.dir.join("store"))
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("starting nats-server");
        self.child = Some(child);
        let port = self.port;
        let dir = self.dir.clone();
        let child = self.child.as_mut().expect("just started");
        wait_for("nats-server to listen", Duration::from_secs(30), || {
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(dir.join("nats.log")).unwrap_or_default();
                panic!("nats-server exited ({status}) before listening:\n{log}");
            }
            TcpStream::connect(("127.0.0.1", port)).ok()
        });
    }

    /// The server's log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("nats.log")).unwrap_or_default()
    }

    /// Runs `tests/data/nats_stream.py` against the server; returns its
    /// JSON line.
    fn client(&self, args: &[&str]) -> serde_json::Value {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/nats_stream.py");
        let url = self
            .direct_url()
            .replacen("nats://", &format!("nats://{}", self.auth), 1);
        let mut cmd = Command::new("python3");
        cmd.arg(&script);
        if let Some(ca) = &self.tls_ca {
            cmd.arg("--ca")
                .arg(ca)
                .args(["--tls-hostname", "server.test"]);
        }
        let o = cmd.arg(url).args(args).output().expect("running python3");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            !stderr.contains("No module named 'nats'"),
            "nats-py is not installed: scripts/test installs it (pip install nats-py)"
        );
        assert!(
            o.status.success(),
            "nats_stream.py {args:?}: {stderr}\n{}",
            self.log()
        );
        serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("nats_stream.py's summary: {e}: {stderr}"))
    }

    /// Creates a file-backed stream taking `subject`, with the default
    /// duplicate window (2 minutes).
    pub fn create_stream(&self, stream: &str, subject: &str) {
        self.client(&["create", stream, subject]);
    }

    /// How many messages the stream holds.
    pub fn stream_messages(&self, stream: &str) -> u64 {
        self.client(&["info", stream])["messages"]
            .as_u64()
            .unwrap_or(0)
    }

    /// Reads the stream from its first message into `out` (one payload a
    /// line; with `subjects`, `subject TAB payload`), until `expect` or
    /// `idle` without a new one; returns the file's text.
    pub fn read(
        &self,
        stream: &str,
        out: &Path,
        expect: u64,
        idle: Duration,
        subjects: bool,
    ) -> String {
        let (expect, idle) = (expect.to_string(), idle.as_secs_f64().to_string());
        let out_s = out.display().to_string();
        let mut args = vec!["read", stream, &out_s, "--expect", &expect, "--idle", &idle];
        if subjects {
            args.push("--subjects");
        }
        let v = self.client(&args);
        eprintln!("read {} from stream {stream}", v["messages"]);
        std::fs::read_to_string(out).expect("the reader's file")
    }

    /// SIGKILL.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port and store.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "restart of a running server");
        self.launch();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}
