//! The segment files of one disk queue shard (a Disk queue, or the disk
//! part of a disk-assisted one), on one core.
//!
//! In: records appended by the queue ([`Store::append`], synchronous, into
//! a write buffer), then made durable by the store's flusher task: large
//! 4 KiB-aligned writes through io_uring (glommio DMA files: O_DIRECT where
//! the file system allows it, buffered on tmpfs), many appends per write
//! (group commit). Out: the same records in the same order
//! ([`Store::read`]), only once they are durable; and, once the consumer
//! [`confirm`](Store::confirm)s them, a checkpoint and deleted segments.
//!
//! Files: `<dir>/<name>.NNNNNNNN` segments of about `maxFileSize` bytes (a
//! record is never split) and `<dir>/<name>.qi`, the checkpoint.
//!
//! Guarantees:
//! - A record is never overwritten: after a restart the writer begins a new
//!   segment, and within a segment it only rewrites the last, partial 4 KiB
//!   block with the same bytes plus new ones.
//! - [`Store::open`] delivers every whole record after the checkpoint: it
//!   cuts a torn tail at the last whole record, and a damaged record (its
//!   CRC does not match) costs only itself — the segment is copied aside
//!   as `….bad`, said once, counted, and the records around it delivered.
//! - Confirmed records are not delivered again after a restart, except
//!   those confirmed since the last checkpoint (`checkpointInterval`; 0,
//!   the default, checkpoints every confirmation).
//! - [`Store::has_room`] says when appending must wait for `maxDiskSpace`;
//!   what the queue writes when told there is no room (a disk-assisted
//!   queue's memory when spilling begins and at shutdown, an input's last
//!   read at shutdown) may go past it.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use bytes::Bytes;
use glommio::io::{DmaFile, OpenOptions};

use super::checkpoint::{Checkpoint, Position};
use super::fault::{Faults, Op};
use super::record::{self, Scan, HEADER};
use crate::event::Event;

/// The alignment of every write: a multiple of any logical block size.
const ALIGN: u64 = 4096;
/// The size write buffers start with.
const WRITE_BUFFER: usize = 4 << 20;
/// How much of what was written last is kept for readers.
const RECENT_MAX: usize = 32 << 20;
/// The largest single write (a multiple of ALIGN).
const MAX_WRITE: usize = 8 << 20;
/// How much a read brings in at least.
const READ_CHUNK: usize = 1 << 20;

#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub dir: PathBuf,
    /// File name prefix: `queue.filename` plus the core.
    pub name: String,
    /// Used in messages: e.g. "the main queue".
    pub label: String,
    pub max_file_size: u64,
    /// 0: unlimited.
    pub max_disk_space: u64,
    pub sync: bool,
    /// Checkpoint every this many confirmed records (0: every confirmation).
    pub checkpoint_interval: u64,
}

/// What the store has done, for the exit report.
#[derive(Debug, Default, Clone, Copy)]
pub struct StoreStats {
    pub recovered_records: u64,
    pub recovered_units: u64,
    pub torn_bytes: u64,
    pub corrupt_regions: u64,
    pub written_records: u64,
    pub written_bytes: u64,
    pub writes: u64,
    pub read_records: u64,
    /// Reads served from the disk, and from what was just written.
    pub disk_reads: u64,
    pub memory_reads: u64,
}

impl StoreStats {
    pub fn add(&self, o: &StoreStats) -> StoreStats {
        StoreStats {
            recovered_records: self.recovered_records + o.recovered_records,
            recovered_units: self.recovered_units + o.recovered_units,
            torn_bytes: self.torn_bytes + o.torn_bytes,
            corrupt_regions: self.corrupt_regions + o.corrupt_regions,
            written_records: self.written_records + o.written_records,
            written_bytes: self.written_bytes + o.written_bytes,
            writes: self.writes + o.writes,
            read_records: self.read_records + o.read_records,
            disk_reads: self.disk_reads + o.disk_reads,
            memory_reads: self.memory_reads + o.memory_reads,
        }
    }
}

/// Durable once the flusher has written up to `end` of `segment`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ticket {
    segment: u64,
    end: u64,
}

#[derive(Debug)]
struct Segment {
    /// Bytes of whole records.
    size: u64,
    /// Damage was found in it (it is copied aside as `.bad`).
    damaged: bool,
}

/// Bytes waiting to be written: `data` belongs at `offset` (aligned) of
/// `segment`; its first `carried` bytes were written before (the partial
/// block that the next write rewrites).
struct Pending {
    segment: u64,
    offset: u64,
    data: Vec<u8>,
    carried: usize,
}

struct Inner {
    segs: BTreeMap<u64, Segment>,
    write_seg: u64,
    next_seq: u64,
    pending: VecDeque<Pending>,
    durable: Ticket,
    /// The next record to read.
    read: Position,
    buf: Bytes,
    buf_seg: u64,
    buf_off: u64,
    /// The last read came back short: the file ends in the buffer.
    buf_eof: bool,
    /// The buffer came from memory (`recent`), not from the disk: its
    /// CRCs need no checking.
    buf_trusted: bool,
    /// Of the buffer, the bytes before this offset are whole records
    /// whose CRCs were checked (see [`record::verified_run`]).
    buf_verified: usize,
    read_file: Option<(u64, Rc<DmaFile>)>,
    confirmed: Position,
    since_checkpoint: u64,
    checkpoint: Checkpoint,
    /// Records (by sequence) to pass over when read: copies of a batch
    /// that was delivered from memory after all.
    skip: Vec<std::ops::Range<u64>>,
    /// Bytes of whole records in all segments.
    total: u64,
    /// Units (messages) written and not yet read.
    unread_units: u64,
    stats: StoreStats,
    /// Of `stats.written_bytes`, how many are durable.
    durable_bytes: u64,
    closed: bool,
    /// Written buffers, kept for reuse (no regrowing per write).
    spare: Vec<Vec<u8>>,
    /// The latest written buffers (segment, offset, bytes): a reader that
    /// keeps up takes its records from here rather than from the disk.
    recent: VecDeque<(u64, u64, Bytes)>,
    recent_bytes: usize,
    /// Where records of the batch being appended start in the active
    /// segment's buffer, to seal (scratch, kept for reuse).
    unsealed: Vec<usize>,
}

