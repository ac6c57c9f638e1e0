//! Removing personal data from JSON: every string value becomes `[redacted]`; keys, numbers (ids), booleans
//! and the structure stay, so a forgotten run still reads as what happened, without who it happened to.

use serde_json::Value;

/// What replaces each removed string.
pub const REDACTED: &str = "[redacted]";

/// Replaces every string in `value` (at any depth, object keys excepted) with [`REDACTED`]; returns how many
/// strings changed (strings already redacted do not count).
pub fn redact_strings(value: &mut Value) -> u64 {
    match value {
        Value::String(s) if s != REDACTED => {
            REDACTED.clone_into(s);
            1
        }
        Value::Array(items) => items.iter_mut().map(redact_strings).sum(),
        Value::Object(fields) => fields.values_mut().map(redact_strings).sum(),
        _ => 0,
    }
}

/// Redacts free text (an error message); returns whether it changed.
pub(crate) fn redact_text(text: &mut Option<String>) -> bool {
    match text {
        Some(s) if s != REDACTED => {
            REDACTED.clone_into(s);
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn redacts_every_string_and_keeps_ids_and_shape() {
        let mut payload = json!({
            "candidate": {"id": 42, "first_name": "Ada", "emails": [{"value": "ada@example.com", "type": "personal"}]},
            "hired": true,
        });
        assert_eq!(redact_strings(&mut payload), 3);
        assert_eq!(
            payload,
            json!({
                "candidate": {"id": 42, "first_name": REDACTED, "emails": [{"value": REDACTED, "type": REDACTED}]},
                "hired": true,
            })
        );
        assert_eq!(redact_strings(&mut payload), 0, "redacting twice changes nothing");
    }
}
