//! What the library has to tell an operator goes through here, never
//! straight to a terminal.
//!
//! In: a full sentence (what happened, what to do). Out: the line to the
//! sink the daemon installed with [`set_sink`] (standard error until
//! then), a count of lines said, and — once the runtime asks for them
//! ([`route_internal`]) — the line kept for corelogd's own messages, which
//! the runtime takes ([`take_internal`]) and logs (facility syslog, tag
//! `corelogd:`); nothing else in the library prints.
//!
//! Guarantees: saying never fails and never panics — a line that cannot be
//! written (stderr on a full disk, a closed pipe) is counted and dropped
//! ([`stderr_line`]); and at most [`RATE_BURST`] lines are printed per
//! [`RATE_INTERVAL`], as rsyslog's internal-message rate limit, so a flood
//! of bad input cannot become a flood of lines: the rest are counted, and
//! the count is said when the next interval begins.

use std::collections::VecDeque;
use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// rsyslog's `internalmsg.ratelimit.interval` default.
pub const RATE_INTERVAL: Duration = Duration::from_secs(5);
/// rsyslog's `internalmsg.ratelimit.burst` default.
pub const RATE_BURST: u64 = 500;
/// Own messages kept for the runtime to take; beyond, they are counted.
pub const INTERNAL_MAX: usize = 1000;

/// `internalmsg.ratelimit.interval` (seconds) and `.burst`, as set.
static INTERVAL_S: AtomicU64 = AtomicU64::new(5);
static BURST: AtomicU64 = AtomicU64::new(RATE_BURST);

/// corelogd's own messages waiting for the runtime: (severity, text).
struct Internal {
    on: bool,
    /// The least severe kept (`internalmsg.severity`).
    severity: u8,
    lines: VecDeque<(u8, String)>,
    dropped: u64,
}

static INTERNAL: Mutex<Internal> = Mutex::new(Internal {
    on: false,
    severity: 6,
    lines: VecDeque::new(),
    dropped: 0,
});

/// Sets `internalmsg.ratelimit.interval` and `.burst`.
pub fn set_rate(interval_s: u64, burst: u64) {
    INTERVAL_S.store(interval_s.max(1), Ordering::Relaxed);
    BURST.store(burst, Ordering::Relaxed);
}

/// From now on, lines are kept (up to [`INTERNAL_MAX`]) as corelogd's own
/// messages, those at most as severe as `severity`.
pub fn route_internal(severity: u8) {
    let mut i = INTERNAL.lock().unwrap_or_else(|e| e.into_inner());
    i.on = true;
    i.severity = severity;
}

/// Keeps `text` as an own message of `severity` (when routing is on).
pub fn internal(severity: u8, text: &str) {
    let mut i = INTERNAL.lock().unwrap_or_else(|e| e.into_inner());
    if !i.on || severity > i.severity {
        return;
    }
    if i.lines.len() >= INTERNAL_MAX {
        i.dropped += 1;
        return;
    }
    let text = text.strip_prefix("corelogd: ").unwrap_or(text);
    i.lines.push_back((severity, text.to_string()));
}

/// The own messages kept since the last call, and how many were dropped
/// for want of room.
pub fn take_internal() -> (Vec<(u8, String)>, u64) {
    let mut i = INTERNAL.lock().unwrap_or_else(|e| e.into_inner());
    let dropped = std::mem::take(&mut i.dropped);
    (i.lines.drain(..).collect(), dropped)
}

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
    let interval = INTERVAL_S.load(Ordering::Relaxed).max(1);
    let burst = BURST.load(Ordering::Relaxed);
    let window = (start.elapsed().as_secs() / interval) + 1;
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
                "corelogd: {n} message(s) of corelogd's own were not printed in the last interval (at most {burst} per {interval} s)."
            ));
        }
    }
    if IN_WINDOW.fetch_add(1, Ordering::Relaxed) >= burst {
        SUPPRESSED.fetch_add(1, Ordering::Relaxed);
        SUPPRESSED_TOTAL.fetch_add(1, Ordering::Relaxed);
        return;
    }
    emit(&args.to_string());
}

fn emit(line: &str) {
    // corelogd's notices are errors (rsyslog logs its own at LOG_ERR).
    internal(3, line);
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
