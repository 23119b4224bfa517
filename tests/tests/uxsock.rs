//! omuxsock against real unix datagram receivers: the same datagrams as
//! rsyslogd 8.2302 sends for the same legacy configuration
//! (`$OMUxSockSocket`, `:omuxsock:`, its default template); the
//! `action()` form; a receiver that is not there yet gets every message
//! once it binds (`action.resumeRetryCount="-1"`); and a receiver that
//! stops reading for a while gets every message, once, in order — where
//! rsyslog would block its action, or drop without a word.

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::time::{Duration, Instant};

use corelog_tests::daemon::{numbered_frames, send_octet_counted, Corelogd};
use corelog_tests::rsyslogd::Rsyslogd;

fn dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("corelog-uxsock-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Datagrams from `rx` until `n` came or `wait` passed.
fn receive(rx: &UnixDatagram, n: usize, wait: Duration) -> Vec<Vec<u8>> {
    rx.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let end = Instant::now() + wait;
    let mut got = Vec::new();
    let mut buf = vec![0u8; 65536];
    while got.len() < n && Instant::now() < end {
        if let Ok(k) = rx.recv(&mut buf) {
            got.push(buf[..k].to_vec());
        }
    }
    got
}

const LEGACY: &str = "module(load=\"imtcp\")\n\
input(type=\"imtcp\" port=\"@PORT@\" address=\"127.0.0.1\")\n\
$ModLoad omuxsock\n\
$OMUxSockSocket @DIR@/rx.sock\n\
*.* :omuxsock:\n\
template(name=\"short\" type=\"string\" string=\"%syslogseverity%|%hostname%|%msg%\")\n\
$OMUxSockSocket @DIR@/rx2.sock\n\
local0.* :omuxsock:;short\n";

#[test]
fn the_same_datagrams_as_rsyslogd_for_a_legacy_configuration() {
    let msgs = numbered_frames(50);
    let local0 = msgs.iter().filter(|m| {
        let pri: u32 = m[1..m.find('>').unwrap()].parse().unwrap();
        pri / 8 == 16
    });
    let want_short = local0.count();

    let run = |who: &str| -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
        let d = dir(who);
        // Bound once the daemon runs (Corelogd::start makes its directory
        // anew), before a message is sent.
        let bind = || {
            (
                UnixDatagram::bind(d.join("rx.sock")).unwrap(),
                UnixDatagram::bind(d.join("rx2.sock")).unwrap(),
            )
        };
        if who == "rsyslogd" {
            let r = Rsyslogd::start(&d, LEGACY);
            let (rx, rx2) = bind();
            send_octet_counted(r.port, &msgs);
            let got = (
                receive(&rx, msgs.len(), Duration::from_secs(20)),
                receive(&rx2, want_short, Duration::from_secs(5)),
            );
            r.stop();
            got
        } else {
            let c = Corelogd::start(&d, LEGACY, &[]);
            let (rx, rx2) = bind();
            send_octet_counted(c.port, &msgs);
            let got = (
                receive(&rx, msgs.len(), Duration::from_secs(20)),
                receive(&rx2, want_short, Duration::from_secs(5)),
            );
            let stderr = c.stop();
            assert!(!stderr.contains("error"), "{stderr}");
            got
        }
    };
    let theirs = run("rsyslogd");
    let ours = run("corelogd");
    assert_eq!(theirs.0.len(), msgs.len(), "rsyslogd sent every message");
    assert!(
        want_short > 0 && theirs.1.len() == want_short,
        "rsyslogd's local0 datagrams: {}",
        theirs.1.len()
    );
    for (i, (t, o)) in theirs.0.iter().zip(&ours.0).enumerate() {
        assert_eq!(
            String::from_utf8_lossy(o),
            String::from_utf8_lossy(t),
            "datagram {i} (default template)"
        );
    }
    assert_eq!(ours.0.len(), theirs.0.len());
    assert_eq!(ours.1, theirs.1, "the second socket, with its template");
}

/// corelogd sending `%msg%` of each message to `@DIR@/<socket>` with
/// `action(type="omuxsock")`, holding what it cannot send (`-1`).
fn start_sending_to(d: &Path, socket: &str) -> Corelogd {
    let config = format!(
        "module(load=\"imtcp\")\ninput(type=\"imtcp\" port=\"@PORT@\" address=\"127.0.0.1\")\n\
         module(load=\"omuxsock\")\n\
         template(name=\"t\" type=\"string\" string=\"%msg%\")\n\
         action(type=\"omuxsock\" socketName=\"@DIR@/{socket}\" template=\"t\" action.resumeRetryCount=\"-1\" action.resumeInterval=\"1\")\n"
    );
    Corelogd::start(d, &config, &[])
}

/// The datagrams as text.
fn texts(datagrams: Vec<Vec<u8>>) -> Vec<String> {
    datagrams
        .iter()
        .map(|g| String::from_utf8_lossy(g).into_owned())
        .collect()
}

/// What `%msg%` is for each of `msgs` (after the tag, with its space).
fn msg_parts(msgs: &[String]) -> Vec<String> {
    msgs.iter()
        .map(|m| format!(" {}", m.split_once("]: ").map_or("", |p| p.1)))
        .collect()
}

#[test]
fn an_action_form_sends_and_a_missing_receiver_gets_everything_once_it_binds() {
    let d = dir("late");
    let c = start_sending_to(&d, "late.sock");
    let msgs = numbered_frames(200);
    send_octet_counted(c.port, &msgs);
    // Nobody is bound yet: the action fails (said) and holds the batch.
    let end = Instant::now() + Duration::from_secs(30);
    while !c.stderr().contains("late.sock: No such file") {
        assert!(Instant::now() < end, "no failure said:\n{}", c.stderr());
        std::thread::sleep(Duration::from_millis(50));
    }
    let rx = UnixDatagram::bind(d.join("late.sock")).unwrap();
    let got = texts(receive(&rx, msgs.len() + 1, Duration::from_secs(15)));
    assert_eq!(got, msg_parts(&msgs), "every message once, in order");
    let stderr = c.stop();
    assert!(
        stderr.contains("late.sock"),
        "the failure names the socket:\n{stderr}"
    );
}

#[test]
fn a_receiver_that_stops_reading_gets_every_message_once_in_order() {
    let d = dir("full");
    let rx_path = d.join("full.sock");
    let c = start_sending_to(&d, "full.sock");
    let rx = UnixDatagram::bind(&rx_path).unwrap();
    // More than a unix datagram socket queues (max_dgram_qlen, 512 by
    // default), with nobody reading for a while.
    let msgs = numbered_frames(3000);
    send_octet_counted(c.port, &msgs);
    std::thread::sleep(Duration::from_millis(2500));
    let got = texts(receive(&rx, msgs.len() + 1, Duration::from_secs(30)));
    let want = msg_parts(&msgs);
    assert_eq!(got.len(), want.len(), "every message, none twice");
    assert_eq!(got, want, "in order");
    c.stop();
    assert!(Path::new(&rx_path).exists());
}
