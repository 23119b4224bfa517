//! From statements to the plan: legacy directives applied in order, objects
//! checked against [`super::schema`], templates compiled, filters and
//! expressions compiled, rulesets and `call`s resolved.
//!
//! In: the statement list of a whole configuration (includes spliced in).
//! Out: a [`Plan`], or every error found (each with its position). The
//! order of effects is rsyslog's: a `$Directive` affects what follows it;
//! `$ActionQueue…` settings and `$ActionResumeRetryCount` are consumed by
//! the next action of any kind; `$ActionResumeInterval`,
//! `$ActionExecOnlyWhenPreviousIsSuspended` and the file and forward
//! defaults stay until changed; templates must be defined before use;
//! `call` targets and input rulesets are resolved at the end.

use std::collections::HashMap;
use std::sync::Arc;

use super::ast::{Object, Param, Stmt, Value};
use super::load::directive_name;
use super::queue::{parse_bool, parse_size, QueueParams, QueueScope};
use super::schema::{self, ModuleKind};
use super::{suggestion, ConfigError, ConfigErrors, Pos, Sources};
use crate::parse::ParseOptions;
use crate::rule::{self, CExpr, Cond, PriFilter, PropFilter};
use crate::template::{
    self, parse_list_constant, parse_list_property, Syntax, Template, TemplateEscape,
};

/// The name of the ruleset that exists from the start.
pub const DEFAULT_RULESET: &str = "RSYSLOG_DefaultRuleset";

/// Parameters as given: lower-cased name, value, position.
#[derive(Debug, Clone, Default)]
pub struct Params(pub Vec<(String, Value, Pos)>);

impl Params {
    fn from_object(o: &Object) -> Params {
        Params(
            o.params
                .iter()
                .map(|p| (p.name.to_ascii_lowercase(), p.value.clone(), p.pos))
                .collect(),
        )
    }

    /// The value of `name` (lower case), as text.
    pub fn get(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .rev()
            .find(|(n, _, _)| n == name)
            .map(|(_, v, _)| v.text())
    }

    fn pos(&self, name: &str) -> Option<Pos> {
        self.0
            .iter()
            .rev()
            .find(|(n, _, _)| n == name)
            .map(|(_, _, p)| *p)
    }

    fn set(&mut self, name: &str, value: &str, pos: Pos) {
        self.0
            .push((name.to_string(), Value::Str(value.to_string()), pos));
    }
}

/// Process-wide settings.
#[derive(Debug, Clone)]
pub struct Globals {
    pub work_directory: Option<String>,
    /// `maxMessageSize` (rsyslog's code default is 8096).
    pub max_message_size: i64,
    pub parse: ParseOptions,
    pub preserve_fqdn: bool,
    pub local_hostname: Option<String>,
    pub umask: Option<u32>,
    pub max_open_files: Option<i64>,
    pub enable_dns: bool,
}

impl Default for Globals {
    fn default() -> Self {
        Globals {
            work_directory: None,
            max_message_size: 8096,
            parse: ParseOptions::default(),
            preserve_fqdn: false,
            local_hostname: None,
            umask: None,
            max_open_files: None,
            enable_dns: true,
        }
    }
}

/// A `module(load=…)` or `$ModLoad`.
#[derive(Debug, Clone)]
pub struct ModuleDef {
    pub name: &'static str,
    pub params: Params,
    pub pos: Pos,
}

/// An input: `input(type=…)` or a legacy `$…ServerRun`.
#[derive(Debug, Clone)]
pub struct InputDef {
    pub kind: &'static str,
    pub params: Params,
    /// Index into [`Plan::rulesets`].
    pub ruleset: usize,
    pub pos: Pos,
}

/// omfile settings that legacy directives supply.
#[derive(Debug, Clone, PartialEq)]
pub struct FileDefaults {
    pub file_create_mode: u32,
    pub dir_create_mode: u32,
    pub create_dirs: bool,
    pub file_owner: Option<String>,
    pub file_group: Option<String>,
    pub dir_owner: Option<String>,
    pub dir_group: Option<String>,
    pub dynafile_cache_size: i64,
    pub io_buffer_size: i64,
    pub flush_on_tx_end: bool,
    pub sync: bool,
}

impl Default for FileDefaults {
    fn default() -> Self {
        FileDefaults {
            file_create_mode: 0o644,
            dir_create_mode: 0o700,
            create_dirs: true,
            file_owner: None,
            file_group: None,
            dir_owner: None,
            dir_group: None,
            dynafile_cache_size: 10,
            io_buffer_size: 4096,
            flush_on_tx_end: true,
            sync: false,
        }
    }
}

/// An action with everything it needs to run.
#[derive(Debug, Clone)]
pub struct ActionDef {
    pub name: String,
    /// The output module (`omfile`, `omfwd`, `omrelp`, …).
    pub kind: &'static str,
    pub params: Params,
    pub template: Arc<Template>,
    /// omfile's `dynaFile` (or a legacy `?template`).
    pub dynafile: Option<Arc<Template>>,
    pub queue: QueueParams,
    pub resume_retry_count: i64,
    pub resume_interval_s: i64,
    pub exec_only_when_previous_is_suspended: bool,
    pub file: FileDefaults,
    /// Legacy `~` or `stop`-like discard (no output).
    pub discard: bool,
    pub pos: Pos,
}

/// A ruleset.
#[derive(Debug, Clone)]
pub struct RulesetDef {
    pub name: String,
    /// Its own queue, if it has one (any `queue.*` parameter, or
    /// `$RulesetCreateMainQueue on`).
    pub queue: Option<QueueParams>,
    pub stmts: Vec<rule::Stmt>,
    pub pos: Pos,
}

/// The validated, immutable plan the runtime executes.
#[derive(Debug, Clone)]
pub struct Plan {
    pub sources: Sources,
    pub globals: Globals,
    pub modules: Vec<ModuleDef>,
    pub inputs: Vec<InputDef>,
    pub templates: HashMap<String, Arc<Template>>,
    pub rulesets: Vec<RulesetDef>,
    /// Index of `RSYSLOG_DefaultRuleset` (or `$DefaultRuleset`).
    pub default_ruleset: usize,
    pub main_queue: QueueParams,
    pub actions: Vec<ActionDef>,
    /// Things that are valid but worth saying (unsupported modules, `~`).
    pub warnings: Vec<ConfigError>,
}

impl Plan {
    pub fn ruleset(&self, name: &str) -> Option<usize> {
        self.rulesets
            .iter()
            .position(|r| r.name.eq_ignore_ascii_case(name))
    }

    /// The statement lists of every ruleset, for [`rule::run_batch`].
    pub fn ruleset_bodies(&self) -> Vec<Vec<rule::Stmt>> {
        self.rulesets.iter().map(|r| r.stmts.clone()).collect()
    }

    /// Warnings formatted like errors (`file:line:col: warning: …`).
    pub fn warning_lines(&self) -> Vec<String> {
        self.warnings
            .iter()
            .map(|w| {
                format!(
                    "{}:{}:{}: warning: {}",
                    self.sources.name(w.pos.file),
                    w.pos.line,
                    w.pos.col,
                    w.message
                )
            })
            .collect()
    }
}

/// Builds the plan; see the module documentation.
pub fn build(stmts: &[Stmt], sources: Sources) -> Result<Plan, ConfigErrors> {
    build_checked(stmts, sources, Vec::new())
}

/// [`build`], adding errors already found while reading.
pub fn build_checked(
    stmts: &[Stmt],
    sources: Sources,
    errors: Vec<ConfigError>,
) -> Result<Plan, ConfigErrors> {
    let mut b = Builder::new();
    let had_read_errors = !errors.is_empty();
    b.errors = errors;
    b.top_level(stmts);
    if had_read_errors {
        // Names may be undefined only because their definition did not parse.
        b.errors.retain(|e| !e.message.contains("has no actions"));
    }
    b.finish(sources)
}

/// `call` targets and input rulesets, resolved at the end.
struct Pending {
    name: String,
    pos: Pos,
}

/// A statement under construction: `call` still by name.
enum PStmt {
    If {
        cond: Cond,
        then: Vec<PStmt>,
        els: Vec<PStmt>,
    },
    Action(usize),
    Stop,
    Call(Pending),
    Continue,
    Set {
        var: crate::prop::PropRef,
        expr: CExpr,
    },
    Unset {
        var: crate::prop::PropRef,
    },
}

