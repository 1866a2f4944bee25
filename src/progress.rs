//! How far a long run is: the planner reports its stage and counts what it has done; the
//! command line draws it (see `terminal::with_progress`). Counting costs one atomic add per file.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct Progress {
    stage: Mutex<(&'static str, usize)>,
    done: AtomicUsize,
}

impl Progress {
    /// A new stage of `total` steps (`"analysing files"`, 10 000).
    pub fn stage(&self, name: &'static str, total: usize) {
        if let Ok(mut stage) = self.stage.lock() {
            *stage = (name, total);
        }
        self.done.store(0, Ordering::Relaxed);
    }

    /// One step of the stage done.
    pub fn advance(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    /// `(stage, done, total)`.
    pub fn snapshot(&self) -> (&'static str, usize, usize) {
        let (name, total) = self.stage.lock().map(|s| *s).unwrap_or(("", 0));
        (name, self.done.load(Ordering::Relaxed).min(total), total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_steps_of_the_current_stage() {
        let progress = Progress::default();
        progress.stage("analysing files", 3);
        progress.advance();
        progress.advance();
        assert_eq!(progress.snapshot(), ("analysing files", 2, 3));
        progress.stage("converting routes", 1);
        assert_eq!(progress.snapshot(), ("converting routes", 0, 1));
    }
}
