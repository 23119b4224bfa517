//! omprog: each message written to a program's standard input, as rsyslog
//! 8.2302's omprog writes it — with its confirmations (`confirmMessages`:
//! `OK`, `DEFER_COMMIT`, `PREVIOUS_COMMITTED` or an error, after leading
//! dots), its transactions (`useTransactions`: a batch between the begin
//! and commit marks), the program's output captured to a file (`output`),
//! `hup.signal`, and its end (`signalOnClose`, `closeTimeout`,
//! `killUnresponsive`).
//!
//! In: a rendered batch (one record per message). Out: the records, each
//! ending with a newline (one is added where the template has none, as
//! rsyslog adds it, and said), on the program's standard input. The pipe
//! is written, and confirmations read, on glommio's blocking-thread pool,
//! so a slow program never blocks the core that owns the action.
//!
//! Guarantees:
//! - A batch is delivered when every record was written and, with
//!   `confirmMessages`, confirmed (with `useTransactions`, when the commit
//!   mark was confirmed). Otherwise it fails: the action retries and
//!   suspends as `action.resumeRetryCount` says (or holds it, with `-1`).
//!   A retry sends only the records not confirmed yet (the whole batch,
//!   with transactions, since nothing of it was committed).
//! - A program that ended (a broken pipe, its standard output closed), did
//!   not answer within `confirmTimeout`, or answered more than one line
//!   or a line longer than 4 KiB, is ended and started again by the next
//!   try, as in rsyslog. An error answer leaves it running.
//! - Without `confirmMessages`, what the program had not read when it
//!   ended is lost, as in rsyslog: confirmations are what make omprog
//!   at-least-once.
//! - The program is started when the first batch comes (rsyslog starts it
//!   with the daemon), and after a failure by the next try.

use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Rendered;
use crate::config::modules::omprog::OmprogConfig;

/// The longest confirmation line (rsyslog's `RESPONSE_LINE_BUFFER_SIZE`,
/// with its NUL).
pub const RESPONSE_LINE_MAX: usize = 4095;
/// How often the end of a closing program is looked for.
const WAIT_POLL: Duration = Duration::from_millis(10);
/// The missing-newline notice at most this often, as rsyslog's.
const NEWLINE_NOTICE_EVERY_S: u64 = 30;

/// A running program.
struct Program {
    child: Child,
    stdin: ChildStdin,
    /// Its standard output, for confirmations.
    stdout: Option<ChildStdout>,
}

/// What the program answered.
#[derive(Debug, PartialEq, Eq)]
enum Status {
    Ok,
    DeferCommit,
    PreviousCommitted,
    Error(String),
}

/// What becomes of the program after a failed step, as in rsyslog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// It goes on (an error answer).
    Keep,
    /// It ended by itself (a broken pipe, its output closed): its pipes
    /// closed, and it is waited for.
    Cleanup,
    /// It is ended (no answer in time, a malformed answer): SIGTERM first
    /// with `signalOnClose`, then as [`End::Cleanup`].
    Terminate,
}

/// Why a step failed, and what becomes of the program.
struct Failure {
    error: io::Error,
    end: End,
}

impl Failure {
    fn new(end: End, error: io::Error) -> Failure {
        Failure { error, end }
    }
}

/// What the blocking steps share with the core: the program, its pid (to
/// signal it while a step holds the program), programs left running at
/// shutdown or after a failure until they are reaped, and when the
/// missing-newline notice was last said.
#[derive(Default)]
struct Shared {
    program: Mutex<Option<Program>>,
    /// The running program's pid; 0 when there is none. Cleared before the
    /// program is waited for, so it is never signalled once reaped.
    pid: AtomicI32,
    orphans: Mutex<Vec<Child>>,
    newline_said_s: AtomicU64,
}

