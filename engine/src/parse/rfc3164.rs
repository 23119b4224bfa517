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

use super::chain::Rfc3164Options;
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

/// See the module documentation; pmrfc3164's defaults.
pub(super) fn parse(m: &mut Message, start: usize, opts: &ParseOptions) {
    parse_with(m, start, opts, &Rfc3164Options::default());
}

/// With pmrfc3164's parameters (`parser(type="pmrfc3164" …)`).
pub(super) fn parse_with(m: &mut Message, start: usize, opts: &ParseOptions, o: &Rfc3164Options) {
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
    } else if let Some((mut ts, n)) = parse_rfc3164(&b[i..], &m.time_generated) {
        i += n;
        // detect.YearAfterTimestamp: `hh:mm:ss 2026 host`.
        let t = &b[i..];
        if o.detect_year_after_timestamp
            && t.len() >= 5
            && t[..4].iter().all(u8::is_ascii_digit)
            && t[4] == b' '
            && b[i - 1] == b' '
        {
            let y = t[..4]
                .iter()
                .fold(0u16, |y, d| y * 10 + u16::from(d - b'0'));
            if (2000..2100).contains(&y) {
                ts.year = y;
                i += 5;
            }
        }
        m.time_reported = with_default_tz(ts, opts);
    } else if b.get(i) == Some(&b' ') && len - i > 1 {
        // rsyslog applies defaultTZ in the branch above only.
        if let Some((ts, n)) = parse_rfc3164(&b[i + 1..], &m.time_generated) {
            m.time_reported = ts;
            i += 1 + n;
        }
    }

    // 3. HOSTNAME (not for local messages: imuxsock's ParseHostname off)
    if i < len && !opts.no_hostname {
        if let Some((span, next)) = hostname(b, i, o) {
            m.hostname = span;
            i = next;
        }
    }

    // 4. TAG
    let tag_start = i;
    let window = &b[i..len.min(i + TAG_BYTES_MAX)];
    i += memchr::memchr2(b':', b' ', window).unwrap_or(window.len());
    if b.get(i) == Some(&b':') {
        i += 1;
    } else if o.force_tag_ending_by_colon {
        // No `:`: there was no tag; rsyslog names it `-` and keeps the
        // text (from the byte before, which it steps back over too, when
        // there is one) in `msg`.
        m.tag = Span::DASH;
        m.programname = Span::DASH;
        m.app_name = Span::DASH;
        let back = tag_start.saturating_sub(1).max(start);
        m.msg = Span::new(back, len);
        remove_first_space(m, o);
        return;
    }
    set_tag(m, tag_start, i, opts);

    // 5. MSG
    m.msg = Span::new(i, len);
    remove_first_space(m, o);
}

/// The tag is `buf[start..end]`; `programname` (and `app-name`) and
/// `procid` are read from it (see the module documentation).
pub(super) fn set_tag(m: &mut Message, start: usize, end: usize, opts: &ParseOptions) {
    m.tag = Span::new(start, end);
    let tag = &m.buf[start..end];
    let prog_len = tag
        .iter()
        .take_while(|&&c| {
            (0x20..0x7f).contains(&c)
                && c != b'['
                && c != b':'
                && (c != b'/' || opts.permit_slash_in_programname)
        })
        .count();
    m.programname = Span::new(start, start + prog_len);
    m.app_name = m.programname;
    m.procid = memchr::memchr(b'[', tag)
        .and_then(|open| {
            let from = start + open + 1;
            memchr::memchr(b']', &m.buf[from..end]).map(|close| Span::new(from, from + close))
        })
        .unwrap_or(Span::UNSET);
}

/// An input's `defaultTZ` on an RFC 3164 time (rsyslog's `applyDfltTZ`).
pub(super) fn with_default_tz(mut ts: crate::Timestamp, opts: &ParseOptions) -> crate::Timestamp {
    if let Some((neg, h, m)) = opts.default_tz {
        ts.offset_mode = if neg {
            crate::msg::timestamp::OffsetMode::Minus
        } else {
            crate::msg::timestamp::OffsetMode::Plus
        };
        ts.offset_hour = h;
        ts.offset_minute = m;
    }
    ts
}

/// `remove.msgFirstSpace`.
fn remove_first_space(m: &mut Message, o: &Rfc3164Options) {
    if o.remove_msg_first_space && m.buf.get(m.msg.start as usize) == Some(&b' ') {
        m.msg = Span::new(m.msg.start as usize + 1, m.msg.end());
    }
}

/// A HOSTNAME at `i`: its span and where the tag starts.
fn hostname(b: &[u8], i: usize, o: &Rfc3164Options) -> Option<(Span, usize)> {
    let len = b.len();
    let window = &b[i..len.min(i + HOSTNAME_BYTES_MAX)];
    let bracket = o.square_brackets_in_hostname && window.first() == Some(&b'[');
    let plain = !bracket && !o.at_signs_in_hostname && !o.slashes_in_hostname;
    let mut run = usize::from(bracket);
    if plain {
        // rsyslog's defaults: one table lookup per byte.
        run = window
            .iter()
            .position(|&c| !HOSTNAME_BYTE[usize::from(c)])
            .unwrap_or(window.len());
    }
    while !plain && run < window.len() {
        let c = window[run];
        let ok = HOSTNAME_BYTE[usize::from(c)]
            || (c == b']' && bracket)
            || (c == b'@' && o.at_signs_in_hostname)
            || (c == b'/' && o.slashes_in_hostname);
        if !ok {
            break;
        }
        run += 1;
        if window.get(run) == Some(&b']') && bracket {
            break;
        }
    }
    let end = i + run;
    if end == len {
        return Some((Span::new(i, end), end));
    }
    if run == 0 {
        return None;
    }
    let (end, good) = if bracket {
        match b[end] {
            b']' => (end + 1, true),
            _ => (end, false),
        }
    } else {
        (end, b[end - 1].is_ascii_alphanumeric())
    };
    (good && b.get(end) == Some(&b' ')).then(|| (Span::new(i, end), end + 1))
}
