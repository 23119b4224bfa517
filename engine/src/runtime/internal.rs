//! corelogd's own messages (its notices, its start and stop), logged as
//! rsyslog logs its internal messages: facility syslog, tag `corelogd:`.
//!
//! In: what [`crate::notice`] kept (every notice, at severity err; the
//! start and stop lines, at info), taken every [`TICK`] on core 0. Out,
//! with `global(processInternalMessages="on")`: messages through the
//! default ruleset; with `"off"` (rsyslog's default): datagrams to
//! `/dev/log`, as rsyslog's syslog(3) call sends them (the system's
//! logger — corelogd itself when it owns the socket — logs them). Without
//! a `/dev/log` and with `"off"`, nothing but standard error, as rsyslog.
//!
//! Guarantees: at most [`crate::notice::INTERNAL_MAX`] wait at once (the
//! rest are counted and the count said); the messages of the last moment
//! (the stop line) are logged before the inputs' queues drain.

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use crate::config::modules::global::Internal;
use crate::corectx::CoreCtx;
use crate::msg::{Message, Origin};

/// How often core 0 takes what was said.
const TICK: Duration = Duration::from_millis(100);
/// The system log socket (syslog(3)'s).
const DEV_LOG: &str = "/dev/log";
/// Facility syslog.
pub const FACILITY: u16 = 5;

/// Where the own messages go, decided at start.
pub enum Route {
    Rules,
    DevLog(UnixDatagram),
}

/// Sets the notices' rate limit and says where own messages go; `None`
/// when nowhere but standard error.
pub fn route(i: &Internal) -> Option<Route> {
    crate::notice::set_rate(i.ratelimit_interval_s, i.ratelimit_burst);
    let route = if i.process {
        Route::Rules
    } else {
        Route::DevLog(dev_log()?)
    };
    crate::notice::route_internal(i.severity);
    Some(route)
}

/// rsyslog's start and stop lines, with corelogd's name.
pub fn origin_line(what: &str) -> String {
    format!(
        "[origin software=\"corelogd\" swVersion=\"{}\" x-pid=\"{}\" x-info=\"https://github.com/corelog/corelog\"] {what}",
        env!("CARGO_PKG_VERSION"),
        std::process::id()
    )
}

/// Core 0: logs what was said every [`TICK`] until the inputs stop, then
/// once more.
pub async fn run(route: Route, ctx: Rc<CoreCtx>, ruleset: u32) {
    let origin = Arc::new(Origin::new(&ctx.myhostname, "127.0.0.1", "corelogd"));
    loop {
        let stopping = ctx.stop.is_stopped();
        if !stopping {
            futures_lite::future::or(ctx.stop.wait(), glommio::timer::sleep(TICK)).await;
        }
        let (mut lines, dropped) = crate::notice::take_internal();
        if dropped > 0 {
            lines.push((4, format!("{dropped} of corelogd's own messages were not logged: more were said at once than it keeps")));
        }
        if !lines.is_empty() {
            deliver(&route, &ctx, &origin, ruleset, lines).await;
        }
        if stopping {
            break;
        }
    }
}

async fn deliver(
    route: &Route,
    ctx: &CoreCtx,
    origin: &Arc<Origin>,
    ruleset: u32,
    lines: Vec<(u8, String)>,
) {
    let now = ctx.clock.now();
    match route {
        Route::Rules => {
            let shard = ctx.shard_for(ruleset);
            let mut items = shard.chunk();
            items.extend(lines.iter().map(|(sev, text)| {
                Message::generated(
                    text.as_bytes(),
                    b"corelogd:",
                    ctx.myhostname.as_bytes(),
                    FACILITY * 8 + u16::from(*sev),
                    now,
                    origin.clone(),
                    ruleset,
                )
            }));
            // Bounded (queue.timeoutEnqueue): shutdown waits for this.
            shard.enqueue_timeout(&mut items).await;
        }
        Route::DevLog(sock) => {
            for (sev, text) in lines {
                send_dev_log(sock, FACILITY * 8 + u16::from(sev), &text, &now);
            }
        }
    }
}

/// One line to `/dev/log` as syslog(3) sends it (`<PRI>Mmm dd hh:mm:ss
/// corelogd[pid]: text`); a socket that cannot take it (full, gone)
/// loses it, as with syslog(3).
pub fn send_dev_log(sock: &UnixDatagram, pri: u16, text: &str, now: &crate::Timestamp) {
    let frame = format!(
        "<{pri}>{} {:2} {:02}:{:02}:{:02} corelogd[{}]: {text}",
        String::from_utf8_lossy(now.month_name()),
        now.day,
        now.hour,
        now.minute,
        now.second,
        std::process::id()
    );
    let _ = sock.send_to(frame.as_bytes(), DEV_LOG);
}

/// A non-blocking socket to `/dev/log`, when there is one.
pub fn dev_log() -> Option<UnixDatagram> {
    Path::new(DEV_LOG).exists().then_some(())?;
    // Non-blocking: a full socket (a slow system logger, or corelogd
    // itself) loses a line rather than stalling core 0.
    let sock = UnixDatagram::unbound().ok()?;
    sock.set_nonblocking(true).ok()?;
    Some(sock)
}
