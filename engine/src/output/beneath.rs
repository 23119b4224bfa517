//! Opening a dynaFile under its directory without following a symlink
//! below it.
//!
//! In: the dynaFile directory (that of the template's constant prefix,
//! trusted: it comes from the configuration) and a path relative to it
//! that [`super::omfile::contained`] has checked by name. Out: the file,
//! opened for appending, or an error.
//!
//! Guarantees: every directory below the base is opened with `O_NOFOLLOW`
//! from the descriptor of the one above it, and the file itself too, so a
//! symlink planted anywhere in the log tree (a host's directory pointing
//! at `/etc`) is refused, not followed; the file must be a plain file with
//! one link (a FIFO planted there cannot block the core: it is opened
//! with `O_NONBLOCK` and refused; a hard link to a file elsewhere is
//! refused); directories made on the way are
//! made with `mkdirat` in the directory just opened and given their owner
//! on their own descriptor. Nothing is ever resolved by name from the
//! root again after the base.

use std::ffi::{CString, OsStr};
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path};

/// How directories made on the way are made.
#[derive(Debug, Clone, Copy)]
pub struct MakeDirs {
    pub mode: u32,
    pub owner: Option<u32>,
    pub group: Option<u32>,
    /// `failOnChOwnFailure`: a failed chown is an error (else the
    /// directory is used as it is).
    pub strict: bool,
}

fn cstr(name: &OsStr) -> io::Result<CString> {
    CString::new(name.as_bytes()).map_err(|_| io::ErrorKind::InvalidInput.into())
}

fn openat(dir: RawFd, name: &OsStr, flags: libc::c_int, mode: u32) -> io::Result<OwnedFd> {
    let c = cstr(name)?;
    // SAFETY: openat reads a NUL-terminated name; `dir` is an open
    // descriptor (or AT_FDCWD) for the call.
    let fd = unsafe { libc::openat(dir, c.as_ptr(), flags | libc::O_CLOEXEC, mode) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by openat and is owned by no one else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A symlink where a directory or the file was expected.
fn refused(name: &OsStr) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!(
            "{:?} below the dynaFile directory is a symlink, which is not followed",
            name
        ),
    )
}

/// Opens directory `name` in `dir`, not following a symlink; makes it
/// first when it is missing and `make` says how.
fn open_dir(dir: RawFd, name: &OsStr, make: Option<MakeDirs>) -> io::Result<OwnedFd> {
    let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW;
    match openat(dir, name, flags, 0) {
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
            let Some(m) = make else { return Err(e) };
            let c = cstr(name)?;
            // SAFETY: mkdirat reads a NUL-terminated name; `dir` is open.
            if unsafe { libc::mkdirat(dir, c.as_ptr(), m.mode as libc::mode_t) } != 0 {
                let e = io::Error::last_os_error();
                // Another writer made it first: it is there, as asked.
                if e.raw_os_error() != Some(libc::EEXIST) {
                    return Err(e);
                }
            }
            let d = openat(dir, name, flags, 0).map_err(|e| symlink_or(e, name))?;
            if m.owner.is_some() || m.group.is_some() {
                match std::os::unix::fs::fchown(&d, m.owner, m.group) {
                    Err(e) if m.strict => {
                        // Not left behind with the wrong owner, for the
                        // next message to use.
                        // SAFETY: unlinkat reads a NUL-terminated name;
                        // `dir` is open.
                        unsafe { libc::unlinkat(dir, c.as_ptr(), libc::AT_REMOVEDIR) };
                        return Err(e);
                    }
                    _ => {}
                }
            }
            Ok(d)
        }
        r => r.map_err(|e| symlink_or(e, name)),
    }
}

/// A FIFO, a device or a hard link where the dynaFile should be.
fn not_plain(name: &OsStr) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!("{name:?} below the dynaFile directory is not a plain file of its own (a FIFO, a device or a hard link), which is not written"),
    )
}

/// ELOOP (O_NOFOLLOW met a symlink) and ENOTDIR (O_DIRECTORY met one to
/// a file) as a refusal.
fn symlink_or(e: io::Error, name: &OsStr) -> io::Error {
    match e.raw_os_error() {
        Some(libc::ELOOP) | Some(libc::ENOTDIR) => refused(name),
        _ => e,
    }
}

