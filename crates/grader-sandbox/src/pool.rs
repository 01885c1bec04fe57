//! A warm pool: containers created, started and waiting on stdin before
//! their jobs exist, so a job skips the engine's create/attach/start and the
//! entry script's imports (pytest, for the python image).
//!
//! A warm container is made from the same [`Job`] (image, limits,
//! environment) a job would get: only a job equal to it takes it, so
//! nothing about a job's sandbox changes. Its wall-clock limit starts when
//! its files are sent, as for a cold one. After a job takes a container, a
//! fresh one is prepared in the background; containers idle longer than
//! the pool's age limit are removed rather than used. One container serves
//! one job, then is removed: nothing carries from one submission to the
//! next.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::docker::Prepared;
use crate::job::Session;
use crate::{Archive, DockerSandbox, Job, Outcome, Runner, SandboxError};

/// A [`Runner`] that keeps containers ready for the jobs it has seen.
#[derive(Debug, Clone)]
pub struct WarmPool {
    sandbox: DockerSandbox,
    idle: Arc<Mutex<HashMap<String, Vec<Warm>>>>,
    per_job: usize,
    max_age: Duration,
}

#[derive(Debug)]
struct Warm {
    prepared: Prepared,
    since: Instant,
}

impl WarmPool {
    /// Keeps up to `per_job` containers ready for each kind of job seen,
    /// each for at most `max_age`.
    pub fn new(sandbox: DockerSandbox, per_job: usize, max_age: Duration) -> WarmPool {
        WarmPool {
            sandbox,
            idle: Arc::default(),
            per_job,
            max_age,
        }
    }

    /// Removes every waiting container; call it before the process ends
    /// (a container left behind is swept at the next start).
    pub async fn drain(&self) {
        let waiting: Vec<Warm> = self.lock().drain().flat_map(|(_, warm)| warm).collect();
        for warm in waiting {
            warm.prepared.discard().await;
        }
    }

    /// How many containers wait, over all jobs.
    pub fn idle(&self) -> usize {
        self.lock().values().map(Vec::len).sum()
    }

    /// The ids of the containers waiting.
    pub fn idle_containers(&self) -> Vec<String> {
        self.lock()
            .values()
            .flatten()
            .map(|warm| warm.prepared.container_id().to_owned())
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<Warm>>> {
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A warm container for `job`, if one waits and is young enough.
    fn take(&self, job: &Job) -> Option<Prepared> {
        let key = key(job);
        let mut idle = self.lock();
        let waiting = idle.get_mut(&key)?;
        // Old ones are dropped, which removes their containers.
        waiting.retain(|warm| warm.since.elapsed() < self.max_age);
        waiting.pop().map(|warm| warm.prepared)
    }

    /// Prepares a container for `job` in the background, if there is room.
    fn refill(&self, job: &Job) {
        if self.per_job == 0 {
            return;
        }
        let pool = self.clone();
        let job = job.clone();
        tokio::spawn(async move {
            let key = key(&job);
            if pool.lock().get(&key).map_or(0, Vec::len) >= pool.per_job {
                return;
            }
            match pool.sandbox.prepare(&job).await {
                Ok(prepared) => {
                    let mut idle = pool.lock();
                    let waiting = idle.entry(key).or_default();
                    if waiting.len() < pool.per_job {
                        waiting.push(Warm {
                            prepared,
                            since: Instant::now(),
                        });
                    }
                }
                Err(error) => tracing::warn!(%error, "could not prepare a warm container"),
            }
        });
    }

    async fn ready(&self, job: &Job) -> Result<Prepared, SandboxError> {
        let taken = self.take(job);
        self.refill(job);
        match taken {
            Some(prepared) => Ok(prepared),
            None => self.sandbox.prepare(job).await,
        }
    }
}

/// Jobs that may share warm containers are equal in every field.
fn key(job: &Job) -> String {
    format!("{job:?}")
}

impl Runner for WarmPool {
    async fn run(&self, job: &Job, input: Archive) -> Result<Outcome, SandboxError> {
        self.ready(job).await?.run(input).await
    }

    async fn session(&self, job: &Job, input: Archive) -> Result<Session, SandboxError> {
        Ok(self.ready(job).await?.session(input))
    }
}
