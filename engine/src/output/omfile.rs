//! omfile: rendered batches into static or dynamic files.
//!
//! In: [`Rendered`] batches for one action, on the core that owns it.
//! Out: one `write` per file per batch (`flushOnTXEnd`, the default), or
//! writes of `ioBufferSize` with the rest flushed every `flushInterval`
//! when `flushOnTXEnd="off"` — either way a line reaches the kernel within
//! a bounded time.
//!
//! Dynamic files (`dynaFile`) are kept in an LRU cache of open handles of
//! `dynaFileCacheSize`; the least recently used is flushed and closed to
//! make room, and when the process runs out of descriptors (EMFILE) the
//! cache is shrunk instead of failing — many dynamic files never end in
//! "too many open files". Files idle for `closeTimeout` minutes are closed.
//! A SIGHUP closes every file; the next write reopens it (logrotate).
//!
//! Files are opened with O_APPEND, created with `fileCreateMode` (masked by
//! the umask) and owned by `fileOwner`/`fileGroup`; missing directories are
//! created with `dirCreateMode` when `createDirs` is on.

use std::collections::HashMap;
use std::ffi::CString;
use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::beneath::{self, MakeDirs};
use crate::config::modules::omfile::{OmfileConfig, Owner};

use super::Rendered;

/// omfile's parameters, with user and group names looked up.
#[derive(Debug, Clone)]
pub struct FileOptions {
    pub create_dirs: bool,
    pub dir_create_mode: u32,
    pub file_create_mode: u32,
    pub owner: Option<u32>,
    pub group: Option<u32>,
    pub dir_owner: Option<u32>,
    pub dir_group: Option<u32>,
    /// `failOnChOwnFailure`: a file or directory that cannot be given its
    /// owner is an error (else it is used as it is).
    pub fail_on_chown: bool,
    pub cache_size: usize,
    pub io_buffer_size: usize,
    pub flush_on_tx_end: bool,
    pub flush_interval: Duration,
    pub close_timeout: Option<Duration>,
    pub sync: bool,
    /// dynaFile: the directory every rendered path must stay under (the
    /// template's constant prefix); `None`: a static file, or
    /// `dynafile.dangerousPermitPathEscape="on"`.
    pub contain: Option<PathBuf>,
}

/// The directory of a dynaFile template's constant prefix: what its
/// leading constant text names up to its last `/` (`/var/log/remote` for
/// `/var/log/remote/%hostname%.log`); `.` when it has none.
pub fn prefix_dir(constant_prefix: &[u8]) -> PathBuf {
    match constant_prefix.iter().rposition(|&b| b == b'/') {
        Some(0) => PathBuf::from("/"),
        Some(i) => PathBuf::from(std::ffi::OsStr::from_bytes(&constant_prefix[..i])),
        None => PathBuf::from("."),
    }
}

/// `p` with `.` and `..` resolved by name; `None` when a `..` climbs
/// above its start.
fn lexical(p: &Path) -> Option<PathBuf> {
    use std::path::Component;
    let mut out = PathBuf::new();
    let mut depth = 0usize;
    for c in p.components() {
        match c {
            Component::Prefix(_) => return None,
            Component::RootDir => out.push("/"),
            Component::CurDir => {}
            Component::ParentDir => {
                // Above the root or the start: out of every base.
                if depth == 0 {
                    return None;
                }
                depth -= 1;
                out.pop();
            }
            Component::Normal(n) => {
                depth += 1;
                out.push(n);
            }
        }
    }
    Some(out)
}

/// `path` with `.` and `..` resolved (by name: symlinks are not looked
/// at), when it has no NUL byte and stays under `base`; `None` when it
/// escapes. (Symlinks below `base` are refused when the file is opened:
/// see [`super::beneath`].)
pub fn contained(base: &Path, path: &[u8]) -> Option<PathBuf> {
    if path.contains(&0) {
        return None;
    }
    let p = lexical(Path::new(std::ffi::OsStr::from_bytes(path)))?;
    let base = lexical(base)?;
    (p.is_absolute() == base.is_absolute() && p.starts_with(&base) && p != base).then_some(p)
}

