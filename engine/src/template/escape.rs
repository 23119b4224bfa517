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
        match first_json_special(&v[i..]) {
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

/// The index of the first byte the JSON escape must look at. Eight bytes
/// at a time (SWAR): a word with no control byte, `"`, `/` or `\\` is
/// skipped with a few arithmetic operations instead of eight lookups.
#[inline]
pub(crate) fn first_json_special(v: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        // Short values (a host name, a number's text) are most of them:
        // a lookup per byte costs less there than a padded block.
        if v.len() < 16 {
            return v.iter().position(|&c| JSON_SPECIAL[usize::from(c)]);
        }
        first_json_special_sse2(v)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        first_json_special_swar(v)
    }
}

/// SSE2 (baseline on every x86_64): sixteen bytes per step; a short value
/// or the tail is checked with one more (padded or overlapping) step.
#[cfg(target_arch = "x86_64")]
#[inline]
fn first_json_special_sse2(v: &[u8]) -> Option<usize> {
    if v.len() < 16 {
        // Pad with a byte that needs no escape; specials lie inside `v`.
        let mut block = [b'A'; 16];
        block[..v.len()].copy_from_slice(v);
        let mask = special_mask_16(&block);
        return (mask != 0).then(|| mask.trailing_zeros() as usize);
    }
    let mut at = 0;
    while at + 16 <= v.len() {
        let mask = special_mask_16(v[at..at + 16].try_into().unwrap_or(&[b'A'; 16]));
        if mask != 0 {
            return Some(at + mask.trailing_zeros() as usize);
        }
        at += 16;
    }
    if at < v.len() {
        // The last sixteen bytes, overlapping what was checked already.
        let last = v.len() - 16;
        let mask = special_mask_16(v[last..].try_into().unwrap_or(&[b'A'; 16]));
        if mask != 0 {
            return Some(last + mask.trailing_zeros() as usize);
        }
    }
    None
}

/// Bit i set when `block[i]` is a byte the JSON escape must look at.
#[cfg(target_arch = "x86_64")]
#[inline]
fn special_mask_16(block: &[u8; 16]) -> u32 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    // SAFETY: SSE2 is part of the x86_64 baseline, so these intrinsics are
    // always available; the load reads exactly the 16 bytes of `block`, and
    // `loadu` has no alignment requirement.
    unsafe {
        let x = _mm_loadu_si128(block.as_ptr() as *const __m128i);
        // c < 0x20  <=>  max(c, 0x1f) == 0x1f
        let ctl = _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));
        let quote = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8));
        let slash = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'/' as i8));
        let backslash = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8));
        _mm_movemask_epi8(_mm_or_si128(
            _mm_or_si128(ctl, quote),
            _mm_or_si128(slash, backslash),
        )) as u32
    }
}

#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn first_json_special_swar(v: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let mut chunks = v.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_ne_bytes(word);
        // Bytes below 0x20 (exact for a limit <= 0x80), and the three values.
        let below = x.wrapping_sub(ONES * 0x20) & !x & HIGHS;
        let found = below
            | has_zero(x ^ (ONES * u64::from(b'"')))
            | has_zero(x ^ (ONES * u64::from(b'/')))
            | has_zero(x ^ (ONES * u64::from(b'\\')));
        if found != 0 {
            // The SWAR test says "somewhere in these eight"; find it exactly.
            if let Some(k) = chunk.iter().position(|&c| JSON_SPECIAL[usize::from(c)]) {
                return Some(at + k);
            }
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&c| JSON_SPECIAL[usize::from(c)])
        .map(|k| at + k)
}

/// Bytes the JSON escape must look at: control bytes, `"`, `/`, `\\`.
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
    fn swar_scan_agrees_with_the_table() {
        let mut v: Vec<u8> = (0..=255u8).collect();
        v.extend_from_slice(b"plain text without specials, then a quote\"");
        for start in 0..v.len() {
            let want = v[start..]
                .iter()
                .position(|&c| JSON_SPECIAL[usize::from(c)]);
            assert_eq!(first_json_special(&v[start..]), want, "from {start}");
            assert_eq!(
                first_json_special_swar(&v[start..]),
                want,
                "swar from {start}"
            );
        }
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
