//! The command line on temporary projects and git repositories.

mod common;

use common::repo::{commit_in_new_repository, git, write, HELLO, ITEM};

fn run(args: &[&str]) -> (i32, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut argv = vec!["routeshift"];
    argv.extend_from_slice(args);
    let code = routeshift::main_with_args(argv, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

/// A Next.js project with two routes, committed in a fresh repository.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "package.json",
        "{ \"dependencies\": { \"next\": \"15.5.29\" } }\n",
    );
    write(root, "tsconfig.json", "{}\n");
    write(root, "pages/api/hello.ts", HELLO);
    write(root, "pages/api/items/[id].ts", ITEM);
    write(
        root,
        "pages/index.tsx",
        "export default function Home() { return null }\n",
    );
    commit_in_new_repository(root);
    dir
}

#[test]
fn dry_run_shows_diffs_and_writes_nothing() {
    let dir = project();
    let root = dir.path().to_str().unwrap();
    let (code, out, err) = run(&["migrate", "--dry-run", root]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("/api/hello  pages/api/hello.ts  → route handler (GET)"),
        "{out}"
    );
    assert!(
        out.contains("--- /dev/null\n+++ app/api/hello/route.ts"),
        "{out}"
    );
    assert!(
        out.contains("--- pages/api/hello.ts\n+++ /dev/null"),
        "{out}"
    );
    assert!(out.contains("+export function GET(req: NextRequest) {\n+  return jsonResponse({ hello: 'world' }, { status: 200 })\n+}"), "{out}");
    assert!(
        out.ends_with("2 routes converted, 0 left for manual work, 0 errors\n"),
        "{out}"
    );
    assert_eq!(git(dir.path(), &["status", "--porcelain"]), "");
    assert!(!dir.path().join("app").exists());
    assert_eq!(
        git(dir.path(), &["branch", "--show-current"]).trim(),
        "main"
    );
}