pub struct Store {
    cfg: StoreConfig,
    inner: RefCell<Inner>,
    /// Notified when more is durable.
    pub durable: Event,
    /// Notified when confirmation frees space.
    pub space: Event,
    flush_wanted: Event,
    /// Said once per episode of failing writes.
    write_failing: Cell<bool>,
    full_said: Cell<bool>,
    /// A write or sync failed in a way a retry cannot trust (not a full
    /// disk): nothing more becomes durable; what it says.
    poisoned: RefCell<Option<String>>,
    /// The seam through which tests make writes and syncs fail, as a
    /// device would.
    faults: Faults,
}

fn seg_path(dir: &Path, name: &str, seg: u64) -> PathBuf {
    dir.join(format!("{name}.{seg:08}"))
}

/// A write that failed for want of space: retried, as space may return.
/// (A short write is what a nearly full disk gives.)
fn is_full(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::ENOSPC) | Some(libc::EDQUOT))
        || e.kind() == io::ErrorKind::WriteZero
}

/// glommio's error as the `io::Error` it carries, errno kept (its own
/// conversion keeps only the kind).
fn raw_io<T>(e: glommio::GlommioError<T>) -> io::Error {
    match e {
        glommio::GlommioError::EnhancedIoError { source, .. } => source,
        other => other.into(),
    }
}

/// The least sequence number a queue opened now gives: now, in
/// nanoseconds.
fn fresh_seq() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos().min(u128::from(u64::MAX / 2)) as u64)
}

/// The segment number in a file name `<name>.NNNNNNNN` ([`seg_path`]'s
/// names: at least 8 digits, more past 99 999 999).
pub fn segment_number(file_name: &str, name: &str) -> Option<u64> {
    let n = file_name.strip_prefix(name)?.strip_prefix('.')?;
    (n.len() >= 8 && n.bytes().all(|b| b.is_ascii_digit()))
        .then(|| n.parse().ok())
        .flatten()
}

fn align_down(v: u64) -> u64 {
    v & !(ALIGN - 1)
}

/// What scanning one segment file found.
struct Scanned {
    size: u64,
    records: u64,
    units: u64,
    last_seq: Option<u64>,
    damage: Vec<u64>,
    torn: u64,
    /// Whole records of a kind this corelogd does not read.
    foreign_kinds: u64,
}

/// Scans `data` from `from`: whole records, damage (skipped to the next
/// whole record) and what follows the last whole record.
fn scan_segment(data: &[u8], from: usize) -> Scanned {
    let mut s = Scanned {
        size: from as u64,
        records: 0,
        units: 0,
        last_seq: None,
        damage: Vec::new(),
        torn: 0,
        foreign_kinds: 0,
    };
    let mut at = from.min(data.len());
    while at < data.len() {
        match record::scan(&data[at..]) {
            Scan::Record { kind, seq, next } => {
                s.records += 1;
                // A record is one message.
                s.units += 1;
                s.foreign_kinds += (kind != record::kind::MESSAGE) as u64;
                s.last_seq = Some(seq);
                at += next;
                s.size = at as u64;
            }
            Scan::End | Scan::Incomplete { .. } | Scan::Bad => match record::resync(&data[at..]) {
                Some(k) => {
                    s.damage.push(at as u64);
                    at += k;
                }
                None => break,
            },
        }
    }
    let tail = &data[s.size as usize..];
    if tail.iter().any(|&b| b != 0) {
        s.torn = tail.len() as u64;
    }
    s
}

