//! impstats: corelogd's counters, written every `interval` seconds as
//! rsyslog 8.2302's impstats writes them.
//!
//! In: `module(load="impstats" …)`'s parameters (and the legacy
//! `$PStatInterval`, `$PStatFacility`, `$PStatSeverity`). Out: an
//! [`ImpstatsConfig`], which [`crate::stats::impstats`] carries out.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::param::{Param, Resolved, Table, Type, Unit};
use crate::stats::line::Format;

/// `module(load="impstats")`.
pub static MODULE: Table = Table {
    object: "module(load=\"impstats\")",
    params: &[
        Param::new(
            "interval",
            Type::Duration {
                unit: Unit::Seconds,
                min: 1,
                max: 86_400 * 365,
            },
            "300",
        )
        .legacy("$PStatInterval"),
        Param::new("facility", Type::Facility, "5").legacy("$PStatFacility"),
        Param::new("severity", Type::Severity, "6").legacy("$PStatSeverity"),
        Param::new("bracketing", Type::Bool, "off")
            .note("a BEGIN and an END line around each report"),
        Param::new("log.syslog", Type::Bool, "on")
            .note("each line as a message (tag rsyslogd-pstats:) into the rules"),
        Param::new("resetCounters", Type::Bool, "off")
            .note("each report gives what was counted since the last one"),
        Param::new("log.file", Type::Path, "").note("unset: no file"),
        Param::new("format", FORMATS, "legacy"),
        Param::new("ruleset", Type::Ruleset, "")
            .note("unset: the default ruleset; only with log.syslog=\"on\""),
    ],
};

/// `format=`'s names, in [`Format`]'s order.
const FORMATS: Type = Type::Enum(&["legacy", "json", "json-elasticsearch", "cee"]);

/// What impstats is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImpstatsConfig {
    pub interval: Duration,
    /// facility × 8 + severity of the messages (`syslog.info`: 46).
    pub pri: u16,
    pub bracketing: bool,
    pub log_syslog: bool,
    pub reset_counters: bool,
    pub log_file: Option<PathBuf>,
    pub format: Format,
    /// The ruleset the messages go to (an index into the plan's), set by
    /// the builder; `None`: the default ruleset.
    pub ruleset: Option<usize>,
}

/// rsyslog's defaults (what the tables say).
impl Default for ImpstatsConfig {
    fn default() -> ImpstatsConfig {
        ImpstatsConfig {
            interval: Duration::from_secs(300),
            pri: 5 * 8 + 6,
            bracketing: false,
            log_syslog: true,
            reset_counters: false,
            log_file: None,
            format: Format::Legacy,
            ruleset: None,
        }
    }
}

/// The module's parameters, typed (the ruleset is the builder's to
/// resolve: its name is returned beside).
pub fn resolve(r: &Resolved) -> (ImpstatsConfig, Option<String>) {
    let format = match r.choice("format") {
        1 => Format::Json,
        2 => Format::JsonElasticsearch,
        3 => Format::Cee,
        _ => Format::Legacy,
    };
    let pri = (r.int("facility") * 8 + r.int("severity")).min(191) as u16;
    let config = ImpstatsConfig {
        interval: Duration::from_secs(r.int("interval").max(1) as u64),
        pri,
        bracketing: r.bool("bracketing"),
        log_syslog: r.bool("log.syslog"),
        reset_counters: r.bool("resetCounters"),
        log_file: r
            .opt_str("log.file")
            .filter(|f| !f.is_empty())
            .map(PathBuf::from),
        format,
        ruleset: None,
    };
    let ruleset = r.opt_str("ruleset").filter(|n| !n.is_empty());
    (config, ruleset)
}
