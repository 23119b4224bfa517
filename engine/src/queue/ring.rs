//! The FixedArray queue's ring: a bounded single-producer,
//! single-consumer ring between two cores.
//!
//! In: values pushed by one thread (the producer). Out: the same values, in
//! the same order, popped by one other thread (the consumer), one at a time
//! or in batches. Guarantees: no allocation after creation; no lock; the
//! producer and the consumer each write only their own index (on separate
//! cache lines, `CachePadded`) and read the other's with acquire ordering,
//! and each keeps a cached copy of the other's index so that a full batch
//! costs one cross-core read; a full ring refuses a push (the caller decides
//! whether to wait or drop — back-pressure is the caller's policy); values
//! left in the ring are dropped with it.
//!
//! Invariants (asserted in debug builds): `head <= tail <= head + capacity`
//! on both sides, where `head` counts pops and `tail` counts pushes.

use std::cell::{Cell, UnsafeCell};
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crossbeam_utils::CachePadded;

struct Shared<T> {
    slots: Box<[UnsafeCell<MaybeUninit<T>>]>,
    mask: usize,
    /// Pops so far; written by the consumer only.
    head: CachePadded<AtomicUsize>,
    /// Pushes so far; written by the producer only.
    tail: CachePadded<AtomicUsize>,
}

// SAFETY: a slot is written only by the producer while it is outside
// `head..tail` and read only by the consumer while it is inside; the
// release/acquire pairs on `tail` (push → pop) and `head` (pop → push)
// order those accesses, so no slot is ever accessed from both threads at
// once. `T: Send` is required because values move between threads.
unsafe impl<T: Send> Sync for Shared<T> {}
// SAFETY: as above; the ring owns its values, which are `Send`.
unsafe impl<T: Send> Send for Shared<T> {}

impl<T> Drop for Shared<T> {
    fn drop(&mut self) {
        let head = *self.head.get_mut();
        let tail = *self.tail.get_mut();
        debug_assert!(head <= tail && tail - head <= self.slots.len());
        for i in head..tail {
            // SAFETY: slots in head..tail hold initialised values that were
            // pushed and not popped; `&mut self` means no other access, and
            // each is dropped exactly once.
            unsafe { (*self.slots[i & self.mask].get()).assume_init_drop() };
        }
    }
}

/// The pushing end.
pub struct Producer<T> {
    shared: Arc<Shared<T>>,
    /// The consumer's `head` as last read.
    head_cache: Cell<usize>,
}

/// The popping end.
pub struct Consumer<T> {
    shared: Arc<Shared<T>>,
    /// The producer's `tail` as last read.
    tail_cache: Cell<usize>,
}

/// A ring of `capacity` slots (a power of two, at least 1).
pub fn ring<T>(capacity: usize) -> (Producer<T>, Consumer<T>) {
    assert!(
        capacity.is_power_of_two(),
        "ring capacity must be a power of two, not {capacity}"
    );
    let slots = (0..capacity)
        .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
        .collect();
    let shared = Arc::new(Shared {
        slots,
        mask: capacity - 1,
        head: CachePadded::new(AtomicUsize::new(0)),
        tail: CachePadded::new(AtomicUsize::new(0)),
    });
    (
        Producer {
            shared: Arc::clone(&shared),
            head_cache: Cell::new(0),
        },
        Consumer {
            shared,
            tail_cache: Cell::new(0),
        },
    )
}

impl<T> Producer<T> {
    pub fn capacity(&self) -> usize {
        self.shared.slots.len()
    }

    /// Slots free now (reads the consumer's index).
    pub fn free(&self) -> usize {
        self.head_cache
            .set(self.shared.head.load(Ordering::Acquire));
        self.room()
    }

    /// Free slots by the cached consumer index, refreshed only when that
    /// says the ring is full: one cross-core read per full ring, not per push.
    fn room(&self) -> usize {
        let tail = self.shared.tail.load(Ordering::Relaxed);
        let mut head = self.head_cache.get();
        if tail - head == self.capacity() {
            head = self.shared.head.load(Ordering::Acquire);
            self.head_cache.set(head);
        }
        debug_assert!(head <= tail && tail - head <= self.capacity());
        self.capacity() - (tail - head)
    }

    /// Pushes `v`, or gives it back when the ring is full.
    pub fn push(&mut self, v: T) -> Result<(), T> {
        if self.room() == 0 {
            return Err(v);
        }
        let tail = self.shared.tail.load(Ordering::Relaxed);
        // SAFETY: `free() > 0` means slot `tail` lies outside head..tail,
        // so the consumer does not access it; only this producer writes.
        unsafe { (*self.shared.slots[tail & self.shared.mask].get()).write(v) };
        self.shared.tail.store(tail + 1, Ordering::Release);
        Ok(())
    }

