//! Legacy `$Directive`s: each one found in a table by its legacy name
//! sets that parameter for what follows; the rest (`$ModLoad`, `$Ruleset`,
//! the `…ServerRun`s, `$ResetConfigVariables`) are handled here.
//!
//! A setting is checked where it is written (its value, and whether
//! corelog carries it out), then kept as a lower layer for the objects it
//! applies to: `global()` settings at once; `$Action…` and module
//! settings for the legacy inputs and actions that follow; `$ActionQueue…`
//! and `$ActionResumeRetryCount` for the next action only.

use std::collections::HashMap;

use super::names::Pending;
use super::Builder;
use crate::config::ast::Value;
use crate::config::load::directive_name;
use crate::config::modules::{self, global, queue, LegacyScope};
use crate::config::param::{parse_bool, Diag, Given, Resolved, Table, Type};
use crate::config::queue::{QueueParams, QueueScope};
use crate::config::{did_you_mean, suggestion, Pos};

/// Legacy settings in force.
#[derive(Debug, Default)]
pub(super) struct Legacy {
    /// `$ActionQueue…` (as `queue.*`), for the next action.
    pub action_queue: Vec<Given>,
    /// `$Action…` (as `action.*`), for the legacy actions that follow.
    pub action: Vec<Given>,
    /// `$MainMsgQueue…` (as `queue.*`).
    pub main_queue: Vec<Given>,
    /// Module settings (`$InputTCPMaxSessions`, `$FileOwner`, …) by module.
    pub modules: HashMap<&'static str, Vec<Given>>,
}

impl Legacy {
    /// A module's legacy settings.
    pub fn module(&self, name: &str) -> Vec<Given> {
        self.modules.get(name).cloned().unwrap_or_default()
    }
}

/// Directives handled here rather than through a table.
const OWN: &[&str] = &[
    "ModLoad",
    "template",
    "Ruleset",
    "RulesetCreateMainQueue",
    "DefaultRuleset",
    "InputTCPServerRun",
    "InputPTCPServerRun",
    "UDPServerRun",
    "InputRELPServerRun",
    "AddUnixListenSocket",
    "InputRunFileMonitor",
    "OmitLocalLogging",
    "IncludeConfig",
    "ResetConfigVariables",
];

/// Sets `g` in `list`, replacing an earlier setting of the same name.
fn set(list: &mut Vec<Given>, g: Given) {
    list.retain(|o| !o.name.eq_ignore_ascii_case(&g.name));
    list.push(g);
}

/// Sets `g` in `list` as [`set`] does, except for the permitted peers: each
/// `$…PermittedPeer` directive adds one, as in rsyslog (imtcp's array,
/// omfwd's comma-separated list).
fn add(list: &mut Vec<Given>, mut g: Given, table: &Table) {
    let Some(p) = table.find(&g.name) else {
        return set(list, g);
    };
    let peers = ["permittedPeer", "StreamDriverPermittedPeers"]
        .iter()
        .any(|n| p.name.eq_ignore_ascii_case(n));
    let earlier = list.iter().find(|o| o.name.eq_ignore_ascii_case(&g.name));
    if let (true, Some(old)) = (peers, earlier) {
        g.value = match p.ty {
            Type::Array => {
                let mut all = match &old.value {
                    Value::Array(a) => a.clone(),
                    other => vec![other.text()],
                };
                all.push(g.value.text());
                Value::Array(all)
            }
            _ => Value::Str(format!("{},{}", old.value.text(), g.value.text())),
        };
    }
    set(list, g);
}

