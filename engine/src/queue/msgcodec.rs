//! A message as a disk-queue payload, and back.
//!
//! In: a [`Message`]. Out: bytes holding everything a template can read
//! from it later: the frame as received, the parsed property ranges, the
//! reported and received times, where it came from (`fromhost`,
//! `fromhost-ip`, `inputname`), its ruleset and its `$!`/`$.` variables —
//! so a message renders after a restart exactly as it would have before.
//!
//! Layout: a fixed [`MsgHead`] (little-endian, unaligned), then the frame,
//! the three origin strings and the variables: when `nvars` is
//! [`TREES`], a byte saying which trees follow (bit 0 `$!`, bit 1 `$.`;
//! bit 2 is `$parsesuccess`) and each tree in [`json::encode`]'s form. Records written before the
//! variables were trees (`nvars` below [`TREES`]: that many
//! `scope u8, name len u16, name, value len u32, value` entries) still
//! decode, each entry becoming a string variable.
//!
//! Guarantees: [`decode`] never panics; it rejects a payload whose lengths
//! or ranges do not fit, so a damaged record costs only itself. Decoded
//! messages share the read buffer (no copy of the frame). Consecutive
//! messages from one connection share one [`Origin`] again.

use std::sync::Arc;

use bytes::Bytes;
use zerocopy::little_endian::{U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::msg::json::{self, Path};
use crate::msg::timestamp::OffsetMode;
use crate::msg::vars::VarScope;
use crate::msg::Vars;
use crate::msg::{Format, Origin, Span};
use crate::{Message, Timestamp};

const SPANS: usize = 9;

/// `MsgHead::nvars` saying that the variables follow as trees.
const TREES: u8 = u8::MAX;

#[derive(Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
struct Stamp {
    year: U16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    secfrac_precision: u8,
    secfrac: U32,
    offset_mode: u8,
    offset_hour: u8,
    offset_minute: u8,
    reserved: u8,
}

/// [`MsgHead::flags`]: the message is a mark (its origin's `mark`).
const FLAG_MARK: u16 = 1;

#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
struct MsgHead {
    frame_len: U32,
    pri: U16,
    format: u8,
    nvars: u8,
    ruleset: U32,
    fromhost_len: U16,
    fromhost_ip_len: U16,
    inputname_len: U16,
    /// [`FLAG_MARK`].
    flags: U16,
    /// start, len of each span (start `u32::MAX` = unset).
    spans: [[U32; 2]; SPANS],
    reported: Stamp,
    generated: Stamp,
}

fn spans(m: &Message) -> [Span; SPANS] {
    [
        m.after_pri,
        m.hostname,
        m.tag,
        m.programname,
        m.app_name,
        m.procid,
        m.msgid,
        m.structured_data,
        m.msg,
    ]
}

fn stamp(t: &Timestamp) -> Stamp {
    Stamp {
        year: U16::new(t.year),
        month: t.month,
        day: t.day,
        hour: t.hour,
        minute: t.minute,
        second: t.second,
        secfrac_precision: t.secfrac_precision,
        secfrac: U32::new(t.secfrac),
        offset_mode: match t.offset_mode {
            OffsetMode::Plus => 0,
            OffsetMode::Minus => 1,
            OffsetMode::Zulu => 2,
        },
        offset_hour: t.offset_hour,
        offset_minute: t.offset_minute,
        reserved: 0,
    }
}

fn timestamp(s: &Stamp) -> Option<Timestamp> {
    Some(Timestamp {
        year: s.year.get(),
        month: s.month,
        day: s.day,
        hour: s.hour,
        minute: s.minute,
        second: s.second,
        secfrac: s.secfrac.get(),
        secfrac_precision: s
            .secfrac_precision
            .min(crate::msg::timestamp::SECFRAC_DIGITS_MAX),
        offset_mode: match s.offset_mode {
            0 => OffsetMode::Plus,
            1 => OffsetMode::Minus,
            2 => OffsetMode::Zulu,
            _ => return None,
        },
        offset_hour: s.offset_hour,
        offset_minute: s.offset_minute,
    })
}

/// Appends `m`'s payload to `out`.
pub fn encode(m: &Message, out: &mut Vec<u8>) {
    let o = m.origin();
    let head = MsgHead {
        frame_len: U32::new(m.buf.len() as u32),
        pri: U16::new(m.pri),
        format: match m.format {
            Format::Rfc5424 => 0,
            Format::Rfc3164 => 1,
            Format::Unparsed => 2,
        },
        nvars: if m.vars().is_some() { TREES } else { 0 },
        ruleset: U32::new(m.ruleset),
        fromhost_len: U16::new(o.fromhost.len().min(u16::MAX as usize) as u16),
        fromhost_ip_len: U16::new(o.fromhost_ip.len().min(u16::MAX as usize) as u16),
        inputname_len: U16::new(o.inputname.len().min(u16::MAX as usize) as u16),
        flags: U16::new(if o.mark { FLAG_MARK } else { 0 }),
        spans: spans(m).map(|s| [U32::new(s.start), U32::new(s.len)]),
        reported: stamp(&m.time_reported),
        generated: stamp(&m.time_generated),
    };
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(&m.buf);
    out.extend_from_slice(&o.fromhost[..head.fromhost_len.get() as usize]);
    out.extend_from_slice(&o.fromhost_ip[..head.fromhost_ip_len.get() as usize]);
    out.extend_from_slice(&o.inputname[..head.inputname_len.get() as usize]);
    if let Some(v) = m.vars() {
        let trees = [&v.message, &v.local];
        out.push(
            trees
                .iter()
                .enumerate()
                .fold(u8::from(v.parse_success) << 2, |f, (i, t)| {
                    f | (u8::from(t.is_some()) << i)
                }),
        );
        for t in trees.into_iter().flatten() {
            json::encode(t, out);
        }
    }
}

/// A read position in a payload.
struct Cursor<'a> {
    payload: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    /// The next `n` bytes.
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.payload.len())?;
        let b = &self.payload[self.at..end];
        self.at = end;
        Some(b)
    }

    fn rest(&self) -> &'a [u8] {
        &self.payload[self.at..]
    }
}

