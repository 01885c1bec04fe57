//! Where tokens and submissions live, and the queue of submissions to
//! grade: one table that workers claim from.
//!
//! [`Store`] is what the service needs of a database. Two implement it:
//! [`SqliteStore`] (one file, nothing to install: the default) and
//! [`PgStore`] (PostgreSQL: several machines share one queue). Both pass
//! one test suite (`tests/it/store.rs`); [`open`] picks one from `--db`.
//!
//! A claim is a lease: the row is running for one worker of one node until
//! an expiry its heartbeat renews ([`Store::renew`]). Recovery requeues only
//! rows whose lease ran out, so nodes on one database never take each
//! other's work, and [`Store::finish`] writes only while the finisher still
//! holds the lease, so a result is written once.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

pub use crate::model::Caller;
use crate::model::{FileBody, Role, Update};

mod postgres;
mod sqlite;

pub use postgres::{PgStore, redacted};
pub use sqlite::SqliteStore;

/// A submission that crashed its worker this many times is given up.
pub const MAX_ATTEMPTS: i64 = 3;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("open the database {path}")]
    Open {
        path: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("bring the database {path} up to date")]
    Migrate {
        path: String,
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    #[error("query the database")]
    Query(#[from] sqlx::Error),
    #[error("read a stored value")]
    Decode(#[from] serde_json::Error),
    /// The transaction that was to store this submission, with others
    /// offered at the same moment, failed.
    #[error("store the submission")]
    Intake(#[source] std::sync::Arc<StoreError>),
    #[error("the queue's intake has stopped")]
    IntakeStopped,
}

impl StoreError {
    /// Whether the database itself does not answer — it is down,
    /// restarting, or out of connections — rather than a query's fault:
    /// the service then answers 503 at once, and a caller tries again.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Query(error) => unavailable(error),
            StoreError::Intake(error) => error.is_unavailable(),
            StoreError::IntakeStopped => false,
            StoreError::Open { source, .. } => unavailable(source),
            StoreError::Migrate { .. } | StoreError::Decode(_) => false,
        }
    }
}

fn unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        // Class 57: the server is shutting down, or not yet taking
        // connections; 08: the connection failed.
        sqlx::Error::Database(error) => error
            .code()
            .is_some_and(|code| code.starts_with("57") || code.starts_with("08")),
        _ => false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionStatus {
    Queued,
    Running,
    Done,
}

impl SubmissionStatus {
    fn parse(text: &str) -> SubmissionStatus {
        match text {
            "queued" => SubmissionStatus::Queued,
            "running" => SubmissionStatus::Running,
            _ => SubmissionStatus::Done,
        }
    }
}

/// A stored submission.
#[derive(Debug, Clone)]
pub struct StoredSubmission {
    pub id: String,
    pub token_id: i64,
    pub exercise: String,
    pub files: BTreeMap<String, FileBody>,
    pub status: SubmissionStatus,
    /// The result in the author's view, once graded.
    pub result: Option<grader::GradeResult>,
    pub attempts: i64,
    pub created_at: i64,
    pub finished_at: Option<i64>,
    /// Where to deliver the result, if the submitter asked.
    pub callback: Option<Callback>,
    /// The client's `Idempotency-Key`, if it gave one: a second submission
    /// of its token with the same key is this one. Written, never read back.
    pub idempotency_key: Option<String>,
}

/// A submitter's request to be told of a result: a URL the operator
/// allows, and the view of the result its submitter may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    pub url: String,
    pub view: grader::View,
}

/// A result to deliver to a callback: what [`Store::finish`] stores with
/// the result, in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    pub url: String,
    /// The JSON body, as it is signed and sent.
    pub body: String,
}

/// A delivery claimed by a sender ([`Store::claim_delivery`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub submission_id: String,
    pub url: String,
    pub body: String,
    /// Attempts so far, this one included.
    pub attempts: i64,
}

