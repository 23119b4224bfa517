//! The RELP frame codec: a pure state machine, no I/O.
//!
//! In: the bytes of a RELP session as they arrive, in chunks of any size
//! (a frame may straddle reads, a read may hold many frames). Out: whole
//! [`Frame`]s {txnr, command, data}, or the first framing error, after
//! which the session is to be torn down (librelp sends `serverclose`).
//! [`encode`] writes frames.
//!
//! Grammar, as librelp accepts it (../shared/design/RSYSLOG_SEMANTICS.md
//! A.1): `TXNR SP COMMAND SP DATALEN [SP DATA] LF`, where TXNR and DATALEN
//! are 1–9 digits (leading zeros allowed, a 10th digit is an error),
//! COMMAND is 1–32 ASCII letters, a DATALEN of 0 is followed directly by
//! LF, and otherwise by SP, exactly DATALEN octets (binary, LF allowed)
//! and LF. No CRLF tolerance.
//!
//! Guarantees: never panics on any input; data larger than `maxDataSize`
//! is refused (`abort`), cut to it (`truncate`) or kept (`accept`) as
//! `oversizeMode` says, and never buffered beyond what that mode keeps;
//! data that arrives within one chunk is a slice of it (no copy).

use bytes::{Bytes, BytesMut};

/// The largest TXNR and DATALEN: nine digits.
pub const NUMBER_MAX: u32 = 999_999_999;
const DIGITS_MAX: u8 = 9;
const COMMAND_MAX: usize = 32;

/// What to do with data over `maxDataSize` (imrelp's `oversizeMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oversize {
    /// A framing error: the session is torn down (librelp's default).
    Abort,
    /// Keep the first `maxDataSize` octets (imrelp's default).
    Truncate,
    /// Keep it all.
    Accept,
}

/// One frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub txnr: u32,
    /// The command as sent (compared case-sensitively, as librelp does).
    pub command: Bytes,
    pub data: Bytes,
    /// The data was cut to `maxDataSize` (oversizeMode truncate).
    pub truncated: bool,
}

