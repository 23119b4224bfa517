//! omrelp: `module(load="omrelp")` and `action(type="omrelp")`.
//!
//! In: the action's parameters. Out: an [`OmrelpConfig`], over TLS with
//! `tls="on"` (see [`super::tls`]).

use std::time::Duration;

use super::{tls, why};
use crate::config::param::{Param, Resolved, Table, Type, NON_NEG, PORT};

/// The largest window corelog keeps (frames awaiting their `rsp`).
const WINDOW_MAX: i64 = 1 << 20;

/// `module(load="omrelp")`.
pub static MODULE: Table = Table {
    object: "module(load=\"omrelp\")",
    params: &[
        Param::new("tls.tlsLib", Type::Enum(&["gnutls", "openssl"]), "")
            .note("gnutls")
            .warned(tls::TLS_LIB),
    ],
};

/// `action(type="omrelp")`, besides `action.*` and `queue.*`.
pub static ACTION: Table = Table {
    object: "action(type=\"omrelp\")",
    params: &[
        Param::new("target", Type::Str, "").note("required"),
        Param::new("tls", Type::Bool, "off"),
        Param::new("tls.permittedPeer", Type::Array, ""),
        Param::new("tls.authMode", Type::Enum(tls::RELP_AUTH_MODES), "")
            .note("fingerprint with tls.myCert, else none"),
        Param::new("tls.priorityString", Type::Str, "").refused(why::PRIORITY),
        Param::new("tls.caCert", Type::Path, ""),
        Param::new("tls.myCert", Type::Path, ""),
        Param::new("tls.myPrivKey", Type::Path, ""),
        Param::new("tls.tlsCfgCmd", Type::Str, "").refused(why::PRIORITY),
        Param::new("tls.compression", Type::Bool, "off").refused(tls::COMPRESSION),
        Param::new("port", PORT, "514"),
        Param::new("rebindInterval", NON_NEG, "0").note("0: never"),
        Param::new("windowSize", Type::Int { min: 0, max: WINDOW_MAX }, "0")
            .note("0: librelp's 128"),
        Param::new("timeout", NON_NEG, "90"),
        Param::new("conn.timeout", NON_NEG, "10"),
        Param::new("localClientIp", Type::Str, "").refused(
            "choosing the source address is not built yet; the session would open from the address the kernel picks",
        ),
        Param::new("template", Type::Template, "RSYSLOG_ForwardFormat")
            .sample("RSYSLOG_TraditionalForwardFormat"),
    ],
};

/// omrelp's `windowSize` default (librelp's).
pub const WINDOW_DEFAULT: usize = 128;

/// omrelp's parameters, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OmrelpConfig {
    pub target: String,
    pub port: u16,
    /// Frames awaiting their `rsp` at most (`windowSize`; 0 means 128).
    pub window: usize,
    /// `timeout`: for the `open` reply, and for a full window to move.
    pub timeout: Duration,
    /// `conn.timeout`: for the TCP connect.
    pub conn_timeout: Duration,
    /// Messages per session before a graceful reconnect (0: never).
    pub rebind_interval: u64,
    /// `tls.*` as given, when `tls="on"` (completed into `tls`).
    pub tls_asked: Option<tls::TlsAsked>,
    /// TLS (`None`: plain TCP).
    pub tls: Option<tls::TlsConfig>,
}

/// Reads an omrelp action.
pub fn resolve(r: &Resolved) -> OmrelpConfig {
    r.consumed("template");
    let secs = |name: &str| Duration::from_secs(r.int(name).max(1) as u64);
    OmrelpConfig {
        target: r.opt_str("target").unwrap_or_default(),
        port: r.int("port") as u16,
        window: match r.int("windowSize") {
            0 => WINDOW_DEFAULT,
            n => n as usize,
        },
        timeout: secs("timeout"),
        conn_timeout: secs("conn.timeout"),
        rebind_interval: r.int("rebindInterval") as u64,
        tls_asked: Some(tls::relp(r, tls::Side::Client)),
        tls: None,
    }
}
