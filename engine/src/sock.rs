//! Socket calls that inputs and outputs share, on descriptors the caller
//! owns: options (keep-alive) and a read that never waits.

use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::time::Duration;

use crate::config::modules::KeepAlive;

/// Turns keep-alive on with the probes, idle time and interval given (0
/// leaves the kernel's value).
pub fn set_keepalive(fd: BorrowedFd<'_>, k: KeepAlive) -> io::Result<()> {
    let mut ka = socket2::TcpKeepalive::new();
    if k.time_s > 0 {
        ka = ka.with_time(Duration::from_secs(u64::from(k.time_s)));
    }
    if k.interval_s > 0 {
        ka = ka.with_interval(Duration::from_secs(u64::from(k.interval_s)));
    }
    if k.probes > 0 {
        ka = ka.with_retries(k.probes);
    }
    socket2::SockRef::from(&fd).set_tcp_keepalive(&ka)
}

/// One read without waiting into `buf`'s spare capacity, which need not
/// be initialised (a receive buffer is never zeroed first): the bytes read
/// are appended to `buf`. `None` when nothing is there yet.
pub fn recv_now_into(fd: RawFd, buf: &mut bytes::BytesMut) -> Option<io::Result<usize>> {
    let spare = buf.spare_capacity_mut();
    // SAFETY: recv writes at most spare.len() bytes into the spare
    // capacity, which `buf` owns and we borrow for the call; it only
    // writes, so the memory need not be initialised. fd is an open socket
    // of the caller's.
    let n = unsafe {
        libc::recv(
            fd,
            spare.as_mut_ptr().cast(),
            spare.len(),
            libc::MSG_DONTWAIT,
        )
    };
    if n >= 0 {
        let n = n as usize;
        debug_assert!(n <= spare.len());
        // SAFETY: the kernel initialised the first n bytes of the spare
        // capacity.
        unsafe { buf.set_len(buf.len() + n) };
        return Some(Ok(n));
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EAGAIN) | Some(libc::EINTR) => None,
        _ => Some(Err(e)),
    }
}

/// One read without waiting: `None` when nothing is there yet.
pub fn recv_now(fd: RawFd, buf: &mut [u8]) -> Option<io::Result<usize>> {
    // SAFETY: recv writes at most buf.len() bytes into buf, which we own
    // for the duration of the call; fd is an open socket of the caller's.
    let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), libc::MSG_DONTWAIT) };
    if n >= 0 {
        return Some(Ok(n as usize));
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EAGAIN) | Some(libc::EINTR) => None,
        _ => Some(Err(e)),
    }
}
