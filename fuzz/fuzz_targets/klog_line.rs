//! Any bytes as a kernel log line (under each of imklog's switches) and
//! as a `/dev/kmsg` record: reading must not panic, the PRI is one
//! rsyslog allows, the text never grows, and a record's line reads back.
#![no_main]

use corelog::input::klog::{self, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [flags, data @ ..] = data else {
        return;
    };
    let o = Options {
        permit_non_kernel: flags & 1 != 0,
        parse_kernel_timestamp: flags & 2 != 0,
        keep_kernel_timestamp: flags & 4 != 0,
    };
    if let Some(k) = klog::line(data, &o) {
        assert!(k.pri <= 191);
        assert!(k.text.len() <= data.len());
        assert!(o.permit_non_kernel || k.pri < 8);
        assert!(k.uptime.is_none() || o.parse_kernel_timestamp);
    }
    if let Some((_, line)) = klog::kmsg_record(data) {
        let permit = Options {
            permit_non_kernel: true,
            ..o
        };
        assert!(klog::line(&line, &permit).is_some());
    }
});