/// Why a store cannot be opened, or a record not appended. Each names
/// the queue (its label) and says what to do.
#[derive(Debug)]
pub enum StoreError {
    /// A file operation on the queue's files failed.
    Io {
        label: String,
        what: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    /// A segment holds records this corelogd does not read: rendered
    /// batches of an earlier corelogd's action queue.
    ForeignKinds {
        label: String,
        path: PathBuf,
        records: u64,
        files: PathBuf,
    },
    /// A payload larger than a record may carry.
    TooLarge { label: String, len: usize },
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Io { label, what, path, source } => {
                write!(f, "{label}: cannot {what} {}: {source}", path.display())
            }
            StoreError::ForeignKinds { label, path, records, files } => write!(
                f,
                "{label}: {} holds {records} record(s) of rendered batches, written by an earlier corelogd's action queue; this corelogd's action queues hold messages and cannot deliver them. Their files are left as they are: let the corelogd that wrote them deliver them, or move the files {}.* aside to start without them.",
                path.display(),
                files.display()
            ),
            StoreError::TooLarge { label, len } => write!(
                f,
                "{label}: a record of {len} bytes is larger than a queue record may be"
            ),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl Store {
    /// Opens the queue's files in `cfg.dir` (creating it), recovering
    /// what a previous run left: see the module documentation. Blocking
    /// I/O; run at start.
    pub fn open(cfg: StoreConfig) -> Result<Store, StoreError> {
        let label = cfg.label.clone();
        let err = |what: &'static str, p: &Path, source: io::Error| StoreError::Io {
            label: label.clone(),
            what,
            path: p.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(&cfg.dir).map_err(|e| err("create", &cfg.dir, e))?;
        let qi = cfg.dir.join(format!("{}.qi", cfg.name));
        let (checkpoint, pos) = Checkpoint::open(&qi, cfg.sync).map_err(|e| err("open", &qi, e))?;
        let mut found: Vec<u64> = std::fs::read_dir(&cfg.dir)
            .map_err(|e| err("read", &cfg.dir, e))?
            .filter_map(|e| segment_number(&e.ok()?.file_name().into_string().ok()?, &cfg.name))
            .collect();
        found.sort_unstable();
        let mut read = pos.unwrap_or_default();
        if let Some(&newest) = found.last().filter(|&&n| read.segment > n) {
            // A checkpoint past every segment there is (damaged, or not
            // ours): trusting it would delete them all as consumed. Read
            // them all instead — at least once, never lost.
            crate::notice!(
                "corelogd: {label}: its checkpoint names segment {} but the newest is {newest}; the checkpoint is not used, and every segment is read (some messages may be delivered again).",
                read.segment
            );
            read = Position::default();
        }
        let mut stats = StoreStats::default();
        let mut segs = BTreeMap::new();
        let mut total = 0;
        // New records are numbered from now, in nanoseconds, when that is
        // past what the queue gave: a queue made again (its files removed),
        // or one whose last records a power loss took, never gives again a
        // number it gave, so a number stays a message's identity
        // downstream (omnats's message ids).
        let mut next_seq = read.seq.max(fresh_seq());
        for &n in &found {
            let path = seg_path(&cfg.dir, &cfg.name, n);
            if n < read.segment {
                // Consumed before the last run stopped; its deletion was cut short.
                let _ = std::fs::remove_file(&path);
                continue;
            }
            if n > read.segment && segs.is_empty() {
                read = Position {
                    segment: n,
                    offset: 0,
                    seq: read.seq,
                };
            }
            let data = std::fs::read(&path).map_err(|e| err("read", &path, e))?;
            let from = if n == read.segment { read.offset } else { 0 };
            let s = scan_segment(&data, from.min(data.len() as u64) as usize);
            if s.records == 0 && s.torn > 0 && from == 0 {
                // Not one record of ours: not a torn tail but a file
                // corelogd did not write. Kept whole, aside.
                let aside = path.with_extension(format!("{n:08}.foreign"));
                std::fs::rename(&path, &aside).map_err(|e| err("rename", &path, e))?;
                crate::notice!(
                    "corelogd: {label}: {} holds no record corelogd wrote; moved aside, untouched, to {}.",
                    path.display(),
                    aside.display()
                );
                continue;
            }
            if s.foreign_kinds > 0 {
                // Rendered batches of an action queue, from a corelogd
                // before action queues held messages: this one cannot
                // deliver them, and must not pass them over.
                return Err(StoreError::ForeignKinds {
                    label,
                    path,
                    records: s.foreign_kinds,
                    files: cfg.dir.join(&cfg.name),
                });
            }
            if n == read.segment && read.offset > s.size {
                // The checkpoint is ahead of what survived (a power loss
                // without syncQueueFiles): read on from what is there.
                read.offset = s.size;
            }
            if s.torn > 0 {
                crate::notice!(
                    "corelogd: {label}: {} ends in {} byte(s) that are not a whole record (a write cut short); cut at the last whole record.",
                    path.display(),
                    s.torn
                );
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(|e| err("open", &path, e))?;
                f.set_len(s.size).map_err(|e| err("truncate", &path, e))?;
                stats.torn_bytes += s.torn;
            }
            let damaged = !s.damage.is_empty();
            if damaged {
                let bad = path.with_extension(format!("{n:08}.bad"));
                let _ = std::fs::write(&bad, &data);
                crate::notice!(
                    "corelogd: {label}: {} has {} damaged region(s) (first at byte {}; CRC mismatch); a copy is kept as {}, and the whole records around the damage are delivered.",
                    path.display(),
                    s.damage.len(),
                    s.damage[0],
                    bad.display()
                );
                stats.corrupt_regions += s.damage.len() as u64;
            }
            stats.recovered_records += s.records;
            stats.recovered_units += s.units;
            if let Some(q) = s.last_seq {
                next_seq = next_seq.max(q + 1);
            }
            total += s.size;
            segs.insert(
                n,
                Segment {
                    size: s.size,
                    damaged,
                },
            );
        }
        if read.offset > 0 && !segs.contains_key(&read.segment) {
            read.offset = 0;
        }
        // Past every segment found and past the checkpoint's: new records
        // must never land where the checkpoint says "already read", or in
        // a number a later start takes for consumed.
        let write_seg = found.last().map_or(1, |&n| n + 1).max(read.segment + 1);
        if segs.is_empty() {
            read = Position {
                segment: write_seg,
                offset: 0,
                seq: next_seq,
            };
        }
        segs.insert(
            write_seg,
            Segment {
                size: 0,
                damaged: false,
            },
        );
        if stats.recovered_records > 0 {
            crate::notice!(
                "corelogd: {label}: {} record(s) ({} message(s)) from the last run are queued again.",
                stats.recovered_records, stats.recovered_units
            );
        }
        let inner = Inner {
            segs,
            write_seg,
            next_seq,
            pending: VecDeque::from([Pending {
                segment: write_seg,
                offset: 0,
                data: Vec::new(),
                carried: 0,
            }]),
            // Everything before the new segment is on disk already.
            durable: Ticket {
                segment: write_seg,
                end: 0,
            },
            read,
            buf: Bytes::new(),
            buf_seg: 0,
            buf_off: 0,
            buf_eof: false,
            buf_trusted: false,
            buf_verified: 0,
            read_file: None,
            confirmed: read,
            since_checkpoint: 0,
            checkpoint,
            skip: Vec::new(),
            total,
            unread_units: stats.recovered_units,
            stats,
            durable_bytes: 0,
            closed: false,
            spare: Vec::new(),
            recent: VecDeque::new(),
            recent_bytes: 0,
            unsealed: Vec::new(),
        };
        Ok(Store {
            cfg,
            inner: RefCell::new(inner),
            durable: Event::default(),
            space: Event::default(),
            flush_wanted: Event::default(),
            write_failing: Cell::new(false),
            full_said: Cell::new(false),
            poisoned: RefCell::new(None),
            faults: Faults::from_env(),
        })
    }

    pub fn label(&self) -> &str {
        &self.cfg.label
    }

    pub fn stats(&self) -> StoreStats {
        self.inner.borrow().stats
    }

    /// Messages written and not yet read.
    pub fn unread_units(&self) -> u64 {
        self.inner.borrow().unread_units
    }

    /// Bytes on disk not yet confirmed.
    pub fn used(&self) -> u64 {
        let i = self.inner.borrow();
        i.total.saturating_sub(i.confirmed.offset)
    }

    /// Whether records are appended (durable or not yet) that the reader
    /// has not reached: the position read against the end written.
    pub fn has_unread(&self) -> bool {
        let i = self.inner.borrow();
        let end = i.segs.get(&i.write_seg).map_or(0, |s| s.size);
        (i.read.segment, i.read.offset) < (i.write_seg, end)
    }

    /// Takes `units` back out of the unread count: for copies of items
    /// that are delivered from memory (and passed over when read).
    pub fn discount(&self, units: u64) {
        let mut i = self.inner.borrow_mut();
        i.unread_units = i.unread_units.saturating_sub(units);
    }

    /// Whether another record may be appended under `maxDiskSpace`. Says
    /// so once when it may not.
    pub fn has_room(&self) -> bool {
        let max = self.cfg.max_disk_space;
        let room = max == 0 || self.used() < max;
        if !room && !self.full_said.replace(true) {
            crate::notice!(
                "corelogd: {}: queue.maxDiskSpace ({max} bytes) reached; inputs wait (datagram inputs drop after queue.timeoutEnqueue, counted) until the output catches up.",
                self.cfg.label
            );
        }
        if room {
            self.full_said.set(false);
        }
        room
    }

    /// Appends one record (one message), its payload written by `fill`;
    /// returns the sequence number given and when it will be durable.
    /// Never waits: the flusher writes it.
    pub fn append(
        &self,
        kind: u8,
        fill: impl FnOnce(&mut Vec<u8>),
    ) -> Result<(u64, Ticket), StoreError> {
        let mut fill = Some(fill);
        let (seqs, t) = self.append_many(kind, std::iter::once(()), |(), out| {
            (fill.take().expect("one item, one fill"))(out)
        })?;
        Ok((seqs.start, t.expect("one record appended")))
    }

    /// Appends a record per item, its payload written by `fill`, as
    /// [`Store::append`] does each; returns the sequence numbers given and
    /// when the last will be durable (`None`: no item). On an error the
    /// records before the failing item stay appended. Their CRCs are
    /// computed together at the end (see [`record::append_unsealed`]): at
    /// ~430 bytes a record, one at a time they cost 50 ns each, 15 % of a
    /// Disk queue's ingest.
    pub fn append_many<T>(
        &self,
        kind: u8,
        items: impl IntoIterator<Item = T>,
        mut fill: impl FnMut(T, &mut Vec<u8>),
    ) -> Result<(Range<u64>, Option<Ticket>), StoreError> {
        let mut i = self.inner.borrow_mut();
        let i = &mut *i;
        let mut unsealed = std::mem::take(&mut i.unsealed);
        debug_assert!(unsealed.is_empty());
        let first = i.next_seq;
        let mut last = None;
        let mut failed = None;
        for item in items {
            match self.append_unsealed(i, kind, |out| fill(item, out), &mut unsealed) {
                Ok(t) => last = Some(t),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        let active = &mut i.pending.back_mut().expect("an active buffer").data;
        for &at in &unsealed {
            record::seal(active, at);
        }
        unsealed.clear();
        i.unsealed = unsealed;
        if last.is_some() {
            self.flush_wanted.notify();
        }
        match failed {
            Some(e) => Err(e),
            None => Ok((first..i.next_seq, last)),
        }
    }

    /// Appends one record to the active segment's buffer, its CRC left
    /// for the caller to seal (`unsealed` says where it starts in the
    /// buffer that ends the pending queue).
    fn append_unsealed(
        &self,
        i: &mut Inner,
        kind: u8,
        fill: impl FnOnce(&mut Vec<u8>),
        unsealed: &mut Vec<usize>,
    ) -> Result<Ticket, StoreError> {
        let seq = i.next_seq;
        let seg = i.write_seg;
        let pending = i
            .pending
            .back_mut()
            .expect("the active segment has a buffer");
        debug_assert_eq!(pending.segment, seg);
        let start = record::append_unsealed(&mut pending.data, kind, seq, fill).map_err(|len| {
            StoreError::TooLarge {
                label: self.cfg.label.clone(),
                len,
            }
        })?;
        let len = (pending.data.len() - start) as u64;
        let size = i.segs.get(&seg).map_or(0, |s| s.size);
        if size > 0 && size + len > self.cfg.max_file_size {
            // Roll over: the record begins the next segment; the records
            // before it stay in this buffer, sealed now.
            for &at in unsealed.iter() {
                record::seal(&mut pending.data, at);
            }
            unsealed.clear();
            let moved = pending.data.split_off(start);
            i.write_seg += 1;
            i.segs.insert(
                i.write_seg,
                Segment {
                    size: 0,
                    damaged: false,
                },
            );
            i.pending.push_back(Pending {
                segment: i.write_seg,
                offset: 0,
                data: moved,
                carried: 0,
            });
            unsealed.push(0);
        } else {
            unsealed.push(start);
        }
        let seg = i.write_seg;
        let s = i.segs.get_mut(&seg).expect("inserted above");
        s.size += len;
        let end = s.size;
        i.next_seq += 1;
        i.total += len;
        i.unread_units += 1;
        i.stats.written_records += 1;
        i.stats.written_bytes += len;
        Ok(Ticket { segment: seg, end })
    }

    /// Bytes appended and not yet durable.
    pub fn unwritten(&self) -> u64 {
        let i = self.inner.borrow();
        i.stats.written_bytes - i.durable_bytes
    }

    /// Makes every later sync fail with `errno`, as a failing device
    /// would: the seam through which tests inject the fault.
    pub fn inject_sync_failure(&self, errno: i32) {
        self.faults.fail_from_now(Op::Sync, errno);
    }

    /// Why the store stopped taking records durably, if it did.
    pub fn poisoned(&self) -> Option<String> {
        self.poisoned.borrow().clone()
    }

    /// `fdatasync` of `f`, unless a fault is injected.
    async fn sync(&self, f: &DmaFile) -> io::Result<()> {
        self.faults.check(Op::Sync)?;
        f.fdatasync().await.map_err(raw_io)
    }

    /// A write or sync failed and a retry could not be trusted (after a
    /// failed sync the kernel may have dropped the data it could not
    /// write, and a second sync can succeed without it): from now on
    /// nothing more is durable, so nothing more is acknowledged or
    /// confirmed, and inputs waiting for durability stop reading. A
    /// restart recovers what was durable.
    fn poison(&self, what: &str, segment: u64, e: &io::Error) {
        let path = seg_path(&self.cfg.dir, &self.cfg.name, segment);
        let text = format!(
            "corelogd: {}: cannot {what} {}: {e}; the queue takes nothing more durably: nothing more is acknowledged or confirmed, and inputs that wait for it stop reading. Fix the disk and restart corelogd: what was durable is recovered.",
            self.cfg.label,
            path.display()
        );
        crate::notice!("{text}");
        *self.poisoned.borrow_mut() = Some(text);
    }

    /// Whether everything up to `t` is durable.
    pub fn is_durable(&self, t: Ticket) -> bool {
        self.inner.borrow().durable >= t
    }

    /// Waits until `t` is durable.
    pub async fn wait_durable(&self, t: Ticket) {
        while !self.is_durable(t) {
            self.durable.listen().await;
        }
    }

    /// Takes the buffers to write, leaving the active segment's partial
    /// last block to be carried into the next write.
    /// Also returns the bytes appended so far, all in what it takes.
    fn take_pending(&self) -> (Vec<Pending>, u64) {
        let mut i = self.inner.borrow_mut();
        let dirty = i.pending.iter().any(|p| p.data.len() > p.carried);
        if !dirty {
            return (Vec::new(), i.stats.written_bytes);
        }
        let mut taken: Vec<Pending> = i.pending.drain(..).collect();
        let last = taken.last().expect("dirty means one");
        let end = last.offset + last.data.len() as u64;
        let from = align_down(end);
        let mut tail = i
            .spare
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(WRITE_BUFFER));
        tail.extend_from_slice(&last.data[(from - last.offset) as usize..]);
        let segment = last.segment;
        i.pending.push_back(Pending {
            segment,
            offset: from,
            carried: tail.len(),
            data: tail,
        });
        taken.retain(|p| p.data.len() > p.carried || p.segment != segment);
        (taken, i.stats.written_bytes)
    }

    /// The flusher: writes what is appended, many appends at a time, until
    /// [`Store::close`] and everything is written.
    pub async fn flusher(self: Rc<Self>) {
        let mut file: Option<(u64, DmaFile)> = None;
        loop {
            let (jobs, upto) = self.take_pending();
            if jobs.is_empty() {
                if self.inner.borrow().closed {
                    break;
                }
                self.flush_wanted.listen().await;
                continue;
            }
            if self.poisoned.borrow().is_some() {
                // Nothing more is written: wait for the close.
                if self.inner.borrow().closed {
                    break;
                }
                self.flush_wanted.listen().await;
                continue;
            }
            let mut done = None;
            for job in jobs {
                loop {
                    match self.write(&mut file, &job).await {
                        Ok(()) => break,
                        Err(e) if !is_full(&e) => {
                            self.poison("write", job.segment, &e);
                            break;
                        }
                        Err(e) => {
                            if !self.write_failing.replace(true) {
                                crate::notice!(
                                    "corelogd: {}: cannot write {}: {e}; retrying every second, and inputs wait meanwhile (nothing queued is lost).",
                                    self.cfg.label,
                                    seg_path(&self.cfg.dir, &self.cfg.name, job.segment).display()
                                );
                            }
                            glommio::timer::sleep(Duration::from_secs(1)).await;
                        }
                    }
                }
                if self.write_failing.replace(false) {
                    crate::notice!("corelogd: {}: writing again.", self.cfg.label);
                }
                done = Some(Ticket {
                    segment: job.segment,
                    end: job.offset + job.data.len() as u64,
                });
                self.keep_recent(job.segment, job.offset, job.data);
            }
            if self.cfg.sync && self.poisoned.borrow().is_none() {
                if let Some((seg, f)) = &file {
                    if let Err(e) = self.sync(f).await {
                        self.poison("sync", *seg, &e);
                    }
                }
            }
            if self.poisoned.borrow().is_some() {
                continue;
            }
            if let Some(t) = done {
                let mut i = self.inner.borrow_mut();
                i.durable = i.durable.max(t);
                i.durable_bytes = upto;
                i.stats.writes += 1;
            }
            self.durable.notify();
        }
        if let Some((_, f)) = file {
            let _ = f.close().await;
        }
    }

    /// Keeps a written buffer for readers, giving the oldest back for
    /// reuse once no reader holds it.
    fn keep_recent(&self, segment: u64, offset: u64, data: Vec<u8>) {
        let mut i = self.inner.borrow_mut();
        i.recent_bytes += data.len();
        i.recent.push_back((segment, offset, Bytes::from(data)));
        while i.recent_bytes > RECENT_MAX && i.recent.len() > 1 {
            let (_, _, old) = i.recent.pop_front().expect("more than one");
            i.recent_bytes -= old.len();
            if let Ok(m) = old.try_into_mut() {
                let mut v = Vec::from(m);
                if i.spare.len() < 2 && v.capacity() <= 4 * WRITE_BUFFER {
                    v.clear();
                    i.spare.push(v);
                }
            }
        }
    }

    async fn write(&self, file: &mut Option<(u64, DmaFile)>, job: &Pending) -> io::Result<()> {
        if file.as_ref().map_or(true, |(s, _)| *s != job.segment) {
            if let Some((_, old)) = file.take() {
                if self.cfg.sync {
                    self.sync(&old).await?;
                }
                old.close().await.map_err(raw_io)?;
            }
            let path = seg_path(&self.cfg.dir, &self.cfg.name, job.segment);
            let f = OpenOptions::new()
                .write(true)
                .create(true)
                .dma_open(&path)
                .await
                .map_err(raw_io)?;
            if self.cfg.sync {
                // The new segment's name must survive a power cut too.
                glommio::io::Directory::open(&self.cfg.dir)
                    .await
                    .map_err(raw_io)?
                    .sync()
                    .await
                    .map_err(raw_io)?;
            }
            *file = Some((job.segment, f));
        }
        let (_, f) = file.as_ref().expect("opened above");
        // In pieces of at most MAX_WRITE (aligned), so a large save at
        // shutdown does not need a DMA buffer as large as itself.
        for (k, piece) in job.data.chunks(MAX_WRITE).enumerate() {
            let len = piece.len();
            let padded = (len as u64).div_ceil(ALIGN) * ALIGN;
            let mut buf = f.alloc_dma_buffer(padded as usize);
            let b = buf.as_bytes_mut();
            b[..len].copy_from_slice(piece);
            b[len..].fill(0);
            self.faults.check(Op::Write)?;
            let n = f
                .write_at(buf, job.offset + (k * MAX_WRITE) as u64)
                .await
                .map_err(raw_io)?;
            if (n as u64) < padded {
                return Err(io::Error::new(io::ErrorKind::WriteZero, "short write"));
            }
        }
        Ok(())
    }

    /// No more appends: the flusher writes what is left and ends.
    pub fn close(&self) {
        self.inner.borrow_mut().closed = true;
        self.flush_wanted.notify();
    }

    /// Passes over the records `seqs` when reading them.
    pub fn skip(&self, seqs: std::ops::Range<u64>) {
        if !seqs.is_empty() {
            self.inner.borrow_mut().skip.push(seqs);
        }
    }

    /// The readable end of `seg`: what is durable of it.
    fn limit(i: &Inner, seg: u64) -> u64 {
        match seg.cmp(&i.durable.segment) {
            std::cmp::Ordering::Less => i.segs.get(&seg).map_or(0, |s| s.size),
            std::cmp::Ordering::Equal => i.durable.end,
            std::cmp::Ordering::Greater => 0,
        }
    }

    /// Reads up to `max` units of durable records after the last read,
    /// handing each record's kind, sequence number and payload to `f`. Returns the units
    /// read and the position after them, to [`confirm`](Store::confirm)
    /// once they are processed. `(0, _)`: nothing durable is unread.
    pub async fn read(
        &self,
        max: u64,
        mut f: impl FnMut(u8, u64, Bytes),
    ) -> io::Result<(u64, Position)> {
        let mut got = 0;
        loop {
            if got >= max {
                break;
            }
            let refill = {
                let mut guard = self.inner.borrow_mut();
                let i = &mut *guard;
                let pos = i.read;
                let limit = Self::limit(i, pos.segment);
                if pos.offset >= limit {
                    if pos.segment >= i.durable.segment {
                        break;
                    }
                    let next = i.segs.range(pos.segment + 1..).next().map(|(&n, _)| n);
                    i.read = Position {
                        segment: next.unwrap_or(i.durable.segment),
                        offset: 0,
                        seq: pos.seq,
                    };
                    continue;
                }
                let in_buf = i.buf_seg == pos.segment
                    && pos.offset >= i.buf_off
                    && pos.offset < i.buf_off + i.buf.len() as u64;
                if !in_buf {
                    Some((pos.segment, pos.offset, HEADER, READ_CHUNK))
                } else {
                    let from = (pos.offset - i.buf_off) as usize;
                    let to = ((limit - i.buf_off) as usize).min(i.buf.len());
                    let reaches_limit = i.buf_eof || i.buf_off + i.buf.len() as u64 >= limit;
                    if !i.buf_trusted && from >= i.buf_verified {
                        i.buf_verified = from + record::verified_run(&i.buf[from..to]);
                    }
                    let verify = !i.buf_trusted && from >= i.buf_verified;
                    match record::scan_with(&i.buf[from..to], verify) {
                        Scan::Record { kind, seq, next } => {
                            let payload = i.buf.slice(from + HEADER..from + next);
                            i.read.offset += next as u64;
                            i.read.seq = seq + 1;
                            i.stats.read_records += 1;
                            if let Some(k) = i.skip.iter().position(|r| r.contains(&seq)) {
                                if seq + 1 == i.skip[k].end {
                                    i.skip.swap_remove(k);
                                }
                            } else {
                                // A record is one message.
                                i.unread_units = i.unread_units.saturating_sub(1);
                                got += 1;
                                f(kind, seq, payload);
                            }
                            None
                        }
                        Scan::Incomplete { need } if !reaches_limit => {
                            Some((pos.segment, pos.offset, need, need.max(READ_CHUNK)))
                        }
                        _ if !reaches_limit => {
                            // Damage: look for the next record in all that is left.
                            let rest = (limit - pos.offset) as usize;
                            Some((pos.segment, pos.offset, rest, rest))
                        }
                        _ => {
                            let skip = record::resync(&i.buf[from..to])
                                .map_or(limit - pos.offset, |k| k as u64);
                            let seg = i.segs.get_mut(&pos.segment);
                            if let Some(s) = seg.filter(|s| !s.damaged) {
                                s.damaged = true;
                                i.stats.corrupt_regions += 1;
                                crate::notice!(
                                    "corelogd: {}: damaged data at byte {} of {}; {skip} byte(s) passed over, the records after them delivered.",
                                    self.cfg.label,
                                    pos.offset,
                                    seg_path(&self.cfg.dir, &self.cfg.name, pos.segment).display()
                                );
                            }
                            i.read.offset += skip;
                            None
                        }
                    }
                }
            };
            if let Some((seg, off, min, size)) = refill {
                self.fill(seg, off, min, size).await?;
            }
        }
        let mut i = self.inner.borrow_mut();
        if got < max && (i.read.segment, i.read.offset) >= (i.durable.segment, i.durable.end) {
            // All read: units lost to damage are not waiting anywhere.
            let end = i.segs.get(&i.write_seg).map_or(0, |s| s.size);
            if (i.read.segment, i.read.offset) >= (i.write_seg, end) {
                i.unread_units = 0;
            }
        }
        Ok((got, i.read))
    }

    /// Reads `size` bytes of `seg` from `off` into the read buffer: from
    /// the recent buffers when they hold `off`, else from the file.
    /// At least `min` bytes are needed.
    async fn fill(&self, seg: u64, off: u64, min: usize, size: usize) -> io::Result<()> {
        {
            let mut guard = self.inner.borrow_mut();
            let i = &mut *guard;
            let limit = Self::limit(i, seg);
            let hit = i.recent.iter().rev().find(|(s, o, b)| {
                *s == seg && *o <= off && o + b.len() as u64 >= limit.min(off + min as u64)
            });
            if let Some((_, o, b)) = hit {
                let from = (off - o) as usize;
                let to = ((limit - o) as usize).min(b.len());
                i.buf = b.slice(from..to.max(from));
                i.buf_verified = 0;
                i.buf_seg = seg;
                i.buf_off = off;
                i.buf_eof = false;
                i.buf_trusted = true;
                i.stats.memory_reads += 1;
                return Ok(());
            }
        }
        let cached = match &self.inner.borrow().read_file {
            Some((s, f)) if *s == seg => Some(f.clone()),
            _ => None,
        };
        let file = match cached {
            Some(f) => f,
            None => {
                let path = seg_path(&self.cfg.dir, &self.cfg.name, seg);
                let f = Rc::new(DmaFile::open(&path).await?);
                let old = self.inner.borrow_mut().read_file.replace((seg, f.clone()));
                if let Some((_, old)) = old {
                    drop(old);
                }
                f
            }
        };
        // Only what was durable before the read is read: past it, the
        // file may be changing under the read.
        let want = size.min(Self::limit(&self.inner.borrow(), seg).saturating_sub(off) as usize);
        let r = file.read_at(off, want).await?;
        let mut i = self.inner.borrow_mut();
        i.buf = Bytes::copy_from_slice(&r[..r.len().min(want)]);
        i.buf_verified = 0;
        i.buf_seg = seg;
        i.buf_off = off;
        i.buf_eof = r.len() < want;
        i.buf_trusted = false;
        i.stats.disk_reads += 1;
        if i.buf.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("segment {seg} is shorter than its records"),
            ));
        }
        Ok(())
    }

