//! The message: one received syslog message as a handle on its bytes plus the
//! byte ranges of its properties.
//!
//! In: the bytes of one frame (a [`Bytes`] that shares the receive buffer),
//! where it came from ([`Origin`], shared by every message of a connection)
//! and when it arrived. The parsers in [`crate::parse`] fill in the ranges.
//! Out: every rsyslog property of the message, read as slices of those bytes
//! ([`Message::slice`]) or, for the few properties rsyslog composes (a
//! 5424 `syslogtag`, numbers, names), written into a small stack buffer by
//! [`crate::prop`].
//!
//! Guarantees: a message never copies a property; cloning one costs two
//! reference-count increments and no allocation. Ranges always lie inside
//! the buffer (asserted where they are made).

pub mod json;
pub mod pri;
pub mod timestamp;
pub mod vars;

use std::sync::Arc;

use bytes::Bytes;

pub use timestamp::Timestamp;
pub use vars::Vars;

/// A byte range inside a message's buffer. `u32` keeps [`Message`] small:
/// no frame is anywhere near 4 GiB (inputs cap them at maxMessageSize).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: u32,
    pub len: u32,
}

impl Span {
    pub const EMPTY: Span = Span { start: 0, len: 0 };
    /// A field no parser set (it reads as `-`, or for a hostname as
    /// `fromhost`), as opposed to one set to the empty string.
    pub const UNSET: Span = Span {
        start: u32::MAX,
        len: 0,
    };
    /// A field that reads as `-` although the frame holds no such byte
    /// (pmrfc3164's `force.tagEndingByColon` tag).
    pub const DASH: Span = Span {
        start: u32::MAX,
        len: 1,
    };

    /// The span `start..end`. Panics if `end < start` or past `u32`: spans
    /// are made by parsers from positions inside one frame.
    #[inline]
    pub fn new(start: usize, end: usize) -> Span {
        debug_assert!(start <= end);
        Span {
            start: start as u32,
            len: (end - start) as u32,
        }
    }

    #[inline]
    pub fn end(&self) -> usize {
        self.start as usize + self.len as usize
    }

    /// This span as a range, for slicing.
    #[inline]
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    pub fn is_unset(&self) -> bool {
        self.start == u32::MAX
    }
}

/// Where a message came from: one per connection (or per datagram socket),
/// shared by reference among its messages.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// `fromhost`: the sender's name (its address when DNS is off).
    pub fromhost: Bytes,
    /// `fromhost-ip`.
    pub fromhost_ip: Bytes,
    /// `inputname`: the input module, e.g. `imtcp`.
    pub inputname: Bytes,
    /// A mark message (immark's, with `use.markFlag`): actions with
    /// `action.writeAllMarkMessages="off"` may skip it.
    pub mark: bool,
}

impl Origin {
    pub fn new(fromhost: &str, fromhost_ip: &str, inputname: &str) -> Origin {
        Origin {
            fromhost: Bytes::copy_from_slice(fromhost.as_bytes()),
            fromhost_ip: Bytes::copy_from_slice(fromhost_ip.as_bytes()),
            inputname: Bytes::copy_from_slice(inputname.as_bytes()),
            mark: false,
        }
    }
}

/// Which parser recognised the message; decides how absent properties read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// RFC 5424 (`protocol-version` 1).
    Rfc5424,
    /// RFC 3164 and the BSD forms found in the wild.
    #[default]
    Rfc3164,
    /// Nothing was parsed (e.g. an invalid PRI): `msg` is the whole frame.
    Unparsed,
}

/// One syslog message. See the module documentation.
#[derive(Debug, Clone)]
pub struct Message {
    pub(crate) buf: Bytes,
    pub(crate) pri: u16,
    pub(crate) format: Format,
    pub(crate) after_pri: Span,
    pub(crate) hostname: Span,
    pub(crate) tag: Span,
    pub(crate) programname: Span,
    pub(crate) app_name: Span,
    pub(crate) procid: Span,
    pub(crate) msgid: Span,
    pub(crate) structured_data: Span,
    pub(crate) msg: Span,
    pub(crate) time_reported: Timestamp,
    pub(crate) time_generated: Timestamp,
    pub(crate) origin: Arc<Origin>,
    pub(crate) vars: Option<Box<Vars>>,
    /// The ruleset that processes this message (an index into the plan's
    /// rulesets), set by the input that received it.
    pub(crate) ruleset: u32,
}

