//! The store's contract, one suite run on both databases: SQLite (a
//! file) and PostgreSQL (a throwaway server from Debian's package, started
//! by each test). Leases: two nodes on one database; a node's recovery
//! once requeued every running row, so a second `grader serve` took back
//! what the first was grading (graded twice, an attempt used twice).

use std::collections::BTreeMap;
use std::time::Duration;

use grader_server::auth::Role;
use grader_server::store::{Enqueued, Limits, StoredSubmission, SubmissionStatus};
use grader_server::{PgStore, SqliteStore, Store};
use grader_testkit::{Durability, TempPostgres};

const LEASE: Duration = Duration::from_millis(600);

/// What keeps a database alive for a test: its folder, or its server.
type Keep = Box<dyn std::any::Any + Send>;

/// Two stores on one fresh SQLite file, as two processes would open it.
async fn sqlite_pair() -> (Keep, SqliteStore, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("grader.db");
    let first = SqliteStore::open(path.to_str().unwrap()).await.unwrap();
    let second = SqliteStore::open(path.to_str().unwrap()).await.unwrap();
    (Box::new(dir), first, second)
}

/// Two stores on one fresh PostgreSQL database, as two nodes would.
async fn postgres_pair() -> (Keep, PgStore, PgStore) {
    let server = tokio::task::spawn_blocking(|| TempPostgres::start(Durability::Throwaway))
        .await
        .unwrap();
    let url = server.url();
    let first = PgStore::open(&url).await.unwrap();
    let second = PgStore::open(&url).await.unwrap();
    (Box::new(server), first, second)
}

/// Runs each contract test on both stores: `<test>::sqlite` and
/// `<test>::postgres`.
macro_rules! on_both_stores {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let (_keep, first, second) = super::sqlite_pair().await;
                super::contract::$test(first, second).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let (_keep, first, second) = super::postgres_pair().await;
                super::contract::$test(first, second).await;
            }
        }
    )*};
}

on_both_stores!(
    another_nodes_recovery_leaves_a_live_lease_alone,
    an_expired_lease_is_requeued_and_its_late_result_is_not_written,
    a_released_submission_is_queued_again_without_an_attempt,
    a_submission_that_crashed_its_worker_too_often_is_given_up,
    intake_keeps_both_bounds_under_a_burst,
    claims_at_once_never_take_one_submission_twice,
    submissions_are_listed_newest_first_per_token,
    tokens_are_found_by_their_hash_only,
    a_delivery_is_stored_with_its_result_and_claimed_once_at_a_time,
    a_worker_claims_only_the_exercises_it_serves,
    a_retry_with_the_same_idempotency_key_finds_the_first_submission,
    a_submission_no_live_node_serves_is_counted_as_unserved,
);

/// The exercises the tests' workers serve.
fn served() -> Vec<String> {
    vec!["python/fizzbuzz".to_owned()]
}

fn submission(id: &str, token_id: i64) -> StoredSubmission {
    StoredSubmission {
        id: id.to_owned(),
        token_id,
        exercise: "python/fizzbuzz".to_owned(),
        files: BTreeMap::from([
            (
                "fizzbuzz.py".to_owned(),
                grader_server::FileBody::Text("pass\n".to_owned()),
            ),
            // A file that is not text, as it came.
            (
                "notes.bin".to_owned(),
                grader_server::FileBody::of(vec![0, 159, 146, 150]),
            ),
        ]),
        status: SubmissionStatus::Queued,
        result: None,
        attempts: 0,
        created_at: 0,
        finished_at: None,
        callback: None,
        idempotency_key: None,
    }
}

const ROOMY: Limits = Limits {
    pending_per_token: 100,
    queue_capacity: 100,
};

fn result() -> grader::GradeResult {
    grader::GradeResult::error(
        "python/fizzbuzz",
        grader::result::ErrorKind::Infra,
        "a stand-in result",
    )
}

async fn status(store: &impl Store, id: &str) -> SubmissionStatus {
    store.get(id).await.unwrap().unwrap().status
}

/// A token and one queued submission, `sub-1`.
async fn one_queued(store: &impl Store) -> String {
    let token_id = store
        .create_token("ann", Role::Learner, "hash")
        .await
        .unwrap();
    let queued = submission("sub-1", token_id);
    assert_eq!(
        store.enqueue(&queued, ROOMY).await.unwrap(),
        Enqueued::Queued
    );
    queued.id
}

