//! RainerScript expressions, compiled once and evaluated per message.
//!
//! In: an [`ast::Expr`](crate::lang::ast::Expr) at configuration time
//! (properties resolved, functions checked by name and arity, regexes and
//! `prifilt()` selectors compiled, constant arrays prepared, templates of
//! `exec_template()` found); a message, the batch's [`Env`] and the
//! message's [`Cx`] at run time. Out: a [`Val`] — a number, a string or a
//! JSON value (rsyslog's `N`, `S` and `J`), and in the [`Cx`] what a
//! function reported (`script_error()`) and the variables `parse_json()`
//! sets, applied by the caller when the statement is done.
//!
//! Semantics follow rsyslog's `rainerscript.c`: comparisons are numeric when
//! both sides are numbers or a string side reads entirely as a number, and
//! string comparisons otherwise; `==`/`!=` against an array literal mean
//! "is one of"/"is none of"; `and`/`or` short-circuit; a missing variable
//! is the empty string; division by zero gives 0.
//!
//! Guarantees: never panics (arithmetic wraps, indices are checked); the
//! common filter shape `$property <op> "constant"` compares in place without
//! allocating.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use crate::lang::ast::{BinOp, Expr};
use crate::lang::{ConfigError, Pos};
use crate::msg::json::{Json, Path};
use crate::msg::vars::VarScope;
use crate::msg::Message;
use crate::prop::{self, Env, PropBuf, PropId, PropRef};
use crate::template::{RenderBuf, Template};

use super::functions;

/// A run-time value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    Num(i64),
    Str(Cow<'a, [u8]>),
    /// A JSON value that is not a string (a JSON string is a `Str`, as in
    /// rsyslog).
    Json(Cow<'a, Json>),
}

/// The longest string an expression makes (`&`, `replace()`, `wrap()`);
/// longer results are cut here, so that no rule can make a value grow
/// without bound (`set $.s = $.s & $.s` in a `foreach`).
pub const VALUE_BYTES_MAX: usize = 4 << 20;

/// rsyslog's `script_error()` values.
pub const SCRIPT_EOK: i64 = 0;
pub const SCRIPT_EINVAL: i64 = 1;

/// What evaluating an expression for one message may read and write beside
/// the message: a scratch buffer, the message's `script_error()` state, the
/// previous action's outcome, and the message's variables as `parse_json()`
/// changed them (read by the rest of the expression, as in rsyslog, and
/// given to the message by the statement that evaluated it).
#[derive(Debug, Default)]
pub struct Cx {
    pub scratch: PropBuf,
    pub script_error: i64,
    pub prev_suspended: bool,
    /// The message's variables with what `parse_json()` set; `None` until
    /// it sets something.
    pub shadow: Option<Box<crate::msg::Vars>>,
    render: Option<Box<RenderBuf>>,
}

impl Cx {
    /// Ready for the next message.
    pub fn reset(&mut self, script_error: i64, prev_suspended: bool) {
        self.script_error = script_error;
        self.prev_suspended = prev_suspended;
        debug_assert!(self.shadow.is_none(), "variables not applied");
        self.shadow = None;
    }

    /// Sets a variable of the message being evaluated (`m`'s, copied
    /// into the shadow on the first write); `$/` goes to the globals.
    pub fn set_var(&mut self, m: &Message, env: &Env, scope: VarScope, path: &Path, value: Json) {
        let _ = match scope {
            VarScope::Global => env.globals.set(path, value, false),
            scope => self
                .shadow
                .get_or_insert_with(|| Box::new(m.vars().cloned().unwrap_or_default()))
                .set(scope, path, value, false),
        };
    }

    /// The variables to read for `m`: the shadow once written.
    fn vars<'a>(&'a self, m: &'a Message) -> Option<&'a crate::msg::Vars> {
        self.shadow.as_deref().or_else(|| m.vars())
    }

    /// A render buffer for `exec_template()`, made on first use.
    pub fn render_buf(&mut self) -> &mut RenderBuf {
        self.render
            .get_or_insert_with(|| Box::new(RenderBuf::new()))
    }

    /// Gives `m` the variables set while evaluating.
    pub fn apply(&mut self, m: &mut Message, _env: &Env) {
        if let Some(v) = self.shadow.take() {
            m.vars = Some(v);
        }
    }
}

impl Val<'_> {
    /// rsyslog's to-number conversion (`var2Number`): a string gives the
    /// value of its leading `-` and decimal digits, and the conversion
    /// counts as successful only when that is the whole string (`""` and
    /// `"-"` are 0, successfully); a JSON value converts as libfastjson's
    /// `get_int64` does, always successfully.
    pub fn to_num(&self) -> (i64, bool) {
        match self {
            Val::Num(n) => (*n, true),
            Val::Str(s) => str_to_num(s),
            Val::Json(j) => (json_int(j), true),
        }
    }

    /// The value as bytes (numbers in decimal, JSON as libfastjson prints
    /// it, spaced).
    pub fn to_bytes(&self) -> Cow<'_, [u8]> {
        match self {
            Val::Num(n) => Cow::Owned(n.to_string().into_bytes()),
            Val::Str(s) => Cow::Borrowed(s),
            Val::Json(Cow::Borrowed(j)) => j.text(),
            Val::Json(Cow::Owned(j)) => Cow::Owned(j.text().into_owned()),
        }
    }

    /// The value as `set` stores it: numbers as JSON integers, strings as
    /// strings, JSON as rsyslog's deep copy.
    pub fn into_json(self) -> Json {
        match self {
            Val::Num(n) => Json::Int(n),
            Val::Str(Cow::Borrowed(s)) => Json::str(s),
            Val::Str(Cow::Owned(s)) => Json::Str(s.into()),
            Val::Json(j) => j.deep_copy(),
        }
    }

    /// Truth as rsyslog decides it: the number the value converts to
    /// (a string's leading digits; `"error"` is 0, `"5 apples"` is 5),
    /// truncated to 32 bits as rsyslog's `int` result is, non-zero.
    pub fn truthy(&self) -> bool {
        self.to_num().0 as i32 != 0
    }

    pub fn into_owned(self) -> Val<'static> {
        match self {
            Val::Num(n) => Val::Num(n),
            Val::Str(s) => Val::Str(Cow::Owned(s.into_owned())),
            Val::Json(j) => Val::Json(Cow::Owned(j.into_owned())),
        }
    }
}

