//! Which queues keep their messages on disk, and where.
//!
//! In: the plan's queues (main, rulesets, actions) and the number of
//! cores. Out: for each queue with `queue.filename` (Disk, or a memory type
//! made disk-assisted), the [`StoreConfig`] of its files: in
//! `queue.spoolDirectory`, else `global(workDirectory)`, else the current
//! directory (as rsyslog). Main and ruleset queues have a shard per core,
//! so their files are `<filename>.c<core>.NNNNNNNN`; an action queue lives
//! on its owning core alone: `<filename>.action.NNNNNNNN`. Neither is
//! rsyslog's `<filename>.NNNNNNNN`, so rsyslog's queue files left in the
//! same directory are not touched.
//!
//! Guarantees, checked before any core starts: the directories exist (or
//! are created) and are writable; no two queues share a file name; no
//! other process holds a queue's files (each queue's `.<filename>.lock`
//! is locked for as long as the returned [`DiskQueues`] lives); and no
//! shard's files from a run with more cores are left behind unread
//! (that is an error naming the `--cores` to use, not a silent loss).

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use crate::config::queue::{QueueParams, QueueType};
use crate::config::Plan;
use crate::queue::store::StoreConfig;

/// Why the disk queues cannot be used; each names the queue (its label)
/// and says what to do.
#[derive(Debug)]
pub enum DiskQueueError {
    /// Two queues name the same files.
    SharedName {
        first: String,
        second: String,
        name: String,
        dir: PathBuf,
    },
    /// The spool directory cannot be created.
    CreateDir {
        label: String,
        dir: PathBuf,
        source: std::io::Error,
    },
    /// The spool directory cannot be written (its lock file not made).
    NotWritable {
        label: String,
        dir: PathBuf,
        source: std::io::Error,
    },
    /// Another process holds the queue's lock.
    Locked {
        label: String,
        dir: PathBuf,
        name: String,
    },
    /// The lock could not be taken for another reason.
    Lock {
        label: String,
        path: PathBuf,
        source: std::io::Error,
    },
    /// Shard files of cores this run does not have.
    LeftoverShards {
        label: String,
        dir: PathBuf,
        core: usize,
    },
}

impl std::fmt::Display for DiskQueueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use DiskQueueError as E;
        match self {
            E::SharedName { first, second, name, dir } => write!(
                f,
                "{first} and {second} both use queue.filename=\"{name}\" in {}; each queue needs its own.",
                dir.display()
            ),
            E::CreateDir { label, dir, source } => write!(
                f,
                "{label}: cannot create its spool directory {}: {source}",
                dir.display()
            ),
            E::NotWritable { label, dir, source } => write!(
                f,
                "{label}: cannot write in its spool directory {}: {source}",
                dir.display()
            ),
            E::Locked { label, dir, name } => write!(
                f,
                "{label}: another process, perhaps another corelogd, holds its queue files {}/{name}.*; stop it, or give this queue another queue.filename or spool directory.",
                dir.display()
            ),
            E::Lock { label, path, source } => {
                write!(f, "{label}: cannot lock {}: {source}", path.display())
            }
            E::LeftoverShards { label, dir, core } => write!(
                f,
                "{label}: {} holds queue files of core {core} from a run on more cores; start with --cores {} (or more) so they are delivered.",
                dir.display(),
                core + 1
            ),
        }
    }
}

impl std::error::Error for DiskQueueError {}

/// The store configuration of every disk-backed queue (`None`: memory).
#[derive(Debug, Clone, Default)]
pub struct DiskQueues {
    pub main: Option<StoreConfig>,
    pub rulesets: Vec<Option<StoreConfig>>,
    pub actions: Vec<Option<StoreConfig>>,
    /// Each queue's lock file, held while any copy of this lives.
    _locks: Arc<Vec<File>>,
}

impl DiskQueues {
    /// Every queue's spool directory, with the queue's label.
    pub fn dirs(&self) -> impl Iterator<Item = (&str, &std::path::Path)> {
        self.main
            .iter()
            .chain(self.rulesets.iter().flatten())
            .chain(self.actions.iter().flatten())
            .map(|c| (c.label.as_str(), c.dir.as_path()))
    }

    /// The files of `base` for one core's shard.
    pub fn shard(base: &StoreConfig, core: usize) -> StoreConfig {
        let mut c = base.clone();
        c.name = format!("{}.c{core}", base.name);
        c.label = format!("{} (core {core})", base.label);
        c
    }
}

