//! Property tests of the message core.
//!
//! 1. Against a naive reference parser: well-formed RFC 3164 and RFC 5424
//!    messages are generated from their parts; a deliberately simple
//!    `split`-based parser and corelog must find the same properties.
//! 2. Every seed message, in a stream with others, split at every byte
//!    offset across two receive buffers, frames and parses the same.
//! 3. Any bytes at all: no panic, every range inside the buffer, nothing
//!    lost (rawmsg is the sanitised input), every template renders.

use std::sync::Arc;

use bytes::Bytes;
use corelog::frame::Framer;
use corelog::prop::{self, PropId};
use corelog::template::BUILTIN_NAMES;
use corelog::{parse, Env, Message, Origin, ParseOptions, RenderBuf, Template, Timestamp};
use proptest::prelude::*;

fn now() -> Timestamp {
    corelog::msg::timestamp::parse_rfc3339(b"2026-11-23T01:02:03.456789+00:00")
        .unwrap()
        .0
}

fn parse_bytes(raw: &[u8]) -> Message {
    let origin = Arc::new(Origin::new("fromhost", "127.0.0.1", "imtcp"));
    parse(
        Bytes::copy_from_slice(raw),
        &origin,
        now(),
        &ParseOptions::default(),
    )
}

const PROPS: [PropId; 13] = [
    PropId::Pri,
    PropId::Hostname,
    PropId::SyslogTag,
    PropId::ProgramName,
    PropId::Msg,
    PropId::AppName,
    PropId::ProcId,
    PropId::MsgId,
    PropId::StructuredData,
    PropId::TimeReported,
    PropId::ProtocolVersion,
    PropId::RawMsg,
    PropId::RawMsgAfterPri,
];

fn props(m: &Message) -> Vec<Vec<u8>> {
    let mut scratch = Vec::new();
    PROPS
        .iter()
        .map(|&id| prop::get(m, id, &mut scratch).to_vec())
        .collect()
}

/// The fields a naive parser finds.
#[derive(Debug, PartialEq)]
struct Fields {
    pri: String,
    hostname: String,
    tag: String,
    programname: String,
    procid: String,
    msg: String,
    app_name: String,
    msgid: String,
    sd: String,
}

/// Naive RFC 3164: `<PRI>Mmm dd hh:mm:ss HOST TAG: MSG`, by splitting.
fn naive_3164(s: &str) -> Fields {
    let (pri, rest) = s[1..].split_once('>').unwrap();
    let rest = &rest[16..]; // "Mmm dd hh:mm:ss "
    let (hostname, rest) = rest.split_once(' ').unwrap();
    let colon = rest.find(':').unwrap();
    let tag = &rest[..=colon];
    let msg = &rest[colon + 1..];
    let programname = tag.split(['[', ':']).next().unwrap();
    let procid = tag
        .split_once('[')
        .map(|(_, p)| p.split(']').next().unwrap())
        .unwrap_or("-");
    Fields {
        pri: pri.to_string(),
        hostname: hostname.into(),
        tag: tag.into(),
        programname: programname.into(),
        procid: procid.into(),
        msg: msg.into(),
        app_name: programname.into(),
        msgid: "-".into(),
        sd: "-".into(),
    }
}

/// Naive RFC 5424: `<PRI>1 TS HOST APP PROCID MSGID SD MSG`, where SD is
/// `-` or one `[…]` element without `] ` inside.
fn naive_5424(s: &str) -> Fields {
    let (pri, rest) = s[1..].split_once('>').unwrap();
    let mut parts = rest.splitn(7, ' ');
    let _version = parts.next().unwrap();
    let _ts = parts.next().unwrap();
    let hostname = parts.next().unwrap();
    let app = parts.next().unwrap();
    let procid = parts.next().unwrap();
    let msgid = parts.next().unwrap();
    let rest = parts.next().unwrap_or("");
    let (sd, msg) = if let Some(r) = rest.strip_prefix("- ") {
        ("-", r)
    } else if rest == "-" {
        ("-", "")
    } else {
        let end = rest.find("] ").map(|i| i + 1).unwrap_or(rest.len());
        (&rest[..end], rest[end..].strip_prefix(' ').unwrap_or(""))
    };
    let tag = if procid == "-" {
        app.to_string()
    } else {
        format!("{app}[{procid}]")
    };
    Fields {
        pri: pri.to_string(),
        hostname: hostname.into(),
        tag,
        programname: app.into(),
        procid: procid.into(),
        msg: msg.into(),
        app_name: app.into(),
        msgid: msgid.into(),
        sd: sd.into(),
    }
}

