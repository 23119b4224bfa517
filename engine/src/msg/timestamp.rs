//! Syslog timestamps: parsing the forms found on the wire and formatting them
//! the ways rsyslog's property replacer does.
//!
//! In: the bytes at the timestamp position of a message (RFC 3339 as used by
//! RFC 5424, or the BSD `Mmm dd hh:mm:ss` of RFC 3164 with its variants), and
//! for BSD stamps the receiver's clock, which supplies the missing year and
//! UTC offset. Out: a [`Timestamp`] that keeps the fields as sent (including
//! the fraction's precision and a literal `Z`) so that re-formatting gives
//! back what the sender wrote, plus the number of bytes consumed.
//!
//! Guarantees: never reads past the slice, never panics, accepts only real
//! calendar values (the `time` crate checks dates), never reads the clock.

use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

/// How the UTC offset was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OffsetMode {
    /// `+hh:mm` (also used for BSD stamps, which carry no offset).
    #[default]
    Plus,
    /// `-hh:mm`
    Minus,
    /// A literal `Z`.
    Zulu,
}

/// A wall-clock time as it was written, with its offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timestamp {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    /// The fraction of a second as the digits were written, e.g. `.003` is 3.
    pub secfrac: u32,
    /// How many fraction digits were written (0 = none, at most 6).
    pub secfrac_precision: u8,
    pub offset_mode: OffsetMode,
    pub offset_hour: u8,
    pub offset_minute: u8,
}

/// Most fraction digits kept; rsyslog keeps microseconds.
pub const SECFRAC_DIGITS_MAX: u8 = 6;

const MONTH_NAMES: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];
const WEEKDAY_NAMES: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

impl Timestamp {
    /// Builds a timestamp from a `time` value and an offset (used for the
    /// receive time, `timegenerated`).
    pub fn from_offset_datetime(t: time::OffsetDateTime, secfrac_precision: u8) -> Timestamp {
        debug_assert!(secfrac_precision <= SECFRAC_DIGITS_MAX);
        let off = t.offset();
        let (oh, om, _) = off.as_hms();
        let divisor = 10u32.pow(9 - u32::from(secfrac_precision));
        Timestamp {
            year: t.year().clamp(0, 9999) as u16,
            month: u8::from(t.month()),
            day: t.day(),
            hour: t.hour(),
            minute: t.minute(),
            second: t.second(),
            secfrac: t.nanosecond() / divisor,
            secfrac_precision,
            offset_mode: if off.is_negative() {
                OffsetMode::Minus
            } else {
                OffsetMode::Plus
            },
            offset_hour: oh.unsigned_abs(),
            offset_minute: om.unsigned_abs(),
        }
    }

    /// The signed UTC offset in seconds.
    pub fn offset_seconds(&self) -> i32 {
        let s = i32::from(self.offset_hour) * 3600 + i32::from(self.offset_minute) * 60;
        match self.offset_mode {
            OffsetMode::Minus => -s,
            _ => s,
        }
    }

    /// The calendar date, if it is a real one.
    pub fn date_ok(&self) -> Option<Date> {
        self.date()
    }

    fn date(&self) -> Option<Date> {
        let month = Month::try_from(self.month).ok()?;
        Date::from_calendar_date(i32::from(self.year), month, self.day).ok()
    }

    /// Seconds since the Unix epoch (the offset applied), as
    /// `date-unixtimestamp`. A leap second (`:60`) counts as the next
    /// second, as rsyslog's arithmetic does.
    pub fn unix_seconds(&self) -> i64 {
        let Some(date) = self.date() else { return 0 };
        let Ok(time) = Time::from_hms(self.hour, self.minute, self.second.min(59)) else {
            return 0;
        };
        let Ok(off) = UtcOffset::from_whole_seconds(self.offset_seconds()) else {
            return 0;
        };
        let leap = i64::from(self.second.saturating_sub(59));
        PrimitiveDateTime::new(date, time)
            .assume_offset(off)
            .unix_timestamp()
            + leap
    }

