//! The framing of one record in a disk-queue segment.
//!
//! In: a payload (a serialized message)
//! and its sequence number. Out: `header ‖ payload`, where the header is
//! the fixed-layout [`RecordHeader`] {magic, version, kind, length,
//! crc32c, sequence}. Reading back, [`scan`] tells a whole record from
//! the zero padding that ends a segment, from a record cut short (a torn
//! tail) and from damage (a CRC that does not match), and
//! [`resync`] finds the next whole record after damage.
//!
//! Guarantees: decoding never panics and never trusts a length it has not
//! bounded; a record is accepted only when its CRC32C (over the header
//! and the payload) matches.

use zerocopy::little_endian::{U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// `CLQR`: corelog queue record.
pub const MAGIC: u32 = u32::from_le_bytes(*b"CLQR");
pub const VERSION: u8 = 1;
/// The largest payload a record may carry.
pub const MAX_PAYLOAD: usize = 256 << 20;

/// What a record carries.
pub mod kind {
    /// One message with all its properties and variables.
    pub const MESSAGE: u8 = 1;
    /// One rendered batch of an action queue, written by corelogd before
    /// action queues held messages; refused when a queue is opened.
    pub const RENDERED: u8 = 2;
}

/// The header before every payload.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct RecordHeader {
    /// CRC32C of everything after it: the rest of the header and the
    /// payload (one contiguous run, so one pass).
    pub crc: U32,
    pub magic: U32,
    pub version: u8,
    pub kind: u8,
    pub reserved: [u8; 2],
    pub len: U32,
    pub seq: U64,
}

pub const HEADER: usize = std::mem::size_of::<RecordHeader>();
const _: () = assert!(HEADER == 24);

/// Where the magic number lies in a record.
const MAGIC_AT: usize = 4;

/// The CRC of a record: `covered` is the record after its CRC field.
fn checksum(covered: &[u8]) -> u32 {
    crc32c::crc32c(covered)
}

/// Appends a record whose payload `fill` writes into `out`; returns the
/// payload's length. A payload over [`MAX_PAYLOAD`] is an error and
/// leaves `out` as it was.
pub fn append(
    out: &mut Vec<u8>,
    kind: u8,
    seq: u64,
    fill: impl FnOnce(&mut Vec<u8>),
) -> Result<usize, usize> {
    let start = append_unsealed(out, kind, seq, fill)?;
    seal(out, start);
    Ok(out.len() - start - HEADER)
}

/// As [`append`], with the record's CRC left zero for [`seal`] to write;
/// returns where the record starts. Sealing a batch's records back to
/// back lets the CPU overlap their CRCs (each a chain of dependent
/// instructions), which encoding between them prevents.
pub fn append_unsealed(
    out: &mut Vec<u8>,
    kind: u8,
    seq: u64,
    fill: impl FnOnce(&mut Vec<u8>),
) -> Result<usize, usize> {
    let start = out.len();
    out.resize(start + HEADER, 0);
    fill(out);
    let len = out.len() - start - HEADER;
    if len > MAX_PAYLOAD {
        out.truncate(start);
        return Err(len);
    }
    let h = RecordHeader {
        crc: U32::new(0),
        magic: U32::new(MAGIC),
        version: VERSION,
        kind,
        reserved: [0; 2],
        len: U32::new(len as u32),
        seq: U64::new(seq),
    };
    out[start..start + HEADER].copy_from_slice(h.as_bytes());
    Ok(start)
}

/// Writes the CRC of the record [`append_unsealed`] put at `start` of
/// `buf`.
pub fn seal(buf: &mut [u8], start: usize) {
    let h = RecordHeader::ref_from_prefix(&buf[start..])
        .expect("a record's header at start")
        .0;
    debug_assert_eq!(h.magic.get(), MAGIC, "an unsealed record at start");
    debug_assert_eq!(h.crc.get(), 0, "a record is sealed once");
    let end = start + HEADER + h.len.get() as usize;
    let crc = checksum(&buf[start + MAGIC_AT..end]);
    buf[start..start + MAGIC_AT].copy_from_slice(&crc.to_le_bytes());
}

/// What lies at the start of a buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Scan {
    /// A whole record: its payload is `buf[HEADER..next]`.
    Record { kind: u8, seq: u64, next: usize },
    /// Zeros: the padding after the last record of a segment.
    End,
    /// A header or payload that goes past the buffer: read more (or, at
    /// the end of the data, a torn tail).
    Incomplete { need: usize },
    /// Not a valid record.
    Bad,
}

/// Looks at the record at the start of `buf`.
pub fn scan(buf: &[u8]) -> Scan {
    scan_with(buf, true)
}

/// As [`scan`]; with `verify` false the CRC is not checked (for bytes that
/// never left memory).
pub fn scan_with(buf: &[u8], verify: bool) -> Scan {
    let Ok((h, rest)) = RecordHeader::read_from_prefix(buf) else {
        return if buf.iter().all(|&b| b == 0) {
            Scan::End
        } else {
            Scan::Incomplete { need: HEADER }
        };
    };
    if h.magic.get() != MAGIC {
        return if h.as_bytes().iter().all(|&b| b == 0) {
            Scan::End
        } else {
            Scan::Bad
        };
    }
    let len = h.len.get() as usize;
    if h.version != VERSION || len > MAX_PAYLOAD {
        return Scan::Bad;
    }
    if rest.len() < len {
        return Scan::Incomplete { need: HEADER + len };
    }
    if verify && checksum(&buf[MAGIC_AT..HEADER + len]) != h.crc.get() {
        return Scan::Bad;
    }
    Scan::Record {
        kind: h.kind,
        seq: h.seq.get(),
        next: HEADER + len,
    }
}

