//! `hirewire bench --quick`: every scenario runs end to end at tiny sizes on SQLite and Postgres
//! and its JSON holds sane figures. No timing is asserted; the figures come from the harness.

use std::sync::Arc;

use hirewire_bench::{Backend, BenchOptions, Scenario, run_bench, sql_count};
use serde_json::Value;

/// Every number in `value` (recursively), with its path.
fn numbers(value: &Value, path: &str, out: &mut Vec<(String, f64)>) {
    match value {
        Value::Number(n) => out.push((path.to_owned(), n.as_f64().unwrap_or(f64::NAN))),
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| numbers(v, &format!("{path}[{i}]"), out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| numbers(v, &format!("{path}.{k}"), out)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_bench_reports_every_scenario_with_sane_figures() {
    let options = BenchOptions {
        scenarios: Scenario::ALL.to_vec(),
        quick: true,
        runs: 1,
        backends: vec![Backend::Sqlite, Backend::Postgres],
        daemon_exe: None,
        webhooks: Some(20),
        progress: None,
    };
    let report = run_bench(&options, Arc::new(hirewire_connectors::all())).await.expect("the quick bench runs");
    let json = serde_json::to_value(&report).expect("the report serialises");

    for scenario in ["ceiling", "throughput", "backfill", "history", "idle"] {
        let entries = json[scenario].as_array().unwrap_or_else(|| panic!("{scenario} is missing: {json}"));
        assert!(!entries.is_empty(), "{scenario} has no figures: {json}");
    }
    let mut all = Vec::new();
    numbers(&json, "", &mut all);
    for (path, n) in &all {
        assert!(n.is_finite() && *n >= 0.0, "{path} = {n}");
    }
    assert!(json["machine"]["cpus"].as_u64().unwrap_or(0) >= 1);
    assert!(!json["machine"]["cpu_model"].as_str().unwrap_or_default().is_empty());

    // Throughput: each backend at each quick concurrency; every webhook acknowledged, every run succeeded.
    let throughput = json["throughput"].as_array().expect("throughput");
    assert_eq!(throughput.len(), 4, "2 backends × 2 concurrencies: {throughput:?}");
    for summary in throughput {
        assert_eq!(summary["webhooks"], 20, "{summary}");
        assert_eq!(summary["runs_not_succeeded"], 0, "{summary}");
        assert!(summary["runs_per_sec"].as_f64().unwrap_or(0.0) > 0.0, "{summary}");
        assert!(summary["fraction_of_ceiling"].as_f64().is_some(), "{summary}");
        assert!(summary["commits_per_run"].as_f64().unwrap_or(0.0) > 0.0, "{summary}");
        if sql_count::ensure_installed() {
            assert!(summary["statements_per_run"].as_f64().unwrap_or(0.0) > 0.0, "{summary}");
        }
        for pass in summary["passes"].as_array().expect("passes") {
            assert_eq!(pass["runs_succeeded"], 20, "{pass}");
            assert_eq!(pass["first_error"], Value::Null, "{pass}");
        }
    }

    // Backfill: every hire recorded once, from a handful of listing requests, never throttled.
    for summary in json["backfill"].as_array().expect("backfill") {
        assert_eq!(summary["max_throttled"], 0, "{summary}");
        for pass in summary["passes"].as_array().expect("passes") {
            // The sandbox's seed data holds a hire of its own besides the bulk ones.
            assert!(pass["runs_recorded"].as_u64() >= pass["hires"].as_u64(), "{pass}");
            assert!(pass["greenhouse_requests"].as_u64().unwrap_or(0) >= 1, "{pass}");
        }
    }

    // History: the seven `runs list` filters and `runs show` on each backend, with their plans.
    for result in json["history"].as_array().expect("history") {
        let queries = result["queries"].as_array().expect("queries");
        assert_eq!(queries.len(), 8, "{result}");
        assert!(queries.iter().all(|q| !q["plan"].as_array().is_none_or(Vec::is_empty)), "{result}");
        assert_eq!(result["runs"], 2000);
    }

    // Idle: the daemon was measured over a window.
    let idle = &json["idle"][0];
    assert!(idle["rss_mib"].as_f64().unwrap_or(0.0) > 0.0, "{idle}");
    assert_eq!(idle["recipes"], 10, "{idle}");
}
