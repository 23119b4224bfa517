//! One core's life: what it is given, how it starts, what it runs, how it
//! stops.
//!
//! In: a [`CoreJob`] — the plan, the sockets bound for this core, its ends
//! of the cross-core channels. Out: a [`CoreReport`] once the core has
//! drained. The steps, each a method: [`CoreJob::boot`] (this core's
//! queue shards and context), [`CoreJob::wire_actions`] (the actions it
//! owns, their queues, and the channels from and to the other cores),
//! [`CoreJob::start_inputs`] (listeners and hand-offs),
//! [`CoreJob::start_workers`] (one rule worker per shard),
//! [`housekeeping`] (signals, suspensions, timed flushes), and
//! [`CoreJob::shut_down`] (inputs drain into the queues, the queues into
//! the outputs, while the outputs make progress).

use std::cell::Cell;
use std::collections::HashMap;
use std::os::unix::io::FromRawFd;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use glommio::channels::shared_channel::{SharedReceiver, SharedSender};
use glommio::net::{TcpListener, UdpSocket, UnixListener};
use glommio::sync::RwLock;
use glommio::task::JoinHandle;

use super::action_queue;
use super::bind::{self, Bound};
use super::disk;
use super::signals::Signals;
use super::worker::{self, Batch, Remote, Route, Target, WorkerAction};
use super::CoreReport;
use crate::config::queue::{QueueParams, QueueType};
use crate::config::Plan;
use crate::corectx::clock::Clock;
use crate::corectx::{CoreCtx, StopFlag, TaskGroup};
use crate::input::sessions::Sessions;
use crate::input::{dgram, stream, InputSpec, Kind};
use crate::output::runner::{ActionRunner, ActionShared};
use crate::output::Renderer;
use crate::queue::shard::{Shard, ShardStats};
use crate::queue::spool::{Spill, Spool};
use crate::queue::store::{Store, StoreConfig, StoreStats};
use crate::tls::Endpoint;

/// How often housekeeping runs.
const TICK: Duration = Duration::from_millis(50);
/// Ticks in a second: timed flushes (omfile's `flushInterval` is whole
/// seconds) and the kernel's UDP drop counts are read once a second.
const TICKS_PER_SECOND: u64 = 20;
const _: () = assert!(TICK.as_millis() as u64 * TICKS_PER_SECOND == 1000);
/// The shortest wait without progress before the shutdown drain gives up,
/// whatever `queue.timeoutShutdown` says: less is shorter than a tick of
/// the outputs' own timers.
const DRAIN_WAIT_MIN: Duration = Duration::from_millis(100);
const _: () = assert!(DRAIN_WAIT_MIN.as_millis() >= TICK.as_millis());

/// A core's channel to an action's owner, with the owner's count of the
/// batches it took care of.
pub(super) type ActionTx = (SharedSender<Batch>, Arc<AtomicU64>);
/// The owner's end: the action, the channel and that count.
pub(super) type ActionRx = (usize, SharedReceiver<Batch>, Arc<AtomicU64>);

/// Everything one core starts with.
pub(super) struct CoreJob {
    pub core: usize,
    pub cores: usize,
    pub plan: Arc<Plan>,
    pub specs: Arc<Vec<InputSpec>>,
    pub bound: Vec<Bound>,
    pub senders: Vec<Option<ActionTx>>,
    pub receivers: Vec<ActionRx>,
    pub shared: Vec<Arc<ActionShared>>,
    /// Per input: its live sessions, over all cores.
    pub sessions: Vec<Arc<Sessions>>,
    pub signals: Arc<Signals>,
    pub clock: Clock,
    pub myhostname: String,
    pub udp_ports: Vec<u16>,
    pub udp_drops: Arc<AtomicU64>,
    /// Where this core publishes its counters (for impstats).
    pub board: Arc<crate::stats::Board>,
    /// imhttp's log inputs' counters (core 0's are the ones counted).
    pub http_counters: Arc<crate::http::post::Counters>,
    /// imhttp's listeners (core 0's; empty elsewhere).
    pub http: Vec<std::net::TcpListener>,
    /// Unix sockets systemd passed, by input (core 0's).
    pub unix_passed: Vec<(usize, std::os::fd::RawFd)>,
    /// systemd's notification socket, if any.
    pub notifier: Arc<super::systemd::Notifier>,
    /// Cores still starting: the last one to be up says READY=1.
    pub startup: Arc<AtomicUsize>,
    /// Where corelogd's own messages go (core 0's; `None`: stderr only).
    pub internal: Option<super::internal::Route>,
    pub handoff_tx: Vec<Option<SharedSender<stream::Handoff>>>,
    pub handoff_rx: Vec<SharedReceiver<stream::Handoff>>,
    pub accepted: Vec<Arc<AtomicUsize>>,
    pub disk: disk::DiskQueues,
    /// Where the cores wait while privileges are dropped (`None`: none
    /// to drop).
    pub gate: Option<Arc<super::privdrop::Gate>>,
}

