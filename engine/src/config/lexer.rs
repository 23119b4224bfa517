//! The configuration lexer: rsyslog.conf text in, tokens with positions out.
//!
//! One file mixes two languages, and the lexer tells them apart the way
//! rsyslog's does, by what a line starts with (outside parentheses):
//! - `$Word …` is a legacy directive: the whole line is one token;
//! - `facility.severity  action` is a legacy selector line, and
//!   `:property, op, "value"  action` a property-filter line: filter and
//!   action text become one token;
//! - `&` starts a continuation (another action for the previous filter);
//! - everything else is RainerScript: words, strings, numbers, variables
//!   (`$msg`, `$!user`, `$.n`, `$/g`, `$$now`) and punctuation.
//!
//! After `then`, `else` or `&`, text that starts like a legacy action (`/`,
//! `-`, `?`, `@`, `:`, `~`, `|`, `*`, `^`) runs to the end of the line and
//! is one `LegacyAction` token, so `if … then -?dyn;tpl` works as in rsyslog.
//!
//! Guarantees: never panics; every token carries the line and column where
//! it starts; an unterminated string or comment is an error at its start.

use super::Pos;

/// A token.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A bare word: keyword, object or function name, parameter name.
    Word(String),
    /// A quoted string, unescaped.
    Str(String),
    Num(i64),
    /// `$msg`, `$!a!b`, `$.x`, `$/g`, `$$now` (written without the `$$`
    /// doubling: `$now`).
    Var(String),
    /// `( ) { } [ ] = , ; & + - * / %` and the comparison operators.
    Punct(&'static str),
    /// A `$Directive args` line, without the `$`.
    Directive(String),
    /// A legacy selector line: the selector and the legacy action text, or
    /// `None` when RainerScript follows (`*.* action(…)`, `mail.* {…}`).
    Selector(String, Option<String>),
    /// A property-filter line: the filter text (from `:`) and the action,
    /// as for selectors.
    PropFilter(String, Option<String>),
    /// A legacy action after `then`, `else` or `&`.
    LegacyAction(String),
    Eof,
}

/// A token and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub pos: Pos,
}

/// A lexing error.
#[derive(Debug, Clone, PartialEq)]
pub struct LexError {
    pub pos: Pos,
    pub message: String,
}

const PUNCT: &[&str] = &[
    "==", "!=", "<>", "<=", ">=", "(", ")", "{", "}", "[", "]", "=", ",", ";", "&", "+", "-", "*",
    "/", "%", "<", ">",
];

/// Splits `text` (file number `file`) into tokens.
pub fn lex(text: &str, file: u32) -> Result<Vec<Token>, LexError> {
    Lexer {
        b: text.as_bytes(),
        i: 0,
        line: 1,
        line_start: 0,
        file,
        depth: 0,
        out: Vec::new(),
    }
    .run()
}

struct Lexer<'a> {
    b: &'a [u8],
    i: usize,
    line: u32,
    line_start: usize,
    file: u32,
    /// Parenthesis depth: legacy lines exist only outside parentheses.
    depth: u32,
    out: Vec<Token>,
}

