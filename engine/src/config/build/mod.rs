//! From statements to the plan.
//!
//! In: the statement list of a whole configuration (includes spliced in).
//! Out: a [`Plan`], or every error found (each with its position). The
//! order of effects is rsyslog's: a `$Directive` affects what follows it;
//! `$ActionQueue…` settings and `$ActionResumeRetryCount` are consumed by
//! the next action of any kind; the other legacy settings stay until
//! changed; templates must be defined before use; `call` targets and
//! input rulesets are resolved at the end, and so are inputs (after every
//! global setting is known).
//!
//! The jobs, one file each: [`objects`] (RainerScript objects through
//! their modules' tables), [`legacy`] (`$Directive`s), [`legacy_action`]
//! (`/file`, `@@host` and `$template`), [`statements`] (rulesets'
//! bodies, filters and expressions), [`names`] (rulesets and `call`s
//! resolved). Every parameter goes through [`super::param::Resolved`]
//! into its module's typed config.

mod legacy;
mod legacy_action;
mod names;
mod objects;
mod statements;

use std::collections::HashMap;
use std::sync::Arc;

use super::modules::{Globals, Module};
use super::param::{Diag, Given};
use super::plan::{ActionDef, InputDef, Plan, RulesetDef, DEFAULT_RULESET};
use super::queue::QueueParams;
use super::{ConfigError, ConfigErrors, Pos, Sources};
use crate::template::Template;

use names::Pending;
use statements::PStmt;

/// Builds the plan; see the module documentation.
pub fn build(stmts: &[super::ast::Stmt], sources: Sources) -> Result<Plan, ConfigErrors> {
    build_checked(stmts, sources, Vec::new())
}

/// [`build`], adding errors already found while reading.
pub fn build_checked(
    stmts: &[super::ast::Stmt],
    sources: Sources,
    errors: Vec<ConfigError>,
) -> Result<Plan, ConfigErrors> {
    // rsyslogd's own start: keys ignore case until global() says
    // otherwise (see Builder::global_object).
    crate::msg::json::set_case_sensitive(false);
    let mut b = Builder::new();
    let had_read_errors = !errors.is_empty();
    b.diag.errors = errors;
    b.top_level(stmts);
    if had_read_errors {
        // Names may be undefined only because their definition did not parse.
        b.diag
            .errors
            .retain(|e| !e.message.contains("has no actions"));
    }
    // The key comparison is the process's, as libfastjson's switch is in
    // rsyslog: the configuration loaded last has set it. (Loads running
    // side by side in one process, as in tests, share it.)
    b.finish(sources)
}

/// An input waiting for the end of the configuration, when every global
/// setting and ruleset is known.
struct PendingInput {
    module: &'static Module,
    /// Highest priority first: the object's own, the module's, legacy.
    layers: Vec<Vec<Given>>,
    /// imuxsock's system socket (from the module's parameters).
    system_socket: bool,
    ruleset: Option<Pending>,
    pos: Pos,
}

struct Builder {
    diag: Diag,
    globals: Globals,
    /// `global()` parameters set so far (a second setting is an error).
    global_set: Vec<String>,
    /// `module()` parameters, by module.
    modules: HashMap<&'static str, Vec<Given>>,
    inputs: Vec<PendingInput>,
    templates: HashMap<String, Arc<Template>>,
    /// `dyn_stats()` buckets by name.
    dyn_stats: HashMap<String, Arc<crate::rule::stats::DynStats>>,
    /// `percentile_stats()` buckets by name.
    percentile_stats: HashMap<String, Arc<crate::rule::stats::PercentileStats>>,
    /// `timezone()` objects: id and offset.
    timezones: Vec<(String, (bool, u8, u8))>,
    /// `parser()` objects by name.
    parsers: HashMap<String, crate::parse::chain::Parser>,
    /// Each ruleset's parser names, in order (`ruleset(parser=)`,
    /// `$RulesetParser`), resolved when every parser is known.
    ruleset_parsers: HashMap<usize, Vec<(String, Pos)>>,
    /// `lookup_table()`s by name.
    lookups: HashMap<String, Arc<crate::rule::lookup::LookupTable>>,
    rulesets: Vec<(String, Option<QueueParams>, Vec<PStmt>, Pos)>,
    current: usize,
    default_ruleset: Option<Pending>,
    main_queue_obj: Option<QueueParams>,
    actions: Vec<ActionDef>,
    legacy: legacy::Legacy,
    /// `input(type="imhttp")`s: their parameters and place, resolved
    /// with the module's endpoint.
    http_inputs: Vec<(Vec<Given>, Pos)>,
    /// `input(type="imkafka")`s: resolved at the end, with the module's
    /// ruleset.
    kafka_inputs: Vec<(Vec<Given>, Pos)>,
    /// `input(type="imfile")`s and `$InputRunFileMonitor`s: their own
    /// parameters, the legacy settings then in force, and their place;
    /// resolved with the module's settings.
    file_inputs: Vec<(Vec<Given>, Vec<Given>, Pos)>,
}

