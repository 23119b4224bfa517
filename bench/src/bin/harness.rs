//! The benchmark harness: runs each scenario of `bench/scenarios/` against
//! rsyslogd, syslog-ng and corelogd in the same run, and records msgs/s
//! counted at the output, latency, CPU seconds per million messages, peak
//! RSS and sent-versus-received counts in `results/<scenario>.json`, then
//! regenerates `results/README.md` and the SVG plots.
//!
//! Driven by `scripts/bench [SCENARIO…]`, which builds the binaries and
//! installs the receivers. Both cores of the machine are shared by the
//! receiver and the load generator; every result says so, and ratios to
//! rsyslog measured in the same run are the figures to compare.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::net::{TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "harness/jetstream.rs"]
mod jetstream;
#[path = "harness/kafka.rs"]
mod kafka;

use serde::Deserialize;
use serde_json::{json, Value};

/// A scenario file.
#[derive(Debug, Clone, Deserialize)]
struct Scenario {
    name: String,
    description: String,
    pipeline: String,
    proto: String,
    format: String,
    size: String,
    conns: usize,
    rate: u64,
    count: u64,
    goal: String,
    #[serde(default)]
    sweep: Vec<f64>,
    #[serde(default)]
    sweep_seconds: Option<f64>,
    /// Absolute offered rates (msgs/s) to measure latency at, beside the
    /// fractions of `sweep`.
    #[serde(default)]
    sweep_rates: Vec<u64>,
    /// Extra arguments for corelogd (e.g. `["--cores", "1"]`).
    #[serde(default)]
    corelogd_args: Vec<String>,
    /// RELP: loadgen's window (unacknowledged messages per connection).
    #[serde(default)]
    window: Option<usize>,
    /// The output's template: `msg` (`%msg%`, the default), rsyslog's
    /// `RSYSLOG_FileFormat` or `RSYSLOG_TraditionalFileFormat`, or `rfc3339`
    /// (`%timereported:::date-rfc3339% %hostname% %syslogtag%%msg%`, what
    /// a central server's per-host files often use).
    #[serde(default)]
    template: OutTemplate,
}

/// What the output writes for each message; see [`Scenario::template`].
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
enum OutTemplate {
    #[default]
    #[serde(rename = "msg")]
    Msg,
    #[serde(rename = "RSYSLOG_FileFormat")]
    FileFormat,
    #[serde(rename = "RSYSLOG_TraditionalFileFormat")]
    TraditionalFileFormat,
    #[serde(rename = "rfc3339")]
    Rfc3339,
}

impl OutTemplate {
    /// The `template=` of rsyslogd's and corelogd's action.
    fn rsyslog_name(self) -> &'static str {
        match self {
            OutTemplate::Msg => "m",
            OutTemplate::FileFormat => "RSYSLOG_FileFormat",
            OutTemplate::TraditionalFileFormat => "RSYSLOG_TraditionalFileFormat",
            OutTemplate::Rfc3339 => "r",
        }
    }

    /// syslog-ng's nearest template: the same fields in the same order
    /// (its `$MSGHDR` is rsyslog's `%syslogtag%` followed by a space).
    fn syslog_ng(self) -> &'static str {
        match self {
            OutTemplate::Msg => "${MSG}\\n",
            OutTemplate::FileFormat | OutTemplate::Rfc3339 => {
                "${ISODATE} ${HOST} ${MSGHDR}${MSG}\\n"
            }
            OutTemplate::TraditionalFileFormat => "${BSDDATE} ${HOST} ${MSGHDR}${MSG}\\n",
        }
    }
}

/// Where things are.
struct Tools {
    loadgen: PathBuf,
    corelogd: PathBuf,
    rsyslogd: PathBuf,
    syslog_ng: Option<PathBuf>,
    syslog_ng_prefix: PathBuf,
    work: PathBuf,
    results: PathBuf,
    replicates: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Receiver {
    Corelogd,
    /// rsyslogd; on TLS pipelines with its gtls driver (GnuTLS).
    Rsyslog,
    /// rsyslogd with its ossl driver (OpenSSL): TLS pipelines only.
    RsyslogOssl,
    SyslogNg,
    /// `loadgen sink --discard`: a receiver that only counts lines (TCP)
    /// or datagrams (UDP), the kernel's ceiling on this machine for what
    /// any daemon can take in.
    Discard,
}

impl Receiver {
    fn name(self) -> &'static str {
        match self {
            Receiver::Corelogd => "corelogd",
            Receiver::Rsyslog => "rsyslog",
            Receiver::RsyslogOssl => "rsyslog-ossl",
            Receiver::SyslogNg => "syslog-ng",
            Receiver::Discard => "count-only",
        }
    }
}

/// One measured run.
#[derive(Debug, Clone, Default)]
struct Run {
    sent: u64,
    received: u64,
    missing: u64,
    duplicates: u64,
    elapsed_s: f64,
    msgs_per_s: f64,
    cpu_s: f64,
    peak_rss_kb: u64,
    latency: Value,
    /// RELP: messages acknowledged per second, as the sender saw them.
    acked_msgs_per_s: Option<f64>,
}

