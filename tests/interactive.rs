//! `routeshift migrate --interactive` driven for real: the binary runs on a pseudo-terminal
//! (`openpty`, the terminal as its controlling terminal), the test reads what it shows until each
//! prompt appears (with a timeout, so a hang fails instead of blocking), types the answers, and
//! checks the branch, the commits and the files it leaves.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::FromRawFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

mod common;

use common::repo::{commit_in_new_repository, git, read, write, HELLO, ITEM};

/// How long one step (a prompt, the end of the run) may take before the test fails.
const STEP: Duration = Duration::from_secs(60);

/// `res.on` has no route handler form: left for manual work, never asked.
const EVENTS: &str = "import type { NextApiRequest, NextApiResponse } from 'next'\n\nexport default function handler(req: NextApiRequest, res: NextApiResponse) {\n  res.on('finish', () => console.log('done'))\n  res.status(200).end()\n}\n";

const CASE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/service/shared-feature-service"
);
const ARCHIVE: &str = "pages/api/projects/[id]/archive.ts";
const PROJECTS: &str = "pages/api/projects/index.ts";
const BUTTONS: &str = "app/projects/buttons.tsx";

/// A project whose routes are asked in this order:
/// `/api/hello` and `/api/items/[id]` (route handlers sharing the compat module),
/// `/api/projects/[id]/archive` and `/api/projects` (app mutations sharing a feature service,
/// its actions and the buttons that call them); `/api/events` is left for manual work.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for path in [
        "package.json",
        "tsconfig.json",
        "lib/db.ts",
        BUTTONS,
        ARCHIVE,
        PROJECTS,
    ] {
        write(root, path, &read(Path::new(CASE), path));
    }
    write(root, "pages/api/hello.ts", HELLO);
    write(root, "pages/api/items/[id].ts", ITEM);
    write(root, "pages/api/events.ts", EVENTS);
    commit_in_new_repository(root);
    dir
}

/// The binary running on a pseudo-terminal.
struct Session {
    master: File,
    output: Receiver<Vec<u8>>,
    /// Everything shown so far, without the terminal's carriage returns.
    screen: String,
    /// How much of `screen` the prompts waited for have consumed.
    consumed: usize,
    child: Child,
}

impl Session {
    fn start(root: &Path, args: &[&str], env: &[(&str, &str)]) -> Session {
        let (mut master, mut slave) = (0, 0);
        let size = libc::winsize {
            ws_row: 40,
            ws_col: 200,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: openpty writes two descriptors; no name buffer or termios is passed.
        let opened = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                &size,
            )
        };
        assert_eq!(opened, 0, "openpty: {}", std::io::Error::last_os_error());
        for fd in [master, slave] {
            // SAFETY: sets FD_CLOEXEC on a descriptor this test owns, so that the processes
            // other tests start do not keep this terminal open.
            unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
        }
        // SAFETY: both descriptors were just opened and are owned here only.
        let (master, slave) = unsafe { (File::from_raw_fd(master), File::from_raw_fd(slave)) };
        let mut command = Command::new(env!("CARGO_BIN_EXE_routeshift"));
        command
            .args(args)
            .arg(root)
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave))
            .env_remove("NO_COLOR")
            .envs(env.iter().copied());
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            command.pre_exec(|| {
                // A session of its own with the terminal as its controlling terminal, as a shell
                // starts a command: Ctrl-C typed there then interrupts it.
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // A test runner started in the background may ignore SIGINT; a shell resets it.
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                Ok(())
            });
        }
        let child = command.spawn().unwrap();
        drop(command);
        let (sender, output) = mpsc::channel();
        let mut reader = master.try_clone().unwrap();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            // Ends with EIO once no process holds the terminal any more.
            while let Ok(read) = reader.read(&mut buffer) {
                if read == 0 || sender.send(buffer[..read].to_vec()).is_err() {
                    break;
                }
            }
        });
        Session {
            master,
            output,
            screen: String::new(),
            consumed: 0,
            child,
        }
    }

    fn receive(&mut self, timeout: Duration) -> Result<(), RecvTimeoutError> {
        let chunk = self.output.recv_timeout(timeout)?;
        self.screen
            .push_str(&String::from_utf8_lossy(&chunk).replace('\r', ""));
        Ok(())
    }

    /// Waits until `text` appears after what earlier waits consumed; returns what came before it.
    fn wait_for(&mut self, text: &str) -> String {
        let deadline = Instant::now() + STEP;
        loop {
            if let Some(at) = self.screen[self.consumed..].find(text) {
                let before = self.screen[self.consumed..self.consumed + at].to_string();
                self.consumed += at + text.len();
                return before;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if let Err(error) = self.receive(left) {
                panic!(
                    "`{text}` did not appear ({error:?}); the screen:\n{}",
                    self.screen
                );
            }
        }
    }

    /// Types `keys` at the terminal.
    fn type_keys(&mut self, keys: &str) {
        self.master.write_all(keys.as_bytes()).unwrap();
        self.master.flush().unwrap();
    }

    /// Answers the prompt about `url` with `answer`; returns the text shown for it.
    fn answer(&mut self, url: &str, answer: &str) -> String {
        let shown = self.wait_for(&format!(
            "migrate {url}? [y]es / [n]o / [a]ll remaining / [q]uit / [?] help"
        ));
        self.type_keys(&format!("{answer}\n"));
        shown
    }

    /// Waits for the process to end and for the rest of its output.
    fn finish(mut self) -> (ExitStatus, String) {
        let deadline = Instant::now() + STEP;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("routeshift did not end; the screen:\n{}", self.screen);
            }
            let _ = self.receive(Duration::from_millis(50));
        };
        // What it wrote before ending is still in the terminal.
        while self.receive(Duration::from_millis(500)).is_ok() {}
        let rest = self.screen[self.consumed..].to_string();
        (status, rest)
    }
}

