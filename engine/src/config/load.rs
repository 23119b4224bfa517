//! Reading configuration files: lexing and parsing each, and splicing in
//! what `include(file= mode=)` and `$IncludeConfig` name, in place, so
//! directives apply in the order rsyslog applies them.
//!
//! In: a path or a text. Out: one statement list and the file names.
//! Globs expand in sorted order; a directory includes its files in sorted
//! order, as rsyslog does. A missing include is an error unless
//! `mode="optional"`. Include depth is limited (a loop is an error).

use std::path::{Path, PathBuf};

use super::ast::{Object, Stmt, Value};
use super::{lexer, parser, ConfigError, ConfigErrors, Pos, Sources};

const INCLUDE_DEPTH_MAX: usize = 16;

pub fn load_file(path: &Path) -> Result<(Vec<Stmt>, Sources), ConfigErrors> {
    let mut l = Loader::default();
    let result = l.file(path, Pos::default(), 0);
    l.finish(result)
}

pub fn load_str(name: &str, text: &str) -> Result<(Vec<Stmt>, Sources), ConfigErrors> {
    let mut l = Loader::default();
    let result = l.text(name, text, 0);
    l.finish(result)
}

/// Like [`load_file`], but returns what could be read along with the
/// errors, so that checking can go on and report everything at once.
pub fn load_file_partial(path: &Path) -> (Vec<Stmt>, Sources, Vec<ConfigError>) {
    let mut l = Loader::default();
    let result = l.file(path, Pos::default(), 0);
    l.finish_partial(result)
}

/// [`load_file_partial`] for a text.
pub fn load_str_partial(name: &str, text: &str) -> (Vec<Stmt>, Sources, Vec<ConfigError>) {
    let mut l = Loader::default();
    let result = l.text(name, text, 0);
    l.finish_partial(result)
}

#[derive(Default)]
struct Loader {
    sources: Sources,
    errors: Vec<ConfigError>,
}

impl Loader {
    fn finish(self, stmts: Vec<Stmt>) -> Result<(Vec<Stmt>, Sources), ConfigErrors> {
        if self.errors.is_empty() {
            Ok((stmts, self.sources))
        } else {
            Err(ConfigErrors {
                errors: self.errors,
                sources: self.sources,
            })
        }
    }

    /// Statements and errors both: the builder checks what could be read.
    fn finish_partial(self, stmts: Vec<Stmt>) -> (Vec<Stmt>, Sources, Vec<ConfigError>) {
        (stmts, self.sources, self.errors)
    }

    fn file(&mut self, path: &Path, from: Pos, depth: usize) -> Vec<Stmt> {
        match std::fs::read_to_string(path) {
            Ok(text) => self.text(&path.display().to_string(), &text, depth),
            Err(e) => {
                self.errors.push(ConfigError::new(
                    from,
                    format!("cannot read config file {}: {e}", path.display()),
                ));
                Vec::new()
            }
        }
    }

    fn text(&mut self, name: &str, text: &str, depth: usize) -> Vec<Stmt> {
        let file = self.sources.names.len() as u32;
        self.sources.names.push(name.to_string());
        let tokens = match lexer::lex(text, file) {
            Ok(t) => t,
            Err(e) => {
                self.errors.push(ConfigError::new(e.pos, e.message));
                return Vec::new();
            }
        };
        let (stmts, errors) = parser::parse(&tokens);
        self.errors.extend(errors);
        self.expand(stmts, depth, Path::new(name).parent())
    }

    /// Replaces include statements by what they include, recursively.
    fn expand(&mut self, stmts: Vec<Stmt>, depth: usize, dir: Option<&Path>) -> Vec<Stmt> {
        let mut out = Vec::with_capacity(stmts.len());
        for s in stmts {
            match s {
                Stmt::Object(o) if o.kind.eq_ignore_ascii_case("include") => {
                    out.extend(self.include_object(&o, depth, dir));
                }
                Stmt::Directive { ref text, pos }
                    if directive_name(text).eq_ignore_ascii_case("IncludeConfig") =>
                {
                    let arg = text
                        .split_once(char::is_whitespace)
                        .map_or("", |(_, a)| a.trim());
                    out.extend(self.include_pattern(arg, false, pos, depth, dir));
                }
                Stmt::Object(mut o) if o.body.is_some() => {
                    let body = o.body.take().unwrap_or_default();
                    o.body = Some(self.expand(body, depth, dir));
                    out.push(Stmt::Object(o));
                }
                other => out.push(other),
            }
        }
        out
    }

