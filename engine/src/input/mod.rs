//! Inputs: imtcp/imptcp (TCP, and imptcp's unix stream `path=`), imudp,
//! imuxsock, imrelp (RELP sessions on the TCP listeners).
//!
//! In: the plan's `input()` definitions (and their modules' parameters).
//! Out: [`InputSpec`]s — everything an input needs, resolved and checked
//! at start — which each core turns into its own listening sockets
//! (SO_REUSEPORT: the kernel spreads connections and datagrams over the
//! cores). Received frames are parsed on the core that read them and
//! enqueued, tagged with their ruleset, into that core's main-queue shard.

pub mod dgram;
pub mod ratelimit;
pub mod relp;
pub mod stream;

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;

use crate::config::{InputDef, Plan};
use crate::frame::{FramerOptions, FRAME_BYTES_MAX_DEFAULT};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// imtcp or imptcp on a port.
    Tcp,
    /// imptcp on a unix stream socket (`path=`).
    UnixStream,
    /// imudp.
    Udp,
    /// imuxsock: a unix datagram socket.
    UnixDgram,
}

/// TCP keep-alive settings (`keepAlive`, `.probes`, `.time`, `.interval`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeepAlive {
    pub probes: u32,
    pub time_s: u32,
    pub interval_s: u32,
}

/// One input, resolved.
#[derive(Debug, Clone)]
pub struct InputSpec {
    pub kind: Kind,
    /// The module (`imtcp`, `imptcp`, `imudp`, `imuxsock`): `inputname`.
    pub module: &'static str,
    pub addrs: Vec<SocketAddr>,
    pub path: Option<PathBuf>,
    pub ruleset: u32,
    pub framing: FramerOptions,
    /// Sessions per input, all cores together (0: unlimited).
    pub max_sessions: usize,
    pub keepalive: Option<KeepAlive>,
    pub rate_interval_s: u64,
    pub rate_burst: u64,
    pub rcvbuf: Option<usize>,
    pub max_message: usize,
    /// Socket file mode (imuxsock, imptcp path).
    pub socket_mode: u32,
    /// Whether messages carry a HOSTNAME (imuxsock: `ParseHostname`,
    /// default off; network inputs: always).
    pub parse_hostname: bool,
    /// imrelp: the sessions speak RELP.
    pub relp: Option<relp::RelpOptions>,
}

impl InputSpec {
    /// The parser options for this input's messages.
    pub fn parse_options(&self, global: &crate::ParseOptions) -> crate::ParseOptions {
        crate::ParseOptions {
            no_hostname: !self.parse_hostname,
            ..*global
        }
    }
}

impl InputSpec {
    /// Where it listens, for the start-up message.
    pub fn describe(&self) -> String {
        match self.kind {
            Kind::Tcp => format!("{} tcp {}", self.module, join(&self.addrs)),
            Kind::Udp => format!("{} udp {}", self.module, join(&self.addrs)),
            Kind::UnixStream | Kind::UnixDgram => format!(
                "{} unix {}",
                self.module,
                self.path
                    .as_deref()
                    .unwrap_or_else(|| "?".as_ref())
                    .display()
            ),
        }
    }
}

