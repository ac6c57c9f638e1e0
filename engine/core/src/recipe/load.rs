//! Loading one recipe file: structure, trigger, key and the checks that need
//! the connector registry and the project's connections. Every problem in the
//! file is reported, not just the first.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use hirewire_sdk::{ConnectorDescriptor, Shape};
use sha2::{Digest, Sha256};

use crate::config::{ConnectionConfig, parse_timezone};
use crate::diagnostic::{Diagnostic, Sink};
use crate::expr::{ExprEngine, Template, TemplateNode};
use crate::fields::{Fields, expect_string};
use crate::shape_check::{ShapeContext, check_node};
use crate::suggest::did_you_mean;
use crate::yaml::{Node, NodeValue, parse_document};

use super::model::{ClockTrigger, ConnectorTrigger, Delivery, Recipe, Schedule, Trigger, parse_duration};
use super::refs::{RefScope, StepPlace, check_string, clock_shape};
use super::steps::{collect_ids, load_steps};

const RECIPE_KEYS: &[&str] = &["name", "description", "enabled", "trigger", "key", "concurrency", "steps", "on_error"];
const CONNECTOR_TRIGGER_KEYS: &[&str] =
    &["connection", "event", "delivery", "every", "cron", "timezone", "since", "when", "environment"];
const CLOCK_TRIGGER_KEYS: &[&str] = &["schedule", "every", "timezone"];

/// What loading a recipe needs from the project.
pub struct LoadContext<'a> {
    /// The connectors.
    pub registry: &'a [ConnectorDescriptor],
    /// The connections of `hirewire.yaml`.
    pub connections: &'a BTreeMap<String, ConnectionConfig>,
    /// The default zone of schedules.
    pub timezone: chrono_tz::Tz,
    /// The expression engine (for syntax and references).
    pub engine: &'a ExprEngine,
}

/// The file being loaded: its sink, text and context.
pub(crate) struct FileLoad<'a> {
    pub sink: Sink,
    pub text: &'a str,
    pub cx: &'a LoadContext<'a>,
}

/// Loads one recipe. The recipe is `Some` only when the file has no errors.
pub fn load_recipe(file: &Path, text: &str, cx: &LoadContext<'_>) -> (Option<Recipe>, Vec<Diagnostic>) {
    let mut load = FileLoad { sink: Sink::new(file), text, cx };
    let recipe = load_root(&mut load, file, text);
    let ok = !load.sink.has_errors();
    (recipe.filter(|_| ok), load.sink.diagnostics)
}

fn load_root(load: &mut FileLoad<'_>, file: &Path, text: &str) -> Option<Recipe> {
    let root = match parse_document(text) {
        Ok(root) => root,
        Err(e) => {
            load.sink.error(e.at, format!("invalid YAML: {}", e.message));
            return None;
        }
    };
    let fields = Fields::open(&mut load.sink, &root, "recipe", RECIPE_KEYS)?;
    let name = fields.required(&mut load.sink, "name", "recipe").and_then(|n| recipe_name(&mut load.sink, n));
    let description = fields.string(&mut load.sink, "description").map(|(s, _)| s.to_owned());
    let enabled = fields.boolean(&mut load.sink, "enabled").unwrap_or(true);
    let concurrency = fields.positive_integer(&mut load.sink, "concurrency").unwrap_or(1);

    let mut all_ids = HashMap::new();
    let steps_node = fields.required(&mut load.sink, "steps", "recipe");
    let on_error_node = fields.get("on_error");
    collect_ids(&mut load.sink, steps_node, on_error_node, &mut all_ids);

    let trigger_node = fields.required(&mut load.sink, "trigger", "recipe");
    let (trigger, trigger_shape, trigger_owner) = match trigger_node {
        Some(node) => load_trigger(load, node, &all_ids),
        None => (None, None, String::new()),
    };
    let scope = RefScope {
        trigger: trigger_shape,
        trigger_owner,
        steps: Vec::new(),
        locals: Vec::new(),
        steps_allowed: false,
        in_on_error: false,
        current: None,
        all_ids,
    };
    let key = fields.get("key").and_then(|node| {
        let s = expect_string(&mut load.sink, node, "key")?;
        check_string(&mut load.sink, load.text, node, s, &scope, load.cx.engine);
        Some(Template::new("`key`", TemplateNode::from_string(s)))
    });

    let mut main_scope = RefScope { steps_allowed: true, ..scope };
    let steps = match steps_node {
        Some(node) => {
            if matches!(&node.value, NodeValue::List(items) if items.is_empty()) {
                load.sink.error(node.at, "`steps` must list at least one step");
            }
            load_steps(load, node, "steps", &mut main_scope).unwrap_or_default()
        }
        None => Vec::new(),
    };
    let mut error_scope = RefScope { in_on_error: true, ..main_scope };
    let on_error =
        on_error_node.and_then(|node| load_steps(load, node, "on_error", &mut error_scope)).unwrap_or_default();

    Some(Recipe {
        name: name?,
        description,
        enabled,
        trigger: trigger?,
        key,
        concurrency,
        steps,
        on_error,
        file: file.to_path_buf(),
        version: hex::encode(Sha256::digest(text.as_bytes())),
    })
}