impl Run {
    fn json(&self) -> Value {
        json!({
            "sent": self.sent,
            "received": self.received,
            "missing": self.missing,
            "duplicates": self.duplicates,
            "elapsed_s": self.elapsed_s,
            "msgs_per_s": self.msgs_per_s,
            "cpu_s": self.cpu_s,
            "cpu_s_per_million": if self.received > 0 { self.cpu_s / (self.received as f64 / 1e6) } else { 0.0 },
            "peak_rss_mb": self.peak_rss_kb as f64 / 1024.0,
            "latency_ns": self.latency,
            "acked_msgs_per_s": self.acked_msgs_per_s,
        })
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = std::env::current_dir().expect("current directory");
    let env_path =
        |k: &str, d: &str| PathBuf::from(std::env::var(k).unwrap_or_else(|_| d.to_string()));
    let tools = Tools {
        loadgen: env_path("LOADGEN", "target/release/loadgen"),
        corelogd: env_path("CORELOGD", "target/release/corelogd"),
        rsyslogd: env_path("RSYSLOGD", "/usr/sbin/rsyslogd"),
        syslog_ng: std::env::var("SYSLOG_NG").ok().map(PathBuf::from),
        syslog_ng_prefix: env_path("SYSLOG_NG_PREFIX", ""),
        work: env_path("BENCH_WORK", "/tmp/corelog-bench"),
        results: root.join("results"),
        replicates: std::env::var("REPLICATES")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(3),
    };
    if args == ["--report"] {
        // Only regenerate results/README.md and the plots.
        if let Err(e) = report(&tools.results) {
            eprintln!("regenerating results/README.md failed: {e}");
            std::process::exit(1);
        }
        return;
    }
    let mut files: Vec<PathBuf> = fs::read_dir(root.join("bench/scenarios"))
        .expect("bench/scenarios")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut ran = 0;
    for f in files {
        let text = fs::read_to_string(&f).expect("scenario file");
        let sc: Scenario = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        if !args.is_empty() && !args.contains(&sc.name) {
            continue;
        }
        ran += 1;
        eprintln!("== scenario {}: {}", sc.name, sc.description);
        let result = run_scenario(&sc, &tools);
        let path = tools.results.join(format!("{}.json", sc.name));
        fs::write(
            &path,
            serde_json::to_string_pretty(&result).expect("json") + "\n",
        )
        .expect("writing results");
        eprintln!("   wrote {}", path.display());
    }
    if ran == 0 {
        eprintln!("no scenario matched {args:?}");
        std::process::exit(2);
    }
    if let Err(e) = report(&tools.results) {
        eprintln!("regenerating results/README.md failed: {e}");
        std::process::exit(1);
    }
}

fn machine() -> Value {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    let mem_kb = fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines().next().and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<u64>().ok())
            })
        })
        .unwrap_or(0);
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_string();
    json!({
        "cpu": cpu,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "memory_gib": (mem_kb as f64 / 1048576.0 * 10.0).round() / 10.0,
        "kernel": kernel,
        "note": "the receiver and loadgen share all cores of this machine; compare ratios measured in the same run",
    })
}

fn commit() -> Value {
    let out = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    json!({ "id": out(&["rev-parse", "HEAD"]), "dirty": !out(&["status", "--porcelain", "--", "engine", "loadgen", "bench"]).is_empty() })
}

fn version(r: Receiver, t: &Tools) -> String {
    let out = match r {
        Receiver::Rsyslog | Receiver::RsyslogOssl => Command::new(&t.rsyslogd).arg("-v").output(),
        Receiver::SyslogNg => match &t.syslog_ng {
            Some(b) => syslog_ng_cmd(b, t).arg("--version").output(),
            None => return "not installed".into(),
        },
        Receiver::Corelogd => Command::new(&t.corelogd).arg("--version").output(),
        Receiver::Discard => return "loadgen sink --discard".into(),
    };
    out.ok()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .unwrap_or_default()
}

fn run_scenario(sc: &Scenario, t: &Tools) -> Value {
    let mut receivers = serde_json::Map::new();
    let mut medians: BTreeMap<&str, f64> = BTreeMap::new();
    for r in [
        Receiver::Corelogd,
        Receiver::Rsyslog,
        Receiver::RsyslogOssl,
        Receiver::SyslogNg,
        Receiver::Discard,
    ] {
        // The count-only receiver stands for plain TCP and UDP input only.
        if r == Receiver::Discard && !matches!(sc.pipeline.as_str(), "tcp-file" | "udp-file") {
            continue;
        }
        // rsyslog's second TLS driver stands beside its first on TLS only.
        if r == Receiver::RsyslogOssl && !is_tls(&sc.pipeline) {
            continue;
        }
        let mut runs = Vec::new();
        let mut unavailable = None;
        for i in 0..t.replicates {
            eprint!("   {} run {}/{} … ", r.name(), i + 1, t.replicates);
            match run_once(sc, r, t, sc.rate, sc.count) {
                Ok(run) => {
                    eprintln!(
                        "{:.0} msgs/s, {} of {} received",
                        run.msgs_per_s, run.received, run.sent
                    );
                    runs.push(run);
                }
                Err(Unavailable(why)) => {
                    eprintln!("unavailable: {why}");
                    unavailable = Some(why);
                    break;
                }
            }
        }
        if let Some(why) = unavailable.filter(|_| runs.is_empty()) {
            receivers.insert(
                r.name().into(),
                json!({ "available": false, "reason": why, "version": version(r, t) }),
            );
            continue;
        }
        let mut rates: Vec<f64> = runs.iter().map(|r| r.msgs_per_s).collect();
        rates.sort_by(|a, b| a.total_cmp(b));
        let median = rates[rates.len() / 2];
        let spread = (rates[rates.len() - 1] - rates[0]) / median.max(1e-9);
        medians.insert(r.name(), median);
        let mut entry = json!({
            "available": true,
            "version": version(r, t),
            "replicates": runs.iter().map(Run::json).collect::<Vec<_>>(),
            "median_msgs_per_s": median,
            "min_msgs_per_s": rates[0],
            "max_msgs_per_s": rates[rates.len() - 1],
            "spread": spread,
            "noisy": spread > 0.10,
            "lost_total": runs.iter().map(|r| r.missing).sum::<u64>(),
        });
        if r != Receiver::Discard && (!sc.sweep.is_empty() || !sc.sweep_rates.is_empty()) {
            entry["latency_sweep"] = sweep(sc, r, t, median);
        }
        receivers.insert(r.name().into(), entry);
    }
    // A Kafka scenario's broker, alone: what no daemon can exceed here.
    let broker_ceiling = match sc.pipeline.as_str() {
        "tcp-kafka" => {
            eprint!("   the broker's ceiling (kcat, 500 000 messages) … ");
            let c = kafka::ceiling(
                &t.work.join(format!("{}-ceiling", sc.name)),
                &t.corelogd,
                500_000,
            );
            eprintln!("{c:?}");
            c.map_or_else(|e| json!({ "error": e }), |v| json!(v))
        }
        "tcp-jetstream" => {
            eprint!("   the server's ceiling (a bare publisher, 1 000 000 messages) … ");
            let c = jetstream::ceiling(&t.work.join(format!("{}-ceiling", sc.name)), 1_000_000);
            eprintln!("{c:?}");
            c.map_or_else(|e| json!({ "error": e }), |v| json!(v))
        }
        _ => Value::Null,
    };
    let base = medians.get("rsyslog").copied();
    let ratios: serde_json::Map<String, Value> = medians
        .iter()
        .filter_map(|(k, v)| base.map(|b| ((*k).to_string(), json!(v / b))))
        .collect();
    json!({
        "scenario": {
            "name": sc.name, "description": sc.description, "pipeline": sc.pipeline, "proto": sc.proto,
            "format": sc.format, "size": sc.size, "conns": sc.conns, "rate": sc.rate, "count": sc.count, "goal": sc.goal,
            "corelogd_args": sc.corelogd_args,
        },
        "machine": machine(),
        "commit": commit(),
        "date_utc": Command::new("date").args(["-u", "+%Y-%m-%dT%H:%M:%SZ"]).output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default(),
        "replicates": t.replicates,
        "receivers": receivers,
        "ratio_to_rsyslog": ratios,
        "broker_ceiling_msgs_per_s": broker_ceiling,
        // What corelogd takes in, as a share of what a receiver that only
        // counts takes in the same run (the kernel's ceiling here).
        "corelogd_share_of_count_only": match (medians.get("corelogd"), medians.get("count-only")) {
            (Some(c), Some(k)) if *k > 0.0 => json!(c / k),
            _ => Value::Null,
        },
    })
}

