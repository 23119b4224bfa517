//! One action on its owning core: writes batches, retries, suspends.
//!
//! In: [`Rendered`] batches from every core. Out: the batch written by the
//! output, or — when the output fails — retried `action.resumeRetryCount`
//! times `action.resumeInterval` apart (forever with −1, which holds the
//! batch and so backs up the queues: rsyslog's "never lose" setting), and
//! then the action is suspended for `resumeInterval × (n/10 + 1)` (n ≤ 20,
//! capped by `resumeIntervalMax`), as rsyslog's action.c. Batches that
//! arrive while it is suspended are discarded and counted, as in rsyslog;
//! the suspension is visible to every core through [`ActionShared`], so
//! that `execOnlyWhenPreviousIsSuspended` actions take over.
//!
//! A failed batch is retried whole: forwarding is at-least-once.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::path::PathBuf;

use crate::config::{ActionDef, OutputConfig};

use super::omfile::{prefix_dir, FileOptions, OmFile};
use super::omfwd::OmFwd;
use super::omkafka::OmKafka;
use super::omnats::OmNats;
use super::omrelp::OmRelp;
use super::Rendered;
use crate::template::Step;

/// What every core knows of an action.
#[derive(Debug, Default)]
pub struct ActionShared {
    pub suspended: AtomicBool,
    /// Messages written.
    pub written: AtomicU64,
    /// Messages discarded because the action was suspended.
    pub discarded: AtomicU64,
    /// Messages not written because their dynaFile could not be opened
    /// (a path that escapes, a symlink, a permission).
    pub unopened: AtomicU64,
    /// Messages the action failed to write, given up when it suspended
    /// (impstats' `failed`).
    pub failed: AtomicU64,
    /// Times the action was suspended, and the seconds of those
    /// suspensions (impstats' `suspended`, `suspended.duration`).
    pub suspensions: AtomicU64,
    pub suspended_secs: AtomicU64,
    /// Times it resumed after failing (impstats' `resumed`).
    pub resumed: AtomicU64,
    /// When (Unix seconds) its current suspension began; 0: it is not
    /// suspended (for imhttp's health).
    pub suspended_since: AtomicU64,
    /// When (Unix seconds) the action was last given a message that was
    /// not a skipped mark (kept only for actions that skip marks).
    pub last_message_s: AtomicU64,
}

impl ActionShared {
    /// How long the action has been suspended (`None`: it is not).
    pub fn suspended_for(&self) -> Option<Duration> {
        let since = self.suspended_since.load(Ordering::Relaxed);
        (since != 0).then(|| Duration::from_secs(unix_now().saturating_sub(since)))
    }

    /// Messages handed to the action (impstats' `processed`).
    pub fn processed(&self) -> u64 {
        [&self.written, &self.discarded, &self.unopened, &self.failed]
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .sum()
    }
}

pub enum Output {
    File(OmFile),
    Fwd(OmFwd),
    Relp(Box<OmRelp>),
    Kafka(Box<OmKafka>),
    Nats(Box<OmNats>),
    UsrMsg(super::omusrmsg::OmUsrMsg),
    UxSock(super::omuxsock::OmUxSock),
    Prog(Box<super::omprog::OmProg>),
}

pub struct ActionRunner {
    name: String,
    pub output: Output,
    retry_count: i64,
    interval: Duration,
    interval_max: Duration,
    suspended_until: Option<Instant>,
    suspensions: u32,
    pub shared: Arc<ActionShared>,
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Why an action's output cannot be made (checked at start and by `-N1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionError {
    pub action: String,
    pub why: String,
}

impl std::fmt::Display for ActionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "action '{}': {}", self.action, self.why)
    }
}

impl std::error::Error for ActionError {}

/// The directory a dynaFile template's paths must stay in: that of its
/// leading constant text (`/var/log/remote/` of
/// `/var/log/remote/%HOSTNAME%/messages`).
pub fn dynafile_dir(t: &crate::template::Template) -> PathBuf {
    let prefix: Vec<u8> = t
        .steps()
        .iter()
        .map_while(|s| match s {
            Step::Constant(b) => Some(&b[..]),
            Step::Field(_) => None,
        })
        .flatten()
        .copied()
        .collect();
    prefix_dir(&prefix)
}

