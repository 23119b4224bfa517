//! The parser chain: one frame in, one [`Message`] out.
//!
//! In: the bytes of one frame (shared with the receive buffer), the
//! connection's [`Origin`] and the receive time. Out: a message whose
//! property ranges point into those bytes.
//!
//! The chain is rsyslog's default: sanitise (escape control characters),
//! read the PRI, then try RFC 5424 (`1 ` after the PRI) and otherwise RFC
//! 3164 as found in the wild. Like rsyslog, parsing never fails and never
//! drops a message: whatever could not be recognised stays in `msg`.
//!
//! Guarantees: no I/O and no clock (the caller passes the receive time), no
//! panic on any input, no allocation unless a control character has to be
//! escaped, one forward pass over the bytes.

pub mod chain;
mod ciscoios;
mod rfc3164;
mod rfc5424;
pub mod sanitize;

use std::sync::Arc;

use bytes::Bytes;

use crate::msg::pri::{self, Pri, PRI_DEFAULT, PRI_INVALID};
use crate::msg::{Format, Message, Origin, Span, Timestamp};
pub use sanitize::SanitizeOptions;

/// Parser settings (rsyslog's global parser options and pmrfc3164's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ParseOptions {
    pub sanitize: SanitizeOptions,
    /// `global(parser.permitSlashInProgramname)` (default off): a `/` ends
    /// the programname.
    pub permit_slash_in_programname: bool,
    /// The message carries no HOSTNAME (local sockets: imuxsock with
    /// `ParseHostname="off"`, its default).
    pub no_hostname: bool,
    /// The time a message reports is when it was received, whatever it
    /// states (imuxsock's `ignoreTimestamp`, its default).
    pub ignore_timestamp: bool,
    /// An input's `defaultTZ`: the offset an RFC 3164 time (which states
    /// none) is read in, (negative, hours, minutes); `None`: local time.
    pub default_tz: Option<(bool, u8, u8)>,
}

/// Parses one frame with rsyslog's default chain (RFC 5424, then RFC
/// 3164, which accepts everything). `time_generated` is when it was
/// received; a message without a timestamp reports that time.
pub fn parse(
    frame: Bytes,
    origin: &Arc<Origin>,
    time_generated: Timestamp,
    opts: &ParseOptions,
) -> Message {
    parse_inner(frame, origin, time_generated, opts, None).0
}

/// Parses one frame with a ruleset's parser chain (`None`: the default
/// one), and says whether a parser of the chain accepted it. One that
/// none accepts is unparsed, as a frame with an invalid PRI is: its PRI,
/// the time of reception (or one a parser read before refusing it),
/// `fromhost` for a hostname, an empty tag and the whole frame as `msg`. (rsyslog 8.2302 says it discards such a message,
/// but delivers it with its MSG unset, which reads one byte before the
/// frame and loses its last one; corelog delivers the frame.)
pub fn parse_chain(
    frame: Bytes,
    origin: &Arc<Origin>,
    time_generated: Timestamp,
    opts: &ParseOptions,
    chain: Option<&chain::Chain>,
) -> (Message, bool) {
    parse_inner(frame, origin, time_generated, opts, chain)
}

/// Parses one frame as [`parse_chain`] does, straight into the end of
/// `out` (a message is a few hundred bytes: built where it stays, it is
/// not moved out of the parser and again into the batch).
pub fn parse_chain_into(
    frame: Bytes,
    origin: &Arc<Origin>,
    time_generated: Timestamp,
    opts: &ParseOptions,
    chain: Option<&chain::Chain>,
    out: &mut Vec<Message>,
) -> bool {
    out.push(unparsed_frame(frame, origin, time_generated, opts));
    let m = out.last_mut().expect("pushed above");
    parse_in_place(m, time_generated, opts, chain)
}

fn parse_inner(
    frame: Bytes,
    origin: &Arc<Origin>,
    time_generated: Timestamp,
    opts: &ParseOptions,
    chain: Option<&chain::Chain>,
) -> (Message, bool) {
    let mut m = unparsed_frame(frame, origin, time_generated, opts);
    let accepted = parse_in_place(&mut m, time_generated, opts, chain);
    (m, accepted)
}

