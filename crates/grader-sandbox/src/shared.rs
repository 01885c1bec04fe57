//! One container for several jobs of the same author, run one after another.
//!
//! `grader check` runs exercises' references, starters and mutants: the
//! course author's code, not a learner's. Creating, starting and removing
//! a container costs a grading about as much CPU as the grading itself,
//! and a fresh interpreter importing pytest or the web frameworks about as
//! much again, so a [`SharedRunner`] keeps one hardened container for
//! every job of the same image, container limits and environment (made
//! for the first, replaced when a job needs another), and runs each job in
//! it with `docker exec`, on a fresh working directory (`/work/run-<n>`),
//! one job at a time. The container's main process is the image's zygote
//! (`runner-images/common/grader_zygote.py`): it imports what the job's
//! kind needs once, and each exec hands it its streams and environment;
//! it forks the job's entry script from there, a fresh process with the
//! imports done (the harness's own helper interpreters are forked the same
//! way, `grader_fork.py`). After each job every process but the
//! container's init and the zygote is killed, and `/work`, `/tmp` and
//! `/dev/shm` are emptied. A job that kills the zygote (or whose memory use
//! makes the kernel take it) stops the container, as it would its own; the
//! next job gets a new one.
//!
//! What one job may leave for the next is what the author's own code puts
//! beyond those (say, a System V shared memory segment): fine for an
//! author's solutions, never for learners' submissions, which keep one
//! container each ([`DockerSandbox`], [`crate::WarmPool`]): it is not
//! [`crate::Isolated`], which the service requires of its runner.
//!
//! Where the engine runs on this machine, jobs skip `docker exec` too:
//! the container gets a folder of the grader's, read-only, where the
//! grader listens; the zygote connects there and waits, and each job's
//! stdin, stdout and stderr are pipes of the grader's, handed to the
//! zygote over that connection. The zygote then does what the exec's
//! shell does around an exec'd job (the working directory, the cleanup,
//! the OOM count) and answers with the job's status. An exec
//! costs runc, a shell and a client interpreter: about 65 ms of CPU a job,
//! measured, against under 1 ms. Where the socket cannot be reached (an
//! engine elsewhere), jobs are exec'd.
//!
//! Limits hold per job as in a container of its own — the wall clock and
//! the output caps are the watcher's, memory and processes the container's
//! (jobs never overlap) — and an OOM kill is read from the container's
//! memory cgroup before and after the job. The zygote counts in them: one
//! process more, and its imports' memory (what its forks share with it,
//! and the pages they copy). Measured, a shared container's peak is 11 to
//! 34 MiB above a container of its own for the same exercise
//! (crates/grader/benches/README.md), so an exercise whose reference needs
//! nearly all of its memory limit fails its check before a learner's
//! grading would.

use std::collections::HashMap;
use std::io::IoSlice;
use std::mem::MaybeUninit;
use std::ops::Range;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::time::Duration;

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::errors::Error as DockerError;
use bollard::exec::{CreateExecOptions, StartExecOptions, StartExecResults};
use bollard::query_parameters::CreateContainerOptions;
use tokio::io::AsyncReadExt;
use tokio::net::unix::pipe;
use tokio::sync::Mutex;

use futures_util::StreamExt;

use crate::docker::{InputSink, OutputStream, Talk, pump};
use crate::guard::ContainerGuard;
use crate::spec::{self, JOB_USER, WORKDIR};
use crate::{Archive, DockerSandbox, Ending, Job, Limits, Outcome, Runner, SandboxError, Session};

/// The grader's socket in that folder.
const GRADER_SOCKET: &str = "grader.sock";

/// How long the first job waits for a new container's zygote to come to
/// the grader's socket before it is exec'd instead.
const DIRECT_WAIT: Duration = Duration::from_secs(5);

/// How long a later job waits for it: the zygote comes back as soon as it
/// takes a job, so it is there before that job has ended.
const DIRECT_AGAIN: Duration = Duration::from_secs(2);

/// How long a job that ended waits for the zygote's answer, which comes
/// once the cleanup is done.
const ANSWER_WAIT: Duration = Duration::from_secs(10);

