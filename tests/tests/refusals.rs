//! What corelog does not carry out is refused, by `corelogd -N1` and at
//! start alike, at the parameter's file:line:column — never accepted and
//! silently ignored: a forward asked to be TLS that cannot check its peer
//! sends nothing, a TLS listener without a certificate does not listen, a
//! privilege drop does not leave the daemon running as root, RELP asked to
//! be TLS (`tls="yes"` as much as `tls="on"`) without what TLS needs is
//! not opened in plaintext.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use corelog_tests::daemon::{bin, refused_start};
use corelog_tests::rsyslogd::free_port;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("corelog-refusals-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `corelogd -N1 -f conf`: its exit code and stderr.
fn n1(conf: &Path) -> (Option<i32>, String) {
    let out = Command::new(bin("corelogd"))
        .args(["-N1", "-f", &conf.display().to_string()])
        .output()
        .expect("running corelogd -N1");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes `text` as a configuration and checks that both `-N1` and a
/// start refuse it with `want` where `needle` stands in it.
fn refused_at(name: &str, text: &str, needle: &str, want: &str) {
    let (line, col) = text
        .lines()
        .enumerate()
        .find_map(|(i, l)| l.find(needle).map(|c| (i + 1, c + 1)))
        .expect("the needle is in the text");
    let d = dir(name);
    let conf = d.join("rsyslog.conf");
    std::fs::write(&conf, text).unwrap();
    let at = format!("{}:{line}:{col}: error: {want}", conf.display());
    let (code, err) = n1(&conf);
    assert_eq!(code, Some(1), "-N1 accepted it:\n{err}");
    assert!(err.contains(&at), "-N1 did not say {at:?}:\n{err}");
    let (code, err) = refused_start(&conf);
    assert_eq!(code, Some(1), "the start did not fail:\n{err}");
    assert!(err.contains(&at), "the start did not say {at:?}:\n{err}");
}

#[test]
fn an_omfwd_asked_for_tls_it_cannot_check_sends_nothing() {
    // The receiver the user believes speaks TLS.
    let receiver = TcpListener::bind("127.0.0.1:0").unwrap();
    receiver.set_nonblocking(true).unwrap();
    let port = receiver.local_addr().unwrap().port();
    // x509/name (the default) without a CA: nothing to check the chain by.
    let text = format!(
        "*.* action(type=\"omfwd\" target=\"127.0.0.1\" port=\"{port}\" protocol=\"tcp\"\n       \
         StreamDriver=\"gtls\" StreamDriverMode=\"1\")\n"
    );
    refused_at(
        "omfwd-tls",
        &text,
        "StreamDriverMode=",
        "action(type=\"omfwd\"): authMode x509/name (StreamDriverAuthMode is x509/name when not given) checks the peer's chain: give streamDriver.CAFile (or global(defaultNetstreamDriverCAFile))",
    );
    // TLS asked of a driver that is plain TCP.
    refused_at(
        "omfwd-ptcp",
        &format!(
            "*.* action(type=\"omfwd\" target=\"127.0.0.1\" port=\"{port}\" protocol=\"tcp\" StreamDriverMode=\"1\")\n"
        ),
        "StreamDriverMode=",
        "action(type=\"omfwd\"): StreamDriverMode=\"1\" asks for TLS, but the stream driver is ptcp",
    );
    // GnuTLS priority strings cannot be honoured by rustls.
    refused_at(
        "omfwd-priority",
        &format!(
            "*.* action(type=\"omfwd\" target=\"127.0.0.1\" port=\"{port}\" protocol=\"tcp\" gnutlsPriorityString=\"SECURE256\")\n"
        ),
        "gnutlsPriorityString=",
        "gnutlsPriorityString=\"SECURE256\" in action(type=\"omfwd\") is not supported by corelog: corelogd's TLS is rustls",
    );
    assert!(
        matches!(receiver.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "corelogd connected to the TLS receiver"
    );
}

#[test]
fn an_imtcp_listener_asked_for_tls_it_cannot_do_does_not_listen() {
    let port = free_port();
    refused_at(
        "imtcp-tls",
        &format!(
            "module(load=\"imtcp\")\ninput(type=\"imtcp\" port=\"{port}\" streamDriver.name=\"gtls\" streamDriver.mode=\"1\" streamDriver.authMode=\"anon\")\n*.* /dev/null\n"
        ),
        "streamDriver.mode=",
        "input(type=\"imtcp\"): a TLS server needs a certificate and its key",
    );
    // Module-wide settings: the driver is still ptcp.
    refused_at(
        "imtcp-tls-module",
        &format!(
            "module(load=\"imtcp\" streamDriver.mode=\"1\")\ninput(type=\"imtcp\" port=\"{port}\")\n*.* /dev/null\n"
        ),
        "streamDriver.mode=",
        "input(type=\"imtcp\"): streamDriver.mode=\"1\" asks for TLS, but the stream driver is ptcp",
    );
    // Permitted peers with a mode that checks no name would be ignored.
    refused_at(
        "imtcp-peers",
        &format!(
            "global(defaultNetstreamDriver=\"gtls\" defaultNetstreamDriverCertFile=\"/c.pem\" defaultNetstreamDriverKeyFile=\"/k.pem\")\nmodule(load=\"imtcp\")\ninput(type=\"imtcp\" port=\"{port}\" streamDriver.mode=\"1\" streamDriver.authMode=\"anon\" permittedPeer=[\"a.example\"])\n*.* /dev/null\n"
        ),
        "streamDriver.mode=",
        "input(type=\"imtcp\"): permittedPeer: authMode anon checks no peer's name or fingerprint, so the permitted peers would be ignored",
    );
    // TLS settings beside a mode nobody set would be plain TCP.
    refused_at(
        "imtcp-no-mode",
        &format!(
            "module(load=\"imtcp\")\ninput(type=\"imtcp\" port=\"{port}\" streamDriver.authMode=\"x509/name\" permittedPeer=[\"a.example\"])\n*.* /dev/null\n"
        ),
        "input(",
        "input(type=\"imtcp\"): streamDriver.authMode is a TLS setting, but streamDriver.mode is not given: the connection would be plain TCP",
    );
    assert!(
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200))
            .is_err(),
        "something listens on the port"
    );
}

#[test]
fn a_privilege_drop_to_a_user_or_group_this_machine_lacks_is_an_error_in_every_spelling() {
    refused_at(
        "privdrop-legacy",
        "$PrivDropToUser no-such-user-here\n*.* /dev/null\n",
        "$PrivDropToUser",
        "privdrop.user.name \"no-such-user-here\": no such user",
    );
    refused_at(
        "privdrop-group",
        "$PrivDropToGroup no-such-group-here\n*.* /dev/null\n",
        "$PrivDropToGroup",
        "privdrop.group.name \"no-such-group-here\": no such group",
    );
    refused_at(
        "privdrop-global",
        "global(privdrop.user.name=\"no-such-user-here\")\n*.* /dev/null\n",
        "privdrop.user.name=",
        "privdrop.user.name \"no-such-user-here\": no such user",
    );
}

#[test]
fn imrelp_tls_without_a_certificate_is_refused_however_it_is_spelled() {
    let port = free_port();
    for (i, on) in ["on", "yes", "1", "true"].iter().enumerate() {
        refused_at(
            &format!("imrelp-tls-{i}"),
            &format!(
                "module(load=\"imrelp\")\ninput(type=\"imrelp\" port=\"{port}\" tls=\"{on}\")\n*.* /dev/null\n"
            ),
            "tls=",
            "input(type=\"imrelp\"): a TLS server needs a certificate and its key: give tls.myCert and tls.myPrivKey; librelp's certificate-less anonymous TLS uses anonymous Diffie-Hellman cipher suites, which rustls does not have",
        );
    }
    refused_at(
        "imrelp-compression",
        &format!(
            "module(load=\"imrelp\")\ninput(type=\"imrelp\" port=\"{port}\" tls.compression=\"on\")\n*.* /dev/null\n"
        ),
        "tls.compression=",
        "tls.compression=\"on\" in input(type=\"imrelp\") is not supported by corelog: TLS compression",
    );
    // tls="off" asks for nothing corelog does not do.
    let d = dir("imrelp-tls-off");
    let conf = d.join("rsyslog.conf");
    std::fs::write(
        &conf,
        format!("module(load=\"imrelp\")\ninput(type=\"imrelp\" port=\"{port}\" tls=\"off\")\n*.* /dev/null\n"),
    )
    .unwrap();
    let (code, err) = n1(&conf);
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn an_unknown_value_is_an_error_not_a_default() {
    refused_at(
        "bad-bool",
        "module(load=\"imtcp\")\ninput(type=\"imtcp\" port=\"5514\" keepAlive=\"sure\")\n*.* /dev/null\n",
        "keepAlive=",
        "keepAlive=\"sure\" in input(type=\"imtcp\") is not valid: expected \"on\" or \"off\"",
    );
    refused_at(
        "bad-size",
        "main_queue(queue.size=\"lots\")\n*.* /dev/null\n",
        "queue.size=",
        "queue.size=\"lots\" in main_queue() is not valid: expected a size",
    );
}

#[test]
fn modules_debian_ships_that_corelog_does_not_run_are_refused_by_name() {
    // Each in module(load=), in its action or input, in its legacy
    // directives and in its legacy :name: action: an error that names the
    // module and says what would not happen, never "unknown".
    let cases: &[(&str, &str, &str)] = &[
        (
            "mmnormalize",
            "module(load=\"mmnormalize\")",
            "module 'mmnormalize' is not supported by corelog: liblognorm",
        ),
        (
            "mmnormalize-legacy",
            "$mmnormalizeRuleBase /etc/rules.rb",
            "$mmnormalizeRuleBase is a setting of mmnormalize, which is not supported by corelog",
        ),
        (
            "mmexternal",
            "action(type=\"mmexternal\" binary=\"/bin/cat\")",
            "message modifier module 'mmexternal' is not supported by corelog",
        ),
        (
            "ommail",
            "$ActionMailSMTPServer mail.example.net",
            "$ActionMailSMTPServer is a setting of ommail",
        ),
        (
            "ommail-selector",
            "*.* :ommail:;RSYSLOG_SyslogProtocol23Format",
            "':ommail:;RSYSLOG_SyslogProtocol23Format': ommail actions are not supported",
        ),
        (
            "omjournal",
            "module(load=\"omjournal\")",
            "module 'omjournal' is not supported by corelog: writing to the systemd journal",
        ),
        (
            "imkmsg",
            "module(load=\"imkmsg\")",
            "module 'imkmsg' is not supported by corelog: reading /dev/kmsg",
        ),
    ];
    for (name, line, want) in cases {
        let d = dir(name);
        let conf = d.join("rsyslog.conf");
        let text = format!("{line}\n*.* {}/out\n", d.display());
        std::fs::write(&conf, &text).unwrap();
        let at = format!("{}:1:", conf.display());
        let (code, err) = n1(&conf);
        assert_eq!(code, Some(1), "{name}: -N1 accepted it:\n{err}");
        let said = err
            .lines()
            .any(|l| l.starts_with(&at) && l.contains("error: ") && l.contains(want));
        assert!(said, "{name}: -N1 did not say {want:?} at line 1:\n{err}");
    }
    // And a start refuses it the same way, at the column.
    refused_at(
        "omjournal-start",
        "module(load=\"omjournal\")\n*.* /dev/null\n",
        "module(load=\"omjournal\")",
        "module 'omjournal' is not supported by corelog: writing to the systemd journal is not built",
    );
}
