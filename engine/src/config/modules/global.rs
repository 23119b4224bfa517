//! `global()`, the legacy directives that set the same things, and the
//! legacy directives that have no parameter (`$RepeatedMsgReduction`,
//! `$AllowedSender`, …).
//!
//! In: one `global()` object's (or one directive's) [`Resolved`]
//! parameters. Out: the settings it gives, applied over [`Globals`] (a
//! later `global()` may set what an earlier one did not; setting one
//! twice is an error). Privilege dropping, TLS defaults, sender ACLs and
//! the routing of corelogd's own messages are refused until carried out.

use super::{why, DRIVERS};
use crate::config::param::{Param, Resolved, Table, Type, MS, NON_NEG, POSITIVE};
use crate::lang::Pos;
use crate::parse::ParseOptions;

const NO_DNS: &str = "corelogd does no reverse DNS (%fromhost% is the sender's address), so there is nothing to cache or judge";
const QUEUE_WAIT: &str = "corelogd's shutdown and queue workers do not use this timeout (see queue.timeoutActionCompletion and queue.timeoutWorkerThreadShutdown)";

/// `global()`.
pub static TABLE: Table = Table {
    object: "global()",
    params: &[
        Param::new("workDirectory", Type::Path, "").note("none").legacy("$WorkDirectory"),
        Param::new("operatingStateFile", Type::Path, "").warned("it only records whether rsyslogd shut down cleanly; corelogd's disk queues recover by themselves"),
        Param::new("dropMsgsWithMaliciousDnsPTRRecords", Type::Bool, "off")
            .legacy("$DropMsgsWithMaliciousDnsPTRRecords")
            .warned(NO_DNS),
        Param::new("localHostName", Type::Str, "").note("the system's host name").legacy("$LocalHostName"),
        Param::new("preserveFQDN", Type::Bool, "off").legacy("$PreserveFQDN"),
        Param::new("debug.onShutdown", Type::Bool, "off").warned(why::DEBUG),
        Param::new("debug.logFile", Type::Path, "").legacy("$DebugFile").warned(why::DEBUG),
        Param::new("debug.gnutls", NON_NEG, "0").warned(why::DEBUG),
        Param::new("debug.unloadModules", Type::Bool, "on").warned(why::DEBUG),
        Param::new("defaultNetstreamDriverCAFile", Type::Path, "")
            .legacy("$DefaultNetstreamDriverCAFile"),
        Param::new("defaultNetstreamDriverKeyFile", Type::Path, "")
            .legacy("$DefaultNetstreamDriverKeyFile"),
        Param::new("defaultNetstreamDriverCertFile", Type::Path, "")
            .legacy("$DefaultNetstreamDriverCertFile"),
        Param::new("defaultNetstreamDriver", DRIVERS, "ptcp").legacy("$DefaultNetstreamDriver"),
        Param::new("netstreamDriverCAExtraFiles", Type::Str, "")
            .note("comma-separated")
            .legacy("$NetstreamDriverCAExtraFiles"),
        Param::new(
            "maxMessageSize",
            Type::Size {
                min: 128,
                max: 128 << 20,
            },
            "8096",
        )
        .legacy("$MaxMessageSize"),
        Param::new("oversizemsg.errorFile", Type::Path, "").refused(
            "writing oversize messages to a file is not built yet; they would not be written there",
        ),
        Param::new("oversizemsg.report", Type::Bool, "on").warned(
            "it only says whether truncation is reported; corelogd counts every truncated message",
        ),
        Param::new(
            "oversizemsg.input.mode",
            Type::Enum(&["truncate", "split", "accept"]),
            "truncate",
        )
        .refused("corelogd truncates oversize messages at maxMessageSize; splitting or accepting them is not built yet"),
        Param::new(
            "reportChildProcessExits",
            Type::Enum(&["none", "errors", "all"]),
            "errors",
        )
        .warned("corelogd starts no child processes"),
        Param::new("action.reportSuspension", Type::Bool, "on").warned(
            "it only says whether a suspension is reported; corelogd reports each one on its standard error",
        ),
        Param::new("action.reportSuspensionContinuation", Type::Bool, "off").warned(
            "it only says whether a suspension is reported; corelogd reports each one on its standard error",
        ),
        Param::new("parser.controlCharacterEscapePrefix", Type::Char, "#")
            .legacy("$ControlCharacterEscapePrefix"),
        Param::new("parser.dropTrailingLFOnReception", Type::Bool, "on")
            .legacy("$DropTrailingLFOnReception"),
        Param::new("parser.escapeControlCharactersOnReceive", Type::Bool, "on")
            .legacy("$EscapeControlCharactersOnReceive"),
        Param::new("parser.spaceLFOnReceive", Type::Bool, "off")
            .legacy("$SpaceLFOnReceive")
            .refused("replacing LF by a space on receive is not built yet; the LF would be kept (or escaped)"),
        Param::new("parser.escape8BitCharactersOnReceive", Type::Bool, "off")
            .legacy("$Escape8BitCharactersOnReceive"),
        Param::new("parser.escapeControlCharacterTab", Type::Bool, "on")
            .legacy("$EscapeControlCharacterTab"),
        Param::new("parser.escapeControlCharactersCStyle", Type::Bool, "off").refused(
            "C-style escapes are not built yet; control characters would be escaped as #ooo",
        ),
        Param::new("parser.parseHostnameAndTag", Type::Bool, "on").refused(
            "turning off the parsing of HOSTNAME and TAG is not built yet; they would be parsed",
        ),
        Param::new("parser.permitSlashInProgramName", Type::Bool, "off"),
        Param::new("stdlog.channelSpec", Type::Str, "").refused(why::INTERNAL),
        Param::new("janitor.interval", POSITIVE, "10")
            .warned("corelogd checks closeTimeout on its own timer; files still close after closeTimeout"),
        Param::new("senders.reportNew", Type::Bool, "off").refused(why::INTERNAL),
        Param::new("senders.reportGoneAway", Type::Bool, "off").refused(why::INTERNAL),
        Param::new("senders.timeoutAfter", POSITIVE, "43200")
            .warned("it only matters to sender tracking, which is refused until built"),
        Param::new("senders.keepTrack", Type::Bool, "off")
            .refused("sender statistics are not built yet (issue #18)"),
        Param::new("inputs.timeout.shutdown", MS, "1000").warned(
            "corelogd's inputs stop at once at shutdown and keep what the kernel had already accepted",
        ),
        Param::new("privdrop.group.keepSupplemental", Type::Bool, "off")
            .note("on: a group-only drop keeps the supplementary groups"),
        Param::new("privdrop.group.id", POSITIVE, "")
            .note("the user's primary group when only a user is given (rsyslog: group 0)")
            .legacy("$PrivDropToGroupID")
            .sample("65534"),
        Param::new("privdrop.group.name", Type::Str, "")
            .legacy("$PrivDropToGroup")
            .sample("nogroup"),
        Param::new("privdrop.user.id", POSITIVE, "")
            .legacy("$PrivDropToUserID")
            .sample("65534"),
        Param::new("privdrop.user.name", Type::Str, "")
            .legacy("$PrivDropToUser")
            .sample("nobody"),
        Param::new(
            "net.ipprotocol",
            Type::Enum(&["unspecified", "ipv4-only", "ipv6-only"]),
            "unspecified",
        )
        .refused("limiting corelogd to one address family is not built yet; it would use both"),
        Param::new("net.aclAddHostnameOnFail", Type::Bool, "off")
            .warned("it only matters to sender ACLs, which are refused until built"),
        Param::new("net.aclResolveHostname", Type::Bool, "on")
            .warned("it only matters to sender ACLs, which are refused until built"),
        Param::new("net.enableDNS", Type::Bool, "off")
            .note("rsyslog: on; corelogd does no reverse DNS")
            .refused("reverse DNS of senders is not built yet; %fromhost% would be the sender's address"),
        Param::new("net.permitACLWarning", Type::Bool, "on")
            .warned("it only matters to sender ACLs, which are refused until built"),
        Param::new("abortOnUncleanConfig", Type::Bool, "off")
            .legacy("$AbortOnUncleanConfig")
            .warned("corelogd never starts with an error in its configuration, whichever value"),
        Param::new("abortOnFailedQueueStartup", Type::Bool, "off")
            .warned("corelogd never starts when a queue cannot, whichever value"),
        Param::new("variables.caseSensitive", Type::Bool, "off")
            .note("on: `$!`, `$.` and `$/` keys compare byte for byte (in rules, templates, parsed JSON); off: ASCII case ignored"),
        Param::new("environment", Type::Array, "").refused(
            "setting the environment is not built yet; TZ, for one, would not change the time zone corelogd stamps messages with",
        ),
        Param::new("processInternalMessages", Type::Bool, "off")
            .note("on: corelogd's own messages go through its rules; off: to /dev/log, as syslog(3) sends them"),
        Param::new("umask", Type::Mode, "").note("the process's").legacy("$UMASK"),
        Param::new("security.abortOnIDResolutionFail", Type::Bool, "on")
            .refused("starting with an unknown user or group name is not built; corelogd stops, as with on"),
        Param::new(
            "internal.developerOnly.options",
            Type::Int {
                min: i32::MIN as i64,
                max: i32::MAX as i64,
            },
            "0",
        )
        .warned(why::DEBUG),
        Param::new("internalmsg.ratelimit.interval", POSITIVE, "5"),
        Param::new("internalmsg.ratelimit.burst", POSITIVE, "500"),
        Param::new("internalmsg.severity", Type::Severity, "info")
            .note("the least severe of corelogd's own messages that are logged"),
        Param::new("errorMessagesToStderr.maxNumber", POSITIVE, "")
            .warned("it only limits how many errors are copied to standard error"),
        Param::new("shutdown.enable.ctlc", Type::Bool, "off")
            .warned("corelogd always stops on Ctrl-C (SIGINT) as on SIGTERM, draining its queues"),
        Param::new("default.action.queue.timeoutShutdown", MS, "10"),
        Param::new("default.action.queue.timeoutActionCompletion", MS, "1000").warned(QUEUE_WAIT),
        Param::new("default.action.queue.timeoutEnqueue", MS, "2000"),
        Param::new("default.action.queue.timeoutWorkerThreadShutdown", MS, "60000")
            .warned(QUEUE_WAIT),
        Param::new("default.ruleset.queue.timeoutShutdown", MS, "1500"),
        Param::new("default.ruleset.queue.timeoutActionCompletion", MS, "1000").warned(QUEUE_WAIT),
        Param::new("default.ruleset.queue.timeoutEnqueue", MS, "2000"),
        Param::new("default.ruleset.queue.timeoutWorkerThreadShutdown", MS, "60000")
            .warned(QUEUE_WAIT),
        Param::new("reverselookup.cache.ttl.default", NON_NEG, "86400").warned(NO_DNS),
        Param::new("reverselookup.cache.ttl.enable", Type::Bool, "off").warned(NO_DNS),
        Param::new("parser.supportCompressionExtension", Type::Bool, "off")
            .note("rsyslog: on; corelogd does not decompress")
            .refused(why::COMPRESSION),
        Param::new("shutdown.queue.doubleSize", Type::Bool, "off").warned(
            "corelogd's shutdown gives up nothing while the outputs make progress; a full queue at shutdown goes to disk when it has one",
        ),
        Param::new("debug.files", Type::Array, "").warned(why::DEBUG),
        Param::new("debug.whitelist", Type::Bool, "on").warned(why::DEBUG),
    ],
};

