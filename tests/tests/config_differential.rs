//! Differential test of the configuration language and the rule engine
//! against the real rsyslogd.
//!
//! Each case is an rsyslog.conf fragment with filters, rulesets, `call`,
//! `stop`, variables, selectors and property filters writing to files. The
//! same fragment runs in a private rsyslogd (fed a fixed set of messages
//! over TCP) and in corelog (the same text through `config::load_str`, the
//! same messages through the rule engine, omfile actions written to
//! memory). Every file must have the same bytes on both sides.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use corelog::msg::timestamp::parse_rfc3339;
use corelog::{config, Origin};
use corelog_tests::rsyslogd::Rsyslogd;
use corelog_tests::sink::run_plan;
use corelog_tests::wait_for;

const MESSAGES: &[&str] = &[
    "<13>Oct 11 22:14:15 web01 sshd[101]: Accepted password for root from 192.0.2.7 port 22 ssh2",
    "<11>Oct 11 22:14:16 web01 sshd[102]: error: authentication failure for admin",
    "<86>Oct 11 22:14:17 db-2 su: pam_unix(su:session): session opened for user postgres",
    "<78>Oct 11 22:14:18 db-2 CRON[3000]: (root) CMD (run-parts /etc/cron.hourly)",
    "<0>Oct 11 22:14:19 web01 kernel: Out of memory: Killed process 1234",
    "<4>Oct 11 22:14:20 web01 kernel: usb 1-1: new high-speed USB device number 2",
    "<7>Oct 11 22:14:21 web01 kernel: debug noise 42",
    "<22>Oct 11 22:14:22 mail1 postfix/smtpd[555]: connect from unknown[10.1.2.3]",
    "<19>Oct 11 22:14:23 mail1 postfix/smtpd[556]: warning: hostname does not resolve",
    "<20>Oct 11 22:14:24 mail1 postfix/qmgr[557]: 4F2A1: removed",
    "<30>Oct 11 22:14:25 app3 myapp[700]: user=alice action=login status=ok",
    "<27>Oct 11 22:14:26 app3 myapp[701]: user=bob action=login status=failed",
    "<134>Oct 11 22:14:27 app3 ServerLog: request 17 took 250 ms",
    "<135>Oct 11 22:14:28 app3 ServerLog: debug: cache hit ratio 0.93",
    "<158>Oct 11 22:14:29 edge haproxy[900]: 10.0.0.1:5000 [11/Oct] fe be/srv 0/0/1/2/3 200 512",
    "<163>Oct 11 22:14:30 edge nginx: GET /index.html 404",
    "<165>1 2026-10-11T22:14:31.003Z gw.example.com evntslog 77 ID47 [ex@32473 iut=\"3\"] An application event",
    "<166>1 2026-10-11T22:14:32.123456+02:00 gw.example.com app - - - structured but plain",
    "<174>Oct 11 22:14:33 h4 local5app: hello local5",
    "<182>Oct 11 22:14:34 h4 local6app: message with ERROR in caps",
    "<187>Oct 11 22:14:35 h4 local7app[1]: failure of component x",
    "<190>%PIX-7-710005: UDP request discarded from 10.0.0.1/137",
    "<38>Oct 11 22:14:36 h5 sudo: alice : TTY=pts/0 ; PWD=/home/alice ; COMMAND=/bin/ls",
    "<85>Oct 11 22:14:37 h5 sudo: pam_unix(sudo:auth): authentication failure",
    "<45>Oct 11 22:14:38 h5 rsyslogd: [origin software=\"rsyslogd\"] start",
    "<13>Oct 11 22:14:39 h6 tagonly:",
    "<13>Oct 11 22:14:40 h6 numbers: 5",
    "<13>Oct 11 22:14:41 h6 numbers:5",
    "<13>Oct 11 22:14:42 h6 spaces:    lots   of   spaces   ",
    "<13>Oct 11 22:14:43 h6 fields: a,b,,d,e",
    "<14>Oct 11 22:14:44 h7 app: xxxx marks the spot",
    "<9>Oct 11 22:14:45 h7 auth-app: grant ok",
    "<81>Oct 11 22:14:46 h7 authpriv-app: secret",
    "<62>Oct 11 22:14:47 h7 syslogd: restart",
    "<62>Oct 11 22:14:48 web01 syslogd: restart again",
    "<142>Oct 11 22:14:49 web02 ServerLog: second server",
    "<13>Oct 11 22:14:50 web02 debug-tool: debug line",
    "<13>Oct 11 22:14:51 web02 gateway: fail(ed) and failure",
    "<15>Oct 11 22:14:52 web02 gateway: trailing tab\tend",
    "<13>no timestamp or host at all",
];

