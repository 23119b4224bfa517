//! Message modifiers: rsyslog's `mm*` action modules, run by the rule
//! engine inline, at their place among the statements, on the message
//! itself (as rsyslog runs them on a direct queue): `mmjsonparse`,
//! `mmpstrucdata`, `mmfields`, `mmrm1stspace`, `mmutf8fix`, `mmanon`,
//! `mmsequence`.
//!
//! In: a message, mutable, and the modifier's typed settings. Out: the
//! message with variables added (`$!…` by default, or the tree given as
//! `container`/`jsonRoot`, a number as `var` for mmsequence),
//! `$parsesuccess` set (mmjsonparse), or its
//! `msg` changed (mmrm1stspace, mmutf8fix). Semantics are those of the
//! rsyslog 8.2302 modules, each cited below.
//!
//! Guarantees: never panics on any message; a modifier that finds nothing
//! to do leaves the message as it was and allocates nothing (mmutf8fix
//! copies the frame only when a byte has to change).

use bytes::Bytes;

use crate::msg::json::{self, Json, Object, Path};
use crate::msg::vars::VarScope;
use crate::msg::Message;

/// Where a modifier puts its tree: a scope and a path in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    pub scope: VarScope,
    pub path: Path,
}

impl Root {
    /// Reads `$!`, `$!sub`, `$.x`, `$/x` (the `$` may be left out, as the
    /// modules allow); `None` for anything else.
    pub fn parse(text: &str) -> Option<Root> {
        let t = text.strip_prefix('$').unwrap_or(text);
        let (scope, rest) = match t.as_bytes().first()? {
            b'!' => (VarScope::Message, &t[1..]),
            b'.' => (VarScope::Local, &t[1..]),
            b'/' => (VarScope::Global, &t[1..]),
            _ => return None,
        };
        Some(Root {
            scope,
            path: Path::parse(rest),
        })
    }
}

/// `mmutf8fix`'s `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Utf8Mode {
    /// Invalid UTF-8 sequences (overlong, surrogates, above U+10FFFF, stray
    /// or missing continuation bytes) become the replacement byte.
    Utf8,
    /// Every byte outside 32..=126 becomes the replacement byte.
    ControlCharacters,
}

/// A message modifier with its settings.
#[derive(Debug, Clone, PartialEq)]
pub enum Modifier {
    /// `mmjsonparse(cookie= useRawMsg= container=)`.
    JsonParse {
        cookie: Box<[u8]>,
        use_raw_msg: bool,
        container: Root,
    },
    /// `mmpstrucdata(jsonRoot= sd_name.lowercase=)`.
    PStrucData { root: Root, lowercase: bool },
    /// `mmfields(separator= jsonRoot=)`.
    Fields { separator: u8, root: Root },
    /// `mmrm1stspace`.
    Rm1stSpace,
    /// `mmutf8fix(mode= replacementChar=)`.
    Utf8Fix { mode: Utf8Mode, replacement: u8 },
    /// `mmanon(…)`: addresses in `msg` anonymised.
    Anon(Box<super::anon::Anon>),
    /// `mmsequence(mode= from= to= step= key= var=)`: the next number
    /// set into `var`.
    Sequence {
        sequence: super::sequence::Sequence,
        var: Root,
    },
}

impl Modifier {
    /// Runs the modifier on `m`. Writes to `$/` go to `globals`.
    pub fn apply(&self, m: &mut Message, globals: &super::globals::Globals) {
        match self {
            Modifier::JsonParse {
                cookie,
                use_raw_msg,
                container,
            } => {
                let text = if *use_raw_msg {
                    m.raw()
                } else {
                    m.slice(m.msg)
                };
                let (tree, ok) = json_parse(text, cookie);
                add(m, globals, container, tree);
                m.vars_mut().parse_success = ok;
            }
            Modifier::PStrucData { root, lowercase } => {
                let sd = m.slice(m.structured_data);
                if m.structured_data.is_unset() || sd == b"-" || sd.is_empty() {
                    return;
                }
                if let Some(elements) = structured_data(sd, *lowercase) {
                    let mut top = Object::new();
                    top.insert("rfc5424-sd", Json::Object(elements));
                    add(m, globals, root, Json::Object(top));
                }
            }
            Modifier::Fields { separator, root } => {
                let tree = fields(m.slice(m.msg), *separator);
                add(m, globals, root, Json::Object(tree));
            }
            Modifier::Rm1stSpace => {
                if m.slice(m.msg).first() == Some(&b' ') {
                    m.msg.start += 1;
                    m.msg.len -= 1;
                }
            }
            Modifier::Sequence { sequence, var } => {
                add(m, globals, var, Json::Int(sequence.next()));
            }
            Modifier::Anon(a) => {
                if let Some(new) = a.apply(m.slice(m.msg)) {
                    m.replace_msg(&new);
                }
            }
            Modifier::Utf8Fix { mode, replacement } => {
                let msg = m.slice(m.msg);
                let fixed = match mode {
                    Utf8Mode::Utf8 => fix_utf8(msg, *replacement),
                    Utf8Mode::ControlCharacters => fix_cc(msg, *replacement),
                };
                if let Some(fixed) = fixed {
                    // rsyslog changes the bytes in place (so `rawmsg`
                    // shows them too); the frame is copied with the message
                    // part replaced, and every range stays where it was.
                    let (start, end) = (m.msg.start as usize, m.msg.end());
                    debug_assert_eq!(fixed.len(), end - start);
                    let mut buf = Vec::with_capacity(m.buf.len());
                    buf.extend_from_slice(&m.buf[..start]);
                    buf.extend_from_slice(&fixed);
                    buf.extend_from_slice(&m.buf[end..]);
                    debug_assert_eq!(buf.len(), m.buf.len());
                    m.buf = Bytes::from(buf);
                }
            }
        }
    }
}

