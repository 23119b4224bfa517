//! imfile's reader: followed files into the rules, on core 0.
//!
//! In: the plan's imfile inputs. Each pattern is looked at (at start, on
//! every inotify event in the directories it names, and at least every
//! second; every `pollingInterval` in polling mode), and each regular file
//! it names is followed: read from where its state file says, else from
//! its start (its end with `freshStartTail` at start), cut into messages
//! by [`crate::input::file`], and enqueued into the input's ruleset (a
//! full queue stops the reading; the file keeps what is not read).
//!
//! Out: one message per cut, tag, facility and severity as configured,
//! input name `imfile`, hostname the local one; with `addMetadata`,
//! `$!metadata!filename` and `$!metadata!fileoffset` (where it begins).
//!
//! Rotation. A file is followed by its device and inode, not its name:
//! - renamed (rename and create): the old inode is read to its end, and
//!   on until it has been rotated and quiet for [`ROTATED_LINGER`], while
//!   its writer may still be writing to it before it reopens; the new
//!   file under the name is read from its start meanwhile. When it is
//!   left, its last line and pending message are complete;
//! - truncated (copytruncate): when the file is shorter than what was
//!   read, or the bytes before the offset are no longer those read
//!   (checked before every read), what was read is completed and it is
//!   read again from its start. What the writer wrote between logrotate's
//!   copy and its truncation, and what was not read before it, is not in
//!   the file any more: copytruncate's own race (logrotate(8) says so);
//! - rotated while corelogd was down: the old inode is looked for in its
//!   directory by its state, and read to its end first.
//!
//! State. Each file's state (see [`state`]) holds the start of the first
//! message not yet enqueued. It is written (one `pwrite`):
//! - after every batch, where the ruleset's queue is a Disk queue: a batch
//!   is durable when enqueued, so after a kill -9 nothing is lost, and
//!   only a batch whose state had not been written when the process died
//!   (while the queue synced it) is read twice;
//! - every `persistStateInterval` messages, and after every batch with
//!   `persistStateAfterSubmission` (with a memory queue, what it holds is
//!   lost on a kill -9, as in rsyslog);
//! - when a file is left, and at stop.
//!
//! Bounds: a read takes at most [`READ_MAX`] bytes; a message is at most
//! maxMessageSize (see the framer); a rotated file is left once read to
//! its end and idle, so the files held open are those followed plus those
//! rotated within [`ROTATED_LINGER`].

mod state;
mod watch;

use state::Id;

use std::collections::HashSet;
use std::fs::File;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::modules::imfile::{FileInput, ImfileConfig, Mode};
use crate::corectx::CoreCtx;
use crate::input::file::{Framed, Framer, Framing, ReadMode};
use crate::msg::json::{Json, Path as VarPath};
use crate::msg::vars::VarScope;
use crate::msg::{Message, Origin};
use crate::parse::chain::Chain;

/// How often files are looked at in inotify mode when an event came.
const TICK: Duration = Duration::from_millis(10);
/// inotify mode: a full look this often even without events (files
/// reached through symlinks live in directories not watched).
const FULL_LOOK: Duration = Duration::from_secs(1);
/// The most one read takes.
const READ_MAX: usize = 64 * 1024;
/// A pass that reads for longer than this (a reader behind its writer)
/// looks at the patterns again on the way: a file created and rotated
/// away meanwhile is followed before its name is gone.
const LOOK_DURING_PASS: Duration = Duration::from_millis(100);
/// How long a renamed or removed file is still read after its end.
const ROTATED_LINGER: Duration = Duration::from_secs(5);
/// A message cut at maxMessageSize is said at most this often per file.
const SAY_TRUNCATED_EVERY: Duration = Duration::from_secs(10);

/// Per-minute limits of one file (maxLinesPerMinute, maxBytesPerMinute).
#[derive(Debug, Default)]
struct PerMinute {
    minute: u64,
    lines: u64,
    bytes: u64,
    dropped: u64,
}

impl PerMinute {
    /// The messages dropped in a minute that is over (said, then forgotten).
    fn take_dropped(&mut self, minute: u64) -> u64 {
        if minute == self.minute {
            return 0;
        }
        std::mem::take(&mut self.dropped)
    }

