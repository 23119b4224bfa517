//! omkafka: `module(load="omkafka")` and `action(type="omkafka")`.
//!
//! In: the action's parameters (rsyslog 8.2302's). Out: an
//! [`OmkafkaConfig`] whose librdkafka settings have already been checked
//! by librdkafka itself, so a misspelt `confParam` is an error at its
//! file:line:column rather than a producer that will not start.
//!
//! Where corelog differs from rsyslog (docs/omkafka.md):
//! - `acks=all` and `enable.idempotence=true` unless `confParam` says
//!   otherwise: a message is delivered once the broker's in-sync replicas
//!   have it, and librdkafka's own resends are not written twice;
//! - `resubmitOnFailure` is on by default: a message whose delivery
//!   failed goes back to the action's retry machinery (and its queue)
//!   instead of being dropped, as rsyslog drops it when it is off;
//! - `keepFailedMessages`: undelivered messages are never confirmed to the
//!   action queue, so a disk-assisted action queue keeps them across an
//!   exit or a crash; a separate `failedMsgFile` is not needed, and the
//!   parameter asks for a queue with a `queue.filename`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::config::param::{Param, Resolved, Table, Type, NON_NEG};
use crate::template::Template;

/// `module(load="omkafka")`: no module parameters in rsyslog 8.2302.
pub static MODULE: Table = Table {
    object: "module(load=\"omkafka\")",
    params: &[],
};

/// rsyslog's broker when none is given.
pub const BROKER_DEFAULT: &str = "localhost:9092";

/// The librdkafka settings corelog sets unless `confParam` sets them.
pub const CONF_DEFAULTS: &[(&str, &str)] = &[("acks", "all"), ("enable.idempotence", "true")];

const STATS_NAME: &str = "omkafka's own impstats object is not built; its counters (submitted, failures, acked) would not be reported, and what is delivered does not change: the action's counters are in impstats under its name";

/// `action(type="omkafka")`, besides `action.*` and `queue.*`.
pub static ACTION: Table = Table {
    object: "action(type=\"omkafka\")",
    params: &[
        Param::new("topic", Type::Str, "")
            .note("required; the template's name with dynaTopic")
            .sample("other"),
        Param::new("dynaTopic", Type::Bool, "off"),
        Param::new("dynaTopic.cachesize", NON_NEG, "50")
            .note("topics per producer; past it, a new producer between batches"),
        Param::new("key", Type::Str, ""),
        Param::new("dynaKey", Type::Bool, "off"),
        Param::new("partitions.auto", Type::Bool, "off"),
        Param::new(
            "partitions.number",
            Type::Int {
                min: 1,
                max: 1 << 20,
            },
            "1",
        ),
        Param::new(
            "partitions.useFixed",
            Type::Int {
                min: 0,
                max: i32::MAX as i64,
            },
            "",
        )
        .note("none: round robin over partitions.number"),
        Param::new("broker", Type::Array, BROKER_DEFAULT),
        Param::new("confParam", Type::Array, "").sample("linger.ms=20"),
        Param::new("topicConfParam", Type::Array, "").sample("message.timeout.ms=60000"),
        Param::new("errorFile", Type::Path, ""),
        Param::new("statsFile", Type::Path, ""),
        Param::new(
            "closeTimeout",
            Type::Int {
                min: 1,
                max: i32::MAX as i64,
            },
            "2000",
        )
        .note("milliseconds"),
        Param::new("reopenOnHup", Type::Bool, "off"),
        Param::new("resubmitOnFailure", Type::Bool, "on").note("off in rsyslog, which drops"),
        Param::new("keepFailedMessages", Type::Bool, "off")
            .note("needs a queue.filename: the action queue keeps them"),
        Param::new("failedMsgFile", Type::Path, "")
            .note("needs a queue.filename: the action queue keeps them"),
        Param::new("statsName", Type::Str, "").warned(STATS_NAME),
        Param::new("template", Type::Template, "RSYSLOG_FileFormat")
            .sample("RSYSLOG_ForwardFormat"),
    ],
};

/// A template the action renders per message, compared by name.
#[derive(Debug, Clone)]
pub struct NamedTemplate {
    pub name: String,
    pub t: Arc<Template>,
}

impl PartialEq for NamedTemplate {
    fn eq(&self, o: &NamedTemplate) -> bool {
        self.name == o.name
    }
}

impl Eq for NamedTemplate {}

