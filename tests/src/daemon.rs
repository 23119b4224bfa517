//! A private corelogd for a test: the real binary, its own config, work
//! directory and ports, stopped with SIGTERM (or killed on drop).

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use crate::rsyslogd::free_port;
use crate::wait_for;

/// The workspace's binaries (`corelogd`, `loadgen`), built once per test
/// process in the profile the tests run in.
pub fn bin(name: &str) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let dir = BUILT.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test's own path");
        // target/<profile>/deps/<test> → target/<profile>
        let dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("the test runs from target/<profile>/deps")
            .to_path_buf();
        let release = dir.file_name().is_some_and(|n| n == "release");
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args([
            "build", "--quiet", "-p", "corelog", "-p", "loadgen", "--bins",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
        if release {
            cmd.arg("--release");
        }
        let status = cmd
            .status()
            .expect("running cargo build for corelogd and loadgen");
        assert!(
            status.success(),
            "cargo build of corelogd and loadgen failed"
        );
        dir
    });
    dir.join(name)
}

/// The configuration most tests use: imtcp on `@PORT@`, `%msg%` lines
/// into `@DIR@/out.log`.
pub const TCP_TO_FILE: &str = r#"
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="t" type="string" string="%msg%\n")
*.* action(type="omfile" file="@DIR@/out.log" template="t")
"#;

/// Each of `cases` (parameters, what the error must say), put into
/// `text` where it says `{}`, is refused by corelogd with that error at
/// `line` of its file (`c<N>.conf` in `dir`).
pub fn assert_refused_at(dir: &Path, text: &str, line: u32, cases: &[(&str, &str)]) {
    for (i, (params, want)) in cases.iter().enumerate() {
        let conf = dir.join(format!("c{i}.conf"));
        std::fs::write(&conf, text.replace("{}", params)).expect("writing a configuration");
        let (code, err) = refused_start(&conf);
        assert_eq!(code, Some(1), "{params}: {err}");
        assert!(err.contains(want), "{params}: wanted '{want}' in:\n{err}");
        assert!(
            err.contains(&format!("c{i}.conf:{line}:")),
            "{params}: not at its place:\n{err}"
        );
    }
}

