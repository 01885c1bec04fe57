//! The HTTP submission service: learners submit through it; workers grade
//! from a queue kept in the database.
//!
//! - [`routes`]: the `/v1` API (axum) and its OpenAPI description.
//! - [`auth`]: bearer tokens with roles, stored hashed.
//! - [`store`]: the [`store::Store`] trait and its SQLite implementation:
//!   tokens, submissions, and the queue workers claim from.
//! - [`worker`]: claim, grade, store the result.
//! - [`limiter`]: per-token rate limits.
//!
//! [`run`] serves on a listener until `shutdown` resolves; a test binds
//! port 0 and drives it.

pub mod auth;
pub mod catalog;
pub mod error;
pub mod limiter;
pub mod metrics;
pub mod routes;
pub mod state;
pub mod store;
pub mod worker;

use std::sync::Arc;

use grader::Grader;
use grader_sandbox::Runner;
use tokio::net::TcpListener;

pub use routes::app;
pub use state::{AppState, Config};
pub use store::{SqliteStore, Store};

/// Serves the API on `listener` and grades with `config.workers` workers
/// until `shutdown` resolves. Submissions whose lease expired (their node
/// died) are queued again at start and every half lease.
pub async fn run<S: Store, R: Runner + 'static>(
    listener: TcpListener,
    state: AppState<S>,
    grader: Grader<R>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Err(error) = worker::recover(&state).await {
        return Err(std::io::Error::other(format!(
            "could not recover the queue: {error}"
        )));
    }
    let reaper = tokio::spawn(worker::reap(state.clone()));
    let grader = Arc::new(grader);
    let workers: Vec<_> = (0..state.config.workers.max(1))
        .map(|index| tokio::spawn(worker::work(index, state.clone(), Arc::clone(&grader))))
        .collect();
    tracing::info!(address = %listener.local_addr()?, workers = workers.len(), "serving");
    let served = axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await;
    // A grading cut short here stays `running` in the store until its
    // lease expires, then any node queues it again.
    reaper.abort();
    for worker in workers {
        worker.abort();
    }
    served
}
