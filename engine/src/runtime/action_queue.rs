//! The worker of an action's own queue (`queue.type` other than Direct on
//! an action), on the core that owns the action.
//!
//! The queue itself is a [`Shard`] — the same engine as the main and
//! ruleset queues, so an action queue has what they have: FixedArray or
//! LinkedList, `queue.size`, `dequeueBatchSize`, `discardMark` /
//! `discardSeverity`, `timeoutEnqueue`, and Disk or disk-assisted with
//! `queue.filename`. Rule workers on every core put the messages that
//! reached the action in it (copies, whose bytes share one buffer per
//! batch, so a queued message holds no input's read buffer).
//!
//! In: chunks of messages from the queue. Out: each batch of at most
//! `queue.dequeueBatchSize` messages rendered with the action's template
//! and handed to the action's runner, which retries as the action says —
//! so an output that is slow, suspended or retrying forever holds only its
//! own queue, and the main queue goes on feeding the other actions. This
//! is what rsyslog's action queues are for, and as in rsyslog the template
//! is applied when the action runs, not when the message was queued.
//!
//! Guarantees: a chunk is given back to the queue (on disk: confirmed,
//! its records freed) only once every message in it was delivered; in
//! order. `in_flight` tells, at any moment, how many messages of the
//! chunk taken are not delivered yet: what a shutdown that gives up on a
//! stuck output gives up with the task.

use std::cell::Cell;
use std::rc::Rc;

use glommio::sync::RwLock;

use crate::corectx::CoreCtx;
use crate::output::runner::ActionRunner;
use crate::output::{Rendered, Renderer};
use crate::queue::shard::Shard;
use crate::{Env, RenderBuf};

/// Runs until the queue is closed and drained.
pub async fn work(
    ctx: Rc<CoreCtx>,
    q: Rc<Shard>,
    mut renderer: Renderer,
    runner: Rc<RwLock<ActionRunner>>,
    in_flight: Rc<Cell<u64>>,
) {
    let batch = q.batch_size();
    let mut buf = RenderBuf::new();
    let mut env = Env::with_globals(ctx.clock.now(), &ctx.myhostname, ctx.global_vars.clone());
    let mut rendered = Rendered::default();
    while let Some(mut taken) = q.dequeue().await {
        let n = taken.with(|c| c.len());
        let mut at = 0;
        while at < n {
            in_flight.set((n - at) as u64);
            let end = (at + batch).min(n);
            env.now = ctx.clock.now();
            env.now_utc = env.now.to_utc();
            taken.with(|c| {
                for m in &c[at..end] {
                    renderer.render(m, &env, &mut buf, &mut rendered);
                }
            });
            debug_assert_eq!(rendered.count as usize, end - at);
            let mut r = runner.write().await.expect("action lock is never closed");
            r.deliver(&rendered).await;
            drop(r);
            rendered.clear();
            at = end;
        }
        in_flight.set(0);
        q.done(taken);
    }
}
