//! What a queue with `queue.filename` adds to memory: a Disk queue keeps
//! everything in segment files; a disk-assisted queue keeps memory until
//! the high watermark, then spills to disk until it is down to the low
//! watermark, and saves its memory on shutdown.
//!
//! In: items (chunks of messages) from
//! the queue's producers. Out: the same items in the same order to the
//! queue's one consumer — from memory, or read back from disk — and, once
//! the consumer confirms one, its disk space freed.
//!
//! Order: the queue is always `[disk records][memory items]`. Spilling
//! begins by writing the memory items to disk ahead of the new ones; while
//! records are on disk, the consumer reads them before touching memory.
//! The one exception is items the consumer took from memory and is still
//! working on: when spilling begins they are copied to disk first; if
//! the consumer confirms them, the copies are passed over when read, and
//! if corelogd stops first, the copies are what survives (so they may be
//! delivered twice: at least once, never lost).
//!
//! Guarantees: memory holds at most the high watermark's worth of
//! messages (a Disk queue: none but the batch being read); an orderly
//! shutdown writes everything in memory to disk (saveOnShutdown) before
//! the store's last flush; an item on disk is removed only when confirmed.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::ops::Range;
use std::rc::Rc;

use super::checkpoint::Position;
use super::store::{Store, StoreError, Ticket};

/// How long shutdown waits for the last writes of a store (a disk that
/// fails every write must not hold the process forever).
const SHUTDOWN_WRITE_MAX: std::time::Duration = std::time::Duration::from_secs(10);

/// Waits for room in a queue: until `not_full` is notified or, with a
/// spool, confirmation frees disk space; not past `deadline`. Returns
/// false when the deadline has passed.
pub async fn wait_room_until<T>(
    not_full: &crate::event::Event,
    spool: Option<&Spool<T>>,
    deadline: std::time::Instant,
) -> bool {
    match spool {
        Some(sp) => {
            futures_lite::future::or(
                not_full.listen_until(deadline),
                sp.store.space.listen_until(deadline),
            )
            .await
        }
        None => not_full.listen_until(deadline).await,
    }
}

/// An item a spooled queue holds.
pub trait Spill {
    /// Messages in the item.
    fn units(&self) -> usize;
    /// Appends the item's records to `store`; returns their sequence
    /// numbers and when the last will be durable.
    fn write(&self, store: &Store) -> Result<(Range<u64>, Option<Ticket>), StoreError>;
}

/// An item the consumer took: its own, or (from memory) still the
/// queue's until confirmed.
pub enum Held<T> {
    Owned(T),
    Shared(Rc<RefCell<T>>),
}

/// What a spooled queue hands its consumer, to give back once processed.
pub struct Taken<T> {
    pub item: Held<T>,
    /// Read from disk: the position after it, and its records.
    mark: Option<(Position, u64)>,
    /// Read from disk: each unit's sequence number in the store, in
    /// order (empty for an item from memory).
    seqs: Vec<u64>,
}

impl<T> Taken<T> {
    pub fn owned(item: T) -> Taken<T> {
        Taken {
            item: Held::Owned(item),
            mark: None,
            seqs: Vec::new(),
        }
    }

    pub fn shared(item: Rc<RefCell<T>>) -> Taken<T> {
        Taken {
            item: Held::Shared(item),
            mark: None,
            seqs: Vec::new(),
        }
    }

    /// `item` as read from disk up to `p`: `records` records, numbered
    /// `seqs`.
    pub fn from_disk(item: T, p: Position, records: u64, seqs: Vec<u64>) -> Taken<T> {
        Taken {
            item: Held::Owned(item),
            mark: Some((p, records)),
            seqs,
        }
    }

    /// Each unit's sequence number in the store, when read from disk.
    pub fn seqs(&self) -> &[u64] {
        &self.seqs
    }

    /// Runs `f` on the item, borrowed mutably only while `f` runs.
    pub fn with<R>(&mut self, f: impl FnOnce(&mut T) -> R) -> R {
        match &mut self.item {
            Held::Owned(c) => f(c),
            Held::Shared(c) => f(&mut c.borrow_mut()),
        }
    }

