//! What a receiver learns from the stamps it reads: per connection, which
//! sequence numbers arrived (missing, duplicated, out of order), and the
//! end-to-end latency from the intended send time (coordinated-omission
//! corrected, as wrk2 measures), in an HdrHistogram.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde_json::{json, Value};

use crate::msg::Stamp;

/// Sequence bookkeeping for one connection.
///
/// `seen` covers the words of sequence numbers from `base` on: a reader's
/// share, handed in every few thousand lines, then costs the words it
/// covers, not every word since the connection's first message (a merge
/// that walked them all stalled the sink for milliseconds late in a run,
/// and that was latency the daemon under test was charged with).
#[derive(Debug, Default, Clone)]
struct ConnSeq {
    /// The word `seen[0]` stands for (sequence numbers `base * 64 ..`).
    base: usize,
    seen: Vec<u64>,
    unique: u64,
    duplicates: u64,
    reordered: u64,
    max_seq: Option<u64>,
}

impl ConnSeq {
    /// The bitmap word of `word`, made room for.
    fn word_mut(&mut self, word: usize) -> &mut u64 {
        if self.seen.is_empty() {
            self.base = word;
        } else if word < self.base {
            let more = self.base - word;
            self.seen.splice(0..0, std::iter::repeat(0).take(more));
            self.base = word;
        }
        let i = word - self.base;
        if self.seen.len() <= i {
            self.seen.resize(i + 1, 0);
        }
        &mut self.seen[i]
    }

    fn record(&mut self, seq: u64) {
        let (word, bit) = ((seq / 64) as usize, seq % 64);
        let w = self.word_mut(word);
        if *w & (1 << bit) != 0 {
            self.duplicates += 1;
            return;
        }
        *w |= 1 << bit;
        self.unique += 1;
        match self.max_seq {
            Some(m) if seq < m => self.reordered += 1,
            Some(m) if seq <= m => {}
            _ => self.max_seq = Some(seq),
        }
    }

    /// Adds what another reader saw of the same connection (messages of
    /// one sender can reach the sink over several connections), a word at
    /// a time: a sequence number both saw is a duplicate. Reordering is
    /// what each reader counted in its own stream.
    fn merge(&mut self, other: ConnSeq) {
        for (i, &bits) in other.seen.iter().enumerate().filter(|(_, &b)| b != 0) {
            let w = self.word_mut(other.base + i);
            let (new, twice) = (bits & !*w, bits & *w);
            *w |= bits;
            self.duplicates += u64::from(twice.count_ones());
            self.unique += u64::from(new.count_ones());
        }
        self.duplicates += other.duplicates;
        self.reordered += other.reordered;
        self.max_seq = self.max_seq.max(other.max_seq);
    }

    /// Sequence numbers below `expected` (or below the highest seen + 1)
    /// that never arrived.
    fn missing(&self, expected: Option<u64>) -> u64 {
        let upto = expected.unwrap_or_else(|| self.max_seq.map_or(0, |m| m + 1));
        upto.saturating_sub(self.unique_below(upto))
    }

    fn unique_below(&self, upto: u64) -> u64 {
        let full = (upto / 64) as usize;
        let mut n: u64 = self
            .seen
            .iter()
            .take(full.saturating_sub(self.base))
            .map(|w| u64::from(w.count_ones()))
            .sum();
        if let Some(w) = full.checked_sub(self.base).and_then(|i| self.seen.get(i)) {
            let rem = upto % 64;
            if rem > 0 {
                n += u64::from((w & ((1u64 << rem) - 1)).count_ones());
            }
        }
        n
    }
}

/// Everything a receiver or a file check counts.
pub struct Stats {
    conns: BTreeMap<u32, ConnSeq>,
    pub received: u64,
    pub unparsed: u64,
    pub latency_ns: Histogram<u64>,
}

impl Default for Stats {
    fn default() -> Self {
        Stats::new()
    }
}

impl Stats {
    pub fn new() -> Stats {
        Stats {
            conns: BTreeMap::new(),
            received: 0,
            unparsed: 0,
            // 1 µs .. 1 h at 3 significant digits.
            latency_ns: Histogram::new_with_bounds(1_000, 3_600_000_000_000, 3)
                .expect("valid histogram bounds"),
        }
    }

    /// Records one received line; `now_ns` for latency.
    pub fn record(&mut self, stamp: Option<Stamp>, now_ns: Option<u64>) {
        self.received += 1;
        let Some(s) = stamp else {
            self.unparsed += 1;
            return;
        };
        self.conns.entry(s.conn).or_default().record(s.seq);
        if let (Some(t), Some(now)) = (s.time_ns, now_ns) {
            let lat = now.saturating_sub(t).clamp(1_000, 3_600_000_000_000);
            // The value is clamped into the histogram's range.
            let _ = self.latency_ns.record(lat);
        }
    }

