//! Property tests of the expression engine: any expression built from the grammar's pieces renders to a
//! value or to an error with a message (never a panic), within the size and fuel limits.

use proptest::prelude::*;
use serde_json::json;

use super::*;

/// Pieces of expressions, weighted towards the operations that build large values.
const PIECES: &[&str] = &[
    "trigger",
    ".",
    "candidate",
    "tags",
    "[0]",
    "[-1]",
    "[:2]",
    "|",
    "tojson",
    "pprint",
    "string",
    "join(',')",
    "list",
    "length",
    "sort",
    "unique",
    "reverse",
    "first",
    "last",
    "sum",
    "work_email",
    "full_name",
    "date",
    "default(1)",
    "(",
    ")",
    " ",
    "+",
    "~",
    "*",
    "**",
    "'x'",
    "[1]",
    "[1, 2]",
    "{'a': 1}",
    "1",
    "100000000",
    "9999999999",
    "range(",
    "range(1000000)",
    ",",
    "==",
    "in",
    "not",
    "if",
    "else",
    "none",
    "loop",
    "steps",
    "run",
];

fn expression() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..14).prop_map(|parts| parts.concat())
}

fn scope() -> Scope {
    let trigger = json!({ "candidate": { "first_name": "A", "tags": ["x", "y"], "email_addresses": [] } });
    Scope::new(&trigger, &json!({ "id": "r" }))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn rendering_any_expression_gives_a_value_or_a_message(source in expression()) {
        let engine = ExprEngine::new();
        let scope = scope();
        for text in [format!("{{{{ {source} }}}}"), format!("x {{{{ {source} }}}}")] {
            let analysis = engine.analyze(&text);
            if let Some(problem) = analysis.syntax_error {
                prop_assert!(!problem.message.is_empty());
            }
            let template = Template::new("t", TemplateNode::from_string(&text));
            if let Err(e) = engine.render_value(&template, &scope) {
                prop_assert!(!e.message.is_empty(), "{text}");
            }
        }
        if let Err(e) = engine.eval_condition(&Template::new("t", TemplateNode::Expression(source.clone())), &scope) {
            prop_assert!(!e.message.is_empty(), "{source}");
        }
    }
}
