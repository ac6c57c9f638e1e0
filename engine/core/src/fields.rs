//! Walking a YAML mapping with known keys: unknown keys (with "did you mean"),
//! missing keys and wrong kinds become diagnostics, and loading goes on.

use crate::diagnostic::Sink;
use crate::suggest::did_you_mean;
use crate::yaml::{Key, Node, NodeValue};

/// A mapping being read, with the keys it may hold.
pub struct Fields<'a> {
    /// The mapping node.
    pub node: &'a Node,
    entries: &'a [(Key, Node)],
}

impl<'a> Fields<'a> {
    /// Reads `node` as a mapping of `what` (e.g. "recipe", "step `notify`"); reports when it is not one.
    pub fn open(sink: &mut Sink, node: &'a Node, what: &str, allowed: &[&str]) -> Option<Self> {
        let Some(entries) = node.as_map() else {
            sink.error(node.at, format!("{what} must be a mapping, found {}", node.kind()));
            return None;
        };
        for (key, _) in entries {
            if !allowed.contains(&key.name.as_str()) {
                sink.error(
                    key.at,
                    format!("unknown key `{}` in {what}{}", key.name, did_you_mean(&key.name, allowed.iter().copied())),
                );
            }
        }
        Some(Self { node, entries })
    }

    /// The entry for `key`.
    #[must_use]
    pub fn entry(&self, key: &str) -> Option<(&'a Key, &'a Node)> {
        self.entries.iter().find(|(k, _)| k.name == key).map(|(k, v)| (k, v))
    }

    /// The value under `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The value under `key`, reporting at the mapping when it is missing.
    pub fn required(&self, sink: &mut Sink, key: &str, what: &str) -> Option<&'a Node> {
        let found = self.get(key);
        if found.is_none() {
            sink.error(self.node.at, format!("{what} is missing required key `{key}`"));
        }
        found
    }

    /// A string under `key` (missing is `None`; a non-string is reported).
    pub fn string(&self, sink: &mut Sink, key: &str) -> Option<(&'a str, &'a Node)> {
        let node = self.get(key)?;
        expect_string(sink, node, key).map(|s| (s, node))
    }

    /// A boolean under `key` (missing is `None`; a non-boolean is reported).
    pub fn boolean(&self, sink: &mut Sink, key: &str) -> Option<bool> {
        let node = self.get(key)?;
        match node.value {
            NodeValue::Bool(b) => Some(b),
            _ => {
                sink.error(node.at, format!("`{key}` must be true or false, found {}", node.kind()));
                None
            }
        }
    }

    /// A positive integer under `key` (missing is `None`).
    pub fn positive_integer(&self, sink: &mut Sink, key: &str) -> Option<u32> {
        let node = self.get(key)?;
        let value = match &node.value {
            NodeValue::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()).filter(|n| *n > 0),
            _ => None,
        };
        if value.is_none() {
            sink.error(node.at, format!("`{key}` must be a whole number of at least 1"));
        }
        value
    }
}

/// The node's string, reporting when it is something else.
pub fn expect_string<'a>(sink: &mut Sink, node: &'a Node, key: &str) -> Option<&'a str> {
    match &node.value {
        NodeValue::String(s) => Some(s),
        _ => {
            sink.error(node.at, format!("`{key}` must be a string, found {}", node.kind()));
            None
        }
    }
}
