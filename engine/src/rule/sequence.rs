//! mmsequence: numbers for messages, as rsyslog 8.2302's
//! `contrib/mmsequence` makes them — a counter per action instance, a
//! counter shared by name (`key`), or a random number in a range.
//!
//! In: the settings of one `action(type="mmsequence")`. Out: the next
//! number, which the modifier sets into its variable (`$!mmsequence` by
//! default).
//!
//! Guarantees: a counter runs through `[from, to)` in steps of `step` and
//! starts again at `from`; it is one atomic word, so every core that runs
//! the action draws from the same sequence and no number is handed out
//! twice in a round (rsyslog serialises the same with a mutex). Counters
//! of `mode="key"` are shared by every instance with the same key in the
//! process, as rsyslog's hash table is, and there are only as many as the
//! configuration names.
//!
//! Where rsyslog is defective, corelog does better: `mode="random"` with
//! `to <= from` is refused at load (rsyslog divides by zero, or draws
//! outside the range).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// What a sequence counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceMode {
    /// Uniformly drawn from `[from, to)`.
    Random,
    /// A counter of this action instance.
    Instance,
    /// A counter shared by all instances with the same key.
    Key,
}

/// A counter's current value, shared by the cores (and, for `key`, by the
/// instances) that draw from it.
#[derive(Debug, Clone)]
pub struct Counter(Arc<AtomicI64>);

impl PartialEq for Counter {
    /// Two counters are the same when they are one word.
    fn eq(&self, other: &Counter) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// A counter not drawn from yet: below any `from`, so its first number
/// is `from` (rsyslog starts a counter at `to`, which is past the last
/// number, to the same effect).
const FRESH: i64 = i64::MIN;

impl Counter {
    fn fresh() -> Counter {
        Counter(Arc::new(AtomicI64::new(FRESH)))
    }

    /// The counter of `key`, made on first use and kept for the process.
    pub fn keyed(key: &str) -> Counter {
        static KEYS: OnceLock<Mutex<HashMap<String, Counter>>> = OnceLock::new();
        let mut keys = KEYS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.entry(key.to_string())
            .or_insert_with(Counter::fresh)
            .clone()
    }
}

/// One `action(type="mmsequence")`'s numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Sequence {
    mode: SequenceMode,
    from: i64,
    to: i64,
    step: i64,
    /// The key of [`SequenceMode::Key`]'s shared counter.
    key: Option<Box<str>>,
    counter: Counter,
}

impl Sequence {
    /// A sequence over `[from, to)`; `counter` is the key's for
    /// [`SequenceMode::Key`] and a new one otherwise.
    pub fn new(mode: SequenceMode, from: i64, to: i64, step: i64, key: &str) -> Sequence {
        assert!(from >= 0 && to >= 1 && step >= 0, "checked by the table");
        assert!(mode != SequenceMode::Random || to > from, "checked at load");
        let (key, counter) = match mode {
            SequenceMode::Key => (Some(key.into()), Counter::keyed(key)),
            _ => (None, Counter::fresh()),
        };
        Sequence {
            mode,
            from,
            to,
            step,
            key,
            counter,
        }
    }

    /// The next number.
    pub fn next(&self) -> i64 {
        if self.mode == SequenceMode::Random {
            let span = self.to - self.from;
            return self.from + i64::from(crate::rule::functions::random_u31()) % span;
        }
        // rsyslog: past `to - step` (or before `from`: a fresh counter, or
        // one of this key left by an instance with another range) it starts
        // again at `from`, else it adds `step`.
        let advance = |v: i64| {
            if v >= self.to - self.step || v < self.from {
                self.from
            } else {
                v + self.step
            }
        };
        let mut v = self.counter.0.load(Ordering::Relaxed);
        loop {
            let next = advance(v);
            match self.counter.0.compare_exchange_weak(
                v,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    debug_assert!(next >= self.from && (next < self.to || next == self.from));
                    return next;
                }
                Err(now) => v = now,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draw(s: &Sequence, n: usize) -> Vec<i64> {
        (0..n).map(|_| s.next()).collect()
    }

    #[test]
    fn an_instance_counts_from_from_below_to_and_wraps() {
        let s = Sequence::new(SequenceMode::Instance, 0, i32::MAX.into(), 1, "");
        assert_eq!(draw(&s, 4), [0, 1, 2, 3]);
        let s = Sequence::new(SequenceMode::Instance, 2, 9, 3, "");
        assert_eq!(draw(&s, 6), [2, 5, 8, 2, 5, 8]);
        let s = Sequence::new(SequenceMode::Instance, 1, 4, 1, "");
        assert_eq!(draw(&s, 7), [1, 2, 3, 1, 2, 3, 1]);
        // A step of 0 (allowed by rsyslog) gives `from` for ever.
        let s = Sequence::new(SequenceMode::Instance, 7, 10, 0, "");
        assert_eq!(draw(&s, 3), [7, 7, 7]);
        // `from` at or past `to`: always `from`, as rsyslog.
        let s = Sequence::new(SequenceMode::Instance, 10, 5, 1, "");
        assert_eq!(draw(&s, 3), [10, 10, 10]);
    }

    #[test]
    fn instances_of_one_key_share_their_counter_and_others_do_not() {
        let a = Sequence::new(SequenceMode::Key, 1, 100, 1, "sequence-unit-test");
        let b = Sequence::new(SequenceMode::Key, 1, 100, 1, "sequence-unit-test");
        let c = Sequence::new(SequenceMode::Instance, 1, 100, 1, "sequence-unit-test");
        assert_eq!([a.next(), b.next(), a.next(), b.next()], [1, 2, 3, 4]);
        assert_eq!(c.next(), 1);
        assert_eq!(a.counter, b.counter);
        assert_ne!(a.counter, c.counter);
    }

    #[test]
    fn random_numbers_stay_in_their_range() {
        let s = Sequence::new(SequenceMode::Random, 5, 8, 1, "");
        let seen = draw(&s, 1000);
        assert!(seen.iter().all(|v| (5..8).contains(v)), "{seen:?}");
        for v in 5..8 {
            assert!(seen.contains(&v), "{v} never drawn in 1000");
        }
    }

    #[test]
    fn cores_drawing_at_once_get_every_number_of_a_round_once() {
        let s = Arc::new(Sequence::new(SequenceMode::Instance, 0, 1 << 30, 1, ""));
        let all: Vec<i64> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    let s = Arc::clone(&s);
                    scope.spawn(move || draw(&s, 10_000))
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("no panic"))
                .collect()
        });
        let mut sorted = all.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..40_000).collect::<Vec<i64>>());
    }
}
