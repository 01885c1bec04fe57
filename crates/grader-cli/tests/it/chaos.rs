//! A database's and two nodes' bad day at once, on a throwaway PostgreSQL:
//! a front end (`grader serve --workers 0`, the only node with the webhook
//! secret) and two grading nodes (`grader worker`) take a burst of
//! submissions with callbacks; one node is stopped (SIGSTOP) in the middle
//! of a grading for longer than its lease, the database is restarted while
//! the other grades, the stopped node resumes (its gradings' leases long
//! gone), and the other node is killed (SIGKILL) in the middle of a
//! grading. Every submission must end graded once with the right score,
//! every webhook arrive once and signed, and no container be left.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use grader_server::Store;
use grader_server::store::{self, Database, StoredSubmission, SubmissionStatus};
use grader_server::webhook::signature;
use grader_testkit::{Durability, TempPostgres};

use crate::support::{Node, containers_of, free_port, learner_token, root, wait_healthy};

const SUBMISSIONS: usize = 30;
const SECRET: &str = "chaos-secret";
/// The grading nodes' lease: short, so that a stopped node loses its
/// gradings within the test.
const LEASE: Duration = Duration::from_secs(3);

/// A webhook as received: the delivery's id, the submission's, and whether
/// its signature was right.
#[derive(Debug)]
struct Receipt {
    delivery: String,
    submission: String,
    signed: bool,
}

type Receipts = Arc<Mutex<Vec<Receipt>>>;