/// A unix socket bound at start (core 0's, before privileges are dropped).
struct UnixBound {
    input: usize,
    socket: UnixSocket,
    /// Its file, to remove at exit (`unlink`).
    remove: Option<std::path::PathBuf>,
}

enum UnixSocket {
    Dgram(dgram::Socket),
    Stream(UnixListener),
}

/// The queues of the actions a core owns, by action index.
type ActionQueues = Vec<(usize, Rc<Shard>)>;

/// The actions a core owns and how its rule workers reach every action.
struct Actions {
    runners: HashMap<usize, Rc<RwLock<ActionRunner>>>,
    /// Action queues and the tasks that drain them into their runners.
    queue_workers: Vec<(Rc<Shard>, Holding)>,
    /// The same queues by action index (for the statistics).
    queues: ActionQueues,
    /// The tasks taking batches for owned actions from the other cores.
    receive_tasks: Vec<Holding>,
}

/// A task on the data path, and how many messages it holds that no queue
/// or output has taken yet: what giving up on the task gives up.
struct Holding {
    task: JoinHandle<()>,
    messages: Rc<Cell<u64>>,
}

/// The open stores of one core and their flusher tasks.
#[derive(Default)]
struct Stores {
    open: Vec<(Rc<Store>, JoinHandle<()>)>,
    all: Vec<Rc<Store>>,
}

impl CoreJob {
    /// `maxMessageSize`, at least 1.
    fn max_message(&self) -> usize {
        self.plan.globals.max_message_size.max(1) as usize
    }

    /// `$WorkDirectory`, where set.
    fn work_directory(&self) -> Option<&std::path::Path> {
        self.plan
            .globals
            .work_directory
            .as_deref()
            .map(std::path::Path::new)
    }

    pub(super) async fn run(mut self) -> CoreReport {
        let unix = match self.core {
            0 => self.bind_unix_inputs(),
            _ => Vec::new(),
        };
        // The kernel log is opened with the first privileges, as rsyslog
        // does; one that cannot be is said (as rsyslog says it), and the
        // rest runs.
        let klog = match (&self.plan.klog, self.core) {
            (Some(k), 0) => super::klog::Klog::open(k, self.max_message(), self.work_directory())
                .map_err(|e| crate::notice!("corelogd: {e}"))
                .ok(),
            _ => None,
        };
        // Everything that needs the privileges corelogd started with is
        // open: wait while the main thread drops them.
        if let Some(gate) = self.gate.take() {
            if !gate.pass() {
                return CoreReport::default();
            }
        }
        let mut stores = Stores::default();
        let ctx = self.boot(&mut stores);
        let (actions, routes) = self.wire_actions(&ctx, &mut stores).await;
        let unix_paths = self.start_inputs(&ctx, unix).await;
        // Inputs bound, disk queues recovered: the last core up says so.
        if self.startup.fetch_sub(1, Ordering::AcqRel) == 1 {
            crate::notice::internal(6, &super::internal::origin_line("start"));
            self.notifier.notify(&format!(
                "READY=1\nSTATUS=Processing messages: {} input(s), {} action(s) on {} core(s)\nMAINPID={}",
                self.specs.len(),
                self.plan.actions.len(),
                self.cores,
                std::process::id()
            ));
        }
        // The workers hold the routes from here on: when they end, the
        // channels to the other cores close.
        let workers = self.start_workers(&ctx, routes);
        let done = Rc::new(StopFlag::default());
        let runners: Vec<_> = actions.runners.values().cloned().collect();
        // TLS to reload on SIGHUP: (core 0) the inputs' (shared by all
        // cores); the outputs' are this core's runners' own.
        let tls: Vec<Reloadable> = match self.core {
            0 => self
                .specs
                .iter()
                .filter_map(|s| Some((s.describe(), s.tls.clone()?)))
                .collect(),
            _ => Vec::new(),
        };
        let impstats = self.start_impstats(&ctx);
        let internal = self.internal.take().map(|r| {
            let ruleset = self.plan.default_ruleset as u32;
            glommio::spawn_local(super::internal::run(r, ctx.clone(), ruleset))
        });
        let http = self.start_http(&ctx);
        let klog = klog.map(|k| {
            let ruleset = self.plan.klog.as_ref().and_then(|c| c.ruleset);
            let ruleset = ruleset.unwrap_or(self.plan.default_ruleset) as u32;
            glommio::spawn_local(super::klog::run(k, ctx.clone(), ruleset))
        });
        let imfile = self
            .plan
            .imfile
            .clone()
            .filter(|_| self.core == 0)
            .map(|c| {
                let m = super::imfile::Imfile::new(
                    c,
                    self.max_message(),
                    self.work_directory(),
                    self.parsers(),
                    &ctx.myhostname,
                );
                glommio::spawn_local(super::imfile::run(m, ctx.clone()))
            });
        // imkafka's consumers, on core 0 beside imfile.
        let kafka: Vec<_> = self
            .plan
            .imkafka
            .iter()
            .filter(|_| self.core == 0)
            .flat_map(|c| c.inputs.clone())
            .map(|i| glommio::spawn_local(super::imkafka::run(i, self.parsers(), ctx.clone())))
            .collect();
        let mark = self.plan.mark.clone().filter(|_| self.core == 0).map(|m| {
            let ruleset = m.ruleset.unwrap_or(self.plan.default_ruleset) as u32;
            let to_rules = self.plan.globals.internal.process;
            glommio::spawn_local(super::mark::run(m, to_rules, ctx.clone(), ruleset))
        });
        let housekeeping = glommio::spawn_local(housekeeping(
            self.core,
            ctx.clone(),
            done.clone(),
            self.signals.clone(),
            (runners, tls, actions.queues.clone()),
            (self.udp_ports.clone(), self.udp_drops.clone()),
            (self.board.clone(), self.notifier.clone()),
        ));
        ctx.stop.wait().await;
        if let Some(t) = impstats {
            t.await;
        }
        if let Some(t) = internal {
            t.await;
        }
        for t in http {
            t.await;
        }
        // immark stops at once; imklog and imfile are inputs that shutdown
        // drains (they may be waiting for room), so they are awaited after.
        if let Some(t) = mark {
            t.await;
        }
        let report = self.shut_down(&ctx, actions, workers, &mut stores).await;
        if let Some(t) = klog {
            t.await;
        }
        if let Some(t) = imfile {
            t.await;
        }
        for t in kafka {
            t.await;
        }
        done.stop();
        housekeeping.await;
        for p in unix_paths {
            // Gone already, or never ours: nothing else to remove.
            let _ = std::fs::remove_file(p);
        }
        report
    }