/// Runs a job in the container, then clears up after it. `$1` is the job's
/// working directory, `$2` the marker of the line that reports on stderr
/// the cgroup's OOM kills before and after the job, and whether the zygote
/// is still there.
const RUN: &str = r#"
oom() {
    for f in /sys/fs/cgroup/memory.events /sys/fs/cgroup/memory/memory.oom_control; do
        if [ -r "$f" ]; then
            while read -r key value; do
                if [ "$key" = oom_kill ]; then echo "$value"; return; fi
            done < "$f"
        fi
    done
    echo 0
}
before=$(oom)
mkdir -p "$1"
/usr/bin/python3 -I -S /opt/grader/grader_zygote.py --job
code=$?
CLEAR
printf '\n%s %s %s %s\n' "$2" "$before" "$(oom)" "$zygote" >&2
exit "$code"
"#;

/// Kills every process but the container's init and the zygote (named
/// `grader-zygote`, a child of init: its forks rename themselves at once),
/// and empties the working directories and `/tmp`; `$zygote` is 1 if the
/// zygote is there.
const CLEAR: &str = r#"
zygote=0
for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    if [ "$pid" = 1 ] || [ "$pid" = $$ ]; then continue; fi
    stat=
    read -r stat 2>/dev/null < "$dir/stat"
    case "$stat" in "$pid (grader-zygote) "?" 1 "*) zygote=1; continue ;; esac
    kill -9 "$pid" 2>/dev/null
done
scratch='/work/* /work/.[!.]* /tmp/* /tmp/.[!.]* /dev/shm/*'
# A folder the job took its own rights from is given them back first.
rm -rf $scratch 2>/dev/null || { chmod -R u+rwx $scratch; rm -rf $scratch; } 2>/dev/null
true
"#;

/// A [`Runner`] that runs every job of the same image, container limits
/// and environment in one container, one job at a time (see the module's
/// documentation). Made for the author's code only (`grader check`);
/// [`SharedRunner::close`] removes the container.
#[derive(Debug, Clone)]
pub struct SharedRunner {
    sandbox: DockerSandbox,
    container: Arc<Mutex<Option<SharedContainer>>>,
    execs_only: bool,
    /// Set when a container's zygote never came to the grader's socket
    /// (an engine that cannot bind it, say in a VM): the runner's later
    /// containers are exec'd at once, without waiting for it again.
    socket_failed: Arc<AtomicBool>,
}

