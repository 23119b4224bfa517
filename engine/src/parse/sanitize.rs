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

/// Whether any byte must be escaped: a fast scan for any byte that might
/// (a control character, or with `escape_8bit` one at or above 0x80), then
/// an exact check only when one is there (a tab alone needs nothing when
/// tabs are kept). This runs on every message.
#[inline]
fn needs_escape(b: &[u8], opts: &SanitizeOptions) -> bool {
    if !opts.escape_control_chars && !opts.escape_8bit {
        return false;
    }
    any_suspect(b, opts.escape_8bit) && b.iter().any(|&c| opts.must_escape(c))
}

/// Whether `b` holds a byte below 0x20, or (with `high`) at or above 0x80:
/// sixteen bytes at a time with SSE2, which every x86_64 has.
#[cfg(target_arch = "x86_64")]
fn any_suspect(b: &[u8], high: bool) -> bool {
    use std::arch::x86_64::*;
    let whole = b.len() / 16;
    // SAFETY: SSE2 is part of the x86_64 baseline, so these intrinsics are
    // always available; load i reads the 16 bytes at 16 * i, and
    // 16 * i + 16 <= 16 * whole <= b.len().
    let found = unsafe {
        let limit = _mm_set1_epi8(0x20);
        // Lanes stay 0xFF while every byte seen there is at least 0x20
        // (max(x, 0x20) == x); `top` collects the bytes' top bits.
        let mut at_least = _mm_set1_epi8(-1);
        let mut top = _mm_setzero_si128();
        for i in 0..whole {
            let x = _mm_loadu_si128(b.as_ptr().add(16 * i).cast());
            at_least = _mm_and_si128(at_least, _mm_cmpeq_epi8(_mm_max_epu8(x, limit), x));
            top = _mm_or_si128(top, x);
        }
        _mm_movemask_epi8(at_least) != 0xffff || (high && _mm_movemask_epi8(top) != 0)
    };
    found
        || b[16 * whole..]
            .iter()
            .any(|&c| c < 0x20 || (high && c >= 0x80))
}

#[cfg(not(target_arch = "x86_64"))]
fn any_suspect(b: &[u8], high: bool) -> bool {
    b.iter().any(|&c| c < 0x20 || (high && c >= 0x80))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(input: &[u8]) -> Vec<u8> {
        sanitize(Bytes::copy_from_slice(input), &SanitizeOptions::default()).to_vec()
    }

    proptest::proptest! {
        /// The SIMD scan finds what a byte-by-byte one finds, at any
        /// length and position.
        #[test]
        fn any_suspect_is_the_plain_scan(
            mut b in proptest::collection::vec(0x20u8..0x80, 0..100),
            at in 0usize..100,
            c in proptest::num::u8::ANY,
            high in proptest::bool::ANY,
        ) {
            if !b.is_empty() {
                let at = at % b.len();
                b[at] = c;
            }
            let plain = b.iter().any(|&c| c < 0x20 || (high && c >= 0x80));
            proptest::prop_assert_eq!(any_suspect(&b, high), plain);
        }
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
