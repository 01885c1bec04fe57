//! Learners' jobs forked in long-lived containers, one job at a time, each
//! as a user of its own.
//!
//! A container of its own costs a job about as much CPU as the grading
//! (create, start, remove, the overlay mount), and a fresh interpreter's
//! imports about as much again. A [`ForkPool`] keeps hardened containers
//! whose main process is the image's zygote (`grader_zygote.py`, the same
//! one `grader check` uses), which imported what the job's kind needs once
//! and forks each job from there. What makes it fit for learners, where
//! [`crate::SharedRunner`] is for an author's code only:
//!
//! - Every job runs as a uid of its own, from the range the container was
//!   given (`spec::POOL_FIRST_UID`, [`JOBS_PER_CONTAINER`] a container);
//!   a uid is never given twice in a container, and a range goes back to
//!   the pool only once its container is removed. The zygote stays root,
//!   with no capability but SETUID and SETGID, which no job ever holds,
//!   and takes jobs only from the grader's socket.
//! - After a job, a fork that becomes the job's user kills every process
//!   of it, removes its System V IPC objects and empties the scratch
//!   folders (`/work`, `/tmp`, `/dev/shm`, `/dev/mqueue`); the zygote then
//!   checks that nothing is left (`grader_leftovers.py`).
//! - A container is retired (removed, and replaced in the background)
//!   after a job that hit a limit (memory, processes, a full scratch
//!   folder, the wall clock, the output cap), left anything behind,
//!   reached the grader's socket or took the zygote down, and after
//!   [`JOBS_PER_CONTAINER`] jobs.
//!
//! Limits hold per job as in a container of its own: the container's are
//! the job's (jobs never overlap in it), the wall clock and the output
//! caps the watcher's. The threat model, what one job could leave for the
//! next and what closes each, is in ARCHITECTURE.md. A job that cannot be
//! forked (no uid range free, the zygote not reachable) runs in a
//! container of its own instead.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use crate::docker::Talk;
use crate::shared::SharedContainer;
use crate::spec::{POOL_FIRST_UID, POOL_UIDS};
use crate::{Archive, DockerSandbox, Job, Limits, Outcome, Runner, SandboxError, Session};

/// How many jobs one learners' container runs, each as a uid of its own,
/// before it is retired.
pub const JOBS_PER_CONTAINER: u32 = 64;

/// A [`Runner`] that forks each learner's job in a long-lived container
/// (see the module's documentation).
#[derive(Debug, Clone)]
pub struct ForkPool {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    sandbox: DockerSandbox,
    state: Mutex<State>,
    /// Containers kept waiting for each kind of job.
    per_job: usize,
    /// How long a container may wait for its next job.
    max_age: Duration,
    /// Set by [`ForkPool::close`]: nothing more is made or kept.
    closed: AtomicBool,
    /// Retired containers whose removal is under way.
    removing: AtomicUsize,
    /// Set when a zygote never came: nothing more is forked.
    unreachable: AtomicBool,
    /// For jobs that need a container of their own (`Job::own_container`):
    /// one kept started per kind of such job, as `--isolation container`
    /// does for every job.
    own: crate::WarmPool,
}

#[derive(Debug)]
struct State {
    slots: HashMap<String, Slot>,
    /// The uid ranges no container holds, by index.
    free: Vec<u32>,
}

/// The containers of one kind of job: waiting, and being made.
#[derive(Debug, Default)]
struct Slot {
    waiting: Vec<Idle>,
    preparing: usize,
}

#[derive(Debug)]
struct Idle {
    container: Leased,
    since: Instant,
}

/// A learners' container with its uid range, which goes back to the pool
/// when this is dropped: after the container's removal, when it is
/// retired; at once, should a grading be cancelled (the removal is then on
/// its way, and the range's next container is another namespace).
#[derive(Debug)]
struct Leased {
    container: SharedContainer,
    lease: UidLease,
}

#[derive(Debug)]
struct UidLease {
    index: u32,
    pool: Weak<Inner>,
}

impl Drop for UidLease {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.upgrade() {
            pool.lock().free.push(self.index);
        }
    }
}

impl ForkPool {
    /// Keeps up to `per_job` containers waiting for each kind of job seen,
    /// each for at most `max_age` between two jobs.
    pub fn new(sandbox: DockerSandbox, per_job: usize, max_age: Duration) -> ForkPool {
        ForkPool::with_ranges(sandbox, per_job, max_age, POOL_UIDS / JOBS_PER_CONTAINER)
    }

