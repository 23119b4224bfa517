//! The statistics objects as Prometheus text exposition (version 0.0.4),
//! for imhttp's `metricsPath`.
//!
//! In: the objects impstats reports (never reset: Prometheus counters
//! only grow). Out: one metric family per kind of counter, named by
//! Prometheus conventions (`corelog_` prefix, `_total` on counters, base
//! units in the name), the object in labels:
//! - inputs: `corelog_input_submitted_total{input="imtcp(514)",module="imtcp"}`, …;
//! - actions: `corelog_action_processed_total{action="…"}`, …,
//!   `corelog_action_suspended_seconds_total`;
//! - queues: `corelog_queue_size{queue="main Q"}` (a gauge),
//!   `corelog_queue_enqueued_total`, …, `corelog_queue_max_size`;
//! - cores: `corelog_core_queue_size{core="0"}`, …;
//! - corelog's own: `corelog_received_total`, `corelog_tls_handshakes_failed_total`, …;
//! - resource usage: `corelog_cpu_user_seconds_total`, `corelog_max_rss_bytes`, `corelog_open_files`, …;
//! - buckets: `corelog_dynstats_total{bucket=…,key=…}`,
//!   `corelog_percentile{bucket=…,key=…,stat=…}`.
//!
//! Guarantees: every name matches `[a-zA-Z_:][a-zA-Z0-9_:]*`, label values
//! are escaped (`\\`, `"`, newline), each family has one `# TYPE` line
//! before its samples. No I/O.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::line::StatsObject;

/// Counters that are gauges (a level, not a count).
const GAUGES: [&str; 3] = ["size", "maxqsize", "queue.size"];

/// A family's samples: label set → value.
type Samples = Vec<(String, f64)>;

