//! Test messages: generated once into a block, then replayed with only the
//! sequence number and the intended send time patched in place, so the
//! generator is never the bottleneck.
//!
//! Every message carries `msgnum:CC:NNNNNNNN:` (rsyslog's testbench
//! convention: connection and sequence number) and `t=<ns>` (its intended
//! send time, nanoseconds on the monotonic clock), so a receiver can count loss,
//! duplicates and reordering and measure latency.

use std::fmt::Write as _;

/// Message format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Rfc3164,
    Rfc5424,
    /// RFC 3164 whose MSG is `@cee: {…}`, a JSON object holding the
    /// sequence number (`id`) and a few typed fields (mmjsonparse's input).
    Json,
}

/// How messages are framed on a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// One message per datagram, no terminator.
    None,
    /// LF after each message.
    Lf,
    /// `LEN SP MSG` (RFC 6587 octet counting).
    OctetCounted,
}

/// Digits of the sequence number (`NNNNNNNN`).
pub const SEQ_DIGITS: usize = 8;
/// Digits of the send time (`t=` nanoseconds on the monotonic clock).
pub const TIME_DIGITS: usize = 19;

/// A block of framed messages for one connection, with where each
/// message's sequence number and time stand.
pub struct Block {
    pub bytes: Vec<u8>,
    /// For message i: (start, end) of its framed bytes.
    pub frames: Vec<(usize, usize)>,
    seq_at: Vec<usize>,
    time_at: Vec<usize>,
}

/// A small deterministic generator (SplitMix64) for sizes and padding.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "accepted",
    "session",
    "opened",
    "for",
    "user",
    "root",
    "from",
    "port",
    "ssh2",
    "request",
    "completed",
    "in",
    "ms",
    "status",
    "ok",
    "cache",
    "miss",
    "upstream",
    "timeout",
    "retry",
];

impl Block {
    /// `n` messages for connection `conn`, sizes in `size` (bytes of the
    /// message itself, without framing), in `format`.
    pub fn new(
        conn: usize,
        n: usize,
        size: (usize, usize),
        format: Format,
        framing: Framing,
        rng: &mut Rng,
    ) -> Block {
        let mut b = Block {
            bytes: Vec::with_capacity(n * (size.1 + 16)),
            frames: Vec::with_capacity(n),
            seq_at: Vec::with_capacity(n),
            time_at: Vec::with_capacity(n),
        };
        let pid = 1000 + conn;
        for _ in 0..n {
            let mut m = match format {
                Format::Rfc3164 => format!("<134>Nov 23 01:02:03 loadgen app[{pid}]: "),
                Format::Rfc5424 => {
                    format!("<134>1 2026-11-23T01:02:03.000000Z loadgen app {pid} load - ")
                }
                Format::Json => {
                    format!("<134>Nov 23 01:02:03 loadgen app[{pid}]: @cee: {{\"id\":\"")
                }
            };
            let seq_off = m.len() + "msgnum:".len() + format!("{conn:02}:").len();
            let _ = write!(m, "msgnum:{conn:02}:{:0w$}: ", 0, w = SEQ_DIGITS);
            let time_off = m.len() + 2;
            let _ = write!(m, "t={:0w$} ", 0, w = TIME_DIGITS);
            if format == Format::Json {
                let _ = write!(
                    m,
                    "\",\"user\":\"u{}\",\"n\":{},\"ok\":true,\"ms\":12.5,\"tags\":[\"a\",\"b\"],\"pad\":\"",
                    rng.next() % 1000,
                    rng.next() % 100_000
                );
            }
            let close = if format == Format::Json { "\"}" } else { "" };
            let target = rng.range(size.0, size.1).max(m.len() + close.len());
            while m.len() + close.len() < target {
                let w = WORDS[(rng.next() % WORDS.len() as u64) as usize];
                m.push_str(w);
                m.push(' ');
            }
            m.truncate(target - close.len());
            m.push_str(close);
            let start = b.bytes.len();
            let header = match framing {
                Framing::OctetCounted => format!("{} ", m.len()),
                _ => String::new(),
            };
            b.bytes.extend_from_slice(header.as_bytes());
            let msg_start = b.bytes.len();
            b.bytes.extend_from_slice(m.as_bytes());
            if framing == Framing::Lf {
                b.bytes.push(b'\n');
            }
            b.frames.push((start, b.bytes.len()));
            b.seq_at.push(msg_start + seq_off);
            b.time_at.push(msg_start + time_off);
        }
        b
    }

