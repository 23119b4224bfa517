//! imptcp: `module(load="imptcp")` and `input(type="imptcp")`, on a TCP
//! port or a unix stream socket (`path=`).
//!
//! In: the input's parameters over the module's `maxSessions`. Out: an
//! [`InputConfig`]. The socket file's owner and group are refused until
//! they are carried out (a socket other users could write to would be
//! the result).

use super::input::{
    self, InputConfig, Listen, SocketFile, DELIMITER, EVICT_IDLE, FRAME, MAX_SESSIONS_DEFAULT,
    PER_SOURCE,
};
use super::why;
use crate::config::param::{Param, Resolved, Table, Type, INT, NON_NEG};

const SOCKET_OWNER: &str = "setting a unix socket's owner or group is not built yet; the socket would keep corelogd's owner and group, and other users' access to it would differ from what was asked";

/// `module(load="imptcp")`.
pub static MODULE: Table = Table {
    object: "module(load=\"imptcp\")",
    params: &[
        Param::new(
            "threads",
            Type::Int {
                min: 1,
                max: i32::MAX as i64,
            },
            "2",
        )
        .legacy("$InputPTCPServerHelperThreads")
        .warned(why::THREADS),
        Param::new("maxSessions", INT, MAX_SESSIONS_DEFAULT)
            .note("rsyslog: 0; corelog: 10000; 0: unlimited")
            .sample("100"),
        PER_SOURCE,
        EVICT_IDLE,
        Param::new("processOnPoller", Type::Bool, "on").warned(why::THREADS),
    ],
};

/// `input(type="imptcp")`.
pub static INPUT: Table = Table {
    object: "input(type=\"imptcp\")",
    params: &[
        Param::new("type", Type::Str, ""),
        Param::new("port", Type::Ports, "")
            .note("port or path is required")
            .legacy("$InputPTCPServerRun"),
        Param::new("address", Type::Str, "")
            .note("every address")
            .legacy("$InputPTCPServerListenIP"),
        Param::new("path", Type::Path, "").sample("/tmp/corelog-sample.sock"),
        Param::new("unlink", Type::Bool, "off"),
        Param::new("discardTruncatedMsg", Type::Bool, "off"),
        Param::new("fileOwner", Type::Str, "").refused(SOCKET_OWNER),
        Param::new("fileOwnerNum", INT, "").refused(SOCKET_OWNER),
        Param::new("fileGroup", Type::Str, "").refused(SOCKET_OWNER),
        Param::new("fileGroupNum", INT, "").refused(SOCKET_OWNER),
        Param::new("fileCreateMode", Type::Mode, "0644"),
        Param::new("failOnChOwnFailure", Type::Bool, "on").refused(SOCKET_OWNER),
        Param::new("flowControl", Type::Bool, "on").warned(why::FLOW),
        Param::new("name", Type::Str, "imptcp").legacy("$InputPTCPServerInputName"),
        Param::new("maxFrameSize", FRAME, "200000"),
        Param::new("framing.delimiter.regex", Type::Str, "").refused(why::FRAMING),
        Param::new("ruleset", Type::Ruleset, "")
            .note("the default ruleset")
            .legacy("$InputPTCPServerBindRuleset"),
        Param::new("defaultTZ", Type::Offset, "")
            .note("the offset RFC 3164 times without one are read in (+hh:mm)"),
        Param::new("supportOctetCountedFraming", Type::Bool, "on")
            .legacy("$InputPTCPServerSupportOctetCountedFraming"),
        Param::new("framingfix.cisco.asa", Type::Bool, "off").refused(why::FRAMING),
        Param::new("maxSessions", INT, MAX_SESSIONS_DEFAULT)
            .note("the module's; 0: unlimited")
            .sample("100"),
        PER_SOURCE,
        EVICT_IDLE,
        Param::new("notifyOnConnectionClose", Type::Bool, "off")
            .legacy("$InputPTCPServerNotifyOnConnectionClose")
            .refused(why::INTERNAL),
        Param::new("notifyOnConnectionOpen", Type::Bool, "off").refused(why::INTERNAL),
        Param::new(
            "compression.mode",
            Type::Enum(&["none", "stream:always"]),
            "none",
        )
        .refused(why::COMPRESSION),
        Param::new("keepAlive", Type::Bool, "off").legacy("$InputPTCPServerKeepAlive"),
        Param::new("keepAlive.probes", NON_NEG, "0").legacy("$InputPTCPServerKeepAlive_probes"),
        Param::new("keepAlive.time", NON_NEG, "0").legacy("$InputPTCPServerKeepAlive_time"),
        Param::new("keepAlive.interval", NON_NEG, "0").legacy("$InputPTCPServerKeepAlive_intvl"),
        Param::new("addtlFrameDelimiter", DELIMITER, "-1")
            .note("none")
            .legacy("$InputPTCPServerAddtlFrameDelimiter"),
        Param::new("rateLimit.interval", NON_NEG, "0"),
        Param::new("rateLimit.burst", NON_NEG, "10000"),
        Param::new("multiLine", Type::Bool, "off").refused(why::FRAMING),
        Param::new("listenPortFileName", Type::Path, "").refused(why::PORT_FILE),
        Param::new(
            "socketBacklog",
            Type::Int {
                min: 0,
                max: i32::MAX as i64,
            },
            "5",
        )
        .note("rsyslog: 5; corelog: 1024 unless given"),
    ],
};

/// Reads an imptcp input.
pub fn resolve(r: &Resolved, max_message: usize) -> InputConfig {
    r.consumed("type");
    r.consumed("ruleset");
    let listen = match r.opt_str("path") {
        Some(path) => Listen::UnixStream({
            // The builder refuses port= or address= beside path=.
            r.consumed("port");
            r.consumed("address");
            SocketFile {
                path: path.into(),
                mode: r.int("fileCreateMode") as u32,
                unlink: r.bool("unlink"),
                create_path: false,
                systemd_default: false,
            }
        }),
        None => {
            r.consumed("fileCreateMode");
            r.consumed("unlink");
            Listen::Tcp {
                address: input::address(r),
                ports: input::ports(r),
            }
        }
    };
    let mut c = InputConfig::new("imptcp", listen, max_message);
    c.input_name = r.opt_str("name").unwrap_or_default();
    c.framing = input::framing(r, max_message);
    c.sessions = input::sessions(r);
    c.keepalive = input::keepalive(r);
    let backlog = r.int("socketBacklog") as u32;
    c.backlog = r.given("socketBacklog").then_some(backlog);
    input::rate_limit(r, "", &mut c);
    c.default_tz = input::default_tz(r);
    c
}
