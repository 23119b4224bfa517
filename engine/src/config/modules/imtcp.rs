//! imtcp: `module(load="imtcp")` and `input(type="imtcp")`.
//!
//! In: the input's parameters over the module's (rsyslog 8.2302's
//! inheritance) and the legacy `$InputTCP…` directives. Out: an
//! [`InputConfig`] listening on TCP, with TLS when `streamDriver.mode` is
//! 1 with the gtls or ossl driver (see [`super::tls`]).

use super::input::{
    self, InputConfig, Listen, DELIMITER, EVICT_IDLE, FRAME, MAX_SESSIONS_DEFAULT, PER_SOURCE,
};
use super::{tls, why, DRIVERS};
use crate::config::param::{Param, Resolved, Table, Type, NON_NEG, POSITIVE};
use crate::frame::FRAME_BYTES_MAX_DEFAULT;

const _: () = assert!(FRAME_BYTES_MAX_DEFAULT == 200_000);

/// The parameters `module()` and `input()` share (the input's value wins),
/// followed by the object's own.
macro_rules! with_shared {
    ($($own:expr),* $(,)?) => {
        &[
            Param::new("flowControl", Type::Bool, "on")
                .legacy("$InputTCPFlowControl")
                .warned(why::FLOW),
            Param::new("disableLFDelimiter", Type::Bool, "off")
                .legacy("$InputTCPServerDisableLFDelimiter")
                .refused(why::FRAMING),
            Param::new("discardTruncatedMsg", Type::Bool, "off"),
            Param::new("notifyOnConnectionClose", Type::Bool, "off")
                .legacy("$InputTCPServerNotifyOnConnectionClose")
                .refused(why::INTERNAL),
            Param::new("notifyOnConnectionOpen", Type::Bool, "off").refused(why::INTERNAL),
            Param::new("addtlFrameDelimiter", DELIMITER, "-1")
                .note("none")
                .legacy("$InputTCPServerAddtlFrameDelimiter"),
            Param::new("maxFrameSize", FRAME, "200000"),
            Param::new("maxSessions", POSITIVE, MAX_SESSIONS_DEFAULT)
                .note("rsyslog: 200; corelog: 10000")
                .legacy("$InputTCPMaxSessions"),
            PER_SOURCE,
            EVICT_IDLE,
            Param::new("maxListeners", POSITIVE, "20")
                .legacy("$InputTCPMaxListeners")
                .warned(why::LISTENERS),
            Param::new("streamDriver.mode", Type::Int { min: 0, max: 1 }, "0")
                .note("0: plain TCP, 1: TLS")
                .legacy("$InputTCPServerStreamDriverMode"),
            Param::new("streamDriver.authMode", Type::Enum(tls::AUTH_MODES), "")
                .note("x509/name")
                .legacy("$InputTCPServerStreamDriverAuthMode"),
            Param::new("streamDriver.permitExpiredCerts", Type::Enum(tls::EXPIRED), "off"),
            Param::new("streamDriver.name", DRIVERS, "")
                .note("global(defaultNetstreamDriver)"),
            Param::new("streamDriver.CheckExtendedKeyPurpose", Type::Bool, "off"),
            Param::new("streamDriver.PrioritizeSAN", Type::Bool, "off"),
            Param::new("streamDriver.TlsVerifyDepth", tls::DEPTH, "")
                .note("rustls's"),
            Param::new("permittedPeer", Type::Array, "")
                .legacy("$InputTCPServerStreamDriverPermittedPeer"),
            Param::new("keepAlive", Type::Bool, "off").legacy("$InputTCPServerKeepAlive"),
            Param::new("keepAlive.probes", NON_NEG, "0").legacy("$InputTCPServerKeepAlive_probes"),
            Param::new("keepAlive.time", NON_NEG, "0").legacy("$InputTCPServerKeepAlive_time"),
            Param::new("keepAlive.interval", NON_NEG, "0")
                .legacy("$InputTCPServerKeepAlive_intvl"),
            Param::new("gnutlsPriorityString", Type::Str, "").refused(why::PRIORITY),
            Param::new("preserveCase", Type::Bool, "on")
                .legacy("$InputTCPServerPreserveCase")
                .warned(why::CASE),
            $($own),*
        ]
    };
}

/// `module(load="imtcp")`: defaults for every imtcp input.
pub static MODULE: Table = Table {
    object: "module(load=\"imtcp\")",
    params: with_shared![Param::new("octetCountedFraming", Type::Bool, "on")
        .legacy("$InputTCPServerSupportOctetCountedFraming")],
};

/// `module()` names that set an input parameter of another name.
pub const MODULE_RENAMES: &[(&str, &str)] =
    &[("octetCountedFraming", "supportOctetCountedFraming")];

/// `input(type="imtcp")`.
pub static INPUT: Table = Table {
    object: "input(type=\"imtcp\")",
    params: with_shared![
        Param::new("type", Type::Str, ""),
        Param::new("port", Type::Ports, "")
            .note("required")
            .legacy("$InputTCPServerRun"),
        Param::new("listenPortFileName", Type::Path, "")
            .legacy("$InputTCPServerListenPortFile")
            .refused(why::PORT_FILE),
        Param::new("address", Type::Str, "").note("every address"),
        Param::new("name", Type::Str, "imtcp").legacy("$InputTCPServerInputName"),
        Param::new("defaultTZ", Type::Offset, "")
            .note("the offset RFC 3164 times without one are read in (+hh:mm)"),
        Param::new("ruleset", Type::Ruleset, "")
            .note("the default ruleset")
            .legacy("$InputTCPServerBindRuleset"),
        Param::new("streamDriver.CAFile", Type::Path, "")
            .note("global(defaultNetstreamDriverCAFile)"),
        Param::new("streamDriver.KeyFile", Type::Path, "")
            .note("global(defaultNetstreamDriverKeyFile)"),
        Param::new("streamDriver.CertFile", Type::Path, "")
            .note("global(defaultNetstreamDriverCertFile)"),
        Param::new("supportOctetCountedFraming", Type::Bool, "on")
            .legacy("$InputTCPServerSupportOctetCountedFraming"),
        Param::new("rateLimit.interval", NON_NEG, "0"),
        Param::new("rateLimit.burst", NON_NEG, "10000"),
        Param::new("framingfix.cisco.asa", Type::Bool, "off").refused(why::FRAMING),
    ],
};

/// Reads an imtcp input.
pub fn resolve(r: &Resolved, max_message: usize) -> InputConfig {
    let listen = Listen::Tcp {
        address: input::address(r),
        ports: input::ports(r),
    };
    let mut c = InputConfig::new("imtcp", listen, max_message);
    r.consumed("type");
    r.consumed("ruleset");
    c.input_name = r.opt_str("name").unwrap_or_default();
    c.framing = input::framing(r, max_message);
    c.sessions = input::sessions(r);
    c.keepalive = input::keepalive(r);
    input::rate_limit(r, "", &mut c);
    c.default_tz = input::default_tz(r);
    c.tls_asked = Some(tls::netstream(r, &tls::IMTCP, tls::Side::Server));
    c
}
