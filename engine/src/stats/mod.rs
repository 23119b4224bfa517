//! Statistics: every core's counters, published by the core itself and
//! summed by whoever reports them (impstats).
//!
//! In: once a second, each core's snapshot of its own counters (its
//! inputs', its shards'), taken by its housekeeping task. Out: the sum
//! over cores, for [`impstats`]. Guarantees: the data path only ever
//! touches its own core's plain counters (`Cell`s); the one lock here is
//! taken once a second per core and by a report, never per message. A
//! report is at most a second behind the counters.

pub mod impstats;
pub mod line;
pub mod prometheus;
pub mod rusage;

use std::sync::Mutex;
use std::time::Instant;

use crate::corectx::{CoreCtx, InputStats};
use crate::queue::shard::ShardStats;

/// A shard's counters and how many messages it holds.
#[derive(Debug, Default, Clone, Copy)]
pub struct ShardSnapshot {
    pub stats: ShardStats,
    pub len: u64,
}

impl ShardSnapshot {
    fn add(&self, o: &ShardSnapshot) -> ShardSnapshot {
        ShardSnapshot {
            stats: self.stats.add(&o.stats),
            len: self.len + o.len,
        }
    }
}

/// One core's counters at one moment.
#[derive(Debug, Default, Clone)]
pub struct CoreSnapshot {
    /// Per input (by its spec's index).
    pub inputs: Vec<InputStats>,
    /// The main queue's shard.
    pub main: ShardSnapshot,
    /// Per ruleset: its own queue's shard, if it has one.
    pub rulesets: Vec<Option<ShardSnapshot>>,
    /// Per action (by its index in the plan): its own queue, where it has
    /// one and this core owns it.
    pub actions: Vec<Option<ShardSnapshot>>,
    /// Why a disk queue of the core takes nothing more (poisoned).
    pub poisoned: Vec<String>,
}

impl CoreSnapshot {
    /// What `ctx` holds now, and the queues of the actions this core
    /// owns (action index, queue).
    pub fn of(
        ctx: &CoreCtx,
        action_queues: &[(usize, std::rc::Rc<crate::queue::shard::Shard>)],
    ) -> CoreSnapshot {
        let shard = |s: &crate::queue::shard::Shard| ShardSnapshot {
            stats: s.stats(),
            len: s.len() as u64,
        };
        CoreSnapshot {
            inputs: ctx.stats.iter().map(std::cell::Cell::get).collect(),
            main: shard(&ctx.shard),
            rulesets: ctx
                .ruleset_shards
                .iter()
                .map(|s| s.as_deref().map(shard))
                .collect(),
            actions: {
                let n = action_queues.iter().map(|(a, _)| a + 1).max().unwrap_or(0);
                let mut v = vec![None; n];
                for (a, q) in action_queues {
                    v[*a] = Some(shard(q));
                }
                v
            },
            poisoned: ctx
                .shards()
                .filter_map(|s| s.spool()?.store.poisoned())
                .collect(),
        }
    }

    fn add(&mut self, o: &CoreSnapshot) {
        if self.inputs.len() < o.inputs.len() {
            self.inputs.resize(o.inputs.len(), InputStats::default());
        }
        for (a, b) in self.inputs.iter_mut().zip(&o.inputs) {
            *a = a.add(b);
        }
        self.main = self.main.add(&o.main);
        if self.rulesets.len() < o.rulesets.len() {
            self.rulesets.resize(o.rulesets.len(), None);
        }
        for (a, b) in self.rulesets.iter_mut().zip(&o.rulesets) {
            *a = match (*a, b) {
                (Some(x), Some(y)) => Some(x.add(y)),
                (x, y) => x.or(*y),
            };
        }
        if self.actions.len() < o.actions.len() {
            self.actions.resize(o.actions.len(), None);
        }
        for (a, b) in self.actions.iter_mut().zip(&o.actions) {
            // One core owns each action.
            debug_assert!(a.is_none() || b.is_none());
            *a = a.or(*b);
        }
        self.poisoned.extend(o.poisoned.iter().cloned());
    }
}

/// Where the cores publish their snapshots: one slot per core.
#[derive(Debug)]
pub struct Board {
    /// Per core: when it last published, and what.
    cores: Vec<Mutex<(Option<Instant>, CoreSnapshot)>>,
}

impl Board {
    pub fn new(cores: usize) -> Board {
        Board {
            cores: (0..cores).map(|_| Mutex::default()).collect(),
        }
    }

    /// Core `core`'s counters, as of now.
    pub fn publish(&self, core: usize, snapshot: CoreSnapshot) {
        debug_assert!(core < self.cores.len());
        if let Some(slot) = self.cores.get(core) {
            *slot.lock().unwrap_or_else(|e| e.into_inner()) = (Some(Instant::now()), snapshot);
        }
    }

    /// Every core's last snapshot, summed; and each core's own.
    pub fn read(&self) -> (CoreSnapshot, Vec<CoreSnapshot>) {
        let each: Vec<CoreSnapshot> = self
            .cores
            .iter()
            .map(|c| c.lock().unwrap_or_else(|e| e.into_inner()).1.clone())
            .collect();
        let mut sum = CoreSnapshot::default();
        for c in &each {
            sum.add(c);
        }
        (sum, each)
    }

    /// Per core: how long ago it last published (`None`: never).
    pub fn ages(&self) -> Vec<Option<std::time::Duration>> {
        self.cores
            .iter()
            .map(|c| {
                c.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .0
                    .map(|t| t.elapsed())
            })
            .collect()
    }
}
