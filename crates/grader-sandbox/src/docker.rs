//! The Docker engine: connect, run one job in a hardened container, sweep
//! leftovers.
//!
//! A job runs in two steps so that a container can be made ready before its
//! job exists: [`DockerSandbox::prepare`] creates, attaches to and starts the
//! container, whose entry script then blocks on stdin; [`Prepared::run`]
//! sends the files as a tar stream, closes stdin, and watches the job to its
//! end in one `select!` over output, exit and the wall-clock deadline.
//! [`Prepared::session`] does the same but keeps stdin open and hands
//! stdout to the caller: an api job is talked to while it runs.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::container::{AttachContainerResults, LogOutput};
use bollard::errors::Error as DockerError;
use bollard::query_parameters::{
    AttachContainerOptionsBuilder, CreateContainerOptions, KillContainerOptionsBuilder,
    ListContainersOptionsBuilder, WaitContainerOptions,
};
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::guard::{self, ContainerGuard};
use crate::job::Ending;
use crate::job::Session;
use crate::spec::{self, Owner};
use crate::{Archive, CONTAINER_LABEL, Captured, Job, Limits, Outcome, Runner, SandboxError};

/// Containers of another host, or whose owner cannot be checked, are swept
/// only once they are older than this.
const FOREIGN_LEFTOVER_AGE: Duration = Duration::from_secs(3600);

/// A connection to the Docker engine that runs jobs.
#[derive(Debug, Clone)]
pub struct DockerSandbox {
    docker: Docker,
    owner: Owner,
}

impl DockerSandbox {
    /// Connects to the local engine (`DOCKER_HOST` or the default socket)
    /// and negotiates the API version with it.
    pub async fn connect() -> Result<Self, SandboxError> {
        let docker = Docker::connect_with_local_defaults().map_err(SandboxError::Connect)?;
        let docker = docker
            .negotiate_version()
            .await
            .map_err(SandboxError::Connect)?;
        docker.ping().await.map_err(SandboxError::Connect)?;
        Ok(DockerSandbox {
            docker,
            owner: Owner::current(),
        })
    }

    pub(crate) fn docker(&self) -> &Docker {
        &self.docker
    }

    pub(crate) fn owner(&self) -> &Owner {
        &self.owner
    }

    /// Creates and starts a container for `job`; it waits on stdin for its
    /// files. Dropping the result removes the container.
    #[tracing::instrument(skip_all, fields(image = %job.image))]
    pub async fn prepare(&self, job: &Job) -> Result<Prepared, SandboxError> {
        let body = spec::hardened_container(job, &self.owner, spec::Start::Job);
        let created = self
            .docker
            .create_container(None::<CreateContainerOptions>, body)
            .await
            .map_err(|source| create_error(job, source))?;
        let guard = ContainerGuard::new(self.docker.clone(), created.id);
        let container_error = |action| {
            let container = guard.id().to_owned();
            move |source| SandboxError::Container {
                action,
                container,
                source,
            }
        };

        let options = AttachContainerOptionsBuilder::default()
            .stdin(true)
            .stdout(true)
            .stderr(true)
            .stream(true)
            .build();
        let attach = self
            .docker
            .attach_container(guard.id(), Some(options))
            .await
            .map_err(container_error("attach to"))?;
        self.docker
            .start_container(guard.id(), None)
            .await
            .map_err(container_error("start"))?;
        tracing::debug!(container = %guard.id(), "container ready");
        Ok(Prepared {
            docker: self.docker.clone(),
            guard,
            attach,
            limits: job.limits.clone(),
        })
    }

    /// The containers this process owns right now, as (id, image): every
    /// job that has ended has none left.
    pub async fn own_containers(&self) -> Result<Vec<(String, String)>, SandboxError> {
        let label = format!("{CONTAINER_LABEL}.pid={}", self.owner.pid);
        Ok(self
            .labelled(&label)
            .await?
            .into_iter()
            .map(|container| {
                (
                    container.id.unwrap_or_default(),
                    container.image.unwrap_or_default(),
                )
            })
            .collect())
    }

