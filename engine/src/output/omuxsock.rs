//! omuxsock: each message as one datagram to a unix socket, as rsyslog
//! 8.2302's omuxsock sends it (the rendered record, cut at its first NUL
//! byte and at `maxMessageSize`).
//!
//! In: a rendered batch (one record per message). Out: one `sendto` per
//! record, in order, to the socket named; an empty record is sent as an
//! empty datagram, as rsyslog sends it.
//!
//! Guarantees, better than rsyslog's (which reopens its socket for every
//! message, blocks the action while the receiver is full, and drops a
//! message it could not send without saying so):
//! - the core is never blocked: the socket is non-blocking, and while the
//!   receiver's queue is full the output waits on a timer, up to
//!   [`FULL_WAIT_MAX`] for one datagram;
//! - a datagram larger than the socket can ever take (`EMSGSIZE`) is
//!   passed over, said and counted, as omfile counts what it cannot open;
//! - a datagram that cannot be sent — no socket at that path, nobody
//!   bound to it, a receiver that stays full — fails the batch, so the
//!   action retries and suspends as `action.resumeRetryCount` says (and,
//!   with `-1`, holds the messages), counted as every action's are;
//! - a retry of the same batch sends only what was not sent yet, so a
//!   receiver that was full for a while gets each message once.

use std::io;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::Rendered;
use crate::config::modules::omuxsock::OmuxsockConfig;

/// The longest the output waits for a full receiver to take one datagram
/// before it fails the batch.
pub const FULL_WAIT_MAX: Duration = Duration::from_secs(1);
/// How often it looks again while the receiver is full.
const FULL_POLL: Duration = Duration::from_millis(1);

/// What a failed batch had sent, for its retry.
struct Carry {
    key: (usize, u32, u64),
    sent: usize,
}

pub struct OmUxSock {
    path: PathBuf,
    max_len: usize,
    /// Datagrams passed over: larger than the socket can ever take.
    pub failed: u64,
    /// Unbound, non-blocking; made on first use and after an error.
    sock: Option<UnixDatagram>,
    carry: Option<Carry>,
}

impl OmUxSock {
    pub fn new(c: &OmuxsockConfig) -> OmUxSock {
        OmUxSock {
            path: c.socket.clone(),
            max_len: c.max_len,
            sock: None,
            carry: None,
            failed: 0,
        }
    }

    pub fn describe(&self) -> String {
        format!("unix datagram socket {}", self.path.display())
    }

    /// Sends every record not sent by an earlier try of this batch.
    pub async fn write(&mut self, r: &Rendered) -> io::Result<()> {
        let key = r.fingerprint();
        let mut sent = match self.carry.take() {
            Some(c) if c.key == key => c.sent,
            _ => 0,
        };
        debug_assert!(sent <= r.recs.len());
        for (_, data) in r.records().skip(sent) {
            let end = memchr::memchr(0, data).unwrap_or(data.len());
            let datagram = &data[..end.min(self.max_len)];
            match self.send(datagram).await {
                Ok(()) => {}
                // Too large for the socket, now and on every retry: passed
                // over and counted (with -1 retries it would hold the action
                // for ever), the rest of the batch sent.
                Err(e) if e.raw_os_error() == Some(libc::EMSGSIZE) => {
                    self.failed += 1;
                    crate::notice!(
                        "corelogd: omuxsock: a message of {} bytes is larger than {} takes; it is passed over.",
                        datagram.len(),
                        self.describe()
                    );
                }
                Err(e) => {
                    self.sock = None;
                    self.carry = Some(Carry { key, sent });
                    return Err(io::Error::new(
                        e.kind(),
                        format!("{}: {e}", self.describe()),
                    ));
                }
            }
            sent += 1;
        }
        debug_assert_eq!(sent, r.recs.len(), "every record sent");
        Ok(())
    }

    /// One datagram, waiting on a timer while the receiver is full.
    async fn send(&mut self, datagram: &[u8]) -> io::Result<()> {
        let sock = match &self.sock {
            Some(s) => s,
            None => {
                let s = UnixDatagram::unbound()?;
                s.set_nonblocking(true)?;
                self.sock.insert(s)
            }
        };
        let since = Instant::now();
        loop {
            match sock.send_to(datagram, &self.path) {
                Ok(n) if n == datagram.len() => return Ok(()),
                Ok(n) => {
                    return Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        format!("{n} of {} bytes sent", datagram.len()),
                    ))
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if since.elapsed() >= FULL_WAIT_MAX {
                        return Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            format!(
                                "the receiver took nothing for {} ms",
                                FULL_WAIT_MAX.as_millis()
                            ),
                        ));
                    }
                    glommio::timer::sleep(FULL_POLL).await;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The runner gave the last failed batch up (suspension): a later
    /// batch with the same bytes is a new one.
    pub fn forget(&mut self) {
        self.carry = None;
    }
}
