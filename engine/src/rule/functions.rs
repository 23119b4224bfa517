//! RainerScript's functions: rsyslog 8.2302's table (`grammar/rainerscript.c`,
//! `functions[]`) plus `exists()`, compiled once and called per message.
//!
//! In: a call as written (name, arguments, position) at configuration time;
//! the arguments' values, the message and its [`Cx`] at run time. Out: a
//! [`Val`]; `script_error()`'s state where rsyslog sets it (`parse_time`,
//! `is_time`, `parse_json`, `get_property`); `parse_json()`'s variables in
//! [`Cx::shadow`].
//!
//! Argument rules are rsyslog's: the count is checked at load time, regular
//! expressions, `prifilt()` selectors and `exec_template()` names must be
//! constants and are compiled or found at load time, and so are
//! `lookup()`'s tables and the buckets of `dyn_inc()` and
//! `percentile_observe()`.
//!
//! Guarantees: never panics on any value; a result is bounded by its
//! arguments (`replace` and `wrap` by their product and sum, the others by
//! their size plus a constant).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use regex::bytes::Regex;

use crate::lang::ast::Expr;
use crate::lang::{suggestion, ConfigError, Pos};
use crate::msg::json::{self, Json, Path};
use crate::msg::timestamp::{parse_rfc3164, parse_rfc3339};
use crate::msg::vars::VarScope;
use crate::msg::Message;
use crate::prop::{Env, PropId};
use crate::rule::hash::{self, HashKind};
use crate::template::Template;

use super::expr::{var_val, CExpr, Cx, Scope, Val, SCRIPT_EINVAL, SCRIPT_EOK, VALUE_BYTES_MAX};
use super::filter::PriFilter;
use super::lookup::LookupTable;

/// A function, with what was compiled for it.
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
    Int2Hex,
    Num2Ipv4,
    Ipv42Num,
    Wrap,
    Random,
    FormatTime,
    ParseTime,
    IsTime,
    ParseJson,
    GetProperty,
    ScriptError,
    PreviousActionSuspended,
    ExecTemplate(Arc<Template>),
    Lookup(Arc<LookupTable>),
    DynInc(Arc<super::stats::DynStats>),
    PercentileObserve(Arc<super::stats::PercentileStats>),
    /// fmhash's `hash32`/`hash64` (`module(load="fmhash")`).
    Hash(HashKind),
    /// fmhash's `hash32mod`/`hash64mod`.
    HashMod(HashKind),
}

/// Functions by name: (name, minimum and maximum argument count).
const FUNCTIONS: &[(&str, usize, usize)] = &[
    ("strlen", 1, 1),
    ("getenv", 1, 1),
    ("num2ipv4", 1, 1),
    ("int2hex", 1, 1),
    ("substring", 3, 3),
    ("ltrim", 1, 1),
    ("rtrim", 1, 1),
    ("tolower", 1, 1),
    ("cstr", 1, 1),
    ("cnum", 1, 1),
    ("ip42num", 1, 1),
    ("ipv42num", 1, 1),
    ("re_match", 2, 2),
    ("re_match_i", 2, 2),
    ("re_extract", 5, 5),
    ("re_extract_i", 5, 5),
    ("field", 3, 3),
    ("exec_template", 1, 1),
    ("prifilt", 1, 1),
    ("lookup", 2, 2),
    ("dyn_inc", 2, 2),
    ("percentile_observe", 3, 3),
    ("replace", 3, 3),
    ("wrap", 2, 3),
    ("random", 1, 1),
    ("format_time", 2, 2),
    ("parse_time", 1, 1),
    ("is_time", 1, 2),
    ("parse_json", 2, 2),
    ("get_property", 2, 2),
    ("script_error", 0, 0),
    ("previous_action_suspended", 0, 0),
    // fmhash's, once it is loaded.
    ("hash32", 1, 2),
    ("hash64", 1, 2),
    ("hash32mod", 2, 3),
    ("hash64mod", 2, 3),
    // A grammar construct in rsyslog, a function here.
    ("exists", 1, 1),
    // Not in rsyslog 8.2302 (newer releases have toupper): corelog
    // extensions.
    ("toupper", 1, 1),
    ("trim", 1, 1),
];

