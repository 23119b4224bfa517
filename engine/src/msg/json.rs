//! rsyslog's JSON values: the tree behind `$!`, `$.` and `$/`.
//!
//! In: values made by `set` (strings, numbers, copies of subtrees), text
//! given to `parse_json()` and mmjsonparse (read by `serde_json`), paths
//! resolved once from the configuration ([`Path`]). Out: values by path,
//! and the tree rendered as rsyslog 8.2302 renders it with libfastjson.
//!
//! The model is libfastjson's, because that is what decides the bytes an
//! rsyslog user sees:
//! - an object keeps its keys in insertion order; removing a key leaves a
//!   hole that the next new key fills (so `unset $!a; set $!b = 1` puts
//!   `b` where `a` was); setting an existing key replaces its value in
//!   place and keeps the key's first spelling;
//! - keys compare ASCII-case-insensitively (rsyslog's default,
//!   `variables.caseSensitive="off"`), or byte for byte once
//!   [`set_case_sensitive`] says so (`"on"`);
//! - a double read from JSON text keeps that text (`1.50` prints as
//!   written; one difference: an unsigned exponent gains its `+`, `1e3`
//!   prints `1e+3`, as serde_json hands it over);
//! - strings are bytes, not necessarily UTF-8 (a message's bytes go in
//!   unchanged, as in rsyslog).
//!
//! Guarantees: nothing here panics on any input; parsing stops at
//! [`DEPTH_MAX`] levels of nesting; rendering never fails.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};

use compact_str::CompactString;

/// Nesting limit of every tree: what parsing (serde_json's own limit),
/// `set` and decoding allow. Rendering, copying and encoding recurse this
/// deep at most.
pub const DEPTH_MAX: usize = 128;

/// The most a message's variables may weigh ([`Json::weight`]): a `set`
/// that would go past it changes nothing, so that a rule cannot make a
/// tree grow without bound (`foreach` with `set $!t!a = $!t` doubles it).
pub const VARS_WEIGHT_MAX: usize = 8 << 20;

/// The slots an object gets with its first key (libfastjson's page).
const OBJECT_SLOTS_FIRST: usize = 8;

/// An object's key. Keys of up to 24 bytes (nearly all of them) live
/// inline: copying a key from the configuration's path into a message's
/// tree, or reading one from JSON text, neither allocates nor touches a
/// shared count.
pub type Key = CompactString;

/// A string's bytes: up to 16 live inline (most values a rule sets: a
/// host name, an address, a number's text), longer ones on the heap.
pub type Text = smallvec::SmallVec<[u8; 16]>;

/// One JSON value: four words (a string's inline bytes, or a vector,
/// with the tag in the spare bits of its capacity), so that an object's
/// entry is eight.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Int(i64),
    /// A double and the text it prints as.
    Double(f64, Box<str>),
    Str(Text),
    Array(Vec<Json>),
    Object(Object),
}

const _: () = assert!(std::mem::size_of::<Json>() <= 32);

/// An object: keys in libfastjson's order, holes where keys were removed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Object {
    slots: Vec<Option<Entry>>,
    /// How many slots are holes (so that adding a key to an object without
    /// any does not look for one).
    holes: u32,
}

/// One key and its value, with the key's [`fold`].
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    fold: u64,
    key: Key,
    value: Json,
}

impl Entry {
    fn new(key: Key, value: Json) -> Entry {
        Entry {
            fold: fold(&key),
            key,
            value,
        }
    }
}

/// A key's length and its first seven bytes in ASCII lower case, in one
/// word: keys that differ in it differ, ignoring case; keys of at most
/// seven bytes with the same fold are the same key, ignoring case. A
/// lookup compares words and looks at the bytes only when they match.
pub fn fold(key: &str) -> u64 {
    let b = key.as_bytes();
    let mut f = (b.len().min(0xff) as u64) << 56;
    for (i, c) in b.iter().take(7).enumerate() {
        f |= u64::from(c.to_ascii_lowercase()) << (8 * i);
    }
    f
}

/// `global(variables.caseSensitive=)`: whether keys compare byte for
/// byte. Process-wide, as libfastjson's switch is in rsyslog 8.2302
/// (`fjson_global_do_case_sensitive_comparison`): loading a configuration
/// turns it off, then sets it where `global()` is read, before any
/// message exists.
static CASE_SENSITIVE: AtomicBool = AtomicBool::new(false);

/// Sets how keys compare from now on (see [`CASE_SENSITIVE`]).
pub fn set_case_sensitive(on: bool) {
    CASE_SENSITIVE.store(on, Ordering::Relaxed);
}

/// Whether keys compare byte for byte.
pub fn case_sensitive() -> bool {
    CASE_SENSITIVE.load(Ordering::Relaxed)
}

/// Whether `key` (whose fold is `f`) is `e`'s key. The fold ignores case
/// either way, so it only ever rules keys out.
fn same_key(e: &Entry, f: u64, key: &str) -> bool {
    e.fold == f
        && if case_sensitive() {
            e.key == key
        } else {
            key.len() <= 7 || e.key.eq_ignore_ascii_case(key)
        }
}

