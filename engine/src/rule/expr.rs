//! RainerScript expressions, compiled once and evaluated per message.
//!
//! In: an [`ast::Expr`](crate::lang::ast::Expr) at configuration time
//! (properties resolved, functions checked by name and arity, regexes and
//! `prifilt()` selectors compiled, constant arrays prepared); a message and
//! the batch's [`Env`] at run time. Out: a [`Val`] — a number or a string.
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

use regex::bytes::Regex;

use crate::lang::ast::{BinOp, Expr};
use crate::lang::{suggestion, ConfigError, Pos};
use crate::msg::vars::VarScope;
use crate::msg::Message;
use crate::prop::{self, Env, PropBuf, PropId, PropRef};

use super::filter::PriFilter;

/// A run-time value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val<'a> {
    Num(i64),
    Str(Cow<'a, [u8]>),
}

impl Val<'_> {
    /// rsyslog's to-number conversion: a string gives the value of its
    /// leading `-` and decimal digits, and the conversion counts as
    /// successful only when that is the whole string (`""` and `"-"` are 0,
    /// successfully).
    pub fn to_num(&self) -> (i64, bool) {
        match self {
            Val::Num(n) => (*n, true),
            Val::Str(s) => str_to_num(s),
        }
    }

    /// The value as bytes (numbers in decimal).
    pub fn to_bytes(&self) -> Cow<'_, [u8]> {
        match self {
            Val::Num(n) => Cow::Owned(n.to_string().into_bytes()),
            Val::Str(s) => Cow::Borrowed(s),
        }
    }

    /// Truth as rsyslog decides it: the number the value converts to
    /// (a string's leading digits; `"error"` is 0, `"5 apples"` is 5),
    /// truncated to 32 bits as rsyslog's `int` result is, non-zero.
    pub fn truthy(&self) -> bool {
        self.to_num().0 as i32 != 0
    }

    fn into_owned(self) -> Val<'static> {
        match self {
            Val::Num(n) => Val::Num(n),
            Val::Str(s) => Val::Str(Cow::Owned(s.into_owned())),
        }
    }
}

