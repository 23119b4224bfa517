//! Any bytes in any chunks, with any of imtcp's framing options: the
//! framer must not panic, must frame the same however the stream is cut,
//! and must not lose or invent bytes of LF-framed input.
#![no_main]

use bytes::Bytes;
use corelog::frame::{Framer, FramerOptions};
use libfuzzer_sys::fuzz_target;

fn frames(opts: FramerOptions, chunks: &[&[u8]]) -> Vec<Bytes> {
    let mut f = Framer::with_options(opts);
    let mut out = Vec::new();
    for c in chunks {
        f.decode(Bytes::copy_from_slice(c), &mut out);
    }
    f.finish(&mut out);
    out
}

fuzz_target!(|data: &[u8]| {
    let [split, a, b, flags, data @ ..] = data else {
        return;
    };
    let opts = FramerOptions {
        frame_bytes_max: usize::from(*a % 64) + 1,
        message_bytes_max: usize::from(*b % 64) + 1,
        octet_counting: flags & 1 != 0,
        addtl_delimiter: (flags & 2 != 0).then_some(0),
        discard_truncated: flags & 4 != 0,
    };
    let k = usize::from(*split) % (data.len() + 1);
    let whole = frames(opts, &[data]);
    assert_eq!(frames(opts, &[&data[..k], &data[k..]]), whole);
    let bytewise: Vec<&[u8]> = data.chunks(1).collect();
    assert_eq!(frames(opts, &bytewise), whole);
    let lf_only = !opts.octet_counting && opts.addtl_delimiter.is_none() && !opts.discard_truncated;
    if lf_only {
        // The frames plus the LFs that ended them are exactly the input.
        let n: usize = whole.iter().map(Bytes::len).sum::<usize>()
            + data.iter().filter(|&&c| c == b'\n').count();
        assert_eq!(n, data.len());
    }
});
