//! imklog against the real rsyslogd 8.2302: the same kernel-format lines
//! written to a FIFO given as `LogPath` of each daemon, under each of
//! imklog's switches, rendered the same (PRI, tag, host, input name,
//! rawmsg, msg, and the time a parsed kernel timestamp gives); and
//! `/dev/kmsg` read as `/proc/kmsg` would give it. immark's marks, and
//! `action.writeAllMarkMessages="off"` skipping them.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::Duration;

use corelog_tests::daemon::Corelogd;
use corelog_tests::rsyslogd::Rsyslogd;
use corelog_tests::wait_for;

/// The lines written, in kernel form (the last one is the sentinel both
/// daemons must log).
const LINES: &[&str] = &[
    "<6>[   12.345678] usb 1-1: new high-speed USB device",
    "<4>[ 3600.500000] CPU0: Core temperature above threshold",
    "<3>[    0.000001] ACPI Error: no handler",
    "<0>[  100.250000] Kernel panic - not syncing",
    // rsyslog looks for the time only after a three-byte PRI.
    "<12>[   5.000000] a user message through the kernel",
    // systemd's second PRI, and after a time.
    "<6><30>systemd[1]: Started Journal Service.",
    "<6>[    7.750000] <30>systemd[1]: second PRI after the time",
    // A second PRI below 8 is not one.
    "<6><3>not a second pri",
    // No PRI: kern.info.
    "no pri at all",
    "[   9.000000] a time but no pri",
    // Not quite a time.
    "<6>[12.5 no closing bracket",
    "<6>[ abc] letters",
    "<5>[   42.000000]",
    "<13>user facility",
    "<191>local7.debug",
    "<192>beyond the highest pri",
    "<6>[   99.999999] sentinel",
];

const SWITCHES: &[(&str, &str)] = &[
    ("defaults", ""),
    (
        "parsed",
        r#"parseKernelTimestamp="on" permitNonKernelFacility="on""#,
    ),
    (
        "kept",
        r#"parseKernelTimestamp="on" keepKernelTimestamp="on" permitNonKernelFacility="on""#,
    ),
    ("legacy", ""),
];

const TEMPLATE: &str = r#"template(name="t" type="string" string="%pri%|%syslogtag%|%programname%|%hostname%|%fromhost-ip%|%inputname%|%rawmsg%|%msg%|@TIME@\n")"#;

fn config(name: &str, switches: &str, fifo: &Path, parsed: bool) -> String {
    let module = match name {
        "legacy" => format!(
            "$ModLoad imklog\n$KLogPath {}\n$KLogPermitNonKernelFacility on\n",
            fifo.display()
        ),
        _ => format!(
            "module(load=\"imklog\" logPath=\"{}\" {switches})\n",
            fifo.display()
        ),
    };
    // The time to the second (both daemons date a kernel timestamp by
    // the boot time they read, microseconds apart); only where parsed.
    let time = if parsed {
        "%timereported:::date-rfc3339%"
    } else {
        "-"
    };
    format!(
        "{module}module(load=\"imtcp\")\ninput(type=\"imtcp\" port=\"@PORT@\")\n{}\n:inputname, isequal, \"imklog\" action(type=\"omfile\" file=\"@DIR@/out.log\" template=\"t\")\n",
        TEMPLATE.replace("@TIME@", time)
    )
}

/// A FIFO with a writer held open (so that rsyslogd's blocking open
/// returns, and a reader sees no end of file between writes).
fn fifo(path: &Path) -> std::fs::File {
    let _ = std::fs::remove_file(path);
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: `c` is a valid NUL-terminated path.
    assert_eq!(
        unsafe { libc::mkfifo(c.as_ptr(), 0o600) },
        0,
        "mkfifo {path:?}"
    );
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .expect("opening the FIFO")
}

fn logged(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            // Seconds: cut the fraction off an RFC 3339 time.
            match l.rsplit_once('|') {
                Some((head, t)) if t.len() > 19 => {
                    format!("{head}|{}{}", &t[..19], &t[t.len() - 6..])
                }
                _ => l.to_string(),
            }
        })
        .collect()
}

