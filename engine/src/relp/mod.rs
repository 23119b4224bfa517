//! RELP, the Reliable Event Logging Protocol (librelp's wire protocol), as
//! ../shared/design/RSYSLOG_SEMANTICS.md part A records it.
//!
//! - [`frame`]: the frame codec, a pure state machine.
//! - [`offers`]: offers and `rsp` data.
//!
//! The server (imrelp) and client (omrelp) sessions are issue #7.

pub mod frame;
pub mod offers;
