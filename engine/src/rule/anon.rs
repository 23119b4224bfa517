//! mmanon: IPv4, IPv6 and IPv6-with-embedded-IPv4 addresses in `msg`
//! anonymised, as rsyslog 8.2302's mmanon finds and rewrites them.
//!
//! In: a message's `msg` and the settings. Out: the rewritten text, or
//! `None` when nothing was found. The recognisers are rsyslog's, with its
//! surprises (no word boundaries: `256.0.0.0` holds `56.0.0.0`; `::` alone
//! is an address; a five-digit group after `::` is a port; IPv6 printed as
//! eight uncompressed groups), so that a configuration anonymises the same
//! bytes it did. Modes: `zero` (the low bits cleared), `simple` (IPv4: the
//! digits of the last octets replaced by a character, length kept),
//! `random` (the low bits random) and `random-consistent`.
//!
//! Guarantees: never panics, reads nothing outside the text (rsyslog's
//! simple mode can read before the buffer); `random-consistent` gives one
//! address the same replacement for the life of the action without
//! remembering any (rsyslog keeps every address it has seen, a table that
//! grows without bound): the replacement bits are a keyed hash of the
//! address, with a key drawn when the configuration loads.

use std::hash::{BuildHasher, Hash, Hasher};

/// How an address is anonymised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Zero,
    Random,
    RandomConsistent,
    /// IPv4 only: digits replaced by [`Anon::replace_char`].
    Simple,
}

/// One address family's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Family {
    pub enable: bool,
    pub mode: Mode,
    /// Low-order bits anonymised.
    pub bits: u8,
}

/// mmanon's settings.
#[derive(Debug, Clone)]
pub struct Anon {
    pub ipv4: Family,
    pub ipv6: Family,
    pub embedded: Family,
    /// What `simple` mode writes over digits.
    pub replace_char: u8,
    /// The key of `random-consistent` (and the seed of `random`).
    pub key: std::collections::hash_map::RandomState,
}

impl PartialEq for Anon {
    fn eq(&self, o: &Anon) -> bool {
        (self.ipv4, self.ipv6, self.embedded, self.replace_char)
            == (o.ipv4, o.ipv6, o.embedded, o.replace_char)
    }
}

impl Anon {
    /// The text with its addresses anonymised; `None` if none was found.
    /// The result is built in one pass (rsyslog rewrites its buffer in
    /// place, moving the rest of it at each address).
    pub fn apply(&self, msg: &[u8]) -> Option<Vec<u8>> {
        // `src` is the text as scanned (simple mode changes digits in it,
        // in place); `out` what comes before `copied`, rewritten.
        let mut src = msg.to_vec();
        let mut out = Vec::new();
        let mut copied = 0usize;
        let mut changed = false;
        let mut i = 0usize;
        let replace =
            |src: &[u8], out: &mut Vec<u8>, copied: &mut usize, at: usize, len: usize, r: &[u8]| {
                out.extend_from_slice(&src[*copied..at]);
                out.extend_from_slice(r);
                *copied = at + len;
                at + len
            };
        while i + 2 <= src.len() {
            if self.embedded.enable {
                if let Some((len, v4)) = syntax_embedded(&src[i..]) {
                    let g = self.bits128(emb_to_groups(&src[i..i + len], v4), &self.embedded, 2);
                    i = replace(&src, &mut out, &mut copied, i, len, &format_embedded(&g));
                    changed = true;
                }
            }
            if self.ipv4.enable {
                if let Some(len) = syntax_ipv4(&src[i..]) {
                    match self.ipv4.mode {
                        Mode::Simple => {
                            changed |= simple(
                                &mut src,
                                copied,
                                i + len - 1,
                                self.ipv4.bits,
                                self.replace_char,
                            );
                            i += len;
                        }
                        _ => {
                            let n = self.bits32(ipv4_num(&src[i..i + len]));
                            let r = format!(
                                "{}.{}.{}.{}",
                                n >> 24,
                                (n >> 16) & 255,
                                (n >> 8) & 255,
                                n & 255
                            );
                            i = replace(&src, &mut out, &mut copied, i, len, r.as_bytes());
                            changed = true;
                        }
                    }
                }
            }
            if self.ipv6.enable {
                if let Some(len) = syntax_ipv6(&src[i..]) {
                    let g = self.bits128(ipv6_groups(&src[i..i + len]), &self.ipv6, 1);
                    let r = g
                        .iter()
                        .map(|v| format!("{v:x}"))
                        .collect::<Vec<_>>()
                        .join(":");
                    i = replace(&src, &mut out, &mut copied, i, len, r.as_bytes());
                    changed = true;
                }
            }
            i += 1;
        }
        if !changed {
            return None;
        }
        out.extend_from_slice(&src[copied..]);
        Some(out)
    }

