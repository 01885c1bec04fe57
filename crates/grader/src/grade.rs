//! Grading one submission: pick the kind, run the job, read the result.
//! Every path ends in a [`GradeResult`]; a failure of the grader itself is
//! an `infra` error in it, not an `Err`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use grader_sandbox::Runner;
use grader_sandbox::images::Recipe;

use crate::exercise::{Exercise, Kind};
use crate::python;
use crate::result::{ErrorKind, GradeResult};
use crate::submission::Submission;

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
    pub fn tag(&self, name: &str) -> Result<String, String> {
        Recipe::load(&self.dir.join(name))
            .map(|recipe| recipe.tag())
            .map_err(|error| error.to_string())
    }
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

    /// Grades `submission`; the result is in the author's view.
    #[tracing::instrument(skip_all, fields(exercise = %exercise.id))]
    pub async fn grade(&self, exercise: &Exercise, submission: &Submission) -> GradeResult {
        let started = Instant::now();
        if let Err(error) = submission.check(exercise) {
            return GradeResult::error(
                &exercise.id,
                ErrorKind::InvalidSubmission,
                error.to_string(),
            );
        }
        let mut result = match exercise.spec.kind {
            Kind::Python => self.grade_python(exercise, submission).await,
            Kind::Sql | Kind::Api => GradeResult::error(
                &exercise.id,
                ErrorKind::Infra,
                "this grader cannot grade this kind of exercise yet",
            ),
        };
        if result.duration_ms == 0 {
            result.duration_ms = started.elapsed().as_millis() as u64;
        }
        result
    }

    async fn grade_python(&self, exercise: &Exercise, submission: &Submission) -> GradeResult {
        let infra = |message: String| GradeResult::error(&exercise.id, ErrorKind::Infra, message);
        let image = match self.images.tag("python") {
            Ok(image) => image,
            Err(message) => return infra(message),
        };
        let nonce = hex::encode(rand::random::<[u8; 16]>());
        let archive = match python::archive(exercise, submission, &nonce) {
            Ok(archive) => archive,
            Err(message) => return infra(format!("could not pack the job: {message}")),
        };
        let job = python::job(exercise, image);
        match self.runner.run(&job, archive).await {
            Ok(outcome) => python::interpret(exercise, &outcome, &nonce),
            Err(error) => {
                let mut message = error.to_string();
                let mut source = std::error::Error::source(&error);
                while let Some(cause) = source {
                    message.push_str(&format!(": {cause}"));
                    source = cause.source();
                }
                tracing::error!(%message, "the sandbox failed");
                infra(format!("could not run the tests: {message}"))
            }
        }
    }
}
