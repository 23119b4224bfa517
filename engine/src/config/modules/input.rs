//! What every input resolves into, and the readers the input modules
//! share (framing, keep-alive, rate limits, session limits).
//!
//! In: a module's [`Resolved`] parameters. Out: an [`InputConfig`], the
//! typed form the runtime turns into sockets (it resolves addresses; no
//! parameter is read by name after this).

use std::path::PathBuf;
use std::time::Duration;

use crate::config::param::{Param, Resolved, Type, NON_NEG};
use crate::frame::FramerOptions;
pub use crate::input::sessions::SessionLimits;
use crate::relp::RelpOptions;

/// `maxFrameSize`: at most 200 000 000, as rsyslog.
pub const FRAME: Type = Type::Int {
    min: 1,
    max: 200_000_000,
};
/// `addtlFrameDelimiter`: a byte, or -1 for none.
pub const DELIMITER: Type = Type::Int { min: -1, max: 255 };

/// Where an input listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listen {
    /// TCP ports (imtcp, imptcp, imrelp) on `address` (`None`: every
    /// address).
    Tcp {
        address: Option<String>,
        ports: Vec<u16>,
    },
    /// UDP ports (imudp).
    Udp {
        address: Option<String>,
        ports: Vec<u16>,
    },
    /// A unix stream socket (imptcp `path=`).
    UnixStream(SocketFile),
    /// A unix datagram socket (imuxsock).
    UnixDgram(SocketFile),
}

/// A unix socket's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketFile {
    pub path: PathBuf,
    /// `fileCreateMode` (imptcp) or 0666 (imuxsock, as rsyslog).
    pub mode: u32,
    /// `unlink`: remove a stale socket before binding (and at exit).
    pub unlink: bool,
    /// `createPath`: create missing directories (mode 0755).
    pub create_path: bool,
    /// The system socket without a `sysSock.name`: on a machine systemd
    /// booted, where journald's syslog socket exists, that socket is
    /// used instead of `/dev/log`, as rsyslog's imuxsock does.
    pub systemd_default: bool,
}

/// journald's socket for a syslog daemon (systemd's `syslog.socket`).
pub const SYSTEMD_SYSLOG_SOCKET: &str = "/run/systemd/journal/syslog";

impl SocketFile {
    /// The path to listen on: journald's syslog socket in place of the
    /// default system socket where systemd booted the machine and the
    /// socket is there, else `path`.
    pub fn resolved_path(&self) -> PathBuf {
        self.resolved_in(
            std::path::Path::new("/run/systemd/system"),
            std::path::Path::new(SYSTEMD_SYSLOG_SOCKET),
        )
    }

