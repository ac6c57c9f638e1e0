//! Statements whose text is the same on SQLite and Postgres.

// ---- recipes -----------------------------------------------------------------------------------------------

pub(crate) const RECORD_RECIPE_VERSION: &str = "\
INSERT INTO recipe_versions (recipe, content_hash, source, created_at, loaded_at) VALUES ($1, $2, $3, $4, $4)
ON CONFLICT (recipe, content_hash) DO UPDATE SET loaded_at = excluded.loaded_at";

pub(crate) const CURRENT_RECIPE_VERSION: &str = "\
SELECT content_hash FROM recipe_versions WHERE recipe = $1 ORDER BY loaded_at DESC LIMIT 1";

pub(crate) const SET_RECIPE_CONCURRENCY: &str = "\
INSERT INTO recipe_limits (recipe, max_concurrency) VALUES ($1, $2)
ON CONFLICT (recipe) DO UPDATE SET max_concurrency = excluded.max_concurrency";

// ---- enqueueing --------------------------------------------------------------------------------------------

pub(crate) const INSERT_RUN: &str = "\
INSERT INTO runs (id, recipe, recipe_version, trigger_name, trigger_event_id, business_key, candidate_id,
                  application_id, job_id, status, run_at, event_at, attempt, created_at, finished_at, payload)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, $13, $14, $15)
ON CONFLICT DO NOTHING
RETURNING id";

/// Many runs in one statement: followed by `push_values` rows of `INSERT_RUN`'s columns, then `INSERT_RUNS_END`.
pub(crate) const INSERT_RUNS: &str = "\
INSERT INTO runs (id, recipe, recipe_version, trigger_name, trigger_event_id, business_key, candidate_id,
                  application_id, job_id, status, run_at, event_at, attempt, created_at, finished_at, payload) ";

/// Ends `INSERT_RUNS`: a row that collides with a run of the same event or business key (or with an earlier row
/// of the same statement) is not inserted and not returned.
pub(crate) const INSERT_RUNS_END: &str = " ON CONFLICT DO NOTHING RETURNING id";

pub(crate) const FIND_DUPLICATE_RUN: &str = "\
SELECT id FROM runs
WHERE recipe = $1 AND retry_of IS NULL AND (trigger_event_id = $2 OR business_key = $3)
LIMIT 1";

pub(crate) const INSERT_WEBHOOK_DELIVERY: &str = "\
INSERT INTO webhook_deliveries (connection, delivery_id, received_at) VALUES ($1, $2, $3)
ON CONFLICT DO NOTHING";

// ---- the queue ---------------------------------------------------------------------------------------------

pub(crate) const RESCUE_EXPIRED_LEASES: &str = "\
UPDATE runs SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL
WHERE status = 'running' AND lease_expires_at < $1";

pub(crate) const FINISH_RUN: &str = "\
UPDATE runs SET status = $4, error = $5, finished_at = $6, lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND status = 'running' AND lease_owner = $2 AND attempt = $3";

pub(crate) const RESCHEDULE_RUN: &str = "\
UPDATE runs SET status = 'queued', run_at = $4, error = $5, lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND status = 'running' AND lease_owner = $2 AND attempt = $3";

#[cfg(feature = "test-util")]
pub(crate) const RELEASE_RUN: &str = "\
UPDATE runs SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND status = 'running' AND lease_owner = $2 AND attempt = $3";

pub(crate) const CANCEL_RUN: &str = "\
UPDATE runs SET status = 'cancelled', finished_at = $2, lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND status IN ('queued', 'running')";

// ---- steps -------------------------------------------------------------------------------------------------

pub(crate) const START_STEP: &str = "\
INSERT INTO steps (run_id, step_id, ordinal, action, status, attempts, input, started_at)
SELECT $1, $4, COALESCE((SELECT MAX(ordinal) FROM steps WHERE run_id = $1), 0) + 1, $5, 'running', 0, $6, $7
WHERE EXISTS (SELECT 1 FROM runs WHERE id = $1 AND status = 'running' AND lease_owner = $2 AND attempt = $3)
ON CONFLICT (run_id, step_id) DO UPDATE
SET status = 'running', action = excluded.action, input = excluded.input, started_at = excluded.started_at,
    finished_at = NULL";

pub(crate) const FINISH_STEP: &str = "\
INSERT INTO steps (run_id, step_id, ordinal, action, status, attempts, output, error, finished_at)
SELECT $1, $4, COALESCE((SELECT MAX(ordinal) FROM steps WHERE run_id = $1), 0) + 1, $5, $6, $7, $8, $9, $10
WHERE EXISTS (SELECT 1 FROM runs WHERE id = $1 AND status = 'running' AND lease_owner = $2 AND attempt = $3)
ON CONFLICT (run_id, step_id) DO UPDATE
SET status = excluded.status, attempts = excluded.attempts, output = excluded.output, error = excluded.error,
    finished_at = excluded.finished_at";

