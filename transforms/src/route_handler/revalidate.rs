//! `res.revalidate(path)` → `revalidatePath(path)`, only where that is the same regeneration.
//!
//! `res.revalidate` regenerates the page eagerly and works for both routers; `revalidatePath`
//! from `next/cache` marks the path stale (regenerated on the next visit) and, self-hosted, does
//! not touch Pages Router ISR pages at all (reference §3.7, tested on 15.5 and 16.4). So:
//!
//! - the path is served by a `pages/` page → the route stays in `pages/api`
//!   (`manual/res-revalidate`, naming the page);
//! - served by an `app/` page or route → `revalidatePath(path)` with `note/revalidate-lazy`;
//! - not known (computed, no page matches, or pages of both routers could match) → manual.
//!
//! ```text
//! await res.revalidate(`/blog/${slug}`)      // app/blog/[slug]/page.tsx exists
//! ```
//! becomes
//! ```text
//! await revalidatePath(`/blog/${slug}`)
//! ```
//! A literal path is looked up as it is; a template literal or a `'/x/' + y` concatenation by its
//! literal start: every page that a path with that start could reach must be in one router.

use swc_common::{Span, Spanned};
use swc_ecma_ast::{BinaryOp, CallExpr, Callee, Expr, Lit};

use crate::ast::{is_ident, member_prop, strip_parens};

/// Which router serves a URL path of the site (not under `/api`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRouter {
    /// A `pages/` page; `file` is its project path.
    Pages { file: String },
    /// An `app/` page or route handler.
    App { file: String },
    /// No page found, or pages of both routers could serve it.
    Unknown,
}

/// A path passed to `res.revalidate`, as far as the source tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PagePath {
    /// A literal path.
    Exact(String),
    /// The literal start of a computed path (`/blog/` of `` `/blog/${slug}` ``).
    Prefix(String),
}

/// `res.revalidate(<path>)`.
#[derive(Debug, Clone)]
pub struct RevalidateCall {
    /// The callee `res.revalidate`.
    pub callee: Span,
    pub call: Span,
    pub path: Option<PagePath>,
    /// The call has exactly one argument (options like `unstable_onlyGenerated` have no
    /// `revalidatePath` equivalent).
    pub single_argument: bool,
}

/// Recognises `res.revalidate(...)`.
pub fn recognize(call: &CallExpr, res: &str) -> Option<RevalidateCall> {
    let Callee::Expr(callee) = &call.callee else {
        return None;
    };
    let Expr::Member(member) = strip_parens(callee) else {
        return None;
    };
    if !is_ident(&member.obj, res) || member_prop(&member.prop) != Some("revalidate") {
        return None;
    }
    let single_argument = call.args.len() == 1 && call.args[0].spread.is_none();
    Some(RevalidateCall {
        callee: callee.span(),
        call: call.span,
        path: call.args.first().and_then(|a| page_path(&a.expr)),
        single_argument,
    })
}

fn page_path(expr: &Expr) -> Option<PagePath> {
    match strip_parens(expr) {
        Expr::Lit(Lit::Str(s)) => s.value.as_str().map(|v| PagePath::Exact(v.to_string())),
        Expr::Tpl(tpl) => {
            let first = tpl.quasis.first()?;
            let cooked = first.cooked.as_ref()?.as_str()?.to_string();
            if tpl.exprs.is_empty() {
                Some(PagePath::Exact(cooked))
            } else {
                Some(PagePath::Prefix(cooked))
            }
        }
        Expr::Bin(bin) if bin.op == BinaryOp::Add => match page_path(&bin.left)? {
            PagePath::Exact(start) | PagePath::Prefix(start) => Some(PagePath::Prefix(start)),
        },
        _ => None,
    }
}

/// One page of the site: its URL pattern's segments and where it lives.
#[derive(Debug, Clone)]
struct Page {
    segments: Vec<String>,
    router: PageRouter,
}

