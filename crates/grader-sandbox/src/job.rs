//! What a job is, the limits it runs under, and what comes back.

use std::future::Future;
use std::time::Duration;

use crate::{Archive, Captured, SandboxError};

/// The container side of a job: everything known before its files are.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Runner image, e.g. `grader-python:3f2a…`.
    pub image: String,
    pub limits: Limits,
    /// Extra environment for the job's process.
    pub env: Vec<(String, String)>,
    /// The job needs a container of its own, whose first process starts as
    /// root: its harness keeps a root broker that runs the learner's code
    /// as a second user (the shell kind). Runners that fork jobs in a
    /// shared container (`SharedRunner`, `ForkPool`), where a job starts as
    /// one unprivileged user, give it a container of its own instead.
    pub own_container: bool,
}

/// Resource limits of one job, never by the code in the container: memory,
/// CPU, processes, open files and file size by the kernel through the
/// engine; the wall clock and the output caps by the grader's watcher
/// (`docker::pump`), which kills the container.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Wall-clock time from the moment the files are sent; then the whole
    /// container is killed.
    pub wall_time: Duration,
    /// Memory, with swap counted in (memory + swap = this).
    pub memory: u64,
    /// CPUs, in whole or fractional cores.
    pub cpus: f64,
    /// Processes and threads in the container (cgroup pids limit).
    pub pids: i64,
    /// Open file descriptors per process.
    pub open_files: i64,
    /// Largest file a process may write.
    pub file_size: i64,
    /// Size of the writable tmpfs at the working directory.
    pub scratch: u64,
    /// Bytes kept of stdout and of stderr each; more kills the job.
    pub output: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            wall_time: Duration::from_secs(20),
            memory: 256 * MIB,
            cpus: 1.0,
            pids: 64,
            open_files: 256,
            file_size: 16 * MIB as i64,
            scratch: 64 * MIB,
            output: MIB as usize,
        }
    }
}

const MIB: u64 = 1024 * 1024;

/// How a job ended, and what it printed.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub ending: Ending,
    pub stdout: Captured,
    pub stderr: Captured,
    /// From the moment the files were sent to the end.
    pub duration: Duration,
}

/// Why a job stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The job's process exited by itself with this code.
    Exited { code: i64 },
    /// The wall-clock limit passed; the container was killed.
    TimedOut,
    /// Stdout or stderr passed the output cap; the container was killed.
    OutputLimit,
    /// The kernel's OOM killer struck inside the container.
    OutOfMemory,
}

/// Something that runs jobs. [`DockerSandbox`](crate::DockerSandbox) is the
/// real one; tests of the layers above may bring their own.
pub trait Runner: Send + Sync {
    /// Runs `job` on the files in `input` and waits for it to end.
    fn run(
        &self,
        job: &Job,
        input: Archive,
    ) -> impl Future<Output = Result<Outcome, SandboxError>> + Send;

    /// Starts `job` on the files in `input` and keeps talking to it: bytes
    /// sent on [`Session::input`] follow the files on its stdin; its stdout
    /// comes on [`Session::output`] instead of into the outcome. Limits
    /// hold as for [`Runner::run`].
    fn session(
        &self,
        job: &Job,
        input: Archive,
    ) -> impl Future<Output = Result<Session, SandboxError>> + Send;
}

/// A [`Runner`] that keeps every learner's job apart from every other:
/// the only kind a learner's submission may run on (the service asks for
/// it). [`DockerSandbox`](crate::DockerSandbox) and
/// [`WarmPool`](crate::WarmPool) give each job a container of its own;
/// [`ForkPool`](crate::ForkPool) forks each in a long-lived container as a
/// user of its own and clears everything of it after. [`SharedRunner`](crate::SharedRunner),
/// which runs an author's jobs one after another in one container as one
/// user, is not:
///
/// ```compile_fail
/// fn for_learners(_: &impl grader_sandbox::Isolated) {}
/// fn shared(runner: &grader_sandbox::SharedRunner) {
///     for_learners(runner);
/// }
/// ```
///
/// ```
/// fn for_learners(_: &impl grader_sandbox::Isolated) {}
/// fn pooled(
///     runner: &grader_sandbox::WarmPool,
///     forks: &grader_sandbox::ForkPool,
///     sandbox: &grader_sandbox::DockerSandbox,
/// ) {
///     for_learners(runner);
///     for_learners(forks);
///     for_learners(sandbox);
/// }
/// ```
pub trait Isolated: Runner {}

/// A job that is running and talking: see [`Runner::session`].
#[derive(Debug)]
pub struct Session {
    /// To the job's stdin, after its files. Dropping it closes stdin.
    pub input: tokio::sync::mpsc::UnboundedSender<bytes::Bytes>,
    /// The job's stdout as it comes; it counts toward the output limit.
    pub output: tokio::sync::mpsc::UnboundedReceiver<bytes::Bytes>,
    /// The job's end, with its stderr; its container is removed by then.
    pub done: tokio::task::JoinHandle<Result<Outcome, SandboxError>>,
}
