//! omuxsock: each message as one datagram to a unix socket, as rsyslog
//! 8.2302's omuxsock sends it — `$OMUxSockSocket` and `:omuxsock:`, the
//! default template from `module(load="omuxsock" template=)` or
//! `$OMUxSockDefaultTemplate` — and `action(type="omuxsock"
//! socketName= template=)`, the form later rsyslog releases give it.
//!
//! In: the action's parameters over the module's and the legacy
//! directives in force. Out: an [`OmuxsockConfig`], which
//! [`crate::output::omuxsock`] carries out.

use std::path::PathBuf;

use crate::config::param::{Param, Resolved, Table, Type};

/// rsyslog's default template for omuxsock.
pub const DEFAULT_TEMPLATE: &str = "RSYSLOG_TraditionalForwardFormat";

/// The longest unix socket path (`sun_path` holds 108 bytes with its NUL).
pub const SOCKET_PATH_MAX: usize = 107;

/// `module(load="omuxsock")`.
pub static MODULE: Table = Table {
    object: "module(load=\"omuxsock\")",
    params: &[Param::new("template", Type::Template, DEFAULT_TEMPLATE)
        .legacy("$OMUxSockDefaultTemplate")
        .sample("RSYSLOG_TraditionalFileFormat")],
};

/// `action(type="omuxsock")`, besides `action.*` and `queue.*`.
pub static ACTION: Table = Table {
    object: "action(type=\"omuxsock\")",
    params: &[
        Param::new("socketName", Type::Path, "")
            .legacy("$OMUxSockSocket")
            .note("required: the unix datagram socket to send to")
            .sample("/tmp/corelog-sample.sock"),
        Param::new("template", Type::Template, DEFAULT_TEMPLATE)
            .sample("RSYSLOG_TraditionalFileFormat"),
    ],
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OmuxsockConfig {
    pub socket: PathBuf,
    /// A datagram is cut at `maxMessageSize`, as rsyslog cuts it.
    pub max_len: usize,
}

/// The socket named, or why there is none; `max_len` is the global
/// `maxMessageSize`.
pub fn resolve(r: &Resolved, max_len: usize) -> Result<OmuxsockConfig, String> {
    r.consumed("template");
    let Some(socket) = r.opt_str("socketName").filter(|s| !s.is_empty()) else {
        return Err("no socket to send to: give socketName=\"…\" (or $OMUxSockSocket before a :omuxsock: action)".into());
    };
    if socket.len() > SOCKET_PATH_MAX {
        return Err(format!(
            "socketName=\"{socket}\" is longer than a unix socket path can be ({SOCKET_PATH_MAX} bytes); rsyslog would cut it and send elsewhere"
        ));
    }
    Ok(OmuxsockConfig {
        socket: PathBuf::from(socket),
        max_len: max_len.max(1),
    })
}

#[cfg(test)]
mod tests {
    use crate::config::{self, OutputConfig};

    fn load(text: &str) -> Result<config::Plan, config::ConfigErrors> {
        config::load_str("t.conf", text)
    }

    #[test]
    fn the_socket_the_template_and_what_is_refused() {
        let plan = load("module(load=\"omuxsock\" template=\"RSYSLOG_FileFormat\")\n$MaxMessageSize 4k\n*.* action(type=\"omuxsock\" socketName=\"/run/x.sock\")\n")
            .expect("valid");
        let a = &plan.actions[0];
        assert_eq!(
            a.template.name(),
            "RSYSLOG_FileFormat",
            "the module's default"
        );
        match &a.output {
            OutputConfig::Omuxsock(c) => {
                assert_eq!(c.socket.to_str(), Some("/run/x.sock"));
                assert_eq!(c.max_len, 4096);
            }
            other => panic!("{other:?}"),
        }
        let long = format!("/tmp/{}", "s".repeat(110));
        let e = load(&format!(
            "module(load=\"omuxsock\")\n*.* action(type=\"omuxsock\" socketName=\"{long}\")\n"
        ))
        .expect_err("too long");
        assert!(
            e.errors[0]
                .message
                .contains("longer than a unix socket path"),
            "{e}"
        );
        let e = load("module(load=\"omuxsock\")\n*.* action(type=\"omuxsock\")\n")
            .expect_err("no socket");
        assert!(e.errors[0].message.contains("no socket to send to"), "{e}");
    }
}
