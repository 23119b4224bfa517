//! imfile's framing: the bytes of a followed file in, its messages out,
//! as rsyslog 8.2302's imfile cuts them (`runtime/stream.c`
//! `strmReadLine` and `strmReadMultiLine`). No I/O, no clock.
//!
//! In: the file's bytes in order, in pieces of any size ([`Framer::feed`]),
//! each piece starting at the offset the last one ended at. Out: each
//! message's text and the offset of its first byte, in order; and
//! [`Framer::resume_at`], the offset a reader restarted after a crash
//! must read from to cut the same messages again: the start of the first
//! message not yet complete (what a state file keeps).
//!
//! How messages end (`readMode` and the regexes, one at a time):
//! - `Line` (readMode 0): at each LF;
//! - `Paragraph` (readMode 1): at an empty line; the lines between are
//!   one message;
//! - `Indented` (readMode 2): lines that begin with a space or a tab
//!   belong to the message before them; any other line (an empty one
//!   too) begins the next;
//! - `Start(re)` (`startmsg.regex`): a line that matches begins a
//!   message, and the one before it is then complete;
//! - `End(re)` (`endmsg.regex`): a line that matches ends one.
//!
//! An LF inside a message becomes `escapeLF.replacement` (rsyslog's
//! defaults: `#012` for readModes 1 and 2, `\n` for the regexes), or
//! stays where escapeLF is off. Empty messages are not made.
//!
//! Bounds: a message is never longer than `max` (maxMessageSize, or
//! trimLineOverBytes where that is less). What passes `max` is cut there
//! and said ([`Framed::truncated`]); the rest becomes the next message,
//! or is dropped up to the message's end (discardTruncatedMsg, and always
//! for trimLineOverBytes). The framer holds at most one line and one
//! message of `max` bytes each, whatever it is fed.
//!
//! Better than rsyslog: a trimmed line gets no LF added at its end
//! (rsyslog 8.2302 appends one, which writes an empty line after it); a
//! line of readMode 0 longer than maxMessageSize is cut rather than held
//! whole in memory.

use regex::bytes::Regex;

/// Where a message ends.
#[derive(Debug, Clone)]
pub enum ReadMode {
    Line,
    Paragraph,
    Indented,
    Start(Regex),
    End(Regex),
}

impl ReadMode {
    /// Whether a message may span lines (readTimeout applies).
    pub fn multi_line(&self) -> bool {
        !matches!(self, ReadMode::Line)
    }
}

/// How a file is cut into messages.
#[derive(Debug, Clone)]
pub struct Framing {
    pub mode: ReadMode,
    /// What an LF inside a message becomes; `None`: it stays an LF.
    pub escape_lf: Option<Vec<u8>>,
    /// The longest message (maxMessageSize, or trimLineOverBytes).
    pub max: usize,
    /// A message cut at `max`: its rest is dropped rather than made the
    /// next message.
    pub discard_truncated: bool,
}

/// One message cut from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framed {
    pub text: Vec<u8>,
    /// The file offset of its first byte.
    pub start: u64,
    /// It reached `max` and was cut there.
    pub truncated: bool,
}

/// The framing state of one file. See the module documentation.
#[derive(Debug)]
pub struct Framer {
    framing: Framing,
    /// The offset just past the bytes fed so far.
    pos: u64,
    /// The line being read (without its LF), at most `max` bytes.
    line: Vec<u8>,
    /// Where `line` starts in the file.
    line_start: u64,
    /// The rest of the line is being dropped (it passed `max`).
    skipping_line: bool,
    /// The message being assembled from lines (multi-line modes).
    msg: Option<Vec<u8>>,
    /// Where `msg` starts in the file.
    msg_start: u64,
    /// Lines are dropped until the message that passed `max` ends.
    ignoring: bool,
}

impl Framer {
    /// A framer for a file read from `offset` (where a line begins).
    pub fn new(framing: Framing, offset: u64) -> Framer {
        let framing = Framing {
            max: framing.max.max(1),
            ..framing
        };
        Framer {
            framing,
            pos: offset,
            line: Vec::new(),
            line_start: offset,
            skipping_line: false,
            msg: None,
            msg_start: offset,
            ignoring: false,
        }
    }

    /// The offset just past what was fed.
    pub fn pos(&self) -> u64 {
        self.pos
    }