    /// The item, when no one else holds it.
    pub fn into_owned(self) -> Option<T> {
        match self.item {
            Held::Owned(c) => Some(c),
            Held::Shared(c) => Rc::try_unwrap(c).ok().map(RefCell::into_inner),
        }
    }
}

/// What the consumer took from memory and is working on.
struct InFlight<T> {
    item: Rc<RefCell<T>>,
    /// Its copy on disk, made when spilling began.
    copy: Option<Range<u64>>,
}

pub struct Spool<T> {
    pub store: Rc<Store>,
    disk_only: bool,
    high: usize,
    low: usize,
    save_on_shutdown: bool,
    spilling: Cell<bool>,
    mem: RefCell<VecDeque<T>>,
    mem_units: Cell<usize>,
    /// Taken from memory, not yet confirmed; oldest first.
    inflight: RefCell<VecDeque<InFlight<T>>>,
}

/// Where a pushed item went.
pub enum Pushed {
    Memory,
    /// Written to disk; durable at the ticket.
    Disk(Option<Ticket>),
    /// Not taken (the message said why).
    Refused,
}

impl<T: Spill> Spool<T> {
    /// The spool a queue's parameters describe: Disk only for
    /// `queue.type="Disk"`, else disk-assisted between the watermarks
    /// (capped at `queue.size`).
    pub fn for_queue(store: Rc<Store>, q: &crate::config::queue::QueueParams) -> Spool<T> {
        let size = q.size.max(1) as usize;
        let high = (q.high_watermark.max(1) as usize).min(size);
        let low = (q.low_watermark.max(0) as usize).min(high);
        let disk_only = q.kind == crate::config::queue::QueueType::Disk;
        Spool::new(store, disk_only, high, low, q.save_on_shutdown)
    }

    /// A Disk queue (`disk_only`) or a disk-assisted one spilling at
    /// `high` messages and draining back to memory at `low`.
    pub fn new(store: Rc<Store>, disk_only: bool, high: usize, low: usize, save: bool) -> Spool<T> {
        debug_assert!(low <= high);
        Spool {
            store,
            disk_only,
            high,
            low,
            save_on_shutdown: save,
            spilling: Cell::new(false),
            mem: RefCell::new(VecDeque::new()),
            mem_units: Cell::new(0),
            inflight: RefCell::new(VecDeque::new()),
        }
    }

    /// A Disk queue (no memory part).
    pub fn disk_only(&self) -> bool {
        self.disk_only
    }

    /// Whether records on disk wait to be read (ahead of memory).
    pub fn has_unread(&self) -> bool {
        self.store.has_unread()
    }

    /// Messages on disk and not yet read (as counted; for the queue's size).
    pub fn disk_units(&self) -> usize {
        self.store.unread_units() as usize
    }

    /// Messages waiting in memory.
    pub fn mem_units(&self) -> usize {
        self.mem_units.get()
    }

    /// Whether disk space allows a write now.
    pub fn has_room(&self) -> bool {
        self.store.has_room()
    }

    /// Whether `n` more messages go to disk, given `len` queued: while
    /// spilling (until the queue is down to the low watermark), and when
    /// they would take memory past the high watermark.
    pub fn to_disk(&self, len: usize, n: usize) -> bool {
        if self.disk_only {
            return true;
        }
        if self.spilling.get() && len <= self.low {
            self.spilling.set(false);
        }
        self.spilling.get() || len + n > self.high
    }

    /// Queues `item`, with `len` messages queued before it.
    pub fn push(&self, item: T, len: usize) -> Pushed {
        if !self.to_disk(len, item.units()) {
            self.mem_units.set(self.mem_units.get() + item.units());
            self.mem.borrow_mut().push_back(item);
            return Pushed::Memory;
        }
        if !self.spilling.replace(true) && !self.disk_only {
            self.spill_memory();
        }
        match item.write(&self.store) {
            Ok((_, t)) => Pushed::Disk(t),
            Err(e) => {
                crate::notice!("corelogd: {e}; the batch is dropped.");
                Pushed::Refused
            }
        }
    }

