//! The NATS client protocol, as far as a JetStream publisher needs it
//! (<https://docs.nats.io/reference/reference-protocols/nats-protocol>).
//!
//! In: what to send (encoded by the functions here into the caller's
//! buffer), and bytes read from a server (parsed by [`parse`], one
//! operation at a time, borrowing from the caller's buffer). Out: the
//! wire bytes, and [`Op`]s. JetStream's answer to a publish is read by
//! [`pub_ack`].
//!
//! Guarantees: [`parse`] never panics and never asks for more than
//! [`CONTROL_MAX`] bytes of control line or `max_payload` bytes of
//! payload: past them the bytes are an error, not a wait. Subjects and
//! header values written are checked first ([`valid_subject`],
//! [`valid_header_value`]), so nothing a message holds can inject an
//! operation.

use std::fmt;

/// The longest control line taken from a server: a message line is far
/// shorter, an `INFO` listing a cluster's URLs can be a few kilobytes.
pub const CONTROL_MAX: usize = 64 << 10;

/// A server operation, borrowing from the bytes it was parsed from.
#[derive(Debug, PartialEq, Eq)]
pub enum Op<'a> {
    /// `INFO {…}`: the server's JSON.
    Info(&'a [u8]),
    /// `MSG` or `HMSG`: a message on a subscription. `headers` is empty
    /// for `MSG`; for `HMSG` it starts with `NATS/1.0`.
    Msg {
        subject: &'a [u8],
        sid: &'a [u8],
        reply: Option<&'a [u8]>,
        headers: &'a [u8],
        payload: &'a [u8],
    },
    Ping,
    Pong,
    Ok,
    /// `-ERR '…'`: the text between the quotes.
    Err(&'a [u8]),
}

/// Bytes that are not the NATS protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtoError(pub String);

impl fmt::Display for ProtoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn bad(what: impl Into<String>) -> ProtoError {
    ProtoError(what.into())
}

/// The first operation in `buf`, and how many bytes it took; `Ok(None)`
/// when `buf` holds only the start of one. `max_payload` bounds a
/// message's headers and payload together.
pub fn parse(buf: &[u8], max_payload: usize) -> Result<Option<(Op<'_>, usize)>, ProtoError> {
    let Some(eol) = memchr::memmem::find(&buf[..buf.len().min(CONTROL_MAX + 2)], b"\r\n") else {
        if buf.len() >= CONTROL_MAX + 2 {
            return Err(bad(format!(
                "a control line longer than {CONTROL_MAX} bytes"
            )));
        }
        return Ok(None);
    };
    let line = &buf[..eol];
    let after = eol + 2;
    let (name, rest) = match memchr::memchr2(b' ', b'\t', line) {
        Some(i) => (&line[..i], trim(&line[i + 1..])),
        None => (line, &line[line.len()..]),
    };
    let is = |op: &str| name.eq_ignore_ascii_case(op.as_bytes());
    let simple = |op: Op<'static>| Ok(Some((op, after)));
    if is("PING") {
        return simple(Op::Ping);
    }
    if is("PONG") {
        return simple(Op::Pong);
    }
    if is("+OK") {
        return simple(Op::Ok);
    }
    if is("-ERR") {
        let text = rest.strip_prefix(b"'").unwrap_or(rest);
        let text = text.strip_suffix(b"'").unwrap_or(text);
        return Ok(Some((Op::Err(text), after)));
    }
    if is("INFO") {
        return Ok(Some((Op::Info(rest), after)));
    }
    let hmsg = is("HMSG");
    if !hmsg && !is("MSG") {
        let shown = String::from_utf8_lossy(&name[..name.len().min(16)]).into_owned();
        return Err(bad(format!("unknown operation '{shown}'")));
    }
    // MSG <subject> <sid> [reply] <bytes>
    // HMSG <subject> <sid> [reply] <header bytes> <total bytes>
    let mut args = [&b""[..]; 5];
    let mut n = 0;
    for a in rest
        .split(|&b| b == b' ' || b == b'\t')
        .filter(|a| !a.is_empty())
    {
        if n == args.len() {
            return Err(bad("a message line with too many fields"));
        }
        args[n] = a;
        n += 1;
    }
    let sizes = if hmsg { 2 } else { 1 };
    if n < 2 + sizes || n > 3 + sizes {
        return Err(bad("a message line with too few or too many fields"));
    }
    let reply = (n == 3 + sizes).then_some(args[2]);
    let (hdr_len, total) = if hmsg {
        (number(args[n - 2])?, number(args[n - 1])?)
    } else {
        (0, number(args[n - 1])?)
    };
    if hdr_len > total {
        return Err(bad("a message whose headers are longer than it is"));
    }
    if total > max_payload {
        return Err(bad(format!(
            "a message of {total} bytes, over the {max_payload} this client takes"
        )));
    }
    let end = after + total;
    if buf.len() < end + 2 {
        return Ok(None);
    }
    if &buf[end..end + 2] != b"\r\n" {
        return Err(bad("a message not ended by CRLF where its size says"));
    }
    let body = &buf[after..end];
    Ok(Some((
        Op::Msg {
            subject: args[0],
            sid: args[1],
            reply,
            headers: &body[..hdr_len],
            payload: &body[hdr_len..],
        },
        end + 2,
    )))
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end.max(start)]
}

