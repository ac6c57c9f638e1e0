//! The size limits of a YAML file, and the messages that say which one a file broke and how to fix it.
//!
//! serde-saphyr enforces a budget while it parses (so an alias bomb or a huge file fails before it is built)
//! but reports a breach as `budget breached: Nodes { nodes: 250001 }`. The limits are set here by name, so
//! the message can quote them, and each breach becomes one sentence: what was over which limit, and what to
//! change in the file.

use serde_saphyr::Error;
use serde_saphyr::budget::BudgetBreach;

/// The most values (scalars, lists and mappings, after aliases are expanded) one file may hold.
pub const MAX_NODES: usize = 250_000;
/// The deepest nesting of lists and mappings.
pub const MAX_DEPTH: usize = 64;
/// The most `[`/`{` brackets open at once.
pub const MAX_FLOW_NESTING: usize = 255;
/// The most aliases (`*name`) in one file.
pub const MAX_ALIASES: usize = 50_000;
/// The most anchors (`&name`) in one file.
pub const MAX_ANCHORS: usize = 50_000;
/// The most parser events (roughly: tokens) in one file.
pub const MAX_EVENTS: usize = 1_000_000;
/// The most bytes of text over all values of one file.
pub const MAX_SCALAR_BYTES: usize = 64 * 1024 * 1024;
/// Above this many aliases, a file may use at most [`MAX_ALIASES_PER_ANCHOR`] aliases per anchor.
const ALIAS_RATIO_FROM: usize = 100;
/// The most aliases per anchor (an alias bomb refers to few anchors very often).
pub const MAX_ALIASES_PER_ANCHOR: usize = 10;

/// The budget every document is parsed with (serde-saphyr's defaults, named).
pub(super) fn budget() -> Option<serde_saphyr::Budget> {
    serde_saphyr::budget! {
        max_nodes: MAX_NODES,
        max_depth: MAX_DEPTH,
        flow_nesting_limit: MAX_FLOW_NESTING,
        max_aliases: MAX_ALIASES,
        max_anchors: MAX_ANCHORS,
        max_events: MAX_EVENTS,
        max_total_scalar_bytes: MAX_SCALAR_BYTES,
        enforce_alias_anchor_ratio: true,
        alias_anchor_min_aliases: ALIAS_RATIO_FROM,
        alias_anchor_ratio_multiplier: MAX_ALIASES_PER_ANCHOR,
    }
}

/// The sentence for an error that is a broken limit (or a recursive alias); `None` for other errors.
pub(super) fn limit_message(err: &Error) -> Option<String> {
    let (inner, via_alias) = unwrap(err);
    let message = match inner {
        Error::Budget { breach, .. } => breach_message(breach, via_alias)?,
        Error::RecursiveReferencesRequireWeakTypes { .. } => "an alias (`*name`) is used inside the anchor \
            (`&name`) it refers to, which would make an endless structure; recursive aliases are not supported: \
            write the repeated part out, or move the alias out of its anchor"
            .to_owned(),
        Error::AliasReplayLimitExceeded { max_total_replayed_events, .. } => format!(
            "aliases (`*name`) expand to more than {max_total_replayed_events} values, the limit for one file; \
             an alias repeats its anchor's whole content, so aliases of aliases multiply: use fewer aliases"
        ),
        Error::AliasExpansionLimitExceeded { max_expansions_per_anchor, .. } => format!(
            "one anchor (`&name`) is expanded more than {max_expansions_per_anchor} times, the limit; use fewer \
             aliases of it"
        ),
        Error::AliasReplayStackDepthExceeded { max_depth, .. } => format!(
            "aliases (`*name`) nest inside each other more than {max_depth} levels deep, the limit; use fewer \
             aliases of aliases"
        ),
        _ if inner.to_string().starts_with("recursion limit exceeded") => format!(
            "lists and mappings are nested too deeply: more than {MAX_DEPTH} levels (or {MAX_FLOW_NESTING} open \
             `[`/`{{` brackets), the limit; flatten the structure"
        ),
        _ => return None,
    };
    Some(match defined_at(err) {
        Some((line, column)) => format!("{message} (the alias's anchor is at line {line}, column {column})"),
        None => message,
    })
}

