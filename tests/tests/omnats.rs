//! omnats against a real NATS server with JetStream (`nats-server -js`),
//! read back by an independent client (nats-py): every message arrives
//! once, and none is lost or stored twice when the server is killed, the
//! network to it is cut for 30 s, or corelogd is stopped or killed — the
//! stream's acknowledgement is what frees the queue, and each message's
//! id (its position in the action queue) lets the stream drop what is
//! sent again.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use corelog_tests::daemon::{assert_refused_at, bin, check_no_holes, send, Corelogd};
use corelog_tests::nats::Server;
use corelog_tests::pki::Pki;
use corelog_tests::{wait_for, Scratch};

/// The test's directory (removed when it passes).
fn dir(name: &str) -> Scratch {
    Scratch::new("nats", name)
}

/// imtcp in; `%msg%` published to `logs.syslog` on `url`, with `action`'s
/// further parameters and `queue`'s action queue, retried forever.
fn config(url: &str, main_queue: &str, queue: &str, action: &str) -> String {
    format!(
        r#"
global(workDirectory="@DIR@")
{main_queue}
module(load="imtcp")
module(load="omnats")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="m" type="string" string="%msg%")
*.* action(type="omnats" server="{url}" subject="logs.syslog" template="m"
           action.resumeRetryCount="-1" action.resumeInterval="1"
           {queue} {action})
"#
    )
}

/// A disk-assisted action queue that keeps what is in memory at exit.
const DA_QUEUE: &str =
    r#"queue.type="LinkedList" queue.filename="nq" queue.saveOnShutdown="on" queue.size="2000000""#;
/// An action queue wholly on disk: every message has a position there.
const DISK_QUEUE: &str = r#"queue.type="Disk" queue.filename="nq" queue.size="2000000""#;

/// Sends `count` messages over 4 connections at `rate` per second, in the
/// background.
fn send_in_background(port: u16, count: u64, rate: u64) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let _ = Command::new(bin("loadgen"))
            .args(["send", "--target", &format!("127.0.0.1:{port}")])
            .args(["--count", &count.to_string(), "--conns", "4"])
            .args(["--rate", &rate.to_string()])
            .output();
    })
}

fn read_stream(s: &Server, out: &Path, expect: u64) -> String {
    s.read("LOGS", out, expect, Duration::from_secs(10), false)
}

/// What the stream recognised as resent and did not store again, as
/// corelogd's exit says it.
fn resent(err: &str) -> u64 {
    err.split("the stream recognised ")
        .skip(1)
        .filter_map(|t| t.split(' ').next()?.parse::<u64>().ok())
        .sum()
}

/// Asserts that `text` holds every one of the `n` messages of 4
/// connections exactly once.
fn assert_all_once(what: &str, text: &str, n: u64, d: &Corelogd) {
    let (unique, dups, conns) = check_no_holes(text);
    eprintln!("corelog, {what}: {unique} of {n} in the stream, {dups} duplicates");
    assert_eq!((unique, conns, dups), (n, 4, 0), "{}", d.stderr());
}

