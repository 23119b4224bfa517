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
//! batches ([`worker::Batch`]: rendered, or messages for its queue)
//! through bounded glommio shared channels, one per (core, action) pair. Nothing else crosses cores on the data path.
//!
//! Shutdown: inputs stop reading; the shard drains through the rules into
//! the actions; the channels drain into the owners; files are flushed.
//! Nothing that was read is dropped while an output makes progress; if an
//! output stops making progress for `queue.timeoutShutdown`, the daemon
//! says how many messages it is giving up and exits.

pub mod action_queue;
pub mod bind;
mod core_job;
pub mod disk;
mod error;
pub mod imfile;
pub mod imkafka;
pub mod internal;
pub mod klog;
pub mod limits;
pub mod mark;
pub mod pidfile;
pub mod privdrop;
pub mod signals;
pub mod systemd;
pub mod worker;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use glommio::channels::shared_channel::{self, SharedReceiver, SharedSender};
use glommio::{LocalExecutorBuilder, Placement};

pub use self::error::StartError;

use self::core_job::{ActionRx, ActionTx, CoreJob};
use self::signals::Signals;
use crate::config::modules::omfwd::Protocol;
use crate::config::{OutputConfig, Plan};
use crate::corectx::InputStats;
use crate::input::sessions::Sessions;
use crate::input::{self, stream, InputSpec, Kind};
use crate::output::runner::{ActionRunner, ActionShared};
use crate::queue::shard::ShardStats;
use crate::queue::store::StoreStats;

/// Batches a (core, action) channel holds.
const CHANNEL_BATCHES: usize = 64;
/// TCP connections a core may have handed to another and not yet taken.
const HANDOFF_DEPTH: usize = 64;

/// What one core did.
#[derive(Debug, Default, Clone, Copy)]
pub struct CoreReport {
    pub input: InputStats,
    pub shard: ShardStats,
    /// Messages given up at shutdown because an output made no progress.
    pub abandoned: u64,
    /// Messages dropped because an action queue stayed full.
    pub dropped_action_queue: u64,
    /// Messages an action queue discarded at its discardMark.
    pub discarded_action_queue: u64,
    /// Messages written from memory to disk queues at shutdown.
    pub saved: u64,
    /// The disk queues' counters, summed.
    pub store: StoreStats,
}

/// What the daemon did, per core and per action.
#[derive(Debug, Default)]
pub struct Report {
    pub cores: Vec<CoreReport>,
    /// (action name, written, discarded while suspended, passed over, and
    /// why those were: omfile's dynaFile could not be opened, omkafka's
    /// could never be delivered).
    pub actions: Vec<(String, u64, u64, u64, &'static str)>,
    /// Datagrams the kernel dropped on the UDP inputs' sockets.
    pub udp_kernel_drops: u64,
    /// imhttp's log inputs, where there are any: messages taken, requests
    /// not answered 200, messages not taken.
    pub http: Option<(u64, u64, u64)>,
}

/// Where the daemon listens and writes, for the start-up message.
pub fn describe(plan: &Plan) -> Result<(Vec<String>, Vec<String>), StartError> {
    let inputs = input::specs(plan)
        .map_err(StartError::Input)?
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
                    Protocol::Tcp if c.tls.is_some() => "tls",
                    Protocol::Tcp => "tcp",
                };
                format!("omfwd {proto}://{}:{}", c.target, c.port)
            }
            (OutputConfig::Omrelp(c), None) => {
                let tls = if c.tls.is_some() { " (TLS)" } else { "" };
                format!("omrelp relp://{}:{}{tls}", c.target, c.port)
            }
            (OutputConfig::Omkafka(c), None) => format!("omkafka {}", c.target()),
            (OutputConfig::Omnats(c), None) => format!("omnats {}", c.target()),
            (OutputConfig::Omuxsock(c), None) => format!("omuxsock {}", c.socket.display()),
            (OutputConfig::Omprog(c), None) => format!("omprog {}", c.binary.display()),
            (OutputConfig::Omusrmsg(c), None) => match &c.users {
                crate::config::modules::omusrmsg::Users::All => {
                    "omusrmsg to everyone logged in".to_string()
                }
                crate::config::modules::omusrmsg::Users::Named(n) => {
                    format!("omusrmsg to {}", n.join(","))
                }
            },
        })
        .collect();
    Ok((inputs, outputs))
}

/// What the runtime checks before it starts anything, and `-N1` too:
/// every action's runner can be made (owners looked up) and every input
/// resolves (addresses). Everything else was checked when the
/// configuration was loaded.
pub fn validate(plan: &Plan) -> Result<(), StartError> {
    for a in &plan.actions {
        ActionRunner::new(a, Arc::default()).map_err(StartError::Action)?;
    }
    privdrop::target(&plan.globals.privdrop).map_err(StartError::PrivDrop)?;
    input::check(plan).map_err(StartError::Input)
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
    let name = kernel_hostname();
    if plan.globals.preserve_fqdn {
        name
    } else {
        name.split('.').next().unwrap_or("localhost").to_string()
    }
}

