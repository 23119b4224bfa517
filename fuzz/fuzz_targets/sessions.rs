//! Any sequence of connections opening, reading, waiting on a full queue
//! and closing, against any session limits: the session table must not
//! panic, never hold more than `maxSessions` or a source more than
//! `maxSessionsPerSource`, make room only by closing a session that is
//! idle (never one waiting on its queue), and shut down exactly the
//! session it closed.
#![no_main]

use std::io::Read;
use std::net::IpAddr;
use std::os::unix::io::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::Duration;

use corelog::input::sessions::{Admitted, Refusal, SessionLimits, Sessions, Ticket};
use libfuzzer_sys::fuzz_target;

/// A live session of the model: its ticket, its end of the connection,
/// the peer's end, its source, and whether it waits on its queue.
struct Live {
    ticket: Ticket,
    end: UnixStream,
    _peer: UnixStream,
    source: IpAddr,
    busy: bool,
}

/// Whether the session's end was shut down (reads the end of the stream).
fn shut(s: &mut UnixStream) -> bool {
    s.set_nonblocking(true).unwrap();
    matches!(s.read(&mut [0u8; 1]), Ok(0))
}

fuzz_target!(|data: &[u8]| {
    let [max, per_source, evict, ops @ ..] = data else {
        return;
    };
    let limits = SessionLimits {
        max: usize::from(max % 6),
        per_source: usize::from(per_source % 4),
        // Any idle session may be closed, or none.
        evict_idle: (evict & 1 == 0).then_some(Duration::ZERO),
    };
    let table = Arc::new(Sessions::new(limits));
    let mut live: Vec<Live> = Vec::new();
    for op in ops.chunks(2) {
        let (what, arg) = (op[0] % 4, usize::from(*op.get(1).unwrap_or(&0)));
        match what {
            // A connection from source `arg % 3`.
            0 => {
                let source: IpAddr = format!("10.0.0.{}", arg % 3).parse().unwrap();
                let (end, peer) = UnixStream::pair().unwrap();
                let before = live.len();
                let from_source = live.iter().filter(|l| l.source == source).count();
                match table.admit(Some(end.as_raw_fd()), Some(source)) {
                    Ok((ticket, how)) => {
                        if how == Admitted::Evicted {
                            // Exactly one live session was shut down, and
                            // it was not waiting on its queue.
                            let closed: Vec<usize> = (0..live.len())
                                .filter(|&i| shut(&mut live[i].end))
                                .collect();
                            assert_eq!(closed.len(), 1, "one session closed to make room");
                            let victim = live.remove(closed[0]);
                            assert!(!victim.busy, "a session waiting on its queue was closed");
                            drop(victim.ticket);
                        } else {
                            assert!(limits.max == 0 || before < limits.max);
                        }
                        live.push(Live {
                            ticket,
                            end,
                            _peer: peer,
                            source,
                            busy: false,
                        });
                    }
                    Err(Refusal::PerSource) => {
                        assert!(limits.per_source > 0 && from_source >= limits.per_source)
                    }
                    Err(Refusal::Full) => {
                        assert!(limits.max > 0 && before >= limits.max);
                        assert!(
                            limits.evict_idle.is_none() || live.iter().all(|l| l.busy),
                            "refused while an idle session could have been closed"
                        );
                    }
                }
            }
            // A read: the session is active; or it waits on its queue.
            1 | 2 if !live.is_empty() => {
                let n = live.len();
                let l = &mut live[arg % n];
                l.busy = what == 2;
                match l.busy {
                    true => l.ticket.busy(),
                    false => l.ticket.touch(),
                }
            }
            // The session ends: its ticket goes before its descriptor.
            3 if !live.is_empty() => {
                let l = live.remove(arg % live.len());
                drop(l.ticket);
                drop(l.end);
            }
            _ => {}
        }
        assert_eq!(table.live(), live.len(), "the table and the sessions agree");
        if limits.max > 0 {
            assert!(live.len() <= limits.max);
        }
        if limits.per_source > 0 {
            for l in &live {
                let n = live.iter().filter(|o| o.source == l.source).count();
                assert!(n <= limits.per_source);
            }
        }
    }
});