    fn random_bits(&self, what: impl Hash, consistent: bool) -> u128 {
        let mut h = self.key.build_hasher();
        what.hash(&mut h);
        if !consistent {
            RANDOM_COUNTER
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                .hash(&mut h);
        }
        let a = h.finish();
        a.hash(&mut h);
        (u128::from(a) << 64) | u128::from(h.finish())
    }

    fn bits32(&self, n: u32) -> u32 {
        let bits = u32::from(self.ipv4.bits.min(32));
        let high = if bits >= 32 { 0 } else { (n >> bits) << bits };
        let mask = if bits >= 32 {
            u32::MAX
        } else {
            (1u32 << bits) - 1
        };
        match self.ipv4.mode {
            Mode::Random => high | (self.random_bits((4u8, n), false) as u32 & mask),
            Mode::RandomConsistent => high | (self.random_bits((4u8, n), true) as u32 & mask),
            _ => high,
        }
    }

    fn bits128(&self, g: [u32; 8], f: &Family, tag: u8) -> [u16; 8] {
        // Groups wider than 16 bits bleed into the one on their left, as
        // rsyslog ORs them unmasked.
        let x = g.iter().fold(0u128, |x, &v| (x << 16) | u128::from(v));
        let bits = u32::from(f.bits.min(128));
        let high = if bits >= 128 { 0 } else { (x >> bits) << bits };
        let mask = if bits >= 128 {
            u128::MAX
        } else {
            (1u128 << bits) - 1
        };
        let v = match f.mode {
            Mode::Random => high | (self.random_bits((tag, x), false) & mask),
            Mode::RandomConsistent => high | (self.random_bits((tag, x), true) & mask),
            _ => high,
        };
        std::array::from_fn(|k| (v >> (16 * (7 - k))) as u16)
    }
}

static RANDOM_COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// rsyslog's `isPosByte`: a run of digits of 1..=3 whose value is at most
/// 255; the run's full length either way.
fn pos_byte(b: &[u8]) -> (bool, usize) {
    let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let v = b[..n.min(4)]
        .iter()
        .fold(0u32, |v, d| v * 10 + u32::from(d - b'0'));
    (n > 0 && n < 4 && v <= 255, n)
}

/// A dotted quad at the start of `b`: its length.
fn syntax_ipv4(b: &[u8]) -> Option<usize> {
    let (ok, mut i) = pos_byte(b);
    if !ok {
        return None;
    }
    for _ in 0..3 {
        if b.get(i) != Some(&b'.') {
            return None;
        }
        i += 1;
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let (ok, n) = pos_byte(&b[i..]);
        if !ok {
            return None;
        }
        i += n;
    }
    Some(i)
}

fn ipv4_num(a: &[u8]) -> u32 {
    let mut num = [0u32; 4];
    let mut c = 0;
    for &ch in a {
        if ch.is_ascii_digit() {
            num[c] = num[c].wrapping_mul(10).wrapping_add(u32::from(ch - b'0'));
        } else if ch == b'.' && c < 3 {
            c += 1;
        }
    }
    (num[0] << 24)
        .wrapping_add(num[1] << 16)
        .wrapping_add(num[2] << 8)
        .wrapping_add(num[3])
}