/// Opens `rel` under `base` for appending, creating it with `mode`;
/// returns it and whether it was created.
pub fn open_append(
    base: &Path,
    rel: &Path,
    mode: u32,
    make: Option<MakeDirs>,
) -> io::Result<(File, bool)> {
    let names: Vec<&OsStr> = rel
        .components()
        .map(|c| match c {
            Component::Normal(n) => Ok(n),
            _ => Err(io::Error::from(io::ErrorKind::InvalidInput)),
        })
        .collect::<io::Result<_>>()?;
    let Some((file, dirs)) = names.split_last() else {
        return Err(io::ErrorKind::InvalidInput.into());
    };
    let mut dir = openat(
        libc::AT_FDCWD,
        base.as_os_str(),
        libc::O_RDONLY | libc::O_DIRECTORY,
        0,
    )?;
    for name in dirs {
        dir = open_dir(dir.as_raw_fd(), name, make)?;
    }
    // O_NONBLOCK: a FIFO planted in the tree must not block the core in
    // open(2); what is opened is then checked to be a plain file.
    let flags = libc::O_WRONLY | libc::O_APPEND | libc::O_NOFOLLOW | libc::O_NONBLOCK;
    let excl = flags | libc::O_CREAT | libc::O_EXCL;
    let (fd, created) = match openat(dir.as_raw_fd(), file, flags, mode) {
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
            match openat(dir.as_raw_fd(), file, excl, mode) {
                Ok(fd) => Ok((fd, true)),
                // Another writer made it first.
                Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {
                    openat(dir.as_raw_fd(), file, flags, mode).map(|fd| (fd, false))
                }
                Err(e) => Err(e),
            }
        }
        r => r.map(|fd| (fd, false)),
    }
    .map_err(|e| match e.raw_os_error() {
        // A FIFO nobody reads (O_NONBLOCK: refused, not waited on).
        Some(libc::ENXIO) => not_plain(file),
        _ => symlink_or(e, file),
    })?;
    let f = File::from(fd);
    let meta = f.metadata()?;
    use std::os::unix::fs::MetadataExt;
    if !meta.file_type().is_file() || meta.nlink() != 1 {
        // A FIFO, a device, or a hard link to a file elsewhere.
        return Err(not_plain(file));
    }
    // SAFETY: fcntl on the descriptor `f` owns, which is open; F_SETFL
    // takes an int.
    if unsafe { libc::fcntl(f.as_raw_fd(), libc::F_SETFL, libc::O_APPEND) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((f, created))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("corelog-beneath-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    const MAKE: Option<MakeDirs> = Some(MakeDirs {
        mode: 0o755,
        owner: None,
        group: None,
        strict: true,
    });

    #[test]
    fn makes_the_directories_and_the_file() {
        let d = dir("make");
        let (mut f, created) = open_append(&d, Path::new("a/b/c.log"), 0o644, MAKE).unwrap();
        assert!(created);
        use std::io::Write;
        f.write_all(b"x\n").unwrap();
        let (_, created) = open_append(&d, Path::new("a/b/c.log"), 0o644, MAKE).unwrap();
        assert!(!created);
        assert_eq!(std::fs::read(d.join("a/b/c.log")).unwrap(), b"x\n");
        assert!(open_append(&d, Path::new("x/y.log"), 0o644, None).is_err());
    }

    #[test]
    fn a_symlinked_directory_or_file_below_the_base_is_not_followed() {
        let d = dir("links");
        let outside = dir("links-outside");
        std::os::unix::fs::symlink(&outside, d.join("evil")).unwrap();
        let e = open_append(&d, Path::new("evil/messages.log"), 0o644, MAKE).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::PermissionDenied, "{e}");
        std::fs::create_dir(d.join("host")).unwrap();
        std::os::unix::fs::symlink(outside.join("f"), d.join("host/messages.log")).unwrap();
        let e = open_append(&d, Path::new("host/messages.log"), 0o644, MAKE).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::PermissionDenied, "{e}");
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    }

    #[test]
    fn a_fifo_or_a_hard_link_below_the_base_is_refused_without_blocking() {
        let d = dir("fifo");
        let c = CString::new(d.join("fifo.log").as_os_str().as_bytes()).unwrap();
        // SAFETY: mkfifo reads a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let e = open_append(&d, Path::new("fifo.log"), 0o644, MAKE).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::PermissionDenied, "{e}");
        let outside = dir("fifo-outside").join("target");
        std::fs::write(&outside, b"").unwrap();
        std::fs::hard_link(&outside, d.join("linked.log")).unwrap();
        let e = open_append(&d, Path::new("linked.log"), 0o644, MAKE).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::PermissionDenied, "{e}");
    }
}
