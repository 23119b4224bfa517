//! One property in a template, with the property replacer's options:
//! `%name:from:to:options:fieldname%` in a string template, or
//! `property(name=… …)` in a list template.
//!
//! In: a message, the batch's [`Env`] and reusable scratch buffers. Out:
//! the property's value, transformed in rsyslog's order (`MsgGetProp`):
//! field or regex extraction, substring (`from`/`to`, `fixed-width`),
//! `sp-if-no-1st-sp`, case, control characters, secure path,
//! `drop-last-lf`, `compressspace`, then the output format (csv, json,
//! jsonf, jsonr, jsonfr), appended to the output buffer.
//!
//! Guarantees: no allocation once the scratch buffers have grown to the
//! largest value seen; slicing steps (extraction, substring, drop-last-lf)
//! copy nothing; never panics on any message.

use std::sync::Mutex;

use regex::bytes::{CaptureLocations, Regex};

use super::escape;
use crate::date::{self, DateFormat};
use crate::msg::timestamp::SECFRAC_DIGITS_MAX;
use crate::msg::Message;
use crate::prop::{self, Env, PropId, PropRef};

/// `**FIELD NOT FOUND**`, rsyslog's value for a missing field.
pub const FIELD_NOT_FOUND: &[u8] = b"**FIELD NOT FOUND**";
/// `**NO MATCH**`, rsyslog's default value when a regex does not match.
pub const NO_MATCH: &[u8] = b"**NO MATCH**";

/// Case conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Case {
    #[default]
    Keep,
    Lower,
    Upper,
}

/// What to do with control characters (0x01–0x1f, 0x7f).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ControlChars {
    #[default]
    Keep,
    /// `escape-cc`: `#` and three decimal digits (rsyslog's string option).
    Escape,
    /// list templates' `controlCharacters="escape-octal"`: `#ooo`.
    EscapeOctal,
    /// `space-cc`
    Space,
    /// `drop-cc`
    Drop,
}

/// The output format of one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ValueFormat {
    #[default]
    Plain,
    Csv,
    Json,
    /// `"fieldname":value`
    Jsonf,
    /// json, but `\x` sequences already escaped are kept.
    Jsonr,
    Jsonfr,
}

/// How a jsonf value is written (list templates' `dataType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DataType {
    #[default]
    String,
    Number,
    Bool,
    Auto,
}

/// What a jsonf field does when its value is empty (`onEmpty`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnEmpty {
    #[default]
    Keep,
    Skip,
    Null,
}

/// What a regex yields when it does not match (`DFLT`, `BLANK`, `ZERO`, `FIELD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NoMatch {
    #[default]
    Default,
    Blank,
    Zero,
    Field,
}

/// `R,…:regex--end` or `regex.expression=`.
#[derive(Debug)]
pub struct RegexExtract {
    pub regex: Regex,
    pub submatch: usize,
    pub match_number: usize,
    pub nomatch: NoMatch,
    /// Capture slots reused across messages. Uncontended: a template is
    /// rendered by one core at a time; the lock costs no allocation.
    locs: Mutex<CaptureLocations>,
}

impl RegexExtract {
    pub fn new(regex: Regex, submatch: usize, match_number: usize, nomatch: NoMatch) -> Self {
        let locs = Mutex::new(regex.capture_locations());
        RegexExtract {
            regex,
            submatch,
            match_number,
            nomatch,
            locs,
        }
    }
}

impl Clone for RegexExtract {
    fn clone(&self) -> Self {
        RegexExtract::new(
            self.regex.clone(),
            self.submatch,
            self.match_number,
            self.nomatch,
        )
    }
}

/// Field or regex extraction.
#[derive(Debug, Clone, Default)]
pub enum Extract {
    #[default]
    None,
    /// `F,<delimiter>` and the field number (1-based).
    Field {
        delimiter: u8,
        number: i32,
    },
    Regex(Box<RegexExtract>),
}

