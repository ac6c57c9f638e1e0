-- hirewire schema, Postgres. Instants are timestamptz; JSON is jsonb.

-- Every recipe file content the engine has run, by content hash.
CREATE TABLE recipe_versions (
    recipe       TEXT    NOT NULL,
    content_hash TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL, -- first loaded
    loaded_at    TIMESTAMPTZ NOT NULL, -- last loaded: the newest is the recipe's current version
    PRIMARY KEY (recipe, content_hash)
);
CREATE INDEX recipe_versions_latest ON recipe_versions (recipe, loaded_at);

-- Per-recipe concurrency (`concurrency:`); a recipe without a row runs one at a time, in event order.
CREATE TABLE recipe_limits (
    recipe          TEXT    PRIMARY KEY,
    max_concurrency INTEGER NOT NULL CHECK (max_concurrency >= 1)
);

-- Runs: the history and the work queue.
CREATE TABLE runs (
    id               TEXT    PRIMARY KEY,
    recipe           TEXT    NOT NULL,
    recipe_version   TEXT    NOT NULL,
    trigger_name     TEXT    NOT NULL,
    trigger_event_id TEXT,
    business_key     TEXT,
    candidate_id     TEXT,
    application_id   TEXT,
    job_id           TEXT,
    status           TEXT    NOT NULL
        CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'skipped', 'cancelled')),
    run_at           TIMESTAMPTZ NOT NULL,
    event_at         TIMESTAMPTZ NOT NULL,
    attempt          INTEGER NOT NULL DEFAULT 0,
    lease_owner      TEXT,
    lease_expires_at TIMESTAMPTZ,
    node             TEXT,
    created_at       TIMESTAMPTZ NOT NULL,
    started_at       TIMESTAMPTZ,
    finished_at      TIMESTAMPTZ,
    error            TEXT,
    payload          JSONB    NOT NULL,
    retry_of         TEXT,
    requested_by     TEXT,
    redacted_at      TIMESTAMPTZ
);
-- Nothing doubled: one original run per (recipe, event) and per (recipe, business key). Retries are linked by
-- retry_of and exempt; at most one retry of a run is queued or running at a time.
CREATE UNIQUE INDEX runs_unique_event ON runs (recipe, trigger_event_id)
    WHERE trigger_event_id IS NOT NULL AND retry_of IS NULL;
CREATE UNIQUE INDEX runs_unique_key ON runs (recipe, business_key)
    WHERE business_key IS NOT NULL AND retry_of IS NULL;
CREATE UNIQUE INDEX runs_one_active_retry ON runs (retry_of)
    WHERE retry_of IS NOT NULL AND status IN ('queued', 'running');
-- The queue.
CREATE INDEX runs_queued ON runs (recipe, event_at, id) WHERE status = 'queued';
CREATE INDEX runs_running ON runs (recipe, lease_expires_at) WHERE status = 'running';
-- The history (`runs list` filters, newest first).
CREATE INDEX runs_by_recipe_status ON runs (recipe, status, created_at, id);
CREATE INDEX runs_by_recipe ON runs (recipe, created_at, id);
CREATE INDEX runs_by_status ON runs (status, created_at, id);
CREATE INDEX runs_by_created ON runs (created_at, id);
CREATE INDEX runs_by_candidate ON runs (candidate_id, created_at, id) WHERE candidate_id IS NOT NULL;
CREATE INDEX runs_by_application ON runs (application_id, created_at, id) WHERE application_id IS NOT NULL;
CREATE INDEX runs_by_job ON runs (job_id, created_at, id) WHERE job_id IS NOT NULL;

-- Step records; for_each iterations have their own ids (`interviewers[1].dm`).
CREATE TABLE steps (
    run_id      TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    step_id     TEXT    NOT NULL,
    ordinal     INTEGER NOT NULL,
    action      TEXT    NOT NULL,
    status      TEXT    NOT NULL
        CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'skipped', 'retrying')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    input       JSONB,
    output      JSONB,
    error       TEXT,
    started_at  TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    PRIMARY KEY (run_id, step_id)
);

-- Trigger state belongs to the recipe's name and trigger identity, never to a file version.
CREATE TABLE trigger_state (
    recipe           TEXT    NOT NULL,
    trigger_identity TEXT    NOT NULL,
    poll_cursor      JSONB,
    last_polled_at   TIMESTAMPTZ,
    next_fire_at     TIMESTAMPTZ,
    lease_owner      TEXT,
    lease_expires_at TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (recipe, trigger_identity)
);

-- Webhook delivery ids already recorded (Greenhouse-Event-ID), so redeliveries make no second run.
CREATE TABLE webhook_deliveries (
    connection  TEXT    NOT NULL,
    delivery_id TEXT    NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (connection, delivery_id)
);
CREATE INDEX webhook_deliveries_received ON webhook_deliveries (received_at);

-- Daemons sharing this database.
CREATE TABLE nodes (
    id         TEXT    PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL,
    last_seen  TIMESTAMPTZ NOT NULL
);
