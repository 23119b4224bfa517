//! What a kernel log line becomes, as rsyslog 8.2302's imklog makes it
//! (`plugins/imklog/bsd.c` `submitSyslog`, `imklog.c` `Syslog`). No I/O.
//!
//! In: one line as `/proc/kmsg` gives it (`<6>[   12.345678] text`), or
//! one `/dev/kmsg` record (`6,1234,12345678,-;text`, which
//! [`kmsg_record`] turns into the line `/proc/kmsg` would have given for
//! it). Out: a [`Kernel`] — PRI, the text that is both `rawmsg` and
//! `msg`, and the kernel's time since boot when asked for — or `None`
//! for a line of another facility than kern when those are not
//! permitted (dropped, as in rsyslog).
//!
//! rsyslog's details kept:
//! - a line without a PRI is kern.info (PRI 6);
//! - the time is looked for only after a three-byte PRI (`<6>[`), and is
//!   `[`, spaces, digits, `.`, digits, `]`; cut out unless kept (the
//!   space after it stays);
//! - a second PRI right after the first (or after one space: systemd's
//!   `<6><30>…`, or the time cut out) wins when it is 8 to 191.
//!
//! Guarantees: never panics, on any bytes; the text is a slice of the
//! line (nothing copied).

/// How lines are read (imklog's switches).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    pub permit_non_kernel: bool,
    pub parse_kernel_timestamp: bool,
    pub keep_kernel_timestamp: bool,
}

/// A kernel line read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kernel {
    pub pri: u16,
    /// `rawmsg` and `msg` (what follows the PRI).
    pub text: Vec<u8>,
    /// The kernel's time since boot (seconds, microseconds), when parsed.
    pub uptime: Option<(u64, u32)>,
}

/// The highest PRI (local7.debug).
const PRI_MAX: u16 = 191;
/// A line without a PRI: kern.info.
const PRI_DEFAULT: u16 = 6;
/// Digits of the seconds read before the rest are ignored (more than
/// any uptime; keeps the sum from overflowing).
const SECS_DIGITS_MAX: usize = 12;

/// Reads one line (without its newline).
pub fn line(b: &[u8], o: &Options) -> Option<Kernel> {
    let mut text = b.to_vec();
    let mut uptime = None;
    if o.parse_kernel_timestamp {
        if let Some((secs, usecs, end)) = kernel_time(b) {
            uptime = Some((secs, usecs));
            if !o.keep_kernel_timestamp {
                text.drain(3..end);
            }
        }
    }
    let (pri, at) = second_pri(&text)
        .or_else(|| pri(&text, 0))
        .unwrap_or((PRI_DEFAULT, 0));
    if pri >> 3 != 0 && !o.permit_non_kernel {
        return None;
    }
    text.drain(..at);
    Some(Kernel { pri, text, uptime })
}

/// `[ secs.usecs]` at byte 3: (secs, usecs, the index after `]`). As
/// rsyslog, the microseconds are the digits read as a number.
fn kernel_time(b: &[u8]) -> Option<(u64, u32, usize)> {
    if b.get(3) != Some(&b'[') {
        return None;
    }
    let mut i = 4;
    while b.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    let (secs, n) = number(&b[i..], SECS_DIGITS_MAX);
    i += n;
    if b.get(i) != Some(&b'.') {
        return None;
    }
    i += 1;
    let (usecs, n) = number(&b[i..], 9);
    i += n;
    if b.get(i) != Some(&b']') {
        return None;
    }
    // More than 6 digits is no microsecond count; rsyslog would carry it
    // into the seconds, which a kernel never asks for.
    Some((secs, (usecs % 1_000_000) as u32, i + 1))
}

/// The leading digits of `b` as a number (those past `max` skipped):
/// (value, digits).
fn number(b: &[u8], max: usize) -> (u64, usize) {
    let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let v = b[..n].iter().take(max).fold(0u64, |v, c| {
        v.saturating_mul(10).saturating_add(u64::from(c - b'0'))
    });
    (v, n)
}

/// A second PRI at byte 3, or at 4 after a space, of 8 to 191.
fn second_pri(b: &[u8]) -> Option<(u16, usize)> {
    let at = match (b.get(3), b.get(4)) {
        (Some(b'<'), _) => 3,
        (Some(b' '), Some(b'<')) => 4,
        _ => return None,
    };
    pri(b, at).filter(|&(p, _)| p >= 8)
}

/// `<digits>` at `at` with a value up to 191: (PRI, index after `>`).
fn pri(b: &[u8], at: usize) -> Option<(u16, usize)> {
    let rest = b.get(at..)?;
    if rest.first() != Some(&b'<') || !rest.get(1).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let mut v: u16 = 0;
    let mut i = 1;
    while let Some(c) = rest.get(i).filter(|c| c.is_ascii_digit()) {
        if v > PRI_MAX {
            break;
        }
        v = v * 10 + u16::from(c - b'0');
        i += 1;
    }
    (rest.get(i) == Some(&b'>') && v <= PRI_MAX).then_some((v, at + i + 1))
}

