//! Which files an imfile input follows, and when to look again.
//!
//! In: an input's `file=` pattern (`*`, `?` and `[…]` in any part of it,
//! as rsyslog's glob allows). Out: the regular files it names now, each
//! with its inode ([`expand`]), and the directories looked in, which
//! [`Inotify`] watches so that a file created, renamed or removed there
//! is seen within one tick rather than at the next full look.
//!
//! Guarantees: a pattern's matches are listed in name order when
//! `sortFiles` is on, else in directory order; names beginning with `.`
//! match only a pattern that spells the dot (as glob(3)); nothing here
//! blocks longer than the directory reads themselves.

use std::collections::HashMap;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// A file a pattern names now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub path: PathBuf,
    pub dev: u64,
    pub inode: u64,
    pub len: u64,
    /// Seconds since its last change (for ignoreOlderThan).
    pub age_s: u64,
}

impl Found {
    pub fn id(&self) -> super::Id {
        super::Id {
            dev: self.dev,
            ino: self.inode,
        }
    }
}

/// What `pattern` names now (regular files, symlinks followed), and the
/// directories looked in (added to `dirs`). Braces (`{a,b}`) are
/// expanded first, as glob(3)'s GLOB_BRACE, which rsyslog uses.
pub fn expand(pattern: &Path, sort: bool, dirs: &mut Vec<PathBuf>) -> Vec<Found> {
    let mut out: Vec<Found> = Vec::new();
    for p in braces(&pattern.to_string_lossy()) {
        for f in expand_one(Path::new(&p), sort, dirs) {
            if !out.iter().any(|o| o.path == f.path) {
                out.push(f);
            }
        }
    }
    out
}

/// The patterns `{a,b}` stands for, left to right (nested braces too; at
/// most [`BRACE_PATTERNS_MAX`]).
pub fn braces(p: &str) -> Vec<String> {
    let mut out = Vec::new();
    braces_into(p, &mut out);
    out
}

/// The most patterns one brace expansion makes.
const BRACE_PATTERNS_MAX: usize = 1024;

fn braces_into(p: &str, out: &mut Vec<String>) {
    if out.len() >= BRACE_PATTERNS_MAX {
        return;
    }
    // The first '{' with its matching '}', and its top-level commas.
    let Some(open) = p.find('{') else {
        out.push(p.to_string());
        return;
    };
    let (mut depth, mut close, mut commas) = (0usize, None, Vec::new());
    for (i, c) in p.char_indices().skip_while(|(i, _)| *i < open) {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            ',' if depth == 1 => commas.push(i),
            _ => {}
        }
    }
    let Some(close) = close.filter(|_| !commas.is_empty()) else {
        // Unmatched or no alternatives: the brace is a character.
        out.push(p.to_string());
        return;
    };
    let (head, tail) = (&p[..open], &p[close + 1..]);
    let mut from = open + 1;
    for at in commas.into_iter().chain([close]) {
        braces_into(&format!("{head}{}{tail}", &p[from..at]), out);
        from = at + 1;
    }
}

fn expand_one(pattern: &Path, sort: bool, dirs: &mut Vec<PathBuf>) -> Vec<Found> {
    let text = pattern.to_string_lossy();
    let (root, rest) = match text.strip_prefix('/') {
        Some(r) => (PathBuf::from("/"), r.to_string()),
        None => (PathBuf::from("."), text.to_string()),
    };
    let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
    let Some((last, walk)) = parts.split_last() else {
        return Vec::new();
    };
    let mut here = vec![root];
    for part in walk {
        let mut next = Vec::new();
        for d in &here {
            for name in names(d, part, sort, dirs) {
                let p = d.join(name);
                if p.is_dir() {
                    next.push(p);
                }
            }
        }
        here = next;
    }
    let now = std::time::SystemTime::now();
    let mut out = Vec::new();
    for d in &here {
        dirs.push(d.clone());
        for name in names(d, last, sort, dirs) {
            let path = d.join(name);
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if !meta.is_file() {
                continue;
            }
            let age_s = meta
                .modified()
                .ok()
                .and_then(|m| now.duration_since(m).ok())
                .map_or(0, |d| d.as_secs());
            out.push(Found {
                path,
                dev: meta.dev(),
                inode: meta.ino(),
                len: meta.len(),
                age_s,
            });
        }
    }
    out
}

/// The names in `dir` that `part` matches (itself, without wildcards).
fn names(dir: &Path, part: &str, sort: bool, dirs: &mut Vec<PathBuf>) -> Vec<std::ffi::OsString> {
    if !crate::config::modules::imfile::has_wildcard(part) {
        return vec![part.into()];
    }
    let Ok(pattern) = glob::Pattern::new(part) else {
        // Not a valid glob: taken as the name itself.
        return vec![part.into()];
    };
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    dirs.push(dir.to_path_buf());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<_> = entries
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_str().is_some_and(|s| pattern.matches_with(s, options)))
        .collect();
    if sort {
        out.sort();
    }
    out
}

