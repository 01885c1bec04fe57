//! What a class did with an exercise, for its authors
//! (`GET /v1/exercises/{id}/stats`, `grader stats`, the page's Class
//! section).
//!
//! Learners are tokens. An attempt is a graded submission that counts: a
//! grading that ended in `infra` (the grader's own failure) is no attempt.
//! A learner passed once an attempt passed every test; their attempts to a
//! first pass count that one and every one before it. Scores are each
//! learner's best, as a share of the maximum. A test counts as failed by a
//! learner who failed it (or whose run ended in an error there) in any
//! attempt; a hint as shown to a learner who was shown it at least once.

use std::collections::{BTreeMap, BTreeSet};

use grader::GradeResult;
use grader::exercise::Visibility;
use grader::result::{ErrorKind, Status, TestStatus};
use serde::{Deserialize, Serialize};

use crate::store::StoredSubmission;

/// How many tests and hints the lists keep, most first.
const TOP: usize = 10;

/// What a class did with one exercise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExerciseStats {
    /// `<track>/<slug>`.
    pub exercise: String,
    /// Tokens with at least one attempt.
    pub learners: u64,
    /// Attempts: graded submissions, but for those the grader failed.
    pub submissions: u64,
    /// Learners with a passing attempt ÷ learners (0 with no learner).
    pub passing_share: f64,
    /// Among learners who passed, the median number of attempts up to and
    /// including their first pass; null when none passed.
    pub median_attempts_to_pass: Option<f64>,
    /// Learners by their best score as a share of the maximum, in eleven
    /// buckets: `0–9%` … `90–99%`, then `100%`.
    pub score_distribution: Vec<ScoreBucket>,
    /// The tests most learners failed at least once, most first (at most
    /// ten).
    pub tests_failed_most: Vec<TestFailures>,
    /// The hints shown to most learners, most first (at most ten).
    pub hints_shown_most: Vec<HintShown>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScoreBucket {
    pub label: String,
    pub learners: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TestFailures {
    pub id: String,
    pub name: String,
    /// False for a hidden test.
    pub visible: bool,
    pub learners: u64,
    /// Of all learners.
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HintShown {
    /// The hint, in Markdown.
    pub hint: String,
    pub learners: u64,
    /// Of all learners.
    pub share: f64,
}

/// What one learner did.
#[derive(Debug, Default)]
struct Learner {
    attempts: u64,
    /// Attempts up to and including the first pass.
    first_pass: Option<u64>,
    best: f64,
    failed: BTreeSet<String>,
    hints: BTreeSet<String>,
}

/// The stats of `exercise` from its graded submissions, oldest first.
pub fn compute(exercise: &str, graded: &[StoredSubmission]) -> ExerciseStats {
    let mut learners: BTreeMap<i64, Learner> = BTreeMap::new();
    // Each test's name and visibility, as its latest attempt says.
    let mut tests: BTreeMap<String, (String, bool)> = BTreeMap::new();
    let mut submissions = 0;
    for result in graded.iter().filter_map(|submission| {
        let result = submission.result.as_ref()?;
        counts(result).then_some((submission.token_id, result))
    }) {
        let (token, result) = result;
        submissions += 1;
        let learner = learners.entry(token).or_default();
        learner.attempts += 1;
        if result.status == Status::Passed && learner.first_pass.is_none() {
            learner.first_pass = Some(learner.attempts);
        }
        if result.max_score > 0.0 {
            learner.best = learner.best.max(result.score / result.max_score);
        }
        // A subtest's case fails with its test, which carries the points.
        for test in result.tests.iter().filter(|test| test.parent.is_none()) {
            let visible = test.visibility == Visibility::Visible;
            tests.insert(test.id.clone(), (test.name.clone(), visible));
            if matches!(test.status, TestStatus::Failed | TestStatus::Error) {
                learner.failed.insert(test.id.clone());
            }
        }
        learner.hints.extend(result.hints.iter().cloned());
    }
    let total = learners.len() as u64;
    let share = |count: u64| {
        if total == 0 {
            0.0
        } else {
            count as f64 / total as f64
        }
    };
    let passed: Vec<u64> = learners.values().filter_map(|l| l.first_pass).collect();

    let mut failures: BTreeMap<&str, u64> = BTreeMap::new();
    let mut hints: BTreeMap<&str, u64> = BTreeMap::new();
    for learner in learners.values() {
        for id in &learner.failed {
            *failures.entry(id).or_default() += 1;
        }
        for hint in &learner.hints {
            *hints.entry(hint).or_default() += 1;
        }
    }
    let tests_failed_most = most(failures)
        .into_iter()
        .map(|(id, count)| {
            let (name, visible) = tests.get(id).cloned().unwrap_or_default();
            TestFailures {
                id: id.to_owned(),
                name,
                visible,
                learners: count,
                share: share(count),
            }
        })
        .collect();
    let hints_shown_most = most(hints)
        .into_iter()
        .map(|(hint, count)| HintShown {
            hint: hint.to_owned(),
            learners: count,
            share: share(count),
        })
        .collect();

    ExerciseStats {
        exercise: exercise.to_owned(),
        learners: total,
        submissions,
        passing_share: share(passed.len() as u64),
        median_attempts_to_pass: median(passed),
        score_distribution: distribution(learners.values().map(|learner| learner.best)),
        tests_failed_most,
        hints_shown_most,
    }
}

/// Whether a graded result is an attempt: not the grader's own failure.
fn counts(result: &GradeResult) -> bool {
    result
        .error
        .as_ref()
        .is_none_or(|error| error.kind != ErrorKind::Infra)
}

/// The `TOP` entries with the highest counts, most first, ties by key.
fn most(counts: BTreeMap<&str, u64>) -> Vec<(&str, u64)> {
    let mut entries: Vec<(&str, u64)> = counts.into_iter().collect();
    entries.sort_by(|(a, a_count), (b, b_count)| b_count.cmp(a_count).then(a.cmp(b)));
    entries.truncate(TOP);
    entries
}

fn median(mut values: Vec<u64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let middle = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[middle] as f64
    } else {
        (values[middle - 1] + values[middle]) as f64 / 2.0
    })
}