/// What became of an attempt to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    Delivered,
    /// Try again at this time (milliseconds since the Unix epoch).
    Retry {
        at_ms: i64,
        error: String,
    },
    /// No more attempts.
    Failed {
        error: String,
    },
}

/// The bounds intake keeps.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub pending_per_token: i64,
    pub queue_capacity: i64,
}

/// What became of a submission offered to the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enqueued {
    Queued,
    /// Not stored: the token's earlier submission with the same
    /// idempotency key, by id.
    Existing(String),
    /// Refused: its token already has this many pending (queued or running).
    TooManyPending(i64),
    /// Refused: this many are queued already.
    QueueFull(i64),
}

/// Queued submissions of an exercise that no live grading node serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Unserved {
    pub exercise: String,
    pub queued: i64,
}

/// Of `queued` (exercise, count), those that none of the live nodes'
/// `served` lists (JSON arrays of exercise ids) holds. A node's list that
/// does not decode counts as serving nothing.
fn unserved_of(queued: Vec<(String, i64)>, served: &[String]) -> Vec<Unserved> {
    let served: std::collections::BTreeSet<String> = served
        .iter()
        .flat_map(|list| serde_json::from_str::<Vec<String>>(list).unwrap_or_default())
        .collect();
    queued
        .into_iter()
        .filter(|(exercise, _)| !served.contains(exercise))
        .map(|(exercise, queued)| Unserved { exercise, queued })
        .collect()
}

