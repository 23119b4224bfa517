//! What the library has to tell an operator goes through here, never
//! straight to a terminal.
//!
//! In: a full sentence (what happened, what to do). Out: the line to the
//! sink the daemon installed with [`set_sink`] (standard error until
//! then), and a count of lines said. Later issues turn the same place into
//! rate-limited messages through the rules and into a counter in the
//! statistics (issue #18); nothing else in the library prints.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

type Sink = Box<dyn Fn(&str) + Send + Sync>;

static SINK: OnceLock<Sink> = OnceLock::new();
static SAID: AtomicU64 = AtomicU64::new(0);

/// Sends every later line to `sink`; false when one was installed already.
pub fn set_sink(sink: impl Fn(&str) + Send + Sync + 'static) -> bool {
    SINK.set(Box::new(sink)).is_ok()
}

/// Says one line (use [`crate::notice!`]).
pub fn say(args: fmt::Arguments<'_>) {
    SAID.fetch_add(1, Ordering::Relaxed);
    let line = args.to_string();
    match SINK.get() {
        Some(sink) => sink(&line),
        None => eprintln!("{line}"),
    }
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
