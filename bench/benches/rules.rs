//! Rule evaluation: a 20-rule configuration (selectors, property filters,
//! string comparisons, contains, a regex, arrays, and/or) evaluated over
//! batches of parsed messages. Criterion's elements are message·rule
//! evaluations. Goal (issue #3): ≥ 20 M message·rule evaluations per second
//! per core. The answer is checked: the number of action calls per batch
//! must be what the rules select.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

use corelog::config;
use corelog::rule::{run_batch, ActionResult, ActionSink, BatchState};
use corelog::{parse, Message, ParseOptions};
use corelog_bench::{env, now, origin, rfc3164_256, rfc5424_256, slab};

const RULES: &str = r#"
template(name="t" type="string" string="%msg%\n")
mail.info action(type="omfile" file="/r1" template="t")
kern.*;auth,authpriv.none action(type="omfile" file="/r2" template="t")
local3.* action(type="omfile" file="/r3" template="t")
*.=debug action(type="omfile" file="/r4" template="t")
:programname, isequal, "sshd" action(type="omfile" file="/r5" template="t")
:msg, contains, "error" action(type="omfile" file="/r6" template="t")
:hostname, startswith, "web-00" action(type="omfile" file="/r7" template="t")
:msg, !contains, "publickey" action(type="omfile" file="/r8" template="t")
if $programname == 'cron' then action(type="omfile" file="/r9" template="t")
if $syslogfacility-text == 'local4' then action(type="omfile" file="/r10" template="t")
if $msg contains 'Accepted' and $syslogseverity <= 3 then action(type="omfile" file="/r11" template="t")
if $hostname == ['web-001.example.com', 'web-002.example.com'] then action(type="omfile" file="/r12" template="t")
if $syslogtag startswith 'evnts' then action(type="omfile" file="/r13" template="t")
if $msg contains_i 'ED25519' then action(type="omfile" file="/r14" template="t")
if $app-name == 'evntslog' or $procid == '1234' then action(type="omfile" file="/r15" template="t")
if re_match($msg, 'port [0-9]+ ssh2') then action(type="omfile" file="/r16" template="t")
if not ($msg contains 'root') then action(type="omfile" file="/r17" template="t")
if $fromhost-ip startswith '192.0.2.' then action(type="omfile" file="/r18" template="t")
if $syslogseverity-text == 'crit' then action(type="omfile" file="/r19" template="t")
*.* action(type="omfile" file="/r20" template="t")
"#;

const RULE_COUNT: u64 = 20;
const BATCH: usize = 1024;

/// Counts action calls; renders nothing (this measures the rules).
struct Count(u64);

impl ActionSink for Count {
    fn action_flag(&self, _action: usize) -> bool {
        false
    }

    fn run(
        &mut self,
        _action: usize,
        _msgs: &[Message],
        which: &[u32],
        _results: &mut [ActionResult],
    ) {
        self.0 += which.len() as u64;
    }
}

fn rules(c: &mut Criterion) {
    let plan = config::load_str("bench.conf", RULES).expect("the bench config is valid");
    let bodies = plan.ruleset_bodies();
    let origin = origin();
    let opts = ParseOptions::default();
    let now = now();
    let env = env();
    let mut msgs: Vec<_> = slab(BATCH / 2, rfc3164_256)
        .into_iter()
        .chain(slab(BATCH / 2, rfc5424_256))
        .map(|f| parse(f, &origin, now, &opts))
        .collect();
    let mut state = BatchState::default();
    let mut count = Count(0);
    run_batch(
        &bodies,
        plan.default_ruleset,
        &mut msgs,
        &env,
        &mut count,
        &mut state,
    );
    let expected = count.0;
    // Every message reaches the last rule (`*.*`), and some reach others.
    assert!(expected > BATCH as u64, "rules selected {expected} actions");
    let mut g = c.benchmark_group("rules");
    g.throughput(Throughput::Elements(BATCH as u64 * RULE_COUNT));
    g.bench_function("20_rules_mixed_filters", |b| {
        b.iter(|| {
            let mut count = Count(0);
            run_batch(
                &bodies,
                plan.default_ruleset,
                &mut msgs,
                &env,
                &mut count,
                &mut state,
            );
            assert_eq!(count.0, expected);
            black_box(count.0)
        })
    });
    g.finish();
}

criterion_group!(benches, rules);
criterion_main!(benches);
