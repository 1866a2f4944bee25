//! Phase timings for performance work: with `ROUTESHIFT_TIMINGS` set, each phase boundary of a
//! run prints the seconds since the first one, the process's CPU time (all threads) and the
//! memory resident then, on standard error: a phase whose CPU time grows no faster than its wall
//! time runs on one core.
//! Off, a mark costs one environment lookup, made once. The process-wide settings a run is
//! timed with live here too, for the binary and the benchmark alike.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The first mark's time, when timings are on.
static START: OnceLock<Option<Instant>> = OnceLock::new();

/// Notes that the phase `label` has just ended.
pub fn mark(label: &str) {
    let start =
        START.get_or_init(|| std::env::var_os("ROUTESHIFT_TIMINGS").map(|_| Instant::now()));
    if let Some(start) = start {
        let resident = resident_mb().map_or(String::new(), |mb| format!("{mb:>6} MB  "));
        let cpu = process_cpu().map_or(String::new(), |cpu| {
            format!("{:>7.3} s CPU  ", cpu.as_secs_f64())
        });
        eprintln!(
            "{:>8.3} s  {cpu}{resident}{label}",
            start.elapsed().as_secs_f64()
        );
    }
}

/// Resident memory in megabytes, from `/proc/self/statm` (Linux; `None` elsewhere).
fn resident_mb() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096 / (1024 * 1024))
}

/// The CPU time (user and system, all threads) this process has used, from `/proc/self/stat`
/// (Linux; `None` elsewhere). Linux counts it in USER_HZ, 100 per second on every mainstream
/// configuration.
pub fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name: state is the first, utime the 12th, stime the 13th.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((user + system) * 10))
}

/// Transparent huge pages off for this process. A run touches a few hundred megabytes once, and
/// with huge pages the kernel zeroes each 2 MB page on first touch: on the 2-core machines we
/// run on, a dry run on the bench project spent a quarter of its CPU time there (perf:
/// `clear_page_erms` under `do_huge_pmd_anonymous_page`); with 4 KB pages its system time went
/// from 0.67 s to 0.43 s (median of 6). Nothing else changes; elsewhere than Linux it does
/// nothing.
pub fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integer arguments and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
