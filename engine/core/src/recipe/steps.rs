//! Loading steps: ids, actions and their inputs, `for_each` with its scope,
//! `if:` and `retry:`. Each step's documented output becomes visible to the
//! steps after it.

use std::collections::HashMap;

use hirewire_sdk::{ActionDescriptor, ConnectorDescriptor, Field, Shape};

use crate::diagnostic::{Position, Sink};
use crate::expr::{Template, TemplateNode, single_expression};
use crate::fields::{Fields, expect_string};
use crate::shape_check::{ShapeContext, check_node};
use crate::suggest::did_you_mean;
use crate::yaml::{Node, NodeValue};

use super::load::{FileLoad, connection_of, one_expression};
use super::model::{ActionStep, Backoff, ForEachStep, RetryPolicy, Step, StepKind, parse_duration};
use super::refs::{RefScope, StepOutput, StepPlace, a_type_name, check_string, check_tree, shape_of_path};

const STEP_KEYS: &[&str] = &["id", "if", "action", "connection", "with", "retry", "for_each", "as", "steps"];
const RETRY_KEYS: &[&str] = &["attempts", "backoff", "initial", "max"];
const RESERVED_NAMES: &[&str] = &["trigger", "steps", "run", "loop"];

/// Records every step id (main, nested, on_error) and reports duplicates.
pub(crate) fn collect_ids(
    sink: &mut Sink,
    steps: Option<&Node>,
    on_error: Option<&Node>,
    ids: &mut HashMap<String, StepPlace>,
) {
    let mut first_seen: HashMap<String, Position> = HashMap::new();
    let mut visit = |sink: &mut Sink,
                     list: &Node,
                     place: &dyn Fn(usize) -> StepPlace,
                     ids: &mut HashMap<String, StepPlace>,
                     nested: &mut Vec<(String, Node)>| {
        let NodeValue::List(items) = &list.value else { return };
        for (i, item) in items.iter().enumerate() {
            let Some(id_node) = item.get("id") else { continue };
            let Some(id) = id_node.as_str() else { continue };
            if let Some(first) = first_seen.get(id) {
                sink.error(id_node.at, format!("duplicate step id `{id}` (first used on line {})", first.line));
                continue;
            }
            first_seen.insert(id.to_owned(), id_node.at);
            ids.insert(id.to_owned(), place(i));
            if let Some(inner) = item.get("steps") {
                nested.push((id.to_owned(), inner.clone()));
            }
        }
    };
    let mut pending: Vec<(String, Node)> = Vec::new();
    if let Some(list) = steps {
        visit(sink, list, &StepPlace::Main, ids, &mut pending);
    }
    while let Some((parent, list)) = pending.pop() {
        let place = move |_| StepPlace::Inner(parent.clone());
        let mut more = Vec::new();
        visit(sink, &list, &place, ids, &mut more);
        pending.extend(more);
    }
    if let Some(list) = on_error {
        visit(sink, list, &|_| StepPlace::OnError, ids, &mut pending);
    }
}

/// Loads a list of steps under `key`; each step's output becomes visible in `scope`.
pub(crate) fn load_steps(load: &mut FileLoad<'_>, node: &Node, key: &str, scope: &mut RefScope) -> Option<Vec<Step>> {
    let NodeValue::List(items) = &node.value else {
        load.sink.error(node.at, format!("`{key}` must be a list of steps, found {}", node.kind()));
        return None;
    };
    let mut steps = Vec::new();
    for item in items {
        let (step, output) = load_step(load, item, scope);
        if let Some((id, output)) = output {
            scope.steps.push((id, output));
        }
        if let Some(step) = step {
            steps.push(step);
        }
    }
    scope.current = None;
    Some(steps)
}

type Loaded = (Option<Step>, Option<(String, StepOutput)>);

