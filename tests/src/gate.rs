//! A TCP relay that cuts the network to a server on demand, without
//! closing a connection (the Kafka and NATS fault tests).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A TCP relay in front of a server that the test can close: closed, it
/// moves no byte either way and holds every connection open, as a network
/// that drops packets does.
pub struct Gate {
    closed: Arc<AtomicBool>,
}

impl Gate {
    /// Relays `127.0.0.1:listen` to `127.0.0.1:to`.
    pub fn start(listen: u16, to: u16) -> Gate {
        let closed = Arc::new(AtomicBool::new(false));
        let l = TcpListener::bind(("127.0.0.1", listen)).expect("the gate's port");
        let c = closed.clone();
        std::thread::spawn(move || {
            for s in l.incoming().flatten() {
                let c = c.clone();
                std::thread::spawn(move || relay(s, to, c));
            }
        });
        Gate { closed }
    }

    /// Cuts the network to the server.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
    }

    pub fn open(&self) {
        self.closed.store(false, Ordering::SeqCst);
    }
}

fn relay(client: TcpStream, to: u16, closed: Arc<AtomicBool>) {
    while closed.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let Ok(server) = TcpStream::connect(("127.0.0.1", to)) else {
        return;
    };
    let pairs = [
        (client.try_clone(), server.try_clone()),
        (server.try_clone(), client.try_clone()),
    ];
    let mut threads = Vec::new();
    for (from, into) in pairs {
        let (Ok(mut from), Ok(mut into)) = (from, into) else {
            return;
        };
        let closed = closed.clone();
        threads.push(std::thread::spawn(move || {
            let mut buf = vec![0u8; 64 << 10];
            loop {
                while closed.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(20));
                }
                let n = match from.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                while closed.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(20));
                }
                if into.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            let _ = into.shutdown(Shutdown::Both);
            let _ = from.shutdown(Shutdown::Both);
        }));
    }
    for t in threads {
        let _ = t.join();
    }
}
