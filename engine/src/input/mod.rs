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

use crate::config::modules::{Listen, SocketFile};
use crate::config::{InputDef, Plan};
use crate::frame::FramerOptions;

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

pub use crate::config::modules::KeepAlive;

/// One input, resolved.
#[derive(Debug, Clone)]
pub struct InputSpec {
    pub kind: Kind,
    /// The module (`imtcp`, `imptcp`, `imudp`, `imuxsock`, `imrelp`).
    pub module: &'static str,
    /// The `inputname` of its messages (`name`, by default the module).
    pub input_name: String,
    pub addrs: Vec<SocketAddr>,
    pub path: Option<PathBuf>,
    pub ruleset: u32,
    pub framing: FramerOptions,
    /// Sessions per input, all cores together (0: unlimited).
    pub max_sessions: usize,
    /// The listen backlog (imptcp's `socketBacklog`; else 1024).
    pub backlog: u32,
    pub keepalive: Option<KeepAlive>,
    pub rate_interval_s: u64,
    pub rate_burst: u64,
    pub rcvbuf: Option<usize>,
    pub max_message: usize,
    /// The unix socket's file (imuxsock, imptcp `path=`).
    pub socket: Option<SocketFile>,
    /// Whether messages carry a HOSTNAME (imuxsock: `ParseHostname`,
    /// default off; network inputs: always).
    pub parse_hostname: bool,
    /// imuxsock's `ignoreTimestamp`: a message reports when it was
    /// received, not the time it states.
    pub ignore_timestamp: bool,
    /// imrelp: the sessions speak RELP.
    pub relp: Option<relp::RelpOptions>,
}

impl InputSpec {
    /// The parser options for this input's messages.
    pub fn parse_options(&self, global: &crate::ParseOptions) -> crate::ParseOptions {
        crate::ParseOptions {
            no_hostname: !self.parse_hostname,
            ignore_timestamp: self.ignore_timestamp,
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

/// Resolves every input of `plan`: its addresses, and one input per port
/// where imudp's `name.appendPort` gives each port its own name.
pub fn specs(plan: &Plan) -> Result<Vec<InputSpec>, String> {
    let mut out = Vec::with_capacity(plan.inputs.len());
    for def in &plan.inputs {
        match &def.config.listen {
            Listen::Udp { ports, .. } if def.config.input_name_append_port => {
                for port in ports {
                    let mut s = spec(plan, def, std::slice::from_ref(port))?;
                    s.input_name = format!("{}{port}", s.input_name);
                    out.push(s);
                }
            }
            Listen::Tcp { ports, .. } | Listen::Udp { ports, .. } => {
                out.push(spec(plan, def, ports)?)
            }
            Listen::UnixStream(_) | Listen::UnixDgram(_) => out.push(spec(plan, def, &[])?),
        }
    }
    Ok(out)
}

/// Resolves every input as a start would (`-N1`).
pub fn check(plan: &Plan) -> Result<(), String> {
    specs(plan).map(drop)
}

/// What the runtime needs of one input; only the addresses are looked up
/// here (the config is typed already).
fn spec(plan: &Plan, def: &InputDef, ports: &[u16]) -> Result<InputSpec, String> {
    let c = &def.config;
    let at = format!(
        "{}:{}: input(type=\"{}\")",
        plan.sources.name(def.pos.file),
        def.pos.line,
        c.module
    );
    let (kind, address, socket) = match &c.listen {
        Listen::Tcp { address, .. } => (Kind::Tcp, address.as_deref(), None),
        Listen::Udp { address, .. } => (Kind::Udp, address.as_deref(), None),
        Listen::UnixStream(f) => (Kind::UnixStream, None, Some(f.clone())),
        Listen::UnixDgram(f) => (Kind::UnixDgram, None, Some(f.clone())),
    };
    let mut addrs = Vec::with_capacity(ports.len());
    for &port in ports {
        let host = address.unwrap_or("0.0.0.0");
        let found = (host, port)
            .to_socket_addrs()
            .map_err(|e| format!("{at}: address \"{host}\": {e}"))?
            .next()
            .ok_or_else(|| format!("{at}: address \"{host}\" has no address"))?;
        addrs.push(found);
    }
    Ok(InputSpec {
        kind,
        module: c.module,
        input_name: c.input_name.clone(),
        addrs,
        path: socket.as_ref().map(|f| f.path.clone()),
        ruleset: def.ruleset as u32,
        framing: c.framing,
        max_sessions: c.max_sessions,
        backlog: c.backlog.unwrap_or(BACKLOG_DEFAULT),
        keepalive: c.keepalive,
        rate_interval_s: c.rate_interval_s,
        rate_burst: c.rate_burst,
        rcvbuf: c.rcvbuf,
        max_message: c.max_message,
        socket,
        parse_hostname: c.parse_hostname,
        ignore_timestamp: c.ignore_timestamp,
        relp: c.relp,
    })
}

/// The listen backlog unless imptcp's `socketBacklog` says otherwise: a
/// central server takes bursts of connections.
pub const BACKLOG_DEFAULT: u32 = 1024;