/// Legacy directives with no `global()` parameter that corelog does not
/// carry out; the builder handles the others (`$ModLoad`, `$Ruleset`, …).
pub static LEGACY: Table = Table {
    object: "legacy directives without a parameter",
    params: &[
        Param::new("$RepeatedMsgReduction", Type::Bool, "off").refused(
            "repeated-message reduction is not built yet; repeated messages would be written as received",
        ),
        Param::new("$LogRSyslogStatusMessages", Type::Bool, "on")
            .warned("corelogd reports its start and stop on its standard error"),
        Param::new("$ErrorMessagesToStderr", Type::Bool, "on")
            .warned("corelogd reports its errors on its standard error"),
        Param::new("$DebugPrintTemplateList", Type::Bool, "on").warned(why::DEBUG),
        Param::new("$DebugPrintModuleList", Type::Bool, "off").warned(why::DEBUG),
        Param::new("$DebugPrintCFSyslineHandlerList", Type::Bool, "off").warned(why::DEBUG),
        Param::new("$DebugLevel", NON_NEG, "0").warned(why::DEBUG),
        Param::new("$GenerateConfigGraph", Type::Str, "")
            .warned("rsyslog 8.2302 does not generate the graph either"),
        Param::new("$ModDir", Type::Path, "").warned("corelog's modules are built in"),
        Param::new("$MaxOpenFiles", POSITIVE, "")
            .note("corelogd raises its limit to the hard limit"),
        Param::new("$AllowedSender", Type::Str, "")
            .note("TYPE, ADDR[/BITS], …: UDP (imudp) or TCP (imtcp, imptcp) senders allowed, by address; names and wildcards are an error (they need reverse DNS); repeated directives add up")
            .sample("UDP, 127.0.0.1, 192.0.2.0/24"),
        Param::new("$LocalHostIPIF", Type::Str, "").refused(why::NOT_BUILT),
        Param::new("$OptimizeForUniprocessor", Type::Str, "")
            .warned("removed from rsyslog; it has no effect there either"),
        Param::new("$OMFileForceChown", Type::Str, "")
            .warned("removed from rsyslog; it has no effect there either"),
        Param::new("$klogLocalipif", Type::Str, "")
            .warned("removed from rsyslog's imklog; it has no effect there either"),
        Param::new("$DebugPrintKernelSymbols", Type::Str, "")
            .warned("removed from rsyslog's imklog; it has no effect there either"),
        Param::new("$KLogSymbolLookup", Type::Str, "")
            .warned("removed from rsyslog's imklog; it has no effect there either"),
        Param::new("$KLogSymbolsTwice", Type::Str, "")
            .warned("removed from rsyslog's imklog; it has no effect there either"),
        Param::new("$KLogUseSyscallInterface", Type::Str, "")
            .warned("removed from rsyslog's imklog; it has no effect there either"),
        Param::new("$RulesetParser", Type::Str, "")
            .note("adds a parser to the current $Ruleset's chain, as ruleset(parser=[…])")
            .sample("rsyslog.rfc3164"),
        Param::new("$SpaceLFOnReceive", Type::Bool, "off").refused(
            "replacing LF by a space on receive is not built yet; the LF would be kept (or escaped)",
        ),
    ],
};

