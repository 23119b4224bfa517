//! The main-queue worker of one core: batches through the rules, rendered
//! batches to the actions.
//!
//! In: batches from this core's shard (each message tagged with its
//! ruleset). Out: for every action a batch reached, one [`Batch`]: for an
//! action without a queue, the messages rendered with its template; for
//! an action with a queue of its own, copies of the messages, for that
//! queue (rendered by its worker). A batch is delivered in place when
//! this core owns the action, or handed through a bounded channel to the
//! owning core (waiting when it is full, which backs the shard up and so
//! stops the inputs).
//!
//! Guarantees: messages reach each action in shard order; per batch, the
//! worker allocates only scratch that it reuses (and, for actions on other
//! cores, one buffer handed over whole), except for actions with a queue,
//! which get copies of the messages (their bytes in one allocation per
//! batch, so a queued message holds no input's read buffer); a suspended action gets nothing
//! rendered and reports `Suspended`, so `execOnlyWhenPreviousIsSuspended`
//! actions take over.

use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use glommio::channels::shared_channel::ConnectedSender;
use glommio::sync::RwLock;

use crate::config::ActionDef;
use crate::output::runner::{ActionRunner, ActionShared};
use crate::output::{Rendered, Renderer};
use crate::rule::{run_batch, ActionResult, ActionSink, BatchState, Stmt};
use crate::{Env, Message, RenderBuf};

use crate::corectx::CoreCtx;
use crate::queue::shard::{Chunk, Shard, Taken};

/// Where an action's batches go from this core.
#[derive(Clone)]
pub enum Route {
    Local(Target),
    Remote(Rc<Remote>),
}

/// The channel to an action's owning core, and the count of batches the
/// owner has taken care of (delivered, or queued in the action's queue).
pub struct Remote {
    pub tx: ConnectedSender<Batch>,
    pub acked: Arc<AtomicU64>,
    sent: std::cell::Cell<u64>,
}

impl Remote {
    pub fn new(tx: ConnectedSender<Batch>, acked: Arc<AtomicU64>) -> Remote {
        Remote {
            tx,
            acked,
            sent: Default::default(),
        }
    }
}

impl Route {
    /// Batches sent to the owning core so far (0 for a local action).
    fn sent(&self) -> u64 {
        match self {
            Route::Remote(r) => r.sent.get(),
            Route::Local(_) => 0,
        }
    }

    /// Batches the owning core has taken care of.
    fn acked(&self) -> u64 {
        match self {
            Route::Remote(r) => r.acked.load(Ordering::Acquire),
            Route::Local(_) => 0,
        }
    }
}

/// What a rule worker hands an action.
#[derive(Debug)]
pub enum Batch {
    /// Rendered by the rule worker, for an action without a queue.
    Rendered(Rendered),
    /// Messages for the action's own queue.
    Messages(Chunk),
}

impl Batch {
    /// Messages in the batch.
    pub fn len(&self) -> usize {
        match self {
            Batch::Rendered(r) => r.count as usize,
            Batch::Messages(c) => c.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Batch::Rendered(r) => r.is_empty(),
            Batch::Messages(c) => c.is_empty(),
        }
    }

    /// Takes the contents, leaving an empty batch with room for one as
    /// large.
    fn take_reserving(&mut self) -> Batch {
        match self {
            Batch::Rendered(r) => {
                let (d, p, n) = (r.data.len(), r.paths.len(), r.recs.len());
                let full = std::mem::take(r);
                r.data.reserve(d);
                r.paths.reserve(p);
                r.recs.reserve(n);
                Batch::Rendered(full)
            }
            Batch::Messages(c) => {
                let n = c.len();
                Batch::Messages(std::mem::replace(c, Vec::with_capacity(n)))
            }
        }
    }
}

/// An action on its owning core: run in place (Direct), or queued for the
/// action's own worker.
#[derive(Clone)]
pub enum Target {
    Direct(Rc<RwLock<ActionRunner>>),
    Queued(Rc<Shard>),
}

