//! The learner's app as the scenarios reach it ([`Target`]), and waiting
//! for it to answer its readiness probe, within the exercise's readiness
//! deadline and the job's.

use std::time::Duration;

use tokio::time::Instant;

use crate::api::tunnel::{Ended, Tunnel};

/// What a scenario needs from the job: where the app is, its key, and how
/// long a request may take.
#[derive(Debug, Clone)]
pub struct Target {
    pub base: String,
    pub jwt_secret: String,
    /// The exercise's request timeout.
    pub timeout: Duration,
    /// The job's deadline: no request waits past it.
    pub deadline: Instant,
}

impl Target {
    /// How long a request started now may wait, and whether the job's
    /// deadline rather than the request timeout is what limits it.
    pub(crate) fn limit(&self) -> (Duration, bool) {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left < self.timeout {
            (left, true)
        } else {
            (self.timeout, false)
        }
    }
}

/// Between two readiness probes.
const PROBE_EVERY: Duration = Duration::from_millis(100);
/// Longest one readiness probe waits.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Why the app never became ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotReady {
    /// The app's process exited, with this code.
    Exited(i32),
    /// The exercise's readiness deadline passed.
    Deadline,
    /// The job's deadline passed first.
    TimeLimit,
    /// The tunnel ended: the container stopped, or its stream broke.
    Ended(Ended),
}

/// Polls `path` until the app answers below 500, within the readiness
/// deadline and the job's. Connection failures are retried here, and only
/// here. The error carries how long it waited.
pub async fn wait_ready(
    client: &reqwest::Client,
    target: &Target,
    tunnel: &Tunnel,
    path: &str,
    ready_deadline: Duration,
) -> Result<(), (NotReady, Duration)> {
    let started = Instant::now();
    let (give_up, why) = if started + ready_deadline < target.deadline {
        (started + ready_deadline, NotReady::Deadline)
    } else {
        (target.deadline, NotReady::TimeLimit)
    };
    loop {
        if let Some(code) = tunnel.exit_code() {
            return Err((NotReady::Exited(code), started.elapsed()));
        }
        if let Some(ended) = tunnel.ended() {
            return Err((NotReady::Ended(ended), started.elapsed()));
        }
        let left = give_up.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err((why, started.elapsed()));
        }
        let probe = client
            .get(format!("{}{path}", target.base))
            .timeout(PROBE_TIMEOUT.min(left))
            .send()
            .await;
        if let Ok(response) = probe
            && response.status().as_u16() < 500
        {
            return Ok(());
        }
        tokio::time::sleep_until((Instant::now() + PROBE_EVERY).min(give_up)).await;
    }
}