#[test]
fn apply_creates_a_branch_with_one_commit_per_route() {
    let dir = project();
    let root = dir.path().to_str().unwrap();
    let (code, out, err) = run(&["migrate", root]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(
        git(dir.path(), &["branch", "--show-current"]).trim(),
        "routeshift/app-router"
    );
    let log = git(dir.path(), &["log", "--format=%s", "main..HEAD"]);
    let subjects: Vec<&str> = log.lines().rev().collect();
    assert_eq!(
        subjects,
        vec![
            "routeshift: add lib/routeshift/pages-compat.ts",
            "routeshift: migrate /api/hello to a route handler",
            "routeshift: migrate /api/items/[id] to a route handler",
        ]
    );
    assert!(dir.path().join("app/api/hello/route.ts").is_file());
    assert!(dir.path().join("app/api/items/[id]/route.ts").is_file());
    assert!(
        !dir.path().join("pages/api").exists(),
        "emptied folders are removed"
    );
    // Each commit holds exactly its route's files.
    let files = git(dir.path(), &["show", "--name-status", "--format=", "HEAD"]);
    assert_eq!(
        files,
        "A\tapp/api/items/[id]/route.ts\nD\tpages/api/items/[id].ts\n"
    );
    assert_eq!(git(dir.path(), &["status", "--porcelain"]), "");
}

#[test]
fn custom_branch_name_and_existing_branch() {
    let dir = project();
    let root = dir.path().to_str().unwrap();
    git(dir.path(), &["branch", "taken"]);
    let (code, _, err) = run(&["migrate", "--branch", "taken", root]);
    assert_eq!(code, 2);
    assert!(err.contains("the branch `taken` already exists"), "{err}");
    let (code, _, err) = run(&["migrate", "--branch", "move-api", root]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        git(dir.path(), &["branch", "--show-current"]).trim(),
        "move-api"
    );
}

#[test]
fn dirty_tree_is_refused() {
    let dir = project();
    let root = dir.path().to_str().unwrap();
    write(
        dir.path(),
        "pages/api/hello.ts",
        &format!("{HELLO}// edited\n"),
    );
    let (code, out, err) = run(&["migrate", root]);
    assert_eq!(code, 2);
    assert!(
        err.contains("uncommitted changes (pages/api/hello.ts)"),
        "{err}"
    );
    assert!(err.contains("--allow-dirty"), "{err}");
    assert!(out.is_empty());
    assert!(!dir.path().join("app").exists());
    assert_eq!(
        git(dir.path(), &["branch", "--show-current"]).trim(),
        "main"
    );
    let (code, _, err) = run(&["migrate", "--allow-dirty", root]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn non_next_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "package.json",
        "{ \"dependencies\": { \"react\": \"19.0.0\" } }\n",
    );
    write(dir.path(), "pages/api/x.ts", HELLO);
    let (code, _, err) = run(&["migrate", "--dry-run", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("is not a Next.js project: no package.json here or above lists `next`"),
        "{err}"
    );
    let empty = tempfile::tempdir().unwrap();
    write(
        empty.path(),
        "package.json",
        "{ \"dependencies\": { \"next\": \"15.5.29\" } }\n",
    );
    let (code, _, err) = run(&["migrate", "--dry-run", empty.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("it has no pages/ or src/pages/ folder"),
        "{err}"
    );
}

#[test]
fn outside_git_needs_no_branch() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "package.json",
        "{ \"dependencies\": { \"next\": \"15.5.29\" } }\n",
    );
    write(dir.path(), "pages/api/hello.ts", HELLO);
    let root = dir.path().to_str().unwrap();
    let (code, _, err) = run(&["migrate", root]);
    assert_eq!(code, 2);
    assert!(
        err.contains("is not inside a git repository") && err.contains("--no-branch"),
        "{err}"
    );
    assert!(dir.path().join("pages/api/hello.ts").exists());
    let (code, out, err) = run(&["migrate", "--no-branch", root]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("applied 1 route to the working tree"), "{out}");
    assert!(
        dir.path().join("app/api/hello/route.js").is_file()
            || dir.path().join("app/api/hello/route.ts").is_file()
    );
    assert!(!dir.path().join("pages/api/hello.ts").exists());
}

#[test]
fn unparsable_file_is_reported_while_the_rest_migrate() {
    let dir = project();
    write(
        dir.path(),
        "pages/api/broken.ts",
        "export default function handler(req, res) {\n  res.status(200).json({ ok: true }\n}\n",
    );
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "broken"]);
    let root = dir.path().to_str().unwrap();
    let (code, out, _) = run(&["migrate", root]);
    assert_eq!(code, 1, "an error in one file is reported in the exit code");
    assert!(
        out.contains("error[parse/syntax-error] pages/api/broken.ts:3:1"),
        "{out}"
    );
    assert!(
        out.contains("2 routes converted, 0 left for manual work, 1 error"),
        "{out}"
    );
    assert!(dir.path().join("pages/api/broken.ts").exists());
    assert!(dir.path().join("app/api/hello/route.ts").is_file());
    assert_eq!(
        git(dir.path(), &["log", "--format=%s", "main..HEAD"])
            .lines()
            .count(),
        3
    );
}

#[test]
fn running_twice_plans_nothing_the_second_time() {
    let dir = project();
    let root = dir.path().to_str().unwrap();
    assert_eq!(run(&["migrate", root]).0, 0);
    let (code, out, err) = run(&["migrate", "--dry-run", root]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "0 routes converted, 0 left for manual work, 0 errors\n"
    );
}

