//! imfile: files followed as rsyslog 8.2302's imfile follows them.
//!
//! In: `module(load="imfile" …)`'s and `input(type="imfile" …)`'s
//! parameters, and the legacy `$InputFile…` directives with
//! `$InputRunFileMonitor`. Out: an [`ImfileConfig`], which
//! [`crate::runtime::imfile`] carries out, each input's messages cut as
//! [`crate::input::file`] says.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::param::{Param, Resolved, Table, Type, Unit};

const COUNT: Type = Type::Int {
    min: 0,
    max: i32::MAX as i64,
};

const SECONDS: Type = Type::Duration {
    unit: Unit::Seconds,
    min: 0,
    max: i32::MAX as i64,
};

/// rsyslog's `$InputFileMaxLinesAtOnce` default.
const LEGACY_LINES_AT_ONCE: i64 = 10240;

/// `mode=`'s names.
const MODES: &[&str] = &["inotify", "polling", "fen"];

/// `module(load="imfile")`.
pub static MODULE: Table = Table {
    object: "module(load=\"imfile\")",
    params: &[
        Param::new("mode", Type::Enum(MODES), "inotify").note(
            "inotify: a file is read as soon as the kernel says it changed (checked every 10 ms); polling: every pollingInterval while nothing is read; fen is Solaris's and an error here",
        ),
        Param::new(
            "pollingInterval",
            Type::Duration {
                unit: Unit::Seconds,
                min: 1,
                max: 86_400,
            },
            "10",
        )
        .legacy("$InputFilePollInterval")
        .note("seconds between looks at files that had nothing new (mode=\"polling\")"),
        Param::new("readTimeout", SECONDS, "0")
            .note("the inputs' default readTimeout"),
        Param::new(
            "timeoutGranularity",
            Type::Duration {
                unit: Unit::Seconds,
                min: 1,
                max: 86_400,
            },
            "1",
        )
        .note("how often readTimeouts are checked"),
        Param::new("sortFiles", Type::Bool, "off")
            .note("on: the files a wildcard matches are taken in name order; off: in directory order"),
        Param::new("statefile.directory", Type::Path, "")
            .note("where the state files are kept; unset: the work directory ($WorkDirectory)"),
        Param::new("normalizePath", Type::Bool, "on")
            .note("on: '//' and '/./' in file= are read as '/'"),
    ],
};