    /// Spilling begins: what is in memory goes to disk first, in order,
    /// the items in flight (copied) before the rest.
    ///
    /// A copy is passed over from the start when read: the consumer
    /// confirms in order, so nothing read after the copy is confirmed
    /// (and the checkpoint does not pass it) before the original is; if
    /// corelogd stops first, the copy is delivered after the restart.
    fn spill_memory(&self) {
        for f in self.inflight.borrow_mut().iter_mut() {
            if f.copy.is_none() {
                if let Ok(item) = f.item.try_borrow() {
                    match item.write(&self.store) {
                        Ok((seqs, _)) => {
                            self.store.skip(seqs.clone());
                            self.store.discount(item.units() as u64);
                            f.copy = Some(seqs);
                        }
                        Err(e) => crate::notice!("corelogd: {e}"),
                    }
                }
            }
        }
        let mut mem = self.mem.borrow_mut();
        while let Some(item) = mem.pop_front() {
            self.mem_units.set(self.mem_units.get() - item.units());
            if let Err(e) = item.write(&self.store) {
                crate::notice!("corelogd: {e}; the batch is dropped.");
            }
        }
    }

    /// The oldest item in memory, when nothing is on disk ahead of it; it
    /// stays the queue's until confirmed. Items are confirmed in the order
    /// they were taken.
    pub fn take_memory(&self) -> Option<Rc<RefCell<T>>> {
        if self.store.has_unread() {
            return None;
        }
        let item = self.mem.borrow_mut().pop_front()?;
        self.mem_units.set(self.mem_units.get() - item.units());
        let item = Rc::new(RefCell::new(item));
        self.inflight.borrow_mut().push_back(InFlight {
            item: item.clone(),
            copy: None,
        });
        Some(item)
    }

    /// The oldest item from [`Spool::take_memory`] is processed.
    fn confirm_memory(&self) {
        self.inflight.borrow_mut().pop_front();
    }

    /// Reading the segment files failed: says so and pauses before the
    /// consumer tries again.
    pub async fn read_failed(&self, e: &std::io::Error) {
        crate::notice!(
            "corelogd: {}: cannot read its segment files: {e}; trying again in a second.",
            self.store.label()
        );
        glommio::timer::sleep(std::time::Duration::from_secs(1)).await;
    }

    /// The consumer has processed `t`: confirms it (freeing its disk
    /// records, or passing over its copy) and gives the item back.
    pub fn done(&self, t: Taken<T>) -> Option<T> {
        match t.mark {
            Some((p, n)) => self.store.confirm(p, n),
            None => self.confirm_memory(),
        }
        t.into_owned()
    }