/// A `/dev/kmsg` record (`pri,seq,usecs,flags[,…];text\n[ KEY=value\n]…`)
/// as the `/proc/kmsg` line the kernel gives for it
/// (`<pri>[%5lu.%06lu] text`), and its sequence number; `None` for what
/// is not a record. The dictionary lines are left out, as in
/// `/proc/kmsg`.
pub fn kmsg_record(b: &[u8]) -> Option<(u64, Vec<u8>)> {
    let semi = memchr::memchr(b';', b)?;
    let mut fields = b[..semi].split(|&c| c == b',');
    let mut num = |max: usize| {
        let f = fields.next()?;
        let (v, n) = number(f, max);
        (n == f.len() && n > 0 && n <= max).then_some(v)
    };
    let pri = num(5)?;
    let seq = num(20)?;
    let usecs = num(20)?;
    let body = &b[semi + 1..];
    let text = &body[..memchr::memchr(b'\n', body).unwrap_or(body.len())];
    let mut out =
        format!("<{pri}>[{:5}.{:06}] ", usecs / 1_000_000, usecs % 1_000_000).into_bytes();
    out.extend_from_slice(text);
    Some((seq, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    type Read = Option<(u16, String, Option<(u64, u32)>)>;

    fn read(b: &str, o: Options) -> Read {
        line(b.as_bytes(), &o).map(|k| (k.pri, String::from_utf8(k.text).unwrap(), k.uptime))
    }

    const PARSE: Options = Options {
        permit_non_kernel: false,
        parse_kernel_timestamp: true,
        keep_kernel_timestamp: false,
    };

    #[test]
    fn plain_line_keeps_its_time_text() {
        let r = read("<6>[   12.345678] usb 1-1: new device", Options::default());
        assert_eq!(
            r,
            Some((6, "[   12.345678] usb 1-1: new device".into(), None))
        );
    }

    #[test]
    fn parsed_time_is_cut_and_the_space_stays() {
        let r = read("<4>[   12.345678] oops", PARSE);
        assert_eq!(r, Some((4, " oops".into(), Some((12, 345_678)))));
        let keep = Options {
            keep_kernel_timestamp: true,
            ..PARSE
        };
        let r = read("<4>[   12.345678] oops", keep);
        assert_eq!(
            r,
            Some((4, "[   12.345678] oops".into(), Some((12, 345_678))))
        );
    }

    #[test]
    fn time_only_after_a_three_byte_pri() {
        // rsyslog looks at byte 3 only: <12>[…] keeps its text.
        let o = Options {
            permit_non_kernel: true,
            ..PARSE
        };
        let r = read("<12>[ 1.000001] x", o);
        assert_eq!(r, Some((12, "[ 1.000001] x".into(), None)));
    }

    #[test]
    fn non_kernel_facility_dropped_unless_permitted() {
        assert_eq!(read("<14>hello", Options::default()), None);
        let o = Options {
            permit_non_kernel: true,
            ..Options::default()
        };
        assert_eq!(read("<14>hello", o), Some((14, "hello".into(), None)));
    }

    #[test]
    fn second_pri_wins() {
        let o = Options {
            permit_non_kernel: true,
            ..PARSE
        };
        assert_eq!(
            read("<6><30>systemd[1]: started", o),
            Some((30, "systemd[1]: started".into(), None))
        );
        // After the time is cut out: "<6> <30>…".
        assert_eq!(
            read("<6>[    1.500000] <30>systemd[1]: x", o),
            Some((30, "systemd[1]: x".into(), Some((1, 500_000))))
        );
        // A second PRI below 8 is not one.
        assert_eq!(read("<6><3>x", o), Some((6, "<3>x".into(), None)));
    }

    #[test]
    fn no_pri_is_kern_info() {
        assert_eq!(
            read("hello", Options::default()),
            Some((6, "hello".into(), None))
        );
        assert_eq!(
            read("<192>x", Options::default()),
            Some((6, "<192>x".into(), None))
        );
        assert_eq!(read("", Options::default()), Some((6, "".into(), None)));
        assert_eq!(read("<", PARSE), Some((6, "<".into(), None)));
    }

    #[test]
    fn kmsg_record_as_proc_line() {
        let (seq, l) = kmsg_record(b"6,1234,12345678,-;usb 1-1: new\n SUBSYSTEM=usb\n").unwrap();
        assert_eq!(seq, 1234);
        assert_eq!(l, b"<6>[   12.345678] usb 1-1: new");
        let (_, l) = kmsg_record(b"14,7,0,-,caller=T1;hi").unwrap();
        assert_eq!(l, b"<14>[    0.000000] hi");
        assert_eq!(kmsg_record(b"no record"), None);
        assert_eq!(kmsg_record(b"6,x,1,-;y"), None);
    }
}