/// (name, config fragment). `@OUT@` is the output directory.
const CASES: &[(&str, &str)] = &[
    ("selector_default_template", "*.info @OUT@/info.log\n"),
    ("selector_eq", "$template t,\"%pri% %msg%\\n\"\nmail.=info @OUT@/a.log;t\nmail.=warning @OUT@/b.log;t\n"),
    ("selector_none", "$template t,\"%syslogfacility-text%.%syslogseverity-text% %msg%\\n\"\n*.*;auth,authpriv.none @OUT@/a.log;t\n"),
    ("selector_not", "$template t,\"%pri% %msg%\\n\"\nkern.!err @OUT@/a.log;t\nmail.*;mail.!=info @OUT@/b.log;t\n"),
    ("selector_fac_list", "$template t,\"%pri% %msg%\\n\"\nmail,news,local0.warning @OUT@/a.log;t\n"),
    ("selector_local3_async", "$template t_msg,\"%msg%\\n\"\nlocal3.* -@OUT@/local3.log;t_msg\nlocal4.* -@OUT@/local4.log;t_msg\n"),
    ("selector_case_insensitive", "$template t,\"%pri%\\n\"\nLocal4.* @OUT@/a.log;t\nLOCAL6.INFO @OUT@/b.log;t\n"),
    ("selector_multi_line_amp", "$template t,\"%msg%\\n\"\nmail.* @OUT@/a.log;t\n& @OUT@/b.log;t\n& stop\n*.* @OUT@/c.log;t\n"),
    ("propfilter_contains", "$template t,\"%msg%\\n\"\n:msg, contains, \"error\" @OUT@/a.log;t\n"),
    ("propfilter_not_contains", "$template t,\"%msg%\\n\"\n:msg, !contains, \"error\" @OUT@/a.log;t\n"),
    ("propfilter_isequal", "$template t,\"%msg%\\n\"\n:programname, isequal, \"sshd\" @OUT@/a.log;t\n"),
    ("propfilter_startswith", "$template t,\"%hostname% %msg%\\n\"\n:hostname, startswith, \"web\" @OUT@/a.log;t\n"),
    ("propfilter_regex_issue", "$template t,\"%msg%\\n\"\n:msg, regex, \"^ [g-z]\" @OUT@/2000.log;t\n"),
    ("propfilter_ereregex", "$template t,\"%msg%\\n\"\n:msg, ereregex, \"fail(ed|ure)\" @OUT@/a.log;t\n"),
    ("propfilter_not_startswith", "$template t,\"%syslogtag% %msg%\\n\"\n:syslogtag, !startswith, \"post\" @OUT@/a.log;t\n"),
    ("propfilter_isempty", "$template t,\"%hostname%\\n\"\n:msg, isempty, \"\" @OUT@/a.log;t\n"),
    ("if_and_or_same_precedence", "template(name=\"t\" type=\"string\" string=\"%msg%\\n\")\nif $syslogseverity <= 3 or $programname == 'CRON' and $msg contains 'root' then action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("if_else_chain", "template(name=\"t\" type=\"string\" string=\"%msg%\\n\")\nif $syslogseverity <= 3 then {\n action(type=\"omfile\" file=\"@OUT@/err.log\" template=\"t\")\n} else if $syslogseverity <= 5 then {\n action(type=\"omfile\" file=\"@OUT@/notice.log\" template=\"t\")\n} else {\n action(type=\"omfile\" file=\"@OUT@/rest.log\" template=\"t\")\n}\n"),
    ("if_not", "template(name=\"t\" type=\"string\" string=\"%msg%\\n\")\nif not ($msg contains 'error') then action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("stop_ends_processing", "template(name=\"t\" type=\"string\" string=\"%programname% %msg%\\n\")\nif $programname == 'sshd' then stop\naction(type=\"omfile\" file=\"@OUT@/rest.log\" template=\"t\")\n"),
    ("tilde_discard", "$template t,\"%msg%\\n\"\n:msg, contains, \"debug\" ~\n*.* @OUT@/a.log;t\n"),
    ("issue_example_dynafile", "$template serverLog,\"@OUT@/Server.log\"\n$template LogFormat,\"%msg%\\n\"\nif $syslogfacility-text == 'local0' and $syslogtag contains 'ServerLog' then -?serverLog;LogFormat\n& stop\n$template t,\"%syslogtag%\\n\"\n*.* @OUT@/rest.log;t\n"),
    ("dynafile_programname", "$template dyn,\"@OUT@/by-prog/%programname%.log\"\n$template t,\"%msg%\\n\"\n*.* ?dyn;t\n"),
    ("dynafile_action", "template(name=\"dyn\" type=\"string\" string=\"@OUT@/%hostname%/%syslogfacility-text%.log\")\ntemplate(name=\"t\" type=\"string\" string=\"%msg%\\n\")\naction(type=\"omfile\" dynaFile=\"dyn\" template=\"t\")\n"),
    ("ruleset_call", "template(name=\"t\" type=\"string\" string=\"%msg%\\n\")\nruleset(name=\"errors\") {\n if $syslogseverity <= 3 then action(type=\"omfile\" file=\"@OUT@/errors.log\" template=\"t\")\n}\ncall errors\naction(type=\"omfile\" file=\"@OUT@/all.log\" template=\"t\")\n"),
    ("call_stop_propagates", "template(name=\"t\" type=\"string\" string=\"%msg%\\n\")\nruleset(name=\"filter\") {\n if $msg contains 'debug' then stop\n action(type=\"omfile\" file=\"@OUT@/inner.log\" template=\"t\")\n}\ncall filter\naction(type=\"omfile\" file=\"@OUT@/after.log\" template=\"t\")\n"),
    ("legacy_ruleset_switch", "$template t,\"%msg%\\n\"\n$Ruleset other\n*.* @OUT@/other.log;t\n$Ruleset RSYSLOG_DefaultRuleset\nmail.* @OUT@/mail.log;t\nif $programname == 'kernel' then call other\n"),
    ("set_message_var", "template(name=\"t\" type=\"string\" string=\"%$!user%|%msg%\\n\")\nset $!user = field($msg, 32, 2);\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("set_local_var_arith", "template(name=\"t\" type=\"string\" string=\"%$.n%|%$.d%|%$.x%\\n\")\nset $.n = $syslogseverity * 10 + 1;\nset $.d = 7 / 0;\nset $.x = \"12abc\" + 1;\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("string_functions", "template(name=\"t\" type=\"string\" string=\"%$.a%|%$.b%|%$.c%|%$.d%|%$.e%\\n\")\nset $.a = tolower($hostname);\nset $.b = tolower($programname) & \"!\";\nset $.c = strlen($msg);\nset $.d = substring($msg, 1, 5);\nset $.e = replace($msg, 'o', '0');\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("re_extract_and_match", "template(name=\"t\" type=\"string\" string=\"%$.m%|%$.k%\\n\")\nset $.m = re_extract($msg, '([0-9]+)', 0, 1, 'none');\nset $.k = re_match($msg, 'fail(ed|ure)');\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("array_membership", "template(name=\"t\" type=\"string\" string=\"%programname%\\n\")\nif $programname == ['sshd', 'CRON', 'sudo'] then action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\nif $programname != ['sshd', 'kernel'] then action(type=\"omfile\" file=\"@OUT@/b.log\" template=\"t\")\n"),
    ("case_insensitive_ops", "template(name=\"t\" type=\"string\" string=\"%msg%\\n\")\nif $msg contains_i 'ERROR' then action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\nif $programname startswith_i 'server' then action(type=\"omfile\" file=\"@OUT@/b.log\" template=\"t\")\n"),
    ("numeric_compare", "template(name=\"t\" type=\"string\" string=\"%pri%\\n\")\nif $syslogseverity > 4 then action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\nif $pri == 13 then action(type=\"omfile\" file=\"@OUT@/b.log\" template=\"t\")\nif $syslogfacility >= 16 then action(type=\"omfile\" file=\"@OUT@/c.log\" template=\"t\")\n"),
    ("string_vs_number", "template(name=\"t\" type=\"string\" string=\"[%msg%]\\n\")\nif $msg == 0 then action(type=\"omfile\" file=\"@OUT@/zero.log\" template=\"t\")\nif $msg == \"5\" then action(type=\"omfile\" file=\"@OUT@/five-str.log\" template=\"t\")\nif $msg == 5 then action(type=\"omfile\" file=\"@OUT@/five-num.log\" template=\"t\")\n"),
    ("concat", "template(name=\"t\" type=\"string\" string=\"%$.c%\\n\")\nset $.c = $hostname & \"-\" & $programname & \"-\" & $syslogseverity;\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("prifilt_function", "template(name=\"t\" type=\"string\" string=\"%pri%\\n\")\nif prifilt(\"mail.*;kern.err\") then action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\nif not prifilt(\"*.info\") then action(type=\"omfile\" file=\"@OUT@/b.log\" template=\"t\")\n"),
    ("exists_and_unset", "template(name=\"t\" type=\"string\" string=\"%$!f%|%msg%\\n\")\nif $syslogseverity <= 3 then set $!f = \"flag\";\nif $programname == 'kernel' then unset $!f;\nif exists($!f) then action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("severity_text_aliases", "template(name=\"t\" type=\"string\" string=\"%syslogseverity-text% %syslogfacility-text%\\n\")\nif $syslogseverity-text == 'WARN' then action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\nif $syslogfacility-text == 'LOCAL0' then action(type=\"omfile\" file=\"@OUT@/b.log\" template=\"t\")\n"),
    ("list_template_jsonf", "template(name=\"j\" type=\"list\" option.jsonf=\"on\") {\n property(name=\"hostname\" outname=\"host\" format=\"jsonf\")\n property(name=\"programname\" outname=\"prog\" format=\"jsonf\")\n property(name=\"msg\" format=\"jsonf\")\n}\n*.warning action(type=\"omfile\" file=\"@OUT@/a.json\" template=\"j\")\n"),
    ("template_option_json", "$template tj,\"{\\\"msg\\\":\\\"%msg%\\\"}\\n\",json\n*.* @OUT@/a.log;tj\n"),
    ("action_default_template", "$ActionFileDefaultTemplate RSYSLOG_TraditionalFileFormat\n*.* @OUT@/a.log\naction(type=\"omfile\" file=\"@OUT@/b.log\")\n"),
    ("field_string_delimiter", "template(name=\"t\" type=\"string\" string=\"%$.f%|%$.g%\\n\")\nset $.f = field($msg, ',', 2);\nset $.g = field($msg, \"=\", 3);\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("nested_blocks_continue", "template(name=\"t\" type=\"string\" string=\"%msg%\\n\")\nif $syslogfacility-text == 'mail' then {\n if $msg contains 'warning' then {\n  action(type=\"omfile\" file=\"@OUT@/mailwarn.log\" template=\"t\")\n  continue\n }\n action(type=\"omfile\" file=\"@OUT@/mail.log\" template=\"t\")\n}\n"),
    ("trim_and_cnum", "template(name=\"t\" type=\"string\" string=\"[%$.r%]|[%$.l%]|%$.n%\\n\")\nset $.r = rtrim($msg);\nset $.l = ltrim($msg);\nset $.n = cnum($msg) + 1;\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("property_replacer_in_filter_output", "$template t,\"%msg:F,32:2% %msg:R,ERE,1,BLANK:user=([a-z]+)--end% %syslogtag:1:4%\\n\"\n:programname, startswith, \"my\" @OUT@/a.log;t\n"),
    ("directive_between_amp_actions", "$template t,\"%msg%\\n\"\nmail.* @OUT@/a.log;t\n$FileCreateMode 0600\n& @OUT@/b.log;t\n& stop\n*.* @OUT@/rest.log;t\n"),
    ("legacy_and_rainerscript_mix", "$template t,\"%hostname% %msg%\\n\"\nif $hostname == 'web01' then @OUT@/web01.log;t\n& stop\nauth,authpriv.* @OUT@/auth.log;t\n:msg, contains, \"fail\" @OUT@/fail.log;t\n"),
];

const HEADER: &str = "global(net.enableDNS=\"off\" workDirectory=\"@DIR@\")\n\
module(load=\"imtcp\")\n\
input(type=\"imtcp\" port=\"@PORT@\" address=\"127.0.0.1\")\n\
template(name=\"corelog_meta\" type=\"string\" string=\"%timegenerated:::date-rfc3339%\\n\")\n\
action(type=\"omfile\" file=\"@DIR@/meta\" template=\"corelog_meta\")\n";

fn read_tree(dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            read_tree(&p, out);
        } else {
            out.insert(
                p.display().to_string(),
                std::fs::read(&p).unwrap_or_default(),
            );
        }
    }
}

fn run_case(name: &str, body: &str, base: &Path) -> Result<(), String> {
    let dir = base.join(name);
    let out_dir = dir.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let body = body.replace("@OUT@", &out_dir.display().to_string());
    let text = format!("{HEADER}{body}");

    let rsyslogd = Rsyslogd::start(&dir, &text);
    let mut s = TcpStream::connect(("127.0.0.1", rsyslogd.port)).unwrap();
    let mut stream = Vec::new();
    for m in MESSAGES {
        write!(stream, "{} {m}", m.len()).unwrap();
    }
    s.write_all(&stream).unwrap();
    drop(s);
    let meta = dir.join("meta");
    wait_for(
        &format!("{name}: rsyslogd to take every message"),
        Duration::from_secs(30),
        || {
            let n = std::fs::read(&meta)
                .map(|d| d.iter().filter(|&&c| c == b'\n').count())
                .unwrap_or(0);
            (n >= MESSAGES.len()).then_some(())
        },
    );
    rsyslogd.stop();
    let mut theirs = BTreeMap::new();
    read_tree(&out_dir, &mut theirs);

    // corelog: the same text (with the same port and directory), the same
    // messages, received at the times rsyslog stamped them.
    let text = text
        .replace("@PORT@", &rsyslogd_port_placeholder())
        .replace("@DIR@", &dir.display().to_string());
    let plan =
        config::load_str(name, &text).map_err(|e| format!("corelog rejects the config:\n{e}"))?;
    let times: Vec<_> = std::fs::read_to_string(&meta)
        .unwrap()
        .lines()
        .map(|l| parse_rfc3339(l.as_bytes()).expect("meta timestamp").0)
        .collect();
    let origin = Arc::new(Origin::new("127.0.0.1", "127.0.0.1", "imtcp"));
    let ours: BTreeMap<String, Vec<u8>> = run_plan(&plan, MESSAGES, &times, &origin)
        .into_iter()
        .filter(|(p, _)| p.starts_with(&out_dir.display().to_string()))
        .collect();

    let mut diffs = Vec::new();
    for path in theirs
        .keys()
        .chain(ours.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let (t, o) = (theirs.get(path), ours.get(path));
        if t != o {
            diffs.push(format!(
                "  {path}\n    rsyslog: {}\n    corelog: {}",
                t.map_or("<no file>".into(), |b| String::from_utf8_lossy(b)
                    .escape_debug()
                    .to_string()),
                o.map_or("<no file>".into(), |b| String::from_utf8_lossy(b)
                    .escape_debug()
                    .to_string())
            ));
        }
    }
    if theirs.is_empty() {
        diffs.push("  rsyslog wrote no output file: the case tests nothing".into());
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(format!("{name}:\n{}", diffs.join("\n")))
    }
}

/// The port is only used by the input, which the rule engine does not run.
fn rsyslogd_port_placeholder() -> String {
    "10514".into()
}

#[test]
fn configs_behave_like_rsyslogd() {
    assert!(CASES.len() >= 40, "{} cases", CASES.len());
    let base = std::env::temp_dir().join(format!("corelog-cfgdiff-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let only = std::env::var("CORELOG_CASE").ok();
    let mut failures = Vec::new();
    let mut ran = 0;
    for (name, body) in CASES {
        if only.as_deref().is_some_and(|o| o != *name) {
            continue;
        }
        ran += 1;
        if let Err(e) = run_case(name, body, &base) {
            failures.push(e);
        }
    }
    println!(
        "{ran} configurations compared with rsyslogd; {} differ",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {ran} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