/// Merges `tree` into `root` as rsyslog's `msgAddJSON` (a `set`).
fn add(m: &mut Message, globals: &super::globals::Globals, root: &Root, tree: Json) {
    let _ = match root.scope {
        VarScope::Global => globals.set(&root.path, tree, false),
        scope => m.vars_mut().set(scope, &root.path, tree, false),
    };
}

/// mmjsonparse: after leading blanks, the cookie, then a JSON object and
/// nothing but blanks after it. Otherwise the text (after the blanks, and
/// after the cookie when it was there) goes in as `{"msg": …}`.
fn json_parse(text: &[u8], cookie: &[u8]) -> (Json, bool) {
    let start = text.iter().take_while(|c| c.is_ascii_whitespace()).count();
    let mut buf = &text[start..];
    if !buf.is_empty() && buf.starts_with(cookie) {
        buf = &buf[cookie.len()..];
        if let Ok(tree @ Json::Object(_)) = json::parse_strict(buf) {
            return (tree, true);
        }
    }
    let mut o = Object::new();
    // rsyslog's C string ends at a NUL byte.
    let cut = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
    o.insert("msg", Json::str(&buf[..cut]));
    (Json::Object(o), false)
}

/// mmpstrucdata: `[id name="value" …]…` into `{id: {name: value}}`; an
/// element that does not read leaves out the whole structured data, as in
/// rsyslog. Names are cut at 32 bytes and lower-cased unless asked not to.
fn structured_data(sd: &[u8], lowercase: bool) -> Option<Object> {
    let mut out = json::ObjectBuilder::default();
    let mut i = 0;
    let at = |i: usize| sd.get(i).copied();
    let name = |i: &mut usize| -> String {
        let mut n = Vec::new();
        while n.len() < 32 {
            match at(*i) {
                Some(b'=' | b'"' | b']' | b' ') | None => break,
                Some(c) => n.push(if lowercase { c.to_ascii_lowercase() } else { c }),
            }
            *i += 1;
        }
        String::from_utf8_lossy(&n).into_owned()
    };
    while i < sd.len() {
        if at(i) != Some(b'[') {
            return None;
        }
        i += 1;
        let id = name(&mut i);
        let mut params = json::ObjectBuilder::default();
        while i < sd.len() {
            match at(i) {
                Some(b']') => break,
                Some(b' ') => {}
                _ => return None,
            }
            i += 1;
            while at(i) == Some(b' ') {
                i += 1;
            }
            let pname = name(&mut i);
            if at(i) != Some(b'=') || at(i + 1) != Some(b'"') {
                return None;
            }
            i += 2;
            let mut value = Vec::new();
            while let Some(c) = at(i).filter(|&c| c != b'"') {
                if c == b'\\' {
                    i += 1;
                    match at(i) {
                        None => value.push(b'\\'),
                        Some(e @ (b'"' | b'\\' | b']')) => {
                            value.push(e);
                            i += 1;
                        }
                        Some(e) => {
                            value.extend_from_slice(&[b'\\', e]);
                            i += 1;
                        }
                    }
                } else {
                    value.push(c);
                    i += 1;
                }
            }
            if at(i) != Some(b'"') {
                return None;
            }
            i += 1;
            let cut = value.iter().position(|&c| c == 0).unwrap_or(value.len());
            params.insert(pname.into(), Json::str(&value[..cut]));
        }
        if at(i) != Some(b']') {
            return None;
        }
        i += 1;
        out.insert(id.into(), Json::Object(params.finish()));
    }
    Some(out.finish())
}

/// mmfields: `f1`, `f2`, … split at `separator`; a separator at the end
/// makes no empty last field.
fn fields(msg: &[u8], separator: u8) -> Object {
    let mut o = json::ObjectBuilder::default();
    let mut i = 0;
    let mut n = 1;
    while i < msg.len() {
        let end = memchr::memchr(separator, &msg[i..]).map_or(msg.len(), |e| i + e);
        let field = &msg[i..end];
        let cut = field.iter().position(|&c| c == 0).unwrap_or(field.len());
        o.insert(format!("f{n}").into(), Json::str(&field[..cut]));
        n += 1;
        i = end + 1;
    }
    o.finish()
}

