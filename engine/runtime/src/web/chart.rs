//! The small server-rendered SVG chart of a recipe's runs per hour by status (no JavaScript library).

use chrono::{DateTime, Duration, Utc};
use hirewire_store::RunStatus;
use hirewire_store::dashboard::HourlyRunCount;
use maud::{Markup, html};

/// Hours shown.
pub const HOURS: usize = 24;
/// The order statuses are stacked in, bottom up.
const STACK: [RunStatus; 6] = [
    RunStatus::Succeeded,
    RunStatus::Failed,
    RunStatus::Running,
    RunStatus::Queued,
    RunStatus::Skipped,
    RunStatus::Cancelled,
];
const BAR_WIDTH: u32 = 10;
const BAR_GAP: u32 = 2;
const HEIGHT: u32 = 60;

/// One recipe's runs in each of the last `HOURS` hours, by status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HourlyRuns {
    /// `counts[hour][status index in RunStatus::ALL]`.
    counts: Vec<[i64; 6]>,
}

fn status_index(status: RunStatus) -> usize {
    RunStatus::ALL.iter().position(|s| *s == status).unwrap_or_default()
}

impl HourlyRuns {
    /// The counts of `recipe` among `rows` (hours counted from the window start).
    #[must_use]
    pub fn of(recipe: &str, rows: &[HourlyRunCount]) -> Self {
        let mut counts = vec![[0_i64; 6]; HOURS];
        for row in rows.iter().filter(|r| r.recipe == recipe) {
            if let Some(hour) = usize::try_from(row.hour).ok().and_then(|h| counts.get_mut(h)) {
                hour[status_index(row.status)] += row.runs;
            }
        }
        Self { counts }
    }

    /// Runs with `status` over the whole window.
    #[must_use]
    pub fn total(&self, status: RunStatus) -> i64 {
        self.counts.iter().map(|hour| hour[status_index(status)]).sum()
    }

    /// Every run in the window.
    #[must_use]
    pub fn all(&self) -> i64 {
        self.counts.iter().flatten().sum()
    }

    /// The stacked-bar chart; `window_start` labels the hours.
    #[must_use]
    pub fn chart(&self, window_start: DateTime<Utc>) -> Markup {
        let peak = self.counts.iter().map(|h| h.iter().sum::<i64>()).max().unwrap_or(0).max(1);
        let width = u32::try_from(HOURS).unwrap_or(24) * (BAR_WIDTH + BAR_GAP);
        let summary: Vec<String> = STACK
            .iter()
            .filter(|s| self.total(**s) > 0)
            .map(|s| format!("{} {}", self.total(*s), s.as_str()))
            .collect();
        let label = if summary.is_empty() {
            "Runs per hour, last 24 hours: none".to_owned()
        } else {
            format!("Runs per hour, last 24 hours: {}", summary.join(", "))
        };
        html! {
            svg.chart viewBox=(format!("0 0 {width} {}", HEIGHT + 2)) preserveAspectRatio="none" role="img" aria-label=(label) {
                title { (label) }
                line.axis x1="0" y1=(HEIGHT) x2=(width) y2=(HEIGHT) {}
                @for (hour, counts) in self.counts.iter().enumerate() {
                    @let x = u32::try_from(hour).unwrap_or_default() * (BAR_WIDTH + BAR_GAP);
                    @let start = window_start + Duration::hours(i64::try_from(hour).unwrap_or_default());
                    @for segment in segments(counts, peak) {
                        rect class=(format!("b-{}", segment.status.as_str())) x=(x) y=(segment.y) width=(BAR_WIDTH) height=(segment.height) {
                            title { (start.format("%H:00 UTC")) ": " (segment.runs) " " (segment.status.as_str()) }
                        }
                    }
                }
            }
        }
    }
}

/// One coloured piece of a bar.
struct Segment {
    status: RunStatus,
    runs: i64,
    y: i64,
    height: i64,
}

/// The stacked pieces of one hour's bar, scaled so `peak` fills the height (each non-empty piece at least 1).
fn segments(counts: &[i64; 6], peak: i64) -> Vec<Segment> {
    let mut top = i64::from(HEIGHT);
    let mut out = Vec::new();
    for status in STACK {
        let runs = counts[status_index(status)];
        if runs == 0 {
            continue;
        }
        let height = (runs * i64::from(HEIGHT) / peak).max(1);
        top -= height;
        out.push(Segment { status, runs, y: top.max(0), height });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(hour: i64, status: RunStatus, runs: i64) -> HourlyRunCount {
        HourlyRunCount { recipe: "hired".to_owned(), hour, status, runs }
    }

    #[test]
    fn counts_sum_by_status_and_ignore_other_recipes_and_hours() {
        let mut rows =
            vec![row(0, RunStatus::Succeeded, 3), row(23, RunStatus::Failed, 2), row(24, RunStatus::Failed, 9)];
        rows.push(HourlyRunCount { recipe: "other".to_owned(), hour: 1, status: RunStatus::Failed, runs: 5 });
        let hourly = HourlyRuns::of("hired", &rows);
        assert_eq!(hourly.total(RunStatus::Succeeded), 3);
        assert_eq!(hourly.total(RunStatus::Failed), 2);
        assert_eq!(hourly.all(), 5);
    }

    #[test]
    fn bars_scale_to_the_busiest_hour() {
        let pieces = segments(&[0, 0, 4, 2, 0, 0], 6);
        assert_eq!(pieces.len(), 2);
        assert_eq!((pieces[0].status, pieces[0].height, pieces[0].y), (RunStatus::Succeeded, 40, 20));
        assert_eq!((pieces[1].status, pieces[1].height, pieces[1].y), (RunStatus::Failed, 20, 0));
    }

    #[test]
    fn chart_has_an_accessible_summary() {
        let hourly = HourlyRuns::of("hired", &[row(5, RunStatus::Failed, 1)]);
        let svg = hourly.chart(DateTime::<Utc>::from_timestamp(0, 0).unwrap_or_default()).into_string();
        assert!(svg.contains(r#"aria-label="Runs per hour, last 24 hours: 1 failed""#), "{svg}");
        assert!(svg.contains("05:00 UTC: 1 failed"), "{svg}");
    }
}
