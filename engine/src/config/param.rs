//! Parameter declarations, their value parsers, and their resolution into
//! typed values.
//!
//! In: a module's [`Table`]s (every parameter rsyslog 8.2302 has for it:
//! name, [`Type`], rsyslog's default, legacy `$Directive`, corelog's
//! [`Status`]) and the parameters a configuration gave, in layers (the
//! object's own, then its module's `module()` values, then legacy
//! directives). Out: a [`Resolved`] that the module's resolver reads into
//! its typed config struct, and every error and warning, each at the
//! parameter's file:line:column.
//!
//! Guarantees:
//! - an unknown name, a value that does not parse (one parser per
//!   [`Type`], with rsyslog's spellings) and a *refused* parameter are
//!   errors, never a silent default;
//! - a parameter *accepted with a warning* warns, and only tables whose
//!   reason says why ignoring it cannot change what is delivered, to whom
//!   or how securely may use that status;
//! - [`Resolved::finish`] asserts that the module's resolver read every
//!   *supported* parameter of its tables, so a supported parameter that no
//!   code carries out is a bug caught by every load (and by the
//!   table-driven test), not a silent drop.

use std::cell::RefCell;
use std::fmt;

use super::ast::Value;
use super::{suggestion, ConfigError, Pos};

/// What a parameter's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// `on`/`off` (also `yes`/`no`, `true`/`false`, `1`/`0`).
    Bool,
    /// A whole number in `min..=max`.
    Int { min: i64, max: i64 },
    /// A size: digits with an optional rsyslog suffix (`k`, `m`, `g`, `t`
    /// are powers of 1024; `K`, `M`, `G`, `T` powers of 1000), in
    /// `min..=max`.
    Size { min: i64, max: i64 },
    /// A whole number of the unit, in `min..=max`.
    Duration { unit: Unit, min: i64, max: i64 },
    /// One of these names, case-insensitive; read back as its index.
    Enum(&'static [&'static str]),
    /// Any text.
    Str,
    /// A file or directory path.
    Path,
    /// An octal file mode with a leading 0 (`0644`).
    Mode,
    /// Exactly one character.
    Char,
    /// A UTC offset, `+hh:mm` or `-hh:mm` (rsyslog's `defaultTZ` and
    /// `timezone(offset=)`).
    Offset,
    /// A port number, or several separated by commas (`514,10514`).
    Ports,
    /// A severity, by name (`warning`) or number (0–7; 8 means none).
    Severity,
    /// A facility, by name (`local0`) or number (0–23).
    Facility,
    /// A template's name (checked to exist by the builder).
    Template,
    /// A ruleset's name (checked to exist by the builder).
    Ruleset,
    /// One string or an array of them (`["a", "b"]`).
    Array,
}

/// `+hh:mm`/`-hh:mm`: (negative, hours, minutes), as rsyslog checks a
/// `timezone()` offset (hours up to 23, minutes up to 59).
pub fn parse_offset(t: &str) -> Option<(bool, u8, u8)> {
    let b = t.as_bytes();
    let digit = |c: u8| c.is_ascii_digit().then(|| c - b'0');
    if b.len() != 6 || b[3] != b':' {
        return None;
    }
    let neg = match b[0] {
        b'+' => false,
        b'-' => true,
        _ => return None,
    };
    let h = digit(b[1])? * 10 + digit(b[2])?;
    let m = digit(b[4])? * 10 + digit(b[5])?;
    (h <= 23 && m <= 59).then_some((neg, h, m))
}

/// Any 32-bit whole number, as rsyslog's plain integers.
pub const INT: Type = Type::Int {
    min: i32::MIN as i64,
    max: i32::MAX as i64,
};
/// rsyslog's `NonNegInt`.
pub const NON_NEG: Type = Type::Int {
    min: 0,
    max: i32::MAX as i64,
};
/// rsyslog's `PositiveInt`.
pub const POSITIVE: Type = Type::Int {
    min: 1,
    max: i32::MAX as i64,
};
/// A port to send to.
pub const PORT: Type = Type::Int {
    min: 1,
    max: u16::MAX as i64,
};
/// Milliseconds, as rsyslog's queue and shutdown timeouts.
pub const MS: Type = Type::Duration {
    unit: Unit::Milliseconds,
    min: 0,
    max: i32::MAX as i64,
};
/// Seconds.
pub const SECONDS: Type = Type::Duration {
    unit: Unit::Seconds,
    min: 0,
    max: i32::MAX as i64,
};