    /// Whether a message of `len` bytes may pass this minute.
    fn admit(&mut self, input: &FileInput, minute: u64, len: usize) -> bool {
        if input.max_lines_per_minute == 0 && input.max_bytes_per_minute == 0 {
            return true;
        }
        if minute != self.minute {
            self.minute = minute;
            self.lines = 0;
            self.bytes = 0;
        }
        self.lines += 1;
        self.bytes += len as u64;
        let over = (input.max_lines_per_minute > 0 && self.lines > input.max_lines_per_minute)
            || (input.max_bytes_per_minute > 0 && self.bytes > input.max_bytes_per_minute);
        if over {
            self.dropped += 1;
        }
        !over
    }
}

/// One file followed.
struct Followed {
    input: usize,
    /// The name it is followed under (its last, when rotated).
    path: PathBuf,
    file: File,
    id: Id,
    framer: Framer,
    /// Where the messages enqueued so far end: what a state keeps.
    taken_to: u64,
    /// The last bytes read (up to [`state::TAIL_MAX`]) before the
    /// framer's position: a file written again over them was truncated.
    tail: Vec<u8>,
    /// The first bytes read (up to [`state::HEAD_MAX`]): what tells
    /// logrotate's copy of it after a copytruncate.
    head: Option<state::Print>,
    /// Its name no longer names it (since then): read to its end, and
    /// left once idle for [`ROTATED_LINGER`] that long after.
    rotated: Option<Instant>,
    /// At its end since.
    idle_since: Option<Instant>,
    /// When it last had new bytes (readTimeout).
    last_data: Instant,
    /// The offset last kept in its state file.
    saved: Option<u64>,
    /// Messages enqueued since its state was last written.
    unsaved: u64,
    limit: PerMinute,
    /// Messages cut at maxMessageSize not said yet, and when last said.
    truncated: (u64, Option<Instant>),
    /// Its state file, once opened.
    writer: Option<state::Writer>,
    /// Its state could not be written (said once; tried again each time).
    save_failed: bool,
    /// A read failed (said once).
    read_failed: bool,
}

/// Everything imfile follows.
pub struct Imfile {
    config: ImfileConfig,
    framings: Vec<Framing>,
    files: Vec<Followed>,
    state: Option<state::Dir>,
    inotify: Option<watch::Inotify>,
    origin: Arc<Origin>,
    /// Each ruleset's parser chain (needParse).
    parsers: Vec<Option<Arc<Chain>>>,
    /// The first look (freshStartTail applies to it).
    first_look: bool,
    /// When the patterns were last looked at.
    last_look: Instant,
    /// Inputs whose missing file was said.
    said_missing: Vec<bool>,
    /// Files that could not be opened, or that another input follows
    /// (said once each).
    said: HashSet<(PathBuf, usize)>,
    /// Reads and messages of this pass.
    buf: Vec<u8>,
    cut: Vec<Framed>,
}

impl Imfile {
    /// imfile for `config`: messages at most `max_message` bytes; states
    /// in `statefile.directory`, else `work_directory`.
    pub fn new(
        config: ImfileConfig,
        max_message: usize,
        work_directory: Option<&Path>,
        parsers: Vec<Option<Arc<Chain>>>,
        hostname: &str,
    ) -> Imfile {
        let framings = config
            .inputs
            .iter()
            .map(|i| framing(i, max_message))
            .collect();
        let state = config
            .state_directory
            .as_deref()
            .or(work_directory)
            .map(|p| state::Dir {
                path: p.to_path_buf(),
            });
        let inotify = match config.mode {
            Mode::Polling => None,
            Mode::Inotify => {
                match watch::Inotify::new() {
                    Ok(i) => Some(i),
                    Err(e) => {
                        crate::notice!("imfile: cannot use inotify ({e}); files are looked at every {} ms instead", TICK.as_millis());
                        None
                    }
                }
            }
        };
        let n = config.inputs.len();
        Imfile {
            config,
            framings,
            files: Vec::new(),
            state,
            inotify,
            origin: Arc::new(Origin::new(hostname, "127.0.0.1", "imfile")),
            parsers,
            first_look: true,
            last_look: Instant::now(),
            said_missing: vec![false; n],
            said: HashSet::new(),
            buf: vec![0; READ_MAX],
            cut: Vec::new(),
        }
    }

