//! The two legacy filters: PRI selectors (`mail.info;*.none`) and property
//! filters (`:msg, contains, "error"`), compiled once.
//!
//! In: the selector or filter text at configuration time; a message at run
//! time. Out: match or no match. A selector compiles to a facility ×
//! severity bit table, so matching is one shift and one AND; a property
//! filter compares the property's bytes in place (no allocation), with a
//! precompiled regex where it uses one.

use regex::bytes::Regex;

use crate::msg::pri::{facility_from_name, severity_from_name};
use crate::msg::Message;
use crate::prop::{self, Env, PropBuf, PropRef};

/// Facilities in the table: 0..=23 and 24 (`invld`, and what `*` also covers).
const FACILITIES: usize = 25;

/// A compiled PRI selector: bit `s` of `mask[f]` set when facility `f`,
/// severity `s` matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriFilter {
    mask: [u8; FACILITIES],
}

impl PriFilter {
    /// Compiles a selector as rsyslog's `DecodePRIFilter` does: `;`-separated
    /// parts applied in order to an empty table; `fac[,fac…].[!][=]sev`,
    /// where a plain severity means "this one and more important", `=sev`
    /// only that one, `*` every severity, `none` none; `!` removes instead
    /// of adding (from what earlier parts selected: `kern.!err` alone
    /// selects nothing, as in rsyslog 8.2302; later rsyslog releases start
    /// such a part from "all").
    pub fn parse(selector: &str) -> Result<PriFilter, String> {
        let mut mask = [0u8; FACILITIES];
        for part in selector.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (facs, sev) = part
                .split_once('.')
                .ok_or_else(|| format!("selector part '{part}' needs facility.severity"))?;
            let (negate, rest) = match sev.strip_prefix('!') {
                Some(r) => (true, r),
                None => (false, sev),
            };
            let (ops, name) = match rest.strip_prefix('=') {
                Some(n) => ("=", n),
                None => ("", rest),
            };
            let bits: u8 = match name.to_ascii_lowercase().as_str() {
                "*" => 0xff,
                "none" => 0,
                n => {
                    let s = severity_from_name(n)
                        .or_else(|| n.parse::<u16>().ok().filter(|s| *s < 8))
                        .ok_or_else(|| {
                            format!(
                                "unknown severity '{name}' in selector '{part}'{}",
                                crate::lang::suggestion(n, crate::msg::pri::SEVERITY_NAMES)
                            )
                        })? as u32;
                    let upto = |s: u32| ((1u32 << (s + 1)) - 1) as u8;
                    let one = 1u8 << s;
                    if ops == "=" {
                        one
                    } else {
                        upto(s)
                    }
                }
            };
            let none = name.eq_ignore_ascii_case("none");
            for fac in facs.split(',').map(str::trim) {
                let range: Vec<usize> = if fac == "*" {
                    (0..FACILITIES).collect()
                } else {
                    let f = facility_from_name(fac)
                        .or_else(|| fac.parse::<u16>().ok().filter(|f| *f < 24))
                        .ok_or_else(|| {
                            format!(
                                "unknown facility '{fac}' in selector '{part}'{}",
                                crate::lang::suggestion(fac, crate::msg::pri::FACILITY_NAMES)
                            )
                        })?;
                    vec![usize::from(f)]
                };
                for f in range {
                    if none {
                        mask[f] = if negate { 0xff } else { 0 };
                    } else if negate {
                        mask[f] &= !bits;
                    } else {
                        mask[f] |= bits;
                    }
                }
            }
        }
        Ok(PriFilter { mask })
    }

    /// A filter from a PRI bit table, as `prifilt()` and tests build it.
    pub fn matches_pri(&self, pri: u16) -> bool {
        let f = usize::from((pri >> 3).min(24));
        self.mask[f] & (1 << (pri & 7)) != 0
    }

    #[inline]
    pub fn matches(&self, m: &Message) -> bool {
        self.matches_pri(m.pri())
    }
}

/// A property filter's comparison.
#[derive(Debug, Clone)]
pub enum PropOp {
    Contains(Vec<u8>),
    IsEqual(Vec<u8>),
    StartsWith(Vec<u8>),
    EndsWith(Vec<u8>),
    Regex(Regex),
    IsEmpty,
}

/// `:property, [!]op, "value"`.
#[derive(Debug, Clone)]
pub struct PropFilter {
    pub prop: PropRef,
    pub op: PropOp,
    pub negate: bool,
}