pub(crate) const RECORD_WHOLE_STEP: &str = "\
INSERT INTO steps (run_id, step_id, ordinal, action, status, attempts, input, output, error, started_at, finished_at)
SELECT $1, $4, COALESCE((SELECT MAX(ordinal) FROM steps WHERE run_id = $1), 0) + 1, $5, $6, $7, $8, $9, $10, $11, $12
WHERE EXISTS (SELECT 1 FROM runs WHERE id = $1 AND status = 'running' AND lease_owner = $2 AND attempt = $3)
ON CONFLICT (run_id, step_id) DO UPDATE
SET action = excluded.action, status = excluded.status, attempts = excluded.attempts, input = excluded.input,
    output = excluded.output, error = excluded.error, started_at = excluded.started_at,
    finished_at = excluded.finished_at";

pub(crate) const STEPS_OF_RUN: &str = "\
SELECT step_id, ordinal, action, status, attempts, input, output, error, started_at, finished_at
FROM steps WHERE run_id = $1 ORDER BY ordinal";

pub(crate) const STEP_ORDINAL: &str = "SELECT ordinal FROM steps WHERE run_id = $1 AND step_id = $2";

pub(crate) const COPY_FINISHED_STEPS: &str = "\
INSERT INTO steps (run_id, step_id, ordinal, action, status, attempts, input, output, error, started_at,
                   finished_at)
SELECT $2, step_id, ordinal, action, status, attempts, input, output, error, started_at, finished_at
FROM steps WHERE run_id = $1 AND status IN ('succeeded', 'skipped') AND ordinal < $3";

// ---- history -----------------------------------------------------------------------------------------------

/// The columns of `RunRow`, which `LIST_RUNS_SELECT` and `GET_RUN` start with.
#[cfg(test)]
const RUN_COLUMNS: &str = "id, recipe, recipe_version, trigger_name, trigger_event_id, business_key, candidate_id, \
application_id, job_id, status, attempt, created_at, started_at, finished_at, error, retry_of, requested_by, node";

/// `list_runs` builds its WHERE clause from these fragments with bound values, never from input text.
pub(crate) const LIST_RUNS_SELECT: &str = "\
SELECT id, recipe, recipe_version, trigger_name, trigger_event_id, business_key, candidate_id, application_id, \
job_id, status, attempt, created_at, started_at, finished_at, error, retry_of, requested_by, node FROM runs WHERE 1 = 1";
pub(crate) const LIST_RUNS_RECIPE: &str = " AND recipe = ";
pub(crate) const LIST_RUNS_STATUS: &str = " AND status = ";
pub(crate) const LIST_RUNS_SINCE: &str = " AND created_at >= ";
pub(crate) const LIST_RUNS_UNTIL: &str = " AND created_at < ";
pub(crate) const LIST_RUNS_CANDIDATE: &str = " AND candidate_id = ";
pub(crate) const LIST_RUNS_APPLICATION: &str = " AND application_id = ";
pub(crate) const LIST_RUNS_JOB: &str = " AND job_id = ";
pub(crate) const LIST_RUNS_BEFORE: &str = " AND (created_at, id) < (SELECT created_at, id FROM runs WHERE id = ";
pub(crate) const LIST_RUNS_BEFORE_END: &str = ")";
pub(crate) const LIST_RUNS_ORDER: &str = " ORDER BY created_at DESC, id DESC LIMIT ";

pub(crate) const GET_RUN: &str = "\
SELECT id, recipe, recipe_version, trigger_name, trigger_event_id, business_key, candidate_id, application_id, \
job_id, status, attempt, created_at, started_at, finished_at, error, retry_of, requested_by, node, \
payload, run_at, event_at, lease_owner, lease_expires_at, redacted_at FROM runs WHERE id = $1";

pub(crate) const RUN_STATUS_AND_RECIPE: &str = "SELECT status, recipe FROM runs WHERE id = $1";

pub(crate) const INSERT_RETRY_RUN: &str = "\
INSERT INTO runs (id, recipe, recipe_version, trigger_name, trigger_event_id, business_key, candidate_id,
                  application_id, job_id, status, run_at, event_at, attempt, created_at, payload, retry_of,
                  requested_by)
