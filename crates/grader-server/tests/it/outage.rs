//! The service on a database's bad day (issue 26): PostgreSQL stopped
//! under a running front end, then started again. While it is down, every
//! endpoint that needs it answers within about a second — `503` with
//! `Retry-After`, and `/v1/health` names the database — never a 10-second
//! hang and a `500`; once it is back, the same pool serves again.

use std::time::{Duration, Instant};

use grader_server::auth::{self, Role};
use grader_server::catalog::Catalog;
use grader_server::{AppState, Config, PgStore};
use grader_testkit::{Durability, TempPostgres};
use tokio::net::TcpListener;

use crate::support::root;

/// The longest an answer may take while the database is down: the pool's
/// one-second wait to connect, and the machine's slack.
const FAST: Duration = Duration::from_millis(2500);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_database_gets_fast_503s_and_the_service_recovers_when_it_is_back() {
    let mut server = tokio::task::spawn_blocking(|| TempPostgres::start(Durability::Throwaway))
        .await
        .unwrap();
    let store = PgStore::open(&server.url()).await.unwrap();
    let catalog = Catalog::load(&root().join("exercises"));
    let state = AppState::new(store, catalog, Config::default());
    let token = auth::create_token(&*state.store, "ann", Role::Learner)
        .await
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = grader_server::app(state.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = reqwest::Client::new();

    let health = client
        .get(format!("{base}/v1/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    let server = tokio::task::spawn_blocking(move || {
        server.stop_server();
        server
    })
    .await
    .unwrap();

    let started = Instant::now();
    let health = client
        .get(format!("{base}/v1/health"))
        .send()
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(health.status(), 503);
    assert!(took < FAST, "health took {took:?} with the database down");
    assert!(health.headers().get("retry-after").is_some());
    let body: serde_json::Value = health.json().await.unwrap();
    assert_eq!(body["database"], "unavailable", "{body:#}");

    for (method, path) in [("POST", "/v1/submissions"), ("GET", "/v1/submissions")] {
        let started = Instant::now();
        let request = match method {
            "POST" => client
                .post(format!("{base}{path}"))
                .json(&serde_json::json!({
                    "exercise": "python/fizzbuzz",
                    "files": {"fizzbuzz.py": "def fizzbuzz(n):\n    return []\n"},
                })),
            _ => client.get(format!("{base}{path}")),
        };
        let response = request.bearer_auth(&token).send().await.unwrap();
        let took = started.elapsed();
        assert_eq!(response.status(), 503, "{method} {path}");
        assert!(
            took < FAST,
            "{method} {path} took {took:?} with the database down"
        );
        assert!(response.headers().get("retry-after").is_some());
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"], "unavailable", "{body:#}");
    }

    let _server = tokio::task::spawn_blocking(move || {
        let mut server = server;
        server.start_server();
        server
    })
    .await
    .unwrap();
    // The pool connects again on its own.
    let began = Instant::now();
    loop {
        let health = client
            .get(format!("{base}/v1/health"))
            .send()
            .await
            .unwrap();
        if health.status() == 200 {
            break;
        }
        assert!(
            began.elapsed() < Duration::from_secs(20),
            "the service did not recover once the database was back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, _) = {
        let response = client
            .post(format!("{base}/v1/submissions"))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "exercise": "python/fizzbuzz",
                "files": {"fizzbuzz.py": "def fizzbuzz(n):\n    return []\n"},
            }))
            .send()
            .await
            .unwrap();
        (response.status(), ())
    };
    assert_eq!(status, 202);
}
