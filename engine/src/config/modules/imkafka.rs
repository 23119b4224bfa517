//! imkafka: `module(load="imkafka")` and `input(type="imkafka")`.
//!
//! In: the module's and each input's parameters (rsyslog 8.2302's). Out:
//! an [`ImkafkaConfig`], each input's librdkafka settings already checked
//! by librdkafka, so a misspelt `confParam` is an error at its
//! file:line:column.
//!
//! Where corelog differs from rsyslog (docs/kafka.md):
//! - rsyslog's consumer commits what it has *read* (librdkafka's
//!   auto-commit, every 5 s), so what its queue held when it died is never
//!   read again. corelog commits a partition's offset only once the
//!   messages before it are in the ruleset's queue — on disk, for a Disk
//!   queue — so a kill -9 re-reads at most what was not yet queued.
//!   librdkafka's `enable.auto.commit` and `enable.auto.offset.store`
//!   are therefore corelog's to set, and an error in `confParam`.
//! - `consumergroup` is required: librdkafka cannot subscribe without a
//!   group (rsyslog accepts the input, and its consumer never starts).

use crate::config::param::{Param, Resolved, Table, Type};

/// `module(load="imkafka")`.
pub static MODULE: Table = Table {
    object: "module(load=\"imkafka\")",
    params: &[Param::new("ruleset", Type::Ruleset, "")
        .note("the inputs' ruleset when they name none")
        .sample("sample")],
};

/// `input(type="imkafka")`.
pub static INPUT: Table = Table {
    object: "input(type=\"imkafka\")",
    params: &[
        Param::new("type", Type::Str, ""),
        Param::new("topic", Type::Str, "")
            .note("required")
            .sample("other"),
        Param::new("broker", Type::Array, BROKER_DEFAULT),
        Param::new("confParam", Type::Array, "").sample("fetch.wait.max.ms=50"),
        Param::new("consumergroup", Type::Str, "")
            .note("required (librdkafka subscribes only in a group)")
            .sample("other-group"),
        Param::new("ruleset", Type::Ruleset, ""),
        Param::new("parseHostname", Type::Bool, "off"),
    ],
};

/// rsyslog's broker when none is given.
pub const BROKER_DEFAULT: &str = "localhost:9092";

/// librdkafka's settings that corelog keeps for itself, and why.
pub const OWN: &[(&str, &str)] = &[
    ("enable.auto.commit", "false"),
    ("enable.auto.offset.store", "false"),
];

const OWN_WHY: &str = "corelog commits a partition's offset itself, once the messages before it are in the ruleset's queue (on disk for a Disk queue); librdkafka's automatic commit would commit what is only read, and lose it on a crash, as rsyslog's imkafka does";

/// One imkafka input, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaInput {
    pub topic: String,
    /// `broker`, joined with commas.
    pub brokers: String,
    pub group: String,
    /// librdkafka's settings, in order: rsyslog's default
    /// (`auto.offset.reset=smallest`), `confParam` verbatim, corelog's
    /// own ([`OWN`]).
    pub conf: Vec<(String, String)>,
    /// The ruleset (an index into the plan's), set by the builder.
    pub ruleset: usize,
    /// `parseHostname`: the word after the time is the HOSTNAME.
    pub parse_hostname: bool,
}

/// imkafka, typed: its inputs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImkafkaConfig {
    pub inputs: Vec<KafkaInput>,
}

/// Reads an input; returns it and the name of the ruleset it names.
pub fn resolve_input(r: &Resolved) -> Result<(KafkaInput, Option<String>), (&'static str, String)> {
    r.consumed("type");
    let topic = r.opt_str("topic").unwrap_or_default();
    let group = r.opt_str("consumergroup").unwrap_or_default();
    let mut brokers = r.list("broker");
    let given_conf = r.list("confParam");
    let ruleset = r.opt_str("ruleset").filter(|n| !n.is_empty());
    let parse_hostname = r.bool("parseHostname");
    if topic.is_empty() {
        return Err(("topic", "topic=\"…\" is required".into()));
    }
    if topic.starts_with('^') {
        return Err((
            "topic",
            "a topic pattern (^…) is not built: offsets are committed per topic named; name the topic".into(),
        ));
    }
    if group.is_empty() {
        return Err((
            "consumergroup",
            "consumergroup=\"…\" is required: librdkafka subscribes to a topic only in a consumer group, and corelog commits the group's offsets".into(),
        ));
    }
    if brokers.is_empty() {
        brokers.push(BROKER_DEFAULT.to_string());
    }
    let mut conf = vec![("auto.offset.reset".to_string(), "smallest".to_string())];
    for e in given_conf {
        let Some((n, v)) = e.split_once('=').map(|(n, v)| (n.trim(), v)) else {
            return Err(("confParam", format!("'{e}' is not name=value")));
        };
        if let Some((own, _)) = OWN.iter().find(|(o, _)| o.eq_ignore_ascii_case(n)) {
            return Err(("confParam", format!("{own} is corelog's to set: {OWN_WHY}")));
        }
        if n.eq_ignore_ascii_case("group.id") {
            return Err(("confParam", "the group is consumergroup=\"…\"".into()));
        }
        conf.push((n.to_string(), v.to_string()));
    }
    conf.extend(OWN.iter().map(|(n, v)| (n.to_string(), v.to_string())));
    Ok((
        KafkaInput {
            topic,
            brokers: brokers.join(","),
            group,
            conf,
            ruleset: 0,
            parse_hostname,
        },
        ruleset,
    ))
}

impl KafkaInput {
    /// librdkafka's settings for the consumer.
    pub fn client_config(&self) -> rdkafka::ClientConfig {
        let mut c = rdkafka::ClientConfig::new();
        c.set("bootstrap.servers", &self.brokers);
        c.set("group.id", &self.group);
        for (n, v) in &self.conf {
            c.set(n, v);
        }
        c
    }
}

/// librdkafka's verdict on the settings, as its message (see
/// [`super::omkafka::check_client`]).
pub fn check_conf(i: &KafkaInput) -> Result<(), String> {
    super::omkafka::check_client(&i.client_config(), super::omkafka::Client::Consumer)
}
