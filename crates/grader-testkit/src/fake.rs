//! [`FakeRunner`]: a [`Runner`] without an engine, for unit tests of what
//! the kinds make of a job's outcome (`interpret`, `judge`). A test gives
//! it a stand-in for the harness: a function of the job and its archive
//! (whose manifest carries the job's key) that returns the outcome, so
//! the kind under test packs, runs and interprets exactly as it would
//! with the real sandbox.

use std::sync::Mutex;
use std::time::Duration;

use grader_sandbox::archive::MANIFEST;
use grader_sandbox::{Archive, Captured, Ending, Job, Outcome, Runner, SandboxError, Session};

/// What a stand-in harness does with a job.
pub type Harness = dyn Fn(&Job, &Archive) -> Outcome + Send + Sync;

/// Runs every job through a stand-in harness; keeps the jobs it saw and
/// their archives (a session's too, which it refuses).
pub struct FakeRunner {
    harness: Box<Harness>,
    seen: Mutex<Vec<(Job, Archive)>>,
}

impl std::fmt::Debug for FakeRunner {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("FakeRunner")
            .field("seen", &self.seen)
            .finish_non_exhaustive()
    }
}

impl FakeRunner {
    pub fn new(harness: impl Fn(&Job, &Archive) -> Outcome + Send + Sync + 'static) -> Self {
        FakeRunner {
            harness: Box::new(harness),
            seen: Mutex::new(Vec::new()),
        }
    }

    /// The jobs asked for so far, in order.
    pub fn jobs(&self) -> Vec<Job> {
        let seen = self.seen.lock().expect("not poisoned");
        seen.iter().map(|(job, _)| job.clone()).collect()
    }

    /// Their archives, in the same order.
    pub fn archives(&self) -> Vec<Archive> {
        let seen = self.seen.lock().expect("not poisoned");
        seen.iter().map(|(_, archive)| archive.clone()).collect()
    }
}

impl Runner for FakeRunner {
    async fn run(&self, job: &Job, input: Archive) -> Result<Outcome, SandboxError> {
        let outcome = (self.harness)(job, &input);
        self.seen
            .lock()
            .expect("not poisoned")
            .push((job.clone(), input));
        Ok(outcome)
    }

    async fn session(&self, job: &Job, input: Archive) -> Result<Session, SandboxError> {
        self.seen
            .lock()
            .expect("not poisoned")
            .push((job.clone(), input));
        Err(SandboxError::Other {
            message: "a FakeRunner runs batch jobs only".to_owned(),
        })
    }
}

/// The job's manifest, parsed.
///
/// # Panics
/// When the archive has none, or it is not JSON: the kind under test is
/// broken.
pub fn manifest(archive: &Archive) -> serde_json::Value {
    let bytes = archive.file(MANIFEST).expect("every job has a manifest");
    serde_json::from_slice(bytes).expect("the manifest is JSON")
}

/// An outcome: `ending`, what went to stdout and stderr, a second's run.
pub fn outcome(ending: Ending, stdout: &str, stderr: &str) -> Outcome {
    let captured = |text: &str| Captured {
        bytes: text.as_bytes().to_vec(),
        total: text.len() as u64,
    };
    Outcome {
        ending,
        stdout: captured(stdout),
        stderr: captured(stderr),
        duration: Duration::from_secs(1),
    }
}
