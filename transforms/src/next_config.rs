//! Reading `next.config.*`: only literal values are trusted.

use swc_ecma_visit::{Visit, VisitWith};

use crate::parse::ParsedFile;

/// `pageExtensions` when it is a literal array of strings; `None` when it is missing or computed.
pub fn page_extensions(file: &ParsedFile) -> Option<Vec<String>> {
    struct Finder(Option<Option<Vec<String>>>);
    impl Visit for Finder {
        fn visit_key_value_prop(&mut self, prop: &swc_ecma_ast::KeyValueProp) {
            let is_key = match &prop.key {
                swc_ecma_ast::PropName::Ident(id) => &*id.sym == "pageExtensions",
                swc_ecma_ast::PropName::Str(s) => s.value.as_str() == Some("pageExtensions"),
                _ => false,
            };
            if is_key && self.0.is_none() {
                let literal = match &*prop.value {
                    swc_ecma_ast::Expr::Array(array) => array
                        .elems
                        .iter()
                        .map(|e| match e.as_ref().map(|e| &*e.expr) {
                            Some(swc_ecma_ast::Expr::Lit(swc_ecma_ast::Lit::Str(s)))
                                if e.as_ref().is_some_and(|e| e.spread.is_none()) =>
                            {
                                s.value.as_str().map(str::to_string)
                            }
                            _ => None,
                        })
                        .collect::<Option<Vec<String>>>(),
                    _ => None,
                };
                self.0 = Some(literal);
            }
            prop.visit_children_with(self);
        }
    }
    let mut finder = Finder(None);
    file.module.visit_with(&mut finder);
    finder.0.flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_literal_page_extensions() {
        let file = ParsedFile::parse(
            "next.config.js",
            "module.exports = { pageExtensions: ['page.tsx', 'api.ts'] }",
        )
        .unwrap();
        assert_eq!(
            page_extensions(&file),
            Some(vec!["page.tsx".to_string(), "api.ts".to_string()])
        );
        let file = ParsedFile::parse(
            "next.config.js",
            "module.exports = { pageExtensions: exts }",
        )
        .unwrap();
        assert_eq!(page_extensions(&file), None);
    }
}
