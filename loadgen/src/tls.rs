//! TLS client side of `--proto tls` and `--proto relp-tls`, and the
//! `handshakes` benchmark.
//!
//! In: the `--tls-*` options. Out: blocking TLS streams (rustls) over TCP.
//! loadgen presents a certificate when given one (`--tls-cert`,
//! `--tls-key`) and checks the server's chain and name only with
//! `--tls-ca` (the name is `--tls-name`, else the target's host): a load
//! generator measures, it is not a trust decision.

use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, StreamOwned};
use serde_json::{json, Value};

/// The `--tls-*` options.
#[derive(Debug, Clone, Default)]
pub struct TlsOpts {
    pub ca: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub name: Option<String>,
    /// Resume sessions (tickets, IDs) on reconnect.
    pub resume: bool,
}

/// A connected client: its configuration and the name it sends.
#[derive(Debug, Clone)]
pub struct Client {
    cfg: Arc<ClientConfig>,
    name: ServerName<'static>,
}

pub type Stream = StreamOwned<ClientConnection, TcpStream>;

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    // corelogd's: ring, X25519 first (see engine/src/tls/mod.rs).
    corelog::tls::provider()
}

impl Client {
    pub fn new(o: &TlsOpts, target: &str) -> Result<Client, String> {
        let provider = provider();
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?;
        let builder = match &o.ca {
            Some(ca) => {
                let mut roots = rustls::RootCertStore::empty();
                for c in CertificateDer::pem_file_iter(ca).map_err(|e| format!("{ca:?}: {e}"))? {
                    roots
                        .add(c.map_err(|e| format!("{ca:?}: {e}"))?)
                        .map_err(|e| format!("{ca:?}: {e}"))?;
                }
                builder.with_root_certificates(roots)
            }
            None => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Unchecked(provider))),
        };
        let mut cfg = match (&o.cert, &o.key) {
            (Some(c), Some(k)) => {
                let chain: Result<Vec<_>, _> = CertificateDer::pem_file_iter(c)
                    .map_err(|e| format!("{c:?}: {e}"))?
                    .collect();
                let key = PrivateKeyDer::from_pem_file(k).map_err(|e| format!("{k:?}: {e}"))?;
                builder
                    .with_client_auth_cert(chain.map_err(|e| format!("{c:?}: {e}"))?, key)
                    .map_err(|e| e.to_string())?
            }
            (None, None) => builder.with_no_client_auth(),
            _ => return Err("--tls-cert and --tls-key go together".into()),
        };
        if !o.resume {
            cfg.resumption = rustls::client::Resumption::disabled();
        }
        let host = match &o.name {
            Some(n) => n.clone(),
            None => target
                .rsplit_once(':')
                .map_or(target, |(h, _)| h)
                .trim_matches(['[', ']'])
                .to_string(),
        };
        let name = ServerName::try_from(host.clone()).map_err(|e| format!("{host}: {e}"))?;
        Ok(Client {
            cfg: Arc::new(cfg),
            name,
        })
    }

    /// Connects and completes the handshake.
    pub fn connect(&self, target: &str) -> Result<Stream, String> {
        let tcp =
            TcpStream::connect(target).map_err(|e| format!("cannot connect to {target}: {e}"))?;
        tcp.set_nodelay(true).map_err(|e| e.to_string())?;
        self.handshake(tcp)
    }

    /// Completes the handshake on `tcp`.
    pub fn handshake(&self, mut tcp: TcpStream) -> Result<Stream, String> {
        let mut conn = ClientConnection::new(self.cfg.clone(), self.name.clone())
            .map_err(|e| e.to_string())?;
        while conn.is_handshaking() {
            conn.complete_io(&mut tcp)
                .map_err(|e| format!("TLS handshake: {e}"))?;
        }
        Ok(StreamOwned::new(conn, tcp))
    }
}

/// Ends a session as a careful sender must: `close_notify`, then the
/// write side shut, then what the server sent read to its end (TLS 1.3
/// session tickets arrive unasked; a socket closed with them unread is
/// reset, and a reset can cost the server what it had not read yet).
pub fn close(s: &mut Stream) -> std::io::Result<()> {
    use std::io::Write;
    s.conn.send_close_notify();
    s.flush()?;
    s.sock.shutdown(std::net::Shutdown::Write)?;
    s.sock
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    // Read through the session: its tickets are kept for resumption.
    let mut buf = [0u8; 4096];
    loop {
        match std::io::Read::read(s, &mut buf) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::UnexpectedEof
                ) =>
            {
                return Ok(())
            }
            Err(e) => return Err(e),
        }
    }
}

