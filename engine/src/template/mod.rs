//! Templates: rsyslog's string, list and built-in templates, compiled once
//! into steps and rendered per message into the caller's buffer.
//!
//! In: a template's text (`"%TIMESTAMP% %HOSTNAME% %msg%\n"`) or a list
//! template's `property()`/`constant()` items, at configuration time; then,
//! per message, a [`Message`], the batch's [`Env`] and a [`RenderBuf`].
//! Out: the rendered bytes, appended to the output buffer (a file write
//! buffer, a forward batch).
//!
//! Guarantees: compile errors say where and what (`TemplateError`);
//! rendering never fails, never panics, and allocates nothing once the
//! output and scratch buffers have grown (a test with a counting allocator
//! holds us to that).

pub mod escape;
mod field;
mod parse;

use crate::date;
use crate::msg::json::Path;
use crate::msg::Message;
use crate::prop::{self, Env, PropId, PropRef};

pub use escape::TemplateEscape;
pub use field::{
    Case, ControlChars, DataType, Extract, Field, NoMatch, OnEmpty, RegexExtract, ValueFormat,
};
pub use parse::{
    compile_regex, parse_list_constant, parse_list_property, unescape_rainerscript, Syntax,
};

/// A compiled template.
#[derive(Debug, Clone)]
pub struct Template {
    name: Box<str>,
    body: Body,
    escape: TemplateEscape,
    /// `option.jsonf`: values joined as one JSON object.
    jsonf: bool,
}

#[derive(Debug, Clone)]
enum Body {
    Steps(Vec<Step>),
    /// The built-in file and forward formats, which rsyslog renders with
    /// dedicated code (its "strgen" modules) rather than template text.
    Strgen(Strgen),
}

