//! What corelog does not carry out is refused, by `corelogd -N1` and at
//! start alike, at the parameter's file:line:column — never accepted and
//! silently ignored: a forward asked to be TLS is not sent in plaintext, a
//! TLS listener does not accept plaintext, a privilege drop does not leave
//! the daemon running as root, RELP asked to be TLS (`tls="yes"` as much
//! as `tls="on"`) is not opened in plaintext.

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
fn an_omfwd_asked_for_tls_sends_nothing_in_plaintext() {
    // The receiver the user believes speaks TLS.
    let receiver = TcpListener::bind("127.0.0.1:0").unwrap();
    receiver.set_nonblocking(true).unwrap();
    let port = receiver.local_addr().unwrap().port();
    let text = format!(
        "*.* action(type=\"omfwd\" target=\"127.0.0.1\" port=\"{port}\" protocol=\"tcp\"\n       \
         StreamDriver=\"gtls\" StreamDriverMode=\"1\" StreamDriverAuthMode=\"x509/name\")\n"
    );
    refused_at(
        "omfwd-tls",
        &text,
        "StreamDriver=",
        "StreamDriver=\"gtls\" in action(type=\"omfwd\") is not supported by corelog: TLS is not built yet",
    );
    let d = dir("omfwd-tls-all");
    let conf = d.join("rsyslog.conf");
    std::fs::write(&conf, &text).unwrap();
    let (_, err) = n1(&conf);
    for p in [
        "StreamDriverMode=\"1\"",
        "StreamDriverAuthMode=\"x509/name\"",
    ] {
        assert!(
            err.contains(&format!(
                "{p} in action(type=\"omfwd\") is not supported by corelog"
            )),
            "{p} is not refused too:\n{err}"
        );
    }
    assert!(
        matches!(receiver.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "corelogd connected to the TLS receiver"
    );
}

#[test]
fn an_imtcp_listener_asked_for_tls_does_not_listen_in_plaintext() {
    let port = free_port();
    refused_at(
        "imtcp-tls",
        &format!(
            "module(load=\"imtcp\")\ninput(type=\"imtcp\" port=\"{port}\" streamDriver.mode=\"1\" streamDriver.authMode=\"x509/name\")\n*.* /dev/null\n"
        ),
        "streamDriver.mode=",
        "streamDriver.mode=\"1\" in input(type=\"imtcp\") is not supported by corelog: TLS is not built yet",
    );
    // The module-wide settings are refused too, and permitted peers.
    refused_at(
        "imtcp-tls-module",
        &format!(
            "module(load=\"imtcp\" streamDriver.name=\"gtls\" streamDriver.mode=\"1\")\ninput(type=\"imtcp\" port=\"{port}\")\n*.* /dev/null\n"
        ),
        "streamDriver.name=",
        "streamDriver.name=\"gtls\" in module(load=\"imtcp\") is not supported by corelog",
    );
    refused_at(
        "imtcp-peers",
        &format!(
            "module(load=\"imtcp\")\ninput(type=\"imtcp\" port=\"{port}\" permittedPeer=[\"a.example\"])\n*.* /dev/null\n"
        ),
        "permittedPeer=",
        "permittedPeer=\"a.example\" in input(type=\"imtcp\") is not supported by corelog: authenticating peers needs TLS",
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
fn imrelp_tls_is_refused_however_it_is_spelled() {
    let port = free_port();
    for (i, on) in ["on", "yes", "1", "true"].iter().enumerate() {
        refused_at(
            &format!("imrelp-tls-{i}"),
            &format!(
                "module(load=\"imrelp\")\ninput(type=\"imrelp\" port=\"{port}\" tls=\"{on}\")\n*.* /dev/null\n"
            ),
            "tls=",
            &format!("tls=\"{on}\" in input(type=\"imrelp\") is not supported by corelog: TLS is not built yet"),
        );
    }
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