#[test]
fn kernel_lines_render_as_rsyslog_renders_them() {
    let base = std::env::temp_dir().join(format!("corelog-klog-{}", std::process::id()));
    let mut batch = LINES.join("\n");
    batch.push('\n');
    for (name, switches) in SWITCHES {
        let parsed = switches.contains("parseKernelTimestamp");
        let (cdir, rdir) = (
            base.join(name).join("corelog"),
            base.join(name).join("rsyslog"),
        );
        std::fs::create_dir_all(&cdir).unwrap();
        std::fs::create_dir_all(&rdir).unwrap();
        let (cfifo, rfifo) = (
            base.join(name).join("c.fifo"),
            base.join(name).join("r.fifo"),
        );
        let mut cw = fifo(&cfifo);
        let mut rw = fifo(&rfifo);
        let r = Rsyslogd::start(&rdir, &config(name, switches, &rfifo, parsed));
        let c = Corelogd::start(&cdir, &config(name, switches, &cfifo, parsed), &[]);
        // One write each: rsyslog ends a line where a read ends.
        cw.write_all(batch.as_bytes()).unwrap();
        rw.write_all(batch.as_bytes()).unwrap();
        for dir in [&cdir, &rdir] {
            wait_for("the sentinel", Duration::from_secs(20), || {
                logged(&dir.join("out.log"))
                    .iter()
                    .any(|l| l.contains("sentinel"))
                    .then_some(())
            });
        }
        r.stop();
        c.stop();
        let (ours, theirs) = (logged(&cdir.join("out.log")), logged(&rdir.join("out.log")));
        assert!(ours.len() >= 3, "{name}: {ours:#?}");
        assert_eq!(ours, theirs, "{name}: corelogd (left) and rsyslogd (right)");
    }
}

#[test]
fn dev_kmsg_is_read_as_proc_kmsg_would_give_it() {
    let dir = std::env::temp_dir().join(format!("corelog-kmsg-{}", std::process::id()));
    let mut d = Corelogd::start(
        &dir,
        r#"
global(workDirectory="@DIR@")
module(load="imklog" logPath="/dev/kmsg" permitNonKernelFacility="on" parseKernelTimestamp="on")
template(name="t" type="string" string="%pri%|%syslogtag%|%msg%\n")
:inputname, isequal, "imklog" action(type="omfile" file="@DIR@/out.log" template="t")
"#,
        &[],
    );
    let mark = format!("corelog-kmsg-test-{}", std::process::id());
    // Userspace writes to /dev/kmsg: facility user unless said.
    let mut k = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/kmsg")
        .expect("writing /dev/kmsg needs root (tests run as root in CI)");
    // With its newline: the kernel holds a line without one, waiting for
    // its end.
    k.write_all(format!("<13>{mark}\n").as_bytes()).unwrap();
    let line = wait_for("the record", Duration::from_secs(20), || {
        std::fs::read_to_string(d.path("out.log"))
            .unwrap_or_default()
            .lines()
            .find(|l| l.contains(&mark))
            .map(str::to_string)
    });
    // Restarted in the same boot: it goes on after the last record it
    // took (kept in the work directory), so the first is not logged again.
    d.halt();
    d.restart();
    let second = format!("{mark}-after-restart");
    k.write_all(format!("<13>{second}\n").as_bytes()).unwrap();
    wait_for(
        "the record after the restart",
        Duration::from_secs(20),
        || {
            std::fs::read_to_string(d.path("out.log"))
                .unwrap_or_default()
                .contains(&second)
                .then_some(())
        },
    );
    // Killed (kill -9) with a memory queue: the position was kept only at
    // the clean stop, so the second record is logged again after the
    // restart — read twice rather than skipped.
    d.kill9();
    let before = std::fs::read_to_string(d.path("out.log")).unwrap_or_default();
    let seen_before = before.lines().filter(|l| l.ends_with(&second)).count();
    d.restart();
    let third = format!("{mark}-after-kill");
    k.write_all(format!("<13>{third}\n").as_bytes()).unwrap();
    wait_for("the record after the kill", Duration::from_secs(20), || {
        std::fs::read_to_string(d.path("out.log"))
            .unwrap_or_default()
            .contains(&third)
            .then_some(())
    });
    d.stop();
    let all = std::fs::read_to_string(dir.join("out.log")).unwrap();
    assert_eq!(
        all.lines().filter(|l| l.ends_with(&second)).count(),
        seen_before + 1,
        "the record taken before the kill is read again, not skipped"
    );
    assert_eq!(
        all.lines()
            .filter(|l| l.ends_with(&format!("] {mark}")))
            .count(),
        1,
        "the record before the restart, once"
    );
    // PRI 13 is four bytes: rsyslog looks for no time after it, so the
    // line keeps the kernel's `[secs.usecs]`.
    let text = line.strip_prefix("13|kernel:|[").expect(&line);
    let (time, rest) = text.split_once("] ").expect(&line);
    assert_eq!(rest, mark);
    assert!(
        time.trim_start()
            .split_once('.')
            .is_some_and(|(s, us)| s.parse::<u64>().is_ok() && us.len() == 6),
        "{line}"
    );
}

