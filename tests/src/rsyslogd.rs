//! A private rsyslogd for a test: its own config, work directory and port.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::wait_for;

/// Where Debian's package puts the daemon.
pub const RSYSLOGD: &str = "/usr/sbin/rsyslogd";

/// A running rsyslogd, killed when dropped.
pub struct Rsyslogd {
    child: Child,
    pub dir: PathBuf,
    pub port: u16,
    /// Environment variables it runs with (kept across a restart).
    env: Vec<(String, String)>,
}

/// Ports handed out come from here: below the kernel's ephemeral range
/// (32768 and up), so that no client connection of a test beside this
/// one holds them as its source port.
const PORTS: std::ops::Range<u16> = 20_000..32_000;

/// A port for a test's daemon, free a moment ago for TCP and UDP on every
/// IPv4 and IPv6 address (rsyslogd listens on both), and never handed out
/// twice by this process (its tests run side by side; the kernel's
/// "bind to 0" can give two of them the same port).
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let span = u32::from(PORTS.end - PORTS.start);
    // Each test binary starts elsewhere in the range.
    let seed = std::process::id().wrapping_mul(7919) % span;
    for _ in 0..span {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = PORTS.start + ((seed + n) % span) as u16;
        let v6_free = match TcpListener::bind(("::", port)) {
            Ok(_) => true,
            // No IPv6 here: nothing can hold the port there.
            Err(e) => e.kind() != std::io::ErrorKind::AddrInUse,
        };
        let free = TcpListener::bind(("0.0.0.0", port)).is_ok()
            && std::net::UdpSocket::bind(("0.0.0.0", port)).is_ok()
            && v6_free;
        if free {
            return port;
        }
    }
    panic!("no free port in {PORTS:?}");
}

impl Rsyslogd {
    /// Starts rsyslogd in `dir` with `config`, in which `@PORT@` is replaced
    /// by a free TCP port and `@DIR@` by `dir`. Waits until the port accepts.
    pub fn start(dir: &Path, config: &str) -> Rsyslogd {
        assert!(
            Path::new(RSYSLOGD).exists(),
            "{RSYSLOGD} not found: install Debian's `rsyslog` package (scripts/test does: apt-get install rsyslog)"
        );
        Rsyslogd::start_on(dir, config, free_port())
    }

    /// As [`Rsyslogd::start`], with environment variables (a library
    /// path).
    pub fn start_with_env(dir: &Path, config: &str, env: &[(&str, &str)]) -> Rsyslogd {
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Rsyslogd::start_full(dir, config, free_port(), env)
    }

    /// As [`Rsyslogd::start`], on `port`.
    pub fn start_on(dir: &Path, config: &str, port: u16) -> Rsyslogd {
        Rsyslogd::start_full(dir, config, port, Vec::new())
    }

    fn start_full(dir: &Path, config: &str, port: u16, env: Vec<(String, String)>) -> Rsyslogd {
        assert!(
            Path::new(RSYSLOGD).exists(),
            "{RSYSLOGD} not found: install Debian's `rsyslog` package (scripts/test does: apt-get install rsyslog)"
        );
        std::fs::create_dir_all(dir).expect("creating the test directory");
        let config = config
            .replace("@PORT@", &port.to_string())
            .replace("@DIR@", &dir.display().to_string());
        let conf = dir.join("rsyslog.conf");
        std::fs::write(&conf, config).expect("writing rsyslog.conf");
        Rsyslogd::launch(dir, port, env)
    }

    fn launch(dir: &Path, port: u16, env: Vec<(String, String)>) -> Rsyslogd {
        let conf = dir.join("rsyslog.conf");
        let child = Command::new(RSYSLOGD)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .arg("-n")
            .arg("-f")
            .arg(&conf)
            .arg("-i")
            .arg(dir.join("rsyslogd.pid"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(dir.join("rsyslogd.stderr"))
                    .expect("creating stderr file"),
            ))
            .spawn()
            .expect("starting rsyslogd");
        let mut r = Rsyslogd {
            child,
            dir: dir.to_path_buf(),
            port,
            env,
        };
        wait_for("rsyslogd to listen", Duration::from_secs(20), || {
            if let Ok(Some(status)) = r.child.try_wait() {
                let stderr =
                    std::fs::read_to_string(dir.join("rsyslogd.stderr")).unwrap_or_default();
                panic!("rsyslogd exited ({status}) before listening:\n{stderr}");
            }
            TcpStream::connect(("127.0.0.1", port)).ok()
        });
        r
    }

    /// The daemon's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills rsyslogd with SIGKILL (nothing flushed, nothing saved) and
    /// starts it again with the same config and port.
    pub fn kill9_and_restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(self.dir.join("rsyslogd.pid"));
        *self = Rsyslogd::launch(&self.dir.clone(), self.port, self.env.clone());
    }

    /// Stops rsyslogd with SIGTERM, waits for it, and starts it again with
    /// the same config and port.
    pub fn term_and_restart(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
        *self = Rsyslogd::launch(&self.dir.clone(), self.port, self.env.clone());
    }

    /// Stops rsyslogd with SIGTERM and waits for it, so files are flushed.
    pub fn stop(mut self) {
        let pid = self.child.id().to_string();
        // If kill fails the process is already gone; wait() below reaps it.
        let _ = Command::new("kill").arg("-TERM").arg(&pid).status();
        let _ = self.child.wait();
    }
}

impl Drop for Rsyslogd {
    fn drop(&mut self) {
        // Killing an exited child fails harmlessly.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
