//! Where the kinds are wired in, above them all: [`with_kind!`], which
//! runs code with a kind's implementation, and `Grader::grade`, which
//! hands a checked submission to its kind.

use std::time::Instant;

use grader_sandbox::Runner;

use crate::exercise::Exercise;
use crate::grade::Grader;
use crate::kind::ExerciseKind;
use crate::result::{ErrorKind, GradeResult};
use crate::submission::Submission;

/// Runs `$body` with `$k` bound to the implementation of `$kind`, a
/// [`Kind`](crate::exercise::Kind): the one place a kind is wired in.
macro_rules! with_kind {
    ($kind:expr, |$k:ident| $body:expr) => {
        match $kind {
            $crate::exercise::Kind::Python => {
                let $k = &$crate::python::Python;
                $body
            }
            $crate::exercise::Kind::Sql => {
                let $k = &$crate::sql::Sql;
                $body
            }
            $crate::exercise::Kind::Api => {
                let $k = &$crate::api::Api;
                $body
            }
            $crate::exercise::Kind::Pytest => {
                let $k = &$crate::pytest::Pytest;
                $body
            }
            $crate::exercise::Kind::Shell => {
                let $k = &$crate::shell::Shell;
                $body
            }
        }
    };
}
pub(crate) use with_kind;

impl<R: Runner> Grader<R> {
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
        let mut result = with_kind!(exercise.spec.kind, |kind| kind
            .grade(self, exercise, submission)
            .await);
        if result.duration_ms == 0 {
            result.duration_ms = started.elapsed().as_millis() as u64;
        }
        result.hints = crate::hints::for_result(exercise, &result);
        result
    }
}
