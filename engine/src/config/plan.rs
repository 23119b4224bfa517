//! The plan: what a configuration asks for, typed, validated and
//! immutable. It is all the runtime sees of a configuration: inputs and
//! actions are typed per module ([`InputConfig`], [`OutputConfig`]), so no
//! parameter is looked up by name after loading.

use std::collections::HashMap;
use std::sync::Arc;

use super::modules::{ActionCommon, Globals, InputConfig, OutputConfig};
use super::queue::QueueParams;
use super::{ConfigError, Pos, Sources};
use crate::rule;
use crate::template::Template;

/// The name of the ruleset that exists from the start.
pub const DEFAULT_RULESET: &str = "RSYSLOG_DefaultRuleset";

/// An input: `input(type=…)`, a legacy `$…ServerRun`, or imuxsock's
/// system socket.
#[derive(Debug, Clone)]
pub struct InputDef {
    pub config: InputConfig,
    /// Index into [`Plan::rulesets`].
    pub ruleset: usize,
    pub pos: Pos,
}

/// An action with everything it needs to run.
#[derive(Debug, Clone)]
pub struct ActionDef {
    pub common: ActionCommon,
    pub output: OutputConfig,
    pub template: Arc<Template>,
    /// omfile's `dynaFile` (or a legacy `?template`).
    pub dynafile: Option<Arc<Template>>,
    pub queue: QueueParams,
    pub pos: Pos,
}

impl ActionDef {
    pub fn name(&self) -> &str {
        &self.common.name
    }

    /// The output module (`omfile`, `omfwd`, `omrelp`).
    pub fn kind(&self) -> &'static str {
        self.output.module()
    }
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
    /// `ruleset(parser=[…])` / `$RulesetParser`: the parsers its inputs'
    /// messages go through (`None`: rsyslog's default chain).
    pub parsers: Option<Arc<crate::parse::chain::Chain>>,
}

/// The validated, immutable plan the runtime executes.
#[derive(Debug, Clone)]
pub struct Plan {
    pub sources: Sources,
    pub globals: Globals,
    pub inputs: Vec<InputDef>,
    pub templates: HashMap<String, Arc<Template>>,
    pub rulesets: Vec<RulesetDef>,
    /// Index of `RSYSLOG_DefaultRuleset` (or `$DefaultRuleset`).
    pub default_ruleset: usize,
    pub main_queue: QueueParams,
    pub actions: Vec<ActionDef>,
    /// Global variables (`$/`), shared by every core that runs the plan.
    pub global_vars: Arc<crate::rule::globals::Globals>,
    /// `lookup_table()`s (SIGHUP reloads those with `reloadOnHUP`).
    pub lookup_tables: Vec<Arc<crate::rule::lookup::LookupTable>>,
    /// `dyn_stats()` buckets (for the statistics, issue #18).
    pub dyn_stats: Vec<Arc<crate::rule::stats::DynStats>>,
    /// `percentile_stats()` buckets (for the statistics, issue #18).
    pub percentile_stats: Vec<Arc<crate::rule::stats::PercentileStats>>,
    /// imhttp's metrics and health endpoint, when loaded.
    pub http: Option<crate::config::modules::imhttp::HttpConfig>,
    /// imfile, when loaded.
    pub imfile: Option<crate::config::modules::imfile::ImfileConfig>,
    /// imkafka, when loaded.
    pub imkafka: Option<crate::config::modules::imkafka::ImkafkaConfig>,
    /// imklog, when loaded.
    pub klog: Option<crate::config::modules::imklog::KlogConfig>,
    /// immark, when loaded.
    pub mark: Option<crate::config::modules::immark::MarkConfig>,
    /// impstats, when loaded.
    pub impstats: Option<crate::config::modules::impstats::ImpstatsConfig>,
    /// Things that are valid but worth saying (`~`, parameters that have
    /// no effect here).
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

    /// The longest `queue.timeoutShutdown` of every queue: how long the
    /// shutdown drain waits without progress before it gives up.
    pub fn timeout_shutdown_ms(&self) -> i64 {
        let rulesets = self.rulesets.iter().filter_map(|r| r.queue.as_ref());
        let actions = self.actions.iter().map(|a| &a.queue);
        std::iter::once(&self.main_queue)
            .chain(rulesets)
            .chain(actions)
            .map(|q| q.timeout_shutdown_ms)
            .max()
            .unwrap_or(0)
    }
}
