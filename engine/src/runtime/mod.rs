//! The thread-per-core runtime: executes a [`Plan`].
//!
//! In: a validated plan, the number of cores, the process's signal flags.
//! Out: a [`Report`] of what was received, queued, dropped and written,
//! once SIGTERM/SIGINT has stopped the inputs and every queue has drained.
//!
//! One glommio executor per core, pinned. Each core owns its listening
//! sockets (opened up front by [`bind`], SO_REUSEPORT), its main-queue
//! [`shard`], and the worker that runs the rules over the shard's batches
//! ([`worker`]). Each action is owned by one core (action `a` by core
//! `a % cores`), which is its only writer; the other cores hand it
//! rendered batches through bounded glommio shared channels, one per
//! (core, action) pair. Nothing else crosses cores on the data path.
//!
//! Shutdown: inputs stop reading; the shard drains through the rules into
//! the actions; the channels drain into the owners; files are flushed.
//! Nothing that was read is dropped while an output makes progress; if an
//! output stops making progress for `queue.timeoutShutdown`, the daemon
//! says how many messages it is giving up and exits.

pub mod action_queue;
pub mod bind;
pub mod disk;
pub mod limits;
pub mod pidfile;
pub mod signals;
pub mod worker;

use std::collections::HashMap;
use std::os::unix::io::FromRawFd;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use glommio::channels::shared_channel::{self, SharedReceiver, SharedSender};
use glommio::net::{TcpListener, UdpSocket, UnixDatagram, UnixListener};
use glommio::sync::RwLock;
use glommio::{LocalExecutorBuilder, Placement};

use crate::config::modules::omfwd::Protocol;
use crate::config::{OutputConfig, Plan};
use crate::input::{self, dgram, stream, InputSpec, Kind};
use crate::output::runner::{ActionRunner, ActionShared};
use crate::output::Rendered;

use self::action_queue::ActionQueue;
use self::bind::Bound;
use self::signals::Signals;
use self::worker::{Remote, Route, Target, WorkerAction};
use crate::config::queue::{QueueParams, QueueType};
use crate::corectx::{CoreCtx, InputStats, StopFlag, TaskGroup};
use crate::queue::shard::{Shard, ShardStats};
use crate::queue::spool::{Spill, Spool};
use crate::queue::store::{Store, StoreConfig, StoreStats};

/// Batches a (core, action) channel holds.
const CHANNEL_BATCHES: usize = 64;

/// What one core did.
#[derive(Debug, Default, Clone, Copy)]
pub struct CoreReport {
    pub input: InputStats,
    pub shard: ShardStats,
    /// Messages given up at shutdown because an output made no progress.
    pub abandoned: u64,
    /// Messages dropped because an action queue stayed full.
    pub dropped_action_queue: u64,
    /// Messages written from memory to disk queues at shutdown.
    pub saved: u64,
    /// The disk queues' counters, summed.
    pub store: StoreStats,
}

/// What the daemon did, per core and per action.
#[derive(Debug, Default)]
pub struct Report {
    pub cores: Vec<CoreReport>,
    /// (action name, written, discarded while suspended).
    pub actions: Vec<(String, u64, u64)>,
    /// Datagrams the kernel dropped on the UDP inputs' sockets.
    pub udp_kernel_drops: u64,
}

/// Where the daemon listens and writes, for the start-up message.
pub fn describe(plan: &Plan) -> Result<(Vec<String>, Vec<String>), String> {
    let inputs = input::specs(plan)?
        .iter()
        .map(InputSpec::describe)
        .collect();
    let outputs = plan
        .actions
        .iter()
        .map(|a| match (&a.output, &a.dynafile) {
            (_, Some(t)) => format!("omfile dynaFile template {}", t.name()),
            (OutputConfig::Omfile(c), None) => {
                format!("omfile {}", c.file.as_deref().unwrap_or_default())
            }
            (OutputConfig::Omfwd(c), None) => {
                let proto = match c.protocol {
                    Protocol::Udp => "udp",
                    Protocol::Tcp => "tcp",
                };
                format!("omfwd {proto}://{}:{}", c.target, c.port)
            }
            (OutputConfig::Omrelp(c), None) => format!("omrelp relp://{}:{}", c.target, c.port),
        })
        .collect();
    Ok((inputs, outputs))
}