/// `field()`'s answer when there is no such field.
const FIELD_NOT_FOUND: &[u8] = b"***FIELD NOT FOUND***";

/// Compiles a call.
pub fn compile(name: &str, args: &[Expr], pos: Pos, scope: Scope) -> Result<CExpr, ConfigError> {
    // Function names are case-sensitive in rsyslog: only lower case works.
    let Some(&(_, min, max)) = FUNCTIONS.iter().find(|(n, _, _)| *n == name) else {
        return Err(ConfigError::new(
            pos,
            format!(
                "unknown function '{name}'{}",
                suggestion(name, FUNCTIONS.iter().map(|f| f.0))
            ),
        ));
    };
    if name.starts_with("hash") && !scope.fmhash {
        return Err(ConfigError::new(
            pos,
            format!("{name}() is fmhash's: load it first with module(load=\"fmhash\"), as rsyslog requires"),
        ));
    }
    if args.len() < min || args.len() > max {
        let count = if min == max {
            format!("{min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(ConfigError::new(
            pos,
            format!(
                "{name}() takes {count} argument{}, not {}",
                if max == 1 { "" } else { "s" },
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
    let func = match name {
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
        "rtrim" => Func::Rtrim,
        "int2hex" => Func::Int2Hex,
        "num2ipv4" => Func::Num2Ipv4,
        "ip42num" | "ipv42num" => Func::Ipv42Num,
        "wrap" => Func::Wrap,
        "random" => Func::Random,
        "hash32" => Func::Hash(HashKind::Hash32),
        "hash64" => Func::Hash(HashKind::Hash64),
        "hash32mod" => Func::HashMod(HashKind::Hash32),
        "hash64mod" => Func::HashMod(HashKind::Hash64),
        "format_time" => Func::FormatTime,
        "parse_time" => Func::ParseTime,
        "is_time" => Func::IsTime,
        "parse_json" => Func::ParseJson,
        "get_property" => Func::GetProperty,
        "script_error" => Func::ScriptError,
        "previous_action_suspended" => Func::PreviousActionSuspended,
        "exec_template" => {
            let tpl = constant(0, "template name")?;
            let found = scope.templates.and_then(|t| {
                t.iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(&tpl))
                    .map(|(_, t)| t.clone())
            });
            match found {
                Some(t) => Func::ExecTemplate(t),
                None => {
                    return Err(ConfigError::new(
                        pos,
                        format!("exec_template(): template '{tpl}' is not defined (define it before its use)"),
                    ))
                }
            }
        }
        "lookup" => Func::Lookup(named(
            scope.lookups,
            &constant(0, "table name")?,
            "lookup",
            "lookup table",
            "lookup_table()",
            pos,
        )?),
        "dyn_inc" => Func::DynInc(named(
            scope.dyn_stats,
            &constant(0, "bucket name")?,
            "dyn_inc",
            "dyn_stats bucket",
            "dyn_stats()",
            pos,
        )?),
        _ => Func::PercentileObserve(named(
            scope.percentile_stats,
            &constant(0, "bucket name")?,
            "percentile_observe",
            "percentile_stats bucket",
            "percentile_stats()",
            pos,
        )?),
    };
    let args = args
        .iter()
        .map(|a| CExpr::compile_in(a, scope))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CExpr::Call(func, args))
}

/// The object `name` of a function's first argument (a lookup table, a
/// statistics bucket), which must be defined before the function's use.
fn named<T>(
    defined: Option<&HashMap<String, Arc<T>>>,
    name: &str,
    func: &str,
    what: &str,
    object: &str,
    pos: Pos,
) -> Result<Arc<T>, ConfigError> {
    defined.and_then(|m| m.get(name)).cloned().ok_or_else(|| {
        ConfigError::new(
            pos,
            format!(
                "{func}(): {what} '{name}' is not defined (define it with {object} before its use)"
            ),
        )
    })
}

/// Calls `f` for message `m`.
pub fn call<'a>(
    f: &'a Func,
    args: &'a [CExpr],
    m: &'a Message,
    env: &'a Env,
    cx: &mut Cx,
) -> Val<'a> {
    // Arguments borrow from the message and the configuration where they
    // can: `strlen($msg)` copies nothing.
    let arg = |i: usize, cx: &mut Cx| -> Val<'a> {
        args.get(i)
            .map(|a| a.eval(m, env, cx))
            .unwrap_or(Val::Str(Cow::Borrowed(b"")))
    };
    fn s(v: Val<'_>) -> Vec<u8> {
        v.to_bytes().into_owned()
    }
    let owned = |b: Vec<u8>| Val::Str(Cow::Owned(b));
    match f {
        Func::ReMatch(re) => Val::Num(i64::from(re.is_match(&arg(0, cx).to_bytes()))),
        Func::ReExtract(re) => {
            let text = s(arg(0, cx));
            let match_no = arg(2, cx).to_num().0.max(0) as usize;
            let sub = arg(3, cx).to_num().0.max(0) as usize;
            let default = s(arg(4, cx));
            let found = re
                .captures_iter(&text)
                .nth(match_no)
                .and_then(|c| c.get(sub).map(|g| g.as_bytes().to_vec()));
            owned(found.unwrap_or(default))
        }
        Func::Field => {
            let v = arg(0, cx);
            let text = v.to_bytes();
            let delim = match arg(1, cx) {
                Val::Num(n) => vec![(n & 0xff) as u8],
                other => s(other),
            };
            let n = arg(2, cx).to_num().0;
            if delim.is_empty() || n < 1 {
                return owned(FIELD_NOT_FOUND.to_vec());
            }
            let mut parts = split_bytes(&text, &delim);
            match parts.nth((n - 1) as usize) {
                Some(p) => owned(p.to_vec()),
                None => owned(FIELD_NOT_FOUND.to_vec()),
            }
        }
        Func::ToLower => owned(s(arg(0, cx)).to_ascii_lowercase()),
        Func::ToUpper => owned(s(arg(0, cx)).to_ascii_uppercase()),
        Func::StrLen => Val::Num(arg(0, cx).to_bytes().len() as i64),
        Func::Substring => {
            let v = arg(0, cx);
            let text = v.to_bytes();
            let len_total = text.len() as i64;
            let start = arg(1, cx).to_num().0.clamp(0, len_total);
            let mut len = arg(2, cx).to_num().0;
            if len < 0 {
                len = (len_total + len).max(0);
            }
            let end = start.saturating_add(len).min(len_total);
            owned(text[start as usize..end.max(start) as usize].to_vec())
        }
        Func::Cnum => Val::Num(arg(0, cx).to_num().0),
        Func::Cstr => owned(s(arg(0, cx))),
        Func::Replace => {
            let (text, from, to) = (s(arg(0, cx)), s(arg(1, cx)), s(arg(2, cx)));
            owned(replace(&text, &from, &to))
        }
        Func::Exists => match &args[0] {
            CExpr::Prop(p) => Val::Num(i64::from(match p.id {
                PropId::Var(VarScope::Global) => env.globals.exists(&p.path),
                PropId::Var(scope) => cx
                    .shadow
                    .as_deref()
                    .or_else(|| m.vars())
                    .is_some_and(|v| v.get(scope, &p.path).is_some()),
                _ => false,
            })),
            _ => Val::Num(0),
        },
        Func::Prifilt(p) => Val::Num(i64::from(p.matches(m))),
        Func::Getenv => {
            let name = String::from_utf8_lossy(&s(arg(0, cx))).into_owned();
            owned(std::env::var(name).unwrap_or_default().into_bytes())
        }
        // rsyslog's ltrim/rtrim remove spaces (0x20) only, not tabs.
        Func::Trim => owned(trim_spaces(&s(arg(0, cx)), true, true).to_vec()),
        Func::Ltrim => owned(trim_spaces(&s(arg(0, cx)), true, false).to_vec()),
        Func::Rtrim => owned(trim_spaces(&s(arg(0, cx)), false, true).to_vec()),
        Func::Int2Hex => match arg(0, cx).to_num() {
            (n, true) => owned(format!("{n:x}").into_bytes()),
            _ => owned(b"NAN".to_vec()),
        },
        Func::Num2Ipv4 => owned(num2ipv4(arg(0, cx).to_num()).into_bytes()),
        Func::Ipv42Num => Val::Num(ipv42num(&s(arg(0, cx)))),
        Func::Wrap => {
            let source = match args.len() {
                3 => {
                    let (text, find, esc) = (s(arg(0, cx)), s(arg(1, cx)), s(arg(2, cx)));
                    replace(&text, &find, &esc)
                }
                _ => s(arg(0, cx)),
            };
            let wrapper = s(arg(1, cx));
            let mut out = Vec::with_capacity(source.len() + 2 * wrapper.len());
            out.extend_from_slice(&wrapper);
            out.extend_from_slice(&source);
            out.extend_from_slice(&wrapper);
            out.truncate(VALUE_BYTES_MAX);
            owned(out)
        }
        Func::Random => Val::Num(match arg(0, cx).to_num() {
            (max, true) if max != 0 => {
                // rsyslog: labs(random()) % max, random() in [0, 2^31).
                let x = i64::from(random_u31());
                x.wrapping_rem(max)
            }
            _ => 0,
        }),
        Func::Hash(kind) => {
            let text = arg(0, cx);
            let seed = (args.len() > 1).then(|| number(arg(1, cx)));
            Val::Num(hash::hash(*kind, &text.to_bytes(), seed))
        }
        Func::HashMod(kind) => {
            let text = arg(0, cx);
            let modulus = number(arg(1, cx));
            let seed = (args.len() > 2).then(|| number(arg(2, cx)));
            Val::Num(hash::hash_mod(*kind, &text.to_bytes(), modulus, seed))
        }
        Func::FormatTime => {
            let v = arg(0, cx);
            let fmt = s(arg(1, cx));
            let (t, ok) = v.to_num();
            match format_time(t, &fmt).filter(|_| ok) {
                Some(text) => owned(text.into_bytes()),
                // rsyslog returns the first argument as text.
                None => owned(v.to_bytes().into_owned()),
            }
        }
        Func::ParseTime => {
            let text = s(arg(0, cx));
            match parse_time(&text, env) {
                Some(t) => {
                    cx.script_error = SCRIPT_EOK;
                    Val::Num(t)
                }
                None => {
                    cx.script_error = SCRIPT_EINVAL;
                    Val::Num(0)
                }
            }
        }
        Func::IsTime => {
            let v = arg(0, cx);
            let fmt = (args.len() == 2).then(|| s(arg(1, cx)));
            let yes = is_time(&v, fmt.as_deref(), env);
            cx.script_error = if yes { SCRIPT_EOK } else { SCRIPT_EINVAL };
            Val::Num(i64::from(yes))
        }
        Func::ParseJson => {
            let text = s(arg(0, cx));
            let container = s(arg(1, cx));
            let result = parse_json(&text, &container, m, env, cx);
            cx.script_error = result;
            Val::Num(result)
        }
        Func::GetProperty => get_property(args, m, env, cx),
        Func::ScriptError => Val::Num(cx.script_error),
        Func::PreviousActionSuspended => Val::Num(i64::from(cx.prev_suspended)),
        Func::DynInc(s) => Val::Num(s.inc(&arg(1, cx).to_bytes())),
        Func::PercentileObserve(s) => {
            let key = arg(1, cx).to_bytes().into_owned();
            match arg(2, cx).to_num() {
                (v, true) => Val::Num(s.observe(&key, v)),
                // rsyslog: not a number, nothing observed, 0.
                _ => Val::Num(0),
            }
        }
        Func::Lookup(t) => {
            let key = arg(1, cx);
            owned(t.table().lookup(&key).to_vec())
        }
        Func::ExecTemplate(t) => {
            let mut out = Vec::new();
            t.render(m, env, cx.render_buf(), &mut out);
            owned(out)
        }
    }
}

