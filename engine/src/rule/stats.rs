//! `dyn_stats()`/`dyn_inc()` and `percentile_stats()`/`percentile_observe()`:
//! counters and percentile windows keyed by what the rules compute.
//!
//! In: increments and observations from any core. Out: the values, for
//! impstats ([`crate::stats::impstats`]; rsyslog reports them only there
//! too). Guarantees, where rsyslog has none: a bucket holds
//! at most its `maxCardinality` keys (dyn_stats; rsyslog's default 2000) or
//! [`PERCENTILE_KEYS_MAX`] (percentile_stats, unbounded in rsyslog); past
//! that a new key is not added but counted as an overflow; a dyn_stats key
//! unused for `unusedMetricLife` seconds is dropped when room is needed.
//! Every operation takes one short lock.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A dyn_stats key's count and when it was last incremented.
type Counter = (u64, Instant);

/// A percentile bucket's answer for one key: (percentile, value) pairs.
pub type KeyPercentiles = (Box<[u8]>, Vec<(u8, i64)>);

/// The `p`th percentile of sorted `v` by nearest rank (0 when empty).
fn nearest_rank(v: &[i64], p: u8) -> i64 {
    if v.is_empty() {
        return 0;
    }
    let rank = (usize::from(p) * v.len()).div_ceil(100).max(1) - 1;
    v[rank.min(v.len() - 1)]
}

/// One key's window of a percentile bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub key: Box<[u8]>,
    pub percentiles: Vec<(u8, i64)>,
    pub min: i64,
    pub max: i64,
    pub sum: i64,
    pub count: u64,
}

/// The most keys a percentile bucket holds.
pub const PERCENTILE_KEYS_MAX: usize = 2000;

/// A `dyn_stats()` bucket.
#[derive(Debug)]
pub struct DynStats {
    pub name: String,
    pub resettable: bool,
    pub max_cardinality: usize,
    pub unused_life: Duration,
    counters: Mutex<HashMap<Box<[u8]>, Counter>>,
    /// Increments with an empty key (rsyslog's `no_metric`).
    pub no_metric: AtomicU64,
    /// New keys refused at `maxCardinality` (rsyslog's `ops_overflow`).
    pub overflow: AtomicU64,
    /// Keys added (`new_metric_add`) and dropped unused (`metrics_purged`).
    added: AtomicU64,
    purged: AtomicU64,
}

impl DynStats {
    pub fn new(
        name: &str,
        resettable: bool,
        max_cardinality: usize,
        unused_life: Duration,
    ) -> DynStats {
        DynStats {
            name: name.into(),
            resettable,
            max_cardinality,
            unused_life,
            counters: Mutex::default(),
            no_metric: AtomicU64::new(0),
            overflow: AtomicU64::new(0),
            added: AtomicU64::new(0),
            purged: AtomicU64::new(0),
        }
    }

    /// Keys added so far (impstats' `new_metric_add`).
    pub fn added(&self) -> u64 {
        self.added.load(Ordering::Relaxed)
    }

    /// Keys dropped for want of use (impstats' `metrics_purged`).
    pub fn purged(&self) -> u64 {
        self.purged.load(Ordering::Relaxed)
    }

    /// `dyn_inc(bucket, key)`: 0, as rsyslog returns (also when the key is
    /// empty or the bucket full, which are counted).
    pub fn inc(&self, key: &[u8]) -> i64 {
        if key.is_empty() {
            self.no_metric.fetch_add(1, Ordering::Relaxed);
            return 0;
        }
        let now = Instant::now();
        let mut c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = c.get_mut(key) {
            v.0 += 1;
            v.1 = now;
            return 0;
        }
        if c.len() >= self.max_cardinality {
            let life = self.unused_life;
            let before = c.len();
            c.retain(|_, v| now.duration_since(v.1) < life);
            self.purged
                .fetch_add((before - c.len()) as u64, Ordering::Relaxed);
        }
        if c.len() >= self.max_cardinality {
            self.overflow.fetch_add(1, Ordering::Relaxed);
            return 0;
        }
        c.insert(key.into(), (1, now));
        self.added.fetch_add(1, Ordering::Relaxed);
        0
    }

