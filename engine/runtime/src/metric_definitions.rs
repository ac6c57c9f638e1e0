//! Metric names the daemon records, in one place (Prometheus at `/metrics`).

/// Runs finished, labelled `recipe` and `status`.
pub const RUNS_FINISHED_TOTAL: &str = "hirewire_runs_finished_total";
/// Runs recorded from triggers, labelled `recipe` and `source` (webhook, poll, schedule, retry).
pub const RUNS_RECORDED_TOTAL: &str = "hirewire_runs_recorded_total";
/// Step duration in seconds, labelled `action` and `status`.
pub const STEP_DURATION_SECONDS: &str = "hirewire_step_duration_seconds";
/// Runs waiting to be claimed (gauge).
pub const QUEUE_DEPTH: &str = "hirewire_queue_depth";
/// Seconds since a polling trigger last polled successfully, labelled `recipe` (gauge).
pub const POLL_LAG_SECONDS: &str = "hirewire_poll_lag_seconds";
/// Webhook deliveries, labelled `connection` and `outcome` (recorded, duplicate, rejected).
pub const WEBHOOKS_TOTAL: &str = "hirewire_webhooks_total";
/// Recipe reloads, labelled `outcome` (applied, rejected).
pub const RELOADS_TOTAL: &str = "hirewire_reloads_total";

/// Registers descriptions of every metric above (and the SDK's).
pub fn describe_metrics() {
    hirewire_sdk::metric_definitions::describe_metrics();
    metrics::describe_counter!(RUNS_FINISHED_TOTAL, "Runs finished by recipe and status");
    metrics::describe_counter!(RUNS_RECORDED_TOTAL, "Runs recorded by recipe and source");
    metrics::describe_histogram!(STEP_DURATION_SECONDS, metrics::Unit::Seconds, "Step duration by action and status");
    metrics::describe_gauge!(QUEUE_DEPTH, "Runs queued and due");
    metrics::describe_gauge!(POLL_LAG_SECONDS, "Seconds since each polling trigger last polled");
    metrics::describe_counter!(WEBHOOKS_TOTAL, "Webhook deliveries by connection and outcome");
    metrics::describe_counter!(RELOADS_TOTAL, "Recipe reloads by outcome");
}
