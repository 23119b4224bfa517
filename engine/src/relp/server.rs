//! The server side of a RELP session (imrelp's), as a pure state machine.
//!
//! In: the session's frames, in order. Out: for each, the bytes of its
//! reply appended to a buffer, and what the session is to do — enqueue a
//! message, nothing, or end. The caller writes the replies only once the
//! messages before them are enqueued (safe), so a reply is never sent for
//! a message the queue did not take, and replies keep the command order.
//!
//! Rules (../shared/design/RSYSLOG_SEMANTICS.md A.2–A.5, A.8):
//! - txnrs start at 1 and each is the previous + 1 (999 999 999 wraps to
//!   1); any other, 0 included, ends the session silently (`serverclose`
//!   only).
//! - `open` (offers) opens it: `200 OK` and our offers, or the `500` text
//!   and the end. A second `open` gets `500 protocol error: connection
//!   already open`, as librelp answers.
//! - `syslog` before `open`: `500 command disabled`, the session stays.
//! - `close`: `200 OK` (the form every librelp client parses; librelp's
//!   own server sends an empty rsp), then `serverclose` and the end.
//! - anything else: the end, with `serverclose`.
//!
//! Guarantees: never panics; every reply is a whole frame.

use std::sync::OnceLock;

use bytes::Bytes;

use super::frame::{encode, Frame, NUMBER_MAX};
use super::offers;

/// What the session does after a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Enqueue this message; its `200 OK` is in the replies.
    Message(Bytes),
    /// Nothing to enqueue; go on.
    Go,
    /// End the session: send the replies so far, then `serverclose`.
    End,
}

/// Why a session ended, for the counters and the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    Closed,
    BadTxnr,
    Refused,
    UnknownCommand,
}

/// One session's protocol state.
#[derive(Debug)]
pub struct Server {
    open: bool,
    expect: u32,
    pub ended: Option<EndReason>,
}

impl Default for Server {
    fn default() -> Self {
        Server::new()
    }
}

/// `serverclose`, the hint a server sends before it closes.
pub const SERVERCLOSE: &[u8] = b"0 serverclose 0\n";

fn open_reply() -> &'static [u8] {
    static OK: OnceLock<Vec<u8>> = OnceLock::new();
    OK.get_or_init(|| format!("200 OK\n{}", offers::ours()).into_bytes())
}

impl Server {
    pub fn new() -> Server {
        Server {
            open: false,
            expect: 1,
            ended: None,
        }
    }

    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Handles `f`, appending its reply (if any) to `replies`.
    pub fn frame(&mut self, f: Frame, replies: &mut Vec<u8>) -> Step {
        if self.ended.is_some() {
            return Step::End;
        }
        if f.txnr != self.expect {
            return self.end(EndReason::BadTxnr);
        }
        self.expect = if self.expect >= NUMBER_MAX {
            1
        } else {
            self.expect + 1
        };
        match &f.command[..] {
            b"syslog" if self.open => {
                encode(replies, f.txnr, "rsp", b"200 OK");
                Step::Message(f.data)
            }
            b"syslog" => {
                encode(replies, f.txnr, "rsp", b"500 command disabled");
                Step::Go
            }
            b"open" if self.open => {
                encode(
                    replies,
                    f.txnr,
                    "rsp",
                    b"500 protocol error: connection already open",
                );
                Step::Go
            }
            b"open" => {
                let checked = offers::parse(&f.data)
                    .map_err(|_| "500 error 10025 on connect")
                    .and_then(|o| offers::check_client(&o));
                match checked {
                    Ok(()) => {
                        self.open = true;
                        encode(replies, f.txnr, "rsp", open_reply());
                        Step::Go
                    }
                    Err(text) => {
                        encode(replies, f.txnr, "rsp", text.as_bytes());
                        self.end(EndReason::Refused)
                    }
                }
            }
            b"close" => {
                encode(replies, f.txnr, "rsp", b"200 OK");
                self.end(EndReason::Closed)
            }
            _ => self.end(EndReason::UnknownCommand),
        }
    }

