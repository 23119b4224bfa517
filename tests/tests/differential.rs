//! Differential test: the message core against the real rsyslogd.
//!
//! The corpus (tests/src/corpus.rs) is sent to a private `rsyslogd` over TCP
//! (octet-counted framing, so every byte arrives as sent) with a config
//! holding string, list and built-in templates, one output file each. The
//! same messages go through corelog's parser and the same templates. The
//! outputs must match byte for byte, except the (message, template) pairs
//! listed with a reason in `differential-exceptions.txt`; an exception that
//! no longer differs is an error too, so the list stays true.
//!
//! rsyslog stamps each message with its receive time; a meta template
//! writes it out, and corelog's side is given the same time, so messages
//! without a timestamp compare exactly as well.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use corelog::msg::timestamp::parse_rfc3339;
use corelog::template::{
    parse_list_constant, parse_list_property, unescape_rainerscript, Step, Syntax,
};
use corelog::{parse, Env, Origin, ParseOptions, RenderBuf, Template};
use corelog_tests::corpus::{corpus, Case};
use corelog_tests::rsyslogd::Rsyslogd;
use corelog_tests::wait_for;

/// String templates as written in rsyslog.conf (RainerScript string bodies).
const STRING_TEMPLATES: &[(&str, &str)] = &[
    (
        "fields",
        r#"%PRI%,%syslogfacility-text%,%syslogseverity-text%,%timestamp%,%hostname%,%programname%,%syslogtag%,%msg%\n"#,
    ),
    (
        "header",
        r#"%pri-text%|%syslogfacility%|%syslogseverity%|%syslogpriority-text%|%protocol-version%|%app-name%|%procid%|%msgid%|%structured-data%|%iut%|%inputname%|%fromhost%|%fromhost-ip%|%source%\n"#,
    ),
    ("raw", r#"%rawmsg%|%rawmsg-after-pri%\n"#),
    (
        "dates",
        r#"%timestamp:::date-rfc3339%|%timereported:::date-mysql%|%timestamp:::date-pgsql%|%timestamp:::date-subseconds%|%timestamp:::date-unixtimestamp%|%timestamp:::date-year%-%timestamp:::date-month%-%timestamp:::date-day% %timestamp:::date-hour%:%timestamp:::date-minute%:%timestamp:::date-second%|%timestamp:::date-tzoffsdirection%%timestamp:::date-tzoffshour%%timestamp:::date-tzoffsmin%|%timestamp:::date-wday%|%timestamp:::date-wdayname%|%timestamp:::date-ordinal%|%timestamp:::date-week%|%timestamp:::date-rfc3339,date-utc%|%timegenerated:::date-rfc3339%\n"#,
    ),
    (
        "replacer",
        r#"%msg:1:10%|%msg:3:1:pos-end-relative%|%msg:F,32:2%|%msg:F,44:3%|%msg:R,ERE,1,DFLT:([0-9]+)--end%|%msg:R,ERE,0,FIELD:x+--end%|%msg:R,ERE,0,BLANK,1:[a-z]+--end%|%hostname:::uppercase%|%syslogtag:::lowercase%|%msg:::sp-if-no-1st-sp%|%msg:::drop-last-lf%|%msg:::space-cc%|%msg:::drop-cc%|%programname:::secpath-replace%|%syslogtag:::secpath-drop%|%msg:::compressspace%|%programname:1:12:fixed-width%|%msg:5%\n"#,
    ),
    (
        "formats",
        r#"%msg:::json%|%msg:::jsonf%|%hostname:::jsonf:host%|%msg:::csv%|%syslogtag:::csv%|%structured-data:::json%\n"#,
    ),
    ("buggyday", r#"%timestamp:::date-rfc3164-buggyday%\n"#),
    (
        "classic",
        r#"%TIMESTAMP% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\n"#,
    ),
];

/// Built-in templates compared line by line (they end in LF).
const BUILTIN_LINE: &[&str] = &[
    "RSYSLOG_TraditionalFileFormat",
    "RSYSLOG_FileFormat",
    "RSYSLOG_SyslogProtocol23Format",
    "RSYSLOG_SysklogdFileFormat",
];

/// Built-in templates without a trailing LF: compared as one stream.
const BUILTIN_STREAM: &[&str] = &["RSYSLOG_ForwardFormat", "RSYSLOG_TraditionalForwardFormat"];

enum Item {
    Property(&'static [(&'static str, &'static str)]),
    Constant(&'static [(&'static str, &'static str)]),
}

/// List templates: name, option.jsonf, items.
const LIST_TEMPLATES: &[(&str, bool, &[Item])] = &[
    (
        "list_jsonf",
        true,
        &[
            Item::Property(&[("name", "msg"), ("format", "jsonf")]),
            Item::Property(&[
                ("name", "hostname"),
                ("outname", "host"),
                ("format", "jsonf"),
            ]),
            Item::Property(&[
                ("name", "timereported"),
                ("outname", "ts"),
                ("format", "jsonf"),
                ("dateFormat", "rfc3339"),
            ]),
            Item::Property(&[
                ("name", "syslogfacility-text"),
                ("outname", "facility"),
                ("format", "jsonf"),
            ]),
            Item::Property(&[
                ("name", "syslogseverity"),
                ("outname", "sev"),
                ("format", "jsonf"),
                ("dataType", "number"),
            ]),
            Item::Property(&[
                ("name", "procid"),
                ("outname", "pid"),
                ("format", "jsonf"),
                ("dataType", "auto"),
            ]),
            Item::Property(&[
                ("name", "programname"),
                ("outname", "prog"),
                ("format", "jsonf"),
                ("onEmpty", "skip"),
            ]),
            Item::Constant(&[("value", "1"), ("outname", "v"), ("format", "jsonf")]),
        ],
    ),
    (
        "list_csv",
        false,
        &[
            Item::Property(&[
                ("name", "timereported"),
                ("dateFormat", "mysql"),
                ("format", "csv"),
            ]),
            Item::Constant(&[("value", ",")]),
            Item::Property(&[("name", "hostname"), ("format", "csv")]),
            Item::Constant(&[("value", ",")]),
            Item::Property(&[("name", "syslogtag"), ("format", "csv")]),
            Item::Constant(&[("value", ",")]),
            Item::Property(&[("name", "msg"), ("format", "csv"), ("droplastlf", "on")]),
            Item::Constant(&[("value", ",")]),
            Item::Property(&[("name", "timereported"), ("dateFormat", "unixtimestamp")]),
            Item::Constant(&[("value", "\\n")]),
        ],
    ),
    (
        "list_positions",
        false,
        &[
            Item::Property(&[
                ("name", "msg"),
                ("position.from", "2"),
                ("position.to", "9"),
            ]),
            Item::Constant(&[("value", "|")]),
            Item::Property(&[
                ("name", "msg"),
                ("field.number", "2"),
                ("field.delimiter", "32"),
            ]),
            Item::Constant(&[("value", "|")]),
            Item::Property(&[
                ("name", "msg"),
                ("regex.expression", "[a-z]+"),
                ("regex.type", "ERE"),
            ]),
            Item::Constant(&[("value", "|")]),
            Item::Property(&[("name", "hostname"), ("caseConversion", "upper")]),
            Item::Constant(&[("value", "|")]),
            Item::Property(&[
                ("name", "timereported"),
                ("dateFormat", "rfc3339"),
                ("date.inUTC", "on"),
            ]),
            Item::Constant(&[("value", "|")]),
            Item::Property(&[
                ("name", "msg"),
                ("position.from", "3"),
                ("position.to", "1"),
                ("position.relativeToEnd", "on"),
            ]),
            Item::Constant(&[("value", "|")]),
            Item::Property(&[("name", "msg"), ("controlCharacters", "escape")]),
            Item::Constant(&[("value", "\\n")]),
        ],
    ),
];

fn params(p: &[(&str, &str)]) -> String {
    p.iter()
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

fn rsyslog_config() -> String {
    let mut c = String::from(
        "global(net.enableDNS=\"off\" workDirectory=\"@DIR@\")\n\
         module(load=\"imtcp\")\n\
         input(type=\"imtcp\" port=\"@PORT@\" address=\"127.0.0.1\")\n\
         template(name=\"meta\" type=\"string\" string=\"%timegenerated:::date-rfc3339%\\n\")\n\
         action(type=\"omfile\" file=\"@DIR@/out/meta\" template=\"meta\")\n",
    );
    for (name, text) in STRING_TEMPLATES {
        c += &format!("template(name=\"{name}\" type=\"string\" string=\"{text}\")\n");
    }
    for (name, jsonf, items) in LIST_TEMPLATES {
        c += &format!(
            "template(name=\"{name}\" type=\"list\" option.jsonf=\"{}\") {{\n",
            if *jsonf { "on" } else { "off" }
        );
        for item in *items {
            match item {
                Item::Property(p) => c += &format!("  property({})\n", params(p)),
                Item::Constant(p) => c += &format!("  constant({})\n", params(p)),
            }
        }
        c += "}\n";
    }
    let names = template_names();
    for name in names {
        c += &format!("action(type=\"omfile\" file=\"@DIR@/out/{name}\" template=\"{name}\")\n");
    }
    c
}

fn template_names() -> Vec<&'static str> {
    STRING_TEMPLATES
        .iter()
        .map(|(n, _)| *n)
        .chain(LIST_TEMPLATES.iter().map(|(n, _, _)| *n))
        .chain(BUILTIN_LINE.iter().copied())
        .chain(BUILTIN_STREAM.iter().copied())
        .collect()
}

fn our_templates() -> BTreeMap<&'static str, Template> {
    let mut t = BTreeMap::new();
    for (name, text) in STRING_TEMPLATES {
        let body = String::from_utf8(unescape_rainerscript(text)).unwrap();
        t.insert(
            *name,
            Template::from_string(name, &body, Syntax::RainerScript).unwrap(),
        );
    }
    for (name, jsonf, items) in LIST_TEMPLATES {
        let steps: Vec<Step> = items
            .iter()
            .map(|item| match item {
                Item::Property(p) => Step::Field(Box::new(parse_list_property(p).unwrap())),
                Item::Constant(p) => {
                    let unescaped: Vec<(String, Vec<u8>)> = p
                        .iter()
                        .map(|(k, v)| (k.to_string(), unescape_rainerscript(v)))
                        .collect();
                    let refs: Vec<(&str, &[u8])> = unescaped
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_slice()))
                        .collect();
                    parse_list_constant(&refs).unwrap()
                }
            })
            .collect();
        t.insert(*name, Template::from_steps(name, steps).with_jsonf(*jsonf));
    }
    for name in BUILTIN_LINE.iter().chain(BUILTIN_STREAM) {
        t.insert(*name, Template::builtin(name).unwrap());
    }
    t
}

/// `case template reason…` lines; `#` starts a comment.
fn exceptions() -> BTreeSet<(String, String)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("differential-exceptions.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut w = l.split_whitespace();
            let case = w.next().unwrap().to_string();
            let tpl = w
                .next()
                .unwrap_or_else(|| panic!("exception without template: {l}"))
                .to_string();
            assert!(w.next().is_some(), "exception without a reason: {l}");
            (case, tpl)
        })
        .collect()
}