impl Builder {
    fn new() -> Builder {
        Builder {
            diag: Diag::default(),
            globals: Globals::default(),
            global_set: Vec::new(),
            modules: HashMap::new(),
            inputs: Vec::new(),
            templates: HashMap::new(),
            lookups: HashMap::new(),
            parsers: HashMap::new(),
            timezones: Vec::new(),
            dyn_stats: HashMap::new(),
            percentile_stats: HashMap::new(),
            ruleset_parsers: HashMap::new(),
            rulesets: vec![(
                DEFAULT_RULESET.to_string(),
                None,
                Vec::new(),
                Pos::default(),
            )],
            current: 0,
            default_ruleset: None,
            main_queue_obj: None,
            file_inputs: Vec::new(),
            actions: Vec::new(),
            legacy: legacy::Legacy::default(),
            http_inputs: Vec::new(),
            kafka_inputs: Vec::new(),
        }
    }

    fn err(&mut self, pos: Pos, msg: impl Into<String>) {
        self.diag.err(pos, msg);
    }

    fn warn(&mut self, pos: Pos, msg: impl Into<String>) {
        self.diag.warn(pos, msg);
    }

    fn finish(mut self, sources: Sources) -> Result<Plan, ConfigErrors> {
        // omuxsock cuts at maxMessageSize as it stands at the end of the
        // configuration, wherever global() sets it (rsyslog reads it when
        // it sends).
        let max_message = self.globals.max_message_size.max(1) as usize;
        for a in &mut self.actions {
            if let crate::config::OutputConfig::Omuxsock(c) = &mut a.output {
                c.max_len = max_message;
            }
        }
        let rulesets = self.finish_rulesets();
        let default_ruleset = match self.default_ruleset.take() {
            Some(p) => self.resolve(&p).unwrap_or(0),
            None => 0,
        };
        let mut inputs = self.finish_inputs(default_ruleset);
        self.finish_tls(&mut inputs);
        if self.actions.is_empty() && self.diag.errors.is_empty() {
            self.err(Pos::default(), "the configuration has no actions: inputs would run, but nothing would be written anywhere");
        }
        let main_queue = match self.main_queue_obj.take() {
            Some(q) => {
                for g in std::mem::take(&mut self.legacy.main_queue) {
                    let msg = format!("{} set by a legacy $MainMsgQueue… directive has no effect: main_queue() sets the main queue, as in rsyslog", g.name);
                    self.warn(g.pos, msg);
                }
                q
            }
            None => self.legacy_main_queue(Pos::default()),
        };
        let impstats = self.impstats();
        let klog = self.klog();
        let mark = self.mark();
        let http = self.http(default_ruleset);
        let imfile = self.imfile(default_ruleset);
        let imkafka = self.imkafka(default_ruleset);
        let errors = sorted_once(std::mem::take(&mut self.diag.errors));
        if !errors.is_empty() {
            return Err(ConfigErrors { errors, sources });
        }
        let warnings = sorted_once(std::mem::take(&mut self.diag.warnings));
        Ok(Plan {
            sources,
            globals: self.globals,
            inputs,
            templates: self.templates,
            rulesets,
            default_ruleset,
            main_queue,
            actions: self.actions,
            global_vars: Default::default(),
            lookup_tables: self.lookups.into_values().collect(),
            dyn_stats: self.dyn_stats.into_values().collect(),
            percentile_stats: self.percentile_stats.into_values().collect(),
            impstats,
            klog,
            mark,
            http,
            imfile,
            imkafka,
            warnings,
        })
    }

