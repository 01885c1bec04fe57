//! `grader check`: proves an exercise sound. Its reference earns full
//! marks, every `overrides` key names a test it collected, each mutant
//! (its folder, or its patch applied to the reference) fails exactly the
//! tests it declares, its starter does not pass — and the
//! folder and exercise.yaml are valid to begin with. For a python
//! exercise it also grades null solutions (`crate::null`) and warns of
//! each test that passes on one: a vacuous test.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use grader_sandbox::{Runner, SharedRunner};

use crate::exercise::{Exercise, TestFileSpec};
use crate::fsread;
use crate::grade::{Grader, Images};
use crate::mutant;
use crate::result::{GradeResult, Status};
use crate::submission::Submission;

/// Why a reference, a starter or a mutant could not be graded at all.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SolutionError {
    #[error("{folder}: {}", source.with_cause())]
    Folder {
        folder: String,
        source: fsread::FsReadError,
    },
    #[error("{folder}: {source}")]
    Files {
        folder: String,
        source: crate::submission::SubmissionError,
    },
    #[error(transparent)]
    Mutant(mutant::MutantError),
}

/// What was checked of one exercise, and how it went.
#[derive(Debug, Clone)]
pub struct ExerciseCheck {
    /// `<track>/<slug>`, or the folder when exercise.yaml did not load.
    pub exercise: String,
    pub findings: Vec<Finding>,
    pub duration: Duration,
}

impl ExerciseCheck {
    pub fn ok(&self) -> bool {
        self.findings.iter().all(|finding| finding.ok)
    }

    /// The same check with every warning a failure (`grader check --strict`).
    pub fn strict(mut self) -> ExerciseCheck {
        for finding in &mut self.findings {
            if finding.warning {
                finding.ok = false;
            }
        }
        self
    }
}

/// One check: what it was about (`exercise.yaml`, `reference`, `starter`,
/// `mutant <name>`, `null solution`), whether it held, and why not. A
/// warning holds, with a message, unless the check is strict
/// ([`ExerciseCheck::strict`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub subject: String,
    pub ok: bool,
    pub message: String,
    pub warning: bool,
}

impl Finding {
    fn new(subject: impl Into<String>, problem: Option<String>) -> Finding {
        Finding {
            subject: subject.into(),
            ok: problem.is_none(),
            message: problem.unwrap_or_default(),
            warning: false,
        }
    }

    fn warn(subject: impl Into<String>, concern: Option<String>) -> Finding {
        Finding {
            subject: subject.into(),
            ok: true,
            warning: concern.is_some(),
            message: concern.unwrap_or_default(),
        }
    }
}

/// Every exercise folder (one holding exercise.yaml) at or under `paths`,
/// sorted.
pub fn discover(paths: &[PathBuf]) -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        if dir.join("exercise.yaml").is_file() {
            found.push(dir.to_owned());
            return;
        }
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                    walk(&entry.path(), found);
                }
            }
        }
    }
    let mut found = Vec::new();
    for path in paths {
        walk(path, &mut found);
    }
    found.sort();
    found.dedup();
    found
}

/// Checks every exercise in `dirs`, `jobs` at once, as `grader check`
/// does: references, starters and mutants are the author's code, so they
/// run one after another in shared containers (`runner()`, a
/// [`SharedRunner`] for each exercise checked at once, passed on to the
/// next exercise), so that one with the same kind of job finds its
/// container, and what its zygote imported, ready. The exercises that allow their jobs the most
/// wall time start first (one that waits out deadlines says so in its
/// `limits`), so that a long one does not run on alone at the end;
/// otherwise they keep their order. `started` and `finished` hear of each
/// exercise; the checks come back in the order they finished.
pub async fn many(
    runner: impl Fn() -> SharedRunner,
    images: &Images,
    dirs: Vec<PathBuf>,
    jobs: usize,
    started: impl Fn(&Path),
    mut finished: impl FnMut(&Path, &ExerciseCheck),
) -> Vec<ExerciseCheck> {
    let jobs = jobs.max(1);
    let mut dirs: Vec<(std::cmp::Reverse<Duration>, PathBuf)> = dirs
        .into_iter()
        .map(|dir| {
            let allowed = Exercise::load(&dir).map_or(Duration::ZERO, |e| e.limits().wall_time);
            (std::cmp::Reverse(allowed), dir)
        })
        .collect();
    dirs.sort_by_key(|(allowed, _)| *allowed);
    let dirs = dirs.into_iter().map(|(_, dir)| dir);
    let runners = Mutex::new((0..jobs).map(|_| runner()).collect::<Vec<_>>());
    let (runners_ref, started) = (&runners, &started);
    let mut checks = Vec::with_capacity(dirs.len());
    let mut stream = futures_util::stream::iter(dirs)
        .map(|dir| async move {
            let runner = runners_ref
                .lock()
                .expect("not poisoned")
                .pop()
                .expect("one runner for each exercise checked at once");
            started(&dir);
            let check = Grader::new(runner.clone(), images.clone())
                .check(&dir)
                .await;
            runners_ref.lock().expect("not poisoned").push(runner);
            (dir, check)
        })
        .buffer_unordered(jobs);
    while let Some((dir, check)) = stream.next().await {
        finished(&dir, &check);
        checks.push(check);
    }
    drop(stream);
    for runner in runners.into_inner().expect("not poisoned") {
        runner.close().await;
    }
    checks
}

