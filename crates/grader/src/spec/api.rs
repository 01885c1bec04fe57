//! The `api:` section of exercise.yaml, as data; the api kind checks it
//! (`api/spec.rs`).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use crate::units::HumanDuration;

/// How long the app has to answer its readiness probe unless the exercise
/// says otherwise.
pub const DEFAULT_READY_DEADLINE: Duration = Duration::from_secs(10);
/// Longest one request may take unless the exercise says otherwise.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiSpec {
    /// The command that starts the app, in its folder; `{port}` becomes the
    /// port. The app also gets `PORT` and `JWT_SECRET` in its environment,
    /// and `env`.
    pub start: Vec<String>,
    /// Where the app listens (on its own loopback interface).
    #[serde(default = "default_port")]
    pub port: u16,
    pub ready: ReadySpec,
    /// Longest one request may take; past it the step fails.
    #[serde(default)]
    pub request_timeout: Option<HumanDuration>,
    /// Services started in the container, on loopback, before the app,
    /// with fresh data per job.
    #[serde(default)]
    pub services: Vec<Service>,
    /// SQL run on the fresh `postgres` database before the app starts,
    /// relative to the exercise folder.
    #[serde(default)]
    pub schema: Option<String>,
    /// A queue worker's command, started after the services and before the
    /// app, in the submission's folder with the app's environment.
    #[serde(default)]
    pub worker: Option<Vec<String>>,
    /// More environment for the app and the worker, the same for every
    /// job (say, a password hash's cost the tests keep low).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// What the grader itself puts in the app's environment, which `env` may
/// not set.
pub(crate) const GRADERS_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "LANG",
    "PORT",
    "JWT_SECRET",
    "DATABASE_URL",
    "REDIS_URL",
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONUNBUFFERED",
];

/// A service an api exercise may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// PostgreSQL 15; the app gets `DATABASE_URL`.
    Postgres,
    /// Redis 7; the app gets `REDIS_URL`.
    Redis,
}

fn default_port() -> u16 {
    8000
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadySpec {
    /// Polled with GET until it answers with a status below 500.
    pub path: String,
    #[serde(default)]
    pub deadline: Option<HumanDuration>,
}

impl ApiSpec {
    pub fn ready_deadline(&self) -> Duration {
        self.ready.deadline.map_or(DEFAULT_READY_DEADLINE, |d| d.0)
    }

    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
            .map_or(DEFAULT_REQUEST_TIMEOUT, |d| d.0)
    }
}