    /// Each ruleset's parser chain, for the inputs that parse on core 0.
    fn parsers(&self) -> Vec<Option<Arc<crate::parse::chain::Chain>>> {
        self.plan
            .rulesets
            .iter()
            .map(|r| r.parsers.clone())
            .collect()
    }

    /// Core 0: impstats' reports, when it is loaded, until inputs stop.
    fn start_impstats(&self, ctx: &Rc<CoreCtx>) -> Option<glommio::Task<()>> {
        let config = self.plan.impstats.clone().filter(|_| self.core == 0)?;
        let reporter = crate::stats::impstats::Reporter::new(
            config,
            self.plan.clone(),
            self.specs.clone(),
            self.shared.clone(),
            self.board.clone(),
            self.udp_drops.clone(),
        )
        .with_http(self.http_counters.clone());
        let signals = self.signals.clone();
        let mut generation = signals.hup_generation();
        let hup = move || {
            let g = signals.hup_generation();
            std::mem::replace(&mut generation, g) != g
        };
        Some(glommio::spawn_local(crate::stats::impstats::run(
            reporter,
            ctx.clone(),
            hup,
        )))
    }

    /// Core 0: imhttp's metrics and health, when it is loaded, until
    /// inputs stop.
    fn start_http(&mut self, ctx: &Rc<CoreCtx>) -> Vec<glommio::Task<()>> {
        use std::os::fd::{FromRawFd, IntoRawFd};
        let Some(config) = self.plan.http.clone() else {
            return Vec::new();
        };
        let reporter = crate::stats::impstats::Reporter::new(
            self.plan.impstats.clone().unwrap_or_default(),
            self.plan.clone(),
            self.specs.clone(),
            self.shared.clone(),
            self.board.clone(),
            self.udp_drops.clone(),
        )
        .with_http(self.http_counters.clone())
        .for_metrics();
        let inputs = config
            .inputs
            .iter()
            .map(|i| {
                let parsers = self.plan.rulesets[i.ruleset].parsers.clone();
                let max = self.plan.globals.max_message_size.max(1) as usize;
                crate::http::post::Input::new(i.clone(), parsers, max)
            })
            .collect();
        let state = Rc::new(crate::http::State {
            inputs,
            ctx: ctx.clone(),
            posts: Default::default(),
            counters: self.http_counters.clone(),
            config,
            reporter: std::cell::RefCell::new(reporter),
            board: self.board.clone(),
            actions: self
                .plan
                .actions
                .iter()
                .map(|a| a.name().to_string())
                .zip(self.shared.iter().cloned())
                .collect(),
        });
        std::mem::take(&mut self.http)
            .into_iter()
            .map(|l| {
                // SAFETY: the descriptor is a bound, listening, non-blocking
                // TCP socket whose ownership `into_raw_fd` hands over whole.
                let l = unsafe { glommio::net::TcpListener::from_raw_fd(l.into_raw_fd()) };
                glommio::spawn_local(crate::http::serve(l, state.clone(), ctx.stop.clone()))
            })
            .collect()
    }

