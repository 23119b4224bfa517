//! Certificates for the TLS tests, made with the `openssl` command (as an
//! rsyslog user would make them): a CA, a server and a client certificate
//! it issued, a client certificate of another CA, an expired one, and a
//! second server certificate for rotation.
//!
//! Keys are ECDSA P-256. Every certificate has its name in the CN and as
//! a SAN dNSName, and extended key usages for both TLS server and client.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One certificate and its key.
#[derive(Debug, Clone)]
pub struct Cert {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Cert {
    /// Its fingerprint as `permittedPeer` writes it (`SHA1:AB:…`,
    /// `SHA256:…`), from `openssl x509 -fingerprint`.
    pub fn fingerprint(&self, algo: &str) -> String {
        let out = openssl(&[
            "x509",
            "-noout",
            "-fingerprint",
            &format!("-{}", algo.to_lowercase()),
            "-in",
            &self.cert.display().to_string(),
        ]);
        let hex = out
            .trim()
            .split_once('=')
            .expect("openssl prints NAME Fingerprint=HEX")
            .1;
        format!("{}:{hex}", algo.to_uppercase())
    }
}

/// The test's certificates, in `dir`.
#[derive(Debug, Clone)]
pub struct Pki {
    pub dir: PathBuf,
    /// The CA every peer trusts.
    pub ca: PathBuf,
    /// `server.test`, issued by the CA.
    pub server: Cert,
    /// `server2.test`, issued by the CA (a rotated certificate).
    pub server2: Cert,
    /// `client.test`, issued by the CA.
    pub client: Cert,
    /// `client.test`, issued by another CA.
    pub rogue: Cert,
    /// `client.test`, issued by the CA, valid in 2020 only.
    pub expired: Cert,
}

fn openssl(args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl command is missing: install Debian's `openssl` (scripts/test does)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

/// A key and a request for `cn`.
fn request(dir: &Path, name: &str, cn: &str) -> (PathBuf, PathBuf) {
    let key = dir.join(format!("{name}.key"));
    let csr = dir.join(format!("{name}.csr"));
    openssl(&[
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        &p(&key),
        "-out",
        &p(&csr),
        "-subj",
        &format!("/CN={cn}"),
    ]);
    (key, csr)
}

/// A self-signed CA named `cn`.
fn ca(dir: &Path, name: &str, cn: &str) -> (PathBuf, PathBuf) {
    let key = dir.join(format!("{name}.key"));
    let cert = dir.join(format!("{name}.pem"));
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        &p(&key),
        "-out",
        &p(&cert),
        "-days",
        "3650",
        "-subj",
        &format!("/CN={cn}"),
    ]);
    (cert, key)
}

fn extensions(dir: &Path, cn: &str) -> PathBuf {
    let ext = dir.join(format!("{cn}.ext"));
    std::fs::write(
        &ext,
        format!("subjectAltName=DNS:{cn}\nextendedKeyUsage=serverAuth,clientAuth\n"),
    )
    .expect("writing the extensions");
    ext
}

/// A certificate for `cn` issued by `(ca, ca_key)`, valid for ten years.
fn issue(dir: &Path, name: &str, cn: &str, (ca, ca_key): (&Path, &Path)) -> Cert {
    let (key, csr) = request(dir, name, cn);
    let cert = dir.join(format!("{name}.pem"));
    openssl(&[
        "x509",
        "-req",
        "-in",
        &p(&csr),
        "-CA",
        &p(ca),
        "-CAkey",
        &p(ca_key),
        "-CAcreateserial",
        "-out",
        &p(&cert),
        "-days",
        "3650",
        "-extfile",
        &p(&extensions(dir, cn)),
    ]);
    Cert { cert, key }
}

/// A certificate for `cn` issued by `(ca, ca_key)` that expired in 2021
/// (`openssl x509` sets no start date: `openssl ca` does).
fn issue_expired(dir: &Path, name: &str, cn: &str, (ca, ca_key): (&Path, &Path)) -> Cert {
    let (key, csr) = request(dir, name, cn);
    let cert = dir.join(format!("{name}.pem"));
    let db = dir.join("index.txt");
    std::fs::write(&db, "").unwrap();
    std::fs::write(dir.join("serial"), "1000\n").unwrap();
    let conf = dir.join("ca.cnf");
    std::fs::write(
        &conf,
        format!(
            "[ca]\ndefault_ca=d\n[d]\ndatabase={}\nnew_certs_dir={}\nserial={}\ndefault_md=sha256\npolicy=any\n[any]\ncommonName=supplied\n",
            p(&db),
            p(dir),
            p(&dir.join("serial"))
        ),
    )
    .unwrap();
    openssl(&[
        "ca",
        "-batch",
        "-notext",
        "-config",
        &p(&conf),
        "-cert",
        &p(ca),
        "-keyfile",
        &p(ca_key),
        "-in",
        &p(&csr),
        "-out",
        &p(&cert),
        "-startdate",
        "20200101000000Z",
        "-enddate",
        "20210101000000Z",
        "-extfile",
        &p(&extensions(dir, cn)),
    ]);
    Cert { cert, key }
}

impl Pki {
    /// Makes every certificate in `dir` (created).
    pub fn new(dir: &Path) -> Pki {
        std::fs::create_dir_all(dir).expect("creating the PKI directory");
        let (ca_cert, ca_key) = ca(dir, "ca", "corelog test CA");
        let (other, other_key) = ca(dir, "other-ca", "another CA");
        let by_ca = (ca_cert.as_path(), ca_key.as_path());
        Pki {
            server: issue(dir, "server", "server.test", by_ca),
            server2: issue(dir, "server2", "server2.test", by_ca),
            client: issue(dir, "client", "client.test", by_ca),
            rogue: issue(dir, "rogue", "client.test", (&other, &other_key)),
            expired: issue_expired(dir, "expired", "client.test", by_ca),
            ca: ca_cert,
            dir: dir.to_path_buf(),
        }
    }
}
