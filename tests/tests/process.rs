//! corelogd as a process and its outputs under failure: pid file, SIGHUP,
//! limits, flow control, forwarding, suspension and failover.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use corelog_tests::daemon::{
    bin, check_prefix_order, received, refused_start, send, wait_lines, Corelogd, TCP_TO_FILE,
};
use corelog_tests::receiver::Receiver;
use corelog_tests::rsyslogd::free_port;
use corelog_tests::wait_for;

fn dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("corelog-process-{}-{name}", std::process::id()))
}

fn read(p: &std::path::Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

fn send_lines(port: u16, lines: &[&str]) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connecting to corelogd");
    for l in lines {
        writeln!(s, "<13>Nov 28 10:00:00 host tag: {l}").unwrap();
    }
}

#[test]
fn a_stale_pid_file_is_replaced_and_a_live_one_refuses_a_second_daemon() {
    let d_dir = dir("pid");
    let _ = std::fs::remove_dir_all(&d_dir);
    std::fs::create_dir_all(&d_dir).unwrap();
    // Corelogd::start recreates the directory; the stale file goes in after
    // through a config that names a pid file elsewhere.
    let pidfile =
        std::env::temp_dir().join(format!("corelog-process-{}-stale.pid", std::process::id()));
    std::fs::write(&pidfile, "999999\n").unwrap();
    let d = Corelogd::start_with(
        &dir("pid"),
        TCP_TO_FILE,
        &[],
        "",
        &["-i", &pidfile.display().to_string()],
    );
    wait_for(
        "the pid file to name corelogd",
        Duration::from_secs(10),
        || (read(&pidfile).trim() == d.pid().to_string()).then_some(()),
    );
    let second = Command::new(bin("corelogd"))
        .args([
            "-f",
            &d.path("corelog.conf").display().to_string(),
            "-i",
            &pidfile.display().to_string(),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("another corelogd (pid {}) is running", d.pid())),
        "{err}"
    );
    d.stop();
    assert!(!pidfile.exists(), "the pid file is removed at exit");
}

#[test]
fn sighup_reopens_files_after_logrotate_moved_them() {
    let d = Corelogd::start(&dir("hup"), TCP_TO_FILE, &[]);
    let out = d.path("out.log");
    send_lines(d.port, &["before-1", "before-2"]);
    wait_lines(&out, 2);
    std::fs::rename(&out, d.path("out.log.1")).unwrap();
    Command::new("kill")
        .args(["-HUP", &d.pid().to_string()])
        .status()
        .unwrap();
    // The reopen happens within the housekeeping period; lines sent until
    // the new file appears may still go to the old one.
    wait_for("the new file", Duration::from_secs(10), || {
        send_lines(d.port, &["after"]);
        std::thread::sleep(Duration::from_millis(100));
        out.exists().then_some(())
    });
    d.stop();
    let old = read(&d_path("hup", "out.log.1"));
    assert!(old.starts_with(" before-1\n before-2\n"), "{old:?}");
    assert!(read(&out).lines().all(|l| l == " after"), "{}", read(&out));
    assert!(!read(&out).is_empty());
}

fn d_path(name: &str, file: &str) -> PathBuf {
    dir(name).join(file)
}

#[test]
fn too_little_locked_memory_is_a_clear_error() {
    let conf = std::env::temp_dir().join(format!(
        "corelog-process-{}-memlock.conf",
        std::process::id()
    ));
    std::fs::write(
        &conf,
        TCP_TO_FILE
            .replace("@PORT@", &free_port().to_string())
            .replace("@DIR@", "/tmp"),
    )
    .unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -l 64 && exec {} -f {}",
            bin("corelogd").display(),
            conf.display()
        ))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("locked-memory limit is 64 KiB") && err.contains("ulimit -l"),
        "{err}"
    );
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let conf =
        std::env::temp_dir().join(format!("corelog-process-{}-inuse.conf", std::process::id()));
    // No SO_REUSEPORT on the test's listener, so corelogd cannot share it.
    std::fs::write(
        &conf,
        TCP_TO_FILE
            .replace("@PORT@", &port.to_string())
            .replace("@DIR@", "/tmp"),
    )
    .unwrap();
    let out = Command::new(bin("corelogd"))
        .args(["-f", &conf.display().to_string()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{err}"
    );
}

/// A corelogd killed a moment ago holds its ports until the kernel has torn
/// down its io_uring rings: a restart waits for a port released within a
/// few seconds rather than failing (here the test holds the UDP port).
#[test]
fn a_port_released_soon_after_the_start_is_waited_for() {
    let held = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let udp = held.local_addr().unwrap().port();
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(700));
        drop(held);
    });
    let d = Corelogd::start(
        &dir("portwait"),
        &format!(
            r#"
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="{udp}"){TCP_TO_FILE}"#
        ),
        &[],
    );
    release.join().unwrap();
    let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    s.send_to(b"<13>app: over-udp", ("127.0.0.1", udp)).unwrap();
    wait_lines(&d.path("out.log"), 1);
    let err = d.stop();
    assert_eq!(received(&err), 1, "{err}");
}