/// `input(type="imfile")`.
pub static INPUT: Table = Table {
    object: "input(type=\"imfile\")",
    params: &[
        Param::new("type", Type::Str, ""),
        Param::new("file", Type::Path, "")
            .legacy("$InputFileName")
            .note("required; '*', '?', '[…]' and '{a,b}' match in any part of the path; a relative path is taken from the directory corelogd starts in")
            .sample("/var/log/app/*.log"),
        Param::new("tag", Type::Str, "")
            .legacy("$InputFileTag")
            .note("required; the syslogtag as written (rsyslog adds no ':')")
            .sample("app:"),
        Param::new("severity", Type::Severity, "notice").legacy("$InputFileSeverity"),
        Param::new("facility", Type::Facility, "local0").legacy("$InputFileFacility"),
        Param::new("ruleset", Type::Ruleset, "")
            .legacy("$InputFileBindRuleset")
            .note("unset: the default ruleset"),
        Param::new("readMode", Type::Int { min: 0, max: 2 }, "0")
            .legacy("$InputFileReadMode")
            .note("0: a line is a message; 1: a paragraph (lines up to an empty one); 2: a line and the indented lines after it"),
        Param::new("startmsg.regex", Type::Str, "")
            .note("a POSIX ERE (the regex crate's syntax): a line that matches begins a message"),
        Param::new("endmsg.regex", Type::Str, "")
            .note("a POSIX ERE (the regex crate's syntax): a line that matches ends a message"),
        Param::new("readTimeout", SECONDS, "0").note(
            "seconds without new data after which a multi-line message is complete as it is (every multi-line mode; rsyslog: the regexes only); 0: never",
        ),
        Param::new("discardTruncatedMsg", Type::Bool, "off")
            .note("on: what passes maxMessageSize is dropped; off: it becomes the next message"),
        Param::new("msgDiscardingError", Type::Bool, "on")
            .note("on: messages cut at maxMessageSize are said (at most every 10 s per file, with their count)"),
        Param::new("escapeLF", Type::Bool, "on")
            .note("on: an LF inside a multi-line message becomes escapeLF.replacement (off for $InputRunFileMonitor, as in rsyslog)"),
        Param::new("escapeLF.replacement", Type::Str, "")
            .note("unset: rsyslog's #012 (readMode 1 and 2) or \\n (the regexes)"),
        Param::new("reopenOnTruncate", Type::Bool, "off").warned(
            "corelog always reads a file that was truncated (copytruncate) again from its start, which is what on asks; with off (the default) rsyslog keeps its old offset and skips what is written up to it, a loss corelog does not copy",
        ),
        Param::new("maxLinesAtOnce", COUNT, "0")
            .legacy("$InputFileMaxLinesAtOnce")
            .note("messages read from one file before the next is looked at; 0: until its end"),
        Param::new("trimLineOverBytes", COUNT, "0")
            .legacy("$InputFileTrimLineOverBytes")
            .note("a message is cut after this many bytes and its rest dropped; 0: off"),
        Param::new("maxSubmitAtOnce", Type::Int { min: 1, max: 1 << 20 }, "1024")
            .note("messages enqueued at once"),
        Param::new("deleteStateOnFileDelete", Type::Bool, "on")
            .note("on: a deleted file's state file is removed once the file is read to its end (off for $InputRunFileMonitor, as in rsyslog)"),
        Param::new("removeStateOnDelete", Type::Bool, "on")
            .note("rsyslog's older name of deleteStateOnFileDelete"),
        Param::new("persistStateInterval", COUNT, "0")
            .legacy("$InputFilePersistStateInterval")
            .note("the state file is written every this many messages (with a Disk main queue: after every durable batch anyway); 0: when the file is left and at stop"),
        Param::new("persistStateAfterSubmission", Type::Bool, "off")
            .note("on: the state file is written after every batch enqueued"),
        Param::new("delay.message", COUNT, "0")
            .note("microseconds waited after each message (for tests of slow readers)"),
        Param::new("addMetadata", Type::Bool, "on")
            .note("$!metadata!filename and $!metadata!fileoffset; on unless given off, as in rsyslog 8.2302 (whose documented default, on only with wildcards, is not what it does); off for $InputRunFileMonitor"),
        Param::new("addCeeTag", Type::Bool, "off").note("'@cee:' is put before each message"),
        Param::new("stateFile", Type::Str, "")
            .legacy("$InputFileStateFile")
            .warned("corelog names state files by the file's inode (a rotated file keeps its own), in statefile.directory; the name given is not used, and the state is kept all the same"),
        Param::new("freshStartTail", Type::Bool, "off")
            .note("on: a file first seen at start is read from its end (files that appear later from their start)"),
        Param::new("fileNotFoundError", Type::Bool, "on")
            .note("on: a file= without a wildcard that does not exist at start is said"),
        Param::new("needParse", Type::Bool, "off")
            .note("on: each message is parsed as a syslog message by the ruleset's parsers"),
        Param::new("ignoreOlderThan", SECONDS, "0")
            .note("files not modified for this many seconds are not read; 0: all are"),
        Param::new("maxBytesPerMinute", COUNT, "0")
            .note("per file: messages past this many bytes in a minute are dropped, and how many is said when the minute is over (rsyslog says nothing); 0: no limit"),
        Param::new("maxLinesPerMinute", COUNT, "0")
            .note("per file: messages past this many in a minute are dropped, and how many is said when the minute is over (rsyslog says nothing); 0: no limit"),
    ],
};

/// How files are watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Inotify,
    Polling,
}

/// What imfile is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImfileConfig {
    pub mode: Mode,
    pub polling_interval: Duration,
    pub timeout_granularity: Duration,
    pub sort_files: bool,
    /// `None`: the work directory (or no state kept without one).
    pub state_directory: Option<PathBuf>,
    pub inputs: Vec<FileInput>,
}

/// How a file's lines become messages (the regex kept as text: it was
/// compiled once to check it, and is again by the reader).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadMode {
    Line,
    Paragraph,
    Indented,
    Start(String),
    End(String),
}

