//! Compiling template text into steps.
//!
//! In: a string template's text, or a list template item's parameters.
//! Out: [`Step`]s, or a [`TemplateError`] naming the offset and what was
//! expected. The grammar is rsyslog's property replacer:
//! `%NAME[:FROM[:TO[:OPTIONS[:FIELDNAME]]]]%`, where FROM may be `R,…`
//! (a regex, with TO the expression up to `--end`) or `F,<delimiter>` (a
//! field, with TO its number). Where rsyslog logs a malformed descriptor and
//! renders garbage, we reject the template.

use regex::bytes::Regex;

use super::field::{
    Case, ControlChars, DataType, Extract, Field, NoMatch, OnEmpty, RegexExtract, ValueFormat,
};
use super::{Step, TemplateError};
use crate::date::DateFormat;
use crate::prop::PropRef;

/// How a string template's text was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// `$template name,"…"`: `\n`, `\r`, `\\`, `\%`, `\<decimal>` are
    /// processed here; any other `\X` is X.
    Legacy,
    /// `template(type="string" string="…")`: the config lexer already
    /// unescaped the string; backslashes are literal here.
    RainerScript,
}

fn err(offset: usize, message: impl Into<String>) -> TemplateError {
    TemplateError {
        offset,
        message: message.into(),
    }
}

/// The config lexer's unescaping of a RainerScript string literal:
/// `\' \" \? \\ \a \b \f \n \r \t \xHH \ooo`.
pub fn unescape_rainerscript(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 == b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        i += 1;
        let c = b[i];
        i += 1;
        match c {
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(b'?'),
            b'x' => {
                let hex: Vec<u8> = b[i..].iter().take(2).copied().collect();
                match std::str::from_utf8(&hex)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(v) if hex.len() == 2 => {
                        out.push(v);
                        i += 2;
                    }
                    _ => out.push(b'x'),
                }
            }
            b'0'..=b'7' => {
                let digits = b[i - 1..]
                    .iter()
                    .take(3)
                    .take_while(|d| (b'0'..=b'7').contains(d))
                    .count();
                let v = b[i - 1..i - 1 + digits]
                    .iter()
                    .fold(0u32, |v, d| v * 8 + u32::from(d - b'0'));
                out.push(v as u8);
                i += digits - 1;
            }
            other => out.push(other),
        }
    }
    out
}

/// Compiles a string template body.
pub(super) fn string_template(text: &str, syntax: Syntax) -> Result<Vec<Step>, TemplateError> {
    let b = text.as_bytes();
    let mut steps = Vec::new();
    let mut constant = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if syntax == Syntax::Legacy => {
                i += 1;
                match b.get(i) {
                    None => constant.push(0),
                    Some(b'n') => constant.push(b'\n'),
                    Some(b'r') => constant.push(b'\r'),
                    Some(d) if d.is_ascii_digit() => {
                        let n = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
                        let v = b[i..i + n]
                            .iter()
                            .fold(0u32, |v, d| (v * 10 + u32::from(d - b'0')).min(1000));
                        constant.push(v.min(255) as u8);
                        i += n - 1;
                    }
                    Some(&c) => constant.push(c),
                }
                i += 1;
            }
            b'%' => {
                if !constant.is_empty() {
                    steps.push(Step::Constant(std::mem::take(&mut constant).into()));
                }
                let (field, next) = descriptor(b, i + 1)?;
                steps.push(Step::Field(Box::new(field)));
                i = next;
            }
            c => {
                constant.push(c);
                i += 1;
            }
        }
    }
    if !constant.is_empty() {
        steps.push(Step::Constant(constant.into()));
    }
    Ok(steps)
}

/// Reads a decimal number (no digits = 0), saturating.
fn number(b: &[u8], i: &mut usize) -> i32 {
    let mut v: i64 = 0;
    while let Some(d) = b.get(*i).filter(|c| c.is_ascii_digit()) {
        v = (v * 10 + i64::from(d - b'0')).min(i64::from(i32::MAX));
        *i += 1;
    }
    v as i32
}

fn at(b: &[u8], i: usize) -> Option<u8> {
    b.get(i).copied()
}

