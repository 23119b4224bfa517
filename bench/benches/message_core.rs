//! Message-core throughput: parse 256-byte RFC 3164 and RFC 5424 messages,
//! render RSYSLOG_TraditionalFileFormat and a six-property JSON list
//! template. Each benchmark checks its answer (every message parsed with
//! the expected fields, every rendering the expected length) so a fast
//! wrong result cannot pass. Goals (issue #2, per core): parse ≥ 10 M/s
//! (3164) and ≥ 5 M/s (5424); render ≥ 10 M/s. Criterion reports
//! elements/s = messages/s on one core.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

use corelog::msg::Format;
use corelog::{parse, ParseOptions, RenderBuf, Template};
use corelog_bench::{env, json6, now, origin, rfc3164_256, rfc5424_256, slab};

const BATCH: usize = 1024;

fn parsing(c: &mut Criterion) {
    let origin = origin();
    let opts = ParseOptions::default();
    let now = now();
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Elements(BATCH as u64));
    for (name, make, format) in [
        (
            "rfc3164_256B",
            rfc3164_256 as fn(usize) -> Vec<u8>,
            Format::Rfc3164,
        ),
        ("rfc5424_256B", rfc5424_256, Format::Rfc5424),
    ] {
        let frames = slab(BATCH, make);
        for f in &frames {
            let m = parse(f.clone(), &origin, now, &opts);
            assert_eq!(m.format(), format, "{name}: wrong parser");
            assert!(m.hostname().starts_with(b"web-"), "{name}: hostname");
            assert!(!m.msg().is_empty(), "{name}: msg");
        }
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut n = 0usize;
                for f in &frames {
                    let m = parse(f.clone(), &origin, now, &opts);
                    n += m.msg().len();
                    black_box(&m);
                }
                n
            })
        });
    }
    g.finish();
}

fn rendering(c: &mut Criterion) {
    let origin = origin();
    let opts = ParseOptions::default();
    let env = env();
    let msgs: Vec<_> = slab(BATCH, rfc3164_256)
        .into_iter()
        .map(|f| parse(f, &origin, now(), &opts))
        .collect();
    let mut g = c.benchmark_group("render");
    g.throughput(Throughput::Elements(BATCH as u64));
    for (name, tpl) in [
        (
            "traditional_file_format",
            Template::builtin("RSYSLOG_TraditionalFileFormat").expect("built-in"),
        ),
        ("json_6_properties", json6()),
    ] {
        let mut buf = RenderBuf::new();
        let mut out = Vec::with_capacity(BATCH * 512);
        for m in &msgs {
            out.clear();
            tpl.render(m, &env, &mut buf, &mut out);
            assert!(out.ends_with(b"\n") && out.len() > 200, "{name}: rendering");
        }
        g.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                for m in &msgs {
                    tpl.render(m, &env, &mut buf, &mut out);
                }
                black_box(out.len())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, parsing, rendering);
criterion_main!(benches);
