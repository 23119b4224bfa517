//! Queue parameters (`queue.*` and the legacy `$MainMsgQueue…` /
//! `$ActionQueue…` directives) with rsyslog's defaults per scope and its
//! start-up corrections of out-of-range values (`qqueueCorrectParams`).
//!
//! In: the scope (main queue without `main_queue()`, `main_queue()` or a
//! ruleset queue, an action queue) and the parameters given. Out: complete,
//! corrected [`QueueParams`], and warnings for what was corrected.
//! Reference: ../shared/design/RSYSLOG_SEMANTICS.md part B.2.

/// `queue.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueType {
    Direct,
    FixedArray,
    LinkedList,
    Disk,
}

impl QueueType {
    pub fn parse(s: &str) -> Option<QueueType> {
        match s.to_ascii_lowercase().as_str() {
            "direct" => Some(QueueType::Direct),
            "fixedarray" => Some(QueueType::FixedArray),
            "linkedlist" => Some(QueueType::LinkedList),
            "disk" => Some(QueueType::Disk),
            _ => None,
        }
    }
}

/// Which defaults apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueScope {
    /// The main queue when the config has no `main_queue()` statement.
    MainLegacy,
    /// `main_queue()` (any use of it) and ruleset queues.
    Ruleset,
    Action,
}

/// Every queue parameter, complete. Times in milliseconds unless named.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueParams {
    pub kind: QueueType,
    pub size: i64,
    pub dequeue_batch_size: i64,
    pub worker_threads: i64,
    pub worker_thread_minimum_messages: i64,
    pub high_watermark: i64,
    pub low_watermark: i64,
    pub discard_mark: i64,
    pub discard_severity: i64,
    pub full_delay_mark: i64,
    pub light_delay_mark: i64,
    pub timeout_enqueue_ms: i64,
    pub timeout_shutdown_ms: i64,
    pub timeout_action_completion_ms: i64,
    pub timeout_worker_thread_shutdown_ms: i64,
    pub dequeue_slowdown_us: i64,
    /// `queue.filename`: with a memory type, the queue is disk-assisted.
    pub filename: Option<String>,
    pub spool_directory: Option<String>,
    pub max_file_size: i64,
    pub max_disk_space: i64,
    pub checkpoint_interval: i64,
    pub sync_queue_files: bool,
    pub save_on_shutdown: bool,
}

/// The `queue.*` names accepted, in rsyslog's spelling.
pub const PARAM_NAMES: &[&str] = &[
    "queue.type",
    "queue.size",
    "queue.dequeueBatchSize",
    "queue.minDequeueBatchSize",
    "queue.minDequeueBatchSize.timeout",
    "queue.workerThreads",
    "queue.workerThreadMinimumMessages",
    "queue.highWatermark",
    "queue.lowWatermark",
    "queue.discardMark",
    "queue.discardSeverity",
    "queue.fullDelayMark",
    "queue.lightDelayMark",
    "queue.timeoutEnqueue",
    "queue.timeoutShutdown",
    "queue.timeoutActionCompletion",
    "queue.timeoutWorkerthreadShutdown",
    "queue.dequeueSlowdown",
    "queue.filename",
    "queue.spoolDirectory",
    "queue.maxFileSize",
    "queue.maxDiskSpace",
    "queue.checkpointInterval",
    "queue.syncQueueFiles",
    "queue.saveOnShutdown",
    "queue.dequeueTimeBegin",
    "queue.dequeueTimeEnd",
    "queue.samplingInterval",
    "queue.cry.provider",
    "queue.takeFlowCtlFromMsg",
];

