//! `queue.*`: the parameters of `main_queue()`, `ruleset()` and
//! `action()` queues, and the legacy `$MainMsgQueue…` / `$ActionQueue…`
//! directives (the same names without `queue.`).
//!
//! In: a [`Resolved`] holding the object's `queue.*` parameters, and the
//! scope. Out: complete [`QueueParams`] with rsyslog's defaults for the
//! scope (see [`crate::config::queue`]), or errors for what a Direct
//! queue cannot carry out.

use super::why;
use crate::config::param::{Diag, Param, Resolved, Status, Table, Type, MS};
use crate::config::queue::{QueueParams, QueueScope, QueueType};

const INT: Type = Type::Int {
    min: -1,
    max: i32::MAX as i64,
};
/// At most rsyslog's limit, so the marks computed from it cannot overflow.
const QUEUE_SIZE: Type = Type::Size {
    min: -1,
    max: i32::MAX as i64,
};
const SIZE: Type = Type::Size {
    min: -1,
    max: i64::MAX,
};
pub const TYPES: &[&str] = &["FixedArray", "LinkedList", "Direct", "Disk"];
const QUEUE_TYPES: [QueueType; 4] = [
    QueueType::FixedArray,
    QueueType::LinkedList,
    QueueType::Direct,
    QueueType::Disk,
];
const _: () = assert!(TYPES.len() == QUEUE_TYPES.len());
const BY_SCOPE: &str = "main 100000; main_queue() and ruleset 50000; action 1000";
const WINDOW: &str =
    "dequeuing only between given hours is not built yet; messages would be delivered at any hour";
const SHUTDOWN_WAIT: &str = "corelogd's shutdown waits for an action in progress as long as the outputs make progress (docs/daemon.md), which gives up nothing this timeout would have kept";

