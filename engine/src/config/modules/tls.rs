//! TLS settings of stream inputs and outputs (rsyslog's netstream drivers
//! `gtls` and `ossl`, and librelp's `tls.*`), typed.
//!
//! In: what an input or action gave (its own parameters, with the
//! module's), and once the whole configuration is read, `global()`'s
//! `defaultNetstreamDriver*` defaults. Out: `None` for a plaintext
//! endpoint, or a [`TlsConfig`] that says everything the TLS layer does:
//! which files, which peers it accepts and how it checks them.
//!
//! Guarantees: an endpoint that asked for TLS gets TLS or the
//! configuration is refused — there is no setting under which TLS is
//! asked and plaintext is spoken; a certificate check that was asked for
//! is never left out. Both driver names select corelog's TLS (rustls).

use std::path::PathBuf;

use crate::config::param::{Resolved, Type};
use crate::config::Pos;

/// rsyslog's netstream drivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Driver {
    /// Plain TCP.
    Ptcp,
    /// TLS (GnuTLS in rsyslog).
    Gtls,
    /// TLS (OpenSSL in rsyslog).
    Ossl,
}

impl Driver {
    /// In the order of [`super::DRIVERS`].
    pub const ALL: [Driver; 3] = [Driver::Ptcp, Driver::Gtls, Driver::Ossl];
}

/// Which side of the handshake an endpoint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// imtcp, imrelp: accepts connections.
    Server,
    /// omfwd, omrelp: opens them.
    Client,
}

/// How the peer is authenticated (rsyslog's `authMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// Nothing of the peer is checked (`anon`). A server then asks no
    /// certificate of its clients.
    Anon,
    /// The peer's chain must lead to the CA (`x509/certvalid`, librelp
    /// `certvalid`).
    CertValid,
    /// The chain, then the peer's name against the permitted peers
    /// (`x509/name`, librelp `name`).
    Name,
    /// The certificate's hash against the permitted peers
    /// (`x509/fingerprint`, librelp `fingerprint`); the chain is not
    /// checked, as in rsyslog.
    Fingerprint,
}

impl AuthMode {
    pub fn name(self) -> &'static str {
        match self {
            AuthMode::Anon => "anon",
            AuthMode::CertValid => "x509/certvalid",
            AuthMode::Name => "x509/name",
            AuthMode::Fingerprint => "x509/fingerprint",
        }
    }
}

/// `permitExpiredCerts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expired {
    /// An expired peer certificate fails the handshake.
    Deny,
    /// It is accepted.
    Permit,
    /// It is accepted, and a notice says so.
    Warn,
}

/// One `permittedPeer` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    /// A name, possibly with `*` wildcards (rsyslog's rules, see
    /// [`crate::tls::peer`]).
    Name(String),
    /// `SHA1:`/`SHA256:` and the digest of the certificate's DER.
    Fingerprint(crate::tls::peer::Fingerprint),
}

/// A TLS endpoint's files; any may come from `global()`'s defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsFiles {
    /// The CA certificates (PEM) that peers' chains must lead to.
    pub ca: Option<PathBuf>,
    /// This endpoint's certificate chain (PEM), leaf first.
    pub cert: Option<PathBuf>,
    /// Its private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub key: Option<PathBuf>,
    /// `netstreamDriverCAExtraFiles`: more CA files, for every endpoint.
    pub ca_extra: Vec<PathBuf>,
}

impl TlsFiles {
    /// `self`'s files, each missing one taken from `defaults`.
    pub fn or(&self, defaults: &TlsFiles) -> TlsFiles {
        TlsFiles {
            ca: self.ca.clone().or_else(|| defaults.ca.clone()),
            cert: self.cert.clone().or_else(|| defaults.cert.clone()),
            key: self.key.clone().or_else(|| defaults.key.clone()),
            ca_extra: defaults.ca_extra.clone(),
        }
    }
}

