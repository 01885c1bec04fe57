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
pub async fn work<S: Store, R: Runner + 'static>(
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
                let result = grade(&state, &grader, &submission).await;
                state
                    .metrics
                    .graded(result.status, started.elapsed().as_millis() as u64);
                state.metrics.busy.fetch_sub(1, Ordering::Relaxed);
                if let Err(error) = state.store.finish(&submission.id, &result).await {
                    // Left running: the next start requeues it.
                    tracing::error!(id = %submission.id, %error, "could not store a result");
                    tokio::time::sleep(IDLE_POLL).await;
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
