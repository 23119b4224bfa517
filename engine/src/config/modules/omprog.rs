//! omprog: `action(type="omprog")`, and `$ActionOMProgBinary` with
//! `:omprog:[;template]` — each message written to a program's standard
//! input, as rsyslog 8.2302's omprog writes it.
//!
//! In: the action's parameters. Out: an [`OmprogConfig`], which
//! [`crate::output::omprog`] carries out.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::param::{Param, Resolved, Table, Type, MS};

/// rsyslog's default template for omprog.
pub const DEFAULT_TEMPLATE: &str = "RSYSLOG_FileFormat";

/// The signals `hup.signal` may name, as rsyslog spells them.
const HUP_SIGNALS: Type = Type::Enum(&["none", "HUP", "USR1", "USR2", "INT", "TERM"]);

/// `action(type="omprog")`, besides `action.*` and `queue.*`.
pub static ACTION: Table = Table {
    object: "action(type=\"omprog\")",
    params: &[
        Param::new("binary", Type::Str, "")
            .legacy("$ActionOMProgBinary")
            .note("required: the program and its arguments, split at spaces outside double quotes (the quotes are kept), as rsyslog splits them")
            .sample("/bin/cat"),
        Param::new("template", Type::Template, DEFAULT_TEMPLATE)
            .sample("RSYSLOG_TraditionalFileFormat"),
        Param::new("confirmMessages", Type::Bool, "off")
            .note("the program answers OK (or an error) on its standard output after it starts and after each message"),
        Param::new("confirmTimeout", MS, "10000"),
        Param::new("reportFailures", Type::Bool, "off"),
        Param::new("useTransactions", Type::Bool, "off")
            .note("each batch between beginTransactionMark and commitTransactionMark"),
        Param::new("beginTransactionMark", Type::Str, "BEGIN TRANSACTION")
            .note("with useTransactions only"),
        Param::new("commitTransactionMark", Type::Str, "COMMIT TRANSACTION")
            .note("with useTransactions only"),
        Param::new("forceSingleInstance", Type::Bool, "off").warned(
            "corelog runs one program per action, always (the action's one writer), which is what \"on\" asks",
        ),
        Param::new("hup.signal", HUP_SIGNALS, "none")
            .note("sent to the program on SIGHUP"),
        Param::new("signalOnClose", Type::Bool, "off")
            .note("SIGTERM to the program before its input is closed at shutdown"),
        Param::new("closeTimeout", MS, "5000"),
        Param::new("killUnresponsive", Type::Bool, "off")
            .note("when not given, signalOnClose's value; SIGKILL when the program has not ended within closeTimeout"),
        Param::new("output", Type::Path, "")
            .note("a file for the program's standard error, and its standard output without confirmMessages (else both are discarded)")
            .sample("/tmp/corelog-sample.out"),
        Param::new("fileCreateMode", Type::Mode, "0600").note("with output only"),
    ],
};

/// The signal forwarded on SIGHUP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HupSignal {
    Hup,
    Usr1,
    Usr2,
    Int,
    Term,
}

