//! Any bytes as a disk-queue segment, and any bytes as a record's payload
//! (framed with a valid CRC, so the payload decoders are reached): the
//! record scanner and the message codec must not panic, the run
//! `verified_run` vouches for is what `scan` accepts, and a decoded message must render without panicking.
#![no_main]

use bytes::Bytes;
use corelog::queue::msgcodec;
use corelog::queue::record::{self, Scan, HEADER};
use corelog::template::{Syntax, Template};
use corelog::{Env, RenderBuf, Timestamp};
use libfuzzer_sys::fuzz_target;

fn payload(p: &Bytes) {
    let mut origin = None;
    if let Some(m) = msgcodec::decode(p.clone(), &mut origin) {
        let t = Template::from_string(
            "t",
            "%rawmsg%|%hostname%|%syslogtag%|%msg:2:5%|%structured-data%|%timereported:::date-rfc3339%|%$!%\n",
            Syntax::Legacy,
        )
        .expect("a valid template");
        let mut out = Vec::new();
        t.render(
            &m,
            &Env::new(Timestamp::default(), "h"),
            &mut RenderBuf::new(),
            &mut out,
        );
    }
}

fuzz_target!(|data: &[u8]| {
    // As a segment.
    let seg = Bytes::copy_from_slice(data);
    // The run verified in one pass ends on a record boundary, every record
    // before it a whole one `scan` accepts (CRC checked).
    let run = record::verified_run(&seg);
    let mut at = 0;
    while at < run {
        match record::scan(&seg[at..]) {
            Scan::Record { next, .. } => at += next,
            other => panic!("verified_run passed {other:?} at {at}"),
        }
    }
    assert_eq!(at, run, "verified_run ends on a record boundary");
    let mut at = 0;
    while at < seg.len() {
        match record::scan(&seg[at..]) {
            Scan::Record { next, .. } => {
                payload(&seg.slice(at + HEADER..at + next));
                at += next;
            }
            _ => match record::resync(&seg[at..]) {
                Some(k) => at += k,
                None => break,
            },
        }
    }
    // As a payload that passed its CRC.
    let mut framed = Vec::new();
    if record::append(&mut framed, record::kind::MESSAGE, 1, |o| {
        o.extend_from_slice(data)
    })
    .is_ok()
    {
        let framed = Bytes::from(framed);
        if let Scan::Record { next, .. } = record::scan(&framed) {
            payload(&framed.slice(HEADER..next));
        }
    }
});