/// One property with its replacer options. Built by the string and list
/// template compilers; fields are public so the config compiler can too.
#[derive(Debug, Clone)]
pub struct Field {
    pub prop: PropRef,
    /// The JSON key for jsonf.
    pub outname: Box<str>,
    /// Any option given at all (a `:` in a string template). A simple field
    /// is copied as it is.
    pub complex: bool,
    pub date_format: Option<DateFormat>,
    pub date_utc: bool,
    pub extract: Extract,
    /// 1-based, inclusive positions; 0 = not given. `to` may be negative in
    /// list templates (counted from the end).
    pub from: i32,
    pub to: i32,
    pub pos_end_relative: bool,
    pub fixed_width: bool,
    pub sp_if_no_1st_sp: bool,
    pub case: Case,
    pub control_chars: ControlChars,
    pub secpath_drop: bool,
    pub secpath_replace: bool,
    pub drop_last_lf: bool,
    pub compress_space: bool,
    pub format: ValueFormat,
    pub data_type: DataType,
    pub on_empty: OnEmpty,
    pub omit_if_zero: bool,
    /// `"outname":` rendered once (see [`Field::prepare`]).
    jsonf_key: Box<[u8]>,
    /// No option but the output format (`format="jsonf"` and the like,
    /// as list templates mostly have): steps 1–8 are skipped (see
    /// [`Field::prepare`]).
    format_only: bool,
}

/// Scratch buffers reused by every render; see [`super::RenderBuf`].
#[derive(Debug, Default)]
pub(super) struct Scratch {
    prop: Vec<u8>,
    work: Vec<u8>,
    tmp: Vec<u8>,
    pub(super) date: date::Cache,
}

impl Field {
    /// A field for `prop` with no options.
    pub fn new(prop: PropRef) -> Field {
        let outname = match prop.id {
            PropId::Var(_) => prop.var_name.clone(),
            _ => "".into(),
        };
        Field {
            prop,
            outname,
            complex: false,
            date_format: None,
            date_utc: false,
            extract: Extract::None,
            from: 0,
            to: 0,
            pos_end_relative: false,
            fixed_width: false,
            sp_if_no_1st_sp: false,
            case: Case::Keep,
            control_chars: ControlChars::Keep,
            secpath_drop: false,
            secpath_replace: false,
            drop_last_lf: false,
            compress_space: false,
            format: ValueFormat::Plain,
            data_type: DataType::String,
            on_empty: OnEmpty::Keep,
            omit_if_zero: false,
            jsonf_key: Box::default(),
            format_only: false,
        }
    }

    /// Computes what rendering can do once instead of per message; called
    /// by the template constructors after all options are set.
    pub(super) fn prepare(&mut self) {
        let mut key = Vec::with_capacity(self.outname.len() + 3);
        key.push(b'"');
        key.extend_from_slice(self.outname.as_bytes());
        key.extend_from_slice(b"\":");
        self.jsonf_key = key.into();
        self.format_only = matches!(self.extract, Extract::None)
            && self.from == 0
            && self.to == 0
            && !self.sp_if_no_1st_sp
            && self.case == Case::Keep
            && self.control_chars == ControlChars::Keep
            && !self.secpath_drop
            && !self.secpath_replace
            && !self.compress_space
            && !self.drop_last_lf;
    }

    /// Appends this field's value for `m` to `out`.
    pub(super) fn render(&self, m: &Message, env: &Env, s: &mut Scratch, out: &mut Vec<u8>) {
        let Scratch {
            prop,
            work,
            tmp,
            date,
        } = s;
        let raw: &[u8] = match prop::time(m, self.prop.id, env) {
            Some(t) => {
                let t = if self.date_utc { utc_quirk(t) } else { *t };
                let f = self.date_format.unwrap_or(DateFormat::Rfc3164);
                if !self.complex {
                    return date.write(out, &t, f);
                }
                prop.clear();
                date.write(prop, &t, f);
                prop
            }
            None => prop::get_with(m, &self.prop, Some(env), prop),
        };
        if !self.complex {
            out.extend_from_slice(raw);
            return;
        }
        if self.format_only {
            return self.format(raw, out);
        }

        // 1. Extraction.
        let mut v: &[u8] = match &self.extract {
            Extract::None => raw,
            Extract::Field { delimiter, number } => match field_of(raw, *delimiter, *number) {
                Some(f) => f,
                None => {
                    out.extend_from_slice(FIELD_NOT_FOUND);
                    return;
                }
            },
            Extract::Regex(r) => regex_extract(r, raw),
        };

        // 2. Substring.
        let mut owned = false;
        if self.from != 0 || self.to != 0 {
            match self.substring(v) {
                Substring::Slice(r) => v = &v[r],
                Substring::Padded(r, pad) => {
                    work.clear();
                    work.extend_from_slice(&v[r]);
                    work.resize(work.len() + pad, b' ');
                    owned = true;
                }
            }
        }

        // 3. sp-if-no-1st-sp: the value becomes a separator.
        if self.sp_if_no_1st_sp {
            let cur = if owned { &work[..] } else { v };
            v = match cur.first() {
                None => b"",
                Some(b' ') => b"",
                Some(_) => b" ",
            };
            owned = false;
        }

        // 4.–8. Transformations that rewrite bytes work on `work`.
        let needs_copy = self.case != Case::Keep
            || self.control_chars != ControlChars::Keep
            || self.secpath_drop
            || self.secpath_replace
            || self.compress_space;
        if needs_copy && !owned {
            work.clear();
            work.extend_from_slice(v);
            owned = true;
        }
        if owned {
            self.rewrite(work, tmp);
            v = work;
        } else if self.drop_last_lf && self.control_chars != ControlChars::Escape {
            v = v.strip_suffix(b"\n").unwrap_or(v);
        }

        self.format(v, out);
    }