impl Object {
    pub fn new() -> Object {
        Object::default()
    }

    fn position(&self, f: u64, key: &str) -> Option<usize> {
        debug_assert_eq!(f, fold(key));
        self.slots
            .iter()
            .position(|s| s.as_ref().is_some_and(|e| same_key(e, f, key)))
    }

    /// The value under `key` (ASCII case ignored unless
    /// [`case_sensitive`]).
    pub fn get(&self, key: &str) -> Option<&Json> {
        self.get_folded(fold(key), key)
    }

    /// [`Object::get`] with the key's [`fold`] already made.
    pub(crate) fn get_folded(&self, f: u64, key: &str) -> Option<&Json> {
        let i = self.position(f, key)?;
        self.slots[i].as_ref().map(|e| &e.value)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Json> {
        self.get_folded_mut(fold(key), key)
    }

    fn get_folded_mut(&mut self, f: u64, key: &str) -> Option<&mut Json> {
        let i = self.position(f, key)?;
        self.slots[i].as_mut().map(|e| &mut e.value)
    }

    /// Sets `key`: in place when it exists, else in the first hole, else at
    /// the end.
    pub fn insert(&mut self, key: &str, value: Json) {
        let f = fold(key);
        match self.get_folded_mut(f, key) {
            Some(v) => *v = value,
            None => {
                self.insert_new(Entry {
                    fold: f,
                    key: Key::from(key),
                    value,
                });
            }
        }
    }

    /// [`Object::insert`] of a key that is this object's to keep.
    pub fn insert_owned(&mut self, key: Key, value: Json) {
        let f = fold(&key);
        match self.get_folded_mut(f, &key) {
            Some(v) => *v = value,
            None => {
                self.insert_new(Entry {
                    fold: f,
                    key,
                    value,
                });
            }
        }
    }

    /// [`Object::insert`] of a key whose [`fold`] is made.
    fn insert_folded(&mut self, f: u64, key: &Key, value: Json) {
        if let Some(v) = self.get_folded_mut(f, key) {
            *v = value;
            return;
        }
        self.insert_new(Entry {
            fold: f,
            key: key.clone(),
            value,
        });
    }

    /// Adds a key known not to be here: in the first hole, else at the
    /// end; its value's place.
    fn insert_new(&mut self, e: Entry) -> &mut Json {
        debug_assert_eq!(e.fold, fold(&e.key));
        debug_assert!(self.position(e.fold, &e.key).is_none());
        let hole = if self.holes > 0 {
            self.slots.iter().position(Option::is_none)
        } else {
            None
        };
        let i = match hole {
            Some(hole) => {
                self.holes -= 1;
                self.slots[hole] = Some(e);
                hole
            }
            None => {
                debug_assert_eq!(self.holes, 0);
                if self.slots.capacity() == 0 {
                    // Most objects hold a few keys: one allocation, not four.
                    self.slots.reserve_exact(OBJECT_SLOTS_FIRST);
                }
                self.slots.push(Some(e));
                self.slots.len() - 1
            }
        };
        match &mut self.slots[i] {
            Some(e) => &mut e.value,
            None => unreachable!("slot {i} was just filled"),
        }
    }

    /// Removes `key`, leaving a hole; the value, if it was there.
    pub fn remove(&mut self, key: &str) -> Option<Json> {
        self.remove_folded(fold(key), key)
    }

    fn remove_folded(&mut self, f: u64, key: &str) -> Option<Json> {
        let i = self.position(f, key)?;
        self.holes += 1;
        self.slots[i].take().map(|e| e.value)
    }

    /// Keys and values in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Json)> {
        self.slots
            .iter()
            .filter_map(|s| s.as_ref().map(|e| (e.key.as_str(), &e.value)))
    }

    pub fn len(&self) -> usize {
        self.iter().count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds every key of `other` (rsyslog's `jsonMerge`).
    pub fn merge(&mut self, other: Object) {
        for e in other.slots.into_iter().flatten() {
            match self.get_folded_mut(e.fold, &e.key) {
                Some(v) => *v = e.value,
                None => {
                    self.insert_new(e);
                }
            }
        }
    }
}

/// Builds an object from keys read one after the other (parsed JSON,
/// structured data, fields), in linear time however many keys come: past
/// [`BUILDER_SCAN_MAX`] keys, repeated keys are found by a hash index
/// rather than by scanning.
#[derive(Debug, Default)]
pub struct ObjectBuilder {
    obj: Object,
    index: Option<std::collections::HashMap<Box<[u8]>, usize>>,
}

/// Keys an [`ObjectBuilder`] compares one by one before it indexes them.
const BUILDER_SCAN_MAX: usize = 16;

impl ObjectBuilder {
    /// Adds `key` (the last value wins, at the first key's place).
    pub fn insert(&mut self, key: Key, value: Json) {
        if self.index.is_none() && self.obj.slots.len() < BUILDER_SCAN_MAX {
            return self.obj.insert_owned(key, value);
        }
        let sensitive = case_sensitive();
        let index_key = |k: &str| -> Box<[u8]> {
            if sensitive {
                k.as_bytes().into()
            } else {
                k.as_bytes().to_ascii_lowercase().into()
            }
        };
        let slots = &self.obj.slots;
        let index = self.index.get_or_insert_with(|| {
            slots
                .iter()
                .enumerate()
                .filter_map(|(i, s)| s.as_ref().map(|e| (index_key(&e.key), i)))
                .collect()
        });
        match index.get(&index_key(&key)) {
            Some(&i) => {
                if let Some(e) = self.obj.slots[i].as_mut() {
                    e.value = value;
                }
            }
            None => {
                index.insert(index_key(&key), self.obj.slots.len());
                self.obj.slots.push(Some(Entry::new(key, value)));
            }
        }
    }

    pub fn finish(self) -> Object {
        debug_assert_eq!(self.obj.holes, 0, "a builder makes no holes");
        self.obj
    }
}

impl Json {
    pub fn str(s: &[u8]) -> Json {
        Json::Str(Text::from_slice(s))
    }

    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Json::Object(o) => Some(o),
            _ => None,
        }
    }

