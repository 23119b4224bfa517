//! `corelogd -N1 -f FILE`: exit 0 for a valid configuration, 1 with
//! `file:line:column: error: …` lines for an invalid one.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `corelogd -N1 -f path`.
fn n1(path: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corelogd"))
        .args(["-N1", "-f"])
        .arg(path)
        .output()
        .unwrap()
}

#[test]
fn corelogd_n1_checks_a_config() {
    let dir = std::env::temp_dir().join(format!("corelog-n1-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.conf");
    std::fs::write(&good, "*.* /var/log/messages\n").unwrap();
    let bad = dir.join("bad.conf");
    std::fs::write(&bad, "*.* /var/log/messages\nmial.* /x\n").unwrap();
    let ok = n1(&good);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let no = n1(&bad);
    assert_eq!(no.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&no.stderr);
    assert!(
        stderr.contains(&format!(
            "{}:2:1: error: unknown facility 'mial'",
            bad.display()
        )),
        "{stderr}"
    );
}

/// Debian 12's default /etc/rsyslog.conf (comments dropped): everything
/// in it is carried out — imuxsock, imklog, the files, and `:omusrmsg:*`
/// to everyone's terminal — so it checks with no error and no warning.
#[test]
fn corelogd_n1_accepts_debians_default_config_without_a_word() {
    let conf = "module(load=\"imuxsock\")\nmodule(load=\"imklog\")\n$FileOwner root\n$FileGroup adm\n\
$FileCreateMode 0640\n$DirCreateMode 0755\n$Umask 0022\n$WorkDirectory /var/spool/rsyslog\n\
$IncludeConfig /etc/rsyslog.d/*.conf\n*.*;auth,authpriv.none\t\t-/var/log/syslog\n\
auth,authpriv.*\t\t\t/var/log/auth.log\ncron.*\t\t\t\t-/var/log/cron.log\nkern.*\t\t\t\t-/var/log/kern.log\n\
mail.*\t\t\t\t-/var/log/mail.log\nuser.*\t\t\t\t-/var/log/user.log\n*.emerg\t\t\t\t:omusrmsg:*\n";
    let dir = std::env::temp_dir().join(format!("corelog-n1-debian-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("rsyslog.conf");
    std::fs::write(&path, conf).unwrap();
    let out = n1(&path);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains("warning") && !stderr.contains("error"),
        "{stderr}"
    );
    // The system socket is the one input; imklog is module-wide.
    assert!(
        stderr.contains(": 1 inputs, 1 rulesets, 7 actions,"),
        "{stderr}"
    );
}

/// `-N1` resolves the inputs and actions as a start would: a parameter
/// value corelogd cannot run is an error at its file:line:column.
#[test]
fn corelogd_n1_checks_input_and_action_parameters() {
    let dir = std::env::temp_dir().join(format!("corelog-n1-params-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (conf, want) in [
        (
            "module(load=\"imrelp\")\ninput(type=\"imrelp\" port=\"2514\" oversizeMode=\"bogus\")\n*.* /dev/null\n",
            "c.conf:2:33: error: oversizeMode=\"bogus\" in input(type=\"imrelp\") is not valid: expected one of truncate, abort, accept",
        ),
        (
            "module(load=\"omrelp\")\n*.* action(type=\"omrelp\" target=\"h\" windowSize=\"many\")\n",
            "c.conf:2:37: error: windowSize=\"many\" in action(type=\"omrelp\") is not valid: expected a whole number from 0 to 1048576",
        ),
        (
            "*.* action(type=\"omfile\" file=\"/tmp/x\" fileOwner=\"no-such-user-here\")\n",
            "fileOwner 'no-such-user-here': no such user",
        ),
    ] {
        let path = dir.join("c.conf");
        std::fs::write(&path, conf).unwrap();
        let out = n1(&path);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(want), "{stderr}");
    }
}
