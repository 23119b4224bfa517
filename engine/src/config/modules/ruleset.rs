//! `ruleset()` and `main_queue()`, besides their `queue.*` parameters.
//!
//! In: the object's parameters. Out: the ruleset's name (the builder
//! compiles its body) and whether it has a queue of its own; for
//! `main_queue()`, nothing but its queue.

use crate::config::param::{Param, Table, Type};

/// `ruleset()`.
pub static RULESET: Table = Table {
    object: "ruleset()",
    params: &[
        Param::new("name", Type::Str, "")
            .note("required")
            .legacy("$Ruleset"),
        Param::new("parser", Type::Array, "")
            .note("the parsers to try, in order (default: rsyslog.rfc5424, rsyslog.rfc3164)")
            .sample("rsyslog.rfc3164"),
    ],
};

/// `main_queue()`.
pub static MAIN_QUEUE: Table = Table {
    object: "main_queue()",
    params: &[Param::new("name", Type::Str, "").warned(
        "the main queue's name only labels rsyslog's statistics, which corelogd does not write yet",
    )],
};