/// The program's output, appended to the `output` file by a thread of its
/// own; the file is opened again after SIGHUP.
struct Capture {
    /// Handed to each program as its standard error (and output).
    writer: OwnedFd,
    reopen: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

/// What a failed batch had delivered, for its retry.
struct Carry {
    key: (usize, u32, u64),
    done: usize,
}

pub struct OmProg {
    cfg: Arc<OmprogConfig>,
    shared: Arc<Shared>,
    capture: Option<Capture>,
    carry: Option<Carry>,
}

/// Every omprog action of the process, with the thread (core) that owns
/// it: at shutdown a core ends the programs of the actions it could not
/// finish, because a try is still writing to a program that reads nothing
/// (see [`end_abandoned`]).
type Registry = Mutex<
    Vec<(
        std::thread::ThreadId,
        std::sync::Weak<Shared>,
        Arc<OmprogConfig>,
    )>,
>;
static ACTIONS: Registry = Mutex::new(Vec::new());

impl OmProg {
    pub fn new(c: &OmprogConfig) -> OmProg {
        let cfg = Arc::new(c.clone());
        let shared = Arc::<Shared>::default();
        let mut actions = ACTIONS.lock().unwrap_or_else(|e| e.into_inner());
        actions.retain(|(_, s, _)| s.strong_count() > 0);
        actions.push((
            std::thread::current().id(),
            Arc::downgrade(&shared),
            cfg.clone(),
        ));
        OmProg {
            cfg,
            shared,
            capture: None,
            carry: None,
        }
    }

    /// Whether the program can be run at all: checked at start and by
    /// `-N1`, so a path that is wrong is said then, not at the first
    /// message.
    pub fn check(c: &OmprogConfig) -> Result<(), String> {
        use std::os::unix::fs::PermissionsExt;
        match std::fs::metadata(&c.binary) {
            Ok(m) if m.is_file() && m.permissions().mode() & 0o111 != 0 => Ok(()),
            Ok(_) => Err(format!(
                "the program {} is not an executable file",
                c.binary.display()
            )),
            Err(e) => Err(format!("the program {}: {e}", c.binary.display())),
        }
    }

    pub fn describe(&self) -> String {
        format!("program {}", self.cfg.binary.display())
    }

    /// Writes the batch's records not delivered by an earlier try.
    pub async fn write(&mut self, r: &Rendered) -> io::Result<()> {
        self.start_capture()?;
        let key = r.fingerprint();
        let from = match self.carry.take() {
            Some(c) if c.key == key && self.cfg.transactions.is_none() => c.done,
            _ => 0,
        };
        debug_assert!(from <= r.recs.len());
        let records: Vec<Vec<u8>> = r.records().skip(from).map(|(_, d)| d.to_vec()).collect();
        let (cfg, shared) = (self.cfg.clone(), self.shared.clone());
        let stderr = match &self.capture {
            Some(c) => Some(c.writer.try_clone()?),
            None => None,
        };
        let result = glommio::executor()
            .spawn_blocking(move || deliver(&cfg, &shared, stderr, &records))
            .await;
        match result {
            Ok(()) => Ok(()),
            Err((done, e)) => {
                self.carry = Some(Carry {
                    key,
                    done: from + done,
                });
                Err(io::Error::new(
                    e.kind(),
                    format!("{}: {e}", self.describe()),
                ))
            }
        }
    }

    /// Starts the thread that appends the program's output to `output`.
    fn start_capture(&mut self) -> io::Result<()> {
        let Some((path, mode)) = self.cfg.output.clone() else {
            return Ok(());
        };
        if self.capture.is_some() {
            return Ok(());
        }
        let (mut reader, writer) = pipe()?;
        let reopen = Arc::new(AtomicBool::new(false));
        let flag = reopen.clone();
        let thread = std::thread::Builder::new()
            .name("corelog-omprog-output".into())
            .spawn(move || {
                let mut file: Option<std::fs::File> = None;
                let mut failed = false;
                let mut buf = vec![0u8; 4096];
                loop {
                    let n = match reader.read(&mut buf) {
                        Ok(0) => return,
                        Ok(n) => n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(_) => return,
                    };
                    if flag.swap(false, Ordering::Relaxed) {
                        file = None;
                        failed = false;
                    }
                    if file.is_none() && !failed {
                        match std::fs::OpenOptions::new()
                            .append(true)
                            .create(true)
                            .mode(mode)
                            .open(&path)
                        {
                            Ok(f) => file = Some(f),
                            Err(e) => {
                                failed = true;
                                crate::notice!("corelogd: omprog: cannot open the output file {}: {e}; the program's output is discarded until SIGHUP.", path.display());
                            }
                        }
                    }
                    if let Some(f) = &mut file {
                        if let Err(e) = f.write_all(&buf[..n]) {
                            crate::notice!(
                                "corelogd: omprog: writing the output file {}: {e}.",
                                path.display()
                            );
                            file = None;
                        }
                    }
                }
            })?;
        self.capture = Some(Capture {
            writer,
            reopen,
            thread,
        });
        Ok(())
    }

