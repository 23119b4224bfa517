//! rsyslog's per-input rate limiter (`rateLimit.interval` / `.burst`).
//!
//! In: one call per message with the receive time. Out: whether to keep
//! it. At most `burst` messages pass per `interval` seconds; the rest are
//! dropped and counted, and when a window with drops ends, the count is
//! reported as rsyslog does ("N messages lost due to rate-limiting").
//! An interval of 0 turns the limiter off.

use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct RateLimit {
    interval: Duration,
    burst: u64,
    window_start: Option<Instant>,
    in_window: u64,
    dropped_in_window: u64,
    /// Dropped since start.
    pub dropped: u64,
}

impl RateLimit {
    pub fn new(interval_s: u64, burst: u64) -> RateLimit {
        RateLimit {
            interval: Duration::from_secs(interval_s),
            burst,
            window_start: None,
            in_window: 0,
            dropped_in_window: 0,
            dropped: 0,
        }
    }

    pub fn is_on(&self) -> bool {
        !self.interval.is_zero()
    }

    /// Whether a message arriving at `now` passes; `name` names the input
    /// in the report.
    pub fn admit(&mut self, now: Instant, name: &str) -> bool {
        if !self.is_on() {
            return true;
        }
        let start = *self.window_start.get_or_insert(now);
        if now.duration_since(start) >= self.interval {
            if self.dropped_in_window > 0 {
                crate::notice!(
                    "corelogd: input {name}: {} messages lost due to rate-limiting (rateLimit.burst {} per {} s).",
                    self.dropped_in_window,
                    self.burst,
                    self.interval.as_secs()
                );
            }
            self.window_start = Some(now);
            self.in_window = 0;
            self.dropped_in_window = 0;
        }
        if self.in_window < self.burst {
            self.in_window += 1;
            true
        } else {
            self.dropped_in_window += 1;
            self.dropped += 1;
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_per_interval() {
        let mut r = RateLimit::new(1, 3);
        let t0 = Instant::now();
        let passed = (0..10).filter(|_| r.admit(t0, "t")).count();
        assert_eq!(passed, 3);
        assert_eq!(r.dropped, 7);
        assert!(r.admit(t0 + Duration::from_secs(1), "t"));
    }

    #[test]
    fn off_when_interval_zero() {
        let mut r = RateLimit::new(0, 1);
        assert!((0..100).all(|_| r.admit(Instant::now(), "t")));
    }
}
