//! The expression language: one MiniJinja environment with strict undefined
//! values, a fuel and recursion limit, no template loader, and the HR helper
//! filters.
//!
//! Recipes are checked at load time ([`ExprEngine::analyze`]: syntax and the
//! names each expression refers to) and evaluated at run time
//! ([`ExprEngine::render_value`], [`ExprEngine::eval_condition`],
//! [`ExprEngine::eval_list`]) against a [`Scope`]. Each distinct string is
//! compiled once and kept (`compiled`), so runs never re-parse their recipe;
//! an undefined value is always an error, never an empty string.

mod compiled;
mod filters;
mod guarded;
mod limits;
mod names;
mod scope;
mod template;

use minijinja::{Environment, UndefinedBehavior};
use serde_json::Value;

pub use limits::{MAX_RANGE_ITEMS, MAX_VALUE_BYTES, MAX_VALUE_ITEMS};
pub use scope::Scope;
pub use template::{Template, TemplateNode, single_expression};

/// Default fuel per evaluation: roughly this many VM instructions.
pub const DEFAULT_FUEL: u64 = 100_000;
/// Default nesting limit for evaluation.
pub const DEFAULT_RECURSION_LIMIT: usize = 64;

/// An expression failed to evaluate, or is not of the kind expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}{}: {message}", field_suffix(.field))]
pub struct ExprError {
    /// Where the template is in the recipe (``step `employee`, `with` ``).
    pub origin: String,
    /// The field inside it, e.g. `hireDate` or `channels[1]`; empty for the whole value.
    pub field: String,
    /// What went wrong.
    pub message: String,
}

fn field_suffix(field: &str) -> String {
    if field.is_empty() { String::new() } else { format!(", field `{field}`") }
}

/// What [`ExprEngine::analyze`] found in one string of a recipe.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Analysis {
    /// The dotted paths of the names the string reads (`trigger.candidate.first_name`,
    /// `steps.employee.created`), sorted; names bound inside the template (loops, `set`) are left out.
    pub references: Vec<String>,
    /// The syntax error, if the string does not parse.
    pub syntax_error: Option<SyntaxProblem>,
    /// Filters and tests the engine does not have, each with a message and its byte offset in the string.
    pub unknown_names: Vec<(String, usize)>,
}

/// A syntax error inside one string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxProblem {
    /// The parser's message.
    pub message: String,
    /// Byte offset of the fault inside the string, when known.
    pub offset: Option<usize>,
}

/// The configured MiniJinja environment. Cheap to share (`Send + Sync`).
pub struct ExprEngine {
    compiled: compiled::CompiledCache,
}

impl std::fmt::Debug for ExprEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExprEngine").field("fuel", &self.env().fuel()).finish_non_exhaustive()
    }
}

impl Default for ExprEngine {
    fn default() -> Self {
        Self::new()
    }
}

/// Builds an environment with our settings and filters.
fn configured_env<'s>(fuel: u64, recursion_limit: usize) -> Environment<'s> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(fuel));
    env.set_recursion_limit(recursion_limit);
    env.set_debug(true);
    env.add_filter("work_email", filters::work_email);
    env.add_filter("personal_email", filters::personal_email);
    env.add_filter("full_name", filters::full_name);
    env.add_filter("date", filters::date);
    env.add_filter("default", filters::default);
    env.add_filter("d", filters::default);
    // The built-ins that would materialise a huge (lazy) value measure it first.
    env.add_filter("tojson", guarded::tojson);
    env.add_filter("pprint", guarded::pprint);
    env.add_filter("string", guarded::string);
    env.add_function("range", guarded::range);
    env.set_formatter(guarded::format_output);
    env
}

impl ExprEngine {
    /// An engine with the default fuel and recursion limits.
    #[must_use]
    pub fn new() -> Self {
        Self::with_limits(DEFAULT_FUEL, DEFAULT_RECURSION_LIMIT)
    }

    /// An engine with the given limits.
    #[must_use]
    pub fn with_limits(fuel: u64, recursion_limit: usize) -> Self {
        Self { compiled: compiled::CompiledCache::new(configured_env(fuel, recursion_limit)) }
    }

    /// The environment (shared with the compiled-expression cache).
    fn env(&self) -> &'static Environment<'static> {
        self.compiled.env()
    }

    /// Checks one string of a recipe: its syntax and the names it reads.
    /// Strings without template tags have no references.
    #[must_use]
    pub fn analyze(&self, s: &str) -> Analysis {
        match TemplateNode::from_string(s) {
            TemplateNode::Expression(expr) => {
                let start = s.find(expr.as_str()).unwrap_or(0);
                match self.env().compile_expression_owned(expr.clone()) {
                    Ok(compiled) => Analysis {
                        references: sorted(compiled.undeclared_variables(true)),
                        syntax_error: None,
                        unknown_names: names::unknown_names(self.env(), &expr, true)
                            .into_iter()
                            .map(|(m, o)| (m, start + o))
                            .collect(),
                    },
                    Err(e) => Analysis {
                        references: Vec::new(),
                        unknown_names: Vec::new(),
                        syntax_error: Some(SyntaxProblem {
                            message: describe(&e),
                            offset: e.range().map(|r| start + r.start.min(expr.len())),
                        }),
                    },
                }
            }
            TemplateNode::Text(text) => {
                let env = configured_env(DEFAULT_FUEL, DEFAULT_RECURSION_LIMIT);
                match env.template_from_str(&text) {
                    Ok(t) => Analysis {
                        references: sorted(t.undeclared_variables(true)),
                        syntax_error: None,
                        unknown_names: names::unknown_names(self.env(), &text, false),
                    },
                    Err(e) => Analysis {
                        references: Vec::new(),
                        unknown_names: Vec::new(),
                        syntax_error: Some(SyntaxProblem {
                            message: describe(&e),
                            offset: e.range().map(|r| r.start.min(text.len())),
                        }),
                    },
                }
            }
            _ => Analysis::default(),
        }
    }

