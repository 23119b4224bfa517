//! Support for corelog's integration tests: real peers started on loopback.
//!
//! - [`rsyslogd::Rsyslogd`]: a private `rsyslogd` (Debian package `rsyslog`)
//!   with a config of the test's own, on a free port, stopped on drop.
//! - [`daemon::Corelogd`]: the real corelogd with a config of the test's
//!   own, on free ports, stopped with SIGTERM.
//! - [`receiver::Receiver`]: a TCP forward target that can stall and go
//!   down.
//! - [`relp::Client`]: a blocking RELP client that can also misbehave.
//! - [`corpus`]: the differential corpus of syslog messages.
//! - [`sink`]: executes omfile actions into memory, for comparisons.
//!
//! A test that needs a peer fails with a message naming the package to
//! install; `scripts/test` installs them.

pub mod corpus;
pub mod daemon;
pub mod receiver;
pub mod relp;
pub mod rsyslogd;
pub mod sink;

use std::time::{Duration, Instant};

/// Polls `f` until it returns `Some`, or panics with `what` after `timeout`.
pub fn wait_for<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