/// Process-wide settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Globals {
    pub work_directory: Option<String>,
    /// `maxMessageSize` (rsyslog's code default is 8096).
    pub max_message_size: i64,
    pub parse: ParseOptions,
    pub preserve_fqdn: bool,
    /// `variables.caseSensitive`: keys of `$!`, `$.` and `$/` compare
    /// byte for byte (see [`crate::msg::json::set_case_sensitive`]).
    pub variables_case_sensitive: bool,
    pub local_hostname: Option<String>,
    pub umask: Option<u32>,
    /// `$MaxOpenFiles`: the open-files limit to set (else the hard limit).
    pub max_open_files: Option<u64>,
    /// `$AllowedSender`, every directive of it.
    pub allowed_senders: crate::acl::AllowedSenders,
    pub action_queue_timeout_shutdown_ms: i64,
    pub action_queue_timeout_enqueue_ms: i64,
    pub ruleset_queue_timeout_shutdown_ms: i64,
    pub ruleset_queue_timeout_enqueue_ms: i64,
    /// `privdrop.*` / `$PrivDropTo…`: who corelogd becomes once its
    /// sockets are open.
    pub privdrop: PrivDrop,
    /// `defaultNetstreamDriver*`: the TLS driver and files of imtcp and
    /// omfwd where they name none.
    pub netstream: super::tls::NetstreamDefaults,
    /// corelogd's own messages (`processInternalMessages`,
    /// `internalmsg.*`).
    pub internal: Internal,
}

