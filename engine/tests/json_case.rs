//! `variables.caseSensitive`: the process-wide key comparison of the
//! variable trees (rsyslog's libfastjson switch). A test binary of its
//! own, with one test, because the switch is the process's.

use corelog::msg::json::{self, Json, Path, Style};

fn render(v: &Json) -> String {
    let mut out = Vec::new();
    v.render(&mut out, Style::Plain);
    String::from_utf8_lossy(&out).into_owned()
}

/// An object of more than sixteen keys (past the builder's scan, into its
/// index), every key twice in two spellings, the second time with a new
/// value.
fn text() -> String {
    let keys: Vec<String> = (0..20).map(|i| format!("key_{i}")).collect();
    let mut parts: Vec<String> = keys.iter().map(|k| format!("\"{k}\":1")).collect();
    parts.extend(keys.iter().map(|k| format!("\"{}\":2", k.to_uppercase())));
    parts.extend(keys.iter().map(|k| format!("\"{k}\":3")));
    format!("{{{}}}", parts.join(","))
}

#[test]
fn keys_compare_byte_for_byte_when_the_switch_says_so() {
    let text = text();

    json::set_case_sensitive(true);
    let v = json::parse(text.as_bytes()).unwrap();
    let o = v.as_object().unwrap();
    assert_eq!(o.len(), 40, "KEY_1 and key_1 are two keys: {}", render(&v));
    assert_eq!(o.get("key_7"), Some(&Json::Int(3)), "the last value wins");
    assert_eq!(o.get("KEY_7"), Some(&Json::Int(2)));
    assert_eq!(o.get("Key_7"), None);
    let mut tree = Some(v.clone());
    json::set(&mut tree, &Path::parse("Key_7"), Json::Int(9), false).unwrap();
    assert_eq!(tree.as_ref().unwrap().as_object().unwrap().len(), 41);
    assert!(json::unset(&mut tree, &Path::parse("KEY_7")));
    assert!(!json::unset(&mut tree, &Path::parse("kEY_7")));

    json::set_case_sensitive(false);
    let v = json::parse(text.as_bytes()).unwrap();
    let o = v.as_object().unwrap();
    assert_eq!(o.len(), 20, "one key each, ignoring case: {}", render(&v));
    assert_eq!(o.get("KEY_7"), Some(&Json::Int(3)));
    assert!(render(&v).starts_with("{\"key_0\":3,"), "{}", render(&v));
}
