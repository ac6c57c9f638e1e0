//! Property tests of the YAML loader: any text parses to a tree or to a syntax error with a position and a
//! message (never a panic), including documents near the size and nesting limits.

use proptest::prelude::*;

use super::parse_document;

/// Pieces of YAML, including anchors, aliases and deep brackets.
const PIECES: &[&str] = &[
    "a",
    ": ",
    "\n",
    "  ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ", ",
    "\"",
    "'",
    "&x ",
    "*x",
    "&y ",
    "*y",
    "<<: *x",
    "!tag ",
    "#",
    "~",
    "null",
    "true",
    "1e999",
    "-1",
    "0x1F",
    "|",
    ">",
    "---\n",
    "...\n",
    "\t",
    "ü",
    "\u{0}",
    "%YAML 1.2\n",
];

fn yaml_text() -> impl Strategy<Value = String> {
    let nested =
        (0usize..80, 0usize..80).prop_map(|(open, close)| format!("k: {}{}", "[".repeat(open), "]".repeat(close)));
    let pieces = prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|parts| parts.concat());
    prop_oneof![pieces, nested]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_text_parses_or_says_where_and_why(text in yaml_text()) {
        if let Err(err) = parse_document(&text) {
            prop_assert!(err.at.line >= 1 && err.at.column >= 1, "{err:?}");
            prop_assert!(!err.message.is_empty(), "{err:?}");
            prop_assert!(!err.message.ends_with("(used"), "{err:?}");
        }
    }
}