/// Runs `corelogd -f conf` expecting it to refuse to start: returns its
/// exit code and stderr. One still running after 20 s (it started) is
/// killed, and the test fails saying so.
pub fn refused_start(conf: &Path) -> (Option<i32>, String) {
    let mut child = Command::new(bin("corelogd"))
        .args(["-f", &conf.display().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting corelogd");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while child.try_wait().expect("waiting for corelogd").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().expect("corelogd's stderr");
            panic!(
                "corelogd started with {} although it should have refused:\n{}",
                conf.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("corelogd's stderr");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A running corelogd.
pub struct Corelogd {
    child: Option<Child>,
    pub dir: PathBuf,
    /// A free port, substituted for `@PORT@`.
    pub port: u16,
    /// A second free port, substituted for `@PORT2@`.
    pub port2: u16,
}

impl Corelogd {
    /// Starts corelogd in `dir` with `config`, in which `@PORT@`, `@PORT2@`
    /// and `@DIR@` are replaced. Waits until `@PORT@` accepts (when used)
    /// and every `ready` path exists.
    pub fn start(dir: &Path, config: &str, ready: &[&str]) -> Corelogd {
        Corelogd::start_with(dir, config, ready, "", &[])
    }

    /// As [`Corelogd::start`], with a shell prefix (e.g. `ulimit -n 256;`)
    /// and extra arguments.
    pub fn start_with(
        dir: &Path,
        config: &str,
        ready: &[&str],
        shell_prefix: &str,
        args: &[&str],
    ) -> Corelogd {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).expect("creating the test directory");
        let (port, port2) = (free_port(), free_port());
        let config = config
            .replace("@PORT2@", &port2.to_string())
            .replace("@PORT@", &port.to_string())
            .replace("@DIR@", &dir.display().to_string());
        let conf = dir.join("corelog.conf");
        std::fs::write(&conf, &config).expect("writing corelog.conf");
        Corelogd::launch(dir, port, port2, ready, shell_prefix, args)
    }

    /// Starts corelogd again, after [`Corelogd::kill9`] or
    /// [`Corelogd::halt`], with the same directory, config and ports; its
    /// files are kept.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "restart of a running corelogd");
        *self = Corelogd::launch(&self.dir, self.port, self.port2, &[], "", &[]);
    }

    fn launch(
        dir: &Path,
        port: u16,
        port2: u16,
        ready: &[&str],
        shell_prefix: &str,
        args: &[&str],
    ) -> Corelogd {
        let conf = dir.join("corelog.conf");
        let config = std::fs::read_to_string(&conf).expect("reading corelog.conf");
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("corelogd.stderr"))
            .expect("creating stderr file");
        // What this process prints starts here (a restart appends).
        let printed_before = stderr.metadata().map_or(0, |m| m.len()) as usize;
        let pid = if args.contains(&"-i") {
            String::new()
        } else {
            format!("-i {}", dir.join("corelogd.pid").display())
        };
        let script = format!(
            "{shell_prefix} exec {} -n -f {} {pid} {}",
            bin("corelogd").display(),
            conf.display(),
            args.join(" ")
        );
        let child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(stderr))
            .spawn()
            .expect("starting corelogd");
        let mut d = Corelogd {
            child: Some(child),
            dir: dir.to_path_buf(),
            port,
            port2,
        };
        // `port="N"` or a legacy `$InputTCPServerRun N`.
        let uses_port = config.contains(&format!("port=\"{port}\""))
            || config.contains(&format!("ServerRun {port}"));
        wait_for("corelogd to listen", Duration::from_secs(30), || {
            if let Some(Ok(Some(status))) = d.child.as_mut().map(Child::try_wait) {
                panic!(
                    "corelogd exited ({status}) before listening:\n{}",
                    d.stderr()
                );
            }
            // Its own words first: "starting" comes after its signal
            // handlers are installed, so a SIGTERM from here on stops it
            // cleanly. A port that answers may be another test's daemon
            // that took the port after a kill -9; the line cannot be.
            // (Unless the test sent stderr elsewhere.)
            let own = std::fs::read(dir.join("corelogd.stderr")).unwrap_or_default();
            let started = shell_prefix.contains("2>")
                || own
                    .get(printed_before..)
                    .is_some_and(|o| memchr::memmem::find(o, b"corelogd: version").is_some());
            let tcp_ok = !uses_port || TcpStream::connect(("127.0.0.1", port)).is_ok();
            let paths_ok = ready
                .iter()
                .all(|p| Path::new(&p.replace("@DIR@", &dir.display().to_string())).exists());
            (started && tcp_ok && paths_ok).then_some(())
        });
        d
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.join("corelogd.stderr")).unwrap_or_default()
    }

    /// Sends SIGTERM, waits for the exit, asserts it was clean; returns
    /// what it printed.
    pub fn stop(mut self) -> String {
        self.halt()
    }

    /// As [`Corelogd::stop`], keeping the handle for a restart.
    pub fn halt(&mut self) -> String {
        let mut child = self.child.take().expect("running");
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let status = child.wait().expect("waiting for corelogd");
        let err = self.stderr();
        assert!(status.success(), "corelogd exited with {status}:\n{err}");
        err
    }

    /// Kills it with SIGKILL, as a crash or the OOM killer would, and
    /// waits for it to be gone.
    pub fn kill9(&mut self) {
        let mut child = self.child.take().expect("running");
        let _ = child.kill();
        let _ = child.wait();
    }

    /// A path inside the test directory.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }
}

