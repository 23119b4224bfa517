//! The real corelogd, with real peers: util-linux `logger`, Python's
//! `logging.handlers.SysLogHandler`, rsyslogd's omfwd and loadgen.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use corelog_tests::daemon::{
    check_prefix_order, check_prefix_order_partial, received, send, send_with, wait_lines,
    Corelogd, TCP_TO_FILE,
};
use corelog_tests::rsyslogd::Rsyslogd;
use corelog_tests::wait_for;

fn dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("corelog-daemon-{}-{name}", std::process::id()))
}

fn read(p: &std::path::Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

#[test]
fn logger_over_tcp_udp_octet_counting_and_the_unix_socket() {
    let d = Corelogd::start(
        &dir("logger"),
        r#"
module(load="imtcp")
module(load="imudp")
module(load="imuxsock" SysSock.Use="off")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
input(type="imudp" address="127.0.0.1" port="@PORT2@")
input(type="imuxsock" socket="@DIR@/log.sock")
template(name="t" type="string" string="%inputname% %syslogtag% %msg%\n")
*.* action(type="omfile" file="@DIR@/out.log" template="t")
"#,
        &["@DIR@/log.sock"],
    );
    let (p, p2) = (d.port.to_string(), d.port2.to_string());
    let sock = d.path("log.sock").display().to_string();
    corelog_tests::logger(&[
        "--tcp",
        "-n",
        "127.0.0.1",
        "-P",
        &p,
        "--rfc3164",
        "-t",
        "a",
        "tcp-3164",
    ]);
    corelog_tests::logger(&[
        "--tcp",
        "-n",
        "127.0.0.1",
        "-P",
        &p,
        "--rfc5424",
        "-t",
        "b",
        "tcp-5424",
    ]);
    corelog_tests::logger(&[
        "--tcp",
        "--octet-count",
        "-n",
        "127.0.0.1",
        "-P",
        &p,
        "-t",
        "c",
        "tcp-octet",
    ]);
    corelog_tests::logger(&[
        "--udp",
        "-n",
        "127.0.0.1",
        "-P",
        &p2,
        "--rfc3164",
        "-t",
        "d",
        "udp-3164",
    ]);
    corelog_tests::logger(&[
        "--udp",
        "-n",
        "127.0.0.1",
        "-P",
        &p2,
        "--rfc5424",
        "-t",
        "e",
        "udp-5424",
    ]);
    corelog_tests::logger(&[
        "--socket",
        &sock,
        "--socket-errors=on",
        "-t",
        "f",
        "unix-dgram",
    ]);
    let out = d.path("out.log");
    wait_lines(&out, 6);
    d.stop();
    let text = read(&out);
    for want in [
        "imtcp a: tcp-3164",
        "imtcp b tcp-5424",
        "imtcp c tcp-octet",
        "imudp d: udp-3164",
        "imudp e udp-5424",
        "imuxsock f: unix-dgram",
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(want.split(' ').next().unwrap())
                    && l.ends_with(want.rsplit(' ').next().unwrap())),
            "no line like {want:?} in:\n{text}"
        );
    }
}