/// simple mode: going left from `end`, the digits of `bits / 8` octets
/// replaced by `c`, never left of `floor` (text already rewritten; rsyslog
/// can walk on into it, and before its buffer); true if a byte changed.
fn simple(b: &mut [u8], floor: usize, end: usize, bits: u8, c: u8) -> bool {
    let mut changed = false;
    let mut j = 0usize;
    for round in 0..usize::from(bits / 8) {
        if round > 0 {
            j += 1;
        }
        while let Some(k) = end.checked_sub(j).filter(|&k| k >= floor) {
            if !b[k].is_ascii_digit() {
                break;
            }
            changed |= b[k] != c;
            b[k] = c;
            j += 1;
        }
    }
    changed
}

fn hex(c: u8) -> Option<u32> {
    (c as char).to_digit(16)
}

/// rsyslog's `isValidHexNum`: what the next token is (1..=4 hex digits,
/// 5 for five, -1 a `:`, -2 a `.` when `dot`, 0 anything else) and how far
/// it reaches.
fn hex_token(b: &[u8], at: &mut usize, dot: bool) -> i32 {
    let mut cyc = 0;
    while let Some(&c) = b.get(*at) {
        if hex(c).is_some() {
            cyc += 1;
            *at += 1;
            if cyc == 5 {
                return cyc;
            }
        } else if c == b'.' {
            if dot && cyc == 0 {
                *at += 1;
                return -2;
            }
            return cyc;
        } else if c == b':' {
            if cyc == 0 {
                *at += 1;
                return -1;
            }
            return cyc;
        } else {
            return cyc;
        }
    }
    cyc
}

/// An IPv6 address at the start of `b` (rsyslog's `syntax_ipv6`).
fn syntax_ipv6(b: &[u8]) -> Option<usize> {
    let (mut at, mut last_sep, mut had, mut last_ab, mut parts) = (0usize, false, false, false, 0);
    while at < b.len() {
        match hex_token(b, &mut at, false) {
            n @ 1..=4 => {
                let _ = n;
                if (parts == 7 && had) || parts > 7 || (parts == 0 && last_sep && !had) {
                    return None;
                }
                last_sep = false;
                last_ab = false;
                parts += 1;
            }
            -1 => {
                if last_sep {
                    if had {
                        return None;
                    }
                    had = true;
                    last_ab = true;
                }
                last_sep = true;
            }
            5 => return (had && parts >= 2).then(|| at - 6),
            _ => {
                let ok = if last_sep {
                    last_ab && parts < 8
                } else {
                    (parts == 8 && !had) || (parts < 8 && had)
                };
                return ok.then_some(at);
            }
        }
        if parts == 8 && !had {
            return Some(at);
        }
    }
    ((!last_sep && parts == 8 && !had) || (parts < 8 && had)).then_some(at)
}

/// rsyslog's `ipv62num`, with its quirks (a one-byte tail after `::` is
/// lost).
fn ipv6_groups(a: &[u8]) -> [u32; 8] {
    let mut num = [0u32; 8];
    let (cyc, abbreviated, i) = forward(&mut num, a, a.len(), 7);
    if abbreviated {
        if i + 1 < a.len() {
            back_fill(&mut num, a, i, a.len(), 7);
        } else {
            num[cyc..].fill(0);
        }
    }
    num
}

/// The forward half of rsyslog's parsers of groups: hex digits of
/// `a[..to]` into `num[0..=last]`, a separator moving to the next group,
/// until a second separator in a row (`::`). The group reached, whether
/// `::` stopped it, and where.
fn forward(num: &mut [u32; 8], a: &[u8], to: usize, last: usize) -> (usize, bool, usize) {
    let (mut cyc, mut dots, mut i) = (0usize, 0, 0usize);
    while i < to && dots < 2 {
        match hex(a[i]) {
            None => {
                dots += 1;
                if dots < 2 && cyc < last {
                    cyc += 1;
                }
            }
            Some(v) => {
                num[cyc] = num[cyc].wrapping_mul(16).wrapping_add(v);
                dots = 0;
            }
        }
        i += 1;
    }
    (cyc, dots == 2, i)
}

