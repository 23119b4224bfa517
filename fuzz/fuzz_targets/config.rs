//! Any text as an rsyslog.conf: loading returns a plan or errors with
//! positions, never panics; a plan that loads runs its rules over a few
//! messages without panicking.
#![no_main]

use std::sync::Arc;

use bytes::Bytes;
use corelog::rule::{run_batch, ActionResult, ActionSink, BatchState};
use corelog::{config, parse, Env, Message, Origin, ParseOptions};
use libfuzzer_sys::fuzz_target;

struct Nothing;

impl ActionSink for Nothing {
    fn action_flag(&self, _: usize) -> bool {
        false
    }

    fn run(&mut self, _: usize, _: &[Message], _: &[u32], _: &mut [ActionResult]) {}
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let plan = match config::load_str("fuzz.conf", text) {
        Ok(p) => p,
        Err(e) => {
            assert!(!e.errors.is_empty());
            let _ = e.to_string();
            return;
        }
    };
    let now = corelog::msg::timestamp::parse_rfc3339(b"2026-11-23T01:02:03Z")
        .unwrap()
        .0;
    let origin = Arc::new(Origin::new("h", "127.0.0.1", "imtcp"));
    let mut msgs: Vec<_> = [
        &b"<13>Oct 11 22:14:15 host tag[1]: hello 42 world"[..],
        b"<165>1 2003-10-11T22:14:15.003Z h app 1 ID [a@1 x=\"y\"] msg",
        b"",
    ]
    .iter()
    .map(|m| {
        parse(
            Bytes::copy_from_slice(m),
            &origin,
            now,
            &ParseOptions::default(),
        )
    })
    .collect();
    let env = Env::new(now, "h");
    let bodies = plan.ruleset_bodies();
    run_batch(
        &bodies,
        plan.default_ruleset,
        &mut msgs,
        &env,
        &mut Nothing,
        &mut BatchState::default(),
    );
});