/// One `input(type="imfile")`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInput {
    /// The path, normalised when asked; may hold wildcards.
    pub file: PathBuf,
    pub tag: String,
    pub pri: u16,
    /// The ruleset (an index into the plan's), set by the builder.
    pub ruleset: usize,
    pub read_mode: ReadMode,
    /// What an LF inside a message becomes (`None`: kept).
    pub escape_lf: Option<Vec<u8>>,
    /// trimLineOverBytes (0: off).
    pub trim_line_over: usize,
    pub discard_truncated: bool,
    pub msg_discarding_error: bool,
    /// 0: never.
    pub read_timeout: Duration,
    /// 0: until the file's end.
    pub max_lines_at_once: usize,
    pub max_submit_at_once: usize,
    pub delete_state_on_file_delete: bool,
    /// 0: only when the file is left and at stop.
    pub persist_state_interval: u64,
    pub persist_state_after_submission: bool,
    pub delay_message: Duration,
    pub add_metadata: bool,
    pub add_cee_tag: bool,
    pub fresh_start_tail: bool,
    pub file_not_found_error: bool,
    pub need_parse: bool,
    /// 0: every file.
    pub ignore_older_than: Duration,
    pub max_bytes_per_minute: u64,
    pub max_lines_per_minute: u64,
}

impl FileInput {
    /// Whether `file=` holds a wildcard.
    pub fn has_wildcard(&self) -> bool {
        has_wildcard(&self.file.to_string_lossy())
    }
}

/// Whether a path holds glob characters (braces too, as rsyslog's
/// GLOB_BRACE reads them).
pub fn has_wildcard(path: &str) -> bool {
    path.contains(['*', '?', '[', '{'])
}

/// The module's parameters, typed; an error for what corelog cannot do.
pub fn resolve(r: &Resolved) -> Result<ImfileConfig, String> {
    let mode = match r.choice("mode") {
        0 => Mode::Inotify,
        1 => Mode::Polling,
        _ => {
            return Err(
                "mode=\"fen\" is Solaris's file event notification; use inotify or polling".into(),
            )
        }
    };
    let _ = r.int("readTimeout");
    Ok(ImfileConfig {
        mode,
        polling_interval: Duration::from_secs(r.int("pollingInterval").max(1) as u64),
        timeout_granularity: Duration::from_secs(r.int("timeoutGranularity").max(1) as u64),
        sort_files: r.bool("sortFiles"),
        state_directory: r
            .opt_str("statefile.directory")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from),
        inputs: Vec::new(),
    })
}

/// The module's `readTimeout`, the inputs' default.
pub fn module_read_timeout(r: &Resolved) -> i64 {
    r.int("readTimeout")
}

/// Whether the module asks for paths to be normalised.
pub fn normalize_path(r: &Resolved) -> bool {
    r.bool("normalizePath")
}

