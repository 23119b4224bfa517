//! Message variables (issue #17): per message, ten `set $!…` of a 10-field
//! `$!` tree, an `exists()` test and a render of `%$!%`; and `parse_json()`
//! of a 256-byte JSON message into `$!`. Criterion's elements are
//! messages. Goals (issue #17): ≥ 5 M msgs/s per core for the first,
//! ≥ 2 M msgs/s per core for the second. The answers are checked: the
//! rendered tree of the first message, the parsed tree's size.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

use corelog::config::{self, Plan};
use corelog::rule::{run_batch, ActionResult, ActionSink, BatchState};
use corelog::{parse, Env, Message, ParseOptions, RenderBuf};
use corelog_bench::{env, now, origin, rfc3164_256, slab};

const BATCH: usize = 1024;

const SET_TEN: &str = r#"
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

const PARSE: &str = r#"
template(name="t" type="string" string="%$!%\n")
set $.r = parse_json($msg, "\$!");
if $.r == 0 then action(type="omfile" file="/dev/null" template="t")
unset $!;
unset $.;
"#;

/// Renders the action's template for every message it gets.
struct Render<'a> {
    plan: &'a Plan,
    env: &'a Env,
    buf: RenderBuf,
    out: Vec<u8>,
    n: u64,
}

impl ActionSink for Render<'_> {
    fn action_flag(&self, _action: usize) -> bool {
        false
    }

    fn run(&mut self, _action: usize, msgs: &[Message], which: &[u32], _r: &mut [ActionResult]) {
        let t = &self.plan.templates["t"];
        for &i in which {
            self.out.clear();
            t.render(&msgs[i as usize], self.env, &mut self.buf, &mut self.out);
            self.n += 1;
        }
    }
}

fn json_256(i: usize) -> Vec<u8> {
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

fn bench(c: &mut Criterion, name: &str, conf: &str, make: fn(usize) -> Vec<u8>, check: fn(&[u8])) {
    let plan = config::load_str("bench.conf", conf).expect("the bench config is valid");
    let bodies = plan.ruleset_bodies();
    let (origin, now, env) = (origin(), now(), env());
    let opts = ParseOptions::default();
    let mut msgs: Vec<_> = slab(BATCH, make)
        .into_iter()
        .map(|f| parse(f, &origin, now, &opts))
        .collect();
    let mut state = BatchState::default();
    let mut sink = Render {
        plan: &plan,
        env: &env,
        buf: RenderBuf::new(),
        out: Vec::new(),
        n: 0,
    };
    run_batch(
        &bodies,
        plan.default_ruleset,
        &mut msgs,
        &env,
        &mut sink,
        &mut state,
    );
    assert_eq!(sink.n, BATCH as u64, "every message reaches the action");
    check(&sink.out);
    assert!(
        msgs.iter().all(|m| m.vars().is_none()),
        "unset leaves nothing"
    );
    let mut g = c.benchmark_group("variables");
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function(name, |b| {
        b.iter(|| {
            sink.n = 0;
            run_batch(
                &bodies,
                plan.default_ruleset,
                &mut msgs,
                &env,
                &mut sink,
                &mut state,
            );
            black_box(sink.n)
        })
    });
    g.finish();
}

fn variables(c: &mut Criterion) {
    bench(
        c,
        "set_exists_render_10_fields",
        SET_TEN,
        rfc3164_256,
        |out| {
            let text = String::from_utf8_lossy(out);
            assert!(text.starts_with(r#"{ "host": "web-"#), "{text}");
            assert!(
                text.contains(r#""req": { "id": 17, "path": "\/index.html", "ok": "true" }"#),
                "{text}"
            );
        },
    );
    bench(c, "parse_json_256_bytes", PARSE, json_256, |out| {
        let text = String::from_utf8_lossy(out);
        assert!(
            text.contains(r#""req": { "method": "GET", "status": 200, "bytes": 5120 }"#),
            "{text}"
        );
    });
}

criterion_group!(benches, variables);
criterion_main!(benches);