#[test]
fn marks_every_interval_and_skipped_by_busy_actions() {
    let dir = std::env::temp_dir().join(format!("corelog-mark-{}", std::process::id()));
    let d = Corelogd::start(
        &dir,
        r#"
module(load="immark" interval="4" use.syslogCall="off")
module(load="imtcp")
input(type="imtcp" port="@PORT@")
template(name="t" type="string" string="%pri%|%syslogtag%|%inputname%|%msg%\n")
action(type="omfile" file="@DIR@/all.log" template="t")
action(type="omfile" file="@DIR@/busy.log" template="t" action.writeAllMarkMessages="off")
"#,
        &[],
    );
    // Traffic every 200 ms to both actions for 5 s: the busy one skips
    // the mark at 4 s (its last message is less than half the interval,
    // 2 s, before).
    let mut s = std::net::TcpStream::connect(("127.0.0.1", d.port)).unwrap();
    for i in 0..25 {
        s.write_all(format!("<13>Oct 11 22:14:15 h app: m{i}\n").as_bytes())
            .unwrap();
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(s);
    // Then quiet: the next mark reaches the busy action too.
    let dir = d.dir.clone();
    let marks = |f: &str| {
        std::fs::read_to_string(dir.join(f))
            .unwrap_or_default()
            .lines()
            .filter(|l| l.ends_with("|immark|-- MARK --"))
            .count()
    };
    wait_for("a mark in the quiet", Duration::from_secs(20), || {
        (marks("busy.log") >= 1 && marks("all.log") >= 2).then_some(())
    });
    d.stop();
    let all = std::fs::read_to_string(dir.join("all.log")).unwrap();
    assert!(marks("all.log") >= 2, "{all}");
    assert!(all.contains("46|corelogd:|immark|-- MARK --"), "{all}");
    assert!(marks("busy.log") < marks("all.log"), "{all}");
}

/// imklog waiting for room in a full queue (its only action is down)
/// does not hold up shutdown: SIGTERM stops corelogd within its
/// `queue.timeoutShutdown`.
#[test]
fn a_full_queue_does_not_hold_up_shutdown() {
    let base = std::env::temp_dir().join(format!("corelog-klog-full-{}", std::process::id()));
    std::fs::create_dir_all(&base).unwrap();
    let path = base.with_extension("fifo");
    let mut w = fifo(&path);
    let mut d = Corelogd::start(
        &base,
        &format!(
            r#"
main_queue(queue.size="10" queue.timeoutShutdown="1000")
module(load="imklog" logPath="{}")
action(type="omfwd" target="127.0.0.1" port="@PORT2@" protocol="tcp" action.resumeRetryCount="-1")
"#,
            path.display()
        ),
        &[],
    );
    let lines: String = (0..500).map(|i| format!("<6>line {i}\n")).collect();
    w.write_all(lines.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_secs(1));
    let pid = d.pid();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = d.halt();
        let _ = tx.send(());
    });
    if rx.recv_timeout(Duration::from_secs(30)).is_err() {
        let _ = std::process::Command::new("kill")
            .arg("-9")
            .arg(pid.to_string())
            .status();
        panic!("corelogd did not stop within 30 s of SIGTERM with imklog waiting for room");
    }
    let _ = std::fs::remove_file(&path);
}

