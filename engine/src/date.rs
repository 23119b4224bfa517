//! The date formats of rsyslog's property replacer (`date-rfc3339`,
//! `date-mysql`, `date-year`, …) and of list templates' `dateFormat`.
//!
//! In: a [`Timestamp`] and a [`DateFormat`]. Out: bytes appended to the
//! caller's buffer, with no allocation beyond the buffer's growth.
//!
//! [`Cache`] keeps the last whole-second rendering of the long formats: the
//! messages of a batch mostly share their second, so a renderer writes a
//! timestamp by copying it, not by formatting a dozen fields each time.

use crate::msg::timestamp::OffsetMode;
use crate::msg::Timestamp;

/// One way of writing a timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateFormat {
    /// `Oct  1 22:14:15` (day padded with a space).
    Rfc3164,
    /// `Oct 01 22:14:15` (`date-rfc3164-buggyday`).
    Rfc3164BuggyDay,
    /// `2003-10-11T22:14:15.003Z` with the precision as received.
    Rfc3339,
    /// `20031011221415`
    Mysql,
    /// `2003-10-11 22:14:15`
    Pgsql,
    /// The fraction digits, `0` when there are none.
    Subseconds,
    /// Seconds since the epoch.
    UnixTimestamp,
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    /// `+` or `-`.
    TzOffsDir,
    TzOffsHour,
    TzOffsMin,
    /// 0 = Sunday.
    Wday,
    /// `Sun` … `Sat`.
    WdayText,
    /// Day of the year, three digits, `001` = 1 January.
    Ordinal,
    /// Week of the year as rsyslog counts it, two digits.
    Week,
    /// ISO 8601 week number, two digits.
    IsoWeek,
    /// ISO 8601 week-numbering year.
    IsoWeekYear,
}

impl DateFormat {
    /// The format for a replacer option name (`date-rfc3339`), if it is one.
    pub fn from_option(name: &str) -> Option<DateFormat> {
        Some(match name {
            "date-rfc3164" => DateFormat::Rfc3164,
            "date-rfc3164-buggyday" => DateFormat::Rfc3164BuggyDay,
            "date-rfc3339" => DateFormat::Rfc3339,
            "date-mysql" => DateFormat::Mysql,
            "date-pgsql" => DateFormat::Pgsql,
            "date-subseconds" => DateFormat::Subseconds,
            "date-unixtimestamp" => DateFormat::UnixTimestamp,
            "date-year" => DateFormat::Year,
            "date-month" => DateFormat::Month,
            "date-day" => DateFormat::Day,
            "date-hour" => DateFormat::Hour,
            "date-minute" => DateFormat::Minute,
            "date-second" => DateFormat::Second,
            "date-tzoffsdirection" | "date-tzoffsdir" => DateFormat::TzOffsDir,
            "date-tzoffshour" => DateFormat::TzOffsHour,
            "date-tzoffsmin" => DateFormat::TzOffsMin,
            "date-wday" => DateFormat::Wday,
            "date-wdayname" | "date-wday-text" | "date-wdaytext" => DateFormat::WdayText,
            "date-ordinal" => DateFormat::Ordinal,
            "date-week" => DateFormat::Week,
            "date-iso-week" => DateFormat::IsoWeek,
            "date-iso-week-year" => DateFormat::IsoWeekYear,
            _ => return None,
        })
    }

    /// The format for a list template's `dateFormat=` value.
    pub fn from_list_param(name: &str) -> Option<DateFormat> {
        match name {
            "rfc3164" => Some(DateFormat::Rfc3164),
            "rfc3339" => Some(DateFormat::Rfc3339),
            "mysql" => Some(DateFormat::Mysql),
            "pgsql" => Some(DateFormat::Pgsql),
            "unixtimestamp" => Some(DateFormat::UnixTimestamp),
            "subseconds" => Some(DateFormat::Subseconds),
            "rfc3164-buggyday" => Some(DateFormat::Rfc3164BuggyDay),
            "wdayname" => Some(DateFormat::WdayText),
            "wday" => Some(DateFormat::Wday),
            "year" => Some(DateFormat::Year),
            "month" => Some(DateFormat::Month),
            "day" => Some(DateFormat::Day),
            "hour" => Some(DateFormat::Hour),
            "minute" => Some(DateFormat::Minute),
            "second" => Some(DateFormat::Second),
            "tzoffshour" => Some(DateFormat::TzOffsHour),
            "tzoffsmin" => Some(DateFormat::TzOffsMin),
            "tzoffsdirection" => Some(DateFormat::TzOffsDir),
            "ordinal" => Some(DateFormat::Ordinal),
            "week" => Some(DateFormat::Week),
            _ => None,
        }
    }
}

