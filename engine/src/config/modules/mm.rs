//! The message modifiers corelog runs: `mmjsonparse`, `mmpstrucdata`,
//! `mmfields`, `mmrm1stspace`, `mmutf8fix` (rsyslog 8.2302's parameters).
//!
//! In: an `action(type="mm…")`'s own parameters. Out: a typed
//! [`Modifier`], which the rule engine runs inline at the action's place
//! (see [`crate::rule::modify`]).

use crate::config::param::{Param, Resolved, Table, Type};
use crate::rule::anon::{Anon, Family, Mode};
use crate::rule::modify::{Modifier, Root, Utf8Mode};

/// mmanon's modes (`rewrite` is `simple`'s other name; `simple` is IPv4's
/// only).
const IPV4_MODES: Type = Type::Enum(&["zero", "random", "random-consistent", "simple", "rewrite"]);
const IPV6_MODES: Type = Type::Enum(&["zero", "random", "random-consistent"]);
const BITS: Type = Type::Int { min: 1, max: 255 };

pub static ANON: Table = Table {
    object: "action(type=\"mmanon\")",
    params: &[
        Param::new("ipv4.enable", Type::Bool, "on"),
        Param::new("ipv4.mode", IPV4_MODES, "zero"),
        Param::new("mode", IPV4_MODES, "zero")
            .note("ipv4.mode's other name; it wins when both are given"),
        Param::new("ipv4.bits", BITS, "16")
            .note("above 32 is 32; in simple mode rounded up to 8, 16, 24 or 32"),
        Param::new("ipv4.replaceChar", Type::Char, "x").sample("*"),
        Param::new("replacementChar", Type::Char, "x")
            .sample("*")
            .note("ipv4.replaceChar's other name; it wins when both are given"),
        Param::new("ipv6.enable", Type::Bool, "on"),
        Param::new("ipv6.anonmode", IPV6_MODES, "zero"),
        Param::new("ipv6.bits", BITS, "96").note("above 128 is 128"),
        Param::new("embeddedIpv4.enable", Type::Bool, "on"),
        Param::new("embeddedIpv4.anonmode", IPV6_MODES, "zero"),
        Param::new("embeddedIpv4.bits", BITS, "96").note("above 128 is 128"),
    ],
};

fn mode(i: usize) -> Mode {
    match i {
        1 => Mode::Random,
        2 => Mode::RandomConsistent,
        3 | 4 => Mode::Simple,
        _ => Mode::Zero,
    }
}

/// mmanon's settings, with rsyslog's corrections of `bits` (each said).
fn anon(r: &Resolved) -> Anon {
    let v4_mode = if r.given("mode") {
        r.choice("mode")
    } else {
        r.choice("ipv4.mode")
    };
    let _ = (r.choice("ipv4.mode"), r.choice("mode"));
    let c = if r.given("replacementChar") {
        r.opt_str("replacementChar")
    } else {
        r.opt_str("ipv4.replaceChar")
    };
    let _ = (r.opt_str("replacementChar"), r.opt_str("ipv4.replaceChar"));
    let c = c.and_then(|s| s.bytes().next()).unwrap_or(b'x');
    let clamp = |name: &str, max: i64| -> u8 {
        let v = r.int(name);
        if v > max {
            r.warn(
                name,
                format!("{name}=\"{v}\" is more than {max}: {max} is used, as in rsyslog"),
            );
        }
        v.min(max) as u8
    };
    let mut v4_bits = clamp("ipv4.bits", 32);
    let v4 = mode(v4_mode);
    if matches!(v4, Mode::Simple) && v4_bits % 8 != 0 {
        let up = (v4_bits / 8 + 1) * 8;
        r.warn(
            "ipv4.bits",
            format!("ipv4.bits=\"{v4_bits}\" in simple mode is rounded up to {up} (whole octets), as in rsyslog"),
        );
        v4_bits = up;
    }
    let fam = |enable: &str, mode_name: &str, bits: &str| Family {
        enable: r.bool(enable),
        mode: self::mode(r.choice(mode_name)),
        bits: clamp(bits, 128),
    };
    Anon {
        ipv4: Family {
            enable: r.bool("ipv4.enable"),
            mode: v4,
            bits: v4_bits,
        },
        ipv6: fam("ipv6.enable", "ipv6.anonmode", "ipv6.bits"),
        embedded: fam(
            "embeddedIpv4.enable",
            "embeddedIpv4.anonmode",
            "embeddedIpv4.bits",
        ),
        replace_char: c,
        key: Default::default(),
    }
}

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
        "mmanon" => Modifier::Anon(Box::new(anon(r))),
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