mod contract {
    pub use super::deliveries::*;
    use super::*;
    pub async fn another_nodes_recovery_leaves_a_live_lease_alone(
        first: impl Store,
        second: impl Store,
    ) {
        let id = one_queued(&first).await;
        let claimed = first.claim("a/0", LEASE, &served()).await.unwrap().unwrap();
        assert_eq!(claimed.id, id);
        // The second node starts while the first grades, and keeps recovering
        // while the first's heartbeat renews: it never takes the submission.
        for _ in 0..3 {
            assert_eq!(second.recover().await.unwrap(), 0);
            assert!(
                second
                    .claim("b/0", LEASE, &served())
                    .await
                    .unwrap()
                    .is_none()
            );
            tokio::time::sleep(LEASE / 2).await;
            assert!(first.renew(&id, "a/0", LEASE).await.unwrap());
        }
        assert_eq!(status(&second, &id).await, SubmissionStatus::Running);
        assert!(first.finish(&id, "a/0", &result(), None).await.unwrap());
        assert_eq!(second.recover().await.unwrap(), 0);
        let done = second.get(&id).await.unwrap().unwrap();
        assert_eq!(done.status, SubmissionStatus::Done);
        assert_eq!(done.attempts, 1);
    }

    pub async fn an_expired_lease_is_requeued_and_its_late_result_is_not_written(
        first: impl Store,
        second: impl Store,
    ) {
        let id = one_queued(&first).await;
        first.claim("a/0", LEASE, &served()).await.unwrap().unwrap();
        // The first node stops renewing (it died, or stalled).
        tokio::time::sleep(LEASE + Duration::from_millis(200)).await;
        assert_eq!(second.recover().await.unwrap(), 1);
        assert_eq!(status(&second, &id).await, SubmissionStatus::Queued);
        let again = second
            .claim("b/0", LEASE, &served())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(again.id, id);
        // The stalled node comes back: its lease is gone, it renews and
        // finishes nothing.
        assert!(!first.renew(&id, "a/0", LEASE).await.unwrap());
        assert!(!first.finish(&id, "a/0", &result(), None).await.unwrap());
        assert_eq!(status(&second, &id).await, SubmissionStatus::Running);
        assert!(second.finish(&id, "b/0", &result(), None).await.unwrap());
        // Written once: a second finish, even by the holder, changes nothing.
        assert!(!second.finish(&id, "b/0", &result(), None).await.unwrap());
        assert_eq!(status(&first, &id).await, SubmissionStatus::Done);
    }

    pub async fn a_released_submission_is_queued_again_without_an_attempt(
        first: impl Store,
        second: impl Store,
    ) {
        let id = one_queued(&first).await;
        assert_eq!(
            first
                .claim("a/0", LEASE, &served())
                .await
                .unwrap()
                .unwrap()
                .attempts,
            1
        );
        // Only the holder may hand it back.
        assert!(!second.release(&id, "b/0").await.unwrap());
        assert!(first.release(&id, "a/0").await.unwrap());
        assert_eq!(status(&second, &id).await, SubmissionStatus::Queued);
        let again = second
            .claim("b/0", LEASE, &served())
            .await
            .unwrap()
            .unwrap();
        assert_eq!((again.id.as_str(), again.attempts), (id.as_str(), 1));
    }

    pub async fn a_submission_that_crashed_its_worker_too_often_is_given_up(
        first: impl Store,
        second: impl Store,
    ) {
        let token = first.create_token("ann", Role::Learner, "a").await.unwrap();
        let mut queued = submission("sub-1", token);
        queued.callback = Some(grader_server::store::Callback {
            url: "http://lms.example/hook".to_owned(),
            view: grader::View::Learner,
        });
        first.enqueue(&queued, ROOMY).await.unwrap();
        let id = queued.id;
        let short = Duration::from_millis(1);
        for attempt in 1..=grader_server::store::MAX_ATTEMPTS {
            let claimed = first.claim("a/0", short, &served()).await.unwrap().unwrap();
            assert_eq!(claimed.attempts, attempt);
            tokio::time::sleep(Duration::from_millis(20)).await;
            let requeued = second.recover().await.unwrap();
            let last = attempt == grader_server::store::MAX_ATTEMPTS;
            assert_eq!(requeued, u64::from(!last), "attempt {attempt}");
        }
        let done = second.get(&id).await.unwrap().unwrap();
        assert_eq!(done.status, SubmissionStatus::Done);
        let result = done.result.unwrap();
        assert_eq!(result.exercise, "python/fizzbuzz");
        assert_eq!(result.status, grader::Status::Error);
        assert!(
            first
                .claim("a/0", LEASE, &served())
                .await
                .unwrap()
                .is_none()
        );
        // Regression (issue 26): a submission given up never sent its
        // webhook. It is stored with the result, as a graded one's is.
        let delivery = first.claim_delivery(LEASE).await.unwrap().unwrap();
        assert_eq!(delivery.submission_id, id);
        assert_eq!(delivery.url, "http://lms.example/hook");
        let body: serde_json::Value = serde_json::from_str(&delivery.body).unwrap();
        assert_eq!(body["id"], id.as_str());
        assert_eq!(body["status"], "done");
        assert_eq!(body["result"]["status"], "error");
        assert_eq!(body["result"]["error"]["kind"], "infra");
    }

