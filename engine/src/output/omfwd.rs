//! omfwd: rendered batches forwarded over TCP or UDP.
//!
//! In: [`Rendered`] batches (frames already shaped: LF-delimited or
//! octet-counted for TCP, one record per datagram for UDP), on the core
//! that owns the action. Out: one `write` of the whole batch on a TCP
//! connection, or one `send` per datagram.
//!
//! The connection is opened on first use and reopened after a failure.
//! Before each batch, the connection is checked for a close by the peer
//! (rsyslog's `extendedConnectionCheck`), so a restarted receiver does not
//! swallow a batch into a dead socket. A failed write returns the error;
//! the runner decides to retry (the whole batch again: at least once) or
//! suspend.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::unix::io::AsRawFd;
use std::sync::Arc;
use std::time::Duration;

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use glommio::net::{TcpStream, UdpSocket};

use crate::config::modules::omfwd::OmfwdConfig;
use crate::config::modules::KeepAlive;
use crate::tls::{Endpoint, Stream};

use super::Rendered;

pub use crate::config::modules::omfwd::Protocol;

pub struct OmFwd {
    target: String,
    port: u16,
    protocol: Protocol,
    tcp: Option<Stream>,
    /// TLS for the TCP connection (`None`: plain).
    tls: Option<Arc<Endpoint>>,
    udp: Option<UdpSocket>,
    keepalive: Option<KeepAlive>,
    /// `rebindInterval`: messages per connection (or UDP socket) before a
    /// new one is opened (0: never); a load balancer in front of several
    /// receivers then spreads a long-lived sender over them.
    rebind_interval: u64,
    /// Messages sent on the current connection or socket.
    sent: u64,
    udp_sendbuf: Option<usize>,
}

impl OmFwd {
    /// The forwarder of `c`; its TLS files are read here (an error says
    /// which and why).
    pub fn new(c: &OmfwdConfig) -> Result<OmFwd, String> {
        let tls = match &c.tls {
            Some(t) => Some(Arc::new(Endpoint::client(t, &c.target)?)),
            None => None,
        };
        Ok(OmFwd {
            target: c.target.clone(),
            port: c.port,
            protocol: c.protocol,
            tcp: None,
            udp: None,
            keepalive: c.keepalive,
            rebind_interval: c.rebind_interval,
            sent: 0,
            udp_sendbuf: c.udp_sendbuf,
            tls,
        })
    }

    /// Its TLS endpoint, to reload on SIGHUP.
    pub fn tls(&self) -> Option<&Arc<Endpoint>> {
        self.tls.as_ref()
    }

    pub fn describe(&self) -> String {
        let p = match self.protocol {
            Protocol::Tcp if self.tls.is_some() => "tls",
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        };
        format!("{p}://{}:{}", self.target, self.port)
    }

    fn resolve(&self) -> io::Result<SocketAddr> {
        (self.target.as_str(), self.port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address"))
    }

    /// Writes a batch; on error the connection is dropped and reopened by
    /// the next call.
    pub async fn write(&mut self, r: &Rendered) -> io::Result<()> {
        if self.rebind_interval > 0 && self.sent >= self.rebind_interval {
            // A new connection (or source port) for what follows; the
            // batch that reached the interval was sent whole on the old.
            self.finish().await;
            self.udp = None;
        }
        if self.tcp.is_none() && self.udp.is_none() {
            self.sent = 0;
        }
        let res = match self.protocol {
            Protocol::Tcp => self.write_tcp(r).await,
            Protocol::Udp => self.write_udp(r).await,
        };
        match &res {
            Ok(()) => self.sent += u64::from(r.count),
            Err(_) => {
                self.tcp = None;
                self.udp = None;
            }
        }
        res.map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", self.describe())))
    }

    async fn write_tcp(&mut self, r: &Rendered) -> io::Result<()> {
        let closed = match &mut self.tcp {
            Some(s @ Stream::Plain(_)) => peer_closed(s.tcp().as_raw_fd()),
            // What a TLS server sends must be read: its session tickets,
            // or the close_notify that says it closed (the peek above
            // would always see bytes, and never the end).
            Some(s) => !tls_open(s).await,
            None => false,
        };
        if closed {
            self.tcp = None;
        }
        if self.tcp.is_none() {
            let addr = self.resolve()?;
            let connect = TcpStream::connect_timeout(addr, Duration::from_secs(5));
            let s = connect.await.map_err(io::Error::from)?;
            // A connection without Nagle only sends sooner; ignoring a
            // failure to set it loses nothing.
            s.set_nodelay(true).ok();
            if let Some(k) = self.keepalive {
                // SAFETY: the descriptor stays open while `s` lives, past this call.
                let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(s.as_raw_fd()) };
                crate::sock::set_keepalive(fd, k)?;
            }
            self.tcp = Some(match &self.tls {
                None => Stream::Plain(s),
                Some(tls) => tls.connect_io(s).await?,
            });
        }
        let s = self.tcp.as_mut().expect("connected above");
        s.write_all(&r.data).await?;
        // Over TLS the last record waits in rustls's buffer until flushed.
        s.flush().await?;
        Ok(())
    }

