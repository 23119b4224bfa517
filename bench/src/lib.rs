//! Shared inputs for corelog's benchmarks: realistic messages of a given
//! size, laid out back to back in one receive buffer as a socket would
//! deliver them, and the templates the goals name.

use std::sync::Arc;

use bytes::Bytes;
use corelog::template::{parse_list_property, Step};
use corelog::{Env, Origin, Template, Timestamp};

/// A 256-byte RFC 3164 message (as `logger` or a BSD syslog sends it).
pub fn rfc3164_256(i: usize) -> Vec<u8> {
    let head = format!(
        "<34>Oct 11 22:14:15 web-{:03}.example.com sshd[{}]: ",
        i % 1000,
        1000 + i % 9000
    );
    pad(head, 256)
}

/// A 256-byte RFC 5424 message with structured data.
pub fn rfc5424_256(i: usize) -> Vec<u8> {
    let head = format!(
        "<165>1 2026-11-23T01:02:03.123456+01:00 web-{:03}.example.com evntslog {} ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\"] ",
        i % 1000,
        1000 + i % 9000
    );
    pad(head, 256)
}

fn pad(mut s: String, len: usize) -> Vec<u8> {
    let filler = "Accepted publickey for root from 192.0.2.7 port 52144 ssh2: ED25519 SHA256:abcdefghijklmnop ";
    while s.len() < len {
        s.push_str(filler);
    }
    s.truncate(len);
    s.into_bytes()
}

/// `n` messages made by `make`, back to back in one shared buffer, and the
/// frame of each as a zero-copy slice of it.
pub fn slab(n: usize, make: fn(usize) -> Vec<u8>) -> Vec<Bytes> {
    let mut buf = Vec::new();
    let mut ranges = Vec::new();
    for i in 0..n {
        let m = make(i);
        ranges.push(buf.len()..buf.len() + m.len());
        buf.extend_from_slice(&m);
    }
    let slab = Bytes::from(buf);
    ranges.into_iter().map(|r| slab.slice(r)).collect()
}

pub fn origin() -> Arc<Origin> {
    Arc::new(Origin::new("192.0.2.1", "192.0.2.1", "imtcp"))
}

pub fn now() -> Timestamp {
    corelog::msg::timestamp::parse_rfc3339(b"2026-11-23T01:02:03.456789+00:00")
        .expect("a valid timestamp")
        .0
}

pub fn env() -> Env {
    Env::new(now(), "bench")
}

/// A list template with six properties rendered as one JSON object.
pub fn json6() -> Template {
    let p = |params: &[(&str, &str)]| {
        Step::Field(Box::new(
            parse_list_property(params).expect("valid property"),
        ))
    };
    Template::from_steps(
        "json6",
        vec![
            p(&[
                ("name", "timereported"),
                ("outname", "time"),
                ("format", "jsonf"),
                ("dateFormat", "rfc3339"),
            ]),
            p(&[
                ("name", "hostname"),
                ("outname", "host"),
                ("format", "jsonf"),
            ]),
            p(&[
                ("name", "syslogfacility-text"),
                ("outname", "facility"),
                ("format", "jsonf"),
            ]),
            p(&[
                ("name", "syslogseverity-text"),
                ("outname", "severity"),
                ("format", "jsonf"),
            ]),
            p(&[
                ("name", "syslogtag"),
                ("outname", "tag"),
                ("format", "jsonf"),
            ]),
            p(&[("name", "msg"), ("outname", "message"), ("format", "jsonf")]),
        ],
    )
    .with_jsonf(true)
}

/// The message-variables workloads (issue #17): per message, ten `set
/// $!…` of a 10-field `$!` tree, an `exists()` test and a render of
/// `%$!%`; then `unset $!`.
pub const VARS_SET_TEN: &str = r#"
template(name="t" type="string" string="%$!%\n")
set $!host = $hostname;
set $!prog = $programname;
set $!sev = $syslogseverity;
set $!fac = $syslogfacility-text;
set $!ip = $fromhost-ip;
set $!input = $inputname;
set $!req!id = 17;
set $!req!path = "/index.html";
set $!req!ok = "true";
set $!len = strlen($msg);
if exists($!req!path) then action(type="omfile" file="/dev/null" template="t")
unset $!;
"#;

/// `parse_json()` of a JSON message ([`json_256`]) into `$!`, rendered.
pub const VARS_PARSE_JSON: &str = r#"
template(name="t" type="string" string="%$!%\n")
set $.r = parse_json($msg, "\$!");
if $.r == 0 then action(type="omfile" file="/dev/null" template="t")
unset $!;
unset $.;
"#;

/// Messages per batch of the variables workloads: the main queue's
/// default `queue.dequeueBatchSize`, which is what corelogd runs a ruleset
/// over at once.
pub const VARS_BATCH: usize = 256;

/// A variables workload's configuration, loaded, and a batch of
/// [`VARS_BATCH`] of its messages (`make`), parsed.
pub fn vars_batch(
    conf: &str,
    make: fn(usize) -> Vec<u8>,
) -> (corelog::config::Plan, Vec<corelog::Message>) {
    let plan =
        corelog::config::load_str("vars.conf", conf).expect("the workload's config is valid");
    let (origin, now, opts) = (origin(), now(), corelog::ParseOptions::default());
    let msgs = slab(VARS_BATCH, make)
        .into_iter()
        .map(|f| corelog::parse(f, &origin, now, &opts))
        .collect();
    (plan, msgs)
}

/// Renders the action's template (`t`) for every message it gets: the
/// sink of the variables workloads.
pub struct Render<'a> {
    pub plan: &'a corelog::config::Plan,
    pub env: &'a Env,
    pub buf: corelog::RenderBuf,
    pub out: Vec<u8>,
    pub n: u64,
}

impl<'a> Render<'a> {
    pub fn new(plan: &'a corelog::config::Plan, env: &'a Env) -> Render<'a> {
        Render {
            plan,
            env,
            buf: corelog::RenderBuf::new(),
            out: Vec::new(),
            n: 0,
        }
    }
}

impl corelog::rule::ActionSink for Render<'_> {
    fn action_flag(&self, _action: usize) -> bool {
        false
    }

    fn run(
        &mut self,
        _action: usize,
        msgs: &[corelog::Message],
        which: &[u32],
        _r: &mut [corelog::rule::ActionResult],
    ) {
        let t = &self.plan.templates["t"];
        for &i in which {
            self.out.clear();
            t.render(&msgs[i as usize], self.env, &mut self.buf, &mut self.out);
            self.n += 1;
        }
    }
}

/// A 256-byte RFC 3164 message whose text is a JSON object.
pub fn json_256(i: usize) -> Vec<u8> {
    let head = format!(
        r#"<134>Oct 11 22:14:15 app-{:03} api[{}]: {{"user":"u{i}","id":{i},"ok":true,"ms":12.5,"path":"/v1/items","tags":["a","b"],"req":{{"method":"GET","status":200,"bytes":5120}},"note":""#,
        i % 1000,
        1000 + i
    );
    let mut m = head.into_bytes();
    while m.len() < 254 {
        m.push(b'x');
    }
    m.extend_from_slice(b"\"}");
    m
}