/// `queue.*`.
pub static TABLE: Table = Table {
    object: "queue.* (main_queue(), ruleset(), action())",
    params: &[
        Param::new("queue.filename", Type::Str, "")
            .note("none: a memory queue; with a memory type, disk-assisted")
            .legacy("$ActionQueueFileName")
            .sample("sample-q"),
        Param::new("queue.spoolDirectory", Type::Path, "").note("workDirectory"),
        Param::new("queue.size", QUEUE_SIZE, "")
            .note(BY_SCOPE)
            .legacy("$ActionQueueSize")
            .sample("5000"),
        Param::new("queue.dequeueBatchSize", INT, "")
            .note("main 256; main_queue() and ruleset 1024; action 128")
            .legacy("$ActionQueueDequeueBatchSize")
            .sample("64"),
        Param::new("queue.minDequeueBatchSize", INT, "0").warned(why::BATCH),
        Param::new("queue.minDequeueBatchSize.timeout", MS, "1000").warned(why::BATCH),
        Param::new("queue.maxDiskSpace", SIZE, "0")
            .note("0: no limit")
            .legacy("$ActionQueueMaxDiskSpace"),
        Param::new("queue.highWatermark", INT, "")
            .note("90% of the size (main: 80000)")
            .legacy("$ActionQueueHighWaterMark")
            .sample("3000"),
        Param::new("queue.lowWatermark", INT, "")
            .note("70% of the high watermark (main: 20000)")
            .legacy("$ActionQueueLowWaterMark")
            .sample("1000"),
        Param::new("queue.fullDelayMark", INT, "")
            .note("97% of the size")
            .warned(why::FLOW),
        Param::new("queue.lightDelayMark", INT, "")
            .note("70% of the size; main and ruleset queues only (an action queue is fed by the rule engine, which rsyslog does not delay either, so it is accepted there with a warning)")
            .sample("2000"),
        Param::new("queue.discardMark", INT, "")
            .note("98% of the size")
            .legacy("$ActionQueueDiscardMark")
            .sample("4000"),
        Param::new("queue.discardSeverity", Type::Severity, "8")
            .note("8: discard nothing")
            .legacy("$ActionQueueDiscardSeverity"),
        Param::new("queue.checkpointInterval", INT, "0")
            .note("corelog counts the batches confirmed, not messages; 0: after every batch (see docs/diskqueue.md)")
            .legacy("$ActionQueueCheckpointInterval"),
        Param::new("queue.syncQueueFiles", Type::Bool, "off").legacy("$ActionQueueSyncQueueFiles"),
        Param::new("queue.type", Type::Enum(TYPES), "")
            .note("FixedArray; action: Direct")
            .legacy("$ActionQueueType")
            .sample("LinkedList"),
        Param::new("queue.workerThreads", INT, "")
            .note("main 2; else 1")
            .legacy("$ActionQueueWorkerThreads")
            .warned(why::THREADS),
        Param::new("queue.timeoutShutdown", MS, "")
            .note("1500; action 10. corelogd drains as long as the outputs make progress, and gives up after the longest timeoutShutdown of all its queues without progress")
            .legacy("$ActionQueueTimeoutShutdown")
            .sample("3000"),
        Param::new("queue.timeoutActionCompletion", MS, "1000")
            .legacy("$ActionQueueTimeoutActionCompletion")
            .warned(SHUTDOWN_WAIT),
        Param::new("queue.timeoutEnqueue", MS, "2000")
            .legacy("$ActionQueueTimeoutEnqueue"),
        Param::new("queue.timeoutWorkerThreadShutdown", MS, "60000")
            .legacy("$ActionQueueWorkerTimeoutThreadShutdown")
            .warned(why::THREADS),
        Param::new("queue.workerThreadMinimumMessages", INT, "")
            .note("size / workerThreads")
            .legacy("$ActionQueueWorkerThreadMinimumMessages")
            .warned(why::THREADS),
        Param::new("queue.maxFileSize", SIZE, "")
            .note("1m; main_queue() and ruleset 16m")
            .legacy("$ActionQueueMaxFileSize")
            .sample("2m"),
        Param::new("queue.saveOnShutdown", Type::Bool, "on").legacy("$ActionQueueSaveOnShutdown"),
        Param::new(
            "queue.dequeueSlowdown",
            Type::Duration {
                unit: crate::config::param::Unit::Microseconds,
                min: 0,
                max: i32::MAX as i64,
            },
            "0",
        )
        .legacy("$ActionQueueDequeueSlowdown")
        .warned("it only slows delivery down; corelogd delivers every message the same, sooner"),
        Param::new("queue.dequeueTimeBegin", Type::Int { min: 0, max: 25 }, "0")
            .legacy("$ActionQueueDequeueTimeBegin")
            .refused(WINDOW),
        Param::new("queue.dequeueTimeEnd", Type::Int { min: 0, max: 25 }, "25")
            .legacy("$ActionQueueDequeueTimeEnd")
            .refused(WINDOW),
        Param::new("queue.cry.provider", Type::Str, "").refused(why::SIGNING),
        Param::new("queue.samplingInterval", INT, "0").refused(
            "sampling is not built yet; every message would be delivered, not one in samplingInterval",
        ),
        Param::new("queue.takeFlowCtlFromMsg", Type::Bool, "off").warned(why::FLOW),
    ],
};