    /// Every key's count, by key, leaving them as they are.
    pub fn peek(&self) -> Vec<(Box<[u8]>, u64)> {
        let c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<_> = c.iter().map(|(k, v)| (k.clone(), v.0)).collect();
        out.sort_unstable();
        out
    }

    /// Every key's count, by key (and, when `resettable`, counting starts
    /// again).
    pub fn take(&self) -> Vec<(Box<[u8]>, u64)> {
        let mut c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<_> = c.iter().map(|(k, v)| (k.clone(), v.0)).collect();
        out.sort_unstable();
        if self.resettable {
            for v in c.values_mut() {
                v.0 = 0;
            }
        }
        out
    }
}

/// A `percentile_stats()` bucket.
#[derive(Debug)]
pub struct PercentileStats {
    pub name: String,
    pub percentiles: Vec<u8>,
    pub window: usize,
    pub delimiter: String,
    windows: Mutex<HashMap<Box<[u8]>, VecDeque<i64>>>,
    /// Observations of new keys refused at [`PERCENTILE_KEYS_MAX`].
    pub overflow: AtomicU64,
}

impl PercentileStats {
    pub fn new(
        name: &str,
        percentiles: Vec<u8>,
        window: usize,
        delimiter: &str,
    ) -> PercentileStats {
        PercentileStats {
            name: name.into(),
            percentiles,
            window: window.max(1),
            delimiter: delimiter.into(),
            windows: Mutex::default(),
            overflow: AtomicU64::new(0),
        }
    }

    /// `percentile_observe(bucket, key, value)`: 0.
    pub fn observe(&self, key: &[u8], value: i64) -> i64 {
        let mut w = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if !w.contains_key(key) && w.len() >= PERCENTILE_KEYS_MAX {
            self.overflow.fetch_add(1, Ordering::Relaxed);
            return 0;
        }
        let q = w.entry(key.into()).or_default();
        if q.len() == self.window {
            q.pop_front();
        }
        q.push_back(value);
        0
    }

    /// Keys held.
    pub fn keys(&self) -> usize {
        self.windows.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Each key's window, by key: its percentiles and its least, most,
    /// sum and count (impstats' `pNN`, `window_min`, …).
    pub fn windows(&self) -> Vec<Window> {
        // Copied under the lock, sorted outside it: observers on every
        // core wait only for the copy.
        let copied: Vec<(Box<[u8]>, Vec<i64>)> = {
            let w = self.windows.lock().unwrap_or_else(|e| e.into_inner());
            w.iter()
                .map(|(k, q)| (k.clone(), q.iter().copied().collect()))
                .collect()
        };
        let mut out: Vec<Window> = copied
            .into_iter()
            .map(|(key, mut v)| {
                v.sort_unstable();
                Window {
                    percentiles: self
                        .percentiles
                        .iter()
                        .map(|&p| (p, nearest_rank(&v, p)))
                        .collect(),
                    min: v.first().copied().unwrap_or(0),
                    max: v.last().copied().unwrap_or(0),
                    sum: v.iter().fold(0i64, |a, &x| a.saturating_add(x)),
                    count: v.len() as u64,
                    key,
                }
            })
            .collect();
        out.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        out
    }

    /// Each key's percentiles over its window (nearest rank), by key.
    pub fn percentiles(&self) -> Vec<KeyPercentiles> {
        self.windows()
            .into_iter()
            .map(|w| (w.key, w.percentiles))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_bounded_and_percentiles_windowed() {
        let d = DynStats::new("d", true, 2, Duration::from_secs(3600));
        for k in [&b"a"[..], b"a", b"b", b"c", b""] {
            assert_eq!(d.inc(k), 0);
        }
        let mut got = d.take();
        got.sort();
        assert_eq!(got, vec![(b"a"[..].into(), 2), (b"b"[..].into(), 1)]);
        assert_eq!(d.overflow.load(Ordering::Relaxed), 1);
        assert_eq!(d.no_metric.load(Ordering::Relaxed), 1);
        assert_eq!(d.take()[0].1, 0);
        let p = PercentileStats::new("p", vec![50, 95], 4, ".");
        for v in [100, 1, 2, 3, 4] {
            p.observe(b"k", v);
        }
        assert_eq!(
            p.percentiles(),
            vec![(b"k"[..].into(), vec![(50, 2), (95, 4)])]
        );
    }
}