fn base(plan: &Plan, q: &QueueParams, label: String) -> Option<StoreConfig> {
    let name = q.filename.clone()?;
    if q.kind == QueueType::Direct {
        return None;
    }
    let dir = q
        .spool_directory
        .clone()
        .or_else(|| plan.globals.work_directory.clone())
        .unwrap_or_else(|| ".".into());
    Some(StoreConfig {
        dir: PathBuf::from(dir),
        name,
        label,
        max_file_size: q.max_file_size.max(4096) as u64,
        max_disk_space: q.max_disk_space.max(0) as u64,
        sync: q.sync_queue_files,
        checkpoint_interval: q.checkpoint_interval.max(0) as u64,
    })
}

/// Works out and checks the disk-backed queues of `plan` on `cores` cores.
///
/// `owner`: the user and group privileges are dropped to; a spool
/// directory made here is given to them, so that they can write it.
pub fn plan(
    plan: &Plan,
    cores: usize,
    owner: Option<(Option<u32>, Option<u32>)>,
) -> Result<DiskQueues, DiskQueueError> {
    let d = DiskQueues {
        main: base(plan, &plan.main_queue, "the main queue".into()),
        rulesets: plan
            .rulesets
            .iter()
            .map(|r| {
                r.queue
                    .as_ref()
                    .and_then(|q| base(plan, q, format!("the queue of ruleset '{}'", r.name)))
            })
            .collect(),
        actions: plan
            .actions
            .iter()
            .map(|a| {
                base(
                    plan,
                    &a.queue,
                    format!("the queue of action '{}'", a.name()),
                )
                .map(|mut c| {
                    // Not rsyslog's `<filename>.NNNNNNNN`: its files are
                    // left alone.
                    c.name = format!("{}.action", c.name);
                    c
                })
            })
            .collect(),
        _locks: Arc::default(),
    };
    let mut locks = Vec::new();
    let sharded = d.main.iter().chain(d.rulesets.iter().flatten());
    let all: Vec<(&StoreConfig, bool)> = sharded
        .map(|c| (c, true))
        .chain(d.actions.iter().flatten().map(|c| (c, false)))
        .collect();
    for (i, (c, sharded)) in all.iter().enumerate() {
        if let Some((o, _)) = all[..i]
            .iter()
            .find(|(o, _)| o.dir == c.dir && o.name == c.name)
        {
            return Err(DiskQueueError::SharedName {
                first: o.label.clone(),
                second: c.label.clone(),
                name: c.name.clone(),
                dir: c.dir.clone(),
            });
        }
        let made = !c.dir.exists();
        let create = |source| DiskQueueError::CreateDir {
            label: c.label.clone(),
            dir: c.dir.clone(),
            source,
        };
        std::fs::create_dir_all(&c.dir).map_err(create)?;
        if let (true, Some((uid, gid))) = (made, owner) {
            std::os::unix::fs::chown(&c.dir, uid, gid).map_err(create)?;
        }
        locks.push(lock(c)?);
        if *sharded {
            let left = leftover_shards(c, cores);
            if let Some(&core) = left.iter().max() {
                return Err(DiskQueueError::LeftoverShards {
                    label: c.label.clone(),
                    dir: c.dir.clone(),
                    core,
                });
            }
        }
    }
    Ok(DiskQueues {
        _locks: Arc::new(locks),
        ..d
    })
}

/// Creates and locks `.<filename>.lock` in the queue's spool directory,
/// which also proves the directory writable. The lock (flock, released by
/// the kernel when the process ends, however it ends) keeps a second
/// corelogd from recovering and appending to the same queue files.
fn lock(c: &StoreConfig) -> Result<File, DiskQueueError> {
    let path = c.dir.join(format!(".{}.lock", c.name));
    let f = File::create(&path).map_err(|source| DiskQueueError::NotWritable {
        label: c.label.clone(),
        dir: c.dir.clone(),
        source,
    })?;
    use std::os::fd::AsRawFd;
    // SAFETY: flock takes the descriptor of `f`, which is open for the call.
    if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        let e = std::io::Error::last_os_error();
        return Err(if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
            DiskQueueError::Locked {
                label: c.label.clone(),
                dir: c.dir.clone(),
                name: c.name.clone(),
            }
        } else {
            DiskQueueError::Lock {
                label: c.label.clone(),
                path,
                source: e,
            }
        });
    }
    Ok(f)
}

/// Cores ≥ `cores` whose shard files (segments or checkpoint with
/// something left to read) are in the spool directory.
fn leftover_shards(c: &StoreConfig, cores: usize) -> Vec<usize> {
    let prefix = format!("{}.c", c.name);
    let Ok(dir) = std::fs::read_dir(&c.dir) else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let name = e.ok()?.file_name().into_string().ok()?;
        let rest = name.strip_prefix(&prefix)?;
        let (core, _) = rest.split_once('.')?;
        let shard = format!("{prefix}{core}");
        let segment = crate::queue::store::segment_number(&name, &shard).is_some();
        let core: usize = core.parse().ok()?;
        (segment && core >= cores).then_some(core)
    })
    .collect()
}
