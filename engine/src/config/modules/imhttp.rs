//! imhttp: corelogd's HTTP endpoint for Prometheus metrics and health, as
//! newer rsyslog configures it (`module(load="imhttp" ports=…
//! metricsPath=… healthCheckPath=…)`).
//!
//! In: the module's parameters, and each `input(type="imhttp" endpoint=…)`
//! (the log input: messages POSTed to a path). Out: an [`HttpConfig`]
//! with its [`HttpInput`]s, which [`crate::http`] carries out. rsyslog's
//! civetweb options (`liboptions`, `documentRoot`, TLS listeners with an
//! `s` suffix) are refused: corelogd does not serve them.

use std::net::SocketAddr;
use std::path::PathBuf;

use super::why;
use crate::config::param::{Param, Resolved, Table, Type};

const DOCS: &str = "corelogd serves no files: only metricsPath and healthCheckPath answer";
const LIB: &str = "corelogd's HTTP server is not civetweb: it has no library options to set";

/// `module(load="imhttp")`.
pub static MODULE: Table = Table {
    object: "module(load=\"imhttp\")",
    params: &[
        Param::new("ports", Type::Str, "8080")
            .note("ip:port, [v6]:port or port (every address), comma-separated")
            .sample("127.0.0.1:9180"),
        Param::new("metricsPath", Type::Str, "/metrics"),
        Param::new("healthCheckPath", Type::Str, "/healthz"),
        Param::new("metricsBasicAuthFile", Type::Path, "")
            .note("htpasswd: bcrypt or {SHA} hashes")
            .sample("/dev/null"),
        Param::new("healthCheckBasicAuthFile", Type::Path, "")
            .note("htpasswd: bcrypt or {SHA} hashes")
            .sample("/dev/null"),
        Param::new("metricsApiKeyFile", Type::Path, "")
            .note("one key per line")
            .sample("/dev/null"),
        Param::new("healthCheckApiKeyFile", Type::Path, "")
            .note("one key per line")
            .sample("/dev/null"),
        Param::new("listenPortFileName", Type::Path, "").refused(why::PORT_FILE),
        Param::new("documentRoot", Type::Path, "").refused(DOCS),
        Param::new("liboptions", Type::Array, "").refused(LIB),
    ],
};

const NAMED_LIMIT: &str = "named rate limits (ratelimit() objects) are not in rsyslog 8.2302 and not built; use ratelimit.interval and ratelimit.burst";
const INT: Type = Type::Int {
    min: 0,
    max: i32::MAX as i64,
};

/// `input(type="imhttp")`: the log input.
pub static INPUT: Table = Table {
    object: "input(type=\"imhttp\")",
    params: &[
        Param::new("type", Type::Str, ""),
        Param::new("endpoint", Type::Str, "")
            .note("required: the path messages are POSTed to")
            .sample("/logs"),
        Param::new("name", Type::Str, "imhttp").note("the inputname of its messages"),
        Param::new("ruleset", Type::Ruleset, "").note("the default ruleset"),
        Param::new("basicAuthFile", Type::Path, "")
            .note("htpasswd: bcrypt or {SHA} hashes")
            .sample("/dev/null"),
        Param::new("apiKeyFile", Type::Path, "")
            .note("one key per line")
            .sample("/dev/null"),
        Param::new("flowControl", Type::Bool, "on")
            .note("on: a full queue holds the request (its reply waits); off: the request waits at most queue.timeoutEnqueue, and what found no room is dropped and counted (the reply says 503)"),
        Param::new("disableLFDelimiter", Type::Bool, "off")
            .note("on: the whole body is one message (cut at maxMessageSize)"),
        Param::new("supportOctetCountedFraming", Type::Bool, "off")
            .note("on: a frame starting with a digit is octet-counted (RFC 6587), as imtcp's"),
        Param::new("ratelimit.interval", INT, "0").note("seconds; 0: no rate limit"),
        Param::new("ratelimit.burst", INT, "10000"),
        Param::new("ratelimit.name", Type::Str, "").refused(NAMED_LIMIT),
        Param::new("addMetadata", Type::Bool, "off").note(
            "on: each message carries the request's headers in $!metadata!httpheaders (names in lower case) and its query parameters in $!metadata!queryparams, as rsyslog's imhttp adds them",
        ),
    ],
};

/// One log input: where it is posted, and how its body becomes messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpInput {
    pub endpoint: String,
    pub name: String,
    /// Index into the plan's rulesets (set by the builder).
    pub ruleset: usize,
    pub access: Access,
    pub flow_control: bool,
    pub disable_lf: bool,
    pub octet_counted: bool,
    pub ratelimit_interval_s: u64,
    pub ratelimit_burst: u64,
    /// `addMetadata`: headers and query into `$!metadata`.
    pub add_metadata: bool,
}

