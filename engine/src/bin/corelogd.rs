//! `corelogd`: the corelog daemon.
//!
//! `corelogd [-f CONFIG] [-n] [-N1] [-i PIDFILE] [--cores N]`, in
//! rsyslogd's spelling. Without `-f` it runs its embedded default
//! configuration (TCP and UDP on 127.0.0.1:5514, the unix socket
//! `./run/log.sock`, writing `./var/log/messages`). `-N1` checks a
//! configuration as `rsyslogd -N1` does: every error as
//! `file:line:column: error: …`, exit 0 when valid, 1 when not.
//!
//! Running: SIGTERM or SIGINT stops the inputs, drains the queues, flushes
//! the files and exits 0; SIGHUP reopens output files. corelogd never
//! forks: `-n` (stay in the foreground) is accepted for compatibility and
//! is always in effect.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use corelog::config::{self, Plan};
use corelog::runtime::{self, pidfile::PidFile, signals::Signals};

/// The configuration used when no `-f` is given.
const DEFAULT_CONFIG: &str = include_str!("../default.conf");

/// A line of the daemon's own to standard error, never a panic when it
/// cannot be written (see [`corelog::notice::stderr_line`]).
macro_rules! say {
    ($($arg:tt)*) => {
        corelog::notice::stderr_line(&format!($($arg)*))
    };
}

/// Command line, in rsyslogd's spelling.
#[derive(Parser, Debug)]
#[command(
    name = "corelogd",
    version,
    about = "corelog: a fast rsyslog-compatible syslog receiver"
)]
struct Args {
    /// Configuration file (rsyslog.conf syntax); without it, the embedded
    /// default configuration.
    #[arg(short = 'f', long = "config")]
    config: Option<PathBuf>,
    /// Check the configuration and exit (level 1), as `rsyslogd -N1`.
    #[arg(short = 'N', value_name = "LEVEL")]
    check: Option<u8>,
    /// Stay in the foreground (corelogd always does).
    #[arg(short = 'n')]
    foreground: bool,
    /// Pid file.
    #[arg(short = 'i', value_name = "PIDFILE")]
    pidfile: Option<PathBuf>,
    /// Cores to run on (default: all).
    #[arg(long)]
    cores: Option<usize>,
    /// Print the parameter reference (docs/parameters.md) and exit.
    #[arg(long)]
    parameters: bool,
}

fn main() -> ExitCode {
    // A panic is a bug. A core that died would leave a daemon that accepts
    // connections it never reads; end the whole process instead, loudly,
    // so that a supervisor restarts it.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        default_hook(info);
        corelog::notice::stderr_line(
            "corelogd: internal error (a bug, please report it); aborting.",
        );
        std::process::abort();
    }));
    let args = Args::parse();
    // What the library has to say becomes a line on standard error (later
    // also a message through the rules and a counter: issue #18).
    corelog::notice::set_sink(corelog::notice::stderr_line);
    if args.parameters {
        print!("{}", config::reference::markdown());
        return ExitCode::SUCCESS;
    }
    let name = args
        .config
        .as_ref()
        .map_or("(embedded default config)".to_string(), |p| {
            p.display().to_string()
        });
    let loaded = match &args.config {
        Some(p) => config::load_file(p),
        None => config::load_str("(embedded default config)", DEFAULT_CONFIG),
    };
    let plan = match loaded {
        Ok(plan) => plan,
        Err(errors) => {
            let text = errors.to_string();
            say!("{}", text.trim_end_matches('\n'));
            say!(
                "corelogd: {} error(s): the configuration {name} is not valid.",
                errors.errors.len()
            );
            return ExitCode::from(1);
        }
    };
    for w in plan.warning_lines() {
        say!("{w}");
    }
    if let Some(level) = args.check {
        say!(
            "corelogd: version {}, config validation run (level {level}), master config {name}",
            env!("CARGO_PKG_VERSION"),
        );
        if let Err(e) = runtime::validate(&plan) {
            say!("corelogd: {e}");
            say!("corelogd: 1 error(s): the configuration {name} is not valid.");
            return ExitCode::from(1);
        }
        say!(
            "corelogd: End of config validation run: {} inputs, {} rulesets, {} actions, {} templates. Bye.",
            plan.inputs.len(),
            plan.rulesets.len(),
            plan.actions.len(),
            plan.templates.len()
        );
        return ExitCode::SUCCESS;
    }
    match serve(plan, &args, &name) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            say!("corelogd: {e}");
            ExitCode::from(1)
        }
    }
}

