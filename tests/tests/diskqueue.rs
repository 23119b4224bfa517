//! Disk and disk-assisted queues in the real daemon: what survives kill -9,
//! an orderly restart, a forward target that comes and goes, a full disk
//! budget and a damaged segment.
//!
//! The forward target is down (nothing listens, `resumeRetryCount=-1`)
//! while messages arrive, so they pile up in the queue under test.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use corelog_tests::daemon::{
    bin, check_no_holes, check_prefix_order, received, refused_start, send, wait_lines, Corelogd,
};
use corelog_tests::receiver::Receiver;
use corelog_tests::rsyslogd::free_port;
use corelog_tests::{tcp_sockets, wait_for};

fn dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("corelog-diskq-{}-{name}", std::process::id()))
}

/// imtcp in, `%msg%` lines forwarded over TCP to `target`, retried
/// forever; `queue` is the main queue's statement (or "").
fn forward_config(target: u16, queue: &str, action_params: &str) -> String {
    format!(
        r#"
global(workDirectory="@DIR@/spool")
{queue}
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="t" type="string" string="%msg%\n")
*.* action(type="omfwd" target="127.0.0.1" port="{target}" protocol="tcp" template="t"
           action.resumeRetryCount="-1" action.resumeInterval="1" {action_params})
"#
    )
}

