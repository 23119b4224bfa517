//! Parameters that were accepted and ignored before the configuration was
//! typed, and are carried out now, shown on the real `corelogd` with real
//! sockets: input names, imudp `name.appendPort`, imuxsock
//! `ignoreTimestamp`, `createPath` and `unlink`, omfwd `rebindInterval`,
//! `$MaxOpenFiles`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use corelog_tests::daemon::{refused_start, wait_lines, Corelogd};
use corelog_tests::wait_for;

fn dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("corelog-params-rt-{}-{name}", std::process::id()))
}

fn read(p: &std::path::Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

#[test]
fn input_names_reach_the_inputname_property() {
    let d = Corelogd::start(
        &dir("names"),
        r#"
module(load="imtcp")
module(load="imudp")
input(type="imtcp" address="127.0.0.1" port="@PORT@" name="edge-tcp")
input(type="imudp" address="127.0.0.1" port="@PORT2@" name="edge-udp" name.appendPort="on")
template(name="t" type="string" string="%inputname% %msg%\n")
*.* action(type="omfile" file="@DIR@/out.log" template="t")
"#,
        &[],
    );
    let mut s = TcpStream::connect(("127.0.0.1", d.port)).unwrap();
    writeln!(s, "<13>Nov 28 10:00:00 host tag: over-tcp").unwrap();
    drop(s);
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    u.send_to(
        b"<13>Nov 28 10:00:00 host tag: over-udp",
        ("127.0.0.1", d.port2),
    )
    .unwrap();
    let out = d.path("out.log");
    wait_lines(&out, 2);
    let text = read(&out);
    let udp_port = d.port2;
    d.stop();
    // %msg% keeps the space after the tag, as in rsyslog.
    assert!(text.contains("edge-tcp  over-tcp\n"), "{text}");
    assert!(
        text.contains(&format!("edge-udp{udp_port}  over-udp\n")),
        "{text}"
    );
}

#[test]
fn imuxsock_reports_the_reception_time_unless_told_otherwise() {
    let d = Corelogd::start(
        &dir("uxtime"),
        r#"
module(load="imuxsock" sysSock.use="off")
input(type="imuxsock" socket="@DIR@/default.sock")
input(type="imuxsock" socket="@DIR@/stated.sock" ignoreTimestamp="off")
template(name="t" type="string" string="%timereported:::date-year% %msg%\n")
*.* action(type="omfile" file="@DIR@/out.log" template="t")
"#,
        &["@DIR@/default.sock", "@DIR@/stated.sock"],
    );
    let c = UnixDatagram::unbound().unwrap();
    for sock in ["default", "stated"] {
        let msg = format!("<13>Oct 11 22:14:15 tag: via-{sock}");
        let msg = msg.replace("Oct 11 22:14:15", "2001-10-11T22:14:15Z");
        c.send_to(msg.as_bytes(), d.path(&format!("{sock}.sock")))
            .unwrap();
    }
    let out = d.path("out.log");
    wait_lines(&out, 2);
    let text = read(&out);
    d.stop();
    let year = |tag: &str| {
        text.lines()
            .find(|l| l.contains(tag))
            .and_then(|l| l.split(' ').next())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(year("via-stated"), "2001", "{text}");
    assert_ne!(
        year("via-default"),
        "2001",
        "ignoreTimestamp is on by default: {text}"
    );
}

#[test]
fn imuxsock_creates_the_path_and_removes_a_stale_socket_only_when_told() {
    // createPath off (the default): a missing directory is an error.
    let d = dir("uxpath");
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let conf = d.join("off.conf");
    let sock = d.join("missing/log.sock");
    std::fs::write(
        &conf,
        format!(
            "module(load=\"imuxsock\" sysSock.use=\"off\")\ninput(type=\"imuxsock\" socket=\"{}\")\n*.* /dev/null\n",
            sock.display()
        ),
    )
    .unwrap();
    let (code, err) = refused_start(&conf);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("cannot create socket"), "{err}");
    // A stale socket stays in the way with unlink="off".
    let stale = d.join("stale.sock");
    drop(UnixDatagram::bind(&stale).unwrap());
    let conf = d.join("stale.conf");
    std::fs::write(
        &conf,
        format!(
            "module(load=\"imuxsock\" sysSock.use=\"off\")\ninput(type=\"imuxsock\" socket=\"{}\" unlink=\"off\")\n*.* /dev/null\n",
            stale.display()
        ),
    )
    .unwrap();
    let (code, err) = refused_start(&conf);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("Address already in use"), "{err}");
    // createPath="on" makes the directory; unlink (the default) removes a
    // stale socket; both work.
    let dm = Corelogd::start(
        &dir("uxpath-on"),
        r#"
module(load="imuxsock" sysSock.use="off")
input(type="imuxsock" socket="@DIR@/made/here/log.sock" createPath="on")
*.* action(type="omfile" file="@DIR@/out.log")
"#,
        &["@DIR@/made/here/log.sock"],
    );
    let c = UnixDatagram::unbound().unwrap();
    c.send_to(
        b"<13>Oct 11 22:14:15 tag: hello",
        dm.path("made/here/log.sock"),
    )
    .unwrap();
    wait_lines(&dm.path("out.log"), 1);
    dm.stop();
}

