//! systemd's protocols, with systemd's own tool and as a service manager
//! drives them: readiness (`READY=1` once inputs are bound, `STOPPING=1`
//! at SIGTERM, on a `NOTIFY_SOCKET` this test listens on) and socket
//! activation (`LISTEN_FDS`): a unix datagram socket (the system socket),
//! a TCP and a UDP listener passed to corelogd, which listens on them
//! instead of binding; corelogd restarted while Python's `SysLogHandler`
//! sends to the system socket loses none of its messages.

use std::io::Write;
use std::net::{TcpListener, UdpSocket};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixDatagram;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use corelog_tests::daemon::{bin, wait_lines};
use corelog_tests::rsyslogd::free_port;
use corelog_tests::wait_for;

/// Messages Python sends across the restart.
const SENT: usize = 20_000;

/// What systemd would hold for the service: the sockets and the
/// notification socket.
struct Manager {
    dir: PathBuf,
    system: UnixDatagram,
    tcp: TcpListener,
    udp: UdpSocket,
    notify: UnixDatagram,
    tcp_port: u16,
    udp_port: u16,
}

impl Manager {
    fn new(dir: &Path) -> Manager {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).unwrap();
        let (tcp_port, udp_port) = (free_port(), free_port());
        let notify = UnixDatagram::bind(dir.join("notify")).unwrap();
        notify
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        Manager {
            dir: dir.to_path_buf(),
            system: UnixDatagram::bind(dir.join("log")).unwrap(),
            tcp: TcpListener::bind(("127.0.0.1", tcp_port)).unwrap(),
            udp: UdpSocket::bind(("127.0.0.1", udp_port)).unwrap(),
            notify,
            tcp_port,
            udp_port,
        }
    }

    /// Starts corelogd with the three sockets as fds 3, 4, 5.
    fn start(&self) -> Child {
        let conf = self.dir.join("corelog.conf");
        std::fs::write(
            &conf,
            format!(
                r#"
module(load="imuxsock" sysSock.use="off")
input(type="imuxsock" socket="{d}/log")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="{t}")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="{u}")
template(name="m" type="string" string="%msg%\n")
action(type="omfile" file="{d}/all.log" template="m")
"#,
                d = self.dir.display(),
                t = self.tcp_port,
                u = self.udp_port
            ),
        )
        .unwrap();
        let fds = [
            self.system.as_raw_fd(),
            self.tcp.as_raw_fd(),
            self.udp.as_raw_fd(),
        ];
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!(
                "LISTEN_PID=$$ LISTEN_FDS=3 NOTIFY_SOCKET={} exec {} -n -f {}",
                self.dir.join("notify").display(),
                bin("corelogd").display(),
                conf.display()
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(self.dir.join("corelogd.stderr"))
                    .unwrap(),
            ));
        // SAFETY: between fork and exec only fcntl, dup2 and close, which
        // are async-signal safe, run; they give the child the sockets as 3,
        // 4 and 5. Each is first copied above them: a socket that already
        // had its target number would keep its close-on-exec flag (dup2 of
        // a descriptor onto itself changes nothing), and one whose number
        // is another's target would be overwritten before it was moved.
        // Tests running beside this one decide which numbers the sockets
        // get, so both happened.
        unsafe {
            cmd.pre_exec(move || {
                let mut high = [0; 3];
                for (h, fd) in high.iter_mut().zip(fds) {
                    *h = libc::fcntl(fd, libc::F_DUPFD, 64);
                    if *h < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                for (i, h) in high.into_iter().enumerate() {
                    if libc::dup2(h, 3 + i as i32) < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    libc::close(h);
                }
                Ok(())
            });
        }
        cmd.spawn().expect("starting corelogd")
    }

    /// The next notification that contains `what`.
    fn wait_notify(&self, what: &str) -> String {
        let mut buf = [0u8; 4096];
        loop {
            let n = self
                .notify
                .recv(&mut buf)
                .unwrap_or_else(|e| panic!("no {what} from corelogd: {e}"));
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            if text.contains(what) {
                return text;
            }
        }
    }
}

fn stop(mut c: Child) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(c.id().to_string())
        .status();
    let status = c.wait().unwrap();
    assert!(status.success(), "corelogd exited with {status}");
}