/// The pages of a project, to tell which router serves a path.
#[derive(Debug, Clone, Default)]
pub struct PageIndex {
    pages: Vec<Page>,
}

impl PageIndex {
    /// `files` are project paths; `pages_dir`/`app_dir` the two routers' folders;
    /// `page_extensions` as configured (`tsx`, `page.tsx`, …).
    pub fn new<'f>(
        files: impl Iterator<Item = &'f str>,
        pages_dir: &str,
        app_dir: &str,
        page_extensions: &[String],
    ) -> PageIndex {
        let strip_extension = |name: &str| -> Option<String> {
            page_extensions
                .iter()
                .filter(|ext| name.ends_with(&format!(".{ext}")))
                .max_by_key(|ext| ext.len())
                .map(|ext| name[..name.len() - ext.len() - 1].to_string())
        };
        let mut pages = Vec::new();
        for path in files {
            if let Some(inside) = path.strip_prefix(&format!("{pages_dir}/")) {
                if inside.starts_with("api/") || inside == "api" {
                    continue;
                }
                let Some(stem) = strip_extension(inside) else {
                    continue;
                };
                let mut segments: Vec<String> = stem.split('/').map(str::to_string).collect();
                let special = segments
                    .first()
                    .is_some_and(|s| s.starts_with('_') && segments.len() == 1);
                if special {
                    // `_app`, `_document`, `_error`: not pages of their own.
                    continue;
                }
                if segments.last().is_some_and(|s| s == "index") {
                    segments.pop();
                }
                pages.push(Page {
                    segments,
                    router: PageRouter::Pages {
                        file: path.to_string(),
                    },
                });
            } else if let Some(inside) = path.strip_prefix(&format!("{app_dir}/")) {
                let (dir, name) = inside.rsplit_once('/').unwrap_or(("", inside));
                let Some(stem) = strip_extension(name) else {
                    continue;
                };
                if stem != "page" && stem != "route" {
                    continue;
                }
                let mut segments = Vec::new();
                let mut routable = true;
                for segment in dir.split('/').filter(|s| !s.is_empty()) {
                    let group = segment.starts_with('(') && segment.ends_with(')');
                    if segment.starts_with('_') {
                        routable = false;
                    }
                    if !(group || segment.starts_with('@')) {
                        segments.push(segment.replace("%5F", "_"));
                    }
                }
                if routable {
                    pages.push(Page {
                        segments,
                        router: PageRouter::App {
                            file: path.to_string(),
                        },
                    });
                }
            }
        }
        PageIndex { pages }
    }

    /// The router serving `path`: every page that could serve it must be in the same one.
    pub fn router(&self, path: &PagePath) -> PageRouter {
        let (text, exact) = match path {
            PagePath::Exact(text) => (text.as_str(), true),
            PagePath::Prefix(text) => (text.as_str(), false),
        };
        let Some(text) = text.strip_prefix('/') else {
            return PageRouter::Unknown;
        };
        // A query or hash is not part of the page.
        let text = text.split(['?', '#']).next().unwrap_or_default();
        let parts: Vec<&str> = text.split('/').collect();
        let matching: Vec<&Page> = self
            .pages
            .iter()
            .filter(|page| {
                if exact {
                    let parts: Vec<&str> =
                        parts.iter().copied().filter(|p| !p.is_empty()).collect();
                    matches_exact(&page.segments, &parts)
                } else {
                    matches_prefix(&page.segments, &parts)
                }
            })
            .collect();
        // A static segment wins over a dynamic one within a router; across routers the two
        // cannot be told apart here.
        let Some(first) = matching.first() else {
            return PageRouter::Unknown;
        };
        let same_router = matching.iter().all(|page| {
            std::mem::discriminant(&page.router) == std::mem::discriminant(&first.router)
        });
        if !same_router {
            return PageRouter::Unknown;
        }
        let best = matching
            .iter()
            .max_by_key(|page| page.segments.iter().filter(|s| !is_dynamic(s)).count())
            .unwrap_or(first);
        best.router.clone()
    }
}