fn corelog_fields(m: &Message) -> Fields {
    let mut b = Vec::new();
    let mut g = |id| String::from_utf8(prop::get(m, id, &mut b).to_vec()).unwrap();
    Fields {
        pri: g(PropId::Pri),
        hostname: g(PropId::Hostname),
        tag: g(PropId::SyslogTag),
        programname: g(PropId::ProgramName),
        procid: g(PropId::ProcId),
        msg: g(PropId::Msg),
        app_name: g(PropId::AppName),
        msgid: g(PropId::MsgId),
        sd: g(PropId::StructuredData),
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn rfc3164() -> impl Strategy<Value = String> {
    (
        0u16..192,
        0usize..12,
        1u8..29,
        (0u8..24, 0u8..60, 0u8..60),
        "[a-z0-9]([a-z0-9.-]{0,20}[a-z0-9])?",
        "[A-Za-z0-9_-]{1,20}",
        proptest::option::of(0u32..100_000),
        "[ -~]{0,80}",
    )
        .prop_map(|(pri, mon, day, (h, mi, s), host, tag, pid, msg)| {
            let pid = pid.map(|p| format!("[{p}]")).unwrap_or_default();
            format!(
                "<{pri}>{} {day:>2} {h:02}:{mi:02}:{s:02} {host} {tag}{pid}: {msg}",
                MONTHS[mon]
            )
        })
}

fn rfc5424() -> impl Strategy<Value = String> {
    (
        0u16..192,
        "[a-z0-9][a-z0-9.-]{0,30}",
        "[A-Za-z0-9_.-]{1,20}",
        prop_oneof!["-".prop_map(String::from), "[0-9]{1,6}"],
        prop_oneof!["-".prop_map(String::from), "[A-Z0-9]{1,8}"],
        prop_oneof![
            "-".prop_map(String::from),
            ("[a-z]{1,8}@[0-9]{1,5}", "[a-z]{1,8}", "[ -Z^-~]{0,20}").prop_map(|(id, k, v)| {
                let v = v.replace('\\', "\\\\").replace('"', "\\\"");
                format!("[{id} {k}=\"{v}\"]")
            }),
        ],
        "[ -~]{0,80}",
    )
        .prop_map(|(pri, host, app, procid, msgid, sd, msg)| {
            format!("<{pri}>1 2026-11-23T01:02:03.045Z {host} {app} {procid} {msgid} {sd} {msg}")
        })
}

fn stream_of(msgs: &[String], octet_counted: bool) -> Vec<u8> {
    let mut s = Vec::new();
    for m in msgs {
        if octet_counted {
            s.extend_from_slice(format!("{} {m}", m.len()).as_bytes());
        } else {
            s.extend_from_slice(m.as_bytes());
            s.push(b'\n');
        }
    }
    s
}

fn frame_and_parse(chunks: &[&[u8]]) -> Vec<Vec<Vec<u8>>> {
    let origin = Arc::new(Origin::new("fromhost", "127.0.0.1", "imtcp"));
    let mut framer = Framer::new(8192);
    let mut frames = Vec::new();
    for c in chunks {
        framer.decode(Bytes::copy_from_slice(c), &mut frames);
    }
    framer.finish(&mut frames);
    frames
        .into_iter()
        .map(|f| props(&parse(f, &origin, now(), &ParseOptions::default())))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn rfc3164_matches_reference(s in rfc3164()) {
        let m = parse_bytes(s.as_bytes());
        prop_assert_eq!(corelog_fields(&m), naive_3164(&s));
    }

    #[test]
    fn rfc5424_matches_reference(s in rfc5424()) {
        let m = parse_bytes(s.as_bytes());
        prop_assert_eq!(corelog_fields(&m), naive_5424(&s));
    }

    #[test]
    fn any_split_parses_the_same(
        msgs in proptest::collection::vec(prop_oneof![rfc3164(), rfc5424()], 1..4),
        octet_counted in any::<bool>(),
    ) {
        let stream = stream_of(&msgs, octet_counted);
        let whole = frame_and_parse(&[&stream]);
        prop_assert_eq!(whole.len(), msgs.len());
        for k in 0..=stream.len() {
            prop_assert_eq!(&frame_and_parse(&[&stream[..k], &stream[k..]]), &whole, "split at {}", k);
        }
    }

    #[test]
    fn any_bytes_parse_and_render(raw in proptest::collection::vec(any::<u8>(), 0..300)) {
        let m = parse_bytes(&raw);
        // Nothing lost: rawmsg is the input with rsyslog's receive-side
        // sanitising (trailing NUL/LF dropped, control characters escaped).
        let sanitized = corelog::parse::sanitize::sanitize(
            Bytes::copy_from_slice(&raw),
            &Default::default(),
        );
        prop_assert_eq!(m.raw(), &sanitized[..]);
        let env = Env::new(now(), "host");
        let mut buf = RenderBuf::new();
        let mut out = Vec::new();
        for name in BUILTIN_NAMES {
            Template::builtin(name).unwrap().render(&m, &env, &mut buf, &mut out);
        }
        prop_assert!(!out.is_empty());
    }
}

/// Seeds from the field: each, with neighbours, split at every offset.
#[test]
fn seed_messages_split_at_every_offset() {
    let seeds = [
        "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
        "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\"] An application event",
        "<190>%PIX-7-710005: UDP request discarded",
        "no pri at all",
        "<13>Oct  1 22:14:15 host tag[123]: tab\there",
    ];
    for octet_counted in [false, true] {
        let msgs: Vec<String> = seeds.iter().map(|s| s.to_string()).collect();
        let stream = stream_of(&msgs, octet_counted);
        let whole = frame_and_parse(&[&stream]);
        assert_eq!(whole.len(), seeds.len());
        for k in 0..=stream.len() {
            assert_eq!(
                frame_and_parse(&[&stream[..k], &stream[k..]]),
                whole,
                "split at {k}"
            );
        }
    }
}
