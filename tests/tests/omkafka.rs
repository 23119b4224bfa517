//! omkafka against a real Kafka-protocol broker (tansu), read back by an
//! independent consumer (kafka-python): every message arrives, and none is
//! lost when the broker is killed, the network to it is cut for 30 s, or
//! corelogd itself is killed — the broker's acknowledgement is what frees
//! the queue. rsyslog's omkafka runs through the same broker kill, and
//! what it lost is reported beside corelog's.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use corelog_tests::daemon::{bin, check_no_holes, holes, refused_start, send, Corelogd};
use corelog_tests::kafka::{consume, Broker};
use corelog_tests::rsyslogd::{free_port, Rsyslogd};
use corelog_tests::{wait_for, Scratch};

/// The test's directory (removed when it passes).
fn dir(name: &str) -> Scratch {
    Scratch::new("kafka", name)
}

/// imtcp in; `%msg%` produced to `topic` on `broker`, with `action`'s
/// further parameters and a disk-assisted action queue retried forever.
fn config(broker: &str, topic: &str, action: &str) -> String {
    format!(
        r#"
global(workDirectory="@DIR@")
module(load="imtcp")
module(load="omkafka")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="m" type="string" string="%msg%")
*.* action(type="omkafka" broker=["{broker}"] topic="{topic}" template="m"
           action.resumeRetryCount="-1" action.resumeInterval="1"
           queue.type="LinkedList" queue.filename="kq" queue.saveOnShutdown="on"
           queue.size="2000000" {action})
"#
    )
}

/// Sends `count` messages over 4 connections at `rate` per second, in the
/// background (the sender may be cut off by a kill).
fn send_in_background(port: u16, count: u64, rate: u64) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let _ = Command::new(bin("loadgen"))
            .args(["send", "--target", &format!("127.0.0.1:{port}")])
            .args(["--count", &count.to_string(), "--conns", "4"])
            .args(["--rate", &rate.to_string()])
            .output();
    })
}

/// The broker's messages in `topic`, read into `out` until `expect`
/// distinct… or 15 s without a new one; returns the file's text.
fn read_topic(b: &Broker, topic: &str, out: &Path, expect: u64) -> String {
    let c = consume(
        &b.address(),
        topic,
        out,
        expect,
        Duration::from_secs(15),
        false,
    );
    eprintln!("consumed {} from {topic}: {:?}", c.messages, c.partitions);
    std::fs::read_to_string(out).expect("the consumer's file")
}

/// The checked result of `loadgen check`: (missing, duplicates).
fn loadgen_check(file: &Path, count: u64) -> (u64, u64) {
    let out = Command::new(bin("loadgen"))
        .args([
            "check",
            "--json",
            "--conns",
            "4",
            "--count",
            &count.to_string(),
        ])
        .arg(file)
        .output()
        .expect("loadgen check");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("loadgen's JSON");
    (
        v["missing"].as_u64().unwrap_or(u64::MAX),
        v["duplicates"].as_u64().unwrap_or(u64::MAX),
    )
}

#[test]
fn every_message_reaches_the_topic_once() {
    let d0 = dir("every");
    let broker = Broker::start(&d0.join("broker"));
    broker.create_topic("logs", 1);
    let stats = d0.join("stats.json");
    let d = Corelogd::start(
        &d0.join("corelogd"),
        &config(
            &broker.address(),
            "logs",
            &format!(
                r#"confParam=["statistics.interval.ms=500"] statsFile="{}""#,
                stats.display()
            ),
        ),
        &[],
    );
    let n = 100_000;
    send(d.port, n, 4);
    let out = d0.join("read.txt");
    read_topic(&broker, "logs", &out, n);
    assert_eq!(loadgen_check(&out, n), (0, 0), "{}", d.stderr());
    // librdkafka's statistics, a JSON object per line.
    wait_for("statistics", Duration::from_secs(10), || {
        let text = std::fs::read_to_string(&stats).ok()?;
        let first = text.lines().next()?;
        let v: serde_json::Value = serde_json::from_str(first).ok()?;
        (v["type"] == "producer").then_some(())
    });
    let err = d.stop();
    assert!(!err.contains("failed"), "{err}");
}