    /// Pushes from `items` while there is room; returns how many.
    pub fn push_batch(&mut self, items: &mut impl Iterator<Item = T>) -> usize {
        let room = self.free();
        let tail = self.shared.tail.load(Ordering::Relaxed);
        let mut n = 0;
        while n < room {
            let Some(v) = items.next() else { break };
            // SAFETY: slots tail..tail + room are free (see `push`).
            unsafe { (*self.shared.slots[(tail + n) & self.shared.mask].get()).write(v) };
            n += 1;
        }
        if n > 0 {
            self.shared.tail.store(tail + n, Ordering::Release);
        }
        n
    }
}

impl<T> Consumer<T> {
    pub fn capacity(&self) -> usize {
        self.shared.slots.len()
    }

    /// Values ready now (reads the producer's index).
    pub fn len(&self) -> usize {
        self.tail_cache
            .set(self.shared.tail.load(Ordering::Acquire));
        self.ready()
    }

    /// Ready values by the cached producer index, refreshed only when that
    /// says the ring is empty.
    fn ready(&self) -> usize {
        let head = self.shared.head.load(Ordering::Relaxed);
        let mut tail = self.tail_cache.get();
        if tail == head {
            tail = self.shared.tail.load(Ordering::Acquire);
            self.tail_cache.set(tail);
        }
        debug_assert!(head <= tail && tail - head <= self.capacity());
        tail - head
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Pops the oldest value.
    pub fn pop(&mut self) -> Option<T> {
        if self.ready() == 0 {
            return None;
        }
        let head = self.shared.head.load(Ordering::Relaxed);
        // SAFETY: `len() > 0` means slot `head` holds a value the producer
        // published (acquire on `tail`) and will not touch until `head`
        // moves past it; reading moves the value out exactly once.
        let v = unsafe { (*self.shared.slots[head & self.shared.mask].get()).assume_init_read() };
        self.shared.head.store(head + 1, Ordering::Release);
        Some(v)
    }

    /// Pops up to `max` values into `out`, in order; returns how many.
    pub fn pop_batch(&mut self, out: &mut Vec<T>, max: usize) -> usize {
        let n = self.len().min(max);
        let head = self.shared.head.load(Ordering::Relaxed);
        out.reserve(n);
        for i in 0..n {
            // SAFETY: slots head..head + n hold published values (see `pop`).
            out.push(unsafe {
                (*self.shared.slots[(head + i) & self.shared.mask].get()).assume_init_read()
            });
        }
        if n > 0 {
            self.shared.head.store(head + n, Ordering::Release);
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::atomic::AtomicUsize;

    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Any sequence of pushes and pops behaves as a bounded VecDeque.
        #[test]
        fn matches_a_bounded_vecdeque(ops in proptest::collection::vec((any::<bool>(), 0usize..10), 0..400), cap_log in 0u32..5) {
            let cap = 1usize << cap_log;
            let (mut p, mut c) = ring::<u32>(cap);
            let mut model = VecDeque::new();
            let mut next = 0u32;
            for (push, k) in ops {
                if push {
                    let mut items = (next..next + k as u32).peekable();
                    let n = p.push_batch(&mut items);
                    let want = k.min(cap - model.len());
                    prop_assert_eq!(n, want);
                    model.extend(next..next + n as u32);
                    next += k as u32;
                } else {
                    let mut out = Vec::new();
                    let n = c.pop_batch(&mut out, k);
                    let want: Vec<u32> = (0..n).filter_map(|_| model.pop_front()).collect();
                    prop_assert_eq!(out, want);
                }
                prop_assert_eq!(c.len(), model.len());
                prop_assert_eq!(p.free(), cap - model.len());
            }
        }
    }

    #[test]
    fn full_ring_refuses_and_keeps_order_across_threads() {
        let (mut p, mut c) = ring::<u64>(1024);
        const N: u64 = 1_000_000;
        let producer = std::thread::spawn(move || {
            let mut i = 0;
            while i < N {
                match p.push(i) {
                    Ok(()) => i += 1,
                    Err(_) => std::thread::yield_now(),
                }
            }
        });
        let mut expect = 0;
        let mut out = Vec::with_capacity(256);
        while expect < N {
            out.clear();
            if c.pop_batch(&mut out, 256) == 0 {
                std::thread::yield_now();
            }
            for v in &out {
                assert_eq!(*v, expect);
                expect += 1;
            }
        }
        producer.join().unwrap();
        assert!(c.pop().is_none());
    }

    #[test]
    fn values_left_in_the_ring_are_dropped_once() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        struct D;
        impl Drop for D {
            fn drop(&mut self) {
                DROPS.fetch_add(1, Ordering::Relaxed);
            }
        }
        let (mut p, mut c) = ring::<D>(4);
        for _ in 0..4 {
            assert!(p.push(D).is_ok());
        }
        assert!(p.push(D).is_err()); // refused and dropped by the caller: 1
        drop(c.pop()); // 2
        drop(p);
        drop(c); // the three left: 5
        assert_eq!(DROPS.load(Ordering::Relaxed), 5);
    }
}