    /// What rsyslog's `json_object_get_string` gives: a string's bytes as
    /// they are, anything else as spaced JSON text.
    pub fn text(&self) -> Cow<'_, [u8]> {
        match self {
            Json::Str(s) => Cow::Borrowed(s),
            other => {
                let mut out = Vec::new();
                other.render(&mut out, Style::Spaced);
                Cow::Owned(out)
            }
        }
    }

    /// Writes the value as JSON text.
    pub fn render(&self, out: &mut Vec<u8>, style: Style) {
        let spaced = style == Style::Spaced;
        match self {
            Json::Null => out.extend_from_slice(b"null"),
            Json::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Json::Int(n) => out.extend_from_slice(itoa::Buffer::new().format(*n).as_bytes()),
            Json::Double(_, text) => out.extend_from_slice(text.as_bytes()),
            Json::Str(s) => quote(out, s),
            Json::Array(items) => container(out, style, b"[]", items.iter(), |out, v| {
                v.render(out, style)
            }),
            Json::Object(o) => container(out, style, b"{}", o.iter(), |out, (k, v)| {
                quote(out, k.as_bytes());
                out.push(b':');
                if spaced {
                    out.push(b' ');
                }
                v.render(out, style);
            }),
        }
    }

    /// How deep it nests (a scalar is 0, `{}` 1).
    pub fn depth(&self) -> usize {
        match self {
            Json::Array(a) => 1 + a.iter().map(Json::depth).max().unwrap_or(0),
            Json::Object(o) => 1 + o.iter().map(|(_, v)| v.depth()).max().unwrap_or(0),
            _ => 0,
        }
    }

    /// [`Json::depth`] and [`Json::weight`] in one walk.
    pub fn measure(&self) -> (usize, usize) {
        match self {
            Json::Array(a) => a.iter().fold((1, 32), |(d, w), v| {
                let (vd, vw) = v.measure();
                (d.max(1 + vd), w + vw)
            }),
            Json::Object(o) => o.iter().fold((1, 32), |(d, w), (k, v)| {
                let (vd, vw) = v.measure();
                (d.max(1 + vd), w + 32 + k.len() + vw)
            }),
            scalar => (0, scalar.weight()),
        }
    }

    /// Roughly the memory it holds: its bytes, and 32 for each value and
    /// key.
    pub fn weight(&self) -> usize {
        32 + match self {
            Json::Str(s) => s.len(),
            Json::Double(_, t) => t.len(),
            Json::Array(a) => a.iter().map(Json::weight).sum(),
            Json::Object(o) => o.iter().map(|(k, v)| 32 + k.len() + v.weight()).sum(),
            _ => 0,
        }
    }

    /// A double made by computation (not read from text), printed as
    /// libfastjson prints a new double.
    pub fn double(v: f64) -> Json {
        Json::Double(v, format_double(v).into())
    }

    /// rsyslog's `jsonDeepCopy`, which is how `set` copies a tree: the
    /// same, except that a double loses the text it was read from and
    /// prints as a new double (`0.93` becomes `0.93000000000000005`).
    pub fn deep_copy(&self) -> Json {
        match self {
            Json::Double(d, _) => Json::double(*d),
            Json::Array(a) => Json::Array(a.iter().map(Json::deep_copy).collect()),
            Json::Object(o) => {
                let mut c = Object::new();
                for e in o.slots.iter().flatten() {
                    c.insert_folded(e.fold, &e.key, e.value.deep_copy());
                }
                Json::Object(c)
            }
            other => other.clone(),
        }
    }
}

/// `[…]` or `{…}` as libfastjson writes them: spaced, `{ "a": 1, "b": 2 }`
/// (a SP before each item and before the end), or plain.
fn container<T>(
    out: &mut Vec<u8>,
    style: Style,
    ends: &[u8; 2],
    items: impl Iterator<Item = T>,
    mut each: impl FnMut(&mut Vec<u8>, T),
) {
    let spaced = style == Style::Spaced;
    out.push(ends[0]);
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if spaced {
            out.push(b' ');
        }
        each(out, item);
    }
    if spaced {
        out.push(b' ');
    }
    out.push(ends[1]);
}