/// Sends `n` messages at 25 000/s while `broker` is killed for 3 s two
/// seconds in.
fn kill_the_broker_mid_stream(broker: &mut Broker, port: u16, n: u64) {
    let sender = send_in_background(port, n, 25_000);
    std::thread::sleep(Duration::from_secs(2));
    broker.kill9();
    std::thread::sleep(Duration::from_secs(3));
    broker.restart();
    sender.join().unwrap();
}

/// Asserts that `text` holds every one of the `n` messages of 4
/// connections, with no hole; reports the duplicates.
fn assert_all_delivered(what: &str, text: &str, n: u64, d: &Corelogd) {
    let (unique, dups, conns) = check_no_holes(text);
    eprintln!("corelog, {what}: {unique} of {n} delivered, {dups} duplicates");
    assert_eq!((unique, conns), (n, 4), "{}", d.stderr());
}

#[test]
fn the_broker_killed_and_restarted_mid_stream_loses_nothing() {
    let d0 = dir("broker-kill");
    let mut broker = Broker::start(&d0.join("broker"));
    broker.create_topic("logs", 1);
    let d = Corelogd::start(
        &d0.join("corelogd"),
        &config(&broker.address(), "logs", ""),
        &[],
    );
    let n = 150_000;
    kill_the_broker_mid_stream(&mut broker, d.port, n);
    let text = read_topic(&broker, "logs", &d0.join("read.txt"), n);
    assert_all_delivered("broker killed for 3 s", &text, n, &d);
    d.stop();
}

#[test]
fn thirty_seconds_without_the_network_to_the_broker_loses_nothing() {
    let d0 = dir("network");
    let broker = Broker::start(&d0.join("broker"));
    broker.create_topic("logs", 1);
    // Deliveries time out after 5 s: the cut outlasts librdkafka's own
    // retries, so failed reports go back through the action's retries.
    // Idempotence is off here because tansu 0.6.0 cannot take what
    // librdkafka's idempotent producer does after a timeout (it bumps the
    // producer's epoch; tansu's SQLite storage panics on it and stops
    // taking messages): a broker defect, not a client one.
    let d = Corelogd::start(
        &d0.join("corelogd"),
        &config(
            &broker.address(),
            "logs",
            r#"topicConfParam=["message.timeout.ms=5000"] confParam=["enable.idempotence=false"]"#,
        ),
        &[],
    );
    let n = 100_000;
    let sender = send_in_background(d.port, n, 20_000);
    std::thread::sleep(Duration::from_secs(1));
    broker.gate().close();
    std::thread::sleep(Duration::from_secs(30));
    broker.gate().open();
    sender.join().unwrap();
    let text = read_topic(&broker, "logs", &d0.join("read.txt"), n);
    assert_all_delivered("network cut for 30 s", &text, n, &d);
    let err = d.stop();
    assert!(err.contains("failed"), "the cut was not noticed:\n{err}");
}

/// Sends `n` messages, cuts the network to the broker once some are
/// delivered, stops the daemon (`restart`) while it is cut, reopens it,
/// and returns what the topic holds.
fn restart_while_unreachable(broker: &Broker, port: u16, n: u64, restart: impl FnOnce()) -> String {
    let sender = send_in_background(port, n, 10_000);
    std::thread::sleep(Duration::from_secs(1));
    broker.gate().close();
    sender.join().unwrap();
    restart();
    broker.gate().open();
    read_topic(broker, "logs", &broker.dir().join("read.txt"), n)
}

#[test]
fn an_orderly_restart_while_the_broker_is_unreachable_keeps_what_was_not_delivered() {
    let d0 = dir("restart-unreachable");
    let broker = Broker::start(&d0.join("broker"));
    broker.create_topic("logs", 1);
    let mut d = Corelogd::start(
        &d0.join("corelogd"),
        &config(&broker.address(), "logs", ""),
        &[],
    );
    let n = 30_000;
    let text = restart_while_unreachable(&broker, d.port, n, || {
        let err = d.halt();
        assert!(err.contains("saved"), "{err}");
        d.restart();
    });
    assert_all_delivered("restarted while the broker was unreachable", &text, n, &d);
    d.stop();
}

