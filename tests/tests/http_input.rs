//! imhttp's log input with a real HTTP client (Python's urllib): 100 000
//! LF-delimited messages in one POST all land, in order, with the input's
//! name and the client's address; octet-counted frames; the whole body as
//! one message; an API key required; a gzip body inflated, with the
//! request's headers and query in `$!metadata` (addMetadata); a rate
//! limit; `flowControl="off"` answering 503 for what found no room; and
//! what is refused — another method, a chunked body, an encoding other
//! than gzip, a damaged gzip body — with its status.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use corelog_tests::daemon::{wait_lines, Corelogd};
use corelog_tests::rsyslogd::free_port;
use corelog_tests::wait_for;

/// POSTs `body` with urllib: (status, reply text).
fn post(url: &str, body: &[u8], headers: &[(&str, &str)]) -> (u16, String) {
    let script = r#"
import sys, urllib.request, urllib.error
url = sys.argv[1]
headers = dict(h.split(":", 1) for h in sys.argv[2:])
req = urllib.request.Request(url, data=sys.stdin.buffer.read(), method="POST", headers=headers)
try:
    with urllib.request.urlopen(req, timeout=60) as r:
        print(r.status); sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code); sys.stdout.write(e.read().decode())
"#;
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(url)
        .args(headers.iter().map(|(k, v)| format!("{k}:{v}")))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 (Debian's python3)");
    child.stdin.take().unwrap().write_all(body).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (status, rest) = text.split_once('\n').unwrap_or((&text, ""));
    (status.trim().parse().unwrap_or(0), rest.to_string())
}

