//! The Debian package: `scripts/deb` builds it (around the corelogd these
//! tests built), `lintian` reports no error and no warning, and `dpkg
//! --root` installs it into a scratch root, where its files are checked —
//! the daemon runs its `/etc/corelog.conf` (which checks with no error
//! and no warning), the unit passes `systemd-analyze verify`, the
//! logrotate snippet passes `logrotate --debug`, the man page renders
//! without a warning — and dpkg records that it provides and conflicts
//! with `system-log-daemon`, as rsyslog's package does.

use std::path::{Path, PathBuf};
use std::process::Command;

use corelog_tests::daemon::bin;

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Builds the package into `dir`; its path.
fn build(dir: &Path) -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = Command::new(repo.join("scripts/deb"))
        .arg("--binary")
        .arg(bin("corelogd"))
        .arg("--out")
        .arg(dir)
        .output()
        .expect("running scripts/deb");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "scripts/deb: {stderr}");
    // Its one line of standard output: the .deb's path.
    let deb = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    assert!(deb.exists(), "{deb:?}: {stderr}");
    deb
}

#[test]
fn the_package_builds_lints_clean_and_installs_into_a_scratch_root() {
    let dir = std::env::temp_dir().join(format!("corelog-deb-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let deb = build(&dir);

    // lintian: no error, no warning (informational tags allowed).
    let (_, lint) = run(Command::new("lintian")
        .args(["--tag-display-limit", "0"])
        .arg(&deb));
    let bad: Vec<&str> = lint
        .lines()
        .filter(|l| l.starts_with("E:") || l.starts_with("W:"))
        .collect();
    assert!(
        bad.is_empty(),
        "lintian (Debian's lintian package):\n{lint}"
    );

    // Installed into a scratch root.
    let root = dir.join("root");
    for d in ["var/lib/dpkg/info", "var/lib/dpkg/updates"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(root.join("var/lib/dpkg/status"), b"").unwrap();
    std::fs::write(root.join("var/lib/dpkg/available"), b"").unwrap();
    let (ok, text) = run(Command::new("dpkg")
        .arg(format!("--root={}", root.display()))
        .args([
            "--force-script-chrootless",
            "--force-depends",
            "--log=/dev/null",
            "-i",
        ])
        .arg(&deb));
    assert!(ok, "dpkg --root -i: {text}");
    let (ok, status) = run(Command::new("dpkg")
        .arg(format!("--root={}", root.display()))
        .args(["-s", "corelog"]));
    assert!(
        ok && status.contains("Status: install ok installed"),
        "{status}"
    );
    assert!(
        status.contains("Provides: linux-kernel-log-daemon, system-log-daemon")
            && status.contains("Conflicts: linux-kernel-log-daemon, system-log-daemon"),
        "{status}"
    );
    assert!(
        status.contains("Conffiles:\n /etc/corelog.conf "),
        "{status}"
    );

    for f in [
        "usr/sbin/corelogd",
        "lib/systemd/system/corelog.service",
        "etc/corelog.conf",
        "etc/logrotate.d/corelog",
        "usr/lib/corelog/corelog-rotate",
        "usr/share/man/man8/corelogd.8.gz",
        "usr/share/doc/corelog/copyright",
        "usr/share/doc/corelog/changelog.gz",
    ] {
        assert!(root.join(f).exists(), "{f} is not installed");
    }
    assert!(root.join("var/spool/corelog").is_dir());

    // The daemon it installed runs its configuration, without a word.
    let (ok, text) = run(Command::new(root.join("usr/sbin/corelogd"))
        .arg("-N1")
        .arg("-f")
        .arg(root.join("etc/corelog.conf")));
    assert!(ok, "corelogd -N1 -f /etc/corelog.conf: {text}");
    assert!(
        !text.contains("warning") && !text.contains("error"),
        "{text}"
    );
    assert!(text.contains("1 inputs, 1 rulesets, 7 actions"), "{text}");

    // The unit, as installed (its ExecStart is the scratch root's).
    let unit = std::fs::read_to_string(root.join("lib/systemd/system/corelog.service")).unwrap();
    assert!(unit.contains("ExecStart=/usr/sbin/corelogd -n -f /etc/corelog.conf"));
    corelog_tests::verify_unit(&unit, &root.join("usr/sbin/corelogd"), &dir);

    // logrotate reads the snippet (a dry run), and its helper signals
    // corelog.service, as rsyslog's does rsyslog.service.
    let (ok, text) = run(Command::new("logrotate")
        .arg("--debug")
        .arg("--state")
        .arg(dir.join("logrotate.state"))
        .arg(root.join("etc/logrotate.d/corelog")));
    assert!(ok && !text.contains("error"), "logrotate --debug: {text}");
    let rotate = std::fs::read_to_string(root.join("usr/lib/corelog/corelog-rotate")).unwrap();
    assert!(
        rotate.contains("systemctl kill -s HUP corelog.service"),
        "{rotate}"
    );

    // The man page renders without a warning.
    let (ok, text) = run(Command::new("man")
        .args(["--warnings", "-l"])
        .arg(root.join("usr/share/man/man8/corelogd.8.gz"))
        .env("MANWIDTH", "80")
        .env("MAN_KEEP_STDERR", "1"));
    assert!(ok && text.contains("corelogd"), "man: {text}");
    let _ = std::fs::remove_dir_all(&dir);
}