    /// Day of the week, 0 = Sunday.
    pub fn weekday(&self) -> u8 {
        self.date()
            .map(|d| d.weekday().number_days_from_sunday())
            .unwrap_or(0)
    }

    /// Three-letter weekday name.
    pub fn weekday_name(&self) -> &'static str {
        WEEKDAY_NAMES[usize::from(self.weekday())]
    }

    /// Three-letter month name.
    pub fn month_name(&self) -> &'static [u8; 3] {
        MONTH_NAMES[usize::from(self.month.clamp(1, 12) - 1)]
    }

    /// The same instant shifted to UTC (for `date-utc` and `$now-utc`).
    pub fn to_utc(&self) -> Timestamp {
        if self.date().is_none() {
            return *self;
        }
        let Ok(utc) = time::OffsetDateTime::from_unix_timestamp(self.unix_seconds()) else {
            return *self;
        };
        Timestamp {
            year: utc.year().clamp(0, 9999) as u16,
            month: u8::from(utc.month()),
            day: utc.day(),
            hour: utc.hour(),
            minute: utc.minute(),
            second: utc.second(),
            offset_mode: OffsetMode::Plus,
            offset_hour: 0,
            offset_minute: 0,
            ..*self
        }
    }
}

/// Parses an RFC 3339 timestamp as rsyslog does (`ParseTIMESTAMP3339`):
/// `YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm)`, lenient about digit counts,
/// followed by one SP (consumed) or the end. Returns the timestamp and the
/// bytes consumed. More than six fraction digits are cut to microseconds.
pub fn parse_rfc3339(b: &[u8]) -> Option<(Timestamp, usize)> {
    let mut c = Cursor { b, i: 0 };
    let year = c.int();
    c.expect(b'-')?;
    let month = c.int();
    c.expect(b'-')?;
    let day = c.int();
    c.expect(b'T')?;
    let hour = c.int();
    c.expect(b':')?;
    let minute = c.int();
    c.expect(b':')?;
    let second = c.int();
    if year > 2099 || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let (secfrac, secfrac_precision) = c.fraction();
    let (offset_mode, offset_hour, offset_minute) = match c.peek()? {
        b'Z' => {
            c.i += 1;
            (OffsetMode::Zulu, 0, 0)
        }
        sign @ (b'+' | b'-') => {
            c.i += 1;
            let oh = c.int();
            c.expect(b':')?;
            let om = c.int();
            if oh > 23 || om > 59 {
                return None;
            }
            let mode = if sign == b'+' {
                OffsetMode::Plus
            } else {
                OffsetMode::Minus
            };
            (mode, oh as u8, om as u8)
        }
        _ => return None,
    };
    c.end_of_stamp()?;
    let ts = Timestamp {
        year: year as u16,
        month: month as u8,
        day: day as u8,
        hour: hour as u8,
        minute: minute as u8,
        second: second as u8,
        secfrac,
        secfrac_precision,
        offset_mode,
        offset_hour,
        offset_minute,
    };
    time_valid(&ts).then_some((ts, c.i))
}

/// Parses a BSD (RFC 3164) timestamp as rsyslog does (`ParseTIMESTAMP3164`):
/// `[yyyy ]Mmm [ ]d[d] [yyyy ]hh:mm:ss[.frac][:]` followed by one SP
/// (consumed) or the end. The month is case-insensitive; the day is checked
/// against 1..=31 only, as rsyslog does. Without a year in the stamp the
/// year is that of `now`, the receive time, and so is the UTC offset: the
/// stamp is the sender's local time, which rsyslog takes to be ours.
/// (rsyslog does not correct the year across New Year; neither do we, so
/// that both read the same stamp the same way.)
/// A year after the time is not detected: rsyslog's
/// `detect.yearAfterTimestamp` is off by default, and `2009` in
/// `Oct 11 22:14:15 2009 host` then reads as the hostname.
pub fn parse_rfc3164(b: &[u8], now: &Timestamp) -> Option<(Timestamp, usize)> {
    parse_rfc3164_zoned(b, now, None)
}