impl QueueParams {
    /// rsyslog's defaults for `scope`.
    pub fn defaults(scope: QueueScope) -> QueueParams {
        let (kind, size, batch, workers, max_file) = match scope {
            QueueScope::MainLegacy => (QueueType::FixedArray, 100_000, 256, 2, 1 << 20),
            QueueScope::Ruleset => (QueueType::FixedArray, 50_000, 1024, 1, 16 << 20),
            QueueScope::Action => (QueueType::Direct, 1000, 128, 1, 1 << 20),
        };
        let mut q = QueueParams {
            kind,
            size,
            dequeue_batch_size: batch,
            worker_threads: workers,
            worker_thread_minimum_messages: -1,
            high_watermark: -1,
            low_watermark: -1,
            discard_mark: -1,
            discard_severity: 8,
            full_delay_mark: -1,
            light_delay_mark: -1,
            timeout_enqueue_ms: 2000,
            timeout_shutdown_ms: if scope == QueueScope::Action {
                10
            } else {
                1500
            },
            timeout_action_completion_ms: 1000,
            timeout_worker_thread_shutdown_ms: 60_000,
            dequeue_slowdown_us: 0,
            filename: None,
            spool_directory: None,
            max_file_size: max_file,
            max_disk_space: 0,
            checkpoint_interval: 0,
            sync_queue_files: false,
            save_on_shutdown: true,
        };
        if scope == QueueScope::MainLegacy {
            q.worker_thread_minimum_messages = 40_000;
            q.high_watermark = 80_000;
            q.low_watermark = 20_000;
        }
        q
    }

    /// Sets one `queue.*` parameter (name without the `queue.` prefix,
    /// case-insensitive). `Err` says what is wrong with the value.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let int = || parse_size(value).ok_or_else(|| format!("expected a number, not '{value}'"));
        let boolean =
            || parse_bool(value).ok_or_else(|| format!("expected on or off, not '{value}'"));
        match name.to_ascii_lowercase().as_str() {
            "type" => {
                self.kind = QueueType::parse(value).ok_or_else(|| {
                    format!(
                        "unknown queue type '{value}'{}",
                        super::suggestion(value, ["Direct", "FixedArray", "LinkedList", "Disk"])
                    )
                })?
            }
            "size" => self.size = int()?,
            "dequeuebatchsize" => self.dequeue_batch_size = int()?,
            "workerthreads" => self.worker_threads = int()?,
            "workerthreadminimummessages" => self.worker_thread_minimum_messages = int()?,
            "highwatermark" => self.high_watermark = int()?,
            "lowwatermark" => self.low_watermark = int()?,
            "discardmark" => self.discard_mark = int()?,
            "discardseverity" => {
                self.discard_severity = match crate::msg::pri::severity_from_name(value) {
                    Some(s) => i64::from(s),
                    None => int()?,
                }
            }
            "fulldelaymark" => self.full_delay_mark = int()?,
            "lightdelaymark" => self.light_delay_mark = int()?,
            "timeoutenqueue" => self.timeout_enqueue_ms = int()?,
            "timeoutshutdown" => self.timeout_shutdown_ms = int()?,
            "timeoutactioncompletion" => self.timeout_action_completion_ms = int()?,
            "timeoutworkerthreadshutdown" => self.timeout_worker_thread_shutdown_ms = int()?,
            "dequeueslowdown" => self.dequeue_slowdown_us = int()?,
            "filename" => self.filename = Some(value.to_string()),
            "spooldirectory" => self.spool_directory = Some(value.to_string()),
            "maxfilesize" => self.max_file_size = int()?,
            "maxdiskspace" => self.max_disk_space = int()?,
            "checkpointinterval" => self.checkpoint_interval = int()?,
            "syncqueuefiles" => self.sync_queue_files = boolean()?,
            "saveonshutdown" => self.save_on_shutdown = boolean()?,
            // Accepted for compatibility; the engine has no use for them yet.
            "mindequeuebatchsize"
            | "mindequeuebatchsize.timeout"
            | "dequeuetimebegin"
            | "dequeuetimeend"
            | "samplinginterval" => {
                int()?;
            }
            "takeflowctlfrommsg" => {
                boolean()?;
            }
            "cry.provider" => {}
            other => {
                let names = PARAM_NAMES.iter().map(|n| &n[6..]);
                return Err(format!(
                    "unknown queue parameter 'queue.{other}'{}",
                    super::suggestion(other, names)
                ));
            }
        }
        Ok(())
    }

    /// rsyslog's start-up corrections; returns a warning for each.
    pub fn correct(&mut self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.kind == QueueType::Disk && self.filename.is_none() {
            warnings.push(
                "queue.type=\"Disk\" needs queue.filename; using LinkedList, as rsyslog does"
                    .into(),
            );
            self.kind = QueueType::LinkedList;
        }
        if self.kind == QueueType::Direct {
            return warnings;
        }
        if self.size < 100 {
            warnings.push(format!("queue.size {} is very small", self.size));
        }
        let size = self.size.max(1);
        if self.high_watermark < 2 || self.high_watermark > size {
            self.high_watermark = size * 9 / 10;
        }
        if self.low_watermark < 2 || self.low_watermark > self.high_watermark {
            self.low_watermark = self.high_watermark * 7 / 10;
        }
        if self.discard_mark < 1 || self.discard_mark > size {
            self.discard_mark = size * 98 / 100;
        }
        if self.full_delay_mark == -1 || self.full_delay_mark > size {
            self.full_delay_mark = size * 97 / 100;
        }
        if self.light_delay_mark == -1 || self.light_delay_mark > size {
            self.light_delay_mark = size * 70 / 100;
        } else if self.light_delay_mark == 0 {
            self.light_delay_mark = size;
        }
        if self.worker_thread_minimum_messages < 1 {
            self.worker_thread_minimum_messages = size / self.worker_threads.max(1);
        }
        if self.dequeue_batch_size > size {
            self.dequeue_batch_size = size;
        }
        if self.filename.is_some() {
            // Disk-assisted: full delay must trigger before disk mode would.
            if self.kind != QueueType::Disk {
                self.full_delay_mark = self.full_delay_mark.min(self.high_watermark / 2);
            }
            if self.max_disk_space != 0 && self.max_disk_space < self.max_file_size {
                self.max_disk_space = self.max_file_size;
            }
        }
        warnings
    }
}

