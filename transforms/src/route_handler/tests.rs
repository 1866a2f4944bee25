use super::*;
use crate::route_path::api_route;

pub(crate) fn run(path: &str, source: &str) -> Outcome {
    let relative = path.trim_start_matches("pages/api/");
    let (stem, ext) = relative.rsplit_once('.').unwrap();
    let route = api_route("pages", stem, ext).unwrap();
    let file = ParsedFile::parse(path, source).unwrap();
    convert(&file, &RouteContext::standalone(&route))
}

#[test]
fn converts_a_simple_handler() {
    let outcome = run(
        "pages/api/hello.ts",
        "import type { NextApiRequest, NextApiResponse } from 'next'\n\nexport default function handler(req: NextApiRequest, res: NextApiResponse) {\n  res.status(200).json({ name: 'John Doe' })\n}\n",
    );
    let Outcome::Converted(converted) = outcome else {
        panic!("{outcome:?}")
    };
    println!("{}", converted.text);
    assert!(converted
        .text
        .contains("return jsonResponse({ name: 'John Doe' }, { status: 200 })"));
    assert!(!converted.text.contains("NextApiRequest"));
}

#[test]
fn a_byte_order_mark_left_at_the_start_of_the_output_keeps_the_import_edits_in_place() {
    // Fuzzing found this: the config line goes, so the output starts with the second mark,
    // and the self-check's import edits must still be made where the imports are.
    let source = "export const config = { api: { bodyParser: { sizeLimit: '2mb' } } }\n\u{feff}import type { NextApiRequest, NextApiResponse } from 'next'\n\nexport default function handler(req: NextApiRequest, res: NextApiResponse) {\n  res.status(200).json({ name: 'John Doe' })\n}\n";
    let outcome = run("pages/api/hello.ts", source);
    let Outcome::Converted(converted) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(
        ParsedFile::parse("app/api/hello/route.ts", &converted.text).is_ok(),
        "{}",
        converted.text
    );
    assert!(
        !converted.text.contains("NextApiRequest"),
        "{}",
        converted.text
    );
    assert!(
        converted.text.starts_with('\u{feff}'),
        "{:?}",
        converted.text
    );
}

/// Every route file of the route-handler fixtures (`pages/api/…`), with its path from the
/// fixture's root.
fn fixture_routes() -> Vec<(String, String)> {
    fn walk(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else {
                found.push(path);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/route-handler");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            let relative = path
                .strip_prefix(&root)
                .ok()?
                .to_string_lossy()
                .into_owned();
            let (_, inside) = relative.split_once("/pages/api/")?;
            Some((format!("pages/api/{inside}"), text))
        })
        .collect()
}

#[test]
fn an_output_checked_later_is_the_output_checked_at_once() {
    let routes = fixture_routes();
    assert!(
        routes.len() > 150,
        "the fixtures are found: {}",
        routes.len()
    );
    let mut later_checked = 0;
    for (path, source) in &routes {
        let relative = path.trim_start_matches("pages/api/");
        let Some((stem, ext)) = relative.rsplit_once('.') else {
            continue;
        };
        let (Ok(route), Ok(file)) = (
            api_route("pages", stem, ext),
            ParsedFile::parse(path, source),
        ) else {
            continue;
        };
        let now = convert(&file, &RouteContext::standalone(&route));
        let later = convert(
            &file,
            &RouteContext {
                output_check: OutputCheck::Later,
                ..RouteContext::standalone(&route)
            },
        );
        match (now, later) {
            (Outcome::Converted(now), Outcome::Converted(later)) => {
                assert!(now.unchecked.is_none(), "{path}: checked at once");
                let unchecked = later.unchecked.as_ref().expect("left to check");
                let text = unchecked
                    .check(&later.text)
                    .expect("the output checked at once passed");
                assert_eq!(text, now.text, "{path}");
                later_checked += 1;
            }
            (Outcome::Manual(now), Outcome::Manual(later)) => {
                assert_eq!(format!("{now:?}"), format!("{later:?}"), "{path}");
            }
            (now, later) => panic!("{path}: {now:?} at once, {later:?} later"),
        }
    }
    assert!(later_checked > 100, "{later_checked} outputs checked later");
}