    /// SIGHUP: the signal asked for to the program, and the output file
    /// opened again.
    pub fn hup(&mut self) {
        if let Some(c) = &self.capture {
            c.reopen.store(true, Ordering::Relaxed);
        }
        if let Some(sig) = self.cfg.hup_signal {
            signal(&self.shared.pid, sig.number());
        }
    }

    /// Once a second: programs left running are reaped once they end.
    pub fn timed(&mut self) {
        reap(&self.shared);
    }

    /// The runner gave the last failed batch up (suspension): a later
    /// batch with the same bytes is a new one.
    pub fn forget(&mut self) {
        self.carry = None;
    }

    /// At exit: the program ended as `signalOnClose`, `closeTimeout` and
    /// `killUnresponsive` say, and its last output written. A try still
    /// writing to a program that reads nothing (its batch abandoned by the
    /// shutdown) gets `closeTimeout`, then the program is killed so that
    /// the try returns.
    pub async fn finish(&mut self) {
        let close = self.cfg.close_timeout;
        end_program_at_exit(&self.cfg, &self.shared).await;
        if let Some(c) = self.capture.take() {
            // The last of the program's output, up to closeTimeout: the
            // thread ends once no program holds the pipe.
            drop(c.writer);
            let waited = Instant::now();
            while !c.thread.is_finished() && waited.elapsed() < close {
                glommio::timer::sleep(WAIT_POLL).await;
            }
        }
    }
}

/// The program of `shared` ended at exit: a try still writing to it gets
/// `closeTimeout`, then the program is killed so that the try returns;
/// then the program is ended as `signalOnClose`, `closeTimeout` and
/// `killUnresponsive` say.
async fn end_program_at_exit(cfg: &Arc<OmprogConfig>, shared: &Arc<Shared>) {
    let close = cfg.close_timeout;
    let waited = Instant::now();
    while shared.program.try_lock().is_err() {
        if waited.elapsed() >= close {
            crate::notice!(
                "corelogd: omprog: program '{}' still takes no input after {} ms; it is killed.",
                cfg.binary.display(),
                close.as_millis()
            );
            signal(&shared.pid, libc::SIGKILL);
            break;
        }
        glommio::timer::sleep(WAIT_POLL).await;
    }
    let (cfg, shared) = (cfg.clone(), shared.clone());
    let end = glommio::executor().spawn_blocking(move || {
        let taken = shared
            .program
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(p) = taken {
            end_program(&cfg, &shared, p, End::Terminate);
        }
    });
    futures_lite::future::or(end, glommio::timer::sleep(close + Duration::from_secs(1))).await;
}

/// At shutdown, on each core, after the runners it could finish: the
/// programs of this core's omprog actions that are still there (their
/// runner was held by a try writing to a program that reads nothing, so
/// it could not be finished) are ended as [`OmProg::finish`] ends them.
pub async fn end_abandoned() {
    let here = std::thread::current().id();
    let mine: Vec<(Arc<Shared>, Arc<OmprogConfig>)> = ACTIONS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|(t, _, _)| *t == here)
        .filter_map(|(_, s, c)| s.upgrade().map(|s| (s, c.clone())))
        .collect();
    for (shared, cfg) in mine {
        if shared.pid.load(Ordering::Relaxed) != 0 {
            end_program_at_exit(&cfg, &shared).await;
        }
    }
}

/// One try of a batch, on a blocking thread: the records delivered, or how
/// many were and why the next was not.
fn deliver(
    cfg: &OmprogConfig,
    shared: &Shared,
    stderr: Option<OwnedFd>,
    records: &[Vec<u8>],
) -> Result<(), (usize, io::Error)> {
    reap(shared);
    let mut slot = shared.program.lock().unwrap_or_else(|e| e.into_inner());
    if slot.is_none() {
        let p = start(cfg, shared, stderr).map_err(|f| (0, f.error))?;
        *slot = Some(p);
    }
    let Some(p) = slot.as_mut() else {
        return Err((0, io::Error::other("the program did not start")));
    };
    let result = send_batch(cfg, shared, p, records);
    if let Err((_, f)) = &result {
        if f.end != End::Keep {
            if let Some(p) = slot.take() {
                end_program(cfg, shared, p, f.end);
            }
        }
    }
    result.map_err(|(done, f)| (done, f.error))
}

