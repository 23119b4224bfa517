//! Socket options that inputs and outputs share, set on a descriptor the
//! caller owns.

use std::io;
use std::os::fd::BorrowedFd;
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