/// libfastjson's `get_int64`: integers as they are, doubles truncated,
/// booleans 0/1, strings by their leading number, anything else 0.
pub fn json_int(j: &Json) -> i64 {
    match j {
        Json::Int(n) => *n,
        Json::Double(d, _) => *d as i64,
        Json::Bool(b) => i64::from(*b),
        Json::Str(s) => str_to_num(trim_ascii_start(s)).0,
        _ => 0,
    }
}

fn trim_ascii_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &s[n..]
}

/// A variable's value as rsyslog's `evalVar` gives it: a JSON string (or
/// null, or nothing) as a string, anything else as JSON.
pub fn var_val(j: Option<&Json>) -> Val<'_> {
    match j {
        Some(Json::Str(s)) => Val::Str(Cow::Borrowed(s)),
        Some(Json::Null) | None => Val::Str(Cow::Borrowed(b"")),
        Some(j) => Val::Json(Cow::Borrowed(j)),
    }
}

/// Leading `-` and decimal digits: the value and whether that was all.
pub(super) fn str_to_num(s: &[u8]) -> (i64, bool) {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let n = digits.iter().take_while(|c| c.is_ascii_digit()).count();
    let v = digits[..n].iter().fold(0i64, |v, d| {
        v.wrapping_mul(10).wrapping_add(i64::from(d - b'0'))
    });
    (if neg { v.wrapping_neg() } else { v }, n == digits.len())
}

pub(super) fn parse_num(s: &[u8]) -> Option<i64> {
    match str_to_num(s) {
        (v, true) if !s.is_empty() && s != b"-" => Some(v),
        _ => None,
    }
}

