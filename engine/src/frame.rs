//! Stream framing for syslog over TCP (RFC 6587,
//! <https://www.rfc-editor.org/rfc/rfc6587>), decided per frame as rsyslog's
//! imtcp does: a frame that starts with a digit is octet-counted
//! (`LEN SP MSG`), anything else is terminated by LF.
//!
//! In: the bytes a socket delivered, in chunks of any size, and finally the
//! end of the stream. Out: complete frames as [`Bytes`] that share the
//! chunk they came from (zero-copy whenever a frame lies inside one chunk;
//! only a frame split across chunks is assembled by copying).
//!
//! States: `Start` (at a frame boundary), inside a count, inside an
//! octet-counted body, inside an LF-terminated line. A count that is not
//! digits followed by SP, or that exceeds `frame_bytes_max`, makes that
//! frame LF-terminated, as rsyslog does. A line longer than
//! `frame_bytes_max` is cut there and the rest starts a new frame (rsyslog's
//! truncation at maxMessageSize). Nothing is ever dropped: at the end of
//! the stream a partial frame is delivered as it is.
//!
//! [`FramerOptions`] carries imtcp's knobs: `maxFrameSize` (largest count),
//! `maxMessageSize` (longer frames are cut; the rest becomes a further
//! frame, or is skipped with `discardTruncatedMsg`),
//! `supportOctetCountedFraming` and `addtlFrameDelimiter`.
//!
//! Guarantees: no I/O, no panic on any input, memory bounded by
//! `frame_bytes_max` plus one chunk.

use bytes::{Bytes, BytesMut};

/// rsyslog's largest count accepted in octet-counted framing (`maxFrameSize`).
pub const FRAME_BYTES_MAX_DEFAULT: usize = 200_000;

/// imtcp's framing parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FramerOptions {
    /// `maxFrameSize`: the largest octet count accepted.
    pub frame_bytes_max: usize,
    /// `maxMessageSize`: frames are cut at this length.
    pub message_bytes_max: usize,
    /// `supportOctetCountedFraming`.
    pub octet_counting: bool,
    /// `addtlFrameDelimiter`: a second byte that ends an LF frame.
    pub addtl_delimiter: Option<u8>,
    /// `discardTruncatedMsg`: skip what is beyond `message_bytes_max`.
    pub discard_truncated: bool,
}

impl FramerOptions {
    /// Cut and count at the same limit, octet counting on, LF only.
    pub fn with_limit(bytes_max: usize) -> FramerOptions {
        FramerOptions {
            frame_bytes_max: bytes_max,
            message_bytes_max: bytes_max,
            octet_counting: true,
            addtl_delimiter: None,
            discard_truncated: false,
        }
    }
}

/// An RFC 6587 stream decoder; see the module documentation.
#[derive(Debug)]
pub struct Framer {
    opts: FramerOptions,
    /// An incomplete frame carried over from earlier chunks.
    pending: BytesMut,
    /// Skipping the rest of a truncated LF frame (`discardTruncatedMsg`).
    discarding: bool,
}

impl Framer {
    pub fn new(frame_bytes_max: usize) -> Framer {
        Framer::with_options(FramerOptions::with_limit(frame_bytes_max))
    }

    pub fn with_options(opts: FramerOptions) -> Framer {
        assert!(opts.frame_bytes_max > 0 && opts.message_bytes_max > 0);
        Framer {
            opts,
            pending: BytesMut::new(),
            discarding: false,
        }
    }

    /// Bytes held back waiting for the rest of a frame.
    pub fn pending_bytes(&self) -> usize {
        self.pending.len()
    }

    /// Decodes `chunk`, appending every frame it completes to `out`.
    ///
    /// Only a frame split across chunks is copied: the bytes it needs are
    /// moved from `chunk` into the pending frame, and the rest of `chunk`
    /// is framed in place.
    pub fn decode(&mut self, mut chunk: Bytes, out: &mut Vec<Bytes>) {
        while !self.pending.is_empty() && !chunk.is_empty() {
            let take = self.completion_bytes(&chunk);
            debug_assert!(take > 0 && take <= chunk.len());
            self.pending.extend_from_slice(&chunk[..take]);
            let _ = chunk.split_to(take);
            let joined = self.pending.split().freeze();
            self.decode_in_place(joined, out);
        }
        if !chunk.is_empty() {
            self.decode_in_place(chunk, out);
        }
    }

    /// How many bytes of `chunk` the pending frame needs to be complete
    /// (or to learn its framing): at least one, at most `chunk.len()`.
    fn completion_bytes(&self, chunk: &[u8]) -> usize {
        let p = &self.pending[..];
        let want = if let Some((len, header)) = octet_count(p, self.count_max()) {
            (header + len).saturating_sub(p.len())
        } else if self.opts.octet_counting && p.len() < 11 && p.iter().all(u8::is_ascii_digit) {
            // A count whose SP has not arrived: a few bytes settle it.
            11 - p.len()
        } else {
            let limit = (self.opts.message_bytes_max + 1).saturating_sub(p.len());
            self.delimiter(chunk).map_or(limit, |d| (d + 1).min(limit))
        };
        want.clamp(1, chunk.len())
    }