/// Leading `-` and decimal digits: the value and whether that was all.
fn str_to_num(s: &[u8]) -> (i64, bool) {
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

fn parse_num(s: &[u8]) -> Option<i64> {
    match str_to_num(s) {
        (v, true) if !s.is_empty() && s != b"-" => Some(v),
        _ => None,
    }
}

/// Built-in functions.
#[derive(Debug, Clone)]
pub enum Func {
    ReMatch(Regex),
    ReExtract(Regex),
    Field,
    ToLower,
    ToUpper,
    StrLen,
    Substring,
    Cnum,
    Cstr,
    Replace,
    Exists,
    Prifilt(PriFilter),
    Getenv,
    Trim,
    Ltrim,
    Rtrim,
}

/// Functions by name: (name, minimum and maximum argument count).
const FUNCTIONS: &[(&str, usize, usize)] = &[
    ("re_match", 2, 2),
    ("re_match_i", 2, 2),
    ("re_extract", 5, 5),
    ("re_extract_i", 5, 5),
    ("field", 3, 3),
    ("tolower", 1, 1),
    ("toupper", 1, 1),
    ("strlen", 1, 1),
    ("substring", 3, 3),
    ("cnum", 1, 1),
    ("cstr", 1, 1),
    ("replace", 3, 3),
    ("exists", 1, 1),
    ("prifilt", 1, 1),
    ("getenv", 1, 1),
    // Not in rsyslog (which has only ltrim and rtrim): a corelog extension.
    ("trim", 1, 1),
    ("ltrim", 1, 1),
    ("rtrim", 1, 1),
];

/// A compiled expression.
#[derive(Debug, Clone)]
pub enum CExpr {
    Str(Box<[u8]>),
    Num(i64),
    Prop(PropRef),
    /// A literal array: only meaningful on the right of `==` / `!=`.
    Array(Vec<Box<[u8]>>),
    Call(Func, Vec<CExpr>),
    Not(Box<CExpr>),
    Neg(Box<CExpr>),
    Bin(BinOp, Box<CExpr>, Box<CExpr>),
    /// `$prop <op> "constant"` with a string comparison: no allocation.
    PropStr(PropRef, BinOp, Box<[u8]>),
    /// `$prop <op> number` (`$syslogseverity <= 3`): no allocation.
    PropNum(PropRef, BinOp, i64),
}

impl CExpr {
    /// Compiles `e`; errors name the position and what is wrong.
    pub fn compile(e: &Expr) -> Result<CExpr, ConfigError> {
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
                CExpr::Array(out)
            }
            Expr::Not(x) => CExpr::Not(Box::new(CExpr::compile(x)?)),
            Expr::Neg(x) => CExpr::Neg(Box::new(CExpr::compile(x)?)),
            Expr::Binary { op, lhs, rhs, pos } => {
                let l = CExpr::compile(lhs)?;
                let r = CExpr::compile(rhs)?;
                if matches!(r, CExpr::Array(_)) && !matches!(op, BinOp::Eq | BinOp::Ne) {
                    return Err(ConfigError::new(
                        *pos,
                        "an array can only be compared with == or !=",
                    ));
                }
                match (&l, &r) {
                    // A string constant that is not a number: the comparison
                    // is a string comparison whatever the property holds.
                    // `$prop == "x"` is always a byte comparison in rsyslog
                    // (a property is a string, and so is the literal); so
                    // are the string operators.
                    (CExpr::Prop(p), CExpr::Str(s))
                        if string_op(*op)
                            || matches!(op, BinOp::Eq | BinOp::Ne)
                            || (cmp_op(*op) && parse_num(s).is_none()) =>
                    {
                        CExpr::PropStr(p.clone(), *op, s.clone())
                    }
                    (CExpr::Prop(p), CExpr::Num(n)) if cmp_op(*op) => {
                        CExpr::PropNum(p.clone(), *op, *n)
                    }
                    _ => CExpr::Bin(*op, Box::new(l), Box::new(r)),
                }
            }
            Expr::Call { name, args, pos } => compile_call(name, args, *pos)?,
        })
    }

    /// Evaluates to a value.
    pub fn eval<'a>(&'a self, m: &'a Message, env: &'a Env, scratch: &mut PropBuf) -> Val<'a> {
        match self {
            CExpr::Str(s) => Val::Str(Cow::Borrowed(s)),
            CExpr::Num(n) => Val::Num(*n),
            CExpr::Prop(p) => Val::Str(Cow::Owned(
                prop::get_with(m, p, Some(env), scratch).to_vec(),
            )),
            CExpr::Array(_) => Val::Str(Cow::Borrowed(b"")),
            CExpr::Not(x) => Val::Num(i64::from(!x.truthy(m, env, scratch))),
            CExpr::Neg(x) => Val::Num(x.eval(m, env, scratch).to_num().0.wrapping_neg()),
            CExpr::PropStr(..) | CExpr::PropNum(..) | CExpr::Bin(..) if self.is_bool() => {
                Val::Num(i64::from(self.truthy(m, env, scratch)))
            }
            CExpr::Bin(op, l, r) => {
                let a = l.eval(m, env, scratch).into_owned();
                let b = r.eval(m, env, scratch);
                arith(*op, &a, &b)
            }
            CExpr::PropStr(..) | CExpr::PropNum(..) => Val::Num(0),
            CExpr::Call(f, args) => call(f, args, m, env, scratch),
        }
    }

    /// Evaluates as a condition.
    pub fn truthy(&self, m: &Message, env: &Env, scratch: &mut PropBuf) -> bool {
        match self {
            CExpr::PropStr(p, op, s) => {
                let v = prop::get_with(m, p, Some(env), scratch);
                str_cmp(*op, v, s)
            }
            CExpr::PropNum(p, op, n) => {
                // A property is a string: numeric when it reads entirely as
                // a number, otherwise compared as text with the number's
                // decimal form (rsyslog's rule for a string against a number).
                let v = prop::get_with(m, p, Some(env), scratch);
                match str_to_num(v) {
                    (x, true) => compare(*op, &Val::Num(x), &Val::Num(*n)),
                    _ => str_cmp(*op, v, n.to_string().as_bytes()),
                }
            }
            CExpr::Bin(BinOp::And, l, r) => l.truthy(m, env, scratch) && r.truthy(m, env, scratch),
            CExpr::Bin(BinOp::Or, l, r) => l.truthy(m, env, scratch) || r.truthy(m, env, scratch),
            CExpr::Bin(op, l, r) if cmp_op(*op) || string_op(*op) => {
                let a = l.eval(m, env, scratch).into_owned();
                if let CExpr::Array(items) = &**r {
                    let a = a.to_bytes();
                    let any = items.iter().any(|i| **i == *a);
                    return if *op == BinOp::Eq { any } else { !any };
                }
                let b = r.eval(m, env, scratch);
                compare(*op, &a, &b)
            }
            CExpr::Not(x) => !x.truthy(m, env, scratch),
            other => other.eval(m, env, scratch).truthy(),
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
fn str_cmp(op: BinOp, a: &[u8], b: &[u8]) -> bool {
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
/// against a string compares bytes, and a string against a number compares
/// numerically when the string converts entirely; for `<` `<=` `>` `>=`,
/// numerically when both sides convert entirely; bytes otherwise.
fn compare(op: BinOp, a: &Val, b: &Val) -> bool {
    let numeric = match op {
        BinOp::Eq | BinOp::Ne => match (a, b) {
            (Val::Str(_), Val::Str(_)) => None,
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

fn compile_call(name: &str, args: &[Expr], pos: Pos) -> Result<CExpr, ConfigError> {
    // Function names are case-sensitive in rsyslog: only lower case works.
    let lname = name.to_string();
    let Some(&(_, min, max)) = FUNCTIONS.iter().find(|(n, _, _)| *n == lname) else {
        return Err(ConfigError::new(
            pos,
            format!(
                "unknown function '{name}'{}",
                suggestion(&lname, FUNCTIONS.iter().map(|f| f.0))
            ),
        ));
    };
    if args.len() < min || args.len() > max {
        return Err(ConfigError::new(
            pos,
            format!(
                "{name}() takes {min} argument{}, not {}",
                if min == 1 { "" } else { "s" },
                args.len()
            ),
        ));
    }
    let constant = |i: usize, what: &str| -> Result<String, ConfigError> {
        match &args[i] {
            Expr::Str(s) => Ok(s.clone()),
            _ => Err(ConfigError::new(
                pos,
                format!("{name}(): the {what} must be a constant string"),
            )),
        }
    };
    let regex = |i: usize, insensitive: bool| -> Result<Regex, ConfigError> {
        let src = constant(i, "regular expression")?;
        let src = if insensitive {
            format!("(?i){src}")
        } else {
            src
        };
        crate::template::compile_regex(&src, true).map_err(|e| ConfigError::new(pos, e))
    };
    let func = match lname.as_str() {
        "re_match" => Func::ReMatch(regex(1, false)?),
        "re_match_i" => Func::ReMatch(regex(1, true)?),
        "re_extract" => Func::ReExtract(regex(1, false)?),
        "re_extract_i" => Func::ReExtract(regex(1, true)?),
        "field" => Func::Field,
        "tolower" => Func::ToLower,
        "toupper" => Func::ToUpper,
        "strlen" => Func::StrLen,
        "substring" => Func::Substring,
        "cnum" => Func::Cnum,
        "cstr" => Func::Cstr,
        "replace" => Func::Replace,
        "exists" => {
            if !matches!(&args[0], Expr::Var(v, _) if v.starts_with("$!") || v.starts_with("$.") || v.starts_with("$/"))
            {
                return Err(ConfigError::new(
                    pos,
                    "exists() takes a variable ($!name, $.name or $/name)",
                ));
            }
            Func::Exists
        }
        "prifilt" => Func::Prifilt(
            PriFilter::parse(&constant(0, "selector")?).map_err(|e| ConfigError::new(pos, e))?,
        ),
        "getenv" => Func::Getenv,
        "trim" => Func::Trim,
        "ltrim" => Func::Ltrim,
        _ => Func::Rtrim,
    };
    let args = args
        .iter()
        .map(CExpr::compile)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CExpr::Call(func, args))
}

fn call<'a>(
    f: &'a Func,
    args: &'a [CExpr],
    m: &'a Message,
    env: &'a Env,
    scratch: &mut PropBuf,
) -> Val<'a> {
    let mut arg = |i: usize| -> Val<'static> {
        args.get(i)
            .map(|a| a.eval(m, env, scratch).into_owned())
            .unwrap_or(Val::Str(Cow::Borrowed(b"")))
    };
    let s = |v: Val<'static>| v.to_bytes().into_owned();
    let owned = |b: Vec<u8>| Val::Str(Cow::Owned(b));
    match f {
        Func::ReMatch(re) => Val::Num(i64::from(re.is_match(&s(arg(0))))),
        Func::ReExtract(re) => {
            let text = s(arg(0));
            let match_no = arg(2).to_num().0.max(0) as usize;
            let sub = arg(3).to_num().0.max(0) as usize;
            let default = s(arg(4));
            let found = re
                .captures_iter(&text)
                .nth(match_no)
                .and_then(|c| c.get(sub).map(|g| g.as_bytes().to_vec()));
            owned(found.unwrap_or(default))
        }
        Func::Field => {
            let text = s(arg(0));
            let delim = match arg(1) {
                Val::Num(n) => vec![(n & 0xff) as u8],
                other => s(other),
            };
            let n = arg(2).to_num().0;
            if delim.is_empty() || n < 1 {
                return owned(b"***FIELD NOT FOUND***".to_vec());
            }
            let mut parts = split_bytes(&text, &delim);
            match parts.nth((n - 1) as usize) {
                Some(p) => owned(p.to_vec()),
                None => owned(b"***FIELD NOT FOUND***".to_vec()),
            }
        }
        Func::ToLower => owned(s(arg(0)).to_ascii_lowercase()),
        Func::ToUpper => owned(s(arg(0)).to_ascii_uppercase()),
        Func::StrLen => Val::Num(s(arg(0)).len() as i64),
        Func::Substring => {
            let text = s(arg(0));
            let len_total = text.len() as i64;
            let start = arg(1).to_num().0.clamp(0, len_total);
            let mut len = arg(2).to_num().0;
            if len < 0 {
                len = (len_total + len).max(0);
            }
            let end = start.saturating_add(len).min(len_total);
            owned(text[start as usize..end.max(start) as usize].to_vec())
        }
        Func::Cnum => Val::Num(arg(0).to_num().0),
        Func::Cstr => owned(s(arg(0))),
        Func::Replace => {
            let (text, from, to) = (s(arg(0)), s(arg(1)), s(arg(2)));
            if from.is_empty() {
                // rsyslog returns the replacement alone.
                return owned(to);
            }
            let mut out = Vec::with_capacity(text.len());
            let mut rest = &text[..];
            while let Some(i) = memchr::memmem::find(rest, &from) {
                out.extend_from_slice(&rest[..i]);
                out.extend_from_slice(&to);
                rest = &rest[i + from.len()..];
            }
            out.extend_from_slice(rest);
            owned(out)
        }
        Func::Exists => match &args[0] {
            CExpr::Prop(p) => match p.id {
                PropId::Var(scope) if scope != VarScope::Global => Val::Num(i64::from(
                    m.vars()
                        .is_some_and(|v| v.get(scope, &p.var_name).is_some()),
                )),
                _ => Val::Num(0),
            },
            _ => Val::Num(0),
        },
        Func::Prifilt(p) => Val::Num(i64::from(p.matches(m))),
        Func::Getenv => {
            let name = String::from_utf8_lossy(&s(arg(0))).into_owned();
            owned(std::env::var(name).unwrap_or_default().into_bytes())
        }
        // rsyslog's ltrim/rtrim remove spaces (0x20) only, not tabs.
        Func::Trim => owned(trim_spaces(&s(arg(0)), true, true).to_vec()),
        Func::Ltrim => owned(trim_spaces(&s(arg(0)), true, false).to_vec()),
        Func::Rtrim => owned(trim_spaces(&s(arg(0)), false, true).to_vec()),
    }
}

fn trim_spaces(v: &[u8], start: bool, end: bool) -> &[u8] {
    let mut v = v;
    while start && v.first() == Some(&b' ') {
        v = &v[1..];
    }
    while end && v.last() == Some(&b' ') {
        v = &v[..v.len() - 1];
    }
    v
}

fn split_bytes<'a>(text: &'a [u8], delim: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let r = rest?;
        match memchr::memmem::find(r, delim) {
            Some(i) => {
                rest = Some(&r[i + delim.len()..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}
