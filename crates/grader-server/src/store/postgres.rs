//! The PostgreSQL store: several machines share one queue. Workers claim
//! with `FOR UPDATE SKIP LOCKED`, so claims on many nodes never wait on
//! each other nor take one row twice; intake decides under a
//! transaction-scoped advisory lock, so its bounds hold under a burst from
//! any number of front ends, and commits the offers that arrived meanwhile
//! together (see [`intake`]); every change is announced with `NOTIFY`, so
//! `?wait=` and the event stream follow a submission whichever node
//! grades it.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use sqlx::{Connection, Row};
use tokio::sync::{Notify, broadcast, mpsc, oneshot};

use super::*;
use crate::model::Role;

/// The schema, versioned: applied at [`PgStore::open`] under sqlx's
/// migration lock (an advisory lock), so nodes starting together apply
/// each migration once.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The channel every change is announced on: `queued <id>` for a
/// submission that joined the queue, `changed <id>` for any other change.
const CHANNEL: &str = "grader_submissions";

/// The advisory lock intake holds while it counts and inserts.
const INTAKE_LOCK: i64 = 0x6772_6164_6572; // "grader"

/// The most offers one intake transaction decides and commits together.
const INTAKE_BATCH: usize = 64;

/// Inserts the accepted offers of a batch as queued, in their order of
/// arrival, and announces each in the same statement.
const INSERT_QUEUED: &str = "WITH inserted AS (
         INSERT INTO submissions
             (id, token_id, exercise, files, status, created_at, callback_url, callback_view,
              idempotency_key)
         SELECT id, token_id, exercise, files, 'queued', created_at, callback_url, callback_view,
                idempotency_key
         FROM UNNEST($1::TEXT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::BIGINT[],
                     $6::TEXT[], $7::TEXT[], $8::TEXT[])
              WITH ORDINALITY
              AS offer (id, token_id, exercise, files, created_at, callback_url, callback_view,
                        idempotency_key, n)
         ORDER BY n
         RETURNING id)
     SELECT pg_notify('grader_submissions', 'queued ' || id)::TEXT AS announced FROM inserted";

/// The PostgreSQL store.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// Offers to the queue, for this process's [`intake`] task.
    offers: mpsc::Sender<Offer>,
}

impl PgStore {
    /// Connects to the database at `url` and brings its schema up to date.
    pub async fn open(url: &str) -> Result<PgStore, StoreError> {
        let shown = redacted(url);
        let open_error = |source| StoreError::Open {
            path: shown.clone(),
            source,
        };
        // One connection first: a pool that cannot connect says only that
        // it timed out, a connection says why (refused, no such role …).
        let probe = sqlx::postgres::PgConnection::connect(url)
            .await
            .map_err(open_error)?;
        let _ = probe.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // A database that does not answer makes a request fail within
            // a second (503, try again), never hang.
            .acquire_timeout(Duration::from_secs(1))
            .connect(url)
            .await
            .map_err(open_error)?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate {
                path: shown,
                source,
            })?;
        let (offers, pending) = mpsc::channel(4 * INTAKE_BATCH);
        tokio::spawn(intake(pool.clone(), pending));
        Ok(PgStore { pool, offers })
    }
}

/// `url` without its password, for messages.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((user, host)) => {
            let user = user.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}@{host}")
        }
        None => url.to_owned(),
    }
}

fn decode(row: &sqlx::postgres::PgRow) -> Result<StoredSubmission, StoreError> {
    <RawSubmission as sqlx::FromRow<_>>::from_row(row)?.decode()
}

/// Announces `event` (`queued` or `changed`) of `id` when `executor`'s
/// transaction commits.
async fn announce<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    event: &str,
    id: &str,
) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(format!("{event} {id}"))
        .execute(executor)
        .await?;
    Ok(())
}