impl HupSignal {
    pub fn number(self) -> libc::c_int {
        match self {
            HupSignal::Hup => libc::SIGHUP,
            HupSignal::Usr1 => libc::SIGUSR1,
            HupSignal::Usr2 => libc::SIGUSR2,
            HupSignal::Int => libc::SIGINT,
            HupSignal::Term => libc::SIGTERM,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OmprogConfig {
    /// The program, and its arguments (`argv[1..]`).
    pub binary: PathBuf,
    pub args: Vec<String>,
    pub confirm: bool,
    pub confirm_timeout: Duration,
    pub report_failures: bool,
    /// The begin and commit marks, with `useTransactions`.
    pub transactions: Option<(String, String)>,
    pub hup_signal: Option<HupSignal>,
    pub signal_on_close: bool,
    pub close_timeout: Duration,
    pub kill_unresponsive: bool,
    /// Where the program's output goes, and the mode the file is made
    /// with.
    pub output: Option<(PathBuf, u32)>,
}

/// `binary=` as rsyslog's `split_binary_parameters` splits it: the
/// program up to the first space; the rest at each space outside double
/// quotes, the quotes kept in the argument.
pub fn split_binary(text: &str) -> (String, Vec<String>) {
    let Some((binary, params)) = text.split_once(' ') else {
        return (text.to_string(), Vec::new());
    };
    let mut args = Vec::new();
    let mut arg = String::new();
    let mut quoted = false;
    // Whether the last character ended an argument (then no argument
    // follows it).
    let mut split = false;
    for c in params.chars() {
        split = false;
        match c {
            ' ' if !quoted => {
                args.push(std::mem::take(&mut arg));
                split = true;
            }
            '"' => {
                quoted = !quoted;
                arg.push(c);
            }
            _ => arg.push(c),
        }
    }
    if !params.is_empty() && !split {
        args.push(arg);
    }
    (binary.to_string(), args)
}

/// The settings, or the parameter at fault and why.
pub fn resolve(r: &Resolved) -> Result<OmprogConfig, (&'static str, String)> {
    r.consumed("template");
    let binary = r.opt_str("binary").unwrap_or_default();
    let confirm = r.bool("confirmMessages");
    let confirm_timeout = Duration::from_millis(r.int("confirmTimeout") as u64);
    let report_failures = r.bool("reportFailures");
    let use_transactions = r.bool("useTransactions");
    let begin = r.opt_str("beginTransactionMark").unwrap_or_default();
    let commit = r.opt_str("commitTransactionMark").unwrap_or_default();
    let hup_signal = match r.choice("hup.signal") {
        1 => Some(HupSignal::Hup),
        2 => Some(HupSignal::Usr1),
        3 => Some(HupSignal::Usr2),
        4 => Some(HupSignal::Int),
        5 => Some(HupSignal::Term),
        _ => None,
    };
    let signal_on_close = r.bool("signalOnClose");
    let close_timeout = Duration::from_millis(r.int("closeTimeout") as u64);
    let kill_unresponsive = r.given_bool("killUnresponsive").unwrap_or(signal_on_close);
    debug_assert!(r.given("killUnresponsive") || kill_unresponsive == signal_on_close);
    let output = r.opt_str("output").filter(|o| !o.is_empty());
    let mode = r.int("fileCreateMode") as u32;
    if binary.trim().is_empty() {
        return Err((
            "binary",
            "no program to run: give binary=\"/path/to/program [arguments]\" (or $ActionOMProgBinary before a :omprog: action)".into(),
        ));
    }
    for mark in ["beginTransactionMark", "commitTransactionMark"] {
        if r.given(mark) && !use_transactions {
            return Err((
                mark,
                format!("{mark} is written only with useTransactions=\"on\""),
            ));
        }
    }
    if r.given("fileCreateMode") && output.is_none() {
        return Err((
            "fileCreateMode",
            "fileCreateMode is the mode of the output file: give output=\"…\" too, as rsyslog requires".into(),
        ));
    }
    let (program, args) = split_binary(&binary);
    Ok(OmprogConfig {
        binary: PathBuf::from(program),
        args,
        confirm,
        confirm_timeout,
        report_failures,
        transactions: use_transactions.then_some((begin, commit)),
        hup_signal,
        signal_on_close,
        close_timeout,
        kill_unresponsive,
        output: output.map(|o| (PathBuf::from(o), mode)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_split_as_rsyslog_splits_it() {
        assert_eq!(split_binary("/bin/cat"), ("/bin/cat".into(), vec![]));
        assert_eq!(
            split_binary("/usr/bin/logger -t tag"),
            ("/usr/bin/logger".into(), vec!["-t".into(), "tag".into()])
        );
        // Quotes group and are kept; two spaces make an empty argument.
        assert_eq!(
            split_binary("/bin/sh -c \"echo a b\"  x"),
            (
                "/bin/sh".into(),
                vec!["-c".into(), "\"echo a b\"".into(), "".into(), "x".into()]
            )
        );
        // A space at the end ends the last argument and starts none.
        assert_eq!(
            split_binary("/bin/x a "),
            ("/bin/x".into(), vec!["a".into()])
        );
        assert_eq!(split_binary("/bin/x "), ("/bin/x".into(), vec![]));
    }
}
