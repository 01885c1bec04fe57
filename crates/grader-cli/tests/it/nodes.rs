//! Many machines, as processes on one: a front end (`grader serve
//! --workers 0`) and two grading nodes (`grader worker`) on one database.
//! A node is killed with SIGKILL in the middle of grading; every
//! submission still ends graded, each with one result, none graded to the
//! end twice, and no container is left behind. On SQLite (one file, nodes
//! of one machine); on PostgreSQL, `chaos.rs` does this and more.

use std::time::{Duration, Instant};

use grader_server::Store;
use grader_server::store::{self, Database, StoredSubmission, SubmissionStatus};

use crate::support::{Node, containers_of, free_port, learner_token, root, wait_healthy};

const SUBMISSIONS: usize = 30;

async fn every_submission(db: &str) -> Vec<StoredSubmission> {
    match store::open(db).await.unwrap() {
        Database::Sqlite(store) => store.list(None, 1000).await.unwrap(),
        Database::Postgres(store) => store.list(None, 1000).await.unwrap(),
    }
}

async fn a_node_killed_mid_grading_loses_nothing(db: &str) {
    let token = learner_token(db, "platform");
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
        ],
        db,
    );
    // No warm containers: a container of a node is a grading under way.
    let node = ["worker", "--workers", "2", "--warm", "0", "--lease", "3s"];
    let mut doomed = Node::start(&node, db);
    let mut survivor = Node::start(&node, db);

    let client = reqwest::Client::new();
    wait_healthy(&base).await;
    let reference =
        std::fs::read_to_string(root().join("exercises/python/fizzbuzz/reference/fizzbuzz.py"))
            .unwrap();
    // Slow enough that a grading is under way when the node is killed.
    let slow = format!("import time\ntime.sleep(1)\n{reference}");
    let mut ids = Vec::new();
    for _ in 0..SUBMISSIONS {
        let response = client
            .post(format!("{base}/v1/submissions"))
            .bearer_auth(&token)
            .json(
                &serde_json::json!({"exercise": "python/fizzbuzz", "files": {"fizzbuzz.py": slow}}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 202, "{}", response.text().await.unwrap());
        let body: serde_json::Value = response.json().await.unwrap();
        ids.push(body["id"].as_str().unwrap().to_owned());
    }

    let started = Instant::now();
    while containers_of(doomed.pid()).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the node to kill never started grading"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let killed = doomed.pid();
    doomed.child.kill().unwrap();
    doomed.child.wait().unwrap();

    // The front end answers `?wait=` for submissions another process
    // grades: the last one is graded last.
    let last = ids.last().unwrap();
    let response = client
        .get(format!("{base}/v1/submissions/{last}?wait=60"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let started = Instant::now();
    let graded = loop {
        let stored = every_submission(db).await;
        if stored
            .iter()
            .all(|each| each.status == SubmissionStatus::Done)
        {
            break stored;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "not every submission was graded"
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
    }
    // A claim counts an attempt: the killed node's gradings (at most its
    // two workers') were claimed twice, every other submission once.
    let again: Vec<&str> = graded
        .iter()
        .filter(|each| each.attempts > 1)
        .map(|each| each.id.as_str())
        .collect();
    assert!(graded.iter().all(|each| (1..=2).contains(&each.attempts)));
    assert!((1..=2).contains(&again.len()), "claimed twice: {again:?}");

    // The survivor sweeps what the killed node left, within half a lease.
    let started = Instant::now();
    while !containers_of(killed).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "containers of the killed node are left: {:?}",
            containers_of(killed)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for node in [&mut survivor, &mut front] {
        let pid = node.pid();
        assert!(node.stop().success());
        assert_eq!(containers_of(pid), Vec::<String>::new());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_a_node_killed_mid_grading_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("grader.db");
    a_node_killed_mid_grading_loses_nothing(db.to_str().unwrap()).await;
}
