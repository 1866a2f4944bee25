//! Fuzzing: no input may make the analysis or the transforms panic, and a route that converts
//! must come out as code that parses.
//!
//! The inputs are mutants of the fixtures' own sources (every handler shape routeshift knows, and
//! the shapes it refuses): lines deleted, repeated, swapped or cut short, `req` and `res` traded,
//! and fragments of handler code (`res.status(`, `req.query`, `await`, braces, quotes, comment
//! openers…) spliced in at random places. Each mutant goes through every per-file entry point
//! (route conversion, service extraction, helper modules, handler signals, call extraction,
//! call-site rewrites); every few cases a small project made of mutants goes through the whole
//! planner.
//!
//! CI runs a few hundred cases (a couple of seconds). A long run:
//! `ROUTESHIFT_FUZZ_SECONDS=600 cargo test --release --test fuzz -- --nocapture`
//! (`ROUTESHIFT_FUZZ_SEED` picks another sequence). A failing input is written to
//! `target/fuzz-failures/` with the panic message, and the test fails naming it;
//! `ROUTESHIFT_FUZZ_REPLAY=target/fuzz-failures/case-N cargo test --test fuzz replay` runs it
//! again without catching the panic, for its backtrace.

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use routeshift::plan;
use routeshift::project::Project;
use transforms::callers::{self, Area};
use transforms::classify::signals;
use transforms::helper_module;
use transforms::parse::ParsedFile;
use transforms::route_handler::{self, Outcome, RouteContext};
use transforms::route_path::api_route;
use transforms::service::{self, ServiceContext};

/// Cases when no time budget is given (CI).
const DEFAULT_CASES: u64 = 2000;
/// One project-level case every this many file cases.
const PROJECT_EVERY: u64 = 25;

/// What gets spliced into sources: the tokens handler code is made of.
const FRAGMENTS: &[&str] = &[
    "res.status(",
    "res.status(200).json(",
    "res.json({ ok: true })",
    "res.send(",
    "res.end()",
    "res.setHeader('x', 'y')",
    "res.redirect(",
    "res.write('x')",
    "res.revalidate('/')",
    "return ",
    "await ",
    "async ",
    "req.query",
    "req.query.id",
    "req.body",
    "req.method",
    "req.method === 'POST'",
    "req.headers['x']",
    "req.cookies.a",
    "req.url",
    "req",
    "res",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ";",
    ",",
    "'",
    "\"",
    "`",
    "${",
    "/*",
    "*/",
    "//",
    "\n",
    "\r\n",
    "\u{feff}",
    "export default ",
    "export const config = { api: { bodyParser: false } }\n",
    "export { handler as default }\n",
    "module.exports = ",
    "if (req.method !== 'GET') return res.status(405).end()\n",
    "switch (req.method) { case 'GET': ",
    "default:",
    "function ",
    "=> ",
    "const { id } = req.query\n",
    "import { getServerSession } from 'next-auth'\n",
    "import NextAuth from 'next-auth'\n",
    "withAuth(",
    "fetch('/api/items', { method: 'POST' })",
    "'use server'\n",
    "'use client'\n",
    "<form action=\"/api/items\" method=\"post\">",
    "<T,>",
    "as any",
    "!",
    "?.",
    "...",
];

/// Whole statements put between lines: they keep the file parsing more often than fragments do.
const STATEMENTS: &[&str] = &[
    "  return res.status(400).json({ error: 'bad' })\n",
    "  res.setHeader('Cache-Control', 'no-store')\n",
    "  if (req.method === 'DELETE') { return res.status(204).end() }\n",
    "  const body = req.body\n",
    "  const { slug } = req.query\n",
    "  await fetch('/api/other', { method: 'POST', body: JSON.stringify(req.body) })\n",
    "  res.redirect(307, '/login')\n",
    "  res.write('data: x\\n\\n')\n",
    "  res.end()\n",
    "  throw new Error('x')\n",
    "  helper(req, res)\n",
    "  const session = await getServerSession(req, res, authOptions)\n",
    "  res.revalidate('/blog')\n",
    "  req.on('close', () => {})\n",
    "  setTimeout(() => res.json({ late: true }), 10)\n",
    "export const config = { runtime: 'edge' }\n",
    "export const config = { api: { bodyParser: { sizeLimit: '2mb' } } }\n",
    "export default withAuth(handler)\n",
    "export { default } from './other'\n",
];

/// Same-kind pieces swapped for each other: the syntax stays, the meaning moves.
const SWAPS: &[(&str, &str)] = &[
    ("res.json(", "res.send("),
    ("res.send(", "res.end("),
    ("'GET'", "'POST'"),
    ("'POST'", "'PATCH'"),
    ("req.query", "req.body"),
    ("req.body", "req.cookies"),
    ("return ", ""),
    ("await ", ""),
    ("async ", ""),
    ("===", "!=="),
    ("status(200)", "status(304)"),
    ("export default ", "export const handler = "),
    ("const ", "let "),
    ("res.", "response."),
    ("(req, res)", "(request, response)"),
];