fn send(port: u16, cases: &[Case]) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connecting to rsyslogd");
    let mut buf = Vec::new();
    for c in cases {
        write!(buf, "{} ", c.raw.len()).unwrap();
        buf.extend_from_slice(&c.raw);
    }
    s.write_all(&buf).expect("sending the corpus");
}

/// Splits rsyslog's output of a template without a trailing LF into
/// messages: where our rendering matches, at its length; where it does not,
/// up to where our rendering of the next message starts.
fn split_stream<'a>(theirs: &'a [u8], ours: &[Vec<u8>]) -> Vec<&'a [u8]> {
    let mut at = 0;
    let mut out = Vec::with_capacity(ours.len());
    for (i, o) in ours.iter().enumerate() {
        let rest = &theirs[at..];
        let len = if rest.starts_with(o) {
            o.len()
        } else {
            ours.get(i + 1)
                .and_then(|next| find(&rest[1.min(rest.len())..], next).map(|p| p + 1))
                .unwrap_or(rest.len())
        };
        out.push(&rest[..len]);
        at += len;
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len().max(1)).position(|w| w == needle)
}

fn lines(data: &[u8]) -> Vec<&[u8]> {
    let mut v: Vec<&[u8]> = data.split(|&c| c == b'\n').collect();
    if v.last() == Some(&&b""[..]) {
        v.pop();
    }
    v
}

