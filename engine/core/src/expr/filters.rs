//! The HR helper filters: `work_email`, `personal_email`, `full_name`, `date`, `default`.
//!
//! They accept the Greenhouse shapes recipes see: a candidate (or anything
//! with `email_addresses: [{value, type}]`), a user (`primary_email`,
//! `emails`), or a plain email list.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use minijinja::value::{Rest, Value};
use minijinja::{Error, ErrorKind};

/// The candidate's work email: the `work` address, else an `other` one, else
/// the first address; a user's `primary_email`. `none` when there is none.
pub fn work_email(value: &Value) -> Result<Value, Error> {
    pick_email(value, &["work", "other"], true)
}

/// The candidate's personal email: the `personal` address, else `none`.
pub fn personal_email(value: &Value) -> Result<Value, Error> {
    pick_email(value, &["personal"], false)
}

fn pick_email(value: &Value, preferred: &[&str], fall_back_to_first: bool) -> Result<Value, Error> {
    if value.is_none() {
        return Ok(Value::from(()));
    }
    if let Some(s) = value.as_str() {
        return Ok(Value::from(s));
    }
    if let Ok(primary) = value.get_attr("primary_email")
        && primary.as_str().is_some_and(|s| !s.is_empty())
        && preferred.contains(&"work")
    {
        return Ok(primary);
    }
    let list = match value.get_attr("email_addresses") {
        Ok(list) if !list.is_undefined() && !list.is_none() => list,
        _ => value.clone(),
    };
    if list.kind() != minijinja::value::ValueKind::Seq {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("expects a candidate or a list of email addresses, got {}", list.kind()),
        ));
    }
    let mut first = None;
    let mut by_type: Vec<(String, Value)> = Vec::new();
    for item in list.try_iter()? {
        let address =
            item.get_attr("value").ok().filter(|v| v.as_str().is_some()).or_else(|| item.as_str().map(Value::from));
        let Some(address) = address else { continue };
        let kind = item.get_attr("type").ok().and_then(|t| t.as_str().map(str::to_ascii_lowercase));
        if first.is_none() {
            first = Some(address.clone());
        }
        by_type.push((kind.unwrap_or_default(), address));
    }
    for wanted in preferred {
        if let Some((_, address)) = by_type.iter().find(|(kind, _)| kind == wanted) {
            return Ok(address.clone());
        }
    }
    Ok(if fall_back_to_first { first.unwrap_or_else(|| Value::from(())) } else { Value::from(()) })
}

/// `first_name last_name` of a candidate or user; `full_name(true)` prefers
/// `preferred_name` over `first_name`. Falls back to `name`.
pub fn full_name(value: &Value, prefer_preferred: Option<bool>) -> Result<Value, Error> {
    let text = |key: &str| {
        value.get_attr(key).ok().and_then(|v| v.as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned))
    };
    if let Some(s) = value.as_str() {
        return Ok(Value::from(s));
    }
    if value.kind() != minijinja::value::ValueKind::Map {
        return Err(Error::new(ErrorKind::InvalidOperation, format!("expects a person, got {}", value.kind())));
    }
    let first = if prefer_preferred.unwrap_or(false) {
        text("preferred_name").or_else(|| text("first_name"))
    } else {
        text("first_name")
    };
    let parts: Vec<String> = [first, text("last_name")].into_iter().flatten().collect();
    if parts.is_empty() {
        return Ok(text("name").map_or_else(|| Value::from(()), Value::from));
    }
    Ok(Value::from(parts.join(" ")))
}

/// Formats a date or date-time string (RFC 3339, `YYYY-MM-DD`, or a Unix
/// timestamp in seconds) with a strftime `format` (default `%Y-%m-%d`), in
/// the optional IANA time zone `tz` (default UTC).
pub fn date(value: &Value, format: Option<&str>, tz: Option<&str>) -> Result<Value, Error> {
    let format = format.unwrap_or("%Y-%m-%d");
    let items: Vec<chrono::format::Item<'_>> = chrono::format::StrftimeItems::new(format).collect();
    if items.iter().any(|i| matches!(i, chrono::format::Item::Error)) {
        return Err(Error::new(ErrorKind::InvalidOperation, format!("invalid date format {format:?}")));
    }
    let zone: chrono_tz::Tz = match tz {
        Some(name) => {
            name.parse().map_err(|_| Error::new(ErrorKind::InvalidOperation, format!("unknown time zone {name:?}")))?
        }
        None => chrono_tz::UTC,
    };
    let bad = || Error::new(ErrorKind::InvalidOperation, format!("expects a date or date-time, got {}", value.kind()));
    let instant: Option<DateTime<Utc>> = if let Some(s) = value.as_str() {
        let s = s.trim();
        if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
            Some(dt.with_timezone(&Utc))
        } else if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            // A plain date has no time zone: format it as it is.
            return Ok(Value::from(d.format_with_items(items.iter()).to_string()));
        } else if let Ok(ndt) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
            Some(Utc.from_utc_datetime(&ndt))
        } else {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                "is not a date or date-time (expected RFC 3339 or YYYY-MM-DD)",
            ));
        }
    } else if let Some(secs) = value.as_i64() {
        Utc.timestamp_opt(secs, 0).single()
    } else {
        return Err(bad());
    };
    let instant = instant.ok_or_else(bad)?;
    Ok(Value::from(instant.with_timezone(&zone).format_with_items(items.iter()).to_string()))
}

/// `value | default(fallback)`: `fallback` when the value is undefined or
/// none; `default(fallback, true)` also replaces empty and false values.
pub fn default(value: &Value, args: Rest<Value>) -> Result<Value, Error> {
    if args.len() > 2 {
        return Err(Error::from(ErrorKind::TooManyArguments));
    }
    let fallback = args.first().cloned().unwrap_or_else(|| Value::from(""));
    let lax = match args.get(1) {
        Some(flag) => flag.is_true(),
        None => false,
    };
    if value.is_undefined() || value.is_none() || (lax && !value.is_true()) { Ok(fallback) } else { Ok(value.clone()) }
}
