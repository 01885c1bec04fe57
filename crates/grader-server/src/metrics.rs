//! What an operator reads at `/v1/metrics`: counters, gauges and
//! histograms kept with `prometheus-client` and rendered in Prometheus'
//! text format (0.0.4), and [`track`], the layer that times every request.
//!
//! Every label takes a value from a short fixed list (a kind, a status, an
//! error code, a method, a route template): never a path, an id or a
//! token, so the number of series stays bounded whatever the traffic.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use grader::Status;
use grader::exercise::Kind;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

pub use prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

use crate::error::ErrorCode;

/// Bounds of the grading histogram, in seconds: a python exercise's
/// reference grades in about a second here, and an exercise's
/// `limits.wall_time` may be up to 10 minutes (above 600 s: `+Inf`).
const GRADING_BUCKETS: [f64; 13] = [
    0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0,
];

/// Bounds of the request histogram, in seconds: most requests answer in
/// milliseconds; `?wait=` holds one up to `--max-wait` (60 s by default).
const REQUEST_BUCKETS: [f64; 15] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GradedLabels {
    status: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GradingLabels {
    kind: &'static str,
    status: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    /// The route's template (`/v1/submissions/{id}`), or `unmatched`.
    route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    status: u16,
    /// The `error` code of the JSON body, or `other` for a response that
    /// did not come from `AppError`.
    error: &'static str,
}

/// This process's metrics. One per [`crate::AppState`]; the methods are
/// what the handlers and workers call when something happens.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    accepted: Counter,
    graded: Family<GradedLabels, Counter>,
    grading: Histograms<GradingLabels>,
    requests: Histograms<RequestLabels>,
    errors: Family<ErrorLabels, Counter>,
    recovered: Counter,
    webhooks_delivered: Counter,
    webhooks_failed: Counter,
    queue_depth: Gauge,
    unserved: Gauge,
    busy: Gauge,
    workers: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let metrics = Metrics {
            registry: Registry::with_prefix("grader"),
            accepted: Counter::default(),
            graded: Family::default(),
            grading: Family::new_with_constructor(|| Histogram::new(GRADING_BUCKETS)),
            requests: Family::new_with_constructor(|| Histogram::new(REQUEST_BUCKETS)),
            errors: Family::default(),
            recovered: Counter::default(),
            webhooks_delivered: Counter::default(),
            webhooks_failed: Counter::default(),
            queue_depth: Gauge::default(),
            unserved: Gauge::default(),
            busy: Gauge::default(),
            workers: Gauge::default(),
        };
        metrics.registered()
    }
}

