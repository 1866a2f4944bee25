//! End-to-end: migrate a fixture app with the real `routeshift` binary, build the original and
//! the migrated app with the real `next` package, start both, replay the same HTTP requests
//! against both (driven by `tests/e2e/compare.mjs`) and require the same answers: status, body,
//! content type, `Location`, `Set-Cookie`, `Allow`, handler-set `Cache-Control` and custom `x-*`
//! headers. A failed `next build` fails the test with its output, which is how the migrated code
//! is proven to type-check.
//!
//! Two scenarios ([`Scenario`]), each run once per supported Next.js major, each pair a test of
//! its own so a failure names the app and the version:
//!
//! - `demo`: `fixtures/demo-app`, API routes with no caller in the app, replayed from
//!   `tests/e2e/requests.json`; every route must become an `app/api/**/route.ts`.
//! - `actions`: `fixtures/actions-app`, a todo app whose routes are called by its own UI, replayed
//!   from `tests/e2e/actions-requests.json` (which also checks that routes the migration removes
//!   answer 404 afterwards). The migration must leave the files in [`ACTIONS_APP_FILES`]
//!   (features/todos service, Server Actions and queries; a route handler only where the URL is
//!   still needed), and `tests/e2e/actions.mjs` then posts the `/todos/new` form the way a browser
//!   without JavaScript does (urlencoded to `/api/todos` on the original, the Server Action's
//!   hidden fields as multipart on the migrated app) and compares `/api/todos` and `/stats`.
//!
//! The versions: Next 15 with `fixtures/demo-app/package.json` + `package-lock.json`, Next 16 with
//! `tests/e2e/next16/package.json` + `package-lock.json`. The app sources are the same; only the
//! installed packages differ. Both fixtures name the same packages (checked), so one install per
//! version serves both scenarios.
//!
//! Needs Node.js 20.9+ with npm, and the npm registry the first time (and whenever a lock file
//! changes). Layout under `CARGO_TARGET_TMPDIR/e2e/`, one folder per dependency set:
//!
//! ```text
//! next15/, next16/
//!   package.json, package-lock.json, node_modules/   installed once, reused while the lock is unchanged
//!   logs/npm.log
//!   .lock/                                           held for a whole scenario: one scenario per set at a time
//!   demo/, actions/                                  one folder per scenario:
//!     original/                                      the fixture app, copied fresh each run
//!     migrated/                                      the same copy, then `routeshift migrate --no-branch`
//!     logs/                                          migration, build, server and comparison output
//! ```
//!
//! The apps have no `node_modules` of their own: Node and Next resolve `next`, `react`,
//! `typescript` and `@types/*` from `<set>/node_modules` by walking up, so all builds of a set
//! share one install. The copies leave out `package-lock.json`: with a second lock file in the app
//! folder Next warns that it found several and has to guess the workspace root. Turbopack (Next
//! 16's default bundler) resolves nothing outside its root folder, so the Next 16 copies get a
//! `next.config.mjs` that names the set's folder as `turbopack.root` (see `tests/e2e/README.md`).
//! Both servers get `APP_URL` set to their own base URL (`pages/stats.tsx` of the actions app
//! fetches `${process.env.APP_URL}/api/todos/stats` in `getServerSideProps`).
//!
//! Run: `cargo test --test e2e -- --nocapture` (all four; the two sets in parallel, the two
//! scenarios of a set one after the other). Times on two cores once the npm packages are
//! installed are in `tests/e2e/README.md`; the first run also installs them.
//! `cargo test --test e2e -- --ignored` checks the harness itself: it serves the hand-written
//! migration of the demo app in `tests/e2e/hand-migrated/` instead of the tool's output.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

const NPM_INSTALL_TIMEOUT: Duration = Duration::from_secs(15 * 60);
const MIGRATE_TIMEOUT: Duration = Duration::from_secs(3 * 60);
const BUILD_TIMEOUT: Duration = Duration::from_secs(10 * 60);
const SERVER_READY_TIMEOUT: Duration = Duration::from_secs(90);
const COMPARE_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// How long to wait for another run that holds the set's work folder (another scenario of the
/// same set, or another `cargo test`).
const LOCK_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Next 16 needs 20.9 (its `engines`), Next 15 and the compare script 20.
const MIN_NODE: (u32, u32) = (20, 9);
const INSTALL_NODE_HINT: &str = "install Node.js 20 or newer (20.9+), which includes npm: \
     https://nodejs.org/en/download (or `nvm install 20`, `brew install node@20`, \
     `apt-get install nodejs` from NodeSource), then make sure `node` and `npm` are on PATH";

/// One set of npm packages the fixture apps are built and served with.
struct NextSet {
    /// The work folder under `CARGO_TARGET_TMPDIR/e2e/`, also the label in messages.
    name: &'static str,
    /// The folder, relative to the repository, with the `package.json` and `package-lock.json`
    /// to install. The manifest is also copied into both app copies (under the fixture's own
    /// `name`), so each copy names the packages it is built with.
    dependencies: &'static str,
    /// `next build` bundles with Turbopack, which only resolves files inside its root folder.
    turbopack: bool,
}

