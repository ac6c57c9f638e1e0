//! What an expression may refer to at each place of a recipe, and the checks
//! of each `{{ … }}` string: syntax, names in scope, steps that exist and
//! ran earlier, and fields the documented output shapes have.

use std::collections::HashMap;

use hirewire_sdk::{Field, Shape};

use crate::diagnostic::{Position, Sink};
use crate::expr::ExprEngine;
use crate::suggest::did_you_mean;
use crate::yaml::{Node, NodeValue};

/// Where a step id is declared in the recipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StepPlace {
    /// A top-level step, at this index.
    Main(usize),
    /// Nested in the `for_each` step with this id.
    Inner(String),
    /// An `on_error` step.
    OnError,
}

/// A finished step's output as seen from later steps.
#[derive(Debug, Clone)]
pub(crate) struct StepOutput {
    /// Its documented shape; `None` when unknown (a broken action), so not checked.
    pub shape: Option<Shape>,
    /// Whose output it is, for messages: ``the output of `slack.post_message` ``.
    pub owner: String,
}

/// The names in scope at one place of a recipe.
#[derive(Debug, Clone)]
pub(crate) struct RefScope {
    /// The trigger's output shape; `None` when the trigger is broken (not checked).
    pub trigger: Option<Shape>,
    /// ``the output of trigger `greenhouse.candidate_hired` ``.
    pub trigger_owner: String,
    /// Steps whose output is visible here, in order.
    pub steps: Vec<(String, StepOutput)>,
    /// `for_each` names (`as:`) and their item shapes.
    pub locals: Vec<(String, Option<Shape>)>,
    /// Whether `steps` may be used here (not in `when:`/`key:`).
    pub steps_allowed: bool,
    /// Whether `run.error` exists here (`on_error`).
    pub in_on_error: bool,
    /// The step being checked, if any.
    pub current: Option<String>,
    /// Every step id of the recipe and where it is.
    pub all_ids: HashMap<String, StepPlace>,
}

/// The shape of `run`.
pub(crate) fn run_shape(in_on_error: bool) -> Shape {
    let text = |name: &str, description: &str, format: Option<&str>| Field {
        name: name.into(),
        shape: Shape::String { format: format.map(str::to_owned), choices: Vec::new() },
        required: true,
        nullable: false,
        description: description.into(),
    };
    let mut fields = vec![
        text("id", "The run's id.", None),
        text("recipe", "The recipe's name.", None),
        text("started_at", "When the run started.", Some("date-time")),
    ];
    if in_on_error {
        fields.push(text("error", "Why the run failed.", None));
    }
    Shape::Object { fields, open: false }
}

/// The output shape of a clock trigger.
pub(crate) fn clock_shape() -> Shape {
    Shape::Object {
        fields: vec![Field {
            name: "scheduled_at".into(),
            shape: Shape::String { format: Some("date-time".into()), choices: Vec::new() },
            required: true,
            nullable: false,
            description: "The time this tick was due.".into(),
        }],
        open: false,
    }
}

/// Method names MiniJinja allows on strings, maps and lists.
const STRING_METHODS: &[&str] = &[
    "upper",
    "lower",
    "title",
    "capitalize",
    "strip",
    "lstrip",
    "rstrip",
    "split",
    "splitlines",
    "replace",
    "startswith",
    "endswith",
    "count",
    "find",
    "rfind",
    "isalpha",
    "isdigit",
    "isupper",
    "islower",
    "isspace",
    "isalnum",
    "format",
    "join",
];
const MAP_METHODS: &[&str] = &["keys", "values", "items", "get"];
const LIST_METHODS: &[&str] = &["count", "index"];

/// Checks every string under `node` (recursively) as a template.
pub(crate) fn check_tree(sink: &mut Sink, text: &str, node: &Node, scope: &RefScope, engine: &ExprEngine) {
    match &node.value {
        NodeValue::String(s) => check_string(sink, text, node, s, scope, engine),
        NodeValue::List(items) => items.iter().for_each(|n| check_tree(sink, text, n, scope, engine)),
        NodeValue::Map(entries) => entries.iter().for_each(|(_, n)| check_tree(sink, text, n, scope, engine)),
        _ => {}
    }
}

/// Checks one string: syntax, then each name it reads.
pub(crate) fn check_string(sink: &mut Sink, text: &str, node: &Node, s: &str, scope: &RefScope, engine: &ExprEngine) {
    if s.contains("${") {
        sink.warning(
            locate(text, node, s, s.find("${").unwrap_or(0)),
            "`${…}` is only expanded in hirewire.yaml; recipes read values with `{{ … }}`",
        );
    }
    let analysis = engine.analyze(s);
    if let Some(problem) = analysis.syntax_error {
        sink.error(locate(text, node, s, problem.offset.unwrap_or(0)), format!("expression {}", problem.message));
        return;
    }
    for (message, offset) in &analysis.unknown_names {
        sink.error(locate(text, node, s, *offset), message.clone());
    }
    for path in &analysis.references {
        if let Some(message) = check_reference(path, scope) {
            sink.error(locate(text, node, s, s.find(path.as_str()).unwrap_or(0)), message);
        }
    }
}