#[test]
fn passed_sockets_survive_a_restart_and_readiness_is_notified() {
    let dir = std::env::temp_dir().join(format!("corelog-systemd-{}", std::process::id()));
    let m = Manager::new(&dir);
    let first = m.start();
    let ready = m.wait_notify("READY=1");
    assert!(
        ready.contains("STATUS=Processing messages: 3 input(s)"),
        "{ready}"
    );
    // Inputs on the passed sockets: the system socket's file is the
    // manager's and stays.
    let mut s = std::net::TcpStream::connect(("127.0.0.1", m.tcp_port)).unwrap();
    writeln!(s, "<13>Oct 11 22:14:15 h app: over the passed tcp socket").unwrap();
    drop(s);
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .send_to(
            b"<13>Oct 11 22:14:15 h app: over the passed udp socket",
            ("127.0.0.1", m.udp_port),
        )
        .unwrap();
    wait_lines(&dir.join("all.log"), 2);
    // Python sends to the system socket while corelogd restarts.
    let python = Command::new("python3")
        .arg("-c")
        .arg(
            "import logging, logging.handlers, sys\n\
             h = logging.handlers.SysLogHandler(address=sys.argv[1])\n\
             l = logging.getLogger('t'); l.addHandler(h); l.setLevel(logging.INFO)\n\
             for i in range(int(sys.argv[2])): l.info('py: n %d', i)\n",
        )
        .arg(dir.join("log"))
        .arg(SENT.to_string())
        .spawn()
        .expect("python3");
    wait_for("the first messages", Duration::from_secs(30), || {
        let n = std::fs::read_to_string(dir.join("all.log")).map_or(0, |t| t.lines().count());
        (n > 100).then_some(())
    });
    stop(first);
    m.wait_notify("STOPPING=1");
    assert!(
        dir.join("log").exists(),
        "the system socket's file is the manager's"
    );
    let second = m.start();
    m.wait_notify("READY=1");
    let out = python.wait_with_output().unwrap();
    assert!(out.status.success());
    wait_lines(&dir.join("all.log"), SENT + 2);
    stop(second);
    let text = std::fs::read_to_string(dir.join("all.log")).unwrap();
    let mut seen = vec![false; SENT];
    for l in text.lines() {
        let digits = |t: &str| -> String { t.chars().take_while(char::is_ascii_digit).collect() };
        if let Some(n) = l
            .trim()
            .strip_prefix("n ")
            .and_then(|t| digits(t).parse::<usize>().ok())
        {
            assert!(!seen[n], "message {n} twice");
            seen[n] = true;
        }
    }
    let missing: Vec<usize> = (0..SENT).filter(|&i| !seen[i]).collect();
    assert!(
        missing.is_empty(),
        "{} lost across the restart, first {:?}; the file starts {:?}",
        missing.len(),
        &missing[..missing.len().min(10)],
        text.lines().take(3).collect::<Vec<_>>()
    );
    assert!(
        text.contains("over the passed tcp socket") && text.contains("over the passed udp socket")
    );
}

/// systemd's own `systemd-socket-activate` (Debian's `systemd` package)
/// passes a TCP listener; corelogd takes it over.
#[test]
fn systemd_socket_activate_passes_a_listener() {
    let tool = "/usr/bin/systemd-socket-activate";
    assert!(
        Path::new(tool).exists(),
        "{tool} not found: install Debian's `systemd` package"
    );
    let dir = std::env::temp_dir().join(format!("corelog-socket-activate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let conf = dir.join("corelog.conf");
    std::fs::write(
        &conf,
        format!(
            "module(load=\"imtcp\")\ninput(type=\"imtcp\" address=\"127.0.0.1\" port=\"{port}\")\ntemplate(name=\"m\" type=\"string\" string=\"%msg%\\n\")\naction(type=\"omfile\" file=\"{}/all.log\" template=\"m\")\n",
            dir.display()
        ),
    )
    .unwrap();
    let mut child = Command::new(tool)
        .arg("-l")
        .arg(format!("127.0.0.1:{port}"))
        .arg(bin("corelogd"))
        .arg("-n")
        .arg("-f")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::File::create(dir.join("stderr")).unwrap(),
        ))
        .spawn()
        .expect("systemd-socket-activate");
    // The tool execs corelogd on the first connection.
    let mut s = wait_for("the passed listener", Duration::from_secs(10), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).ok()
    });
    writeln!(s, "<13>Oct 11 22:14:15 h app: activated").unwrap();
    drop(s);
    wait_lines(&dir.join("all.log"), 1);
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let _ = child.wait();
    let err = std::fs::read_to_string(dir.join("stderr")).unwrap();
    assert!(!err.contains("that no input listens on"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.join("all.log")).unwrap(),
        " activated\n"
    );
}

/// The unit file corelog ships passes `systemd-analyze verify` (with
/// ExecStart pointed at the corelogd just built).
#[test]
fn the_unit_file_verifies() {
    let unit = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist/systemd/corelog.service");
    let text = std::fs::read_to_string(&unit).expect("dist/systemd/corelog.service");
    assert!(text.contains("Type=notify") && text.contains("Alias=syslog.service"));
    let dir = std::env::temp_dir().join(format!("corelog-unit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    corelog_tests::verify_unit(&text, &bin("corelogd"), &dir);
}
