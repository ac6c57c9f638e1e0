//! Postgres statements: the shared ones plus the `FOR UPDATE SKIP LOCKED` claim, jsonb lists and VACUUM.

pub(crate) use crate::sql::*;

/// The backend.
pub(crate) type Db = sqlx::Postgres;

/// Starts a write transaction (row locks and unique indexes make concurrent writers safe).
pub(crate) const BEGIN_WRITE: &str = "BEGIN";

/// Claims up to `$4` due runs for node `$1` at `$2` with a lease until `$3`, in one statement: the picked rows
/// are locked `FOR UPDATE SKIP LOCKED`, so concurrent nodes never claim the same run, and a node that finds a
/// recipe's eligible runs locked by another claim takes none of them (it never overtakes them). A recipe with
/// concurrency 1 yields its oldest queued run (by event time) only when it is due and none of the recipe's
/// runs is running; a recipe with concurrency n yields at most n - running of its oldest due runs.
///
/// Every step is an index seek, so a claim costs O(recipes with queued runs x `$4`), not O(queued runs):
/// `queued_recipes` walks the distinct recipes of `runs_queued` (a loose index scan), `slots` counts each
/// one's running runs in `runs_running`, the lateral `candidates` takes at most `$4` due runs per recipe.
pub(crate) const CLAIM_RUNS: &str = "\
WITH RECURSIVE queued_recipes(recipe) AS (
    (SELECT recipe FROM runs WHERE status = 'queued' ORDER BY recipe LIMIT 1)
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
    SELECT c.id, c.run_at, c.event_at, s.max_concurrency - s.running AS free,
           ROW_NUMBER() OVER (PARTITION BY s.recipe ORDER BY c.event_at, c.id) AS among_due
    FROM slots s
    CROSS JOIN LATERAL (
        SELECT d.id, d.run_at, d.event_at FROM runs d
        WHERE d.status = 'queued' AND d.recipe = s.recipe AND d.run_at <= $2
        ORDER BY d.event_at, d.id LIMIT $4) c
    WHERE s.running < s.max_concurrency AND (s.max_concurrency > 1 OR c.id = s.head)
),
eligible AS (
    SELECT id FROM candidates WHERE among_due <= free
),
picked AS (
    SELECT runs.id FROM runs
    WHERE runs.id IN (SELECT id FROM eligible) AND runs.status = 'queued'
    ORDER BY runs.run_at, runs.event_at, runs.id
    LIMIT $4
    FOR UPDATE SKIP LOCKED
)
UPDATE runs
SET status = 'running', attempt = runs.attempt + 1, lease_owner = $1, node = $1, lease_expires_at = $3,
    started_at = COALESCE(runs.started_at, $2)
FROM picked
WHERE runs.id = picked.id
RETURNING runs.id, runs.recipe, runs.recipe_version, runs.trigger_name, runs.trigger_event_id,
          runs.business_key, runs.candidate_id, runs.application_id, runs.job_id, runs.payload, runs.attempt,
          runs.event_at, runs.started_at, runs.lease_expires_at, runs.lease_owner, runs.retry_of,
          EXISTS (SELECT 1 FROM steps s WHERE s.run_id = runs.id) AS has_steps";

/// Renews the leases of node `$1` on the runs in the JSON array `$2` until `$3`; returns the renewed ids.
pub(crate) const HEARTBEAT: &str = "\
UPDATE runs SET lease_expires_at = $3
WHERE status = 'running' AND lease_owner = $1 AND id IN (SELECT jsonb_array_elements_text($2))
RETURNING id";

/// Deletes the steps of the runs in the JSON array `$1`.
pub(crate) const DELETE_STEPS_OF_RUNS: &str =
    "DELETE FROM steps WHERE run_id IN (SELECT jsonb_array_elements_text($1))";

/// Deletes the runs in the JSON array `$1`.
pub(crate) const DELETE_RUNS: &str = "DELETE FROM runs WHERE id IN (SELECT jsonb_array_elements_text($1))";

/// The size of hirewire's tables with their indexes and TOAST, in bytes.
pub(crate) const DATABASE_SIZE: &str = "\
SELECT (pg_total_relation_size('runs') + pg_total_relation_size('steps')
      + pg_total_relation_size('webhook_deliveries'))::BIGINT";

