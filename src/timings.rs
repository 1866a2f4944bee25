//! Phase timings for performance work: with `ROUTESHIFT_TIMINGS` set, each phase boundary of a
//! run prints the seconds since the first one, and the memory resident then, on standard error.
//! Off, a mark costs one environment lookup, made once.

use std::sync::OnceLock;
use std::time::Instant;

/// The first mark's time, when timings are on.
static START: OnceLock<Option<Instant>> = OnceLock::new();

/// Notes that the phase `label` has just ended.
pub fn mark(label: &str) {
    let start =
        START.get_or_init(|| std::env::var_os("ROUTESHIFT_TIMINGS").map(|_| Instant::now()));
    if let Some(start) = start {
        let resident = resident_mb().map_or(String::new(), |mb| format!("{mb:>6} MB  "));
        eprintln!(
            "{:>8.3} s  {resident}{label}",
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