/// A raw request: the status line's code.
fn raw(port: u16, request: &str) -> u16 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[test]
fn posted_messages_land_and_refusals_say_why() {
    let http = free_port();
    let dir = std::env::temp_dir().join(format!("corelog-http-input-{}", std::process::id()));
    // Beside the daemon's directory (which starting it empties).
    let keys = dir.with_extension("keys");
    std::fs::write(&keys, "sekrit\n").unwrap();
    let d = Corelogd::start(
        &dir,
        &format!(
            r#"
module(load="imhttp" ports="127.0.0.1:{http}")
module(load="impstats" interval="1" log.syslog="off" log.file="@DIR@/stats.log")
input(type="imhttp" endpoint="/logs" name="web")
input(type="imhttp" endpoint="/counted" supportOctetCountedFraming="on" ruleset="counted")
input(type="imhttp" endpoint="/whole" disableLFDelimiter="on" ruleset="whole")
input(type="imhttp" endpoint="/keyed" apiKeyFile="{keys}" ruleset="keyed")
input(type="imhttp" endpoint="/gz" addMetadata="on" ruleset="gz")
input(type="imhttp" endpoint="/limited" ratelimit.interval="60" ratelimit.burst="5" ruleset="limited")
template(name="md" type="string" string="%$!metadata!httpheaders!x-trace%|%$!metadata!queryparams!src%|%$!metadata!httpheaders!content-encoding%|%msg%\n")
ruleset(name="gz") {{ action(type="omfile" file="@DIR@/gz.log" template="md") }}
ruleset(name="limited") {{ action(type="omfile" file="@DIR@/limited.log" template="md") }}
template(name="t" type="string" string="%fromhost-ip%|%inputname%|%hostname%|%syslogtag%|%msg%\n")
ruleset(name="counted") {{ action(type="omfile" file="@DIR@/counted.log" template="t") }}
ruleset(name="whole") {{ action(type="omfile" file="@DIR@/whole.log" template="t") }}
ruleset(name="keyed") {{ action(type="omfile" file="@DIR@/keyed.log" template="t") }}
action(type="omfile" file="@DIR@/out.log" template="t")
"#,
            keys = keys.display()
        ),
        &[],
    );
    std::thread::sleep(Duration::from_millis(500));
    let url = |p: &str| format!("http://127.0.0.1:{http}{p}");

    // 100 000 lines in one request.
    let n = 100_000;
    let body: String = (0..n)
        .map(|i| format!("<13>Oct 11 22:14:15 host1 app: line {i}\n"))
        .collect();
    let (status, text) = post(&url("/logs"), body.as_bytes(), &[]);
    assert_eq!((status, text.as_str()), (200, "100000 messages\n"));
    let out = d.path("out.log");
    wait_lines(&out, n);
    let lines = std::fs::read_to_string(&out).unwrap();
    for (i, l) in lines.lines().enumerate() {
        assert_eq!(l, format!("127.0.0.1|web|host1|app:| line {i}"));
    }

    // Octet-counted frames, LF ones beside them.
    let (status, text) = post(
        &url("/counted"),
        b"22 <13>h a: one\ntwo lines<13>h b: lf\n",
        &[],
    );
    assert_eq!((status, text.as_str()), (200, "2 messages\n"));
    wait_lines(&d.path("counted.log"), 2);

    // The whole body, one message.
    let (status, text) = post(&url("/whole"), b"<13>h a: first\nsecond\n", &[]);
    assert_eq!((status, text.as_str()), (200, "1 messages\n"));

    // The key file: 401 without, 200 with.
    assert_eq!(post(&url("/keyed"), b"<13>h a: x\n", &[]).0, 401);
    assert_eq!(
        post(
            &url("/keyed"),
            b"<13>h a: keyed\n",
            &[("X-API-Key", "sekrit")]
        )
        .0,
        200
    );

    // A gzip body, inflated; with addMetadata, the headers and the query
    // in $!metadata.
    let lines: String = (0..1000)
        .map(|i| format!("<13>h gz: zipped {i}\n"))
        .collect();
    let mut gzip = Command::new("gzip")
        .arg("-c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip (Debian's gzip)");
    gzip.stdin
        .take()
        .unwrap()
        .write_all(lines.as_bytes())
        .unwrap();
    let zipped = gzip.wait_with_output().unwrap().stdout;
    assert!(zipped.len() < lines.len() / 5);
    let (status, text) = post(
        &url("/gz?src=web1&x=2"),
        &zipped,
        &[("Content-Encoding", "gzip"), ("X-Trace", "t-42")],
    );
    assert_eq!((status, text.as_str()), (200, "1000 messages\n"));
    wait_lines(&d.path("gz.log"), 1000);
    let gz = std::fs::read_to_string(d.path("gz.log")).unwrap();
    for (i, l) in gz.lines().enumerate() {
        assert_eq!(l, format!("t-42|web1|gzip| zipped {i}"));
    }

    // ratelimit.burst: 5 of 20 taken in the interval.
    let twenty: String = (0..20).map(|i| format!("<13>h r: limited {i}\n")).collect();
    let (status, text) = post(&url("/limited"), twenty.as_bytes(), &[]);
    assert_eq!((status, text.as_str()), (200, "5 messages\n"));
    wait_lines(&d.path("limited.log"), 5);

    // Refusals.
    assert_eq!(raw(http, "GET /logs HTTP/1.1\r\nHost: x\r\n\r\n"), 405);
    assert_eq!(
        raw(
            http,
            "POST /logs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
        ),
        411
    );
    assert_eq!(
        raw(
            http,
            "POST /logs HTTP/1.1\r\nHost: x\r\nContent-Encoding: br\r\nContent-Length: 2\r\n\r\nxx"
        ),
        415
    );
    assert_eq!(
        raw(
            http,
            "POST /logs HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: 2\r\n\r\nxx"
        ),
        400
    );
    // impstats' imhttp object: every message taken, each refusal a
    // failed request (401, 405, 411, 415, 400).
    let stats = wait_for("imhttp's counters", Duration::from_secs(20), || {
        let text = std::fs::read_to_string(d.path("stats.log")).unwrap_or_default();
        text.lines()
            .rev()
            .find(|l| l.contains("imhttp: origin=imhttp submitted=101009 failed=5"))
            .map(str::to_string)
    });
    assert!(stats.trim_end().ends_with("discarded=0"), "{stats}");
    let stderr = d.stop();
    assert!(
        stderr.contains("corelogd: imhttp: 101009 message(s) taken, 0 not taken, 5 request(s) not answered 200."),
        "{stderr}"
    );
    // The LF inside the counted frame is kept (escaped on receive, as
    // rsyslog does).
    let counted = std::fs::read_to_string(dir.join("counted.log")).unwrap();
    assert_eq!(
        counted,
        "127.0.0.1|imhttp|h|a:| one#012two lines\n127.0.0.1|imhttp|h|b:| lf\n"
    );
    let whole = std::fs::read_to_string(dir.join("whole.log")).unwrap();
    assert_eq!(whole.lines().count(), 1, "{whole}");
    assert!(whole.contains("first"), "{whole}");
    let keyed = std::fs::read_to_string(dir.join("keyed.log")).unwrap();
    assert_eq!(keyed, "127.0.0.1|imhttp|h|a:| keyed\n");
    let _ = std::fs::remove_file(&keys);
}