#[test]
fn every_message_reaches_the_stream_once() {
    let d0 = dir("every");
    let s = Server::start(&d0.join("nats"));
    s.create_stream("LOGS", "logs.>");
    let d = Corelogd::start(
        &d0.join("corelogd"),
        &config(&s.url(), "", DA_QUEUE, r#"stream="LOGS""#),
        &[],
    );
    let n = 100_000;
    send(d.port, n, 4);
    let text = read_stream(&s, &d0.join("read.txt"), n);
    assert_all_once("no fault", &text, n, &d);
    let err = d.stop();
    assert!(!err.contains("failed"), "{err}");
}

#[test]
fn subjects_come_from_a_template_and_what_can_never_be_published_is_passed_over() {
    let d0 = dir("dyna");
    let s = Server::start(&d0.join("nats"));
    s.create_stream("LOGS", "logs.>");
    s.create_stream("OTHER", "other.>");
    // The subject is the message's second field: the connection number
    // for loadgen's messages. A small window keeps it moving.
    let conf = format!(
        r#"
global(maxMessageSize="4m")
module(load="imtcp")
module(load="omnats")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="m" type="string" string="%msg%")
template(name="subject" type="string" string="logs.%msg:F,58:2%")
action(type="omnats" server=["nats://127.0.0.1:1", "{url}"] subject="subject" dynaSubject="on"
       windowSize="7" template="m")
if $msg contains "other stream" then
  action(type="omnats" server="{url}" subject="other.x" stream="LOGS" template="m"
         action.resumeRetryCount="2" action.resumeInterval="1")
"#,
        url = s.url()
    );
    let d = Corelogd::start(&d0.join("corelogd"), &conf, &[]);
    let n = 20_000;
    send(d.port, n, 4);
    // A subject with a space, and one too large for the server.
    let big = "x".repeat(2 << 20);
    let lines = format!(
        "<13>Dec  7 10:00:00 h t: msgnum:a b:1:\n<13>Dec  7 10:00:00 h t: msgnum:01:big:{big}\n<13>Dec  7 10:00:00 h t: other stream\n"
    );
    use std::io::Write;
    let mut c = std::net::TcpStream::connect(("127.0.0.1", d.port)).unwrap();
    c.write_all(lines.as_bytes()).unwrap();
    drop(c);
    let text = s.read(
        "LOGS",
        &d0.join("read.txt"),
        n,
        Duration::from_secs(10),
        true,
    );
    let mut bodies = String::new();
    for line in text.lines() {
        let (subject, body) = line.split_once('\t').expect("subject TAB payload");
        let conn = body.split(':').nth(1).unwrap();
        assert_eq!(subject, format!("logs.{conn}"), "{line}");
        bodies.push_str(body);
        bodies.push('\n');
    }
    let (unique, dups, conns) = check_no_holes(&bodies);
    assert_eq!((unique, dups, conns), (n, 0, 4));
    // `stream="LOGS"` on a subject only OTHER takes: refused by JetStream,
    // retried, then given up (never stored in the wrong stream).
    wait_for("the refusal", Duration::from_secs(20), || {
        d.stderr()
            .contains("expected stream does not match")
            .then_some(())
    });
    let err = d.stop();
    assert!(err.contains("'logs.a b' is not a subject"), "{err}");
    assert!(err.contains("over the server's max_payload"), "{err}");
    // The subject with a space, the large one, and "other stream" (whose
    // second field is empty: "logs." is not a subject either).
    assert!(err.contains("3 not written"), "{err}");
    assert_eq!(s.stream_messages("OTHER"), 0);
}

/// Sends `n` messages at 25 000/s while `server` is killed for 3 s two
/// seconds in.
fn kill_the_server_mid_stream(server: &mut Server, port: u16, n: u64) {
    let sender = send_in_background(port, n, 25_000);
    std::thread::sleep(Duration::from_secs(2));
    server.kill9();
    std::thread::sleep(Duration::from_secs(3));
    server.restart();
    sender.join().unwrap();
}

#[test]
fn the_server_killed_and_restarted_mid_stream_loses_nothing_and_stores_nothing_twice() {
    let d0 = dir("server-kill");
    let mut s = Server::start(&d0.join("nats"));
    s.create_stream("LOGS", "logs.>");
    let d = Corelogd::start(
        &d0.join("corelogd"),
        &config(&s.url(), "", DA_QUEUE, ""),
        &[],
    );
    let n = 150_000;
    kill_the_server_mid_stream(&mut s, d.port, n);
    let text = read_stream(&s, &d0.join("read.txt"), n);
    assert_all_once("server killed for 3 s", &text, n, &d);
    let err = d.stop();
    eprintln!(
        "server killed: {} resends dropped by the stream",
        resent(&err)
    );
}