/// Accepts any server certificate (signatures are still checked).
#[derive(Debug)]
struct Unchecked(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `loadgen handshakes`: `count` handshakes over `threads` threads, each
/// a new connection that sends one message and closes; with resumption
/// (the default), every connection after a thread's first resumes.
pub fn handshakes(o: &TlsOpts, target: &str, count: u64, threads: usize) -> Result<Value, String> {
    use std::io::Write;
    let client = Client::new(o, target)?;
    let done = Arc::new(AtomicU64::new(0));
    let resumed = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let handles: Vec<_> = (0..threads.max(1))
        .map(|_| {
            let (client, done, resumed, target) = (
                client.clone(),
                done.clone(),
                resumed.clone(),
                target.to_string(),
            );
            std::thread::spawn(move || -> Result<(), String> {
                while done.fetch_add(1, Ordering::Relaxed) < count {
                    let mut s = client.connect(&target)?;
                    if s.conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed) {
                        resumed.fetch_add(1, Ordering::Relaxed);
                    }
                    s.write_all(b"<13>Dec  6 10:00:00 loadgen handshake: one\n")
                        .map_err(|e| e.to_string())?;
                    close(&mut s).map_err(|e| e.to_string())?;
                }
                Ok(())
            })
        })
        .collect();
    for h in handles {
        h.join().map_err(|_| "a thread panicked".to_string())??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    Ok(json!({
        "handshakes": count,
        "resumed": resumed.load(Ordering::Relaxed),
        "threads": threads,
        "elapsed_s": elapsed,
        "handshakes_per_s": count as f64 / elapsed,
    }))
}

/// A TLS stream as two halves for two threads (RELP: a writer and a
/// reader of acknowledgements). The connection's state is shared under a
/// lock that no socket I/O is done under: the writer encrypts under it
/// and writes after, the reader reads the socket and decrypts under it.
/// Only the writer writes to the socket.
pub fn split(s: Stream) -> std::io::Result<(Reader, Writer)> {
    let StreamOwned { conn, sock } = s;
    let conn = Arc::new(std::sync::Mutex::new(conn));
    let reader = Reader {
        conn: conn.clone(),
        sock: sock.try_clone()?,
        buf: vec![0; 64 << 10],
        start: 0,
        end: 0,
    };
    Ok((reader, Writer { conn, sock }))
}

pub struct Reader {
    conn: Arc<std::sync::Mutex<ClientConnection>>,
    sock: TcpStream,
    /// Bytes read from the socket; `start..end` not yet given to rustls.
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

pub struct Writer {
    conn: Arc<std::sync::Mutex<ClientConnection>>,
    sock: TcpStream,
}

fn lock(c: &std::sync::Mutex<ClientConnection>) -> std::sync::MutexGuard<'_, ClientConnection> {
    c.lock().unwrap_or_else(|p| p.into_inner())
}

impl std::io::Read for Reader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        loop {
            {
                let mut c = lock(&self.conn);
                match c.reader().read(out) {
                    Ok(n) => return Ok(n),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(e),
                }
                // What was read and not yet taken in: as much as rustls
                // takes now (its plaintext buffer is bounded; the rest
                // waits for the caller to read what it has).
                if self.start < self.end {
                    let mut rest = &self.buf[self.start..self.end];
                    let before = rest.len();
                    c.read_tls(&mut rest)?;
                    self.start += before - rest.len();
                    c.process_new_packets()
                        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
                    continue;
                }
            }
            self.start = 0;
            self.end = self.sock.read(&mut self.buf)?;
            if self.end == 0 {
                // The end of the stream: rustls says whether it was clean.
                let mut c = lock(&self.conn);
                c.read_tls(&mut &[][..])?;
                c.process_new_packets()
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
                return match c.reader().read(out) {
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(0),
                    r => r,
                };
            }
        }
    }
}

impl std::io::Write for Writer {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        let mut out = Vec::with_capacity(b.len() + 256);
        {
            // rustls takes at most its buffer limit at a time: encrypt a
            // piece, take the records out, until all of `b` is in.
            let mut c = lock(&self.conn);
            let mut rest = b;
            while !rest.is_empty() {
                let n = c.writer().write(rest)?;
                rest = &rest[n..];
                let mut wrote = false;
                while c.wants_write() {
                    c.write_tls(&mut out)?;
                    wrote = true;
                }
                if n == 0 && !wrote {
                    return Err(std::io::ErrorKind::WriteZero.into());
                }
            }
        }
        self.sock.write_all(&out)?;
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.sock.flush()
    }
}
