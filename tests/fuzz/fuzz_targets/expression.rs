//! Fuzz target: the expression engine. The input is an expression (or a text template) compiled, checked and
//! rendered against a small scope shaped like a Greenhouse hire; it must give a value or an error with a
//! message, never a panic, within the engine's fuel and size limits.
#![no_main]

use std::sync::OnceLock;

use hirewire_core::expr::{ExprEngine, Scope, Template, TemplateNode};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

fn engine_and_scope() -> &'static (ExprEngine, Scope) {
    static STATE: OnceLock<(ExprEngine, Scope)> = OnceLock::new();
    STATE.get_or_init(|| {
        let trigger = json!({
            "candidate": {
                "id": 60304594, "first_name": "Jane", "last_name": "Smith", "preferred_name": null,
                "email_addresses": [{ "value": "jane@work.example", "type": "work" }, { "value": "j@home.example", "type": "personal" }],
                "tags": ["referral", "senior"],
            },
            "application": { "id": 1, "applied_at": "2026-10-27T14:44:00Z", "jobs": [{ "name": "Engineer" }] },
            "offer": { "starts_on": "2026-12-01" },
            "interviewers": [{ "name": "Ann", "email": "ann@acme.example" }],
        });
        let mut scope = Scope::new(&trigger, &json!({ "id": "run-1", "recipe": "fuzz", "error": "boom" }));
        scope.set_step("employee", &json!({ "id": "42", "created": true }));
        (ExprEngine::new(), scope)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else { return };
    let (engine, scope) = engine_and_scope();
    let analysis = engine.analyze(source);
    if let Some(problem) = &analysis.syntax_error {
        assert!(!problem.message.is_empty());
    }
    let template = Template::new("fuzz", TemplateNode::from_string(source));
    if let Err(e) = engine.render_value(&template, scope) {
        assert!(!e.message.is_empty());
    }
    let expression = Template::new("fuzz", TemplateNode::from_string(&format!("{{{{ {source} }}}}")));
    if let Err(e) = engine.render_value(&expression, scope) {
        assert!(!e.message.is_empty());
    }
    let _ = engine.eval_condition(&expression, scope);
    let _ = engine.eval_list(&expression, scope);
});
