//! What the library has to tell an operator goes through here, never
//! straight to a terminal.
//!
//! In: a full sentence (what happened, what to do). Out: the line to the
//! sink the daemon installed with [`set_sink`] (standard error until
//! then), and a count of lines said. Later issues turn the same place into
//! messages through the rules and into a counter in the statistics (issue
//! #18); nothing else in the library prints.
//!
//! Guarantees: saying never fails and never panics — a line that cannot be
//! written (stderr on a full disk, a closed pipe) is counted and dropped
//! ([`stderr_line`]); and at most [`RATE_BURST`] lines are printed per
//! [`RATE_INTERVAL`], as rsyslog's internal-message rate limit, so a flood
//! of bad input cannot become a flood of lines: the rest are counted, and
//! the count is said when the next interval begins.

use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// rsyslog's `internalmsg.ratelimit.interval` default.
pub const RATE_INTERVAL: Duration = Duration::from_secs(5);
/// rsyslog's `internalmsg.ratelimit.burst` default.
pub const RATE_BURST: u64 = 500;

static START: OnceLock<Instant> = OnceLock::new();
/// The interval (counted from the first line) `IN_WINDOW` counts.
static WINDOW: AtomicU64 = AtomicU64::new(0);
static IN_WINDOW: AtomicU64 = AtomicU64::new(0);
/// Lines suppressed in the current interval, and since start.
static SUPPRESSED: AtomicU64 = AtomicU64::new(0);
static SUPPRESSED_TOTAL: AtomicU64 = AtomicU64::new(0);
/// Lines the sink could not write.
static UNPRINTED: AtomicU64 = AtomicU64::new(0);

type Sink = Box<dyn Fn(&str) + Send + Sync>;

static SINK: OnceLock<Sink> = OnceLock::new();
static SAID: AtomicU64 = AtomicU64::new(0);

/// Sends every later line to `sink`; false when one was installed already.
pub fn set_sink(sink: impl Fn(&str) + Send + Sync + 'static) -> bool {
    SINK.set(Box::new(sink)).is_ok()
}

/// Says one line (use [`crate::notice!`]), within the rate limit.
pub fn say(args: fmt::Arguments<'_>) {
    SAID.fetch_add(1, Ordering::Relaxed);
    let start = *START.get_or_init(Instant::now);
    let window = (start.elapsed().as_secs() / RATE_INTERVAL.as_secs()) + 1;
    let was = WINDOW.load(Ordering::Relaxed);
    if window != was
        && WINDOW
            .compare_exchange(was, window, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        IN_WINDOW.store(0, Ordering::Relaxed);
        let n = SUPPRESSED.swap(0, Ordering::Relaxed);
        if n > 0 {
            emit(&format!(
                "corelogd: {n} message(s) of corelogd's own were not printed in the last interval (at most {RATE_BURST} per {} s).",
                RATE_INTERVAL.as_secs()
            ));
        }
    }
    if IN_WINDOW.fetch_add(1, Ordering::Relaxed) >= RATE_BURST {
        SUPPRESSED.fetch_add(1, Ordering::Relaxed);
        SUPPRESSED_TOTAL.fetch_add(1, Ordering::Relaxed);
        return;
    }
    emit(&args.to_string());
}

fn emit(line: &str) {
    match SINK.get() {
        Some(sink) => sink(line),
        None => stderr_line(line),
    }
}

/// Writes `line` and a newline to standard error. A write that fails is
/// counted (see [`unprinted`]) and otherwise ignored: the daemon never
/// stops because it cannot print.
pub fn stderr_line(line: &str) {
    let mut e = std::io::stderr().lock();
    if e.write_all(line.as_bytes())
        .and_then(|()| e.write_all(b"\n"))
        .is_err()
    {
        UNPRINTED.fetch_add(1, Ordering::Relaxed);
    }
}

/// Lines that could not be written to standard error.
pub fn unprinted() -> u64 {
    UNPRINTED.load(Ordering::Relaxed)
}

/// Lines the rate limit kept from being printed, since start.
pub fn suppressed() -> u64 {
    SUPPRESSED_TOTAL.load(Ordering::Relaxed)
}

/// Lines said since start.
pub fn said() -> u64 {
    SAID.load(Ordering::Relaxed)
}

/// Says one line to the operator: `notice!("queue {name} is full")`.
#[macro_export]
macro_rules! notice {
    ($($arg:tt)*) => {
        $crate::notice::say(format_args!($($arg)*))
    };
}
