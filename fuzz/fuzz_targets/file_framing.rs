//! Any bytes as a followed file, under each of imfile's read modes, fed
//! whole and in pieces of any size: framing must not panic, must cut the
//! same messages however the bytes arrive, never make a message longer
//! than its limit or an empty one, give starts in order within what was
//! fed, and never point a restart past what was fed.
#![no_main]

use corelog::input::file::{Framed, Framer, Framing, ReadMode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [flags, max, step, data @ ..] = data else {
        return;
    };
    let mode = match flags % 5 {
        0 => ReadMode::Line,
        1 => ReadMode::Paragraph,
        2 => ReadMode::Indented,
        3 => ReadMode::Start(regex::bytes::Regex::new("^S").unwrap()),
        _ => ReadMode::End(regex::bytes::Regex::new("E$").unwrap()),
    };
    let framing = Framing {
        mode,
        escape_lf: (flags & 8 != 0).then(|| b"#012".to_vec()),
        max: usize::from(*max % 64) + 1,
        discard_truncated: flags & 16 != 0,
    };
    let max = framing.max;
    let start = u64::from(flags & 32);
    let mut whole = Framer::new(framing.clone(), start);
    let mut a: Vec<Framed> = Vec::new();
    whole.feed(data, &mut a);
    let mut pieces = Framer::new(framing.clone(), start);
    let mut b = Vec::new();
    for chunk in data.chunks(usize::from(*step).max(1)) {
        pieces.feed(chunk, &mut b);
    }
    assert_eq!(a, b, "cut differently in pieces");
    assert_eq!(whole.resume_at(), pieces.resume_at());
    let end = start + data.len() as u64;
    assert_eq!(whole.pos(), end);
    assert!(whole.resume_at() >= start && whole.resume_at() <= end);
    let mut last = start;
    for m in &a {
        assert!(!m.text.is_empty() && m.text.len() <= max);
        assert!(m.start >= last && m.start < end, "starts in order, within the bytes");
        last = m.start;
    }
    // A restart at a message's start (where a state file may point)
    // cuts the same messages from there on (not while discarding: what a
    // discarded rest was is not kept).
    if !framing.discard_truncated && !a.is_empty() {
        let k = usize::from(*step) % a.len();
        let at = a[k].start;
        let mut again = Framer::new(framing.clone(), at);
        let mut c = Vec::new();
        again.feed(&data[(at - start) as usize..], &mut c);
        assert_eq!(&a[k..], &c[..], "a restart at a message's start cut otherwise");
    }
    let rest = whole.resume_at();
    let mut tail = Framer::new(framing, rest);
    let mut d = Vec::new();
    tail.feed(&data[(rest - start) as usize..], &mut d);
    whole.time_out(&mut a);
    assert!(!whole.has_pending());
    whole.finish(&mut a);
});
