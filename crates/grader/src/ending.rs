//! How a job's ending reads in a result, the same for every kind: a job
//! stopped by a limit is an error of the learner's doing; a job whose files
//! the runner refused, or whose services did not start, is the grader's —
//! but only when the runner said so in a line signed with the job's key:
//! learner code can exit with 125 too.

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
        Ending::Exited { code: 125 } => {
            refusal(outcome, key?).map(|message| (ErrorKind::Infra, message))
        }
        Ending::Exited { .. } => None,
    }
}

/// What the runner said, in a signed line, when it would not run the job:
/// the job's files refused by the entry script, or (`infra`) what the job
/// needed before any learner code, such as its services, failed.
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
        .find_map(|refused| match refused.event.as_str() {
            "refused" => Some(format!(
                "the runner refused the job's files: {}",
                refused.reason
            )),
            "infra" => Some(refused.reason),
            _ => None,
        })
}