/// rsyslog's `doFuncReplace`: every occurrence of `from`, left to right;
/// an empty `from` matches before every byte and at the end
/// (`replace("abc", "", "x")` is `xaxbxcx`).
/// The result is cut at [`VALUE_BYTES_MAX`].
fn replace(text: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len().min(VALUE_BYTES_MAX));
    if from.is_empty() {
        for &c in text {
            if out.len() >= VALUE_BYTES_MAX {
                break;
            }
            out.extend_from_slice(to);
            out.push(c);
        }
        out.extend_from_slice(to);
        out.truncate(VALUE_BYTES_MAX);
        return out;
    }
    let mut rest = text;
    while let Some(i) = memchr::memmem::find(rest, from) {
        if out.len() >= VALUE_BYTES_MAX {
            break;
        }
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(to);
        rest = &rest[i + from.len()..];
    }
    out.extend_from_slice(rest);
    out.truncate(VALUE_BYTES_MAX);
    out
}

fn num2ipv4((n, ok): (i64, bool)) -> String {
    if !ok || !(0..=0xffff_ffff).contains(&n) {
        return "-1".into();
    }
    let b = (n as u32).to_be_bytes();
    format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3])
}

/// rsyslog's `ipv42num`: four decimal parts, blanks allowed only before
/// and after; -1 for anything else. Parts above 255 are not refused: the
/// arithmetic wraps in 32 bits, as rsyslog's unsigned int does.
fn ipv42num(s: &[u8]) -> i64 {
    let mut num = [0u32; 4];
    let (mut cyc, mut prevdot, mut startblank, mut endblank) = (0usize, false, false, false);
    for (i, &c) in s.iter().enumerate() {
        match c {
            b'0'..=b'9' => {
                if endblank {
                    return -1;
                }
                prevdot = false;
                startblank = false;
                num[cyc] = num[cyc].wrapping_mul(10).wrapping_add(u32::from(c - b'0'));
            }
            b' ' => {
                prevdot = false;
                if i == 0 || startblank {
                    startblank = true;
                } else {
                    endblank = true;
                }
            }
            b'.' => {
                if endblank || prevdot {
                    return -1;
                }
                startblank = false;
                prevdot = true;
                cyc += 1;
                if cyc > 3 {
                    return -1;
                }
            }
            _ => return -1,
        }
    }
    if cyc != 3 {
        return -1;
    }
    i64::from(
        num[0]
            .wrapping_mul(1 << 24)
            .wrapping_add(num[1].wrapping_mul(1 << 16))
            .wrapping_add(num[2].wrapping_mul(1 << 8))
            .wrapping_add(num[3]),
    )
}

