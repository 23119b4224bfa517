//! Properties by rsyslog's names, and reading them from a message.
//!
//! In: a property name as written in a template or filter (`msg`,
//! `syslogfacility-text`, `$now`, `$!user`, case-insensitive), resolved once
//! to a [`PropId`]; then, per message, a [`Message`] and the batch's [`Env`].
//! Out: the property's bytes. Most are slices of the message; the few that
//! rsyslog composes (numbers, names, the RFC 5424 `syslogtag`, formatted
//! times) are written into a caller-owned scratch buffer that is reused, so
//! reading a property never allocates once the scratch has grown.

use std::io::Write;
use std::sync::Arc;

use bytes::Bytes;

use crate::msg::json::{Json, Path, Style};
use crate::msg::pri::{self, PRI_INVALID};
use crate::msg::vars::VarScope;
use crate::msg::{Format, Message, Timestamp};
use crate::rule::globals::Globals;

/// Every property the engine knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PropId {
    Msg,
    RawMsg,
    RawMsgAfterPri,
    Hostname,
    FromHost,
    FromHostIp,
    SyslogTag,
    ProgramName,
    Pri,
    PriText,
    Iut,
    SyslogFacility,
    SyslogFacilityText,
    SyslogSeverity,
    SyslogSeverityText,
    TimeReported,
    TimeGenerated,
    ProtocolVersion,
    StructuredData,
    AppName,
    ProcId,
    MsgId,
    InputName,
    /// `$now`: the current date, `YYYY-MM-DD` (local time).
    Now,
    Year,
    Month,
    Day,
    Hour,
    Minute,
    /// `$qhour`: the quarter hour, 0..=3.
    QHour,
    /// `$hhour`: the half hour, 0..=1.
    HHour,
    /// `$now-utc` and friends: the same in UTC.
    NowUtc,
    YearUtc,
    MonthUtc,
    DayUtc,
    HourUtc,
    MinuteUtc,
    QHourUtc,
    HHourUtc,
    /// `$now-unixtimestamp`.
    NowUnix,
    MyHostname,
    /// `$!name`, `$.name` or `$/name`; the path travels beside the id.
    Var(VarScope),
    /// `$parsesuccess`: `OK` once mmjsonparse read the message, else `FAIL`.
    ParseSuccess,
    /// `$!all-json`: the whole `$!` tree, spaced (`{}` when empty).
    AllJson,
    /// `$!all-json-plain`: the same without spaces.
    AllJsonPlain,
}

/// Names, in rsyslog's spelling, with their aliases.
const NAMES: &[(&str, PropId)] = &[
    ("msg", PropId::Msg),
    ("rawmsg", PropId::RawMsg),
    ("rawmsg-after-pri", PropId::RawMsgAfterPri),
    ("hostname", PropId::Hostname),
    ("source", PropId::Hostname),
    ("fromhost", PropId::FromHost),
    ("fromhost-ip", PropId::FromHostIp),
    ("syslogtag", PropId::SyslogTag),
    ("programname", PropId::ProgramName),
    ("pri", PropId::Pri),
    ("pri-text", PropId::PriText),
    ("iut", PropId::Iut),
    ("syslogfacility", PropId::SyslogFacility),
    ("syslogfacility-text", PropId::SyslogFacilityText),
    ("syslogseverity", PropId::SyslogSeverity),
    ("syslogseverity-text", PropId::SyslogSeverityText),
    ("syslogpriority", PropId::SyslogSeverity),
    ("syslogpriority-text", PropId::SyslogSeverityText),
    ("timereported", PropId::TimeReported),
    ("timestamp", PropId::TimeReported),
    ("timegenerated", PropId::TimeGenerated),
    ("protocol-version", PropId::ProtocolVersion),
    ("structured-data", PropId::StructuredData),
    ("app-name", PropId::AppName),
    ("procid", PropId::ProcId),
    ("msgid", PropId::MsgId),
    ("inputname", PropId::InputName),
    ("$now", PropId::Now),
    ("$year", PropId::Year),
    ("$month", PropId::Month),
    ("$day", PropId::Day),
    ("$hour", PropId::Hour),
    ("$minute", PropId::Minute),
    ("$qhour", PropId::QHour),
    ("$hhour", PropId::HHour),
    ("$now-utc", PropId::NowUtc),
    ("$year-utc", PropId::YearUtc),
    ("$month-utc", PropId::MonthUtc),
    ("$day-utc", PropId::DayUtc),
    ("$hour-utc", PropId::HourUtc),
    ("$minute-utc", PropId::MinuteUtc),
    ("$qhour-utc", PropId::QHourUtc),
    ("$hhour-utc", PropId::HHourUtc),
    ("$now-unixtimestamp", PropId::NowUnix),
    ("$myhostname", PropId::MyHostname),
    ("parsesuccess", PropId::ParseSuccess),
];

