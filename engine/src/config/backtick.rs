//! Backtick strings: `` `echo …` `` and `` `cat FILE` ``, the two shell
//! forms rsyslog 8.2302 allows in a configuration, evaluated once when the
//! configuration is read.
//!
//! In: the text between the backticks (escapes already resolved). Out: the
//! string it stands for, or an error saying why there is none. rsyslog
//! replaces an unreadable file or another command by a placeholder or `""`
//! and logs an error; corelog refuses the configuration instead, at the
//! string's position, so that nothing silently becomes empty. No shell is
//! run: `echo` expands `$NAME` from the environment (a name ends at a blank
//! or `/`, as in rsyslog), `cat` reads the file whole.

/// What the backtick string `text` stands for.
pub fn expand(text: &str) -> Result<String, String> {
    if let Some(rest) = text.strip_prefix("echo ") {
        return Ok(echo(rest));
    }
    if let Some(path) = text.strip_prefix("cat ") {
        return std::fs::read(path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .map_err(|e| format!("backtick `cat {path}`: the file cannot be read: {e}"));
    }
    Err(format!(
        "backtick string `{text}`: only `echo …` and `cat FILE` are allowed (as in rsyslog); no shell is run"
    ))
}

/// `echo`'s text with each `$NAME` replaced by the variable's value (empty
/// when it is not set).
fn echo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let mut name = String::new();
        while let Some(&n) = chars.peek() {
            if n.is_whitespace() || n == '/' {
                break;
            }
            name.push(n);
            chars.next();
        }
        out.push_str(&std::env::var(&name).unwrap_or_default());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_cat_and_the_rest() {
        std::env::set_var("CORELOG_BACKTICK_TEST", "value");
        assert_eq!(
            expand("echo a $CORELOG_BACKTICK_TEST/x $CORELOG_NOT_SET_AT_ALL b").unwrap(),
            "a value/x  b"
        );
        let dir = std::env::temp_dir().join(format!("backtick-{}", std::process::id()));
        std::fs::write(&dir, "from a file\n").unwrap();
        assert_eq!(
            expand(&format!("cat {}", dir.display())).unwrap(),
            "from a file\n"
        );
        std::fs::remove_file(&dir).unwrap();
        assert!(expand(&format!("cat {}", dir.display())).is_err());
        assert!(expand("rm -rf /").unwrap_err().contains("only `echo"));
    }
}
