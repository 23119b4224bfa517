//! The message-variables workloads for instruction-count profiling:
//! `valgrind --tool=callgrind target/release/examples/vars_profile set|parse`
//! (400 batches of 256 messages through the `set`/`exists`/render or the
//! `parse_json()` ruleset of `benches/variables.rs`).
use corelog::rule::{run_batch, BatchState};
use corelog_bench::{
    env, json_256, rfc3164_256, vars_batch, Render, VARS_PARSE_JSON, VARS_SET_TEN,
};

fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "set".into());
    let (conf, make): (&str, fn(usize) -> Vec<u8>) = match which.as_str() {
        "parse" => (VARS_PARSE_JSON, json_256),
        _ => (VARS_SET_TEN, rfc3164_256),
    };
    let (plan, mut msgs) = vars_batch(conf, make);
    let bodies = plan.ruleset_bodies();
    let env = env();
    let mut state = BatchState::default();
    let mut sink = Render::new(&plan, &env);
    for _ in 0..400 {
        run_batch(
            &bodies,
            plan.default_ruleset,
            &mut msgs,
            &env,
            &mut sink,
            &mut state,
        );
    }
    println!("{}", sink.n);
}
