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
    // which the self-check's parse strips; its import edits were then applied 3 bytes early.
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
