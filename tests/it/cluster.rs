//! Scale-out (SPEC 9): several daemons on one Postgres. The failure test with real processes,
//! the rate budget shared across nodes, and the container files' structure.

mod containers;
mod failure;
mod private_postgres;
mod processes;
mod project;
mod rate_budget;

/// Hires in the CI failure test (the full 2,000 run in the ignored test below).
const CI_HIRES: usize = 400;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_nodes_survive_a_kill_a_restart_and_a_postgres_restart() {
    let Some(figures) = failure::run_scenario(CI_HIRES, false).await else {
        return;
    };
    failure::print_figures("fast HR API", &figures);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_nodes_survive_failures_with_a_slow_hr_api() {
    let Some(figures) = failure::run_scenario(CI_HIRES / 2, true).await else {
        return;
    };
    failure::print_figures("slow HR API", &figures);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "2,000 hires take several minutes on a 2-core machine: run by hand with --ignored"]
async fn two_thousand_hires_survive_failures() {
    let Some(figures) = failure::run_scenario(2_000, false).await else {
        return;
    };
    failure::print_figures("fast HR API, 2,000 hires", &figures);
    let Some(figures) = failure::run_scenario(2_000, true).await else {
        return;
    };
    failure::print_figures("slow HR API, 2,000 hires", &figures);
}