/// How containers are spaced: `%$!%` is spaced, `%$!all-json-plain%` not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Spaced,
    Plain,
}

/// A string in double quotes, escaped as libfastjson escapes it: `"` `\`
/// and `/` with a backslash, `\b \f \n \r \t`, other bytes below 0x20 as
/// `\u00xx`; everything else (UTF-8 or not) as it is.
pub fn quote(out: &mut Vec<u8>, s: &[u8]) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    let mut start = 0;
    while let Some(i) = next_escape(s, start) {
        let c = s[i];
        out.extend_from_slice(&s[start..i]);
        let esc: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'/' => b"\\/",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            _ => {
                debug_assert!(c < 0x20);
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(c >> 4)]);
                out.push(HEX[usize::from(c & 0xf)]);
                start = i + 1;
                continue;
            }
        };
        out.extend_from_slice(esc);
        start = i + 1;
    }
    out.extend_from_slice(&s[start..]);
    out.push(b'"');
}

/// The first byte at or after `from` that [`quote`] escapes: the bytes
/// rsyslog's JSON escape looks at, found sixteen at a time.
fn next_escape(s: &[u8], from: usize) -> Option<usize> {
    crate::template::escape::first_json_special(&s[from..]).map(|i| from + i)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// libfastjson's rendering of a double it made (not read from text):
/// `%.17g`, with `.0` appended when the value is integral (`3.0`, and
/// `1e+17.0`, which is what libfastjson prints).
pub fn format_double(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let s = format_g17(v);
    if v.fract() == 0.0 {
        format!("{s}.0")
    } else {
        s
    }
}

/// C's `%.17g`.
fn format_g17(v: f64) -> String {
    if v == 0.0 {
        return if v.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let exp = v.abs().log10().floor() as i32;
    let e = format!("{v:.16e}");
    // Rust's exponent is exact; log10 may be off by one near powers of 10.
    let exp = e
        .rsplit_once('e')
        .and_then(|(_, x)| x.parse::<i32>().ok())
        .unwrap_or(exp);
    if !(-4..17).contains(&exp) {
        let (mant, _) = e.split_once('e').unwrap_or((&e, ""));
        let mant = trim_zeros(mant);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (16 - exp).max(0) as usize;
        trim_zeros(&format!("{v:.decimals$}")).to_string()
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// Reads JSON text into a tree: what `parse_json()` and mmjsonparse do.
/// As libfastjson does, the first value is taken and what follows it is
/// ignored (`{"a":1} trailing` reads as `{"a":1}`). Errors say what is
/// wrong in serde_json's words.
pub fn parse(text: &[u8]) -> Result<Json, String> {
    read(text, false)
}

/// Reads JSON text that must hold one value and nothing else but blanks
/// (mmjsonparse's rule).
pub fn parse_strict(text: &[u8]) -> Result<Json, String> {
    read(text, true)
}

/// Text that is UTF-8 throughout (nearly all of it) is checked once, in
/// one pass, and read as `str`, so that serde_json does not check each
/// string again; other text is read as bytes, with serde_json's errors.
fn read(text: &[u8], whole: bool) -> Result<Json, String> {
    match std::str::from_utf8(text) {
        Ok(s) => read_from(serde_json::Deserializer::from_str(s), whole),
        Err(_) => read_from(serde_json::Deserializer::from_slice(text), whole),
    }
}

fn read_from<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
    whole: bool,
) -> Result<Json, String> {
    let v = Json::deserialize(&mut de).map_err(|e| e.to_string())?;
    if whole {
        de.end().map_err(|e| e.to_string())?;
    }
    Ok(v)
}

use serde::de::{self, Deserialize, DeserializeSeed, MapAccess, SeqAccess, Visitor};

/// How serde_json (with `arbitrary_precision`, which keeps a number's
/// text) hands a number to a visitor: as a map of this one key to the
/// text. The JSON tests below fail if serde_json ever changes it.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

/// Builds the tree straight from the parser: no intermediate value; a
/// string or key allocates only when it is too long to live inline
/// ([`Text`], [`Key`]).
struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Json, E> {
        Ok(Json::Int(n))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Json, E> {
        Ok(Json::Int(i64::try_from(n).unwrap_or(i64::MAX)))
    }

    fn visit_f64<E>(self, d: f64) -> Result<Json, E> {
        Ok(Json::double(d))
    }

    fn visit_str<E>(self, s: &str) -> Result<Json, E> {
        Ok(Json::str(s.as_bytes()))
    }

    fn visit_string<E>(self, s: String) -> Result<Json, E> {
        Ok(Json::Str(s.into_bytes().into()))
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut a = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(v) = seq.next_element::<Json>()? {
            a.push(v);
        }
        Ok(Json::Array(a))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut o = ObjectBuilder::default();
        let mut first = true;
        while let Some(k) = map.next_key_seed(KeySeed)? {
            let k = match k {
                MapKey::Number if first => return map.next_value_seed(NumberSeed),
                // The token as an ordinary key, after other keys.
                MapKey::Number => Key::from(NUMBER_TOKEN),
                MapKey::Key(k) => k,
            };
            first = false;
            let v: Json = map.next_value()?;
            // A repeated key keeps its first place and takes the last
            // value, as libfastjson.
            o.insert(k, v);
        }
        Ok(Json::Object(o.finish()))
    }
}

/// A number from its text: an integer (clamped to 64 bits, as libfastjson
/// does) unless it has a fraction or an exponent, then a double that
/// prints as written.
fn number(text: &str) -> Json {
    if is_integer_text(text) {
        return Json::Int(text.parse::<i64>().unwrap_or(if text.starts_with('-') {
            i64::MIN
        } else {
            i64::MAX
        }));
    }
    Json::Double(text.parse::<f64>().unwrap_or(0.0), text.into())
}

/// What a map's key turned out to be: serde_json's number token, or a
/// key (inline when short). The token is recognised before a [`Key`] is
/// made, since at 28 bytes it would not fit inline.
enum MapKey {
    Number,
    Key(Key),
}

/// An object's key.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = MapKey;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<MapKey, D::Error> {
        struct K;
        impl Visitor<'_> for K {
            type Value = MapKey;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E>(self, s: &str) -> Result<MapKey, E> {
                Ok(if s == NUMBER_TOKEN {
                    MapKey::Number
                } else {
                    MapKey::Key(Key::from(s))
                })
            }
        }
        d.deserialize_str(K)
    }
}