/// A decimal size, at most nine digits (a NATS payload is far smaller).
fn number(b: &[u8]) -> Result<usize, ProtoError> {
    if b.is_empty() || b.len() > 9 || !b.iter().all(u8::is_ascii_digit) {
        return Err(bad(format!(
            "'{}' is not a size",
            String::from_utf8_lossy(&b[..b.len().min(16)])
        )));
    }
    Ok(b.iter().fold(0, |n, d| n * 10 + usize::from(d - b'0')))
}

/// What a server's `INFO` says that the client acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    pub server_id: String,
    pub tls_required: bool,
    /// The largest message (headers and payload) it takes.
    pub max_payload: usize,
    pub headers: bool,
    pub jetstream: bool,
}

/// nats-server's default `max_payload`, for an INFO that does not say.
pub const MAX_PAYLOAD_DEFAULT: usize = 1 << 20;

/// Reads an `INFO`'s JSON.
pub fn info(json: &[u8]) -> Result<Info, ProtoError> {
    let v: serde_json::Value =
        serde_json::from_slice(json).map_err(|e| bad(format!("an INFO that is not JSON: {e}")))?;
    let flag = |k: &str| v.get(k).and_then(serde_json::Value::as_bool) == Some(true);
    Ok(Info {
        server_id: v
            .get("server_id")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string(),
        tls_required: flag("tls_required"),
        max_payload: v
            .get("max_payload")
            .and_then(serde_json::Value::as_u64)
            .map_or(MAX_PAYLOAD_DEFAULT, |n| n.min(1 << 30) as usize),
        headers: flag("headers"),
        jetstream: flag("jetstream"),
    })
}

/// What the client says in `CONNECT`.
#[derive(Debug, Clone, Default)]
pub struct Connect<'a> {
    pub name: &'a str,
    pub tls_required: bool,
    pub user: Option<&'a str>,
    pub pass: Option<&'a str>,
    pub token: Option<&'a str>,
}