/// rsyslog's `formatUnixTimeFromTime_t`, always UTC: `date-rfc3164`
/// (`Oct 11 22:14:15`, the day padded with a space) or `date-rfc3339`
/// (`2026-10-11T22:14:15Z`). Another format gives `None`, and the caller
/// returns the time as given (rsyslog 8.2302 returns uninitialised memory
/// there).
fn format_time(t: i64, fmt: &[u8]) -> Option<String> {
    let dt = time::OffsetDateTime::from_unix_timestamp(t).ok()?;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    match fmt {
        b"date-rfc3164" => Some(format!(
            "{} {:2} {:02}:{:02}:{:02}",
            MONTHS[usize::from(u8::from(dt.month())) - 1],
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second()
        )),
        b"date-rfc3339" => Some(format!(
            "{}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            dt.year(),
            u8::from(dt.month()),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second()
        )),
        _ => None,
    }
}

/// A whole timestamp (only blanks may follow): RFC 3339, else RFC 3164.
fn parse_stamp(text: &[u8], env: &Env, rfc3339: bool, rfc3164: bool) -> Option<crate::Timestamp> {
    let rest_ok = |n: usize| text.get(n).map_or(true, |&c| c == b' ');
    if rfc3339 {
        if let Some((t, _)) = parse_rfc3339(text).filter(|&(_, n)| rest_ok(n)) {
            return Some(t);
        }
    }
    if rfc3164 {
        if let Some((mut t, _)) = parse_rfc3164(text, &env.now_utc).filter(|&(_, n)| rest_ok(n)) {
            // rsyslog takes an RFC 3164 time as UTC, in the year that puts
            // it nearest to now (`estimateYear`).
            t.offset_hour = 0;
            t.offset_minute = 0;
            t.year = estimate_year(env.now_utc.year, env.now_utc.month, t.month);
            return Some(t);
        }
    }
    None
}

