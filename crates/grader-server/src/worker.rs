//! Workers: each claims the oldest queued submission from the store under
//! a lease, renews the lease while grading it (the heartbeat), and stores
//! the result if the lease is still its own. A node that dies stops
//! renewing; [`recover`] (at start, then every half lease, on every node)
//! requeues what it held once the lease runs out.
//!
//! A stop ([`Stop`]) carries a deadline: a worker claims nothing more, lets
//! the grading in hand run until the deadline, then cancels it (its
//! containers are removed as the grading is dropped) and hands the
//! submission back to the queue.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use grader::result::ErrorKind;
use grader::{GradeResult, Grader, Submission};
use grader_sandbox::{Isolated, Runner};

use crate::state::{AppState, Update};
use crate::store::{NewDelivery, Store, StoredSubmission};

/// How often an idle worker looks at the queue without being woken.
const IDLE_POLL: Duration = Duration::from_secs(1);

/// A stop asked of the workers: `None` while they run, then the instant by
/// which every grading must be done or handed back.
pub type Stop = tokio::sync::watch::Receiver<Option<tokio::time::Instant>>;

/// Runs worker number `index` until `stop` is asked and its grading in
/// hand is done or handed back.
pub async fn work<S: Store, R: Isolated + Send + Sync + 'static>(
    index: usize,
    state: AppState<S>,
    grader: Arc<Grader<R>>,
    mut stop: Stop,
) {
    let name = format!("{}/{index}", state.config.node);
    let served = served(&state);
    while stop.borrow().is_none() {
        match state.store.claim(&name, state.config.lease, &served).await {
            Ok(Some(submission)) => {
                let _ = state.updates.send(Update {
                    id: submission.id.clone(),
                });
                state.metrics.worker_busy();
                let started = Instant::now();
                // In a task of its own: a panic while grading is an infra
                // result for this submission, not a dead worker.
                let grading = {
                    let state = state.clone();
                    let grader = Arc::clone(&grader);
                    let submission = submission.clone();
                    tokio::spawn(async move { grade(&state, &grader, &submission).await })
                };
                let graded = heartbeat(&state, &name, &submission.id, grading, &mut stop).await;
                state.metrics.worker_idle();
                let Some(graded) = graded else {
                    hand_back(&state, &name, &submission.id).await;
                    return;
                };
                let result = graded.unwrap_or_else(|error| {
                    tracing::error!(id = %submission.id, %error, "grading panicked");
                    GradeResult::error(
                        &submission.exercise,
                        ErrorKind::Infra,
                        "the grader failed while grading this submission",
                    )
                });
                let kind = state
                    .catalog
                    .get(&submission.exercise)
                    .map(|exercise| exercise.spec.kind);
                state.metrics.graded(kind, result.status, started.elapsed());
                let delivery = crate::store::delivery_of(&submission, &result);
                if !store_result(&state, &name, &submission.id, &result, delivery.as_ref()).await {
                    continue;
                }
                let _ = state.updates.send(Update {
                    id: submission.id.clone(),
                });
            }
            Ok(None) => {
                tokio::select! {
                    _ = tokio::time::timeout(IDLE_POLL, state.wake.notified()) => {}
                    _ = stop.changed() => {}
                }
            }
            Err(error) => {
                tracing::error!(%error, "could not claim from the queue");
                tokio::time::sleep(IDLE_POLL).await;
            }
        }
    }
}

