//! TLS in the real daemon against the real rsyslogd: Debian's
//! `rsyslog-gnutls` (gtls), `rsyslog-openssl` (ossl) and `rsyslog-relp`
//! (librelp, with GnuTLS and with OpenSSL) on the other end, both ways, in
//! every authentication mode, each cell 10 000 messages with none lost;
//! then what must fail: a client of another CA, a name or fingerprint not
//! permitted, an expired certificate (and accepted with
//! permitExpiredCerts), a plaintext client, a thousand connections that
//! never finish a handshake, a server whose name is not the one permitted;
//! and certificates re-read on SIGHUP.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use corelog_tests::daemon::{bin, Corelogd};
use corelog_tests::pki::Pki;
use corelog_tests::rsyslogd::{free_port, Rsyslogd};
use corelog_tests::{raise_nofile, wait_for};

const COUNT: u64 = 10_000;

fn dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("corelog-tls-{}-{name}", std::process::id()))
}

/// The certificates, made once for every test of this binary.
fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let d = dir("pki");
        let _ = std::fs::remove_dir_all(&d);
        Pki::new(&d)
    })
}

fn need_rsyslog_tls() {
    for (module, package) in [
        ("lmnsd_gtls.so", "rsyslog-gnutls"),
        ("lmnsd_ossl.so", "rsyslog-openssl"),
        ("imrelp.so", "rsyslog-relp"),
    ] {
        let found = ["/usr/lib/x86_64-linux-gnu/rsyslog", "/usr/lib/rsyslog"]
            .iter()
            .any(|d| Path::new(d).join(module).exists());
        assert!(
            found,
            "rsyslog's {module} is missing: install Debian's `{package}` (scripts/test does)"
        );
    }
}

/// (unique, duplicates, missing) of the loadgen lines in `path`.
fn check(path: &Path, count: u64) -> (u64, u64, u64) {
    let out = Command::new(bin("loadgen"))
        .args(["check", &path.display().to_string(), "--json"])
        .args(["--conns", "1", "--count", &count.to_string()])
        .output()
        .expect("running loadgen check");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("loadgen check: {}", String::from_utf8_lossy(&out.stderr)));
    let n = |k: &str| v[k].as_u64().unwrap_or(0);
    (n("unique"), n("duplicates"), n("missing"))
}

fn lines(path: &Path) -> u64 {
    std::fs::read(path).map_or(0, |b| memchr::memchr_iter(b'\n', &b).count() as u64)
}

/// Waits for `count` lines in `path`, then checks that they are the
/// messages sent, each once.
fn delivered(path: &Path, count: u64, what: &str, stderr: impl Fn() -> String) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while lines(path) < count && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let (unique, dups, missing) = check(path, count);
    assert_eq!(
        (unique, dups, missing),
        (count, 0, 0),
        "{what}: (unique, duplicates, missing); corelogd said:\n{}",
        stderr()
    );
}

/// Sends `count` loadgen messages with `args` (`--target …` and more).
fn loadgen_send(args: &[&str], count: u64) -> std::process::Output {
    Command::new(bin("loadgen"))
        .args(["send", "--count", &count.to_string(), "--conns", "1"])
        .args(args)
        .output()
        .expect("running loadgen")
}

fn send_plain(port: u16, count: u64) {
    let out = loadgen_send(&["--target", &format!("127.0.0.1:{port}")], count);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[derive(Debug, Clone, Copy)]
enum Mode {
    Anon,
    CertValid,
    Name,
    Fingerprint,
}

const MODES: [Mode; 4] = [Mode::Anon, Mode::CertValid, Mode::Name, Mode::Fingerprint];

impl Mode {
    fn netstream(self) -> &'static str {
        match self {
            Mode::Anon => "anon",
            Mode::CertValid => "x509/certvalid",
            Mode::Name => "x509/name",
            Mode::Fingerprint => "x509/fingerprint",
        }
    }

    fn relp(self) -> &'static str {
        match self {
            Mode::Anon => unreachable!("librelp has no anonymous mode with certificates"),
            Mode::CertValid => "certvalid",
            Mode::Name => "name",
            Mode::Fingerprint => "fingerprint",
        }
    }
}

