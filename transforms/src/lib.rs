//! Pure analysis and rewrites for routeshift.
//!
//! Everything here takes source text (and a little context) and returns data: edits, new file
//! contents, diagnostics. Nothing touches the disk, git or the terminal; the CLI does that.

pub mod ast;
pub mod call_sites;
pub mod callers;
pub mod classify;
pub mod compat;
pub mod diagnostic;
pub mod edit;
pub mod helper_module;
pub mod imports;
pub mod next_config;
pub mod parse;
pub mod route_handler;
pub mod route_path;
pub mod service;
pub mod shared_exports;
pub mod text;

pub use diagnostic::{Diagnostic, Severity};
pub use edit::Edit;
pub use parse::ParsedFile;
