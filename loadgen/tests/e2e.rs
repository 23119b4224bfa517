//! loadgen end to end: send → sink over TCP and UDP, and send → a real
//! rsyslogd → file → `loadgen check`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_loadgen");

/// Starts `loadgen sink`, returns it and the address it listens on.
fn sink(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(BIN)
        .arg("sink")
        .args(args)
        .args(["--json", "--idle", "3"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("starting loadgen sink");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening ")
        .expect("sink announces its address")
        .to_string();
    child.stdout = Some(out.into_inner());
    (child, addr)
}

fn summary(child: Child) -> Value {
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn send(args: &[&str]) -> Value {
    let out = Command::new(BIN)
        .arg("send")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn tcp_send_to_sink_loses_nothing() {
    let (child, addr) = sink(&["--count", "30000", "--conns", "3"]);
    let s = send(&[
        "--target", &addr, "--conns", "3", "--count", "30000", "--size", "100-400",
    ]);
    assert_eq!(s["sent"], 30000);
    let v = summary(child);
    assert_eq!(
        (
            v["unique"].as_u64(),
            v["missing"].as_u64(),
            v["duplicates"].as_u64()
        ),
        (Some(30000), Some(0), Some(0)),
        "{v}"
    );
    assert_eq!(v["reordered"], 0);
    assert!(v["latency_ns"]["p99"].as_u64().unwrap() > 0);
}

#[test]
fn rfc5424_at_a_rate() {
    // The open-loop path: each message stamped with its intended send time.
    let (child, addr) = sink(&["--count", "4000"]);
    let s = send(&[
        "--target", &addr, "--count", "4000", "--rate", "20000", "--format", "rfc5424",
    ]);
    assert_eq!(s["sent"], 4000);
    assert_eq!(s["rate_target"], 20000);
    let v = summary(child);
    assert_eq!(
        (v["unique"].as_u64(), v["missing"].as_u64()),
        (Some(4000), Some(0)),
        "{v}"
    );
}

#[test]
fn udp_send_to_sink() {
    // A modest rate, so that the test's (debug-built) sink keeps up with
    // loopback UDP, which drops when the receive buffer is full.
    let (child, addr) = sink(&["--proto", "udp", "--count", "2000"]);
    send(&[
        "--target", &addr, "--proto", "udp", "--count", "2000", "--rate", "4000",
    ]);
    let v = summary(child);
    // UDP may drop when the receiver is starved of CPU (tests run in
    // parallel); what matters is that every datagram is accounted for.
    let (unique, missing) = (
        v["unique"].as_u64().unwrap(),
        v["missing"].as_u64().unwrap(),
    );
    assert!(
        unique >= 1900,
        "loopback UDP at a modest rate lost too much: {v}"
    );
    assert_eq!(v["duplicates"], 0, "{v}");
    assert!(unique + missing <= 2000, "{v}");
}

#[test]
fn relp_to_a_closed_port_is_a_clear_error() {
    let out = Command::new(BIN)
        .args([
            "send",
            "--target",
            "127.0.0.1:1",
            "--proto",
            "relp",
            "--count",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot connect"));
}

/// A private rsyslogd with `input` (`@PORT@` replaced), writing `%msg%`
/// lines; returns it, its port and the output file.
fn rsyslogd(name: &str, input: &str) -> (Child, u16, std::path::PathBuf) {
    assert!(
        std::path::Path::new("/usr/sbin/rsyslogd").exists(),
        "rsyslogd not found: install Debian's rsyslog (scripts/test does)"
    );
    let dir = std::env::temp_dir().join(format!("loadgen-e2e-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = dir.join("out.log");
    std::fs::write(
        dir.join("rsyslog.conf"),
        format!(
            "global(workDirectory=\"{d}\")\n{input}\n\
             template(name=\"m\" type=\"string\" string=\"%msg%\\n\")\naction(type=\"omfile\" file=\"{o}\" template=\"m\")\n",
            d = dir.display(),
            o = out.display(),
            input = input.replace("@PORT@", &port.to_string()),
        ),
    )
    .unwrap();
    let rsyslogd = Command::new("/usr/sbin/rsyslogd")
        .args(["-n", "-f"])
        .arg(dir.join("rsyslog.conf"))
        .arg("-i")
        .arg(dir.join("pid"))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "rsyslogd did not listen");
        std::thread::sleep(Duration::from_millis(20));
    }
    (rsyslogd, port, out)
}

/// Waits for rsyslogd's 10 000 lines (2 connections), stops it and checks
/// the file: nothing missing or duplicated.
fn stop_and_check(mut rsyslogd: Child, out: &std::path::Path) -> std::process::Output {
    wait_lines(out, 10000);
    let _ = rsyslogd.kill();
    let _ = rsyslogd.wait();
    let check = Command::new(BIN)
        .args(["check", "--conns", "2", "--count", "10000", "--json"])
        .arg(out)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    check
}

/// Waits until `out` has `n` lines.
fn wait_lines(out: &std::path::Path, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let lines = || {
        std::fs::read(out)
            .map(|d| d.iter().filter(|&&c| c == b'\n').count())
            .unwrap_or(0)
    };
    while lines() < n {
        assert!(
            Instant::now() < deadline,
            "rsyslogd wrote {} of {n} lines",
            lines()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// RELP into rsyslog's imrelp (Debian's rsyslog-relp): every message
/// acknowledged, latency measured, the file complete.
#[test]
fn relp_through_rsyslogs_imrelp_acknowledged_and_checked() {
    let (rsyslogd, port, out) = rsyslogd(
        "relp",
        "module(load=\"imrelp\")\ninput(type=\"imrelp\" port=\"@PORT@\" address=\"127.0.0.1\")",
    );
    let v = send(&[
        "--proto",
        "relp",
        "--target",
        &format!("127.0.0.1:{port}"),
        "--conns",
        "2",
        "--window",
        "64",
        "--count",
        "10000",
    ]);
    assert_eq!(v["acked"], 10000, "{v}");
    assert!(v["latency_ns"]["count"].as_u64() == Some(10000), "{v}");
    stop_and_check(rsyslogd, &out);
}

#[test]
fn through_rsyslogd_to_a_file_and_checked() {
    let (rsyslogd, port, out) = rsyslogd(
        "tcp",
        "module(load=\"imtcp\")\ninput(type=\"imtcp\" port=\"@PORT@\" address=\"127.0.0.1\")",
    );
    // Octet-counted framing (RFC 6587), which rsyslog's imtcp reads.
    send(&[
        "--proto",
        "tcp-octet",
        "--target",
        &format!("127.0.0.1:{port}"),
        "--conns",
        "2",
        "--count",
        "10000",
    ]);
    let check = stop_and_check(rsyslogd, &out);
    let v: Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(
        (v["unique"].as_u64(), v["missing"].as_u64()),
        (Some(10000), Some(0))
    );
}
