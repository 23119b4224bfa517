//! The configuration parser: tokens in, statements out.
//!
//! Grammar (RainerScript, with the legacy lines the lexer recognised):
//! ```text
//! script  = { stmt }
//! stmt    = object | if | selector | propfilter | directive | "&" action
//!         | "stop" | "call" WORD | "continue" | "set" VAR "=" expr ";"
//!         | "unset" VAR ";" | "{" script "}"
//! object  = WORD "(" { WORD "=" value } ")" [ "{" (script | items) "}" ]
//! if      = "if" expr "then" body [ "else" (if | body) ]
//! body    = "{" script "}" | action | "stop" | "call" WORD | set | if
//! action  = "action(" … ")" | LEGACY_ACTION | "stop" | "call" WORD
//! expr    = precedence climbing over: or and (lowest, left) · not ·
//!           == != <> < <= > >= contains contains_i startswith
//!           startswith_i · + - & · * / % · unary - (highest)
//! ```
//! `&` attaches another action to the filter before it (`if … then`, a
//! selector or a property filter), as in rsyslog.
//!
//! Guarantees: never panics; errors carry the position of the token where
//! something else was expected, and say what was expected.

use super::ast::{BinOp, Expr, Object, Param, Stmt, Value};
use super::lexer::{Tok, Token};
use super::{ConfigError, Pos};

/// Parses a token stream (ending in `Eof`). After a syntax error the
/// parser skips to the next line and goes on, so one run reports every
/// error; the statements it could read are returned with the errors.
pub fn parse(tokens: &[Token]) -> (Vec<Stmt>, Vec<ConfigError>) {
    let mut p = Parser {
        t: tokens,
        i: 0,
        errors: Vec::new(),
    };
    let stmts = p.top();
    (stmts, p.errors)
}

struct Parser<'a> {
    t: &'a [Token],
    i: usize,
    errors: Vec<ConfigError>,
}

fn err<T>(pos: Pos, message: impl Into<String>) -> Result<T, ConfigError> {
    Err(ConfigError::new(pos, message))
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Word(w) => format!("'{w}'"),
        Tok::Str(s) => format!("string \"{s}\""),
        Tok::Num(n) => format!("number {n}"),
        Tok::Var(v) => format!("'{v}'"),
        Tok::Punct(p) => format!("'{p}'"),
        Tok::Directive(d) => format!("directive '${d}'"),
        Tok::Selector(s, _) => format!("selector '{s}'"),
        Tok::PropFilter(f, _) => format!("property filter '{f}'"),
        Tok::LegacyAction(a) => format!("action '{a}'"),
        Tok::Eof => "the end of the file".into(),
    }
}

const STATEMENT_WORDS: &[&str] = &[
    "if",
    "stop",
    "call",
    "continue",
    "set",
    "unset",
    "reset",
    "foreach",
    "call_indirect",
    "reload_lookup_table",
];

