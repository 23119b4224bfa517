//! `parser()` objects and the parser modules corelog runs: pmrfc5424,
//! pmrfc3164 (with its parameters), pmlastmsg, pmcisconames,
//! pmaixforwardedfrom, pmsnare, pmciscoios and pmnull.
//!
//! In: a `parser(name= type=)` object's parameters, or the name of a
//! parser a module provides (`rsyslog.rfc3164`, `rsyslog.lastline`, …).
//! Out: a typed [`Parser`] for a ruleset's chain (see
//! [`crate::parse::chain`]).

use crate::config::param::{Param, Resolved, Table, Type};
use std::sync::Arc;

use crate::parse::chain::{CiscoIosOptions, NullOptions, Parser, Rfc3164Options, SnareOptions};

/// `parser()` itself.
pub static PARSER: Table = Table {
    object: "parser()",
    params: &[
        Param::new("name", Type::Str, "").note("required"),
        Param::new("type", Type::Str, "").note("required: the parser module"),
    ],
};

/// `parser(type="pmrfc3164")`.
pub static PMRFC3164: Table = Table {
    object: "parser(type=\"pmrfc3164\")",
    params: &[
        Param::new("permit.squareBracketsInHostname", Type::Bool, "off"),
        Param::new("permit.slashesInHostname", Type::Bool, "off"),
        Param::new("permit.AtSignsInHostname", Type::Bool, "off"),
        Param::new("force.tagEndingByColon", Type::Bool, "off"),
        Param::new("remove.msgFirstSpace", Type::Bool, "off"),
        Param::new("detect.YearAfterTimestamp", Type::Bool, "off"),
    ],
};

/// `parser(type="pmsnare")`: what it takes for a tab (unset: the global
/// parser settings).
pub static PMSNARE: Table = Table {
    object: "parser(type=\"pmsnare\")",
    params: &[
        Param::new("parser.escapeControlCharactersOnReceive", Type::Bool, "on")
            .note("unset: the global setting"),
        Param::new("parser.escapeControlCharacterTab", Type::Bool, "on")
            .note("unset: the global setting"),
        Param::new("parser.escapeControlCharactersCStyle", Type::Bool, "off")
            .note("unset: the global setting"),
        Param::new("parser.controlCharacterEscapePrefix", Type::Char, "#")
            .note("unset: the global setting"),
    ],
};

/// `parser(type="pmciscoios")`.
pub static PMCISCOIOS: Table = Table {
    object: "parser(type=\"pmciscoios\")",
    params: &[
        Param::new("present.origin", Type::Bool, "off")
            .note("an ORIGIN (hostname) field follows the sequence number"),
        Param::new("present.xr", Type::Bool, "off").note("the IOS XR format"),
    ],
};

/// `parser(type="pmnull")`.
pub static PMNULL: Table = Table {
    object: "parser(type=\"pmnull\")",
    params: &[
        Param::new("tag", Type::Str, "").note("unset: messages get an empty tag"),
        Param::new("syslogfacility", Type::Facility, "1"),
        Param::new("syslogseverity", Type::Severity, "5"),
    ],
};

/// pmnull's defaults: no tag, `user.notice`.
const NULL_DEFAULT: NullOptions = NullOptions { tag: None, pri: 13 };

/// The parser a `parser()` object of module `module` makes.
pub fn resolve(module: &str, r: &Resolved) -> Parser {
    match module {
        "pmsnare" => {
            let given_bool = |n: &str| {
                let v = r.bool(n);
                r.given(n).then_some(v)
            };
            let prefix = r.opt_str("parser.controlCharacterEscapePrefix");
            let prefix_given = r.given("parser.controlCharacterEscapePrefix");
            Parser::Snare(SnareOptions {
                escape_control_characters: given_bool("parser.escapeControlCharactersOnReceive"),
                escape_tab: given_bool("parser.escapeControlCharacterTab"),
                c_style: given_bool("parser.escapeControlCharactersCStyle"),
                prefix: prefix
                    .filter(|_| prefix_given)
                    .and_then(|p| p.bytes().next()),
            })
        }
        "pmrfc3164" => Parser::Rfc3164(Rfc3164Options {
            square_brackets_in_hostname: r.bool("permit.squareBracketsInHostname"),
            slashes_in_hostname: r.bool("permit.slashesInHostname"),
            at_signs_in_hostname: r.bool("permit.AtSignsInHostname"),
            force_tag_ending_by_colon: r.bool("force.tagEndingByColon"),
            remove_msg_first_space: r.bool("remove.msgFirstSpace"),
            detect_year_after_timestamp: r.bool("detect.YearAfterTimestamp"),
        }),
        "pmciscoios" => Parser::CiscoIos(CiscoIosOptions {
            origin_present: r.bool("present.origin"),
            xr_present: r.bool("present.xr"),
        }),
        "pmnull" => {
            let tag = r.opt_str("tag").filter(|_| r.given("tag"));
            // As rsyslog computes it (severity 8 is the next facility's
            // 0), within the PRIs there are.
            let pri = r.int("syslogfacility") * 8 + r.int("syslogseverity");
            Parser::Null(NullOptions {
                tag: tag.map(|t| Arc::from(t.into_bytes())),
                pri: pri.min(191) as u16,
            })
        }
        "pmrfc5424" => Parser::Rfc5424,
        "pmlastmsg" => Parser::LastLine,
        "pmcisconames" => Parser::CiscoNames,
        _ => Parser::AixForwardedFrom,
    }
}

/// The parsers modules provide by name, with the module each needs:
/// rsyslog's names.
pub const BUILT_IN: &[(&str, &str, Parser)] = &[
    ("rsyslog.rfc5424", "pmrfc5424", Parser::Rfc5424),
    (
        "rsyslog.rfc3164",
        "pmrfc3164",
        Parser::Rfc3164(Rfc3164Options {
            square_brackets_in_hostname: false,
            slashes_in_hostname: false,
            at_signs_in_hostname: false,
            force_tag_ending_by_colon: false,
            remove_msg_first_space: false,
            detect_year_after_timestamp: false,
        }),
    ),
    ("rsyslog.lastline", "pmlastmsg", Parser::LastLine),
    ("rsyslog.cisconames", "pmcisconames", Parser::CiscoNames),
    (
        "rsyslog.aixforwardedfrom",
        "pmaixforwardedfrom",
        Parser::AixForwardedFrom,
    ),
    (
        "rsyslog.ciscoios",
        "pmciscoios",
        Parser::CiscoIos(CiscoIosOptions {
            origin_present: false,
            xr_present: false,
        }),
    ),
    ("rsyslog.pmnull", "pmnull", Parser::Null(NULL_DEFAULT)),
    (
        "rsyslog.snare",
        "pmsnare",
        Parser::Snare(SnareOptions {
            escape_control_characters: None,
            escape_tab: None,
            c_style: None,
            prefix: None,
        }),
    ),
];