fn join(a: &[SocketAddr]) -> String {
    a.iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Resolves every input of `plan`.
pub fn specs(plan: &Plan) -> Result<Vec<InputSpec>, String> {
    plan.inputs.iter().map(|i| spec(plan, i)).collect()
}

/// The input modules corelogd runs.
const RUN: &[&str] = &["imtcp", "imptcp", "imudp", "imuxsock", "imrelp"];

/// Resolves the inputs of the kinds corelogd runs, passing over the ones
/// it only accepts (`-N1` warns about those instead).
pub fn check(plan: &Plan) -> Result<(), String> {
    for i in plan.inputs.iter().filter(|i| RUN.contains(&i.kind)) {
        spec(plan, i)?;
    }
    Ok(())
}

fn spec(plan: &Plan, def: &InputDef) -> Result<InputSpec, String> {
    let module = plan.modules.iter().find(|m| m.name == def.kind);
    // An input parameter, else the module's, else nothing.
    let get = |name: &str| {
        def.params
            .get(name)
            .or_else(|| module.and_then(|m| m.params.get(name)))
    };
    let at = format!(
        "{}:{}: input(type=\"{}\")",
        plan.sources.name(def.pos.file),
        def.pos.line,
        def.kind
    );
    let num = |name: &str, default: i64| -> Result<i64, String> {
        match get(name) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse::<i64>()
                .map_err(|_| format!("{at}: {name}=\"{v}\" is not a number")),
        }
    };
    let on = |name: &str, default: bool| -> bool {
        get(name)
            .map(|v| matches!(v.to_ascii_lowercase().as_str(), "on" | "yes" | "1"))
            .unwrap_or(default)
    };
    let max_message = plan.globals.max_message_size.max(1) as usize;
    let addtl = num("addtlframedelimiter", -1)?;
    let framing = FramerOptions {
        frame_bytes_max: num("maxframesize", FRAME_BYTES_MAX_DEFAULT as i64)?.clamp(1, 200_000_000)
            as usize,
        message_bytes_max: max_message,
        octet_counting: on("supportoctetcountedframing", true),
        addtl_delimiter: (0..=255).contains(&addtl).then_some(addtl as u8),
        discard_truncated: on("discardtruncatedmsg", false),
    };
    let keepalive = on("keepalive", false).then(|| -> Result<KeepAlive, String> {
        Ok(KeepAlive {
            probes: num("keepalive.probes", 0)? as u32,
            time_s: num("keepalive.time", 0)? as u32,
            interval_s: num("keepalive.interval", 0)? as u32,
        })
    });
    let keepalive = keepalive.transpose()?;
    let (kind, default_sessions, default_burst) = match def.kind {
        "imtcp" => (Kind::Tcp, 200, 10_000),
        "imptcp" if get("path").is_some() => (Kind::UnixStream, 0, 10_000),
        "imptcp" => (Kind::Tcp, 0, 10_000),
        "imudp" => (Kind::Udp, 0, 10_000),
        "imuxsock" => (Kind::UnixDgram, 0, 200),
        "imrelp" => (Kind::Tcp, 0, 10_000),
        other => {
            return Err(format!(
                "{at}: {other} inputs are not run by corelogd yet; remove the input or use imtcp, imptcp, imudp or imuxsock"
            ))
        }
    };
    let relp = if def.kind == "imrelp" {
        Some(relp_options(&at, &get, max_message)?)
    } else {
        None
    };
    let mut addrs = Vec::new();
    let mut path = None;
    match kind {
        Kind::Tcp | Kind::Udp => {
            let ports = get("port").unwrap_or_else(|| "514".into());
            let address = get("address").filter(|a| !a.is_empty() && a != "*");
            for p in ports.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let port: u16 = p
                    .parse()
                    .map_err(|_| format!("{at}: port \"{p}\" is not a port number"))?;
                let host = address.clone().unwrap_or_else(|| "0.0.0.0".into());
                let found = (host.as_str(), port)
                    .to_socket_addrs()
                    .map_err(|e| format!("{at}: address \"{host}\": {e}"))?
                    .next()
                    .ok_or_else(|| format!("{at}: address \"{host}\" has no address"))?;
                addrs.push(found);
            }
        }
        Kind::UnixStream => path = get("path").map(PathBuf::from),
        Kind::UnixDgram => {
            path = Some(PathBuf::from(
                get("socket").unwrap_or_else(|| "/dev/log".into()),
            ))
        }
    }
    Ok(InputSpec {
        kind,
        module: def.kind,
        addrs,
        path,
        ruleset: def.ruleset as u32,
        framing,
        max_sessions: num("maxsessions", default_sessions)?.max(0) as usize,
        keepalive,
        rate_interval_s: num("ratelimit.interval", 0)?.max(0) as u64,
        rate_burst: num("ratelimit.burst", default_burst)?.max(0) as u64,
        rcvbuf: match get("rcvbufsize") {
            None => None,
            Some(v) => match crate::config::queue::parse_size(&v) {
                Some(0) => None,
                Some(n) if n > 0 => Some(n as usize),
                _ => {
                    return Err(format!(
                        "{at}: rcvBufSize=\"{v}\" is not a size (such as 8m)"
                    ))
                }
            },
        },
        max_message,
        parse_hostname: kind != Kind::UnixDgram || on("parsehostname", false),
        socket_mode: get("filecreatemode")
            .and_then(|m| u32::from_str_radix(&m, 8).ok())
            .unwrap_or(0o666),
        relp,
    })
}

/// imrelp's parameters: `maxDataSize` (default and floor: the global
/// maxMessageSize, as imrelp), `oversizeMode` (default truncate) and
/// corelog's `idleTimeout` (seconds; default 0, never, as librelp).
fn relp_options(
    at: &str,
    get: &dyn Fn(&str) -> Option<String>,
    max_message: usize,
) -> Result<relp::RelpOptions, String> {
    use crate::relp::frame::Oversize;
    // Well under what one disk-queue record takes (256 MiB).
    const MAX_DATA: i64 = 128 << 20;
    if get("tls").is_some_and(|v| v.eq_ignore_ascii_case("on")) {
        return Err(format!(
            "{at}: tls=\"on\" is not supported by corelogd yet; terminate TLS in front of it (stunnel) or remove tls"
        ));
    }
    let max_data = match get("maxdatasize") {
        None => max_message,
        Some(v) => match crate::config::queue::parse_size(&v) {
            Some(n) if n > 0 && n <= MAX_DATA => (n as usize).max(max_message),
            _ => {
                return Err(format!(
                    "{at}: maxDataSize=\"{v}\" is not a size of at most 128m"
                ))
            }
        },
    };
    let oversize = match get("oversizemode").map(|v| v.to_ascii_lowercase()) {
        None => Oversize::Truncate,
        Some(v) if v == "truncate" => Oversize::Truncate,
        Some(v) if v == "abort" => Oversize::Abort,
        Some(v) if v == "accept" => Oversize::Accept,
        Some(v) => {
            return Err(format!(
                "{at}: oversizeMode=\"{v}\" is not truncate, abort or accept"
            ))
        }
    };
    let idle = match get("idletimeout") {
        None => None,
        Some(v) => match v.trim().parse::<u64>() {
            Ok(0) => None,
            Ok(s) => Some(std::time::Duration::from_secs(s)),
            Err(_) => return Err(format!("{at}: idleTimeout=\"{v}\" is not seconds")),
        },
    };
    Ok(relp::RelpOptions {
        max_data,
        oversize,
        idle,
    })
}