/// Bytes in the spool's segment files.
fn spool_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir.join("spool"))
        .map(|d| {
            d.filter_map(|e| e.ok()?.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Bytes waiting in the receive queues of sockets on local `port`.
fn unread_on(port: u16) -> u64 {
    tcp_sockets()
        .iter()
        .filter(|r| r.local_port == port)
        .map(|r| r.rx_queue)
        .sum()
}

/// Waits (up to `timeout`) until `measure` has not changed for `quiet`
/// while `done` holds for it.
fn settle(
    what: &str,
    timeout: Duration,
    quiet: Duration,
    mut measure: impl FnMut() -> u64,
    done: impl Fn(u64) -> bool,
) {
    let mut last = (u64::MAX, Instant::now());
    wait_for(what, timeout, || {
        let now = measure();
        if now != last.0 {
            last = (now, Instant::now());
        }
        (done(now) && last.1.elapsed() > quiet).then_some(())
    });
}

/// Waits until corelogd has read everything sent to its port and its
/// spool has stopped growing.
fn wait_all_read(d: &Corelogd) {
    settle(
        "corelogd to read and spool everything sent",
        Duration::from_secs(120),
        Duration::from_millis(700),
        || spool_bytes(&d.dir),
        |_| unread_on(d.port) == 0,
    );
}

/// Waits until `r` has received at least `n` lines and then nothing more
/// for a second.
fn wait_received(r: &Receiver, n: usize) {
    settle(
        &format!("{n} messages at the forward target"),
        Duration::from_secs(180),
        Duration::from_secs(1),
        || r.count() as u64,
        |c| c >= n as u64,
    );
}

#[test]
fn a_disk_queue_delivers_every_message_it_read_after_kill_9() {
    let target = free_port();
    let mut d = Corelogd::start(
        &dir("kill9-disk"),
        &forward_config(
            target,
            r#"main_queue(queue.type="Disk" queue.filename="main" queue.size="5000000")"#,
            "",
        ),
        &[],
    );
    send(d.port, 1_000_000, 4);
    wait_all_read(&d);
    d.kill9();
    let r = Receiver::start(target);
    d.restart();
    wait_received(&r, 1_000_000);
    let err = d.stop();
    let (unique, dups, conns) = check_no_holes(&r.text());
    eprintln!("after kill -9: {unique} delivered, {dups} duplicates");
    assert_eq!((unique, conns), (1_000_000, 4), "{err}");
    assert!(err.contains("queued again"), "{err}");
}

#[test]
fn kill_9_during_a_spill_leaves_no_hole() {
    let target = free_port();
    let mut d = Corelogd::start(
        &dir("kill9-spill"),
        &forward_config(
            target,
            r#"main_queue(queue.type="LinkedList" queue.filename="main" queue.size="100000" queue.highWatermark="20000" queue.lowWatermark="5000")"#,
            "",
        ),
        &[],
    );
    let port = d.port;
    // The sender is cut off by the kill: its failure is expected.
    let sender = std::thread::spawn(move || {
        let _ = Command::new(bin("loadgen"))
            .args(["send", "--target", &format!("127.0.0.1:{port}")])
            .args(["--count", "2000000", "--conns", "4"])
            .output();
    });
    // Kill when about half of the 2 M messages (≈ 430 bytes each on
    // disk) are spilled.
    wait_for("a spill under way", Duration::from_secs(120), || {
        (spool_bytes(&d.dir) > 400 << 20).then_some(())
    });
    d.kill9();
    sender.join().unwrap();
    let r = Receiver::start(target);
    d.restart();
    wait_received(&r, 500_000);
    let err = d.stop();
    let (unique, dups, conns) = check_no_holes(&r.text());
    eprintln!("kill -9 mid-spill: {unique} delivered without a hole, {dups} duplicates");
    assert!(
        unique >= 900_000 && conns == 4,
        "{unique} over {conns}:\n{err}"
    );
}

#[test]
fn kill_9_while_delivering_replays_only_unconfirmed_batches() {
    let mut d = Corelogd::start(
        &dir("kill9-delivering"),
        r#"
global(workDirectory="@DIR@/spool")
main_queue(queue.type="Disk" queue.filename="main" queue.size="5000000")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="t" type="string" string="%msg%\n")
*.* action(type="omfile" file="@DIR@/out.log" template="t")
"#,
        &[],
    );
    let port = d.port;
    let sender = std::thread::spawn(move || {
        let _ = Command::new(bin("loadgen"))
            .args(["send", "--target", &format!("127.0.0.1:{port}")])
            .args(["--count", "1000000", "--conns", "4", "--rate", "400000"])
            .output();
    });
    let out = d.path("out.log");
    let lines = |p: &Path| std::fs::read_to_string(p).map_or(0, |t| t.lines().count());
    wait_for("deliveries under way", Duration::from_secs(60), || {
        (lines(&out) > 200_000).then_some(())
    });
    d.kill9();
    sender.join().unwrap();
    d.restart();
    settle(
        "the file to stop growing",
        Duration::from_secs(60),
        Duration::from_secs(2),
        || lines(&out) as u64,
        |_| true,
    );
    let err = d.stop();
    let (unique, dups, conns) = check_no_holes(&std::fs::read_to_string(&out).unwrap());
    eprintln!(
        "kill -9 while delivering: {unique} delivered without a hole, {dups} delivered twice"
    );
    assert_eq!(conns, 4, "{err}");
    // At most the unconfirmed chunks of each core (16 of 1024) again.
    assert!(dups <= 2 * 17 * 1024, "{dups} duplicates:\n{err}");
}

#[test]
fn an_orderly_restart_saves_a_million_queued_messages() {
    let target = free_port();
    let mut d = Corelogd::start(
        &dir("orderly"),
        &forward_config(
            target,
            r#"main_queue(queue.filename="main" queue.size="1500000")"#,
            "",
        ),
        &[],
    );
    send(d.port, 1_000_000, 4);
    wait_for(
        "corelogd to read everything",
        Duration::from_secs(60),
        || (unread_on(d.port) == 0).then_some(()),
    );
    // Below the high watermark everything is in memory: SIGTERM must
    // write it to disk (saveOnShutdown).
    let err = d.halt();
    assert!(err.contains("saved to disk queues"), "{err}");
    let r = Receiver::start(target);
    d.restart();
    wait_received(&r, 1_000_000);
    let err = d.stop();
    assert_eq!(check_prefix_order(&r.text()), (1_000_000, 4), "{err}");
}

#[test]
fn forwarding_through_a_disk_assisted_action_queue_survives_outages_and_a_restart() {
    let target = free_port();
    let mut d = Corelogd::start(
        &dir("outages"),
        &forward_config(
            target,
            "",
            r#"queue.type="LinkedList" queue.filename="fwd" queue.size="20000" queue.highWatermark="5000" queue.lowWatermark="1000""#,
        ),
        &[],
    );
    let mut r = Receiver::start(target);
    send(d.port, 50_000, 2);
    wait_received(&r, 50_000);
    // Down: everything sent now waits in the action queue, spilled.
    r.close();
    send(d.port, 50_000, 2);
    std::thread::sleep(Duration::from_secs(2));
    let mut r2 = Receiver::start(target);
    std::thread::sleep(Duration::from_millis(500));
    // Down again, and corelogd restarted while it is.
    r2.close();
    send(d.port, 50_000, 2);
    d.halt();
    d.restart();
    send(d.port, 50_000, 2);
    std::thread::sleep(Duration::from_secs(1));
    let r3 = Receiver::start(target);
    let before = r.count() + r2.count();
    wait_received(&r3, 200_000 - before);
    let err = d.stop();
    let text = format!("{}\n{}\n{}", r.text(), r2.text(), r3.text());
    let dups = check_runs(&text, 4, 2, 25_000);
    eprintln!("outages and a restart: 200000 delivered, {dups} duplicates");
    assert!(
        err.contains("saved") || err.contains("queued again"),
        "{err}"
    );
}

/// For `runs` loadgen runs of `per_conn` messages on each of `conns`
/// connections (every run numbers its connections from 0): each message
/// must have arrived at least `runs` times. Returns the duplicates.
fn check_runs(text: &str, runs: u32, conns: u32, per_conn: usize) -> u64 {
    let mut seen: HashMap<(u32, usize), u32> = HashMap::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let at = line.find("msgnum:").expect("a msgnum");
        let mut f = line[at + 7..].split(':');
        let conn: u32 = f.next().unwrap().parse().unwrap();
        let seq: usize = f.next().unwrap().parse().unwrap();
        *seen.entry((conn, seq)).or_default() += 1;
    }
    let mut dups = 0;
    for c in 0..conns {
        for q in 0..per_conn {
            let n = seen.get(&(c, q)).copied().unwrap_or(0);
            assert!(
                n >= runs,
                "connection {c} message {q}: {n} of {runs} runs arrived"
            );
            dups += u64::from(n - runs);
        }
    }
    dups
}

#[test]
fn a_legacy_disk_assisted_action_queue_with_rsyslog_defaults_keeps_everything() {
    // rsyslog's classic "reliable forwarding" recipe, with the default
    // action queue size (1000) and high watermark (900): batches larger
    // than the room left in memory go to disk, not to a drop.
    let target = free_port();
    let mut d = Corelogd::start(
        &dir("legacy"),
        &format!(
            r#"
$ModLoad imtcp
$InputTCPServerRun @PORT@
$WorkDirectory @DIR@/spool
$template t,"%msg%\n"
$ActionQueueType LinkedList
$ActionQueueFileName fwd
$ActionQueueMaxDiskSpace 1g
$ActionQueueSaveOnShutdown on
$ActionResumeRetryCount -1
$ActionResumeInterval 1
*.* @@127.0.0.1:{target};t
"#
        ),
        &[],
    );
    send(d.port, 100_000, 2);
    wait_all_read(&d);
    let err = d.halt();
    assert!(
        err.contains("dropped: 0 queue full") && err.contains("0 given up at shutdown"),
        "{err}"
    );
    let r = Receiver::start(target);
    d.restart();
    wait_received(&r, 100_000);
    let err = d.stop();
    assert_eq!(check_prefix_order(&r.text()), (100_000, 2), "{err}");
}

#[test]
fn max_disk_space_stops_the_sender_and_loses_nothing() {
    let target = free_port();
    let d = Corelogd::start(
        &dir("maxdisk"),
        &forward_config(
            target,
            r#"main_queue(queue.type="Disk" queue.filename="main" queue.size="1000000" queue.maxFileSize="1m" queue.maxDiskSpace="4m")"#,
            "",
        ),
        &[],
    );
    let port = d.port;
    let sender = std::thread::spawn(move || send(port, 100_000, 1));
    wait_for("the maxDiskSpace message", Duration::from_secs(60), || {
        d.stderr().contains("maxDiskSpace").then_some(())
    });
    assert!(
        spool_bytes(&d.dir) < 8 << 20,
        "the spool outgrew maxDiskSpace"
    );
    let r = Receiver::start(target);
    sender.join().unwrap();
    wait_received(&r, 100_000);
    let err = d.stop();
    assert_eq!(check_prefix_order(&r.text()), (100_000, 1), "{err}");
}

/// A second corelogd whose config names the same queue files (on other
/// ports) is refused before it reads or writes them; once the first has
/// stopped, a start takes the queue over.
#[test]
fn a_second_corelogd_on_the_same_queue_files_is_refused() {
    let mut d = Corelogd::start(
        &dir("lock"),
        r#"
global(workDirectory="@DIR@/spool")
main_queue(queue.type="Disk" queue.filename="main")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="t" type="string" string="%msg%\n")
*.* action(type="omfile" file="@DIR@/out.log" template="t")
"#,
        &[],
    );
    let conf = std::fs::read_to_string(d.path("corelog.conf")).unwrap();
    let other = d.path("other.conf");
    std::fs::write(
        &other,
        conf.replace(
            &format!("port=\"{}\"", d.port),
            &format!("port=\"{}\"", free_port()),
        ),
    )
    .unwrap();
    let (code, err) = refused_start(&other);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("holds its queue files"), "{err}");
    send(d.port, 10_000, 1);
    let out = d.path("out.log");
    wait_lines(&out, 10_000);
    d.halt();
    d.restart();
    send(d.port, 10_000, 1);
    wait_lines(&out, 20_000);
    let report = d.stop();
    assert_eq!(received(&report), 10_000, "{report}");
}

