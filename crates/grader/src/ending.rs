//! How a job's ending reads in a result, the same for every kind: a job
//! stopped by a limit is an error of the learner's doing; a job whose files
//! the runner refused is the grader's.

use grader_sandbox::{Ending, Limits, Outcome};

use crate::result::ErrorKind;

/// The error a job's ending makes, if it was stopped rather than finished.
pub fn stopped(outcome: &Outcome, limits: &Limits) -> Option<(ErrorKind, String)> {
    match outcome.ending {
        Ending::TimedOut => Some((
            ErrorKind::Timeout,
            format!(
                "the tests did not finish within {}s",
                limits.wall_time.as_secs_f64()
            ),
        )),
        Ending::OutOfMemory => Some((
            ErrorKind::Memory,
            format!(
                "the run used more than its {} MiB of memory",
                limits.memory >> 20
            ),
        )),
        Ending::OutputLimit => Some((
            ErrorKind::OutputLimit,
            format!(
                "the run printed more than its {} KiB output limit",
                limits.output >> 10
            ),
        )),
        Ending::Exited { code: 125 } => Some((
            ErrorKind::Infra,
            format!(
                "the runner refused the job's files: {}",
                outcome
                    .stderr
                    .text()
                    .lines()
                    .last()
                    .unwrap_or_default()
                    .trim()
            ),
        )),
        Ending::Exited { .. } => None,
    }
}
