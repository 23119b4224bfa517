//! TLS for stream inputs and outputs (RFC 5425 syslog over TLS, RELP over
//! TLS), on rustls.
//!
//! In: an endpoint's typed [`TlsConfig`]; accepted or opened TCP
//! connections. Out: [`Stream`]s that read and write plaintext, or a
//! [`Failed`] handshake with its reason.
//!
//! Guarantees:
//! - An [`Endpoint`] is built with its files read and checked at start:
//!   a certificate, key or CA that does not load stops corelogd with the
//!   file's name and why.
//! - [`Endpoint::reload`] (SIGHUP) re-reads the files for new sessions;
//!   a file that no longer loads keeps the endpoint as it was, with a
//!   notice. Sessions already open keep what they started with.
//! - A handshake takes at most [`HANDSHAKE_TIMEOUT`]; TLS 1.2 and 1.3
//!   only; compression is never negotiated (rustls has none).
//! - The only lock is the endpoint's current configuration, read once per
//!   handshake (never per message).

pub mod peer;
pub mod stream;
pub mod verify;

use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures_lite::future::or;
use glommio::net::TcpStream;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, ServerConfig};

use crate::config::modules::tls::{Side, TlsConfig};

pub use stream::Stream;

/// The longest a handshake may take; a peer that has not finished by
/// then is closed (a stalled handshake holds a session).
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What an endpoint's handshakes use now.
#[derive(Clone)]
enum Built {
    Server(Arc<ServerConfig>),
    Client(Arc<ClientConfig>),
}

/// One TLS input or output: its settings and what they load to.
pub struct Endpoint {
    config: TlsConfig,
    /// The name a client's handshake sends and, with no permitted peer,
    /// checks (the output's target).
    host: Option<String>,
    current: RwLock<Built>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("config", &self.config)
            .finish()
    }
}

/// Why a handshake failed, in words for the operator.
#[derive(Debug)]
pub struct Failed(pub String);

impl Endpoint {
    /// A server endpoint (imtcp, imrelp).
    pub fn server(config: &TlsConfig) -> Result<Endpoint, String> {
        assert_eq!(config.side, Side::Server);
        let built = Built::Server(server_config(config)?);
        Ok(Endpoint {
            config: config.clone(),
            host: None,
            current: RwLock::new(built),
        })
    }

    /// A client endpoint (omfwd, omrelp) connecting to `host`.
    pub fn client(config: &TlsConfig, host: &str) -> Result<Endpoint, String> {
        assert_eq!(config.side, Side::Client);
        let built = Built::Client(client_config(config, host)?);
        Ok(Endpoint {
            config: config.clone(),
            host: Some(host.to_string()),
            current: RwLock::new(built),
        })
    }

    /// Re-reads the files; on failure keeps what was loaded and says why.
    pub fn reload(&self, what: &str) {
        let built = match (&self.config.side, &self.host) {
            (Side::Server, _) => server_config(&self.config).map(Built::Server),
            (Side::Client, Some(h)) => client_config(&self.config, h).map(Built::Client),
            (Side::Client, None) => unreachable!("a client endpoint has its host"),
        };
        match built {
            Ok(b) => *self.current.write().unwrap_or_else(|p| p.into_inner()) = b,
            Err(e) => crate::notice!(
                "corelogd: {what}: the TLS files did not reload ({e}); new sessions use the ones loaded before."
            ),
        }
    }

    fn built(&self) -> Built {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Accepts a TLS session on `tcp`, within [`HANDSHAKE_TIMEOUT`].
    pub async fn accept(&self, tcp: TcpStream) -> Result<Stream, Failed> {
        let Built::Server(cfg) = self.built() else {
            unreachable!("accept on a client endpoint")
        };
        // The handshake's flights go out at once (Nagle held each behind
        // the peer's delayed acknowledgement: 4 ms per handshake).
        tcp.set_nodelay(true).ok();
        let acceptor = futures_rustls::TlsAcceptor::from(cfg);
        let hs = async { Some(acceptor.accept(tcp).await) };
        match or(hs, late()).await {
            Some(Ok(s)) => Ok(Stream::Server(Box::new(s))),
            Some(Err(e)) => Err(Failed(reason(&e))),
            None => Err(Failed(timed_out())),
        }
    }

    /// [`Endpoint::connect`] for an output: a failed handshake is an I/O
    /// error that says why.
    pub async fn connect_io(&self, tcp: TcpStream) -> std::io::Result<Stream> {
        self.connect(tcp).await.map_err(|Failed(why)| {
            std::io::Error::new(
                std::io::ErrorKind::ConnectionRefused,
                format!("TLS handshake failed: {why}"),
            )
        })
    }

    /// Opens a TLS session on `tcp`, within [`HANDSHAKE_TIMEOUT`].
    pub async fn connect(&self, tcp: TcpStream) -> Result<Stream, Failed> {
        let Built::Client(cfg) = self.built() else {
            unreachable!("connect on a server endpoint")
        };
        let host = self.host.as_deref().unwrap_or_default();
        let name = server_name(host);
        let connector = futures_rustls::TlsConnector::from(cfg);
        let hs = async { Some(connector.connect(name, tcp).await) };
        match or(hs, late()).await {
            Some(Ok(s)) => Ok(Stream::Client(Box::new(s))),
            Some(Err(e)) => Err(Failed(reason(&e))),
            None => Err(Failed(timed_out())),
        }
    }
}

async fn late<T>() -> Option<T> {
    glommio::timer::sleep(HANDSHAKE_TIMEOUT).await;
    None
}

fn timed_out() -> String {
    format!(
        "the handshake did not finish within {} s",
        HANDSHAKE_TIMEOUT.as_secs()
    )
}

/// The name a client sends (SNI) and rustls wants: the target, or for an
/// address or a name rustls does not take, a placeholder (rsyslog checks
/// names itself, and so does [`verify`]).
fn server_name(host: &str) -> ServerName<'static> {
    ServerName::try_from(host.to_string())
        .unwrap_or_else(|_| ServerName::try_from("syslog.invalid").expect("a valid DNS name"))
}