/// `global()`'s netstream defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetstreamDefaults {
    /// `defaultNetstreamDriver`.
    pub driver: Driver,
    /// `defaultNetstreamDriver{CA,Cert,Key}File`.
    pub files: TlsFiles,
}

impl Default for NetstreamDefaults {
    fn default() -> Self {
        NetstreamDefaults {
            driver: Driver::Ptcp,
            files: TlsFiles::default(),
        }
    }
}

/// What an input or action asked, before `global()` is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsAsked {
    pub side: Side,
    /// The driver it named (`None`: `defaultNetstreamDriver`); librelp's
    /// `tls="on"` is [`Driver::Gtls`].
    pub driver: Option<Driver>,
    /// `streamDriver.mode`: 1 for TLS. librelp's `tls="on"` is 1.
    pub mode: i64,
    /// Whether the mode (`tls` for RELP) was given, rather than defaulted.
    pub mode_given: bool,
    /// `None`: not given (netstream drivers: `x509/name`, as rsyslog;
    /// RELP: `fingerprint` with a certificate, else none).
    pub auth: Option<AuthMode>,
    /// `permittedPeer` entries as written.
    pub peers: Vec<String>,
    pub expired: Expired,
    /// `CheckExtendedKeyPurpose`: the peer's certificate must name the
    /// purpose (TLS server or client) in an extended key usage.
    pub check_purpose: bool,
    /// `PrioritizeSAN`: with SAN dNSNames, the CN is not looked at.
    pub prioritize_san: bool,
    /// `TlsVerifyDepth`: the longest chain accepted (`None`: the TLS
    /// library's).
    pub verify_depth: Option<u32>,
    pub files: TlsFiles,
    /// The object's parameter names.
    pub names: &'static Names,
    /// Where TLS was asked for (the mode's or `tls`'s position, else the
    /// object's), for errors found once `global()` is known.
    pub pos: Pos,
}

/// Everything the TLS layer needs for one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsConfig {
    pub side: Side,
    pub driver: Driver,
    pub auth: AuthMode,
    pub peers: Vec<Peer>,
    pub expired: Expired,
    pub check_purpose: bool,
    pub prioritize_san: bool,
    pub verify_depth: Option<u32>,
    pub files: TlsFiles,
}

impl TlsAsked {
    /// The first TLS-only setting given (by its name in `n`), if any.
    fn tls_setting(&self, n: &Names) -> Option<&'static str> {
        let f = &self.files;
        [
            (
                matches!(self.driver, Some(Driver::Gtls | Driver::Ossl)) && !n.relp,
                n.driver,
            ),
            (self.auth.is_some(), n.auth),
            (!self.peers.is_empty(), n.peers),
            (f.ca.is_some(), n.ca),
            (f.cert.is_some(), n.cert),
            (f.key.is_some(), n.key),
            (
                self.expired != Expired::Deny,
                "streamDriver.permitExpiredCerts",
            ),
            (self.check_purpose, "streamDriver.CheckExtendedKeyPurpose"),
            (self.prioritize_san, "streamDriver.PrioritizeSAN"),
            (self.verify_depth.is_some(), "streamDriver.TlsVerifyDepth"),
        ]
        .into_iter()
        .find_map(|(given, name)| given.then_some(name))
    }
}

/// Parses `permittedPeer` entries: a `SHA1:`/`SHA256:` prefix makes a
/// fingerprint, anything else is a name (whose wildcards must be ones
/// rsyslog knows).
pub fn peers(entries: &[String]) -> Result<Vec<Peer>, String> {
    let mut out = Vec::with_capacity(entries.len());
    for e in entries.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
        match crate::tls::peer::Fingerprint::parse(e) {
            Some(Ok(f)) => out.push(Peer::Fingerprint(f)),
            Some(Err(why)) => return Err(format!("permitted peer \"{e}\": {why}")),
            None => match crate::tls::peer::check_pattern(e) {
                Ok(()) => out.push(Peer::Name(e.to_string())),
                Err(why) => return Err(format!("permitted peer \"{e}\": {why}")),
            },
        }
    }
    Ok(out)
}

