//! Why corelogd cannot start, typed by what failed; the daemon turns it
//! into its last line and exit status 1. Each variant's text is a full
//! sentence naming the input, action, queue or limit and what to do.

use std::fmt;

use super::disk::DiskQueueError;
use super::limits::LimitError;
use super::privdrop::PrivDropError;
use crate::input::InputError;
use crate::output::runner::ActionError;

#[derive(Debug)]
pub enum StartError {
    /// `--cores` asks for more cores than the process may use.
    Cores { asked: usize, allowed: usize },
    /// An action's output cannot be made (an owner that does not exist).
    Action(ActionError),
    /// An input's address does not resolve, or its socket cannot be bound.
    Input(InputError),
    /// A disk queue cannot be planned (a directory, a lock).
    DiskQueue(DiskQueueError),
    /// A process limit is too low (locked memory) or cannot be set.
    Limit(LimitError),
    /// A core's executor could not start, or failed.
    Executor(String),
    /// Privileges could not be dropped, or the new user cannot do what
    /// the configuration asks.
    PrivDrop(PrivDropError),
    /// imhttp's address cannot be bound.
    Http(String),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Cores { asked, allowed } => write!(
                f,
                "--cores {asked} asks for more cores than this process may use ({allowed})."
            ),
            StartError::DiskQueue(e) => e.fmt(f),
            StartError::Input(e) => e.fmt(f),
            StartError::Action(e) => e.fmt(f),
            StartError::Limit(e) => e.fmt(f),
            StartError::Executor(m) => f.write_str(m),
            StartError::PrivDrop(e) => e.fmt(f),
            StartError::Http(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for StartError {}
