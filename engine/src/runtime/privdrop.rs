//! Dropping privileges: `$PrivDropToUser`, `$PrivDropToGroup`, their
//! `…ID` forms and `global(privdrop.*)`.
//!
//! In: the [`PrivDrop`] the configuration asked for, once every listening
//! socket (ports below 1024, `/dev/log`) is open and before any core has
//! taken a message or opened a queue or output file. Out: the process on
//! the new user and group, or an error that stops the start.
//!
//! Guarantees:
//! - Supplementary groups, then the gid, then the uid, as rsyslog: a user
//!   with a passwd entry takes its supplementary groups (`initgroups`),
//!   a group-only drop clears them unless `keepSupplemental`.
//! - Unlike rsyslog, a user given without a group drops to the user's
//!   primary group, not stays in group 0.
//! - Every thread of the process is checked afterwards
//!   (`/proc/self/task/*/status`): one left with the old ids is an error.
//!   The drop happens before the cores' io_uring rings have any worker
//!   thread, so the kernel's workers are created as the new user too.
//! - The root ids cannot be regained (`setuid(0)` must fail).
//! - What the new user must be able to do is tried at start
//!   ([`check_access`]): a queue directory or an output file it cannot
//!   write is an error now, not lost messages later.

use std::ffi::CString;
use std::io;
use std::path::{Path, PathBuf};

use crate::config::modules::global::PrivDrop;

/// Where the cores wait, their privileged sockets open, while the main
/// thread drops privileges; then they start, or (the drop failed) end.
#[derive(Debug)]
pub struct Gate {
    barrier: std::sync::Barrier,
    dropped: std::sync::atomic::AtomicBool,
}

impl Gate {
    pub fn new(cores: usize) -> Gate {
        Gate {
            barrier: std::sync::Barrier::new(cores + 1),
            dropped: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// A core: says it is ready, waits for the drop; true if it
    /// succeeded.
    pub fn pass(&self) -> bool {
        self.barrier.wait();
        self.barrier.wait();
        self.dropped.load(std::sync::atomic::Ordering::Acquire)
    }

    /// The main thread: waits for every core to be ready, runs `drop`,
    /// and lets the cores go on.
    pub fn drop_with<T>(
        &self,
        drop: impl FnOnce() -> Result<T, PrivDropError>,
    ) -> Result<T, PrivDropError> {
        self.barrier.wait();
        let r = drop();
        self.dropped
            .store(r.is_ok(), std::sync::atomic::Ordering::Release);
        self.barrier.wait();
        r
    }
}

/// Why privileges could not be dropped, or what the new user cannot do.
#[derive(Debug)]
pub enum PrivDropError {
    /// A user id without a passwd entry, and no group given.
    NoGroup { uid: u32 },
    /// A call failed (`setgid`, `setuid`, …).
    Call {
        what: &'static str,
        id: u32,
        source: io::Error,
    },
    /// A thread kept ids it should have dropped.
    Thread { tid: String, ids: String },
    /// The root ids could be taken back.
    Regained,
    /// Something the configuration asks for that the new user cannot do.
    Access {
        what: String,
        path: PathBuf,
        source: io::Error,
    },
}

impl std::fmt::Display for PrivDropError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use PrivDropError as E;
        match self {
            E::NoGroup { uid } => write!(
                f,
                "privdrop: user id {uid} has no passwd entry, so its group is not known; give privdrop.group.id (or $PrivDropToGroupID)"
            ),
            E::Call { what, id, source } => {
                write!(f, "privdrop: {what}({id}) failed: {source}")
            }
            E::Thread { tid, ids } => write!(
                f,
                "privdrop: thread {tid} still runs as {ids} after the drop; stopping"
            ),
            E::Regained => write!(
                f,
                "privdrop: the dropped privileges could be taken back; stopping"
            ),
            E::Access { what, path, source } => write!(
                f,
                "privdrop: after dropping privileges, {what} {} cannot be written: {source}",
                path.display()
            ),
        }
    }
}

impl std::error::Error for PrivDropError {}

/// The uid and gid a drop ends on (`None`: that id is kept).
pub fn target(p: &PrivDrop) -> Result<(Option<u32>, Option<u32>), PrivDropError> {
    let uid = p.user.as_ref().map(|(uid, _)| *uid);
    let gid = p.gid();
    if let (Some(uid), None) = (uid, gid) {
        return Err(PrivDropError::NoGroup { uid });
    }
    Ok((uid, gid))
}

fn check(what: &'static str, id: u32, r: libc::c_int) -> Result<(), PrivDropError> {
    match r {
        0 => Ok(()),
        _ => Err(PrivDropError::Call {
            what,
            id,
            source: io::Error::last_os_error(),
        }),
    }
}

