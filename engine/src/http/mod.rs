//! imhttp's endpoint: Prometheus metrics, health and the log inputs over
//! HTTP/1.1, on core 0, off unless `module(load="imhttp")` is loaded.
//!
//! In: connections to the configured addresses (bound at start, before
//! privileges are dropped); each sends one request. Out: one response,
//! then the connection is closed:
//! - `GET`/`HEAD` metricsPath: the statistics in Prometheus text
//!   ([`crate::stats::prometheus`]), 200;
//! - any method on healthCheckPath: `OK` (200) when every core has
//!   published its counters within [`CORE_SILENT_MAX`], no disk queue is
//!   poisoned and no action has been suspended for more than
//!   [`SUSPENDED_MAX`]; else 503 with one line per reason;
//! - `POST` to a log input's endpoint: its messages into its ruleset
//!   ([`post`]), 200 once they are all queued;
//! - 401 without the credentials a path asks for (with
//!   `WWW-Authenticate` where a password would do), 404 elsewhere, 400 for
//!   what does not parse.
//!
//! Guarantees: a request head is at most [`HEAD_BYTES_MAX`] and must
//! arrive within [`HEAD_TIMEOUT`]; at most [`CONNECTIONS_MAX`] connections
//! are served at once (more wait in the kernel's backlog); the reply
//! must be taken within [`HEAD_TIMEOUT`]. Metrics and health touch
//! nothing on the data path (they read what the cores publish); the log
//! inputs enqueue into core 0's queues as any input does.

pub mod auth;
pub mod post;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use glommio::net::{TcpListener, TcpStream};

use crate::config::modules::imhttp::{Access, HttpConfig};
use crate::corectx::StopFlag;
use crate::output::runner::ActionShared;
use crate::stats::impstats::Reporter;
use crate::stats::Board;

/// The most bytes of a request head.
pub const HEAD_BYTES_MAX: usize = 8 << 10;
/// How long a client may take to send its request head.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections served at once.
pub const CONNECTIONS_MAX: usize = 64;
/// A core silent longer than this is not running (it publishes every
/// second).
pub const CORE_SILENT_MAX: Duration = Duration::from_secs(5);
/// An action suspended longer than this makes corelogd unhealthy.
pub const SUSPENDED_MAX: Duration = Duration::from_secs(60);

/// What the endpoint reads.
pub struct State {
    pub config: HttpConfig,
    /// The statistics, never reset (Prometheus counters only grow).
    pub reporter: RefCell<Reporter>,
    pub board: Arc<Board>,
    pub actions: Vec<(String, Arc<ActionShared>)>,
    /// The log inputs (`input(type="imhttp")`).
    pub inputs: Vec<post::Input>,
    /// Core 0's context: the queues the log inputs enqueue into.
    pub ctx: Rc<crate::corectx::CoreCtx>,
    /// Log-input requests being read.
    pub posts: Cell<usize>,
    /// The log inputs' counters (impstats' `imhttp` object).
    pub counters: Arc<post::Counters>,
}

/// Serves `listener` until `stop`.
pub async fn serve(listener: TcpListener, state: Rc<State>, stop: Rc<StopFlag>) {
    let live = Rc::new(Cell::new(0usize));
    let done = Rc::new(crate::event::Event::default());
    loop {
        while live.get() >= CONNECTIONS_MAX && !stop.is_stopped() {
            futures_lite::future::or(done.listen(), stop.wait()).await;
        }
        let accepted = futures_lite::future::or(async { Some(listener.accept().await) }, async {
            stop.wait().await;
            None
        })
        .await;
        let Some(accepted) = accepted else { break };
        let Ok(stream) = accepted else {
            // Out of descriptors, most likely: let them come back.
            glommio::timer::sleep(Duration::from_millis(10)).await;
            continue;
        };
        live.set(live.get() + 1);
        let (state, live, done) = (state.clone(), live.clone(), done.clone());
        glommio::spawn_local(async move {
            connection(stream, &state).await;
            live.set(live.get() - 1);
            done.notify();
        })
        .detach();
    }
}