    /// The same with only `ranges` uid ranges (at most the pool's), so at
    /// most that many containers at once: to see what happens when they
    /// run out.
    pub fn with_ranges(
        sandbox: DockerSandbox,
        per_job: usize,
        max_age: Duration,
        ranges: u32,
    ) -> ForkPool {
        let ranges = ranges.min(POOL_UIDS / JOBS_PER_CONTAINER);
        let own = crate::WarmPool::new(sandbox.clone(), per_job.max(1), max_age);
        ForkPool {
            inner: Arc::new(Inner {
                sandbox,
                state: Mutex::new(State {
                    slots: HashMap::new(),
                    free: (0..ranges).rev().collect(),
                }),
                per_job: per_job.max(1),
                max_age,
                closed: AtomicBool::new(false),
                removing: AtomicUsize::new(0),
                unreachable: AtomicBool::new(false),
                own,
            }),
        }
    }

    /// Stops making containers, waits for those being made and removed
    /// (at most `wait`), and removes every waiting one. Jobs still run,
    /// each in a container of its own.
    pub async fn close(&self, wait: Duration) {
        self.inner.closed.store(true, Ordering::SeqCst);
        let started = Instant::now();
        let busy = || self.inner.preparing() > 0 || self.inner.removing.load(Ordering::SeqCst) > 0;
        while busy() && started.elapsed() < wait {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let waiting: Vec<Idle> = self
            .inner
            .lock()
            .slots
            .drain()
            .flat_map(|(_, slot)| slot.waiting)
            .collect();
        for idle in waiting {
            idle.container.remove().await;
        }
        self.inner.own.close(wait).await;
    }

    /// How many containers wait, over all kinds of job.
    pub fn idle(&self) -> usize {
        let state = self.inner.lock();
        let forking: usize = state.slots.values().map(|slot| slot.waiting.len()).sum();
        forking + self.inner.own.idle()
    }

    /// The ids of the containers waiting.
    pub fn idle_containers(&self) -> Vec<String> {
        let state = self.inner.lock();
        let mut ids: Vec<String> = state
            .slots
            .values()
            .flat_map(|slot| &slot.waiting)
            .map(|idle| idle.container.container.guard.id().to_owned())
            .collect();
        ids.extend(self.inner.own.idle_containers());
        ids
    }

    /// A container for `job`: a waiting one, or one made now; None if no
    /// uid range is free (the job then gets a container of its own).
    async fn container_for(&self, job: &Job) -> Result<Option<Leased>, SandboxError> {
        if self.inner.unreachable.load(Ordering::Relaxed) {
            return Ok(None);
        }
        if let Some(container) = self.inner.take(job) {
            return Ok(Some(container));
        }
        Inner::make(&self.inner, job, true).await
    }

    /// A container's zygote never came to the grader's socket: an engine
    /// that cannot bind the grader's folder (a VM, a rootless engine). The
    /// job, and every later one, gets a container of its own, and the
    /// operator is told once.
    fn zygote_never_came(&self, leased: Leased) {
        if !self.inner.unreachable.swap(true, Ordering::Relaxed) {
            tracing::error!(
                container = %leased.container.guard.id(),
                "a learners' zygote did not come to the grader's socket: from now on every job \
                 gets a container of its own (--isolation container does so from the start)"
            );
        }
        self.inner.remove_in_background(leased);
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn preparing(&self) -> usize {
        self.lock().slots.values().map(|slot| slot.preparing).sum()
    }

    /// A waiting container for `job` that is young enough; older ones go.
    fn take(self: &Arc<Self>, job: &Job) -> Option<Leased> {
        let (taken, expired) = {
            let mut state = self.lock();
            let slot = state.slots.get_mut(&key(job))?;
            let (young, old): (Vec<Idle>, Vec<Idle>) = slot
                .waiting
                .drain(..)
                .partition(|idle| idle.since.elapsed() < self.max_age);
            slot.waiting = young;
            (slot.waiting.pop(), old)
        };
        for idle in expired {
            self.remove_in_background(idle.container);
        }
        taken.map(|idle| idle.container)
    }

    /// A new container for `job`, with a uid range of its own; None if no
    /// range is free.
    /// A job's own container may take the range of one that waits
    /// (`evict`); one made in the background to wait takes a free range
    /// only.
    async fn make(
        self: &Arc<Self>,
        job: &Job,
        evict: bool,
    ) -> Result<Option<Leased>, SandboxError> {
        let index = if evict {
            self.free_range().await
        } else {
            self.lock().free.pop()
        };
        let Some(index) = index else {
            tracing::warn!(
                "every uid range of the fork pool is in use; a job gets a container of its own"
            );
            return Ok(None);
        };
        let lease = UidLease {
            index,
            pool: Arc::downgrade(self),
        };
        let container = self.sandbox.shared(job, true, Some(range(index))).await?;
        Ok(Some(Leased { container, lease }))
    }

    /// A uid range no container holds: a free one, or else the one of
    /// the container that has waited longest for its kind of job, which is
    /// removed for it (a course has more kinds of job than ranges: a
    /// waiting container must not keep a new kind from forking). None if
    /// every range is in a container that is running a job.
    async fn free_range(self: &Arc<Self>) -> Option<u32> {
        let evicted = {
            let mut state = self.lock();
            if let Some(index) = state.free.pop() {
                return Some(index);
            }
            let oldest = state
                .slots
                .iter()
                .flat_map(|(key, slot)| {
                    slot.waiting
                        .iter()
                        .enumerate()
                        .map(move |(at, idle)| (idle.since, key.clone(), at))
                })
                .min_by_key(|(since, _, _)| *since);
            let (_, key, at) = oldest?;
            state.slots.get_mut(&key)?.waiting.remove(at).container
        };
        // The range comes back once the container is gone.
        evicted.remove().await;
        self.lock().free.pop()
    }

    /// Takes `container` back after a job like `job`: kept waiting if it
    /// may run another and its slot has room, else removed (and, if it was
    /// retired, replaced in the background).
    fn give_back(self: &Arc<Self>, job: &Job, container: Leased) {
        let closed = self.closed.load(Ordering::SeqCst);
        let reusable = container.container.reusable();
        let leftover = {
            let mut state = self.lock();
            let slot = state.slots.entry(key(job)).or_default();
            if reusable && !closed && slot.waiting.len() < self.per_job {
                slot.waiting.push(Idle {
                    container,
                    since: Instant::now(),
                });
                None
            } else {
                Some(container)
            }
        };
        if let Some(container) = leftover {
            self.remove_in_background(container);
            if !reusable {
                self.refill(job);
            }
        }
    }

    /// Removes `container`; [`ForkPool::close`] waits for it.
    fn remove_in_background(self: &Arc<Self>, container: Leased) {
        self.removing.fetch_add(1, Ordering::SeqCst);
        let pool = Arc::clone(self);
        tokio::spawn(async move {
            container.remove().await;
            pool.removing.fetch_sub(1, Ordering::SeqCst);
        });
    }

    /// Makes a container for `job` in the background, unless those waiting
    /// and being made already fill its slot.
    fn refill(self: &Arc<Self>, job: &Job) {
        if self.closed.load(Ordering::SeqCst) {
            return;
        }
        {
            let mut state = self.lock();
            let slot = state.slots.entry(key(job)).or_default();
            if slot.waiting.len() + slot.preparing >= self.per_job {
                return;
            }
            slot.preparing += 1;
        }
        let pool = Arc::clone(self);
        let job = job.clone();
        tokio::spawn(async move {
            let made = Inner::make(&pool, &job, false).await;
            let closed = pool.closed.load(Ordering::SeqCst);
            let unwanted = {
                let mut state = pool.lock();
                let slot = state.slots.entry(key(&job)).or_default();
                slot.preparing = slot.preparing.saturating_sub(1);
                match made {
                    Ok(Some(container)) if !closed => {
                        slot.waiting.push(Idle {
                            container,
                            since: Instant::now(),
                        });
                        None
                    }
                    Ok(container) => container,
                    Err(error) => {
                        tracing::warn!(%error, "could not make a learners' container");
                        None
                    }
                }
            };
            if let Some(container) = unwanted {
                container.remove().await;
            }
        });
    }
}

impl Leased {
    /// Removes the container, then gives its uid range back.
    async fn remove(self) {
        let Leased { container, lease } = self;
        container.guard.remove().await;
        drop(lease);
    }
}

/// The uids of range `index`.
fn range(index: u32) -> Range<u32> {
    let first = POOL_FIRST_UID + index * JOBS_PER_CONTAINER;
    first..first + JOBS_PER_CONTAINER
}

/// Jobs that may share a container: the same image, environment and the
/// limits the container enforces (the wall clock and the output caps are
/// each job's own, kept by the watcher).
fn key(job: &Job) -> String {
    let enforced = Limits {
        wall_time: Duration::ZERO,
        output: 0,
        ..job.limits.clone()
    };
    format!("{:?} {:?} {enforced:?}", job.image, job.env)
}

impl crate::Isolated for ForkPool {}

/// How learners' jobs are kept apart, as an operator chooses
/// (`grader serve --isolation`).
#[derive(Debug, Clone)]
pub enum Learners {
    /// Forked in long-lived containers, a user each: [`ForkPool`].
    Fork(ForkPool),
    /// A container each: [`crate::WarmPool`].
    Container(crate::WarmPool),
}

impl Learners {
    /// Removes the containers waiting, once nothing more is made (at most
    /// `wait` for those being made).
    pub async fn close(&self, wait: Duration) {
        match self {
            Learners::Fork(pool) => pool.close(wait).await,
            Learners::Container(pool) => pool.close(wait).await,
        }
    }
}

impl crate::Isolated for Learners {}

impl Runner for Learners {
    async fn run(&self, job: &Job, input: Archive) -> Result<Outcome, SandboxError> {
        match self {
            Learners::Fork(pool) => pool.run(job, input).await,
            Learners::Container(pool) => pool.run(job, input).await,
        }
    }

    async fn session(&self, job: &Job, input: Archive) -> Result<Session, SandboxError> {
        match self {
            Learners::Fork(pool) => pool.session(job, input).await,
            Learners::Container(pool) => pool.session(job, input).await,
        }
    }
}

impl Runner for ForkPool {
    async fn run(&self, job: &Job, input: Archive) -> Result<Outcome, SandboxError> {
        if job.own_container {
            return self.inner.own.run(job, input).await;
        }
        if let Some(leased) = self.container_for(job).await? {
            if let Some(connection) = leased.container.learner_connection().await {
                let outcome = leased
                    .container
                    .run_learner(connection, job, input.to_tar(), None)
                    .await;
                self.inner.give_back(job, leased);
                return outcome;
            }
            self.zygote_never_came(leased);
        }
        self.inner.sandbox.run(job, input).await
    }

    async fn session(&self, job: &Job, input: Archive) -> Result<Session, SandboxError> {
        if job.own_container {
            return self.inner.own.session(job, input).await;
        }
        if let Some(leased) = self.container_for(job).await? {
            if let Some(connection) = leased.container.learner_connection().await {
                let (input_tx, input_rx) = tokio::sync::mpsc::unbounded_channel();
                let (output_tx, output_rx) = tokio::sync::mpsc::unbounded_channel();
                let tar = input.to_tar();
                let job = job.clone();
                let pool = Arc::clone(&self.inner);
                let done = tokio::spawn(async move {
                    let talk = Talk {
                        input: input_rx,
                        output: output_tx,
                    };
                    let outcome = leased
                        .container
                        .run_learner(connection, &job, tar, Some(talk))
                        .await;
                    pool.give_back(&job, leased);
                    outcome
                });
                return Ok(Session {
                    input: input_tx,
                    output: output_rx,
                    done,
                });
            }
            self.zygote_never_came(leased);
        }
        self.inner.sandbox.session(job, input).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uid_ranges_tile_the_pool_without_overlap() {
        let ranges = POOL_UIDS / JOBS_PER_CONTAINER;
        assert!(ranges >= 8, "too few containers could fork at once");
        let mut seen = std::collections::HashSet::new();
        for index in 0..ranges {
            for uid in range(index) {
                assert!((POOL_FIRST_UID..POOL_FIRST_UID + POOL_UIDS).contains(&uid));
                assert!(seen.insert(uid), "uid {uid} in two ranges");
            }
        }
    }

    #[test]
    fn jobs_differing_only_in_their_own_limits_share_containers() {
        let job = Job {
            image: "grader-python:x".to_owned(),
            limits: Limits::default(),
            env: vec![("GRADER_PRELOAD".to_owned(), "tests".to_owned())],
            own_container: false,
        };
        let mut longer = job.clone();
        longer.limits.wall_time *= 2;
        longer.limits.output *= 2;
        assert_eq!(key(&job), key(&longer));
        let mut bigger = job.clone();
        bigger.limits.memory *= 2;
        assert_ne!(key(&job), key(&bigger));
        let mut other = job.clone();
        other.env.clear();
        assert_ne!(key(&job), key(&other));
    }
}