fn recipe_name(sink: &mut Sink, node: &Node) -> Option<String> {
    let name = expect_string(sink, node, "name")?;
    let valid = !name.is_empty()
        && name.len() <= 100
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        sink.error(node.at, format!("recipe name `{name}` must be lowercase letters, digits and `-` ([a-z0-9-]+)"));
        return None;
    }
    Some(name.to_owned())
}

/// The trigger, its output shape (for reference checks) and how to name that output.
fn load_trigger(
    load: &mut FileLoad<'_>,
    node: &Node,
    all_ids: &HashMap<String, StepPlace>,
) -> (Option<Trigger>, Option<Shape>, String) {
    let Some(entries) = node.as_map() else {
        load.sink.error(node.at, format!("`trigger` must be a mapping, found {}", node.kind()));
        return (None, None, String::new());
    };
    let is_connector = node.get("connection").is_some() || node.get("event").is_some();
    if !is_connector {
        if node.get("schedule").is_none() && node.get("every").is_none() {
            load.sink.error(
                node.at,
                "`trigger` needs `connection:` and `event:`, or a clock `schedule:` (cron) or `every:` (interval)",
            );
            return (None, None, String::new());
        }
        let trigger = load_clock_trigger(load, node);
        return (trigger, Some(clock_shape()), "the output of the clock trigger".into());
    }
    let _ = entries;
    load_connector_trigger(load, node, all_ids)
}

fn load_clock_trigger(load: &mut FileLoad<'_>, node: &Node) -> Option<Trigger> {
    let fields = Fields::open(&mut load.sink, node, "clock trigger", CLOCK_TRIGGER_KEYS)?;
    let timezone = timezone_of(load, &fields);
    let schedule = match (fields.get("schedule"), fields.get("every")) {
        (Some(_), Some(every)) => {
            load.sink.error(every.at, "a clock trigger takes `schedule:` or `every:`, not both");
            None
        }
        (Some(cron), None) => cron_schedule(load, cron, "schedule", timezone),
        (None, Some(every)) => {
            if fields.get("timezone").is_some() {
                load.sink.warning(node.at, "`timezone` has no effect with `every:`");
            }
            every_schedule(load, every)
        }
        (None, None) => None,
    };
    Some(Trigger::Clock(ClockTrigger { schedule: schedule? }))
}

fn timezone_of(load: &mut FileLoad<'_>, fields: &Fields<'_>) -> chrono_tz::Tz {
    match fields.string(&mut load.sink, "timezone") {
        Some((tz, node)) => parse_timezone(tz).unwrap_or_else(|message| {
            load.sink.error(node.at, message);
            load.cx.timezone
        }),
        None => load.cx.timezone,
    }
}

fn cron_schedule(load: &mut FileLoad<'_>, node: &Node, key: &str, tz: chrono_tz::Tz) -> Option<Schedule> {
    let pattern = expect_string(&mut load.sink, node, key)?;
    let fields = pattern.split_whitespace().count();
    if !pattern.starts_with('@') && !(5..=6).contains(&fields) {
        load.sink.error(node.at, format!("`{key}` must be a cron pattern of 5 or 6 fields, `{pattern}` has {fields}"));
        return None;
    }
    Schedule::cron(pattern, tz).map_err(|message| load.sink.error(node.at, message)).ok()
}

fn every_schedule(load: &mut FileLoad<'_>, node: &Node) -> Option<Schedule> {
    let text = expect_string(&mut load.sink, node, "every")?;
    parse_duration(text).map(Schedule::Every).map_err(|m| load.sink.error(node.at, format!("`every`: {m}"))).ok()
}