/// Rate-limited runs at fractions of the measured maximum: p50/p99/p99.9.
fn sweep(sc: &Scenario, r: Receiver, t: &Tools, max_rate: f64) -> Value {
    let secs = sc.sweep_seconds.unwrap_or(3.0);
    let mut points = Vec::new();
    let fractions = sc
        .sweep
        .iter()
        .map(|&f| ((max_rate * f).max(1000.0) as u64, f));
    let absolute = sc
        .sweep_rates
        .iter()
        .map(|&r| (r, r as f64 / max_rate.max(1.0)));
    for (rate, f) in fractions.chain(absolute) {
        let count = (rate as f64 * secs) as u64;
        eprint!(
            "   {} latency at {:.0}% ({rate} msgs/s) … ",
            r.name(),
            f * 100.0
        );
        match run_once(sc, r, t, rate, count) {
            Ok(run) => {
                let l = &run.latency;
                eprintln!("p99 {:.0} µs", l["p99"].as_f64().unwrap_or(0.0) / 1000.0);
                points.push(json!({ "fraction": f, "rate": rate, "received": run.received, "sent": run.sent, "latency_ns": run.latency }));
            }
            Err(Unavailable(why)) => {
                eprintln!("failed: {why}");
                points.push(json!({ "fraction": f, "rate": rate, "error": why }));
            }
        }
    }
    Value::Array(points)
}

/// Why a receiver could not be measured.
struct Unavailable(String);

/// A receiver process, killed on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        // Killing a process that already exited fails harmlessly.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(20514)
}

fn syslog_ng_cmd(bin: &Path, t: &Tools) -> Command {
    let mut c = Command::new(bin);
    let p = &t.syslog_ng_prefix;
    c.env("LD_LIBRARY_PATH", p.join("usr/lib/syslog-ng"));
    c.arg(format!(
        "--module-path={}",
        p.join("usr/lib/syslog-ng/3.38").display()
    ));
    c
}

/// Whether a pipeline's input is TLS (`tls-file`, `relp-tls-file`).
fn is_tls(pipeline: &str) -> bool {
    pipeline.contains("tls")
}

