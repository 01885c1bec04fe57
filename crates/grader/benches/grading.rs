//! The grading benchmark: what grading one submission costs, measured side by
//! side in one run against the two things it can be compared with.
//!
//! - **pytest on the host** — the same tests on the reference solution with
//!   bare `python3 -m pytest` in a temporary folder, no container: the floor.
//! - **docker run --rm** — what a user would script: one hardened
//!   `docker run --rm -i` per submission with the same image, the same limits
//!   and flags as `hardened_container()`, the files piped in as a tar that
//!   runs `python3 -m pytest -q`.
//! - **grader, cold container** — `Grader::grade()` with a `DockerSandbox`,
//!   as `grader grade` does: create, attach, start, send the tar, wait,
//!   remove, all on the clock.
//! - **grader, warm pool** — `Grader::grade()` with a `WarmPool`, as
//!   `grader serve --isolation container` does: the job takes a container
//!   already started, with pytest imported, and a fresh one is prepared
//!   behind it.
//! - **grader, fork pool** — `Grader::grade()` with a `ForkPool`, as
//!   `grader serve` does: the job is forked, as a user of its own, in a
//!   long-lived container whose zygote imported pytest and the harness.
//!
//! Latency is measured one submission at a time, each after an idle pause (a
//! submission to a quiet grader, whose pool has refilled); throughput with 1
//! and 2 submissions in flight, back to back. Everything is interleaved: each
//! round runs every method once (latency), or one batch of every method at
//! every concurrency (throughput), in a new random order, so that drift on
//! the machine (another build, the page cache) weighs on all of them alike
//! and no method always follows the same other one.
//!
//! Run with `cargo bench -p grader --bench grading`. Knobs, as environment
//! variables or flags:
//!
//! - `GRADER_BENCH_ITERS`, `--iters N`: latency runs per method (20);
//! - `GRADER_BENCH_WARMUP`, `--warmup N`: uncounted rounds first (2);
//! - `GRADER_BENCH_WARM`, `--warm N`: the pool's containers per kind of job
//!   (1, `grader serve`'s default `--warm`);
//! - `GRADER_BENCH_EXERCISES`, `--exercises a,b`
//!   (`python/fizzbuzz,python/shopping-cart,bench/calls`; `bench/<name>` is
//!   a fixture under `benches/grading/`: `calls` calls a learner function
//!   10,000 times, so the per-call cost of the proxy shows);
//! - `GRADER_BENCH_PYTHON`: the host's interpreter for the floor (`python3`).
//!
//! The runner image must be built (`cargo run -p grader-cli -- images
//! build`). Measured results are in `benches/README.md`.

#[path = "grading/methods.rs"]
mod methods;
#[path = "grading/report.rs"]
mod report;

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use grader::{Grader, Images};
use grader_sandbox::{DockerSandbox, ForkPool, WarmPool};

use grader_testkit::bench::one_minute_load;
use methods::{Case, Graders, Method, check_result};
use report::{Samples, Throughput};

/// Concurrency levels the throughput is measured at (the machine has 2 cores).
const CONCURRENCY: &[usize] = &[1, 2];
/// Submissions in one throughput batch, per submission in flight.
const BATCH_PER_WORKER: usize = 4;
/// Untimed pause before each latency sample, so that every sample starts
/// from an idle machine, as a submission to a quiet grader does: none finds
/// the previous run's container still being torn down, and the warm pool has
/// had the time to refill. Throughput batches run back to back.
const IDLE: Duration = Duration::from_secs(1);
/// How long a warm container may wait, as in `grader serve`.
const WARM_AGE: Duration = Duration::from_secs(600);

#[derive(Debug)]
struct Config {
    iters: usize,
    warmup: usize,
    /// Containers the warm pool keeps per kind of job.
    warm: usize,
    exercises: Vec<String>,
    python: String,
}

impl Config {
    fn from_env_and_args() -> Config {
        let mut config = Config {
            iters: env_number("GRADER_BENCH_ITERS").unwrap_or(20),
            warmup: env_number("GRADER_BENCH_WARMUP").unwrap_or(2),
            // `grader serve`'s default `--warm`.
            warm: env_number("GRADER_BENCH_WARM").unwrap_or(1),
            exercises: std::env::var("GRADER_BENCH_EXERCISES")
                .map(|list| split_list(&list))
                .unwrap_or_else(|_| {
                    vec![
                        "python/fizzbuzz".to_owned(),
                        "python/shopping-cart".to_owned(),
                        "bench/calls".to_owned(),
                    ]
                }),
            python: std::env::var("GRADER_BENCH_PYTHON").unwrap_or_else(|_| "python3".to_owned()),
        };
        // `cargo bench` passes `--bench`; anything else unknown is ignored too,
        // so that `cargo bench --workspace` does not break on this target.
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--iters" => config.iters = number_arg(&arg, args.next()),
                "--warmup" => config.warmup = number_arg(&arg, args.next()),
                "--warm" => config.warm = number_arg(&arg, args.next()),
                "--exercises" => {
                    config.exercises = split_list(&args.next().expect("--exercises takes a,b"))
                }
                _ => {}
            }
        }
        assert!(config.iters > 0, "--iters must be at least 1");
        config
    }
}

fn env_number(name: &str) -> Option<usize> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, not {value:?}")),
    )
}

fn number_arg(flag: &str, value: Option<String>) -> usize {
    value
        .as_deref()
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("{flag} takes a whole number"))
}