impl Builder {
    pub(super) fn directive(&mut self, text: &str, pos: Pos) {
        let name = directive_name(text);
        let raw = text[name.len()..].trim();
        // A comment may follow the value (a template's text may hold " #").
        let arg = raw.split(" #").next().unwrap_or(raw).trim();
        let lname = name.to_ascii_lowercase();
        let word = arg.split_whitespace().next().unwrap_or("");
        if let Some(suffix) = lname.strip_prefix("actionqueue") {
            return self.queue_directive(suffix, name, word, pos, false);
        }
        if let Some(suffix) = lname.strip_prefix("mainmsgqueue") {
            return self.queue_directive(suffix, name, word, pos, true);
        }
        let run = |port: &str| vec![Given::new("port", port, pos)];
        match lname.as_str() {
            "modload" => self.load_module(word, pos, Vec::new()),
            "template" => self.legacy_template(raw, pos),
            "ruleset" => self.legacy_ruleset(word, pos),
            "rulesetparser" => {
                let current = self.current;
                self.ruleset_parsers
                    .entry(current)
                    .or_default()
                    .push((word.to_string(), pos));
            }
            "rulesetcreatemainqueue" => match parse_bool(word) {
                Some(true) => self.legacy_ruleset_queue(pos),
                Some(false) => {}
                None => self.err(pos, format!("${name}: expected on or off, not '{word}'")),
            },
            "defaultruleset" => {
                self.default_ruleset = Some(Pending {
                    name: word.to_string(),
                    pos,
                })
            }
            "inputtcpserverrun" => self.legacy_input(
                "imtcp",
                run(if word.is_empty() { "10514" } else { word }),
                pos,
            ),
            "udpserverrun" => self.legacy_input(
                "imudp",
                run(if word.is_empty() { "514" } else { word }),
                pos,
            ),
            "inputptcpserverrun" | "inputrelpserverrun" if word.is_empty() => {
                self.err(pos, format!("${name} needs a port"))
            }
            "inputptcpserverrun" => self.legacy_input("imptcp", run(word), pos),
            "inputrelpserverrun" => self.legacy_input("imrelp", run(word), pos),
            "inputrunfilemonitor" => self.legacy_file_monitor(pos),
            "addunixlistensocket" => {
                self.legacy_input("imuxsock", vec![Given::new("socket", word, pos)], pos)
            }
            "omitlocallogging" => match parse_bool(word) {
                Some(omit) => {
                    let g = Given::new("sysSock.use", if omit { "off" } else { "on" }, pos);
                    set(self.legacy.modules.entry("imuxsock").or_default(), g);
                }
                None => self.err(pos, format!("${name}: expected on or off, not '{word}'")),
            },
            "resetconfigvariables" => {
                let main = std::mem::take(&mut self.legacy.main_queue);
                self.legacy = Legacy::default();
                self.legacy.main_queue = main;
            }
            "includeconfig" => {} // spliced in by the loader
            // A list: the whole line is its value.
            "allowedsender" => self.table_directive(name, arg, pos),
            _ if arg.split_whitespace().nth(1).is_some() => self.err(
                pos,
                format!(
                    "${name} takes one value, not '{arg}' (rsyslog would read only the first word)"
                ),
            ),
            _ => self.table_directive(name, word, pos),
        }
    }

