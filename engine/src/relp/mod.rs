//! RELP, the Reliable Event Logging Protocol (librelp's wire protocol), as
//! ../shared/design/RSYSLOG_SEMANTICS.md part A records it.
//!
//! - [`frame`]: the frame codec, a pure state machine.
//! - [`offers`]: offers and `rsp` data.
//! - [`server`]: the server side of a session (imrelp), pure.
//!
//! The I/O lives with the input (`input::relp`) and the output
//! (`output::omrelp`).

pub mod frame;
pub mod offers;
pub mod server;

/// imrelp's session settings, typed (from `maxDataSize`, `oversizeMode`
/// and corelog's `idleTimeout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelpOptions {
    /// `maxDataSize`: the largest frame data (never below maxMessageSize).
    pub max_data: usize,
    pub oversize: frame::Oversize,
    /// `idleTimeout` (corelog's): a session silent this long is closed.
    pub idle: Option<std::time::Duration>,
}