fn load_connector_trigger(
    load: &mut FileLoad<'_>,
    node: &Node,
    all_ids: &HashMap<String, StepPlace>,
) -> (Option<Trigger>, Option<Shape>, String) {
    let entries = node.as_map().unwrap_or_default();
    // Which connector trigger is this? Needed to know its parameters.
    let connection = node.get("connection");
    let event = node.get("event");
    let conn = connection.and_then(|n| connection_of(load, n, "trigger"));
    let descriptor = conn.and_then(|c| load.cx.registry.iter().find(|d| d.name == c.connector));
    let trigger_desc = match (descriptor, event) {
        (Some(d), Some(e)) => match expect_string(&mut load.sink, e, "event") {
            Some(name) => {
                let found = d.trigger(name);
                if found.is_none() {
                    let known: Vec<&str> = d.triggers.iter().map(|t| t.name).collect();
                    load.sink.error(
                        e.at,
                        format!(
                            "connector `{}` has no trigger `{name}`{}; its triggers: {}",
                            d.name,
                            did_you_mean(name, known.iter().copied()),
                            if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                        ),
                    );
                }
                found
            }
            None => None,
        },
        _ => None,
    };
    if connection.is_none() {
        load.sink.error(node.at, "`trigger` is missing required key `connection`");
    }
    if event.is_none() {
        load.sink.error(node.at, "`trigger` is missing required key `event`");
    }
    // Unknown keys: neither ours nor the trigger's parameters.
    let param_names: Vec<&str> = match trigger_desc.map(|t| &t.params) {
        Some(Shape::Object { fields, .. }) => fields.iter().map(|f| f.name.as_str()).collect(),
        _ => Vec::new(),
    };
    let mut params = Vec::new();
    for (key, value) in entries {
        if CONNECTOR_TRIGGER_KEYS.contains(&key.name.as_str()) {
            continue;
        }
        if param_names.contains(&key.name.as_str()) || (trigger_desc.is_none() && descriptor.is_some()) {
            params.push((key.clone(), value.clone()));
        } else {
            let candidates = CONNECTOR_TRIGGER_KEYS.iter().copied().chain(param_names.iter().copied());
            load.sink
                .error(key.at, format!("unknown key `{}` in trigger{}", key.name, did_you_mean(&key.name, candidates)));
        }
    }
    let params_node = Node { value: NodeValue::Map(params), at: node.at, offset: node.offset };
    let mut params_json = serde_json::Value::Object(serde_json::Map::new());
    if let Some(t) = trigger_desc {
        let subject = format!("trigger `{}.{}`", descriptor.map_or("", |d| d.name), t.name);
        let label = format!("`{}.{}`", descriptor.map_or("", |d| d.name), t.name);
        let cx = ShapeContext { subject: &subject, noun: "parameter", from_env: &Default::default(), templates: false };
        params_json = check_node(&mut load.sink, &params_node, &t.params, "", &cx);
        if !t.available {
            load.sink.warning(
                event.map_or(node.at, |e| e.at),
                format!("trigger {label} is not yet available: runs of this recipe will fail until it is implemented"),
            );
        }
    }

    let delivery = delivery_of(load, node, trigger_desc);
    let timezone = match node.get("timezone") {
        Some(tz_node) => match expect_string(&mut load.sink, tz_node, "timezone").map(parse_timezone) {
            Some(Ok(tz)) => tz,
            Some(Err(m)) => {
                load.sink.error(tz_node.at, m);
                load.cx.timezone
            }
            None => load.cx.timezone,
        },
        None => load.cx.timezone,
    };
    let poll = match (node.get("every"), node.get("cron")) {
        (Some(_), Some(cron)) => {
            load.sink.error(cron.at, "a trigger takes `every:` or `cron:`, not both");
            None
        }
        (Some(every), None) => every_schedule(load, every),
        (None, Some(cron)) => cron_schedule(load, cron, "cron", timezone),
        (None, None) => None,
    };
    if let (Some(Delivery::Webhook), Some(p)) = (delivery, node.get("every").or_else(|| node.get("cron"))) {
        load.sink.warning(p.at, "a poll schedule has no effect with `delivery: webhook`");
    }
    let since = node.get("since").and_then(|n| since_of(load, n));
    let environment = node.get("environment").and_then(|n| environment_of(load, n, conn));

    let owner = match (descriptor, trigger_desc) {
        (Some(d), Some(t)) => format!("the output of trigger `{}.{}`", d.name, t.name),
        _ => String::new(),
    };
    let scope = RefScope {
        trigger: trigger_desc.map(|t| t.output.clone()),
        trigger_owner: owner.clone(),
        steps: Vec::new(),
        locals: Vec::new(),
        steps_allowed: false,
        in_on_error: false,
        current: None,
        all_ids: all_ids.clone(),
    };
    let when = node.get("when").and_then(|n| {
        let s = expect_string(&mut load.sink, n, "when")?;
        check_string(&mut load.sink, load.text, n, s, &scope, load.cx.engine);
        one_expression(load, n, s, "when").map(|t| Template::new("trigger `when`", t))
    });

    let (Some(conn), Some(t), Some(delivery)) = (conn, trigger_desc, delivery) else {
        return (None, trigger_desc.map(|t| t.output.clone()), owner);
    };
    let trigger = Trigger::Connector(Box::new(ConnectorTrigger {
        connection: conn.name.clone(),
        connector: conn.connector.clone(),
        event: t.name.to_owned(),
        delivery,
        poll,
        since,
        when,
        environment,
        params: params_json,
    }));
    (Some(trigger), Some(t.output.clone()), owner)
}

