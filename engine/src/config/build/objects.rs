//! RainerScript objects: `global()`, `module()`, `input()`, `template()`,
//! `ruleset()`, `main_queue()`, `action()`, each through its tables into
//! typed settings. Legacy actions and inputs end here too, with their
//! directives' settings as lower layers.

use std::sync::Arc;

use super::names::Pending;
use super::{Builder, PendingInput};
use crate::config::ast::{Object, Param as AstParam};
use crate::config::modules::{
    self, action, global, imptcp, imrelp, imtcp, imudp, imuxsock, omfile, omfwd, omkafka, omnats,
    omprog, omrelp, omusrmsg, omuxsock, queue, ruleset, template as tables, InputConfig, Module,
    ModuleKind, OutputConfig,
};
use crate::config::param::{parse_bool, Diag, Given, Resolved, Table};
use crate::config::plan::ActionDef;
use crate::config::queue::{QueueParams, QueueScope};
use crate::config::{suggestion, Pos};
use crate::template::{
    self, parse_list_constant, parse_list_property, Syntax, Template, TemplateEscape,
};

impl Builder {
    /// The parameters of `o` as given, `config.enabled` aside; a name
    /// given twice is an error.
    pub(super) fn givens(&mut self, o: &Object, what: &str) -> Vec<Given> {
        let mut out: Vec<Given> = Vec::with_capacity(o.params.len());
        for p in o
            .params
            .iter()
            .filter(|p| !p.name.eq_ignore_ascii_case("config.enabled"))
        {
            if out.iter().any(|g| g.name.eq_ignore_ascii_case(&p.name)) {
                self.err(
                    p.pos,
                    format!("parameter '{}' given twice in {what}", p.name),
                );
                continue;
            }
            out.push(Given {
                name: p.name.clone(),
                value: p.value.clone(),
                pos: p.pos,
            });
        }
        out
    }

    /// `config.enabled`: whether the object counts at all.
    pub(super) fn enabled(&mut self, o: &Object) -> bool {
        match o.get("config.enabled") {
            None => true,
            Some(p) => match parse_bool(&p.value.text()) {
                Some(b) => b,
                None => {
                    let msg = format!(
                        "config.enabled must be \"on\" or \"off\", not \"{}\"",
                        p.value.text()
                    );
                    self.err(p.pos, msg);
                    false
                }
            },
        }
    }