/// Eleven buckets of best scores (shares of the maximum).
fn distribution(best: impl Iterator<Item = f64>) -> Vec<ScoreBucket> {
    let mut counts = [0u64; 11];
    for share in best {
        // Full marks alone in the last bucket; a share a hair under 1 by
        // rounding is still below it.
        let bucket = if share >= 1.0 {
            10
        } else {
            ((share.max(0.0) * 10.0).floor() as usize).min(9)
        };
        counts[bucket] += 1;
    }
    counts
        .iter()
        .enumerate()
        .map(|(bucket, &learners)| ScoreBucket {
            label: if bucket == 10 {
                "100%".to_owned()
            } else {
                format!("{}–{}%", bucket * 10, bucket * 10 + 9)
            },
            learners,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SubmissionStatus;
    use grader::result::{GradeError, TestResult};

    fn test(id: &str, status: TestStatus, visibility: Visibility) -> TestResult {
        TestResult {
            id: id.to_owned(),
            name: id.replace('_', " "),
            status,
            score: if status == TestStatus::Passed {
                1.0
            } else {
                0.0
            },
            max_score: 1.0,
            visibility,
            task: None,
            tags: vec![],
            message: None,
            output: None,
            duration_ms: 0,
            line: None,
            code: None,
            exercism_code: None,
            parent: None,
            case: None,
        }
    }

    /// A graded submission of `token` with tests `a` (visible) and `b`
    /// (hidden) as `statuses` say, and `hints`.
    fn graded(token: i64, statuses: [TestStatus; 2], hints: &[&str]) -> StoredSubmission {
        let tests = vec![
            test("a", statuses[0], Visibility::Visible),
            test("b", statuses[1], Visibility::Hidden),
        ];
        let score = tests.iter().map(|test| test.score).sum();
        let passed = tests.iter().all(|test| test.status == TestStatus::Passed);
        let mut result = GradeResult::error("t/x", ErrorKind::Infra, "placeholder");
        result.error = None;
        result.status = if passed {
            Status::Passed
        } else {
            Status::Failed
        };
        result.score = score;
        result.max_score = 2.0;
        result.tests = tests;
        result.hints = hints.iter().map(|hint| (*hint).to_owned()).collect();
        submission(token, Some(result))
    }

    fn submission(token: i64, result: Option<GradeResult>) -> StoredSubmission {
        StoredSubmission {
            id: format!("s{token}"),
            token_id: token,
            exercise: "t/x".to_owned(),
            files: BTreeMap::new(),
            status: SubmissionStatus::Done,
            result,
            attempts: 1,
            created_at: 0,
            finished_at: None,
            callback: None,
            idempotency_key: None,
        }
    }

    use TestStatus::{Error, Failed, Passed};

    #[test]
    fn a_class_is_counted_by_learner_and_attempt() {
        let infra = {
            let mut result = GradeResult::error("t/x", ErrorKind::Infra, "engine down");
            result.error = Some(GradeError {
                kind: ErrorKind::Infra,
                message: "engine down".to_owned(),
                learner_fault: false,
            });
            submission(1, Some(result))
        };
        let history = vec![
            // Learner 1: fails b twice (an error, then a failure), passes
            // on the third attempt; the grader's failure is no attempt.
            graded(1, [Passed, Error], &["check b"]),
            infra,
            graded(1, [Passed, Failed], &["check b"]),
            graded(1, [Passed, Passed], &[]),
            // Learner 2: passes at once.
            graded(2, [Passed, Passed], &[]),
            // Learner 3: never passes, fails both.
            graded(3, [Failed, Failed], &["check a", "check b"]),
        ];
        let stats = compute("t/x", &history);
        assert_eq!(stats.learners, 3);
        assert_eq!(stats.submissions, 5);
        assert!((stats.passing_share - 2.0 / 3.0).abs() < 1e-9);
        // Attempts to a first pass: 3 and 1.
        assert_eq!(stats.median_attempts_to_pass, Some(2.0));
        let buckets: Vec<u64> = stats
            .score_distribution
            .iter()
            .map(|b| b.learners)
            .collect();
        assert_eq!(buckets, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
        assert_eq!(stats.score_distribution[10].label, "100%");
        assert_eq!(stats.score_distribution[0].label, "0–9%");
        let failed: Vec<(&str, u64, bool)> = stats
            .tests_failed_most
            .iter()
            .map(|t| (t.id.as_str(), t.learners, t.visible))
            .collect();
        assert_eq!(failed, [("b", 2, false), ("a", 1, true)]);
        let hints: Vec<(&str, u64)> = stats
            .hints_shown_most
            .iter()
            .map(|h| (h.hint.as_str(), h.learners))
            .collect();
        assert_eq!(hints, [("check b", 2), ("check a", 1)]);
    }

    #[test]
    fn an_exercise_nobody_tried_has_empty_stats() {
        let stats = compute("t/x", &[submission(1, None)]);
        assert_eq!(stats.learners, 0);
        assert_eq!(stats.submissions, 0);
        assert_eq!(stats.passing_share, 0.0);
        assert_eq!(stats.median_attempts_to_pass, None);
        assert_eq!(stats.score_distribution.len(), 11);
        assert!(stats.tests_failed_most.is_empty());
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(vec![4, 1, 3, 2]), Some(2.5));
        assert_eq!(median(vec![7]), Some(7.0));
        assert_eq!(median(vec![]), None);
    }
}
