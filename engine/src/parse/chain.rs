//! Parser chains: `ruleset(parser=[…])`, `$RulesetParser` and `parser()`
//! objects — which parsers try a frame, in which order.
//!
//! In: a frame whose PRI has been read, and the chain of the ruleset its
//! input is bound to. Out: the message's ranges filled in by the first
//! parser that accepts it, or `None` when none does (rsyslog then discards
//! the message; corelog's inputs count it and say so).
//!
//! The parsers are rsyslog 8.2302's, by the names rsyslog gives them:
//! - `rsyslog.rfc5424` (pmrfc5424): only RFC 5424 frames;
//! - `rsyslog.rfc3164` (pmrfc3164), and `parser(type="pmrfc3164")` with
//!   its parameters ([`Rfc3164Options`]): everything;
//! - `rsyslog.lastline` (pmlastmsg): `last message repeated N times`,
//!   which gets no header (tag empty, time of reception);
//! - `rsyslog.cisconames` (pmcisconames), `rsyslog.aixforwardedfrom`
//!   (pmaixforwardedfrom) and `rsyslog.snare` (pmsnare): repair a mangled
//!   header (Cisco ASA's ` : %`, AIX's `Message forwarded from`, Snare's
//!   tabs around `MSWinEventLog`/`LinuxKAudit`) and pass the repaired frame
//!   on, as rsyslog's modules rewrite the raw message in place.
//!
//! - `rsyslog.ciscoios` (pmciscoios, see [`super::ciscoios`]): Cisco IOS
//!   headers only;
//! - `rsyslog.pmnull` (pmnull): everything, unparsed, with the PRI and tag
//!   the parser is given.
//!
//! Guarantees: never panics on any frame; a repairing parser copies the
//! frame once, only when it repairs it.

use bytes::Bytes;

use crate::msg::{Format, Message, Span};

use std::sync::Arc;

pub use super::ciscoios::{CiscoIosOptions, Zone};
use super::{ciscoios, rfc3164, rfc5424, ParseOptions};

/// pmrfc3164's parameters (all off by default, as in rsyslog).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rfc3164Options {
    /// `permit.squareBracketsInHostname`: `[192.0.2.1]` is a hostname.
    pub square_brackets_in_hostname: bool,
    /// `permit.slashesInHostname`.
    pub slashes_in_hostname: bool,
    /// `permit.AtSignsInHostname`.
    pub at_signs_in_hostname: bool,
    /// `force.tagEndingByColon`: a tag must end with `:`; otherwise the
    /// tag is `-` and what looked like one stays in `msg`.
    pub force_tag_ending_by_colon: bool,
    /// `remove.msgFirstSpace`: `msg` loses its leading SP.
    pub remove_msg_first_space: bool,
    /// `detect.YearAfterTimestamp`: `Oct 11 22:14:15 2026 host` has a year.
    pub detect_year_after_timestamp: bool,
}

/// pmsnare's parameters: what it takes for a tab, each `None` meaning
/// the global parser setting of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SnareOptions {
    pub escape_control_characters: Option<bool>,
    pub escape_tab: Option<bool>,
    pub c_style: Option<bool>,
    pub prefix: Option<u8>,
}

/// pmnull's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NullOptions {
    /// `tag`: the tag every message gets (`None`: an empty one).
    pub tag: Option<Arc<[u8]>>,
    /// `syslogfacility` × 8 + `syslogseverity` (default `user.notice`).
    pub pri: u16,
}

/// One parser of a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parser {
    Rfc5424,
    Rfc3164(Rfc3164Options),
    LastLine,
    CiscoNames,
    AixForwardedFrom,
    Snare(SnareOptions),
    CiscoIos(CiscoIosOptions),
    Null(NullOptions),
}

/// The parsers a ruleset's messages go through, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub parsers: Vec<Parser>,
    /// The `timezone()` objects, for pmciscoios.
    pub timezones: Vec<Zone>,
}

/// What a parser made of a frame.
enum Outcome {
    Parsed,
    /// Not this parser's: the next one tries (with the frame repaired,
    /// when the parser repaired it).
    Next,
}

