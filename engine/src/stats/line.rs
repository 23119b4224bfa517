//! One statistics object as a line, in rsyslog 8.2302's formats
//! (statsobj.c): `legacy`, `json`, `json-elasticsearch` and `cee`.
//!
//! In: an object's name, origin and counters (in the order rsyslog adds
//! them), and whether they sit under a `values` namespace (dyn_stats and
//! percentile buckets). Out: the line, without a newline. No I/O.
//!
//! - legacy: `name: origin=O c1=v1 c2=v2 ` (every counter followed by a
//!   SP, the namespace flattened);
//! - json: libfastjson's spaced form, `{ "name": "N", "origin": "O",
//!   "c1": v1 }`, strings escaped as libfastjson does (`/` as `\/`);
//! - json-elasticsearch: json with `.` in counter names written `!`;
//! - cee: `@cee: ` and the json.

use std::fmt::Write;

/// impstats' `format=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Legacy,
    Json,
    JsonElasticsearch,
    Cee,
}

/// A statistics object as impstats reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsObject {
    pub name: String,
    pub origin: &'static str,
    pub counters: Vec<(String, i64)>,
    /// The counters are in a `values` object (json), as rsyslog's
    /// dyn_stats and percentile objects have them.
    pub values_namespace: bool,
}

impl StatsObject {
    pub fn new(name: impl Into<String>, origin: &'static str) -> StatsObject {
        StatsObject {
            name: name.into(),
            origin,
            counters: Vec::new(),
            values_namespace: false,
        }
    }

    /// Adds a counter (a `u64` beyond `i64` reads as `i64::MAX`).
    pub fn counter(mut self, name: impl Into<String>, value: u64) -> StatsObject {
        self.counters
            .push((name.into(), i64::try_from(value).unwrap_or(i64::MAX)));
        self
    }

    /// The object as one line in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Legacy => self.legacy(),
            Format::Json => self.json(false),
            Format::JsonElasticsearch => self.json(true),
            Format::Cee => format!("@cee: {}", self.json(false)),
        }
    }

    fn legacy(&self) -> String {
        let mut out = format!("{}: origin={} ", self.name, self.origin);
        for (name, v) in &self.counters {
            let _ = write!(out, "{name}={v} ");
        }
        out
    }

    fn json(&self, elasticsearch: bool) -> String {
        let mut out = String::from("{ \"name\": ");
        json_string(&mut out, &self.name);
        out.push_str(", \"origin\": ");
        json_string(&mut out, self.origin);
        let mut counters = String::new();
        for (i, (name, v)) in self.counters.iter().enumerate() {
            counters.push_str(if i == 0 { " " } else { ", " });
            if elasticsearch {
                json_string(&mut counters, &name.replace('.', "!"));
            } else {
                json_string(&mut counters, name);
            }
            let _ = write!(counters, ": {v}");
        }
        if self.values_namespace {
            out.push_str(", \"values\": {");
            out.push_str(if counters.is_empty() { " }" } else { &counters });
            if !counters.is_empty() {
                out.push_str(" }");
            }
        } else if !counters.is_empty() {
            out.push(',');
            out.push_str(&counters);
        }
        out.push_str(" }");
        out
    }
}

/// A JSON string as libfastjson writes it: `"`, `\`, `/` and the short
/// escapes; other control bytes as `\u00xx`; the rest as it is.
fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\u{8}' => out.push_str("\\b"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines of rsyslog's own tests (stats-json.sh, stats-cee.sh,
    /// stats-json-es.sh, no-dynstats-json.sh).
    #[test]
    fn rsyslogs_formats() {
        let a = StatsObject::new("an_action_that_is_never_called", "core.action")
            .counter("processed", 0)
            .counter("failed", 0)
            .counter("suspended", 0)
            .counter("suspended.duration", 0)
            .counter("resumed", 0);
        let json = r#"{ "name": "an_action_that_is_never_called", "origin": "core.action", "processed": 0, "failed": 0, "suspended": 0, "suspended.duration": 0, "resumed": 0 }"#;
        assert_eq!(a.render(Format::Json), json);
        assert_eq!(a.render(Format::Cee), format!("@cee: {json}"));
        assert_eq!(
            a.render(Format::JsonElasticsearch),
            json.replace("suspended.duration", "suspended!duration")
        );
        assert_eq!(
            a.render(Format::Legacy),
            "an_action_that_is_never_called: origin=core.action processed=0 failed=0 suspended=0 suspended.duration=0 resumed=0 "
        );
        let mut g = StatsObject::new("global", "dynstats");
        g.values_namespace = true;
        assert_eq!(
            g.render(Format::Json),
            r#"{ "name": "global", "origin": "dynstats", "values": { } }"#
        );
        assert_eq!(g.render(Format::Legacy), "global: origin=dynstats ");
        let g = g.counter("foo", 3);
        assert_eq!(
            g.render(Format::Json),
            r#"{ "name": "global", "origin": "dynstats", "values": { "foo": 3 } }"#
        );
        let u = StatsObject::new("imudp(*/514/IPv4)", "imudp").counter("submitted", 2);
        assert_eq!(
            u.render(Format::Json),
            r#"{ "name": "imudp(*\/514\/IPv4)", "origin": "imudp", "submitted": 2 }"#
        );
    }
}