    /// This core's shards (main queue, ruleset queues), on disk where
    /// configured, and the context its tasks share.
    fn boot(&self, stores: &mut Stores) -> Rc<CoreCtx> {
        let (c, plan) = (self.core, &self.plan);
        let mut shard = |q: &QueueParams, cfg: &Option<StoreConfig>| match cfg {
            Some(cfg) => Rc::new(Shard::spooled(
                q,
                stores.open(&disk::DiskQueues::shard(cfg, c)),
                plan.rulesets.len() as u32,
            )),
            None => Rc::new(Shard::new(q)),
        };
        let main_shard = shard(&plan.main_queue, &self.disk.main);
        let ruleset_shards = plan
            .rulesets
            .iter()
            .zip(&self.disk.rulesets)
            .map(|(r, cfg)| r.queue.as_ref().map(|q| shard(q, cfg)))
            .collect();
        Rc::new(CoreCtx {
            tasks: Rc::new(TaskGroup::default()),
            shard: main_shard,
            ruleset_shards,
            stop: Rc::new(StopFlag::default()),
            parse: plan.globals.parse,
            clock: self.clock,
            myhostname: self.myhostname.clone(),
            global_vars: plan.global_vars.clone(),
            lookup_tables: plan.lookup_tables.clone(),
            stats: self.specs.iter().map(|_| Default::default()).collect(),
            recv_budget: Default::default(),
        })
    }

    /// The actions this core owns (action `a` by core `a % cores`), their
    /// queues, the tasks that take their batches from the other cores, and
    /// the routes by which this core's workers reach every action.
    async fn wire_actions(
        &mut self,
        ctx: &Rc<CoreCtx>,
        stores: &mut Stores,
    ) -> (Actions, Vec<Route>) {
        let plan = self.plan.clone();
        let mut runners = HashMap::new();
        for (a, def) in plan.actions.iter().enumerate() {
            if a % self.cores == self.core {
                let mut r =
                    ActionRunner::new(def, self.shared[a].clone()).expect("validated at start");
                if let Some(cfg) = &self.disk.actions[a] {
                    r.name_queue(&cfg.dir, &cfg.name);
                }
                runners.insert(a, Rc::new(RwLock::new(r)));
            }
        }
        // Actions with a queue of their own get a worker that drains it.
        let mut targets: HashMap<usize, Target> = HashMap::new();
        let mut queue_workers = Vec::new();
        let mut queues = Vec::new();
        for (&a, runner) in &runners {
            if plan.actions[a].queue.kind == QueueType::Direct {
                targets.insert(a, Target::Direct(runner.clone()));
                continue;
            }
            let store = self.disk.actions[a].as_ref().map(|cfg| stores.open(cfg));
            let def = &plan.actions[a];
            let q = Rc::new(Shard::for_action(&def.queue, store));
            let messages = Rc::new(Cell::new(0));
            let work = action_queue::work(
                ctx.clone(),
                q.clone(),
                Renderer::new(def),
                runner.clone(),
                messages.clone(),
            );
            let task = glommio::spawn_local(work).detach();
            queue_workers.push((q.clone(), Holding { task, messages }));
            queues.push((a, q.clone()));
            targets.insert(a, Target::Queued(q));
        }
        let mut receive_tasks = Vec::new();
        for (a, rx, acked) in std::mem::take(&mut self.receivers) {
            let target = targets[&a].clone();
            let messages = Rc::new(Cell::new(0));
            let holding = messages.clone();
            let receive = async move {
                let rx = rx.connect().await;
                while let Some(mut batch) = rx.recv().await {
                    holding.set(batch.len() as u64);
                    target.deliver(&mut batch).await;
                    holding.set(0);
                    acked.fetch_add(1, Ordering::Release);
                }
            };
            let task = glommio::spawn_local(receive).detach();
            receive_tasks.push(Holding { task, messages });
        }
        let mut routes = Vec::with_capacity(plan.actions.len());
        for (a, tx) in std::mem::take(&mut self.senders).into_iter().enumerate() {
            routes.push(match tx {
                Some((tx, acked)) => Route::Remote(Rc::new(Remote::new(tx.connect().await, acked))),
                None => Route::Local(targets[&a].clone()),
            });
        }
        let actions = Actions {
            runners,
            queue_workers,
            queues,
            receive_tasks,
        };
        (actions, routes)
    }

