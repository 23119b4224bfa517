//! RFC 3164 (<https://www.rfc-editor.org/rfc/rfc3164>) as it is found in
//! the wild, following rsyslog's pmrfc3164 with its default settings.
//!
//! In: a message whose PRI has been read, and the position after it. Out:
//! the message's ranges filled in. It always succeeds: it is the last parser.
//!
//! The steps, as rsyslog's pmrfc3164 takes them with its defaults:
//! 1. A message whose first non-blank byte is `{` or `[` has no header:
//!    all of it is `msg`.
//! 2. TIMESTAMP: RFC 3339, else BSD (`Mmm dd hh:mm:ss` and its variants,
//!    see [`parse_rfc3164`]), else BSD after one leading SP. Optional.
//! 3. HOSTNAME: a run of letters, digits, `.`, `-`, `_` (at most 511) that
//!    ends in a letter or digit and is followed by SP, or that runs to the
//!    end of the message. So `fe80::1`, `%PIX-7-710005:`, `host:` and
//!    `host.` are not hostnames. Without one, `hostname` reads as
//!    `fromhost`. This is tried even without a timestamp, as rsyslog does:
//!    `This is a message` has hostname `This`, tag `is`.
//!    Inputs of local messages (imuxsock) skip this step, as rsyslog's
//!    do unless `ParseHostname="on"`.
//! 4. TAG: up to 510 bytes ending before a SP or with a `:` (which belongs
//!    to the tag). A SP after the tag stays in `msg`, which therefore
//!    usually starts with one.
//! 5. MSG: the rest.
//!
//! `programname` is the tag up to the first `[`, `:`, `/` (unless slashes
//! are permitted) or byte outside printable ASCII; `procid` is what stands
//! between the tag's first `[` and the next `]`.

use crate::msg::timestamp::{parse_rfc3164, parse_rfc3339};
use crate::msg::{Format, Message, Span};

use super::ParseOptions;

const HOSTNAME_BYTES_MAX: usize = 511;
const TAG_BYTES_MAX: usize = 510;

/// The bytes a HOSTNAME is made of: letters, digits, `.`, `-`, `_`.
const HOSTNAME_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_';
        c += 1;
    }
    t
};

/// See the module documentation.
pub(super) fn parse(m: &mut Message, start: usize, opts: &ParseOptions) {
    m.format = Format::Rfc3164;
    let b = &m.buf[..];
    let len = b.len();
    let mut i = start;

    // 1. No header at all.
    let first = b[i..].iter().find(|&&c| c != b' ' && c != b'\t');
    if matches!(first, Some(b'{' | b'[')) {
        m.msg = Span::new(i, len);
        return;
    }

    // 2. TIMESTAMP
    if let Some((ts, n)) = parse_rfc3339(&b[i..]) {
        m.time_reported = ts;
        i += n;
    } else if let Some((ts, n)) = parse_rfc3164(&b[i..], &m.time_generated) {
        m.time_reported = ts;
        i += n;
    } else if b.get(i) == Some(&b' ') && len - i > 1 {
        if let Some((ts, n)) = parse_rfc3164(&b[i + 1..], &m.time_generated) {
            m.time_reported = ts;
            i += 1 + n;
        }
    }

    // 3. HOSTNAME (not for local messages: imuxsock's ParseHostname off)
    if i < len && !opts.no_hostname {
        let window = &b[i..len.min(i + HOSTNAME_BYTES_MAX)];
        let run = window
            .iter()
            .position(|&c| !HOSTNAME_BYTE[usize::from(c)])
            .unwrap_or(window.len());
        let end = i + run;
        if end == len {
            m.hostname = Span::new(i, end);
            i = end;
        } else if run > 0 && b[end - 1].is_ascii_alphanumeric() && b[end] == b' ' {
            m.hostname = Span::new(i, end);
            i = end + 1;
        }
    }

    // 4. TAG
    let tag_start = i;
    let window = &b[i..len.min(i + TAG_BYTES_MAX)];
    i += memchr::memchr2(b':', b' ', window).unwrap_or(window.len());
    if b.get(i) == Some(&b':') {
        i += 1;
    }
    m.tag = Span::new(tag_start, i);
    let tag = &b[tag_start..i];
    let prog_len = tag
        .iter()
        .take_while(|&&c| {
            (0x20..0x7f).contains(&c)
                && c != b'['
                && c != b':'
                && (c != b'/' || opts.permit_slash_in_programname)
        })
        .count();
    m.programname = Span::new(tag_start, tag_start + prog_len);
    m.app_name = m.programname;
    m.procid = memchr::memchr(b'[', tag)
        .and_then(|open| {
            let from = tag_start + open + 1;
            memchr::memchr(b']', &b[from..i]).map(|close| Span::new(from, from + close))
        })
        .unwrap_or(Span::UNSET);

    // 5. MSG
    m.msg = Span::new(i, len);
}
