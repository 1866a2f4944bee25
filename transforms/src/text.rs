//! Positions, and the conventions of a file's own style that new code must follow.

use std::ops::Range;

/// Byte offset → line and column, built once per file.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![code_start(text)];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { line_starts }
    }

    /// 1-based line and 1-based column counted in characters.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let start = self.line_starts[line].min(offset);
        let column = text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, column + 1)
    }
}

/// How a file writes its code, so that generated lines look like the user's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Style {
    pub quote: char,
    pub semicolons: bool,
    /// One level of indentation (`"  "`, `"    "` or `"\t"`).
    pub indent: String,
    pub newline: &'static str,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            quote: '\'',
            semicolons: false,
            indent: "  ".to_string(),
            newline: "\n",
        }
    }
}

impl Style {
    /// Reads the style off a file. `statement_ends` are the end offsets of the file's top-level
    /// and body statements, used to decide about semicolons; `string_starts` the offsets of
    /// string literals, used for the quote character.
    pub fn detect(text: &str, statement_ends: &[usize], string_starts: &[usize]) -> Style {
        let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
        let (mut single, mut double) = (0usize, 0usize);
        for &start in string_starts {
            match text.as_bytes().get(start) {
                Some(b'\'') => single += 1,
                Some(b'"') => double += 1,
                _ => {}
            }
        }
        let quote = if double > single { '"' } else { '\'' };
        let with = statement_ends
            .iter()
            .filter(|&&end| end > 0 && text.as_bytes().get(end - 1) == Some(&b';'))
            .count();
        let semicolons = if statement_ends.is_empty() {
            false
        } else {
            with * 2 >= statement_ends.len()
        };
        Style {
            quote,
            semicolons,
            indent: detect_indent(text),
            newline,
        }
    }

    pub fn quoted(&self, value: &str) -> String {
        let mut out = String::with_capacity(value.len() + 2);
        out.push(self.quote);
        for c in value.chars() {
            if c == self.quote || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push(self.quote);
        out
    }

    /// The statement terminator: `;` or nothing.
    pub fn semi(&self) -> &'static str {
        if self.semicolons {
            ";"
        } else {
            ""
        }
    }
}

fn detect_indent(text: &str) -> String {
    let mut smallest_spaces: Option<usize> = None;
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with('\t') {
            return "\t".to_string();
        }
        let spaces = line.len() - line.trim_start_matches(' ').len();
        // A lone space before `*` is a block comment's continuation line, not indentation.
        if spaces >= 2 && !line.trim_start().starts_with('*') {
            smallest_spaces = Some(smallest_spaces.map_or(spaces, |s| s.min(spaces)));
        }
    }
    " ".repeat(smallest_spaces.unwrap_or(2).min(8))
}

/// `text` on one line: every run of whitespace, line breaks included, as one space.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where a file's code starts: after its byte-order mark (or marks), if it has one.
pub fn code_start(text: &str) -> usize {
    text.len() - text.trim_start_matches('\u{feff}').len()
}

/// Where the line that contains `offset` starts (after a byte-order mark, on the first line).
pub fn line_start(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    match text[..offset].rfind('\n') {
        Some(newline) => newline + 1,
        None => code_start(text).min(offset),
    }
}

/// The leading whitespace of the line that contains `offset`.
pub fn indentation_at(text: &str, offset: usize) -> &str {
    let start = line_start(text, offset);
    let rest = &text[start..];
    let width = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    &rest[..width]
}

/// The range of the whole line(s) that `range` occupies, when nothing else shares them: used to
/// delete a statement together with its indentation and line break.
pub fn whole_lines(text: &str, range: Range<usize>) -> Range<usize> {
    let line_start = line_start(text, range.start);
    let before = &text[line_start..range.start];
    let after_end = text[range.end..]
        .find('\n')
        .map_or(text.len(), |i| range.end + i + 1);
    let after = &text[range.end..after_end];
    if before.trim().is_empty() && after.trim().is_empty() {
        line_start..after_end
    } else {
        range
    }
}