impl Store for PgStore {
    async fn create_token(&self, name: &str, role: Role, hash: &str) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO tokens (name, role, hash, created_at) VALUES ($1, $2, $3, $4)
             RETURNING id",
        )
        .bind(name)
        .bind(role.as_str())
        .bind(hash)
        .bind(now())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("id")?)
    }

    async fn caller(&self, hash: &str) -> Result<Option<Caller>, StoreError> {
        let row =
            sqlx::query_as::<_, RawCaller>("SELECT id, name, role FROM tokens WHERE hash = $1")
                .bind(hash)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(RawCaller::decode))
    }

    async fn whole(&self, id: &str) -> Result<Option<StoredSubmission>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM submissions WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(decode).transpose()
    }

    async fn callers(&self) -> Result<Vec<Caller>, StoreError> {
        let rows = sqlx::query_as::<_, RawCaller>("SELECT id, name, role FROM tokens ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().filter_map(RawCaller::decode).collect())
    }

    async fn enqueue(
        &self,
        submission: &StoredSubmission,
        limits: Limits,
    ) -> Result<Enqueued, StoreError> {
        let (reply, decision) = oneshot::channel();
        let offer = Offer {
            id: submission.id.clone(),
            token_id: submission.token_id,
            exercise: submission.exercise.clone(),
            files: serde_json::to_string(&submission.files)?,
            created_at: submission.created_at,
            callback_url: submission
                .callback
                .as_ref()
                .map(|callback| callback.url.clone()),
            callback_view: view_text(submission.callback.as_ref()),
            idempotency_key: submission.idempotency_key.clone(),
            limits,
            reply,
        };
        let stopped = || StoreError::IntakeStopped;
        self.offers.send(offer).await.map_err(|_| stopped())?;
        decision.await.map_err(|_| stopped())?
    }

    async fn get(&self, id: &str) -> Result<Option<StoredSubmission>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {STATUS_COLUMNS} FROM submissions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(decode).transpose()
    }

    async fn list(
        &self,
        token_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<StoredSubmission>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {STATUS_COLUMNS} FROM submissions
             WHERE $1::BIGINT IS NULL OR token_id = $1
             ORDER BY created_at DESC, seq DESC LIMIT $2"
        ))
        .bind(token_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decode).collect()
    }

    async fn graded(&self, exercise: &str) -> Result<Vec<StoredSubmission>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {STATUS_COLUMNS} FROM submissions
             WHERE exercise = $1 AND status = 'done'
             ORDER BY created_at, seq"
        ))
        .bind(exercise)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decode).collect()
    }

    async fn queued(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM submissions WHERE status = 'queued'")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }

    async fn position(&self, id: &str) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM submissions AS ahead,
                 (SELECT created_at, seq FROM submissions
                  WHERE id = $1 AND status = 'queued') AS me
             WHERE ahead.status = 'queued'
               AND (ahead.created_at, ahead.seq) <= (me.created_at, me.seq)",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        let position: i64 = row.try_get("n")?;
        Ok((position > 0).then_some(position))
    }

    async fn claim(
        &self,
        worker: &str,
        lease: Duration,
        exercises: &[String],
    ) -> Result<Option<StoredSubmission>, StoreError> {
        // SKIP LOCKED: a row another node is claiming right now is passed
        // over, not waited for; each claim takes a different row. Only an
        // exercise the worker serves: another's waits for a node that does.
        let mut transaction = self.pool.begin().await?;
        let row = sqlx::query(&format!(
            "UPDATE submissions
             SET status = 'running', worker = $1, lease_until = $2, started_at = $3,
                 attempts = attempts + 1
             WHERE id = (SELECT id FROM submissions WHERE status = 'queued'
                         AND exercise = ANY($4)
                         ORDER BY created_at, seq LIMIT 1 FOR UPDATE SKIP LOCKED)
             RETURNING {COLUMNS}"
        ))
        .bind(worker)
        .bind(lease_until(lease))
        .bind(now())
        .bind(exercises)
        .fetch_optional(&mut *transaction)
        .await?;
        let claimed = row.as_ref().map(decode).transpose()?;
        if let Some(claimed) = &claimed {
            announce(&mut *transaction, "changed", &claimed.id).await?;
        }
        transaction.commit().await?;
        Ok(claimed)
    }

    async fn renew(&self, id: &str, worker: &str, lease: Duration) -> Result<bool, StoreError> {
        let renewed = sqlx::query(
            "UPDATE submissions SET lease_until = $1
             WHERE id = $2 AND status = 'running' AND worker = $3",
        )
        .bind(lease_until(lease))
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(renewed == 1)
    }

    async fn finish(
        &self,
        id: &str,
        worker: &str,
        result: &grader::GradeResult,
        delivery: Option<&NewDelivery>,
    ) -> Result<bool, StoreError> {
        let mut transaction = self.pool.begin().await?;
        let written = sqlx::query(
            "UPDATE submissions
             SET status = 'done', result = $1, finished_at = $2, lease_until = NULL
             WHERE id = $3 AND status = 'running' AND worker = $4",
        )
        .bind(serde_json::to_string(result)?)
        .bind(now())
        .bind(id)
        .bind(worker)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if written == 1 {
            if let Some(delivery) = delivery {
                insert_delivery(&mut transaction, id, delivery).await?;
            }
            announce(&mut *transaction, "changed", id).await?;
        }
        transaction.commit().await?;
        Ok(written == 1)
    }

    async fn claim_delivery(&self, hold: Duration) -> Result<Option<Delivery>, StoreError> {
        let now_ms = now_millis();
        let row = sqlx::query_as::<_, RawDelivery>(
            "UPDATE deliveries SET next_at = $1, attempts = attempts + 1
             WHERE id = (SELECT id FROM deliveries WHERE status = 'pending' AND next_at <= $2
                         ORDER BY next_at LIMIT 1 FOR UPDATE SKIP LOCKED)
             RETURNING id, submission_id, url, body, attempts",
        )
        .bind(now_ms.saturating_add(hold.as_millis() as i64))
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Delivery::from))
    }

    async fn settle_delivery(&self, id: i64, settled: &Settled) -> Result<(), StoreError> {
        let (status, next_at, error) = settled_values(settled);
        sqlx::query(
            "UPDATE deliveries
             SET status = $1, next_at = COALESCE($2, next_at), last_error = $3,
                 settled_at = CASE WHEN $1 = 'pending' THEN NULL ELSE $4 END
             WHERE id = $5",
        )
        .bind(status)
        .bind(next_at)
        .bind(error)
        .bind(now())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn release(&self, id: &str, worker: &str) -> Result<bool, StoreError> {
        let mut transaction = self.pool.begin().await?;
        let released = sqlx::query(
            "UPDATE submissions
             SET status = 'queued', worker = NULL, lease_until = NULL, started_at = NULL,
                 attempts = GREATEST(attempts - 1, 0)
             WHERE id = $1 AND status = 'running' AND worker = $2",
        )
        .bind(id)
        .bind(worker)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if released == 1 {
            announce(&mut *transaction, "queued", id).await?;
        }
        transaction.commit().await?;
        Ok(released == 1)
    }

    async fn beat(
        &self,
        node: &str,
        exercises: &[String],
        ttl: Duration,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO nodes (name, exercises, alive_until) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET exercises = excluded.exercises, alive_until = excluded.alive_until",
        )
        .bind(node)
        .bind(serde_json::to_string(exercises)?)
        .bind(now_millis().saturating_add(ttl.as_millis() as i64))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn forget(&self, node: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM nodes WHERE name = $1")
            .bind(node)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn unserved(&self) -> Result<Vec<Unserved>, StoreError> {
        let queued: Vec<(String, i64)> = sqlx::query_as(
            "SELECT exercise, COUNT(*) FROM submissions WHERE status = 'queued' GROUP BY exercise",
        )
        .fetch_all(&self.pool)
        .await?;
        if queued.is_empty() {
            return Ok(Vec::new());
        }
        let served: Vec<String> =
            sqlx::query_scalar("SELECT exercises FROM nodes WHERE alive_until > $1")
                .bind(now_millis())
                .fetch_all(&self.pool)
                .await?;
        Ok(unserved_of(queued, &served))
    }

    async fn recover(&self) -> Result<u64, StoreError> {
        // Each statement reads the lease afresh under the row's lock, so a
        // row renewed meanwhile, or recovered by another node first, is
        // left alone.
        let now_ms = now_millis();
        let mut transaction = self.pool.begin().await?;
        let given = sqlx::query(&format!(
            "UPDATE submissions
             SET status = 'done', finished_at = $2, lease_until = NULL,
                 result = jsonb_set($1::jsonb, '{{exercise}}', to_jsonb(exercise))::text
             WHERE status = 'running' AND (lease_until IS NULL OR lease_until <= $3)
               AND attempts >= $4
             RETURNING {STATUS_COLUMNS}"
        ))
        .bind(serde_json::to_string(&given_up())?)
        .bind(now())
        .bind(now_ms)
        .bind(MAX_ATTEMPTS)
        .fetch_all(&mut *transaction)
        .await?;
        // A submission given up sends its webhook as a graded one does.
        for row in &given {
            let submission = decode(row)?;
            if let Some(delivery) = given_up_delivery(&submission) {
                insert_delivery(&mut transaction, &submission.id, &delivery).await?;
            }
        }
        let requeued = sqlx::query(
            "UPDATE submissions SET status = 'queued', worker = NULL, lease_until = NULL
             WHERE status = 'running' AND (lease_until IS NULL OR lease_until <= $1)
             RETURNING id",
        )
        .bind(now_ms)
        .fetch_all(&mut *transaction)
        .await?;
        for (rows, event) in [(&given, "changed"), (&requeued, "queued")] {
            for row in rows {
                announce(&mut *transaction, event, row.try_get("id")?).await?;
            }
        }
        transaction.commit().await?;
        Ok(requeued.len() as u64)
    }

    async fn listen(&self, updates: broadcast::Sender<Update>, wake: Arc<Notify>) {
        let mut wait = Duration::from_millis(100);
        loop {
            let mut listener = match PgListener::connect_with(&self.pool).await {
                Ok(listener) => listener,
                Err(error) => {
                    tracing::warn!(%error, "could not listen for the queue's changes");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(10));
                    continue;
                }
            };
            if let Err(error) = listener.listen(CHANNEL).await {
                tracing::warn!(%error, "could not listen for the queue's changes");
                tokio::time::sleep(wait).await;
                continue;
            }
            wait = Duration::from_millis(100);
            // `recv` reconnects by itself when the connection drops;
            // what was announced meanwhile is missed, and found by the
            // readers' and workers' once-a-second look at the store.
            while let Ok(notification) = listener.recv().await {
                let Some((event, id)) = notification.payload().split_once(' ') else {
                    continue;
                };
                if event == "queued" {
                    wake.notify_one();
                }
                let _ = updates.send(Update { id: id.to_owned() });
            }
        }
    }
}

