//! A TCP connection, plain or TLS, as one stream type for the sessions
//! and outputs that can run either way.
//!
//! In: bytes to write; reads. Out: the same, encrypted on the wire when
//! the connection is TLS. A write is sent only once it is flushed
//! ([`futures_lite::AsyncWriteExt::flush`]): TLS records are assembled
//! in rustls's buffer.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_lite::{AsyncRead, AsyncWrite};
use glommio::net::TcpStream;

/// A connection as the session reads it.
pub enum Stream {
    Plain(TcpStream),
    /// Accepted by a TLS input.
    Server(Box<futures_rustls::server::TlsStream<TcpStream>>),
    /// Opened by a TLS output.
    Client(Box<futures_rustls::client::TlsStream<TcpStream>>),
}

impl Stream {
    /// The TCP connection underneath.
    pub fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Server(s) => s.get_ref().0,
            Stream::Client(s) => s.get_ref().0,
        }
    }

    /// Writes `out` whole and flushes it (over TLS the last record waits
    /// in rustls's buffer until flushed); `out` is left empty.
    pub async fn send(&mut self, out: &mut Vec<u8>) -> io::Result<()> {
        use futures_lite::AsyncWriteExt;
        if !out.is_empty() {
            self.write_all(out).await?;
            self.flush().await?;
            out.clear();
        }
        Ok(())
    }

    /// The descriptor to read plaintext from directly, past the stream
    /// (`None` for TLS: its bytes must go through the decryption).
    pub fn plain_fd(&self) -> Option<std::os::unix::io::RawFd> {
        match self {
            Stream::Plain(s) => Some(std::os::unix::io::AsRawFd::as_raw_fd(s)),
            Stream::Server(_) | Stream::Client(_) => None,
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Server(s) => Pin::new(&mut **s).poll_read(cx, buf),
            Stream::Client(s) => Pin::new(&mut **s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Server(s) => Pin::new(&mut **s).poll_write(cx, buf),
            Stream::Client(s) => Pin::new(&mut **s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Server(s) => Pin::new(&mut **s).poll_flush(cx),
            Stream::Client(s) => Pin::new(&mut **s).poll_flush(cx),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_close(cx),
            Stream::Server(s) => Pin::new(&mut **s).poll_close(cx),
            Stream::Client(s) => Pin::new(&mut **s).poll_close(cx),
        }
    }
}