/// A zone name's UTC offset (`timezone(id= offset=)` objects): (mode,
/// hours, minutes), `None` for a name not defined.
pub type ZoneLookup<'a> = &'a dyn Fn(&[u8]) -> Option<(OffsetMode, u8, u8)>;

/// [`parse_rfc3164`], and, with `zones` (rsyslog's `bParseTZ`, which only
/// pmciscoios sets), a zone name after the time: `hh:mm:ss[.frac] NAME`
/// up to 15 bytes ending at `:` or SP. A defined name gives the time its
/// offset; an undefined one is read over and changes nothing; a SP with
/// no name after it is read over too. Only where at least three bytes
/// follow the time, as in rsyslog.
pub fn parse_rfc3164_zoned(
    b: &[u8],
    now: &Timestamp,
    zones: Option<ZoneLookup<'_>>,
) -> Option<(Timestamp, usize)> {
    /// rsyslog's `tzstring[16]`, NUL included.
    const ZONE_NAME_BYTES_MAX: usize = 15;
    if b.len() < 3 {
        return None;
    }
    let (mut c, Fields(year, month, day, hour, minute, second)) = match bsd_fixed(b) {
        Some(f) => (Cursor { b, i: 15 }, f),
        None => bsd_general(b)?,
    };
    if !(1..=31).contains(&day) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let (secfrac, secfrac_precision) = c.fraction();
    let mut zone = None;
    if let Some(lookup) = zones.filter(|_| b.len() - c.i > 2 && c.peek() == Some(b' ')) {
        c.i += 1;
        let name_len = b[c.i..]
            .iter()
            .take(ZONE_NAME_BYTES_MAX)
            .take_while(|&&x| x != b':' && x != b' ')
            .count();
        if name_len > 0 {
            zone = lookup(&b[c.i..c.i + name_len]);
        }
        c.i += name_len;
    }
    if c.peek() == Some(b':') {
        c.i += 1;
    }
    c.end_of_stamp()?;
    let (offset_mode, offset_hour, offset_minute) = zone.unwrap_or((
        if now.offset_mode == OffsetMode::Minus {
            OffsetMode::Minus
        } else {
            OffsetMode::Plus
        },
        now.offset_hour,
        now.offset_minute,
    ));
    let ts = Timestamp {
        year: year.map_or(now.year, |y| y as u16),
        month,
        day: day as u8,
        hour: hour as u8,
        minute: minute as u8,
        second: second as u8,
        secfrac,
        secfrac_precision,
        offset_mode,
        offset_hour,
        offset_minute,
    };
    Some((ts, c.i))
}

/// The month of a three-letter name in any case (`Oct`, `oct`, `OCT`).
fn month_of(name: &[u8]) -> Option<u8> {
    let &[a, b, c] = name else { return None };
    // Setting bit 5 lowercases a letter and maps no other byte onto a
    // lowercase letter but its uppercase one, so only names match.
    Some(match [a | 0x20, b | 0x20, c | 0x20] {
        [b'j', b'a', b'n'] => 1,
        [b'f', b'e', b'b'] => 2,
        [b'm', b'a', b'r'] => 3,
        [b'a', b'p', b'r'] => 4,
        [b'm', b'a', b'y'] => 5,
        [b'j', b'u', b'n'] => 6,
        [b'j', b'u', b'l'] => 7,
        [b'a', b'u', b'g'] => 8,
        [b's', b'e', b'p'] => 9,
        [b'o', b'c', b't'] => 10,
        [b'n', b'o', b'v'] => 11,
        [b'd', b'e', b'c'] => 12,
        _ => return None,
    })
}

