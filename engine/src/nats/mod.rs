//! NATS and JetStream, the client side corelog needs to publish: the wire
//! protocol's operations (`INFO`, `CONNECT`, `SUB`, `HPUB`, `MSG`,
//! `HMSG`, `PING`/`PONG`, `+OK`/`-ERR`) and JetStream's publish
//! acknowledgement.
//!
//! - [`proto`]: the operations, encoded into a buffer and parsed from one;
//!   pure: no I/O, no clock, bounded on every input (fuzzed).
//!
//! The I/O lives with the output (`output::omnats`).

pub mod proto;
