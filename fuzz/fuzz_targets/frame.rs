//! Any bytes in any two chunks: the framer must not panic, must not lose or
//! invent bytes of LF-framed input, and must frame the same as unsplit.
#![no_main]

use bytes::Bytes;
use corelog::frame::Framer;
use libfuzzer_sys::fuzz_target;

fn frames(chunks: &[&[u8]]) -> Vec<Bytes> {
    let mut f = Framer::new(64);
    let mut out = Vec::new();
    for c in chunks {
        f.decode(Bytes::copy_from_slice(c), &mut out);
    }
    f.finish(&mut out);
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&split, data)) = data.split_first() else { return };
    let k = usize::from(split) % (data.len() + 1);
    let whole = frames(&[data]);
    assert_eq!(frames(&[&data[..k], &data[k..]]), whole);
    if !data.iter().any(u8::is_ascii_digit) {
        // LF framing only: the frames plus the LFs that ended them are
        // exactly the input; nothing lost, nothing invented.
        let n: usize = whole.iter().map(Bytes::len).sum::<usize>() + bytecount(data, b'\n');
        assert_eq!(n, data.len());
    }
});

fn bytecount(d: &[u8], c: u8) -> usize {
    d.iter().filter(|&&x| x == c).count()
}