/// The permitted peers that let `peer` in under `mode`, as an array.
fn peers(mode: Mode, peer: &corelog_tests::pki::Cert, name: &str, algo: &str) -> String {
    match mode {
        Mode::Anon | Mode::CertValid => String::new(),
        Mode::Name => format!("[\"{name}\"]"),
        Mode::Fingerprint => format!("[\"{}\"]", peer.fingerprint(algo)),
    }
}

/// A driver's fingerprint: gtls cells use SHA-256, ossl cells SHA-1.
fn algo(driver: &str) -> &'static str {
    match driver {
        "gtls" => "sha256",
        _ => "sha1",
    }
}

/// rsyslog (imtcp in, omfwd over `driver` TLS) → corelogd imtcp TLS, in
/// every mode.
fn rsyslog_to_corelogd(driver: &str) {
    need_rsyslog_tls();
    let pki = pki();
    for mode in MODES {
        let d = dir(&format!("from-{driver}-{mode:?}"));
        let ours = peers(mode, &pki.client, "*.test", algo(driver));
        let ours = match ours.is_empty() {
            true => String::new(),
            false => format!("permittedPeer={ours}"),
        };
        let conf = format!(
            r#"
global(defaultNetstreamDriverCAFile="{ca}" defaultNetstreamDriverCertFile="{cert}" defaultNetstreamDriverKeyFile="{key}")
module(load="imtcp")
input(type="imtcp" port="@PORT@" streamDriver.name="{driver}" streamDriver.mode="1" streamDriver.authMode="{auth}" {ours})
template(name="m" type="string" string="%msg%\n")
*.* action(type="omfile" file="@DIR@/out.log" template="m")
"#,
            ca = pki.ca.display(),
            cert = pki.server.cert.display(),
            key = pki.server.key.display(),
            auth = mode.netstream(),
        );
        let corelogd = Corelogd::start(&d.join("corelog"), &conf, &[]);
        let theirs = peers(mode, &pki.server, "server.test", algo(driver));
        let theirs = theirs.trim_matches(['[', ']']).replace('"', "");
        let rconf = format!(
            r#"
global(defaultNetstreamDriver="{driver}" defaultNetstreamDriverCAFile="{ca}" defaultNetstreamDriverCertFile="{cert}" defaultNetstreamDriverKeyFile="{key}")
module(load="imtcp")
input(type="imtcp" port="@PORT@")
action(type="omfwd" target="127.0.0.1" port="{port}" protocol="tcp" StreamDriver="{driver}" StreamDriverMode="1" StreamDriverAuthMode="{auth}" {peers}
       action.resumeRetryCount="-1" action.resumeInterval="1")
"#,
            ca = pki.ca.display(),
            cert = pki.client.cert.display(),
            key = pki.client.key.display(),
            port = corelogd.port,
            auth = mode.netstream(),
            peers = match theirs.is_empty() {
                true => String::new(),
                false => format!("StreamDriverPermittedPeers=\"{theirs}\""),
            },
        );
        let rsyslog = Rsyslogd::start(&d.join("rsyslog"), &rconf);
        send_plain(rsyslog.port, COUNT);
        let out = corelogd.path("out.log");
        delivered(
            &out,
            COUNT,
            &format!("rsyslog {driver} {mode:?} → corelogd"),
            || corelogd.stderr(),
        );
        rsyslog.stop();
        corelogd.stop();
    }
}

