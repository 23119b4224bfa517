//! One core's shard of the main queue.
//!
//! In: messages from this core's inputs, a read's worth at a time, each
//! message carrying the ruleset that will process it. Out: those chunks,
//! in the order they were enqueued, to this core's queue worker, which
//! runs them in batches of `queue.dequeueBatchSize`.
//!
//! The shard moves whole chunks (`Vec<Message>`), not messages: a message
//! is written once, where the parser puts it, and read in place by the
//! rules. Emptied chunks come back to the shard and are reused, so the
//! steady state allocates nothing.
//!
//! Types: FixedArray is the bounded ring of [`crate::queue::ring`] (of
//! chunks; allocated once); LinkedList is a deque that grows on demand and
//! gives memory back when it drains; Direct is a LinkedList one batch long,
//! so inputs hand their batch over and wait.
//!
//! Guarantees: never more than `queue.size` messages held (a chunk larger
//! than the free room is split). A full shard makes [`Shard::enqueue`]
//! wait, which stops the stream inputs from reading (the sender's TCP
//! window closes); inputs that cannot wait use [`Shard::enqueue_timeout`]
//! and count what they drop. Above `queue.discardMark`, messages of
//! severity ≥ `queue.discardSeverity` are discarded and counted, as
//! rsyslog does.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::config::queue::{QueueParams, QueueType};
use crate::queue::ring::{ring, Consumer, Producer};
use crate::Message;

use super::event::Event;

/// What the shard holds: chunks of messages, each with its ruleset.
pub type Chunk = Vec<Message>;

enum Store {
    Ring(Producer<Chunk>, Consumer<Chunk>),
    List(VecDeque<Chunk>),
}

impl Store {
    fn push(&mut self, c: Chunk) {
        match self {
            Store::Ring(p, _) => {
                let pushed = p.push(c);
                debug_assert!(pushed.is_ok(), "one ring slot per message of room");
            }
            Store::List(l) => l.push_back(c),
        }
    }

    fn pop(&mut self) -> Option<Chunk> {
        match self {
            Store::Ring(_, c) => c.pop(),
            Store::List(l) => l.pop_front(),
        }
    }
}

/// Counters of one shard.
#[derive(Debug, Default, Clone, Copy)]
pub struct ShardStats {
    pub enqueued: u64,
    pub discarded: u64,
    pub dropped_full: u64,
}

/// Emptied chunks kept for reuse.
const SPARE_CHUNKS: usize = 64;

pub struct Shard {
    store: RefCell<Store>,
    /// Messages held.
    len: Cell<usize>,
    size: usize,
    batch: usize,
    discard_mark: usize,
    discard_severity: u16,
    light_delay_mark: usize,
    timeout_enqueue: Duration,
    closed: Cell<bool>,
    stats: Cell<ShardStats>,
    spare: RefCell<Vec<Chunk>>,
    /// Notified when messages arrive or the shard closes.
    pub not_empty: Event,
    /// Notified when the worker makes room.
    pub not_full: Event,
}

impl Shard {
    pub fn new(q: &QueueParams) -> Shard {
        let batch = q.dequeue_batch_size.max(1) as usize;
        let size = match q.kind {
            QueueType::Direct => batch,
            _ => q.size.max(1) as usize,
        };
        let store = match q.kind {
            // A chunk holds at least one message: `size` slots always do.
            QueueType::FixedArray => {
                let (p, c) = ring(size.next_power_of_two());
                Store::Ring(p, c)
            }
            _ => Store::List(VecDeque::new()),
        };
        Shard {
            store: RefCell::new(store),
            len: Cell::new(0),
            size,
            batch,
            discard_mark: q.discard_mark.max(1) as usize,
            discard_severity: q.discard_severity.clamp(0, 8) as u16,
            // 0 means "size": disabled.
            light_delay_mark: match q.light_delay_mark {
                m if m <= 0 => size,
                m => (m as usize).min(size),
            },
            timeout_enqueue: Duration::from_millis(q.timeout_enqueue_ms.max(0) as u64),
            closed: Cell::new(false),
            stats: Cell::new(ShardStats::default()),
            spare: RefCell::new(Vec::new()),
            not_empty: Event::default(),
            not_full: Event::default(),
        }
    }