/// The exposition of `objects`.
pub fn render(objects: &[StatsObject]) -> String {
    // family name → (type, help, samples); BTreeMap: a stable order.
    let mut families: BTreeMap<String, (&'static str, String, Samples)> = BTreeMap::new();
    let mut add = |name: String, kind: &'static str, help: String, labels: String, v: f64| {
        let f = families
            .entry(name)
            .or_insert_with(|| (kind, help, Vec::new()));
        f.2.push((labels, v));
    };
    for o in objects {
        for (counter, v) in &o.counters {
            let v = *v as f64;
            let c = sanitize(counter);
            let gauge = GAUGES.contains(&counter.as_str());
            let (kind, suffix) = if gauge {
                ("gauge", "")
            } else {
                ("counter", "_total")
            };
            match o.origin {
                "imtcp" | "imudp" | "imptcp" | "imrelp" | "imuxsock" => add(
                    format!("corelog_input_{c}{suffix}"),
                    kind,
                    format!("impstats' {counter} of each input"),
                    format!("input=\"{}\",module=\"{}\"", escape(&o.name), o.origin),
                    v,
                ),
                "core.action" if counter == "suspended.duration" => add(
                    "corelog_action_suspended_seconds_total".into(),
                    "counter",
                    "Seconds each action was suspended for".into(),
                    format!("action=\"{}\"", escape(&o.name)),
                    v,
                ),
                "core.action" => add(
                    format!("corelog_action_{c}_total"),
                    "counter",
                    format!("impstats' {counter} of each action"),
                    format!("action=\"{}\"", escape(&o.name)),
                    v,
                ),
                "core.queue" => {
                    let name = match counter.as_str() {
                        "size" => "corelog_queue_size".to_string(),
                        "maxqsize" => "corelog_queue_max_size".to_string(),
                        _ => format!("corelog_queue_{c}_total"),
                    };
                    add(
                        name,
                        kind,
                        format!("impstats' {counter} of each queue"),
                        format!("queue=\"{}\"", escape(&o.name)),
                        v,
                    )
                }
                "corelog" if o.name == "corelog" => add(
                    format!("corelog_{c}_total"),
                    "counter",
                    format!("corelog's {counter}, over every input"),
                    String::new(),
                    v,
                ),
                "corelog" => add(
                    format!("corelog_core_{c}{suffix}"),
                    kind,
                    format!("{counter} of each core's share of the main queue"),
                    format!("core=\"{}\"", escape(o.name.trim_start_matches("core "))),
                    v,
                ),
                "impstats" => {
                    let (name, kind, v) = match counter.as_str() {
                        "utime" => ("corelog_cpu_user_seconds_total", "counter", v / 1e6),
                        "stime" => ("corelog_cpu_system_seconds_total", "counter", v / 1e6),
                        "maxrss" => ("corelog_max_rss_bytes", "gauge", v * 1024.0),
                        "openfiles" => ("corelog_open_files", "gauge", v),
                        "minflt" => ("corelog_minor_page_faults_total", "counter", v),
                        "majflt" => ("corelog_major_page_faults_total", "counter", v),
                        "inblock" => ("corelog_block_inputs_total", "counter", v),
                        "oublock" => ("corelog_block_outputs_total", "counter", v),
                        "nvcsw" => ("corelog_voluntary_context_switches_total", "counter", v),
                        _ => ("corelog_involuntary_context_switches_total", "counter", v),
                    };
                    add(
                        name.into(),
                        kind,
                        format!("getrusage's {counter}"),
                        String::new(),
                        v,
                    )
                }
                "dynstats.bucket" => add(
                    "corelog_dynstats_total".into(),
                    "counter",
                    "dyn_inc() counts of each dyn_stats bucket's keys".into(),
                    format!("bucket=\"{}\",key=\"{}\"", escape(&o.name), escape(counter)),
                    v,
                ),
                "percentile.bucket" => add(
                    "corelog_percentile".into(),
                    "gauge",
                    "Each percentile_stats key's window: percentiles, min, max, sum, count".into(),
                    format!(
                        "bucket=\"{}\",stat=\"{}\"",
                        escape(&o.name),
                        escape(counter)
                    ),
                    v,
                ),
                _ => add(
                    format!("corelog_{}_{c}_total", sanitize(o.origin)),
                    "counter",
                    format!("impstats' {} {counter}", o.origin),
                    String::new(),
                    v,
                ),
            }
        }
    }
    let mut out = String::new();
    for (name, (kind, help, samples)) in &families {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        for (labels, v) in samples {
            if labels.is_empty() {
                let _ = writeln!(out, "{name} {v}");
            } else {
                let _ = writeln!(out, "{name}{{{labels}}} {v}");
            }
        }
    }
    out
}

/// A metric name part: what is not `[a-zA-Z0-9_]` becomes `_`.
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// A label value: `\`, `"` and newline escaped.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_typed_once_and_labelled() {
        let objs = vec![
            StatsObject::new("imtcp(514)", "imtcp").counter("submitted", 7),
            StatsObject::new("imtcp(10514)", "imtcp").counter("submitted", 1),
            StatsObject::new("main Q", "core.queue")
                .counter("size", 3)
                .counter("discarded.full", 0),
            StatsObject::new("a \"quoted\" action", "core.action")
                .counter("processed", 7)
                .counter("suspended.duration", 30),
        ];
        let text = render(&objs);
        assert_eq!(
            text.matches("# TYPE corelog_input_submitted_total counter")
                .count(),
            1
        );
        assert!(text
            .contains("corelog_input_submitted_total{input=\"imtcp(514)\",module=\"imtcp\"} 7\n"));
        assert!(text
            .contains("# TYPE corelog_queue_size gauge\ncorelog_queue_size{queue=\"main Q\"} 3\n"));
        assert!(text.contains("corelog_queue_discarded_full_total{queue=\"main Q\"} 0\n"));
        assert!(
            text.contains("corelog_action_processed_total{action=\"a \\\"quoted\\\" action\"} 7\n")
        );
        assert!(text.contains(
            "corelog_action_suspended_seconds_total{action=\"a \\\"quoted\\\" action\"} 30\n"
        ));
    }
}
