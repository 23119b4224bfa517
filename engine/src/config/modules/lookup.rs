//! `lookup_table()`.
//!
//! In: the object's parameters. Out: the table's name, file and whether
//! SIGHUP reloads it; the builder loads the file (see
//! [`crate::rule::lookup`]).

use crate::config::param::{Param, Table, Type};

/// `lookup_table()`.
pub static LOOKUP_TABLE: Table = Table {
    object: "lookup_table()",
    params: &[
        Param::new("name", Type::Str, "").note("required"),
        Param::new("file", Type::Str, "").note("required: the table, in rsyslog's JSON format"),
        Param::new("reloadOnHUP", Type::Bool, "on"),
    ],
};
