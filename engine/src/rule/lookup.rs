//! Lookup tables: `lookup_table(name= file= reloadOnHUP=)`, `lookup()` and
//! `reload_lookup_table()`.
//!
//! In: a table file in rsyslog's JSON format, version 1 —
//! `{"version": 1, "nomatch": "…", "type": "string"|"array"|"sparseArray",
//! "table": [{"index": …, "value": …}, …]}` — read when the configuration
//! loads, again on SIGHUP (`reloadOnHUP`, on by default) and when a
//! `reload_lookup_table()` statement runs. Out: for a key, the value of its
//! row, or `nomatch` (`""` when not given).
//!
//! Semantics are rsyslog's (`runtime/lookup.c`): a `string` table matches
//! the key's text exactly; an `array` table needs contiguous integer
//! indexes and matches the key as a number; a `sparseArray` table gives the
//! row with the largest index not above the key. Keys of the two numeric
//! types are taken as unsigned 32-bit numbers, as in rsyslog. Values that
//! are not strings read as their JSON text.
//!
//! Guarantees: every core shares one table; a reload builds the new table
//! beside the old one and swaps it in whole, so a lookup sees the old or
//! the new table, never a mix; a reload that fails keeps the old table (or,
//! with a stub value, answers that value for every key, as rsyslog does)
//! and says why.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use crate::msg::json::{self, Json};

use super::expr::Val;

/// A string table's row: key and value.
type StrRow = (Box<[u8]>, Box<[u8]>);

/// One table's rows.
#[derive(Debug, Clone, PartialEq)]
enum Rows {
    /// Sorted by key.
    Str(Vec<StrRow>),
    /// Values for `first`, `first + 1`, …
    Array { first: u32, values: Vec<Box<[u8]>> },
    /// Sorted by key.
    Sparse(Vec<(u32, Box<[u8]>)>),
    /// `reload_lookup_table(name, stub)` after a failed reload: every key
    /// answers `nomatch`.
    Stub,
}

/// A loaded table.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    rows: Rows,
    nomatch: Box<[u8]>,
}

impl Table {
    /// Reads a table from its JSON text; errors say what is wrong, naming
    /// the table.
    pub fn parse(name: &str, text: &[u8]) -> Result<Table, String> {
        let bad = |what: String| format!("lookup table '{name}': {what}");
        let root = json::parse(text).map_err(|e| bad(format!("not JSON: {e}")))?;
        let Json::Object(root) = root else {
            return Err(bad("the file must hold a JSON object".into()));
        };
        match root.get("version") {
            None | Some(Json::Null) | Some(Json::Int(1)) => {}
            Some(v) => {
                return Err(bad(format!(
                    "version {} is not supported (only 1)",
                    text_of(v).escape_ascii()
                )))
            }
        }
        let nomatch = root.get("nomatch").map(text_of).unwrap_or_default().into();
        let kind = root
            .get("type")
            .map(text_of)
            .unwrap_or_else(|| b"string".to_vec());
        let Some(Json::Array(table)) = root.get("table") else {
            return Err(bad("has no \"table\" array".into()));
        };
        let mut pairs = Vec::with_capacity(table.len());
        for row in table {
            let value = match row.as_object().and_then(|r| r.get("value")) {
                Some(Json::Null) | None => {
                    return Err(bad("a row has no \"value\"".into()));
                }
                Some(v) => text_of(v).into_boxed_slice(),
            };
            let index = match row.as_object().and_then(|r| r.get("index")) {
                Some(Json::Null) | None => return Err(bad("a row has no \"index\"".into())),
                Some(i) => i,
            };
            pairs.push((index, value));
        }
        let number = |i: &Json| super::expr::json_int(i) as u32;
        let rows = match &kind[..] {
            b"string" => {
                let mut rows: Vec<_> = pairs
                    .into_iter()
                    .map(|(i, v)| (text_of(i).into_boxed_slice(), v))
                    .collect();
                rows.sort_by(|a, b| a.0.cmp(&b.0));
                Rows::Str(rows)
            }
            b"array" => {
                let mut rows: Vec<_> = pairs.into_iter().map(|(i, v)| (number(i), v)).collect();
                rows.sort_by_key(|r| r.0);
                let first = rows.first().map_or(0, |r| r.0);
                for (n, w) in rows.windows(2).enumerate() {
                    if w[1].0 != w[0].0.wrapping_add(1) {
                        return Err(bad(format!(
                            "an array table's indexes must be contiguous: {} follows {} (row {})",
                            w[1].0,
                            w[0].0,
                            n + 2
                        )));
                    }
                }
                Rows::Array {
                    first,
                    values: rows.into_iter().map(|r| r.1).collect(),
                }
            }
            b"sparseArray" => {
                let mut rows: Vec<_> = pairs.into_iter().map(|(i, v)| (number(i), v)).collect();
                rows.sort_by_key(|r| r.0);
                Rows::Sparse(rows)
            }
            other => {
                return Err(bad(format!(
                    "type \"{}\" is not one of string, array, sparseArray",
                    other.escape_ascii()
                )))
            }
        };
        Ok(Table { rows, nomatch })
    }