/// A run with no colors, no progress bar and nothing paged.
fn start(root: &Path) -> Session {
    Session::start(
        root,
        &["--color", "never", "--quiet", "migrate", "--interactive"],
        &[("LINES", "100000"), ("PAGER", "false")],
    )
}

fn subjects(root: &Path) -> Vec<String> {
    git(root, &["log", "--format=%s", "--reverse", "main..HEAD"])
        .lines()
        .map(str::to_string)
        .collect()
}

fn exists(root: &Path, path: &str) -> bool {
    root.join(path).exists()
}

#[test]
fn yes_and_no_apply_exactly_the_accepted_routes() {
    let dir = project();
    let root = dir.path();
    let mut session = start(root);
    let first = session.answer("/api/hello", "y");
    // The manual route is listed, not asked; the first route shows its whole change and the
    // shared compat module.
    assert!(
        first.contains("not asked: 1 route left for manual work"),
        "{first}"
    );
    assert!(first.contains("manual[manual/res-on]"), "{first}");
    assert!(first.contains("4 routes to review."), "{first}");
    assert!(
        first.contains("(1/4) /api/hello  pages/api/hello.ts  → route handler (GET)"),
        "{first}"
    );
    assert!(first.contains("class   public-api"), "{first}");
    assert!(
        first.contains("  create  lib/routeshift/pages-compat.ts  (shared with /api/items/[id])"),
        "{first}"
    );
    assert!(first.contains("+++ app/api/hello/route.ts"), "{first}");
    assert!(
        first.contains("--- pages/api/hello.ts\n+++ /dev/null"),
        "{first}"
    );
    assert!(
        first.contains("+++ lib/routeshift/pages-compat.ts"),
        "{first}"
    );
    let second = session.answer("/api/items/[id]", "n");
    assert!(
        second
            .contains("  uses    lib/routeshift/pages-compat.ts  (shared, shown with /api/hello)"),
        "{second}"
    );
    assert!(
        !second.contains("+++ lib/routeshift/pages-compat.ts"),
        "{second}"
    );
    let third = session.answer("/api/projects/[id]/archive", "no");
    assert!(third.contains("class   app-mutation"), "{third}");
    assert!(
        third.contains("  create  features/projects/service.ts  (shared with /api/projects)"),
        "{third}"
    );
    assert!(third.contains("--- app/projects/buttons.tsx"), "{third}");
    session.answer("/api/projects", "yes");
    let (status, summary) = session.finish();
    assert!(status.success(), "{status:?}\n{summary}");
    assert!(
        summary.contains("on new branch routeshift/app-router"),
        "{summary}"
    );
    assert!(
        summary.contains("applied 2 routes on branch routeshift/app-router, one commit each: /api/hello, /api/projects"),
        "{summary}"
    );
    assert!(
        summary.contains("rejected, left as they are: /api/items/[id], /api/projects/[id]/archive"),
        "{summary}"
    );
    assert!(
        summary.contains("not asked (manual work or errors): /api/events"),
        "{summary}"
    );

    assert_eq!(
        git(root, &["branch", "--show-current"]).trim(),
        "routeshift/app-router"
    );
    assert_eq!(
        subjects(root),
        [
            "routeshift: add lib/routeshift/pages-compat.ts",
            "routeshift: add features/projects/actions.ts",
            "routeshift: add features/projects/service.ts",
            "routeshift: migrate /api/hello to a route handler",
            "routeshift: migrate /api/projects to a feature service and the App Router entry points",
        ]
    );
    assert!(git(root, &["status", "--porcelain"]).is_empty());
    // Accepted: moved.
    assert!(exists(root, "app/api/hello/route.ts") && !exists(root, "pages/api/hello.ts"));
    assert!(!exists(root, PROJECTS));
    // Rejected: byte for byte as they were, and nothing made for them.
    assert_eq!(read(root, "pages/api/items/[id].ts"), ITEM);
    assert_eq!(read(root, ARCHIVE), read(Path::new(CASE), ARCHIVE));
    assert_eq!(read(root, "pages/api/events.ts"), EVENTS);
    assert!(!exists(root, "app/api/items"));
    // The shared service and actions hold the accepted route's function only, and the buttons
    // call it while still fetching the rejected route.
    let service = read(root, "features/projects/service.ts");
    assert!(
        service.contains("export async function createProject"),
        "{service}"
    );
    assert!(!service.contains("archive"), "{service}");
    let actions = read(root, "features/projects/actions.ts");
    assert!(
        actions.contains("createProject") && !actions.contains("archive"),
        "{actions}"
    );
    let buttons = read(root, BUTTONS);
    assert!(
        buttons.contains("await createProject({ name: 'New' })"),
        "{buttons}"
    );
    assert!(
        buttons.contains("await fetch(`/api/projects/${id}/archive`, { method: 'POST' })"),
        "{buttons}"
    );
    assert!(!buttons.contains("archiveProject"), "{buttons}");
}