/// Appends `t` in format `f` to `out`.
pub fn write(out: &mut Vec<u8>, t: &Timestamp, f: DateFormat) {
    match f {
        DateFormat::Rfc3164 | DateFormat::Rfc3164BuggyDay => {
            out.extend_from_slice(t.month_name());
            out.push(b' ');
            if f == DateFormat::Rfc3164 && t.day < 10 {
                out.push(b' ');
                digits(out, u64::from(t.day), 1);
            } else {
                digits(out, u64::from(t.day), 2);
            }
            out.push(b' ');
            time_of_day(out, t);
        }
        DateFormat::Rfc3339 => {
            rfc3339_seconds(out, t);
            secfrac(out, t);
            rfc3339_offset(out, t);
        }
        DateFormat::Mysql => {
            digits(out, u64::from(t.year), 4);
            for v in [t.month, t.day, t.hour, t.minute, t.second] {
                digits(out, u64::from(v), 2);
            }
        }
        DateFormat::Pgsql => {
            date_iso(out, t);
            out.push(b' ');
            time_of_day(out, t);
        }
        DateFormat::Subseconds => {
            if t.secfrac_precision > 0 {
                digits(out, u64::from(t.secfrac), usize::from(t.secfrac_precision));
            } else {
                out.push(b'0');
            }
        }
        DateFormat::UnixTimestamp => {
            // rsyslog prints an unsigned 32-bit value and 0 outside 1970..=2100.
            let s = if (1970..=2100).contains(&t.year) {
                t.unix_seconds().clamp(0, i64::from(u32::MAX)) as u64
            } else {
                0
            };
            digits(out, s, 1);
        }
        DateFormat::Year if !(1967..=2099).contains(&t.year) => {
            out.extend_from_slice(b"YEAR OUT OF RANGE(1967-2099)")
        }
        DateFormat::Year => digits(out, u64::from(t.year), 4),
        DateFormat::Month => digits(out, u64::from(t.month), 2),
        DateFormat::Day => digits(out, u64::from(t.day), 2),
        DateFormat::Hour => digits(out, u64::from(t.hour), 2),
        DateFormat::Minute => digits(out, u64::from(t.minute), 2),
        DateFormat::Second => digits(out, u64::from(t.second), 2),
        // rsyslog writes `-` for a `Z` stamp.
        DateFormat::TzOffsDir => out.push(if t.offset_mode == OffsetMode::Plus {
            b'+'
        } else {
            b'-'
        }),
        DateFormat::TzOffsHour => digits(out, u64::from(t.offset_hour), 2),
        DateFormat::TzOffsMin => digits(out, u64::from(t.offset_minute), 2),
        DateFormat::Wday => digits(out, u64::from(t.weekday()), 1),
        DateFormat::WdayText => out.extend_from_slice(t.weekday_name().as_bytes()),
        DateFormat::Ordinal => match yday0(t) {
            // yday0 is at least -1 (offsets are under a day): never negative here.
            Some(d) => digits(out, (d + 1).max(0) as u64, 3),
            None => out.extend_from_slice(b"001"),
        },
        DateFormat::Week => {
            let yday = yday0(t).unwrap_or(0);
            let jan1 = Timestamp {
                month: 1,
                day: 1,
                ..*t
            };
            let bump = u64::from(t.weekday() < jan1.weekday());
            digits(out, ((yday + 6).max(0) / 7) as u64 + bump, 2);
        }
        DateFormat::IsoWeek | DateFormat::IsoWeekYear => {
            if !(1970..=2099).contains(&t.year) {
                out.extend_from_slice(b"YEAR OUT OF RANGE(1970-2099)");
                return;
            }
            let (week, year) = iso_week(t);
            if f == DateFormat::IsoWeek {
                digits(out, u64::from(week), 2);
            } else {
                digits(out, u64::from(year), 4);
            }
        }
    }
}

