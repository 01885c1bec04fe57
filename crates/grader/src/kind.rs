//! The seam between grading and the exercise kinds. Each kind is a type in
//! its own module implementing [`ExerciseKind`]: it validates its section
//! of exercise.yaml, grades a checked submission (packing its jobs,
//! running them through the [`Grader`], interpreting what came back) and
//! gives the files `grader new` writes. `crate::dispatch::with_kind!` is
//! the one place a kind is wired in: `Grader::grade`, `Exercise::load` and
//! `scaffold::create` dispatch through it.
//!
//! A new kind is a module with a type implementing [`ExerciseKind`] (its
//! section of exercise.yaml, its checks, its grading, its `grader new`
//! templates), a variant of [`Kind`](crate::exercise::Kind) (with its name
//! and its place in `Kind::ALL`) and an arm of `with_kind!`; every list
//! of kinds — the sections, `grader new --kind`, the metrics' labels — is
//! derived from those.

use std::future::Future;
use std::path::Path;

use grader_sandbox::Runner;

use crate::exercise::{Exercise, ExerciseSpec};
use crate::grade::Grader;
use crate::result::GradeResult;
use crate::submission::Submission;

/// What a kind of exercise is to the grader.
pub(crate) trait ExerciseKind: Sync {
    /// Checks the kind's section of exercise.yaml and whatever else the kind
    /// asks of the folder `dir` (its submission files, its test files),
    /// reporting each problem with its field. Every kind-independent rule
    /// is checked by `Exercise::load` itself.
    fn validate(&self, dir: &Path, spec: &ExerciseSpec, problem: &mut dyn FnMut(&str, String));

    /// Whether exercise.yaml has this kind's own section, named as the
    /// kind is (`python:`, `sql:` …).
    fn has_section(&self, spec: &ExerciseSpec) -> bool;

    /// The files `grader new` writes for an exercise of this kind.
    fn scaffold(&self) -> &'static [crate::templates::Template];

    /// The extension of the exercise's own test files under `tests/`, which
    /// exercise.yaml lists; `None` when the kind has none (its `tests` list
    /// is then empty and there is no `tests/` folder to require).
    fn test_extension(&self) -> Option<&'static str>;

    /// Whether `name`, a file directly under `tests/`, is a test file that
    /// exercise.yaml must list.
    fn is_test_file(&self, name: &str) -> bool {
        self.test_extension()
            .is_some_and(|extension| name.ends_with(extension))
    }

    /// Grades a submission that passed `Submission::check`: the result is
    /// in the author's view, and every path ends in one.
    fn grade<R: Runner>(
        &self,
        grader: &Grader<R>,
        exercise: &Exercise,
        submission: &Submission,
    ) -> impl Future<Output = GradeResult> + Send;
}
