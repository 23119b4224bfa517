//! omnats: `module(load="omnats")` and `action(type="omnats")`, corelog's
//! own output into NATS JetStream (rsyslog has none).
//!
//! In: the action's parameters, named in rsyslog's style (omkafka's
//! `dynaTopic` is `dynaSubject` here, omrelp's `tls.*` and `windowSize`
//! are the same). Out: an [`OmnatsConfig`] with its servers parsed, so a
//! malformed URL is an error at its file:line:column.
//!
//! What it promises (docs/nats.md): a batch is done only when JetStream
//! acknowledged every message of it; each message carries a
//! `Nats-Msg-Id` made of this host's name and its position in the
//! action's queue, so that what is sent again after a crash is dropped by
//! the stream's duplicate window.

use std::time::Duration;

use super::omkafka::Named;
use super::tls;
use crate::config::param::{Param, Resolved, Table, Type};

/// `module(load="omnats")`: no module parameters.
pub static MODULE: Table = Table {
    object: "module(load=\"omnats\")",
    params: &[],
};

/// The server when none is given.
pub const SERVER_DEFAULT: &str = "nats://127.0.0.1:4222";
/// NATS's port when a URL names none.
pub const PORT_DEFAULT: u16 = 4222;
/// Publishes awaiting their acknowledgement at most, by default.
pub const WINDOW_DEFAULT: i64 = 1024;
const WINDOW_MAX: i64 = 1 << 16;

/// `action(type="omnats")`, besides `action.*` and `queue.*`.
pub static ACTION: Table = Table {
    object: "action(type=\"omnats\")",
    params: &[
        Param::new("server", Type::Array, SERVER_DEFAULT)
            .note("nats://host:port or tls://host:port; tried in turn"),
        Param::new("subject", Type::Str, "")
            .note("required; the template's name with dynaSubject")
            .sample("logs.syslog"),
        Param::new("dynaSubject", Type::Bool, "off"),
        Param::new("stream", Type::Str, "")
            .note("none: any stream that takes the subject; else that one (Nats-Expected-Stream)")
            .sample("LOGS"),
        Param::new("user", Type::Str, ""),
        Param::new("password", Type::Str, ""),
        Param::new("token", Type::Str, ""),
        Param::new(
            "windowSize",
            Type::Int {
                min: 1,
                max: WINDOW_MAX,
            },
            "1024",
        )
        .note("publishes awaiting their acknowledgement"),
        Param::new("timeout", Type::Int { min: 1, max: 3600 }, "10")
            .note("seconds: for a connection, and for an acknowledgement"),
        Param::new("tls", Type::Bool, "off"),
        Param::new("tls.permittedPeer", Type::Array, ""),
        Param::new("tls.authMode", Type::Enum(tls::RELP_AUTH_MODES), "")
            .note("certvalid with tls.caCert"),
        Param::new("tls.caCert", Type::Path, ""),
        Param::new("tls.myCert", Type::Path, ""),
        Param::new("tls.myPrivKey", Type::Path, ""),
        Param::new("template", Type::Template, "RSYSLOG_FileFormat")
            .sample("RSYSLOG_ForwardFormat"),
    ],
};

/// One server to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    pub host: String,
    pub port: u16,
}

/// omnats's parameters, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OmnatsConfig {
    /// Tried in turn when one cannot be reached.
    pub servers: Vec<Server>,
    pub subject: Named,
    /// `stream`: the one stream that must take the messages.
    pub stream: Option<String>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub token: Option<String>,
    /// Publishes awaiting their acknowledgement at most.
    pub window: usize,
    pub timeout: Duration,
    /// `tls.*` as given, when `tls="on"` (completed into `tls`).
    pub tls_asked: Option<tls::TlsAsked>,
    /// TLS (`None`: plain TCP).
    pub tls: Option<tls::TlsConfig>,
    /// A `tls://` URL asked for TLS.
    pub tls_url: bool,
}