    fn end(&mut self, why: EndReason) -> Step {
        self.ended = Some(why);
        Step::End
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relp::frame::{Decoder, Oversize};

    fn run(input: &[u8]) -> (String, Vec<Bytes>, Option<EndReason>) {
        let mut d = Decoder::new(1 << 17, Oversize::Truncate);
        let mut frames = Vec::new();
        let _ = d.decode(Bytes::copy_from_slice(input), &mut frames);
        let mut s = Server::new();
        let mut out = Vec::new();
        let mut msgs = Vec::new();
        for f in frames {
            match s.frame(f, &mut out) {
                Step::Message(m) => msgs.push(m),
                Step::Go => {}
                Step::End => {
                    out.extend_from_slice(SERVERCLOSE);
                    break;
                }
            }
        }
        (String::from_utf8(out).unwrap(), msgs, s.ended)
    }

    const OPEN: &[u8] = b"1 open 86 relp_version=0\nrelp_software=librelp,1.13.0,http://librelp.adiscon.com\ncommands=syslog\n";

    #[test]
    fn librelp_exchange() {
        let mut input = OPEN.to_vec();
        input.extend_from_slice(b"2 syslog 5 hello\n3 syslog 5 world\n4 close 0\n");
        let (out, msgs, end) = run(&input);
        let offers = offers::ours();
        let open = format!("200 OK\n{offers}");
        assert_eq!(
            out,
            format!(
                "1 rsp {} {open}\n2 rsp 6 200 OK\n3 rsp 6 200 OK\n4 rsp 6 200 OK\n0 serverclose 0\n",
                open.len()
            )
        );
        assert_eq!(msgs, vec![Bytes::from("hello"), Bytes::from("world")]);
        assert_eq!(end, Some(EndReason::Closed));
    }

    #[test]
    fn a_txnr_gap_ends_silently() {
        let mut input = OPEN.to_vec();
        input.extend_from_slice(b"2 syslog 1 a\n4 syslog 1 b\n");
        let (out, msgs, end) = run(&input);
        assert!(out.ends_with("2 rsp 6 200 OK\n0 serverclose 0\n"), "{out}");
        assert_eq!(msgs.len(), 1);
        assert_eq!(end, Some(EndReason::BadTxnr));
        assert_eq!(run(b"0 syslog 1 a\n").2, Some(EndReason::BadTxnr));
    }

    #[test]
    fn syslog_before_open_is_refused_and_the_session_stays() {
        let (out, msgs, end) = run(b"1 syslog 1 a\n");
        assert_eq!(out, "1 rsp 20 500 command disabled\n");
        assert!(msgs.is_empty());
        assert_eq!(end, None);
    }

    #[test]
    fn offers_without_syslog_are_refused() {
        let (out, _, end) = run(b"1 open 14 relp_version=0\n");
        assert_eq!(
            out,
            "1 rsp 44 500 required command not supported by client\n0 serverclose 0\n"
        );
        assert_eq!(end, Some(EndReason::Refused));
    }

    #[test]
    fn a_second_open_and_unknown_commands() {
        let mut input = OPEN.to_vec();
        input.extend_from_slice(b"2 open 15 commands=syslog\n3 SYSLOG 1 a\n");
        let (out, _, end) = run(&input);
        assert!(
            out.ends_with(
                "2 rsp 43 500 protocol error: connection already open\n0 serverclose 0\n"
            ),
            "{out}"
        );
        assert_eq!(end, Some(EndReason::UnknownCommand));
    }

    #[test]
    fn txnr_wraps_to_one() {
        let mut s = Server::new();
        s.expect = NUMBER_MAX;
        let f = |txnr| Frame {
            txnr,
            command: Bytes::from("syslog"),
            data: Bytes::from("x"),
            truncated: false,
        };
        let mut out = Vec::new();
        s.open = true;
        assert!(matches!(s.frame(f(NUMBER_MAX), &mut out), Step::Message(_)));
        assert!(matches!(s.frame(f(1), &mut out), Step::Message(_)));
    }
}