/// Runs `chain` over `m` (PRI read, `start` the offset after it); false
/// when no parser accepted the message.
pub(super) fn run(chain: &Chain, m: &mut Message, start: usize, opts: &ParseOptions) -> bool {
    for p in &chain.parsers {
        let outcome = match p {
            Parser::Rfc5424 => {
                if rfc5424::parse(m, start) {
                    Outcome::Parsed
                } else {
                    Outcome::Next
                }
            }
            Parser::Rfc3164(o) => {
                rfc3164::parse_with(m, start, opts, o);
                Outcome::Parsed
            }
            Parser::LastLine => last_line(m, start),
            Parser::CiscoNames => {
                repair(m, start, cisco_names);
                Outcome::Next
            }
            Parser::AixForwardedFrom => {
                repair(m, start, aix_forwarded_from);
                Outcome::Next
            }
            Parser::CiscoIos(o) => {
                if ciscoios::parse(m, start, opts, o, &chain.timezones) {
                    Outcome::Parsed
                } else {
                    Outcome::Next
                }
            }
            Parser::Null(o) => {
                null(m, o, opts);
                Outcome::Parsed
            }
            Parser::Snare(o) => {
                let tab = snare_tab(o, opts);
                if let Some(edits) = snare(&m.buf[start..], tab.as_bytes()) {
                    apply_edits(m, start, &edits);
                }
                Outcome::Next
            }
        };
        if let Outcome::Parsed = outcome {
            return true;
        }
    }
    false
}

/// pmnull: the whole frame, PRI included, is `msg`; the PRI and tag are
/// the parser's; the time is that of reception and the hostname reads
/// as `fromhost`.
fn null(m: &mut Message, o: &NullOptions, opts: &ParseOptions) {
    m.format = Format::Rfc3164;
    m.pri = o.pri;
    m.time_reported = m.time_generated;
    m.msg = Span::new(0, m.raw().len());
    match &o.tag {
        Some(t) => {
            let span = m.append(t);
            rfc3164::set_tag(m, span.start as usize, span.end(), opts);
        }
        None => {
            m.tag = Span::EMPTY;
            m.programname = Span::EMPTY;
            m.app_name = Span::EMPTY;
        }
    }
}

/// pmlastmsg: after the PRI and any SP, `last message repeated <digits>
/// times` (letters in any case) and nothing else.
fn last_line(m: &mut Message, start: usize) -> Outcome {
    const OPEN: &[u8] = b"last message repeated ";
    const CLOSE: &[u8] = b" times";
    let b = &m.buf[start..];
    let t = &b[b.iter().take_while(|&&c| c == b' ').count()..];
    if t.len() < OPEN.len() + CLOSE.len() + 1 || !t[..OPEN.len()].eq_ignore_ascii_case(OPEN) {
        return Outcome::Next;
    }
    let rest = &t[OPEN.len()..];
    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    if !rest[digits..].eq_ignore_ascii_case(CLOSE) {
        return Outcome::Next;
    }
    m.format = Format::Rfc3164;
    m.time_reported = m.time_generated;
    m.msg = Span::new(start, m.buf.len());
    m.tag = Span::EMPTY;
    m.programname = Span::EMPTY;
    m.app_name = Span::EMPTY;
    Outcome::Parsed
}

/// Applies a repair that returns the byte ranges to remove from the frame
/// (after `start`), copying the frame once.
fn repair(m: &mut Message, start: usize, find: fn(&[u8]) -> Option<Vec<std::ops::Range<usize>>>) {
    let Some(cuts) = find(&m.buf[start..]) else {
        return;
    };
    let mut out = Vec::with_capacity(m.buf.len());
    out.extend_from_slice(&m.buf[..start]);
    let body = &m.buf[start..];
    let mut at = 0;
    for c in cuts {
        out.extend_from_slice(&body[at..c.start]);
        at = c.end;
    }
    out.extend_from_slice(&body[at..]);
    let len = out.len();
    m.buf = Bytes::from(out);
    m.after_pri = Span::new(m.after_pri.start as usize, len);
    m.msg = Span::new(0, len);
}

/// What pmsnare takes for a tab: the escaped form the sanitiser writes
/// (`#011`, `\t` in C style) or, without escaping, a real tab.
fn snare_tab(o: &SnareOptions, opts: &ParseOptions) -> String {
    let s = &opts.sanitize;
    let cc = o
        .escape_control_characters
        .unwrap_or(s.escape_control_chars);
    let tab = o.escape_tab.unwrap_or(s.escape_tab);
    let prefix = o.prefix.unwrap_or(s.escape_prefix);
    match (cc && tab, o.c_style.unwrap_or(false)) {
        (true, true) => "\\t".into(),
        (true, false) => format!("{}011", prefix as char),
        _ => "\t".into(),
    }
}