fn load_step(load: &mut FileLoad<'_>, node: &Node, scope: &mut RefScope) -> Loaded {
    let Some(fields) = Fields::open(&mut load.sink, node, "step", STEP_KEYS) else { return (None, None) };
    let id = fields.required(&mut load.sink, "id", "step").and_then(|n| step_id(&mut load.sink, n));
    scope.current = id.clone();
    let what = id.as_ref().map_or_else(|| "step".to_owned(), |id| format!("step `{id}`"));
    let condition = fields.get("if").and_then(|n| condition_of(load, n, scope, &what));

    let (kind, output) = if fields.get("for_each").is_some() {
        load_for_each(load, &fields, scope, &what)
    } else {
        load_action(load, &fields, scope, &what)
    };
    let output = id.clone().map(|id| (id, output));
    let step = match (id, kind) {
        (Some(id), Some(kind)) => Some(Step { id, condition, kind, at: node.at }),
        _ => None,
    };
    (step, output)
}

fn step_id(sink: &mut Sink, node: &Node) -> Option<String> {
    let id = expect_string(sink, node, "id")?;
    if !is_identifier(id) {
        sink.error(node.at, format!("step id `{id}` must be letters, digits and `_`, starting with a letter, so that `steps.{id}` can be read"));
        return None;
    }
    Some(id.to_owned())
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn condition_of(load: &mut FileLoad<'_>, node: &Node, scope: &RefScope, what: &str) -> Option<Template> {
    let origin = format!("{what}, `if`");
    match &node.value {
        NodeValue::Bool(b) => Some(Template::new(origin, TemplateNode::Literal(serde_json::Value::Bool(*b)))),
        NodeValue::String(s) => {
            check_string(&mut load.sink, load.text, node, s, scope, load.cx.engine);
            one_expression(load, node, s, "if").map(|t| Template::new(origin, t))
        }
        _ => {
            load.sink.error(node.at, format!("`if` must be an expression \"{{{{ … }}}}\", found {}", node.kind()));
            None
        }
    }
}

fn load_for_each(
    load: &mut FileLoad<'_>,
    fields: &Fields<'_>,
    scope: &RefScope,
    what: &str,
) -> (Option<StepKind>, StepOutput) {
    let unknown = StepOutput { shape: None, owner: String::new() };
    for key in ["action", "connection", "with", "retry"] {
        if let Some((k, _)) = fields.entry(key) {
            load.sink.error(k.at, format!("`{key}` cannot be used with `for_each`; put the action in its `steps`"));
        }
    }
    let Some(items_node) = fields.get("for_each") else { return (None, unknown) };
    let mut item_shape = None;
    let items = match &items_node.value {
        NodeValue::List(_) => {
            check_tree(&mut load.sink, load.text, items_node, scope, load.cx.engine);
            Some(TemplateNode::from_json(&items_node.to_json()))
        }
        NodeValue::String(s) => {
            check_string(&mut load.sink, load.text, items_node, s, scope, load.cx.engine);
            if let Some(path) = single_expression(s).filter(|p| is_plain_path(p)) {
                match shape_of_path(path, scope) {
                    Some(Shape::List { items }) => item_shape = Some(*items),
                    Some(Shape::Any | Shape::OneOf { .. }) | None => {}
                    Some(other) => load.sink.error(
                        items_node.at,
                        format!("`for_each` needs a list, but `{path}` is {}", a_type_name(&other)),
                    ),
                }
            }
            one_expression(load, items_node, s, "for_each")
        }
        _ => {
            load.sink.error(
                items_node.at,
                format!("`for_each` must be an expression giving a list, found {}", items_node.kind()),
            );
            None
        }
    };
    let as_name = match fields.string(&mut load.sink, "as") {
        Some((name, node)) => {
            if !is_identifier(name) {
                load.sink.error(node.at, format!("`as: {name}` must be letters, digits and `_`"));
            } else if RESERVED_NAMES.contains(&name) || scope.locals.iter().any(|(n, _)| n == name) {
                load.sink.error(
                    node.at,
                    format!("`as: {name}` would hide `{name}` from the steps inside; pick another name"),
                );
            }
            name.to_owned()
        }
        None => "item".to_owned(),
    };
    let mut inner = scope.clone();
    inner.locals.push((as_name.clone(), item_shape));
    inner.current = None;
    let steps = match fields.required(&mut load.sink, "steps", what) {
        Some(node) => {
            if matches!(&node.value, NodeValue::List(items) if items.is_empty()) {
                load.sink.error(node.at, "`steps` must list at least one step");
            }
            load_steps(load, node, "steps", &mut inner)
        }
        None => None,
    };
    // The output: one object per item, keyed by the nested steps' ids.
    let own: Vec<Field> = inner.steps[scope.steps.len()..]
        .iter()
        .map(|(id, out)| Field {
            name: id.clone(),
            shape: out.shape.clone().unwrap_or(Shape::Any),
            required: false,
            nullable: true,
            description: String::new(),
        })
        .collect();
    let output = StepOutput {
        shape: Some(Shape::List { items: Box::new(Shape::Object { fields: own, open: false }) }),
        owner: format!("the output of `for_each` {what}"),
    };
    let kind = match (items, steps) {
        (Some(items), Some(steps)) => Some(StepKind::ForEach(ForEachStep {
            items: Template::new(format!("{what}, `for_each`"), items),
            as_name,
            steps,
        })),
        _ => None,
    };
    (kind, output)
}

fn is_plain_path(s: &str) -> bool {
    s.split('.').all(is_identifier)
}

fn load_action(
    load: &mut FileLoad<'_>,
    fields: &Fields<'_>,
    scope: &RefScope,
    what: &str,
) -> (Option<StepKind>, StepOutput) {
    let mut output = StepOutput { shape: None, owner: String::new() };
    if let Some((k, _)) = fields.entry("as") {
        load.sink.error(k.at, "`as` only goes with `for_each`");
    }
    if let Some((k, _)) = fields.entry("steps") {
        load.sink.error(k.at, "nested `steps` only go with `for_each`");
    }
    let Some(action_node) = fields.required(&mut load.sink, "action", what) else {
        return (None, output);
    };
    let Some((descriptor, action)) = action_of(load, action_node) else { return (None, output) };
    let label = format!("`{}.{}`", descriptor.name, action.name);
    output = StepOutput { shape: Some(action.output.clone()), owner: format!("the output of {label}") };
    if !action.available {
        load.sink.warning(
            action_node.at,
            format!("action {label} is not yet available: runs will fail at this step until it is implemented"),
        );
    }
    let connection = match fields.get("connection") {
        Some(node) => connection_of(load, node, what).and_then(|c| {
            if c.connector == descriptor.name {
                Some(c.name.clone())
            } else {
                let fitting = fitting_connections(load, descriptor.name);
                load.sink.error(
                    node.at,
                    format!(
                        "connection `{}` is a `{}` connection, but {label} needs a `{}` connection{}",
                        c.name,
                        c.connector,
                        descriptor.name,
                        if fitting.is_empty() { String::new() } else { format!(" (e.g. `{}`)", fitting.join("`, `")) }
                    ),
                );
                None
            }
        }),
        None => {
            let fitting = fitting_connections(load, descriptor.name);
            match fitting.as_slice() {
                [one] => Some(one.clone()),
                [] => {
                    load.sink.error(
                        fields.node.at,
                        format!("{what} needs a `{}` connection, and hirewire.yaml defines none", descriptor.name),
                    );
                    None
                }
                many => {
                    load.sink.error(
                        fields.node.at,
                        format!("{what} must say which `connection:` to use: {}", many.join(", ")),
                    );
                    None
                }
            }
        }
    };
    let empty = Node { value: NodeValue::Map(Vec::new()), at: fields.node.at, offset: fields.node.offset };
    let with_node = fields.get("with").unwrap_or(&empty);
    let subject = label.clone();
    let cx = ShapeContext { subject: &subject, noun: "input", from_env: &Default::default(), templates: true };
    let with_json = check_node(&mut load.sink, with_node, &action.input, "", &cx);
    check_tree(&mut load.sink, load.text, with_node, scope, load.cx.engine);
    let retry = fields.get("retry").and_then(|n| retry_of(&mut load.sink, n));
    let kind = connection.map(|connection| {
        StepKind::Action(ActionStep {
            connector: descriptor.name.to_owned(),
            action: action.name.to_owned(),
            connection,
            with: Template::new(format!("{what}, `with`"), TemplateNode::from_json(&with_json)),
            retry: retry.unwrap_or_default(),
        })
    });
    (kind, output)
}

fn fitting_connections(load: &FileLoad<'_>, connector: &str) -> Vec<String> {
    load.cx.connections.values().filter(|c| c.connector == connector).map(|c| c.name.clone()).collect()
}

fn action_of<'a>(load: &mut FileLoad<'a>, node: &Node) -> Option<(&'a ConnectorDescriptor, &'a ActionDescriptor)> {
    let full = expect_string(&mut load.sink, node, "action")?;
    let registry = load.cx.registry;
    let Some((connector, action)) = full.split_once('.') else {
        load.sink.error(
            node.at,
            format!("`action` must be `<connector>.<action>`, e.g. `slack.post_message`, not `{full}`"),
        );
        return None;
    };
    let Some(descriptor) = registry.iter().find(|d| d.name == connector) else {
        load.sink.error(
            node.at,
            format!("unknown connector `{connector}`{}", did_you_mean(connector, registry.iter().map(|d| d.name))),
        );
        return None;
    };
    let Some(found) = descriptor.action(action) else {
        let known: Vec<&str> = descriptor.actions.iter().map(|a| a.name).collect();
        load.sink.error(
            node.at,
            format!(
                "connector `{connector}` has no action `{action}`{}; its actions: {}",
                did_you_mean(action, known.iter().copied()),
                if known.is_empty() { "none".to_owned() } else { known.join(", ") }
            ),
        );
        return None;
    };
    Some((descriptor, found))
}