#[test]
fn corelogd_killed_mid_stream_delivers_everything_it_queued() {
    let d0 = dir("corelogd-kill");
    let broker = Broker::start(&d0.join("broker"));
    broker.create_topic("logs", 1);
    // Both queues on disk: what corelogd read is durable before the
    // sender's next bytes are read, so a kill leaves no hole.
    let conf = format!(
        r#"
global(workDirectory="@DIR@")
main_queue(queue.type="Disk" queue.filename="main" queue.size="2000000")
module(load="imtcp")
module(load="omkafka")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="m" type="string" string="%msg%")
*.* action(type="omkafka" broker=["{}"] topic="logs" template="m"
           action.resumeRetryCount="-1" action.resumeInterval="1"
           queue.type="Disk" queue.filename="kq" queue.size="2000000")
"#,
        broker.address()
    );
    let mut d = Corelogd::start(&d0.join("corelogd"), &conf, &[]);
    let n = 150_000;
    let sender = send_in_background(d.port, n, 30_000);
    std::thread::sleep(Duration::from_secs(2));
    d.kill9();
    sender.join().unwrap();
    d.restart();
    let out = d0.join("read.txt");
    // What was read before the kill, however much that was.
    std::thread::sleep(Duration::from_secs(3));
    let text = read_topic(&broker, "logs", &out, 0);
    let (unique, dups, conns) = check_no_holes(&text);
    eprintln!("corelog killed mid-stream: {unique} delivered without a hole, {dups} duplicates");
    let err = d.stop();
    assert_eq!(conns, 4, "{err}");
    assert!(unique > 10_000, "{unique}:\n{err}");
    // At most the batch in flight at the kill, per core, again.
    assert!(dups <= 2 * 2 * 1024, "{dups} duplicates:\n{err}");
}

#[test]
fn tls_to_the_broker_is_tls_and_compression_is_carried_out() {
    let d0 = dir("tls");
    let pki = corelog_tests::pki::Pki::new(&d0.join("pki"));
    let broker = Broker::start_tls(&d0.join("broker"), &pki.server.cert, &pki.server.key);
    broker.create_topic("logs", 1);
    // The broker's certificate names server.test; the test reaches it as
    // 127.0.0.1, so the chain is checked and the name is not.
    let tls = format!(
        r#"confParam=["security.protocol=ssl", "ssl.ca.location={}", "ssl.endpoint.identification.algorithm=none", "compression.codec=gzip"]"#,
        pki.ca.display()
    );
    let d = Corelogd::start(
        &d0.join("corelogd"),
        &config(&broker.address(), "logs", &tls),
        &[],
    );
    let n = 20_000;
    send(d.port, n, 4);
    let out = d0.join("read.txt");
    let c = corelog_tests::kafka::consume_with(
        &broker.address(),
        "logs",
        &out,
        n,
        Duration::from_secs(15),
        false,
        Some(&pki.ca),
    );
    assert_eq!(c.messages, n);
    assert_eq!(loadgen_check(&out, n), (0, 0), "{}", d.stderr());
    let err = d.stop();
    assert!(!err.contains("failed"), "{err}");
    // gzip, as the broker stored the batches (librdkafka would send them
    // uncompressed, silently, if it could not compress).
    let o = Command::new("sqlite3")
        .arg(broker.dir().join("tansu.db"))
        .arg("select count(*), sum((attributes & 7) = 1) from record")
        .output()
        .expect("sqlite3 (Debian's sqlite3; scripts/test installs it)");
    let counts = String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert_eq!(counts, format!("{n}|{n}"), "records|gzip records");
    // zstd is not built (its bundled C does not link in the fuzz builds):
    // an error at load, never an uncompressed stream.
    let conf = d0.join("zstd.conf");
    std::fs::write(
        &conf,
        "module(load=\"omkafka\")\naction(type=\"omkafka\" topic=\"t\" confParam=[\"compression.codec=zstd\"])\n",
    )
    .unwrap();
    let (code, err) = refused_start(&conf);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("zstd.conf:2:"), "{err}");
    // A CA file that is not there is an error at load, not a producer
    // that never connects.
    let conf = d0.join("bad.conf");
    std::fs::write(
        &conf,
        "module(load=\"omkafka\")\naction(type=\"omkafka\" topic=\"t\" confParam=[\"security.protocol=ssl\", \"ssl.ca.location=/nonexistent/ca.pem\"])\n",
    )
    .unwrap();
    let (code, err) = refused_start(&conf);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("bad.conf:2:"), "{err}");
    // TLS settings beside a plaintext protocol, and a broker whose scheme
    // is not the protocol, would connect in the clear or not at all.
    for (i, conf_param) in [
        r#"confParam=["ssl.ca.location=/tmp/ca.pem"]"#,
        r#"broker=["ssl://127.0.0.1:9093"]"#,
        r#"confParam=["security.protocol=sasl_plaintext", "sasl.mechanisms=GSSAPI"]"#,
    ]
    .iter()
    .enumerate()
    {
        let conf = d0.join(format!("plain{i}.conf"));
        std::fs::write(
            &conf,
            format!(
                "module(load=\"omkafka\")\naction(type=\"omkafka\" topic=\"t\" {conf_param})\n"
            ),
        )
        .unwrap();
        let (code, err) = refused_start(&conf);
        assert_eq!(code, Some(1), "{conf_param}: {err}");
        assert!(err.contains(&format!("plain{i}.conf:2:")), "{err}");
    }
}