    /// Checks `given` against `tables` (names, values, statuses) when
    /// nothing reads them here.
    fn check(&mut self, what: &str, pos: Pos, tables: &[&'static Table], given: &[Given]) {
        Resolved::new(what, pos, tables, &[given], &mut self.diag);
    }

    pub(super) fn global_object(&mut self, o: &Object) {
        if !self.enabled(o) {
            return;
        }
        let own = self.givens(o, "global()");
        for g in &own {
            let name = g.name.to_ascii_lowercase();
            if self.global_set.contains(&name) {
                self.err(
                    g.pos,
                    format!("global parameter '{}' set more than once", g.name),
                );
            }
            self.global_set.push(name);
        }
        let r = Resolved::new(
            "global()",
            o.pos,
            &[&global::TABLE],
            &[&own],
            &mut self.diag,
        );
        if let Err((pos, e)) = global::apply(&r, &mut self.globals) {
            self.diag.err(pos, e);
        }
        r.finish();
        // From here on, as rsyslog flips libfastjson's switch when it reads
        // global(): a lookup table read later sees the same keys as the
        // rules will.
        crate::msg::json::set_case_sensitive(self.globals.variables_case_sensitive);
    }

    pub(super) fn module_object(&mut self, o: &Object) {
        if !self.enabled(o) {
            return;
        }
        let Some(load) = o.get("load").map(|p| p.value.text()) else {
            self.err(o.pos, "module() needs load=\"name\"");
            return;
        };
        let mut own = self.givens(o, "module()");
        own.retain(|g| !g.name.eq_ignore_ascii_case("load"));
        self.load_module(&load, o.pos, own);
    }

    /// `module(load=…)` or `$ModLoad`.
    pub(super) fn load_module(&mut self, load: &str, pos: Pos, own: Vec<Given>) {
        let (name, builtin_prefix) = match load.strip_prefix("builtin:") {
            Some(n) => (n, true),
            None => (load.trim_end_matches(".so"), false),
        };
        let Some(m) = modules::module(name) else {
            let hint = suggestion(name, modules::MODULES.iter().map(|m| m.name));
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
        if let Some(why) = m.refused {
            self.err(
                pos,
                format!("module '{}' is not supported by corelog: {why}", m.name),
            );
            return;
        }
        let again = self.modules.get(m.name);
        let twice = again.is_some_and(|g| !m.builtin || !g.is_empty() || !own.is_empty());
        if twice {
            self.err(pos, format!("module '{}' is loaded twice", m.name));
            return;
        }
        let errors = self.diag.errors.len();
        let what = format!("module(load=\"{load}\")");
        self.check(&what, pos, &[m.module], &own);
        let valid = self.diag.errors.len() == errors;
        self.modules
            .insert(m.name, if valid { own } else { Vec::new() });
        // imuxsock listens on the system socket unless told not to
        // (`sysSock.use="off"`), as in rsyslog: an input without input().
        if m.name == "imuxsock" {
            self.inputs.push(PendingInput {
                module: m,
                layers: Vec::new(),
                system_socket: true,
                ruleset: None,
                pos,
            });
        }
    }

    /// The loaded module called `name` (built-in ones are always loaded).
    pub(super) fn module_loaded(&self, name: &str) -> Option<&'static Module> {
        let m = modules::module(name)?;
        (m.builtin || self.modules.contains_key(m.name)).then_some(m)
    }

    /// The module's `module()` parameters, named as the instance names
    /// them.
    pub(super) fn module_layer(&self, m: &Module) -> Vec<Given> {
        renamed(m, self.modules.get(m.name).cloned().unwrap_or_default())
    }

    /// Finds the module an `input()` or `action()` names, or says why not.
    fn instance_module(&mut self, o: &Object, kind: ModuleKind) -> Option<&'static Module> {
        let (object, noun) = match kind {
            ModuleKind::Input => ("input()", "input"),
            ModuleKind::Output => ("action()", "output"),
            ModuleKind::Modifier => ("action()", "message modifier"),
            ModuleKind::Parser => ("parser()", "parser"),
            ModuleKind::Function => ("function", "function"),
        };
        let Some(name) = o.get("type").map(|p| p.value.text()) else {
            self.err(o.pos, format!("{object} needs type=\"…\""));
            return None;
        };
        match modules::module(&name).filter(|m| m.kind == kind) {
            Some(m) if m.refused.is_some() => {
                let why = m.refused.unwrap_or_default();
                self.err(
                    o.pos,
                    format!(
                        "{noun} module '{}' is not supported by corelog: {why}",
                        m.name
                    ),
                );
                None
            }
            Some(m) if self.module_loaded(m.name).is_none() => {
                let example = if kind == ModuleKind::Input {
                    "this input()"
                } else {
                    "this action"
                };
                self.err(o.pos, format!("{noun} module '{name}' is not loaded: add module(load=\"{name}\") before {example}"));
                None
            }
            Some(m) => Some(m),
            None => {
                let hint = suggestion(
                    &name,
                    modules::MODULES
                        .iter()
                        .filter(|m| m.kind == kind)
                        .map(|m| m.name),
                );
                self.err(o.pos, format!("unknown {noun} module '{name}'{hint}"));
                None
            }
        }
    }

