//! Who may read a path: imhttp's basic-auth (htpasswd) and API-key files.
//!
//! In: a request's `Authorization` and `X-API-Key` headers, and the path's
//! [`Access`]. Out: allowed or not. The files are read again on every
//! request, as rsyslog's imhttp reads them (a key revoked is revoked at
//! once); a file that cannot be read allows no one. Passwords are checked
//! with bcrypt (`$2a$`, `$2b$`, `$2y$`) or `{SHA}`; other hashes (apr1,
//! crypt) match no password, and the check at start says so. User names
//! compare case-insensitively, as civetweb does. bcrypt is slow on
//! purpose: at most [`BCRYPT_CHECKS_PER_SECOND`] checks run (more are
//! refused unchecked), and a password found right is remembered for a
//! while, so that a scraper's request every second costs one check.

use base64::Engine;

use crate::config::modules::imhttp::Access;

/// What a request presents.
#[derive(Debug, Default, Clone, Copy)]
pub struct Presented<'a> {
    /// The `Authorization` header's value.
    pub authorization: Option<&'a str>,
    /// The `X-API-Key` header's value.
    pub api_key: Option<&'a str>,
}

/// True when `p` may read a path guarded by `a`.
pub fn allowed(a: &Access, p: &Presented<'_>) -> bool {
    if a.basic_auth_file.is_none() && a.api_key_file.is_none() {
        return true;
    }
    if let Some(file) = &a.api_key_file {
        let key = p.api_key.or_else(|| {
            p.authorization
                .and_then(|h| h.strip_prefix("ApiKey "))
                .map(str::trim)
        });
        if let (Some(key), Ok(text)) = (key, std::fs::read_to_string(file)) {
            if api_key_matches(&text, key) {
                return true;
            }
        }
    }
    if let Some(file) = &a.basic_auth_file {
        let creds = p
            .authorization
            .and_then(|h| h.strip_prefix("Basic "))
            .and_then(|b| {
                base64::engine::general_purpose::STANDARD
                    .decode(b.trim())
                    .ok()
            })
            .and_then(|b| String::from_utf8(b).ok());
        if let (Some(creds), Ok(text)) = (creds, std::fs::read_to_string(file)) {
            if let Some((user, password)) = creds.split_once(':') {
                return password_matches(&text, user, password);
            }
        }
    }
    false
}

/// A key file: one key per line; `#` comments and blank lines skipped.
fn api_key_matches(file: &str, key: &str) -> bool {
    !key.is_empty()
        && file
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .any(|l| constant_time_eq(l.as_bytes(), key.as_bytes()))
}

/// An htpasswd file's line for `user` holds a hash `password` matches.
fn password_matches(file: &str, user: &str, password: &str) -> bool {
    file.lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(u, _)| u.eq_ignore_ascii_case(user))
        .any(|(_, hash)| verify(hash.trim(), password))
}

/// bcrypt checks allowed per second (each costs tens of milliseconds of
/// core 0): past it, a password is refused unchecked, unless it was
/// checked right a moment ago.
pub const BCRYPT_CHECKS_PER_SECOND: u32 = 10;
/// Passwords remembered as checked right (a scraper's, each second).
const REMEMBERED_MAX: usize = 16;
/// How long one is remembered.
const REMEMBERED_FOR: std::time::Duration = std::time::Duration::from_secs(300);

/// bcrypt's budget and what it found right lately.
struct Bcrypt {
    second: Option<std::time::Instant>,
    checks: u32,
    /// SHA-256 of (hash, password) checked right, and when.
    right: Vec<([u8; 32], std::time::Instant)>,
}

static BCRYPT: std::sync::Mutex<Bcrypt> = std::sync::Mutex::new(Bcrypt {
    second: None,
    checks: 0,
    right: Vec::new(),
});

/// bcrypt's check, within its budget, remembering what was right.
fn bcrypt_verify(hash: &str, password: &str) -> bool {
    budgeted(&BCRYPT, hash, password, std::time::Instant::now())
}

