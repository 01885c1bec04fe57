//! Intake under load: 500 submissions a second for 10 s on loopback, from
//! one token and from 100, on SQLite and on PostgreSQL side by side; the
//! latency of each 202, from the moment its request was due (open loop:
//! a slow answer does not delay the next request, so queueing shows).
//!
//! Each token starts with a history of done submissions, and a drain marks
//! whatever is queued done every 20 ms (workers that keep up, without the
//! cost of 500 gradings a second on the same two cores), so a token's
//! pending count stays small while its history grows long: intake must
//! cost the same whatever the history.
//!
//! The rows `+ grading` do the same with one token while two workers of
//! the service grade flat out in the real engine (learners' jobs forked in
//! long-lived containers, `grader serve`'s default): whatever they claim
//! before the drain is graded, so the cores are busy with grading while
//! intake is measured.
//!
//! `cargo bench -p grader-server --bench intake`; run it on a quiet
//! machine. `GRADER_INTAKE_RATE` and `GRADER_INTAKE_SECONDS` change the
//! load; `GRADER_INTAKE_HISTORY` the done submissions per store (default
//! 5,000).

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use grader::{Grader, Images};
use grader_sandbox::{DockerSandbox, ForkPool};
use grader_server::auth::{self, Role};
use grader_server::catalog::Catalog;
use grader_server::store::{Enqueued, Limits, StoredSubmission, SubmissionStatus};
use grader_server::{AppState, Config, PgStore, SqliteStore, Store};
use grader_testkit::bench::{load_average, setting};
use grader_testkit::{Durability, TempPostgres};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Latencies of the 202s and the count of other answers.
struct Measured {
    accepted: Vec<Duration>,
    other: BTreeMap<String, usize>,
}