/// Next.js 15.5.29 (webpack), from the demo fixture's own manifest and lock file.
const NEXT15: NextSet = NextSet {
    name: "next15",
    dependencies: "fixtures/demo-app",
    turbopack: false,
};

/// Next.js 16.4.6 (Turbopack by default).
const NEXT16: NextSet = NextSet {
    name: "next16",
    dependencies: "tests/e2e/next16",
    turbopack: true,
};

/// One fixture app and what is checked about its migration.
struct Scenario {
    /// The work folder under the set's folder, also the label in messages.
    name: &'static str,
    /// The app, relative to the repository. Its `package.json` and `package-lock.json` must name
    /// the same packages as `fixtures/demo-app`'s (all but `name`): a set is installed once for
    /// every scenario.
    fixture: &'static str,
    /// The requests `compare.mjs` replays, relative to the repository.
    requests: &'static str,
    /// What the migrated copy must look like.
    expected: Expected,
    /// A script run after `compare.mjs` as `node <script> <original-base> <migrated-base>`,
    /// relative to the repository; it fails with a non-zero exit.
    extra_check: Option<&'static str>,
}

/// What the migrated copy must look like, checked before anything is built. Without it a tool
/// that changes nothing would pass, since the untouched copy answers exactly like the original.
enum Expected {
    /// Every route under the fixture's `pages/api` has a route handler at its App Router path,
    /// and none is left under `pages/api`.
    EveryRouteMoved,
    /// A list of files, for an app where some routes become Server Actions and queries.
    Files(&'static ExpectedFiles),
}

/// Paths relative to the migrated app.
struct ExpectedFiles {
    /// Files that must exist.
    present: &'static [&'static str],
    /// Files that must not exist.
    absent: &'static [&'static str],
    /// Folders that must hold no file at all (missing is fine).
    emptied: &'static [&'static str],
    /// Files whose first line must be the given directive (`'use server'`; `"use server"` and a
    /// trailing `;` count as the same).
    directives: &'static [(&'static str, &'static str)],
}

const DEMO: Scenario = Scenario {
    name: "demo",
    fixture: "fixtures/demo-app",
    requests: "tests/e2e/requests.json",
    expected: Expected::EveryRouteMoved,
    extra_check: None,
};

const ACTIONS: Scenario = Scenario {
    name: "actions",
    fixture: "fixtures/actions-app",
    requests: "tests/e2e/actions-requests.json",
    expected: Expected::Files(&ACTIONS_APP_FILES),
    extra_check: Some("tests/e2e/actions.mjs"),
};

/// The actions app after the migration. `/api/todos` keeps a route handler (the todo list
/// fetches it from the browser), `/api/todos/export` has no caller in the app (a public API), and
/// `/api/todos/[id]/rename` sets a header in the middle of its logic, which cannot be extracted.
/// `/api/todos/[id]` and `/api/todos/stats` had only callers that are rewritten (to a Server
/// Action and a query function), so nothing needs their URL any more.
const ACTIONS_APP_FILES: ExpectedFiles = ExpectedFiles {
    present: &[
        "app/api/todos/route.ts",
        "app/api/todos/export/route.ts",
        "app/api/todos/[id]/rename/route.ts",
        "features/todos/service.ts",
        "features/todos/actions.ts",
        "features/todos/queries.ts",
    ],
    absent: &[
        "app/api/todos/[id]/route.ts",
        "app/api/todos/stats/route.ts",
    ],
    emptied: &["pages/api"],
    directives: &[("features/todos/actions.ts", "'use server'")],
};

/// Where an app folder gets its API routes from.
enum Migration {
    /// The real thing: `routeshift migrate --no-branch <app>`.
    RouteshiftBinary,
    /// A hand-written migration copied over the app, to check the harness and that every request
    /// in the scenario's requests can be answered identically by an App Router app.
    HandWritten(PathBuf),
}

// The tests below may run at the same time (cargo's default). That is safe: each set has its own
// work folder and lock (so the two scenarios of a set take turns, and the two sets run side by
// side), ports are handed out once per process (`two_free_ports`), and the npm cache tolerates
// concurrent installs.

#[test]
fn next15_migrated_app_answers_like_the_original() {
    run_end_to_end(&NEXT15, &DEMO, Migration::RouteshiftBinary);
}

#[test]
fn next16_migrated_app_answers_like_the_original() {
    run_end_to_end(&NEXT16, &DEMO, Migration::RouteshiftBinary);
}

#[test]
fn next15_actions_app_migrated_answers_like_the_original() {
    run_end_to_end(&NEXT15, &ACTIONS, Migration::RouteshiftBinary);
}

#[test]
fn next16_actions_app_migrated_answers_like_the_original() {
    run_end_to_end(&NEXT16, &ACTIONS, Migration::RouteshiftBinary);
}

#[test]
#[ignore = "checks the harness, not routeshift; run with --ignored"]
fn next15_hand_migrated_app_answers_like_the_original() {
    run_end_to_end(&NEXT15, &DEMO, hand_migration());
}