/// Day of the year, 0-based, as rsyslog's `getOrdinal` computes it,
/// including its sign slip for positive UTC offsets (local times in the
/// first `2 × offset` seconds of a day count as the day before), so that
/// `date-ordinal` and `date-week` agree with rsyslog byte for byte.
fn yday0(t: &Timestamp) -> Option<i64> {
    if !(1970..=2100).contains(&t.year) {
        return None;
    }
    let utc_wall = Timestamp {
        offset_mode: OffsetMode::Plus,
        offset_hour: 0,
        offset_minute: 0,
        ..*t
    };
    let w = utc_wall.unix_seconds();
    let y0 = Timestamp {
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        ..utc_wall
    }
    .unix_seconds();
    let o = i64::from(t.offset_seconds());
    Some(if t.offset_mode == OffsetMode::Plus {
        (w - y0 - 2 * o + 2) / 86400
    } else {
        (w - y0 + 1) / 86400
    })
}

/// ISO 8601 week and week-numbering year, from rsyslog's day of the year.
fn iso_week(t: &Timestamp) -> (u8, u16) {
    let yday = yday0(t).unwrap_or(0);
    let dow = match t.weekday() {
        0 => 7,
        d => i64::from(d),
    };
    let w = (10 + (yday + 1) - dow) / 7;
    let weeks_in = |y: u16| {
        let dec28 = Timestamp {
            year: y,
            month: 12,
            day: 28,
            ..*t
        };
        let d = dec28.date_ok().map(|d| d.iso_week()).unwrap_or(52);
        i64::from(d)
    };
    if w == 0 {
        (weeks_in(t.year - 1) as u8, t.year - 1)
    } else if w > weeks_in(t.year) {
        (1, t.year + 1)
    } else {
        (w as u8, t.year)
    }
}

/// The last whole-second rendering of one of the long formats
/// (`date-rfc3164`, `date-rfc3339`, `date-mysql`, `date-pgsql`): what
/// stands before the fraction of a second and what stands after it. Owned
/// by one renderer; its two buffers are allocated on first use only.
#[derive(Debug, Default, Clone)]
pub struct Cache {
    /// The timestamp less its fraction, and the format, of `head`/`tail`.
    key: Option<(Timestamp, DateFormat)>,
    head: Vec<u8>,
    tail: Vec<u8>,
}

impl Cache {
    /// Appends `t` in format `f` to `out`, as [`write`] does.
    pub fn write(&mut self, out: &mut Vec<u8>, t: &Timestamp, f: DateFormat) {
        let cached = matches!(
            f,
            DateFormat::Rfc3164
                | DateFormat::Rfc3164BuggyDay
                | DateFormat::Rfc3339
                | DateFormat::Mysql
                | DateFormat::Pgsql
        );
        if !cached {
            return write(out, t, f);
        }
        let key = Timestamp {
            secfrac: 0,
            secfrac_precision: 0,
            ..*t
        };
        if self.key != Some((key, f)) {
            self.fill(&key, f);
        }
        out.extend_from_slice(&self.head);
        // Of these formats, only RFC 3339 writes the fraction.
        if f == DateFormat::Rfc3339 {
            secfrac(out, t);
        }
        out.extend_from_slice(&self.tail);
    }

    fn fill(&mut self, key: &Timestamp, f: DateFormat) {
        self.head.clear();
        self.tail.clear();
        match f {
            DateFormat::Rfc3339 => {
                rfc3339_seconds(&mut self.head, key);
                rfc3339_offset(&mut self.tail, key);
            }
            _ => write(&mut self.head, key, f),
        }
        self.key = Some((*key, f));
    }
}

/// `yyyy-mm-ddThh:mm:ss`
fn rfc3339_seconds(out: &mut Vec<u8>, t: &Timestamp) {
    date_iso(out, t);
    out.push(b'T');
    time_of_day(out, t);
}

/// `.` and the fraction's digits as written, if it has any.
fn secfrac(out: &mut Vec<u8>, t: &Timestamp) {
    if t.secfrac_precision > 0 {
        out.push(b'.');
        digits(out, u64::from(t.secfrac), usize::from(t.secfrac_precision));
    }
}

/// `Z`, or `+hh:mm` / `-hh:mm`.
fn rfc3339_offset(out: &mut Vec<u8>, t: &Timestamp) {
    match t.offset_mode {
        OffsetMode::Zulu => out.push(b'Z'),
        mode => {
            out.push(if mode == OffsetMode::Minus {
                b'-'
            } else {
                b'+'
            });
            digits(out, u64::from(t.offset_hour), 2);
            out.push(b':');
            digits(out, u64::from(t.offset_minute), 2);
        }
    }
}

fn date_iso(out: &mut Vec<u8>, t: &Timestamp) {
    digits(out, u64::from(t.year), 4);
    out.push(b'-');
    digits(out, u64::from(t.month), 2);
    out.push(b'-');
    digits(out, u64::from(t.day), 2);
}