    /// A directive that sets a parameter of a table.
    fn table_directive(&mut self, name: &str, word: &str, pos: Pos) {
        if let Some(m) = refused_module_directive(name) {
            let why = modules::module(m)
                .and_then(|m| m.refused)
                .unwrap_or_default();
            self.err(
                pos,
                format!("${name} is a setting of {m}, which is not supported by corelog: {why}"),
            );
            return;
        }
        match name.to_ascii_lowercase().as_str() {
            "sleep" => {
                return self.warn(
                    pos,
                    "$Sleep has no effect in corelog (rsyslog 8.2302 ignores it too, with a warning)",
                )
            }
            "outchannel" => {
                return self.err(
                    pos,
                    "$outchannel is not supported by corelog: output channels (a file with a size limit and a command run at it) are not built; use omfile, and logrotate for the size",
                )
            }
            "actionsendudprebindinterval" => {
                return self.err(
                    pos,
                    "$ActionSendUDPRebindInterval is not supported by corelog: reopening the UDP socket every N messages is not built; it would be kept open",
                )
            }
            _ => {}
        }
        let Some((scope, p)) = modules::legacy_param(name) else {
            let names = modules::legacy_names().chain(OWN.iter().copied());
            let hint = suggestion(name, names);
            self.err(pos, format!("unknown directive '${name}'{hint}"));
            return;
        };
        let what = format!("${name}");
        let given = Given::new(p.name, word, pos);
        let table: &'static Table = match scope {
            LegacyScope::Global => &global::TABLE,
            LegacyScope::GlobalLegacy => &global::LEGACY,
            LegacyScope::Action => &modules::action::TABLE,
            LegacyScope::Module(_, t) => t,
        };
        if let LegacyScope::Module(m, _) = scope {
            if self.module_loaded(m.name).is_none() {
                let msg = format!("${name} is a setting of {0}: it needs $ModLoad {0} (or module(load=\"{0}\")) first", m.name);
                self.err(pos, msg);
                return;
            }
        }
        let errors = self.diag.errors.len();
        let g = [given];
        let r = Resolved::new(&what, pos, &[table], &[&g], &mut self.diag);
        if self.diag.errors.len() != errors {
            return;
        }
        let [given] = g;
        match scope {
            LegacyScope::Global => {
                if let Err((_, e)) = global::apply(&r, &mut self.globals) {
                    self.err(pos, e);
                }
            }
            LegacyScope::GlobalLegacy => {
                if let Err(e) = global::apply_legacy(&r, &mut self.globals) {
                    self.err(pos, e);
                }
            }
            LegacyScope::Action => add(&mut self.legacy.action, given, table),
            LegacyScope::Module(m, _) => {
                add(self.legacy.modules.entry(m.name).or_default(), given, table)
            }
        }
    }

    fn queue_directive(&mut self, suffix: &str, name: &str, value: &str, pos: Pos, main: bool) {
        let Some((_, param)) = queue::LEGACY_SUFFIXES
            .iter()
            .find(|(s, _)| s.eq_ignore_ascii_case(suffix))
        else {
            let prefix = if main { "MainMsgQueue" } else { "ActionQueue" };
            let hint = did_you_mean(suffix, queue::LEGACY_SUFFIXES.iter().map(|(s, _)| *s))
                .map(|s| format!(" (did you mean '${prefix}{s}'?)"))
                .unwrap_or_default();
            self.err(pos, format!("unknown directive '${name}'{hint}"));
            return;
        };
        let errors = self.diag.errors.len();
        let g = [Given::new(param, value, pos)];
        Resolved::new(
            &format!("${name}"),
            pos,
            &[&queue::TABLE],
            &[&g],
            &mut self.diag,
        );
        if self.diag.errors.len() != errors {
            return;
        }
        let [g] = g;
        set(
            if main {
                &mut self.legacy.main_queue
            } else {
                &mut self.legacy.action_queue
            },
            g,
        );
    }

    /// The main queue from `$MainMsgQueue…` (rsyslog's defaults for a
    /// configuration without `main_queue()`).
    pub(super) fn legacy_main_queue(&mut self, pos: Pos) -> QueueParams {
        let layer = self.legacy.main_queue.clone();
        let r = Resolved::new(
            "the main queue",
            pos,
            &[&queue::TABLE],
            &[&layer],
            &mut Diag::default(),
        );
        let defaults = self.queue_defaults(QueueScope::MainLegacy);
        let q = queue::resolve(&r, QueueScope::MainLegacy, defaults, &mut self.diag);
        r.finish();
        q
    }

    fn legacy_ruleset(&mut self, word: &str, pos: Pos) {
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

    /// `$RulesetCreateMainQueue on`: the current ruleset gets a queue made
    /// from the `$MainMsgQueue…` settings.
    fn legacy_ruleset_queue(&mut self, pos: Pos) {
        if self.rulesets[self.current].1.is_some() {
            let name = self.rulesets[self.current].0.clone();
            self.err(pos, format!("ruleset '{name}' already has a queue"));
            return;
        }
        let q = self.legacy_main_queue(pos);
        self.rulesets[self.current].1 = Some(q);
    }

    /// An input made by a `…ServerRun` directive, with the legacy settings
    /// of its module.
    fn legacy_input(&mut self, kind: &str, own: Vec<Given>, pos: Pos) {
        let Some(m) = self.module_loaded(kind) else {
            self.err(
                pos,
                format!("this directive needs $ModLoad {kind} (or module(load=\"{kind}\")) first"),
            );
            return;
        };
        let legacy = super::objects::renamed(m, self.legacy.module(m.name));
        let layers = vec![own, self.module_layer(m), legacy];
        self.push_input(m, layers, pos);
    }

    /// `$InputRunFileMonitor`: an imfile input from the `$InputFile…`
    /// settings in force; they are then reset to their defaults, as
    /// rsyslog resets them, but for `$InputFileBindRuleset` and the
    /// module's `$InputFilePollInterval`.
    fn legacy_file_monitor(&mut self, pos: Pos) {
        if self.module_loaded("imfile").is_none() {
            self.err(
                pos,
                "$InputRunFileMonitor needs $ModLoad imfile (or module(load=\"imfile\")) first",
            );
            return;
        }
        let layer = self.legacy.module("imfile");
        self.file_inputs.push((Vec::new(), layer, pos));
        if let Some(l) = self.legacy.modules.get_mut("imfile") {
            l.retain(|g| {
                ["ruleset", "pollingInterval"]
                    .iter()
                    .any(|n| g.name.eq_ignore_ascii_case(n))
            });
        }
    }

    /// What every action consumes: `$ActionQueue…` and
    /// `$ActionResumeRetryCount`.
    pub(super) fn reset_after_action(&mut self) {
        self.legacy.action_queue.clear();
        self.legacy
            .action
            .retain(|g| !consumed_by_next_action(&g.name));
    }
}

/// The `$Action…` settings that only the next action takes
/// (`$ActionResumeRetryCount`, `$ActionName`); the others stay.
pub(super) fn consumed_by_next_action(name: &str) -> bool {
    ["action.resumeRetryCount", "name"]
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
}

/// The legacy directives of modules corelog refuses to load (rsyslog
/// 8.2302's, of the modules Debian ships), by module: each is an error
/// naming the module and why it is refused, rather than an unknown
/// directive.
fn refused_module_directive(name: &str) -> Option<&'static str> {
    const DIRECTIVES: &[(&str, &[&str])] = &[
        (
            "imjournal",
            &[
                "imjournalPersistStateInterval",
                "imjournalRatelimitInterval",
                "imjournalRatelimitBurst",
                "imjournalStateFile",
                "imjournalIgnorePreviousMessages",
                "imjournalDefaultSeverity",
                "imjournalDefaultFacility",
                "imjournalUsePidFromSystem",
            ],
        ),
        (
            "mmnormalize",
            &[
                "mmnormalizeRuleBase",
                "mmnormalizeRule",
                "mmnormalizeUseRawMsg",
            ],
        ),
        (
            "ommail",
            &[
                "ActionMailSMTPServer",
                "ActionMailSMTPPort",
                "ActionMailFrom",
                "ActionMailTo",
                "ActionMailSubject",
                "ActionMailEnableBody",
            ],
        ),
    ];
    DIRECTIVES
        .iter()
        .find(|(_, names)| names.iter().any(|n| n.eq_ignore_ascii_case(name)))
        .map(|(m, _)| *m)
}