/// pmsnare: where the Snare tag (`MSWinEventLog`, `LinuxKAudit`) is, the
/// tab before it (when there is no syslog header) and the one after it
/// each become one SP. Offsets are after the PRI; each edit replaces a
/// range by one byte.
fn snare(b: &[u8], tab: &[u8]) -> Option<Vec<(std::ops::Range<usize>, u8)>> {
    const TAGS: [&[u8]; 2] = [b"MSWinEventLog", b"LinuxKAudit"];
    let n = b.len();
    if n < 30 || tab.is_empty() {
        return None;
    }
    let starts = |at: usize, what: &[u8]| {
        b.len() >= at + what.len() && b[at..at + what.len()].eq_ignore_ascii_case(what)
    };
    let tag_at = |at: usize| TAGS.iter().find(|t| starts(at, t)).map(|t| at + t.len());
    let p = b
        .iter()
        .position(|&c| c == b' ' || c == b'\t' || c == tab[0])
        .unwrap_or(n);
    let mut edits = Vec::new();
    let end = if n - p > tab.len() && starts(p, tab) {
        // No header: `host<tab>MSWinEventLog<tab>…`.
        let end = tag_at(p + tab.len())?;
        edits.push((p..p + tab.len(), b' '));
        end
    } else {
        // `Mmm dd hh:mm:ss host MSWinEventLog<tab>…`: rsyslog skips the 16
        // bytes of a timestamp and its SP without looking at them.
        let mut q = 16.min(n);
        q += b[q..].iter().position(|&c| c == b' ').unwrap_or(n - q);
        q = (q + 1).min(n);
        tag_at(q)?
    };
    // rsyslog replaces the tab after the tag without checking it is one.
    edits.push((end..(end + tab.len()).min(n), b' '));
    Some(edits)
}

/// Applies edits (sorted, not overlapping; offsets after `start`): each
/// range becomes its one byte. The frame is copied once.
fn apply_edits(m: &mut Message, start: usize, edits: &[(std::ops::Range<usize>, u8)]) {
    let body = &m.buf[start..];
    let mut out = Vec::with_capacity(m.buf.len());
    out.extend_from_slice(&m.buf[..start]);
    let mut at = 0;
    for (r, c) in edits {
        if r.start < at || r.start > body.len() {
            continue;
        }
        out.extend_from_slice(&body[at..r.start]);
        if r.end > r.start {
            out.push(*c);
        }
        at = r.end.min(body.len());
    }
    out.extend_from_slice(&body[at..]);
    let len = out.len();
    m.buf = Bytes::from(out);
    m.after_pri = Span::new((m.after_pri.start as usize).min(len), len);
    m.msg = Span::new(0, len);
}

/// pmcisconames: `Mmm dd hh:mm:ss host : %ASA-…` (or with a year) loses
/// the `: ` before the `%`.
fn cisco_names(b: &[u8]) -> Option<Vec<std::ops::Range<usize>>> {
    let lead = b.iter().take_while(|&&c| c == b' ').count();
    let t = &b[lead..];
    if t.len() < 34 {
        return None;
    }
    let short = t[9] == b':' && t[12] == b':' && t[3] == b' ' && t[6] == b' ' && t[15] == b' ';
    let long = t[14] == b':'
        && t[17] == b':'
        && t[3] == b' '
        && t[6] == b' '
        && t[11] == b' '
        && t[20] == b' ';
    let mut i = if short {
        16
    } else if long {
        21
    } else {
        return None;
    };
    while i < t.len() && t[i] != b' ' {
        i += 1;
    }
    // rsyslog counts the NUL after the text: at least ": %" plus one.
    if t.len() - i < 4 {
        return None;
    }
    i += 1;
    if !t[i..].starts_with(b": %") {
        return None;
    }
    Some(std::iter::once(lead + i..lead + i + 2).collect())
}

