//! imkafka's consumers: Kafka topics into the rules, on core 0.
//!
//! In: the plan's imkafka inputs, each a librdkafka consumer in its
//! consumer group, subscribed to its topic. Out: each non-empty message's
//! payload parsed by the input's ruleset's parsers (the word after the
//! time is the HOSTNAME only with `parseHostname`, as in rsyslog), input
//! name `imkafka`, enqueued into the ruleset's queue a poll's worth at a
//! time.
//!
//! Guarantees: a partition's offset is committed to the group only after
//! the messages before it were taken by the queue — for a Disk queue,
//! once they are durable there (`Shard::enqueue` waits for that). A kill
//! -9 therefore re-reads at most what was read and not yet queued, and
//! loses nothing a Disk queue took. A queue that is full stops the
//! polling (the consumer keeps the rest in the broker), and at stop what
//! was read and not queued is not committed: it is read again.
//!
//! With a memory queue, what it held when the process died is committed
//! and lost, as in rsyslog (docs/kafka.md).

use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::{Message as _, Offset, TopicPartitionList};

use crate::config::modules::imkafka::KafkaInput;
use crate::corectx::CoreCtx;
use crate::parse::chain::Chain;
use crate::Origin;

/// Messages taken from one poll at most (one enqueue).
const POLL_MAX: usize = 4096;
/// The pause when a poll found nothing.
const IDLE: Duration = Duration::from_millis(10);

/// Consumes `input` until corelogd stops.
pub async fn run(input: KafkaInput, parsers: Vec<Option<Arc<Chain>>>, ctx: Rc<CoreCtx>) {
    // An input: shutdown waits for it, and releases its wait for room.
    let _guard = ctx.tasks.enter();
    let consumer: BaseConsumer = match input.client_config().create() {
        Ok(c) => c,
        Err(e) => {
            crate::notice!(
                "imkafka: topic '{}': cannot make the consumer: {e}",
                input.topic
            );
            return;
        }
    };
    if let Err(e) = consumer.subscribe(&[&input.topic]) {
        crate::notice!("imkafka: cannot subscribe to '{}': {e}", input.topic);
        return;
    }
    let origin = Arc::new(Origin::new(&ctx.myhostname, "127.0.0.1", "imkafka"));
    let ruleset = input.ruleset as u32;
    let chain = parsers.get(input.ruleset).cloned().flatten();
    let opts = crate::parse::ParseOptions {
        no_hostname: !input.parse_hostname,
        ..ctx.parse
    };
    let shard = ctx.shard_for(ruleset).clone();
    let mut last_error = String::new();
    while !ctx.stop.is_stopped() {
        let mut items = shard.chunk();
        // Per partition read, the offsets of its first message and after
        // its last.
        let mut read: BTreeMap<i32, (i64, i64)> = BTreeMap::new();
        let now = ctx.clock.now();
        while items.len() < POLL_MAX {
            let Some(got) = consumer.poll(Duration::ZERO) else {
                break;
            };
            let m = match got {
                Ok(m) => m,
                Err(e) => {
                    let e = e.to_string();
                    if e != last_error {
                        crate::notice!("imkafka: topic '{}': {e}", input.topic);
                        last_error = e;
                    }
                    break;
                }
            };
            read.entry(m.partition())
                .and_modify(|r| r.1 = m.offset() + 1)
                .or_insert((m.offset(), m.offset() + 1));
            let Some(payload) = m.payload().filter(|p| !p.is_empty()) else {
                continue;
            };
            let frame = bytes::Bytes::copy_from_slice(payload);
            let (mut msg, _) =
                crate::parse::parse_chain(frame, &origin, now, &opts, chain.as_deref());
            msg.set_ruleset(ruleset);
            items.push(msg);
        }
        if read.is_empty() {
            shard.recycle(items);
            glommio::timer::sleep(IDLE).await;
            continue;
        }
        let taken = items.is_empty() || shard.enqueue(&mut items).await;
        shard.recycle(items);
        if !taken && (ctx.stop.is_stopped() || shard.is_closed()) {
            // Not queued: not committed, read again after the restart.
            break;
        }
        if !taken {
            // The queue's disk refused them (said and counted there): not
            // committed, and read again from the first, after a pause.
            for (&p, &(first, _)) in &read {
                if let Err(e) =
                    consumer.seek(&input.topic, p, Offset::Offset(first), Duration::ZERO)
                {
                    crate::notice!("imkafka: topic '{}' [{p}]: cannot go back to offset {first}: {e}; the messages from there are read again after a restart", input.topic);
                }
            }
            glommio::timer::sleep(Duration::from_secs(1)).await;
            continue;
        }
        // Only the partitions of this poll still assigned: one this
        // consumer lost in a rebalance is not committed with an old
        // offset.
        let owned = consumer.assignment().unwrap_or_default();
        let next: BTreeMap<i32, i64> = read
            .iter()
            .filter(|(&p, _)| owned.find_partition(&input.topic, p).is_some())
            .map(|(&p, &(_, next))| (p, next))
            .collect();
        commit(&consumer, &input.topic, &next);
        glommio::executor().yield_if_needed().await;
    }
    // Dropping the consumer closes it: librdkafka sends the commits still
    // in flight and leaves the group, waiting on the broker (seconds when
    // it is unreachable): on a thread of its own, awaited for a while, so
    // that core 0 goes on shutting down.
    let closed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let done = closed.clone();
    let closing = std::thread::Builder::new()
        .name("imkafka-close".into())
        .spawn(move || {
            drop(consumer);
            done.store(true, std::sync::atomic::Ordering::Release);
        });
    if closing.is_ok() {
        for _ in 0..CLOSE_WAIT_TICKS {
            if closed.load(std::sync::atomic::Ordering::Acquire) {
                break;
            }
            glommio::timer::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// How long a stop waits for the consumer to close, in 50 ms ticks.
const CLOSE_WAIT_TICKS: u32 = 100;

/// Commits `next` (partition → the offset after what is queued), without
/// waiting for the broker's answer (a commit covers everything before
/// its offset).
fn commit(c: &BaseConsumer, topic: &str, next: &BTreeMap<i32, i64>) {
    let mut tpl = TopicPartitionList::new();
    for (&p, &o) in next {
        if tpl
            .add_partition_offset(topic, p, Offset::Offset(o))
            .is_err()
        {
            return;
        }
    }
    if let Err(e) = c.commit(&tpl, CommitMode::Async) {
        crate::notice!("imkafka: topic '{topic}': committing the group's offsets failed: {e}; they are committed with the next batch");
    }
}