    /// The records up to `p` (from [`Store::read`]) are processed: frees
    /// the segments before it and checkpoints (every time, or every
    /// `checkpointInterval` records).
    pub fn confirm(&self, p: Position, records: u64) {
        let mut guard = self.inner.borrow_mut();
        let i = &mut *guard;
        if p.segment < i.confirmed.segment
            || p.segment == i.confirmed.segment && p.offset <= i.confirmed.offset
        {
            return;
        }
        let done: Vec<u64> = i.segs.range(..p.segment).map(|(&n, _)| n).collect();
        for n in done {
            let s = i.segs.remove(&n).expect("listed");
            i.total -= s.size;
            let path = seg_path(&self.cfg.dir, &self.cfg.name, n);
            if i.read_file.as_ref().is_some_and(|(r, _)| *r == n) {
                i.read_file = None;
            }
            if let Err(e) = std::fs::remove_file(&path) {
                crate::notice!(
                    "corelogd: {}: cannot delete {}: {e}",
                    self.cfg.label,
                    path.display()
                );
            }
        }
        i.confirmed = p;
        i.since_checkpoint += records;
        let every = self.cfg.checkpoint_interval;
        if every == 0 || i.since_checkpoint >= every {
            i.since_checkpoint = 0;
            if let Err(e) = i.checkpoint.write(p) {
                crate::notice!(
                    "corelogd: {}: cannot write its checkpoint: {e}",
                    self.cfg.label
                );
            }
        }
        drop(guard);
        self.space.notify();
    }