/// The legacy suffixes (`$MainMsgQueue<Suffix>`, `$ActionQueue<Suffix>`)
/// and the parameter each sets.
pub const LEGACY_SUFFIXES: &[(&str, &str)] = &[
    ("Type", "queue.type"),
    ("Size", "queue.size"),
    ("DequeueBatchSize", "queue.dequeueBatchSize"),
    ("MaxDiskSpace", "queue.maxDiskSpace"),
    ("HighWaterMark", "queue.highWatermark"),
    ("LowWaterMark", "queue.lowWatermark"),
    ("DiscardMark", "queue.discardMark"),
    ("DiscardSeverity", "queue.discardSeverity"),
    ("CheckpointInterval", "queue.checkpointInterval"),
    ("SyncQueueFiles", "queue.syncQueueFiles"),
    ("WorkerThreads", "queue.workerThreads"),
    ("TimeoutShutdown", "queue.timeoutShutdown"),
    ("TimeoutActionCompletion", "queue.timeoutActionCompletion"),
    ("TimeoutEnqueue", "queue.timeoutEnqueue"),
    (
        "WorkerTimeoutThreadShutdown",
        "queue.timeoutWorkerThreadShutdown",
    ),
    (
        "WorkerThreadMinimumMessages",
        "queue.workerThreadMinimumMessages",
    ),
    ("MaxFileSize", "queue.maxFileSize"),
    ("SaveOnShutdown", "queue.saveOnShutdown"),
    ("DequeueSlowdown", "queue.dequeueSlowdown"),
    ("DequeueTimeBegin", "queue.dequeueTimeBegin"),
    ("DequeueTimeEnd", "queue.dequeueTimeEnd"),
    ("FileName", "queue.filename"),
];

/// Reads the queue parameters of `r` over `q` (the scope's defaults),
/// then applies rsyslog's corrections (warnings for each).
pub fn resolve(
    r: &Resolved,
    scope: QueueScope,
    mut q: QueueParams,
    diag: &mut Diag,
) -> QueueParams {
    let int = |name: &str, field: &mut i64| {
        if let Some(n) = r.given_int(name) {
            *field = n;
        }
    };
    if let Some(t) = r.given_int("queue.type") {
        q.kind = QUEUE_TYPES[t as usize];
    }
    int("queue.size", &mut q.size);
    int("queue.dequeueBatchSize", &mut q.dequeue_batch_size);
    int("queue.highWatermark", &mut q.high_watermark);
    int("queue.lowWatermark", &mut q.low_watermark);
    int("queue.discardMark", &mut q.discard_mark);
    int("queue.discardSeverity", &mut q.discard_severity);
    int("queue.lightDelayMark", &mut q.light_delay_mark);
    int("queue.timeoutEnqueue", &mut q.timeout_enqueue_ms);
    int("queue.timeoutShutdown", &mut q.timeout_shutdown_ms);
    int("queue.maxFileSize", &mut q.max_file_size);
    int("queue.maxDiskSpace", &mut q.max_disk_space);
    int("queue.checkpointInterval", &mut q.checkpoint_interval);
    if let Some(f) = r.given_str("queue.filename") {
        q.filename = Some(f);
    }
    if let Some(d) = r.given_str("queue.spoolDirectory") {
        q.spool_directory = Some(super::global::without_trailing_slash(&d));
    }
    if let Some(b) = r.given_bool("queue.syncQueueFiles") {
        q.sync_queue_files = b;
    }
    if let Some(b) = r.given_bool("queue.saveOnShutdown") {
        q.save_on_shutdown = b;
    }
    if q.kind == QueueType::Direct {
        let given: Vec<&str> = TABLE
            .params
            .iter()
            .filter(|p| p.name != "queue.type" && p.status == Status::Supported && r.given(p.name))
            .map(|p| p.name)
            .collect();
        for name in given {
            diag.err(r.pos_of(name), format!("{name} in {} has no effect on a Direct queue (the action runs in the caller's batch; rsyslog ignores it there): add queue.type=\"LinkedList\", \"FixedArray\" or \"Disk\" for a queue of the action's own", r.what()));
        }
    }
    if scope == QueueScope::Action && r.given("queue.lightDelayMark") {
        diag.warn(
            r.pos_of("queue.lightDelayMark"),
            format!("queue.lightDelayMark in {} has no effect: an action queue is fed by the rule engine, not by an input that could be delayed (rsyslog does not delay it either)", r.what()),
        );
    }
    for w in q.correct() {
        diag.warn(r.pos(), w);
    }
    q
}

/// Whether `r` gives any `queue.*` parameter (a ruleset then has a queue
/// of its own).
pub fn any_given(r: &Resolved) -> bool {
    TABLE.params.iter().any(|p| r.given(p.name))
}
