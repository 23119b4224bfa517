//! Output escapes: the property option formats (`csv`, `json`) and the
//! template-level options (`sql`, `stdsql`, `json`), byte for byte as
//! rsyslog writes them. In: a value. Out: its escaped form appended to a
//! buffer. No allocation beyond the buffer's growth.

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// RFC 4180 field: always quoted, `"` doubled.
pub fn csv(out: &mut Vec<u8>, v: &[u8]) {
    out.push(b'"');
    let mut rest = v;
    while let Some(i) = memchr::memchr(b'"', rest) {
        out.extend_from_slice(&rest[..=i]);
        out.push(b'"');
        rest = &rest[i + 1..];
    }
    out.extend_from_slice(rest);
    out.push(b'"');
}

/// rsyslog's JSON string escape (no surrounding quotes): `"`, `\`, `/`,
/// the short forms `\b \f \n \r \t`, other control bytes as `\u00XX` with
/// uppercase hex; everything else, 8-bit bytes included, as it is. With
/// `escape_all` false (`jsonr`), a `\` that already starts an escape
/// (`\" \/ \\ \b \f \n \r \t \u`) is copied unchanged.
pub fn json(out: &mut Vec<u8>, v: &[u8], escape_all: bool) {
    let mut start = 0;
    let mut i = 0;
    while i < v.len() {
        // Most bytes need nothing: skip them with one table lookup each and
        // copy the run in one go.
        match v[i..].iter().position(|&c| JSON_SPECIAL[usize::from(c)]) {
            Some(k) => i += k,
            None => break,
        }
        let c = v[i];
        let short: Option<&[u8]> = match c {
            b'"' => Some(b"\\\""),
            b'/' => Some(b"\\/"),
            b'\\' => {
                if !escape_all
                    && matches!(
                        v.get(i + 1),
                        Some(b'"' | b'/' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't' | b'u')
                    )
                {
                    i += 2;
                    continue;
                }
                Some(b"\\\\")
            }
            0x08 => Some(b"\\b"),
            0x0c => Some(b"\\f"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            _ => None,
        };
        out.extend_from_slice(&v[start..i]);
        match short {
            Some(s) => out.extend_from_slice(s),
            None => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX_UPPER[usize::from(c >> 4)],
                HEX_UPPER[usize::from(c & 15)],
            ]),
        }
        i += 1;
        start = i;
    }
    out.extend_from_slice(&v[start..]);
}

/// Bytes the JSON escape must look at: control bytes, `"`, `/`, `\`.
static JSON_SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = true;
        c += 1;
    }
    t[b'"' as usize] = true;
    t[b'/' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// The template-level option applied to every property value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TemplateEscape {
    #[default]
    None,
    /// `sql`: `'` → `\'`, `\` → `\\`.
    Sql,
    /// `stdsql`: `'` → `''`.
    StdSql,
    /// `json`: `"` → `\"`, `\` → `\\` only.
    Json,
}

/// Appends `v` escaped for the template option `e`.
pub fn template_escape(out: &mut Vec<u8>, v: &[u8], e: TemplateEscape) {
    match e {
        TemplateEscape::None => out.extend_from_slice(v),
        TemplateEscape::Sql => {
            for &c in v {
                match c {
                    b'\'' => out.extend_from_slice(b"\\'"),
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    c => out.push(c),
                }
            }
        }
        TemplateEscape::StdSql => {
            for &c in v {
                if c == b'\'' {
                    out.extend_from_slice(b"''");
                } else {
                    out.push(c);
                }
            }
        }
        TemplateEscape::Json => {
            // rsyslog's pre-scan is inverted: a value made only of `"` and
            // `\` (or empty) is left as it is.
            if v.iter().all(|&c| c == b'"' || c == b'\\') {
                out.extend_from_slice(v);
                return;
            }
            for &c in v {
                if c == b'"' || c == b'\\' {
                    out.push(b'\\');
                }
                out.push(c);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(v: &[u8], all: bool) -> String {
        let mut out = Vec::new();
        json(&mut out, v, all);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_escapes() {
        assert_eq!(j(b"a\"b/c\\d\n\x1b", true), r#"a\"b\/c\\d\n\u001B"#);
        assert_eq!(j(b"caf\xc3\xa9", true), "caf\u{e9}");
        assert_eq!(j(br#"a\nb\q"#, false), r#"a\nb\\q"#);
    }

    #[test]
    fn csv_quotes() {
        let mut out = Vec::new();
        csv(&mut out, b"a\"b");
        assert_eq!(out, b"\"a\"\"b\"");
    }

    #[test]
    fn sql_escapes() {
        let mut out = Vec::new();
        template_escape(&mut out, b"it's", TemplateEscape::StdSql);
        assert_eq!(out, b"it''s");
        out.clear();
        template_escape(&mut out, b"\"\"", TemplateEscape::Json);
        assert_eq!(out, b"\"\"");
    }
}
