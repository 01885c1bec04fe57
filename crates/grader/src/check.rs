//! `grader check`: proves an exercise sound. Its reference earns full
//! marks, each mutant fails exactly the tests it declares, its starter does
//! not pass — and the folder and exercise.yaml are valid to begin with.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use grader_sandbox::Runner;

use crate::exercise::Exercise;
use crate::fsread;
use crate::grade::Grader;
use crate::result::{GradeResult, Status, TestStatus};
use crate::submission::Submission;

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
}

/// One check: what it was about (`exercise.yaml`, `reference`, `starter`,
/// `mutant <name>`), whether it held, and why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub subject: String,
    pub ok: bool,
    pub message: String,
}

impl Finding {
    fn new(subject: impl Into<String>, problem: Option<String>) -> Finding {
        Finding {
            subject: subject.into(),
            ok: problem.is_none(),
            message: problem.unwrap_or_default(),
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

        let reference = self.grade_folder(&exercise, "reference").await;
        findings.push(Finding::new("reference", reference_problem(&reference)));

        let starter = self.grade_folder(&exercise, "starter").await;
        let starter_problem = match &starter {
            Ok(result) if result.status == Status::Passed => {
                Some("the starter passes every test; it should leave work to do".to_owned())
            }
            Ok(result) if is_infra(result) => Some(error_text(result)),
            Ok(_) => None,
            Err(message) => Some(message.clone()),
        };
        findings.push(Finding::new("starter", starter_problem));

        for mutant in &exercise.spec.mutants {
            let folder = format!("mutants/{}", mutant.name);
            let result = self.grade_folder(&exercise, &folder).await;
            let expected: BTreeSet<&str> = mutant.fails.iter().map(String::as_str).collect();
            findings.push(Finding::new(
                format!("mutant {}", mutant.name),
                mutant_problem(&result, &expected),
            ));
        }
        ExerciseCheck {
            exercise: exercise.id.clone(),
            findings,
            duration: started.elapsed(),
        }
    }

    async fn grade_folder(&self, exercise: &Exercise, folder: &str) -> Result<GradeResult, String> {
        // The folder is inside the exercise: not followed if it is a link.
        let dir = fsread::dir_in(&exercise.dir, Path::new(folder))
            .map_err(|error| format!("{folder}: {}", error.with_cause()))?;
        let submission = Submission::from_paths(exercise, &[dir])
            .map_err(|error| format!("{folder}: {error}"))?;
        Ok(self.grade(exercise, &submission).await)
    }
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

fn not_passed(result: &GradeResult) -> BTreeSet<&str> {
    result
        .tests
        .iter()
        .filter(|test| test.status != TestStatus::Passed)
        .map(|test| test.id.as_str())
        .collect()
}

fn reference_problem(result: &Result<GradeResult, String>) -> Option<String> {
    let result = match result {
        Ok(result) => result,
        Err(message) => return Some(message.clone()),
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

fn mutant_problem(
    result: &Result<GradeResult, String>,
    expected: &BTreeSet<&str>,
) -> Option<String> {
    let result = match result {
        Ok(result) => result,
        Err(message) => return Some(message.clone()),
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