/// `CONNECT {…}`: headers on (the message id travels in one), echo off,
/// `no_responders` on (a subject no stream takes is answered with a 503
/// at once, not a timeout), not verbose (no `+OK` per publish).
pub fn connect(out: &mut Vec<u8>, c: &Connect) {
    let mut v = serde_json::json!({
        "verbose": false,
        "pedantic": false,
        "tls_required": c.tls_required,
        "name": c.name,
        "lang": "rust",
        "version": env!("CARGO_PKG_VERSION"),
        "protocol": 1,
        "headers": true,
        "no_responders": true,
        "echo": false,
    });
    let m = v.as_object_mut().expect("an object");
    for (k, val) in [("user", c.user), ("pass", c.pass), ("auth_token", c.token)] {
        if let Some(val) = val {
            m.insert(k.into(), val.into());
        }
    }
    out.extend_from_slice(b"CONNECT ");
    out.extend_from_slice(v.to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
}

pub fn ping(out: &mut Vec<u8>) {
    out.extend_from_slice(b"PING\r\n");
}

pub fn pong(out: &mut Vec<u8>) {
    out.extend_from_slice(b"PONG\r\n");
}

/// `SUB <subject> <sid>`.
pub fn sub(out: &mut Vec<u8>, subject: &str, sid: u32) {
    debug_assert!(subject.split('.').all(|t| !t.is_empty()));
    out.extend_from_slice(b"SUB ");
    out.extend_from_slice(subject.as_bytes());
    out.push(b' ');
    out.extend_from_slice(itoa::Buffer::new().format(sid).as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// Whether `s` may be published to: tokens of printable ASCII without
/// spaces, none empty, no wildcard (`*`, `>`).
pub fn valid_subject(s: &[u8]) -> bool {
    !s.is_empty()
        && s.split(|&b| b == b'.').all(|t| {
            !t.is_empty() && t.iter().all(|&b| b.is_ascii_graphic()) && t != b"*" && t != b">"
        })
}

/// Whether `v` may be a header value: no CR or LF.
pub fn valid_header_value(v: &[u8]) -> bool {
    !v.iter().any(|&b| b == b'\r' || b == b'\n')
}

const HPUB_START: &[u8] = b"NATS/1.0\r\nNats-Msg-Id: ";
const HPUB_STREAM: &[u8] = b"\r\nNats-Expected-Stream: ";

/// The headers' size of [`hpub`]'s message.
fn hpub_headers(msg_id: &[u8], stream: Option<&[u8]>) -> usize {
    HPUB_START.len() + msg_id.len() + stream.map_or(0, |s| HPUB_STREAM.len() + s.len()) + 4
}

/// What [`hpub`]'s message weighs against a server's `max_payload`: its
/// headers and payload.
pub fn hpub_size(msg_id: &[u8], stream: Option<&[u8]>, payload: &[u8]) -> usize {
    hpub_headers(msg_id, stream) + payload.len()
}

/// `HPUB <subject> <reply> <header bytes> <total bytes>` with the headers
/// `Nats-Msg-Id` and, when given, `Nats-Expected-Stream`, then the
/// payload. The caller has checked the subject, the id and the stream.
pub fn hpub(
    out: &mut Vec<u8>,
    subject: &[u8],
    reply: &[u8],
    msg_id: &[u8],
    stream: Option<&[u8]>,
    payload: &[u8],
) {
    debug_assert!(valid_subject(subject) && valid_subject(reply));
    debug_assert!(valid_header_value(msg_id));
    let hdr = hpub_headers(msg_id, stream);
    let mut num = itoa::Buffer::new();
    out.extend_from_slice(b"HPUB ");
    out.extend_from_slice(subject);
    out.push(b' ');
    out.extend_from_slice(reply);
    out.push(b' ');
    out.extend_from_slice(num.format(hdr).as_bytes());
    out.push(b' ');
    out.extend_from_slice(num.format(hdr + payload.len()).as_bytes());
    out.extend_from_slice(b"\r\n");
    let at = out.len();
    out.extend_from_slice(HPUB_START);
    out.extend_from_slice(msg_id);
    if let Some(s) = stream {
        out.extend_from_slice(HPUB_STREAM);
        out.extend_from_slice(s);
    }
    out.extend_from_slice(b"\r\n\r\n");
    debug_assert_eq!(out.len() - at, hdr);
    debug_assert_eq!(hpub_size(msg_id, stream, payload), hdr + payload.len());
    out.extend_from_slice(payload);
    out.extend_from_slice(b"\r\n");
}

/// JetStream's answer to one publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PubAck {
    /// Stored (or, `duplicate`, recognised by its id within the stream's
    /// duplicate window and not stored again).
    Stored { seq: u64, duplicate: bool },
    /// No stream takes the subject (a 503 status with no body).
    NoResponders,
    /// JetStream refused it: its error code and text.
    Refused { code: u64, text: String },
    /// Not an answer JetStream gives.
    Garbled(String),
}

/// Reads the answer to a publish from its reply's headers and payload.
pub fn pub_ack(headers: &[u8], payload: &[u8]) -> PubAck {
    if let Some(status) = status(headers) {
        if status == 503 {
            return PubAck::NoResponders;
        }
        if payload.is_empty() {
            return PubAck::Refused {
                code: u64::from(status),
                text: String::from_utf8_lossy(&headers[..headers.len().min(200)]).into_owned(),
            };
        }
    }
    let v: serde_json::Value = match serde_json::from_slice(payload) {
        Ok(v) => v,
        Err(e) => return PubAck::Garbled(format!("not JSON: {e}")),
    };
    if let Some(err) = v.get("error") {
        let code = err
            .get("err_code")
            .or_else(|| err.get("code"))
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0);
        let text = err
            .get("description")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("no description")
            .to_string();
        return PubAck::Refused { code, text };
    }
    match v.get("seq").and_then(serde_json::Value::as_u64) {
        Some(seq) if v.get("stream").is_some() => PubAck::Stored {
            seq,
            duplicate: v.get("duplicate").and_then(serde_json::Value::as_bool) == Some(true),
        },
        _ => PubAck::Garbled("no stream and seq".into()),
    }
}

/// The status code of `NATS/1.0 503` headers.
fn status(headers: &[u8]) -> Option<u16> {
    let first = headers.split(|&b| b == b'\r').next()?;
    let rest = first.strip_prefix(b"NATS/1.0")?;
    let code = trim(rest).split(|&b| b == b' ').next()?;
    std::str::from_utf8(code).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(mut buf: &[u8]) -> Vec<Op<'_>> {
        let mut ops = Vec::new();
        while let Some((op, n)) = parse(buf, 1024).unwrap() {
            ops.push(op);
            buf = &buf[n..];
        }
        assert!(buf.is_empty(), "left: {buf:?}");
        ops
    }

    #[test]
    fn server_operations_parse_in_any_case() {
        let ops =
            all(b"INFO {\"a\":1}\r\nping\r\nPONG\r\n+OK\r\n-ERR 'Authorization Violation'\r\n");
        assert_eq!(
            ops,
            vec![
                Op::Info(b"{\"a\":1}"),
                Op::Ping,
                Op::Pong,
                Op::Ok,
                Op::Err(b"Authorization Violation"),
            ]
        );
    }

    #[test]
    fn messages_with_and_without_headers_and_reply() {
        let ops = all(b"MSG a.b 1 5\r\nhello\r\nMSG a 2 r.x 0\r\n\r\nHMSG _I.1.7 1 12 14\r\nNATS/1.0\r\n\r\nhi\r\n");
        assert_eq!(
            ops[0],
            Op::Msg {
                subject: b"a.b",
                sid: b"1",
                reply: None,
                headers: b"",
                payload: b"hello"
            }
        );
        assert_eq!(
            ops[1],
            Op::Msg {
                subject: b"a",
                sid: b"2",
                reply: Some(b"r.x"),
                headers: b"",
                payload: b""
            }
        );
        let Op::Msg {
            headers, payload, ..
        } = &ops[2]
        else {
            panic!()
        };
        assert_eq!((*headers, *payload), (&b"NATS/1.0\r\n\r\n"[..], &b"hi"[..]));
    }

    #[test]
    fn a_partial_operation_waits_and_bounds_are_errors() {
        let whole = b"MSG a 1 5\r\nhello\r\n";
        for cut in 0..whole.len() {
            assert_eq!(parse(&whole[..cut], 1024), Ok(None), "cut at {cut}");
        }
        assert!(parse(&[b'x'; CONTROL_MAX + 2], 1024).is_err());
        assert!(parse(b"MSG a 1 2000\r\n", 1024).is_err());
        assert!(parse(b"MSG a 1 5\r\nhelloXX", 1024).is_err());
        assert!(parse(b"HMSG a 1 9 5\r\n", 1024).is_err());
        assert!(parse(b"MSG a 1 -5\r\n", 1024).is_err());
        assert!(parse(b"WHAT\r\n", 1024).is_err());
        assert!(parse(b"MSG a\r\n", 1024).is_err());
    }

    #[test]
    fn hpub_sizes_match_what_it_writes() {
        let mut out = Vec::new();
        hpub(
            &mut out,
            b"logs.x",
            b"_I.a.1",
            b"h:q:7",
            Some(b"LOGS"),
            b"payload",
        );
        let text = std::str::from_utf8(&out).unwrap();
        let (line, rest) = text.split_once("\r\n").unwrap();
        let f: Vec<&str> = line.split(' ').collect();
        assert_eq!(&f[..3], ["HPUB", "logs.x", "_I.a.1"]);
        let (h, t): (usize, usize) = (f[3].parse().unwrap(), f[4].parse().unwrap());
        assert_eq!(
            &rest[..h],
            "NATS/1.0\r\nNats-Msg-Id: h:q:7\r\nNats-Expected-Stream: LOGS\r\n\r\n"
        );
        assert_eq!(&rest[h..t], "payload");
        assert_eq!(&rest[t..], "\r\n");
    }

    #[test]
    fn subjects_and_header_values_are_checked() {
        assert!(valid_subject(b"logs.host-1.auth"));
        for s in [
            &b""[..],
            b"a..b",
            b".a",
            b"a.",
            b"a b",
            b"a.*",
            b">",
            b"a\r\nPUB",
        ] {
            assert!(!valid_subject(s), "{s:?}");
        }
        assert!(!valid_header_value(b"x\r\nNats-Msg-Id: y"));
    }

    #[test]
    fn pub_acks() {
        assert_eq!(
            pub_ack(b"", br#"{"stream":"S","seq":7}"#),
            PubAck::Stored {
                seq: 7,
                duplicate: false
            }
        );
        assert_eq!(
            pub_ack(b"", br#"{"stream":"S","seq":7,"duplicate":true}"#),
            PubAck::Stored {
                seq: 7,
                duplicate: true
            }
        );
        assert_eq!(pub_ack(b"NATS/1.0 503\r\n\r\n", b""), PubAck::NoResponders);
        assert_eq!(
            pub_ack(b"", br#"{"error":{"code":400,"err_code":10060,"description":"expected stream does not match"}}"#),
            PubAck::Refused { code: 10060, text: "expected stream does not match".into() }
        );
        assert!(matches!(pub_ack(b"", b"{"), PubAck::Garbled(_)));
    }

    #[test]
    fn info_and_connect() {
        let i = info(br#"{"server_id":"X","headers":true,"max_payload":1048576,"jetstream":true}"#)
            .unwrap();
        assert!(i.headers && i.jetstream && !i.tls_required);
        assert_eq!(i.max_payload, 1 << 20);
        let mut out = Vec::new();
        connect(
            &mut out,
            &Connect {
                name: "corelogd",
                user: Some("u\"x"),
                ..Connect::default()
            },
        );
        let text = std::str::from_utf8(&out).unwrap();
        assert!(text.starts_with("CONNECT {") && text.ends_with("}\r\n"));
        let v: serde_json::Value = serde_json::from_str(&text[8..text.len() - 2]).unwrap();
        assert_eq!(v["user"], "u\"x");
        assert_eq!(v["headers"], true);
    }
}
