//! What the user says a route is: a `// routeshift: <kind>` comment in the handler file, or an
//! entry in `routeshift.toml` at the project root. Either beats the evidence.
//!
//! ```toml
//! [routes."/api/items/[id]"]
//! kind = "public-api"
//! ```
//!
//! A mistake in an override is an error, never ignored: a misspelt kind or route would otherwise
//! quietly leave the route to the heuristics the user meant to overrule.

use swc_common::comments::Comment;
use swc_common::{Span, Spanned};
use toml::de::{DeTable, DeValue};

use super::Class;
use crate::diagnostic::{Diagnostic, Location};
use crate::parse::ParsedFile;
use crate::text::LineIndex;

const CODE: &str = "error/override";
const KINDS_HELP: &str = "use one of: webhook, public-api, app-mutation, page-read";

/// The class a `// routeshift: <kind>` (or `/* routeshift: <kind> */`) comment gives the handler,
/// with where the comment is.
///
/// The comment counts between top-level statements: above `export default`, above the handler's
/// declaration, in the file's header, after a statement on its line. One inside a statement
/// (in the handler's body) is an error rather than silently ignored, and so are an unknown kind
/// and two comments that disagree.
pub fn comment_override(file: &ParsedFile) -> Result<Option<(Class, Location)>, Diagnostic> {
    let items: Vec<Span> = file.module.body.iter().map(|item| item.span()).collect();
    let mut found: Vec<&Comment> = file.comments.all().collect();
    // The maps are unordered: read the comments in file order.
    found.sort_by_key(|comment| comment.span.lo);

    let mut chosen: Option<(Class, Location, String)> = None;
    for comment in found {
        let Some(word) = override_word(&comment.text) else {
            continue;
        };
        let location = file.location_of(comment.span);
        let inside_statement = items
            .iter()
            .any(|item| item.lo < comment.span.lo && comment.span.hi <= item.hi);
        if inside_statement {
            return Err(Diagnostic::error(
                CODE,
                "a routeshift comment inside the code is not read: it must sit above a top-level statement",
            )
            .with_help("move it directly above `export default` or above the handler's declaration")
            .at(location));
        }
        if word.is_empty() {
            return Err(
                Diagnostic::error(CODE, "a routeshift comment names no kind")
                    .with_help(KINDS_HELP)
                    .at(location),
            );
        }
        let Some(class) = Class::from_name(word) else {
            return Err(Diagnostic::error(
                CODE,
                format!("unknown kind `{word}` in a routeshift comment"),
            )
            .with_help(KINDS_HELP)
            .at(location));
        };
        match &chosen {
            None => chosen = Some((class, location, word.to_string())),
            Some((first, _, _)) if *first == class => {}
            Some((_, first_at, first_word)) => {
                return Err(Diagnostic::error(
                    CODE,
                    format!(
                        "two routeshift comments disagree: `{first_word}` at line {} and `{word}` here",
                        first_at.line
                    ),
                )
                .with_help("keep the one comment that says what the route is")
                .at(location));
            }
        }
    }
    Ok(chosen.map(|(class, location, _)| (class, location)))
}

/// The kind in ` routeshift: public-api ` (a line or block comment's text, JSDoc stars allowed);
/// `None` when the comment is not a routeshift comment.
fn override_word(text: &str) -> Option<&str> {
    let text = text.trim().trim_start_matches('*').trim_start();
    let rest = text.strip_prefix("routeshift:")?.trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// One `[routes."/api/x"]` entry of `routeshift.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteOverride {
    /// The route's URL pattern as written, e.g. `/api/items/[id]`.
    pub route: String,
    pub class: Class,
    /// Where the route's table starts in `routeshift.toml`.
    pub location: Location,
}

/// Reads `routeshift.toml` (`path` is its project-relative name, used in locations). Any
/// mistake is an error at its line: invalid TOML, an unknown key, a missing or unknown kind.
pub fn parse_config(path: &str, text: &str) -> Result<Vec<RouteOverride>, Diagnostic> {
    let config = Config {
        path,
        text,
        lines: LineIndex::new(text),
    };
    let document = match DeTable::parse(text) {
        Ok(document) => document,
        Err(error) => {
            let offset = error.span().map_or(0, |span| span.start);
            return Err(config.error(
                format!("{path} is not valid TOML: {}", error.message()),
                "fix the syntax on this line; an entry looks like `[routes.\"/api/x\"]` then `kind = \"public-api\"`",
                offset,
            ));
        }
    };

    let mut overrides = Vec::new();
    for (key, value) in in_file_order(document.get_ref()) {
        if key.get_ref() != "routes" {
            return Err(config.error(
                format!("unknown key `{}` in {path}", key.get_ref()),
                "only `[routes.\"/api/...\"]` tables are read; remove this key",
                key.span().start,
            ));
        }
        let DeValue::Table(routes) = value.get_ref() else {
            return Err(config.error(
                format!("`routes` in {path} must be a table of routes"),
                "write each route as `[routes.\"/api/x\"]` followed by `kind = \"public-api\"`",
                value.span().start,
            ));
        };
        for (route, entry) in in_file_order(routes) {
            overrides.push(config.route(route, entry)?);
        }
    }
    Ok(overrides)
}

