//! Workers: each claims the oldest queued submission from the store,
//! grades it, and stores the result. A submission is marked running in the
//! store before it is graded, so one interrupted by a crash is found and
//! requeued at the next start ([`crate::store::Store::recover`]).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use grader::result::ErrorKind;
use grader::{GradeResult, Grader, Submission};
use grader_sandbox::Runner;

use crate::state::{AppState, Update};
use crate::store::{Store, StoredSubmission};

/// How often an idle worker looks at the queue without being woken.
const IDLE_POLL: Duration = Duration::from_secs(1);

/// Runs worker number `index` until the task is aborted.
pub async fn work<S: Store, R: Runner + Send + Sync + 'static>(
    index: usize,
    state: AppState<S>,
    grader: Arc<Grader<R>>,
) {
    let name = format!("{}/{index}", state.config.node);
    loop {
        match state.store.claim(&name).await {
            Ok(Some(submission)) => {
                let _ = state.updates.send(Update {
                    id: submission.id.clone(),
                });
                state.metrics.busy.fetch_add(1, Ordering::Relaxed);
                let started = Instant::now();
                // In a task of its own: a panic while grading is an infra
                // result for this submission, not a dead worker.
                let graded = {
                    let state = state.clone();
                    let grader = Arc::clone(&grader);
                    let submission = submission.clone();
                    tokio::spawn(async move { grade(&state, &grader, &submission).await }).await
                };
                let result = graded.unwrap_or_else(|error| {
                    tracing::error!(id = %submission.id, %error, "grading panicked");
                    GradeResult::error(
                        &submission.exercise,
                        ErrorKind::Infra,
                        "the grader failed while grading this submission",
                    )
                });
                state
                    .metrics
                    .graded(result.status, started.elapsed().as_millis() as u64);
                state.metrics.busy.fetch_sub(1, Ordering::Relaxed);
                if !store_result(&state, &submission.id, &result).await {
                    continue;
                }
                let _ = state.updates.send(Update {
                    id: submission.id.clone(),
                });
            }
            Ok(None) => {
                let _ = tokio::time::timeout(IDLE_POLL, state.wake.notified()).await;
            }
            Err(error) => {
                tracing::error!(%error, "could not claim from the queue");
                tokio::time::sleep(IDLE_POLL).await;
            }
        }
    }
}

/// Stores a result, trying again for a while (a busy database); false
/// when it could not, and the submission stays running until the next
/// start requeues it.
async fn store_result<S: Store>(state: &AppState<S>, id: &str, result: &GradeResult) -> bool {
    let mut wait = Duration::from_millis(200);
    for attempt in 1..=5 {
        match state.store.finish(id, result).await {
            Ok(()) => return true,
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
    let files: BTreeMap<String, Vec<u8>> = submission
        .files
        .iter()
        .map(|(name, text)| (name.clone(), text.clone().into_bytes()))
        .collect();
    grader.grade(exercise, &Submission { files }).await
}
