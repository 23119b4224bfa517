//! The checkpoint of a disk queue: where the next unconfirmed record is.
//!
//! In: the position (segment, offset, sequence) after the last record the
//! consumer confirmed. Out: a small file, `<queue>.qi`, from which the
//! position is read back at start.
//!
//! Atomic without a rename: the file has two slots, each a fixed-layout
//! [`Slot`] with a generation number and a CRC32C, in separate 512-byte
//! sectors. Writes alternate between them, so a write cut short (a crash
//! or power loss mid-write) damages at most the slot being written and
//! the other one still holds the previous checkpoint. Reading takes the
//! valid slot with the higher generation.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

use zerocopy::little_endian::{U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

const MAGIC: u32 = u32::from_le_bytes(*b"CLQI");
const SLOT_BYTES: u64 = 512;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Position {
    pub segment: u64,
    pub offset: u64,
    /// The sequence number of the next record.
    pub seq: u64,
}

#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
struct Slot {
    magic: U32,
    crc: U32,
    generation: U64,
    segment: U64,
    offset: U64,
    seq: U64,
}

impl Slot {
    fn crc(&self) -> u32 {
        crc32c::crc32c(&self.as_bytes()[8..])
    }
}

/// An open checkpoint file.
pub struct Checkpoint {
    file: File,
    generation: u64,
    sync: bool,
}

impl Checkpoint {
    /// Opens (or creates) the checkpoint at `path`; returns it and the
    /// position it holds, if any.
    pub fn open(path: &Path, sync: bool) -> io::Result<(Checkpoint, Option<Position>)> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        let mut best: Option<(u64, Position)> = None;
        for i in 0..2 {
            let mut b = [0u8; std::mem::size_of::<Slot>()];
            if file.read_exact_at(&mut b, i * SLOT_BYTES).is_err() {
                continue;
            }
            let Ok(s) = Slot::read_from_bytes(&b[..]) else {
                continue;
            };
            if s.magic.get() != MAGIC || s.crc.get() != s.crc() {
                continue;
            }
            if best.map_or(true, |(g, _)| s.generation.get() > g) {
                best = Some((
                    s.generation.get(),
                    Position {
                        segment: s.segment.get(),
                        offset: s.offset.get(),
                        seq: s.seq.get(),
                    },
                ));
            }
        }
        let generation = best.map_or(0, |(g, _)| g);
        Ok((
            Checkpoint {
                file,
                generation,
                sync,
            },
            best.map(|(_, p)| p),
        ))
    }

    /// Records `p` in the slot not holding the latest checkpoint.
    pub fn write(&mut self, p: Position) -> io::Result<()> {
        self.generation += 1;
        let mut s = Slot {
            magic: U32::new(MAGIC),
            crc: U32::new(0),
            generation: U64::new(self.generation),
            segment: U64::new(p.segment),
            offset: U64::new(p.offset),
            seq: U64::new(p.seq),
        };
        s.crc = U32::new(s.crc());
        self.file
            .write_all_at(s.as_bytes(), (self.generation % 2) * SLOT_BYTES)?;
        if self.sync {
            self.file.sync_data()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_valid_slot_wins() {
        let dir = std::env::temp_dir().join(format!("corelog-qi-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("q.qi");
        let _ = std::fs::remove_file(&path);
        let (mut c, p) = Checkpoint::open(&path, false).unwrap();
        assert_eq!(p, None);
        let p1 = Position {
            segment: 1,
            offset: 100,
            seq: 5,
        };
        let p2 = Position {
            segment: 2,
            offset: 0,
            seq: 9,
        };
        c.write(p1).unwrap();
        c.write(p2).unwrap();
        assert_eq!(Checkpoint::open(&path, false).unwrap().1, Some(p2));
        // Damage the newer slot (as a torn write would): the older holds.
        let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        f.write_all_at(&[0xff; 8], 0).unwrap();
        assert_eq!(Checkpoint::open(&path, false).unwrap().1, Some(p1));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
