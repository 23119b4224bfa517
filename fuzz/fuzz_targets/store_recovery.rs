//! Any segment files and any checkpoint, as a crash, a damaged disk or a
//! hostile hand could leave them in a queue's spool directory: recovery
//! must not panic, must end in a typed error or an open queue, and must
//! be idempotent (opening again what the first open left recovers the
//! same records, passes over the same damaged regions, and finds no torn
//! tail left to cut).
//!
//! The input builds up to four segments from pieces that are either
//! valid records (so that recovery gets past the CRC) or raw bytes, and a
//! checkpoint that is either a valid one naming any position or raw
//! bytes.
#![no_main]

use std::path::PathBuf;

use corelog::queue::checkpoint::{Checkpoint, Position};
use corelog::queue::record::{self, kind};
use corelog::queue::store::{Store, StoreConfig};
use libfuzzer_sys::fuzz_target;

fn dir() -> PathBuf {
    std::env::temp_dir().join(format!("corelog-fuzz-store-{}", std::process::id()))
}

fn cfg(dir: &std::path::Path) -> StoreConfig {
    StoreConfig {
        dir: dir.to_path_buf(),
        name: "q".into(),
        label: "fuzzed queue".into(),
        max_file_size: 64 << 10,
        max_disk_space: 0,
        sync: false,
        checkpoint_interval: 0,
    }
}

/// Takes `n` bytes from the front of `data`.
fn take<'a>(data: &mut &'a [u8], n: usize) -> &'a [u8] {
    let (a, b) = data.split_at(n.min(data.len()));
    *data = b;
    a
}

fuzz_target!(|input: &[u8]| {
    let mut data = input;
    let d = dir();
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    data = rest;
    let mut seq = 0u64;
    for _ in 0..(head % 4) + 1 {
        let id = take(&mut data, 1).first().copied().unwrap_or(1);
        // Small numbers, and now and then one past 99,999,999.
        let number = match id {
            255 => 100_000_000 + u64::from(id),
            n => u64::from(n % 8),
        };
        let pieces = take(&mut data, 1).first().copied().unwrap_or(0) % 8;
        let mut seg = Vec::new();
        for _ in 0..pieces {
            let how = take(&mut data, 2);
            let (valid, len) = match how {
                [v, l] => (v & 1 == 0, usize::from(*l)),
                _ => break,
            };
            let bytes = take(&mut data, len);
            if valid {
                let kind = if how[0] & 2 == 0 {
                    kind::MESSAGE
                } else {
                    how[0] >> 2
                };
                let _ = record::append(&mut seg, kind, seq, |o| o.extend_from_slice(bytes));
                seq += 1;
            } else {
                seg.extend_from_slice(bytes);
            }
        }
        std::fs::write(d.join(format!("q.{number:08}")), &seg).unwrap();
    }
    let qi = d.join("q.qi");
    match take(&mut data, 1).first() {
        Some(b) if b & 1 == 0 => {
            let n = take(&mut data, 12);
            let get = |i: usize| n.get(i).copied().map_or(0, u64::from);
            let (mut ck, _) = Checkpoint::open(&qi, false).unwrap();
            let _ = ck.write(Position {
                segment: get(0) % 10,
                offset: get(1) | get(2) << 8,
                seq: get(3) | get(4) << 8,
            });
        }
        _ => std::fs::write(&qi, data).unwrap(),
    }
    let first = match Store::open(cfg(&d)) {
        Ok(s) => s.stats(),
        Err(_) => return,
    };
    let second = Store::open(cfg(&d)).expect("what an open left opens again");
    let again = second.stats();
    assert_eq!(
        (again.recovered_records, again.recovered_units),
        (first.recovered_records, first.recovered_units),
        "a second open recovers the same"
    );
    assert_eq!(
        again.torn_bytes, 0,
        "the first open repaired every torn tail"
    );
    assert_eq!(
        again.corrupt_regions, first.corrupt_regions,
        "damaged regions are passed over, the same each time"
    );
});