/// `asked` completed with `global()`'s defaults: `Ok(None)` for plain
/// TCP, else the endpoint's TLS, or why the combination cannot run.
pub fn complete(
    asked: &TlsAsked,
    defaults: &NetstreamDefaults,
) -> Result<Option<TlsConfig>, String> {
    let n = asked.names;
    let (ca, cert, key) = (
        n.file(n.ca, "defaultNetstreamDriverCAFile"),
        n.file(n.cert, "defaultNetstreamDriverCertFile"),
        n.file(n.key, "defaultNetstreamDriverKeyFile"),
    );
    let driver = asked.driver.unwrap_or(defaults.driver);
    match (driver, asked.mode) {
        (_, 0) => {
            // TLS settings beside a mode nobody set: the user meant TLS
            // and would get plain TCP with nothing checked. A mode given as
            // 0 says plain TCP is meant (settings inherited from module()
            // for other inputs then rest).
            return match (asked.mode_given, asked.tls_setting(n)) {
                (false, Some(what)) => Err(format!(
                    "{what} is a TLS setting, but {mode} is not given: the connection would be plain TCP and nothing of the peer would be checked; set {mode}=\"{on}\" for TLS, or {mode}=\"{off}\" if plain TCP is meant",
                    mode = n.mode,
                    on = if n.relp { "on" } else { "1" },
                    off = if n.relp { "off" } else { "0" },
                )),
                _ => Ok(None),
            };
        }
        (Driver::Ptcp, m) => {
            return Err(format!(
                "{}=\"{m}\" asks for TLS, but the stream driver is ptcp (plain TCP); set {}=\"gtls\" (or \"ossl\") or global(defaultNetstreamDriver=\"gtls\")",
                n.mode, n.driver
            ))
        }
        (_, 1) => {}
        (_, m) => {
            return Err(format!(
                "{}=\"{m}\": the TLS drivers know mode 0 (plain TCP) and 1 (TLS)",
                n.mode
            ))
        }
    }
    // librelp has its own files; rsyslog's global defaults are the
    // netstream drivers'.
    let files = match n.relp {
        true => asked.files.clone(),
        false => asked.files.or(&defaults.files),
    };
    if files.cert.is_some() != files.key.is_some() {
        return Err(format!(
            "a certificate needs its key and a key its certificate: give both {cert} and {key}"
        ));
    }
    if asked.side == Side::Server && files.cert.is_none() {
        let anon = match n.relp {
            true => "; librelp's certificate-less anonymous TLS uses anonymous Diffie-Hellman cipher suites, which rustls does not have (and which let anyone in the middle read along)",
            false => "",
        };
        return Err(format!(
            "a TLS server needs a certificate and its key: give {cert} and {key}{anon}"
        ));
    }
    let auth = match (asked.auth, n.relp) {
        (Some(a), _) => a,
        (None, false) => AuthMode::Name,
        // librelp: a certificate makes fingerprint the default, none
        // leaves the peer unchecked.
        (None, true) if files.cert.is_some() => AuthMode::Fingerprint,
        // A client given a CA and no certificate checks the server's
        // chain (librelp would check nothing, leaving the CA unused).
        (None, true) if files.ca.is_some() => AuthMode::CertValid,
        (None, true) => AuthMode::Anon,
    };
    let peers = peers(&asked.peers)?;
    let has_fp = peers.iter().any(|p| matches!(p, Peer::Fingerprint(_)));
    let has_name = peers.iter().any(|p| matches!(p, Peer::Name(_)));
    let default_note = match asked.auth {
        Some(_) => String::new(),
        None => format!(" ({} is {} when not given)", n.auth, auth.name()),
    };
    match auth {
        AuthMode::Anon | AuthMode::CertValid if !peers.is_empty() => {
            return Err(format!(
                "{}: authMode {} checks no peer's name or fingerprint, so the permitted peers would be ignored; use x509/name or x509/fingerprint, or remove them",
                n.peers,
                auth.name()
            ));
        }
        AuthMode::Fingerprint if !has_fp => {
            return Err(format!(
                "authMode {}{default_note} needs the permitted peers' fingerprints ({}=\"SHA1:…\" or \"SHA256:…\")",
                auth.name(),
                n.peers
            ));
        }
        AuthMode::Name if (asked.side == Side::Server || n.relp) && !has_name => {
            return Err(format!(
                "authMode {}{default_note} needs the names of the permitted peers ({}=\"…\"); rsyslog would refuse every peer",
                auth.name(),
                n.peers
            ));
        }
        _ => {}
    }
    let needs_ca = matches!(auth, AuthMode::CertValid | AuthMode::Name);
    if needs_ca && files.ca.is_none() && files.ca_extra.is_empty() {
        return Err(format!(
            "authMode {}{default_note} checks the peer's chain: give {ca}",
            auth.name()
        ));
    }
    Ok(Some(TlsConfig {
        side: asked.side,
        driver,
        auth,
        peers,
        expired: asked.expired,
        check_purpose: asked.check_purpose,
        prioritize_san: asked.prioritize_san,
        verify_depth: asked.verify_depth,
        files,
    }))
}

