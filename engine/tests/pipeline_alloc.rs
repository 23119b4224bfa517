//! The whole pipeline — socket → frame → parse → filter → render → write —
//! allocates nothing per message: the runtime runs in this process under a
//! counting global allocator, and a steady stream of messages over TCP into
//! a file is counted. Buffers and batches may allocate (per 256 KiB read,
//! per batch); a message may not.

use std::io::Write;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use corelog::runtime::{self, signals::Signals};

mod common;

const MESSAGES: usize = 20_000;

fn wait_len(path: &std::path::Path, len: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) < len {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {len} bytes in {}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn no_allocation_per_message_from_socket_to_file() {
    let dir = std::env::temp_dir().join(format!("corelog-pipeline-alloc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = dir.join("out.log");
    let conf = format!(
        r#"
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="{port}")
template(name="t" type="string" string="%timegenerated:::date-rfc3339% %hostname% %syslogtag%%msg%\n")
if $syslogseverity <= 6 and $msg contains "msgnum" then {{
    action(type="omfile" file="{}" template="t")
}}
"#,
        out.display()
    );
    let plan = corelog::config::load_str("pipeline_alloc.conf", &conf).expect("a valid config");
    let signals = Arc::new(Signals::default());
    let s2 = signals.clone();
    let daemon = std::thread::spawn(move || runtime::run(plan, Some(1), s2));

    // One payload of MESSAGES frames, built once and sent repeatedly.
    let mut payload = Vec::new();
    for i in 0..MESSAGES {
        writeln!(
            payload,
            "<13>Nov 28 10:00:00 host app[42]: msgnum:00:{i:08}: {}",
            "x".repeat(180)
        )
        .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut sock = loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => break s,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("corelogd did not listen: {e}"),
        }
    };
    // Warm up: buffers, caches and the file reach their steady state.
    sock.write_all(&payload).unwrap();
    sock.write_all(&payload).unwrap();
    wait_len(&out, 1);
    let line = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .len() as u64
        + 1;
    wait_len(&out, 2 * MESSAGES as u64 * line);

    let before = common::allocations();
    let rounds = 10;
    for _ in 0..rounds {
        sock.write_all(&payload).unwrap();
    }
    wait_len(&out, (2 + rounds) as u64 * MESSAGES as u64 * line);
    let allocations = common::allocations() - before;

    signals.request_stop();
    drop(sock);
    let report = daemon.join().unwrap().expect("the runtime ran");
    assert_eq!(
        report.cores[0].input.received,
        (2 + rounds) as u64 * MESSAGES as u64
    );
    let messages = rounds * MESSAGES;
    let per_message = allocations as f64 / messages as f64;
    eprintln!("{allocations} allocations for {messages} messages ({per_message:.4} per message)");
    assert!(
        per_message < 0.025,
        "{allocations} allocations for {messages} messages: the path allocates per message"
    );
}
