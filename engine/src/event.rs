//! A wake-up for tasks of one executor: "something changed, look again".
//!
//! Waiters check their condition, and if it does not hold, `listen()` and
//! check again when woken. Everything runs on one thread, so nothing can
//! happen between a check and the registration that follows it.
//!
//! A listener that is dropped before it is woken (it lost a race in
//! `or(…)`) takes its waker out again: an event that is rarely notified,
//! such as the stop signal, must not collect a waker per race (glommio
//! counts a task's wakers in 16 bits).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

#[derive(Debug, Default)]
pub struct Event {
    waiters: RefCell<Vec<(u64, Waker)>>,
    next_id: Cell<u64>,
}

impl Event {
    /// Wakes every task waiting now.
    pub fn notify(&self) {
        let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
        for (_, w) in waiters {
            w.wake();
        }
    }

    /// Completes at the next `notify` after the first poll.
    pub fn listen(&self) -> Listen<'_> {
        Listen {
            event: self,
            id: None,
        }
    }

    /// Waits for the next `notify`, but not past `deadline`; returns false
    /// when the deadline has passed (without waiting).
    pub async fn listen_until(&self, deadline: Instant) -> bool {
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        futures_lite::future::or(self.listen(), glommio::timer::sleep(deadline - now)).await;
        true
    }

    #[cfg(test)]
    fn waiting(&self) -> usize {
        self.waiters.borrow().len()
    }
}

pub struct Listen<'a> {
    event: &'a Event,
    /// Set once registered.
    id: Option<u64>,
}

impl Future for Listen<'_> {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut waiters = self.event.waiters.borrow_mut();
        match self.id {
            None => {
                let id = self.event.next_id.get();
                self.event.next_id.set(id + 1);
                waiters.push((id, cx.waker().clone()));
                drop(waiters);
                self.id = Some(id);
                Poll::Pending
            }
            Some(id) => match waiters.iter_mut().find(|(i, _)| *i == id) {
                // Still registered: not notified yet (a spurious poll).
                Some((_, w)) => {
                    if !w.will_wake(cx.waker()) {
                        *w = cx.waker().clone();
                    }
                    Poll::Pending
                }
                None => Poll::Ready(()),
            },
        }
    }
}

impl Drop for Listen<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.event.waiters.borrow_mut().retain(|(i, _)| *i != id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_listener_leaves_no_waker_behind() {
        let e = Event::default();
        let waker = futures_lite::future::block_on(futures_lite::future::poll_fn(|cx| {
            Poll::Ready(cx.waker().clone())
        }));
        let mut cx = Context::from_waker(&waker);
        for _ in 0..100_000 {
            let mut l = Box::pin(e.listen());
            assert!(l.as_mut().poll(&mut cx).is_pending());
        }
        assert_eq!(e.waiting(), 0);
        let mut l = Box::pin(e.listen());
        assert!(l.as_mut().poll(&mut cx).is_pending());
        assert!(l.as_mut().poll(&mut cx).is_pending(), "not notified yet");
        e.notify();
        assert!(l.as_mut().poll(&mut cx).is_ready());
    }
}
