//! Message variables (issue #17): per message, ten `set $!…` of a 10-field
//! `$!` tree, an `exists()` test and a render of `%$!%`; and `parse_json()`
//! of a 256-byte JSON message into `$!`. Criterion's elements are
//! messages. Goals (issue #17): ≥ 5 M msgs/s per core for the first,
//! ≥ 2 M msgs/s per core for the second. The answers are checked: the
//! rendered tree of the first message, the parsed tree's size.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

use corelog::rule::{run_batch, BatchState};
use corelog_bench::{
    env, json_256, rfc3164_256, vars_batch, Render, VARS_BATCH, VARS_PARSE_JSON, VARS_SET_TEN,
};

fn bench(c: &mut Criterion, name: &str, conf: &str, make: fn(usize) -> Vec<u8>, check: fn(&[u8])) {
    let (plan, mut msgs) = vars_batch(conf, make);
    let bodies = plan.ruleset_bodies();
    let env = env();
    let mut state = BatchState::default();
    let mut sink = Render::new(&plan, &env);
    run_batch(
        &bodies,
        plan.default_ruleset,
        &mut msgs,
        &env,
        &mut sink,
        &mut state,
    );
    assert_eq!(
        sink.n, VARS_BATCH as u64,
        "every message reaches the action"
    );
    check(&sink.out);
    assert!(
        msgs.iter().all(|m| m.vars().is_none()),
        "unset leaves nothing"
    );
    let mut g = c.benchmark_group("variables");
    g.throughput(Throughput::Elements(VARS_BATCH as u64));
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
        VARS_SET_TEN,
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
    bench(
        c,
        "parse_json_256_bytes",
        VARS_PARSE_JSON,
        json_256,
        |out| {
            let text = String::from_utf8_lossy(out);
            assert!(
                text.contains(r#""req": { "method": "GET", "status": 200, "bytes": 5120 }"#),
                "{text}"
            );
        },
    );
}

criterion_group!(benches, variables);
criterion_main!(benches);
