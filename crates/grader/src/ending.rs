//! How a job's ending reads in a result, the same for every kind: a job
//! stopped by a limit is an error of the learner's doing; a job whose files
//! the runner refused is the grader's — but only when the runner said so in
//! a line signed with the job's key: learner code can exit with 125 too.

use grader_sandbox::{Ending, Limits, Outcome};

use crate::channel::{self, Key};
use crate::result::ErrorKind;

/// The error a job's ending makes, if it was stopped rather than finished.
pub fn stopped(
    outcome: &Outcome,
    limits: &Limits,
    key: Option<&Key>,
) -> Option<(ErrorKind, String)> {
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
        Ending::Exited { code: 125 } => refusal(outcome, key?).map(|reason| {
            (
                ErrorKind::Infra,
                format!("the runner refused the job's files: {reason}"),
            )
        }),
        Ending::Exited { .. } => None,
    }
}

/// The reason the entry script gave for refusing the job, if it did.
fn refusal(outcome: &Outcome, key: &Key) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Refused {
        event: String,
        reason: String,
    }
    channel::read(&outcome.stderr.bytes, key)
        .payloads
        .iter()
        .filter_map(|payload| serde_json::from_str::<Refused>(payload).ok())
        .find(|refused| refused.event == "refused")
        .map(|refused| refused.reason)
}