/// The kernel's host name, whole ("localhost" when it cannot be read).
pub fn kernel_hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into buf.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    match ok {
        true => String::from_utf8_lossy(&buf[..end]).into_owned(),
        false => "localhost".into(),
    }
}

/// imhttp's listeners, bound before privileges are dropped (core 0 serves
/// them).
fn bind_http(plan: &Plan) -> Result<Vec<std::net::TcpListener>, StartError> {
    let Some(h) = &plan.http else {
        return Ok(Vec::new());
    };
    h.listen
        .iter()
        .map(|a| {
            let l = bind_retrying(a)
                .map_err(|e| StartError::Http(format!("imhttp: cannot listen on {a}: {e}")))?;
            l.set_nonblocking(true)
                .map_err(|e| StartError::Http(format!("imhttp: {a}: {e}")))?;
            Ok(l)
        })
        .collect()
}

/// How long a listener whose address is still held is tried again: after
/// kill -9, the dead process's io_uring is torn down in the background and
/// holds its sockets for a moment.
const ADDR_HELD_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Binds `a` (std sets SO_REUSEADDR), trying again while the address is
/// in use, for at most [`ADDR_HELD_WAIT`].
fn bind_retrying(a: &std::net::SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let until = std::time::Instant::now() + ADDR_HELD_WAIT;
    loop {
        match std::net::TcpListener::bind(a) {
            Err(e)
                if e.kind() == std::io::ErrorKind::AddrInUse
                    && std::time::Instant::now() < until =>
            {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            r => return r,
        }
    }
}

/// Runs `plan` on `cores` cores until `signals` asks it to stop.
pub fn run(plan: Plan, cores: Option<usize>, signals: Arc<Signals>) -> Result<Report, StartError> {
    let cpus = allowed_cpus();
    let cores = cores.unwrap_or(cpus.len()).max(1);
    if cores > cpus.len() {
        return Err(StartError::Cores {
            asked: cores,
            allowed: cpus.len(),
        });
    }
    validate(&plan)?;
    // Before anything is created: spool directories, lock files, sockets.
    if let Some(mask) = plan.globals.umask {
        // SAFETY: umask only sets the process's file creation mask.
        unsafe { libc::umask(mask as libc::mode_t) };
    }
    let privdrop = &plan.globals.privdrop;
    let owner = match privdrop.asked() {
        true => Some(privdrop::target(privdrop).map_err(StartError::PrivDrop)?),
        false => None,
    };
    let disk = disk::plan(&plan, cores, owner).map_err(StartError::DiskQueue)?;
    let specs = Arc::new(input::specs(&plan).map_err(StartError::Input)?);
    limits::check(cores, plan.globals.max_open_files).map_err(StartError::Limit)?;
    let mut passed = systemd::Passed::from_env();
    let notifier = Arc::new(systemd::Notifier::from_env());
    let mut unix_passed = Vec::new();
    let mut bound =
        bind::bind_all(&specs, cores, &mut passed, &mut unix_passed).map_err(StartError::Input)?;
    passed.close_rest();
    let startup = Arc::new(AtomicUsize::new(cores));
    let mut internal = internal::route(&plan.globals.internal);
    // The configuration's warnings are own messages too, as in rsyslog.
    for w in plan.warning_lines() {
        crate::notice::internal(4, &w);
    }
    let mut http = bind_http(&plan)?;
    let clock = crate::corectx::clock::Clock::local();
    let myhostname = my_hostname(&plan);
    let nactions = plan.actions.len();
    let shared: Vec<Arc<ActionShared>> = (0..nactions).map(|_| Arc::default()).collect();
    let sessions: Vec<Arc<Sessions>> = specs
        .iter()
        .map(|s| Arc::new(Sessions::new(s.config.sessions)))
        .collect();
    let udp_drops = Arc::new(AtomicU64::new(0));
    let board = Arc::new(crate::stats::Board::new(cores));
    let udp_ports: Vec<u16> = specs
        .iter()
        .filter(|s| s.kind == Kind::Udp)
        .flat_map(|s| s.addrs.iter().map(|a| a.port()))
        .collect();

    let (mut senders, mut receivers) = action_channels(cores, nactions);
    let (mut handoff_tx, mut handoff_rx) = handoff_channels(cores);
    let accepted: Vec<Arc<AtomicUsize>> = specs.iter().map(|_| Arc::default()).collect();

    let gate = owner.map(|_| Arc::new(privdrop::Gate::new(cores)));
    let (dirs, files) = writes(&plan, &disk);
    let plan = Arc::new(plan);
    let mut handles = Vec::new();
    // imhttp's log inputs' counters (core 0 counts, impstats reads).
    let http_counters = Arc::new(crate::http::post::Counters::default());
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
            board: board.clone(),
            http_counters: http_counters.clone(),
            http: if c == 0 {
                std::mem::take(&mut http)
            } else {
                Vec::new()
            },
            unix_passed: if c == 0 {
                std::mem::take(&mut unix_passed)
            } else {
                Vec::new()
            },
            notifier: notifier.clone(),
            startup: startup.clone(),
            internal: if c == 0 { internal.take() } else { None },
            handoff_tx: handoff_tx.pop().unwrap_or_default(),
            handoff_rx: handoff_rx.pop().unwrap_or_default(),
            accepted: accepted.clone(),
            disk: disk.clone(),
            gate: gate.clone(),
        };
        let h = LocalExecutorBuilder::new(Placement::Fixed(cpus[c]))
            .name(&format!("corelog-core{c}"))
            .io_memory(limits::IO_MEMORY_PER_CORE)
            .spawn(move || job.run())
            .map_err(|e| {
                StartError::Executor(format!("cannot start the executor for core {c}: {e}"))
            })?;
        handles.push(h);
    }
    // Every core has its privileged sockets: drop, then check as the new
    // user what it will have to write.
    let dropped = gate.map(|g| {
        privdrop::Gate::drop_with(&g, || {
            privdrop::drop_to(&plan.globals.privdrop)?;
            privdrop::check_access(&dirs, &files)?;
            privdrop::check_owners(&plan)
        })
    });
    let mut report = Report::default();
    for h in handles.into_iter().rev() {
        match h.join() {
            Ok(r) => report.cores.push(r),
            Err(e) => {
                return Err(StartError::Executor(format!(
                    "a core's executor failed: {e}"
                )))
            }
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
                // The batch that failed and those sent while suspended.
                s.discarded.load(Ordering::Relaxed) + s.failed.load(Ordering::Relaxed),
                s.unopened.load(Ordering::Relaxed),
                match a.output {
                    OutputConfig::Omkafka(_) => "the broker can never take them, or they failed with resubmitOnFailure=\"off\" (errorFile has them)",
                    OutputConfig::Omnats(_) => "their subject is not one, or they are over the server's max_payload",
                    _ => "their dynaFile could not be opened",
                },
            )
        })
        .collect();
    report.udp_kernel_drops = udp_drops.load(Ordering::Relaxed);
    if plan.http.as_ref().is_some_and(|h| !h.inputs.is_empty()) {
        let c = &http_counters;
        report.http = Some((
            c.submitted.load(Ordering::Relaxed),
            c.failed.load(Ordering::Relaxed),
            c.discarded.load(Ordering::Relaxed),
        ));
    }
    if let Some(Err(e)) = dropped {
        return Err(StartError::PrivDrop(e));
    }
    Ok(report)
}

