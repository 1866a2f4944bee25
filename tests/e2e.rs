//! End-to-end: migrate `fixtures/demo-app` with the real `routeshift` binary, build the original
//! and the migrated app with the real `next` package, start both, replay the same HTTP requests
//! against both (`tests/e2e/requests.json`, driven by `tests/e2e/compare.mjs`) and require the
//! same answers: status, body, content type, `Location`, `Set-Cookie`, `Allow`, handler-set
//! `Cache-Control` and custom `x-*` headers. A failed `next build` fails the test with its
//! output, which is how the migrated code is proven to type-check.
//!
//! The same scenario runs once per supported Next.js major, each a test of its own so a failure
//! names the version: Next 15 with the fixture's own `package.json` + `package-lock.json`, Next 16
//! with `tests/e2e/next16/package.json` + `package-lock.json`. The app sources are the same; only
//! the installed packages differ.
//!
//! Needs Node.js 20.9+ with npm, and the npm registry the first time (and whenever a lock file
//! changes). Layout under `CARGO_TARGET_TMPDIR/e2e/`, one folder per dependency set:
//!
//! ```text
//! next15/, next16/
//!   package.json, package-lock.json, node_modules/   installed once, reused while the lock is unchanged
//!   original/                                        the fixture app, copied fresh each run
//!   migrated/                                        the same copy, then `routeshift migrate --no-branch`
//!   logs/                                            npm, build, server and migration output
//! ```
//!
//! The apps have no `node_modules` of their own: Node and Next resolve `next`, `react`,
//! `typescript` and `@types/*` from `<set>/node_modules` by walking up, so both builds of a set
//! share one install. The copies leave out `package-lock.json`: with a second lock file in the app
//! folder Next warns that it found several and has to guess the workspace root. Turbopack (Next
//! 16's default bundler) resolves nothing outside its root folder, so the Next 16 copies get a
//! `next.config.mjs` that names the set's folder as `turbopack.root` (see `tests/e2e/README.md`).
//!
//! Run: `cargo test --test e2e -- --nocapture` (both versions in parallel, about 35 s on two cores
//! once the npm packages are installed; Next 15 alone ~26 s, Next 16 alone ~12 s; the first run
//! also installs them).
//! `cargo test --test e2e -- --ignored` checks the harness itself: it serves the hand-written
//! migration in `tests/e2e/hand-migrated/` instead of the tool's output.

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
/// How long to wait for another run of this test that holds the work folder.
const LOCK_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Next 16 needs 20.9 (its `engines`), Next 15 and the compare script 20.
const MIN_NODE: (u32, u32) = (20, 9);
const INSTALL_NODE_HINT: &str = "install Node.js 20 or newer (20.9+), which includes npm: \
     https://nodejs.org/en/download (or `nvm install 20`, `brew install node@20`, \
     `apt-get install nodejs` from NodeSource), then make sure `node` and `npm` are on PATH";

/// One set of npm packages the fixture app is built and served with.
struct NextSet {
    /// The work folder under `CARGO_TARGET_TMPDIR/e2e/`, also the label in messages.
    name: &'static str,
    /// The folder, relative to the repository, with the `package.json` and `package-lock.json`
    /// to install. The manifest is also copied into both app copies, so each copy names the
    /// packages it is built with.
    dependencies: &'static str,
    /// `next build` bundles with Turbopack, which only resolves files inside its root folder.
    turbopack: bool,
}

/// Next.js 15.5.29 (webpack), from the fixture's own manifest and lock file.
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

/// Where an app folder gets its API routes from.
enum Migration {
    /// The real thing: `routeshift migrate --no-branch <app>`.
    RouteshiftBinary,
    /// A hand-written migration copied over the app, to check the harness and that every request
    /// in `requests.json` can be answered identically by an App Router app.
    HandWritten(PathBuf),
}

// The tests below may run at the same time (cargo's default). That is safe: each set has its own
// work folder and lock, ports are handed out once per process (`two_free_ports`), and the npm
// cache tolerates concurrent installs. On two cores the four builds then take about twice as long.

#[test]
fn next15_migrated_app_answers_like_the_original() {
    run_end_to_end(&NEXT15, Migration::RouteshiftBinary);
}

#[test]
fn next16_migrated_app_answers_like_the_original() {
    run_end_to_end(&NEXT16, Migration::RouteshiftBinary);
}

#[test]
#[ignore = "checks the harness, not routeshift; run with --ignored"]
fn next15_hand_migrated_app_answers_like_the_original() {
    run_end_to_end(&NEXT15, hand_migration());
}

#[test]
#[ignore = "checks the harness, not routeshift; run with --ignored"]
fn next16_hand_migrated_app_answers_like_the_original() {
    run_end_to_end(&NEXT16, hand_migration());
}

fn hand_migration() -> Migration {
    Migration::HandWritten(repo_root().join("tests/e2e/hand-migrated"))
}

