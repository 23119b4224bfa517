//! imuxsock: the system log socket (`module(load="imuxsock")`'s
//! `sysSock.*`) and further sockets (`input(type="imuxsock")`).
//!
//! In: the module's parameters (the system socket is an input without
//! `input()`, unless `sysSock.use="off"`) or an input's. Out: an
//! [`InputConfig`] on a unix datagram socket. Trusted properties
//! (`annotate`, `parseTrusted`), the sender's own pid and per-severity
//! rate limits are refused until they are carried out.

use super::input::{self, InputConfig, Listen, SocketFile};
use crate::config::param::{Param, Resolved, Table, Type, NON_NEG};

const TRUSTED: &str = "trusted properties from the sender's credentials are not built yet; the messages would lack them";
const OWN_PID: &str = "taking the sender's pid from its credentials is not built yet; the pid the message states would be kept";
const SEVERITY_LIMIT: &str =
    "a rate limit by severity is not built yet; the limit would apply to every severity";
const FLOW: &str = "delaying local senders while the queue is full is not built for unix sockets yet; a full queue drops their datagrams (counted)";
const OWN_MSGS: &str = "corelogd does not drop its own messages when they come back through the socket (processInternalMessages=\"off\" sends them to /dev/log): they are logged once, which is what sending them there asks for";
const TIMESTAMP: &str = "corelogd stamps each message with the time it read it, which is the kernel's reception time to within the read";

/// `module(load="imuxsock")`: the system socket.
pub static MODULE: Table = Table {
    object: "module(load=\"imuxsock\")",
    params: &[
        Param::new("sysSock.use", Type::Bool, "on").legacy("$OmitLocalLogging"),
        Param::new("sysSock.name", Type::Path, "/dev/log").legacy("$SystemLogSocketName"),
        Param::new("sysSock.unlink", Type::Bool, "on"),
        Param::new("sysSock.ignoreTimestamp", Type::Bool, "on")
            .legacy("$SystemLogSocketIgnoreMsgTimestamp"),
        Param::new("sysSock.ignoreOwnMessages", Type::Bool, "on").warned(OWN_MSGS),
        Param::new("sysSock.flowControl", Type::Bool, "off")
            .legacy("$SystemLogSocketFlowControl")
            .refused(FLOW),
        Param::new("sysSock.useSysTimeStamp", Type::Bool, "on")
            .legacy("$SystemLogUseSysTimeStamp")
            .warned(TIMESTAMP),
        Param::new("sysSock.annotate", Type::Bool, "off")
            .legacy("$SystemLogSocketAnnotate")
            .refused(TRUSTED),
        Param::new("sysSock.parseTrusted", Type::Bool, "off")
            .legacy("$SystemLogParseTrusted")
            .refused(TRUSTED),
        Param::new("sysSock.useSpecialParser", Type::Bool, "on"),
        Param::new("sysSock.parseHostname", Type::Bool, "off")
            .note("only with sysSock.useSpecialParser=\"off\", as rsyslog"),
        Param::new("sysSock.usePIDFromSystem", Type::Bool, "off")
            .legacy("$SystemLogUsePIDFromSystem")
            .refused(OWN_PID),
        Param::new("sysSock.rateLimit.interval", NON_NEG, "0")
            .legacy("$SystemLogRateLimitInterval"),
        Param::new("sysSock.rateLimit.burst", NON_NEG, "200").legacy("$SystemLogRateLimitBurst"),
        Param::new("sysSock.rateLimit.severity", NON_NEG, "1")
            .legacy("$SystemLogRateLimitSeverity")
            .refused(SEVERITY_LIMIT),
    ],
};