/// The producers whose statistics `stats` holds (librdkafka's instance
/// names, `rdkafka#producer-N`), in the order they first appear.
fn producers(stats: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(stats).unwrap_or_default();
    let mut names: Vec<String> = Vec::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
        if let Some(n) = v["name"].as_str().filter(|n| !names.iter().any(|m| m == n)) {
            names.push(n.to_string());
        }
    }
    names
}

#[test]
fn reopen_on_hup_and_the_topic_cache_make_new_producers() {
    let d0 = dir("producers");
    let broker = Broker::start(&d0.join("broker"));
    for t in ["logs", "a", "b"] {
        broker.create_topic(t, 1);
    }
    let (hup, cache) = (d0.join("hup.json"), d0.join("cache.json"));
    let stats = r#"confParam=["statistics.interval.ms=100"]"#;
    let conf = format!(
        r#"
module(load="imtcp")
module(load="omkafka")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="m" type="string" string="%msg%")
template(name="topic" type="string" string="%programname%")
if $programname == "hup" then
  action(type="omkafka" broker=["{b}"] topic="logs" template="m" reopenOnHup="on" {stats} statsFile="{hup}")
else
  action(type="omkafka" broker=["{b}"] topic="topic" dynaTopic="on" dynaTopic.cachesize="1" template="m"
         {stats} statsFile="{cache}")
"#,
        b = broker.address(),
        hup = hup.display(),
        cache = cache.display()
    );
    let d = Corelogd::start(&d0.join("corelogd"), &conf, &[]);
    // Each line its own batch: one read each.
    let say = |tag: &str| {
        use std::io::Write;
        let mut s = std::net::TcpStream::connect(("127.0.0.1", d.port)).unwrap();
        s.write_all(format!("<13>Dec  7 10:00:00 h {tag}: m\n").as_bytes())
            .unwrap();
        drop(s);
        std::thread::sleep(Duration::from_millis(700));
    };
    say("hup");
    let first = wait_for(
        "the first producer's statistics",
        Duration::from_secs(20),
        || producers(&hup).first().cloned(),
    );
    // reopenOnHup: a SIGHUP makes a new producer before the next batch
    // (the signal is taken between batches, at the next tick).
    std::thread::sleep(Duration::from_secs(2));
    let st = Command::new("kill")
        .args(["-HUP", &d.pid().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    std::thread::sleep(Duration::from_secs(2));
    say("hup");
    wait_for(
        "a new producer after SIGHUP",
        Duration::from_secs(20),
        || producers(&hup).iter().any(|n| *n != first).then_some(()),
    );
    // dynaTopic.cachesize="1": the batch after the one that made a
    // second topic handle starts a new producer.
    for tag in ["a", "b", "a"] {
        say(tag);
    }
    wait_for(
        "a new producer past the topic cache",
        Duration::from_secs(20),
        || (producers(&cache).len() >= 2).then_some(()),
    );
    let err = d.stop();
    assert!(!err.contains("failed"), "{err}");
}

#[test]
fn topics_keys_and_partitions_come_from_templates_and_settings() {
    let d0 = dir("dyna");
    let broker = Broker::start(&d0.join("broker"));
    for t in ["app-a", "app-b"] {
        broker.create_topic(t, 3);
    }
    broker.create_topic("rr", 3);
    broker.create_topic("fixed", 3);
    let conf = format!(
        r#"
module(load="imtcp")
module(load="omkafka")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="m" type="string" string="%msg%")
template(name="topic" type="string" string="app-%programname%")
template(name="key" type="string" string="%hostname%")
if $programname == "a" or $programname == "b" then {{
  action(type="omkafka" broker=["{b}"] topic="topic" dynaTopic="on" key="key" dynaKey="on"
         partitions.auto="on" template="m")
}} else {{
  action(type="omkafka" broker=["{b}"] topic="rr" partitions.number="3" key="fixed"
         template="m")
  action(type="omkafka" broker=["{b}"] topic="fixed" partitions.useFixed="2" template="m")
}}
"#,
        b = broker.address()
    );
    let d = Corelogd::start(&d0.join("corelogd"), &conf, &[]);
    let mut lines = String::new();
    for i in 0..30 {
        let tag = ["a", "b", "c"][i % 3];
        let host = ["h1", "h2"][i % 2];
        lines.push_str(&format!("<13>Dec  7 10:00:00 {host} {tag}: m{i}\n"));
    }
    use std::io::Write;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", d.port)).unwrap();
    s.write_all(lines.as_bytes()).unwrap();
    drop(s);
    let read = |topic: &str, expect: u64| {
        let out = d0.join(format!("{topic}.txt"));
        let c = consume(
            &broker.address(),
            topic,
            &out,
            expect,
            Duration::from_secs(10),
            true,
        );
        (c, std::fs::read_to_string(out).unwrap())
    };
    for (topic, tag) in [("app-a", "a"), ("app-b", "b")] {
        let (c, text) = read(topic, 10);
        assert_eq!(c.messages, 10, "{topic}: {text}");
        // The key is the host; librdkafka's partitioner puts a key in one
        // partition.
        for host in ["h1", "h2"] {
            let parts: std::collections::BTreeSet<&str> = text
                .lines()
                .filter(|l| l.split('\t').nth(1) == Some(host))
                .map(|l| l.split('\t').next().unwrap())
                .collect();
            assert_eq!(parts.len(), 1, "{topic} {host}: {text}");
        }
        assert!(
            !text.contains(&format!("{tag}: ")),
            "the template is %msg%: {text}"
        );
    }
    // partitions.useFixed: every message in that partition.
    let (c, text) = read("fixed", 10);
    assert_eq!(c.partitions, vec![(2, 10)], "{text}");
    // Round robin over partitions.number, each message with the fixed key.
    let (c, text) = read("rr", 10);
    assert_eq!(c.messages, 10, "{text}");
    assert_eq!(c.partitions.len(), 3, "{:?}", c.partitions);
    assert!(
        text.lines().all(|l| l.split('\t').nth(1) == Some("fixed")),
        "{text}"
    );
    d.stop();
}

