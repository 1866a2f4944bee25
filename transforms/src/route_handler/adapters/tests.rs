use super::*;

#[test]
fn reads_the_lowest_version_of_a_range() {
    assert_eq!(parse_range("^4.24.7"), DeclaredVersion::AtLeast(4, 24, 7));
    assert_eq!(parse_range("~4.24"), DeclaredVersion::AtLeast(4, 24, 0));
    assert_eq!(parse_range(">=4.24.9 <5"), DeclaredVersion::AtLeast(4, 24, 9));
    assert_eq!(parse_range("5.0.0-beta.25"), DeclaredVersion::AtLeast(5, 0, 0));
    assert_eq!(parse_range("latest"), DeclaredVersion::Newest);
    assert_eq!(parse_range("workspace:*"), DeclaredVersion::Unknown);
    assert_eq!(parse_range("github:nextauthjs/next-auth"), DeclaredVersion::Unknown);
}
