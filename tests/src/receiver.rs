//! A TCP forward target in the test: collects the lines it is sent.
//!
//! It can stall (accept but read nothing until [`Receiver::open`]) and go
//! down ([`Receiver::close`]): it stops listening, so reconnects are
//! refused, and half-closes its connections, reading on until the sender
//! closes its side — so nothing that reached it is lost by the test
//! itself.

use std::io::{BufRead, BufReader};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Receiver {
    lines: Arc<Mutex<Vec<String>>>,
    /// Reading starts when this is sent (or dropped).
    open: Option<std::sync::mpsc::Sender<()>>,
    closed: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<TcpStream>>>,
    listener: Option<std::thread::JoinHandle<()>>,
}

impl Receiver {
    /// A receiver that reads at once.
    pub fn start(port: u16) -> Receiver {
        let mut r = Receiver::gated(port);
        r.open();
        r
    }

    /// A receiver that accepts connections but reads nothing until
    /// [`Receiver::open`]: the forward target stalls for as long as the
    /// test says, whatever the machine's speed.
    pub fn gated(port: u16) -> Receiver {
        let l = TcpListener::bind(("127.0.0.1", port)).expect("binding the test receiver");
        l.set_nonblocking(true).expect("a non-blocking listener");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let closed = Arc::new(AtomicBool::new(false));
        let conns = Arc::new(Mutex::new(Vec::new()));
        let (open, gate) = std::sync::mpsc::channel::<()>();
        let gate = Arc::new(Mutex::new(gate));
        let (l2, c2, conns2) = (lines.clone(), closed.clone(), conns.clone());
        let listener = std::thread::spawn(move || {
            while !c2.load(Ordering::SeqCst) {
                let conn = match l.accept() {
                    Ok((c, _)) => c,
                    Err(_) => {
                        std::thread::sleep(Duration::from_millis(5));
                        continue;
                    }
                };
                conn.set_nonblocking(false).expect("a blocking connection");
                conns2
                    .lock()
                    .unwrap()
                    .push(conn.try_clone().expect("a connection clone"));
                let (l3, gate) = (l2.clone(), gate.clone());
                std::thread::spawn(move || {
                    // Closed or signalled: either way, read from now on.
                    let _ = gate.lock().unwrap().recv();
                    for line in BufReader::new(conn).lines() {
                        let Ok(line) = line else { break };
                        l3.lock().unwrap().push(line);
                    }
                });
            }
        });
        Receiver {
            lines,
            open: Some(open),
            closed,
            conns,
            listener: Some(listener),
        }
    }

    pub fn open(&mut self) {
        self.open.take();
    }

    pub fn count(&self) -> usize {
        self.lines.lock().unwrap().len()
    }

    /// Everything received, one line per message.
    pub fn text(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    /// Goes down: stops listening (the port refuses connections) and
    /// half-closes every connection; what is already on its way is still
    /// read.
    pub fn close(&mut self) {
        self.closed.store(true, Ordering::SeqCst);
        if let Some(l) = self.listener.take() {
            let _ = l.join();
        }
        for c in self.conns.lock().unwrap().drain(..) {
            let _ = c.shutdown(Shutdown::Write);
        }
    }
}