/// A resolved property reference: the id, and for variables their name
/// and path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropRef {
    pub id: PropId,
    /// The name after `$!`, `$.` or `$/`, as written.
    pub var_name: Box<str>,
    pub path: Path,
}

impl PropRef {
    /// Resolves a name as written (`msg`, `$!user`, `$.count`, `$$now` is
    /// not a thing: system properties are written `$now`).
    pub fn parse(name: &str) -> Result<PropRef, UnknownProperty> {
        if name.eq_ignore_ascii_case("$!all-json") {
            return Ok(PropRef::of(PropId::AllJson));
        }
        if name.eq_ignore_ascii_case("$!all-json-plain") {
            return Ok(PropRef::of(PropId::AllJsonPlain));
        }
        for (prefix, scope) in [
            ("$!", VarScope::Message),
            ("$/", VarScope::Global),
            ("$.", VarScope::Local),
        ] {
            if let Some(rest) = name.strip_prefix(prefix) {
                return Ok(PropRef {
                    id: PropId::Var(scope),
                    var_name: rest.into(),
                    path: Path::parse(rest),
                });
            }
        }
        let lower = name.to_ascii_lowercase();
        NAMES
            .iter()
            .find(|(n, _)| *n == lower)
            .map(|&(_, id)| PropRef::of(id))
            .ok_or_else(|| UnknownProperty {
                name: name.into(),
                suggestion: suggest(&lower),
            })
    }

    /// A plain (non-variable) property.
    pub fn of(id: PropId) -> PropRef {
        PropRef {
            id,
            var_name: "".into(),
            path: Path::default(),
        }
    }
}

/// A property name no one knows, with the closest known name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownProperty {
    pub name: String,
    pub suggestion: Option<&'static str>,
}

impl std::fmt::Display for UnknownProperty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown property '{}'", self.name)?;
        if let Some(s) = self.suggestion {
            write!(f, " (did you mean '{s}'?)")?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownProperty {}

/// The closest known name by edit distance, if it is close enough.
fn suggest(name: &str) -> Option<&'static str> {
    NAMES
        .iter()
        .map(|(n, _)| (edit_distance(name, n), *n))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// What a batch shares: the current time and this host's name. Computed
/// once per batch by the caller, so properties never read the clock.
#[derive(Debug, Clone)]
pub struct Env {
    pub now: Timestamp,
    pub now_utc: Timestamp,
    pub myhostname: Bytes,
    /// The configuration's global variables (`$/`), shared by every core.
    pub globals: Arc<Globals>,
}

impl Env {
    /// An environment with global variables of its own (tests, tools).
    pub fn new(now: Timestamp, myhostname: &str) -> Env {
        Env::with_globals(now, myhostname, Arc::default())
    }

    /// An environment sharing `globals` with every other of its plan.
    pub fn with_globals(now: Timestamp, myhostname: &str, globals: Arc<Globals>) -> Env {
        Env {
            now,
            now_utc: now.to_utc(),
            myhostname: Bytes::copy_from_slice(myhostname.as_bytes()),
            globals,
        }
    }
}

/// A reusable scratch buffer for composed property values.
pub type PropBuf = Vec<u8>;

/// The timestamp behind a time property, for the date options.
pub fn time<'a>(m: &'a Message, id: PropId, env: &'a Env) -> Option<&'a Timestamp> {
    match id {
        PropId::TimeReported => Some(&m.time_reported),
        PropId::TimeGenerated => Some(&m.time_generated),
        PropId::Now => Some(&env.now),
        PropId::NowUtc => Some(&env.now_utc),
        _ => None,
    }
}

/// A property that is a plain slice of the message (`msg`, `hostname`,
/// `fromhost-ip`, …), borrowed; `None` for those that are composed.
pub fn slice<'a>(m: &'a Message, p: &PropRef) -> Option<&'a [u8]> {
    Some(match p.id {
        PropId::Msg => m.slice(m.msg),
        PropId::RawMsg => m.raw(),
        PropId::RawMsgAfterPri => m.slice(m.after_pri),
        PropId::Hostname => m.hostname(),
        PropId::FromHost => &m.origin.fromhost,
        PropId::FromHostIp => &m.origin.fromhost_ip,
        PropId::InputName => &m.origin.inputname,
        _ => return None,
    })
}

