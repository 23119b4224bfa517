//! RELP in the real daemon: interop with rsyslog's imrelp and omrelp
//! (Debian `rsyslog-relp`) both ways, kill -9 of the receiver mid-stream,
//! acknowledgements that mean "durable", back-pressure that withholds
//! them, librelp's protocol rules, descriptors under reconnect storms and
//! ten thousand concurrent sessions.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use corelog_tests::daemon::{bin, send, send_with, Corelogd};
use corelog_tests::receiver::Receiver;
use corelog_tests::relp::{settled_sockets_of, show, wait_sockets, Client, Recorder};
use corelog_tests::rsyslogd::{free_port, Rsyslogd};
use corelog_tests::wait_for;

fn dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("corelog-relp-{}-{name}", std::process::id()))
}

fn need_rsyslog_relp() {
    let found = ["/usr/lib/x86_64-linux-gnu/rsyslog", "/usr/lib/rsyslog"]
        .iter()
        .any(|d| Path::new(d).join("imrelp.so").exists());
    assert!(
        found,
        "rsyslog's RELP modules are missing: install Debian's `rsyslog-relp` (scripts/test does)"
    );
}

/// (unique, duplicates, missing) of the `msgnum` lines in `path`, from
/// `loadgen check` (which exits non-zero on duplicates: read its JSON).
fn check(path: &Path, conns: u32, count: u64) -> (u64, u64, u64) {
    let out = Command::new(bin("loadgen"))
        .args(["check", &path.display().to_string(), "--json"])
        .args(["--conns", &conns.to_string(), "--count", &count.to_string()])
        .output()
        .expect("running loadgen check");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("loadgen check: {}", String::from_utf8_lossy(&out.stderr)));
    let n = |k: &str| v[k].as_u64().unwrap_or(0);
    (n("unique"), n("duplicates"), n("missing"))
}

fn lines(path: &Path) -> usize {
    std::fs::read(path).map_or(0, |b| memchr::memchr_iter(b'\n', &b).count())
}