/// The harness's certificates (made once with the `openssl` command, in
/// the work directory): a CA and one certificate it issued, for
/// `localhost`, that every receiver presents and loadgen presents back.
struct Certs {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

fn certs(work: &Path) -> Result<Certs, Unavailable> {
    let d = work.join("certs");
    let c = Certs {
        ca: d.join("ca.pem"),
        cert: d.join("cert.pem"),
        key: d.join("key.pem"),
    };
    if c.key.exists() && c.cert.exists() {
        return Ok(c);
    }
    fs::create_dir_all(&d).map_err(|e| Unavailable(e.to_string()))?;
    let run = |args: &[&str]| -> Result<(), Unavailable> {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(&d)
            .output()
            .map_err(|e| Unavailable(format!("the openssl command: {e}")))?;
        match out.status.success() {
            true => Ok(()),
            false => Err(Unavailable(format!(
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            ))),
        }
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    run(&[
        &["req", "-x509"],
        &ec[..],
        &[
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "3650",
            "-subj",
            "/CN=bench CA",
        ],
    ]
    .concat())?;
    run(&[
        &["req"],
        &ec[..],
        &[
            "-keyout",
            "key.pem",
            "-out",
            "req.csr",
            "-subj",
            "/CN=localhost",
        ],
    ]
    .concat())?;
    fs::write(
        d.join("ext"),
        "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n",
    )
    .map_err(|e| Unavailable(e.to_string()))?;
    run(&[
        "x509",
        "-req",
        "-in",
        "req.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "cert.pem",
        "-days",
        "3650",
        "-extfile",
        "ext",
    ])?;
    Ok(c)
}

/// Configuration text for `r` and the scenario's pipeline.
fn config(
    r: Receiver,
    pipeline: &str,
    template: OutTemplate,
    (port, sink_port): (u16, u16),
    dir: &Path,
    out: &Path,
    certs: Option<&Certs>,
) -> Result<String, Unavailable> {
    let sock = dir.join("log.sock");
    Ok(match r {
        Receiver::Rsyslog | Receiver::RsyslogOssl | Receiver::SyslogNg
            if pipeline == "tcp-jetstream" =>
        {
            return Err(Unavailable(
                "rsyslog and syslog-ng have no NATS output".into(),
            ))
        }
        Receiver::Rsyslog | Receiver::RsyslogOssl | Receiver::Corelogd => {
            let mut c = format!(
                "global(workDirectory=\"{}\" maxMessageSize=\"64k\")\n",
                dir.display()
            );
            c += "template(name=\"m\" type=\"string\" string=\"%msg%\\n\")\n";
            c += "template(name=\"r\" type=\"string\" string=\"%timereported:::date-rfc3339% %hostname% %syslogtag%%msg%\\n\")\n";
            c += &match pipeline {
                "tcp-file" | "tcp-forward" | "tcp-diskqueue-file" | "tcp-actionqueue-file"
                | "tcp-kafka" | "tcp-jetstream" => {
                    format!("module(load=\"imtcp\")\ninput(type=\"imtcp\" port=\"{port}\" address=\"127.0.0.1\")\n")
                }
                // mmjsonparse on every message, then four of its fields.
                "tcp-jsonparse-file" => format!(
                    "module(load=\"imtcp\")\ninput(type=\"imtcp\" port=\"{port}\" address=\"127.0.0.1\")\n\
                     module(load=\"mmjsonparse\")\naction(type=\"mmjsonparse\")\n\
                     template(name=\"j\" type=\"string\" string=\"%$!id%|%$!user%|%$!n%|%$!tags%\\n\")\n"
                ),
                "relp-file" | "relp-diskqueue-file" => format!("module(load=\"imrelp\")\ninput(type=\"imrelp\" port=\"{port}\" address=\"127.0.0.1\")\n"),
                // TLS: anon (what the data path costs; the peer check is
                // per handshake), rsyslog's gtls or ossl driver.
                "tls-file" => {
                    let c = certs.expect("certificates for TLS");
                    let driver = if r == Receiver::RsyslogOssl { "ossl" } else { "gtls" };
                    format!(
                        "global(defaultNetstreamDriverCAFile=\"{}\" defaultNetstreamDriverCertFile=\"{}\" defaultNetstreamDriverKeyFile=\"{}\")\n\
                         module(load=\"imtcp\" streamDriver.name=\"{driver}\" streamDriver.mode=\"1\" streamDriver.authMode=\"anon\")\n\
                         input(type=\"imtcp\" port=\"{port}\" address=\"127.0.0.1\")\n",
                        c.ca.display(), c.cert.display(), c.key.display()
                    )
                }
                // RELP over TLS: certvalid both ways (librelp has no
                // anonymous mode with certificates).
                "relp-tls-file" => {
                    let c = certs.expect("certificates for TLS");
                    let lib = if r == Receiver::RsyslogOssl { " tls.tlsLib=\"openssl\"" } else { "" };
                    format!(
                        "module(load=\"imrelp\"{lib})\ninput(type=\"imrelp\" port=\"{port}\" address=\"127.0.0.1\" tls=\"on\" tls.authMode=\"certvalid\" tls.caCert=\"{}\" tls.myCert=\"{}\" tls.myPrivKey=\"{}\")\n",
                        c.ca.display(), c.cert.display(), c.key.display()
                    )
                }
                "udp-file" => format!("module(load=\"imudp\")\ninput(type=\"imudp\" port=\"{port}\" address=\"127.0.0.1\" rcvbufSize=\"8m\")\n"),
                "unix-file" => format!(
                    "module(load=\"imuxsock\" SysSock.Use=\"off\")\ninput(type=\"imuxsock\" Socket=\"{}\")\n",
                    sock.display()
                ),
                other => return Err(Unavailable(format!("unknown pipeline {other}"))),
            };
            if pipeline.ends_with("diskqueue-file") {
                c += "main_queue(queue.type=\"Disk\" queue.filename=\"mainq\" queue.maxDiskSpace=\"4g\")\n";
            }
            if pipeline == "tcp-forward" {
                c += &format!("action(type=\"omfwd\" target=\"127.0.0.1\" port=\"{sink_port}\" protocol=\"tcp\")\n");
            } else if pipeline == "tcp-kafka" {
                // The broker's port where the sink's would be.
                c += &kafka::action(sink_port);
            } else if pipeline == "tcp-jetstream" {
                c += &jetstream::action(sink_port);
            } else {
                // An action queue of its own: LinkedList, rsyslog's
                // usual choice for one.
                let queue = match pipeline {
                    "tcp-actionqueue-file" => " queue.type=\"LinkedList\" queue.size=\"100000\"",
                    _ => "",
                };
                let template = match pipeline {
                    "tcp-jsonparse-file" => "j",
                    _ => template.rsyslog_name(),
                };
                c += &format!(
                    "action(type=\"omfile\" file=\"{}\" template=\"{template}\"{queue})\n",
                    out.display(),
                );
            }
            c
        }
        // The count-only receiver needs no configuration; it stands for
        // the plain TCP and UDP inputs.
        Receiver::Discard => match pipeline {
            "tcp-file" | "udp-file" => String::new(),
            _ => {
                return Err(Unavailable(
                    "the count-only receiver measures plain TCP and UDP input".into(),
                ))
            }
        },
        Receiver::SyslogNg if pipeline == "tcp-jsonparse-file" => {
            return Err(Unavailable(
                "the comparison is with rsyslog's mmjsonparse".into(),
            ))
        }
        Receiver::SyslogNg if pipeline == "tcp-kafka" => {
            return Err(Unavailable(
                "the comparison is with rsyslog's omkafka".into(),
            ))
        }
        Receiver::SyslogNg if pipeline.starts_with("relp") => {
            return Err(Unavailable(
                "syslog-ng's free edition has no RELP source".into(),
            ))
        }
        Receiver::SyslogNg => {
            let source = match pipeline {
                "tcp-file" | "tcp-forward" | "tcp-diskqueue-file" | "tcp-actionqueue-file" => format!(
                    "network(ip(\"127.0.0.1\") port({port}) transport(\"tcp\") max-connections(100) log-iw-size(400000))"
                ),
                "udp-file" => format!("network(ip(\"127.0.0.1\") port({port}) transport(\"udp\") so-rcvbuf(8388608))"),
                "tls-file" => {
                    let c = certs.expect("certificates for TLS");
                    format!(
                        "network(ip(\"127.0.0.1\") port({port}) transport(\"tls\") max-connections(100) log-iw-size(400000) tls(key-file(\"{}\") cert-file(\"{}\") peer-verify(optional-untrusted)))",
                        c.key.display(), c.cert.display()
                    )
                }
                "unix-file" => format!("unix-dgram(\"{}\")", sock.display()),
                other => return Err(Unavailable(format!("unknown pipeline {other}"))),
            };
            let dest = if pipeline == "tcp-forward" {
                format!("network(\"127.0.0.1\" port({sink_port}) transport(\"tcp\"))")
            } else if pipeline == "tcp-diskqueue-file" {
                format!(
                    "file(\"{}\" template(\"{}\") disk-buffer(reliable(yes) disk-buf-size(4294967296) dir(\"{}\")))",
                    out.display(),
                    template.syslog_ng(),
                    dir.display()
                )
            } else {
                format!(
                    "file(\"{}\" template(\"{}\"))",
                    out.display(),
                    template.syslog_ng()
                )
            };
            format!(
                "@version: 3.38\noptions {{ keep-hostname(yes); log-fifo-size(400000); stats_freq(0); }};\n\
                 source s {{ {source}; }};\ndestination d {{ {dest}; }};\nlog {{ source(s); destination(d); flags(flow-control); }};\n"
            )
        }
    })
}

fn start(
    r: Receiver,
    t: &Tools,
    dir: &Path,
    conf_text: &str,
    corelogd_args: &[String],
    listen: (&str, u16),
) -> Result<Proc, Unavailable> {
    let err = |e: std::io::Error| Unavailable(e.to_string());
    let stderr = || {
        fs::File::create(dir.join("receiver.stderr"))
            .map(Stdio::from)
            .map_err(err)
    };
    let child = match r {
        Receiver::Discard => Command::new(&t.loadgen)
            .args([
                "sink",
                "--discard",
                "--json",
                "--idle",
                "1",
                "--proto",
                listen.0,
            ])
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", listen.1))
            .stdout(Stdio::piped())
            .stderr(stderr()?)
            .spawn()
            .map_err(err)?,
        // rsyslogd and corelogd take the same rsyslog.conf and flags.
        Receiver::Rsyslog | Receiver::RsyslogOssl | Receiver::Corelogd => {
            let (bin, file) = if r != Receiver::Corelogd {
                (&t.rsyslogd, "rsyslog.conf")
            } else {
                (&t.corelogd, "corelog.conf")
            };
            let conf = dir.join(file);
            fs::write(&conf, conf_text).map_err(err)?;
            let extra: &[String] = if r == Receiver::Corelogd {
                corelogd_args
            } else {
                &[]
            };
            let mut c = Command::new(bin);
            if conf_text.contains("omkafka") && r != Receiver::Corelogd {
                if let Some(lib) = kafka::librdkafka_dir(&t.corelogd) {
                    c.env("LD_LIBRARY_PATH", lib);
                }
            }
            let mut c = c
                .arg("-n")
                .arg("-f")
                .arg(&conf)
                .arg("-i")
                .arg(dir.join("pid"))
                .args(extra)
                .stdout(Stdio::null())
                .stderr(stderr()?)
                .spawn()
                .map_err(err)?;
            if r == Receiver::Corelogd {
                // A corelogd that cannot run its configuration says why.
                std::thread::sleep(Duration::from_millis(300));
                if let Ok(Some(status)) = c.try_wait() {
                    let why = fs::read_to_string(dir.join("receiver.stderr")).unwrap_or_default();
                    return Err(Unavailable(format!(
                        "corelogd exited ({status}): {}",
                        why.lines().last().unwrap_or("")
                    )));
                }
            }
            c
        }
        Receiver::SyslogNg => {
            let Some(bin) = &t.syslog_ng else {
                return Err(Unavailable(
                    "syslog-ng is not installed (scripts/bench unpacks it)".into(),
                ));
            };
            let conf = dir.join("syslog-ng.conf");
            fs::write(&conf, conf_text).map_err(err)?;
            syslog_ng_cmd(bin, t)
                .args(["-F", "--no-caps", "-f"])
                .arg(&conf)
                .arg(format!("--persist-file={}", dir.join("persist").display()))
                .arg(format!("--pidfile={}", dir.join("pid").display()))
                .arg(format!("--control={}", dir.join("ctl").display()))
                .stdout(Stdio::null())
                .stderr(stderr()?)
                .spawn()
                .map_err(err)?
        }
    };
    Ok(Proc(child))
}

/// Waits until the receiver takes input on `port` / the socket.
fn wait_ready(p: &mut Proc, pipeline: &str, port: u16, dir: &Path) -> Result<(), Unavailable> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(Some(status)) = p.0.try_wait() {
            let why = fs::read_to_string(dir.join("receiver.stderr")).unwrap_or_default();
            return Err(Unavailable(format!(
                "exited ({status}) before taking input: {}",
                why.lines().take(3).collect::<Vec<_>>().join(" | ")
            )));
        }
        let ready = match pipeline {
            "udp-file" => UdpSocket::bind(("127.0.0.1", port)).is_err(),
            "unix-file" => dir.join("log.sock").exists(),
            _ => TcpStream::connect(("127.0.0.1", port)).is_ok(),
        };
        if ready {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(Unavailable("did not start listening within 20 s".into()));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether a child has exited (and is a zombie, not yet reaped).
fn exited(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, after)| after.trim_start().starts_with('Z'))
        })
        .unwrap_or(true)
}

