//! A warm pool: containers created, started and waiting on stdin before
//! their jobs exist, so a job skips the engine's create/attach/start and
//! what the entry script does before it reads its job: pytest's import for
//! the python image, the web frameworks' for the api image, PostgreSQL's
//! start for the sql image (as the job's `GRADER_PRELOAD` says).
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
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::docker::Prepared;
use crate::job::Session;
use crate::{Archive, DockerSandbox, Job, Outcome, Runner, SandboxError};

/// A [`Runner`] that keeps containers ready for the jobs it has seen.
#[derive(Debug, Clone)]
pub struct WarmPool {
    sandbox: DockerSandbox,
    slots: Arc<Mutex<HashMap<String, Slot>>>,
    /// Set by [`WarmPool::close`]: nothing more is prepared.
    closed: Arc<AtomicBool>,
    per_job: usize,
    max_age: Duration,
}

/// The containers of one kind of job: waiting, and being prepared. Both
/// count toward the pool's limit, so two refills never race past it.
#[derive(Debug, Default)]
struct Slot {
    waiting: Vec<Warm>,
    preparing: usize,
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
            slots: Arc::default(),
            closed: Arc::default(),
            per_job,
            max_age,
        }
    }

    /// Removes every waiting container; call it before the process ends
    /// (a container left behind is swept at the next start).
    pub async fn drain(&self) {
        let waiting: Vec<Warm> = self
            .lock()
            .drain()
            .flat_map(|(_, slot)| slot.waiting)
            .collect();
        for warm in waiting {
            warm.prepared.discard().await;
        }
    }

    /// Stops preparing containers, waits for those being prepared (at most
    /// `wait`), and removes every waiting one: after it, the pool holds
    /// none and makes none. Jobs still run, on cold containers.
    pub async fn close(&self, wait: Duration) {
        self.closed.store(true, Ordering::SeqCst);
        let started = Instant::now();
        while self.lock().values().any(|slot| slot.preparing > 0) && started.elapsed() < wait {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.drain().await;
    }

    /// How many containers wait, over all jobs.
    pub fn idle(&self) -> usize {
        self.lock().values().map(|slot| slot.waiting.len()).sum()
    }

    /// The ids of the containers waiting.
    pub fn idle_containers(&self) -> Vec<String> {
        self.lock()
            .values()
            .flat_map(|slot| &slot.waiting)
            .map(|warm| warm.prepared.container_id().to_owned())
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        self.slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A warm container for `job`, if one waits and is young enough.
    fn take(&self, job: &Job) -> Option<Prepared> {
        let mut slots = self.lock();
        let slot = slots.get_mut(&key(job))?;
        // Old ones are dropped, which removes their containers.
        slot.waiting
            .retain(|warm| warm.since.elapsed() < self.max_age);
        slot.waiting.pop().map(|warm| warm.prepared)
    }

    /// Prepares a container for `job` in the background, unless the ones
    /// waiting and being prepared already fill its slot.
    fn refill(&self, job: &Job) {
        let key = key(job);
        if self.closed.load(Ordering::SeqCst) {
            return;
        }
        {
            let mut slots = self.lock();
            let slot = slots.entry(key.clone()).or_default();
            if slot.waiting.len() + slot.preparing >= self.per_job {
                return;
            }
            slot.preparing += 1;
        }
        let pool = self.clone();
        let job = job.clone();
        tokio::spawn(async move {
            let prepared = pool.sandbox.prepare(&job).await;
            let closed = pool.closed.load(Ordering::SeqCst);
            let unwanted = {
                let mut slots = pool.lock();
                let slot = slots.entry(key).or_default();
                slot.preparing = slot.preparing.saturating_sub(1);
                match prepared {
                    Ok(prepared) if closed => Some(prepared),
                    Ok(prepared) => {
                        slot.waiting.push(Warm {
                            prepared,
                            since: Instant::now(),
                        });
                        None
                    }
                    Err(error) => {
                        tracing::warn!(%error, "could not prepare a warm container");
                        None
                    }
                }
            };
            // Closed while it was prepared: removed at once.
            if let Some(prepared) = unwanted {
                prepared.discard().await;
            }
        });
    }

    async fn ready(&self, job: &Job) -> Result<Prepared, SandboxError> {
        let taken = self.take(job);
        self.refill(job);
        if let Some(prepared) = taken {
            // A container that died while it waited would be the learner's
            // failure; it is replaced by a cold one instead.
            if prepared.is_running().await {
                return Ok(prepared);
            }
            tracing::warn!(container = %prepared.container_id(), "a warm container had died");
            prepared.discard().await;
        }
        self.sandbox.prepare(job).await
    }
}

/// Jobs that may share warm containers are equal in every field.
fn key(job: &Job) -> String {
    format!("{job:?}")
}

impl crate::Isolated for WarmPool {}

impl Runner for WarmPool {
    async fn run(&self, job: &Job, input: Archive) -> Result<Outcome, SandboxError> {
        self.ready(job).await?.run(input).await
    }

    async fn session(&self, job: &Job, input: Archive) -> Result<Session, SandboxError> {
        Ok(self.ready(job).await?.session(input))
    }
}