    /// What a reader hands in while it goes on: its counts and latencies,
    /// taken; its sequence bookkeeping stays with it until its last
    /// [`merge`](Stats::merge), so reordering is judged over its whole
    /// stream and handing in costs the same late in a run as early.
    pub fn take_counts(&mut self) -> Stats {
        let mut out = Stats::new();
        std::mem::swap(&mut out.latency_ns, &mut self.latency_ns);
        out.received = std::mem::take(&mut self.received);
        out.unparsed = std::mem::take(&mut self.unparsed);
        out
    }

    /// Adds another receiver thread's counts.
    pub fn merge(&mut self, other: Stats) {
        self.received += other.received;
        self.unparsed += other.unparsed;
        // Same bounds on both sides; adding cannot fail.
        let _ = self.latency_ns.add(&other.latency_ns);
        for (c, s) in other.conns {
            self.conns.entry(c).or_default().merge(s);
        }
    }

    pub fn unique(&self) -> u64 {
        self.conns.values().map(|c| c.unique).sum()
    }

    /// A summary; `expected` = (connections, messages per connection).
    pub fn summary(&self, elapsed_s: f64, expected: Option<(u32, u64)>) -> Value {
        let per_conn = expected.map(|(_, n)| n);
        let mut missing: u64 = self.conns.values().map(|c| c.missing(per_conn)).sum();
        if let Some((conns, n)) = expected {
            let absent = (0..conns).filter(|c| !self.conns.contains_key(c)).count() as u64;
            missing += absent * n;
        }
        let h = &self.latency_ns;
        let latency = if h.is_empty() {
            Value::Null
        } else {
            json!({
                "count": h.len(),
                "p50": h.value_at_quantile(0.50),
                "p90": h.value_at_quantile(0.90),
                "p99": h.value_at_quantile(0.99),
                "p999": h.value_at_quantile(0.999),
                "max": h.max(),
            })
        };
        json!({
            "received": self.received,
            "unique": self.unique(),
            "unparsed": self.unparsed,
            "duplicates": self.conns.values().map(|c| c.duplicates).sum::<u64>(),
            "reordered": self.conns.values().map(|c| c.reordered).sum::<u64>(),
            "missing": missing,
            "connections": self.conns.len(),
            "elapsed_s": elapsed_s,
            "msgs_per_s": if elapsed_s > 0.0 { self.received as f64 / elapsed_s } else { 0.0 },
            "latency_ns": latency,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(conn: u32, seq: u64) -> Option<Stamp> {
        Some(Stamp {
            conn,
            seq,
            time_ns: None,
        })
    }

    #[test]
    fn counts_missing_duplicates_reordered() {
        let mut s = Stats::new();
        for seq in [0, 1, 3, 2, 2, 5] {
            s.record(st(0, seq), None);
        }
        s.record(None, None);
        let v = s.summary(1.0, Some((2, 6)));
        assert_eq!(v["received"], 7);
        assert_eq!(v["unique"], 5);
        assert_eq!(v["duplicates"], 1);
        assert_eq!(v["reordered"], 1);
        assert_eq!(v["unparsed"], 1);
        // conn 0 lacks 4; conn 1 sent nothing at all: 1 + 6.
        assert_eq!(v["missing"], 7);
    }

    #[test]
    fn merge_keeps_counts() {
        let mut a = Stats::new();
        let mut b = Stats::new();
        a.record(st(0, 0), None);
        b.record(st(0, 1), None);
        b.record(st(0, 1), None);
        a.merge(b);
        let v = a.summary(1.0, Some((1, 2)));
        assert_eq!(
            (
                v["unique"].as_u64(),
                v["duplicates"].as_u64(),
                v["missing"].as_u64()
            ),
            (Some(2), Some(1), Some(0))
        );
    }

    #[test]
    fn readers_hand_in_counts_and_keep_their_sequences() {
        // Far from sequence 0, as late in a run; conn 3 over two readers.
        let seqs: Vec<u64> = (1_000_000..1_000_300)
            .chain([1_000_100, 999_990, 1_000_400])
            .collect();
        let mut one = Stats::new();
        for &q in &seqs {
            one.record(st(3, q), None);
        }
        // One reader handing in every 37 lines counts as one that never did.
        let mut total = Stats::new();
        let mut reader = Stats::new();
        for share in seqs.chunks(37) {
            for &q in share {
                reader.record(st(3, q), None);
            }
            total.merge(reader.take_counts());
        }
        total.merge(reader);
        // Two readers (two connections): the same messages, duplicates and
        // holes.
        let mut two = Stats::new();
        for half in [&seqs[..150], &seqs[150..]] {
            let mut r = Stats::new();
            half.iter().for_each(|&q| r.record(st(3, q), None));
            two.merge(r);
        }
        let c = two.summary(1.0, None);
        for k in ["received", "unique", "duplicates", "missing"] {
            assert_eq!(one.summary(1.0, None)[k], c[k], "{k}");
        }
        let (a, b) = (one.summary(1.0, None), total.summary(1.0, None));
        for k in ["received", "unique", "duplicates", "reordered", "missing"] {
            assert_eq!(a[k], b[k], "{k}");
        }
        assert_eq!(a["missing"], 1_000_401 - 302);
        assert_eq!(
            (a["duplicates"].as_u64(), a["reordered"].as_u64()),
            (Some(1), Some(1))
        );
    }
}