/// user+system CPU seconds and peak RSS (kB) of a process.
fn usage(pid: u32) -> (f64, u64) {
    let cpu = fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let after = s.rsplit_once(')')?.1;
            let f: Vec<&str> = after.split_whitespace().collect();
            Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / 100.0)
        })
        .unwrap_or(0.0);
    let rss = fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0);
    (cpu, rss)
}

/// Counts lines appended to a file, incrementally.
struct LineCounter {
    path: PathBuf,
    offset: u64,
    lines: u64,
    buf: Vec<u8>,
    /// When a poll last found the file grown (`CLOCK_MONOTONIC`).
    grew_ns: u64,
}

/// The most a poll reads: a slice, so counting keeps up without taking
/// a core from the receiver in one long read.
const COUNT_SLICE: usize = 16 << 20;

impl LineCounter {
    fn new(path: &Path) -> LineCounter {
        LineCounter {
            path: path.to_path_buf(),
            offset: 0,
            lines: 0,
            buf: vec![0; COUNT_SLICE],
            grew_ns: 0,
        }
    }

    /// Counts what was appended since the last poll (a slice at most).
    /// Looking at the file's status each time also makes the kernel give
    /// its next change a fine-grained time (Linux 6.13's multigrain
    /// timestamps), not the 4 ms clock tick.
    fn poll(&mut self) -> u64 {
        if let Ok(mut f) = fs::File::open(&self.path) {
            let _ = f.metadata();
            if f.seek(SeekFrom::Start(self.offset)).is_ok() {
                if let Ok(n) = f.read(&mut self.buf) {
                    if n > 0 {
                        self.grew_ns = monotonic_ns();
                    }
                    self.offset += n as u64;
                    self.lines += memchr::memchr_iter(b'\n', &self.buf[..n]).count() as u64;
                }
            }
        }
        self.lines
    }