#[test]
#[ignore = "checks the harness, not routeshift; run with --ignored"]
fn next16_hand_migrated_app_answers_like_the_original() {
    run_end_to_end(&NEXT16, &DEMO, hand_migration());
}

fn hand_migration() -> Migration {
    Migration::HandWritten(repo_root().join("tests/e2e/hand-migrated"))
}

fn run_end_to_end(set: &NextSet, scenario: &Scenario, migration: Migration) {
    let started = Instant::now();
    let label = format!("{}/{}", set.name, scenario.name);
    let step = |name: &str| format!("{label} {name}");
    require_node_and_npm();

    let e2e = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e");
    remove_single_set_layout(&e2e);
    let set_dir = e2e.join(set.name);
    fs::create_dir_all(&set_dir).unwrap();
    let _lock = timed(&step("waiting for the set's lock"), || {
        WorkLock::acquire(&set_dir)
    });
    remove_single_scenario_layout(&set_dir);
    let set_logs = set_dir.join("logs");
    fs::create_dir_all(&set_logs).unwrap();

    let fixture = repo_root().join(scenario.fixture);
    let dependencies = repo_root().join(set.dependencies);
    check_fixture_packages(scenario);
    timed(&step("npm dependencies"), || {
        install_dependencies(set, &dependencies, &set_dir, &set_logs)
    });

    let work = set_dir.join(scenario.name);
    let logs = work.join("logs");
    if logs.exists() {
        fs::remove_dir_all(&logs).unwrap();
    }
    fs::create_dir_all(&logs).unwrap();
    let original = work.join("original");
    let migrated = work.join("migrated");
    let manifest = app_manifest(&dependencies, &fixture);
    for app in [&original, &migrated] {
        copy_app(&fixture, app);
        fs::write(app.join("package.json"), &manifest).unwrap();
    }

    timed(&step("migrate"), || match &migration {
        Migration::RouteshiftBinary => run_routeshift(&work, &migrated, &logs),
        Migration::HandWritten(source) => apply_hand_migration(source, &migrated),
    });
    // Checked now, reported at the end: building and serving an app that misses files still
    // shows how far the migration got (and that the original side works).
    let layout = match &scenario.expected {
        Expected::EveryRouteMoved => routes_moved_problems(&fixture, &migrated, &logs),
        Expected::Files(files) => expected_files_problems(files, &migrated, &logs),
    };
    if let Some(problems) = &layout {
        eprintln!(
            "[e2e] {label}: {problems}\n[e2e] {label}: building and serving both apps anyway; \
             the test fails at the end"
        );
    }
    let layout_note = match &layout {
        Some(_) => "\n\n(the migrated app also lacks expected files; see above)",
        None => "",
    };
    if set.turbopack {
        // After the migration, so the tool sees the project exactly as the fixture has it.
        for app in [&original, &migrated] {
            write_turbopack_root_config(app, &set_dir);
        }
    }

    let next_bin = set_dir.join("node_modules/next/dist/bin/next");
    // One after the other: the machines this runs on have few cores.
    timed(&step("next build original"), || {
        next_build(&next_bin, &original, &logs.join("build-original.log"), "")
    });
    timed(&step("next build migrated"), || {
        next_build(
            &next_bin,
            &migrated,
            &logs.join("build-migrated.log"),
            layout_note,
        )
    });

    let (original_port, migrated_port) = two_free_ports();
    let original_server = timed(&step("next start original"), || {
        NextServer::start(
            &next_bin,
            &original,
            original_port,
            &logs.join("start-original.log"),
        )
    });
    let migrated_server = timed(&step("next start migrated"), || {
        NextServer::start(
            &next_bin,
            &migrated,
            migrated_port,
            &logs.join("start-migrated.log"),
        )
    });

    let mut reports = vec![timed(&step("compare responses"), || {
        compare_responses(
            scenario,
            &original_server,
            &migrated_server,
            &logs.join("compare.log"),
        )
    })];
    if let Some(script) = scenario.extra_check {
        // Run even when the comparison failed: its message says more about what went wrong.
        reports.push(timed(&step(script), || {
            run_check_script(
                script,
                &original_server,
                &migrated_server,
                &logs.join("extra-check.log"),
            )
        }));
    }
    drop(migrated_server);
    drop(original_server);
    for report in &reports {
        println!("[{label}] {} output:\n{}", report.script, report.output);
    }
    // The full listing is on stdout; the failure message keeps only the differences.
    let failed: Vec<String> = reports
        .iter()
        .filter(|report| !report.status.success())
        .map(|report| {
            let differences: Vec<&str> = report
                .output
                .lines()
                .filter(|line| !line.starts_with("ok "))
                .collect();
            format!(
                "{} ({}):\n{}",
                report.script,
                report.status,
                differences.join("\n").trim()
            )
        })
        .collect();
    if let Some(problems) = layout {
        panic!(
            "{label}: {problems}\n\nBuilt and served anyway: {}; the apps are in {} and {}, \
             logs in {}:\n\n{}",
            if failed.is_empty() {
                "both answered alike".to_string()
            } else {
                format!("{} of the comparisons failed", failed.len())
            },
            original.display(),
            migrated.display(),
            logs.display(),
            failed.join("\n\n")
        );
    }
    assert!(
        failed.is_empty(),
        "{label}: the migrated app answered differently from the original; \
         the apps are in {} and {}, logs in {}:\n\n{}",
        original.display(),
        migrated.display(),
        logs.display(),
        failed.join("\n\n")
    );
    eprintln!("[e2e] {label} passed in {:.0?}", started.elapsed());
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs one stage and reports how long it took, so a slow run shows where the time went.
fn timed<T>(name: &str, f: impl FnOnce() -> T) -> T {
    eprintln!("[e2e] {name} ...");
    let started = Instant::now();
    let value = f();
    eprintln!("[e2e] {name}: done in {:.1?}", started.elapsed());
    value
}

// ---------------------------------------------------------------------------------------------
// Node.js and npm

fn require_node_and_npm() {
    let node = Command::new("node")
        .arg("--version")
        .stdin(Stdio::null())
        .output();
    let version = match node {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_string(),
        Ok(out) => panic!("`node --version` failed ({}); {INSTALL_NODE_HINT}", out.status),
        Err(err) => panic!("Node.js is needed for the end-to-end test but `node` cannot be run ({err}); {INSTALL_NODE_HINT}"),
    };
    let mut numbers = version
        .trim_start_matches('v')
        .split('.')
        .map(|n| n.parse::<u32>().ok());
    let major_minor = match (numbers.next().flatten(), numbers.next().flatten()) {
        (Some(major), Some(minor)) => Some((major, minor)),
        _ => None,
    };
    match major_minor {
        Some(found) if found >= MIN_NODE => {}
        _ => panic!("Node.js {version} is too old for the end-to-end test (Next.js 16 needs 20.9+, Next.js 15 and the compare script 20+); {INSTALL_NODE_HINT}"),
    }
    let npm = Command::new("npm")
        .arg("--version")
        .stdin(Stdio::null())
        .output();
    match npm {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "`npm --version` failed ({}); {INSTALL_NODE_HINT}",
            out.status
        ),
        Err(err) => panic!(
            "npm is needed for the end-to-end test but cannot be run ({err}); {INSTALL_NODE_HINT}"
        ),
    }
}