/// A receiver that counts the connections it was given and the lines it
/// read on all of them.
fn counting_receiver() -> (u16, Arc<AtomicUsize>, Arc<Mutex<Vec<String>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let conns = Arc::new(AtomicUsize::new(0));
    let lines = Arc::new(Mutex::new(Vec::new()));
    let (c2, l2) = (conns.clone(), lines.clone());
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(s) = s else { return };
            c2.fetch_add(1, Ordering::SeqCst);
            let lines = l2.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(s).lines() {
                    let Ok(line) = line else { return };
                    lines.lock().unwrap().push(line);
                }
            });
        }
    });
    (port, conns, lines)
}

#[test]
fn omfwd_rebind_interval_opens_a_new_connection_after_that_many_messages() {
    let (target, conns, lines) = counting_receiver();
    let d = Corelogd::start(
        &dir("rebind"),
        &format!(
            r#"
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="t" type="string" string="%msg%\n")
*.* action(type="omfwd" target="127.0.0.1" port="{target}" protocol="tcp" template="t" rebindInterval="10")
"#
        ),
        &[],
    );
    let mut s = TcpStream::connect(("127.0.0.1", d.port)).unwrap();
    // Five bursts of ten, each sent once the last has arrived, so each is
    // a batch of its own.
    for burst in 0..5 {
        for i in 0..10 {
            writeln!(s, "<13>Nov 28 10:00:00 host tag: m{burst}-{i}").unwrap();
        }
        s.flush().unwrap();
        let want = (burst + 1) * 10;
        wait_for(
            "the receiver to have the burst",
            Duration::from_secs(20),
            || (lines.lock().unwrap().len() >= want).then_some(()),
        );
    }
    drop(s);
    d.stop();
    assert_eq!(lines.lock().unwrap().len(), 50);
    let n = conns.load(Ordering::SeqCst);
    assert!(
        n >= 5,
        "{n} connection(s) for 50 messages with rebindInterval 10"
    );
}

#[test]
fn max_open_files_sets_the_limit() {
    let d = Corelogd::start(
        &dir("maxopen"),
        "$MaxOpenFiles 3000\nmodule(load=\"imtcp\")\ninput(type=\"imtcp\" address=\"127.0.0.1\" port=\"@PORT@\")\n*.* action(type=\"omfile\" file=\"@DIR@/out.log\")\n",
        &[],
    );
    let limits = read(std::path::Path::new(&format!("/proc/{}/limits", d.pid())));
    d.stop();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap_or_default()
        .to_string();
    // The soft limit; the hard one is raised to it when lower (root).
    let soft = line.split_whitespace().nth(3).unwrap_or_default();
    assert_eq!(soft, "3000", "{line}");
}

#[test]
fn imptcp_unix_sockets_get_file_create_mode() {
    use std::os::unix::fs::PermissionsExt;
    let d = Corelogd::start(
        &dir("ptcpmode"),
        r#"
module(load="imptcp")
input(type="imptcp" path="@DIR@/default.sock")
input(type="imptcp" path="@DIR@/open.sock" fileCreateMode="0666")
*.* action(type="omfile" file="@DIR@/out.log")
"#,
        &["@DIR@/default.sock", "@DIR@/open.sock"],
    );
    let mode = |f: &str| std::fs::metadata(d.path(f)).unwrap().permissions().mode() & 0o777;
    let (default, open) = (mode("default.sock"), mode("open.sock"));
    d.stop();
    assert_eq!((default, open), (0o644, 0o666), "rsyslog's default is 0644");
}