#[test]
fn python_sysloghandler_over_unix_dgram_unix_stream_udp_and_tcp() {
    let d = Corelogd::start(
        &dir("python"),
        r#"
module(load="imtcp")
module(load="imptcp")
module(load="imudp")
module(load="imuxsock" SysSock.Use="off")
input(type="imtcp" address="127.0.0.1" port="@PORT@" addtlFrameDelimiter="0")
input(type="imudp" address="127.0.0.1" port="@PORT2@")
input(type="imuxsock" socket="@DIR@/dgram.sock")
input(type="imptcp" path="@DIR@/stream.sock" addtlFrameDelimiter="0")
template(name="t" type="string" string="%inputname% %hostname% %syslogtag%%msg%\n")
*.* action(type="omfile" file="@DIR@/out.log" template="t")
"#,
        &["@DIR@/dgram.sock", "@DIR@/stream.sock"],
    );
    let script = format!(
        r#"
import logging, logging.handlers, socket
def send(name, **kw):
    h = logging.handlers.SysLogHandler(**kw)
    log = logging.getLogger(name)
    log.addHandler(h)
    log.setLevel(logging.INFO)
    for i in range(3):
        log.info("%s-%d", name, i)
    h.close()
send("unixdgram", address="{dir}/dgram.sock")
send("unixstream", address="{dir}/stream.sock")
send("udp", address=("127.0.0.1", {p2}))
send("tcp", address=("127.0.0.1", {p}), socktype=socket.SOCK_STREAM)
"#,
        dir = d.dir.display(),
        p = d.port,
        p2 = d.port2
    );
    let out = Command::new("python3")
        .arg("-c")
        .arg(&script)
        .output()
        .expect("running python3 (Debian package python3)");
    assert!(
        out.status.success(),
        "python: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = d.path("out.log");
    wait_lines(&path, 12);
    d.stop();
    let text = read(&path);
    for (input, name) in [
        ("imuxsock", "unixdgram"),
        ("imptcp", "unixstream"),
        ("imudp", "udp"),
        ("imtcp", "tcp"),
    ] {
        for i in 0..3 {
            // Python sends `<PRI>text` with no header: network inputs take
            // `text` as the HOSTNAME, as rsyslog does; imuxsock as the tag.
            let want = format!("{name}-{i}");
            assert!(
                text.lines()
                    .any(|l| l.starts_with(input) && l.contains(&want)),
                "no {input} line with {want:?} in:\n{text}"
            );
        }
    }
}

#[test]
fn rsyslog_omfwd_forwards_into_corelogd() {
    let d = Corelogd::start(&dir("omfwd-in"), TCP_TO_FILE, &[]);
    let r = Rsyslogd::start(
        &dir("omfwd-rsyslog"),
        &format!(
            r#"
module(load="imtcp")
input(type="imtcp" port="@PORT@")
*.* action(type="omfwd" target="127.0.0.1" port="{}" protocol="tcp" TCP_Framing="octet-counted")
"#,
            d.port
        ),
    );
    send(r.port, 20000, 2);
    let out = d.path("out.log");
    wait_lines(&out, 20000);
    r.stop();
    d.stop();
    let (lines, conns) = check_prefix_order(&read(&out));
    assert_eq!((lines, conns), (20000, 2));
}

#[test]
fn a_million_messages_over_eight_connections_arrive_complete_and_in_order() {
    let d = Corelogd::start(&dir("million"), TCP_TO_FILE, &[]);
    send(d.port, 1000000, 8);
    let err = d.stop();
    assert_eq!(received(&err), 1_000_000, "{err}");
    let (lines, conns) = check_prefix_order(&read(&d_path("million", "out.log")));
    assert_eq!((lines, conns), (1_000_000, 8));
}

fn d_path(name: &str, file: &str) -> PathBuf {
    dir(name).join(file)
}

/// Sends `count` messages over 4 connections (with loadgen's `more`
/// options) and stops `d` with SIGTERM once 1 MiB is written. Checks that
/// every message read was written, a frame cut by the shutdown (at most one
/// per connection) as it was read; returns corelogd's stderr and how many
/// messages it read.
fn sigterm_mid_stream(d: Corelogd, count: u64, more: &[&str]) -> (String, u64) {
    let args: Vec<String> = [
        "send",
        "--target",
        &format!("127.0.0.1:{}", d.port),
        "--count",
        &count.to_string(),
        "--conns",
        "4",
    ]
    .iter()
    .chain(more)
    .map(|a| a.to_string())
    .collect();
    let sender = std::thread::spawn(move || {
        // The daemon goes away mid-stream: loadgen's failure is expected.
        let _ = Command::new(corelog_tests::daemon::bin("loadgen"))
            .args(args)
            .output();
    });
    let out = d.path("out.log");
    wait_for("the stream to start", Duration::from_secs(10), || {
        (std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0) > 1 << 20).then_some(())
    });
    let err = d.stop();
    sender.join().unwrap();
    let n = received(&err);
    let (lines, _, cut) = check_prefix_order_partial(&read(&out));
    assert!(n > 0 && n < count, "stopped mid-stream: {n}");
    assert!(cut <= 4, "{cut} cut frames");
    assert_eq!(lines + cut, n, "every message read was written:\n{err}");
    (err, n)
}

