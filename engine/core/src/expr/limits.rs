//! The size limits of values built by expressions, checked before anything large is materialised.
//!
//! MiniJinja's fuel charges most work as it happens, but a few operations only learn what they cost after
//! doing it: a repeated sequence (`[1] * 100000000`) is lazy and costs nothing until something walks it, and
//! serialising it (`tojson`, `pprint`, `string`, printing it in a text template, or turning the result of an
//! expression into JSON for a step's input) would build hundreds of megabytes before the fuel check sees the
//! result. Every one of those places first measures the value here, which stops at the limit: a value too
//! large fails in microseconds with an error that names the limit.

use minijinja::value::{Value, ValueKind};
use minijinja::{Error, ErrorKind};

/// The most list items and mapping entries one value may hold, counted together through all its levels.
pub const MAX_VALUE_ITEMS: usize = 250_000;
/// The most bytes of text one value may hold, counted over all its strings.
pub const MAX_VALUE_BYTES: usize = 16 * 1024 * 1024;
/// The most items `range()` may produce (MiniJinja's own limit, named here so the error can say it).
pub const MAX_RANGE_ITEMS: usize = 100_000;

/// Levels below this one are not measured (nor searched for undefined values): JSON payloads are shallower.
const MAX_MEASURED_DEPTH: usize = 128;
/// Undefined values are searched for down to this level (as before the size limits existed).
const MAX_UNDEFINED_DEPTH: usize = 32;

/// What measuring a value found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Measured {
    /// Whether an undefined value is inside it (within the searched depth).
    pub contains_undefined: bool,
}

/// Measures `value`, failing as soon as it exceeds [`MAX_VALUE_ITEMS`] or [`MAX_VALUE_BYTES`].
pub(crate) fn measure(value: &Value) -> Result<Measured, Error> {
    let mut budget = Budget { items: MAX_VALUE_ITEMS, bytes: MAX_VALUE_BYTES };
    let contains_undefined = budget.walk(value, 0)?;
    Ok(Measured { contains_undefined })
}

/// Fails when `value` is larger than the limits.
pub(crate) fn check_size(value: &Value) -> Result<(), Error> {
    measure(value).map(|_| ())
}

/// The error for a value over a limit.
pub(crate) fn too_many_items(items: usize) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!(
            "value too large: it holds {} list items or mapping entries, over the limit of {MAX_VALUE_ITEMS} \
             that one expression value may hold; work on a smaller part of the data (e.g. `items[:100]`)",
            describe_count(items)
        ),
    )
}

fn too_many_bytes() -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!(
            "value too large: its text is over the limit of {MAX_VALUE_BYTES} bytes that one expression value may \
             hold; work on a smaller part of the data"
        ),
    )
}

fn describe_count(items: usize) -> String {
    if items == usize::MAX { "more".to_owned() } else { format!("at least {items}") }
}

/// What is left of the limits while walking one value.
struct Budget {
    items: usize,
    bytes: usize,
}

impl Budget {
    /// Walks `value`, charging its items and bytes; returns whether an undefined value is inside.
    fn walk(&mut self, value: &Value, depth: usize) -> Result<bool, Error> {
        if value.is_undefined() {
            return Ok(true);
        }
        if let Some(text) = value.as_str() {
            return self.charge_bytes(text.len()).map(|()| false);
        }
        if depth > MAX_MEASURED_DEPTH {
            return Ok(false);
        }
        let search_undefined = depth <= MAX_UNDEFINED_DEPTH;
        let kind = value.kind();
        if !matches!(kind, ValueKind::Seq | ValueKind::Iterable | ValueKind::Map) {
            return Ok(false);
        }
        // A lazy sequence knows its length without being walked: refuse a huge one before iterating it.
        if let Some(len) = value.as_object().and_then(|o| o.enumerator_len())
            && len > self.items
        {
            return Err(too_many_items(MAX_VALUE_ITEMS - self.items + len));
        }
        let Ok(iter) = value.try_iter() else { return Ok(false) };
        let mut contains_undefined = false;
        for item in iter {
            self.charge_item()?;
            let inner = if kind == ValueKind::Map {
                self.walk(&item, depth + 1)?;
                match value.get_item(&item) {
                    Ok(inner) => inner,
                    Err(_) => continue,
                }
            } else {
                item
            };
            contains_undefined |= self.walk(&inner, depth + 1)? && search_undefined;
        }
        Ok(contains_undefined)
    }

    fn charge_item(&mut self) -> Result<(), Error> {
        self.items = self.items.checked_sub(1).ok_or_else(|| too_many_items(MAX_VALUE_ITEMS + 1))?;
        Ok(())
    }

    fn charge_bytes(&mut self, bytes: usize) -> Result<(), Error> {
        self.bytes = self.bytes.checked_sub(bytes).ok_or_else(too_many_bytes)?;
        Ok(())
    }
}