    /// Writes the checkpoint now (at shutdown).
    pub fn checkpoint_now(&self) {
        let mut i = self.inner.borrow_mut();
        let p = i.confirmed;
        if let Err(e) = i.checkpoint.write(p) {
            crate::notice!(
                "corelogd: {}: cannot write its checkpoint: {e}",
                self.cfg.label
            );
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::queue::record::kind;

    pub(crate) fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("corelog-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    pub(crate) fn cfg(dir: &Path) -> StoreConfig {
        StoreConfig {
            dir: dir.to_path_buf(),
            name: "q".into(),
            label: "test queue".into(),
            max_file_size: 64 << 10,
            max_disk_space: 0,
            sync: false,
            checkpoint_interval: 0,
        }
    }

    /// What a test executor locks for io_uring: as little as a core's
    /// (`runtime::limits::IO_MEMORY_PER_CORE`), so tests fit `ulimit -l`.
    const TEST_IO_MEMORY: usize = 512 << 10;

    pub(crate) fn on_executor<R: 'static>(f: impl std::future::Future<Output = R> + 'static) -> R {
        glommio::LocalExecutorBuilder::new(glommio::Placement::Unbound)
            .io_memory(TEST_IO_MEMORY)
            .make()
            .expect("an executor")
            .run(f)
    }

    #[test]
    fn rendered_batches_of_an_earlier_action_queue_are_refused_untouched() {
        let d = dir("rendered");
        let c = cfg(&d);
        on_executor(async move {
            let s = Rc::new(Store::open(c).unwrap());
            glommio::spawn_local(s.clone().flusher()).detach();
            let (_, t) = s
                .append(kind::RENDERED, |o| o.extend_from_slice(b"three lines"))
                .unwrap();
            s.wait_durable(t).await;
        });
        let before: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| {
                let p = e.unwrap().path();
                (p.clone(), std::fs::read(p).unwrap())
            })
            .collect();
        let err = Store::open(cfg(&d)).err().expect("refused").to_string();
        assert!(err.contains("1 record(s) of rendered batches"), "{err}");
        for (p, data) in before {
            assert_eq!(std::fs::read(&p).unwrap(), data, "{} changed", p.display());
        }
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_failed_sync_makes_nothing_more_durable_and_a_restart_recovers_what_was() {
        let d = dir("syncfail");
        let mut c = cfg(&d);
        c.sync = true;
        let c2 = c.clone();
        on_executor(async move {
            let s = Rc::new(Store::open(c2).unwrap());
            glommio::spawn_local(s.clone().flusher()).detach();
            let (_, t1) = s
                .append(kind::MESSAGE, |o| o.extend_from_slice(b"record 00000000"))
                .unwrap();
            s.wait_durable(t1).await;
            s.inject_sync_failure(libc::EIO);
            let (_, t2) = s
                .append(kind::MESSAGE, |o| o.extend_from_slice(b"record 00000001"))
                .unwrap();
            glommio::timer::sleep(Duration::from_millis(300)).await;
            assert!(!s.is_durable(t2), "counted durable after a failed sync");
            let why = s.poisoned().expect("poisoned");
            assert!(
                why.contains("cannot sync") && why.contains("q.00000001"),
                "{why}"
            );
            // Later records stay not durable too.
            let (_, t3) = s
                .append(kind::MESSAGE, |o| o.extend_from_slice(b"record 00000002"))
                .unwrap();
            glommio::timer::sleep(Duration::from_millis(100)).await;
            assert!(!s.is_durable(t3));
        });
        // What was durable is there after a restart (what was written but
        // not synced may be too).
        let (got, _) = read(&d, 0);
        assert!(got.starts_with(&[0]), "{got:?}");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn segment_numbers_past_99_999_999_are_recovered() {
        let d = dir("segnum");
        std::fs::create_dir_all(&d).unwrap();
        // The newest segment there is 99 999 999: the next has 9 digits.
        std::fs::write(d.join("q.99999999"), b"").unwrap();
        write(&d, 0, 100);
        assert!(d.join("q.100000000").exists());
        assert_eq!(segment_number("q.100000000", "q"), Some(100_000_000));
        assert_eq!(segment_number("q.1234567", "q"), None);
        assert_eq!(segment_number("qq.12345678", "q"), None);
        let (got, stats) = read(&d, 100);
        assert_eq!(got, (0..100).collect::<Vec<_>>());
        assert_eq!(stats.recovered_records, 100);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_checkpoint_past_every_segment_deletes_nothing() {
        let d = dir("badcheckpoint");
        write(&d, 0, 2000);
        let before = std::fs::read_dir(&d).unwrap().count();
        {
            let (mut ck, _) = Checkpoint::open(&d.join("q.qi"), false).unwrap();
            ck.write(Position {
                segment: 1_000_000,
                offset: 0,
                seq: 0,
            })
            .unwrap();
        }
        let (got, _) = read(&d, 0);
        assert_eq!(got, (0..2000).collect::<Vec<_>>());
        assert!(std::fs::read_dir(&d).unwrap().count() >= before);
        let _ = std::fs::remove_dir_all(&d);
    }

    /// Appends records `from..to` and waits until they are durable; the
    /// store is then dropped without closing (as kill -9 would leave it).
    fn write(dir: &Path, from: u32, to: u32) {
        let c = cfg(dir);
        on_executor(async move {
            let s = Rc::new(Store::open(c).unwrap());
            glommio::spawn_local(s.clone().flusher()).detach();
            let mut last = None;
            for i in from..to {
                let payload = format!("record {i:08} {}", "x".repeat((i % 200) as usize));
                let (_, t) = s
                    .append(kind::MESSAGE, |o| o.extend_from_slice(payload.as_bytes()))
                    .unwrap();
                last = Some(t);
                if i % 1000 == 999 {
                    s.wait_durable(t).await;
                }
            }
            if let Some(t) = last {
                s.wait_durable(t).await;
            }
        });
    }

    /// Reads everything (confirming `confirm` records of it); returns
    /// the record numbers read and the store's counters.
    fn read(dir: &Path, confirm: usize) -> (Vec<u32>, StoreStats) {
        let c = cfg(dir);
        on_executor(async move {
            let s = Rc::new(Store::open(c).unwrap());
            glommio::spawn_local(s.clone().flusher()).detach();
            let mut got = Vec::new();
            loop {
                let mut batch = Vec::new();
                let (n, p) = s
                    .read(100, |_, _, b| {
                        let text = std::str::from_utf8(&b).unwrap();
                        batch.push(text[7..15].parse::<u32>().unwrap());
                    })
                    .await
                    .unwrap();
                if n == 0 {
                    break;
                }
                if got.len() + batch.len() <= confirm {
                    s.confirm(p, n);
                }
                got.extend(batch);
            }
            (got, s.stats())
        })
    }

    #[test]
    fn survives_a_crash_and_confirms() {
        let d = dir("crash");
        write(&d, 0, 5000);
        write(&d, 5000, 7000);
        let (got, st) = read(&d, 3000);
        assert_eq!(got, (0..7000).collect::<Vec<_>>());
        assert_eq!(st.recovered_records, 7000);
        let segments = std::fs::read_dir(&d).unwrap().count();
        // Confirmed segments are gone; the rest is read again.
        let (got, _) = read(&d, usize::MAX);
        assert_eq!(got, (3000..7000).collect::<Vec<_>>());
        let (got, _) = read(&d, 0);
        assert!(got.is_empty());
        assert!(std::fs::read_dir(&d).unwrap().count() < segments);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn new_records_never_land_behind_the_checkpoint() {
        let d = dir("behind");
        write(&d, 0, 3000);
        let (got, _) = read(&d, usize::MAX);
        assert_eq!(got.len(), 3000);
        // The checkpoint's segment vanishes and a stray old one appears.
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if !p.to_string_lossy().ends_with(".qi") {
                std::fs::remove_file(p).unwrap();
            }
        }
        std::fs::write(d.join("q.00000001"), b"").unwrap();
        // Written, then a crash before anything is confirmed.
        write(&d, 3000, 3100);
        let (got, _) = read(&d, 0);
        assert_eq!(got, (3000..3100).collect::<Vec<_>>());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_torn_tail_is_cut_at_the_last_whole_record() {
        let d = dir("torn");
        write(&d, 0, 300);
        let last = std::fs::read_dir(&d)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| !p.to_string_lossy().ends_with(".qi"))
            .max()
            .unwrap();
        let data = std::fs::read(&last).unwrap();
        let end = data.iter().rposition(|&b| b != 0).unwrap() + 1;
        // Cut the last record in half, as a crash mid-write would.
        std::fs::write(&last, &data[..end - 40]).unwrap();
        let (got, st) = read(&d, usize::MAX);
        assert_eq!(got, (0..299).collect::<Vec<_>>());
        assert!(st.torn_bytes > 0);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_flipped_byte_costs_only_its_record() {
        let d = dir("flip");
        write(&d, 0, 2000);
        let first = d.join("q.00000001");
        let mut data = std::fs::read(&first).unwrap();
        let at = memchr::memmem::find(&data, b"record 00000100").unwrap();
        data[at + 3] ^= 0x20;
        std::fs::write(&first, &data).unwrap();
        let (got, st) = read(&d, usize::MAX);
        let want: Vec<u32> = (0..2000).filter(|&i| i != 100).collect();
        assert_eq!(got, want);
        assert_eq!(st.corrupt_regions, 1);
        assert!(d.join("q.00000001.bad").exists());
        std::fs::remove_dir_all(&d).unwrap();
    }
}
