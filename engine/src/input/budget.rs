//! The per-core budget of large receive buffers.
//!
//! In: a session whose reads fill its small buffer asks for a large one.
//! Out: a [`Lease`] for its size while the budget has room, else `None`
//! (the session goes on reading into its small buffer). The lease gives
//! the bytes back when the session shrinks its buffer or ends.
//!
//! Guarantees: the large buffers a core's sessions hold never add up to
//! more than [`RECV_BUDGET_PER_CORE`], however many sessions send at
//! once; an idle session holds no buffer at all (see `stream::session`).

use std::cell::Cell;

/// Bytes of large receive buffers one core's sessions may hold together:
/// 256 sessions reading 256 KiB at a time.
pub const RECV_BUDGET_PER_CORE: usize = 64 << 20;

/// One core's budget.
#[derive(Debug)]
pub struct RecvBudget {
    left: Cell<usize>,
}

impl Default for RecvBudget {
    fn default() -> RecvBudget {
        RecvBudget::new(RECV_BUDGET_PER_CORE)
    }
}

impl RecvBudget {
    pub fn new(bytes: usize) -> RecvBudget {
        RecvBudget {
            left: Cell::new(bytes),
        }
    }

    /// Bytes not leased.
    pub fn left(&self) -> usize {
        self.left.get()
    }

    /// Leases `bytes`, if the budget has them.
    pub fn lease(&self, bytes: usize) -> Option<Lease<'_>> {
        let left = self.left.get().checked_sub(bytes)?;
        self.left.set(left);
        Some(Lease {
            budget: self,
            bytes,
        })
    }
}

/// Bytes of a [`RecvBudget`] that a session holds.
#[derive(Debug)]
pub struct Lease<'a> {
    budget: &'a RecvBudget,
    bytes: usize,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        self.budget.left.set(self.budget.left.get() + self.bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leases_until_empty_and_gets_them_back() {
        let b = RecvBudget::new(10);
        let a = b.lease(6).unwrap();
        assert!(b.lease(6).is_none());
        let c = b.lease(4).unwrap();
        assert_eq!(b.left(), 0);
        drop(a);
        drop(c);
        assert_eq!(b.left(), 10);
    }
}