/// The unit of a [`Type::Duration`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Microseconds,
    Milliseconds,
    Seconds,
    Minutes,
}

impl Unit {
    pub fn name(self) -> &'static str {
        match self {
            Unit::Microseconds => "microseconds",
            Unit::Milliseconds => "milliseconds",
            Unit::Seconds => "seconds",
            Unit::Minutes => "minutes",
        }
    }
}

/// What corelog does with a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// It reaches a typed field that the runtime uses.
    Supported,
    /// An error at file:line:column with this reason, unless the value
    /// given asks for what corelog does anyway (the default).
    Refused(&'static str),
    /// Valid, with a warning giving this reason (why ignoring it cannot
    /// change what is delivered, to whom, or how securely), unless the
    /// value given is the default.
    Warned(&'static str),
}

/// One parameter of one object or module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// rsyslog's spelling; compared case-insensitively.
    pub name: &'static str,
    pub ty: Type,
    /// rsyslog's default as a user would write it ("" when there is none
    /// or it depends on other settings; [`Param::default_note`] says).
    pub default: &'static str,
    /// What the default depends on, for the reference, when it is not one
    /// value.
    pub default_note: &'static str,
    /// The legacy `$Directive` that sets the same thing.
    pub legacy: Option<&'static str>,
    pub status: Status,
    /// A valid value that is not the default, for the table-driven test
    /// when the one derived from the type would not do.
    pub sample: Option<&'static str>,
}

impl Param {
    /// A supported parameter.
    pub const fn new(name: &'static str, ty: Type, default: &'static str) -> Param {
        Param {
            name,
            ty,
            default,
            default_note: "",
            legacy: None,
            status: Status::Supported,
            sample: None,
        }
    }

    pub const fn legacy(mut self, directive: &'static str) -> Param {
        self.legacy = Some(directive);
        self
    }

    pub const fn refused(mut self, why: &'static str) -> Param {
        self.status = Status::Refused(why);
        self
    }

    pub const fn warned(mut self, why: &'static str) -> Param {
        self.status = Status::Warned(why);
        self
    }

    pub const fn sample(mut self, value: &'static str) -> Param {
        self.sample = Some(value);
        self
    }

    pub const fn note(mut self, note: &'static str) -> Param {
        self.default_note = note;
        self
    }

    /// The default, parsed (`None` when it has none).
    pub fn default_value(&self) -> Option<Val> {
        if self.default.is_empty() {
            return None;
        }
        match parse(self.ty, &Value::Str(self.default.to_string())) {
            Ok(v) => Some(v),
            Err(e) => panic!("the default of {} does not parse: {e}", self.name),
        }
    }
}

/// A module's or object's parameters.
#[derive(Debug)]
pub struct Table {
    /// What a user writes (`input(type="imtcp")`), for messages and the
    /// reference.
    pub object: &'static str,
    pub params: &'static [Param],
}

impl Table {
    pub fn find(&self, name: &str) -> Option<&'static Param> {
        self.params
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }
}

/// A parsed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Bool(bool),
    /// Ints, sizes, durations (in their unit), modes, severities, and
    /// enums (the index of the name).
    Int(i64),
    /// Strings, paths, template and ruleset names, characters.
    Str(String),
    /// Ports and arrays.
    List(Vec<String>),
}

