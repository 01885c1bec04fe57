//! The SQLite store: one file, nothing to install. One writer at a time
//! (SQLite's lock), so every bound and claim is one statement.

use std::str::FromStr;
use std::time::Duration;

use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use super::*;
use crate::model::Role;

/// The SQLite store: one file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

/// The schema, versioned: applied at [`SqliteStore::open`], each migration
/// once, recorded in the `_sqlx_migrations` table.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Inserts a submission as queued only while its token's pending count
/// and the queue's length are under their bounds.
const ENQUEUE: &str = "INSERT INTO submissions
         (id, token_id, exercise, files, status, created_at, callback_url, callback_view,
          idempotency_key)
     SELECT ?, ?, ?, ?, 'queued', ?, ?, ?, ?
     WHERE (SELECT COUNT(*) FROM submissions
            WHERE token_id = ? AND status IN ('queued', 'running')) < ?
       AND (SELECT COUNT(*) FROM submissions WHERE status = 'queued') < ?
       AND NOT EXISTS (SELECT 1 FROM submissions WHERE token_id = ? AND idempotency_key = ?)";

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`.
    pub async fn open(path: &str) -> Result<SqliteStore, StoreError> {
        let open_error = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
            .map_err(open_error)?
            .create_if_missing(true)
            // WAL: readers do not wait for the writer. Synchronous FULL: a
            // submission acknowledged is on disk, whatever happens next.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(10));
        let mut attempt = 0;
        let pool = loop {
            match SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(options.clone())
                .await
            {
                Ok(pool) => break pool,
                // Turning on WAL while another process creates the same
                // file is refused at once ("database is locked"), without
                // the busy timeout: tried again, shortly.
                Err(error) if attempt < 20 && is_busy(&error) => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(25 * attempt)).await;
                }
                Err(error) => return Err(open_error(error)),
            }
        };
        // Under SQLite's write lock, taken first: sqlx's migration lock is
        // a no-op on SQLite, and two processes opening a new file together
        // would both apply a migration (the second failing). The one that
        // waits finds them applied. (Each migration runs in a savepoint.)
        let migrate_error = |source| StoreError::Migrate {
            path: path.to_owned(),
            source,
        };
        let mut locked = pool.begin_with("BEGIN IMMEDIATE").await?;
        MIGRATOR.run(&mut *locked).await.map_err(migrate_error)?;
        locked.commit().await?;
        Ok(SqliteStore { pool })
    }
}

fn decode(row: &sqlx::sqlite::SqliteRow) -> Result<StoredSubmission, StoreError> {
    <RawSubmission as sqlx::FromRow<_>>::from_row(row)?.decode()
}

/// SQLite's SQLITE_BUSY: another connection holds the lock.
fn is_busy(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(error) if error.code().as_deref() == Some("5"))
}

impl SqliteStore {
    /// Submissions of `token_id` not graded yet (queued or running).
    async fn pending_of(&self, token_id: i64) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM submissions
             WHERE token_id = ? AND status IN ('queued', 'running')",
        )
        .bind(token_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }
}

impl Store for SqliteStore {
    async fn create_token(&self, name: &str, role: Role, hash: &str) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO tokens (name, role, hash, created_at) VALUES (?, ?, ?, ?) RETURNING id",
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
            sqlx::query_as::<_, RawCaller>("SELECT id, name, role FROM tokens WHERE hash = ?")
                .bind(hash)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(RawCaller::decode))
    }

    async fn whole(&self, id: &str) -> Result<Option<StoredSubmission>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM submissions WHERE id = ?"))
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
        // One statement: SQLite takes the write lock before it reads, so
        // the counts cannot change between the check and the insert. The
        // token's count reads the partial index of pending rows
        // (`submissions_pending`), the queue's the `(status, created_at)`
        // index: each costs at most its bound, whatever the history.
        let inserted = sqlx::query(ENQUEUE)
            .bind(&submission.id)
            .bind(submission.token_id)
            .bind(&submission.exercise)
            .bind(serde_json::to_string(&submission.files)?)
            .bind(submission.created_at)
            .bind(submission.callback.as_ref().map(|callback| &callback.url))
            .bind(view_text(submission.callback.as_ref()))
            .bind(&submission.idempotency_key)
            .bind(submission.token_id)
            .bind(limits.pending_per_token)
            .bind(limits.queue_capacity)
            .bind(submission.token_id)
            .bind(&submission.idempotency_key)
            .execute(&self.pool)
            .await?
            .rows_affected();
        if inserted == 1 {
            return Ok(Enqueued::Queued);
        }
        // Refused: the key's earlier submission, or a bound.
        if let Some(key) = &submission.idempotency_key {
            let earlier = sqlx::query(
                "SELECT id FROM submissions WHERE token_id = ? AND idempotency_key = ?",
            )
            .bind(submission.token_id)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(row) = earlier {
                return Ok(Enqueued::Existing(row.try_get("id")?));
            }
        }
        // Refused: which bound, for the answer (read after the fact, so
        // only the message may be stale, never the decision).
        let pending = self.pending_of(submission.token_id).await?;
        if pending >= limits.pending_per_token {
            return Ok(Enqueued::TooManyPending(pending));
        }
        Ok(Enqueued::QueueFull(
            self.queued().await?.max(limits.queue_capacity),
        ))
    }

    async fn get(&self, id: &str) -> Result<Option<StoredSubmission>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {STATUS_COLUMNS} FROM submissions WHERE id = ?"
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
        let rows = match token_id {
            Some(token_id) => {
                sqlx::query(&format!(
                    "SELECT {STATUS_COLUMNS} FROM submissions WHERE token_id = ?
                     ORDER BY created_at DESC, id DESC LIMIT ?"
                ))
                .bind(token_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => sqlx::query(&format!(
                "SELECT {STATUS_COLUMNS} FROM submissions ORDER BY created_at DESC, id DESC LIMIT ?"
            ))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?,
        };
        rows.iter().map(decode).collect()
    }

    async fn graded(&self, exercise: &str) -> Result<Vec<StoredSubmission>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {STATUS_COLUMNS} FROM submissions
             WHERE exercise = ? AND status = 'done'
             ORDER BY created_at, rowid"
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
                 (SELECT created_at, rowid AS at FROM submissions
                  WHERE id = ? AND status = 'queued') AS me
             WHERE ahead.status = 'queued'
               AND (ahead.created_at < me.created_at
                    OR (ahead.created_at = me.created_at AND ahead.rowid <= me.at))",
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
        // One statement: SQLite runs one writer at a time, so two workers
        // never claim the same submission. Only an exercise the worker
        // serves: another's waits for a node that serves it.
        let served = serde_json::to_string(exercises)?;
        let row = sqlx::query(&format!(
            "UPDATE submissions
             SET status = 'running', worker = ?, lease_until = ?, started_at = ?,
                 attempts = attempts + 1
             WHERE id = (SELECT id FROM submissions WHERE status = 'queued'
                         AND exercise IN (SELECT value FROM json_each(?))
                         ORDER BY created_at, rowid LIMIT 1)
             RETURNING {COLUMNS}"
        ))
        .bind(worker)
        .bind(lease_until(lease))
        .bind(now())
        .bind(served)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(decode).transpose()
    }

    async fn renew(&self, id: &str, worker: &str, lease: Duration) -> Result<bool, StoreError> {
        let renewed = sqlx::query(
            "UPDATE submissions SET lease_until = ?
             WHERE id = ? AND status = 'running' AND worker = ?",
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
        // IMMEDIATE: the write lock first, so the transaction never fails
        // midway on another writer (a deferred one that read first would).
        let mut transaction = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let written = sqlx::query(
            "UPDATE submissions
             SET status = 'done', result = ?, finished_at = ?, lease_until = NULL
             WHERE id = ? AND status = 'running' AND worker = ?",
        )
        .bind(serde_json::to_string(result)?)
        .bind(now())
        .bind(id)
        .bind(worker)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if written == 1
            && let Some(delivery) = delivery
        {
            insert_delivery(&mut transaction, id, delivery).await?;
        }
        transaction.commit().await?;
        Ok(written == 1)
    }

    async fn claim_delivery(&self, hold: Duration) -> Result<Option<Delivery>, StoreError> {
        let now_ms = now_millis();
        // Read first: an idle sender looks often, and an UPDATE would take
        // SQLite's write lock each time even with nothing to take.
        let due = sqlx::query("SELECT 1 FROM deliveries WHERE status = 'pending' AND next_at <= ?")
            .bind(now_ms)
            .fetch_optional(&self.pool)
            .await?;
        if due.is_none() {
            return Ok(None);
        }
        let row = sqlx::query_as::<_, RawDelivery>(
            "UPDATE deliveries SET next_at = ?, attempts = attempts + 1
             WHERE id = (SELECT id FROM deliveries WHERE status = 'pending' AND next_at <= ?
                         ORDER BY next_at LIMIT 1)
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
             SET status = ?, next_at = COALESCE(?, next_at), last_error = ?,
                 settled_at = CASE WHEN ? = 'pending' THEN NULL ELSE ? END
             WHERE id = ?",
        )
        .bind(status)
        .bind(next_at)
        .bind(error)
        .bind(status)
        .bind(now())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn release(&self, id: &str, worker: &str) -> Result<bool, StoreError> {
        let released = sqlx::query(
            "UPDATE submissions
             SET status = 'queued', worker = NULL, lease_until = NULL, started_at = NULL,
                 attempts = MAX(attempts - 1, 0)
             WHERE id = ? AND status = 'running' AND worker = ?",
        )
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(released == 1)
    }

    async fn beat(
        &self,
        node: &str,
        exercises: &[String],
        ttl: Duration,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO nodes (name, exercises, alive_until) VALUES (?, ?, ?)
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
        sqlx::query("DELETE FROM nodes WHERE name = ?")
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
            sqlx::query_scalar("SELECT exercises FROM nodes WHERE alive_until > ?")
                .bind(now_millis())
                .fetch_all(&self.pool)
                .await?;
        Ok(unserved_of(queued, &served))
    }

    async fn recover(&self) -> Result<u64, StoreError> {
        // IMMEDIATE: the write lock first (a deferred transaction that
        // reads and then writes fails at once when another connection
        // writes in between). Each statement reads the lease afresh, so a
        // row renewed in between is left alone.
        let now_ms = now_millis();
        let mut transaction = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let given = sqlx::query(&format!(
            "UPDATE submissions
             SET status = 'done', result = json_set(?, '$.exercise', exercise), finished_at = ?,
                 lease_until = NULL
             WHERE status = 'running' AND (lease_until IS NULL OR lease_until <= ?)
               AND attempts >= ?
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
             WHERE status = 'running' AND (lease_until IS NULL OR lease_until <= ?)",
        )
        .bind(now_ms)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        transaction.commit().await?;
        Ok(requeued)
    }

    async fn listen(
        &self,
        _updates: tokio::sync::broadcast::Sender<Update>,
        _wake: std::sync::Arc<tokio::sync::Notify>,
    ) {
        // SQLite cannot tell one process of another's writes.
        std::future::pending().await
    }
}

/// Stores `delivery` of submission `id`, due now, in `transaction`.
async fn insert_delivery(
    transaction: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    id: &str,
    delivery: &NewDelivery,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO deliveries (submission_id, url, body, status, next_at, created_at)
         VALUES (?, ?, ?, 'pending', ?, ?)",
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The steps SQLite plans for `statement`, one line each.
    async fn plan(store: &SqliteStore, statement: &str) -> Vec<String> {
        let explain = format!("EXPLAIN QUERY PLAN {statement}");
        let mut query = sqlx::query(&explain);
        for _ in 0..statement.matches('?').count() {
            query = query.bind(1);
        }
        let rows = query.fetch_all(&store.pool).await.unwrap();
        rows.iter()
            .map(|row| row.try_get::<String, _>("detail").unwrap())
            .collect()
    }

    #[tokio::test]
    async fn intake_counts_through_indexes_whatever_the_history() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("grader.db").to_str().unwrap())
            .await
            .unwrap();
        let steps = plan(&store, ENQUEUE).await;
        assert!(
            steps
                .iter()
                .any(|step| step.contains("submissions_pending")),
            "{steps:#?}"
        );
        assert!(
            !steps.iter().any(|step| step == "SCAN submissions"),
            "{steps:#?}"
        );
    }
}
