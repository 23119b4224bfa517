//! Parse + render allocate nothing per message: a counting global allocator
//! watches a steady-state loop over a batch of realistic messages (RFC 3164
//! and RFC 5424; built-in, string and JSON list templates).

use std::sync::Arc;

use bytes::Bytes;
use corelog::template::{parse_list_property, Step, Syntax};
use corelog::{parse, Env, Origin, ParseOptions, RenderBuf, Template};

mod common;

#[test]
fn parse_and_render_allocate_nothing_per_message() {
    let messages: &[&[u8]] = &[
        b"<34>Oct 11 22:14:15 mymachine su[42]: 'su root' failed for lonvick on /dev/pts/8",
        b"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 77 ID47 [exampleSDID@32473 iut=\"3\"] An application event",
        b"<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!",
        b"<190>%PIX-7-710005: UDP request discarded from 10.0.0.1/137",
    ];
    // One receive buffer holding every frame, as a socket would fill it.
    let slab = Bytes::from(messages.concat());
    let mut frames = Vec::new();
    let mut at = 0;
    for m in messages {
        frames.push(slab.slice(at..at + m.len()));
        at += m.len();
    }
    let origin = Arc::new(Origin::new("192.0.2.1", "192.0.2.1", "imtcp"));
    let now = corelog::msg::timestamp::parse_rfc3339(b"2026-11-23T01:02:03.456789+00:00")
        .unwrap()
        .0;
    let env = Env::new(now, "host");
    let opts = ParseOptions::default();
    let p = |params: &[(&str, &str)]| Step::Field(Box::new(parse_list_property(params).unwrap()));
    let templates = [
        Template::builtin("RSYSLOG_TraditionalFileFormat").unwrap(),
        Template::builtin("RSYSLOG_ForwardFormat").unwrap(),
        Template::from_steps(
            "json",
            vec![
                p(&[("name", "timereported"), ("format", "jsonf"), ("dateFormat", "rfc3339")]),
                p(&[("name", "hostname"), ("format", "jsonf")]),
                p(&[("name", "syslogtag"), ("format", "jsonf")]),
                p(&[("name", "pri-text"), ("format", "jsonf")]),
                p(&[("name", "msg"), ("format", "jsonf")]),
            ],
        )
        .with_jsonf(true),
        Template::from_string(
            "t",
            "%PRI%,%syslogfacility-text%,%timestamp%,%hostname%,%programname%,%syslogtag%,%msg:::json%\\n",
            Syntax::Legacy,
        )
        .unwrap(),
    ];
    let mut buf = RenderBuf::new();
    let mut out = Vec::with_capacity(64 * 1024);
    let mut run = |out: &mut Vec<u8>| {
        out.clear();
        for f in &frames {
            let m = parse(f.clone(), &origin, now, &opts);
            for t in &templates {
                t.render(&m, &env, &mut buf, out);
            }
        }
    };
    // Warm up: scratch buffers grow to their working size once.
    run(&mut out);
    let before = common::thread_allocations();
    for _ in 0..1000 {
        run(&mut out);
    }
    let allocations = common::thread_allocations() - before;
    assert!(out.len() > 1000);
    assert_eq!(
        allocations, 0,
        "{allocations} allocations in 4000 parse+render cycles"
    );
}