#[test]
fn a_damaged_record_is_reported_and_costs_only_itself() {
    let target = free_port();
    let mut d = Corelogd::start(
        &dir("damage"),
        &forward_config(
            target,
            r#"main_queue(queue.type="Disk" queue.filename="main" queue.size="100000")"#,
            "",
        ),
        &[],
    );
    send(d.port, 10_000, 1);
    wait_all_read(&d);
    d.halt();
    // Flip one byte inside message 5000, wherever it was spooled.
    let mut flipped = 0;
    for e in std::fs::read_dir(d.dir.join("spool")).unwrap() {
        let p = e.unwrap().path();
        let mut data = std::fs::read(&p).unwrap();
        if let Some(at) = memchr::memmem::find(&data, b"msgnum:00:00005000:") {
            data[at + 25] ^= 0x01;
            std::fs::write(&p, &data).unwrap();
            flipped += 1;
        }
    }
    assert_eq!(flipped, 1);
    let r = Receiver::start(target);
    d.restart();
    wait_received(&r, 9_999);
    let err = d.halt();
    assert!(err.contains("damaged region"), "{err}");
    let text = r.text();
    assert_eq!(text.lines().count(), 9_999, "{err}");
    assert!(!text.contains("msgnum:00:00005000:"));
    let bad = std::fs::read_dir(d.dir.join("spool"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .to_string_lossy()
                .ends_with(".bad")
        })
        .count();
    assert_eq!(bad, 1, "the damaged segment is kept aside");
}
