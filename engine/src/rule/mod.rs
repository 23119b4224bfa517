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

pub mod anon;
pub mod expr;
pub mod filter;
pub mod functions;
pub mod globals;
pub mod hash;
pub mod lookup;
pub mod modify;
pub mod sequence;
pub mod stats;

use crate::msg::json::Json;
use crate::msg::vars::VarScope;
use crate::msg::Message;
use crate::prop::{Env, PropId, PropRef};

pub use expr::{CExpr, Cx, Val};
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
    /// `set` (`reset` when `force`).
    Set {
        var: PropRef,
        expr: CExpr,
        force: bool,
    },
    Unset {
        var: PropRef,
    },
    /// `foreach (var in expr) do body`.
    Foreach {
        var: PropRef,
        expr: CExpr,
        body: Vec<Stmt>,
    },
    /// `call_indirect expr;`: the ruleset named by the value, looked up in
    /// `rulesets` (every ruleset's name, by index).
    CallIndirect {
        expr: CExpr,
        rulesets: std::sync::Arc<[Box<str>]>,
    },
    /// A message modifier (`action(type="mm…")`), run on each message.
    Modify(std::sync::Arc<modify::Modifier>),
    /// `reload_lookup_table(name [, stub])`: reads the table's file again
    /// (at most once a second, not once per message).
    ReloadLookup {
        table: std::sync::Arc<lookup::LookupTable>,
        stub: Option<Box<[u8]>>,
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
    /// Each message's `script_error()` value.
    script_error: Vec<i64>,
    results: Vec<ActionResult>,
    cx: Cx,
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
    state.script_error.clear();
    state.script_error.resize(n, expr::SCRIPT_EOK);
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
                        Cond::Prop(f) => f.matches(m, env, &mut st.cx.scratch),
                        Cond::Expr(e) => {
                            st.enter(i);
                            let hit = e.truthy(m, env, &mut st.cx);
                            st.leave(i, &mut msgs[i as usize], env);
                            hit
                        }
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
            Stmt::Set { var, expr, force } => {
                for &i in &live {
                    st.enter(i);
                    let v = expr.eval(&msgs[i as usize], env, &mut st.cx).into_json();
                    st.leave(i, &mut msgs[i as usize], env);
                    set_var(&mut msgs[i as usize], env, var, Some(v), *force);
                }
            }
            Stmt::Unset { var } => {
                for &i in &live {
                    set_var(&mut msgs[i as usize], env, var, None, false);
                }
            }
            Stmt::Modify(modifier) => {
                for &i in &live {
                    modifier.apply(&mut msgs[i as usize], &env.globals);
                }
            }
            Stmt::ReloadLookup { table, stub } => {
                if let Err(e) = table.reload_asked(stub.as_deref()) {
                    crate::notice::say(format_args!("reload_lookup_table(): {e}"));
                }
            }
            Stmt::Foreach { var, expr, body } => {
                foreach(rulesets, var, expr, body, &live, msgs, env, sink, st, depth);
            }
            Stmt::CallIndirect {
                expr,
                rulesets: names,
            } => {
                // An unknown name does nothing, as in rsyslog.
                let mut targets: Vec<(usize, u32)> = Vec::new();
                for &i in &live {
                    st.enter(i);
                    let name = expr
                        .eval(&msgs[i as usize], env, &mut st.cx)
                        .to_bytes()
                        .into_owned();
                    st.leave(i, &mut msgs[i as usize], env);
                    if let Some(r) = names
                        .iter()
                        .position(|n| n.as_bytes().eq_ignore_ascii_case(&name))
                    {
                        targets.push((r, i));
                    }
                }
                // Runs of consecutive messages naming the same ruleset, in
                // batch order: each message's actions keep rsyslog's order.
                let mut group = st.take();
                for chunk in targets.chunk_by(|a, b| a.0 == b.0) {
                    group.clear();
                    group.extend(chunk.iter().map(|&(_, i)| i));
                    if depth < CALL_DEPTH_MAX {
                        if let Some(body) = rulesets.get(chunk[0].0) {
                            exec(rulesets, body, &group, msgs, env, sink, st, depth + 1);
                        }
                    }
                }
                st.give(group);
            }
        }
    }
    st.give(live);
}

