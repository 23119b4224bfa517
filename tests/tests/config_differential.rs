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
    "<13>Oct 11 22:14:53 app9 jsonapp: @cee: {\"user\":\"alice\",\"n\":3,\"ok\":true,\"none\":null,\"tags\":[\"a\",\"b\",\"c\"],\"nested\":{\"k\":\"v/w\",\"d\":1.50,\"Up\":\"x\"}}",
    "<13>Oct 11 22:14:54 app9 jsonapp: {\"user\":\"bob\",\"n\":-7,\"tags\":[],\"nested\":{},\"uni\":\"\\u00e9t\\u00e9 \\u0001\"}",
    "<13>Oct 11 22:14:55 app9 jsonapp: {\"user\": broken json",
    "<13>Oct 11 22:14:56 app9 jsonapp: [1,2,{\"three\":3}]",
    "<13>Oct 11 22:14:57 app9 timeapp: 2026-10-11T22:14:15Z|Oct 11 22:14:15|1760220855|nonsense",
    "<13>last message repeated 3 times",
    "<13>Oct 11 22:14:58 2026 h8 yearapp: with a year",
    "<13>Oct 11 22:14:59 h8 notag text without a colon",
    "<13>Oct 11 22:15:00 [192.0.2.9] bracketapp: bracketed host",
    "<13>Oct 11 22:15:01 user@host atapp: at-sign host",
    "<13>Oct 11 22:15:02 a/b slashapp: slash host",
    "<190>Oct 11 22:15:03 fw01 : %ASA-6-302013: Built outbound TCP connection",
    "<13>Oct 11 22:15:04 Message forwarded from aix1: syslogd: restart",
    "<13>Oct 11 22:15:05 h9 v6app: from 2001:db8:85a3::8a2e:370:7334 and ::ffff:192.0.2.1 and fe80::1%eth0 port 22",
    "<14>May 21 12:00:01 hostname.domain MSWinEventLog\t1\tSecurity\t00000000\tSun May 21 12:00:01.123\t4624\tMicrosoft-Windows-Security-Auditing\tN/A\tSuccess Audit\thostname.domain",
    "snarehost.domain\tMSWinEventLog\t1\tSecurity\t00000000\tSun May 21 12:00:01.123\t4624\tReturn Code: 0x0\t-0000000000",
    "<189>16261: May 28 16:09:56.185: %SYS-5-CONFIG_I: Configured from console by adminsepp on vty0 (10.23.214.226)",
    "<189>12: sw1.example.net: *Mar  1 18:46:11 CET: %LINK-3-UPDOWN: Interface Gi0/1, changed state to down",
    "<189>13: Mar  1 18:46:12.123 UTC: %LINK-3-UPDOWN: zone UTC is not defined",
    "<187>2: RP/0/RSP0/CPU0:Jun 12 10:15:01.123 : bgpd[1044]: %ROUTING-BGP-5-ADJCHANGE : neighbor 10.0.0.2 Up",
    "<187>3: core1: RP/0/RSP1/CPU0:Jun 12 10:15:02 CET: ospf[1]: %ROUTING-OSPF-5-ADJCHG: process 1 up",
    "<189>14: .Mar  1 18:46:13: %SYS-5-RESTART: dot mark",
    "<189>15: Mar  1 18:46:14: %SYS5nocolon missing delimiter",
    "<189>: Mar  1 18:46:15 %SYS-5-X: time without colon",
    "<189>16: 2026 Mar  1 18:46:16 CEST: %SYS-5-YEAR: year in front, long zone",
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
    ("json_tree_render", "template(name=\"t\" type=\"string\" string=\"%$!%|%$!all-json%|%$!all-json-plain%|%$!a%|%$!a!b%|%$.%\n\")\nset $!a!b = \"x/y\";\nset $!a!c = $syslogseverity;\nset $!n = 5;\nset $!s = \"5\";\nset $.l = $hostname;\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("json_empty_tree", "template(name=\"t\" type=\"string\" string=\"[%$!%]|[%$!all-json%]|[%$!x%]|[%$.%]\n\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("json_unset_refills_hole", "template(name=\"t\" type=\"string\" string=\"%$!%\n\")\nset $!k1 = \"1\"; set $!k2 = \"2\"; set $!k3 = \"3\";\nunset $!k1;\nset $!new = $programname;\nunset $!k3;\nunset $!k2;\nset $!z = 1;\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("json_case_insensitive", "template(name=\"t\" type=\"string\" string=\"%$!%|%$!user%|%$!USER%\n\")\nset $!User = \"first\";\nset $!user = \"second\";\nset $!a!B = 1;\nset $!A!b = 2;\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("json_set_refused", "template(name=\"t\" type=\"string\" string=\"%$!%\n\")\nset $!q = \"str\";\nset $!q!x = \"deeper\";\nset $!o!p = 1;\nset $!o = \"scalar over object\";\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("json_reset_replaces", "template(name=\"t\" type=\"string\" string=\"%$!%\n\")\nset $!o!p = 1;\nreset $!o = \"now a string\";\nset $!n = 1;\nset $!n = $!n + 1;\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("json_unset_all", "template(name=\"t\" type=\"string\" string=\"[%$!%]|[%$.%]\n\")\nset $!a = 1;\nset $.b = 2;\nunset $!;\nunset $.b;\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("parse_json_cee", "template(name=\"t\" type=\"string\" string=\"%$.r%|%$.e%|%$!%|%$!user%|%$!tags%|%$!tags[1]%|%$!nested!k%|%$!none%|%$!ok%\n\")\nif $programname == 'jsonapp' then {\n set $.r = parse_json(substring($msg, 6, 1000), \"\\$!\");\n set $.e = script_error();\n action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n}\n"),
    ("parse_json_plain_and_errors", "template(name=\"t\" type=\"string\" string=\"%$.r%|%$.e%|%$!%\n\")\nif $programname == 'jsonapp' then {\n set $.r = parse_json($msg, \"\\$!parsed\");\n set $.e = script_error();\n action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n}\n"),
    ("parse_json_into_local", "template(name=\"t\" type=\"string\" string=\"%$.r%|%$.%|%$.j!user%\n\")\nif $programname == 'jsonapp' then {\n set $.r = parse_json($msg, \"\\$.j\");\n action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n}\n"),
    ("json_compare_values", "template(name=\"t\" type=\"string\" string=\"%$!user%\n\")\nif $programname == 'jsonapp' then {\n set $.r = parse_json($msg, \"\\$!\");\n if $!n == 3 then action(type=\"omfile\" file=\"@OUT@/n3.log\" template=\"t\")\n if $!n < 0 then action(type=\"omfile\" file=\"@OUT@/neg.log\" template=\"t\")\n if $!nested contains \"v\" then action(type=\"omfile\" file=\"@OUT@/contains.log\" template=\"t\")\n if $!user == \"bob\" then action(type=\"omfile\" file=\"@OUT@/bob.log\" template=\"t\")\n if $!ok then action(type=\"omfile\" file=\"@OUT@/ok.log\" template=\"t\")\n}\n"),
    ("json_exists_nested", "template(name=\"t\" type=\"string\" string=\"%msg%\n\")\nif $programname == 'jsonapp' then {\n set $.r = parse_json($msg, \"\\$!\");\n if exists($!nested!k) then action(type=\"omfile\" file=\"@OUT@/k.log\" template=\"t\")\n if exists($!nested) then action(type=\"omfile\" file=\"@OUT@/nested.log\" template=\"t\")\n if not exists($!nested!missing) then action(type=\"omfile\" file=\"@OUT@/missing.log\" template=\"t\")\n if exists($!none) then action(type=\"omfile\" file=\"@OUT@/none.log\" template=\"t\")\n}\n"),
    ("json_copy_subtree", "template(name=\"t\" type=\"string\" string=\"%$.c%|%$!copy%|%$!%\n\")\nif $programname == 'jsonapp' then {\n set $.r = parse_json($msg, \"\\$!\");\n set $.c = $!nested;\n set $!copy = $!tags;\n action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n}\n"),
    ("json_in_list_template", "template(name=\"t\" type=\"list\") {\n property(name=\"$!user\")\n constant(value=\"|\")\n property(name=\"$!nested!k\" format=\"json\")\n constant(value=\"|\")\n property(name=\"$!\")\n constant(value=\"\\n\")\n}\nif $programname == 'jsonapp' then {\n set $.r = parse_json($msg, \"\\$!\");\n action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n}\n"),
    ("json_jsonf_properties", "template(name=\"t\" type=\"list\" option.jsonf=\"on\") {\n property(name=\"$!user\" outname=\"u\" format=\"jsonf\")\n property(name=\"$!n\" outname=\"n\" format=\"jsonf\")\n property(name=\"$!nested\" outname=\"nested\" format=\"jsonf\")\n}\nif $programname == 'jsonapp' then {\n set $.r = parse_json($msg, \"\\$!\");\n action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n}\n"),
    ("foreach_array", "template(name=\"t\" type=\"string\" string=\"%$.item%|%$.i%\n\")\nif $programname == 'jsonapp' then {\n set $.r = parse_json($msg, \"\\$!\");\n set $.i = 0;\n foreach ($.item in $!tags) do {\n  set $.i = $.i + 1;\n  action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n }\n action(type=\"omfile\" file=\"@OUT@/after.log\" template=\"t\")\n}\n"),
    ("foreach_object", "template(name=\"t\" type=\"string\" string=\"%$.e%|%$.e!key%|%$.e!value%\n\")\nif $programname == 'jsonapp' then {\n set $.r = parse_json($msg, \"\\$!\");\n set $.r = parse_json(substring($msg, 6, 1000), \"\\$!\");\n foreach ($.e in $!nested) do action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n}\n"),
    ("foreach_stop_and_scalar", "template(name=\"t\" type=\"string\" string=\"%$.x%|%msg%\n\")\nif $programname == 'jsonapp' then {\n set $.r = parse_json($msg, \"\\$!\");\n foreach ($.x in $!user) do action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n foreach ($.x in $!tags) do {\n  if $.x == \"b\" then stop\n  action(type=\"omfile\" file=\"@OUT@/b.log\" template=\"t\")\n }\n action(type=\"omfile\" file=\"@OUT@/c.log\" template=\"t\")\n}\n"),
    ("call_indirect", "template(name=\"t\" type=\"string\" string=\"%programname%\n\")\nruleset(name=\"rs_sshd\") { action(type=\"omfile\" file=\"@OUT@/sshd.log\" template=\"t\") }\nruleset(name=\"rs_kernel\") { action(type=\"omfile\" file=\"@OUT@/kernel.log\" template=\"t\") }\ncall_indirect \"rs_\" & $programname;\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("int2hex_num2ipv4_ipv42num", "template(name=\"t\" type=\"string\" string=\"%$.h%|%$.n%|%$.i%|%$.j%|%$.k%|%$.m%\n\")\nset $.h = int2hex($syslogseverity * 1000 - 3000);\nset $.n = int2hex(\"zz\");\nset $.i = ipv42num(field($msg, 32, 6));\nset $.j = num2ipv4($.i);\nset $.k = num2ipv4(-5);\nset $.m = ip42num(\" 10.0.0.1 \");\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("wrap_and_replace", "template(name=\"t\" type=\"string\" string=\"%$.a%|%$.b%|%$.c%\n\")\nset $.a = wrap($programname, \"\\\"\");\nset $.b = wrap($msg, \"'\", \"\\\\'\");\nset $.c = replace($msg, \" \", \"_\");\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("time_functions", "template(name=\"t\" type=\"string\" string=\"%$.a%|%$.b%|%$.c%|%$.d%|%$.e%|%$.f%|%$.g%|%$.h%\n\")\nif $programname == 'timeapp' then {\n set $.a = parse_time(field($msg, 124, 1));\n set $.b = format_time($.a, \"date-rfc3339\");\n set $.c = format_time($.a, \"date-rfc3164\");\n set $.d = is_time(field($msg, 124, 2), \"date-rfc3164\");\n set $.e = is_time(field($msg, 124, 3), \"date-unix\");\n set $.f = is_time(field($msg, 124, 4));\n set $.g = script_error();\n set $.h = format_time(\"nonsense\", \"date-rfc3339\");\n action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n}\n"),
    ("random_zero_and_one", "template(name=\"t\" type=\"string\" string=\"%$.a%|%$.b%|%$.c%\n\")\nset $.a = random(0);\nset $.b = random(1);\nset $.c = random(\"x\");\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("exec_template", "template(name=\"inner\" type=\"string\" string=\"<%programname%:%syslogseverity%>\")\ntemplate(name=\"t\" type=\"string\" string=\"%$.x%|%msg%\n\")\nset $.x = exec_template(\"inner\");\nif exec_template(\"inner\") contains \"sshd\" then action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("get_property", "template(name=\"t\" type=\"string\" string=\"%$.a%|%$.b%|%$.c%|%$.d%|%$.e%|%$.f%\n\")\nif $programname == 'jsonapp' then {\n set $.r = parse_json($msg, \"\\$!\");\n set $.a = get_property($!nested, \"k\");\n set $.b = get_property($!tags, 2);\n set $.c = get_property($!, \"user\");\n set $.d = get_property($!nested, \"\");\n set $.e = get_property($!n, \"x\");\n set $.f = script_error();\n action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n}\n"),
    ("array_index_paths", "template(name=\"t\" type=\"string\" string=\"%$!tags[0]%|%$!tags[2]%|%$!tags[9]%|%$!user[0]%\n\")\nif $programname == 'jsonapp' then {\n set $.r = parse_json($msg, \"\\$!\");\n action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n}\n"),
    ("global_variable_constant", "template(name=\"t\" type=\"string\" string=\"%$/site%|%$/x!y%|%msg%\n\")\nset $/site = \"dc1\";\nset $/x!y = 7;\nif $/site == \"dc1\" and exists($/x!y) then action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("string_ops_on_arrays", "template(name=\"t\" type=\"string\" string=\"%msg%\n\")\nif $msg contains [\"error\", \"fail\"] then action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\nif $programname startswith [\"post\", \"ss\"] then action(type=\"omfile\" file=\"@OUT@/b.log\" template=\"t\")\n"),
    ("set_whole_tree_merge", "template(name=\"t\" type=\"string\" string=\"%$!%\n\")\nif $programname == 'jsonapp' then {\n set $!pre = 1;\n set $.r = parse_json($msg, \"\\$!\");\n set $.r = parse_json(\"{\\\"late\\\": 2}\", \"\\$!\");\n action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n}\n"),
    ("json_numbers_arith", "template(name=\"t\" type=\"string\" string=\"%$.a%|%$.b%|%$.c%|%$.d%\n\")\nif $programname == 'jsonapp' then {\n set $.r = parse_json($msg, \"\\$!\");\n set $.a = $!n * 2;\n set $.b = $!nested!d + 1;\n set $.c = $!ok + 1;\n set $.d = $!tags & \"!\";\n action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n}\n"),
    ("expr_strlen_empty", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = strlen(\"\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_strlen_msg", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = strlen($msg);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_strlen_missing", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = strlen($!missing);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_strlen_number", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = strlen(12345);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_strlen_utf8", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = strlen(\"été\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_strlen_tree", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = strlen($!nested);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_num2ipv4_zero", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = num2ipv4(0);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_num2ipv4_max", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = num2ipv4(4294967295);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_num2ipv4_over", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = num2ipv4(4294967296);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_num2ipv4_neg", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = num2ipv4(-1);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_num2ipv4_text", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = num2ipv4(\"abc\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_num2ipv4_empty", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = num2ipv4(\"\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_num2ipv4_pri", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = num2ipv4($pri * 16777216 + 1);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_num2ipv4_json", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = num2ipv4($!n);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_int2hex_zero", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = int2hex(0);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_int2hex_255", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = int2hex(255);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_int2hex_neg", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = int2hex(-1);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_int2hex_text", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = int2hex(\"x\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_int2hex_empty", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = int2hex(\"\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_int2hex_big", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = int2hex(9223372036854775807);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_int2hex_msg", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = int2hex($msg);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_substring_zero_len", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = substring($msg, 0, 0);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_substring_past_end", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = substring($msg, 100, 5);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_substring_neg_len", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = substring($msg, 2, -1);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_substring_huge", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = substring($msg, 1, 99999999);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_ltrim_spaces", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = ltrim(\"  a  \");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_rtrim_spaces", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = rtrim(\"  a  \");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_ltrim_empty", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = ltrim(\"\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_tolower_mixed", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = tolower(\"ÄBC Def\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_tolower_host", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = tolower($hostname);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_cstr_number", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = cstr(5);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_cstr_missing", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = cstr($!missing);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_cstr_tree", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = cstr($!tags);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_cnum_text", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = cnum(\"12abc\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_cnum_empty", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = cnum(\"\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_cnum_dash", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = cnum(\"-\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_cnum_pri", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = cnum($pri);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_cnum_json", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = cnum($!n);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_cnum_json_bool", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = cnum($!ok);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_cnum_json_double", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = cnum($!nested!d);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_ipv42num_ok", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = ipv42num(\"1.2.3.4\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_ipv42num_256", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = ipv42num(\"256.1.1.1\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_ipv42num_short", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = ipv42num(\"1.2.3\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_ipv42num_lead_blank", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = ipv42num(\" 1.2.3.4\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_ipv42num_trail_blank", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = ipv42num(\"1.2.3.4 \");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_ipv42num_inner_blank", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = ipv42num(\"1.2 .3.4\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_ipv42num_letters", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = ipv42num(\"a.b.c.d\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_ipv42num_empty", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = ipv42num(\"\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_ip42num_alias", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = ip42num(\"10.0.0.1\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_re_match_yes", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = re_match($msg, \"[0-9]+\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_re_match_anchor", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = re_match($msg, \"^user\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_re_match_i", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = re_match_i($msg, \"ERROR\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_re_match_empty_text", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = re_match(\"\", \"^x*\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_re_extract_second", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = re_extract($msg, \"([0-9]+)\", 1, 1, \"none\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_re_extract_i_group0", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = re_extract_i($msg, \"(fail|error)\", 0, 0, \"-\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_re_extract_no_such_group", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = re_extract($msg, \"([a-z]+)\", 0, 3, \"nogroup\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_field_zero", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = field($msg, 32, 0);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_field_far", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = field($msg, 32, 100);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_field_colon", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = field($msg, \":\", 2);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_field_multi_char", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = field($msg, \": \", 2);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_field_empty_text", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = field(\"\", 44, 1);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_replace_grow", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = replace(\"aaa\", \"a\", \"bb\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_replace_empty_find", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = replace(\"abc\", \"\", \"x\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_replace_absent", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = replace($msg, \"zzzz\", \"y\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_replace_json", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = replace($!tags, \"\\\"\", \"'\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_wrap_two", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = wrap(\"a\", \"\\\"\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_wrap_escape", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = wrap(\"a\\\"b\", \"\\\"\", \"\\\\\\\"\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_wrap_empty", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = wrap(\"\", \"x\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_wrap_number", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = wrap(5, \"|\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_random_zero", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = random(0);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_random_one", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = random(1);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_random_text", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = random(\"x\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_format_time_3339_zero", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = format_time(0, \"date-rfc3339\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_format_time_3164", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = format_time(1760220855, \"date-rfc3164\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_format_time_3164_day", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = format_time(1759306455, \"date-rfc3164\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_format_time_text", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = format_time(\"abc\", \"date-rfc3339\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_format_time_negative", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = format_time(-86400, \"date-rfc3339\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_parse_time_offset", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = parse_time(\"2026-10-11T22:14:15+02:00\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_parse_time_frac", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = parse_time(\"2026-10-11T22:14:15.123Z\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_parse_time_3164", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = parse_time(\"Oct 11 22:14:15\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_parse_time_garbage", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = parse_time(\"garbage\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_parse_time_empty", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = parse_time(\"\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_parse_time_1969", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = parse_time(\"1969-12-31T23:59:59Z\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_parse_time_error", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = parse_time(\"garbage\") + script_error() * 1000;
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_is_time_3339", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = is_time(\"2026-10-11T22:14:15Z\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_is_time_3164_fmt", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = is_time(\"Oct 11 22:14:15\", \"date-rfc3164\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_is_time_wrong_fmt", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = is_time(\"Oct 11 22:14:15\", \"date-rfc3339\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_is_time_unix", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = is_time(\"1760220855\", \"date-unix\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_is_time_bad_fmt", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = is_time(\"1760220855\", \"no-such-format\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_is_time_text", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = is_time(\"garbage\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_is_time_empty", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = is_time(\"\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_is_time_error_value", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = is_time(\"garbage\") & script_error();
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_parse_json_object", "template(name=\"t\" type=\"string\" string=\"[%$.v%] %$!p% %$!x%\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = parse_json(\"{\\\"a\\\":1}\", \"\\$!p\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_parse_json_broken", "template(name=\"t\" type=\"string\" string=\"[%$.v%] %$!p% %$!x%\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = parse_json(\"{\\\"a\\\":\", \"\\$!p\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_parse_json_trailing", "template(name=\"t\" type=\"string\" string=\"[%$.v%] %$!p% %$!x%\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = parse_json(\"{\\\"a\\\":1} trailing\", \"\\$!p\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_parse_json_array_container", "template(name=\"t\" type=\"string\" string=\"[%$.v%] %$!p% %$!x%\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = parse_json(\"[1,2]\", \"\\$!p\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_parse_json_string_value", "template(name=\"t\" type=\"string\" string=\"[%$.v%] %$!p% %$!x%\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = parse_json(\"\\\"str\\\" \", \"\\$!p\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_parse_json_empty", "template(name=\"t\" type=\"string\" string=\"[%$.v%] %$!p% %$!x%\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = parse_json(\"\", \"\\$!p\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_parse_json_nested_container", "template(name=\"t\" type=\"string\" string=\"[%$.v%] %$!p% %$!x%\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = parse_json(\"{\\\"b\\\":[true,false,null]}\", \"\\$!x!y\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_parse_json_unicode", "template(name=\"t\" type=\"string\" string=\"[%$.v%] %$!p% %$!x%\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = parse_json(\"{\\\"u\\\":\\\"\\\\u00e9\\\\u20ac\\\\ud83d\\\\ude00\\\"}\", \"\\$!p\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_parse_json_escapes", "template(name=\"t\" type=\"string\" string=\"[%$.v%] %$!p% %$!x%\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = parse_json(\"{\\\"e\\\":\\\"a\\\\tb\\\\nc\\\\\\\\d\\\\/e\\\"}\", \"\\$!p\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_parse_json_numbers", "template(name=\"t\" type=\"string\" string=\"[%$.v%] %$!p% %$!x%\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = parse_json(\"{\\\"i\\\":-0,\\\"d\\\":2.50,\\\"e\\\":1E-3,\\\"big\\\":123456789012}\", \"\\$!p\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_parse_json_dup_keys", "template(name=\"t\" type=\"string\" string=\"[%$.v%] %$!p% %$!x%\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = parse_json(\"{\\\"a\\\":1,\\\"b\\\":2,\\\"A\\\":3}\", \"\\$!p\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_parse_json_into_msg_var", "template(name=\"t\" type=\"string\" string=\"[%$.v%] %$!p% %$!x%\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = parse_json($!user, \"\\$!p\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_exists_root", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = exists($!);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_exists_local_missing", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = exists($.nothing);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_exists_tags_index", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = exists($!tags[1]);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_cmp_json_num_left", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = $!n == 3;
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_cmp_json_lt", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = $!n < 3;
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_cmp_json_ge", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = $!n >= -7;
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_cmp_json_str", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = $!user == \"alice\";
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_cmp_json_tree_str", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = $!tags == \"[ \\\"a\\\", \\\"b\\\", \\\"c\\\" ]\";
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_cmp_missing_zero", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = $!missing == 0;
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_cmp_missing_empty", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = $!missing == \"\";
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_arith_json", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = $!n * 10 + $!nested!d;
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_arith_tree", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = $!tags + 1;
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_concat_tree", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = $!nested & \"|\";
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_neg_json", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = -$!n;
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_not_json", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = not $!ok;
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_bool_and_json", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = $!ok and $!n;
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_get_property_key", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = get_property($!nested, \"k\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_get_property_case", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = get_property($!nested, \"up\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_get_property_missing", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = get_property($!nested, \"zz\") & script_error();
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_get_property_index", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = get_property($!tags, 0);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_get_property_index_far", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = get_property($!tags, 5);
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_get_property_scalar", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = get_property($!n, \"\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_get_property_bool", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = get_property($!ok, \"\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_get_property_double", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = get_property($!nested!d, \"\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_get_property_string_var", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = get_property($!user, \"x\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_script_error_fresh", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = script_error();
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_previous_action_suspended_fresh", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = previous_action_suspended();
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_toupper_not_used", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = tolower(\"MiXeD\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_array_first_element", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = [\"x\", \"y\"] & \"!\";
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_local_copy_of_tree", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = $!;
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_unicode_passthrough", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = \"ünïcödé ✓\" & $!user;
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("expr_huge_concat", "template(name=\"t\" type=\"string\" string=\"[%$.v%]\\n\")
if $programname == 'jsonapp' then {
 if $msg startswith '@cee:' then { set $.r = parse_json(substring($msg, 6, 100000), \"\\$!\"); }
 else { set $.r = parse_json($msg, \"\\$!\"); }
}
set $.v = replace(replace(replace($msg, \"a\", \"aaaa\"), \"a\", \"aaaa\"), \"a\", \"aaaa\");
action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")
"),
    ("json_set_object_merges_into_leaf", "template(name=\"t\" type=\"string\" string=\"%$!%\n\")\nset $!a!x = 1;\nset $!b!y = 2;\nset $!a = $!b;\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("json_number_on_right_of_eq", "template(name=\"t\" type=\"string\" string=\"%msg%\n\")\nset $!n = 3;\nif 3 == $!n then action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("lookup_string_table", "lookup_table(name=\"hosts\" file=\"@DATA@/lookup-string.json\")\ntemplate(name=\"t\" type=\"string\" string=\"%hostname% %$.v%\n\")\nset $.v = lookup(\"hosts\", $hostname);\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("lookup_array_table", "lookup_table(name=\"sev\" file=\"@DATA@/lookup-array.json\" reloadOnHUP=\"off\")\ntemplate(name=\"t\" type=\"string\" string=\"%syslogseverity% %$.v%\n\")\nset $.v = lookup(\"sev\", $syslogseverity);\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("lookup_sparse_table", "lookup_table(name=\"pri\" file=\"@DATA@/lookup-sparse.json\")\ntemplate(name=\"t\" type=\"string\" string=\"%pri% %$.v%\n\")\nset $.v = lookup(\"pri\", $pri);\nif lookup(\"pri\", $pri) == \"mail-ish\" then action(type=\"omfile\" file=\"@OUT@/mail.log\" template=\"t\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("subtree_template", "template(name=\"t\" type=\"subtree\" subtree=\"$!nested\")\nif $programname == 'jsonapp' then {\n set $.r = parse_json(substring($msg, 6, 1000), \"\\$!\");\n action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n}\n"),
    ("subtree_template_root", "template(name=\"t\" type=\"subtree\" subtree=\"$!\")\nset $!a = $programname;\nset $!b!c = $syslogseverity;\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("backtick_echo_and_cat", "template(name=\"t\" type=\"string\" string=\"%$.a%|%$.b%|%$.c%\n\")\nset $.a = `echo a $HOME/x b`;\nset $.b = `cat @DATA@/backtick.txt`;\nset $.c = `echo $CORELOG_SURELY_UNSET_VARIABLE`;\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("mmjsonparse_default", "module(load=\"mmjsonparse\")\ntemplate(name=\"t\" type=\"string\" string=\"%parsesuccess% %$!%\n\")\naction(type=\"mmjsonparse\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("mmjsonparse_no_cookie_container", "module(load=\"mmjsonparse\")\ntemplate(name=\"t\" type=\"string\" string=\"%parsesuccess% %$!j% %$!j!user%\n\")\nif $programname == 'jsonapp' then {\n action(type=\"mmjsonparse\" cookie=\"\" container=\"$!j\")\n action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n}\n"),
    ("mmjsonparse_rawmsg", "module(load=\"mmjsonparse\")\ntemplate(name=\"t\" type=\"string\" string=\"%parsesuccess% %$.%\n\")\naction(type=\"mmjsonparse\" useRawMsg=\"on\" cookie=\"<13>\" container=\"$.\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("mmjsonparse_then_filter", "module(load=\"mmjsonparse\")\ntemplate(name=\"t\" type=\"string\" string=\"%$!user% %$!n%\n\")\naction(type=\"mmjsonparse\")\nif $parsesuccess == \"OK\" and $!ok == \"true\" then action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\nif $parsesuccess == \"FAIL\" then action(type=\"omfile\" file=\"@OUT@/fail.log\" template=\"t\")\n"),
    ("mmpstrucdata_default", "module(load=\"mmpstrucdata\")\ntemplate(name=\"t\" type=\"string\" string=\"%$!%\n\")\naction(type=\"mmpstrucdata\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("mmpstrucdata_root_case", "module(load=\"mmpstrucdata\")\ntemplate(name=\"t\" type=\"string\" string=\"%$!sd%|%$!sd!rfc5424-sd!ex@32473!iut%\n\")\naction(type=\"mmpstrucdata\" jsonRoot=\"$!sd\" sd_name.lowercase=\"off\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("mmfields_default", "module(load=\"mmfields\")\ntemplate(name=\"t\" type=\"string\" string=\"%$!%\n\")\naction(type=\"mmfields\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("mmfields_separator_root", "module(load=\"mmfields\")\ntemplate(name=\"t\" type=\"string\" string=\"%$!f%|%$!f!f2%\n\")\naction(type=\"mmfields\" separator=\":\" jsonRoot=\"!f\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("mmsequence_instances", "module(load=\"mmsequence\")\ntemplate(name=\"t\" type=\"string\" string=\"%$!mmsequence%|%$.n%|%$.m%|%$!%|%programname%\n\")\naction(type=\"mmsequence\")\naction(type=\"mmsequence\" from=\"3\" to=\"7\" step=\"2\" var=\"$.n\")\naction(type=\"mmsequence\" mode=\"instance\" from=\"1\" to=\"4\" var=\"$.m\")\nif $syslogseverity <= 4 then action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("mmsequence_keys", "module(load=\"mmsequence\")\ntemplate(name=\"t\" type=\"string\" string=\"%$!k%|%$!j!n%|%syslogseverity%\n\")\naction(type=\"mmsequence\" mode=\"key\" key=\"differential-a\" from=\"2\" to=\"5\" var=\"$!k\")\naction(type=\"mmsequence\" mode=\"key\" key=\"differential-b\" from=\"10\" to=\"100\" step=\"25\" var=\"$!j!n\")\naction(type=\"mmsequence\" mode=\"random\" from=\"7\" to=\"8\" var=\"$!r\")\nif $!r == 7 then action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("fmhash_functions", "module(load=\"fmhash\")\ntemplate(name=\"t\" type=\"string\" string=\"%$.a%|%$.b%|%$.c%|%$.d%|%$.e%|%$.f%|%$.g%|%$.h%|%$.i%|%$.j%\n\")\nset $.a = hash32($msg);\nset $.b = hash64($msg);\nset $.c = hash32($hostname, 42);\nset $.d = hash64($programname, 4294967301);\nset $.e = hash32mod($msg, 10);\nset $.f = hash64mod($msg, 7, 3);\nset $.g = hash64mod($hostname, -3);\nset $.h = hash32($msg, \"x\");\nset $.i = hash64mod($msg, 0);\nset $.j = hash64(\"\u{e9}t\u{e9}\" & $syslogseverity) + hash32(\"\");\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("fmhash_routing", "module(load=\"fmhash\")\ntemplate(name=\"t\" type=\"string\" string=\"%hostname% %msg%\n\")\nif hash64mod($hostname, 2) == 0 then action(type=\"omfile\" file=\"@OUT@/even.log\" template=\"t\")\nelse action(type=\"omfile\" file=\"@OUT@/odd.log\" template=\"t\")\n"),
    ("mmrm1stspace", "module(load=\"mmrm1stspace\")\ntemplate(name=\"t\" type=\"string\" string=\"[%msg%]\n\")\naction(type=\"mmrm1stspace\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("mmutf8fix_cc", "module(load=\"mmutf8fix\")\ntemplate(name=\"t\" type=\"string\" string=\"[%msg%]\n\")\naction(type=\"mmutf8fix\" mode=\"controlcharacters\" replacementChar=\"_\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("mmutf8fix_valid", "module(load=\"mmutf8fix\")\ntemplate(name=\"t\" type=\"string\" string=\"[%msg%]\n\")\naction(type=\"mmutf8fix\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("parser_chain_lastline", "$ModLoad pmlastmsg\n$RulesetParser rsyslog.lastline\n$RulesetParser rsyslog.rfc5424\n$RulesetParser rsyslog.rfc3164\ntemplate(name=\"t\" type=\"string\" string=\"%hostname%|%syslogtag%|%programname%|%app-name%|%procid%|%timereported:::date-rfc3339%|[%msg%]\n\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("parser_default_chain_explicit", "$RulesetParser rsyslog.rfc5424\n$RulesetParser rsyslog.rfc3164\ntemplate(name=\"t\" type=\"string\" string=\"%hostname%|%syslogtag%|%programname%|%app-name%|%procid%|%timereported:::date-rfc3339%|[%msg%]\n\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("parser_rfc3164_hostname_permits", "parser(name=\"p3164\" type=\"pmrfc3164\" permit.squareBracketsInHostname=\"on\" permit.AtSignsInHostname=\"on\" permit.slashesInHostname=\"on\")\n$RulesetParser p3164\ntemplate(name=\"t\" type=\"string\" string=\"%hostname%|%syslogtag%|%programname%|%app-name%|%procid%|%timereported:::date-rfc3339%|[%msg%]\n\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("parser_rfc3164_force_colon", "parser(name=\"p3164\" type=\"pmrfc3164\" force.tagEndingByColon=\"on\")\n$RulesetParser p3164\ntemplate(name=\"t\" type=\"string\" string=\"%hostname%|%syslogtag%|%programname%|%app-name%|%procid%|%timereported:::date-rfc3339%|[%msg%]\n\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("parser_rfc3164_remove_space_year", "parser(name=\"p3164\" type=\"pmrfc3164\" remove.msgFirstSpace=\"on\" detect.YearAfterTimestamp=\"on\")\n$RulesetParser rsyslog.rfc5424\n$RulesetParser p3164\ntemplate(name=\"t\" type=\"string\" string=\"%hostname%|%syslogtag%|%programname%|%app-name%|%procid%|%timereported:::date-rfc3339%|[%msg%]\n\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("parser_cisconames", "$ModLoad pmcisconames\n$RulesetParser rsyslog.cisconames\n$RulesetParser rsyslog.rfc3164\ntemplate(name=\"t\" type=\"string\" string=\"%hostname%|%syslogtag%|%programname%|%app-name%|%procid%|%timereported:::date-rfc3339%|[%msg%]\n\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("parser_aixforwardedfrom", "module(load=\"pmaixforwardedfrom\")\n$RulesetParser rsyslog.aixforwardedfrom\n$RulesetParser rsyslog.rfc3164\ntemplate(name=\"t\" type=\"string\" string=\"%hostname%|%syslogtag%|%programname%|%app-name%|%procid%|%timereported:::date-rfc3339%|[%msg%]\n\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("mmanon_default", "module(load=\"mmanon\")\ntemplate(name=\"t\" type=\"string\" string=\"[%msg%] [%rawmsg%]\n\")\naction(type=\"mmanon\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("mmanon_simple_8", "module(load=\"mmanon\")\ntemplate(name=\"t\" type=\"string\" string=\"[%msg%] [%rawmsg%]\n\")\naction(type=\"mmanon\" ipv4.mode=\"simple\" ipv4.bits=\"8\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("mmanon_simple_rounded_star", "module(load=\"mmanon\")\ntemplate(name=\"t\" type=\"string\" string=\"[%msg%] [%rawmsg%]\n\")\naction(type=\"mmanon\" mode=\"rewrite\" ipv4.bits=\"12\" replacementChar=\"*\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("mmanon_all_bits", "module(load=\"mmanon\")\ntemplate(name=\"t\" type=\"string\" string=\"[%msg%] [%rawmsg%]\n\")\naction(type=\"mmanon\" ipv4.bits=\"32\" ipv6.bits=\"128\" embeddedIpv4.bits=\"128\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("mmanon_embedded_off_v6_64", "module(load=\"mmanon\")\ntemplate(name=\"t\" type=\"string\" string=\"[%msg%] [%rawmsg%]\n\")\naction(type=\"mmanon\" embeddedIpv4.enable=\"off\" ipv6.bits=\"64\" ipv4.enable=\"off\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("dyn_stats_inc", "dyn_stats(name=\"hosts\" maxCardinality=\"3\")\ntemplate(name=\"t\" type=\"string\" string=\"%$.r%|%$.s%|%hostname%\n\")\nset $.r = dyn_inc(\"hosts\", $hostname);\nset $.s = dyn_inc(\"hosts\", \"\");\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("percentile_stats_observe", "percentile_stats(name=\"lat\" percentiles=[\"p50\", \"p95\"] windowSize=\"10\")\ntemplate(name=\"t\" type=\"string\" string=\"%$.r%|%$.s%|%syslogseverity%\n\")\nset $.r = percentile_observe(\"lat\", $programname, $syslogseverity * 10);\nset $.s = percentile_observe(\"lat\", \"x\", \"not a number\");\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("parser_ciscoios", "module(load=\"pmciscoios\")\ntimezone(id=\"CET\" offset=\"+01:00\")\ntimezone(id=\"CEST\" offset=\"+02:00\")\n$RulesetParser rsyslog.ciscoios\n$RulesetParser rsyslog.rfc3164\ntemplate(name=\"t\" type=\"string\" string=\"%hostname%|%syslogtag%|%programname%|%app-name%|%procid%|%pri%|%timereported:::date-rfc3339%|[%msg%]|%rawmsg-after-pri%\n\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("parser_ciscoios_only", "module(load=\"pmciscoios\")\n$RulesetParser rsyslog.ciscoios\ntemplate(name=\"t\" type=\"string\" string=\"%hostname%|%syslogtag%|%programname%|%app-name%|%procid%|%pri%|%timereported:::date-rfc3339%|[%msg%]|%rawmsg-after-pri%\n\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("parser_ciscoios_only_but_msg", "module(load=\"pmciscoios\")\n$RulesetParser rsyslog.ciscoios\ntemplate(name=\"t\" type=\"string\" string=\"%hostname%|%syslogtag%|%programname%|%app-name%|%procid%|%pri%|%timereported:::date-rfc3339%|%rawmsg-after-pri%\n\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("parser_ciscoios_origin", "module(load=\"pmciscoios\")\ntimezone(id=\"CET\" offset=\"+01:00\")\nparser(name=\"c\" type=\"pmciscoios\" present.origin=\"on\")\n$RulesetParser c\n$RulesetParser rsyslog.rfc3164\ntemplate(name=\"t\" type=\"string\" string=\"%hostname%|%syslogtag%|%programname%|%app-name%|%procid%|%pri%|%timereported:::date-rfc3339%|[%msg%]|%rawmsg-after-pri%\n\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("parser_ciscoios_xr", "module(load=\"pmciscoios\")\ntimezone(id=\"CET\" offset=\"-03:30\")\nparser(name=\"x\" type=\"pmciscoios\" present.xr=\"on\")\nparser(name=\"xo\" type=\"pmciscoios\" present.xr=\"on\" present.origin=\"on\")\n$RulesetParser x\n$RulesetParser xo\n$RulesetParser rsyslog.rfc3164\ntemplate(name=\"t\" type=\"string\" string=\"%hostname%|%syslogtag%|%programname%|%app-name%|%procid%|%pri%|%timereported:::date-rfc3339%|[%msg%]|%rawmsg-after-pri%\n\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("parser_snare_default", "module(load=\"pmsnare\")\n$RulesetParser rsyslog.snare\n$RulesetParser rsyslog.rfc5424\n$RulesetParser rsyslog.rfc3164\ntemplate(name=\"t\" type=\"string\" string=\"%PRI%,%syslogfacility-text%,%syslogseverity-text%,%hostname%,%programname%,%syslogtag%,%msg%\n\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("parser_snare_instance_tab", "module(load=\"pmsnare\")\nparser(name=\"s\" type=\"pmsnare\" parser.escapeControlCharacterTab=\"off\")\n$RulesetParser s\n$RulesetParser rsyslog.rfc3164\ntemplate(name=\"t\" type=\"string\" string=\"%PRI%,%syslogfacility-text%,%syslogseverity-text%,%hostname%,%programname%,%syslogtag%,%msg%\n\")\naction(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("parse_json_seen_in_same_expression", "template(name=\"t\" type=\"string\" string=\"%$!user%|%msg%\n\")\nif $programname == 'jsonapp' and parse_json($msg, \"\\$!\") == 0 and $!user == \"bob\" then action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n"),
    ("foreach_order_per_message", "template(name=\"t\" type=\"string\" string=\"%programname% %$.x%\n\")\nif $syslogseverity <= 5 then {\n set $.r = parse_json(\"[1,2,3]\", \"\\$.arr\");\n foreach ($.x in $.arr) do action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\")\n}\n"),
    ("call_indirect_by_variable", "template(name=\"t\" type=\"string\" string=\"%syslogseverity% %programname%\n\")\nruleset(name=\"even\") { action(type=\"omfile\" file=\"@OUT@/a.log\" template=\"t\") }\nruleset(name=\"odd\") { action(type=\"omfile\" file=\"@OUT@/b.log\" template=\"t\") }\nif $syslogseverity % 2 == 0 then set $.rs = \"even\"; else set $.rs = \"odd\";\ncall_indirect $.rs;\n"),
    ("template_var_names_lower_cased_by_default", r##"template(name="t" type="string" string="%$!User:::jsonf%|%$!NESTED!Up%|%$.Loc:::jsonf%|%$.j%\n")
template(name="l" type="list") {
 property(name="$!User" outname="UserName" format="jsonf")
 constant(value="|")
 property(name="$!nested!UP" outname="Up" format="jsonf")
 constant(value="\n")
}
template(name="k" type="string" string="%$!User:::jsonf%|%$!nested!Up%|%$.Loc:::jsonf%\n" option.caseSensitive="on")
$template L,"%$!User:::jsonf%|%$!Nested!up%\n"
$template LK,"%$!User:::jsonf%|%$!Nested!up%\n",casesensitive
if $programname == 'jsonapp' then {
 set $.r = parse_json($msg, "\$!");
 set $.Loc = "L";
 set $.q = parse_json("{\"a\":1,\"A\":2,\"b\":3}", "\$.j");
 action(type="omfile" file="@OUT@/a.log" template="t")
 action(type="omfile" file="@OUT@/b.log" template="l")
 action(type="omfile" file="@OUT@/c.log" template="k")
 action(type="omfile" file="@OUT@/d.log" template="L")
 action(type="omfile" file="@OUT@/e.log" template="LK")
}
"##),
    ("variables_case_sensitive_on", r##"global(variables.caseSensitive="on")
template(name="t" type="string" string="%$!user%|%$!User%|%$!nested!Up%|%$!nested!up%|%$.j%|%$!%\n")
template(name="s" type="string" string="%$!user%|%$!User%|%$!nested!Up%|%$!nested!up%|%$!User:::jsonf%\n" option.caseSensitive="on")
template(name="l" type="list" option.caseSensitive="on") {
 property(name="$!User" outname="UserName" format="jsonf")
 constant(value="|")
 property(name="$!nested!Up" outname="Up" format="jsonf")
 constant(value="\n")
}
$template LK,"%$!User%|%$!nested!Up%|%$!nested!up%\n",casesensitive
if $programname == 'jsonapp' then {
 set $.r = parse_json($msg, "\$!");
 set $!User = "U";
 set $!USER = "V";
 unset $!USER;
 set $.q = parse_json("{\"a\":1,\"A\":2,\"b\":3}", "\$.j");
 if exists($!nested!up) then set $!seen = "lower";
 if exists($!nested!Up) then set $!seen2 = "exact";
 if $!User == "U" and $!user != "U" then set $!cmp = "ok";
 action(type="omfile" file="@OUT@/a.log" template="t")
 action(type="omfile" file="@OUT@/b.log" template="s")
 action(type="omfile" file="@OUT@/c.log" template="l")
 action(type="omfile" file="@OUT@/d.log" template="LK")
}
"##),
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
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let body = body
        .replace("@OUT@", &out_dir.display().to_string())
        .replace("@DATA@", &data.display().to_string());
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
            diffs.push(first_difference(path, t, o));
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

/// Cases whose output differs from rsyslogd's on purpose, with the reason:
/// Where two outputs of one file part: the first line that differs, on
/// each side.
fn first_difference(path: &str, theirs: Option<&Vec<u8>>, ours: Option<&Vec<u8>>) -> String {
    let lines = |b: Option<&Vec<u8>>| -> Option<Vec<String>> {
        b.map(|b| {
            b.split_inclusive(|&c| c == b'\n')
                .map(|l| String::from_utf8_lossy(l).escape_debug().to_string())
                .collect()
        })
    };
    let (t, o) = (lines(theirs), lines(ours));
    let (Some(t), Some(o)) = (&t, &o) else {
        let side = |x: &Option<Vec<String>>| {
            x.as_ref()
                .map_or("<no file>".into(), |l| format!("{} line(s)", l.len()))
        };
        return format!(
            "  {path}\n    rsyslog: {}\n    corelog: {}",
            side(&t),
            side(&o)
        );
    };
    let at = (0..t.len().max(o.len()))
        .find(|&i| t.get(i) != o.get(i))
        .unwrap_or(0);
    let line = |x: &[String]| x.get(at).cloned().unwrap_or_else(|| "<no line>".into());
    format!(
        "  {path} ({} and {} lines), first difference at line {}:\n    rsyslog: {}\n    corelog: {}",
        t.len(),
        o.len(),
        at + 1,
        line(t),
        line(o)
    )
}

/// `config-differential-exceptions.txt`, one `CASE REASON` per line.
fn exceptions() -> std::collections::BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config-differential-exceptions.txt");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (case, reason) = l.split_once(' ').unwrap_or((l, ""));
            assert!(!reason.trim().is_empty(), "exception {case} has no reason");
            assert!(
                CASES.iter().any(|(n, _)| *n == case),
                "exception {case} names no case"
            );
            (case.to_string(), reason.trim().to_string())
        })
        .collect()
}

#[test]
fn configs_behave_like_rsyslogd() {
    assert!(CASES.len() >= 200, "{} cases", CASES.len());
    let exceptions = exceptions();
    let base = std::env::temp_dir().join(format!("corelog-cfgdiff-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let only = std::env::var("CORELOG_CASE").ok();
    let mut failures = Vec::new();
    let mut ran = 0;
    let mut known = 0;
    for (name, body) in CASES {
        if only.as_deref().is_some_and(|o| o != *name) {
            continue;
        }
        ran += 1;
        let listed = exceptions.get(*name);
        match (run_case(name, body, &base), listed) {
            (Err(e), None) => failures.push(e),
            (Err(_), Some(_)) => known += 1,
            (Ok(()), Some(reason)) => failures.push(format!(
                "{name}: listed as an exception ({reason}) but no longer differs: remove it"
            )),
            (Ok(()), None) => {}
        }
    }
    println!(
        "{ran} configurations compared with rsyslogd; {known} differ as listed; {} differ otherwise",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {ran} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