    /// Frames `buf` without copying; keeps an incomplete tail as pending.
    fn decode_in_place(&mut self, buf: Bytes, out: &mut Vec<Bytes>) {
        debug_assert!(self.pending.is_empty());
        let mut pos = 0;
        while pos < buf.len() {
            if self.discarding {
                match self.delimiter(&buf[pos..]) {
                    Some(d) => {
                        pos += d + 1;
                        self.discarding = false;
                        continue;
                    }
                    None => return,
                }
            }
            match self.next_frame(&buf[pos..]) {
                Some((body, consumed)) => {
                    self.push_cut(&buf, pos + body.start..pos + body.end, out);
                    pos += consumed;
                }
                None => break,
            }
        }
        self.pending.extend_from_slice(&buf[pos..]);
    }

    /// The end of the stream: delivers a partial frame, if any.
    pub fn finish(&mut self, out: &mut Vec<Bytes>) {
        if self.pending.is_empty() {
            return;
        }
        let rest = self.pending.split().freeze();
        if self.discarding {
            return;
        }
        // A partial octet-counted frame: deliver what arrived of its body.
        let body_at = octet_count(&rest, self.count_max())
            .map(|(_, header)| header)
            .unwrap_or(0);
        self.push_cut(&rest, body_at.min(rest.len())..rest.len(), out);
    }

    /// Delivers the frame `body` of `buf` cut, as rsyslog does, into
    /// pieces of at most `maxMessageSize` (with `discardTruncatedMsg`, only
    /// the first): nothing longer ever reaches a parser. An empty body is
    /// one empty frame.
    fn push_cut(&self, buf: &Bytes, body: std::ops::Range<usize>, out: &mut Vec<Bytes>) {
        let max = self.opts.message_bytes_max;
        let mut at = body.start;
        loop {
            let end = (at + max).min(body.end);
            out.push(buf.slice(at..end));
            debug_assert!(end - at <= max);
            at = end;
            if at >= body.end || self.opts.discard_truncated {
                return;
            }
        }
    }

    /// The next complete frame in `b`: the body's range and the bytes used.
    fn next_frame(&mut self, b: &[u8]) -> Option<(std::ops::Range<usize>, usize)> {
        if let Some((len, header)) = octet_count(b, self.count_max()) {
            let end = header.checked_add(len)?;
            return (end <= b.len()).then_some((header..end, end));
        }
        if self.opts.octet_counting
            && b[0].is_ascii_digit()
            && b.len() < 11
            && b.iter().all(u8::is_ascii_digit)
        {
            // Perhaps a count whose SP has not arrived yet.
            return None;
        }
        let max = self.opts.message_bytes_max;
        match self.delimiter(b) {
            Some(nl) if nl <= max => Some((0..nl, nl + 1)),
            // Cut only once the byte after the limit is known not to be the
            // LF that would end the line exactly at the limit.
            _ if b.len() > max => {
                self.discarding = self.opts.discard_truncated;
                Some((0..max, max))
            }
            _ => None,
        }
    }

    /// The largest count taken as octet counting (0: octet counting off).
    fn count_max(&self) -> usize {
        if self.opts.octet_counting {
            self.opts.frame_bytes_max
        } else {
            0
        }
    }

    /// The first LF (or additional delimiter) in `b`.
    fn delimiter(&self, b: &[u8]) -> Option<usize> {
        match self.opts.addtl_delimiter {
            Some(d) => memchr::memchr2(b'\n', d, b),
            None => memchr::memchr(b'\n', b),
        }
    }
}