    /// Listeners on this core's sockets, the tasks that take the TCP
    /// connections other cores hand over, and (core 0) the unix sockets.
    /// Returns the socket files to remove at exit.
    async fn start_inputs(
        &mut self,
        ctx: &Rc<CoreCtx>,
        unix: Vec<UnixBound>,
    ) -> Vec<std::path::PathBuf> {
        debug_assert!(self.core == 0 || unix.is_empty());
        let specs: Rc<Vec<Rc<InputSpec>>> =
            Rc::new(self.specs.iter().cloned().map(Rc::new).collect());
        for rx in std::mem::take(&mut self.handoff_rx) {
            let (ctx, specs, sessions) = (ctx.clone(), specs.clone(), self.sessions.clone());
            glommio::spawn_local(async move {
                let _guard = ctx.tasks.enter();
                let rx = rx.connect().await;
                while let Some(h) = rx.recv().await {
                    let conn = stream::Conn::Tcp(h.stream.bind_to_executor());
                    stream::start(&ctx, &specs[h.input], conn, &sessions[h.input]);
                }
            })
            .detach();
        }
        let mut handoffs = Vec::with_capacity(self.cores);
        for tx in std::mem::take(&mut self.handoff_tx) {
            handoffs.push(match tx {
                Some(tx) => Some(tx.connect().await),
                None => None,
            });
        }
        let handoffs = Rc::new(handoffs);
        for b in std::mem::take(&mut self.bound) {
            let spec = Rc::new(self.specs[b.input].clone());
            // SAFETY (both adoptions): `b.fd` was opened by `bind_all` for
            // this core alone and is adopted exactly once, here.
            match b.kind {
                Kind::Tcp => {
                    let l = unsafe { TcpListener::from_raw_fd(b.fd) };
                    let balancer = (self.cores > 1).then(|| stream::Balancer {
                        input: b.input,
                        next: self.accepted[b.input].clone(),
                        handoffs: handoffs.clone(),
                    });
                    let listener = stream::Listener::Tcp(l);
                    let sessions = self.sessions[b.input].clone();
                    let serve = stream::serve(ctx.clone(), spec, listener, sessions, balancer);
                    glommio::spawn_local(serve).detach();
                }
                Kind::Udp => {
                    let s = unsafe { UdpSocket::from_raw_fd(b.fd) };
                    let serve = dgram::serve(ctx.clone(), spec, dgram::Socket::udp(s));
                    glommio::spawn_local(serve).detach();
                }
                Kind::UnixDgram | Kind::UnixStream => {}
            }
        }
        // The listeners hold the hand-off senders from here on; when they
        // stop, the other cores' hand-off receivers end.
        drop(handoffs);
        self.start_unix_inputs(ctx, unix)
    }

    /// Binds the unix sockets, all on core 0 (before privileges are
    /// dropped: `/dev/log` is root's); a socket that cannot be bound or
    /// given its mode stops corelogd.
    fn bind_unix_inputs(&self) -> Vec<UnixBound> {
        let mut out = Vec::new();
        for (i, spec) in self.specs.iter().enumerate() {
            let Some(file) = spec.socket() else {
                continue;
            };
            let path = file.path.clone();
            if let Some(&(_, fd)) = self.unix_passed.iter().find(|p| p.0 == i) {
                // systemd's socket: its file and mode are systemd's, and it
                // outlives this process (nothing to remove at exit).
                // SAFETY: the descriptor is a bound unix datagram socket that
                // systemd passed and only this input owns (bind_all takes
                // only those).
                let socket = dgram::Socket::unix(unsafe {
                    std::os::unix::net::UnixDatagram::from_raw_fd(fd)
                })
                .map(UnixSocket::Dgram);
                match socket {
                    Ok(socket) => out.push(UnixBound {
                        input: i,
                        socket,
                        remove: None,
                    }),
                    Err(e) => {
                        crate::notice!(
                            "corelogd: {}: the socket systemd passed for {}: {e}; stopping.",
                            spec.module(),
                            path.display()
                        );
                        self.signals.request_stop();
                    }
                }
                continue;
            }
            let socket = match spec.kind {
                Kind::UnixDgram => std::os::unix::net::UnixDatagram::bind(&path)
                    .and_then(dgram::Socket::unix)
                    .map(UnixSocket::Dgram),
                Kind::UnixStream => UnixListener::bind(&path)
                    .map(UnixSocket::Stream)
                    .map_err(std::io::Error::from),
                Kind::Tcp | Kind::Udp => continue,
            };
            let r = socket
                .map_err(|e| format!("cannot bind {}: {e}", path.display()))
                .and_then(|socket| {
                    bind::set_mode(&path, file.mode).map_err(|e| {
                        format!("cannot give {} mode {:o}: {e}", path.display(), file.mode)
                    })?;
                    Ok(socket)
                });
            match r {
                Ok(socket) => out.push(UnixBound {
                    input: i,
                    socket,
                    remove: file.unlink.then_some(path),
                }),
                Err(e) => {
                    crate::notice!("corelogd: {}: {e}; stopping.", spec.module());
                    self.signals.request_stop();
                }
            }
        }
        out
    }

