//! Any bytes as `parse_json()` / mmjsonparse input, into a variable tree:
//! parsing must not panic; what parses renders (spaced and plain) to text
//! that parses to the same rendering; merged into `$!` at a path it reads
//! back; and the disk queue's encoding of the tree decodes to the same
//! tree, while every truncation of it is refused.
#![no_main]

use corelog::msg::json::{self, Path, Style};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(v) = json::parse(data) else { return };
    for style in [Style::Spaced, Style::Plain] {
        let mut out = Vec::new();
        v.render(&mut out, style);
        if let Ok(again) = json::parse(&out) {
            let mut out2 = Vec::new();
            again.render(&mut out2, style);
            assert_eq!(out, out2);
        }
    }
    let mut root = None;
    let path = Path::parse("a!b");
    if json::set(&mut root, &path, v.clone(), false).is_ok() {
        assert_eq!(json::get(root.as_ref(), &path), Some(&v));
    }
    let mut enc = Vec::new();
    json::encode(&v, &mut enc);
    let mut input = &enc[..];
    assert_eq!(json::decode(&mut input).as_ref(), Some(&v));
    for cut in [0, enc.len() / 2, enc.len().saturating_sub(1)] {
        if cut < enc.len() {
            let mut input = &enc[..cut];
            assert_eq!(json::decode(&mut input), None);
        }
    }
});
