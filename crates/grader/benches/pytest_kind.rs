//! The pytest kind's benchmark: grading a learner's tests against an
//! exercise with 5 bugs (`pytest/test-slugify`, the reference tests, which
//! catch all of them) — nine runs of the learner's tests since the runs on
//! correct code are repeated among the bugs' (1 alone, 5 bugs, 3 more on
//! correct code), each a container of its own — side by side in one run
//! with:
//!
//! - **pytest on the host** — six runs (correct code and the five bugs,
//!   as gradings once were) with bare `python3 -m pytest` in fresh
//!   temporary folders, one after another, no container: the floor, which
//!   the grader's three extra runs now make it pay for;
//! - **a python job, warm** — one python-kind grading (`python/fizzbuzz`'s
//!   reference) with the warm pool: what one plain job costs, so the pytest
//!   kind's cost reads as a number of jobs;
//! - **grader, cold** and **grader, warm pool** — `Grader::grade()` of the
//!   pytest exercise with a `DockerSandbox` (as `grader grade`) and with a
//!   `WarmPool` of one container per kind of job (as `grader serve`'s
//!   default `--warm 1`), and with one of six (`grader serve --warm 6`).
//!   (`grader check` runs an author's code in one shared container:
//!   `benches/README.md`'s check figures.)
//!
//! Latency only, one grading at a time after a 4 s idle pause, the methods
//! in a new random order each round. Every grading is checked to earn full
//! marks, so a broken method cannot look fast.
//!
//! `cargo bench -p grader --bench pytest_kind`; `GRADER_BENCH_ITERS` (10),
//! `GRADER_BENCH_PYTHON` (`python3`, needs pytest for the floor). The
//! runner images must be built. Results: `benches/README.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use grader::mutant::patch_files;
use grader::pytest::IMPLEMENTATION;
use grader::{Exercise, Grader, Images, Status, Submission};
use grader_sandbox::{DockerSandbox, Runner, WarmPool};
use grader_testkit::bench::one_minute_load;

const EXERCISE: &str = "pytest/test-slugify";
const PLAIN: &str = "python/fizzbuzz";
/// Untimed pause before each sample: the pools refill (six containers
/// take a few seconds to start on 2 cores).
const IDLE: Duration = Duration::from_secs(4);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Method {
    Host,
    PlainWarm,
    Cold,
    Warm,
    WarmSix,
}

impl Method {
    fn label(self) -> &'static str {
        match self {
            Method::Host => "pytest on the host, 6 runs (floor)",
            Method::PlainWarm => "one python job, warm (python/fizzbuzz)",
            Method::Cold => "grader, cold: pytest kind, 5 bugs",
            Method::Warm => "grader, warm pool of 1: pytest kind, 5 bugs",
            Method::WarmSix => "grader, warm pool of 6: pytest kind, 5 bugs",
        }
    }
}

fn submission_of(dir: &Path, exercise: &Exercise) -> Submission {
    Submission::from_paths(exercise, &[dir.join("reference")]).expect("the reference's files")
}

/// The correct implementation and each bug, as folders of files.
fn implementations(dir: &Path) -> Vec<BTreeMap<String, Vec<u8>>> {
    let exercise = Exercise::load(dir).expect("the exercise loads");
    let spec = exercise.spec.pytest.as_ref().expect("a pytest section");
    let correct: BTreeMap<String, Vec<u8>> = spec
        .files
        .iter()
        .map(|name| {
            let text = std::fs::read(dir.join("implementation").join(name))
                .expect("the implementation's file");
            (name.clone(), text)
        })
        .collect();
    let names: Vec<&str> = spec.files.iter().map(String::as_str).collect();
    let mut all = vec![correct.clone()];
    for bug in &spec.bugs {
        let patch = format!("bugs/{}.patch", bug.name);
        let text = std::fs::read_to_string(dir.join(&patch)).expect("the bug's patch");
        all.push(
            patch_files(&IMPLEMENTATION, correct.clone(), &names, &patch, &text)
                .expect("the bug's patch applies"),
        );
    }
    all
}

