//! Start-up checks of the kernel limits the runtime depends on.
//!
//! In: how many executors will run and how much locked memory each will
//! register with io_uring. Out: `Ok` when io_uring is usable and
//! `RLIMIT_MEMLOCK` covers what the executors lock (raising the soft limit
//! to the hard one when that is enough), or an error in a full sentence
//! that says what to raise and how.

use std::fs;

/// Locked memory each executor registers with io_uring for its buffers.
/// glommio's default (10 MiB) would not fit two cores under the 8 MiB
/// `ulimit -l` common on distributions; sockets do not need it.
pub const IO_MEMORY_PER_CORE: usize = 512 << 10;

/// Headroom for the rings themselves on kernels that still charge them.
const RING_MEMORY_PER_CORE: usize = 256 << 10;

/// Which limit stops corelogd, with what to raise and how.
#[derive(Debug)]
pub enum LimitError {
    /// `kernel.io_uring_disabled = 2`.
    IoUringDisabled,
    /// `kernel.io_uring_disabled = 1`, and not root.
    IoUringRestricted,
    /// `RLIMIT_MEMLOCK` below what the executors lock.
    LockedMemory {
        cores: usize,
        have_kib: u64,
        need_kib: u64,
    },
    /// `$MaxOpenFiles` cannot be set.
    OpenFiles { asked: u64, source: std::io::Error },
}

impl std::fmt::Display for LimitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LimitError::IoUringDisabled => f.write_str(
                "io_uring is disabled on this machine (kernel.io_uring_disabled = 2); \
                 corelogd needs it: run `sysctl -w kernel.io_uring_disabled=0`.",
            ),
            LimitError::IoUringRestricted => f.write_str(
                "io_uring is restricted to privileged users here (kernel.io_uring_disabled = 1); \
                 run corelogd as root, add it to the group in kernel.io_uring_group, or run `sysctl -w kernel.io_uring_disabled=0`.",
            ),
            LimitError::LockedMemory { cores, have_kib, need_kib } => write!(
                f,
                "the locked-memory limit is {have_kib} KiB, but {cores} core(s) need {need_kib} KiB for io_uring buffers; \
                 raise it with `ulimit -l {need_kib}` (or LimitMEMLOCK= in a systemd unit, memlock in /etc/security/limits.conf), \
                 or run on fewer cores with --cores."
            ),
            LimitError::OpenFiles { asked, source } => write!(
                f,
                "$MaxOpenFiles {asked}: cannot set the open-files limit: {source} (raising the hard limit needs root)"
            ),
        }
    }
}

impl std::error::Error for LimitError {}

/// Checks io_uring and the memlock limit for `cores` executors.
pub fn check(cores: usize, max_open_files: Option<u64>) -> Result<(), LimitError> {
    set_open_files(max_open_files)?;
    if let Ok(v) = fs::read_to_string("/proc/sys/kernel/io_uring_disabled") {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let root = unsafe { libc::geteuid() } == 0;
        match v.trim() {
            "2" => return Err(LimitError::IoUringDisabled),
            "1" if !root => return Err(LimitError::IoUringRestricted),
            _ => {}
        }
    }
    let need = (cores * (IO_MEMORY_PER_CORE + RING_MEMORY_PER_CORE)) as u64;
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut lim) } != 0 {
        return Ok(());
    }
    if lim.rlim_cur == libc::RLIM_INFINITY || lim.rlim_cur >= need {
        return Ok(());
    }
    if lim.rlim_max == libc::RLIM_INFINITY || lim.rlim_max >= need {
        let raised = libc::rlimit {
            rlim_cur: need,
            rlim_max: lim.rlim_max,
        };
        // SAFETY: setrlimit reads the struct we pass.
        if unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &raised) } == 0 {
            return Ok(());
        }
    }
    Err(LimitError::LockedMemory {
        cores,
        have_kib: lim.rlim_cur / 1024,
        need_kib: need / 1024,
    })
}

/// Raises the soft limit on open descriptors to the hard one: a central
/// log server holds a socket per sending host (tens of thousands), and
/// the usual soft limit of 1024 would refuse them. `$MaxOpenFiles` sets
/// both limits instead, as rsyslog does (raising the hard limit needs
/// root); a limit that cannot be set is an error, not a quiet smaller one.
fn set_open_files(max: Option<u64>) -> Result<(), LimitError> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return Ok(()); // nothing known to raise; the kernel's limit stays
    }
    match max {
        Some(n) => {
            lim.rlim_cur = n as libc::rlim_t;
            lim.rlim_max = lim.rlim_max.max(n as libc::rlim_t);
        }
        None if lim.rlim_cur < lim.rlim_max => lim.rlim_cur = lim.rlim_max,
        None => return Ok(()),
    }
    // SAFETY: setrlimit reads the struct we own.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) } != 0 && max.is_some() {
        return Err(LimitError::OpenFiles {
            asked: lim.rlim_cur,
            source: std::io::Error::last_os_error(),
        });
    }
    Ok(())
}