impl Drop for Corelogd {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The `received N messages` figure of corelogd's exit report.
pub fn received(stderr: &str) -> u64 {
    let at = stderr
        .find("received ")
        .unwrap_or_else(|| panic!("no exit report in:\n{stderr}"));
    stderr[at + 9..]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a number after 'received'")
}

/// Runs `loadgen` with `args`; returns its standard output.
pub fn loadgen(args: &[&str]) -> String {
    let out = Command::new(bin("loadgen"))
        .args(args)
        .output()
        .expect("running loadgen");
    assert!(
        out.status.success(),
        "loadgen {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `n` RFC 3164 messages, each with its own time, host and number
/// (` msg N with some text` is its MSG), so a template's output does not
/// depend on the receiver; every fifth is local0.crit (PRI 130), the
/// others of other facilities.
pub fn numbered_frames(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let pri = if i % 5 == 0 { 130 } else { 8 + i % 100 };
            format!(
                "<{pri}>Oct 11 22:14:{:02} host{} app[{i}]: msg {i} with some text",
                i % 60,
                i % 3
            )
        })
        .collect()
}

/// Sends `msgs` over one TCP connection to 127.0.0.1:`port`,
/// octet-counted, in order.
pub fn send_octet_counted(port: u16, msgs: &[String]) {
    use std::io::Write;
    let mut out = Vec::new();
    for m in msgs {
        write!(out, "{} {m}", m.len()).expect("writing to a Vec");
    }
    TcpStream::connect(("127.0.0.1", port))
        .and_then(|mut s| s.write_all(&out))
        .expect("sending to the daemon");
}

/// Sends `count` loadgen messages (`msgnum:CC:NNNNNNNN:`, 256 bytes) to
/// 127.0.0.1:`port` over `conns` TCP connections, as fast as it can.
pub fn send(port: u16, count: u64, conns: usize) {
    send_with(port, count, conns, &[]);
}

/// [`send`], with more loadgen options (`--rate N`, ...).
pub fn send_with(port: u16, count: u64, conns: usize, more: &[&str]) {
    let (target, count, conns) = (
        format!("127.0.0.1:{port}"),
        count.to_string(),
        conns.to_string(),
    );
    let mut args = vec![
        "send", "--target", &target, "--count", &count, "--conns", &conns,
    ];
    args.extend_from_slice(more);
    loadgen(&args);
}

/// Waits (up to a minute) until the file at `path` has `n` lines.
pub fn wait_lines(path: &Path, n: usize) {
    wait_for(
        &format!("{n} lines in {}", path.display()),
        Duration::from_secs(60),
        || (std::fs::read_to_string(path).map_or(0, |t| t.lines().count()) == n).then_some(()),
    );
}

/// Per-connection sequence check of lines carrying `msgnum:CC:NNNNNNNN:`:
/// returns (lines, connections) and panics on a gap, duplicate or
/// reordering within a connection (every connection must be a prefix
/// 0, 1, 2, … of what was sent).
pub fn check_prefix_order(text: &str) -> (u64, usize) {
    let (lines, conns, partial) = check_prefix_order_partial(text);
    assert_eq!(partial, 0, "lines without a whole msgnum");
    (lines, conns)
}

/// As [`check_prefix_order`], but lines without a whole
/// `msgnum:CC:NNNNNNNN:` (a frame cut by a shutdown mid-stream) are
/// counted apart: returns (ordered lines, connections, cut lines).
pub fn check_prefix_order_partial(text: &str) -> (u64, usize, u64) {
    let mut next: std::collections::HashMap<u32, u64> = Default::default();
    let (mut lines, mut partial) = (0, 0);
    for line in text.lines() {
        let parsed = line.find("msgnum:").and_then(|at| {
            let mut f = line[at + 7..].split(':');
            let conn: u32 = f.next()?.parse().ok()?;
            let seq = f.next().filter(|s| s.len() == 8)?.parse::<u64>().ok()?;
            f.next()?;
            Some((conn, seq))
        });
        let Some((conn, seq)) = parsed else {
            partial += 1;
            continue;
        };
        let want = next.entry(conn).or_insert(0);
        assert_eq!(
            seq, *want,
            "connection {conn}: expected message {want}, found {seq}"
        );
        *want += 1;
        lines += 1;
    }
    (lines, next.len(), partial)
}

/// Per connection, the messages (`msgnum:CC:NNNNNNNN:`) received must be
/// exactly 0..=max, each at least once: no hole. Returns (unique,
/// duplicates, connections).
pub fn check_no_holes(text: &str) -> (u64, u64, usize) {
    let h = holes(text);
    assert!(
        h.first_hole.is_none(),
        "{}",
        h.first_hole.unwrap_or_default()
    );
    (h.unique, h.duplicates, h.connections)
}

/// What [`holes`] found.
#[derive(Debug, Default)]
pub struct Holes {
    pub unique: u64,
    pub duplicates: u64,
    pub connections: usize,
    /// Messages missing below the last one received of their connection:
    /// lost, not merely never read.
    pub missing: u64,
    /// The first such, said in words.
    pub first_hole: Option<String>,
}

/// Counts, per connection, the messages (`msgnum:CC:NNNNNNNN:`) received,
/// received twice, and missing below the last one received.
pub fn holes(text: &str) -> Holes {
    let mut seen: std::collections::BTreeMap<u32, Vec<bool>> = Default::default();
    let mut h = Holes::default();
    for line in text.lines() {
        let Some(at) = line.find("msgnum:") else {
            panic!("a line without a msgnum: {line:?}")
        };
        let mut f = line[at + 7..].split(':');
        let conn: u32 = f.next().unwrap().parse().unwrap();
        let seq: usize = f.next().unwrap().parse().unwrap();
        let v = seen.entry(conn).or_default();
        if v.len() <= seq {
            v.resize(seq + 1, false);
        }
        if std::mem::replace(&mut v[seq], true) {
            h.duplicates += 1;
        }
    }
    for (conn, v) in &seen {
        let got = v.iter().filter(|b| **b).count() as u64;
        h.unique += got;
        h.missing += v.len() as u64 - got;
        if let Some(hole) = v.iter().position(|&b| !b) {
            h.first_hole.get_or_insert_with(|| {
                format!(
                    "connection {conn}: message {hole} is missing, but {} later ones arrived",
                    v.len() - hole - 1
                )
            });
        }
    }
    h.connections = seen.len();
    h
}
