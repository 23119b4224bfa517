//! imkafka against a real Kafka-protocol broker (tansu), fed by an
//! independent producer (kafka-python): every message of a topic reaches
//! the rules once, and corelogd killed mid-consume loses nothing and reads
//! again at most what it had not committed — offsets are committed only
//! once the messages are durable in a Disk queue.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use corelog_tests::daemon::{assert_refused_at, check_no_holes, Corelogd};
use corelog_tests::kafka::Broker;
use corelog_tests::{wait_for, Scratch};

/// The test's directory (removed when it passes).
fn dir(name: &str) -> Scratch {
    Scratch::new("imkafka", name)
}

/// Writes `n` syslog lines of 4 "connections" (loadgen's `msgnum:CC:N:`
/// numbering, padded to about 200 bytes) and produces them to `topic`.
fn produce(b: &Broker, topic: &str, d: &Path, n: u64) {
    let mut text = String::with_capacity(n as usize * 210);
    let pad = "x".repeat(150);
    for i in 0..n {
        let (conn, seq) = (i % 4, i / 4);
        text.push_str(&format!(
            "<13>Dec  7 10:00:00 h{conn} app: msgnum:{conn:02}:{seq:08}:{pad}\n"
        ));
    }
    let file = d.join("produce.txt");
    std::fs::write(&file, text).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/kafka_produce.py");
    let o = Command::new("python3")
        .arg(script)
        .args([&b.address(), topic])
        .arg(&file)
        .output()
        .expect("python3");
    assert!(
        o.status.success(),
        "kafka_produce.py: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// imkafka in (topic `logs`, group `corelog`), `%msg%` into `out.log`.
fn config(broker: &str, main_queue: &str) -> String {
    format!(
        r#"
global(workDirectory="@DIR@")
{main_queue}
module(load="imkafka")
input(type="imkafka" broker=["{broker}"] topic="logs" consumergroup="corelog" parseHostname="on")
template(name="m" type="string" string="%hostname% %msg%\n")
action(type="omfile" file="@DIR@/out.log" template="m")
"#
    )
}

fn read_out(d: &Corelogd) -> String {
    std::fs::read_to_string(d.dir.join("out.log")).unwrap_or_default()
}

/// Waits until `out.log` holds `n` distinct messages, then 2 s more for
/// any read again (or 90 s in all); returns it.
fn wait_lines(d: &Corelogd, n: u64) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    while std::time::Instant::now() < deadline {
        let text = read_out(d);
        if text.lines().count() as u64 >= n && corelog_tests::daemon::holes(&text).unique >= n {
            std::thread::sleep(Duration::from_secs(2));
            return read_out(d);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    read_out(d)
}

#[test]
fn every_message_of_the_topic_reaches_the_rules_once() {
    let d0 = dir("every");
    let broker = Broker::start(&d0.join("broker"));
    broker.create_topic("logs", 3);
    let n = 40_000;
    produce(&broker, "logs", &d0, n);
    let d = Corelogd::start(&d0.join("corelogd"), &config(&broker.address(), ""), &[]);
    let text = wait_lines(&d, n);
    // parseHostname: the word after the time is the HOSTNAME.
    for line in text.lines().take(100) {
        let (host, msg) = line.split_once(' ').unwrap();
        let conn = msg.split(':').nth(1).unwrap();
        assert_eq!(host, format!("h{}", conn.parse::<u32>().unwrap()), "{line}");
    }
    let (unique, dups, conns) = check_no_holes(&text);
    let err = d.stop();
    assert_eq!((unique, dups, conns), (n, 0, 4), "{err}");
}

#[test]
fn corelogd_killed_mid_consume_loses_nothing_and_rereads_only_what_it_had_not_committed() {
    let d0 = dir("kill");
    let broker = Broker::start(&d0.join("broker"));
    broker.create_topic("logs", 2);
    let n = 200_000;
    produce(&broker, "logs", &d0, n);
    let conf = config(
        &broker.address(),
        r#"main_queue(queue.type="Disk" queue.filename="main" queue.size="2000000")"#,
    );
    let mut d = Corelogd::start(&d0.join("corelogd"), &conf, &[]);
    wait_for("a first part consumed", Duration::from_secs(60), || {
        (read_out(&d).lines().count() > 20_000).then_some(())
    });
    d.kill9();
    let before = read_out(&d).lines().count();
    d.restart();
    let text = wait_lines(&d, n);
    let (unique, dups, conns) = check_no_holes(&text);
    eprintln!(
        "imkafka, corelogd killed after {before} of {n} were written: {unique} delivered, {dups} read or delivered again"
    );
    let err = d.stop();
    assert_eq!((unique, conns), (n, 4), "{err}");
    // Read again: what was polled and not yet committed (a poll of at
    // most 4096 per partition, and a commit in flight); delivered again:
    // what the Disk main queue had not confirmed. A few batches at most.
    assert!(dups <= 4 * 4096 * 2, "{dups} again:\n{err}");
}

#[test]
fn settings_that_cannot_run_are_errors_at_their_place() {
    let d0 = dir("refusals");
    let cases = [
        (r#"topic="t""#, "consumergroup=\"…\" is required"),
        (r#"consumergroup="g""#, "topic=\"…\" is required"),
        (
            r#"topic="t" consumergroup="g" confParam=["enable.auto.commit=true"]"#,
            "enable.auto.commit is corelog's to set",
        ),
        (
            r#"topic="t" consumergroup="g" confParam=["no.such.setting=1"]"#,
            "librdkafka refuses the settings",
        ),
        (
            r#"topic="t" consumergroup="g" confParam=["x"]"#,
            "is not name=value",
        ),
        (
            r#"topic="t" consumergroup="g" ruleset="nowhere""#,
            "nowhere",
        ),
        (r#"topic="^logs.*" consumergroup="g""#, "a topic pattern"),
    ];
    let text = "module(load=\"imkafka\")\n*.* /dev/null\ninput(type=\"imkafka\" {})\n";
    assert_refused_at(&d0, text, 3, &cases);
}
