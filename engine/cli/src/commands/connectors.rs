//! `hirewire connectors [NAME]`: each connector's settings, triggers and
//! actions with their fields, printed from the same descriptors and shapes
//! that `hirewire validate` checks recipes against.

use std::fmt::Write as _;
use std::process::ExitCode;

use hirewire_core::suggest::did_you_mean;
use hirewire_sdk::{ActionDescriptor, ConnectorDescriptor, Shape, TriggerDescriptor};

/// Arguments of `hirewire connectors`.
#[derive(Debug, clap::Args)]
pub struct ConnectorsArgs {
    /// Show only this connector (e.g. `greenhouse`).
    pub name: Option<String>,
}

/// Runs `hirewire connectors`.
pub fn run(args: &ConnectorsArgs) -> anyhow::Result<ExitCode> {
    let registry = hirewire_connectors::all();
    let selected: Vec<&ConnectorDescriptor> = match &args.name {
        Some(name) => match registry.iter().find(|c| c.name == name.as_str()) {
            Some(c) => vec![c],
            None => {
                eprintln!(
                    "error: unknown connector `{name}`{}; known: {}",
                    did_you_mean(name, registry.iter().map(|c| c.name)),
                    registry.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
                );
                return Ok(ExitCode::from(2));
            }
        },
        None => registry.iter().collect(),
    };
    let mut text = String::new();
    for connector in selected {
        describe_connector(&mut text, connector, args.name.is_some())?;
    }
    // A closed pipe (`| head`) is not an error.
    match std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// Writes one connector's documentation; `full` adds outputs and examples.
pub fn describe_connector(out: &mut String, c: &ConnectorDescriptor, full: bool) -> std::fmt::Result {
    writeln!(out, "{}: {}", c.name, c.description)?;
    writeln!(out, "  settings (hirewire.yaml, under `connections:` with `connector: {}`):", c.name)?;
    write_fields(out, &c.config, 4, 1)?;
    writeln!(out, "  triggers:")?;
    if c.triggers.is_empty() {
        writeln!(out, "    (none)")?;
    }
    for t in &c.triggers {
        describe_trigger(out, c.name, t, full)?;
    }
    writeln!(out, "  actions:")?;
    if c.actions.is_empty() {
        writeln!(out, "    (none)")?;
    }
    for a in &c.actions {
        describe_action(out, c.name, a, full)?;
    }
    writeln!(out)
}

fn availability(available: bool) -> &'static str {
    if available { "" } else { "  [not yet available]" }
}

fn describe_trigger(out: &mut String, connector: &str, t: &TriggerDescriptor, full: bool) -> std::fmt::Result {
    let mut delivery = Vec::new();
    if !t.delivery.webhook_actions.is_empty() {
        delivery.push(format!("webhook ({})", t.delivery.webhook_actions.join(", ")));
    }
    if t.delivery.poll {
        delivery.push("poll".to_owned());
    }
    writeln!(out, "    {connector}.{}{}", t.name, availability(t.available))?;
    writeln!(out, "      {}", t.description)?;
    writeln!(out, "      delivery: {}", if delivery.is_empty() { "none".into() } else { delivery.join(", ") })?;
    if matches!(&t.params, Shape::Object { fields, .. } if !fields.is_empty()) {
        writeln!(out, "      parameters:")?;
        write_fields(out, &t.params, 8, 1)?;
    }
    writeln!(out, "      output (`trigger`):")?;
    write_fields(out, &t.output, 8, if full { 3 } else { 1 })?;
    if full && !t.example.is_null() {
        writeln!(out, "      example output: {}", t.example)?;
    }
    Ok(())
}

fn describe_action(out: &mut String, connector: &str, a: &ActionDescriptor, full: bool) -> std::fmt::Result {
    writeln!(out, "    {connector}.{}{}", a.name, availability(a.available))?;
    writeln!(out, "      {}", a.description)?;
    writeln!(out, "      input (`with:`):")?;
    write_fields(out, &a.input, 8, 2)?;
    writeln!(out, "      output (`steps.<id>`):")?;
    write_fields(out, &a.output, 8, if full { 3 } else { 1 })?;
    if full && !a.example_input.is_null() {
        writeln!(out, "      example with: {}", a.example_input)?;
    }
    if full && !a.example_output.is_null() {
        writeln!(out, "      example output: {}", a.example_output)?;
    }
    Ok(())
}

/// Writes an object's fields as `name  type  required|optional  description`, nesting `depth` levels.
fn write_fields(out: &mut String, shape: &Shape, indent: usize, depth: usize) -> std::fmt::Result {
    let pad = " ".repeat(indent);
    let fields = match shape {
        Shape::Object { fields, .. } => fields,
        Shape::List { items } => return write_fields(out, items, indent, depth),
        other => return writeln!(out, "{pad}{}", other.type_name()),
    };
    if fields.is_empty() {
        return writeln!(out, "{pad}(free-form)");
    }
    let width = fields.iter().map(|f| f.name.len()).max().unwrap_or(0);
    for f in fields {
        let mut kind = f.shape.type_name();
        if f.nullable {
            kind.push_str(" or null");
        }
        let need = if f.required { "required" } else { "optional" };
        let description = f.description.lines().next().unwrap_or_default();
        writeln!(
            out,
            "{pad}{:<width$}  {kind}, {need}{}{description}",
            f.name,
            if description.is_empty() { "" } else { ": " }
        )?;
        let nested = match &f.shape {
            Shape::List { items } => items.as_ref(),
            other => other,
        };
        if depth > 1 && matches!(nested, Shape::Object { fields, .. } if !fields.is_empty()) {
            write_fields(out, nested, indent + 2, depth - 1)?;
        }
    }
    Ok(())
}