/// Where a message's topic or key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    /// The same text for every message.
    Fixed(String),
    /// A template rendered for each message (`dynaTopic`, `dynaKey`);
    /// filled in by the builder, which knows the templates.
    Template(Option<NamedTemplate>),
}

impl Named {
    /// The template, for a dynamic topic or key.
    pub fn template(&self) -> Option<Arc<Template>> {
        match self {
            Named::Template(Some(t)) => Some(t.t.clone()),
            Named::Fixed(_) | Named::Template(None) => None,
        }
    }
}

/// Which partition a message goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partitioning {
    /// librdkafka's partitioner (the key's hash; `partitions.auto`).
    Auto,
    /// Round robin over partitions 0 … n−1 (rsyslog's default, n = 1).
    RoundRobin(u32),
    /// Always this one (`partitions.useFixed`).
    Fixed(u32),
}

/// omkafka's parameters, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OmkafkaConfig {
    /// `broker`, joined with commas (librdkafka's `bootstrap.servers`).
    pub brokers: String,
    pub topic: Named,
    pub key: Option<Named>,
    pub partitioning: Partitioning,
    /// `dynaTopic.cachesize`: the distinct topics one producer may have
    /// handles of (librdkafka frees them only with the producer).
    pub topic_cache: usize,
    /// librdkafka's global settings, in order: corelog's defaults, then
    /// `confParam` (verbatim).
    pub conf: Vec<(String, String)>,
    /// `topicConfParam`, verbatim.
    pub topic_conf: Vec<(String, String)>,
    pub error_file: Option<PathBuf>,
    pub stats_file: Option<PathBuf>,
    /// `closeTimeout`: how long an exit waits for deliveries in flight.
    pub close_timeout: Duration,
    pub reopen_on_hup: bool,
    /// On: a failed delivery is retried (the action's retry machinery);
    /// off: it is written to `errorFile` and dropped, as rsyslog does.
    pub resubmit_on_failure: bool,
    /// `keepFailedMessages` or `failedMsgFile` was given: the builder
    /// checks that the action queue has a disk.
    pub keep_failed: bool,
}

/// Splits a `confParam` entry at its first `=`, as rsyslog does.
fn name_value(s: &str) -> Option<(String, String)> {
    let (n, v) = s.split_once('=')?;
    let n = n.trim();
    (!n.is_empty()).then(|| (n.to_string(), v.to_string()))
}

/// `confParam` or `topicConfParam`, split.
fn pairs(
    r: &Resolved,
    param: &'static str,
) -> Result<Vec<(String, String)>, (&'static str, String)> {
    r.list(param)
        .into_iter()
        .map(|e| name_value(&e).ok_or_else(|| (param, format!("'{e}' is not name=value"))))
        .collect()
}

/// Reads an omkafka action. Errors (at the parameter's position) are the
/// cross-parameter ones; librdkafka's own checks are [`check_conf`]'s.
pub fn resolve(r: &Resolved) -> Result<OmkafkaConfig, (&'static str, String)> {
    r.consumed("template");
    let topic_text = r.opt_str("topic").unwrap_or_default();
    let topic = if r.bool("dynaTopic") {
        Named::Template(None)
    } else {
        Named::Fixed(topic_text)
    };
    let key = match (r.opt_str("key"), r.bool("dynaKey")) {
        (Some(k), false) => Some(Named::Fixed(k)),
        (Some(_), true) => Some(Named::Template(None)),
        (None, true) => {
            return Err((
                "dynaKey",
                "dynaKey=\"on\" needs key=\"…\", the template that makes the key".into(),
            ))
        }
        (None, false) => None,
    };
    let (auto, fixed, number) = (
        r.bool("partitions.auto"),
        r.opt_int("partitions.useFixed"),
        r.int("partitions.number"),
    );
    let partitioning = match (auto, fixed) {
        (true, _) => Partitioning::Auto,
        (false, Some(p)) => Partitioning::Fixed(p as u32),
        (false, None) => Partitioning::RoundRobin(number as u32),
    };
    let mut brokers = r.list("broker");
    if brokers.is_empty() {
        brokers.push(BROKER_DEFAULT.to_string());
    }
    let mut conf: Vec<(String, String)> = CONF_DEFAULTS
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    conf.extend(pairs(r, "confParam")?);
    let topic_conf = pairs(r, "topicConfParam")?;
    let keep = r.bool("keepFailedMessages");
    let failed_file = r.opt_str("failedMsgFile");
    Ok(OmkafkaConfig {
        brokers: brokers.join(","),
        topic,
        key,
        partitioning,
        topic_cache: (r.int("dynaTopic.cachesize") as usize).max(1),
        conf,
        topic_conf,
        error_file: r.opt_str("errorFile").map(PathBuf::from),
        stats_file: r.opt_str("statsFile").map(PathBuf::from),
        close_timeout: Duration::from_millis(r.int("closeTimeout") as u64),
        reopen_on_hup: r.bool("reopenOnHup"),
        resubmit_on_failure: r.bool("resubmitOnFailure"),
        keep_failed: keep || failed_file.is_some(),
    })
}

