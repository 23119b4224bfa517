//! Message variables: rsyslog's `$!name` (the message's JSON tree, here kept
//! flat by path) and `$.name` (local variables), set by configuration
//! statements and read by filters and templates.
//!
//! In: `set` statements. Out: values by name. Guarantees: a message that no
//! statement touches carries no variables and pays nothing (the message holds
//! `Option<Box<Vars>>`); names are compared case-insensitively as rsyslog does.

/// Which tree a variable lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VarScope {
    /// `$!name`: message (JSON) variables, serialised with the message.
    Message,
    /// `$.name`: local variables.
    Local,
    /// `$/name`: global variables (configuration-wide; a message holds none).
    Global,
}

/// The variables of one message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vars {
    entries: Vec<(VarScope, Box<str>, Box<[u8]>)>,
}

impl Vars {
    /// The value of `name` in `scope`, if set.
    pub fn get(&self, scope: VarScope, name: &str) -> Option<&[u8]> {
        self.entries
            .iter()
            .find(|(s, n, _)| *s == scope && n.eq_ignore_ascii_case(name))
            .map(|(_, _, v)| &**v)
    }

    /// Sets `name` in `scope` to `value`, replacing an earlier value.
    pub fn set(&mut self, scope: VarScope, name: &str, value: &[u8]) {
        match self
            .entries
            .iter_mut()
            .find(|(s, n, _)| *s == scope && n.eq_ignore_ascii_case(name))
        {
            Some(e) => e.2 = value.into(),
            None => self.entries.push((scope, name.into(), value.into())),
        }
    }

    /// Removes `name` (`unset`); true if it was set.
    pub fn unset(&mut self, scope: VarScope, name: &str) -> bool {
        let before = self.entries.len();
        self.entries
            .retain(|(s, n, _)| !(*s == scope && n.eq_ignore_ascii_case(name)));
        before != self.entries.len()
    }

    /// Every variable, of every scope, in the order first set.
    pub fn all(&self) -> impl Iterator<Item = (VarScope, &str, &[u8])> {
        self.entries.iter().map(|(s, n, v)| (*s, &**n, &**v))
    }

    /// All variables of a scope, in the order they were first set.
    pub fn iter(&self, scope: VarScope) -> impl Iterator<Item = (&str, &[u8])> {
        self.entries
            .iter()
            .filter(move |(s, _, _)| *s == scope)
            .map(|(_, n, v)| (&**n, &**v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_unset() {
        let mut v = Vars::default();
        v.set(VarScope::Message, "user", b"alice");
        v.set(VarScope::Local, "user", b"bob");
        v.set(VarScope::Message, "USER", b"carol");
        assert_eq!(v.get(VarScope::Message, "user"), Some(&b"carol"[..]));
        assert_eq!(v.get(VarScope::Local, "user"), Some(&b"bob"[..]));
        assert!(v.unset(VarScope::Local, "user"));
        assert_eq!(v.get(VarScope::Local, "user"), None);
        assert_eq!(v.iter(VarScope::Message).count(), 1);
    }
}
