//! An action's own queue on the real corelogd: the same engine as the main
//! and ruleset queues, so `queue.discardMark`/`discardSeverity` keep the
//! important messages while an output is down, and
//! `queue.dequeueBatchSize` sets the batches its output is handed.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use corelog::relp::frame::{encode, Decoder, Oversize};
use corelog_tests::daemon::Corelogd;
use corelog_tests::receiver::Receiver;
use corelog_tests::rsyslogd::free_port;
use corelog_tests::wait_for;

fn dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("corelog-aq-{name}-{}", std::process::id()))
}

/// Sends `n` messages of priority `pri`, text `<word> <i>`, on one
/// connection.
fn send_pri(port: u16, pri: u8, word: &str, n: usize) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connecting to corelogd");
    let mut out = String::new();
    for i in 0..n {
        out.push_str(&format!("<{pri}>Dec  4 10:00:00 host tag: {word} {i}\n"));
    }
    s.write_all(out.as_bytes()).expect("sending");
}

#[test]
fn discard_marks_keep_the_important_messages_while_the_output_is_down() {
    let target = free_port();
    let d = Corelogd::start(
        &dir("discard"),
        &format!(
            r#"
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
template(name="t" type="string" string="%msg%\n")
*.* action(type="omfwd" target="127.0.0.1" port="{target}" protocol="tcp" template="t"
           queue.type="FixedArray" queue.size="1000"
           queue.discardMark="100" queue.discardSeverity="5"
           action.resumeRetryCount="-1" action.resumeInterval="1")
"#
        ),
        &[],
    );
    // The target is down: the queue fills to its mark with info (6),
    // then discards info but keeps err (3).
    send_pri(d.port, 14, "info", 300);
    std::thread::sleep(Duration::from_millis(500));
    send_pri(d.port, 11, "err", 50);
    std::thread::sleep(Duration::from_millis(500));
    let r = Receiver::start(target);
    let count = |word: &str| r.text().lines().filter(|l| l.contains(word)).count();
    wait_for("the 50 err messages", Duration::from_secs(30), || {
        (count("err ") == 50).then_some(())
    });
    std::thread::sleep(Duration::from_millis(500));
    let err = d.stop();
    let info = count("info ");
    assert!(
        (100..300).contains(&info),
        "{info} info messages delivered:\n{err}"
    );
    assert!(
        err.contains(&format!("discarded at discardMark {}", 300 - info)),
        "{info} info messages delivered:\n{err}"
    );
    // In order: every info before every err, each kind in sequence.
    let text = r.text();
    let lines: Vec<&str> = text.lines().collect();
    let last_info = lines.iter().rposition(|l| l.contains("info "));
    let first_err = lines.iter().position(|l| l.contains("err "));
    assert!(last_info < first_err, "{text}");
}

/// A RELP server that acknowledges nothing until the client has sent
/// nothing for a while: each quiet spell ends a burst, and a burst is one
/// batch of omrelp's (which sends a batch, then waits for all its
/// acknowledgements). Returns the bursts' sizes once `total` messages
/// came.
fn relp_bursts(l: TcpListener, total: usize) -> Vec<usize> {
    let (mut s, _) = l.accept().expect("omrelp connects");
    s.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut decoder = Decoder::new(1 << 20, Oversize::Accept);
    let (mut bursts, mut pending, mut seen) = (Vec::new(), Vec::new(), 0);
    let mut buf = vec![0u8; 64 << 10];
    while seen < total || !pending.is_empty() {
        let mut out = Vec::new();
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let mut frames = Vec::new();
                decoder
                    .decode(Bytes::copy_from_slice(&buf[..n]), &mut frames)
                    .expect("omrelp's frames");
                for f in frames {
                    match &f.command[..] {
                        b"open" => encode(
                            &mut out,
                            f.txnr,
                            "rsp",
                            b"200 OK\nrelp_version=0\nrelp_software=test\ncommands=syslog",
                        ),
                        b"syslog" => {
                            pending.push(f.txnr);
                            seen += 1;
                        }
                        _ => encode(&mut out, f.txnr, "rsp", b"200 OK"),
                    }
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if !pending.is_empty() {
                    bursts.push(pending.len());
                }
                for txnr in pending.drain(..) {
                    encode(&mut out, txnr, "rsp", b"200 OK");
                }
            }
            Err(e) => panic!("reading omrelp: {e}"),
        }
        s.write_all(&out).expect("answering omrelp");
    }
    bursts
}

#[test]
fn dequeue_batch_size_sets_the_batches_the_output_is_handed() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = l.local_addr().unwrap().port();
    let server = std::thread::spawn(move || relp_bursts(l, 30));
    let d = Corelogd::start(
        &dir("batch"),
        &format!(
            r#"
module(load="imtcp")
module(load="omrelp")
input(type="imtcp" address="127.0.0.1" port="@PORT@")
*.* action(type="omrelp" target="127.0.0.1" port="{target}"
           queue.type="LinkedList" queue.dequeueBatchSize="7")
"#
        ),
        &[],
    );
    send_pri(d.port, 14, "info", 30);
    let bursts = server.join().expect("the RELP server");
    let err = d.stop();
    assert_eq!(bursts.iter().sum::<usize>(), 30, "{bursts:?}\n{err}");
    assert!(bursts.iter().all(|&b| b <= 7), "{bursts:?}\n{err}");
    assert!(bursts.contains(&7), "{bursts:?}\n{err}");
}