#[test]
fn thirty_seconds_without_the_network_to_the_server_loses_nothing() {
    let d0 = dir("network");
    let s = Server::start(&d0.join("nats"));
    s.create_stream("LOGS", "logs.>");
    // Acknowledgements are awaited 5 s: the cut outlasts it, so the
    // batches in flight fail and go back through the action's retries.
    let d = Corelogd::start(
        &d0.join("corelogd"),
        &config(&s.url(), "", DA_QUEUE, r#"timeout="5""#),
        &[],
    );
    let n = 100_000;
    let sender = send_in_background(d.port, n, 20_000);
    std::thread::sleep(Duration::from_secs(1));
    s.gate().close();
    std::thread::sleep(Duration::from_secs(30));
    s.gate().open();
    sender.join().unwrap();
    let text = read_stream(&s, &d0.join("read.txt"), n);
    assert_all_once("network cut for 30 s", &text, n, &d);
    let err = d.stop();
    eprintln!(
        "network cut: {} resends dropped by the stream",
        resent(&err)
    );
    assert!(err.contains("failed"), "the cut was not noticed:\n{err}");
}

#[test]
fn an_orderly_restart_while_the_server_is_unreachable_keeps_what_was_not_acknowledged() {
    let d0 = dir("restart");
    let s = Server::start(&d0.join("nats"));
    s.create_stream("LOGS", "logs.>");
    let mut d = Corelogd::start(
        &d0.join("corelogd"),
        &config(&s.url(), "", DISK_QUEUE, r#"timeout="3""#),
        &[],
    );
    let n = 30_000;
    let sender = send_in_background(d.port, n, 10_000);
    std::thread::sleep(Duration::from_secs(1));
    s.gate().close();
    sender.join().unwrap();
    d.halt();
    d.restart();
    s.gate().open();
    let text = read_stream(&s, &d0.join("read.txt"), n);
    assert_all_once("restarted while the server was unreachable", &text, n, &d);
    let err = d.stop();
    eprintln!("restart: {} resends dropped by the stream", resent(&err));
}

#[test]
fn corelogd_killed_mid_stream_delivers_everything_it_queued_once() {
    let d0 = dir("corelogd-kill");
    let s = Server::start(&d0.join("nats"));
    s.create_stream("LOGS", "logs.>");
    // The action queue on disk: what corelogd read is durable, with its
    // position, before the sender's next bytes are read.
    let conf = config(
        &s.url(),
        r#"main_queue(queue.type="Direct")"#,
        DISK_QUEUE,
        "",
    );
    let mut d = Corelogd::start(&d0.join("corelogd"), &conf, &[]);
    let n = 150_000;
    let sender = send_in_background(d.port, n, 30_000);
    std::thread::sleep(Duration::from_secs(2));
    d.kill9();
    sender.join().unwrap();
    d.restart();
    std::thread::sleep(Duration::from_secs(3));
    let text = read_stream(&s, &d0.join("read.txt"), 0);
    let (unique, dups, conns) = check_no_holes(&text);
    eprintln!(
        "corelog killed mid-stream: {unique} in the stream without a hole, {dups} duplicates"
    );
    let err = d.stop();
    eprintln!(
        "corelog killed mid-stream: {} resends dropped by the stream",
        resent(&err)
    );
    assert_eq!(conns, 4, "{err}");
    assert!(unique > 10_000, "{unique}:\n{err}");
    assert_eq!(
        dups, 0,
        "the stream's duplicate window let resends through:\n{err}"
    );
}

#[test]
fn credentials_and_tls_are_used_and_a_wrong_password_is_refused() {
    let d0 = dir("tls");
    let pki = Pki::new(&d0.join("pki"));
    let (cert, key) = (
        pki.server.cert.display().to_string(),
        pki.server.key.display().to_string(),
    );
    let mut s = Server::start_with(
        &d0.join("nats"),
        false,
        &[
            "--user",
            "corelog",
            "--pass",
            "s3cret",
            "--tls",
            "--tlscert",
            &cert,
            "--tlskey",
            &key,
        ],
    );
    s.auth = "corelog:s3cret@".into();
    s.tls_ca = Some(pki.ca.clone());
    let conf = |password: &str| {
        format!(
            r#"
module(load="imtcp")
module(load="omnats")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="m" type="string" string="%msg%")
action(type="omnats" server="tls://127.0.0.1:{port}" subject="logs.syslog" template="m"
       user="corelog" password="{password}" tls.caCert="{ca}"
       action.resumeRetryCount="-1" action.resumeInterval="1")
"#,
            port = s.port,
            ca = pki.ca.display()
        )
    };
    let d = Corelogd::start(&d0.join("wrong"), &conf("wrong"), &[]);
    send(d.port, 10, 1);
    wait_for("the refusal", Duration::from_secs(20), || {
        d.stderr().contains("Authorization Violation").then_some(())
    });
    d.stop();
    let d = Corelogd::start(&d0.join("right"), &conf("s3cret"), &[]);
    send(d.port, 10, 1);
    // No stream takes the subject yet: held and retried until one does.
    wait_for("no stream", Duration::from_secs(20), || {
        d.stderr()
            .contains("no stream takes the subject")
            .then_some(())
    });
    s.create_stream("LOGS", "logs.>");
    let text = s.read(
        "LOGS",
        &d0.join("read.txt"),
        10,
        Duration::from_secs(10),
        false,
    );
    let (unique, dups, _) = check_no_holes(&text);
    let err = d.stop();
    assert_eq!((unique, dups), (10, 0), "{err}");
    assert!(err.contains("tls://127.0.0.1"), "{err}");
}

#[test]
fn a_session_never_goes_without_the_tls_one_side_asks_for() {
    let d0 = dir("tls-mismatch");
    let pki = Pki::new(&d0.join("pki"));
    let (cert, key) = (
        pki.server.cert.display().to_string(),
        pki.server.key.display().to_string(),
    );
    let tls = Server::start_with(
        &d0.join("tls"),
        false,
        &["--tls", "--tlscert", &cert, "--tlskey", &key],
    );
    let plain = Server::start_with(&d0.join("plain"), false, &[]);
    // A server that requires TLS, an action without it; an action that
    // asks for TLS, a server without it. Each with a queue of its own: the
    // first, retrying forever, must not hold the batch from the second.
    let conf = format!(
        r#"
module(load="imtcp")
module(load="omnats")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="m" type="string" string="%msg%")
action(type="omnats" server="nats://127.0.0.1:{tls}" subject="logs.a" template="m"
       action.resumeRetryCount="-1" action.resumeInterval="1" queue.type="LinkedList")
action(type="omnats" server="nats://127.0.0.1:{plain}" subject="logs.b" template="m"
       tls="on" tls.caCert="{ca}" action.resumeRetryCount="-1" action.resumeInterval="1"
       queue.type="LinkedList")
"#,
        tls = tls.port,
        plain = plain.port,
        ca = pki.ca.display()
    );
    let d = Corelogd::start(&d0.join("corelogd"), &conf, &[]);
    send(d.port, 1, 1);
    wait_for("both refusals", Duration::from_secs(20), || {
        let err = d.stderr();
        (err.contains("the server requires TLS") && err.contains("the server offers no TLS"))
            .then_some(())
    });
    d.stop();
}

#[test]
fn settings_that_cannot_run_are_errors_at_their_place() {
    let d0 = dir("refusals");
    let cases = [
        (
            r#"server="http://a:1" subject="x""#,
            "is not nats:// or tls://",
        ),
        (
            r#"server="nats://u:p@a" subject="x""#,
            "credentials in the URL",
        ),
        (r#"subject="a b""#, "is not a subject"),
        (r#"template="m""#, "subject=\"…\" is required"),
        (r#"subject="x" password="p""#, "a password needs its user"),
        (r#"subject="x" tls="on""#, "checks nothing of the server"),
        (
            r#"server="tls://a" subject="x" tls="off""#,
            "a tls:// server with tls=\"off\"",
        ),
        (
            r#"subject="x" tls.caCert="/ca.pem""#,
            "tls.caCert is a TLS setting",
        ),
        (r#"subject="x" stream="a.b""#, "is not a stream name"),
        (r#"subject="x" dynaSubject="on""#, "template"),
    ];
    let text = "module(load=\"omnats\")\ntemplate(name=\"m\" type=\"string\" string=\"%msg%\")\naction(type=\"omnats\" {})\n";
    assert_refused_at(&d0, text, 3, &cases);
}
