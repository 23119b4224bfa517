//! Shared inputs for corelog's benchmarks: realistic messages of a given
//! size, laid out back to back in one receive buffer as a socket would
//! deliver them, and the templates the goals name.

use std::sync::Arc;

use bytes::Bytes;
use corelog::template::{parse_list_property, Step};
use corelog::{Env, Origin, Template, Timestamp};

/// A 256-byte RFC 3164 message (as `logger` or a BSD syslog sends it).
pub fn rfc3164_256(i: usize) -> Vec<u8> {
    let head = format!(
        "<34>Oct 11 22:14:15 web-{:03}.example.com sshd[{}]: ",
        i % 1000,
        1000 + i % 9000
    );
    pad(head, 256)
}

/// A 256-byte RFC 5424 message with structured data.
pub fn rfc5424_256(i: usize) -> Vec<u8> {
    let head = format!(
        "<165>1 2026-11-23T01:02:03.123456+01:00 web-{:03}.example.com evntslog {} ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\"] ",
        i % 1000,
        1000 + i % 9000
    );
    pad(head, 256)
}

fn pad(mut s: String, len: usize) -> Vec<u8> {
    let filler = "Accepted publickey for root from 192.0.2.7 port 52144 ssh2: ED25519 SHA256:abcdefghijklmnop ";
    while s.len() < len {
        s.push_str(filler);
    }
    s.truncate(len);
    s.into_bytes()
}

/// `n` messages made by `make`, back to back in one shared buffer, and the
/// frame of each as a zero-copy slice of it.
pub fn slab(n: usize, make: fn(usize) -> Vec<u8>) -> Vec<Bytes> {
    let mut buf = Vec::new();
    let mut ranges = Vec::new();
    for i in 0..n {
        let m = make(i);
        ranges.push(buf.len()..buf.len() + m.len());
        buf.extend_from_slice(&m);
    }
    let slab = Bytes::from(buf);
    ranges.into_iter().map(|r| slab.slice(r)).collect()
}

pub fn origin() -> Arc<Origin> {
    Arc::new(Origin::new("192.0.2.1", "192.0.2.1", "imtcp"))
}

pub fn now() -> Timestamp {
    corelog::msg::timestamp::parse_rfc3339(b"2026-11-23T01:02:03.456789+00:00")
        .expect("a valid timestamp")
        .0
}

pub fn env() -> Env {
    Env::new(now(), "bench")
}

/// A list template with six properties rendered as one JSON object.
pub fn json6() -> Template {
    let p = |params: &[(&str, &str)]| {
        Step::Field(Box::new(
            parse_list_property(params).expect("valid property"),
        ))
    };
    Template::from_steps(
        "json6",
        vec![
            p(&[
                ("name", "timereported"),
                ("outname", "time"),
                ("format", "jsonf"),
                ("dateFormat", "rfc3339"),
            ]),
            p(&[
                ("name", "hostname"),
                ("outname", "host"),
                ("format", "jsonf"),
            ]),
            p(&[
                ("name", "syslogfacility-text"),
                ("outname", "facility"),
                ("format", "jsonf"),
            ]),
            p(&[
                ("name", "syslogseverity-text"),
                ("outname", "severity"),
                ("format", "jsonf"),
            ]),
            p(&[
                ("name", "syslogtag"),
                ("outname", "tag"),
                ("format", "jsonf"),
            ]),
            p(&[("name", "msg"), ("outname", "message"), ("format", "jsonf")]),
        ],
    )
    .with_jsonf(true)
}
