//! Any bytes as what a NATS server sends: the parser must not panic, must
//! stay within its bounds, must parse the same operations however the
//! bytes are cut, and every message it parses must be read by the
//! PubAck reader without a panic. A message re-encoded with `hpub`
//! parses back to the same subject, id and payload.
#![no_main]

use corelog::nats::proto::{self, Op};
use libfuzzer_sys::fuzz_target;

const MAX_PAYLOAD: usize = 4096;

/// The operations in `buf` (debug-printed), then the error or the
/// unparsed rest's length.
fn ops(mut buf: &[u8]) -> (Vec<String>, Result<usize, proto::ProtoError>) {
    let mut out = Vec::new();
    loop {
        match proto::parse(buf, MAX_PAYLOAD) {
            Ok(Some((op, n))) => {
                assert!(n > 0 && n <= buf.len());
                if let Op::Msg {
                    subject,
                    headers,
                    payload,
                    ..
                } = &op
                {
                    assert!(headers.len() + payload.len() <= MAX_PAYLOAD);
                    let _ = proto::pub_ack(headers, payload);
                    if proto::valid_subject(subject) {
                        round_trip(subject, payload);
                    }
                }
                out.push(format!("{op:?}"));
                buf = &buf[n..];
            }
            Ok(None) => {
                assert!(buf.len() < proto::CONTROL_MAX + 2 + MAX_PAYLOAD + 2);
                return (out, Ok(buf.len()));
            }
            Err(e) => return (out, Err(e)),
        }
    }
}

/// `hpub`'s bytes, as the server would deliver them (`HMSG` with a
/// sid), parse back to the same subject, reply and payload.
fn round_trip(subject: &[u8], payload: &[u8]) {
    let mut enc = Vec::new();
    proto::hpub(&mut enc, subject, b"r.1", b"id", Some(b"S"), payload);
    let rest = &enc[b"HPUB ".len() + subject.len() + 1..];
    let msg = [b"HMSG ".as_slice(), subject, b" 1 ", rest].concat();
    let (op, n) = proto::parse(&msg, usize::MAX >> 1)
        .expect("hpub's bytes parse")
        .expect("whole");
    assert_eq!(n, msg.len());
    let Op::Msg {
        subject: s,
        reply,
        headers,
        payload: p,
        ..
    } = op
    else {
        panic!("not a message")
    };
    assert_eq!((s, reply, p), (subject, Some(&b"r.1"[..]), payload));
    assert!(headers.starts_with(b"NATS/1.0\r\nNats-Msg-Id: id\r\n"));
}

fuzz_target!(|data: &[u8]| {
    let [split, data @ ..] = data else { return };
    let k = usize::from(*split) % (data.len() + 1);
    let (whole, end) = ops(data);
    // Parsing is of a prefix: what the first part holds whole parses the
    // same, and the rest continues where it stopped.
    let (first, _) = ops(&data[..k]);
    assert!(first.len() <= whole.len());
    assert_eq!(first[..], whole[..first.len()]);
    if let Ok(rest) = end {
        assert!(rest <= data.len());
    }
    let _ = proto::info(data);
});
