//! `dyn_stats()` and `percentile_stats()` (rsyslog 8.2302's parameters).
//!
//! In: the objects' parameters. Out: the buckets [`crate::rule::stats`]
//! keeps for `dyn_inc()` and `percentile_observe()`.

use crate::config::param::{Param, Table, Type};

pub static DYN_STATS: Table = Table {
    object: "dyn_stats()",
    params: &[
        Param::new("name", Type::Str, "").note("required"),
        Param::new("resettable", Type::Bool, "on"),
        Param::new(
            "maxCardinality",
            Type::Int {
                min: 1,
                max: 10_000_000,
            },
            "2000",
        ),
        Param::new(
            "unusedMetricLife",
            Type::Int {
                min: 1,
                max: i32::MAX as i64,
            },
            "3600",
        )
        .note("seconds"),
    ],
};

pub static PERCENTILE_STATS: Table = Table {
    object: "percentile_stats()",
    params: &[
        Param::new("name", Type::Str, "").note("required"),
        Param::new("percentiles", Type::Array, "").note("required: [\"p50\", \"95\", …]"),
        Param::new(
            "windowSize",
            Type::Int {
                min: 1,
                max: 10_000,
            },
            "1",
        )
        .note("observations kept per key (at most 10 000; a bucket keeps at most 2 000 keys)"),
        Param::new("delimiter", Type::Str, "."),
    ],
};
