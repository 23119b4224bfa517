//! The one queue engine: a core's shard of the main queue or of a ruleset
//! queue, and an action's own queue.
//!
//! In: messages from this core's inputs, a read's worth at a time, each
//! message carrying the ruleset that will process it (a shard), or the
//! messages a rule worker sent to one action (an action queue). Out: those
//! chunks, in the order they were enqueued, to the queue's one worker,
//! which takes them in batches of `queue.dequeueBatchSize`: the rule
//! worker of a shard, or the action's worker, which renders and delivers
//! them.
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
//! Disk and disk-assisted (a `queue.filename`): a [`Spool`] holds the
//! chunks instead — on disk, or in memory below the high watermark — and
//! the worker confirms each chunk when it is processed (see
//! [`crate::queue::spool`]). Enqueueing into the disk waits until the
//! records are durable, so what the shard took survives kill -9.
//!
//! Guarantees: never more than `queue.size` messages held (a chunk larger
//! than the free room is split). A full shard makes [`Shard::enqueue`]
//! wait, which stops the stream inputs from reading (the sender's TCP
//! window closes); inputs that cannot wait use [`Shard::enqueue_timeout`]
//! and count what they drop. A message that finds the queue at or above
//! `queue.discardMark` is discarded (and counted) when its severity is
//! `queue.discardSeverity` or less important, as rsyslog does.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::ops::Range;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::config::queue::{QueueParams, QueueType};
use crate::queue::msgcodec;
use crate::queue::record::kind;
use crate::queue::ring::{ring, Consumer, Producer};
use crate::queue::spool::{self, wait_room_until, Pushed, Spill, Spool};
use crate::queue::store::{Store as DiskStore, StoreError, Ticket};
use crate::Message;

use crate::event::Event;

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

impl Spill for Chunk {
    fn units(&self) -> usize {
        self.len()
    }

    fn write(&self, store: &DiskStore) -> Result<(Range<u64>, Option<Ticket>), StoreError> {
        store.append_many(kind::MESSAGE, self.iter(), |m, out| {
            msgcodec::encode(m, out)
        })
    }
}

/// What [`Shard::dequeue`] hands the worker, to give back with
/// [`Shard::done`] once processed.
pub type Taken = spool::Taken<Chunk>;

/// Counters of one shard.
#[derive(Debug, Default, Clone, Copy)]
pub struct ShardStats {
    pub enqueued: u64,
    pub discarded: u64,
    pub dropped_full: u64,
    /// Read by an input that was still waiting for room at shutdown.
    pub given_up: u64,
    /// Times an enqueue found no room, each time it waited for it
    /// (impstats' `full`).
    pub full: u64,
    /// The most messages held at once (impstats' `maxqsize`).
    pub max_len: u64,
}

impl ShardStats {
    pub fn add(&self, o: &ShardStats) -> ShardStats {
        ShardStats {
            enqueued: self.enqueued + o.enqueued,
            discarded: self.discarded + o.discarded,
            dropped_full: self.dropped_full + o.dropped_full,
            given_up: self.given_up + o.given_up,
            full: self.full + o.full,
            // Shards fill at different times: the sum bounds the whole
            // queue's most from above.
            max_len: self.max_len + o.max_len,
        }
    }
}

/// Bytes a datagram input may leave to be written to a shard's disk
/// before it waits (see [`Shard::enqueue_timeout`]).
const UNWRITTEN_MAX: u64 = 4 << 20;

/// What [`Shard::push_some`] did with (part of) a chunk.
enum Took {
    /// Taken (discardMark may have discarded some); with the ticket that
    /// tells when what went to disk is durable.
    Taken(Option<Ticket>),
    /// Nothing: no room.
    Nothing,
    /// Refused by the disk (counted as dropped): not to be acknowledged.
    Refused,
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
    aborting: Cell<bool>,
    /// A disk read failed: try again rather than wait for new records.
    retry: Cell<bool>,
    /// How many rulesets the configuration has.
    rulesets: u32,
    stats: Cell<ShardStats>,
    spare: RefCell<Vec<Chunk>>,
    /// With `queue.filename`: where the chunks are kept instead of `store`.
    spool: Option<Spool<Chunk>>,
    /// Notified when messages arrive or the shard closes.
    pub not_empty: Event,
    /// Notified when the worker makes room.
    pub not_full: Event,
}

impl Shard {
    /// A memory shard.
    pub fn new(q: &QueueParams) -> Shard {
        Shard::build(q, None)
    }