/// The text of a number serde_json hands over under [`NUMBER_TOKEN`],
/// read where it lies (no `String` made for it).
struct NumberSeed;

impl<'de> DeserializeSeed<'de> for NumberSeed {
    type Value = Json;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        struct N;
        impl Visitor<'_> for N {
            type Value = Json;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number's text")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Json, E> {
                // Only a JSON number's text: an object that names this key
                // itself must not smuggle raw text into a render.
                if !is_number_text(text) {
                    return Err(E::custom("an object may not use serde_json's number key"));
                }
                Ok(number(text))
            }
        }
        d.deserialize_str(N)
    }
}

/// Whether `t` is a number as JSON writes it:
/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn is_number_text(t: &str) -> bool {
    fn digits(b: &[u8]) -> usize {
        b.iter().take_while(|c| c.is_ascii_digit()).count()
    }
    let b = t.as_bytes();
    let mut at = usize::from(b.first() == Some(&b'-'));
    let int = digits(&b[at..]);
    if int == 0 || (int > 1 && b[at] == b'0') {
        return false;
    }
    at += int;
    if b.get(at) == Some(&b'.') {
        let frac = digits(&b[at + 1..]);
        if frac == 0 {
            return false;
        }
        at += 1 + frac;
    }
    if matches!(b.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(b.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let exp = digits(&b[at..]);
        if exp == 0 {
            return false;
        }
        at += exp;
    }
    at == b.len()
}

fn is_integer_text(t: &str) -> bool {
    let digits = t.strip_prefix('-').unwrap_or(t);
    !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit())
}

/// One step of a variable's path: a key, and an index when written
/// `key[n]` (rsyslog 8.2302 reads `$!a[1]` as element 1 of the array `a`,
/// falling back to the literal key `a[1]` when `a` is not an array).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seg {
    /// The whole key as written, `a[1]` included.
    key: Key,
    /// The key's [`fold`], made once.
    fold: u64,
    /// `(a, 1)` for `a[1]`.
    pub index: Option<(Box<str>, i64)>,
}

impl Seg {
    fn new(key: &str) -> Seg {
        let index = key
            .strip_suffix(']')
            .and_then(|k| k.split_once('['))
            .and_then(|(name, n)| {
                let ok = !n.is_empty()
                    && n.strip_prefix('-')
                        .unwrap_or(n)
                        .bytes()
                        .all(|c| c.is_ascii_digit())
                    && !n.strip_prefix('-').unwrap_or(n).is_empty();
                ok.then(|| (name.into(), n.parse::<i64>().unwrap_or(i64::MAX)))
            });
        Seg {
            key: key.into(),
            fold: fold(key),
            index,
        }
    }

    /// The value this step names in `parent` (rsyslog's `jsonVarExtract`).
    pub fn find<'a>(&self, parent: &'a Json) -> Option<&'a Json> {
        let Json::Object(o) = parent else {
            return None;
        };
        if let Some((name, i)) = &self.index {
            if let Some(Json::Array(a)) = o.get(name) {
                return usize::try_from(*i).ok().and_then(|i| a.get(i));
            }
        }
        o.get_folded(self.fold, &self.key)
    }

    fn find_mut<'a>(&self, parent: &'a mut Json) -> Option<&'a mut Json> {
        let Json::Object(o) = parent else {
            return None;
        };
        if let Some((name, i)) = &self.index {
            if matches!(o.get(name), Some(Json::Array(_))) {
                let Some(Json::Array(a)) = o.get_mut(name) else {
                    return None;
                };
                return usize::try_from(*i).ok().and_then(|i| a.get_mut(i));
            }
        }
        o.get_folded_mut(self.fold, &self.key)
    }
}

