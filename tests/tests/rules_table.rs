//! Table-driven rule tests: a configuration and input messages in, which
//! files the actions write and what, out. Plus the plan details the
//! real-world examples of issue #3 depend on (queue types, retry counts,
//! rulesets with their own queues, bound inputs).

use std::collections::BTreeMap;
use std::sync::Arc;

use corelog::config::modules::omfwd::Protocol;
use corelog::config::modules::Listen;
use corelog::config::{self, OutputConfig, QueueType};
use corelog::msg::timestamp::parse_rfc3339;
use corelog::Origin;
use corelog_tests::sink::run_plan;

/// Runs `conf` over `messages`; returns file → contents.
fn run(conf: &str, messages: &[&str]) -> BTreeMap<String, String> {
    let plan = config::load_str("test.conf", conf).unwrap_or_else(|e| panic!("{e}"));
    let now = parse_rfc3339(b"2026-11-23T01:02:03.456789+00:00")
        .unwrap()
        .0;
    let origin = Arc::new(Origin::new("10.0.0.9", "10.0.0.9", "imtcp"));
    run_plan(&plan, messages, &vec![now; messages.len()], &origin)
        .into_iter()
        .map(|(k, v)| (k, String::from_utf8(v).unwrap()))
        .collect()
}

fn files(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const MSGS: &[&str] = &[
    "<134>Oct 11 22:14:15 h1 ServerLog: request took 5 ms",
    "<134>Oct 11 22:14:16 h1 other: not the server log",
    "<155>Oct 11 22:14:17 h2 app3: local3 message",
    "<166>Oct 11 22:14:18 h2 worker: local4 message",
    "<13>Oct 11 22:14:19 h3 x: hello world",
    "<13>Oct 11 22:14:20 h3 x: apple",
];

struct Case {
    name: &'static str,
    conf: &'static str,
    expect: &'static [(&'static str, &'static str)],
}

const CASES: &[Case] = &[
    Case {
        name: "issue example: dynafile with stop",
        conf: "$template serverLog,\"/home/USERNAME/Server.log\"\n$template LogFormat,\"%msg%\\n\"\nif $syslogfacility-text == 'local0' and $syslogtag contains 'ServerLog' then -?serverLog;LogFormat\n& stop\n$template rest,\"%syslogtag%\\n\"\n*.* /rest.log;rest\n",
        expect: &[
            ("/home/USERNAME/Server.log", " request took 5 ms\n"),
            ("/rest.log", "other:\napp3:\nworker:\nx:\nx:\n"),
        ],
    },
    Case {
        name: "issue example: local3 to a file, local4 to a dynafile",
        conf: "$template t_msg,\"%msg%\\n\"\n$template f_local3_test,\"/data0/logs/%programname%.log\"\nlocal3.* -/data0/logs/local3.log;t_msg\nLocal4.* -?f_local3_test;t_msg\n",
        expect: &[
            ("/data0/logs/local3.log", " local3 message\n"),
            ("/data0/logs/worker.log", " local4 message\n"),
        ],
    },
    Case {
        name: "issue example: property regex filter",
        conf: "$template t,\"%msg%\\n\"\n:msg, regex, \"^ [g-z]\" /root/2000.log;t\n",
        expect: &[
            ("/root/2000.log", " request took 5 ms\n not the server log\n local3 message\n local4 message\n hello world\n"),
        ],
    },
    Case {
        name: "default template is RSYSLOG_FileFormat",
        conf: "user.* /u.log\n",
        expect: &[(
            "/u.log",
            "2026-10-11T22:14:19+00:00 h3 x: hello world\n2026-10-11T22:14:20+00:00 h3 x: apple\n",
        )],
    },
    Case {
        name: "$ActionFileDefaultTemplate is sticky for later omfile actions",
        conf: "$ActionFileDefaultTemplate RSYSLOG_TraditionalFileFormat\nuser.* /a.log\nif $msg contains 'apple' then action(type=\"omfile\" file=\"/b.log\")\n",
        expect: &[
            ("/a.log", "Oct 11 22:14:19 h3 x: hello world\nOct 11 22:14:20 h3 x: apple\n"),
            ("/b.log", "Oct 11 22:14:20 h3 x: apple\n"),
        ],
    },
    Case {
        name: "variables set earlier are visible to filters and templates",
        conf: "template(name=\"t\" type=\"string\" string=\"%$!kind%:%$.len%\\n\")\nif $msg contains 'apple' then set $!kind = 'fruit'; else set $!kind = 'other';\nset $.len = strlen($msg);\nif $!kind == 'fruit' then action(type=\"omfile\" file=\"/fruit\" template=\"t\")\naction(type=\"omfile\" file=\"/all\" template=\"t\")\n",
        expect: &[
            ("/fruit", "fruit:6\n"),
            ("/all", "other:18\nother:19\nother:15\nother:15\nother:12\nfruit:6\n"),
        ],
    },
    Case {
        name: "call runs a ruleset inline and returns; stop there stops the caller too",
        conf: "template(name=\"t\" type=\"string\" string=\"%programname%\\n\")\nruleset(name=\"r\") { if $programname == 'x' then stop\n action(type=\"omfile\" file=\"/in\" template=\"t\") }\ncall r\naction(type=\"omfile\" file=\"/after\" template=\"t\")\n",
        expect: &[
            ("/in", "ServerLog\nother\napp3\nworker\n"),
            ("/after", "ServerLog\nother\napp3\nworker\n"),
        ],
    },
    Case {
        name: "legacy $Ruleset collects the following lines",
        conf: "$template t,\"%programname%\\n\"\n$Ruleset other\n*.* /other;t\n$Ruleset RSYSLOG_DefaultRuleset\nlocal4.* /main;t\n",
        expect: &[("/main", "worker\n")],
    },
    Case {
        name: "else if chains and same-precedence and/or",
        conf: "template(name=\"t\" type=\"string\" string=\"%programname%\\n\")\nif $programname == 'x' or $programname == 'app3' and $msg contains 'local' then action(type=\"omfile\" file=\"/a\" template=\"t\")\nelse if $syslogfacility-text == 'local0' then action(type=\"omfile\" file=\"/b\" template=\"t\")\nelse action(type=\"omfile\" file=\"/c\" template=\"t\")\n",
        expect: &[("/a", "app3\n"), ("/b", "ServerLog\nother\n"), ("/c", "worker\nx\nx\n")],
    },
];

#[test]
fn table() {
    for case in CASES {
        assert_eq!(
            run(case.conf, MSGS),
            files(case.expect),
            "case: {}",
            case.name
        );
    }
}

#[test]
fn legacy_queue_directives_apply_to_the_next_action_only() {
    let plan = config::load_str(
        "t.conf",
        "$ActionQueueType LinkedList\n$ActionQueueFileName local3\n$ActionResumeRetryCount -1\n$ActionQueueSaveOnShutdown on\n*.* @@10.0.0.44:1999\n*.* @@10.0.0.45:1999\n",
    )
    .unwrap();
    let (a, b) = (&plan.actions[0], &plan.actions[1]);
    let OutputConfig::Omfwd(fwd) = &a.output else {
        panic!("{:?} is not omfwd", a.output);
    };
    assert_eq!(fwd.target, "10.0.0.44");
    assert_eq!(fwd.port, 1999);
    assert_eq!(fwd.protocol, Protocol::Tcp);
    assert_eq!(a.queue.kind, QueueType::LinkedList);
    assert_eq!(a.queue.filename.as_deref(), Some("local3"));
    assert!(a.queue.save_on_shutdown);
    assert_eq!(a.common.resume_retry_count, -1);
    // Consumed by the first action: the second has the defaults.
    assert_eq!(b.queue.kind, QueueType::Direct);
    assert_eq!(b.common.resume_retry_count, 0);
    assert_eq!(a.template.name(), "RSYSLOG_TraditionalForwardFormat");
}

#[test]
fn ruleset_with_its_own_main_queue_and_bound_input() {
    let plan = config::load_str(
        "t.conf",
        "$ModLoad imtcp\n$Ruleset tcp1999\n$RulesetCreateMainQueue on\n*.* /var/log/tcp1999.log\n$InputTCPServerBindRuleset tcp1999\n$InputTCPServerRun 1999\n",
    )
    .unwrap();
    let r = plan.ruleset("tcp1999").unwrap();
    assert!(plan.rulesets[r].queue.is_some());
    assert_eq!(plan.inputs.len(), 1);
    assert_eq!(plan.inputs[0].config.module, "imtcp");
    assert_eq!(plan.inputs[0].ruleset, r);
    assert!(matches!(&plan.inputs[0].config.listen, Listen::Tcp { ports, .. } if ports == &[1999]));
}

#[test]
fn main_queue_statement_switches_to_ruleset_defaults() {
    let legacy = config::load_str("t.conf", "*.* /x\n").unwrap();
    assert_eq!(
        (legacy.main_queue.size, legacy.main_queue.worker_threads),
        (100_000, 2)
    );
    let rs = config::load_str(
        "t.conf",
        "main_queue(queue.dequeueBatchSize=\"512\")\n*.* /x\n",
    )
    .unwrap();
    assert_eq!(
        (rs.main_queue.size, rs.main_queue.worker_threads),
        (50_000, 1)
    );
    assert_eq!(rs.main_queue.dequeue_batch_size, 512);
    let corrected = config::load_str(
        "t.conf",
        "main_queue(queue.size=\"1000\" queue.highWatermark=\"5000\")\n*.* /x\n",
    )
    .unwrap();
    assert_eq!(corrected.main_queue.high_watermark, 900);
    assert_eq!(corrected.main_queue.low_watermark, 630);
}

#[test]
fn errors_name_file_line_column_and_suggest() {
    let e = config::load_str(
        "bad.conf",
        "module(load=\"imtcp\")\ninput(type=\"imtcp\" port=\"514\" rulset=\"x\")\naction(type=\"omfile\" file=\"/x\" template=\"nope\")\nif $msg == 'a' then call missing\n",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("bad.conf:2:31: error: unknown parameter 'rulset' in input(type=\"imtcp\") (did you mean 'ruleset'?)"), "{e}");
    assert!(
        e.contains("bad.conf:3:32: error: template 'nope' is not defined"),
        "{e}"
    );
    assert!(
        e.contains("bad.conf:4:21: error: ruleset 'missing' is not defined"),
        "{e}"
    );
}

#[test]
fn sticky_legacy_settings_and_failover() {
    use corelog::rule::{run_batch, ActionResult, ActionSink, BatchState};
    use corelog::{parse, Env, Message};

    let plan = config::load_str(
        "t.conf",
        "$ActionResumeInterval 10\n*.* @@primary:514\n$ActionExecOnlyWhenPreviousIsSuspended on\n& @@backup:514\n& /spool.log\n$ActionExecOnlyWhenPreviousIsSuspended off\n*.* /after.log\n",
    )
    .unwrap();
    let a = &plan.actions;
    assert_eq!(
        a.iter()
            .map(|x| x.common.resume_interval_s)
            .collect::<Vec<_>>(),
        [10, 10, 10, 10]
    );
    assert_eq!(
        a.iter()
            .map(|x| x.common.exec_only_when_previous_is_suspended)
            .collect::<Vec<_>>(),
        [false, true, true, false]
    );

    // The primary suspends for messages that say "down"; the backup runs
    // only for those, and the spool only when the backup suspends too.
    struct Sink<'a> {
        plan: &'a config::Plan,
        ran: Vec<(usize, usize)>,
    }
    impl ActionSink for Sink<'_> {
        fn action_flag(&self, action: usize) -> bool {
            self.plan.actions[action]
                .common
                .exec_only_when_previous_is_suspended
        }
        fn run(
            &mut self,
            action: usize,
            msgs: &[Message],
            which: &[u32],
            results: &mut [ActionResult],
        ) {
            for &i in which {
                self.ran.push((action, i as usize));
                let down = memchr::memmem::find(msgs[i as usize].msg(), b"down").is_some();
                let both = memchr::memmem::find(msgs[i as usize].msg(), b"both").is_some();
                results[i as usize] = match action {
                    0 if down => ActionResult::Suspended,
                    1 if both => ActionResult::Suspended,
                    _ => ActionResult::Ok,
                };
            }
        }
    }
    let now = parse_rfc3339(b"2026-11-23T01:02:03Z").unwrap().0;
    let origin = Arc::new(Origin::new("h", "127.0.0.1", "imtcp"));
    let mut msgs: Vec<_> = [
        "<13>Oct 1 00:00:00 h t: up",
        "<13>Oct 1 00:00:00 h t: down",
        "<13>Oct 1 00:00:00 h t: down both",
    ]
    .iter()
    .map(|m| {
        parse(
            bytes::Bytes::from_static(m.as_bytes()),
            &origin,
            now,
            &plan.globals.parse,
        )
    })
    .collect();
    let env = Env::new(now, "h");
    let mut sink = Sink {
        plan: &plan,
        ran: Vec::new(),
    };
    run_batch(
        &plan.ruleset_bodies(),
        plan.default_ruleset,
        &mut msgs,
        &env,
        &mut sink,
        &mut BatchState::default(),
    );
    assert_eq!(
        sink.ran,
        [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2), (3, 0), (3, 1), (3, 2)],
        "primary for all, backup for the suspended, spool for the doubly suspended, then the next rule for all"
    );
}