/// What the runtime checks before it starts anything, and `-N1` too:
/// every action's runner can be made (owners looked up) and every input
/// resolves (addresses). Everything else was checked when the
/// configuration was loaded.
pub fn validate(plan: &Plan) -> Result<(), String> {
    for a in &plan.actions {
        ActionRunner::new(a, Arc::default())?;
    }
    input::check(plan)
}

/// The CPUs this process may run on.
fn allowed_cpus() -> Vec<usize> {
    // SAFETY: cpu_set_t is plain old data; sched_getaffinity fills it.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: we pass the size of the set we own.
    let ok =
        unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) }
            == 0;
    let n = std::thread::available_parallelism().map_or(1, |n| n.get());
    if !ok {
        return (0..n).collect();
    }
    // SAFETY: CPU_ISSET reads the set we own.
    (0..libc::CPU_SETSIZE as usize)
        .filter(|&c| unsafe { libc::CPU_ISSET(c, &set) })
        .collect()
}

/// The host name rsyslog would use (`$myhostname`): the configured
/// `localHostname`, else the kernel's, cut at the first dot unless
/// `preserveFQDN`.
pub fn my_hostname(plan: &Plan) -> String {
    if let Some(h) = &plan.globals.local_hostname {
        return h.clone();
    }
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into buf.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    let name = if ok {
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        "localhost".into()
    };
    if plan.globals.preserve_fqdn {
        name
    } else {
        name.split('.').next().unwrap_or("localhost").to_string()
    }
}

/// Runs `plan` on `cores` cores until `signals` asks it to stop.
pub fn run(plan: Plan, cores: Option<usize>, signals: Arc<Signals>) -> Result<Report, String> {
    let cpus = allowed_cpus();
    let cores = cores.unwrap_or(cpus.len()).max(1);
    if cores > cpus.len() {
        return Err(format!(
            "--cores {cores} asks for more cores than this process may use ({}).",
            cpus.len()
        ));
    }
    validate(&plan)?;
    let disk = disk::plan(&plan, cores)?;
    let specs = Arc::new(input::specs(&plan)?);
    limits::check(cores, plan.globals.max_open_files)?;
    let mut bound = bind::bind_all(&specs, cores)?;
    if let Some(mask) = plan.globals.umask {
        // SAFETY: umask only sets the process's file creation mask.
        unsafe { libc::umask(mask as libc::mode_t) };
    }
    let clock = crate::corectx::clock::Clock::local();
    let myhostname = my_hostname(&plan);
    let nactions = plan.actions.len();
    let shared: Vec<Arc<ActionShared>> = (0..nactions).map(|_| Arc::default()).collect();
    let sessions: Vec<Arc<AtomicUsize>> = specs.iter().map(|_| Arc::default()).collect();
    let udp_drops = Arc::new(AtomicU64::new(0));
    let udp_ports: Vec<u16> = specs
        .iter()
        .filter(|s| s.kind == Kind::Udp)
        .flat_map(|s| s.addrs.iter().map(|a| a.port()))
        .collect();

    // Channels: senders[c][a] on core c for actions owned elsewhere;
    // receivers[o] on the owner o.
    // Each channel has a count of the batches the owner took care of.
    let mut senders: Vec<Vec<Option<ActionTx>>> = (0..cores)
        .map(|_| (0..nactions).map(|_| None).collect())
        .collect();
    let mut receivers: Vec<Vec<ActionRx>> = (0..cores).map(|_| Vec::new()).collect();
    for a in 0..nactions {
        let owner = a % cores;
        for (c, row) in senders.iter_mut().enumerate() {
            if c != owner {
                let (tx, rx) = shared_channel::new_bounded(CHANNEL_BATCHES);
                let acked = Arc::new(AtomicU64::new(0));
                row[a] = Some((tx, acked.clone()));
                receivers[owner].push((a, rx, acked));
            }
        }
    }

    // Connection hand-offs: handoff_tx[c][t] on core c, receivers on t.
    let mut handoff_tx: Vec<Vec<Option<SharedSender<stream::Handoff>>>> = (0..cores)
        .map(|_| (0..cores).map(|_| None).collect())
        .collect();
    let mut handoff_rx: Vec<Vec<SharedReceiver<stream::Handoff>>> =
        (0..cores).map(|_| Vec::new()).collect();
    for (c, row) in handoff_tx.iter_mut().enumerate() {
        for (t, slot) in row.iter_mut().enumerate() {
            if c != t {
                let (tx, rx) = shared_channel::new_bounded(64);
                *slot = Some(tx);
                handoff_rx[t].push(rx);
            }
        }
    }
    let accepted: Vec<Arc<AtomicUsize>> = specs.iter().map(|_| Arc::default()).collect();

    let plan = Arc::new(plan);
    let mut handles = Vec::new();
    for c in (0..cores).rev() {
        let job = CoreJob {
            core: c,
            cores,
            plan: plan.clone(),
            specs: specs.clone(),
            bound: bound.pop().unwrap_or_default(),
            senders: senders.pop().unwrap_or_default(),
            receivers: receivers.pop().unwrap_or_default(),
            shared: shared.clone(),
            sessions: sessions.clone(),
            signals: signals.clone(),
            clock,
            myhostname: myhostname.clone(),
            udp_ports: udp_ports.clone(),
            udp_drops: udp_drops.clone(),
            handoff_tx: handoff_tx.pop().unwrap_or_default(),
            handoff_rx: handoff_rx.pop().unwrap_or_default(),
            accepted: accepted.clone(),
            disk: disk.clone(),
        };
        let h = LocalExecutorBuilder::new(Placement::Fixed(cpus[c]))
            .name(&format!("corelog-core{c}"))
            .io_memory(limits::IO_MEMORY_PER_CORE)
            .spawn(move || job.run())
            .map_err(|e| format!("cannot start the executor for core {c}: {e}"))?;
        handles.push(h);
    }
    let mut report = Report::default();
    for h in handles.into_iter().rev() {
        match h.join() {
            Ok(r) => report.cores.push(r),
            Err(e) => return Err(format!("a core's executor failed: {e}")),
        }
    }
    report.actions = plan
        .actions
        .iter()
        .zip(&shared)
        .map(|(a, s)| {
            (
                a.name().to_string(),
                s.written.load(Ordering::Relaxed),
                s.discarded.load(Ordering::Relaxed),
            )
        })
        .collect();
    report.udp_kernel_drops = udp_drops.load(Ordering::Relaxed);
    Ok(report)
}

