//! Queues of the data path (rsyslog's queue types).
//!
//! - [`ring`]: the bounded single-producer single-consumer ring that the
//!   FixedArray type is built on, and the only way cores hand each other
//!   messages.
//! - [`record`], [`msgcodec`], [`store`], [`checkpoint`]: the disk queue —
//!   segment files of CRC-framed records, written and read through
//!   io_uring, with a checkpoint of what was confirmed.
//! - [`spool`]: what makes a memory queue disk-assisted (spill above the
//!   high watermark, drain back, save on shutdown) or a queue Disk only.
//!
//! The memory queue types themselves live with the runtime
//! (`runtime::shard`, `runtime::action_queue`).

pub mod checkpoint;
pub mod fault;
pub mod msgcodec;
pub mod record;
pub mod ring;
pub mod shard;
pub mod spool;
pub mod store;

pub use ring::{ring, Consumer, Producer};