/// The sanitized frame as a message of nothing but its bytes: the whole
/// frame its msg, the time of reception its time.
#[inline(always)]
fn unparsed_frame(
    frame: Bytes,
    origin: &Arc<Origin>,
    time_generated: Timestamp,
    opts: &ParseOptions,
) -> Message {
    let buf = sanitize::sanitize(frame, &opts.sanitize);
    let len = buf.len();
    let after_pri = pri::after_pri_offset(&buf);
    Message {
        buf,
        pri: PRI_DEFAULT,
        format: Format::Rfc3164,
        after_pri: Span::new(after_pri, len),
        hostname: Span::UNSET,
        tag: Span::EMPTY,
        programname: Span::EMPTY,
        app_name: Span::UNSET,
        procid: Span::UNSET,
        msgid: Span::UNSET,
        structured_data: Span::UNSET,
        msg: Span::new(0, len),
        time_reported: time_generated,
        time_generated,
        origin: Arc::clone(origin),
        ruleset: 0,
        vars: None,
    }
}

/// Parses `m`, made by [`unparsed_frame`], with `chain`.
fn parse_in_place(
    m: &mut Message,
    time_generated: Timestamp,
    opts: &ParseOptions,
    chain: Option<&chain::Chain>,
) -> bool {
    let start = match pri::parse_pri(&m.buf) {
        Pri::Valid { pri, len } => {
            m.pri = pri;
            len
        }
        Pri::Missing => 0,
        Pri::Invalid => {
            // rsyslog gives up on a message with an invalid PRI: all of it,
            // the bogus PRI included, is the msg.
            m.pri = PRI_INVALID;
            m.format = Format::Unparsed;
            return true;
        }
    };
    let accepted = match chain {
        None => {
            if !rfc5424::parse(m, start) {
                rfc3164::parse(m, start, opts);
            }
            true
        }
        Some(c) => {
            let accepted = chain::run(c, m, start, opts);
            if !accepted {
                unparsed(m);
            }
            accepted
        }
    };
    if opts.ignore_timestamp {
        m.time_reported = time_generated;
    }
    debug_assert!(m.msg.end() <= m.buf.len());
    accepted
}

