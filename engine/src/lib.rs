//! corelog's engine: the message core of a syslog receiver that does
//! rsyslog's job on a thread-per-core runtime.
//!
//! What is here so far, in data-path order:
//! - [`frame`]: RFC 6587 stream framing (octet-counted or LF, per frame).
//! - [`parse`]: one received frame in, one [`msg::Message`] out — the
//!   bytes shared with the receive buffer, properties as byte ranges found in
//!   one pass (RFC 5424 first, then RFC 3164 as found in the wild, as
//!   rsyslog's default parser chain does).
//! - [`queue`]: the bounded SPSC ring between cores (FixedArray).
//! - [`prop`]: properties by rsyslog's names, read from a message without
//!   copying.
//! - [`template`]: rsyslog's property replacer and its string, list and
//!   built-in templates, compiled once and rendered into the caller's
//!   buffer with no allocation per message.
//!
//! Protocol code here never does I/O and never reads the clock: callers
//! pass bytes and the receive time in, which is what makes it fuzzable and
//! testable byte for byte against rsyslog (see `tests/`).

pub mod acl;
pub mod config;
pub mod corectx;
pub mod date;
pub mod event;
pub mod frame;
pub mod http;
pub mod input;
pub mod lang;
pub mod msg;
pub mod nats;
pub mod notice;
pub mod output;
pub mod parse;
pub mod prop;
pub mod queue;
pub mod relp;
pub mod rule;
pub mod runtime;
pub mod sock;
pub mod stats;
pub mod template;
pub mod tls;

pub use msg::{Message, Origin, Timestamp};
pub use parse::{parse, ParseOptions};
pub use prop::Env;
pub use template::{RenderBuf, Template};