fn time_of_day(out: &mut Vec<u8>, t: &Timestamp) {
    digits(out, u64::from(t.hour), 2);
    out.push(b':');
    digits(out, u64::from(t.minute), 2);
    out.push(b':');
    digits(out, u64::from(t.second), 2);
}

/// Appends `v` in decimal, zero-padded to at least `width` digits.
pub(crate) fn digits(out: &mut Vec<u8>, mut v: u64, width: usize) {
    // The common cases of date fields, without a loop.
    if width == 2 && v < 100 {
        out.extend_from_slice(&[b'0' + (v / 10) as u8, b'0' + (v % 10) as u8]);
        return;
    }
    if width == 4 && v < 10_000 {
        let v = v as u16;
        out.extend_from_slice(&[
            b'0' + (v / 1000) as u8,
            b'0' + (v / 100 % 10) as u8,
            b'0' + (v / 10 % 10) as u8,
            b'0' + (v % 10) as u8,
        ]);
        return;
    }
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let start = i.min(buf.len().saturating_sub(width));
    out.extend_from_slice(&buf[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msg::timestamp::parse_rfc3339;

    fn fmt(s: &[u8], f: DateFormat) -> String {
        let (t, _) = parse_rfc3339(s).unwrap();
        let mut out = Vec::new();
        write(&mut out, &t, f);
        String::from_utf8(out).unwrap()
    }

    /// The cache writes what `write` writes, for every format, through
    /// runs of one second with other fractions, and changes of second,
    /// offset and format.
    #[test]
    fn cache_writes_what_write_writes() {
        let stamps: [&[u8]; 8] = [
            b"2026-11-23T01:02:03Z",
            b"2026-11-23T01:02:03.5Z",
            b"2026-11-23T01:02:03.123456Z",
            b"2026-11-23T01:02:03.123456+05:30",
            b"2026-11-23T01:02:03.000001-08:00",
            b"2026-11-23T01:02:04.000001-08:00",
            b"2026-01-01T00:00:00.25+00:00",
            b"1999-12-31T23:59:60.999Z",
        ];
        let formats = [
            "date-rfc3164",
            "date-rfc3164-buggyday",
            "date-rfc3339",
            "date-mysql",
            "date-pgsql",
            "date-subseconds",
            "date-unixtimestamp",
            "date-year",
            "date-tzoffsdir",
            "date-ordinal",
        ];
        let mut cache = Cache::default();
        for f in formats {
            let f = DateFormat::from_option(f).unwrap();
            for _ in 0..2 {
                for s in stamps {
                    let (t, _) = parse_rfc3339(s).unwrap();
                    let (mut want, mut got) = (Vec::new(), b"x".to_vec());
                    write(&mut want, &t, f);
                    cache.write(&mut got, &t, f);
                    assert_eq!(
                        &got[1..],
                        &want[..],
                        "{f:?} of {}",
                        String::from_utf8_lossy(s)
                    );
                }
            }
        }
    }

    #[test]
    fn formats() {
        let s = b"2026-03-05T07:08:09.123456+01:00";
        assert_eq!(fmt(s, DateFormat::Rfc3164), "Mar  5 07:08:09");
        assert_eq!(fmt(s, DateFormat::Rfc3164BuggyDay), "Mar 05 07:08:09");
        assert_eq!(
            fmt(s, DateFormat::Rfc3339),
            "2026-03-05T07:08:09.123456+01:00"
        );
        assert_eq!(
            fmt(b"2003-10-11T22:14:15.003Z", DateFormat::Rfc3339),
            "2003-10-11T22:14:15.003Z"
        );
        assert_eq!(fmt(s, DateFormat::Mysql), "20260305070809");
        assert_eq!(fmt(s, DateFormat::Pgsql), "2026-03-05 07:08:09");
        assert_eq!(fmt(s, DateFormat::Subseconds), "123456");
        assert_eq!(fmt(s, DateFormat::UnixTimestamp), "1772690889");
        assert_eq!(fmt(s, DateFormat::WdayText), "Thu");
        assert_eq!(fmt(s, DateFormat::Ordinal), "064");
        assert_eq!(fmt(s, DateFormat::Week), "09");
        assert_eq!(fmt(s, DateFormat::IsoWeek), "10");
        assert_eq!(fmt(s, DateFormat::IsoWeekYear), "2026");
        assert_eq!(fmt(s, DateFormat::TzOffsDir), "+");
        assert_eq!(fmt(b"2003-10-11T22:14:15Z", DateFormat::TzOffsDir), "-");
    }
}