impl Target {
    /// Delivers `b`, or queues it; leaves it empty, its buffers kept where
    /// possible. A queue that stays full past `queue.timeoutEnqueue` drops
    /// (and counts) what it has no room for, as rsyslog does.
    pub async fn deliver(&self, b: &mut Batch) {
        match (self, b) {
            (Target::Direct(runner), Batch::Rendered(r)) => {
                let mut runner = runner.write().await.expect("action lock is never closed");
                runner.deliver(r).await;
                r.clear();
            }
            (Target::Queued(q), Batch::Messages(c)) => {
                q.enqueue_timeout_durable(c).await;
                debug_assert!(c.is_empty());
            }
            (_, b) => unreachable!("a batch of the other kind for this action: {b:?}"),
        }
    }
}

/// One action as seen from this core's worker.
pub struct WorkerAction {
    /// For an action without a queue (one with a queue renders in its
    /// queue's worker).
    pub renderer: Option<Renderer>,
    /// What this core has for the action and not yet handed over: of the
    /// kind its target takes.
    pub pending: Batch,
    pub route: Route,
    pub shared: Arc<ActionShared>,
    pub exec_only_when_previous_is_suspended: bool,
    /// With `action.writeAllMarkMessages="off"` and immark loaded: half
    /// of immark's interval, in seconds; a mark is skipped when the
    /// action was given a message more recently than that.
    pub mark_skip_s: Option<u64>,
}

impl WorkerAction {
    /// `mark_interval`: immark's, when it is loaded.
    pub fn new(
        def: &ActionDef,
        route: Route,
        shared: Arc<ActionShared>,
        mark_interval: Option<std::time::Duration>,
    ) -> WorkerAction {
        let queued = def.queue.kind != crate::config::queue::QueueType::Direct;
        WorkerAction {
            renderer: (!queued).then(|| Renderer::new(def)),
            pending: match queued {
                true => Batch::Messages(Vec::new()),
                false => Batch::Rendered(Rendered::default()),
            },
            route,
            shared,
            exec_only_when_previous_is_suspended: def.common.exec_only_when_previous_is_suspended,
            mark_skip_s: mark_interval
                .filter(|_| !def.common.write_all_mark_messages)
                .map(|i| i.as_secs() / 2),
        }
    }

    /// rsyslog's mark check: of `which`, the messages this action takes
    /// (into `kept`), skipping marks that come within `mark_skip_s` of
    /// the last message it took; `None` when it takes them all. A skipped
    /// mark counts as done.
    fn skip_marks<'k>(
        &self,
        msgs: &[Message],
        which: &[u32],
        now_s: u64,
        kept: &'k mut Vec<u32>,
        results: &mut [ActionResult],
    ) -> Option<&'k [u32]> {
        let half = self.mark_skip_s?;
        kept.clear();
        let last = &self.shared.last_message_s;
        for &i in which {
            let recent = now_s.saturating_sub(last.load(Ordering::Relaxed)) < half;
            if recent && msgs[i as usize].origin().mark {
                results[i as usize] = ActionResult::Ok;
                continue;
            }
            // At most one store a second from each core.
            if last.load(Ordering::Relaxed) < now_s {
                last.store(now_s, Ordering::Relaxed);
            }
            kept.push(i);
        }
        Some(kept)
    }
}

struct Sink<'a> {
    actions: &'a mut [WorkerAction],
    env: &'a Env,
    buf: &'a mut RenderBuf,
    /// The messages an action takes, when it skips marks.
    kept: &'a mut Vec<u32>,
}

impl ActionSink for Sink<'_> {
    fn action_flag(&self, action: usize) -> bool {
        self.actions[action].exec_only_when_previous_is_suspended
    }

    fn run(
        &mut self,
        action: usize,
        msgs: &[Message],
        which: &[u32],
        results: &mut [ActionResult],
    ) {
        let a = &mut self.actions[action];
        let now_s = || self.env.now.unix_seconds().max(0) as u64;
        let which = match a.mark_skip_s {
            Some(_) => match a.skip_marks(msgs, which, now_s(), self.kept, results) {
                Some(kept) => kept,
                None => which,
            },
            None => which,
        };
        let (renderer, out) = match (&mut a.renderer, &mut a.pending) {
            // The action has a queue of its own: enqueueing always
            // succeeds, as in rsyslog, and suspension is the queue
            // worker's business.
            (_, Batch::Messages(c)) => {
                Message::detach_all(msgs, which, c);
                for &i in which {
                    results[i as usize] = ActionResult::Ok;
                }
                return;
            }
            (Some(renderer), Batch::Rendered(out)) => (renderer, out),
            (None, Batch::Rendered(_)) => unreachable!("an action without a queue has a renderer"),
        };
        if a.shared.suspended.load(Ordering::Relaxed) {
            a.shared
                .discarded
                .fetch_add(which.len() as u64, Ordering::Relaxed);
            for &i in which {
                results[i as usize] = ActionResult::Suspended;
            }
            return;
        }
        for &i in which {
            renderer.render(&msgs[i as usize], self.env, self.buf, out);
            results[i as usize] = ActionResult::Ok;
        }
    }
}