impl Metrics {
    /// Registers every metric under its name, in the order they are served.
    fn registered(mut self) -> Self {
        let registry = &mut self.registry;
        registry.register(
            "submissions_accepted",
            "Submissions stored and queued",
            self.accepted.clone(),
        );
        registry.register(
            "submissions_graded",
            "Submissions graded by this node, by result status",
            self.graded.clone(),
        );
        registry.register_with_unit(
            "grading_duration",
            "Time from claim to result, by exercise kind and result status",
            Unit::Seconds,
            self.grading.clone(),
        );
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer a request (to the response head for a stream), by method and route template",
            Unit::Seconds,
            self.requests.clone(),
        );
        registry.register(
            "http_errors",
            "Requests answered with a 4xx or 5xx status, by status and the body's error code",
            self.errors.clone(),
        );
        registry.register(
            "submissions_recovered",
            "Submissions requeued by this node because their lease expired (their node died or stalled)",
            self.recovered.clone(),
        );
        registry.register(
            "webhooks_delivered",
            "Webhook deliveries the receiver accepted",
            self.webhooks_delivered.clone(),
        );
        registry.register(
            "webhooks_failed",
            "Webhook deliveries given up after their last attempt",
            self.webhooks_failed.clone(),
        );
        registry.register(
            "queue_depth",
            "Submissions waiting for a worker, on every node sharing the database",
            self.queue_depth.clone(),
        );
        registry.register(
            "queue_unserved",
            "Submissions waiting for an exercise that no live grading node serves",
            self.unserved.clone(),
        );
        registry.register(
            "workers_busy",
            "Workers of this node grading right now",
            self.busy.clone(),
        );
        registry.register("workers", "Workers of this node", self.workers.clone());
        // Zero from the start, so a rate over them is defined before the
        // first grading.
        for status in [Status::Passed, Status::Failed, Status::Error] {
            let labels = GradedLabels {
                status: status_label(status),
            };
            let _ = self.graded.get_or_create(&labels);
        }
        self
    }

    /// A submission was stored and queued.
    pub fn accepted(&self) {
        self.accepted.inc();
    }

    /// A submission of an exercise of `kind` (None: the exercise is no
    /// longer served) was graded with `status`, `took` after its claim.
    pub fn graded(&self, kind: Option<Kind>, status: Status, took: Duration) {
        let status = status_label(status);
        self.graded.get_or_create(&GradedLabels { status }).inc();
        let kind = kind.map_or("unknown", Kind::as_str);
        self.grading
            .get_or_create(&GradingLabels { kind, status })
            .observe(took.as_secs_f64());
    }

    /// A worker of this node claimed a submission and grades it.
    pub fn worker_busy(&self) {
        self.busy.inc();
    }

    /// A worker of this node is done with the submission it graded.
    pub fn worker_idle(&self) {
        self.busy.dec();
    }

    /// This node requeued `submissions` whose lease expired.
    pub fn recovered(&self, submissions: u64) {
        self.recovered.inc_by(submissions);
    }

    /// A webhook's receiver accepted a delivery.
    pub fn webhook_delivered(&self) {
        self.webhooks_delivered.inc();
    }

    /// A webhook delivery was given up: its last attempt failed.
    pub fn webhook_failed(&self) {
        self.webhooks_failed.inc();
    }

    /// A request was answered with `status` after `took`. `route` is the
    /// matched route's template; `error` the code of an error's body.
    pub fn answered(
        &self,
        method: &Method,
        route: Option<&str>,
        status: StatusCode,
        error: Option<&'static str>,
        took: Duration,
    ) {
        let labels = RequestLabels {
            method: method_label(method),
            route: route.unwrap_or("unmatched").to_owned(),
        };
        self.requests
            .get_or_create(&labels)
            .observe(took.as_secs_f64());
        if status.is_client_error() || status.is_server_error() {
            let labels = ErrorLabels {
                status: status.as_u16(),
                error: error.unwrap_or("other"),
            };
            self.errors.get_or_create(&labels).inc();
        }
    }

    /// The exposition, with the gauges read at scrape time: `queued` in
    /// the shared queue, `unserved` of them for exercises no live node
    /// grades, `workers` of this node. Served with [`CONTENT_TYPE`].
    pub fn render(
        &self,
        queued: i64,
        unserved: i64,
        workers: usize,
    ) -> Result<String, std::fmt::Error> {
        self.queue_depth.set(queued);
        self.unserved.set(unserved);
        self.workers.set(i64::try_from(workers).unwrap_or(i64::MAX));
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// The layer that times every request and counts its errors; in
/// [`crate::routes::app`], applied to each route after matching, so the
/// route's template is known.
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned());
    let response = next.run(request).await;
    let error = response.extensions().get::<ErrorCode>().map(|code| code.0);
    metrics.answered(
        &method,
        route.as_deref(),
        response.status(),
        error,
        started.elapsed(),
    );
    response
}

fn status_label(status: Status) -> &'static str {
    match status {
        Status::Passed => "passed",
        Status::Failed => "failed",
        Status::Error => "error",
    }
}

/// The method's name, or `other` for one the API does not know: a method
/// is any token a client sends.
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];
    KNOWN
        .into_iter()
        .find(|known| *known == method.as_str())
        .unwrap_or("other")
}