/// A submission offered to the queue, waiting for [`intake`]'s decision.
struct Offer {
    id: String,
    token_id: i64,
    exercise: String,
    files: String,
    created_at: i64,
    callback_url: Option<String>,
    callback_view: Option<&'static str>,
    idempotency_key: Option<String>,
    limits: Limits,
    reply: oneshot::Sender<Result<Enqueued, StoreError>>,
}

/// Decides and stores this process's offers to the queue, a batch per
/// transaction: everything offered while the previous batch committed.
///
/// Both bounds must hold whatever the number of front ends, so a decision
/// is taken under [`INTAKE_LOCK`] and the lock is held until the inserts
/// are committed (another front end must count them). A transaction per
/// offer would make every offer wait for all earlier ones' commits, WAL
/// flush included, one after another; a batch pays for one commit, so the
/// wait stays about one commit however fast offers come.
async fn intake(pool: PgPool, mut offers: mpsc::Receiver<Offer>) {
    let mut batch = Vec::with_capacity(INTAKE_BATCH);
    while offers.recv_many(&mut batch, INTAKE_BATCH).await > 0 {
        match decide_and_insert(&pool, &batch).await {
            Ok(decisions) => {
                for (offer, decision) in batch.drain(..).zip(decisions) {
                    if let Some(decision) = decision {
                        let _ = offer.reply.send(Ok(decision));
                    }
                }
            }
            Err(error) => {
                let error = Arc::new(error);
                for offer in batch.drain(..) {
                    let _ = offer.reply.send(Err(StoreError::Intake(error.clone())));
                }
            }
        }
    }
}