impl ActionRunner {
    pub fn new(a: &ActionDef, shared: Arc<ActionShared>) -> Result<ActionRunner, ActionError> {
        let name = a.name();
        let output = match &a.output {
            OutputConfig::Omfile(c) => {
                let mut opts = FileOptions::new(c).map_err(|owner| ActionError {
                    action: name.to_string(),
                    why: owner.to_string(),
                })?;
                if let Some(t) = a.dynafile.as_deref().filter(|_| !c.permit_path_escape) {
                    opts.contain = Some(dynafile_dir(t));
                }
                let path = if a.dynafile.is_some() {
                    None
                } else {
                    c.file.as_deref().map(PathBuf::from)
                };
                Output::File(OmFile::new(path, opts))
            }
            OutputConfig::Omfwd(c) => Output::Fwd(OmFwd::new(c).map_err(|why| ActionError {
                action: name.to_string(),
                why: format!("TLS: {why}"),
            })?),
            OutputConfig::Omrelp(c) => {
                Output::Relp(Box::new(OmRelp::new(c).map_err(|why| ActionError {
                    action: name.to_string(),
                    why: format!("TLS: {why}"),
                })?))
            }
            OutputConfig::Omusrmsg(c) => Output::UsrMsg(super::omusrmsg::OmUsrMsg::new(c)),
            OutputConfig::Omuxsock(c) => Output::UxSock(super::omuxsock::OmUxSock::new(c)),
            OutputConfig::Omprog(c) => {
                super::omprog::OmProg::check(c).map_err(|why| ActionError {
                    action: name.to_string(),
                    why,
                })?;
                Output::Prog(Box::new(super::omprog::OmProg::new(c)))
            }
            OutputConfig::Omkafka(c) => Output::Kafka(Box::new(OmKafka::new(c, name))),
            OutputConfig::Omnats(c) => {
                let n = OmNats::new(c, name).map_err(|why| ActionError {
                    action: name.to_string(),
                    why: format!("TLS: {why}"),
                })?;
                Output::Nats(Box::new(n))
            }
        };
        let c = &a.common;
        Ok(ActionRunner {
            name: name.to_string(),
            output,
            retry_count: c.resume_retry_count,
            interval: Duration::from_secs(c.resume_interval_s.max(1)),
            interval_max: Duration::from_secs(c.resume_interval_max_s.max(1)),
            suspended_until: None,
            suspensions: 0,
            shared,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The action queue's files, `name` in `dir`: omnats names the
    /// messages it reads from them by their number there.
    pub fn name_queue(&mut self, dir: &std::path::Path, name: &str) {
        if let Output::Nats(n) = &mut self.output {
            n.name_queue(dir, name);
        }
    }

    /// Messages passed over so far: omfile's for want of their dynaFile,
    /// omkafka's that can never be delivered.
    fn unopened(&self) -> u64 {
        match &self.output {
            Output::File(f) => f.failed,
            Output::Kafka(k) => k.failed,
            Output::Nats(n) => n.failed,
            Output::UxSock(u) => u.failed,
            _ => 0,
        }
    }

    /// Writes `r`, retrying and suspending as configured.
    pub async fn deliver(&mut self, r: &Rendered) {
        if r.is_empty() {
            return;
        }
        if let Some(until) = self.suspended_until {
            if Instant::now() < until {
                self.shared
                    .discarded
                    .fetch_add(u64::from(r.count), Ordering::Relaxed);
                return;
            }
        }
        let mut tries = 0i64;
        // Passed over by any try of this batch (a retry does not pass the
        // same messages over again).
        let failed_before = self.unopened();
        loop {
            match self.try_write(r).await {
                Ok(()) => {
                    let unopened = self.unopened() - failed_before;
                    self.shared.unopened.fetch_add(unopened, Ordering::Relaxed);
                    if self.suspended_until.take().is_some() || tries > 0 {
                        self.shared.resumed.fetch_add(1, Ordering::Relaxed);
                        crate::notice!("corelogd: action '{}' resumed.", self.name);
                    }
                    self.suspensions = 0;
                    self.shared.suspended.store(false, Ordering::Relaxed);
                    self.shared.suspended_since.store(0, Ordering::Relaxed);
                    self.shared
                        .written
                        .fetch_add(u64::from(r.count) - unopened, Ordering::Relaxed);
                    return;
                }
                Err(e) => {
                    if tries == 0 {
                        crate::notice!("corelogd: action '{}' failed: {e}.", self.name);
                    }
                    if self.retry_count < 0 || tries < self.retry_count {
                        tries += 1;
                        glommio::timer::sleep(self.interval).await;
                        continue;
                    }
                    let n = self.suspensions.min(20);
                    self.suspensions = (self.suspensions + 1).min(20);
                    let wait = (self.interval * (n / 10 + 1)).min(self.interval_max);
                    self.suspended_until = Some(Instant::now() + wait);
                    self.shared.suspended.store(true, Ordering::Relaxed);
                    self.shared.suspensions.fetch_add(1, Ordering::Relaxed);
                    let _ = self.shared.suspended_since.compare_exchange(
                        0,
                        unix_now(),
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    );
                    self.shared
                        .suspended_secs
                        .fetch_add(wait.as_secs(), Ordering::Relaxed);
                    match &mut self.output {
                        Output::Relp(f) => f.forget(),
                        Output::Kafka(k) => k.forget(),
                        Output::Nats(n) => n.forget(),
                        Output::UxSock(u) => u.forget(),
                        Output::Prog(p) => p.forget(),
                        _ => {}
                    }
                    let passed_over = self.unopened() - failed_before;
                    self.shared
                        .unopened
                        .fetch_add(passed_over, Ordering::Relaxed);
                    self.shared
                        .failed
                        .fetch_add(u64::from(r.count) - passed_over, Ordering::Relaxed);
                    crate::notice!(
                        "corelogd: action '{}' suspended for {} s; messages sent to it meanwhile are discarded (set action.resumeRetryCount=\"-1\" to hold them instead).",
                        self.name,
                        wait.as_secs()
                    );
                    return;
                }
            }
        }
    }

    async fn try_write(&mut self, r: &Rendered) -> std::io::Result<()> {
        match &mut self.output {
            Output::File(f) => f.write(r),
            Output::Fwd(f) => f.write(r).await,
            Output::Relp(f) => f.write(r).await,
            Output::Kafka(k) => k.write(r).await,
            Output::Nats(n) => n.write(r).await,
            Output::UsrMsg(f) => f.write(r),
            Output::UxSock(u) => u.write(r).await,
            Output::Prog(p) => p.write(r).await,
        }
    }

    /// Ends a suspension whose time is up, so cores route to it again.
    pub fn tick(&mut self) {
        if let Some(until) = self.suspended_until {
            if Instant::now() >= until {
                self.shared.suspended.store(false, Ordering::Relaxed);
            }
        }
    }

    pub fn flush(&mut self) {
        if let Output::File(f) = &mut self.output {
            if let Err(e) = f.flush() {
                crate::notice!("corelogd: action '{}': {e}.", self.name);
            }
        }
    }

    /// Once a second: omfile's `flushInterval` and `closeTimeout`;
    /// librdkafka's statistics and errors; omprog's programs left running
    /// reaped.
    pub fn timed(&mut self) {
        match &mut self.output {
            Output::File(f) => {
                if let Err(e) = f.timed(Instant::now()) {
                    crate::notice!("corelogd: action '{}': {e}.", self.name);
                }
            }
            Output::Kafka(k) => k.timed(),
            Output::Prog(p) => p.timed(),
            _ => {}
        }
    }

    /// At exit: files flushed, omprog's program ended (within its
    /// `closeTimeout`), RELP sessions closed (`close`, at most a
    /// second for its reply), TLS forwarding connections closed cleanly
    /// (at most a second).
    pub async fn finish(&mut self) {
        self.flush();
        // omprog's program gets its own closeTimeout, not the second below.
        if let Output::Prog(p) = &mut self.output {
            p.finish().await;
        }
        if let Output::Kafka(k) = &mut self.output {
            k.finish();
        }
        let bye = async {
            match &mut self.output {
                Output::Relp(f) => f.finish().await,
                Output::Fwd(f) => f.finish().await,
                Output::Nats(n) => n.finish().await,
                Output::File(_)
                | Output::UsrMsg(_)
                | Output::UxSock(_)
                | Output::Prog(_)
                | Output::Kafka(_) => {}
            }
        };
        futures_lite::future::or(bye, glommio::timer::sleep(Duration::from_secs(1))).await;
    }

    /// Its TLS endpoints (omfwd, omrelp: one; omnats: one per server).
    pub fn tls(&self) -> Vec<Arc<crate::tls::Endpoint>> {
        match &self.output {
            Output::Fwd(f) => f.tls().cloned().into_iter().collect(),
            Output::Relp(r) => r.tls().cloned().into_iter().collect(),
            Output::Nats(n) => n.tls().to_vec(),
            Output::File(_)
            | Output::UsrMsg(_)
            | Output::UxSock(_)
            | Output::Prog(_)
            | Output::Kafka(_) => Vec::new(),
        }
    }

    pub fn reopen(&mut self) {
        match &mut self.output {
            Output::File(f) => {
                if let Err(e) = f.reopen() {
                    crate::notice!("corelogd: action '{}': {e}.", self.name);
                }
            }
            Output::Kafka(k) => k.hup(),
            Output::Prog(p) => p.hup(),
            _ => {}
        }
    }
}
