//! The `api:` section of exercise.yaml and what is checked of it.

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
const GRADERS_ENV: &[&str] = &[
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

/// Checks the `api` section; `dir` is the exercise folder.
pub fn validate(dir: &std::path::Path, api: &ApiSpec, problem: &mut impl FnMut(&str, String)) {
    let mut seen = Vec::new();
    for service in &api.services {
        if seen.contains(service) {
            problem(
                "api.services",
                format!("{service:?} is listed twice").to_lowercase(),
            );
        }
        seen.push(*service);
    }
    if let Some(schema) = &api.schema {
        if !api.services.contains(&Service::Postgres) {
            problem(
                "api.schema",
                "a schema is loaded into PostgreSQL: add `postgres` to api.services".to_owned(),
            );
        }
        let plain = !schema.is_empty()
            && !schema.starts_with('/')
            && !schema
                .split('/')
                .any(|part| part == ".." || part.is_empty());
        if !plain || !dir.join(schema).is_file() {
            problem(
                "api.schema",
                format!("expected a file in the exercise folder, found `{schema}`"),
            );
        }
    }
    if let Some(worker) = &api.worker
        && (worker.is_empty() || worker[0].trim().is_empty())
    {
        problem(
            "api.worker",
            "expected the command that starts the worker, e.g. [python3, worker.py]".to_owned(),
        );
    }
    for (name, value) in &api.env {
        let plain = name
            .chars()
            .next()
            .is_some_and(|first| first.is_ascii_uppercase() || first == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !plain {
            problem(
                "api.env",
                format!(
                    "`{name}`: expected a name of capitals, digits and `_`, e.g. BCRYPT_ROUNDS"
                ),
            );
        } else if GRADERS_ENV.contains(&name.as_str()) || name.starts_with("GRADER_") {
            problem(
                "api.env",
                format!("`{name}` is set by the grader; choose another name"),
            );
        }
        if value.contains('\0') || value.len() > 4096 {
            problem(
                "api.env",
                format!("`{name}`: expected a value of at most 4096 bytes without NUL"),
            );
        }
    }
    if api.start.is_empty() || api.start[0].trim().is_empty() {
        problem(
            "api.start",
            "expected the command that starts the app, e.g. [python3, -m, uvicorn, app:app, --port, \"{port}\"]".to_owned(),
        );
    }
    if api.port < 1024 {
        problem(
            "api.port",
            format!(
                "expected a port from 1024 up (the app does not run as root), found {}",
                api.port
            ),
        );
    }
    if !api.ready.path.starts_with('/') {
        problem(
            "api.ready.path",
            format!(
                "expected a path starting with `/`, found `{}`",
                api.ready.path
            ),
        );
    }
    let deadline = api.ready_deadline();
    if deadline < Duration::from_millis(500) || deadline > Duration::from_secs(120) {
        problem(
            "api.ready.deadline",
            "expected between 500ms and 2m".to_owned(),
        );
    }
    let timeout = api.request_timeout();
    if timeout < Duration::from_millis(100) || timeout > Duration::from_secs(60) {
        problem(
            "api.request_timeout",
            "expected between 100ms and 60s".to_owned(),
        );
    }
}
