//! pmciscoios: the header Cisco IOS (and IOS XR) devices send, as rsyslog
//! 8.2302's pmciscoios reads it.
//!
//! In: a frame whose PRI has been read, the parser's parameters and the
//! `timezone()` objects. Out: the message's ranges filled in, or `false`
//! (nothing changed) when the frame is not in this shape, so that the next
//! parser of the chain tries it.
//!
//! The shape, after the PRI:
//! 1. a sequence number (digits, possibly none) and `: `;
//! 2. with `present.origin`, the ORIGIN (the hostname: bytes up to `: `,
//!    at most 511) and `: `;
//! 3. with `present.xr`, whatever precedes the next `:` (the RSP name),
//!    and that `:`;
//! 4. an optional `*` or `.` (Cisco's "clock not in sync" marks), then an
//!    RFC 3164 time, which may carry a zone name defined by `timezone()`
//!    (`Mar  1 18:46:11.591 CET:`) and may end in `:`;
//! 5. with `present.xr`, whatever precedes the next `%`;
//! 6. the TAG: `%` and bytes up to `:` or SP (at most 510), then `: `
//!    (with `present.xr`, one byte more is passed over first, so
//!    `%TAG : ` is a tag too). The tag is given its `:`.
//! 7. MSG: the rest, from the SP after the tag's `:`.
//!
//! An input's `defaultTZ`, when set, replaces the zone read in step 4, as
//! in rsyslog. Without `present.origin` the hostname reads as `fromhost`.
//! As in rsyslog, a frame refused after its time was read keeps that time
//! for the next parser of the chain (which keeps it unless it reads one).
//!
//! Guarantees: no I/O, no panic on any frame, no copy of the frame except
//! for the XR tag `%TAG :`, whose `%TAG:` is not in the frame: it is
//! appended after it (`rawmsg` stays as received).

use crate::msg::timestamp::{parse_rfc3164_zoned, OffsetMode};
use crate::msg::{Format, Message, Span};

use super::ParseOptions;

/// rsyslog's `CONF_HOSTNAME_MAXSIZE` less its NUL.
const ORIGIN_BYTES_MAX: usize = 511;
/// rsyslog's `bufParseTAG[512]` less the `:` and NUL it adds.
const TAG_BYTES_MAX: usize = 510;

/// pmciscoios's parameters (both off by default, as in rsyslog).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CiscoIosOptions {
    /// `present.origin`: an ORIGIN (hostname) field follows the sequence
    /// number.
    pub origin_present: bool,
    /// `present.xr`: the IOS XR format (an RSP name before the time, text
    /// between the time and the tag).
    pub xr_present: bool,
}

/// A `timezone()` object: its id and UTC offset (negative, hours,
/// minutes).
pub type Zone = (String, (bool, u8, u8));

/// Parses `m` (PRI read, `start` the offset after it); false, leaving `m`
/// as it was, when the frame is not a Cisco IOS one.
pub(super) fn parse(
    m: &mut Message,
    start: usize,
    opts: &ParseOptions,
    o: &CiscoIosOptions,
    zones: &[Zone],
) -> bool {
    let reported = |time| match opts.default_tz {
        Some(_) => super::rfc3164::with_default_tz(time, opts),
        None => time,
    };
    let f = match fields(&m.buf, start, o, zones, &m.time_generated) {
        Ok(f) => f,
        Err(Failed { time }) => {
            // rsyslog reads the time into the message itself: a frame
            // refused after it keeps it for the next parser.
            if let Some(t) = time {
                m.time_reported = reported(t);
            }
            return false;
        }
    };
    let time = reported(f.time);
    let tag = match f.tag {
        TagAt::Frame(end) => Span::new(f.tag_start, end),
        TagAt::Colonless(end) => {
            // `%TAG :` (XR): the tag is its bytes and a `:`, which the
            // frame does not hold in a row; they go after it.
            let mut t = Vec::with_capacity(end - f.tag_start + 1);
            t.extend_from_slice(&m.buf[f.tag_start..end]);
            t.push(b':');
            m.append(&t)
        }
    };
    let raw_len = m.raw().len();
    m.format = Format::Rfc3164;
    m.time_reported = time;
    if let Some(h) = f.origin {
        m.hostname = h;
    }
    super::rfc3164::set_tag(m, tag.start as usize, tag.end(), opts);
    debug_assert_eq!(m.slice(m.tag).last(), Some(&b':'));
    m.msg = Span::new(f.msg_start, raw_len);
    true
}