fn retry_of(sink: &mut Sink, node: &Node) -> Option<RetryPolicy> {
    let fields = Fields::open(sink, node, "`retry`", RETRY_KEYS)?;
    let mut policy = RetryPolicy::default();
    let before = sink.diagnostics.len();
    if let Some(attempts) = fields.positive_integer(sink, "attempts") {
        if attempts > 100 {
            sink.error(fields.get("attempts").map_or(node.at, |n| n.at), "`attempts` must be at most 100");
        }
        policy.attempts = attempts;
    }
    if let Some((backoff, n)) = fields.string(sink, "backoff") {
        match backoff {
            "exponential" => policy.backoff = Backoff::Exponential,
            "fixed" => policy.backoff = Backoff::Fixed,
            other => sink.error(
                n.at,
                format!(
                    "`backoff` must be exponential or fixed, not `{other}`{}",
                    did_you_mean(other, ["exponential", "fixed"])
                ),
            ),
        }
    }
    for key in ["initial", "max"] {
        if let Some(n) = fields.get(key) {
            match n.as_str().map(parse_duration) {
                Some(Ok(d)) if key == "initial" => policy.initial = d,
                Some(Ok(d)) => policy.max = d,
                Some(Err(m)) => sink.error(n.at, format!("`{key}`: {m}")),
                None => sink.error(n.at, format!("`{key}` must be a duration such as 10s or 5m")),
            }
        }
    }
    if policy.initial > policy.max {
        sink.error(node.at, "`retry.initial` must not be longer than `retry.max`");
    }
    (sink.diagnostics.len() == before).then_some(policy)
}