/// A receiver on a loopback port that takes every delivery.
async fn receiver() -> (String, Receipts) {
    let receipts: Receipts = Arc::default();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post({
            let receipts = Arc::clone(&receipts);
            move |headers: HeaderMap, body: String| {
                let receipts = Arc::clone(&receipts);
                async move {
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|value| value.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    let timestamp: i64 = header("x-grader-timestamp").parse().unwrap_or(0);
                    let signed = header("x-grader-signature")
                        == signature(SECRET.as_bytes(), timestamp, body.as_bytes());
                    let parsed: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                    receipts.lock().unwrap().push(Receipt {
                        delivery: header("x-grader-delivery"),
                        submission: parsed["id"].as_str().unwrap_or_default().to_owned(),
                        signed,
                    });
                    StatusCode::NO_CONTENT
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (address.to_string(), receipts)
}

async fn every_submission(db: &str) -> Vec<StoredSubmission> {
    match store::open(db).await.unwrap() {
        Database::Postgres(store) => store.list(None, 1000).await.unwrap(),
        Database::Sqlite(_) => unreachable!("the chaos test runs on PostgreSQL"),
    }
}

/// Waits, up to `limit`, until `ready` holds; `what` names it in the panic.
async fn until(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_node_a_killed_node_and_a_database_restart_lose_and_double_nothing() {
    let mut database = tokio::task::spawn_blocking(|| TempPostgres::start(Durability::Throwaway))
        .await
        .unwrap();
    let db = database.url();
    let token = learner_token(&db, "chaos");
    let (hook, receipts) = receiver().await;

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let listen = format!("127.0.0.1:{port}");
    let mut front = Node::start(
        &[
            "serve",
            "--workers",
            "0",
            "--listen",
            &listen,
            "--rate-burst",
            "100",
            "--pending-per-token",
            "100",
            "--webhook-secret",
            SECRET,
            "--webhook-allow",
            &hook,
        ],
        &db,
    );
    // No warm containers: a container of a node is a grading under way.
    let lease = format!("{}s", LEASE.as_secs());
    let node = ["worker", "--workers", "2", "--warm", "0", "--lease", &lease];
    let mut stopped = Node::start(&node, &db);
    let mut killed = Node::start(&node, &db);

    let client = reqwest::Client::new();
    wait_healthy(&base).await;
    let reference =
        std::fs::read_to_string(root().join("exercises/python/fizzbuzz/reference/fizzbuzz.py"))
            .unwrap();
    // Slow enough that a grading is under way when a node is stopped.
    let slow = format!("import time\ntime.sleep(1)\n{reference}");
    let mut ids = Vec::new();
    for _ in 0..SUBMISSIONS {
        let response = client
            .post(format!("{base}/v1/submissions"))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "exercise": "python/fizzbuzz",
                "files": {"fizzbuzz.py": slow},
                "callback_url": format!("http://{hook}/hook"),
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 202, "{}", response.text().await.unwrap());
        let body: serde_json::Value = response.json().await.unwrap();
        ids.push(body["id"].as_str().unwrap().to_owned());
    }

    // 1. A node frozen in the middle of a grading.
    let frozen = stopped.pid();
    until("the node to stop grades", Duration::from_secs(60), || {
        !containers_of(frozen).is_empty()
    })
    .await;
    stopped.signal("STOP");
    let frozen_at = Instant::now();

    // 2. The database restarted while the other node grades.
    tokio::time::sleep(Duration::from_millis(500)).await;
    database = tokio::task::spawn_blocking(move || {
        database.stop_server();
        std::thread::sleep(Duration::from_secs(2));
        database.start_server();
        database
    })
    .await
    .unwrap();

    // 3. The frozen node wakes after its lease ran out twice over: what it
    // graded meanwhile is another node's now, and its result is dropped.
    tokio::time::sleep((LEASE * 2).saturating_sub(frozen_at.elapsed())).await;
    stopped.signal("CONT");

    // 4. The other node killed in the middle of a grading.
    let dead = killed.pid();
    until("the node to kill grades", Duration::from_secs(60), || {
        !containers_of(dead).is_empty()
    })
    .await;
    killed.child.kill().unwrap();
    killed.child.wait().unwrap();

    let started = Instant::now();
    let graded = loop {
        let stored = every_submission(&db).await;
        if stored
            .iter()
            .all(|each| each.status == SubmissionStatus::Done)
        {
            break stored;
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "not every submission was graded: {:?}",
            stored
                .iter()
                .map(|each| (&each.id, each.status))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(graded.len(), SUBMISSIONS);
    for each in &graded {
        let result = each.result.as_ref().unwrap();
        assert_eq!(
            result.status,
            grader::Status::Passed,
            "{}: {result:?}",
            each.id
        );
        assert_eq!(result.score, result.max_score, "{}", each.id);
    }
    // The frozen and the killed node's gradings were claimed again.
    assert!(
        graded.iter().filter(|each| each.attempts > 1).count() >= 2,
        "no grading was taken over: {:?}",
        graded.iter().map(|each| each.attempts).collect::<Vec<_>>()
    );

    // Every webhook once, signed: counted by submission, then a while
    // more for any second delivery to show up.
    until("every webhook delivered", Duration::from_secs(60), || {
        receipts.lock().unwrap().len() >= SUBMISSIONS
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let receipts = std::mem::take(&mut *receipts.lock().unwrap());
    let mut per_submission: BTreeMap<&str, Vec<&Receipt>> = BTreeMap::new();
    for receipt in receipts.iter() {
        assert!(
            receipt.signed,
            "a delivery's signature is wrong: {receipt:?}"
        );
        per_submission
            .entry(receipt.submission.as_str())
            .or_default()
            .push(receipt);
    }
    for id in &ids {
        let got = per_submission.get(id.as_str()).map_or(0, Vec::len);
        assert_eq!(got, 1, "{id}: {got} deliveries: {receipts:?}");
    }
    assert_eq!(receipts.len(), SUBMISSIONS, "{receipts:?}");
    assert!(receipts.iter().all(|receipt| !receipt.delivery.is_empty()));

    // The killed node's containers are swept by a live node within half a
    // lease; the others stop with SIGTERM and leave none.
    until(
        "the killed node's containers removed",
        Duration::from_secs(20),
        || containers_of(dead).is_empty(),
    )
    .await;
    for node in [&mut stopped, &mut front] {
        let pid = node.pid();
        assert!(node.stop().success());
        assert_eq!(containers_of(pid), Vec::<String>::new());
    }
    drop(database);
}
