//! Connector conformance: every registered connector documents itself fully.
//! For each connector in [`crate::all`]: a description, a documented config
//! shape whose example connects; for each trigger and action a description,
//! object shapes with documented fields, and examples that fit the shapes.

use hirewire_sdk::fake::FakeOptions;
use hirewire_sdk::{ConnectorDescriptor, HttpClient, Shape};
use serde_json::Value;

/// How deep shapes are walked.
const MAX_DEPTH: usize = 12;

/// Reports fields without a description, walking nested objects, lists and unions.
fn undocumented_fields(shape: &Shape, path: &str, in_tagged_variant: bool, depth: usize, problems: &mut Vec<String>) {
    if depth > MAX_DEPTH {
        return;
    }
    match shape {
        Shape::Object { fields, .. } => {
            for field in fields {
                let field_path = if path.is_empty() { field.name.clone() } else { format!("{path}.{}", field.name) };
                // An externally tagged enum variant (`{bearer: …}`) carries its doc on the variant, not the key.
                let tag_key = in_tagged_variant && fields.len() == 1;
                if field.description.trim().is_empty() && !tag_key {
                    problems.push(format!("field `{field_path}` has no description"));
                }
                undocumented_fields(&field.shape, &field_path, false, depth + 1, problems);
            }
        }
        Shape::List { items } => undocumented_fields(items, &format!("{path}[]"), false, depth + 1, problems),
        Shape::OneOf { variants } => {
            for variant in variants {
                undocumented_fields(variant, path, true, depth + 1, problems);
            }
        }
        _ => {}
    }
}

/// Reports where `value` does not fit `shape` (types, required fields, undocumented keys, choices, dates).
fn misfits(shape: &Shape, value: &Value, path: &str, depth: usize, problems: &mut Vec<String>) {
    if depth > MAX_DEPTH {
        return;
    }
    let at = if path.is_empty() { "the example".to_owned() } else { format!("`{path}`") };
    match shape {
        Shape::Any => {}
        Shape::Boolean if !value.is_boolean() => problems.push(format!("{at} is not a boolean")),
        Shape::Integer if !(value.is_i64() || value.is_u64()) => problems.push(format!("{at} is not an integer")),
        Shape::Number if !value.is_number() => problems.push(format!("{at} is not a number")),
        Shape::String { format, choices } => match value.as_str() {
            None => problems.push(format!("{at} is not a string")),
            Some(text) => {
                if !choices.is_empty() && !choices.iter().any(|c| c == text) {
                    problems.push(format!("{at} is not one of {choices:?}"));
                }
                let bad_date =
                    format.as_deref() == Some("date") && chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_err();
                let bad_time =
                    format.as_deref() == Some("date-time") && chrono::DateTime::parse_from_rfc3339(text).is_err();
                if bad_date || bad_time {
                    problems.push(format!("{at} is not a valid {}", format.as_deref().unwrap_or_default()));
                }
            }
        },
        Shape::List { items } => match value.as_array() {
            None => problems.push(format!("{at} is not a list")),
            Some(values) => {
                for (i, item) in values.iter().enumerate() {
                    misfits(items, item, &format!("{path}[{i}]"), depth + 1, problems);
                }
            }
        },
        Shape::Object { fields, open } => {
            let Some(object) = value.as_object() else {
                problems.push(format!("{at} is not an object"));
                return;
            };
            for field in fields {
                let field_path = if path.is_empty() { field.name.clone() } else { format!("{path}.{}", field.name) };
                match object.get(&field.name) {
                    None if field.required => problems.push(format!("required field `{field_path}` is missing")),
                    None => {}
                    Some(Value::Null) if field.nullable || !field.required => {}
                    Some(inner) => misfits(&field.shape, inner, &field_path, depth + 1, problems),
                }
            }
            if !open {
                for key in object.keys().filter(|k| !fields.iter().any(|f| &f.name == *k)) {
                    problems.push(format!("{at} has undocumented key `{key}`"));
                }
            }
        }
        Shape::OneOf { variants } => {
            let fits_one = variants.iter().any(|variant| {
                let mut local = Vec::new();
                misfits(variant, value, path, depth + 1, &mut local);
                local.is_empty()
            });
            if !fits_one {
                problems.push(format!("{at} fits none of its alternatives"));
            }
        }
        _ => {}
    }
}

fn is_object(shape: &Shape) -> bool {
    matches!(shape, Shape::Object { .. })
}

