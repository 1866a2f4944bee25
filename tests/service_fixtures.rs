//! Every folder under `fixtures/service/` is a small project whose routes the app's own UI or
//! pages call. For each one this test snapshots the plan with the generated modules in full
//! (service, actions, queries), the thin route handlers and the rewritten call sites, and checks
//! what must hold for every input: every generated and rewritten file parses, only planned
//! files change when the plan is applied, and a second run plans nothing.

mod common;

use std::path::Path;

use routeshift::plan::{self, FileOperation, Plan};
use routeshift::project::Project;
use transforms::parse::ParsedFile;

/// Every file the plan writes parses.
fn check_outputs_parse(case: &str, plan: &Plan) -> Vec<String> {
    let mut failures = Vec::new();
    let mut check = |path: &str, text: &str| {
        if let Err(error) = ParsedFile::parse(path, text) {
            failures.push(format!("{case}: {path} does not parse: {error}"));
        }
    };
    for shared in &plan.shared {
        check(&shared.path, &shared.contents);
    }
    for route in &plan.routes {
        for operation in &route.operations {
            match operation {
                FileOperation::Create { path, contents } => check(path, contents),
                FileOperation::Modify {
                    path,
                    original,
                    edits,
                } => match transforms::edit::apply(original, edits) {
                    Ok(text) => check(path, &text),
                    Err(_) => check(path, "the edits overlap {"),
                },
                FileOperation::Delete { .. } => {}
            }
        }
    }
    failures
}

#[test]
fn service_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/service");
    let cases = common::case_dirs(&root);
    assert!(
        cases.len() >= 6,
        "expected the service cases, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for dir in cases {
        let case = dir.file_name().unwrap().to_string_lossy().to_string();
        let project = Project::scan(&dir).unwrap_or_else(|| panic!("{case}: no pages folder"));
        let plan = plan::plan(&project, &[]);
        failures.extend(check_outputs_parse(&case, &plan));
        failures.extend(common::check_second_run(&case, &dir, &plan));
        if !common::snapshot_matches("service", &case, common::render(&plan, true)) {
            failures.push(format!("{case}: snapshot differs"));
        }
    }
    common::assert_no_failures(&failures);
}
