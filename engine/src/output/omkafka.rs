//! omkafka: rendered batches produced to Kafka through librdkafka.
//!
//! In: [`Rendered`] batches, one record per message, with its topic
//! (`dynaTopic`), key (`dynaKey`) and time, on the core that owns the
//! action. Out: each record as one Kafka message; [`OmKafka::write`]
//! returns Ok only once librdkafka has reported every record of the batch
//! delivered — with corelog's default `acks=all`, once the partition's
//! in-sync replicas have it.
//!
//! That is where it differs from rsyslog's omkafka, which reports a message
//! done once it is in librdkafka's buffer, so what the buffer holds is lost
//! when rsyslog exits or crashes. Here the producer's buffer never holds
//! more than the batch in hand, and the batch stays in the action queue
//! until it is delivered: behind a disk-assisted queue it survives an exit
//! or kill -9 and is produced again (at least once; librdkafka's own
//! resends are deduplicated by the idempotent producer).
//!
//! Failures:
//! - a record that cannot be delivered now (broker down, a timeout,
//!   `message.timeout.ms` passed) fails the batch: the runner retries it
//!   as `action.resumeRetryCount` says, and the retry produces only the
//!   records not yet delivered;
//! - a record that can never be delivered (larger than the broker takes, a
//!   `dynaTopic` naming a topic that cannot exist or is not a legal name)
//!   is written to
//!   `errorFile`, counted as failed and passed over, so one bad message
//!   cannot hold the queue forever;
//! - with `resubmitOnFailure="off"` every failed record is treated so, as
//!   rsyslog treats them.
//!
//! librdkafka's threads talk to the brokers; its reports are served here,
//! on the action's core, by polling while a batch is in flight and once a
//! second otherwise (statistics, errors).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::ClientContext;

use crate::config::modules::omkafka::{Named, OmkafkaConfig, Partitioning};

use super::Rendered;

/// How often reports are looked for while a batch is in flight.
const POLL_INTERVAL: Duration = Duration::from_millis(1);

/// One record's delivery report: its tag (see [`tag`]), and its error.
type Report = (usize, Option<KafkaError>);

/// A record's delivery tag: the try it was produced in, and its index in
/// the batch. A report of an abandoned try (a write dropped at shutdown
/// while messages were in flight) is then never credited to a later one.
fn tag(generation: u32, index: usize) -> usize {
    debug_assert!(index <= u32::MAX as usize);
    ((generation as usize) << 32) | index
}

/// The (try, index) of a delivery tag.
fn untag(t: usize) -> (u32, usize) {
    ((t >> 32) as u32, t & 0xffff_ffff)
}

/// A Kafka topic name: 1 to 249 of `[A-Za-z0-9._-]`.
fn legal_topic(t: &[u8]) -> Option<&str> {
    let ok = (1..=249).contains(&t.len())
        && t.iter()
            .all(|b| b.is_ascii_alphanumeric() || b".-_".contains(b));
    ok.then(|| std::str::from_utf8(t).ok()).flatten()
}

/// What librdkafka's callbacks (run in `poll`, on this core) hand over.
struct Context {
    reports: Mutex<Vec<Report>>,
    stats_file: Option<PathBuf>,
    stats: Mutex<Option<File>>,
    last_error: Mutex<String>,
    label: String,
    /// `confParam` set librdkafka's `debug`.
    debug: bool,
}

impl ClientContext for Context {
    fn stats_raw(&self, statistics: &[u8]) {
        let Some(path) = &self.stats_file else {
            return;
        };
        let mut f = self.stats.lock().unwrap_or_else(|e| e.into_inner());
        if f.is_none() {
            *f = append(path).ok();
        }
        if let Some(file) = f.as_mut() {
            let mut line = statistics.to_vec();
            line.push(b'\n');
            if file.write_all(&line).is_err() {
                *f = None;
            }
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        let text = format!("{error}: {reason}");
        let mut last = self.last_error.lock().unwrap_or_else(|e| e.into_inner());
        if *last != text {
            crate::notice!("corelogd: {}: librdkafka: {text}.", self.label);
            *last = text;
        }
    }

    /// librdkafka's log lines repeat what its errors say: printed only
    /// when `confParam` asks for its `debug` contexts.
    fn log(&self, _level: rdkafka::config::RDKafkaLogLevel, fac: &str, message: &str) {
        if self.debug {
            crate::notice!("corelogd: {}: librdkafka {fac}: {message}.", self.label);
        }
    }
}

impl ProducerContext for Context {
    type DeliveryOpaque = usize;