    /// A Disk or disk-assisted shard keeping its chunks in `store`, for a
    /// configuration with `rulesets` rulesets (messages read back that
    /// name another go to the default one).
    pub fn spooled(q: &QueueParams, store: Rc<DiskStore>, rulesets: u32) -> Shard {
        let spool = Spool::for_queue(store, q);
        let recovered = spool.disk_units();
        let mut s = Shard::build(q, Some(spool));
        s.len.set(recovered);
        s.rulesets = rulesets;
        s
    }

    /// An action's queue: messages for that action alone, on the core
    /// that owns it; on disk where `store` is given. The ruleset a message
    /// names is not used there (the action's worker renders and delivers).
    pub fn for_action(q: &QueueParams, store: Option<Rc<DiskStore>>) -> Shard {
        assert!(q.kind != QueueType::Direct, "a Direct action has no queue");
        match store {
            Some(store) => Shard::spooled(q, store, u32::MAX),
            None => Shard::new(q),
        }
    }

    fn build(q: &QueueParams, spool: Option<Spool<Chunk>>) -> Shard {
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
            aborting: Cell::new(false),
            retry: Cell::new(false),
            rulesets: u32::MAX,
            stats: Cell::new(ShardStats::default()),
            spare: RefCell::new(Vec::new()),
            spool,
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
    /// needed; leaves `items` empty (and ready for reuse). True when the
    /// shard took them all and, on disk, they are durable: what a RELP
    /// acknowledgement promises. False for messages the disk refused
    /// (counted as dropped), and at shutdown for those given up or not
    /// yet durable.
    ///
    /// For inputs with flow control (imtcp, imptcp): above
    /// `queue.lightDelayMark` the input first waits, once and at most a
    /// second, for the shard to fall to half the mark (rsyslog's light
    /// delay), leaving room for inputs that cannot wait.
    pub async fn enqueue(&self, items: &mut Chunk) -> bool {
        if self.mem_len() >= self.light_delay_mark && self.light_delay_mark < self.size {
            let deadline = Instant::now() + Duration::from_secs(1);
            while self.mem_len() >= self.light_delay_mark / 2
                && !self.aborting.get()
                && self.not_full.listen_until(deadline).await
            {}
        }
        let mut durable = None;
        let mut taken = true;
        while !items.is_empty() {
            match self.push_some(items) {
                Took::Taken(t) => durable = durable.max(t),
                Took::Refused => taken = false,
                Took::Nothing if self.aborting.get() => {
                    let (t, all) = self.give_up(items);
                    durable = durable.max(t);
                    taken = all;
                    break;
                }
                Took::Nothing => self.wait_room().await,
            }
        }
        self.wait_durable(durable).await && taken
    }

    /// Messages held in memory (a spooled shard's disk part excluded):
    /// what the delay marks measure, as the disk absorbs the rest.
    fn mem_len(&self) -> usize {
        match &self.spool {
            Some(sp) => self.len.get().saturating_sub(sp.disk_units()),
            None => self.len.get(),
        }
    }

    /// Shutdown: inputs still waiting for room stop waiting. What they
    /// hold goes to disk regardless of the limits when the shard has a
    /// disk, and is given up (counted) when it does not.
    pub fn abort_waits(&self) {
        self.aborting.set(true);
        self.not_full.notify();
        if let Some(sp) = &self.spool {
            sp.store.space.notify();
        }
    }

    /// Takes `items` past the limits where the disk allows; returns the
    /// write's ticket and whether they were taken (false: given up).
    fn give_up(&self, items: &mut Chunk) -> (Option<Ticket>, bool) {
        let n = items.len();
        let mut s = self.stats.get();
        if let Some(sp) = &self.spool {
            // Blocked means the disk part is full (or a Disk queue's
            // size): push goes to disk, after what memory holds.
            let len = self.len.get();
            match sp.push(std::mem::take(items), len) {
                Pushed::Disk(t) => {
                    self.len.set(len + n);
                    s.enqueued += n as u64;
                    self.stats.set(s);
                    return (t, true);
                }
                Pushed::Memory => {
                    self.len.set(len + n);
                    s.enqueued += n as u64;
                    self.stats.set(s);
                    return (None, true);
                }
                Pushed::Refused => {}
            }
        } else {
            items.clear();
        }
        s.given_up += n as u64;
        self.stats.set(s);
        (None, false)
    }

    /// Waits for the worker (or, on disk, confirmation) to make room.
    async fn wait_room(&self) {
        match &self.spool {
            Some(sp) => {
                futures_lite::future::or(self.not_full.listen(), sp.store.space.listen()).await
            }
            None => self.not_full.listen().await,
        }
    }

    /// Waits until what was written to disk for this enqueue is durable:
    /// an input reads on only once what it read survives kill -9. False
    /// when shutdown stopped the wait first.
    async fn wait_durable(&self, t: Option<Ticket>) -> bool {
        let (Some(sp), Some(t)) = (&self.spool, t) else {
            return true;
        };
        // At shutdown, a disk that cannot be written stops no input.
        while !sp.store.is_durable(t) && !self.aborting.get() {
            futures_lite::future::or(sp.store.durable.listen(), self.not_full.listen()).await;
        }
        sp.store.is_durable(t)
    }

    /// The spool, if the shard has one.
    pub fn spool(&self) -> Option<&Spool<Chunk>> {
        self.spool.as_ref()
    }

    /// Enqueues `items`, waiting at most `queue.timeoutEnqueue` for room;
    /// returns how many were dropped because the shard stayed full. On
    /// disk, it does not wait for durability but keeps pace with the
    /// writes (a kill -9 can take at most the last few MiB).
    pub async fn enqueue_timeout(&self, items: &mut Chunk) -> u64 {
        let (dropped, _) = self.enqueue_until(items).await;
        self.pace_disk().await;
        dropped
    }

    /// As [`Shard::enqueue_timeout`], for an action's queue fed by the
    /// rule workers: returns how many were dropped, and on disk waits
    /// until what it took is durable — a disk main queue confirms its own
    /// chunk only once the action queues have it, so what went to disk
    /// here survives kill -9. An action queue's waits are never aborted
    /// (shutdown cancels a task that stops making progress instead).
    pub async fn enqueue_timeout_durable(&self, items: &mut Chunk) -> u64 {
        let (dropped, ticket) = self.enqueue_until(items).await;
        let durable = self.wait_durable(ticket).await;
        debug_assert!(durable, "an action queue's waits are never aborted");
        dropped
    }

    /// Moves `items` in as room allows until `queue.timeoutEnqueue` has
    /// passed, then drops (and counts) the rest. Returns what it dropped
    /// and the ticket of its last disk write.
    async fn enqueue_until(&self, items: &mut Chunk) -> (u64, Option<Ticket>) {
        let deadline = Instant::now() + self.timeout_enqueue;
        let mut durable = None;
        while !items.is_empty() {
            match self.push_some(items) {
                Took::Taken(t) => {
                    durable = durable.max(t);
                    continue;
                }
                Took::Refused => continue,
                Took::Nothing => {}
            }
            let waited = wait_room_until(&self.not_full, self.spool.as_ref(), deadline).await;
            if !waited {
                let dropped = items.len() as u64;
                items.clear();
                let mut s = self.stats.get();
                s.dropped_full += dropped;
                self.stats.set(s);
                return (dropped, durable);
            }
        }
        (0, durable)
    }

    /// For datagram inputs, which have neither an acknowledgement to give
    /// nor a sender to slow down: waiting for each batch to be durable
    /// would only leave datagrams to the kernel to drop. They wait only
    /// while more than [`UNWRITTEN_MAX`] bytes are still to be written.
    async fn pace_disk(&self) {
        if let Some(sp) = &self.spool {
            while sp.store.unwritten() > UNWRITTEN_MAX && !self.aborting.get() {
                futures_lite::future::or(sp.store.durable.listen(), self.not_full.listen()).await;
            }
        }
    }

    /// Moves what fits of `items` into the shard (the whole vector when it
    /// all fits, replacing it with a spare one); applies discardMark.
    fn push_some(&self, items: &mut Chunk) -> Took {
        let mut s = self.stats.get();
        let len = self.len.get();
        let marked = match &self.spool {
            // Disk-assisted: the disk absorbs the rest, so the mark is
            // measured on memory, as rsyslog's is.
            Some(sp) if !sp.disk_only() => self.mem_len(),
            _ => len,
        };
        if marked + items.len() > self.discard_mark && self.discard_severity < 8 {
            // As rsyslog, message by message: those that would find the
            // queue at or above the mark are discarded by severity.
            let before = items.len();
            let sev = self.discard_severity;
            let below_mark = self.discard_mark.saturating_sub(marked);
            let mut at = 0;
            items.retain(|m| {
                at += 1;
                at <= below_mark || m.severity() < sev
            });
            s.discarded += (before - items.len()) as u64;
            if items.is_empty() {
                self.stats.set(s);
                return Took::Taken(None);
            }
        }
        let n = items.len();
        let room = match &self.spool {
            Some(sp) if sp.to_disk(len, n) && !sp.has_room() => 0,
            // A Disk queue keeps queue.size as a count, as rsyslog does.
            Some(sp) if sp.to_disk(len, n) && sp.disk_only() => self.size.saturating_sub(len),
            // Disk-assisted, spilling: bounded by maxDiskSpace only.
            Some(sp) if sp.to_disk(len, n) => n,
            _ => self.size.saturating_sub(len),
        };
        if room == 0 {
            s.full += 1;
            self.stats.set(s);
            return Took::Nothing;
        }
        let chunk = if items.len() <= room {
            std::mem::replace(items, self.chunk())
        } else {
            let mut part = self.chunk();
            part.extend(items.drain(..room));
            part
        };
        let n = chunk.len();
        let mut ticket = None;
        match &self.spool {
            None => self.store.borrow_mut().push(chunk),
            Some(sp) => match sp.push(chunk, len) {
                Pushed::Memory => {}
                Pushed::Disk(t) => ticket = t,
                Pushed::Refused => {
                    s.dropped_full += n as u64;
                    self.stats.set(s);
                    return Took::Refused;
                }
            },
        }
        self.len.set(len + n);
        s.enqueued += n as u64;
        s.max_len = s.max_len.max((len + n) as u64);
        self.stats.set(s);
        self.not_empty.notify();
        Took::Taken(ticket)
    }

    /// Takes the oldest chunk; waits while the shard is empty and open.
    /// Returns `None` when closed and drained. The caller runs it in
    /// batches of [`Shard::batch_size`] and gives it back with
    /// [`Shard::recycle`].
    pub async fn dequeue(&self) -> Option<Taken> {
        loop {
            if let Some(sp) = &self.spool {
                if let Some(t) = self.dequeue_spooled(sp).await {
                    return Some(t);
                }
                if self.closed.get() && self.len.get() == 0 {
                    return None;
                }
                if self.retry.replace(false) {
                    continue;
                }
                if sp.has_unread() {
                    sp.store.durable.listen().await;
                } else {
                    self.not_empty.listen().await;
                }
                continue;
            }
            if let Some(t) = self.pop_memory() {
                return Some(t);
            }
            if self.closed.get() {
                return None;
            }
            self.not_empty.listen().await;
        }
    }

    /// The next chunk of a spooled shard: read from disk while records
    /// are there, else taken from memory. `None`: nothing ready now.
    async fn dequeue_spooled(&self, sp: &Spool<Chunk>) -> Option<Taken> {
        if sp.has_unread() {
            let mut chunk = self.chunk();
            let mut origin = None;
            let mut bad = 0u64;
            let rulesets = self.rulesets;
            let mut unknown = 0u64;
            let mut seqs = Vec::with_capacity(self.batch);
            let read = sp
                .store
                .read(self.batch as u64, |_, seq, payload| {
                    match msgcodec::decode(payload, &mut origin) {
                        Some(mut m) => {
                            if m.ruleset() >= rulesets {
                                // Queued under a configuration with more
                                // rulesets: the default one takes it.
                                m.set_ruleset(0);
                                unknown += 1;
                            }
                            seqs.push(seq);
                            chunk.push(m)
                        }
                        None => bad += 1,
                    }
                })
                .await;
            if unknown > 0 {
                crate::notice!(
                    "corelogd: {}: {unknown} queued message(s) name a ruleset this configuration does not have; the default ruleset processes them.",
                    sp.store.label()
                );
            }
            match read {
                Ok((0, _)) if sp.has_unread() => return None,
                // Only copies passed over: memory is next.
                Ok((0, _)) => {}
                Ok((n, mark)) => {
                    if bad > 0 {
                        crate::notice!(
                            "corelogd: {}: {bad} record(s) passed their CRC but are not messages this corelogd reads; passed over.",
                            sp.store.label()
                        );
                    }
                    self.len.set(self.len.get().saturating_sub(n as usize));
                    self.not_full.notify();
                    debug_assert_eq!(seqs.len(), chunk.len());
                    return Some(Taken::from_disk(chunk, mark, n, seqs));
                }
                Err(e) => {
                    sp.read_failed(&e).await;
                    self.retry.set(true);
                    return None;
                }
            }
        }
        self.take_spool_memory(sp)
    }

    /// The oldest chunk a spooled shard holds in memory, once its disk is
    /// all read.
    fn take_spool_memory(&self, sp: &Spool<Chunk>) -> Option<Taken> {
        // Disk all read: what the shard holds is in memory (units that
        // damage took are not waiting anywhere).
        self.len.set(self.len.get().min(sp.mem_units()));
        let item = sp.take_memory()?;
        let n = item.borrow().len();
        self.len.set(self.len.get().saturating_sub(n));
        self.not_full.notify();
        Some(Taken::shared(item))
    }

    /// The oldest chunk of a memory shard.
    fn pop_memory(&self) -> Option<Taken> {
        let c = self.store.borrow_mut().pop()?;
        self.len.set(self.len.get() - c.len());
        if let Store::List(l) = &mut *self.store.borrow_mut() {
            if l.is_empty() && l.capacity() > 1024 {
                l.shrink_to(64);
            }
        }
        self.not_full.notify();
        Some(Taken::owned(c))
    }

    /// The oldest chunk if one is in memory now, without waiting or
    /// reading the disk: what a worker adds to the chunk it took, to fill
    /// a batch (an output whose every batch waits for a round trip would
    /// otherwise send the one-message chunks of a slow input one by one).
    /// Chunks taken so are given back with [`Shard::done`] in the order
    /// they were taken.
    pub fn try_dequeue(&self) -> Option<Taken> {
        match &self.spool {
            Some(sp) if sp.has_unread() => None,
            Some(sp) => self.take_spool_memory(sp),
            None => self.pop_memory(),
        }
    }

    /// The worker has processed `t`: it is confirmed (its disk records
    /// freed) and its vector reused.
    pub fn done(&self, t: Taken) {
        let item = match &self.spool {
            Some(sp) => sp.done(t),
            None => t.into_owned(),
        };
        if let Some(c) = item {
            self.recycle(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::queue::QueueScope;
    use crate::msg::Origin;
    use crate::parse::{parse, ParseOptions};
    use crate::queue::store::tests::on_executor;
    use crate::Timestamp;
    use bytes::Bytes;
    use std::sync::Arc;

    fn msgs(pri: u8, n: usize) -> Chunk {
        let origin = Arc::new(Origin::new("h", "127.0.0.1", "imtcp"));
        (0..n)
            .map(|i| {
                let raw = format!("<{pri}>Dec  4 10:00:00 host tag: {i}");
                let opts = ParseOptions::default();
                parse(Bytes::from(raw), &origin, Timestamp::default(), &opts)
            })
            .collect()
    }

    #[test]
    fn a_disk_assisted_queue_measures_its_discard_mark_on_memory() {
        let d = crate::queue::store::tests::dir("shard-da-discard");
        let c = crate::queue::store::tests::cfg(&d);
        let mut q = QueueParams::defaults(QueueScope::Action);
        q.kind = QueueType::LinkedList;
        q.filename = Some("q".into());
        (q.high_watermark, q.low_watermark) = (20, 10);
        q.discard_mark = 50;
        q.discard_severity = 5;
        q.correct();
        on_executor(async move {
            let store = Rc::new(DiskStore::open(c).unwrap());
            glommio::spawn_local(store.clone().flusher()).detach();
            let shard = Shard::for_action(&q, Some(store));
            // Past the high watermark the rest goes to disk: memory never
            // reaches the mark, so nothing is discarded.
            for _ in 0..20 {
                let mut info = msgs(14, 10);
                assert_eq!(shard.enqueue_timeout_durable(&mut info).await, 0);
            }
            let s = shard.stats();
            assert_eq!((s.enqueued, s.discarded), (200, 0));
            assert_eq!(shard.len(), 200);
        });
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn discard_marks_count_message_by_message() {
        for kind in [QueueType::LinkedList, QueueType::FixedArray] {
            let mut q = QueueParams::defaults(QueueScope::Action);
            q.kind = kind;
            q.discard_mark = 10;
            // notice (5) and less important
            q.discard_severity = 5;
            q.correct();
            let shard = Shard::for_action(&q, None);
            on_executor(async move {
                // One chunk across the mark: the first 10 are below it.
                let mut info = msgs(14, 25);
                assert_eq!(shard.enqueue_timeout_durable(&mut info).await, 0);
                assert_eq!(shard.len(), 10);
                // Above the mark: err (3) is kept, debug (7) discarded.
                let mut err = msgs(11, 4);
                err.extend(msgs(15, 3));
                assert_eq!(shard.enqueue_timeout_durable(&mut err).await, 0);
                assert_eq!(shard.len(), 14);
                let s = shard.stats();
                assert_eq!((s.enqueued, s.discarded), (14, 18));
                let mut sev = Vec::new();
                shard.close();
                while let Some(mut t) = shard.dequeue().await {
                    t.with(|c| sev.extend(c.iter().map(|m| m.severity())));
                    shard.done(t);
                }
                assert_eq!(sev, [[6; 10].as_slice(), &[3; 4]].concat());
            });
        }
    }
}