    /// Sets message `i`'s sequence number and send time.
    #[inline]
    pub fn stamp(&mut self, i: usize, seq: u64, time_ns: u64) {
        put_digits(
            &mut self.bytes[self.seq_at[i]..self.seq_at[i] + SEQ_DIGITS],
            seq,
        );
        put_digits(
            &mut self.bytes[self.time_at[i]..self.time_at[i] + TIME_DIGITS],
            time_ns,
        );
    }

    /// Stamps messages `0..n` with sequence numbers from `first` and one
    /// send time: the digits are formatted once and copied, and the
    /// sequence is counted up in its digits (the fast path of rate 0).
    pub fn stamp_run(&mut self, n: usize, first: u64, time_ns: u64) {
        let mut time = [0u8; TIME_DIGITS];
        put_digits(&mut time, time_ns);
        let mut seq = [0u8; SEQ_DIGITS];
        put_digits(&mut seq, first);
        for i in 0..n {
            let (s, t) = (self.seq_at[i], self.time_at[i]);
            self.bytes[s..s + SEQ_DIGITS].copy_from_slice(&seq);
            self.bytes[t..t + TIME_DIGITS].copy_from_slice(&time);
            // Count up in decimal digits.
            for d in seq.iter_mut().rev() {
                if *d == b'9' {
                    *d = b'0';
                } else {
                    *d += 1;
                    break;
                }
            }
        }
    }
}

/// Writes `v` as zero-padded decimal filling `out`.
#[inline]
fn put_digits(out: &mut [u8], mut v: u64) {
    for d in out.iter_mut().rev() {
        *d = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// What a receiver reads back from a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub conn: u32,
    pub seq: u64,
    /// Intended send time, if the message carries one.
    pub time_ns: Option<u64>,
}

/// Finds `msgnum:CC:NNNNNNNN:` and `t=<ns>` in a line.
pub fn read_stamp(line: &[u8]) -> Option<Stamp> {
    let at = memchr::memmem::find(line, b"msgnum:")? + 7;
    let rest = &line[at..];
    let c_end = memchr::memchr(b':', rest)?;
    let conn = parse_u64(&rest[..c_end])? as u32;
    let rest = &rest[c_end + 1..];
    let s_end = memchr::memchr(b':', rest)?;
    let seq = parse_u64(&rest[..s_end])?;
    let rest = &rest[s_end + 1..];
    let time_ns = memchr::memmem::find(rest, b"t=").and_then(|t| {
        let digits = &rest[t + 2..];
        let n = digits.iter().take_while(|c| c.is_ascii_digit()).count();
        parse_u64(&digits[..n])
    });
    Some(Stamp { conn, seq, time_ns })
}

fn parse_u64(d: &[u8]) -> Option<u64> {
    if d.is_empty() || d.len() > 20 || !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    d.iter().try_fold(0u64, |v, &c| {
        v.checked_mul(10)?.checked_add(u64::from(c - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamped_messages_read_back() {
        let mut rng = Rng::new(7);
        for (format, framing) in [
            (Format::Rfc3164, Framing::Lf),
            (Format::Rfc5424, Framing::OctetCounted),
            (Format::Rfc3164, Framing::None),
        ] {
            let mut b = Block::new(3, 10, (256, 256), format, framing, &mut rng);
            b.stamp(4, 12345, 1_763_859_723_123_456_789);
            let (s, e) = b.frames[4];
            let frame = &b.bytes[s..e];
            let body_len = frame.len() - usize::from(framing == Framing::Lf);
            let body = match framing {
                Framing::OctetCounted => {
                    let sp = frame.iter().position(|&c| c == b' ').unwrap();
                    assert_eq!(
                        std::str::from_utf8(&frame[..sp])
                            .unwrap()
                            .parse::<usize>()
                            .unwrap(),
                        frame.len() - sp - 1
                    );
                    &frame[sp + 1..]
                }
                _ => &frame[..body_len],
            };
            assert_eq!(body.len(), 256);
            let st = read_stamp(body).unwrap();
            assert_eq!(
                st,
                Stamp {
                    conn: 3,
                    seq: 12345,
                    time_ns: Some(1_763_859_723_123_456_789)
                }
            );
            b.stamp_run(10, 99_999_998, 42);
            for (i, want) in [(0usize, 99_999_998u64), (1, 99_999_999), (2, 0)] {
                let (s, e) = b.frames[i];
                let st = read_stamp(&b.bytes[s..e]).unwrap();
                assert_eq!((st.seq, st.time_ns), (want, Some(42)));
            }
        }
    }

    #[test]
    fn sizes_in_range() {
        let mut rng = Rng::new(1);
        let b = Block::new(0, 200, (100, 300), Format::Rfc3164, Framing::None, &mut rng);
        assert!(b.frames.iter().all(|(s, e)| (100..=300).contains(&(e - s))));
    }
}