    pub async fn intake_keeps_both_bounds_under_a_burst(first: impl Store, second: impl Store) {
        let ann = first.create_token("ann", Role::Learner, "a").await.unwrap();
        let bob = first.create_token("bob", Role::Learner, "b").await.unwrap();
        let limits = Limits {
            pending_per_token: 3,
            queue_capacity: 5,
        };
        // Forty at once from two stores (two front ends), ann's and bob's
        // interleaved.
        let offers = (0..40).map(|index| {
            let token = if index % 2 == 0 { ann } else { bob };
            let offered = submission(&format!("sub-{index}"), token);
            let (first, second) = (&first, &second);
            async move {
                if index % 3 == 0 {
                    first.enqueue(&offered, limits).await.unwrap()
                } else {
                    second.enqueue(&offered, limits).await.unwrap()
                }
            }
        });
        let answers = futures_util::future::join_all(offers).await;
        let queued = answers.iter().filter(|answer| **answer == Enqueued::Queued);
        // Each token reaches its own bound (3 + 3 > 5): the queue's bound
        // holds, and neither token passes its own.
        assert_eq!(queued.count(), 5, "{answers:?}");
        assert_eq!(first.queued().await.unwrap(), 5);
        let pending = |token| {
            let first = &first;
            async move { first.list(Some(token), 100).await.unwrap().len() }
        };
        assert!(pending(ann).await <= 3 && pending(bob).await <= 3);
        assert!(answers.iter().all(|answer| matches!(
            answer,
            Enqueued::Queued | Enqueued::TooManyPending(3) | Enqueued::QueueFull(5)
        )));
    }

    pub async fn claims_at_once_never_take_one_submission_twice(
        first: impl Store,
        second: impl Store,
    ) {
        let token = first.create_token("ann", Role::Learner, "a").await.unwrap();
        for index in 0..20 {
            let queued = submission(&format!("sub-{index:02}"), token);
            assert_eq!(
                first.enqueue(&queued, ROOMY).await.unwrap(),
                Enqueued::Queued
            );
        }
        let claims = (0..30).map(|index| {
            let (first, second) = (&first, &second);
            async move {
                let worker = format!("node-{}/{index}", index % 2);
                let store: &dyn ClaimOnly = if index % 2 == 0 { first } else { second };
                store.claim_id(&worker).await
            }
        });
        let mut claimed: Vec<String> = futures_util::future::join_all(claims)
            .await
            .into_iter()
            .flatten()
            .collect();
        claimed.sort();
        let expected: Vec<String> = (0..20).map(|index| format!("sub-{index:02}")).collect();
        assert_eq!(claimed, expected);
    }

    /// Regression (issue 26): a node started with the wrong exercises
    /// folder claimed every submission of the shared queue and stored each
    /// as "this exercise is no longer served". A submission for an exercise
    /// a worker does not serve stays queued for a node that does.
    pub async fn a_worker_claims_only_the_exercises_it_serves(
        first: impl Store,
        second: impl Store,
    ) {
        let token = first.create_token("ann", Role::Learner, "a").await.unwrap();
        let mut other = submission("sub-other", token);
        other.exercise = "sql/cheap-products".to_owned();
        first.enqueue(&other, ROOMY).await.unwrap();
        first
            .enqueue(&submission("sub-mine", token), ROOMY)
            .await
            .unwrap();
        let claimed = first.claim("a/0", LEASE, &served()).await.unwrap().unwrap();
        assert_eq!(claimed.id, "sub-mine");
        assert!(
            first
                .claim("a/0", LEASE, &served())
                .await
                .unwrap()
                .is_none()
        );
        assert!(first.claim("a/0", LEASE, &[]).await.unwrap().is_none());
        let theirs = vec!["sql/cheap-products".to_owned()];
        let claimed = second.claim("b/0", LEASE, &theirs).await.unwrap().unwrap();
        assert_eq!(claimed.id, "sub-other");
    }