impl Lexer<'_> {
    fn pos(&self) -> Pos {
        Pos {
            file: self.file,
            line: self.line,
            col: (self.i - self.line_start + 1) as u32,
        }
    }

    fn err<T>(&self, pos: Pos, message: impl Into<String>) -> Result<T, LexError> {
        Err(LexError {
            pos,
            message: message.into(),
        })
    }

    fn peek(&self, k: usize) -> Option<u8> {
        self.b.get(self.i + k).copied()
    }

    fn newline(&mut self) {
        self.line += 1;
        self.line_start = self.i;
    }

    fn at_line_start(&self) -> bool {
        self.b[self.line_start..self.i]
            .iter()
            .all(|c| c.is_ascii_whitespace())
    }

    /// The rest of the current line (not consumed past its end), trimmed.
    /// A line ending in `\` continues on the next one, whose leading blanks
    /// are dropped, as rsyslog joins legacy lines.
    fn rest_of_line(&mut self) -> String {
        let mut out = String::new();
        loop {
            let start = self.i;
            while self.i < self.b.len() && self.b[self.i] != b'\n' {
                self.i += 1;
            }
            let line = String::from_utf8_lossy(&self.b[start..self.i]);
            let line = line.trim_end();
            match line.strip_suffix('\\') {
                Some(head) if self.i < self.b.len() => {
                    out.push_str(head);
                    self.i += 1;
                    self.newline();
                    while matches!(self.peek(0), Some(b' ' | b'\t')) {
                        self.i += 1;
                    }
                }
                _ => {
                    out.push_str(line);
                    return strip_comment(&out).trim().to_string();
                }
            }
        }
    }

    fn push(&mut self, tok: Tok, pos: Pos) {
        self.out.push(Token { tok, pos });
    }

    fn last_is_action_lead(&self) -> bool {
        matches!(
            self.out.last().map(|t| &t.tok),
            Some(Tok::Word(w)) if w == "then" || w == "else"
        ) || matches!(self.out.last().map(|t| &t.tok), Some(Tok::Punct("&")))
    }

    fn run(mut self) -> Result<Vec<Token>, LexError> {
        while self.i < self.b.len() {
            let c = self.b[self.i];
            let pos = self.pos();
            match c {
                b'\n' => {
                    self.i += 1;
                    self.newline();
                }
                c if c.is_ascii_whitespace() => self.i += 1,
                b'#' => {
                    while self.i < self.b.len() && self.b[self.i] != b'\n' {
                        self.i += 1;
                    }
                }
                b'/' if self.peek(1) == Some(b'*') => {
                    self.i += 2;
                    loop {
                        match self.peek(0) {
                            None => {
                                return self.err(pos, "comment opened here is never closed by */")
                            }
                            Some(b'*') if self.peek(1) == Some(b'/') => {
                                self.i += 2;
                                break;
                            }
                            Some(b'\n') => {
                                self.i += 1;
                                self.newline();
                            }
                            Some(_) => self.i += 1,
                        }
                    }
                }
                _ if self.depth == 0 && self.at_line_start() && self.legacy_line(pos)? => {}
                _ if self.depth == 0 && self.last_is_action_lead() && self.legacy_action(pos) => {}
                b'"' | b'\'' => {
                    let s = self.string(pos)?;
                    self.push(Tok::Str(s), pos);
                }
                b'`' => {
                    let raw = self.string(pos)?;
                    match super::backtick::expand(&raw) {
                        Ok(s) => self.push(Tok::Str(s), pos),
                        Err(e) => return self.err(pos, e),
                    }
                }
                b'$' => {
                    let v = self.variable(pos)?;
                    self.push(Tok::Var(v), pos);
                }
                b'0'..=b'9' => {
                    let n = self.number(pos)?;
                    self.push(Tok::Num(n), pos);
                }
                c if c.is_ascii_alphabetic() || c == b'_' => {
                    let start = self.i;
                    while self.peek(0).is_some_and(|c| {
                        c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-')
                    }) {
                        self.i += 1;
                    }
                    // A trailing `-` or `.` belongs to what follows (`a-1`).
                    while matches!(self.b[self.i - 1], b'-' | b'.') && self.i - 1 > start {
                        self.i -= 1;
                    }
                    let w = String::from_utf8_lossy(&self.b[start..self.i]).into_owned();
                    self.push(Tok::Word(w), pos);
                }
                _ => {
                    let rest = &self.b[self.i..];
                    let Some(p) = PUNCT.iter().find(|p| rest.starts_with(p.as_bytes())) else {
                        return self.err(pos, format!("unexpected character '{}'", c as char));
                    };
                    self.i += p.len();
                    match *p {
                        "(" => self.depth += 1,
                        ")" => self.depth = self.depth.saturating_sub(1),
                        _ => {}
                    }
                    self.push(Tok::Punct(p), pos);
                }
            }
        }
        let pos = self.pos();
        self.push(Tok::Eof, pos);
        Ok(self.out)
    }

    /// At the start of a line: a directive, selector or property-filter line.
    fn legacy_line(&mut self, pos: Pos) -> Result<bool, LexError> {
        let rest = &self.b[self.i..];
        if rest.first() == Some(&b'$') && rest.get(1).is_some_and(u8::is_ascii_alphabetic) {
            self.i += 1;
            let line = self.rest_of_line();
            self.push(Tok::Directive(line), pos);
            return Ok(true);
        }
        if rest.first() == Some(&b':') {
            let filter = self.property_filter(pos)?;
            let action = self.filter_action();
            self.push(Tok::PropFilter(filter, action), pos);
            return Ok(true);
        }
        if is_selector(rest) {
            let start = self.i;
            while self.peek(0).is_some_and(|c| !c.is_ascii_whitespace()) {
                self.i += 1;
            }
            let sel = String::from_utf8_lossy(&self.b[start..self.i]).into_owned();
            let action = self.filter_action();
            self.push(Tok::Selector(sel, action), pos);
            return Ok(true);
        }
        Ok(false)
    }

    /// What follows a filter on its line: legacy action text (consumed), or
    /// `None` when a RainerScript statement or block follows (left to lex).
    fn filter_action(&mut self) -> Option<String> {
        while matches!(self.peek(0), Some(b' ' | b'\t')) {
            self.i += 1;
        }
        let rest = &self.b[self.i..];
        let word: Vec<u8> = rest
            .iter()
            .take_while(|c| c.is_ascii_alphabetic() || **c == b'_')
            .map(u8::to_ascii_lowercase)
            .collect();
        let after_word = rest[word.len()..]
            .iter()
            .find(|c| !matches!(c, b' ' | b'\t'));
        let rainerscript = rest.first() == Some(&b'{')
            || (word == b"action" && after_word == Some(&b'('))
            || matches!(&word[..], b"if" | b"call" | b"set" | b"unset" | b"continue")
            || (word == b"stop" && rest.len() == 4)
            || (word == b"stop" && matches!(rest.get(4), Some(c) if c.is_ascii_whitespace()));
        if rainerscript {
            None
        } else {
            Some(self.rest_of_line())
        }
    }

    /// `:prop, [!]op, "value"` up to the closing quote; returns the text.
    fn property_filter(&mut self, pos: Pos) -> Result<String, LexError> {
        let start = self.i;
        self.i += 1;
        let mut in_str = false;
        while let Some(c) = self.peek(0) {
            match c {
                b'\n' => break,
                b'\\' if in_str => self.i += 1,
                b'"' if in_str => {
                    self.i += 1;
                    return Ok(String::from_utf8_lossy(&self.b[start..self.i]).into_owned());
                }
                b'"' => in_str = true,
                _ => {}
            }
            self.i += 1;
        }
        self.err(
            pos,
            "property filter needs ':property, operation, \"value\"'",
        )
    }

    /// Legacy action text after `then`, `else` or `&`.
    fn legacy_action(&mut self, pos: Pos) -> bool {
        let c = self.b[self.i];
        let starts_action = matches!(
            c,
            b'/' | b'-' | b'?' | b'@' | b':' | b'~' | b'|' | b'*' | b'^'
        ) && !(c == b'/' && self.peek(1) == Some(b'*'));
        if !starts_action {
            return false;
        }
        let text = self.rest_of_line();
        self.push(Tok::LegacyAction(text), pos);
        true
    }

    fn string(&mut self, pos: Pos) -> Result<String, LexError> {
        let quote = self.b[self.i];
        self.i += 1;
        let mut raw = Vec::new();
        loop {
            match self.peek(0) {
                None => return self.err(pos, "string opened here is never closed"),
                Some(b'\\') => {
                    raw.push(b'\\');
                    if let Some(n) = self.peek(1) {
                        raw.push(n);
                        if n == b'\n' {
                            self.i += 1;
                            self.newline();
                            self.i -= 1;
                        }
                    }
                    self.i += 2;
                }
                Some(c) if c == quote => {
                    self.i += 1;
                    break;
                }
                Some(b'\n') => {
                    raw.push(b'\n');
                    self.i += 1;
                    self.newline();
                }
                Some(c) => {
                    raw.push(c);
                    self.i += 1;
                }
            }
        }
        let raw = String::from_utf8_lossy(&raw).into_owned();
        let unescaped = crate::template::unescape_rainerscript(&raw);
        Ok(String::from_utf8_lossy(&unescaped).into_owned())
    }

    fn variable(&mut self, pos: Pos) -> Result<String, LexError> {
        let start = self.i;
        self.i += 1;
        // `$$now` is the system property `$now`.
        if self.peek(0) == Some(b'$') {
            self.i += 1;
        }
        if matches!(self.peek(0), Some(b'!' | b'.' | b'/')) {
            self.i += 1;
        }
        while self
            .peek(0)
            // rsyslog's lexer: `[!@a-z0-9\-_\.\[\]]*` (`$!a[0]` indexes an array).
            .is_some_and(|c| {
                c.is_ascii_alphanumeric()
                    || matches!(c, b'_' | b'-' | b'!' | b'.' | b'@' | b'[' | b']')
            })
        {
            self.i += 1;
        }
        let mut v = String::from_utf8_lossy(&self.b[start..self.i]).into_owned();
        if v.starts_with("$$") {
            v.remove(0);
        }
        if v.len() < 2 && !matches!(v.as_str(), "$!" | "$." | "$/") {
            return self.err(pos, "'$' must be followed by a property or variable name");
        }
        Ok(v)
    }

    fn number(&mut self, pos: Pos) -> Result<i64, LexError> {
        let start = self.i;
        while self.peek(0).is_some_and(|c| c.is_ascii_alphanumeric()) {
            self.i += 1;
        }
        let text = std::str::from_utf8(&self.b[start..self.i]).unwrap_or("");
        let parsed = if let Some(hex) = text.strip_prefix("0x") {
            i64::from_str_radix(hex, 16)
        } else if text.len() > 1 && text.starts_with('0') {
            i64::from_str_radix(&text[1..], 8)
        } else {
            text.parse()
        };
        parsed.or_else(|_| self.err(pos, format!("'{text}' is not a number")))
    }
}