    /// When the last line was written, on `CLOCK_MONOTONIC`: the file's
    /// modification time (on the real-time clock; the two read together),
    /// or, where that is missing or coarse enough to fall outside the
    /// run, the poll that saw the file grow last.
    fn written_ns(&self, start_ns: u64) -> u64 {
        let modified = fs::metadata(&self.path)
            .ok()
            .and_then(|m| m.modified().ok());
        let mtime = modified.map(|modified| {
            let now_real = std::time::SystemTime::now();
            let now_mono = monotonic_ns();
            let ago = now_real.duration_since(modified).unwrap_or_default();
            now_mono.saturating_sub(ago.as_nanos() as u64)
        });
        match mtime {
            Some(t) if t > start_ns && t <= self.grew_ns => t,
            _ => self.grew_ns,
        }
    }
}

fn json_of(out: &std::process::Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or(Value::Null)
}

fn run_once(
    sc: &Scenario,
    r: Receiver,
    t: &Tools,
    rate: u64,
    count: u64,
) -> Result<Run, Unavailable> {
    let dir = t.work.join(format!("{}-{}", sc.name, r.name()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).map_err(|e| Unavailable(e.to_string()))?;
    let port = free_port();
    let out = dir.join("out.log");
    let forward = sc.pipeline == "tcp-forward";
    // The sink for forwarding scenarios, started first.
    let mut sink = None;
    let mut sink_port = 0;
    // The broker for Kafka scenarios, in the sink's place.
    let broker = (sc.pipeline == "tcp-kafka").then(|| kafka::broker(&dir));
    if let Some(b) = &broker {
        sink_port = b.port;
    }
    let nats = (sc.pipeline == "tcp-jetstream").then(|| jetstream::server(&dir));
    if let Some(s) = &nats {
        sink_port = s.port;
    }
    if forward {
        let mut child = Command::new(&t.loadgen)
            .args([
                "sink",
                "--listen",
                "127.0.0.1:0",
                "--json",
                "--idle",
                "5",
                "--count",
                &count.to_string(),
            ])
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| Unavailable(format!("loadgen sink: {e}")))?;
        let mut first = String::new();
        let mut stdout = child.stdout.take().expect("piped stdout");
        let mut byte = [0u8; 1];
        while stdout.read(&mut byte).map(|n| n == 1).unwrap_or(false) && byte[0] != b'\n' {
            first.push(byte[0] as char);
        }
        sink_port = first
            .rsplit(':')
            .next()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(0);
        sink = Some((Proc(child), stdout));
    }
    let certs = match is_tls(&sc.pipeline) {
        true => Some(certs(&t.work)?),
        false => None,
    };
    let conf = config(
        r,
        &sc.pipeline,
        sc.template,
        (port, sink_port),
        &dir,
        &out,
        certs.as_ref(),
    )?;
    let transport = if sc.pipeline == "udp-file" {
        "udp"
    } else {
        "tcp"
    };
    let mut proc = start(r, t, &dir, &conf, &sc.corelogd_args, (transport, port))?;
    wait_ready(&mut proc, &sc.pipeline, port, &dir)?;
    let pid = proc.0.id();
    let (cpu0, _) = usage(pid);
    let target = if sc.pipeline == "unix-file" {
        dir.join("log.sock").display().to_string()
    } else {
        format!("127.0.0.1:{port}")
    };
    let started = Instant::now();
    let send = Command::new(&t.loadgen)
        .args([
            "send",
            "--target",
            &target,
            "--proto",
            &sc.proto,
            "--conns",
            &sc.conns.to_string(),
        ])
        .args([
            "--window",
            &sc.window.unwrap_or(128).to_string(),
            "--rate",
            &rate.to_string(),
            "--count",
            &count.to_string(),
            "--size",
            &sc.size,
            "--format",
            &sc.format,
            "--json",
        ])
        .args(certs.iter().flat_map(|c| {
            [
                "--tls-cert".to_string(),
                c.cert.display().to_string(),
                "--tls-key".to_string(),
                c.key.display().to_string(),
            ]
        }))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Unavailable(format!("loadgen send: {e}")))?;
    // A file output is counted while the sender runs, a slice at a time:
    // counting it all once the sender is done read hundreds of megabytes
    // in one go, on the cores the receiver was still writing with.
    let writes_file =
        r != Receiver::Discard && broker.is_none() && nats.is_none() && sink.is_none();
    let mut counter = writes_file.then(|| LineCounter::new(&out));
    let send = std::thread::spawn(move || send.wait_with_output());
    while !send.is_finished() {
        if let Some(c) = &mut counter {
            c.poll();
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let sent = send
        .join()
        .map_err(|_| Unavailable("loadgen send: its waiting thread panicked".into()))?
        .map_err(|e| Unavailable(format!("loadgen send: {e}")))?;
    if !sent.status.success() {
        return Err(Unavailable(format!(
            "loadgen send failed: {}",
            String::from_utf8_lossy(&sent.stderr).trim()
        )));
    }
    let send = json_of(&sent);
    let n_sent = send["sent"].as_u64().unwrap_or(0);
    let relp = sc.proto.starts_with("relp");
    let start_ns = send["start_ns"].as_u64().unwrap_or(0);
    let mut run = Run {
        sent: n_sent,
        ..Run::default()
    };
    if relp {
        // The sender measured each message to its acknowledgement.
        run.latency = send["latency_ns"].clone();
        run.acked_msgs_per_s = send["msgs_per_s"].as_f64();
    }
    let mut usage_at_exit = None;
    if r == Receiver::Discard {
        // It exits a second after the last byte; its counts and CPU are
        // read from it then (a zombie keeps its CPU times until reaped).
        let deadline = Instant::now() + Duration::from_secs(60);
        while !exited(pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        if !exited(pid) {
            // It exits on idle only after a first message: it got none.
            return Err(Unavailable(
                "the count-only receiver received nothing in 60 s".into(),
            ));
        }
        usage_at_exit = Some(usage(pid));
        let mut text = String::new();
        if let Some(mut out) = proc.0.stdout.take() {
            let _ = out.read_to_string(&mut text);
        }
        let v: Value = text
            .lines()
            .rev()
            .find_map(|l| serde_json::from_str(l).ok())
            .unwrap_or(Value::Null);
        run.received = v["received"].as_u64().unwrap_or(0);
        if run.received == 0 {
            return Err(Unavailable(
                "the count-only receiver received nothing".into(),
            ));
        }
        let last_ns = v["last_ns"].as_u64().unwrap_or(0);
        run.elapsed_s = last_ns.saturating_sub(start_ns) as f64 / 1e9;
    } else if let Some(b) = &broker {
        let held = kafka::wait_offsets(b, n_sent);
        let done_ns = monotonic_ns();
        run.elapsed_s = done_ns.saturating_sub(start_ns) as f64 / 1e9;
        // CPU to the last message acknowledged, not to the read-back.
        usage_at_exit = Some(usage(pid));
        let read = kafka::read_back(b, &out, held);
        let v = loadgen_check(t, &out, sc.conns, n_sent)?;
        run.received = v["unique"].as_u64().unwrap_or(0);
        run.duplicates = v["duplicates"].as_u64().unwrap_or(0);
        if read < held {
            eprint!("(read back {read} of the {held} the topic holds) ");
        }
    } else if let Some(s) = &nats {
        let held = jetstream::wait_stored(s, n_sent);
        let done_ns = monotonic_ns();
        run.elapsed_s = done_ns.saturating_sub(start_ns) as f64 / 1e9;
        usage_at_exit = Some(usage(pid));
        let text = jetstream::read_back(s, &out, held);
        let v = loadgen_check(t, &out, sc.conns, n_sent)?;
        run.received = v["unique"].as_u64().unwrap_or(0);
        run.duplicates = v["duplicates"].as_u64().unwrap_or(0);
        let read = text.lines().count() as u64;
        if read < held {
            eprint!("(read back {read} of the {held} the stream holds) ");
        }
    } else if let Some((mut child, mut stdout)) = sink {
        let mut rest = String::new();
        let _ = stdout.read_to_string(&mut rest);
        let _ = child.0.wait();
        let v: Value = rest
            .lines()
            .rev()
            .find_map(|l| serde_json::from_str(l).ok())
            .unwrap_or(Value::Null);
        run.received = v["unique"].as_u64().unwrap_or(0);
        run.duplicates = v["duplicates"].as_u64().unwrap_or(0);
        let last_ns = v["last_ns"].as_u64().unwrap_or(0);
        run.elapsed_s = last_ns.saturating_sub(start_ns) as f64 / 1e9;
        run.latency = v["latency_ns"].clone();
    } else {
        let mut counter = counter.expect("a file output has its counter");
        let mut last_change = Instant::now();
        let mut last_lines = counter.lines;
        loop {
            let n = counter.poll();
            if n != last_lines {
                last_lines = n;
                last_change = Instant::now();
            }
            if n >= n_sent || last_change.elapsed() > Duration::from_secs(5) {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        run.received = last_lines;
        // From the first message sent (loadgen's start_ns, after its
        // set-up) to the file's last change, when its last line was
        // written — not to the poll that saw it.
        let done_ns = counter.written_ns(start_ns);
        run.elapsed_s = if start_ns > 0 && done_ns > start_ns {
            (done_ns - start_ns) as f64 / 1e9
        } else {
            started.elapsed().as_secs_f64()
        };
        let v = loadgen_check(t, &out, sc.conns, n_sent)?;
        run.duplicates = v["duplicates"].as_u64().unwrap_or(0);
    }
    let (cpu1, rss) = usage_at_exit.unwrap_or_else(|| usage(pid));
    run.cpu_s = cpu1 - cpu0;
    run.peak_rss_kb = rss;
    run.missing = run.sent.saturating_sub(run.received);
    run.msgs_per_s = if run.elapsed_s > 0.0 {
        run.received as f64 / run.elapsed_s
    } else {
        0.0
    };
    drop(proc);
    let _ = fs::remove_file(&out);
    Ok(run)
}

/// `loadgen check` of an output file: loss, duplicates, reordering.
fn loadgen_check(t: &Tools, out: &Path, conns: usize, sent: u64) -> Result<Value, Unavailable> {
    let check = Command::new(&t.loadgen)
        .arg("check")
        .arg(out)
        .args([
            "--conns",
            &conns.to_string(),
            "--count",
            &sent.to_string(),
            "--json",
        ])
        .output()
        .map_err(|e| Unavailable(format!("loadgen check: {e}")))?;
    Ok(json_of(&check))
}

/// Nanoseconds on `CLOCK_MONOTONIC`, the clock loadgen stamps and
/// reports with (`start_ns`, `last_ns`).
fn monotonic_ns() -> u64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec, which we own.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut t) };
    assert_eq!(rc, 0, "CLOCK_MONOTONIC is always there on Linux");
    t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
}

// The report: results/README.md and SVG plots.

fn report(results: &Path) -> Result<(), String> {
    let mut all: Vec<Value> = Vec::new();
    let mut entries: Vec<PathBuf> = fs::read_dir(results)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.extension().is_some_and(|e| e == "json") {
            if let Ok(v) =
                serde_json::from_str::<Value>(&fs::read_to_string(&p).unwrap_or_default())
            {
                if v.get("scenario").is_some() {
                    all.push(v);
                }
            }
        }
    }
    let plots = results.join("plots");
    fs::create_dir_all(&plots).map_err(|e| e.to_string())?;
    let mut md = String::from("# Results\n\nEnd-to-end benchmarks from `scripts/bench` (msgs/s counted at the output, median of the replicates; spread = (max − min) / median; a run is flagged noisy above 10 %). The receiver and the load generator share the machine's cores. Micro-benchmarks are in [micro.md](micro.md).\n\n");
    md += "| scenario | receiver | msgs/s (median) | spread | ratio to rsyslog | lost | CPU s / M msgs | peak RSS MB | p99 latency | goal |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n";
    for v in &all {
        let sc = &v["scenario"];
        for (name, r) in v["receivers"].as_object().into_iter().flatten() {
            if r["available"] == false {
                md += &format!(
                    "| {} | {name} | — | | | | | | | unavailable: {} |\n",
                    sc["name"].as_str().unwrap_or(""),
                    r["reason"].as_str().unwrap_or("")
                );
                continue;
            }
            let reps = r["replicates"].as_array().cloned().unwrap_or_default();
            let median_of = |k: &str| {
                let mut x: Vec<f64> = reps.iter().filter_map(|x| x[k].as_f64()).collect();
                x.sort_by(|a, b| a.total_cmp(b));
                x.get(x.len() / 2).copied().unwrap_or(0.0)
            };
            let p99 = reps
                .iter()
                .filter_map(|x| x["latency_ns"]["p99"].as_f64())
                .next()
                .map(|n| format!("{:.2} ms", n / 1e6))
                .unwrap_or_else(|| "—".into());
            // RELP: what the sender saw acknowledged, beside the output.
            let acked = match median_of("acked_msgs_per_s") {
                a if a > 0.0 => format!(" ({a:.0} acked)"),
                _ => String::new(),
            };
            md += &format!(
                "| {} | {name} | {:.0}{acked} | {:.1} %{} | {} | {} | {:.2} | {} | {p99} | {} |\n",
                sc["name"].as_str().unwrap_or(""),
                r["median_msgs_per_s"].as_f64().unwrap_or(0.0),
                r["spread"].as_f64().unwrap_or(0.0) * 100.0,
                if r["noisy"] == true { " (noisy)" } else { "" },
                v["ratio_to_rsyslog"][name]
                    .as_f64()
                    .map(|x| format!("{x:.2}×"))
                    .unwrap_or_else(|| "—".into()),
                r["lost_total"],
                median_of("cpu_s_per_million"),
                // The count-only receiver is read after it exits, when
                // its peak RSS is gone.
                match median_of("peak_rss_mb") {
                    m if m > 0.0 => format!("{m:.0}"),
                    _ => "—".into(),
                },
                sc["goal"].as_str().unwrap_or(""),
            );
        }
    }
    md += "\n";
    for v in &all {
        let name = v["scenario"]["name"].as_str().unwrap_or("x").to_string();
        let svg = plots.join(format!("{name}_throughput.svg"));
        throughput_plot(v, &svg)?;
        md += &format!("### {name}\n\n{}\n\nCommit `{}`, {}, {} cores, {}. Goal: {}\n\n![throughput](plots/{name}_throughput.svg)\n\n",
            v["scenario"]["description"].as_str().unwrap_or(""),
            v["commit"]["id"].as_str().unwrap_or("").get(..12).unwrap_or(""),
            v["machine"]["cpu"].as_str().unwrap_or(""),
            v["machine"]["cores"], v["date_utc"].as_str().unwrap_or(""),
            v["scenario"]["goal"].as_str().unwrap_or(""));
        if v["receivers"]
            .as_object()
            .into_iter()
            .flatten()
            .any(|(_, r)| r.get("latency_sweep").is_some())
        {
            let lsvg = plots.join(format!("{name}_latency.svg"));
            latency_plot(v, &lsvg)?;
            md += &format!("![latency](plots/{name}_latency.svg)\n\n");
            md += "| receiver | offered msgs/s | p50 | p99 | p99.9 | received / sent |\n|---|---:|---:|---:|---:|---:|\n";
            for (rn, r) in v["receivers"].as_object().into_iter().flatten() {
                for p in r["latency_sweep"].as_array().into_iter().flatten() {
                    let l = &p["latency_ns"];
                    let ms = |k: &str| {
                        l[k].as_f64()
                            .map(|n| format!("{:.2} ms", n / 1e6))
                            .unwrap_or_else(|| "—".into())
                    };
                    md += &format!(
                        "| {rn} | {} | {} | {} | {} | {} / {} |\n",
                        p["rate"],
                        ms("p50"),
                        ms("p99"),
                        ms("p999"),
                        p["received"],
                        p["sent"]
                    );
                }
            }
            md += "\n";
        }
    }
    fs::write(results.join("README.md"), md).map_err(|e| e.to_string())
}

