//! Every folder under `fixtures/route-handler/` is a small project. For each one this test
//! snapshots the plan (diagnostics, the diff from the pages file to the route handler, and the
//! output), and checks what must hold for every input: outputs parse, comments survive, user
//! lines survive, line endings are kept, untouched files stay byte for byte, and a second run
//! over the result plans nothing.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use routeshift::apply::{self, Target};
use routeshift::plan::{self, FileOperation, Plan, RouteStatus};
use routeshift::present;
use routeshift::project::Project;
use transforms::parse::ParsedFile;

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/route-handler")
}

fn cases() -> Vec<PathBuf> {
    common::case_dirs(&fixtures_root())
}

/// The snapshot: the plan as a reviewer reads it, with the source → output diff of each route.
fn render(plan: &Plan) -> String {
    let mut out = Vec::new();
    for shared in &plan.shared {
        out.extend(format!("shared  {}\n\n", shared.path).into_bytes());
    }
    for route in &plan.routes {
        out.extend(present::route_heading(route).into_bytes());
        out.push(b'\n');
        for operation in &route.operations {
            out.extend(format!("  {:<7} {}\n", operation.verb(), operation.path()).into_bytes());
        }
        for diagnostic in &route.diagnostics {
            present::print_diagnostic(diagnostic, "  ", &mut out).unwrap();
        }
        let original = route.operations.iter().find_map(|o| match o {
            FileOperation::Delete { original, path } => Some((path, original)),
            _ => None,
        });
        for operation in &route.operations {
            match operation {
                FileOperation::Create { path, contents } => {
                    if let Some((source, original)) = original {
                        let diff =
                            similar::TextDiff::from_lines(original.as_str(), contents.as_str());
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
                    let diff = similar::TextDiff::from_lines(original.as_str(), updated.as_str());
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
        present::print_diagnostic(diagnostic, "", &mut out).unwrap();
    }
    out.extend(format!("{}\n", present::summary(plan)).into_bytes());
    String::from_utf8(out).unwrap()
}

/// Carriage returns, tabs and a BOM made visible, so a snapshot shows that they were kept.
fn visible(text: &str) -> String {
    text.replace('\u{feff}', "<BOM>")
        .replace("\r\n", "␍\n")
        .replace('\t', "→   ")
}

/// Lines that a conversion is expected to rewrite; every other line must survive verbatim.
fn may_change(line: &str) -> bool {
    const TOKENS: [&str; 29] = [
        "req",
        "res",
        "request",
        "response",
        "NextApi",
        "export default",
        "config",
        "import",
        "from '",
        "from \"",
        "case ",
        "default:",
        "break",
        "switch",
        "else",
        "method",
        "bodyParser",
        "maxDuration",
        "runtime",
        "api:",
        "sizeLimit",
        "externalResolver",
        "handler",
        "export {",
        "buffer(",
        "../",
        "./",
        "module.exports",
        "async",
    ];
    let trimmed = line.trim();
    // A bare `return`/`break` after a response goes with it.
    // `return null` and the like go with the response before them.
    let literal_return = trimmed
        .strip_prefix("return ")
        .is_some_and(|rest| !rest.contains('('));
    let exit = literal_return
        || ["return", "break"].iter().any(|k| {
            trimmed.trim_end_matches(';') == *k || trimmed.starts_with(&format!("{k} //"))
        });
    let chained = [
        ".status(",
        ".json(",
        ".send(",
        ".end(",
        ".redirect(",
        ".setHeader(",
    ]
    .iter()
    .any(|c| trimmed.replace(' ', "").starts_with(c));
    let template_end = trimmed.starts_with('`');
    exit || chained
        || template_end
        || trimmed.starts_with('}')
        || trimmed.is_empty()
        || trimmed.chars().all(|c| "{}()[];,".contains(c))
        || TOKENS.iter().any(|t| trimmed.contains(t))
}

fn check_outputs(case: &str, project: &Project, plan: &Plan) -> Vec<String> {
    let mut failures = Vec::new();
    for route in plan
        .routes
        .iter()
        .filter(|r| r.status == RouteStatus::Converted)
    {
        let source = project
            .files
            .iter()
            .find(|f| f.path == route.source)
            .expect("source file");
        let Some(FileOperation::Create { path, contents }) = route.operations.first() else {
            failures.push(format!("{case}: {} has no created file first", route.url));
            continue;
        };
        if let Err(error) = ParsedFile::parse(path, contents) {
            failures.push(format!("{case}: {path} does not parse: {error}"));
        }
        if source.text.contains("\r\n") && contents.replace("\r\n", "").contains('\n') {
            failures.push(format!(
                "{case}: {path} mixes line endings although the source uses CRLF"
            ));
        }
        if source.text.starts_with('\u{feff}') != contents.starts_with('\u{feff}') {
            failures.push(format!("{case}: {path} lost or gained the byte-order mark"));
        }
        let parsed =
            ParsedFile::parse(&source.path, &source.text).expect("a converted source parses");
        let (leading, trailing) = parsed.comments.borrow_all();
        for comment in leading.values().chain(trailing.values()).flatten() {
            // As many times as in the source: neither lost nor written twice.
            let before = source.text.matches(&*comment.text).count();
            let after = contents.matches(&*comment.text).count();
            if after != before {
                failures.push(format!(
                    "{case}: the comment `{}` is in {path} {after} time(s), {before} in the source",
                    comment.text.trim()
                ));
            }
        }
        let output_lines: Vec<&str> = contents.lines().map(str::trim).collect();
        for line in source.text.lines().filter(|l| !may_change(l)) {
            if !output_lines.contains(&line.trim()) {
                failures.push(format!(
                    "{case}: the line `{}` of {} is not in {path}",
                    line.trim(),
                    source.path
                ));
            }
        }
    }
    failures
}

fn copy_dir(from: &Path, to: &Path) {
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

fn snapshot_files(root: &Path) -> BTreeMap<String, Vec<u8>> {
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
fn check_second_run(case: &str, dir: &Path, plan: &Plan) -> Vec<String> {
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

#[test]
fn route_handler_fixtures() {
    let mut failures = Vec::new();
    let cases = cases();
    assert!(
        cases.len() >= 50,
        "expected at least 50 fixture cases, found {}",
        cases.len()
    );
    for dir in cases {
        let case = dir.file_name().unwrap().to_string_lossy().to_string();
        let project = Project::scan(&dir).unwrap_or_else(|| panic!("{case}: no pages folder"));
        let plan = plan::plan(&project, &[]);
        failures.extend(check_outputs(&case, &project, &plan));
        failures.extend(check_second_run(&case, &dir, &plan));
        let snapshot = render(&plan);
        if !common::snapshot_matches("route-handler", &case, snapshot) {
            failures.push(format!("{case}: snapshot differs"));
        }
    }
    common::assert_no_failures(&failures);
}
