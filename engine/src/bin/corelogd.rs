//! `corelogd`: the corelog daemon.
//!
//! What works today is the configuration check, as `rsyslogd -N1`:
//! `corelogd -N1 -f /etc/rsyslog.conf` reads the file and what it includes,
//! prints every error as `file:line:column: error: …` (and warnings), and
//! exits 0 when the configuration is valid, 1 when it is not. Running the
//! configuration needs the thread-per-core runtime, which is not built yet
//! (issue #5); without `-N` the daemon says so and exits 2.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Command line, in rsyslogd's spelling.
#[derive(Parser, Debug)]
#[command(
    name = "corelogd",
    version,
    about = "corelog: a fast rsyslog-compatible syslog receiver"
)]
struct Args {
    /// Configuration file (rsyslog.conf syntax).
    #[arg(short = 'f', long = "config", default_value = "/etc/rsyslog.conf")]
    config: PathBuf,
    /// Check the configuration and exit (level 1), as `rsyslogd -N1`.
    #[arg(short = 'N', value_name = "LEVEL")]
    check: Option<u8>,
    /// Stay in the foreground.
    #[arg(short = 'n')]
    foreground: bool,
    /// Pid file.
    #[arg(short = 'i', value_name = "PIDFILE")]
    pidfile: Option<PathBuf>,
    /// Cores to run on (default: all).
    #[arg(long)]
    cores: Option<usize>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.check.is_none() {
        eprintln!(
            "corelogd: running a configuration needs the thread-per-core runtime, which is not built yet (issue #5).\n\
             corelogd: check a configuration with: corelogd -N1 -f {}",
            args.config.display()
        );
        return ExitCode::from(2);
    }
    eprintln!(
        "corelogd: version {}, config validation run (level {}), master config {}",
        env!("CARGO_PKG_VERSION"),
        args.check.unwrap_or(1),
        args.config.display()
    );
    match corelog::config::load_file(&args.config) {
        Ok(plan) => {
            for w in plan.warning_lines() {
                eprintln!("{w}");
            }
            eprintln!(
                "corelogd: End of config validation run: {} inputs, {} rulesets, {} actions, {} templates. Bye.",
                plan.inputs.len(),
                plan.rulesets.len(),
                plan.actions.len(),
                plan.templates.len()
            );
            ExitCode::SUCCESS
        }
        Err(errors) => {
            eprint!("{errors}");
            eprintln!(
                "corelogd: {} error(s): the configuration is not valid.",
                errors.errors.len()
            );
            ExitCode::from(1)
        }
    }
}
