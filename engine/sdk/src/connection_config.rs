//! Parsing a connection's settings (`connections.<name>` in `hirewire.yaml`)
//! into a connector's typed config, with errors that name the field and never
//! echo a value (values may be secrets).

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ConfigError;

/// Deserializes `config` into `T`, naming the field at fault.
///
/// # Errors
/// A [`ConfigError`] whose message has every quoted value redacted.
pub fn parse_connection_config<T: DeserializeOwned>(config: Value) -> Result<T, ConfigError> {
    serde_path_to_error::deserialize(config).map_err(|e| {
        let message = redact_quoted_values(&e.inner().to_string());
        let path = e.path().to_string();
        let field = if path == "." { backticked_name(&message).unwrap_or_else(|| "config".to_owned()) } else { path };
        ConfigError::new(field, message)
    })
}

/// Replaces every value quoted in a serde message (`"…"`, and `` `…` `` in
/// "invalid type/value" messages) with `…`; keeps field and variant names.
#[must_use]
pub fn redact_quoted_values(message: &str) -> String {
    let names_only =
        ["missing field", "unknown field", "unknown variant", "duplicate field"].iter().any(|p| message.starts_with(p));
    let mut out = String::with_capacity(message.len());
    let mut open: Option<char> = None;
    for c in message.chars() {
        let quote = c == '"' || (c == '`' && !names_only);
        match open {
            Some(q) if c == q => {
                out.push('…');
                out.push(c);
                open = None;
            }
            Some(_) => {}
            None if quote => {
                out.push(c);
                open = Some(c);
            }
            None => out.push(c),
        }
    }
    out
}

/// The first `` `name` `` in a serde message (`missing field `api_key``).
fn backticked_name(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_owned())
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Settings {
        api_key: String,
        port: u16,
    }

    #[test]
    fn names_the_missing_field() {
        let e = parse_connection_config::<Settings>(serde_json::json!({"port": 1})).unwrap_err();
        assert_eq!(e.field, "api_key");
        assert_eq!(e.message, "missing field `api_key`");
    }

    #[test]
    fn never_echoes_a_value() {
        let e = parse_connection_config::<Settings>(serde_json::json!({"api_key": "k", "port": "s3cr3t"})).unwrap_err();
        assert_eq!(e.field, "port");
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
        assert!(e.message.starts_with("invalid type: string \"…\""), "{}", e.message);
        let e = parse_connection_config::<Settings>(serde_json::json!({"api_key": 424_242, "port": 1})).unwrap_err();
        assert_eq!(e.message, "invalid type: integer `…`, expected a string");
    }
}
