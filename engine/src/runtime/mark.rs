//! immark: a mark message every `interval` seconds, on core 0.
//!
//! In: immark's [`MarkConfig`], and whether corelogd's own messages go
//! through the rules (`processInternalMessages`). Out: every interval,
//! one message — `-- MARK --` (or `markMessageText`), facility syslog,
//! severity info, tag `corelogd:`, input name `immark` — flagged as a
//! mark with `use.markFlag` (so actions with
//! `action.writeAllMarkMessages="off"` may skip it). With
//! `use.syslogCall` it goes where corelogd's own messages go: into the
//! default ruleset when they go through the rules, else to `/dev/log`
//! as syslog(3) would send it (as rsyslog's does; the flag does not
//! cross the socket); without it, or with a `ruleset`, straight into
//! that ruleset.
//!
//! Guarantees: the first mark comes one interval after start, as in
//! rsyslog; none is made once the inputs stop; a full queue holds a mark
//! at most `queue.timeoutEnqueue`, then drops it (counted by the queue).

use std::rc::Rc;
use std::sync::Arc;

use super::internal;
use crate::config::modules::immark::MarkConfig;
use crate::corectx::CoreCtx;
use crate::msg::{Message, Origin};

/// Severity info.
const INFO: u16 = 6;

/// Core 0: marks until the inputs stop.
pub async fn run(config: MarkConfig, internal_to_rules: bool, ctx: Rc<CoreCtx>, ruleset: u32) {
    let dev_log = (config.syslog_call && !internal_to_rules)
        .then(internal::dev_log)
        .flatten();
    let mut origin = Origin::new(&ctx.myhostname, "127.0.0.1", "immark");
    origin.mark = config.mark_flag;
    let origin = Arc::new(origin);
    let pri = internal::FACILITY * 8 + INFO;
    loop {
        futures_lite::future::or(ctx.stop.wait(), glommio::timer::sleep(config.interval)).await;
        if ctx.stop.is_stopped() {
            return;
        }
        let now = ctx.clock.now();
        if let Some(sock) = &dev_log {
            internal::send_dev_log(sock, pri, &config.text, &now);
            continue;
        }
        let shard = ctx.shard_for(ruleset);
        let mut items = shard.chunk();
        items.push(Message::generated(
            config.text.as_bytes(),
            b"corelogd:",
            ctx.myhostname.as_bytes(),
            pri,
            now,
            origin.clone(),
            ruleset,
        ));
        shard.enqueue_timeout(&mut items).await;
        shard.recycle(items);
    }
}
