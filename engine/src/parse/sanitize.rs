//! Receive-side sanitising, as rsyslog does before any parser runs.
//!
//! In: the bytes of one frame. Out: the same bytes when nothing needs to
//! change (the common case, zero-copy), or a new buffer with one trailing LF
//! and trailing NULs removed and control characters written as `#ooo`
//! (three octal digits, `#011` for tab) when `$EscapeControlCharactersOnReceive`
//! is on (the default). DEL (0x7f) is left alone, as rsyslog leaves it.
//!
//! Guarantees: never panics; allocates only when the frame must change.

use bytes::{BufMut, Bytes, BytesMut};

/// What sanitising does; rsyslog's global parser settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SanitizeOptions {
    /// `$EscapeControlCharactersOnReceive` (default on).
    pub escape_control_chars: bool,
    /// `$EscapeControlCharacterTab` (default on): tab becomes `#011`.
    pub escape_tab: bool,
    /// `$Escape8BitCharactersOnReceive` (default off).
    pub escape_8bit: bool,
    /// `$DropTrailingLFOnReception` (default on).
    pub drop_trailing_lf: bool,
    /// `parser.controlCharacterEscapePrefix` (default `#`).
    pub escape_prefix: u8,
}

impl Default for SanitizeOptions {
    fn default() -> Self {
        SanitizeOptions {
            escape_control_chars: true,
            escape_tab: true,
            escape_8bit: false,
            drop_trailing_lf: true,
            escape_prefix: b'#',
        }
    }
}

impl SanitizeOptions {
    #[inline]
    fn must_escape(&self, c: u8) -> bool {
        (self.escape_control_chars && c < 0x20 && (c != b'\t' || self.escape_tab))
            || (self.escape_8bit && c >= 0x80)
    }
}

/// Sanitises `frame`; see the module documentation.
pub fn sanitize(mut frame: Bytes, opts: &SanitizeOptions) -> Bytes {
    let mut end = frame.len();
    while end > 0 && frame[end - 1] == 0 {
        end -= 1;
    }
    if opts.drop_trailing_lf && end > 0 && frame[end - 1] == b'\n' {
        end -= 1;
    }
    let body = &frame[..end];
    if !needs_escape(body, opts) {
        // Truncating the handle we own costs no reference-count traffic.
        frame.truncate(end);
        return frame;
    }
    let extra = body.iter().filter(|&&c| opts.must_escape(c)).count() * 3;
    let mut out = BytesMut::with_capacity(body.len() + extra);
    for &c in body {
        if opts.must_escape(c) {
            out.put_slice(&[
                opts.escape_prefix,
                b'0' + (c >> 6),
                b'0' + ((c >> 3) & 7),
                b'0' + (c & 7),
            ]);
        } else {
            out.put_u8(c);
        }
    }
    out.freeze()
}

/// Whether any byte must be escaped. Written as a branch-free fold over
/// fixed chunks so the compiler vectorises it: this runs on every message.
#[inline]
fn needs_escape(b: &[u8], opts: &SanitizeOptions) -> bool {
    if !opts.escape_control_chars && !opts.escape_8bit {
        return false;
    }
    let hi_limit = if opts.escape_8bit { 0x80 } else { 0xff };
    let check = |c: u8| (c < 0x20) as u8 | (c >= hi_limit && hi_limit == 0x80) as u8;
    let mut chunks = b.chunks_exact(32);
    let mut hit = 0u8;
    for chunk in &mut chunks {
        hit |= chunk.iter().fold(0u8, |acc, &c| acc | check(c));
        if hit != 0 {
            break;
        }
    }
    if hit == 0 {
        hit = chunks
            .remainder()
            .iter()
            .fold(0u8, |acc, &c| acc | check(c));
    }
    // A tab alone needs nothing when tabs are kept: confirm exactly.
    hit != 0 && b.iter().any(|&c| opts.must_escape(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(input: &[u8]) -> Vec<u8> {
        sanitize(Bytes::copy_from_slice(input), &SanitizeOptions::default()).to_vec()
    }

    #[test]
    fn escapes_as_rsyslog() {
        assert_eq!(s(b"a\x01b\x7fc\x00d\te"), b"a#001b\x7fc#000d#011e");
        assert_eq!(s(b"x\n"), b"x");
        assert_eq!(s(b"x\n\n"), b"x#012");
        assert_eq!(s(b"x\0"), b"x");
        assert_eq!(s("h\u{e9}".as_bytes()), "h\u{e9}".as_bytes());
    }

    #[test]
    fn clean_input_is_not_copied() {
        let b = Bytes::from_static(b"<13>plain message\n");
        let out = sanitize(b.clone(), &SanitizeOptions::default());
        assert_eq!(out.as_ptr(), b.as_ptr());
        assert_eq!(&out[..], b"<13>plain message");
    }

    #[test]
    fn tab_kept_when_configured() {
        let opts = SanitizeOptions {
            escape_tab: false,
            ..SanitizeOptions::default()
        };
        let out = sanitize(Bytes::from_static(b"a\tb"), &opts);
        assert_eq!(&out[..], b"a\tb");
    }
}