/// pmaixforwardedfrom: `Mmm dd hh:mm:ss Message forwarded from host: …`
/// (or `From host: …`) loses the words and the `:` after the host.
fn aix_forwarded_from(b: &[u8]) -> Option<Vec<std::ops::Range<usize>>> {
    const LONG: &[u8] = b"Message forwarded from ";
    const SHORT: &[u8] = b"From ";
    let lead = b.iter().take_while(|&&c| c == b' ').count();
    let t = &b[lead..];
    if t.len() < 24 {
        return None;
    }
    let after = &t[16..];
    let skip = if after.len() >= LONG.len() && after[..LONG.len()].eq_ignore_ascii_case(LONG) {
        LONG.len()
    } else if after[..SHORT.len()].eq_ignore_ascii_case(SHORT) {
        SHORT.len()
    } else {
        return None;
    };
    let host_from = 16 + skip;
    if t.len() - host_from < 2 {
        return None;
    }
    let host_len = t[host_from..]
        .iter()
        .take_while(|&&c| c != b' ' && c != b':')
        .count();
    let colon = host_from + host_len;
    if colon >= t.len() || t[colon] != b':' {
        return None;
    }
    Some(vec![
        lead + 16..lead + host_from,
        lead + colon..lead + colon + 1,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snare_tabs() {
        let t = b"hostname.domain#011MSWinEventLog#0111#011Security#01100000000#011x";
        let e = snare(t, b"#011").unwrap();
        assert_eq!(e, vec![(15..19, b' '), (32..36, b' ')]);
        let t = b"May 21 12:00:01 hostname.domain MSWinEventLog#0111#011Security#011x";
        assert_eq!(snare(t, b"#011").unwrap(), vec![(45..49, b' ')]);
        assert!(snare(
            b"May 21 12:00:01 hostname.domain sshd: nothing to see here",
            b"#011"
        )
        .is_none());
    }

    /// rsyslog's own pmnull tests (`pmnull-withparams.sh`,
    /// `pmnull-basic.sh`): pmnull is not in Debian's rsyslog, so the
    /// differential suite cannot run it.
    #[test]
    fn pmnull_as_rsyslogs_testbench_expects() {
        use crate::prop::{self, PropBuf, PropId};
        let raw = "<189>16261: May 28 16:09:56.185: %SYS-5-CONFIG_I: Configured from console by adminsepp on vty0 (10.23.214.226)";
        let conf = |params: &str| {
            format!(
                "module(load=\"pmnull\")\nparser(name=\"n\" type=\"pmnull\"{params})\n$RulesetParser n\n*.* /dev/null\n"
            )
        };
        for (params, line) in [
            (
                " tag=\"mytag\" syslogfacility=\"3\" syslogseverity=\"1\"",
                "tag: mytag, pri: 25, syslogfacility: 3, syslogseverity: 1 msg: ",
            ),
            (
                "",
                "tag: , pri: 13, syslogfacility: 1, syslogseverity: 5 msg: ",
            ),
        ] {
            let plan = crate::config::load_str("pmnull", &conf(params)).expect("loads");
            let chain = plan.rulesets[plan.default_ruleset]
                .parsers
                .clone()
                .expect("a chain");
            let (m, accepted) = crate::parse::parse_chain(
                Bytes::from_static(raw.as_bytes()),
                &std::sync::Arc::new(crate::Origin::new("h", "127.0.0.1", "imtcp")),
                crate::Timestamp::default(),
                &ParseOptions::default(),
                Some(&chain),
            );
            assert!(accepted);
            let mut b = PropBuf::new();
            let mut get = |id| String::from_utf8_lossy(prop::get(&m, id, &mut b)).into_owned();
            let got = format!(
                "tag: {}, pri: {}, syslogfacility: {}, syslogseverity: {} msg: ",
                get(PropId::SyslogTag),
                get(PropId::Pri),
                get(PropId::SyslogFacility),
                get(PropId::SyslogSeverity)
            );
            assert_eq!(got, line);
            assert_eq!(get(PropId::Msg), raw);
            assert_eq!(get(PropId::RawMsg), raw, "the tag is not part of the frame");
            // mmanon replaces msg: the appended tag stays.
            let tag = get(PropId::SyslogTag);
            let mut m = m;
            m.replace_msg(b"<189>anonymised");
            let mut b = PropBuf::new();
            assert_eq!(prop::get(&m, PropId::SyslogTag, &mut b), tag.as_bytes());
            assert_eq!(prop::get(&m, PropId::Msg, &mut b), b"<189>anonymised");
            assert_eq!(prop::get(&m, PropId::RawMsg, &mut b), b"<189>anonymised");
        }
        let bad = crate::config::load_str("pmnull", &conf(" syslogfacility=\"nosuch\""));
        assert!(bad.is_err());
    }

    #[test]
    fn repairs() {
        let b = b"Oct 11 22:14:15 fw01 : %ASA-6-302013: Built outbound TCP";
        let cuts = cisco_names(b).unwrap();
        let mut out = b.to_vec();
        out.drain(cuts[0].clone());
        assert_eq!(
            &out[..],
            &b"Oct 11 22:14:15 fw01 %ASA-6-302013: Built outbound TCP"[..]
        );
        assert!(cisco_names(b"Oct 11 22:14:15 fw01 sshd: ok").is_none());
        let b = b"Oct 11 22:14:15 Message forwarded from aix1: syslogd: restart";
        let mut out = b.to_vec();
        for c in aix_forwarded_from(b).unwrap().into_iter().rev() {
            out.drain(c);
        }
        assert_eq!(&out[..], &b"Oct 11 22:14:15 aix1 syslogd: restart"[..]);
        assert!(aix_forwarded_from(b"Oct 11 22:14:15 host tag: nothing to repair").is_none());
    }
}