/// Legacy directive state.
struct Legacy {
    action_queue: QueueParams,
    action_queue_pos: Option<Pos>,
    resume_retry_count: i64,
    resume_interval_s: i64,
    exec_only_when_previous_is_suspended: bool,
    file_default_template: Option<String>,
    forward_default_template: Option<String>,
    file: FileDefaults,
    main_queue: QueueParams,
    tcp_bind_ruleset: Option<String>,
    tcp_max_sessions: Option<String>,
    udp_address: Option<String>,
    udp_bind_ruleset: Option<String>,
    relp_bind_ruleset: Option<String>,
}

impl Legacy {
    fn new() -> Legacy {
        Legacy {
            action_queue: QueueParams::defaults(QueueScope::Action),
            action_queue_pos: None,
            resume_retry_count: 0,
            resume_interval_s: 30,
            exec_only_when_previous_is_suspended: false,
            file_default_template: None,
            forward_default_template: None,
            file: FileDefaults::default(),
            main_queue: QueueParams::defaults(QueueScope::MainLegacy),
            tcp_bind_ruleset: None,
            tcp_max_sessions: None,
            udp_address: None,
            udp_bind_ruleset: None,
            relp_bind_ruleset: None,
        }
    }
}

struct Builder {
    errors: Vec<ConfigError>,
    warnings: Vec<ConfigError>,
    globals: Globals,
    global_set: Vec<String>,
    modules: Vec<ModuleDef>,
    inputs: Vec<(InputDef, Option<Pending>)>,
    templates: HashMap<String, Arc<Template>>,
    rulesets: Vec<(String, Option<QueueParams>, Vec<PStmt>, Pos)>,
    current: usize,
    default_ruleset: Option<Pending>,
    main_queue_obj: Option<QueueParams>,
    actions: Vec<ActionDef>,
    legacy: Legacy,
    omfile_module_template: Option<String>,
    omfwd_module_template: Option<String>,
}

const LEGACY_DIRECTIVES: &[&str] = &[
    "ModLoad",
    "template",
    "WorkDirectory",
    "ActionResumeRetryCount",
    "ActionResumeInterval",
    "ActionExecOnlyWhenPreviousIsSuspended",
    "Ruleset",
    "RulesetCreateMainQueue",
    "DefaultRuleset",
    "InputTCPServerRun",
    "InputTCPServerBindRuleset",
    "InputTCPMaxSessions",
    "UDPServerRun",
    "UDPServerAddress",
    "InputUDPServerBindRuleset",
    "InputRELPServerRun",
    "InputRELPServerBindRuleset",
    "FileOwner",
    "FileGroup",
    "DirOwner",
    "DirGroup",
    "FileCreateMode",
    "DirCreateMode",
    "Umask",
    "CreateDirs",
    "MaxOpenFiles",
    "IncludeConfig",
    "MaxMessageSize",
    "EscapeControlCharactersOnReceive",
    "EscapeControlCharacterTab",
    "ControlCharacterEscapePrefix",
    "DropTrailingLFOnReception",
    "Escape8BitCharactersOnReceive",
    "ActionFileDefaultTemplate",
    "ActionForwardDefaultTemplate",
    "RepeatedMsgReduction",
    "PreserveFQDN",
    "LocalHostName",
    "ActionFileEnableSync",
    "OMFileZipLevel",
    "OMFileIOBufferSize",
    "OMFileFlushOnTXEnd",
    "OMFileFlushInterval",
    "OMFileASyncWriting",
    "DynaFileCacheSize",
    "FailOnChownFailure",
    "ResetConfigVariables",
    "PrivDropToUser",
    "PrivDropToGroup",
    "KLogPermitNonKernelFacility",
    "SystemLogSocketName",
    "OmitLocalLogging",
    "SystemLogRateLimitInterval",
    "SystemLogRateLimitBurst",
];

const QUEUE_DIRECTIVE_SUFFIXES: &[(&str, &str)] = &[
    ("Type", "type"),
    ("Size", "size"),
    ("DequeueBatchSize", "dequeueBatchSize"),
    ("MaxDiskSpace", "maxDiskSpace"),
    ("HighWaterMark", "highWatermark"),
    ("LowWaterMark", "lowWatermark"),
    ("DiscardMark", "discardMark"),
    ("DiscardSeverity", "discardSeverity"),
    ("CheckpointInterval", "checkpointInterval"),
    ("SyncQueueFiles", "syncQueueFiles"),
    ("WorkerThreads", "workerThreads"),
    ("TimeoutShutdown", "timeoutShutdown"),
    ("TimeoutActionCompletion", "timeoutActionCompletion"),
    ("TimeoutEnqueue", "timeoutEnqueue"),
    ("WorkerTimeoutThreadShutdown", "timeoutWorkerthreadShutdown"),
    ("WorkerThreadMinimumMessages", "workerThreadMinimumMessages"),
    ("MaxFileSize", "maxFileSize"),
    ("SaveOnShutdown", "saveOnShutdown"),
    ("DequeueSlowdown", "dequeueSlowdown"),
    ("DequeueTimeBegin", "dequeueTimeBegin"),
    ("DequeueTimeEnd", "dequeueTimeEnd"),
    ("FileName", "filename"),
];

impl Builder {
    fn new() -> Builder {
        Builder {
            errors: Vec::new(),
            warnings: Vec::new(),
            globals: Globals::default(),
            global_set: Vec::new(),
            modules: Vec::new(),
            inputs: Vec::new(),
            templates: HashMap::new(),
            rulesets: vec![(
                DEFAULT_RULESET.to_string(),
                None,
                Vec::new(),
                Pos::default(),
            )],
            current: 0,
            default_ruleset: None,
            main_queue_obj: None,
            actions: Vec::new(),
            legacy: Legacy::new(),
            omfile_module_template: None,
            omfwd_module_template: None,
        }
    }

    fn err(&mut self, pos: Pos, msg: impl Into<String>) {
        self.errors.push(ConfigError::new(pos, msg));
    }

    fn warn(&mut self, pos: Pos, msg: impl Into<String>) {
        self.warnings.push(ConfigError::new(pos, msg));
    }

    fn ruleset_index(&self, name: &str) -> Option<usize> {
        self.rulesets
            .iter()
            .position(|r| r.0.eq_ignore_ascii_case(name))
    }

    // Top level.