/// Why a value does not parse: what is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError(pub String);

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses `v` as a value of `ty`.
pub fn parse(ty: Type, v: &Value) -> Result<Val, ValueError> {
    if matches!(v, Value::Array(_)) && !matches!(ty, Type::Array | Type::Ports) {
        return Err(ValueError(
            "one value, not an array (this parameter takes one)".into(),
        ));
    }
    let text = v.text();
    let t = text.trim();
    let err = |allowed: String| Err(ValueError(allowed));
    match ty {
        Type::Bool => match parse_bool(t) {
            Some(b) => Ok(Val::Bool(b)),
            None => err("\"on\" or \"off\"".into()),
        },
        Type::Int { min, max } => match int_value(v) {
            Some(n) if (min..=max).contains(&n) => Ok(Val::Int(n)),
            _ => err(format!("a whole number {}", range(min, max))),
        },
        Type::Size { min, max } => match parse_size(t) {
            Some(n) if (min..=max).contains(&n) => Ok(Val::Int(n)),
            _ => err(format!(
                "a size such as 512, 64k or 8m (k, m, g: ×1024; K, M, G: ×1000) {}",
                range(min, max)
            )),
        },
        Type::Duration { unit, min, max } => match int_value(v) {
            Some(n) if (min..=max).contains(&n) => Ok(Val::Int(n)),
            _ => err(format!("a number of {} {}", unit.name(), range(min, max))),
        },
        Type::Enum(names) => match names.iter().position(|n| n.eq_ignore_ascii_case(t)) {
            Some(i) => Ok(Val::Int(i as i64)),
            None => err(format!(
                "one of {}{}",
                names.join(", "),
                suggestion(t, names.iter().copied())
            )),
        },
        Type::Str | Type::Template | Type::Ruleset => Ok(Val::Str(text)),
        Type::Path => {
            if t.is_empty() || t.contains('\0') {
                err("a path".into())
            } else {
                Ok(Val::Str(t.to_string()))
            }
        }
        Type::Mode => match parse_mode(t) {
            Some(m) => Ok(Val::Int(i64::from(m))),
            None => err("an octal file mode with a leading 0, such as 0644".into()),
        },
        Type::Char => match text.as_bytes() {
            [_] => Ok(Val::Str(text)),
            _ => err("exactly one character".into()),
        },
        Type::Offset => match parse_offset(t) {
            Some(_) => Ok(Val::Str(t.to_string())),
            None => err("a UTC offset as +hh:mm or -hh:mm (hours 0..23, minutes 0..59)".into()),
        },
        Type::Ports => {
            let ports: Vec<String> = t
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(String::from)
                .collect();
            if !ports.is_empty() && ports.iter().all(|p| p.parse::<u16>().is_ok()) {
                Ok(Val::List(ports))
            } else {
                err("a port number (0–65535), or several separated by commas".into())
            }
        }
        Type::Severity => match crate::msg::pri::severity_from_name(t) {
            Some(s) => Ok(Val::Int(i64::from(s))),
            None => match t.parse::<i64>() {
                Ok(n) if (0..=8).contains(&n) => Ok(Val::Int(n)),
                _ => err("a severity name (emerg … debug) or number 0–7 (8: none)".into()),
            },
        },
        Type::Facility => match crate::msg::pri::facility_from_name(t).filter(|&f| f < 24) {
            Some(f) => Ok(Val::Int(i64::from(f))),
            None => match t.parse::<i64>() {
                Ok(n) if (0..=23).contains(&n) => Ok(Val::Int(n)),
                _ => err("a facility name (kern … local7) or number 0–23".into()),
            },
        },
        Type::Array => Ok(Val::List(match v {
            Value::Array(a) => a.clone(),
            other => vec![other.text()],
        })),
    }
}

fn int_value(v: &Value) -> Option<i64> {
    match v {
        Value::Num(n) => Some(*n),
        other => other.text().trim().parse().ok(),
    }
}

fn range(min: i64, max: i64) -> String {
    match (min, max) {
        (i64::MIN, i64::MAX) => String::new(),
        (min, i64::MAX) => format!("of at least {min}"),
        (min, max) => format!("from {min} to {max}"),
    }
}

/// A size as rsyslog writes it: digits, then optionally one of `k m g t p
/// e` (powers of 1024) or `K M G T P E` (powers of 1000). A leading `-`
/// is allowed for parameters whose range takes it (-1 often means
/// "unset").
pub fn parse_size(s: &str) -> Option<i64> {
    let s = s.trim();
    let (digits, mult): (&str, i64) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m = match c {
                'k' => 1 << 10,
                'm' => 1 << 20,
                'g' => 1 << 30,
                't' => 1 << 40,
                'p' => 1 << 50,
                'e' => 1 << 60,
                'K' => 1_000,
                'M' => 1_000_000,
                'G' => 1_000_000_000,
                'T' => 1_000_000_000_000,
                'P' => 1_000_000_000_000_000,
                'E' => 1_000_000_000_000_000_000,
                _ => return None,
            };
            (&s[..i], m)
        }
        _ => (s, 1),
    };
    digits.parse::<i64>().ok()?.checked_mul(mult)
}

/// rsyslog's binary values, `on`/`off`, and the spellings people write
/// for them: `yes`/`no`, `true`/`false`, `1`/`0`; case-insensitive.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "on" | "yes" | "1" | "true" => Some(true),
        "off" | "no" | "0" | "false" => Some(false),
        _ => None,
    }
}

