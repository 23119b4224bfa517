//! An action's own queue (`queue.type` other than Direct on an action), on
//! the core that owns the action.
//!
//! In: rendered batches for the action, from this core's worker and from
//! the other cores. Out: the same batches, in order, to the action's
//! runner, from a worker task of its own — so an output that is slow,
//! suspended or retrying forever holds only its own queue, and the main
//! queue goes on feeding the other actions. This is what rsyslog's action
//! queues are for.
//!
//! Memory queues are bounded by `queue.size` messages. When one is full,
//! enqueueing waits up to `queue.timeoutEnqueue` (2 s by default, as
//! rsyslog) and then drops the batch and counts it (`timeoutEnqueue="0"`:
//! drop at once). With `queue.filename` the queue is disk-assisted (or,
//! `queue.type="Disk"`, on disk only): batches above the high watermark go
//! to segment files, one record per batch, and wait there — across
//! restarts — until the runner has delivered them; then only
//! `queue.maxDiskSpace` bounds it. An enqueue returns once the batch is
//! held (in memory, or durable on disk); a batch leaves the queue only
//! when the runner is done with it.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::ops::Range;
use std::rc::Rc;
use std::time::{Duration, Instant};

use glommio::sync::RwLock;

use crate::config::queue::QueueParams;
use crate::output::runner::ActionRunner;
use crate::output::Rendered;
use crate::queue::record::kind;
use crate::queue::spool::{wait_room_until, Held, Pushed, Spill, Spool, Taken};
use crate::queue::store::{Store, Ticket};

use crate::event::Event;

impl Spill for Rendered {
    fn units(&self) -> usize {
        self.count as usize
    }

    fn write(&self, store: &Store) -> Result<(Range<u64>, Option<Ticket>), String> {
        let (seq, t) = store.append(kind::RENDERED, self.count as u64, |out| self.encode(out))?;
        Ok((seq..seq + 1, Some(t)))
    }
}

pub struct ActionQueue {
    batches: RefCell<VecDeque<Rendered>>,
    spool: Option<Spool<Rendered>>,
    /// Messages held.
    len: Cell<usize>,
    size: usize,
    timeout_enqueue: Duration,
    closed: Cell<bool>,
    /// A disk read failed: try again rather than wait for new records.
    retry: Cell<bool>,
    /// Messages dropped because the queue stayed full.
    pub dropped: Cell<u64>,
    not_empty: Event,
    not_full: Event,
}

