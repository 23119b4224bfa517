//! The live sessions of one stream input (imtcp, imptcp, imrelp), over all
//! cores: who may open one, and which idle one makes room.
//!
//! In: an accepted connection's descriptor and peer address, on the core
//! that accepted it. Out: a [`Ticket`] that the session carries for its
//! whole life (and drops before its descriptor is closed), or a
//! [`Refusal`].
//!
//! Guarantees:
//! - At most `maxSessions` tickets exist for an input, and at most
//!   `maxSessionsPerSource` for one peer address.
//! - At the limit, the session idle the longest is closed to make room,
//!   if it has been idle for `sessionEvictIdle` at least; a session that
//!   read something more recently than that, that waits on its queue, or
//!   whose sender has bytes waiting in the kernel, is never closed for
//!   another. (The scan is over the whole table, under its lock: at most
//!   `maxSessions` entries, only when the table is full.)
//!   So idle connections cannot lock live senders out.
//! - Before that, a session still in its TLS handshake after
//!   [`HANDSHAKE_EVICT_MIN`] is closed to make room, whatever
//!   `sessionEvictIdle` says: a real peer's handshake takes milliseconds,
//!   so peers that open connections and never finish one cannot lock
//!   senders out either.
//! - An evicted session is shut down (`shutdown(2)` on its descriptor,
//!   under the table's lock): its core sees the end of the stream and
//!   ends it as if its peer had closed. Its descriptor is still open then,
//!   because a ticket is dropped before its descriptor is closed.

use std::collections::HashMap;
use std::net::IpAddr;
use std::os::unix::io::RawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The limits of one input's sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// `maxSessions` (0: no limit).
    pub max: usize,
    /// `maxSessionsPerSource` (0: no limit).
    pub per_source: usize,
    /// `sessionEvictIdle`: how long a session must have read nothing
    /// before it may be closed to make room (`None`: never).
    pub evict_idle: Option<Duration>,
}

/// Why a connection was closed at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `maxSessions` live sessions, none idle long enough to be closed.
    Full,
    /// Its address has `maxSessionsPerSource` sessions already.
    PerSource,
}

/// One input's sessions.
#[derive(Debug)]
pub struct Sessions {
    limits: SessionLimits,
    epoch: Instant,
    table: Mutex<Table>,
    /// Whether a refusal was reported since a session was last admitted
    /// (one notice per run of refusals).
    reported: AtomicBool,
}

#[derive(Debug, Default)]
struct Table {
    next: u64,
    live: HashMap<u64, Entry>,
    per_source: HashMap<IpAddr, usize>,
}

/// How long a session must have been in its TLS handshake before it may
/// be closed to make room.
pub const HANDSHAKE_EVICT_MIN: Duration = Duration::from_secs(1);

#[derive(Debug)]
struct Entry {
    /// `None`: a session that cannot be shut down from here (imptcp's
    /// unix stream sessions); it counts, but is never evicted.
    fd: Option<RawFd>,
    peer: Option<IpAddr>,
    activity: Arc<AtomicU64>,
    handshaking: Arc<AtomicBool>,
}

/// What [`Sessions::admit`] did to make room, besides admitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admitted {
    Room,
    /// An idle session was closed for this one.
    Evicted,
}

impl Sessions {
    pub fn new(limits: SessionLimits) -> Sessions {
        Sessions {
            limits,
            epoch: Instant::now(),
            table: Mutex::default(),
            reported: AtomicBool::new(false),
        }
    }

    pub fn limits(&self) -> SessionLimits {
        self.limits
    }

    /// True for the first refusal since a session was last admitted.
    pub fn first_refusal(&self) -> bool {
        !self.reported.swap(true, Ordering::Relaxed)
    }

