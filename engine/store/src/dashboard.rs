//! Queries behind the run-history web page: runs per hour by recipe and status, and finding candidates by a
//! text (an email) in their runs' payloads.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::{StoreError, db};
use crate::store::{Store, on_pool};
use crate::timestamp::Timestamp;
use crate::types::RunStatus;

/// How many runs of one recipe were recorded in one hour with one status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HourlyRunCount {
    /// The recipe's name.
    pub recipe: String,
    /// Whole hours between the window's start and the runs' creation (0 = the first hour).
    pub hour: i64,
    /// The runs' status now.
    pub status: RunStatus,
    /// How many runs.
    pub runs: i64,
}

/// Escapes `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` pattern.
fn like_literal(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

impl Store {
    /// Runs recorded at or after `since`, counted by recipe, hour since `since` and status (only non-zero
    /// counts are returned).
    ///
    /// # Errors
    /// `Database`; `Corrupt` for an unknown stored status.
    pub async fn runs_per_hour(&self, since: DateTime<Utc>) -> Result<Vec<HourlyRunCount>, StoreError> {
        let rows: Vec<(String, i64, String, i64)> = on_pool!(read: self, pool, sql => {
            sqlx::query_as(sql::RUNS_PER_HOUR)
                .bind(Timestamp::new(since))
                .fetch_all(pool)
                .await
                .map_err(db("runs_per_hour"))?
        });
        rows.into_iter()
            .map(|(recipe, hour, status, runs)| {
                let status = status
                    .parse::<RunStatus>()
                    .map_err(|e| StoreError::Corrupt { what: "run status", reason: e.to_string() })?;
                Ok(HourlyRunCount { recipe, hour, status, runs })
            })
            .collect()
    }

    /// Ids of candidates (at most `limit`) whose runs' trigger payload contains `text`, ignoring case: how the
    /// web page finds a candidate by email. Payloads redacted by `forget_candidate` no longer match.
    ///
    /// # Errors
    /// `Database`.
    pub async fn candidates_with_payload_text(&self, text: &str, limit: u32) -> Result<Vec<String>, StoreError> {
        let pattern = format!("%{}%", like_literal(&text.to_lowercase()));
        on_pool!(read: self, pool, sql => {
            sqlx::query_scalar(sql::CANDIDATES_WITH_PAYLOAD_TEXT)
                .bind(pattern)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
                .map_err(db("candidates_with_payload_text"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::like_literal;

    #[test]
    fn like_literal_escapes_wildcards() {
        assert_eq!(like_literal("a_b%c\\d@x.io"), "a\\_b\\%c\\\\d@x.io");
    }
}