    pub(super) fn input_object(&mut self, o: &Object) {
        if !self.enabled(o) {
            return;
        }
        let Some(m) = self.instance_module(o, ModuleKind::Input) else {
            return;
        };
        match m.name {
            "impstats" => {
                self.err(
                    o.pos,
                    "impstats has no input(): configure it with module(load=\"impstats\" …)",
                );
                return;
            }
            "imfile" => {
                // Resolved with the module's settings, at the end.
                let own = self.givens(o, "input(type=\"imfile\")");
                self.file_inputs.push((own, Vec::new(), o.pos));
                return;
            }
            "imkafka" => {
                // Resolved with the module's ruleset, at the end.
                let own = self.givens(o, "input(type=\"imkafka\")");
                self.kafka_inputs.push((own, o.pos));
                return;
            }
            "imhttp" => {
                // Resolved with the module's endpoint, at the end.
                let own = self.givens(o, "input(type=\"imhttp\")");
                self.http_inputs.push((own, o.pos));
                return;
            }
            _ => {}
        }
        let what = format!("input(type=\"{}\")", m.name);
        let own = self.givens(o, &what);
        let has = |n: &str| own.iter().any(|g| g.name.eq_ignore_ascii_case(n));
        let missing = match m.name {
            "imtcp" | "imrelp" if !has("port") => Some("port=\"…\""),
            "imptcp" if !has("port") && !has("path") => Some("port=\"…\" or path=\"…\""),
            "imuxsock" if !has("socket") => Some("socket=\"…\""),
            _ => None,
        };
        if let Some(needs) = missing {
            self.err(o.pos, format!("{what} needs {needs}"));
        }
        if m.name == "imptcp" && has("path") && (has("port") || has("address")) {
            self.err(
                o.pos,
                format!("{what} takes path= or port= (with address=), not both"),
            );
        }
        if m.name == "imptcp" && has("path") && has("socketBacklog") {
            self.err(o.pos, format!("{what}: socketBacklog is not supported by corelog beside path= yet (the unix socket's backlog is the system's); remove one"));
        }
        let layers = vec![own, self.module_layer(m)];
        self.push_input(m, layers, o.pos);
    }

    /// An input to resolve at the end; its ruleset is the first layer's
    /// that names one.
    pub(super) fn push_input(&mut self, m: &'static Module, layers: Vec<Vec<Given>>, pos: Pos) {
        let ruleset = layers
            .iter()
            .flatten()
            .find(|g| g.name.eq_ignore_ascii_case("ruleset"))
            .map(|g| Pending {
                name: g.value.text(),
                pos: g.pos,
            });
        self.inputs.push(PendingInput {
            module: m,
            layers,
            system_socket: false,
            ruleset,
            pos,
        });
    }

    /// Resolves an input at the end of the configuration.
    pub(super) fn input_config(&mut self, p: &PendingInput) -> Option<InputConfig> {
        let max_message = self.globals.max_message_size.max(1) as usize;
        let m = p.module;
        if p.system_socket {
            let own = self.modules.get("imuxsock").cloned().unwrap_or_default();
            let legacy = self.legacy.module("imuxsock");
            let what = "module(load=\"imuxsock\")";
            let r = Resolved::new(
                what,
                p.pos,
                &[m.module],
                &[&own, &legacy],
                &mut Diag::default(),
            );
            let c = imuxsock::system_socket(&r, max_message);
            self.diag.warnings.extend(r.take_warnings());
            r.finish();
            return c;
        }
        let what = format!("input(type=\"{}\")", m.name);
        let layers: Vec<&[Given]> = p.layers.iter().map(Vec::as_slice).collect();
        let r = Resolved::new(&what, p.pos, &[m.instance], &layers, &mut self.diag);
        let c = match m.name {
            "imtcp" => imtcp::resolve(&r, max_message),
            "imptcp" => imptcp::resolve(&r, max_message),
            "imudp" => imudp::resolve(&r, max_message),
            "imuxsock" => imuxsock::resolve(&r, max_message),
            "imrelp" => imrelp::resolve(&r, max_message),
            other => unreachable!("{other} is refused when loaded"),
        };
        self.diag.warnings.extend(r.take_warnings());
        r.finish();
        Some(c)
    }

