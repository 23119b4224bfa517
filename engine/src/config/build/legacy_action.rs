//! Legacy actions (`/file`, `-?dyna;tpl`, `@host`, `@@(o)host:port`,
//! `:omrelp:host:port`, `~`) and `$template`: each turned into the
//! parameters its `action()` or `template()` would have, then resolved
//! through the same tables.

use super::statements::PStmt;
use super::Builder;
use crate::config::modules::{self, ModuleKind};
use crate::config::param::Given;
use crate::config::{suggestion, Pos};
use crate::template::{Syntax, Template, TemplateEscape};

impl Builder {
    /// A legacy action: `/file`, `-/file`, `?dyna`, `@host`, `@@host`,
    /// `:omrelp:host:port`, `~`, `|pipe`, `:omusrmsg:user`, `*`, each with an
    /// optional `;template`.
    pub(super) fn legacy_action(&mut self, text: &str, pos: Pos) -> Option<PStmt> {
        let text = text.trim();
        if text == "~" {
            self.warn(pos, "the ~ action is deprecated; use stop");
            return Some(PStmt::Stop);
        }
        if text.eq_ignore_ascii_case("stop") {
            return Some(PStmt::Stop);
        }
        let (kind, rest) = if let Some(r) = text.strip_prefix(":omrelp:") {
            ("omrelp", r)
        } else if let Some(r) = text.strip_prefix(":omusrmsg:") {
            ("omusrmsg", r)
        } else if let Some(r) = text.strip_prefix(":omprog:") {
            ("omprog", r)
        } else if let Some(r) = text.strip_prefix(":omuxsock:") {
            ("omuxsock", r)
        } else if let Some(r) = text.strip_prefix(":omfile:") {
            ("omfile", r)
        } else if text.starts_with('@') {
            ("omfwd", text)
        } else if let Some(r) = text.strip_prefix('|') {
            ("ompipe", r)
        } else if text == "*" {
            ("omusrmsg", text)
        } else if text.starts_with(['/', '-', '?', '.']) {
            ("omfile", text)
        } else if text.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            // rsyslog reads a bare name as `:omusrmsg:name`, and warns.
            self.warn(
                pos,
                format!("action '{text}' is read as ':omusrmsg:{text}' (the users' terminals), as rsyslog reads it; write ':omusrmsg:{text}'"),
            );
            ("omusrmsg", text)
        } else if text.starts_with('^') {
            self.err(
                pos,
                format!("'{text}': program execution (omshell) is not supported"),
            );
            return None;
        } else if let Some((m, r)) = text
            .strip_prefix(':')
            .and_then(|r| r.split_once(':'))
            .and_then(|(name, r)| modules::module(name).map(|m| (m, r)))
            .filter(|(m, _)| m.refused.is_some())
            .filter(|(m, _)| matches!(m.kind, ModuleKind::Output | ModuleKind::Modifier))
        {
            // `:ommail:`, … of modules corelog does not run: refused below.
            (m.name, r)
        } else {
            self.err(pos, format!("'{text}' is not an action: expected /file, -/file, ?template, @host, @@host, :omrelp:host:port, ~ or stop"));
            return None;
        };
        if let Some(why) = modules::module(kind).and_then(|m| m.refused) {
            self.err(
                pos,
                format!("'{text}': {kind} actions are not supported by corelog: {why}"),
            );
            return None;
        }
        let Some(m) = self.module_loaded(kind) else {
            self.err(pos, format!("'{text}' needs module(load=\"{kind}\") first"));
            return None;
        };
        // `target;template`, where the target ends at `;` or white space.
        let target_end = rest.find([';', ' ', '\t']).unwrap_or(rest.len());
        let (target, after) = rest.split_at(target_end);
        let after = after.trim_start();
        let template_name = match after.strip_prefix(';') {
            Some(t) => {
                let t = t
                    .split(|c: char| c.is_whitespace() || c == '#')
                    .next()
                    .unwrap_or("");
                if t.is_empty() {
                    self.err(
                        pos,
                        format!("'{text}': a template name is expected after ';'"),
                    );
                    return None;
                }
                Some(t.to_string())
            }
            None if after.is_empty() || after.starts_with('#') => None,
            None => {
                self.err(
                    pos,
                    format!("'{text}': unexpected '{after}' (a ';template' may follow the target)"),
                );
                return None;
            }
        };
        let mut own: Vec<Given> = Vec::new();
        match kind {
            "omfile" => {
                let t = target.strip_prefix('-').unwrap_or(target);
                if let Some(dyn_name) = t.strip_prefix('?') {
                    own.push(Given::new("dynaFile", dyn_name, pos));
                } else {
                    own.push(Given::new("file", t, pos));
                }
            }
            "omfwd" => {
                let tcp = target.starts_with("@@");
                let mut t = target.trim_start_matches('@');
                if let Some(r) = t.strip_prefix('(') {
                    let Some((opts, r)) = r.split_once(')') else {
                        self.err(pos, format!("'{text}': ')' missing after the options"));
                        return None;
                    };
                    for o in opts.split(',') {
                        match o {
                            "o" => own.push(Given::new("tcp_framing", "octet-counted", pos)),
                            z if z.starts_with('z')
                                && z.len() == 2
                                && z.as_bytes()[1].is_ascii_digit() =>
                            {
                                own.push(Given::new("ziplevel", &z[1..], pos))
                            }
                            other => self.err(
                                pos,
                                format!("'{text}': unknown forwarding option '{other}'"),
                            ),
                        }
                    }
                    t = r;
                }
                let (host, port) = split_host_port(t);
                if host.is_empty() {
                    self.err(pos, format!("'{text}': a host is expected"));
                    return None;
                }
                own.push(Given::new("target", host, pos));
                own.push(Given::new("port", port.unwrap_or("514"), pos));
                own.push(Given::new("protocol", if tcp { "tcp" } else { "udp" }, pos));
            }
            "omusrmsg" => own.push(Given::new("users", target, pos)),
            // rsyslog takes nothing after `:omuxsock:` but a `;template`:
            // the socket is `$OMUxSockSocket`'s.
            "omuxsock" if !target.is_empty() => {
                self.err(
                    pos,
                    format!("'{text}': :omuxsock: takes no target (set the socket with $OMUxSockSocket)"),
                );
                return None;
            }
            "omuxsock" => {}
            // The program is $ActionOMProgBinary's.
            "omprog" if !target.is_empty() => {
                self.err(
                    pos,
                    format!("'{text}': :omprog: takes no target (set the program with $ActionOMProgBinary)"),
                );
                return None;
            }
            "omprog" => {}
            "omrelp" => {
                let (host, port) = split_host_port(target);
                own.push(Given::new("target", host, pos));
                own.push(Given::new("port", port.unwrap_or("514"), pos));
            }
            other => unreachable!("{other} is refused above"),
        }
        if let Some(t) = template_name {
            own.push(Given::new("template", &t, pos));
        }
        let action = self.legacy.action.clone();
        let action_queue = self.legacy.action_queue.clone();
        let legacy = self.legacy.module(m.name);
        let module = self.module_layer(m);
        let idx = self.make_action(m, pos, &[&own, &action, &action_queue, &legacy, &module]);
        self.reset_after_action();
        if m.name == "omfwd" {
            // rsyslog hands the permitted peers gathered so far to this
            // forward and starts the next one's list empty.
            if let Some(l) = self.legacy.modules.get_mut("omfwd") {
                l.retain(|g| !g.name.eq_ignore_ascii_case("StreamDriverPermittedPeers"));
            }
        }
        idx.map(PStmt::Action)
    }

    /// `$template name,"text"[,options]` or `$template name,=strgen`.
    pub(super) fn legacy_template(&mut self, arg: &str, pos: Pos) {
        let Some((name, rest)) = arg.split_once(',') else {
            self.err(pos, "$template needs name,\"text\"");
            return;
        };
        let name = name.trim().to_string();
        let rest = rest.trim_start();
        let Some(body) = rest.strip_prefix('"') else {
            self.err(
                pos,
                format!("$template {name}: the template text must be in double quotes"),
            );
            return;
        };
        // The text ends at the first `"` not escaped by a backslash.
        let mut end = None;
        let bytes = body.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' => {
                    end = Some(i);
                    break;
                }
                _ => i += 1,
            }
        }
        let Some(end) = end else {
            self.err(
                pos,
                format!("$template {name}: the closing '\"' is missing"),
            );
            return;
        };
        let text = &body[..end];
        let mut escape = TemplateEscape::None;
        let mut jsonf = false;
        let mut case_sensitive = false;
        // A comment may follow the options.
        let options = body[end + 1..].split(" #").next().unwrap_or_default();
        for opt in options.split(',').map(|o| o.trim().to_ascii_lowercase()) {
            match opt.as_str() {
                "" => {}
                "sql" => escape = TemplateEscape::Sql,
                "stdsql" => escape = TemplateEscape::StdSql,
                "json" => escape = TemplateEscape::Json,
                "jsonf" => jsonf = true,
                "nosql" => escape = TemplateEscape::None,
                "casesensitive" => case_sensitive = true,
                other => {
                    let hint = suggestion(
                        other,
                        ["sql", "stdsql", "json", "jsonf", "nosql", "casesensitive"],
                    );
                    self.err(
                        pos,
                        format!("$template {name}: unknown option '{other}'{hint}"),
                    );
                }
            }
        }
        match Template::from_string(&name, text, Syntax::Legacy) {
            Ok(t) => self.add_template(
                name,
                t.with_escape(escape)
                    .with_jsonf(jsonf)
                    .with_case_sensitive(case_sensitive),
                pos,
            ),
            Err(e) => self.err(pos, format!("$template {name}: {}", e.message)),
        }
    }
}

/// `host[:port]` or `[v6addr][:port]`; the host ends at `:`, `;` or `#`.
fn split_host_port(s: &str) -> (&str, Option<&str>) {
    if let Some(r) = s.strip_prefix('[') {
        if let Some((host, after)) = r.split_once(']') {
            return (host, after.strip_prefix(':').filter(|p| !p.is_empty()));
        }
    }
    match s.split_once(':') {
        Some((h, p)) if !p.is_empty() => (h, Some(p)),
        Some((h, _)) => (h, None),
        None => (s, None),
    }
}
