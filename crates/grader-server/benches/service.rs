//! The service end to end: submissions posted over HTTP, graded by the
//! service's workers in the real engine, each answered when its result is
//! in (`?wait=`), with 1, 2 and 4 workers side by side, for both ways of
//! keeping learners apart (`--isolation fork`, the default, and
//! `container`), beside bare pytest on the host running the same tests as
//! many times, two at a time (the floor).
//!
//! Each row starts a fresh service (SQLite store; a fork pool with a
//! container per worker, or a warm pool with `grader serve`'s default of
//! one waiting container per kind of job),
//! sends two submissions to warm it, then posts `GRADER_SERVICE_SUBMISSIONS`
//! (24) reference solutions of `python/fizzbuzz` at once, from four tokens,
//! and measures until the last result: gradings per second, the latency of
//! each from its post to its result, and the machine's CPU seconds per
//! grading (from /proc/stat, so everything on the machine counts: run it
//! on a quiet machine). Every result must be a pass. The ratios are each
//! row's rate ÷ the one-worker container row's, and ÷ bare pytest's.
//!
//! `cargo bench -p grader-server --bench service` once the runner images are
//! built (`cargo run -p grader-cli -- images build`).

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use grader::{Grader, Images};
use grader_sandbox::{DockerSandbox, ForkPool, Learners, WarmPool};
use grader_server::auth::{self, Role};
use grader_server::catalog::Catalog;
use grader_server::{AppState, Config, SqliteStore};
use grader_testkit::bench::{busy_cpu_seconds, load_average, setting};

const TOKENS: usize = 4;
const WARM_AGE: Duration = Duration::from_secs(600);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Row {
    isolation: &'static str,
    workers: usize,
    /// With two workers: the p50 of one submission at a time, each after
    /// a pause, from its post to its result.
    alone: Option<Duration>,
    rate: f64,
    p50: Duration,
    p95: Duration,
    cpu_per_grading: f64,
}

fn main() {
    let submissions: usize = setting("GRADER_SERVICE_SUBMISSIONS", 24);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "service end to end: {submissions} python/fizzbuzz submissions at once, load average {}",
        load_average()
    );
    let floor = runtime.block_on(bare_pytest(submissions));
    let mut rows = Vec::new();
    for workers in [1, 2, 4] {
        for isolation in ["container", "fork"] {
            rows.push(runtime.block_on(row(isolation, workers, submissions)));
        }
    }
    let floor_alone = runtime.block_on(bare_pytest_alone(LATENCY_RUNS));
    println!(
        "bare pytest on the host, 2 at a time: {floor:.2} runs/s, one at a time p50 {:.0} ms; \
         load average after {}",
        floor_alone.as_secs_f64() * 1000.0,
        load_average()
    );
    for row in rows.iter().filter(|row| row.alone.is_some()) {
        let alone = row.alone.unwrap_or_default();
        println!(
            "{} isolation, 2 workers, one submission at a time after a pause: p50 {:.0} ms \
             from post to result, {:.2}× bare pytest's",
            row.isolation,
            alone.as_secs_f64() * 1000.0,
            alone.as_secs_f64() / floor_alone.as_secs_f64()
        );
    }
    println!(
        "{:>9} {:>7} {:>10} {:>8} {:>8} {:>10} {:>9} {:>9}",
        "isolation", "workers", "gradings/s", "p50 s", "p95 s", "CPU s/gr.", "÷ 1 wkr", "÷ pytest"
    );
    for row in &rows {
        println!(
            "{:>9} {:>7} {:>10.2} {:>8.2} {:>8.2} {:>10.2} {:>8.2}× {:>8.2}×",
            row.isolation,
            row.workers,
            row.rate,
            row.p50.as_secs_f64(),
            row.p95.as_secs_f64(),
            row.cpu_per_grading,
            row.rate / rows[0].rate,
            row.rate / floor
        );
    }
}

/// Runs of one submission at a time, for the latency.
const LATENCY_RUNS: usize = 10;

/// The folder bare pytest runs in: fizzbuzz's reference and tests.
fn floor_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let exercise = root().join("exercises/python/fizzbuzz");
    std::fs::copy(
        exercise.join("reference/fizzbuzz.py"),
        dir.path().join("fizzbuzz.py"),
    )
    .unwrap();
    for entry in std::fs::read_dir(exercise.join("tests")).unwrap().flatten() {
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}

/// Bare pytest once in `dir`, which must pass.
async fn pytest_once(dir: PathBuf) {
    let status = tokio::process::Command::new("python3")
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .status()
        .await
        .unwrap();
    assert!(status.success(), "bare pytest failed on the reference");
}

/// Bare pytest, one run at a time after a pause: the p50 of `runs`.
async fn bare_pytest_alone(runs: usize) -> Duration {
    let dir = floor_folder();
    let mut took = Vec::new();
    for _ in 0..runs {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let started = Instant::now();
        pytest_once(dir.path().to_owned()).await;
        took.push(started.elapsed());
    }
    took.sort();
    took[took.len() / 2]
}

