//! imhttp's metrics and health, read by a real Prometheus (Debian's
//! `prometheus` package, which `scripts/test` installs) while loadgen
//! sends 1 M messages: the scraped `submitted` and `processed` counters
//! equal what loadgen sent and what the file holds, and `promtool check
//! metrics` passes on the exposition. Then the health endpoint and the
//! paths' API-key and password protection.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use corelog_tests::daemon::{send, wait_lines, Corelogd};
use corelog_tests::rsyslogd::free_port;
use corelog_tests::wait_for;

/// Messages loadgen sends.
const SENT: u64 = 1_000_000;

const PROMETHEUS: &str = "/usr/bin/prometheus";
const PROMTOOL: &str = "/usr/bin/promtool";

/// One HTTP/1.1 request; the status and the body.
fn get(port: u16, path: &str, headers: &[&str]) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let extra: String = headers.iter().map(|h| format!("{h}\r\n")).collect();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).expect("a response");
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map_or("", |b| b.1).to_string();
    (status, body)
}

/// Prometheus, scraping `target` every second, killed when dropped.
struct Prometheus {
    child: Child,
    port: u16,
}

impl Prometheus {
    fn start(dir: &Path, target: u16) -> Prometheus {
        assert!(
            Path::new(PROMETHEUS).exists(),
            "{PROMETHEUS} not found: install Debian's `prometheus` package (scripts/test does)"
        );
        let port = free_port();
        let conf = dir.join("prometheus.yml");
        std::fs::write(
            &conf,
            format!("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: corelog\n    static_configs:\n      - targets: ['127.0.0.1:{target}']\n"),
        )
        .unwrap();
        let child = Command::new(PROMETHEUS)
            .arg(format!("--config.file={}", conf.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("tsdb").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(dir.join("prometheus.log")).unwrap(),
            ))
            .spawn()
            .expect("starting prometheus");
        Prometheus { child, port }
    }

    /// The value of `query` (one series), once Prometheus has it.
    fn value(&self, query: &str) -> Option<f64> {
        let (status, body) = get(self.port, &format!("/api/v1/query?query={query}"), &[]);
        if status != 200 {
            return None;
        }
        let v: serde_json::Value = serde_json::from_str(&body).ok()?;
        v["data"]["result"][0]["value"][1].as_str()?.parse().ok()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn prometheus_scrapes_what_was_sent_and_written() {
    let dir = std::env::temp_dir().join(format!("corelog-metrics-{}", std::process::id()));
    let d = Corelogd::start(
        &dir,
        r#"
module(load="imtcp")
module(load="imhttp" ports="127.0.0.1:@PORT2@")
input(type="imtcp" port="@PORT@")
action(type="omfile" file="@DIR@/all.log" name="to_file")
"#,
        &[],
    );
    let prom = Prometheus::start(&d.dir, d.port2);
    send(d.port, SENT, 4);
    wait_lines(&d.path("all.log"), SENT as usize);
    let sent = SENT as f64;
    let submitted = format!(
        "corelog_input_submitted_total{{input=\"imtcp({})\"}}",
        d.port
    );
    for q in [
        submitted.as_str(),
        "corelog_action_processed_total{action=\"to_file\"}",
    ] {
        let q = q
            .replace('{', "%7B")
            .replace('}', "%7D")
            .replace('"', "%22");
        wait_for(
            &format!("Prometheus to scrape {sent} for {q}"),
            Duration::from_secs(60),
            || (prom.value(&q) == Some(sent)).then_some(()),
        );
    }
    // The exposition passes promtool's checks.
    let (status, body) = get(d.port2, "/metrics", &[]);
    assert_eq!(status, 200);
    let mut check = Command::new(PROMTOOL)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running promtool");
    check
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let out = check.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "promtool check metrics: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(get(d.port2, "/healthz", &[]), (200, "OK\n".to_string()));
    assert_eq!(get(d.port2, "/nothing", &[]).0, 404);
    drop(prom);
    d.stop();
}

/// Each path asks for what it is configured with: an API key (header or
/// `Authorization: ApiKey`) for the metrics, a password (htpasswd,
/// `{SHA}`) for the health; a renamed path is the only one that answers.
#[test]
fn paths_ask_for_their_key_or_password() {
    let dir = std::env::temp_dir().join(format!("corelog-metrics-auth-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("keys"), "# keys\nsecret-key\n").unwrap();
    // `htpasswd -nbs alice secret`
    std::fs::write(
        dir.join("htpasswd"),
        "alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n",
    )
    .unwrap();
    let conf = format!(
        r#"
module(load="imtcp")
module(load="imhttp" ports="127.0.0.1:@PORT2@" metricsApiKeyFile="{d}/keys" healthCheckBasicAuthFile="{d}/htpasswd" healthCheckPath="/health")
input(type="imtcp" port="@PORT@")
action(type="omfile" file="@DIR@/all.log")
"#,
        d = dir.display()
    );
    let d = Corelogd::start(&dir.join("run"), &conf, &[]);
    let p = d.port2;
    wait_for("the endpoint", Duration::from_secs(10), || {
        TcpStream::connect(("127.0.0.1", p)).ok()
    });
    assert_eq!(get(p, "/metrics", &[]).0, 401);
    assert_eq!(get(p, "/metrics", &["X-API-Key: wrong"]).0, 401);
    assert_eq!(get(p, "/metrics", &["X-API-Key: secret-key"]).0, 200);
    assert_eq!(
        get(p, "/metrics", &["Authorization: ApiKey secret-key"]).0,
        200
    );
    assert_eq!(get(p, "/health", &[]).0, 401);
    // alice:secret, and alice:wrong
    assert_eq!(
        get(p, "/health", &["Authorization: Basic YWxpY2U6c2VjcmV0"]),
        (200, "OK\n".into())
    );
    assert_eq!(
        get(p, "/health", &["Authorization: Basic YWxpY2U6d3Jvbmc="]).0,
        401
    );
    assert_eq!(get(p, "/healthz", &[]).0, 404);
    d.stop();
}
