//! Any text as a template: compiling returns a template or an error, never
//! panics; a template that compiles renders a message without panicking.
#![no_main]

use std::sync::Arc;

use bytes::Bytes;
use corelog::template::Syntax;
use corelog::{parse, Env, Origin, ParseOptions, RenderBuf, Template};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let origin = Arc::new(Origin::new("fromhost", "127.0.0.1", "imtcp"));
    let now = corelog::msg::timestamp::parse_rfc3339(b"2026-11-23T01:02:03.456789+00:00")
        .unwrap()
        .0;
    let m = parse(
        Bytes::from_static(
            b"<34>Oct 11 22:14:15 mymachine su[7]: 'su root' failed\tfor /dev/pts/8",
        ),
        &origin,
        now,
        &ParseOptions::default(),
    );
    for syntax in [Syntax::Legacy, Syntax::RainerScript] {
        if let Ok(t) = Template::from_string("f", text, syntax) {
            let mut out = Vec::new();
            t.render(&m, &Env::new(now, "h"), &mut RenderBuf::new(), &mut out);
        }
    }
});