    /// Looks at every pattern: follows the files new to it, marks those
    /// whose name now names another file (or none) as rotated.
    fn look(&mut self) {
        let mut dirs = Vec::new();
        let mut seen: Vec<(usize, watch::Found)> = Vec::new();
        for (i, input) in self.config.inputs.iter().enumerate() {
            let found = watch::expand(&input.file, self.config.sort_files, &mut dirs);
            if found.is_empty() && self.first_look && !input.has_wildcard() {
                if input.file_not_found_error && !self.said_missing[i] {
                    crate::notice!(
                        "imfile: file '{}' does not exist yet; it is followed once it does",
                        input.file.display()
                    );
                }
                self.said_missing[i] = true;
            }
            seen.extend(found.into_iter().map(|f| (i, f)));
        }
        for f in &mut self.files {
            let now = match seen.iter().find(|(_, s)| s.id() == f.id) {
                Some((_, s)) => {
                    f.path = s.path.clone();
                    false
                }
                // Not seen: a name its pattern no longer names (a file
                // rotated away, a copy) is rotated; one it names, only if
                // that name now names another file or none (a directory
                // that could not be read this time says nothing).
                None if !names(&self.config.inputs[f.input].file, &f.path) => true,
                None => match std::fs::metadata(&f.path) {
                    Ok(m) => {
                        Id {
                            dev: m.dev(),
                            ino: m.ino(),
                        } != f.id
                    }
                    Err(e) => e.kind() == std::io::ErrorKind::NotFound || f.rotated.is_some(),
                },
            };
            match (now, f.rotated) {
                (true, None) => f.rotated = Some(Instant::now()),
                (false, Some(_)) => f.rotated = None,
                _ => {}
            }
        }
        for (i, found) in seen {
            if let Some(f) = self.files.iter().find(|f| f.id == found.id()) {
                if f.input != i && self.said.insert((found.path.clone(), i)) {
                    crate::notice!(
                        "imfile: '{}' is followed by an earlier imfile input already; this one does not read it again",
                        found.path.display()
                    );
                }
                continue;
            }
            let older = self.config.inputs[i].ignore_older_than;
            if !older.is_zero() && found.age_s > older.as_secs() {
                continue;
            }
            self.follow(i, &found.path, found.id(), found.len, false);
        }
        if let Some(ino) = &mut self.inotify {
            dirs.sort();
            dirs.dedup();
            ino.watch(&dirs);
        }
        self.first_look = false;
        self.last_look = Instant::now();
    }

