//! Inputs: imtcp/imptcp (TCP, and imptcp's unix stream `path=`), imudp,
//! imuxsock, imrelp (RELP sessions on the TCP listeners).
//!
//! In: the plan's `input()` definitions (and their modules' parameters).
//! Out: [`InputSpec`]s — everything an input needs, resolved and checked
//! at start — which each core turns into its own listening sockets
//! (SO_REUSEPORT: the kernel spreads connections and datagrams over the
//! cores). Received frames are parsed on the core that read them and
//! enqueued, tagged with their ruleset, into that core's main-queue shard.

pub mod budget;
pub mod coalesce;
pub mod dgram;
pub mod file;
pub mod klog;
pub mod ratelimit;
pub mod relp;
pub mod sessions;
pub mod stream;

use std::net::{SocketAddr, ToSocketAddrs};

use crate::config::modules::{InputConfig, Listen, SocketFile};
use crate::config::{InputDef, Plan};

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

/// One input as the runtime runs it: its typed config, and what was
/// looked up at start (its addresses) or fixed by the plan (its ruleset).
#[derive(Debug, Clone)]
pub struct InputSpec {
    /// Its place among the inputs (as [`specs`] lists them): where its
    /// counters are.
    pub index: usize,
    pub config: InputConfig,
    pub kind: Kind,
    pub addrs: Vec<SocketAddr>,
    pub ruleset: u32,
    /// `$AllowedSender`: who may send to this input (`None`: everyone).
    pub allowed: Option<std::sync::Arc<[crate::acl::Net]>>,
    /// Its TLS (`None`: plain).
    pub tls: Option<std::sync::Arc<crate::tls::Endpoint>>,
    /// Its ruleset's parser chain (`None`: rsyslog's default one).
    pub parsers: Option<std::sync::Arc<crate::parse::chain::Chain>>,
}

impl InputSpec {
    /// Parses one frame with this input's options and its ruleset's
    /// parser chain into `items`, bound to the input's ruleset; false (for
    /// the caller to count; said here at a limited rate) when no parser of
    /// the chain accepted it, and it goes on unparsed (see
    /// [`crate::parse::parse_chain`]).
    pub fn parse_into(
        &self,
        frame: bytes::Bytes,
        origin: &std::sync::Arc<crate::Origin>,
        now: crate::Timestamp,
        opts: &crate::ParseOptions,
        items: &mut Vec<crate::Message>,
    ) -> bool {
        let accepted = crate::parse::parse_chain_into(
            frame,
            origin,
            now,
            opts,
            self.parsers.as_deref(),
            items,
        );
        items
            .last_mut()
            .expect("parse_chain_into pushes one")
            .set_ruleset(self.ruleset);
        if !accepted {
            crate::notice::say(format_args!(
                "{}: no parser of its ruleset's chain accepted a message: it goes on unparsed (msg is the whole frame); add rsyslog.rfc3164 at the end of the chain to parse every message",
                self.config.input_name
            ));
        }
        accepted
    }

    /// The parser options for this input's messages.
    pub fn parse_options(&self, global: &crate::ParseOptions) -> crate::ParseOptions {
        crate::ParseOptions {
            no_hostname: !self.config.parse_hostname,
            ignore_timestamp: self.config.ignore_timestamp,
            default_tz: self.config.default_tz,
            ..*global
        }
    }
}

