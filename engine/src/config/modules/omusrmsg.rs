//! omusrmsg: `action(type="omusrmsg")`, `:omusrmsg:users` and the legacy
//! `*` (everyone logged in).
//!
//! In: the action's parameters. Out: an [`OmusrmsgConfig`], which
//! [`crate::output::omusrmsg`] carries out.

use crate::config::param::{Param, Resolved, Table, Type};

/// rsyslog's limit on the names of one action (`MAXUNAMES`).
pub const USERS_MAX: usize = 20;
/// rsyslog's longest name (`UT_NAMESIZE`).
pub const USER_LEN_MAX: usize = 32;
/// rsyslog's default templates, by whether the action writes to
/// everyone.
pub const WALL_TEMPLATE: &str = " WallFmt";
pub const USER_TEMPLATE: &str = " StdUsrMsgFmt";

/// `action(type="omusrmsg")`, besides `action.*` and `queue.*`.
pub static ACTION: Table = Table {
    object: "action(type=\"omusrmsg\")",
    params: &[
        Param::new("users", Type::Str, "")
            .note("required: * (everyone logged in), or names separated by commas (at most 20)")
            .sample("root,operator"),
        Param::new("template", Type::Template, "")
            .note("\" WallFmt\" for users=\"*\", else \" StdUsrMsgFmt\"")
            .sample("RSYSLOG_TraditionalFileFormat"),
    ],
};

/// Who is written to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Users {
    /// `*`: every user logged in.
    All,
    Named(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OmusrmsgConfig {
    pub users: Users,
}

/// `users=`, read as rsyslog reads it (names split at commas, the spaces
/// after a comma skipped); an empty, too long or 21st name is an error
/// rather than rsyslog's dropped name.
pub fn parse_users(text: &str) -> Result<Users, String> {
    if text == "*" {
        return Ok(Users::All);
    }
    let names: Vec<String> = text
        .split(',')
        .map(|n| n.trim_start().to_string())
        .collect();
    if names.iter().any(String::is_empty) {
        return Err(format!("users=\"{text}\": an empty user name"));
    }
    if let Some(n) = names.iter().find(|n| n.len() > USER_LEN_MAX) {
        return Err(format!(
            "users=\"{text}\": '{n}' is longer than a login name can be ({USER_LEN_MAX} bytes)"
        ));
    }
    if names.len() > USERS_MAX {
        return Err(format!(
            "users=\"{text}\": at most {USERS_MAX} names in one action, as in rsyslog"
        ));
    }
    Ok(Users::Named(names))
}

pub fn resolve(r: &Resolved) -> Result<OmusrmsgConfig, String> {
    r.consumed("template");
    let text = r.opt_str("users").unwrap_or_default();
    Ok(OmusrmsgConfig {
        users: parse_users(&text)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_as_rsyslog_reads_them() {
        assert_eq!(parse_users("*"), Ok(Users::All));
        assert_eq!(
            parse_users("root, bob,carol"),
            Ok(Users::Named(vec![
                "root".into(),
                "bob".into(),
                "carol".into()
            ]))
        );
        assert!(parse_users("").is_err());
        assert!(parse_users("root,,bob").is_err());
        assert!(parse_users(&"x".repeat(33)).is_err());
        assert!(parse_users(&vec!["u"; 21].join(",")).is_err());
    }
}