    /// Starts following `path` (`id`, `len` bytes now), from its state
    /// when it has one that fits.
    fn follow(&mut self, input: usize, path: &Path, id: Id, len: u64, rotated: bool) {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) => {
                if self.said.insert((path.to_path_buf(), usize::MAX)) {
                    crate::notice!("imfile: cannot open '{}': {e}", path.display());
                }
                return;
            }
        };
        // Renamed between the look and the open: the next look sees it.
        if file
            .metadata()
            .map(|m| Id {
                dev: m.dev(),
                ino: m.ino(),
            })
            .ok()
            != Some(id)
        {
            return;
        }
        let kept = self.state.as_ref().and_then(|d| d.load(id, path));
        let mut copied = false;
        let start = match kept {
            Some(s) if s.fits(&file) && s.rsyslog => {
                // rsyslog kept where its current line began; a pending
                // multi-line message began a line before at the latest.
                match self.framings[input].mode.multi_line() {
                    true => line_before(&file, s.offset),
                    false => s.offset,
                }
            }
            Some(s) if s.fits(&file) => s.offset,
            Some(s) => {
                // Truncated while corelogd was down (copytruncate): the
                // rest of what was read is in logrotate's copy.
                match self.copy_of(&s, path) {
                    Some((copy, name, copy_id)) => {
                        crate::notice!("imfile: '{}' was truncated while corelogd was down: reading the rest from its copy '{}', then the file from its start", path.display(), name.display());
                        self.push(input, path, copy, copy_id, s.offset, true);
                        // The copy's state first: a kill -9 then finds it,
                        // not the file's old state.
                        self.save(self.files.len() - 1);
                        copied = true;
                    }
                    None => crate::notice!("imfile: '{}' is not the file its state was kept for (a reused inode, or truncated while corelogd was down): read from its start", path.display()),
                }
                0
            }
            None if self.first_look && self.config.inputs[input].fresh_start_tail => len,
            None => 0,
        };
        self.push(input, path, file, id, start, rotated);
        if copied {
            // Then the file's own, from its start.
            self.save(self.files.len() - 1);
        }
    }

    /// logrotate's copy, in `path`'s directory, of the file state `s` was
    /// kept for: not followed, and with the bytes the state's fingerprints
    /// name.
    fn copy_of(&self, s: &state::State, path: &Path) -> Option<(File, PathBuf, Id)> {
        // rsyslog's states hold no fingerprints: any file would fit.
        if s.rsyslog || s.head.len == 0 {
            return None;
        }
        let followed: Vec<Id> = self.files.iter().map(|f| f.id).collect();
        std::fs::read_dir(path.parent()?)
            .ok()?
            .flatten()
            .find_map(|e| {
                let m = e.metadata().ok()?;
                let id = Id {
                    dev: m.dev(),
                    ino: m.ino(),
                };
                if !m.is_file() || m.len() < s.offset || id == s.id || followed.contains(&id) {
                    return None;
                }
                let f = File::open(e.path()).ok()?;
                let same = f
                    .metadata()
                    .is_ok_and(|m| m.ino() == id.ino && m.dev() == id.dev);
                (same && s.fits(&f)).then(|| (f, e.path(), id))
            })
    }

    /// Starts following `file` (`id`) from `start`, under `path`.
    fn push(&mut self, input: usize, path: &Path, file: File, id: Id, start: u64, rotated: bool) {
        let f = self.followed(input, path, file, id, start, rotated);
        self.files.push(f);
    }

    /// `file` (`id`) followed from `start`, under `path`.
    fn followed(
        &self,
        input: usize,
        path: &Path,
        file: File,
        id: Id,
        start: u64,
        rotated: bool,
    ) -> Followed {
        let tail_len = start.min(state::TAIL_MAX);
        let mut tail = vec![0; tail_len as usize];
        if file.read_exact_at(&mut tail, start - tail_len).is_err() {
            tail.clear();
        }
        let framer = Framer::new(self.framings[input].clone(), start);
        let head = state::Print::of(&file, 0, start.min(state::HEAD_MAX));
        Followed {
            input,
            path: path.to_path_buf(),
            file,
            id,
            framer,
            taken_to: start,
            head,
            tail,
            rotated: rotated.then(Instant::now),
            idle_since: None,
            last_data: Instant::now(),
            saved: None,
            unsaved: 0,
            limit: PerMinute::default(),
            truncated: (0, None),
            writer: None,
            save_failed: false,
            read_failed: false,
        }
    }

    /// At start: files rotated while corelogd was down, found by their
    /// state in the directory they were followed in, read to their end.
    fn recover_rotated(&mut self) {
        let Some(dir) = self.state.clone() else {
            return;
        };
        for s in dir.all() {
            let input = self
                .config
                .inputs
                .iter()
                .position(|i| names(&i.file, &s.path));
            let Some(input) = input else {
                continue; // kept for a file no input follows now
            };
            let id_of = |m: &std::fs::Metadata| Id {
                dev: m.dev(),
                ino: m.ino(),
            };
            if std::fs::metadata(&s.path).is_ok_and(|m| id_of(&m) == s.id) {
                continue; // still under its name: the first look follows it
            }
            // Found in its directory by its inode, and still the file the
            // state was kept for (an inode freed and used again for
            // another file is not read).
            let found = s.path.parent().and_then(|d| {
                std::fs::read_dir(d).ok()?.flatten().find_map(|e| {
                    let m = e.metadata().ok()?;
                    let fits = m.is_file()
                        && id_of(&m) == s.id
                        && File::open(e.path()).is_ok_and(|f| s.fits(&f));
                    fits.then(|| (e.path(), m.len()))
                })
            });
            match found {
                Some((path, len)) => self.follow(input, &path, s.id, len, true),
                None if self.config.inputs[input].delete_state_on_file_delete => dir.remove(s.id),
                None => {}
            }
        }
    }

    /// Keeps where file `i` was left.
    fn save(&mut self, i: usize) {
        let Some(dir) = &self.state else {
            return;
        };
        let f = &mut self.files[i];
        if f.saved == Some(f.taken_to) {
            return;
        }
        let Some(s) = state::State::of(&f.file, &f.path, f.id, f.taken_to) else {
            return; // shrank meanwhile: read again from its start anyway
        };
        let saved = match &mut f.writer {
            Some(w) => w.save(&s),
            None => dir.writer(f.id).and_then(|mut w| {
                let r = w.save(&s);
                f.writer = Some(w);
                r
            }),
        };
        match saved {
            Ok(()) => {
                f.saved = Some(f.taken_to);
                f.unsaved = 0;
                f.save_failed = false;
            }
            Err(_) if f.save_failed => {}
            Err(e) => {
                f.save_failed = true;
                crate::notice!(
                "imfile: cannot keep where '{}' was left ({}): {e}; a restart reads it again from the last state kept",
                    f.path.display(),
                    dir.path.display()
                );
            }
        }
    }

    /// Leaves the rotated files read to their end and idle for
    /// [`ROTATED_LINGER`] (and rotated that long): their last line and
    /// pending message are complete; their state is removed (or kept,
    /// with `deleteStateOnFileDelete="off"`).
    async fn leave_finished(&mut self, ctx: &CoreCtx) {
        let mut i = 0;
        while i < self.files.len() {
            let f = &self.files[i];
            let idle = |t: Option<Instant>| t.is_some_and(|t| t.elapsed() >= ROTATED_LINGER);
            if !(idle(f.rotated) && idle(f.idle_since)) {
                i += 1;
                continue;
            }
            debug_assert!(self.cut.is_empty());
            self.files[i].framer.finish(&mut self.cut);
            if !self.submit(ctx, i).await {
                return; // stopping: its state is kept with the others
            }
            if self.config.inputs[self.files[i].input].delete_state_on_file_delete {
                let f = &mut self.files[i];
                f.writer = None;
                if let Some(d) = &self.state {
                    d.remove(f.id);
                }
            } else {
                self.save(i);
            }
            self.files.swap_remove(i);
        }
    }

    /// Whether file `i` was truncated since it was last read: it is
    /// shorter than what was read, or other bytes are where the last ones
    /// read were.
    fn truncated(&mut self, i: usize) -> bool {
        let f = &mut self.files[i];
        let Ok(len) = f.file.metadata().map(|m| m.len()) else {
            return false;
        };
        let pos = f.framer.pos();
        let rewritten = len >= pos && !f.tail.is_empty() && {
            let mut now = vec![0; f.tail.len()];
            let at = pos.saturating_sub(now.len() as u64);
            f.file
                .read_exact_at(&mut now, at)
                .map_or(true, |()| now != f.tail)
        };
        if len < pos || rewritten {
            crate::notice!(
                "imfile: '{}' was truncated ({len} bytes now, read up to {pos}): read again from its start",
                f.path.display(),
            );
            return true;
        }
        false
    }

    /// Reads truncated file `i` again from its start, once what was read
    /// of its old content is complete and enqueued.
    async fn restart(&mut self, ctx: &CoreCtx, i: usize) -> bool {
        // What was not read before the truncation is in logrotate's copy:
        // it is followed from where the messages taken end (its state kept
        // as it goes, under the file's name, so a kill -9 meanwhile finds
        // it again), ahead of the file, which is read again from its start.
        if let Some((file, copy, id)) = self.find_copy(i) {
            let f = &self.files[i];
            crate::notice!(
                "imfile: reading the rest of '{}' from its copy '{}'",
                f.path.display(),
                copy.display()
            );
            let (input, name, from) = (f.input, f.path.clone(), f.taken_to);
            // What was cut and not enqueued yet starts at `from` or after:
            // the copy cuts it again.
            self.cut.clear();
            let c = self.followed(input, &name, file, id, from, true);
            self.files.insert(i, c);
            self.reset(i + 1);
            // The copy's state, then the file's from its start: a kill -9
            // goes on in the copy, and never reads it again once left.
            self.save(i);
            self.save(i + 1);
            return true;
        }
        self.files[i].framer.finish(&mut self.cut);
        let taken = self.submit(ctx, i).await;
        self.reset(i);
        taken
    }

    /// File `i` read again from its start.
    fn reset(&mut self, i: usize) {
        let f = &mut self.files[i];
        f.framer = Framer::new(self.framings[f.input].clone(), 0);
        f.taken_to = 0;
        f.tail.clear();
        f.head = None;
        f.saved = None;
    }

    /// logrotate's copy of truncated file `i`: in its directory, not
    /// followed, at least as long as what was read, with the same first
    /// bytes and the same bytes before the position.
    fn find_copy(&self, i: usize) -> Option<(File, PathBuf, Id)> {
        let f = &self.files[i];
        let (head, pos) = (f.head?, f.framer.pos());
        if pos == 0 {
            return None;
        }
        let followed: Vec<Id> = self.files.iter().map(|f| f.id).collect();
        let dir = f.path.parent()?;
        std::fs::read_dir(dir).ok()?.flatten().find_map(|e| {
            let m = e.metadata().ok()?;
            let id = Id {
                dev: m.dev(),
                ino: m.ino(),
            };
            if !m.is_file() || m.len() < pos || followed.contains(&id) {
                return None;
            }
            let copy = File::open(e.path()).ok()?;
            let mut tail = vec![0; f.tail.len()];
            let at = pos - f.tail.len() as u64;
            copy.read_exact_at(&mut tail, at).ok()?;
            (head.matches(&copy, 0) && tail == f.tail).then(|| (copy, e.path(), id))
        })
    }

    /// Reads file `i` once (at most [`READ_MAX`]), cutting into
    /// `self.cut`; false at its end.
    fn read_once(&mut self, i: usize) -> bool {
        let f = &mut self.files[i];
        let pos = f.framer.pos();
        let n = match f.file.read_at(&mut self.buf, pos) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return true,
            Err(e) => {
                if !f.read_failed {
                    f.read_failed = true;
                    crate::notice!("imfile: error reading '{}': {e}", f.path.display());
                }
                0
            }
        };
        if n == 0 {
            f.idle_since.get_or_insert_with(Instant::now);
            return false;
        }
        let bytes = &self.buf[..n];
        if f.head.map_or(true, |h| h.len < state::HEAD_MAX) {
            let len = (pos + n as u64).min(state::HEAD_MAX);
            f.head = state::Print::of(&f.file, 0, len);
        }
        f.idle_since = None;
        f.last_data = Instant::now();
        f.framer.feed(bytes, &mut self.cut);
        // The last bytes before the position, to tell a truncation.
        let keep = state::TAIL_MAX as usize;
        if n >= keep {
            f.tail.clear();
            f.tail.extend_from_slice(&bytes[n - keep..]);
        } else {
            f.tail.extend_from_slice(bytes);
            let over = f.tail.len().saturating_sub(keep);
            f.tail.drain(..over);
        }
        true
    }

    /// Makes the messages of `self.cut` (file `i`) and enqueues them, at
    /// most maxSubmitAtOnce at a time; the state follows what the queue
    /// took. False when the queue took not all (stopping).
    async fn submit(&mut self, ctx: &CoreCtx, i: usize) -> bool {
        let cut = std::mem::take(&mut self.cut);
        let ok = self.submit_cut(ctx, i, &cut).await;
        self.cut = cut;
        self.cut.clear();
        ok
    }

    async fn submit_cut(&mut self, ctx: &CoreCtx, i: usize, cut: &[Framed]) -> bool {
        let f = &self.files[i];
        let input = &self.config.inputs[f.input];
        let end = f.framer.resume_at();
        let ruleset = input.ruleset as u32;
        let shard = ctx.shard_for(ruleset).clone();
        let durable = shard.spool().is_some_and(|s| s.disk_only());
        let per = if input.delay_message.is_zero() {
            input.max_submit_at_once
        } else {
            1
        };
        let filename: Json = Json::str(f.path.as_os_str().as_encoded_bytes());
        let mut said = 0;
        for (n, batch) in cut.chunks(per).enumerate() {
            let next = cut.get((n + 1) * per).map_or(end, |m| m.start);
            let mut items = shard.chunk();
            let now = ctx.clock.now();
            let minute = now_secs() / 60;
            let f = &mut self.files[i];
            let input = &self.config.inputs[f.input];
            let dropped = f.limit.take_dropped(minute);
            if dropped > 0 {
                crate::notice!(
                    "imfile: {dropped} message(s) read from '{}' were dropped by maxLinesPerMinute/maxBytesPerMinute in the last minute",
                    f.path.display()
                );
            }
            for m in batch {
                if m.truncated {
                    said += 1;
                }
                if !f.limit.admit(input, minute, m.text.len()) {
                    continue;
                }
                items.push(message(
                    input,
                    &self.origin,
                    &filename,
                    m,
                    now,
                    ctx,
                    &self.parsers,
                ));
            }
            let count = items.len() as u64;
            let taken = items.is_empty() || shard.enqueue(&mut items).await;
            shard.recycle(items);
            // Not taken while running: the disk refused them, and the
            // queue counted them as dropped; the rest go on. Stopping:
            // the state stays before them, so they are read again.
            if !taken && (ctx.stop.is_stopped() || shard.is_closed()) {
                return false;
            }
            let f = &mut self.files[i];
            let input = &self.config.inputs[f.input];
            f.taken_to = next;
            f.unsaved += count;
            if durable
                || input.persist_state_after_submission
                || (input.persist_state_interval > 0 && f.unsaved >= input.persist_state_interval)
            {
                self.save(i);
            }
            let delay = self.config.inputs[self.files[i].input].delay_message;
            if !delay.is_zero() {
                glommio::timer::sleep(delay).await;
            }
        }
        if cut.is_empty() {
            self.files[i].taken_to = end;
        }
        self.say_truncated(i, said);
        true
    }

    /// Says messages cut at maxMessageSize (msgDiscardingError), at most
    /// every [`SAY_TRUNCATED_EVERY`] per file.
    fn say_truncated(&mut self, i: usize, n: u64) {
        let f = &mut self.files[i];
        let input = &self.config.inputs[f.input];
        if !input.msg_discarding_error {
            return;
        }
        f.truncated.0 += n;
        let due = f
            .truncated
            .1
            .map_or(true, |t| t.elapsed() >= SAY_TRUNCATED_EVERY);
        if f.truncated.0 == 0 || !due {
            return;
        }
        let rest = if input.discard_truncated || input.trim_line_over > 0 {
            "the rest of each was not processed"
        } else {
            "each was split and its rest processed as another message"
        };
        crate::notice!(
            "imfile error: {} message(s) read from '{}' were larger than the max msg size; {rest}",
            f.truncated.0,
            f.path.display()
        );
        f.truncated = (0, Some(Instant::now()));
    }

    /// Reads every file followed to its end (or maxLinesAtOnce), enqueuing
    /// as it goes. True if anything was read.
    async fn read_all(&mut self, ctx: &CoreCtx) -> bool {
        let mut any = false;
        let mut i = 0;
        while i < self.files.len() {
            let input = &self.config.inputs[self.files[i].input];
            let (max_lines, per_submit) = (input.max_lines_at_once, input.max_submit_at_once);
            let mut lines = 0;
            loop {
                // Before every read: a copytruncate during a wait for room
                // must not be read past.
                if self.truncated(i) && !self.restart(ctx, i).await {
                    return any;
                }
                debug_assert!(self.cut.len() < per_submit);
                let before = self.cut.len();
                let more = self.read_once(i);
                any |= more;
                lines += self.cut.len() - before;
                let enough = max_lines > 0 && lines >= max_lines;
                let stopping = ctx.stop.is_stopped();
                if (self.cut.len() >= per_submit || !more || enough || stopping)
                    && !self.submit(ctx, i).await
                {
                    return any;
                }
                if !more || enough || stopping {
                    break;
                }
                if self.last_look.elapsed() >= LOOK_DURING_PASS {
                    self.look();
                }
                glommio::yield_if_needed().await;
            }
            debug_assert!(
                self.cut.is_empty(),
                "a file's messages go out before the next file is read"
            );
            i += 1;
        }
        any
    }

    /// readTimeout: multi-line messages waiting longer than their
    /// input's timeout are complete as they are.
    async fn time_out(&mut self, ctx: &CoreCtx) {
        for i in 0..self.files.len() {
            let f = &mut self.files[i];
            let timeout = self.config.inputs[f.input].read_timeout;
            if timeout.is_zero() || !f.framer.has_pending() || f.last_data.elapsed() < timeout {
                continue;
            }
            debug_assert!(self.cut.is_empty());
            f.framer.time_out(&mut self.cut);
            if !self.submit(ctx, i).await {
                return;
            }
        }
    }

    /// At stop: every file's state kept.
    fn save_all(&mut self) {
        for i in 0..self.files.len() {
            self.save(i);
        }
    }
}