#[test]
fn classify_prints_a_table_and_json() {
    let dir = project();
    let root = dir.path();
    write(
        root,
        "components/Item.tsx",
        "export function Item({ id }) {\n  return <button onClick={() => fetch(`/api/items/${id}`)}>load</button>\n}\n",
    );
    let (code, out, err) = run(&["classify", root.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let header = out.lines().next().unwrap_or_default();
    assert!(
        header.starts_with("route") && header.contains("class") && header.contains("confidence"),
        "{out}"
    );
    let item = out
        .lines()
        .find(|l| l.starts_with("/api/items/[id]"))
        .unwrap_or_default();
    assert!(
        item.contains("page-read") && item.contains("ui-callers"),
        "{out}"
    );
    let hello = out
        .lines()
        .find(|l| l.starts_with("/api/hello"))
        .unwrap_or_default();
    assert!(
        hello.contains("public-api") && hello.contains("no-app-caller"),
        "{out}"
    );
    assert!(out.contains("2 routes: 0 webhook, 1 public-api, 0 app-mutation, 1 page-read; 1 call site reaches them, 0 reach no route"), "{out}");

    let (code, out, _) = run(&["classify", "--json", root.to_str().unwrap()]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["routes"][1]["route"], "/api/items/[id]");
    assert_eq!(json["routes"][1]["file"], "pages/api/items/[id].ts");
    assert_eq!(
        json["routes"][1]["callers"][0]["file"],
        "components/Item.tsx"
    );
    assert_eq!(json["routes"][1]["callers"][0]["line"], 2);

    // The dry run shows the class above the diff.
    let (_, out, _) = run(&["migrate", "--dry-run", root.to_str().unwrap()]);
    assert!(
        out.contains("  class   page-read (medium confidence)"),
        "{out}"
    );
}

#[test]
fn invalid_overrides_stop_the_run_with_file_and_line() {
    let dir = project();
    let root = dir.path();
    write(root, "routeshift.toml", "[routes.\"/api/hello\"]\nkind = \"public-api\"\n\n[routes.\"/api/helo\"]\nkind = \"webhook\"\n");
    let (code, _, err) = run(&["classify", root.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("routeshift.toml:4:"), "{err}");
    assert!(
        err.contains("/api/helo") && err.contains("/api/hello"),
        "{err}"
    );

    write(
        root,
        "routeshift.toml",
        "[routes.\"/api/hello\"]\nkind = \"internal\"\n",
    );
    let (code, _, err) = run(&["migrate", "--dry-run", root.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("routeshift.toml:2:") && err.contains("internal"),
        "{err}"
    );

    write(
        root,
        "routeshift.toml",
        "[routes.\"/api/hello\"]\nkind = \"webhook\"\n",
    );
    let (code, out, err) = run(&["classify", root.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let hello = out
        .lines()
        .find(|l| l.starts_with("/api/hello"))
        .unwrap_or_default();
    assert!(
        hello.contains("webhook") && hello.contains("override"),
        "{out}"
    );
}

#[test]
fn an_unknown_kind_in_a_comment_fails_that_route_only() {
    let dir = project();
    let root = dir.path();
    write(
        root,
        "pages/api/hello.ts",
        &format!("// routeshift: internal\n{HELLO}"),
    );
    let (code, out, _) = run(&["classify", root.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("pages/api/hello.ts:1:1") && out.contains("internal"),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l.starts_with("/api/items/[id]")),
        "{out}"
    );
}

#[test]
fn shared_values_move_in_one_commit_before_the_routes_and_helpers_get_their_app_router_form() {
    let dir = project();
    let root = dir.path();
    write(
        root,
        "pages/api/auth/options-route.ts",
        "import type { NextApiRequest, NextApiResponse } from 'next'\nimport { ok } from '../../../lib/responses'\n\nexport const settings = { theme: 'dark' }\n\nexport default function handler(req: NextApiRequest, res: NextApiResponse) {\n  return ok(res, settings)\n}\n",
    );
    write(
        root,
        "lib/theme.ts",
        "import { settings } from '../pages/api/auth/options-route'\n\nexport const theme = settings.theme\n",
    );
    write(
        root,
        "lib/responses.ts",
        "import type { NextApiResponse } from 'next'\n\nexport function ok(res: NextApiResponse, data: unknown) {\n  return res.status(200).json(data)\n}\n",
    );
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "shared"]);
    let (code, out, err) = run(&["migrate", root.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}\n{err}");
    let log = git(root, &["log", "--format=%s", "main..HEAD"]);
    let subjects: Vec<&str> = log.lines().rev().collect();
    assert_eq!(
        subjects,
        vec![
            "routeshift: move `settings` out of pages/api/auth/options-route.ts into lib/api/auth/options-route.ts, and point 1 importer there: route.ts may export only methods and segment config.",
            "routeshift: add lib/routeshift/pages-compat.ts",
            "routeshift: update lib/responses.ts",
            "routeshift: migrate /api/auth/options-route to a route handler",
            "routeshift: migrate /api/hello to a route handler",
            "routeshift: migrate /api/items/[id] to a route handler",
        ]
    );
    // The move is one commit: the new module, the route file and its importer.
    let first = git(root, &["rev-list", "--reverse", "main..HEAD"]);
    let first = first.lines().next().unwrap();
    let files = git(root, &["show", "--name-status", "--format=", first]);
    assert_eq!(
        files,
        "A\tlib/api/auth/options-route.ts\nM\tlib/theme.ts\nM\tpages/api/auth/options-route.ts\n"
    );
    let theme = std::fs::read_to_string(root.join("lib/theme.ts")).unwrap();
    assert_eq!(theme, "import { settings } from './api/auth/options-route'\n\nexport const theme = settings.theme\n");
    let route = std::fs::read_to_string(root.join("app/api/auth/options-route/route.ts")).unwrap();
    assert!(
        route.contains("import { settings } from '../../../../lib/api/auth/options-route'"),
        "{route}"
    );
    assert!(route.contains("return okResponse(settings)"), "{route}");
    let responses = std::fs::read_to_string(root.join("lib/responses.ts")).unwrap();
    assert!(
        responses.contains("export function ok(res: NextApiResponse, data: unknown) {"),
        "{responses}"
    );
    assert!(responses.contains("export function okResponse(data: unknown) {\n  return jsonResponse(data, { status: 200 })\n}"), "{responses}");
    assert_eq!(git(root, &["status", "--porcelain"]), "");
    // A second run finds nothing left to do.
    let (code, out, _) = run(&["migrate", "--dry-run", root.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        out.ends_with("0 routes converted, 0 left for manual work, 0 errors\n"),
        "{out}"
    );
}

const SOCKET: &str = "import type { NextApiRequest, NextApiResponse } from 'next'\n\nexport default function handler(req: NextApiRequest, res: NextApiResponse) {\n  res.json({ ip: req.socket.remoteAddress })\n}\n";

#[test]
fn migrate_json_documents_the_plan() {
    let dir = project();
    let root = dir.path();
    write(root, "pages/api/ip.ts", SOCKET);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "ip"]);
    let (code, out, err) = run(&["migrate", "--dry-run", "--json", root.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    // Nothing but the document on stdout.
    let mut json: serde_json::Value = serde_json::from_str(&out).unwrap();
    // The compat module has its own tests; its text would only make this snapshot churn.
    assert_eq!(
        json["shared_files"][0]["path"],
        "lib/routeshift/pages-compat.ts"
    );
    json["shared_files"][0]["diff"] = serde_json::json!("<the compat module>");
    insta::assert_snapshot!(
        "migrate_dry_run_json",
        serde_json::to_string_pretty(&json).unwrap()
    );
    assert_eq!(json["summary"]["converted"], 2);
    assert_eq!(json["summary"]["manual"], 1);
    assert_eq!(json["app"], ".");
    assert!(json["applied"].is_null());
    assert_eq!(git(root, &["status", "--porcelain"]), "");
}

#[test]
fn migrate_json_after_applying_names_the_branch_and_routes() {
    let dir = project();
    let root = dir.path();
    let (code, out, err) = run(&["migrate", "--json", root.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["dry_run"], false);
    assert_eq!(json["applied"]["branch"], "routeshift/app-router");
    assert_eq!(
        json["applied"]["routes"],
        serde_json::json!(["/api/hello", "/api/items/[id]"])
    );
    // What was written is logged on stderr, not mixed into the document.
    assert!(
        err.contains("migrated /api/hello → app/api/hello/route.ts"),
        "{err}"
    );
    assert!(root.join("app/api/hello/route.ts").is_file());
}

#[test]
fn check_fails_while_convertible_routes_remain() {
    let dir = project();
    let root = dir.path();
    write(root, "pages/api/ip.ts", SOCKET);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "ip"]);
    let path = root.to_str().unwrap();
    let (code, out, _) = run(&["check", path]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("/api/hello  pages/api/hello.ts  can be migrated"),
        "{out}"
    );
    assert!(
        out.ends_with(
            "2 routes can be migrated: run `routeshift migrate`; 1 route needs manual work\n"
        ),
        "{out}"
    );
    assert_eq!(run(&["migrate", path]).0, 0);
    let (code, out, _) = run(&["check", path]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out,
        "no pages/api route left that routeshift can migrate; 1 route needs manual work\n"
    );
}

#[test]
fn manual_routes_fail_the_run_only_when_asked() {
    let dir = project();
    let root = dir.path();
    write(root, "pages/api/ip.ts", SOCKET);
    let path = root.to_str().unwrap();
    assert_eq!(run(&["migrate", "--dry-run", path]).0, 0);
    assert_eq!(
        run(&["migrate", "--dry-run", "--fail-on-manual", path]).0,
        1
    );
}

#[test]
fn colors_follow_the_color_option() {
    let dir = project();
    let path = dir.path().to_str().unwrap();
    let (_, plain, _) = run(&["migrate", "--dry-run", path]);
    assert!(!plain.contains('\x1b'), "{plain}");
    let (_, never, _) = run(&["--color", "never", "migrate", "--dry-run", path]);
    assert_eq!(never, plain);
    let (code, colored, _) = run(&["migrate", "--dry-run", "--color", "always", path]);
    assert_eq!(code, 0);
    assert!(
        colored.contains("\x1b[32m+export function GET(req: NextRequest) {\x1b[0m"),
        "{colored}"
    );
    assert!(colored.contains("\x1b[1m--- /dev/null\x1b[0m"), "{colored}");
    // Without the escapes it is the plain output.
    let stripped = colored
        .replace("\x1b[0m", "")
        .replace("\x1b[1m", "")
        .replace("\x1b[31m", "")
        .replace("\x1b[32m", "")
        .replace("\x1b[33m", "")
        .replace("\x1b[36m", "");
    assert_eq!(stripped, plain);
    let (code, _, err) = run(&["migrate", "--dry-run", "--color", "sometimes", path]);
    assert_eq!(code, 2, "{err}");
}

/// A workspace with two Next.js apps, committed.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "package.json",
        "{ \"private\": true, \"workspaces\": [\"apps/*\"] }\n",
    );
    for app in ["apps/web", "apps/admin"] {
        write(
            root,
            &format!("{app}/package.json"),
            "{ \"dependencies\": { \"next\": \"15.5.29\" } }\n",
        );
        write(root, &format!("{app}/tsconfig.json"), "{}\n");
        write(root, &format!("{app}/pages/api/hello.ts"), HELLO);
    }
    write(root, "apps/web/pages/api/items/[id].ts", ITEM);
    commit_in_new_repository(root);
    dir
}

#[test]
fn a_workspace_root_migrates_each_app_on_one_branch() {
    let dir = workspace();
    let root = dir.path();
    let path = root.to_str().unwrap();
    let (code, out, err) = run(&["migrate", "--dry-run", path]);
    assert_eq!(code, 0, "{err}");
    let admin = out.find("app apps/admin\n").unwrap_or(usize::MAX);
    let web = out.find("app apps/web\n").unwrap_or(usize::MAX);
    assert!(admin < web && web < out.len(), "{out}");
    assert!(
        out.ends_with("all apps: 3 converted, 0 left for manual work, 0 with errors\n"),
        "{out}"
    );

    let (code, out, _) = run(&["classify", "--json", path]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["apps"][0]["app"], "apps/admin");
    assert_eq!(
        json["apps"][1]["routes"][1]["file"],
        "pages/api/items/[id].ts"
    );

    let (code, out, err) = run(&["migrate", path]);
    assert_eq!(code, 0, "{out}\n{err}");
    let log = git(root, &["log", "--format=%s", "main..HEAD"]);
    let subjects: Vec<&str> = log.lines().rev().collect();
    assert_eq!(
        subjects,
        vec![
            "routeshift: add lib/routeshift/pages-compat.ts",
            "routeshift: migrate /api/hello to a route handler",
            "routeshift: add lib/routeshift/pages-compat.ts",
            "routeshift: migrate /api/hello to a route handler",
            "routeshift: migrate /api/items/[id] to a route handler",
        ]
    );
    assert!(root.join("apps/admin/app/api/hello/route.ts").is_file());
    assert!(root.join("apps/web/app/api/items/[id]/route.ts").is_file());
    assert!(!root.join("apps/web/pages/api").exists());
    assert_eq!(git(root, &["status", "--porcelain"]), "");
}

#[test]
fn app_names_one_app_of_a_workspace() {
    let dir = workspace();
    let path = dir.path().to_str().unwrap();
    let (code, out, err) = run(&["migrate", "--dry-run", "--app", "apps/web", path]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("app apps/"), "{out}");
    assert!(
        out.ends_with("2 routes converted, 0 left for manual work, 0 errors\n"),
        "{out}"
    );
    let (code, _, err) = run(&["migrate", "--dry-run", "--app", "apps/none", path]);
    assert_eq!(code, 2);
    assert!(err.contains("apps/none"), "{err}");
}

#[test]
fn a_file_changed_after_planning_is_not_overwritten_and_its_route_is_skipped() {
    let dir = project();
    let root = dir.path();
    let project = routeshift::project::Project::load(root).unwrap();
    let plan = routeshift::plan::plan(&project, &[]);
    // The user edits one route while routeshift was planning.
    let edited = format!("{ITEM}// edited\n");
    write(root, "pages/api/items/[id].ts", &edited);
    let accepted: Vec<usize> = (0..plan.routes.len()).collect();
    let mut log = Vec::new();
    let report = routeshift::apply::apply(
        root,
        &plan,
        &accepted,
        &routeshift::apply::Target::WorkingTree,
        &mut log,
    )
    .unwrap();
    assert_eq!(report.applied, vec!["/api/hello".to_string()]);
    assert_eq!(
        report.skipped,
        vec![(
            "/api/items/[id]".to_string(),
            "pages/api/items/[id].ts changed on disk during the run".to_string()
        )]
    );
    assert_eq!(
        std::fs::read_to_string(root.join("pages/api/items/[id].ts")).unwrap(),
        edited
    );
    assert!(!root.join("app/api/items/[id]/route.ts").exists());
    assert!(root.join("app/api/hello/route.ts").is_file());
    let log = String::from_utf8(log).unwrap();
    assert!(
        log.contains(
            "skipped /api/items/[id]: pages/api/items/[id].ts changed on disk during the run"
        ),
        "{log}"
    );
}

/// A file that starts with a byte-order mark is edited where a file without one is, and keeps
/// it: call sites switched to actions and queries, type imports that follow a route, and the
/// routes' own outputs, a thin handler over a service included. (Every offset is into the file
/// as read, mark included: an edit made 3 bytes off would show here.)
#[test]
fn files_with_a_byte_order_mark_get_the_same_edits_and_keep_it() {
    const MARKED: [&str; 6] = [
        "app/todos/todo-item.tsx",
        "app/todos/new/page.tsx",
        "pages/stats.tsx",
        "lib/ping-user.ts",
        "pages/api/todos/index.ts",
        "pages/api/todos/export.ts",
    ];
    // What the marked routes become.
    const MARKED_OUTPUTS: [&str; 2] = ["app/api/todos/route.ts", "app/api/todos/export/route.ts"];
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/actions-app");
    let migrate = |mark: bool| {
        let dir = tempfile::tempdir().unwrap();
        common::copy_dir(&fixture, dir.path());
        write(
            dir.path(),
            "pages/api/ping.ts",
            "import type { NextApiRequest, NextApiResponse } from 'next'\n\nexport type Ping = { ok: boolean }\n\nexport default function handler(req: NextApiRequest, res: NextApiResponse<Ping>) {\n  res.status(200).json({ ok: true })\n}\n",
        );
        write(
            dir.path(),
            "lib/ping-user.ts",
            "import type { Ping } from '../pages/api/ping'\n\nexport const pong: Ping = { ok: true }\n",
        );
        if mark {
            for path in MARKED {
                let file = dir.path().join(path);
                let text = std::fs::read_to_string(&file).unwrap();
                std::fs::write(&file, format!("\u{feff}{text}")).unwrap();
            }
        }
        let (code, _, err) = run(&["migrate", "--no-branch", dir.path().to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        let files = common::snapshot_files(dir.path());
        (dir, files)
    };
    let (_plain_dir, plain) = migrate(false);
    let (_marked_dir, marked) = migrate(true);
    assert_eq!(
        plain.keys().collect::<Vec<_>>(),
        marked.keys().collect::<Vec<_>>()
    );
    for (path, text) in &plain {
        let expected = if MARKED.contains(&path.as_str()) || MARKED_OUTPUTS.contains(&path.as_str())
        {
            [&b"\xef\xbb\xbf"[..], text].concat()
        } else {
            text.clone()
        };
        assert_eq!(
            String::from_utf8_lossy(&marked[path]),
            String::from_utf8_lossy(&expected),
            "{path}"
        );
    }
    // The files were changed at all.
    for path in [
        "app/todos/todo-item.tsx",
        "lib/ping-user.ts",
        "app/api/todos/route.ts",
    ] {
        let text = String::from_utf8_lossy(&plain[path]).to_string();
        let original = std::fs::read_to_string(fixture.join(path)).unwrap_or_default();
        assert_ne!(text, original, "{path}");
    }
}