/// The settings that shape what imklog and immark deliver: imklog's rate
/// limit and ruleset, its console level (set while it runs, the level
/// before put back at exit), immark's text, and its marks going
/// through the rules as corelogd's own messages do.
#[test]
fn imklog_and_immark_settings_do_what_they_say() {
    let base = std::env::temp_dir().join(format!("corelog-klog-settings-{}", std::process::id()));
    std::fs::create_dir_all(&base).unwrap();
    let path = base.with_extension("fifo");
    let mut w = fifo(&path);
    let printk = || {
        std::fs::read_to_string("/proc/sys/kernel/printk")
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    };
    let level_before = printk();
    let d = Corelogd::start(
        &base,
        &format!(
            r#"
global(processInternalMessages="on")
module(load="imklog" logPath="{}" ratelimitInterval="600" ratelimitBurst="3" ruleset="kernel" consoleLogLevel="2")
module(load="immark" interval="1" markMessageText="-- tick --")
template(name="t" type="string" string="%inputname%|%msg%\n")
ruleset(name="kernel") {{ action(type="omfile" file="@DIR@/kernel.log" template="t") }}
action(type="omfile" file="@DIR@/main.log" template="t")
"#,
            path.display()
        ),
        &[],
    );
    // The console level is corelogd's while it runs.
    wait_for("the console level set", Duration::from_secs(10), || {
        (printk() == "2").then_some(())
    });
    let lines: String = (0..10).map(|i| format!("<6>kernel line {i}\n")).collect();
    w.write_all(lines.as_bytes()).unwrap();
    wait_for(
        "a tick and the kernel lines",
        Duration::from_secs(20),
        || {
            let main = std::fs::read_to_string(d.path("main.log")).unwrap_or_default();
            let kernel = std::fs::read_to_string(d.path("kernel.log")).unwrap_or_default();
            (main.contains("immark|-- tick --") && kernel.lines().count() >= 3).then_some(())
        },
    );
    std::thread::sleep(Duration::from_millis(500));
    d.stop();
    let kernel = std::fs::read_to_string(base.join("kernel.log")).unwrap();
    assert_eq!(
        kernel, "imklog|kernel line 0\nimklog|kernel line 1\nimklog|kernel line 2\n",
        "ratelimitBurst=3 in the kernel ruleset"
    );
    let main = std::fs::read_to_string(base.join("main.log")).unwrap();
    assert!(!main.contains("imklog|"), "{main}");
    // The level in force before is put back at exit.
    assert_eq!(printk(), level_before);
    let _ = std::fs::remove_file(&path);
}

/// immark with a ruleset of its own and `use.markFlag="off"`: the marks
/// go only into that ruleset, and, not flagged, are written even by an
/// action with `writeAllMarkMessages="off"` that is busy.
#[test]
fn marks_into_a_ruleset_without_the_mark_flag() {
    let dir = std::env::temp_dir().join(format!("corelog-mark-flag-{}", std::process::id()));
    let d = Corelogd::start(
        &dir,
        r#"
module(load="immark" interval="2" ruleset="marks" use.markFlag="off")
module(load="imtcp")
input(type="imtcp" port="@PORT@" ruleset="marks")
template(name="t" type="string" string="%inputname%|%msg%\n")
ruleset(name="marks") {
  action(type="omfile" file="@DIR@/busy.log" template="t" action.writeAllMarkMessages="off")
}
action(type="omfile" file="@DIR@/main.log" template="t")
"#,
        &[],
    );
    let mut s = std::net::TcpStream::connect(("127.0.0.1", d.port)).unwrap();
    for i in 0..30 {
        s.write_all(format!("<13>Oct 11 22:14:15 h app: m{i}\n").as_bytes())
            .unwrap();
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(s);
    let dir = d.dir.clone();
    d.stop();
    let busy = std::fs::read_to_string(dir.join("busy.log")).unwrap();
    let marks = busy.lines().filter(|l| *l == "immark|-- MARK --").count();
    assert!(marks >= 2, "busy, yet every mark written: {busy}");
    let main = std::fs::read_to_string(dir.join("main.log")).unwrap_or_default();
    assert!(
        !main.contains("MARK"),
        "marks only in their ruleset: {main}"
    );
}