    /// The value for `key`.
    pub fn lookup(&self, key: &Val) -> &[u8] {
        let found = match &self.rows {
            Rows::Str(rows) => {
                let k = key.to_bytes();
                rows.binary_search_by(|r| (*r.0).cmp(&k[..]))
                    .ok()
                    .map(|i| &*rows[i].1)
            }
            Rows::Array { first, values } => {
                let k = key.to_num().0 as u32;
                k.checked_sub(*first)
                    .and_then(|i| values.get(i as usize))
                    .map(|v| &**v)
            }
            Rows::Sparse(rows) => {
                let k = key.to_num().0 as u32;
                let at = rows.partition_point(|r| r.0 <= k);
                at.checked_sub(1).map(|i| &*rows[i].1)
            }
            Rows::Stub => None,
        };
        found.unwrap_or(&self.nomatch)
    }
}

/// A JSON value as libfastjson's `get_string` gives it.
fn text_of(v: &Json) -> Vec<u8> {
    v.text().into_owned()
}

/// A named table, shared by every core, reloadable.
#[derive(Debug)]
pub struct LookupTable {
    pub name: String,
    pub file: PathBuf,
    pub reload_on_hup: bool,
    current: RwLock<Arc<Table>>,
    /// When `reload_lookup_table()` last read the file.
    last_asked: std::sync::Mutex<Option<std::time::Instant>>,
}

/// `reload_lookup_table()` reads a table's file at most this often
/// (rsyslog hands each request to a reloader thread, which coalesces
/// them); statements that ask more often wait for the next turn.
pub const RELOAD_ASKED_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

impl LookupTable {
    /// Loads `file`; an error names the table and the file.
    pub fn load(name: &str, file: &Path, reload_on_hup: bool) -> Result<LookupTable, String> {
        let table = read(name, file)?;
        Ok(LookupTable {
            name: name.into(),
            file: file.into(),
            reload_on_hup,
            current: RwLock::new(Arc::new(table)),
            last_asked: std::sync::Mutex::new(None),
        })
    }

    /// The table now in use.
    pub fn table(&self) -> Arc<Table> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Reads the file again and swaps the new table in. On failure the
    /// old table stays, or with `stub` every key answers `stub`.
    pub fn reload(&self, stub: Option<&[u8]>) -> Result<(), String> {
        let new = match (read(&self.name, &self.file), stub) {
            (Ok(t), _) => t,
            (Err(e), None) => return Err(format!("{e}; the table in use is kept")),
            (Err(e), Some(stub)) => {
                self.swap(Table {
                    rows: Rows::Stub,
                    nomatch: stub.into(),
                });
                return Err(format!("{e}; every key now answers the stub value"));
            }
        };
        self.swap(new);
        Ok(())
    }

