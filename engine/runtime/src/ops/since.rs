//! The `since` filter: a duration back from now (`30min`, `24h`, `7d`, `2w`) or an RFC 3339 time, bounded
//! so that no input can overflow the date arithmetic or silently mean "nothing".

use chrono::{DateTime, TimeDelta, Utc};

/// The furthest back a duration may reach (about 100 years).
pub const MAX_LOOKBACK_DAYS: i64 = 36_525;

/// Why a `since` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SinceError {
    /// Neither a duration nor an RFC 3339 time.
    #[error("since: `{0}` is neither a duration like 30min, 24h or 7d nor an RFC 3339 time like 2026-11-28T14:00:00Z")]
    Unreadable(String),
    /// A duration reaching further back than `MAX_LOOKBACK_DAYS`.
    #[error("since: `{0}` reaches too far back; at most {MAX_LOOKBACK_DAYS}d (100 years)")]
    TooFarBack(String),
}

/// The instant `text` stands for, seen at `now`.
///
/// # Errors
/// A [`SinceError`] saying what is wrong with `text`.
pub fn parse_since(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, SinceError> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    let ago = match humantime::parse_duration(text) {
        Ok(ago) => ago,
        // humantime refuses a number of units that does not fit its arithmetic: that is a huge duration.
        Err(humantime::DurationError::NumberOverflow) => return Err(SinceError::TooFarBack(text.to_owned())),
        Err(_) => return Err(SinceError::Unreadable(text.to_owned())),
    };
    TimeDelta::from_std(ago)
        .ok()
        .filter(|ago| *ago <= TimeDelta::days(MAX_LOOKBACK_DAYS))
        .and_then(|ago| now.checked_sub_signed(ago))
        .ok_or_else(|| SinceError::TooFarBack(text.to_owned()))
}

/// [`parse_since`] seen now, with the message as the error (a `clap` value parser).
///
/// # Errors
/// The [`SinceError`]'s message.
pub fn parse_since_now(text: &str) -> Result<DateTime<Utc>, String> {
    parse_since(text, Utc::now()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-04T12:00:00Z").expect("time").with_timezone(&Utc)
    }

    #[test]
    fn durations_count_back_from_now() {
        for (text, back) in [
            ("30min", TimeDelta::minutes(30)),
            ("24h", TimeDelta::hours(24)),
            ("7d", TimeDelta::days(7)),
            ("2w", TimeDelta::weeks(2)),
            ("36525d", TimeDelta::days(MAX_LOOKBACK_DAYS)),
        ] {
            assert_eq!(parse_since(text, now()), Ok(now() - back), "{text}");
        }
    }

    #[test]
    fn rfc3339_times_are_taken_as_they_are() {
        let at = parse_since("2026-11-28T14:00:00+01:00", now()).expect("time");
        assert_eq!(at.to_rfc3339(), "2026-11-28T13:00:00+00:00");
    }

    #[test]
    fn huge_durations_are_refused_instead_of_overflowing_or_matching_nothing() {
        for text in ["100000000d", "99999999999999d", "36526d", "999999999999999999999999d"] {
            assert_eq!(parse_since(text, now()), Err(SinceError::TooFarBack(text.to_owned())), "{text}");
        }
        let message = parse_since("100000000d", now()).expect_err("too far").to_string();
        assert_eq!(message, "since: `100000000d` reaches too far back; at most 36525d (100 years)");
    }

    #[test]
    fn other_text_is_explained() {
        assert_eq!(parse_since("soon", now()), Err(SinceError::Unreadable("soon".to_owned())));
        assert!(parse_since_now("yesterday").expect_err("unreadable").contains("RFC 3339"));
    }
}