    /// Where a reader must start again to cut the same messages: the
    /// first byte of the first message not yet complete.
    pub fn resume_at(&self) -> u64 {
        let at = match &self.msg {
            Some(_) => self.msg_start.min(self.line_start),
            None => self.line_start,
        };
        debug_assert!(at <= self.pos);
        at
    }

    /// Whether a message is being assembled (one readTimeout completes).
    pub fn has_pending(&self) -> bool {
        self.msg.as_ref().is_some_and(|m| !m.is_empty())
    }

    /// Cuts what `bytes` completes; `bytes` start at [`Framer::pos`].
    pub fn feed(&mut self, mut bytes: &[u8], out: &mut Vec<Framed>) {
        let max = self.framing.max;
        while !bytes.is_empty() {
            let nl = memchr::memchr(b'\n', bytes);
            let end = nl.unwrap_or(bytes.len());
            let piece = &bytes[..end];
            if !self.skipping_line {
                let room = max - self.line.len();
                if piece.len() > room {
                    // The line passes max: cut it there.
                    self.line.extend_from_slice(&piece[..room]);
                    let cut_at = self.pos + room as u64;
                    self.line_passed_max(cut_at, out);
                    if !self.skipping_line {
                        // Its rest is a line of its own, from the cut.
                        self.pos = cut_at;
                        bytes = &bytes[room..];
                        continue;
                    }
                } else {
                    self.line.extend_from_slice(piece);
                }
            }
            debug_assert!(self.line.len() <= max);
            match nl {
                Some(i) => {
                    self.pos += i as u64 + 1;
                    bytes = &bytes[i + 1..];
                    if self.skipping_line {
                        self.skipping_line = false;
                        // Whether a line too long to hold matched the
                        // end regex cannot be told: it is taken as the
                        // end, so the next message is not dropped with it.
                        if matches!(self.framing.mode, ReadMode::End(_)) {
                            self.ignoring = false;
                        }
                    } else {
                        let line = std::mem::take(&mut self.line);
                        self.complete_line(&line, out);
                        self.line = line;
                        self.line.clear();
                    }
                    self.line_start = self.pos;
                }
                None => {
                    self.pos += bytes.len() as u64;
                    bytes = &[];
                }
            }
        }
    }