/// What the service needs of its database.
pub trait Store: Send + Sync + 'static {
    fn create_token(
        &self,
        name: &str,
        role: Role,
        hash: &str,
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;
    fn caller(&self, hash: &str)
    -> impl Future<Output = Result<Option<Caller>, StoreError>> + Send;
    /// A submission whole, its files included (`get` leaves them out).
    fn whole(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<StoredSubmission>, StoreError>> + Send;
    /// Every token's id, name and role, by id (the gradebook's learners).
    fn callers(&self) -> impl Future<Output = Result<Vec<Caller>, StoreError>> + Send;
    /// Stores a new submission as queued if its token has fewer than
    /// `limits.pending_per_token` pending and the queue fewer than
    /// `limits.queue_capacity` queued: both checked atomically with the
    /// insert, so a burst never overshoots either bound.
    fn enqueue(
        &self,
        submission: &StoredSubmission,
        limits: Limits,
    ) -> impl Future<Output = Result<Enqueued, StoreError>> + Send;
    fn get(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<StoredSubmission>, StoreError>> + Send;
    /// The newest submissions first, without their files; all of them when
    /// `token_id` is None.
    fn list(
        &self,
        token_id: Option<i64>,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<StoredSubmission>, StoreError>> + Send;
    /// Every graded submission of `exercise`, oldest first, without their
    /// files: what the class did (`stats.rs`).
    fn graded(
        &self,
        exercise: &str,
    ) -> impl Future<Output = Result<Vec<StoredSubmission>, StoreError>> + Send;
    fn queued(&self) -> impl Future<Output = Result<i64, StoreError>> + Send;
    /// Where `id` stands in the queue (1: next to be claimed), or None when
    /// it is not queued. Costs at most the queue's length.
    fn position(&self, id: &str) -> impl Future<Output = Result<Option<i64>, StoreError>> + Send;
    /// Marks the oldest queued submission running for `worker`, leased to
    /// it for `lease`, and returns it.
    fn claim(
        &self,
        worker: &str,
        lease: Duration,
        exercises: &[String],
    ) -> impl Future<Output = Result<Option<StoredSubmission>, StoreError>> + Send;
    /// Extends `worker`'s lease on `id` to `lease` from now; false when the
    /// lease is no longer `worker`'s (it expired and was requeued).
    fn renew(
        &self,
        id: &str,
        worker: &str,
        lease: Duration,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Stores the result of `id` if `worker` still holds its lease, with
    /// its delivery to a callback if any, in one transaction; false
    /// (nothing written) when it does not hold it: a result is written
    /// once.
    fn finish(
        &self,
        id: &str,
        worker: &str,
        result: &grader::GradeResult,
        delivery: Option<&NewDelivery>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Takes the delivery due first, if any, for `hold`: until then no
    /// other sender takes it (a sender that dies mid-attempt leaves it due
    /// again after `hold`). Counts the attempt.
    fn claim_delivery(
        &self,
        hold: Duration,
    ) -> impl Future<Output = Result<Option<Delivery>, StoreError>> + Send;
    /// Records what became of an attempt at delivery `id`.
    fn settle_delivery(
        &self,
        id: i64,
        settled: &Settled,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Hands `id` back to the queue if `worker` still holds its lease (a
    /// stopping node that could not finish it); the attempt does not count.
    fn release(
        &self,
        id: &str,
        worker: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Running submissions whose lease expired (their node died or lost
    /// the database) go back to the queue, except those that have failed
    /// too often, which are given up. Returns how many were requeued.
    fn recover(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// Records that grading node `node` grades `exercises` and counts as
    /// alive for `ttl` from now: its heartbeat.
    fn beat(
        &self,
        node: &str,
        exercises: &[String],
        ttl: Duration,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Forgets `node`: it stopped.
    fn forget(&self, node: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Queued submissions, by exercise, that no live node grades: they
    /// wait for a node that serves their exercise.
    fn unserved(&self) -> impl Future<Output = Result<Vec<Unserved>, StoreError>> + Send;
    /// Hears what other processes on this database change, until dropped:
    /// a submission's new status goes to `updates` (for `?wait=` and the
    /// event stream), a newly queued one also wakes `wake` (an idle
    /// worker). A database that cannot tell (SQLite) never returns; the
    /// service then reads the store again every second.
    fn listen(
        &self,
        updates: tokio::sync::broadcast::Sender<Update>,
        wake: std::sync::Arc<tokio::sync::Notify>,
    ) -> impl Future<Output = ()> + Send;
}

/// Seconds since the Unix epoch, as the store keeps times.
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs() as i64
}

/// Milliseconds since the Unix epoch, as the store keeps lease expiries.
pub(crate) fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as i64
}

/// When a lease of `lease` taken now expires, in milliseconds.
fn lease_until(lease: Duration) -> i64 {
    now_millis().saturating_add(lease.as_millis() as i64)
}

/// A submission as both databases return it; [`RawSubmission::decode`]
/// reads its JSON columns.
#[derive(Debug, sqlx::FromRow)]
struct RawSubmission {
    id: String,
    token_id: i64,
    exercise: String,
    files: String,
    status: String,
    result: Option<String>,
    attempts: i64,
    created_at: i64,
    finished_at: Option<i64>,
    callback_url: Option<String>,
    callback_view: Option<String>,
}

impl RawSubmission {
    fn decode(self) -> Result<StoredSubmission, StoreError> {
        Ok(StoredSubmission {
            id: self.id,
            token_id: self.token_id,
            exercise: self.exercise,
            files: serde_json::from_str(&self.files)?,
            status: SubmissionStatus::parse(&self.status),
            result: self
                .result
                .map(|text| serde_json::from_str(&text))
                .transpose()?,
            attempts: self.attempts,
            created_at: self.created_at,
            finished_at: self.finished_at,
            callback: self.callback_url.map(|url| Callback {
                url,
                view: match self.callback_view.as_deref() {
                    Some("author") => grader::View::Author,
                    _ => grader::View::Learner,
                },
            }),
            idempotency_key: None,
        })
    }
}

/// The columns of a [`RawSubmission`].
const COLUMNS: &str = "id, token_id, exercise, files, status, result, attempts, created_at,
     finished_at, callback_url, callback_view";
/// The same without the files, which only a worker needs: reading a
/// submission's status (SSE, `?wait=`, lists) never loads them.
const STATUS_COLUMNS: &str = "id, token_id, exercise, '{}' AS files, status, result, attempts,
     created_at, finished_at, callback_url, callback_view";

/// How a callback's view is stored.
fn view_text(callback: Option<&Callback>) -> Option<&'static str> {
    callback.map(|callback| match callback.view {
        grader::View::Author => "author",
        grader::View::Learner => "learner",
    })
}

/// A token's row as both databases return it (`SELECT id, name, role`).
#[derive(Debug, sqlx::FromRow)]
struct RawCaller {
    id: i64,
    name: String,
    role: String,
}

impl RawCaller {
    /// The caller, or None for a role this version does not know (a token
    /// made by a newer one): refused, as an unknown token is.
    fn decode(self) -> Option<Caller> {
        Role::parse(&self.role).map(|role| Caller {
            token_id: self.id,
            name: self.name,
            role,
        })
    }
}

/// A delivery as both databases return it.
#[derive(Debug, sqlx::FromRow)]
struct RawDelivery {
    id: i64,
    submission_id: String,
    url: String,
    body: String,
    attempts: i64,
}

impl From<RawDelivery> for Delivery {
    fn from(raw: RawDelivery) -> Delivery {
        Delivery {
            id: raw.id,
            submission_id: raw.submission_id,
            url: raw.url,
            body: raw.body,
            attempts: raw.attempts,
        }
    }
}

/// The columns an UPDATE of [`Settled`] sets, and its values: status,
/// next attempt, error.
fn settled_values(settled: &Settled) -> (&'static str, Option<i64>, Option<&str>) {
    match settled {
        Settled::Delivered => ("delivered", None, None),
        Settled::Retry { at_ms, error } => ("pending", Some(*at_ms), Some(error)),
        Settled::Failed { error } => ("failed", None, Some(error)),
    }
}

/// The result stored for a submission given up after [`MAX_ATTEMPTS`].
fn given_up() -> grader::GradeResult {
    grader::GradeResult::error(
        "",
        grader::result::ErrorKind::Infra,
        "the grader stopped while grading this submission too many times",
    )
}

/// The webhook of a submission that ended with `result`, if its submitter
/// asked for one: the submission as `GET /v1/submissions/{id}` shows it to
/// them. Every way a submission ends writes it with the result, in one
/// transaction: graded ([`Store::finish`]) or given up ([`Store::recover`]).
pub fn delivery_of(
    submission: &StoredSubmission,
    result: &grader::GradeResult,
) -> Option<NewDelivery> {
    let callback = submission.callback.as_ref()?;
    let body = serde_json::json!({
        "id": submission.id,
        "exercise": submission.exercise,
        "status": SubmissionStatus::Done,
        "created_at": submission.created_at,
        "finished_at": now(),
        "result": result.for_view(callback.view),
    });
    Some(NewDelivery {
        url: callback.url.clone(),
        body: body.to_string(),
    })
}

/// The webhook of a submission given up after [`MAX_ATTEMPTS`], if it
/// asked for one.
fn given_up_delivery(submission: &StoredSubmission) -> Option<NewDelivery> {
    let mut result = given_up();
    result.exercise = submission.exercise.clone();
    delivery_of(submission, &result)
}

/// The database `--db` names: a `postgres://` (or `postgresql://`) URL, or
/// the path of a SQLite file.
#[derive(Debug, Clone)]
pub enum Database {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// Opens the database `db` names, bringing its schema up to date.
pub async fn open(db: &str) -> Result<Database, StoreError> {
    if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        Ok(Database::Postgres(PgStore::open(db).await?))
    } else {
        let path = db.strip_prefix("sqlite://").unwrap_or(db);
        Ok(Database::Sqlite(SqliteStore::open(path).await?))
    }
}
