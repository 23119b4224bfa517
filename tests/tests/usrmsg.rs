//! omusrmsg on a real terminal: a pseudo-terminal logged in through
//! `utmp` (as `login` records a session, with `pututxline`), and
//! messages for one user (`action(type="omusrmsg" users=…)`), for
//! everyone (Debian's `*.emerg :omusrmsg:*`, with rsyslog's wall text)
//! and for a user who is not logged in (nothing written, nothing
//! failing). (That Debian's own `/etc/rsyslog.conf` then checks with no
//! error and no warning is `engine/tests/cli.rs`'s.)

use std::ffi::CStr;
use std::io::{Read, Write};
use std::os::fd::FromRawFd;
use std::time::{Duration, Instant};

use corelog_tests::daemon::Corelogd;

const USER: &str = "corelogtest";

/// The tests here share the system's utmp (a wall reaches every session):
/// one at a time.
static UTMP_USERS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A pseudo-terminal: the master end to read what is written to the
/// slave, and the slave's name (`pts/N`).
fn pty() -> (std::fs::File, String) {
    // SAFETY: plain libc calls on a descriptor this function owns; the
    // name buffer is large enough and NUL-terminated by ptsname_r.
    unsafe {
        let fd = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_NONBLOCK);
        assert!(fd >= 0, "posix_openpt");
        assert_eq!(libc::grantpt(fd), 0);
        assert_eq!(libc::unlockpt(fd), 0);
        let mut name = [0 as libc::c_char; 64];
        assert_eq!(libc::ptsname_r(fd, name.as_mut_ptr(), name.len()), 0);
        let name = CStr::from_ptr(name.as_ptr()).to_str().unwrap().to_string();
        let line = name.strip_prefix("/dev/").unwrap().to_string();
        (std::fs::File::from_raw_fd(fd), line)
    }
}

/// Records (or ends, with `DEAD_PROCESS`) a login session of `USER` on
/// `line` in the system's utmp.
fn utmp(line: &str, kind: libc::c_short) {
    if !std::path::Path::new("/var/run/utmp").exists() {
        std::fs::write("/var/run/utmp", b"").expect("creating /var/run/utmp (tests run as root)");
    }
    // SAFETY: an all-zero utmpx is a valid entry; the copies stay inside
    // the fixed arrays; pututxline reads the entry and returns.
    unsafe {
        let mut u: libc::utmpx = std::mem::zeroed();
        u.ut_type = kind;
        u.ut_pid = std::process::id() as libc::pid_t;
        for (d, s) in u.ut_line.iter_mut().zip(line.bytes()) {
            *d = s as libc::c_char;
        }
        let id = line.rsplit('/').next().unwrap();
        for (d, s) in u.ut_id.iter_mut().zip(format!("c{id}").bytes()) {
            *d = s as libc::c_char;
        }
        for (d, s) in u.ut_user.iter_mut().zip(USER.bytes()) {
            *d = s as libc::c_char;
        }
        libc::setutxent();
        assert!(!libc::pututxline(&u).is_null(), "pututxline");
        libc::endutxent();
    }
}