    fn delivery(&self, r: &DeliveryResult<'_>, index: usize) {
        let err = r.as_ref().err().map(|(e, _)| e.clone());
        self.reports
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((index, err));
    }
}

fn append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

pub struct OmKafka {
    c: OmkafkaConfig,
    producer: Option<BaseProducer<Context>>,
    /// The batch a failure interrupted, and which of its records were
    /// delivered, so its retry produces only the others.
    carry: Option<Carry>,
    /// Round robin's last partition (`partitions.number`).
    next_partition: u32,
    /// A SIGHUP asked for a new producer (`reopenOnHup`).
    reopen: bool,
    /// This try's number, in every record's delivery tag.
    generation: u32,
    /// Topics this producer has produced to: librdkafka keeps a handle of
    /// each until the producer goes, so past `dynaTopic.cachesize` a new
    /// producer is made between batches.
    topics: std::collections::HashSet<String>,
    error_file: Option<File>,
    /// Records given up: never deliverable, or failed with
    /// `resubmitOnFailure="off"` (written to `errorFile`).
    pub failed: u64,
    label: String,
}

struct Carry {
    key: (usize, u32, u64),
    delivered: Vec<bool>,
}

/// Whether a record that failed so can ever be delivered.
fn permanent(e: &KafkaError, dynamic_topic: bool) -> bool {
    use RDKafkaErrorCode as C;
    match e.rdkafka_error_code() {
        Some(
            C::MessageSizeTooLarge
            | C::InvalidMessageSize
            | C::InvalidMessage
            | C::InvalidRecord
            | C::MessageBatchTooLarge
            | C::InvalidArgument
            | C::InvalidTopic
            | C::InvalidTimestamp,
        ) => true,
        Some(C::UnknownTopic | C::UnknownTopicOrPartition | C::UnknownPartition) => dynamic_topic,
        _ => false,
    }
}

impl OmKafka {
    /// The producer of `c`; it connects on first use.
    pub fn new(c: &OmkafkaConfig, label: &str) -> OmKafka {
        OmKafka {
            c: c.clone(),
            producer: None,
            carry: None,
            next_partition: 0,
            reopen: false,
            generation: 0,
            topics: std::collections::HashSet::new(),
            error_file: None,
            failed: 0,
            label: label.to_string(),
        }
    }

    pub fn describe(&self) -> String {
        self.c.target()
    }

    fn producer(&mut self) -> io::Result<&BaseProducer<Context>> {
        if self.producer.is_none() {
            let ctx = Context {
                reports: Mutex::new(Vec::new()),
                stats_file: self.c.stats_file.clone(),
                stats: Mutex::new(None),
                last_error: Mutex::new(String::new()),
                label: self.label.clone(),
                debug: self.c.conf.iter().any(|(n, _)| n == "debug"),
            };
            let p = self
                .c
                .client_config()
                .create_with_context(ctx)
                .map_err(|e| io::Error::other(format!("{}: {e}", self.describe())))?;
            self.producer = Some(p);
        }
        Ok(self.producer.as_ref().expect("made above"))
    }

    /// Produces the batch's records and waits for every delivery report.
    /// On error, a retry of the same batch produces what was not
    /// delivered.
    pub async fn write(&mut self, r: &Rendered) -> io::Result<()> {
        debug_assert_eq!(r.recs.len(), r.count as usize);
        debug_assert_eq!(r.stamps.len(), r.recs.len());
        let key = r.fingerprint();
        let mut delivered = match self.carry.take() {
            Some(c) if c.key == key => c.delivered,
            _ => vec![false; r.recs.len()],
        };
        let res = self.produce(r, &mut delivered).await;
        debug_assert!(res.is_err() || delivered.iter().all(|d| *d));
        if res.is_err() {
            self.carry = Some(Carry { key, delivered });
        }
        res
    }