impl SharedRunner {
    pub fn new(sandbox: DockerSandbox) -> Self {
        SharedRunner {
            sandbox,
            container: Arc::new(Mutex::new(None)),
            execs_only: false,
            socket_failed: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The same, every job a `docker exec`, as with an engine elsewhere
    /// (to test that way, and to measure it against the socket).
    pub fn execs_only(self) -> Self {
        SharedRunner {
            execs_only: true,
            ..self
        }
    }

    /// Removes the container, once its last job has ended.
    pub async fn close(&self) {
        if let Some(container) = self.container.lock().await.take() {
            container.guard.remove().await;
        }
    }

    /// The container for `job`, made if there is none or it was made for
    /// another kind of job; the lock is held until the job ends.
    async fn container_for(
        &self,
        job: &Job,
    ) -> Result<tokio::sync::OwnedMutexGuard<Option<SharedContainer>>, SandboxError> {
        let mut slot = Arc::clone(&self.container).lock_owned().await;
        let stale = slot.as_ref().is_some_and(|container| {
            !container.serves(job) || container.stopped.load(Ordering::Relaxed)
        });
        if let Some(current) = slot.as_ref()
            && current.direct.as_ref().is_some_and(Direct::never_came)
        {
            self.socket_failed.store(true, Ordering::Relaxed);
        }
        if stale && let Some(old) = slot.take() {
            old.guard.remove().await;
        }
        if slot.is_none() {
            let direct = !self.execs_only && !self.socket_failed.load(Ordering::Relaxed);
            *slot = Some(self.sandbox.shared(job, direct, None).await?);
        }
        Ok(slot)
    }
}

impl Runner for SharedRunner {
    async fn run(&self, job: &Job, input: Archive) -> Result<Outcome, SandboxError> {
        if job.own_container {
            return self.sandbox.run(job, input).await;
        }
        let slot = self.container_for(job).await?;
        let container = slot.as_ref().expect("made above");
        container.exec(job, input.to_tar(), None).await
    }

    async fn session(&self, job: &Job, input: Archive) -> Result<Session, SandboxError> {
        if job.own_container {
            return self.sandbox.session(job, input).await;
        }
        let slot = self.container_for(job).await?;
        let (input_tx, input_rx) = tokio::sync::mpsc::unbounded_channel();
        let (output_tx, output_rx) = tokio::sync::mpsc::unbounded_channel();
        let tar = input.to_tar();
        let job = job.clone();
        let done = tokio::spawn(async move {
            let talk = Talk {
                input: input_rx,
                output: output_tx,
            };
            // The lock goes with the task: the next job waits for this one.
            let container = slot.as_ref().expect("made above");
            container.exec(&job, tar, Some(talk)).await
        });
        Ok(Session {
            input: input_tx,
            output: output_rx,
            done,
        })
    }
}

/// A started container whose main process is the zygote.
#[derive(Debug)]
pub(crate) struct SharedContainer {
    docker: Docker,
    pub(crate) guard: ContainerGuard,
    image: String,
    limits: Limits,
    env: Vec<(String, String)>,
    runs: AtomicU64,
    /// Seen stopped after a job: the next job needs another container.
    stopped: AtomicBool,
    /// The grader's own way to the zygote, if the engine is on this machine.
    direct: Option<Direct>,
    /// A learners' container's uids, one a job, in order.
    users: Option<Range<u32>>,
}

/// A folder of the grader's, bound read-only into a shared container,
/// where the grader listens and the zygote connects for its next job
/// (`grader_zygote.py`).
#[derive(Debug)]
struct Direct {
    /// Removed with the container's [`SharedContainer`].
    folder: tempfile::TempDir,
    listener: tokio::net::UnixListener,
    /// The zygote's process id (in the grader's namespace), 0 until it
    /// first came: the first to connect, before any job ran. Until then a
    /// job waits for it up to [`DIRECT_WAIT`]; after, a connection from
    /// any other process (an author's job that found the socket) is
    /// dropped.
    zygote: AtomicI32,
    /// Cleared when it did not come: jobs are exec'd from then on.
    usable: AtomicBool,
    /// The zygote's connection for the next job, taken off the socket's
    /// backlog by [`Direct::drain`].
    pending: std::sync::Mutex<Option<UnixStream>>,
}

impl Direct {
    /// A folder for a new container, if the engine runs on this machine
    /// (`DOCKER_HOST` unset or a unix socket): one the grader alone can
    /// enter, holding the one the container gets, with the grader's socket
    /// in it, which the container's user may connect to and nothing more.
    fn new() -> Option<Direct> {
        if !engine_is_local() {
            return None;
        }
        let made = || -> std::io::Result<Direct> {
            use std::os::unix::fs::PermissionsExt;
            let folder = tempfile::Builder::new()
                .prefix(&format!("{SOCKET_FOLDER_PREFIX}{}-", std::process::id()))
                .tempdir()?;
            let shared = folder.path().join("shared");
            std::fs::create_dir(&shared)?;
            std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755))?;
            let socket = shared.join(GRADER_SOCKET);
            let listener = tokio::net::UnixListener::bind(&socket)?;
            std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o666))?;
            Ok(Direct {
                folder,
                listener,
                zygote: AtomicI32::new(0),
                usable: AtomicBool::new(true),
                pending: std::sync::Mutex::new(None),
            })
        };
        made()
            .inspect_err(|error| {
                tracing::warn!(%error, "no socket for a shared container's zygote; jobs are exec'd");
            })
            .ok()
    }

    /// Whether the zygote never came, and jobs are exec'd.
    fn never_came(&self) -> bool {
        !self.usable.load(Ordering::Relaxed) && self.zygote.load(Ordering::Relaxed) == 0
    }

    /// The folder the container gets.
    fn shared(&self) -> PathBuf {
        self.folder.path().join("shared")
    }

    /// The zygote's connection for the next job; None (and no more tries)
    /// if it did not come within [`DIRECT_WAIT`] of the first job, or
    /// within [`DIRECT_AGAIN`] of a later one (it comes back as soon as
    /// it takes a job).
    async fn connect(&self) -> Option<UnixStream> {
        if !self.usable.load(Ordering::Relaxed) {
            return None;
        }
        if let Some(stream) = self.take_pending() {
            return Some(stream);
        }
        let zygote = self.zygote.load(Ordering::Relaxed);
        let patience = if zygote == 0 {
            DIRECT_WAIT
        } else {
            DIRECT_AGAIN
        };
        let deadline = tokio::time::Instant::now() + patience;
        let stream = loop {
            let Ok(accepted) = tokio::time::timeout_at(deadline, self.listener.accept()).await
            else {
                break Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no zygote came within {patience:?}"),
                ));
            };
            let stream = match accepted {
                Ok((stream, _)) => stream,
                Err(error) => break Err(error),
            };
            match stream.peer_cred().ok().and_then(|cred| cred.pid()) {
                Some(pid) if zygote == 0 || pid == zygote => {
                    self.zygote.store(pid, Ordering::Relaxed);
                    break stream.into_std().and_then(|stream| {
                        stream.set_nonblocking(false)?;
                        Ok(stream)
                    });
                }
                pid => {
                    tracing::warn!(
                        ?pid,
                        zygote,
                        "dropped a connection to the grader's socket from another process than the zygote"
                    );
                }
            }
        };
        match stream {
            Ok(stream) => Some(stream),
            Err(error) => {
                tracing::warn!(%error, "a shared container's zygote did not come to the grader's socket; jobs are exec'd");
                self.usable.store(false, Ordering::Relaxed);
                None
            }
        }
    }
}

