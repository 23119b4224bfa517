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
//! In: chunks of messages from the queue, as many as are waiting up to
//! `queue.dequeueBatchSize` messages. Out: each batch of at most
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
//! chunks taken are not delivered yet: what a shutdown that gives up on a
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
    let mut taken = Vec::new();
    while let Some(first) = q.dequeue().await {
        // Chunks are what one read brought; a batch is filled from as
        // many as are waiting, so that a slow input's small chunks do not
        // each cost the output a round trip.
        taken.push(first);
        let mut n = taken[0].with(|c| c.len());
        while n < batch {
            let Some(mut t) = q.try_dequeue() else { break };
            n += t.with(|c| c.len());
            taken.push(t);
        }
        let mut left = n;
        for t in &mut taken {
            let len = t.with(|c| c.len());
            let mut at = 0;
            while at < len {
                if rendered.is_empty() {
                    in_flight.set(left as u64);
                    env.now = ctx.clock.now();
                    env.now_utc = env.now.to_utc();
                }
                let end = (at + batch - rendered.count as usize).min(len);
                if renderer.wants_seqs() {
                    // A message's number in the queue's files names it
                    // downstream; one from memory has none (0).
                    let seqs = t.seqs();
                    debug_assert!(seqs.is_empty() || seqs.len() == len);
                    rendered
                        .seqs
                        .extend((at..end).map(|i| seqs.get(i).copied().unwrap_or(0)));
                }
                t.with(|c| {
                    for m in &c[at..end] {
                        renderer.render(m, &env, &mut buf, &mut rendered);
                    }
                });
                at = end;
                if rendered.count as usize == batch {
                    left -= deliver(&runner, &mut rendered).await;
                }
            }
        }
        if !rendered.is_empty() {
            left -= deliver(&runner, &mut rendered).await;
        }
        debug_assert_eq!(left, 0);
        in_flight.set(0);
        for t in taken.drain(..) {
            q.done(t);
        }
    }
}

/// Hands one rendered batch to the action's runner; returns how many
/// messages it held.
async fn deliver(runner: &RwLock<ActionRunner>, rendered: &mut Rendered) -> usize {
    let n = rendered.count as usize;
    let mut r = runner.write().await.expect("action lock is never closed");
    r.deliver(rendered).await;
    drop(r);
    rendered.clear();
    n
}
