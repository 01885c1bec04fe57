//! Leases on the store: two nodes on one SQLite file. A node's recovery
//! once requeued every running row, so a second `grader serve` took back
//! what the first was grading (graded twice, an attempt used twice).

use std::collections::BTreeMap;
use std::time::Duration;

use grader_server::auth::Role;
use grader_server::store::{Enqueued, Limits, StoredSubmission, SubmissionStatus};
use grader_server::{SqliteStore, Store};

const LEASE: Duration = Duration::from_millis(600);

/// Two stores on one fresh file, as two processes would open it, and one
/// queued submission.
async fn two_nodes() -> (tempfile::TempDir, SqliteStore, SqliteStore, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("grader.db");
    let first = SqliteStore::open(path.to_str().unwrap()).await.unwrap();
    let second = SqliteStore::open(path.to_str().unwrap()).await.unwrap();
    let token_id = first
        .create_token("ann", Role::Learner, "hash")
        .await
        .unwrap();
    let submission = StoredSubmission {
        id: "sub-1".to_owned(),
        token_id,
        exercise: "python/fizzbuzz".to_owned(),
        files: BTreeMap::from([("fizzbuzz.py".to_owned(), "pass\n".to_owned())]),
        status: SubmissionStatus::Queued,
        result: None,
        attempts: 0,
        created_at: 0,
        finished_at: None,
    };
    let limits = Limits {
        pending_per_token: 10,
        queue_capacity: 10,
    };
    assert_eq!(
        first.enqueue(&submission, limits).await.unwrap(),
        Enqueued::Queued
    );
    (dir, first, second, submission.id)
}

fn result() -> grader::GradeResult {
    grader::GradeResult::error(
        "python/fizzbuzz",
        grader::result::ErrorKind::Infra,
        "a stand-in result",
    )
}

async fn status(store: &SqliteStore, id: &str) -> SubmissionStatus {
    store.get(id).await.unwrap().unwrap().status
}

#[tokio::test]
async fn another_nodes_recovery_leaves_a_live_lease_alone() {
    let (_dir, first, second, id) = two_nodes().await;
    let claimed = first.claim("a/0", LEASE).await.unwrap().unwrap();
    assert_eq!(claimed.id, id);
    // The second node starts while the first grades, and keeps recovering
    // while the first's heartbeat renews: it never takes the submission.
    for _ in 0..3 {
        assert_eq!(second.recover().await.unwrap(), 0);
        assert!(second.claim("b/0", LEASE).await.unwrap().is_none());
        tokio::time::sleep(LEASE / 2).await;
        assert!(first.renew(&id, "a/0", LEASE).await.unwrap());
    }
    assert_eq!(status(&second, &id).await, SubmissionStatus::Running);
    assert!(first.finish(&id, "a/0", &result()).await.unwrap());
    assert_eq!(second.recover().await.unwrap(), 0);
    let done = second.get(&id).await.unwrap().unwrap();
    assert_eq!(done.status, SubmissionStatus::Done);
    assert_eq!(done.attempts, 1);
}

#[tokio::test]
async fn an_expired_lease_is_requeued_and_its_late_result_is_not_written() {
    let (_dir, first, second, id) = two_nodes().await;
    first.claim("a/0", LEASE).await.unwrap().unwrap();
    // The first node stops renewing (it died, or stalled).
    tokio::time::sleep(LEASE + Duration::from_millis(200)).await;
    assert_eq!(second.recover().await.unwrap(), 1);
    assert_eq!(status(&second, &id).await, SubmissionStatus::Queued);
    let again = second.claim("b/0", LEASE).await.unwrap().unwrap();
    assert_eq!(again.id, id);
    // The stalled node comes back: its lease is gone, it renews and
    // finishes nothing.
    assert!(!first.renew(&id, "a/0", LEASE).await.unwrap());
    assert!(!first.finish(&id, "a/0", &result()).await.unwrap());
    assert_eq!(status(&second, &id).await, SubmissionStatus::Running);
    assert!(second.finish(&id, "b/0", &result()).await.unwrap());
    // Written once: a second finish, even by the holder, changes nothing.
    assert!(!second.finish(&id, "b/0", &result()).await.unwrap());
    assert_eq!(status(&first, &id).await, SubmissionStatus::Done);
}

/// A zero lease would make the heartbeat's and the reaper's timers panic
/// (a zero period) and every claim expire at once: it is raised.
#[tokio::test]
async fn a_lease_below_a_second_is_raised_to_one() {
    let (_dir, store, _, _) = two_nodes().await;
    let state = grader_server::AppState::new(
        store,
        grader_server::catalog::Catalog::default(),
        grader_server::Config {
            lease: Duration::ZERO,
            ..grader_server::Config::default()
        },
    );
    assert_eq!(state.config.lease, grader_server::state::MIN_LEASE);
}

/// Two `grader serve` started together on a new file both bring the schema
/// up to date: the migrations run under one write lock, so the second
/// finds them applied instead of applying them again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stores_opened_at_once_on_a_new_file_both_open() {
    for _ in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grader.db");
        let path = path.to_str().unwrap();
        let (first, second, third) = tokio::join!(
            SqliteStore::open(path),
            SqliteStore::open(path),
            SqliteStore::open(path)
        );
        for opened in [first, second, third] {
            if let Err(error) = opened {
                panic!("{}", causes(&error));
            }
        }
    }
}

/// An error and its causes, one line.
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}
