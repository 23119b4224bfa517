//! An action sink that executes omfile actions into memory: what corelog's
//! rule engine writes, file by file, to compare with what rsyslogd wrote.

use std::collections::BTreeMap;

use std::sync::Arc;

use bytes::Bytes;
use corelog::config::Plan;
use corelog::parse::parse_chain;
use corelog::rule::{run_batch, ActionResult, ActionSink, BatchState};
use corelog::{Env, Message, Origin, RenderBuf, Timestamp};

/// Parses `messages` (each received at its time, from `origin`), runs the
/// plan's default ruleset over them as one batch, and returns the files its
/// omfile actions wrote.
pub fn run_plan(
    plan: &Plan,
    messages: &[&str],
    times: &[Timestamp],
    origin: &Arc<Origin>,
) -> BTreeMap<String, Vec<u8>> {
    assert_eq!(messages.len(), times.len());
    // Through the default ruleset's parser chain, as an input bound to it
    // would (a message no parser accepts goes on unparsed, as there).
    let chain = plan.rulesets[plan.default_ruleset].parsers.as_deref();
    let mut msgs: Vec<_> = messages
        .iter()
        .zip(times)
        .map(|(m, t)| {
            parse_chain(
                Bytes::copy_from_slice(m.as_bytes()),
                origin,
                *t,
                &plan.globals.parse,
                chain,
            )
            .0
        })
        .collect();
    let env = Env::new(times[0], "corelog-test");
    let bodies = plan.ruleset_bodies();
    let mut sink = MemoryFiles::new(plan, &env);
    run_batch(
        &bodies,
        plan.default_ruleset,
        &mut msgs,
        &env,
        &mut sink,
        &mut BatchState::default(),
    );
    sink.files
}

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
        self.plan.actions[action]
            .common
            .exec_only_when_previous_is_suspended
    }

    fn run(
        &mut self,
        action: usize,
        msgs: &[Message],
        which: &[u32],
        results: &mut [ActionResult],
    ) {
        let a = &self.plan.actions[action];
        let corelog::config::OutputConfig::Omfile(file) = &a.output else {
            panic!("the memory sink runs omfile actions only");
        };
        for &i in which {
            let m = &msgs[i as usize];
            let path = match &a.dynafile {
                Some(t) => {
                    let mut p = Vec::new();
                    t.render(m, self.env, &mut self.buf, &mut p);
                    String::from_utf8_lossy(&p).into_owned()
                }
                None => file.file.clone().expect("omfile has file="),
            };
            let out = self.files.entry(path).or_default();
            a.template.render(m, self.env, &mut self.buf, out);
            results[i as usize] = ActionResult::Ok;
        }
    }
}