/// Why `path` (`steps.employee.id`) cannot be read here, or `None` when it can.
pub(crate) fn check_reference(path: &str, scope: &RefScope) -> Option<String> {
    let segments: Vec<&str> = path.split('.').collect();
    let (root, rest) = segments.split_first()?;
    match *root {
        "trigger" => {
            let shape = scope.trigger.as_ref()?;
            undocumented(path, shape, rest, &scope.trigger_owner)
        }
        "steps" => {
            if !scope.steps_allowed {
                return Some(format!("`{path}`: no step has run yet here; only `trigger` can be used"));
            }
            let (id, rest) = rest.split_first()?;
            if let Some((_, out)) = scope.steps.iter().rev().find(|(s, _)| s == id) {
                return undocumented(path, out.shape.as_ref()?, rest, &out.owner);
            }
            Some(step_not_visible(id, scope))
        }
        "run" => undocumented(path, &run_shape(scope.in_on_error), rest, "`run`").map(|m| {
            if !scope.in_on_error && rest.first() == Some(&"error") {
                format!("`{path}` only exists in `on_error` steps")
            } else {
                m
            }
        }),
        name => {
            if let Some((_, shape)) = scope.locals.iter().rev().find(|(n, _)| n == name) {
                return undocumented(path, shape.as_ref()?, rest, &format!("an item of `{name}`"));
            }
            let mut names = vec!["trigger", "run"];
            if scope.steps_allowed {
                names.push("steps");
            }
            for (local, _) in &scope.locals {
                if !names.contains(&local.as_str()) {
                    names.push(local);
                }
            }
            Some(format!(
                "unknown name `{name}`{}; in scope here: {}",
                did_you_mean(name, names.iter().copied()),
                names.join(", ")
            ))
        }
    }
}

fn step_not_visible(id: &str, scope: &RefScope) -> String {
    if scope.current.as_deref() == Some(id) {
        return format!("step `{id}` cannot read its own output");
    }
    match scope.all_ids.get(id) {
        None => format!("step `{id}` does not exist{}", did_you_mean(id, scope.steps.iter().map(|(s, _)| s.as_str()))),
        Some(StepPlace::Inner(parent)) if !scope.steps.iter().any(|(s, _)| s == parent) => {
            format!("step `{id}` is inside `for_each` step `{parent}`, which has not run yet here")
        }
        Some(StepPlace::Inner(parent)) => {
            format!("step `{id}` is inside `for_each` step `{parent}`; outside it read `steps.{parent}[i].{id}`")
        }
        Some(StepPlace::OnError) => format!("step `{id}` is an `on_error` step and has not run here"),
        Some(StepPlace::Main(_)) => format!("step `{id}` runs later; only earlier steps' outputs can be used"),
    }
}

/// The message when `rest` is not documented in `shape`.
fn undocumented(path: &str, shape: &Shape, rest: &[&str], owner: &str) -> Option<String> {
    let i = shape.lookup(rest).err()?;
    let parent = match shape.lookup(&rest[..i]) {
        Ok(Some(parent)) => parent,
        _ => return None,
    };
    let segment = rest[i];
    let allowed_methods = match parent {
        Shape::String { .. } => STRING_METHODS,
        Shape::Object { .. } => MAP_METHODS,
        Shape::List { .. } => LIST_METHODS,
        _ => &[],
    };
    if allowed_methods.contains(&segment) {
        return None;
    }
    let place = if i == 0 { owner.to_owned() } else { format!("`{}` in {owner}", rest[..i].join(".")) };
    match parent {
        Shape::Object { fields, .. } => Some(format!(
            "`{path}`: {place} has no field `{segment}`{}",
            did_you_mean(segment, fields.iter().map(|f| f.name.as_str()))
        )),
        other => Some(format!("`{path}`: {place} is {} and has no field `{segment}`", a_type_name(other))),
    }
}

/// The shape a plain dotted path (`trigger.interviewers`) has in `scope`, when known.
pub(crate) fn shape_of_path(path: &str, scope: &RefScope) -> Option<Shape> {
    let segments: Vec<&str> = path.split('.').collect();
    let (root, rest) = segments.split_first()?;
    let (base, rest) = match *root {
        "trigger" => (scope.trigger.clone()?, rest),
        "steps" => {
            let (id, rest) = rest.split_first()?;
            (scope.steps.iter().rev().find(|(s, _)| s == id)?.1.shape.clone()?, rest)
        }
        name => (scope.locals.iter().rev().find(|(n, _)| n == name)?.1.clone()?, rest),
    };
    base.lookup(rest).ok().flatten().cloned()
}

/// The file position of byte `offset` inside string `s` of `node`, when the
/// string is written on one line without escapes before it; else the node's start.
pub(crate) fn locate(text: &str, node: &Node, s: &str, offset: usize) -> Position {
    let Some(start) = node.offset else { return node.at };
    let Some(prefix) = s.get(..offset) else { return node.at };
    if prefix.contains('\n') {
        return node.at;
    }
    let Some(raw) = text.get(start..) else { return node.at };
    let quote = usize::from(raw.starts_with('"') || raw.starts_with('\''));
    match raw.get(quote..quote + prefix.len()) {
        Some(written) if written == prefix => {
            let chars = u32::try_from(prefix.chars().count() + quote).unwrap_or(0);
            Position::new(node.at.line, node.at.column.saturating_add(chars))
        }
        _ => node.at,
    }
}

/// `an integer`, `a string`, `an object`, `a list of object`…
pub(crate) fn a_type_name(shape: &Shape) -> String {
    let name = shape.type_name();
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {name}")
}