/// Reads a property that needs no environment (tests, filters on message
/// fields). System properties read as empty.
pub fn get<'a>(m: &'a Message, id: PropId, scratch: &'a mut PropBuf) -> &'a [u8] {
    get_with(m, &PropRef::of(id), None, scratch)
}

/// Reads a property. Times read in their default format (RFC 3164 for
/// `timereported`/`timegenerated`); the replacer formats them otherwise.
pub fn get_with<'a>(
    m: &'a Message,
    p: &PropRef,
    env: Option<&'a Env>,
    scratch: &'a mut PropBuf,
) -> &'a [u8] {
    scratch.clear();
    // An unset field reads as rsyslog's NILVALUE.
    let nil = |span: crate::msg::Span| -> &'a [u8] {
        if span.is_unset() {
            b"-"
        } else {
            m.slice(span)
        }
    };
    if let Some(s) = slice(m, p) {
        return s;
    }
    match p.id {
        PropId::SyslogTag => match m.format {
            // rsyslog composes the tag of an RFC 5424 message:
            // APP-NAME, then `[PROCID]` unless PROCID is the NILVALUE.
            Format::Rfc5424 if !m.app_name.is_unset() => {
                let app = m.slice(m.app_name);
                scratch.extend_from_slice(if app.is_empty() { b"-" } else { app });
                let procid = nil(m.procid);
                if procid != b"-" {
                    scratch.push(b'[');
                    scratch.extend_from_slice(procid);
                    scratch.push(b']');
                }
                scratch
            }
            _ => m.slice(m.tag),
        },
        PropId::ProgramName => match m.format {
            Format::Rfc5424 if !m.app_name.is_unset() && m.app_name.is_empty() => b"-",
            _ => m.slice(m.programname),
        },
        PropId::AppName => match m.format {
            // A 5424 header that could not be read leaves APP-NAME empty.
            Format::Rfc5424 if m.app_name.is_unset() => b"",
            _ if m.app_name.is_empty() || m.app_name.is_unset() => b"-",
            _ => m.slice(m.app_name),
        },
        PropId::ProcId => nil(m.procid),
        PropId::MsgId => nil(m.msgid),
        PropId::StructuredData => nil(m.structured_data),
        PropId::Pri => {
            if m.pri == PRI_INVALID {
                b"invld"
            } else {
                number(scratch, u64::from(m.pri))
            }
        }
        PropId::PriText => {
            scratch.extend_from_slice(pri::facility_name(m.pri).as_bytes());
            scratch.push(b'.');
            scratch.extend_from_slice(pri::severity_name(m.pri).as_bytes());
            scratch
        }
        PropId::Iut => b"1",
        PropId::SyslogFacility => {
            if m.pri == PRI_INVALID {
                b"invld"
            } else {
                number(scratch, u64::from(m.facility()))
            }
        }
        PropId::SyslogFacilityText => pri::facility_name(m.pri).as_bytes(),
        PropId::SyslogSeverity => number(scratch, u64::from(m.severity())),
        PropId::SyslogSeverityText => pri::severity_name(m.pri).as_bytes(),
        PropId::ProtocolVersion => match m.format {
            Format::Rfc5424 => b"1",
            _ => b"0",
        },
        PropId::TimeReported => rfc3164(scratch, &m.time_reported),
        PropId::TimeGenerated => rfc3164(scratch, &m.time_generated),
        PropId::Var(VarScope::Global) => match env {
            Some(env) => {
                match env.globals.get(&p.path) {
                    Some(Json::Str(s)) => scratch.extend_from_slice(&s),
                    Some(Json::Null) | None => {}
                    Some(other) => other.render(scratch, Style::Spaced),
                }
                scratch
            }
            None => b"",
        },
        PropId::Var(scope) => match m.vars.as_deref().and_then(|v| v.get(scope, &p.path)) {
            Some(Json::Str(s)) => s,
            // rsyslog's `json_object_get_string`: null reads as empty.
            Some(Json::Null) | None => b"",
            Some(other) => {
                other.render(scratch, Style::Spaced);
                scratch
            }
        },
        PropId::ParseSuccess => {
            if m.vars.as_deref().is_some_and(|v| v.parse_success) {
                b"OK"
            } else {
                b"FAIL"
            }
        }
        PropId::AllJson | PropId::AllJsonPlain => {
            match m.vars.as_deref().and_then(|v| v.message.as_ref()) {
                Some(tree) => tree.render(
                    scratch,
                    if p.id == PropId::AllJson {
                        Style::Spaced
                    } else {
                        Style::Plain
                    },
                ),
                None => scratch.extend_from_slice(b"{}"),
            }
            scratch
        }
        sys => match env {
            Some(env) => system(sys, env, scratch),
            None => b"",
        },
    }
}

