//! Phase timings for performance work: with `ROUTESHIFT_TIMINGS` set, each phase boundary of a
//! run prints the seconds since the first one on standard error. Off, a mark costs one
//! environment lookup, made once.

use std::sync::OnceLock;
use std::time::Instant;

/// The first mark's time, when timings are on.
static START: OnceLock<Option<Instant>> = OnceLock::new();

/// Notes that the phase `label` has just ended.
pub fn mark(label: &str) {
    let start =
        START.get_or_init(|| std::env::var_os("ROUTESHIFT_TIMINGS").map(|_| Instant::now()));
    if let Some(start) = start {
        eprintln!("{:>8.3} s  {label}", start.elapsed().as_secs_f64());
    }
}
