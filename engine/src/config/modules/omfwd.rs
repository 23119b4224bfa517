//! omfwd: `module(load="builtin:omfwd")` and `action(type="omfwd")`.
//!
//! In: the action's parameters over the module's `template`. Out: an
//! [`OmfwdConfig`], with TLS when `StreamDriverMode` is 1 with the gtls
//! or ossl driver (see [`super::tls`]); a forward asked to be encrypted
//! is never sent in plaintext. Compression, source addresses, namespaces and
//! output rate limits are refused until carried out.

use super::{tls, why, DRIVERS};
use crate::config::param::{Param, Resolved, Table, Type, NON_NEG, PORT};

const PROTOCOLS: &[&str] = &["udp", "tcp"];
const FRAMINGS: &[&str] = &["traditional", "octet-counted"];
const SOURCE: &str = "choosing the source address is not built yet; messages would leave from the address the kernel picks";

/// `module(load="builtin:omfwd")`.
pub static MODULE: Table = Table {
    object: "module(load=\"builtin:omfwd\")",
    params: &[Param::new(
        "template",
        Type::Template,
        "RSYSLOG_TraditionalForwardFormat",
    )
    .legacy("$ActionForwardDefaultTemplate")
    .sample("RSYSLOG_ForwardFormat")],
};

/// `action(type="omfwd")`, besides `action.*` and `queue.*`.
pub static ACTION: Table = Table {
    object: "action(type=\"omfwd\")",
    params: &[
        Param::new("template", Type::Template, "RSYSLOG_TraditionalForwardFormat")
            .note("the module's")
            .sample("RSYSLOG_ForwardFormat"),
        Param::new("target", Type::Str, "").note("required"),
        Param::new("address", Type::Str, "").refused(SOURCE),
        Param::new("device", Type::Str, "").refused(why::NAMESPACE),
        Param::new("port", PORT, "514"),
        Param::new("protocol", Type::Enum(PROTOCOLS), "udp"),
        Param::new("networkNamespace", Type::Str, "").refused(why::NAMESPACE),
        Param::new("TCP_Framing", Type::Enum(FRAMINGS), "traditional"),
        Param::new("TCP_FrameDelimiter", Type::Int { min: 0, max: 255 }, "10"),
        Param::new("zipLevel", Type::Int { min: 0, max: 10 }, "0")
            .note("rsyslog: 9, with compression off until it is set")
            .refused(why::COMPRESSION),
        Param::new(
            "compression.mode",
            Type::Enum(&["none", "single", "stream:always"]),
            "none",
        )
        .refused(why::COMPRESSION),
        Param::new("compression.stream.flushOnTXEnd", Type::Bool, "on")
            .refused(why::COMPRESSION),
        Param::new("ipFreeBind", Type::Int { min: 0, max: 2 }, "2").warned(
            "corelogd's forwarding sockets bind no address, so IP_FREEBIND has nothing to allow",
        ),
        Param::new("maxErrorMessages", NON_NEG, "")
            .warned("deprecated in rsyslog; it only limits how often a failure is reported"),
        Param::new("rebindInterval", NON_NEG, "0")
            .note("0: never")
            .legacy("$ActionSendTCPRebindInterval"),
        Param::new("keepAlive", Type::Bool, "off").legacy("$ActionSendTCPKeepAlive"),
        Param::new("keepAlive.probes", NON_NEG, "0").legacy("$ActionSendTCPKeepAlive_probes"),
        Param::new("keepAlive.time", NON_NEG, "0").legacy("$ActionSendTCPKeepAlive_time"),
        Param::new("keepAlive.interval", NON_NEG, "0").legacy("$ActionSendTCPKeepAlive_intvl"),
        Param::new("conErrSkip", NON_NEG, "0")
            .warned("it only limits how often a connection error is reported"),
        Param::new("gnutlsPriorityString", Type::Str, "").refused(why::PRIORITY),
        Param::new("StreamDriver", DRIVERS, "")
            .note("global(defaultNetstreamDriver)")
            .legacy("$ActionSendStreamDriver"),
        Param::new("StreamDriverMode", Type::Int { min: 0, max: 1 }, "0")
            .note("0: plain TCP, 1: TLS")
            .legacy("$ActionSendStreamDriverMode"),
        Param::new("StreamDriverAuthMode", Type::Enum(tls::AUTH_MODES), "")
            .note("x509/name")
            .legacy("$ActionSendStreamDriverAuthMode"),
        Param::new("StreamDriverPermittedPeers", Type::Str, "")
            .note("the target, for x509/name")
            .legacy("$ActionSendStreamDriverPermittedPeer"),
        Param::new("streamDriver.permitExpiredCerts", Type::Enum(tls::EXPIRED), "off"),
        Param::new("streamDriver.CheckExtendedKeyPurpose", Type::Bool, "off"),
        Param::new("streamDriver.PrioritizeSAN", Type::Bool, "off"),
        Param::new("streamDriver.TlsVerifyDepth", tls::DEPTH, "").note("rustls's"),
        Param::new("streamDriver.CAFile", Type::Path, "")
            .note("global(defaultNetstreamDriverCAFile)"),
        Param::new("streamDriver.KeyFile", Type::Path, "")
            .note("global(defaultNetstreamDriverKeyFile)"),
        Param::new("streamDriver.CertFile", Type::Path, "")
            .note("global(defaultNetstreamDriverCertFile)"),
        Param::new("ResendLastMSGOnReconnect", Type::Bool, "off")
            .legacy("$ActionSendResendLastMsgOnReconnect")
            .refused("resending the last batch after a reconnect is not built yet; corelogd resends a batch whose write failed, but not one the kernel took before the connection broke"),
        Param::new("udp.sendToAll", Type::Bool, "off").refused(
            "sending to every address of the target is not built yet; only the first would get the messages",
        ),
        Param::new("udp.sendDelay", NON_NEG, "0").refused(
            "pacing datagrams is not built yet; a slow receiver could drop what the delay would have let it take",
        ),
        Param::new(
            "udp.sendBuf",
            Type::Size {
                min: 0,
                max: 1 << 30,
            },
            "0",
        )
        .note("0: the kernel's"),
        Param::new("rateLimit.interval", NON_NEG, "0")
            .refused("an output rate limit is not built yet; the messages it would drop would be sent"),
        Param::new("rateLimit.burst", NON_NEG, "200")
            .refused("an output rate limit is not built yet; the messages it would drop would be sent"),
    ],
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Udp,
    Tcp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Frames end with `TCP_FrameDelimiter`.
    Traditional(u8),
    /// RFC 6587 octet counting.
    OctetCounted,
}