/// What corelogd will create files in (queue spool directories, dynaFile
/// directories) and append to (static files), with what names them.
#[allow(clippy::type_complexity)]
fn writes(
    plan: &Plan,
    disk: &disk::DiskQueues,
) -> (
    Vec<(String, std::path::PathBuf)>,
    Vec<(String, std::path::PathBuf)>,
) {
    let mut dirs: Vec<(String, std::path::PathBuf)> = disk
        .dirs()
        .map(|(label, d)| (format!("the spool directory of {label}"), d.to_path_buf()))
        .collect();
    let mut files = Vec::new();
    for a in &plan.actions {
        let OutputConfig::Omfile(c) = &a.output else {
            continue;
        };
        match (&a.dynafile, &c.file) {
            (Some(t), _) => dirs.push((
                format!("the dynaFile directory of action '{}'", a.name()),
                crate::output::runner::dynafile_dir(t),
            )),
            (None, Some(f)) => files.push((
                format!("the file of action '{}'", a.name()),
                std::path::PathBuf::from(f),
            )),
            (None, None) => {}
        }
    }
    (dirs, files)
}

/// The channels by which cores hand batches to an action's owner
/// (action `a` is owned by core `a % cores`): `senders[c][a]` on core `c`
/// for each action another core owns, and on each owner its receivers,
/// each with a count of the batches the owner took care of.
#[allow(clippy::type_complexity)]
fn action_channels(
    cores: usize,
    nactions: usize,
) -> (Vec<Vec<Option<ActionTx>>>, Vec<Vec<ActionRx>>) {
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
    (senders, receivers)
}

/// The channels by which a core that accepted a TCP connection hands it to
/// another: `tx[c][t]` on core `c`, and on core `t` a receiver from each
/// other core.
#[allow(clippy::type_complexity)]
fn handoff_channels(
    cores: usize,
) -> (
    Vec<Vec<Option<SharedSender<stream::Handoff>>>>,
    Vec<Vec<SharedReceiver<stream::Handoff>>>,
) {
    let mut tx: Vec<Vec<Option<SharedSender<stream::Handoff>>>> = (0..cores)
        .map(|_| (0..cores).map(|_| None).collect())
        .collect();
    let mut rx: Vec<Vec<SharedReceiver<stream::Handoff>>> =
        (0..cores).map(|_| Vec::new()).collect();
    for (c, row) in tx.iter_mut().enumerate() {
        for (t, slot) in row.iter_mut().enumerate() {
            if c != t {
                let (s, r) = shared_channel::new_bounded(HANDOFF_DEPTH);
                *slot = Some(s);
                rx[t].push(r);
            }
        }
    }
    (tx, rx)
}