/// Marks dead rows' space reusable and refreshes planner statistics (plain VACUUM: no exclusive lock; the
/// file only shrinks when the free pages are at its end).
pub(crate) const RECLAIM_SPACE: &str = "VACUUM (ANALYZE) runs, steps, webhook_deliveries";

/// Nothing to checkpoint on Postgres.
pub(crate) const CHECKPOINT: &str = "SELECT 1";

/// Moves the cursor of (`$1`, `$2`) from `$3` (NULL: none yet) to `$4`; changes no row if another poller moved it.
pub(crate) const ADVANCE_CURSOR: &str = "\
UPDATE trigger_state SET poll_cursor = $4, last_polled_at = $5, updated_at = $5
WHERE recipe = $1 AND trigger_identity = $2 AND poll_cursor IS NOT DISTINCT FROM $3";

/// Prefixes a statement to get its plan.
pub(crate) const EXPLAIN: &str = "EXPLAIN ";

/// Refreshes the planner's statistics.
pub(crate) const ANALYZE: &str = "ANALYZE runs, steps";

// ---- dashboard (web page) -------------------------------------------------------------------------------------

/// Runs recorded at or after `$1`, counted by recipe, hour since `$1` (0, 1, ...) and status.
pub(crate) const RUNS_PER_HOUR: &str = "\
SELECT recipe, FLOOR(EXTRACT(EPOCH FROM (created_at - $1)) / 3600)::BIGINT AS hour, status, COUNT(*) AS runs
FROM runs WHERE created_at >= $1
GROUP BY recipe, hour, status";

/// Candidate ids of runs whose payload contains `$1` (a lowercase `LIKE` pattern, `\` escapes), at most `$2`.
pub(crate) const CANDIDATES_WITH_PAYLOAD_TEXT: &str = "\
SELECT DISTINCT candidate_id FROM runs
WHERE candidate_id IS NOT NULL AND LOWER(payload::text) LIKE $1 ESCAPE '\\'
LIMIT $2";

/// Announces recorded runs on the channel `$1` (`RUNS_CHANNEL`); inside a transaction it is sent at COMMIT.
pub(crate) const NOTIFY_RUNS: &str = "SELECT pg_notify($1, '')";

/// Sent inside the transaction that records runs, so other nodes hear of them at its COMMIT without a second
/// round trip.
pub(crate) const ANNOUNCE_RECORDED_RUNS: Option<&str> = Some(NOTIFY_RUNS);

/// A webhook delivery with exactly one run, recorded in ONE autocommitted statement (one round trip instead of
/// BEGIN, two INSERTs, NOTIFY and COMMIT): the delivery (`$1` connection, `$2` delivery id, `$3` now), then,
/// only if the delivery is new, the run (`$4`.. as `INSERT_RUN`'s `$1`..`$12`, `$16` finished_at, `$17`
/// payload), then the announcement on `$18` if the run was inserted. Returns whether the delivery was new and
/// the inserted run's id (`NULL`: a duplicate of an existing run, or a redelivery).
pub(crate) const RECORD_WEBHOOK_WITH_RUN: Option<&str> = Some(
    "\
WITH delivery AS (
    INSERT INTO webhook_deliveries (connection, delivery_id, received_at) VALUES ($1, $2, $3)
    ON CONFLICT DO NOTHING
    RETURNING 1
), run AS (
    INSERT INTO runs (id, recipe, recipe_version, trigger_name, trigger_event_id, business_key, candidate_id,
                      application_id, job_id, status, run_at, event_at, attempt, created_at, finished_at, payload)
    SELECT $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 0, $3, $16, $17
    WHERE EXISTS (SELECT 1 FROM delivery)
    ON CONFLICT DO NOTHING
    RETURNING id
), announced AS (
    SELECT pg_notify($18, '') FROM run
)
SELECT EXISTS (SELECT 1 FROM delivery) AS fresh, (SELECT id FROM run) AS run_id,
       (SELECT COUNT(*) FROM announced) AS announced",
);

/// The connection's client and server ports as the server sees them (`NULL` over a Unix socket).
pub(crate) const CONNECTION_PORTS: &str = "SELECT inet_client_port(), inet_server_port()";

/// Transactions committed in the current database so far.
pub(crate) const COMMITS_OF_DATABASE: &str =
    "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()";