/// rsyslog's `estimateYear`: December stamps seen in January belong to
/// last year; January stamps seen in December to the next.
fn estimate_year(year: u16, month: u8, stamp_month: u8) -> u16 {
    let im = i32::from(stamp_month) + 12;
    let cm = i32::from(month);
    if im - cm == 1 && cm == 12 && im == 13 {
        return year + 1;
    }
    if im - cm > 13 {
        return year.saturating_sub(1);
    }
    year
}

/// `parse_time()`: seconds since the epoch; rsyslog gives 0 for years
/// outside 1970..=2100.
fn parse_time(text: &[u8], env: &Env) -> Option<i64> {
    let t = parse_stamp(text, env, true, true)?;
    Some(if (1970..=2100).contains(&t.year) {
        t.unix_seconds()
    } else {
        0
    })
}

/// `is_time(value [, format])`: formats `date-rfc3164`, `date-rfc3339`,
/// `date-unix` (a number); without a format, any of them.
fn is_time(v: &Val, fmt: Option<&[u8]>, env: &Env) -> bool {
    let text = v.to_bytes();
    let (a, b, unix) = match fmt {
        None => (true, true, true),
        Some(b"date-rfc3164") => (false, true, false),
        Some(b"date-rfc3339") => (true, false, false),
        Some(b"date-unix") => (false, false, true),
        Some(_) => return false,
    };
    parse_stamp(&text, env, a, b).is_some() || (unix && v.to_num().1)
}

