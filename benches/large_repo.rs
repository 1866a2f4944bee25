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

// The allocator the routeshift binary uses, so that the parse baseline is measured alike.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

/// A run's wall time and CPU time (user + system, all threads). On a machine shared with other
/// work the CPU time is the steadier of the two.
#[derive(Clone, Copy)]
struct Timing {
    wall: Duration,
    cpu: Option<Duration>,
}

fn best_of<T>(runs: u64, mut run: impl FnMut() -> T) -> (Timing, T) {
    let mut best: Option<Timing> = None;
    let mut result = None;
    for _ in 0..runs.max(1) {
        let cpu_before = routeshift::timings::process_cpu();
        let start = Instant::now();
        let value = run();
        let wall = start.elapsed();
        let cpu = cpu_before
            .zip(routeshift::timings::process_cpu())
            .map(|(a, b)| b.saturating_sub(a));
        if best.is_none_or(|b| wall < b.wall) {
            best = Some(Timing { wall, cpu });
        }
        result = Some(value);
    }
    (
        best.expect("at least one run"),
        result.expect("at least one run"),
    )
}

/// One timed run of the routeshift binary, its output thrown away.
struct Measured {
    timing: Timing,
    /// Peak resident memory in kilobytes, from `/usr/bin/time` when the machine has it.
    peak_kb: Option<u64>,
    exit: i32,
}

fn run_routeshift(args: &[&str], dir: &Path) -> Measured {
    let time = Path::new("/usr/bin/time");
    let report = std::env::temp_dir().join(format!("routeshift-bench-{}.time", std::process::id()));
    let mut command = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-f")
            .arg("%e %M %U %S")
            .arg("-o")
            .arg(&report)
            .arg(ROUTESHIFT);
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
    // `/usr/bin/time` writes `<wall> <peak KB> <user s> <system s>` on its last line.
    let report_text = std::fs::read_to_string(&report).unwrap_or_default();
    let fields: Vec<&str> = report_text
        .lines()
        .last()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let peak_kb = fields.get(1).and_then(|f| f.parse().ok());
    let seconds = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    let cpu = seconds(2)
        .zip(seconds(3))
        .map(|(user, system)| Duration::from_secs_f64(user + system));
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
        timing: Timing { wall, cpu },
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
        if best
            .as_ref()
            .is_none_or(|b| run.timing.wall < b.timing.wall)
        {
            best = Some(run);
        }
    }
    best.expect("at least one run")
}

fn main() {
    // As the routeshift binary does, so that the baseline is measured alike.
    routeshift::timings::without_huge_pages();
    let handlers = setting("ROUTESHIFT_BENCH_HANDLERS", 10_000) as usize;
    let others = setting("ROUTESHIFT_BENCH_OTHERS", 20_000) as usize;
    let seed = setting("ROUTESHIFT_BENCH_SEED", 0x5EED_2025);
    let runs = setting("ROUTESHIFT_BENCH_RUNS", 3);
    let dir = project_dir();

    if std::env::var("ROUTESHIFT_BENCH_KEEP").as_deref() == Ok("1") && dir.is_dir() {
        println!("reusing {}", dir.display());
    } else {
        let start = Instant::now();
        let summary =
            generate::generate(&dir, seed, handlers, others).expect("the project is written");
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
                let relative = p
                    .strip_prefix(&dir)
                    .unwrap_or(p)
                    .to_string_lossy()
                    .into_owned();
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
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a thread pool");
    let two = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("a thread pool");
    let (parse_one, parsed) = best_of(runs, || {
        one.install(|| texts.par_iter().filter(|f| parse_all(f)).count())
    });
    assert_eq!(parsed, files, "every generated file parses");
    let (parse_two, _) = best_of(runs, || {
        two.install(|| texts.par_iter().filter(|f| parse_all(f)).count())
    });
    let baseline = Timing {
        wall: read.wall + parse_two.wall,
        cpu: read.cpu.zip(parse_two.cpu).map(|(a, b)| a + b),
    };

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
    let memory =
        |kb: Option<u64>| kb.map_or("-".to_string(), |kb| format!("{:.0}", kb as f64 / 1024.0));
    let seconds =
        |d: Option<Duration>| d.map_or("-".to_string(), |d| format!("{:.2}", d.as_secs_f64()));
    let ratio = |a: Option<Duration>, b: Option<Duration>| match (a, b) {
        (Some(a), Some(b)) if !b.is_zero() => format!("{:.2}", a.as_secs_f64() / b.as_secs_f64()),
        _ => "-".to_string(),
    };
    println!(
        "\n{files} source files, {} CPUs, best of {runs}{}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        if json {
            ""
        } else {
            "; this routeshift has no `migrate --json`: timed `migrate --dry-run` (diffs to /dev/null)"
        }
    );
    println!(
        "| {:<38} | {:>7} | {:>7} | {:>8} | {:>7} | {:>10} | {:>9} |",
        "run", "wall s", "CPU s", "files/s", "peak MB", "wall ×base", "CPU ×base"
    );
    println!(
        "|{:-<40}|{:->9}|{:->9}|{:->10}|{:->9}|{:->12}|{:->11}|",
        "", "", "", "", "", "", ""
    );
    let row = |name: &str, timing: Timing, peak: Option<u64>| {
        println!(
            "| {:<38} | {:>7.2} | {:>7} | {:>8.0} | {:>7} | {:>10} | {:>9} |",
            name,
            timing.wall.as_secs_f64(),
            seconds(timing.cpu),
            per_second(timing.wall),
            memory(peak),
            ratio(Some(timing.wall), Some(baseline.wall)),
            ratio(timing.cpu, baseline.cpu),
        );
    };
    row("read files (1 thread)", read, None);
    row("parse (1 thread)", parse_one, None);
    row("parse (2 threads)", parse_two, None);
    row("baseline: read + parse (2 threads)", baseline, None);
    let migrate_name = format!("routeshift {}", migrate_args.join(" "));
    row(&migrate_name, migrate.timing, migrate.peak_kb);
    row(
        "routeshift classify --json",
        classify.timing,
        classify.peak_kb,
    );
    for (name, run) in [
        (migrate_name.as_str(), &migrate),
        ("routeshift classify --json", &classify),
    ] {
        let wall = run.timing.wall.as_secs_f64() / baseline.wall.as_secs_f64();
        println!(
            "{name}: exit {}, {wall:.1}× the baseline's wall time, {}× its CPU time (target ≤ {TARGET_RATIO}×){}",
            run.exit,
            ratio(run.timing.cpu, baseline.cpu),
            if wall > TARGET_RATIO { "  OVER TARGET" } else { "" }
        );
    }
}
