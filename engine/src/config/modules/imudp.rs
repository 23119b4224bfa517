//! imudp: `module(load="imudp")` and `input(type="imudp")`.
//!
//! In: the input's parameters and the legacy `$UDPServer…` directives.
//! Out: an [`InputConfig`] listening on UDP. rsyslog's receiver-thread
//! tuning is accepted with a warning: corelogd reads datagrams on every
//! core.

use super::input::{self, InputConfig, Listen};
use super::why;
use crate::config::param::{Param, Resolved, Table, Type, INT, NON_NEG};

/// `module(load="imudp")`.
pub static MODULE: Table = Table {
    object: "module(load=\"imudp\")",
    params: &[
        Param::new("schedulingPolicy", Type::Enum(&["fifo", "rr", "other"]), "")
            .legacy("$IMUDPSchedulingPolicy")
            .warned(why::THREADS),
        Param::new("schedulingPriority", INT, "")
            .legacy("$IMUDPSchedulingPriority")
            .warned(why::THREADS),
        Param::new("batchSize", INT, "32").warned(why::BATCH),
        Param::new(
            "threads",
            Type::Int {
                min: 1,
                max: i32::MAX as i64,
            },
            "1",
        )
        .warned(why::THREADS),
        Param::new("timeRequery", INT, "2")
            .legacy("$UDPServerTimeRequery")
            .warned("corelogd takes the time once per batch of datagrams, which is what timeRequery tunes; the messages are the same"),
        Param::new("preserveCase", Type::Bool, "off").warned(why::CASE),
    ],
};

/// `input(type="imudp")`.
pub static INPUT: Table = Table {
    object: "input(type=\"imudp\")",
    params: &[
        Param::new("type", Type::Str, ""),
        Param::new("port", Type::Ports, "514").legacy("$UDPServerRun"),
        Param::new("defaultTZ", Type::Offset, "")
            .note("the offset RFC 3164 times without one are read in (+hh:mm)"),
        Param::new("inputName", Type::Str, "")
            .note("deprecated spelling of name")
            .sample("udp-sample"),
        Param::new("inputName.appendPort", Type::Bool, "off")
            .note("deprecated spelling of name.appendPort"),
        Param::new("name", Type::Str, "imudp"),
        Param::new("name.appendPort", Type::Bool, "off"),
        Param::new("address", Type::Str, "")
            .note("every address")
            .legacy("$UDPServerAddress"),
        Param::new("device", Type::Str, "").refused(why::NAMESPACE),
        Param::new("rateLimit.interval", NON_NEG, "0"),
        Param::new("rateLimit.burst", NON_NEG, "10000"),
        Param::new(
            "rcvBufSize",
            Type::Size {
                min: 0,
                max: 1 << 30,
            },
            "0",
        )
        .note("0: the kernel's"),
        Param::new("ipFreeBind", Type::Int { min: 0, max: 2 }, "2").warned(
            "corelogd binds without IP_FREEBIND: an address that is not up is an error at start, never a silent loss",
        ),
        Param::new("ruleset", Type::Ruleset, "")
            .note("the default ruleset")
            .legacy("$InputUDPServerBindRuleset"),
    ],
};

/// Reads an imudp input.
pub fn resolve(r: &Resolved, max_message: usize) -> InputConfig {
    r.consumed("type");
    r.consumed("ruleset");
    let listen = Listen::Udp {
        address: input::address(r),
        ports: input::ports(r),
    };
    let mut c = InputConfig::new("imudp", listen, max_message);
    // inputName is name's old spelling; rsyslog takes either.
    let name = r.opt_str("name").unwrap_or_default();
    let name = r.opt_str("inputName").unwrap_or(name);
    let (append, old_append) = (r.bool("name.appendPort"), r.bool("inputName.appendPort"));
    let append = append || old_append;
    c.input_name = name;
    c.input_name_append_port = append;
    input::rate_limit(r, "", &mut c);
    c.default_tz = input::default_tz(r);
    c.rcvbuf = Some(r.int("rcvBufSize") as usize).filter(|n| *n > 0);
    c
}