/// Before there was one folder per set, the packages and the apps were in `e2e/` itself. Its
/// lock file would sit above every set's folder: Next 15 then warns about several lock files and
/// takes `e2e/` as the workspace root. Removed under the lock that layout used, so a run of the
/// old test is never pulled from under it.
fn remove_single_set_layout(e2e: &Path) {
    if !e2e.join("package-lock.json").exists() {
        return;
    }
    let _lock = WorkLock::acquire(e2e);
    for dir in ["node_modules", "original", "migrated", "logs"] {
        let _ = fs::remove_dir_all(e2e.join(dir));
    }
    for file in ["package.json", "package-lock.json"] {
        let _ = fs::remove_file(e2e.join(file));
    }
}

/// Before there were scenarios, the demo app's copies were in the set's folder itself. Removed
/// under the set's lock (held by the caller).
fn remove_single_scenario_layout(set_dir: &Path) {
    for dir in ["original", "migrated"] {
        let _ = fs::remove_dir_all(set_dir.join(dir));
    }
}

/// A set is installed once for every scenario, from `fixtures/demo-app`'s (Next 15) or
/// `tests/e2e/next16`'s manifest, so every fixture must name the same packages as the demo app:
/// its `package.json` and `package-lock.json` may differ from the demo app's only in `name`.
fn check_fixture_packages(scenario: &Scenario) {
    let reference = repo_root().join(DEMO.fixture);
    let fixture = repo_root().join(scenario.fixture);
    if fixture == reference {
        return;
    }
    let reference_name = package_name(&reference);
    let name = package_name(&fixture);
    for file in ["package.json", "package-lock.json"] {
        let read = |dir: &Path| {
            fs::read_to_string(dir.join(file))
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.join(file).display()))
        };
        let ours = read(&fixture).replace(
            &format!("\"name\": {}", js_string(&name)),
            &format!("\"name\": {}", js_string(&reference_name)),
        );
        assert!(
            ours == read(&reference),
            "{}/{file} names other packages than {}/{file}; the Next 15 and 16 sets are installed \
             once for every scenario, so copy the demo app's {file} and change only `name`",
            scenario.fixture,
            DEMO.fixture
        );
    }
}

/// The `name` in `dir/package.json`.
fn package_name(dir: &Path) -> String {
    let manifest = fs::read_to_string(dir.join("package.json"))
        .unwrap_or_else(|e| panic!("cannot read {}/package.json: {e}", dir.display()));
    json_string_field(&manifest, "name")
        .unwrap_or_else(|| panic!("{}/package.json has no name", dir.display()))
}