fn run_end_to_end(set: &NextSet, migration: Migration) {
    let started = Instant::now();
    let step = |name: &str| format!("{} {name}", set.name);
    require_node_and_npm();

    let e2e = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e");
    remove_single_set_layout(&e2e);
    let work = e2e.join(set.name);
    fs::create_dir_all(&work).unwrap();
    let _lock = WorkLock::acquire(&work);
    let logs = work.join("logs");
    fs::create_dir_all(&logs).unwrap();

    let fixture = repo_root().join("fixtures/demo-app");
    let dependencies = repo_root().join(set.dependencies);
    timed(&step("npm dependencies"), || {
        install_dependencies(set, &dependencies, &work, &logs)
    });

    let original = work.join("original");
    let migrated = work.join("migrated");
    for app in [&original, &migrated] {
        copy_app(&fixture, app);
        fs::copy(dependencies.join("package.json"), app.join("package.json")).unwrap();
    }

    timed(&step("migrate"), || match &migration {
        Migration::RouteshiftBinary => run_routeshift(&work, &migrated, &logs),
        Migration::HandWritten(source) => apply_hand_migration(source, &migrated),
    });
    assert_routes_moved(&fixture, &migrated);
    if set.turbopack {
        // After the migration, so the tool sees the project exactly as the fixture has it.
        for app in [&original, &migrated] {
            write_turbopack_root_config(app, &work);
        }
    }

    let next_bin = work.join("node_modules/next/dist/bin/next");
    // One after the other: the machines this runs on have few cores.
    timed(&step("next build original"), || {
        next_build(&next_bin, &original, &logs.join("build-original.log"))
    });
    timed(&step("next build migrated"), || {
        next_build(&next_bin, &migrated, &logs.join("build-migrated.log"))
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

    let report = timed(&step("compare responses"), || {
        compare_responses(
            &original_server,
            &migrated_server,
            &logs.join("compare.log"),
        )
    });
    println!("[{}] compare.mjs output:\n{}", set.name, report.output);
    drop(migrated_server);
    drop(original_server);
    // The full listing is on stdout; the failure message keeps only the differences.
    let differences: Vec<&str> = report
        .output
        .lines()
        .filter(|line| !line.starts_with("ok "))
        .collect();
    assert!(
        report.status.success(),
        "{}: the migrated app answered differently from the original ({}); \
         the apps are in {} and {}, logs in {}:\n\n{}",
        set.name,
        report.status,
        original.display(),
        migrated.display(),
        logs.display(),
        differences.join("\n").trim()
    );
    eprintln!("[e2e] {} passed in {:.0?}", set.name, started.elapsed());
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

/// A fresh copy of the fixture app, without anything installed or built.
fn copy_app(fixture: &Path, dest: &Path) {
    if dest.exists() {
        fs::remove_dir_all(dest)
            .unwrap_or_else(|e| panic!("cannot remove {}: {e}", dest.display()));
    }
    copy_tree(fixture, dest, &|name| {
        !matches!(name, "node_modules" | ".next" | "package-lock.json")
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
/// untouched copy answers exactly like the original.
fn assert_routes_moved(fixture: &Path, migrated: &Path) {
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
    let mut files = Vec::new();
    collect_files(migrated, &mut files);
    let listing: Vec<String> = files
        .iter()
        .map(|f| f.strip_prefix(migrated).unwrap().display().to_string())
        .filter(|f| !f.starts_with(".next"))
        .collect();
    assert!(
        problems.is_empty(),
        "the migration did not move every API route to the App Router:\n  {}\nfiles in {}:\n  {}",
        problems.join("\n  "),
        migrated.display(),
        listing.join("\n  ")
    );
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

fn next_build(next_bin: &Path, app: &Path, log: &Path) {
    let mut cmd = next_command(next_bin, app);
    cmd.arg("build");
    let (status, output) = run_logged(cmd, log, BUILD_TIMEOUT);
    assert!(
        status.success(),
        "`next build` failed in {} ({status}):\n{output}",
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
        let mut cmd = next_command(next_bin, app);
        cmd.args(["start", "-p", &port.to_string(), "-H", "127.0.0.1"]);
        let child = spawn_logged(cmd, log);
        let mut server = NextServer {
            child,
            base_url: format!("http://127.0.0.1:{port}"),
        };
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

struct CompareReport {
    status: ExitStatus,
    output: String,
}

fn compare_responses(original: &NextServer, migrated: &NextServer, log: &Path) -> CompareReport {
    let e2e = repo_root().join("tests/e2e");
    let mut cmd = Command::new("node");
    cmd.arg(e2e.join("compare.mjs"))
        .arg(e2e.join("requests.json"))
        .arg(&original.base_url)
        .arg(&migrated.base_url)
        .current_dir(&e2e);
    let (status, output) = run_logged(cmd, log, COMPARE_TIMEOUT);
    CompareReport { status, output }
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

/// Keeps two runs of this test on the same set (two `cargo test`s, or a real and a hand-migrated
/// test) from rebuilding the same folders under each other. A directory, because creating one is atomic; it holds the
/// owner's process id so that a lock left by a killed run is taken over.
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