fn throughput_plot(v: &Value, path: &Path) -> Result<(), String> {
    use plotters::prelude::*;
    let bars: Vec<(String, f64, f64, f64)> = v["receivers"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, r)| r["available"] == true)
        .map(|(n, r)| {
            (
                n.clone(),
                r["median_msgs_per_s"].as_f64().unwrap_or(0.0),
                r["min_msgs_per_s"].as_f64().unwrap_or(0.0),
                r["max_msgs_per_s"].as_f64().unwrap_or(0.0),
            )
        })
        .collect();
    let top = bars.iter().map(|b| b.3).fold(1.0, f64::max) * 1.15 / 1e6;
    let root = SVGBackend::new(path, (640, 360)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let title = format!(
        "{} — msgs/s (millions), median and range",
        v["scenario"]["name"].as_str().unwrap_or("")
    );
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(50)
        .build_cartesian_2d(0f64..bars.len().max(1) as f64, 0f64..top)
        .map_err(|e| e.to_string())?;
    let labels: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(bars.len().max(1))
        .x_label_formatter(&|x| labels.get(x.floor() as usize).cloned().unwrap_or_default())
        .y_desc("M msgs/s")
        .draw()
        .map_err(|e| e.to_string())?;
    for (i, (_, med, lo, hi)) in bars.iter().enumerate() {
        let x = i as f64;
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(x + 0.2, 0.0), (x + 0.8, med / 1e6)],
                BLUE.mix(0.6).filled(),
            )))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x + 0.5, lo / 1e6), (x + 0.5, hi / 1e6)],
                BLACK.stroke_width(2),
            )))
            .map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())
}

