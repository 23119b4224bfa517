//! rsyslog-compatible configuration: `rsyslog.conf` in, an immutable,
//! validated [`Plan`] out.
//!
//! In: a file (and the files it includes), in RainerScript, legacy syntax,
//! or both mixed, as rsyslog reads them. Out: the plan the runtime
//! executes — global settings, inputs, templates (compiled), rulesets of
//! compiled statements, actions with their parameters and queue settings
//! (rsyslog's defaults per scope, corrected as rsyslog corrects them).
//!
//! Stages: [`lexer`] (text → tokens), [`parser`] (tokens → [`ast`]),
//! [`load`] (includes spliced in), [`build`] (legacy directives applied,
//! every parameter resolved through its module's table in [`modules`]
//! by [`param`] into typed configs, names resolved, filters and
//! expressions compiled by [`crate::rule`]) → [`plan`].
//!
//! Guarantees: every error names file, line and column and what was
//! expected; unknown objects, parameters, modules, properties and
//! references are errors, with a "did you mean" where one is close; a
//! parameter is carried out, refused, or (only where ignoring it cannot
//! change what is delivered, to whom, or how securely) accepted with a
//! warning, so nothing is accepted and silently ignored; no input makes
//! it panic (fuzzed).

pub mod backtick;
pub mod build;
pub mod lexer;
pub mod load;
pub mod modules;
pub mod param;
pub mod parser;
pub mod plan;
pub mod queue;
pub mod reference;

pub use crate::lang::{ast, did_you_mean, suggestion, ConfigError, ConfigErrors, Pos, Sources};
pub use modules::{Globals, InputConfig, OutputConfig};
pub use plan::{ActionDef, InputDef, Plan, RulesetDef, DEFAULT_RULESET};
pub use queue::{QueueParams, QueueScope, QueueType};

/// Reads and checks a configuration file: what `corelogd -N1 -f FILE` does.
pub fn load_file(path: &std::path::Path) -> Result<Plan, ConfigErrors> {
    let (stmts, sources, errors) = load::load_file_partial(path);
    build::build_checked(&stmts, sources, errors)
}

/// Checks a configuration given as text (`name` is used in messages).
pub fn load_str(name: &str, text: &str) -> Result<Plan, ConfigErrors> {
    let (stmts, sources, errors) = load::load_str_partial(name, text);
    build::build_checked(&stmts, sources, errors)
}
