//! The message modifiers corelog runs: `mmjsonparse`, `mmpstrucdata`,
//! `mmfields`, `mmrm1stspace`, `mmutf8fix`, `mmanon`, `mmsequence`
//! (rsyslog 8.2302's parameters).
//!
//! In: an `action(type="mm…")`'s own parameters. Out: a typed
//! [`Modifier`], which the rule engine runs inline at the action's place
//! (see [`crate::rule::modify`]).

use crate::config::param::{Param, Resolved, Table, Type};
use crate::rule::anon::{Anon, Family, Mode};
use crate::rule::modify::{Modifier, Root, Utf8Mode};
use crate::rule::sequence::{Sequence, SequenceMode};

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

pub static SEQUENCE: Table = Table {
    object: "action(type=\"mmsequence\")",
    params: &[
        Param::new(
            "mode",
            Type::Enum(&["random", "instance", "key"]),
            "instance",
        ),
        Param::new(
            "from",
            Type::Int {
                min: 0,
                max: i32::MAX as i64,
            },
            "0",
        ),
        Param::new(
            "to",
            Type::Int {
                min: 1,
                max: i32::MAX as i64,
            },
            "2147483647",
        )
        .note("numbers are below it: [from, to)"),
        Param::new(
            "step",
            Type::Int {
                min: 0,
                max: i32::MAX as i64,
            },
            "1",
        )
        .note("not with mode=\"random\""),
        Param::new("key", Type::Str, "")
            .sample("hosts")
            .note("mode=\"key\" only: instances with the same key share one counter"),
        Param::new("var", Type::Str, "$!mmsequence").sample("$.seq"),
    ],
};

/// mmsequence's settings. What rsyslog logs and then ignores (an unknown
/// mode, a `var` that is not a variable) or leaves without effect (`key`
/// outside key mode, `step` in random mode) is an error here; so is a
/// random range that rsyslog would divide by zero for.
fn sequence(r: &Resolved) -> Result<Modifier, (String, String)> {
    let mode = [
        SequenceMode::Random,
        SequenceMode::Instance,
        SequenceMode::Key,
    ][r.choice("mode")];
    let (from, to, step) = (r.int("from"), r.int("to"), r.int("step"));
    let key = r.opt_str("key").unwrap_or_default();
    let var = r.opt_str("var").unwrap_or_default();
    if mode != SequenceMode::Key && r.given("key") {
        return Err(("key".into(), "key= names a counter shared by instances of mode=\"key\"; this instance keeps its own (set mode=\"key\" or remove key=)".into()));
    }
    if mode == SequenceMode::Random {
        if r.given("step") {
            return Err((
                "step".into(),
                "step= has no effect with mode=\"random\", which draws from [from, to)".into(),
            ));
        }
        if to <= from {
            return Err(("to".into(), format!("mode=\"random\" draws from [from, to): to=\"{to}\" must be above from=\"{from}\"")));
        }
    }
    let root = var
        .starts_with('$')
        .then(|| Root::parse(&var))
        .flatten()
        .filter(|root| !root.path.segs.is_empty());
    let Some(var) = root else {
        return Err((
            "var".into(),
            format!("var=\"{var}\" must name a variable: $!…, $.… or $/…, as rsyslog requires"),
        ));
    };
    Ok(Modifier::Sequence {
        sequence: Sequence::new(mode, from, to, step, &key),
        var,
    })
}

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
        "mmsequence" => sequence(r)?,
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

#[cfg(test)]
mod tests {
    use crate::config;

    /// The first error of loading `action`, as `line:col message`.
    fn error(action: &str) -> String {
        let text = format!("module(load=\"mmsequence\")\n{action}\n*.* /dev/null\n");
        let e = config::load_str("t.conf", &text).expect_err("refused");
        let first = &e.errors[0];
        format!("{}:{} {}", first.pos.line, first.pos.col, first.message)
    }

    #[test]
    fn what_rsyslog_would_ignore_in_mmsequence_is_an_error_at_its_place() {
        let e = error(r#"action(type="mmsequence" key="k")"#);
        assert!(e.starts_with("2:26 key= names a counter"), "{e}");
        let e = error(r#"action(type="mmsequence" mode="random" step="2")"#);
        assert!(e.starts_with("2:40 step= has no effect"), "{e}");
        let e = error(r#"action(type="mmsequence" mode="random" from="5" to="5")"#);
        assert!(e.starts_with("2:49 mode=\"random\" draws from"), "{e}");
        for var in ["!x", "$x", "$!", "mmsequence"] {
            let e = error(&format!(r#"action(type="mmsequence" var="{var}")"#));
            assert!(e.starts_with("2:26 var="), "{var}: {e}");
        }
        let e = error(r#"action(type="mmsequence" mode="sequential")"#);
        assert!(e.starts_with("2:26 "), "{e}");
        let e = error(r#"action(type="mmsequence" to="0")"#);
        assert!(e.starts_with("2:26 "), "{e}");
    }

    #[test]
    fn mmsequence_loads_with_rsyslogs_defaults_and_each_mode() {
        for action in [
            r#"action(type="mmsequence")"#,
            r#"action(type="mmsequence" mode="key" key="mm-config-test" var="$.n")"#,
            r#"action(type="mmsequence" mode="random" from="1" to="2" var="$/r")"#,
        ] {
            let text = format!("module(load=\"mmsequence\")\n{action}\n*.* /dev/null\n");
            config::load_str("t.conf", &text).unwrap_or_else(|e| panic!("{action}: {e}"));
        }
    }
}
