//! A TCP relay that cuts the network to a server on demand, without
//! closing a connection (the Kafka and NATS fault tests); and one that
//! ends TLS in front of a server that has none (the Kafka TLS test: only a
//! client that speaks TLS gets through).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A TCP relay in front of a server that the test can close: closed, it
/// moves no byte either way and holds every connection open, as a network
/// that drops packets does.
pub struct Gate {
    closed: Arc<AtomicBool>,
}

impl Gate {
    /// Relays `127.0.0.1:listen` to `127.0.0.1:to`.
    pub fn start(listen: u16, to: u16) -> Gate {
        let closed = Arc::new(AtomicBool::new(false));
        let l = TcpListener::bind(("127.0.0.1", listen)).expect("the gate's port");
        let c = closed.clone();
        std::thread::spawn(move || {
            for s in l.incoming().flatten() {
                let c = c.clone();
                std::thread::spawn(move || relay(s, to, c));
            }
        });
        Gate { closed }
    }

    /// Cuts the network to the server.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
    }

    pub fn open(&self) {
        self.closed.store(false, Ordering::SeqCst);
    }
}

fn relay(client: TcpStream, to: u16, closed: Arc<AtomicBool>) {
    while closed.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let Ok(server) = TcpStream::connect(("127.0.0.1", to)) else {
        return;
    };
    let pairs = [
        (client.try_clone(), server.try_clone()),
        (server.try_clone(), client.try_clone()),
    ];
    let mut threads = Vec::new();
    for (from, into) in pairs {
        let (Ok(mut from), Ok(mut into)) = (from, into) else {
            return;
        };
        let closed = closed.clone();
        threads.push(std::thread::spawn(move || {
            let mut buf = vec![0u8; 64 << 10];
            loop {
                while closed.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(20));
                }
                let n = match from.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                while closed.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(20));
                }
                if into.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            let _ = into.shutdown(Shutdown::Both);
            let _ = from.shutdown(Shutdown::Both);
        }));
    }
    for t in threads {
        let _ = t.join();
    }
}

/// A relay that takes TLS on `127.0.0.1:listen` (with `cert` and `key`,
/// PEM) and relays the plaintext to `127.0.0.1:to`. A client that does
/// not speak TLS gets nothing through. Runs until the process ends.
pub fn start_tls(listen: u16, to: u16, cert: &std::path::Path, key: &std::path::Path) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .expect("the gate's certificate")
        .collect::<Result<_, _>>()
        .expect("the gate's certificate");
    let key = PrivateKeyDer::from_pem_file(key).expect("the gate's key");
    let provider = corelog::tls::provider();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("the gate's certificate and key");
    let config = Arc::new(config);
    let l = TcpListener::bind(("127.0.0.1", listen)).expect("the TLS gate's port");
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let config = config.clone();
            std::thread::spawn(move || {
                let _ = relay_tls(s, to, config);
            });
        }
    });
}

/// One TLS connection relayed, on one thread: each side is read with a
/// short timeout in turn.
fn relay_tls(
    mut client: TcpStream,
    to: u16,
    config: Arc<rustls::ServerConfig>,
) -> std::io::Result<()> {
    use std::io::ErrorKind;
    let mut server = TcpStream::connect(("127.0.0.1", to))?;
    let tick = Some(Duration::from_millis(2));
    client.set_read_timeout(tick)?;
    server.set_read_timeout(tick)?;
    let mut conn = rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
    // What the server sends is queued whole, however much is waiting.
    conn.set_buffer_limit(None);
    let mut buf = vec![0u8; 64 << 10];
    let waiting =
        |e: &std::io::Error| matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut);
    loop {
        // All the client sent, before the server is looked at.
        loop {
            match conn.read_tls(&mut client) {
                Ok(0) => return Ok(()),
                Ok(_) => {
                    conn.process_new_packets().map_err(std::io::Error::other)?;
                    loop {
                        match conn.reader().read(&mut buf) {
                            Ok(0) => return Ok(()),
                            Ok(n) => server.write_all(&buf[..n])?,
                            Err(e) if waiting(&e) => break,
                            Err(e) => return Err(e),
                        }
                    }
                }
                Err(e) if waiting(&e) => break,
                Err(e) => return Err(e),
            }
        }
        if !conn.is_handshaking() {
            match server.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => conn.writer().write_all(&buf[..n])?,
                Err(e) if waiting(&e) => {}
                Err(e) => return Err(e),
            }
        }
        while conn.wants_write() {
            conn.write_tls(&mut client)?;
        }
    }
}