/// One piece of a template.
#[derive(Debug, Clone)]
pub enum Step {
    Constant(Box<[u8]>),
    Field(Box<Field>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strgen {
    TraditionalFile,
    File,
    TraditionalForward,
    Forward,
}

/// Where a template compile went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// Byte offset in the template text (0 for list items).
    pub offset: usize,
    pub message: String,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at offset {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for TemplateError {}

/// Scratch space for rendering, owned by whoever renders a batch and reused
/// for every message of every batch.
#[derive(Debug, Default)]
pub struct RenderBuf {
    scratch: field::Scratch,
    entry: Vec<u8>,
    prop: prop::PropBuf,
}

impl RenderBuf {
    pub fn new() -> RenderBuf {
        RenderBuf::default()
    }
}

/// Names of the built-in templates.
pub const BUILTIN_NAMES: &[&str] = &[
    "RSYSLOG_TraditionalFileFormat",
    "RSYSLOG_FileFormat",
    "RSYSLOG_TraditionalForwardFormat",
    "RSYSLOG_ForwardFormat",
    "RSYSLOG_SyslogProtocol23Format",
    "RSYSLOG_SyslogRFC5424Format",
    "RSYSLOG_DebugFormat",
    "RSYSLOG_SysklogdFileFormat",
    "RSYSLOG_PerSourceKey",
];

impl Template {
    /// Compiles a string template. `text` is what stands between the quotes:
    /// for [`Syntax::Legacy`] (`$template`) backslash escapes are processed
    /// here; for [`Syntax::RainerScript`] the config lexer has already done
    /// that (see [`unescape_rainerscript`]).
    pub fn from_string(name: &str, text: &str, syntax: Syntax) -> Result<Template, TemplateError> {
        Ok(Template::from_steps(
            name,
            parse::string_template(text, syntax)?,
        ))
    }

    /// A list template from its items.
    pub fn from_steps(name: &str, mut steps: Vec<Step>) -> Template {
        for s in &mut steps {
            if let Step::Field(f) = s {
                f.prepare();
            }
        }
        Template {
            name: name.into(),
            body: Body::Steps(steps),
            escape: TemplateEscape::None,
            jsonf: false,
        }
    }

    /// A built-in template by name (`RSYSLOG_FileFormat`, …).
    pub fn builtin(name: &str) -> Option<Template> {
        let strgen = |s| Template {
            name: name.into(),
            body: Body::Strgen(s),
            escape: TemplateEscape::None,
            jsonf: false,
        };
        let text = match name {
            "RSYSLOG_TraditionalFileFormat" => return Some(strgen(Strgen::TraditionalFile)),
            "RSYSLOG_FileFormat" => return Some(strgen(Strgen::File)),
            "RSYSLOG_TraditionalForwardFormat" => return Some(strgen(Strgen::TraditionalForward)),
            "RSYSLOG_ForwardFormat" => return Some(strgen(Strgen::Forward)),
            "RSYSLOG_SyslogProtocol23Format" => {
                "<%PRI%>1 %TIMESTAMP:::date-rfc3339% %HOSTNAME% %APP-NAME% %PROCID% %MSGID% %STRUCTURED-DATA% %msg%\\n"
            }
            "RSYSLOG_SyslogRFC5424Format" => {
                "<%PRI%>1 %TIMESTAMP:::date-rfc3339% %HOSTNAME% %APP-NAME% %PROCID% %MSGID% %STRUCTURED-DATA% %msg%"
            }
            "RSYSLOG_DebugFormat" => concat!(
                "Debug line with all properties:\\nFROMHOST: '%FROMHOST%', fromhost-ip: '%fromhost-ip%', ",
                "HOSTNAME: '%HOSTNAME%', PRI: %PRI%,\\nsyslogtag '%syslogtag%', programname: '%programname%', ",
                "APP-NAME: '%APP-NAME%', PROCID: '%PROCID%', MSGID: '%MSGID%',\\n",
                "TIMESTAMP: '%TIMESTAMP%', STRUCTURED-DATA: '%STRUCTURED-DATA%',\\n",
                "msg: '%msg%'\\nescaped msg: '%msg:::drop-cc%'\\n",
                "inputname: %inputname% rawmsg: '%rawmsg%'\\n$!:%$!%\\n$.:%$.%\\n$/:%$/%\\n\\n"
            ),
            "RSYSLOG_SysklogdFileFormat" => {
                "%TIMESTAMP% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg%\\n"
            }
            "RSYSLOG_PerSourceKey" => "%hostname%",
            // omusrmsg's defaults (their names start with a space, so no
            // configuration can define or name them).
            " WallFmt" | " StdUsrMsgFmt" => {
                let text = match name {
                    " WallFmt" => "\r\n\x07Message from syslogd@%HOSTNAME% at %timegenerated% ...\r\n %syslogtag%%msg%\n\r",
                    _ => " %syslogtag%%msg%\n\r",
                };
                return Template::from_string(name, text, Syntax::RainerScript).ok();
            }
            _ => return None,
        };
        // The built-in texts are constants: a failure is a bug caught by tests.
        Template::from_string(name, text, Syntax::Legacy).ok()
    }

    /// Sets the template-level escape (`option.sql`, `option.stdsql`,
    /// `option.json`).
    pub fn with_escape(mut self, escape: TemplateEscape) -> Template {
        self.escape = escape;
        self
    }

    /// `option.jsonf`: render the values as one flat JSON object.
    pub fn with_jsonf(mut self, on: bool) -> Template {
        self.jsonf = on;
        self
    }

    /// `option.caseSensitive` (legacy: `casesensitive`). Off, rsyslog's
    /// default, writes the names of `$!`, `$.` and `$/` properties and
    /// their JSON keys (`outname`) in lower case, as rsyslog 8.2302 does
    /// to string, list and legacy templates; on keeps them as written.
    /// It matters where keys compare byte for byte
    /// (`variables.caseSensitive="on"`) and for the keys `jsonf` writes.
    pub fn with_case_sensitive(mut self, on: bool) -> Template {
        if on {
            return self;
        }
        let Body::Steps(steps) = &mut self.body else {
            return self;
        };
        for step in steps {
            let Step::Field(f) = step else { continue };
            if !matches!(f.prop.id, PropId::Var(_)) {
                continue;
            }
            let lower = f.prop.var_name.to_ascii_lowercase();
            f.prop.path = Path::parse(&lower);
            f.prop.var_name = lower.into();
            f.outname = f.outname.to_ascii_lowercase().into();
            f.prepare();
        }
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The compiled steps (empty for the built-in strgen formats).
    pub fn steps(&self) -> &[Step] {
        match &self.body {
            Body::Steps(s) => s,
            Body::Strgen(_) => &[],
        }
    }

    /// Renders `m`, appending to `out`.
    pub fn render(&self, m: &Message, env: &Env, buf: &mut RenderBuf, out: &mut Vec<u8>) {
        let steps = match &self.body {
            Body::Strgen(s) => return strgen(*s, m, env, buf, out),
            Body::Steps(steps) => steps,
        };
        if self.jsonf {
            return self.render_jsonf(steps, m, env, buf, out);
        }
        for step in steps {
            match step {
                Step::Constant(c) => out.extend_from_slice(c),
                Step::Field(f) if self.escape == TemplateEscape::None => {
                    f.render(m, env, &mut buf.scratch, out)
                }
                Step::Field(f) => {
                    buf.entry.clear();
                    f.render(m, env, &mut buf.scratch, &mut buf.entry);
                    escape::template_escape(out, &buf.entry, self.escape);
                }
            }
        }
    }

    /// rsyslog's flat jsonf: `{` + the non-empty entries joined by `", "` + `}\n`.
    fn render_jsonf(
        &self,
        steps: &[Step],
        m: &Message,
        env: &Env,
        buf: &mut RenderBuf,
        out: &mut Vec<u8>,
    ) {
        out.push(b'{');
        let mut first = true;
        for step in steps {
            // Render in place after a provisional separator; take both back
            // if the entry turned out empty.
            let mark = out.len();
            if !first {
                out.extend_from_slice(b", ");
            }
            let value_at = out.len();
            match step {
                Step::Constant(c) => out.extend_from_slice(c),
                Step::Field(f) => f.render(m, env, &mut buf.scratch, out),
            }
            if out.len() == value_at {
                out.truncate(mark);
            } else {
                first = false;
            }
        }
        out.extend_from_slice(b"}\n");
    }
}

/// The built-in file and forward formats, as rsyslog's strgen modules write
/// them: a SP before MSG unless MSG starts with one (an empty MSG gets it
/// too), no LF dropped, and the forward formats cut the tag at 32 bytes.
fn strgen(s: Strgen, m: &Message, env: &Env, buf: &mut RenderBuf, out: &mut Vec<u8>) {
    let forward = matches!(s, Strgen::TraditionalForward | Strgen::Forward);
    if forward {
        out.push(b'<');
        out.extend_from_slice(prop::get_with(
            m,
            &PropRef::of(PropId::Pri),
            Some(env),
            &mut buf.prop,
        ));
        out.push(b'>');
    }
    let fmt = match s {
        Strgen::TraditionalFile | Strgen::TraditionalForward => date::DateFormat::Rfc3164,
        Strgen::File | Strgen::Forward => date::DateFormat::Rfc3339,
    };
    buf.scratch.date.write(out, m.time_reported(), fmt);
    out.push(b' ');
    out.extend_from_slice(m.hostname());
    out.push(b' ');
    let tag = prop::get_with(m, &PropRef::of(PropId::SyslogTag), Some(env), &mut buf.prop);
    out.extend_from_slice(if forward && tag.len() > 32 {
        &tag[..32]
    } else {
        tag
    });
    let msg = m.msg();
    if msg.first() != Some(&b' ') {
        out.push(b' ');
    }
    out.extend_from_slice(msg);
    if !forward {
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests;