/// Reads a server URL: `nats://host:port`, `tls://host:port`, `host:port`
/// or `host` (port 4222); IPv6 hosts in brackets. Returns whether the
/// scheme asks for TLS.
pub fn parse_server(url: &str) -> Result<(Server, bool), String> {
    let (tls, rest) = match url.split_once("://") {
        Some(("nats", r)) => (false, r),
        Some(("tls", r)) => (true, r),
        Some((s, _)) => {
            return Err(format!(
                "'{url}': the scheme '{s}' is not nats:// or tls://"
            ))
        }
        None => (false, url),
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains('@') {
        return Err(format!(
            "'{url}': credentials in the URL are not taken; give user= and password= (or token=)"
        ));
    }
    let (host, port) = match rest.strip_prefix('[') {
        Some(r) => match r.split_once(']') {
            Some((h, "")) => (h, None),
            Some((h, p)) => match p.strip_prefix(':') {
                Some(p) => (h, Some(p)),
                None => return Err(format!("'{url}' is not host:port")),
            },
            None => return Err(format!("'{url}': an IPv6 address without its ']'")),
        },
        None => match rest.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (h, Some(p)),
            Some(_) => {
                return Err(format!(
                    "'{url}': an IPv6 address needs brackets: [::1]:4222"
                ))
            }
            None => (rest, None),
        },
    };
    if host.is_empty() || host.contains('/') {
        return Err(format!("'{url}' names no host"));
    }
    let port = match port {
        None => PORT_DEFAULT,
        Some(p) => match p.parse::<u16>() {
            Ok(p) if p > 0 => p,
            _ => return Err(format!("'{url}': '{p}' is not a port")),
        },
    };
    Ok((
        Server {
            host: host.to_string(),
            port,
        },
        tls,
    ))
}

/// Reads an omnats action. Errors (at the parameter's position) are the
/// cross-parameter ones.
pub fn resolve(r: &Resolved) -> Result<OmnatsConfig, (&'static str, String)> {
    r.consumed("template");
    let subject = match (r.opt_str("subject"), r.bool("dynaSubject")) {
        (None, _) => return Err(("subject", "subject=\"…\" is required".into())),
        (Some(_), true) => Named::Template(None),
        (Some(s), false) => {
            if !crate::nats::proto::valid_subject(s.as_bytes()) {
                return Err((
                    "subject",
                    format!("'{s}' is not a subject to publish to (tokens of printable ASCII, no spaces, no wildcards)"),
                ));
            }
            Named::Fixed(s)
        }
    };
    let mut urls = r.list("server");
    if urls.is_empty() {
        urls.push(SERVER_DEFAULT.to_string());
    }
    let mut servers = Vec::new();
    let mut tls_url = false;
    for u in &urls {
        let (s, t) = parse_server(u).map_err(|e| ("server", e))?;
        tls_url |= t;
        servers.push(s);
    }
    let stream = r.opt_str("stream");
    if let Some(s) = &stream {
        if s.is_empty()
            || s.bytes()
                .any(|b| !b.is_ascii_graphic() || b"*>./\\".contains(&b))
        {
            return Err(("stream", format!("'{s}' is not a stream name")));
        }
    }
    let (user, password, token) = (r.opt_str("user"), r.opt_str("password"), r.opt_str("token"));
    if password.is_some() && user.is_none() {
        return Err(("password", "a password needs its user=\"…\"".into()));
    }
    if token.is_some() && user.is_some() {
        return Err((
            "token",
            "give token= or user= and password=, not both".into(),
        ));
    }
    let mut asked = tls::relp(r, tls::Side::Client);
    if tls_url && asked.mode == 0 {
        if asked.mode_given {
            return Err(("tls", "a tls:// server with tls=\"off\"".into()));
        }
        asked.mode = 1;
        asked.mode_given = true;
        asked.pos = r.pos_of("server");
    }
    Ok(OmnatsConfig {
        servers,
        subject,
        stream,
        user,
        password,
        token,
        window: r.int("windowSize") as usize,
        timeout: Duration::from_secs(r.int("timeout") as u64),
        tls_asked: Some(asked),
        tls: None,
        tls_url,
    })
}

impl OmnatsConfig {
    /// Where it publishes, for messages and the start-up line.
    pub fn target(&self) -> String {
        let s = &self.servers[0];
        let scheme = if self.tls.is_some() { "tls" } else { "nats" };
        let subject = match &self.subject {
            Named::Fixed(t) => t.clone(),
            Named::Template(t) => {
                format!(
                    "(dynaSubject {})",
                    t.as_ref().map_or("", |t| t.name.as_str())
                )
            }
        };
        format!("{scheme}://{}:{}/{subject}", s.host, s.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls() {
        let s = |h: &str, p| Server {
            host: h.into(),
            port: p,
        };
        assert_eq!(parse_server("nats://a:5"), Ok((s("a", 5), false)));
        assert_eq!(parse_server("tls://a"), Ok((s("a", 4222), true)));
        assert_eq!(
            parse_server("127.0.0.1:4223"),
            Ok((s("127.0.0.1", 4223), false))
        );
        assert_eq!(parse_server("[::1]:7"), Ok((s("::1", 7), false)));
        assert_eq!(parse_server("[::1]"), Ok((s("::1", 4222), false)));
        for bad in [
            "http://a",
            "nats://u:p@a",
            "::1",
            "a:0",
            "a:x",
            "nats://",
            "[::1",
        ] {
            assert!(parse_server(bad).is_err(), "{bad}");
        }
    }
}
