//! What a receiver learns from the stamps it reads: per connection, which
//! sequence numbers arrived (missing, duplicated, out of order), and the
//! end-to-end latency from the intended send time (coordinated-omission
//! corrected, as wrk2 measures), in an HdrHistogram.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde_json::{json, Value};

use crate::msg::Stamp;

/// Sequence bookkeeping for one connection.
#[derive(Debug, Default, Clone)]
struct ConnSeq {
    seen: Vec<u64>,
    unique: u64,
    duplicates: u64,
    reordered: u64,
    max_seq: Option<u64>,
}

impl ConnSeq {
    fn record(&mut self, seq: u64) {
        let (word, bit) = ((seq / 64) as usize, seq % 64);
        if self.seen.len() <= word {
            self.seen.resize(word + 1, 0);
        }
        if self.seen[word] & (1 << bit) != 0 {
            self.duplicates += 1;
            return;
        }
        self.seen[word] |= 1 << bit;
        self.unique += 1;
        match self.max_seq {
            Some(m) if seq < m => self.reordered += 1,
            Some(m) if seq <= m => {}
            _ => self.max_seq = Some(seq),
        }
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
            .take(full)
            .map(|w| u64::from(w.count_ones()))
            .sum();
        if let Some(w) = self.seen.get(full) {
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

    /// Adds another receiver thread's counts.
    pub fn merge(&mut self, other: Stats) {
        self.received += other.received;
        self.unparsed += other.unparsed;
        // Same bounds on both sides; adding cannot fail.
        let _ = self.latency_ns.add(&other.latency_ns);
        for (c, s) in other.conns {
            let mine = self.conns.entry(c).or_default();
            if mine.seen.is_empty() {
                *mine = s;
                continue;
            }
            for (w, bits) in s.seen.iter().enumerate() {
                for b in 0..64 {
                    if bits & (1 << b) != 0 {
                        mine.record(w as u64 * 64 + b);
                    }
                }
            }
            mine.duplicates += s.duplicates;
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
}