impl Seg {
    /// The value this step names in `parent`, made an empty object under
    /// the key as written when missing (rsyslog makes `a[5]` too, when
    /// `a` is an array too short for it, and goes on into it); `NotSet`
    /// when `parent` is not an object. One scan of the parent's keys.
    fn step_or_make<'a>(&self, parent: &'a mut Json) -> Result<&'a mut Json, NotSet> {
        let Json::Object(o) = parent else {
            return Err(NotSet);
        };
        if let Some((name, i)) = &self.index {
            let array_len = o
                .position(fold(name), name)
                .and_then(|p| match &o.slots[p] {
                    Some(Entry {
                        value: Json::Array(a),
                        ..
                    }) => Some((p, a.len())),
                    _ => None,
                });
            if let Some((p, len)) = array_len {
                if let Some(item) = usize::try_from(*i).ok().filter(|&i| i < len) {
                    let Some(Entry {
                        value: Json::Array(a),
                        ..
                    }) = &mut o.slots[p]
                    else {
                        unreachable!("slot {p} holds an array");
                    };
                    return Ok(&mut a[item]);
                }
                // Too short: the key as written, made afresh each time.
                o.insert_folded(self.fold, &self.key, Json::Object(Object::new()));
                return o.get_folded_mut(self.fold, &self.key).ok_or(NotSet);
            }
        }
        match o.position(self.fold, &self.key) {
            Some(i) => match &mut o.slots[i] {
                Some(e) => Ok(&mut e.value),
                None => unreachable!("position finds a key, not a hole"),
            },
            None => Ok(o.insert_new(Entry {
                fold: self.fold,
                key: self.key.clone(),
                value: Json::Object(Object::new()),
            })),
        }
    }
}

/// A variable's path below its root: `$!a!b` is `[a, b]`; `$!` is empty
/// (the whole tree).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Path {
    pub segs: Vec<Seg>,
}

impl Path {
    /// Reads the part after `$!`, `$.` or `$/`: keys separated by `!`
    /// (in every scope: `$.a.b` is the one key `a.b`, as in rsyslog).
    pub fn parse(rest: &str) -> Path {
        Path {
            segs: rest
                .split('!')
                .filter(|k| !k.is_empty())
                .map(Seg::new)
                .collect(),
        }
    }

    pub fn is_root(&self) -> bool {
        self.segs.is_empty()
    }
}

/// The value at `path` below `root`.
pub fn get<'a>(root: Option<&'a Json>, path: &Path) -> Option<&'a Json> {
    let mut at = root?;
    for s in &path.segs {
        at = s.find(at)?;
    }
    Some(at)
}

/// Why a `set` changed nothing (rsyslog: `RS_RET_INVLD_SETOP`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotSet;

/// `set` (`reset` when `force`): rsyslog's `msgAddJSON`.
///
/// - the root path merges an object into the tree (or becomes the tree);
/// - missing objects on the way are made; a step through a non-object
///   fails;
/// - a new key is added; an existing leaf is replaced, except that an
///   object leaf is not replaced by a non-object (rsyslog forbids it), and
///   an object value is merged into an existing leaf. rsyslog 8.2302
///   merges it into the *root* instead (a defect: `set $!a = $!b` with `$!a`
///   present spills `$!b`'s keys to the top); corelog merges into `$!a`.
///
/// `reset` replaces whatever is there.
pub fn set(root: &mut Option<Json>, path: &Path, value: Json, force: bool) -> Result<(), NotSet> {
    let depth = value.depth();
    set_measured(root, path, value, depth, force)
}

/// [`set`] of a value whose [`Json::depth`] is known.
pub fn set_measured(
    root: &mut Option<Json>,
    path: &Path,
    value: Json,
    depth: usize,
    force: bool,
) -> Result<(), NotSet> {
    debug_assert_eq!(depth, value.depth());
    // No tree deeper than DEPTH_MAX, whatever the rules do.
    if path.segs.len() + depth > DEPTH_MAX - 1 {
        return Err(NotSet);
    }
    let Some((leaf, parents)) = path.segs.split_last() else {
        // rsyslog merges into the tree even for `reset`; merging a
        // non-object adds nothing.
        let _ = force;
        match (root.as_mut(), value) {
            (Some(Json::Object(tree)), Json::Object(v)) => tree.merge(v),
            (Some(Json::Object(_)), _) => {}
            (_, value) => *root = Some(value),
        }
        return Ok(());
    };
    let mut at = root.get_or_insert_with(|| Json::Object(Object::new()));
    for s in parents {
        at = s.step_or_make(at)?;
    }
    let Json::Object(parent) = at else {
        return Err(NotSet);
    };
    let Some(i) = parent.position(leaf.fold, &leaf.key) else {
        parent.insert_new(Entry {
            fold: leaf.fold,
            key: leaf.key.clone(),
            value,
        });
        return Ok(());
    };
    let Some(old) = parent.slots[i].as_mut().map(|e| &mut e.value) else {
        unreachable!("position finds a key, not a hole");
    };
    match (old, value) {
        (old, value) if force => *old = value,
        (Json::Object(o), Json::Object(v)) => o.merge(v),
        (Json::Object(_), _) => return Err(NotSet),
        (old, value) => *old = value,
    }
    Ok(())
}