/// splitmix64: a seeded sequence, so a failure can be replayed.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A source file of the corpus: where it sat in its fixture, and its text.
struct Seed {
    path: String,
    text: String,
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every JavaScript and TypeScript source in the fixtures.
fn corpus() -> Vec<Seed> {
    let mut seeds = Vec::new();
    for entry in walkdir::WalkDir::new(repo_root().join("fixtures"))
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.file_name() != "node_modules" && e.file_name() != ".next")
        .flatten()
    {
        let path = entry.path();
        let is_source = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("ts" | "tsx" | "js" | "jsx" | "mjs")
        );
        if !entry.file_type().is_file() || !is_source {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        // The path inside its fixture project: from `pages/`, `app/`, `lib/`, … on.
        let full = path.to_string_lossy().replace('\\', "/");
        let inner = ["/pages/", "/app/", "/lib/", "/components/", "/src/"]
            .iter()
            .filter_map(|marker| full.find(marker).map(|at| &full[at + 1..]))
            .min_by_key(|rest| std::cmp::Reverse(rest.len()))
            .unwrap_or("pages/api/x.ts")
            .to_string();
        seeds.push(Seed { path: inner, text });
    }
    seeds
}

fn mutate(text: &str, random: &mut Random) -> String {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    for _ in 0..=random.below(3) {
        if lines.is_empty() {
            lines.push(String::new());
        }
        let at = random.below(lines.len());
        match random.below(12) {
            0 => {
                lines.remove(at);
            }
            1 => {
                let line = lines[at].clone();
                lines.insert(at, line);
            }
            2 => {
                let other = random.below(lines.len());
                lines.swap(at, other);
            }
            3 => {
                // Cut the line short at a character boundary.
                let line = &lines[at];
                let cut = random.below(line.len() + 1);
                let cut = (0..=cut)
                    .rev()
                    .find(|&i| line.is_char_boundary(i))
                    .unwrap_or(0);
                lines[at] = line[..cut].to_string();
            }
            4 => {
                let line = lines[at].replace("req", "\u{0}").replace("res", "req");
                lines[at] = line.replace('\u{0}', "res");
            }
            5..=7 => {
                let (from, to) = *random.pick(SWAPS);
                let (from, to) = if random.below(2) == 0 {
                    (from, to)
                } else {
                    (to, from)
                };
                // Somewhere in the file, not only on this line.
                let whole = lines.concat();
                let hits: Vec<usize> = whole.match_indices(from).map(|(i, _)| i).collect();
                if !from.is_empty() && !hits.is_empty() {
                    let hit = *random.pick(&hits);
                    let changed = format!("{}{to}{}", &whole[..hit], &whole[hit + from.len()..]);
                    lines = changed.split_inclusive('\n').map(str::to_string).collect();
                }
            }
            8..=9 => lines.insert(at, random.pick(STATEMENTS).to_string()),
            _ => {
                let line = &lines[at];
                let place = random.below(line.len() + 1);
                let place = (0..=place)
                    .rev()
                    .find(|&i| line.is_char_boundary(i))
                    .unwrap_or(0);
                let fragment = random.pick(FRAGMENTS);
                lines[at] = format!("{}{fragment}{}", &line[..place], &line[place..]);
            }
        }
    }
    lines.concat()
}

/// Runs every per-file entry point on one source. `Err` describes a converted route whose
/// output does not parse.
fn exercise_file(path: &str, text: &str) -> Result<(), String> {
    let Ok(parsed) = ParsedFile::parse(path, text) else {
        return Ok(());
    };
    let area = if path.starts_with("pages/api/") {
        Area::PagesApi
    } else if path.starts_with("pages/") {
        Area::Pages
    } else if path.starts_with("app/") {
        Area::App
    } else {
        Area::Other
    };
    let _ = callers::extract(&parsed, area);
    let _ = helper_module::analyze(&parsed);
    let Some(relative) = path.strip_prefix("pages/api/") else {
        return Ok(());
    };
    let (relative, suffix) = relative
        .rsplit_once('.')
        .map(|(stem, ext)| (stem.to_string(), ext.to_string()))
        .unwrap_or_else(|| (relative.to_string(), "ts".to_string()));
    let Ok(route) = api_route("pages", &relative, &suffix) else {
        return Ok(());
    };
    let _ = signals::handler_signals(&parsed, &route.url);
    let context = RouteContext::standalone(&route);
    if let Outcome::Converted(converted) = route_handler::convert(&parsed, &context) {
        if let Err(problem) = ParsedFile::parse(&route.target_path, &converted.text) {
            return Err(format!(
                "the converted route does not parse: {}\n--- output\n{}",
                problem.message, converted.text
            ));
        }
    }
    let taken = HashSet::new();
    let _ = service::extract(
        &parsed,
        &ServiceContext {
            routing: &context,
            feature_dir: "features/x",
            service_specifier: "../../features/x/service",
            taken: &taken,
        },
    );
    Ok(())
}

