//! The HTTP submission service: learners submit through it; workers grade
//! from a queue kept in the database.
//!
//! - [`routes`]: the `/v1` API (axum) and its OpenAPI description.
//! - [`auth`]: bearer tokens with roles, stored hashed.
//! - [`store`]: the [`store::Store`] trait and its SQLite and PostgreSQL
//!   implementations: tokens, submissions, and the queue workers claim from.
//! - `worker`: claim, grade, store the result.
//! - `limiter`: per-token rate limits.
//! - [`webhook`]: which callbacks are allowed, and how a delivery is
//!   signed; `delivery`: the loop that sends them.
//! - `model`: the plain data below everything else (roles, callers,
//!   updates). A module uses only those before it in this list: model,
//!   catalog, limiter, webhook, store, error, metrics, state, auth, then
//!   routes, worker, delivery.
//!
//! Only what other crates use is `pub`.
//!
//! [`run`] serves on a listener and grades until `shutdown` resolves; a
//! test binds port 0 and drives it. Without a listener it is a grading
//! node (`grader worker`); without workers, a front end that only takes
//! submissions.

pub mod auth;
pub mod catalog;
mod delivery;
mod error;
pub mod gradebook;
mod limiter;
mod metrics;
mod model;
pub mod routes;
pub mod state;
pub mod stats;
pub mod store;
pub mod webhook;
mod worker;

use std::sync::Arc;

use grader::Grader;
use grader_sandbox::Isolated;
use tokio::net::TcpListener;

pub use model::FileBody;
pub use routes::app;
pub use state::{AppState, Config};
pub use store::{PgStore, SqliteStore, Store};

/// Serves the API on `listener` (when there is one) and grades with
/// `config.workers` workers until `shutdown` resolves. Submissions whose
/// lease expired (their node died) are queued again at start and every
/// half lease, by every node.
///
/// When `shutdown` resolves: no new claims and no new connections; the
/// gradings in hand and the requests open may go on for `config.grace`;
/// a grading not done by then is cancelled and handed back to the queue,
/// a request still open is dropped. Returns when every worker has ended
/// (the containers of a cancelled grading are being removed: a caller that
/// owns the runner should clear what is left, as `grader serve` does).
pub async fn run<S: Store, R: Isolated + 'static>(
    listener: Option<TcpListener>,
    state: AppState<S>,
    grader: Grader<R>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if listener.is_none() && state.config.workers == 0 {
        return Err(std::io::Error::other(
            "a node with neither an address nor workers has nothing to do",
        ));
    }
    if let Err(error) = worker::recover(&state).await {
        return Err(std::io::Error::other(format!(
            "could not recover the queue: {error}"
        )));
    }
    if let Err(error) = worker::beat(&state).await {
        return Err(std::io::Error::other(format!(
            "could not record this node in the database: {error}"
        )));
    }
    let background = Background::start(&state);
    let (stop, stopping) = tokio::sync::watch::channel(None);
    let mut workers = tokio::task::JoinSet::new();
    let grader = Arc::new(grader);
    for index in 0..state.config.workers {
        workers.spawn(worker::work(
            index,
            state.clone(),
            Arc::clone(&grader),
            stopping.clone(),
        ));
    }
    let (stop_serving, serving_stopped) = tokio::sync::oneshot::channel::<()>();
    let mut server = serve(listener, &state, serving_stopped)?;
    // A worker runs until the stop: one that ends before it panicked.
    let mut failure = None;
    let ended_early = tokio::select! {
        () = shutdown => None,
        served = &mut server => Some(served),
        Some(ended) = workers.join_next() => {
            failure = Some(worker_failure(ended));
            None
        }
    };
    let grace = state.config.grace;
    let deadline = tokio::time::Instant::now() + grace;
    tracing::info!(
        ?grace,
        "stopping: nothing more is claimed; gradings in hand may finish"
    );
    let _ = stop.send(Some(deadline));
    let _ = stop_serving.send(());
    while let Some(ended) = workers.join_next().await {
        if let Err(error) = ended {
            failure.get_or_insert(worker_failure(Err(error)));
        }
    }
    background.stop(&state).await;
    let served = match ended_early {
        Some(served) => served,
        None => match tokio::time::timeout_at(deadline, &mut server).await {
            Ok(served) => served,
            Err(_) => {
                server.abort();
                Ok(Ok(()))
            }
        },
    };
    served.map_err(std::io::Error::other)??;
    match failure {
        Some(failure) => Err(failure),
        None => Ok(()),
    }
}

/// What a node runs beside its workers and its server: the reaper (and
/// heartbeat), the webhook sender, the store's listener.
struct Background {
    reaper: tokio::task::JoinHandle<()>,
    sender: Option<tokio::task::JoinHandle<()>>,
    listening: tokio::task::JoinHandle<()>,
}

impl Background {
    fn start<S: Store>(state: &AppState<S>) -> Background {
        let reaper = tokio::spawn(worker::reap(state.clone()));
        // A node without the secret could only send unsigned results: it
        // leaves deliveries to the nodes that have it.
        let sender = (!state.config.webhooks.secret.is_empty())
            .then(|| tokio::spawn(delivery::send(state.clone())));
        let listening = {
            let store = Arc::clone(&state.store);
            let (updates, wake) = (state.updates.clone(), Arc::clone(&state.wake));
            tokio::spawn(async move { store.listen(updates, wake).await })
        };
        Background {
            reaper,
            sender,
            listening,
        }
    }

    /// Stops them, and takes this node out of the store's live nodes.
    async fn stop<S: Store>(self, state: &AppState<S>) {
        self.reaper.abort();
        if state.config.workers > 0
            && let Err(error) = state.store.forget(&state.config.node).await
        {
            // Its heartbeat runs out on its own.
            tracing::warn!(%error, "could not remove this node from the database");
        }
        self.listening.abort();
        if let Some(sender) = self.sender {
            sender.abort();
        }
    }
}

/// Serves `routes::app` on `listener` until `stopped`; without a listener,
/// a task that only waits for it.
fn serve<S: Store>(
    listener: Option<TcpListener>,
    state: &AppState<S>,
    stopped: tokio::sync::oneshot::Receiver<()>,
) -> std::io::Result<tokio::task::JoinHandle<std::io::Result<()>>> {
    let workers = state.config.workers;
    Ok(match listener {
        Some(listener) => {
            tracing::info!(address = %listener.local_addr()?, workers, "serving");
            let serve = axum::serve(listener, app(state.clone())).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            tokio::spawn(async move { serve.await })
        }
        None => {
            tracing::info!(workers, "grading");
            tokio::spawn(async move {
                let _ = stopped.await;
                Ok(())
            })
        }
    })
}

/// The error a worker's early end is: a panic (a bug), logged where it
/// happened and returned, so the process exits with an error and its
/// supervisor starts it again.
fn worker_failure(ended: Result<(), tokio::task::JoinError>) -> std::io::Error {
    let why = match ended {
        Ok(()) => "a worker stopped before the node did".to_owned(),
        Err(error) => format!("a worker failed: {error}"),
    };
    tracing::error!("{why}; this node stops");
    std::io::Error::other(why)
}