#[test]
fn all_after_a_no_accepts_every_remaining_route_and_long_changes_are_paged() {
    let dir = project();
    let root = dir.path();
    // A terminal 30 lines high: the first route's change is longer, so it goes through the
    // pager (here one that marks each line).
    let mut session = Session::start(
        root,
        &["--color", "always", "--quiet", "migrate", "--interactive"],
        &[("LINES", "30"), ("PAGER", "sed s/^/paged:/")],
    );
    let first = session.answer("/api/hello", "n");
    assert!(
        first.contains(
            "paged:\x1b[1m(1/4) /api/hello  pages/api/hello.ts  → route handler (GET)\x1b[0m"
        ),
        "{first}"
    );
    assert!(
        first.contains("paged:\x1b[1m+++ app/api/hello/route.ts"),
        "{first}"
    );
    session.answer("/api/items/[id]", "a");
    let (status, summary) = session.finish();
    assert!(status.success(), "{status:?}\n{summary}");
    assert!(
        !summary.contains("/api/projects?"),
        "the routes after `a` are not asked: {summary}"
    );
    assert!(
        summary.contains("/api/items/[id], /api/projects/[id]/archive, /api/projects"),
        "{summary}"
    );
    assert!(
        summary.contains("rejected, left as they are: /api/hello"),
        "{summary}"
    );

    assert_eq!(
        subjects(root),
        [
            "routeshift: add lib/routeshift/pages-compat.ts",
            "routeshift: add features/projects/actions.ts",
            "routeshift: add features/projects/service.ts",
            "routeshift: migrate /api/items/[id] to a route handler",
            "routeshift: migrate /api/projects/[id]/archive to a feature service and the App Router entry points",
            "routeshift: migrate /api/projects to a feature service and the App Router entry points",
        ]
    );
    assert_eq!(read(root, "pages/api/hello.ts"), HELLO);
    assert!(!exists(root, "app/api/hello"));
    assert!(exists(root, "app/api/items/[id]/route.ts"));
    let service = read(root, "features/projects/service.ts");
    assert!(
        service.contains("export async function archiveProject")
            && service.contains("export async function createProject"),
        "{service}"
    );
    let buttons = read(root, BUTTONS);
    assert!(!buttons.contains("fetch("), "{buttons}");
}

