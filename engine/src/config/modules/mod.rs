//! One parameter table per module and object, with the typed config each
//! resolves into.
//!
//! In: a [`Resolved`](super::param::Resolved) for an object of the module
//! (its own parameters over its module's and the legacy directives').
//! Out: the module's typed config ([`InputConfig`], [`OutputConfig`],
//! [`Globals`], [`QueueParams`](super::QueueParams), [`ActionCommon`]),
//! the only form in which the runtime sees a configuration.
//!
//! Every parameter rsyslog 8.2302 has for a module is in its table, with
//! rsyslog's spelling, type, default and legacy directive, and corelog's
//! status: supported (read into a field here), refused (an error naming
//! the reason), or accepted with a warning (only where the reason shows
//! that ignoring it cannot change what is delivered, to whom, or how
//! securely). `docs/parameters.md` is generated from these tables.

pub mod action;
pub mod global;
pub mod imfile;
pub mod imhttp;
pub mod imkafka;
pub mod imklog;
pub mod immark;
pub mod impstats;
pub mod imptcp;
pub mod imrelp;
pub mod imtcp;
pub mod imudp;
pub mod imuxsock;
pub mod input;
pub mod lookup;
pub mod mm;
pub mod omfile;
pub mod omfwd;
pub mod omkafka;
pub mod omnats;
pub mod omprog;
pub mod omrelp;
pub mod omusrmsg;
pub mod omuxsock;
pub mod output;
pub mod parsers;
pub mod queue;
pub mod ruleset;
pub mod stats;
pub mod template;
pub mod timezone;
pub mod tls;

pub use action::ActionCommon;
pub use global::Globals;
pub use input::{InputConfig, KeepAlive, Listen, SocketFile};
pub use output::OutputConfig;

/// The supported module and table whose parameter has the legacy
/// directive `$name` (case-insensitive): global first, then `action()`,
/// then each module's tables.
pub fn legacy_param(name: &str) -> Option<(LegacyScope, &'static Param)> {
    let is = |p: &&'static Param| p.legacy.is_some_and(|l| l[1..].eq_ignore_ascii_case(name));
    if let Some(p) = global::TABLE.params.iter().find(is) {
        return Some((LegacyScope::Global, p));
    }
    if let Some(p) = global::LEGACY
        .params
        .iter()
        .find(|p| p.name[1..].eq_ignore_ascii_case(name))
    {
        return Some((LegacyScope::GlobalLegacy, p));
    }
    if let Some(p) = action::TABLE.params.iter().find(is) {
        return Some((LegacyScope::Action, p));
    }
    for m in MODULES.iter().filter(|m| m.refused.is_none()) {
        for t in [m.module, m.instance] {
            if let Some(p) = t.params.iter().find(is) {
                return Some((LegacyScope::Module(m, t), p));
            }
        }
    }
    None
}

/// Where a legacy directive's setting goes.
#[derive(Debug, Clone, Copy)]
pub enum LegacyScope {
    /// A `global()` parameter, applied at once.
    Global,
    /// A directive without a parameter ([`global::LEGACY`]).
    GlobalLegacy,
    /// An `action()` parameter, for the legacy actions that follow.
    Action,
    /// A module's parameter (found in this table), for the legacy inputs
    /// or actions of the module that follow.
    Module(&'static Module, &'static Table),
}

/// Every legacy directive name the tables know, for "did you mean".
pub fn legacy_names() -> impl Iterator<Item = &'static str> {
    let tables = [&global::TABLE, &action::TABLE]
        .into_iter()
        .chain(MODULES.iter().flat_map(|m| [m.module, m.instance]));
    tables
        .flat_map(|t| t.params.iter().filter_map(|p| p.legacy))
        .chain(global::LEGACY.params.iter().map(|p| p.name))
        .map(|l| &l[1..])
}

use super::param::{Param, Table, Type};

