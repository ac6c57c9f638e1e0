//! "Did you mean" suggestions for misspelt keys and names.

/// The candidate closest to `name`, when one is close enough to be a likely typo.
#[must_use]
pub fn closest<'a, I>(name: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let mut best: Option<(&'a str, f64)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let lower = name.to_ascii_lowercase();
        let score = if lower == candidate.to_ascii_lowercase() {
            1.0
        } else {
            strsim::normalized_damerau_levenshtein(&lower, &candidate.to_ascii_lowercase())
                .max(strsim::jaro_winkler(&lower, &candidate.to_ascii_lowercase()) - 0.15)
        };
        if score >= 0.7 && best.is_none_or(|(_, s)| score > s) {
            best = Some((candidate, score));
        }
    }
    best.map(|(c, _)| c)
}

/// ` (did you mean `x`?)` when a candidate is close, else an empty string.
#[must_use]
pub fn did_you_mean<'a, I>(name: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    closest(name, candidates).map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let keys = ["trigger", "steps", "description", "on_error"];
        assert_eq!(closest("trigers", keys), Some("trigger"));
        assert_eq!(closest("step", keys), Some("steps"));
        assert_eq!(closest("onerror", keys), Some("on_error"));
        assert_eq!(closest("banana", keys), None);
        assert_eq!(
            did_you_mean("upsert_employe", ["upsert_employee", "find_employee"]),
            " (did you mean `upsert_employee`?)"
        );
    }
}