/// A message no parser accepted: the PRI it has, nothing else parsed (but
/// a time a refusing parser read, as in rsyslog).
fn unparsed(m: &mut Message) {
    m.format = Format::Unparsed;
    m.hostname = Span::UNSET;
    m.tag = Span::EMPTY;
    m.programname = Span::EMPTY;
    m.app_name = Span::UNSET;
    m.procid = Span::UNSET;
    m.msgid = Span::UNSET;
    m.structured_data = Span::UNSET;
    m.msg = Span::new(0, m.raw().len());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prop::{self, PropBuf, PropId};

    fn origin() -> Arc<Origin> {
        Arc::new(Origin::new("127.0.0.1", "127.0.0.1", "imtcp"))
    }

    fn now() -> Timestamp {
        crate::msg::timestamp::parse_rfc3339(b"2026-11-23T01:02:03.456789+00:00")
            .unwrap()
            .0
    }

    pub(crate) fn p(raw: &[u8]) -> Message {
        parse(
            Bytes::copy_from_slice(raw),
            &origin(),
            now(),
            &ParseOptions::default(),
        )
    }

    fn get(m: &Message, id: PropId) -> String {
        let mut b = PropBuf::new();
        String::from_utf8_lossy(prop::get(m, id, &mut b)).into_owned()
    }

    #[test]
    fn default_tz_applies_to_rfc3164_times_only() {
        let opts = ParseOptions {
            default_tz: Some((true, 5, 30)),
            ..ParseOptions::default()
        };
        let m = parse(
            Bytes::from_static(b"<13>Oct 11 22:14:15 host tag: x"),
            &origin(),
            now(),
            &opts,
        );
        assert_eq!(m.time_reported.offset_hour, 5);
        assert_eq!(m.time_reported.offset_minute, 30);
        assert_eq!(
            m.time_reported.offset_mode,
            crate::msg::timestamp::OffsetMode::Minus
        );
        let m = parse(
            Bytes::from_static(b"<13>2026-10-11T22:14:15+02:00 host tag: x"),
            &origin(),
            now(),
            &opts,
        );
        assert_eq!(m.time_reported.offset_hour, 2);
    }

    #[test]
    fn rfc3164_classic() {
        let m = p(b"<34>Oct 11 22:14:15 mymachine su: 'su root' failed");
        assert_eq!(m.pri(), 34);
        assert_eq!(get(&m, PropId::Hostname), "mymachine");
        assert_eq!(get(&m, PropId::SyslogTag), "su:");
        assert_eq!(get(&m, PropId::ProgramName), "su");
        assert_eq!(get(&m, PropId::Msg), " 'su root' failed");
        assert_eq!(get(&m, PropId::AppName), "su");
        assert_eq!(get(&m, PropId::ProcId), "-");
    }

    #[test]
    fn rfc3164_quirks_match_rsyslog() {
        let m = p(b"no pri at all");
        assert_eq!(m.pri(), 13);
        assert_eq!(get(&m, PropId::Hostname), "no");
        assert_eq!(get(&m, PropId::SyslogTag), "pri");
        assert_eq!(get(&m, PropId::Msg), " at all");
        let m = p(b"<190>%PIX-7-710005: UDP request discarded");
        assert_eq!(get(&m, PropId::Hostname), "127.0.0.1");
        assert_eq!(get(&m, PropId::SyslogTag), "%PIX-7-710005:");
        let m = p(b"<13>Oct 11 22:14:15 host /usr/sbin/cron[12]: m");
        assert_eq!(get(&m, PropId::ProgramName), "");
        assert_eq!(get(&m, PropId::AppName), "-");
        assert_eq!(get(&m, PropId::ProcId), "12");
        let m = p(b"<13>Oct 11 22:14:15  host tag: m");
        assert_eq!(get(&m, PropId::Hostname), "127.0.0.1");
        assert_eq!(get(&m, PropId::SyslogTag), "");
        assert_eq!(get(&m, PropId::Msg), " host tag: m");
        let m = p(b"<192>Oct 11 22:14:15 host tag: m");
        assert_eq!(get(&m, PropId::Msg), "<192>Oct 11 22:14:15 host tag: m");
        assert_eq!(get(&m, PropId::Pri), "invld");
    }

    #[test]
    fn rfc5424_with_structured_data() {
        let m = p(br#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application"][b@2 x="a\"b\]c"] An application event"#);
        assert_eq!(m.format(), Format::Rfc5424);
        assert_eq!(get(&m, PropId::Hostname), "mymachine.example.com");
        assert_eq!(get(&m, PropId::AppName), "evntslog");
        assert_eq!(get(&m, PropId::SyslogTag), "evntslog");
        assert_eq!(get(&m, PropId::MsgId), "ID47");
        assert_eq!(
            get(&m, PropId::StructuredData),
            r#"[exampleSDID@32473 iut="3" eventSource="Application"][b@2 x="a\"b\]c"]"#
        );
        assert_eq!(get(&m, PropId::Msg), "An application event");
        let m = p(b"<13>1 2003-10-11T22:14:15.003+05:30 host app 1234 msgid - hello");
        assert_eq!(get(&m, PropId::SyslogTag), "app[1234]");
        assert_eq!(get(&m, PropId::ProgramName), "app");
    }

    #[test]
    fn ignore_timestamp_reports_the_reception_time() {
        let raw = b"<13>Oct 11 22:14:15 host tag: m";
        let opts = ParseOptions {
            ignore_timestamp: true,
            ..ParseOptions::default()
        };
        let m = parse(Bytes::copy_from_slice(raw), &origin(), now(), &opts);
        assert_eq!(m.time_reported, now());
        assert_eq!(
            get(&m, PropId::Msg),
            " m",
            "the timestamp is still parsed away"
        );
        assert_ne!(p(raw).time_reported, now());
    }
}