fn send_batch(
    cfg: &OmprogConfig,
    shared: &Shared,
    p: &mut Program,
    records: &[Vec<u8>],
) -> Result<(), (usize, Failure)> {
    let result = send_records(cfg, shared, p, records);
    match result {
        // A transaction that fails stays open in the program: it is ended,
        // and the retry starts the batch again in a new one.
        Err((done, f)) if cfg.transactions.is_some() && f.end == End::Keep => {
            Err((done, Failure::new(End::Terminate, f.error)))
        }
        other => other,
    }
}

fn send_records(
    cfg: &OmprogConfig,
    shared: &Shared,
    p: &mut Program,
    records: &[Vec<u8>],
) -> Result<(), (usize, Failure)> {
    if let Some((begin, _)) = &cfg.transactions {
        mark(cfg, p, begin, false).map_err(|f| (0, f))?;
    }
    let mut unterminated = false;
    for (i, rec) in records.iter().enumerate() {
        // rsyslog writes the C string: up to a NUL byte.
        let rec = &rec[..memchr::memchr(0, rec).unwrap_or(rec.len())];
        write(p, rec).map_err(|f| (i, f))?;
        if rec.last() != Some(&b'\n') {
            unterminated = true;
            write(p, b"\n").map_err(|f| (i, f))?;
        }
        if cfg.confirm {
            match read_status(cfg, p).map_err(|f| (i, f))? {
                Status::Ok | Status::DeferCommit | Status::PreviousCommitted => {}
                Status::Error(line) => {
                    if cfg.report_failures {
                        crate::notice!(
                            "corelogd: omprog: program '{}' returned: {line}",
                            cfg.binary.display()
                        );
                    }
                    return Err((
                        i,
                        Failure::new(
                            End::Keep,
                            io::Error::other(format!(
                                "the program answered '{line}' for a message"
                            )),
                        ),
                    ));
                }
            }
        }
    }
    if unterminated {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let last = shared.newline_said_s.load(Ordering::Relaxed);
        if now >= last + NEWLINE_NOTICE_EVERY_S {
            shared.newline_said_s.store(now, Ordering::Relaxed);
            crate::notice!(
                "corelogd: omprog: messages must end with a newline, and the template of the action for '{}' does not end one: one was added, as rsyslog adds it.",
                cfg.binary.display()
            );
        }
    }
    if let Some((_, commit)) = &cfg.transactions {
        mark(cfg, p, commit, true).map_err(|f| (records.len(), f))?;
    }
    Ok(())
}

/// A transaction mark and its newline. With confirmations, a begin mark
/// takes only `OK`; a commit mark also `DEFER_COMMIT` and
/// `PREVIOUS_COMMITTED`, which rsyslog takes as committed.
fn mark(cfg: &OmprogConfig, p: &mut Program, text: &str, commit: bool) -> Result<(), Failure> {
    write(p, text.as_bytes())?;
    write(p, b"\n")?;
    if cfg.confirm {
        match read_status(cfg, p)? {
            Status::Ok => {}
            Status::DeferCommit | Status::PreviousCommitted if commit => {}
            other => {
                return Err(Failure::new(
                    End::Keep,
                    io::Error::other(format!("the program answered {other:?} to '{text}'")),
                ))
            }
        }
    }
    Ok(())
}

fn write(p: &mut Program, bytes: &[u8]) -> Result<(), Failure> {
    p.stdin.write_all(bytes).map_err(|e| {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Failure::new(
                End::Cleanup,
                io::Error::new(
                    e.kind(),
                    format!(
                        "the program (pid {}) ended; it is started again",
                        p.child.id()
                    ),
                ),
            )
        } else {
            Failure::new(End::Keep, e)
        }
    })
}