    /// Serves the unix sockets bound at start; returns the socket files to
    /// remove at exit.
    fn start_unix_inputs(
        &self,
        ctx: &Rc<CoreCtx>,
        bound: Vec<UnixBound>,
    ) -> Vec<std::path::PathBuf> {
        let mut unix_paths = Vec::new();
        for b in bound {
            let spec = Rc::new(self.specs[b.input].clone());
            match b.socket {
                UnixSocket::Dgram(s) => {
                    let serve = dgram::serve(ctx.clone(), spec, s);
                    glommio::spawn_local(serve).detach();
                }
                UnixSocket::Stream(l) => {
                    let listener = stream::Listener::Unix(l);
                    let sessions = self.sessions[b.input].clone();
                    let serve = stream::serve(ctx.clone(), spec, listener, sessions, None);
                    glommio::spawn_local(serve).detach();
                }
            }
            unix_paths.extend(b.remove);
        }
        unix_paths
    }

    /// One rule worker per shard: the main queue's, and each ruleset
    /// queue's.
    fn start_workers(&self, ctx: &Rc<CoreCtx>, routes: Vec<Route>) -> Vec<JoinHandle<()>> {
        let plan = &self.plan;
        let bodies = Rc::new(plan.ruleset_bodies());
        ctx.shards()
            .map(|shard| {
                let actions = plan
                    .actions
                    .iter()
                    .zip(&routes)
                    .enumerate()
                    .map(|(a, (def, route))| {
                        let mark = plan.mark.as_ref().map(|m| m.interval);
                        WorkerAction::new(def, route.clone(), self.shared[a].clone(), mark)
                    })
                    .collect();
                let work = worker::run(ctx.clone(), shard.clone(), bodies.clone(), actions);
                glommio::spawn_local(work).detach()
            })
            .collect()
    }

    /// Inputs take in what the kernel had accepted while the queues move;
    /// one still waiting for room after `timeout` without progress stops
    /// waiting (see [`Shard::abort_waits`]). Then the shards close.
    async fn drain_inputs(&self, ctx: &Rc<CoreCtx>, timeout: Duration) {
        let mut last = progress(ctx.shards().map(|s| &**s), &self.shared);
        loop {
            let finished = futures_lite::future::or(
                async {
                    ctx.tasks.wait_empty().await;
                    true
                },
                async {
                    glommio::timer::sleep(timeout).await;
                    false
                },
            )
            .await;
            let now = progress(ctx.shards().map(|s| &**s), &self.shared);
            if finished || now == last {
                break;
            }
            last = now;
        }
        for shard in ctx.shards() {
            shard.abort_waits();
        }
        ctx.tasks.wait_empty().await;
        for shard in ctx.shards() {
            shard.close();
        }
    }

    /// Inputs finish what they read while the queues move; then the shards
    /// drain through the rules, the channels into their owners, the action
    /// queues into their outputs — each for as long as the outputs make
    /// progress, and to disk where a queue has one.
    async fn shut_down(
        &self,
        ctx: &Rc<CoreCtx>,
        actions: Actions,
        workers: Vec<JoinHandle<()>>,
        stores: &mut Stores,
    ) -> CoreReport {
        let c = self.core;
        let timeout = Duration::from_millis(self.plan.timeout_shutdown_ms().max(0) as u64)
            .max(DRAIN_WAIT_MIN);
        self.drain_inputs(ctx, timeout).await;
        let mut abandoned = 0;
        let mut saved = 0;
        for (shard, w) in ctx.shards().zip(workers) {
            // What is on disk is safe there: a spooled shard gets
            // timeoutShutdown, then keeps the rest for the next start.
            let until_idle = shard.spool().is_none();
            let finished = drain(w, &[shard], &self.shared, timeout, until_idle).await;
            match shard.spool() {
                Some(sp) => {
                    let (s, lost) = stores.shutdown(sp).await;
                    saved += s;
                    abandoned += lost;
                }
                None if !finished => abandoned += given_up(timeout, shard.len() as u64),
                None => {}
            }
        }
        // A batch being handed to an action queue moves when that queue
        // does.
        let watched: Vec<&Shard> = std::iter::once(&*ctx.shard)
            .chain(actions.queue_workers.iter().map(|(q, _)| &**q))
            .collect();
        for t in actions.receive_tasks {
            if !drain(t.task, &watched, &self.shared, timeout, true).await {
                abandoned += given_up(timeout, t.messages.get());
            }
        }
        let (action_queues, s, lost) = self
            .drain_action_queues(actions.queue_workers, stores, timeout)
            .await;
        saved += s;
        abandoned += lost;
        if saved > 0 {
            crate::notice!(
                "corelogd: core {c}: {saved} message(s) in memory saved to disk queues (queue.saveOnShutdown); they are delivered after the next start."
            );
        }
        for r in actions.runners.values() {
            if let Ok(mut r) = r.try_write() {
                r.finish().await;
            }
        }
        // A runner still held by a write to a program that reads nothing
        // could not be finished: its program is ended here.
        crate::output::omprog::end_abandoned().await;
        CoreReport {
            input: ctx.input_totals(),
            shard: ctx
                .shards()
                .map(|s| s.stats())
                .fold(ShardStats::default(), |a, b| a.add(&b)),
            abandoned: abandoned + ctx.shards().map(|s| s.stats().given_up).sum::<u64>(),
            dropped_action_queue: action_queues.dropped_full,
            discarded_action_queue: action_queues.discarded,
            saved,
            store: stores.stats(),
        }
    }

