//! Actions: rendering (on the core that ran the rules, or in an action
//! queue's worker), writing on the core that owns the output.
//!
//! In: for each action, the messages of a batch that reached it (from the
//! rule engine, or from the action's queue). [`Renderer`] turns them into
//! one [`Rendered`] batch: the
//! template output concatenated (with forward framing applied), plus, for
//! dynamic files and datagrams, where each record ends. Out: that batch is
//! written by the action's [`runner::ActionRunner`] on its owning core — a
//! file or a forwarding connection has exactly one writer, and batches
//! from one core arrive in order, so lines from one connection keep their
//! order in the file.
//!
//! Guarantees: rendering allocates nothing per message (buffers grow to
//! the largest batch and are reused, or handed on whole).

pub mod beneath;
pub mod omfile;
pub mod omfwd;
pub mod omkafka;
pub mod omnats;
pub mod omprog;
pub mod omrelp;
pub mod omusrmsg;
pub mod omuxsock;
pub mod runner;

use std::sync::Arc;

use crate::config::modules::omfwd::{Framing, Protocol};
use crate::config::modules::omkafka::Named;
use crate::config::{ActionDef, OutputConfig};
use crate::{Env, Message, RenderBuf, Template};

/// One action's share of a batch, rendered.
#[derive(Debug, Default)]
pub struct Rendered {
    /// Rendered records, back to back.
    pub data: Vec<u8>,
    /// Dynamic file names, back to back (dynaFile only).
    pub paths: Vec<u8>,
    /// Kafka keys made by a template (`dynaKey`), back to back.
    pub keys: Vec<u8>,
    /// Each record's time in Unix milliseconds (Kafka only: the message's
    /// TIMESTAMP, as rsyslog's omkafka sends it).
    pub stamps: Vec<i64>,
    /// Each record's sequence number in the action queue's disk, 0 for
    /// one taken from memory (omnats only: its message ids).
    pub seqs: Vec<u64>,
    /// Where each record ends, for outputs that need records apart
    /// (dynaFile, UDP forwarding, RELP, Kafka); empty otherwise.
    pub recs: Vec<Rec>,
    /// How many messages the batch holds.
    pub count: u32,
}

/// Where a record ends in `paths`, `keys` and `data` (offsets, not
/// lengths).
#[derive(Debug, Clone, Copy)]
pub struct Rec {
    pub path_end: usize,
    pub key_end: usize,
    pub data_end: usize,
}

impl Rendered {
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn clear(&mut self) {
        self.data.clear();
        self.paths.clear();
        self.keys.clear();
        self.stamps.clear();
        self.seqs.clear();
        self.recs.clear();
        self.count = 0;
    }

    /// Records as (path, data) pairs (dynaFile, datagrams).
    pub fn records(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.fields().map(|(p, _, d)| (p, d))
    }

    /// Records as (path or topic, key, data).
    pub fn fields(&self) -> impl Iterator<Item = (&[u8], &[u8], &[u8])> {
        let (mut p0, mut k0, mut d0) = (0usize, 0usize, 0usize);
        self.recs.iter().map(move |r| {
            let out = (
                &self.paths[p0..r.path_end],
                &self.keys[k0..r.key_end],
                &self.data[d0..r.data_end],
            );
            (p0, k0, d0) = (r.path_end, r.key_end, r.data_end);
            out
        })
    }

    /// What tells a retry of this batch from another batch: an output that
    /// keeps what a failed batch had delivered (omrelp, omkafka) resends
    /// only the rest when the same batch comes back.
    pub fn fingerprint(&self) -> (usize, u32, u64) {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.data.hash(&mut h);
        self.paths.hash(&mut h);
        self.keys.hash(&mut h);
        for rec in &self.recs {
            rec.data_end.hash(&mut h);
        }
        (self.data.len(), self.count, h.finish())
    }

    /// Ends a record at what has been rendered so far.
    fn end_record(&mut self) {
        self.recs.push(Rec {
            path_end: self.paths.len(),
            key_end: self.keys.len(),
            data_end: self.data.len(),
        });
    }
}