struct Config<'a> {
    path: &'a str,
    text: &'a str,
    lines: LineIndex,
}

impl Config<'_> {
    fn location(&self, offset: usize) -> Location {
        let (line, column) = self.lines.line_col(self.text, offset);
        Location {
            path: self.path.to_string(),
            line,
            column,
        }
    }

    fn error(&self, message: String, help: &str, offset: usize) -> Diagnostic {
        Diagnostic::error(CODE, message)
            .with_help(help)
            .at(self.location(offset))
    }

    fn route(
        &self,
        route: &toml::Spanned<std::borrow::Cow<'_, str>>,
        entry: &toml::Spanned<DeValue<'_>>,
    ) -> Result<RouteOverride, Diagnostic> {
        let name = route.get_ref();
        let DeValue::Table(table) = entry.get_ref() else {
            return Err(self.error(
                format!(
                    "route {name} in {} must be a table with a `kind`",
                    self.path
                ),
                "write `[routes.\"/api/x\"]` followed by `kind = \"public-api\"`",
                entry.span().start,
            ));
        };
        let mut kind = None;
        for (key, value) in in_file_order(table) {
            if key.get_ref() == "kind" {
                kind = Some(value);
            } else {
                return Err(self.error(
                    format!(
                        "unknown key `{}` for route {name} in {}",
                        key.get_ref(),
                        self.path
                    ),
                    "a route takes only `kind`; remove this key",
                    key.span().start,
                ));
            }
        }
        let Some(kind) = kind else {
            return Err(self.error(
                format!("route {name} in {} has no `kind`", self.path),
                "add `kind = \"…\"`, one of: webhook, public-api, app-mutation, page-read",
                route.span().start,
            ));
        };
        let DeValue::String(word) = kind.get_ref() else {
            return Err(self.error(
                format!("`kind` of route {name} in {} must be a string", self.path),
                "write the kind in quotes: `kind = \"public-api\"`",
                kind.span().start,
            ));
        };
        let Some(class) = Class::from_name(word) else {
            return Err(self.error(
                format!("unknown kind `{word}` for route {name} in {}", self.path),
                KINDS_HELP,
                kind.span().start,
            ));
        };
        Ok(RouteOverride {
            route: name.to_string(),
            class,
            location: self.location(route.span().start),
        })
    }
}

type Entry<'t, 'i> = (
    &'t toml::Spanned<std::borrow::Cow<'i, str>>,
    &'t toml::Spanned<DeValue<'i>>,
);

