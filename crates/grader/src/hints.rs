//! Hints from known mistakes: an exercise's mutants describe the mistakes
//! authors expect (`fails`, the tests each one fails), and a mutant may
//! carry a `hint` for the learner. A graded submission that fails tests
//! gets the hints of the mutants whose failing sets best match its own.
//!
//! The rule: for each mutant with a hint, the Jaccard similarity of its
//! `fails` and the submission's failing tests (|both| / |either|); the
//! hints of the mutants at the highest similarity, if it is at least
//! [`MIN_MATCH`], each once. An exact match scores 1; a submission that
//! fails much more than a mutant (a starter) or something else entirely
//! gets none. A passing submission, and one whose grading stopped in an
//! error, get none.
//!
//! In the pytest kind the known mistakes are the described bugs, and the
//! learner writes the tests: a bug their tests miss shows its hint (what
//! to try), once their tests pass on the correct implementation. An api
//! exercise with a `pytest` section has both: the mutants' hints matched
//! on its scenarios alone, then the hints of the bugs the tests missed.

use std::collections::BTreeSet;

use crate::exercise::Exercise;
use crate::result::{GradeResult, Status, TestStatus};

/// The least similarity at which a mutant's hint is shown.
pub const MIN_MATCH: f64 = 0.5;

/// The tests a result did not pass: its top-level rows (a test with a
/// failed case has failed; its cases are not tests a mutant declares).
pub fn not_passed(result: &GradeResult) -> BTreeSet<&str> {
    result
        .tests
        .iter()
        .filter(|test| test.status != TestStatus::Passed && test.parent.is_none())
        .map(|test| test.id.as_str())
        .collect()
}

/// The pytest kind: the hints of the bugs the learner's tests missed, in
/// the exercise's order — once their tests all pass on the correct
/// implementation (before that, every bug is missed for another reason).
fn missed_bugs(
    exercise: &Exercise,
    bugs: &[crate::spec::pytest::BugSpec],
    result: &GradeResult,
) -> Vec<String> {
    let own_tests_pass = result
        .tests
        .iter()
        .filter(|test| is_learners_test(exercise, &test.id))
        .all(|test| matches!(test.status, TestStatus::Passed | TestStatus::Skipped));
    if !own_tests_pass {
        return Vec::new();
    }
    bugs.iter()
        .filter(|bug| {
            let id = format!("bugs::{}", bug.name);
            result
                .tests
                .iter()
                .any(|test| test.id == id && test.status != TestStatus::Passed)
        })
        .filter_map(|bug| bug.hint.clone())
        .collect()
}

/// Whether a result's row is one of the learner's own tests (by its
/// pytest id, whose file is one they handed in).
fn is_learners_test(exercise: &Exercise, id: &str) -> bool {
    id.split_once("::").is_some_and(|(file, _)| {
        exercise
            .spec
            .submission
            .files
            .iter()
            .any(|submitted| submitted.name == file)
    })
}

/// The hints `result` earns from `exercise`'s known mistakes, best first
/// (the order of the mutants in exercise.yaml among equals).
pub fn for_result(exercise: &Exercise, result: &GradeResult) -> Vec<String> {
    if result.status != Status::Failed {
        return Vec::new();
    }
    let Some(pytest) = &exercise.spec.pytest else {
        return from_mutants(exercise, not_passed(result));
    };
    // The app's scenarios, then the learner's tests.
    let scenarios = not_passed(result)
        .into_iter()
        .filter(|id| !id.starts_with("bugs::") && !is_learners_test(exercise, id))
        .collect();
    let mut hints = from_mutants(exercise, scenarios);
    for hint in missed_bugs(exercise, &pytest.bugs, result) {
        if !hints.contains(&hint) {
            hints.push(hint);
        }
    }
    hints
}