    /// Regression (issue 26): a submission for an exercise no live node
    /// served waited without a word. Each node's heartbeat says what it
    /// grades, until when; what no live node grades is counted, by
    /// exercise.
    pub async fn a_submission_no_live_node_serves_is_counted_as_unserved(
        first: impl Store,
        second: impl Store,
    ) {
        let token = first.create_token("ann", Role::Learner, "a").await.unwrap();
        let mut sql = submission("sub-sql", token);
        sql.exercise = "sql/cheap-products".to_owned();
        first.enqueue(&sql, ROOMY).await.unwrap();
        for id in ["sub-1", "sub-2"] {
            first.enqueue(&submission(id, token), ROOMY).await.unwrap();
        }
        let counted = |list: Vec<grader_server::store::Unserved>| {
            list.into_iter()
                .map(|each| (each.exercise, each.queued))
                .collect::<BTreeMap<_, _>>()
        };
        // No node at all: everything waits.
        assert_eq!(
            counted(second.unserved().await.unwrap()),
            BTreeMap::from([
                ("python/fizzbuzz".to_owned(), 2),
                ("sql/cheap-products".to_owned(), 1)
            ])
        );
        first
            .beat("node-a", &served(), Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(
            counted(second.unserved().await.unwrap()),
            BTreeMap::from([("sql/cheap-products".to_owned(), 1)])
        );
        // A node whose heartbeat ran out serves nothing.
        second
            .beat(
                "node-b",
                &["sql/cheap-products".to_owned()],
                Duration::from_millis(1),
            )
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(second.unserved().await.unwrap().len(), 1);
        second
            .beat(
                "node-b",
                &["sql/cheap-products".to_owned()],
                Duration::from_secs(60),
            )
            .await
            .unwrap();
        assert!(second.unserved().await.unwrap().is_empty());
        // A claimed submission no longer waits; a node that stopped is
        // forgotten at once.
        first.forget("node-a").await.unwrap();
        assert_eq!(
            counted(second.unserved().await.unwrap()),
            BTreeMap::from([("python/fizzbuzz".to_owned(), 2)])
        );
        second
            .claim("b/0", LEASE, &served())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            counted(first.unserved().await.unwrap()),
            BTreeMap::from([("python/fizzbuzz".to_owned(), 1)])
        );
    }

