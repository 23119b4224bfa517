//! The message modifiers corelog runs: `mmjsonparse`, `mmpstrucdata`,
//! `mmfields`, `mmrm1stspace`, `mmutf8fix` (rsyslog 8.2302's parameters).
//!
//! In: an `action(type="mm…")`'s own parameters. Out: a typed
//! [`Modifier`], which the rule engine runs inline at the action's place
//! (see [`crate::rule::modify`]).

use crate::config::param::{Param, Resolved, Table, Type};
use crate::rule::modify::{Modifier, Root, Utf8Mode};

pub static JSONPARSE: Table = Table {
    object: "action(type=\"mmjsonparse\")",
    params: &[
        Param::new("cookie", Type::Str, "@cee:"),
        Param::new("useRawMsg", Type::Bool, "off"),
        Param::new("container", Type::Str, "$!").sample("$!parsed"),
    ],
};

pub static PSTRUCDATA: Table = Table {
    object: "action(type=\"mmpstrucdata\")",
    params: &[
        Param::new("jsonRoot", Type::Str, "$!").sample("$!sd"),
        Param::new("sd_name.lowercase", Type::Bool, "on"),
    ],
};

pub static FIELDS: Table = Table {
    object: "action(type=\"mmfields\")",
    params: &[
        Param::new("separator", Type::Char, ","),
        Param::new("jsonRoot", Type::Str, "$!").sample("$!f"),
    ],
};

pub static RM1STSPACE: Table = Table {
    object: "action(type=\"mmrm1stspace\")",
    params: &[],
};

pub static UTF8FIX: Table = Table {
    object: "action(type=\"mmutf8fix\")",
    params: &[
        Param::new("mode", Type::Enum(&["utf-8", "controlcharacters"]), "utf-8"),
        Param::new("replacementChar", Type::Char, " "),
    ],
};

/// The modifier `name` with its resolved parameters; an error names the
/// parameter.
pub fn resolve(name: &str, r: &Resolved) -> Result<Modifier, (String, String)> {
    let root = |param: &str| -> Result<Root, (String, String)> {
        let text = r.opt_str(param).unwrap_or_else(|| "$!".into());
        Root::parse(&text).ok_or_else(|| {
            (
                param.to_string(),
                format!("{param}=\"{text}\" must name a variable tree: $!…, $.… or $/…"),
            )
        })
    };
    let char_of = |param: &str, default: u8| {
        r.opt_str(param)
            .and_then(|s| s.bytes().next())
            .unwrap_or(default)
    };
    Ok(match name {
        "mmjsonparse" => Modifier::JsonParse {
            cookie: r
                .opt_str("cookie")
                .unwrap_or_else(|| "@cee:".into())
                .into_bytes()
                .into(),
            use_raw_msg: r.bool("useRawMsg"),
            container: root("container")?,
        },
        // Every parameter is read before an error returns (the resolver
        // checks that each supported one was).
        "mmpstrucdata" => {
            let lowercase = r.bool("sd_name.lowercase");
            Modifier::PStrucData {
                root: root("jsonRoot")?,
                lowercase,
            }
        }
        "mmfields" => {
            let separator = char_of("separator", b',');
            Modifier::Fields {
                separator,
                root: root("jsonRoot")?,
            }
        }
        "mmrm1stspace" => Modifier::Rm1stSpace,
        _ => Modifier::Utf8Fix {
            mode: if r.choice("mode") == 1 {
                Utf8Mode::ControlCharacters
            } else {
                Utf8Mode::Utf8
            },
            replacement: char_of("replacementChar", b' '),
        },
    })
}
