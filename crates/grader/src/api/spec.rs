//! The `api:` section of exercise.yaml and what is checked of it.

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
    /// port. The app also gets `PORT` and `JWT_SECRET` in its environment.
    pub start: Vec<String>,
    /// Where the app listens (on its own loopback interface).
    #[serde(default = "default_port")]
    pub port: u16,
    pub ready: ReadySpec,
    /// Longest one request may take; past it the step fails.
    #[serde(default)]
    pub request_timeout: Option<HumanDuration>,
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

/// Checks the `api` section.
pub fn validate(api: &ApiSpec, problem: &mut impl FnMut(&str, String)) {
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