/// `input(type="imuxsock")`.
pub static INPUT: Table = Table {
    object: "input(type=\"imuxsock\")",
    params: &[
        Param::new("type", Type::Str, ""),
        Param::new("socket", Type::Path, "")
            .note("required")
            .legacy("$AddUnixListenSocket"),
        Param::new("unlink", Type::Bool, "on"),
        Param::new("createPath", Type::Bool, "off").legacy("$InputUnixListenSocketCreatePath"),
        Param::new("parseTrusted", Type::Bool, "off").refused(TRUSTED),
        Param::new("ignoreOwnMessages", Type::Bool, "on").warned(OWN_MSGS),
        Param::new("hostName", Type::Str, "")
            .note("the local host name")
            .legacy("$InputUnixListenSocketHostName")
            .refused("a per-socket host name is not built yet; the messages would carry the local host name"),
        Param::new("ignoreTimestamp", Type::Bool, "on")
            .legacy("$InputUnixListenSocketIgnoreMsgTimestamp"),
        Param::new("flowControl", Type::Bool, "off")
            .legacy("$InputUnixListenSocketFlowControl")
            .refused(FLOW),
        Param::new("useSysTimeStamp", Type::Bool, "on")
            .legacy("$InputUnixListenSocketUseSysTimeStamp")
            .warned(TIMESTAMP),
        Param::new("annotate", Type::Bool, "off")
            .legacy("$InputUnixListenSocketAnnotate")
            .refused(TRUSTED),
        Param::new("useSpecialParser", Type::Bool, "on"),
        Param::new("parseHostname", Type::Bool, "off")
            .note("only with useSpecialParser=\"off\", as rsyslog"),
        Param::new("usePIDFromSystem", Type::Bool, "off")
            .legacy("$InputUnixListenSocketUsePIDFromSystem")
            .refused(OWN_PID),
        Param::new("ruleset", Type::Ruleset, "").note("the default ruleset"),
        Param::new("rateLimit.interval", NON_NEG, "0").legacy("$IMUXSockRateLimitInterval"),
        Param::new("rateLimit.burst", NON_NEG, "200").legacy("$IMUXSockRateLimitBurst"),
        Param::new("rateLimit.severity", NON_NEG, "1")
            .legacy("$IMUXSockRateLimitSeverity")
            .refused(SEVERITY_LIMIT),
    ],
};

/// Unix sockets are writable by every local user, as `/dev/log` is.
const SOCKET_MODE: u32 = 0o666;

/// The system socket, from the module's parameters; `None` with
/// `sysSock.use="off"`.
pub fn system_socket(r: &Resolved, max_message: usize) -> Option<InputConfig> {
    let socket = SocketFile {
        path: r.opt_str("sysSock.name").unwrap_or_default().into(),
        mode: SOCKET_MODE,
        unlink: r.bool("sysSock.unlink"),
        create_path: false,
        systemd_default: !r.given("sysSock.name"),
    };
    let mut c = InputConfig::new("imuxsock", Listen::UnixDgram(socket), max_message);
    c.parse_hostname = parse_hostname(r, "sysSock.");
    c.ignore_timestamp = r.bool("sysSock.ignoreTimestamp");
    input::rate_limit(r, "sysSock.", &mut c);
    r.bool("sysSock.use").then_some(c)
}

/// Reads an imuxsock input.
pub fn resolve(r: &Resolved, max_message: usize) -> InputConfig {
    r.consumed("type");
    r.consumed("ruleset");
    let socket = SocketFile {
        path: r.opt_str("socket").unwrap_or_default().into(),
        mode: SOCKET_MODE,
        unlink: r.bool("unlink"),
        create_path: r.bool("createPath"),
        systemd_default: false,
    };
    let mut c = InputConfig::new("imuxsock", Listen::UnixDgram(socket), max_message);
    c.parse_hostname = parse_hostname(r, "");
    c.ignore_timestamp = r.bool("ignoreTimestamp");
    input::rate_limit(r, "", &mut c);
    c
}

/// Whether messages carry a HOSTNAME: rsyslog's socket parser
/// (`useSpecialParser`, the default) reads none, whatever
/// `parseHostname` says; the general parsers (`useSpecialParser="off"`)
/// read one when `parseHostname` is on.
fn parse_hostname(r: &Resolved, prefix: &str) -> bool {
    let (special, host) = (
        format!("{prefix}useSpecialParser"),
        format!("{prefix}parseHostname"),
    );
    let (special_on, host_on) = (r.bool(&special), r.bool(&host));
    if special_on && host_on {
        r.warn(&host, format!("{host}=\"on\" has no effect in corelog, as in rsyslog, beside {special}=\"on\" (the default): the socket's own parser reads no host name; add {special}=\"off\" to read one"));
    }
    !special_on && host_on
}