/// [`bcrypt_verify`] against the budget and memory in `state`, at `now`.
fn budgeted(
    state: &std::sync::Mutex<Bcrypt>,
    hash: &str,
    password: &str,
    now: std::time::Instant,
) -> bool {
    let mut key = [0u8; 32];
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(hash.as_bytes());
    ctx.update(b"\0");
    ctx.update(password.as_bytes());
    key.copy_from_slice(ctx.finish().as_ref());
    {
        let mut b = state.lock().unwrap_or_else(|e| e.into_inner());
        b.right.retain(|r| now.duration_since(r.1) < REMEMBERED_FOR);
        if b.right.iter().any(|r| constant_time_eq(&r.0, &key)) {
            return true;
        }
        let new_second = match b.second {
            Some(s) => now.duration_since(s).as_secs() >= 1,
            None => true,
        };
        if new_second {
            b.second = Some(now);
            b.checks = 0;
        }
        if b.checks >= BCRYPT_CHECKS_PER_SECOND {
            return false;
        }
        b.checks += 1;
    }
    let ok = bcrypt::verify(password, hash).unwrap_or(false);
    if ok {
        let mut b = state.lock().unwrap_or_else(|e| e.into_inner());
        if b.right.len() >= REMEMBERED_MAX {
            b.right.remove(0);
        }
        b.right.push((key, now));
    }
    ok
}

/// Checks `password` against one htpasswd hash.
fn verify(hash: &str, password: &str) -> bool {
    if let Some(sha) = hash.strip_prefix("{SHA}") {
        let digest =
            ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, password.as_bytes());
        let mine = base64::engine::general_purpose::STANDARD.encode(digest.as_ref());
        return constant_time_eq(mine.as_bytes(), sha.as_bytes());
    }
    if hash.starts_with("$2") {
        return bcrypt_verify(hash, password);
    }
    false
}

/// Why an htpasswd file cannot be used as it is (a hash kind corelogd
/// does not check), for the check at start; `None` when every line is
/// usable.
pub fn unsupported(file: &str) -> Option<String> {
    file.lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(_, h)| !(h.starts_with("{SHA}") || h.starts_with("$2")))
        .map(|(u, _)| format!("user '{u}' has a hash corelogd does not check (only bcrypt, as `htpasswd -B` writes, and {{SHA}})"))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_passwords() {
        assert!(api_key_matches("# keys\n\nk1\n  k2  \n", "k2"));
        assert!(!api_key_matches("k1\n", "k"));
        assert!(!api_key_matches("k1\n", ""));
        // `htpasswd -bs f alice secret`
        let sha = "alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n";
        assert!(password_matches(sha, "Alice", "secret"));
        assert!(!password_matches(sha, "alice", "Secret"));
        let hash = bcrypt::hash("pw", 4).unwrap();
        assert!(password_matches(&format!("bob:{hash}\n"), "bob", "pw"));
        assert!(!password_matches(&format!("bob:{hash}\n"), "bob", "px"));
        assert!(unsupported("carol:$apr1$xyz$abc\n").is_some());
        assert!(unsupported(sha).is_none());
    }

    /// bcrypt runs at most BCRYPT_CHECKS_PER_SECOND times a second (a
    /// right password past the budget is refused unchecked, unless it
    /// was found right before); the next second has a new budget.
    #[test]
    fn bcrypt_checks_are_budgeted() {
        let state = std::sync::Mutex::new(Bcrypt {
            second: None,
            checks: 0,
            right: Vec::new(),
        });
        let (known, other) = (
            bcrypt::hash("known", 4).unwrap(),
            bcrypt::hash("other", 4).unwrap(),
        );
        let t0 = std::time::Instant::now();
        assert!(budgeted(&state, &known, "known", t0));
        for _ in 1..BCRYPT_CHECKS_PER_SECOND {
            assert!(!budgeted(&state, &known, "wrong", t0));
        }
        assert!(
            !budgeted(&state, &other, "other", t0),
            "past the budget: unchecked"
        );
        assert!(budgeted(&state, &known, "known", t0), "remembered");
        let t1 = t0 + std::time::Duration::from_secs(1);
        assert!(budgeted(&state, &other, "other", t1), "a new second");
    }
}
