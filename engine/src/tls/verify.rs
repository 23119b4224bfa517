//! rsyslog's authentication modes as rustls certificate verifiers, for
//! both sides of a handshake.
//!
//! In: the peer's certificate chain during a handshake. Out: accepted, or
//! an error whose text says why (it reaches the operator's notice and the
//! peer's alert). Guarantees:
//! - `anon` accepts any certificate (and a server asks for none); the
//!   handshake's signatures are still checked, so the peer holds the key
//!   of what it presented.
//! - `x509/certvalid` accepts a chain to the configured CA;
//!   `x509/name` such a chain whose SAN dNSNames (then CN) match a
//!   permitted peer; `x509/fingerprint` a certificate whose SHA-1 or
//!   SHA-256 is permitted, chain unchecked (as rsyslog).
//! - An expired certificate fails unless `permitExpiredCerts` is `on` or
//!   `warn`; then the chain is checked as of the moment before the peer's
//!   own certificate expired (an intermediate that had expired by then
//!   still fails).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, Error, RootCertStore};

use crate::config::modules::tls::{AuthMode, Expired, Peer, TlsConfig};

use super::peer::{self, Algo, Fingerprint};

/// Why a peer was refused, in words.
#[derive(Debug)]
struct Refused(String);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

fn refused(why: String) -> Error {
    Error::InvalidCertificate(CertificateError::Other(rustls::OtherError(Arc::new(
        Refused(why),
    ))))
}

/// What a peer must be, and how to check it.
#[derive(Debug)]
pub struct PeerCheck {
    auth: AuthMode,
    peers: Vec<Peer>,
    expired: Expired,
    check_purpose: bool,
    prioritize_san: bool,
    verify_depth: Option<u32>,
    roots: Arc<RootCertStore>,
    /// For a server's client check: rustls's chain check, with `roots`.
    client_chain: Option<Arc<dyn ClientCertVerifier>>,
    provider: Arc<CryptoProvider>,
}

impl PeerCheck {
    pub fn new(
        c: &TlsConfig,
        roots: Arc<RootCertStore>,
        provider: Arc<CryptoProvider>,
    ) -> Result<PeerCheck, String> {
        let chain_checked = matches!(c.auth, AuthMode::CertValid | AuthMode::Name);
        let client_chain = match (c.side, chain_checked) {
            (crate::config::modules::tls::Side::Server, true) => Some(
                rustls::server::WebPkiClientVerifier::builder_with_provider(
                    roots.clone(),
                    provider.clone(),
                )
                .build()
                .map_err(|e| format!("the CA file: {e}"))?,
            ),
            _ => None,
        };
        Ok(PeerCheck {
            auth: c.auth,
            peers: c.peers.clone(),
            expired: c.expired,
            check_purpose: c.check_purpose,
            prioritize_san: c.prioritize_san,
            verify_depth: c.verify_depth,
            roots,
            client_chain,
            provider,
        })
    }

    /// Checks a peer's chain; `host` is the name a client connected to
    /// (the names to match when no permitted peer is given).
    fn check(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
        host: Option<&str>,
    ) -> Result<(), Error> {
        match self.auth {
            AuthMode::Anon => Ok(()),
            AuthMode::Fingerprint => self.check_fingerprint(end_entity),
            AuthMode::CertValid => self.check_chain(end_entity, intermediates, now),
            AuthMode::Name => {
                self.check_chain(end_entity, intermediates, now)?;
                self.check_name(end_entity, host)
            }
        }
    }

    fn check_fingerprint(&self, cert: &CertificateDer<'_>) -> Result<(), Error> {
        let mut seen = Vec::new();
        for algo in [Algo::Sha1, Algo::Sha256] {
            let fp = Fingerprint::of(algo, cert);
            let permitted = self
                .peers
                .iter()
                .any(|p| matches!(p, Peer::Fingerprint(f) if *f == fp));
            if permitted {
                return Ok(());
            }
            seen.push(fp.to_string());
        }
        Err(refused(format!(
            "its fingerprint is not permitted ({})",
            seen.join(", ")
        )))
    }