impl Direct {
    fn take_pending(&self) -> Option<UnixStream> {
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }

    /// Takes every connection waiting on the grader's socket once a job
    /// has ended: the zygote's (it comes back as soon as it takes a job,
    /// before the job starts) is kept for the next job; any other
    /// process's is dropped. Whether there was any other: then a job
    /// reached the grader's socket.
    fn drain(&self) -> bool {
        let zygote = self.zygote.load(Ordering::Relaxed);
        let mut intruded = false;
        // Straight from the socket (non-blocking, as the runtime set it):
        // what is waiting, whether or not the runtime has heard of it yet.
        while let Ok(fd) =
            rustix::net::accept_with(&self.listener, rustix::net::SocketFlags::CLOEXEC)
        {
            let pid = rustix::net::sockopt::socket_peercred(&fd)
                .ok()
                .map(|cred| cred.pid.as_raw_pid());
            if pid == Some(zygote) && zygote != 0 {
                *self
                    .pending
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(UnixStream::from(fd));
            } else {
                tracing::warn!(?pid, zygote, "a job connected to the grader's socket");
                intruded = true;
            }
        }
        intruded
    }
}

impl DockerSandbox {
    /// Creates and starts a container to run several jobs like `job`,
    /// reached without an exec if `direct` and the engine is local.
    /// With `users`, a learners' container ([`crate::ForkPool`]): it
    /// must be reached directly, and runs each job as a uid of that range.
    pub(crate) async fn shared(
        &self,
        job: &Job,
        direct: bool,
        users: Option<Range<u32>>,
    ) -> Result<SharedContainer, SandboxError> {
        let direct = if direct { Direct::new() } else { None };
        if users.is_some() && direct.is_none() {
            return Err(SandboxError::Other {
                message: "a learners' container needs the engine on this machine (DOCKER_HOST \
                          a unix socket): use --isolation container"
                    .to_owned(),
            });
        }
        let socket = direct.as_ref().map(Direct::shared);
        let start = spec::Start::Zygote {
            socket: socket.as_deref(),
            users: users.clone(),
        };
        let body = spec::hardened_container(job, self.owner(), start);
        let docker = self.docker().clone();
        let created = docker
            .create_container(None::<CreateContainerOptions>, body)
            .await
            .map_err(|source| crate::docker::create_error(job, source))?;
        let guard = ContainerGuard::new(docker.clone(), created.id);
        docker
            .start_container(guard.id(), None)
            .await
            .map_err(|source| SandboxError::Container {
                action: "start",
                container: guard.id().to_owned(),
                source,
            })?;
        Ok(SharedContainer {
            docker,
            guard,
            image: job.image.clone(),
            limits: job.limits.clone(),
            env: job.env.clone(),
            runs: AtomicU64::new(0),
            stopped: AtomicBool::new(false),
            direct,
            users,
        })
    }
}

impl SharedContainer {
    /// Whether `job` may run here: the same image, environment and the
    /// limits the container enforces (the wall clock and the output caps
    /// are each job's own, kept by the watcher).
    pub(crate) fn serves(&self, job: &Job) -> bool {
        let enforced = |limits: &Limits| Limits {
            wall_time: Duration::ZERO,
            output: 0,
            ..limits.clone()
        };
        self.image == job.image
            && self.env == job.env
            && enforced(&self.limits) == enforced(&job.limits)
    }