/// The set's `package.json` under the fixture's own `name`: what each app copy is built with.
fn app_manifest(dependencies: &Path, fixture: &Path) -> String {
    let manifest = fs::read_to_string(dependencies.join("package.json")).unwrap();
    let set_name = package_name(dependencies);
    let name = package_name(fixture);
    let from = format!("\"name\": {}", js_string(&set_name));
    assert!(
        manifest.contains(&from),
        "{}/package.json: expected `{from}`",
        dependencies.display()
    );
    manifest.replacen(&from, &format!("\"name\": {}", js_string(&name)), 1)
}

/// Installs a set's dependencies into `work/node_modules`, unless the same `package.json` and
/// `package-lock.json` were installed there before (a stamp in `node_modules` keeps their hash).
fn install_dependencies(set: &NextSet, dependencies: &Path, work: &Path, logs: &Path) {
    let manifest = fs::read(dependencies.join("package.json"))
        .unwrap_or_else(|e| panic!("cannot read {}/package.json: {e}", set.dependencies));
    let lock = fs::read(dependencies.join("package-lock.json")).unwrap_or_else(|e| {
        panic!(
            "cannot read {}/package-lock.json ({e}); create it with \
             `npm install --package-lock-only` in that folder",
            set.dependencies
        )
    });
    let stamp = format!(
        "{:016x}",
        fnv1a64(&[manifest.as_slice(), b"\0", lock.as_slice()].concat())
    );
    let stamp_path = work.join("node_modules/.routeshift-e2e-stamp");
    let next_manifest = work.join("node_modules/next/package.json");
    if fs::read_to_string(&stamp_path).ok().as_deref() == Some(stamp.as_str())
        && next_manifest.exists()
    {
        eprintln!(
            "[e2e] {}: node_modules is up to date with {}/package-lock.json",
            set.name, set.dependencies
        );
        return;
    }

    fs::write(work.join("package.json"), &manifest).unwrap();
    fs::write(work.join("package-lock.json"), &lock).unwrap();
    let log = logs.join("npm-install.log");
    let mut ci = Command::new("npm");
    ci.args(["ci", "--no-audit", "--no-fund"]).current_dir(work);
    let (status, output) = run_logged(ci, &log, NPM_INSTALL_TIMEOUT);
    if !status.success() {
        // `npm ci` refuses a lock that lacks an entry for any optional dependency, and `next`
        // lists a native SWC package for every platform. When the registry does not carry all of
        // them for this `next` version, no lock can list them, and only `npm install` (which
        // still installs the locked versions) works.
        let lock_incomplete = output
            .contains("can only install packages when your package.json and package-lock.json")
            && output.contains("Missing: @next/swc-");
        assert!(
            lock_incomplete,
            "`npm ci` failed in {} ({status}):\n{output}",
            work.display()
        );
        eprintln!("[e2e] {}: `npm ci` refused the lock file (it lacks SWC builds for other platforms); using `npm install`", set.name);
        let mut install = Command::new("npm");
        install
            .args(["install", "--no-audit", "--no-fund", "--no-save"])
            .current_dir(work);
        let (status, output) = run_logged(install, &log, NPM_INSTALL_TIMEOUT);
        assert!(
            status.success(),
            "`npm install` failed in {} ({status}):\n{output}",
            work.display()
        );
    }

    let wanted = json_string_field(&String::from_utf8_lossy(&manifest), "next")
        .unwrap_or_else(|| panic!("{}/package.json names no `next` version", set.dependencies));
    let installed = fs::read_to_string(&next_manifest)
        .ok()
        .and_then(|text| json_string_field(&text, "version"))
        .unwrap_or_else(|| panic!("npm finished but {} is missing", next_manifest.display()));
    assert_eq!(
        installed, wanted,
        "npm installed next {installed}, {}/package.json asks for {wanted}",
        set.dependencies
    );
    fs::write(&stamp_path, &stamp).unwrap();
}

