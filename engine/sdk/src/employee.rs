//! What the HR connectors (BambooHR, HiBob, Personio) share about employee records: the request
//! body built from a typed employee input, and the refusal of an update that changes nothing.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::connection::to_output;
use crate::error::ActionError;

/// What every HR connector's `upsert_employee` does, as `hirewire connectors` describes it.
pub const UPSERT_EMPLOYEE_DESCRIPTION: &str =
    "Finds the employee by work email, then updates it or creates it; never creates a second one.";

/// The JSON object an HR API takes for an employee: the typed `input`'s fields by their API names,
/// with the object under `spread` (custom fields given by API name) merged in without overriding a
/// typed field, and without the keys in `drop` (the id in the path, an immutable key...).
///
/// # Errors
/// When `input` does not serialize to an object.
pub fn employee_body<T: Serialize>(
    input: &T,
    spread: Option<&str>,
    drop: &[&str],
) -> Result<Map<String, Value>, ActionError> {
    let Value::Object(mut fields) = to_output(input)? else {
        return Err(ActionError::permanent("employee input did not serialize to an object"));
    };
    if let Some(Value::Object(custom)) = spread.and_then(|key| fields.remove(key)) {
        for (key, value) in custom {
            fields.entry(key).or_insert(value);
        }
    }
    for key in drop {
        fields.remove(*key);
    }
    Ok(fields)
}

/// Refuses an update that names no field to change (the error is on `id`, the one field given).
///
/// # Errors
/// Invalid input when `nothing_to_change`.
pub fn require_change(nothing_to_change: bool) -> Result<(), ActionError> {
    if nothing_to_change { Err(ActionError::invalid_input("no field to update").with_field("id")) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn custom_fields_are_spread_without_overriding_typed_ones_and_dropped_keys_go() {
        let input = json!({"id": "7", "firstName": "Ada", "customFields": {"firstName": "Eve", "shirtSize": "M"}});
        let body = employee_body(&input, Some("customFields"), &["id"]).unwrap();
        assert_eq!(Value::Object(body), json!({"firstName": "Ada", "shirtSize": "M"}));
        let kept = employee_body(&input, None, &[]).unwrap();
        assert_eq!(kept.get("customFields"), Some(&json!({"firstName": "Eve", "shirtSize": "M"})));
    }

    #[test]
    fn an_update_without_changes_is_refused_on_id() {
        let error = require_change(true).unwrap_err();
        assert_eq!((error.message.as_str(), error.field.as_deref()), ("no field to update", Some("id")));
        assert!(require_change(false).is_ok());
    }
}
