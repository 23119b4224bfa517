//! Message variables: rsyslog's `$!` (the message's JSON tree) and `$.`
//! (local variables, also a tree), set by configuration statements and
//! parsers, read by filters and templates. Global variables (`$/`) are not
//! the message's: see [`crate::rule::globals`].
//!
//! In: `set`/`reset`/`unset` by resolved [`Path`]. Out: values by path, the
//! trees themselves. Guarantees: a message that no statement touches
//! carries no variables and pays nothing (the message holds
//! `Option<Box<Vars>>`); names compare ASCII-case-insensitively, as in
//! rsyslog 8.2302 (`variables.caseSensitive="off"`), or byte for byte
//! (`"on"`, see [`json::set_case_sensitive`]).

use super::json::{self, Json, NotSet, Path};

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
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vars {
    /// `$!`; `None` until something is set (then `%$!%` renders `{ … }`).
    pub message: Option<Json>,
    /// `$.`.
    pub local: Option<Json>,
    /// `$parsesuccess`: what mmjsonparse said (`FAIL` until it says `OK`).
    pub parse_success: bool,
    /// What the values set so far weigh, at most (values replaced are not
    /// taken off): bounded by [`json::VARS_WEIGHT_MAX`].
    pub weight: usize,
}

impl Vars {
    /// The tree of `scope` (`Global` has none here).
    pub fn root(&self, scope: VarScope) -> Option<&Json> {
        match scope {
            VarScope::Message => self.message.as_ref(),
            VarScope::Local => self.local.as_ref(),
            VarScope::Global => None,
        }
    }

    fn root_mut(&mut self, scope: VarScope) -> Option<&mut Option<Json>> {
        match scope {
            VarScope::Message => Some(&mut self.message),
            VarScope::Local => Some(&mut self.local),
            VarScope::Global => None,
        }
    }

    /// The value at `path` in `scope`, if set.
    pub fn get(&self, scope: VarScope, path: &Path) -> Option<&Json> {
        json::get(self.root(scope), path)
    }

    /// `set` (`reset` when `force`); see [`json::set`].
    pub fn set(
        &mut self,
        scope: VarScope,
        path: &Path,
        value: Json,
        force: bool,
    ) -> Result<(), NotSet> {
        let (depth, w) = value.measure();
        debug_assert_eq!((depth, w), (value.depth(), value.weight()));
        if self.weight.saturating_add(w) > json::VARS_WEIGHT_MAX {
            return Err(NotSet);
        }
        let root = self.root_mut(scope).ok_or(NotSet)?;
        json::set_measured(root, path, value, depth, force)?;
        self.weight += w;
        Ok(())
    }

    /// `unset`; true if something was removed.
    pub fn unset(&mut self, scope: VarScope, path: &Path) -> bool {
        let removed = self.root_mut(scope).is_some_and(|r| json::unset(r, path));
        if removed && path.is_root() {
            self.weight = self
                .message
                .iter()
                .chain(&self.local)
                .map(Json::weight)
                .sum();
        }
        removed
    }

    /// Whether nothing is set in either tree.
    pub fn is_empty(&self) -> bool {
        self.message.is_none() && self.local.is_none() && !self.parse_success
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_unset() {
        let mut v = Vars::default();
        let user = Path::parse("user");
        v.set(VarScope::Message, &user, Json::str(b"alice"), false)
            .unwrap();
        v.set(VarScope::Local, &user, Json::str(b"bob"), false)
            .unwrap();
        v.set(
            VarScope::Message,
            &Path::parse("USER"),
            Json::str(b"carol"),
            false,
        )
        .unwrap();
        assert_eq!(v.get(VarScope::Message, &user), Some(&Json::str(b"carol")));
        assert_eq!(v.get(VarScope::Local, &user), Some(&Json::str(b"bob")));
        assert!(v.unset(VarScope::Local, &user));
        assert_eq!(v.get(VarScope::Local, &user), None);
        assert!(v.set(VarScope::Global, &user, Json::Null, false).is_err());
        // A message's variables are bounded.
        let big = Json::Str(vec![b'x'; json::VARS_WEIGHT_MAX / 2].into());
        assert!(v
            .set(VarScope::Local, &Path::parse("a"), big.clone(), false)
            .is_ok());
        assert!(v
            .set(VarScope::Local, &Path::parse("b"), big, false)
            .is_err());
    }
}
