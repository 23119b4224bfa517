//! imhttp: corelogd's HTTP endpoint for Prometheus metrics and health, as
//! newer rsyslog configures it (`module(load="imhttp" ports=…
//! metricsPath=… healthCheckPath=…)`).
//!
//! In: the module's parameters. Out: an [`HttpConfig`], which
//! [`crate::http`] carries out. rsyslog's civetweb options (`liboptions`,
//! `documentRoot`, TLS listeners with an `s` suffix) and the log input
//! (`input(type="imhttp")`) are refused: corelogd does not serve them.

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
            .note("ip:port, [v6]:port or port (every address), comma-separated"),
        Param::new("metricsPath", Type::Str, "/metrics"),
        Param::new("healthCheckPath", Type::Str, "/healthz"),
        Param::new("metricsBasicAuthFile", Type::Path, "").note("htpasswd: bcrypt or {SHA} hashes"),
        Param::new("healthCheckBasicAuthFile", Type::Path, "")
            .note("htpasswd: bcrypt or {SHA} hashes"),
        Param::new("metricsApiKeyFile", Type::Path, "").note("one key per line"),
        Param::new("healthCheckApiKeyFile", Type::Path, "").note("one key per line"),
        Param::new("listenPortFileName", Type::Path, "").refused(why::PORT_FILE),
        Param::new("documentRoot", Type::Path, "").refused(DOCS),
        Param::new("liboptions", Type::Array, "").refused(LIB),
    ],
};

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
}

/// The module's parameters, typed; `Err` says what is wrong with them.
pub fn resolve(r: &Resolved) -> Result<HttpConfig, String> {
    let listen = ports(&r.opt_str("ports").unwrap_or_default())?;
    let path = |name: &str| -> Result<String, String> {
        let p = r.opt_str(name).unwrap_or_default();
        if p.starts_with('/') && !p.contains(char::is_whitespace) {
            Ok(p)
        } else {
            Err(format!("{name}=\"{p}\" must be a path starting with /"))
        }
    };
    let file = |name: &str| r.opt_str(name).filter(|f| !f.is_empty()).map(PathBuf::from);
    let (metrics_path, health_path) = (path("metricsPath")?, path("healthCheckPath")?);
    if metrics_path == health_path {
        return Err("metricsPath and healthCheckPath must differ".into());
    }
    Ok(HttpConfig {
        listen,
        metrics_path,
        health_path,
        metrics: Access {
            basic_auth_file: file("metricsBasicAuthFile"),
            api_key_file: file("metricsApiKeyFile"),
        },
        health: Access {
            basic_auth_file: file("healthCheckBasicAuthFile"),
            api_key_file: file("healthCheckApiKeyFile"),
        },
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