    /// `reload_lookup_table()`: [`LookupTable::reload`], unless the last
    /// request was less than [`RELOAD_ASKED_EVERY`] ago (`Ok` then).
    pub fn reload_asked(&self, stub: Option<&[u8]>) -> Result<(), String> {
        {
            let mut last = self.last_asked.lock().unwrap_or_else(|e| e.into_inner());
            let now = std::time::Instant::now();
            if last.is_some_and(|t| now.duration_since(t) < RELOAD_ASKED_EVERY) {
                return Ok(());
            }
            *last = Some(now);
        }
        self.reload(stub)
    }

    fn swap(&self, t: Table) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(t);
    }
}

fn read(name: &str, file: &Path) -> Result<Table, String> {
    let text = std::fs::read(file)
        .map_err(|e| format!("lookup table '{name}': cannot read {}: {e}", file.display()))?;
    Table::parse(name, &text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn s(v: &str) -> Val<'_> {
        Val::Str(Cow::Borrowed(v.as_bytes()))
    }

    #[test]
    fn the_three_types_and_nomatch() {
        let t = Table::parse(
            "t",
            br#"{"version":1,"nomatch":"unk","type":"string","table":[
                {"index":"10.0.0.1","value":"A"},{"index":"web","value":{"x":1}},{"index":5,"value":7}]}"#,
        )
        .unwrap();
        assert_eq!(t.lookup(&s("10.0.0.1")), b"A");
        assert_eq!(t.lookup(&s("web")), br#"{ "x": 1 }"#);
        assert_eq!(t.lookup(&Val::Num(5)), b"7");
        assert_eq!(t.lookup(&s("nope")), b"unk");
        let a = Table::parse(
            "a",
            br#"{"type":"array","table":[{"index":3,"value":"c"},{"index":1,"value":"a"},{"index":2,"value":"b"}]}"#,
        )
        .unwrap();
        assert_eq!(a.lookup(&Val::Num(2)), b"b");
        assert_eq!(a.lookup(&s("3")), b"c");
        assert_eq!(a.lookup(&Val::Num(0)), b"");
        assert_eq!(a.lookup(&Val::Num(4)), b"");
        let gap = Table::parse(
            "g",
            br#"{"type":"array","table":[{"index":1,"value":"a"},{"index":3,"value":"c"}]}"#,
        );
        assert!(gap.unwrap_err().contains("contiguous"));
        let sp = Table::parse(
            "s",
            br#"{"type":"sparseArray","nomatch":"low","table":[{"index":10,"value":"ten"},{"index":100,"value":"hundred"}]}"#,
        )
        .unwrap();
        assert_eq!(sp.lookup(&Val::Num(5)), b"low");
        assert_eq!(sp.lookup(&Val::Num(10)), b"ten");
        assert_eq!(sp.lookup(&Val::Num(99)), b"ten");
        assert_eq!(sp.lookup(&Val::Num(1000)), b"hundred");
        assert!(Table::parse("x", br#"{"version":2,"table":[]}"#).is_err());
        assert!(Table::parse("x", br#"{"table":[{"index":"a"}]}"#).is_err());
        assert!(Table::parse("x", br#"{"type":"regex","table":[]}"#).is_err());
    }

    #[test]
    fn reload_swaps_whole_tables_and_keeps_the_old_one_on_failure() {
        let path = std::env::temp_dir().join(format!("lookup-{}.json", std::process::id()));
        std::fs::write(&path, r#"{"table":[{"index":"k","value":"one"}]}"#).unwrap();
        let t = LookupTable::load("t", &path, true).unwrap();
        assert_eq!(t.table().lookup(&s("k")), b"one");
        std::fs::write(&path, r#"{"table":[{"index":"k","value":"two"}]}"#).unwrap();
        t.reload(None).unwrap();
        assert_eq!(t.table().lookup(&s("k")), b"two");
        std::fs::write(&path, "not json").unwrap();
        assert!(t.reload(None).is_err());
        assert_eq!(t.table().lookup(&s("k")), b"two");
        assert!(t.reload(Some(b"stubbed")).is_err());
        assert_eq!(t.table().lookup(&s("k")), b"stubbed");
        std::fs::remove_file(&path).unwrap();
    }
}
