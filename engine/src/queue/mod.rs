//! Queues of the data path (rsyslog's queue types). What is here so far:
//! [`ring`], the bounded single-producer single-consumer ring that the
//! FixedArray queue type is built on, and the only way cores hand each
//! other messages. The queue workers, LinkedList, Direct and the disk
//! types come with the runtime (issues #5 and #6).

pub mod ring;

pub use ring::{ring, Consumer, Producer};