/// `parse_json(text, container)`: 0 and the tree merged into `container`
/// (`$!`, `$!sub`, `$.x`, `$/x`), or 1 (`EINVAL`) when the text is not
/// JSON.
fn parse_json(text: &[u8], container: &[u8], m: &Message, env: &Env, cx: &mut Cx) -> i64 {
    let Ok(tree) = json::parse(text) else {
        return SCRIPT_EINVAL;
    };
    let name = String::from_utf8_lossy(container);
    let name = name.strip_prefix('$').unwrap_or(&name);
    let (scope, rest) = match name.as_bytes().first() {
        Some(b'!') => (VarScope::Message, &name[1..]),
        Some(b'.') => (VarScope::Local, &name[1..]),
        Some(b'/') => (VarScope::Global, &name[1..]),
        // rsyslog looks the container up by its first character and
        // fails for anything else, having parsed the text.
        _ => return SCRIPT_EOK,
    };
    cx.set_var(m, env, scope, &Path::parse(rest), tree);
    SCRIPT_EOK
}

/// `get_property(json, key)`: a member of an object (`""` is the object
/// itself) or an element of an array; scalars convert as rsyslog does.
fn get_property<'a>(args: &'a [CExpr], m: &'a Message, env: &'a Env, cx: &mut Cx) -> Val<'a> {
    let empty = || Val::Str(Cow::Borrowed(b""));
    // rsyslog ignores a string literal as the first argument.
    if matches!(args[0], CExpr::Str(_)) {
        cx.script_error = SCRIPT_EINVAL;
        return empty();
    }
    let v = args[0].eval(m, env, cx).into_owned();
    let key = args[1].eval(m, env, cx).into_owned();
    let j = match v {
        Val::Json(j) => j.into_owned(),
        Val::Str(s) => {
            cx.script_error = SCRIPT_EOK;
            return Val::Str(s);
        }
        Val::Num(_) => {
            cx.script_error = SCRIPT_EOK;
            return empty();
        }
    };
    let found = match &j {
        Json::Object(o) => {
            let k = key.to_bytes();
            if k.is_empty() {
                Some(j.clone())
            } else {
                match o.get(&String::from_utf8_lossy(&k)) {
                    Some(v) => Some(v.clone()),
                    None => {
                        cx.script_error = SCRIPT_EINVAL;
                        return empty();
                    }
                }
            }
        }
        Json::Array(a) => match key.to_num() {
            // rsyslog compares the index with sizeof(size_t), not the
            // array's length: indexes 0..8 only.
            (i, true) if (0..8).contains(&i) => a.get(i as usize).cloned(),
            _ => {
                cx.script_error = SCRIPT_EINVAL;
                return empty();
            }
        },
        Json::Int(n) => return done(cx, Val::Num(*n)),
        Json::Bool(b) => return done(cx, Val::Num(i64::from(*b))),
        Json::Double(d, _) => return done(cx, Val::Num(*d as i64)),
        Json::Str(s) => return done(cx, Val::Str(Cow::Owned(s.to_vec()))),
        Json::Null => return done(cx, empty()),
    };
    cx.script_error = SCRIPT_EOK;
    match found {
        Some(Json::Str(s)) => Val::Str(Cow::Owned(s.into_vec())),
        Some(j) => var_val(Some(&j)).into_owned(),
        None => empty(),
    }
}