/// flowControl="off": a request whose messages find the queue full for
/// longer than queue.timeoutEnqueue is answered 503 with what was taken;
/// the rest are dropped and counted (impstats' `discarded`).
#[test]
fn flow_control_off_answers_503_for_what_found_no_room() {
    let http = free_port();
    let dead = free_port();
    let dir = std::env::temp_dir().join(format!("corelog-http-flow-{}", std::process::id()));
    let d = Corelogd::start(
        &dir,
        &format!(
            r#"
module(load="imhttp" ports="127.0.0.1:{http}")
module(load="impstats" interval="1" log.syslog="off" log.file="@DIR@/stats.log")
input(type="imhttp" endpoint="/logs" flowControl="off" ruleset="slow")
ruleset(name="slow" queue.type="LinkedList" queue.size="100" queue.timeoutEnqueue="200") {{
  action(type="omfwd" target="127.0.0.1" port="{dead}" protocol="tcp" action.resumeRetryCount="-1")
}}
action(type="omfile" file="@DIR@/unused.log")
"#
        ),
        &[],
    );
    std::thread::sleep(Duration::from_millis(500));
    let body: String = (0..1000).map(|i| format!("<13>h a: {i}\n")).collect();
    let (status, text) = post(
        &format!("http://127.0.0.1:{http}/logs"),
        body.as_bytes(),
        &[],
    );
    assert_eq!(status, 503, "{text}");
    assert!(
        text.contains("of 1000 messages taken: the queue stayed full"),
        "{text}"
    );
    let taken: u64 = text.split_whitespace().next().unwrap().parse().unwrap();
    assert!(taken < 1000, "{text}");
    let stats = wait_for("the discarded count", Duration::from_secs(20), || {
        let text = std::fs::read_to_string(d.path("stats.log")).unwrap_or_default();
        // A report made after the request (one before it says failed=0).
        text.lines()
            .rev()
            .find(|l| l.contains("imhttp: origin=imhttp") && l.contains("failed=1"))
            .map(str::to_string)
    });
    assert!(
        stats.contains(&format!(
            "submitted={taken} failed=1 discarded={}",
            1000 - taken
        )),
        "{stats}"
    );
    drop(d);
}

/// On a disk queue, 200 means durable: messages posted while the only
/// action is down, answered 200, then corelogd killed with kill -9 — all
/// of them are forwarded after the restart.
#[test]
fn a_200_on_a_disk_queue_survives_kill_9() {
    let http = free_port();
    let dir = std::env::temp_dir().join(format!("corelog-http-durable-{}", std::process::id()));
    let mut d = Corelogd::start(
        &dir,
        &format!(
            r#"
global(workDirectory="@DIR@")
main_queue(queue.type="Disk" queue.filename="main" queue.size="100000")
module(load="imhttp" ports="127.0.0.1:{http}")
input(type="imhttp" endpoint="/logs")
template(name="t" type="string" string="%msg%\n")
action(type="omfwd" target="127.0.0.1" port="@PORT2@" protocol="tcp" template="t" action.resumeRetryCount="-1" action.resumeInterval="1")
"#
        ),
        &[],
    );
    std::thread::sleep(Duration::from_millis(500));
    let n = 5_000;
    let body: String = (0..n)
        .map(|i| format!("<13>Oct 11 22:14:15 h app: kept {i}\n"))
        .collect();
    let (status, text) = post(
        &format!("http://127.0.0.1:{http}/logs"),
        body.as_bytes(),
        &[],
    );
    assert_eq!((status, text.as_str()), (200, "5000 messages\n"));
    d.kill9();
    // The forward target comes up; the restarted corelogd delivers what
    // it had acknowledged.
    let receiver = corelog_tests::receiver::Receiver::start(d.port2);
    d.restart();
    wait_for(
        "every acknowledged message",
        Duration::from_secs(60),
        || (receiver.count() >= n).then_some(()),
    );
    d.stop();
    let got: std::collections::HashSet<String> =
        receiver.text().lines().map(str::to_string).collect();
    for i in 0..n {
        assert!(got.contains(&format!(" kept {i}")), "message {i} was lost");
    }
}