/// The hints of the mutants whose failing sets best match `failing`.
fn from_mutants(exercise: &Exercise, failing: BTreeSet<&str>) -> Vec<String> {
    let scored: Vec<(f64, &str)> = exercise
        .spec
        .mutants
        .iter()
        .filter_map(|mutant| {
            let hint = mutant.hint.as_deref()?;
            let fails: BTreeSet<&str> = mutant.fails.iter().map(String::as_str).collect();
            let both = fails.intersection(&failing).count();
            let either = fails.union(&failing).count();
            (either > 0).then(|| (both as f64 / either as f64, hint))
        })
        .collect();
    let best = scored.iter().map(|(score, _)| *score).fold(0.0, f64::max);
    if best < MIN_MATCH {
        return Vec::new();
    }
    let mut hints: Vec<String> = Vec::new();
    for (score, hint) in scored {
        if score == best && !hints.iter().any(|kept| kept == hint) {
            hints.push(hint.to_owned());
        }
    }
    hints
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::exercise::{TestSettings, Visibility};
    use crate::result::{Output, TestResult};

    fn fizzbuzz() -> Exercise {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../exercises/python/fizzbuzz");
        Exercise::load(&dir).unwrap()
    }

    /// A result in which exactly `failing` of the exercise's mutants'
    /// tests (and one more test that passes) did not pass.
    fn failing(ids: &[&str]) -> GradeResult {
        let settings = TestSettings {
            points: 1.0,
            visibility: Visibility::Visible,
            task: None,
            tags: Vec::new(),
        };
        let mut tests: Vec<TestResult> = ids
            .iter()
            .map(|id| {
                let (_, name) = id.split_once("::").unwrap();
                TestResult::judged(
                    (*id).to_owned(),
                    name.to_owned(),
                    settings.clone(),
                    TestStatus::Failed,
                    None,
                    1,
                )
            })
            .collect();
        tests.push(TestResult::judged(
            "test_fizzbuzz.py::test_returns_a_list".to_owned(),
            "returns a list".to_owned(),
            settings,
            TestStatus::Passed,
            None,
            1,
        ));
        let mut result = GradeResult::graded(
            "python/fizzbuzz",
            std::time::Duration::ZERO,
            tests,
            Output {
                text: String::new(),
                truncated: false,
            },
        );
        result.settle();
        result
    }

    fn hint_of(exercise: &Exercise, mutant: &str) -> String {
        let mutant = exercise.spec.mutants.iter().find(|m| m.name == mutant);
        mutant.unwrap().hint.clone().unwrap()
    }

    #[test]
    fn a_submission_failing_as_a_mutant_does_gets_its_hint() {
        let exercise = fizzbuzz();
        let fifteen = [
            "test_fizzbuzz.py::test_single_value[fifteen-is-fizzbuzz]",
            "test_fizzbuzz_hidden.py::test_first_fifteen",
            "test_fizzbuzz_hidden.py::test_every_multiple_of_15_is_fizzbuzz",
            "test_fizzbuzz_hidden.py::test_up_to_one_hundred[45]",
        ];
        assert_eq!(
            for_result(&exercise, &failing(&fifteen)),
            [hint_of(&exercise, "checks-three-first")]
        );
        // Close enough (3 of its 4, and one more): the same hint.
        let mut more = fifteen[1..].to_vec();
        more.push("test_fizzbuzz.py::test_numbers_are_strings");
        assert_eq!(
            for_result(&exercise, &failing(&more)),
            [hint_of(&exercise, "checks-three-first")]
        );
    }

    #[test]
    fn a_submission_failing_much_else_or_passing_gets_none() {
        let exercise = fizzbuzz();
        // One of a mutant's tests among several others: below the match.
        let scattered = [
            "test_fizzbuzz_hidden.py::test_first_fifteen",
            "test_fizzbuzz.py::test_numbers_are_strings",
            "test_fizzbuzz.py::test_zero_gives_an_empty_list",
        ];
        assert!(for_result(&exercise, &failing(&scattered)).is_empty());
        assert!(for_result(&exercise, &failing(&[])).is_empty());
        let mut error = failing(&["test_fizzbuzz_hidden.py::test_first_fifteen"]);
        error.status = Status::Error;
        assert!(for_result(&exercise, &error).is_empty());
    }

    /// A pytest-kind result: the learner's test `A` (passed or not), and
    /// each bug caught or missed.
    fn slugify_result(own_passes: bool, missed: &[&str]) -> (Exercise, GradeResult) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../exercises/pytest/test-slugify");
        let exercise = Exercise::load(&dir).unwrap();
        let settings = TestSettings {
            points: 1.0,
            visibility: Visibility::Visible,
            task: None,
            tags: Vec::new(),
        };
        let row = |id: String, passed: bool| {
            let status = if passed {
                TestStatus::Passed
            } else {
                TestStatus::Failed
            };
            TestResult::judged(id.clone(), id, settings.clone(), status, None, 1)
        };
        let mut tests = vec![row("test_slugify.py::test_a".to_owned(), own_passes)];
        for bug in &exercise.spec.pytest.as_ref().unwrap().bugs {
            tests.push(row(
                format!("bugs::{}", bug.name),
                !missed.contains(&bug.name.as_str()),
            ));
        }
        let mut result = GradeResult::graded(
            "pytest/test-slugify",
            std::time::Duration::ZERO,
            tests,
            Output {
                text: String::new(),
                truncated: false,
            },
        );
        result.settle();
        (exercise, result)
    }

    #[test]
    fn a_bug_the_learners_tests_miss_shows_what_to_try() {
        let (exercise, result) = slugify_result(true, &["drops-digits", "cut-one-short"]);
        let bugs = &exercise.spec.pytest.as_ref().unwrap().bugs;
        let hint = |name: &str| {
            bugs.iter()
                .find(|bug| bug.name == name)
                .unwrap()
                .hint
                .clone()
                .unwrap()
        };
        assert_eq!(
            for_result(&exercise, &result),
            [hint("drops-digits"), hint("cut-one-short")]
        );
        // Tests that fail on the correct implementation first: no hint.
        let (exercise, result) = slugify_result(false, &["drops-digits"]);
        assert!(for_result(&exercise, &result).is_empty());
        // Every bug caught: passed, no hint.
        let (exercise, result) = slugify_result(true, &[]);
        assert!(for_result(&exercise, &result).is_empty());
    }
}