/// A table's entries in the order they are written (the map itself is sorted by key).
fn in_file_order<'t, 'i>(table: &'t DeTable<'i>) -> Vec<Entry<'t, 'i>> {
    let mut entries: Vec<Entry<'t, 'i>> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

/// Overrides that name no API route of the project, as errors with the closest route suggested.
pub fn validate_routes(overrides: &[RouteOverride], known_routes: &[&str]) -> Vec<Diagnostic> {
    overrides
        .iter()
        .filter(|o| !known_routes.contains(&o.route.as_str()))
        .map(|o| {
            let closest = known_routes
                .iter()
                .map(|known| (edit_distance(&o.route, known), *known))
                .filter(|(distance, _)| *distance <= 3)
                .min_by_key(|(distance, _)| *distance);
            let help = match closest {
                Some((_, known)) => format!("did you mean {known}?"),
                None => "use the route's URL pattern, e.g. /api/items/[id]".to_string(),
            };
            Diagnostic::error(
                CODE,
                format!(
                    "routeshift.toml names {}, which is not an API route of this project",
                    o.route
                ),
            )
            .with_help(help)
            .at(o.location.clone())
        })
        .collect()
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(src: &str) -> Result<Option<(Class, Location)>, Diagnostic> {
        comment_override(&ParsedFile::parse("pages/api/x.ts", src).unwrap())
    }

    fn line_col(location: &Location) -> (usize, usize) {
        (location.line, location.column)
    }

    #[test]
    fn comment_above_the_default_export() {
        let (class, location) = comment(
            "import { prisma } from '@/lib/prisma'\n\n// routeshift: public-api\nexport default async function handler(req, res) {}\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(class, Class::PublicApi);
        assert_eq!(location.path, "pages/api/x.ts");
        assert_eq!(line_col(&location), (3, 1));
    }

    #[test]
    fn comment_forms_and_places() {
        let header = comment("/** routeshift: webhook — Stripe calls this */\nimport Stripe from 'stripe'\nexport default h\n");
        let footer =
            comment("export default function h(req, res) {}\n\n// routeshift: page-read\n");
        assert_eq!(footer.unwrap().map(|(c, _)| c), Some(Class::PageRead));
        assert_eq!(header.unwrap().map(|(c, _)| c), Some(Class::Webhook));

        let above_declaration = comment(
            "const a = 1\n  /* routeshift: page-read */\nasync function handler(req, res) {}\nexport default handler\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (above_declaration.0, line_col(&above_declaration.1)),
            (Class::PageRead, (2, 3))
        );

        let trailing = comment(
            "function handler(req, res) {}\nexport default handler // routeshift: app-mutation\n",
        );
        assert_eq!(trailing.unwrap().map(|(c, _)| c), Some(Class::AppMutation));

        let same_twice = comment(
            "// routeshift: webhook\nconst a = 1\n// routeshift: webhook\nexport default a\n",
        );
        assert_eq!(same_twice.unwrap().map(|(_, l)| l.line), Some(1));
    }

    #[test]
    fn no_comment_and_other_comments() {
        assert_eq!(
            comment("// handles items\nexport default (req, res) => {}\n").unwrap(),
            None
        );
        assert_eq!(
            comment("// see the routeshift: docs\nexport default (req, res) => {}\n").unwrap(),
            None
        );
    }

    #[test]
    fn unknown_kind_in_a_comment() {
        let error =
            comment("const a = 1\n// routeshift: public\nexport default (req, res) => {}\n")
                .unwrap_err();
        assert_eq!(error.code, "error/override");
        assert_eq!(
            error.message,
            "unknown kind `public` in a routeshift comment"
        );
        assert_eq!(
            error.help.as_deref(),
            Some("use one of: webhook, public-api, app-mutation, page-read")
        );
        assert_eq!(line_col(error.location.as_ref().unwrap()), (2, 1));

        let empty = comment("// routeshift:\nexport default (req, res) => {}\n").unwrap_err();
        assert_eq!(empty.message, "a routeshift comment names no kind");
    }

    #[test]
    fn two_kinds_in_one_file() {
        let error = comment(
            "// routeshift: webhook\nimport x from 'x'\n\n// routeshift: public-api\nexport default (req, res) => {}\n",
        )
        .unwrap_err();
        assert_eq!(error.code, "error/override");
        assert_eq!(
            error.message,
            "two routeshift comments disagree: `webhook` at line 1 and `public-api` here"
        );
        assert_eq!(line_col(error.location.as_ref().unwrap()), (4, 1));
    }

    #[test]
    fn comment_inside_the_handler_is_an_error() {
        let error =
            comment("export default (req, res) => {\n  // routeshift: webhook\n  res.end()\n}\n")
                .unwrap_err();
        assert_eq!(error.code, "error/override");
        assert_eq!(line_col(error.location.as_ref().unwrap()), (2, 3));
        assert!(error.help.unwrap().contains("export default"));
    }

    const PATH: &str = "routeshift.toml";

    fn config_error(text: &str) -> Diagnostic {
        let error = parse_config(PATH, text).unwrap_err();
        assert_eq!(error.code, "error/override");
        assert!(error.help.is_some());
        assert_eq!(error.location.as_ref().unwrap().path, PATH);
        error
    }

    #[test]
    fn valid_config_in_file_order() {
        let text = "# routes that are called from outside\nroutes.\"/api/feed\".kind = \"page-read\"\n[routes.\"/api/zeta\"]\nkind = \"webhook\"\n\n[routes.\"/api/items/[id]\"]\nkind = 'public-api'\n";
        let overrides = parse_config(PATH, text).unwrap();
        let read: Vec<(&str, Class, (usize, usize))> = overrides
            .iter()
            .map(|o| (o.route.as_str(), o.class, line_col(&o.location)))
            .collect();
        assert_eq!(
            read,
            [
                ("/api/feed", Class::PageRead, (2, 8)),
                ("/api/zeta", Class::Webhook, (3, 9)),
                ("/api/items/[id]", Class::PublicApi, (6, 9)),
            ]
        );
        assert_eq!(overrides[0].location.path, PATH);
        // A dotted key after a route's header belongs to that route: an unknown key there.
        let misplaced = config_error(
            "[routes.\"/api/a\"]\nkind = \"webhook\"\nroutes.\"/api/b\".kind = \"page-read\"\n",
        );
        assert_eq!(
            misplaced.message,
            "unknown key `routes` for route /api/a in routeshift.toml"
        );
        assert_eq!(parse_config(PATH, "").unwrap(), []);
    }

    #[test]
    fn invalid_toml_points_at_its_line() {
        let error = config_error(
            "[routes.\"/api/a\"]\nkind = \"webhook\"\n\n[routes.\"/api/b\"]\nkind = public-api\n",
        );
        assert!(
            error
                .message
                .starts_with("routeshift.toml is not valid TOML"),
            "{}",
            error.message
        );
        assert_eq!(error.location.unwrap().line, 5);

        let unclosed = config_error("[routes.\"/api/a\"\nkind = \"webhook\"\n");
        assert_eq!(unclosed.location.unwrap().line, 1);
    }

    #[test]
    fn unknown_kind_points_at_the_value() {
        let error = config_error(
            "[routes.\"/api/a\"]\nkind = \"webhook\"\n[routes.\"/api/b\"]\nkind = \"public\"\n",
        );
        assert_eq!(
            error.message,
            "unknown kind `public` for route /api/b in routeshift.toml"
        );
        assert_eq!(
            error.help.as_deref(),
            Some("use one of: webhook, public-api, app-mutation, page-read")
        );
        assert_eq!(line_col(&error.location.unwrap()), (4, 8));
    }

    #[test]
    fn unknown_keys() {
        let top = config_error("version = 1\n[routes.\"/api/a\"]\nkind = \"webhook\"\n");
        assert_eq!(top.message, "unknown key `version` in routeshift.toml");
        assert_eq!(line_col(&top.location.unwrap()), (1, 1));

        let in_route =
            config_error("[routes.\"/api/a\"]\nkind = \"webhook\"\nreason = \"stripe\"\n");
        assert_eq!(
            in_route.message,
            "unknown key `reason` for route /api/a in routeshift.toml"
        );
        assert_eq!(line_col(&in_route.location.unwrap()), (3, 1));

        let routes_value = config_error("routes = \"/api/a\"\n");
        assert_eq!(
            routes_value.message,
            "`routes` in routeshift.toml must be a table of routes"
        );

        let route_value = config_error("[routes]\n\"/api/a\" = \"webhook\"\n");
        assert_eq!(
            route_value.message,
            "route /api/a in routeshift.toml must be a table with a `kind`"
        );
        assert_eq!(route_value.location.unwrap().line, 2);
    }

    #[test]
    fn kind_must_be_a_string() {
        let error = config_error("[routes.\"/api/a\"]\nkind = 3\n");
        assert_eq!(
            error.message,
            "`kind` of route /api/a in routeshift.toml must be a string"
        );
        assert_eq!(line_col(&error.location.unwrap()), (2, 8));

        let missing = config_error("[routes.\"/api/a\"]\n");
        assert_eq!(
            missing.message,
            "route /api/a in routeshift.toml has no `kind`"
        );
        assert_eq!(line_col(&missing.location.unwrap()), (1, 9));
    }

    #[test]
    fn columns_count_characters() {
        let error = config_error(
            "[routes.\"/api/é\"]\nkind = \"webhook\"\n[routes.\"/api/ü\"] \n kind = \"x\"\n",
        );
        assert_eq!(line_col(&error.location.unwrap()), (4, 9));
        let error = config_error("[routes.\"/api/é\"] # é\nkind = 1\n");
        assert_eq!(line_col(&error.location.unwrap()), (2, 8));
        let error = config_error("\"é\" = 1\n");
        assert_eq!(line_col(&error.location.unwrap()), (1, 1));
        let error = config_error("[routes.\"é\"]\nkind = \"webhook\"\n[x]\n");
        assert_eq!(line_col(&error.location.unwrap()), (3, 2));
    }

    #[test]
    fn routes_that_do_not_exist() {
        let overrides = parse_config(
            PATH,
            "[routes.\"/api/item/[id]\"]\nkind = \"public-api\"\n[routes.\"/api/users\"]\nkind = \"page-read\"\n[routes.\"/api/completely-else\"]\nkind = \"webhook\"\n",
        )
        .unwrap();
        let known = ["/api/items/[id]", "/api/users", "/api/items"];
        let errors = validate_routes(&overrides, &known);
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].code, "error/override");
        assert_eq!(
            errors[0].message,
            "routeshift.toml names /api/item/[id], which is not an API route of this project"
        );
        assert_eq!(
            errors[0].help.as_deref(),
            Some("did you mean /api/items/[id]?")
        );
        assert_eq!(line_col(errors[0].location.as_ref().unwrap()), (1, 9));
        assert_eq!(
            errors[1].help.as_deref(),
            Some("use the route's URL pattern, e.g. /api/items/[id]")
        );
        assert!(validate_routes(&overrides[1..2], &known).is_empty());
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("/api/é", "/api/e"), 1);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