/// An octal mode with a leading 0, 4 or 5 digits (`0644`, `01777`).
pub fn parse_mode(s: &str) -> Option<u32> {
    let ok = s.starts_with('0') && (2..=5).contains(&s.len());
    u32::from_str_radix(s, 8)
        .ok()
        .filter(|m| ok && *m <= 0o7777)
}

/// A parameter as a configuration gave it.
#[derive(Debug, Clone)]
pub struct Given {
    /// As written (for messages).
    pub name: String,
    pub value: Value,
    pub pos: Pos,
}

impl Given {
    pub fn new(name: &str, value: &str, pos: Pos) -> Given {
        Given {
            name: name.to_string(),
            value: Value::Str(value.to_string()),
            pos,
        }
    }
}

/// Errors and warnings found while resolving.
#[derive(Debug, Default)]
pub struct Diag {
    pub errors: Vec<ConfigError>,
    pub warnings: Vec<ConfigError>,
}

impl Diag {
    pub fn err(&mut self, pos: Pos, msg: impl Into<String>) {
        self.errors.push(ConfigError::new(pos, msg));
    }

    pub fn warn(&mut self, pos: Pos, msg: impl Into<String>) {
        self.warnings.push(ConfigError::new(pos, msg));
    }
}

/// One table's parameter with what was given for it.
#[derive(Debug)]
struct Slot {
    param: &'static Param,
    given: Option<(Val, Pos)>,
}

/// The parameters of one object, typed, for its module's resolver to read.
#[derive(Debug)]
pub struct Resolved {
    what: String,
    pos: Pos,
    slots: Vec<Slot>,
    /// Which slots the resolver has read.
    read: RefCell<Vec<bool>>,
    /// What the resolver found worth saying about the values it read.
    warnings: RefCell<Vec<ConfigError>>,
}