    async fn produce(&mut self, r: &Rendered, delivered: &mut [bool]) -> io::Result<()> {
        // Between batches nothing is in flight: the producer can be made
        // anew (SIGHUP with reopenOnHup, too many topic handles).
        if self.reopen || self.topics.len() > self.c.topic_cache {
            self.reopen = false;
            self.topics.clear();
            self.producer = None;
        }
        self.generation = self.generation.wrapping_add(1);
        let generation = self.generation;
        let fixed_topic = match &self.c.topic {
            Named::Fixed(t) => Some(t.clone()),
            Named::Template(_) => None,
        };
        let fixed_key = match &self.c.key {
            Some(Named::Fixed(k)) => Some(k.clone()),
            _ => None,
        };
        let mut pending = 0usize;
        let mut first_error: Option<KafkaError> = None;
        let mut gave_up: Vec<(usize, KafkaError)> = Vec::new();
        for (i, (topic, key, data)) in r.fields().enumerate() {
            if delivered[i] {
                continue;
            }
            let topic = match &fixed_topic {
                Some(t) => t.as_str(),
                None => match legal_topic(topic) {
                    Some(t) => {
                        if !self.topics.contains(t) {
                            self.topics.insert(t.to_string());
                        }
                        t
                    }
                    None => {
                        let e = KafkaError::MessageProduction(RDKafkaErrorCode::InvalidTopic);
                        gave_up.push((i, e));
                        continue;
                    }
                },
            };
            let key: Option<&[u8]> = match (&fixed_key, &self.c.key) {
                (Some(k), _) => Some(k.as_bytes()),
                (None, Some(_)) => Some(key),
                (None, None) => None,
            };
            let partition = match self.c.partitioning {
                Partitioning::Auto => None,
                Partitioning::Fixed(p) => Some(p as i32),
                Partitioning::RoundRobin(n) => {
                    self.next_partition = self.next_partition.wrapping_add(1);
                    Some((self.next_partition % n.max(1)) as i32)
                }
            };
            loop {
                let producer = self.producer()?;
                let mut rec =
                    BaseRecord::<[u8], [u8], usize>::with_opaque_to(topic, tag(generation, i))
                        .payload(data);
                // Brokers refuse times before 1970; librdkafka then stamps
                // the time of sending.
                if r.stamps[i] > 0 {
                    rec = rec.timestamp(r.stamps[i]);
                }
                if let Some(k) = key {
                    rec = rec.key(k);
                }
                if let Some(p) = partition {
                    rec = rec.partition(p);
                }
                match producer.send(rec) {
                    Ok(()) => {
                        pending += 1;
                        break;
                    }
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _))
                        if pending == 0 && producer.in_flight_count() == 0 =>
                    {
                        // Full while empty: the one message is larger than
                        // queue.buffering.max.kbytes; waiting cannot help.
                        let e =
                            KafkaError::MessageProduction(RDKafkaErrorCode::MessageSizeTooLarge);
                        gave_up.push((i, e));
                        break;
                    }
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                        // Its buffer is full of this batch: wait for some.
                        self.serve(delivered, &mut pending, &mut first_error, &mut gave_up);
                        glommio::timer::sleep(POLL_INTERVAL).await;
                    }
                    Err((e, _)) if permanent(&e, fixed_topic.is_none()) => {
                        gave_up.push((i, e));
                        break;
                    }
                    Err((e, _)) => {
                        first_error.get_or_insert(e);
                        break;
                    }
                }
            }
        }
        while pending > 0 {
            if !self.serve(delivered, &mut pending, &mut first_error, &mut gave_up) {
                glommio::timer::sleep(POLL_INTERVAL).await;
            }
        }
        for (i, e) in gave_up {
            self.give_up(r, i, &e);
            delivered[i] = true;
        }
        if first_error.is_some() {
            self.drop_if_fatal();
        }
        match first_error {
            None => Ok(()),
            Some(e) => Err(io::Error::other(format!("{}: {e}", self.describe()))),
        }
    }

    /// A producer that met a fatal error (the idempotent producer's
    /// sequence lost, a fenced epoch) produces nothing more: it is dropped,
    /// and the retry makes a new one with a new producer id.
    fn drop_if_fatal(&mut self) {
        let fatal = self
            .producer
            .as_ref()
            .and_then(|p| p.client().fatal_error());
        if let Some((code, why)) = fatal {
            crate::notice!(
                "corelogd: {}: librdkafka's producer failed fatally ({code:?}: {why}); a new one takes over.",
                self.label
            );
            self.producer = None;
        }
    }

    /// Serves librdkafka's queue and takes the reports it made; false when
    /// there were none.
    fn serve(
        &mut self,
        delivered: &mut [bool],
        pending: &mut usize,
        first_error: &mut Option<KafkaError>,
        gave_up: &mut Vec<(usize, KafkaError)>,
    ) -> bool {
        let Some(p) = self.producer.as_ref() else {
            return false;
        };
        p.poll(Duration::ZERO);
        let reports = std::mem::take(
            &mut *p
                .context()
                .reports
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        let dynamic = matches!(self.c.topic, Named::Template(_));
        let any = !reports.is_empty();
        for (t, err) in reports {
            let (generation, i) = untag(t);
            // A report of an earlier, abandoned try is passed over.
            if generation != self.generation {
                continue;
            }
            debug_assert!(i < delivered.len() && !delivered[i] && *pending > 0);
            if i >= delivered.len() || delivered[i] || *pending == 0 {
                continue;
            }
            *pending -= 1;
            match err {
                None => delivered[i] = true,
                Some(e) if !self.c.resubmit_on_failure || permanent(&e, dynamic) => {
                    gave_up.push((i, e))
                }
                Some(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        any
    }

    /// A record given up: to `errorFile` as rsyslog writes it
    /// (`{"errcode":…,"errmsg":…,"data":…}`), and counted.
    fn give_up(&mut self, r: &Rendered, i: usize, e: &KafkaError) {
        self.failed += 1;
        let Some(path) = self.c.error_file.clone() else {
            return;
        };
        let data = r.fields().nth(i).map(|(_, _, d)| d).unwrap_or_default();
        let code = e.rdkafka_error_code().map_or(-1, |c| c as i32);
        let line = serde_json::json!({
            "errcode": code,
            "errmsg": e.to_string(),
            "data": String::from_utf8_lossy(data),
        });
        if self.error_file.is_none() {
            match append(&path) {
                Ok(f) => self.error_file = Some(f),
                Err(err) => {
                    crate::notice!(
                        "corelogd: {}: errorFile {}: {err}.",
                        self.label,
                        path.display()
                    );
                    return;
                }
            }
        }
        let mut text = line.to_string().into_bytes();
        text.push(b'\n');
        if let Some(f) = self.error_file.as_mut() {
            if f.write_all(&text).is_err() {
                self.error_file = None;
            }
        }
    }

    /// The runner gave the last failed batch up (suspension): a later
    /// batch with the same bytes is a new one.
    pub fn forget(&mut self) {
        self.carry = None;
    }

    /// Once a second: librdkafka's statistics and errors are served.
    pub fn timed(&mut self) {
        if let Some(p) = &self.producer {
            p.poll(Duration::ZERO);
            p.context()
                .reports
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clear();
        }
    }

    /// SIGHUP: `errorFile` and `statsFile` are reopened (logrotate); with
    /// `reopenOnHup`, the producer is made anew before the next batch.
    pub fn hup(&mut self) {
        self.error_file = None;
        if let Some(p) = &self.producer {
            *p.context().stats.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
        self.reopen = self.c.reopen_on_hup;
    }

    /// At exit: what librdkafka still holds is flushed for at most
    /// `closeTimeout` (nothing, unless a batch was abandoned: batches
    /// return only when delivered).
    pub fn finish(&mut self) {
        if let Some(p) = self.producer.take() {
            let until = Instant::now() + self.c.close_timeout;
            while p.in_flight_count() > 0 && Instant::now() < until {
                p.poll(POLL_INTERVAL);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_gives_back_its_try_and_index() {
        for (g, i) in [(0, 0), (1, 5), (u32::MAX, u32::MAX as usize)] {
            assert_eq!(untag(tag(g, i)), (g, i));
        }
        assert_ne!(tag(1, 3), tag(2, 3));
    }

    #[test]
    fn only_legal_topic_names_are_produced_to() {
        assert_eq!(legal_topic(b"app-a.log_1"), Some("app-a.log_1"));
        for bad in [
            &b""[..],
            b"a b",
            b"a\0b",
            b"a/b",
            "é".as_bytes(),
            &[b'x'; 250],
        ] {
            assert_eq!(legal_topic(bad), None, "{bad:?}");
        }
        assert!(legal_topic(&[b'x'; 249]).is_some());
    }

    #[test]
    fn too_large_invalid_and_badly_timed_records_are_never_retried() {
        let e = |c| KafkaError::MessageProduction(c);
        assert!(permanent(&e(RDKafkaErrorCode::MessageSizeTooLarge), false));
        assert!(permanent(&e(RDKafkaErrorCode::InvalidTimestamp), false));
        assert!(!permanent(&e(RDKafkaErrorCode::MessageTimedOut), false));
        assert!(!permanent(&e(RDKafkaErrorCode::UnknownTopic), false));
        assert!(permanent(&e(RDKafkaErrorCode::UnknownTopic), true));
    }
}