impl FileOptions {
    /// Looks up the owners' names (at start: a name that does not exist
    /// is an error, as `security.abortOnIDResolutionFail` says).
    pub fn new(c: &OmfileConfig) -> Result<FileOptions, OwnerError> {
        let uid = |o: &Owner| match o {
            Owner::Unchanged => Ok(None),
            Owner::Id(n) => Ok(Some(*n)),
            Owner::Name(n) => uid_of(n).map(Some),
        };
        let gid = |o: &Owner| match o {
            Owner::Unchanged => Ok(None),
            Owner::Id(n) => Ok(Some(*n)),
            Owner::Name(n) => gid_of(n).map(Some),
        };
        Ok(FileOptions {
            create_dirs: c.create_dirs,
            dir_create_mode: c.dir_create_mode,
            file_create_mode: c.file_create_mode,
            owner: uid(&c.file_owner)?,
            group: gid(&c.file_group)?,
            dir_owner: uid(&c.dir_owner)?,
            dir_group: gid(&c.dir_group)?,
            fail_on_chown: c.fail_on_chown_failure,
            cache_size: c.dynafile_cache_size.max(1),
            io_buffer_size: c.io_buffer_size.max(1),
            flush_on_tx_end: c.flush_on_tx_end,
            flush_interval: Duration::from_secs(c.flush_interval_s.max(1)),
            close_timeout: (c.close_timeout_min > 0)
                .then(|| Duration::from_secs(c.close_timeout_min * 60)),
            sync: c.sync,
            contain: None,
        })
    }
}

/// An owner or group named in the action that this machine does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnerError {
    NoUser(String),
    NoGroup(String),
    /// A name with a NUL byte in it.
    Invalid(String),
}

impl std::fmt::Display for OwnerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OwnerError::NoUser(n) => write!(f, "fileOwner '{n}': no such user"),
            OwnerError::NoGroup(n) => write!(f, "fileGroup '{n}': no such group"),
            OwnerError::Invalid(n) => write!(f, "owner '{n}' is not a valid name"),
        }
    }
}

impl std::error::Error for OwnerError {}

fn uid_of(name: &str) -> Result<u32, OwnerError> {
    let c = CString::new(name).map_err(|_| OwnerError::Invalid(name.into()))?;
    // SAFETY: getpwnam reads a NUL-terminated string; the result is read
    // at once, before any other call that could reuse its static storage.
    let pw = unsafe { libc::getpwnam(c.as_ptr()) };
    if pw.is_null() {
        return Err(OwnerError::NoUser(name.into()));
    }
    // SAFETY: pw is non-null and points at a valid passwd entry.
    Ok(unsafe { (*pw).pw_uid })
}

fn gid_of(name: &str) -> Result<u32, OwnerError> {
    let c = CString::new(name).map_err(|_| OwnerError::Invalid(name.into()))?;
    // SAFETY: as in `uid_of`.
    let gr = unsafe { libc::getgrnam(c.as_ptr()) };
    if gr.is_null() {
        return Err(OwnerError::NoGroup(name.into()));
    }
    // SAFETY: gr is non-null and points at a valid group entry.
    Ok(unsafe { (*gr).gr_gid })
}

/// One open file and what is waiting to be written to it.
struct Slot {
    path: Box<[u8]>,
    file: File,
    pending: Vec<u8>,
    last_use: Instant,
}

/// The omfile output of one action.
pub struct OmFile {
    static_path: Option<PathBuf>,
    opts: FileOptions,
    slots: Vec<Slot>,
    index: HashMap<Box<[u8]>, usize>,
    touched: Vec<usize>,
    last_sweep: Instant,
    /// When [`OmFile::timed`] last wrote what was pending.
    last_flush: Instant,
    /// Files opened (for the statistics).
    pub opened: u64,
    /// Files closed to make room in the cache.
    pub evicted: u64,
    /// Messages not written because their dynamic file could not be opened.
    pub failed: u64,
}

impl OmFile {
    pub fn new(static_path: Option<PathBuf>, opts: FileOptions) -> OmFile {
        OmFile {
            static_path,
            opts,
            slots: Vec::new(),
            index: HashMap::new(),
            touched: Vec::new(),
            last_sweep: Instant::now(),
            last_flush: Instant::now(),
            opened: 0,
            evicted: 0,
            failed: 0,
        }
    }

