//! The seam through which tests make a disk queue's I/O fail as a failing
//! device would.
//!
//! In: `CORELOG_STORE_FAULT=<op>:<after>:<errno>` in corelogd's
//! environment (`op` is `write` or `sync`; `errno` is `EIO`, `ENOSPC`,
//! `EDQUOT` or `EROFS`), or [`Faults::fail_from_now`] in unit tests. Out:
//! for each store, its first `after` operations of that kind go to the
//! device, and every later one fails with `errno` without reaching it.
//! Never set in production: it exists so that the daemon's promises about
//! failing disks are tested on the real daemon.

use std::cell::Cell;
use std::io;

/// What the store is about to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Write,
    Sync,
}

/// The variable that arms the seam.
pub const ENV: &str = "CORELOG_STORE_FAULT";

#[derive(Debug, Clone, Copy)]
struct Fault {
    op: Op,
    /// Operations of `op` still to let through.
    left: u64,
    errno: i32,
}

/// One store's armed fault, if any.
#[derive(Debug, Default)]
pub struct Faults {
    fault: Cell<Option<Fault>>,
}

impl Faults {
    /// As [`ENV`] says; unset (or not understood: said on stderr) is no
    /// fault.
    pub fn from_env() -> Faults {
        let Some(v) = std::env::var_os(ENV) else {
            return Faults::default();
        };
        let v = v.to_string_lossy();
        let fault = parse(&v);
        if fault.is_none() {
            crate::notice!("corelogd: {ENV}={v} is not <write|sync>:<count>:<EIO|ENOSPC|EDQUOT|EROFS>; no fault is injected.");
        }
        Faults {
            fault: Cell::new(fault),
        }
    }

    /// Makes every `op` from now on fail with `errno`.
    pub fn fail_from_now(&self, op: Op, errno: i32) {
        self.fault.set(Some(Fault { op, left: 0, errno }));
    }

    /// Whether `op` may reach the device; the injected error if not.
    pub fn check(&self, op: Op) -> io::Result<()> {
        let Some(mut f) = self.fault.get().filter(|f| f.op == op) else {
            return Ok(());
        };
        if f.left == 0 {
            return Err(io::Error::from_raw_os_error(f.errno));
        }
        f.left -= 1;
        self.fault.set(Some(f));
        Ok(())
    }
}

fn parse(v: &str) -> Option<Fault> {
    let mut parts = v.split(':');
    let op = match parts.next()? {
        "write" => Op::Write,
        "sync" => Op::Sync,
        _ => return None,
    };
    let left = parts.next()?.parse().ok()?;
    let errno = match parts.next()? {
        "EIO" => libc::EIO,
        "ENOSPC" => libc::ENOSPC,
        "EDQUOT" => libc::EDQUOT,
        "EROFS" => libc::EROFS,
        _ => return None,
    };
    parts.next().is_none().then_some(Fault { op, left, errno })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lets_the_first_through_then_fails_every_one() {
        let f = Faults {
            fault: Cell::new(parse("sync:2:EIO")),
        };
        assert!(f.check(Op::Write).is_ok());
        assert!(f.check(Op::Sync).is_ok());
        assert!(f.check(Op::Sync).is_ok());
        for _ in 0..3 {
            let e = f.check(Op::Sync).unwrap_err();
            assert_eq!(e.raw_os_error(), Some(libc::EIO));
        }
        assert!(f.check(Op::Write).is_ok());
    }

    #[test]
    fn only_what_it_understands() {
        for bad in [
            "",
            "sync",
            "sync:x:EIO",
            "read:1:EIO",
            "write:1:EBADF",
            "write:1:EIO:2",
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
        assert!(parse("write:0:ENOSPC").is_some());
    }
}