/// mmutf8fix's control-character mode: `None` when nothing changes.
fn fix_cc(msg: &[u8], r: u8) -> Option<Vec<u8>> {
    if msg.iter().all(|&c| (32..=126).contains(&c)) {
        return None;
    }
    Some(
        msg.iter()
            .map(|&c| if (32..=126).contains(&c) { c } else { r })
            .collect(),
    )
}

/// mmutf8fix's UTF-8 mode (`doUTF8`): `None` when the text is valid.
fn fix_utf8(msg: &[u8], r: u8) -> Option<Vec<u8>> {
    if std::str::from_utf8(msg).is_ok() {
        return None;
    }
    let mut out = msg.to_vec();
    let mut left = 0u8;
    let mut start = 0usize;
    let mut cp = 0u32;
    let mut i = 0;
    while i < out.len() {
        let c = out[i];
        if left > 0 {
            if c & 0xc0 != 0x80 {
                out[start..i].fill(r);
                left = 0;
                continue; // the same byte starts a new sequence
            }
            cp = (cp << 6) | u32::from(c & 0x3f);
            left -= 1;
            if left == 0 {
                let len = i - start + 1;
                let overlong = (len == 2 && cp < 0x80)
                    || (len == 3 && cp < 0x800)
                    || (len == 4 && cp < 0x10000);
                if overlong || (0xD800..=0xDFFF).contains(&cp) || cp > 0x10FFFF {
                    out[start..=i].fill(r);
                }
            }
        } else if c & 0x80 == 0 {
        } else if c & 0xe0 == 0xc0 {
            (start, left, cp) = (i, 1, u32::from(c & 0x1f));
        } else if c & 0xf0 == 0xe0 {
            (start, left, cp) = (i, 2, u32::from(c & 0x0f));
        } else if c & 0xf8 == 0xf0 {
            (start, left, cp) = (i, 3, u32::from(c & 0x07));
        } else {
            out[i] = r;
        }
        i += 1;
    }
    if left > 0 {
        out[start..].fill(r);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_parse_cookie_and_failure() {
        let (t, ok) = json_parse(b"  @cee: {\"a\":1}  ", b"@cee:");
        assert!(ok);
        assert_eq!(t.text(), &br#"{ "a": 1 }"#[..]);
        let (t, ok) = json_parse(b"@cee: {\"a\":1} x", b"@cee:");
        assert!(!ok);
        assert_eq!(t.text(), &br#"{ "msg": " {\"a\":1} x" }"#[..]);
        let (t, ok) = json_parse(b" no cookie", b"@cee:");
        assert!(!ok);
        assert_eq!(t.text(), &br#"{ "msg": "no cookie" }"#[..]);
        let (_, ok) = json_parse(b"[1]", b"");
        assert!(!ok);
    }

    #[test]
    fn structured_data_elements() {
        let o = structured_data(
            br#"[exampleSDID@32473 iut="3" eventSource="App\"x\]" eventID="1011"][Ex@1 A="b\n"]"#,
            true,
        )
        .unwrap();
        assert_eq!(
            Json::Object(o).text(),
            &br#"{ "examplesdid@32473": { "iut": "3", "eventsource": "App\"x]", "eventid": "1011" }, "ex@1": { "a": "b\\n" } }"#[..]
        );
        assert!(structured_data(b"[a x=1]", true).is_none());
        assert!(structured_data(b"[a x=\"1\"", true).is_none());
    }

    #[test]
    fn fields_and_fixes() {
        assert_eq!(
            Json::Object(fields(b"a,,b,", b',')).text(),
            &br#"{ "f1": "a", "f2": "", "f3": "b" }"#[..]
        );
        assert_eq!(Json::Object(fields(b"", b',')).text(), &b"{ }"[..]);
        assert_eq!(fix_cc(b"a\tb\x7f", b'_').unwrap(), b"a_b_");
        assert_eq!(fix_cc(b"ok", b'_'), None);
        assert_eq!(fix_utf8("été".as_bytes(), b'?'), None);
        assert_eq!(fix_utf8(b"a\xc3(b", b'?').unwrap(), b"a?(b");
        assert_eq!(fix_utf8(b"\xc0\x80x", b'?').unwrap(), b"??x");
        assert_eq!(fix_utf8(b"\xed\xa0\x80", b'?').unwrap(), b"???");
        assert_eq!(fix_utf8(b"x\xe2\x82", b'?').unwrap(), b"x??");
        assert_eq!(fix_utf8(b"\x80\xff", b'?').unwrap(), b"??");
    }
}
