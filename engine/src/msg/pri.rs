//! PRI: the `<N>` that opens a syslog message, and the names rsyslog gives
//! its facility and severity.
//!
//! In: the first bytes of a message. Out: the priority and how many bytes
//! it took; a missing PRI means rsyslog's default, 13 = user.notice; a
//! malformed or out-of-range one (`<192>`, `<a>`) is rsyslog's "invalid"
//! priority, shown as `invld`, and the message is then left unparsed.

/// Priority used when a message has no PRI: user.notice.
pub const PRI_DEFAULT: u16 = 13;
/// rsyslog's marker for an invalid priority (facility 24 is `invld`).
pub const PRI_INVALID: u16 = 24 << 3 | 7;

pub const FACILITY_NAMES: [&str; 25] = [
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv",
    "ftp", "ntp", "audit", "alert", "clock", "local0", "local1", "local2", "local3", "local4",
    "local5", "local6", "local7", "invld",
];

pub const SEVERITY_NAMES: [&str; 8] = [
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
];

/// What stands at the start of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pri {
    /// `<N>` with 1 to 3 digits and N ≤ 191; `len` bytes long.
    Valid { pri: u16, len: usize },
    /// No `<` at all: rsyslog assumes user.notice (13).
    Missing,
    /// A `<` that does not open a valid PRI (`<192>`, `<13`, `<a>`):
    /// rsyslog's "invalid" priority, and nothing is parsed.
    Invalid,
}

/// Reads the PRI as rsyslog's `parserParsePRI` does.
pub fn parse_pri(b: &[u8]) -> Pri {
    if b.first() != Some(&b'<') {
        return Pri::Missing;
    }
    let digits = b[1..]
        .iter()
        .take(4)
        .take_while(|c| c.is_ascii_digit())
        .count();
    // rsyslog 8.2302 (Debian 12) reads `<>` as priority 0 and parses on.
    if digits == 0 && b.get(1) == Some(&b'>') {
        return Pri::Valid { pri: 0, len: 2 };
    }
    if (1..=3).contains(&digits) && b.get(1 + digits) == Some(&b'>') {
        let v = b[1..1 + digits]
            .iter()
            .fold(0u16, |v, &d| v * 10 + u16::from(d - b'0'));
        if v <= 191 {
            return Pri::Valid {
                pri: v,
                len: digits + 2,
            };
        }
    }
    Pri::Invalid
}

/// Where `rawmsg-after-pri` starts: rsyslog looks for `>` at index 2, 3
/// or 4 after a leading `<`, without checking what lies between.
pub fn after_pri_offset(b: &[u8]) -> usize {
    if b.first() != Some(&b'<') {
        return 0;
    }
    (2..=4)
        .find(|&i| b.get(i) == Some(&b'>'))
        .map_or(0, |i| i + 1)
}

/// Facility number of a priority (24 = invalid).
#[inline]
pub fn facility(pri: u16) -> u16 {
    (pri >> 3).min(24)
}

/// Severity number of a priority.
#[inline]
pub fn severity(pri: u16) -> u16 {
    pri & 7
}

/// rsyslog's facility name (`local0`, `authpriv`, …; `invld` past 23).
pub fn facility_name(pri: u16) -> &'static str {
    FACILITY_NAMES[usize::from(facility(pri))]
}

/// rsyslog's severity name (`emerg` … `debug`).
pub fn severity_name(pri: u16) -> &'static str {
    SEVERITY_NAMES[usize::from(severity(pri))]
}

/// Facility number for a name as written in selectors (`mail`, `local7`,
/// `security` = auth), case-insensitive.
pub fn facility_from_name(name: &str) -> Option<u16> {
    let n = name.to_ascii_lowercase();
    let alias = match n.as_str() {
        "security" => "auth",
        "mark" => return Some(24),
        other => other,
    };
    FACILITY_NAMES[..24]
        .iter()
        .position(|f| *f == alias)
        .map(|p| p as u16)
}

/// Severity number for a name as written in selectors (`warn`, `error`,
/// `panic` are the old aliases), case-insensitive.
pub fn severity_from_name(name: &str) -> Option<u16> {
    let n = name.to_ascii_lowercase();
    let alias = match n.as_str() {
        "warn" => "warning",
        "error" => "err",
        "panic" => "emerg",
        other => other,
    };
    SEVERITY_NAMES
        .iter()
        .position(|s| *s == alias)
        .map(|p| p as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pri_forms() {
        assert_eq!(parse_pri(b"<13>x"), Pri::Valid { pri: 13, len: 4 });
        assert_eq!(parse_pri(b"<0>"), Pri::Valid { pri: 0, len: 3 });
        assert_eq!(parse_pri(b"<013>"), Pri::Valid { pri: 13, len: 5 });
        assert_eq!(parse_pri(b"<191>"), Pri::Valid { pri: 191, len: 5 });
        for bad in [&b"<192>"[..], b"<1234>", b"<13", b"<", b"<a>"] {
            assert_eq!(parse_pri(bad), Pri::Invalid);
        }
        assert_eq!(parse_pri(b"<>x"), Pri::Valid { pri: 0, len: 2 });
        assert_eq!(parse_pri(b"13>"), Pri::Missing);
        assert_eq!(after_pri_offset(b"<999>foo"), 5);
        assert_eq!(after_pri_offset(b"<a>b"), 3);
        assert_eq!(after_pri_offset(b"foo"), 0);
    }

    #[test]
    fn names() {
        assert_eq!(facility_name(165), "local4");
        assert_eq!(severity_name(165), "notice");
        assert_eq!(facility_name(PRI_INVALID), "invld");
        assert_eq!(facility_from_name("LOCAL7"), Some(23));
        assert_eq!(severity_from_name("warn"), Some(4));
    }
}