/// Starts the program: its standard input a pipe; its standard output a
/// pipe for confirmations, or the output file, or nothing; its standard
/// error the output file or nothing. With confirmations, it must answer
/// `OK` first.
fn start(cfg: &OmprogConfig, shared: &Shared, stderr: Option<OwnedFd>) -> Result<Program, Failure> {
    let mut cmd = Command::new(&cfg.binary);
    cmd.args(&cfg.args).stdin(Stdio::piped());
    match &stderr {
        Some(w) => {
            let out = w.try_clone().map_err(|e| Failure::new(End::Keep, e))?;
            cmd.stderr(Stdio::from(out));
        }
        None => {
            cmd.stderr(Stdio::null());
        }
    }
    if cfg.confirm {
        cmd.stdout(Stdio::piped());
    } else {
        match stderr {
            Some(w) => cmd.stdout(Stdio::from(w)),
            None => cmd.stdout(Stdio::null()),
        };
    }
    // SAFETY: the closure runs in the child between fork and exec and
    // makes only async-signal-safe calls (signal, close_range), touching
    // no memory of the parent. SIGINT is ignored, as rsyslog's omprog
    // ignores it, so a Ctrl-C meant for a corelogd in the foreground does
    // not end the program under it (Command resets the signal mask and
    // SIGPIPE itself); every descriptor above standard error is marked
    // close-on-exec, as rsyslog closes them all, so none that corelogd
    // holds reaches the program (close_range on Linux 5.11 and later;
    // before that, only what was opened close-on-exec is closed).
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_IGN);
            libc::syscall(
                libc::SYS_close_range,
                3 as libc::c_uint,
                libc::c_uint::MAX,
                libc::CLOSE_RANGE_CLOEXEC,
            );
            Ok(())
        });
    }
    let mut child = cmd.spawn().map_err(|e| {
        Failure::new(
            End::Keep,
            io::Error::new(
                e.kind(),
                format!("cannot run {}: {e}", cfg.binary.display()),
            ),
        )
    })?;
    let Some(stdin) = child.stdin.take() else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(Failure::new(
            End::Keep,
            io::Error::other("the program's standard input is not a pipe"),
        ));
    };
    let stdout = child.stdout.take();
    shared
        .pid
        .store(i32::try_from(child.id()).unwrap_or(0), Ordering::Relaxed);
    let mut p = Program {
        child,
        stdin,
        stdout,
    };
    if cfg.confirm {
        let first = read_status(cfg, &mut p).and_then(|s| match s {
            Status::Ok => Ok(()),
            other => Err(Failure::new(
                End::Terminate,
                io::Error::other(format!(
                    "the program answered {other:?} when it started, not OK"
                )),
            )),
        });
        if let Err(f) = first {
            end_program(cfg, shared, p, End::Terminate);
            return Err(f);
        }
    }
    Ok(p)
}

/// One confirmation line, as rsyslog's `readStatus` reads it: each read
/// within `confirmTimeout` (so keep-alive dots keep the program alive);
/// what ends with a newline is the answer (an answer of several lines
/// that ends with one is an error answer); a newline before the end, or
/// 4 KiB without one, ends the program.
fn read_status(cfg: &OmprogConfig, p: &mut Program) -> Result<Status, Failure> {
    let pid = p.child.id();
    let Some(out) = p.stdout.as_mut() else {
        return Err(Failure::new(
            End::Terminate,
            io::Error::other(
                "the program's standard output is not a pipe: no confirmation can be read",
            ),
        ));
    };
    let mut line = Vec::with_capacity(64);
    loop {
        let mut pfd = libc::pollfd {
            fd: out.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = libc::c_int::try_from(cfg.confirm_timeout.as_millis()).unwrap_or(libc::c_int::MAX);
        // SAFETY: one valid pollfd for the duration of the call.
        let ready = unsafe { libc::poll(&mut pfd, 1, ms) };
        if ready < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(Failure::new(End::Keep, e));
        }
        if ready == 0 {
            return Err(Failure::new(
                End::Terminate,
                io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "the program (pid {pid}) did not answer within {} ms; it is started again",
                        cfg.confirm_timeout.as_millis()
                    ),
                ),
            ));
        }
        let mut buf = [0u8; 512];
        let room = (RESPONSE_LINE_MAX - line.len()).min(buf.len());
        let n = match out.read(&mut buf[..room]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Failure::new(End::Keep, e)),
        };
        if n == 0 {
            return Err(Failure::new(
                End::Cleanup,
                io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("the program (pid {pid}) ended; it is started again"),
                ),
            ));
        }
        let got = &buf[..n];
        line.extend_from_slice(got);
        if line.last() == Some(&b'\n') {
            line.pop();
            return Ok(status(&line));
        }
        if memchr::memchr(b'\n', got).is_some() {
            return Err(Failure::new(
                End::Terminate,
                io::Error::other("the program answered more than one line; it is started again"),
            ));
        }
        if line.len() >= RESPONSE_LINE_MAX {
            return Err(Failure::new(
                End::Terminate,
                io::Error::other(
                    "the program answered a line longer than 4 KiB; it is started again",
                ),
            ));
        }
    }
}

