//! Finding the input field a remote error message is about, so that errors
//! read "409 department 'Enginering' is not an existing option" with
//! `field = department`.

/// The first of `fields` (request keys, possibly dotted like `work.site`)
/// whose last segment appears in `message` as a whole word, ignoring case and
/// treating `_` and spaces alike. Longer names win over their prefixes.
#[must_use]
pub fn field_named_in<'a>(message: &str, fields: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let haystack = normalize(message);
    let mut candidates: Vec<&str> = fields.into_iter().collect();
    candidates.sort_by_key(|f| std::cmp::Reverse(f.rsplit('.').next().unwrap_or(f).len()));
    candidates
        .into_iter()
        .find(|field| {
            let needle = normalize(field.rsplit('.').next().unwrap_or(field));
            !needle.is_empty() && contains_word(&haystack, &needle)
        })
        .map(str::to_owned)
}

fn normalize(text: &str) -> String {
    text.chars().map(|c| if c == '_' { ' ' } else { c.to_ascii_lowercase() }).collect()
}

fn contains_word(haystack: &str, needle: &str) -> bool {
    let is_word = |c: char| c.is_ascii_alphanumeric();
    haystack.match_indices(needle).any(|(i, _)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + needle.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_whole_words_only() {
        let fields = ["firstName", "department", "work.site", "email", "workEmail", "first_name"];
        assert_eq!(
            field_named_in("department 'Enginering' is not an existing option", fields).as_deref(),
            Some("department")
        );
        assert_eq!(field_named_in("Site 'Mars' does not exist", fields).as_deref(), Some("work.site"));
        assert_eq!(field_named_in("workEmail is already used", fields).as_deref(), Some("workEmail"));
        assert_eq!(field_named_in("First name is too long", fields).as_deref(), Some("first_name"));
        assert_eq!(field_named_in("the emailing failed", fields), None);
    }
}
