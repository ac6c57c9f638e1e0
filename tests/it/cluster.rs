//! Scale-out (docs/contract.md section 9): several daemons on one Postgres. The failure test with real processes,
//! the rate budget shared across nodes, and the container files' structure.

mod containers;
mod failure;
mod outcome;
mod private_postgres;
mod processes;
mod project;
mod rate_budget;
mod test_cluster;

/// Hires in the failure test with a fast HR API (the 2,000).
const HIRES: usize = 2_000;

/// Hires in the failure test with a slow HR API (every BambooHR answer 200 ms late).
const SLOW_HR_HIRES: usize = 2_000;

/// One failure scenario at a time (CI runs tests two at a time): each brings up three daemons,
/// a sandbox and a Postgres on a 2-core machine, and its figures mean something only alone.
static ONE_SCENARIO_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_nodes_survive_a_kill_a_restart_and_a_postgres_restart() {
    let _alone = ONE_SCENARIO_AT_A_TIME.lock().await;
    let Some(figures) = failure::run_scenario(HIRES, false).await else {
        return;
    };
    failure::print_figures("fast HR API", &figures);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_nodes_survive_failures_with_a_slow_hr_api() {
    let _alone = ONE_SCENARIO_AT_A_TIME.lock().await;
    let Some(figures) = failure::run_scenario(SLOW_HR_HIRES, true).await else {
        return;
    };
    failure::print_figures("slow HR API", &figures);
}
