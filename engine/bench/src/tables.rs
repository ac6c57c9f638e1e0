//! The tables `hirewire bench` prints: one per scenario, from a [`BenchReport`], after a line
//! describing the machine.

use std::fmt::Write as _;

use comfy_table::{ContentArrangement, Table};

use crate::BenchReport;

fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table.load_style(comfy_table::presets::UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    table.set_header(header.iter().copied());
    table
}

/// Every scenario's table for `report`, after a line describing the machine, as the CLI prints them.
#[must_use]
pub fn render_report(report: &BenchReport) -> String {
    let mut out = String::new();
    let m = &report.machine;
    let _ = writeln!(
        out,
        "\nmachine: {} CPUs, {}, {} MiB, {}; {} pass(es) per figure, medians{}",
        m.cpus,
        m.cpu_model,
        m.memory_mib,
        m.os,
        report.runs,
        if report.quick { " (--quick sizes: not figures to quote)" } else { "" }
    );
    if !report.ceiling.is_empty() {
        let mut t = table(&["ceiling", "runs", "workers", "runs/s"]);
        for c in &report.ceiling {
            let first = c.passes.first();
            t.add_row(vec![
                c.backend.as_str().to_owned(),
                first.map_or(0, |p| p.runs).to_string(),
                first.map_or(0, |p| p.workers).to_string(),
                format!("{:.0}", c.runs_per_sec),
            ]);
        }
        let _ = writeln!(out, "\n{t}");
    }
    if !report.throughput.is_empty() {
        let mut t = table(&[
            "throughput",
            "conc.",
            "webhooks",
            "runs/s",
            "of ceiling",
            "ack p50/p99 ms",
            "event→finished p50/p99 ms",
            "peak RSS MiB",
            "CPU s/1k runs",
            "stmts/run",
            "commits/run",
            "not ok",
        ]);
        for s in &report.throughput {
            t.add_row(vec![
                s.backend.as_str().to_owned(),
                s.concurrency.to_string(),
                s.webhooks.to_string(),
                format!("{:.0}", s.runs_per_sec),
                s.fraction_of_ceiling.map_or_else(|| "-".to_owned(), |f| format!("{:.0}%", f * 100.0)),
                format!("{:.2} / {:.2}", s.ack_p50_ms, s.ack_p99_ms),
                format!("{:.0} / {:.0}", s.event_to_finished_p50_ms, s.event_to_finished_p99_ms),
                format!("{:.0}", s.peak_rss_mib),
                format!("{:.2}", s.cpu_secs_per_1000_runs),
                format!("{:.1}", s.statements_per_run),
                format!("{:.1}", s.commits_per_run),
                s.runs_not_succeeded.to_string(),
            ]);
        }
        let _ = writeln!(out, "\n{t}");
    }
    if !report.backfill.is_empty() {
        let mut t = table(&[
            "backfill",
            "hires",
            "rate",
            "GH requests",
            "req/event",
            "max 429s",
            "wall s",
            "floor s",
            "wall/floor",
        ]);
        for b in &report.backfill {
            let rate =
                b.passes.first().map_or_else(String::new, |p| format!("{}/{} s", p.rate.limit, p.rate.window_secs));
            t.add_row(vec![
                b.backend.as_str().to_owned(),
                b.hires.to_string(),
                rate,
                format!("{:.0}", b.greenhouse_requests),
                format!("{:.4}", b.requests_per_event),
                b.max_throttled.to_string(),
                format!("{:.2}", b.wall_secs),
                format!("{:.2}", b.floor_secs),
                format!("{:.2}", b.wall_over_floor),
            ]);
        }
        let _ = writeln!(out, "\n{t}");
    }
    if !report.history.is_empty() {
        let mut t = table(&["history", "runs", "query", "rows", "median ms", "min ms", "max ms"]);
        for h in &report.history {
            for q in &h.queries {
                t.add_row(vec![
                    h.backend.as_str().to_owned(),
                    h.runs.to_string(),
                    q.query.clone(),
                    q.rows.to_string(),
                    format!("{:.2}", q.median_ms),
                    format!("{:.2}", q.min_ms),
                    format!("{:.2}", q.max_ms),
                ]);
            }
        }
        let _ = writeln!(out, "\n{t}");
    }
    if !report.idle.is_empty() {
        let mut t =
            table(&["idle", "recipes", "poll every s", "window s", "RSS MiB", "peak MiB", "CPU %", "separate process"]);
        for i in &report.idle {
            let first = i.passes.first();
            t.add_row(vec![
                i.backend.as_str().to_owned(),
                i.recipes.to_string(),
                first.map_or(0, |p| p.poll_every_secs).to_string(),
                format!("{:.0}", first.map_or(0.0, |p| p.window_secs)),
                format!("{:.1}", i.rss_mib),
                format!("{:.1}", first.map_or(0.0, |p| p.peak_rss_mib)),
                format!("{:.2}", i.cpu_percent),
                first.is_some_and(|p| !p.in_process).to_string(),
            ]);
        }
        let _ = writeln!(out, "\n{t}");
    }
    out
}