impl<R: Runner> Grader<R> {
    /// Checks the exercise in `dir`.
    pub async fn check(&self, dir: &Path) -> ExerciseCheck {
        let started = Instant::now();
        let exercise = match Exercise::load(dir) {
            Ok(exercise) => exercise,
            Err(error) => {
                return ExerciseCheck {
                    exercise: dir.display().to_string(),
                    findings: vec![Finding::new("exercise.yaml", Some(error.to_string()))],
                    duration: started.elapsed(),
                };
            }
        };
        let mut findings = vec![Finding::new("exercise.yaml", None)];
        findings.extend(solutions(self, &exercise).await);
        ExerciseCheck {
            exercise: exercise.id.clone(),
            findings,
            duration: started.elapsed(),
        }
    }

    pub(crate) async fn grade_folder(
        &self,
        exercise: &Exercise,
        folder: &str,
    ) -> Result<GradeResult, SolutionError> {
        // The folder is inside the exercise: not followed if it is a link.
        let dir = fsread::dir_in(&exercise.dir, Path::new(folder)).map_err(|source| {
            SolutionError::Folder {
                folder: folder.to_owned(),
                source,
            }
        })?;
        let submission =
            Submission::from_paths(exercise, &[dir]).map_err(|source| SolutionError::Files {
                folder: folder.to_owned(),
                source,
            })?;
        Ok(self.grade(exercise, &submission).await)
    }
}

/// What `grader check` runs for every kind: the reference earns full
/// marks, every `overrides` key names a test it collected, the starter does
/// not pass, each mutant fails exactly the tests it declares.
pub(crate) async fn solutions<R: Runner>(grader: &Grader<R>, exercise: &Exercise) -> Vec<Finding> {
    let mut findings = Vec::new();
    let reference = grader.grade_folder(exercise, "reference").await;
    findings.push(Finding::new("reference", reference_problem(&reference)));
    // The reference's grading lists the collected tests (failing or not).
    if let Ok(result) = &reference
        && !result.tests.is_empty()
    {
        let collected: Vec<&str> = result
            .tests
            .iter()
            .filter(|test| test.parent.is_none())
            .map(|test| test.id.as_str())
            .collect();
        findings.push(Finding::new(
            "overrides",
            unknown_overrides(&exercise.spec.tests, &collected),
        ));
    }

    let starter = grader.grade_folder(exercise, "starter").await;
    let starter_problem = match &starter {
        Ok(result) if result.status == Status::Passed => {
            Some("the starter passes every test; it should leave work to do".to_owned())
        }
        Ok(result) if is_infra(result) => Some(error_text(result)),
        Ok(_) => None,
        Err(error) => Some(error.to_string()),
    };
    findings.push(Finding::new("starter", starter_problem));
    if let Ok(reference) = &reference
        && let Some(nulls) = null_solutions(exercise)
    {
        let concern = vacuous_tests(grader, exercise, reference, nulls).await;
        findings.push(Finding::warn("null solution", concern));
    }

    for mutant in &exercise.spec.mutants {
        // A patch that no longer applies is this mutant's failure.
        let result = match mutant::load(exercise, &mutant.name) {
            Ok(submission) => Ok(grader.grade(exercise, &submission).await),
            Err(error) => Err(SolutionError::Mutant(error)),
        };
        let expected: BTreeSet<&str> = mutant.fails.iter().map(String::as_str).collect();
        let problem = mutant_problem(&result, &expected)
            .or_else(|| hint_problem(result.as_ref().ok()?, mutant.hint.as_deref()));
        findings.push(Finding::new(format!("mutant {}", mutant.name), problem));
    }
    findings
}

