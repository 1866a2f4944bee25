//! What the fixture harnesses share: listing cases, rendering a plan, applying it and planning
//! again, and checking snapshots without stopping at the first difference.
#![allow(dead_code)]

pub mod repo;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use routeshift::apply::{self, Target};
use routeshift::plan::{self, FileOperation, Plan, RouteStatus};
use routeshift::present;
use routeshift::project::Project;

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

/// The snapshot: the plan as a reviewer reads it, with the source → output diff of each route.
pub fn render(plan: &Plan, shared_contents: bool) -> String {
    let mut out = Vec::new();
    for shared in &plan.shared {
        out.extend(format!("shared  {}\n\n", shared.path).into_bytes());
        // The compat module is the same everywhere; the generated feature modules are the case.
        // A project file routeshift adds to, or one it moves code into, is always the case's
        // business.
        let project_code = shared.original.is_some() || shared.purpose.starts_with("move ");
        if (shared_contents || project_code)
            && !shared.path.contains(transforms::compat::MODULE_STEM)
        {
            out.extend(
                format!("=== {}\n{}\n", shared.path, visible(&shared.contents)).into_bytes(),
            );
        }
    }
    for route in &plan.routes {
        out.extend(present::route_heading(route).into_bytes());
        out.push(b'\n');
        for operation in &route.operations {
            out.extend(format!("  {:<7} {}\n", operation.verb(), operation.path()).into_bytes());
        }
        for diagnostic in &route.diagnostics {
            present::print_diagnostic(
                diagnostic,
                "  ",
                &mut out,
                routeshift::terminal::Paint::PLAIN,
            )
            .unwrap();
        }
        let original = route.operations.iter().find_map(|o| match o {
            FileOperation::Delete { original, path } => Some((path, original)),
            _ => None,
        });
        for operation in &route.operations {
            match operation {
                FileOperation::Create { path, contents } => {
                    if let Some((source, original)) = original {
                        let diff = similar::TextDiff::from_lines(&original[..], contents.as_str());
                        out.extend(
                            format!(
                                "\n{}",
                                diff.unified_diff().context_radius(2).header(source, path)
                            )
                            .into_bytes(),
                        );
                    }
                    out.extend(format!("\n=== {path}\n{}", visible(contents)).into_bytes());
                    if !contents.ends_with('\n') {
                        out.push(b'\n');
                    }
                }
                FileOperation::Modify {
                    path,
                    original,
                    edits,
                } => {
                    let updated = transforms::edit::apply(original, edits).unwrap();
                    let diff = similar::TextDiff::from_lines(&original[..], updated.as_str());
                    out.extend(
                        format!("\n{}", diff.unified_diff().header(path, path)).into_bytes(),
                    );
                }
                FileOperation::Delete { .. } => {}
            }
        }
        out.push(b'\n');
    }
    for diagnostic in &plan.diagnostics {
        present::print_diagnostic(diagnostic, "", &mut out, routeshift::terminal::Paint::PLAIN)
            .unwrap();
    }
    out.extend(format!("{}\n", present::summary(plan)).into_bytes());
    String::from_utf8(out).unwrap()
}

/// Carriage returns, tabs and a BOM made visible, so a snapshot shows that they were kept.
pub fn visible(text: &str) -> String {
    text.replace('\u{feff}', "<BOM>")
        .replace("\r\n", "␍\n")
        .replace('\t', "→   ")
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

pub fn snapshot_files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path()
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Applies the plan to a copy, checks that only planned files changed, and plans again.
pub fn check_second_run(case: &str, dir: &Path, plan: &Plan) -> Vec<String> {
    let mut failures = Vec::new();
    let temp = tempfile::tempdir().unwrap();
    copy_dir(dir, temp.path());
    let before = snapshot_files(temp.path());
    let all: Vec<usize> = (0..plan.routes.len()).collect();
    let mut log = Vec::new();
    if let Err(error) = apply::apply(temp.path(), plan, &all, &Target::WorkingTree, &mut log) {
        return vec![format!("{case}: apply failed: {error}")];
    }
    let after = snapshot_files(temp.path());
    let touched: Vec<&str> = plan
        .routes
        .iter()
        .filter(|r| r.status == RouteStatus::Converted)
        .flat_map(|r| r.operations.iter().map(|o| o.path()))
        .chain(plan.shared.iter().map(|s| s.path.as_str()))
        .collect();
    for (path, bytes) in &before {
        if !touched.contains(&path.as_str()) && after.get(path) != Some(bytes) {
            failures.push(format!(
                "{case}: {path} changed although no operation touches it"
            ));
        }
    }
    let Some(project) = Project::scan(temp.path()) else {
        return failures;
    };
    let second = plan::plan(&project, &[]);
    for route in &second.routes {
        if !route.operations.is_empty() {
            failures.push(format!("{case}: the second run plans {} again", route.url));
        }
    }
    if second.shared.iter().any(|s| !s.up_to_date) {
        failures.push(format!(
            "{case}: the second run writes the compat module again"
        ));
    }
    failures
}