/// Runs until the shard is closed and drained.
pub async fn run(
    ctx: Rc<CoreCtx>,
    shard: Rc<Shard>,
    rulesets: Rc<Vec<Vec<Stmt>>>,
    mut actions: Vec<WorkerAction>,
) {
    let mut state = BatchState::default();
    let mut buf = RenderBuf::new();
    let mut kept = Vec::new();
    let mut env = Env::with_globals(ctx.clock.now(), &ctx.myhostname, ctx.global_vars.clone());
    let batch = shard.batch_size();
    let mut unconfirmed = VecDeque::new();
    while let Some(mut taken) = shard.dequeue().await {
        let n = taken.with(|c| c.len());
        let mut at = 0;
        while at < n {
            let end = (at + batch).min(n);
            env.now = ctx.clock.now();
            env.now_utc = env.now.to_utc();
            taken.with(|c| {
                let msgs = &mut c[at..end];
                // Runs of messages for the same ruleset, each as one batch.
                let mut start = 0;
                while start < msgs.len() {
                    let ruleset = msgs[start].ruleset();
                    let len = msgs[start..]
                        .iter()
                        .take_while(|m| m.ruleset() == ruleset)
                        .count();
                    let mut sink = Sink {
                        actions: &mut actions,
                        env: &env,
                        buf: &mut buf,
                        kept: &mut kept,
                    };
                    let run = &mut msgs[start..start + len];
                    run_batch(
                        &rulesets,
                        ruleset as usize,
                        run,
                        &env,
                        &mut sink,
                        &mut state,
                    );
                    start += len;
                }
            });
            deliver(&mut actions).await;
            at = end;
        }
        if shard.spool().is_none() {
            shard.done(taken);
            continue;
        }
        // A spooled chunk is confirmed only once the owning cores have its
        // batches: until then it stays the queue's (saved at shutdown, or
        // on disk across a crash). Chunks wait for that in a window, in
        // order, so the worker goes on meanwhile.
        let sent = actions.iter().map(|a| a.route.sent()).collect();
        unconfirmed.push_back((taken, sent));
        confirm_acked(&shard, &actions, &mut unconfirmed);
        let mut pause = std::time::Duration::from_micros(100);
        while unconfirmed.len() > UNCONFIRMED_MAX || !unconfirmed.is_empty() && shard.is_empty() {
            glommio::timer::sleep(pause).await;
            pause = (pause * 2).min(std::time::Duration::from_millis(5));
            confirm_acked(&shard, &actions, &mut unconfirmed);
        }
    }
}

/// Chunks of a spooled shard that may wait for confirmation at once.
const UNCONFIRMED_MAX: usize = 16;

/// Confirms, oldest first, the chunks whose batches every owning core has.
fn confirm_acked(
    shard: &Shard,
    actions: &[WorkerAction],
    unconfirmed: &mut VecDeque<(Taken, Vec<u64>)>,
) {
    while let Some((_, sent)) = unconfirmed.front() {
        let acked = actions.iter().zip(sent).all(|(a, &n)| a.route.acked() >= n);
        if !acked {
            break;
        }
        let (taken, _) = unconfirmed.pop_front().expect("looked at above");
        shard.done(taken);
    }
}

async fn deliver(actions: &mut [WorkerAction]) {
    for a in actions.iter_mut() {
        if a.pending.is_empty() {
            continue;
        }
        match &a.route {
            Route::Local(target) => target.deliver(&mut a.pending).await,
            Route::Remote(r) => {
                let full = a.pending.take_reserving();
                r.sent.set(r.sent.get() + 1);
                if r.tx.send(full).await.is_err() {
                    crate::notice!(
                        "corelogd: an action's owning core has stopped; a batch for it was lost."
                    );
                }
            }
        }
    }
}
