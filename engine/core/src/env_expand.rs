//! `${VAR}` and `${VAR:-default}` in `hirewire.yaml`, expanded after parsing,
//! in string values only (never in keys, never in recipes).
//!
//! Only the variables a file names are read. `$${` writes a literal `${`.
//! Values that come from the environment are never echoed in messages.

use std::collections::HashSet;

use crate::diagnostic::{Position, Sink};
use crate::yaml::{Node, NodeValue};

/// Looks up an environment variable (`std::env::var` in production, a map in tests).
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment as an [`EnvLookup`].
#[must_use]
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Expands every string leaf under `node` in place; returns the positions of
/// the leaves that used a variable (their values may be secrets).
pub fn expand_tree(node: &mut Node, env: EnvLookup<'_>, sink: &mut Sink) -> HashSet<Position> {
    let mut expanded = HashSet::new();
    expand_node(node, env, sink, &mut expanded, 0);
    expanded
}

fn expand_node(node: &mut Node, env: EnvLookup<'_>, sink: &mut Sink, expanded: &mut HashSet<Position>, depth: usize) {
    if depth > 64 {
        return;
    }
    let at = node.at;
    match &mut node.value {
        NodeValue::String(s) if s.contains('$') => match expand_string(s, env) {
            Ok(Some(value)) => {
                *s = value;
                expanded.insert(at);
            }
            Ok(None) => {}
            Err(problems) => {
                for p in problems {
                    sink.error(at, p);
                }
            }
        },
        NodeValue::List(items) => {
            for item in items {
                expand_node(item, env, sink, expanded, depth + 1);
            }
        }
        NodeValue::Map(entries) => {
            for (_, value) in entries {
                expand_node(value, env, sink, expanded, depth + 1);
            }
        }
        _ => {}
    }
}

/// Expands one string. `Ok(None)` when it holds no `${`; the errors name variables, never values.
pub fn expand_string(s: &str, env: EnvLookup<'_>) -> Result<Option<String>, Vec<String>> {
    let mut out = String::with_capacity(s.len());
    let mut problems = Vec::new();
    let mut changed = false;
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("$${") {
            out.push_str("${");
            rest = after;
            changed = true;
            continue;
        }
        let Some(body_start) = tail.strip_prefix("${") else {
            out.push('$');
            rest = &tail[1..];
            continue;
        };
        changed = true;
        let Some(end) = body_start.find('}') else {
            problems.push("unterminated `${` (write `$${` for a literal `${`)".to_owned());
            rest = "";
            break;
        };
        let body = &body_start[..end];
        rest = &body_start[end + 1..];
        let (name, default) = match body.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (body, None),
        };
        if !is_var_name(name) {
            problems.push(format!("`${{{name}}}` is not a valid variable name (letters, digits and `_`)"));
            continue;
        }
        match (env(name).filter(|v| !v.is_empty() || default.is_none()), default) {
            (Some(value), _) => out.push_str(&value),
            (None, Some(default)) => out.push_str(default),
            (None, None) => problems
                .push(format!("environment variable `{name}` is not set (set it, or write `${{{name}:-default}}`)")),
        }
    }
    out.push_str(rest);
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(changed.then_some(out))
}

fn is_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "TOKEN" => Some("s3cr3t".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn expands_defaults_and_escapes() {
        assert_eq!(expand_string("Bearer ${TOKEN}", &env), Ok(Some("Bearer s3cr3t".into())));
        assert_eq!(expand_string("${NOPE:-http://127.0.0.1:9000/x}", &env), Ok(Some("http://127.0.0.1:9000/x".into())));
        assert_eq!(expand_string("${EMPTY:-d}", &env), Ok(Some("d".into())));
        assert_eq!(expand_string("${EMPTY}", &env), Ok(Some(String::new())));
        assert_eq!(expand_string("$${TOKEN} costs $5", &env), Ok(Some("${TOKEN} costs $5".into())));
        assert_eq!(expand_string("costs $5", &env), Ok(None));
    }

    #[test]
    fn reports_unset_and_malformed_without_values() {
        let errs = expand_string("${NOPE} ${TOKEN} ${1BAD}", &env).unwrap_err();
        assert_eq!(errs.len(), 2);
        assert!(errs[0].contains("`NOPE` is not set"));
        assert!(errs.iter().all(|e| !e.contains("s3cr3t")));
        assert!(expand_string("${TOKEN", &env).unwrap_err()[0].contains("unterminated"));
    }
}
