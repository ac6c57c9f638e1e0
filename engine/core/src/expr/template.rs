//! Templates: the values of `with:`, `if:`, `when:`, `key:` and `for_each:`
//! as written in a recipe, classified once at load time.
//!
//! A string that is exactly one `{{ expr }}` is an [`TemplateNode::Expression`]
//! and keeps the value's type; any other string with `{{`/`{%` is
//! [`TemplateNode::Text`] and renders to text; everything else is a literal.

use serde_json::Value;

/// One node of a template tree.
#[derive(Debug, Clone, PartialEq)]
pub enum TemplateNode {
    /// A value used as written.
    Literal(Value),
    /// `{{ expr }}`: evaluates `expr` (the source between the braces) to a typed value.
    Expression(String),
    /// A string with template tags that renders to text.
    Text(String),
    /// A list of templates.
    List(Vec<TemplateNode>),
    /// A mapping of templates, in file order.
    Object(Vec<(String, TemplateNode)>),
}

impl TemplateNode {
    /// Classifies a string from a recipe.
    #[must_use]
    pub fn from_string(s: &str) -> Self {
        if let Some(expr) = single_expression(s) {
            return Self::Expression(expr.to_owned());
        }
        if s.contains("{{") || s.contains("{%") || s.contains("{#") {
            return Self::Text(s.to_owned());
        }
        Self::Literal(Value::String(s.to_owned()))
    }

    /// Builds a template tree from JSON, classifying every string.
    #[must_use]
    pub fn from_json(value: &Value) -> Self {
        match value {
            Value::String(s) => Self::from_string(s),
            Value::Array(items) => Self::List(items.iter().map(Self::from_json).collect()),
            Value::Object(map) => Self::Object(map.iter().map(|(k, v)| (k.clone(), Self::from_json(v))).collect()),
            other => Self::Literal(other.clone()),
        }
    }

    /// Whether nothing in the tree needs evaluating.
    #[must_use]
    pub fn is_literal(&self) -> bool {
        match self {
            Self::Literal(_) => true,
            Self::Expression(_) | Self::Text(_) => false,
            Self::List(items) => items.iter().all(Self::is_literal),
            Self::Object(entries) => entries.iter().all(|(_, v)| v.is_literal()),
        }
    }
}

/// The expression inside `s` when `s` is exactly one `{{ expr }}` (surrounding blanks allowed).
#[must_use]
pub fn single_expression(s: &str) -> Option<&str> {
    let inner = s.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    if inner.contains("{{") || inner.contains("}}") || inner.contains("{%") || inner.contains("{#") {
        return None;
    }
    let inner = inner.strip_prefix('-').unwrap_or(inner);
    let inner = inner.strip_suffix('-').unwrap_or(inner);
    let inner = inner.trim();
    (!inner.is_empty()).then_some(inner)
}

/// A template with the place it came from, used in error messages
/// (`step \`employee\` with`, `trigger when`...).
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// Where it is in the recipe, e.g. ``step `employee`, `with` ``.
    pub origin: String,
    /// The tree.
    pub node: TemplateNode,
}

impl Template {
    /// A template from `node`, described by `origin`.
    pub fn new(origin: impl Into<String>, node: TemplateNode) -> Self {
        Self { origin: origin.into(), node }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_strings() {
        assert_eq!(TemplateNode::from_string("{{ trigger.id }}"), TemplateNode::Expression("trigger.id".into()));
        assert_eq!(TemplateNode::from_string(" {{- a -}} "), TemplateNode::Expression("a".into()));
        assert_eq!(TemplateNode::from_string("{{ a }} and {{ b }}"), TemplateNode::Text("{{ a }} and {{ b }}".into()));
        assert_eq!(TemplateNode::from_string("Hi {{ a }}"), TemplateNode::Text("Hi {{ a }}".into()));
        assert_eq!(TemplateNode::from_string("#people"), TemplateNode::Literal(Value::String("#people".into())));
        assert_eq!(TemplateNode::from_string("{{}}"), TemplateNode::Text("{{}}".into()));
    }
}