/// The variable trees of a new-form record (after its flags byte).
fn trees(c: &mut Cursor<'_>) -> Option<Box<Vars>> {
    let flags = c.take(1)?[0];
    if flags & !7 != 0 {
        return None;
    }
    let mut tree = |bit: u8| -> Option<Option<json::Json>> {
        if flags & bit == 0 {
            return Some(None);
        }
        let mut rest = c.rest();
        let before = rest.len();
        let v = json::decode(&mut rest)?;
        let used = before - rest.len();
        c.take(used)?;
        Some(Some(v))
    };
    let message = tree(1)?;
    let local = tree(2)?;
    let weight = message.iter().chain(&local).map(json::Json::weight).sum();
    Some(Box::new(Vars {
        message,
        local,
        parse_success: flags & 4 != 0,
        weight,
    }))
}

/// Reads a payload back into a message whose frame is a slice of
/// `payload`. `last` is the origin of the previous message decoded, reused
/// when it is the same. The payload is taken, and cut down to the frame:
/// the rest is read as borrowed bytes, so decoding touches the buffer's
/// shared count not at all (an atomic operation per slice, across cores,
/// was a tenth of the disk queue's time).
pub fn decode(mut payload: Bytes, last: &mut Option<Arc<Origin>>) -> Option<Message> {
    let (head, _) = MsgHead::read_from_prefix(&payload).ok()?;
    let mut c = Cursor {
        payload: &payload,
        at: std::mem::size_of::<MsgHead>(),
    };
    let frame_at = c.at;
    let buf = c.take(head.frame_len.get() as usize)?;
    let fromhost = c.take(head.fromhost_len.get() as usize)?;
    let fromhost_ip = c.take(head.fromhost_ip_len.get() as usize)?;
    let inputname = c.take(head.inputname_len.get() as usize)?;
    let is_mark = head.flags.get() & FLAG_MARK != 0;
    let mut vars = None::<Box<Vars>>;
    let mut entries = head.nvars;
    if head.nvars == TREES {
        let mark = c.at;
        match trees(&mut c) {
            // The whole rest is the trees: this record is of the new form.
            Some(v) if c.at == payload.len() => {
                vars = Some(v);
                entries = 0;
            }
            // An old record with 255 variables or more (it wrote at most
            // 255, and 255 in nvars): read them as entries.
            _ => c.at = mark,
        }
    }
    for _ in 0..entries {
        let scope = match c.take(1)?[0] {
            0 => VarScope::Message,
            1 => VarScope::Local,
            2 => VarScope::Global,
            _ => return None,
        };
        let nlen = u16::from_le_bytes(c.take(2)?[..].try_into().ok()?);
        let name = c.take(nlen as usize)?;
        let vlen = u32::from_le_bytes(c.take(4)?[..].try_into().ok()?);
        let value = c.take(vlen as usize)?;
        let name = std::str::from_utf8(name).ok()?;
        let _ = vars.get_or_insert_with(Default::default).set(
            scope,
            &Path::parse(name),
            json::Json::str(value),
            false,
        );
    }
    if c.at != payload.len() {
        return None;
    }
    let mut s = [Span::EMPTY; SPANS];
    for (span, [start, len]) in s.iter_mut().zip(head.spans) {
        *span = Span {
            start: start.get(),
            len: len.get(),
        };
        if !span.is_unset() && span.end() > buf.len() {
            return None;
        }
    }
    let origin = match last {
        Some(o)
            if o.fromhost == fromhost
                && o.fromhost_ip == fromhost_ip
                && o.inputname == inputname
                && o.mark == is_mark =>
        {
            o.clone()
        }
        _ => {
            let o = Arc::new(Origin {
                // Copied: an origin outlives the read buffer it came in.
                fromhost: Bytes::copy_from_slice(fromhost),
                fromhost_ip: Bytes::copy_from_slice(fromhost_ip),
                inputname: Bytes::copy_from_slice(inputname),
                mark: is_mark,
            });
            *last = Some(o.clone());
            o
        }
    };
    let frame_len = buf.len();
    // The frame, cut out of the payload without another share of it.
    bytes::Buf::advance(&mut payload, frame_at);
    payload.truncate(frame_len);
    Some(Message {
        buf: payload,
        pri: head.pri.get(),
        format: match head.format {
            0 => Format::Rfc5424,
            1 => Format::Rfc3164,
            2 => Format::Unparsed,
            _ => return None,
        },
        after_pri: s[0],
        hostname: s[1],
        tag: s[2],
        programname: s[3],
        app_name: s[4],
        procid: s[5],
        msgid: s[6],
        structured_data: s[7],
        msg: s[8],
        time_reported: timestamp(&head.reported)?,
        time_generated: timestamp(&head.generated)?,
        origin,
        vars,
        ruleset: head.ruleset.get(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msg::vars::VarScope;
    use crate::parse::{parse, ParseOptions};
    use crate::template::{Syntax, Template};
    use crate::{Env, RenderBuf};

    const ALL: &str = "%rawmsg%|%pri%|%hostname%|%fromhost%|%fromhost-ip%|%inputname%|%syslogtag%|%programname%|%app-name%|%procid%|%msgid%|%structured-data%|%msg%|%timereported:::date-rfc3339%|%timegenerated:::date-rfc3339%|%$!user%|%$.n%\n";

    fn round_trip(raw: &str) {
        let now = crate::msg::timestamp::parse_rfc3339(b"2026-11-23T01:02:03.456789-05:30")
            .unwrap()
            .0;
        let origin = Arc::new(Origin::new("sender", "10.0.0.7", "imtcp"));
        let mut m = parse(
            Bytes::copy_from_slice(raw.as_bytes()),
            &origin,
            now,
            &ParseOptions::default(),
        );
        m.set_ruleset(3);
        let set = |m: &mut Message, scope, name: &str, v| {
            m.vars_mut()
                .set(scope, &Path::parse(name), v, false)
                .unwrap()
        };
        set(&mut m, VarScope::Message, "user", json::Json::str(b"alice"));
        set(
            &mut m,
            VarScope::Message,
            "a!b",
            json::parse(b"[1, 2.50, {\"x\": null}]").unwrap(),
        );
        set(&mut m, VarScope::Local, "n", json::Json::Int(42));
        let mut enc = Vec::new();
        encode(&m, &mut enc);
        let mut last = None;
        let d = decode(Bytes::from(enc.clone()), &mut last).expect("decodes");
        let t = Template::from_string("t", ALL, Syntax::Legacy).unwrap();
        let env = Env::new(now, "me");
        let (mut a, mut b) = (Vec::new(), Vec::new());
        t.render(&m, &env, &mut RenderBuf::new(), &mut a);
        t.render(&d, &env, &mut RenderBuf::new(), &mut b);
        assert_eq!(String::from_utf8_lossy(&a), String::from_utf8_lossy(&b));
        assert_eq!(d.ruleset(), 3);
        // Every truncation is refused, never a panic.
        for cut in 0..enc.len() {
            assert!(decode(Bytes::copy_from_slice(&enc[..cut]), &mut last).is_none());
        }
    }

    #[test]
    fn renders_the_same_after_decoding() {
        round_trip("<34>Oct  1 22:14:15 mymachine su[42]: 'su root' failed for lonvick");
        round_trip("<165>1 2003-10-11T22:14:15.003Z host app 77 ID47 [ex@1 a=\"b\"] \u{feff}hi");
        round_trip("no pri at all");
        round_trip("<999>bad pri");
    }

    proptest::proptest! {
        /// Any payload: decoded or refused, never a panic; what decodes
        /// renders.
        #[test]
        fn any_payload_decodes_or_is_refused(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
            seed in 0usize..400,
        ) {
            let mut enc = Vec::new();
            let origin = Arc::new(Origin::new("h", "1.2.3.4", "imtcp"));
            let m = parse(Bytes::from_static(b"<13>Nov 28 10:00:00 host tag: x"), &origin, Timestamp::default(), &ParseOptions::default());
            encode(&m, &mut enc);
            // A valid payload with some bytes replaced, and raw bytes.
            for (i, b) in bytes.iter().enumerate() {
                let at = (seed + i * 7) % enc.len();
                enc[at] = *b;
            }
            let t = Template::from_string("t", ALL, Syntax::Legacy).unwrap();
            for p in [Bytes::from(enc), Bytes::from(bytes)] {
                if let Some(d) = decode(p.clone(), &mut None) {
                    let mut out = Vec::new();
                    t.render(&d, &Env::new(Timestamp::default(), "me"), &mut RenderBuf::new(), &mut out);
                }
            }
        }
    }
}
