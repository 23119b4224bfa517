//! Read coalescing: how long an input waits before its next read when
//! the last one found only a little, so that the next finds a batch.
//!
//! In: after each read that did not have to wait, how much it got and
//! what a full read would be. Out: a pause before the next read, or none.
//!
//! Why: a sender at a steady few hundred thousand messages a second keeps
//! a socket never quite empty, so reading whenever something is there
//! means a read — and a wake-up, a parse batch, a queue hand-off and, for
//! a forwarding action, a write — every few messages. Each of those costs
//! the kernel and the runtime far more than a message costs us: at
//! 200 000 UDP datagrams/s corelogd spent 4.7 CPU-seconds per million
//! messages (rsyslog 3.6), nearly all of it the kernel's and the
//! runtime's wake-ups. Pausing
//! lets the socket buffer gather a batch; the price is at most the
//! longest pause in latency.
//!
//! Guarantees: the pause stays within its bounds; a read that was full
//! is never followed by one (the reader is behind, not ahead), and the
//! pause shrinks then; it grows while reads get less than half of a full
//! one. imudp asks after every call (a quiet sender's datagram waits at
//! most the longest pause); imuxsock never (its queue of 10 datagrams
//! would stall the sender). A TCP session asks only after a read that
//! found its bytes without waiting, so a quiet sender's message is read
//! the moment it comes; at full speed its reads fill the buffer and it
//! never pauses (measured: the same 0.235 CPU-seconds per million
//! messages with and without), while at 1 M msgs/s paced over 4
//! connections corelogd's reads fell from 327 000 to 33 000 a second and
//! its CPU from 1.19 to 0.68 CPU-seconds per million messages.

use std::time::Duration;

/// The adaptive pause of one reader (a socket or a session).
#[derive(Debug, Clone, Copy)]
pub struct Coalesce {
    pause: Duration,
    min: Duration,
    max: Duration,
}

/// The shortest pause that is worth a timer.
pub const PAUSE_MIN: Duration = Duration::from_micros(10);

impl Coalesce {
    /// A reader whose pauses stay between [`PAUSE_MIN`] and `max`.
    pub fn new(max: Duration) -> Coalesce {
        assert!(
            max >= PAUSE_MIN,
            "a longest pause shorter than the shortest"
        );
        Coalesce {
            pause: PAUSE_MIN,
            min: PAUSE_MIN,
            max,
        }
    }

    /// After a read that got `got` of a full read's `full`: how long to
    /// wait before the next (`None`: read again at once).
    pub fn after(&mut self, got: usize, full: usize) -> Option<Duration> {
        debug_assert!(full > 0);
        if got >= full {
            self.pause = (self.pause / 2).max(self.min);
            return None;
        }
        if got < full / 2 {
            self.pause = (self.pause * 2).min(self.max);
        }
        debug_assert!(self.pause >= self.min && self.pause <= self.max);
        Some(self.pause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_within_its_bounds_and_adapts() {
        let max = Duration::from_micros(500);
        let mut c = Coalesce::new(max);
        // A trickle: the pause grows to its longest and stays there.
        for _ in 0..20 {
            assert!(c.after(1, 64).is_some_and(|p| p <= max));
        }
        assert_eq!(c.after(0, 64), Some(max));
        // A flood: full reads go on at once, and the pause shrinks.
        for _ in 0..20 {
            assert_eq!(c.after(64, 64), None);
        }
        assert_eq!(c.after(32, 64), Some(PAUSE_MIN));
        // Between half a full read and a full one, it holds.
        let held = c.after(48, 64);
        assert_eq!(c.after(48, 64), held);
    }
}