/// A compiled expression.
#[derive(Debug, Clone)]
pub enum CExpr {
    Str(Box<[u8]>),
    Num(i64),
    Prop(PropRef),
    /// A literal array: "is one of" on the right of `==` / `!=` and the
    /// string operators; its first element anywhere else.
    Array(Vec<Box<[u8]>>),
    Call(functions::Func, Vec<CExpr>),
    Not(Box<CExpr>),
    Neg(Box<CExpr>),
    Bin(BinOp, Box<CExpr>, Box<CExpr>),
    /// `$prop <op> "constant"` with a string comparison: no allocation.
    PropStr(PropRef, BinOp, Box<[u8]>),
    /// `$prop <op> number` (`$syslogseverity <= 3`) on a property that is
    /// not a variable: no allocation.
    PropNum(PropRef, BinOp, i64),
}

/// What compiling an expression may need from the configuration.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope<'a> {
    /// Templates defined so far (for `exec_template()`).
    pub templates: Option<&'a HashMap<String, Arc<Template>>>,
    /// Lookup tables defined so far (for `lookup()`).
    pub lookups: Option<&'a HashMap<String, Arc<super::lookup::LookupTable>>>,
    /// `dyn_stats()` buckets defined so far (for `dyn_inc()`).
    pub dyn_stats: Option<&'a HashMap<String, Arc<super::stats::DynStats>>>,
    /// `percentile_stats()` buckets defined so far.
    pub percentile_stats: Option<&'a HashMap<String, Arc<super::stats::PercentileStats>>>,
    /// Whether fmhash is loaded (its `hash…()` functions known).
    pub fmhash: bool,
}

impl CExpr {
    /// Compiles `e` with no templates known; errors name the position and
    /// what is wrong.
    pub fn compile(e: &Expr) -> Result<CExpr, ConfigError> {
        CExpr::compile_in(e, Scope::default())
    }

    /// Compiles `e`, finding what it names in `scope`.
    pub fn compile_in(e: &Expr, scope: Scope) -> Result<CExpr, ConfigError> {
        Ok(match e {
            Expr::Str(s) => CExpr::Str(s.as_bytes().into()),
            Expr::Num(n) => CExpr::Num(*n),
            Expr::Var(v, pos) => CExpr::Prop(resolve_var(v, *pos)?),
            Expr::Array(items, pos) => {
                let mut out = Vec::new();
                for i in items {
                    match i {
                        Expr::Str(s) => out.push(s.as_bytes().into()),
                        Expr::Num(n) => out.push(n.to_string().into_bytes().into()),
                        _ => {
                            return Err(ConfigError::new(*pos, "array elements must be constants"))
                        }
                    }
                }
                if out.is_empty() {
                    return Err(ConfigError::new(
                        *pos,
                        "an array needs at least one element",
                    ));
                }
                CExpr::Array(out)
            }
            Expr::Not(x) => CExpr::Not(Box::new(CExpr::compile_in(x, scope)?)),
            Expr::Neg(x) => CExpr::Neg(Box::new(CExpr::compile_in(x, scope)?)),
            Expr::Binary { op, lhs, rhs, pos } => {
                let l = CExpr::compile_in(lhs, scope)?;
                let r = CExpr::compile_in(rhs, scope)?;
                if matches!(r, CExpr::Array(_))
                    && !matches!(op, BinOp::Eq | BinOp::Ne | BinOp::Concat)
                    && !string_op(*op)
                {
                    return Err(ConfigError::new(
                        *pos,
                        "an array can only be compared with ==, !=, contains or startswith",
                    ));
                }
                match (&l, &r) {
                    // A string constant that is not a number: the comparison
                    // is a string comparison whatever the property holds.
                    // `$prop == "x"` is always a byte comparison in rsyslog
                    // (a property is a string, and so is the literal; a
                    // JSON variable compares its text); so are the string
                    // operators.
                    (CExpr::Prop(p), CExpr::Str(s))
                        if string_op(*op)
                            || matches!(op, BinOp::Eq | BinOp::Ne)
                            || (cmp_op(*op) && parse_num(s).is_none()) =>
                    {
                        CExpr::PropStr(p.clone(), *op, s.clone())
                    }
                    (CExpr::Prop(p), CExpr::Num(n))
                        if cmp_op(*op) && !matches!(p.id, PropId::Var(_)) =>
                    {
                        CExpr::PropNum(p.clone(), *op, *n)
                    }
                    _ => CExpr::Bin(*op, Box::new(l), Box::new(r)),
                }
            }
            Expr::Call { name, args, pos } => functions::compile(name, args, *pos, scope)?,
        })
    }