/// What a BSD timestamp's fields read as, before they are checked: year
/// (if written), month, day, hour, minute, second.
#[derive(Debug, PartialEq, Eq)]
struct Fields(Option<u32>, u8, u32, u32, u32, u32);

/// The fields of a BSD timestamp in any of its shapes, and the cursor
/// after the seconds.
fn bsd_general(b: &[u8]) -> Option<(Cursor<'_>, Fields)> {
    let mut c = Cursor { b, i: 0 };
    let mut year = None;
    if b[0].is_ascii_digit() {
        let y = c.int();
        if !(1970..=2100).contains(&y) {
            return None;
        }
        c.expect(b' ')?;
        year = Some(y);
    }
    let month = month_of(b.get(c.i..c.i + 3)?)?;
    c.i += 3;
    c.expect(b' ')?;
    if c.peek() == Some(b' ') {
        c.i += 1;
    }
    let day = c.int();
    c.expect(b' ')?;
    let mut hour = c.int();
    // `Mmm dd yyyy hh:mm:ss` (Cisco): a year where the hour would be.
    if year.is_none() && hour > 1970 && hour < 2100 {
        year = Some(hour);
        c.expect(b' ')?;
        hour = c.int();
    }
    c.expect(b':')?;
    let minute = c.int();
    c.expect(b':')?;
    let second = c.int();
    Some((c, Fields(year, month, day, hour, minute, second)))
}

/// The common shape `Mmm dd hh:mm:ss` (or `Mmm  d hh:mm:ss`) at fixed
/// positions, not followed by another digit: the fields as
/// [`bsd_general`] reads them, with the cursor at 15, found without its
/// byte-by-byte cursor. `None` for any other shape, which it takes.
fn bsd_fixed(b: &[u8]) -> Option<Fields> {
    let b: &[u8; 16] = b.get(..16)?.try_into().ok()?;
    let d = |i: usize| b[i].is_ascii_digit().then(|| u32::from(b[i] - b'0'));
    let two = |i: usize| Some(d(i)? * 10 + d(i + 1)?);
    if b[3] != b' ' || b[6] != b' ' || b[9] != b':' || b[12] != b':' || b[15].is_ascii_digit() {
        return None;
    }
    let month = month_of(&b[..3])?;
    let day = match b[4] {
        b' ' => d(5)?,
        _ => two(4)?,
    };
    Some(Fields(None, month, day, two(7)?, two(10)?, two(13)?))
}