/// A second corelogd started by mistake on the same ports is refused, as a
/// second rsyslogd is, although corelogd's own sockets share their ports
/// (SO_REUSEPORT) across cores. It takes no connection or datagram from
/// the running one, and leaves its unix socket alone.
#[test]
fn a_second_corelogd_on_the_same_ports_is_refused() {
    let config = r#"
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" socket="@DIR@/log.sock")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="@PORT2@")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="t" type="string" string="%msg%\n")
*.* action(type="omfile" file="@DIR@/out.log" template="t")
"#;
    let d = Corelogd::start(&dir("second"), config, &["@DIR@/log.sock"]);
    let conf = read(&d.path("corelog.conf"));
    let udp = format!("port=\"{}\"", d.port2);
    let tcp_only = conf.replace(&udp, &format!("port=\"{}\"", free_port()));
    for (name, text, port) in [("same", conf.clone(), d.port2), ("tcp", tcp_only, d.port)] {
        let path = d.path(&format!("second-{name}.conf"));
        std::fs::write(&path, text).unwrap();
        let (code, err) = refused_start(&path);
        assert_eq!(code, Some(1), "{err}");
        assert!(
            err.contains(&format!("cannot listen on 127.0.0.1:{port}"))
                && err.contains("perhaps another corelogd"),
            "{err}"
        );
    }
    let lines: Vec<String> = (0..200).map(|i| format!("tcp-{i}")).collect();
    send_lines(
        d.port,
        &lines.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let unix = std::os::unix::net::UnixDatagram::unbound().unwrap();
    unix.send_to(b"<13>app: over-unix", d.path("log.sock"))
        .expect("the first corelogd's unix socket is still there");
    let out = d.path("out.log");
    wait_lines(&out, 201);
    let err = d.stop();
    assert_eq!(received(&err), 201, "{err}");
}

#[test]
fn max_sessions_closes_connections_beyond_the_limit() {
    let d = Corelogd::start(
        &dir("sessions"),
        &TCP_TO_FILE.replace("port=\"@PORT@\"", "port=\"@PORT@\" maxSessions=\"2\""),
        &[],
    );
    // The harness's readiness probe connected and closed once; wait until
    // that session is gone.
    std::thread::sleep(Duration::from_millis(300));
    let a = TcpStream::connect(("127.0.0.1", d.port)).unwrap();
    let b = TcpStream::connect(("127.0.0.1", d.port)).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let mut c = TcpStream::connect(("127.0.0.1", d.port)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut buf = [0u8; 1];
    assert_eq!(
        c.read(&mut buf).unwrap_or(0),
        0,
        "the third session is closed"
    );
    drop((a, b));
    let err = d.stop();
    assert!(err.contains("maxSessions (2) reached"), "{err}");
}

#[test]
fn rate_limiting_drops_beyond_the_burst_and_counts_it() {
    let d = Corelogd::start(
        &dir("ratelimit"),
        &TCP_TO_FILE.replace(
            "port=\"@PORT@\"",
            "port=\"@PORT@\" rateLimit.interval=\"60\" rateLimit.burst=\"100\"",
        ),
        &[],
    );
    let lines: Vec<String> = (0..1000).map(|i| format!("m{i}")).collect();
    send_lines(
        d.port,
        &lines.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let out = d.path("out.log");
    wait_lines(&out, 100);
    let err = d.stop();
    assert!(err.contains("900 rate-limited"), "{err}");
    assert_eq!(read(&out).lines().count(), 100);
}

#[test]
fn max_message_size_truncates_and_the_rest_is_a_further_message() {
    // rsyslog's smallest maxMessageSize is 128.
    let conf = format!(
        "global(maxMessageSize=\"128\")\n{}",
        TCP_TO_FILE.replace("%msg%", "%rawmsg%")
    );
    let d = Corelogd::start(&dir("truncate"), &conf, &[]);
    let mut s = TcpStream::connect(("127.0.0.1", d.port)).unwrap();
    writeln!(s, "<13>{}", "x".repeat(296)).unwrap();
    drop(s);
    let out = d.path("out.log");
    wait_lines(&out, 3);
    d.stop();
    let lens: Vec<usize> = read(&out).lines().map(str::len).collect();
    assert_eq!(lens, vec![128, 128, 44]);
}

#[test]
fn omfwd_forwards_over_tcp_and_a_full_queue_stops_the_sender() {
    let target = free_port();
    // The receiver reads nothing for 3 s: the forward connection stalls,
    // the queues fill, and corelogd must stop reading from its sender
    // rather than buffer without bound.
    let mut r = Receiver::gated(target);
    let d = Corelogd::start(
        &dir("backpressure"),
        &format!(
            r#"
main_queue(queue.size="10000")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="t" type="string" string="%msg%\n")
*.* action(type="omfwd" target="127.0.0.1" port="{target}" protocol="tcp" template="t" action.resumeRetryCount="-1")
"#
        ),
        &[],
    );
    let port = d.port;
    let sender = std::thread::spawn(move || {
        send(port, 2_000_000, 2);
    });
    // The target reads nothing: 2 M messages (512 MB) cannot all be taken
    // in unless corelogd buffers without bound. Give it time to try.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        !sender.is_finished(),
        "the sender is held back while the output is stalled"
    );
    let rss_kib: u64 = read(&PathBuf::from(format!("/proc/{}/status", d.pid())))
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .expect("VmRSS");
    // 2 M messages of 256 bytes would be 512 MB if buffered.
    assert!(
        rss_kib < 200 * 1024,
        "corelogd holds {rss_kib} KiB while stalled"
    );
    r.open();
    sender.join().unwrap();
    wait_for("every message forwarded", Duration::from_secs(60), || {
        (r.count() == 2_000_000).then_some(())
    });
    let err = d.stop();
    assert_eq!(received(&err), 2_000_000);
    let text = r.text();
    assert_eq!(check_prefix_order(&text), (2_000_000, 2));
}

#[test]
fn a_suspended_forward_fails_over_to_the_next_action() {
    let closed = free_port();
    let d = Corelogd::start(
        &dir("failover"),
        &format!(
            r#"
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="t" type="string" string="%msg%\n")
*.* action(type="omfwd" target="127.0.0.1" port="{closed}" protocol="tcp" template="t" action.resumeInterval="60")
*.* action(type="omfile" file="@DIR@/backup.log" template="t" action.execOnlyWhenPreviousIsSuspended="on")
"#
        ),
        &[],
    );
    // The first batches fail and suspend the forward; from then on the
    // backup takes what is sent.
    let backup = d.path("backup.log");
    let mut i = 0;
    wait_for("the backup to take over", Duration::from_secs(30), || {
        i += 1;
        send_lines(d.port, &[&format!("line-{i}")]);
        std::thread::sleep(Duration::from_millis(50));
        (!read(&backup).is_empty()).then_some(())
    });
    let err = d.stop();
    assert!(err.contains("suspended for 60 s"), "{err}");
}

