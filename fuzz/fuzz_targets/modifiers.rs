//! Any bytes as a syslog frame through every message modifier (mmanon in
//! each mode, mmjsonparse, mmpstrucdata, mmfields, mmrm1stspace,
//! mmutf8fix) and the parser chain's repairing parsers, pmciscoios and
//! pmnull: nothing may panic,
//! and a modified message still renders every property.
#![no_main]

use std::sync::Arc;

use bytes::Bytes;
use corelog::msg::json::Path;
use corelog::msg::vars::VarScope;
use corelog::parse::chain::{Chain, CiscoIosOptions, NullOptions, Parser, Rfc3164Options};
use corelog::parse::parse_chain;
use corelog::rule::anon::{Anon, Family, Mode};
use corelog::rule::globals::Globals;
use corelog::rule::modify::{Modifier, Root, Utf8Mode};
use corelog::template::{Syntax, Template};
use corelog::{Env, Origin, ParseOptions, RenderBuf, Timestamp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let origin = Arc::new(Origin::new("h", "127.0.0.1", "fuzz"));
    let flags = data.first().copied().unwrap_or(0);
    let mut parsers = vec![
        Parser::CiscoNames,
        Parser::AixForwardedFrom,
        Parser::Snare(Default::default()),
        Parser::LastLine,
        Parser::CiscoIos(CiscoIosOptions {
            origin_present: flags & 2 != 0,
            xr_present: flags & 4 != 0,
        }),
        Parser::Rfc5424,
    ];
    if flags & 8 != 0 {
        // pmnull accepts everything: its appended tag then meets mmanon.
        parsers.push(Parser::Null(NullOptions {
            tag: Some(Arc::from(&b"null[1]:"[..])),
            pri: 13,
        }));
    }
    if flags & 16 == 0 {
        parsers.push(Parser::Rfc3164(Rfc3164Options {
            square_brackets_in_hostname: true,
            slashes_in_hostname: true,
            at_signs_in_hostname: true,
            force_tag_ending_by_colon: flags & 1 == 1,
            remove_msg_first_space: true,
            detect_year_after_timestamp: true,
        }));
    }
    // Without pmnull or pmrfc3164 a frame may go on unparsed.
    let chain = Chain {
        timezones: vec![("CET".to_string(), (false, 1, 0))],
        parsers,
    };
    let (mut m, _) = parse_chain(
        Bytes::copy_from_slice(data),
        &origin,
        Timestamp::default(),
        &ParseOptions::default(),
        Some(&chain),
    );
    let root = |s: &str| Root {
        scope: VarScope::Message,
        path: Path::parse(s),
    };
    let fam = |mode, bits| Family { enable: true, mode, bits };
    let mut modifiers = vec![
        Modifier::JsonParse { cookie: b"".to_vec().into(), use_raw_msg: false, container: root("j") },
        Modifier::PStrucData { root: root(""), lowercase: true },
        Modifier::Fields { separator: b' ', root: root("f") },
        Modifier::Rm1stSpace,
        Modifier::Utf8Fix { mode: Utf8Mode::Utf8, replacement: b'?' },
        Modifier::Utf8Fix { mode: Utf8Mode::ControlCharacters, replacement: b'?' },
    ];
    for (v4, bits) in [(Mode::Zero, 16), (Mode::Simple, 32), (Mode::Random, 8), (Mode::RandomConsistent, 32)] {
        let six = if v4 == Mode::Simple { Mode::Zero } else { v4 };
        modifiers.push(Modifier::Anon(Box::new(Anon {
            ipv4: fam(v4, bits),
            ipv6: fam(six, 128),
            embedded: fam(six, 16),
            replace_char: b'x',
            key: Default::default(),
        })));
    }
    let globals = Globals::default();
    for md in &modifiers {
        md.apply(&mut m, &globals);
    }
    let t = Template::from_string(
        "t",
        "%rawmsg%|%hostname%|%syslogtag%|%programname%|%msg%|%$!%|%parsesuccess%",
        Syntax::Legacy,
    )
    .expect("a valid template");
    let mut out = Vec::new();
    t.render(&m, &Env::new(Timestamp::default(), "h"), &mut RenderBuf::new(), &mut out);
});
