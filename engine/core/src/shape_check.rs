//! Checks a YAML node against a documented [`Shape`]: unknown keys (with
//! "did you mean"), missing required fields and wrong types. Used for
//! connection settings, trigger parameters and the literal parts of `with:`.
//! Generic: it knows nothing about any connector.

use std::collections::HashSet;

use hirewire_sdk::Shape;
use serde_json::Value;

use crate::diagnostic::{Position, Sink};
use crate::suggest::did_you_mean;
use crate::yaml::{Node, NodeValue};

/// How to word and treat one check.
pub struct ShapeContext<'a> {
    /// Whose fields these are: "connection `slack`", "`slack.post_message`".
    pub subject: &'a str,
    /// What one field is called: "setting", "input", "parameter".
    pub noun: &'a str,
    /// Strings that came from `${VAR}`: may be coerced to numbers/booleans, never printed.
    pub from_env: &'a HashSet<Position>,
    /// Whether strings with `{{ }}` are run-time values to leave unchecked.
    pub templates: bool,
}

/// Checks `node` against `shape` and returns it as JSON (with `${VAR}` strings
/// coerced where the shape wants a number or a boolean).
pub fn check_node(sink: &mut Sink, node: &Node, shape: &Shape, path: &str, cx: &ShapeContext<'_>) -> Value {
    check(sink, node, shape, path, cx, 0)
}

fn check(sink: &mut Sink, node: &Node, shape: &Shape, path: &str, cx: &ShapeContext<'_>, depth: usize) -> Value {
    if depth > 32 {
        return node.to_json();
    }
    if let NodeValue::String(s) = &node.value {
        if cx.templates && (s.contains("{{") || s.contains("{%")) {
            return node.to_json();
        }
        if cx.from_env.contains(&node.at)
            && let Some(v) = coerce(s, shape)
        {
            return v;
        }
    }
    let mismatch = |sink: &mut Sink| {
        let field = if path.is_empty() { String::new() } else { format!("{} `{path}` ", cx.noun) };
        sink.error(node.at, format!("{field}must be {}, found {}", article(shape), node.kind()));
    };
    match (shape, &node.value) {
        (Shape::Any, _) => node.to_json(),
        (_, NodeValue::Null) => node.to_json(), // nullability is checked by the parent object
        (Shape::Boolean, NodeValue::Bool(_)) => node.to_json(),
        (Shape::Integer, NodeValue::Number(n)) if n.is_i64() || n.is_u64() => node.to_json(),
        (Shape::Number, NodeValue::Number(_)) => node.to_json(),
        (Shape::String { choices, .. }, NodeValue::String(s)) => {
            if !choices.is_empty() && !choices.contains(s) {
                let shown = if cx.from_env.contains(&node.at) {
                    "the value from the environment".into()
                } else {
                    format!("`{s}`")
                };
                let field = if path.is_empty() { String::new() } else { format!("{} `{path}`: ", cx.noun) };
                sink.error(
                    node.at,
                    format!(
                        "{field}{shown} is not one of {}{}",
                        choices.join(", "),
                        if cx.from_env.contains(&node.at) {
                            String::new()
                        } else {
                            did_you_mean(s, choices.iter().map(String::as_str))
                        }
                    ),
                );
            }
            node.to_json()
        }
        (Shape::List { items }, NodeValue::List(list)) => Value::Array(
            list.iter()
                .enumerate()
                .map(|(i, item)| check(sink, item, items, &format!("{path}[{i}]"), cx, depth + 1))
                .collect(),
        ),
        (Shape::Object { fields, open }, NodeValue::Map(entries)) => {
            let mut out = serde_json::Map::new();
            for (key, value) in entries {
                let child = if path.is_empty() { key.name.clone() } else { format!("{path}.{}", key.name) };
                match fields.iter().find(|f| f.name == key.name) {
                    Some(field) => {
                        if matches!(value.value, NodeValue::Null) && !field.nullable && field.required {
                            sink.error(value.at, format!("{} `{child}` must not be null", cx.noun));
                        }
                        out.insert(key.name.clone(), check(sink, value, &field.shape, &child, cx, depth + 1));
                    }
                    None if *open => {
                        out.insert(key.name.clone(), value.to_json());
                    }
                    None => {
                        sink.error(
                            key.at,
                            format!(
                                "unknown {} `{child}` for {}{}",
                                cx.noun,
                                cx.subject,
                                did_you_mean(&key.name, fields.iter().map(|f| f.name.as_str()))
                            ),
                        );
                    }
                }
            }
            for field in fields.iter().filter(|f| f.required) {
                if !entries.iter().any(|(k, _)| k.name == field.name) {
                    let child = if path.is_empty() { field.name.clone() } else { format!("{path}.{}", field.name) };
                    sink.error(node.at, format!("{} is missing required {} `{child}`", cx.subject, cx.noun));
                }
            }
            Value::Object(out)
        }
        (Shape::OneOf { variants }, _) => {
            for variant in variants {
                let mut trial = Sink::new(sink.file());
                let value = check(&mut trial, node, variant, path, cx, depth + 1);
                if !trial.has_errors() {
                    return value;
                }
            }
            mismatch(sink);
            node.to_json()
        }
        _ => {
            mismatch(sink);
            node.to_json()
        }
    }
}

/// A value from the environment read as the number or boolean the shape wants.
fn coerce(s: &str, shape: &Shape) -> Option<Value> {
    match shape {
        Shape::Boolean => s.parse::<bool>().ok().map(Value::Bool),
        Shape::Integer => s.parse::<i64>().ok().map(Value::from),
        Shape::Number => s.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number),
        _ => None,
    }
}

fn article(shape: &Shape) -> String {
    match shape {
        Shape::Object { .. } => "a mapping".into(),
        Shape::List { .. } => format!("a {}", shape.type_name()),
        Shape::Integer => "an integer".into(),
        Shape::String { choices, .. } if !choices.is_empty() => shape.type_name(),
        Shape::OneOf { .. } => shape.type_name(),
        other => format!("a {}", other.type_name()),
    }
}