/// What a Cisco IOS header holds, by offsets into the frame as received.
struct Fields {
    origin: Option<Span>,
    time: crate::Timestamp,
    tag_start: usize,
    tag: TagAt,
    /// Where MSG starts: at the SP after the tag's `:`.
    msg_start: usize,
}

/// Why a frame is not a Cisco IOS one: the time, when it was read before
/// the frame failed.
#[derive(Clone, Copy)]
struct Failed {
    time: Option<crate::Timestamp>,
}

/// Where the tag ends.
enum TagAt {
    /// After its `:`, in the frame.
    Frame(usize),
    /// Before the byte XR passes over: the `:` is not in the frame.
    Colonless(usize),
}

fn fields(
    b: &[u8],
    start: usize,
    o: &CiscoIosOptions,
    zones: &[Zone],
    now: &crate::Timestamp,
) -> Result<Fields, Failed> {
    let before_time = Failed { time: None };
    let len = b.len();
    let at = |i: usize| b.get(i).copied();
    let colon_sp = |i: usize| at(i) == Some(b':') && at(i + 1) == Some(b' ');
    // 1. The sequence number.
    let mut i = start + b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
    if !colon_sp(i) {
        return Err(before_time);
    }
    i += 2;
    // 2. ORIGIN
    let mut origin = None;
    if o.origin_present {
        let from = i;
        while i + 1 < len && !colon_sp(i) && i - from < ORIGIN_BYTES_MAX {
            i += 1;
        }
        // rsyslog checks only the SP (the `:` ended the loop, unless the
        // field was too long).
        if at(i + 1) != Some(b' ') {
            return Err(before_time);
        }
        origin = Some(Span::new(from, i));
        i += 2;
    }
    // 3. The XR RSP name.
    if o.xr_present {
        i += memchr::memchr(b':', &b[i.min(len)..]).ok_or(before_time)?;
        i += 1;
    }
    // 4. TIMESTAMP, with a zone name.
    if matches!(at(i), Some(b'*' | b'.')) {
        i += 1;
    }
    let lookup = |name: &[u8]| {
        zones
            .iter()
            .find(|z| z.0.as_bytes() == name)
            .map(|&(_, (neg, h, m))| {
                let mode = if neg {
                    OffsetMode::Minus
                } else {
                    OffsetMode::Plus
                };
                (mode, h, m)
            })
    };
    let rest = b.get(i..).ok_or(before_time)?;
    let (time, n) = parse_rfc3164_zoned(rest, now, Some(&lookup)).ok_or(before_time)?;
    i += n;
    let after_time = || Failed { time: Some(time) };
    // 5. XR: text up to the tag.
    if o.xr_present {
        i += memchr::memchr(b'%', &b[i..]).ok_or_else(after_time)?;
        if len - i < 2 {
            return Err(after_time());
        }
    }
    // 6. TAG
    if at(i) != Some(b'%') {
        return Err(after_time());
    }
    let tag_start = i;
    let window = &b[i..len.min(i + TAG_BYTES_MAX)];
    i += memchr::memchr2(b':', b' ', window).unwrap_or(window.len());
    let stop = i;
    if o.xr_present {
        i += 1;
    }
    if !colon_sp(i) {
        return Err(after_time());
    }
    let tag = match at(stop) {
        Some(b':') => TagAt::Frame(stop + 1),
        _ => TagAt::Colonless(stop),
    };
    Ok(Fields {
        origin,
        time,
        tag_start,
        tag,
        msg_start: i + 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msg::Origin;
    use crate::prop::{self, PropBuf, PropId};
    use bytes::Bytes;
    use std::sync::Arc;

    fn parse_with(raw: &[u8], o: CiscoIosOptions, zones: &[Zone]) -> Option<Message> {
        // Alone in its chain, so that an unaccepted frame reads as `None`.
        let chain = crate::parse::chain::Chain {
            parsers: vec![crate::parse::chain::Parser::CiscoIos(o)],
            timezones: zones.to_vec(),
        };
        let now = crate::msg::timestamp::parse_rfc3339(b"2026-11-23T01:02:03+00:00")
            .unwrap()
            .0;
        let (m, accepted) = crate::parse::parse_chain(
            Bytes::copy_from_slice(raw),
            &Arc::new(Origin::new("10.0.0.9", "10.0.0.9", "imudp")),
            now,
            &ParseOptions::default(),
            Some(&chain),
        );
        accepted.then_some(m)
    }

    fn get(m: &Message, id: PropId) -> String {
        let mut b = PropBuf::new();
        String::from_utf8_lossy(prop::get(m, id, &mut b)).into_owned()
    }

    #[test]
    fn ios_header() {
        let m = parse_with(
            b"<189>16261: May 28 16:09:56.185: %SYS-5-CONFIG_I: Configured from console",
            CiscoIosOptions::default(),
            &[],
        )
        .unwrap();
        assert_eq!(get(&m, PropId::SyslogTag), "%SYS-5-CONFIG_I:");
        assert_eq!(get(&m, PropId::ProgramName), "%SYS-5-CONFIG_I");
        assert_eq!(get(&m, PropId::Msg), " Configured from console");
        assert_eq!(get(&m, PropId::Hostname), "10.0.0.9");
        assert_eq!(m.time_reported.secfrac, 185);
        assert!(parse_with(
            b"<13>Oct 11 22:14:15 host tag: x",
            CiscoIosOptions::default(),
            &[]
        )
        .is_none());
    }

    #[test]
    fn origin_zone_and_xr() {
        let o = CiscoIosOptions {
            origin_present: true,
            xr_present: false,
        };
        let zones = vec![("CET".to_string(), (false, 1, 0))];
        let m = parse_with(
            b"<189>12: sw1.example.net: *Mar  1 18:46:11 CET: %LINK-3-UPDOWN: down",
            o,
            &zones,
        )
        .unwrap();
        assert_eq!(get(&m, PropId::Hostname), "sw1.example.net");
        assert_eq!(m.time_reported.offset_hour, 1);
        assert_eq!(get(&m, PropId::Msg), " down");
        let xr = CiscoIosOptions {
            origin_present: false,
            xr_present: true,
        };
        let m = parse_with(
            b"<189>2: RP/0/RSP0/CPU0:Jun 12 10:15:01.123 : bgp[1044]: %ROUTING-BGP-5-ADJCHANGE : neighbor up",
            xr,
            &[],
        )
        .unwrap();
        assert_eq!(get(&m, PropId::SyslogTag), "%ROUTING-BGP-5-ADJCHANGE:");
        assert_eq!(get(&m, PropId::Msg), " neighbor up");
        assert!(get(&m, PropId::RawMsg).ends_with("ADJCHANGE : neighbor up"));
    }

    #[test]
    fn truncated_frames_are_refused() {
        let full = b"<189>7: host: Mar  1 18:46:11: %A-1-B: x";
        let o = CiscoIosOptions {
            origin_present: true,
            xr_present: true,
        };
        for cut in 0..full.len() {
            let _ = parse_with(&full[..cut], o, &[]);
            let _ = parse_with(&full[..cut], CiscoIosOptions::default(), &[]);
        }
    }
}
