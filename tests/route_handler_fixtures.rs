//! Every folder under `fixtures/route-handler/` is a small project. For each one this test
//! snapshots the plan (diagnostics, the diff from the pages file to the route handler, and the
//! output), and checks what must hold for every input: outputs parse, comments survive, user
//! lines survive, line endings are kept, untouched files stay byte for byte, and a second run
//! over the result plans nothing.

mod common;

use std::path::{Path, PathBuf};

use routeshift::plan::{self, FileOperation, Plan, RouteStatus};
use routeshift::project::Project;
use transforms::parse::ParsedFile;

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/route-handler")
}

fn cases() -> Vec<PathBuf> {
    common::case_dirs(&fixtures_root())
}

/// Lines that a conversion is expected to rewrite; every other line must survive verbatim.
fn may_change(line: &str) -> bool {
    const TOKENS: [&str; 36] = [
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
        "maxBodySize",
        "externalResolver",
        "handler",
        "export {",
        "buffer(",
        "../",
        "./",
        "module.exports",
        "async",
        // Edge routes: `regions` becomes `preferredRegion`, param reads and `waitUntil` change.
        "regions",
        "searchParams",
        "waitUntil",
        // A value route.ts may not export keeps its declaration without `export`.
        "export const",
        // next-connect: the edge router, and middleware that returns `next()`.
        "createRouter",
        "next()",
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
        // Code the route's shared values took to a new module counts as kept.
        let moved: String = route
            .shared
            .iter()
            .map(|&i| &plan.shared[i])
            .filter(|s| s.original.is_none() && !s.path.contains(transforms::compat::MODULE_STEM))
            .map(|s| s.contents.as_str())
            .collect();
        let kept = format!("{contents}\n{moved}");
        let contents = &kept;
        let parsed =
            ParsedFile::parse(&source.path, &source.text).expect("a converted source parses");
        for comment in parsed.comments.all() {
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
        failures.extend(common::check_second_run(&case, &dir, &plan));
        let snapshot = common::render(&plan, false);
        if !common::snapshot_matches("route-handler", &case, snapshot) {
            failures.push(format!("{case}: snapshot differs"));
        }
    }
    common::assert_no_failures(&failures);
}
