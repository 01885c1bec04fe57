//! The `shell:` section of exercise.yaml — how the learner's scripts are
//! run — as data; the shell kind checks it (`shell.rs`).

use std::time::Duration;

use serde::Deserialize;

use crate::units::HumanDuration;

/// A call's time limit unless the exercise sets one.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShellSpec {
    /// The longest one run of a learner's script (`learner …` in a test)
    /// may take; it is then stopped, with everything it started, and the
    /// test goes on with exit status 124.
    #[serde(default)]
    pub call_timeout: Option<HumanDuration>,
}

impl ShellSpec {
    pub fn call_timeout(&self) -> Duration {
        self.call_timeout
            .map_or(DEFAULT_CALL_TIMEOUT, |timeout| timeout.0)
    }
}
