//! Why corelogd cannot start, typed by what failed; the daemon turns it
//! into its last line and exit status 1. Each variant's text is a full
//! sentence naming the input, action, queue or limit and what to do.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartError {
    /// `--cores` asks for more cores than the process may use.
    Cores { asked: usize, allowed: usize },
    /// An action's output cannot be made (an owner that does not exist).
    Action(String),
    /// An input's address does not resolve, or its socket cannot be bound.
    Input(String),
    /// A disk queue cannot be planned (a directory, a lock).
    DiskQueue(String),
    /// A process limit is too low (locked memory) or cannot be set.
    Limit(String),
    /// A core's executor could not start, or failed.
    Executor(String),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Cores { asked, allowed } => write!(
                f,
                "--cores {asked} asks for more cores than this process may use ({allowed})."
            ),
            StartError::Action(m)
            | StartError::Input(m)
            | StartError::DiskQueue(m)
            | StartError::Limit(m)
            | StartError::Executor(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for StartError {}