/// Sends "before", a 5 000-byte message and "after" to corelogd producing
/// with `conf_param`; asserts the two small ones reach the topic and the
/// big one `errorFile`, and returns its `errmsg` and corelogd's exit
/// report.
fn big_message_given_up(name: &str, conf_param: &str) -> (String, String) {
    let d0 = dir(name);
    let broker = Broker::start(&d0.join("broker"));
    broker.create_topic("logs", 1);
    let errors = d0.join("errors.json");
    let conf = format!(
        r#"
global(maxMessageSize="64k")
module(load="imtcp")
module(load="omkafka")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="m" type="string" string="%msg%")
*.* action(type="omkafka" broker=["{}"] topic="logs" template="m" errorFile="{}"
           confParam=["{conf_param}"] action.resumeRetryCount="-1")
"#,
        broker.address(),
        errors.display()
    );
    let d = Corelogd::start(&d0.join("corelogd"), &conf, &[]);
    let big = "x".repeat(5000);
    let text = format!(
        "<13>Dec  7 10:00:00 h t: before\n<13>Dec  7 10:00:00 h t: {big}\n<13>Dec  7 10:00:00 h t: after\n"
    );
    use std::io::Write;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", d.port)).unwrap();
    s.write_all(text.as_bytes()).unwrap();
    drop(s);
    let out = d0.join("read.txt");
    let c = consume(
        &broker.address(),
        "logs",
        &out,
        2,
        Duration::from_secs(10),
        false,
    );
    let got = std::fs::read_to_string(&out).unwrap();
    assert_eq!(c.messages, 2, "{got}");
    // %msg% keeps the space after the tag, as in rsyslog.
    assert_eq!(got, " before\n after\n");
    let e = wait_for("the error file", Duration::from_secs(10), || {
        std::fs::read_to_string(&errors)
            .ok()
            .filter(|t| !t.is_empty())
    });
    let v: serde_json::Value = serde_json::from_str(e.lines().next().unwrap()).unwrap();
    let (code, msg) = (&v["errcode"], v["errmsg"].as_str().unwrap_or_default());
    assert!(v["data"] == format!(" {big}").as_str(), "{code} {msg}");
    assert!(code.as_i64().is_some(), "{code}");
    (msg.to_string(), d.stop())
}