fn system<'a>(id: PropId, env: &'a Env, scratch: &'a mut PropBuf) -> &'a [u8] {
    let (t, id) = match id {
        PropId::NowUtc => (&env.now_utc, PropId::Now),
        PropId::YearUtc => (&env.now_utc, PropId::Year),
        PropId::MonthUtc => (&env.now_utc, PropId::Month),
        PropId::DayUtc => (&env.now_utc, PropId::Day),
        PropId::HourUtc => (&env.now_utc, PropId::Hour),
        PropId::MinuteUtc => (&env.now_utc, PropId::Minute),
        PropId::QHourUtc => (&env.now_utc, PropId::QHour),
        PropId::HHourUtc => (&env.now_utc, PropId::HHour),
        other => (&env.now, other),
    };
    // Writing into a Vec cannot fail.
    let _ = match id {
        PropId::Now => write!(scratch, "{:04}-{:02}-{:02}", t.year, t.month, t.day),
        PropId::Year => write!(scratch, "{:04}", t.year),
        PropId::Month => write!(scratch, "{:02}", t.month),
        PropId::Day => write!(scratch, "{:02}", t.day),
        PropId::Hour => write!(scratch, "{:02}", t.hour),
        PropId::Minute => write!(scratch, "{:02}", t.minute),
        PropId::QHour => write!(scratch, "{:02}", t.minute / 15),
        PropId::HHour => write!(scratch, "{:02}", t.minute / 30),
        PropId::NowUnix => write!(scratch, "{}", env.now.unix_seconds()),
        PropId::MyHostname => return &env.myhostname,
        _ => Ok(()),
    };
    scratch
}

fn number(scratch: &mut PropBuf, v: u64) -> &[u8] {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut v = v;
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    scratch.extend_from_slice(&digits[i..]);
    scratch
}

/// `Mmm dd hh:mm:ss`, the day padded with a space: rsyslog's default
/// rendering of `timereported`.
pub(crate) fn rfc3164<'a>(out: &'a mut PropBuf, t: &Timestamp) -> &'a [u8] {
    crate::date::write(out, t, crate::date::DateFormat::Rfc3164);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_with_aliases() {
        assert_eq!(PropRef::parse("MSG").unwrap().id, PropId::Msg);
        assert_eq!(PropRef::parse("source").unwrap().id, PropId::Hostname);
        assert_eq!(
            PropRef::parse("syslogpriority-text").unwrap().id,
            PropId::SyslogSeverityText
        );
        let v = PropRef::parse("$!user").unwrap();
        assert_eq!(v.id, PropId::Var(VarScope::Message));
        assert_eq!(&*v.var_name, "user");
        let e = PropRef::parse("hostnme").unwrap_err();
        assert_eq!(e.suggestion, Some("hostname"));
    }
}
