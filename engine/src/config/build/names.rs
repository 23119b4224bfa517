//! Names resolved at the end: `call` targets, input rulesets and
//! `$DefaultRuleset`, once every ruleset is defined.

use super::statements::PStmt;
use super::Builder;
use crate::config::{suggestion, Pos};
use crate::rule;

/// A ruleset named before it may be defined.
pub(super) struct Pending {
    pub name: String,
    pub pos: Pos,
}

impl Builder {
    pub(super) fn ruleset_index(&self, name: &str) -> Option<usize> {
        self.rulesets
            .iter()
            .position(|r| r.0.eq_ignore_ascii_case(name))
    }

    pub(super) fn resolve(&mut self, p: &Pending) -> Option<usize> {
        let r = self.ruleset_index(&p.name);
        if r.is_none() {
            let names: Vec<String> = self.rulesets.iter().map(|r| r.0.clone()).collect();
            let hint = suggestion(&p.name, names.iter().map(String::as_str));
            self.err(p.pos, format!("ruleset '{}' is not defined{hint}", p.name));
        }
        r
    }

    /// Statements with every `call` resolved to its ruleset's index.
    pub(super) fn finalize(&mut self, stmts: Vec<PStmt>) -> Vec<rule::Stmt> {
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
                    PStmt::Set { var, expr, force } => rule::Stmt::Set { var, expr, force },
                    PStmt::Unset { var } => rule::Stmt::Unset { var },
                    PStmt::Foreach { var, expr, body } => rule::Stmt::Foreach {
                        var,
                        expr,
                        body: self.finalize(body),
                    },
                    PStmt::Modify(m) => rule::Stmt::Modify(m),
                    PStmt::ReloadLookup { table, stub } => rule::Stmt::ReloadLookup { table, stub },
                    PStmt::CallIndirect(expr) => rule::Stmt::CallIndirect {
                        expr,
                        rulesets: self.rulesets.iter().map(|r| r.0.as_str().into()).collect(),
                    },
                })
            })
            .collect()
    }
}