/// `text` as a JavaScript string literal.
fn js_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// 64-bit FNV-1a: a stable content hash without extra crates (`DefaultHasher` may change
/// between Rust releases).
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The first `"<key>": "<value>"` in a JSON text. Enough for the two package.json fields read here.
fn json_string_field(json: &str, key: &str) -> Option<String> {
    let needle = format!("\"{key}\"");
    let rest = &json[json.find(&needle)? + needle.len()..];
    let rest = rest
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

// ---------------------------------------------------------------------------------------------
// The apps

/// A fresh copy of the fixture app, without anything installed, built or stored (the actions
/// app keeps its data in `.data/`, seeded when missing).
fn copy_app(fixture: &Path, dest: &Path) {
    if dest.exists() {
        fs::remove_dir_all(dest)
            .unwrap_or_else(|e| panic!("cannot remove {}: {e}", dest.display()));
    }
    copy_tree(fixture, dest, &|name| {
        !matches!(
            name,
            "node_modules" | ".next" | ".data" | "package-lock.json"
        )
    });
}

fn copy_tree(from: &Path, to: &Path, keep: &dyn Fn(&str) -> bool) {
    fs::create_dir_all(to).unwrap();
    let mut entries: Vec<_> = fs::read_dir(from).unwrap().map(Result::unwrap).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        if !keep(&name.to_string_lossy()) {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target, keep);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn run_routeshift(work: &Path, app: &Path, logs: &Path) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_routeshift"));
    cmd.arg("migrate")
        .arg("--no-branch")
        .arg(app)
        .current_dir(work);
    // The work folder sits inside this repository's (ignored) target folder. Keep git from
    // finding the repository above it, so the tool sees a plain folder, as in a fresh checkout
    // of someone else's project, and never touches this repository.
    cmd.env("GIT_CEILING_DIRECTORIES", work);
    let (status, output) = run_logged(cmd, &logs.join("migrate.log"), MIGRATE_TIMEOUT);
    println!("routeshift migrate output:\n{output}");
    assert!(
        status.success(),
        "`routeshift migrate --no-branch {}` failed ({status}):\n{output}",
        app.display()
    );
}

fn apply_hand_migration(source: &Path, app: &Path) {
    fs::remove_dir_all(app.join("pages/api")).unwrap();
    copy_tree(source, app, &|_| true);
}

/// Turbopack compiles and resolves only inside its root folder, and `next` lives in the set's
/// `node_modules` above the app. Left alone, Next infers the root from the outermost lock file
/// (within the git repository), which is the set's `package-lock.json` only while it is there;
/// without it the build fails with "Could not find the Next.js package". Name the root instead.
fn write_turbopack_root_config(app: &Path, root: &Path) {
    for name in routeshift::project::NEXT_CONFIG_FILES {
        assert!(
            !app.join(name).exists(),
            "{} has a {name}; teach write_turbopack_root_config to keep its settings",
            app.display()
        );
    }
    let root = fs::canonicalize(root).unwrap();
    let root = root.to_str().expect("the work folder path is not UTF-8");
    let config = format!(
        "// Written by tests/e2e.rs: the packages are installed in the folder above this app.\n\
         export default {{ turbopack: {{ root: {} }} }}\n",
        js_string(root)
    );
    fs::write(app.join("next.config.mjs"), config).unwrap();
}

/// The migration really happened: no route is left under `pages/api`, and each one has a route
/// handler at its App Router path. Without this, a tool that changes nothing would pass, since the
/// untouched copy answers exactly like the original. The failure message, if any.
fn routes_moved_problems(fixture: &Path, migrated: &Path, logs: &Path) -> Option<String> {
    let pages_api = fixture.join("pages/api");
    let mut routes = Vec::new();
    collect_files(&pages_api, &mut routes);
    assert!(
        !routes.is_empty(),
        "the fixture has no API routes under {}",
        pages_api.display()
    );

    let mut problems = Vec::new();
    for route in &routes {
        let relative = route.strip_prefix(&pages_api).unwrap();
        let left_behind = migrated.join("pages/api").join(relative);
        if left_behind.exists() {
            problems.push(format!("pages/api/{} is still there", relative.display()));
        }
        let candidates = route_handler_candidates(relative);
        if !candidates.iter().any(|c| migrated.join(c).is_file()) {
            problems.push(format!(
                "pages/api/{} has no route handler; looked for {}",
                relative.display(),
                candidates.join(", ")
            ));
        }
    }
    if problems.is_empty() {
        return None;
    }
    Some(format!(
        "the migration did not move every API route to the App Router:\n  {}\nfiles in {}:\n  {}{}",
        problems.join("\n  "),
        migrated.display(),
        app_listing(migrated).join("\n  "),
        migration_output(logs)
    ))
}

/// The migrated copy has the files `expected` lists (see [`ExpectedFiles`]). The failure
/// message, if any.
fn expected_files_problems(
    expected: &ExpectedFiles,
    migrated: &Path,
    logs: &Path,
) -> Option<String> {
    let mut problems = Vec::new();
    for path in expected.present {
        if !migrated.join(path).is_file() {
            problems.push(format!("{path} is missing"));
        }
    }
    for path in expected.absent {
        if migrated.join(path).exists() {
            problems.push(format!("{path} should not exist"));
        }
    }
    for dir in expected.emptied {
        let mut left = Vec::new();
        collect_files(&migrated.join(dir), &mut left);
        for file in left {
            let file = file.strip_prefix(migrated).unwrap().display().to_string();
            problems.push(format!("{file} is still there ({dir} should hold no file)"));
        }
    }
    for (path, directive) in expected.directives {
        let Ok(text) = fs::read_to_string(migrated.join(path)) else {
            problems.push(format!(
                "{path} cannot be read for its directive {directive}"
            ));
            continue;
        };
        let first = text.lines().next().unwrap_or("");
        let normal = |line: &str| line.trim().trim_end_matches(';').replace('"', "'");
        if normal(first) != normal(directive) {
            problems.push(format!(
                "{path} starts with {first:?}, expected the directive {directive}"
            ));
        }
    }
    if problems.is_empty() {
        return None;
    }
    Some(format!(
        "the migrated app does not have the expected files:\n  {}\nfiles in {}:\n  {}{}",
        problems.join("\n  "),
        migrated.display(),
        app_listing(migrated).join("\n  "),
        migration_output(logs)
    ))
}

/// The app's files without `.next`, relative to it.
fn app_listing(app: &Path) -> Vec<String> {
    let mut files = Vec::new();
    collect_files(app, &mut files);
    files
        .iter()
        .map(|f| f.strip_prefix(app).unwrap().display().to_string())
        .filter(|f| !f.starts_with(".next"))
        .collect()
}

/// What `routeshift migrate` printed, for a failure message (nothing for a hand migration).
fn migration_output(logs: &Path) -> String {
    let log = logs.join("migrate.log");
    if !log.exists() {
        return String::new();
    }
    format!(
        "\n\nrouteshift migrate output:\n{}",
        read_log(&log).trim_end()
    )
}

/// Where the route handler for `pages/api/<relative>` may live, e.g. `items/index.ts` →
/// `app/api/items/route.ts`, `_private.ts` → `app/api/%5Fprivate/route.ts` (a folder starting with
/// `_` is private in the App Router; `%5F` is the documented escape).
fn route_handler_candidates(relative: &Path) -> Vec<String> {
    let mut segments: Vec<String> = relative
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    let file = segments.pop().unwrap();
    let stem = Path::new(&file)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    if stem != "index" {
        segments.push(stem);
    }
    let escaped = |upper: bool| -> String {
        segments
            .iter()
            .map(|s| match s.strip_prefix('_') {
                Some(rest) if upper => format!("%5F{rest}"),
                Some(rest) => format!("%5f{rest}"),
                None => s.clone(),
            })
            .map(|s| format!("{s}/"))
            .collect()
    };
    let mut candidates = Vec::new();
    for dir in [escaped(true), escaped(false)] {
        for ext in ["ts", "js"] {
            let candidate = format!("app/api/{dir}route.{ext}");
            if !candidates.contains(&candidate) {
                candidates.push(candidate);
            }
        }
    }
    candidates
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.map(Result::unwrap).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if entry.file_type().unwrap().is_dir() {
            collect_files(&entry.path(), out);
        } else {
            out.push(entry.path());
        }
    }
}