/// An input's parameters, typed (the ruleset's name returned beside).
pub fn resolve_input(r: &Resolved) -> Result<(HttpInput, Option<String>), String> {
    r.consumed("type");
    let endpoint = r.opt_str("endpoint").unwrap_or_default();
    let file = |name: &str| r.opt_str(name).filter(|f| !f.is_empty()).map(PathBuf::from);
    let input = HttpInput {
        endpoint,
        name: r.opt_str("name").unwrap_or_else(|| "imhttp".into()),
        ruleset: 0,
        access: Access {
            basic_auth_file: file("basicAuthFile"),
            api_key_file: file("apiKeyFile"),
        },
        flow_control: r.bool("flowControl"),
        disable_lf: r.bool("disableLFDelimiter"),
        octet_counted: r.bool("supportOctetCountedFraming"),
        ratelimit_interval_s: r.int("ratelimit.interval") as u64,
        ratelimit_burst: r.int("ratelimit.burst") as u64,
        add_metadata: r.bool("addMetadata"),
    };
    let ruleset = r.opt_str("ruleset").filter(|n| !n.is_empty());
    // Checked once every parameter is read.
    let e = &input.endpoint;
    if !e.starts_with('/') || e.contains(char::is_whitespace) {
        return Err(format!(
            "endpoint=\"{e}\" must be a path starting with / (it is required)"
        ));
    }
    Ok((input, ruleset))
}

/// Who may read one path: anyone (both unset), or a holder of a
/// password in the htpasswd file or of a key in the key file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Access {
    pub basic_auth_file: Option<PathBuf>,
    pub api_key_file: Option<PathBuf>,
}

/// What imhttp is asked to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConfig {
    pub listen: Vec<SocketAddr>,
    pub metrics_path: String,
    pub health_path: String,
    pub metrics: Access,
    pub health: Access,
    /// The log inputs (`input(type="imhttp")`), set by the builder.
    pub inputs: Vec<HttpInput>,
}

/// The module's parameters, typed; `Err` says what is wrong with them.
pub fn resolve(r: &Resolved) -> Result<HttpConfig, String> {
    // Every parameter read before any is found wrong.
    let listen = ports(&r.opt_str("ports").unwrap_or_default());
    let path = |name: &str| -> Result<String, String> {
        let p = r.opt_str(name).unwrap_or_default();
        if p.starts_with('/') && !p.contains(char::is_whitespace) {
            Ok(p)
        } else {
            Err(format!("{name}=\"{p}\" must be a path starting with /"))
        }
    };
    let file = |name: &str| r.opt_str(name).filter(|f| !f.is_empty()).map(PathBuf::from);
    let (metrics_path, health_path) = (path("metricsPath"), path("healthCheckPath"));
    let metrics = Access {
        basic_auth_file: file("metricsBasicAuthFile"),
        api_key_file: file("metricsApiKeyFile"),
    };
    let health = Access {
        basic_auth_file: file("healthCheckBasicAuthFile"),
        api_key_file: file("healthCheckApiKeyFile"),
    };
    let (listen, metrics_path, health_path) = (listen?, metrics_path?, health_path?);
    if metrics_path == health_path {
        return Err("metricsPath and healthCheckPath must differ".into());
    }
    Ok(HttpConfig {
        listen,
        metrics_path,
        health_path,
        metrics,
        health,
        inputs: Vec::new(),
    })
}

/// civetweb's `listening_ports` as imhttp passes it: `port`, `ip:port`,
/// `[v6]:port`, comma-separated (a bare port listens on every address).
fn ports(text: &str) -> Result<Vec<SocketAddr>, String> {
    let mut out = Vec::new();
    for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        if item.ends_with('s') || item.ends_with('r') || item.starts_with('+') {
            return Err(format!("ports: \"{item}\": TLS, redirecting and dual-stack listeners are civetweb's; corelogd's HTTP endpoint is plain (put it on a loopback or private address)"));
        }
        let addr = match item.parse::<u16>() {
            Ok(port) => SocketAddr::from(([0, 0, 0, 0], port)),
            Err(_) => item
                .parse::<SocketAddr>()
                .map_err(|_| format!("ports: \"{item}\" is not port, ip:port or [ipv6]:port"))?,
        };
        out.push(addr);
    }
    if out.is_empty() {
        return Err("ports: at least one port".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_as_civetweb_takes_them() {
        assert_eq!(
            ports("127.0.0.1:9180, [::1]:9181,9182").unwrap(),
            vec![
                "127.0.0.1:9180".parse().unwrap(),
                "[::1]:9181".parse().unwrap(),
                "0.0.0.0:9182".parse().unwrap()
            ]
        );
        assert!(ports("443s").is_err());
        assert!(ports("host:80").is_err());
        assert!(ports("").is_err());
    }
}
