//! The [`Grader`]: a runner and the images' recipes, and what the kinds
//! run their jobs with — [`Grader::batch`] (a job that runs to its end and
//! reports on stdout: python, sql), `Grader::run` (each of the pytest
//! kind's runs) or [`Grader::runner`] directly (the api kind's session). `Grader::grade`, which hands a submission to its kind, is
//! `crate::dispatch`'s: above the kinds, as this is below them. Every path
//! ends in a [`GradeResult`]; a failure of the grader itself is an `infra`
//! error in it, not an `Err`.

use std::path::{Path, PathBuf};

use grader_sandbox::archive::ArchiveError;
use grader_sandbox::images::Recipe;
use grader_sandbox::{Archive, Job, Outcome, Runner, SandboxError};

use crate::channel::Key;
use crate::exercise::Exercise;
use crate::fsread::FsReadError;
use crate::result::{ErrorKind, GradeResult};

/// Where the runner image recipes are; an image's tag is the hash of its
/// recipe.
#[derive(Debug, Clone)]
pub struct Images {
    dir: PathBuf,
}

impl Images {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Images { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The tag of the image named `name`, e.g. `grader-python:3f2a…`.
    pub fn tag(&self, name: &str) -> Result<String, JobError> {
        Recipe::load(&self.dir.join(name))
            .map(|recipe| recipe.tag())
            .map_err(JobError::Image)
    }
}

/// Why a kind could not run its job: a failure of the grader, its
/// exercise folder or its engine, never of the submission, so it becomes
/// an `infra` result (its message is the author's to read).
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The runner image's recipe could not be read.
    #[error("{}", with_causes(.0))]
    Image(SandboxError),
    /// A file of the exercise could not be read into the job.
    #[error("could not pack the job: {}", .0.with_cause())]
    Read(#[from] FsReadError),
    /// The job's archive refused a name or a size.
    #[error("could not pack the job: {0}")]
    Archive(#[from] ArchiveError),
    /// The exercise lacks what its kind needs (loading validates it, so
    /// this is a grader bug when met).
    #[error("could not pack the job: {0}")]
    Exercise(&'static str),
    /// The sandbox failed to run the job.
    #[error("could not run the tests: {}", with_causes(.0))]
    Sandbox(SandboxError),
}

/// `error`'s message followed by each of its causes'.
fn with_causes(error: &SandboxError) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}

/// Grades submissions with a [`Runner`].
#[derive(Debug)]
pub struct Grader<R> {
    runner: R,
    images: Images,
}

impl<R: Runner> Grader<R> {
    pub fn new(runner: R, images: Images) -> Self {
        Grader { runner, images }
    }

    /// The sandbox this grader runs its jobs in.
    pub fn runner(&self) -> &R {
        &self.runner
    }

    /// Where the runner images' recipes are.
    pub(crate) fn images(&self) -> &Images {
        &self.images
    }

    /// The shape of a kind whose job runs to its end and reports on stdout
    /// through the report channel (`channel.rs`): pack, run in the
    /// `image_name` image, interpret. A
    /// failure of the grader on the way is an `infra` result.
    pub(crate) async fn batch(
        &self,
        exercise: &Exercise,
        image_name: &str,
        pack: impl FnOnce(&Key) -> Result<Archive, JobError>,
        job: impl FnOnce(String) -> Job,
        interpret: impl FnOnce(&Outcome, &Key) -> GradeResult,
    ) -> GradeResult {
        let key = Key::new();
        let ran = match self.images.tag(image_name) {
            Ok(image) => match pack(&key) {
                Ok(archive) => self.run(&job(image), archive).await,
                Err(error) => Err(error),
            },
            Err(error) => Err(error),
        };
        match ran {
            Ok(outcome) => interpret(&outcome, &key),
            Err(error) => GradeResult::error(&exercise.id, ErrorKind::Infra, error.to_string()),
        }
    }

    /// Runs a job in the sandbox.
    pub(crate) async fn run(&self, job: &Job, archive: Archive) -> Result<Outcome, JobError> {
        self.runner.run(job, archive).await.map_err(|error| {
            let message = with_causes(&error);
            tracing::error!(%message, "the sandbox failed");
            JobError::Sandbox(error)
        })
    }
}