/// Skips to the next `:` or `%` (rsyslog ignores junk after a number).
fn skip_to_sep(b: &[u8], i: &mut usize) {
    while !matches!(at(b, *i), None | Some(b':' | b'%')) {
        *i += 1;
    }
}

/// Parses one `%…%` descriptor starting after the `%`. Returns the field
/// and the offset after the closing `%`.
fn descriptor(b: &[u8], start: usize) -> Result<(Field, usize), TemplateError> {
    let mut i = start;
    while !matches!(at(b, i), None | Some(b':' | b'%')) {
        i += 1;
    }
    let name =
        std::str::from_utf8(&b[start..i]).map_err(|_| err(start, "property name is not UTF-8"))?;
    if name.is_empty() {
        return Err(err(start, "empty property name (write a literal % as \\%)"));
    }
    let prop = PropRef::parse(name).map_err(|e| err(start, e.to_string()))?;
    let mut f = Field::new(prop);
    f.outname = default_outname(name).into();
    if at(b, i) != Some(b':') {
        return close(b, i, f);
    }
    f.complex = true;
    i += 1;

    // FROM
    let mut regex_spec: Option<(bool, usize, NoMatch, usize)> = None;
    let mut field_delim: Option<u8> = None;
    match at(b, i) {
        Some(b'R') => {
            i += 1;
            let mut ere = false;
            let mut submatch = 0usize;
            let mut nomatch = NoMatch::Default;
            let mut match_number = 0usize;
            if at(b, i) == Some(b',') {
                i += 1;
                if b[i..].starts_with(b"ERE") || b[i..].starts_with(b"BRE") {
                    ere = b[i] == b'E';
                    i += 3;
                } else {
                    return Err(err(i, "expected BRE or ERE after R,"));
                }
            }
            if at(b, i) == Some(b',') {
                i += 1;
                if let Some(d) = at(b, i).filter(u8::is_ascii_digit) {
                    submatch = usize::from(d - b'0');
                    i += 1;
                }
            }
            if at(b, i) == Some(b',') {
                i += 1;
                let end = i + b[i..].iter().take_while(|c| c.is_ascii_uppercase()).count();
                nomatch = match &b[i..end] {
                    b"" | b"DFLT" => NoMatch::Default,
                    b"BLANK" => NoMatch::Blank,
                    b"ZERO" => NoMatch::Zero,
                    b"FIELD" => NoMatch::Field,
                    _ => return Err(err(i, "expected DFLT, BLANK, ZERO or FIELD")),
                };
                i = end;
            }
            if at(b, i) == Some(b',') {
                i += 1;
                if let Some(d) = at(b, i).filter(u8::is_ascii_digit) {
                    match_number = usize::from(d - b'0');
                    i += 1;
                }
            }
            if at(b, i) != Some(b':') {
                return Err(err(
                    i,
                    "expected ':' and a regular expression after the R options",
                ));
            }
            regex_spec = Some((ere, submatch, nomatch, match_number));
        }
        Some(b'F') => {
            i += 1;
            match at(b, i) {
                Some(b':') => field_delim = Some(b'\t'),
                Some(b',') => {
                    i += 1;
                    if !at(b, i).is_some_and(|c| c.is_ascii_digit()) {
                        return Err(err(i, "expected a decimal delimiter code after F,"));
                    }
                    let d = number(b, &mut i);
                    let d = u8::try_from(d).map_err(|_| err(i, "field delimiter above 255"))?;
                    field_delim = Some(d);
                    if at(b, i) == Some(b',') {
                        i += 1;
                        f.from = number(b, &mut i);
                    }
                    if at(b, i) != Some(b':') && at(b, i) != Some(b'%') {
                        return Err(err(
                            i,
                            "unexpected character after the field delimiter (the F,nn+ form is not supported, as in rsyslog's standard builds)",
                        ));
                    }
                }
                _ => return Err(err(i, "expected ':' or ',' after F")),
            }
        }
        _ => {
            f.from = number(b, &mut i);
            skip_to_sep(b, &mut i);
        }
    }

    // TO
    if at(b, i) == Some(b':') {
        i += 1;
        if let Some((ere, submatch, nomatch, match_number)) = regex_spec {
            let rest = &b[i..];
            let end = memchr::memmem::find(rest, b"--end")
                .ok_or_else(|| err(i, "regular expression not terminated by --end"))?;
            let expr =
                std::str::from_utf8(&rest[..end]).map_err(|_| err(i, "regex is not UTF-8"))?;
            let regex = compile_regex(expr, ere).map_err(|e| err(i, e))?;
            f.extract = Extract::Regex(Box::new(RegexExtract::new(
                regex,
                submatch,
                match_number,
                nomatch,
            )));
            i += end + 5;
        } else if at(b, i) == Some(b'$') {
            f.to = 9_999_999;
            i += 1;
            skip_to_sep(b, &mut i);
        } else if let Some(delimiter) = field_delim {
            let field_number = number(b, &mut i);
            f.extract = Extract::Field {
                delimiter,
                number: field_number,
            };
            if at(b, i) == Some(b',') {
                i += 1;
                f.to = number(b, &mut i);
            }
            skip_to_sep(b, &mut i);
        } else {
            f.to = number(b, &mut i);
            skip_to_sep(b, &mut i);
        }
    } else if regex_spec.is_some() {
        return Err(err(i, "expected a regular expression"));
    } else if let Some(delimiter) = field_delim {
        f.extract = Extract::Field {
            delimiter,
            number: 0,
        };
    }

    // OPTIONS
    if at(b, i) == Some(b':') {
        i += 1;
        let end = i + b[i..]
            .iter()
            .take_while(|&&c| c != b':' && c != b'%')
            .count();
        let opts = std::str::from_utf8(&b[i..end]).map_err(|_| err(i, "options are not UTF-8"))?;
        let mut off = i;
        for opt in opts.split(',') {
            apply_option(&mut f, &opt.to_ascii_lowercase()).map_err(|m| err(off, m))?;
            off += opt.len() + 1;
        }
        i = end;
    }

    // FIELDNAME
    if at(b, i) == Some(b':') {
        i += 1;
        let end = i + b[i..]
            .iter()
            .take_while(|&&c| c != b':' && c != b'%')
            .count();
        let name =
            std::str::from_utf8(&b[i..end]).map_err(|_| err(i, "field name is not UTF-8"))?;
        if !name.is_empty() {
            f.outname = name.into();
        }
        i = end;
    }

    // rsyslog swaps reversed positions: `%msg:5%` is the first five bytes.
    if !f.pos_end_relative && f.to < f.from || f.pos_end_relative && f.to > f.from {
        std::mem::swap(&mut f.from, &mut f.to);
    }
    close(b, i, f)
}