/// Fills groups from `last` leftwards with the hex of `a[from..to]` read
/// backwards.
fn back_fill(num: &mut [u32; 8], a: &[u8], from: usize, to: usize, last: usize) {
    let (mut shift, mut cyc) = (0u32, last);
    for &c in a[from..to].iter().rev() {
        match hex(c) {
            None => {
                if cyc == 0 {
                    return;
                }
                cyc -= 1;
                shift = 0;
            }
            Some(v) => {
                if shift < 32 {
                    num[cyc] = num[cyc].wrapping_add(v << shift);
                }
                shift += 4;
            }
        }
    }
}

/// An IPv6 address ending in a dotted quad at the start of `b`: its length
/// and where the quad starts.
fn syntax_embedded(b: &[u8]) -> Option<(usize, usize)> {
    let (mut at, mut last_sep, mut had, mut parts) = (0usize, false, false, 0);
    while at < b.len() {
        match hex_token(b, &mut at, true) {
            n if n > 0 => {
                if (parts == 6 && had) || parts > 6 || (parts == 0 && last_sep && !had) {
                    return None;
                }
                last_sep = false;
                parts += 1;
            }
            -1 => {
                if last_sep {
                    if had {
                        return None;
                    }
                    had = true;
                }
                last_sep = true;
            }
            -2 => {
                if last_sep || (parts == 0 && had) || (parts <= 6 && !had) {
                    return None;
                }
                // The quad starts after the last `:` before the dot.
                let dot = at - 1;
                let v4 = b[..dot]
                    .iter()
                    .rposition(|&c| c == b':')
                    .filter(|&p| p > 0)?
                    + 1;
                let len = syntax_ipv4(&b[v4..])?;
                return Some((v4 + len, v4));
            }
            _ => return None,
        }
    }
    None
}

fn emb_to_groups(a: &[u8], v4: usize) -> [u32; 8] {
    let mut num = [0u32; 8];
    let v = ipv4_num(&a[v4..]);
    num[7] = v & 0xffff;
    num[6] = v >> 16;
    let (cyc, abbreviated, i) = forward(&mut num, a, v4, 5);
    if abbreviated {
        if i < v4 {
            back_fill(&mut num, a, i, v4, 5);
        } else {
            num[cyc..6].fill(0);
        }
    }
    num
}