    /// Removes every container this process started, running or not (a
    /// stopping process that cancelled its jobs calls it last). Returns how
    /// many there were.
    pub async fn remove_own(&self) -> Result<usize, SandboxError> {
        let mut removed = std::collections::HashSet::new();
        // A container whose removal another task began (a cancelled
        // grading's guard) stays listed until the engine is done with it:
        // look again, for a few seconds, until none is left.
        for round in 0..20 {
            let own = self.own_containers().await?;
            if own.is_empty() {
                break;
            }
            if round > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
            for (id, _) in own {
                guard::remove(&self.docker, &id).await;
                removed.insert(id);
            }
        }
        if !removed.is_empty() {
            tracing::info!(removed = removed.len(), "removed this process's containers");
        }
        Ok(removed.len())
    }

    /// Every container, running or not, with the label `label` (`key` or
    /// `key=value`).
    async fn labelled(
        &self,
        label: &str,
    ) -> Result<Vec<bollard::models::ContainerSummary>, SandboxError> {
        let filters = HashMap::from([("label", vec![label])]);
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        self.docker
            .list_containers(Some(options))
            .await
            .map_err(|source| SandboxError::Engine {
                action: "list containers",
                source,
            })
    }

    /// Removes containers left behind by grader processes that are gone
    /// (a crash, a kill -9), and on this machine their zygotes' socket
    /// folders. Containers of live processes are left alone. Returns how
    /// many containers were removed.
    pub async fn sweep(&self) -> Result<usize, SandboxError> {
        let containers = self.labelled(CONTAINER_LABEL).await?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs() as i64;
        let mut removed = 0;
        for container in containers {
            let Some(id) = container.id else { continue };
            let labels = container.labels.unwrap_or_default();
            let pid = labels.get(&format!("{CONTAINER_LABEL}.pid"));
            let host = labels.get(&format!("{CONTAINER_LABEL}.host"));
            let age = now - container.created.unwrap_or(now);
            let owner_alive = match (pid, host) {
                (Some(pid), Some(host)) if *host == self.owner.host => {
                    std::path::Path::new("/proc").join(pid).exists()
                }
                _ => age < FOREIGN_LEFTOVER_AGE.as_secs() as i64,
            };
            if !owner_alive {
                guard::remove(&self.docker, &id).await;
                removed += 1;
            }
        }
        if removed > 0 {
            tracing::info!(removed, "swept leftover containers");
        }
        crate::shared::sweep_socket_folders();
        Ok(removed)
    }
}

impl crate::Isolated for DockerSandbox {}

impl Runner for DockerSandbox {
    async fn run(&self, job: &Job, input: Archive) -> Result<Outcome, SandboxError> {
        self.prepare(job).await?.run(input).await
    }

    async fn session(&self, job: &Job, input: Archive) -> Result<Session, SandboxError> {
        Ok(self.prepare(job).await?.session(input))
    }
}

/// A started container waiting on stdin for its job's files.
pub struct Prepared {
    docker: Docker,
    guard: ContainerGuard,
    attach: AttachContainerResults,
    limits: Limits,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("container", &self.guard.id())
            .finish_non_exhaustive()
    }
}

impl Prepared {
    pub fn container_id(&self) -> &str {
        self.guard.id()
    }

    /// Whether the container is still running: one that waited in a pool
    /// may have died since (the engine restarted, the kernel killed it).
    pub fn is_running(&self) -> impl Future<Output = bool> + Send + 'static {
        // Owned, not borrowed: a `Prepared` is not `Sync`.
        let docker = self.docker.clone();
        let id = self.guard.id().to_owned();
        async move {
            match docker.inspect_container(&id, None).await {
                Ok(container) => container
                    .state
                    .and_then(|state| state.running)
                    .unwrap_or(false),
                Err(_) => false,
            }
        }
    }

    /// Removes the container without running anything in it.
    pub async fn discard(self) {
        self.guard.remove().await;
    }

    /// Sends `input` and watches the job to its end; the container is
    /// removed before this returns.
    pub async fn run(self, input: Archive) -> Result<Outcome, SandboxError> {
        self.run_tar(input.to_tar()).await
    }

    /// Like [`Prepared::run`] with a tar stream made elsewhere. Only tests
    /// use this, to prove the entry script's own checks.
    #[tracing::instrument(skip_all, fields(container = %self.guard.id()))]
    pub async fn run_tar(self, tar: Vec<u8>) -> Result<Outcome, SandboxError> {
        let Prepared {
            docker,
            guard,
            attach,
            limits,
        } = self;
        let result = watch(&docker, guard.id(), attach, tar, &limits, None).await;
        guard.remove().await;
        result
    }

    /// Sends `input`, then keeps stdin open for what the caller sends on
    /// [`Session::input`]; stdout goes to [`Session::output`]. The job is
    /// watched as by [`Prepared::run`], in a task of its own.
    pub fn session(self, input: Archive) -> Session {
        let Prepared {
            docker,
            guard,
            attach,
            limits,
        } = self;
        let (input_tx, input_rx) = tokio::sync::mpsc::unbounded_channel();
        let (output_tx, output_rx) = tokio::sync::mpsc::unbounded_channel();
        let tar = input.to_tar();
        let done = tokio::spawn(async move {
            let talk = Talk {
                input: input_rx,
                output: output_tx,
            };
            let result = watch(&docker, guard.id(), attach, tar, &limits, Some(talk)).await;
            guard.remove().await;
            result
        });
        Session {
            input: input_tx,
            output: output_rx,
            done,
        }
    }
}