/// The number `v` converts to, if it is one (rsyslog's `var2Number`
/// with its success flag).
fn number(v: Val) -> Option<i64> {
    let (n, ok) = v.to_num();
    ok.then_some(n)
}

fn done<'a>(cx: &mut Cx, v: Val<'a>) -> Val<'a> {
    cx.script_error = SCRIPT_EOK;
    v
}

/// A random number in `[0, 2^31)`, as glibc's `random()` gives.
pub(crate) fn random_u31() -> u32 {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new({
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            t | 1
        });
    }
    STATE.with(|s| {
        // xorshift64*: plenty for random() in a filter.
        let mut x = s.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(x);
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as u32
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_conversions_follow_rsyslog() {
        assert_eq!(ipv42num(b"192.0.2.7"), 3221225991);
        assert_eq!(ipv42num(b" 10.0.0.1 "), 167772161);
        assert_eq!(ipv42num(b"1.2.3"), -1);
        assert_eq!(ipv42num(b"1..2.3"), -1);
        assert_eq!(ipv42num(b"1.2.3.4.5"), -1);
        assert_eq!(ipv42num(b"1.2 .3.4"), -1);
        assert_eq!(ipv42num(b"300.0.0.0"), 738197504);
        assert_eq!(num2ipv4((3221225991, true)), "192.0.2.7");
        assert_eq!(num2ipv4((-1, true)), "-1");
        assert_eq!(num2ipv4((4294967296, true)), "-1");
        assert_eq!(num2ipv4((0, false)), "-1");
    }

    #[test]
    fn time_formats() {
        assert_eq!(
            format_time(0, b"date-rfc3339").unwrap(),
            "1970-01-01T00:00:00Z"
        );
        assert_eq!(
            format_time(1_760_220_855, b"date-rfc3164").unwrap(),
            "Oct 11 22:14:15"
        );
        assert_eq!(format_time(0, b"other"), None);
        assert_eq!(estimate_year(2026, 1, 12), 2025);
        assert_eq!(estimate_year(2026, 12, 1), 2027);
        assert_eq!(estimate_year(2026, 6, 6), 2026);
    }
}