    /// impstats' settings, when it is loaded (its ruleset resolved); a
    /// warning for statistics buckets nothing would report.
    fn impstats(&mut self) -> Option<crate::config::modules::impstats::ImpstatsConfig> {
        use crate::config::modules::impstats;
        let Some(m) = self.module_loaded("impstats") else {
            if !self.dyn_stats.is_empty() || !self.percentile_stats.is_empty() {
                self.warn(Pos::default(), "dyn_stats and percentile_stats buckets count, but only impstats reports them (as in rsyslog): add module(load=\"impstats\")");
            }
            return None;
        };
        let own = self.modules.get("impstats").cloned().unwrap_or_default();
        let legacy = self.legacy.module("impstats");
        let pos = own.first().map_or(Pos::default(), |g| g.pos);
        let r = crate::config::param::Resolved::new(
            "module(load=\"impstats\")",
            pos,
            &[m.module],
            &[&own, &legacy],
            &mut self.diag,
        );
        let (mut config, ruleset) = impstats::resolve(&r);
        r.finish();
        if let Some(name) = ruleset {
            if config.log_syslog {
                config.ruleset = self.resolve(&Pending { name, pos });
            } else {
                self.warn(pos, "impstats: ruleset= is not used with log.syslog=\"off\" (nothing goes through the rules)");
            }
        }
        if !config.log_syslog && config.log_file.is_none() {
            self.warn(
                pos,
                "impstats: log.syslog=\"off\" and no log.file: the statistics are written nowhere",
            );
        }
        Some(config)
    }

    /// A module()'s parameters (its own, then its legacy directives'),
    /// resolved by `resolve`, and the position of its `module()`.
    fn module_settings<T>(
        &mut self,
        name: &'static str,
        resolve: impl FnOnce(&crate::config::param::Resolved) -> T,
    ) -> Option<(T, Pos)> {
        let m = self.module_loaded(name)?;
        let own = self.modules.get(m.name).cloned().unwrap_or_default();
        let legacy = self.legacy.module(m.name);
        let pos = own.first().map_or(Pos::default(), |g| g.pos);
        let object = format!("module(load=\"{name}\")");
        let r = crate::config::param::Resolved::new(
            &object,
            pos,
            &[m.module],
            &[&own, &legacy],
            &mut self.diag,
        );
        let t = resolve(&r);
        r.finish();
        Some((t, pos))
    }

    /// imklog's settings, when it is loaded (its ruleset resolved).
    fn klog(&mut self) -> Option<crate::config::modules::imklog::KlogConfig> {
        use crate::config::modules::imklog;
        let ((mut config, ruleset), pos) = self.module_settings("imklog", imklog::resolve)?;
        if let Some(name) = ruleset {
            config.ruleset = self.resolve(&Pending { name, pos });
        }
        Some(config)
    }

    /// immark's settings, when it is loaded (its ruleset resolved).
    fn mark(&mut self) -> Option<crate::config::modules::immark::MarkConfig> {
        use crate::config::modules::immark;
        let ((mut config, ruleset), pos) = self.module_settings("immark", immark::resolve)?;
        if let Some(name) = ruleset {
            config.ruleset = self.resolve(&Pending { name, pos });
            if config.syslog_call {
                // rsyslog says so too, and switches.
                self.warn(pos, "immark: a ruleset is given, so the marks go straight into it rather than as corelogd's own messages (use.syslogCall is taken as \"off\")");
                config.syslog_call = false;
            }
        }
        Some(config)
    }

