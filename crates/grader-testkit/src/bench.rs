//! What the benchmarks share: their knobs, and what they print of the
//! machine beside their figures.

use std::str::FromStr;

/// The environment variable `name` parsed, or `default` when it is unset
/// or does not parse.
pub fn setting<T: FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// The 1, 5 and 15-minute load averages, as /proc/loadavg has them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The 1-minute load average, or `?` where /proc/loadavg cannot be read.
pub fn one_minute_load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// CPU seconds the whole machine has been busy since boot (user, nice,
/// system, interrupts, steal: everything but idle and I/O wait), from
/// /proc/stat; the difference over a run is what the run cost the machine.
pub fn busy_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|field| field.parse().ok())
        .collect();
    let total: u64 = fields.iter().sum();
    let idle = fields.get(3).copied().unwrap_or(0) + fields.get(4).copied().unwrap_or(0);
    // USER_HZ is 100 on Linux.
    (total - idle) as f64 / 100.0
}