/// corelogd (imtcp in, omfwd over TLS) → rsyslog imtcp with `driver`, in
/// every mode.
fn corelogd_to_rsyslog(driver: &str) {
    need_rsyslog_tls();
    let pki = pki();
    for mode in MODES {
        let d = dir(&format!("to-{driver}-{mode:?}"));
        let theirs = peers(mode, &pki.client, "client.test", algo(driver));
        let theirs = match theirs.is_empty() {
            true => String::new(),
            false => format!("permittedPeer={theirs}"),
        };
        let rport = free_port();
        let rconf = format!(
            r#"
global(defaultNetstreamDriver="{driver}" defaultNetstreamDriverCAFile="{ca}" defaultNetstreamDriverCertFile="{cert}" defaultNetstreamDriverKeyFile="{key}")
module(load="imtcp" streamDriver.name="{driver}" streamDriver.mode="1" streamDriver.authMode="{auth}" {theirs})
input(type="imtcp" port="@PORT@")
template(name="m" type="string" string="%msg%\n")
action(type="omfile" file="@DIR@/out.log" template="m" flushOnTXEnd="on")
"#,
            ca = pki.ca.display(),
            cert = pki.server.cert.display(),
            key = pki.server.key.display(),
            auth = mode.netstream(),
        );
        let rsyslog = Rsyslogd::start_on(&d.join("rsyslog"), &rconf, rport);
        let ours = peers(mode, &pki.server, "server.test", algo(driver));
        let ours = ours.trim_matches(['[', ']']).replace('"', "");
        let conf = format!(
            r#"
module(load="imtcp")
input(type="imtcp" port="@PORT@")
*.* action(type="omfwd" target="127.0.0.1" port="{rport}" protocol="tcp" StreamDriver="{driver}" StreamDriverMode="1" StreamDriverAuthMode="{auth}" {peers}
           streamDriver.CAFile="{ca}" streamDriver.CertFile="{cert}" streamDriver.KeyFile="{key}"
           action.resumeRetryCount="-1" action.resumeInterval="1")
"#,
            ca = pki.ca.display(),
            cert = pki.client.cert.display(),
            key = pki.client.key.display(),
            auth = mode.netstream(),
            peers = match ours.is_empty() {
                true => String::new(),
                false => format!("StreamDriverPermittedPeers=\"{ours}\""),
            },
        );
        let corelogd = Corelogd::start(&d.join("corelog"), &conf, &[]);
        send_plain(corelogd.port, COUNT);
        let out = rsyslog.dir.join("out.log");
        delivered(
            &out,
            COUNT,
            &format!("corelogd → rsyslog {driver} {mode:?}"),
            || corelogd.stderr(),
        );
        corelogd.stop();
        rsyslog.stop();
    }
}

#[test]
fn rsyslog_gtls_to_corelogd_in_every_auth_mode() {
    rsyslog_to_corelogd("gtls");
}

#[test]
fn rsyslog_ossl_to_corelogd_in_every_auth_mode() {
    rsyslog_to_corelogd("ossl");
}

#[test]
fn corelogd_to_rsyslog_gtls_in_every_auth_mode() {
    corelogd_to_rsyslog("gtls");
}

#[test]
fn corelogd_to_rsyslog_ossl_in_every_auth_mode() {
    corelogd_to_rsyslog("ossl");
}

/// The `tls.*` of one end of a RELP session in `mode`, presenting `me`
/// and permitting `peer` (named `name`).
fn relp_tls(
    mode: Mode,
    me: &corelog_tests::pki::Cert,
    peer: &corelog_tests::pki::Cert,
    name: &str,
) -> String {
    let pki = pki();
    let peers = peers(mode, peer, name, "sha1");
    format!(
        r#"tls="on" tls.caCert="{}" tls.myCert="{}" tls.myPrivKey="{}" tls.authMode="{}" {}"#,
        pki.ca.display(),
        me.cert.display(),
        me.key.display(),
        mode.relp(),
        match peers.is_empty() {
            true => String::new(),
            false => format!("tls.permittedPeer={peers}"),
        }
    )
}

/// librelp's TLS libraries, as `module(load=…)`'s `tls.tlsLib` names them.
const RELP_LIBS: [&str; 2] = ["gnutls", "openssl"];

