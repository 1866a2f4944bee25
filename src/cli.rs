//! The command line: `routeshift migrate [DIR] [--dry-run | --no-branch | --branch NAME]`.

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::apply::{self, Target};
use crate::classify_report;
use crate::error::Error;
use crate::plan::{self, RouteStatus};
use crate::present;
use crate::project::Project;

#[derive(Parser, Debug)]
#[command(
    name = "routeshift",
    version,
    about = "Moves a Next.js project's Pages Router API routes onto the App Router"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Rewrite pages/api routes as App Router route handlers.
    Migrate(MigrateArgs),
    /// Show who calls each API route and what kind of endpoint it therefore is.
    Classify(ClassifyArgs),
}

#[derive(clap::Args, Debug)]
pub struct ClassifyArgs {
    /// The Next.js project (the folder with pages/ or src/pages/).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Print everything as JSON (routes, evidence, call sites, diagnostics).
    #[arg(long, conflicts_with = "details")]
    pub json: bool,
    /// Print every route's evidence and callers instead of the table.
    #[arg(long)]
    pub details: bool,
}

#[derive(clap::Args, Debug)]
pub struct MigrateArgs {
    /// The Next.js project (the folder with pages/ or src/pages/).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Show what would change, as diffs; write nothing.
    #[arg(long)]
    pub dry_run: bool,
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
}

pub fn run(cli: Cli, out: &mut dyn Write) -> Result<i32, Error> {
    match cli.command {
        Command::Migrate(args) => migrate(args, out),
        Command::Classify(args) => classify(args, out),
    }
}

fn load(dir: &std::path::Path) -> Result<(PathBuf, Project), Error> {
    let root = dir.canonicalize().map_err(|_| Error::NotNextProject {
        dir: dir.to_path_buf(),
        reason: "the folder does not exist".into(),
    })?;
    let project = Project::load(&root)?;
    Ok((root, project))
}

fn stdout_error(source: std::io::Error) -> Error {
    Error::Io {
        path: PathBuf::from("<stdout>"),
        source,
    }
}

fn classify(args: ClassifyArgs, out: &mut dyn Write) -> Result<i32, Error> {
    let (_, project) = load(&args.dir)?;
    let overrides = project.overrides()?;
    let plan = plan::plan(&project, &overrides);
    if args.json {
        let text = serde_json::to_string_pretty(&classify_report::to_json(&plan))
            .map_err(|e| stdout_error(std::io::Error::other(e)))?;
        writeln!(out, "{text}").map_err(stdout_error)?;
    } else if args.details {
        classify_report::print_details(&plan, out).map_err(stdout_error)?;
    } else {
        classify_report::print_table(&plan, out).map_err(stdout_error)?;
    }
    let failed = plan.routes.iter().any(|r| {
        r.diagnostics
            .iter()
            .any(|d| d.code.starts_with("error/override"))
    });
    Ok(if failed { 1 } else { 0 })
}

fn migrate(args: MigrateArgs, out: &mut dyn Write) -> Result<i32, Error> {
    let (root, project) = load(&args.dir)?;
    let target = if args.no_branch {
        Target::WorkingTree
    } else {
        Target::Branch {
            branch: args.branch.clone(),
            allow_dirty: args.allow_dirty,
        }
    };
    if !args.dry_run {
        // Refuse early (not a repository, dirty tree, branch taken) before any work is shown.
        apply::prepare(&root, &target)?;
    }
    let overrides = project.overrides()?;
    let plan = plan::plan(&project, &overrides);
    present::print_plan(&plan, out).map_err(stdout_error)?;
    if !args.dry_run {
        let accepted: Vec<usize> = (0..plan.routes.len()).collect();
        let report = apply::apply(&root, &plan, &accepted, &target, out)?;
        writeln!(
            out,
            "applied {} route{}{}",
            report.applied.len(),
            present::plural(report.applied.len()),
            match &target {
                Target::Branch { branch, .. } => format!(" on branch {branch}, one commit each"),
                Target::WorkingTree => " to the working tree".to_string(),
            }
        )
        .map_err(stdout_error)?;
        if !report.skipped.is_empty() {
            return Ok(1);
        }
    }
    let failed = plan.count(RouteStatus::Error) > 0
        || plan
            .diagnostics
            .iter()
            .any(|d| d.severity == transforms::Severity::Error);
    Ok(if failed { 1 } else { 0 })
}