/// One request, one response: the head within [`HEAD_TIMEOUT`], a log
/// input's body while it keeps coming, the reply within
/// [`HEAD_TIMEOUT`].
async fn connection(mut s: TcpStream, state: &State) {
    let mut buf = vec![0u8; HEAD_BYTES_MAX];
    let mut len = 0;
    let deadline = std::time::Instant::now() + HEAD_TIMEOUT;
    let head_end = loop {
        if let Some(end) = memchr::memmem::find(&buf[..len], b"\r\n\r\n") {
            break Some(end + 4);
        }
        if len == buf.len() {
            break None;
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match glommio::timer::timeout(left, async {
            s.read(&mut buf[len..]).await.map_err(Into::into)
        })
        .await
        {
            Ok(0) | Err(_) => return,
            Ok(n) => len += n,
        }
    };
    let response = match head_end {
        Some(end) => match input_for(state, &buf[..end]) {
            Some((_, Ok(_))) if state.posts.get() >= post::POSTS_MAX => {
                state
                    .counters
                    .failed
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                reply(
                    503,
                    "text/plain",
                    "too many requests at once; send again\n",
                    &[("Retry-After", "1")],
                )
            }
            Some((i, Ok((body, expect)))) => {
                let input = &state.inputs[i];
                // An input: shutdown waits for it (it stops at once).
                let _guard = state.ctx.tasks.enter();
                state.posts.set(state.posts.get() + 1);
                if expect {
                    let _ = s.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await;
                }
                let (status, text) = post::receive(
                    &mut s,
                    &state.ctx,
                    input,
                    body,
                    &buf[end..len],
                    &state.counters,
                )
                .await;
                state.posts.set(state.posts.get() - 1);
                reply(status, "text/plain; charset=utf-8", &text, &[])
            }
            Some((_, Err(refusal))) => {
                state
                    .counters
                    .failed
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                refusal
            }
            None => respond(state, &buf[..end]),
        },
        None => reply(431, "text/plain", "request head too large\n", &[]),
    };
    let _ = glommio::timer::timeout(HEAD_TIMEOUT, async {
        let _ = s.write_all(&response).await;
        // What the client still sends (a refused body) is read and
        // dropped for a moment, so that the reply is not lost to a reset.
        let _ = s.shutdown(std::net::Shutdown::Write).await;
        let mut sink = [0u8; 4096];
        let mut left = LINGER_BYTES;
        while left > 0 {
            match s.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
        Ok(())
    })
    .await;
}

/// What is read and dropped after a reply, at most.
const LINGER_BYTES: usize = 1 << 20;

/// A request for a log input: the input, and its body's framing or the
/// reply refusing the request (method, credentials, body); `None` for
/// another path.
#[allow(clippy::type_complexity)]
fn input_for(state: &State, head: &[u8]) -> Option<(usize, Result<(post::Body, bool), Vec<u8>>)> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut headers);
    let Ok(httparse::Status::Complete(_)) = req.parse(head) else {
        return None;
    };
    let path = req
        .path
        .unwrap_or_default()
        .split('?')
        .next()
        .unwrap_or_default();
    let i = state
        .inputs
        .iter()
        .position(|i| i.config.endpoint == path)?;
    let header = |name: &str| {
        req.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .and_then(|h| std::str::from_utf8(h.value).ok())
            .map(str::to_string)
    };
    let access = &state.inputs[i].config.access;
    let refused = if req.method != Some("POST") {
        Some(reply(405, "text/plain", "POST\n", &[("Allow", "POST")]))
    } else {
        let (authorization, api_key) = (header("Authorization"), header("X-API-Key"));
        let presented = auth::Presented {
            authorization: authorization.as_deref(),
            api_key: api_key.as_deref(),
        };
        (!auth::allowed(access, &presented)).then(|| denied(access))
    };
    if let Some(r) = refused {
        return Some((i, Err(r)));
    }
    let expect = header("Expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue"));
    let add_metadata = state.inputs[i].config.add_metadata;
    let target = req.path.unwrap_or_default();
    Some((
        i,
        post::body(&header)
            .map(|mut b| {
                if add_metadata {
                    b.metadata = Some(post::metadata(req.headers, target));
                }
                (b, expect)
            })
            .map_err(|(status, text)| reply(status, "text/plain", text, &[])),
    ))
}

/// 401, with a challenge where a password would do.
fn denied(a: &Access) -> Vec<u8> {
    let challenge: &[(&str, &str)] = if a.basic_auth_file.is_some() {
        &[("WWW-Authenticate", "Basic realm=\"corelogd\"")]
    } else {
        &[]
    };
    reply(401, "text/plain", "", challenge)
}