#[test]
fn rsyslog_omrelp_tls_to_corelogd_imrelp_in_every_auth_mode() {
    need_rsyslog_tls();
    let pki = pki();
    for (lib, mode) in RELP_LIBS
        .iter()
        .flat_map(|l| [Mode::CertValid, Mode::Name, Mode::Fingerprint].map(|m| (*l, m)))
    {
        let d = dir(&format!("relp-from-{lib}-{mode:?}"));
        let conf = format!(
            r#"
module(load="imrelp")
input(type="imrelp" port="@PORT@" {tls})
template(name="m" type="string" string="%msg%\n")
*.* action(type="omfile" file="@DIR@/out.log" template="m")
"#,
            tls = relp_tls(mode, &pki.server, &pki.client, "client.test"),
        );
        let corelogd = Corelogd::start(&d.join("corelog"), &conf, &[]);
        let rconf = format!(
            r#"
module(load="imtcp")
module(load="omrelp" tls.tlsLib="{lib}")
input(type="imtcp" port="@PORT@")
action(type="omrelp" target="127.0.0.1" port="{port}" {tls}
       action.resumeRetryCount="-1" action.resumeInterval="1")
"#,
            port = corelogd.port,
            tls = relp_tls(mode, &pki.client, &pki.server, "server.test"),
        );
        let rsyslog = Rsyslogd::start(&d.join("rsyslog"), &rconf);
        send_plain(rsyslog.port, COUNT);
        delivered(
            &corelogd.path("out.log"),
            COUNT,
            &format!("rsyslog omrelp TLS ({lib}) {mode:?} → corelogd"),
            || corelogd.stderr(),
        );
        rsyslog.stop();
        corelogd.stop();
    }
}

#[test]
fn corelogd_omrelp_tls_to_rsyslog_imrelp_in_every_auth_mode() {
    need_rsyslog_tls();
    let pki = pki();
    for (lib, mode) in RELP_LIBS
        .iter()
        .flat_map(|l| [Mode::CertValid, Mode::Name, Mode::Fingerprint].map(|m| (*l, m)))
    {
        let d = dir(&format!("relp-to-{lib}-{mode:?}"));
        let rport = free_port();
        let rconf = format!(
            r#"
module(load="imrelp" tls.tlsLib="{lib}")
input(type="imrelp" port="@PORT@" {tls})
template(name="m" type="string" string="%msg%\n")
action(type="omfile" file="@DIR@/out.log" template="m" flushOnTXEnd="on")
"#,
            tls = relp_tls(mode, &pki.server, &pki.client, "client.test"),
        );
        let rsyslog = Rsyslogd::start_on(&d.join("rsyslog"), &rconf, rport);
        let conf = format!(
            r#"
module(load="imtcp")
module(load="omrelp")
input(type="imtcp" port="@PORT@")
*.* action(type="omrelp" target="127.0.0.1" port="{rport}" {tls}
           action.resumeRetryCount="-1" action.resumeInterval="1")
"#,
            tls = relp_tls(mode, &pki.client, &pki.server, "server.test"),
        );
        let corelogd = Corelogd::start(&d.join("corelog"), &conf, &[]);
        send_plain(corelogd.port, COUNT);
        delivered(
            &rsyslog.dir.join("out.log"),
            COUNT,
            &format!("corelogd omrelp TLS {mode:?} → rsyslog ({lib})"),
            || corelogd.stderr(),
        );
        corelogd.stop();
        rsyslog.stop();
    }
}

/// A corelogd TLS listener checking clients with `auth` (and `more`).
fn tls_listener(name: &str, auth: &str, more: &str) -> Corelogd {
    let pki = pki();
    let conf = format!(
        r#"
module(load="imtcp")
input(type="imtcp" port="@PORT@" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="{auth}" {more}
      streamDriver.CAFile="{ca}" streamDriver.CertFile="{cert}" streamDriver.KeyFile="{key}")
template(name="m" type="string" string="%msg%\n")
*.* action(type="omfile" file="@DIR@/out.log" template="m")
"#,
        ca = pki.ca.display(),
        cert = pki.server.cert.display(),
        key = pki.server.key.display(),
    );
    Corelogd::start(&dir(name), &conf, &[])
}