/// Bare pytest on the host: fizzbuzz's tests on its reference, `runs`
/// times, two at a time; runs a second.
async fn bare_pytest(runs: usize) -> f64 {
    let dir = floor_folder();
    pytest_once(dir.path().to_owned()).await;
    let began = Instant::now();
    for _ in 0..runs.div_ceil(2) {
        tokio::join!(
            pytest_once(dir.path().to_owned()),
            pytest_once(dir.path().to_owned())
        );
    }
    (runs.div_ceil(2) * 2) as f64 / began.elapsed().as_secs_f64()
}

async fn row(isolation: &'static str, workers: usize, submissions: usize) -> Row {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("grader.db").to_str().unwrap())
        .await
        .unwrap();
    let config = Config {
        workers,
        queue_capacity: 10_000,
        pending_per_token: 1_000,
        rate_burst: 1_000_000,
        rate_per_second: 1_000_000.0,
        max_wait: Duration::from_secs(600),
        ..Config::default()
    };
    let catalog = Catalog::load(&root().join("exercises"));
    let state = AppState::new(store, catalog, config);
    let secrets = tokens(&state).await;
    let sandbox = DockerSandbox::connect()
        .await
        .expect("this benchmark needs a running Docker engine");
    let pool = match isolation {
        "fork" => Learners::Fork(ForkPool::new(sandbox, workers, WARM_AGE)),
        _ => Learners::Container(WarmPool::new(sandbox, 1, WARM_AGE)),
    };
    let grader = Grader::new(pool.clone(), Images::new(root().join("runner-images")));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let service = tokio::spawn(grader_server::run(
        Some(listener),
        state,
        grader,
        async move {
            let _ = stopped.await;
        },
    ));
    let client = reqwest::Client::new();
    let body = fizzbuzz_body();
    for secret in secrets.iter().take(2) {
        submit(&client, &base, secret, &body).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let alone = if workers == 2 {
        let mut took = Vec::new();
        for _ in 0..LATENCY_RUNS {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let started = Instant::now();
            submit(&client, &base, &secrets[0], &body).await;
            took.push(started.elapsed());
        }
        took.sort();
        Some(took[took.len() / 2])
    } else {
        None
    };

    let busy_before = busy_cpu_seconds();
    let began = Instant::now();
    let mut posts = tokio::task::JoinSet::new();
    for index in 0..submissions {
        let (client, base, body) = (client.clone(), base.clone(), body.clone());
        let secret = secrets[index % TOKENS].clone();
        posts.spawn(async move {
            let posted = Instant::now();
            submit(&client, &base, &secret, &body).await;
            posted.elapsed()
        });
    }
    let mut latencies = Vec::new();
    while let Some(latency) = posts.join_next().await {
        latencies.push(latency.unwrap());
    }
    let wall = began.elapsed();
    let busy_after = busy_cpu_seconds();
    let _ = stop.send(());
    let _ = service.await;
    pool.close(Duration::from_secs(10)).await;

    latencies.sort();
    let at = |quantile: f64| {
        let index = ((latencies.len() as f64 * quantile).ceil() as usize).clamp(1, latencies.len());
        latencies[index - 1]
    };
    Row {
        isolation,
        workers,
        alone,
        rate: submissions as f64 / wall.as_secs_f64(),
        p50: at(0.5),
        p95: at(0.95),
        cpu_per_grading: (busy_after - busy_before) / submissions as f64,
    }
}

/// Posts one submission and waits for its result, which must be a pass.
async fn submit(client: &reqwest::Client, base: &str, secret: &str, body: &str) {
    let response = client
        .post(format!("{base}/v1/submissions?wait=600"))
        .bearer_auth(secret)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let answer: serde_json::Value = response.json().await.unwrap();
    let status = answer["result"]["status"].as_str().unwrap_or_default();
    assert_eq!(status, "passed", "a submission did not pass: {answer:#}");
}

/// A learner token for each of the `TOKENS` simulated learners.
async fn tokens(state: &AppState<SqliteStore>) -> Vec<String> {
    let mut secrets = Vec::new();
    for index in 0..TOKENS {
        secrets.push(
            auth::create_token(&*state.store, &format!("bench{index}"), Role::Learner)
                .await
                .unwrap(),
        );
    }
    secrets
}

/// A submission of fizzbuzz's reference, as JSON.
fn fizzbuzz_body() -> String {
    let solution =
        std::fs::read_to_string(root().join("exercises/python/fizzbuzz/reference/fizzbuzz.py"))
            .unwrap();
    serde_json::json!({
        "exercise": "python/fizzbuzz",
        "files": {"fizzbuzz.py": solution},
    })
    .to_string()
}