/// omfwd's parameters, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OmfwdConfig {
    pub target: String,
    pub port: u16,
    pub protocol: Protocol,
    pub framing: Framing,
    /// Reconnect (TCP) or take a new socket (UDP) after this many
    /// messages (0: never).
    pub rebind_interval: u64,
    pub keepalive: Option<super::KeepAlive>,
    /// `udp.sendBuf` (`None`: the kernel's).
    pub udp_sendbuf: Option<usize>,
    /// The stream driver's settings as given; completed into `tls` once
    /// `global()` is known.
    pub tls_asked: Option<tls::TlsAsked>,
    /// TLS (`None`: plain TCP).
    pub tls: Option<tls::TlsConfig>,
}

/// Reads an omfwd action.
pub fn resolve(r: &Resolved) -> OmfwdConfig {
    r.consumed("template");
    let protocol = [Protocol::Udp, Protocol::Tcp][r.choice("protocol")];
    let delimiter = r.int("TCP_FrameDelimiter") as u8;
    let framing = match r.choice("TCP_Framing") {
        0 => Framing::Traditional(delimiter),
        _ => Framing::OctetCounted,
    };
    let keepalive = super::KeepAlive {
        probes: r.int("keepAlive.probes") as u32,
        time_s: r.int("keepAlive.time") as u32,
        interval_s: r.int("keepAlive.interval") as u32,
    };
    OmfwdConfig {
        target: r.opt_str("target").unwrap_or_default(),
        port: r.int("port") as u16,
        protocol,
        framing,
        rebind_interval: r.int("rebindInterval") as u64,
        keepalive: r.bool("keepAlive").then_some(keepalive),
        udp_sendbuf: Some(r.int("udp.sendBuf") as usize).filter(|n| *n > 0),
        tls_asked: Some(tls::netstream(r, &tls::OMFWD, tls::Side::Client)),
        tls: None,
    }
}