/// Where the line before the one at `offset` begins (rsyslog's state
/// says where its current line began; a pending multi-line message began
/// a line before at the latest). Reads at most 64 KiB back.
fn line_before(file: &File, offset: u64) -> u64 {
    const BACK: u64 = 64 * 1024;
    if offset < 2 {
        return 0;
    }
    let from = offset.saturating_sub(BACK);
    let mut buf = vec![0; (offset - 1 - from) as usize];
    if file.read_exact_at(&mut buf, from).is_err() {
        return offset;
    }
    match memchr::memrchr(b'\n', &buf) {
        Some(i) => from + i as u64 + 1,
        None if from == 0 => 0,
        None => offset,
    }
}

/// Whether `path` is one `pattern` names (braces expanded).
fn names(pattern: &Path, path: &Path) -> bool {
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    watch::braces(&pattern.to_string_lossy())
        .iter()
        .any(|p| glob::Pattern::new(p).is_ok_and(|p| p.matches_path_with(path, options)))
}

/// The message made of one cut.
fn message(
    input: &FileInput,
    origin: &Arc<Origin>,
    filename: &Json,
    m: &Framed,
    now: crate::msg::Timestamp,
    ctx: &CoreCtx,
    parsers: &[Option<Arc<Chain>>],
) -> Message {
    let ruleset = input.ruleset as u32;
    let cee;
    let text: &[u8] = if input.add_cee_tag {
        cee = [b"@cee:".as_slice(), &m.text].concat();
        &cee
    } else {
        &m.text
    };
    let mut msg = if input.need_parse {
        let chain = parsers.get(input.ruleset).and_then(|c| c.as_deref());
        let frame = bytes::Bytes::copy_from_slice(text);
        // rsyslog's imfile does not ask for a HOSTNAME (no PARSE_HOSTNAME
        // flag): the word after the time is the tag.
        let opts = crate::parse::ParseOptions {
            no_hostname: true,
            ..ctx.parse
        };
        crate::parse::parse_chain(frame, origin, now, &opts, chain).0
    } else {
        Message::generated(
            text,
            input.tag.as_bytes(),
            ctx.myhostname.as_bytes(),
            input.pri,
            now,
            origin.clone(),
            ruleset,
        )
    };
    msg.set_ruleset(ruleset);
    if input.add_metadata {
        let vars = msg.vars_mut();
        let offset = Json::Str(m.start.to_string().into_bytes().into());
        // Two short strings: within any weight limit.
        let _ = vars.set(
            VarScope::Message,
            &VarPath::parse("metadata!filename"),
            filename.clone(),
            false,
        );
        let _ = vars.set(
            VarScope::Message,
            &VarPath::parse("metadata!fileoffset"),
            offset,
            false,
        );
    }
    msg
}