    async fn exec(
        &self,
        job: &Job,
        tar: Vec<u8>,
        talk: Option<Talk>,
    ) -> Result<Outcome, SandboxError> {
        let run = self.runs.fetch_add(1, Ordering::Relaxed) + 1;
        let workdir = format!("{WORKDIR}/run-{run}");
        let marker = format!("@@grader-shared-{}", crate::spec::nonce());
        let mut env = spec::job_env(job);
        env.retain(|entry| !entry.starts_with("HOME="));
        env.push(format!("HOME={workdir}"));
        env.push(format!("GRADER_WORKDIR={workdir}"));
        if let Some(direct) = &self.direct
            && let Some(connection) = direct.connect().await
        {
            let request = handover(&env, &workdir, None);
            return self.exec_direct(connection, job, request, tar, talk).await;
        }
        let script = RUN.replace("CLEAR", CLEAR);
        let (exec, output, input) = self
            .start(CreateExecOptions {
                attach_stdin: Some(true),
                env: Some(env),
                cmd: Some(vec![
                    "/bin/sh".to_owned(),
                    "-c".to_owned(),
                    script,
                    "run".to_owned(),
                    workdir,
                    marker.clone(),
                ]),
                working_dir: Some(WORKDIR.to_owned()),
                ..Default::default()
            })
            .await?;
        let mut watched = pump(output, input, tar, &job.limits, talk, None).await?;
        let ending = match watched.killed {
            Some(ending) => {
                self.clear().await;
                ending
            }
            None => {
                let code = self
                    .docker
                    .inspect_exec(&exec)
                    .await
                    .map_err(self.failed("inspect an exec in"))?
                    .exit_code
                    .unwrap_or_default();
                let report = take_report(&mut watched.stderr.bytes, &marker);
                // Without a report, the job's shell was killed with the
                // container: the job killed the zygote, its main process.
                let zygote_alive = report.is_some_and(|report| report.zygote_alive);
                self.stopped.fetch_or(!zygote_alive, Ordering::Relaxed);
                if report.is_some_and(|report| report.oom_killed) {
                    Ending::OutOfMemory
                } else {
                    Ending::Exited { code }
                }
            }
        };
        Ok(watched.into_outcome(ending))
    }

    /// The zygote's connection for a learner's job; None if the zygote
    /// cannot be reached (the container is to be retired, and the job run
    /// elsewhere: it has not started).
    pub(crate) async fn learner_connection(&self) -> Option<UnixStream> {
        let connection = self.direct.as_ref()?.connect().await;
        if connection.is_none() {
            self.stopped.store(true, Ordering::Relaxed);
        }
        connection
    }

    /// Runs a learner's job on `connection` (from
    /// [`SharedContainer::learner_connection`]) as the next uid of the
    /// container's range, in `/work`, as in a container of its own.
    pub(crate) async fn run_learner(
        &self,
        connection: UnixStream,
        job: &Job,
        tar: Vec<u8>,
        talk: Option<Talk>,
    ) -> Result<Outcome, SandboxError> {
        let users = self.users.clone().expect("a learners' container");
        let run = self.runs.fetch_add(1, Ordering::Relaxed);
        let uid = u32::try_from(run)
            .ok()
            .and_then(|run| users.start.checked_add(run))
            .filter(|uid| users.contains(uid));
        let Some(uid) = uid else {
            self.stopped.store(true, Ordering::Relaxed);
            return Err(SandboxError::Other {
                message: format!("container {} has no uid left for a job", self.guard.id()),
            });
        };
        let request = handover(&spec::job_env(job), WORKDIR, Some(uid));
        let outcome = self.exec_direct(connection, job, request, tar, talk).await;
        let direct = self
            .direct
            .as_ref()
            .expect("a learners' container is reached directly");
        if direct.drain() {
            self.stopped.store(true, Ordering::Relaxed);
        }
        outcome
    }

    /// Whether the container may take another learner's job: it is still
    /// up, nothing called for its retirement, and it has a uid left.
    pub(crate) fn reusable(&self) -> bool {
        let left = self
            .users
            .as_ref()
            .is_some_and(|users| self.runs.load(Ordering::Relaxed) < users.len() as u64);
        left && !self.stopped.load(Ordering::Relaxed)
    }