/// Sends 100 messages over TLS presenting `cert` (or none), whatever
/// becomes of them.
fn tls_client(port: u16, cert: Option<&corelog_tests::pki::Cert>) -> std::process::Output {
    let target = format!("127.0.0.1:{port}");
    let mut args = vec![
        "--target".to_string(),
        target,
        "--proto".into(),
        "tls".into(),
    ];
    if let Some(c) = cert {
        args.extend([
            "--tls-cert".into(),
            c.cert.display().to_string(),
            "--tls-key".into(),
            c.key.display().to_string(),
        ]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    loadgen_send(&args, 100)
}

/// The client is refused with `why` in corelogd's notice, and nothing it
/// sent is written.
fn refused(c: &Corelogd, port: u16, cert: Option<&corelog_tests::pki::Cert>, why: &str) {
    tls_client(port, cert);
    wait_for(
        &format!("the notice {why:?}"),
        Duration::from_secs(20),
        || c.stderr().contains(why).then_some(()),
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(lines(&c.path("out.log")), 0, "{}", c.stderr());
}

#[test]
fn clients_that_do_not_pass_the_check_are_refused_with_the_reason() {
    let pki = pki();
    // Another CA's certificate, in certvalid and name modes.
    let c = tls_listener("neg-ca", "x509/certvalid", "");
    refused(
        &c,
        c.port,
        Some(&pki.rogue),
        "TLS handshake with 127.0.0.1 failed: its certificate: not issued by the configured CA",
    );
    // No certificate at all.
    refused(
        &c,
        c.port,
        None,
        "it presented no certificate, and the authMode asks for one",
    );
    c.stop();
    // The right CA, a name not permitted.
    let c = tls_listener(
        "neg-name",
        "x509/name",
        "permittedPeer=[\"other.test\", \"*.example\"]",
    );
    refused(
        &c,
        c.port,
        Some(&pki.client),
        "its certificate: its name [\"client.test\"] is not permitted (permitted: other.test, *.example)",
    );
    c.stop();
    // A fingerprint not permitted (the server's, not the client's).
    let fp = pki.server.fingerprint("sha256");
    let c = tls_listener(
        "neg-fp",
        "x509/fingerprint",
        &format!("permittedPeer=[\"{fp}\"]"),
    );
    refused(
        &c,
        c.port,
        Some(&pki.client),
        "its fingerprint is not permitted (SHA1:",
    );
    c.stop();
    // A plaintext client on the TLS port.
    let c = tls_listener("neg-plain", "anon", "");
    send_plain(c.port, 100);
    wait_for("the plaintext notice", Duration::from_secs(20), || {
        c.stderr()
            .contains("what it sent is not TLS (a plaintext client on a TLS port?)")
            .then_some(())
    });
    assert_eq!(lines(&c.path("out.log")), 0);
    c.stop();
}

#[test]
fn an_expired_client_certificate_is_refused_unless_permitted() {
    let pki = pki();
    let c = tls_listener("expired", "x509/certvalid", "");
    refused(&c, c.port, Some(&pki.expired), "its certificate: expired");
    c.stop();
    let c = tls_listener(
        "expired-on",
        "x509/certvalid",
        "streamDriver.permitExpiredCerts=\"on\"",
    );
    let out = tls_client(c.port, Some(&pki.expired));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    delivered(
        &c.path("out.log"),
        100,
        "an expired certificate, permitted",
        || c.stderr(),
    );
    c.stop();
}

/// A thousand connections that open and never send a byte of a handshake
/// hold no session a real sender needs: with maxSessions 100, the sender
/// that comes a second later gets in (a stalled handshake is closed to
/// make room) and delivers everything.
#[test]
fn stalled_handshakes_do_not_lock_out_a_real_sender() {
    raise_nofile();
    let c = tls_listener("stalled", "anon", "maxSessions=\"100\"");
    let stalled: Vec<TcpStream> = (0..1000)
        .filter_map(|_| TcpStream::connect(("127.0.0.1", c.port)).ok())
        .collect();
    assert!(stalled.len() >= 100, "{} connections", stalled.len());
    std::thread::sleep(Duration::from_millis(1500));
    let out = tls_client(c.port, None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    delivered(
        &c.path("out.log"),
        100,
        "a sender behind stalled handshakes",
        || c.stderr(),
    );
    drop(stalled);
    c.stop();
}

/// corelogd's omfwd checks the server: a server whose name is not the one
/// permitted gets nothing.
#[test]
fn omfwd_refuses_a_server_whose_name_is_not_permitted() {
    let pki = pki();
    let server = tls_listener("omfwd-neg-server", "anon", "");
    let conf = format!(
        r#"
module(load="imtcp")
input(type="imtcp" port="@PORT@")
*.* action(type="omfwd" target="127.0.0.1" port="{port}" protocol="tcp" StreamDriver="ossl" StreamDriverMode="1"
           StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="other.test" streamDriver.CAFile="{ca}")
"#,
        port = server.port,
        ca = pki.ca.display(),
    );
    let client = Corelogd::start(&dir("omfwd-neg-client"), &conf, &[]);
    send_plain(client.port, 10);
    wait_for("the refusal", Duration::from_secs(20), || {
        client
            .stderr()
            .contains("TLS handshake failed: its certificate: its name [\"server.test\"] is not permitted (permitted: other.test)")
            .then_some(())
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(lines(&server.path("out.log")), 0, "{}", server.stderr());
    drop(client);
    server.stop();
}

/// corelogd → corelogd over TLS with a new connection every 1 000
/// messages: each connection is closed cleanly (close_notify, and what the
/// server sent read first, so no reset), and nothing is lost.
#[test]
fn omfwd_over_tls_rebinds_without_losing_a_message() {
    let pki = pki();
    let server = tls_listener("rebind-server", "x509/certvalid", "");
    let conf = format!(
        r#"
module(load="imtcp")
input(type="imtcp" port="@PORT@")
*.* action(type="omfwd" target="127.0.0.1" port="{port}" protocol="tcp" StreamDriver="gtls" StreamDriverMode="1"
           StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="server.test" rebindInterval="1000"
           streamDriver.CAFile="{ca}" streamDriver.CertFile="{cert}" streamDriver.KeyFile="{key}"
           template="RSYSLOG_ForwardFormat" action.resumeRetryCount="-1" action.resumeInterval="1")
"#,
        port = server.port,
        ca = pki.ca.display(),
        cert = pki.client.cert.display(),
        key = pki.client.key.display(),
    );
    let client = Corelogd::start(&dir("rebind-client"), &conf, &[]);
    send_plain(client.port, COUNT);
    delivered(
        &server.path("out.log"),
        COUNT,
        "omfwd over TLS, rebinding every 1 000",
        || format!("{}\n{}", client.stderr(), server.stderr()),
    );
    client.stop();
    let report = server.stop();
    assert!(
        report.contains("TLS: 10 session(s) established")
            || report.contains("TLS: 11 session(s) established"),
        "one session per 1 000 messages (and the start's probe):\n{report}"
    );
}

/// The subject of the certificate the server on `port` presents now.
fn served_subject(port: u16) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "openssl s_client -connect 127.0.0.1:{port} </dev/null 2>/dev/null | openssl x509 -noout -subject"
        ))
        .output()
        .expect("running openssl s_client");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// SIGHUP re-reads the certificate and key for new sessions; a file that
/// no longer loads keeps the ones loaded, with a notice.
#[test]
fn sighup_rotates_the_certificate_and_keeps_it_when_the_new_one_is_bad() {
    let pki = pki();
    let d = dir("rotate");
    let _ = std::fs::remove_dir_all(&d);
    let files = d.with_extension("files");
    std::fs::create_dir_all(&files).unwrap();
    let (cert, key) = (files.join("cert.pem"), files.join("key.pem"));
    std::fs::copy(&pki.server.cert, &cert).unwrap();
    std::fs::copy(&pki.server.key, &key).unwrap();
    let conf = format!(
        r#"
module(load="imtcp")
input(type="imtcp" port="@PORT@" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon"
      streamDriver.CertFile="{}" streamDriver.KeyFile="{}")
*.* action(type="omfile" file="@DIR@/out.log")
"#,
        cert.display(),
        key.display()
    );
    let c = Corelogd::start(&d, &conf, &[]);
    assert!(served_subject(c.port).contains("server.test"));
    std::fs::copy(&pki.server2.cert, &cert).unwrap();
    std::fs::copy(&pki.server2.key, &key).unwrap();
    let hup = || {
        Command::new("kill")
            .args(["-HUP", &c.pid().to_string()])
            .status()
            .unwrap()
    };
    hup();
    wait_for("the new certificate", Duration::from_secs(20), || {
        served_subject(c.port)
            .contains("server2.test")
            .then_some(())
    });
    std::fs::write(&cert, "not a certificate\n").unwrap();
    hup();
    wait_for("the reload failure notice", Duration::from_secs(20), || {
        c.stderr()
            .contains("the TLS files did not reload")
            .then_some(())
    });
    assert!(served_subject(c.port).contains("server2.test"));
    c.stop();
}
