//! The Kafka pipeline (`tcp-kafka`): a tansu broker per run, reached
//! directly (no test gate), with one topic; the run is done when the
//! topic's end offset reaches what was sent, and then every message is
//! read back with kafka-python and checked with `loadgen check`.
//!
//! rsyslog's omkafka runs with the librdkafka that corelog's build made
//! (`LD_LIBRARY_PATH`): Debian's librdkafka 2.0.2 cannot parse tansu's
//! ApiVersions reply. The same library on both sides also makes the
//! comparison one of what the daemons do around it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use corelog_tests::kafka::{consume, Broker};

/// The topic every run produces to.
pub const TOPIC: &str = "logs";

/// A broker for one run, its topic created.
pub fn broker(dir: &Path) -> Broker {
    let b = Broker::start_ungated(&dir.join("broker"));
    b.create_topic(TOPIC, 1);
    b
}

/// The action both daemons run: `%msg%` (no LF), acks=all and idempotence,
/// a LinkedList action queue large enough for the run, batches of 4096.
pub fn action(broker_port: u16) -> String {
    format!(
        "module(load=\"omkafka\")\ntemplate(name=\"k\" type=\"string\" string=\"%msg%\")\n\
         action(type=\"omkafka\" broker=[\"127.0.0.1:{broker_port}\"] topic=\"{TOPIC}\" template=\"k\"\n\
         confParam=[\"acks=all\", \"enable.idempotence=true\"] resubmitOnFailure=\"on\"\n\
         action.resumeRetryCount=\"-1\" queue.type=\"LinkedList\" queue.size=\"20000000\" queue.dequeueBatchSize=\"4096\")\n"
    )
}

/// Where corelog's release build left librdkafka's shared library.
pub fn librdkafka_dir(corelogd: &Path) -> Option<PathBuf> {
    let build = corelogd.parent()?.join("build");
    std::fs::read_dir(build)
        .ok()?
        .flatten()
        .map(|e| e.path().join("out/src"))
        .find(|p| p.join("librdkafka.so.1").exists())
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data")
        .join(name)
}

/// Waits until the topic holds `n` messages (or nothing moved for 30 s);
/// returns what it holds.
pub fn wait_offsets(b: &Broker, n: u64) -> u64 {
    let out = Command::new("python3")
        .arg(script("kafka_offsets.py"))
        .args([
            &b.address(),
            TOPIC,
            "--wait",
            &n.to_string(),
            "--timeout",
            "1800",
        ])
        .output();
    out.ok()
        .and_then(|o| serde_json::from_slice::<serde_json::Value>(&o.stdout).ok())
        .and_then(|v| v["offsets"].as_u64())
        .unwrap_or(0)
}

/// Past this many messages, the topic is read from the broker's store
/// instead: tansu serves a Kafka consumer about 2 300 msgs/s here (10 M
/// would take over an hour), and its SQLite store holds one row per
/// record.
const CONSUMER_MAX: u64 = 2_000_000;

/// Reads the topic back into `out`; returns the messages read. Up to
/// [`CONSUMER_MAX`] with kafka-python (a consumer sharing no code with
/// librdkafka), past it from the broker's own store with `sqlite3`.
pub fn read_back(b: &Broker, out: &Path, n: u64) -> u64 {
    if n <= CONSUMER_MAX {
        return consume(&b.address(), TOPIC, out, n, Duration::from_secs(20), false).messages;
    }
    let sql = "select cast(v as text) from record order by topition, offset_id";
    let file = match std::fs::File::create(out) {
        Ok(f) => f,
        Err(_) => return 0,
    };
    let ok = match Command::new("sqlite3")
        .arg(b.dir().join("tansu.db"))
        .arg(sql)
        .stdout(file)
        .status()
    {
        Ok(s) => s.success(),
        Err(e) => {
            eprint!("(sqlite3: {e}; Debian's sqlite3 reads the broker's store) ");
            false
        }
    };
    match ok {
        true => std::fs::read(out).map_or(0, |t| t.iter().filter(|&&c| c == b'\n').count() as u64),
        false => 0,
    }
}

/// The broker's own ceiling here: librdkafka's `kcat` producing `n`
/// 256-byte messages from a file with the same settings (acks=all,
/// idempotence); messages per second.
pub fn ceiling(dir: &Path, corelogd: &Path, n: u64) -> Result<f64, String> {
    // A broker of its own, empty.
    let _ = std::fs::remove_dir_all(dir);
    let b = broker(&dir.join("ceiling"));
    let lines = dir.join("ceiling/lines.txt");
    let mut line = vec![b'x'; 255];
    line.push(b'\n');
    std::fs::write(&lines, line.repeat(n as usize)).map_err(|e| e.to_string())?;
    let lib = librdkafka_dir(corelogd).ok_or("no librdkafka.so.1 in corelog's build")?;
    let started = Instant::now();
    let st = Command::new("kcat")
        .env("LD_LIBRARY_PATH", lib)
        .args(["-P", "-b", &b.address(), "-t", TOPIC])
        .args(["-X", "acks=all", "-X", "enable.idempotence=true", "-l"])
        .arg(&lines)
        .status()
        .map_err(|e| format!("kcat: {e} (Debian's kcat package)"))?;
    if !st.success() {
        return Err(format!("kcat exited with {st}"));
    }
    let held = wait_offsets(&b, n);
    let secs = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&lines);
    Ok(held as f64 / secs.max(1e-9))
}