/// The parameter names of one kind of endpoint (rsyslog's spelling for
/// that object), to read them and to name them in messages.
#[derive(Debug, PartialEq, Eq)]
pub struct Names {
    pub driver: &'static str,
    pub mode: &'static str,
    pub auth: &'static str,
    pub peers: &'static str,
    pub ca: &'static str,
    pub cert: &'static str,
    pub key: &'static str,
    /// librelp's `tls.*` rather than a netstream driver's.
    pub relp: bool,
}

/// imtcp's names.
pub static IMTCP: Names = Names {
    driver: "streamDriver.name",
    mode: "streamDriver.mode",
    auth: "streamDriver.authMode",
    peers: "permittedPeer",
    ca: "streamDriver.CAFile",
    cert: "streamDriver.CertFile",
    key: "streamDriver.KeyFile",
    relp: false,
};

/// omfwd's names.
pub static OMFWD: Names = Names {
    driver: "StreamDriver",
    mode: "StreamDriverMode",
    auth: "StreamDriverAuthMode",
    peers: "StreamDriverPermittedPeers",
    ..IMTCP
};

/// imrelp's and omrelp's names.
pub static RELP: Names = Names {
    driver: "tls",
    mode: "tls",
    auth: "tls.authMode",
    peers: "tls.permittedPeer",
    ca: "tls.caCert",
    cert: "tls.myCert",
    key: "tls.myPrivKey",
    relp: true,
};

impl Names {
    /// A file parameter's name, with the global default it falls back on.
    fn file(&self, name: &str, global: &str) -> String {
        match self.relp {
            true => name.to_string(),
            false => format!("{name} (or global({global}))"),
        }
    }
}

/// The values of `streamDriver.authMode` (rsyslog's spellings).
pub const AUTH_MODES: &[&str] = &["anon", "x509/certvalid", "x509/name", "x509/fingerprint"];
/// librelp's `tls.authMode` values.
pub const RELP_AUTH_MODES: &[&str] = &["certvalid", "name", "fingerprint"];
/// Why `tls.compression="on"` is refused.
pub const COMPRESSION: &str = "TLS compression lets an eavesdropper learn what was sent (CRIME), and rustls has none; remove tls.compression or set it off";
/// Why `tls.dhbits` is only warned about.
pub const DHBITS: &str = "rustls uses no finite-field Diffie-Hellman (its key exchange is ECDHE), so there are no DH bits to set; the session is as strong without it";
/// Why `tls.tlsLib` is only warned about.
pub const TLS_LIB: &str = "corelogd's TLS is rustls whichever library is named; both behave as librelp's (see docs/tls.md)";

/// `TlsVerifyDepth`: rsyslog takes 2 at least.
pub const DEPTH: Type = Type::Int {
    min: 2,
    max: i32::MAX as i64,
};
/// `permitExpiredCerts` values.
pub const EXPIRED: &[&str] = &["off", "on", "warn"];