    /// Step 9: the value in the output format.
    fn format(&self, v: &[u8], out: &mut Vec<u8>) {
        match self.format {
            ValueFormat::Plain => out.extend_from_slice(v),
            ValueFormat::Csv => escape::csv(out, v),
            ValueFormat::Json => escape::json(out, v, true),
            ValueFormat::Jsonr => escape::json(out, v, false),
            ValueFormat::Jsonf => self.jsonf(out, v, true),
            ValueFormat::Jsonfr => self.jsonf(out, v, false),
        }
    }

    /// Steps 4–8 on an owned value.
    fn rewrite(&self, work: &mut Vec<u8>, tmp: &mut Vec<u8>) {
        if !work.is_empty() {
            match self.case {
                Case::Keep => {}
                Case::Lower => work.make_ascii_lowercase(),
                Case::Upper => work.make_ascii_uppercase(),
            }
            let is_cc = |c: u8| (0x01..0x20).contains(&c) || c == 0x7f;
            match self.control_chars {
                ControlChars::Keep => {}
                ControlChars::Drop => work.retain(|&c| !is_cc(c)),
                ControlChars::Space => work
                    .iter_mut()
                    .filter(|c| is_cc(**c))
                    .for_each(|c| *c = b' '),
                ControlChars::Escape | ControlChars::EscapeOctal => {
                    if work.iter().any(|&c| is_cc(c)) {
                        tmp.clear();
                        for &c in work.iter() {
                            if !is_cc(c) {
                                tmp.push(c);
                            } else if self.control_chars == ControlChars::Escape {
                                tmp.extend_from_slice(&[
                                    b'#',
                                    b'0' + c / 100,
                                    b'0' + (c / 10) % 10,
                                    b'0' + c % 10,
                                ]);
                            } else {
                                tmp.extend_from_slice(&[
                                    b'#',
                                    b'0' + (c >> 6),
                                    b'0' + ((c >> 3) & 7),
                                    b'0' + (c & 7),
                                ]);
                            }
                        }
                        std::mem::swap(work, tmp);
                    }
                }
            }
        }
        if self.secpath_drop {
            work.retain(|&c| c != b'/');
        } else if self.secpath_replace {
            work.iter_mut()
                .filter(|c| **c == b'/')
                .for_each(|c| *c = b'_');
        }
        if self.secpath_drop || self.secpath_replace {
            match &work[..] {
                b"" | b"." => {
                    work.clear();
                    work.push(b'_');
                }
                b".." => work[0] = b'_',
                _ => {}
            }
        }
        if self.drop_last_lf
            && self.control_chars != ControlChars::Escape
            && work.last() == Some(&b'\n')
        {
            work.pop();
        }
        if self.compress_space {
            work.dedup_by(|a, b| *a == b' ' && *b == b' ');
        }
    }

    fn substring(&self, v: &[u8]) -> Substring {
        let len = v.len() as i64;
        let (from, to) = (i64::from(self.from), i64::from(self.to));
        let (f, mut t) = if self.pos_end_relative {
            (
                if len < from { 0 } else { len - from },
                if len < to { 0 } else { len - to },
            )
        } else {
            let f = if from > 0 { from - 1 } else { 0 };
            let t = match to {
                t if t > 0 => t - 1,
                t if t < 0 => (len - 1 + t).max(0),
                _ => 0,
            };
            (f, t)
        };
        if f >= len || t < f {
            return Substring::Slice(0..0);
        }
        if f == 0 && t >= len && !self.fixed_width {
            return Substring::Slice(0..v.len());
        }
        let mut pad = 0;
        if t >= len {
            if self.fixed_width {
                pad = (t - len + 1) as usize;
            }
            t = len - 1;
        }
        if pad == 0 {
            Substring::Slice(f as usize..t as usize + 1)
        } else {
            Substring::Padded(f as usize..t as usize + 1, pad)
        }
    }