#[test]
fn a_message_the_broker_can_never_take_goes_to_the_error_file_and_the_rest_flows() {
    let (msg, err) = big_message_given_up("errorfile", "message.max.bytes=2000");
    assert!(msg.contains("too large"), "{msg}");
    assert!(err.contains("1 not written"), "{err}");
}

#[test]
fn a_message_larger_than_librdkafkas_whole_buffer_is_given_up_not_waited_for() {
    // A 2 KiB buffer: the 5 000-byte message is "queue full" while the
    // queue is empty.
    let (msg, err) = big_message_given_up("bigger-than-buffer", "queue.buffering.max.kbytes=2");
    assert!(msg.contains("too large"), "{msg}");
    assert!(err.contains("1 not written"), "{err}");
}

#[test]
fn with_resubmit_on_failure_off_failed_messages_are_dropped_as_rsyslog_drops_them() {
    let d0 = dir("resubmit-off");
    let errors = d0.join("errors.json");
    // Nothing listens at the broker's address.
    let conf = format!(
        r#"
module(load="imtcp")
module(load="omkafka")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="m" type="string" string="%msg%")
*.* action(type="omkafka" broker=["127.0.0.1:{}"] topic="logs" template="m"
           errorFile="{}" resubmitOnFailure="off" topicConfParam=["message.timeout.ms=1000"])
"#,
        free_port(),
        errors.display()
    );
    let d = Corelogd::start(&d0.join("corelogd"), &conf, &[]);
    send(d.port, 20, 4);
    let e = wait_for(
        "20 failures in the error file",
        Duration::from_secs(30),
        || {
            let t = std::fs::read_to_string(&errors).ok()?;
            (t.lines().count() == 20).then_some(t)
        },
    );
    assert!(e.lines().all(|l| l.contains("msgnum:")), "{e}");
    let err = d.stop();
    assert!(!err.contains("suspended for"), "{err}");
    assert!(
        err.contains(
            "20 not written: the broker can never take them, or they failed with resubmitOnFailure"
        ),
        "{err}"
    );
}

#[test]
fn librdkafka_settings_it_refuses_are_errors_at_their_place() {
    let d0 = dir("refused");
    let conf = d0.join("c.conf");
    std::fs::write(
        &conf,
        "module(load=\"omkafka\")\n*.* action(type=\"omkafka\" topic=\"t\"\n    confParam=[\"no.such.setting=1\"])\n",
    )
    .unwrap();
    let (code, err) = refused_start(&conf);
    assert_ne!(code, Some(0), "{err}");
    assert!(
        err.contains(":3:5") && err.contains("no.such.setting"),
        "{err}"
    );
    std::fs::write(
        &conf,
        "module(load=\"omkafka\")\n*.* action(type=\"omkafka\" topic=\"t\" keepFailedMessages=\"on\")\n",
    )
    .unwrap();
    let (code, err) = refused_start(&conf);
    assert_ne!(code, Some(0), "{err}");
    assert!(err.contains("queue.filename"), "{err}");
    std::fs::write(
        &conf,
        "module(load=\"omkafka\")\n*.* action(type=\"omkafka\" topic=\"t\" confParam=[\"linger.ms\"])\n",
    )
    .unwrap();
    let (code, err) = refused_start(&conf);
    assert_ne!(code, Some(0), "{err}");
    assert!(err.contains("not name=value"), "{err}");
}

/// Where the librdkafka that corelog builds put its shared library: rsyslog's
/// omkafka runs with it, because Debian's librdkafka 2.0.2 cannot parse the
/// broker's ApiVersions reply (a protocol-level incompatibility of that
/// old client, not of rsyslog).
fn librdkafka_dir() -> PathBuf {
    let target = bin("corelogd");
    let profile = target.parent().expect("target/profile");
    let build = profile.join("build");
    std::fs::read_dir(&build)
        .expect("target/*/build")
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("out/src"))
        .find(|p| p.join("librdkafka.so.1").exists())
        .unwrap_or_else(|| panic!("no librdkafka.so.1 under {}", build.display()))
}