fn latency_plot(v: &Value, path: &Path) -> Result<(), String> {
    use plotters::prelude::*;
    let series: Vec<(String, Vec<(f64, f64)>)> = v["receivers"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(n, r)| {
            let pts: Vec<(f64, f64)> = r["latency_sweep"]
                .as_array()?
                .iter()
                .filter_map(|p| {
                    Some((
                        p["rate"].as_f64()? / 1e6,
                        p["latency_ns"]["p99"].as_f64()? / 1e6,
                    ))
                })
                .collect();
            Some((n.clone(), pts))
        })
        .collect();
    let xmax = series
        .iter()
        .flat_map(|s| s.1.iter().map(|p| p.0))
        .fold(0.01, f64::max)
        * 1.1;
    let ymax = series
        .iter()
        .flat_map(|s| s.1.iter().map(|p| p.1))
        .fold(0.1, f64::max)
        * 1.2;
    let root = SVGBackend::new(path, (640, 360)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "{} — p99 latency vs offered rate",
                v["scenario"]["name"].as_str().unwrap_or("")
            ),
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(35)
        .y_label_area_size(50)
        .build_cartesian_2d(0f64..xmax, 0f64..ymax)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("offered M msgs/s")
        .y_desc("p99 ms")
        .draw()
        .map_err(|e| e.to_string())?;
    let colors = [RED, BLUE, GREEN];
    for (i, (name, pts)) in series.iter().enumerate() {
        let c = colors[i % colors.len()];
        chart
            .draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE)
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}
