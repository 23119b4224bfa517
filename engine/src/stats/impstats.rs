//! impstats: every `interval` seconds, corelogd's counters as rsyslog
//! 8.2302's impstats reports them, into a file (`log.file`) and as
//! messages through the rules (`log.syslog`).
//!
//! In: the plan (inputs, actions, buckets), the cores' published counters
//! ([`super::Board`]), the actions' shared counters. Out: one line per
//! statistics object, in rsyslog's order and names where rsyslog has the
//! object:
//! 1. `global` (origin `dynstats`) and `global` (origin `percentile`);
//! 2. `imuxsock`; each `dyn_stats` and `percentile_stats` bucket; each
//!    action (`processed`, `failed`, `suspended`, `suspended.duration`,
//!    `resumed`);
//! 3. each network input: `imudp(*/514/IPv4)`, `imtcp(514)`,
//!    `imptcp(*/514/IPv4)`, `imrelp(2514)`; `imhttp` (its log inputs
//!    together: `submitted`, `failed`, `discarded`, as newer rsyslog's);
//! 4. `resource-usage`;
//! 5. each action's own queue (`<action> queue`; none for a Direct one),
//!    each ruleset queue and `main Q` (`size`, `enqueued`, `full`,
//!    `discarded.full`, `discarded.nf`, `maxqsize`); a disk-assisted
//!    queue is one object (rsyslog adds a `…[DA]` object for its disk
//!    part);
//! 6. corelog's own: `corelog` (what rsyslog has no counter for: TLS
//!    handshakes, sessions refused and evicted, kernel UDP drops, …) and
//!    `core N` (each core's share of the main queue).
//!
//! Counts are summed over cores; a queue's `maxqsize` is the sum of each
//! core's most (an upper bound on the whole queue's). With
//! `resetCounters`, counters (not gauges: sizes, resource usage,
//! `suspended.duration`) report what was counted since the last report,
//! as rsyslog's resettable ones do.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::line::StatsObject;
use super::{Board, CoreSnapshot, ShardSnapshot};
use crate::config::modules::impstats::ImpstatsConfig;
use crate::config::Plan;
use crate::corectx::{CoreCtx, InputStats};
use crate::input::{InputSpec, Kind};
use crate::msg::{Message, Origin};
use crate::output::runner::ActionShared;
use crate::Timestamp;

/// The tag of impstats' messages.
const TAG: &[u8] = b"rsyslogd-pstats:";

/// Counters that are gauges: never reset.
const GAUGES: [&str; 3] = ["size", "maxqsize", "suspended.duration"];

/// What impstats reads and what it remembers between reports.
pub struct Reporter {
    pub config: ImpstatsConfig,
    plan: Arc<Plan>,
    specs: Arc<Vec<InputSpec>>,
    actions: Vec<Arc<ActionShared>>,
    board: Arc<Board>,
    udp_drops: Arc<AtomicU64>,
    /// With `resetCounters`: each counter's value at the last report.
    baseline: HashMap<(String, String), i64>,
    file: Option<std::fs::File>,
    /// The file could not be opened (said once until it can).
    file_failed: bool,
    /// Reads change nothing (imhttp's metrics): no bucket is reset.
    peek: bool,
    /// imhttp's log inputs' counters, when imhttp is loaded.
    http: Option<Arc<crate::http::post::Counters>>,
}

impl Reporter {
    pub fn new(
        config: ImpstatsConfig,
        plan: Arc<Plan>,
        specs: Arc<Vec<InputSpec>>,
        actions: Vec<Arc<ActionShared>>,
        board: Arc<Board>,
        udp_drops: Arc<AtomicU64>,
    ) -> Reporter {
        debug_assert_eq!(actions.len(), plan.actions.len());
        Reporter {
            config,
            plan,
            specs,
            actions,
            board,
            udp_drops,
            baseline: HashMap::new(),
            file: None,
            file_failed: false,
            peek: false,
            http: None,
        }
    }

    /// Reports imhttp's counters (rsyslog's `imhttp` object) when imhttp
    /// is loaded.
    pub fn with_http(mut self, c: Arc<crate::http::post::Counters>) -> Reporter {
        self.http = self.plan.http.is_some().then_some(c);
        self
    }

    /// A reporter whose reads change nothing, for imhttp's metrics:
    /// counters are never reset, nor are dyn_stats buckets.
    pub fn for_metrics(mut self) -> Reporter {
        self.config.reset_counters = false;
        self.config.bracketing = false;
        self.peek = true;
        self
    }

