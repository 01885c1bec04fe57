//! The kinds benchmark: what a sql job on PostgreSQL costs next to the same
//! job on SQLite, what an api job costs next to a python job, and what an
//! api job with PostgreSQL and Redis costs next to a plain api job, cold and
//! warm, measured side by side in one run.
//!
//! Rows, each `Grader::grade()` of the exercise's reference solution:
//!
//! - **sql on SQLite** and **sql on PostgreSQL** — `sql/cheap-products`
//!   (three datasets, query mode) with its `engines` cut to one engine;
//! - **sql script on SQLite / PostgreSQL** — `sql/design-reviews` (script
//!   mode: DDL, then the author's checks), cut the same way;
//! - **api** — `api/notes-crud` (FastAPI under uvicorn, 8 scenarios);
//! - **python** — `python/fizzbuzz` (16 tests), the yardstick of the api row;
//! - **api with services** — `api/cached-products` (`api.services:
//!   [postgres, redis]`, its schema and seed, 6 scenarios, one of which
//!   restarts the app), from submission to result; its yardstick is the
//!   plain api row.
//!
//! Each row runs with a cold container (`DockerSandbox`, as `grader grade`)
//! and with a warm pool (`WarmPool`, one container per kind of job, as
//! `grader serve`). Every run is checked to have passed all its tests.
//! One submission at a time, each after an idle pause (the pool refills);
//! every round runs every cell once in a new random order, so drift on the
//! machine weighs on all of them alike. The ratios are p50 ÷ p50 of the
//! same run: PostgreSQL ÷ SQLite, api ÷ python, api with PostgreSQL and
//! Redis ÷ plain api.
//!
//! Run with `cargo bench -p grader --bench kinds` once the runner images are
//! built (`cargo run -p grader-cli -- images build`). Knobs:
//! `GRADER_BENCH_ITERS` / `--iters N` (12), `GRADER_BENCH_WARMUP` /
//! `--warmup N` (2). Results are in `benches/README.md`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use grader::{Exercise, Grader, Images, Status, Submission};
use grader_sandbox::{DockerSandbox, Runner, WarmPool};
use grader_testkit::bench::one_minute_load;

/// Untimed pause before each run: the warm pool refills, the previous
/// run's container is gone.
const IDLE: Duration = Duration::from_millis(1500);
const WARM_AGE: Duration = Duration::from_secs(600);
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

struct Row {
    label: &'static str,
    exercise: Exercise,
    submission: Submission,
    /// Keeps a cut-down copy of the exercise alive.
    _temp: Option<tempfile::TempDir>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Cold,
    Warm,
}

#[tokio::main]
async fn main() {
    let (iters, warmup) = settings();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root");
    let images = Images::new(root.join("runner-images"));
    let sandbox = DockerSandbox::connect()
        .await
        .expect("this benchmark needs a running Docker engine; start dockerd");
    sandbox
        .sweep()
        .await
        .expect("sweeping containers left by dead grader processes");
    let pool = WarmPool::new(sandbox.clone(), 1, WARM_AGE);
    let cold = Grader::new(sandbox, images.clone());
    let warm = Grader::new(pool.clone(), images);

    let rows = rows(&root);
    for row in &rows {
        let result = cold.grade(&row.exercise, &row.submission).await;
        assert_passed(row.label, &result);
    }
    let cells: Vec<(usize, Mode)> = (0..rows.len())
        .flat_map(|row| [(row, Mode::Cold), (row, Mode::Warm)])
        .collect();
    println!(
        "{} CPUs; {iters} runs per cell after {warmup} warm-up rounds; one at a time, \
         each after a {} ms pause; cells interleaved in a new random order each round",
        std::thread::available_parallelism().map_or(1, usize::from),
        IDLE.as_millis()
    );
    let load_before = one_minute_load();
    let mut samples = vec![Vec::new(); cells.len()];
    for round in 0..warmup + iters {
        for index in shuffled(cells.len()) {
            let (row, mode) = cells[index];
            tokio::time::sleep(IDLE).await;
            let row = &rows[row];
            let took = match mode {
                Mode::Cold => time(&cold, row).await,
                Mode::Warm => time(&warm, row).await,
            };
            if round >= warmup {
                samples[index].push(took.as_secs_f64());
            }
        }
    }
    println!(
        "load average (1 min) {load_before} before, {} after",
        one_minute_load()
    );
    pool.drain().await;

    print_tables(&rows, &cells, &samples);
}

/// Every row: each sql exercise on each engine, the api exercises, python.
fn rows(root: &Path) -> Vec<Row> {
    vec![
        one_engine(root, "sql/cheap-products", "sqlite", "sql query, SQLite"),
        one_engine(
            root,
            "sql/cheap-products",
            "postgres",
            "sql query, PostgreSQL",
        ),
        one_engine(root, "sql/design-reviews", "sqlite", "sql script, SQLite"),
        one_engine(
            root,
            "sql/design-reviews",
            "postgres",
            "sql script, PostgreSQL",
        ),
        bundled(root, "api/notes-crud", "api/notes-crud"),
        bundled(root, "python/fizzbuzz", "python/fizzbuzz"),
        bundled(
            root,
            "api/cached-products",
            "api/cached-products (PostgreSQL + Redis)",
        ),
    ]
}

