//! The pid file (`-i PATH`): written at start, removed at exit.
//!
//! A pid file left behind by a crash does not prevent a restart: the pid in
//! it is checked, and a file naming a process that is gone (or is not a
//! corelogd) is replaced. One naming a live corelogd is an error that says
//! which process holds it.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why the pid file cannot be written.
#[derive(Debug)]
pub enum PidFileError {
    /// It names a live corelogd.
    Held { pid: i32, path: PathBuf },
    /// Its directory cannot be created.
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
    /// It cannot be written.
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl std::fmt::Display for PidFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PidFileError::Held { pid, path } => write!(
                f,
                "another corelogd (pid {pid}) is running with pid file {}; stop it first, or pass a different -i.",
                path.display()
            ),
            PidFileError::Dir { path, source } => write!(
                f,
                "cannot create the directory of pid file {}: {source}.",
                path.display()
            ),
            PidFileError::Write { path, source } => {
                write!(f, "cannot write pid file {}: {source}.", path.display())
            }
        }
    }
}

impl std::error::Error for PidFileError {}

/// A written pid file; removed when dropped.
#[derive(Debug)]
pub struct PidFile {
    path: PathBuf,
}

impl PidFile {
    pub fn create(path: &Path) -> Result<PidFile, PidFileError> {
        let path_buf = || path.to_path_buf();
        if let Ok(text) = fs::read_to_string(path) {
            if let Ok(pid) = text.trim().parse::<i32>() {
                if pid != std::process::id() as i32 && is_live_corelogd(pid) {
                    return Err(PidFileError::Held {
                        pid,
                        path: path_buf(),
                    });
                }
            }
            crate::notice!(
                "corelogd: replacing the stale pid file {} (its process is gone).",
                path.display()
            );
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|source| PidFileError::Dir {
                path: path_buf(),
                source,
            })?;
        }
        let tmp = path.with_extension("tmp");
        let failed = |source| PidFileError::Write {
            path: path_buf(),
            source,
        };
        let mut f = fs::File::create(&tmp).map_err(failed)?;
        writeln!(f, "{}", std::process::id())
            .and_then(|_| fs::rename(&tmp, path))
            .map_err(failed)?;
        Ok(PidFile {
            path: path.to_path_buf(),
        })
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

fn is_live_corelogd(pid: i32) -> bool {
    match fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(cmd) => cmd
            .split(|&b| b == 0)
            .next()
            .is_some_and(|argv0| argv0.ends_with(b"corelogd")),
        Err(_) => false,
    }
}
