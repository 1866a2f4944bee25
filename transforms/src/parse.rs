//! Parsing a file once with swc, and the one conversion from swc positions to file offsets.

use std::cell::OnceCell;
use std::ops::Range;

use swc_common::comments::{Comment, SingleThreadedComments, SingleThreadedCommentsMapInner};
use swc_common::{BytePos, Span, Spanned};
use swc_ecma_ast::Module;
use swc_ecma_parser::{EsSyntax, Parser, StringInput, Syntax, TsSyntax};
use swc_ecma_visit::{Visit, VisitWith};

use crate::diagnostic::{Diagnostic, Location};
use crate::text::{code_start, LineIndex, Style};

/// swc positions start at 1; a file parsed on its own starts at this position.
const BASE: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    TypeScript,
    Tsx,
    JavaScript,
}

impl Language {
    /// The language of a file, from its extension (`.ts`, `.tsx`, `.js`, `.jsx`, `.mjs`, `.cjs`, `.mts`, `.cts`).
    pub fn from_path(path: &str) -> Option<Language> {
        let ext = path.rsplit_once('.')?.1;
        match ext {
            "ts" | "mts" | "cts" => Some(Language::TypeScript),
            "tsx" => Some(Language::Tsx),
            "js" | "jsx" | "mjs" | "cjs" => Some(Language::JavaScript),
            _ => None,
        }
    }

    pub fn is_typescript(self) -> bool {
        matches!(self, Language::TypeScript | Language::Tsx)
    }

    fn syntax(self) -> Syntax {
        match self {
            Language::TypeScript => Syntax::Typescript(TsSyntax {
                decorators: true,
                ..Default::default()
            }),
            Language::Tsx => Syntax::Typescript(TsSyntax {
                tsx: true,
                decorators: true,
                ..Default::default()
            }),
            Language::JavaScript => Syntax::Es(EsSyntax {
                jsx: true,
                decorators: true,
                ..Default::default()
            }),
        }
    }
}

/// A parsed source file. The text is the file as read, a leading byte-order mark included, and
/// every offset is into it: edits made from a parse apply to the file itself.
pub struct ParsedFile {
    pub path: String,
    pub text: String,
    pub language: Language,
    pub module: Module,
    pub comments: FileComments,
    /// See [`ParsedFile::lines`].
    lines: OnceCell<LineIndex>,
    /// See [`ParsedFile::identifier_counts`].
    identifiers: OnceCell<IdentifierCounts>,
    /// See [`ParsedFile::style`].
    style: OnceCell<Style>,
}

/// A parsed file can move to another thread: planning parses on a pool of them.
const _: fn() = || {
    fn movable<T: Send>() {}
    movable::<ParsedFile>();
};

/// A file's comments, by the position of the code they sit before (`leading`) or after
/// (`trailing`): swc's maps, owned rather than shared as the parser kept them.
#[derive(Debug, Default)]
pub struct FileComments {
    pub leading: SingleThreadedCommentsMapInner,
    pub trailing: SingleThreadedCommentsMapInner,
}

impl FileComments {
    /// The comments right before the code at `pos`.
    pub fn get_leading(&self, pos: BytePos) -> Option<&Vec<Comment>> {
        self.leading.get(&pos)
    }

    /// Every comment, leading ones first, each group in no particular order.
    pub fn all(&self) -> impl Iterator<Item = &Comment> {
        self.leading
            .values()
            .chain(self.trailing.values())
            .flatten()
    }
}

impl From<SingleThreadedComments> for FileComments {
    fn from(comments: SingleThreadedComments) -> FileComments {
        let (leading, trailing) = comments.take_all();
        // The parser is gone: the maps have no other owner, and are taken as they are.
        let own = |map: swc_common::comments::SingleThreadedCommentsMap| {
            std::rc::Rc::try_unwrap(map)
                .map(std::cell::RefCell::into_inner)
                .unwrap_or_else(|shared| shared.borrow().clone())
        };
        FileComments {
            leading: own(leading),
            trailing: own(trailing),
        }
    }
}

/// Each identifier name in a file, with how many times it occurs.
pub type IdentifierCounts = rustc_hash::FxHashMap<String, usize>;

impl ParsedFile {
    /// Parses `source`. Any syntax error, including ones swc recovered from, fails the parse:
    /// routeshift never rewrites a file it did not fully understand.
    pub fn parse(path: &str, source: &str) -> Result<ParsedFile, Diagnostic> {
        let language = Language::from_path(path).unwrap_or(Language::TypeScript);
        Self::parse_as(path, source, language)
    }