/// Unix seconds now (the per-minute limits count wall-clock minutes, as
/// rsyslog's do).
fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// How an input's files are cut.
fn framing(input: &FileInput, max_message: usize) -> Framing {
    use crate::config::modules::imfile::ReadMode as R;
    // The regexes were checked when the configuration was read.
    let re = |s: &str| {
        regex::bytes::Regex::new(s).unwrap_or_else(|_| regex::bytes::Regex::new("$^").unwrap())
    };
    let mode = match &input.read_mode {
        R::Line => ReadMode::Line,
        R::Paragraph => ReadMode::Paragraph,
        R::Indented => ReadMode::Indented,
        R::Start(s) => ReadMode::Start(re(s)),
        R::End(s) => ReadMode::End(re(s)),
    };
    let trim = input.trim_line_over;
    let trimmed = trim > 0 && trim < max_message;
    Framing {
        mode,
        escape_lf: input.escape_lf.clone(),
        max: if trimmed { trim } else { max_message },
        discard_truncated: input.discard_truncated || trimmed,
    }
}

/// Core 0: follows the files until the inputs stop; at stop, what was
/// read is enqueued and every state kept.
pub async fn run(mut m: Imfile, ctx: Rc<CoreCtx>) {
    // An input: shutdown waits for it, and releases its wait for room.
    let _guard = ctx.tasks.enter();
    m.recover_rotated();
    let polling = m.inotify.is_none() && m.config.mode == Mode::Polling;
    let mut last_full: Option<Instant> = None;
    let mut last_timeouts = Instant::now();
    let mut read = false;
    loop {
        let stopping = ctx.stop.is_stopped();
        let changes = m.inotify.as_mut().map_or(
            watch::Changes {
                any: true,
                names: true,
            },
            |i| i.changed(),
        );
        let full = last_full.map_or(true, |t| t.elapsed() >= FULL_LOOK);
        // Names created, renamed or removed: a look; anything, or the
        // last pass stopped at maxLinesAtOnce: a read.
        if changes.names || full || polling {
            m.look();
            if full {
                last_full = Some(Instant::now());
            }
        }
        if changes.any || full || polling || read {
            read = m.read_all(&ctx).await;
        } else {
            read = false;
        }
        if last_timeouts.elapsed() >= m.config.timeout_granularity {
            last_timeouts = Instant::now();
            m.time_out(&ctx).await;
        }
        m.leave_finished(&ctx).await;
        if stopping || ctx.stop.is_stopped() {
            m.save_all();
            return;
        }
        if read {
            glommio::yield_if_needed().await;
            continue;
        }
        let pause = if polling {
            m.config.polling_interval
        } else {
            TICK
        };
        futures_lite::future::or(ctx.stop.wait(), glommio::timer::sleep(pause)).await;
    }
}