fn main() {
    let rate = setting::<u64>("GRADER_INTAKE_RATE", 500);
    let seconds = setting::<u64>("GRADER_INTAKE_SECONDS", 10);
    let history = setting::<u64>("GRADER_INTAKE_HISTORY", 5_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "intake: {rate} req/s for {seconds} s on loopback, {history} done submissions of history; \
         load average before: {}",
        load_average()
    );
    println!(
        "{:<20} {:>6} {:>6} {:>6} {:>7} {:>8} {:>8} {:>8} {:>8}",
        "store", "tokens", "sent", "202", "other", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    let load = Load {
        rate,
        seconds,
        history,
    };
    for (tokens, grading) in [(1usize, false), (100, false), (1, true)] {
        let label = |store: &str| {
            if grading {
                format!("{store} + grading")
            } else {
                store.to_owned()
            }
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grader.db");
        let sqlite = runtime
            .block_on(SqliteStore::open(path.to_str().unwrap()))
            .unwrap();
        let drain = Drain::Sqlite(format!("sqlite://{}", path.display()));
        let measured = runtime.block_on(run(sqlite, drain.clone(), tokens, grading, &load));
        report(&label("sqlite"), tokens, &measured);
        if grading {
            println!(
                "           graded meanwhile: {}",
                runtime.block_on(drain.graded())
            );
        }

        let server = TempPostgres::start(Durability::Durable);
        let postgres = runtime.block_on(PgStore::open(&server.url())).unwrap();
        let drain = Drain::Postgres(server.url());
        let measured = runtime.block_on(run(postgres, drain.clone(), tokens, grading, &load));
        report(&label("postgres"), tokens, &measured);
        if grading {
            println!(
                "           graded meanwhile: {}",
                runtime.block_on(drain.graded())
            );
        }
    }
    println!("load average after: {}", load_average());
}

/// The open loop's settings.
#[derive(Clone, Copy)]
struct Load {
    rate: u64,
    seconds: u64,
    history: u64,
}

fn report(store: &str, tokens: usize, measured: &Measured) {
    let mut sorted = measured.accepted.clone();
    sorted.sort();
    let at = |quantile: f64| -> f64 {
        if sorted.is_empty() {
            return f64::NAN;
        }
        let index = ((sorted.len() as f64 * quantile).ceil() as usize).clamp(1, sorted.len()) - 1;
        sorted[index].as_secs_f64() * 1000.0
    };
    let other: usize = measured.other.values().sum();
    println!(
        "{store:<20} {tokens:>6} {:>6} {:>6} {other:>7} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
        sorted.len() + other,
        sorted.len(),
        at(0.50),
        at(0.95),
        at(0.99),
        at(1.0),
    );
    if other > 0 {
        println!("           other answers: {:?}", measured.other);
    }
}

async fn run<S: Store>(
    store: S,
    drain: Drain,
    tokens: usize,
    grading: bool,
    load: &Load,
) -> Measured {
    let Load {
        rate,
        seconds,
        history,
    } = *load;
    let config = Config {
        workers: if grading { 2 } else { 0 },
        queue_capacity: 100_000,
        pending_per_token: 1_000,
        rate_burst: 1_000_000,
        rate_per_second: 1_000_000.0,
        ..Config::default()
    };
    let catalog = Catalog::load(&root().join("exercises"));
    let state = AppState::new(store, catalog, config);
    let mut secrets = Vec::new();
    for index in 0..tokens {
        secrets.push(
            auth::create_token(&*state.store, &format!("token{index}"), Role::Learner)
                .await
                .unwrap(),
        );
    }
    fill_history(&state, tokens, history).await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (server, pool) = if grading {
        let sandbox = DockerSandbox::connect()
            .await
            .expect("the grading rows need a running Docker engine");
        let pool = ForkPool::new(sandbox, 2, Duration::from_secs(600));
        let grader = Grader::new(pool.clone(), Images::new(root().join("runner-images")));
        let service = grader_server::run(Some(listener), state.clone(), grader, async move {
            let _ = stopped.await;
        });
        (
            tokio::spawn(async move { service.await.map_err(|error| error.to_string()) }),
            Some(pool),
        )
    } else {
        let app = grader_server::app(state.clone());
        let serve = async move {
            axum::serve(listener, app)
                .await
                .map_err(|error| error.to_string())
        };
        (tokio::spawn(serve), None)
    };
    let drain = tokio::spawn(drain.run());

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    let body = serde_json::json!({
        "exercise": "python/fizzbuzz",
        "files": {"fizzbuzz.py": "def fizzbuzz(n):\n    return []\n"},
    })
    .to_string();
    // Warm the connections and the caches.
    for secret in secrets.iter().take(16) {
        send(&client, &base, secret, &body).await;
    }

    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let total = rate * seconds;
    let began = tokio::time::Instant::now();
    let mut requests = Vec::with_capacity(total as usize);
    for index in 0..total {
        let due = began + interval * index as u32;
        tokio::time::sleep_until(due).await;
        let (client, base, body) = (client.clone(), base.clone(), body.clone());
        let secret = secrets[index as usize % tokens].clone();
        requests.push(tokio::spawn(async move {
            let status = send(&client, &base, &secret, &body).await;
            (status, due.elapsed())
        }));
    }
    let mut measured = Measured {
        accepted: Vec::with_capacity(total as usize),
        other: BTreeMap::new(),
    };
    for request in requests {
        let (status, took) = request.await.unwrap();
        if status == "202" {
            measured.accepted.push(took);
        } else {
            *measured.other.entry(status).or_default() += 1;
        }
    }
    drain.abort();
    let _ = stop.send(());
    if let Some(pool) = pool {
        let _ = server.await;
        pool.close(Duration::from_secs(10)).await;
    } else {
        server.abort();
    }
    measured
}

async fn send(client: &reqwest::Client, base: &str, secret: &str, body: &str) -> String {
    let sent = client
        .post(format!("{base}/v1/submissions"))
        .bearer_auth(secret)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await;
    match sent {
        Ok(response) => response.status().as_u16().to_string(),
        Err(error) => format!("error: {error}"),
    }
}

/// `history` done submissions, spread over the tokens.
async fn fill_history<S: Store>(state: &AppState<S>, tokens: usize, history: u64) {
    let limits = Limits {
        pending_per_token: i64::MAX,
        queue_capacity: i64::MAX,
    };
    let result = grader::GradeResult::error(
        "python/fizzbuzz",
        grader::result::ErrorKind::Infra,
        "history",
    );
    for index in 0..history {
        let token_id = (index as usize % tokens) as i64 + 1;
        let old = StoredSubmission {
            id: format!("history-{index:06}"),
            token_id,
            exercise: "python/fizzbuzz".to_owned(),
            files: BTreeMap::new(),
            status: SubmissionStatus::Queued,
            result: None,
            attempts: 0,
            created_at: 0,
            finished_at: None,
            callback: None,
            idempotency_key: None,
        };
        assert_eq!(
            state.store.enqueue(&old, limits).await.unwrap(),
            Enqueued::Queued
        );
        let claimed = state
            .store
            .claim(
                "history",
                Duration::from_secs(60),
                &["python/fizzbuzz".to_owned()],
            )
            .await
            .unwrap()
            .unwrap();
        assert!(
            state
                .store
                .finish(&claimed.id, "history", &result, None)
                .await
                .unwrap()
        );
    }
}

/// Workers that keep up: whatever is queued is marked done, every 20 ms,
/// by a connection of its own.
#[derive(Clone)]
enum Drain {
    Sqlite(String),
    Postgres(String),
}

const DRAIN: &str = "UPDATE submissions SET status = 'done' WHERE status = 'queued'";

/// The submissions of the run that a worker graded (the drain leaves no
/// result; the history's ids start with `history-`).
const GRADED: &str =
    "SELECT COUNT(*) FROM submissions WHERE result IS NOT NULL AND id NOT LIKE 'history-%'";

impl Drain {
    async fn graded(&self) -> i64 {
        match self {
            Drain::Sqlite(url) => {
                let pool = sqlx::SqlitePool::connect(url).await.unwrap();
                sqlx::query_scalar(GRADED).fetch_one(&pool).await.unwrap()
            }
            Drain::Postgres(url) => {
                let pool = sqlx::PgPool::connect(url).await.unwrap();
                sqlx::query_scalar(GRADED).fetch_one(&pool).await.unwrap()
            }
        }
    }

    async fn run(self) {
        let mut every = tokio::time::interval(Duration::from_millis(20));
        match self {
            Drain::Sqlite(url) => {
                let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
                loop {
                    every.tick().await;
                    let _ = sqlx::query(DRAIN).execute(&pool).await;
                }
            }
            Drain::Postgres(url) => {
                let pool = sqlx::PgPool::connect(&url).await.unwrap();
                loop {
                    every.tick().await;
                    let _ = sqlx::query(DRAIN).execute(&pool).await;
                }
            }
        }
    }
}
