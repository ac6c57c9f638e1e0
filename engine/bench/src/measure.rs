//! Process figures read from `/proc` (peak and current RSS, CPU seconds) and the
//! statistics the benchmarks report (percentiles, medians).

use std::time::Duration;

/// Clock ticks per second of `/proc/<pid>/stat` (`USER_HZ`, fixed at 100 on Linux).
const USER_HZ: f64 = 100.0;

/// Memory and CPU of a process at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ProcessSample {
    /// Peak resident set size (`VmHWM`), in bytes.
    pub peak_rss_bytes: u64,
    /// Current resident set size (`VmRSS`), in bytes.
    pub rss_bytes: u64,
    /// User + system CPU time consumed so far, in seconds.
    pub cpu_seconds: f64,
}

/// Samples this process (`/proc/self`); zeros where `/proc` is unavailable.
#[must_use]
pub fn sample_self() -> ProcessSample {
    sample_proc("self")
}

/// Samples process `pid`; zeros where `/proc/<pid>` is unavailable.
#[must_use]
pub fn sample_pid(pid: u32) -> ProcessSample {
    sample_proc(&pid.to_string())
}

fn sample_proc(which: &str) -> ProcessSample {
    let status = std::fs::read_to_string(format!("/proc/{which}/status")).unwrap_or_default();
    let stat = std::fs::read_to_string(format!("/proc/{which}/stat")).unwrap_or_default();
    ProcessSample {
        peak_rss_bytes: status_kib(&status, "VmHWM:") * 1024,
        rss_bytes: status_kib(&status, "VmRSS:") * 1024,
        cpu_seconds: stat_cpu_seconds(&stat),
    }
}

/// Resets this process's peak RSS (`VmHWM`) to its current RSS, so a pass measures its own peak.
/// Silently does nothing where the kernel does not allow it.
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A `Key:   1234 kB` line of `/proc/<pid>/status`, in KiB.
fn status_kib(status: &str, key: &str) -> u64 {
    status
        .lines()
        .find_map(|line| line.strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// utime + stime of `/proc/<pid>/stat` (fields 14 and 15, counted after the `(comm)` field,
/// which may itself hold spaces), in seconds.
fn stat_cpu_seconds(stat: &str) -> f64 {
    let Some(after_comm) = stat.rfind(')').and_then(|i| stat.get(i + 1..)) else { return 0.0 };
    // After `)`: field 3 (state) is index 0, so utime (14) is index 11 and stime (15) index 12.
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    let ticks = |index: usize| fields.get(index).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    // Tick counts stay far below 2^52, where u64 -> f64 is exact.
    #[allow(clippy::cast_precision_loss)]
    let seconds = (ticks(11) + ticks(12)) as f64 / USER_HZ;
    seconds
}

/// The `q`-quantile (0.0..=1.0, nearest rank) of `values`, in milliseconds; 0 when empty.
#[must_use]
pub fn percentile_ms(values: &mut [Duration], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_unstable();
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let rank = ((q.clamp(0.0, 1.0) * values.len() as f64).ceil() as usize).clamp(1, values.len());
    values[rank - 1].as_secs_f64() * 1000.0
}

/// The median of `values` (the mean of the middle two for an even count); 0 when empty.
#[must_use]
pub fn median(values: &[f64]) -> f64 {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return 0.0;
    }
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) { (sorted[mid - 1] + sorted[mid]) / 2.0 } else { sorted[mid] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_cpu_seconds_skips_a_command_name_with_spaces() {
        let stat = "42 (tokio rt) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 8 0 100 1000 200";
        assert!((stat_cpu_seconds(stat) - 3.0).abs() < 1e-9);
    }

    #[test]
    fn status_kib_reads_the_named_line() {
        let status = "Name:\thirewire\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\n";
        assert_eq!(status_kib(status, "VmHWM:"), 20480);
        assert_eq!(status_kib(status, "VmRSS:"), 10240);
        assert_eq!(status_kib(status, "VmSwap:"), 0);
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let mut values: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert!((percentile_ms(&mut values, 0.5) - 50.0).abs() < 1e-9);
        assert!((percentile_ms(&mut values, 0.99) - 99.0).abs() < 1e-9);
        assert!((percentile_ms(&mut [], 0.99)).abs() < 1e-9);
    }

    #[test]
    fn median_of_even_and_odd_counts() {
        assert!((median(&[3.0, 1.0, 2.0]) - 2.0).abs() < 1e-9);
        assert!((median(&[4.0, 1.0, 2.0, 3.0]) - 2.5).abs() < 1e-9);
        assert!(median(&[]).abs() < 1e-9);
    }
}