fn breach_message(breach: &BudgetBreach, via_alias: bool) -> Option<String> {
    let alias_hint = if via_alias {
        "; aliases (`*name`) count once per use: an alias repeats its anchor's whole content, so aliases of \
         aliases multiply (an \"alias bomb\"): write the repeated part fewer times"
    } else {
        "; split it into several files"
    };
    Some(match breach {
        BudgetBreach::Nodes { .. } => format!(
            "the file holds more than {MAX_NODES} values (scalars, lists and mappings), the limit for one \
             file{alias_hint}"
        ),
        BudgetBreach::Events { .. } => {
            format!("the file is longer than {MAX_EVENTS} YAML tokens, the limit for one file{alias_hint}")
        }
        BudgetBreach::Depth { .. } => {
            format!("lists and mappings are nested more than {MAX_DEPTH} levels deep, the limit; flatten the structure")
        }
        BudgetBreach::Aliases { .. } => {
            format!("the file uses more than {MAX_ALIASES} aliases (`*name`), the limit; write fewer of them")
        }
        BudgetBreach::Anchors { .. } => {
            format!("the file defines more than {MAX_ANCHORS} anchors (`&name`), the limit; define fewer of them")
        }
        BudgetBreach::ScalarBytes { .. } => format!(
            "the file's text values add up to more than {} MiB, the limit for one file; split it into several \
             files",
            MAX_SCALAR_BYTES / (1024 * 1024)
        ),
        BudgetBreach::AliasAnchorRatio { aliases, anchors } => format!(
            "the file uses {aliases} aliases (`*name`) for {anchors} anchors (`&name`): past {ALIAS_RATIO_FROM} \
             aliases, at most {MAX_ALIASES_PER_ANCHOR} per anchor are allowed, as more looks like an alias bomb; \
             write the repeated parts out"
        ),
        BudgetBreach::Documents { documents } => {
            format!("the file holds {documents} YAML documents (`---`), over the limit; keep one document per file")
        }
        other => format!("the file is over a YAML size limit ({other:?}); make it smaller"),
    })
}

/// The error inside alias and snippet wrappers, and whether an alias was being expanded.
fn unwrap(mut err: &Error) -> (&Error, bool) {
    let mut via_alias = false;
    loop {
        match err {
            Error::AliasError { error, .. } => {
                via_alias = true;
                err = error;
            }
            Error::WithSnippet { error, .. } => err = error,
            _ => return (err, via_alias),
        }
    }
}

/// Where the anchor of the alias being expanded is defined, when the error happened in an alias.
fn defined_at(mut err: &Error) -> Option<(u64, u64)> {
    loop {
        match err {
            Error::AliasError { locations, .. } if locations.defined_location.line() > 0 => {
                let at = locations.defined_location;
                return Some((at.line(), at.column()));
            }
            Error::AliasError { error, .. } | Error::WithSnippet { error, .. } => err = error,
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Position;
    use crate::yaml::parse_document;

    /// `a0` is nine strings, each `aN` nine aliases of `a(N-1)`: `a9` expands to 9^10 values.
    fn alias_bomb() -> String {
        let mut text = String::from("name: laughs\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..10 {
            let aliases = vec![format!("*a{}", i - 1); 9].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{aliases}]\n"));
        }
        text.push_str("trigger: *a9\n");
        text
    }

    fn error_of(text: &str) -> (Position, String) {
        let err = parse_document(text).unwrap_err();
        (err.at, err.message)
    }

    #[test]
    fn an_alias_bomb_names_the_node_limit_and_the_aliases() {
        let (at, message) = error_of(&alias_bomb());
        assert_eq!(
            message,
            "the file holds more than 250000 values (scalars, lists and mappings), the limit for one file; aliases \
             (`*name`) count once per use: an alias repeats its anchor's whole content, so aliases of aliases \
             multiply (an \"alias bomb\"): write the repeated part fewer times (the alias's anchor is at line 6, \
             column 9)"
        );
        assert_eq!(at, Position::new(7, 20));
    }

    #[test]
    fn a_huge_file_names_the_node_limit() {
        let text: String =
            std::iter::once("steps:\n".to_owned()).chain((0..260_000).map(|i| format!("  - {i}\n"))).collect();
        let (at, message) = error_of(&text);
        assert_eq!(
            message,
            "the file holds more than 250000 values (scalars, lists and mappings), the limit for one file; split it \
             into several files"
        );
        assert_eq!(at.line, 249_999);
    }

    #[test]
    fn deep_nesting_names_the_depth_limit() {
        let block: String =
            (0..100).map(|i| format!("{}k{i}:\n", "  ".repeat(i))).collect::<String>() + &"  ".repeat(100) + "v: 1\n";
        let (at, message) = error_of(&block);
        assert_eq!(message, "lists and mappings are nested more than 64 levels deep, the limit; flatten the structure");
        assert_eq!(at.line, 65);
        let flow = format!("steps: {}{}\n", "[".repeat(300), "]".repeat(300));
        let (at, message) = error_of(&flow);
        assert_eq!(
            message,
            "lists and mappings are nested too deeply: more than 64 levels (or 255 open `[`/`{` brackets), the \
             limit; flatten the structure"
        );
        assert_eq!(at.line, 1);
    }

    #[test]
    fn a_recursive_alias_says_it_is_recursive() {
        let (at, message) = error_of("name: rec\na: &a\n  b: *a\n");
        assert_eq!(
            message,
            "an alias (`*name`) is used inside the anchor (`&name`) it refers to, which would make an endless \
             structure; recursive aliases are not supported: write the repeated part out, or move the alias out \
             of its anchor"
        );
        assert_eq!(at, Position::new(3, 6));
    }

    #[test]
    fn other_alias_errors_keep_their_whole_message() {
        // The position suffix is ours to print; the positions inside the message stay (it was cut at `(used`).
        let (_, message) = error_of("a: &x 1\nb: *y\n");
        assert!(!message.ends_with("(used"), "{message}");
    }
}
