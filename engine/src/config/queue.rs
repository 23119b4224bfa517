//! Queue parameters (`queue.*` and the legacy `$MainMsgQueue…` /
//! `$ActionQueue…` directives) with rsyslog's defaults per scope and its
//! start-up corrections of out-of-range values (`qqueueCorrectParams`).
//!
//! In: the scope (main queue without `main_queue()`, `main_queue()` or a
//! ruleset queue, an action queue); the parameters given are read over
//! these defaults by [`super::modules::queue`]. Out: complete, corrected
//! [`QueueParams`], and warnings for what was corrected.
//! Reference: ../shared/design/RSYSLOG_SEMANTICS.md part B.2.

/// `queue.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueType {
    Direct,
    FixedArray,
    LinkedList,
    Disk,
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
        a.kind = QueueType::LinkedList;
        a.correct();
        assert_eq!(
            (a.size, a.high_watermark, a.low_watermark, a.discard_mark),
            (1000, 900, 630, 980)
        );
        assert_eq!(a.timeout_shutdown_ms, 10);
    }

    #[test]
    fn corrections() {
        let mut q = QueueParams::defaults(QueueScope::Ruleset);
        q.size = 1000;
        q.high_watermark = 5000;
        q.kind = QueueType::Disk;
        let w = q.correct();
        assert_eq!(q.kind, QueueType::LinkedList);
        assert_eq!(q.high_watermark, 900);
        assert!(!w.is_empty());
    }
}
