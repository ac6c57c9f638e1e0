//! Shapes: the documented input and output types of triggers and actions.
//!
//! A connector declares typed, `///`-documented structs deriving
//! `schemars::JsonSchema`; [`Shape::of`] turns their JSON Schema into this
//! small tree, which the validator walks (does `steps.employee.created`
//! exist?) and `hirewire connectors` prints. The docs and the schema come from
//! the same comments.

use schemars::{JsonSchema, generate::SchemaSettings};
use serde::Serialize;
use serde_json::{Map, Value};

/// The shape of a value: what a trigger emits, what an action takes or returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Shape {
    /// Anything (free-form JSON).
    Any,
    /// `true` or `false`.
    Boolean,
    /// A whole number.
    Integer,
    /// Any number.
    Number,
    /// Text; `format` is e.g. `date`, `date-time` or `email`; `choices` lists allowed values.
    String {
        /// A JSON Schema format such as `date` or `date-time`.
        #[serde(skip_serializing_if = "Option::is_none")]
        format: Option<String>,
        /// The allowed values, when the field is an enumeration.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        choices: Vec<String>,
    },
    /// A list of items of one shape.
    List {
        /// The shape of each item.
        items: Box<Shape>,
    },
    /// An object with documented fields.
    Object {
        /// Its documented fields, in declaration order.
        fields: Vec<Field>,
        /// Whether keys other than `fields` are allowed (a map, or an open object).
        open: bool,
    },
    /// One of several shapes (an untagged union).
    OneOf {
        /// The alternatives.
        variants: Vec<Shape>,
    },
}

/// One documented field of an object shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    /// The key.
    pub name: String,
    /// What it holds.
    pub shape: Shape,
    /// Whether an input must give it (inputs) or is always present (outputs).
    pub required: bool,
    /// Whether it may be `null`.
    pub nullable: bool,
    /// The field's `///` documentation.
    pub description: String,
}

impl Shape {
    /// The shape of a Rust type, from its `JsonSchema` derive.
    #[must_use]
    pub fn of<T: JsonSchema>() -> Self {
        let settings = SchemaSettings::draft07().with(|s| {
            s.inline_subschemas = true;
        });
        let schema = settings.into_generator().into_root_schema_for::<T>();
        let value = schema.to_value();
        let defs = value.get("definitions").or_else(|| value.get("$defs")).cloned().unwrap_or(Value::Null);
        Self::from_json_schema(&value, &defs, 0).0
    }

    /// An open object with no documented fields.
    #[must_use]
    pub fn any_object() -> Self {
        Self::Object { fields: Vec::new(), open: true }
    }