SELECT $2, recipe, COALESCE($3, recipe_version), trigger_name, trigger_event_id, business_key, candidate_id,
       application_id, job_id, 'queued', $4, event_at, 0, $4, payload, id, $5
FROM runs WHERE id = $1";

// ---- triggers ----------------------------------------------------------------------------------------------

pub(crate) const ENSURE_TRIGGER_STATE: &str = "\
INSERT INTO trigger_state (recipe, trigger_identity, poll_cursor, next_fire_at, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $5)
ON CONFLICT (recipe, trigger_identity) DO NOTHING";

pub(crate) const GET_TRIGGER_STATE: &str = "\
SELECT recipe, trigger_identity, poll_cursor, last_polled_at, next_fire_at, lease_owner, lease_expires_at
FROM trigger_state WHERE recipe = $1 AND trigger_identity = $2";

pub(crate) const SET_NEXT_FIRE_AT: &str = "\
UPDATE trigger_state SET next_fire_at = $3, updated_at = $4 WHERE recipe = $1 AND trigger_identity = $2";

pub(crate) const ADVANCE_CRON: &str = "\
UPDATE trigger_state SET next_fire_at = $4, updated_at = $5
WHERE recipe = $1 AND trigger_identity = $2 AND next_fire_at = $3";

pub(crate) const LEASE_TRIGGER: &str = "\
UPDATE trigger_state SET lease_owner = $3, lease_expires_at = $4, updated_at = $5
WHERE recipe = $1 AND trigger_identity = $2
  AND (lease_owner IS NULL OR lease_owner = $3 OR lease_expires_at < $5)";

pub(crate) const RELEASE_TRIGGER_LEASE: &str = "\
UPDATE trigger_state SET lease_owner = NULL, lease_expires_at = NULL, updated_at = $4
WHERE recipe = $1 AND trigger_identity = $2 AND lease_owner = $3";

// ---- maintenance -------------------------------------------------------------------------------------------

pub(crate) const PRUNABLE_RUNS: &str = "\
SELECT id FROM runs
WHERE created_at < $1 AND status IN ('succeeded', 'failed', 'skipped', 'cancelled')
ORDER BY created_at LIMIT $2";

pub(crate) const PRUNE_DELIVERIES: &str = "DELETE FROM webhook_deliveries WHERE received_at < $1";

pub(crate) const RUNS_OF_CANDIDATE: &str = "SELECT id, payload, error FROM runs WHERE candidate_id = $1";

pub(crate) const REDACT_RUN: &str = "UPDATE runs SET payload = $2, error = $3, redacted_at = $4 WHERE id = $1";

pub(crate) const STEPS_FOR_REDACTION: &str = "SELECT step_id, input, output, error FROM steps WHERE run_id = $1";

pub(crate) const REDACT_STEP: &str = "\
UPDATE steps SET input = $3, output = $4, error = $5 WHERE run_id = $1 AND step_id = $2";

pub(crate) const PING: &str = "SELECT 1";

pub(crate) const UPSERT_NODE: &str = "\
INSERT INTO nodes (id, started_at, last_seen) VALUES ($1, $2, $2)
ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen";

pub(crate) const LIVE_NODES: &str = "\
SELECT id, started_at, last_seen FROM nodes WHERE last_seen >= $1 ORDER BY id";

/// How many queued runs are due at `$1`.
pub(crate) const QUEUE_DEPTH: &str = "SELECT COUNT(*) FROM runs WHERE status = 'queued' AND run_at <= $1";

/// The name and source of the recipe version with content hash `$1`.
pub(crate) const RECIPE_VERSION_SOURCE: &str =
    "SELECT recipe, source FROM recipe_versions WHERE content_hash = $1 ORDER BY loaded_at DESC LIMIT 1";

// ---- web sessions ------------------------------------------------------------------------------------------

pub(crate) const END_WEB_SESSION: &str = "\
INSERT INTO ended_web_sessions (session_id, expires_at) VALUES ($1, $2) ON CONFLICT (session_id) DO NOTHING";

pub(crate) const WEB_SESSION_ENDED: &str = "SELECT EXISTS (SELECT 1 FROM ended_web_sessions WHERE session_id = $1)";

pub(crate) const PRUNE_ENDED_WEB_SESSIONS: &str = "DELETE FROM ended_web_sessions WHERE expires_at < $1";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_reads_select_the_columns_of_a_run_row() {
        assert!(LIST_RUNS_SELECT.starts_with(&format!("SELECT {RUN_COLUMNS} FROM runs")), "{LIST_RUNS_SELECT}");
        assert!(GET_RUN.starts_with(&format!("SELECT {RUN_COLUMNS}, payload")), "{GET_RUN}");
    }
}
