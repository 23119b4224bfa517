//! The configuration language's leaves, below both the loader
//! ([`crate::config`]) and the rule engine ([`crate::rule`]) that compiles
//! its expressions: the syntax tree, positions in the files, errors at a
//! position, and "did you mean".

pub mod ast;

use std::fmt;

/// A place in the configuration: file number (see [`Sources`]), line and
/// column, both from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Pos {
    pub file: u32,
    pub line: u32,
    pub col: u32,
}

/// The files a configuration was read from, by number.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub names: Vec<String>,
}

impl Sources {
    pub fn name(&self, file: u32) -> &str {
        self.names
            .get(file as usize)
            .map_or("<config>", String::as_str)
    }
}

/// One configuration error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub pos: Pos,
    pub message: String,
}

impl ConfigError {
    pub fn new(pos: Pos, message: impl Into<String>) -> ConfigError {
        ConfigError {
            pos,
            message: message.into(),
        }
    }
}

/// Every error found, with the files to name them by.
#[derive(Debug, Clone)]
pub struct ConfigErrors {
    pub errors: Vec<ConfigError>,
    pub sources: Sources,
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.errors {
            writeln!(
                f,
                "{}:{}:{}: error: {}",
                self.sources.name(e.pos.file),
                e.pos.line,
                e.pos.col,
                e.message
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// The closest of `candidates` to `word` by edit distance, if close enough
/// to be what was meant (case-insensitive).
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let w = word.to_ascii_lowercase();
    let limit = (w.len() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&w, &c.to_ascii_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// " (did you mean 'x'?)" or nothing.
pub fn suggestion<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(word, candidates)
        .map(|s| format!(" (did you mean '{s}'?)"))
        .unwrap_or_default()
}

/// Edit distance counting a swap of neighbours as one edit (optimal
/// string alignment), so `tyep` is one step from `type`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}