    /// One report's lines (with BEGIN and END when bracketing).
    pub fn lines(&mut self) -> Vec<String> {
        let format = self.config.format;
        let mut lines: Vec<String> = self.objects().iter().map(|o| o.render(format)).collect();
        if self.config.bracketing {
            lines.insert(0, "BEGIN".into());
            lines.push("END".into());
        }
        lines
    }

    /// Every object, in rsyslog's order, with resets applied.
    pub fn objects(&mut self) -> Vec<StatsObject> {
        let (sum, cores) = self.board.read();
        let mut out = vec![self.dynstats_global(), self.percentile_global()];
        out.extend(self.imuxsock(&sum));
        out.extend(self.buckets());
        out.extend(self.plan.actions.iter().zip(&self.actions).map(|(a, s)| {
            let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
            StatsObject::new(a.name(), "core.action")
                .counter("processed", s.processed())
                .counter("failed", load(&s.failed))
                .counter("suspended", load(&s.suspensions))
                .counter("suspended.duration", load(&s.suspended_secs))
                .counter("resumed", load(&s.resumed))
        }));
        out.extend(self.network_inputs(&sum));
        if let Some(h) = &self.http {
            let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
            out.push(
                StatsObject::new("imhttp", "imhttp")
                    .counter("submitted", load(&h.submitted))
                    .counter("failed", load(&h.failed))
                    .counter("discarded", load(&h.discarded)),
            );
        }
        out.push(super::rusage::resource_usage());
        for a in action_order(&self.plan) {
            if let Some(Some(q)) = sum.actions.get(a) {
                out.push(queue(&format!("{} queue", self.plan.actions[a].name()), q));
            }
        }
        for (r, q) in self.plan.rulesets.iter().zip(&sum.rulesets) {
            if let Some(q) = q {
                out.push(queue(&r.name, q));
            }
        }
        out.push(queue("main Q", &sum.main));
        out.push(self.corelog(&sum));
        out.extend(cores.iter().enumerate().map(|(i, c)| {
            StatsObject::new(format!("core {i}"), "corelog")
                .counter("queue.size", c.main.len)
                .counter("queue.enqueued", c.main.stats.enqueued)
        }));
        if self.config.reset_counters {
            for o in &mut out {
                self.reset(o);
            }
        }
        out
    }

    /// Turns `o`'s counters into what was counted since the last report.
    fn reset(&mut self, o: &mut StatsObject) {
        // Buckets reset themselves (a resettable dyn_stats bucket on each
        // read, as rsyslog's MUST_RESET counters); resource usage and
        // percentile windows are gauges.
        let gauge = matches!(o.origin, "impstats" | "dynstats.bucket")
            || o.origin.starts_with("percentile");
        for (name, v) in &mut o.counters {
            if gauge || GAUGES.contains(&name.as_str()) || name == "queue.size" {
                continue;
            }
            let before = self
                .baseline
                .insert((o.name.clone(), name.clone()), *v)
                .unwrap_or(0);
            *v -= before.min(*v);
        }
    }

    fn dynstats_global(&self) -> StatsObject {
        let mut g = StatsObject::new("global", "dynstats");
        g.values_namespace = true;
        for b in &self.plan.dyn_stats {
            let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
            g = g
                .counter(format!("{}.ops_overflow", b.name), load(&b.overflow))
                .counter(format!("{}.new_metric_add", b.name), b.added())
                .counter(format!("{}.no_metric", b.name), load(&b.no_metric))
                .counter(format!("{}.metrics_purged", b.name), b.purged())
                .counter(format!("{}.ops_ignored", b.name), 0)
                .counter(format!("{}.purge_triggered", b.name), 0);
        }
        g
    }

    fn percentile_global(&self) -> StatsObject {
        let mut g = StatsObject::new("global", "percentile");
        g.values_namespace = true;
        for b in &self.plan.percentile_stats {
            g = g
                .counter(format!("{}.new_metric_add", b.name), b.keys() as u64)
                .counter(
                    format!("{}.ops_overflow", b.name),
                    b.overflow.load(Ordering::Relaxed),
                );
        }
        g
    }

    /// The `dyn_stats` buckets (each read resets a resettable one, as in
    /// rsyslog), then the `percentile_stats` buckets.
    fn buckets(&self) -> Vec<StatsObject> {
        let mut out = Vec::new();
        for b in &self.plan.dyn_stats {
            let mut o = StatsObject::new(&b.name, "dynstats.bucket");
            o.values_namespace = true;
            let counts = if self.peek { b.peek() } else { b.take() };
            for (k, v) in counts {
                o = o.counter(String::from_utf8_lossy(&k), v);
            }
            out.push(o);
        }
        for b in &self.plan.percentile_stats {
            let mut o = StatsObject::new(&b.name, "percentile.bucket");
            o.values_namespace = true;
            let d = &b.delimiter;
            for w in b.windows() {
                let key = String::from_utf8_lossy(&w.key);
                for (p, v) in &w.percentiles {
                    o = o.counter(format!("{key}{d}p{p}"), *v as u64);
                }
                o = o
                    .counter(format!("{key}{d}window_min"), w.min as u64)
                    .counter(format!("{key}{d}window_max"), w.max as u64)
                    .counter(format!("{key}{d}window_sum"), w.sum as u64)
                    .counter(format!("{key}{d}window_count"), w.count);
            }
            out.push(o);
        }
        out
    }

