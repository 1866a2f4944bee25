//! What the fixture harnesses share: listing cases and checking snapshots without stopping at
//! the first difference.

use std::path::{Path, PathBuf};

/// The case folders under `root`, in name order.
pub fn case_dirs(root: &Path) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

/// Compares `snapshot` with `tests/snapshots/<folder>/<case>.snap`; `false` (with a `.snap.new`
/// written beside it) when they differ, so one run reports every case.
pub fn snapshot_matches(folder: &str, case: &str, snapshot: String) -> bool {
    let path = format!("../snapshots/{folder}");
    std::panic::catch_unwind(|| {
        insta::with_settings!({ snapshot_path => path, prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(case.to_string(), snapshot);
        });
    })
    .is_ok()
}

/// Fails with every collected failure listed.
pub fn assert_no_failures(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