    /// Evaluates to a value.
    pub fn eval<'a>(&'a self, m: &'a Message, env: &'a Env, cx: &mut Cx) -> Val<'a> {
        match self {
            CExpr::Str(s) => Val::Str(Cow::Borrowed(s)),
            CExpr::Num(n) => Val::Num(*n),
            CExpr::Prop(p) => match p.id {
                PropId::Var(VarScope::Global) => {
                    var_val(env.globals.get(&p.path).as_ref()).into_owned()
                }
                PropId::Var(scope) if cx.shadow.is_some() => {
                    var_val(cx.vars(m).and_then(|v| v.get(scope, &p.path))).into_owned()
                }
                PropId::Var(scope) => var_val(m.vars().and_then(|v| v.get(scope, &p.path))),
                _ => match prop::slice(m, p) {
                    Some(s) => Val::Str(Cow::Borrowed(s)),
                    None => Val::Str(Cow::Owned(
                        prop::get_with(m, p, Some(env), &mut cx.scratch).to_vec(),
                    )),
                },
            },
            CExpr::Array(items) => Val::Str(Cow::Borrowed(&items[0])),
            CExpr::Not(x) => Val::Num(i64::from(!x.truthy(m, env, cx))),
            CExpr::Neg(x) => Val::Num(x.eval(m, env, cx).to_num().0.wrapping_neg()),
            CExpr::PropStr(..) | CExpr::PropNum(..) | CExpr::Bin(..) if self.is_bool() => {
                Val::Num(i64::from(self.truthy(m, env, cx)))
            }
            CExpr::Bin(op, l, r) => {
                let a = l.eval(m, env, cx).into_owned();
                let b = r.eval(m, env, cx);
                arith(*op, &a, &b)
            }
            CExpr::PropStr(..) | CExpr::PropNum(..) => Val::Num(0),
            CExpr::Call(f, args) => functions::call(f, args, m, env, cx),
        }
    }

    /// Evaluates as a condition.
    pub fn truthy(&self, m: &Message, env: &Env, cx: &mut Cx) -> bool {
        match self {
            CExpr::PropStr(p, op, s) => match p.id {
                PropId::Var(_) => {
                    let v = self_val(p, m, env, cx);
                    str_cmp(*op, &v.to_bytes(), s)
                }
                _ => {
                    let v = prop::get_with(m, p, Some(env), &mut cx.scratch);
                    str_cmp(*op, v, s)
                }
            },
            CExpr::PropNum(p, op, n) => {
                // A property is a string: numeric when it reads entirely as
                // a number, otherwise compared as text with the number's
                // decimal form (rsyslog's rule for a string against a number).
                let v = prop::get_with(m, p, Some(env), &mut cx.scratch);
                match str_to_num(v) {
                    (x, true) => compare(*op, &Val::Num(x), &Val::Num(*n)),
                    _ => str_cmp(*op, v, n.to_string().as_bytes()),
                }
            }
            CExpr::Bin(BinOp::And, l, r) => l.truthy(m, env, cx) && r.truthy(m, env, cx),
            CExpr::Bin(BinOp::Or, l, r) => l.truthy(m, env, cx) || r.truthy(m, env, cx),
            CExpr::Bin(op, l, r) if cmp_op(*op) || string_op(*op) => {
                let a = l.eval(m, env, cx).into_owned();
                if let CExpr::Array(items) = &**r {
                    let a = a.to_bytes();
                    let any = items.iter().any(|i| match op {
                        BinOp::Eq | BinOp::Ne => **i == *a,
                        op => str_cmp(*op, &a, i),
                    });
                    return if *op == BinOp::Ne { !any } else { any };
                }
                let b = r.eval(m, env, cx);
                compare(*op, &a, &b)
            }
            CExpr::Not(x) => !x.truthy(m, env, cx),
            other => other.eval(m, env, cx).truthy(),
        }
    }

    fn is_bool(&self) -> bool {
        match self {
            CExpr::PropStr(..) | CExpr::PropNum(..) => true,
            CExpr::Bin(op, ..) => {
                matches!(op, BinOp::And | BinOp::Or) || cmp_op(*op) || string_op(*op)
            }
            _ => false,
        }
    }
}

