//! imklog: the kernel log, read as rsyslog 8.2302's imklog reads it.
//!
//! In: `module(load="imklog" …)`'s parameters and the legacy `$KLog…`
//! directives. Out: a [`KlogConfig`], which [`crate::runtime::klog`]
//! carries out (reading) and [`crate::input::klog`] defines (what a line
//! becomes).

use std::path::PathBuf;

use crate::config::param::{Param, Resolved, Table, Type};
use crate::input::klog::Options;

/// rsyslog's default on Linux (`_PATH_KLOG`).
pub const DEFAULT_PATH: &str = "/proc/kmsg";

const INT: Type = Type::Int {
    min: 0,
    max: i32::MAX as i64,
};

/// `module(load="imklog")`.
pub static MODULE: Table = Table {
    object: "module(load=\"imklog\")",
    params: &[
        Param::new("logPath", Type::Path, DEFAULT_PATH)
            .legacy("$KLogPath")
            .note("/proc/kmsg, /dev/kmsg (read as the lines /proc/kmsg would give), or a file or FIFO of such lines")
            .sample("/dev/kmsg"),
        Param::new("permitNonKernelFacility", Type::Bool, "off")
            .legacy("$KLogPermitNonKernelFacility")
            .note("off: lines whose PRI is not facility kern are dropped, as in rsyslog"),
        Param::new("parseKernelTimestamp", Type::Bool, "off")
            .legacy("$KLogParseKernelTimestamp")
            .note("a leading [secs.usecs] (time since boot) becomes the message's time"),
        Param::new("keepKernelTimestamp", Type::Bool, "off")
            .legacy("$KLogKeepKernelTimestamp")
            .note("with parseKernelTimestamp: the [secs.usecs] stays in the text"),
        Param::new(
            "consoleLogLevel",
            Type::Int { min: -1, max: 8 },
            "-1",
        )
        .legacy("$KLogConsoleLogLevel")
        .note("-1: leave the kernel's console level alone; else set it at start (klogctl), and put back the level before at exit"),
        Param::new("internalMsgFacility", Type::Facility, "syslog")
            .legacy("$KLogInternalMsgFacility")
            .warned("rsyslog 8.2302 stores it and uses it nowhere; imklog's errors are corelogd's own messages, facility syslog, in both"),
        Param::new("ratelimitInterval", INT, "0")
            .note("seconds; 0: no rate limit"),
        Param::new("ratelimitBurst", INT, "10000"),
        Param::new("ruleset", Type::Ruleset, "").note("unset: the default ruleset"),
    ],
};

/// What imklog is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KlogConfig {
    pub path: PathBuf,
    pub options: Options,
    /// `None`: leave the console level alone.
    pub console_log_level: Option<i32>,
    pub ratelimit_interval_s: u64,
    pub ratelimit_burst: u64,
    /// The ruleset (an index into the plan's), set by the builder.
    pub ruleset: Option<usize>,
}

/// The module's parameters, typed (the ruleset's name returned beside,
/// for the builder to resolve).
pub fn resolve(r: &Resolved) -> (KlogConfig, Option<String>) {
    let _ = r.int("internalMsgFacility");
    let path = r
        .opt_str("logPath")
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| DEFAULT_PATH.into());
    let level = r.int("consoleLogLevel");
    let config = KlogConfig {
        path: PathBuf::from(path),
        options: Options {
            permit_non_kernel: r.bool("permitNonKernelFacility"),
            parse_kernel_timestamp: r.bool("parseKernelTimestamp"),
            keep_kernel_timestamp: r.bool("keepKernelTimestamp"),
        },
        console_log_level: (level >= 0).then_some(level as i32),
        ratelimit_interval_s: r.int("ratelimitInterval") as u64,
        ratelimit_burst: r.int("ratelimitBurst") as u64,
        ruleset: None,
    };
    (config, r.opt_str("ruleset").filter(|n| !n.is_empty()))
}