/// A handshake error in the operator's words.
fn reason(e: &std::io::Error) -> String {
    let inner = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
    match inner {
        Some(rustls::Error::InvalidMessage(_)) => {
            "what it sent is not TLS (a plaintext client on a TLS port?)".to_string()
        }
        Some(rustls::Error::InvalidCertificate(c)) => {
            format!("its certificate: {}", cert_reason(c))
        }
        Some(rustls::Error::NoCertificatesPresented) => {
            "it presented no certificate, and the authMode asks for one".to_string()
        }
        Some(rustls::Error::AlertReceived(a)) => {
            format!("it refused the handshake (alert: {a:?}); it may not accept our certificate")
        }
        Some(other) => other.to_string(),
        None if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the connection ended during the handshake (the peer closed it, or it was closed to make room for another)".to_string()
        }
        None => e.to_string(),
    }
}

fn cert_reason(c: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    match c {
        C::UnknownIssuer => "not issued by the configured CA (unknown issuer)".to_string(),
        C::Expired | C::ExpiredContext { .. } => "expired".to_string(),
        C::NotValidYet | C::NotValidYetContext { .. } => "not valid yet".to_string(),
        C::BadSignature => "bad signature".to_string(),
        C::Other(o) => o.to_string(),
        other => format!("{other:?}"),
    }
}

/// ring's suites: AES-GCM and ChaCha20-Poly1305 with X25519 or the NIST
/// curves. rustls deprecates it for lacking post-quantum key exchange,
/// which none of the peers corelog meets (GnuTLS 3.7, OpenSSL 3.0) has
/// either; aws-lc-rs would add a C build to every fresh clone.
///
/// Key exchange prefers X25519, then P-256: ring's default list puts
/// P-384 first, whose generic arithmetic made a handshake cost a
/// millisecond of CPU (perf: `nistz384_point_mul`, `bn_mul_mont`).
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    use rustls::crypto::ring::kx_group;
    #[allow(deprecated)]
    let base = rustls::crypto::ring::default_provider();
    Arc::new(rustls::crypto::CryptoProvider {
        kx_groups: vec![kx_group::X25519, kx_group::SECP256R1, kx_group::SECP384R1],
        ..base
    })
}

const VERSIONS: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let chain: Result<Vec<_>, _> = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .collect();
    let chain = chain.map_err(|e| format!("{}: {e}", path.display()))?;
    match chain.is_empty() {
        true => Err(format!("{}: no PEM certificate in it", path.display())),
        false => Ok(chain),
    }
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_roots(c: &TlsConfig) -> Result<Arc<RootCertStore>, String> {
    let mut roots = RootCertStore::empty();
    for p in c.files.ca.iter().chain(&c.files.ca_extra) {
        for cert in read_chain(p)? {
            roots
                .add(cert)
                .map_err(|e| format!("{}: not a CA certificate rustls takes: {e}", p.display()))?;
        }
    }
    Ok(Arc::new(roots))
}

fn identity(
    c: &TlsConfig,
) -> Result<Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>, String> {
    match (&c.files.cert, &c.files.key) {
        (Some(cert), Some(key)) => Ok(Some((read_chain(cert)?, read_key(key)?))),
        _ => Ok(None),
    }
}

fn server_config(c: &TlsConfig) -> Result<Arc<ServerConfig>, String> {
    let provider = provider();
    let roots = read_roots(c)?;
    let check = verify::PeerCheck::new(c, roots, provider.clone())?;
    let (chain, key) = identity(c)?.ok_or("a TLS server needs a certificate and its key")?;
    let mut cfg = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(VERSIONS)
        .map_err(|e| e.to_string())?
        .with_client_cert_verifier(Arc::new(verify::ClientCheck { check }))
        .with_single_cert(chain, key)
        .map_err(|e| format!("the certificate and key: {e}"))?;
    // Resumption: stateless tickets (TLS 1.3 and 1.2) and a session cache.
    cfg.ticketer = rustls::crypto::ring::Ticketer::new().map_err(|e| e.to_string())?;
    cfg.session_storage = rustls::server::ServerSessionMemoryCache::new(SESSION_CACHE);
    Ok(Arc::new(cfg))
}

/// Sessions a server remembers for resumption by ID (TLS 1.2).
const SESSION_CACHE: usize = 4096;

fn client_config(c: &TlsConfig, host: &str) -> Result<Arc<ClientConfig>, String> {
    let provider = provider();
    let roots = read_roots(c)?;
    let check = verify::PeerCheck::new(c, roots, provider.clone())?;
    let verifier = Arc::new(verify::ServerCheck {
        check,
        host: host.to_string(),
    });
    let builder = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(VERSIONS)
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut cfg = match identity(c)? {
        Some((chain, key)) => builder
            .with_client_auth_cert(chain, key)
            .map_err(|e| format!("the certificate and key: {e}"))?,
        None => builder.with_no_client_auth(),
    };
    // A forwarding connection lives long, so resuming saves little; and
    // OpenSSL servers that ask for a certificate without a session ID
    // context (librelp 1.11's, rsyslog 8.2302's ossl) fail a resumed
    // handshake: "session id context uninitialized".
    cfg.resumption = rustls::client::Resumption::disabled();
    Ok(Arc::new(cfg))
}
