//! Property tests of the variable tree (`$!`, `$.`, `$/`) against a naive
//! reference: random `set`/`reset`/`unset` sequences on one- and two-level
//! paths, then every path read back, the tree rendered and parsed again,
//! and encoded for the disk queue and decoded.

use std::collections::BTreeMap;

use corelog::msg::json::{self, Json, Path, Style};
use proptest::prelude::*;

/// Keys differ only in case sometimes, so that case-insensitivity is hit;
/// some share their first seven bytes (what a lookup compares first), and
/// one is longer than a key kept inline.
fn key() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "a",
        "A",
        "b",
        "user",
        "USER",
        "x_1",
        "é",
        "request_id",
        "REQUEST_ID",
        "request_ip",
        "Request_Ip_Of_The_Client_As_Sent",
        "request_ip_of_the_client_as_sent",
    ])
    .prop_map(String::from)
}

fn scalar() -> impl Strategy<Value = Json> {
    prop_oneof![
        any::<i64>().prop_map(Json::Int),
        any::<bool>().prop_map(Json::Bool),
        Just(Json::Null),
        prop::collection::vec(any::<u8>(), 0..40).prop_map(|b| Json::Str(b.into())),
    ]
}

#[derive(Debug, Clone)]
enum Op {
    Set(Vec<String>, Json, bool),
    Unset(Vec<String>),
}

fn op() -> impl Strategy<Value = Op> {
    let path = || prop::collection::vec(key(), 1..3);
    prop_oneof![
        3 => (path(), scalar(), any::<bool>()).prop_map(|(p, v, f)| Op::Set(p, v, f)),
        1 => path().prop_map(Op::Unset),
    ]
}

/// The reference: an object as an ordered list with holes, keys compared
/// in lower case; values either scalars or nested references.
#[derive(Debug, Clone, Default)]
struct RefObj(Vec<Option<(String, RefVal)>>);

#[derive(Debug, Clone)]
enum RefVal {
    Scalar(Json),
    Obj(RefObj),
}

impl RefObj {
    fn pos(&self, k: &str) -> Option<usize> {
        self.0.iter().position(|s| {
            s.as_ref()
                .is_some_and(|(n, _)| n.to_lowercase() == k.to_lowercase())
        })
    }
    fn get_mut(&mut self, k: &str) -> Option<&mut RefVal> {
        let i = self.pos(k)?;
        self.0[i].as_mut().map(|(_, v)| v)
    }
    fn insert(&mut self, k: &str, v: RefVal) {
        if let Some(slot) = self.get_mut(k) {
            *slot = v;
        } else if let Some(h) = self.0.iter_mut().find(|s| s.is_none()) {
            *h = Some((k.into(), v));
        } else {
            self.0.push(Some((k.into(), v)));
        }
    }
    fn apply(&mut self, op: &Op) {
        match op {
            Op::Set(p, v, force) => {
                let mut at = self;
                for k in &p[..p.len() - 1] {
                    if at.pos(k).is_none() {
                        at.insert(k, RefVal::Obj(RefObj::default()));
                    }
                    match at.get_mut(k) {
                        Some(RefVal::Obj(o)) => at = o,
                        _ => return,
                    }
                }
                let leaf = &p[p.len() - 1];
                match at.get_mut(leaf) {
                    Some(RefVal::Obj(_)) if !force => {}
                    _ => at.insert(leaf, RefVal::Scalar(v.clone())),
                }
            }
            Op::Unset(p) => {
                let mut at = self;
                for k in &p[..p.len() - 1] {
                    match at.get_mut(k) {
                        Some(RefVal::Obj(o)) => at = o,
                        _ => return,
                    }
                }
                if let Some(i) = at.pos(&p[p.len() - 1]) {
                    at.0[i] = None;
                }
            }
        }
    }
    fn to_json(&self) -> Json {
        let mut o = json::Object::new();
        for (k, v) in self.0.iter().flatten() {
            o.insert(
                k,
                match v {
                    RefVal::Scalar(s) => s.clone(),
                    RefVal::Obj(r) => r.to_json(),
                },
            );
        }
        Json::Object(o)
    }
}

fn path(p: &[String]) -> Path {
    Path::parse(&p.join("!"))
}

proptest! {
    #[test]
    fn set_unset_get_render_round_trip(ops in prop::collection::vec(op(), 0..40)) {
        let mut tree: Option<Json> = None;
        let mut reference = RefObj::default();
        let mut touched = false;
        for op in &ops {
            match op {
                Op::Set(p, v, force) => {
                    let _ = json::set(&mut tree, &path(p), v.clone(), *force);
                    touched = true;
                }
                Op::Unset(p) => {
                    json::unset(&mut tree, &path(p));
                }
            }
            reference.apply(op);
        }
        if !touched {
            prop_assert!(tree.is_none());
            return Ok(());
        }
        let tree = tree.unwrap();
        // Same values in the same order (holes refilled the same way).
        let mut ours = Vec::new();
        tree.render(&mut ours, Style::Plain);
        let mut theirs = Vec::new();
        reference.to_json().render(&mut theirs, Style::Plain);
        prop_assert_eq!(&ours, &theirs);
        // Every path the operations named reads back what the reference holds.
        let flat: BTreeMap<String, Vec<u8>> = ops
            .iter()
            .map(|op| match op { Op::Set(p, ..) | Op::Unset(p) => p.join("!") })
            .map(|p| {
                let v = json::get(Some(&tree), &Path::parse(&p)).map(|j| j.text().into_owned());
                (p, v.unwrap_or_default())
            })
            .collect();
        let reread = reference.to_json();
        for (p, v) in &flat {
            let r = json::get(Some(&reread), &Path::parse(p)).map(|j| j.text().into_owned());
            prop_assert_eq!(v, &r.unwrap_or_default());
        }
        // Rendered as JSON and parsed again: the same tree, when every
        // string is UTF-8 (serde_json reads text, not bytes).
        if std::str::from_utf8(&ours).is_ok() {
            let parsed = json::parse(&ours).unwrap();
            let mut again = Vec::new();
            parsed.render(&mut again, Style::Plain);
            prop_assert_eq!(&again, &ours);
        }
        // The disk queue's encoding.
        let mut enc = Vec::new();
        json::encode(&tree, &mut enc);
        let mut input = &enc[..];
        prop_assert_eq!(json::decode(&mut input), Some(tree));
        prop_assert!(input.is_empty());
    }

    #[test]
    fn parse_never_panics_and_renders_what_it_read(text in prop::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(v) = json::parse(&text) {
            let mut out = Vec::new();
            v.render(&mut out, Style::Spaced);
            prop_assert!(json::parse(&out).is_ok());
        }
    }
}