    /// Shutdown: with saveOnShutdown, what is in memory (the item in
    /// flight first, unless it has a copy) goes to disk; then the store
    /// writes everything and its checkpoint. Returns the messages saved
    /// and those given up (saveOnShutdown off).
    pub async fn shutdown(&self, flusher: glommio::task::JoinHandle<()>) -> (u64, u64) {
        let (mut saved, mut lost) = (0u64, 0u64);
        let mut items: Vec<Rc<RefCell<T>>> = self
            .inflight
            .borrow_mut()
            .drain(..)
            .filter(|f| f.copy.is_none())
            .map(|f| f.item)
            .collect();
        items.extend(
            self.mem
                .borrow_mut()
                .drain(..)
                .map(|i| Rc::new(RefCell::new(i))),
        );
        self.mem_units.set(0);
        for item in items {
            let item = item.borrow();
            let n = item.units() as u64;
            if !self.save_on_shutdown {
                lost += n;
                continue;
            }
            match item.write(&self.store) {
                Ok(_) => saved += n,
                Err(e) => {
                    crate::notice!("corelogd: {e}");
                    lost += n;
                }
            }
        }
        self.store.close();
        let written = futures_lite::future::or(
            async {
                flusher.await;
                true
            },
            async {
                glommio::timer::sleep(SHUTDOWN_WRITE_MAX).await;
                false
            },
        )
        .await;
        if !written {
            crate::notice!(
                "corelogd: {}: its files could not be written within {} s at shutdown; what was still to be written is lost.",
                self.store.label(),
                SHUTDOWN_WRITE_MAX.as_secs()
            );
        }
        self.store.checkpoint_now();
        (saved, lost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::record::kind;
    use crate::queue::store::tests::{cfg, dir, on_executor};

    /// Items of numbered messages, one record each.
    impl Spill for Vec<u32> {
        fn units(&self) -> usize {
            self.len()
        }

        fn write(&self, store: &Store) -> Result<(Range<u64>, Option<Ticket>), StoreError> {
            let mut seqs = None::<Range<u64>>;
            let mut last = None;
            for n in self {
                let (q, t) =
                    store.append(kind::MESSAGE, |o| o.extend_from_slice(&n.to_le_bytes()))?;
                seqs = Some(seqs.map_or(q, |r| r.start)..q + 1);
                last = Some(t);
            }
            Ok((seqs.unwrap_or(0..0), last))
        }
    }

    async fn read_all(sp: &Spool<Vec<u32>>) -> Vec<u32> {
        let mut got = Vec::new();
        loop {
            let (n, p) = sp
                .store
                .read(100, |_, _, b| {
                    got.push(u32::from_le_bytes(b[..4].try_into().unwrap()))
                })
                .await
                .unwrap();
            if n == 0 && !sp.has_unread() {
                return got;
            }
            if n == 0 {
                sp.store.durable.listen().await;
            }
            sp.store.confirm(p, n);
        }
    }

    #[test]
    fn an_item_in_flight_when_spilling_begins_is_delivered_once_and_first() {
        let d = dir("spool-inflight");
        let c = cfg(&d);
        let got = on_executor(async move {
            let store = Rc::new(Store::open(c).unwrap());
            glommio::spawn_local(store.clone().flusher()).detach();
            let sp: Spool<Vec<u32>> = Spool::new(store, false, 10, 2, true);
            assert!(matches!(sp.push((0..5).collect(), 0), Pushed::Memory));
            let a = sp.take_memory().expect("in memory");
            assert!(matches!(sp.push((5..10).collect(), 0), Pushed::Memory));
            // The high watermark: spilling begins, with a copy of `a`.
            assert!(matches!(sp.push((10..20).collect(), 10), Pushed::Disk(_)));
            assert!(sp.has_unread());
            // The copy is passed over: `a` is still being delivered.
            let mut got = a.borrow().clone();
            got.extend(read_all(&sp).await);
            sp.done(Taken::shared(a));
            assert!(sp.take_memory().is_none());
            got
        });
        assert_eq!(got, (0..20).collect::<Vec<_>>());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn shutdown_saves_the_item_in_flight_before_memory() {
        let d = dir("spool-save");
        let c = cfg(&d);
        let c2 = c.clone();
        on_executor(async move {
            let store = Rc::new(Store::open(c).unwrap());
            let flusher = glommio::spawn_local(store.clone().flusher()).detach();
            let sp: Spool<Vec<u32>> = Spool::new(store, false, 100, 10, true);
            sp.push((0..5).collect(), 0);
            sp.push((5..8).collect(), 0);
            let _a = sp.take_memory();
            sp.push((8..9).collect(), 0);
            assert_eq!(sp.shutdown(flusher).await, (9, 0));
        });
        let got = on_executor(async move {
            let store = Rc::new(Store::open(c2).unwrap());
            glommio::spawn_local(store.clone().flusher()).detach();
            let sp: Spool<Vec<u32>> = Spool::new(store, false, 100, 10, true);
            read_all(&sp).await
        });
        assert_eq!(got, (0..9).collect::<Vec<_>>());
        std::fs::remove_dir_all(&d).unwrap();
    }
}
