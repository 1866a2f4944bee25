//! The command line: `routeshift migrate | classify | check [DIR]`.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use serde_json::{json, Value};
use transforms::classify::overrides::RouteOverride;

use crate::apply::{self, ApplyReport, Target};
use crate::apps::{self, App};
use crate::classify_report;
use crate::error::Error;
use crate::interactive;
use crate::migrate_report::{self, Applied, Document};
use crate::plan::{self, Plan, PlanOptions, RouteStatus};
use crate::present;
use crate::progress::Progress;
use crate::project::Project;
use crate::terminal::{self, ColorChoice, Paint, Terminal};

#[derive(Parser, Debug)]
#[command(
    name = "routeshift",
    version,
    about = "Moves a Next.js project's Pages Router API routes onto the App Router"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to color the output: auto (when standard output is a terminal and NO_COLOR is
    /// unset), always or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Draw no progress bar.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Rewrite pages/api routes as App Router route handlers.
    Migrate(MigrateArgs),
    /// Show who calls each API route and what kind of endpoint it therefore is.
    Classify(ClassifyArgs),
    /// Exit non-zero while pages/api routes remain that routeshift could migrate (for CI).
    Check(CheckArgs),
}

/// The project folder, shared by every command.
#[derive(clap::Args, Debug)]
pub struct Location {
    /// The Next.js project (the folder with pages/ or src/pages/), or a workspace root whose
    /// apps are each migrated.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The one app of a workspace to work on, relative to DIR.
    #[arg(long, value_name = "PATH")]
    pub app: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct ClassifyArgs {
    #[command(flatten)]
    pub location: Location,
    /// Print everything as JSON (routes, evidence, call sites, diagnostics).
    #[arg(long, conflicts_with = "details")]
    pub json: bool,
    /// Print every route's evidence and callers instead of the table.
    #[arg(long)]
    pub details: bool,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub location: Location,
}

#[derive(clap::Args, Debug)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub location: Location,
    /// Show what would change, as diffs; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the plan (and what was applied) as one JSON document.
    #[arg(long)]
    pub json: bool,
    /// The branch to create for the migration.
    #[arg(
        long,
        default_value = "routeshift/app-router",
        conflicts_with = "no_branch"
    )]
    pub branch: String,
    /// Write into the working tree without creating a branch or commits.
    #[arg(long)]
    pub no_branch: bool,
    /// Migrate even though the working tree has uncommitted changes.
    #[arg(long)]
    pub allow_dirty: bool,
    /// Exit with 1 when some routes are left for manual work.
    #[arg(long)]
    pub fail_on_manual: bool,
    /// Show each route's change and ask whether to migrate it (y/n/a/q); needs a terminal.
    #[arg(long, conflicts_with_all = ["dry_run", "json"])]
    pub interactive: bool,
}

impl MigrateArgs {
    /// Where applying writes: a new branch, or the working tree with `--no-branch`.
    pub fn target(&self) -> Target {
        if self.no_branch {
            Target::WorkingTree
        } else {
            Target::Branch {
                branch: self.branch.clone(),
                allow_dirty: self.allow_dirty,
            }
        }
    }
}

/// Where a command writes, and what the streams are.
pub struct Output<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    pub terminal: Terminal,
}

pub fn run(cli: Cli, output: &mut Output) -> Result<i32, Error> {
    let settings = Settings {
        paint: Paint::choose(cli.color, output.terminal.stdout),
        progress: output.terminal.stderr && !cli.quiet,
    };
    match cli.command {
        Command::Migrate(args) => migrate(args, &settings, output),
        Command::Classify(args) => classify(args, &settings, output),
        Command::Check(args) => check(args, &settings, output),
    }
}

struct Settings {
    paint: Paint,
    /// Draw a progress bar on standard error.
    progress: bool,
}

/// One app, read and planned.
struct Planned {
    app: App,
    plan: Plan,
}

/// Reads each app of `location` and plans it (`classify_only`: see [`PlanOptions`]).
fn plan_apps(
    location: &Location,
    settings: &Settings,
    classify_only: bool,
) -> Result<Vec<Planned>, Error> {
    let apps = apps::find(&location.dir, location.app.as_deref())?;
    let mut planned = Vec::new();
    for app in apps {
        let options = PlanOptions {
            classify_only,
            ..PlanOptions::default()
        };
        let (project, _, plan) = load_and_plan(&app.root, options, settings.progress)?;
        crate::free_later(project);
        planned.push(Planned { app, plan });
    }
    Ok(planned)
}