    /// As [`SocketFile::resolved_path`], with systemd's run directory
    /// (`sd_booted`'s test) and journald's socket at these paths.
    fn resolved_in(&self, booted: &std::path::Path, journald: &std::path::Path) -> PathBuf {
        use std::os::unix::fs::FileTypeExt;
        let is_socket =
            || std::fs::symlink_metadata(journald).is_ok_and(|m| m.file_type().is_socket());
        if self.systemd_default && booted.is_dir() && is_socket() {
            journald.to_path_buf()
        } else {
            self.path.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_system_socket_follows_journalds_where_systemd_booted() {
        let dir = std::env::temp_dir().join(format!("corelog-syssock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let booted = dir.join("systemd/system");
        let journald = dir.join("journal-syslog");
        let mut f = SocketFile {
            path: "/dev/log".into(),
            mode: 0o666,
            unlink: false,
            create_path: false,
            systemd_default: true,
        };
        // Not booted by systemd, no socket: /dev/log.
        assert_eq!(f.resolved_in(&booted, &journald), PathBuf::from("/dev/log"));
        std::fs::create_dir_all(&booted).unwrap();
        assert_eq!(f.resolved_in(&booted, &journald), PathBuf::from("/dev/log"));
        // A plain file there is not the socket.
        std::fs::write(&journald, b"").unwrap();
        assert_eq!(f.resolved_in(&booted, &journald), PathBuf::from("/dev/log"));
        std::fs::remove_file(&journald).unwrap();
        let _s = std::os::unix::net::UnixDatagram::bind(&journald).unwrap();
        assert_eq!(f.resolved_in(&booted, &journald), journald);
        // A sysSock.name given is kept.
        f.systemd_default = false;
        assert_eq!(f.resolved_in(&booted, &journald), PathBuf::from("/dev/log"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// TCP keep-alive (`keepAlive`, `.probes`, `.time`, `.interval`; 0 leaves
/// the kernel's value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeepAlive {
    pub probes: u32,
    pub time_s: u32,
    pub interval_s: u32,
}

/// One input, typed.
#[derive(Debug, Clone, PartialEq)]
pub struct InputConfig {
    /// The module (`imtcp`, `imptcp`, `imudp`, `imuxsock`, `imrelp`).
    pub module: &'static str,
    /// `name`: the `inputname` property of its messages.
    pub input_name: String,
    pub listen: Listen,
    /// Stream framing (TCP and unix stream inputs).
    pub framing: FramerOptions,
    /// Sessions per input, all cores together, per source, and which idle
    /// one makes room (stream inputs).
    pub sessions: SessionLimits,
    /// `socketBacklog` (imptcp; `None`: corelog's 1024).
    pub backlog: Option<u32>,
    pub keepalive: Option<KeepAlive>,
    pub rate_interval_s: u64,
    pub rate_burst: u64,
    /// `rcvBufSize` (imudp; `None`: the kernel's).
    pub rcvbuf: Option<usize>,
    /// `maxMessageSize` (global).
    pub max_message: usize,
    /// Whether messages carry a HOSTNAME (imuxsock: `parseHostname`,
    /// default off; network inputs: always).
    pub parse_hostname: bool,
    /// imuxsock's `ignoreTimestamp`: the time a message reports is when
    /// it was received, not what it says.
    pub ignore_timestamp: bool,
    /// `defaultTZ`: the offset that RFC 3164 times (which carry none) are
    /// read in; `None`: corelogd's local time zone.
    pub default_tz: Option<(bool, u8, u8)>,
    /// imudp's `name.appendPort`: each port's messages have the port
    /// appended to `input_name`.
    pub input_name_append_port: bool,
    /// imrelp: the sessions speak RELP.
    pub relp: Option<RelpOptions>,
    /// imtcp's stream driver or imrelp's `tls.*` as given; completed into
    /// `tls` once `global()` is known.
    pub tls_asked: Option<super::tls::TlsAsked>,
    /// TLS (`None`: plain TCP).
    pub tls: Option<super::tls::TlsConfig>,
}

impl InputConfig {
    /// A config for `module` with nothing but where it listens; the
    /// module's resolver fills in the rest.
    pub fn new(module: &'static str, listen: Listen, max_message: usize) -> InputConfig {
        InputConfig {
            module,
            input_name: module.to_string(),
            listen,
            framing: FramerOptions::with_limit(max_message),
            sessions: SessionLimits {
                max: 0,
                per_source: 0,
                evict_idle: None,
            },
            backlog: None,
            keepalive: None,
            rate_interval_s: 0,
            rate_burst: 0,
            rcvbuf: None,
            max_message,
            parse_hostname: true,
            ignore_timestamp: false,
            default_tz: None,
            input_name_append_port: false,
            relp: None,
            tls_asked: None,
            tls: None,
        }
    }
}

/// `port` as numbers (the table's type has checked each).
pub fn ports(r: &Resolved) -> Vec<u16> {
    r.list("port")
        .iter()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// `address`, where `*` and "" mean every address.
pub fn address(r: &Resolved) -> Option<String> {
    r.opt_str("address").filter(|a| !a.is_empty() && a != "*")
}

/// `keepAlive` and its three numbers.
pub fn keepalive(r: &Resolved) -> Option<KeepAlive> {
    let k = KeepAlive {
        probes: r.int("keepAlive.probes") as u32,
        time_s: r.int("keepAlive.time") as u32,
        interval_s: r.int("keepAlive.interval") as u32,
    };
    r.bool("keepAlive").then_some(k)
}

/// The stream framing parameters.
pub fn framing(r: &Resolved, max_message: usize) -> FramerOptions {
    FramerOptions {
        frame_bytes_max: r.int("maxFrameSize") as usize,
        message_bytes_max: max_message,
        octet_counting: r.bool("supportOctetCountedFraming"),
        addtl_delimiter: r
            .opt_int("addtlFrameDelimiter")
            .filter(|d| *d >= 0)
            .map(|d| d as u8),
        discard_truncated: r.bool("discardTruncatedMsg"),
    }
}

/// `rateLimit.interval` and `rateLimit.burst` (prefixed for imuxsock's
/// system socket: `sysSock.`).
/// `defaultTZ` (imtcp, imptcp, imudp).
pub fn default_tz(r: &Resolved) -> Option<(bool, u8, u8)> {
    r.opt_str("defaultTZ")
        .and_then(|t| crate::config::param::parse_offset(&t))
}

pub fn rate_limit(r: &Resolved, prefix: &str, c: &mut InputConfig) {
    c.rate_interval_s = r.int(&format!("{prefix}rateLimit.interval")) as u64;
    c.rate_burst = r.int(&format!("{prefix}rateLimit.burst")) as u64;
}

/// `maxSessions` as corelog has it on every stream input: a central
/// server has thousands of senders (rsyslog: imtcp 200, imptcp and imrelp
/// unlimited).
pub const MAX_SESSIONS_DEFAULT: &str = "10000";

/// corelog's own `maxSessionsPerSource`, on every stream input.
pub const PER_SOURCE: Param = Param::new("maxSessionsPerSource", NON_NEG, "0")
    .note("corelog's own: sessions one peer address may hold; a connection beyond is closed and counted; 0: no limit");

/// corelog's own `sessionEvictIdle`, on every stream input.
pub const EVICT_IDLE: Param = Param::new("sessionEvictIdle", NON_NEG, "60").note(
    "corelog's own: at maxSessions, the session idle the longest is closed to make room if it has read nothing for this many seconds; 0: never (new connections are closed, as rsyslog does)",
);

/// `maxSessions`, [`PER_SOURCE`] and [`EVICT_IDLE`].
pub fn sessions(r: &Resolved) -> SessionLimits {
    SessionLimits {
        max: r.int("maxSessions").max(0) as usize,
        per_source: r.int("maxSessionsPerSource") as usize,
        evict_idle: match r.int("sessionEvictIdle") {
            0 => None,
            s => Some(Duration::from_secs(s as u64)),
        },
    }
}

/// imrelp's and corelog's session limits, as durations.
pub fn idle(seconds: i64) -> Option<Duration> {
    (seconds > 0).then(|| Duration::from_secs(seconds as u64))
}