/// A variable's value, owned when it is global.
fn self_val<'a>(p: &PropRef, m: &'a Message, env: &Env, cx: &Cx) -> Val<'a> {
    match p.id {
        PropId::Var(VarScope::Global) => var_val(env.globals.get(&p.path).as_ref()).into_owned(),
        PropId::Var(scope) if cx.shadow.is_some() => {
            var_val(cx.vars(m).and_then(|v| v.get(scope, &p.path))).into_owned()
        }
        PropId::Var(scope) => var_val(m.vars().and_then(|v| v.get(scope, &p.path))),
        _ => Val::Str(Cow::Borrowed(b"")),
    }
}

fn cmp_op(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
    )
}

fn string_op(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Contains
            | BinOp::ContainsI
            | BinOp::StartsWith
            | BinOp::StartsWithI
            | BinOp::EndsWith
    )
}

/// A comparison of two byte strings.
pub(super) fn str_cmp(op: BinOp, a: &[u8], b: &[u8]) -> bool {
    match op {
        BinOp::Eq => a == b,
        BinOp::Ne => a != b,
        BinOp::Lt => a < b,
        BinOp::Le => a <= b,
        BinOp::Gt => a > b,
        BinOp::Ge => a >= b,
        BinOp::Contains => memchr::memmem::find(a, b).is_some(),
        BinOp::ContainsI => b.is_empty() || a.windows(b.len()).any(|w| w.eq_ignore_ascii_case(b)),
        BinOp::StartsWith => a.starts_with(b),
        BinOp::StartsWithI => a.len() >= b.len() && a[..b.len()].eq_ignore_ascii_case(b),
        BinOp::EndsWith => a.ends_with(b),
        _ => false,
    }
}

/// rsyslog's comparison rules (`cnfexprEval`): for `==`/`!=`, a string
/// against a string compares bytes, a JSON value against a string compares
/// the JSON's text, and a string against a number compares numerically
/// when the string converts entirely (a JSON value always converts, by
/// `get_int64`); for `<` `<=` `>` `>=`, numerically when both sides
/// convert entirely; bytes otherwise.
fn compare(op: BinOp, a: &Val, b: &Val) -> bool {
    let numeric = match op {
        BinOp::Eq | BinOp::Ne => match (a, b) {
            (Val::Str(_), Val::Str(_)) | (Val::Json(_), Val::Str(_)) => None,
            _ => match (a.to_num(), b.to_num()) {
                ((x, true), (y, true)) => Some((x, y)),
                _ => None,
            },
        },
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => match (a.to_num(), b.to_num()) {
            ((x, true), (y, true)) => Some((x, y)),
            _ => None,
        },
        _ => None,
    };
    if let Some((x, y)) = numeric {
        return match op {
            BinOp::Eq => x == y,
            BinOp::Ne => x != y,
            BinOp::Lt => x < y,
            BinOp::Le => x <= y,
            BinOp::Gt => x > y,
            _ => x >= y,
        };
    }
    str_cmp(op, &a.to_bytes(), &b.to_bytes())
}

fn arith<'a>(op: BinOp, a: &Val, b: &Val) -> Val<'a> {
    if op == BinOp::Concat {
        let mut s = a.to_bytes().into_owned();
        s.extend_from_slice(&b.to_bytes());
        s.truncate(VALUE_BYTES_MAX);
        return Val::Str(Cow::Owned(s));
    }
    let (x, y) = (a.to_num().0, b.to_num().0);
    Val::Num(match op {
        BinOp::Add => x.wrapping_add(y),
        BinOp::Sub => x.wrapping_sub(y),
        BinOp::Mul => x.wrapping_mul(y),
        BinOp::Div => x.checked_div(y).unwrap_or(0),
        BinOp::Mod => x.checked_rem(y).unwrap_or(0),
        _ => 0,
    })
}

/// A variable as written in an expression: `$msg`, `$!user`, `$now`.
pub fn resolve_var(v: &str, pos: Pos) -> Result<PropRef, ConfigError> {
    PropRef::parse(
        v.strip_prefix('$')
            .filter(|r| !r.starts_with(['!', '.', '/']))
            .unwrap_or(v),
    )
    .or_else(|_| PropRef::parse(v))
    .map_err(|e| ConfigError::new(pos, e.to_string()))
}