/// Reads the app at `root` and plans it with `options`, under a progress bar when `show`.
pub(crate) fn load_and_plan(
    root: &Path,
    options: PlanOptions,
    show: bool,
) -> Result<(Project, Vec<RouteOverride>, Plan), Error> {
    let progress = Progress::default();
    terminal::with_progress(&progress, show, || {
        progress.stage("reading files", 0);
        crate::timings::mark("start");
        let project = Project::load(root)?;
        crate::timings::mark("project loaded");
        let overrides = project.overrides()?;
        let options = PlanOptions {
            progress: Some(&progress),
            ..options
        };
        let plan = plan::plan_for(&project, &overrides, &options);
        Ok((project, overrides, plan))
    })
}

pub(crate) fn stdout_error(source: std::io::Error) -> Error {
    Error::Io {
        path: PathBuf::from("<stdout>"),
        source,
    }
}

fn write_json(out: &mut dyn Write, value: &Value) -> Result<(), Error> {
    let mut out = std::io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, value)
        .map_err(|e| stdout_error(std::io::Error::other(e)))?;
    writeln!(out).map_err(stdout_error)?;
    out.flush().map_err(stdout_error)
}

/// One app's document as it is, or the documents of several apps under `apps`, each naming its
/// app.
fn apps_json(mut documents: Vec<(String, Value)>) -> Value {
    if documents.len() == 1 {
        let (label, mut document) = documents.remove(0);
        document["app"] = json!(label);
        return document;
    }
    let apps: Vec<Value> = documents
        .into_iter()
        .map(|(label, mut document)| {
            document["app"] = json!(label);
            document
        })
        .collect();
    json!({ "version": 1, "apps": apps })
}

/// `app apps/web` before each app's output when there are several.
fn app_heading(
    planned: &[Planned],
    app: &App,
    paint: Paint,
    out: &mut dyn Write,
) -> Result<(), Error> {
    if planned.len() > 1 {
        writeln!(out, "{}\n", paint.bold(&format!("app {}", app.label))).map_err(stdout_error)?;
    }
    Ok(())
}

fn classify(args: ClassifyArgs, settings: &Settings, output: &mut Output) -> Result<i32, Error> {
    let planned = plan_apps(&args.location, settings, true)?;
    let out = &mut *output.out;
    if args.json {
        let documents = planned
            .iter()
            .map(|p| (p.app.label.clone(), classify_report::to_json(&p.plan)))
            .collect();
        write_json(out, &apps_json(documents))?;
    } else {
        for p in &planned {
            app_heading(&planned, &p.app, settings.paint, out)?;
            if args.details {
                classify_report::print_details(&p.plan, out).map_err(stdout_error)?;
            } else {
                classify_report::print_table(&p.plan, out).map_err(stdout_error)?;
            }
        }
    }
    let failed = planned.iter().any(|p| {
        p.plan.routes.iter().any(|r| {
            r.diagnostics
                .iter()
                .any(|d| d.code.starts_with("error/override"))
        })
    });
    crate::free_later(planned);
    Ok(if failed { 1 } else { 0 })
}

fn check(args: CheckArgs, settings: &Settings, output: &mut Output) -> Result<i32, Error> {
    let planned = plan_apps(&args.location, settings, false)?;
    let out = &mut *output.out;
    let paint = settings.paint;
    let mut remaining = 0;
    for p in &planned {
        let prefix = match p.app.label.as_str() {
            "." => String::new(),
            label => format!("{label}/"),
        };
        for route in &p.plan.routes {
            if route.status == RouteStatus::Converted {
                remaining += 1;
                writeln!(
                    out,
                    "{}  {prefix}{}  can be migrated",
                    paint.yellow(&route.url),
                    route.source
                )
                .map_err(stdout_error)?;
            }
        }
    }
    let manual: usize = planned
        .iter()
        .map(|p| p.plan.count(RouteStatus::Manual) + p.plan.count(RouteStatus::Error))
        .sum();
    let left = if manual > 0 {
        format!(
            "; {manual} route{} need{} manual work",
            present::plural(manual),
            if manual == 1 { "s" } else { "" }
        )
    } else {
        String::new()
    };
    if remaining == 0 {
        writeln!(
            out,
            "{}{left}",
            paint.green("no pages/api route left that routeshift can migrate")
        )
        .map_err(stdout_error)?;
        Ok(0)
    } else {
        writeln!(
            out,
            "{remaining} route{} can be migrated: run `routeshift migrate`{left}",
            present::plural(remaining)
        )
        .map_err(stdout_error)?;
        Ok(1)
    }
}