    fn check_chain(
        &self,
        cert: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<(), Error> {
        // TlsVerifyDepth applies where a chain is checked, as in rsyslog.
        if let Some(depth) = self.verify_depth {
            let presented = 1 + intermediates.len();
            if presented > depth as usize {
                return Err(refused(format!(
                    "its chain has {presented} certificates, more than TlsVerifyDepth ({depth})"
                )));
            }
        }
        let r = self.chain_at(cert, intermediates, now);
        let expired = matches!(
            &r,
            Err(Error::InvalidCertificate(
                CertificateError::Expired | CertificateError::ExpiredContext { .. }
            ))
        );
        if !expired || self.expired == Expired::Deny {
            return r;
        }
        // Permitted, if the peer's own certificate has expired: the chain
        // as it was the second before (never a later moment; an
        // intermediate or CA expired by then is refused).
        let end = peer::not_after(cert).and_then(|t| u64::try_from(t).ok());
        let Some(end) = end.filter(|&e| e < now.as_secs()) else {
            return r;
        };
        let before = UnixTime::since_unix_epoch(Duration::from_secs(end.saturating_sub(1)));
        self.chain_at(cert, intermediates, before)?;
        if self.expired == Expired::Warn {
            crate::notice!(
                "corelogd: TLS: a peer's certificate has expired; accepted because permitExpiredCerts is \"warn\"."
            );
        }
        Ok(())
    }

    fn chain_at(
        &self,
        cert: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<(), Error> {
        match &self.client_chain {
            Some(v) => v.verify_client_cert(cert, intermediates, now).map(|_| ()),
            None => {
                let parsed = ParsedCertificate::try_from(cert)?;
                rustls::client::verify_server_cert_signed_by_trust_anchor(
                    &parsed,
                    &self.roots,
                    intermediates,
                    now,
                    self.provider.signature_verification_algorithms.all,
                )
            }
        }?;
        if self.check_purpose {
            let purpose = match self.client_chain {
                Some(_) => Purpose::Client,
                None => Purpose::Server,
            };
            check_purpose(cert, purpose)?;
        }
        Ok(())
    }

    fn check_name(&self, cert: &CertificateDer<'_>, host: Option<&str>) -> Result<(), Error> {
        let names = peer::names(cert, self.prioritize_san);
        let mut permitted: Vec<&str> = self
            .peers
            .iter()
            .filter_map(|p| match p {
                Peer::Name(n) => Some(n.as_str()),
                Peer::Fingerprint(_) => None,
            })
            .collect();
        if permitted.is_empty() {
            permitted.extend(host);
        }
        let ok = names
            .iter()
            .any(|n| permitted.iter().any(|p| peer::name_matches(p, n)));
        match ok {
            true => Ok(()),
            false => Err(refused(format!(
                "its name{} {} not permitted (permitted: {})",
                if names.len() == 1 { "" } else { "s" },
                match names.is_empty() {
                    true => "(none: no SAN dNSName, no CN) is".to_string(),
                    false => format!("{names:?} {}", if names.len() == 1 { "is" } else { "are" }),
                },
                permitted.join(", ")
            ))),
        }
    }

    fn tls12(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn tls13(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[derive(Clone, Copy)]
enum Purpose {
    Server,
    Client,
}

/// `CheckExtendedKeyPurpose`: an extended key usage, where the certificate
/// has one, must name `purpose` (none means any purpose, RFC 5280 and
/// GnuTLS); one that does not parse fails.
fn check_purpose(cert: &CertificateDer<'_>, purpose: Purpose) -> Result<(), Error> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let ok = match X509Certificate::from_der(cert) {
        Ok((_, c)) => match c.extended_key_usage() {
            Ok(Some(eku)) => match purpose {
                Purpose::Server => eku.value.server_auth || eku.value.any,
                Purpose::Client => eku.value.client_auth || eku.value.any,
            },
            Ok(None) => true,
            Err(_) => false,
        },
        Err(_) => false,
    };
    let name = match purpose {
        Purpose::Server => "TLS server",
        Purpose::Client => "TLS client",
    };
    match ok {
        true => Ok(()),
        false => Err(refused(format!(
            "its certificate has no extended key usage for a {name} (CheckExtendedKeyPurpose is on)"
        ))),
    }
}

/// A client's check of the server it connected to.
#[derive(Debug)]
pub struct ServerCheck {
    pub check: PeerCheck,
    /// The target as configured: the name matched when no permitted peer
    /// is given.
    pub host: String,
}

impl ServerCertVerifier for ServerCheck {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        self.check
            .check(end_entity, intermediates, now, Some(&self.host))
            .map(|()| ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.check.tls12(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.check.tls13(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.check.schemes()
    }
}

/// A server's check of its clients.
#[derive(Debug)]
pub struct ClientCheck {
    pub check: PeerCheck,
}

impl ClientCertVerifier for ClientCheck {
    fn offer_client_auth(&self) -> bool {
        self.check.auth != AuthMode::Anon
    }

    fn client_auth_mandatory(&self) -> bool {
        self.check.auth != AuthMode::Anon
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        // No hints: a client then sends its certificate whoever issued it
        // (fingerprint mode permits self-signed ones).
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        self.check
            .check(end_entity, intermediates, now, None)
            .map(|()| ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.check.tls12(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.check.tls13(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.check.schemes()
    }
}
