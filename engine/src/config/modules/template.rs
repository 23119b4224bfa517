//! `template()`, and `property()` and `constant()` in list templates.
//!
//! In: the objects' parameters. Out: their names checked, their statuses
//! applied (refused, warned); the values are compiled by
//! [`crate::template`], which reports what it cannot compile at the
//! object's position (so `property()` values are declared as text here).

use crate::config::param::{Param, Table, Type};

/// `template()`.
pub static TEMPLATE: Table = Table {
    object: "template()",
    params: &[
        Param::new("name", Type::Str, "").note("required"),
        Param::new(
            "type",
            Type::Enum(&["string", "list", "subtree", "plugin"]),
            "",
        )
        .note("required; plugin is refused"),
        Param::new("string", Type::Str, "").note("type=\"string\""),
        Param::new("plugin", Type::Str, "")
            .refused("template plugins are not built; the template would render nothing"),
        Param::new("subtree", Type::Str, "")
            .note("type=\"subtree\": a `$!` path, rendered as `%$!path%` is"),
        Param::new("option.sql", Type::Bool, "off"),
        Param::new("option.stdsql", Type::Bool, "off"),
        Param::new("option.json", Type::Bool, "off"),
        Param::new("option.jsonf", Type::Bool, "off"),
        Param::new("option.jsonftree", Type::Bool, "off").refused(
            "option.jsonftree is not in rsyslog 8.2302 (a later release added it) and is not built",
        ),
        Param::new("option.caseSensitive", Type::Bool, "off").note(
            "off: names of $!, $. and $/ properties and their outname are lower-cased, as rsyslog does",
        ),
    ],
};

/// `property()` in a list template.
pub static PROPERTY: Table = Table {
    object: "property()",
    params: &[
        Param::new("name", Type::Str, "").note("required"),
        Param::new("outname", Type::Str, ""),
        Param::new("dateFormat", Type::Str, ""),
        Param::new("date.inUTC", Type::Str, "off"),
        Param::new("caseConversion", Type::Str, ""),
        Param::new("controlCharacters", Type::Str, ""),
        Param::new("securePath", Type::Str, ""),
        Param::new("format", Type::Str, ""),
        Param::new("position.from", Type::Str, ""),
        Param::new("position.to", Type::Str, ""),
        Param::new("position.relativeToEnd", Type::Str, "off"),
        Param::new("fixedWidth", Type::Str, "off"),
        Param::new("compressSpace", Type::Str, "off"),
        Param::new("field.number", Type::Str, ""),
        Param::new("field.delimiter", Type::Str, ""),
        Param::new("regex.expression", Type::Str, ""),
        Param::new("regex.type", Type::Str, "BRE"),
        Param::new("regex.noMatchMode", Type::Str, "DFLT"),
        Param::new("regex.match", Type::Str, "0"),
        Param::new("regex.subMatch", Type::Str, "0"),
        Param::new("dropLastLf", Type::Str, "off"),
        Param::new("spIfNo1stSp", Type::Str, "off"),
        Param::new("dataType", Type::Str, "string"),
        Param::new("onEmpty", Type::Str, "keep"),
        Param::new("omitIfZero", Type::Str, "off"),
        Param::new("mandatory", Type::Bool, "off").warned(
            "only structured outputs (omelasticsearch, ommongodb; none in corelog) pass fields apart",
        ),
    ],
};

/// `constant()` in a list template.
pub static CONSTANT: Table = Table {
    object: "constant()",
    params: &[
        Param::new("value", Type::Str, "").note("required"),
        Param::new("outname", Type::Str, ""),
        Param::new("format", Type::Enum(&["jsonf"]), ""),
    ],
};