/// The six runs on the host; each gets a fresh folder, as each job gets a
/// fresh container. Correct code must pass, each bug must fail.
fn host_runs(python: &Path, tests: &BTreeMap<String, Vec<u8>>, all: &[BTreeMap<String, Vec<u8>>]) {
    for (index, files) in all.iter().enumerate() {
        let temp = tempfile::tempdir().expect("a temporary folder");
        for (name, contents) in tests.iter().chain(files) {
            std::fs::write(temp.path().join(name), contents)
                .expect("a file in the temporary folder");
        }
        let status = std::process::Command::new(python)
            .args(["-B", "-m", "pytest", "-q", "-p", "no:cacheprovider"])
            .current_dir(temp.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .expect("the host's python starts");
        assert_eq!(status.success(), index == 0, "run {index} on the host");
    }
}

async fn graded<R: Runner>(grader: &Grader<R>, exercise: &Exercise, submission: &Submission) {
    let result = grader.grade(exercise, submission).await;
    assert!(
        result.status == Status::Passed && result.score == result.max_score,
        "{} did not earn full marks: {result:#?}",
        exercise.id
    );
}

#[tokio::main]
async fn main() {
    let iters = grader_testkit::bench::setting::<usize>("GRADER_BENCH_ITERS", 10);
    let python = std::env::var("GRADER_BENCH_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root");
    let images = Images::new(root.join("runner-images"));
    let dir = root.join("exercises").join(EXERCISE);
    let exercise = Exercise::load(&dir).expect("the exercise loads");
    let submission = submission_of(&dir, &exercise);
    let plain_dir = root.join("exercises").join(PLAIN);
    let plain = Exercise::load(&plain_dir).expect("the plain exercise loads");
    let plain_submission = submission_of(&plain_dir, &plain);
    let all = implementations(&dir);
    let host_python = host_pytest(&python);

    let sandbox = DockerSandbox::connect().await.expect("a Docker engine");
    sandbox.sweep().await.expect("the sweep");
    let pool = WarmPool::new(sandbox.clone(), 1, Duration::from_secs(600));
    let sandbox_six = sandbox.clone();
    let cold = Grader::new(sandbox, images.clone());
    let warm = Grader::new(pool.clone(), images.clone());
    let pool_six = WarmPool::new(sandbox_six, 6, Duration::from_secs(600));
    let warm_six = Grader::new(pool_six.clone(), images);

    let mut methods = vec![
        Method::PlainWarm,
        Method::Cold,
        Method::Warm,
        Method::WarmSix,
    ];
    match &host_python {
        Some(_) => methods.insert(0, Method::Host),
        None => println!("floor unavailable: {python} has no pytest"),
    }
    println!(
        "{EXERCISE}: {} runs of the learner's tests (correct + 5 bugs); {iters} rounds; \
         load average {} at the start",
        all.len(),
        one_minute_load()
    );
    let mut samples: BTreeMap<Method, Vec<Duration>> = BTreeMap::new();
    for round in 0..iters + 1 {
        let mut order = methods.clone();
        {
            use rand::seq::SliceRandom;
            order.shuffle(&mut rand::rng());
        }
        for method in order {
            tokio::time::sleep(IDLE).await;
            let started = Instant::now();
            match method {
                Method::Host => host_runs(
                    host_python.as_deref().expect("the floor's interpreter"),
                    &submission.files,
                    &all,
                ),
                Method::PlainWarm => graded(&warm, &plain, &plain_submission).await,
                Method::Cold => graded(&cold, &exercise, &submission).await,
                Method::Warm => graded(&warm, &exercise, &submission).await,
                Method::WarmSix => graded(&warm_six, &exercise, &submission).await,
            }
            // Round 0 warms up (the pool's first containers, the page cache).
            if round > 0 {
                samples.entry(method).or_default().push(started.elapsed());
            }
        }
    }
    pool.close(Duration::from_secs(30)).await;
    pool_six.close(Duration::from_secs(30)).await;

    print_table(&samples);
    println!("load average {} at the end", one_minute_load());
}

/// The interpreter `python` names, if it has pytest: the floor's.
fn host_pytest(python: &str) -> Option<PathBuf> {
    std::process::Command::new(python)
        .args(["-c", "import sys, pytest; print(sys.executable)"])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()))
}

/// Each method's mean and p50, as ratios of the floor and of one job.
fn print_table(samples: &BTreeMap<Method, Vec<Duration>>) {
    let mean = |times: &[Duration]| times.iter().sum::<Duration>() / times.len() as u32;
    let p50 = |times: &[Duration]| {
        let mut sorted = times.to_vec();
        sorted.sort();
        sorted[sorted.len() / 2]
    };
    let floor = samples.get(&Method::Host).map(|times| mean(times));
    let plain_mean = mean(&samples[&Method::PlainWarm]);
    println!(
        "\n{:<44} {:>10} {:>8} {:>10} {:>12}",
        "latency", "mean", "p50", "× floor", "× one job"
    );
    for (method, times) in samples {
        let mean = mean(times);
        let ratio = |base: Duration| format!("{:.2}×", mean.as_secs_f64() / base.as_secs_f64());
        println!(
            "{:<44} {:>7} ms {:>5} ms {:>10} {:>12}",
            method.label(),
            mean.as_millis(),
            p50(times).as_millis(),
            floor.map_or("-".to_owned(), ratio),
            ratio(plain_mean),
        );
    }
}
