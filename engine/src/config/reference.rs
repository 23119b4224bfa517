//! The parameter reference, `docs/parameters.md`, generated from the
//! tables in [`super::modules`]; a test fails when the committed file
//! differs from what this writes (`cargo run -p corelog --bin corelogd --
//! --parameters > docs/parameters.md` writes it anew).

use std::fmt::Write;

use super::modules::{self, MODULES};
use super::param::{Param, Status, Table, Type};

/// The whole reference, in Markdown.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Parameter reference\n\n\
         Generated from corelog's parameter tables (`engine/src/config/modules/`) by \
         `corelogd --parameters`; do not edit by hand. Every parameter rsyslog 8.2302 has for \
         each object and module is here, with its type, rsyslog's default, the legacy \
         directive that sets the same thing, and what corelog does with it:\n\n\
         - **supported**: carried out;\n\
         - **refused**: an error at the parameter's file:line:column, with the reason, unless \
         the value given is the default (which asks for nothing corelog does not do);\n\
         - **warned**: accepted with a warning, only where the reason shows that ignoring it \
         cannot change what is delivered, to whom, or how securely.\n\n\
         Names are case-insensitive. Sizes take rsyslog's suffixes: `k`, `m`, `g`, `t` are \
         powers of 1024, `K`, `M`, `G`, `T` powers of 1000. Booleans are `on`/`off` (also \
         `yes`/`no`, `true`/`false`, `1`/`0`).\n",
    );
    let refused: Vec<_> = MODULES.iter().filter(|m| m.refused.is_some()).collect();
    out.push_str("\n## Modules corelog does not run\n\nLoading one is an error:\n\n");
    for m in refused {
        let _ = writeln!(out, "- `{}`: {}.", m.name, m.refused.unwrap_or_default());
    }
    for t in modules::tables() {
        table(&mut out, t);
    }
    out
}

fn table(out: &mut String, t: &Table) {
    let _ = writeln!(out, "\n## `{}`\n", t.object);
    if t.params.is_empty() {
        out.push_str("No parameters.\n");
        return;
    }
    out.push_str("| parameter | type | default | legacy | status |\n|---|---|---|---|---|\n");
    for p in t.params {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            p.name,
            type_name(p.ty),
            default(p),
            p.legacy.map_or("".to_string(), |l| format!("`{l}`")),
            status(p.status),
        );
    }
}

fn default(p: &Param) -> String {
    match (p.default, p.default_note) {
        ("", "") => String::new(),
        ("", note) => note.to_string(),
        (d, "") => format!("`{d}`"),
        (d, note) => format!("`{d}` ({note})"),
    }
}

fn type_name(t: Type) -> String {
    let range = |min: i64, max: i64| match (min, max) {
        (min, max) if min <= i32::MIN as i64 && max >= i32::MAX as i64 => String::new(),
        (min, max) if max >= i32::MAX as i64 => format!(" ≥ {min}"),
        (min, max) => format!(" {min}–{max}"),
    };
    match t {
        Type::Bool => "binary".into(),
        Type::Int { min, max } => format!("integer{}", range(min, max)),
        Type::Size { min, max } => format!("size{}", range(min, max)),
        Type::Duration { unit, min, max } => format!("{}{}", unit.name(), range(min, max)),
        Type::Enum(names) => names.join(" \\| "),
        Type::Str => "string".into(),
        Type::Path => "path".into(),
        Type::Mode => "file mode".into(),
        Type::Char => "character".into(),
        Type::Offset => "UTC offset (+hh:mm)".into(),
        Type::Ports => "port(s)".into(),
        Type::Severity => "severity".into(),
        Type::Facility => "facility".into(),
        Type::Template => "template name".into(),
        Type::Ruleset => "ruleset name".into(),
        Type::Array => "array".into(),
    }
}

fn status(s: Status) -> String {
    match s {
        Status::Supported => "supported".into(),
        Status::Refused(why) => format!("refused: {}", why.replace('|', "\\|")),
        Status::Warned(why) => format!("warned: {}", why.replace('|', "\\|")),
    }
}
