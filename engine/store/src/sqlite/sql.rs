//! SQLite statements: the shared ones plus the single-writer claim, `json_each` lists and incremental vacuum.

pub(crate) use crate::sql::*;

/// The backend.
pub(crate) type Db = sqlx::Sqlite;

/// Starts a write transaction holding the write lock from its first statement, so a read-then-write
/// transaction never fails on a stale snapshot (waits up to `busy_timeout` instead).
pub(crate) const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

/// Claims up to `$4` due runs for node `$1` at `$2` with a lease until `$3`, in one statement (SQLite has one
/// writer at a time, so no row locking is needed). A recipe with concurrency 1 yields its oldest queued run
/// (by event time) only when it is due and none of the recipe's runs is running; a recipe with concurrency n
/// yields at most n - running of its oldest due runs.
///
/// Every step is an index seek, so a claim costs O(recipes with queued runs x `$4`), not O(queued runs):
/// `queued_recipes` walks the distinct recipes of `runs_queued` (a loose index scan), `slots` counts each
/// one's running runs in `runs_running`, `candidates` takes at most `$4` due runs per recipe in event order.
pub(crate) const CLAIM_RUNS: &str = "\
WITH RECURSIVE queued_recipes(recipe) AS (
    SELECT (SELECT recipe FROM runs WHERE status = 'queued' ORDER BY recipe LIMIT 1)
    UNION ALL
    SELECT (SELECT r.recipe FROM runs r WHERE r.status = 'queued' AND r.recipe > q.recipe ORDER BY r.recipe LIMIT 1)
    FROM queued_recipes q WHERE q.recipe IS NOT NULL
),
slots AS (
    SELECT q.recipe,
           COALESCE((SELECT l.max_concurrency FROM recipe_limits l WHERE l.recipe = q.recipe), 1) AS max_concurrency,
           (SELECT COUNT(*) FROM runs r WHERE r.status = 'running' AND r.recipe = q.recipe) AS running,
           (SELECT h.id FROM runs h WHERE h.status = 'queued' AND h.recipe = q.recipe
            ORDER BY h.event_at, h.id LIMIT 1) AS head
    FROM queued_recipes q WHERE q.recipe IS NOT NULL
),
candidates AS (
    SELECT c.id, c.recipe, c.run_at, c.event_at, s.max_concurrency - s.running AS free,
           ROW_NUMBER() OVER (PARTITION BY c.recipe ORDER BY c.event_at, c.id) AS among_due
    FROM slots s
    JOIN runs c ON c.id IN (
        SELECT d.id FROM runs d WHERE d.status = 'queued' AND d.recipe = s.recipe AND d.run_at <= $2
        ORDER BY d.event_at, d.id LIMIT $4)
    WHERE s.running < s.max_concurrency AND (s.max_concurrency > 1 OR c.id = s.head)
),
eligible AS (
    SELECT id FROM candidates WHERE among_due <= free
    ORDER BY run_at, event_at, id
    LIMIT $4
)
UPDATE runs
SET status = 'running', attempt = attempt + 1, lease_owner = $1, node = $1, lease_expires_at = $3,
    started_at = COALESCE(started_at, $2)
WHERE id IN (SELECT id FROM eligible)
RETURNING id, recipe, recipe_version, trigger_name, trigger_event_id, business_key, candidate_id, application_id,
          job_id, payload, attempt, event_at, started_at, lease_expires_at, lease_owner, retry_of,
          EXISTS (SELECT 1 FROM steps s WHERE s.run_id = runs.id) AS has_steps";

/// Renews the leases of node `$1` on the runs in the JSON array `$2` until `$3`; returns the renewed ids.
pub(crate) const HEARTBEAT: &str = "\
UPDATE runs SET lease_expires_at = $3
WHERE status = 'running' AND lease_owner = $1 AND id IN (SELECT value FROM json_each($2))
RETURNING id";

/// Deletes the steps of the runs in the JSON array `$1`.
pub(crate) const DELETE_STEPS_OF_RUNS: &str = "DELETE FROM steps WHERE run_id IN (SELECT value FROM json_each($1))";

/// Deletes the runs in the JSON array `$1`.
pub(crate) const DELETE_RUNS: &str = "DELETE FROM runs WHERE id IN (SELECT value FROM json_each($1))";

/// The database file's size in bytes.
pub(crate) const DATABASE_SIZE: &str = "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()";

/// Returns every free page to the file system (the database runs with `auto_vacuum = INCREMENTAL`).
pub(crate) const RECLAIM_SPACE: &str = "PRAGMA incremental_vacuum";

/// Moves the WAL into the database file and truncates the WAL, so the freed space leaves the disk.
pub(crate) const CHECKPOINT: &str = "PRAGMA wal_checkpoint(TRUNCATE)";

/// Moves the cursor of (`$1`, `$2`) from `$3` (NULL: none yet) to `$4`; changes no row if another poller moved it.
pub(crate) const ADVANCE_CURSOR: &str = "\
UPDATE trigger_state SET poll_cursor = $4, last_polled_at = $5, updated_at = $5
WHERE recipe = $1 AND trigger_identity = $2 AND poll_cursor IS $3";

/// Prefixes a statement to get its plan.
pub(crate) const EXPLAIN: &str = "EXPLAIN QUERY PLAN ";

/// Refreshes the planner's statistics.
pub(crate) const ANALYZE: &str = "ANALYZE";

// ---- dashboard (web page) -------------------------------------------------------------------------------------

/// Runs recorded at or after `$1`, counted by recipe, hour since `$1` (0, 1, ...) and status.
pub(crate) const RUNS_PER_HOUR: &str = "\
SELECT recipe, (created_at - $1) / 3600000 AS hour, status, COUNT(*) AS runs
FROM runs WHERE created_at >= $1
GROUP BY recipe, hour, status";

/// Candidate ids of runs whose payload contains `$1` (a lowercase `LIKE` pattern, `\` escapes), at most `$2`.
pub(crate) const CANDIDATES_WITH_PAYLOAD_TEXT: &str = "\
SELECT DISTINCT candidate_id FROM runs
WHERE candidate_id IS NOT NULL AND LOWER(payload) LIKE $1 ESCAPE '\\'
LIMIT $2";

/// SQLite serves one daemon: recorded runs are announced to no other node.
pub(crate) const ANNOUNCE_RECORDED_RUNS: Option<&str> = None;

/// SQLite has no data-modifying `WITH`; its writes are batched by the group committer instead.
pub(crate) const RECORD_WEBHOOK_WITH_RUN: Option<&str> = None;