/// A project of a few mutants (routes, a helper module, a component calling them), planned whole.
fn exercise_project(files: &[(String, String)]) {
    let Ok(dir) = tempfile::tempdir() else { return };
    for (path, text) in files {
        let target = dir.path().join(path);
        if let Some(parent) = target.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(target, text);
    }
    let _ = std::fs::create_dir_all(dir.path().join("pages"));
    if let Some(project) = Project::scan(dir.path()) {
        let _ = plan::plan(&project, &[]);
    }
}

fn failure_dir() -> PathBuf {
    repo_root().join("target/fuzz-failures")
}

fn record_failure(case: u64, files: &[(String, String)], message: &str) -> PathBuf {
    let dir = failure_dir().join(format!("case-{case}"));
    for (path, text) in files {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(target, text);
    }
    let _ = std::fs::write(dir.join("FAILURE.txt"), message);
    dir
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic without a message".into())
}

#[test]
fn no_mutant_of_the_fixtures_makes_routeshift_panic() {
    let seeds = corpus();
    assert!(
        seeds.len() > 100,
        "the fixtures should give a corpus, found {}",
        seeds.len()
    );
    let seed = std::env::var("ROUTESHIFT_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_u64);
    let budget = std::env::var("ROUTESHIFT_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs);
    let mut random = Random(seed);
    let started = Instant::now();
    // Panics are caught and reported per case; the default hook would print each one.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut failures: Vec<PathBuf> = Vec::new();
    let mut parsed_inputs = 0u64;
    let mut case = 0u64;
    loop {
        let done = match budget {
            Some(budget) => started.elapsed() >= budget,
            None => case >= DEFAULT_CASES,
        };
        if done || failures.len() >= 10 {
            break;
        }
        case += 1;
        let files: Vec<(String, String)> = if case % PROJECT_EVERY == 0 {
            (0..3 + random.below(4))
                .map(|_| {
                    let seed = random.pick(&seeds);
                    (seed.path.clone(), mutate(&seed.text, &mut random))
                })
                .collect()
        } else {
            let seed = random.pick(&seeds);
            vec![(seed.path.clone(), mutate(&seed.text, &mut random))]
        };
        let result = catch_unwind(AssertUnwindSafe(|| {
            if files.len() > 1 {
                exercise_project(&files);
                return Ok(());
            }
            let (path, text) = &files[0];
            if ParsedFile::parse(path, text).is_ok() {
                parsed_inputs += 1;
            }
            exercise_file(path, text)
        }));
        let message = match result {
            Ok(Ok(())) => continue,
            Ok(Err(problem)) => problem,
            Err(payload) => format!("panic: {}", panic_message(payload.as_ref())),
        };
        failures.push(record_failure(case, &files, &message));
    }
    std::panic::set_hook(hook);
    eprintln!(
        "fuzz: {case} cases ({parsed_inputs} single files parsed) in {:.1} s, seed {seed:#x}, {} failure(s)",
        started.elapsed().as_secs_f64(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "inputs that break routeshift (each folder has the files and FAILURE.txt): {failures:?}"
    );
    // A mutator that only ever produced syntax errors would test nothing past the parser.
    if budget.is_none() {
        assert!(
            parsed_inputs > DEFAULT_CASES / 4,
            "only {parsed_inputs} of {DEFAULT_CASES} mutants parsed"
        );
    }
}

/// Runs a recorded failure (`ROUTESHIFT_FUZZ_REPLAY`) the way the fuzz test ran it.
#[test]
fn replay_a_recorded_failure() {
    let Some(dir) = std::env::var_os("ROUTESHIFT_FUZZ_REPLAY") else {
        return;
    };
    let dir = PathBuf::from(dir);
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        let Ok(relative) = entry.path().strip_prefix(&dir) else {
            continue;
        };
        let relative = relative.to_string_lossy().replace('\\', "/");
        if entry.file_type().is_file() && relative != "FAILURE.txt" {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            files.push((relative, text));
        }
    }
    if files.len() > 1 {
        exercise_project(&files);
    } else if let Some((path, text)) = files.first() {
        if let Err(problem) = exercise_file(path, text) {
            panic!("{problem}");
        }
    }
}

#[test]
fn the_mutator_changes_text_and_stays_reproducible() {
    let text = "export default function handler(req, res) {\n  res.json({ ok: true })\n}\n";
    let first: Vec<String> = {
        let mut random = Random(7);
        (0..20).map(|_| mutate(text, &mut random)).collect()
    };
    let again: Vec<String> = {
        let mut random = Random(7);
        (0..20).map(|_| mutate(text, &mut random)).collect()
    };
    assert_eq!(first, again);
    assert!(first.iter().filter(|m| m.as_str() != text).count() > 10);
}