/// Reads a netstream endpoint's parameters (imtcp, omfwd).
pub fn netstream(r: &Resolved, n: &'static Names, side: Side) -> TlsAsked {
    let peers = match side {
        Side::Server => r.list(n.peers),
        // omfwd: one string, comma-separated.
        Side::Client => r
            .opt_str(n.peers)
            .unwrap_or_default()
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
    };
    let auth = [
        AuthMode::Anon,
        AuthMode::CertValid,
        AuthMode::Name,
        AuthMode::Fingerprint,
    ];
    TlsAsked {
        side,
        driver: r.given_int(n.driver).map(|i| Driver::ALL[i as usize]),
        mode: r.int(n.mode),
        mode_given: r.given(n.mode),
        auth: r.given_int(n.auth).map(|i| auth[i as usize]),
        peers,
        expired: [Expired::Deny, Expired::Permit, Expired::Warn]
            [r.choice("streamDriver.permitExpiredCerts")],
        check_purpose: r.bool("streamDriver.CheckExtendedKeyPurpose"),
        prioritize_san: r.bool("streamDriver.PrioritizeSAN"),
        verify_depth: r.opt_int("streamDriver.TlsVerifyDepth").map(|d| d as u32),
        files: TlsFiles {
            ca: r.opt_str(n.ca).map(PathBuf::from),
            cert: r.opt_str(n.cert).map(PathBuf::from),
            key: r.opt_str(n.key).map(PathBuf::from),
            ca_extra: Vec::new(),
        },
        names: n,
        pos: r.pos_of(n.mode),
    }
}