    /// imkafka's inputs, when it is loaded: their rulesets resolved and
    /// their librdkafka settings checked by librdkafka.
    fn imkafka(
        &mut self,
        default_ruleset: usize,
    ) -> Option<crate::config::modules::imkafka::ImkafkaConfig> {
        use crate::config::modules::imkafka;
        let m = self.module_loaded("imkafka")?;
        let inputs = std::mem::take(&mut self.kafka_inputs);
        let (module_ruleset, pos) = self.module_settings("imkafka", |r| {
            r.opt_str("ruleset").filter(|n| !n.is_empty())
        })?;
        let module_ruleset =
            module_ruleset.map(|name| self.resolve(&Pending { name, pos }).unwrap_or(0));
        let what = "input(type=\"imkafka\")";
        let mut config = imkafka::ImkafkaConfig::default();
        for (own, at) in inputs {
            let r = crate::config::param::Resolved::new(
                what,
                at,
                &[m.instance],
                &[&own],
                &mut self.diag,
            );
            let resolved = imkafka::resolve_input(&r);
            let param_pos = |p: &str| if r.given(p) { r.pos_of(p) } else { at };
            let resolved = resolved.map_err(|(p, e)| (param_pos(p), e));
            let conf_pos = ["confParam", "broker", "consumergroup"]
                .into_iter()
                .find(|p| r.given(p))
                .map_or(at, |p| r.pos_of(p));
            self.diag.warnings.extend(r.take_warnings());
            r.finish();
            let (mut input, ruleset) = match resolved {
                Ok(i) => i,
                Err((p, e)) => {
                    self.err(p, format!("{what}: {e}"));
                    continue;
                }
            };
            if let Err(e) = imkafka::check_conf(&input) {
                self.err(
                    conf_pos,
                    format!("{what}: librdkafka refuses the settings: {e}"),
                );
                continue;
            }
            input.ruleset = match ruleset {
                Some(name) => self.resolve(&Pending { name, pos: at }).unwrap_or(0),
                None => module_ruleset.unwrap_or(default_ruleset),
            };
            config.inputs.push(input);
        }
        if config.inputs.is_empty() {
            self.warn(
                pos,
                "imkafka is loaded, but no input(type=\"imkafka\") consumes a topic",
            );
        }
        Some(config)
    }

    /// imfile's settings and inputs, when it is loaded.
    fn imfile(
        &mut self,
        default_ruleset: usize,
    ) -> Option<crate::config::modules::imfile::ImfileConfig> {
        use crate::config::modules::imfile;
        let m = self.module_loaded("imfile")?;
        let inputs = std::mem::take(&mut self.file_inputs);
        let ((config, read_timeout, normalize), pos) = self.module_settings("imfile", |r| {
            (
                imfile::resolve(r),
                imfile::module_read_timeout(r),
                imfile::normalize_path(r),
            )
        })?;
        let mut config = match config {
            Ok(c) => c,
            Err(e) => {
                self.err(pos, format!("module(load=\"imfile\"): {e}"));
                return None;
            }
        };
        let what = "input(type=\"imfile\")";
        for (own, legacy, at) in inputs {
            let r = crate::config::param::Resolved::new(
                what,
                at,
                &[m.instance],
                &[&own, &legacy],
                &mut self.diag,
            );
            // A legacy input ($InputRunFileMonitor) has no parameters of
            // its own (an input() has at least its type).
            let legacy = own.is_empty();
            let resolved = imfile::resolve_input(&r, normalize, read_timeout, legacy);
            self.diag.warnings.extend(r.take_warnings());
            r.finish();
            let (mut input, ruleset) = match resolved {
                Ok(i) => i,
                Err(e) => {
                    self.err(at, format!("{what}: {e}"));
                    continue;
                }
            };
            if config.inputs.iter().any(|i| i.file == input.file) {
                let msg = format!(
                    "{what}: file=\"{}\" is already followed by another imfile input (each file is read once, with one state)",
                    input.file.display()
                );
                self.err(at, msg);
                continue;
            }
            input.ruleset = match ruleset {
                Some(name) => self.resolve(&Pending { name, pos: at }).unwrap_or(0),
                None => default_ruleset,
            };
            config.inputs.push(input);
        }
        if config.inputs.is_empty() {
            self.warn(
                pos,
                "imfile is loaded, but no input(type=\"imfile\") follows a file",
            );
        }
        if config.state_directory.is_none() && self.globals.work_directory.is_none() {
            self.warn(pos, "imfile: no $WorkDirectory and no statefile.directory: where files were left is not kept, so after a restart each file is read again from its start (rsyslog then keeps no state either)");
        }
        Some(config)
    }