/// `mail.info`, `*.*`, `kern,mail.!=err;*.none`: a selector starts with a
/// facility (letters or `*`, comma lists) and a dot.
fn is_selector(rest: &[u8]) -> bool {
    let n = rest
        .iter()
        .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'*' || c == b',')
        .count();
    n > 0 && rest.get(n) == Some(&b'.')
}

/// Drops a `#` comment from a legacy line (outside quotes).
fn strip_comment(s: &str) -> &str {
    let mut in_str = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => in_str = !in_str,
            '#' if !in_str && (i == 0 || s[..i].ends_with(char::is_whitespace)) => return &s[..i],
            _ => {}
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s, 0).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn mixed_languages() {
        let t = toks(
            "$ModLoad imtcp # comment\nmail.info\t-/var/log/mail.log;tpl\n:msg, contains, \"a \\\"b\" /x\nif $msg == 'x' then stop\n& ~\n",
        );
        assert_eq!(t[0], Tok::Directive("ModLoad imtcp".into()));
        assert_eq!(
            t[1],
            Tok::Selector("mail.info".into(), Some("-/var/log/mail.log;tpl".into()))
        );
        assert_eq!(
            t[2],
            Tok::PropFilter(":msg, contains, \"a \\\"b\"".into(), Some("/x".into()))
        );
        assert_eq!(t[3], Tok::Word("if".into()));
        assert_eq!(t[4], Tok::Var("$msg".into()));
        assert_eq!(t[5], Tok::Punct("=="));
        assert_eq!(t[6], Tok::Str("x".into()));
        assert_eq!(t[9], Tok::Punct("&"));
        assert_eq!(t[10], Tok::LegacyAction("~".into()));
    }

    #[test]
    fn objects_span_lines_without_legacy_detection() {
        let t = toks("action(type=\"omfile\"\n  queue.type=\"LinkedList\" file=\"/x\")");
        assert!(t.contains(&Tok::Word("queue.type".into())));
    }

    #[test]
    fn filters_followed_by_rainerscript() {
        let t = toks("*.warning action(type=\"omfile\" file=\"/x\")\n:msg, contains, \"a\" stop\n");
        assert_eq!(t[0], Tok::Selector("*.warning".into(), None));
        assert_eq!(t[1], Tok::Word("action".into()));
        assert!(t.contains(&Tok::PropFilter(":msg, contains, \"a\"".into(), None)));
    }

    #[test]
    fn then_legacy_action() {
        let t = toks("if $syslogfacility-text == 'local0' then -?serverLog;LogFormat\n& stop");
        assert!(t.contains(&Tok::LegacyAction("-?serverLog;LogFormat".into())));
        assert!(t.contains(&Tok::Var("$syslogfacility-text".into())));
    }

    #[test]
    fn backslash_joins_legacy_lines() {
        let t = toks("*.* \\\n    /var/log/all.log\n$WorkDirectory \\\n /tmp\nx(");
        assert_eq!(
            t[0],
            Tok::Selector("*.*".into(), Some("/var/log/all.log".into()))
        );
        assert_eq!(t[1], Tok::Directive("WorkDirectory /tmp".into()));
        assert_eq!(t[2], Tok::Word("x".into()));
    }

    #[test]
    fn errors_have_positions() {
        let e = lex("x\n  \"open", 0).unwrap_err();
        assert_eq!((e.pos.line, e.pos.col), (2, 3));
    }
}