/// Where corelogd's own messages go, besides standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Internal {
    /// `processInternalMessages="on"`: through the rules; off: to
    /// `/dev/log`, as rsyslog's syslog(3) call sends them.
    pub process: bool,
    pub ratelimit_interval_s: u64,
    pub ratelimit_burst: u64,
    /// The least severe logged (`internalmsg.severity`).
    pub severity: u8,
}

impl Default for Internal {
    fn default() -> Internal {
        Internal {
            process: false,
            ratelimit_interval_s: 5,
            ratelimit_burst: 500,
            severity: 6,
        }
    }
}

/// The user and group to drop to, looked up when the configuration is
/// read (a name this machine does not have is an error there).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrivDrop {
    /// uid, and the name whose supplementary groups the process takes.
    pub user: Option<(u32, Option<String>)>,
    /// The user's primary group, when it has a passwd entry.
    pub user_gid: Option<u32>,
    pub group: Option<u32>,
    pub keep_supplemental: bool,
}

impl PrivDrop {
    /// Whether anything is to be dropped.
    pub fn asked(&self) -> bool {
        self.user.is_some() || self.group.is_some()
    }

    /// The gid to drop to: the one given, else the user's primary group.
    pub fn gid(&self) -> Option<u32> {
        self.group.or(self.user_gid)
    }
}