#[test]
fn quit_applies_what_was_accepted_so_far() {
    let dir = project();
    let root = dir.path();
    let mut session = start(root);
    session.answer("/api/hello", "y");
    // Help, then an unknown answer: asked again each time.
    let help = session.answer("/api/items/[id]", "?");
    assert!(!help.contains("q  stop here"), "{help}");
    let again = session.answer("/api/items/[id]", "maybe");
    assert!(
        again.contains("q  stop here: migrate the routes accepted so far"),
        "{again}"
    );
    let unknown = session.answer("/api/items/[id]", "q");
    assert!(
        unknown.contains("answer y, n, a or q (? for help)"),
        "{unknown}"
    );
    let (status, summary) = session.finish();
    assert!(status.success(), "{status:?}\n{summary}");
    assert!(
        summary.contains("applied 1 route on branch routeshift/app-router: /api/hello"),
        "{summary}"
    );
    assert!(
        summary.contains("not answered (quit), left as they are: /api/items/[id], /api/projects/[id]/archive, /api/projects"),
        "{summary}"
    );
    assert_eq!(
        subjects(root),
        [
            "routeshift: add lib/routeshift/pages-compat.ts",
            "routeshift: migrate /api/hello to a route handler",
        ]
    );
    assert_eq!(read(root, "pages/api/items/[id].ts"), ITEM);
    assert_eq!(read(root, PROJECTS), read(Path::new(CASE), PROJECTS));
    assert_eq!(read(root, BUTTONS), read(Path::new(CASE), BUTTONS));
    assert!(!exists(root, "features"));
}

#[test]
fn ctrl_c_before_the_last_answer_writes_nothing() {
    let dir = project();
    let root = dir.path();
    let mut session = start(root);
    session.answer("/api/hello", "y");
    session.answer("/api/items/[id]", "y");
    session.wait_for("migrate /api/projects/[id]/archive?");
    session.type_keys("\x03");
    let (status, rest) = session.finish();
    assert_eq!(status.signal(), Some(libc::SIGINT), "{status:?}\n{rest}");
    assert_eq!(
        git(root, &["branch", "--format=%(refname:short)"]).trim(),
        "main"
    );
    assert!(git(root, &["status", "--porcelain", "--untracked-files=all"]).is_empty());
    assert_eq!(read(root, "pages/api/hello.ts"), HELLO);
}

#[test]
fn without_a_terminal_on_standard_input_it_refuses() {
    let dir = project();
    let root = dir.path();
    let output = Command::new(env!("CARGO_BIN_EXE_routeshift"))
        .args(["migrate", "--interactive"])
        .arg(root)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "error: --interactive asks a question per route, but standard input is not a terminal"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("help: run it in a terminal"), "{stderr}");
    assert!(output.stdout.is_empty());
    assert_eq!(
        git(root, &["branch", "--format=%(refname:short)"]).trim(),
        "main"
    );
    assert!(git(root, &["status", "--porcelain", "--untracked-files=all"]).is_empty());
}

#[test]
fn interactive_conflicts_with_dry_run_and_json() {
    let dir = project();
    for flag in ["--dry-run", "--json"] {
        let output = Command::new(env!("CARGO_BIN_EXE_routeshift"))
            .args(["migrate", "--interactive", flag])
            .arg(dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("cannot be used with"), "{stderr}");
    }
}

