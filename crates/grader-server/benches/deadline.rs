//! A class at a deadline: `GRADER_DEADLINE_LEARNERS` (300) learners, a
//! token each, each submitting once within `GRADER_DEADLINE_SECONDS`
//! (300 s), more of them the nearer the deadline (arrival times drawn with
//! a density that grows linearly to the end), to a mix of exercises of
//! three kinds — `python/fizzbuzz`, `python/shopping-cart`,
//! `sql/cheap-products`, `api/notes-crud` — half of them the reference,
//! half the starter. The service runs as `grader serve` does by default
//! (SQLite store, two workers, learners' jobs forked in long-lived
//! containers). Every submission is posted (intake: the time to its 202),
//! then followed with `?wait=` to its result (time to result: from the
//! post to the result), which must be graded, and as expected: full marks
//! for a reference, less for a starter.
//!
//! `cargo bench -p grader-server --bench deadline` once the runner images
//! are built; it takes the window and the tail of the queue. Run it on a
//! quiet machine.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use grader::{Grader, Images};
use grader_sandbox::{DockerSandbox, ForkPool};
use grader_server::auth::{self, Role};
use grader_server::catalog::Catalog;
use grader_server::{AppState, Config, SqliteStore};
use grader_testkit::bench::{load_average, setting};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The exercises submitted to, with their one file.
const EXERCISES: &[(&str, &str)] = &[
    ("python/fizzbuzz", "fizzbuzz.py"),
    ("python/shopping-cart", "cart.py"),
    ("sql/cheap-products", "query.sql"),
    ("api/notes-crud", "app.py"),
];

/// What one learner's submission met.
struct Measured {
    exercise: &'static str,
    intake: Duration,
    to_result: Duration,
}

fn main() {
    let learners: usize = setting("GRADER_DEADLINE_LEARNERS", 300);
    let window = Duration::from_secs(setting("GRADER_DEADLINE_SECONDS", 300));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "a class at a deadline: {learners} learners within {window:?}, 2 workers, fork pool; \
         load average before: {}",
        load_average()
    );
    let (measured, wall) = runtime.block_on(class(learners, window));
    println!(
        "all {} graded in {wall:.1?}; load average after: {}",
        measured.len(),
        load_average()
    );
    println!(
        "{:<22} {:>5} {:>10} {:>10} {:>12} {:>12} {:>12}",
        "exercise", "n", "intake p50", "intake p99", "result p50", "result p95", "result max"
    );
    let mut by_exercise: BTreeMap<&str, Vec<&Measured>> = BTreeMap::new();
    for each in &measured {
        by_exercise.entry(each.exercise).or_default().push(each);
        by_exercise.entry("(all)").or_default().push(each);
    }
    for (exercise, rows) in by_exercise {
        let intake = quantiles(rows.iter().map(|row| row.intake).collect());
        let result = quantiles(rows.iter().map(|row| row.to_result).collect());
        println!(
            "{exercise:<22} {:>5} {:>8.1}ms {:>8.1}ms {:>11.2}s {:>11.2}s {:>11.2}s",
            rows.len(),
            intake(0.5).as_secs_f64() * 1000.0,
            intake(0.99).as_secs_f64() * 1000.0,
            result(0.5).as_secs_f64(),
            result(0.95).as_secs_f64(),
            result(1.0).as_secs_f64(),
        );
    }
}

/// The `quantile` of `values`, by rank.
fn quantiles(mut values: Vec<Duration>) -> impl Fn(f64) -> Duration {
    values.sort();
    move |quantile| {
        let index = ((values.len() as f64 * quantile).ceil() as usize).clamp(1, values.len());
        values[index - 1]
    }
}

async fn class(learners: usize, window: Duration) -> (Vec<Measured>, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("grader.db").to_str().unwrap())
        .await
        .unwrap();
    let config = Config {
        workers: 2,
        queue_capacity: 10_000,
        max_wait: Duration::from_secs(3600),
        ..Config::default()
    };
    let state = AppState::new(store, Catalog::load(&root().join("exercises")), config);
    let mut tokens = Vec::new();
    for index in 0..learners {
        tokens.push(
            auth::create_token(&*state.store, &format!("learner{index}"), Role::Learner)
                .await
                .unwrap(),
        );
    }
    let sandbox = DockerSandbox::connect()
        .await
        .expect("this benchmark needs a running Docker engine");
    let pool = ForkPool::new(sandbox, 2, Duration::from_secs(600));
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

    let began = Instant::now();
    let mut submissions = tokio::task::JoinSet::new();
    for (index, token) in tokens.into_iter().enumerate() {
        // Density 2t on [0, 1]: the inverse of its distribution is sqrt.
        let at = window.mul_f64(rand::random::<f64>().sqrt());
        let (exercise, file) = EXERCISES[index % EXERCISES.len()];
        let reference = index % 2 == 0;
        let (client, base) = (client.clone(), base.clone());
        submissions.spawn(async move {
            tokio::time::sleep_until((began + at).into()).await;
            submit(&client, &base, &token, exercise, file, reference).await
        });
    }
    let mut measured = Vec::new();
    while let Some(each) = submissions.join_next().await {
        measured.push(each.unwrap());
    }
    let wall = began.elapsed();
    let _ = stop.send(());
    let _ = service.await;
    pool.close(Duration::from_secs(20)).await;
    (measured, wall)
}

/// Posts `exercise`'s reference (or starter) as `token` and waits for its
/// result, which must be as expected.
async fn submit(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    exercise: &'static str,
    file: &str,
    reference: bool,
) -> Measured {
    let folder = if reference { "reference" } else { "starter" };
    let source = std::fs::read_to_string(
        root()
            .join("exercises")
            .join(exercise)
            .join(folder)
            .join(file),
    )
    .unwrap();
    let posted = Instant::now();
    let response = client
        .post(format!("{base}/v1/submissions"))
        .bearer_auth(token)
        .json(&serde_json::json!({"exercise": exercise, "files": {file: source}}))
        .send()
        .await
        .unwrap();
    let intake = posted.elapsed();
    assert_eq!(
        response.status(),
        202,
        "{exercise}: {}",
        response.text().await.unwrap()
    );
    let id = response.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let done: serde_json::Value = client
        .get(format!("{base}/v1/submissions/{id}?wait=3600"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let to_result = posted.elapsed();
    let result = &done["result"];
    assert!(
        result["error"].is_null() || result["error"]["kind"] != "infra",
        "{done:#}"
    );
    let full = result["score"] == result["max_score"];
    assert_eq!(full, reference, "{exercise} {folder}: {done:#}");
    Measured {
        exercise,
        intake,
        to_result,
    }
}