    fn top_level(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            match s {
                Stmt::Object(o) => match o.kind.to_ascii_lowercase().as_str() {
                    "global" => self.global_object(o),
                    "module" => self.module_object(o),
                    "input" => self.input_object(o),
                    "template" => self.template_object(o),
                    "ruleset" => self.ruleset_object(o),
                    "main_queue" => self.main_queue_object(o),
                    "parser" | "timezone" | "lookup_table" | "dyn_stats" | "percentile_stats"
                    | "ratelimit" => self.err(
                        o.pos,
                        format!(
                            "{}() is not supported by corelog yet (see docs/config.md)",
                            o.kind
                        ),
                    ),
                    "action" => {
                        if let Some(st) = self.statement(s) {
                            self.rulesets[self.current].2.push(st);
                        }
                    }
                    other => {
                        let known = [
                            "global",
                            "module",
                            "input",
                            "template",
                            "ruleset",
                            "main_queue",
                            "action",
                            "include",
                            "parser",
                        ];
                        let hint = suggestion(other, known);
                        self.err(o.pos, format!("unknown object '{}()'{hint}", o.kind));
                    }
                },
                Stmt::Directive { text, pos } => self.directive(text, *pos),
                other => {
                    if let Some(st) = self.statement(other) {
                        self.rulesets[self.current].2.push(st);
                    }
                }
            }
        }
    }

    // Statements inside rulesets.

    fn statements(&mut self, stmts: &[Stmt]) -> Vec<PStmt> {
        let mut out = Vec::new();
        for s in stmts {
            if let Stmt::Directive { text, pos } = s {
                self.directive(text, *pos);
                continue;
            }
            if let Some(p) = self.statement(s) {
                out.push(p);
            }
        }
        out
    }

    fn statement(&mut self, s: &Stmt) -> Option<PStmt> {
        match s {
            Stmt::Object(o) if o.kind.eq_ignore_ascii_case("action") => {
                self.action_object(o).map(PStmt::Action)
            }
            Stmt::Object(o) => {
                self.err(
                    o.pos,
                    format!(
                        "{}() cannot stand inside a ruleset or block; only action() can",
                        o.kind
                    ),
                );
                None
            }
            Stmt::If {
                cond,
                then,
                els,
                pos,
            } => {
                let cond = match CExpr::compile(cond) {
                    Ok(c) => optimize_pri_text(c, *pos, &mut self.errors),
                    Err(e) => {
                        self.errors.push(e);
                        return None;
                    }
                };
                let then = self.statements(then);
                let els = self.statements(els);
                Some(PStmt::If {
                    cond: Cond::Expr(cond),
                    then,
                    els,
                })
            }
            Stmt::Selector {
                selector,
                actions,
                pos,
            } => self.filtered(PriFilter::parse(selector).map(Cond::Pri), actions, *pos),
            Stmt::PropFilter {
                filter,
                actions,
                pos,
            } => self.filtered(PropFilter::parse(filter).map(Cond::Prop), actions, *pos),
            Stmt::LegacyAction { text, pos } => self.legacy_action(text, *pos),
            Stmt::Directive { text, pos } => {
                self.directive(text, *pos);
                None
            }
            Stmt::Stop(_) => Some(PStmt::Stop),
            Stmt::Continue(_) => Some(PStmt::Continue),
            Stmt::Call { name, pos } => Some(PStmt::Call(Pending {
                name: name.clone(),
                pos: *pos,
            })),
            Stmt::Set { var, expr, pos } => {
                let var = self.set_target(var, *pos)?;
                match CExpr::compile(expr) {
                    Ok(expr) => Some(PStmt::Set { var, expr }),
                    Err(e) => {
                        self.errors.push(e);
                        None
                    }
                }
            }
            Stmt::Unset { var, pos } => self.set_target(var, *pos).map(|var| PStmt::Unset { var }),
            Stmt::Block(b) => {
                let inner = self.statements(b);
                Some(PStmt::If {
                    cond: Cond::Expr(CExpr::Num(1)),
                    then: inner,
                    els: Vec::new(),
                })
            }
        }
    }

    /// A legacy filter and the actions under it.
    fn filtered(
        &mut self,
        cond: Result<Cond, String>,
        actions: &[Stmt],
        pos: Pos,
    ) -> Option<PStmt> {
        let cond = cond.map_err(|e| self.err(pos, e)).ok()?;
        let then = self.statements(actions);
        Some(PStmt::If {
            cond,
            then,
            els: Vec::new(),
        })
    }

    fn set_target(&mut self, var: &str, pos: Pos) -> Option<crate::prop::PropRef> {
        if var.starts_with("$/") {
            self.err(
                pos,
                format!("global variables ({var}) are not supported by corelog yet; use $! or $."),
            );
            return None;
        }
        match rule::expr::resolve_var(var, pos) {
            Ok(p) if matches!(p.id, crate::prop::PropId::Var(_)) && !p.var_name.is_empty() => {
                Some(p)
            }
            Ok(_) => {
                self.err(pos, format!("invalid variable '{var}' in set statement: only $!name and $.name can be set"));
                None
            }
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    // Objects.

    /// Reports parameters of `o` not in any of `allowed` (case-insensitive).
    fn check_params(&mut self, o: &Object, what: &str, allowed: &[&[&str]]) {
        for p in &o.params {
            let name = p.name.to_ascii_lowercase();
            if name == "config.enabled" {
                continue;
            }
            if allowed.iter().any(|set| set.contains(&name.as_str())) {
                continue;
            }
            let hint = suggestion(&name, allowed.iter().flat_map(|s| s.iter().copied()));
            self.err(
                p.pos,
                format!("unknown parameter '{}' in {what}{hint}", p.name),
            );
        }
        let mut seen: Vec<&str> = Vec::new();
        for p in &o.params {
            if seen.contains(&p.name.as_str()) {
                self.err(
                    p.pos,
                    format!("parameter '{}' given twice in {what}", p.name),
                );
            }
            seen.push(&p.name);
        }
    }

    fn enabled(&mut self, o: &Object) -> bool {
        match o.get("config.enabled") {
            None => true,
            Some(p) => match p.value.text().as_str() {
                "on" => true,
                "off" => false,
                other => {
                    self.err(
                        p.pos,
                        format!("config.enabled must be \"on\" or \"off\", not \"{other}\""),
                    );
                    false
                }
            },
        }
    }

    fn bool_param(&mut self, p: &Param) -> Option<bool> {
        match parse_bool(&p.value.text()) {
            Some(b) => Some(b),
            None => {
                self.err(
                    p.pos,
                    format!(
                        "{} must be \"on\" or \"off\", not \"{}\"",
                        p.name,
                        p.value.text()
                    ),
                );
                None
            }
        }
    }

    fn global_object(&mut self, o: &Object) {
        if !self.enabled(o) {
            return;
        }
        self.check_params(o, "global()", &[schema::GLOBAL]);
        for p in &o.params {
            let name = p.name.to_ascii_lowercase();
            if self.global_set.contains(&name) {
                self.err(
                    p.pos,
                    format!("global parameter '{}' set more than once", p.name),
                );
            }
            self.global_set.push(name.clone());
            let v = p.value.text();
            match name.as_str() {
                "workdirectory" => {
                    self.globals.work_directory = Some(v.trim_end_matches('/').to_string())
                }
                "maxmessagesize" => match parse_size(&v) {
                    Some(n) => self.globals.max_message_size = n.max(128),
                    None => self.err(p.pos, format!("maxMessageSize must be a size, not \"{v}\"")),
                },
                "preservefqdn" => self.globals.preserve_fqdn = self.bool_param(p).unwrap_or(false),
                "localhostname" => self.globals.local_hostname = Some(v),
                "net.enabledns" => self.globals.enable_dns = self.bool_param(p).unwrap_or(true),
                "umask" => self.globals.umask = self.mode(p.pos, &v),
                "maxopenfiles" => self.globals.max_open_files = v.parse().ok(),
                "parser.escapecontrolcharactersonreceive" => {
                    self.globals.parse.sanitize.escape_control_chars =
                        self.bool_param(p).unwrap_or(true)
                }
                "parser.escapecontrolcharactertab" => {
                    self.globals.parse.sanitize.escape_tab = self.bool_param(p).unwrap_or(true)
                }
                "parser.escape8bitcharactersonreceive" => {
                    self.globals.parse.sanitize.escape_8bit = self.bool_param(p).unwrap_or(false)
                }
                "parser.droptrailinglfonreception" => {
                    self.globals.parse.sanitize.drop_trailing_lf =
                        self.bool_param(p).unwrap_or(true)
                }
                "parser.controlcharacterescapeprefix" => match v.as_bytes() {
                    [c] => self.globals.parse.sanitize.escape_prefix = *c,
                    _ => self.err(
                        p.pos,
                        "parser.controlCharacterEscapePrefix must be one character",
                    ),
                },
                "parser.permitslashinprogramname" => {
                    self.globals.parse.permit_slash_in_programname =
                        self.bool_param(p).unwrap_or(false)
                }
                _ => {}
            }
        }
    }

    fn mode(&mut self, pos: Pos, v: &str) -> Option<u32> {
        let ok = v.starts_with('0') && (4..=5).contains(&v.len());
        match u32::from_str_radix(v, 8) {
            Ok(m) if ok => Some(m),
            _ => {
                self.err(
                    pos,
                    format!("file mode must be octal with a leading 0 (e.g. 0644), not \"{v}\""),
                );
                None
            }
        }
    }

    fn load_module(&mut self, load: &str, pos: Pos, params: Params, o: Option<&Object>) {
        let (name, builtin_prefix) = match load.strip_prefix("builtin:") {
            Some(n) => (n, true),
            None => (load.trim_end_matches(".so"), false),
        };
        let Some(m) = schema::module(name) else {
            let hint = suggestion(name, schema::MODULES.iter().map(|m| m.name));
            self.err(pos, format!("unknown module '{load}'{hint}"));
            return;
        };
        if m.builtin && !builtin_prefix {
            self.err(
                pos,
                format!("'{name}' is built in: load it as \"builtin:{name}\""),
            );
            return;
        }
        if !m.supported {
            self.warn(pos, format!("module '{}' is accepted but not run by corelog: what it would do does not happen", m.name));
        }
        if !m.builtin && self.modules.iter().any(|d| d.name == m.name) {
            self.err(pos, format!("module '{}' is loaded twice", m.name));
            return;
        }
        if let Some(o) = o {
            let what = format!("module(load=\"{load}\")");
            self.check_params(o, &what, &[&["load"], m.module_params]);
        }
        if m.name == "omfile" {
            self.omfile_module_template = params.get("template");
        }
        if m.name == "omfwd" {
            self.omfwd_module_template = params.get("template");
        }
        // imuxsock listens on the system socket unless told not to
        // (`SysSock.Use="off"`), as in rsyslog: an input without input().
        if m.name == "imuxsock" && params.get("syssock.use").as_deref() != Some("off") {
            let mut input = Params::default();
            input.set("type", "imuxsock", pos);
            let socket = params
                .get("syssock.name")
                .unwrap_or_else(|| "/dev/log".into());
            input.set("socket", &socket, pos);
            self.inputs.push((
                InputDef {
                    kind: "imuxsock",
                    params: input,
                    ruleset: 0,
                    pos,
                },
                None,
            ));
        }
        self.modules.push(ModuleDef {
            name: m.name,
            params,
            pos,
        });
    }

    fn module_loaded(&self, name: &str) -> Option<&'static schema::Module> {
        let m = schema::module(name)?;
        (m.builtin || self.modules.iter().any(|d| d.name == m.name)).then_some(m)
    }

    fn module_object(&mut self, o: &Object) {
        if !self.enabled(o) {
            return;
        }
        let Some(load) = o.get("load").map(|p| p.value.text()) else {
            self.err(o.pos, "module() needs load=\"name\"");
            return;
        };
        self.load_module(&load, o.pos, Params::from_object(o), Some(o));
    }

    fn input_object(&mut self, o: &Object) {
        if !self.enabled(o) {
            return;
        }
        let Some(kind) = o.get("type").map(|p| p.value.text()) else {
            self.err(o.pos, "input() needs type=\"…\"");
            return;
        };
        let Some(m) = self
            .module_loaded(&kind)
            .filter(|m| m.kind == ModuleKind::Input)
        else {
            let loaded = schema::module(&kind).is_some_and(|m| m.kind == ModuleKind::Input);
            if loaded {
                self.err(o.pos, format!("input module '{kind}' is not loaded: add module(load=\"{kind}\") before this input()"));
            } else {
                let hint = suggestion(
                    &kind,
                    schema::MODULES
                        .iter()
                        .filter(|m| m.kind == ModuleKind::Input)
                        .map(|m| m.name),
                );
                self.err(o.pos, format!("unknown input module '{kind}'{hint}"));
            }
            return;
        };
        let what = format!("input(type=\"{kind}\")");
        self.check_params(o, &what, &[m.instance_params]);
        let params = Params::from_object(o);
        let pending = params.get("ruleset").map(|name| Pending {
            name,
            pos: params.pos("ruleset").unwrap_or(o.pos),
        });
        let needs_port = matches!(m.name, "imtcp" | "imptcp" | "imrelp")
            && params.get("port").is_none()
            && params.get("path").is_none();
        if needs_port {
            self.err(o.pos, format!("input(type=\"{kind}\") needs port=\"…\""));
        }
        self.inputs.push((
            InputDef {
                kind: m.name,
                params,
                ruleset: 0,
                pos: o.pos,
            },
            pending,
        ));
    }

    fn template_object(&mut self, o: &Object) {
        if !self.enabled(o) {
            return;
        }
        self.check_params(o, "template()", &[schema::TEMPLATE]);
        let Some(name) = o.get("name").map(|p| p.value.text()) else {
            self.err(o.pos, "template() needs name=\"…\"");
            return;
        };
        let kind = o.get("type").map(|p| p.value.text()).unwrap_or_default();
        let mut escape = TemplateEscape::None;
        let mut jsonf = false;
        let mut n_opts = 0;
        for (opt, e) in [
            ("option.sql", Some(TemplateEscape::Sql)),
            ("option.stdsql", Some(TemplateEscape::StdSql)),
            ("option.json", Some(TemplateEscape::Json)),
            ("option.jsonf", None),
            ("option.jsonftree", None),
        ] {
            if let Some(p) = o.get(opt) {
                if self.bool_param(p) == Some(true) {
                    n_opts += 1;
                    match e {
                        Some(e) => escape = e,
                        None if opt == "option.jsonf" => jsonf = true,
                        None => self.err(p.pos, "option.jsonftree is not supported by corelog yet"),
                    }
                }
            }
        }
        if n_opts > 1 {
            self.err(o.pos, "template(): at most one of option.sql, option.stdsql, option.json, option.jsonf, option.jsonftree");
        }
        let tpl = match kind.as_str() {
            "string" => {
                if !o.items.is_empty() {
                    self.err(
                        o.pos,
                        "a string template takes no { property() constant() } list",
                    );
                }
                let Some(text) = o.get("string").map(|p| p.value.text()) else {
                    self.err(o.pos, "template(type=\"string\") needs string=\"…\"");
                    return;
                };
                match Template::from_string(&name, &text, Syntax::RainerScript) {
                    Ok(t) => t,
                    Err(e) => {
                        // Point into the string: after `string="`, at the offset.
                        let pos = o.get("string").map_or(o.pos, |p| Pos {
                            col: p.pos.col + "string=\"".len() as u32 + e.offset as u32,
                            ..p.pos
                        });
                        self.err(pos, format!("template '{name}': {}", e.message));
                        return;
                    }
                }
            }
            "list" => {
                let mut steps = Vec::new();
                for item in &o.items {
                    let params: Vec<(String, String)> = item
                        .params
                        .iter()
                        .map(|p| (p.name.clone(), p.value.text()))
                        .collect();
                    let result = match item.kind.to_ascii_lowercase().as_str() {
                        "property" => {
                            self.check_params(item, "property()", &[schema::PROPERTY]);
                            let refs: Vec<(&str, &str)> = params
                                .iter()
                                .map(|(k, v)| (k.as_str(), v.as_str()))
                                .collect();
                            parse_list_property(&refs).map(|f| template::Step::Field(Box::new(f)))
                        }
                        "constant" => {
                            self.check_params(item, "constant()", &[schema::CONSTANT]);
                            let refs: Vec<(&str, &[u8])> = params
                                .iter()
                                .map(|(k, v)| (k.as_str(), v.as_bytes()))
                                .collect();
                            parse_list_constant(&refs)
                        }
                        other => {
                            self.err(item.pos, format!("unknown list template item '{other}()': expected property() or constant()"));
                            continue;
                        }
                    };
                    match result {
                        Ok(s) => steps.push(s),
                        Err(e) => self.err(item.pos, format!("template '{name}': {}", e.message)),
                    }
                }
                Template::from_steps(&name, steps)
            }
            "subtree" | "plugin" => {
                self.err(
                    o.pos,
                    format!("template(type=\"{kind}\") is not supported by corelog yet"),
                );
                return;
            }
            other => {
                let hint = suggestion(other, ["string", "list", "subtree", "plugin"]);
                self.err(o.pos, format!("template '{name}': type must be \"string\" or \"list\", not \"{other}\"{hint}"));
                return;
            }
        };
        self.add_template(name, tpl.with_escape(escape).with_jsonf(jsonf), o.pos);
    }

    fn add_template(&mut self, name: String, tpl: Template, pos: Pos) {
        if self.templates.contains_key(&name) || Template::builtin(&name).is_some() {
            self.warn(pos, format!("template '{name}' is defined more than once; the first definition is used, as in rsyslog"));
            return;
        }
        self.templates.insert(name, Arc::new(tpl));
    }

    fn template_ref(&mut self, name: &str, pos: Pos) -> Option<Arc<Template>> {
        if let Some(t) = self.templates.get(name) {
            return Some(Arc::clone(t));
        }
        if let Some(t) = Template::builtin(name) {
            let t = Arc::new(t);
            self.templates.insert(name.to_string(), Arc::clone(&t));
            return Some(t);
        }
        let names: Vec<String> = self.templates.keys().cloned().collect();
        let hint = suggestion(
            name,
            names
                .iter()
                .map(String::as_str)
                .chain(template::BUILTIN_NAMES.iter().copied()),
        );
        self.err(
            pos,
            format!(
                "template '{name}' is not defined (templates must be defined before use){hint}"
            ),
        );
        None
    }

    fn ruleset_object(&mut self, o: &Object) {
        if !self.enabled(o) {
            return;
        }
        self.check_params(o, "ruleset()", &[schema::RULESET, schema::QUEUE]);
        let Some(name) = o.get("name").map(|p| p.value.text()) else {
            self.err(o.pos, "ruleset() needs name=\"…\"");
            return;
        };
        if self.ruleset_index(&name).is_some() {
            self.err(o.pos, format!("ruleset '{name}' is defined more than once"));
            return;
        }
        if let Some(p) = o.get("parser") {
            self.err(p.pos, "ruleset(parser=…) is not supported by corelog yet; the default parser chain is used");
        }
        let queue = self.queue_params(o, QueueScope::Ruleset);
        let idx = self.rulesets.len();
        self.rulesets.push((name, queue, Vec::new(), o.pos));
        let body = o.body.clone().unwrap_or_default();
        let stmts = self.statements(&body);
        self.rulesets[idx].2 = stmts;
    }

    /// `queue.*` parameters of an object, if any was given.
    fn queue_params(&mut self, o: &Object, scope: QueueScope) -> Option<QueueParams> {
        let mut q = QueueParams::defaults(scope);
        let mut any = false;
        for p in &o.params {
            let lname = p.name.to_ascii_lowercase();
            if let Some(rest) = lname.strip_prefix("queue.") {
                any = true;
                if let Err(e) = q.set(rest, &p.value.text()) {
                    self.err(p.pos, e);
                }
            }
        }
        if !any {
            return None;
        }
        for w in q.correct() {
            self.warn(o.pos, w);
        }
        Some(q)
    }

    fn main_queue_object(&mut self, o: &Object) {
        if self.main_queue_obj.is_some() {
            self.err(o.pos, "main_queue() can only be given once");
            return;
        }
        self.check_params(o, "main_queue()", &[schema::MAIN_QUEUE, schema::QUEUE]);
        // Any main_queue() switches every unset parameter to ruleset defaults.
        let q = self
            .queue_params(o, QueueScope::Ruleset)
            .unwrap_or_else(|| {
                let mut q = QueueParams::defaults(QueueScope::Ruleset);
                q.correct();
                q
            });
        self.main_queue_obj = Some(q);
    }

    // Actions.

    fn action_object(&mut self, o: &Object) -> Option<usize> {
        if !self.enabled(o) {
            return None;
        }
        let Some(kind) = o.get("type").map(|p| p.value.text()) else {
            self.err(o.pos, "action() needs type=\"…\"");
            return None;
        };
        let Some(m) = self
            .module_loaded(&kind)
            .filter(|m| m.kind == ModuleKind::Output)
        else {
            if schema::module(&kind).is_some_and(|m| m.kind == ModuleKind::Output) {
                self.err(o.pos, format!("output module '{kind}' is not loaded: add module(load=\"{kind}\") before this action"));
            } else {
                let hint = suggestion(
                    &kind,
                    schema::MODULES
                        .iter()
                        .filter(|m| m.kind == ModuleKind::Output)
                        .map(|m| m.name),
                );
                self.err(o.pos, format!("unknown output module '{kind}'{hint}"));
            }
            return None;
        };
        if !m.supported {
            self.warn(
                o.pos,
                format!(
                    "action type '{}' is accepted but not run by corelog",
                    m.name
                ),
            );
        }
        let what = format!("action(type=\"{kind}\")");
        self.check_params(
            o,
            &what,
            &[schema::ACTION_GENERAL, schema::QUEUE, m.instance_params],
        );
        let params = Params::from_object(o);
        let queue = self.queue_params(o, QueueScope::Action).unwrap_or_else(|| {
            let mut q = QueueParams::defaults(QueueScope::Action);
            q.correct();
            q
        });
        let mut resume_retry_count = 0;
        let mut resume_interval_s = 30;
        let mut exec_only = false;
        for p in &o.params {
            match p.name.to_ascii_lowercase().as_str() {
                "action.resumeretrycount" => match p.value.text().trim().parse::<i64>() {
                    Ok(n) if n >= -1 => resume_retry_count = n,
                    _ => self.err(
                        p.pos,
                        "action.resumeRetryCount must be a number, -1 for forever",
                    ),
                },
                "action.resumeinterval" => match p.value.text().trim().parse::<i64>() {
                    Ok(n) if n >= 0 => resume_interval_s = n,
                    _ => self.err(p.pos, "action.resumeInterval must be a number of seconds"),
                },
                "action.execonlywhenpreviousissuspended" => {
                    exec_only = self.bool_param(p).unwrap_or(false)
                }
                _ => {}
            }
        }
        let template_name = params
            .get("template")
            .or_else(|| self.default_template(m.name));
        let template = self.template_ref(
            &template_name.unwrap_or_default(),
            params.pos("template").unwrap_or(o.pos),
        )?;
        let mut dynafile = None;
        let mut file = self.legacy.file.clone();
        if m.name == "omfile" {
            match (params.get("file"), params.get("dynafile")) {
                (Some(_), None) => {}
                (None, Some(d)) => {
                    dynafile = Some(self.template_ref(&d, params.pos("dynafile").unwrap_or(o.pos))?)
                }
                (Some(_), Some(_)) => self.err(
                    o.pos,
                    "action(type=\"omfile\") takes file= or dynaFile=, not both",
                ),
                (None, None) => self.err(
                    o.pos,
                    "action(type=\"omfile\") needs file=\"…\" or dynaFile=\"…\"",
                ),
            }
            for p in &o.params {
                let v = p.value.text();
                match p.name.to_ascii_lowercase().as_str() {
                    "filecreatemode" => {
                        file.file_create_mode = self.mode(p.pos, &v).unwrap_or(0o644)
                    }
                    "dircreatemode" => file.dir_create_mode = self.mode(p.pos, &v).unwrap_or(0o700),
                    "createdirs" => file.create_dirs = self.bool_param(p).unwrap_or(true),
                    "sync" => file.sync = self.bool_param(p).unwrap_or(false),
                    "flushontxend" => file.flush_on_tx_end = self.bool_param(p).unwrap_or(true),
                    "fileowner" => file.file_owner = Some(v),
                    "filegroup" => file.file_group = Some(v),
                    "dirowner" => file.dir_owner = Some(v),
                    "dirgroup" => file.dir_group = Some(v),
                    "dynafilecachesize" => match v.parse::<i64>() {
                        Ok(n) => file.dynafile_cache_size = n.max(1),
                        Err(_) => self.err(p.pos, "dynaFileCacheSize must be a number"),
                    },
                    "iobuffersize" => match parse_size(&v) {
                        Some(n) => file.io_buffer_size = n,
                        None => self.err(p.pos, "ioBufferSize must be a size"),
                    },
                    _ => {}
                }
            }
        }
        if matches!(m.name, "omfwd" | "omrelp") && params.get("target").is_none() {
            self.err(
                o.pos,
                format!("action(type=\"{}\") needs target=\"…\"", m.name),
            );
        }
        let idx = self.actions.len();
        let name = params
            .get("name")
            .unwrap_or_else(|| format!("action-{idx}-{}", m.name));
        self.actions.push(ActionDef {
            name,
            kind: m.name,
            params,
            template,
            dynafile,
            queue,
            resume_retry_count,
            resume_interval_s,
            exec_only_when_previous_is_suspended: exec_only,
            file,
            discard: false,
            pos: o.pos,
        });
        self.reset_after_action();
        Some(idx)
    }

    fn default_template(&self, module: &str) -> Option<String> {
        Some(match module {
            "omfile" => self
                .legacy
                .file_default_template
                .clone()
                .or_else(|| self.omfile_module_template.clone())
                .unwrap_or_else(|| "RSYSLOG_FileFormat".into()),
            "omfwd" => self
                .legacy
                .forward_default_template
                .clone()
                .or_else(|| self.omfwd_module_template.clone())
                .unwrap_or_else(|| "RSYSLOG_TraditionalForwardFormat".into()),
            "omrelp" => "RSYSLOG_ForwardFormat".into(),
            "ompipe" | "omusrmsg" => "RSYSLOG_TraditionalFileFormat".into(),
            _ => return None,
        })
    }

    /// What every action consumes: `$ActionQueue…` and `$ActionResumeRetryCount`.
    fn reset_after_action(&mut self) {
        self.legacy.action_queue = QueueParams::defaults(QueueScope::Action);
        self.legacy.action_queue_pos = None;
        self.legacy.resume_retry_count = 0;
    }

    /// A legacy action: `/file`, `-/file`, `?dyna`, `@host`, `@@host`,
    /// `:omrelp:host:port`, `~`, `|pipe`, `:omusrmsg:user`, `*`, each with an
    /// optional `;template`.
    fn legacy_action(&mut self, text: &str, pos: Pos) -> Option<PStmt> {
        let text = text.trim();
        if text == "~" {
            self.warn(pos, "the ~ action is deprecated; use stop");
            return Some(PStmt::Stop);
        }
        if text.eq_ignore_ascii_case("stop") {
            return Some(PStmt::Stop);
        }
        let (kind, rest) = if let Some(r) = text.strip_prefix(":omrelp:") {
            ("omrelp", r)
        } else if let Some(r) = text.strip_prefix(":omusrmsg:") {
            ("omusrmsg", r)
        } else if let Some(r) = text.strip_prefix(":omfile:") {
            ("omfile", r)
        } else if text.starts_with('@') {
            ("omfwd", text)
        } else if let Some(r) = text.strip_prefix('|') {
            ("ompipe", r)
        } else if text == "*" {
            ("omusrmsg", text)
        } else if text.starts_with(['/', '-', '?', '.']) {
            ("omfile", text)
        } else if text.starts_with('^') {
            self.err(
                pos,
                format!("'{text}': program execution (omshell) is not supported"),
            );
            return None;
        } else {
            self.err(pos, format!("'{text}' is not an action: expected /file, -/file, ?template, @host, @@host, :omrelp:host:port, ~ or stop"));
            return None;
        };
        let Some(m) = self.module_loaded(kind) else {
            self.err(pos, format!("'{text}' needs module(load=\"{kind}\") first"));
            return None;
        };
        if !m.supported {
            self.warn(
                pos,
                format!(
                    "'{text}': {} actions are accepted but not run by corelog",
                    m.name
                ),
            );
        }
        // `target;template`, where the target ends at `;` or white space.
        let target_end = rest.find([';', ' ', '\t']).unwrap_or(rest.len());
        let (target, after) = rest.split_at(target_end);
        let after = after.trim_start();
        let template_name = match after.strip_prefix(';') {
            Some(t) => {
                let t = t
                    .split(|c: char| c.is_whitespace() || c == '#')
                    .next()
                    .unwrap_or("");
                if t.is_empty() {
                    self.err(
                        pos,
                        format!("'{text}': a template name is expected after ';'"),
                    );
                    return None;
                }
                Some(t.to_string())
            }
            None if after.is_empty() || after.starts_with('#') => None,
            None => {
                self.err(
                    pos,
                    format!("'{text}': unexpected '{after}' (a ';template' may follow the target)"),
                );
                return None;
            }
        };
        let mut params = Params::default();
        let mut dynafile = None;
        match kind {
            "omfile" => {
                let t = target.strip_prefix('-').unwrap_or(target);
                if let Some(dyn_name) = t.strip_prefix('?') {
                    dynafile = Some(self.template_ref(dyn_name, pos)?);
                    params.set("dynafile", dyn_name, pos);
                } else {
                    params.set("file", t, pos);
                }
            }
            "omfwd" => {
                let tcp = target.starts_with("@@");
                let mut t = target.trim_start_matches('@');
                if let Some(r) = t.strip_prefix('(') {
                    let Some((opts, r)) = r.split_once(')') else {
                        self.err(pos, format!("'{text}': ')' missing after the options"));
                        return None;
                    };
                    for o in opts.split(',') {
                        match o {
                            "o" => params.set("tcp_framing", "octet-counted", pos),
                            z if z.starts_with('z')
                                && z.len() == 2
                                && z.as_bytes()[1].is_ascii_digit() =>
                            {
                                params.set("ziplevel", &z[1..], pos)
                            }
                            other => self.err(
                                pos,
                                format!("'{text}': unknown forwarding option '{other}'"),
                            ),
                        }
                    }
                    t = r;
                }
                let (host, port) = split_host_port(t);
                if host.is_empty() {
                    self.err(pos, format!("'{text}': a host is expected"));
                    return None;
                }
                params.set("target", host, pos);
                params.set("port", port.unwrap_or("514"), pos);
                params.set("protocol", if tcp { "tcp" } else { "udp" }, pos);
            }
            "omrelp" => {
                let (host, port) = split_host_port(target);
                params.set("target", host, pos);
                params.set("port", port.unwrap_or("514"), pos);
            }
            "ompipe" => params.set("pipe", target, pos),
            _ => params.set("users", target, pos),
        }
        let template_name = template_name.or_else(|| self.default_template(m.name));
        let template = self.template_ref(&template_name.unwrap_or_default(), pos)?;
        let mut queue = self.legacy.action_queue.clone();
        for w in queue.correct() {
            self.warn(self.legacy.action_queue_pos.unwrap_or(pos), w);
        }
        let idx = self.actions.len();
        self.actions.push(ActionDef {
            name: format!("action-{idx}-{}", m.name),
            kind: m.name,
            params,
            template,
            dynafile,
            queue,
            resume_retry_count: self.legacy.resume_retry_count,
            resume_interval_s: self.legacy.resume_interval_s,
            exec_only_when_previous_is_suspended: self.legacy.exec_only_when_previous_is_suspended,
            file: self.legacy.file.clone(),
            discard: false,
            pos,
        });
        self.reset_after_action();
        Some(PStmt::Action(idx))
    }

    // Legacy directives.

    fn directive(&mut self, text: &str, pos: Pos) {
        let name = directive_name(text);
        let arg = text[name.len()..].trim();
        // A comment may follow the value.
        let arg = arg.split(" #").next().unwrap_or(arg).trim();
        let lname = name.to_ascii_lowercase();
        let word = arg.split_whitespace().next().unwrap_or("");
        if let Some(suffix) = lname.strip_prefix("actionqueue") {
            return self.queue_directive(suffix, name, word, pos, false);
        }
        if let Some(suffix) = lname.strip_prefix("mainmsgqueue") {
            return self.queue_directive(suffix, name, word, pos, true);
        }
        let boolean = |b: &mut Builder| -> Option<bool> {
            let v = parse_bool(word);
            if v.is_none() {
                b.err(pos, format!("${name}: expected on or off, not '{word}'"));
            }
            v
        };
        match lname.as_str() {
            "modload" => self.load_module(word, pos, Params::default(), None),
            "template" => self.legacy_template(arg, pos),
            "workdirectory" => {
                self.globals.work_directory = Some(word.trim_end_matches('/').to_string())
            }
            "actionresumeretrycount" => match word.parse::<i64>() {
                Ok(n) if n >= -1 => self.legacy.resume_retry_count = n,
                _ => self.err(
                    pos,
                    format!(
                        "$ActionResumeRetryCount: expected a number (-1 = forever), not '{word}'"
                    ),
                ),
            },
            "actionresumeinterval" => match word.parse::<i64>() {
                Ok(n) if n >= 0 => self.legacy.resume_interval_s = n,
                _ => self.err(
                    pos,
                    format!("$ActionResumeInterval: expected seconds, not '{word}'"),
                ),
            },
            "actionexeconlywhenpreviousissuspended" => {
                if let Some(b) = boolean(self) {
                    self.legacy.exec_only_when_previous_is_suspended = b;
                }
            }
            "ruleset" => {
                if word.is_empty() {
                    self.err(pos, "$Ruleset needs a name");
                    return;
                }
                self.current = match self.ruleset_index(word) {
                    Some(i) => i,
                    None => {
                        self.rulesets
                            .push((word.to_string(), None, Vec::new(), pos));
                        self.rulesets.len() - 1
                    }
                };
            }
            "rulesetcreatemainqueue" => {
                if boolean(self) == Some(true) {
                    if self.rulesets[self.current].1.is_some() {
                        self.err(
                            pos,
                            format!(
                                "ruleset '{}' already has a queue",
                                self.rulesets[self.current].0
                            ),
                        );
                    } else {
                        let mut q = self.legacy.main_queue.clone();
                        q.correct();
                        self.rulesets[self.current].1 = Some(q);
                    }
                }
            }
            "defaultruleset" => {
                self.default_ruleset = Some(Pending {
                    name: word.to_string(),
                    pos,
                })
            }
            "inputtcpserverrun" => {
                let port = if word.is_empty() { "10514" } else { word };
                self.legacy_input(
                    "imtcp",
                    port,
                    None,
                    self.legacy.tcp_bind_ruleset.clone(),
                    pos,
                );
            }
            "inputtcpserverbindruleset" => self.legacy.tcp_bind_ruleset = Some(word.to_string()),
            "inputtcpmaxsessions" => self.legacy.tcp_max_sessions = Some(word.to_string()),
            "udpserverrun" => {
                let port = if word.is_empty() { "514" } else { word };
                let addr = self.legacy.udp_address.clone().filter(|a| a != "*");
                self.legacy_input(
                    "imudp",
                    port,
                    addr,
                    self.legacy.udp_bind_ruleset.clone(),
                    pos,
                );
            }
            "udpserveraddress" => self.legacy.udp_address = Some(word.to_string()),
            "inputudpserverbindruleset" => self.legacy.udp_bind_ruleset = Some(word.to_string()),
            "inputrelpserverrun" => {
                if word.is_empty() {
                    self.err(pos, "$InputRELPServerRun needs a port");
                } else {
                    self.legacy_input(
                        "imrelp",
                        word,
                        None,
                        self.legacy.relp_bind_ruleset.clone(),
                        pos,
                    );
                }
            }
            "inputrelpserverbindruleset" => self.legacy.relp_bind_ruleset = Some(word.to_string()),
            "fileowner" => self.legacy.file.file_owner = Some(word.to_string()),
            "filegroup" => self.legacy.file.file_group = Some(word.to_string()),
            "dirowner" => self.legacy.file.dir_owner = Some(word.to_string()),
            "dirgroup" => self.legacy.file.dir_group = Some(word.to_string()),
            "filecreatemode" => {
                if let Some(m) = self.mode(pos, word) {
                    self.legacy.file.file_create_mode = m;
                }
            }
            "dircreatemode" => {
                if let Some(m) = self.mode(pos, word) {
                    self.legacy.file.dir_create_mode = m;
                }
            }
            "umask" => self.globals.umask = self.mode(pos, word),
            "createdirs" => {
                if let Some(b) = boolean(self) {
                    self.legacy.file.create_dirs = b;
                }
            }
            "maxopenfiles" => match word.parse::<i64>() {
                Ok(n) if n > 0 => self.globals.max_open_files = Some(n),
                _ => self.err(
                    pos,
                    format!("$MaxOpenFiles: expected a positive number, not '{word}'"),
                ),
            },
            "maxmessagesize" => match parse_size(word) {
                Some(n) => self.globals.max_message_size = n.max(128),
                None => self.err(
                    pos,
                    format!("$MaxMessageSize: expected a size, not '{word}'"),
                ),
            },
            "escapecontrolcharactersonreceive" => {
                if let Some(b) = boolean(self) {
                    self.globals.parse.sanitize.escape_control_chars = b;
                }
            }
            "escapecontrolcharactertab" => {
                if let Some(b) = boolean(self) {
                    self.globals.parse.sanitize.escape_tab = b;
                }
            }
            "escape8bitcharactersonreceive" => {
                if let Some(b) = boolean(self) {
                    self.globals.parse.sanitize.escape_8bit = b;
                }
            }
            "droptrailinglfonreception" => {
                if let Some(b) = boolean(self) {
                    self.globals.parse.sanitize.drop_trailing_lf = b;
                }
            }
            "controlcharacterescapeprefix" => match word.as_bytes() {
                [c] => self.globals.parse.sanitize.escape_prefix = *c,
                _ => self.err(pos, "$ControlCharacterEscapePrefix needs one character"),
            },
            "actionfiledefaulttemplate" => {
                self.legacy.file_default_template = Some(word.to_string())
            }
            "actionforwarddefaulttemplate" => {
                self.legacy.forward_default_template = Some(word.to_string())
            }
            "preservefqdn" => {
                if let Some(b) = boolean(self) {
                    self.globals.preserve_fqdn = b;
                }
            }
            "localhostname" => self.globals.local_hostname = Some(word.to_string()),
            "actionfileenablesync" => {
                if let Some(b) = boolean(self) {
                    self.legacy.file.sync = b;
                }
            }
            "omfileflushontxend" => {
                if let Some(b) = boolean(self) {
                    self.legacy.file.flush_on_tx_end = b;
                }
            }
            "omfileiobuffersize" => match parse_size(word) {
                Some(n) => self.legacy.file.io_buffer_size = n,
                None => self.err(
                    pos,
                    format!("$OMFileIOBufferSize: expected a size, not '{word}'"),
                ),
            },
            "dynafilecachesize" => match word.parse::<i64>() {
                Ok(n) => self.legacy.file.dynafile_cache_size = n.max(1),
                Err(_) => self.err(
                    pos,
                    format!("$DynaFileCacheSize: expected a number, not '{word}'"),
                ),
            },
            "repeatedmsgreduction"
            | "omfilezipLevel"
            | "omfileziplevel"
            | "omfileflushinterval"
            | "omfileasyncwriting"
            | "failonchownfailure"
            | "privdroptouser"
            | "privdroptogroup"
            | "klogpermitnonkernelfacility"
            | "systemlogsocketname"
            | "omitlocallogging"
            | "systemlogratelimitinterval"
            | "systemlogratelimitburst" => {
                if lname == "repeatedmsgreduction" && parse_bool(word) == Some(true) {
                    self.warn(pos, "$RepeatedMsgReduction on is not supported by corelog; repeated messages are written as received");
                }
            }
            "resetconfigvariables" => {
                let main = self.legacy.main_queue.clone();
                self.legacy = Legacy::new();
                self.legacy.main_queue = main;
            }
            "includeconfig" => {} // spliced in by the loader
            _ => {
                let hint = suggestion(name, LEGACY_DIRECTIVES.iter().copied());
                self.err(pos, format!("unknown directive '${name}'{hint}"));
            }
        }
    }

    fn queue_directive(&mut self, suffix: &str, name: &str, value: &str, pos: Pos, main: bool) {
        let Some((_, param)) = QUEUE_DIRECTIVE_SUFFIXES
            .iter()
            .find(|(s, _)| s.eq_ignore_ascii_case(suffix))
        else {
            let prefix = if main { "MainMsgQueue" } else { "ActionQueue" };
            let hint =
                super::did_you_mean(suffix, QUEUE_DIRECTIVE_SUFFIXES.iter().map(|(s, _)| *s))
                    .map(|s| format!(" (did you mean '${prefix}{s}'?)"))
                    .unwrap_or_default();
            self.err(pos, format!("unknown directive '${name}'{hint}"));
            return;
        };
        let q = if main {
            &mut self.legacy.main_queue
        } else {
            self.legacy.action_queue_pos = Some(pos);
            &mut self.legacy.action_queue
        };
        if let Err(e) = q.set(param, value) {
            self.err(pos, format!("${name}: {e}"));
        }
    }

    fn legacy_input(
        &mut self,
        kind: &str,
        port: &str,
        address: Option<String>,
        ruleset: Option<String>,
        pos: Pos,
    ) {
        let Some(m) = self.module_loaded(kind) else {
            self.err(
                pos,
                format!("this directive needs $ModLoad {kind} (or module(load=\"{kind}\")) first"),
            );
            return;
        };
        let mut params = Params::default();
        params.set("type", kind, pos);
        params.set("port", port, pos);
        if let Some(a) = address {
            params.set("address", &a, pos);
        }
        if kind == "imtcp" {
            if let Some(s) = self.legacy.tcp_max_sessions.clone() {
                params.set("maxsessions", &s, pos);
            }
        }
        let pending = ruleset.map(|name| Pending { name, pos });
        self.inputs.push((
            InputDef {
                kind: m.name,
                params,
                ruleset: 0,
                pos,
            },
            pending,
        ));
    }

    /// `$template name,"text"[,options]` or `$template name,=strgen`.
    fn legacy_template(&mut self, arg: &str, pos: Pos) {
        let Some((name, rest)) = arg.split_once(',') else {
            self.err(pos, "$template needs name,\"text\"");
            return;
        };
        let name = name.trim().to_string();
        let rest = rest.trim_start();
        let Some(body) = rest.strip_prefix('"') else {
            self.err(
                pos,
                format!("$template {name}: the template text must be in double quotes"),
            );
            return;
        };
        // The text ends at the first `"` not escaped by a backslash.
        let mut end = None;
        let bytes = body.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' => {
                    end = Some(i);
                    break;
                }
                _ => i += 1,
            }
        }
        let Some(end) = end else {
            self.err(
                pos,
                format!("$template {name}: the closing '\"' is missing"),
            );
            return;
        };
        let text = &body[..end];
        let mut escape = TemplateEscape::None;
        let mut jsonf = false;
        for opt in body[end + 1..]
            .split(',')
            .map(|o| o.trim().to_ascii_lowercase())
        {
            match opt.as_str() {
                "" => {}
                "sql" => escape = TemplateEscape::Sql,
                "stdsql" => escape = TemplateEscape::StdSql,
                "json" => escape = TemplateEscape::Json,
                "jsonf" => jsonf = true,
                "nosql" => escape = TemplateEscape::None,
                "casesensitive" => {}
                other => {
                    let hint = suggestion(
                        other,
                        ["sql", "stdsql", "json", "jsonf", "nosql", "casesensitive"],
                    );
                    self.err(
                        pos,
                        format!("$template {name}: unknown option '{other}'{hint}"),
                    );
                }
            }
        }
        match Template::from_string(&name, text, Syntax::Legacy) {
            Ok(t) => self.add_template(name, t.with_escape(escape).with_jsonf(jsonf), pos),
            Err(e) => self.err(pos, format!("$template {name}: {}", e.message)),
        }
    }

    // The end: resolve names, assemble the plan.

    fn resolve(&mut self, p: &Pending) -> Option<usize> {
        let r = self.ruleset_index(&p.name);
        if r.is_none() {
            let names: Vec<String> = self.rulesets.iter().map(|r| r.0.clone()).collect();
            let hint = suggestion(&p.name, names.iter().map(String::as_str));
            self.err(p.pos, format!("ruleset '{}' is not defined{hint}", p.name));
        }
        r
    }

    fn finalize(&mut self, stmts: Vec<PStmt>) -> Vec<rule::Stmt> {
        stmts
            .into_iter()
            .filter_map(|s| {
                Some(match s {
                    PStmt::If { cond, then, els } => rule::Stmt::If {
                        cond,
                        then: self.finalize(then),
                        els: self.finalize(els),
                    },
                    PStmt::Action(a) => rule::Stmt::Action(a),
                    PStmt::Stop => rule::Stmt::Stop,
                    PStmt::Continue => rule::Stmt::Continue,
                    PStmt::Call(p) => rule::Stmt::Call(self.resolve(&p)?),
                    PStmt::Set { var, expr } => rule::Stmt::Set { var, expr },
                    PStmt::Unset { var } => rule::Stmt::Unset { var },
                })
            })
            .collect()
    }

    fn finish(mut self, sources: Sources) -> Result<Plan, ConfigErrors> {
        let raw = std::mem::take(&mut self.rulesets);
        self.rulesets = raw
            .iter()
            .map(|r| (r.0.clone(), r.1.clone(), Vec::new(), r.3))
            .collect();
        let mut rulesets = Vec::with_capacity(raw.len());
        for (name, queue, stmts, pos) in raw {
            let stmts = self.finalize(stmts);
            rulesets.push(RulesetDef {
                name,
                queue,
                stmts,
                pos,
            });
        }
        let default_ruleset = match self.default_ruleset.take() {
            Some(p) => self.resolve(&p).unwrap_or(0),
            None => 0,
        };
        let pending: Vec<_> = std::mem::take(&mut self.inputs);
        let mut inputs = Vec::with_capacity(pending.len());
        for (mut input, p) in pending {
            input.ruleset = match p {
                Some(p) => self.resolve(&p).unwrap_or(default_ruleset),
                None => default_ruleset,
            };
            inputs.push(input);
        }
        if self.actions.is_empty() && self.errors.is_empty() {
            self.err(Pos::default(), "the configuration has no actions: inputs would run, but nothing would be written anywhere");
        }
        let main_queue = self.main_queue_obj.take().unwrap_or_else(|| {
            let mut q = self.legacy.main_queue.clone();
            for w in q.correct() {
                self.warnings
                    .push(ConfigError::new(Pos::default(), format!("main queue: {w}")));
            }
            q
        });
        if !self.errors.is_empty() {
            self.errors.sort_by_key(|e| e.pos);
            return Err(ConfigErrors {
                errors: self.errors,
                sources,
            });
        }
        Ok(Plan {
            sources,
            globals: self.globals,
            modules: self.modules,
            inputs,
            templates: self.templates,
            rulesets,
            default_ruleset,
            main_queue,
            actions: self.actions,
            warnings: self.warnings,
        })
    }
}