/// Every problem of one connector, each prefixed with what it is about.
fn connector_problems(connector: &ConnectorDescriptor) -> Vec<String> {
    let mut problems = Vec::new();
    let name = connector.name;
    let mut add =
        |what: &str, found: Vec<String>| problems.extend(found.into_iter().map(|p| format!("{name} {what}: {p}")));
    let mut own = Vec::new();
    if connector.description.trim().is_empty() {
        own.push("has no description".to_owned());
    }
    if !is_object(&connector.config) {
        own.push("config shape is not an object".to_owned());
    }
    undocumented_fields(&connector.config, "", false, 0, &mut own);
    misfits(&connector.config, &connector.config_example, "", 0, &mut own);
    add("config", own);
    for action in &connector.actions {
        let mut found = Vec::new();
        if action.description.trim().is_empty() {
            found.push("has no description".to_owned());
        }
        for (kind, shape) in [("input", &action.input), ("output", &action.output)] {
            if !is_object(shape) {
                found.push(format!("{kind} shape is not an object"));
            }
            let mut local = Vec::new();
            undocumented_fields(shape, "", false, 0, &mut local);
            found.extend(local.into_iter().map(|p| format!("{kind} {p}")));
        }
        if action.example_input.is_null() || action.example_output.is_null() {
            found.push("has no example input or output".to_owned());
        }
        let mut local = Vec::new();
        misfits(&action.input, &action.example_input, "", 0, &mut local);
        found.extend(local.into_iter().map(|p| format!("example input: {p}")));
        let mut local = Vec::new();
        misfits(&action.output, &action.example_output, "", 0, &mut local);
        found.extend(local.into_iter().map(|p| format!("example output: {p}")));
        add(&format!("action {}", action.name), found);
    }
    for trigger in &connector.triggers {
        let mut found = Vec::new();
        if trigger.description.trim().is_empty() {
            found.push("has no description".to_owned());
        }
        for (kind, shape) in [("params", &trigger.params), ("output", &trigger.output)] {
            if !is_object(shape) {
                found.push(format!("{kind} shape is not an object"));
            }
            let mut local = Vec::new();
            undocumented_fields(shape, "", false, 0, &mut local);
            found.extend(local.into_iter().map(|p| format!("{kind} {p}")));
        }
        if trigger.example.is_null() {
            found.push("has no example".to_owned());
        }
        let mut local = Vec::new();
        misfits(&trigger.output, &trigger.example, "", 0, &mut local);
        found.extend(local.into_iter().map(|p| format!("example: {p}")));
        add(&format!("trigger {}", trigger.name), found);
    }
    problems
}

#[test]
fn every_connector_documents_its_config_triggers_and_actions() {
    let connectors = crate::all();
    for expected in ["bamboohr", "hibob", "http", "personio", "slack"] {
        assert!(connectors.iter().any(|c| c.name == expected), "{expected} is not registered");
    }
    let problems: Vec<String> = connectors.iter().flat_map(connector_problems).collect();
    assert!(problems.is_empty(), "conformance problems:\n{}", problems.join("\n"));
}

#[test]
fn hr_connectors_offer_the_four_employee_actions_and_upsert_returns_id_and_created() {
    for name in ["bamboohr", "hibob", "personio"] {
        let connector = crate::find(name).expect("registered");
        let names: Vec<&str> = connector.actions.iter().map(|a| a.name).collect();
        assert_eq!(names, ["create_employee", "update_employee", "find_employee", "upsert_employee"], "{name}");
        let upsert = connector.action("upsert_employee").expect("upsert");
        for field in ["id", "created"] {
            assert!(
                upsert.output.field(field).is_some_and(|f| f.required),
                "{name}.upsert_employee output lacks {field}"
            );
        }
    }
    let bamboohr = crate::find("bamboohr").expect("registered");
    let upsert = bamboohr.action("upsert_employee").expect("upsert");
    for field in ["firstName", "lastName", "workEmail", "jobTitle", "hireDate"] {
        assert!(
            upsert.input.field(field).is_some(),
            "the recipe of docs/contract.md section 3 uses bamboohr.upsert_employee with {field}"
        );
    }
}

#[tokio::test]
async fn every_config_example_connects_and_every_fake_builds() {
    for connector in crate::all() {
        let settings = hirewire_sdk::ConnectionSettings {
            name: connector.name.into(),
            config: connector.config_example.clone(),
            http: HttpClient::default(),
            cluster: hirewire_sdk::ClusterView::default(),
        };
        if let Err(e) = (connector.connect)(settings) {
            panic!("{}: the documented config example is refused: {e}", connector.name);
        }
        if let Some(fake) = connector.fake {
            let _router = (fake.router)(FakeOptions::default());
        }
    }
}

#[test]
fn the_checker_catches_undocumented_fields_and_misfit_examples() {
    /// A documented type.
    #[derive(schemars::JsonSchema)]
    #[allow(dead_code)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        /// Documented.
        when: chrono::NaiveDate,
        undocumented: u32,
    }
    let shape = Shape::of::<Sample>();
    let mut problems = Vec::new();
    undocumented_fields(&shape, "", false, 0, &mut problems);
    assert_eq!(problems, ["field `undocumented` has no description"]);
    let mut problems = Vec::new();
    misfits(&shape, &serde_json::json!({"when": "soon", "extra": 1}), "", 0, &mut problems);
    assert_eq!(
        problems,
        [
            "`when` is not a valid date",
            "required field `undocumented` is missing",
            "the example has undocumented key `extra`"
        ]
    );
}
