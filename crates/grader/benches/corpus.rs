//! The corpus benchmark: what grading costs on test suites nobody here
//! wrote, beside bare pytest on the same files.
//!
//! Every python exercise under the corpus folder (`<track>/<slug>/`, e.g.
//! the Exercism track's suites converted in `../shared/peers/`) has its
//! reference solution graded three ways, each exercise in a new random
//! order of the ways:
//!
//! - **pytest on the host** — bare `python3 -m pytest` on the reference and
//!   the tests in a temporary folder: the floor;
//! - **grader, cold container** — `Grader::grade()` as `grader grade` does;
//! - **grader, warm pool** — as `grader serve` does.
//!
//! It prints the median and p95 of each, and their ratios to the floor, with
//! the load average before and after. A reference that does not earn full
//! marks is named and left out of the figures.
//!
//! Run with `GRADER_BENCH_CORPUS=../shared/peers/exercism-python/exercises
//! cargo bench -p grader --bench corpus`. Knobs: `GRADER_BENCH_ITERS` (runs
//! of each way per exercise, 1), `GRADER_BENCH_PYTHON` (the host's
//! interpreter with pytest 7.2.1, the runner image's; `python3`). The python
//! runner image must be built. Results are in `benches/README.md`.

// The corpus uses two of the grading benchmark's ways and its percentile.
#[allow(dead_code)]
#[path = "grading/methods.rs"]
mod methods;
#[allow(dead_code)]
#[path = "grading/report.rs"]
mod report;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use grader::{Grader, Images, Status};
use grader_sandbox::{DockerSandbox, ForkPool, WarmPool};
use grader_testkit::bench::{load_average, setting};
use methods::{Case, Graders, Method};
use report::Samples;

const METHODS: [Method; 4] = [
    Method::HostPytest,
    Method::GraderCold,
    Method::GraderWarm,
    Method::GraderFork,
];
/// How long a warm container may wait, as in `grader serve`.
const WARM_AGE: Duration = Duration::from_secs(600);

#[tokio::main]
async fn main() {
    let corpus = PathBuf::from(std::env::var("GRADER_BENCH_CORPUS").unwrap_or_else(|_| {
        panic!(
            "set GRADER_BENCH_CORPUS to a folder of exercises, \
             e.g. ../shared/peers/exercism-python/exercises"
        )
    }));
    let iters: usize = setting("GRADER_BENCH_ITERS", 1);
    let python = setting("GRADER_BENCH_PYTHON", "python3".to_owned());
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root");
    let images = Images::new(root.join("runner-images"));
    let image = images
        .tag("python")
        .unwrap_or_else(|error| panic!("the python runner image's recipe: {error}"));
    let sandbox = DockerSandbox::connect()
        .await
        .expect("this benchmark needs a running Docker engine; start dockerd");
    let pool = WarmPool::new(sandbox.clone(), 1, WARM_AGE);
    let forks = ForkPool::new(sandbox.clone(), 1, WARM_AGE);
    let graders = Graders {
        cold: Arc::new(Grader::new(sandbox, images.clone())),
        warm: Arc::new(Grader::new(pool.clone(), images.clone())),
        forked: Arc::new(Grader::new(forks.clone(), images)),
    };
    let floor = host_python(&python);

    let dirs = exercises(&corpus);
    println!(
        "corpus {}: {} exercises; {iters} run(s) of each way per exercise; floor {} ({python})",
        corpus.display(),
        dirs.len(),
        floor
            .as_ref()
            .map_or("missing", |(_, version)| version.as_str()),
    );
    let load_before = load_average();
    let mut samples: Vec<Samples> = METHODS.iter().map(|_| Samples::default()).collect();
    let mut left_out = Vec::new();
    for (id, dir) in &dirs {
        let case = Case::from_dir(
            id,
            dir,
            graders.clone(),
            image.clone(),
            floor.as_ref().map(|(path, _)| path.clone()),
        );
        let first = case
            .graders
            .cold
            .grade(&case.exercise, &case.submission)
            .await;
        if first.status != Status::Passed {
            left_out.push(format!("{id} ({}/{})", first.score, first.max_score));
            continue;
        }
        for _ in 0..iters {
            for method in shuffled(&METHODS) {
                if method == Method::HostPytest && floor.is_none() {
                    continue;
                }
                let took = case.run_once(method).await;
                let at = METHODS.iter().position(|&m| m == method).unwrap_or(0);
                samples[at].0.push(took.as_secs_f64());
            }
        }
    }
    pool.drain().await;
    forks.close(Duration::from_secs(30)).await;

    println!(
        "load average {load_before} before, {} after",
        load_average()
    );
    if !left_out.is_empty() {
        println!("left out, not full marks: {}", left_out.join(", "));
    }
    print_table(&samples);
}

/// Every exercise folder (one with an exercise.yaml) two levels down, by
/// name, as `track/slug`.
fn exercises(corpus: &Path) -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    let tracks = std::fs::read_dir(corpus)
        .unwrap_or_else(|error| panic!("{} cannot be read: {error}", corpus.display()));
    for track in tracks.flatten() {
        let Ok(slugs) = std::fs::read_dir(track.path()) else {
            continue;
        };
        for slug in slugs.flatten() {
            if slug.path().join("exercise.yaml").is_file() {
                let id = format!(
                    "{}/{}",
                    track.file_name().to_string_lossy(),
                    slug.file_name().to_string_lossy()
                );
                found.push((id, slug.path()));
            }
        }
    }
    found.sort();
    found
}

/// The host's interpreter and pytest's version, if it has pytest.
fn host_python(python: &str) -> Option<(PathBuf, String)> {
    let output = std::process::Command::new(python)
        .args([
            "-c",
            "import sys, pytest; print(sys.executable); print(pytest.__version__)",
        ])
        .output()
        .ok()
        .filter(|output| output.status.success())?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut lines = stdout.lines();
    let executable = PathBuf::from(lines.next()?);
    Some((executable, format!("pytest {}", lines.next()?)))
}

fn shuffled<T: Clone>(items: &[T]) -> Vec<T> {
    use rand::seq::SliceRandom;
    let mut order = items.to_vec();
    order.shuffle(&mut rand::rng());
    order
}

/// Each way's median and p95, the median as a ratio of the floor's.
fn print_table(samples: &[Samples]) {
    let floor_median = if samples[0].0.is_empty() {
        f64::NAN
    } else {
        samples[0].percentile(0.5)
    };
    println!(
        "{:<32} {:>6} {:>10} {:>10} {:>14}",
        "way", "runs", "median", "p95", "median ÷ floor"
    );
    for (method, samples) in METHODS.iter().zip(samples) {
        if samples.0.is_empty() {
            continue;
        }
        let median = samples.percentile(0.5);
        println!(
            "{:<32} {:>6} {:>8.0}ms {:>8.0}ms {:>13.2}×",
            method.label(),
            samples.0.len(),
            median * 1000.0,
            samples.percentile(0.95) * 1000.0,
            median / floor_median
        );
    }
}