    pub(super) fn template_object(&mut self, o: &Object) {
        if !self.enabled(o) {
            return;
        }
        let own = self.givens(o, "template()");
        self.check("template()", o.pos, &[&tables::TEMPLATE], &own);
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
        ] {
            if o.get(opt)
                .is_some_and(|p| parse_bool(&p.value.text()) == Some(true))
            {
                n_opts += 1;
                match e {
                    Some(e) => escape = e,
                    None => jsonf = true,
                }
            }
        }
        if n_opts > 1 {
            self.err(
                o.pos,
                "template(): at most one of option.sql, option.stdsql, option.json, option.jsonf",
            );
        }
        let case_sensitive = o
            .get("option.caseSensitive")
            .is_some_and(|p| parse_bool(&p.value.text()) == Some(true));
        if let Some(p) = o
            .get("subtree")
            .filter(|_| !kind.eq_ignore_ascii_case("subtree"))
        {
            self.err(
                p.pos,
                format!("template '{name}': subtree= belongs to type=\"subtree\" templates (rsyslog ignores it elsewhere)"),
            );
        }
        let tpl = match kind.to_ascii_lowercase().as_str() {
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
                    Ok(t) => t.with_case_sensitive(case_sensitive),
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
            "list" => Template::from_steps(&name, self.list_items(&name, &o.items))
                .with_case_sensitive(case_sensitive),
            // rsyslog renders a subtree template as the property itself:
            // a string as it is, anything else as spaced JSON; its path
            // keeps its case whatever option.caseSensitive says.
            "subtree" => match o.get("subtree").map(|p| (p.value.text(), p.pos)) {
                Some((path, _)) if path.starts_with("$!") && !path.contains('%') => {
                    match Template::from_string(&name, &format!("%{path}%"), Syntax::RainerScript) {
                        Ok(t) => t,
                        Err(e) => {
                            self.err(o.pos, format!("template '{name}': {}", e.message));
                            return;
                        }
                    }
                }
                Some((path, pos)) => {
                    self.err(pos, format!("template '{name}': subtree=\"{path}\" must name a $! variable (as in rsyslog)"));
                    return;
                }
                None => {
                    self.err(
                        o.pos,
                        format!("template '{name}' of type subtree needs subtree=\"$!…\""),
                    );
                    return;
                }
            },
            "plugin" => {
                self.err(
                    o.pos,
                    "template(type=\"plugin\") is not supported: corelog has no string generator plugins",
                );
                return;
            }
            other => {
                let hint = suggestion(other, ["string", "list"]);
                self.err(o.pos, format!("template '{name}': type must be \"string\" or \"list\", not \"{other}\"{hint}"));
                return;
            }
        };
        self.add_template(name, tpl.with_escape(escape).with_jsonf(jsonf), o.pos);
    }

    /// A list template's `property()` and `constant()` items, compiled.
    fn list_items(&mut self, name: &str, items: &[Object]) -> Vec<template::Step> {
        let mut steps = Vec::new();
        for item in items {
            let params: Vec<(String, String)> = item
                .params
                .iter()
                .map(|p: &AstParam| (p.name.clone(), p.value.text()))
                .collect();
            let kind = item.kind.to_ascii_lowercase();
            let table = match kind.as_str() {
                "property" => &tables::PROPERTY,
                "constant" => &tables::CONSTANT,
                other => {
                    self.err(item.pos, format!("unknown list template item '{other}()': expected property() or constant()"));
                    continue;
                }
            };
            let given = self.givens(item, table.object);
            self.check(table.object, item.pos, &[table], &given);
            let result = if kind == "property" {
                let refs: Vec<(&str, &str)> = params
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                parse_list_property(&refs).map(|f| template::Step::Field(Box::new(f)))
            } else {
                let refs: Vec<(&str, &[u8])> = params
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_bytes()))
                    .collect();
                parse_list_constant(&refs)
            };
            match result {
                Ok(s) => steps.push(s),
                Err(e) => self.err(item.pos, format!("template '{name}': {}", e.message)),
            }
        }
        steps
    }

    pub(super) fn add_template(&mut self, name: String, tpl: Template, pos: Pos) {
        if self.templates.contains_key(&name) || Template::builtin(&name).is_some() {
            self.warn(pos, format!("template '{name}' is defined more than once; the first definition is used, as in rsyslog"));
            return;
        }
        self.templates.insert(name, Arc::new(tpl));
    }

    pub(super) fn template_ref(&mut self, name: &str, pos: Pos) -> Option<Arc<Template>> {
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

    /// rsyslog's defaults for a queue of `scope`, with the
    /// `global(default.*.queue.*)` timeouts given so far.
    pub(super) fn queue_defaults(&self, scope: QueueScope) -> QueueParams {
        let mut q = QueueParams::defaults(scope);
        let g = &self.globals;
        match scope {
            QueueScope::Action => {
                q.timeout_shutdown_ms = g.action_queue_timeout_shutdown_ms;
                q.timeout_enqueue_ms = g.action_queue_timeout_enqueue_ms;
            }
            QueueScope::Ruleset => {
                q.timeout_shutdown_ms = g.ruleset_queue_timeout_shutdown_ms;
                q.timeout_enqueue_ms = g.ruleset_queue_timeout_enqueue_ms;
            }
            QueueScope::MainLegacy => {}
        }
        q
    }

    pub(super) fn ruleset_object(&mut self, o: &Object) {
        if !self.enabled(o) {
            return;
        }
        let own = self.givens(o, "ruleset()");
        let tables = [&ruleset::RULESET, &queue::TABLE];
        let mut diag = Diag::default();
        let r = Resolved::new("ruleset()", o.pos, &tables, &[&own], &mut diag);
        let has_queue = queue::any_given(&r);
        let parsers = r.list("parser");
        let parsers_pos = r.pos_of("parser");
        let q = queue::resolve(
            &r,
            QueueScope::Ruleset,
            self.queue_defaults(QueueScope::Ruleset),
            &mut diag,
        );
        let name = r.opt_str("name");
        r.finish();
        self.diag.errors.append(&mut diag.errors);
        if has_queue {
            self.diag.warnings.append(&mut diag.warnings);
        }
        let Some(name) = name else {
            self.err(o.pos, "ruleset() needs name=\"…\"");
            return;
        };
        if self.ruleset_index(&name).is_some() {
            self.err(o.pos, format!("ruleset '{name}' is defined more than once"));
            return;
        }
        let idx = self.rulesets.len();
        self.rulesets
            .push((name, has_queue.then_some(q), Vec::new(), o.pos));
        if !parsers.is_empty() {
            self.ruleset_parsers
                .entry(idx)
                .or_default()
                .extend(parsers.into_iter().map(|p| (p, parsers_pos)));
        }
        let body = o.body.clone().unwrap_or_default();
        let stmts = self.statements(&body);
        self.rulesets[idx].2 = stmts;
    }

    pub(super) fn main_queue_object(&mut self, o: &Object) {
        if !self.enabled(o) {
            return;
        }
        if self.main_queue_obj.is_some() {
            self.err(o.pos, "main_queue() can only be given once");
            return;
        }
        let own = self.givens(o, "main_queue()");
        let tables = [&ruleset::MAIN_QUEUE, &queue::TABLE];
        let r = Resolved::new("main_queue()", o.pos, &tables, &[&own], &mut self.diag);
        // Any main_queue() switches every unset parameter to ruleset defaults.
        let defaults = self.queue_defaults(QueueScope::Ruleset);
        let q = queue::resolve(&r, QueueScope::Ruleset, defaults, &mut self.diag);
        r.finish();
        self.main_queue_obj = Some(q);
    }

    /// `parser(name= type=)`: a named parser for rulesets' chains.
    pub(super) fn parser_object(&mut self, o: &Object) {
        if !self.enabled(o) {
            return;
        }
        let m = self.instance_module(o, ModuleKind::Parser);
        let own = self.givens(o, "parser()");
        let Some(m) = m else { return };
        let what = format!("parser(type=\"{}\")", m.name);
        let mut diag = Diag::default();
        let tables = [&modules::parsers::PARSER, m.instance];
        let r = Resolved::new(&what, o.pos, &tables, &[&own], &mut diag);
        let name = r.opt_str("name");
        let _ = r.opt_str("type");
        let parser = modules::parsers::resolve(m.name, &r);
        r.finish();
        self.diag.errors.append(&mut diag.errors);
        self.diag.warnings.append(&mut diag.warnings);
        let Some(name) = name else {
            self.err(o.pos, "parser() needs name=\"…\"");
            return;
        };
        if self.parsers.contains_key(&name)
            || modules::parsers::BUILT_IN.iter().any(|b| b.0 == name)
        {
            self.err(o.pos, format!("parser '{name}' is defined more than once"));
            return;
        }
        self.parsers.insert(name, parser);
    }

    /// The message modifier an `action()` names, if it names one.
    pub(super) fn names_modifier(o: &Object) -> bool {
        o.get("type")
            .and_then(|t| modules::module(&t.value.text()))
            .is_some_and(|m| m.kind == ModuleKind::Modifier)
    }

    /// `action(type="mm…")`: a message modifier, run inline. Of the
    /// settings every action has, only `name` applies: queues and retries
    /// have nothing to do for a step that never waits and never fails.
    pub(super) fn modifier_object(&mut self, o: &Object) -> Option<crate::rule::modify::Modifier> {
        if !self.enabled(o) {
            return None;
        }
        let m = self.instance_module(o, ModuleKind::Modifier)?;
        let what = format!("action(type=\"{}\")", m.name);
        let mut own = self.givens(o, &what);
        own.retain(|g| {
            !g.name.eq_ignore_ascii_case("type") && !g.name.eq_ignore_ascii_case("name")
        });
        let mut bad = Vec::new();
        own.retain(|g| {
            let common =
                action::TABLE.find(&g.name).is_some() || queue::TABLE.find(&g.name).is_some();
            if common {
                bad.push((g.pos, g.name.clone()));
            }
            !common
        });
        for (pos, name) in bad {
            self.err(pos, format!("{name} is not supported by corelog on {what}: a message modifier runs inline, at its place in the rules, and never queues, waits or fails"));
        }
        let mut diag = crate::config::param::Diag::default();
        let r = Resolved::new(&what, o.pos, &[m.instance], &[&own], &mut diag);
        let result = modules::mm::resolve(m.name, &r);
        r.finish();
        self.diag.errors.append(&mut diag.errors);
        self.diag.warnings.append(&mut diag.warnings);
        match result {
            Ok(modifier) => Some(modifier),
            Err((param, msg)) => {
                let pos = o.get(&param).map_or(o.pos, |p| p.pos);
                self.err(pos, msg);
                None
            }
        }
    }

    pub(super) fn action_object(&mut self, o: &Object) -> Option<usize> {
        if !self.enabled(o) {
            return None;
        }
        let m = self.instance_module(o, ModuleKind::Output)?;
        let what = format!("action(type=\"{}\")", m.name);
        let own = self.givens(o, &what);
        let module = self.module_layer(m);
        // Of the legacy settings, action() takes only the default template
        // ($ActionFileDefaultTemplate, $ActionForwardDefaultTemplate), as
        // rsyslog; the rest apply to legacy selector lines.
        let mut legacy_template = self.legacy.module(m.name);
        legacy_template.retain(|g| g.name.eq_ignore_ascii_case("template"));
        self.warn_consumed_legacy(&what, o.pos);
        let idx = self.make_action(m, o.pos, &[&own, &module, &legacy_template]);
        self.reset_after_action();
        idx
    }

    /// `$ActionQueue…`, `$ActionResumeRetryCount` and `$ActionName` are
    /// meant for the next action; an `action()` takes its settings from
    /// its own parameters only, as in rsyslog, so each says it had no
    /// effect (it is consumed all the same).
    fn warn_consumed_legacy(&mut self, what: &str, pos: Pos) {
        let consumed = self.legacy.action_queue.iter().chain(
            self.legacy
                .action
                .iter()
                .filter(|g| super::legacy::consumed_by_next_action(&g.name)),
        );
        let msgs: Vec<_> = consumed
            .map(|g| {
                let msg = format!(
                    "{} set by a legacy directive has no effect: the next action, {what} at line {}, takes its settings from its own parameters, as in rsyslog",
                    g.name, pos.line
                );
                (g.pos, msg)
            })
            .collect();
        for (at, msg) in msgs {
            self.warn(at, msg);
        }
    }

    /// Resolves an action of `m` from `layers` (highest priority first).
    pub(super) fn make_action(
        &mut self,
        m: &'static Module,
        pos: Pos,
        layers: &[&[Given]],
    ) -> Option<usize> {
        let what = format!("action(type=\"{}\")", m.name);
        let tables = [&action::TABLE, &queue::TABLE, m.instance];
        let r = Resolved::new(&what, pos, &tables, layers, &mut self.diag);
        let mut template_name = r.opt_str("template").unwrap_or_default();
        if m.name == "omusrmsg" && template_name.is_empty() {
            // rsyslog's default depends on who is written to.
            template_name = match r.opt_str("users").as_deref() {
                Some("*") => omusrmsg::WALL_TEMPLATE,
                _ => omusrmsg::USER_TEMPLATE,
            }
            .to_string();
        }
        let template = self.template_ref(&template_name, r.pos_of("template"))?;
        let mut dynafile = None;
        let output = match m.name {
            "omfile" => {
                let c = omfile::resolve(&r);
                match (&c.file, r.opt_str("dynaFile")) {
                    (Some(_), None) => {}
                    (None, Some(d)) => {
                        dynafile = Some(self.template_ref(&d, r.pos_of("dynaFile"))?)
                    }
                    (Some(_), Some(_)) => {
                        self.err(pos, format!("{what} takes file= or dynaFile=, not both"))
                    }
                    (None, None) => {
                        self.err(pos, format!("{what} needs file=\"…\" or dynaFile=\"…\""))
                    }
                }
                OutputConfig::Omfile(c)
            }
            "omfwd" => OutputConfig::Omfwd(omfwd::resolve(&r)),
            "omrelp" => OutputConfig::Omrelp(omrelp::resolve(&r)),
            "omkafka" => OutputConfig::Omkafka(self.omkafka(&r, &what)?),
            "omnats" => OutputConfig::Omnats(self.omnats(&r, &what)?),
            "omusrmsg" => {
                if !r.given("users") {
                    self.err(
                        pos,
                        format!("{what} needs users=\"…\" (* for everyone logged in)"),
                    );
                }
                match omusrmsg::resolve(&r) {
                    Ok(c) => OutputConfig::Omusrmsg(c),
                    Err(e) => {
                        self.err(r.pos_of("users"), format!("{what}: {e}"));
                        return None;
                    }
                }
            }
            "omprog" => match omprog::resolve(&r) {
                Ok(c) => OutputConfig::Omprog(c),
                Err((param, e)) => {
                    self.err(r.pos_of(param), format!("{what}: {e}"));
                    return None;
                }
            },
            "omuxsock" => {
                let max = self.globals.max_message_size.max(1) as usize;
                match omuxsock::resolve(&r, max) {
                    Ok(c) => OutputConfig::Omuxsock(c),
                    Err(e) => {
                        self.err(r.pos_of("socketName"), format!("{what}: {e}"));
                        return None;
                    }
                }
            }
            other => unreachable!("{other} is refused when loaded"),
        };
        if matches!(m.name, "omfwd" | "omrelp") && !r.given("target") {
            self.err(pos, format!("{what} needs target=\"…\""));
        }
        let defaults = self.queue_defaults(QueueScope::Action);
        let queue = queue::resolve(&r, QueueScope::Action, defaults, &mut self.diag);
        if let OutputConfig::Omkafka(c) = &output {
            if c.keep_failed && queue.filename.is_none() {
                let at = if r.given("failedMsgFile") {
                    "failedMsgFile"
                } else {
                    "keepFailedMessages"
                };
                self.err(r.pos_of(at), format!("{what}: {}", omkafka::KEEP_FAILED));
            } else if c.keep_failed {
                r.warn(
                    "keepFailedMessages",
                    "undelivered messages are kept in the action queue's files (queue.filename), not in failedMsgFile",
                );
            }
        }
        let idx = self.actions.len();
        // rsyslog's name for an unnamed action (impstats reports it).
        let builtin = if m.builtin { "builtin:" } else { "" };
        let common = action::resolve(&r, format!("action-{idx}-{builtin}{}", m.name));
        self.diag.warnings.extend(r.take_warnings());
        r.finish();
        self.actions.push(ActionDef {
            common,
            output,
            template,
            dynafile,
            queue,
            pos,
        });
        Some(idx)
    }
}