/// A core's channel to an action's owner, with the owner's count of the
/// batches it took care of.
type ActionTx = (SharedSender<Rendered>, Arc<AtomicU64>);
/// The owner's end: the action, the channel and that count.
type ActionRx = (usize, SharedReceiver<Rendered>, Arc<AtomicU64>);

/// Everything one core starts with.
struct CoreJob {
    core: usize,
    cores: usize,
    plan: Arc<Plan>,
    specs: Arc<Vec<InputSpec>>,
    bound: Vec<Bound>,
    senders: Vec<Option<ActionTx>>,
    receivers: Vec<ActionRx>,
    shared: Vec<Arc<ActionShared>>,
    sessions: Vec<Arc<AtomicUsize>>,
    signals: Arc<Signals>,
    clock: crate::corectx::clock::Clock,
    myhostname: String,
    udp_ports: Vec<u16>,
    udp_drops: Arc<AtomicU64>,
    handoff_tx: Vec<Option<SharedSender<stream::Handoff>>>,
    handoff_rx: Vec<SharedReceiver<stream::Handoff>>,
    accepted: Vec<Arc<AtomicUsize>>,
    disk: disk::DiskQueues,
}

/// The open stores of one core and their flusher tasks.
#[derive(Default)]
struct Stores {
    open: Vec<(Rc<Store>, glommio::task::JoinHandle<()>)>,
    all: Vec<Rc<Store>>,
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