fn format_embedded(g: &[u16; 8]) -> Vec<u8> {
    let mut s = g[..6]
        .iter()
        .map(|v| format!("{v:x}"))
        .collect::<Vec<_>>()
        .join(":");
    s.push_str(&format!(
        ":{}.{}.{}.{}",
        g[6] >> 8,
        g[6] & 255,
        g[7] >> 8,
        g[7] & 255
    ));
    s.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anon(v4: (Mode, u8), v6bits: u8, emb: (bool, u8)) -> Anon {
        anon_c(v4, v6bits, emb, b'x')
    }

    fn anon_c(v4: (Mode, u8), v6bits: u8, emb: (bool, u8), c: u8) -> Anon {
        Anon {
            replace_char: c,
            ipv4: Family {
                enable: true,
                mode: v4.0,
                bits: v4.1,
            },
            ipv6: Family {
                enable: true,
                mode: Mode::Zero,
                bits: v6bits,
            },
            embedded: Family {
                enable: emb.0,
                mode: Mode::Zero,
                bits: emb.1,
            },
            key: Default::default(),
        }
    }

    fn run(a: &Anon, s: &str) -> String {
        a.apply(s.as_bytes())
            .map_or_else(|| s.to_string(), |b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn rsyslogs_own_test_cases() {
        let z = |bits| anon((Mode::Zero, bits), 96, (true, 96));
        assert_eq!(run(&z(8), " 172.0.234.255"), " 172.0.234.0");
        assert_eq!(run(&z(8), " 111.1.1.8."), " 111.1.1.0.");
        assert_eq!(run(&z(12), " 172.0.234.255"), " 172.0.224.0");
        assert_eq!(run(&z(32), " 1.2.3.4.5.6.7.8.76"), " 0.0.0.0.0.0.0.0.76");
        assert_eq!(run(&z(32), " 256.0.0.0"), " 20.0.0.0");
        assert_eq!(run(&z(32), " 1111.1.1.8.1"), " 10.0.0.0.1");
        assert_eq!(
            run(&z(32), " textnoblank1.1.1.9stillnoblank"),
            " textnoblank0.0.0.0stillnoblank"
        );
        assert_eq!(run(&z(32), " 1..1.1.8"), " 1..1.1.8");
        let s = |bits, c| anon_c((Mode::Simple, bits), 96, (true, 96), c);
        assert_eq!(run(&s(8, b'x'), " 172.0.234.255"), " 172.0.234.xxx");
        assert_eq!(run(&s(16, b'x'), " 172.0.234.255"), " 172.0.xxx.xxx");
        assert_eq!(
            run(&s(32, b'*'), " before 181.23.1.4 after 172.1.3.45"),
            " before ***.**.*.* after ***.*.*.**"
        );
        assert_eq!(run(&s(32, b'*'), " 1111.1.1.8.1"), " ****.*.*.*.1");
        assert_eq!(run(&s(32, b'*'), " 256.0.0.0"), " ***.*.*.*");
        let d = z(16);
        assert_eq!(
            run(&d, " FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF"),
            " ffff:ffff:0:0:0:0:0:0"
        );
        assert_eq!(
            run(&d, " 61:34:ad::7:F aa:ff43::756:99:0"),
            " 61:34:0:0:0:0:0:0 aa:ff43:0:0:0:0:0:0"
        );
        assert_eq!(run(&d, " ::"), " 0:0:0:0:0:0:0:0");
        assert_eq!(run(&d, " 13:abd:45:"), " 13:abd:45:");
        assert_eq!(
            run(&d, " 1a00:c820:1180:c84c:ad3f:4024:d991:ec2e:4922"),
            " 1a00:c820:0:0:0:0:0:0:4922"
        );
        assert_eq!(
            run(&d, " [1a00:c820:1180:c84c:ad3f::d991:ec2e]:4922"),
            " [1a00:c820:0:0:0:0:0:0]:4922"
        );
        assert_eq!(
            run(&d, " 1a00:c820:1180:c84c:ad3f::d991:ec2e:49225"),
            " 1a00:c820:0:0:0:0:0:0:49225"
        );
        assert_eq!(run(&d, "Foo::bar"), "Foo0:0:0:0:0:0:0:0r");
        assert_eq!(run(&d, "10.0.0.1:8080"), "10.0.0.0:8080");
        let e = Anon {
            ipv4: Family {
                enable: false,
                mode: Mode::Zero,
                bits: 16,
            },
            ipv6: Family {
                enable: false,
                mode: Mode::Zero,
                bits: 96,
            },
            embedded: Family {
                enable: true,
                mode: Mode::Zero,
                bits: 128,
            },
            replace_char: b'x',
            key: Default::default(),
        };
        assert_eq!(
            run(&e, " FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:255.255.255.255"),
            " 0:0:0:0:0:0:0.0.0.0"
        );
        assert_eq!(
            run(&e, " ewirnwem aa:ff43:756:99:ff:445:cc.1.2.3.4"),
            " ewirnwem aa:ff43:756:99:ff:445:cc.1.2.3.4"
        );
        let e16 = Anon {
            embedded: Family {
                enable: true,
                mode: Mode::Zero,
                bits: 16,
            },
            ..e
        };
        assert_eq!(run(&e16, "::ffff:10.1.2.3"), "0:0:0:0:ffff:0:10.1.0.0");
    }

    #[test]
    fn random_consistent_is_consistent_and_random_varies() {
        let mut a = anon((Mode::RandomConsistent, 16), 96, (true, 96));
        let x = run(&a, "from 10.1.2.3 and 10.1.2.3 and 10.1.9.9");
        let parts: Vec<&str> = x.split(' ').collect();
        assert_eq!(parts[1], parts[3]);
        assert!(parts[1].starts_with("10.1."));
        a.ipv4.mode = Mode::Random;
        let outs: std::collections::HashSet<String> =
            (0..20).map(|_| run(&a, "10.1.2.3")).collect();
        assert!(outs.len() > 1);
    }
}