/// Reads imrelp's or omrelp's `tls` and `tls.*` (mode 0 with `tls`
/// off: [`complete`] refuses `tls.*` settings beside a `tls` not given).
pub fn relp(r: &Resolved, side: Side) -> TlsAsked {
    let on = r.bool("tls");
    let auth = [AuthMode::CertValid, AuthMode::Name, AuthMode::Fingerprint];
    TlsAsked {
        side,
        driver: Some(Driver::Gtls),
        mode: i64::from(on),
        mode_given: r.given("tls"),
        auth: r.given_int("tls.authMode").map(|i| auth[i as usize]),
        peers: r.list("tls.permittedPeer"),
        expired: Expired::Deny,
        check_purpose: false,
        prioritize_san: false,
        verify_depth: None,
        files: TlsFiles {
            ca: r.opt_str("tls.caCert").map(PathBuf::from),
            cert: r.opt_str("tls.myCert").map(PathBuf::from),
            key: r.opt_str("tls.myPrivKey").map(PathBuf::from),
            ca_extra: Vec::new(),
        },
        names: &RELP,
        pos: match on {
            true => r.pos_of("tls"),
            false => r.pos(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(side: Side, auth: AuthMode) -> TlsAsked {
        TlsAsked {
            side,
            driver: Some(Driver::Gtls),
            mode: 1,
            mode_given: true,
            auth: Some(auth),
            peers: Vec::new(),
            expired: Expired::Deny,
            check_purpose: false,
            prioritize_san: false,
            verify_depth: None,
            files: TlsFiles::default(),
            names: &IMTCP,
            pos: Pos::default(),
        }
    }

    fn files() -> NetstreamDefaults {
        NetstreamDefaults {
            driver: Driver::Ptcp,
            files: TlsFiles {
                ca: Some("ca.pem".into()),
                cert: Some("c.pem".into()),
                key: Some("k.pem".into()),
                ca_extra: Vec::new(),
            },
        }
    }

    #[test]
    fn mode_zero_is_plain_and_ptcp_with_mode_one_is_refused() {
        let mut a = asked(Side::Server, AuthMode::Anon);
        a.mode = 0;
        assert_eq!(complete(&a, &files()), Ok(None));
        a.mode = 1;
        a.driver = None;
        let e = complete(&a, &files()).unwrap_err();
        assert!(e.contains("ptcp"), "{e}");
        a.mode = 2;
        a.driver = Some(Driver::Ossl);
        assert!(complete(&a, &files()).is_err());
    }

    #[test]
    fn tls_settings_without_a_mode_are_refused_and_a_mode_of_zero_is_plain() {
        let mut a = asked(Side::Server, AuthMode::Anon);
        a.mode = 0;
        a.mode_given = false;
        let e = complete(&a, &files()).unwrap_err();
        assert!(e.starts_with("streamDriver.name is a TLS setting"), "{e}");
        a.driver = None;
        let e = complete(&a, &files()).unwrap_err();
        assert!(
            e.starts_with("streamDriver.authMode is a TLS setting"),
            "{e}"
        );
        a.mode_given = true;
        assert_eq!(complete(&a, &files()), Ok(None));
        // Nothing of TLS given: plain, whatever the global driver.
        a.mode_given = false;
        a.auth = None;
        assert_eq!(complete(&a, &files()), Ok(None));
    }

    #[test]
    fn files_come_from_the_globals_and_a_server_needs_a_certificate() {
        let a = asked(Side::Server, AuthMode::CertValid);
        let c = complete(&a, &files()).unwrap().unwrap();
        assert_eq!(c.files, files().files);
        let e = complete(&a, &NetstreamDefaults::default()).unwrap_err();
        assert!(e.contains("certificate"), "{e}");
        // A client in anon mode needs nothing.
        let a = asked(Side::Client, AuthMode::Anon);
        assert!(complete(&a, &NetstreamDefaults::default())
            .unwrap()
            .is_some());
    }

    #[test]
    fn checks_that_need_peers_or_a_ca_refuse_without_them() {
        let mut d = files();
        d.files.ca = None;
        let e = complete(&asked(Side::Client, AuthMode::Name), &d).unwrap_err();
        assert!(e.contains("CA"), "{e}");
        let e = complete(&asked(Side::Server, AuthMode::Fingerprint), &files()).unwrap_err();
        assert!(e.contains("fingerprint"), "{e}");
        let e = complete(&asked(Side::Server, AuthMode::Name), &files()).unwrap_err();
        assert!(e.contains("permittedPeer"), "{e}");
        let mut a = asked(Side::Server, AuthMode::CertValid);
        a.peers = vec!["a.example.com".into()];
        let e = complete(&a, &files()).unwrap_err();
        assert!(e.contains("ignored"), "{e}");
        // The default mode is x509/name, as rsyslog's.
        a.auth = None;
        let c = complete(&a, &files()).unwrap().unwrap();
        assert_eq!(c.auth, AuthMode::Name);
    }

    #[test]
    fn relp_without_certificates_says_why() {
        let mut a = asked(Side::Server, AuthMode::Anon);
        a.names = &RELP;
        a.auth = None;
        let e = complete(&a, &NetstreamDefaults::default()).unwrap_err();
        assert!(e.contains("anonymous"), "{e}");
    }

    #[test]
    fn relp_with_a_certificate_defaults_to_fingerprints() {
        let mut a = asked(Side::Client, AuthMode::Anon);
        a.names = &RELP;
        a.auth = None;
        a.files = files().files;
        let e = complete(&a, &NetstreamDefaults::default()).unwrap_err();
        assert!(e.contains("fingerprint"), "{e}");
        // No certificate: the server is not checked, as librelp's.
        a.files = TlsFiles::default();
        let c = complete(&a, &NetstreamDefaults::default())
            .unwrap()
            .unwrap();
        assert_eq!(c.auth, AuthMode::Anon);
    }

    #[test]
    fn peers_parse_names_and_fingerprints() {
        assert!(peers(&["a*b.example.com".into()]).is_err());
        let p = peers(&[
            "*.example.com".into(),
            "SHA1:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33".into(),
        ])
        .unwrap();
        assert!(matches!(p[0], Peer::Name(_)));
        assert!(matches!(p[1], Peer::Fingerprint(_)));
        assert!(peers(&["SHA1:00:11".into()]).is_err());
    }
}