/// An input's parameters, typed (its ruleset's name returned beside);
/// an error names what is wrong. `normalize` and `read_timeout` are the
/// module's. A `legacy` input (`$InputRunFileMonitor`) has rsyslog's
/// legacy defaults: no escapeLF, no metadata, state kept when the file
/// is deleted, 10240 lines at once.
pub fn resolve_input(
    r: &Resolved,
    normalize: bool,
    read_timeout: i64,
    legacy: bool,
) -> Result<(FileInput, Option<String>), String> {
    r.consumed("type");
    let file = r.opt_str("file").unwrap_or_default();
    let tag = r.opt_str("tag").unwrap_or_default();
    let mut missing = Vec::new();
    if file.is_empty() {
        missing.push("file=");
    }
    if !r.given("tag") {
        missing.push("tag=");
    }
    let read_mode = r.int("readMode");
    let start = r.opt_str("startmsg.regex").filter(|s| !s.is_empty());
    let end = r.opt_str("endmsg.regex").filter(|s| !s.is_empty());
    let replacement = r.given_str("escapeLF.replacement");
    let escape = r.given_bool("escapeLF").unwrap_or(!legacy);
    let severity = r.int("severity");
    let facility = r.int("facility");
    let ruleset = r.opt_str("ruleset").filter(|n| !n.is_empty());
    let trim = r.int("trimLineOverBytes") as usize;
    let _ = r.opt_str("stateFile");
    // Both names set the one switch; the later-named wins where both are
    // given, as in rsyslog (the table's order).
    let delete_state = match (
        r.given_bool("removeStateOnDelete"),
        r.given_bool("deleteStateOnFileDelete"),
    ) {
        (_, Some(d)) | (Some(d), None) => d,
        (None, None) => !legacy,
    };
    let add_metadata = r.given_bool("addMetadata");
    let input = FileInput {
        file: PathBuf::from(if normalize {
            normalized(&file)
        } else {
            file.clone()
        }),
        tag,
        pri: (facility as u16) * 8 + severity as u16,
        ruleset: 0,
        read_mode: ReadMode::Line,
        escape_lf: None,
        trim_line_over: trim,
        discard_truncated: r.bool("discardTruncatedMsg"),
        msg_discarding_error: r.bool("msgDiscardingError"),
        read_timeout: Duration::from_secs(
            r.given_int("readTimeout").unwrap_or(read_timeout).max(0) as u64,
        ),
        max_lines_at_once: r.given_int("maxLinesAtOnce").unwrap_or(if legacy {
            LEGACY_LINES_AT_ONCE
        } else {
            0
        }) as usize,
        max_submit_at_once: r.int("maxSubmitAtOnce").max(1) as usize,
        delete_state_on_file_delete: delete_state,
        persist_state_interval: r.int("persistStateInterval") as u64,
        persist_state_after_submission: r.bool("persistStateAfterSubmission"),
        delay_message: Duration::from_micros(r.int("delay.message") as u64),
        // rsyslog 8.2302 documents "on with wildcards" but never settles
        // its "unspecified" (-1), which reads as on: on for every input(),
        // off for the legacy ones.
        add_metadata: add_metadata.unwrap_or(!legacy),
        add_cee_tag: r.bool("addCeeTag"),
        fresh_start_tail: r.bool("freshStartTail"),
        file_not_found_error: r.bool("fileNotFoundError"),
        need_parse: r.bool("needParse"),
        ignore_older_than: Duration::from_secs(r.int("ignoreOlderThan") as u64),
        max_bytes_per_minute: r.int("maxBytesPerMinute") as u64,
        max_lines_per_minute: r.int("maxLinesPerMinute") as u64,
    };
    if !missing.is_empty() {
        return Err(format!("needs {}", missing.join(" and ")));
    }
    let chosen = [read_mode > 0, start.is_some(), end.is_some()];
    if chosen.iter().filter(|&&c| c).count() > 1 {
        return Err(
            "only one of readMode, startmsg.regex and endmsg.regex can be set, as in rsyslog"
                .into(),
        );
    }
    for (name, re) in [("startmsg.regex", &start), ("endmsg.regex", &end)] {
        if let Some(re) = re {
            regex::bytes::Regex::new(re)
                .map_err(|e| format!("{name}=\"{re}\" is not valid: {e}"))?;
        }
    }
    let (mode, default_escape) = match (read_mode, start, end) {
        (_, Some(s), _) => (ReadMode::Start(s), "\\n"),
        (_, _, Some(e)) => (ReadMode::End(e), "\\n"),
        (1, ..) => (ReadMode::Paragraph, "#012"),
        (2, ..) => (ReadMode::Indented, "#012"),
        _ => (ReadMode::Line, "#012"),
    };
    if mode == ReadMode::Line && r.given("escapeLF.replacement") {
        r.warn(
            "escapeLF.replacement",
            "imfile: escapeLF.replacement has no effect with readMode 0 (a message is one line: it holds no LF), as in rsyslog",
        );
    }
    let escape_lf = escape.then(|| {
        replacement
            .unwrap_or_else(|| default_escape.to_string())
            .into_bytes()
    });
    Ok((
        FileInput {
            read_mode: mode,
            escape_lf,
            ..input
        },
        ruleset,
    ))
}

/// `//` and `/./` read as `/` (rsyslog's normalizePath).
pub fn normalized(path: &str) -> String {
    let absolute = path.starts_with('/');
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised() {
        assert_eq!(normalized("/var//log/./app.log"), "/var/log/app.log");
        assert_eq!(normalized("logs/a"), "logs/a");
    }
}
