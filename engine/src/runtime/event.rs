//! A wake-up for tasks of one executor: "something changed, look again".
//!
//! Waiters check their condition, and if it does not hold, `listen()` and
//! check again when woken. Everything runs on one thread, so nothing can
//! happen between a check and the registration that follows it.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

#[derive(Debug, Default)]
pub struct Event {
    waiters: RefCell<Vec<Waker>>,
}

impl Event {
    /// Wakes every task waiting now.
    pub fn notify(&self) {
        let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
        for w in waiters {
            w.wake();
        }
    }

    /// Completes at the next `notify` after the first poll.
    pub fn listen(&self) -> Listen<'_> {
        Listen {
            event: self,
            registered: false,
        }
    }
}

pub struct Listen<'a> {
    event: &'a Event,
    registered: bool,
}

impl Future for Listen<'_> {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.registered {
            return Poll::Ready(());
        }
        self.registered = true;
        self.event.waiters.borrow_mut().push(cx.waker().clone());
        Poll::Pending
    }
}