impl Builder {
    /// An omkafka action: its topic and key templates looked up, and its
    /// librdkafka settings checked by librdkafka.
    fn omkafka(&mut self, r: &Resolved, what: &str) -> Option<omkafka::OmkafkaConfig> {
        let mut c = match omkafka::resolve(r) {
            Ok(c) => c,
            Err((param, e)) => {
                self.err(r.pos_of(param), format!("{what}: {e}"));
                return None;
            }
        };
        if !r.given("topic") {
            self.err(r.pos(), format!("{what} needs topic=\"…\""));
            return None;
        }
        if let omkafka::Named::Template(slot) = &mut c.topic {
            *slot = Some(self.named_template(r, "topic")?);
        }
        if let Some(omkafka::Named::Template(slot)) = &mut c.key {
            *slot = Some(self.named_template(r, "key")?);
        }
        if let Err(e) = omkafka::check_conf(&c) {
            let at = ["confParam", "topicConfParam", "broker"]
                .into_iter()
                .find(|p| r.given(p))
                .unwrap_or("topic");
            self.err(
                r.pos_of(at),
                format!("{what}: librdkafka refuses the settings: {e}"),
            );
            return None;
        }
        Some(c)
    }

    /// An omnats action: its subject template looked up.
    fn omnats(&mut self, r: &Resolved, what: &str) -> Option<omnats::OmnatsConfig> {
        let mut c = match omnats::resolve(r) {
            Ok(c) => c,
            Err((param, e)) => {
                let at = if r.given(param) {
                    r.pos_of(param)
                } else {
                    r.pos()
                };
                self.err(at, format!("{what}: {e}"));
                return None;
            }
        };
        if let omkafka::Named::Template(slot) = &mut c.subject {
            *slot = Some(self.named_template(r, "subject")?);
        }
        Some(c)
    }

    /// The template `param` names.
    fn named_template(&mut self, r: &Resolved, param: &str) -> Option<omkafka::NamedTemplate> {
        let name = r.opt_str(param).unwrap_or_default();
        let t = self.template_ref(&name, r.pos_of(param))?;
        Some(omkafka::NamedTemplate { name, t })
    }
}

/// `layer` with the module-level names that set an instance parameter of
/// another name (imtcp's `octetCountedFraming`) renamed to it.
pub(super) fn renamed(m: &Module, mut layer: Vec<Given>) -> Vec<Given> {
    for g in &mut layer {
        if let Some((_, to)) = m
            .renames
            .iter()
            .find(|(from, _)| from.eq_ignore_ascii_case(&g.name))
        {
            g.name = to.to_string();
        }
    }
    layer
}