    /// The end of a file that is left (rotated away, or truncated): its
    /// last line, without an LF, is complete, and so is the message being
    /// assembled.
    pub fn finish(&mut self, out: &mut Vec<Framed>) {
        if !self.skipping_line && !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            self.complete_line(&line, out);
        }
        self.skipping_line = false;
        self.line.clear();
        self.line_start = self.pos;
        self.time_out(out);
        debug_assert_eq!(self.resume_at(), self.pos);
    }

    /// readTimeout: the message being assembled is complete as it is.
    pub fn time_out(&mut self, out: &mut Vec<Framed>) {
        if let Some(m) = self.msg.take() {
            self.emit(m, self.msg_start, false, out);
        }
    }

    /// The line in `self.line` reached `max` at file offset `cut_at`.
    fn line_passed_max(&mut self, cut_at: u64, out: &mut Vec<Framed>) {
        let line = std::mem::take(&mut self.line);
        let start = self.line_start;
        match self.framing.mode {
            ReadMode::Line => {
                self.emit(line, start, true, out);
                self.skipping_line = self.framing.discard_truncated;
                self.line_start = cut_at;
            }
            _ => {
                // One line fills a message: it completes whatever was
                // assembled before it, and is itself cut.
                if !self.ignoring {
                    if let Some(m) = self.msg.take() {
                        self.emit(m, self.msg_start, false, out);
                    }
                    self.emit(line, start, true, out);
                }
                self.skipping_line = self.framing.discard_truncated;
                self.ignoring = self.framing.discard_truncated;
                self.line_start = cut_at;
            }
        }
    }

    /// A whole line (without its LF).
    fn complete_line(&mut self, line: &[u8], out: &mut Vec<Framed>) {
        let start = self.line_start;
        match &self.framing.mode {
            ReadMode::Line => self.emit(line.to_vec(), start, false, out),
            ReadMode::Paragraph => {
                if line.is_empty() {
                    self.ignoring = false;
                    if let Some(m) = self.msg.take() {
                        self.emit(m, self.msg_start, false, out);
                    }
                } else {
                    self.append(line, start, out);
                }
            }
            ReadMode::Indented => {
                let continues = matches!(line.first(), Some(b' ' | b'\t'));
                if !continues {
                    self.ignoring = false;
                    if let Some(m) = self.msg.take() {
                        self.emit(m, self.msg_start, false, out);
                    }
                }
                if !line.is_empty() {
                    self.append(line, start, out);
                }
            }
            ReadMode::Start(re) => {
                if re.is_match(line) {
                    self.ignoring = false;
                    if let Some(m) = self.msg.take() {
                        self.emit(m, self.msg_start, false, out);
                    }
                }
                self.append(line, start, out);
            }
            ReadMode::End(re) => {
                let ends = re.is_match(line);
                self.append(line, start, out);
                if ends {
                    self.ignoring = false;
                    if let Some(m) = self.msg.take() {
                        self.emit(m, self.msg_start, false, out);
                    }
                }
            }
        }
    }

    /// Adds a line to the message being assembled (starting one), cutting
    /// the message where it would pass `max`.
    fn append(&mut self, line: &[u8], start: u64, out: &mut Vec<Framed>) {
        if self.ignoring {
            return;
        }
        let max = self.framing.max;
        let Some(m) = self.msg.as_mut() else {
            self.msg = Some(line.to_vec());
            self.msg_start = start;
            return;
        };
        match &self.framing.escape_lf {
            Some(e) => m.extend_from_slice(e),
            None => m.push(b'\n'),
        }
        if m.len() + line.len() <= max {
            m.extend_from_slice(line);
            return;
        }
        // Full: what fits ends this message; the rest of the line is the
        // next one, or dropped with the rest of the message.
        let fits = max.saturating_sub(m.len()).min(line.len());
        m.extend_from_slice(&line[..fits]);
        m.truncate(max);
        let m = self.msg.take().unwrap_or_default();
        self.emit(m, self.msg_start, true, out);
        if self.framing.discard_truncated {
            self.ignoring = true;
        } else if fits < line.len() {
            self.msg = Some(line[fits..].to_vec());
            self.msg_start = start + fits as u64;
        }
    }

    fn emit(&self, text: Vec<u8>, start: u64, truncated: bool, out: &mut Vec<Framed>) {
        debug_assert!(text.len() <= self.framing.max);
        if !text.is_empty() {
            out.push(Framed {
                text,
                start,
                truncated,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framing(mode: ReadMode, escape: Option<&str>, max: usize, discard: bool) -> Framing {
        Framing {
            mode,
            escape_lf: escape.map(|e| e.as_bytes().to_vec()),
            max,
            discard_truncated: discard,
        }
    }

    /// Feeds `input` one byte at a time and all at once: both must cut
    /// the same messages.
    fn cut(f: Framing, input: &str) -> (Vec<String>, u64) {
        let mut whole = Framer::new(f.clone(), 0);
        let mut a = Vec::new();
        whole.feed(input.as_bytes(), &mut a);
        let mut bytewise = Framer::new(f, 0);
        let mut b = Vec::new();
        for c in input.as_bytes() {
            bytewise.feed(std::slice::from_ref(c), &mut b);
        }
        assert_eq!(a, b, "cut differently when fed byte by byte");
        assert_eq!(whole.resume_at(), bytewise.resume_at());
        let texts = a
            .iter()
            .map(|m| String::from_utf8_lossy(&m.text).into_owned())
            .collect();
        (texts, whole.resume_at())
    }

    #[test]
    fn lines_and_the_partial_last_one() {
        let f = framing(ReadMode::Line, None, 100, false);
        let (m, at) = cut(f, "a\n\nbc\nde");
        assert_eq!(m, ["a", "bc"]);
        assert_eq!(at, 6, "the partial line is read again after a restart");
    }

    #[test]
    fn a_long_line_is_cut_and_its_rest_kept_or_dropped() {
        let (m, _) = cut(framing(ReadMode::Line, None, 4, false), "abcdefghij\nxy\n");
        assert_eq!(m, ["abcd", "efgh", "ij", "xy"]);
        let (m, _) = cut(framing(ReadMode::Line, None, 4, true), "abcdefghij\nxy\n");
        assert_eq!(m, ["abcd", "xy"]);
    }

    #[test]
    fn paragraphs_as_rsyslog_readmode_1() {
        let f = framing(ReadMode::Paragraph, Some("#012"), 100, false);
        let (m, at) = cut(f, "\na\nb\n\nc\n\n\nd\ne\n");
        assert_eq!(m, ["a#012b", "c"]);
        assert_eq!(at, 10, "the unfinished paragraph starts at d");
        let f = framing(ReadMode::Paragraph, None, 100, false);
        let (m, _) = cut(f, "a\nb\n\n");
        assert_eq!(m, ["a\nb"]);
    }

    #[test]
    fn indented_lines_as_rsyslog_readmode_2() {
        let f = framing(ReadMode::Indented, Some("#012"), 100, false);
        let (m, at) = cut(f, "a\n b\n\tc\nd\n\ne\n x\n");
        assert_eq!(m, ["a#012 b#012\tc", "d"]);
        assert_eq!(at, 11, "the message begun by 'e' is not complete yet");
    }

    #[test]
    fn start_and_end_regexes() {
        let re = Regex::new("^[0-9]").unwrap();
        let f = framing(ReadMode::Start(re), Some("\\n"), 100, false);
        let (m, at) = cut(f, "x\n1 a\n  b\n2 c\n3");
        assert_eq!(m, ["x", "1 a\\n  b"]);
        assert_eq!(at, 10, "the message begun by '2 c' is not complete yet");
        let re = Regex::new(";$").unwrap();
        let f = framing(ReadMode::End(re), None, 100, false);
        let (m, _) = cut(f, "a\nb;\nc;\nd\n");
        assert_eq!(m, ["a\nb;", "c;"]);
    }

    #[test]
    fn a_multi_line_message_is_cut_at_max() {
        let re = Regex::new("^S").unwrap();
        let f = framing(ReadMode::Start(re.clone()), Some("|"), 6, false);
        let (m, _) = cut(f, "S1\nabcd\nS2\n");
        assert_eq!(m, ["S1|abc", "d"]);
        let f = framing(ReadMode::Start(re), Some("|"), 6, true);
        let (m, _) = cut(f, "S1\nabcd\nmore\nS2\nS3\n");
        assert_eq!(m, ["S1|abc", "S2"]);
    }

    #[test]
    fn a_timeout_completes_the_pending_message() {
        let f = framing(ReadMode::Paragraph, Some("#012"), 100, false);
        let mut fr = Framer::new(f, 0);
        let mut out = Vec::new();
        fr.feed(b"a\nb\n", &mut out);
        assert!(out.is_empty() && fr.has_pending());
        fr.time_out(&mut out);
        assert_eq!(out[0].text, b"a#012b");
        assert_eq!(fr.resume_at(), 4);
    }

    #[test]
    fn an_oversized_end_line_ends_its_message() {
        let re = Regex::new("END$").unwrap();
        let f = framing(ReadMode::End(re), None, 20, true);
        let long = format!("a\n{} END\nnext1\nnext2 END\n", "b".repeat(25));
        let (m, _) = cut(f, &long);
        assert_eq!(
            m,
            ["a".to_string(), "b".repeat(20), "next1\nnext2 END".into()]
        );
    }

    #[test]
    fn a_left_file_ends_its_last_line_and_message() {
        let f = framing(ReadMode::Indented, Some("#012"), 100, false);
        let mut fr = Framer::new(f, 0);
        let mut out = Vec::new();
        fr.feed(b"a\n b\nlast", &mut out);
        assert!(out.is_empty());
        fr.finish(&mut out);
        let texts: Vec<_> = out.iter().map(|m| m.text.clone()).collect();
        assert_eq!(texts, [b"a#012 b".to_vec(), b"last".to_vec()]);
        assert_eq!(fr.resume_at(), 9);
    }

    #[test]
    fn offsets_are_where_messages_start() {
        let f = framing(ReadMode::Line, None, 100, false);
        let mut fr = Framer::new(f, 1000);
        let mut out = Vec::new();
        fr.feed(b"ab\ncd\n", &mut out);
        assert_eq!(
            out.iter().map(|m| m.start).collect::<Vec<_>>(),
            [1000, 1003]
        );
        assert_eq!(fr.resume_at(), 1006);
    }
}
