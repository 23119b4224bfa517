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
/// thread drops privileges; then they start, or (the drop failed, or a
/// core's executor never started) end.
///
/// Each core holds a clone of the gate's `Arc` until the decision: a core
/// whose executor could not be built drops its clone unused, and the main
/// thread, seeing fewer holders than cores, gives up instead of waiting
/// for ever.
#[derive(Debug)]
pub struct Gate {
    cores: usize,
    state: std::sync::Mutex<GateState>,
    changed: std::sync::Condvar,
}

#[derive(Debug, Default)]
struct GateState {
    ready: usize,
    /// The main thread's decision: whether the cores go on.
    open: Option<bool>,
}

impl Gate {
    pub fn new(cores: usize) -> Gate {
        Gate {
            cores,
            state: Default::default(),
            changed: Default::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A core: says it is ready and waits for the main thread's decision;
    /// true if the drop succeeded.
    pub fn pass(&self) -> bool {
        let mut st = self.lock();
        st.ready += 1;
        debug_assert!(st.ready <= self.cores);
        self.changed.notify_all();
        loop {
            if let Some(open) = st.open {
                return open;
            }
            st = self.changed.wait(st).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// The main thread: waits for every core to be ready, runs `drop`,
    /// and lets the cores go on (or end, if it failed). `gate` is the
    /// main thread's own `Arc`; a core gone before it was ready ends the
    /// wait with an error.
    pub fn drop_with<T>(
        gate: &std::sync::Arc<Gate>,
        drop: impl FnOnce() -> Result<T, PrivDropError>,
    ) -> Result<T, PrivDropError> {
        let mut st = gate.lock();
        while st.ready < gate.cores {
            // Holders: the main thread, and every core still alive (one
            // that is ready holds its handle until the decision).
            if std::sync::Arc::strong_count(gate) < 1 + gate.cores {
                st.open = Some(false);
                gate.changed.notify_all();
                return Err(PrivDropError::CoreGone);
            }
            let timeout = std::time::Duration::from_millis(20);
            st = gate
                .changed
                .wait_timeout(st, timeout)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        let r = drop();
        st.open = Some(r.is_ok());
        gate.changed.notify_all();
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
    /// A core's executor did not start, so nothing was dropped (its own
    /// error follows).
    CoreGone,
    /// An owner or group an action gives its files that the new user
    /// cannot give (it needs root).
    Owner {
        action: String,
        what: &'static str,
        id: u32,
    },
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
            E::CoreGone => write!(
                f,
                "privdrop: a core did not start, so privileges were not dropped and corelogd stops"
            ),
            E::Owner { action, what, id } => write!(
                f,
                "privdrop: action '{action}' gives its files {what} {id}, which corelogd cannot do once it has dropped root; drop to that user, or remove {what} (the files are the new user's)"
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

/// Every omfile action's `fileOwner`/`dirOwner` is the new user and its
/// `fileGroup`/`dirGroup` one of the new user's groups: anything else
/// needs CAP_CHOWN, which the drop gave up.
pub fn check_owners(plan: &crate::config::Plan) -> Result<(), PrivDropError> {
    // SAFETY: geteuid/getegid only read the process's ids.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    let mut groups = vec![0 as libc::gid_t; 1024];
    // SAFETY: getgroups writes at most `groups.len()` ids into `groups`.
    let n = unsafe { libc::getgroups(groups.len() as libc::c_int, groups.as_mut_ptr()) };
    groups.truncate(n.max(0) as usize);
    groups.push(gid);
    for a in &plan.actions {
        let crate::config::OutputConfig::Omfile(c) = &a.output else {
            continue;
        };
        // Names were looked up when the action was checked at start.
        let Ok(o) = crate::output::omfile::FileOptions::new(c) else {
            continue;
        };
        let owners = [("fileOwner", o.owner), ("dirOwner", o.dir_owner)];
        let group_ids = [("fileGroup", o.group), ("dirGroup", o.dir_group)];
        let bad_owner = owners
            .into_iter()
            .find_map(|(w, id)| id.filter(|&i| i != uid).map(|i| (w, i)));
        let bad_group = group_ids
            .into_iter()
            .find_map(|(w, id)| id.filter(|i| !groups.contains(i)).map(|i| (w, i)));
        if let Some((what, id)) = bad_owner.or(bad_group) {
            return Err(PrivDropError::Owner {
                action: a.name().to_string(),
                what,
                id,
            });
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
    fn the_gate_ends_when_a_core_never_comes_and_opens_when_all_do() {
        use std::sync::Arc;
        // Two cores: one passes, the other's executor never started (its
        // handle is dropped unused).
        let gate = Arc::new(Gate::new(2));
        let (g1, g2) = (gate.clone(), gate.clone());
        let core = std::thread::spawn(move || g1.pass());
        // Let the first core be ready first, then the other one go away.
        while gate.lock().ready < 1 {
            std::thread::yield_now();
        }
        drop(g2);
        let r = Gate::drop_with(&gate, || Ok(()));
        assert!(matches!(r, Err(PrivDropError::CoreGone)));
        assert!(!core.join().unwrap(), "the core must not go on");
        // Both come: the drop runs once, and both go on.
        let gate = Arc::new(Gate::new(2));
        let cores: Vec<_> = (0..2)
            .map(|_| {
                let g = gate.clone();
                std::thread::spawn(move || g.pass())
            })
            .collect();
        let ran = std::sync::atomic::AtomicUsize::new(0);
        Gate::drop_with(&gate, || {
            ran.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(())
        })
        .unwrap();
        assert_eq!(ran.into_inner(), 1);
        assert!(cores.into_iter().all(|c| c.join().unwrap()));
    }

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