fn time_valid(t: &Timestamp) -> bool {
    t.hour <= 23 && t.minute <= 59 && t.second <= 60
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn expect(&mut self, want: u8) -> Option<()> {
        (self.peek()? == want).then(|| self.i += 1)
    }

    /// rsyslog's `srSLMGParseInt32`: zero or more digits (zero digits read
    /// as 0), stopping before the value could overflow.
    fn int(&mut self) -> u32 {
        let mut v = 0u32;
        while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            if v >= 214_748_363 {
                break;
            }
            v = v * 10 + u32::from(d - b'0');
            self.i += 1;
        }
        v
    }

    /// `.digits` if present: the value and the digit count, cut to
    /// microseconds. A `.` with no digits is a fraction of precision 0.
    fn fraction(&mut self) -> (u32, u8) {
        if self.peek() != Some(b'.') {
            return (0, 0);
        }
        self.i += 1;
        let start = self.i;
        let mut v = self.int();
        let mut digits = (self.i - start) as u32;
        while digits > u32::from(SECFRAC_DIGITS_MAX) {
            v /= 10;
            digits -= 1;
        }
        (v, digits as u8)
    }

    /// A stamp ends at the end of input or at one SP, which it consumes.
    fn end_of_stamp(&mut self) -> Option<()> {
        match self.peek() {
            None => Some(()),
            Some(b' ') => {
                self.i += 1;
                Some(())
            }
            Some(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        Timestamp {
            year: 2026,
            month: 11,
            day: 23,
            ..Timestamp::default()
        }
    }

    #[test]
    fn rfc3339_keeps_precision_and_zulu() {
        let (t, n) = parse_rfc3339(b"2003-10-11T22:14:15.003Z rest").unwrap();
        assert_eq!(n, 25);
        assert_eq!((t.secfrac, t.secfrac_precision), (3, 3));
        assert_eq!(t.offset_mode, OffsetMode::Zulu);
        let (t, _) = parse_rfc3339(b"2003-10-11T22:14:15-05:30").unwrap();
        assert_eq!(t.offset_seconds(), -(5 * 3600 + 30 * 60));
        let (t, _) = parse_rfc3339(b"2003-10-11T22:14:15.1234567Z").unwrap();
        assert_eq!((t.secfrac, t.secfrac_precision), (123456, 6));
        assert!(parse_rfc3339(b"2003-13-11T22:14:15Z").is_none());
        assert!(parse_rfc3339(b"2003-10-11T22:14:15").is_none());
        assert!(parse_rfc3339(b"2003-10-11T22:14:15Zx").is_none());
        assert!(parse_rfc3339(b"2003-10-11T22:14:15+0200").is_none());
    }

    #[test]
    fn rfc3164_variants() {
        let (t, n) = parse_rfc3164(b"Oct 11 22:14:15 host", &now()).unwrap();
        assert_eq!((t.year, t.month, t.day, n), (2026, 10, 11, 16));
        let (t, n) = parse_rfc3164(b"oct  1 22:14:15", &now()).unwrap();
        assert_eq!((t.day, n), (1, 15));
        let (t, n) = parse_rfc3164(b"Oct 16 2009 23:47:31 h", &now()).unwrap();
        assert_eq!((t.year, n), (2009, 21));
        let (t, _) = parse_rfc3164(b"2009 Oct 16 23:47:31.25: h", &now()).unwrap();
        assert_eq!((t.year, t.secfrac, t.secfrac_precision), (2009, 25, 2));
        assert!(parse_rfc3164(b"Oct 11 22:14:15x", &now()).is_none());
        assert!(parse_rfc3164(b"Oct 32 22:14:15", &now()).is_none());
        assert!(parse_rfc3164(b"Foo 11 22:14:15", &now()).is_none());
    }

    proptest::proptest! {
        /// Where the fixed-shape reading applies, it reads what the
        /// general one reads, and stops where it stops.
        #[test]
        fn bsd_fixed_reads_as_bsd_general(
            s in "(Oct|oct|NOV|Jan|Fob)[ :]([ 0-9][0-9]|[0-9]{3})[ :][0-9]{1,3}[: ][0-9]{2}[:0][0-9]{2}[0-9 :.a]{0,3}"
        ) {
            let b = s.as_bytes();
            if let Some(f) = bsd_fixed(b) {
                let (c, g) = bsd_general(b).expect("the general path reads it too");
                proptest::prop_assert_eq!(f, g);
                proptest::prop_assert_eq!(c.i, 15);
            }
        }
    }

    #[test]
    fn month_names_in_any_case() {
        for (i, m) in MONTH_NAMES.iter().enumerate() {
            assert_eq!(month_of(&m[..]), Some(i as u8 + 1));
            assert_eq!(month_of(&m.to_ascii_uppercase()), Some(i as u8 + 1));
            assert_eq!(month_of(&m.to_ascii_lowercase()), Some(i as u8 + 1));
        }
        for bad in [&b"Oc"[..], b"Oct ", b"0ct", b"O\x03t", b"Jum", b"@pr"] {
            assert_eq!(month_of(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn calendar_helpers() {
        let (t, _) = parse_rfc3339(b"2026-03-05T07:08:09.123456+01:00").unwrap();
        assert_eq!(t.unix_seconds(), 1_772_690_889);
        assert_eq!(t.weekday_name(), "Thu");
        assert_eq!(t.to_utc().hour, 6);
    }
}
