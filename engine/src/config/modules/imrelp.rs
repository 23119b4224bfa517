//! imrelp: `module(load="imrelp")` and `input(type="imrelp")`.
//!
//! In: the input's parameters over the module's `ruleset`. Out: an
//! [`InputConfig`] whose sessions speak RELP, over TLS with `tls="on"`
//! (see [`super::tls`]): a session asked to be encrypted is never opened
//! in plaintext.

use super::input::{self, InputConfig, Listen, EVICT_IDLE, MAX_SESSIONS_DEFAULT, PER_SOURCE};
use super::{tls, why};
use crate::config::param::{Param, Resolved, Table, Type, NON_NEG};
use crate::relp::frame::Oversize;
use crate::relp::RelpOptions;

/// Well under what one disk-queue record takes (256 MiB).
const MAX_DATA_MAX: i64 = 128 << 20;
const OVERSIZE: &[&str] = &["truncate", "abort", "accept"];
const OVERSIZE_MODES: [Oversize; 3] = [Oversize::Truncate, Oversize::Abort, Oversize::Accept];
const _: () = assert!(OVERSIZE.len() == OVERSIZE_MODES.len());

/// `module(load="imrelp")`.
pub static MODULE: Table = Table {
    object: "module(load=\"imrelp\")",
    params: &[
        Param::new("ruleset", Type::Ruleset, "")
            .note("the default ruleset")
            .legacy("$InputRELPServerBindRuleset"),
        Param::new("tls.tlsLib", Type::Enum(&["gnutls", "openssl"]), "")
            .note("gnutls")
            .warned(tls::TLS_LIB),
    ],
};

/// `input(type="imrelp")`.
pub static INPUT: Table = Table {
    object: "input(type=\"imrelp\")",
    params: &[
        Param::new("type", Type::Str, ""),
        Param::new("port", Type::Ports, "")
            .note("required")
            .legacy("$InputRELPServerRun"),
        Param::new("address", Type::Str, "").note("every address"),
        Param::new("name", Type::Str, "imrelp"),
        Param::new("ruleset", Type::Ruleset, "")
            .note("the module's, else the default ruleset")
            .legacy("$InputRELPServerBindRuleset"),
        Param::new("keepAlive", Type::Bool, "off"),
        Param::new("keepAlive.probes", NON_NEG, "0"),
        Param::new("keepAlive.time", NON_NEG, "0"),
        Param::new("keepAlive.interval", NON_NEG, "0"),
        Param::new(
            "maxDataSize",
            Type::Size {
                min: 1,
                max: MAX_DATA_MAX,
            },
            "",
        )
        .note("maxMessageSize, and never below it; at most 128m")
        .sample("1m"),
        Param::new("oversizeMode", Type::Enum(OVERSIZE), "truncate"),
        Param::new(
            "flowControl",
            Type::Enum(&["none", "light", "full"]),
            "light",
        )
        .warned("corelogd withholds acknowledgements while its queue is full, whatever the flow control type; nothing is lost either way"),
        Param::new("tls", Type::Bool, "off"),
        Param::new("tls.permittedPeer", Type::Array, ""),
        Param::new("tls.authMode", Type::Enum(tls::RELP_AUTH_MODES), "")
            .note("fingerprint with tls.myCert, else none"),
        Param::new("tls.dhbits", NON_NEG, "0").warned(tls::DHBITS),
        Param::new("tls.priorityString", Type::Str, "").refused(why::PRIORITY),
        Param::new("tls.caCert", Type::Path, ""),
        Param::new("tls.myCert", Type::Path, ""),
        Param::new("tls.myPrivKey", Type::Path, ""),
        Param::new("tls.tlsCfgCmd", Type::Str, "").refused(why::PRIORITY),
        Param::new("tls.compression", Type::Bool, "off").refused(tls::COMPRESSION),
        Param::new("maxSessions", NON_NEG, MAX_SESSIONS_DEFAULT)
            .note("corelog's own: sessions over all cores; 0: unlimited"),
        PER_SOURCE,
        EVICT_IDLE,
        Param::new("idleTimeout", NON_NEG, "0")
            .note("corelog's own: close a session silent this many seconds; 0: never"),
    ],
};

/// Reads an imrelp input.
pub fn resolve(r: &Resolved, max_message: usize) -> InputConfig {
    r.consumed("type");
    r.consumed("ruleset");
    let listen = Listen::Tcp {
        address: input::address(r),
        ports: input::ports(r),
    };
    let mut c = InputConfig::new("imrelp", listen, max_message);
    c.input_name = r.opt_str("name").unwrap_or_default();
    c.keepalive = input::keepalive(r);
    c.sessions = input::sessions(r);
    c.rate_burst = 10_000;
    let max_data = match r.opt_int("maxDataSize") {
        Some(n) if (n as usize) < max_message => {
            let msg = format!("maxDataSize {n} is below maxMessageSize {max_message}; {max_message} is used, as in rsyslog");
            r.warn("maxDataSize", msg);
            max_message
        }
        Some(n) => n as usize,
        None => max_message,
    };
    c.relp = Some(RelpOptions {
        max_data,
        oversize: OVERSIZE_MODES[r.choice("oversizeMode")],
        idle: input::idle(r.int("idleTimeout")),
    });
    c.tls_asked = Some(tls::relp(r, tls::Side::Server));
    c
}
