//! Finds the filter and test names a template uses (`| work_email`,
//! `is startingwith`), so that a misspelt one is reported at load time
//! instead of failing the run: MiniJinja only looks them up when evaluating.

use minijinja::{Environment, ErrorKind, Value};

use crate::suggest::did_you_mean;

/// Names offered as suggestions (those the environment really has).
const KNOWN_FILTERS: &[&str] = &[
    "work_email",
    "personal_email",
    "full_name",
    "date",
    "default",
    "upper",
    "lower",
    "title",
    "capitalize",
    "trim",
    "replace",
    "length",
    "count",
    "first",
    "last",
    "join",
    "map",
    "select",
    "reject",
    "selectattr",
    "rejectattr",
    "sort",
    "unique",
    "list",
    "string",
    "int",
    "float",
    "abs",
    "round",
    "tojson",
    "items",
    "dictsort",
    "batch",
    "slice",
    "reverse",
    "min",
    "max",
    "sum",
    "urlencode",
    "indent",
    "bool",
    "attr",
    "split",
    "lines",
    "format",
];
const KNOWN_TESTS: &[&str] = &[
    "defined",
    "undefined",
    "none",
    "true",
    "false",
    "number",
    "string",
    "sequence",
    "mapping",
    "startingwith",
    "endingwith",
    "containing",
    "in",
    "odd",
    "even",
    "divisibleby",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "iterable",
    "boolean",
    "integer",
    "float",
    "safe",
    "escaped",
    "filter",
    "test",
    "lower",
    "upper",
    "sameas",
];

/// A filter or test the environment does not have, with its byte offset in the source.
pub(crate) fn unknown_names(env: &Environment<'_>, source: &str, is_expression: bool) -> Vec<(String, usize)> {
    let mut problems = Vec::new();
    for (start, code) in code_regions(source, is_expression) {
        for (kind, name, offset) in scan(code) {
            let mut state = env.empty_state();
            let missing = match kind {
                Kind::Filter => {
                    state.apply_filter(&name, &[Value::from(())]).is_err_and(|e| e.kind() == ErrorKind::UnknownFilter)
                }
                Kind::Test => {
                    state.perform_test(&name, &[Value::from(())]).is_err_and(|e| e.kind() == ErrorKind::UnknownTest)
                }
            };
            if missing {
                let (what, known) = match kind {
                    Kind::Filter => ("filter", KNOWN_FILTERS),
                    Kind::Test => ("test", KNOWN_TESTS),
                };
                problems.push((
                    format!("unknown {what} `{name}`{}", did_you_mean(&name, known.iter().copied())),
                    start + offset,
                ));
            }
        }
    }
    problems
}

#[derive(Clone, Copy)]
enum Kind {
    Filter,
    Test,
}

/// The parts of `source` that are code: all of it for an expression, else the insides of `{{ }}` and `{% %}`.
fn code_regions(source: &str, is_expression: bool) -> Vec<(usize, &str)> {
    if is_expression {
        return vec![(0, source)];
    }
    let mut regions = Vec::new();
    let mut rest = 0;
    while let Some(open) = source[rest..].find(['{']).map(|i| rest + i) {
        let close = match source.get(open..open + 2) {
            Some("{{") => "}}",
            Some("{%") => "%}",
            _ => {
                rest = open + 1;
                continue;
            }
        };
        let inner = open + 2;
        let Some(end) = source[inner..].find(close).map(|i| inner + i) else { break };
        regions.push((inner, &source[inner..end]));
        rest = end + 2;
    }
    regions
}

/// `(kind, name, offset)` of every `| name` and `is [not] name` outside string literals.
fn scan(code: &str) -> Vec<(Kind, String, usize)> {
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut previous_word = String::new();
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\'' || c == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != c {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            previous_word.clear();
            continue;
        }
        if c == b'|' {
            let (name, at) = identifier_after(code, i + 1);
            if !name.is_empty() {
                out.push((Kind::Filter, name, at));
            }
            i += 1;
            previous_word.clear();
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let word = &code[start..i];
            let preceded_by_dot = start > 0 && bytes[start - 1] == b'.';
            if !preceded_by_dot && (previous_word == "is" || previous_word == "is not") && word != "not" {
                out.push((Kind::Test, word.to_owned(), start));
                previous_word.clear();
            } else if !preceded_by_dot && word == "is" {
                previous_word = "is".into();
            } else if previous_word == "is" && word == "not" {
                previous_word = "is not".into();
            } else {
                previous_word.clear();
            }
            continue;
        }
        if !c.is_ascii_whitespace() {
            previous_word.clear();
        }
        i += 1;
    }
    out
}

fn identifier_after(code: &str, from: usize) -> (String, usize) {
    let rest = code.get(from..).unwrap_or_default();
    let skipped = rest.len() - rest.trim_start().len();
    let start = from + skipped;
    let name: String = code[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    (name, start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_filters_and_tests_outside_strings() {
        let names: Vec<String> = scan("a | work_email | default('x | y') is not startingwith('a') and b.is_x")
            .into_iter()
            .map(|(_, n, _)| n)
            .collect();
        assert_eq!(names, vec!["work_email", "default", "startingwith"]);
        assert_eq!(code_regions("hi {{ a|x }} {% if b is y %}", false), vec![(5, " a|x "), (15, " if b is y ")]);
    }
}
