//! A YAML document as a tree of nodes that remember their line and column.
//!
//! Recipes and `hirewire.yaml` are parsed once with serde-saphyr into this
//! tree (every key and value wrapped in [`serde_saphyr::Spanned`]); the typed
//! loaders then walk it, so that they can report *every* problem in a file
//! with its position instead of stopping at the first serde error.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::diagnostic::Position;

mod limits;
#[cfg(test)]
mod proptests;

pub use limits::{MAX_ALIASES, MAX_ANCHORS, MAX_DEPTH, MAX_EVENTS, MAX_FLOW_NESTING, MAX_NODES, MAX_SCALAR_BYTES};

/// One YAML node and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Its value.
    pub value: NodeValue,
    /// Where it starts (1-based line and column).
    pub at: Position,
    /// Byte offset of its first character in the file, when known.
    pub offset: Option<usize>,
}

/// The value of a YAML node.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Number(serde_json::Number),
    /// A string.
    String(String),
    /// A sequence.
    List(Vec<Node>),
    /// A mapping, in file order.
    Map(Vec<(Key, Node)>),
}

/// A mapping key and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The key as text.
    pub name: String,
    /// Where it starts.
    pub at: Position,
}

/// A YAML syntax error with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where the parser stopped.
    pub at: Position,
    /// What it found wrong.
    pub message: String,
}

impl Node {
    /// A short name of the node's kind, for messages (`string`, `list`...).
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match &self.value {
            NodeValue::Null => "null",
            NodeValue::Bool(_) => "boolean",
            NodeValue::Number(_) => "number",
            NodeValue::String(_) => "string",
            NodeValue::List(_) => "list",
            NodeValue::Map(_) => "mapping",
        }
    }

    /// The string value, when this is a string.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The entries, when this is a mapping.
    #[must_use]
    pub fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.value {
            NodeValue::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The value under `key`, when this is a mapping that has it.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?.iter().find(|(k, _)| k.name == key).map(|(_, v)| v)
    }

    /// The node as plain JSON (positions dropped).
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(*b),
            NodeValue::Number(n) => Value::Number(n.clone()),
            NodeValue::String(s) => Value::String(s.clone()),
            NodeValue::List(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeValue::Map(entries) => {
                Value::Object(entries.iter().map(|(k, v)| (k.name.clone(), v.to_json())).collect())
            }
        }
    }
}

/// Parses one YAML document. An empty document is a `Null` node at 1:1. A file over one of the size limits
/// (`MAX_NODES`...) is a [`SyntaxError`] that says which limit and how to fix the file.
pub fn parse_document(text: &str) -> Result<Node, SyntaxError> {
    // Deserialising recurses once per level of nesting, with large frames in a debug build (about 33 KiB: a
    // document nested `MAX_DEPTH` deep overflowed a 2 MiB test or tokio thread). Parse on a thread whose
    // stack fits any document the limits let through.
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("yaml-parse".to_owned())
            .stack_size(PARSER_STACK_BYTES)
            .spawn_scoped(scope, || parse_on_this_thread(text))
            .map_or_else(
                |_| parse_on_this_thread(text),
                |parser| parser.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            )
    })
}

/// The stack of the parsing thread: room for `MAX_DEPTH` levels many times over (it is reserved, not used).
const PARSER_STACK_BYTES: usize = 64 * 1024 * 1024;

fn parse_on_this_thread(text: &str) -> Result<Node, SyntaxError> {
    let options = serde_saphyr::options! { with_snippet: false, strict_booleans: true, budget: limits::budget() };
    match serde_saphyr::from_str_with_options::<Option<Spanned<NodeValue>>>(text, options) {
        Ok(Some(spanned)) => Ok(node_from(spanned)),
        Ok(None) => Ok(Node { value: NodeValue::Null, at: Position::new(1, 1), offset: Some(0) }),
        Err(err) => {
            let at = err.location().map_or(Position::new(1, 1), |l| position_of(&l));
            Err(SyntaxError { at, message: syntax_message(&err) })
        }
    }
}

/// A broken limit in our words; otherwise the first line of serde-saphyr's message, without its own position
/// suffix.
fn syntax_message(err: &serde_saphyr::Error) -> String {
    if let Some(message) = limits::limit_message(err) {
        return message;
    }
    let text = err.without_snippet().to_string();
    let first = text.lines().next().unwrap_or("invalid YAML").trim();
    without_position_suffix(first).trim_end_matches(':').to_owned()
}

