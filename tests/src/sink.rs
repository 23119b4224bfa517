//! An action sink that executes omfile actions into memory: what corelog's
//! rule engine writes, file by file, to compare with what rsyslogd wrote.

use std::collections::BTreeMap;

use corelog::config::Plan;
use corelog::rule::{ActionResult, ActionSink};
use corelog::{Env, Message, RenderBuf};

/// Files by path, with their contents.
pub struct MemoryFiles<'a> {
    plan: &'a Plan,
    env: &'a Env,
    buf: RenderBuf,
    pub files: BTreeMap<String, Vec<u8>>,
}

impl<'a> MemoryFiles<'a> {
    pub fn new(plan: &'a Plan, env: &'a Env) -> Self {
        MemoryFiles {
            plan,
            env,
            buf: RenderBuf::new(),
            files: BTreeMap::new(),
        }
    }
}

impl ActionSink for MemoryFiles<'_> {
    fn action_flag(&self, action: usize) -> bool {
        self.plan.actions[action].exec_only_when_previous_is_suspended
    }

    fn run(
        &mut self,
        action: usize,
        msgs: &[Message],
        which: &[u32],
        results: &mut [ActionResult],
    ) {
        let a = &self.plan.actions[action];
        assert_eq!(a.kind, "omfile", "the memory sink runs omfile actions only");
        for &i in which {
            let m = &msgs[i as usize];
            let path = match &a.dynafile {
                Some(t) => {
                    let mut p = Vec::new();
                    t.render(m, self.env, &mut self.buf, &mut p);
                    String::from_utf8_lossy(&p).into_owned()
                }
                None => a.params.get("file").expect("omfile has file="),
            };
            let out = self.files.entry(path).or_default();
            a.template.render(m, self.env, &mut self.buf, out);
            results[i as usize] = ActionResult::Ok;
        }
    }
}