impl Default for Globals {
    fn default() -> Self {
        Globals {
            work_directory: None,
            max_message_size: 8096,
            parse: ParseOptions::default(),
            preserve_fqdn: false,
            variables_case_sensitive: false,
            local_hostname: None,
            umask: None,
            max_open_files: None,
            allowed_senders: Default::default(),
            action_queue_timeout_shutdown_ms: 10,
            action_queue_timeout_enqueue_ms: 2000,
            ruleset_queue_timeout_shutdown_ms: 1500,
            ruleset_queue_timeout_enqueue_ms: 2000,
            privdrop: PrivDrop::default(),
            netstream: Default::default(),
            internal: Internal::default(),
        }
    }
}

/// `defaultNetstreamDriver*` over `n`.
fn netstream(r: &Resolved, n: &mut super::tls::NetstreamDefaults) {
    use std::path::PathBuf;
    if let Some(d) = r.given_int("defaultNetstreamDriver") {
        n.driver = super::tls::Driver::ALL[d as usize];
    }
    for (name, slot) in [
        ("defaultNetstreamDriverCAFile", &mut n.files.ca),
        ("defaultNetstreamDriverCertFile", &mut n.files.cert),
        ("defaultNetstreamDriverKeyFile", &mut n.files.key),
    ] {
        if let Some(p) = r.given_str(name) {
            *slot = Some(PathBuf::from(p));
        }
    }
    if let Some(extra) = r.given_str("netstreamDriverCAExtraFiles") {
        n.files.ca_extra = extra
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .collect();
    }
}

/// Applies what `r` gives over `g`; a user or group this machine does not
/// have is an error at its parameter.
pub fn apply(r: &Resolved, g: &mut Globals) -> Result<(), (Pos, String)> {
    let privdrop = privdrop(r, &mut g.privdrop);
    netstream(r, &mut g.netstream);
    if let Some(d) = r.given_str("workDirectory") {
        g.work_directory = Some(without_trailing_slash(&d));
    }
    if let Some(n) = r.given_int("maxMessageSize") {
        g.max_message_size = n;
    }
    if let Some(h) = r.given_str("localHostName") {
        g.local_hostname = Some(h);
    }
    if let Some(b) = r.given_bool("preserveFQDN") {
        g.preserve_fqdn = b;
    }
    if let Some(b) = r.given_bool("variables.caseSensitive") {
        g.variables_case_sensitive = b;
    }
    if let Some(b) = r.given_bool("processInternalMessages") {
        g.internal.process = b;
    }
    if let Some(n) = r.given_int("internalmsg.ratelimit.interval") {
        g.internal.ratelimit_interval_s = n as u64;
    }
    if let Some(n) = r.given_int("internalmsg.ratelimit.burst") {
        g.internal.ratelimit_burst = n as u64;
    }
    if let Some(n) = r.given_int("internalmsg.severity") {
        g.internal.severity = n.min(7) as u8;
    }
    if let Some(m) = r.given_int("umask") {
        g.umask = Some(m as u32);
    }
    let s = &mut g.parse.sanitize;
    if let Some(c) = r.given_str("parser.controlCharacterEscapePrefix") {
        s.escape_prefix = c.as_bytes()[0];
    }
    for (name, field) in [
        ("parser.dropTrailingLFOnReception", &mut s.drop_trailing_lf),
        (
            "parser.escapeControlCharactersOnReceive",
            &mut s.escape_control_chars,
        ),
        ("parser.escape8BitCharactersOnReceive", &mut s.escape_8bit),
        ("parser.escapeControlCharacterTab", &mut s.escape_tab),
    ] {
        if let Some(b) = r.given_bool(name) {
            *field = b;
        }
    }
    if let Some(b) = r.given_bool("parser.permitSlashInProgramName") {
        g.parse.permit_slash_in_programname = b;
    }
    for (name, field) in [
        (
            "default.action.queue.timeoutShutdown",
            &mut g.action_queue_timeout_shutdown_ms,
        ),
        (
            "default.action.queue.timeoutEnqueue",
            &mut g.action_queue_timeout_enqueue_ms,
        ),
        (
            "default.ruleset.queue.timeoutShutdown",
            &mut g.ruleset_queue_timeout_shutdown_ms,
        ),
        (
            "default.ruleset.queue.timeoutEnqueue",
            &mut g.ruleset_queue_timeout_enqueue_ms,
        ),
    ] {
        if let Some(n) = r.given_int(name) {
            *field = n;
        }
    }
    privdrop
}

