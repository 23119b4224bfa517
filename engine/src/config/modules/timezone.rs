//! `timezone(id= offset=)`.
//!
//! In: the object's parameters. Out: a named UTC offset. In rsyslog 8.2302
//! only the pmciscoios parser reads these (a zone name after an RFC 3164
//! time); corelog keeps them for it, and says that nothing reads them while
//! pmciscoios is not built (which changes no message: rsyslog without
//! pmciscoios reads none either).

use crate::config::param::{Param, Table, Type};

/// `timezone()`.
pub static TIMEZONE: Table = Table {
    object: "timezone()",
    params: &[
        Param::new("id", Type::Str, "").note("required: the zone's name (CET)"),
        Param::new("offset", Type::Offset, "").note("required: +hh:mm or -hh:mm"),
    ],
};
