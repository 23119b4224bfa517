//! The rule engine: rsyslog's rulesets, run over a batch of messages.
//!
//! In: a compiled [`crate::config::Plan`] (rulesets of [`Stmt`]s whose
//! filters and expressions are compiled once), a batch of messages and an
//! [`ActionSink`] that executes actions. Out: for each action, in statement
//! order, the messages of the batch that reach it; variables set by `set`
//! are written into the messages.
//!
//! Semantics are rsyslog's: statements run in order; `stop` ends processing
//! of that message everywhere (also in the rulesets that `call`ed this one);
//! `call` runs another ruleset inline and returns; `continue` does nothing;
//! an action with `action.execOnlyWhenPreviousIsSuspended` runs only when
//! the action attempted just before it for this message reported suspended.
//!
//! Execution is batch-wise: each statement is evaluated for every message
//! still active in the batch before the next statement runs, so a filter's
//! compiled form and an action's setup are paid once per batch. Messages
//! reach each action in batch order. Filters allocate nothing in the common
//! forms (selectors, property filters, `$prop == "constant"`).

pub mod expr;
pub mod filter;

use crate::msg::vars::VarScope;
use crate::msg::Message;
use crate::prop::{Env, PropBuf, PropId, PropRef};

pub use expr::{CExpr, Val};
pub use filter::{PriFilter, PropFilter};

/// A compiled condition.
#[derive(Debug, Clone)]
pub enum Cond {
    /// `facility.severity` selector.
    Pri(PriFilter),
    /// `:property, op, "value"`.
    Prop(PropFilter),
    /// An `if` expression.
    Expr(CExpr),
}

/// A compiled statement.
#[derive(Debug, Clone)]
pub enum Stmt {
    If {
        cond: Cond,
        then: Vec<Stmt>,
        els: Vec<Stmt>,
    },
    /// Run action number `n` of the plan.
    Action(usize),
    Stop,
    /// Run ruleset number `n` inline.
    Call(usize),
    Continue,
    Set {
        var: PropRef,
        expr: CExpr,
    },
    Unset {
        var: PropRef,
    },
}

/// What an action reports back; only `Suspended` matters to the engine
/// (for `execOnlyWhenPreviousIsSuspended`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionResult {
    Ok,
    Suspended,
}

/// Executes actions. Called once per action statement with the batch
/// indices of the messages that reach it, in order.
pub trait ActionSink {
    /// `exec_only_when_previous_is_suspended`: this action's flag, so the
    /// engine can skip messages whose previous action did not suspend.
    fn action_flag(&self, action: usize) -> bool;
    /// Runs `action` for `msgs[i]` for each `i` in `which`; writes each
    /// message's result into `results[i]`.
    fn run(&mut self, action: usize, msgs: &[Message], which: &[u32], results: &mut [ActionResult]);
}

/// Per-batch scratch state, reused across batches.
#[derive(Debug, Default)]
pub struct BatchState {
    active: Vec<bool>,
    prev_suspended: Vec<bool>,
    results: Vec<ActionResult>,
    scratch: PropBuf,
    /// Index lists, reused from batch to batch (one per nesting level and
    /// branch), so that running a batch allocates nothing once warm.
    spare: Vec<Vec<u32>>,
}

impl BatchState {
    fn take(&mut self) -> Vec<u32> {
        let mut v = self.spare.pop().unwrap_or_default();
        v.clear();
        v
    }

    fn give(&mut self, v: Vec<u32>) {
        self.spare.push(v);
    }
}

/// Nesting limit for `call`, as rsyslog's.
pub const CALL_DEPTH_MAX: usize = 1024;

/// Runs ruleset `ruleset` of `rulesets` over `msgs`.
pub fn run_batch(
    rulesets: &[Vec<Stmt>],
    ruleset: usize,
    msgs: &mut [Message],
    env: &Env,
    sink: &mut dyn ActionSink,
    state: &mut BatchState,
) {
    let n = msgs.len();
    state.active.clear();
    state.active.resize(n, true);
    state.prev_suspended.clear();
    state.prev_suspended.resize(n, false);
    state.results.clear();
    state.results.resize(n, ActionResult::Ok);
    let mut all = state.take();
    all.extend(0..n as u32);
    if let Some(stmts) = rulesets.get(ruleset) {
        exec(rulesets, stmts, &all, msgs, env, sink, state, 0);
    }
    state.give(all);
}

#[allow(clippy::too_many_arguments)]
fn exec(
    rulesets: &[Vec<Stmt>],
    stmts: &[Stmt],
    which: &[u32],
    msgs: &mut [Message],
    env: &Env,
    sink: &mut dyn ActionSink,
    st: &mut BatchState,
    depth: usize,
) {
    let mut live = st.take();
    for stmt in stmts {
        live.clear();
        live.extend(which.iter().copied().filter(|&i| st.active[i as usize]));
        if live.is_empty() {
            break;
        }
        match stmt {
            Stmt::Stop => {
                for &i in &live {
                    st.active[i as usize] = false;
                }
            }
            Stmt::Continue => {}
            Stmt::Action(a) => {
                let mut go = std::mem::take(&mut live);
                if sink.action_flag(*a) {
                    go.retain(|&i| st.prev_suspended[i as usize]);
                }
                if !go.is_empty() {
                    sink.run(*a, msgs, &go, &mut st.results);
                    for &i in &go {
                        st.prev_suspended[i as usize] =
                            st.results[i as usize] == ActionResult::Suspended;
                    }
                }
                live = go;
            }
            Stmt::Call(r) => {
                if depth < CALL_DEPTH_MAX {
                    if let Some(body) = rulesets.get(*r) {
                        exec(rulesets, body, &live, msgs, env, sink, st, depth + 1);
                    }
                }
            }
            Stmt::If { cond, then, els } => {
                let mut yes = st.take();
                let mut no = st.take();
                for &i in &live {
                    let m = &msgs[i as usize];
                    let hit = match cond {
                        Cond::Pri(f) => f.matches(m),
                        Cond::Prop(f) => f.matches(m, env, &mut st.scratch),
                        Cond::Expr(e) => e.truthy(m, env, &mut st.scratch),
                    };
                    if hit {
                        yes.push(i);
                    } else {
                        no.push(i);
                    }
                }
                if !yes.is_empty() {
                    exec(rulesets, then, &yes, msgs, env, sink, st, depth);
                }
                if !no.is_empty() && !els.is_empty() {
                    exec(rulesets, els, &no, msgs, env, sink, st, depth);
                }
                st.give(yes);
                st.give(no);
            }
            Stmt::Set { var, expr } => {
                for &i in &live {
                    let v = expr
                        .eval(&msgs[i as usize], env, &mut st.scratch)
                        .to_bytes()
                        .into_owned();
                    set_var(&mut msgs[i as usize], var, Some(&v));
                }
            }
            Stmt::Unset { var } => {
                for &i in &live {
                    set_var(&mut msgs[i as usize], var, None);
                }
            }
        }
    }
    st.give(live);
}

fn set_var(m: &mut Message, var: &PropRef, value: Option<&[u8]>) {
    let PropId::Var(scope) = var.id else { return };
    if scope == VarScope::Global {
        // Global variables belong to the configuration, not to a message;
        // the runtime that shares them across cores is not built yet.
        return;
    }
    match value {
        Some(v) => m.vars_mut().set(scope, &var.var_name, v),
        None => {
            if m.vars().is_some() {
                m.vars_mut().unset(scope, &var.var_name);
            }
        }
    }
}