    /// Each action queue drains into its output while the output makes
    /// progress, then keeps the rest on disk where it has one. Returns
    /// the queues' counters, and the messages saved to disk and given up.
    async fn drain_action_queues(
        &self,
        queues: Vec<(Rc<Shard>, Holding)>,
        stores: &mut Stores,
        timeout: Duration,
    ) -> (ShardStats, u64, u64) {
        let (mut stats, mut saved, mut abandoned) = (ShardStats::default(), 0, 0);
        for (q, t) in queues {
            q.close();
            let until_idle = q.spool().is_none();
            let finished = drain(t.task, &[&q], &self.shared, timeout, until_idle).await;
            match q.spool() {
                Some(sp) => {
                    let (s, lost) = stores.shutdown(sp).await;
                    saved += s;
                    abandoned += lost;
                }
                None if !finished => {
                    abandoned += given_up(timeout, q.len() as u64 + t.messages.get())
                }
                None => {}
            }
            let s = q.stats();
            if s.dropped_full > 0 {
                crate::notice!(
                    "corelogd: an action queue on core {} was full: {} message(s) dropped after queue.timeoutEnqueue.",
                    self.core,
                    s.dropped_full
                );
            }
            stats = stats.add(&s);
        }
        (stats, saved, abandoned)
    }
}

/// An input's TLS endpoint to re-read on SIGHUP, with what to call it in a
/// notice.
type Reloadable = (String, Arc<Endpoint>);

/// Every [`TICK`] until `done`: passes a stop request on to the inputs,
/// ends suspensions whose time is up, reopens files and re-reads TLS
/// certificates and keys after SIGHUP, gives
/// files their `flushInterval` and `closeTimeout` once a second, and
/// (core 0) reads the kernel's UDP drop counts.
async fn housekeeping(
    core: usize,
    ctx: Rc<CoreCtx>,
    done: Rc<StopFlag>,
    signals: Arc<Signals>,
    (runners, tls, queues): (Vec<Rc<RwLock<ActionRunner>>>, Vec<Reloadable>, ActionQueues),
    (udp_ports, udp_drops): (Vec<u16>, Arc<AtomicU64>),
    (board, notifier): (Arc<crate::stats::Board>, Arc<super::systemd::Notifier>),
) {
    let mut watchdog_at = Instant::now();
    let mut generation = signals.poll_hup();
    let mut ticks = 0u64;
    // Runners a SIGHUP asked to reopen that have not yet.
    let mut reopen_due = vec![false; runners.len()];
    // Running from now: the health endpoint sees this core at once.
    board.publish(core, crate::stats::CoreSnapshot::of(&ctx, &queues));
    loop {
        futures_lite::future::or(done.wait(), glommio::timer::sleep(TICK)).await;
        if done.is_stopped() {
            break;
        }
        ticks += 1;
        let second = ticks % TICKS_PER_SECOND == 0;
        if second {
            board.publish(core, crate::stats::CoreSnapshot::of(&ctx, &queues));
        }
        let stopping = signals.stop_requested();
        if core == 0 && !udp_ports.is_empty() && (second || stopping && !ctx.stop.is_stopped()) {
            udp_drops.store(udp_kernel_drops(&udp_ports), Ordering::Relaxed);
        }
        if stopping && !ctx.stop.is_stopped() {
            if core == 0 {
                notifier.notify("STOPPING=1\nSTATUS=Stopping: draining the queues");
                crate::notice::internal(
                    6,
                    &super::internal::origin_line("exiting on a stop signal."),
                );
            }
            ctx.stop.stop();
        }
        // systemd's watchdog, kept fed while every core publishes.
        if let Some(w) = notifier.watchdog.filter(|_| core == 0) {
            let alive = board
                .ages()
                .iter()
                .all(|a| a.is_some_and(|a| a <= crate::http::CORE_SILENT_MAX));
            if alive && watchdog_at.elapsed() >= w / 2 {
                notifier.notify("WATCHDOG=1");
                watchdog_at = Instant::now();
            }
        }
        let g = signals.poll_hup();
        let hup = g != generation;
        generation = g;
        if hup {
            for (what, t) in &tls {
                t.reload(what);
            }
            // Lookup tables are shared by every core: core 0 reloads them.
            for t in ctx
                .lookup_tables
                .iter()
                .filter(|t| core == 0 && t.reload_on_hup)
            {
                if let Err(e) = t.reload(None) {
                    crate::notice::say(format_args!("SIGHUP: {e}"));
                }
            }
            // An output's endpoint, whenever its runner is free (a write
            // in progress finishes first): never skipped.
            for r in &runners {
                if let Ok(r) = r.read().await {
                    for t in r.tls() {
                        t.reload(&format!("action '{}'", r.name()));
                    }
                }
            }
        }
        if hup {
            reopen_due.iter_mut().for_each(|d| *d = true);
        }
        for (r, due) in runners.iter().zip(reopen_due.iter_mut()) {
            // A runner busy with a write (a Kafka batch can wait for its
            // broker for minutes) reopens at the first tick it is free:
            // a SIGHUP is never lost.
            if let Ok(mut r) = r.try_write() {
                r.tick();
                if std::mem::take(due) {
                    r.reopen();
                } else if second {
                    r.timed();
                }
            }
        }
    }
}

