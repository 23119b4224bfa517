//! What the tasks of one core share: its main-queue shard, the stop
//! signal, the clock and its counters. Lives on one executor (`Rc`).

pub mod clock;

use std::cell::Cell;
use std::rc::Rc;

use self::clock::Clock;
use crate::event::Event;
use crate::queue::shard::Shard;
use crate::ParseOptions;

/// Set once, when inputs must stop.
#[derive(Debug, Default)]
pub struct StopFlag {
    stopped: Cell<bool>,
    pub event: Event,
}

impl StopFlag {
    pub fn stop(&self) {
        self.stopped.set(true);
        self.event.notify();
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped.get()
    }

    /// Completes when the flag is set.
    pub async fn wait(&self) {
        while !self.is_stopped() {
            self.event.listen().await;
        }
    }
}

/// Input counters of one core.
#[derive(Debug, Default, Clone, Copy)]
pub struct InputStats {
    pub received: u64,
    pub bytes: u64,
    pub sessions_opened: u64,
    /// Connections closed at once: `maxSessions` live sessions, none idle
    /// for `sessionEvictIdle`.
    pub sessions_refused: u64,
    /// Connections closed at once: their address had
    /// `maxSessionsPerSource` sessions.
    pub sessions_refused_source: u64,
    /// Idle sessions closed to make room for a new one.
    pub sessions_evicted: u64,
    /// TLS sessions established.
    pub tls_handshakes: u64,
    /// TLS handshakes that failed or timed out (each said once, with the
    /// peer and why).
    pub tls_handshakes_failed: u64,
    pub dropped_ratelimit: u64,
    pub dropped_full: u64,
    pub receive_errors: u64,
    /// Connections and datagrams from senders `$AllowedSender` does not
    /// list, dropped before any parsing.
    pub denied: u64,
    /// Messages no parser of their ruleset's chain accepted, delivered
    /// unparsed.
    pub unparsed: u64,
}

impl InputStats {
    pub fn add(&self, o: &InputStats) -> InputStats {
        InputStats {
            received: self.received + o.received,
            bytes: self.bytes + o.bytes,
            sessions_opened: self.sessions_opened + o.sessions_opened,
            sessions_refused: self.sessions_refused + o.sessions_refused,
            sessions_refused_source: self.sessions_refused_source + o.sessions_refused_source,
            sessions_evicted: self.sessions_evicted + o.sessions_evicted,
            tls_handshakes: self.tls_handshakes + o.tls_handshakes,
            tls_handshakes_failed: self.tls_handshakes_failed + o.tls_handshakes_failed,
            dropped_ratelimit: self.dropped_ratelimit + o.dropped_ratelimit,
            dropped_full: self.dropped_full + o.dropped_full,
            receive_errors: self.receive_errors + o.receive_errors,
            denied: self.denied + o.denied,
            unparsed: self.unparsed + o.unparsed,
        }
    }
}

/// What the tasks of one core share.
pub struct CoreCtx {
    pub tasks: Rc<TaskGroup>,
    /// The main queue's shard.
    pub shard: Rc<Shard>,
    /// Per ruleset: its own queue's shard, when `ruleset(queue.*)` gave it
    /// one; `None` for rulesets that run from the main queue.
    pub ruleset_shards: Vec<Option<Rc<Shard>>>,
    pub stop: Rc<StopFlag>,
    pub parse: ParseOptions,
    pub clock: Clock,
    pub myhostname: String,
    /// The plan's global variables (`$/`), shared by every core.
    pub global_vars: std::sync::Arc<crate::rule::globals::Globals>,
    /// The plan's lookup tables (core 0 reloads them on SIGHUP).
    pub lookup_tables: Vec<std::sync::Arc<crate::rule::lookup::LookupTable>>,
    /// Per input (by [`crate::input::InputSpec::index`]): its counters on
    /// this core.
    pub stats: Vec<Cell<InputStats>>,
    /// What this core's sessions may hold in large receive buffers.
    pub recv_budget: crate::input::budget::RecvBudget,
}

impl CoreCtx {
    /// The shard that messages for `ruleset` are enqueued into.
    pub fn shard_for(&self, ruleset: u32) -> &Rc<Shard> {
        match self.ruleset_shards.get(ruleset as usize) {
            Some(Some(s)) => s,
            _ => &self.shard,
        }
    }

    /// Every shard of this core: the main queue's first.
    pub fn shards(&self) -> impl Iterator<Item = &Rc<Shard>> {
        std::iter::once(&self.shard).chain(self.ruleset_shards.iter().flatten())
    }

    /// Counts for input `input` (its spec's index) on this core.
    pub fn count(&self, input: usize, f: impl FnOnce(&mut InputStats)) {
        debug_assert!(input < self.stats.len(), "every input has its counters");
        if let Some(c) = self.stats.get(input) {
            let mut s = c.get();
            f(&mut s);
            c.set(s);
        }
    }

    /// Every input's counters on this core, summed.
    pub fn input_totals(&self) -> InputStats {
        self.stats
            .iter()
            .fold(InputStats::default(), |a, c| a.add(&c.get()))
    }
}

/// Counts live tasks (sessions, listeners) so shutdown can wait for them.
#[derive(Debug, Default)]
pub struct TaskGroup {
    live: Cell<usize>,
    done: Event,
}

impl TaskGroup {
    /// Registers a task; it leaves the group when the guard drops.
    pub fn enter(self: &Rc<Self>) -> TaskGuard {
        self.live.set(self.live.get() + 1);
        TaskGuard {
            group: self.clone(),
        }
    }

    pub fn live(&self) -> usize {
        self.live.get()
    }

    /// Completes when no task is left.
    pub async fn wait_empty(&self) {
        while self.live.get() > 0 {
            self.done.listen().await;
        }
    }
}

pub struct TaskGuard {
    group: Rc<TaskGroup>,
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        let g = &self.group;
        debug_assert!(g.live.get() > 0);
        g.live.set(g.live.get() - 1);
        g.done.notify();
    }
}