/// The null solutions of a python exercise (`crate::null`): its starter
/// with every function returning each null value in turn; `None` for
/// another kind, or a starter without functions.
fn null_solutions(exercise: &Exercise) -> Option<Vec<(&'static str, Submission)>> {
    if exercise.spec.kind != crate::exercise::Kind::Python {
        return None;
    }
    let dir = fsread::dir_in(&exercise.dir, Path::new("starter")).ok()?;
    let starter = Submission::from_paths(exercise, &[dir]).ok()?;
    let nulls: Vec<(&'static str, Submission)> = crate::null::VALUES
        .iter()
        .filter_map(|value| {
            let mut hollowed = false;
            let mut files = starter.files.clone();
            for (name, contents) in &mut files {
                let source = std::str::from_utf8(contents).ok();
                let made = name
                    .ends_with(".py")
                    .then_some(source)
                    .flatten()
                    .and_then(|source| crate::null::hollowed(source, value));
                if let Some(made) = made {
                    *contents = made.into_bytes();
                    hollowed = true;
                }
            }
            hollowed.then_some((*value, Submission { files }))
        })
        .collect();
    (!nulls.is_empty()).then_some(nulls)
}

/// The tests that pass on the reference and on a null solution, each with
/// the null values it passes with: tests that cannot tell a solution that
/// does nothing from one that works.
async fn vacuous_tests<R: Runner>(
    grader: &Grader<R>,
    exercise: &Exercise,
    reference: &GradeResult,
    nulls: Vec<(&'static str, Submission)>,
) -> Option<String> {
    let passed = |result: &GradeResult| -> BTreeSet<String> {
        result
            .tests
            .iter()
            .filter(|test| {
                test.parent.is_none() && test.status == crate::result::TestStatus::Passed
            })
            .map(|test| test.id.clone())
            .collect()
    };
    let on_reference = passed(reference);
    let mut vacuous: std::collections::BTreeMap<String, Vec<&str>> = Default::default();
    for (value, submission) in &nulls {
        let result = grader.grade(exercise, submission).await;
        for id in passed(&result).intersection(&on_reference) {
            vacuous.entry(id.clone()).or_default().push(value);
        }
    }
    if vacuous.is_empty() {
        return None;
    }
    let lines: Vec<String> = vacuous
        .iter()
        .map(|(id, values)| {
            format!(
                "{id} passes when every function returns {}",
                values.join(" or ")
            )
        })
        .collect();
    Some(format!(
        "{} test(s) pass on a starter whose functions do nothing, so they cannot tell it from \
         a working solution (vacuous):\n{}",
        lines.len(),
        lines.join("\n")
    ))
}

/// A mutant graded as a learner's submission shows its own hint (when it
/// has one).
fn hint_problem(result: &GradeResult, hint: Option<&str>) -> Option<String> {
    let hint = hint?;
    if result.hints.iter().any(|shown| shown == hint) {
        return None;
    }
    Some(format!(
        "its hint is not the one shown for it: another mutant's failing tests match it \
         as well or better (shown: {:?})",
        result.hints
    ))
}

fn is_infra(result: &GradeResult) -> bool {
    result
        .error
        .as_ref()
        .is_some_and(|error| !error.learner_fault)
}

fn error_text(result: &GradeResult) -> String {
    match &result.error {
        Some(error) => format!(
            "could not be graded ({}): {}",
            error.kind.as_str(),
            error.message
        ),
        None => String::new(),
    }
}

use crate::hints::not_passed;

fn reference_problem(result: &Result<GradeResult, SolutionError>) -> Option<String> {
    let result = match result {
        Ok(result) => result,
        Err(error) => return Some(error.to_string()),
    };
    if result.error.is_some() {
        return Some(error_text(result));
    }
    if result.status == Status::Passed && result.score == result.max_score {
        return None;
    }
    let failing: Vec<&str> = not_passed(result).into_iter().collect();
    Some(format!(
        "the reference earns {}/{}; it does not pass {}",
        result.score,
        result.max_score,
        failing.join(", ")
    ))
}

/// The `overrides` keys that name no collected test of their file, each
/// with the nearest collected ids. A key is a test's name after
/// `<file>::` (`test_x`, `Class::test_x`, `test_x[param-id]`) or that name
/// without its parameters (`test_x` for every `test_x[…]`).
fn unknown_overrides(files: &[TestFileSpec], collected: &[&str]) -> Option<String> {
    let mut problems = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let names: Vec<(&str, &str)> = collected
            .iter()
            .filter_map(|id| {
                let (in_file, name) = id.split_once("::")?;
                (in_file == file.file).then_some((*id, name))
            })
            .collect();
        for key in file.overrides.keys() {
            let known = names.iter().any(|(_, name)| {
                *name == key.as_str() || name.split('[').next() == Some(key.as_str())
            });
            if known {
                continue;
            }
            // Ids without their parameters (a key too), the one whose
            // function or method is the key first, then by edit distance.
            let mut nearest: Vec<(bool, usize, &str)> = names
                .iter()
                .map(|(id, name)| {
                    let base = name.split('[').next().unwrap_or(name);
                    let method = base.rsplit("::").next().unwrap_or(base);
                    let id = id.split('[').next().unwrap_or(id);
                    (method != key, strsim::levenshtein(method, key), id)
                })
                .collect();
            nearest.sort();
            nearest.dedup_by(|a, b| a.2 == b.2);
            let nearest: Vec<&str> = nearest.iter().take(3).map(|(_, _, id)| *id).collect();
            let hint = if nearest.is_empty() {
                format!("{} collected no test", file.file)
            } else {
                format!(
                    "nearest collected: {} (a key is the id after `{}::`)",
                    nearest.join(", "),
                    file.file
                )
            };
            problems.push(format!(
                "tests[{index}].overrides.{key} names no test collected from {}; {hint}",
                file.file
            ));
        }
    }
    (!problems.is_empty()).then(|| problems.join("\n"))
}

fn mutant_problem(
    result: &Result<GradeResult, SolutionError>,
    expected: &BTreeSet<&str>,
) -> Option<String> {
    let result = match result {
        Ok(result) => result,
        Err(error) => return Some(error.to_string()),
    };
    if result.error.is_some() {
        return Some(error_text(result));
    }
    let failed = not_passed(result);
    if failed.is_empty() {
        return Some("passes every test: the tests do not catch this mistake".to_owned());
    }
    if &failed == expected {
        return None;
    }
    let mut parts = Vec::new();
    let survived: Vec<&str> = expected.difference(&failed).copied().collect();
    if !survived.is_empty() {
        parts.push(format!(
            "passes tests it should fail: {}",
            survived.join(", ")
        ));
    }
    let extra: Vec<&str> = failed.difference(expected).copied().collect();
    if !extra.is_empty() {
        parts.push(format!("also fails: {}", extra.join(", ")));
    }
    Some(parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(yaml: &str) -> Vec<TestFileSpec> {
        crate::exercise::parse(yaml).unwrap().tests
    }

    const SPEC: &str = "version: 1
slug: x
title: X
kind: python
difficulty: easy
submission:
  files:
    - name: x.py
tests:
  - file: test_x.py
    overrides:
      test_abc:
        points: 2
      test_plain:
        points: 2
      test_param:
        points: 2
      Box::test_def:
        points: 2
";

    const COLLECTED: &[&str] = &[
        "test_x.py::Box::test_abc",
        "test_x.py::Box::test_def",
        "test_x.py::test_plain",
        "test_x.py::test_param[1]",
        "test_x.py::test_param[2]",
    ];

    /// Regression: `test_abc` for the method `Box::test_abc` matched
    /// nothing, and the task id or points it set were silently dropped.
    #[test]
    fn a_key_that_names_no_collected_test_is_reported_with_the_nearest_ids() {
        let problem = unknown_overrides(&files(SPEC), COLLECTED).unwrap();
        assert_eq!(
            problem,
            "tests[0].overrides.test_abc names no test collected from test_x.py; \
             nearest collected: test_x.py::Box::test_abc, test_x.py::Box::test_def, \
             test_x.py::test_param (a key is the id after `test_x.py::`)"
        );
    }

    #[test]
    fn names_methods_and_parameterless_names_are_keys() {
        let spec = SPEC.replace("      test_abc:\n        points: 2\n", "");
        assert_eq!(unknown_overrides(&files(&spec), COLLECTED), None);
    }
}