/// A size: digits with an optional k/m/g (×1000) or K/M/G-ish suffix as
/// rsyslog writes them (`10m`, `1g`); also plain negative numbers.
pub fn parse_size(s: &str) -> Option<i64> {
    let s = s.trim();
    let (digits, mult) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m: i64 = match c.to_ascii_lowercase() {
                'k' => 1000,
                'm' => 1_000_000,
                'g' => 1_000_000_000,
                't' => 1_000_000_000_000,
                _ => return None,
            };
            (&s[..i], m)
        }
        _ => (s, 1),
    };
    digits.parse::<i64>().ok()?.checked_mul(mult)
}

/// rsyslog's binary values: on/off, yes/no, 1/0, true/false.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "on" | "yes" | "1" | "true" => Some(true),
        "off" | "no" | "0" | "false" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_per_scope() {
        let mut m = QueueParams::defaults(QueueScope::MainLegacy);
        m.correct();
        assert_eq!(
            (m.size, m.dequeue_batch_size, m.worker_threads),
            (100_000, 256, 2)
        );
        assert_eq!((m.high_watermark, m.low_watermark), (80_000, 20_000));
        let mut r = QueueParams::defaults(QueueScope::Ruleset);
        r.correct();
        assert_eq!(
            (
                r.size,
                r.dequeue_batch_size,
                r.high_watermark,
                r.low_watermark
            ),
            (50_000, 1024, 45_000, 31_500)
        );
        let mut a = QueueParams::defaults(QueueScope::Action);
        a.set("type", "LinkedList").unwrap();
        a.correct();
        assert_eq!(
            (a.size, a.high_watermark, a.low_watermark, a.discard_mark),
            (1000, 900, 630, 980)
        );
        assert_eq!(a.timeout_shutdown_ms, 10);
    }

    #[test]
    fn corrections_and_errors() {
        let mut q = QueueParams::defaults(QueueScope::Ruleset);
        q.set("size", "1000").unwrap();
        q.set("highWatermark", "5000").unwrap();
        q.set("type", "Disk").unwrap();
        let w = q.correct();
        assert_eq!(q.kind, QueueType::LinkedList);
        assert_eq!(q.high_watermark, 900);
        assert!(!w.is_empty());
        assert!(q
            .set("tyep", "x")
            .unwrap_err()
            .contains("did you mean 'type'"));
        assert!(q
            .set("type", "LinkList")
            .unwrap_err()
            .contains("did you mean 'LinkedList'"));
        assert_eq!(parse_size("10m"), Some(10_000_000));
    }
}