    fn include_object(&mut self, o: &Object, depth: usize, dir: Option<&Path>) -> Vec<Stmt> {
        let optional = match o.get("mode").map(|p| p.value.text()) {
            None => false,
            Some(m) if m == "optional" => true,
            Some(m) if m == "required" => false,
            Some(m) => {
                self.errors.push(ConfigError::new(
                    o.pos,
                    format!("include(mode=\"{m}\"): expected \"required\" or \"optional\""),
                ));
                false
            }
        };
        for p in &o.params {
            if !["file", "mode", "text"].contains(&p.name.to_ascii_lowercase().as_str()) {
                let hint = super::suggestion(&p.name, ["file", "mode", "text"]);
                self.errors.push(ConfigError::new(
                    p.pos,
                    format!("unknown parameter '{}' in include(){hint}", p.name),
                ));
            }
        }
        match (o.get("file"), o.get("text")) {
            (Some(f), None) => match &f.value {
                Value::Str(pattern) => self.include_pattern(pattern, optional, o.pos, depth, dir),
                _ => {
                    self.errors
                        .push(ConfigError::new(f.pos, "include(file=) takes a string"));
                    Vec::new()
                }
            },
            (None, Some(t)) => {
                if depth >= INCLUDE_DEPTH_MAX {
                    self.errors.push(ConfigError::new(
                        o.pos,
                        "includes nested too deep (a loop?)",
                    ));
                    return Vec::new();
                }
                self.text("<include text>", &t.value.text(), depth + 1)
            }
            _ => {
                self.errors.push(ConfigError::new(
                    o.pos,
                    "include() needs exactly one of file= or text=",
                ));
                Vec::new()
            }
        }
    }

    fn include_pattern(
        &mut self,
        pattern: &str,
        optional: bool,
        pos: Pos,
        depth: usize,
        dir: Option<&Path>,
    ) -> Vec<Stmt> {
        if depth >= INCLUDE_DEPTH_MAX {
            self.errors
                .push(ConfigError::new(pos, "includes nested too deep (a loop?)"));
            return Vec::new();
        }
        let full = if Path::new(pattern).is_absolute() {
            PathBuf::from(pattern)
        } else {
            dir.map_or_else(|| PathBuf::from(pattern), |d| d.join(pattern))
        };
        let mut files = match expand_glob(&full) {
            Ok(f) => f,
            Err(e) => {
                self.errors.push(ConfigError::new(pos, e));
                return Vec::new();
            }
        };
        // As in rsyslog, a pattern with wildcards may match nothing; a plain
        // path must exist unless the include is optional.
        let wildcard = pattern.contains(['*', '?']);
        if files.is_empty() {
            if !optional && !wildcard {
                self.errors.push(ConfigError::new(
                    pos,
                    format!("include: no file matches '{pattern}' (use mode=\"optional\" if that is expected)"),
                ));
            }
            return Vec::new();
        }
        files.sort();
        let mut out = Vec::new();
        for f in files {
            out.extend(self.file(&f, pos, depth + 1));
        }
        out
    }
}

/// The directive's name, without arguments.
pub fn directive_name(text: &str) -> &str {
    text.split(char::is_whitespace).next().unwrap_or("")
}

/// Files matching a path whose last component may hold `*` and `?`; a
/// directory means the files in it.
fn expand_glob(path: &Path) -> Result<Vec<PathBuf>, String> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if !name.contains(['*', '?']) {
        if path.is_dir() {
            return list_dir(path, "*");
        }
        return Ok(if path.exists() {
            vec![path.to_path_buf()]
        } else {
            Vec::new()
        });
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    list_dir(dir, name)
}

fn list_dir(dir: &Path, pattern: &str) -> Result<Vec<PathBuf>, String> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| format!("reading {}: {e}", dir.display()))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if wildcard(pattern.as_bytes(), name.as_bytes()) && entry.path().is_file() {
            out.push(entry.path());
        }
    }
    Ok(out)
}

/// Shell-style `*` and `?` matching.
fn wildcard(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => wildcard(&p[1..], s) || (!s.is_empty() && wildcard(p, &s[1..])),
        (Some(b'?'), Some(_)) => wildcard(&p[1..], &s[1..]),
        (Some(a), Some(b)) if a == b => wildcard(&p[1..], &s[1..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard(b"*.conf", b"50-default.conf"));
        assert!(!wildcard(b"*.conf", b"x.conf.bak"));
        assert!(wildcard(b"a?c", b"abc"));
    }

    #[test]
    fn includes_splice_in_order() {
        let dir = std::env::temp_dir().join(format!("corelog-include-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("d")).unwrap();
        std::fs::write(dir.join("d/20-b.conf"), "$WorkDirectory /b\n").unwrap();
        std::fs::write(dir.join("d/10-a.conf"), "$WorkDirectory /a\n").unwrap();
        std::fs::write(
            dir.join("main.conf"),
            format!("$IncludeConfig {}/d/*.conf\ninclude(file=\"/nonexistent/*.conf\" mode=\"optional\")\n", dir.display()),
        )
        .unwrap();
        let (stmts, sources) = load_file(&dir.join("main.conf")).unwrap();
        let texts: Vec<_> = stmts
            .iter()
            .map(|s| match s {
                Stmt::Directive { text, .. } => text.clone(),
                _ => String::new(),
            })
            .collect();
        assert_eq!(texts, ["WorkDirectory /a", "WorkDirectory /b"]);
        assert_eq!(sources.names.len(), 3);
        let e = load_str("x.conf", "include(file=\"/nonexistent.conf\")").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("x.conf:1:1: error: include: no file matches"),
            "{e}"
        );
        assert!(load_str("x.conf", "$IncludeConfig /nonexistent.d/*.conf\n*.* /x\n").is_ok());
    }
}