/// The response to a request head.
pub fn respond(state: &State, head: &[u8]) -> Vec<u8> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut headers);
    let (method, path) = match req.parse(head) {
        Ok(httparse::Status::Complete(_)) => {
            (req.method.unwrap_or_default(), req.path.unwrap_or_default())
        }
        _ => return reply(400, "text/plain", "bad request\n", &[]),
    };
    let header = |name: &str| {
        req.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .and_then(|h| std::str::from_utf8(h.value).ok())
    };
    let presented = auth::Presented {
        authorization: header("Authorization"),
        api_key: header("X-API-Key"),
    };
    let path = path.split('?').next().unwrap_or_default();
    let c = &state.config;
    if path == c.metrics_path {
        if !matches!(method, "GET" | "HEAD") {
            return reply(
                405,
                "text/plain",
                "GET or HEAD\n",
                &[("Allow", "GET, HEAD")],
            );
        }
        if !auth::allowed(&c.metrics, &presented) {
            return denied(&c.metrics);
        }
        let objects = state.reporter.borrow_mut().objects();
        let mut body = String::from(
            "# HELP corelog_up corelogd answers\n# TYPE corelog_up gauge\ncorelog_up 1\n",
        );
        body.push_str(&crate::stats::prometheus::render(&objects));
        let ct = "text/plain; version=0.0.4; charset=utf-8";
        if method == "HEAD" {
            return head_only(reply(200, ct, &body, &[]));
        }
        return reply(200, ct, &body, &[]);
    }
    if path == c.health_path {
        if !auth::allowed(&c.health, &presented) {
            return denied(&c.health);
        }
        let problems = health(&state.board, &state.actions);
        return if problems.is_empty() {
            reply(200, "text/plain; charset=utf-8", "OK\n", &[])
        } else {
            reply(503, "text/plain; charset=utf-8", &problems.join(""), &[])
        };
    }
    reply(404, "text/plain", "not found\n", &[])
}

/// Why corelogd is not healthy: one line per reason (none: healthy).
pub fn health(board: &Board, actions: &[(String, Arc<ActionShared>)]) -> Vec<String> {
    let mut out = Vec::new();
    for (core, age) in board.ages().iter().enumerate() {
        match age {
            Some(a) if *a <= CORE_SILENT_MAX => {}
            Some(a) => out.push(format!("core {core}: silent for {} s\n", a.as_secs())),
            None => out.push(format!("core {core}: not started\n")),
        }
    }
    let (sum, _) = board.read();
    for p in &sum.poisoned {
        out.push(format!("disk queue: {p}\n"));
    }
    for (name, a) in actions {
        if let Some(d) = a.suspended_for() {
            if d > SUSPENDED_MAX {
                out.push(format!(
                    "action '{name}': suspended for {} s\n",
                    d.as_secs()
                ));
            }
        }
    }
    out
}

fn reply(status: u16, content_type: &str, body: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        431 => "Request Header Fields Too Large",
        _ => "Service Unavailable",
    };
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in extra {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(body);
    out.into_bytes()
}

/// A response without its body (HEAD).
fn head_only(mut r: Vec<u8>) -> Vec<u8> {
    if let Some(end) = memchr::memmem::find(&r, b"\r\n\r\n") {
        r.truncate(end + 4);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering;

    /// A core that never published, and an action suspended for two
    /// minutes, each make corelogd unhealthy, with their reason.
    #[test]
    fn health_says_what_is_wrong() {
        let board = Board::new(2);
        board.publish(0, crate::stats::CoreSnapshot::default());
        let action = Arc::new(ActionShared::default());
        let actions = vec![("fwd".to_string(), action.clone())];
        assert_eq!(health(&board, &actions), vec!["core 1: not started\n"]);
        board.publish(1, crate::stats::CoreSnapshot::default());
        assert!(health(&board, &actions).is_empty());
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        action.suspended_since.store(now - 120, Ordering::Relaxed);
        let h = health(&board, &actions);
        assert_eq!(h.len(), 1);
        assert!(h[0].starts_with("action 'fwd': suspended for 12"), "{h:?}");
        board.publish(
            1,
            crate::stats::CoreSnapshot {
                poisoned: vec!["q: cannot sync".into()],
                ..Default::default()
            },
        );
        action.suspended_since.store(0, Ordering::Relaxed);
        assert_eq!(
            health(&board, &actions),
            vec!["disk queue: q: cannot sync\n"]
        );
    }
}