/// Why a stream is not RELP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// TXNR or DATALEN: no digit, or a 10th digit.
    BadNumber(&'static str),
    /// COMMAND: empty, too long or not letters.
    BadCommand,
    /// Not the SP or LF the grammar requires (the byte found).
    Expected(&'static str, u8),
    /// DATALEN over `maxDataSize` with oversizeMode abort.
    TooLarge(u32),
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::BadNumber(what) => write!(f, "{what} is not 1 to 9 digits"),
            FrameError::BadCommand => write!(f, "the command is not 1 to 32 letters"),
            FrameError::Expected(what, b) => write!(f, "expected {what}, found byte {b:#04x}"),
            FrameError::TooLarge(n) => write!(f, "{n} octets of data are over maxDataSize"),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum State {
    Txnr,
    Command,
    Datalen,
    /// After DATALEN: LF when it was 0, else SP.
    AfterDatalen,
    Data,
    Trailer,
}

/// The incremental decoder of one session's stream.
#[derive(Debug)]
pub struct Decoder {
    max_data: usize,
    oversize: Oversize,
    state: State,
    number: u32,
    digits: u8,
    txnr: u32,
    /// The command so far (at most [`COMMAND_MAX`] letters, so never on
    /// the heap).
    command: smallvec::SmallVec<[u8; COMMAND_MAX]>,
    datalen: u32,
    /// Data octets still to come (of those kept).
    remaining: usize,
    /// Data kept so far, when it straddles chunks.
    data: BytesMut,
    /// The data, when it came whole in one chunk (a slice of it).
    whole: Option<Bytes>,
    /// Octets of data still to be dropped (oversizeMode truncate).
    dropping: usize,
    failed: Option<FrameError>,
}

impl Decoder {
    pub fn new(max_data: usize, oversize: Oversize) -> Decoder {
        Decoder {
            max_data,
            oversize,
            state: State::Txnr,
            number: 0,
            digits: 0,
            txnr: 0,
            command: smallvec::SmallVec::new(),
            datalen: 0,
            remaining: 0,
            data: BytesMut::new(),
            whole: None,
            dropping: 0,
            failed: None,
        }
    }

    /// Whether the stream is between frames (nothing of a frame buffered).
    pub fn is_idle(&self) -> bool {
        matches!(self.state, State::Txnr) && self.digits == 0
    }

    /// Decodes `chunk`, appending whole frames to `out`. After an error,
    /// every later call returns it again.
    pub fn decode(&mut self, chunk: Bytes, out: &mut Vec<Frame>) -> Result<(), FrameError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let r = self.run(&chunk, out);
        if let Err(e) = &r {
            self.failed = Some(e.clone());
        }
        r
    }

    fn number(&mut self, b: u8, what: &'static str) -> Result<bool, FrameError> {
        if b.is_ascii_digit() {
            if self.digits == DIGITS_MAX {
                return Err(FrameError::BadNumber(what));
            }
            self.number = self.number * 10 + u32::from(b - b'0');
            self.digits += 1;
            return Ok(false);
        }
        if self.digits == 0 {
            return Err(FrameError::BadNumber(what));
        }
        Ok(true)
    }

    fn run(&mut self, chunk: &Bytes, out: &mut Vec<Frame>) -> Result<(), FrameError> {
        let mut i = 0;
        while i < chunk.len() {
            let b = chunk[i];
            match self.state {
                State::Txnr => {
                    if self.number(b, "TXNR")? {
                        if b != b' ' {
                            return Err(FrameError::Expected("SP after TXNR", b));
                        }
                        self.txnr = self.number;
                        (self.number, self.digits) = (0, 0);
                        self.command.clear();
                        self.state = State::Command;
                    }
                    i += 1;
                }
                State::Command => {
                    if b.is_ascii_alphabetic() {
                        if self.command.len() == COMMAND_MAX {
                            return Err(FrameError::BadCommand);
                        }
                        self.command.push(b);
                    } else if b == b' ' && !self.command.is_empty() {
                        self.state = State::Datalen;
                    } else {
                        return Err(FrameError::BadCommand);
                    }
                    i += 1;
                }
                State::Datalen => {
                    if self.number(b, "DATALEN")? {
                        self.datalen = self.number;
                        (self.number, self.digits) = (0, 0);
                        // This byte, the SP or LF, is looked at next.
                        self.state = State::AfterDatalen;
                    } else {
                        i += 1;
                    }
                }
                State::AfterDatalen => {
                    i += 1;
                    if self.datalen == 0 {
                        if b != b'\n' {
                            return Err(FrameError::Expected("LF after DATALEN 0", b));
                        }
                        self.emit(Bytes::new(), false, out);
                        continue;
                    }
                    if b != b' ' {
                        return Err(FrameError::Expected("SP after DATALEN", b));
                    }
                    let len = self.datalen as usize;
                    let keep = match self.oversize {
                        _ if len <= self.max_data => len,
                        Oversize::Abort => return Err(FrameError::TooLarge(self.datalen)),
                        Oversize::Truncate => self.max_data,
                        Oversize::Accept => len,
                    };
                    self.dropping = len - keep;
                    self.data.clear();
                    if chunk.len() - i >= keep {
                        // All of it in this chunk: a slice, no copy.
                        self.whole = Some(chunk.slice(i..i + keep));
                        self.remaining = 0;
                        i += keep;
                    } else {
                        self.remaining = keep;
                    }
                    self.state = State::Data;
                }
                State::Data => {
                    let avail = chunk.len() - i;
                    if self.remaining > 0 {
                        let take = self.remaining.min(avail);
                        self.data.extend_from_slice(&chunk[i..i + take]);
                        self.remaining -= take;
                        i += take;
                    } else if self.dropping > 0 {
                        let skip = self.dropping.min(avail);
                        self.dropping -= skip;
                        i += skip;
                    } else {
                        self.state = State::Trailer;
                    }
                }
                State::Trailer => {
                    if b != b'\n' {
                        return Err(FrameError::Expected("LF after the data", b));
                    }
                    i += 1;
                    let data = match self.whole.take() {
                        Some(d) => d,
                        None => self.data.split().freeze(),
                    };
                    let truncated = data.len() < self.datalen as usize;
                    self.emit(data, truncated, out);
                }
            }
        }
        Ok(())
    }

    fn emit(&mut self, data: Bytes, truncated: bool, out: &mut Vec<Frame>) {
        out.push(Frame {
            txnr: self.txnr,
            command: command_bytes(&self.command),
            data,
            truncated,
        });
        self.state = State::Txnr;
    }
}

/// The commands corelog's RELP peers send (`syslog`, `rsp`, `open`,
/// `close`, `serverclose`), as static bytes: a frame's command costs no
/// allocation (it cost a `malloc` and a `free` per message). Any other
/// command is copied, and answered as before.
const COMMANDS: [&[u8]; 5] = [b"syslog", b"rsp", b"open", b"close", b"serverclose"];

/// `command` as the frame keeps it: one of [`COMMANDS`] without a copy,
/// anything else copied.
fn command_bytes(command: &[u8]) -> Bytes {
    debug_assert!(!command.is_empty() && command.len() <= COMMAND_MAX);
    match COMMANDS.iter().find(|&&c| c == command) {
        Some(&c) => Bytes::from_static(c),
        None => Bytes::copy_from_slice(command),
    }
}

/// Appends the frame `txnr command data` to `out`.
pub fn encode(out: &mut Vec<u8>, txnr: u32, command: &str, data: &[u8]) {
    debug_assert!(txnr <= NUMBER_MAX && data.len() <= NUMBER_MAX as usize);
    let mut n = itoa::Buffer::new();
    out.extend_from_slice(n.format(txnr).as_bytes());
    out.push(b' ');
    out.extend_from_slice(command.as_bytes());
    out.push(b' ');
    out.extend_from_slice(n.format(data.len()).as_bytes());
    if !data.is_empty() {
        out.push(b' ');
        out.extend_from_slice(data);
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in(chunks: &[&[u8]], max: usize, mode: Oversize) -> Result<Vec<Frame>, FrameError> {
        let mut d = Decoder::new(max, mode);
        let mut out = Vec::new();
        for c in chunks {
            d.decode(Bytes::copy_from_slice(c), &mut out)?;
        }
        Ok(out)
    }

    fn summary(frames: &[Frame]) -> Vec<(u32, String, String, bool)> {
        frames
            .iter()
            .map(|f| {
                (
                    f.txnr,
                    String::from_utf8_lossy(&f.command).into_owned(),
                    String::from_utf8_lossy(&f.data).into_owned(),
                    f.truncated,
                )
            })
            .collect()
    }

    const SESSION: &[u8] = b"1 open 86 relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog\n2 syslog 5 a\nb\nc\n3 close 0\n002 rsp 6 200 OK\n";

    #[test]
    fn a_session_in_any_chunks_frames_the_same() {
        let whole = summary(&decode_in(&[SESSION], 128 << 10, Oversize::Abort).unwrap());
        assert_eq!(whole.len(), 4);
        assert_eq!(whole[1], (2, "syslog".into(), "a\nb\nc".into(), false));
        assert_eq!(whole[2], (3, "close".into(), "".into(), false));
        assert_eq!(whole[3].0, 2, "leading zeros");
        for cut in 0..SESSION.len() {
            let (a, b) = SESSION.split_at(cut);
            let got = summary(&decode_in(&[a, b], 128 << 10, Oversize::Abort).unwrap());
            assert_eq!(got, whole, "cut at {cut}");
        }
        let bytes: Vec<&[u8]> = SESSION.chunks(1).collect();
        assert_eq!(
            summary(&decode_in(&bytes, 128 << 10, Oversize::Abort).unwrap()),
            whole
        );
    }

    #[test]
    fn librelps_framing_errors() {
        for bad in [
            &b"3 close 0 \n"[..],
            b"3 close\n",
            b"1234567890 syslog 1 x\n",
            b"1 syslog 1234567890 x\n",
            b"1 syslog 1 x\r\n",
            b"1 syslog 2 xyz\n",
            b" 1 syslog 1 x\n",
            b"1 sys-log 1 x\n",
            b"1  syslog 1 x\n",
            b"1 abcdefghijklmnopqrstuvwxyzabcdefg 0\n",
        ] {
            assert!(
                decode_in(&[bad], 100, Oversize::Abort).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(decode_in(&[b"999999999 syslog 0\n"], 100, Oversize::Abort).is_ok());
    }

    #[test]
    fn oversize_modes() {
        let f = b"1 syslog 10 0123456789\n2 syslog 1 x\n";
        assert_eq!(
            decode_in(&[f], 4, Oversize::Abort),
            Err(FrameError::TooLarge(10))
        );
        let t = summary(&decode_in(&[f], 4, Oversize::Truncate).unwrap());
        assert_eq!(t[0], (1, "syslog".into(), "0123".into(), true));
        assert_eq!(t[1], (2, "syslog".into(), "x".into(), false));
        let (a, b) = f.split_at(14);
        assert_eq!(
            summary(&decode_in(&[a, b], 4, Oversize::Truncate).unwrap()),
            t
        );
        let all = summary(&decode_in(&[f], 4, Oversize::Accept).unwrap());
        assert_eq!(all[0].2, "0123456789");
    }

    #[test]
    fn encode_round_trips() {
        let mut out = Vec::new();
        encode(&mut out, 7, "syslog", b"hello\nworld");
        encode(&mut out, 8, "close", b"");
        assert_eq!(&out[..], &b"7 syslog 11 hello\nworld\n8 close 0\n"[..]);
        let f = decode_in(&[&out], 100, Oversize::Abort).unwrap();
        assert_eq!(f.len(), 2);
    }

    proptest::proptest! {
        /// Any bytes in any two chunks: no panic, and the same frames (or
        /// the same error) as in one chunk.
        #[test]
        fn chunking_never_changes_the_outcome(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
            cut in 0usize..200,
        ) {
            let cut = cut.min(bytes.len());
            let (a, b) = bytes.split_at(cut);
            for mode in [Oversize::Abort, Oversize::Truncate, Oversize::Accept] {
                let one = decode_in(&[&bytes], 8, mode).map(|f| summary(&f));
                let two = decode_in(&[a, b], 8, mode).map(|f| summary(&f));
                proptest::prop_assert_eq!(one, two);
            }
        }
    }
}
