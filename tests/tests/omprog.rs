//! omprog with real programs (shell and Python): what reaches the program
//! is what rsyslogd 8.2302 writes for the same configuration (legacy and
//! `action()`, arguments, templates with and without their newline);
//! with confirmations, a program that crashes and one that answers an
//! error get every message once, in order; transactions wrap each batch
//! in their marks; the program's output goes to `output`, SIGHUP reaches
//! it as `hup.signal`, and at shutdown `signalOnClose` ends it; a
//! program left running (`killUnresponsive="off"`) is reaped when it ends.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use corelog_tests::daemon::{numbered_frames, send_octet_counted, Corelogd};
use corelog_tests::rsyslogd::Rsyslogd;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("corelog-omprog-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes an executable script.
fn script(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Waits until `path` holds `n` lines (or `wait` passed); its text.
fn lines(path: &Path, n: usize, wait: Duration) -> String {
    let end = Instant::now() + wait;
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.lines().count() >= n || Instant::now() > end {
            return text;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Appends its input to the file named by its first argument.
const CAT: &str = "#!/bin/sh\nexec cat >> \"$1\"\n";

/// The programs live in `@BIN@`, made before the daemon starts (which
/// checks that they can run).
const CONFIG: &str = "module(load=\"imtcp\")\n\
input(type=\"imtcp\" port=\"@PORT@\" address=\"127.0.0.1\")\n\
module(load=\"omprog\")\n\
$ActionOMProgBinary @BIN@/a.sh\n\
*.* :omprog:\n\
template(name=\"bare\" type=\"string\" string=\"%syslogseverity%|%msg%\")\n\
local0.* action(type=\"omprog\" binary=\"@BIN@/cat.sh @BIN@/b.out\" template=\"bare\")\n\
*.* action(type=\"omprog\" binary=\"@BIN@/cat.sh @BIN@/c.out\")\n";

/// A directory with the programs: `cat.sh`, and `a.sh` (the legacy
/// action's, which gets no arguments: it knows its file).
fn programs(name: &str) -> PathBuf {
    let bin = dir(name);
    script(&bin.join("cat.sh"), CAT);
    script(
        &bin.join("a.sh"),
        &format!("#!/bin/sh\nexec cat >> {}/a.out\n", bin.display()),
    );
    bin
}

#[test]
fn the_program_reads_what_rsyslogd_writes_for_the_same_configuration() {
    let msgs = numbered_frames(60);
    let run = |who: &str| -> [String; 3] {
        let d = dir(who);
        let bin = programs(&format!("{who}-bin"));
        let config = CONFIG.replace("@BIN@", &bin.display().to_string());
        let read = |f: &str| std::fs::read_to_string(bin.join(f)).unwrap_or_default();
        if who == "rsyslogd" {
            let r = Rsyslogd::start(&d, &config);
            send_octet_counted(r.port, &msgs);
            lines(&bin.join("c.out"), msgs.len(), Duration::from_secs(20));
            lines(&bin.join("a.out"), msgs.len(), Duration::from_secs(20));
            r.stop();
            [read("a.out"), read("b.out"), read("c.out")]
        } else {
            let c = Corelogd::start(&d, &config, &[]);
            send_octet_counted(c.port, &msgs);
            lines(&bin.join("c.out"), msgs.len(), Duration::from_secs(20));
            lines(&bin.join("a.out"), msgs.len(), Duration::from_secs(20));
            let stderr = c.stop();
            assert!(
                stderr.contains("messages must end with a newline"),
                "the added newline is said:\n{stderr}"
            );
            [read("a.out"), read("b.out"), read("c.out")]
        }
    };
    let theirs = run("rsyslogd");
    let ours = run("corelogd");
    assert_eq!(
        theirs[2].lines().count(),
        msgs.len(),
        "rsyslogd's program got every message"
    );
    assert_eq!(
        theirs[1].lines().count(),
        msgs.len() / 5,
        "rsyslogd's local0 program"
    );
    assert_eq!(
        ours[0], theirs[0],
        "the legacy action: $ActionOMProgBinary, :omprog:"
    );
    assert_eq!(
        ours[1], theirs[1],
        "a template without its newline gets one, as in rsyslog"
    );
    assert_eq!(
        ours[2], theirs[2],
        "RSYSLOG_FileFormat, the default, with arguments"
    );
}

/// corelogd with one omprog action running `program` (written to a
/// directory of its own as `file`, which `@BIN@` names in `action`, the
/// action's parameters beside `template="m"`, `%msg%` and a newline).
fn start_with_program(name: &str, file: &str, program: &str, action: &str) -> (Corelogd, PathBuf) {
    let d = dir(name);
    let bin = dir(&format!("{name}-bin"));
    script(&bin.join(file), program);
    let config = format!(
        "module(load=\"imtcp\")\ninput(type=\"imtcp\" port=\"@PORT@\" address=\"127.0.0.1\")\n\
         module(load=\"omprog\")\n\
         template(name=\"m\" type=\"string\" string=\"%msg%\\n\")\n\
         action(type=\"omprog\" template=\"m\" {action})\n"
    )
    .replace("@BIN@", &bin.display().to_string());
    (Corelogd::start(&d, &config, &[]), bin)
}

/// Answers OK when it starts and after each message it wrote to its first
/// argument; crashes once at "msg 50 " and answers an error once at
/// "msg 100 " (before writing either).
const CONFIRMING: &str = r#"#!/usr/bin/env python3
import os, sys
out, mark = sys.argv[1], sys.argv[2]
print("OK", flush=True)
for line in sys.stdin:
    if "msg 50 " in line and not os.path.exists(mark + ".crashed"):
        open(mark + ".crashed", "w").close()
        os._exit(1)
    if "msg 100 " in line and not os.path.exists(mark + ".refused"):
        open(mark + ".refused", "w").close()
        print("Error: busy", flush=True)
        continue
    with open(out, "a") as f:
        f.write(line)
    print("..OK", flush=True)
"#;

#[test]
fn with_confirmations_a_crash_and_an_error_lose_nothing_and_repeat_nothing() {
    let (c, bin) = start_with_program(
        "confirm",
        "confirm.py",
        CONFIRMING,
        "binary=\"@BIN@/confirm.py @BIN@/out @BIN@/mark\" confirmMessages=\"on\" reportFailures=\"on\" action.resumeRetryCount=\"-1\" action.resumeInterval=\"1\"",
    );
    let msgs = numbered_frames(200);
    send_octet_counted(c.port, &msgs);
    let out = lines(&bin.join("out"), msgs.len(), Duration::from_secs(30));
    let stderr = c.stop();
    let want: String = (0..200)
        .map(|i| format!(" msg {i} with some text\n"))
        .collect();
    assert_eq!(out, want, "every message once, in order:\n{stderr}");
    assert!(bin.join("mark.crashed").exists() && bin.join("mark.refused").exists());
    assert!(
        stderr.contains("returned: Error: busy"),
        "reportFailures says the answer:\n{stderr}"
    );
    assert!(
        stderr.contains("ended; it is started again"),
        "the crash is said:\n{stderr}"
    );
}

/// Writes each line it reads, marks too, to its first argument, and
/// confirms each; with a second argument, answers an error once to the
/// message that contains it.
const RECORDING: &str = r#"#!/usr/bin/env python3
import os, sys
out = sys.argv[1]
fail = sys.argv[2] if len(sys.argv) > 2 else None
print("OK", flush=True)
for line in sys.stdin:
    with open(out, "a") as f:
        f.write(line)
    if fail and fail in line and not os.path.exists(out + ".failed"):
        open(out + ".failed", "w").close()
        print("Error: try again", flush=True)
        continue
    print("OK", flush=True)
"#;

/// The messages of the transactions that were committed, in order; a
/// transaction left open (its program ended) is not.
fn committed(out: &str) -> Vec<String> {
    let mut done = Vec::new();
    let mut open: Option<Vec<String>> = None;
    for l in out.lines() {
        match l {
            "BEGIN TRANSACTION" => open = Some(Vec::new()),
            "END" => done.extend(open.take().expect("an end inside a transaction")),
            m => open
                .as_mut()
                .expect("a message inside a transaction")
                .push(m.to_string()),
        }
    }
    done
}

/// Sends 100 messages through transactions and checks that each was
/// committed once, in order; corelogd's standard error.
fn transactions(name: &str, fail: &str) -> String {
    let (c, bin) = start_with_program(
        name,
        "rec.py",
        RECORDING,
        &format!("binary=\"@BIN@/rec.py @BIN@/out{fail}\" confirmMessages=\"on\" useTransactions=\"on\" commitTransactionMark=\"END\" action.resumeRetryCount=\"-1\" action.resumeInterval=\"1\""),
    );
    let msgs = numbered_frames(100);
    send_octet_counted(c.port, &msgs);
    let end = Instant::now() + Duration::from_secs(30);
    let mut got = Vec::new();
    while Instant::now() < end {
        got = committed(&std::fs::read_to_string(bin.join("out")).unwrap_or_default());
        if got.len() >= msgs.len() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let stderr = c.stop();
    let want: Vec<String> = (0..100)
        .map(|i| format!(" msg {i} with some text"))
        .collect();
    assert_eq!(
        got, want,
        "every message committed once, in order:\n{stderr}"
    );
    stderr
}

#[test]
fn transactions_wrap_each_batch_in_their_marks() {
    transactions("transactions", "");
}

#[test]
fn an_error_inside_a_transaction_commits_the_batch_once_in_a_new_one() {
    // The program answers an error to message 40 ("40" its second
    // argument) once: its transaction is left open (the program is
    // ended), and the whole batch goes again in a new transaction to a
    // new program.
    let stderr = transactions("transaction-error", " 40");
    assert!(stderr.contains("Error: try again"), "{stderr}");
}

/// Says on its standard error when it starts, on USR1 and on TERM (then
/// ends); reads and drops its input.
const SIGNALLED: &str = r#"#!/usr/bin/env python3
import signal, sys
def usr1(*_):
    sys.stderr.write("got USR1\n"); sys.stderr.flush()
def term(*_):
    sys.stderr.write("got TERM\n"); sys.stderr.flush(); sys.exit(0)
signal.signal(signal.SIGUSR1, usr1)
signal.signal(signal.SIGTERM, term)
sys.stderr.write("started\n"); sys.stderr.flush()
for line in sys.stdin:
    sys.stdout.write("read " + line); sys.stdout.flush()
"#;

#[test]
fn output_is_captured_hup_is_forwarded_and_close_signals_the_program() {
    let (c, bin) = start_with_program(
        "signals",
        "sig.py",
        SIGNALLED,
        "binary=\"@BIN@/sig.py\" output=\"@BIN@/prog.out\" fileCreateMode=\"0640\" hup.signal=\"USR1\" signalOnClose=\"on\"",
    );
    send_octet_counted(c.port, &numbered_frames(3));
    let out = bin.join("prog.out");
    let text = lines(&out, 4, Duration::from_secs(20));
    assert!(
        text.contains("started") && text.contains("read  msg 2 with some text"),
        "{text}"
    );
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "fileCreateMode");
    // SAFETY: a signal to the corelogd this test started.
    unsafe { libc::kill(c.pid() as i32, libc::SIGHUP) };
    let text = lines(&out, 5, Duration::from_secs(10));
    assert!(
        text.contains("got USR1"),
        "hup.signal reached the program:\n{text}"
    );
    c.stop();
    let text = lines(&out, 6, Duration::from_secs(5));
    assert!(
        text.contains("got TERM"),
        "signalOnClose reached the program:\n{text}"
    );
}

#[test]
fn a_program_that_cannot_run_is_an_error_at_start() {
    let d = dir("missing");
    let conf = d.join("rsyslog.conf");
    std::fs::write(
        &conf,
        "module(load=\"omprog\")\n*.* action(type=\"omprog\" binary=\"/nonexistent/prog -x\")\n",
    )
    .unwrap();
    let out = std::process::Command::new(corelog_tests::daemon::bin("corelogd"))
        .args(["-N1", "-f", &conf.display().to_string()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("/nonexistent/prog"), "{err}");
}

#[test]
fn at_shutdown_a_program_that_reads_nothing_is_killed_after_close_timeout() {
    // The program never reads its input: once the pipe is full the write
    // waits for it. Shutdown gives it closeTimeout, then kills it so the
    // write returns and corelogd exits.
    let (c, bin) = start_with_program(
        "stuck",
        "stuck.sh",
        "#!/bin/sh\necho $$ > \"$1\"\nexec sleep 1000\n",
        "binary=\"@BIN@/stuck.sh @BIN@/pid\" closeTimeout=\"1000\"",
    );
    // More than a pipe holds (64 KiB).
    send_octet_counted(c.port, &numbered_frames(5000));
    let pid_file = bin.join("pid");
    let end = Instant::now() + Duration::from_secs(20);
    while std::fs::read_to_string(&pid_file).map_or(true, |p| p.trim().is_empty()) {
        assert!(Instant::now() < end, "the program did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // Let the pipe fill.
    std::thread::sleep(Duration::from_millis(500));
    let stopping = Instant::now();
    let stderr = c.stop();
    assert!(
        stopping.elapsed() < Duration::from_secs(15),
        "corelogd took {:?} to stop:\n{stderr}",
        stopping.elapsed()
    );
    assert!(
        stderr.contains("still takes no input after 1000 ms; it is killed"),
        "{stderr}"
    );
    // SAFETY: signal 0 only asks whether the process exists.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    assert!(!alive, "the program {pid} is still running");
}

/// The first program to start stops answering at its first message, then
/// ends three seconds later by itself (its pid in `first`); the programs
/// after it write each line to `out` and confirm it.
const HANGS_ONCE: &str = r#"#!/usr/bin/env python3
import os, sys, time
out, first = sys.argv[1], sys.argv[2]
hang = not os.path.exists(first)
if hang:
    with open(first, "w") as f:
        f.write(str(os.getpid()))
print("OK", flush=True)
for line in sys.stdin:
    if hang:
        time.sleep(3)
        os._exit(0)
    with open(out, "a") as f:
        f.write(line)
    print("OK", flush=True)
"#;

/// The state letter of `/proc/PID/stat` (`Z` for a zombie), or `None`
/// once the process is gone.
fn proc_state(pid: i32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(") ")?.1.chars().next()
}

#[test]
fn a_program_left_running_is_reaped_when_it_ends() {
    // killUnresponsive off: the program that stopped answering is given
    // closeTimeout, then left running while a new one takes the messages;
    // when it ends, corelogd waits for it, so it does not stay a zombie.
    let (c, bin) = start_with_program(
        "orphan",
        "hangs.py",
        HANGS_ONCE,
        "binary=\"@BIN@/hangs.py @BIN@/out @BIN@/first\" confirmMessages=\"on\" confirmTimeout=\"500\" \
         closeTimeout=\"200\" signalOnClose=\"off\" killUnresponsive=\"off\" \
         action.resumeRetryCount=\"-1\" action.resumeInterval=\"1\"",
    );
    let msgs = numbered_frames(50);
    send_octet_counted(c.port, &msgs);
    let out = lines(&bin.join("out"), msgs.len(), Duration::from_secs(30));
    let want: String = (0..50)
        .map(|i| format!(" msg {i} with some text\n"))
        .collect();
    assert_eq!(out, want, "every message once, in order:\n{}", c.stderr());
    let pid: i32 = std::fs::read_to_string(bin.join("first"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let end = Instant::now() + Duration::from_secs(15);
    while let Some(state) = proc_state(pid) {
        assert!(
            Instant::now() < end,
            "the program {pid} that was left running is still there (state {state}) 15 s on:\n{}",
            c.stderr()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let stderr = c.stop();
    assert!(
        stderr.contains("did not answer within 500 ms"),
        "the timeout is said:\n{stderr}"
    );
    assert!(
        stderr.contains("did not end within 200 ms; it is left running"),
        "{stderr}"
    );
}