    /// Messages held.
    pub fn len(&self) -> usize {
        self.len.get()
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

    /// An empty chunk to fill (a reused one when there is one).
    pub fn chunk(&self) -> Chunk {
        self.spare.borrow_mut().pop().unwrap_or_default()
    }

    /// Gives an emptied chunk back for reuse.
    pub fn recycle(&self, mut c: Chunk) {
        c.clear();
        let mut spare = self.spare.borrow_mut();
        if spare.len() < SPARE_CHUNKS && c.capacity() > 0 {
            spare.push(c);
        }
    }

    /// Enqueues every message of `items`, waiting for room as long as
    /// needed; leaves `items` empty (and ready for reuse).
    ///
    /// For inputs with flow control (imtcp, imptcp): above
    /// `queue.lightDelayMark` the input first waits, once and at most a
    /// second, for the shard to fall to half the mark (rsyslog's light
    /// delay), leaving room for inputs that cannot wait.
    pub async fn enqueue(&self, items: &mut Chunk) {
        if self.len.get() >= self.light_delay_mark && self.light_delay_mark < self.size {
            let deadline = Instant::now() + Duration::from_secs(1);
            while self.len.get() >= self.light_delay_mark / 2
                && self.not_full.listen_until(deadline).await
            {}
        }
        while !items.is_empty() {
            if !self.push_some(items) {
                self.not_full.listen().await;
            }
        }
    }

    /// Enqueues `items`, waiting at most `queue.timeoutEnqueue` for room;
    /// returns how many were dropped because the shard stayed full.
    pub async fn enqueue_timeout(&self, items: &mut Chunk) -> u64 {
        let deadline = Instant::now() + self.timeout_enqueue;
        while !items.is_empty() {
            if self.push_some(items) {
                continue;
            }
            if !self.not_full.listen_until(deadline).await {
                let dropped = items.len() as u64;
                items.clear();
                let mut s = self.stats.get();
                s.dropped_full += dropped;
                self.stats.set(s);
                return dropped;
            }
        }
        0
    }

    /// Moves what fits of `items` into the shard (the whole vector when it
    /// all fits, replacing it with a spare one); applies discardMark.
    /// Returns whether anything was taken.
    fn push_some(&self, items: &mut Chunk) -> bool {
        let mut s = self.stats.get();
        let len = self.len.get();
        if len >= self.discard_mark && self.discard_severity < 8 {
            let before = items.len();
            let sev = self.discard_severity;
            items.retain(|m| m.severity() < sev);
            s.discarded += (before - items.len()) as u64;
            if items.is_empty() {
                self.stats.set(s);
                return true;
            }
        }
        let room = self.size.saturating_sub(len);
        if room == 0 {
            self.stats.set(s);
            return false;
        }
        let chunk = if items.len() <= room {
            std::mem::replace(items, self.chunk())
        } else {
            let mut part = self.chunk();
            part.extend(items.drain(..room));
            part
        };
        let n = chunk.len();
        self.store.borrow_mut().push(chunk);
        self.len.set(len + n);
        s.enqueued += n as u64;
        self.stats.set(s);
        self.not_empty.notify();
        true
    }

    /// Takes the oldest chunk; waits while the shard is empty and open.
    /// Returns `None` when closed and drained. The caller runs it in
    /// batches of [`Shard::batch_size`] and gives it back with
    /// [`Shard::recycle`].
    pub async fn dequeue(&self) -> Option<Chunk> {
        loop {
            let popped = self.store.borrow_mut().pop();
            if let Some(c) = popped {
                self.len.set(self.len.get() - c.len());
                if let Store::List(l) = &mut *self.store.borrow_mut() {
                    if l.is_empty() && l.capacity() > 1024 {
                        l.shrink_to(64);
                    }
                }
                self.not_full.notify();
                return Some(c);
            }
            if self.closed.get() {
                return None;
            }
            self.not_empty.listen().await;
        }
    }
}