/// rsyslogd with omkafka: imtcp in, `%msg%` to `topic`, retried forever,
/// with the queues `queues` says.
fn rsyslog_config(broker: &str, main_queue: &str, action_queue: &str) -> String {
    format!(
        r#"
global(workDirectory="@DIR@/spool")
{main_queue}
module(load="imtcp")
module(load="omkafka")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="m" type="string" string="%msg%")
*.* action(type="omkafka" broker=["{broker}"] topic="logs" template="m"
           confParam=["acks=all", "enable.idempotence=true"] resubmitOnFailure="on"
           action.resumeRetryCount="-1" action.resumeInterval="1" {action_queue})
"#
    )
}

fn rsyslog_found() {
    let found = Command::new("sh")
        .args([
            "-c",
            "find /usr/lib -name omkafka.so -path '*rsyslog*' | grep -q .",
        ])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "rsyslog's omkafka is missing: install Debian's rsyslog-kafka (scripts/test does)"
    );
}

/// A disk-assisted action queue, saved at shutdown.
const DA_QUEUE: &str = r#"queue.type="LinkedList" queue.filename="kq" queue.saveOnShutdown="on""#;

/// A broker with topic `logs`, and rsyslogd producing to it, in a
/// directory of `name`.
fn rsyslog_beside_a_broker(
    name: &str,
    main_queue: &str,
    action_queue: &str,
    env: &[(&str, &str)],
) -> (Scratch, Broker, Rsyslogd) {
    let d0 = dir(name);
    let broker = Broker::start(&d0.join("broker"));
    broker.create_topic("logs", 1);
    std::fs::create_dir_all(d0.join("rsyslog/spool")).unwrap();
    let conf = rsyslog_config(&broker.address(), main_queue, action_queue);
    let r = Rsyslogd::start_with_env(&d0.join("rsyslog"), &conf, env);
    (d0, broker, r)
}

/// The faults corelog goes through above, with rsyslog 8.2302's omkafka
/// (Debian's rsyslog-kafka) in its place: what it loses is reported, not
/// asserted — corelog's own tests assert that corelog loses nothing.
#[test]
fn rsyslogs_omkafka_through_the_same_faults() {
    rsyslog_found();
    let lib = librdkafka_dir().display().to_string();
    let env = [("LD_LIBRARY_PATH", lib.as_str())];
    let n = 150_000;

    // The broker killed for 3 s.
    let (d0, mut broker, r) = rsyslog_beside_a_broker("rsyslog-broker", "", DA_QUEUE, &env);
    kill_the_broker_mid_stream(&mut broker, r.port, n);
    let h = holes(&read_topic(&broker, "logs", &d0.join("read.txt"), n));
    eprintln!(
        "rsyslog's omkafka, broker killed for 3 s: {} of {n} delivered, {} lost, {} duplicates",
        h.unique,
        n - h.unique,
        h.duplicates
    );
    drop((r, broker));

    // An orderly restart while the broker is unreachable: what librdkafka
    // holds when rsyslog exits is what rsyslog's queue believes delivered.
    let (_d1, broker, mut r) = rsyslog_beside_a_broker("rsyslog-restart", "", DA_QUEUE, &env);
    let m = 30_000;
    let text = restart_while_unreachable(&broker, r.port, m, || r.term_and_restart());
    let h = holes(&text);
    eprintln!(
        "rsyslog's omkafka, restarted while the broker was unreachable: {} of {m} delivered, {} lost, {} duplicates",
        h.unique,
        m - h.unique,
        h.duplicates
    );
    drop((r, broker));

    // rsyslogd killed mid-stream, both queues on disk (as corelog's test).
    let (d0, broker, mut r) = rsyslog_beside_a_broker(
        "rsyslog-kill",
        r#"main_queue(queue.type="Disk" queue.filename="main")"#,
        r#"queue.type="Disk" queue.filename="kq""#,
        &env,
    );
    let sender = send_in_background(r.port, n, 30_000);
    std::thread::sleep(Duration::from_secs(2));
    r.kill9_and_restart();
    sender.join().unwrap();
    std::thread::sleep(Duration::from_secs(5));
    let h = holes(&read_topic(&broker, "logs", &d0.join("read.txt"), 0));
    drop(r);
    eprintln!(
        "rsyslog's omkafka, rsyslogd killed mid-stream: {} delivered, {} lost in holes (read, then never delivered), {} duplicates",
        h.unique, h.missing, h.duplicates
    );
    assert!(h.unique > 0);
}
