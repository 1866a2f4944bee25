//! routeshift on a large repository: how long `migrate --dry-run` and `classify --json` take on
//! a generated Next.js project (10,000 `pages/api` handlers of the shapes real code bases have,
//! 20,000 components, pages, hooks, server components, library modules and tests), next to the
//! time it takes only to read and parse the same files with routeshift's own parser settings.
//!
//! `cargo bench --bench large_repo` (release profile; a plain timing harness, no benchmark
//! framework). The project is written to `target/bench/large-repo` (regenerated every run,
//! never committed). Knobs, all optional: `ROUTESHIFT_BENCH_HANDLERS` (10000),
//! `ROUTESHIFT_BENCH_OTHERS` (20000), `ROUTESHIFT_BENCH_SEED`, `ROUTESHIFT_BENCH_RUNS` (best of
//! 3), `ROUTESHIFT_BENCH_KEEP=1` (reuse the project already generated).

#[path = "large_repo/generate.rs"]
mod generate;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use transforms::parse::ParsedFile;

/// routeshift's own binary, built by `cargo bench` in the same (release) profile.
const ROUTESHIFT: &str = env!("CARGO_BIN_EXE_routeshift");
const SOURCE_EXTENSIONS: [&str; 8] = ["ts", "tsx", "js", "jsx", "mjs", "cjs", "mts", "cts"];
/// The goal: routeshift's whole run within this many times the read-and-parse baseline.
const TARGET_RATIO: f64 = 3.0;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `target/bench/large-repo`, beside the binary's profile folder.
fn project_dir() -> PathBuf {
    let binary = Path::new(ROUTESHIFT);
    let target = binary
        .parent()
        .and_then(Path::parent)
        .unwrap_or_else(|| Path::new("target"));
    target.join("bench").join("large-repo")
}

/// Every source file routeshift reads, in the same walk order (dependency folders skipped).
fn source_paths(root: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            !(e.depth() > 0 && e.file_type().is_dir() && e.file_name() == "node_modules")
        })
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| {
            let name = p.to_string_lossy();
            let extension = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            SOURCE_EXTENSIONS.contains(&extension) && !name.ends_with(".d.ts")
        })
        .collect()
}

fn best_of<T>(runs: u64, mut run: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut result = None;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let value = run();
        best = best.min(start.elapsed());
        result = Some(value);
    }
    (best, result.expect("at least one run"))
}

/// One timed run of the routeshift binary, its output thrown away.
struct Measured {
    wall: Duration,
    /// Peak resident memory in kilobytes, from `/usr/bin/time` when the machine has it.
    peak_kb: Option<u64>,
    exit: i32,
}

fn run_routeshift(args: &[&str], dir: &Path) -> Measured {
    let time = Path::new("/usr/bin/time");
    let report = std::env::temp_dir().join(format!("routeshift-bench-{}.time", std::process::id()));
    let mut command = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-f").arg("%e %M").arg("-o").arg(&report).arg(ROUTESHIFT);
        c
    } else {
        Command::new(ROUTESHIFT)
    };
    command
        .args(args)
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let output = command.output().expect("routeshift runs");
    let wall = start.elapsed();
    let peak_kb = std::fs::read_to_string(&report)
        .ok()
        .and_then(|t| t.lines().last()?.split_whitespace().nth(1)?.parse().ok());
    let _ = std::fs::remove_file(&report);
    let exit = output.status.code().unwrap_or(-1);
    if exit > 1 {
        eprintln!(
            "routeshift {} failed ({exit}): {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Measured {
        wall,
        peak_kb,
        exit,
    }
}

