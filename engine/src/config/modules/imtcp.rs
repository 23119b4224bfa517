//! imtcp: `module(load="imtcp")` and `input(type="imtcp")`.
//!
//! In: the input's parameters over the module's (rsyslog 8.2302's
//! inheritance) and the legacy `$InputTCP…` directives. Out: an
//! [`InputConfig`] listening on TCP. TLS, permitted peers and what needs
//! them are refused until TLS is built (issue #16).

use super::input::{
    self, InputConfig, Listen, DELIMITER, EVICT_IDLE, FRAME, MAX_SESSIONS_DEFAULT, PER_SOURCE,
};
use super::{why, DRIVERS};
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
            Param::new("streamDriver.mode", NON_NEG, "0")
                .legacy("$InputTCPServerStreamDriverMode")
                .refused(why::TLS),
            Param::new("streamDriver.authMode", Type::Str, "anon")
                .legacy("$InputTCPServerStreamDriverAuthMode")
                .refused(why::PEERS),
            Param::new("streamDriver.permitExpiredCerts", Type::Str, "off").refused(why::TLS),
            Param::new("streamDriver.name", DRIVERS, "ptcp").refused(why::TLS),
            Param::new("streamDriver.CheckExtendedKeyPurpose", Type::Bool, "off")
                .refused(why::PEERS),
            Param::new("streamDriver.PrioritizeSAN", Type::Bool, "off").refused(why::PEERS),
            Param::new("streamDriver.TlsVerifyDepth", POSITIVE, "").refused(why::PEERS),
            Param::new("permittedPeer", Type::Array, "")
                .legacy("$InputTCPServerStreamDriverPermittedPeer")
                .refused(why::PEERS),
            Param::new("keepAlive", Type::Bool, "off").legacy("$InputTCPServerKeepAlive"),
            Param::new("keepAlive.probes", NON_NEG, "0").legacy("$InputTCPServerKeepAlive_probes"),
            Param::new("keepAlive.time", NON_NEG, "0").legacy("$InputTCPServerKeepAlive_time"),
            Param::new("keepAlive.interval", NON_NEG, "0")
                .legacy("$InputTCPServerKeepAlive_intvl"),
            Param::new("gnutlsPriorityString", Type::Str, "").refused(why::TLS),
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
        Param::new("defaultTZ", Type::Str, "").refused(why::TIMEZONE),
        Param::new("ruleset", Type::Ruleset, "")
            .note("the default ruleset")
            .legacy("$InputTCPServerBindRuleset"),
        Param::new("streamDriver.cafile", Type::Path, "").refused(why::TLS),
        Param::new("streamDriver.keyfile", Type::Path, "").refused(why::TLS),
        Param::new("streamDriver.certfile", Type::Path, "").refused(why::TLS),
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
    c
}