/// Applies a legacy directive of [`LEGACY`] that corelog carries out; an
/// error for a value it cannot.
pub fn apply_legacy(r: &Resolved, g: &mut Globals) -> Result<(), String> {
    if let Some(n) = r.given_int("$MaxOpenFiles") {
        g.max_open_files = Some(n as u64);
    }
    if let Some(v) = r.given_str("$AllowedSender") {
        g.allowed_senders
            .add(&v)
            .map_err(|e| format!("$AllowedSender: {e}"))?;
    }
    Ok(())
}

/// The `privdrop.*` parameters `r` gives, over what earlier objects and
/// directives gave.
fn privdrop(r: &Resolved, p: &mut PrivDrop) -> Result<(), (Pos, String)> {
    // Every parameter is read before any lookup can fail.
    let (user_name, user_id) = (
        r.given_str("privdrop.user.name"),
        r.given_int("privdrop.user.id"),
    );
    let (group_name, group_id) = (
        r.given_str("privdrop.group.name"),
        r.given_int("privdrop.group.id"),
    );
    if let Some(b) = r.given_bool("privdrop.group.keepSupplemental") {
        p.keep_supplemental = b;
    }
    match (user_name, user_id) {
        (Some(name), _) => {
            let at = r.pos_of("privdrop.user.name");
            let (uid, gid) = passwd_by_name(&name)
                .ok_or_else(|| (at, format!("privdrop.user.name \"{name}\": no such user")))?;
            p.user = Some((uid, Some(name)));
            p.user_gid = Some(gid);
        }
        (None, Some(id)) => {
            let pw = passwd_by_id(id as u32);
            p.user_gid = pw.as_ref().map(|p| p.1);
            p.user = Some((id as u32, pw.map(|p| p.0)));
        }
        (None, None) => {}
    }
    match (group_name, group_id) {
        (Some(name), _) => {
            let at = r.pos_of("privdrop.group.name");
            let gid = group_by_name(&name)
                .ok_or_else(|| (at, format!("privdrop.group.name \"{name}\": no such group")))?;
            p.group = Some(gid);
        }
        (None, Some(id)) => p.group = Some(id as u32),
        (None, None) => {}
    }
    Ok(())
}

/// `name`'s uid and primary gid.
fn passwd_by_name(name: &str) -> Option<(u32, u32)> {
    let c = std::ffi::CString::new(name).ok()?;
    // SAFETY: getpwnam reads a NUL-terminated string; its result is read
    // at once, before another call could reuse its static storage (the
    // configuration is read on one thread).
    let pw = unsafe { libc::getpwnam(c.as_ptr()) };
    // SAFETY: a non-null result points at a valid passwd entry.
    (!pw.is_null()).then(|| unsafe { ((*pw).pw_uid, (*pw).pw_gid) })
}

/// The name and primary gid of `uid`, if it has a passwd entry.
fn passwd_by_id(uid: u32) -> Option<(String, u32)> {
    // SAFETY: as in `passwd_by_name`.
    let pw = unsafe { libc::getpwuid(uid) };
    if pw.is_null() {
        return None;
    }
    // SAFETY: a non-null result points at a valid passwd entry, whose
    // pw_name is a NUL-terminated string.
    let (name, gid) = unsafe { (std::ffi::CStr::from_ptr((*pw).pw_name), (*pw).pw_gid) };
    Some((name.to_string_lossy().into_owned(), gid))
}

fn group_by_name(name: &str) -> Option<u32> {
    let c = std::ffi::CString::new(name).ok()?;
    // SAFETY: as in `passwd_by_name`.
    let gr = unsafe { libc::getgrnam(c.as_ptr()) };
    // SAFETY: a non-null result points at a valid group entry.
    (!gr.is_null()).then(|| unsafe { (*gr).gr_gid })
}

/// A directory without its trailing `/`, as rsyslog stores it; `/` stays.
pub fn without_trailing_slash(d: &str) -> String {
    match d.trim_end_matches('/') {
        "" if d.starts_with('/') => "/".into(),
        t => t.to_string(),
    }
}
