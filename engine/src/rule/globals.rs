//! Global variables (`$/name`): one JSON tree per configuration, shared by
//! every core.
//!
//! In: `set`/`reset`/`unset` of `$/` paths and reads from filters and
//! templates, from any core. Out: the values. Guarantees, the same as
//! rsyslog's (which serialises `$/` with one mutex): each read, `set`,
//! `reset` and `unset` is atomic and sees every write that finished before
//! it, on any core; a statement that reads and then writes
//! (`set $/n = $/n + 1`) is two steps, so two cores running it at once can
//! lose an increment — count with `dyn_inc()` instead. A read returns a
//! copy, so a value never changes under an expression that is using it.
//! Messages never hold global variables, and the disk queue does not keep
//! them: they live as long as the process, as in rsyslog.

use std::sync::{Mutex, MutexGuard};

use crate::msg::json::{self, Json, NotSet, Path};

/// The most the `$/` tree may weigh ([`Json::weight`]): a `set` past it
/// changes nothing (its keys may come from senders, through
/// `parse_json(…, "$/…")`).
pub const GLOBALS_WEIGHT_MAX: usize = 64 << 20;

/// The `$/` tree.
#[derive(Debug, Default)]
pub struct Globals {
    tree: Mutex<Option<Json>>,
    /// What was set so far weighs, at most.
    weight: std::sync::atomic::AtomicUsize,
}

impl Globals {
    fn lock(&self) -> MutexGuard<'_, Option<Json>> {
        // A panic elsewhere while holding the lock leaves a whole tree
        // (every update is one assignment), so a poisoned lock is usable.
        self.tree.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A copy of the value at `path`.
    pub fn get(&self, path: &Path) -> Option<Json> {
        json::get(self.lock().as_ref(), path).cloned()
    }

    /// Whether `path` is set.
    pub fn exists(&self, path: &Path) -> bool {
        json::get(self.lock().as_ref(), path).is_some()
    }

    pub fn set(&self, path: &Path, value: Json, force: bool) -> Result<(), NotSet> {
        use std::sync::atomic::Ordering;
        let (depth, w) = value.measure();
        let mut tree = self.lock();
        let now = self.weight.load(Ordering::Relaxed);
        if now.saturating_add(w) > GLOBALS_WEIGHT_MAX {
            return Err(NotSet);
        }
        json::set_measured(&mut tree, path, value, depth, force)?;
        self.weight.store(now + w, Ordering::Relaxed);
        Ok(())
    }

    pub fn unset(&self, path: &Path) -> bool {
        json::unset(&mut self.lock(), path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn concurrent_updates_from_many_threads_all_land() {
        let g = Arc::new(Globals::default());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let g = g.clone();
                std::thread::spawn(move || {
                    for i in 0..500 {
                        let p = Path::parse(&format!("t{t}!k{}", i % 7));
                        g.set(&p, Json::Int(i), false).unwrap();
                        assert!(g.get(&p).is_some());
                        if i % 3 == 0 {
                            g.unset(&p);
                        }
                    }
                    g.set(&Path::parse(&format!("done{t}")), Json::Bool(true), false)
                        .unwrap();
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        for t in 0..4 {
            assert_eq!(
                g.get(&Path::parse(&format!("done{t}"))),
                Some(Json::Bool(true))
            );
            // The last write of each key is what remains: i = 499 is 499 % 7 = 2.
            assert_eq!(
                g.get(&Path::parse(&format!("t{t}!k2"))),
                Some(Json::Int(499))
            );
        }
    }
}