fn close(b: &[u8], i: usize, f: Field) -> Result<(Field, usize), TemplateError> {
    match at(b, i) {
        Some(b'%') => Ok((f, i + 1)),
        None => Err(err(i, "property not closed by '%'")),
        Some(_) => Err(err(i, "expected '%' to close the property")),
    }
}

/// The JSON key of a property: its name as written, `$!`/`$.` dropped.
fn default_outname(name: &str) -> &str {
    name.strip_prefix("$!")
        .or_else(|| name.strip_prefix("$."))
        .unwrap_or(name)
}

fn apply_option(f: &mut Field, opt: &str) -> Result<(), String> {
    if let Some(d) = DateFormat::from_option(opt) {
        f.date_format = Some(d);
        return Ok(());
    }
    let format = |f: &mut Field, v: ValueFormat| {
        // The first format option wins, as in rsyslog.
        if f.format == ValueFormat::Plain {
            f.format = v;
        }
    };
    match opt {
        "" => return Err("empty option".into()),
        "date-utc" => f.date_utc = true,
        "lowercase" => f.case = Case::Lower,
        "uppercase" => f.case = Case::Upper,
        "escape-cc" => f.control_chars = ControlChars::Escape,
        "drop-cc" => f.control_chars = ControlChars::Drop,
        "space-cc" => f.control_chars = ControlChars::Space,
        "sp-if-no-1st-sp" => f.sp_if_no_1st_sp = true,
        "compressspace" => f.compress_space = true,
        "drop-last-lf" => f.drop_last_lf = true,
        "secpath-drop" => f.secpath_drop = true,
        "secpath-replace" => f.secpath_replace = true,
        "pos-end-relative" => f.pos_end_relative = true,
        "fixed-width" => f.fixed_width = true,
        "mandatory-field" => {}
        "csv" => format(f, ValueFormat::Csv),
        "json" => format(f, ValueFormat::Json),
        "jsonf" => format(f, ValueFormat::Jsonf),
        "jsonr" => format(f, ValueFormat::Jsonr),
        "jsonfr" => format(f, ValueFormat::Jsonfr),
        other => return Err(format!("unknown property option '{other}'")),
    }
    Ok(())
}