#[test]
fn sigterm_mid_stream_loses_nothing_that_was_read() {
    let d = Corelogd::start(&dir("sigterm"), TCP_TO_FILE, &[]);
    sigterm_mid_stream(d, 3_000_000, &["--rate", "1000000"]);
}

#[test]
fn sigterm_drains_for_longer_than_timeout_shutdown_while_the_output_moves() {
    // A queue of 1 000 and timeoutShutdown of 300 ms: taking in what the
    // kernel had accepted on four busy connections at SIGTERM, and
    // writing it, takes longer, but the output never stops moving.
    let config =
        format!(r#"main_queue(queue.size="1000" queue.timeoutShutdown="300"){TCP_TO_FILE}"#);
    let d = Corelogd::start(&dir("slowdrain"), &config, &[]);
    let (err, _) = sigterm_mid_stream(d, 5_000_000, &[]);
    assert!(err.contains(" 0 given up at shutdown"), "{err}");
}

#[test]
fn sigterm_takes_in_everything_the_kernel_accepted_on_connections_left_open() {
    // Four senders write everything, keep their connections open, and
    // corelogd gets SIGTERM at once: what their writes left in the
    // kernel's buffers (what they saw as sent) must all be taken in.
    let d = Corelogd::start(&dir("openconns"), TCP_TO_FILE, &[]);
    let per_conn = 50_000u64;
    let conns: Vec<std::net::TcpStream> = (0..4u32)
        .map(|c| {
            let mut s = std::net::TcpStream::connect(("127.0.0.1", d.port)).unwrap();
            let mut text = String::new();
            for i in 0..per_conn {
                text.push_str(&format!(
                    "<13>Dec  4 10:00:00 host tag: msgnum:{c:02}:{i:08}: filler to make it longer\n"
                ));
            }
            std::io::Write::write_all(&mut s, text.as_bytes()).unwrap();
            s
        })
        .collect();
    let err = d.stop();
    drop(conns);
    assert_eq!(received(&err), 4 * per_conn, "{err}");
    let (lines, n) = check_prefix_order(&read(&d_path("openconns", "out.log")));
    assert_eq!((lines, n), (4 * per_conn, 4), "{err}");
}

#[test]
fn five_thousand_dynamic_files_with_a_cache_of_100_under_ulimit_n_256() {
    let d = Corelogd::start_with(
        &dir("dynafile"),
        r#"
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="t" type="string" string="%msg%\n")
template(name="path" type="string" string="@DIR@/dyn/%msg:F,58:2%/%msg:F,58:3%.log")
*.* action(type="omfile" dynaFile="path" template="t" dynaFileCacheSize="100")
"#,
        &[],
        "ulimit -n 256;",
        &[],
    );
    send(d.port, 5000, 1);
    // Twice over the same 5000 files: each is reopened after eviction.
    send(d.port, 5000, 1);
    let last = d_path("dynafile", "dyn/00/00004999.log");
    wait_lines(&last, 2);
    let err = d.stop();
    assert_eq!(received(&err), 10_000, "{err}");
    let files: Vec<_> = std::fs::read_dir(d_path("dynafile", "dyn/00"))
        .expect("the dynamic files' directory")
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 5000);
    for f in files {
        assert_eq!(read(&f).lines().count(), 2, "{}", f.display());
    }
    assert!(!err.contains("Too many open files"), "{err}");
}