    /// Live sessions.
    pub fn live(&self) -> usize {
        self.lock().live.len()
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        // A panic while the lock is held leaves the table consistent
        // (every change is one insert or remove): go on with it.
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// Registers a session on descriptor `fd` from `peer`, closing the
    /// longest-idle session to make room if need be.
    pub fn admit(
        self: &Arc<Self>,
        fd: Option<RawFd>,
        peer: Option<IpAddr>,
    ) -> Result<(Ticket, Admitted), Refusal> {
        let now = self.now_ms();
        let mut t = self.lock();
        if let (Some(ip), n @ 1..) = (peer, self.limits.per_source) {
            if t.per_source.get(&ip).is_some_and(|&k| k >= n) {
                return Err(Refusal::PerSource);
            }
        }
        let mut admitted = Admitted::Room;
        let full = self.limits.max > 0 && t.live.len() >= self.limits.max;
        if let Some(id) = full
            .then(|| t.oldest_handshake(now, HANDSHAKE_EVICT_MIN.as_millis() as u64))
            .flatten()
        {
            t.evict(id);
            admitted = Admitted::Evicted;
        } else if full {
            let Some(min) = self.limits.evict_idle else {
                return Err(Refusal::Full);
            };
            let min = min.as_millis() as u64;
            loop {
                let Some(id) = t.longest_idle(now, min) else {
                    return Err(Refusal::Full);
                };
                // Its mark may be old while its sender has just written:
                // such a session is not idle.
                if t.has_data(id) {
                    t.live[&id].activity.store(now, Ordering::Relaxed);
                    continue;
                }
                t.evict(id);
                break;
            }
            admitted = Admitted::Evicted;
        }
        debug_assert!(self.limits.max == 0 || t.live.len() < self.limits.max);
        let id = t.next;
        t.next += 1;
        let activity = Arc::new(AtomicU64::new(now));
        let handshaking = Arc::new(AtomicBool::new(false));
        t.live.insert(
            id,
            Entry {
                fd,
                peer,
                activity: activity.clone(),
                handshaking: handshaking.clone(),
            },
        );
        if let Some(ip) = peer {
            *t.per_source.entry(ip).or_default() += 1;
        }
        self.reported.store(false, Ordering::Relaxed);
        Ok((
            Ticket {
                id,
                sessions: self.clone(),
                activity,
                handshaking,
            },
            admitted,
        ))
    }

    fn release(&self, id: u64) {
        let mut t = self.lock();
        // An evicted session was taken out of the table already.
        if let Some(e) = t.live.remove(&id) {
            t.forget_source(e.peer);
        }
    }
}

impl Table {
    /// The session idle the longest, if for `min_ms` at least.
    fn longest_idle(&self, now: u64, min_ms: u64) -> Option<u64> {
        self.live
            .iter()
            .filter(|(_, e)| e.fd.is_some())
            .map(|(&id, e)| (e.activity.load(Ordering::Relaxed), id))
            .filter(|&(last, _)| last != BUSY && now.saturating_sub(last) >= min_ms)
            .min()
            .map(|(_, id)| id)
    }

    /// The session in its TLS handshake the longest, if for `min_ms` at
    /// least.
    fn oldest_handshake(&self, now: u64, min_ms: u64) -> Option<u64> {
        self.live
            .iter()
            .filter(|(_, e)| e.fd.is_some() && e.handshaking.load(Ordering::Relaxed))
            .map(|(&id, e)| (e.activity.load(Ordering::Relaxed), id))
            .filter(|&(since, _)| since != BUSY && now.saturating_sub(since) >= min_ms)
            .min()
            .map(|(_, id)| id)
    }

    /// Whether session `id`'s connection has bytes waiting to be read.
    fn has_data(&self, id: u64) -> bool {
        let Some(fd) = self.live.get(&id).and_then(|e| e.fd) else {
            return false;
        };
        let mut one = [0u8; 1];
        // SAFETY: recv writes at most one byte into `one`; the descriptor
        // is open while its entry is in the table (see `evict`).
        let n = unsafe {
            libc::recv(
                fd,
                one.as_mut_ptr().cast(),
                1,
                libc::MSG_PEEK | libc::MSG_DONTWAIT,
            )
        };
        n > 0
    }

    /// Takes session `id` out and shuts its connection down.
    fn evict(&mut self, id: u64) {
        let Some(e) = self.live.remove(&id) else {
            return;
        };
        self.forget_source(e.peer);
        let Some(fd) = e.fd else {
            unreachable!("only a session with a descriptor is chosen");
        };
        // SAFETY: shutdown(2) takes a descriptor and touches no memory. The
        // descriptor is open: its session holds the ticket until before it
        // closes it, and a ticket is released under this lock, which we
        // hold.
        unsafe { libc::shutdown(fd, libc::SHUT_RDWR) };
    }

    fn forget_source(&mut self, peer: Option<IpAddr>) {
        let Some(ip) = peer else { return };
        if let Some(n) = self.per_source.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                self.per_source.remove(&ip);
            }
        }
    }
}

/// A session's place in its input's table. Drop it before the session's
/// descriptor is closed.
#[derive(Debug)]
pub struct Ticket {
    id: u64,
    sessions: Arc<Sessions>,
    activity: Arc<AtomicU64>,
    handshaking: Arc<AtomicBool>,
}

/// The activity mark of a session that is waiting to enqueue what it
/// read: it is not idle however long that takes.
const BUSY: u64 = u64::MAX;

impl Ticket {
    /// The session read something: it is not idle.
    pub fn touch(&self) {
        self.activity
            .store(self.sessions.now_ms(), Ordering::Relaxed);
    }