/// Waits for `grading`, renewing `worker`'s lease on `id` every third of
/// a lease meanwhile. A lease found lost (this node stalled longer than a
/// lease and another took the submission) is logged; the grading goes on,
/// and its result is not written. None when a stop's deadline came first:
/// the grading is cancelled, and has ended when this returns.
async fn heartbeat<S: Store>(
    state: &AppState<S>,
    worker: &str,
    id: &str,
    mut grading: tokio::task::JoinHandle<GradeResult>,
    stop: &mut Stop,
) -> Option<Result<GradeResult, tokio::task::JoinError>> {
    let lease = state.config.lease;
    let mut beat = tokio::time::interval(lease / 3);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    beat.tick().await;
    loop {
        let deadline = *stop.borrow_and_update();
        tokio::select! {
            graded = &mut grading => return Some(graded),
            _ = beat.tick() => match state.store.renew(id, worker, lease).await {
                Ok(true) => {}
                Ok(false) => tracing::warn!(%id, worker, "lost the lease while grading"),
                Err(error) => tracing::warn!(%id, %error, "could not renew the lease"),
            },
            // Only to read the deadline at the top of the loop.
            Ok(()) = stop.changed(), if deadline.is_none() => {}
            () = sleep_until(deadline) => {
                grading.abort();
                // Wait for it to be dropped: its containers' removal starts.
                let _ = grading.await;
                return None;
            }
        }
    }
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Puts a submission this node could not finish before stopping back in
/// the queue, for this or another node to grade from the start.
async fn hand_back<S: Store>(state: &AppState<S>, worker: &str, id: &str) {
    match state.store.release(id, worker).await {
        Ok(true) => {
            tracing::warn!(%id, "not graded before the stop's deadline; handed back to the queue");
            let _ = state.updates.send(Update { id: id.to_owned() });
        }
        Ok(false) => tracing::warn!(%id, "not graded before the stop, and its lease was lost"),
        // The lease will expire and any node requeues it then.
        Err(error) => tracing::error!(%id, %error, "could not hand a submission back"),
    }
}

/// Requeues the submissions whose lease expired, and counts them.
pub async fn recover<S: Store>(state: &AppState<S>) -> Result<u64, crate::store::StoreError> {
    let requeued = state.store.recover().await?;
    if requeued > 0 {
        tracing::warn!(
            requeued,
            "submissions whose node stopped renewing its lease are queued again"
        );
        state.metrics.recovered(requeued);
        state.wake.notify_waiters();
    }
    Ok(requeued)
}

/// The exercises this node's workers grade.
fn served<S>(state: &AppState<S>) -> Vec<String> {
    state
        .catalog
        .all()
        .map(|exercise| exercise.id.clone())
        .collect()
}

/// This node's heartbeat in the store, when it grades: which exercises,
/// alive for two leases (a missed beat or two is not a death). A queued
/// submission whose exercise no live node grades shows in `/v1/health`.
pub async fn beat<S: Store>(state: &AppState<S>) -> Result<(), crate::store::StoreError> {
    if state.config.workers == 0 {
        return Ok(());
    }
    let ttl = state.config.lease.saturating_mul(2);
    state
        .store
        .beat(&state.config.node, &served(state), ttl)
        .await
}

/// Runs [`recover`] and [`beat`] every half lease until the task is
/// aborted.
pub async fn reap<S: Store>(state: AppState<S>) {
    let mut every = tokio::time::interval(state.config.lease / 2);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    every.tick().await;
    loop {
        every.tick().await;
        if let Err(error) = beat(&state).await {
            tracing::warn!(%error, "could not record this node's heartbeat");
        }
        if let Err(error) = recover(&state).await {
            tracing::error!(%error, "could not requeue expired leases");
        }
    }
}

/// Stores a result, trying again for a while (a busy database); false
/// when nothing was written: the lease was lost (another node grades or
/// graded it), or the database stayed unwritable and the lease will
/// expire, putting the submission back in the queue.
async fn store_result<S: Store>(
    state: &AppState<S>,
    worker: &str,
    id: &str,
    result: &GradeResult,
    delivery: Option<&NewDelivery>,
) -> bool {
    let mut wait = Duration::from_millis(200);
    for attempt in 1..=5 {
        match state.store.finish(id, worker, result, delivery).await {
            Ok(true) => return true,
            Ok(false) => {
                tracing::warn!(%id, worker, "lost the lease before the result was stored; it is dropped");
                return false;
            }
            Err(error) => {
                tracing::error!(%id, attempt, %error, "could not store a result");
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
        }
    }
    false
}

#[tracing::instrument(skip_all, fields(id = %submission.id, exercise = %submission.exercise))]
async fn grade<S: Store, R: Runner>(
    state: &AppState<S>,
    grader: &Grader<R>,
    submission: &StoredSubmission,
) -> GradeResult {
    let Some(exercise) = state.catalog.get(&submission.exercise) else {
        return GradeResult::error(
            &submission.exercise,
            ErrorKind::Infra,
            "this exercise is no longer served",
        );
    };
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (name, body) in &submission.files {
        match body.bytes() {
            Ok(bytes) => {
                files.insert(name.clone(), bytes);
            }
            // Checked when it came in: a stored file that no longer
            // decodes is the store's fault.
            Err(why) => {
                return GradeResult::error(
                    &submission.exercise,
                    ErrorKind::Infra,
                    format!("the stored file {name} cannot be read: {why}"),
                );
            }
        }
    }
    grader.grade(exercise, &Submission { files }).await
}
