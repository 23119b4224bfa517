//! One core's shard of the main queue.
//!
//! In: messages from this core's inputs, each tagged with the ruleset that
//! will process it. Out: batches of up to `queue.dequeueBatchSize`, in the
//! order they were enqueued, to this core's queue worker.
//!
//! Types: FixedArray is the bounded ring of [`crate::queue::ring`],
//! allocated once at `queue.size`; LinkedList grows on demand up to
//! `queue.size` and gives its memory back when it drains; Direct is a
//! LinkedList one batch long, so inputs hand their batch over and wait.
//!
//! Guarantees: never more than `queue.size` messages held. A full shard
//! makes [`Shard::enqueue`] wait, which stops the stream inputs from
//! reading (the sender's TCP window closes); inputs that cannot wait use
//! [`Shard::enqueue_timeout`] and count what they drop. Above
//! `queue.discardMark`, messages of severity ≥ `queue.discardSeverity`
//! are discarded and counted, as rsyslog does.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::config::queue::{QueueParams, QueueType};
use crate::queue::ring::{ring, Consumer, Producer};
use crate::Message;

use super::event::Event;

/// A message and the ruleset that will process it.
pub type Item = (u32, Message);

enum Store {
    Ring(Producer<Item>, Consumer<Item>),
    List(VecDeque<Item>),
}

/// Counters of one shard.
#[derive(Debug, Default, Clone, Copy)]
pub struct ShardStats {
    pub enqueued: u64,
    pub discarded: u64,
    pub dropped_full: u64,
}

pub struct Shard {
    store: RefCell<Store>,
    size: usize,
    batch: usize,
    discard_mark: usize,
    discard_severity: u16,
    timeout_enqueue: Duration,
    closed: Cell<bool>,
    stats: Cell<ShardStats>,
    /// Notified when messages arrive or the shard closes.
    pub not_empty: Event,
    /// Notified when the worker makes room.
    pub not_full: Event,
}

impl Shard {
    pub fn new(q: &QueueParams) -> Shard {
        let batch = q.dequeue_batch_size.max(1) as usize;
        let (store, size) = match q.kind {
            QueueType::FixedArray => {
                let (p, c) = ring((q.size.max(1) as usize).next_power_of_two());
                let cap = p.capacity();
                (Store::Ring(p, c), cap.min(q.size.max(1) as usize))
            }
            QueueType::Direct => (Store::List(VecDeque::new()), batch),
            _ => (Store::List(VecDeque::new()), q.size.max(1) as usize),
        };
        Shard {
            store: RefCell::new(store),
            size,
            batch,
            discard_mark: q.discard_mark.max(1) as usize,
            discard_severity: q.discard_severity.clamp(0, 8) as u16,
            timeout_enqueue: Duration::from_millis(q.timeout_enqueue_ms.max(0) as u64),
            closed: Cell::new(false),
            stats: Cell::new(ShardStats::default()),
            not_empty: Event::default(),
            not_full: Event::default(),
        }
    }

    pub fn len(&self) -> usize {
        match &*self.store.borrow() {
            Store::Ring(_, c) => c.len(),
            Store::List(l) => l.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn stats(&self) -> ShardStats {
        self.stats.get()
    }

    pub fn batch_size(&self) -> usize {
        self.batch
    }

    /// No more input: the worker drains what is queued and ends.
    pub fn close(&self) {
        self.closed.set(true);
        self.not_empty.notify();
    }

    pub fn is_closed(&self) -> bool {
        self.closed.get()
    }

    /// Enqueues every item of `items`, waiting for room as long as needed.
    pub async fn enqueue(&self, items: &mut Vec<Item>) {
        let mut it = items.drain(..).peekable();
        while it.peek().is_some() {
            let n = self.push_some(&mut it);
            if n == 0 {
                self.not_full.listen().await;
            }
        }
    }

    /// Enqueues `items`, waiting at most `queue.timeoutEnqueue` for room;
    /// returns how many were dropped because the shard stayed full.
    pub async fn enqueue_timeout(&self, items: &mut Vec<Item>) -> u64 {
        let deadline = Instant::now() + self.timeout_enqueue;
        let mut it = items.drain(..).peekable();
        while it.peek().is_some() {
            if self.push_some(&mut it) > 0 {
                continue;
            }
            let now = Instant::now();
            if now >= deadline {
                let dropped = it.count() as u64;
                let mut s = self.stats.get();
                s.dropped_full += dropped;
                self.stats.set(s);
                return dropped;
            }
            let wait = glommio::timer::sleep((deadline - now).min(Duration::from_millis(10)));
            futures_lite::future::or(self.not_full.listen(), wait).await;
        }
        0
    }

    /// Pushes what fits; discards per discardMark. Returns items consumed.
    fn push_some(&self, it: &mut std::iter::Peekable<std::vec::Drain<'_, Item>>) -> usize {
        let mut consumed = 0;
        let mut s = self.stats.get();
        {
            let mut store = self.store.borrow_mut();
            let mut len = match &*store {
                Store::Ring(_, c) => c.len(),
                Store::List(l) => l.len(),
            };
            while len < self.size {
                let Some(item) = it.next() else { break };
                consumed += 1;
                if len >= self.discard_mark && item.1.severity() >= self.discard_severity {
                    s.discarded += 1;
                    continue;
                }
                match &mut *store {
                    Store::Ring(p, _) => {
                        let pushed = p.push(item);
                        debug_assert!(pushed.is_ok(), "len < size means the ring has room");
                    }
                    Store::List(l) => l.push_back(item),
                }
                len += 1;
                s.enqueued += 1;
            }
        }
        self.stats.set(s);
        if consumed > 0 {
            self.not_empty.notify();
        }
        consumed
    }

    /// Takes up to one batch into `out` (cleared first); waits while the
    /// shard is empty and open. Returns false when closed and drained.
    pub async fn dequeue(&self, out: &mut Vec<Item>) -> bool {
        out.clear();
        loop {
            {
                let mut store = self.store.borrow_mut();
                let n = match &mut *store {
                    Store::Ring(_, c) => c.pop_batch(out, self.batch),
                    Store::List(l) => {
                        let n = l.len().min(self.batch);
                        out.extend(l.drain(..n));
                        if l.is_empty() && l.capacity() > 4 * self.batch {
                            l.shrink_to(self.batch);
                        }
                        n
                    }
                };
                if n > 0 {
                    drop(store);
                    self.not_full.notify();
                    return true;
                }
            }
            if self.closed.get() {
                return false;
            }
            self.not_empty.listen().await;
        }
    }
}
