//! immark: a mark message every `interval` seconds, as rsyslog 8.2302's
//! immark makes it.
//!
//! In: `module(load="immark" …)`'s parameters and the legacy
//! `$MarkMessagePeriod`. Out: a [`MarkConfig`], which
//! [`crate::runtime::mark`] carries out.

use std::time::Duration;

use crate::config::param::{Param, Resolved, Table, Type, Unit};

/// rsyslog's default text.
pub const DEFAULT_TEXT: &str = "-- MARK --";

/// `module(load="immark")`.
pub static MODULE: Table = Table {
    object: "module(load=\"immark\")",
    params: &[
        Param::new(
            "interval",
            Type::Duration {
                unit: Unit::Seconds,
                min: 1,
                max: 86_400 * 365,
            },
            "1200",
        )
        .legacy("$MarkMessagePeriod")
        .note("0 is an error, as in rsyslog (which then does not run immark)"),
        Param::new("markMessageText", Type::Str, DEFAULT_TEXT),
        Param::new("use.markFlag", Type::Bool, "on").note(
            "on: the message is a mark, which actions with action.writeAllMarkMessages=\"off\" skip when they wrote within half the interval",
        ),
        Param::new("use.syslogCall", Type::Bool, "on").note(
            "on: logged as corelogd's own messages are (processInternalMessages decides where); off, or a ruleset given: straight into the rules",
        ),
        Param::new("ruleset", Type::Ruleset, "").note("unset: the default ruleset"),
    ],
};

/// What immark is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkConfig {
    pub interval: Duration,
    pub text: String,
    pub mark_flag: bool,
    /// Logged as corelogd's own messages rather than into a ruleset.
    pub syslog_call: bool,
    /// The ruleset (an index into the plan's), set by the builder.
    pub ruleset: Option<usize>,
}

/// The module's parameters, typed (the ruleset's name returned beside).
pub fn resolve(r: &Resolved) -> (MarkConfig, Option<String>) {
    let config = MarkConfig {
        interval: Duration::from_secs(r.int("interval").max(1) as u64),
        text: r
            .opt_str("markMessageText")
            .unwrap_or_else(|| DEFAULT_TEXT.into()),
        mark_flag: r.bool("use.markFlag"),
        syslog_call: r.bool("use.syslogCall"),
        ruleset: None,
    };
    (config, r.opt_str("ruleset").filter(|n| !n.is_empty()))
}