impl ActionQueue {
    pub fn new(q: &QueueParams, store: Option<Rc<Store>>) -> ActionQueue {
        let size = q.size.max(1) as usize;
        let spool = store.map(|store| Spool::for_queue(store, q));
        ActionQueue {
            len: Cell::new(spool.as_ref().map_or(0, |s| s.disk_units())),
            batches: RefCell::new(VecDeque::new()),
            spool,
            size,
            timeout_enqueue: Duration::from_millis(q.timeout_enqueue_ms.max(0) as u64),
            closed: Cell::new(false),
            retry: Cell::new(false),
            dropped: Cell::new(0),
            not_empty: Event::default(),
            not_full: Event::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.len.get()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn spool(&self) -> Option<&Spool<Rendered>> {
        self.spool.as_ref()
    }

    /// Whether a batch of `n` fits now.
    fn fits(&self, n: usize) -> bool {
        let len = self.len.get();
        match &self.spool {
            Some(sp) if sp.to_disk(len, n) => {
                sp.has_room() && (len == 0 || !sp.disk_only() || len + n <= self.size)
            }
            // An empty queue takes any batch, however large.
            _ => len == 0 || len + n <= self.size,
        }
    }

    /// Queues `r`, waiting up to `timeoutEnqueue` for room; returns false
    /// when it was dropped.
    pub async fn enqueue(&self, r: Rendered) -> bool {
        let n = r.count as usize;
        let deadline = Instant::now() + self.timeout_enqueue;
        while !self.fits(n) {
            let room = wait_room_until(&self.not_full, self.spool.as_ref(), deadline).await;
            if !room {
                self.dropped.set(self.dropped.get() + n as u64);
                return false;
            }
        }
        let len = self.len.get();
        let ticket = match &self.spool {
            None => {
                self.batches.borrow_mut().push_back(r);
                None
            }
            Some(sp) => match sp.push(r, len) {
                Pushed::Memory => None,
                Pushed::Disk(t) => t,
                Pushed::Refused => {
                    self.dropped.set(self.dropped.get() + n as u64);
                    return false;
                }
            },
        };
        self.len.set(len + n);
        self.not_empty.notify();
        if let (Some(sp), Some(t)) = (&self.spool, ticket) {
            sp.store.wait_durable(t).await;
        }
        true
    }

    /// The oldest batch; waits while empty and open; `None` when closed
    /// and drained. Give it back with [`ActionQueue::done`].
    pub async fn dequeue(&self) -> Option<Taken<Rendered>> {
        loop {
            let taken = match &self.spool {
                None => self.batches.borrow_mut().pop_front().map(Taken::owned),
                Some(sp) => self.dequeue_spooled(sp).await,
            };
            if let Some(t) = taken {
                let n = match &t.item {
                    Held::Owned(r) => r.count,
                    Held::Shared(r) => r.borrow().count,
                } as usize;
                self.len.set(self.len.get().saturating_sub(n));
                self.not_full.notify();
                return Some(t);
            }
            if self.closed.get() && self.len.get() == 0 {
                return None;
            }
            match &self.spool {
                _ if self.retry.replace(false) => {}
                Some(sp) if sp.has_unread() => sp.store.durable.listen().await,
                _ => self.not_empty.listen().await,
            }
        }
    }

    async fn dequeue_spooled(&self, sp: &Spool<Rendered>) -> Option<Taken<Rendered>> {
        if sp.has_unread() {
            let mut batch = None;
            let mut bad = 0;
            match sp
                .store
                .read(1, |_, payload| match Rendered::decode(&payload) {
                    Some(r) => batch = Some(r),
                    None => bad += 1,
                })
                .await
            {
                Ok((_, mark)) if batch.is_some() || bad > 0 => {
                    if bad > 0 {
                        crate::notice!(
                            "corelogd: {}: a record passed its CRC but is not a batch this corelogd reads; passed over.",
                            sp.store.label()
                        );
                        sp.done(Taken::from_disk(Rendered::default(), mark, 1));
                        return None;
                    }
                    return batch.map(|b| Taken::from_disk(b, mark, 1));
                }
                Ok(_) if sp.has_unread() => return None,
                Ok(_) => {}
                Err(e) => {
                    sp.read_failed(&e).await;
                    self.retry.set(true);
                    return None;
                }
            }
        }
        // Disk all read: what the queue holds is in memory.
        self.len.set(self.len.get().min(sp.mem_units()));
        sp.take_memory().map(Taken::shared)
    }

    /// The runner is done with `t`.
    pub fn done(&self, t: Taken<Rendered>) {
        if let Some(sp) = &self.spool {
            sp.done(t);
        }
    }

    /// No more batches will come: the worker drains and ends.
    pub fn close(&self) {
        self.closed.set(true);
        self.not_empty.notify();
    }
}

/// The queue's worker: hands each batch to the runner (which retries as
/// the action says) and gives it back to the queue once delivered.
// A batch taken from memory stays the queue's (`Held::Shared`) while it
// is delivered, so it is borrowed across the delivery. Only shared
// borrows of a rendered batch exist (the spool copies it to disk, or
// saves it, by shared borrow), so this one cannot conflict.
#[allow(clippy::await_holding_refcell_ref)]
pub async fn work(q: Rc<ActionQueue>, runner: Rc<RwLock<ActionRunner>>) {
    while let Some(batch) = q.dequeue().await {
        let mut r = runner.write().await.expect("action lock is never closed");
        match &batch.item {
            Held::Owned(b) => r.deliver(b).await,
            Held::Shared(b) => r.deliver(&b.borrow()).await,
        }
        drop(r);
        q.done(batch);
    }
}