/// The range to delete to remove a statement that has its own lines: its lines, plus one of
/// the blank lines around it when it stood between two blank lines (or at the top of the
/// file), so that removing it leaves no double gap.
pub fn statement_lines(text: &str, range: Range<usize>) -> Range<usize> {
    let lines = whole_lines(text, range.clone());
    if lines == range {
        return range;
    }
    let before = &text[..lines.start];
    let blank_before = lines.start == 0 || before.ends_with("\n\n") || before.ends_with("\n\r\n");
    let rest = &text[lines.end..];
    let next_line_end = rest.find('\n').map_or(rest.len(), |i| i + 1);
    let blank_after = !rest.is_empty() && rest[..next_line_end].trim().is_empty();
    if blank_before && blank_after {
        lines.start..lines.end + next_line_end
    } else {
        lines
    }
}

/// The style of a parsed file: quotes of its imports (or of any string outside JSX attributes),
/// semicolons after its
/// statements, its indentation and line endings.
pub fn file_style(file: &crate::parse::ParsedFile) -> Style {
    file.style().clone()
}

/// See [`file_style`]; run once per file by [`crate::parse::ParsedFile::style`].
pub(crate) fn detect_file_style(file: &crate::parse::ParsedFile) -> Style {
    use swc_common::Spanned;
    use swc_ecma_ast::{ModuleDecl, ModuleItem, Stmt};
    let mut statement_ends = Vec::new();
    let mut string_starts = Vec::new();
    for item in &file.module.body {
        statement_ends.push(file.offset(item.span().hi));
        if let ModuleItem::ModuleDecl(ModuleDecl::Import(import)) = item {
            string_starts.push(file.offset(import.src.span.lo));
        }
    }
    struct Strings<'f>(&'f crate::parse::ParsedFile, Vec<usize>, Vec<usize>);
    impl swc_ecma_visit::Visit for Strings<'_> {
        fn visit_str(&mut self, s: &swc_ecma_ast::Str) {
            self.1.push(self.0.offset(s.span.lo));
        }
        fn visit_stmt(&mut self, stmt: &Stmt) {
            match stmt {
                Stmt::Expr(_)
                | Stmt::Decl(swc_ecma_ast::Decl::Var(_))
                | Stmt::Return(_)
                | Stmt::Throw(_) => self.2.push(self.0.offset(stmt.span().hi)),
                _ => {}
            }
            swc_ecma_visit::VisitWith::visit_children_with(stmt, self);
        }
        // JSX attribute values follow a convention of their own (`className="x"` in a file
        // that writes `'x'`): they say nothing about the code's quotes.
        fn visit_jsx_attr_value(&mut self, value: &swc_ecma_ast::JSXAttrValue) {
            if !matches!(value, swc_ecma_ast::JSXAttrValue::Str(_)) {
                swc_ecma_visit::VisitWith::visit_children_with(value, self);
            }
        }
    }
    let mut strings = Strings(file, Vec::new(), Vec::new());
    swc_ecma_visit::VisitWith::visit_with(&file.module, &mut strings);
    if string_starts.is_empty() {
        string_starts = strings.1;
    }
    statement_ends.extend(strings.2);
    Style::detect(&file.text, &statement_ends, &string_starts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let text = "ab\ncé d\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 0), (1, 1));
        assert_eq!(index.line_col(text, 3), (2, 1));
        assert_eq!(index.line_col(text, text.find('d').unwrap()), (2, 4));
    }

    #[test]
    fn detects_style() {
        let text = "import a from \"a\";\r\nfunction f() {\r\n\treturn 1;\r\n}\r\n";
        let style = Style::detect(text, &[18], &[14]);
        assert_eq!(
            style,
            Style {
                quote: '"',
                semicolons: true,
                indent: "\t".into(),
                newline: "\r\n"
            }
        );
        let text = "const a = 'x'\nif (a) {\n    b()\n}\n";
        let style = Style::detect(text, &[13], &[10]);
        assert_eq!(style.indent, "    ");
        assert!(!style.semicolons);
        assert_eq!(style.quote, '\'');
    }

    #[test]
    fn statement_lines_leave_no_double_gap() {
        let text = "a\n\nexport const config = {}\n\nb\n";
        let start = text.find("export").unwrap();
        let range = statement_lines(text, start..start + "export const config = {}".len());
        assert_eq!(
            format!("{}{}", &text[..range.start], &text[range.end..]),
            "a\n\nb\n"
        );
        let text = "a\nx\nb\n";
        assert_eq!(statement_lines(text, 2..3), 2..4);
    }

    #[test]
    fn whole_lines_takes_the_line_when_alone() {
        let text = "a\n  return;\nb";
        assert_eq!(whole_lines(text, 4..11), 2..12);
        assert_eq!(whole_lines(text, 4..8), 4..8);
    }
}
