//! `corelogd -N1 -f FILE`: exit 0 for a valid configuration, 1 with
//! `file:line:column: error: …` lines for an invalid one.

use std::process::Command;

#[test]
fn corelogd_n1_checks_a_config() {
    let dir = std::env::temp_dir().join(format!("corelog-n1-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.conf");
    std::fs::write(&good, "*.* /var/log/messages\n").unwrap();
    let bad = dir.join("bad.conf");
    std::fs::write(&bad, "*.* /var/log/messages\nmial.* /x\n").unwrap();
    let bin = env!("CARGO_BIN_EXE_corelogd");
    let ok = Command::new(bin)
        .args(["-N1", "-f"])
        .arg(&good)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let no = Command::new(bin)
        .args(["-N1", "-f"])
        .arg(&bad)
        .output()
        .unwrap();
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