    /// imhttp's endpoint, when it is loaded; its htpasswd files checked.
    fn http(
        &mut self,
        default_ruleset: usize,
    ) -> Option<crate::config::modules::imhttp::HttpConfig> {
        use crate::config::modules::imhttp;
        let m = self.module_loaded("imhttp")?;
        let own = self.modules.get("imhttp").cloned().unwrap_or_default();
        let pos = own.first().map_or(Pos::default(), |g| g.pos);
        let r = crate::config::param::Resolved::new(
            "module(load=\"imhttp\")",
            pos,
            &[m.module],
            &[&own],
            &mut self.diag,
        );
        let config = imhttp::resolve(&r);
        r.finish();
        let config = match config {
            Ok(c) => c,
            Err(e) => {
                self.err(pos, format!("module(load=\"imhttp\"): {e}"));
                return None;
            }
        };
        let mut config = config;
        for (own, at) in std::mem::take(&mut self.http_inputs) {
            let what = "input(type=\"imhttp\")";
            let r = crate::config::param::Resolved::new(
                what,
                at,
                &[m.instance],
                &[&own],
                &mut self.diag,
            );
            let resolved = imhttp::resolve_input(&r);
            r.finish();
            let (mut input, ruleset) = match resolved {
                Ok(i) => i,
                Err(e) => {
                    self.err(at, format!("{what}: {e}"));
                    continue;
                }
            };
            let taken = [&config.metrics_path, &config.health_path]
                .into_iter()
                .chain(config.inputs.iter().map(|i| &i.endpoint))
                .any(|p| *p == input.endpoint);
            if taken {
                self.err(at, format!("{what}: endpoint=\"{}\" is already served (metricsPath, healthCheckPath or another input)", input.endpoint));
                continue;
            }
            if let Some(name) = ruleset {
                input.ruleset = self.resolve(&Pending { name, pos: at }).unwrap_or(0);
            } else {
                input.ruleset = default_ruleset;
            }
            config.inputs.push(input);
        }
        let inputs = config.inputs.iter().map(|i| &i.access);
        for a in [&config.metrics, &config.health].into_iter().chain(inputs) {
            if let Some(f) = &a.basic_auth_file {
                match std::fs::read_to_string(f) {
                    Ok(text) => {
                        if let Some(why) = crate::http::auth::unsupported(&text) {
                            self.err(pos, format!("imhttp: {}: {why}", f.display()));
                        }
                    }
                    Err(e) => self.err(pos, format!("imhttp: cannot read {}: {e}", f.display())),
                }
            }
            if let Some(f) = &a.api_key_file {
                if let Err(e) = std::fs::read_to_string(f) {
                    self.err(pos, format!("imhttp: cannot read {}: {e}", f.display()));
                }
            }
        }
        Some(config)
    }

