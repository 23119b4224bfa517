//! corelogd's own messages through its rules, as rsyslog logs its
//! internal messages with `global(processInternalMessages="on")`: the
//! start line, the configuration's warnings, an action's failure and
//! suspension, and the stop line, each with facility syslog and tag
//! `corelogd:`, into the files the rules choose.

use std::time::Duration;

use corelog_tests::daemon::Corelogd;
use corelog_tests::wait_for;

#[test]
fn own_messages_go_through_the_rules() {
    let dir = std::env::temp_dir().join(format!("corelog-internal-{}", std::process::id()));
    let d = Corelogd::start(
        &dir,
        r#"
global(processInternalMessages="on" internalmsg.severity="warning")
module(load="imtcp")
input(type="imtcp" port="@PORT@")
timezone(id="CET" offset="+01:00")
template(name="t" type="string" string="%syslogfacility-text%.%syslogseverity-text% %programname% %inputname%|%msg%\n")
syslog.* action(type="omfile" file="@DIR@/own.log" template="t")
# A peer that is not there: the action fails and is suspended.
action(type="omfwd" target="127.0.0.1" port="@PORT2@" protocol="tcp" action.resumeRetryCount="0")
"#,
        &[],
    );
    let mut s = std::net::TcpStream::connect(("127.0.0.1", d.port)).unwrap();
    std::io::Write::write_all(&mut s, b"<13>Oct 11 22:14:15 h app: to forward\n").unwrap();
    drop(s);
    let own = d.path("own.log");
    wait_for(
        "the action's failure among the own messages",
        Duration::from_secs(30),
        || {
            let t = std::fs::read_to_string(&own).unwrap_or_default();
            t.contains("suspended").then_some(())
        },
    );
    d.stop();
    let t = std::fs::read_to_string(&own).unwrap();
    let lines: Vec<&str> = t.lines().collect();
    // internalmsg.severity="warning": the start line (info) is not logged.
    assert!(!t.contains("] start"), "{t}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("syslog.warning corelogd corelogd|")
                && l.contains("timezone 'CET'")),
        "the configuration's warning: {t}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("syslog.err corelogd corelogd|") && l.contains("failed")),
        "the action's failure: {t}"
    );
}

#[test]
fn start_and_stop_lines_at_info() {
    let dir = std::env::temp_dir().join(format!("corelog-internal-info-{}", std::process::id()));
    let d = Corelogd::start(
        &dir,
        r#"
global(processInternalMessages="on")
module(load="imtcp")
input(type="imtcp" port="@PORT@")
template(name="t" type="string" string="%pri% %syslogtag%%msg%\n")
syslog.* action(type="omfile" file="@DIR@/own.log" template="t")
"#,
        &[],
    );
    wait_for("the start line", Duration::from_secs(30), || {
        std::fs::read_to_string(d.path("own.log"))
            .ok()
            .filter(|t| t.contains("] start"))
    });
    let own = d.path("own.log");
    d.stop();
    let t = std::fs::read_to_string(own).unwrap();
    assert!(
        t.starts_with("46 corelogd:[origin software=\"corelogd\" swVersion=\""),
        "{t}"
    );
    assert!(
        t.contains("] exiting on a stop signal.\n"),
        "the stop line: {t}"
    );
}