impl Stores {
    /// Opens (recovering) the store of `cfg`; a store that cannot be
    /// opened stops corelogd before any input runs on this core.
    fn open(&mut self, cfg: &StoreConfig) -> Rc<Store> {
        let store = match Store::open(cfg.clone()) {
            Ok(s) => Rc::new(s),
            Err(e) => {
                crate::notice!("corelogd: {e}; stopping.");
                std::process::exit(1);
            }
        };
        let flusher = glommio::spawn_local(store.clone().flusher()).detach();
        self.open.push((store.clone(), flusher));
        self.all.push(store.clone());
        store
    }

    fn stats(&self) -> StoreStats {
        self.all
            .iter()
            .fold(StoreStats::default(), |a, s| a.add(&s.stats()))
    }

    fn take_flusher(&mut self, store: &Rc<Store>) -> Option<JoinHandle<()>> {
        let i = self.open.iter().position(|(s, _)| Rc::ptr_eq(s, store))?;
        Some(self.open.swap_remove(i).1)
    }

    /// Shuts `spool`'s store down (saving its memory); returns (saved, lost).
    async fn shutdown<T: Spill>(&mut self, spool: &Spool<T>) -> (u64, u64) {
        match self.take_flusher(&spool.store) {
            Some(f) => spool.shutdown(f).await,
            None => (0, 0),
        }
    }
}

/// Waits for `task` while outputs make progress or `watched` queues
/// move; gives it up (cancels it) after `timeout` without progress — or,
/// when not `until_idle`, after `timeout` at all. True when it finished.
async fn drain(
    mut task: JoinHandle<()>,
    watched: &[&Shard],
    shared: &[Arc<ActionShared>],
    timeout: Duration,
    until_idle: bool,
) -> bool {
    let mut last = progress(watched.iter().copied(), shared);
    loop {
        let finished = futures_lite::future::or(
            async {
                (&mut task).await;
                true
            },
            async {
                glommio::timer::sleep(timeout).await;
                false
            },
        )
        .await;
        if finished {
            return true;
        }
        let now = progress(watched.iter().copied(), shared);
        if !until_idle || now == last {
            task.cancel();
            return false;
        }
        last = now;
    }
}

/// Says that a shutdown gives up `n` messages of a memory queue or a task
/// whose output made no progress for `timeout`; returns `n`.
fn given_up(timeout: Duration, n: u64) -> u64 {
    if n > 0 {
        crate::notice!(
            "corelogd: an output made no progress for {} ms during shutdown; giving up {n} message(s) it had not taken.",
            timeout.as_millis()
        );
    }
    n
}

/// Changes while a shutdown moves: when an output writes, or one of
/// `shards` shrinks (a worker took a batch) or grows (an input took room).
fn progress<'a>(shards: impl Iterator<Item = &'a Shard>, shared: &[Arc<ActionShared>]) -> u64 {
    let written = shared
        .iter()
        .map(|s| s.written.load(Ordering::Relaxed) + s.unopened.load(Ordering::Relaxed));
    let queued = shards.map(|s| s.len() as u64);
    written.sum::<u64>().wrapping_sub(queued.sum())
}

/// Drops counted by the kernel on UDP sockets bound to `ports`.
fn udp_kernel_drops(ports: &[u16]) -> u64 {
    let mut total = 0;
    for f in ["/proc/net/udp", "/proc/net/udp6"] {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let Some(local) = cols.get(1) else { continue };
            let port = local
                .rsplit(':')
                .next()
                .and_then(|p| u16::from_str_radix(p, 16).ok());
            if port.is_some_and(|p| ports.contains(&p)) {
                total += cols.last().and_then(|d| d.parse::<u64>().ok()).unwrap_or(0);
            }
        }
    }
    total
}
