//! Any bytes as a RELP stream, in two chunks, under every oversizeMode:
//! the frame decoder must not panic and must frame the same (or fail the
//! same) however the stream is cut; what it frames must encode back to
//! frames that decode the same. The server session then takes them:
//! it must not panic, and its replies must be whole frames.
#![no_main]

use bytes::Bytes;
use corelog::relp::frame::{encode, Decoder, Frame, FrameError, Oversize};
use corelog::relp::server::{Server, Step};
use libfuzzer_sys::fuzz_target;

fn frames(mode: Oversize, chunks: &[&[u8]]) -> Result<Vec<Frame>, FrameError> {
    let mut d = Decoder::new(64, mode);
    let mut out = Vec::new();
    for c in chunks {
        d.decode(Bytes::copy_from_slice(c), &mut out)?;
    }
    Ok(out)
}

fuzz_target!(|data: &[u8]| {
    let [split, data @ ..] = data else { return };
    let k = usize::from(*split) % (data.len() + 1);
    for mode in [Oversize::Abort, Oversize::Truncate, Oversize::Accept] {
        let whole = frames(mode, &[data]);
        assert_eq!(whole, frames(mode, &[&data[..k], &data[k..]]));
        if let Ok(fs) = whole {
            let mut enc = Vec::new();
            for f in &fs {
                encode(
                    &mut enc,
                    f.txnr,
                    std::str::from_utf8(&f.command).unwrap(),
                    &f.data,
                );
            }
            let again = frames(Oversize::Accept, &[&enc]).expect("encoded frames decode");
            assert_eq!(again.len(), fs.len());
            let mut server = Server::new();
            let mut replies = Vec::new();
            for f in fs {
                if server.frame(f, &mut replies) == Step::End {
                    break;
                }
            }
            frames(Oversize::Accept, &[&replies]).expect("replies are whole frames");
        }
    }
});
