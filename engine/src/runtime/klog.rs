//! imklog's reader: the kernel log into the rules, on core 0.
//!
//! In: the `LogPath` file, opened at start with corelogd's first
//! privileges ([`Klog::open`]) — `/proc/kmsg` (lines, each read once by
//! whoever reads it), `/dev/kmsg` (one record per read, from the oldest
//! the kernel still holds), or any file or FIFO of `/proc/kmsg` lines.
//! Out: one message per line, made as [`crate::input::klog`] says, tag
//! `kernel:`, input name `imklog`, into the configured ruleset's queue;
//! a full queue stops the reading (the kernel keeps what is not read).
//!
//! With `/dev/kmsg` and a `$WorkDirectory`, the last record taken is
//! kept there (`imklog-kmsg.state`: the boot's id and the record's
//! sequence number, written after its messages are queued), so a restart
//! in the same boot goes on after it instead of logging the kernel's
//! whole buffer again (rsyslog's imkmsg does log it again).
//!
//! `consoleLogLevel` sets the kernel's console level while corelogd runs;
//! the level in force before is put back at exit.
//!
//! Guarantees: the file is never read while the queue has no room; a
//! line longer than `maxMessageSize` is cut there, the rest a line of
//! its own, as in rsyslog; a partial line waits for its newline (or its
//! writer closing); records the kernel overwrote before they were read
//! are said, with how many. Nothing here blocks core 0: the file is
//! non-blocking and polled every [`POLL`] while it has nothing.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::modules::imklog::KlogConfig;
use crate::corectx::CoreCtx;
use crate::input::klog::{self, Kernel};
use crate::input::ratelimit::RateLimit;
use crate::msg::{Message, Origin};

/// How often an idle kernel log is looked at.
const POLL: Duration = Duration::from_millis(20);
/// Lines enqueued at once at most (the rest wait for the next turn).
const LINES_PER_TURN: usize = 1024;
/// A `/dev/kmsg` read takes one record; the kernel's longest with its
/// dictionary is 8 KiB (`CONSOLE_EXT_LOG_MAX`).
const KMSG_RECORD_MAX: usize = 16 * 1024;
/// Where `/dev/kmsg` was left, in the work directory.
const STATE_FILE: &str = "imklog-kmsg.state";
/// The boot's id: sequence numbers start again at each boot.
const BOOT_ID: &str = "/proc/sys/kernel/random/boot_id";
/// `/dev/kmsg`'s device number (major 1, minor 11).
const KMSG_DEV: (u32, u32) = (1, 11);
/// The kernel's console log level calls (`klogctl`'s types).
/// The console log level in force, first of `/proc/sys/kernel/printk`'s.
const PRINTK: &str = "/proc/sys/kernel/printk";
const SYSLOG_ACTION_CONSOLE_LEVEL: libc::c_int = 8;

/// The kernel log, open.
pub struct Klog {
    file: File,
    path: String,
    /// `/dev/kmsg`: records, not lines.
    kmsg: bool,
    /// The line read so far (lines mode).
    partial: Vec<u8>,
    /// What each read reads into.
    buf: Vec<u8>,
    /// The last record's sequence number (`/dev/kmsg`).
    last_seq: Option<u64>,
    /// Records up to this one were taken before a restart (`/dev/kmsg`).
    skip_to: Option<u64>,
    /// Where the last record taken is kept, and the boot's id
    /// (`/dev/kmsg` with a work directory).
    state: Option<(std::path::PathBuf, String)>,
    /// The sequence number last written there.
    saved_seq: Option<u64>,
    line_max: usize,
    config: KlogConfig,
    /// The console level in force before corelogd set its own (put back
    /// at exit).
    console_before: Option<libc::c_int>,
}