/// Drops to what `p` asks for. glibc applies each call to every thread of
/// the process; [`check_threads`] verifies it.
pub fn drop_to(p: &PrivDrop) -> Result<(), PrivDropError> {
    let (uid, gid) = target(p)?;
    let name = p.user.as_ref().and_then(|(_, n)| n.as_deref());
    match (uid, name, gid) {
        (Some(_), Some(name), Some(gid)) => {
            let c = CString::new(name).map_err(|_| PrivDropError::Call {
                what: "initgroups",
                id: gid,
                source: io::ErrorKind::InvalidInput.into(),
            })?;
            // SAFETY: initgroups reads a NUL-terminated name.
            check("initgroups", gid, unsafe {
                libc::initgroups(c.as_ptr(), gid)
            })?;
        }
        (Some(_), None, _) | (None, _, Some(_)) if !(uid.is_none() && p.keep_supplemental) => {
            // SAFETY: setgroups with a count of 0 reads no memory.
            check("setgroups", 0, unsafe {
                libc::setgroups(0, std::ptr::null())
            })?;
        }
        _ => {}
    }
    if let Some(gid) = gid {
        // SAFETY: setgid takes an id and touches no memory.
        check("setgid", gid, unsafe { libc::setgid(gid) })?;
    }
    if let Some(uid) = uid {
        // SAFETY: setuid takes an id and touches no memory.
        check("setuid", uid, unsafe { libc::setuid(uid) })?;
        // SAFETY: as above; this call must fail.
        if uid != 0 && unsafe { libc::setuid(0) } == 0 {
            return Err(PrivDropError::Regained);
        }
    }
    check_threads(uid, gid)
}

/// Every thread's real, effective, saved and filesystem ids are `uid` and
/// `gid` (where given).
pub fn check_threads(uid: Option<u32>, gid: Option<u32>) -> Result<(), PrivDropError> {
    let tasks = std::fs::read_dir("/proc/self/task").map_err(|source| PrivDropError::Access {
        what: "the thread list".into(),
        path: "/proc/self/task".into(),
        source,
    })?;
    for t in tasks.flatten() {
        let tid = t.file_name().to_string_lossy().into_owned();
        let Ok(status) = std::fs::read_to_string(t.path().join("status")) else {
            continue; // a thread that has ended
        };
        for (field, want) in [("Uid:", uid), ("Gid:", gid)] {
            let Some(want) = want else { continue };
            let line = status.lines().find(|l| l.starts_with(field)).unwrap_or("");
            let all = line
                .split_whitespace()
                .skip(1)
                .all(|v| v.parse::<u32>() == Ok(want));
            if !all || line.is_empty() {
                return Err(PrivDropError::Thread {
                    tid,
                    ids: line.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// What the new user must be able to write: `dirs` it creates files in,
/// `files` it appends to (or, when missing, creates).
pub fn check_access(
    dirs: &[(String, PathBuf)],
    files: &[(String, PathBuf)],
) -> Result<(), PrivDropError> {
    let denied = |what: &str, path: &Path, source| PrivDropError::Access {
        what: what.to_string(),
        path: path.to_path_buf(),
        source,
    };
    for (what, dir) in dirs {
        may_create_in(dir).map_err(|e| denied(what, dir, e))?;
    }
    for (what, file) in files {
        match file.exists() {
            true => access(file, libc::W_OK),
            false => may_create_in(file.parent().unwrap_or(Path::new("/"))),
        }
        .map_err(|e| denied(what, file, e))?;
    }
    Ok(())
}

/// Files can be created in `dir`, or in the nearest directory above it
/// that exists (where its missing directories would be made).
fn may_create_in(dir: &Path) -> io::Result<()> {
    let mut d = dir;
    while !d.exists() {
        match d.parent() {
            Some(p) => d = p,
            None => break,
        }
    }
    access(d, libc::W_OK | libc::X_OK)
}

fn access(p: &Path, mode: libc::c_int) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = CString::new(p.as_os_str().as_bytes()).map_err(|_| io::ErrorKind::InvalidInput)?;
    // SAFETY: access reads a NUL-terminated path.
    match unsafe { libc::access(c.as_ptr(), mode) } {
        0 => Ok(()),
        _ => Err(io::Error::last_os_error()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_without_a_group_needs_one() {
        let p = PrivDrop {
            user: Some((4242, None)),
            ..Default::default()
        };
        assert!(matches!(
            target(&p),
            Err(PrivDropError::NoGroup { uid: 4242 })
        ));
        let p = PrivDrop {
            user: Some((4242, None)),
            group: Some(4343),
            ..Default::default()
        };
        assert_eq!(target(&p).unwrap(), (Some(4242), Some(4343)));
    }

    #[test]
    fn this_process_s_threads_have_its_ids() {
        // SAFETY: getuid and getgid only read the process's ids.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        check_threads(Some(uid), Some(gid)).unwrap();
        assert!(check_threads(Some(uid.wrapping_add(1)), None).is_err());
    }
}