impl Parser<'_> {
    /// The top level, with error recovery.
    fn top(&mut self) -> Vec<Stmt> {
        let mut out = Vec::new();
        loop {
            let start = self.i;
            match self.script_into(&mut out, false) {
                Ok(()) => return out,
                Err(e) => {
                    let line = e.pos.line;
                    self.errors.push(e);
                    // Resynchronise at the first token of a later line.
                    if self.i == start {
                        self.bump();
                    }
                    while !matches!(self.tok(), Tok::Eof) && self.pos().line <= line {
                        self.bump();
                    }
                    if matches!(self.tok(), Tok::Eof) {
                        return out;
                    }
                }
            }
        }
    }

    fn tok(&self) -> &Tok {
        &self.t[self.i.min(self.t.len() - 1)].tok
    }

    fn pos(&self) -> Pos {
        self.t[self.i.min(self.t.len() - 1)].pos
    }

    fn bump(&mut self) -> Token {
        let t = self.t[self.i.min(self.t.len() - 1)].clone();
        if self.i < self.t.len() - 1 {
            self.i += 1;
        }
        t
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(self.tok(), Tok::Punct(q) if *q == p)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.tok(), Tok::Word(x) if x.eq_ignore_ascii_case(w))
    }

    fn expect_punct(&mut self, p: &str, what: &str) -> Result<Pos, ConfigError> {
        if self.is_punct(p) {
            return Ok(self.bump().pos);
        }
        err(
            self.pos(),
            format!("expected '{p}' {what}, found {}", describe(self.tok())),
        )
    }

    fn expect_word(&mut self, what: &str) -> Result<(String, Pos), ConfigError> {
        match self.tok().clone() {
            Tok::Word(w) => {
                let pos = self.bump().pos;
                Ok((w, pos))
            }
            t => err(
                self.pos(),
                format!("expected {what}, found {}", describe(&t)),
            ),
        }
    }

    fn script(&mut self, in_block: bool) -> Result<Vec<Stmt>, ConfigError> {
        let mut out: Vec<Stmt> = Vec::new();
        self.script_into(&mut out, in_block)?;
        Ok(out)
    }

    fn script_into(&mut self, out: &mut Vec<Stmt>, in_block: bool) -> Result<(), ConfigError> {
        loop {
            match self.tok() {
                Tok::Eof if in_block => return err(self.pos(), "expected '}' to close the block"),
                Tok::Eof => return Ok(()),
                Tok::Punct("}") if in_block => return Ok(()),
                Tok::Punct("&") => {
                    let pos = self.bump().pos;
                    let action = self.action_stmt("after '&'")?;
                    // `$Directive` lines between a filter and its `&` actions
                    // belong to that action list, in order: rsyslog runs them
                    // as it reads them, so they affect the `&` action that
                    // follows (the failover idiom sets
                    // $ActionExecOnlyWhenPreviousIsSuspended there).
                    let directives_at = out
                        .iter()
                        .rposition(|s| !matches!(s, Stmt::Directive { .. }))
                        .map_or(0, |i| i + 1);
                    let directives: Vec<Stmt> = out.drain(directives_at..).collect();
                    let list = match out.last_mut() {
                        Some(Stmt::Selector { actions, .. })
                        | Some(Stmt::PropFilter { actions, .. }) => actions,
                        // `&` continues the branch of the `if` written last.
                        Some(Stmt::If { then, els, .. }) => {
                            if els.is_empty() {
                                then
                            } else {
                                els
                            }
                        }
                        _ => return err(
                            pos,
                            "'&' must follow a filter (a selector, property filter or if … then)",
                        ),
                    };
                    list.extend(directives);
                    list.push(action);
                }
                _ => {
                    let s = self.stmt()?;
                    out.push(s);
                }
            }
        }
    }

    fn stmt(&mut self) -> Result<Stmt, ConfigError> {
        let pos = self.pos();
        match self.tok().clone() {
            Tok::Directive(text) => {
                self.bump();
                Ok(Stmt::Directive { text, pos })
            }
            Tok::Selector(selector, action) => {
                self.bump();
                let actions = match action {
                    Some(text) => vec![Stmt::LegacyAction { text, pos }],
                    None => self.body()?,
                };
                Ok(Stmt::Selector {
                    selector,
                    actions,
                    pos,
                })
            }
            Tok::PropFilter(filter, action) => {
                self.bump();
                let actions = match action {
                    Some(text) => vec![Stmt::LegacyAction { text, pos }],
                    None => self.body()?,
                };
                Ok(Stmt::PropFilter {
                    filter,
                    actions,
                    pos,
                })
            }
            Tok::LegacyAction(text) => {
                self.bump();
                Ok(Stmt::LegacyAction { text, pos })
            }
            Tok::Punct("{") => {
                self.bump();
                let body = self.script(true)?;
                self.expect_punct("}", "to close the block")?;
                Ok(Stmt::Block(body))
            }
            Tok::Word(w) => match w.to_ascii_lowercase().as_str() {
                "if" => self.if_stmt(),
                "stop" => {
                    self.bump();
                    Ok(Stmt::Stop(pos))
                }
                "continue" => {
                    self.bump();
                    Ok(Stmt::Continue(pos))
                }
                "call" => {
                    self.bump();
                    let (name, _) = self.expect_word("a ruleset name after 'call'")?;
                    Ok(Stmt::Call { name, pos })
                }
                "set" | "reset" => {
                    self.bump();
                    let force = w.eq_ignore_ascii_case("reset");
                    let var = self.var("after 'set'")?;
                    self.expect_punct("=", "after the variable")?;
                    let expr = self.expr()?;
                    self.expect_punct(";", "to end the set statement")?;
                    Ok(Stmt::Set {
                        var,
                        expr,
                        force,
                        pos,
                    })
                }
                "foreach" => {
                    self.bump();
                    self.expect_punct("(", "after 'foreach'")?;
                    let var = self.var("in foreach")?;
                    if !self.is_word("in") {
                        return err(
                            self.pos(),
                            format!(
                                "expected 'in' after the loop variable, found {}",
                                describe(self.tok())
                            ),
                        );
                    }
                    self.bump();
                    let expr = self.expr()?;
                    self.expect_punct(")", "to close the foreach head")?;
                    if !self.is_word("do") {
                        return err(
                            self.pos(),
                            format!(
                                "expected 'do' after foreach (…), found {}",
                                describe(self.tok())
                            ),
                        );
                    }
                    self.bump();
                    let body = match self.stmt()? {
                        Stmt::Block(b) => b,
                        s => vec![s],
                    };
                    Ok(Stmt::Foreach {
                        var,
                        expr,
                        body,
                        pos,
                    })
                }
                "call_indirect" => {
                    self.bump();
                    let expr = self.expr()?;
                    self.expect_punct(";", "to end the call_indirect statement")?;
                    Ok(Stmt::CallIndirect { expr, pos })
                }
                "unset" => {
                    self.bump();
                    let var = self.var("after 'unset'")?;
                    self.expect_punct(";", "to end the unset statement")?;
                    Ok(Stmt::Unset { var, pos })
                }
                "reload_lookup_table" => {
                    self.bump();
                    self.expect_punct("(", "after 'reload_lookup_table'")?;
                    let args = self.list(")", "in reload_lookup_table()")?;
                    Ok(Stmt::ReloadLookupTable { args, pos })
                }
                _ => {
                    self.bump();
                    if !self.is_punct("(") {
                        return err(
                            pos,
                            format!("unexpected '{w}': expected an object such as action(…), a statement (if, stop, call, set) or a legacy line"),
                        );
                    }
                    Ok(Stmt::Object(self.object(w, pos)?))
                }
            },
            t => err(pos, format!("expected a statement, found {}", describe(&t))),
        }
    }

    fn var(&mut self, what: &str) -> Result<String, ConfigError> {
        match self.tok().clone() {
            Tok::Var(v) if v.starts_with("$!") || v.starts_with("$.") || v.starts_with("$/") => {
                self.bump();
                Ok(v)
            }
            t => err(
                self.pos(),
                format!(
                    "expected a variable ($!name, $.name or $/name) {what}, found {}",
                    describe(&t)
                ),
            ),
        }
    }

    /// `kind(` was read up to the word; reads params, `)`, and a body.
    fn object(&mut self, kind: String, pos: Pos) -> Result<Object, ConfigError> {
        self.expect_punct("(", "after the object name")?;
        let mut params = Vec::new();
        while !self.is_punct(")") {
            let (name, ppos) = self.expect_word(&format!("a parameter name or ')' in {kind}()"))?;
            self.expect_punct("=", &format!("after parameter '{name}'"))?;
            let value = self.value()?;
            params.push(Param {
                name,
                value,
                pos: ppos,
            });
        }
        self.bump();
        let mut obj = Object {
            kind,
            params,
            pos,
            body: None,
            items: Vec::new(),
        };
        if self.is_punct("{") {
            let kind = obj.kind.to_ascii_lowercase();
            self.bump();
            if kind == "template" {
                while !self.is_punct("}") {
                    let (w, ipos) =
                        self.expect_word("property(…), constant(…) or '}' in a list template")?;
                    obj.items.push(self.object(w, ipos)?);
                }
                self.bump();
            } else if kind == "ruleset" {
                obj.body = Some(self.script(true)?);
                self.expect_punct("}", "to close the ruleset")?;
            } else {
                return err(self.pos(), format!("{kind}() takes no '{{…}}' body"));
            }
        }
        Ok(obj)
    }

    fn value(&mut self) -> Result<Value, ConfigError> {
        match self.tok().clone() {
            Tok::Str(s) => {
                self.bump();
                Ok(Value::Str(s))
            }
            // rsyslog requires quotes around object values; so do we, with
            // the fix in the message.
            Tok::Num(_) | Tok::Word(_) => {
                let shown = match self.tok() {
                    Tok::Num(n) => n.to_string(),
                    Tok::Word(w) => w.clone(),
                    _ => String::new(),
                };
                err(
                    self.pos(),
                    format!("object values must be in double quotes: write \"{shown}\""),
                )
            }
            Tok::Punct("[") => {
                self.bump();
                let mut items = Vec::new();
                while !self.is_punct("]") {
                    match self.bump().tok {
                        Tok::Str(s) => items.push(s),
                        Tok::Num(n) => items.push(n.to_string()),
                        t => {
                            return err(
                                self.pos(),
                                format!("expected a string in the array, found {}", describe(&t)),
                            )
                        }
                    }
                    if self.is_punct(",") {
                        self.bump();
                    }
                }
                self.bump();
                Ok(Value::Array(items))
            }
            t => err(
                self.pos(),
                format!(
                    "expected a value (\"string\", number or [array]), found {}",
                    describe(&t)
                ),
            ),
        }
    }

    fn if_stmt(&mut self) -> Result<Stmt, ConfigError> {
        let pos = self.bump().pos;
        let cond = self.expr()?;
        if !self.is_word("then") {
            let hint = match self.tok() {
                Tok::Word(w) => super::suggestion(
                    w,
                    [
                        "then",
                        "and",
                        "or",
                        "contains",
                        "contains_i",
                        "startswith",
                        "startswith_i",
                        "endswith",
                    ],
                ),
                _ => String::new(),
            };
            return err(
                self.pos(),
                format!(
                    "expected 'then' or an operator after the condition, found {}{hint}",
                    describe(self.tok())
                ),
            );
        }
        self.bump();
        let then = self.body()?;
        let mut els = Vec::new();
        if self.is_word("else") {
            self.bump();
            els = if self.is_word("if") {
                vec![self.if_stmt()?]
            } else {
                self.body()?
            };
        }
        Ok(Stmt::If {
            cond,
            then,
            els,
            pos,
        })
    }

    fn body(&mut self) -> Result<Vec<Stmt>, ConfigError> {
        if self.is_punct("{") {
            self.bump();
            let b = self.script(true)?;
            self.expect_punct("}", "to close the block")?;
            return Ok(b);
        }
        Ok(vec![self.action_stmt("after 'then'")?])
    }

    /// What may follow `then` or `&` without braces.
    fn action_stmt(&mut self, what: &str) -> Result<Stmt, ConfigError> {
        match self.tok() {
            Tok::LegacyAction(_) | Tok::Punct("{") => self.stmt(),
            Tok::Word(w)
                if w.eq_ignore_ascii_case("action")
                    || STATEMENT_WORDS.contains(&w.to_ascii_lowercase().as_str()) =>
            {
                self.stmt()
            }
            t => err(
                self.pos(),
                format!(
                    "expected an action, stop, call, set or a block {what}, found {}",
                    describe(t)
                ),
            ),
        }
    }

    // Expressions, lowest precedence first.

    pub(super) fn expr(&mut self) -> Result<Expr, ConfigError> {
        let mut lhs = self.cmp()?;
        loop {
            let op = if self.is_word("or") {
                BinOp::Or
            } else if self.is_word("and") {
                BinOp::And
            } else {
                return Ok(lhs);
            };
            let pos = self.bump().pos;
            let rhs = self.cmp()?;
            lhs = Expr::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
                pos,
            };
        }
    }

    fn cmp(&mut self) -> Result<Expr, ConfigError> {
        let mut lhs = self.additive()?;
        loop {
            let op = match self.tok() {
                Tok::Punct("==") => BinOp::Eq,
                Tok::Punct("!=") | Tok::Punct("<>") => BinOp::Ne,
                Tok::Punct("<") => BinOp::Lt,
                Tok::Punct("<=") => BinOp::Le,
                Tok::Punct(">") => BinOp::Gt,
                Tok::Punct(">=") => BinOp::Ge,
                Tok::Word(w) => match w.to_ascii_lowercase().as_str() {
                    "contains" => BinOp::Contains,
                    "contains_i" => BinOp::ContainsI,
                    "startswith" => BinOp::StartsWith,
                    "startswith_i" => BinOp::StartsWithI,
                    "endswith" => BinOp::EndsWith,
                    _ => return Ok(lhs),
                },
                _ => return Ok(lhs),
            };
            let pos = self.bump().pos;
            let rhs = self.additive()?;
            lhs = Expr::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
                pos,
            };
        }
    }

    fn additive(&mut self) -> Result<Expr, ConfigError> {
        let mut lhs = self.term()?;
        loop {
            let op = match self.tok() {
                Tok::Punct("+") => BinOp::Add,
                Tok::Punct("-") => BinOp::Sub,
                Tok::Punct("&") => BinOp::Concat,
                _ => return Ok(lhs),
            };
            let pos = self.bump().pos;
            let rhs = self.term()?;
            lhs = Expr::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
                pos,
            };
        }
    }

    fn term(&mut self) -> Result<Expr, ConfigError> {
        let mut lhs = self.unary()?;
        loop {
            let op = match self.tok() {
                Tok::Punct("*") => BinOp::Mul,
                Tok::Punct("/") => BinOp::Div,
                Tok::Punct("%") => BinOp::Mod,
                _ => return Ok(lhs),
            };
            let pos = self.bump().pos;
            let rhs = self.unary()?;
            lhs = Expr::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
                pos,
            };
        }
    }

    fn unary(&mut self) -> Result<Expr, ConfigError> {
        if self.is_word("not") {
            self.bump();
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.is_punct("-") {
            self.bump();
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ConfigError> {
        let pos = self.pos();
        match self.tok().clone() {
            Tok::Str(s) => {
                self.bump();
                Ok(Expr::Str(s))
            }
            Tok::Num(n) => {
                self.bump();
                Ok(Expr::Num(n))
            }
            Tok::Var(v) => {
                self.bump();
                Ok(Expr::Var(v, pos))
            }
            Tok::Punct("(") => {
                self.bump();
                let e = self.expr()?;
                self.expect_punct(")", "to close the parenthesis")?;
                Ok(e)
            }
            Tok::Punct("[") => {
                self.bump();
                let items = self.list("]", "in the array")?;
                Ok(Expr::Array(items, pos))
            }
            Tok::Word(name)
                if self
                    .t
                    .get(self.i + 1)
                    .is_some_and(|t| t.tok == Tok::Punct("(")) =>
            {
                self.bump();
                self.bump();
                let args = self.list(")", &format!("in the arguments of {name}()"))?;
                Ok(Expr::Call { name, args, pos })
            }
            t => err(
                pos,
                format!(
                    "expected a value, property, function call or '(' in the expression, found {}",
                    describe(&t)
                ),
            ),
        }
    }

    /// Expressions separated by `,` up to `close` (which is consumed);
    /// `what` says where, for the error.
    fn list(&mut self, close: &'static str, what: &str) -> Result<Vec<Expr>, ConfigError> {
        let mut items = Vec::new();
        while !self.is_punct(close) {
            items.push(self.expr()?);
            if self.is_punct(",") {
                self.bump();
            } else if !self.is_punct(close) {
                return err(
                    self.pos(),
                    format!(
                        "expected ',' or '{close}' {what}, found {}",
                        describe(self.tok())
                    ),
                );
            }
        }
        self.bump();
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::super::lexer::lex;
    use super::*;

    fn p(s: &str) -> Vec<Stmt> {
        let (stmts, errors) = parse(&lex(s, 0).unwrap());
        assert!(errors.is_empty(), "{errors:?}");
        stmts
    }

    fn first_error(s: &str) -> ConfigError {
        parse(&lex(s, 0).unwrap()).1.remove(0)
    }

    #[test]
    fn issue_example() {
        let s = p("$template serverLog,\"/home/USERNAME/Server.log\"\n$template LogFormat,\"%msg%\\n\"\nif $syslogfacility-text == 'local0' and $syslogtag contains 'ServerLog' then -?serverLog;LogFormat\n& stop\n");
        assert_eq!(s.len(), 3);
        let Stmt::If { then, .. } = &s[2] else {
            panic!()
        };
        assert_eq!(then.len(), 2);
        assert!(matches!(then[1], Stmt::Stop(_)));
    }

    #[test]
    fn objects_rulesets_templates() {
        let s = p(r#"
            module(load="imtcp")
            template(name="j" type="list") { property(name="msg" format="json") constant(value="\n") }
            ruleset(name="r1" queue.type="LinkedList") {
                if $msg contains "x" then { action(type="omfile" file="/tmp/x") stop }
                else if $pri < 3 then call other
                else action(type="omfile" file="/tmp/y")
            }
        "#);
        assert_eq!(s.len(), 3);
        let Stmt::Object(t) = &s[1] else { panic!() };
        assert_eq!(t.items.len(), 2);
        let Stmt::Object(r) = &s[2] else { panic!() };
        assert_eq!(r.body.as_ref().unwrap().len(), 1);
    }

    #[test]
    fn unquoted_values_are_errors() {
        let e = first_error("input(type=\"imtcp\" port=514)");
        assert!(e.message.contains("write \"514\""), "{}", e.message);
    }

    #[test]
    fn precedence() {
        let toks = lex("1 + 2 * 3 == 7 and not $msg contains 'a'", 0).unwrap();
        let e = Parser {
            t: &toks,
            i: 0,
            errors: Vec::new(),
        }
        .expr()
        .unwrap();
        let Expr::Binary {
            op: BinOp::And,
            lhs,
            ..
        } = e
        else {
            panic!("{e:?}")
        };
        assert!(matches!(*lhs, Expr::Binary { op: BinOp::Eq, .. }));
    }

    #[test]
    fn errors_say_what_was_expected() {
        let e = first_error("if $msg == 'x' stop");
        assert!(e.message.contains("expected 'then'"), "{}", e.message);
        let e = first_error("if $msg contians 'x' then stop");
        assert!(
            e.message.contains("did you mean 'contains'"),
            "{}",
            e.message
        );
        let e = first_error("action(type=\"omfile\"");
        assert!(e.message.contains("parameter name or ')'"), "{}", e.message);
        let (stmts, errors) = parse(&lex("if x\nstop\nif $a\nstop", 0).unwrap());
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(stmts.len(), 1);
    }
}