#[test]
fn forwarding_resumes_after_the_target_comes_back() {
    let target = free_port();
    let d = Corelogd::start(
        &dir("resume"),
        &format!(
            r#"
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="t" type="string" string="%msg%\n")
*.* action(type="omfwd" target="127.0.0.1" port="{target}" protocol="tcp" template="t" action.resumeRetryCount="-1" action.resumeInterval="1")
"#
        ),
        &[],
    );
    send(d.port, 10000, 1);
    // The target reads nothing: 2 M messages (512 MB) cannot all be taken
    // in unless corelogd buffers without bound. Give it time to try.
    std::thread::sleep(Duration::from_millis(1500));
    let r = Receiver::start(target);
    wait_for(
        "every message after the target came back",
        Duration::from_secs(30),
        || (r.count() >= 10_000).then_some(()),
    );
    let err = d.stop();
    let text = r.text();
    assert_eq!(check_prefix_order(&text), (10_000, 1), "{err}");
}

#[test]
fn an_action_queue_keeps_a_down_forward_from_stalling_the_file_and_loses_nothing() {
    let target = free_port();
    let d = Corelogd::start(
        &dir("actionqueue"),
        &format!(
            r#"
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="t" type="string" string="%msg%\n")
*.* action(type="omfwd" target="127.0.0.1" port="{target}" protocol="tcp" template="t"
           queue.type="LinkedList" queue.size="500000"
           action.resumeRetryCount="-1" action.resumeInterval="1")
*.* action(type="omfile" file="@DIR@/out.log" template="t")
"#
        ),
        &[],
    );
    send(d.port, 200000, 2);
    // The forward target is down; the file gets everything regardless.
    let out = d.path("out.log");
    wait_lines(&out, 200_000);
    // The target comes up: the queue drains into it, in order.
    let r = Receiver::start(target);
    wait_for("every message forwarded", Duration::from_secs(60), || {
        (r.count() >= 200_000).then_some(())
    });
    let err = d.stop();
    let text = r.text();
    assert_eq!(check_prefix_order(&text), (200_000, 2), "{err}");
    assert_eq!(check_prefix_order(&read(&out)), (200_000, 2));
}