#[test]
fn a_workspace_root_asks_across_its_apps_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let next = "{ \"dependencies\": { \"next\": \"15.5.29\" } }\n";
    for app in ["apps/docs", "apps/web"] {
        write(root, &format!("{app}/package.json"), next);
        write(root, &format!("{app}/tsconfig.json"), "{}\n");
        write(root, &format!("{app}/pages/api/hello.ts"), HELLO);
    }
    commit_in_new_repository(root);
    let mut session = start(root);
    let first = session.answer("apps/docs /api/hello", "n");
    assert!(first.contains("(1/2) app apps/docs  /api/hello"), "{first}");
    let second = session.answer("apps/web /api/hello", "y");
    assert!(
        second.contains("(2/2) app apps/web  /api/hello"),
        "{second}"
    );
    let (status, summary) = session.finish();
    assert!(status.success(), "{status:?}\n{summary}");
    assert!(
        summary.contains("applied 1 route on branch routeshift/app-router: apps/web /api/hello"),
        "{summary}"
    );
    assert!(
        summary.contains("rejected, left as they are: apps/docs /api/hello"),
        "{summary}"
    );
    assert_eq!(
        subjects(root),
        [
            "routeshift: add lib/routeshift/pages-compat.ts",
            "routeshift: migrate /api/hello to a route handler",
        ]
    );
    assert!(exists(root, "apps/web/app/api/hello/route.ts"));
    assert!(exists(root, "apps/web/lib/routeshift/pages-compat.ts"));
    assert_eq!(read(root, "apps/docs/pages/api/hello.ts"), HELLO);
    assert!(!exists(root, "apps/docs/lib"));
}

const THEME: &str = "import type { NextApiRequest, NextApiResponse } from 'next'\nimport { settings } from './auth/options-route'\n\nexport default function handler(req: NextApiRequest, res: NextApiResponse) {\n  res.status(200).json(settings)\n}\n";

#[test]
fn a_rejected_route_keeps_its_shared_values_and_its_helpers_stay_pages_only() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let options = "import type { NextApiRequest, NextApiResponse } from 'next'\nimport { ok } from '../../../lib/responses'\n\nexport const settings = { theme: 'dark' }\n\nexport default function handler(req: NextApiRequest, res: NextApiResponse) {\n  return ok(res, settings)\n}\n";
    let theme = "import { settings } from '../pages/api/auth/options-route'\n\nexport const theme = settings.theme\n";
    let responses = "import type { NextApiResponse } from 'next'\n\nexport function ok(res: NextApiResponse, data: unknown) {\n  return res.status(200).json(data)\n}\n";
    write(
        root,
        "package.json",
        "{ \"dependencies\": { \"next\": \"15.5.29\" } }\n",
    );
    write(root, "tsconfig.json", "{}\n");
    write(root, "pages/api/auth/options-route.ts", options);
    write(root, "lib/theme.ts", theme);
    write(root, "lib/responses.ts", responses);
    write(root, "pages/api/hello.ts", HELLO);
    // Another route imports the value too: accepted, it keeps importing it from the route file.
    write(root, "pages/api/theme.ts", THEME);
    commit_in_new_repository(root);
    let mut session = start(root);
    // Shown in full: the move of `settings` and the helper's App Router form come with it.
    let first = session.answer("/api/auth/options-route", "n");
    assert!(
        first.contains("+++ lib/api/auth/options-route.ts"),
        "{first}"
    );
    assert!(first.contains("+++ lib/responses.ts"), "{first}");
    session.answer("/api/hello", "y");
    session.answer("/api/theme", "y");
    let (status, summary) = session.finish();
    assert!(status.success(), "{status:?}\n{summary}");
    assert_eq!(
        subjects(root),
        [
            "routeshift: add lib/routeshift/pages-compat.ts",
            "routeshift: migrate /api/hello to a route handler",
            "routeshift: migrate /api/theme to a route handler",
        ]
    );
    let route = read(root, "app/api/theme/route.ts");
    assert!(
        route.contains("import { settings } from '../../../pages/api/auth/options-route'"),
        "{route}"
    );
    assert_eq!(read(root, "pages/api/auth/options-route.ts"), options);
    assert_eq!(read(root, "lib/theme.ts"), theme);
    assert_eq!(read(root, "lib/responses.ts"), responses);
    assert!(!exists(root, "lib/api"));
}
