//! Tests of the expression engine and the HR filters on real Greenhouse payload shapes.

use serde_json::{Value, json};

use super::*;

/// A Greenhouse payload from the connectors' fixtures (their one home, with the README of their sources).
fn fixture(name: &str) -> Value {
    let path = format!("{}/../../connectors/src/greenhouse/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn hired_scope() -> Scope {
    let webhook = fixture("webhook_new_candidate_application.json");
    let application = webhook["payload"]["application"].clone();
    let trigger = json!({
        "candidate": application["candidate"],
        "application": application,
        "offer": { "starts_on": "2026-12-01" },
        "interviewers": [{ "name": "Ann", "email": "ann@acme.example" }, { "name": "Bo", "email": "bo@acme.example" }],
    });
    Scope::new(&trigger, &json!({ "id": "run-1", "recipe": "hired", "started_at": "2026-11-28T10:00:00Z" }))
}

fn render(source: &str, scope: &Scope) -> Result<Value, ExprError> {
    ExprEngine::new().render_value(&Template::new("step `t`, `with`", TemplateNode::from_string(source)), scope)
}

#[test]
fn single_expression_keeps_its_type_and_text_renders() {
    let scope = hired_scope();
    assert_eq!(render("{{ trigger.candidate.id }}", &scope).unwrap(), json!(60_304_594));
    assert_eq!(render("{{ trigger.interviewers | length }}", &scope).unwrap(), json!(2));
    assert_eq!(render("{{ trigger.interviewers[0] }}", &scope).unwrap()["email"], json!("ann@acme.example"));
    assert_eq!(render("{{ trigger.candidate.photo_url }}", &scope).unwrap(), Value::Null);
    assert_eq!(render("id {{ trigger.candidate.id }}", &scope).unwrap(), json!("id 60304594"));
}

#[test]
fn hr_filters_work_on_greenhouse_payloads() {
    let scope = hired_scope();
    assert_eq!(render("{{ trigger.candidate | work_email }}", &scope).unwrap(), json!("person@work.com"));
    assert_eq!(render("{{ trigger.candidate | personal_email }}", &scope).unwrap(), json!("person@example.com"));
    assert_eq!(render("{{ trigger.candidate | full_name }}", &scope).unwrap(), json!("Jane Smith"));
    assert_eq!(render("{{ trigger.application.applied_at | date }}", &scope).unwrap(), json!("2017-10-27"));
    assert_eq!(
        render("{{ trigger.application.applied_at | date('%d.%m.%Y %H:%M', 'Europe/Berlin') }}", &scope).unwrap(),
        json!("27.10.2017 16:44")
    );
    assert_eq!(
        render("{{ trigger.offer.starts_on | date('%B %-d, %Y') }}", &scope).unwrap(),
        json!("December 1, 2026")
    );
    assert_eq!(render("{{ trigger.candidate.photo_url | default('none') }}", &scope).unwrap(), json!("none"));
    assert_eq!(render("{{ trigger.candidate.nickname | default('x') }}", &scope).unwrap(), json!("x"));
    // The v1 candidate object carries the same email list.
    let v1 = Scope::new(&json!({ "candidate": fixture("v1_candidate.json") }), &Value::Null);
    assert_eq!(render("{{ trigger.candidate | work_email }}", &v1).unwrap(), json!("test@work.com"));
    assert_eq!(render("{{ trigger.candidate.recruiter | full_name }}", &v1).unwrap(), json!("Greenhouse Admin"));
}

#[test]
fn work_email_falls_back_and_users_use_primary_email() {
    let scope = Scope::new(
        &json!({
            "personal_only": { "email_addresses": [{ "value": "p@home.example", "type": "personal" }] },
            "other": { "email_addresses": [{ "value": "p@home.example", "type": "personal" }, { "value": "o@x.example", "type": "other" }] },
            "none": { "email_addresses": [] },
            "user": { "primary_email": "u@acme.example", "emails": ["u@acme.example"], "name": "U Ser" },
            "pref": { "first_name": "Robert", "preferred_name": "Bob", "last_name": "Ray" },
        }),
        &Value::Null,
    );
    assert_eq!(render("{{ trigger.other | work_email }}", &scope).unwrap(), json!("o@x.example"));
    assert_eq!(render("{{ trigger.personal_only | work_email }}", &scope).unwrap(), json!("p@home.example"));
    assert_eq!(render("{{ trigger.none | work_email }}", &scope).unwrap(), Value::Null);
    assert_eq!(render("{{ trigger.none | work_email | default('n/a') }}", &scope).unwrap(), json!("n/a"));
    assert_eq!(render("{{ trigger.user | work_email }}", &scope).unwrap(), json!("u@acme.example"));
    assert_eq!(render("{{ trigger.user | full_name }}", &scope).unwrap(), json!("U Ser"));
    assert_eq!(render("{{ trigger.pref | full_name(true) }}", &scope).unwrap(), json!("Bob Ray"));
    assert_eq!(render("{{ trigger.pref | personal_email }}", &scope).unwrap_err().field, "");
}

#[test]
fn undefined_is_an_error_naming_the_step_and_field() {
    let scope = hired_scope();
    let engine = ExprEngine::new();
    let with = Template::new(
        "step `employee`, `with`",
        TemplateNode::from_json(
            &json!({ "firstName": "{{ trigger.candidate.first_name }}", "hireDate": "{{ trigger.offer.start }}" }),
        ),
    );
    let err = engine.render_value(&with, &scope).unwrap_err();
    assert_eq!(err.to_string(), "step `employee`, `with`, field `hireDate`: `trigger.offer.start` is undefined");
    let err = render("Hello {{ trigger.nope }}", &scope).unwrap_err();
    assert!(err.message.starts_with("undefined value"), "{err}");
    let err = render("{{ steps.missing.id }}", &scope).unwrap_err();
    assert!(err.message.starts_with("undefined value"), "{err}");
}

#[test]
fn bad_filter_input_and_bad_date_format_are_errors() {
    let scope = hired_scope();
    let err = render("{{ trigger.candidate | date }}", &scope).unwrap_err();
    assert!(err.message.contains("expects a date"), "{err}");
    assert_eq!(err.field, "");
    let err = render("{{ trigger.offer.starts_on | date('%Q') }}", &scope).unwrap_err();
    assert!(err.message.contains("invalid date format"), "{err}");
    let err = render("{{ 'x' | date }}", &scope).unwrap_err();
    assert!(err.message.contains("not a date"), "{err}");
}

#[test]
fn conditions_and_lists() {
    let engine = ExprEngine::new();
    let scope = hired_scope();
    let cond = |s: &str| engine.eval_condition(&Template::new("step `x`, `if`", TemplateNode::from_string(s)), &scope);
    assert!(cond("{{ trigger.candidate.can_email }}").unwrap());
    assert!(!cond("{{ trigger.candidate.first_name == 'Bob' }}").unwrap());
    assert!(cond("{{ trigger.nope }}").is_err());
    assert!(cond("{{ trigger.candidate.last_name is startingwith('Sm') }}").unwrap());
    let items = engine
        .eval_list(
            &Template::new("step `x`, `for_each`", TemplateNode::from_string("{{ trigger.interviewers }}")),
            &scope,
        )
        .unwrap();
    assert_eq!(items.len(), 2);
    let err = engine
        .eval_list(&Template::new("step `x`, `for_each`", TemplateNode::from_string("{{ trigger.candidate }}")), &scope)
        .unwrap_err();
    assert_eq!(err.to_string(), "step `x`, `for_each`: must evaluate to a list, got an object");
    let local = scope.with_local("interviewer", &items[1]);
    assert_eq!(render("{{ interviewer.email }}", &local).unwrap(), json!("bo@acme.example"));
}

#[test]
fn fuel_bounds_runaway_templates() {
    let engine = ExprEngine::with_limits(1_000, 16);
    let t = Template::new("key", TemplateNode::from_string("{% for i in range(100000) %}{{ i }}{% endfor %}"));
    let err = engine.render_value(&t, &Scope::default()).unwrap_err();
    assert!(err.message.contains("fuel"), "{err}");
}

#[test]
fn analyze_reports_references_and_syntax_errors() {
    let engine = ExprEngine::new();
    let a = engine.analyze("{{ trigger.candidate | work_email }} / {{ steps.employee.id }}");
    assert_eq!(a.references, vec!["steps.employee.id".to_owned(), "trigger.candidate".to_owned()]);
    let a = engine.analyze("{% for i in trigger.interviewers %}{{ i.email }}{% endfor %}");
    assert_eq!(a.references, vec!["trigger.interviewers".to_owned()]);
    let a = engine.analyze("{{ trigger.candidate.first_name ) }}");
    let problem = a.syntax_error.unwrap();
    assert!(problem.message.starts_with("syntax error"), "{problem:?}");
    assert_eq!(problem.offset, Some(32));
    assert_eq!(engine.analyze("plain text").references, Vec::<String>::new());
}