/// Reasons for refusing, shared by the tables.
pub mod why {
    pub const PRIORITY: &str = "corelogd's TLS is rustls, which takes no GnuTLS priority string or OpenSSL command: its suites are fixed (TLS 1.3 and 1.2, ECDHE with AES-GCM or ChaCha20-Poly1305); what the string would have allowed or forbidden would not be; remove it (see docs/tls.md)";
    pub const INTERNAL: &str =
        "corelogd does not make these notices yet, so they would not be logged";
    pub const COMPRESSION: &str =
        "compression is not built; what was asked to be compressed or decompressed would not be";
    pub const SIGNING: &str = "signing and encryption providers are not built; the data would be written unsigned and in the clear";
    pub const FRAMING: &str = "this framing is not built; messages would be split where the sender did not mean them to be";
    pub const PORT_FILE: &str =
        "writing the bound port to a file is not built; the file would not be written";
    pub const NAMESPACE: &str = "network namespaces and device binding are not built; the socket would be in the default namespace, on every device";
    pub const NOT_BUILT: &str = "corelog does not do this yet; remove the parameter";
    pub const THREADS: &str = "corelogd runs one thread per core (--cores); rsyslog's thread and scheduling settings have nothing to tune, and every message is handled the same";
    pub const FLOW: &str = "corelogd's inputs always apply back-pressure (a full queue stops reading, and only datagram inputs drop, counted), which loses nothing that flow control would have kept";
    pub const CASE: &str = "%fromhost% is the sender's address (corelogd does no reverse DNS), which has no case to keep or lower";
    pub const BATCH: &str = "a batch size only sets how many messages are handled at once; corelogd sizes its own batches, and every message is delivered the same";
    pub const LISTENERS: &str = "corelogd opens one listener per port given, on every core; there is no listener count to limit";
    pub const DEBUG: &str =
        "rsyslog's debugging switches have no counterpart; they change no message";
    pub const STATS_TUNING: &str = "a tuning hint for rsyslog's own threads and caches; corelogd delivers every message the same without it";
}

/// The stream drivers rsyslog names: ptcp (plain TCP), gtls and ossl
/// (TLS).
pub const DRIVERS: Type = Type::Enum(&["ptcp", "gtls", "ossl"]);

/// What a module does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleKind {
    Input,
    Output,
    /// A message modifier (`mm…`): an `action()` that changes the message,
    /// run inline by the rule engine.
    Modifier,
    /// A parser module (`pm…`), for `parser()` objects and rulesets'
    /// parser chains.
    Parser,
    /// A function module (`fm…`): loading it makes its functions known to
    /// expressions.
    Function,
}

/// A module a configuration may name, and whether corelog runs it.
#[derive(Debug)]
pub struct Module {
    /// The name in `load=` and `type=` (`imtcp`, `omfile`).
    pub name: &'static str,
    /// Built into rsyslogd: usable without `module(load=)`, and loaded as
    /// `builtin:<name>`.
    pub builtin: bool,
    pub kind: ModuleKind,
    /// `module(load=…)` parameters.
    pub module: &'static Table,
    /// `input()` or `action()` parameters (for actions: the module's own,
    /// besides [`action::TABLE`] and [`queue::TABLE`]).
    pub instance: &'static Table,
    /// `None` when corelog runs it; else why loading it is an error.
    pub refused: Option<&'static str>,
    /// `module()` parameters that set an instance parameter of another
    /// name (module name, instance name).
    pub renames: &'static [(&'static str, &'static str)],
}

/// A module corelog does not run: loading it is an error with this reason.
const fn refused(name: &'static str, builtin: bool, kind: ModuleKind, why: &'static str) -> Module {
    Module {
        name,
        builtin,
        kind,
        module: &EMPTY_MODULE,
        instance: &EMPTY_INSTANCE,
        refused: Some(why),
        renames: &[],
    }
}

static EMPTY_MODULE: Table = Table {
    object: "module()",
    params: &[],
};
static EMPTY_INSTANCE: Table = Table {
    object: "instance",
    params: &[],
};

