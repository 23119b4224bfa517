//! imfile's state files: where each followed file was left, so that a
//! restart goes on from there.
//!
//! In: a file's identity (its inode, and fingerprints of its first bytes
//! and of the bytes before the offset) and the offset to go on from
//! (always where a message begins). Out: `imfile-state:INODE` in the
//! state directory, one line per field, written aside and renamed over
//! the old one, so a kill -9 leaves the old state or the new one, never
//! half of one.
//!
//! A state is named by the inode, not the path: a file renamed by
//! rotation keeps its state, and the new file under the old name gets its
//! own. The fingerprints tell a reused inode (another file now) or a file
//! truncated and written again while corelogd was down from the file the
//! state was kept for: either is read from its start.

use std::fs::File;
use std::io::ErrorKind;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// The bytes the head fingerprint covers at most (rsyslog's file id
/// reads 512 too).
pub const HEAD_MAX: u64 = 512;
/// The bytes before the offset the tail fingerprint covers at most.
pub const TAIL_MAX: u64 = 64;
/// The first line of a state file.
const MAGIC: &str = "corelog imfile state 1";
/// What a state file's name begins with.
pub const PREFIX: &str = "imfile-state:";

/// A crc32c of `len` bytes of a file at `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Print {
    pub len: u64,
    pub crc: u32,
}

impl Print {
    /// Of `file`'s bytes `at..at + len` (`None` if they cannot all be read).
    pub fn of(file: &File, at: u64, len: u64) -> Option<Print> {
        let mut buf = vec![0; len as usize];
        file.read_exact_at(&mut buf, at).ok()?;
        Some(Print {
            len,
            crc: crc32c::crc32c(&buf),
        })
    }

    /// Whether `file` still holds these bytes at `at`.
    pub fn matches(&self, file: &File, at: u64) -> bool {
        Print::of(file, at, self.len).is_some_and(|p| p == *self)
    }
}

/// Where a file was left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    /// The name it was followed under last.
    pub path: PathBuf,
    pub inode: u64,
    /// Where to go on from: the start of the first message not taken.
    pub offset: u64,
    /// The file's first `min(offset, HEAD_MAX)` bytes.
    pub head: Print,
    /// The `min(offset, TAIL_MAX)` bytes before `offset`.
    pub tail: Print,
}

impl State {
    /// The state of `file` left at `offset` (`None` if its bytes cannot
    /// be read: it shrank meanwhile, and is read again from its start).
    pub fn of(file: &File, path: &Path, inode: u64, offset: u64) -> Option<State> {
        let head = Print::of(file, 0, offset.min(HEAD_MAX))?;
        let tail_len = offset.min(TAIL_MAX);
        let tail = Print::of(file, offset - tail_len, tail_len)?;
        Some(State {
            path: path.to_path_buf(),
            inode,
            offset,
            head,
            tail,
        })
    }

    /// Whether `file` is the file this state was kept for, and still
    /// holds what was read of it.
    pub fn fits(&self, file: &File) -> bool {
        self.head.matches(file, 0) && self.tail.matches(file, self.offset - self.tail.len)
    }

    fn text(&self) -> String {
        format!(
            "{MAGIC}\npath={}\ninode={}\noffset={}\nhead={}:{:08x}\ntail={}:{:08x}\n",
            self.path.display(),
            self.inode,
            self.offset,
            self.head.len,
            self.head.crc,
            self.tail.len,
            self.tail.crc
        )
    }

    /// Reads a state file's text; `None` for one that is not (a partial
    /// one cannot be: they are renamed into place whole).
    fn parse(text: &str) -> Option<State> {
        let mut lines = text.lines();
        if lines.next()? != MAGIC {
            return None;
        }
        let mut field = |name: &str| {
            let l = lines.next()?;
            l.strip_prefix(name)?.strip_prefix('=').map(str::to_string)
        };
        let path = PathBuf::from(field("path")?);
        let inode = field("inode")?.parse().ok()?;
        let offset = field("offset")?.parse().ok()?;
        let print = |s: String| {
            let (len, crc) = s.split_once(':')?;
            Some(Print {
                len: len.parse().ok()?,
                crc: u32::from_str_radix(crc, 16).ok()?,
            })
        };
        let head = print(field("head")?)?;
        let tail = print(field("tail")?)?;
        (head.len <= offset && tail.len <= offset).then_some(State {
            path,
            inode,
            offset,
            head,
            tail,
        })
    }
}

/// The state directory.
#[derive(Debug, Clone)]
pub struct Dir {
    pub path: PathBuf,
}

impl Dir {
    fn file(&self, inode: u64) -> PathBuf {
        self.path.join(format!("{PREFIX}{inode}"))
    }

    /// The state kept for `inode`, if any (one that cannot be read is
    /// said and taken as none: the file is then read from its start).
    pub fn load(&self, inode: u64) -> Option<State> {
        let path = self.file(inode);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == ErrorKind::NotFound => return None,
            Err(e) => {
                crate::notice!("imfile: cannot read state file {}: {e}", path.display());
                return None;
            }
        };
        let state = State::parse(&text).filter(|s| s.inode == inode);
        if state.is_none() {
            crate::notice!(
                "imfile: state file {} is not one corelogd wrote; the file is read from its start",
                path.display()
            );
        }
        state
    }

    /// Every state kept (for the files rotated while corelogd was down).
    pub fn all(&self) -> Vec<State> {
        let Ok(entries) = std::fs::read_dir(&self.path) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for e in entries.flatten() {
            let name = e.file_name();
            let Some(inode) = name
                .to_str()
                .and_then(|n| n.strip_prefix(PREFIX))
                .and_then(|n| n.parse::<u64>().ok())
            else {
                continue;
            };
            if let Some(s) = self.load(inode) {
                out.push(s);
            }
        }
        out
    }

    /// Keeps `state`: written aside, then renamed over the old one.
    pub fn save(&self, state: &State) -> std::io::Result<()> {
        let path = self.file(state.inode);
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, state.text())?;
        std::fs::rename(&tmp, &path)
    }

    /// Forgets the state of `inode`.
    pub fn remove(&self, inode: u64) {
        let _ = std::fs::remove_file(self.file(inode));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_reads_back_as_written() {
        let s = State {
            path: "/var/log/app.log".into(),
            inode: 42,
            offset: 1000,
            head: Print { len: 512, crc: 7 },
            tail: Print {
                len: 64,
                crc: 0xdead_beef,
            },
        };
        assert_eq!(State::parse(&s.text()), Some(s.clone()));
        assert_eq!(State::parse(&s.text()[..40]), None);
        assert_eq!(State::parse("garbage"), None);
    }

    #[test]
    fn fingerprints_tell_another_file() {
        let dir = std::env::temp_dir().join(format!("imfile-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("f");
        std::fs::write(&p, b"line one\nline two\n").unwrap();
        let f = File::open(&p).unwrap();
        let s = State::of(&f, &p, 1, 9).unwrap();
        assert!(s.fits(&f));
        std::fs::write(&p, b"LINE ONE\nline two\n").unwrap();
        assert!(!s.fits(&File::open(&p).unwrap()), "another head");
        std::fs::write(&p, b"line").unwrap();
        assert!(!s.fits(&File::open(&p).unwrap()), "shorter than the offset");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