/// Compiles a POSIX regex for the `regex` crate. EREs are close to its
/// syntax; BREs are translated (`\(`, `\)`, `\{`, `\}` are the operators,
/// the bare characters are literals).
pub fn compile_regex(expr: &str, ere: bool) -> Result<Regex, String> {
    let translated;
    let src = if ere {
        expr
    } else {
        translated = bre_to_ere(expr);
        &translated
    };
    Regex::new(src).map_err(|e| format!("bad regular expression '{expr}': {e}"))
}

fn bre_to_ere(bre: &str) -> String {
    let mut out = String::with_capacity(bre.len() + 8);
    let mut chars = bre.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        if in_class {
            out.push(c);
            if c == ']' {
                in_class = false;
            }
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                out.push(c);
                if chars.peek() == Some(&'^') {
                    out.push(chars.next().unwrap_or('^'));
                }
                if chars.peek() == Some(&']') {
                    out.push(chars.next().unwrap_or(']'));
                }
            }
            '\\' => match chars.next() {
                Some(o @ ('(' | ')' | '{' | '}' | '|')) => out.push(o),
                Some(o @ ('+' | '?')) => out.push(o),
                Some(d) if d.is_ascii_digit() => {
                    out.push('\\');
                    out.push(d);
                }
                Some(o) => {
                    out.push('\\');
                    out.push(o);
                }
                None => out.push_str("\\\\"),
            },
            '(' | ')' | '{' | '}' | '|' | '+' | '?' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// rsyslog's second unescape of `constant(value=)` (libestr):
/// `\0 \a \b \f \n \r \t \' \" \? \\ \xhh`; any other `\X` stays.
fn unescape_constant(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        if v[i] != b'\\' || i + 1 == v.len() {
            out.push(v[i]);
            i += 1;
            continue;
        }
        let c = v[i + 1];
        let mapped = match c {
            b'0' => Some(0),
            b'a' => Some(0x07),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'\'' | b'"' | b'?' | b'\\' => Some(c),
            b'x' => v
                .get(i + 2..i + 4)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .inspect(|_| i += 2),
            _ => None,
        };
        match mapped {
            Some(m) => out.push(m),
            None => out.extend_from_slice(&v[i..i + 2]),
        }
        i += 2;
    }
    out
}

/// `constant(value= outname= format=)` of a list template. `value` is as
/// the config lexer left it.
pub fn parse_list_constant(params: &[(&str, &[u8])]) -> Result<Step, TemplateError> {
    let mut value = None;
    let mut outname = None;
    let mut jsonf = false;
    for &(k, v) in params {
        match k.to_ascii_lowercase().as_str() {
            "value" => value = Some(unescape_constant(v)),
            "outname" => outname = Some(String::from_utf8_lossy(v).into_owned()),
            "format" if v == b"jsonf" => jsonf = true,
            "format" => return Err(err(0, "constant() format must be jsonf")),
            other => return Err(err(0, format!("unknown constant() parameter '{other}'"))),
        }
    }
    let value = value.ok_or_else(|| err(0, "constant() needs value="))?;
    if !jsonf {
        return Ok(Step::Constant(value.into()));
    }
    let outname =
        outname.ok_or_else(|| err(0, "constant() with format=\"jsonf\" needs outname="))?;
    // libfastjson's rendering: `"key": "value"`, lowercase \u00xx.
    let mut out = Vec::new();
    fastjson_string(&mut out, outname.as_bytes());
    out.extend_from_slice(b": ");
    fastjson_string(&mut out, &value);
    Ok(Step::Constant(out.into()))
}

fn fastjson_string(out: &mut Vec<u8>, v: &[u8]) {
    out.push(b'"');
    for &c in v {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'/' => out.extend_from_slice(b"\\/"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            c if c < 0x20 => out.extend_from_slice(format!("\\u{c:04x}").as_bytes()),
            c => out.push(c),
        }
    }
    out.push(b'"');
}