/// The two ends of a session, seen from the job's watcher.
pub(crate) struct Talk {
    pub(crate) input: tokio::sync::mpsc::UnboundedReceiver<bytes::Bytes>,
    pub(crate) output: tokio::sync::mpsc::UnboundedSender<bytes::Bytes>,
}

async fn watch(
    docker: &Docker,
    id: &str,
    attach: AttachContainerResults,
    tar: Vec<u8>,
    limits: &Limits,
    talk: Option<Talk>,
) -> Result<Outcome, SandboxError> {
    let AttachContainerResults { output, input } = attach;
    let container = id.to_owned();
    let wait = docker
        .wait_container(id, None::<WaitContainerOptions>)
        .map(move |status| exit_status(&container, Some(status)));
    let watched = pump(output, input, tar, limits, talk, Some(wait.boxed())).await?;
    let ending = match watched.killed {
        Some(ending) => {
            kill(docker, id).await;
            ending
        }
        None => {
            let code = watched.exit_code.unwrap_or_default();
            let state = docker
                .inspect_container(id, None)
                .await
                .map_err(|source| SandboxError::Container {
                    action: "inspect",
                    container: id.to_owned(),
                    source,
                })?
                .state
                .unwrap_or_default();
            if state.oom_killed == Some(true) {
                Ending::OutOfMemory
            } else {
                Ending::Exited { code }
            }
        }
    };
    Ok(watched.into_outcome(ending))
}

/// A job's output stream, as the engine attaches it.
pub(crate) type OutputStream =
    std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<LogOutput, DockerError>> + Send>>;
/// A job's stdin, as the engine attaches it.
pub(crate) type InputSink = std::pin::Pin<Box<dyn tokio::io::AsyncWrite + Send>>;
/// The job's exit code, once it is known.
pub(crate) type ExitStream = futures_util::stream::BoxStream<'static, Result<i64, SandboxError>>;

/// What watching a job saw, before its ending is decided.
pub(crate) struct Watched {
    /// Why the watcher stopped the job, if it did.
    pub(crate) killed: Option<Ending>,
    pub(crate) exit_code: Option<i64>,
    pub(crate) stdout: Captured,
    pub(crate) stderr: Captured,
    pub(crate) duration: Duration,
}

impl Watched {
    pub(crate) fn into_outcome(self, ending: Ending) -> Outcome {
        tracing::debug!(?ending, duration = ?self.duration, "job ended");
        Outcome {
            ending,
            stdout: self.stdout,
            stderr: self.stderr,
            duration: self.duration,
        }
    }
}

/// Writes `tar`, then in a session what the caller sends after it, to
/// the job's stdin, and closes it.
async fn feed(
    mut input: InputSink,
    tar: Vec<u8>,
    mut more_input: Option<tokio::sync::mpsc::UnboundedReceiver<bytes::Bytes>>,
) -> std::io::Result<()> {
    input.write_all(&tar).await?;
    input.flush().await?;
    if let Some(more) = &mut more_input {
        while let Some(bytes) = more.recv().await {
            input.write_all(&bytes).await?;
            input.flush().await?;
        }
    }
    input.shutdown().await
}

