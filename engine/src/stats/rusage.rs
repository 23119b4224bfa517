//! impstats' `resource-usage` object: the process's `getrusage` and its
//! open file descriptors, as rsyslog reports them (times in microseconds,
//! `maxrss` in KiB).

use super::line::StatsObject;

/// `resource-usage` (origin `impstats`) as of now.
pub fn resource_usage() -> StatsObject {
    // SAFETY: `getrusage` writes one `rusage` into the zeroed value it is
    // given and reads nothing else; RUSAGE_SELF is always valid.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut ru) != 0 {
            ru = std::mem::zeroed();
        }
        ru
    };
    let micros = |t: libc::timeval| (t.tv_sec as u64) * 1_000_000 + t.tv_usec as u64;
    let n = |v: libc::c_long| u64::try_from(v).unwrap_or(0);
    // As rsyslog counts them: the directory being read is one of them.
    let open_files = std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count() as u64);
    StatsObject::new("resource-usage", "impstats")
        .counter("utime", micros(ru.ru_utime))
        .counter("stime", micros(ru.ru_stime))
        .counter("maxrss", n(ru.ru_maxrss))
        .counter("minflt", n(ru.ru_minflt))
        .counter("majflt", n(ru.ru_majflt))
        .counter("inblock", n(ru.ru_inblock))
        .counter("oublock", n(ru.ru_oublock))
        .counter("nvcsw", n(ru.ru_nvcsw))
        .counter("nivcsw", n(ru.ru_nivcsw))
        .counter("openfiles", open_files)
}