fn parse_bool(k: &str, v: &str) -> Result<bool, TemplateError> {
    match v.to_ascii_lowercase().as_str() {
        "on" | "yes" | "true" | "1" => Ok(true),
        "off" | "no" | "false" | "0" => Ok(false),
        _ => Err(err(0, format!("{k} expects on or off, not '{v}'"))),
    }
}

fn parse_int(k: &str, v: &str) -> Result<i32, TemplateError> {
    v.trim()
        .parse()
        .map_err(|_| err(0, format!("{k} expects a number, not '{v}'")))
}

/// `property(name= …)` of a list template. Values are as the config lexer
/// left them; enumerated values are case-sensitive, as in rsyslog.
pub fn parse_list_property(params: &[(&str, &str)]) -> Result<Field, TemplateError> {
    let name = params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("name"))
        .map(|(_, v)| *v)
        .ok_or_else(|| err(0, "property() needs name="))?;
    let prop = PropRef::parse(name).map_err(|e| err(0, e.to_string()))?;
    let mut f = Field::new(prop);
    f.outname = name.strip_prefix("$!").unwrap_or(name).into();
    let (mut from, mut to): (Option<i32>, Option<i32>) = (None, None);
    let mut regex: Option<(String, bool, NoMatch, usize, usize)> = None;
    let mut field_number: Option<i32> = None;
    let mut delimiter = b'\t';
    let mut relative = false;
    for &(k, v) in params {
        let key = k.to_ascii_lowercase();
        let complex = |f: &mut Field| f.complex = true;
        match key.as_str() {
            "name" => {}
            "outname" => f.outname = v.into(),
            "dateformat" => {
                f.date_format = Some(
                    DateFormat::from_list_param(v)
                        .ok_or_else(|| err(0, format!("unknown dateFormat '{v}'")))?,
                )
            }
            "date.inutc" => f.date_utc = parse_bool(k, v)?,
            "caseconversion" => {
                complex(&mut f);
                f.case = match v {
                    "lower" => Case::Lower,
                    "upper" => Case::Upper,
                    _ => {
                        return Err(err(
                            0,
                            format!("caseConversion must be lower or upper, not '{v}'"),
                        ))
                    }
                }
            }
            "controlcharacters" => {
                complex(&mut f);
                f.control_chars = match v {
                    "escape" => ControlChars::Escape,
                    "escape-octal" => ControlChars::EscapeOctal,
                    "space" => ControlChars::Space,
                    "drop" => ControlChars::Drop,
                    _ => return Err(err(0, format!("unknown controlCharacters '{v}'"))),
                }
            }
            "securepath" => {
                complex(&mut f);
                match v {
                    "drop" => f.secpath_drop = true,
                    "replace" => f.secpath_replace = true,
                    _ => {
                        return Err(err(
                            0,
                            format!("securePath must be drop or replace, not '{v}'"),
                        ))
                    }
                }
            }
            "format" => {
                complex(&mut f);
                f.format = match v {
                    "csv" => ValueFormat::Csv,
                    "json" => ValueFormat::Json,
                    "jsonf" => ValueFormat::Jsonf,
                    "jsonr" => ValueFormat::Jsonr,
                    "jsonfr" => ValueFormat::Jsonfr,
                    _ => return Err(err(0, format!("unknown format '{v}'"))),
                }
            }
            "position.from" => {
                complex(&mut f);
                from = Some(parse_int(k, v)?)
            }
            "position.to" => {
                complex(&mut f);
                to = Some(parse_int(k, v)?)
            }
            "position.relativetoend" => relative = parse_bool(k, v)?,
            "fixedwidth" => {
                complex(&mut f);
                f.fixed_width = parse_bool(k, v)?
            }
            "compressspace" => {
                complex(&mut f);
                f.compress_space = parse_bool(k, v)?
            }
            "field.number" => {
                complex(&mut f);
                field_number = Some(parse_int(k, v)?)
            }
            "field.delimiter" => {
                complex(&mut f);
                delimiter = (parse_int(k, v)? & 0xff) as u8
            }
            "regex.expression" => {
                complex(&mut f);
                regex
                    .get_or_insert_with(|| (String::new(), false, NoMatch::Default, 0, 0))
                    .0 = v.into()
            }
            "regex.type" => {
                let r = regex.get_or_insert_with(|| (String::new(), false, NoMatch::Default, 0, 0));
                r.1 = match v {
                    "ERE" => true,
                    "BRE" => false,
                    _ => return Err(err(0, format!("regex.type must be BRE or ERE, not '{v}'"))),
                }
            }
            "regex.nomatchmode" => {
                let r = regex.get_or_insert_with(|| (String::new(), false, NoMatch::Default, 0, 0));
                r.2 = match v {
                    "DFLT" => NoMatch::Default,
                    "BLANK" => NoMatch::Blank,
                    "ZERO" => NoMatch::Zero,
                    "FIELD" => NoMatch::Field,
                    _ => return Err(err(0, format!("unknown regex.noMatchMode '{v}'"))),
                }
            }
            "regex.match" | "regex.submatch" => {
                let n = parse_int(k, v)?;
                if !(0..=9).contains(&n) {
                    return Err(err(0, format!("{k} must be 0 to 9")));
                }
                let r = regex.get_or_insert_with(|| (String::new(), false, NoMatch::Default, 0, 0));
                if key == "regex.match" {
                    r.3 = n as usize;
                } else {
                    r.4 = n as usize;
                }
            }
            "droplastlf" => {
                complex(&mut f);
                f.drop_last_lf = parse_bool(k, v)?
            }
            "spifno1stsp" => {
                complex(&mut f);
                f.sp_if_no_1st_sp = parse_bool(k, v)?
            }
            "datatype" => {
                f.data_type = match v {
                    "string" => DataType::String,
                    "number" => DataType::Number,
                    "bool" => DataType::Bool,
                    "auto" => DataType::Auto,
                    _ => return Err(err(0, format!("unknown dataType '{v}'"))),
                }
            }
            "onempty" => {
                f.on_empty = match v {
                    "keep" => OnEmpty::Keep,
                    "skip" => OnEmpty::Skip,
                    "null" => OnEmpty::Null,
                    _ => return Err(err(0, format!("unknown onEmpty '{v}'"))),
                }
            }
            "omitifzero" => f.omit_if_zero = parse_bool(k, v)?,
            "mandatory" => {
                parse_bool(k, v)?;
            }
            _ => return Err(err(0, format!("unknown property() parameter '{k}'"))),
        }
    }
    match (from, to) {
        (Some(fr), None) => (f.from, f.to) = (fr, 2_000_000_000),
        (None, Some(t)) => (f.from, f.to) = (0, t),
        (Some(fr), Some(t)) => (f.from, f.to) = (fr, t),
        (None, None) => {}
    }
    if from.is_some() && relative {
        f.pos_end_relative = true;
        if f.to > f.from {
            return Err(err(
                0,
                "position.relativeToEnd needs position.to <= position.from",
            ));
        }
    } else if f.to >= 0 && f.to < f.from {
        return Err(err(0, "position.to is before position.from"));
    }
    if regex.is_some() && field_number.is_some() {
        return Err(err(
            0,
            "field.number and regex.expression cannot be used together",
        ));
    }
    if let Some(number) = field_number {
        f.extract = Extract::Field { delimiter, number };
    }
    if let Some((expr, ere, nomatch, match_number, submatch)) = regex {
        if expr.is_empty() {
            return Err(err(0, "regex.* given without regex.expression"));
        }
        let re = compile_regex(&expr, ere).map_err(|e| err(0, e))?;
        f.extract = Extract::Regex(Box::new(RegexExtract::new(
            re,
            submatch,
            match_number,
            nomatch,
        )));
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bre_translation() {
        assert_eq!(bre_to_ere(r"a\(b*\)c+"), r"a(b*)c\+");
        assert_eq!(bre_to_ere(r"[(]x\{2\}"), r"[(]x{2}");
    }

    #[test]
    fn rainerscript_unescape() {
        assert_eq!(
            unescape_rainerscript(r"a\nb\tc\\d\x41\101"),
            b"a\nb\tc\\dAA"
        );
    }

    #[test]
    fn constant_unescape() {
        assert_eq!(unescape_constant(br"a\nb\qc"), b"a\nb\\qc");
    }
}