    /// The static file, or `None` for a dynaFile action.
    pub fn static_path(&self) -> Option<&Path> {
        self.static_path.as_deref()
    }

    /// Writes a batch.
    pub fn write(&mut self, r: &Rendered) -> io::Result<()> {
        let now = Instant::now();
        let threshold = if self.opts.flush_on_tx_end {
            0
        } else {
            self.opts.io_buffer_size
        };
        if self.static_path.is_some() {
            let i = self.static_slot(now)?;
            let s = &mut self.slots[i];
            // A batch that would be written at once is written from where
            // it was rendered, not copied into the file's buffer first.
            if s.pending.is_empty() && r.data.len() > threshold {
                let written = write_out(s, &r.data, self.opts.sync);
                self.sweep(now);
                return written;
            }
            s.pending.extend_from_slice(&r.data);
            self.touched.push(i);
        } else {
            for (path, line) in r.records() {
                // A file name a message made that cannot be opened costs
                // that message only, said and counted; the rest go on.
                let slot = if path.is_empty() {
                    Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "the dynaFile template rendered an empty file name",
                    ))
                } else if let Some(base) = &self.opts.contain {
                    match contained(base, path) {
                        Some(p) => self.slot(p.as_os_str().as_bytes(), now),
                        None => Err(io::Error::new(
                            io::ErrorKind::PermissionDenied,
                            format!(
                                "the dynaFile path {:?} leaves {} (dynafile.dangerousPermitPathEscape=\"on\" would allow it)",
                                String::from_utf8_lossy(path),
                                base.display()
                            ),
                        )),
                    }
                } else {
                    self.slot(path, now)
                };
                let i = match slot {
                    Ok(i) => i,
                    Err(e) => {
                        self.failed += 1;
                        if self.failed.is_power_of_two() {
                            crate::notice!(
                                "corelogd: omfile: {e}; the message is not written ({} so far).",
                                self.failed
                            );
                        }
                        continue;
                    }
                };
                if self.slots[i].pending.is_empty() {
                    self.touched.push(i);
                }
                self.slots[i].pending.extend_from_slice(line);
            }
        }
        let touched = std::mem::take(&mut self.touched);
        let mut result = Ok(());
        for &i in &touched {
            if self.slots[i].pending.len() > threshold {
                if let Err(e) = self.flush_slot(i) {
                    result = Err(e);
                }
            }
        }
        self.touched = touched;
        self.touched.clear();
        self.sweep(now);
        result
    }

    /// About once a second, closes the files idle for `closeTimeout`.
    fn sweep(&mut self, now: Instant) {
        if now.duration_since(self.last_sweep) > Duration::from_secs(1) {
            self.last_sweep = now;
            self.close_idle(now);
        }
    }

    /// Called about once a second: closes files idle for `closeTimeout`
    /// (also when nothing is written), and writes what is pending once
    /// `flushInterval` has passed since it last did (with
    /// `flushOnTXEnd="off"`; otherwise nothing waits).
    pub fn timed(&mut self, now: Instant) -> io::Result<()> {
        self.last_sweep = now;
        self.close_idle(now);
        if now.duration_since(self.last_flush) < self.opts.flush_interval {
            return Ok(());
        }
        self.last_flush = now;
        self.flush()
    }

    /// Writes everything pending (shutdown, SIGHUP).
    pub fn flush(&mut self) -> io::Result<()> {
        let mut result = Ok(());
        for i in 0..self.slots.len() {
            if let Err(e) = self.flush_slot(i) {
                result = Err(e);
            }
        }
        result
    }

    /// Closes every file (SIGHUP); they are reopened on the next write.
    pub fn reopen(&mut self) -> io::Result<()> {
        let r = self.flush();
        self.slots.clear();
        self.index.clear();
        r
    }

    pub fn open_files(&self) -> usize {
        self.slots.len()
    }

    fn flush_slot(&mut self, i: usize) -> io::Result<()> {
        let s = &mut self.slots[i];
        if s.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut s.pending);
        let r = write_out(s, &pending, self.opts.sync);
        s.pending = pending;
        s.pending.clear();
        r
    }

    /// The static file's slot, opening the file as needed. Open, it is
    /// the only slot (a static action's cache holds one file), so no path
    /// is looked up or copied per batch.
    fn static_slot(&mut self, now: Instant) -> io::Result<usize> {
        debug_assert!(self.static_path.is_some() && self.slots.len() <= 1);
        if let Some(s) = self.slots.first_mut() {
            s.last_use = now;
            return Ok(0);
        }
        let p = self
            .static_path
            .clone()
            .expect("a static action has its path");
        self.slot(p.as_os_str().as_bytes(), now)
    }

    /// The slot of `path`, opening it (and evicting) as needed.
    fn slot(&mut self, path: &[u8], now: Instant) -> io::Result<usize> {
        if let Some(&i) = self.index.get(path) {
            self.slots[i].last_use = now;
            return Ok(i);
        }
        let cap = if self.static_path.is_some() {
            1
        } else {
            self.opts.cache_size
        };
        while self.slots.len() >= cap {
            self.evict_lru()?;
        }
        let file = loop {
            match self.open(path) {
                Ok(f) => break f,
                Err(e) if e.raw_os_error() == Some(libc::EMFILE) && !self.slots.is_empty() => {
                    self.evict_lru()?;
                }
                Err(e) => return Err(e),
            }
        };
        self.opened += 1;
        self.slots.push(Slot {
            path: path.into(),
            file,
            pending: Vec::new(),
            last_use: now,
        });
        let i = self.slots.len() - 1;
        self.index.insert(path.into(), i);
        Ok(i)
    }

    fn evict_lru(&mut self) -> io::Result<()> {
        let Some(i) = (0..self.slots.len()).min_by_key(|&i| self.slots[i].last_use) else {
            return Ok(());
        };
        self.evicted += 1;
        self.remove(i)
    }

    /// Flushes and closes slot `i`, keeping `touched` and `index` right.
    fn remove(&mut self, i: usize) -> io::Result<()> {
        let r = self.flush_slot(i);
        let last = self.slots.len() - 1;
        let gone = self.slots.swap_remove(i);
        self.index.remove(&gone.path);
        if i != last {
            let moved = &self.slots[i].path;
            self.index.insert(moved.clone(), i);
        }
        for t in &mut self.touched {
            if *t == last {
                *t = i;
            }
        }
        self.touched.retain(|&t| t < self.slots.len());
        r
    }

    fn close_idle(&mut self, now: Instant) {
        let Some(timeout) = self.opts.close_timeout else {
            return;
        };
        let mut i = 0;
        while i < self.slots.len() {
            if now.duration_since(self.slots[i].last_use) > timeout {
                if let Err(e) = self.remove(i) {
                    crate::notice!("corelogd: omfile: closing an idle file: {e}.");
                }
            } else {
                i += 1;
            }
        }
    }

    fn open(&self, path: &[u8]) -> io::Result<File> {
        let p = Path::new(std::ffi::OsStr::from_bytes(path));
        if let (None, Some(base)) = (&self.static_path, &self.opts.contain) {
            return self.open_contained(base, p);
        }
        // A dynaFile's own name is never followed as a symlink: a link
        // planted in the log tree cannot send the lines elsewhere.
        let nofollow = match self.static_path {
            None => libc::O_NOFOLLOW,
            Some(_) => 0,
        };
        let open = || {
            OpenOptions::new()
                .append(true)
                .create(true)
                .mode(self.opts.file_create_mode)
                .custom_flags(libc::O_CLOEXEC | nofollow)
                .open(p)
        };
        let existed = p.exists();
        let f = match open() {
            Err(e) if e.kind() == io::ErrorKind::NotFound && self.opts.create_dirs => {
                if let Some(dir) = p.parent() {
                    self.create_dirs(dir)?;
                }
                open()
            }
            r => r,
        }
        .map_err(|e| io::Error::new(e.kind(), format!("cannot open {}: {e}", p.display())))?;
        if !existed && (self.opts.owner.is_some() || self.opts.group.is_some()) {
            let chown = std::os::unix::fs::fchown(&f, self.opts.owner, self.opts.group);
            self.chowned_or_removed(chown, p)?;
        }
        Ok(f)
    }

    /// A contained dynaFile (`p` is under `base` by name): opened without
    /// following a symlink below `base`.
    fn open_contained(&self, base: &Path, p: &Path) -> io::Result<File> {
        let within = lexical(base).and_then(|b| p.strip_prefix(b).ok().map(Path::to_path_buf));
        let Some(rel) = within else {
            unreachable!(
                "`contained` made {} a path under {}",
                p.display(),
                base.display()
            );
        };
        if self.opts.create_dirs && !base.exists() {
            // The directory the configuration names: made by name.
            self.create_dirs(base)?;
        }
        let make = self.opts.create_dirs.then_some(MakeDirs {
            mode: self.opts.dir_create_mode,
            owner: self.opts.dir_owner,
            group: self.opts.dir_group,
            strict: self.opts.fail_on_chown,
        });
        let (f, created) = beneath::open_append(base, &rel, self.opts.file_create_mode, make)
            .map_err(|e| io::Error::new(e.kind(), format!("cannot open {}: {e}", p.display())))?;
        if created && (self.opts.owner.is_some() || self.opts.group.is_some()) {
            let chown = std::os::unix::fs::fchown(&f, self.opts.owner, self.opts.group);
            self.chowned_or_removed(chown, p)?;
        }
        Ok(f)
    }

    /// Creates `dir` and its missing parents with `dirCreateMode`, each
    /// given `dirOwner` and `dirGroup`.
    fn create_dirs(&self, dir: &Path) -> io::Result<()> {
        let missing: Vec<&Path> = dir
            .ancestors()
            .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
            .collect();
        for d in missing.into_iter().rev() {
            match DirBuilder::new().mode(self.opts.dir_create_mode).create(d) {
                // Another writer made it first: it is there, as asked.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                r => r?,
            }
            if self.opts.dir_owner.is_some() || self.opts.dir_group.is_some() {
                // On the descriptor of what was made, not by name.
                let chown = OpenOptions::new()
                    .read(true)
                    .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC)
                    .open(d)
                    .and_then(|f| {
                        std::os::unix::fs::fchown(&f, self.opts.dir_owner, self.opts.dir_group)
                    });
                self.chowned(chown, d)?;
            }
        }
        Ok(())
    }

    /// As [`OmFile::chowned`], for a file just created: on an error it is
    /// removed, so that the next message does not find it there and write
    /// it with the wrong owner.
    fn chowned_or_removed(&self, r: io::Result<()>, p: &Path) -> io::Result<()> {
        let r = self.chowned(r, p);
        if r.is_err() {
            let _ = std::fs::remove_file(p);
        }
        r
    }

    /// A chown's result: an error with `failOnChOwnFailure` (the default),
    /// else reported once and the file used as it is.
    fn chowned(&self, r: io::Result<()>, p: &Path) -> io::Result<()> {
        match r {
            Ok(()) => Ok(()),
            Err(e) if self.opts.fail_on_chown => Err(io::Error::new(
                e.kind(),
                format!("cannot give {} its owner: {e}", p.display()),
            )),
            Err(e) => {
                crate::notice!(
                    "omfile: cannot give {} its owner ({e}); it is used as it is, as failOnChOwnFailure=\"off\" asks.",
                    p.display()
                );
                Ok(())
            }
        }
    }
}