    /// One `imuxsock` object for every unix-socket input, as rsyslog has.
    fn imuxsock(&self, sum: &CoreSnapshot) -> Option<StatsObject> {
        let mut any = false;
        let mut total = InputStats::default();
        for (spec, s) in self.specs.iter().zip(&sum.inputs) {
            if matches!(spec.kind, Kind::UnixDgram | Kind::UnixStream) {
                any = true;
                total = total.add(s);
            }
        }
        any.then(|| {
            StatsObject::new("imuxsock", "imuxsock")
                .counter("submitted", total.received)
                .counter("ratelimit.discarded", total.dropped_ratelimit)
                .counter("ratelimit.numratelimiters", 0)
        })
    }

    /// The TCP, UDP and RELP inputs, named as rsyslog names them.
    fn network_inputs(&self, sum: &CoreSnapshot) -> Vec<StatsObject> {
        let mut out = Vec::new();
        for (spec, s) in self.specs.iter().zip(&sum.inputs) {
            let c = &spec.config;
            let port = spec.addrs.first().map_or(0, |a| a.port());
            let family = match spec.addrs.first() {
                Some(a) if a.is_ipv6() => "IPv6",
                _ => "IPv4",
            };
            let addr = match spec.addrs.first() {
                Some(a) if !a.ip().is_unspecified() => a.ip().to_string(),
                _ => "*".into(),
            };
            let name = &c.input_name;
            let o = match (c.module, spec.kind) {
                ("imudp", _) => {
                    StatsObject::new(format!("{name}({addr}/{port}/{family})"), "imudp")
                        .counter("submitted", s.received)
                        .counter("disallowed", s.denied)
                }
                ("imptcp", _) => {
                    StatsObject::new(format!("{name}({addr}/{port}/{family})"), "imptcp")
                        .counter("submitted", s.received)
                        .counter("sessions.opened", s.sessions_opened)
                        .counter(
                            "sessions.openfailed",
                            s.sessions_refused + s.sessions_refused_source,
                        )
                        .counter("sessions.closed", 0)
                        .counter("bytes.received", s.bytes)
                        .counter("bytes.decompressed", 0)
                }
                ("imtcp" | "imrelp", _) => StatsObject::new(format!("{name}({port})"), c.module)
                    .counter("submitted", s.received),
                _ => continue,
            };
            out.push(o);
        }
        out
    }

    /// corelog's own counters, summed over inputs and cores.
    fn corelog(&self, sum: &CoreSnapshot) -> StatsObject {
        let t = sum
            .inputs
            .iter()
            .fold(InputStats::default(), |a, b| a.add(b));
        StatsObject::new("corelog", "corelog")
            .counter("received", t.received)
            .counter("bytes.received", t.bytes)
            .counter("ratelimit.discarded", t.dropped_ratelimit)
            .counter("full.discarded", t.dropped_full)
            .counter("denied", t.denied)
            .counter("unparsed", t.unparsed)
            .counter("receive.errors", t.receive_errors)
            .counter("sessions.opened", t.sessions_opened)
            .counter("sessions.refused", t.sessions_refused)
            .counter("sessions.refused.source", t.sessions_refused_source)
            .counter("sessions.evicted", t.sessions_evicted)
            .counter("tls.handshakes", t.tls_handshakes)
            .counter("tls.handshakes.failed", t.tls_handshakes_failed)
            .counter("udp.kernel.dropped", self.udp_drops.load(Ordering::Relaxed))
    }