impl Resolved {
    /// Resolves `layers` (highest priority first; within a layer, a later
    /// entry replaces an earlier one) against `tables`. Entries of the
    /// first layer must all be known; entries of the others (module and
    /// legacy defaults) apply only where they name a parameter of
    /// `tables`.
    pub fn new(
        what: &str,
        pos: Pos,
        tables: &[&'static Table],
        layers: &[&[Given]],
        diag: &mut Diag,
    ) -> Resolved {
        let mut slots: Vec<Slot> = Vec::new();
        for t in tables {
            for p in t.params {
                debug_assert!(
                    !slots
                        .iter()
                        .any(|s| s.param.name.eq_ignore_ascii_case(p.name)),
                    "{} is declared twice for {what}",
                    p.name
                );
                slots.push(Slot {
                    param: p,
                    given: None,
                });
            }
        }
        let n = slots.len();
        let mut r = Resolved {
            what: what.to_string(),
            pos,
            slots,
            read: RefCell::new(vec![false; n]),
            warnings: RefCell::new(Vec::new()),
        };
        for (depth, layer) in layers.iter().enumerate() {
            let mut set_here = vec![false; n];
            for g in layer.iter() {
                let Some(i) = r.index(&g.name) else {
                    if depth == 0 {
                        let hint = suggestion(&g.name, r.slots.iter().map(|s| s.param.name));
                        diag.err(
                            g.pos,
                            format!("unknown parameter '{}' in {what}{hint}", g.name),
                        );
                    }
                    continue;
                };
                if r.slots[i].given.is_some() && !set_here[i] {
                    continue; // a higher layer set it
                }
                let p = r.slots[i].param;
                match parse(p.ty, &g.value) {
                    Ok(v) => {
                        // The lower layers were checked where they were
                        // written (module(), the directive).
                        if depth == 0 {
                            check_status(p, &v, g, what, diag);
                        }
                        r.slots[i].given = Some((v, g.pos));
                        set_here[i] = true;
                    }
                    Err(e) => diag.err(
                        g.pos,
                        format!(
                            "{}=\"{}\" in {what} is not valid: expected {e}",
                            g.name,
                            g.value.text()
                        ),
                    ),
                }
            }
        }
        r
    }

    /// What the object is, for messages (`input(type="imtcp")`).
    pub fn what(&self) -> &str {
        &self.what
    }

    /// Where the object is.
    pub fn pos(&self) -> Pos {
        self.pos
    }

    /// Whether `name` was given (in any layer).
    pub fn given(&self, name: &str) -> bool {
        let i = self.slot(name);
        self.slots[i].given.is_some()
    }

    /// Where `name` was given, else where the object is.
    pub fn pos_of(&self, name: &str) -> Pos {
        let i = self.slot(name);
        self.slots[i].given.as_ref().map_or(self.pos, |g| g.1)
    }

    pub fn bool(&self, name: &str) -> bool {
        match self.value(name) {
            Some(Val::Bool(b)) => b,
            other => self.mistyped(name, other),
        }
    }

    /// An int, size, duration, mode or severity; `None` when neither given
    /// nor defaulted.
    pub fn opt_int(&self, name: &str) -> Option<i64> {
        match self.value(name) {
            Some(Val::Int(n)) => Some(n),
            None => None,
            other => self.mistyped(name, other),
        }
    }

    /// [`Resolved::opt_int`] for a parameter with a default.
    pub fn int(&self, name: &str) -> i64 {
        match self.opt_int(name) {
            Some(n) => n,
            None => panic!(
                "{name} of {} has no default: read it with opt_int",
                self.what
            ),
        }
    }

    /// The index of an enum's value in its [`Type::Enum`] names.
    pub fn choice(&self, name: &str) -> usize {
        self.int(name) as usize
    }

    /// A string, path, character, template or ruleset name.
    pub fn opt_str(&self, name: &str) -> Option<String> {
        match self.value(name) {
            Some(Val::Str(s)) => Some(s),
            None => None,
            other => self.mistyped(name, other),
        }
    }

    /// The value of `name` if it was given (in any layer); the parameter
    /// counts as read either way.
    pub fn given_int(&self, name: &str) -> Option<i64> {
        let v = self.opt_int(name);
        self.given(name).then_some(v).flatten()
    }

    /// [`Resolved::given_int`] for a boolean.
    pub fn given_bool(&self, name: &str) -> Option<bool> {
        let v = self.bool(name);
        self.given(name).then_some(v)
    }

    /// [`Resolved::given_int`] for a string.
    pub fn given_str(&self, name: &str) -> Option<String> {
        let v = self.opt_str(name);
        self.given(name).then_some(v).flatten()
    }

    /// Ports or an array (empty when neither given nor defaulted).
    pub fn list(&self, name: &str) -> Vec<String> {
        match self.value(name) {
            Some(Val::List(l)) => l,
            None => Vec::new(),
            other => self.mistyped(name, other),
        }
    }

    /// A warning at `name` (where it was given) from the resolver, about
    /// the values it read (a size raised to a floor, a setting that has no
    /// effect beside another).
    pub fn warn(&self, name: &str, msg: impl Into<String>) {
        let pos = self.pos_of(name);
        self.warnings.borrow_mut().push(ConfigError::new(pos, msg));
    }

    /// The resolver's warnings.
    pub fn take_warnings(&self) -> Vec<ConfigError> {
        std::mem::take(&mut *self.warnings.borrow_mut())
    }

    /// Marks `name` as read where its value is handled by other means (an
    /// object's `type`, which chose the table).
    pub fn consumed(&self, name: &str) {
        let i = self.slot(name);
        self.read.borrow_mut()[i] = true;
    }

    /// Asserts that every supported parameter of the tables was read: a
    /// supported parameter that no resolver reads would be accepted and
    /// silently ignored.
    pub fn finish(self) {
        let read = self.read.borrow();
        let unread: Vec<&str> = self
            .slots
            .iter()
            .zip(read.iter())
            .filter(|(s, r)| s.param.status == Status::Supported && !**r)
            .map(|(s, _)| s.param.name)
            .collect();
        assert!(
            unread.is_empty(),
            "{}: the tables call {unread:?} supported, but its resolver never reads them",
            self.what
        );
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.slots
            .iter()
            .position(|s| s.param.name.eq_ignore_ascii_case(name))
    }

    fn slot(&self, name: &str) -> usize {
        match self.index(name) {
            Some(i) => i,
            None => panic!("{name} is not a parameter of {}", self.what),
        }
    }

    fn value(&self, name: &str) -> Option<Val> {
        let i = self.slot(name);
        self.read.borrow_mut()[i] = true;
        match &self.slots[i].given {
            Some((v, _)) => Some(v.clone()),
            None => self.slots[i].param.default_value(),
        }
    }

    fn mistyped(&self, name: &str, v: Option<Val>) -> ! {
        panic!("{name} of {} is read as the wrong type: {v:?}", self.what)
    }
}

fn check_status(p: &Param, v: &Val, g: &Given, what: &str, diag: &mut Diag) {
    let is_default = match (p.default_value(), v) {
        // Names and modes are compared as rsyslog compares them.
        (Some(Val::Str(d)), Val::Str(v)) => d.eq_ignore_ascii_case(v),
        (d, v) => d.as_ref() == Some(v),
    };
    match p.status {
        Status::Supported => {}
        Status::Refused(_) | Status::Warned(_) if is_default => {}
        Status::Refused(why) => diag.err(
            g.pos,
            format!(
                "{}=\"{}\" in {what} is not supported by corelog: {why}",
                g.name,
                g.value.text()
            ),
        ),
        Status::Warned(why) => diag.warn(
            g.pos,
            format!("{} in {what} has no effect in corelog: {why}", g.name),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static T: Table = Table {
        object: "input(type=\"t\")",
        params: &[
            Param::new("keepAlive", Type::Bool, "off"),
            Param::new("maxSessions", Type::Int { min: 1, max: 10 }, "5"),
            Param::new("mode", Type::Enum(&["truncate", "abort"]), "truncate"),
            Param::new("tls", Type::Bool, "off").refused("no TLS yet"),
            Param::new("threads", Type::Int { min: 1, max: 64 }, "1").warned("cores are used"),
        ],
    };

    fn given(name: &str, v: &str) -> Given {
        Given::new(
            name,
            v,
            Pos {
                file: 0,
                line: 1,
                col: 2,
            },
        )
    }

    #[test]
    fn values_reach_their_reader_and_bad_ones_are_errors() {
        let mut d = Diag::default();
        let own = [given("KEEPALIVE", "on"), given("maxsessions", "11")];
        let r = Resolved::new("t", Pos::default(), &[&T], &[&own], &mut d);
        assert!(r.bool("keepAlive"));
        assert_eq!(r.int("maxSessions"), 5, "a bad value is not kept");
        assert_eq!(d.errors.len(), 1);
        assert!(
            d.errors[0].message.contains("from 1 to 10"),
            "{:?}",
            d.errors
        );
    }

    #[test]
    fn refused_and_warned_unless_the_default() {
        let mut d = Diag::default();
        let own = [given("tls", "off"), given("threads", "1")];
        Resolved::new("t", Pos::default(), &[&T], &[&own], &mut d);
        assert!(d.errors.is_empty() && d.warnings.is_empty());
        let own = [given("tls", "yes"), given("threads", "4")];
        Resolved::new("t", Pos::default(), &[&T], &[&own], &mut d);
        assert!(d.errors[0]
            .message
            .contains("not supported by corelog: no TLS yet"));
        assert!(d.warnings[0].message.contains("cores are used"));
    }

    #[test]
    fn layers_fill_what_the_object_did_not_give() {
        let mut d = Diag::default();
        let own = [given("mode", "ABORT")];
        let module = [given("mode", "truncate"), given("maxSessions", "7")];
        let legacy = [given("maxSessions", "8"), given("unknown", "x")];
        let r = Resolved::new(
            "t",
            Pos::default(),
            &[&T],
            &[&own, &module, &legacy],
            &mut d,
        );
        assert_eq!(r.choice("mode"), 1);
        assert_eq!(r.int("maxSessions"), 7);
        assert!(d.errors.is_empty(), "{:?}", d.errors);
    }

    #[test]
    #[should_panic(expected = "never reads")]
    fn finish_catches_an_unread_supported_parameter() {
        let mut d = Diag::default();
        let r = Resolved::new("t", Pos::default(), &[&T], &[], &mut d);
        r.bool("keepAlive");
        r.finish();
    }

    #[test]
    fn sizes_as_rsyslog() {
        assert_eq!(parse_size("10m"), Some(10 << 20));
        assert_eq!(parse_size("10M"), Some(10_000_000));
        assert_eq!(parse_size("1g"), Some(1 << 30));
        assert_eq!(parse_size("64k"), Some(65_536));
        assert_eq!(parse_size("-1"), Some(-1));
        assert_eq!(parse_size("1x"), None);
        assert_eq!(parse_mode("0644"), Some(0o644));
        assert_eq!(parse_mode("644"), None);
    }
}
