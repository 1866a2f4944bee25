use super::*;
use crate::edit::apply;

#[test]
fn reads_the_lowest_version_of_a_range() {
    assert_eq!(parse_range("^4.24.7"), DeclaredVersion::AtLeast(4, 24, 7));
    assert_eq!(parse_range("~4.24"), DeclaredVersion::AtLeast(4, 24, 0));
    assert_eq!(
        parse_range(">=4.24.9 <5"),
        DeclaredVersion::AtLeast(4, 24, 9)
    );
    assert_eq!(
        parse_range("5.0.0-beta.25"),
        DeclaredVersion::AtLeast(5, 0, 0)
    );
    assert_eq!(parse_range("latest"), DeclaredVersion::Newest);
    assert_eq!(parse_range("workspace:*"), DeclaredVersion::Unknown);
    assert_eq!(
        parse_range("github:nextauthjs/next-auth"),
        DeclaredVersion::Unknown
    );
}

fn object_in(source: &str) -> (ParsedFile, ObjectLit) {
    let file = ParsedFile::parse("x.ts", source).unwrap();
    let ModuleItem::Stmt(Stmt::Decl(Decl::Var(var))) = &file.module.body[0] else {
        panic!("not a const")
    };
    let Some(Expr::Object(object)) = var.decls[0].init.as_deref() else {
        panic!("not an object")
    };
    let object = object.clone();
    (file, object)
}

#[test]
fn properties_join_an_object_in_its_layout() {
    let cases = [
        ("const o = { a }", "const o = { a, z }"),
        ("const o = { a, }", "const o = { a, z, }"),
        ("const o = {\n  a,\n}", "const o = {\n  a,\n  z,\n}"),
        ("const o = {\n  a\n}", "const o = {\n  a,\n  z\n}"),
    ];
    for (source, expected) in cases {
        let (file, object) = object_in(source);
        let edit = trailing_property(&file, &object, "z").unwrap();
        assert_eq!(apply(&file.text, &[edit]).unwrap(), expected);
    }
    let (file, object) = object_in("const o = {\n  a,\n}");
    let edit = leading_property(&file, &object, "z").unwrap();
    assert_eq!(
        apply(&file.text, &[edit]).unwrap(),
        "const o = {\n  z,\n  a,\n}"
    );
}

#[test]
fn a_removed_property_takes_its_line_and_comma() {
    let (file, object) = object_in("const o = {\n  a: 1,\n  b: 2,\n}");
    let range = file.range(object.props[0].span());
    let edit = Edit::delete(property_removal(&file, range));
    assert_eq!(
        apply(&file.text, &[edit]).unwrap(),
        "const o = {\n  b: 2,\n}"
    );
    let (file, object) = object_in("const o = { a: 1, b: 2 }");
    let range = file.range(object.props[1].span());
    let edit = Edit::delete(property_removal(&file, range));
    assert_eq!(apply(&file.text, &[edit]).unwrap(), "const o = { a: 1 }");
}