/// Keeps one frame of output under the cap (stdout forwarded to the
/// caller in a session, counted, not kept); false once over it.
fn keep(
    frame: LogOutput,
    stdout: &mut Captured,
    stderr: &mut Captured,
    forward: Option<&tokio::sync::mpsc::UnboundedSender<bytes::Bytes>>,
    cap: usize,
) -> bool {
    match frame {
        LogOutput::StdOut { message } => match forward {
            Some(forward) => {
                // A caller that stopped listening is not the job's problem.
                stdout.total += message.len() as u64;
                if stdout.total > cap as u64 {
                    return false;
                }
                let _ = forward.send(message);
                true
            }
            None => stdout.push(&message, cap),
        },
        LogOutput::StdErr { message } => stderr.push(&message, cap),
        _ => true,
    }
}

/// Sends `tar` (and, in a session, what the caller sends after it), keeps
/// the output under the caps, and stops at the wall-clock limit, an
/// output cap, or the end: the output closed and, when `wait` is given,
/// the exit code came.
pub(crate) async fn pump(
    mut output: OutputStream,
    input: InputSink,
    tar: Vec<u8>,
    limits: &Limits,
    talk: Option<Talk>,
    wait: Option<ExitStream>,
) -> Result<Watched, SandboxError> {
    let started = Instant::now();
    let (more_input, forward) = match talk {
        Some(Talk { input, output }) => (Some(input), Some(output)),
        None => (None, None),
    };
    let writer = tokio::spawn(feed(input, tar, more_input));

    let waits = wait.is_some();
    let mut wait = wait.unwrap_or_else(|| futures_util::stream::pending().boxed());
    let deadline = tokio::time::sleep(limits.wall_time);
    tokio::pin!(deadline);

    let cap = limits.output;
    let mut stdout = Captured::default();
    let mut stderr = Captured::default();
    let mut exit_code: Option<i64> = None;
    let mut output_done = false;
    let killed = loop {
        tokio::select! {
            frame = output.next(), if !output_done => match frame {
                Some(Ok(frame)) => {
                    if !keep(frame, &mut stdout, &mut stderr, forward.as_ref(), cap) {
                        break Some(Ending::OutputLimit);
                    }
                }
                Some(Err(error)) => {
                    tracing::warn!(%error, "output stream broke off");
                    output_done = true;
                }
                None => output_done = true,
            },
            status = wait.next(), if waits && exit_code.is_none() => match status {
                Some(status) => exit_code = Some(status?),
                None => {
                    return Err(SandboxError::Other {
                        message: "waiting for the job ended without an exit status".to_owned(),
                    });
                }
            },
            () = &mut deadline => break Some(Ending::TimedOut),
        }
        if output_done && (exit_code.is_some() || !waits) {
            break None;
        }
    };
    let duration = started.elapsed();
    writer.abort();
    // Hang up first: the engine does not finish a kill while it is blocked
    // writing output that nobody reads any more.
    drop(output);
    Ok(Watched {
        killed,
        exit_code,
        stdout,
        stderr,
        duration,
    })
}

/// Why a container for `job` could not be created.
pub(crate) fn create_error(job: &Job, source: DockerError) -> SandboxError {
    match source {
        DockerError::DockerResponseServerError {
            status_code: 404, ..
        } => SandboxError::ImageMissing {
            image: job.image.clone(),
        },
        source => SandboxError::Engine {
            action: "create a container",
            source,
        },
    }
}

/// The exit code from the wait stream. Bollard turns a non-zero exit into an
/// error; here it is what it is, a result.
fn exit_status(
    id: &str,
    status: Option<Result<bollard::models::ContainerWaitResponse, DockerError>>,
) -> Result<i64, SandboxError> {
    match status {
        Some(Ok(response)) => Ok(response.status_code),
        Some(Err(DockerError::DockerContainerWaitError { code, .. })) => Ok(code),
        Some(Err(source)) => Err(SandboxError::Container {
            action: "wait for",
            container: id.to_owned(),
            source,
        }),
        None => Err(SandboxError::Other {
            message: format!("waiting for container {id} ended without an exit status"),
        }),
    }
}

async fn kill(docker: &Docker, id: &str) {
    let options = KillContainerOptionsBuilder::default()
        .signal("KILL")
        .build();
    if let Err(error) = docker.kill_container(id, Some(options)).await {
        tracing::debug!(container = %id, %error, "kill failed (already stopped?)");
    }
}
