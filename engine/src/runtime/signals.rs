//! Process signals as flags the executors poll.
//!
//! SIGTERM and SIGINT ask for an orderly shutdown; SIGHUP asks outputs to
//! close and reopen their files (logrotate). Handlers only store into
//! atomics; each executor polls them from a timer task, so no signal work
//! happens on the data path.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// What the signal handlers have asked for.
#[derive(Debug, Default)]
pub struct Signals {
    stop: Arc<AtomicBool>,
    hup: Arc<AtomicBool>,
    /// Incremented once per SIGHUP seen by [`Signals::poll_hup`].
    generation: AtomicU64,
}

impl Signals {
    /// Installs the handlers.
    pub fn install() -> std::io::Result<Arc<Signals>> {
        let s = Arc::new(Signals::default());
        signal_hook::flag::register(signal_hook::consts::SIGTERM, s.stop.clone())?;
        signal_hook::flag::register(signal_hook::consts::SIGINT, s.stop.clone())?;
        signal_hook::flag::register(signal_hook::consts::SIGHUP, s.hup.clone())?;
        Ok(s)
    }

    pub fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Asks for a shutdown, as SIGTERM does.
    pub fn request_stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Takes a pending SIGHUP and returns the reopen generation: outputs
    /// reopen their files when it changes.
    /// How many SIGHUPs were taken (by [`Signals::poll_hup`]) so far.
    pub fn hup_generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn poll_hup(&self) -> u64 {
        if self.hup.swap(false, Ordering::AcqRel) {
            self.generation.fetch_add(1, Ordering::AcqRel) + 1
        } else {
            self.generation.load(Ordering::Acquire)
        }
    }
}
