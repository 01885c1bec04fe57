//! The only crate that knows about Docker.
//!
//! It runs one grading job in a hardened container and builds the runner
//! images the jobs run in. Everything above it speaks in [`Job`]s and
//! [`Outcome`]s: files go in as a tar stream that this crate built itself,
//! and what comes back is captured output, size-capped, never files.
//!
//! - [`spec`] builds the one hardened container spec every job uses.
//! - [`archive`] builds a job's input tar: regular files, checked names, caps.
//! - [`docker`] connects to the engine, runs jobs, sweeps leftovers.
//! - [`images`] builds runner images from Debian packages, without a registry.

pub mod archive;
mod capture;
pub mod docker;
mod error;
mod forks;
mod guard;
pub mod images;
mod job;
mod pool;
mod shared;
pub mod spec;

pub use archive::{Archive, ArchiveError};
pub use capture::Captured;
pub use docker::{DockerSandbox, Prepared};
pub use error::SandboxError;
pub use forks::{ForkPool, JOBS_PER_CONTAINER, Learners};
pub use job::{Ending, Isolated, Job, Limits, Outcome, Runner, Session};
pub use pool::WarmPool;
pub use shared::{SharedRunner, engine_is_local};

/// Label carried by every container this crate creates; the sweep finds
/// leftovers by it.
pub const CONTAINER_LABEL: &str = "dev.grader.sandbox";