impl PropFilter {
    /// Compiles `:property, [!]op, "value"` (the leading `:` included).
    pub fn parse(text: &str) -> Result<PropFilter, String> {
        let body = text.trim().strip_prefix(':').unwrap_or(text).trim_start();
        let (name, rest) = body
            .split_once(',')
            .ok_or_else(|| "property filter needs ':property, operation, \"value\"'".to_string())?;
        let prop = PropRef::parse(name.trim()).map_err(|e| e.to_string())?;
        let rest = rest.trim_start();
        let (op_text, value_part) = match rest.split_once(',') {
            Some((o, v)) => (o.trim(), v.trim()),
            None => (rest.trim(), ""),
        };
        let (negate, op_name) = match op_text.strip_prefix('!') {
            Some(o) => (true, o.trim()),
            None => (false, op_text),
        };
        let value = if value_part.is_empty() {
            Vec::new()
        } else {
            unquote(value_part)?
        };
        let op = match op_name.to_ascii_lowercase().as_str() {
            "contains" => PropOp::Contains(value),
            "isequal" => PropOp::IsEqual(value),
            "startswith" => PropOp::StartsWith(value),
            "endswith" => PropOp::EndsWith(value),
            "isempty" => PropOp::IsEmpty,
            op @ ("regex" | "ereregex") => {
                let expr =
                    String::from_utf8(value).map_err(|_| "regex is not UTF-8".to_string())?;
                PropOp::Regex(
                    crate::template::compile_regex(&expr, op == "ereregex")
                        .map_err(|e| format!("in property filter: {e}"))?,
                )
            }
            other => {
                return Err(format!(
                    "unknown property filter operation '{other}'{}",
                    crate::lang::suggestion(
                        other,
                        [
                            "contains",
                            "isequal",
                            "startswith",
                            "endswith",
                            "regex",
                            "ereregex",
                            "isempty"
                        ]
                    )
                ))
            }
        };
        Ok(PropFilter { prop, op, negate })
    }

    pub fn matches(&self, m: &Message, env: &Env, scratch: &mut PropBuf) -> bool {
        let v = prop::get_with(m, &self.prop, Some(env), scratch);
        let hit = match &self.op {
            PropOp::Contains(s) => memchr::memmem::find(v, s).is_some(),
            PropOp::IsEqual(s) => v == &s[..],
            PropOp::StartsWith(s) => v.starts_with(s),
            PropOp::EndsWith(s) => v.ends_with(s),
            PropOp::Regex(r) => r.is_match(v),
            PropOp::IsEmpty => v.is_empty(),
        };
        hit != self.negate
    }
}

/// `"value"` with `\"` and `\\` escapes.
fn unquote(s: &str) -> Result<Vec<u8>, String> {
    let inner = s
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .ok_or_else(|| format!("property filter value must be in double quotes: {s}"))?;
    let mut out = Vec::with_capacity(inner.len());
    let mut it = inner.bytes();
    while let Some(c) = it.next() {
        if c == b'\\' {
            match it.next() {
                Some(n) => out.push(n),
                None => out.push(b'\\'),
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pri(f: u16, s: u16) -> u16 {
        f * 8 + s
    }

    #[test]
    fn selectors() {
        let f = PriFilter::parse("mail.info").unwrap();
        assert!(f.matches_pri(pri(2, 6)) && f.matches_pri(pri(2, 0)) && !f.matches_pri(pri(2, 7)));
        assert!(!f.matches_pri(pri(3, 6)));
        let f = PriFilter::parse("*.*;auth,authpriv.none").unwrap();
        assert!(
            f.matches_pri(pri(0, 7)) && !f.matches_pri(pri(4, 0)) && !f.matches_pri(pri(10, 3))
        );
        let f = PriFilter::parse("mail.=info").unwrap();
        assert!(f.matches_pri(pri(2, 6)) && !f.matches_pri(pri(2, 5)));
        let f = PriFilter::parse("kern.!err").unwrap();
        assert!((0..8).all(|s| !f.matches_pri(pri(0, s))));
        let f = PriFilter::parse("mail.*;mail.!info").unwrap();
        assert!(f.matches_pri(pri(2, 7)) && !f.matches_pri(pri(2, 6)) && !f.matches_pri(pri(2, 1)));
        let f = PriFilter::parse("mail.*;mail.!=info").unwrap();
        assert!(f.matches_pri(pri(2, 7)) && !f.matches_pri(pri(2, 6)) && f.matches_pri(pri(2, 1)));
        let f = PriFilter::parse("Local4.*").unwrap();
        assert!(f.matches_pri(pri(20, 3)));
        let f = PriFilter::parse("mail,news.crit").unwrap();
        assert!(f.matches_pri(pri(7, 2)) && !f.matches_pri(pri(7, 3)));
        assert!(PriFilter::parse("mial.info")
            .unwrap_err()
            .contains("did you mean 'mail'"));
        assert!(PriFilter::parse("mail.infoo")
            .unwrap_err()
            .contains("did you mean 'info'"));
    }

    #[test]
    fn property_filters() {
        let f = PropFilter::parse(r#":msg, !contains, "a \"b\"""#).unwrap();
        assert!(f.negate);
        assert!(matches!(&f.op, PropOp::Contains(v) if v == b"a \"b\""));
        let f = PropFilter::parse(":msg, regex, \"^ [g-z]\"").unwrap();
        assert!(matches!(f.op, PropOp::Regex(_)));
        assert!(PropFilter::parse(":msg, contain, \"x\"")
            .unwrap_err()
            .contains("did you mean 'contains'"));
        assert!(PropFilter::parse(":msgg, contains, \"x\"")
            .unwrap_err()
            .contains("did you mean 'msg'"));
    }
}