/// Records [`verified_run`] looks at in one call, at most.
pub const VERIFY_RUN: usize = 64;

/// The end of the run of whole records at the start of `buf` (at most
/// [`VERIFY_RUN`]) whose CRCs match: the boundaries found first, then the
/// CRCs checked back to back, which lets the CPU overlap them (as
/// [`seal`] does when writing). 0 when the first record is not whole or
/// not valid; [`scan`] then says what it is.
pub fn verified_run(buf: &[u8]) -> usize {
    let mut ends = [0usize; VERIFY_RUN];
    let mut n = 0;
    let mut at = 0;
    while n < VERIFY_RUN {
        match scan_with(&buf[at..], false) {
            Scan::Record { next, .. } => {
                at += next;
                ends[n] = at;
                n += 1;
            }
            _ => break,
        }
    }
    let mut start = 0;
    for &end in &ends[..n] {
        let crc = u32::from_le_bytes(buf[start..start + MAGIC_AT].try_into().expect("4 bytes"));
        if checksum(&buf[start + MAGIC_AT..end]) != crc {
            break;
        }
        start = end;
    }
    start
}

/// The offset of the next whole record in `buf` after damage at its
/// start, if there is one.
pub fn resync(buf: &[u8]) -> Option<usize> {
    let magic = MAGIC.to_le_bytes();
    let mut from = MAGIC_AT + 1;
    while from < buf.len() {
        let at = from + memchr::memmem::find(&buf[from..], &magic)? - MAGIC_AT;
        if matches!(scan(&buf[at..]), Scan::Record { .. }) {
            return Some(at);
        }
        from = at + MAGIC_AT + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(seq: u64, payload: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        append(&mut v, kind::MESSAGE, seq, |o| o.extend_from_slice(payload)).unwrap();
        v
    }

    #[test]
    fn round_trip_and_end() {
        let mut buf = rec(7, b"hello");
        buf.extend(rec(8, b""));
        buf.extend([0u8; 100]);
        let Scan::Record { kind, seq, next } = scan(&buf) else {
            panic!()
        };
        assert_eq!((kind, seq, &buf[HEADER..next]), (1, 7, &b"hello"[..]));
        let Scan::Record { seq, next: n2, .. } = scan(&buf[next..]) else {
            panic!()
        };
        assert_eq!(seq, 8);
        assert_eq!(scan(&buf[next + n2..]), Scan::End);
        assert_eq!(scan(&[]), Scan::End);
    }

    #[test]
    fn torn_and_damaged() {
        let buf = rec(1, b"0123456789");
        for cut in 1..buf.len() {
            assert!(
                matches!(scan(&buf[..cut]), Scan::Incomplete { .. }),
                "{cut}"
            );
        }
        for i in 0..buf.len() {
            let mut bad = buf.clone();
            bad[i] ^= 0x40;
            assert!(
                !matches!(scan(&bad), Scan::Record { .. }),
                "flip at {i} went unnoticed"
            );
        }
    }

    #[test]
    fn a_verified_run_ends_at_the_first_damage_or_partial_record() {
        let mut buf = Vec::new();
        for seq in 0..5 {
            buf.extend_from_slice(&rec(seq, format!("payload {seq}").as_bytes()));
        }
        let one = rec(0, b"payload 0").len();
        assert_eq!(verified_run(&buf), buf.len());
        // A torn last record: the run ends before it.
        assert_eq!(verified_run(&buf[..buf.len() - 3]), 4 * one);
        // Damage in the third record's payload.
        let mut bad = buf.clone();
        bad[2 * one + HEADER + 1] ^= 0x40;
        assert_eq!(verified_run(&bad), 2 * one);
        assert_eq!(verified_run(&bad[2 * one..]), 0);
        // Zeros (the end of a segment) and nothing at all.
        assert_eq!(verified_run(&[0u8; 64]), 0);
        assert_eq!(verified_run(&[]), 0);
        // Sealing later writes what appending at once would.
        let mut a = Vec::new();
        let mut b = Vec::new();
        append(&mut a, kind::MESSAGE, 7, |o| o.extend_from_slice(b"x y z")).unwrap();
        let at =
            append_unsealed(&mut b, kind::MESSAGE, 7, |o| o.extend_from_slice(b"x y z")).unwrap();
        seal(&mut b, at);
        assert_eq!(a, b);
    }

    #[test]
    fn resync_finds_the_next_record() {
        let mut buf = rec(1, b"first");
        buf[HEADER + 2] ^= 1;
        let second = buf.len();
        buf.extend(rec(2, b"second"));
        assert_eq!(scan(&buf), Scan::Bad);
        assert_eq!(resync(&buf), Some(second));
        assert_eq!(resync(&buf[..second]), None);
    }
}