    fn take_flusher(&mut self, store: &Rc<Store>) -> Option<glommio::task::JoinHandle<()>> {
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

impl CoreJob {
    async fn run(self) -> CoreReport {
        let c = self.core;
        let plan = self.plan.clone();
        let mut stores = Stores::default();
        let shard = |q: &QueueParams, cfg: &Option<StoreConfig>, stores: &mut Stores| match cfg {
            Some(cfg) => Rc::new(Shard::spooled(
                q,
                stores.open(&disk::DiskQueues::shard(cfg, c)),
                plan.rulesets.len() as u32,
            )),
            None => Rc::new(Shard::new(q)),
        };
        let main_shard = shard(&plan.main_queue, &self.disk.main, &mut stores);
        let ruleset_shards = plan
            .rulesets
            .iter()
            .zip(&self.disk.rulesets)
            .map(|(r, cfg)| r.queue.as_ref().map(|q| shard(q, cfg, &mut stores)))
            .collect();
        let ctx = Rc::new(CoreCtx {
            tasks: Rc::new(TaskGroup::default()),
            shard: main_shard,
            ruleset_shards,
            stop: Rc::new(StopFlag::default()),
            parse: plan.globals.parse,
            clock: self.clock,
            myhostname: self.myhostname.clone(),
            stats: Default::default(),
        });

        // The actions this core owns, and the tasks that take batches
        // for them from the other cores.
        let mut runners: HashMap<usize, Rc<RwLock<ActionRunner>>> = HashMap::new();
        for (a, def) in plan.actions.iter().enumerate() {
            if a % self.cores == c {
                let r = ActionRunner::new(def, self.shared[a].clone()).expect("validated at start");
                runners.insert(a, Rc::new(RwLock::new(r)));
            }
        }
        // Actions with a queue of their own get a worker that drains it.
        let mut targets: HashMap<usize, Target> = HashMap::new();
        let mut queue_workers = Vec::new();
        for (&a, runner) in &runners {
            if plan.actions[a].queue.kind == QueueType::Direct {
                targets.insert(a, Target::Direct(runner.clone()));
                continue;
            }
            let store = self.disk.actions[a].as_ref().map(|cfg| stores.open(cfg));
            let q = Rc::new(ActionQueue::new(&plan.actions[a].queue, store));
            let (q2, runner) = (q.clone(), runner.clone());
            queue_workers.push((
                q.clone(),
                glommio::spawn_local(action_queue::work(q2, runner)).detach(),
            ));
            targets.insert(a, Target::Queued(q));
        }
        let mut receive_tasks = Vec::new();
        for (a, rx, acked) in self.receivers {
            let target = targets[&a].clone();
            receive_tasks.push(
                glommio::spawn_local(async move {
                    let rx = rx.connect().await;
                    while let Some(mut batch) = rx.recv().await {
                        target.deliver(&mut batch).await;
                        acked.fetch_add(1, Ordering::Release);
                    }
                })
                .detach(),
            );
        }
        let mut routes = Vec::with_capacity(plan.actions.len());
        for (a, tx) in self.senders.into_iter().enumerate() {
            routes.push(match tx {
                Some((tx, acked)) => Route::Remote(Rc::new(Remote::new(tx.connect().await, acked))),
                None => Route::Local(targets[&a].clone()),
            });
        }

        // Inputs. TCP connections are spread over the cores: each core
        // takes connections handed to it by the others.
        let specs: Rc<Vec<Rc<InputSpec>>> =
            Rc::new(self.specs.iter().cloned().map(Rc::new).collect());
        for rx in self.handoff_rx {
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
        for tx in self.handoff_tx {
            handoffs.push(match tx {
                Some(tx) => Some(tx.connect().await),
                None => None,
            });
        }
        let handoffs = Rc::new(handoffs);
        let mut unix_paths = Vec::new();
        for b in &self.bound {
            let spec = Rc::new(self.specs[b.input].clone());
            // SAFETY: `b.fd` was opened by `bind_all` for this core alone
            // and is adopted exactly once, here.
            match b.kind {
                Kind::Tcp => {
                    let l = unsafe { TcpListener::from_raw_fd(b.fd) };
                    let balancer = (self.cores > 1).then(|| stream::Balancer {
                        input: b.input,
                        next: self.accepted[b.input].clone(),
                        handoffs: handoffs.clone(),
                    });
                    glommio::spawn_local(stream::serve(
                        ctx.clone(),
                        spec,
                        stream::Listener::Tcp(l),
                        self.sessions[b.input].clone(),
                        balancer,
                    ))
                    .detach();
                }
                Kind::Udp => {
                    let s = unsafe { UdpSocket::from_raw_fd(b.fd) };
                    glommio::spawn_local(dgram::serve(ctx.clone(), spec, dgram::Socket::Udp(s)))
                        .detach();
                }
                Kind::UnixDgram | Kind::UnixStream => {}
            }
        }
        if c == 0 {
            for (i, spec) in self.specs.iter().enumerate() {
                let Some(path) = spec.socket().map(|f| f.path.clone()) else {
                    continue;
                };
                let spec = Rc::new(spec.clone());
                let r =
                    match spec.kind {
                        Kind::UnixDgram => UnixDatagram::bind(&path)
                            .map_err(std::io::Error::from)
                            .map(|s| {
                                glommio::spawn_local(dgram::serve(
                                    ctx.clone(),
                                    spec.clone(),
                                    dgram::Socket::Unix(s),
                                ))
                                .detach();
                            }),
                        Kind::UnixStream => UnixListener::bind(&path)
                            .map_err(std::io::Error::from)
                            .map(|l| {
                                glommio::spawn_local(stream::serve(
                                    ctx.clone(),
                                    spec.clone(),
                                    stream::Listener::Unix(l),
                                    self.sessions[i].clone(),
                                    None,
                                ))
                                .detach();
                            }),
                        _ => continue,
                    };
                match r {
                    Ok(()) => {
                        let mode = spec.socket().as_ref().map_or(0o666, |f| f.mode);
                        if let Err(e) = bind::set_mode(&path, mode) {
                            crate::notice!(
                                "corelogd: {}: cannot give {} mode {mode:o}: {e}; stopping.",
                                spec.module(),
                                path.display()
                            );
                            self.signals.request_stop();
                        }
                        if spec.socket().as_ref().is_some_and(|f| f.unlink) {
                            unix_paths.push(path);
                        }
                    }
                    Err(e) => {
                        crate::notice!(
                            "corelogd: {}: cannot bind {}: {e}; stopping.",
                            spec.module(),
                            path.display()
                        );
                        self.signals.request_stop();
                    }
                }
            }
        }

        // The listeners hold the hand-off senders from here on; when they
        // stop, the other cores' hand-off receivers end.
        drop(handoffs);
        // One worker per shard: the main queue's, and each ruleset queue's.
        let bodies = Rc::new(plan.ruleset_bodies());
        let workers: Vec<_> = ctx
            .shards()
            .map(|shard| {
                let actions = plan
                    .actions
                    .iter()
                    .zip(&routes)
                    .enumerate()
                    .map(|(a, (def, route))| {
                        WorkerAction::new(def, route.clone(), self.shared[a].clone())
                    })
                    .collect();
                glommio::spawn_local(worker::run(
                    ctx.clone(),
                    shard.clone(),
                    bodies.clone(),
                    actions,
                ))
                .detach()
            })
            .collect();
        drop(routes);

        // Housekeeping: signals, suspensions, timed flushes, UDP drops.
        let done = Rc::new(StopFlag::default());
        let housekeeping = {
            let (ctx, done, signals) = (ctx.clone(), done.clone(), self.signals.clone());
            let runners: Vec<_> = runners.values().cloned().collect();
            let (udp_ports, udp_drops) = (self.udp_ports.clone(), self.udp_drops.clone());
            glommio::spawn_local(async move {
                let mut generation = signals.poll_hup();
                let mut ticks = 0u64;
                loop {
                    futures_lite::future::or(
                        done.wait(),
                        glommio::timer::sleep(Duration::from_millis(50)),
                    )
                    .await;
                    if done.is_stopped() {
                        break;
                    }
                    ticks += 1;
                    let stopping = signals.stop_requested();
                    if c == 0
                        && !udp_ports.is_empty()
                        && (ticks % 20 == 0 || stopping && !ctx.stop.is_stopped())
                    {
                        udp_drops.store(udp_kernel_drops(&udp_ports), Ordering::Relaxed);
                    }
                    if stopping && !ctx.stop.is_stopped() {
                        ctx.stop.stop();
                    }
                    let g = signals.poll_hup();
                    let hup = g != generation;
                    generation = g;
                    for r in &runners {
                        if let Ok(mut r) = r.try_write() {
                            r.tick();
                            if hup {
                                r.reopen();
                            } else if ticks % 20 == 0 {
                                r.flush();
                            }
                        }
                    }
                }
            })
        };

        let mut dropped_action_queue = 0;
        // Run until asked to stop, then drain.
        ctx.stop.wait().await;
        // Inputs finish what they read while the queues move; one still
        // waiting for room after timeoutShutdown without progress stops
        // waiting (see Shard::abort_waits).
        let timeout = Duration::from_millis(plan.timeout_shutdown_ms().max(100) as u64);
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
        let mut abandoned = 0;
        let mut saved = 0;
        for (shard, w) in ctx.shards().zip(workers) {
            // What is on disk is safe there: a spooled shard gets
            // timeoutShutdown, then keeps the rest for the next start.
            let until_idle = shard.spool().is_none();
            let left = drain(w, shard, &self.shared, timeout, until_idle).await;
            match shard.spool() {
                Some(sp) => {
                    let (s, lost) = stores.shutdown(sp).await;
                    saved += s;
                    abandoned += lost;
                }
                None => abandoned += left,
            }
        }
        for t in receive_tasks {
            drain(t, &ctx.shard, &self.shared, timeout, true).await;
        }
        for (q, t) in queue_workers {
            q.close();
            let until_idle = q.spool().is_none();
            let left = drain(t, &ctx.shard, &self.shared, timeout, until_idle).await;
            match q.spool() {
                Some(sp) => {
                    let (s, lost) = stores.shutdown(sp).await;
                    saved += s;
                    abandoned += lost;
                }
                None => abandoned += left.max(q.len() as u64),
            }
            if q.dropped.get() > 0 {
                crate::notice!(
                    "corelogd: an action queue on core {c} was full: {} message(s) dropped after queue.timeoutEnqueue.",
                    q.dropped.get()
                );
            }
            dropped_action_queue += q.dropped.get();
        }
        if saved > 0 {
            crate::notice!(
                "corelogd: core {c}: {saved} message(s) in memory saved to disk queues (queue.saveOnShutdown); they are delivered after the next start."
            );
        }
        for r in runners.values() {
            if let Ok(mut r) = r.try_write() {
                r.finish().await;
            }
        }
        done.stop();
        housekeeping.await;
        for p in unix_paths {
            let _ = std::fs::remove_file(p);
        }
        CoreReport {
            input: ctx.stats.get(),
            shard: ctx
                .shards()
                .map(|s| s.stats())
                .fold(ShardStats::default(), |a, b| ShardStats {
                    enqueued: a.enqueued + b.enqueued,
                    discarded: a.discarded + b.discarded,
                    dropped_full: a.dropped_full + b.dropped_full,
                    given_up: a.given_up + b.given_up,
                }),
            abandoned: abandoned + ctx.shards().map(|s| s.stats().given_up).sum::<u64>(),
            dropped_action_queue,
            saved,
            store: stores.stats(),
        }
    }
}

/// Waits for `task` while outputs make progress; gives it up after
/// `timeout` without progress. Returns how many queued messages were
/// given up.
async fn drain(
    mut task: glommio::task::JoinHandle<()>,
    shard: &Shard,
    shared: &[Arc<ActionShared>],
    timeout: Duration,
    until_idle: bool,
) -> u64 {
    let mut last = progress(std::iter::once(shard), shared);
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
            return 0;
        }
        let now = progress(std::iter::once(shard), shared);
        if !until_idle {
            task.cancel();
            return 0;
        }
        if now == last {
            task.cancel();
            let left = shard.len() as u64;
            if shard.spool().is_some() {
                return 0;
            }
            crate::notice!(
                "corelogd: an output made no progress for {} ms during shutdown; giving up {left} queued message(s) and a batch in flight.",
                timeout.as_millis()
            );
            return left;
        }
        last = now;
    }
}

/// Changes while a shutdown moves: when an output writes, or one of
/// `shards` shrinks (a worker took a batch) or grows (an input took room).
fn progress<'a>(shards: impl Iterator<Item = &'a Shard>, shared: &[Arc<ActionShared>]) -> u64 {
    let written = shared.iter().map(|s| s.written.load(Ordering::Relaxed));
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
