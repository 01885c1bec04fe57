//! What the benchmark measured, summed up and printed as two tables per
//! exercise: latency (mean, p50, p95) and throughput, each with its ratio to
//! the floor (bare pytest) and to `docker run --rm`.

use super::methods::Method;

/// Latency samples of one method, in seconds.
#[derive(Debug, Default)]
pub struct Samples(pub Vec<f64>);

impl Samples {
    pub fn mean(&self) -> f64 {
        self.0.iter().sum::<f64>() / self.0.len() as f64
    }

    /// Nearest-rank percentile.
    pub fn percentile(&self, p: f64) -> f64 {
        let mut sorted = self.0.clone();
        sorted.sort_by(f64::total_cmp);
        let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1]
    }
}

/// Throughput of one method at one concurrency: submissions and the wall
/// time their batches took, over all rounds.
#[derive(Debug, Default, Clone, Copy)]
pub struct Throughput {
    pub submissions: usize,
    pub seconds: f64,
}

impl Throughput {
    pub fn per_second(self) -> f64 {
        self.submissions as f64 / self.seconds
    }
}

/// Prints the latency table: one row per method, ratios of the means.
pub fn print_latency(methods: &[Method], samples: &[Samples]) {
    let mean_of = |wanted: Method| {
        methods
            .iter()
            .position(|method| *method == wanted)
            .map(|index| samples[index].mean())
    };
    let floor = mean_of(Method::HostPytest);
    let docker = mean_of(Method::DockerRun);
    println!();
    println!(
        "latency, one submission at a time after an idle pause, {} runs each \
         (ratio = mean ÷ the baseline's mean; lower is better)",
        samples.first().map_or(0, |samples| samples.0.len())
    );
    println!(
        "{:<28} {:>8} {:>8} {:>8} {:>10} {:>14}",
        "method", "mean", "p50", "p95", "× pytest", "× docker run"
    );
    for (method, samples) in methods.iter().zip(samples) {
        let mean = samples.mean();
        println!(
            "{:<28} {:>8} {:>8} {:>8} {:>10} {:>14}",
            method.label(),
            ms(mean),
            ms(samples.percentile(0.5)),
            ms(samples.percentile(0.95)),
            ratio(mean, floor),
            ratio(mean, docker),
        );
    }
}

/// Prints the throughput table: one row per method, one column group per
/// concurrency level, ratios of the rates at the same level.
pub fn print_throughput(methods: &[Method], levels: &[usize], throughput: &[Vec<Throughput>]) {
    let rate_of = |wanted: Method, level: usize| {
        methods
            .iter()
            .position(|method| *method == wanted)
            .map(|index| throughput[index][level].per_second())
    };
    let counts: Vec<String> = throughput
        .first()
        .map(|row| {
            row.iter()
                .map(|cell| cell.submissions.to_string())
                .collect()
        })
        .unwrap_or_default();
    println!();
    println!(
        "throughput, submissions/s over {} submissions per method \
         (ratio = rate ÷ the baseline's rate at the same concurrency; higher is better)",
        counts.join(" and ")
    );
    let mut header = format!("{:<28}", "method");
    for concurrency in levels {
        header.push_str(&format!(
            "  {:>11} {:>9} {:>9}",
            format!("{concurrency} at a time"),
            "× pytest",
            "× docker"
        ));
    }
    println!("{header}");
    for (index, method) in methods.iter().enumerate() {
        let mut line = format!("{:<28}", method.label());
        for (level, cell) in throughput[index].iter().enumerate() {
            let rate = cell.per_second();
            line.push_str(&format!(
                "  {:>11} {:>9} {:>9}",
                format!("{rate:.2}/s"),
                ratio(rate, rate_of(Method::HostPytest, level)),
                ratio(rate, rate_of(Method::DockerRun, level)),
            ));
        }
        println!("{line}");
    }
}

fn ms(seconds: f64) -> String {
    format!("{:.0} ms", seconds * 1000.0)
}

fn ratio(value: f64, base: Option<f64>) -> String {
    match base {
        Some(base) if base > 0.0 => format!("{:.2}×", value / base),
        _ => "—".to_owned(),
    }
}