fn split_list(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

#[tokio::main]
async fn main() {
    let config = Config::from_env_and_args();
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
    assert!(
        image_exists(&image),
        "the runner image {image} is not in the engine (or the docker CLI is missing); \
         build it with `cargo run -p grader-cli -- images build`"
    );
    sandbox
        .sweep()
        .await
        .expect("sweeping containers left by dead grader processes");
    let pool = WarmPool::new(sandbox.clone(), config.warm, WARM_AGE);
    let forks = ForkPool::new(sandbox.clone(), config.warm.max(2), WARM_AGE);
    let graders = Graders {
        cold: Arc::new(Grader::new(sandbox, images.clone())),
        warm: Arc::new(Grader::new(pool.clone(), images.clone())),
        forked: Arc::new(Grader::new(forks.clone(), images)),
    };

    let floor = find_pytest(&config.python);
    let mut methods = vec![
        Method::DockerRun,
        Method::GraderCold,
        Method::GraderWarm,
        Method::GraderFork,
    ];
    let python = match &floor {
        Ok((python, version)) => {
            methods.insert(0, Method::HostPytest);
            println!(
                "floor: {} with pytest {version} (the runner image has pytest 7.2.1)",
                python.display()
            );
            Some(python.clone())
        }
        Err(why) => {
            println!(
                "floor unavailable: {why}. Install pytest on the host to get it: \
                 `pip install pytest==7.2.1` (the runner image's version), or point \
                 GRADER_BENCH_PYTHON at an interpreter that has it."
            );
            None
        }
    };
    println!(
        "image {image}; {} CPUs; {} iterations per method after {} warm-up runs; \
         warm pool of {} per kind of job; methods interleaved, in a new random order each round",
        cpu_count(),
        config.iters,
        config.warmup,
        config.warm
    );

    for id in &config.exercises {
        let case = Arc::new(Case::load(
            id,
            &root,
            graders.clone(),
            image.clone(),
            python.clone(),
        ));
        bench_case(&case, &methods, &config).await;
    }
    pool.drain().await;
    forks.close(Duration::from_secs(30)).await;
}

async fn bench_case(case: &Arc<Case>, methods: &[Method], config: &Config) {
    let first = case
        .graders
        .cold
        .grade(&case.exercise, &case.submission)
        .await;
    check_result("grader", &case.id, &first);
    println!();
    println!(
        "== {}: the reference solution, {} tests ==",
        case.id,
        first.tests.len()
    );
    let load_before = one_minute_load();

    for _ in 0..config.warmup {
        for method in shuffled(methods) {
            case.run_once(method).await;
        }
    }

    // Latency: one submission at a time, each after an idle pause.
    let mut samples: Vec<Samples> = methods.iter().map(|_| Samples::default()).collect();
    for _ in 0..config.iters {
        for method in shuffled(methods) {
            tokio::time::sleep(IDLE).await;
            let took = case.run_once(method).await;
            samples[index_of(methods, method)]
                .0
                .push(took.as_secs_f64());
        }
    }

    // Throughput: each round, one batch per method and concurrency level,
    // all in a new random order, so drift weighs on every cell alike.
    let cells: Vec<(Method, usize)> = methods
        .iter()
        .flat_map(|&method| (0..CONCURRENCY.len()).map(move |level| (method, level)))
        .collect();
    let mut throughput = vec![vec![Throughput::default(); CONCURRENCY.len()]; methods.len()];
    for _ in 0..config.iters.div_ceil(BATCH_PER_WORKER) {
        for (method, level) in shuffled(&cells) {
            let concurrency = CONCURRENCY[level];
            let batch = BATCH_PER_WORKER * concurrency;
            let took = run_batch(case, method, batch, concurrency).await;
            let cell = &mut throughput[index_of(methods, method)][level];
            cell.submissions += batch;
            cell.seconds += took.as_secs_f64();
        }
    }

    println!(
        "load average {load_before} before, {} after (other work on the machine skews every row)",
        one_minute_load()
    );
    report::print_latency(methods, &samples);
    report::print_throughput(methods, CONCURRENCY, &throughput);
}

fn index_of(methods: &[Method], method: Method) -> usize {
    methods
        .iter()
        .position(|m| *m == method)
        .expect("the method is in the list")
}

/// Grades `count` submissions with `method`, `concurrency` at a time;
/// returns the wall time of the whole batch.
async fn run_batch(case: &Arc<Case>, method: Method, count: usize, concurrency: usize) -> Duration {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let case = Arc::clone(case);
        let next = Arc::clone(&next);
        workers.spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < count {
                case.run_once(method).await;
            }
        });
    }
    while let Some(done) = workers.join_next().await {
        done.expect("a benchmark worker panicked");
    }
    started.elapsed()
}

/// `items` in a fresh random order, so that no method always runs right
/// after the same other one (a container's teardown can spill over into the
/// next run).
fn shuffled<T: Clone>(items: &[T]) -> Vec<T> {
    use rand::seq::SliceRandom;
    let mut order = items.to_vec();
    order.shuffle(&mut rand::rng());
    order
}

/// Finds the host's real interpreter (not a shim) and whether it has pytest.
/// Returns the interpreter and pytest's version, or why the floor is missing.
fn find_pytest(python: &str) -> Result<(PathBuf, String), String> {
    let output = std::process::Command::new(python)
        .args([
            "-c",
            "import sys, pytest; print(sys.executable); print(pytest.__version__)",
        ])
        .output()
        .map_err(|error| format!("{python} does not start: {error}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or_default().trim().to_owned();
        return Err(format!("`{python} -c 'import pytest'` fails: {last}"));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut lines = stdout.lines();
    let executable = lines.next().unwrap_or(python).to_owned();
    let version = lines.next().unwrap_or("?").to_owned();
    Ok((PathBuf::from(executable), version))
}

fn image_exists(tag: &str) -> bool {
    std::process::Command::new("docker")
        .args(["image", "inspect", "--format", "{{.Id}}", tag])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

fn cpu_count() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