/// Waits until `path` holds `count` distinct messages (duplicates allowed).
fn wait_unique(path: &Path, conns: u32, count: u64, timeout: Duration) -> (u64, u64, u64) {
    let deadline = Instant::now() + timeout;
    loop {
        let r = check(path, conns, count);
        if r.0 >= count || Instant::now() > deadline {
            return r;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

const COUNT: u64 = 1_000_000;

/// imtcp in, omrelp to `port` behind a disk-assisted action queue,
/// retried forever; `params` are more omrelp parameters.
fn omrelp_sender(port: u16, params: &str) -> String {
    format!(
        r#"
global(workDirectory="@DIR@")
module(load="imtcp")
module(load="omrelp")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
*.* action(type="omrelp" target="127.0.0.1" port="{port}" {params}
           queue.type="LinkedList" queue.filename="relpq" queue.size="20000"
           action.resumeRetryCount="-1" action.resumeInterval="1")
"#
    )
}

/// imrelp into a Disk main queue, `%msg%` lines into `@DIR@/out.log`.
const RELP_TO_DISK_TO_FILE: &str = r#"
global(workDirectory="@DIR@")
main_queue(queue.type="Disk" queue.filename="mainq" queue.size="5000000")
module(load="imrelp")
input(type="imrelp" address="127.0.0.1" port="@PORT@")
template(name="t" type="string" string="%msg%\n")
*.* action(type="omfile" file="@DIR@/out.log" template="t")
"#;

/// rsyslog (imtcp → omrelp, disk-assisted action queue) → corelogd
/// (imrelp → Disk queue → file), through a proxy that records the
/// sessions; corelogd is killed with SIGKILL mid-stream and restarted.
/// Every message corelogd acknowledged is in its output. rsyslog itself
/// drops some messages around the break without ever sending them (its
/// omrelp counts a message done once handed to librelp: rsyslog issues
/// #2610, #3820); those are counted and reported, not blamed on corelogd.
#[test]
fn rsyslog_omrelp_to_corelogd_imrelp_survives_kill9() {
    need_rsyslog_relp();
    let d = dir("from-rsyslog");
    let mut corelogd = Corelogd::start(&d.join("corelog"), RELP_TO_DISK_TO_FILE, &[]);
    let recorder = Recorder::start(corelogd.port);
    let rsyslog = Rsyslogd::start(
        &d.join("rsyslog"),
        &format!(
            r#"
global(workDirectory="@DIR@")
module(load="imtcp")
module(load="omrelp")
input(type="imtcp" port="@PORT@")
action(type="omrelp" target="127.0.0.1" port="{}" windowSize="1024"
       queue.type="LinkedList" queue.filename="relpq" queue.saveOnShutdown="on"
       action.resumeRetryCount="-1" action.resumeInterval="1")
"#,
            recorder.port
        ),
    );
    let out = corelogd.path("out.log");
    let sender = {
        let port = rsyslog.port;
        std::thread::spawn(move || send_with(port, COUNT, 2, &["--rate", "200000"]))
    };
    wait_for(
        "a third of the messages at corelogd",
        Duration::from_secs(120),
        || (lines(&out) as u64 > COUNT / 3).then_some(()),
    );
    corelogd.kill9();
    std::thread::sleep(Duration::from_secs(1));
    corelogd.restart();
    sender.join().expect("loadgen");
    // Until rsyslog has nothing more to send.
    let mut last = (0, Instant::now());
    wait_for("rsyslog to finish", Duration::from_secs(120), || {
        let n = lines(&out);
        if n != last.0 {
            last = (n, Instant::now());
        }
        (n as u64 >= COUNT || last.1.elapsed() > Duration::from_secs(5)).then_some(())
    });
    rsyslog.stop();
    let (sent, acked) = recorder.messages();
    // What corelogd acknowledged, all of it, once its queue is written.
    let msg = |m: &[u8]| -> Vec<u8> {
        let at = memchr::memmem::find(m, b"msgnum:").expect("a msgnum in every message");
        m[at..].to_vec()
    };
    let acked_keys: HashSet<Vec<u8>> = acked.iter().map(|m| msg(m)).collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        let text = std::fs::read(&out).unwrap_or_default();
        let written: HashSet<&[u8]> = text
            .split(|b| *b == b'\n')
            .filter_map(|l| memchr::memmem::find(l, b"msgnum:").map(|at| &l[at..]))
            .collect();
        if acked_keys.iter().all(|k| written.contains(&k[..])) {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let report = corelogd.stop();
    let text = std::fs::read(&out).unwrap();
    let written: HashSet<&[u8]> = text
        .split(|b| *b == b'\n')
        .filter_map(|l| memchr::memmem::find(l, b"msgnum:").map(|at| &l[at..]))
        .collect();
    let lost: Vec<Vec<u8>> = acked
        .iter()
        .map(|m| msg(m))
        .filter(|m| !written.contains(&m[..]))
        .collect();
    let sent_keys: HashSet<Vec<u8>> = sent.iter().map(|m| msg(m)).collect();
    let unacked_lost = sent_keys
        .iter()
        .filter(|m| !written.contains(&m[..]))
        .count();
    let (unique, dups, missing) = check(&out, 2, COUNT);
    eprintln!(
        "rsyslog → corelogd across kill -9: {} frames acknowledged, {unique} unique written, {dups} duplicates, {missing} missing: {} never sent by rsyslog, {unacked_lost} sent, not acknowledged and not sent again by rsyslog",
        acked.len(),
        COUNT - sent_keys.len() as u64
    );
    assert!(
        lost.is_empty(),
        "{} acknowledged messages lost, e.g. {:?}\n{report}",
        lost.len(),
        String::from_utf8_lossy(&lost[0])
    );
}

/// corelogd (imtcp → omrelp behind a disk-assisted action queue) →
/// rsyslog (imrelp, Direct main queue → file). All messages queue while
/// rsyslog is down; rsyslog is killed with SIGKILL mid-stream and
/// restarted, then corelogd is stopped and restarted mid-stream: every
/// message arrives.
#[test]
fn corelogd_omrelp_to_rsyslog_imrelp_survives_kill9_and_restarts() {
    need_rsyslog_relp();
    let d = dir("to-rsyslog");
    let rport = free_port();
    let mut corelogd = Corelogd::start(&d.join("corelog"), &omrelp_sender(rport, ""), &[]);
    send(corelogd.port, COUNT, 2);
    // rsyslog on the port omrelp targets.
    let rdir = d.join("rsyslog");
    std::fs::create_dir_all(&rdir).unwrap();
    let conf = r#"
module(load="imrelp")
main_queue(queue.type="Direct")
input(type="imrelp" port="@PORT@")
template(name="t" type="string" string="%msg%\n")
action(type="omfile" file="@DIR@/out.log" template="t" flushOnTXEnd="on")
"#;
    let mut rsyslog = Rsyslogd::start_on(&rdir, conf, rport);
    let out = rdir.join("out.log");
    wait_for(
        "a quarter of the messages at rsyslog",
        Duration::from_secs(120),
        || (lines(&out) as u64 > COUNT / 4).then_some(()),
    );
    rsyslog.kill9_and_restart();
    wait_for(
        "half of the messages at rsyslog",
        Duration::from_secs(120),
        || (lines(&out) as u64 > COUNT / 2).then_some(()),
    );
    let report = corelogd.halt();
    corelogd.restart();
    let (unique, dups, missing) = wait_unique(&out, 2, COUNT, Duration::from_secs(300));
    eprintln!(
        "corelogd → rsyslog across kill -9 of rsyslog and a corelogd restart: {unique} unique, {dups} duplicates, {missing} missing"
    );
    assert_eq!(
        (unique, missing),
        (COUNT, 0),
        "messages lost; corelogd's exit report:\n{report}"
    );
    rsyslog.stop();
    corelogd.stop();
}

/// corelogd omrelp (disk-assisted action queue) → corelogd imrelp (Disk
/// queue): the receiver is killed with SIGKILL mid-stream and restarted,
/// and the sender is stopped and restarted mid-stream: nothing is lost.
#[test]
fn corelogd_to_corelogd_loses_nothing_across_kill9_and_restart() {
    let d = dir("c2c");
    let mut receiver = Corelogd::start(&d.join("receiver"), RELP_TO_DISK_TO_FILE, &[]);
    let mut sender = Corelogd::start(
        &d.join("sender"),
        &omrelp_sender(receiver.port, r#"windowSize="1024""#),
        &[],
    );
    send(sender.port, COUNT, 2);
    let out = receiver.path("out.log");
    wait_for("a third at the receiver", Duration::from_secs(120), || {
        (lines(&out) as u64 > COUNT / 3).then_some(())
    });
    receiver.kill9();
    std::thread::sleep(Duration::from_millis(500));
    receiver.restart();
    wait_for(
        "two thirds at the receiver",
        Duration::from_secs(120),
        || (lines(&out) as u64 > 2 * COUNT / 3).then_some(()),
    );
    sender.halt();
    sender.restart();
    let (unique, dups, missing) = wait_unique(&out, 2, COUNT, Duration::from_secs(180));
    eprintln!(
        "corelogd → corelogd across kill -9 of the receiver and a restart of the sender: {unique} unique, {dups} duplicates, {missing} missing"
    );
    assert_eq!((unique, missing), (COUNT, 0), "messages lost");
    sender.stop();
    receiver.stop();
}

/// A message is acknowledged only once durable: every message acknowledged
/// before a SIGKILL of corelogd (Disk queue) is in the output after the
/// restart.
#[test]
fn acknowledged_messages_survive_kill9() {
    let d = dir("acked");
    let mut corelogd = Corelogd::start(&d, RELP_TO_DISK_TO_FILE, &[]);
    let port = corelogd.port;
    let senders: Vec<_> = (0..2u32)
        .map(|conn| {
            std::thread::spawn(move || {
                let mut c = Client::open(port);
                let mut acked = Vec::new();
                let mut sent: HashMap<u32, u64> = HashMap::new();
                let mut seq = 0u64;
                'run: loop {
                    let batch: Vec<Vec<u8>> = (0..200)
                        .map(|i| {
                            format!("<13>app: msgnum:{conn:02}:{:08}: x", seq + i).into_bytes()
                        })
                        .collect();
                    let refs: Vec<&[u8]> = batch.iter().map(|b| &b[..]).collect();
                    let Ok(txnrs) = c.send(&refs) else { break };
                    for (i, t) in txnrs.clone().enumerate() {
                        sent.insert(t, seq + i as u64);
                    }
                    seq += 200;
                    for _ in txnrs {
                        match c.frame() {
                            Some(f) if &f.command[..] == b"rsp" && f.data.starts_with(b"200") => {
                                acked.push(sent[&f.txnr])
                            }
                            _ => break 'run,
                        }
                    }
                }
                (conn, acked)
            })
        })
        .collect();
    let out = corelogd.path("out.log");
    wait_for("200 000 lines", Duration::from_secs(60), || {
        (lines(&out) > 200_000).then_some(())
    });
    corelogd.kill9();
    let acked: Vec<(u32, Vec<u64>)> = senders.into_iter().map(|s| s.join().unwrap()).collect();
    corelogd.restart();
    let total: usize = acked.iter().map(|(_, a)| a.len()).sum();
    let keys: Vec<String> = acked
        .iter()
        .flat_map(|(conn, seqs)| seqs.iter().map(move |s| format!("msgnum:{conn:02}:{s:08}")))
        .collect();
    // The restart delivers what the Disk queue held: wait for every
    // acknowledged message, up to a deadline.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let text = std::fs::read_to_string(&out).unwrap_or_default();
        let present: HashSet<&str> = text
            .lines()
            .filter_map(|l| l.trim_start().split(": x").next())
            .collect();
        let lost: Vec<&String> = keys
            .iter()
            .filter(|k| !present.contains(k.as_str()))
            .collect();
        if lost.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} acknowledged messages lost, e.g. {}",
            lost.len(),
            lost[0]
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    eprintln!(
        "{total} messages acknowledged before kill -9, all present after the restart ({} lines)",
        lines(&out)
    );
    corelogd.stop();
}

/// A full queue withholds acknowledgements (and loses nothing): the output
/// is down, the queue holds 2 000 (and the hand-over to the action's core
/// 64 batches of 100); acknowledgements stop, then all come once the
/// output is back.
#[test]
fn a_full_queue_withholds_acknowledgements() {
    let d = dir("full");
    // Nothing listens on the target yet: the output is down.
    let target = free_port();
    let corelogd = Corelogd::start(
        &d,
        &format!(
            r#"
main_queue(queue.type="LinkedList" queue.size="2000" queue.dequeueBatchSize="100")
module(load="imrelp")
input(type="imrelp" address="127.0.0.1" port="@PORT@")
template(name="t" type="string" string="%msg%\n")
*.* action(type="omfwd" target="127.0.0.1" port="{target}" protocol="tcp" template="t"
           action.resumeRetryCount="-1" action.resumeInterval="1")
"#
        ),
        &[],
    );
    let mut c = Client::open(corelogd.port);
    const N: u32 = 40_000;
    let msgs: Vec<Vec<u8>> = (0..N)
        .map(|i| format!("<13>app: msgnum:00:{i:08}: x").into_bytes())
        .collect();
    let mut w = c.s.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        let mut out = Vec::new();
        for (i, m) in msgs.iter().enumerate() {
            corelog::relp::frame::encode(&mut out, i as u32 + 2, "syslog", m);
        }
        std::io::Write::write_all(&mut w, &out).unwrap();
    });
    c.s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    let mut acked = 0u32;
    while let Some(f) = c.frame() {
        assert!(f.data.starts_with(b"200"), "{}", show(&f));
        acked += 1;
    }
    eprintln!("{acked} of {N} acknowledged while the output was down");
    assert!(
        acked < N / 2,
        "{acked} of {N} acknowledged with the output down and a queue of 2000"
    );
    let receiver = Receiver::start(target);
    c.s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    while acked < N {
        let f = c
            .frame()
            .expect("the rest acknowledged once the output is back");
        assert!(f.data.starts_with(b"200"), "{}", show(&f));
        acked += 1;
    }
    writer.join().unwrap();
    wait_for("every message forwarded", Duration::from_secs(60), || {
        (receiver.count() == N as usize).then_some(())
    });
    corelogd.stop();
}

/// librelp's rules, as the daemon applies them.
#[test]
fn protocol_rules() {
    let d = dir("rules");
    let corelogd = Corelogd::start(
        &d,
        r#"
global(maxMessageSize="1k")
module(load="imrelp")
input(type="imrelp" address="127.0.0.1" port="@PORT@" maxDataSize="1k")
input(type="imrelp" address="127.0.0.1" port="@PORT2@" maxDataSize="1k" oversizeMode="abort")
template(name="t" type="string" string="%msg%\n")
*.* action(type="omfile" file="@DIR@/out.log" template="t")
"#,
        &[],
    );
    let port = corelogd.port;
    // The whole exchange of A.9, with a pipelined close.
    let mut c = Client::open(port);
    c.raw(b"2 syslog 14 <13>app: hello\n3 close 0\n").unwrap();
    assert_eq!(
        c.rest(),
        ["2 rsp 200 OK", "3 rsp 200 OK", "0 serverclose "],
        "close: rsp, then serverclose, then EOF"
    );
    // syslog before open: 500, and the session stays.
    let mut c = Client::connect(port).unwrap();
    c.raw(b"1 syslog 3 abc\n").unwrap();
    assert_eq!(show(&c.frame().unwrap()), "1 rsp 500 command disabled");
    c.raw(b"2 close 0\n").unwrap();
    assert_eq!(c.rest(), ["2 rsp 200 OK", "0 serverclose "]);
    // A txnr gap: serverclose only.
    let mut c = Client::open(port);
    c.raw(b"3 syslog 3 abc\n").unwrap();
    assert_eq!(c.rest(), ["0 serverclose "]);
    // Not RELP at all.
    let mut c = Client::connect(port).unwrap();
    c.raw(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    assert_eq!(c.rest(), ["0 serverclose "]);
    // Oversize, truncate (the default): kept to maxDataSize and acked.
    let big = format!("<13>app: big {}", "y".repeat(3000));
    let mut c = Client::open(port);
    c.send(&[big.as_bytes()]).unwrap();
    assert_eq!(show(&c.frame().unwrap()), "2 rsp 200 OK");
    // Oversize, abort: serverclose.
    let mut c = Client::open(corelogd.port2);
    c.send(&[big.as_bytes()]).unwrap();
    assert_eq!(c.rest(), ["0 serverclose "]);
    // Offers without commands=syslog are refused.
    let mut c = Client::connect(port).unwrap();
    c.raw(b"1 open 14 relp_version=0\n").unwrap();
    assert_eq!(
        c.rest(),
        [
            "1 rsp 500 required command not supported by client",
            "0 serverclose "
        ]
    );
    let out = corelogd.path("out.log");
    wait_for("2 lines", Duration::from_secs(10), || {
        (lines(&out) == 2).then_some(())
    });
    let text = std::fs::read_to_string(&out).unwrap();
    let kept: Vec<usize> = text.lines().map(str::len).collect();
    assert_eq!(text.lines().next(), Some(" hello"));
    assert!(kept[1] < 1100 && kept[1] > 900, "truncated to 1k: {kept:?}");
    // Shutdown: every live session gets serverclose.
    let mut live = Client::open(port);
    let report = corelogd.stop();
    assert_eq!(live.rest(), ["0 serverclose "], "{report}");
}

/// Senders that connect, send and go away over and over — cleanly, in the
/// middle of a frame, or with a reset — leave no descriptor behind: one
/// socket per live session, checked through /proc.
#[test]
fn reconnecting_senders_leak_no_descriptor() {
    let d = dir("fds");
    let corelogd = Corelogd::start(
        &d,
        r#"
module(load="imrelp")
input(type="imrelp" address="127.0.0.1" port="@PORT@")
*.* action(type="omfile" file="@DIR@/out.log")
"#,
        &[],
    );
    let (pid, port) = (corelogd.pid(), corelogd.port);
    let base = settled_sockets_of(pid, port);
    let threads: Vec<_> = (0..16)
        .map(|t| {
            std::thread::spawn(move || {
                for round in 0..60 {
                    let mut c = Client::open(port);
                    c.send(&[b"<13>app: a", b"<13>app: b"]).unwrap();
                    match (t + round) % 4 {
                        0 => {
                            c.raw(b"4 close 0\n").unwrap();
                            c.rest();
                        }
                        1 => c.raw(b"4 syslog 100 partial").unwrap(),
                        2 => {
                            let s = socket2::SockRef::from(&c.s);
                            s.set_linger(Some(Duration::ZERO)).unwrap();
                        }
                        _ => {
                            c.frame();
                        }
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let settle = Duration::from_secs(10);
    wait_sockets(pid, port, base, settle, "after the reconnecting senders");
    let held: Vec<Client> = (0..100).map(|_| Client::open(port)).collect();
    wait_sockets(pid, port, base + 100, settle, "with 100 live sessions");
    drop(held);
    wait_sockets(pid, port, base, settle, "once the 100 sessions closed");
    corelogd.stop();
}

/// Ten thousand sessions at once, each with a message acknowledged.
#[test]
fn ten_thousand_concurrent_sessions() {
    const SESSIONS: usize = 10_000;
    let hard = corelog_tests::raise_nofile();
    assert!(
        hard as usize > SESSIONS + 1000,
        "RLIMIT_NOFILE's hard limit ({hard}) is too low for {SESSIONS} sessions: raise it (ulimit -Hn)"
    );
    let d = dir("10k");
    let corelogd = Corelogd::start(
        &d,
        r#"
module(load="imrelp")
input(type="imrelp" address="127.0.0.1" port="@PORT@")
template(name="t" type="string" string="%msg%\n")
*.* action(type="omfile" file="@DIR@/out.log" template="t")
"#,
        &[],
    );
    let base = settled_sockets_of(corelogd.pid(), corelogd.port);
    // From addresses of their own: ten thousand ports of 127.0.0.1 held
    // would take ports the tests beside this one listen on.
    let mut clients: Vec<Client> = (0..SESSIONS)
        .map(|i| Client::open_from(&format!("127.0.0.{}", 40 + i % 2), corelogd.port))
        .collect();
    wait_sockets(
        corelogd.pid(),
        corelogd.port,
        base + SESSIONS,
        Duration::from_secs(30),
        "with 10 000 live sessions",
    );
    for (i, c) in clients.iter_mut().enumerate() {
        c.send(&[format!("<13>app: msgnum:00:{i:08}: x").as_bytes()])
            .unwrap();
    }
    for c in &mut clients {
        assert_eq!(show(&c.frame().unwrap()), "2 rsp 200 OK");
    }
    drop(clients);
    let out = corelogd.path("out.log");
    let report = corelogd.stop();
    let (unique, dups, missing) = check(&out, 1, SESSIONS as u64);
    assert_eq!((unique, dups, missing), (SESSIONS as u64, 0, 0), "{report}");
}
