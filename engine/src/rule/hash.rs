//! fmhash's functions, `hash32`, `hash64`, `hash32mod` and `hash64mod`, as
//! rsyslog 8.2302's `contrib/fmhash` computes them in Debian's build
//! (without libxxhash): FNV-1 over 32 bits for `hash32`, Bernstein's
//! `33 * h ^ c` over 64 bits for `hash64`.
//!
//! In: the text (cut at its first NUL byte, as rsyslog's C string is), an
//! optional seed and, for the `mod` forms, a modulus, all as the rule
//! engine converts them. Out: the number rsyslog returns, bit for bit —
//! `hash64`'s 64 bits read as a signed number, as rsyslog stores them.
//! Pure functions: no state, no allocation.

/// rsyslog's `fnv_32`: FNV-1 (multiply, then xor) starting from the seed,
/// not from FNV's offset basis.
pub fn fnv_32(text: &[u8], seed: u32) -> u32 {
    const FNV_32_PRIME: u32 = 16_777_619;
    text.iter()
        .fold(seed, |h, &c| h.wrapping_mul(FNV_32_PRIME) ^ u32::from(c))
}

/// rsyslog's `djb_hash`: from 5381, `h = 33 * h ^ c` with `c` a C `char`
/// (signed on x86: bytes from 0x80 are sign-extended), then the seed added.
pub fn djb(text: &[u8], seed: u32) -> u64 {
    let h = text.iter().fold(5381u64, |h, &c| {
        h.wrapping_mul(33) ^ (c as i8 as i64 as u64)
    });
    h.wrapping_add(u64::from(seed))
}

/// Which of fmhash's hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashKind {
    Hash32,
    Hash64,
}

/// The text as rsyslog's C string sees it: up to its first NUL.
fn c_string(text: &[u8]) -> &[u8] {
    memchr::memchr(0, text).map_or(text, |end| &text[..end])
}

/// `hashXX(text[, seed])`; `seed` is `None` when not given, and `Some(None)`
/// when it is not a number (rsyslog then answers 0).
pub fn hash(kind: HashKind, text: &[u8], seed: Option<Option<i64>>) -> i64 {
    let seed = match seed {
        None => 0,
        // rsyslog converts the number to its 32-bit seed_t.
        Some(Some(n)) => n as u32,
        Some(None) => return 0,
    };
    let text = c_string(text);
    match kind {
        HashKind::Hash32 => i64::from(fnv_32(text, seed)),
        HashKind::Hash64 => djb(text, seed) as i64,
    }
}

/// `hashXXmod(text, modulus[, seed])`: the hash modulo `modulus`, both
/// unsigned 64-bit as in rsyslog; 0 when the modulus is 0 or not a number.
pub fn hash_mod(
    kind: HashKind,
    text: &[u8],
    modulus: Option<i64>,
    seed: Option<Option<i64>>,
) -> i64 {
    match modulus {
        Some(m) if m != 0 => (hash(kind, text, seed) as u64 % m as u64) as i64,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hashes_are_rsyslogs() {
        // Worked by hand from fmhash.c: fnv_32("a", 0) = 0 * p ^ 'a'.
        assert_eq!(fnv_32(b"a", 0), 97);
        assert_eq!(fnv_32(b"ab", 0), 97u32.wrapping_mul(16_777_619) ^ 98);
        assert_eq!(djb(b"", 0), 5381);
        assert_eq!(djb(b"a", 0), (5381 * 33) ^ 97);
        assert_eq!(djb(b"a", 7), ((5381 * 33) ^ 97) + 7);
        // A byte from 0x80 is a negative char, sign-extended.
        assert_eq!(djb(b"\xff", 0), (5381u64 * 33) ^ u64::MAX);
    }

    #[test]
    fn the_functions_are_known_once_fmhash_is_loaded() {
        let load = |text: &str| crate::config::load_str("t.conf", text);
        let e = load("set $.h = hash64($msg);\n*.* /dev/null\n").expect_err("not loaded");
        let first = &e.errors[0];
        assert_eq!((first.pos.line, first.pos.col), (1, 11), "{e}");
        assert!(first.message.contains("module(load=\"fmhash\")"), "{e}");
        load("module(load=\"fmhash\")\nset $.h = hash64mod($msg, 2, 9);\n*.* /dev/null\n")
            .expect("loaded");
        let e = load("module(load=\"fmhash\")\nset $.h = hash32mod($msg);\n*.* /dev/null\n")
            .expect_err("one argument");
        assert!(
            e.errors[0].message.contains("takes 2 to 3 arguments"),
            "{e}"
        );
    }

    #[test]
    fn seeds_moduli_and_nul_bytes_as_rsyslog_reads_them() {
        assert_eq!(hash(HashKind::Hash32, b"a\0b", None), 97);
        assert_eq!(hash(HashKind::Hash32, b"x", Some(None)), 0);
        // A seed is cut to 32 bits.
        assert_eq!(
            hash(HashKind::Hash64, b"a", Some(Some((1 << 32) + 7))),
            hash(HashKind::Hash64, b"a", Some(Some(7)))
        );
        assert_eq!(hash_mod(HashKind::Hash32, b"a", Some(10), None), 7);
        assert_eq!(hash_mod(HashKind::Hash32, b"a", Some(0), None), 0);
        assert_eq!(hash_mod(HashKind::Hash32, b"a", None, None), 0);
        // A negative modulus is a huge unsigned one.
        assert_eq!(hash_mod(HashKind::Hash32, b"a", Some(-1), None), 97);
        let h = hash(HashKind::Hash64, b"\xff\xfe", None) as u64;
        assert_eq!(
            hash_mod(HashKind::Hash64, b"\xff\xfe", Some(1000), None),
            (h % 1000) as i64
        );
    }
}