    fn jsonf(&self, out: &mut Vec<u8>, v: &[u8], escape_all: bool) {
        let mut v = v;
        if self.data_type == DataType::Number {
            v = v.trim_ascii();
            if self.omit_if_zero && v == b"0" {
                return;
            }
        }
        if v.is_empty() && self.on_empty == OnEmpty::Skip {
            return;
        }
        debug_assert!(!self.jsonf_key.is_empty(), "Field::prepare not called");
        out.extend_from_slice(&self.jsonf_key);
        if v.is_empty() && self.on_empty == OnEmpty::Null {
            out.extend_from_slice(b"null");
            return;
        }
        match self.data_type {
            DataType::String => quoted(out, v, escape_all),
            DataType::Number if v.is_empty() => out.push(b'0'),
            DataType::Number => escape::json(out, v, escape_all),
            DataType::Auto if !v.is_empty() && v.iter().all(u8::is_ascii_digit) => {
                out.extend_from_slice(v)
            }
            DataType::Auto => quoted(out, v, escape_all),
            DataType::Bool => out.extend_from_slice(if v == b"0" { b"false" } else { b"true" }),
        }
    }
}

enum Substring {
    Slice(std::ops::Range<usize>),
    /// A fixed-width field past the value's end: the range and the padding.
    Padded(std::ops::Range<usize>, usize),
}

fn quoted(out: &mut Vec<u8>, v: &[u8], escape_all: bool) {
    out.push(b'"');
    escape::json(out, v, escape_all);
    out.push(b'"');
}

/// `date-utc` as rsyslog computes it: the instant in UTC, with the fraction
/// kept as a raw number at microsecond precision (`.123` → `.000123`).
fn utc_quirk(t: &crate::msg::Timestamp) -> crate::msg::Timestamp {
    let mut u = t.to_utc();
    u.secfrac_precision = SECFRAC_DIGITS_MAX;
    u
}

/// Field `number` (1-based) of `v` split at `delimiter`; consecutive
/// delimiters make empty fields.
fn field_of(v: &[u8], delimiter: u8, number: i32) -> Option<&[u8]> {
    let mut n = 1;
    let mut pos = 0;
    while pos < v.len() && n < number {
        match memchr::memchr(delimiter, &v[pos..]) {
            Some(k) => {
                pos += k + 1;
                n += 1;
            }
            None => break,
        }
    }
    if n != number {
        return None;
    }
    let end = memchr::memchr(delimiter, &v[pos..]).map_or(v.len(), |k| pos + k);
    Some(&v[pos..end])
}

fn regex_extract<'a>(r: &RegexExtract, v: &'a [u8]) -> &'a [u8] {
    // A poisoned lock only means another render panicked mid-match; the
    // slots are rewritten by every match, so they are safe to reuse.
    let mut locs = r.locs.lock().unwrap_or_else(|e| e.into_inner());
    let mut offset = 0;
    let mut tries = 0;
    loop {
        if offset > v.len() || r.regex.captures_read_at(&mut locs, v, offset).is_none() {
            return match r.nomatch {
                NoMatch::Default => NO_MATCH,
                NoMatch::Blank => b"",
                NoMatch::Zero => b"0",
                NoMatch::Field => v,
            };
        }
        if tries == r.match_number {
            // A group that did not take part yields "" whatever the mode.
            return locs.get(r.submatch).map_or(b"", |(s, e)| &v[s..e]);
        }
        let (_, end) = locs.get(0).unwrap_or((offset, offset));
        offset = end.max(offset);
        if end == offset && locs.get(0).is_some_and(|(s, e)| s == e) {
            // An empty match counts as a try but must still advance.
            offset += 1;
        }
        tries += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_as_rsyslog() {
        assert_eq!(field_of(b"a,b,", b',', 3), Some(&b""[..]));
        assert_eq!(field_of(b"a,b", b',', 3), None);
        assert_eq!(field_of(b"a,b", b',', 0), None);
        assert_eq!(field_of(b"", b',', 1), Some(&b""[..]));
        assert_eq!(field_of(b"x,,z", b',', 3), Some(&b"z"[..]));
    }
}