    /// Runs the job through the zygote's socket in the grader's folder:
    /// its streams are pipes of the grader's, and the zygote's answer
    /// after its cleanup is the job's status and OOM count.
    async fn exec_direct(
        &self,
        connection: UnixStream,
        job: &Job,
        request: serde_json::Value,
        tar: Vec<u8>,
        talk: Option<Talk>,
    ) -> Result<Outcome, SandboxError> {
        let failed = |action: &'static str| {
            let container = self.guard.id().to_owned();
            move |error: std::io::Error| SandboxError::Other {
                message: format!("could not {action} container {container}'s zygote: {error}"),
            }
        };
        let (stdin_read, stdin_write) = pipe_pair().map_err(failed("make pipes for"))?;
        let (stdout_read, stdout_write) = pipe_pair().map_err(failed("make pipes for"))?;
        let (stderr_read, stderr_write) = pipe_pair().map_err(failed("make pipes for"))?;
        send_with_fds(
            &connection,
            request.to_string().as_bytes(),
            [&stdin_read, &stdout_write, &stderr_write],
        )
        .map_err(failed("hand a job to"))?;
        connection
            .shutdown(std::net::Shutdown::Write)
            .map_err(failed("hand a job to"))?;
        // The job's ends are the job's now: the output ends when it does.
        drop((stdin_read, stdout_write, stderr_write));
        let input = pipe::Sender::from_owned_fd(stdin_write).map_err(failed("write to"))?;
        let output = merged_output(
            pipe::Receiver::from_owned_fd(stdout_read).map_err(failed("read from"))?,
            pipe::Receiver::from_owned_fd(stderr_read).map_err(failed("read from"))?,
        );
        let watched = pump(output, Box::pin(input), tar, &job.limits, talk, None).await?;
        let ending = match watched.killed {
            // A learner's job stopped by the watcher may leave processes
            // of its own user, which only removing the container stops.
            Some(ending) if self.users.is_some() => {
                self.stopped.store(true, Ordering::Relaxed);
                ending
            }
            Some(ending) => {
                self.clear().await;
                ending
            }
            None => match answer(connection).await {
                Err(Refused) => {
                    self.stopped.store(true, Ordering::Relaxed);
                    return Err(SandboxError::Other {
                        message: format!(
                            "container {}'s zygote refused a job's uid",
                            self.guard.id()
                        ),
                    });
                }
                Ok(Some(answer)) => {
                    if let Some(reasons) = &answer.retire {
                        tracing::debug!(container = %self.guard.id(), %reasons, "a container to retire");
                        self.stopped
                            .fetch_or(self.users.is_some(), Ordering::Relaxed);
                    }
                    if answer.oom_kills_after > answer.oom_kills_before {
                        self.stopped
                            .fetch_or(self.users.is_some(), Ordering::Relaxed);
                        Ending::OutOfMemory
                    } else {
                        Ending::Exited { code: answer.code }
                    }
                }
                Ok(None) => {
                    // The job took the zygote, the container's main
                    // process, with it: the container stopped, as its own
                    // would have.
                    self.stopped.store(true, Ordering::Relaxed);
                    Ending::Exited { code: 137 }
                }
            },
        };
        Ok(watched.into_outcome(ending))
    }

    /// Kills what a stopped job left running and empties its files. If
    /// the zygote is gone, or the clear fails (the container stopped, or
    /// the engine is in trouble), the next job gets another container.
    async fn clear(&self) {
        let zygote_alive = self.exec_clear().await.unwrap_or(false);
        self.stopped.fetch_or(!zygote_alive, Ordering::Relaxed);
    }

    /// [`SharedContainer::clear`]'s exec: whether the zygote is still there.
    async fn exec_clear(&self) -> Result<bool, SandboxError> {
        let (_, mut output, _) = self
            .start(CreateExecOptions {
                cmd: Some(vec![
                    "/bin/sh".to_owned(),
                    "-c".to_owned(),
                    format!("{CLEAR}\necho \"zygote $zygote\""),
                ]),
                ..Default::default()
            })
            .await?;
        let mut said = Vec::new();
        while let Some(Ok(chunk)) = output.next().await {
            if let LogOutput::StdOut { message } = chunk {
                said.extend_from_slice(&message);
            }
        }
        Ok(said.trim_ascii() == b"zygote 1")
    }

    /// Starts `options` as the job's user, its output attached: the exec's
    /// id, its output and its stdin.
    async fn start(
        &self,
        options: CreateExecOptions<String>,
    ) -> Result<(String, OutputStream, InputSink), SandboxError> {
        let options = CreateExecOptions {
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            user: Some(JOB_USER.to_owned()),
            ..options
        };
        let exec = self
            .docker
            .create_exec(self.guard.id(), options)
            .await
            .map_err(self.failed("create an exec in"))?;
        match self
            .docker
            .start_exec(&exec.id, None::<StartExecOptions>)
            .await
            .map_err(self.failed("start an exec in"))?
        {
            StartExecResults::Attached { output, input } => Ok((exec.id, output, input)),
            StartExecResults::Detached => Err(SandboxError::Other {
                message: format!("an exec in container {} started detached", self.guard.id()),
            }),
        }
    }

    /// The error of `action` on this container.
    fn failed(&self, action: &'static str) -> impl FnOnce(DockerError) -> SandboxError {
        let container = self.guard.id().to_owned();
        move |source| SandboxError::Container {
            action,
            container,
            source,
        }
    }
}