#[test]
fn a_ruleset_with_its_own_queue_runs_its_inputs_messages() {
    let d = Corelogd::start(
        &dir("rulesetqueue"),
        r#"
module(load="imtcp")
template(name="t" type="string" string="%msg%\n")
ruleset(name="remote" queue.type="LinkedList" queue.size="100000") {
    action(type="omfile" file="@DIR@/remote.log" template="t")
}
input(type="imtcp" address="127.0.0.1" port="@PORT@" ruleset="remote")
input(type="imtcp" address="127.0.0.1" port="@PORT2@")
*.* action(type="omfile" file="@DIR@/main.log" template="t")
"#,
        &[],
    );
    send(d.port, 100000, 2);
    send(d.port2, 1000, 1);
    let (remote, main) = (d.path("remote.log"), d.path("main.log"));
    wait_for("both files", Duration::from_secs(30), || {
        (read(&remote).lines().count() == 100_000 && read(&main).lines().count() == 1000)
            .then_some(())
    });
    d.stop();
    assert_eq!(check_prefix_order(&read(&remote)), (100_000, 2));
}

#[test]
fn a_dynamic_file_that_cannot_be_opened_costs_only_its_own_messages() {
    let d = Corelogd::start(
        &dir("badpath"),
        r#"
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="t" type="string" string="%msg%\n")
template(name="path" type="string" string="@DIR@/%programname%/f.log")
*.* action(type="omfile" dynaFile="path" template="t")
"#,
        &[],
    );
    // A regular file where a directory would have to be: ENOTDIR.
    std::fs::write(d.path("blocked"), "").unwrap();
    let mut s = TcpStream::connect(("127.0.0.1", d.port)).unwrap();
    for i in 0..100 {
        let tag = if i % 2 == 0 { "good" } else { "blocked" };
        writeln!(s, "<13>Nov 28 10:00:00 host {tag}: m{i}").unwrap();
    }
    drop(s);
    wait_lines(&d.path("good/f.log"), 50);
    let err = d.stop();
    assert!(err.contains("the message is not written"), "{err}");
}

/// SIGHUP re-reads the lookup tables with `reloadOnHUP` (the default) and
/// leaves the others as they were loaded; a table file broken before the
/// SIGHUP keeps the table in use and is said.
#[test]
fn sighup_reloads_the_lookup_tables_that_ask_for_it() {
    let tables = dir("lookup-tables");
    let _ = std::fs::remove_dir_all(&tables);
    std::fs::create_dir_all(&tables).unwrap();
    let write = |file: &str, value: &str| {
        std::fs::write(
            tables.join(file),
            format!(r#"{{"version":1,"table":[{{"index":"host","value":"{value}"}}]}}"#),
        )
        .unwrap()
    };
    write("on.json", "on-1");
    write("off.json", "off-1");
    write("broken.json", "broken-1");
    let t = tables.display();
    let d = Corelogd::start(
        &dir("lookup-hup"),
        &format!(
            r#"
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
lookup_table(name="on" file="{t}/on.json")
lookup_table(name="off" file="{t}/off.json" reloadOnHUP="off")
lookup_table(name="broken" file="{t}/broken.json")
template(name="t" type="string" string="%$.a% %$.b% %$.c%%msg%\n")
set $.a = lookup("on", $hostname);
set $.b = lookup("off", $hostname);
set $.c = lookup("broken", $hostname);
action(type="omfile" file="@DIR@/out.log" template="t")
"#
        ),
        &[],
    );
    let out = d.path("out.log");
    send_lines(d.port, &["before"]);
    wait_lines(&out, 1);
    write("on.json", "on-2");
    write("off.json", "off-2");
    std::fs::write(tables.join("broken.json"), "not json").unwrap();
    Command::new("kill")
        .args(["-HUP", &d.pid().to_string()])
        .status()
        .unwrap();
    // The reload happens within the housekeeping period.
    wait_for("the reloaded table", Duration::from_secs(10), || {
        send_lines(d.port, &["after"]);
        std::thread::sleep(Duration::from_millis(100));
        read(&out).contains("on-2").then_some(())
    });
    let err = d.stop();
    let text = read(&d_path("lookup-hup", "out.log"));
    assert!(text.starts_with("on-1 off-1 broken-1 before\n"), "{text}");
    assert!(
        text.lines().any(|l| l == "on-2 off-1 broken-1 after"),
        "{text}"
    );
    assert!(
        err.contains("lookup table 'broken'") && err.contains("the table in use is kept"),
        "{err}"
    );
}
