//! systemd: readiness notification (`sd_notify`) and socket activation
//! (`LISTEN_FDS`), as rsyslog's `Type=notify` unit and `syslog.socket`
//! use them.
//!
//! In: the environment systemd gives the service (`NOTIFY_SOCKET`,
//! `LISTEN_PID`, `LISTEN_FDS`, `WATCHDOG_USEC`) and the descriptors from 3
//! on. Out: a [`Notifier`] that sends `READY=1`, `STOPPING=1`, `STATUS=`
//! and `WATCHDOG=1`; and the [`Passed`] sockets, each known by its type
//! and local address, for the inputs that listen there to take over
//! instead of binding (so that a restart loses nothing sent meanwhile: the
//! socket, and what waits in it, outlives the process).
//!
//! Guarantees: without systemd (no variables) nothing is sent and nothing
//! is taken; the variables are removed from the environment once read, as
//! `sd_listen_fds(1)` does, so nothing corelogd starts inherits them; a
//! passed descriptor that no input takes is said and closed.

use std::net::SocketAddr;
use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::time::Duration;

use socket2::{Socket, Type};

/// The first descriptor systemd passes (`SD_LISTEN_FDS_START`).
const LISTEN_FDS_START: RawFd = 3;
/// The most descriptors taken from `LISTEN_FDS`.
const LISTEN_FDS_MAX: usize = 1024;

/// Where `sd_notify` messages go (`None`: not started by systemd).
#[derive(Debug, Default)]
pub struct Notifier {
    target: Option<(UnixDatagram, NotifyAddr)>,
    /// `WATCHDOG_USEC`: how often systemd expects `WATCHDOG=1`.
    pub watchdog: Option<Duration>,
}

#[derive(Debug)]
enum NotifyAddr {
    Path(PathBuf),
    Abstract(Vec<u8>),
}

impl Notifier {
    /// From `NOTIFY_SOCKET` and `WATCHDOG_USEC` (removed from the
    /// environment).
    pub fn from_env() -> Notifier {
        let watchdog = std::env::var("WATCHDOG_USEC")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|_| {
                std::env::var("WATCHDOG_PID").map_or(true, |p| p.parse() == Ok(std::process::id()))
            })
            .filter(|&us| us > 0)
            .map(Duration::from_micros);
        let target = std::env::var_os("NOTIFY_SOCKET").and_then(|s| {
            let s = s.into_encoded_bytes();
            let addr = match s.strip_prefix(b"@") {
                Some(name) => NotifyAddr::Abstract(name.to_vec()),
                None => NotifyAddr::Path(PathBuf::from(std::ffi::OsString::from_vec(s))),
            };
            UnixDatagram::unbound().ok().map(|sock| (sock, addr))
        });
        for v in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
            // SAFETY of the call: this runs in `main` before any thread is
            // started, so nothing reads the environment concurrently.
            std::env::remove_var(v);
        }
        Notifier { target, watchdog }
    }

    /// Sends `state` (`READY=1`, `STATUS=…`, newline-separated); an error
    /// is said, never fatal.
    pub fn notify(&self, state: &str) {
        let Some((sock, addr)) = &self.target else {
            return;
        };
        let r = match addr {
            NotifyAddr::Path(p) => sock.send_to(state.as_bytes(), p),
            NotifyAddr::Abstract(name) => {
                use std::os::linux::net::SocketAddrExt;
                std::os::unix::net::SocketAddr::from_abstract_name(name)
                    .and_then(|a| sock.send_to_addr(state.as_bytes(), &a))
            }
        };
        if let Err(e) = r {
            crate::notice!(
                "corelogd: cannot notify systemd ({}): {e}.",
                state.lines().next().unwrap_or("")
            );
        }
    }

    pub fn is_active(&self) -> bool {
        self.target.is_some()
    }
}

use std::os::unix::ffi::OsStringExt;

/// What a passed socket is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listening {
    Tcp(SocketAddr),
    Udp(SocketAddr),
    UnixDgram(PathBuf),
    UnixStream(PathBuf),
    /// Something no input can take (a FIFO, an abstract socket, …).
    Other,
}

/// The sockets systemd passed, not yet taken by an input.
#[derive(Debug, Default)]
pub struct Passed {
    fds: Vec<(RawFd, Listening)>,
}

impl Passed {
    /// From `LISTEN_PID` and `LISTEN_FDS` (removed from the environment);
    /// empty unless they name this process.
    pub fn from_env() -> Passed {
        let pid_ok = std::env::var("LISTEN_PID")
            .ok()
            .and_then(|p| p.parse::<u32>().ok())
            == Some(std::process::id());
        let n = std::env::var("LISTEN_FDS")
            .ok()
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|_| pid_ok)
            .unwrap_or(0)
            .min(LISTEN_FDS_MAX);
        for v in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] {
            std::env::remove_var(v);
        }
        let fds = (0..n)
            .map(|i| LISTEN_FDS_START + i as RawFd)
            // Ours now: not to be inherited by what corelogd starts. One
            // that is not open is not ours to classify or close later.
            // SAFETY: fcntl on a descriptor number changes only its flags
            // and fails (-1) on one that is not open.
            .filter(|&fd| unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) } == 0)
            .map(|fd| (fd, classify(fd)))
            .collect();
        Passed { fds }
    }

    /// The passed socket listening as `what`, if there is one: taken (the
    /// caller owns the descriptor now), made non-blocking.
    pub fn take(&mut self, what: &Listening) -> Option<RawFd> {
        let at = self.fds.iter().position(|(_, l)| l == what)?;
        let (fd, _) = self.fds.remove(at);
        // SAFETY: fcntl on a descriptor we own sets its status flags.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK);
        }
        Some(fd)
    }

    /// Whether a passed socket listens as `what` (not taken).
    pub fn has(&self, what: &Listening) -> bool {
        self.fds.iter().any(|(_, l)| l == what)
    }

    /// Closes what no input took, saying so.
    pub fn close_rest(&mut self) {
        for (fd, what) in self.fds.drain(..) {
            crate::notice!(
                "corelogd: systemd passed a socket ({what:?}) that no input listens on; it is closed."
            );
            // SAFETY: the descriptor was passed to us and nothing else
            // holds it.
            unsafe { libc::close(fd) };
        }
    }
}

/// What `fd` listens as.
fn classify(fd: RawFd) -> Listening {
    // SAFETY: the Socket is wrapped in ManuallyDrop: it only borrows the
    // descriptor to ask what it is, and never closes it.
    let s = std::mem::ManuallyDrop::new(unsafe { Socket::from_raw_fd(fd) });
    let (Ok(ty), Ok(addr)) = (s.r#type(), s.local_addr()) else {
        return Listening::Other;
    };
    if let Some(a) = addr.as_socket() {
        return match ty {
            Type::STREAM => Listening::Tcp(a),
            Type::DGRAM => Listening::Udp(a),
            _ => Listening::Other,
        };
    }
    match (addr.as_pathname(), ty) {
        (Some(p), Type::DGRAM) => Listening::UnixDgram(p.to_path_buf()),
        (Some(p), Type::STREAM) => Listening::UnixStream(p.to_path_buf()),
        _ => Listening::Other,
    }
}

/// A duplicate of `fd` for another core (close-on-exec).
pub fn dup(fd: RawFd) -> std::io::Result<RawFd> {
    // SAFETY: F_DUPFD_CLOEXEC returns a new descriptor or -1.
    let d = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
    if d < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(d)
    }
}