/// The start of a zygote's socket folder's name in the temporary folder,
/// followed by the grader process's id and a dash.
const SOCKET_FOLDER_PREFIX: &str = "grader-zygote-";

/// Removes the zygotes' socket folders that grader processes which are
/// gone (a kill -9) left in the temporary folder; their containers go with
/// the sweep.
pub(crate) fn sweep_socket_folders() {
    let temp = std::env::temp_dir();
    let Ok(entries) = std::fs::read_dir(&temp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|name| name.strip_prefix(SOCKET_FOLDER_PREFIX))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !std::path::Path::new("/proc").join(pid.to_string()).exists() {
            // Another sweeper may be at it too: either way it goes.
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Whether the engine runs on this machine (`DOCKER_HOST` unset or a unix
/// socket): only then can a container reach a socket of the grader's.
pub fn engine_is_local() -> bool {
    std::env::var("DOCKER_HOST").map_or(true, |host| host.is_empty() || host.starts_with("unix://"))
}

/// A pipe: its read end, its write end, both closed on exec.
fn pipe_pair() -> std::io::Result<(OwnedFd, OwnedFd)> {
    Ok(rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?)
}

/// Sends `data` over `connection` with `fds` beside it (SCM_RIGHTS).
fn send_with_fds(connection: &UnixStream, data: &[u8], fds: [&OwnedFd; 3]) -> std::io::Result<()> {
    let fds = fds.map(|fd| fd.as_fd());
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(3))];
    let mut ancillary = rustix::net::SendAncillaryBuffer::new(&mut space);
    ancillary.push(rustix::net::SendAncillaryMessage::ScmRights(&fds));
    let sent = rustix::net::sendmsg(
        connection,
        &[IoSlice::new(data)],
        &mut ancillary,
        rustix::net::SendFlags::NOSIGNAL,
    )?;
    // The rest, if any, without the descriptors.
    std::io::Write::write_all(&mut &*connection, &data[sent..])
}

/// The job's stdout and stderr pipes as the engine's attached output is.
fn merged_output(stdout: pipe::Receiver, stderr: pipe::Receiver) -> OutputStream {
    fn chunks(
        pipe: pipe::Receiver,
        frame: fn(bytes::Bytes) -> LogOutput,
    ) -> impl futures_util::Stream<Item = Result<LogOutput, DockerError>> {
        futures_util::stream::unfold(Some(pipe), move |pipe| async move {
            let mut pipe = pipe?;
            let mut buffer = vec![0; 64 * 1024];
            match pipe.read(&mut buffer).await {
                Ok(0) => None,
                Ok(read) => {
                    buffer.truncate(read);
                    Some((Ok(frame(buffer.into())), Some(pipe)))
                }
                Err(err) => Some((Err(DockerError::IOError { err }), None)),
            }
        })
    }
    Box::pin(futures_util::stream::select(
        chunks(stdout, |message| LogOutput::StdOut { message }),
        chunks(stderr, |message| LogOutput::StdErr { message }),
    ))
}

/// What the zygote answers after a job it was handed directly.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Answer {
    code: i64,
    oom_kills_before: u64,
    oom_kills_after: u64,
    /// What the container should be retired for (a limit the job hit,
    /// something it left), if anything: comma-separated.
    retire: Option<String>,
}

/// The zygote refused the job (a learners' zygote, a uid out of its range
/// or used before): the grader's own mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Refused;

