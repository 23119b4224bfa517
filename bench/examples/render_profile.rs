//! A fixed amount of work for instruction-count profiling, which unlike
//! wall-clock time is repeatable on a shared machine:
//! `valgrind --tool=callgrind target/release/examples/render_profile json|trad|parse`
//! (100 × 1024 renders of a 256-byte RFC 3164 message, or parses).
use corelog::{parse, ParseOptions, RenderBuf, Template};
use corelog_bench::{env, json6, now, origin, rfc3164_256, slab};

fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "json".into());
    let origin = origin();
    let opts = ParseOptions::default();
    let env = env();
    let now = now();
    let frames = slab(1024, rfc3164_256);
    let msgs: Vec<_> = frames
        .iter()
        .map(|f| parse(f.clone(), &origin, now, &opts))
        .collect();
    if which == "parse" {
        let mut n = 0;
        for _ in 0..100 {
            for f in &frames {
                n += parse(f.clone(), &origin, now, &opts).msg().len();
            }
        }
        println!("{n}");
        return;
    }
    let tpl = match which.as_str() {
        "json" => json6(),
        _ => Template::builtin("RSYSLOG_TraditionalFileFormat").expect("built-in"),
    };
    let mut buf = RenderBuf::new();
    let mut out = Vec::with_capacity(1 << 20);
    let mut total = 0;
    for _ in 0..100 {
        out.clear();
        for m in &msgs {
            tpl.render(m, &env, &mut buf, &mut out);
        }
        total += out.len();
    }
    println!("{total}");
}