impl Klog {
    /// Opens `LogPath` (before privileges are dropped) and sets the
    /// console level when asked. An error says what and why, as
    /// rsyslog's "cannot open kernel log".
    pub fn open(
        config: &KlogConfig,
        line_max: usize,
        work_directory: Option<&Path>,
    ) -> Result<Klog, String> {
        let path = config.path.display().to_string();
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&config.path)
            .map_err(|e| format!("imklog: cannot open kernel log ({path}): {e}"))?;
        let meta = file
            .metadata()
            .map_err(|e| format!("imklog: cannot read kernel log ({path}): {e}"))?;
        let kmsg = meta.file_type().is_char_device()
            && (libc::major(meta.rdev()), libc::minor(meta.rdev())) == KMSG_DEV;
        let mut k = Klog {
            file,
            path,
            kmsg,
            partial: Vec::new(),
            buf: vec![0; KMSG_RECORD_MAX.max(line_max)],
            last_seq: None,
            skip_to: None,
            state: None,
            saved_seq: None,
            line_max: line_max.max(1),
            config: config.clone(),
            console_before: None,
        };
        if let (true, Some(dir)) = (kmsg, work_directory) {
            k.resume(dir);
        }
        if let Some(level) = config.console_log_level {
            let before = std::fs::read_to_string(PRINTK)
                .ok()
                .and_then(|t| t.split_whitespace().next()?.parse().ok());
            if set_console_level(level) {
                k.console_before = before;
            } else {
                crate::notice!(
                    "imklog: cannot set console log level: {}",
                    std::io::Error::last_os_error()
                );
            }
        }
        Ok(k)
    }

    /// Reads what is there, up to [`LINES_PER_TURN`] lines; `eof` when
    /// the file said end of file (a FIFO without a writer, the end of a
    /// regular file).
    fn read_lines(&mut self, out: &mut Vec<Vec<u8>>) -> std::io::Result<bool> {
        let mut buf = std::mem::take(&mut self.buf);
        let r = self.read_into(&mut buf, out);
        self.buf = buf;
        r
    }

    fn read_into(&mut self, buf: &mut [u8], out: &mut Vec<Vec<u8>>) -> std::io::Result<bool> {
        while out.len() < LINES_PER_TURN {
            let n = match self.file.read(buf) {
                Ok(0) => {
                    if !self.partial.is_empty() {
                        out.push(std::mem::take(&mut self.partial));
                    }
                    return Ok(true);
                }
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                // /dev/kmsg: records were overwritten before this read;
                // the next read gives the oldest left.
                Err(e) if self.kmsg && e.raw_os_error() == Some(libc::EPIPE) => continue,
                Err(e) => return Err(e),
            };
            if self.kmsg {
                self.record(&buf[..n], out);
            } else {
                self.split(&buf[..n], out);
            }
        }
        Ok(false)
    }

    /// Where `/dev/kmsg` was left in this boot, from the state file.
    fn resume(&mut self, dir: &Path) {
        let Ok(boot) = std::fs::read_to_string(BOOT_ID) else {
            return;
        };
        let boot = boot.trim().to_string();
        let path = dir.join(STATE_FILE);
        if let Ok(text) = std::fs::read_to_string(&path) {
            let mut words = text.split_whitespace();
            if words.next() == Some(boot.as_str()) {
                self.skip_to = words.next().and_then(|s| s.parse().ok());
            }
        }
        self.state = Some((path, boot));
    }

    /// Keeps the last record taken (once its messages are queued):
    /// written aside, then renamed over the state file.
    fn save(&mut self) {
        let (Some((path, boot)), Some(seq)) = (&self.state, self.last_seq) else {
            return;
        };
        if self.saved_seq == Some(seq) {
            return;
        }
        let tmp = path.with_extension("tmp");
        let written = std::fs::write(&tmp, format!("{boot} {seq}\n"))
            .and_then(|()| std::fs::rename(&tmp, path));
        match written {
            Ok(()) => self.saved_seq = Some(seq),
            Err(e) => {
                crate::notice!(
                    "imklog: cannot keep where /dev/kmsg was left ({}): {e}; a restart logs the kernel's buffer again",
                    path.display()
                );
                // Said once: no more tries.
                self.state = None;
            }
        }
    }

    /// One `/dev/kmsg` record, as its `/proc/kmsg` line.
    fn record(&mut self, b: &[u8], out: &mut Vec<Vec<u8>>) {
        let Some((seq, line)) = klog::kmsg_record(b) else {
            return;
        };
        if self.skip_to.is_some_and(|s| seq <= s) {
            // Taken before the restart.
            self.last_seq = Some(seq);
            return;
        }
        if let Some(last) = self.last_seq {
            if seq > last + 1 {
                crate::notice!(
                    "imklog: {} kernel log records were overwritten before they were read ({}: sequence {} to {})",
                    seq - last - 1,
                    self.path,
                    last + 1,
                    seq - 1
                );
            }
        }
        self.last_seq = Some(seq);
        // Cut at maxMessageSize, as a /proc/kmsg line is.
        for piece in line.chunks(self.line_max) {
            out.push(piece.to_vec());
        }
    }

    /// Lines of `b`, the last partial one kept; a line reaching
    /// `maxMessageSize` is cut there.
    fn split(&mut self, mut b: &[u8], out: &mut Vec<Vec<u8>>) {
        while !b.is_empty() {
            let room = self.line_max - self.partial.len();
            match memchr::memchr(b'\n', &b[..b.len().min(room + 1)]) {
                Some(i) => {
                    self.partial.extend_from_slice(&b[..i]);
                    out.push(std::mem::take(&mut self.partial));
                    b = &b[i + 1..];
                }
                None if b.len() >= room => {
                    self.partial.extend_from_slice(&b[..room]);
                    out.push(std::mem::take(&mut self.partial));
                    b = &b[room..];
                }
                None => {
                    self.partial.extend_from_slice(b);
                    b = &[];
                }
            }
            debug_assert!(self.partial.len() < self.line_max);
        }
    }
}