    /// Appends `lines` to `log.file`, each after the time as C's `ctime`
    /// writes it (`Mon Mar  6 10:00:00 2023: …`). A file that cannot be
    /// opened or written is said (once) and tried again next time.
    pub fn write_file(&mut self, lines: &[String], now: &Timestamp) {
        let Some(path) = self.config.log_file.clone() else {
            return;
        };
        if self.file.is_none() {
            match open_append(&path) {
                Ok(f) => {
                    self.file = Some(f);
                    self.file_failed = false;
                }
                Err(e) => {
                    if !self.file_failed {
                        crate::notice!("impstats: cannot open {}: {e}; its statistics are not written until it can be.", path.display());
                    }
                    self.file_failed = true;
                    return;
                }
            }
        }
        let stamp = ctime(now);
        let mut out = Vec::new();
        for l in lines.iter().filter(|l| !l.is_empty()) {
            out.extend_from_slice(stamp.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(l.as_bytes());
            out.push(b'\n');
        }
        if let Some(f) = &mut self.file {
            if let Err(e) = f.write_all(&out) {
                crate::notice!("impstats: cannot write {}: {e}.", path.display());
                self.file = None;
            }
        }
    }

    /// After SIGHUP: the file is opened again (rotated away).
    pub fn reopen(&mut self) {
        self.file = None;
    }
}

fn open_append(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .custom_flags(libc::O_CLOEXEC)
        .open(path)
}

/// The actions in the order rsyslog starts their queues: ruleset by
/// ruleset (the default one first, then as defined), each in the order
/// its statements name them.
fn action_order(plan: &Plan) -> Vec<usize> {
    fn walk(stmts: &[crate::rule::Stmt], out: &mut Vec<usize>) {
        use crate::rule::Stmt;
        for s in stmts {
            match s {
                Stmt::Action(n) if !out.contains(n) => out.push(*n),
                Stmt::If { then, els, .. } => {
                    walk(then, out);
                    walk(els, out);
                }
                Stmt::Foreach { body, .. } => walk(body, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    for r in &plan.rulesets {
        walk(&r.stmts, &mut out);
    }
    for a in 0..plan.actions.len() {
        if !out.contains(&a) {
            out.push(a);
        }
    }
    out
}

/// A queue's object (`main Q`, a ruleset's, `<action> queue`).
fn queue(name: &str, q: &ShardSnapshot) -> StatsObject {
    StatsObject::new(name, "core.queue")
        .counter("size", q.len)
        .counter("enqueued", q.stats.enqueued)
        .counter("full", q.stats.full)
        .counter("discarded.full", q.stats.dropped_full)
        .counter("discarded.nf", q.stats.discarded)
        .counter("maxqsize", q.stats.max_len)
}

/// C's `ctime` without its newline: `Mon Mar  6 10:00:00 2023`.
pub fn ctime(t: &Timestamp) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let weekday = time::Month::try_from(t.month)
        .ok()
        .and_then(|m| time::Date::from_calendar_date(i32::from(t.year), m, t.day).ok())
        .map_or(0, |d| usize::from(d.weekday().number_days_from_monday()));
    format!(
        "{} {} {:2} {:02}:{:02}:{:02} {}",
        DAYS[weekday],
        String::from_utf8_lossy(t.month_name()),
        t.day,
        t.hour,
        t.minute,
        t.second,
        t.year
    )
}

/// Core 0's impstats task: every `interval` until the inputs stop, one
/// report into the file and (as messages of the configured ruleset) into
/// the rules. `hup` says whether a SIGHUP came since it was last asked.
pub async fn run(mut reporter: Reporter, ctx: Rc<CoreCtx>, mut hup: impl FnMut() -> bool) {
    let done = ctx.stop.clone();
    let origin = Arc::new(Origin::new(&ctx.myhostname, "127.0.0.1", "impstats"));
    let ruleset = reporter
        .config
        .ruleset
        .unwrap_or(reporter.plan.default_ruleset) as u32;
    loop {
        futures_lite::future::or(done.wait(), glommio::timer::sleep(reporter.config.interval))
            .await;
        if done.is_stopped() {
            break;
        }
        if hup() {
            reporter.reopen();
        }
        let now = ctx.clock.now();
        let lines = reporter.lines();
        reporter.write_file(&lines, &now);
        if reporter.config.log_syslog {
            let mut items = ctx.shard_for(ruleset).chunk();
            items.extend(lines.iter().map(|l| {
                Message::generated(
                    l.as_bytes(),
                    TAG,
                    ctx.myhostname.as_bytes(),
                    reporter.config.pri,
                    now,
                    origin.clone(),
                    ruleset,
                )
            }));
            // Bounded: a queue that stays full (queue.timeoutEnqueue)
            // drops the report's lines (counted), never stops shutdown.
            ctx.shard_for(ruleset).enqueue_timeout(&mut items).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctime_as_c_writes_it() {
        let t = crate::msg::timestamp::parse_rfc3339(b"2023-03-06T10:00:00+00:00")
            .unwrap()
            .0;
        assert_eq!(ctime(&t), "Mon Mar  6 10:00:00 2023");
        let t = crate::msg::timestamp::parse_rfc3339(b"2026-12-13T01:02:03+00:00")
            .unwrap()
            .0;
        assert_eq!(ctime(&t), "Sun Dec 13 01:02:03 2026");
    }
}