/// What the terminal shows within `wait` (until `want` is in it).
fn read_until(master: &mut std::fs::File, want: &str, wait: Duration) -> String {
    let mut got = Vec::new();
    let end = Instant::now() + wait;
    while Instant::now() < end {
        let mut buf = [0u8; 4096];
        match master.read(&mut buf) {
            Ok(n) if n > 0 => got.extend_from_slice(&buf[..n]),
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
        if String::from_utf8_lossy(&got).contains(want) {
            break;
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

#[test]
fn messages_reach_logged_in_terminals() {
    let _one = UTMP_USERS.lock().unwrap_or_else(|e| e.into_inner());
    let (mut master, line) = pty();
    // The slave end open, as a login shell holds it.
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(format!("/dev/{line}"))
        .unwrap();
    utmp(&line, libc::USER_PROCESS);
    let dir = std::env::temp_dir().join(format!("corelog-usrmsg-{}", std::process::id()));
    let d = Corelogd::start(
        &dir,
        &format!(
            r#"
module(load="imtcp")
input(type="imtcp" port="@PORT@")
local0.* action(type="omusrmsg" users="nobody-here, {USER}")
local1.* :omusrmsg:nobody-here
*.emerg :omusrmsg:*
template(name="custom" type="string" string="CUSTOM[%programname%]%msg%\n")
local2.* action(type="omusrmsg" users="{USER}" template="custom")
*.* action(type="omfile" file="@DIR@/all.log")
"#
        ),
        &[],
    );
    let mut s = std::net::TcpStream::connect(("127.0.0.1", d.port)).unwrap();
    s.write_all(b"<134>Oct 11 22:14:15 h app: for one user\n")
        .unwrap();
    let one = read_until(&mut master, "for one user", Duration::from_secs(20));
    s.write_all(b"<142>Oct 11 22:14:15 h app: for nobody\n")
        .unwrap();
    s.write_all(b"<8>Oct 11 22:14:15 h kern: for everyone\n")
        .unwrap();
    let all = read_until(&mut master, "for everyone", Duration::from_secs(20));
    s.write_all(b"<150>Oct 11 22:14:15 h app: with its template\n")
        .unwrap();
    let custom = read_until(&mut master, "with its template", Duration::from_secs(20));
    drop(s);
    let stderr = d.stop();
    utmp(&line, libc::DEAD_PROCESS);
    drop(slave);
    // rsyslog's StdUsrMsgFmt: " %syslogtag%%msg%\n\r" (the terminal turns
    // \n into \r\n).
    assert_eq!(one, " app: for one user\r\n\r", "{stderr}");
    assert!(!all.contains("for nobody"), "{all}");
    // rsyslog's WallFmt, with the bell.
    assert!(
        all.starts_with("\r\r\n\x07Message from syslogd@h at ")
            && all.ends_with(" ...\r\r\n kern: for everyone\r\n\r"),
        "{all:?}"
    );
    // A template of the action's own.
    assert!(
        custom.ends_with("CUSTOM[app] with its template\r\n"),
        "{custom:?}"
    );
    let written = std::fs::read_to_string(dir.join("all.log")).unwrap();
    assert_eq!(written.lines().count(), 4, "{written}");
    assert!(!stderr.contains("failed"), "{stderr}");
}

/// Forged `utmp` entries (its group may write it) cannot aim corelogd at
/// a file: a terminal name that is a symbolic link to a file, and a line
/// that climbs out of `/dev`, are both left alone, while the message is
/// delivered elsewhere as usual.
#[test]
fn forged_utmp_entries_write_no_file() {
    let _one = UTMP_USERS.lock().unwrap_or_else(|e| e.into_inner());
    let pid = std::process::id();
    let target = std::env::temp_dir().join(format!("corelog-forged-{pid}"));
    std::fs::write(&target, b"").unwrap();
    let link_name = format!("ttyCL{}", pid % 100_000);
    let link = std::path::PathBuf::from(format!("/dev/{link_name}"));
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&target, &link).expect("a symlink in /dev (tests run as root)");
    let climb = format!("../tmp/corelog-forged-{pid}");
    utmp(&link_name, libc::USER_PROCESS);
    utmp(&climb, libc::USER_PROCESS);
    let dir = std::env::temp_dir().join(format!("corelog-usrmsg-forged-{pid}"));
    let d = Corelogd::start(
        &dir,
        r#"
module(load="imtcp")
input(type="imtcp" port="@PORT@")
*.emerg :omusrmsg:*
*.* action(type="omfile" file="@DIR@/all.log")
"#,
        &[],
    );
    let mut s = std::net::TcpStream::connect(("127.0.0.1", d.port)).unwrap();
    s.write_all(b"<8>Oct 11 22:14:15 h kern: to everyone\n")
        .unwrap();
    drop(s);
    corelog_tests::daemon::wait_lines(&d.path("all.log"), 1);
    let stderr = d.stop();
    utmp(&link_name, libc::DEAD_PROCESS);
    utmp(&climb, libc::DEAD_PROCESS);
    let _ = std::fs::remove_file(&link);
    let written = std::fs::read(&target).unwrap();
    let _ = std::fs::remove_file(&target);
    assert!(
        written.is_empty(),
        "a forged entry was written to: {written:?}\n{stderr}"
    );
}
