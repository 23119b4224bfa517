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
}

impl Origin {
    pub fn new(fromhost: &str, fromhost_ip: &str, inputname: &str) -> Origin {
        Origin {
            fromhost: Bytes::copy_from_slice(fromhost.as_bytes()),
            fromhost_ip: Bytes::copy_from_slice(fromhost_ip.as_bytes()),
            inputname: Bytes::copy_from_slice(inputname.as_bytes()),
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
    /// A copy whose bytes are its own: a message kept for long (in an
    /// action's queue) then holds no more of an input's read buffer than
    /// itself.
    pub fn detached(&self) -> Message {
        let mut m = self.clone();
        m.buf = Bytes::copy_from_slice(&self.buf);
        m
    }

    /// The bytes of a span of this message.
    #[inline]
    pub fn slice(&self, span: Span) -> &[u8] {
        debug_assert!(span.is_unset() || span.end() <= self.buf.len());
        // Spans are made inside the buffer (an unset one reads as empty);
        // `get` keeps a bug from becoming a panic on the data path.
        self.buf.get(span.start as usize..span.end()).unwrap_or(&[])
    }

    /// The whole message as received (after control-character escaping and
    /// the trailing LF dropped): `rawmsg`.
    pub fn raw(&self) -> &[u8] {
        &self.buf
    }

    /// The shared buffer, for outputs that forward the raw message.
    pub fn raw_bytes(&self) -> &Bytes {
        &self.buf
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