fn next_command(next_bin: &Path, app: &Path) -> Command {
    let mut cmd = Command::new("node");
    cmd.arg(next_bin).current_dir(app);
    cmd.env("NEXT_TELEMETRY_DISABLED", "1");
    // Non-interactive, and keeps `next build` from trying to patch the lock file over the network.
    cmd.env("CI", "true");
    cmd.env("NO_COLOR", "1");
    cmd.env_remove("NODE_OPTIONS");
    cmd.env_remove("NODE_ENV");
    cmd
}

/// `note` is appended to the failure message.
fn next_build(next_bin: &Path, app: &Path, log: &Path, note: &str) {
    let mut cmd = next_command(next_bin, app);
    cmd.arg("build");
    let (status, output) = run_logged(cmd, log, BUILD_TIMEOUT);
    assert!(
        status.success(),
        "`next build` failed in {} ({status}):\n{output}{note}",
        app.display()
    );
}

// ---------------------------------------------------------------------------------------------
// Servers and the comparison

/// A `next start` process, killed when dropped (also while a failed assertion unwinds).
struct NextServer {
    child: Child,
    base_url: String,
}

impl NextServer {
    fn start(next_bin: &Path, app: &Path, port: u16, log: &Path) -> NextServer {
        let base_url = format!("http://127.0.0.1:{port}");
        let mut cmd = next_command(next_bin, app);
        cmd.args(["start", "-p", &port.to_string(), "-H", "127.0.0.1"]);
        // The server's own address, for pages that fetch its API routes on the server
        // (`${process.env.APP_URL}/api/...`). Read at run time: server code is not inlined.
        cmd.env("APP_URL", &base_url);
        // next-auth builds its URLs (`/api/auth/providers`) from it: the same for both servers.
        cmd.env("NEXTAUTH_URL", "http://demo.test");
        let child = spawn_logged(cmd, log);
        let mut server = NextServer { child, base_url };
        server.wait_until_ready(port, log);
        server
    }