impl Message {
    /// Appends to `out` copies of the messages `which` of `msgs` that
    /// share nothing with the originals: their bytes are copied into one
    /// new buffer, and each origin into one new [`Origin`], that the
    /// copies share. Messages kept for long (in an action's queue, drained
    /// on another core) then hold no input's read buffer, and the counts
    /// they drop are not the ones the input's core is raising — at one
    /// allocation per batch (and per sender in it).
    pub fn detach_all(msgs: &[Message], which: &[u32], out: &mut Vec<Message>) {
        let picked = || which.iter().map(|&i| &msgs[i as usize]);
        let total = picked().map(|m| m.buf.len()).sum();
        let mut bytes = bytes::BytesMut::with_capacity(total);
        for m in picked() {
            bytes.extend_from_slice(&m.buf);
        }
        let bytes = bytes.freeze();
        let mut at = 0;
        let mut origin: Option<(&Arc<Origin>, Arc<Origin>)> = None;
        out.reserve(which.len());
        for m in picked() {
            let o = match &origin {
                Some((was, copy)) if Arc::ptr_eq(was, &m.origin) => copy.clone(),
                _ => {
                    let copy = Arc::new(Origin::clone(&m.origin));
                    origin = Some((&m.origin, copy.clone()));
                    copy
                }
            };
            let buf = bytes.slice(at..at + m.buf.len());
            at += m.buf.len();
            out.push(m.with(buf, o));
        }
        debug_assert_eq!(at, total);
    }

    /// This message with other bytes (the same, copied) and origin.
    fn with(&self, buf: Bytes, origin: Arc<Origin>) -> Message {
        debug_assert_eq!(buf, self.buf);
        Message {
            buf,
            pri: self.pri,
            format: self.format,
            after_pri: self.after_pri,
            hostname: self.hostname,
            tag: self.tag,
            programname: self.programname,
            app_name: self.app_name,
            procid: self.procid,
            msgid: self.msgid,
            structured_data: self.structured_data,
            msg: self.msg,
            time_reported: self.time_reported,
            time_generated: self.time_generated,
            origin,
            vars: self.vars.clone(),
            ruleset: self.ruleset,
        }
    }

    /// The bytes of a span of this message.
    #[inline]
    pub fn slice(&self, span: Span) -> &[u8] {
        debug_assert!(span.is_unset() || span == Span::DASH || span.end() <= self.buf.len());
        // Spans are made inside the buffer (an unset one reads as empty,
        // DASH as `-`); `get` keeps a bug from becoming a panic on the data
        // path.
        match self.buf.get(span.start as usize..span.end()) {
            Some(s) => s,
            None if span == Span::DASH => b"-",
            None => &[],
        }
    }

    /// The whole message as received (after control-character escaping and
    /// the trailing LF dropped): `rawmsg`. It ends where `after_pri` ends;
    /// what follows in the buffer a parser added (see [`Message::append`]).
    pub fn raw(&self) -> &[u8] {
        &self.buf[..self.raw_len()]
    }

    /// How many bytes of the buffer the frame is.
    fn raw_len(&self) -> usize {
        if self.after_pri.is_unset() {
            self.buf.len()
        } else {
            self.after_pri.end().min(self.buf.len())
        }
    }