/// `host[:port]` or `[v6addr][:port]`; the host ends at `:`, `;` or `#`.
fn split_host_port(s: &str) -> (&str, Option<&str>) {
    if let Some(r) = s.strip_prefix('[') {
        if let Some((host, after)) = r.split_once(']') {
            return (host, after.strip_prefix(':').filter(|p| !p.is_empty()));
        }
    }
    match s.split_once(':') {
        Some((h, p)) if !p.is_empty() => (h, Some(p)),
        Some((h, _)) => (h, None),
        None => (s, None),
    }
}

/// rsyslog's optimisation of `$syslogseverity-text == "name"` and
/// `$syslogfacility-text == "name"` into PRI tests, which decodes the name
/// case-insensitively and with aliases (`WARN`, `error`, `security`); an
/// unknown name is an error, as in rsyslog.
fn optimize_pri_text(e: CExpr, pos: Pos, errors: &mut Vec<ConfigError>) -> CExpr {
    use crate::config::ast::BinOp;
    use crate::prop::PropId;
    match e {
        CExpr::PropStr(p, op @ (BinOp::Eq | BinOp::Ne), value)
            if matches!(
                p.id,
                PropId::SyslogSeverityText | PropId::SyslogFacilityText
            ) =>
        {
            let name = String::from_utf8_lossy(&value).into_owned();
            let selector = if p.id == PropId::SyslogSeverityText {
                crate::msg::pri::severity_from_name(&name)
                    .map(|s| format!("*.={}", crate::msg::pri::SEVERITY_NAMES[usize::from(s)]))
            } else {
                crate::msg::pri::facility_from_name(&name)
                    .map(|f| format!("{}.*", crate::msg::pri::FACILITY_NAMES[usize::from(f)]))
            };
            match selector.and_then(|s| PriFilter::parse(&s).ok()) {
                Some(f) => {
                    let test = CExpr::Call(rule::expr::Func::Prifilt(f), Vec::new());
                    if op == BinOp::Eq {
                        test
                    } else {
                        CExpr::Not(Box::new(test))
                    }
                }
                None => {
                    let what = if p.id == PropId::SyslogSeverityText {
                        "severity"
                    } else {
                        "facility"
                    };
                    errors.push(ConfigError::new(
                        pos,
                        format!("invalid {what} '{name}': the comparison could never be true"),
                    ));
                    CExpr::PropStr(p, op, value)
                }
            }
        }
        CExpr::Bin(op, l, r) => CExpr::Bin(
            op,
            Box::new(optimize_pri_text(*l, pos, errors)),
            Box::new(optimize_pri_text(*r, pos, errors)),
        ),
        CExpr::Not(x) => CExpr::Not(Box::new(optimize_pri_text(*x, pos, errors))),
        other => other,
    }
}
