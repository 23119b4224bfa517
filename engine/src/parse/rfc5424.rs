//! RFC 5424 (<https://www.rfc-editor.org/rfc/rfc5424>), as rsyslog's
//! pmrfc5424 accepts it.
//!
//! In: a message whose PRI has been read, and the position after it. Out:
//! `false` when the message is not RFC 5424 (it does not start with `1 `),
//! so the next parser may try; otherwise `true` and the message's ranges
//! filled in. Like rsyslog's pmrfc5424, once `1 ` is seen the parser is
//! committed and never fails:
//! - an unreadable TIMESTAMP leaves every header field unset (the hostname
//!   reads as `fromhost`) and makes the rest of the message the `msg`;
//! - HOSTNAME, APP-NAME, PROCID and MSGID are tokens up to a SP, taken as
//!   written (a NILVALUE `-` stays `-`; no length limits, as rsyslog);
//! - STRUCTURED-DATA runs from `[` to the first `]` followed by SP, with
//!   `\]` not ending it, or to the end of the message; several elements and
//!   the escapes `\"`, `\]`, `\\` in values are kept verbatim. rsyslog's
//!   quirks are reproduced so the same message reads the same: an SD that
//!   does not start with `[` or `-` repeats MSGID, and a last byte that is
//!   not `]` is left to `msg` (see docs/compat.md);
//! - one SP after the SD is dropped and the rest is MSG, a BOM included.

use crate::msg::timestamp::parse_rfc3339;
use crate::msg::{Format, Message, Span};

/// See the module documentation.
pub(super) fn parse(m: &mut Message, start: usize) -> bool {
    let b = &m.buf[..];
    let len = b.len();
    if !b[start..].starts_with(b"1 ") {
        return false;
    }
    m.format = Format::Rfc5424;
    let mut i = start + 2;

    if b[i..].starts_with(b"- ") {
        i += 2;
    } else if let Some((ts, n)) = parse_rfc3339(&b[i..]) {
        m.time_reported = ts;
        i += n;
    } else {
        m.msg = Span::new(i, len);
        return true;
    }

    // HOSTNAME, APP-NAME, PROCID, MSGID: up to a SP; one SP is consumed.
    let mut fields = [Span::EMPTY; 4];
    for f in &mut fields {
        let end = memchr::memchr(b' ', &b[i..]).map_or(len, |k| i + k);
        *f = Span::new(i, end);
        i = (end + 1).min(len);
    }
    [m.hostname, m.app_name, m.procid, m.msgid] = fields;
    m.programname = programname_of(b, m.app_name);

    m.structured_data = match b.get(i) {
        Some(b'-') => {
            i += 1;
            Span::new(i - 1, i)
        }
        Some(b'[') => {
            let end = sd_end(b, i);
            let sd = Span::new(i, end);
            i = end;
            sd
        }
        _ => m.msgid,
    };
    if b.get(i) == Some(&b' ') {
        i += 1;
    }
    m.msg = Span::new(i, len);
    true
}

/// rsyslog's SD scan: from `[` to the first `]` followed by SP (an escaped
/// `\]` does not count), else to the end, where a last byte other than `]`
/// is left out.
fn sd_end(b: &[u8], mut j: usize) -> usize {
    let len = b.len();
    loop {
        match len - j {
            0 => return j,
            1 => return if b[j] == b']' { j + 1 } else { j },
            _ => {}
        }
        match (b[j], b[j + 1]) {
            (b'\\', b']') => j += 2,
            (b']', b' ') => return j + 1,
            _ => j += 1,
        }
    }
}

/// The programname of an RFC 5424 message: APP-NAME up to the first byte
/// that would end a programname in a tag.
fn programname_of(b: &[u8], app: Span) -> Span {
    let n = b[app.range()]
        .iter()
        .take_while(|&&c| (0x20..0x7f).contains(&c) && c != b'[' && c != b':' && c != b'/')
        .count();
    Span {
        start: app.start,
        len: n as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sd_scan_as_rsyslog() {
        assert_eq!(sd_end(b"[a@1] m", 0), 5);
        assert_eq!(sd_end(br#"[a@1 x="1"][b y="\] "] m"#, 0), 22);
        assert_eq!(sd_end(b"[a@1]", 0), 5);
        assert_eq!(sd_end(b"[abc", 0), 3);
        assert_eq!(sd_end(b"[a@1]msg", 0), 7);
    }
}