fn is_dynamic(segment: &str) -> bool {
    segment.starts_with('[') && segment.ends_with(']')
}

fn is_catch_all(segment: &str) -> Option<bool> {
    if segment.starts_with("[[...") {
        Some(true)
    } else if segment.starts_with("[...") {
        Some(false)
    } else {
        None
    }
}

/// `segments` (a page's pattern) serves the path made of `parts`.
fn matches_exact(segments: &[String], parts: &[&str]) -> bool {
    match segments.split_first() {
        None => parts.is_empty(),
        Some((segment, rest)) => match is_catch_all(segment) {
            Some(optional) => optional || !parts.is_empty(),
            None => match parts.split_first() {
                None => false,
                Some((part, parts)) => {
                    (is_dynamic(segment) || segment == part) && matches_exact(rest, parts)
                }
            },
        },
    }
}

/// Some path starting with `parts` (the last one possibly cut short) is served by `segments`.
fn matches_prefix(segments: &[String], parts: &[&str]) -> bool {
    match (segments.split_first(), parts.split_first()) {
        (_, None) => true,
        (None, Some((part, rest))) => rest.is_empty() && part.is_empty(),
        (Some((segment, rest_segments)), Some((part, rest_parts))) => {
            if is_catch_all(segment).is_some() {
                return true;
            }
            if rest_parts.is_empty() {
                // The last part may go on: `/blog/po` + `${x}` can be `/blog/post`.
                is_dynamic(segment) || segment.starts_with(part)
            } else {
                (is_dynamic(segment) || segment == part)
                    && matches_prefix(rest_segments, rest_parts)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> PageIndex {
        let files = [
            "pages/index.tsx",
            "pages/_app.tsx",
            "pages/blog/[slug].tsx",
            "pages/api/revalidate.ts",
            "app/(marketing)/pricing/page.tsx",
            "app/docs/[...path]/page.mdx",
            "app/docs/layout.tsx",
            "app/_lib/page.tsx",
        ];
        PageIndex::new(
            files.into_iter(),
            "pages",
            "app",
            &["tsx".to_string(), "ts".to_string()],
        )
    }

    #[test]
    fn literal_paths_find_their_router() {
        let index = index();
        let pages = |file: &str| PageRouter::Pages { file: file.into() };
        assert_eq!(
            index.router(&PagePath::Exact("/".into())),
            pages("pages/index.tsx")
        );
        assert_eq!(
            index.router(&PagePath::Exact("/blog/hello".into())),
            pages("pages/blog/[slug].tsx")
        );
        assert_eq!(
            index.router(&PagePath::Exact("/pricing".into())),
            PageRouter::App {
                file: "app/(marketing)/pricing/page.tsx".into()
            }
        );
        // `page.mdx` is not a page extension here; `_lib` is a private folder.
        assert_eq!(
            index.router(&PagePath::Exact("/docs/a".into())),
            PageRouter::Unknown
        );
        assert_eq!(
            index.router(&PagePath::Exact("/_lib".into())),
            PageRouter::Unknown
        );
        assert_eq!(
            index.router(&PagePath::Exact("blog/x".into())),
            PageRouter::Unknown
        );
    }

    #[test]
    fn prefixes_must_reach_one_router_only() {
        let index = index();
        assert_eq!(
            index.router(&PagePath::Prefix("/blog/".into())),
            PageRouter::Pages {
                file: "pages/blog/[slug].tsx".into()
            }
        );
        assert_eq!(
            index.router(&PagePath::Prefix("/pri".into())),
            PageRouter::App {
                file: "app/(marketing)/pricing/page.tsx".into()
            }
        );
        // `/` could be the pages home page or the app pricing page.
        assert_eq!(
            index.router(&PagePath::Prefix("/".into())),
            PageRouter::Unknown
        );
    }
}
