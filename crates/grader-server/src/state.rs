//! What every request handler and worker shares.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, broadcast};

use crate::catalog::Catalog;
use crate::limiter::Limiter;
use crate::metrics::Metrics;
pub use crate::model::Update;
use crate::store::Store;

/// The service's settings; `grader serve --help` documents each.
#[derive(Debug, Clone)]
pub struct Config {
    /// Gradings at once on this node.
    pub workers: usize,
    /// Queued submissions above which new ones are refused (503).
    pub queue_capacity: i64,
    /// Submissions one token may have waiting or grading at once (429
    /// above): one learner cannot fill the queue for everyone.
    pub pending_per_token: i64,
    /// Largest request body, in bytes (413 above).
    pub max_body: usize,
    /// Per token: requests in a burst, then per second (429 above).
    pub rate_burst: u32,
    pub rate_per_second: f64,
    /// Longest a request may wait for a result (`?wait=`).
    pub max_wait: Duration,
    /// This node's name in the queue: random for each process, so two
    /// `grader serve` on one database never mistake each other's leases.
    pub node: String,
    /// How long a claim holds without a heartbeat. A worker renews it every
    /// third of it while grading; a node that dies loses its submissions
    /// to the queue this long after its last heartbeat. At least
    /// [`MIN_LEASE`]: [`AppState::new`] raises a shorter one.
    pub lease: Duration,
    /// After a stop is asked for, how long running gradings may go on;
    /// what is not done by then is handed back to the queue.
    pub grace: Duration,
    /// Where results may be delivered, and how they are signed.
    pub webhooks: crate::webhook::Webhooks,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            workers: 2,
            queue_capacity: 1000,
            pending_per_token: 10,
            max_body: 1 << 20,
            rate_burst: 30,
            rate_per_second: 2.0,
            max_wait: Duration::from_secs(60),
            node: format!("node-{}", hex::encode(rand::random::<[u8; 6]>())),
            lease: Duration::from_secs(60),
            grace: Duration::from_secs(30),
            webhooks: crate::webhook::Webhooks::default(),
        }
    }
}

/// The shortest lease: a claim must outlive a heartbeat's round trip to
/// the database.
pub const MIN_LEASE: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub struct AppState<S> {
    pub store: Arc<S>,
    pub catalog: Arc<Catalog>,
    pub config: Arc<Config>,
    pub limiter: Arc<Limiter>,
    pub metrics: Arc<Metrics>,
    pub updates: broadcast::Sender<Update>,
    /// Wakes an idle worker when a submission is queued.
    pub wake: Arc<Notify>,
}

impl<S> Clone for AppState<S> {
    fn clone(&self) -> Self {
        AppState {
            store: Arc::clone(&self.store),
            catalog: Arc::clone(&self.catalog),
            config: Arc::clone(&self.config),
            limiter: Arc::clone(&self.limiter),
            metrics: Arc::clone(&self.metrics),
            updates: self.updates.clone(),
            wake: Arc::clone(&self.wake),
        }
    }
}

impl<S: Store> AppState<S> {
    pub fn new(store: S, catalog: Catalog, mut config: Config) -> Self {
        config.lease = config.lease.max(MIN_LEASE);
        let limiter = Limiter::new(config.rate_burst, config.rate_per_second);
        AppState {
            store: Arc::new(store),
            catalog: Arc::new(catalog),
            config: Arc::new(config),
            limiter: Arc::new(limiter),
            metrics: Arc::default(),
            updates: broadcast::channel(1024).0,
            wake: Arc::new(Notify::new()),
        }
    }
}