/// Reads the zygote's answer on `connection`: None if none came (the
/// zygote is gone) within [`ANSWER_WAIT`].
async fn answer(connection: UnixStream) -> Result<Option<Answer>, Refused> {
    let read = async {
        connection.set_nonblocking(true).ok()?;
        let mut connection = tokio::net::UnixStream::from_std(connection)
            .ok()?
            .take(4096);
        let mut said = Vec::new();
        let read = connection.read_to_end(&mut said);
        tokio::time::timeout(ANSWER_WAIT, read).await.ok()?.ok()?;
        Some(said)
    };
    match read.await {
        Some(said) if said == b"refused\n" => Err(Refused),
        Some(said) => Ok(parse_answer(&said)),
        None => Ok(None),
    }
}

/// `<status> <OOM kills before> <OOM kills after> <retire or ->\n`.
fn parse_answer(said: &[u8]) -> Option<Answer> {
    let said = std::str::from_utf8(said).ok()?;
    let mut fields = said.split_whitespace();
    let answer = Answer {
        code: fields.next()?.parse().ok()?,
        oom_kills_before: fields.next()?.parse().ok()?,
        oom_kills_after: fields.next()?.parse().ok()?,
        retire: match fields.next()? {
            "-" => None,
            reasons => Some(reasons.to_owned()),
        },
    };
    fields.next().is_none().then_some(answer)
}

/// The request that hands a job to the zygote directly: its environment,
/// working directory and, in a learners' container, its uid.
fn handover(env: &[String], workdir: &str, uid: Option<u32>) -> serde_json::Value {
    let env: HashMap<&str, &str> = env
        .iter()
        .filter_map(|entry| entry.split_once('='))
        .collect();
    let mut request = serde_json::json!({"env": env, "cwd": workdir, "direct": true});
    if let Some(uid) = uid {
        request["uid"] = uid.into();
    }
    request
}

/// What the job's shell reported after the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Report {
    /// The cgroup's OOM killer struck during the job.
    oom_killed: bool,
    /// The zygote was still there after it.
    zygote_alive: bool,
}

/// The report line `marker` wrote at the end of `stderr`, taken out; None
/// if there is none.
fn take_report(stderr: &mut Vec<u8>, marker: &str) -> Option<Report> {
    let needle = format!("\n{marker} ");
    let at = stderr
        .windows(needle.len())
        .rposition(|window| window == needle.as_bytes())?;
    let line = String::from_utf8_lossy(&stderr[at + needle.len()..]).into_owned();
    stderr.truncate(at);
    let fields: Vec<u64> = line
        .split_whitespace()
        .map_while(|field| field.parse().ok())
        .collect();
    match fields[..] {
        [before, after, zygote] => Some(Report {
            oom_killed: after > before,
            zygote_alive: zygote == 1,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zygotes_answer_is_read_whole_or_not_at_all() {
        assert_eq!(
            parse_answer(b"3 0 1 -\n"),
            Some(Answer {
                code: 3,
                oom_kills_before: 0,
                oom_kills_after: 1,
                retire: None,
            })
        );
        assert_eq!(
            parse_answer(b"0 0 0 pids,files\n").and_then(|answer| answer.retire),
            Some("pids,files".to_owned())
        );
        assert_eq!(parse_answer(b""), None);
        assert_eq!(parse_answer(b"3\n"), None);
        assert_eq!(parse_answer(b"3 0 1\n"), None);
        assert_eq!(parse_answer(b"3 0 1 - 9\n"), None);
        assert_eq!(parse_answer(b"x 0 1 -\n"), None);
    }

    #[test]
    fn the_report_is_read_and_taken_out() {
        let mut stderr = b"some log\n\n@@m 0 1 1\n".to_vec();
        let report = take_report(&mut stderr, "@@m");
        assert_eq!(
            report,
            Some(Report {
                oom_killed: true,
                zygote_alive: true
            })
        );
        assert_eq!(stderr, b"some log\n");
        let mut stderr = b"\n@@m 2 2 0\n".to_vec();
        let report = take_report(&mut stderr, "@@m");
        assert_eq!(
            report,
            Some(Report {
                oom_killed: false,
                zygote_alive: false
            })
        );
        assert!(stderr.is_empty());
        let mut stderr = b"no report".to_vec();
        assert_eq!(take_report(&mut stderr, "@@m"), None);
        assert_eq!(stderr, b"no report");
    }
}