/// `LEN SP` at the start of `b`: the length and the header's size, if `b`
/// opens a valid octet-counted frame.
fn octet_count(b: &[u8], frame_bytes_max: usize) -> Option<(usize, usize)> {
    let digits = b.iter().take(10).take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || b.get(digits) != Some(&b' ') {
        return None;
    }
    let len = b[..digits]
        .iter()
        .fold(0usize, |v, d| v * 10 + usize::from(d - b'0'));
    (len > 0 && len <= frame_bytes_max).then_some((len, digits + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(chunks: &[&[u8]]) -> Vec<Vec<u8>> {
        frames_with(FramerOptions::with_limit(64), chunks)
    }

    #[test]
    fn lf_and_octet_counted_mixed() {
        assert_eq!(
            frames(&[b"<13>a\n5 <13>b<13>c\n"]),
            vec![b"<13>a".to_vec(), b"<13>b".to_vec(), b"<13>c".to_vec()]
        );
    }

    #[test]
    fn split_anywhere() {
        let stream = b"12 <13>x\ny\nzz<14>plain line\n3 abc";
        let whole = frames(&[stream]);
        for k in 0..=stream.len() {
            assert_eq!(frames(&[&stream[..k], &stream[k..]]), whole, "split at {k}");
        }
    }

    #[test]
    fn oversize_line_is_cut_not_lost() {
        let line = [b'a'; 100];
        let out = frames(&[&line]);
        assert_eq!(out.iter().map(Vec::len).sum::<usize>(), 100);
        assert_eq!(out[0].len(), 64);
    }

    #[test]
    fn an_octet_counted_frame_over_the_message_limit_is_cut_into_pieces() {
        let body: Vec<u8> = (0..1000u32).map(|i| b'a' + (i % 26) as u8).collect();
        let mut stream = b"1000 ".to_vec();
        stream.extend_from_slice(&body);
        stream.extend_from_slice(b"3 abc");
        let mut o = FramerOptions::with_limit(2000);
        o.message_bytes_max = 64;
        let out = frames_with(o, &[&stream]);
        // 1000 bytes: 15 pieces of 64 and one of 40, then the next frame.
        assert_eq!(out.len(), 17);
        assert!(out.iter().all(|f| f.len() <= 64));
        assert_eq!(out[..16].concat(), body);
        assert_eq!(out[16], b"abc");
        for k in [1, 5, 64, 500, 1004] {
            assert_eq!(
                frames_with(o, &[&stream[..k], &stream[k..]]),
                out,
                "split at {k}"
            );
        }
        o.discard_truncated = true;
        assert_eq!(
            frames_with(o, &[&stream]),
            vec![body[..64].to_vec(), b"abc".to_vec()]
        );
    }

    #[test]
    fn line_of_exactly_the_limit_split_before_its_lf() {
        // Found by the `frame` fuzz target: a 64-byte line whose LF arrives
        // in the next chunk must not become a cut frame plus an empty one.
        let mut line = vec![b'@'; 64];
        line.push(b'\n');
        line.extend_from_slice(b"next");
        let whole = frames(&[&line]);
        assert_eq!(whole, vec![vec![b'@'; 64], b"next".to_vec()]);
        assert_eq!(frames(&[&line[..64], &line[64..]]), whole);
    }

    fn frames_with(opts: FramerOptions, chunks: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut f = Framer::with_options(opts);
        let mut out = Vec::new();
        for c in chunks {
            f.decode(Bytes::copy_from_slice(c), &mut out);
        }
        f.finish(&mut out);
        out.into_iter().map(|b| b.to_vec()).collect()
    }

    #[test]
    fn addtl_delimiter_nul_ends_frames() {
        let mut o = FramerOptions::with_limit(64);
        o.addtl_delimiter = Some(0);
        assert_eq!(
            frames_with(o, &[b"<13>a\0<13>b\n<13>c\0"]),
            vec![b"<13>a".to_vec(), b"<13>b".to_vec(), b"<13>c".to_vec()]
        );
    }

    #[test]
    fn discard_truncated_skips_the_rest_of_the_line() {
        let mut o = FramerOptions::with_limit(64);
        o.message_bytes_max = 4;
        o.discard_truncated = true;
        for k in 0..12 {
            let s: &[u8] = b"abcdefgh\nxy\n";
            assert_eq!(
                frames_with(o, &[&s[..k], &s[k..]]),
                vec![b"abcd".to_vec(), b"xy".to_vec()],
                "split at {k}"
            );
        }
        o.discard_truncated = false;
        assert_eq!(
            frames_with(o, &[b"6 abcdef"]),
            vec![b"abcd".to_vec(), b"ef".to_vec()]
        );
    }

    #[test]
    fn octet_counting_off_reads_digits_as_text() {
        let mut o = FramerOptions::with_limit(64);
        o.octet_counting = false;
        assert_eq!(frames_with(o, &[b"5 abcde\n"]), vec![b"5 abcde".to_vec()]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// However a stream is cut into reads, it frames the same.
        #[test]
        fn chunking_does_not_change_framing(
            data in proptest::collection::vec(proptest::sample::select(b"0129 \n\0ab<>".to_vec()), 0..200),
            cuts in proptest::collection::vec(0usize..200, 0..4),
            max in 1usize..40,
            frame_max in 1usize..40,
            octet in proptest::bool::ANY,
            nul in proptest::bool::ANY,
            discard in proptest::bool::ANY,
        ) {
            let o = FramerOptions {
                frame_bytes_max: frame_max,
                message_bytes_max: max,
                octet_counting: octet,
                addtl_delimiter: nul.then_some(0),
                discard_truncated: discard,
            };
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(data.len())).collect();
            cuts.sort_unstable();
            let mut chunks = Vec::new();
            let mut at = 0;
            for c in cuts {
                chunks.push(&data[at..c]);
                at = c;
            }
            chunks.push(&data[at..]);
            proptest::prop_assert_eq!(frames_with(o, &chunks), frames_with(o, &[&data]));
        }
    }

    #[test]
    fn bad_count_falls_back_to_lf() {
        assert_eq!(
            frames(&[b"99999999999 x\n"]),
            vec![b"99999999999 x".to_vec()]
        );
        assert_eq!(frames(&[b"12x\n"]), vec![b"12x".to_vec()]);
    }
}