/// How an action's records are shaped.
#[derive(Debug, Clone)]
enum Shape {
    /// Lines into one file.
    File,
    /// Lines into the file the dynaFile template names.
    DynaFile(Arc<Template>),
    /// TCP forwarding with LF framing (`TCP_FrameDelimiter`).
    StreamLf(u8),
    /// TCP forwarding with octet-counted framing.
    StreamOctet,
    /// One record apart per message: UDP datagrams, RELP frames.
    Datagram,
    /// One NATS message per message, with its subject template
    /// (`dynaSubject`) rendered beside it.
    Nats { subject: Option<Arc<Template>> },
    /// One Kafka message per message, with its topic and key templates
    /// (`dynaTopic`, `dynaKey`) rendered beside it, and its time.
    Kafka {
        topic: Option<Arc<Template>>,
        key: Option<Arc<Template>>,
    },
}

/// Renders one action's messages into a [`Rendered`] batch.
#[derive(Debug, Clone)]
pub struct Renderer {
    template: Arc<Template>,
    shape: Shape,
    scratch: Vec<u8>,
}

impl Renderer {
    pub fn new(a: &ActionDef) -> Renderer {
        let shape = match &a.output {
            OutputConfig::Omfile(_) => match &a.dynafile {
                Some(t) => Shape::DynaFile(t.clone()),
                None => Shape::File,
            },
            OutputConfig::Omfwd(c) => match (c.protocol, c.framing) {
                (Protocol::Udp, _) => Shape::Datagram,
                (Protocol::Tcp, Framing::OctetCounted) => Shape::StreamOctet,
                (Protocol::Tcp, Framing::Traditional(d)) => Shape::StreamLf(d),
            },
            OutputConfig::Omrelp(_)
            | OutputConfig::Omusrmsg(_)
            | OutputConfig::Omuxsock(_)
            | OutputConfig::Omprog(_) => Shape::Datagram,
            OutputConfig::Omnats(c) => Shape::Nats {
                subject: c.subject.template(),
            },
            OutputConfig::Omkafka(c) => Shape::Kafka {
                topic: c.topic.template(),
                key: c.key.as_ref().and_then(Named::template),
            },
        };
        Renderer {
            template: a.template.clone(),
            shape,
            scratch: Vec::new(),
        }
    }

    /// Whether the output names messages by their queue position
    /// ([`Rendered::seqs`]).
    pub fn wants_seqs(&self) -> bool {
        matches!(self.shape, Shape::Nats { .. })
    }

    /// Appends `m` to `out`.
    pub fn render(&mut self, m: &Message, env: &Env, buf: &mut RenderBuf, out: &mut Rendered) {
        out.count += 1;
        match &self.shape {
            Shape::File => self.template.render(m, env, buf, &mut out.data),
            Shape::DynaFile(t) => {
                t.render(m, env, buf, &mut out.paths);
                self.template.render(m, env, buf, &mut out.data);
                out.end_record();
            }
            Shape::StreamLf(d) => {
                self.template.render(m, env, buf, &mut out.data);
                // As rsyslog's tcpclt: the delimiter ends the frame unless
                // the template already ends with it.
                if out.data.last() != Some(d) {
                    out.data.push(*d);
                }
            }
            Shape::StreamOctet => {
                self.scratch.clear();
                self.template.render(m, env, buf, &mut self.scratch);
                if self.scratch.last() == Some(&b'\n') {
                    self.scratch.pop();
                }
                let mut num = itoa::Buffer::new();
                out.data
                    .extend_from_slice(num.format(self.scratch.len()).as_bytes());
                out.data.push(b' ');
                out.data.extend_from_slice(&self.scratch);
            }
            Shape::Datagram => {
                self.template.render(m, env, buf, &mut out.data);
                out.end_record();
            }
            Shape::Nats { subject } => {
                if let Some(t) = subject {
                    t.render(m, env, buf, &mut out.paths);
                }
                self.template.render(m, env, buf, &mut out.data);
                out.end_record();
            }
            Shape::Kafka { topic, key } => {
                if let Some(t) = topic {
                    t.render(m, env, buf, &mut out.paths);
                }
                if let Some(t) = key {
                    t.render(m, env, buf, &mut out.keys);
                }
                self.template.render(m, env, buf, &mut out.data);
                out.stamps
                    .push(m.time_reported().unix_seconds().saturating_mul(1000));
                out.end_record();
            }
        }
    }
}