/// Sets the kernel's console log level; false (errno set) when it may not.
fn set_console_level(level: libc::c_int) -> bool {
    // SAFETY: klogctl with a null buffer and a level only sets the
    // console log level; it touches no memory of ours.
    unsafe { libc::klogctl(SYSLOG_ACTION_CONSOLE_LEVEL, std::ptr::null_mut(), level) == 0 }
}

/// At exit the console level in force before is put back. rsyslog calls
/// klogctl's "console on", which restores only a level that "console off"
/// saved, so the console stays at imklog's level after rsyslog stops.
impl Drop for Klog {
    fn drop(&mut self) {
        if let Some(level) = self.console_before {
            let _ = set_console_level(level);
        }
    }
}

/// The kernel's boot time as Unix nanoseconds (realtime less monotonic),
/// to date a line by its `[secs.usecs]`, as rsyslog does.
fn boot_time_nanos() -> i128 {
    let clock = |id| {
        let mut t = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `t` is a valid timespec for clock_gettime to fill.
        unsafe { libc::clock_gettime(id, &mut t) };
        i128::from(t.tv_sec) * 1_000_000_000 + i128::from(t.tv_nsec)
    };
    clock(libc::CLOCK_REALTIME) - clock(libc::CLOCK_MONOTONIC)
}

/// Core 0: reads the kernel log into `ruleset` until the inputs stop,
/// then what is left once more.
pub async fn run(mut k: Klog, ctx: Rc<CoreCtx>, ruleset: u32) {
    // An input: shutdown waits for it, and releases its wait for room.
    let _guard = ctx.tasks.enter();
    let origin = Arc::new(Origin::new(&ctx.myhostname, "127.0.0.1", "imklog"));
    let mut limit = RateLimit::new(k.config.ratelimit_interval_s, k.config.ratelimit_burst);
    let mut lines = Vec::new();
    loop {
        let stopping = ctx.stop.is_stopped();
        lines.clear();
        let read = k.read_lines(&mut lines);
        if !lines.is_empty() {
            let shard = ctx.shard_for(ruleset);
            let mut items = shard.chunk();
            let now = ctx.clock.now();
            let boot = boot_time_nanos();
            for l in &lines {
                let Some(Kernel { pri, text, uptime }) = klog::line(l, &k.config.options) else {
                    continue;
                };
                if !limit.admit(Instant::now(), "imklog") {
                    continue;
                }
                let time = uptime
                    .and_then(|(s, us)| {
                        ctx.clock
                            .at(boot + i128::from(s) * 1_000_000_000 + i128::from(us) * 1000)
                    })
                    .unwrap_or(now);
                items.push(Message::generated(
                    &text,
                    b"kernel:",
                    ctx.myhostname.as_bytes(),
                    pri,
                    time,
                    origin.clone(),
                    ruleset,
                ));
            }
            // Waits for room (the kernel holds what is not read
            // meanwhile), until shutdown releases the wait.
            let queued = shard.enqueue(&mut items).await;
            shard.recycle(items);
            // Where a disk queue made them durable, the position is kept
            // now; with a memory queue only at a clean stop (a crash then
            // logs records again rather than skipping them).
            if queued && shard.spool().is_some_and(|s| s.disk_only()) {
                k.save();
            }
        }
        match read {
            Ok(_) if lines.len() >= LINES_PER_TURN && !stopping => {
                glommio::yield_if_needed().await;
                continue;
            }
            Ok(_) => {}
            Err(e) => {
                crate::notice!(
                    "imklog: error reading kernel log {} - shutting down: {e}",
                    k.path
                );
                return;
            }
        }
        if stopping {
            k.save();
            return;
        }
        futures_lite::future::or(ctx.stop.wait(), glommio::timer::sleep(POLL)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(line_max: usize) -> Klog {
        let config = KlogConfig {
            path: "/dev/null".into(),
            options: Default::default(),
            console_log_level: None,
            ratelimit_interval_s: 0,
            ratelimit_burst: 0,
            ruleset: None,
        };
        Klog::open(&config, line_max, None).unwrap()
    }

    #[test]
    fn lines_split_across_reads_and_cut_at_the_limit() {
        let mut k = reader(8);
        let mut out = Vec::new();
        k.split(b"<6>ab\n<6>c", &mut out);
        assert_eq!(out, [b"<6>ab".to_vec()]);
        k.split(b"d\n<6>0123456789\n", &mut out);
        assert_eq!(
            out,
            [
                b"<6>ab".to_vec(),
                b"<6>cd".to_vec(),
                b"<6>01234".to_vec(),
                b"56789".to_vec()
            ]
        );
        assert!(k.partial.is_empty());
    }

    #[test]
    fn a_line_of_exactly_the_limit_then_newline() {
        let mut k = reader(4);
        let mut out = Vec::new();
        k.split(b"abcd\nef", &mut out);
        assert_eq!(out, [b"abcd".to_vec()]);
        assert_eq!(k.partial, b"ef");
    }
}