    /// Regression (issue 26): a client that retried after a timeout made a
    /// second submission. With an idempotency key, a retry — from either
    /// front end, even at the same moment — finds the first one; the key
    /// is the token's own.
    pub async fn a_retry_with_the_same_idempotency_key_finds_the_first_submission(
        first: impl Store,
        second: impl Store,
    ) {
        let ann = first.create_token("ann", Role::Learner, "a").await.unwrap();
        let bob = first.create_token("bob", Role::Learner, "b").await.unwrap();
        let keyed = |id: &str, token: i64| {
            let mut offered = submission(id, token);
            offered.idempotency_key = Some("retry-me".to_owned());
            offered
        };
        assert_eq!(
            first.enqueue(&keyed("sub-1", ann), ROOMY).await.unwrap(),
            Enqueued::Queued
        );
        assert_eq!(
            second.enqueue(&keyed("sub-2", ann), ROOMY).await.unwrap(),
            Enqueued::Existing("sub-1".to_owned())
        );
        assert_eq!(
            second.enqueue(&keyed("sub-3", bob), ROOMY).await.unwrap(),
            Enqueued::Queued,
            "another token's key is its own"
        );
        // Ten retries of a new key at once, from both stores: one is stored.
        let offers = (0..10).map(|index| {
            let mut offered = submission(&format!("burst-{index}"), ann);
            offered.idempotency_key = Some("burst".to_owned());
            let (first, second) = (&first, &second);
            async move {
                if index % 2 == 0 {
                    first.enqueue(&offered, ROOMY).await.unwrap()
                } else {
                    second.enqueue(&offered, ROOMY).await.unwrap()
                }
            }
        });
        let answers = futures_util::future::join_all(offers).await;
        let stored: Vec<&Enqueued> = answers
            .iter()
            .filter(|answer| **answer == Enqueued::Queued)
            .collect();
        assert_eq!(stored.len(), 1, "{answers:?}");
        let ids: std::collections::BTreeSet<&str> = answers
            .iter()
            .filter_map(|answer| match answer {
                Enqueued::Existing(id) => Some(id.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(ids.len(), 1, "{answers:?}");
        let listed = first.list(Some(ann), 100).await.unwrap();
        assert_eq!(listed.len(), 2, "sub-1 and one of the burst");
    }

    pub async fn submissions_are_listed_newest_first_per_token(
        first: impl Store,
        second: impl Store,
    ) {
        let ann = first.create_token("ann", Role::Learner, "a").await.unwrap();
        let bob = first.create_token("bob", Role::Learner, "b").await.unwrap();
        for (index, token) in [ann, bob, ann].into_iter().enumerate() {
            let mut queued = submission(&format!("sub-{index}"), token);
            queued.created_at = 100 + index as i64;
            assert_eq!(
                first.enqueue(&queued, ROOMY).await.unwrap(),
                Enqueued::Queued
            );
        }
        let ids = |listed: Vec<StoredSubmission>| -> Vec<String> {
            listed.into_iter().map(|each| each.id).collect()
        };
        assert_eq!(
            ids(second.list(Some(ann), 10).await.unwrap()),
            ["sub-2", "sub-0"]
        );
        assert_eq!(ids(second.list(None, 2).await.unwrap()), ["sub-2", "sub-1"]);
        // A list carries no files: only a worker reads them.
        let listed = second.list(None, 10).await.unwrap();
        assert!(listed.iter().all(|each| each.files.is_empty()));
        let positions = [
            second.position("sub-0").await.unwrap(),
            second.position("sub-2").await.unwrap(),
        ];
        assert_eq!(positions, [Some(1), Some(3)]);
        // The oldest is claimed first, with its files; the others move up.
        let claimed = second
            .claim("b/0", LEASE, &served())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(claimed.id, "sub-0");
        assert_eq!(claimed.files, submission("sub-0", 0).files);
        assert_eq!(
            claimed.files["notes.bin"].bytes().unwrap(),
            [0, 159, 146, 150]
        );
        assert_eq!(first.position("sub-0").await.unwrap(), None);
        assert_eq!(first.position("sub-2").await.unwrap(), Some(2));
        assert_eq!(first.position("no-such").await.unwrap(), None);
    }

    pub async fn tokens_are_found_by_their_hash_only(first: impl Store, second: impl Store) {
        let id = first
            .create_token("ann", Role::Author, "hash-a")
            .await
            .unwrap();
        let caller = second.caller("hash-a").await.unwrap().unwrap();
        assert_eq!((caller.token_id, caller.name.as_str()), (id, "ann"));
        assert_eq!(caller.role, Role::Author);
        assert!(second.caller("hash-b").await.unwrap().is_none());
        // A hash is unique.
        assert!(
            first
                .create_token("bob", Role::Learner, "hash-a")
                .await
                .is_err()
        );
    }
}

mod deliveries {
    use super::*;
    use grader_server::store::{Callback, NewDelivery, Settled};

    pub async fn a_delivery_is_stored_with_its_result_and_claimed_once_at_a_time(
        first: impl Store,
        second: impl Store,
    ) {
        let token = first.create_token("lms", Role::Author, "a").await.unwrap();
        let mut queued = submission("sub-1", token);
        queued.callback = Some(Callback {
            url: "http://lms.example/hook".to_owned(),
            view: grader::View::Author,
        });
        assert_eq!(
            first.enqueue(&queued, ROOMY).await.unwrap(),
            Enqueued::Queued
        );
        let claimed = first.claim("a/0", LEASE, &served()).await.unwrap().unwrap();
        assert_eq!(claimed.callback, queued.callback);
        let delivery = NewDelivery {
            url: "http://lms.example/hook".to_owned(),
            body: "{\"id\":\"sub-1\"}".to_owned(),
        };
        // Nothing to deliver before the result is stored; a finish by a
        // node without the lease stores neither.
        assert!(second.claim_delivery(LEASE).await.unwrap().is_none());
        assert!(
            !second
                .finish("sub-1", "b/0", &result(), Some(&delivery))
                .await
                .unwrap()
        );
        assert!(second.claim_delivery(LEASE).await.unwrap().is_none());
        assert!(
            first
                .finish("sub-1", "a/0", &result(), Some(&delivery))
                .await
                .unwrap()
        );

        let hold = Duration::from_millis(300);
        let taken = second.claim_delivery(hold).await.unwrap().unwrap();
        assert_eq!(
            (taken.url.as_str(), taken.body.as_str()),
            (delivery.url.as_str(), delivery.body.as_str())
        );
        assert_eq!((taken.submission_id.as_str(), taken.attempts), ("sub-1", 1));
        // Held: no other sender takes it; once the hold runs out (its
        // sender died mid-attempt), it is due again.
        assert!(first.claim_delivery(hold).await.unwrap().is_none());
        tokio::time::sleep(hold + Duration::from_millis(100)).await;
        let again = first.claim_delivery(hold).await.unwrap().unwrap();
        assert_eq!((again.id, again.attempts), (taken.id, 2));
        // A retry is due at its time, not before.
        let at_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64
            + 300;
        let retry = Settled::Retry {
            at_ms,
            error: "503".to_owned(),
        };
        first.settle_delivery(again.id, &retry).await.unwrap();
        assert!(second.claim_delivery(hold).await.unwrap().is_none());
        tokio::time::sleep(Duration::from_millis(400)).await;
        let third = second.claim_delivery(hold).await.unwrap().unwrap();
        assert_eq!(third.attempts, 3);
        second
            .settle_delivery(third.id, &Settled::Delivered)
            .await
            .unwrap();
        tokio::time::sleep(hold + Duration::from_millis(100)).await;
        assert!(first.claim_delivery(hold).await.unwrap().is_none());
    }
}

/// A claim through either store type, for tests that mix two.
trait ClaimOnly: Sync {
    fn claim_id<'a>(
        &'a self,
        worker: &'a str,
    ) -> std::pin::Pin<Box<dyn Future<Output = Option<String>> + Send + 'a>>;
}

impl<S: Store> ClaimOnly for S {
    fn claim_id<'a>(
        &'a self,
        worker: &'a str,
    ) -> std::pin::Pin<Box<dyn Future<Output = Option<String>> + Send + 'a>> {
        Box::pin(async move {
            let claimed = self.claim(worker, LEASE, &served()).await.unwrap();
            claimed.map(|claimed| claimed.id)
        })
    }
}