    /// A message corelogd makes itself (impstats' lines): `text` is its
    /// `rawmsg` and `msg`; its tag (`rsyslogd-pstats:`) and hostname are
    /// kept after the frame; it reports `time` and goes to `ruleset`.
    pub fn generated(
        text: &[u8],
        tag: &[u8],
        hostname: &[u8],
        pri: u16,
        time: Timestamp,
        origin: Arc<Origin>,
        ruleset: u32,
    ) -> Message {
        let len = text.len();
        let mut buf = Vec::with_capacity(len + tag.len() + hostname.len());
        buf.extend_from_slice(text);
        buf.extend_from_slice(tag);
        buf.extend_from_slice(hostname);
        let program = tag.iter().take_while(|&&c| c != b':' && c != b'[').count();
        let m = Message {
            buf: Bytes::from(buf),
            pri,
            format: Format::Rfc3164,
            after_pri: Span::new(0, len),
            hostname: Span::new(len + tag.len(), len + tag.len() + hostname.len()),
            tag: Span::new(len, len + tag.len()),
            programname: Span::new(len, len + program),
            app_name: Span::new(len, len + program),
            procid: Span::UNSET,
            msgid: Span::UNSET,
            structured_data: Span::UNSET,
            msg: Span::new(0, len),
            time_reported: time,
            time_generated: time,
            origin,
            vars: None,
            ruleset,
        };
        debug_assert_eq!(m.raw(), text);
        m
    }

    /// Adds `bytes` after the frame (copying the buffer once) and returns
    /// their span: a property a parser makes up rather than finds, such as
    /// pmnull's `tag=`. `rawmsg` does not show them.
    pub(crate) fn append(&mut self, bytes: &[u8]) -> Span {
        let raw_len = self.raw_len();
        debug_assert_eq!(raw_len, self.after_pri.end(), "a frame has its after_pri");
        let mut out = Vec::with_capacity(self.buf.len() + bytes.len());
        out.extend_from_slice(&self.buf);
        out.extend_from_slice(bytes);
        let at = self.buf.len();
        self.buf = Bytes::from(out);
        debug_assert_eq!(self.raw_len(), raw_len);
        Span::new(at, at + bytes.len())
    }

    /// rsyslog's `MsgReplaceMSG`: `msg` becomes `new`; the frame keeps
    /// what came before it and `new` ends it. Bytes a parser appended
    /// after the frame stay, their spans moved.
    pub(crate) fn replace_msg(&mut self, new: &[u8]) {
        let raw_len = self.raw_len();
        let start = (self.msg.start as usize).min(raw_len);
        let mut buf = Vec::with_capacity(start + new.len() + self.buf.len() - raw_len);
        buf.extend_from_slice(&self.buf[..start]);
        buf.extend_from_slice(new);
        let new_raw_len = buf.len();
        buf.extend_from_slice(&self.buf[raw_len..]);
        self.buf = Bytes::from(buf);
        self.msg = Span::new(start, new_raw_len);
        if !self.after_pri.is_unset() {
            self.after_pri = Span::new(
                (self.after_pri.start as usize).min(new_raw_len),
                new_raw_len,
            );
        }
        for s in [
            &mut self.hostname,
            &mut self.tag,
            &mut self.programname,
            &mut self.app_name,
            &mut self.procid,
            &mut self.msgid,
            &mut self.structured_data,
        ] {
            if !s.is_unset() && *s != Span::DASH && s.start as usize >= raw_len {
                *s = Span::new(
                    s.start as usize - raw_len + new_raw_len,
                    s.end() - raw_len + new_raw_len,
                );
            }
        }
    }

    pub fn pri(&self) -> u16 {
        self.pri
    }

    pub fn facility(&self) -> u16 {
        pri::facility(self.pri)
    }

    pub fn severity(&self) -> u16 {
        pri::severity(self.pri)
    }

    pub fn format(&self) -> Format {
        self.format
    }

    pub fn msg(&self) -> &[u8] {
        self.slice(self.msg)
    }

    /// `hostname`, falling back to `fromhost` as rsyslog does.
    pub fn hostname(&self) -> &[u8] {
        if self.hostname.is_unset() {
            &self.origin.fromhost
        } else {
            self.slice(self.hostname)
        }
    }

    /// `syslogtag` as it stood in an RFC 3164 message. For RFC 5424 the tag
    /// is composed; read it through [`crate::prop`].
    pub fn tag_span(&self) -> Span {
        self.tag
    }

    pub fn programname(&self) -> &[u8] {
        self.slice(self.programname)
    }

    pub fn time_reported(&self) -> &Timestamp {
        &self.time_reported
    }