    /// The session starts (`true`) or ends its TLS handshake; from its
    /// start, a session still in it after [`HANDSHAKE_EVICT_MIN`] is the
    /// first to be closed to make room.
    pub fn handshaking(&self, on: bool) {
        self.touch();
        self.handshaking.store(on, Ordering::Relaxed);
    }

    /// The session waits for its queue (it is idle again at
    /// [`Ticket::touch`]).
    pub fn busy(&self) {
        self.activity.store(BUSY, Ordering::Relaxed);
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.sessions.release(self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max: usize, per_source: usize, idle_ms: Option<u64>) -> Arc<Sessions> {
        Arc::new(Sessions::new(SessionLimits {
            max,
            per_source,
            evict_idle: idle_ms.map(Duration::from_millis),
        }))
    }

    /// A connected pair: the descriptor the session owns, and its peer.
    fn pair() -> (
        std::os::unix::net::UnixStream,
        std::os::unix::net::UnixStream,
    ) {
        std::os::unix::net::UnixStream::pair().unwrap()
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn refuses_at_the_limit_without_idle_sessions() {
        let s = limits(2, 0, None);
        let (a, _pa) = pair();
        let (b, _pb) = pair();
        use std::os::unix::io::AsRawFd;
        let _ta = s.admit(Some(a.as_raw_fd()), ip("127.0.0.1")).unwrap();
        let _tb = s.admit(Some(b.as_raw_fd()), ip("127.0.0.1")).unwrap();
        assert_eq!(s.admit(None, ip("127.0.0.1")).unwrap_err(), Refusal::Full);
        drop(_ta);
        assert!(s.admit(None, ip("127.0.0.1")).is_ok());
    }

    #[test]
    fn evicts_the_longest_idle_and_shuts_it_down() {
        use std::io::Read;
        use std::os::unix::io::AsRawFd;
        let s = limits(2, 0, Some(0));
        let (mut a, _pa) = pair();
        let (b, _pb) = pair();
        let (ta, _) = s.admit(Some(a.as_raw_fd()), None).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        let (tb, _) = s.admit(Some(b.as_raw_fd()), None).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        tb.touch();
        let (c, _pc) = pair();
        let (_tc, how) = s.admit(Some(c.as_raw_fd()), None).unwrap();
        assert_eq!(how, Admitted::Evicted);
        assert_eq!(s.live(), 2);
        // The evicted session's reads see the end of its stream.
        assert_eq!(a.read(&mut [0u8; 4]).unwrap(), 0);
        // Its ticket's release finds nothing more to take out.
        drop(ta);
        assert_eq!(s.live(), 2);
    }

    #[test]
    fn a_recently_active_session_is_not_evicted() {
        let s = limits(1, 0, Some(60_000));
        let (a, _pa) = pair();
        use std::os::unix::io::AsRawFd;
        let (_t, _) = s.admit(Some(a.as_raw_fd()), None).unwrap();
        assert_eq!(s.admit(None, None).unwrap_err(), Refusal::Full);
    }

    #[test]
    fn a_stalled_handshake_makes_room_whatever_session_evict_idle_says() {
        use std::io::Read;
        use std::os::unix::io::AsRawFd;
        // sessionEvictIdle unset: no idle session is ever closed.
        let s = limits(2, 0, None);
        let (mut a, _pa) = pair();
        let (b, _pb) = pair();
        let (ta, _) = s.admit(Some(a.as_raw_fd()), None).unwrap();
        ta.handshaking(true);
        let (tb, _) = s.admit(Some(b.as_raw_fd()), None).unwrap();
        tb.handshaking(true);
        // Too young a handshake is not closed.
        assert_eq!(s.admit(None, None).unwrap_err(), Refusal::Full);
        // One that finished is a session like any other.
        tb.handshaking(false);
        std::thread::sleep(HANDSHAKE_EVICT_MIN + Duration::from_millis(50));
        let (c, _pc) = pair();
        let (_tc, how) = s.admit(Some(c.as_raw_fd()), None).unwrap();
        assert_eq!(how, Admitted::Evicted);
        assert_eq!(
            a.read(&mut [0u8; 4]).unwrap(),
            0,
            "the stalled one was shut down"
        );
        assert_eq!(s.admit(None, None).unwrap_err(), Refusal::Full);
        drop((ta, tb));
    }

    #[test]
    fn per_source_limit() {
        let s = limits(0, 2, None);
        let _a = s.admit(None, ip("10.0.0.1")).unwrap();
        let b = s.admit(None, ip("10.0.0.1")).unwrap();
        assert_eq!(
            s.admit(None, ip("10.0.0.1")).unwrap_err(),
            Refusal::PerSource
        );
        assert!(s.admit(None, ip("10.0.0.2")).is_ok());
        drop(b);
        assert!(s.admit(None, ip("10.0.0.1")).is_ok());
    }
}