impl OmkafkaConfig {
    /// Where it produces to, for messages and the start-up line.
    pub fn target(&self) -> String {
        match &self.topic {
            Named::Fixed(t) => format!("kafka://{}/{t}", self.brokers),
            Named::Template(t) => {
                let name = t.as_ref().map_or("", |t| t.name.as_str());
                format!("kafka://{} (dynaTopic {name})", self.brokers)
            }
        }
    }

    /// librdkafka's global settings: `bootstrap.servers`, corelog's
    /// defaults, `confParam`, and the topic's settings (librdkafka takes
    /// them as defaults for every topic), a later value of the same name
    /// winning (of two aliases, such as `compression.codec` and
    /// `compression.type`, either may: give one).
    pub fn client_config(&self) -> rdkafka::ClientConfig {
        let mut c = rdkafka::ClientConfig::new();
        c.set("bootstrap.servers", &self.brokers);
        for (n, v) in self.conf.iter().chain(&self.topic_conf) {
            c.set(n, v);
        }
        c
    }
}

/// librdkafka's verdict on the settings, as its message.
pub fn check_conf(c: &OmkafkaConfig) -> Result<(), String> {
    check_client(&c.client_config(), Client::Producer)
}

/// Which kind of librdkafka client [`check_client`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    Producer,
    Consumer,
}

/// Checks librdkafka's settings as librdkafka does when the client is
/// made, without reaching a broker: names and values; the certificate
/// files, read now (one that is not there, or a SASL mechanism this build
/// lacks, is an error at load, not a client that never connects); and
/// TLS settings beside a plaintext protocol, which librdkafka would take
/// and ignore (omkafka and imkafka share it).
pub fn check_client(config: &rdkafka::ClientConfig, client: Client) -> Result<(), String> {
    config
        .create_native_config()
        .map(drop)
        .map_err(|e| e.to_string())?;
    if let Some(why) = plaintext_beside_tls(config) {
        return Err(why);
    }
    // No broker: the client reads its files and connects to nothing.
    let mut probe = config.clone();
    probe.remove("metadata.broker.list");
    probe.set("bootstrap.servers", "");
    match client {
        Client::Producer => probe.create::<rdkafka::producer::BaseProducer>().map(drop),
        Client::Consumer => probe.create::<rdkafka::consumer::BaseConsumer>().map(drop),
    }
    .map_err(|e| e.to_string())
}

/// Why the settings ask for TLS while the protocol is plaintext: an
/// `ssl.*` setting, or a broker whose `proto://` is not the protocol.
fn plaintext_beside_tls(config: &rdkafka::ClientConfig) -> Option<String> {
    let protocol = config
        .get("security.protocol")
        .unwrap_or("plaintext")
        .to_ascii_lowercase();
    let tls = protocol.ends_with("ssl");
    if !tls {
        if let Some(k) = config.config_map().keys().find(|k| k.starts_with("ssl.")) {
            return Some(format!(
                "{k} is a TLS setting, but security.protocol is {protocol}: the connection would be plaintext; set security.protocol=ssl (or sasl_ssl)"
            ));
        }
    }
    let brokers = config.get("bootstrap.servers").unwrap_or_default();
    brokers
        .split(',')
        .filter_map(|b| b.trim().split_once("://"))
        .find(|(scheme, _)| !scheme.eq_ignore_ascii_case(&protocol))
        .map(|(scheme, rest)| {
            format!(
                "the broker {scheme}://{rest} asks for {scheme}, but security.protocol is {protocol}: librdkafka would skip that broker; make them agree"
            )
        })
}

/// Why `keepFailedMessages` needs a disk queue, for the builder's error.
pub const KEEP_FAILED: &str = "corelog keeps undelivered messages in the action queue, never in librdkafka's memory: give the action a queue.filename (and queue.saveOnShutdown=\"on\" for a memory part) so they survive an exit or a crash; failedMsgFile is then not needed";