    pub fn time_generated(&self) -> &Timestamp {
        &self.time_generated
    }

    /// The ruleset that processes this message.
    pub fn ruleset(&self) -> u32 {
        self.ruleset
    }

    /// Sets the ruleset that processes this message.
    pub fn set_ruleset(&mut self, ruleset: u32) {
        self.ruleset = ruleset;
    }

    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Message variables (`$!name`, `$.name`), if any were set.
    pub fn vars(&self) -> Option<&Vars> {
        self.vars.as_deref()
    }

    /// Variables for `set`; created on first use.
    pub fn vars_mut(&mut self) -> &mut Vars {
        self.vars.get_or_insert_with(Box::default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse, ParseOptions};

    #[test]
    fn detached_copies_are_the_same_messages_and_share_nothing_with_them() {
        let a = Arc::new(Origin::new("a", "10.0.0.1", "imtcp"));
        let b = Arc::new(Origin::new("b", "10.0.0.2", "imudp"));
        let read = Bytes::from_static(
            b"<13>Dec  4 10:00:00 h1 x: one<11>Dec  4 10:00:01 h2 y[7]: two<14>1 2026-12-04T10:00:02Z h3 z - - - three",
        );
        let opts = ParseOptions::default();
        let msgs: Vec<Message> = [(0, 29, &a), (29, 62, &a), (62, read.len(), &b)]
            .into_iter()
            .map(|(s, e, o)| parse(read.slice(s..e), o, Timestamp::default(), &opts))
            .collect();
        let mut out = Vec::new();
        Message::detach_all(&msgs, &[0, 2, 1], &mut out);
        let t = crate::template::Template::from_string(
            "t",
            "%rawmsg%|%hostname%|%syslogtag%|%msg%|%fromhost%|%inputname%\n",
            crate::template::Syntax::Legacy,
        )
        .unwrap();
        let env = crate::Env::new(Timestamp::default(), "me");
        let render = |m: &Message| {
            let mut s = Vec::new();
            t.render(m, &env, &mut crate::RenderBuf::new(), &mut s);
            s
        };
        for (copy, &i) in out.iter().zip(&[0usize, 2, 1]) {
            assert_eq!(render(copy), render(&msgs[i]));
            assert!(!Arc::ptr_eq(&copy.origin, &msgs[i].origin));
            let inside = read.as_ptr_range();
            assert!(!inside.contains(&copy.buf.as_ptr()));
        }
        // One origin copy per run of the same sender.
        assert!(!Arc::ptr_eq(&out[0].origin, &out[1].origin));
        assert!(!Arc::ptr_eq(&out[1].origin, &out[2].origin));
        out.clear();
        Message::detach_all(&msgs, &[0, 1, 2], &mut out);
        assert!(Arc::ptr_eq(&out[0].origin, &out[1].origin));
        assert!(!Arc::ptr_eq(&out[1].origin, &out[2].origin));
    }

    /// mmanon's msg replacement on a message whose hostname and tag
    /// follow the frame (corelogd's own): they stay what they were.
    #[test]
    fn replacing_msg_keeps_what_follows_the_frame() {
        use crate::prop::{self, PropBuf, PropId};
        let origin = Arc::new(Origin::new("h", "127.0.0.1", "corelogd"));
        for new in [&b"x"[..], b"a much longer text than the original one"] {
            let mut m = Message::generated(
                b"from 192.0.2.1",
                b"corelogd:",
                b"myhost",
                43,
                Timestamp::default(),
                origin.clone(),
                0,
            );
            m.replace_msg(new);
            let mut b = PropBuf::new();
            assert_eq!(prop::get(&m, PropId::Hostname, &mut b), b"myhost");
            assert_eq!(prop::get(&m, PropId::SyslogTag, &mut b), b"corelogd:");
            assert_eq!(prop::get(&m, PropId::ProgramName, &mut b), b"corelogd");
            assert_eq!(prop::get(&m, PropId::Msg, &mut b), new);
            assert_eq!(prop::get(&m, PropId::RawMsg, &mut b), new);
        }
    }
}
