//! Property tests: no input makes the YAML loader, the config loader, the
//! recipe validator or the expression engine panic.

use proptest::prelude::*;
use serde_json::json;

use super::{CONFIG, VALID, env};
use crate::config::parse_config;
use crate::expr::{ExprEngine, Scope, Template, TemplateNode};
use crate::recipe::{LoadContext, load_recipe};
use hirewire_connectors::all as registry;

/// Fragments that steer random edits into interesting places of the grammar.
const TOKENS: &[&str] = &[
    ":",
    " ",
    "\n",
    "  ",
    "- ",
    "{",
    "}",
    "[",
    "]",
    "\"",
    "'",
    "{{",
    "}}",
    "{%",
    "%}",
    "|",
    "${",
    "${X:-",
    "&a",
    "*a",
    "<<: *a",
    "!tag ",
    "#",
    "steps.",
    "trigger.",
    "run.error",
    "for_each: ",
    "as: ",
    "id: x",
    "with:",
    "\t",
    "ü",
    "\u{0}",
    "999999999999999999999999",
    "-1",
    "null",
    "~",
    "true",
    "0 8 * * 1-5",
    "10s",
    "@daily",
];

fn edited_recipe() -> impl Strategy<Value = String> {
    let edits = prop::collection::vec((0usize..VALID.len(), 0usize..40, prop::sample::select(TOKENS)), 1..6);
    edits.prop_map(|edits| {
        let mut text = VALID.to_owned();
        for (at, remove, token) in edits {
            let start = floor_char_boundary(&text, at.min(text.len()));
            let end = floor_char_boundary(&text, (start + remove).min(text.len()));
            text.replace_range(start..end, token);
        }
        text
    })
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn check_recipe(text: &str) {
    let registry = registry();
    let (config, _) = parse_config(std::path::Path::new("hirewire.yaml"), CONFIG, &registry, &env);
    let engine = ExprEngine::new();
    let cx = LoadContext {
        registry: &registry,
        connections: &config.connections,
        timezone: config.timezone,
        engine: &engine,
    };
    let (recipe, diagnostics) = load_recipe(std::path::Path::new("r.yaml"), text, &cx);
    // A loaded recipe has no errors; a rejected one says why.
    assert_eq!(recipe.is_some(), !diagnostics.iter().any(|d| d.severity == crate::Severity::Error));
    for d in &diagnostics {
        assert!(d.line >= 1 && d.column >= 1, "{d}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(text in ".{0,400}") {
        check_recipe(&text);
        let _ = parse_config(std::path::Path::new("hirewire.yaml"), &text, &registry(), &env);
    }

    #[test]
    fn edited_recipes_never_panic(text in edited_recipe()) {
        check_recipe(&text);
    }

    #[test]
    fn edited_configs_never_panic(edits in prop::collection::vec((0usize..CONFIG.len(), 0usize..30, prop::sample::select(TOKENS)), 1..6)) {
        let mut text = CONFIG.to_owned();
        for (at, remove, token) in edits {
            let start = floor_char_boundary(&text, at.min(text.len()));
            let end = floor_char_boundary(&text, (start + remove).min(text.len()));
            text.replace_range(start..end, token);
        }
        let (_, diagnostics) = parse_config(std::path::Path::new("hirewire.yaml"), &text, &registry(), &env);
        for d in diagnostics {
            prop_assert!(!d.message.contains("s3cret"), "{}", d);
        }
    }

    #[test]
    fn random_expressions_never_panic(parts in prop::collection::vec(prop::sample::select(&[
        "trigger", ".", "candidate", "[0]", "|", "work_email", "full_name", "date", "date('%Y')", "default(1)", "(", ")",
        " ", "+", "~", "'x'", "1", "range(1000000)", "loop", "steps", "run", "==", "not", "if", "else", "none", "[", "]",
        "{", "}", ":", ",", "*", "**", "9999999999", "length",
    ][..]), 0..16)) {
        let source = parts.concat();
        let engine = ExprEngine::with_limits(10_000, 16);
        let scope = Scope::new(&json!({ "candidate": { "first_name": "A", "email_addresses": [] } }), &json!({ "id": "r" }));
        let _ = engine.analyze(&format!("{{{{ {source} }}}}"));
        let _ = engine.render_value(&Template::new("t", TemplateNode::from_string(&format!("{{{{ {source} }}}}"))), &scope);
        let _ = engine.render_value(&Template::new("t", TemplateNode::from_string(&format!("x {{{{ {source} }}}}"))), &scope);
        let _ = engine.eval_condition(&Template::new("t", TemplateNode::Expression(source.clone())), &scope);
    }
}
