//! The `pytest:` section of exercise.yaml — the exercise's correct
//! implementation and its described bugs — as data; the pytest kind
//! checks it (`pytest/spec.rs`).

use std::time::Duration;

use serde::Deserialize;

use crate::units::HumanDuration;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PytestSpec {
    /// The implementation's files, in `implementation/`; each job puts one
    /// version of them beside the learner's test files, which import them.
    pub files: Vec<String>,
    /// The buggy implementations, each `bugs/<name>.patch` (a diff against
    /// `implementation/`) or `bugs/<name>/` (the files whole).
    pub bugs: Vec<BugSpec>,
    /// Time limit for one learner test; the run goes on with the next.
    #[serde(default)]
    pub test_timeout: Option<HumanDuration>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BugSpec {
    pub name: String,
    /// The mistake, as a learner would read it.
    pub description: String,
    /// Whether a learner sees the description (the author always does).
    #[serde(default)]
    pub visible: bool,
    /// Earned when a learner test catches it.
    #[serde(default = "one")]
    pub points: f64,
    /// For the learner whose tests miss it: what to try, without the
    /// implementation's code (`crate::hints`).
    #[serde(default)]
    pub hint: Option<String>,
}

fn one() -> f64 {
    1.0
}

impl PytestSpec {
    pub fn test_timeout(&self) -> Option<Duration> {
        self.test_timeout.map(|timeout| timeout.0)
    }
}