/// Writes `data` to the slot's file (and syncs it with `sync`).
fn write_out(s: &mut Slot, data: &[u8], sync: bool) -> io::Result<()> {
    let r = s.file.write_all(data);
    if sync {
        s.file.sync_data()?;
    }
    r.map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("write to {}: {e}", String::from_utf8_lossy(&s.path)),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> FileOptions {
        FileOptions {
            create_dirs: true,
            dir_create_mode: 0o700,
            file_create_mode: 0o644,
            owner: None,
            group: None,
            dir_owner: None,
            dir_group: None,
            fail_on_chown: true,
            cache_size: 10,
            io_buffer_size: 64 << 10,
            flush_on_tx_end: true,
            flush_interval: Duration::from_secs(5),
            close_timeout: None,
            sync: false,
            contain: None,
        }
    }

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("corelog-omfile-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn batch(line: &str) -> Rendered {
        Rendered {
            data: line.as_bytes().to_vec(),
            count: 1,
            ..Rendered::default()
        }
    }

    #[test]
    fn flush_interval_writes_what_waits_once_it_has_passed() {
        let path = dir("flush").join("f.log");
        let mut f = OmFile::new(
            Some(path.clone()),
            FileOptions {
                flush_on_tx_end: false,
                ..opts()
            },
        );
        f.write(&batch("one\n")).unwrap();
        let read = || std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(read(), "", "buffered: below ioBufferSize, flushOnTXEnd off");
        let start = f.last_flush;
        f.timed(start + Duration::from_secs(4)).unwrap();
        assert_eq!(read(), "", "flushInterval (5 s) has not passed");
        f.timed(start + Duration::from_secs(5)).unwrap();
        assert_eq!(read(), "one\n");
    }

    #[test]
    fn close_timeout_closes_an_idle_file_without_a_write() {
        let path = dir("close").join("f.log");
        let mut f = OmFile::new(
            Some(path),
            FileOptions {
                close_timeout: Some(Duration::from_secs(60)),
                ..opts()
            },
        );
        f.write(&batch("one\n")).unwrap();
        assert_eq!(f.open_files(), 1);
        let now = Instant::now();
        f.timed(now + Duration::from_secs(30)).unwrap();
        assert_eq!(f.open_files(), 1);
        f.timed(now + Duration::from_secs(61)).unwrap();
        assert_eq!(f.open_files(), 0, "idle past closeTimeout");
    }

    #[test]
    fn a_dynafile_path_stays_under_its_prefix_directory() {
        let base = prefix_dir(b"/var/log/remote/");
        assert_eq!(base, Path::new("/var/log/remote"));
        assert_eq!(
            prefix_dir(b"/var/log/remote/host-"),
            Path::new("/var/log/remote")
        );
        assert_eq!(prefix_dir(b"/"), Path::new("/"));
        assert_eq!(prefix_dir(b""), Path::new("."));
        let ok = |p: &str| contained(&base, p.as_bytes());
        assert_eq!(
            ok("/var/log/remote/h1/messages.log"),
            Some("/var/log/remote/h1/messages.log".into())
        );
        assert_eq!(
            ok("/var/log/remote/./h1/../h2/m.log"),
            Some("/var/log/remote/h2/m.log".into())
        );
        assert_eq!(
            ok("/var/log/remote/a/b/c.log"),
            Some("/var/log/remote/a/b/c.log".into())
        );
        for escape in [
            "/var/log/remote/../../../x/messages.log",
            "/var/log/remote/../remote2/m.log",
            "/var/log/remote/..",
            "/var/log/remote",
            "/etc/passwd",
            "var/log/remote/x",
            "/var/log/remote/a\0/m.log",
            "/../../var/log/remote/x",
        ] {
            assert_eq!(contained(&base, escape.as_bytes()), None, "{escape:?}");
        }
        // No constant prefix: relative paths only, and never above.
        let here = prefix_dir(b"");
        assert_eq!(contained(&here, b"h1/m.log"), Some("h1/m.log".into()));
        assert_eq!(contained(&here, b"/x/m.log"), None);
        assert_eq!(contained(&here, b"../m.log"), None);
    }

    #[test]
    fn created_directories_get_dir_owner_and_mode() {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            panic!(
                "this test gives a directory to another user: run it as root (scripts/test does)"
            );
        }
        use std::os::unix::fs::MetadataExt;
        let base = dir("dirs");
        let path = base.join("a/b/f.log");
        let mut f = OmFile::new(
            Some(path.clone()),
            FileOptions {
                dir_owner: Some(65534),
                dir_group: Some(65534),
                dir_create_mode: 0o750,
                owner: Some(65534),
                ..opts()
            },
        );
        f.write(&batch("one\n")).unwrap();
        for d in [base.join("a"), base.join("a/b")] {
            let m = std::fs::metadata(&d).unwrap();
            assert_eq!((m.uid(), m.gid()), (65534, 65534), "{}", d.display());
            // dirCreateMode, less what the process's umask takes away.
            assert_eq!(
                m.mode() & 0o777 & !0o750,
                0,
                "{}: {:o}",
                d.display(),
                m.mode()
            );
            assert_eq!(m.mode() & 0o700, 0o700, "{}: {:o}", d.display(), m.mode());
        }
        assert_eq!(std::fs::metadata(&path).unwrap().uid(), 65534);
        assert_eq!(
            std::fs::metadata(&base).unwrap().uid(),
            0,
            "an existing directory keeps its owner"
        );
    }
}