/// The connection named by `node`, reporting unknown names.
pub(crate) fn connection_of<'c>(load: &mut FileLoad<'c>, node: &Node, what: &str) -> Option<&'c ConnectionConfig> {
    let name = expect_string(&mut load.sink, node, "connection")?;
    let connections = load.cx.connections;
    match connections.get(name) {
        Some(c) => Some(c),
        None => {
            let known: Vec<&str> = connections.keys().map(String::as_str).collect();
            load.sink.error(
                node.at,
                format!(
                    "{what} uses connection `{name}`, which hirewire.yaml does not define{}{}",
                    did_you_mean(name, known.iter().copied()),
                    if known.is_empty() { String::new() } else { format!("; defined: {}", known.join(", ")) }
                ),
            );
            None
        }
    }
}

fn delivery_of(
    load: &mut FileLoad<'_>,
    node: &Node,
    trigger: Option<&hirewire_sdk::TriggerDescriptor>,
) -> Option<Delivery> {
    let delivery = match node.get("delivery") {
        None => Delivery::Auto,
        Some(n) => match expect_string(&mut load.sink, n, "delivery")? {
            "webhook" => Delivery::Webhook,
            "poll" => Delivery::Poll,
            "auto" => Delivery::Auto,
            other => {
                load.sink.error(
                    n.at,
                    format!(
                        "`delivery` must be webhook, poll or auto, not `{other}`{}",
                        did_you_mean(other, ["webhook", "poll", "auto"])
                    ),
                );
                return None;
            }
        },
    };
    let t = trigger?;
    let at = node.get("delivery").map_or(node.at, |n| n.at);
    let webhook = !t.delivery.webhook_actions.is_empty();
    match delivery {
        Delivery::Webhook if !webhook => {
            load.sink.error(at, format!("trigger `{}` has no webhook; use `delivery: poll` or `auto`", t.name));
            return None;
        }
        Delivery::Poll if !t.delivery.poll => {
            load.sink.error(at, format!("trigger `{}` cannot poll; use `delivery: webhook` or `auto`", t.name));
            return None;
        }
        _ => {}
    }
    Some(delivery)
}

fn since_of(load: &mut FileLoad<'_>, node: &Node) -> Option<DateTime<Utc>> {
    let s = expect_string(&mut load.sink, node, "since")?;
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Some(t) = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)) {
        return Some(t.and_utc());
    }
    load.sink.error(node.at, format!("`since` must be a date-time like 2026-11-01T00:00:00Z, not `{s}`"));
    None
}

fn environment_of(load: &mut FileLoad<'_>, node: &Node, conn: Option<&ConnectionConfig>) -> Option<String> {
    let env = expect_string(&mut load.sink, node, "environment")?;
    if env != "production" && env != "sandbox" {
        load.sink.error(
            node.at,
            format!(
                "`environment` must be production or sandbox, not `{env}`{}",
                did_you_mean(env, ["production", "sandbox"])
            ),
        );
        return None;
    }
    if let Some(conn) = conn {
        match &conn.environment {
            Some(actual) if actual != env => load.sink.error(
                node.at,
                format!("this recipe is pinned to environment `{env}`, but connection `{}` is `{actual}`", conn.name),
            ),
            None => load.sink.error(
                node.at,
                format!(
                    "this recipe is pinned to environment `{env}`, but connection `{}` does not say its `environment:`",
                    conn.name
                ),
            ),
            Some(_) => {}
        }
    }
    Some(env.to_owned())
}

/// `s` as one `{{ expr }}` (or a literal true/false), reporting otherwise.
pub(crate) fn one_expression(load: &mut FileLoad<'_>, node: &Node, s: &str, key: &str) -> Option<TemplateNode> {
    match TemplateNode::from_string(s) {
        t @ TemplateNode::Expression(_) => Some(t),
        _ => {
            load.sink.error(node.at, format!("`{key}` must be one expression written \"{{{{ expr }}}}\""));
            None
        }
    }
}