    /// Builds a shape from a JSON Schema value; returns the shape and whether `null` is allowed.
    fn from_json_schema(schema: &Value, defs: &Value, depth: usize) -> (Self, bool) {
        if depth > 32 {
            return (Self::Any, false);
        }
        let Some(obj) = schema.as_object() else {
            return (Self::Any, false);
        };
        if let Some(Value::String(r)) = obj.get("$ref") {
            let name = r.rsplit('/').next().unwrap_or_default();
            return match defs.get(name) {
                Some(def) => Self::from_json_schema(def, defs, depth + 1),
                None => (Self::Any, false),
            };
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(alts)) = obj.get(key) {
                return Self::union(alts, defs, depth);
            }
        }
        if let Some(Value::Array(all)) = obj.get("allOf")
            && all.len() == 1
        {
            return Self::from_json_schema(&all[0], defs, depth + 1);
        }
        if let Some(Value::Array(values)) = obj.get("enum") {
            let nullable = values.iter().any(Value::is_null);
            let choices = values.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
            return (Self::String { format: None, choices }, nullable);
        }
        if let Some(Value::String(c)) = obj.get("const") {
            return (Self::String { format: None, choices: vec![c.clone()] }, false);
        }
        let (types, nullable) = match obj.get("type") {
            Some(Value::String(t)) => (vec![t.as_str()], false),
            Some(Value::Array(ts)) => {
                let names: Vec<&str> = ts.iter().filter_map(Value::as_str).collect();
                let nullable = names.contains(&"null");
                (names.into_iter().filter(|t| *t != "null").collect(), nullable)
            }
            _ => (Vec::new(), false),
        };
        let shape = match types.as_slice() {
            ["boolean"] => Self::Boolean,
            ["integer"] => Self::Integer,
            ["number"] => Self::Number,
            ["string"] => Self::String {
                format: obj.get("format").and_then(Value::as_str).map(str::to_owned),
                choices: Vec::new(),
            },
            ["array"] => {
                let items = obj.get("items").map_or(Self::Any, |i| Self::from_json_schema(i, defs, depth + 1).0);
                Self::List { items: Box::new(items) }
            }
            ["object"] => Self::object(obj, defs, depth),
            [] if obj.contains_key("properties") => Self::object(obj, defs, depth),
            _ => Self::Any,
        };
        (shape, nullable)
    }

    fn union(alts: &[Value], defs: &Value, depth: usize) -> (Self, bool) {
        let mut nullable = false;
        let mut variants = Vec::new();
        for alt in alts {
            if alt.get("type").and_then(Value::as_str) == Some("null") {
                nullable = true;
                continue;
            }
            let (shape, n) = Self::from_json_schema(alt, defs, depth + 1);
            nullable |= n;
            variants.push(shape);
        }
        // An enum of unit variants arrives as several string consts: merge them.
        if !variants.is_empty()
            && variants.iter().all(|v| matches!(v, Self::String { format: None, choices } if !choices.is_empty()))
        {
            let choices = variants
                .into_iter()
                .flat_map(|v| match v {
                    Self::String { choices, .. } => choices,
                    _ => Vec::new(),
                })
                .collect();
            return (Self::String { format: None, choices }, nullable);
        }
        match variants.len() {
            0 => (Self::Any, nullable),
            1 => (variants.remove(0), nullable),
            _ => (Self::OneOf { variants }, nullable),
        }
    }

    fn object(obj: &Map<String, Value>, defs: &Value, depth: usize) -> Self {
        let required: Vec<&str> = obj
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut fields = Vec::new();
        if let Some(Value::Object(props)) = obj.get("properties") {
            for (name, prop) in props {
                let (shape, nullable) = Self::from_json_schema(prop, defs, depth + 1);
                let description = prop.get("description").and_then(Value::as_str).unwrap_or_default().to_owned();
                fields.push(Field {
                    name: name.clone(),
                    shape,
                    required: required.contains(&name.as_str()),
                    nullable,
                    description,
                });
            }
        }
        let open = match obj.get("additionalProperties") {
            Some(Value::Bool(false)) => false,
            None => fields.is_empty(),
            Some(_) => true,
        };
        Self::Object { fields, open }
    }

    /// The field called `name`, when this is an object that documents it.
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&Field> {
        match self {
            Self::Object { fields, .. } => fields.iter().find(|f| f.name == name),
            _ => None,
        }
    }

    /// Follows a path of keys (`["candidate", "first_name"]`), stepping into
    /// list items transparently for numeric segments. `Ok(None)` means the
    /// path leads into free-form data that cannot be checked; `Err(i)` means
    /// segment `i` is not documented.
    pub fn lookup<'a>(&'a self, path: &[&str]) -> Result<Option<&'a Shape>, usize> {
        let mut current = self;
        for (i, segment) in path.iter().enumerate() {
            match current {
                Self::Any => return Ok(None),
                Self::OneOf { .. } => return Ok(None),
                Self::List { items } if segment.parse::<usize>().is_ok() => current = items,
                Self::Object { fields, open } => match fields.iter().find(|f| f.name == *segment) {
                    Some(f) => current = &f.shape,
                    None if *open => return Ok(None),
                    None => return Err(i),
                },
                _ => return Err(i),
            }
        }
        Ok(Some(current))
    }

    /// A short human name of the shape: `string`, `list of object`, `date`...
    #[must_use]
    pub fn type_name(&self) -> String {
        match self {
            Self::Any => "any".into(),
            Self::Boolean => "boolean".into(),
            Self::Integer => "integer".into(),
            Self::Number => "number".into(),
            Self::String { format: Some(f), .. } => f.clone(),
            Self::String { choices, .. } if !choices.is_empty() => format!("one of {}", choices.join(", ")),
            Self::String { .. } => "string".into(),
            Self::List { items } => format!("list of {}", items.type_name()),
            Self::Object { .. } => "object".into(),
            Self::OneOf { variants } => variants.iter().map(Self::type_name).collect::<Vec<_>>().join(" | "),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A documented test type.
    #[derive(JsonSchema)]
    #[schemars(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Employee {
        /// Work email.
        work_email: String,
        /// Maybe a date.
        hire_date: Option<chrono::NaiveDate>,
        /// Tags.
        tags: Vec<Tag>,
        /// Status.
        status: Status,
        /// Free-form fields.
        extra: serde_json::Map<String, Value>,
    }
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Tag {
        /// Tag name.
        name: String,
    }
    #[derive(JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    enum Status {
        Active,
        Inactive,
    }

    #[test]
    fn derives_fields_docs_and_optionality() {
        let shape = Shape::of::<Employee>();
        let email = shape.field("work_email").unwrap();
        assert!(email.required && !email.nullable);
        assert_eq!(email.description, "Work email.");
        let hire = shape.field("hire_date").unwrap();
        assert!(hire.nullable);
        assert_eq!(hire.shape.type_name(), "date");
        assert_eq!(shape.field("status").unwrap().shape.type_name(), "one of active, inactive");
        assert!(matches!(shape, Shape::Object { open: false, .. }));
    }

    #[test]
    fn lookup_follows_paths_and_reports_the_bad_segment() {
        let shape = Shape::of::<Employee>();
        assert!(matches!(shape.lookup(&["tags", "0", "name"]), Ok(Some(Shape::String { .. }))));
        assert_eq!(shape.lookup(&["nope"]), Err(0));
        assert_eq!(shape.lookup(&["tags", "0", "nope"]), Err(2));
        assert_eq!(shape.lookup(&["extra", "anything"]), Ok(None));
    }
}