/// What came from inotify since it was last asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Changes {
    /// Anything (a file written, too).
    pub any: bool,
    /// A name created, renamed or removed, or a watch lost: worth a look.
    pub names: bool,
}

/// inotify on the directories files are followed in: says what changed
/// there since it was last asked.
pub struct Inotify {
    fd: OwnedFd,
    watches: HashMap<PathBuf, i32>,
}

/// What a directory watch reports: files created, renamed, removed,
/// written or closed.
const EVENTS: u32 = libc::IN_CREATE
    | libc::IN_MOVED_TO
    | libc::IN_MOVED_FROM
    | libc::IN_DELETE
    | libc::IN_MODIFY
    | libc::IN_CLOSE_WRITE
    | libc::IN_ATTRIB
    | libc::IN_DELETE_SELF
    | libc::IN_MOVE_SELF;

impl Inotify {
    pub fn new() -> std::io::Result<Inotify> {
        // SAFETY: inotify_init1 takes flags only and returns a new fd or -1.
        let fd = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `fd` was just returned by inotify_init1 and is owned by
        // nothing else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Inotify {
            fd,
            watches: HashMap::new(),
        })
    }

    /// Watches exactly `dirs` (those no longer looked in are dropped; the
    /// others are added again, which keeps a watch and renews one a
    /// removed and made again directory lost).
    pub fn watch(&mut self, dirs: &[PathBuf]) {
        self.watches.retain(|d, wd| {
            let keep = dirs.contains(d);
            if !keep {
                // SAFETY: removes a watch of our own fd; a stale wd is an
                // error the kernel reports, nothing more.
                unsafe { libc::inotify_rm_watch(self.fd.as_raw_fd(), *wd) };
            }
            keep
        });
        for d in dirs {
            let Ok(c) = CString::new(d.as_os_str().as_bytes()) else {
                continue;
            };
            // SAFETY: `c` is a NUL-terminated path that lives across the call.
            let wd = unsafe { libc::inotify_add_watch(self.fd.as_raw_fd(), c.as_ptr(), EVENTS) };
            if wd >= 0 {
                self.watches.insert(d.clone(), wd);
            }
        }
    }

    /// What came since the last call (every event is read).
    pub fn changed(&mut self) -> Changes {
        let mut buf = [0u8; 4096];
        let mut c = Changes {
            any: false,
            names: false,
        };
        loop {
            // SAFETY: reads into a buffer of the length given.
            let n = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                return c;
            }
            c.any = true;
            c.names |= names_changed(&buf[..n as usize]);
        }
    }
}

/// Whether events other than writes are among `events` (struct
/// inotify_event: wd, mask, cookie, len, then `len` bytes of name).
fn names_changed(mut events: &[u8]) -> bool {
    const HEAD: usize = 16;
    let writes = libc::IN_MODIFY | libc::IN_CLOSE_WRITE;
    while events.len() >= HEAD {
        let word = |at: usize| u32::from_ne_bytes(events[at..at + 4].try_into().unwrap_or([0; 4]));
        let (mask, len) = (word(4), word(12) as usize);
        if mask & !writes != 0 {
            return true;
        }
        events = events.get(HEAD + len..).unwrap_or(&[]);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braces_as_glob_brace() {
        assert_eq!(braces("/a/{x,y}.log"), ["/a/x.log", "/a/y.log"]);
        assert_eq!(braces("/{a,b{1,2}}/z"), ["/a/z", "/b1/z", "/b2/z"]);
        assert_eq!(braces("/a/{x}.log"), ["/a/{x}.log"]);
        assert_eq!(braces("/a/{x,y.log"), ["/a/{x,y.log"]);
        assert!(braces(&"{a,b}".repeat(20)).len() <= BRACE_PATTERNS_MAX);
    }

    #[test]
    fn wildcards_in_the_name_and_the_directory() {
        let dir = std::env::temp_dir().join(format!("imfile-watch-{}", std::process::id()));
        for sub in ["a", "b", "c"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        for f in [
            "a/x.log",
            "a/y.log",
            "a/.z.log",
            "b/x.log",
            "b/x.txt",
            "c/x.log.1",
        ] {
            std::fs::write(dir.join(f), b"").unwrap();
        }
        let mut dirs = Vec::new();
        let found = expand(&dir.join("*/*.log"), true, &mut dirs);
        let names: Vec<_> = found
            .iter()
            .map(|f| f.path.strip_prefix(&dir).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["a/x.log", "a/y.log", "b/x.log"]);
        assert!(dirs.contains(&dir) && dirs.contains(&dir.join("b")));
        let one = expand(&dir.join("a/x.log"), false, &mut Vec::new());
        assert_eq!(one.len(), 1);
        assert!(expand(&dir.join("a/none.log"), false, &mut Vec::new()).is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