/// Whether this routeshift knows `migrate --json` (added alongside this benchmark).
fn migrate_knows_json() -> bool {
    Command::new(ROUTESHIFT)
        .args(["migrate", "--help"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("--json"))
        .unwrap_or(false)
}

fn best_run(runs: u64, args: &[&str], dir: &Path) -> Measured {
    let mut best: Option<Measured> = None;
    for _ in 0..runs.max(1) {
        let run = run_routeshift(args, dir);
        if best.as_ref().is_none_or(|b| run.wall < b.wall) {
            best = Some(run);
        }
    }
    best.expect("at least one run")
}

fn main() {
    let handlers = setting("ROUTESHIFT_BENCH_HANDLERS", 10_000) as usize;
    let others = setting("ROUTESHIFT_BENCH_OTHERS", 20_000) as usize;
    let seed = setting("ROUTESHIFT_BENCH_SEED", 0x5EED_2025);
    let runs = setting("ROUTESHIFT_BENCH_RUNS", 3);
    let dir = project_dir();

    if std::env::var("ROUTESHIFT_BENCH_KEEP").as_deref() == Ok("1") && dir.is_dir() {
        println!("reusing {}", dir.display());
    } else {
        let start = Instant::now();
        let summary = generate::generate(&dir, seed, handlers, others).expect("the project is written");
        println!(
            "generated {} in {:.1} s: {} handlers, {} other files, {} set-up files; {:.1} MB, {} lines",
            dir.display(),
            start.elapsed().as_secs_f64(),
            summary.handlers.values().sum::<usize>(),
            summary.others.values().sum::<usize>(),
            summary.support,
            summary.bytes as f64 / 1e6,
            summary.lines,
        );
        println!("\nhandlers by shape:");
        for (shape, count) in &summary.handlers {
            println!("  {count:>6}  {}", shape.name());
        }
        println!("other files by kind:");
        for (kind, count) in &summary.others {
            println!("  {count:>6}  {}", kind.name());
        }
    }

    // Baseline: read every source file, then parse each once (routeshift's parser settings).
    let paths = source_paths(&dir);
    let files = paths.len();
    let (read, texts) = best_of(runs, || {
        paths
            .iter()
            .map(|p| {
                let relative = p.strip_prefix(&dir).unwrap_or(p).to_string_lossy().into_owned();
                let text = std::fs::read_to_string(p).expect("generated files are text");
                (relative, text)
            })
            .collect::<Vec<(String, String)>>()
    });
    let parse_all = |(path, text): &(String, String)| match ParsedFile::parse(path, text) {
        Ok(_) => true,
        Err(error) => {
            eprintln!("{path}: {}", error.message);
            false
        }
    };
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a thread pool");
    let two = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("a thread pool");
    let (parse_one, parsed) =
        best_of(runs, || one.install(|| texts.par_iter().filter(|f| parse_all(f)).count()));
    assert_eq!(parsed, files, "every generated file parses");
    let (parse_two, _) =
        best_of(runs, || two.install(|| texts.par_iter().filter(|f| parse_all(f)).count()));
    let baseline = read + parse_two;

    // routeshift end to end.
    let json = migrate_knows_json();
    let migrate_args: &[&str] = if json {
        &["migrate", "--dry-run", "--json"]
    } else {
        &["migrate", "--dry-run"]
    };
    let migrate = best_run(runs, migrate_args, &dir);
    let classify = best_run(runs, &["classify", "--json"], &dir);

    let per_second = |d: Duration| files as f64 / d.as_secs_f64();
    let memory = |kb: Option<u64>| kb.map_or("-".to_string(), |kb| format!("{:.0}", kb as f64 / 1024.0));
    println!(
        "\n{files} source files, {} CPUs, best of {runs}{}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        if json { "" } else { "; this routeshift has no `migrate --json`: timed `migrate --dry-run` (diffs to /dev/null)" }
    );
    println!(
        "| {:<38} | {:>8} | {:>9} | {:>8} | {:>11} |",
        "run", "wall s", "files/s", "peak MB", "× baseline"
    );
    println!("|{:-<40}|{:->10}|{:->11}|{:->10}|{:->13}|", "", "", "", "", "");
    let row = |name: &str, wall: Duration, peak: Option<u64>| {
        println!(
            "| {:<38} | {:>8.2} | {:>9.0} | {:>8} | {:>11.2} |",
            name,
            wall.as_secs_f64(),
            per_second(wall),
            memory(peak),
            wall.as_secs_f64() / baseline.as_secs_f64()
        );
    };
    row("read files (1 thread)", read, None);
    row("parse (1 thread)", parse_one, None);
    row("parse (2 threads)", parse_two, None);
    row("baseline: read + parse (2 threads)", baseline, None);
    let migrate_name = format!("routeshift {}", migrate_args.join(" "));
    row(&migrate_name, migrate.wall, migrate.peak_kb);
    row("routeshift classify --json", classify.wall, classify.peak_kb);
    for (name, run) in [(&migrate_name, &migrate), (&"routeshift classify --json".to_string(), &classify)] {
        let ratio = run.wall.as_secs_f64() / baseline.as_secs_f64();
        println!(
            "{name}: exit {}, {:.1}× the baseline (target ≤ {TARGET_RATIO}×){}",
            run.exit,
            ratio,
            if ratio > TARGET_RATIO { "  OVER TARGET" } else { "" }
        );
    }
}
