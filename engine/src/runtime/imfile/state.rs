//! imfile's state files: where each followed file was left, so that a
//! restart goes on from there.
//!
//! In: a file's identity (its inode, and fingerprints of its first bytes
//! and of the bytes before the offset) and the offset to go on from
//! (always where a message begins). Out: a state file in the state
//! directory with two slots, each a checksummed record (one line per
//! field) and a sequence number: a save overwrites the older slot in one
//! `pwrite` on a descriptor kept open, and a read takes the newest slot
//! whose checksum holds. A kill -9, or a power loss that tears a write,
//! leaves the old state or the new one, never half of one; a state that
//! lags reads lines again, it never skips them. So no sync is needed, and
//! a save costs one system call. It is named `imfile-state:INODE:DEV`; rsyslog's own
//! (`imfile-state:INODE`, JSON) is read where corelog has none, so a
//! server moving from rsyslog with the same work directory goes on where
//! rsyslog stopped.
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

/// A file's identity: its device and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Id {
    pub dev: u64,
    pub ino: u64,
}

/// Where a file was left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    /// The name it was followed under last.
    pub path: PathBuf,
    pub id: Id,
    /// Where to go on from: the start of the first message not taken.
    pub offset: u64,
    /// The file's first `min(offset, HEAD_MAX)` bytes.
    pub head: Print,
    /// The `min(offset, TAIL_MAX)` bytes before `offset`.
    pub tail: Print,
    /// Read from rsyslog's state file (no fingerprints; the offset is
    /// rsyslog's `strt_offs`).
    pub rsyslog: bool,
}

impl State {
    /// The state of `file` left at `offset` (`None` if its bytes cannot
    /// be read: it shrank meanwhile, and is read again from its start).
    pub fn of(file: &File, path: &Path, id: Id, offset: u64) -> Option<State> {
        let head = Print::of(file, 0, offset.min(HEAD_MAX))?;
        let tail_len = offset.min(TAIL_MAX);
        let tail = Print::of(file, offset - tail_len, tail_len)?;
        Some(State {
            path: path.to_path_buf(),
            id,
            offset,
            head,
            tail,
            rsyslog: false,
        })
    }

    /// Whether `file` is the file this state was kept for, and still
    /// holds what was read of it.
    pub fn fits(&self, file: &File) -> bool {
        let len = file.metadata().map_or(0, |m| m.len());
        self.offset <= len
            && self.head.matches(file, 0)
            && self.tail.matches(file, self.offset - self.tail.len)
    }

    fn text(&self) -> String {
        format!(
            "{MAGIC}\npath={}\ndev={}\ninode={}\noffset={}\nhead={}:{:08x}\ntail={}:{:08x}\n",
            self.path.display(),
            self.id.dev,
            self.id.ino,
            self.offset,
            self.head.len,
            self.head.crc,
            self.tail.len,
            self.tail.crc
        )
    }

    /// Reads a state file's text; `None` for one that is not (a partial
    /// one is caught by its slot's checksum).
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
        let dev = field("dev")?.parse().ok()?;
        let ino = field("inode")?.parse().ok()?;
        let offset = field("offset")?.parse().ok()?;
        let print = |s: String, max: u64| {
            let (len, crc) = s.split_once(':')?;
            let len: u64 = len.parse().ok()?;
            (len <= max && len <= offset).then_some(Print {
                len,
                crc: u32::from_str_radix(crc, 16).ok()?,
            })
        };
        let head = print(field("head")?, HEAD_MAX)?;
        let tail = print(field("tail")?, TAIL_MAX)?;
        Some(State {
            path,
            id: Id { dev, ino },
            offset,
            head,
            tail,
            rsyslog: false,
        })
    }

    /// rsyslog 8.2302's state (`imfile-state:INODE`, JSON): its
    /// `strt_offs`, where the line it was reading began.
    fn parse_rsyslog(text: &str, id: Id) -> Option<State> {
        let v: serde_json::Value = serde_json::from_str(text).ok()?;
        let offset = v.get("strt_offs")?.as_u64()?;
        let path = PathBuf::from(v.get("filename").and_then(|f| f.as_str()).unwrap_or(""));
        let none = Print { len: 0, crc: 0 };
        Some(State {
            path,
            id,
            offset,
            head: none,
            tail: none,
            rsyslog: true,
        })
    }
}

/// A slot's size: its head (length, crc32c, sequence) and its record.
const SLOT: usize = 4096;
const SLOT_HEAD: usize = 16;