/// One intake transaction: counts what the batch's tokens have pending and
/// what is queued, decides each offer in order of arrival (an accepted one
/// counts against the next), inserts the accepted ones and commits. An
/// offer whose requester is gone by then (its client hung up, its request
/// timed out) is decided `None` and not stored: nobody would learn its id.
async fn decide_and_insert(
    pool: &PgPool,
    batch: &[Offer],
) -> Result<Vec<Option<Enqueued>>, StoreError> {
    let mut transaction = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(INTAKE_LOCK)
        .execute(&mut *transaction)
        .await?;
    let tokens: Vec<i64> = batch.iter().map(|offer| offer.token_id).collect();
    let mut counts = pending_counts(&mut transaction, &tokens).await?;
    let mut earlier = earlier_keys(&mut transaction, batch, &tokens).await?;

    let mut decisions = Vec::with_capacity(batch.len());
    let mut accepted = Vec::new();
    for offer in batch {
        if offer.reply.is_closed() {
            decisions.push(None);
            continue;
        }
        let key = offer
            .idempotency_key
            .as_ref()
            .map(|key| (offer.token_id, key.clone()));
        if let Some(id) = key.as_ref().and_then(|key| earlier.get(key)) {
            decisions.push(Some(Enqueued::Existing(id.clone())));
            continue;
        }
        let decision = counts.decide(offer.token_id, offer.limits);
        if decision == Enqueued::Queued {
            accepted.push(offer);
            if let Some(key) = key {
                earlier.insert(key, offer.id.clone());
            }
        }
        decisions.push(Some(decision));
    }
    if !accepted.is_empty() {
        insert_queued(&mut transaction, &accepted).await?;
    }
    transaction.commit().await?;
    Ok(decisions)
}