fn serve(plan: Plan, args: &Args, name: &str) -> Result<(), String> {
    let _pid = args
        .pidfile
        .as_deref()
        .map(PidFile::create)
        .transpose()
        .map_err(|e| e.to_string())?;
    let signals = Signals::install().map_err(|e| format!("cannot install signal handlers: {e}"))?;
    let (inputs, outputs) = runtime::describe(&plan).map_err(|e| e.to_string())?;
    say!(
        "corelogd: version {} starting with {name}",
        env!("CARGO_PKG_VERSION")
    );
    for i in &inputs {
        say!("corelogd: listening: {i}");
    }
    for o in &outputs {
        say!("corelogd: writing: {o}");
    }
    let report = runtime::run(plan, args.cores, signals).map_err(|e| e.to_string())?;
    let sum = |f: fn(&runtime::CoreReport) -> u64| report.cores.iter().map(f).sum::<u64>();
    say!(
        "corelogd: stopped on {} core(s): received {} messages ({} bytes), queued {}, discarded at discardMark {}, dropped: {} queue full, {} rate-limited, {} from senders $AllowedSender does not list, {} by the kernel on UDP sockets, {} given up at shutdown; {} delivered unparsed (no parser of their ruleset's chain accepted them).",
        report.cores.len(),
        sum(|c| c.input.received),
        sum(|c| c.input.bytes),
        sum(|c| c.shard.enqueued),
        sum(|c| c.shard.discarded + c.discarded_action_queue),
        sum(|c| c.input.dropped_full + c.shard.dropped_full + c.dropped_action_queue),
        sum(|c| c.input.dropped_ratelimit),
        sum(|c| c.input.denied),
        report.udp_kernel_drops,
        sum(|c| c.abandoned),
        sum(|c| c.input.unparsed),
    );
    if sum(|c| c.input.sessions_opened) > 0 {
        say!(
            "corelogd: sessions: {} opened, {} idle one(s) closed to make room, closed at once: {} at maxSessions, {} at maxSessionsPerSource.",
            sum(|c| c.input.sessions_opened),
            sum(|c| c.input.sessions_evicted),
            sum(|c| c.input.sessions_refused),
            sum(|c| c.input.sessions_refused_source),
        );
    }
    if let Some((taken, failed, not_taken)) = report.http {
        say!(
            "corelogd: imhttp: {taken} message(s) taken, {not_taken} not taken, {failed} request(s) not answered 200."
        );
    }
    let tls = sum(|c| c.input.tls_handshakes);
    let tls_failed = sum(|c| c.input.tls_handshakes_failed);
    if tls + tls_failed > 0 {
        say!(
            "corelogd: TLS: {tls} session(s) established, {tls_failed} handshake(s) failed or timed out."
        );
    }
    let st = report
        .cores
        .iter()
        .fold(corelog::queue::store::StoreStats::default(), |a, c| {
            a.add(&c.store)
        });
    if st.written_records + st.recovered_records > 0 {
        say!(
            "corelogd: disk queues: {} record(s) written ({} bytes in {} writes), {} read ({} reads from disk, {} from what was just written), {} recovered at start, {} torn byte(s) cut, {} damaged region(s) passed over; {} message(s) saved from memory at shutdown.",
            st.written_records,
            st.written_bytes,
            st.writes,
            st.read_records,
            st.disk_reads,
            st.memory_reads,
            st.recovered_records,
            st.torn_bytes,
            st.corrupt_regions,
            sum(|c| c.saved),
        );
    }
    let suppressed = corelog::notice::suppressed();
    if suppressed > 0 {
        say!(
            "corelogd: {suppressed} message(s) of corelogd's own were not printed (at most {} per {} s).",
            corelog::notice::RATE_BURST,
            corelog::notice::RATE_INTERVAL.as_secs()
        );
    }
    for (name, written, discarded, unopened, why) in &report.actions {
        let unopened = match unopened {
            0 => String::new(),
            n => format!(", {n} not written: {why}"),
        };
        say!(
            "corelogd: action '{name}': {written} written, {discarded} discarded while suspended{unopened}."
        );
    }
    Ok(())
}