impl BatchState {
    /// Before evaluating an expression for message `i`.
    fn enter(&mut self, i: u32) {
        self.cx.reset(
            self.script_error[i as usize],
            self.prev_suspended[i as usize],
        );
    }

    /// After: keeps its `script_error()` and applies what `parse_json()`
    /// set.
    fn leave(&mut self, i: u32, m: &mut Message, env: &Env) {
        self.script_error[i as usize] = self.cx.script_error;
        self.cx.apply(m, env);
    }
}

/// `foreach`: each message iterates over a copy of its collection (an
/// array's elements, or an object's members as `{"key": …, "value": …}`),
/// the loop variable `reset` to each item before the body runs; afterwards
/// the variable is unset. One message runs all its iterations before the
/// next message starts, as in rsyslog, so what the body's actions write
/// comes in rsyslog's order.
#[allow(clippy::too_many_arguments)]
fn foreach(
    rulesets: &[Vec<Stmt>],
    var: &PropRef,
    expr: &CExpr,
    body: &[Stmt],
    live: &[u32],
    msgs: &mut [Message],
    env: &Env,
    sink: &mut dyn ActionSink,
    st: &mut BatchState,
    depth: usize,
) {
    let mut items: Vec<(u32, std::vec::IntoIter<Json>)> = Vec::new();
    for &i in live {
        st.enter(i);
        let v = expr.eval(&msgs[i as usize], env, &mut st.cx).into_owned();
        st.leave(i, &mut msgs[i as usize], env);
        let list: Vec<Json> = match v {
            Val::Json(j) => match j.into_owned() {
                Json::Array(a) if !a.is_empty() => a,
                Json::Object(o) if !o.is_empty() => o
                    .iter()
                    .map(|(k, v)| {
                        let mut e = crate::msg::json::Object::new();
                        e.insert("key", Json::str(k.as_bytes()));
                        e.insert("value", v.clone());
                        Json::Object(e)
                    })
                    .collect(),
                _ => continue,
            },
            _ => continue,
        };
        items.push((i, list.into_iter()));
    }
    let mut one = st.take();
    for (i, it) in items.iter_mut() {
        for item in it {
            if !st.active[*i as usize] {
                break;
            }
            set_var(
                &mut msgs[*i as usize],
                env,
                var,
                Some(item.deep_copy()),
                true,
            );
            one.clear();
            one.push(*i);
            exec(rulesets, body, &one, msgs, env, sink, st, depth);
        }
    }
    st.give(one);
    for (i, _) in &items {
        set_var(&mut msgs[*i as usize], env, var, None, false);
    }
}

/// `set`/`reset` (`Some`) or `unset` (`None`). A `set` that rsyslog
/// refuses (through a non-object, or a leaf object overwritten by a
/// scalar) changes nothing, as there.
fn set_var(m: &mut Message, env: &Env, var: &PropRef, value: Option<Json>, force: bool) {
    let PropId::Var(scope) = var.id else { return };
    match (scope, value) {
        (VarScope::Global, Some(v)) => {
            let _ = env.globals.set(&var.path, v, force);
        }
        (VarScope::Global, None) => {
            env.globals.unset(&var.path);
        }
        (scope, Some(v)) => {
            let _ = m.vars_mut().set(scope, &var.path, v, force);
        }
        (scope, None) => {
            if let Some(vars) = m.vars.as_deref_mut() {
                vars.unset(scope, &var.path);
                if vars.is_empty() {
                    // A message whose variables are all gone pays nothing.
                    m.vars = None;
                }
            }
        }
    }
}
