//! Publishes `count` 256-byte messages into a JetStream stream with the
//! `async-nats` client (tokio, one thread: as one corelog core), each with
//! a `Nats-Msg-Id`, at most `window` awaiting their acknowledgement, and
//! prints the rate and the client's CPU-seconds per million messages as
//! JSON.
//!
//! Usage: nats-client-compare URL COUNT WINDOW

use std::collections::VecDeque;
use std::time::Instant;

use async_nats::jetstream;

fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes one rusage into `u`, which we own.
    let u = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut u);
        u
    };
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (url, count, window): (&str, u64, usize) =
        (&args[1], args[2].parse()?, args[3].parse()?);
    let client = async_nats::connect(url).await?;
    let js = jetstream::new(client);
    js.get_or_create_stream(jetstream::stream::Config {
        name: "CMP".into(),
        subjects: vec!["cmp.>".into()],
        ..Default::default()
    })
    .await?;
    let payload = bytes::Bytes::from(vec![b'x'; 256]);
    let (start, cpu0) = (Instant::now(), cpu_seconds());
    let mut inflight = VecDeque::with_capacity(window);
    for i in 0..count {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", format!("cmp{window}:{i}").as_str());
        let ack = js
            .publish_with_headers("cmp.x", headers, payload.clone())
            .await?;
        inflight.push_back(ack);
        if inflight.len() >= window {
            inflight.pop_front().expect("not empty").await?;
        }
    }
    while let Some(ack) = inflight.pop_front() {
        ack.await?;
    }
    let (secs, cpu) = (start.elapsed().as_secs_f64(), cpu_seconds() - cpu0);
    println!(
        "{{\"client\":\"async-nats\",\"messages\":{count},\"window\":{window},\"msgs_per_s\":{:.0},\"cpu_s_per_million\":{:.3}}}",
        count as f64 / secs,
        cpu / (count as f64 / 1e6)
    );
    Ok(())
}