/// `unset`: removes the leaf (the whole tree for the root path); an array
/// element is not removed (rsyslog looks for the literal key `a[1]`).
pub fn unset(root: &mut Option<Json>, path: &Path) -> bool {
    let Some((leaf, parents)) = path.segs.split_last() else {
        return root.take().is_some();
    };
    let Some(mut at) = root.as_mut() else {
        return false;
    };
    for s in parents {
        match s.find_mut(at) {
            Some(next) => at = next,
            None => return false,
        }
    }
    match at {
        Json::Object(o) => o.remove_folded(leaf.fold, &leaf.key).is_some(),
        _ => false,
    }
}

/// Compact binary form for the disk queue: a tag byte, then the value
/// (lengths little-endian u32). Strings and keys are bytes.
pub fn encode(v: &Json, out: &mut Vec<u8>) {
    let bytes = |out: &mut Vec<u8>, b: &[u8]| {
        out.extend_from_slice(&(b.len() as u32).to_le_bytes());
        out.extend_from_slice(b);
    };
    match v {
        Json::Null => out.push(0),
        Json::Bool(b) => out.extend_from_slice(&[1, u8::from(*b)]),
        Json::Int(n) => {
            out.push(2);
            out.extend_from_slice(&n.to_le_bytes());
        }
        Json::Double(d, text) => {
            out.push(3);
            out.extend_from_slice(&d.to_le_bytes());
            bytes(out, text.as_bytes());
        }
        Json::Str(s) => {
            out.push(4);
            bytes(out, s);
        }
        Json::Array(a) => {
            out.push(5);
            out.extend_from_slice(&(a.len() as u32).to_le_bytes());
            for x in a {
                encode(x, out);
            }
        }
        Json::Object(o) => {
            out.push(6);
            out.extend_from_slice(&(o.slots.len() as u32).to_le_bytes());
            for s in &o.slots {
                match s {
                    None => out.push(0),
                    Some(e) => {
                        out.push(1);
                        bytes(out, e.key.as_bytes());
                        encode(&e.value, out);
                    }
                }
            }
        }
    }
}

/// Reads what [`encode`] wrote from the front of `input`, advancing it;
/// `None` for anything malformed.
pub fn decode(input: &mut &[u8]) -> Option<Json> {
    decode_at(input, 0)
}

fn take<'a>(input: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    if input.len() < n {
        return None;
    }
    let (a, b) = input.split_at(n);
    *input = b;
    Some(a)
}

fn take_u32(input: &mut &[u8]) -> Option<usize> {
    Some(u32::from_le_bytes(take(input, 4)?.try_into().ok()?) as usize)
}