/// What intake counts against its bounds: pending submissions per token
/// and queued ones in all.
struct Counts {
    pending: std::collections::HashMap<i64, i64>,
    queued: i64,
}

impl Counts {
    /// The decision on one more offer of `token`, counted if accepted.
    fn decide(&mut self, token: i64, limits: Limits) -> Enqueued {
        let pending = self.pending.entry(token).or_insert(0);
        if *pending >= limits.pending_per_token {
            Enqueued::TooManyPending(*pending)
        } else if self.queued >= limits.queue_capacity {
            Enqueued::QueueFull(self.queued)
        } else {
            *pending += 1;
            self.queued += 1;
            Enqueued::Queued
        }
    }
}

/// What `tokens` have pending and what is queued. Each count reads a
/// partial index of pending or queued rows, so it costs at most its bound,
/// whatever a token's history.
async fn pending_counts(
    transaction: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    tokens: &[i64],
) -> Result<Counts, StoreError> {
    let rows = sqlx::query(
        "SELECT token_id, COUNT(*) AS n FROM submissions
         WHERE token_id = ANY($1) AND status IN ('queued', 'running')
         GROUP BY token_id",
    )
    .bind(tokens)
    .fetch_all(&mut **transaction)
    .await?;
    let mut pending = std::collections::HashMap::new();
    for row in rows {
        pending.insert(
            row.try_get::<i64, _>("token_id")?,
            row.try_get::<i64, _>("n")?,
        );
    }
    let queued: i64 = sqlx::query("SELECT COUNT(*) AS n FROM submissions WHERE status = 'queued'")
        .fetch_one(&mut **transaction)
        .await?
        .try_get("n")?;
    Ok(Counts { pending, queued })
}

/// Earlier submissions with the batch's idempotency keys, by (token, key),
/// read under intake's lock: a retry finds its first submission, whichever
/// front end took it, and one key offered twice in a batch is stored once.
async fn earlier_keys(
    transaction: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    batch: &[Offer],
    tokens: &[i64],
) -> Result<std::collections::HashMap<(i64, String), String>, StoreError> {
    let keys: Vec<&str> = batch
        .iter()
        .filter_map(|offer| offer.idempotency_key.as_deref())
        .collect();
    let mut earlier = std::collections::HashMap::new();
    if keys.is_empty() {
        return Ok(earlier);
    }
    let rows = sqlx::query(
        "SELECT token_id, idempotency_key, id FROM submissions
         WHERE idempotency_key = ANY($1) AND token_id = ANY($2)",
    )
    .bind(&keys)
    .bind(tokens)
    .fetch_all(&mut **transaction)
    .await?;
    for row in rows {
        earlier.insert(
            (
                row.try_get::<i64, _>("token_id")?,
                row.try_get::<String, _>("idempotency_key")?,
            ),
            row.try_get::<String, _>("id")?,
        );
    }
    Ok(earlier)
}

/// Inserts the accepted offers, one statement for the batch.
async fn insert_queued(
    transaction: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    accepted: &[&Offer],
) -> Result<(), StoreError> {
    fn column<'a, T>(accepted: &[&'a Offer], field: impl Fn(&'a Offer) -> T) -> Vec<T> {
        accepted.iter().map(|offer| field(offer)).collect()
    }
    sqlx::query(INSERT_QUEUED)
        .bind(column(accepted, |offer| offer.id.as_str()))
        .bind(column(accepted, |offer| offer.token_id))
        .bind(column(accepted, |offer| offer.exercise.as_str()))
        .bind(column(accepted, |offer| offer.files.as_str()))
        .bind(column(accepted, |offer| offer.created_at))
        .bind(column(accepted, |offer| offer.callback_url.as_deref()))
        .bind(column(accepted, |offer| offer.callback_view))
        .bind(column(accepted, |offer| offer.idempotency_key.as_deref()))
        .fetch_all(&mut **transaction)
        .await?;
    Ok(())
}

/// Stores `delivery` of submission `id`, due now, in `transaction`.
async fn insert_delivery(
    transaction: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    id: &str,
    delivery: &NewDelivery,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO deliveries (submission_id, url, body, status, next_at, created_at)
         VALUES ($1, $2, $3, 'pending', $4, $5)",
    )
    .bind(id)
    .bind(&delivery.url)
    .bind(&delivery.body)
    .bind(now_millis())
    .bind(now())
    .execute(&mut **transaction)
    .await?;
    Ok(())
}