impl InputSpec {
    /// The module (`imtcp`, `imptcp`, `imudp`, `imuxsock`, `imrelp`).
    pub fn module(&self) -> &'static str {
        self.config.module
    }

    /// The unix socket's file, for unix inputs.
    pub fn socket(&self) -> Option<&SocketFile> {
        match &self.config.listen {
            Listen::UnixStream(f) | Listen::UnixDgram(f) => Some(f),
            Listen::Tcp { .. } | Listen::Udp { .. } => None,
        }
    }

    /// The listen backlog (imptcp's `socketBacklog`, else
    /// [`BACKLOG_DEFAULT`]).
    pub fn backlog(&self) -> u32 {
        self.config.backlog.unwrap_or(BACKLOG_DEFAULT)
    }

    /// Where it listens, for the start-up message.
    pub fn describe(&self) -> String {
        match self.kind {
            Kind::Tcp if self.tls.is_some() => {
                format!("{} tls {}", self.module(), join(&self.addrs))
            }
            Kind::Tcp => format!("{} tcp {}", self.module(), join(&self.addrs)),
            Kind::Udp => format!("{} udp {}", self.module(), join(&self.addrs)),
            Kind::UnixStream | Kind::UnixDgram => format!(
                "{} unix {}",
                self.module(),
                self.socket()
                    .map_or("?".into(), |f| f.path.display().to_string())
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
/// Why an input cannot be started; each names the input.
#[derive(Debug)]
pub enum InputError {
    /// Its address does not resolve (`at`: the input's file:line).
    Resolve {
        at: String,
        host: String,
        source: Option<std::io::Error>,
    },
    /// Its port cannot be listened on.
    Listen {
        module: &'static str,
        addr: SocketAddr,
        source: std::io::Error,
    },
    /// Its unix socket cannot be created.
    Socket {
        module: &'static str,
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// Its TLS certificate, key or CA does not load.
    Tls { at: String, why: String },
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputError::Tls { at, why } => write!(f, "{at}: TLS: {why}"),
            InputError::Resolve {
                at,
                host,
                source: Some(e),
            } => {
                write!(f, "{at}: address \"{host}\": {e}")
            }
            InputError::Resolve {
                at,
                host,
                source: None,
            } => {
                write!(f, "{at}: address \"{host}\" has no address")
            }
            InputError::Listen {
                module,
                addr,
                source,
            } => write!(
                f,
                "{module}: cannot listen on {addr}: {source}{}",
                listen_hint(source)
            ),
            InputError::Socket {
                module,
                path,
                source,
            } => write!(
                f,
                "{module}: cannot create socket {}: {source}",
                path.display()
            ),
        }
    }
}

impl std::error::Error for InputError {}

/// What to do about a port that cannot be listened on.
fn listen_hint(e: &std::io::Error) -> &'static str {
    match e.raw_os_error() {
        Some(libc::EADDRINUSE) => {
            " (another program, perhaps another corelogd, is listening there; stop it or choose another port)"
        }
        Some(libc::EACCES) => " (ports below 1024 need root or CAP_NET_BIND_SERVICE)",
        Some(libc::EADDRNOTAVAIL) => " (that address is not on this machine)",
        _ => "",
    }
}

pub fn specs(plan: &Plan) -> Result<Vec<InputSpec>, InputError> {
    let mut out = Vec::with_capacity(plan.inputs.len());
    for def in &plan.inputs {
        match &def.config.listen {
            Listen::Udp { ports, .. } if def.config.input_name_append_port => {
                for port in ports {
                    let mut s = spec(plan, def, std::slice::from_ref(port))?;
                    s.config.input_name = format!("{}{port}", s.config.input_name);
                    out.push(s);
                }
            }
            Listen::Tcp { ports, .. } | Listen::Udp { ports, .. } => {
                out.push(spec(plan, def, ports)?)
            }
            Listen::UnixStream(_) | Listen::UnixDgram(_) => {
                let mut s = spec(plan, def, &[])?;
                // The system socket follows journald's where systemd runs.
                if let Listen::UnixDgram(f) = &mut s.config.listen {
                    f.path = f.resolved_path();
                }
                out.push(s)
            }
        }
    }
    for (i, s) in out.iter_mut().enumerate() {
        s.index = i;
    }
    Ok(out)
}

/// Resolves every input as a start would (`-N1`).
pub fn check(plan: &Plan) -> Result<(), InputError> {
    specs(plan).map(drop)
}

/// What the runtime needs of one input; only the addresses are looked up
/// here (the config is typed already).
fn spec(plan: &Plan, def: &InputDef, ports: &[u16]) -> Result<InputSpec, InputError> {
    let c = &def.config;
    let at = format!(
        "{}:{}: input(type=\"{}\")",
        plan.sources.name(def.pos.file),
        def.pos.line,
        c.module
    );
    let (kind, address) = match &c.listen {
        Listen::Tcp { address, .. } => (Kind::Tcp, address.as_deref()),
        Listen::Udp { address, .. } => (Kind::Udp, address.as_deref()),
        Listen::UnixStream(_) => (Kind::UnixStream, None),
        Listen::UnixDgram(_) => (Kind::UnixDgram, None),
    };
    let mut addrs = Vec::with_capacity(ports.len());
    for &port in ports {
        let host = address.unwrap_or("0.0.0.0");
        let unresolved = |source| InputError::Resolve {
            at: at.clone(),
            host: host.to_string(),
            source,
        };
        let found = (host, port)
            .to_socket_addrs()
            .map_err(|e| unresolved(Some(e)))?
            .next()
            .ok_or_else(|| unresolved(None))?;
        addrs.push(found);
    }
    // As rsyslog: UDP lists for imudp, TCP lists for plain TCP syslog
    // (imtcp, and imptcp too); RELP has no $AllowedSender.
    let proto = match kind {
        Kind::Udp => Some(crate::acl::Proto::Udp),
        Kind::Tcp if c.relp.is_none() => Some(crate::acl::Proto::Tcp),
        _ => None,
    };
    let allowed = proto
        .and_then(|p| plan.globals.allowed_senders.list(p))
        .map(std::sync::Arc::from);
    let tls = match &c.tls {
        Some(t) => Some(std::sync::Arc::new(
            crate::tls::Endpoint::server(t).map_err(|why| InputError::Tls {
                at: at.clone(),
                why,
            })?,
        )),
        None => None,
    };
    Ok(InputSpec {
        index: 0,
        config: c.clone(),
        kind,
        addrs,
        ruleset: def.ruleset as u32,
        allowed,
        tls,
        parsers: plan
            .rulesets
            .get(def.ruleset)
            .and_then(|r| r.parsers.clone()),
    })
}

/// The listen backlog unless imptcp's `socketBacklog` says otherwise: a
/// central server takes bursts of connections.
pub const BACKLOG_DEFAULT: u32 = 1024;