/// `message` without a trailing ` at line L, column C` (serde-saphyr's; we print the position ourselves).
/// Positions inside the message, such as `(defined at line 2, column 4)`, stay.
fn without_position_suffix(message: &str) -> &str {
    let Some(i) = message.rfind(" at line ") else { return message };
    let suffix = &message[i + " at line ".len()..];
    let is_position = suffix.split_once(", column ").is_some_and(|(line, column)| {
        !line.is_empty()
            && !column.is_empty()
            && line.bytes().all(|b| b.is_ascii_digit())
            && column.bytes().all(|b| b.is_ascii_digit())
    });
    if is_position { &message[..i] } else { message }
}

fn position_of(location: &serde_saphyr::Location) -> Position {
    let line = u32::try_from(location.line()).unwrap_or(u32::MAX);
    let column = u32::try_from(location.column()).unwrap_or(u32::MAX);
    if line == 0 { Position::new(1, 1) } else { Position::new(line, column.max(1)) }
}

fn offset_of(location: &serde_saphyr::Location) -> Option<usize> {
    location.span().byte_offset().and_then(|o| usize::try_from(o).ok())
}

fn node_from(spanned: Spanned<NodeValue>) -> Node {
    Node { at: position_of(&spanned.referenced), offset: offset_of(&spanned.referenced), value: spanned.value }
}

impl<'de> Deserialize<'de> for NodeValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = NodeValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<NodeValue, E> {
        Ok(NodeValue::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<NodeValue, E> {
        Ok(NodeValue::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<NodeValue, E> {
        Ok(NodeValue::Number(v.into()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<NodeValue, E> {
        Ok(i64::try_from(v).map_or_else(|_| NodeValue::String(v.to_string()), |n| NodeValue::Number(n.into())))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<NodeValue, E> {
        Ok(u64::try_from(v).map_or_else(|_| NodeValue::String(v.to_string()), |n| NodeValue::Number(n.into())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<NodeValue, E> {
        Ok(serde_json::Number::from_f64(v).map_or(NodeValue::Null, NodeValue::Number))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<NodeValue, E> {
        Ok(NodeValue::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<NodeValue, E> {
        Ok(NodeValue::String(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<NodeValue, E> {
        Ok(NodeValue::String(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<NodeValue, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<NodeValue>>()? {
            items.push(node_from(item));
        }
        Ok(NodeValue::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeValue, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<NodeValue>>()? {
            let value = map.next_value::<Spanned<NodeValue>>()?;
            let name = match key.value {
                NodeValue::String(s) => s,
                NodeValue::Null => "null".to_owned(),
                NodeValue::Bool(b) => b.to_string(),
                NodeValue::Number(n) => n.to_string(),
                NodeValue::List(_) | NodeValue::Map(_) => {
                    return Err(de::Error::custom("mapping keys must be plain scalars"));
                }
            };
            entries.push((Key { name, at: position_of(&key.referenced) }, node_from(value)));
        }
        Ok(NodeValue::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_positions_of_keys_and_values() {
        let doc = parse_document("name: x\nsteps:\n  - id: a\n    with: { n: 5, ok: true }\n").unwrap();
        let (key, name) = &doc.as_map().unwrap()[0];
        assert_eq!((key.name.as_str(), key.at), ("name", Position::new(1, 1)));
        assert_eq!(name.at, Position::new(1, 7));
        let step = &doc.get("steps").unwrap();
        let NodeValue::List(items) = &step.value else { panic!("list") };
        assert_eq!(items[0].get("id").unwrap().at, Position::new(3, 9));
        let with = items[0].get("with").unwrap();
        assert_eq!(with.get("n").unwrap().value, NodeValue::Number(5.into()));
        assert_eq!(with.get("ok").unwrap().at, Position::new(4, 23));
        assert_eq!(with.get("ok").unwrap().value, NodeValue::Bool(true));
    }

    #[test]
    fn quoted_numbers_stay_strings_and_empty_is_null() {
        let doc = parse_document("a: \"5\"\nb: 2026-11-01T00:00:00Z\nn: no\n").unwrap();
        assert_eq!(doc.get("n").unwrap().as_str(), Some("no"));
        assert_eq!(doc.get("a").unwrap().as_str(), Some("5"));
        assert_eq!(doc.get("b").unwrap().as_str(), Some("2026-11-01T00:00:00Z"));
        assert_eq!(parse_document("").unwrap().value, NodeValue::Null);
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let err = parse_document("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.at.line >= 1, "{err:?}");
        let err = parse_document("a: 1\na: 2\n").unwrap_err();
        assert_eq!(err.at.line, 2, "{err:?}");
        assert!(err.message.contains("duplicate"), "{err:?}");
    }
}