    pub fn parse_as(
        path: &str,
        source: &str,
        language: Language,
    ) -> Result<ParsedFile, Diagnostic> {
        let text = source.to_string();
        // swc reads the code after a byte-order mark, at the positions it has in the file.
        let start = code_start(&text);
        let comments = SingleThreadedComments::default();
        let end = BASE as usize + text.len();
        let Ok(end) = u32::try_from(end) else {
            return Err(
                Diagnostic::error("parse/too-large", "the file is too large to parse").at(
                    Location {
                        path: path.to_string(),
                        line: 1,
                        column: 1,
                    },
                ),
            );
        };
        let input = StringInput::new(&text[start..], BytePos(BASE + start as u32), BytePos(end));
        // The parser has internal assertions that some malformed inputs trip (fuzzing found
        // swc_ecma_parser 47's `debug_assert_eq!(items.len(), 1)` on `(a, b( c) => …`): a file
        // it cannot handle is a file that does not parse, never a crash of the whole run.
        let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut parser = Parser::new(language.syntax(), input, Some(&comments));
            let result = parser.parse_module();
            (result, parser.take_errors())
        }));
        let Ok((result, recovered)) = parsed else {
            return Err(Diagnostic::error(
                "parse/parser-failure",
                "the parser stopped on this file (an internal error of swc's parser on malformed code)",
            )
            .with_help("check the file for a syntax error; routeshift leaves it as it is")
            .at(Location {
                path: path.to_string(),
                line: 1,
                column: 1,
            }));
        };
        let error = match result {
            Ok(module) if recovered.is_empty() => {
                return Ok(ParsedFile {
                    path: path.to_string(),
                    text,
                    language,
                    module,
                    comments: FileComments::from(comments),
                    lines: OnceCell::new(),
                    identifiers: OnceCell::new(),
                    style: OnceCell::new(),
                });
            }
            Ok(_) => recovered.into_iter().next(),
            Err(error) => Some(error),
        };
        let (offset, message) = match error {
            Some(error) => {
                let offset = (error.span().lo.0.saturating_sub(BASE)) as usize;
                (offset, error.kind().msg().to_string())
            }
            None => (0, "unknown syntax error".to_string()),
        };
        let (line, column) = LineIndex::new(&text).line_col(&text, offset);
        Err(Diagnostic::error(
            "parse/syntax-error",
            format!("the file does not parse: {message}"),
        )
        .with_help("fix the syntax error (or exclude the file); the other files are still migrated")
        .at(Location {
            path: path.to_string(),
            line,
            column,
        }))
    }

    /// Each identifier name in the file (bindings and references, not property names), with how
    /// many times it occurs: counted on the first call, shared by every later one.
    pub fn identifier_counts(&self) -> &IdentifierCounts {
        self.identifiers.get_or_init(|| {
            struct Counts(IdentifierCounts);
            impl Visit for Counts {
                fn visit_ident(&mut self, ident: &swc_ecma_ast::Ident) {
                    let name = ident.sym.as_str();
                    match self.0.get_mut(name) {
                        Some(count) => *count += 1,
                        None => {
                            self.0.insert(name.to_string(), 1);
                        }
                    }
                }
            }
            let mut counts = Counts(IdentifierCounts::default());
            self.module.visit_with(&mut counts);
            counts.0
        })
    }

    /// Where the file's lines start: found on the first call (most files never need it).
    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }

    /// The file's style (see [`crate::text::file_style`]): detected on the first call.
    pub fn style(&self) -> &Style {
        self.style
            .get_or_init(|| crate::text::detect_file_style(self))
    }

    /// The file offset of an swc position. Every conversion goes through here.
    pub fn offset(&self, pos: BytePos) -> usize {
        (pos.0.saturating_sub(BASE) as usize).min(self.text.len())
    }

    pub fn range(&self, span: Span) -> Range<usize> {
        self.offset(span.lo)..self.offset(span.hi)
    }

    pub fn slice(&self, span: Span) -> &str {
        &self.text[self.range(span)]
    }

    pub fn location(&self, offset: usize) -> Location {
        let (line, column) = self.lines().line_col(&self.text, offset);
        Location {
            path: self.path.clone(),
            line,
            column,
        }
    }

    pub fn location_of(&self, span: Span) -> Location {
        self.location(self.offset(span.lo))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_maps_offsets() {
        let file = ParsedFile::parse("a.ts", "\u{feff}const a: number = 1\n").unwrap();
        assert!(file.text.starts_with('\u{feff}'));
        let span = file.module.body[0].span();
        assert_eq!(file.slice(span), "const a: number = 1");
        assert_eq!(file.range(span).start, 3);
        // The mark is not a column.
        assert_eq!(
            (file.location_of(span).line, file.location_of(span).column),
            (1, 1)
        );
    }

    #[test]
    fn reports_syntax_errors_with_position() {
        let error = ParsedFile::parse("pages/api/x.ts", "const a = 1\nexport default function (\n")
            .err()
            .unwrap();
        let location = error.location.unwrap();
        assert_eq!(location.path, "pages/api/x.ts");
        assert!(location.line >= 2, "{location}");
        assert_eq!(error.code, "parse/syntax-error");
    }

    #[test]
    fn a_parser_assertion_is_a_parse_error() {
        // Found by tests/fuzz.rs: trips an assertion inside swc's parser (in debug builds).
        let source = "new Promise((resolve,withAuth( reject) => {\n  resolve(1)\n})\n";
        assert!(ParsedFile::parse("pages/api/x.ts", source).is_err());
    }

    #[test]
    fn jsx_in_js_files() {
        assert!(ParsedFile::parse("a.js", "export default () => <div />\n").is_ok());
        assert!(ParsedFile::parse("a.tsx", "export default () => <div />\n").is_ok());
    }
}
