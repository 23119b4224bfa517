//! Any bytes as a peer's certificate and as `permittedPeer` entries: the
//! name and validity extraction must not panic on any DER; a permitted
//! peer either parses (name or fingerprint) or is refused, and a
//! fingerprint that parses prints back to what parses the same; name
//! matching must not panic, and a pattern without wildcards matches
//! exactly the names equal to it ignoring ASCII case.
#![no_main]

use corelog::config::modules::tls::{peers, Peer};
use corelog::tls::peer::{name_matches, names, not_after, Fingerprint};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = names(data, false);
    let _ = names(data, true);
    let _ = not_after(data);
    let text = String::from_utf8_lossy(data);
    let (pattern, name) = text.split_once('\n').unwrap_or((&text, ""));
    if let Ok(list) = peers(&[pattern.to_string()]) {
        for p in list {
            match p {
                Peer::Fingerprint(f) => {
                    let again = Fingerprint::parse(&f.to_string());
                    assert!(matches!(again, Some(Ok(g)) if g == f));
                }
                Peer::Name(n) => {
                    let m = name_matches(&n, name);
                    if !n.contains('*') {
                        assert_eq!(m, n.eq_ignore_ascii_case(name));
                    }
                }
            }
        }
    }
});
