//! Any bytes as a received frame: parsing must not panic, nothing may be
//! lost (rawmsg is the sanitised input), and every template — the built-ins
//! and option-heavy ones — must render without panicking.
#![no_main]

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use corelog::template::{Syntax, BUILTIN_NAMES};
use corelog::{parse, Env, Origin, ParseOptions, RenderBuf, Template};
use libfuzzer_sys::fuzz_target;

const TEMPLATES: &[&str] = &[
    "%PRI%,%syslogfacility-text%,%syslogseverity-text%,%timestamp%,%hostname%,%programname%,%syslogtag%,%msg%\\n",
    "%msg:1:10%|%msg:3:1:pos-end-relative%|%msg:F,32:2%|%msg:R,ERE,1,DFLT:([0-9]+)--end%|%msg:R,ERE,0,BLANK,3:[a-z]*--end%",
    "%hostname:::uppercase%|%msg:::sp-if-no-1st-sp%|%msg:::escape-cc%|%msg:::space-cc,compressspace%|%msg:::drop-cc%|%programname:::secpath-replace%|%programname:1:12:fixed-width%",
    "%msg:::json%|%msg:::jsonf%|%msg:::jsonr%|%msg:::csv%|%structured-data:::json%|%rawmsg-after-pri%",
    "%timestamp:::date-rfc3339%|%timestamp:::date-unixtimestamp%|%timestamp:::date-ordinal%|%timestamp:::date-week%|%timestamp:::date-iso-week%|%timestamp:::date-rfc3339,date-utc%|%timestamp:::date-wdayname%",
];

fn templates() -> &'static [Template] {
    static T: OnceLock<Vec<Template>> = OnceLock::new();
    T.get_or_init(|| {
        BUILTIN_NAMES
            .iter()
            .map(|n| Template::builtin(n).unwrap())
            .chain(
                TEMPLATES
                    .iter()
                    .map(|t| Template::from_string("f", t, Syntax::Legacy).unwrap()),
            )
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let origin = Arc::new(Origin::new("fromhost", "127.0.0.1", "imtcp"));
    let now = corelog::msg::timestamp::parse_rfc3339(b"2026-11-23T01:02:03.456789+00:00")
        .unwrap()
        .0;
    let m = parse(
        Bytes::copy_from_slice(data),
        &origin,
        now,
        &ParseOptions::default(),
    );
    let sanitized =
        corelog::parse::sanitize::sanitize(Bytes::copy_from_slice(data), &Default::default());
    assert_eq!(
        m.raw(),
        &sanitized[..],
        "rawmsg must be the sanitised input"
    );
    let env = Env::new(now, "host");
    let mut buf = RenderBuf::new();
    let mut out = Vec::new();
    for t in templates() {
        t.render(&m, &env, &mut buf, &mut out);
    }
});