/// Every module the configuration may name.
pub static MODULES: &[Module] = &[
    Module {
        name: "imtcp",
        builtin: false,
        kind: ModuleKind::Input,
        module: &imtcp::MODULE,
        instance: &imtcp::INPUT,
        refused: None,
        renames: imtcp::MODULE_RENAMES,
    },
    Module {
        name: "imptcp",
        builtin: false,
        kind: ModuleKind::Input,
        module: &imptcp::MODULE,
        instance: &imptcp::INPUT,
        refused: None,
        renames: &[],
    },
    Module {
        name: "imudp",
        builtin: false,
        kind: ModuleKind::Input,
        module: &imudp::MODULE,
        instance: &imudp::INPUT,
        refused: None,
        renames: &[],
    },
    Module {
        name: "imuxsock",
        builtin: false,
        kind: ModuleKind::Input,
        module: &imuxsock::MODULE,
        instance: &imuxsock::INPUT,
        refused: None,
        renames: &[],
    },
    Module {
        name: "imrelp",
        builtin: false,
        kind: ModuleKind::Input,
        module: &imrelp::MODULE,
        instance: &imrelp::INPUT,
        refused: None,
        renames: &[],
    },
    Module {
        name: "omfile",
        builtin: true,
        kind: ModuleKind::Output,
        module: &omfile::MODULE,
        instance: &omfile::ACTION,
        refused: None,
        renames: &[],
    },
    Module {
        name: "omfwd",
        builtin: true,
        kind: ModuleKind::Output,
        module: &omfwd::MODULE,
        instance: &omfwd::ACTION,
        refused: None,
        renames: &[],
    },
    Module {
        name: "omrelp",
        builtin: false,
        kind: ModuleKind::Output,
        module: &omrelp::MODULE,
        instance: &omrelp::ACTION,
        refused: None,
        renames: &[],
    },
    Module {
        name: "omkafka",
        builtin: false,
        kind: ModuleKind::Output,
        module: &omkafka::MODULE,
        instance: &omkafka::ACTION,
        refused: None,
        renames: &[],
    },
    Module {
        name: "omnats",
        builtin: false,
        kind: ModuleKind::Output,
        module: &omnats::MODULE,
        instance: &omnats::ACTION,
        refused: None,
        renames: &[],
    },
    Module {
        name: "mmjsonparse",
        builtin: false,
        kind: ModuleKind::Modifier,
        module: &EMPTY_MODULE,
        instance: &mm::JSONPARSE,
        refused: None,
        renames: &[],
    },
    Module {
        name: "mmpstrucdata",
        builtin: false,
        kind: ModuleKind::Modifier,
        module: &EMPTY_MODULE,
        instance: &mm::PSTRUCDATA,
        refused: None,
        renames: &[],
    },
    Module {
        name: "mmfields",
        builtin: false,
        kind: ModuleKind::Modifier,
        module: &EMPTY_MODULE,
        instance: &mm::FIELDS,
        refused: None,
        renames: &[],
    },
    Module {
        name: "mmanon",
        builtin: false,
        kind: ModuleKind::Modifier,
        module: &EMPTY_MODULE,
        instance: &mm::ANON,
        refused: None,
        renames: &[],
    },
    Module {
        name: "mmrm1stspace",
        builtin: false,
        kind: ModuleKind::Modifier,
        module: &EMPTY_MODULE,
        instance: &mm::RM1STSPACE,
        refused: None,
        renames: &[],
    },
    Module {
        name: "mmutf8fix",
        builtin: false,
        kind: ModuleKind::Modifier,
        module: &EMPTY_MODULE,
        instance: &mm::UTF8FIX,
        refused: None,
        renames: &[],
    },
    Module {
        name: "mmsequence",
        builtin: false,
        kind: ModuleKind::Modifier,
        module: &EMPTY_MODULE,
        instance: &mm::SEQUENCE,
        refused: None,
        renames: &[],
    },
    Module {
        name: "fmhash",
        builtin: false,
        kind: ModuleKind::Function,
        module: &EMPTY_MODULE,
        instance: &EMPTY_INSTANCE,
        refused: None,
        renames: &[],
    },
    Module {
        name: "pmrfc3164",
        builtin: true,
        kind: ModuleKind::Parser,
        module: &EMPTY_MODULE,
        instance: &parsers::PMRFC3164,
        refused: None,
        renames: &[],
    },
    Module {
        name: "pmrfc5424",
        builtin: true,
        kind: ModuleKind::Parser,
        module: &EMPTY_MODULE,
        instance: &EMPTY_INSTANCE,
        refused: None,
        renames: &[],
    },
    Module {
        name: "pmlastmsg",
        builtin: false,
        kind: ModuleKind::Parser,
        module: &EMPTY_MODULE,
        instance: &EMPTY_INSTANCE,
        refused: None,
        renames: &[],
    },
    Module {
        name: "pmcisconames",
        builtin: false,
        kind: ModuleKind::Parser,
        module: &EMPTY_MODULE,
        instance: &EMPTY_INSTANCE,
        refused: None,
        renames: &[],
    },
    Module {
        name: "pmsnare",
        builtin: false,
        kind: ModuleKind::Parser,
        module: &EMPTY_MODULE,
        instance: &parsers::PMSNARE,
        refused: None,
        renames: &[],
    },
    Module {
        name: "pmaixforwardedfrom",
        builtin: false,
        kind: ModuleKind::Parser,
        module: &EMPTY_MODULE,
        instance: &EMPTY_INSTANCE,
        refused: None,
        renames: &[],
    },
    Module {
        name: "pmnull",
        builtin: false,
        kind: ModuleKind::Parser,
        module: &EMPTY_MODULE,
        instance: &parsers::PMNULL,
        refused: None,
        renames: &[],
    },
    Module {
        name: "pmciscoios",
        builtin: false,
        kind: ModuleKind::Parser,
        module: &EMPTY_MODULE,
        instance: &parsers::PMCISCOIOS,
        refused: None,
        renames: &[],
    },
    refused(
        "pmnormalize",
        false,
        ModuleKind::Parser,
        "liblognorm rulebases are not built; messages would not be normalised",
    ),
    Module {
        name: "imklog",
        builtin: false,
        kind: ModuleKind::Input,
        module: &imklog::MODULE,
        instance: &EMPTY_INSTANCE,
        refused: None,
        renames: &[],
    },
    refused(
        "mmnormalize",
        false,
        ModuleKind::Modifier,
        "liblognorm rulebases are not built; messages would not be normalised and no $! fields set",
    ),
    refused(
        "mmexternal",
        false,
        ModuleKind::Modifier,
        "running an external program on each message is not built yet; messages would not be changed",
    ),
    refused(
        "imkmsg",
        false,
        ModuleKind::Input,
        "reading /dev/kmsg's structured records is not built; imklog reads the kernel's messages (module(load=\"imklog\"))",
    ),
    refused(
        "imjournal",
        false,
        ModuleKind::Input,
        "reading the systemd journal is not built yet; its messages would not be logged. Have journald forward to the syslog socket (ForwardToSyslog=yes) instead",
    ),
    Module {
        name: "imkafka",
        builtin: false,
        kind: ModuleKind::Input,
        module: &imkafka::MODULE,
        instance: &imkafka::INPUT,
        refused: None,
        renames: &[],
    },
    Module {
        name: "imfile",
        builtin: false,
        kind: ModuleKind::Input,
        module: &imfile::MODULE,
        instance: &imfile::INPUT,
        refused: None,
        renames: &[],
    },
    Module {
        name: "imhttp",
        builtin: false,
        kind: ModuleKind::Input,
        module: &imhttp::MODULE,
        instance: &imhttp::INPUT,
        refused: None,
        renames: &[],
    },
    Module {
        name: "impstats",
        builtin: false,
        kind: ModuleKind::Input,
        module: &impstats::MODULE,
        instance: &EMPTY_INSTANCE,
        refused: None,
        renames: &[],
    },
    Module {
        name: "immark",
        builtin: false,
        kind: ModuleKind::Input,
        module: &immark::MODULE,
        instance: &EMPTY_INSTANCE,
        refused: None,
        renames: &[],
    },
    Module {
        name: "omprog",
        builtin: false,
        kind: ModuleKind::Output,
        module: &EMPTY_MODULE,
        instance: &omprog::ACTION,
        refused: None,
        renames: &[],
    },
    refused(
        "ommail",
        false,
        ModuleKind::Output,
        "sending mail is not built; no mail would be sent",
    ),
    Module {
        name: "omuxsock",
        builtin: false,
        kind: ModuleKind::Output,
        module: &omuxsock::MODULE,
        instance: &omuxsock::ACTION,
        refused: None,
        renames: &[],
    },
    refused(
        "omjournal",
        false,
        ModuleKind::Output,
        "writing to the systemd journal is not built; nothing would reach the journal. Write to a file, or forward to a syslog receiver",
    ),
    refused(
        "ompipe",
        true,
        ModuleKind::Output,
        "writing to named pipes is not built yet; nothing would be written to the pipe",
    ),
    Module {
        name: "omusrmsg",
        builtin: true,
        kind: ModuleKind::Output,
        module: &EMPTY_MODULE,
        instance: &omusrmsg::ACTION,
        refused: None,
        renames: &[],
    },
];

/// The module called `name` (case-insensitive).
pub fn module(name: &str) -> Option<&'static Module> {
    MODULES.iter().find(|m| m.name.eq_ignore_ascii_case(name))
}

/// Every table, in the order of the reference.
pub fn tables() -> Vec<&'static Table> {
    let mut t: Vec<&'static Table> = vec![
        &global::TABLE,
        &global::LEGACY,
        &queue::TABLE,
        &ruleset::MAIN_QUEUE,
        &ruleset::RULESET,
        &action::TABLE,
        &template::TEMPLATE,
        &template::PROPERTY,
        &template::CONSTANT,
        &lookup::LOOKUP_TABLE,
        &parsers::PARSER,
        &timezone::TIMEZONE,
        &stats::DYN_STATS,
        &stats::PERCENTILE_STATS,
    ];
    for m in MODULES.iter().filter(|m| m.refused.is_none()) {
        // Modules without parameters (the message modifiers' module(),
        // mmrm1stspace) have no table to show.
        t.extend(
            [m.module, m.instance]
                .into_iter()
                .filter(|t| !t.params.is_empty()),
        );
    }
    t
}
