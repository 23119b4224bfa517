//! omusrmsg: each message written to the terminals of users logged in,
//! as rsyslog 8.2302's omusrmsg writes it.
//!
//! In: a rendered batch (one record per message). Out: each record
//! written to the terminal of every login session (`utmp`'s
//! `USER_PROCESS` entries) of the users named, or of everyone for `*`.
//!
//! Guarantees: a terminal is never waited for — it is opened and written
//! without blocking, and what it cannot take at once is lost, as in
//! rsyslog (a user who pressed ^S stalls nothing). Better than rsyslog:
//! only a terminal is written — a `utmp` line must name `tty…`, `pts/…`
//! or `console`, without `..`, be reached without following a symbolic
//! link, and be a terminal once open — so an entry forged in `utmp`
//! (its group can write it) cannot make corelogd write into a file or
//! another device (`/dev/watchdog`, `/dev/kmsg`).

use std::io::Write;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::Rendered;
use crate::config::modules::omusrmsg::{OmusrmsgConfig, Users};

/// Where the login sessions are (glibc's `_PATH_UTMP`).
pub const UTMP: &str = "/var/run/utmp";

/// One login session: its user and terminal (`pts/0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: String,
    pub line: String,
}

pub struct OmUsrMsg {
    users: Users,
    utmp: PathBuf,
}

impl OmUsrMsg {
    pub fn new(c: &OmusrmsgConfig) -> OmUsrMsg {
        OmUsrMsg {
            users: c.users.clone(),
            utmp: PathBuf::from(UTMP),
        }
    }

    /// Writes every record to the terminals it is for. A `utmp` that
    /// cannot be read (other than missing: nobody logged in) fails the
    /// batch.
    pub fn write(&mut self, r: &Rendered) -> std::io::Result<()> {
        let sessions = match std::fs::read(&self.utmp) {
            Ok(b) => sessions(&b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        let to: Vec<&Session> = sessions
            .iter()
            .filter(|s| match &self.users {
                Users::All => true,
                Users::Named(n) => n.contains(&s.user),
            })
            .collect();
        if to.is_empty() {
            return Ok(());
        }
        for (_, data) in r.records() {
            for s in &to {
                write_terminal(&s.line, data);
            }
        }
        Ok(())
    }
}

/// The login sessions in a `utmp` file's bytes: `USER_PROCESS` entries
/// with a user (not `LOGIN`) and a terminal.
pub fn sessions(b: &[u8]) -> Vec<Session> {
    let size = std::mem::size_of::<libc::utmpx>();
    let text = |c: &[libc::c_char]| {
        let bytes: Vec<u8> = c.iter().map(|&c| c as u8).take_while(|&c| c != 0).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    b.chunks_exact(size)
        .filter_map(|chunk| {
            // SAFETY: `chunk` is exactly one `utmpx` long, and `utmpx` is
            // plain old data (integers and byte arrays: every bit pattern
            // is a value); `read_unaligned` copies it out whatever the
            // alignment of the buffer.
            let u: libc::utmpx = unsafe { std::ptr::read_unaligned(chunk.as_ptr().cast()) };
            if u.ut_type != libc::USER_PROCESS {
                return None;
            }
            let (user, line) = (text(&u.ut_user), text(&u.ut_line));
            (!user.is_empty() && user != "LOGIN" && !line.is_empty())
                .then_some(Session { user, line })
        })
        .collect()
}

/// Writes `data` to `/dev/<line>` without waiting; what it cannot take
/// is lost.
fn write_terminal(line: &str, data: &[u8]) {
    if !is_terminal_name(line) {
        return;
    }
    let path = Path::new("/dev").join(line);
    let Ok(mut f) = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NOCTTY | libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(&path)
    else {
        return;
    };
    use std::os::fd::AsRawFd;
    // SAFETY: isatty reads the state of a descriptor `f` holds open.
    let tty = unsafe { libc::isatty(f.as_raw_fd()) } == 1;
    if tty && f.metadata().is_ok_and(|m| m.file_type().is_char_device()) {
        // Non-blocking: a terminal that cannot take it now loses it.
        let _ = f.write(data);
    }
}

/// A terminal's name as `utmp` gives it: `ttyN`, `ttyS0`, `pts/N`,
/// `console`; nothing with `..` or an empty component.
fn is_terminal_name(line: &str) -> bool {
    let parts_ok = !line
        .split('/')
        .any(|p| p == ".." || p == "." || p.is_empty());
    let named = line.starts_with("tty") && !line.contains('/')
        || line
            .strip_prefix("pts/")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()))
        || line == "console";
    parts_ok && named
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_terminal_names() {
        for ok in ["pts/0", "pts/12", "tty1", "ttyS0", "console"] {
            assert!(is_terminal_name(ok), "{ok}");
        }
        for bad in [
            "watchdog",
            "kmsg",
            "mem",
            "pts/../kmsg",
            "../etc/passwd",
            "tty/../x",
            "pts/",
            "pts/x",
            "",
        ] {
            assert!(!is_terminal_name(bad), "{bad}");
        }
    }

    fn entry(kind: libc::c_short, user: &str, line: &str) -> Vec<u8> {
        // SAFETY: an all-zero `utmpx` is a valid (empty) entry.
        let mut u: libc::utmpx = unsafe { std::mem::zeroed() };
        u.ut_type = kind;
        for (d, s) in u.ut_user.iter_mut().zip(user.bytes()) {
            *d = s as libc::c_char;
        }
        for (d, s) in u.ut_line.iter_mut().zip(line.bytes()) {
            *d = s as libc::c_char;
        }
        let p = &u as *const libc::utmpx as *const u8;
        // SAFETY: `u` is a live value of exactly this many bytes.
        unsafe { std::slice::from_raw_parts(p, std::mem::size_of::<libc::utmpx>()) }.to_vec()
    }

    #[test]
    fn user_processes_only() {
        let mut b = entry(libc::USER_PROCESS, "alice", "pts/1");
        b.extend(entry(libc::LOGIN_PROCESS, "LOGIN", "tty1"));
        b.extend(entry(libc::USER_PROCESS, "LOGIN", "tty2"));
        b.extend(entry(libc::DEAD_PROCESS, "bob", "pts/2"));
        b.extend(entry(libc::USER_PROCESS, "carol", "tty3"));
        b.extend_from_slice(b"partial entry");
        let s = sessions(&b);
        assert_eq!(
            s,
            [
                Session {
                    user: "alice".into(),
                    line: "pts/1".into()
                },
                Session {
                    user: "carol".into(),
                    line: "tty3".into()
                }
            ]
        );
    }
}