#[test]
fn corpus_matches_rsyslogd() {
    let cases = corpus();
    assert!(cases.len() >= 300, "corpus has {} messages", cases.len());
    let dir = std::env::temp_dir().join(format!("corelog-diff-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("out")).unwrap();
    let rsyslogd = Rsyslogd::start(&dir, &rsyslog_config());
    send(rsyslogd.port, &cases);
    let meta_path = dir.join("out/meta");
    wait_for(
        "rsyslogd to write every message",
        Duration::from_secs(60),
        || {
            let n = std::fs::read(&meta_path)
                .map(|d| lines(&d).len())
                .unwrap_or(0);
            (n >= cases.len()).then_some(())
        },
    );
    rsyslogd.stop();

    let meta = std::fs::read(&meta_path).unwrap();
    let times: Vec<_> = lines(&meta)
        .iter()
        .map(|l| parse_rfc3339(l).expect("rsyslog's timegenerated").0)
        .collect();
    assert_eq!(times.len(), cases.len());

    let origin = Arc::new(Origin::new("127.0.0.1", "127.0.0.1", "imtcp"));
    let opts = ParseOptions::default();
    let templates = our_templates();
    let exceptions = exceptions();
    let mut buf = RenderBuf::new();
    let mut failures = Vec::new();
    let mut excepted = BTreeSet::new();
    let mut compared = 0usize;

    let msgs: Vec<_> = cases
        .iter()
        .zip(&times)
        .map(|(c, t)| parse(Bytes::copy_from_slice(&c.raw), &origin, *t, &opts))
        .collect();
    for (name, tpl) in &templates {
        let theirs = std::fs::read(dir.join("out").join(name)).unwrap_or_default();
        let ours: Vec<Vec<u8>> = msgs
            .iter()
            .zip(&times)
            .map(|(m, t)| {
                let mut out = Vec::new();
                tpl.render(m, &Env::new(*t, "unused"), &mut buf, &mut out);
                out
            })
            .collect();
        let theirs_per_msg: Vec<&[u8]> = if BUILTIN_STREAM.contains(name) {
            split_stream(&theirs, &ours)
        } else {
            let l = lines(&theirs);
            assert_eq!(
                l.len(),
                cases.len(),
                "rsyslog wrote {} lines for {name}",
                l.len()
            );
            l
        };
        for ((case, our), their) in cases.iter().zip(&ours).zip(&theirs_per_msg) {
            compared += 1;
            let our = if BUILTIN_STREAM.contains(name) {
                &our[..]
            } else {
                our.strip_suffix(b"\n").unwrap_or(our)
            };
            let key = (case.name.clone(), name.to_string());
            let listed = exceptions.contains(&key)
                || exceptions.contains(&(case.name.clone(), "*".to_string()))
                || exceptions.contains(&("*".to_string(), name.to_string()));
            if our == *their {
                if exceptions.contains(&key) {
                    failures.push(format!(
                        "stale exception: {} {name} now matches; remove it",
                        case.name
                    ));
                }
                continue;
            }
            if listed {
                excepted.insert(key);
                continue;
            }
            failures.push(format!(
                "{} / {name}\n  input:   {}\n  rsyslog: {}\n  corelog: {}",
                case.name,
                String::from_utf8_lossy(&case.raw).escape_debug(),
                String::from_utf8_lossy(their).escape_debug(),
                String::from_utf8_lossy(our).escape_debug()
            ));
        }
    }
    println!(
        "{} messages x {} templates = {compared} renderings compared; {} differ as listed in differential-exceptions.txt",
        cases.len(),
        templates.len(),
        excepted.len()
    );
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