#[test]
fn a_session_of_many_small_reads_keeps_working() {
    // Found by the latency benchmark: each read raced the stop signal and
    // left a waker behind, until glommio's 16-bit waker count overflowed
    // after ~32 000 reads. A paced sender makes one read per message.
    let d = Corelogd::start(&dir("smallreads"), TCP_TO_FILE, &[]);
    send_with(d.port, 60_000, 1, &["--rate", "30000"]);
    let out = d.path("out.log");
    wait_lines(&out, 60_000);
    let err = d.stop();
    assert_eq!(received(&err), 60_000, "{err}");
}

/// A static file given as a symlink (`/dev/stdout`, a linked
/// `/var/log/messages`) is written through it: only dynaFiles refuse to
/// follow links.
#[test]
fn a_static_file_that_is_a_symlink_is_written_through_it() {
    let d = Corelogd::start_with(
        &dir("static-symlink"),
        r#"
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="t" type="string" string="%msg%\n")
*.* action(type="omfile" file="@DIR@/link.log" template="t")
"#,
        &[],
        "",
        &[],
    );
    // The file is opened on the first write, so the link may come now.
    std::os::unix::fs::symlink(d.path("real.log"), d.path("link.log")).expect("a symlink");
    send(d.port, 1000, 2);
    wait_lines(&d.path("real.log"), 1000);
    d.stop();
}

/// A ruleset's parser chain applies to the messages of the inputs bound to
/// it, sent by util-linux `logger`: a chain of RFC 5424 alone parses the
/// RFC 5424 message and delivers the RFC 3164 one unparsed (rsyslog
/// delivers it too, with a broken msg), and the exit report counts it; another input, bound to a ruleset whose
/// pmrfc3164 reads `[addr]` hostnames and drops msg's first space, sees its
/// message parsed that way; a third keeps the default chain.
#[test]
fn a_rulesets_parser_chain_parses_its_inputs_messages_and_delivers_what_none_accepts_unparsed() {
    let d = Corelogd::start(
        &dir("parsers"),
        r#"
module(load="imtcp")
parser(name="brackets" type="pmrfc3164" permit.squareBracketsInHostname="on" remove.msgFirstSpace="on")
template(name="t" type="string" string="%hostname%|%syslogtag%|[%msg%]\n")
ruleset(name="only5424" parser="rsyslog.rfc5424") {
  action(type="omfile" file="@DIR@/5424.log" template="t")
}
ruleset(name="brackets" parser=["rsyslog.rfc5424", "brackets"]) {
  action(type="omfile" file="@DIR@/brackets.log" template="t")
}
input(type="imtcp" address="127.0.0.1" port="@PORT@" ruleset="only5424")
input(type="imtcp" address="127.0.0.1" port="@PORT2@" ruleset="brackets")
"#,
        &[],
    );
    let (p, p2) = (d.port.to_string(), d.port2.to_string());
    let send = |port: &str, format: &str, tag: &str, text: &str| {
        corelog_tests::logger(&[
            "--tcp",
            "-n",
            "127.0.0.1",
            "-P",
            port,
            format,
            "-t",
            tag,
            text,
        ])
    };
    send(&p, "--rfc3164", "old", "unparsed by the chain");
    send(&p, "--rfc5424", "new", "kept by the chain");
    std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "printf '<13>Oct 11 22:14:15 [192.0.2.9] app: bracketed\\n' > /dev/tcp/127.0.0.1/{p2}"
        ))
        .status()
        .expect("bash");
    wait_lines(&d.path("5424.log"), 2);
    wait_lines(&d.path("brackets.log"), 1);
    let report = d.stop();
    let only = read(&d_path("parsers", "5424.log"));
    assert!(only.contains("|new|[kept by the chain]"), "{only}");
    // Unparsed: fromhost, no tag, the whole frame (PRI included) as msg.
    assert!(
        only.contains("127.0.0.1||[<13>") && only.contains(" old: unparsed by the chain]"),
        "{only}"
    );
    let brackets = read(&d_path("parsers", "brackets.log"));
    assert_eq!(brackets, "[192.0.2.9]|app:|[bracketed]\n");
    assert!(
        report.contains("1 delivered unparsed (no parser of their ruleset's chain accepted them)"),
        "{report}"
    );
}