    /// Renders a template tree (a `with:` block, a `key:`...) to JSON.
    pub fn render_value(&self, template: &Template, scope: &Scope) -> Result<Value, ExprError> {
        let ctx = scope.context();
        let mut path = String::new();
        self.render_node(&template.node, &ctx, &mut path).map_err(|(field, message)| ExprError {
            origin: template.origin.clone(),
            field,
            message,
        })
    }

    /// Evaluates an `if:` / `when:` condition. Undefined values are errors.
    pub fn eval_condition(&self, template: &Template, scope: &Scope) -> Result<bool, ExprError> {
        let err = |message: String| ExprError { origin: template.origin.clone(), field: String::new(), message };
        match &template.node {
            TemplateNode::Literal(Value::Bool(b)) => Ok(*b),
            TemplateNode::Expression(expr) => {
                let value = self.eval_expression(expr, &scope.context()).map_err(err)?;
                if value.is_undefined() {
                    return Err(err(format!("`{expr}` is undefined")));
                }
                Ok(value.is_true())
            }
            _ => Err(err("must be one expression written \"{{ expr }}\" or true/false".into())),
        }
    }

    /// Evaluates a `for_each:` list.
    pub fn eval_list(&self, template: &Template, scope: &Scope) -> Result<Vec<Value>, ExprError> {
        let value = self.render_value(template, scope)?;
        match value {
            Value::Array(items) => Ok(items),
            Value::Null => Ok(Vec::new()),
            other => Err(ExprError {
                origin: template.origin.clone(),
                field: String::new(),
                message: format!("must evaluate to a list, got {}", json_kind(&other)),
            }),
        }
    }

    fn render_node(
        &self,
        node: &TemplateNode,
        ctx: &minijinja::Value,
        path: &mut String,
    ) -> Result<Value, (String, String)> {
        match node {
            TemplateNode::Literal(v) => Ok(v.clone()),
            TemplateNode::Expression(expr) => {
                let value = self.eval_expression(expr, ctx).map_err(|m| (path.clone(), m))?;
                to_json(&value).map_err(|m| (path.clone(), format!("`{expr}` {m}")))
            }
            TemplateNode::Text(text) => {
                let rendered = match self.compiled.template(text) {
                    Ok(Some(template)) => template.render(ctx),
                    Ok(None) => self.env().render_str(text, ctx),
                    Err(e) => Err(e),
                };
                rendered.map(Value::String).map_err(|e| (path.clone(), describe_evaluation(&e, self.env().fuel())))
            }
            TemplateNode::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    out.push(self.render_node(item, ctx, path)?);
                    path.truncate(len);
                }
                Ok(Value::Array(out))
            }
            TemplateNode::Object(entries) => {
                let mut out = serde_json::Map::new();
                for (key, item) in entries {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                    out.insert(key.clone(), self.render_node(item, ctx, path)?);
                    path.truncate(len);
                }
                Ok(Value::Object(out))
            }
        }
    }

    fn eval_expression(&self, expr: &str, ctx: &minijinja::Value) -> Result<minijinja::Value, String> {
        match self.compiled.expression(expr).map_err(|e| describe(&e))? {
            Some(expression) => expression.eval(ctx),
            None => self.env().compile_expression(expr).and_then(|e| e.eval(ctx)),
        }
        .map_err(|e| describe_evaluation(&e, self.env().fuel()))
    }
}

fn sorted(set: std::collections::HashSet<String>) -> Vec<String> {
    let mut v: Vec<String> = set.into_iter().collect();
    v.sort();
    v
}

/// A one-line description of a MiniJinja error, without template names.
fn describe(e: &minijinja::Error) -> String {
    match e.detail() {
        Some(detail) => format!("{}: {detail}", e.kind()),
        None => e.kind().to_string(),
    }
}

/// [`describe`] for an evaluation error: running out of fuel says what the limit is.
fn describe_evaluation(e: &minijinja::Error, fuel: Option<u64>) -> String {
    match (e.kind(), fuel) {
        (minijinja::ErrorKind::OutOfFuel, Some(fuel)) => format!(
            "{}: the expression needs more work than the limit of {fuel} fuel per evaluation (one fuel pays for \
             one operation or 64 bytes of data built); work on a smaller part of the data",
            e.kind()
        ),
        _ => describe(e),
    }
}

/// Converts an evaluated value to JSON; undefined anywhere inside is an error, and so is a value over the
/// size limits (measured before it is converted).
fn to_json(value: &minijinja::Value) -> Result<Value, String> {
    let measured = limits::measure(value).map_err(|e| {
        let detail = e.detail().unwrap_or_default();
        format!("is too large: {}", detail.strip_prefix("value too large: ").unwrap_or(detail))
    })?;
    if measured.contains_undefined {
        return Err("is undefined".into());
    }
    serde_json::to_value(value).map_err(|e| format!("cannot be converted to JSON: {e}"))
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod limit_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