fn migrate(args: MigrateArgs, settings: &Settings, output: &mut Output) -> Result<i32, Error> {
    if args.interactive {
        return interactive::migrate(&args, settings.paint, settings.progress, output);
    }
    let target = args.target();
    let apps = apps::find(&args.location.dir, args.location.app.as_deref())?;
    if !args.dry_run {
        // Refuse early (not a repository, dirty tree, branch taken) before any work is shown.
        if let Some(app) = apps.first() {
            apply::prepare(&app.root, &target)?;
        }
    }
    let planned = plan_apps(&args.location, settings, false)?;
    // The JSON document is the only thing on standard output; what is written goes to stderr.
    let Output { out, err, .. } = output;
    let out: &mut dyn Write = &mut **out;
    let log: &mut dyn Write = if args.json { &mut **err } else { out };
    if !args.json {
        for p in &planned {
            app_heading(&planned, &p.app, settings.paint, log)?;
            present::print_plan(&p.plan, log, settings.paint).map_err(stdout_error)?;
            if planned.len() > 1 {
                writeln!(log).map_err(stdout_error)?;
            }
        }
    }
    let mut reports: Vec<ApplyReport> = Vec::new();
    if !args.dry_run {
        if let Some(first) = planned.first() {
            let repository = apply::start(&first.app.root, &target, log)?;
            for p in &planned {
                let accepted: Vec<usize> = (0..p.plan.routes.len()).collect();
                reports.push(apply::write(
                    &p.app.root,
                    repository.as_ref(),
                    &p.plan,
                    &accepted,
                    log,
                )?);
            }
        }
        let applied: usize = reports.iter().map(|r| r.applied.len()).sum();
        writeln!(
            log,
            "applied {applied} route{}{}",
            present::plural(applied),
            match &target {
                Target::Branch { branch, .. } => format!(" on branch {branch}, one commit each"),
                Target::WorkingTree => " to the working tree".to_string(),
            }
        )
        .map_err(stdout_error)?;
    }
    if args.json {
        let branch = match &target {
            Target::Branch { branch, .. } => Some(branch.as_str()),
            Target::WorkingTree => None,
        };
        let documents: Vec<Document> = planned
            .iter()
            .enumerate()
            .map(|(i, p)| Document {
                app: &p.app.label,
                plan: &p.plan,
                applied: reports.get(i).map(|report| Applied { branch, report }),
            })
            .collect();
        let mut out = std::io::BufWriter::new(out);
        migrate_report::write(&mut out, &documents, args.dry_run)
            .and_then(|()| out.flush())
            .map_err(stdout_error)?;
        crate::timings::mark("JSON written");
    } else if planned.len() > 1 {
        let total = |status| planned.iter().map(|p| p.plan.count(status)).sum::<usize>();
        writeln!(
            out,
            "all apps: {} converted, {} left for manual work, {} with errors",
            total(RouteStatus::Converted),
            total(RouteStatus::Manual),
            total(RouteStatus::Error)
        )
        .map_err(stdout_error)?;
    }
    let code = exit_code(
        planned.iter().map(|p| &p.plan),
        &reports,
        args.fail_on_manual,
    );
    crate::free_later(planned);
    Ok(code)
}

/// A migration's exit code: 1 when a route was skipped or failed, or (with `--fail-on-manual`)
/// when routes are left for manual work; 0 otherwise.
pub(crate) fn exit_code<'p>(
    plans: impl Iterator<Item = &'p Plan>,
    reports: &[ApplyReport],
    fail_on_manual: bool,
) -> i32 {
    let skipped = reports.iter().any(|r| !r.skipped.is_empty());
    let mut failed = false;
    let mut manual = false;
    for plan in plans {
        failed |= plan.errors() > 0;
        manual |= plan.count(RouteStatus::Manual) > 0;
    }
    if skipped || failed || (fail_on_manual && manual) {
        1
    } else {
        0
    }
}