    fn wait_until_ready(&mut self, port: u16, log: &Path) {
        let deadline = Instant::now() + SERVER_READY_TIMEOUT;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "`next start` exited ({status}) before answering on port {port}:\n{}",
                    read_log(log)
                );
            }
            // Still running after it answered: a server that failed to bind an already taken
            // port exits, and the answer came from someone else.
            if answers_http(addr) && self.child.try_wait().unwrap().is_none() {
                return;
            }
            if Instant::now() > deadline {
                panic!("`next start` did not answer on port {port} within {SERVER_READY_TIMEOUT:?}:\n{}", read_log(log));
            }
            thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for NextServer {
    fn drop(&mut self) {
        // `next start` serves from a single process, so killing it stops the server.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether something on `addr` answers a plain HTTP request with an HTTP status line.
fn answers_http(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
    let request =
        format!("GET /api/__e2e_ready HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.")
}

/// Two ports that were free a moment ago (the servers bind them right after), never the same
/// port twice in this process: the tests run in parallel, and a port one test found free and
/// let go of could otherwise be handed to the other before its server binds it.
fn two_free_ports() -> (u16, u16) {
    static HANDED_OUT: Mutex<Option<HashSet<u16>>> = Mutex::new(None);
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    let handed_out = handed_out.get_or_insert_with(HashSet::new);
    let mut pick = || loop {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        if handed_out.insert(port) {
            return port;
        }
    };
    (pick(), pick())
}

/// What one of the Node scripts found.
struct CompareReport {
    /// The script, for messages.
    script: String,
    status: ExitStatus,
    output: String,
}

fn compare_responses(
    scenario: &Scenario,
    original: &NextServer,
    migrated: &NextServer,
    log: &Path,
) -> CompareReport {
    let e2e = repo_root().join("tests/e2e");
    let mut cmd = Command::new("node");
    cmd.arg(e2e.join("compare.mjs"))
        .arg(repo_root().join(scenario.requests))
        .arg(&original.base_url)
        .arg(&migrated.base_url)
        .current_dir(&e2e);
    let (status, output) = run_logged(cmd, log, COMPARE_TIMEOUT);
    CompareReport {
        script: format!("compare.mjs {}", scenario.requests),
        status,
        output,
    }
}

/// A scenario's own check, `node <script> <original-base> <migrated-base>`.
fn run_check_script(
    script: &str,
    original: &NextServer,
    migrated: &NextServer,
    log: &Path,
) -> CompareReport {
    let path = repo_root().join(script);
    let mut cmd = Command::new("node");
    cmd.arg(&path)
        .arg(&original.base_url)
        .arg(&migrated.base_url)
        .current_dir(path.parent().unwrap());
    let (status, output) = run_logged(cmd, log, COMPARE_TIMEOUT);
    CompareReport {
        script: script.to_string(),
        status,
        output,
    }
}

// ---------------------------------------------------------------------------------------------
// Processes

/// Starts `cmd` with stdin closed and stdout and stderr both appended to `log`. A file rather
/// than a pipe: a child that writes a lot can never block on a full pipe, and a grandchild that
/// keeps the output open cannot make the test wait.
fn spawn_logged(mut cmd: Command, log: &Path) -> Child {
    let out = File::create(log).unwrap_or_else(|e| panic!("cannot create {}: {e}", log.display()));
    let err = out.try_clone().unwrap();
    cmd.stdin(Stdio::null()).stdout(out).stderr(err);
    cmd.spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// Runs `cmd` to completion (see [`spawn_logged`]), killing it after `timeout`. Returns the exit
/// status and everything it printed.
fn run_logged(cmd: Command, log: &Path, timeout: Duration) -> (ExitStatus, String) {
    let description = format!("{cmd:?}");
    let mut child = spawn_logged(cmd, log);
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status, read_log(log));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{description} did not finish within {timeout:?}; output so far:\n{}",
                read_log(log)
            );
        }
        thread::sleep(Duration::from_millis(100));
    }
}

/// A log's text without terminal colour codes (Next colours its code frames even with `NO_COLOR`).
fn read_log(log: &Path) -> String {
    let text = fs::read(log)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    strip_ansi(&text)
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            // Parameters and intermediates, then one final byte in `@`..=`~`.
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// One run at a time

/// Keeps two runs on the same set (the two scenarios of one `cargo test`, two `cargo test`s, or a
/// real and a hand-migrated test) from installing into or building in the set's folder at the
/// same time. A directory, because creating one is atomic; it holds the owner's process id so
/// that a lock left by a killed run is taken over (tests of one process wait for each other,
/// since their process is alive).
struct WorkLock {
    dir: PathBuf,
}

impl WorkLock {
    fn acquire(work: &Path) -> WorkLock {
        let dir = work.join(".lock");
        let deadline = Instant::now() + LOCK_TIMEOUT;
        let mut told = false;
        loop {
            match fs::create_dir(&dir) {
                Ok(()) => {
                    fs::write(dir.join("pid"), std::process::id().to_string()).unwrap();
                    return WorkLock { dir };
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if lock_is_stale(&dir) {
                        let _ = fs::remove_dir_all(&dir);
                        continue;
                    }
                }
                Err(e) => panic!("cannot create {}: {e}", dir.display()),
            }
            assert!(
                Instant::now() < deadline,
                "{} is still held after {LOCK_TIMEOUT:?}",
                dir.display()
            );
            if !told {
                eprintln!("[e2e] waiting for another run that holds {}", dir.display());
                told = true;
            }
            thread::sleep(Duration::from_secs(1));
        }
    }
}

impl Drop for WorkLock {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// The lock's owner is gone. A lock without a pid file yet is fresh unless it is old.
fn lock_is_stale(dir: &Path) -> bool {
    match fs::read_to_string(dir.join("pid")) {
        Ok(pid) => {
            let pid = pid.trim();
            // Signal 0 only asks whether the process exists.
            let alive = Command::new("kill")
                .args(["-0", pid])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(true);
            !alive
        }
        Err(_) => fs::metadata(dir)
            .and_then(|m| m.modified())
            .map(|t| t.elapsed().unwrap_or_default() > Duration::from_secs(60))
            .unwrap_or(false),
    }
}