fn decode_at(input: &mut &[u8], depth: usize) -> Option<Json> {
    if depth > DEPTH_MAX {
        return None;
    }
    Some(match take(input, 1)?[0] {
        0 => Json::Null,
        1 => Json::Bool(take(input, 1)?[0] != 0),
        2 => Json::Int(i64::from_le_bytes(take(input, 8)?.try_into().ok()?)),
        3 => {
            let d = f64::from_le_bytes(take(input, 8)?.try_into().ok()?);
            let n = take_u32(input)?;
            let text = std::str::from_utf8(take(input, n)?).ok()?;
            Json::Double(d, text.into())
        }
        4 => {
            let n = take_u32(input)?;
            Json::str(take(input, n)?)
        }
        5 => {
            let n = take_u32(input)?;
            // Each element takes at least a byte: a count beyond what is
            // left is a damaged record, not an allocation to make.
            if n > input.len() {
                return None;
            }
            let mut a = Vec::with_capacity(n);
            for _ in 0..n {
                a.push(decode_at(input, depth + 1)?);
            }
            Json::Array(a)
        }
        6 => {
            let n = take_u32(input)?;
            if n > input.len() {
                return None;
            }
            let mut slots = Vec::with_capacity(n);
            for _ in 0..n {
                slots.push(match take(input, 1)?[0] {
                    0 => None,
                    1 => {
                        let kn = take_u32(input)?;
                        let k = std::str::from_utf8(take(input, kn)?).ok()?;
                        Some(Entry::new(Key::from(k), decode_at(input, depth + 1)?))
                    }
                    _ => return None,
                });
            }
            let holes = slots.iter().filter(|s| s.is_none()).count() as u32;
            Json::Object(Object { slots, holes })
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(v: &Json) -> String {
        let mut out = Vec::new();
        v.render(&mut out, Style::Spaced);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn holes_are_refilled_and_keys_keep_their_first_spelling() {
        let mut root = None;
        for (k, v) in [("k1", 1), ("k2", 2), ("k3", 3)] {
            set(&mut root, &Path::parse(k), Json::Int(v), false).unwrap();
        }
        assert!(unset(&mut root, &Path::parse("k1")));
        set(&mut root, &Path::parse("new"), Json::str(b"n"), false).unwrap();
        set(&mut root, &Path::parse("B"), Json::str(b"upper"), false).unwrap();
        set(&mut root, &Path::parse("b"), Json::str(b"lower"), false).unwrap();
        assert_eq!(
            render(root.as_ref().unwrap()),
            r#"{ "new": "n", "k2": 2, "k3": 3, "B": "lower" }"#
        );
    }

    #[test]
    fn nested_paths_indexes_and_refusals() {
        let mut root = None;
        set(&mut root, &Path::parse("a!b"), Json::str(b"x/y\"z"), false).unwrap();
        let parsed = parse(br#"[1,"two",true,null,{"x":-0.25e3}]"#).unwrap();
        // Doubles keep their text (the serde_json number token works),
        // integers beyond 64 bits are clamped as libfastjson clamps them.
        assert_eq!(
            parse(b"[1.50, 123456789012345678901, -0]").unwrap(),
            Json::Array(vec![
                Json::Double(1.5, "1.50".into()),
                Json::Int(i64::MAX),
                Json::Int(0)
            ])
        );
        assert!(parse_strict(b"{} x").is_err());
        assert!(parse(b"{} x").is_ok());
        // serde_json's number key named by a sender is refused, not
        // rendered raw.
        assert!(parse(br#"{"a":{"$serde_json::private::Number":"1, \"admin\": true"}}"#).is_err());
        assert!(parse(br#"{"$serde_json::private::Number":"1e"}"#).is_err());
        // ... and is an ordinary key after the first.
        let after = parse(br#"{"a":1,"$serde_json::private::Number":2}"#).unwrap();
        assert_eq!(
            render(&after),
            r#"{ "a": 1, "$serde_json::private::Number": 2 }"#
        );
        for ok in ["0", "-0", "12", "1.5", "-1.50", "1e+3", "1E-7", "0.5e10"] {
            assert!(is_number_text(ok), "{ok}");
        }
        for bad in [
            "", "-", "01", "1.", ".5", "+1", "1e", "1e+", "1x", "NaN", "inf", "1 ",
        ] {
            assert!(!is_number_text(bad), "{bad}");
        }
        // No tree deeper than DEPTH_MAX.
        let deep = Path::parse(&vec!["d"; DEPTH_MAX].join("!"));
        assert_eq!(set(&mut None, &deep, Json::Int(1), false), Err(NotSet));
        // A short array: rsyslog makes the literal key and goes on into it.
        let mut r = None;
        set(&mut r, &Path::parse("a"), parse(b"[1]").unwrap(), false).unwrap();
        set(&mut r, &Path::parse("a[5]!x"), Json::Int(1), false).unwrap();
        assert_eq!(
            render(r.as_ref().unwrap()),
            r#"{ "a": [ 1 ], "a[5]": { "x": 1 } }"#
        );
        set(&mut root, &Path::parse("arr"), parsed, false).unwrap();
        assert_eq!(
            get(root.as_ref(), &Path::parse("arr[1]")).unwrap().text(),
            &b"two"[..]
        );
        assert_eq!(get(root.as_ref(), &Path::parse("arr[-1]")), None);
        assert_eq!(get(root.as_ref(), &Path::parse("arr[9]")), None);
        // A step through a string, or an object replaced by a string.
        assert_eq!(
            set(&mut root, &Path::parse("a!b!c"), Json::Int(1), false),
            Err(NotSet)
        );
        assert_eq!(
            set(&mut root, &Path::parse("a"), Json::Int(1), false),
            Err(NotSet)
        );
        assert_eq!(
            render(root.as_ref().unwrap()),
            // serde_json writes an unsigned exponent with its `+`
            // (libfastjson keeps `-0.25e3` as written).
            r#"{ "a": { "b": "x\/y\"z" }, "arr": [ 1, "two", true, null, { "x": -0.25e+3 } ] }"#
        );
        set(&mut root, &Path::parse("a"), Json::Int(1), true).unwrap();
        assert_eq!(get(root.as_ref(), &Path::parse("A")), Some(&Json::Int(1)));
    }

    #[test]
    fn doubles_print_as_c_does() {
        assert_eq!(format_double(1.5), "1.5");
        assert_eq!(format_double(250.0), "250.0");
        assert_eq!(format_double(0.1), "0.10000000000000001");
        assert_eq!(format_double(1e20), "1e+20.0");
        assert_eq!(format_double(-0.0), "-0.0");
        assert_eq!(format_double(-2.5e-7), "-2.4999999999999999e-07");
    }

    #[test]
    fn codec_round_trips_and_rejects_damage() {
        let mut root = None;
        set(
            &mut root,
            &Path::parse("a!b"),
            Json::str(b"\xff bytes"),
            false,
        )
        .unwrap();
        set(
            &mut root,
            &Path::parse("z"),
            parse(b"[1.0, null, false]").unwrap(),
            false,
        )
        .unwrap();
        unset(&mut root, &Path::parse("a"));
        let v = root.unwrap();
        let mut buf = Vec::new();
        encode(&v, &mut buf);
        let mut input = &buf[..];
        assert_eq!(decode(&mut input), Some(v));
        assert!(input.is_empty());
        for cut in 0..buf.len() {
            let mut input = &buf[..cut];
            assert_eq!(decode(&mut input), None);
        }
    }
}