/// The table of p50s (and means), then the ratios between rows.
fn print_tables(rows: &[Row], cells: &[(usize, Mode)], samples: &[Vec<f64>]) {
    let p50 = |row: usize, mode: Mode| {
        let index = cells
            .iter()
            .position(|cell| *cell == (row, mode))
            .expect("every row has both modes");
        percentile(&samples[index], 0.5)
    };
    let mean = |row: usize, mode: Mode| {
        let index = cells
            .iter()
            .position(|cell| *cell == (row, mode))
            .expect("every row has both modes");
        samples[index].iter().sum::<f64>() / samples[index].len() as f64
    };
    println!();
    println!("| row | cold p50 (mean) | warm p50 (mean) |");
    println!("|---|---:|---:|");
    for (index, row) in rows.iter().enumerate() {
        println!(
            "| {} | {:.0} ms ({:.0}) | {:.0} ms ({:.0}) |",
            row.label,
            p50(index, Mode::Cold) * 1e3,
            mean(index, Mode::Cold) * 1e3,
            p50(index, Mode::Warm) * 1e3,
            mean(index, Mode::Warm) * 1e3,
        );
    }
    println!();
    println!("| ratio of p50s | cold | warm |");
    println!("|---|---:|---:|");
    for (label, over, under) in [
        ("sql query, PostgreSQL ÷ SQLite", 1, 0),
        ("sql script, PostgreSQL ÷ SQLite", 3, 2),
        ("api ÷ python", 4, 5),
        ("api with PostgreSQL + Redis ÷ plain api", 6, 4),
    ] {
        println!(
            "| {label} | {:.2}× | {:.2}× |",
            p50(over, Mode::Cold) / p50(under, Mode::Cold),
            p50(over, Mode::Warm) / p50(under, Mode::Warm),
        );
    }
}

fn settings() -> (usize, usize) {
    let number = |name: &str, flag: &str, default: usize| {
        let mut args = std::env::args().skip(1);
        let from_args = std::iter::from_fn(|| args.next())
            .collect::<Vec<_>>()
            .windows(2)
            .find(|pair| pair[0] == flag)
            .map(|pair| pair[1].clone());
        from_args
            .or_else(|| std::env::var(name).ok())
            .map(|value| {
                value
                    .parse()
                    .unwrap_or_else(|_| panic!("{flag} / {name} takes a whole number"))
            })
            .unwrap_or(default)
    };
    let iters = number("GRADER_BENCH_ITERS", "--iters", 12);
    assert!(iters > 0, "--iters must be at least 1");
    (iters, number("GRADER_BENCH_WARMUP", "--warmup", 2))
}

async fn time<R: Runner>(grader: &Grader<R>, row: &Row) -> Duration {
    let started = Instant::now();
    let result = tokio::time::timeout(RUN_TIMEOUT, grader.grade(&row.exercise, &row.submission))
        .await
        .unwrap_or_else(|_| panic!("{} took more than {RUN_TIMEOUT:?}", row.label));
    let took = started.elapsed();
    assert_passed(row.label, &result);
    took
}

fn assert_passed(label: &str, result: &grader::GradeResult) {
    assert!(
        result.status == Status::Passed,
        "{label} did not pass: {:?}, error {:?}",
        result.status,
        result.error
    );
}

fn bundled(root: &Path, id: &str, label: &'static str) -> Row {
    let dir = root.join("exercises").join(id);
    row(label, &dir, None)
}

/// A copy of the sql exercise `id` whose `engines` is `[engine]` alone, and
/// without its mutants (which name tests of both engines).
fn one_engine(root: &Path, id: &str, engine: &str, label: &'static str) -> Row {
    let temp = tempfile::tempdir().expect("a temporary folder");
    let dir = temp.path().join(id);
    copy_tree(&root.join("exercises").join(id), &dir);
    let yaml = std::fs::read_to_string(dir.join("exercise.yaml")).expect("exercise.yaml");
    let engines = "engines: [sqlite, postgres]";
    assert!(yaml.contains(engines), "{id} runs on both engines");
    let yaml = yaml.replace(engines, &format!("engines: [{engine}]"));
    let yaml = match yaml.find("\nmutants:") {
        Some(at) => yaml[..=at].to_owned(),
        None => yaml,
    };
    std::fs::write(dir.join("exercise.yaml"), yaml).expect("writing exercise.yaml");
    std::fs::remove_dir_all(dir.join("mutants")).ok();
    row(label, &dir, Some(temp))
}

fn row(label: &'static str, dir: &Path, temp: Option<tempfile::TempDir>) -> Row {
    let exercise = Exercise::load(dir)
        .unwrap_or_else(|error| panic!("{} does not load: {error}", dir.display()));
    let submission = Submission::from_paths(&exercise, &[dir.join("reference")])
        .unwrap_or_else(|error| panic!("the reference of {label} is refused: {error}"));
    Row {
        label,
        exercise,
        submission,
        _temp: temp,
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a folder in the temporary folder");
    for entry in std::fs::read_dir(from)
        .expect("the exercise folder")
        .flatten()
    {
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copying a file");
        }
    }
}

fn percentile(samples: &[f64], q: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[rank]
}

fn shuffled(count: usize) -> Vec<usize> {
    use rand::seq::SliceRandom;
    let mut order: Vec<usize> = (0..count).collect();
    order.shuffle(&mut rand::rng());
    order
}