    async fn write_udp(&mut self, r: &Rendered) -> io::Result<()> {
        if self.udp.is_none() {
            let addr = self.resolve()?;
            let local = if addr.is_ipv4() {
                "0.0.0.0:0"
            } else {
                "[::]:0"
            };
            let s = UdpSocket::bind(local).map_err(io::Error::from)?;
            if let Some(n) = self.udp_sendbuf {
                // SAFETY: the descriptor stays open while `s` lives, past this call.
                let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(s.as_raw_fd()) };
                socket2::SockRef::from(&fd).set_send_buffer_size(n)?;
            }
            s.connect(addr).await.map_err(io::Error::from)?;
            self.udp = Some(s);
        }
        let s = self.udp.as_ref().expect("bound above");
        for (_, d) in r.records() {
            s.send(d).await.map_err(io::Error::from)?;
        }
        Ok(())
    }
}

impl OmFwd {
    /// Closes the connection, if any, cleanly, within [`CLOSE_WAIT`]: over
    /// TLS `close_notify`, the write side shut, and what the server still
    /// sends read to its end, so that the kernel does not answer unread
    /// bytes (TLS 1.3 session tickets) with a reset, which could cost the
    /// server what it had not read yet.
    pub async fn finish(&mut self) {
        let Some(mut s) = self.tcp.take() else {
            return;
        };
        if let Stream::Plain(_) = s {
            return;
        }
        let bye = async {
            if s.close().await.is_ok() {
                let mut buf = [0u8; 4096];
                while matches!(s.read(&mut buf).await, Ok(1..)) {}
            }
        };
        futures_lite::future::or(bye, glommio::timer::sleep(CLOSE_WAIT)).await;
    }
}

/// How long a clean close waits for the server's end.
const CLOSE_WAIT: Duration = Duration::from_secs(1);

/// Over TLS: takes in, without waiting, what the server has sent; false
/// when that includes its end (close_notify, the end of the stream) or the
/// connection failed. What a syslog server sends besides is dropped.
async fn tls_open(s: &mut Stream) -> bool {
    let mut buf = [0u8; 4096];
    for _ in 0..TLS_DRAIN_READS {
        match futures_lite::future::poll_once(s.read(&mut buf)).await {
            None => return true,
            Some(Ok(0)) | Some(Err(_)) => return false,
            Some(Ok(_)) => {}
        }
    }
    true
}

/// Reads [`tls_open`] takes at most before a batch.
const TLS_DRAIN_READS: usize = 16;

/// True when the peer has closed the connection (a zero-byte peek) or it
/// has failed; false when it is open, with or without data to read.
fn peer_closed(fd: i32) -> bool {
    let mut b = [0u8; 1];
    // SAFETY: recv writes at most one byte into `b`, which we own.
    let n = unsafe {
        libc::recv(
            fd,
            b.as_mut_ptr().cast(),
            1,
            libc::MSG_PEEK | libc::MSG_DONTWAIT,
        )
    };
    if n == 0 {
        return true;
    }
    if n < 0 {
        let e = io::Error::last_os_error();
        return !matches!(e.raw_os_error(), Some(libc::EAGAIN) | Some(libc::EINTR));
    }
    false
}