    /// Completes every input's and action's TLS with `global()`'s
    /// defaults, now that all of it is known.
    fn finish_tls(&mut self, inputs: &mut [InputDef]) {
        use crate::config::modules::output::OutputConfig;
        use crate::config::modules::{omfwd, tls};
        let defaults = self.globals.netstream.clone();
        let mut errors = Vec::new();
        let mut udp_tls = Vec::new();
        let mut nats_anon = Vec::new();
        let mut complete = |what: &str, asked: Option<tls::TlsAsked>| {
            let asked = asked?;
            match tls::complete(&asked, &defaults) {
                Ok(t) => t,
                Err(e) => {
                    errors.push((asked.pos, format!("{what}: {e}")));
                    None
                }
            }
        };
        for i in inputs.iter_mut() {
            let what = format!("input(type=\"{}\")", i.config.module);
            i.config.tls = complete(&what, i.config.tls_asked.take());
        }
        for a in self.actions.iter_mut() {
            match &mut a.output {
                OutputConfig::Omfwd(c) => {
                    c.tls = complete("action(type=\"omfwd\")", c.tls_asked.take());
                    if c.tls.is_some() && c.protocol == omfwd::Protocol::Udp {
                        udp_tls.push(a.pos);
                    }
                }
                OutputConfig::Omrelp(c) => {
                    c.tls = complete("action(type=\"omrelp\")", c.tls_asked.take());
                }
                OutputConfig::Omnats(c) => {
                    let what = "action(type=\"omnats\")";
                    let pos = c.tls_asked.as_ref().map_or(a.pos, |t| t.pos);
                    c.tls = complete(what, c.tls_asked.take());
                    if c.tls
                        .as_ref()
                        .is_some_and(|t| t.auth == tls::AuthMode::Anon)
                    {
                        nats_anon.push(pos);
                    }
                }
                _ => {}
            }
        }
        for pos in udp_tls {
            errors.push((pos, "action(type=\"omfwd\"): TLS runs over TCP: set protocol=\"tcp\" (or StreamDriverMode=\"0\" for plain UDP)".to_string()));
        }
        for pos in nats_anon {
            errors.push((pos, "action(type=\"omnats\"): TLS that checks nothing of the server lets anyone in the middle read along: give tls.caCert (the CA that signed the server's certificate), or tls.authMode=\"fingerprint\" with tls.permittedPeer".to_string()));
        }
        for (pos, e) in errors {
            self.err(pos, e);
        }
    }

    /// Ruleset `i`'s parser chain, its names resolved: `parser()` objects,
    /// then the parsers of loaded modules (`rsyslog.rfc3164`, …).
    fn parser_chain(&mut self, i: usize) -> Option<Arc<crate::parse::chain::Chain>> {
        use crate::config::modules::parsers::BUILT_IN;
        let names = self.ruleset_parsers.remove(&i)?;
        let mut chain = Vec::new();
        for (name, pos) in names {
            if let Some(p) = self.parsers.get(&name) {
                chain.push(p.clone());
                continue;
            }
            match BUILT_IN.iter().find(|b| b.0 == name) {
                Some((_, module, p)) if self.module_loaded(module).is_some() => {
                    chain.push(p.clone())
                }
                Some((_, module, _)) => self.err(
                    pos,
                    format!("parser '{name}' needs its module: add module(load=\"{module}\")"),
                ),
                None => {
                    let known: Vec<&str> = self
                        .parsers
                        .keys()
                        .map(String::as_str)
                        .chain(BUILT_IN.iter().map(|b| b.0))
                        .collect();
                    let hint = crate::lang::suggestion(&name, known.iter().copied());
                    self.err(pos, format!("parser '{name}' is not defined{hint}"));
                }
            }
        }
        Some(Arc::new(crate::parse::chain::Chain {
            parsers: chain,
            timezones: self.timezones.clone(),
        }))
    }

    fn finish_rulesets(&mut self) -> Vec<RulesetDef> {
        let raw = std::mem::take(&mut self.rulesets);
        self.rulesets = raw
            .iter()
            .map(|r| (r.0.clone(), r.1.clone(), Vec::new(), r.3))
            .collect();
        raw.into_iter()
            .enumerate()
            .map(|(i, (name, queue, stmts, pos))| RulesetDef {
                name,
                queue,
                stmts: self.finalize(stmts),
                pos,
                parsers: self.parser_chain(i),
            })
            .collect()
    }

    fn finish_inputs(&mut self, default_ruleset: usize) -> Vec<InputDef> {
        let pending = std::mem::take(&mut self.inputs);
        let mut inputs = Vec::with_capacity(pending.len());
        for p in pending {
            let ruleset = match &p.ruleset {
                Some(r) => self.resolve(r).unwrap_or(default_ruleset),
                None => default_ruleset,
            };
            if let Some(config) = self.input_config(&p) {
                inputs.push(InputDef {
                    config,
                    ruleset,
                    pos: p.pos,
                });
            }
        }
        inputs
    }
}

/// By position (stable), each message once: a legacy setting is checked
/// where it is written and again by each object it applies to.
fn sorted_once(mut v: Vec<ConfigError>) -> Vec<ConfigError> {
    v.sort_by_key(|e| e.pos);
    let mut seen = std::collections::HashSet::new();
    v.retain(|e| seen.insert((e.pos, e.message.clone())));
    v
}
