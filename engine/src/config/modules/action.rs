//! `action()`'s own parameters, which every output module shares
//! (`name`, `action.*`), and the legacy `$Action…` directives.
//!
//! In: a [`Resolved`] over [`TABLE`]. Out: an [`ActionCommon`]: retry and
//! suspension settings and the failover condition. Parameters that would
//! drop or divert messages (every-nth-time, error files, external state)
//! are refused until carried out.

use crate::config::param::{Param, Resolved, Table, Type, INT, SECONDS};

const REPORTS: &str = "it only says whether a suspension is reported; corelogd reports each one on its standard error";
const NTH: &str = "running an action only every n-th time or once per interval is not built yet; it would run for every message";

/// `action()`, whatever its type.
pub static TABLE: Table = Table {
    object: "action() (every type)",
    params: &[
        Param::new("type", Type::Str, "").note("required"),
        Param::new("name", Type::Str, "")
            .note("action-<n>-<module>")
            .legacy("$ActionName")
            .sample("sample-action"),
        Param::new("action.errorFile", Type::Path, "").refused(
            "writing failed messages to an error file is not built yet; they would not be written there",
        ),
        Param::new("action.errorFile.maxSize", INT, "0")
            .refused("writing failed messages to an error file is not built yet"),
        Param::new("action.writeAllMarkMessages", Type::Bool, "on")
            .legacy("$ActionWriteAllMarkMessages")
            .note("off: a mark message (immark's) is skipped when the action was given a message within half of immark's interval"),
        Param::new("action.execOnlyEveryNthTime", INT, "0")
            .legacy("$ActionExecOnlyEveryNthTime")
            .refused(NTH),
        Param::new("action.execOnlyEveryNthTimeTimeout", INT, "0")
            .legacy("$ActionExecOnlyEveryNthTimeTimeout")
            .refused(NTH),
        Param::new("action.execOnlyOnceEveryInterval", INT, "0")
            .legacy("$ActionExecOnlyOnceEveryInterval")
            .refused(NTH),
        Param::new("action.execOnlyWhenPreviousIsSuspended", Type::Bool, "off")
            .legacy("$ActionExecOnlyWhenPreviousIsSuspended"),
        Param::new("action.repeatedMsgContainsOriginalMsg", Type::Bool, "off")
            .legacy("$RepeatedMsgContainsOriginalMsg")
            .warned("repeated-message reduction is not run ($RepeatedMsgReduction on is refused), so there is no repeat line to shape"),
        Param::new(
            "action.resumeRetryCount",
            Type::Int {
                min: -1,
                max: i32::MAX as i64,
            },
            "0",
        )
        .note("-1: for ever")
        .legacy("$ActionResumeRetryCount"),
        Param::new("action.reportSuspension", Type::Bool, "on").warned(REPORTS),
        Param::new("action.reportSuspensionContinuation", Type::Bool, "off").warned(REPORTS),
        Param::new(
            "action.resumeIntervalMax",
            Type::Duration {
                unit: crate::config::param::Unit::Seconds,
                min: 1,
                max: i32::MAX as i64,
            },
            "1800",
        )
        .note("rsyslog 8.2302 ignores it (it compares the name with the wrong case); corelog applies it"),
        Param::new("action.resumeInterval", SECONDS, "30").legacy("$ActionResumeInterval"),
        Param::new("action.externalState.file", Type::Path, "").refused(
            "suspending an action from a state file is not built yet; the action would keep running",
        ),
        Param::new("action.copyMsg", Type::Bool, "off").warned(
            "corelogd's queued messages are never changed by the actions, so a copy would be the same message",
        ),
    ],
};

/// What every action has, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionCommon {
    /// `name`, or `action-<n>-<module>`.
    pub name: String,
    /// Retries before the action is suspended (-1: for ever).
    pub resume_retry_count: i64,
    pub resume_interval_s: u64,
    pub resume_interval_max_s: u64,
    pub exec_only_when_previous_is_suspended: bool,
    pub write_all_mark_messages: bool,
}

/// Reads an action's common parameters; `name` when none was given.
pub fn resolve(r: &Resolved, default_name: String) -> ActionCommon {
    r.consumed("type");
    ActionCommon {
        name: r.opt_str("name").unwrap_or(default_name),
        resume_retry_count: r.int("action.resumeRetryCount"),
        resume_interval_s: r.int("action.resumeInterval").max(1) as u64,
        resume_interval_max_s: r.int("action.resumeIntervalMax") as u64,
        exec_only_when_previous_is_suspended: r.bool("action.execOnlyWhenPreviousIsSuspended"),
        write_all_mark_messages: r.bool("action.writeAllMarkMessages"),
    }
}