/// A confirmation line as rsyslog reads it: leading dots (keep-alives)
/// skipped, then `OK`, `DEFER_COMMIT`, `PREVIOUS_COMMITTED` or anything
/// else, an error.
fn status(line: &[u8]) -> Status {
    let start = line.iter().take_while(|&&c| c == b'.').count();
    match &line[start..] {
        b"OK" => Status::Ok,
        b"DEFER_COMMIT" => Status::DeferCommit,
        b"PREVIOUS_COMMITTED" => Status::PreviousCommitted,
        other => Status::Error(String::from_utf8_lossy(other).into_owned()),
    }
}

/// A pipe, both ends closed on exec: its read end, and its write end.
fn pipe() -> io::Result<(std::fs::File, OwnedFd)> {
    let mut fds: [libc::c_int; 2] = [-1; 2];
    // SAFETY: pipe2 writes two descriptors into the array it is given.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just opened by pipe2, and nothing else
    // owns them: each is owned from here by the value made of it.
    Ok(unsafe {
        (
            std::fs::File::from_raw_fd(fds[0]),
            OwnedFd::from_raw_fd(fds[1]),
        )
    })
}

/// Sends `sig` to the running program, if there is one.
fn signal(pid: &AtomicI32, sig: libc::c_int) {
    let pid = pid.load(Ordering::Relaxed);
    if pid > 0 {
        // SAFETY: kill only sends a signal. The pid is that of our own
        // child, which is not reaped while its pid is published here (it
        // is cleared before the child is waited for).
        unsafe {
            libc::kill(pid, sig);
        }
    }
}

/// Waits for the programs left running that have ended since.
fn reap(shared: &Shared) {
    if let Ok(mut orphans) = shared.orphans.try_lock() {
        orphans.retain_mut(|c| matches!(c.try_wait(), Ok(None)));
    }
}

/// Ends the program as rsyslog's `terminateChild` (with `End::Terminate`:
/// SIGTERM first when `signalOnClose`) or `cleanupChild`: its pipes
/// closed; up to `closeTimeout` for it to end; then SIGKILL with
/// `killUnresponsive`, or it is left running (said) and reaped later.
fn end_program(cfg: &OmprogConfig, shared: &Shared, p: Program, end: End) {
    debug_assert!(end != End::Keep);
    let Program {
        mut child,
        stdin,
        stdout,
    } = p;
    if end == End::Terminate && cfg.signal_on_close {
        signal(&shared.pid, libc::SIGTERM);
    }
    shared.pid.store(0, Ordering::Relaxed);
    drop(stdin);
    drop(stdout);
    let deadline = Instant::now() + cfg.close_timeout;
    loop {
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => return,
            Ok(None) if Instant::now() >= deadline => break,
            Ok(None) => std::thread::sleep(WAIT_POLL),
        }
    }
    if cfg.kill_unresponsive {
        crate::notice!(
            "corelogd: omprog: program '{}' (pid {}) did not end within {} ms; it is killed.",
            cfg.binary.display(),
            child.id(),
            cfg.close_timeout.as_millis()
        );
        let _ = child.kill();
        let _ = child.wait();
    } else {
        crate::notice!(
            "corelogd: omprog: program '{}' (pid {}) did not end within {} ms; it is left running.",
            cfg.binary.display(),
            child.id(),
            cfg.close_timeout.as_millis()
        );
        shared
            .orphans
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(child);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confirmation_lines_as_rsyslog_reads_them() {
        assert_eq!(status(b"OK"), Status::Ok);
        assert_eq!(status(b"...OK"), Status::Ok);
        assert_eq!(status(b"DEFER_COMMIT"), Status::DeferCommit);
        assert_eq!(status(b"PREVIOUS_COMMITTED"), Status::PreviousCommitted);
        assert_eq!(status(b"ok"), Status::Error("ok".into()));
        assert_eq!(
            status(b"Error: disk full"),
            Status::Error("Error: disk full".into())
        );
        assert_eq!(status(b""), Status::Error(String::new()));
    }
}
