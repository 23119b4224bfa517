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
//! Bounded by `queue.size` messages. When it is full, enqueueing waits up
//! to `queue.timeoutEnqueue` (2 s by default, as rsyslog) and then drops
//! the batch and counts it (`timeoutEnqueue="0"`: drop at once). An
//! orderly shutdown drains it while the output makes progress.

use std::cell::Cell;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::config::queue::QueueParams;
use crate::output::Rendered;

use super::event::Event;

pub struct ActionQueue {
    batches: RefCell<VecDeque<Rendered>>,
    /// Messages held.
    len: Cell<usize>,
    size: usize,
    timeout_enqueue: Duration,
    closed: Cell<bool>,
    /// Messages dropped because the queue stayed full.
    pub dropped: Cell<u64>,
    not_empty: Event,
    not_full: Event,
}

impl ActionQueue {
    pub fn new(q: &QueueParams) -> ActionQueue {
        ActionQueue {
            batches: RefCell::new(VecDeque::new()),
            len: Cell::new(0),
            size: q.size.max(1) as usize,
            timeout_enqueue: Duration::from_millis(q.timeout_enqueue_ms.max(0) as u64),
            closed: Cell::new(false),
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

    /// Queues `r`, waiting up to `timeoutEnqueue` for room; returns false
    /// when it was dropped.
    pub async fn enqueue(&self, r: Rendered) -> bool {
        let n = r.count as usize;
        let deadline = Instant::now() + self.timeout_enqueue;
        // An empty queue takes any batch, however large.
        while self.len.get() > 0 && self.len.get() + n > self.size {
            if !self.not_full.listen_until(deadline).await {
                self.dropped.set(self.dropped.get() + n as u64);
                return false;
            }
        }
        self.len.set(self.len.get() + n);
        self.batches.borrow_mut().push_back(r);
        self.not_empty.notify();
        true
    }

    /// The oldest batch; waits while empty and open; `None` when closed
    /// and drained.
    pub async fn dequeue(&self) -> Option<Rendered> {
        loop {
            let popped = self.batches.borrow_mut().pop_front();
            if let Some(r) = popped {
                self.len.set(self.len.get() - r.count as usize);
                self.not_full.notify();
                return Some(r);
            }
            if self.closed.get() {
                return None;
            }
            self.not_empty.listen().await;
        }
    }

    /// No more batches will come: the worker drains and ends.
    pub fn close(&self) {
        self.closed.set(true);
        self.not_empty.notify();
    }
}