/// A zero lease would make the heartbeat's and the reaper's timers panic
/// (a zero period) and every claim expire at once: it is raised.
#[tokio::test]
async fn a_lease_below_a_second_is_raised_to_one() {
    let (_keep, store, _) = sqlite_pair().await;
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

/// Regression (issue 26): under 500 req/s on PostgreSQL, submissions whose
/// clients had already hung up were stored, and nobody ever learnt their
/// ids. An offer whose request is gone before intake decides on it is not
/// stored; the ones still awaited are. (On SQLite a request's transaction
/// is its own, rolled back when the request is dropped.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_an_offer_whose_request_is_gone_is_not_stored() {
    use sqlx::Connection;
    let server = tokio::task::spawn_blocking(|| TempPostgres::start(Durability::Throwaway))
        .await
        .unwrap();
    let store = std::sync::Arc::new(PgStore::open(&server.url()).await.unwrap());
    let token = store
        .create_token("ann", Role::Learner, "hash")
        .await
        .unwrap();
    // Intake's lock ("grader" in ASCII), held as a busy front end would.
    const INTAKE_LOCK: i64 = 0x6772_6164_6572;
    let mut holder = sqlx::PgConnection::connect(&server.url()).await.unwrap();
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(INTAKE_LOCK)
        .execute(&mut holder)
        .await
        .unwrap();
    let offer = |id: &'static str| {
        let store = std::sync::Arc::clone(&store);
        tokio::spawn(async move { store.enqueue(&submission(id, token), ROOMY).await })
    };
    let gone = offer("sub-gone");
    tokio::time::sleep(Duration::from_millis(300)).await;
    gone.abort();
    assert!(gone.await.unwrap_err().is_cancelled());
    let awaited = offer("sub-awaited");
    tokio::time::sleep(Duration::from_millis(100)).await;
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(INTAKE_LOCK)
        .execute(&mut holder)
        .await
        .unwrap();
    assert_eq!(awaited.await.unwrap().unwrap(), Enqueued::Queued);
    assert!(store.get("sub-gone").await.unwrap().is_none());
    assert!(store.get("sub-awaited").await.unwrap().is_some());
    assert_eq!(store.queued().await.unwrap(), 1);
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
