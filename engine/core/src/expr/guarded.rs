//! The built-ins that serialise or build a whole value, wrapped so that they measure it first
//! (`limits.rs`): `tojson`, `pprint`, `string`, `range()` and the printing of values in text templates.

use minijinja::value::{Kwargs, Value};
use minijinja::{Error, ErrorKind, Output, State};

use super::limits::{MAX_RANGE_ITEMS, check_size};

/// Fuel for one byte of serialised text, on top of what the engine charges for the returned string.
/// Serialising walks the whole value, so it costs more than copying the bytes (as MiniJinja's own
/// `tojson` charges it): one fuel pays for four bytes.
const SERIALIZED_BYTES_PER_FUEL: usize = 4;

/// `tojson`, refusing a value over the size limits before serialising it.
pub(crate) fn tojson(state: &State, value: &Value, indent: Option<Value>, args: Kwargs) -> Result<Value, Error> {
    check_size(value)?;
    let json = minijinja::filters::tojson(value, indent, args)?;
    charge_serialized(state, &json)?;
    Ok(json)
}

/// `pprint`, refusing a value over the size limits before formatting it.
pub(crate) fn pprint(state: &State, value: &Value) -> Result<Value, Error> {
    check_size(value)?;
    let text = Value::from(minijinja::filters::pprint(value));
    charge_serialized(state, &text)?;
    Ok(text)
}

/// `string`, refusing a list or mapping over the size limits before formatting it.
pub(crate) fn string(state: &State, value: &Value) -> Result<Value, Error> {
    if value.as_object().is_some() {
        check_size(value)?;
    }
    let text = minijinja::filters::string(state, value)?;
    if value.as_object().is_some() {
        charge_serialized(state, &text)?;
    }
    Ok(text)
}

/// `range(...)`, saying what its limit is when a range is too long.
pub(crate) fn range(lower: isize, upper: Option<isize>, step_arg: Option<isize>) -> Result<Value, Error> {
    let (start, end) = match upper {
        Some(upper) => (lower as i128, upper as i128),
        None => (0, lower as i128),
    };
    let step = step_arg.unwrap_or(1) as i128;
    let span = if step < 0 { start - end } else { end - start };
    let items = if step == 0 || span <= 0 { 0 } else { (span + step.abs() - 1) / step.abs() };
    if items > MAX_RANGE_ITEMS as i128 {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "range too large: {items} items, over the limit of {MAX_RANGE_ITEMS} items that range() may produce"
            ),
        ));
    }
    minijinja::functions::range(lower, upper, step_arg)
}

/// Prints a value into a text template, refusing one over the size limits before formatting it.
pub(crate) fn format_output(out: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    if value.as_object().is_some() {
        check_size(value)?;
    }
    minijinja::escape_formatter(out, state, value)
}

fn charge_serialized(state: &State, text: &Value) -> Result<(), Error> {
    let bytes = text.as_str().map_or(0, str::len);
    state.consume_fuel(u64::try_from(bytes / SERIALIZED_BYTES_PER_FUEL).unwrap_or(u64::MAX))
}