impl State {
    /// Its record in a slot, `seq`-th (a path too long to fit is left
    /// out: only a restart after a rotation while down looks for it).
    fn slot(&self, seq: u64) -> Vec<u8> {
        let mut text = self.text();
        if text.len() > SLOT - SLOT_HEAD {
            text = State {
                path: PathBuf::new(),
                ..self.clone()
            }
            .text();
        }
        debug_assert!(text.len() <= SLOT - SLOT_HEAD);
        let mut b = Vec::with_capacity(SLOT_HEAD + text.len());
        b.extend_from_slice(&(text.len() as u32).to_le_bytes());
        b.extend_from_slice(&crc32c::crc32c(text.as_bytes()).to_le_bytes());
        b.extend_from_slice(&seq.to_le_bytes());
        b.extend_from_slice(text.as_bytes());
        b
    }
}

/// The newest whole record of a state file's two slots, and its sequence
/// number.
fn decode(bytes: &[u8]) -> Option<(u64, State)> {
    let slot = |at: usize| -> Option<(u64, State)> {
        let b = bytes.get(at..)?;
        let word = |i: usize| Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?));
        let (len, crc) = (word(0)? as usize, word(4)?);
        let seq = u64::from_le_bytes(b.get(8..16)?.try_into().ok()?);
        let text = b.get(SLOT_HEAD..SLOT_HEAD + len.min(SLOT - SLOT_HEAD))?;
        if text.len() != len || crc32c::crc32c(text) != crc {
            return None;
        }
        Some((seq, State::parse(std::str::from_utf8(text).ok()?)?))
    };
    match (slot(0), slot(SLOT)) {
        (Some(a), Some(b)) => Some(if a.0 >= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// A followed file's state file, open: each save overwrites the older of
/// its two slots.
#[derive(Debug)]
pub struct Writer {
    file: File,
    seq: u64,
}

impl Writer {
    /// Keeps `state`: one `pwrite` into the older slot.
    pub fn save(&mut self, state: &State) -> std::io::Result<()> {
        let seq = self.seq + 1;
        let at = (seq % 2) * SLOT as u64;
        self.file.write_all_at(&state.slot(seq), at)?;
        // Only a slot written whole moves on: a failed write is tried
        // again in the same slot, the other keeping the last good record.
        self.seq = seq;
        Ok(())
    }
}

/// The state directory.
#[derive(Debug, Clone)]
pub struct Dir {
    pub path: PathBuf,
}

impl Dir {
    fn file(&self, id: Id) -> PathBuf {
        self.path.join(format!("{PREFIX}{}:{}", id.ino, id.dev))
    }

    /// The state kept for `id`, if any: corelog's (one kept under
    /// another device number too, as after a reboot that numbered the
    /// devices anew: the fingerprints then decide), else rsyslog's. One
    /// that cannot be read is said and taken as none: the file is then
    /// read from its start.
    pub fn load(&self, id: Id, path: &Path) -> Option<State> {
        if let Some(s) = self.read(&self.file(id)) {
            return Some(s);
        }
        let ours = format!("{PREFIX}{}:", id.ino);
        let other_dev = std::fs::read_dir(&self.path).ok().and_then(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_str().is_some_and(|n| n.starts_with(&ours)))
                .find_map(|e| self.read(&e.path()))
        });
        if let Some(mut s) = other_dev.filter(|s| s.id.ino == id.ino) {
            s.id = id;
            return Some(s);
        }
        let theirs = self.path.join(format!("{PREFIX}{}", id.ino));
        let text = std::fs::read_to_string(&theirs).ok()?;
        // Only for the file it names: an inode used again for another
        // file does not take rsyslog's offset.
        let s = State::parse_rsyslog(&text, id).filter(|s| s.path == path);
        if s.is_none() {
            crate::notice!(
                "imfile: state file {} is neither corelogd's nor rsyslog's; the file is read from its start",
                theirs.display()
            );
        }
        s
    }

    fn read(&self, path: &Path) -> Option<State> {
        let text = match std::fs::read(path) {
            Ok(t) => t,
            Err(e) if e.kind() == ErrorKind::NotFound => return None,
            Err(e) => {
                crate::notice!("imfile: cannot read state file {}: {e}", path.display());
                return None;
            }
        };
        let state = decode(&text).map(|(_, s)| s);
        if state.is_none() {
            crate::notice!(
                "imfile: state file {} is damaged; the file is read from its start",
                path.display()
            );
        }
        state
    }

    /// Every state corelog kept (for the files rotated while corelogd was
    /// down).
    pub fn all(&self) -> Vec<State> {
        let Ok(entries) = std::fs::read_dir(&self.path) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for e in entries.flatten() {
            let name = e.file_name();
            let ours = name
                .to_str()
                .and_then(|n| n.strip_prefix(PREFIX))
                .and_then(|n| n.split_once(':'))
                .is_some_and(|(i, d)| i.parse::<u64>().is_ok() && d.parse::<u64>().is_ok());
            if ours {
                out.extend(self.read(&e.path()));
            }
        }
        out
    }

    /// The state file of `id`, open for saves (made if need be; a
    /// record it holds is kept until the first save passes it).
    pub fn writer(&self, id: Id) -> std::io::Result<Writer> {
        use std::os::unix::fs::OpenOptionsExt;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(self.file(id))?;
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut (&file), &mut bytes)?;
        let seq = decode(&bytes).map_or(0, |(seq, _)| seq);
        Ok(Writer { file, seq })
    }

    /// Forgets the state of `id` (and rsyslog's for its inode, which is
    /// stale once corelog has read the file to its end).
    pub fn remove(&self, id: Id) {
        let _ = std::fs::remove_file(self.file(id));
        let theirs = self.path.join(format!("{PREFIX}{}", id.ino));
        let rsyslogs = std::fs::read_to_string(&theirs)
            .ok()
            .is_some_and(|t| State::parse_rsyslog(&t, id).is_some());
        if rsyslogs {
            let _ = std::fs::remove_file(theirs);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_reads_back_as_written() {
        let s = State {
            path: "/var/log/app.log".into(),
            id: Id { dev: 2049, ino: 42 },
            offset: 1000,
            head: Print { len: 512, crc: 7 },
            tail: Print {
                len: 64,
                crc: 0xdead_beef,
            },
            rsyslog: false,
        };
        assert_eq!(State::parse(&s.text()), Some(s.clone()));
        assert_eq!(State::parse(&s.text()[..40]), None);
        assert_eq!(State::parse("garbage"), None);
        // A damaged length is refused, not allocated.
        let huge = s.text().replace("head=512:", "head=99999999999:");
        assert_eq!(State::parse(&huge), None);
        let id = Id { dev: 1, ino: 7 };
        let theirs = r#"{ "filename": "\/var\/log\/x.log", "prev_was_nl": 0, "curr_offs": 120, "strt_offs": 100 }"#;
        let r = State::parse_rsyslog(theirs, id).unwrap();
        assert_eq!((r.offset, r.rsyslog), (100, true));
    }

    #[test]
    fn the_newest_whole_slot_is_read() {
        let dir = std::env::temp_dir().join(format!("imfile-slots-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let d = Dir { path: dir.clone() };
        let id = Id { dev: 3, ino: 9 };
        let state = |offset| State {
            path: "/x".into(),
            id,
            offset,
            head: Print { len: 0, crc: 0 },
            tail: Print { len: 0, crc: 0 },
            rsyslog: false,
        };
        let mut w = d.writer(id).unwrap();
        for o in [10, 20, 30] {
            w.save(&state(o)).unwrap();
        }
        assert_eq!(d.load(id, "/x".as_ref()).map(|s| s.offset), Some(30));
        // A torn write of the newest slot: the one before it is read.
        let path = dir.join(format!("{PREFIX}9:3"));
        let mut bytes = std::fs::read(&path).unwrap();
        let newest = SLOT; // the third save went to slot 1 (seq 3)
        bytes[newest + SLOT_HEAD + 3] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(d.load(id, "/x".as_ref()).map(|s| s.offset), Some(20));
        // A writer opened again goes on after the newest sequence.
        let mut w = d.writer(id).unwrap();
        w.save(&state(40)).unwrap();
        assert_eq!(d.load(id, "/x".as_ref()).map(|s| s.offset), Some(40));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn fingerprints_tell_another_file() {
        let dir = std::env::temp_dir().join(format!("imfile-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("f");
        std::fs::write(&p, b"line one\nline two\n").unwrap();
        let f = File::open(&p).unwrap();
        let s = State::of(&f, &p, Id { dev: 1, ino: 1 }, 9).unwrap();
        assert!(s.fits(&f));
        std::fs::write(&p, b"LINE ONE\nline two\n").unwrap();
        assert!(!s.fits(&File::open(&p).unwrap()), "another head");
        std::fs::write(&p, b"line").unwrap();
        assert!(!s.fits(&File::open(&p).unwrap()), "shorter than the offset");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
